//! Inputs the fuzzer once crashed on (or that came close), replayed on every `cargo test`.
//!
//! Pipeline position: the whole engine. Each file under `tests/regressions/<target>/` is one
//! input of the fuzz target of that name (`fuzz/fuzz_targets/<target>.rs`), run through the same
//! checks (`tests/regressions/checks.rs`). Inputs under `tests/regressions/open/<target>/` still
//! fail: they are the bug reports, run with `cargo test --test regressions -- --ignored`.
//! To keep a new crash: copy `fuzz/artifacts/<target>/crash-*` into `tests/regressions/<target>/`.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

#[path = "regressions/checks.rs"]
#[allow(dead_code)]
mod checks;

use std::fs;
use std::panic;
use std::path::{Path, PathBuf};

/// A fuzz target's name and the check its inputs go through.
type Target = (&'static str, fn(&str));

/// The fuzz targets.
const TARGETS: &[Target] = &[
    ("manifest_pipeline", |text| {
        checks::manifest_pipeline(text);
    }),
    ("netfilter_text", checks::netfilter_text),
    ("scenario_trace", checks::scenario_trace),
];

fn inputs(folder: &Path) -> Vec<PathBuf> {
    let Ok(entries) = fs::read_dir(folder) else { return Vec::new() };
    let mut paths: Vec<PathBuf> = entries.map(|entry| entry.unwrap().path()).filter(|path| path.is_file()).collect();
    paths.sort();
    paths
}

/// Runs every input of every target under `root`, and names the ones that panicked.
fn replay(root: &Path) -> (usize, Vec<String>) {
    let mut count = 0;
    let mut failures = Vec::new();
    for (target, check) in TARGETS {
        for path in inputs(&root.join(target)) {
            let bytes = fs::read(&path).unwrap();
            // The fuzz targets skip input that is not UTF-8 (the engine takes `&str`).
            let Ok(text) = std::str::from_utf8(&bytes) else { continue };
            count += 1;
            if panic::catch_unwind(|| check(text)).is_err() {
                failures.push(path.display().to_string());
            }
        }
    }
    (count, failures)
}

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/regressions")
}

#[test]
fn fixed_crashes_stay_fixed() {
    let (count, failures) = replay(&root());
    assert!(count > 0, "no regression inputs found under {}", root().display());
    assert!(failures.is_empty(), "regression inputs panic again: {failures:#?}");
}

/// The crashes not fixed yet, reported to the lead; `--ignored` shows whether they still fail.
#[test]
#[ignore = "open bugs: inputs that still crash the engine"]
fn open_crashes() {
    let (_, failures) = replay(&root().join("open"));
    assert!(failures.is_empty(), "still crashing: {failures:#?}");
}
