//! kube-proxy stage tests: upstream goldens from kube-proxy's own `proxier_test.go`, and the
//! lab's scenario goldens (one folder per scenario under `tests/kubeproxy/`).

// Test support code panics on malformed fixtures by design.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod kubeproxy {
    pub mod support;
    mod scenarios;
    mod upstream;
}
