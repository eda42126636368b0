//! Fuzz target: manifest text -> `manifest::parse` -> `cluster::build` -> every node's
//! kube-proxy + Calico rules -> `iptables-save` -> parse (must round-trip, jumps must land), and
//! the first shell commands a learner types. The checks live in
//! `engine/tests/regressions/checks.rs`, shared with `cargo test`.

#![no_main]

#[path = "../../engine/tests/regressions/checks.rs"]
#[allow(dead_code)]
mod checks;

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(text) = std::str::from_utf8(data) {
        checks::manifest_pipeline(text);
    }
});
