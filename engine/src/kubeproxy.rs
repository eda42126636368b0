//! kube-proxy in iptables mode: Cluster -> each node's netfilter rules.
//!
//! Pipeline position: `cluster::build` -> **`kubeproxy::generate`** (per node) ->
//! `netfilter::Ruleset` -> rendered as `iptables-save` text. A faithful port of kube-proxy's
//! iptables proxier of the v1.32 line (kubernetes `pkg/proxy/iptables/proxier.go`,
//! `syncProxyRules`), with its supporting pieces from `pkg/proxy`.
//!
//! Modules, one concept each: `hash` (`portProtoHash`, `KUBE-SEP-` names), `probability`
//! (`computeProbability`), `service_port` (the per-port Service attributes kube-proxy reads),
//! `endpoint` (EndpointSlices folded into sorted endpoint lists), `topology`
//! (`CategorizeEndpoints`), `config` (mark, detector, NodePort addresses), `input` (what one
//! node's kube-proxy knows), `rules` (rule-piece constructors), `sync` (`syncProxyRules`:
//! the restore input), `node_view` (the whole node's tables: kubelet, jumps, canaries).

pub mod config;
pub mod endpoint;
pub mod hash;
pub mod input;
pub mod node_view;
pub mod probability;
pub mod rules;
pub mod service_port;
pub mod sync;
pub mod topology;

use crate::cluster::Cluster;
use crate::netfilter::Ruleset;

pub use input::ProxierInput;
pub use sync::{RestoreData, sync_proxy_rules};

/// The netfilter tables of `node` in `cluster` as `iptables-save` would show them: kubelet's
/// and kube-proxy's chains after one full kube-proxy sync. Reads `cluster.kube_proxy`,
/// `cluster.services`, `cluster.endpoint_slices` and the node's addresses. An unknown node
/// gets an empty ruleset.
pub fn generate(cluster: &Cluster, node: &str) -> Ruleset {
    ProxierInput::from_cluster(cluster, node).map(|input| generate_for(&input)).unwrap_or_default()
}

/// The node's tables from upstream-shaped inputs (see [`ProxierInput`]).
pub fn generate_for(input: &ProxierInput) -> Ruleset {
    node_view::node_ruleset(sync_proxy_rules(input))
}
