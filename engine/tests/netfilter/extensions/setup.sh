#!/usr/bin/env bash
# How the real.* files were produced (Debian 12, iptables v1.8.9 (nf_tables)), as root:
#   bash engine/tests/netfilter/extensions/setup.sh
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
ns=packetlab-netfilter-ext
ip netns del "$ns" 2>/dev/null || true
ip netns add "$ns"
trap 'ip netns del "$ns"' EXIT
run() { ip netns exec "$ns" "$@"; }
run iptables-restore --counters < "$here/restore.txt"
run iptables-save | sed -E 's/ on .*$/ on <date>/' > "$here/real.save.txt"
run iptables-save -c -t filter | sed -E 's/ on .*$/ on <date>/' > "$here/real.save-counters-filter.txt"
for table in raw filter nat; do
  run iptables -t "$table" -S > "$here/real.spec-$table.txt"
  run iptables -t "$table" -L -n > "$here/real.list-$table.txt"
  run iptables -t "$table" -L -n -v --line-numbers > "$here/real.list-v-$table.txt"
done
run iptables -t filter -S LAB-CHECKS > "$here/real.spec-filter-LAB-CHECKS.txt"
run iptables -t filter -L LAB-CHECKS -n > "$here/real.list-filter-LAB-CHECKS.txt"
