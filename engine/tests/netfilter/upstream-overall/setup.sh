#!/usr/bin/env bash
# How real.save.txt was produced (Debian 12, iptables v1.8.9 (nf_tables), nfacct 1.0.2), as root:
#   bash engine/tests/netfilter/upstream-overall/setup.sh
# kube-proxy feeds this data to `iptables-restore --noflush`; the namespace starts empty.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
ns=packetlab-netfilter-upstream
ip netns del "$ns" 2>/dev/null || true
ip netns add "$ns"
trap 'ip netns del "$ns"' EXIT
run() { ip netns exec "$ns" "$@"; }
run nfacct add ct_state_invalid_dropped_pkts
run nfacct add localhost_nps_accepted_pkts
run iptables-restore --noflush < "$here/restore.txt"
run iptables-save | sed -E 's/ on .*$/ on <date>/' > "$here/real.save.txt"
