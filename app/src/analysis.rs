//! What the engine makes of the editor's text: diagnostics, and the picture the page draws.
//!
//! `analyse` is the engine start to finish on one text (manifest text -> `manifest::parse` ->
//! `cluster::build` -> `dataplane::hosts` -> [`Scene`]). Both wasm modules run it: the page
//! (editor, diagnostics, diagram) and the lazily loaded tracer, which rebuilds the same
//! picture from the same text.

use engine::cluster::Cluster;
use engine::dataplane::Host;
use engine::diagnostic::{Diagnostic, Severity};

use crate::scene::Scene;

/// What the engine made of one text.
#[derive(Clone, Debug, PartialEq, Default)]
pub struct Analysis {
    /// Every diagnostic, sorted by position (those without one last).
    pub diagnostics: Vec<Diagnostic>,
    pub errors: usize,
    pub warnings: usize,
}

impl Analysis {
    /// The line of the first error, if it has one.
    pub fn first_error_line(&self) -> Option<usize> {
        self.diagnostics.iter().filter(|d| d.is_error()).find_map(|d| d.position.map(|p| p.line))
    }
}

/// A cluster the lab could build, with everything drawn from it.
#[derive(Clone, Debug, PartialEq)]
pub struct Picture {
    /// The [`AppState::revision`] it was built at: a cheap identity for memoising.
    pub revision: u64,
    pub cluster: Cluster,
    pub hosts: Vec<Host>,
    pub scene: Scene,
}

/// The engine, start to finish, on one text.
pub fn analyse(text: &str) -> (Analysis, Picture) {
    let (manifests, mut diagnostics) = engine::manifest::parse(text);
    let (cluster, more) = engine::cluster::build(&manifests);
    diagnostics.extend(more);
    engine::sort::by_key(&mut diagnostics, |d| (d.position.is_none(), d.position, d.severity));
    let errors = diagnostics.iter().filter(|d| d.severity == Severity::Error).count();
    let warnings = diagnostics.iter().filter(|d| d.severity == Severity::Warning).count();
    let hosts = engine::dataplane::hosts(&cluster);
    let scene = Scene::new(&cluster, &hosts);
    (Analysis { diagnostics, errors, warnings }, Picture { revision: 0, cluster, hosts, scene })
}
