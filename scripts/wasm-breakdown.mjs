// Which code takes the bytes of a wasm module: sizes of function bodies grouped by the
// crate/module path of their (demangled enough) names, plus data segments.
// Needs a module that still has its `name` section, e.g. cargo's output before wasm-bindgen:
//   node scripts/wasm-breakdown.mjs target/wasm32-unknown-unknown/wasm-release/app.wasm [depth]
import fs from 'node:fs';

const buf = fs.readFileSync(process.argv[2]);
const depth = Number(process.argv[3] ?? 2);
let p = 8;
const leb = () => { let r = 0, s = 0, b; do { b = buf[p++]; r += (b & 0x7f) * 2 ** s; s += 7; } while (b & 0x80); return r; };
const str = () => { const n = leb(); const t = buf.toString('utf8', p, p + n); p += n; return t; };
let imported = 0; const bodies = []; const names = new Map(); let data = 0; const custom = {};
while (p < buf.length) {
  const id = buf[p++]; const size = leb(); const end = p + size;
  if (id === 2) { // imports: count function imports (they take function indexes first)
    const n = leb();
    for (let i = 0; i < n; i++) { str(); str(); const k = buf[p++];
      if (k === 0) { leb(); imported++; } else if (k === 1) { p++; const f = leb(); leb(); if (f & 1) leb(); }
      else if (k === 2) { const f = leb(); leb(); if (f & 1) leb(); } else if (k === 3) { p += 2; } else { p++; leb(); } }
  } else if (id === 10) { const n = leb(); for (let i = 0; i < n; i++) { const s = leb(); bodies.push(s); p += s; } }
  else if (id === 11) { data = size; }
  else if (id === 0) { const nm = str(); custom[nm] = end - p;
    if (nm === 'name') while (p < end) { const sub = buf[p++]; const ss = leb(); const se = p + ss;
      if (sub === 1) { const n = leb(); for (let i = 0; i < n; i++) { const idx = leb(); names.set(idx, str()); } }
      p = se; } }
  p = end;
}
const demangle = (n) => n.replace(/^_ZN/, '').replace(/17h[0-9a-f]{16}E$/, '').replace(/(\d+)/g, '::').replace(/\$LT\$/g, '<').replace(/\$GT\$/g, '>').replace(/\$u20\$/g, ' ').replace(/\.\./g, '::');
const groups = new Map(); let total = 0;
bodies.forEach((s, i) => {
  const raw = names.get(i + imported) ?? '?';
  let n = demangle(raw).replace(/^::/, '');
  // `<leverlab::engine::X as Trait>` counts under leverlab::engine::X.
  n = n.replace(/^_?<?/, '').split(/ as |$u20$/)[0];
  const key = n.split('::').filter(Boolean).slice(0, depth).join('::') || raw.slice(0, 40);
  groups.set(key, (groups.get(key) ?? 0) + s); total += s;
});
console.log(`code ${(total / 1024).toFixed(1)} KiB in ${bodies.length} functions; data ${(data / 1024).toFixed(1)} KiB; custom ${JSON.stringify(Object.fromEntries(Object.entries(custom).map(([k, v]) => [k, (v / 1024).toFixed(1) + ' KiB'])))}`);
for (const [k, v] of [...groups].sort((a, b) => b[1] - a[1]).slice(0, Number(process.argv[4] ?? 40)))
  console.log(`${(v / 1024).toFixed(1).padStart(8)} KiB  ${(100 * v / total).toFixed(1).padStart(5)} %  ${k}`);
