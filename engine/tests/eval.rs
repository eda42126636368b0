//! Evaluating netfilter rules against packets, as the kernel does: kube-proxy-shaped rulesets
//! written by hand in `iptables-save` form, parsed with the netfilter parser, then walked.
//!
//! - `eval/kube_proxy.rs`: ClusterIP cascades, NodePort, masquerading, affinity, source
//!   ranges, REJECT, each against the kernel semantics cited in the test.
//! - `eval/semantics.rs`: jump/goto/RETURN/policy, loops, matches the lab does not emulate.
//! - `eval/distribution.rs`: exact probabilities, a recorded draw sequence, a chi-square test.
//! - `eval/upstream.rs`: the packet-flow expectations of kube-proxy's `TestTracePacket`
//!   (pkg/proxy/iptables/proxier_test.go) over its `TestOverallIPTablesRules` rules.
//! - `eval/<scenario>/trace.txt`: golden walk-throughs (regenerate with
//!   `UPDATE_EXPECT=1 cargo test -p packetlab-engine --test eval`).

// Helpers outside `#[test]` functions build fixtures; a panic there is a failing test.
#![allow(clippy::unwrap_used)]

#[path = "eval/distribution.rs"]
mod distribution;
#[path = "eval/kube_proxy.rs"]
mod kube_proxy;
#[path = "eval/semantics.rs"]
mod semantics;
#[path = "eval/support.rs"]
mod support;
#[path = "eval/upstream.rs"]
mod upstream;
