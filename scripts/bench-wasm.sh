#!/usr/bin/env bash
# Monte Carlo draws (`trace::spread`) natively and in WebAssembly under Node.js, in one run
# (issue 6). The cluster: the blog post's, ten whoami pods behind `load/svc-500-web` and
# SERVICES more ClusterIP Services x 10 endpoints (engine/benches/common/scale.rs); the draws go
# from node1 to the web Service, seed 1.
#
# - native: engine/examples/montecarlo.rs, `bench` profile (opt-level 3, LTO);
# - wasm: bench/wasm (plain `extern "C"` exports, no wasm-bindgen) built for
#   wasm32-unknown-unknown with the repository's release profile (opt-level "z", LTO: what the
#   app ships), instantiated with `WebAssembly.instantiate` by bench/wasm/run.mjs.
#
# First both run CHECK draws and their counts must be identical (same seed, same rules, same
# generator on both platforms); then both run COUNT draws, timed, and the ratio is printed.
#
# Usage: scripts/bench-wasm.sh [COUNT=1000000] [SERVICES=1000] [CHECK=10000]
set -euo pipefail

count=${1:-1000000}
services=${2:-1000}
check=${3:-10000}
cd "$(dirname "$0")/.."
target="${CARGO_TARGET_DIR:-target}"

cargo build -q -p packetlab-engine --profile bench --example montecarlo
cargo build -q --release --target wasm32-unknown-unknown --manifest-path bench/wasm/Cargo.toml \
    --target-dir "$target/wasm-bench"
native="$target/release/examples/montecarlo"
wasm="$target/wasm-bench/wasm32-unknown-unknown/release/packetlab_wasm_bench.wasm"
echo "wasm module: $(wc -c < "$wasm") bytes"

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

counts() { grep ' counted ' "$1"; }
"$native" "$check" "$services" > "$work/native-check.txt"
node bench/wasm/run.mjs "$wasm" "$check" "$services" 1 > "$work/wasm-check.txt"
if ! diff <(counts "$work/native-check.txt") <(counts "$work/wasm-check.txt"); then
    echo "bench-wasm: native and wasm counts differ for $check draws" >&2
    exit 1
fi
echo "$check draws: native and wasm counts identical"

echo "load: $(uptime)"
"$native" "$count" "$services" | tee "$work/native.txt"
echo "load: $(uptime)"
node bench/wasm/run.mjs "$wasm" "$count" "$services" 1 | tee "$work/wasm.txt"
echo "load: $(uptime)"
if ! diff <(counts "$work/native.txt") <(counts "$work/wasm.txt") > /dev/null; then
    echo "bench-wasm: native and wasm counts differ for $count draws" >&2
    exit 1
fi
rate() { sed -n 's/.* \([0-9]*\) draws\/s.*/\1/p' "$1"; }
awk -v n="$(rate "$work/native.txt")" -v w="$(rate "$work/wasm.txt")" -v c="$count" 'BEGIN {
    printf "%d draws, identical counts: native %d draws/s, wasm %d draws/s, native / wasm = %.2f\n", c, n, w, n / w
}'
