#!/usr/bin/env bash
# How real.save.txt / real.list-*.txt were produced (Debian 12, iptables v1.8.9 (nf_tables), ipset 7.17):
#   bash engine/tests/netfilter/realistic/setup.sh   (as root; creates and deletes a network namespace)
# The nfacct objects must exist for `-m nfacct` (created with nfnetlink_acct through the `nfacct` tool if
# present); the ipsets must exist for `-m set`.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
ns=packetlab-netfilter
ip netns del "$ns" 2>/dev/null || true
ip netns add "$ns"
trap 'ip netns del "$ns"' EXIT
run() { ip netns exec "$ns" "$@"; }
for set in cali40all-hosts-net cali40masq-ipam-pools cali40all-ipam-pools; do run ipset create "$set" hash:net; done
if command -v nfacct >/dev/null; then
  run nfacct add ct_state_invalid_dropped_pkts
  run nfacct add localhost_nps_accepted_pkts
fi
run iptables-restore < "$here/restore.txt"
run iptables-save | sed -E 's/ on .*$/ on <date>/' > "$here/real.save.txt"
for table in nat filter; do
  run iptables -t "$table" -S > "$here/real.spec-$table.txt"
  run iptables -t "$table" -L -n > "$here/real.list-$table.txt"
  run iptables -t "$table" -L -n -v --line-numbers > "$here/real.list-v-$table.txt"
done
