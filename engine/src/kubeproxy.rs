//! kube-proxy in iptables mode: Cluster -> each node's rules. Owned by the kube-proxy work.
