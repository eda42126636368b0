//! Typed netfilter rules that both evaluate and print their exact iptables spelling.
//! Owned by the netfilter work.
