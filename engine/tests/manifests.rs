//! Manifest parsing (`manifest::parse`): good inputs with their parsed values asserted, one
//! golden diagnostics file per bad input, and a robustness test that nothing panics.
//!
//! Goldens live next to their inputs (`manifests/bad/NN-name.yaml` ->
//! `manifests/bad/NN-name.diagnostics`); regenerate with `UPDATE_EXPECT=1` and check every
//! line:column by hand against the input.

use std::net::Ipv4Addr;
use std::path::Path;

use engine::diagnostic::Severity;
use engine::manifest::{self, Manifests, Resource};
use expect_test::expect_file;

/// Renders all diagnostics the way the CLI prints them.
fn render(file: &str, text: &str) -> String {
    let (_, diagnostics) = manifest::parse(text);
    diagnostics.iter().map(|d| d.render(file) + "\n").collect()
}

fn read(path: &str) -> String {
    std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/manifests").join(path)).unwrap()
}

/// Parses and insists on no diagnostics at all.
fn parse_clean(text: &str) -> Manifests {
    let (manifests, diagnostics) = manifest::parse(text);
    let rendered: Vec<String> = diagnostics.iter().map(|d| d.render("input")).collect();
    assert!(diagnostics.is_empty(), "unexpected diagnostics:\n{}", rendered.join("\n"));
    manifests
}

fn ip(text: &str) -> Ipv4Addr {
    text.parse().unwrap()
}

#[test]
fn bad_manifests_match_their_goldens() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/manifests/bad");
    let mut names: Vec<String> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|entry| entry.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|name| name.ends_with(".yaml"))
        .collect();
    names.sort();
    assert!(names.len() >= 50, "only {} bad fixtures", names.len());
    for name in names {
        let text = std::fs::read_to_string(dir.join(&name)).unwrap();
        let stem = name.trim_end_matches(".yaml");
        expect_file![format!("manifests/bad/{stem}.diagnostics")].assert_eq(&render(&name, &text));
    }
}
