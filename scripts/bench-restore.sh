#!/usr/bin/env bash
# The engine's generate + render of kube-proxy's rules against the kernel's own
# `iptables-restore` of the same text, timed in one run, as a ratio (issue 6).
#
# The engine side: engine/examples/rules_text.rs builds node1 of the post's default cluster
# plus N ClusterIP Services x 10 endpoints (the `rules` bench's cluster), times
# `kubeproxy::generate` + `netfilter::save` in-process RUNS times and writes the text. The
# kernel side: for each run a fresh network namespace gets kube-proxy's nfacct counters
# (kube-proxy creates them over netlink before it restores), then
# `ip netns exec NS iptables-restore < FILE` is timed from outside (process start, parsing,
# the netlink transaction and the kernel's commit). The namespace is deleted after each run
# and on exit. Medians of RUNS are compared.
#
# Usage: scripts/bench-restore.sh [N=10000] [RUNS=3]   (as root; iptables, iproute2, nfacct)
set -euo pipefail

count=${1:-10000}
runs=${2:-3}
cd "$(dirname "$0")/.."

if [ "$(id -u)" -ne 0 ]; then
    echo "bench-restore: must run as root (network namespaces)" >&2
    exit 1
fi

cargo build -q -p packetlab-engine --profile bench --example rules_text
binary="${CARGO_TARGET_DIR:-target}/release/examples/rules_text"

work=$(mktemp -d)
ns="kplrestore$$"
cleanup() {
    ip netns del "$ns" 2>/dev/null || true
    rm -rf "$work"
}
trap cleanup EXIT

echo "load: $(uptime)"
echo "iptables: $(iptables --version)"
"$binary" "$count" "$work/rules.txt" "$runs" | tee "$work/engine.txt"

counters=$(grep -o -- '--nfacct-name  *[^ ]*' "$work/rules.txt" | awk '{print $2}' | sort -u)
now() { date +%s%N; }
for run in $(seq "$runs"); do
    ip netns add "$ns"
    for counter in $counters; do
        ip netns exec "$ns" nfacct add "$counter" >/dev/null
    done
    start=$(now)
    ip netns exec "$ns" iptables-restore < "$work/rules.txt"
    end=$(now)
    awk -v ns="$((end - start))" 'BEGIN { printf "iptables-restore %.3f\n", ns / 1e9 }' | tee -a "$work/kernel.txt"
    if [ "$run" -eq "$runs" ]; then
        # A spot check that the restore took: nat KUBE-SERVICES rule by rule. (Not
        # `iptables-save`: iptables-nft 1.8.9's crashed with SIGSEGV after five minutes
        # listing the 320,052 rules of 10,000 Services here.)
        listed=$(ip netns exec "$ns" nft -a list chain ip nat KUBE-SERVICES 2>/dev/null | grep -c '# handle' || true)
        wanted=$(awk '/^\*nat/ { nat = 1 } /^COMMIT/ { nat = 0 } nat && /^-A KUBE-SERVICES / { n++ } END { print n }' "$work/rules.txt")
        echo "nat KUBE-SERVICES in the namespace: $((listed - 1)) rules, in the text: $wanted"
        if [ "$((listed - 1))" -ne "$wanted" ]; then
            echo "bench-restore: the restored chain differs from the text" >&2
            exit 1
        fi
    fi
    ip netns del "$ns"
done

median() { sort -n | awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }
engine=$(awk '/^generate\+render/ { print $2 }' "$work/engine.txt" | median)
kernel=$(awk '/^iptables-restore/ { print $2 }' "$work/kernel.txt" | median)
awk -v n="$count" -v e="$engine" -v k="$kernel" 'BEGIN {
    printf "%d Services x 10 endpoints: engine generate+render %.3f s, iptables-restore %.3f s (medians); iptables-restore / engine = %.1f\n", n, e, k, k / e
}'
echo "load: $(uptime)"
