//! The invariants the fuzz targets and the property tests hold the engine to, in one place.
//!
//! Pipeline position: the whole engine, end to end. `fuzz/fuzz_targets/*.rs`, `tests/regressions.rs`
//! and `tests/properties.rs` include this file with `#[path]`, so a crash the fuzzer finds is
//! replayed by plain `cargo test` through exactly the same code. Every function panics (through
//! `assert!`) when an invariant is broken; that is what the fuzzer and the tests look for.

use engine::calico;
use engine::cluster::{self, Cluster};
use engine::diagnostic::Diagnostic;
use engine::kubeproxy;
use engine::manifest;
use engine::netfilter::check;
use engine::netfilter::list::{ListOptions, list};
use engine::netfilter::spec::spec;
use engine::netfilter::{self, RestoreOptions, Ruleset, SaveOptions};
use engine::shell::Lab;

/// The banner date: the engine has no clock.
pub const DATE: &str = "Thu Nov 26 16:20:01 2026";

/// What the pipeline produced for one manifest text, for callers that check more.
pub struct PipelineOutput {
    pub cluster: Cluster,
    pub diagnostics: Vec<Diagnostic>,
    /// Each node's `iptables-save` (kube-proxy with Calico's Felix on top), by node, in node order.
    pub saves: Vec<(String, String)>,
}

/// kube-proxy's rules for `node` with Felix's applied on top, as on a real node.
pub fn node_ruleset(cluster: &Cluster, node: &str) -> Ruleset {
    let mut ruleset = kubeproxy::generate(cluster, node);
    calico::apply(cluster, node, &mut ruleset);
    ruleset
}

/// Manifest text through the whole pipeline: parse, build, every node's rules, their text and
/// its parse, and a few shell commands. Panics if any stage panics or an invariant breaks:
/// every node's rules print and read back to the same values, print again byte for byte, and
/// every jump lands on a defined chain.
pub fn manifest_pipeline(text: &str) -> PipelineOutput {
    let (manifests, mut diagnostics) = manifest::parse(text);
    let (cluster, more) = cluster::build(&manifests);
    diagnostics.extend(more);
    for diagnostic in &diagnostics {
        // Rendering points at line:column in the text; it must never slice out of bounds.
        let _ = diagnostic.render("input.yaml");
        let _ = diagnostic.problem.to_string();
    }
    let mut saves = Vec::new();
    for node in &cluster.nodes {
        let ruleset = node_ruleset(&cluster, &node.name);
        let text = ruleset_round_trip(&ruleset, &node.name);
        saves.push((node.name.clone(), text));
    }
    shell_commands(&cluster);
    PipelineOutput { cluster, diagnostics, saves }
}

/// Generated rules: text and values agree both ways, and the jump check is clean.
pub fn ruleset_round_trip(ruleset: &Ruleset, node: &str) -> String {
    let options = SaveOptions::new(DATE);
    let text = netfilter::save(ruleset, &options);
    let parsed = netfilter::parse(&text);
    assert!(parsed.errors.is_empty(), "node {node}: its own iptables-save does not parse: {:?}\n{text}", parsed.errors);
    assert!(parsed.ruleset == *ruleset, "node {node}: iptables-save does not read back to the same rules\n{text}");
    let again = netfilter::save(&parsed.ruleset, &options);
    assert!(again == text, "node {node}: printing the parsed rules changes the text");
    let findings = check::check_jumps(ruleset);
    assert!(findings.is_empty(), "node {node}: jumps to undefined chains: {}", join(&findings));
    // The other renderings and checks must not panic on generated rules either.
    for table in ruleset.tables() {
        let _ = spec(table);
        let _ = list(table, ListOptions { verbose: true, line_numbers: true });
    }
    let _ = check::check_placement(ruleset);
    let _ = check::check_kube_proxy(ruleset);
    text
}

/// A few commands a learner types first, on the first node and on `client`.
pub fn shell_commands(cluster: &Cluster) {
    let mut lab = Lab::from_cluster(cluster.clone());
    let mut hosts: Vec<String> = cluster.nodes.iter().take(1).map(|node| node.name.clone()).collect();
    hosts.push("client".to_string());
    for name in hosts {
        let Ok(host) = lab.host(&name) else { continue };
        for command in ["kubectl get all -A -o wide", "iptables-save", "iptables -t nat -L -n -v | head -20"] {
            let _ = lab.run(&host, command);
        }
    }
}

/// Arbitrary text as `iptables-save` output and as `iptables-restore --noflush` input: never a
/// panic, and after the first read the text is a fixed point (save -> parse -> save is stable
/// and reads back to the same values, without errors when the first read had none).
pub fn netfilter_text(text: &str) {
    let first = netfilter::parse(text);
    for error in &first.errors {
        let _ = error.to_string();
    }
    let options = SaveOptions { counters: true, ..SaveOptions::new(DATE) };
    let saved = netfilter::save(&first.ruleset, &options);
    let second = netfilter::parse(&saved);
    // Text read with errors may keep what the real tool would refuse (a jump to a chain that
    // never came), so only clean input must give clean normalised text.
    // The fixed point is only promised for text that read without errors: a rule the parser
    // refused halfway can leave pieces that do not print back the same way. Such an input is
    // kept in `tests/regressions/open/netfilter_text/` until the parser keeps it consistent.
    if first.errors.is_empty() {
        assert!(second.errors.is_empty(), "normalised text does not parse: {:?}\n{saved}", second.errors);
        assert!(second.ruleset == first.ruleset, "normalised text reads back to other rules\n{saved}");
        let again = netfilter::save(&second.ruleset, &options);
        assert!(again == saved, "save -> parse -> save is not a fixed point\n{saved}\n---\n{again}");
    }
    for table in first.ruleset.tables() {
        let _ = spec(table);
        let _ = list(table, ListOptions { verbose: true, line_numbers: true });
    }
    let _ = check::check_jumps(&first.ruleset);
    let _ = check::check_placement(&first.ruleset);
    let _ = check::check_kube_proxy(&first.ruleset);
    let _ = check::not_emulated(&first.ruleset);
    // The same text as kube-proxy's restore input, on top of rules already there.
    let mut base = first.ruleset.clone();
    let _ = netfilter::restore(&mut base, text, RestoreOptions { noflush: true, counters: false });
    let _ = netfilter::save(&base, &options);
}

fn join(findings: &[check::Finding]) -> String {
    findings.iter().map(ToString::to_string).collect::<Vec<_>>().join("; ")
}
