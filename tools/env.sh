# Sourced by the tools/ scripts: where the build tools live and how
# worker-build finds them. Tools are cached outside the checkout so fresh
# clones reuse them.
WEBOX_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
WEBOX_TOOLS_DIR="${WEBOX_TOOLS_DIR:-$HOME/.cache/webox/tools}"
export PATH="$WEBOX_TOOLS_DIR/bin:$HOME/.cargo/bin:$WEBOX_ROOT/node_modules/.bin:$PATH"
export WASM_BINDGEN_BIN="$WEBOX_TOOLS_DIR/bin/wasm-bindgen"
export ESBUILD_BIN="$WEBOX_ROOT/node_modules/.bin/esbuild"
export WASM_OPT_BIN="$WEBOX_ROOT/node_modules/.bin/wasm-opt"
# wrangler: no telemetry, no update checks, no interactive prompts.
export WRANGLER_SEND_METRICS=false
export CI="${CI:-true}"
# The families, in the order they are built and started.
WEBOX_FAMILIES=(auth profile marketplace orders payment admin chat generation)
