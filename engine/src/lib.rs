//! Kube Packet Lab's engine: what a real Kubernetes cluster would do with a packet.
//!
//! The pipeline runs one way, and the module dependencies follow it:
//!
//! ```text
//! manifest text --manifest::parse--> Manifests (+ diagnostics)
//!   --cluster::build--> Cluster (scheduling, Calico IPAM, allocations, EndpointSlices)
//!   --kubeproxy::generate--> per-node netfilter Ruleset (kube-proxy's iptables mode)
//!   --netfilter::render--> exact `iptables-save` text --netfilter::parse--> Ruleset again
//! ```
//!
//! The engine is pure: no clock, no I/O, no threads, no web APIs. It builds for native
//! targets and for `wasm32-unknown-unknown`. Bad input never panics it: problems come back
//! as [`diagnostic::Diagnostic`] values next to whatever could still be built.

pub mod calico;
pub mod cluster;
pub mod conntrack;
pub mod dataplane;
pub mod diagnostic;
pub mod ingress;
pub mod kubeproxy;
pub mod manifest;
pub mod metallb;
pub mod net;
pub mod netfilter;
pub mod packet;
pub mod random;
pub mod shell;
pub mod sort;
pub mod trace;
pub mod yaml;
