//! kube-proxy in iptables mode: Cluster -> each node's netfilter rules.
//!
//! Pipeline position: `cluster::build` -> **`kubeproxy::generate`** (per node) ->
//! `netfilter::Ruleset` -> rendered as `iptables-save` text. A faithful port of kube-proxy's
//! iptables proxier of the v1.32 line (kubernetes `pkg/proxy/iptables/proxier.go`,
//! `syncProxyRules`), with its supporting pieces from `pkg/proxy`.
//!
//! Modules, one concept each:
//! - [`hash`]: `portProtoHash`, `KUBE-SEP-` names.
//! - [`probability`]: `computeProbability`.
//! - [`service_port`]: the per-port Service attributes kube-proxy reads.
//! - [`endpoint`]: EndpointSlices folded into sorted endpoint lists.
//! - [`topology`]: `CategorizeEndpoints`.
//! - [`config`]: the effective proxier settings (mark, detector, NodePort addresses).

pub mod config;
pub mod endpoint;
pub mod hash;
pub mod probability;
pub mod service_port;
pub mod topology;
