#!/usr/bin/env bash
# Installs what the hub needs to build and run, idempotently: quick when everything is present.
set -euo pipefail
cd "$(dirname "$0")/.."

log() { printf '\033[1;34m[setup]\033[0m %s\n' "$*" >&2; }

# Rust targets (rust-toolchain.toml names them; rustup installs on first use, this makes it explicit).
for t in wasm32-unknown-unknown wasm32-wasip2; do
  rustup target list --installed | grep -qx "$t" || { log "adding Rust target $t"; rustup target add "$t"; }
done

# wasm-bindgen's CLI runs for seconds; building it with full release optimisation (opt-level 3,
# one codegen unit) took most of its install time. Moderate optimisation is plenty.
export CARGO_PROFILE_RELEASE_OPT_LEVEL=1 CARGO_PROFILE_RELEASE_LTO=false CARGO_PROFILE_RELEASE_CODEGEN_UNITS=16 \
  CARGO_PROFILE_RELEASE_DEBUG=0 CARGO_PROFILE_RELEASE_INCREMENTAL=false
INSTALL_TARGET_DIR=${INSTALL_TARGET_DIR:-$HOME/.cache/linkhub-cargo-install}

# wasm-bindgen-cli must match the wasm-bindgen version in Cargo.lock exactly. Only its
# `wasm-bindgen` binary, without TLS (rustls and ring are for its test runner's downloads).
WBG_VERSION=$(awk '/^name = "wasm-bindgen"$/{getline; gsub(/version = |"/, ""); print; exit}' Cargo.lock)
if ! wasm-bindgen --version 2>/dev/null | grep -q " $WBG_VERSION\$"; then
  log "installing wasm-bindgen-cli $WBG_VERSION (a few minutes)"
  cargo install wasm-bindgen-cli --version "$WBG_VERSION" --no-default-features --bin wasm-bindgen \
    --target-dir "$INSTALL_TARGET_DIR"
fi

# wrangler (workerd), and esbuild and binaryen's wasm-opt for scripts/bundle-worker.mjs, from npm.
if [ ! -x node_modules/.bin/wrangler ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  log "installing npm packages"
  npm ci --no-audit --no-fund --loglevel=error
fi

# The dashboard's static files; a placeholder page until the dashboard exists.
if [ ! -f frontend/dist/index.html ]; then
  mkdir -p frontend/dist
  cp frontend/placeholder.html frontend/dist/index.html
fi

# Debian's Chromium, for Lighthouse and browser tests (`scripts/setup.sh browser`; `make dev`
# does not need it). npm's browser downloads cannot reach their hosts from here; Debian's can.
if [ "${1:-}" = browser ] && ! command -v chromium >/dev/null; then
  log "installing Debian's chromium (a minute)"
  sudo=$([ "$(id -u)" = 0 ] || echo sudo)
  export DEBIAN_FRONTEND=noninteractive
  $sudo apt-get install -y -q --no-install-recommends chromium >/dev/null 2>&1 ||
    { $sudo apt-get update -q >/dev/null && $sudo apt-get install -y -q --no-install-recommends chromium >/dev/null; }
fi
