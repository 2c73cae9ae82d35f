//! A JSON value with the path that leads to it, so every error names where in the response
//! it is (`responses[0].result.list[2].size`), and readers for the venues' habits: numbers
//! as strings, empty strings for "none".

use serde_json::Value;

use crate::engine::scenario::FieldError;

/// A value inside input number `input`, with its path.
#[derive(Clone)]
pub struct At<'a> {
    pub v: &'a Value,
    pub path: String,
}

impl<'a> At<'a> {
    #[cfg(test)]
    pub fn root(v: &'a Value, input: usize) -> Self {
        At { v, path: format!("responses[{input}]") }
    }

    /// The member `k`, unless it is missing or `null`.
    pub fn key(&self, k: &str) -> Option<At<'a>> {
        match self.v.get(k) {
            None | Some(Value::Null) => None,
            Some(v) => Some(At { v, path: format!("{}.{k}", self.path) }),
        }
    }

    pub fn has(&self, k: &str) -> bool {
        self.v.get(k).is_some()
    }

    /// The member `k`, which must be present.
    ///
    /// # Errors
    /// A [`FieldError`] at the member's path when it is missing or `null`.
    pub fn req(&self, k: &str) -> Result<At<'a>, FieldError> {
        self.key(k).ok_or_else(|| FieldError::new(format!("{}.{k}", self.path), "missing (or null); the response looks cut or edited"))
    }

    /// The value as a number: a JSON number or a numeric string (`"0.385"`).
    ///
    /// # Errors
    /// A [`FieldError`] at this path when it is neither, or not finite.
    pub fn num(&self) -> Result<f64, FieldError> {
        let x = match self.v {
            Value::Number(n) => n.as_f64(),
            Value::String(s) => s.trim().parse::<f64>().ok(),
            _ => None,
        };
        match x {
            Some(x) if x.is_finite() => Ok(if x == 0.0 { 0.0 } else { x }),
            _ => Err(FieldError::new(self.path.clone(), format!("expected a number (or a numeric string), found {}", short(self.v)))),
        }
    }

    /// Member `k` as a number; `None` when missing, `null` or `""`.
    ///
    /// # Errors
    /// A [`FieldError`] when present but not a number.
    pub fn opt_num(&self, k: &str) -> Result<Option<f64>, FieldError> {
        match self.key(k) {
            None => Ok(None),
            Some(a) if a.v.as_str().is_some_and(|s| s.trim().is_empty()) => Ok(None),
            Some(a) => a.num().map(Some),
        }
    }

    /// Member `k` as a number, required.
    ///
    /// # Errors
    /// A [`FieldError`] when missing or not a number.
    pub fn req_num(&self, k: &str) -> Result<f64, FieldError> {
        self.req(k)?.num()
    }

    /// Member `k` as text (a string, or a number written out); `None` when missing or `null`.
    pub fn opt_str(&self, k: &str) -> Option<String> {
        self.key(k).and_then(|a| match a.v {
            Value::String(s) => Some(s.clone()),
            Value::Number(n) => Some(n.to_string()),
            Value::Bool(b) => Some(b.to_string()),
            _ => None,
        })
    }

    /// Member `k` as text, required.
    ///
    /// # Errors
    /// A [`FieldError`] when missing or not a string.
    pub fn req_str(&self, k: &str) -> Result<String, FieldError> {
        self.opt_str(k).ok_or_else(|| FieldError::new(format!("{}.{k}", self.path), "missing; expected a string"))
    }

    /// The elements of an array.
    ///
    /// # Errors
    /// A [`FieldError`] when this is not an array.
    pub fn items(&self) -> Result<Vec<At<'a>>, FieldError> {
        match self.v {
            Value::Array(a) => Ok(a.iter().enumerate().map(|(i, v)| At { v, path: format!("{}[{i}]", self.path) }).collect()),
            other => Err(FieldError::new(self.path.clone(), format!("expected an array, found {}", short(other)))),
        }
    }

    /// The members of an object, in order.
    ///
    /// # Errors
    /// A [`FieldError`] when this is not an object.
    pub fn members(&self) -> Result<Vec<(String, At<'a>)>, FieldError> {
        match self.v {
            Value::Object(m) => Ok(m.iter().map(|(k, v)| (k.clone(), At { v, path: format!("{}.{k}", self.path) })).collect()),
            other => Err(FieldError::new(self.path.clone(), format!("expected an object, found {}", short(other)))),
        }
    }

    /// The venue fields of this object that leverlab does not read (scalars only, private
    /// identifiers left out), as `name=value` text for a position's note.
    pub fn unread(&self, read: &[&str]) -> Vec<String> {
        let Value::Object(m) = self.v else { return Vec::new() };
        m.iter()
            .filter(|(k, _)| !read.contains(&k.as_str()) && !private_key(k))
            .filter_map(|(k, v)| match v {
                Value::String(s) if !s.is_empty() => Some(format!("{k}={s}")),
                Value::Number(n) => Some(format!("{k}={n}")),
                Value::Bool(b) => Some(format!("{k}={b}")),
                _ => None,
            })
            .collect()
    }
}

/// True for member names that identify a person or an account, or hold credentials: user,
/// account and position ids, addresses, API keys, signatures. The importer never copies these.
pub fn private_key(k: &str) -> bool {
    let l = k.to_ascii_lowercase();
    l == "id"
        || l == "uid"
        || l.ends_with("id")
        || l.ends_with("_id")
        || l.contains("user")
        || l.contains("address")
        || l.contains("account")
        || l.contains("key")
        || l.contains("secret")
        || l.contains("sign")
        || l.contains("email")
        || l.contains("passphrase")
        || l.contains("token")
}

/// A short description of a JSON value for messages.
pub fn short(v: &Value) -> String {
    match v {
        Value::Null => "null".into(),
        Value::Bool(b) => b.to_string(),
        Value::Number(n) => n.to_string(),
        Value::String(s) => {
            let t: String = s.chars().take(30).collect();
            format!("\"{t}\"")
        }
        Value::Array(a) => format!("an array of {}", a.len()),
        Value::Object(_) => "an object".into(),
    }
}

/// The member names of an object (for "found keys …" messages), at most 8.
pub fn keys_of(v: &Value) -> String {
    match v {
        Value::Object(m) => {
            let mut ks: Vec<&str> = m.keys().map(String::as_str).filter(|k| !private_key(k)).take(8).collect();
            if m.len() > 8 {
                ks.push("…");
            }
            format!("{{{}}}", ks.join(", "))
        }
        Value::Array(a) => match a.first() {
            Some(first) => format!("[{} …]", keys_of(first)),
            None => "an empty array".into(),
        },
        other => short(other),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn numbers_as_strings_and_empty_strings() {
        let v = json!({"a": "0.385", "b": 2, "c": "", "d": null, "e": "x"});
        let at = At::root(&v, 0);
        assert_eq!(at.opt_num("a").unwrap(), Some(0.385));
        assert_eq!(at.opt_num("b").unwrap(), Some(2.0));
        assert_eq!(at.opt_num("c").unwrap(), None);
        assert_eq!(at.opt_num("d").unwrap(), None);
        assert_eq!(at.opt_num("zz").unwrap(), None);
        let e = at.opt_num("e").unwrap_err();
        assert_eq!(e.path, "responses[0].e");
        assert!(at.req_num("zz").unwrap_err().message.contains("missing"));
    }

    #[test]
    fn private_keys_are_never_copied() {
        let v = json!({"user": 10000, "posId": "3071", "apiKey": "k", "accountId": 7, "uid": "1", "size": "1", "bustPrice": "5"});
        let at = At::root(&v, 0);
        assert_eq!(at.unread(&["size"]), vec!["bustPrice=5".to_string()]);
    }
}
