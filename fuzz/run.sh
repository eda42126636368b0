#!/usr/bin/env bash
# Runs every fuzz target (`cargo fuzz list`: manifest_pipeline, netfilter_text, scenario_trace)
# for SECONDS seconds each (default 45) on the committed corpus, without
# changing it: new inputs go to a scratch folder. A crash fails the run and leaves the input in
# fuzz/artifacts/<target>/; keep it as a regression test (engine/tests/regressions.rs says how).
# Built with overflow checks and debug assertions (-a) and without AddressSanitizer (-s none):
# the engine has no unsafe code, and a panic is the bug we look for.
#   bash fuzz/run.sh [SECONDS] [TARGET...]
set -euo pipefail
cd "$(dirname "$0")"
seconds="${1:-45}"
shift || true
targets=("$@")
[ ${#targets[@]} -gt 0 ] || mapfile -t targets < <(cargo +nightly fuzz list)
scratch="$(mktemp -d)"
trap 'rm -rf "$scratch"' EXIT
for target in "${targets[@]}"; do
  echo "== fuzz: $target for ${seconds}s"
  mkdir -p "$scratch/$target" "corpus/$target"
  cargo +nightly fuzz run -O -a -s none "$target" "$scratch/$target" "corpus/$target" -- \
    -max_total_time="$seconds" -seed=1 -timeout=10 -rss_limit_mb=2048 -max_len=16384 -print_final_stats=1
done
