//! The first two pipeline stages for the integration tests that start from manifest text
//! (`cluster.rs`, `ingress.rs`, `metallb.rs`): `manifest::parse`, then `cluster::build`.

use engine::cluster::{self, Cluster};
use engine::diagnostic::Diagnostic;
use engine::manifest;

/// The cluster `text` describes, with the parser's diagnostics followed by the builder's.
/// `cluster::build` runs MetalLB's controller (`metallb::assign`) as its last step.
pub fn build(text: &str) -> (Cluster, Vec<Diagnostic>) {
    let (manifests, mut diagnostics) = manifest::parse(text);
    let (cluster, more) = cluster::build(&manifests);
    diagnostics.extend(more);
    (cluster, diagnostics)
}
