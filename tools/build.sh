#!/usr/bin/env bash
# Builds every Worker (release, wasm-opt) into functions/<name>/build/.
# All crates share one cargo target directory, so dependencies compile once.
set -euo pipefail
source "$(dirname "$0")/env.sh"
for worker in gateway "${WEBOX_FAMILIES[@]}"; do
  echo "build: $worker"
  (cd "$WEBOX_ROOT/functions/$worker" && worker-build --release 2>&1 | grep -vE '^\s*$|Compiling|Downloaded|Downloading' || true)
  test -s "$WEBOX_ROOT/functions/$worker/build/index_bg.wasm" || { echo "build: $worker failed" >&2; exit 1; }
done
