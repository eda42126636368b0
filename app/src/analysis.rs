//! What the engine makes of the editor's text: diagnostics, and the picture the page draws.
//!
//! `analyse` is the engine start to finish on one text (manifest text -> `manifest::parse` ->
//! `cluster::build` -> `dataplane::hosts` -> [`Scene`]). Both wasm modules run it: the page
//! (editor, diagnostics, diagram) and the lazily loaded tracer, which rebuilds the same
//! picture from the same text.
//!
//! [`Analyser`] gives the same result for a text edited since the last one faster: its
//! `manifest::Parser` reads again only the YAML documents that changed (a 1.7 MB text of
//! 1,000 Services is 110 ms to parse whole, natively, and a few ms after a one-line edit).
//! The page's editor uses one through [`analyse_edited`].

use std::cell::RefCell;

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
    let (manifests, diagnostics) = engine::manifest::parse(text);
    picture(&manifests, diagnostics)
}

/// Runs the engine on texts one after the other, keeping what the manifest parser read of
/// the last one: the same results as [`analyse`], sooner for a text that differs a little.
#[derive(Debug, Default)]
pub struct Analyser {
    parser: engine::manifest::Parser,
}

impl Analyser {
    pub fn run(&mut self, text: &str) -> (Analysis, Picture) {
        let (manifests, diagnostics) = self.parser.parse(text);
        picture(manifests, diagnostics)
    }
}

thread_local! {
    /// The page's analyser: the editor's text is analysed here after every pause in typing.
    static EDITOR: RefCell<Analyser> = RefCell::new(Analyser::default());
}

/// [`analyse`] through the page's [`Analyser`], for the editor's text as it is edited.
pub fn analyse_edited(text: &str) -> (Analysis, Picture) {
    EDITOR.with(|analyser| match analyser.try_borrow_mut() {
        Ok(mut analyser) => analyser.run(text),
        Err(_) => analyse(text),
    })
}

/// The rest of the engine after parsing: the cluster, the hosts and the scene.
fn picture(manifests: &engine::manifest::Manifests, mut diagnostics: Vec<Diagnostic>) -> (Analysis, Picture) {
    let (cluster, more) = engine::cluster::build(manifests);
    diagnostics.extend(more);
    engine::sort::by_key(&mut diagnostics, |d| (d.position.is_none(), d.position, d.severity));
    let errors = diagnostics.iter().filter(|d| d.severity == Severity::Error).count();
    let warnings = diagnostics.iter().filter(|d| d.severity == Severity::Warning).count();
    let hosts = engine::dataplane::hosts(&cluster);
    let scene = Scene::new(&cluster, &hosts);
    (Analysis { diagnostics, errors, warnings }, Picture { revision: 0, cluster, hosts, scene })
}

#[cfg(test)]
#[path = "../../engine/benches/common/load_text.rs"]
mod load_text;

#[cfg(test)]
mod tests {
    use super::*;
    use crate::examples::Example;

    /// Edits as the editor makes them: each maps a text to the next one.
    fn edits(text: &str, seed: usize) -> Vec<String> {
        let lines: Vec<&str> = text.split_inclusive('\n').collect();
        let at = |n: usize| lines.len().checked_sub(1).map_or(0, |last| n % (last + 1));
        let join = |lines: &[&str]| lines.concat();
        let mut out = Vec::new();
        // A character typed into a name, and deleted again.
        out.push(text.replacen("name: ", "name: q", 1));
        out.push(text.to_string());
        // A new document inserted at a line, then removed.
        let mut with_document = lines.clone();
        with_document.insert(at(seed), "---\napiVersion: v1\nkind: Namespace\nmetadata:\n  name: extra\n---\n");
        out.push(join(&with_document));
        out.push(text.to_string());
        // A `---` added, splitting a document, then a `---` line removed, joining two.
        let mut split = lines.clone();
        split.insert(at(seed.wrapping_mul(7).wrapping_add(3)), "---\n");
        out.push(join(&split));
        let joined: Vec<&str> = lines.iter().copied().filter(|line| !line.starts_with("---")).collect();
        out.push(join(&joined));
        // Broken YAML (an unclosed quote, a tab, a bracket), then fixed.
        let mut broken = lines.clone();
        broken.insert(at(seed.wrapping_add(11)), "  x: \"oops\n");
        out.push(join(&broken));
        let mut tab = lines.clone();
        tab.insert(at(seed.wrapping_add(5)), "\tkey: value\n");
        out.push(join(&tab));
        out.push(text.replacen(": ", ": [", 1));
        out.push(text.to_string());
        // A line deleted, lines added at the top (everything moves down), a document doubled.
        let mut deleted = lines.clone();
        deleted.remove(at(seed.wrapping_add(2)));
        out.push(join(&deleted));
        out.push(format!("# comment\n\n{text}"));
        out.push(format!("{text}\n---\n{text}"));
        out.push(text.to_string());
        out
    }

    #[test]
    fn the_analyser_gives_what_a_fresh_analysis_gives_after_every_edit() {
        let mut analyser = Analyser::default();
        for (seed, example) in Example::ALL.iter().enumerate() {
            for text in std::iter::once(example.text().to_string()).chain(edits(example.text(), seed)) {
                let fresh = analyse(&text);
                let incremental = analyser.run(&text);
                assert!(fresh == incremental, "{example:?}: the analyser differs from a fresh analysis for:\n{text}");
            }
        }
    }

    #[test]
    fn the_analyser_follows_edits_of_the_thousand_service_load() {
        // 300 Services and their EndpointSlices, edited as the browser measure edits them.
        let text = load_text::manifest_text(300, 10);
        let mut analyser = Analyser::default();
        for (step, text) in std::iter::once(text.clone()).chain(edits(&text, 17)).enumerate() {
            let fresh = analyse(&text);
            let incremental = analyser.run(&text);
            assert!(fresh == incremental, "step {step}: the analyser differs from a fresh analysis");
        }
        let (analysis, picture) = analyser.run(&text);
        assert_eq!(picture.cluster.services.iter().filter(|s| s.namespace == "load").count(), 300);
        assert_eq!(analysis.errors, 0);
    }

    #[test]
    fn the_editor_analysis_is_the_fresh_one() {
        let text = Example::Post.text();
        assert!(analyse_edited(text) == analyse(text));
        let edited = text.replacen("name: ", "name: q", 1);
        assert!(analyse_edited(&edited) == analyse(&edited));
    }
}
