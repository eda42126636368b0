//! Upstream goldens: kube-proxy's own `pkg/proxy/iptables/proxier_test.go` cases, inputs
//! rebuilt one to one with the `NewFakeProxier` settings, expected dumps stored verbatim in
//! `tests/kubeproxy/upstream/<case>/expected.txt` (see the README there).

use engine::cluster::{ServiceType, TrafficPolicy};
use engine::kubeproxy::{ProxierInput, sync_proxy_rules};
use engine::net::Protocol::Tcp;

use super::support::*;

/// `TestOverallIPTablesRules`: ClusterIP, LoadBalancer eTP=Local without local endpoints,
/// NodePort, externalIPs, LoadBalancer with source ranges and ClientIP affinity, no endpoints.
#[test]
fn overall_iptables_rules() {
    let services = vec![
        make_service("ns1", "svc1", |svc| {
            svc.cluster_ip = Some(ip("172.30.0.41"));
            svc.ports = vec![service_port("p80", Tcp, 80, 0)];
        }),
        make_service("ns2", "svc2", |svc| {
            set_type(svc, ServiceType::LoadBalancer);
            svc.external_traffic_policy = TrafficPolicy::Local;
            svc.cluster_ip = Some(ip("172.30.0.42"));
            svc.ports = vec![service_port("p80", Tcp, 80, 3001)];
            svc.load_balancer_ingress = ingress(&["1.2.3.4"]);
            svc.external_ips = vec![ip("192.168.99.22")];
            svc.health_check_node_port = Some(30000);
        }),
        make_service("ns3", "svc3", |svc| {
            set_type(svc, ServiceType::NodePort);
            svc.cluster_ip = Some(ip("172.30.0.43"));
            svc.ports = vec![service_port("p80", Tcp, 80, 3003)];
        }),
        make_service("ns4", "svc4", |svc| {
            set_type(svc, ServiceType::NodePort);
            svc.cluster_ip = Some(ip("172.30.0.44"));
            svc.external_ips = vec![ip("192.168.99.33")];
            svc.ports = vec![service_port("p80", Tcp, 80, 0)];
        }),
        make_service("ns5", "svc5", |svc| {
            set_type(svc, ServiceType::LoadBalancer);
            svc.external_traffic_policy = TrafficPolicy::Cluster;
            svc.cluster_ip = Some(ip("172.30.0.45"));
            svc.ports = vec![service_port("p80", Tcp, 80, 3002)];
            svc.load_balancer_ingress = ingress(&["5.6.7.8"]);
            svc.health_check_node_port = Some(30000);
            // Upstream passes " 203.0.113.0/25" (extra whitespace); trimming is the parser's job.
            svc.load_balancer_source_ranges = vec![cidr(" 203.0.113.0/25")];
            svc.session_affinity_timeout = Some(10800);
        }),
        make_service("ns6", "svc6", |svc| {
            set_type(svc, ServiceType::ClusterIp);
            svc.cluster_ip = Some(ip("172.30.0.46"));
            svc.ports = vec![service_port("p80", Tcp, 80, 0)];
        }),
    ];
    let p80 = || vec![slice_port("p80", Tcp, 80)];
    let slices = vec![
        make_slice("ns1", "svc1", 1, vec![endpoint("10.180.0.1", None)], p80()),
        // Not local (no NodeName), so ns2/svc2 has no local endpoints.
        make_slice("ns2", "svc2", 1, vec![endpoint("10.180.0.2", None)], p80()),
        make_slice("ns3", "svc3", 1, vec![endpoint("10.180.0.3", None)], p80()),
        make_slice("ns4", "svc4", 1, vec![endpoint("10.180.0.4", None), endpoint("10.180.0.5", Some("test-node"))], p80()),
        make_slice("ns5", "svc5", 1, vec![endpoint("10.180.0.3", None)], p80()),
    ];
    let input = ProxierInput::upstream_fake(&services, &slices);
    assert_restore_matches(include_str!("upstream/overall_iptables_rules/expected.txt"), &sync_proxy_rules(&input));
}

/// `TestSyncProxyRulesRepeated`, the first (full) sync.
#[test]
fn sync_proxy_rules_repeated_initial() {
    let services = vec![
        make_service("ns1", "svc1", |svc| {
            svc.cluster_ip = Some(ip("172.30.0.41"));
            svc.ports = vec![service_port("p80", Tcp, 80, 0)];
        }),
        make_service("ns2", "svc2", |svc| {
            svc.cluster_ip = Some(ip("172.30.0.42"));
            svc.ports = vec![service_port("p8080", Tcp, 8080, 0)];
        }),
    ];
    let slices = vec![
        make_slice("ns1", "svc1", 1, vec![endpoint("10.0.1.1", None)], vec![slice_port("p80", Tcp, 80)]),
        make_slice("ns2", "svc2", 1, vec![endpoint("10.0.2.1", None)], vec![slice_port("p8080", Tcp, 8080)]),
    ];
    let input = ProxierInput::upstream_fake(&services, &slices);
    assert_restore_matches(include_str!("upstream/sync_proxy_rules_repeated_initial/expected.txt"), &sync_proxy_rules(&input));
}

/// `TestBadIPs`: upstream feeds `172.30.0.041`, `1.2.3.004`, `192.168.099.022`,
/// `203.0.113.000/025`, `10.180.00.001` and expects canonical addresses. Canonicalising
/// (`ParseIPSloppy`, leading zeros are decimal) happens before the cluster stage, so the
/// inputs here are already canonical; the expected dump is upstream's, verbatim.
#[test]
fn bad_ips() {
    let services = vec![make_service("ns1", "svc1", |svc| {
        set_type(svc, ServiceType::LoadBalancer);
        svc.cluster_ip = Some(ip("172.30.0.41"));
        svc.ports = vec![service_port("p80", Tcp, 80, 3001)];
        svc.load_balancer_ingress = ingress(&["1.2.3.4"]);
        svc.external_ips = vec![ip("192.168.99.22")];
        svc.load_balancer_source_ranges = vec![cidr("203.0.113.0/25")];
    })];
    let slices = vec![make_slice("ns1", "svc1", 1, vec![endpoint("10.180.0.1", None)], vec![slice_port("p80", Tcp, 80)])];
    let input = ProxierInput::upstream_fake(&services, &slices);
    assert_restore_matches(include_str!("upstream/bad_ips/expected.txt"), &sync_proxy_rules(&input));
}
