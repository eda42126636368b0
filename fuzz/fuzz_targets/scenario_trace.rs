//! Fuzz target: a whole scenario -> packet traces. Manifest text is parsed and built, and up
//! to 16 connections go from `client`, a node and a pod to the Services (ClusterIP, externalIPs,
//! load-balancer addresses, NodePorts, DNS names) and through the Ingresses' paths: every trace
//! must end, render, and an answered connection's reply must carry the client's tuple reversed
//! (Envoy's own connection too). The checks live in `engine/tests/regressions/checks.rs`
//! (`scenario_trace`), shared with `cargo test`.

#![no_main]

#[path = "../../engine/tests/regressions/checks.rs"]
#[allow(dead_code)]
mod checks;

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(text) = std::str::from_utf8(data) {
        checks::scenario_trace(text);
    }
});
