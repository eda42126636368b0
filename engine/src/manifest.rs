//! Manifest text in, typed objects out (the "low-level" mirror of the user's YAML).
//! Owned by the manifest work; see ARCHITECTURE.md.

use crate::diagnostic::Diagnostic;

/// Every object read from the text, in document order.
#[derive(Clone, Debug, Default)]
pub struct Manifests {}

/// Parses multi-document YAML, JSON and `kind: List`. Never fails; problems are diagnostics.
pub fn parse(_text: &str) -> (Manifests, Vec<Diagnostic>) {
    (Manifests::default(), Vec::new())
}
