#!/usr/bin/env bash
# Installs everything the build and the tests need, from package registries
# only. Idempotent and cached: a second run does nothing.
#   tools/bootstrap.sh            build tools (Rust target, worker-build, wasm-bindgen, npm packages)
#                                 and ffmpeg (the simulator encodes its videos with it; tests probe them)
#   tools/bootstrap.sh --browser  also Chromium + ChromeDriver (browser tests)
set -euo pipefail
source "$(dirname "$0")/env.sh"
cd "$WEBOX_ROOT"

WORKER_BUILD_VERSION=0.8.7
say() { echo "bootstrap: $*"; }

if ! rustup target list --installed | grep -qx wasm32-unknown-unknown; then
  say "adding the wasm32-unknown-unknown target"
  rustup target add wasm32-unknown-unknown
fi

# The first x.y.z a tool prints for --version ("0.8.7", "wasm-bindgen 0.2.130").
installed_version() { "$1" --version 2>/dev/null | grep -oE '[0-9]+\.[0-9]+\.[0-9]+' | head -n 1; }

if [ "$(installed_version "$WEBOX_TOOLS_DIR/bin/worker-build")" != "$WORKER_BUILD_VERSION" ]; then
  say "installing worker-build $WORKER_BUILD_VERSION"
  cargo install worker-build --version "$WORKER_BUILD_VERSION" --root "$WEBOX_TOOLS_DIR" --force
fi

# wasm-bindgen-cli must match the wasm-bindgen crate in Cargo.lock exactly.
bindgen_version=$(awk '/^name = "wasm-bindgen"$/ {getline; gsub(/"/, "", $3); print $3}' Cargo.lock)
if [ -z "$bindgen_version" ]; then
  echo "bootstrap: no wasm-bindgen in Cargo.lock" >&2
  exit 1
fi
if [ "$(installed_version "$WASM_BINDGEN_BIN")" != "$bindgen_version" ]; then
  say "installing wasm-bindgen-cli $bindgen_version"
  cargo install wasm-bindgen-cli --version "$bindgen_version" --root "$WEBOX_TOOLS_DIR" --force
fi

node_major=$(node --version | sed 's/^v\([0-9]*\).*/\1/')
if [ "$node_major" -lt 20 ]; then
  echo "bootstrap: Node.js >= 20 is needed (found $(node --version))" >&2
  exit 1
fi
if [ ! -f node_modules/.package-lock.json ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  say "installing npm packages (wrangler, esbuild, binaryen)"
  npm ci --no-audit --no-fund --loglevel=error
fi

if [ "$(id -u)" = 0 ]; then SUDO=""; else SUDO="sudo"; fi
apt_updated=""
apt_install() {
  [ -n "$apt_updated" ] || { $SUDO apt-get update -qq; apt_updated=1; }
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "$@" >/dev/null
}
if ! command -v ffmpeg >/dev/null || ! command -v ffprobe >/dev/null; then
  say "installing ffmpeg"
  apt_install ffmpeg
fi
if [ "${1:-}" = "--browser" ]; then
  if ! command -v chromium >/dev/null || ! command -v chromedriver >/dev/null; then
    say "installing chromium and chromium-driver"
    apt_install chromium chromium-driver
  fi
fi
say "ready"
