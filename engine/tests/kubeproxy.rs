//! kube-proxy stage tests: upstream goldens from kube-proxy's own `proxier_test.go`, and the
//! lab's scenario goldens (one folder per scenario under `tests/kubeproxy/`).

mod kubeproxy {
    pub mod restore;
    pub mod support;
    mod scenarios;
    mod upstream;
}
