//! MetalLB layer 2: address assignment and the announcing node, as goldens (one folder per
//! scenario under `tests/metallb/`, regenerate with `UPDATE_EXPECT=1`) and asserted facts.

// Helpers outside `#[test]` functions read fixtures; a failure there is a broken fixture.
#![allow(clippy::unwrap_used)]

#[path = "common/build.rs"]
mod common;

use std::fmt::Write as _;
use std::net::Ipv4Addr;

use engine::cluster::{self, Cluster};
use engine::diagnostic::{Diagnostic, Problem, Severity};
use engine::metallb::{self, allocate, announce};
use expect_test::expect_file;

use common::build;

/// EXTERNAL-IP as `kubectl get svc` prints it (`getServiceExternalIP`).
fn external_ip(cluster: &Cluster, name: &str) -> String {
    let service = cluster.services.iter().find(|service| service.name == name).unwrap();
    let ips: Vec<String> =
        service.load_balancer_ingress.iter().filter_map(|ingress| ingress.ip).map(|ip| ip.to_string()).collect();
    if ips.is_empty() { "<pending>".to_string() } else { ips.join(",") }
}

fn announcer(cluster: &Cluster, name: &str) -> Option<String> {
    let service = cluster.services.iter().find(|service| service.name == name).unwrap();
    let ip = service.load_balancer_ingress.first()?.ip?;
    announce::announcer(cluster, service, ip).node().map(str::to_string)
}

fn dump(cluster: &Cluster, diagnostics: &[Diagnostic]) -> String {
    let mut out = String::from("# services (NAME EXTERNAL-IP POOL)\n");
    for service in cluster.services.iter().filter(|service| service.service_type == cluster::ServiceType::LoadBalancer)
    {
        let pool = service.annotations.get(allocate::ALLOCATED_FROM_POOL).map_or("-", String::as_str);
        let _ = writeln!(out, "{} {} {pool}", service.key(), external_ip(cluster, &service.name));
    }
    out.push_str("# announcements\n");
    for announcement in announce::announcements(cluster) {
        let _ = write!(out, "{announcement}");
    }
    out.push_str("# diagnostics\n");
    for diagnostic in diagnostics.iter().filter(|diagnostic| {
        matches!(
            diagnostic.problem,
            Problem::LoadBalancerPending { .. } | Problem::NotAnnounced { .. } | Problem::InvalidValue { .. }
        )
    }) {
        let _ = writeln!(out, "{}", diagnostic.render("input.yaml"));
    }
    out
}

#[test]
fn layer2_assignment_and_announcers() {
    let (cluster, diagnostics) = build(include_str!("metallb/layer2/input.yaml"));
    // Requests processed by namespace/name; the lowest free address of the pool wins.
    assert_eq!(external_ip(&cluster, "a-cluster"), "172.16.120.200");
    assert_eq!(external_ip(&cluster, "b-local"), "172.16.120.201");
    assert_eq!(external_ip(&cluster, "c-requested"), "172.16.120.210");
    assert_eq!(external_ip(&cluster, "d-legacy"), "172.16.120.202");
    // The annotation and spec.loadBalancerIP together are refused (`getDesiredLbIPs`).
    assert_eq!(external_ip(&cluster, "e-both"), "<pending>");
    // A pinned pool is used even with autoAssign: false; avoidBuggyIPs skips 172.16.121.0.
    assert_eq!(external_ip(&cluster, "f-pinned"), "172.16.121.1");
    assert_eq!(external_ip(&cluster, "g-auto"), "172.16.120.203");
    // Same sharing key, different ports: one address; without the key: refused.
    assert_eq!(external_ip(&cluster, "h-shared-1"), "172.16.120.205");
    assert_eq!(external_ip(&cluster, "h-shared-2"), "172.16.120.205");
    assert_eq!(external_ip(&cluster, "i-noshare"), "<pending>");
    assert_eq!(external_ip(&cluster, "j-empty"), "172.16.120.204");
    // A status address inside a pool is kept; one outside every pool is replaced.
    assert_eq!(external_ip(&cluster, "k-kept"), "172.16.120.209");
    assert_eq!(external_ip(&cluster, "l-foreign"), "172.16.120.206");

    // Winners by sha256(node + "#" + ip), ascending; the orders below were computed with
    // coreutils `printf '%s' 'node1#172.16.120.200' | sha256sum`:
    //   .200: node1 18f1e2.. < node2 a3d41c.. < controlplane e983af..
    //   .201: node1 c1447c.. < node2 dd6d34.. < controlplane f03f6d..
    //   .202: controlplane 4bba1e.. < node2 e66f24.. < node1 ea286b..
    //   .210: node2 1a4bfe.. < controlplane 445566.. < node1 daf99d..
    assert_eq!(announcer(&cluster, "a-cluster").as_deref(), Some("node1"));
    // eTP Local: only node2 runs a `solo` pod, so node2 wins although node1 hashes first.
    assert_eq!(announcer(&cluster, "b-local").as_deref(), Some("node2"));
    assert_eq!(announcer(&cluster, "c-requested").as_deref(), Some("node2"));
    // The control plane hashes first, but kubeadm labels it
    // `node.kubernetes.io/exclude-from-external-load-balancers`, so node2 is next.
    assert_eq!(announcer(&cluster, "d-legacy").as_deref(), Some("node2"));
    // Nobody announces the reserved pool (no L2Advertisement) nor a Service without endpoints.
    assert_eq!(announcer(&cluster, "f-pinned"), None);
    assert_eq!(announcer(&cluster, "j-empty"), None);
    let hash = announce::election_hash("node1", Ipv4Addr::new(172, 16, 120, 200));
    assert_eq!(hash[..3], [0x18, 0xf1, 0xe2]);

    expect_file!["metallb/layer2/result.txt"].assert_eq(&dump(&cluster, &diagnostics));

    // The controller converges: running it again keeps every address.
    let mut again = cluster.clone();
    let _ = metallb::assign(&mut again);
    assert_eq!(again.services, cluster.services);
}

#[test]
fn no_provider_leaves_the_service_pending() {
    let (cluster, diagnostics) = build(include_str!("metallb/no-provider/input.yaml"));
    assert_eq!(external_ip(&cluster, "web-lb"), "<pending>");
    // A pasted (cloud) status stays when MetalLB is not installed.
    assert_eq!(external_ip(&cluster, "cloud"), "203.0.113.10");
    let pending: Vec<&Diagnostic> = diagnostics
        .iter()
        .filter(|diagnostic| matches!(diagnostic.problem, Problem::LoadBalancerPending { .. }))
        .collect();
    assert_eq!(pending.len(), 1);
    assert_eq!(pending[0].severity, Severity::Info);
    assert!(pending[0].problem.to_string().contains("8080:31000/TCP"), "{}", pending[0].problem);
    expect_file!["metallb/no-provider/result.txt"].assert_eq(&dump(&cluster, &diagnostics));
}

#[test]
fn buggy_addresses() {
    assert!(allocate::confuses_buggy_firmware(Ipv4Addr::new(10, 0, 1, 0)));
    assert!(allocate::confuses_buggy_firmware(Ipv4Addr::new(10, 0, 0, 255)));
    assert!(!allocate::confuses_buggy_firmware(Ipv4Addr::new(10, 0, 0, 254)));
}
