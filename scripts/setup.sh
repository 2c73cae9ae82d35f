#!/usr/bin/env bash
# Installs every tool leverlab's build and tests need, pinned and idempotent.
#
#   scripts/setup.sh            build tools: wasm32 target, trunk, wasm-bindgen-cli, wasm-opt
#   scripts/setup.sh --browser  also: Debian chromium + chromium-driver, npm playwright-core
#
# Built tools live in a per-user cache keyed by version (~/.cache/leverlab/<tool>-<version>),
# so a second clone reuses them; the git-ignored .tools/bin of this clone links to them and
# the Makefile puts it first on PATH. No global tool is used or overwritten.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
CACHE="${LEVERLAB_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/leverlab}"
BIN="$ROOT/.tools/bin"
TRUNK_VERSION=0.21.14
BINARYEN_VERSION=132.0.0
WASM_OPT_EXPECT=version_132

log() { printf 'setup: %s\n' "$*" >&2; }
die() { printf 'setup: error: %s\n' "$*" >&2; exit 1; }

mkdir -p "$BIN" "$CACHE"
# One installer at a time per user: two clones set up at once must not build into one folder.
exec 9>"$CACHE/.lock"
flock 9

WB_VERSION=$(awk '/^name = "wasm-bindgen"$/ { getline; gsub(/"/, "", $3); print $3; exit }' "$ROOT/Cargo.lock")
[ -n "$WB_VERSION" ] || die "no wasm-bindgen in Cargo.lock"
grep -q "wasm_bindgen = \"$WB_VERSION\"" "$ROOT/Trunk.toml" \
  || die "Trunk.toml pins a wasm_bindgen other than Cargo.lock's $WB_VERSION: make them equal"

link() { ln -sfn "$1" "$BIN/$2"; }

# cargo_tool NAME VERSION BINARY [cargo install args...]: builds into a temporary root and
# renames it into place, so an interrupted build never leaves a half-installed cache entry.
cargo_tool() {
  local name=$1 version=$2 binary=$3; shift 3
  local dir="$CACHE/$name-$version"
  if [ ! -x "$dir/bin/$binary" ]; then
    log "building $name $version into $dir (one-off, several minutes)"
    rm -rf "$dir.tmp"
    cargo install --root "$dir.tmp" "$@" >&2
    rm -rf "$dir" && mv "$dir.tmp" "$dir"
  fi
  link "$dir/bin/$binary" "$binary"
}

if ! rustup target list --installed | grep -qx wasm32-unknown-unknown; then
  log "adding the wasm32-unknown-unknown target"
  rustup target add wasm32-unknown-unknown >&2
fi

# trunk 0.22 needs a newer rustc; 0.21.14 builds only with --locked.
cargo_tool trunk "$TRUNK_VERSION" trunk --locked "trunk@$TRUNK_VERSION"
# wasm-bindgen-cli must equal Cargo.lock's wasm-bindgen; --locked fails on this registry.
cargo_tool wasm-bindgen "$WB_VERSION" wasm-bindgen wasm-bindgen-cli --version "$WB_VERSION"
link "$CACHE/wasm-bindgen-$WB_VERSION/bin/wasm-bindgen-test-runner" wasm-bindgen-test-runner

# wasm-opt from npm binaryen (Debian's is too old for current rustc output).
BINARYEN_DIR="$CACHE/binaryen-$BINARYEN_VERSION"
if [ ! -x "$BINARYEN_DIR/node_modules/.bin/wasm-opt" ]; then
  command -v npm >/dev/null || die "npm is needed for binaryen@$BINARYEN_VERSION (wasm-opt)"
  log "installing npm binaryen@$BINARYEN_VERSION into $BINARYEN_DIR"
  rm -rf "$BINARYEN_DIR.tmp" && mkdir -p "$BINARYEN_DIR.tmp"
  npm install --prefix "$BINARYEN_DIR.tmp" --no-audit --no-fund --loglevel=error "binaryen@$BINARYEN_VERSION" >&2
  rm -rf "$BINARYEN_DIR" && mv "$BINARYEN_DIR.tmp" "$BINARYEN_DIR"
fi
# node_modules/.bin links are relative to their folder, so a wrapper script rather than a link.
cat > "$BIN/wasm-opt" <<WRAP
#!/bin/sh
exec "$BINARYEN_DIR/node_modules/.bin/wasm-opt" "\$@"
WRAP
chmod +x "$BIN/wasm-opt"

# Check the versions trunk will see (it runs the tools found on PATH when offline).
"$BIN/trunk" --version | grep -q "$TRUNK_VERSION" || die "trunk is not $TRUNK_VERSION"
"$BIN/wasm-bindgen" --version | grep -q "$WB_VERSION" || die "wasm-bindgen is not $WB_VERSION"
"$BIN/wasm-opt" --version | grep -q "$WASM_OPT_EXPECT" || die "wasm-opt is not $WASM_OPT_EXPECT"

if [ "${1:-}" = "--browser" ]; then
  if ! command -v chromium >/dev/null || ! command -v chromedriver >/dev/null; then
    if [ "$(id -u)" = 0 ]; then
      log "installing Debian chromium and chromium-driver"
      export DEBIAN_FRONTEND=noninteractive
      apt-get update -qq >&2
      apt-get install -y -qq chromium chromium-driver >&2
    else
      die "the browser tests need Debian's chromium and chromium-driver: run 'sudo apt-get install chromium chromium-driver' (not root, so not installing them)"
    fi
  fi
  # playwright-core (drives the system Chromium; never downloads a browser), pinned by the lock file.
  E2E="$ROOT/tests/e2e"
  if [ ! -f "$E2E/node_modules/.package-lock.json" ] || ! cmp -s "$E2E/package-lock.json" "$E2E/node_modules/.lock-copy"; then
    log "installing the browser-test packages (npm ci)"
    (cd "$E2E" && npm ci --no-audit --no-fund --loglevel=error >&2 && cp package-lock.json node_modules/.lock-copy)
  fi
fi
log "tools ready in $BIN"
