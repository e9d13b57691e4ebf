#!/usr/bin/env bash
# `make test`: every test. Native unit tests of the domain and tools first,
# then the Workers are built and the end-to-end suites run against the whole
# site in `wrangler dev` (each test binary starts its own, on a free port,
# from empty state).
set -euo pipefail
source "$(dirname "$0")/env.sh"
cd "$WEBOX_ROOT"

tools/bootstrap.sh --browser
echo "test: native unit tests"
cargo test -q -p webox-core -p webox-simulator
echo "test: building the Workers"
tools/build.sh
cargo build -q -p webox-simulator -p webox-seed
echo "test: end-to-end suites"
cargo test -q -p webox-e2e -- --test-threads "${E2E_THREADS:-4}"
