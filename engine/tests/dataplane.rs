//! Golden tests for `dataplane`: every host's `ip addr`, `ip link`, `ip route` and
//! `ip route show table local` in the blog post's cluster, with the pool's ipipMode set to
//! Always (the post), CrossSubnet and Never; plus route lookups and source selection.
//!
//! The cluster is built by hand, as the cluster stage would resolve it. From the post:
//! client 172.16.120.61, node1 172.16.120.63 (block 192.168.56.128/26, tunl0
//! 192.168.56.128), node2 172.16.120.64 (block 192.168.231.128/26), the nginx pod
//! 192.168.231.166 on node2. Assumed (calico-metallb-ingress.md §1.4, §1.6): the /24
//! underlay with gateway .1, node2's tunl0 192.168.231.128, controlplane 172.16.120.62 with
//! block 192.168.49.64/26, and a second nginx pod on node1 at 192.168.56.129.
//! Goldens live in `tests/dataplane/<scenario>/<host>.txt`; regenerate with
//! `UPDATE_EXPECT=1 cargo test -p packetlab-engine --test dataplane`.

use std::net::Ipv4Addr;

use engine::cluster::{Cluster, EncapMode, ExternalHost, IpPool, KubeProxyConfig, Node, Pod};
use engine::dataplane::render::{ip_addr, ip_link, ip_neigh, ip_route, ip_route_get};
use engine::dataplane::{self, Host, RouteGet, RouteType, TableId};
use engine::net::Cidr;
use expect_test::expect_file;

fn ip(text: &str) -> Ipv4Addr {
    text.parse().unwrap()
}

fn cidr(text: &str) -> Cidr {
    Cidr::parse_strict(text).unwrap()
}

fn node(name: &str, address: &str, subnet: &str, block: &str, control_plane: bool) -> Node {
    let subnet = cidr(subnet);
    let block = cidr(block);
    Node {
        name: name.to_string(),
        labels: Default::default(),
        annotations: Default::default(),
        taints: Vec::new(),
        unschedulable: false,
        internal_ip: ip(address),
        external_ip: None,
        subnet,
        gateway: subnet.nth(1).unwrap(),
        blocks: vec![block],
        tunnel_ip: Some(block.network()),
        control_plane,
        kubelet_version: "v1.18.0".to_string(),
    }
}

fn pod(name: &str, node: &str, address: &str) -> Pod {
    Pod {
        namespace: "default".to_string(),
        name: name.to_string(),
        node_name: Some(node.to_string()),
        ip: Some(ip(address)),
        ready: true,
        ..Default::default()
    }
}

/// The post's cluster; `node2_subnet` moves node2 to another underlay subnet.
fn cluster(ipip_mode: EncapMode, node2_address: &str, node2_subnet: &str) -> Cluster {
    let mut nodes = vec![
        node("controlplane", "172.16.120.62", "172.16.120.0/24", "192.168.49.64/26", true),
        node("node1", "172.16.120.63", "172.16.120.0/24", "192.168.56.128/26", false),
        node("node2", node2_address, node2_subnet, "192.168.231.128/26", false),
    ];
    if ipip_mode == EncapMode::Never {
        for node in &mut nodes {
            node.tunnel_ip = None;
        }
    }
    let mut hostnet = pod("kube-proxy-x7k2d", "node1", "172.16.120.63");
    hostnet.namespace = "kube-system".to_string();
    hostnet.host_network = true;
    Cluster {
        nodes,
        namespaces: vec!["default".to_string(), "kube-system".to_string()],
        workloads: Vec::new(),
        pods: vec![
            pod("nginx-7c79c4bf97-8kwxp", "node2", "192.168.231.166"),
            pod("nginx-7c79c4bf97-qhd5m", "node1", "192.168.56.129"),
            hostnet,
        ],
        services: Vec::new(),
        endpoint_slices: Vec::new(),
        ip_pools: vec![IpPool {
            name: "default-ipv4-ippool".to_string(),
            cidr: cidr("192.168.0.0/16"),
            block_size: 26,
            ipip_mode,
            vxlan_mode: EncapMode::Never,
            nat_outgoing: true,
            disabled: false,
        }],
        kube_proxy: KubeProxyConfig::default(),
        service_cidr: cidr("10.96.0.0/12"),
        node_port_range: (30000, 32767),
        external_hosts: vec![ExternalHost {
            name: "client".to_string(),
            ip: ip("172.16.120.61"),
            subnet: cidr("172.16.120.0/24"),
            gateway: ip("172.16.120.1"),
        }],
        metallb_pools: Vec::new(),
        l2_advertisements: Vec::new(),
        ingresses: Vec::new(),
        ingress_classes: Vec::new(),
    }
}

fn blog_cluster() -> Cluster {
    cluster(EncapMode::Always, "172.16.120.64", "172.16.120.0/24")
}

fn transcript(host: &Host) -> String {
    let mut out = String::new();
    out.push_str("$ ip addr\n");
    out.push_str(&ip_addr(host));
    out.push_str("$ ip link\n");
    out.push_str(&ip_link(host));
    out.push_str("$ ip route\n");
    out.push_str(&ip_route(host, TableId::Main));
    out.push_str("$ ip route show table local\n");
    out.push_str(&ip_route(host, TableId::Local));
    let neighbors = ip_neigh(host);
    if !neighbors.is_empty() {
        out.push_str("$ ip neigh\n");
        out.push_str(&neighbors);
    }
    out
}

fn file_name(host: &Host) -> String {
    host.name.replace('/', "_")
}

fn check_scenario(scenario: &str, cluster: &Cluster) {
    let hosts = dataplane::hosts(cluster);
    let names: Vec<&str> = hosts.iter().map(|host| host.name.as_str()).collect();
    assert_eq!(
        names,
        [
            "client",
            "controlplane",
            "node1",
            "node2",
            "default/nginx-7c79c4bf97-8kwxp",
            "default/nginx-7c79c4bf97-qhd5m"
        ],
        "the hostNetwork pod shares node1's namespace"
    );
    for host in &hosts {
        let path = format!("dataplane/{scenario}/{}.txt", file_name(host));
        expect_file![path].assert_eq(&transcript(host));
    }
}

#[test]
fn ipip_always_goldens() {
    check_scenario("ipip-always", &blog_cluster());
}

#[test]
fn ipip_cross_subnet_goldens() {
    check_scenario("ipip-cross-subnet", &cluster(EncapMode::CrossSubnet, "172.16.121.64", "172.16.121.0/24"));
}

#[test]
fn ipip_never_goldens() {
    check_scenario("ipip-never", &cluster(EncapMode::Never, "172.16.121.64", "172.16.121.0/24"));
}
