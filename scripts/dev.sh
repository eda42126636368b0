#!/usr/bin/env bash
# Sets up what is missing (scripts/setup.sh), then serves the lab on http://127.0.0.1:8080
# with live reload. Extra arguments go to `trunk serve` (e.g. --port 9000).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
# npm's wasm-opt first: Trunk takes the first one on PATH.
export PATH="$PWD/node_modules/.bin:${CARGO_HOME:-$HOME/.cargo}/bin:$PATH"
exec trunk serve --offline "$@"
