//! Ingress as Contour and its Envoy implement it: which Ingresses are served, how their
//! rules become Envoy virtual hosts and routes, which route a request takes, and which pod
//! Envoy then connects to.
//!
//! Reads the resolved [`Cluster`] (after `cluster::build`); the packet trace calls
//! [`route`] at the Envoy pod that terminated the client's connection and [`upstream`] for
//! the second connection. Facts: `reference/calico-metallb-ingress.md` §3.
//!
//! ```text
//! Cluster --table::build--> RouteTable --route::route(host, path)--> RouteDecision
//!   --upstream::endpoints_for(backend)--> pod IP:targetPort (round robin)
//! ```

use crate::cluster::Cluster;
use crate::diagnostic::Diagnostic;

pub mod class;
pub mod contour;
pub mod host;
pub mod path;
pub mod re2;
pub mod route;
pub mod table;
pub mod upstream;

pub use route::RouteDecision;
pub use table::{Backend, RouteTable};

/// Routes one request through Contour's table for `cluster`: `Host: host_header`, and
/// `target` the request path (with any query string).
pub fn route(cluster: &Cluster, host_header: &str, target: &str) -> RouteDecision {
    let (table, _) = table::build(cluster);
    route::route(&table, host_header, target)
}

/// What Contour says about the cluster's Ingresses (ignored classes and annotations,
/// unresolved backends, clashing routes, bad regexes).
pub fn diagnostics(cluster: &Cluster) -> Vec<Diagnostic> {
    table::build(cluster).1
}
