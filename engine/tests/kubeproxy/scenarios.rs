//! Scenario goldens: one folder per Service feature under `tests/kubeproxy/scenarios/<name>/`,
//! holding the rendered `iptables-save` of one node (`<node>.save.txt`, regenerate with
//! `UPDATE_EXPECT=1`). Each scenario also asserts the facts it is about, taken from the
//! reference (`/work/shared/reference/kube-proxy-iptables.md`), so a golden cannot drift
//! unnoticed.
//!
//! The lab cluster: control-plane `master` (172.16.120.62) and workers `worker-1`
//! (172.16.120.63) and `worker-2` (172.16.120.64), Calico pool 192.168.0.0/16 (kube-proxy's
//! clusterCIDR), Services in 10.96.0.0/12, kube-proxy defaults (mark bit 14, localhost
//! NodePorts, `--random-fully`, nfacct).

use std::collections::BTreeMap;

use engine::cluster::{
    Cluster, Endpoint, EndpointSlice, KubeProxyConfig, Node, Service, ServiceType, TrafficPolicy,
};
use engine::kubeproxy::generate;
use engine::net::Protocol::{Tcp, Udp};
use engine::netfilter::{Ruleset, SaveOptions, Table, save};
use expect_test::{ExpectFile, expect_file};

use super::support::*;

const DATE: &str = "Thu Nov 26 00:00:00 2026";

fn node(name: &str, address: &str, tunnel: &str, control_plane: bool) -> Node {
    let mut labels = BTreeMap::new();
    labels.insert("kubernetes.io/hostname".to_string(), name.to_string());
    if control_plane {
        labels.insert("node-role.kubernetes.io/control-plane".to_string(), String::new());
    }
    Node {
        name: name.into(),
        labels,
        annotations: BTreeMap::new(),
        taints: vec![],
        unschedulable: false,
        internal_ip: ip(address),
        external_ip: None,
        subnet: cidr("172.16.120.0/24"),
        gateway: ip("172.16.120.1"),
        blocks: vec![],
        tunnel_ip: Some(ip(tunnel)),
        control_plane,
        kubelet_version: "v1.32.0".into(),
    }
}

fn lab_cluster(services: Vec<Service>, endpoint_slices: Vec<EndpointSlice>) -> Cluster {
    Cluster {
        nodes: vec![
            node("master", "172.16.120.62", "192.168.219.64", true),
            node("worker-1", "172.16.120.63", "192.168.171.64", false),
            node("worker-2", "172.16.120.64", "192.168.34.128", false),
        ],
        namespaces: vec!["default".into()],
        workloads: vec![],
        pods: vec![],
        services,
        endpoint_slices,
        ip_pools: vec![],
        kube_proxy: KubeProxyConfig { cluster_cidr: Some(cidr("192.168.0.0/16")), ..KubeProxyConfig::default() },
        service_cidr: cidr("10.96.0.0/12"),
        node_port_range: (30000, 32767),
        external_hosts: vec![],
        metallb_pools: vec![],
        l2_advertisements: vec![],
        ingresses: vec![],
        ingress_classes: vec![],
    }
}

/// `web` in `default`, port `http` 80/TCP -> 8080.
fn web(fill: impl FnOnce(&mut Service)) -> Service {
    make_service("default", "web", |svc| {
        svc.cluster_ip = Some(ip("10.96.0.100"));
        svc.ports = vec![service_port("http", Tcp, 80, 0)];
        fill(svc);
    })
}

/// Pod endpoints of `web` (`http` -> 8080): (IP, node).
fn web_slice(endpoints: &[(&str, &str)]) -> EndpointSlice {
    let endpoints: Vec<Endpoint> = endpoints.iter().map(|(address, node)| endpoint(address, Some(node))).collect();
    web_slice_of(endpoints)
}

fn web_slice_of(endpoints: Vec<Endpoint>) -> EndpointSlice {
    let mut slice = make_slice("default", "web", 1, endpoints, vec![slice_port("http", Tcp, 8080)]);
    slice.name = "web-abcde".into();
    slice
}

const POD_A: (&str, &str) = ("192.168.171.65", "worker-1");
const POD_B: (&str, &str) = ("192.168.34.129", "worker-2");
const POD_C: (&str, &str) = ("192.168.34.130", "worker-2");

fn render(ruleset: &Ruleset) -> String {
    save(ruleset, &SaveOptions::new(DATE))
}

/// Renders `node`'s ruleset, checks the golden, returns the text for fact checks.
fn check(cluster: &Cluster, node: &str, golden: ExpectFile) -> String {
    let text = render(&generate(cluster, node));
    golden.assert_eq(&text);
    text
}

fn has_line(text: &str, line: &str) -> bool {
    text.lines().any(|l| l == line)
}

fn assert_lines(text: &str, lines: &[&str]) {
    for line in lines {
        assert!(has_line(text, line), "missing line:\n{line}\nin:\n{text}");
    }
}

fn nat_rule_count(ruleset: &Ruleset) -> usize {
    ruleset.table(Table::Nat).map_or(0, |t| t.rule_count())
}

#[test]
fn baseline_no_services() {
    let text = check(&lab_cluster(vec![], vec![]), "worker-1", expect_file!["scenarios/baseline_no_services/worker-1.save.txt"]);
    // Reference §4.1: the jump rules in the built-in chains, in real-node order.
    assert_lines(
        &text,
        &[
            r#"-A INPUT -m conntrack --ctstate NEW -m comment --comment "kubernetes load balancer firewall" -j KUBE-PROXY-FIREWALL"#,
            r#"-A FORWARD -m comment --comment "kubernetes forwarding rules" -j KUBE-FORWARD"#,
            r#"-A PREROUTING -m comment --comment "kubernetes service portals" -j KUBE-SERVICES"#,
            r#"-A KUBE-POSTROUTING -m comment --comment "kubernetes service traffic requiring SNAT" -j MASQUERADE --random-fully"#,
            // Reference §12.4 and §12.8: MARK and nfacct as iptables-save prints them.
            "-A KUBE-MARK-MASQ -j MARK --set-xmark 0x4000/0x4000",
            "-A KUBE-POSTROUTING -j MARK --set-xmark 0x4000/0x0",
            "-A KUBE-FORWARD -m conntrack --ctstate INVALID -m nfacct --nfacct-name  ct_state_invalid_dropped_pkts -j DROP",
            ":KUBE-IPTABLES-HINT - [0:0]",
            ":KUBE-PROXY-CANARY - [0:0]",
            ":KUBE-KUBELET-CANARY - [0:0]",
        ],
    );
    let input: Vec<&str> = text.lines().filter(|l| l.starts_with("-A INPUT ")).collect();
    assert_eq!(
        input,
        [
            r#"-A INPUT -m conntrack --ctstate NEW -m comment --comment "kubernetes load balancer firewall" -j KUBE-PROXY-FIREWALL"#,
            r#"-A INPUT -m comment --comment "kubernetes health check service ports" -j KUBE-NODEPORTS"#,
            r#"-A INPUT -m conntrack --ctstate NEW -m comment --comment "kubernetes externally-visible service portals" -j KUBE-EXTERNAL-SERVICES"#,
            "-A INPUT -j KUBE-FIREWALL",
        ]
    );
    let forward: Vec<&str> = text.lines().filter(|l| l.starts_with("-A FORWARD ")).collect();
    assert_eq!(
        forward,
        [
            r#"-A FORWARD -m conntrack --ctstate NEW -m comment --comment "kubernetes load balancer firewall" -j KUBE-PROXY-FIREWALL"#,
            r#"-A FORWARD -m comment --comment "kubernetes forwarding rules" -j KUBE-FORWARD"#,
            r#"-A FORWARD -m conntrack --ctstate NEW -m comment --comment "kubernetes service portals" -j KUBE-SERVICES"#,
            r#"-A FORWARD -m conntrack --ctstate NEW -m comment --comment "kubernetes externally-visible service portals" -j KUBE-EXTERNAL-SERVICES"#,
        ]
    );
    let output: Vec<&str> = text.lines().filter(|l| l.starts_with("-A OUTPUT ")).collect();
    assert_eq!(
        output,
        [
            r#"-A OUTPUT -m conntrack --ctstate NEW -m comment --comment "kubernetes load balancer firewall" -j KUBE-PROXY-FIREWALL"#,
            r#"-A OUTPUT -m conntrack --ctstate NEW -m comment --comment "kubernetes service portals" -j KUBE-SERVICES"#,
            "-A OUTPUT -j KUBE-FIREWALL",
            r#"-A OUTPUT -m comment --comment "kubernetes service portals" -j KUBE-SERVICES"#,
        ]
    );
}

/// One endpoint: the KUBE-SERVICES capture, the SVC masquerade rule, one SVC -> SEP jump,
/// the SEP hairpin and DNAT rules (reference §6, §12.1).
#[test]
fn clusterip_one_endpoint() {
    let cluster = lab_cluster(vec![web(|_| {})], vec![web_slice(&[POD_A])]);
    let text = check(&cluster, "worker-1", expect_file!["scenarios/clusterip_one_endpoint/worker-1.save.txt"]);
    let svc = "KUBE-SVC-".to_string() + &engine::kubeproxy::hash::port_proto_hash("default/web:http", "tcp");
    assert_lines(
        &text,
        &[
            &format!(r#"-A KUBE-SERVICES -d 10.96.0.100/32 -p tcp -m comment --comment "default/web:http cluster IP" -m tcp --dport 80 -j {svc}"#),
            &format!(r#"-A {svc} ! -s 192.168.0.0/16 -d 10.96.0.100/32 -p tcp -m comment --comment "default/web:http cluster IP" -m tcp --dport 80 -j KUBE-MARK-MASQ"#),
        ],
    );
    // A plain ClusterIP port costs 2 + 3n nat rules on top of the static ones (reference §16.10).
    let baseline = nat_rule_count(&generate(&lab_cluster(vec![], vec![]), "worker-1"));
    assert_eq!(nat_rule_count(&generate(&cluster, "worker-1")), baseline + 2 + 3);
}

#[test]
fn clusterip_two_endpoints() {
    let cluster = lab_cluster(vec![web(|_| {})], vec![web_slice(&[POD_A, POD_B])]);
    let text = check(&cluster, "worker-1", expect_file!["scenarios/clusterip_two_endpoints/worker-1.save.txt"]);
    // Reference §12.5: 0.5 is stored exactly.
    assert_eq!(text.matches("--probability 0.50000000000").count(), 1);
}

/// Three endpoints: `1/3`, `1/2`, then unconditional; `iptables-save` shows the kernel's
/// `0.33333333349` (reference §5.3, §12.5). Endpoint order is byte-wise by `IP:port`.
#[test]
fn clusterip_three_endpoints() {
    let cluster = lab_cluster(vec![web(|_| {})], vec![web_slice(&[POD_A, POD_B, POD_C])]);
    let text = check(&cluster, "worker-2", expect_file!["scenarios/clusterip_three_endpoints/worker-2.save.txt"]);
    let jumps: Vec<&str> = text.lines().filter(|l| l.contains(" -> 192.168.")).collect();
    assert_eq!(jumps.len(), 3);
    assert!(jumps[0].contains("default/web:http -> 192.168.171.65:8080") && jumps[0].contains("--probability 0.33333333349"));
    assert!(jumps[1].contains("default/web:http -> 192.168.34.129:8080") && jumps[1].contains("--probability 0.50000000000"));
    assert!(jumps[2].contains("default/web:http -> 192.168.34.130:8080") && !jumps[2].contains("statistic"));
}

/// Headless and ExternalName Services get no rules at all (reference §2.1).
#[test]
fn headless_and_external_name_have_no_rules() {
    let empty = generate(&lab_cluster(vec![], vec![]), "worker-1");
    let headless = web(|svc| svc.cluster_ip = None);
    let external_name = make_service("default", "db", |svc| {
        svc.service_type = ServiceType::ExternalName;
        svc.external_name = Some("db.example.com".into());
        svc.ports = vec![service_port("pg", Tcp, 5432, 0)];
    });
    let cluster = lab_cluster(vec![headless, external_name], vec![web_slice(&[POD_A, POD_B])]);
    assert_eq!(generate(&cluster, "worker-1"), empty);
}

/// NodePort, eTP=Cluster: KUBE-NODEPORTS (with the localhost nfacct twin) -> KUBE-EXT, which
/// masquerades and jumps to KUBE-SVC (reference §5.2 #5, #8).
#[test]
fn nodeport_etp_cluster() {
    let service = web(|svc| {
        svc.service_type = ServiceType::NodePort;
        svc.ports[0].node_port = Some(31000);
    });
    let cluster = lab_cluster(vec![service], vec![web_slice(&[POD_A, POD_B])]);
    let text = check(&cluster, "worker-2", expect_file!["scenarios/nodeport_etp_cluster/worker-2.save.txt"]);
    let hash = engine::kubeproxy::hash::port_proto_hash("default/web:http", "tcp");
    assert_lines(
        &text,
        &[
            &format!(r#"-A KUBE-NODEPORTS -d 127.0.0.0/8 -p tcp -m comment --comment "default/web:http" -m tcp --dport 31000 -m nfacct --nfacct-name  localhost_nps_accepted_pkts -j KUBE-EXT-{hash}"#),
            &format!(r#"-A KUBE-NODEPORTS -p tcp -m comment --comment "default/web:http" -m tcp --dport 31000 -j KUBE-EXT-{hash}"#),
            &format!(r#"-A KUBE-EXT-{hash} -m comment --comment "masquerade traffic for default/web:http external destinations" -j KUBE-MARK-MASQ"#),
            &format!("-A KUBE-EXT-{hash} -j KUBE-SVC-{hash}"),
        ],
    );
}

fn local_nodeport() -> Service {
    web(|svc| {
        svc.service_type = ServiceType::NodePort;
        svc.ports[0].node_port = Some(31000);
        svc.external_traffic_policy = TrafficPolicy::Local;
    })
}

/// eTP=Local on a node with a local endpoint: KUBE-EXT short-circuits pods and the node to
/// KUBE-SVC (all endpoints), everything else goes to KUBE-SVL (local only) (reference §9).
#[test]
fn nodeport_etp_local_with_local_endpoint() {
    let cluster = lab_cluster(vec![local_nodeport()], vec![web_slice(&[POD_A, POD_B])]);
    let text = check(&cluster, "worker-1", expect_file!["scenarios/nodeport_etp_local_with_local_endpoint/worker-1.save.txt"]);
    let hash = engine::kubeproxy::hash::port_proto_hash("default/web:http", "tcp");
    let ext: Vec<&str> = text.lines().filter(|l| l.starts_with(&format!("-A KUBE-EXT-{hash} "))).collect();
    assert_eq!(
        ext,
        [
            format!(r#"-A KUBE-EXT-{hash} -s 192.168.0.0/16 -m comment --comment "pod traffic for default/web:http external destinations" -j KUBE-SVC-{hash}"#),
            format!(r#"-A KUBE-EXT-{hash} -m comment --comment "masquerade LOCAL traffic for default/web:http external destinations" -m addrtype --src-type LOCAL -j KUBE-MARK-MASQ"#),
            format!(r#"-A KUBE-EXT-{hash} -m comment --comment "route LOCAL traffic for default/web:http external destinations" -m addrtype --src-type LOCAL -j KUBE-SVC-{hash}"#),
            format!("-A KUBE-EXT-{hash} -j KUBE-SVL-{hash}"),
        ]
    );
    let svl: Vec<&str> = text.lines().filter(|l| l.starts_with(&format!("-A KUBE-SVL-{hash} "))).collect();
    assert_eq!(svl.len(), 1);
    assert!(svl[0].contains("192.168.171.65:8080"));
    assert!(!text.contains("has no local endpoints"));
}

/// eTP=Local on a node without a local endpoint: no SVL chain and no final EXT jump; filter
/// KUBE-EXTERNAL-SERVICES drops external NodePort traffic (reference §9).
#[test]
fn nodeport_etp_local_without_local_endpoint() {
    let cluster = lab_cluster(vec![local_nodeport()], vec![web_slice(&[POD_A])]);
    let text = check(&cluster, "worker-2", expect_file!["scenarios/nodeport_etp_local_without_local_endpoint/worker-2.save.txt"]);
    assert_lines(
        &text,
        &[r#"-A KUBE-EXTERNAL-SERVICES -p tcp -m comment --comment "default/web:http has no local endpoints" -m addrtype --dst-type LOCAL -m tcp --dport 31000 -j DROP"#],
    );
    assert!(!text.contains("KUBE-SVL-"));
}

/// iTP=Local: the ClusterIP goes to KUBE-SVL; a node without local endpoints DROPs it in filter
/// KUBE-SERVICES (not REJECT: the Service has endpoints elsewhere) (reference §9).
#[test]
fn internal_traffic_policy_local() {
    let service = web(|svc| svc.internal_traffic_policy = TrafficPolicy::Local);
    let cluster = lab_cluster(vec![service], vec![web_slice(&[POD_A, POD_B])]);
    let text = check(&cluster, "worker-1", expect_file!["scenarios/internal_traffic_policy_local/worker-1.save.txt"]);
    let hash = engine::kubeproxy::hash::port_proto_hash("default/web:http", "tcp");
    assert!(has_line(&text, &format!(r#"-A KUBE-SERVICES -d 10.96.0.100/32 -p tcp -m comment --comment "default/web:http cluster IP" -m tcp --dport 80 -j KUBE-SVL-{hash}"#)));
    assert!(!text.contains(&format!(":KUBE-SVC-{hash}")));
    let master = render(&generate(&cluster, "master"));
    assert!(has_line(&master, r#"-A KUBE-SERVICES -d 10.96.0.100/32 -p tcp -m comment --comment "default/web:http has no local endpoints" -m tcp --dport 80 -j DROP"#));
    assert!(!master.contains("KUBE-SVL-"));
}

/// sessionAffinity ClientIP: one `recent --rcheck` rule per endpoint before the probability
/// cascade, and `recent --set` on each DNAT (reference §10, as iptables-save prints it).
#[test]
fn client_ip_affinity() {
    let service = web(|svc| svc.session_affinity_timeout = Some(10800));
    let cluster = lab_cluster(vec![service], vec![web_slice(&[POD_A, POD_B])]);
    let text = check(&cluster, "worker-1", expect_file!["scenarios/client_ip_affinity/worker-1.save.txt"]);
    let sep = engine::kubeproxy::hash::service_port_endpoint_chain_name("default/web:http", "tcp", "192.168.171.65:8080");
    assert!(text.contains(&format!("-m recent --rcheck --seconds 10800 --reap --name {sep} --mask 255.255.255.255 --rsource -j {sep}")));
    assert!(text.contains(&format!("-m recent --set --name {sep} --mask 255.255.255.255 --rsource -m tcp -j DNAT --to-destination 192.168.171.65:8080")));
}

/// externalIPs: captured in KUBE-SERVICES and sent to KUBE-EXT (masqueraded, eTP=Cluster).
#[test]
fn external_ips() {
    let service = web(|svc| svc.external_ips = vec![ip("172.16.120.200")]);
    let cluster = lab_cluster(vec![service], vec![web_slice(&[POD_A, POD_B])]);
    let text = check(&cluster, "worker-1", expect_file!["scenarios/external_ips/worker-1.save.txt"]);
    let hash = engine::kubeproxy::hash::port_proto_hash("default/web:http", "tcp");
    assert!(has_line(&text, &format!(r#"-A KUBE-SERVICES -d 172.16.120.200/32 -p tcp -m comment --comment "default/web:http external IP" -m tcp --dport 80 -j KUBE-EXT-{hash}"#)));
}

fn load_balancer(fill: impl FnOnce(&mut Service)) -> Service {
    web(|svc| {
        svc.service_type = ServiceType::LoadBalancer;
        svc.ports[0].node_port = Some(31000);
        svc.load_balancer_ingress = ingress(&["172.16.120.240"]);
        fill(svc);
    })
}

/// LoadBalancer with a status ingress IP (MetalLB): KUBE-SERVICES "loadbalancer IP" -> KUBE-EXT.
#[test]
fn load_balancer_status_ingress() {
    let cluster = lab_cluster(vec![load_balancer(|_| {})], vec![web_slice(&[POD_A, POD_B])]);
    let text = check(&cluster, "worker-1", expect_file!["scenarios/load_balancer_status_ingress/worker-1.save.txt"]);
    let hash = engine::kubeproxy::hash::port_proto_hash("default/web:http", "tcp");
    assert!(has_line(&text, &format!(r#"-A KUBE-SERVICES -d 172.16.120.240/32 -p tcp -m comment --comment "default/web:http loadbalancer IP" -m tcp --dport 80 -j KUBE-EXT-{hash}"#)));
}

/// loadBalancerSourceRanges: the LB IP goes to KUBE-FW, which accepts the ranges (and the LB IP
/// itself when a range holds the node's IP) and falls through otherwise; filter
/// KUBE-PROXY-FIREWALL drops the rest (reference §5.2 #3, #9; §13).
#[test]
fn load_balancer_source_ranges() {
    let service = load_balancer(|svc| svc.load_balancer_source_ranges = vec![cidr("172.16.120.0/24"), cidr("203.0.113.0/25")]);
    let cluster = lab_cluster(vec![service], vec![web_slice(&[POD_A, POD_B])]);
    let text = check(&cluster, "worker-1", expect_file!["scenarios/load_balancer_source_ranges/worker-1.save.txt"]);
    let hash = engine::kubeproxy::hash::port_proto_hash("default/web:http", "tcp");
    let fw: Vec<&str> = text.lines().filter(|l| l.starts_with(&format!("-A KUBE-FW-{hash} "))).collect();
    assert_eq!(
        fw,
        [
            format!(r#"-A KUBE-FW-{hash} -s 172.16.120.0/24 -m comment --comment "default/web:http loadbalancer IP" -j KUBE-EXT-{hash}"#),
            format!(r#"-A KUBE-FW-{hash} -s 203.0.113.0/25 -m comment --comment "default/web:http loadbalancer IP" -j KUBE-EXT-{hash}"#),
            format!(r#"-A KUBE-FW-{hash} -s 172.16.120.240/32 -m comment --comment "default/web:http loadbalancer IP" -j KUBE-EXT-{hash}"#),
            format!(r#"-A KUBE-FW-{hash} -m comment --comment "other traffic to default/web:http will be dropped by KUBE-PROXY-FIREWALL""#),
        ]
    );
    assert!(has_line(&text, &format!(r#"-A KUBE-PROXY-FIREWALL -d 172.16.120.240/32 -p tcp -m comment --comment "default/web:http traffic not accepted by KUBE-FW-{hash}" -m tcp --dport 80 -j DROP"#)));
}

/// No endpoints: no nat chains for the Service; filter REJECTs its ClusterIP, NodePort and LB IP
/// (reference §5.1, §13: "connection refused").
#[test]
fn no_endpoints_reject() {
    let cluster = lab_cluster(vec![load_balancer(|_| {})], vec![web_slice(&[])]);
    let text = check(&cluster, "worker-1", expect_file!["scenarios/no_endpoints_reject/worker-1.save.txt"]);
    assert_lines(
        &text,
        &[
            r#"-A KUBE-SERVICES -d 10.96.0.100/32 -p tcp -m comment --comment "default/web:http has no endpoints" -m tcp --dport 80 -j REJECT --reject-with icmp-port-unreachable"#,
            r#"-A KUBE-EXTERNAL-SERVICES -d 172.16.120.240/32 -p tcp -m comment --comment "default/web:http has no endpoints" -m tcp --dport 80 -j REJECT --reject-with icmp-port-unreachable"#,
            r#"-A KUBE-EXTERNAL-SERVICES -p tcp -m comment --comment "default/web:http has no endpoints" -m addrtype --dst-type LOCAL -m tcp --dport 31000 -j REJECT --reject-with icmp-port-unreachable"#,
        ],
    );
    assert!(!text.contains("KUBE-SVC-") && !text.contains("KUBE-EXT-"));
}

/// Only serving-and-terminating endpoints left: kube-proxy falls back to them; a not-serving
/// terminating endpoint is never used (reference §2.4; upstream
/// `TestTerminatingEndpointsTrafficPolicyCluster` "only terminating endpoints exist").
#[test]
fn terminating_endpoints() {
    let slice = web_slice_of(vec![
        endpoint_with("192.168.171.65", Some("worker-1"), false, true, true),
        endpoint_with("192.168.34.129", Some("worker-2"), false, false, true),
        endpoint_with("192.168.34.130", Some("worker-2"), false, true, true),
    ]);
    let cluster = lab_cluster(vec![web(|_| {})], vec![slice]);
    let text = check(&cluster, "worker-1", expect_file!["scenarios/terminating_endpoints/worker-1.save.txt"]);
    assert!(text.contains("192.168.171.65:8080") && text.contains("192.168.34.130:8080"));
    assert!(!text.contains("192.168.34.129"));
}

/// `--masquerade-all`: the ClusterIP masquerade rule has no `! -s` (reference §5.2 #7).
#[test]
fn masquerade_all() {
    let mut cluster = lab_cluster(vec![web(|_| {})], vec![web_slice(&[POD_A])]);
    cluster.kube_proxy.masquerade_all = true;
    let text = check(&cluster, "worker-1", expect_file!["scenarios/masquerade_all/worker-1.save.txt"]);
    let hash = engine::kubeproxy::hash::port_proto_hash("default/web:http", "tcp");
    assert!(has_line(&text, &format!(r#"-A KUBE-SVC-{hash} -d 10.96.0.100/32 -p tcp -m comment --comment "default/web:http cluster IP" -m tcp --dport 80 -j KUBE-MARK-MASQ"#)));
}

/// `nodePortAddresses: [172.16.120.0/24]`: the KUBE-SERVICES tail matches the node IP instead
/// of `--dst-type LOCAL`, and localhost NodePorts are off (no nfacct twin, no KUBE-FIREWALL
/// rewrite) because 127.0.0.0 is outside the list (reference §5.4).
#[test]
fn node_port_addresses() {
    let service = web(|svc| {
        svc.service_type = ServiceType::NodePort;
        svc.ports[0].node_port = Some(31000);
    });
    let mut cluster = lab_cluster(vec![service], vec![web_slice(&[POD_A])]);
    cluster.kube_proxy.node_port_addresses = vec![cidr("172.16.120.0/24")];
    let text = check(&cluster, "worker-1", expect_file!["scenarios/node_port_addresses/worker-1.save.txt"]);
    assert!(has_line(&text, r#"-A KUBE-SERVICES -d 172.16.120.63/32 -m comment --comment "kubernetes service nodeports; NOTE: this must be the last rule in this chain" -j KUBE-NODEPORTS"#));
    assert!(!text.contains("localhost_nps_accepted_pkts"));
}

/// A UDP port (DNS-like) next to a TCP one: separate service ports, chains and `-m udp`.
#[test]
fn udp_and_tcp_ports() {
    let service = make_service("kube-system", "kube-dns", |svc| {
        svc.cluster_ip = Some(ip("10.96.0.10"));
        svc.ports = vec![service_port("dns", Udp, 53, 0), service_port("dns-tcp", Tcp, 53, 0)];
    });
    let mut slice = make_slice(
        "kube-system",
        "kube-dns",
        1,
        vec![endpoint("192.168.219.65", Some("master"))],
        vec![slice_port("dns", Udp, 53), slice_port("dns-tcp", Tcp, 53)],
    );
    slice.name = "kube-dns-xyz12".into();
    let cluster = lab_cluster(vec![service], vec![slice]);
    let text = check(&cluster, "worker-1", expect_file!["scenarios/udp_and_tcp_ports/worker-1.save.txt"]);
    // Reference §3 check values for the kube-dns chains.
    assert!(has_line(&text, r#"-A KUBE-SERVICES -d 10.96.0.10/32 -p udp -m comment --comment "kube-system/kube-dns:dns cluster IP" -m udp --dport 53 -j KUBE-SVC-TCOU7JCQXEZGVUNU"#));
    assert!(has_line(&text, r#"-A KUBE-SERVICES -d 10.96.0.10/32 -p tcp -m comment --comment "kube-system/kube-dns:dns-tcp cluster IP" -m tcp --dport 53 -j KUBE-SVC-ERIFXISQEP7F7OF4"#));
}

/// Scale: 10,000 Services x 10 endpoints. Every ClusterIP port costs 2 + 3n nat rules
/// (reference §16.10), and large-cluster mode is on (100,000 endpoints > 1000). The work is
/// O(n log n); this test only checks the result, not the time.
#[test]
fn ten_thousand_services_with_ten_endpoints() {
    let mut services = Vec::new();
    let mut slices = Vec::new();
    for i in 0..10_000u32 {
        let name = format!("svc-{i}");
        let (high, low) = ((i / 256) as u8, (i % 256) as u8);
        services.push(make_service("load", &name, |svc| {
            svc.cluster_ip = Some(std::net::Ipv4Addr::new(10, 96, high, low));
            svc.ports = vec![service_port("http", Tcp, 80, 0)];
        }));
        let endpoints = (0..10u8)
            .map(|e| Endpoint {
                addresses: vec![std::net::Ipv4Addr::new(192, 168, high, low.wrapping_add(e))],
                node_name: Some(if e % 2 == 0 { "worker-1" } else { "worker-2" }.to_string()),
                ..Endpoint::default()
            })
            .collect();
        slices.push(make_slice("load", &name, 1, endpoints, vec![slice_port("http", Tcp, 8080)]));
    }
    let cluster = lab_cluster(services, slices);
    let ruleset = generate(&cluster, "worker-1");
    let baseline = nat_rule_count(&generate(&lab_cluster(vec![], vec![]), "worker-1"));
    assert_eq!(nat_rule_count(&ruleset), baseline + 10_000 * (2 + 3 * 10));
    let text = render(&ruleset);
    assert!(text.lines().count() > 300_000);
    // Large-cluster mode: no comment on DNAT rules.
    assert!(text.lines().filter(|l| l.contains("-j DNAT")).all(|l| !l.contains("--comment")));
}
