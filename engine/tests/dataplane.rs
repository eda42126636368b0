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

// Test helpers may unwrap: a malformed fixture should fail the test loudly.
#![allow(clippy::unwrap_used)]

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
        node(
            "controlplane",
            "172.16.120.62",
            "172.16.120.0/24",
            "192.168.49.64/26",
            true,
        ),
        node(
            "node1",
            "172.16.120.63",
            "172.16.120.0/24",
            "192.168.56.128/26",
            false,
        ),
        node(
            "node2",
            node2_address,
            node2_subnet,
            "192.168.231.128/26",
            false,
        ),
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
    check_scenario(
        "ipip-cross-subnet",
        &cluster(EncapMode::CrossSubnet, "172.16.121.64", "172.16.121.0/24"),
    );
}

#[test]
fn ipip_never_goldens() {
    check_scenario(
        "ipip-never",
        &cluster(EncapMode::Never, "172.16.121.64", "172.16.121.0/24"),
    );
}

fn host<'a>(hosts: &'a [Host], name: &str) -> &'a Host {
    dataplane::find(hosts, name).unwrap()
}

/// `ip route get` on node1 for addresses that exercise every branch. The same commands
/// were run against a network namespace built with node1's devices and routes on Linux
/// 6.18 (iproute2 6.1; tunl0 was a veth there, as this kernel has no ipip module) and
/// printed the same text; refusals print the `RTNETLINK answers:` line on stderr.
#[test]
fn node1_route_get_golden() {
    let hosts = dataplane::hosts(&blog_cluster());
    let node1 = host(&hosts, "node1");
    let mut out = String::new();
    for destination in [
        "192.168.231.166",
        "192.168.56.129",
        "192.168.56.140",
        "8.8.8.8",
        "172.16.120.64",
        "172.16.120.63",
        "192.168.56.128",
        "172.16.120.255",
        "127.0.0.5",
        "192.168.49.70",
        "255.255.255.255",
        "0.0.0.0",
    ] {
        out.push_str(&format!("$ ip route get {destination}\n"));
        match ip_route_get(node1, ip(destination)) {
            Ok(stdout) => out.push_str(&stdout),
            Err(stderr) => out.push_str(&stderr),
        }
    }
    expect_file!["dataplane/ipip-always/node1.route-get.txt"].assert_eq(&out);
}

#[test]
fn longest_prefix_match_on_node1() {
    let hosts = dataplane::hosts(&blog_cluster());
    let node1 = host(&hosts, "node1");
    let chosen = |address: &str| {
        let matched = node1.lookup(ip(address)).unwrap();
        (matched.table, node1.route(matched).unwrap().to_string())
    };
    // A local pod's IP hits its /32 veth route, not the block's blackhole.
    assert_eq!(
        chosen("192.168.56.129"),
        (
            TableId::Main,
            "192.168.56.129 dev cali8341333a0d0 scope link ".to_string()
        )
    );
    // A remote block goes into the tunnel.
    assert_eq!(
        chosen("192.168.231.166"),
        (
            TableId::Main,
            "192.168.231.128/26 via 172.16.120.64 dev tunl0 proto bird onlink ".to_string()
        )
    );
    // An unused address of node1's own block is blackholed.
    assert_eq!(
        chosen("192.168.56.190"),
        (
            TableId::Main,
            "blackhole 192.168.56.128/26 proto bird ".to_string()
        )
    );
    assert!(matches!(
        node1.route_get(ip("192.168.56.190")),
        RouteGet::Refused {
            kind: RouteType::Blackhole,
            ..
        }
    ));
    // Outside every prefix: the default route.
    assert_eq!(
        chosen("93.184.216.34"),
        (
            TableId::Main,
            "default via 172.16.120.1 dev eth0 proto static ".to_string()
        )
    );
    // The tunnel address is local: table local answers before main.
    assert_eq!(
        chosen("192.168.56.128"),
        (
            TableId::Local,
            "local 192.168.56.128 dev tunl0 proto kernel scope host src 192.168.56.128 "
                .to_string()
        )
    );
    // The index points at the row `ip route` prints, for highlighting.
    let matched = node1.lookup(ip("192.168.231.166")).unwrap();
    let listing = ip_route(node1, TableId::Main);
    let printed: Vec<&str> = listing.lines().collect();
    assert_eq!(
        printed[matched.index],
        "192.168.231.128/26 via 172.16.120.64 dev tunl0 proto bird onlink "
    );
}

#[test]
fn source_selection_on_node1() {
    let hosts = dataplane::hosts(&blog_cluster());
    let node1 = host(&hosts, "node1");
    // MASQUERADE into the tunnel takes tunl0's address (calico-metallb-ingress.md §1.11).
    assert_eq!(
        dataplane::select_source(node1, "tunl0", ip("172.16.120.64")),
        Some(ip("192.168.56.128"))
    );
    assert_eq!(
        dataplane::select_source(node1, "eth0", ip("172.16.120.61")),
        Some(ip("172.16.120.63"))
    );
    // A cali veth has no IPv4 address: the first global address of the namespace, eth0's.
    assert_eq!(
        dataplane::select_source(node1, "cali8341333a0d0", ip("192.168.56.129")),
        Some(ip("172.16.120.63"))
    );
    // Host-originated traffic to a remote pod leaves from tunl0's address (§1.6).
    let remote_pod = node1.route_get(ip("192.168.231.166"));
    assert!(
        matches!(remote_pod, RouteGet::Reachable { source: Some(source), .. } if source == ip("192.168.56.128"))
    );
    // Inside a pod, everything leaves from the pod IP via 169.254.1.1.
    let pod = host(&hosts, "default/nginx-7c79c4bf97-8kwxp");
    assert_eq!(
        ip_route_get(pod, ip("10.96.0.10")),
        Ok(
            "10.96.0.10 via 169.254.1.1 dev eth0 src 192.168.231.166 uid 0 \n    cache \n"
                .to_string()
        )
    );
}

#[test]
fn veth_ends_name_each_other() {
    let hosts = dataplane::hosts(&blog_cluster());
    for pod in hosts
        .iter()
        .filter(|host| matches!(host.kind, dataplane::HostKind::Pod { .. }))
    {
        let dataplane::HostKind::Pod { node, .. } = &pod.kind else {
            unreachable!()
        };
        let node = host(&hosts, node);
        let eth0 = pod.link("eth0").unwrap();
        let dataplane::LinkKind::Veth { peer_index, .. } = &eth0.kind else {
            panic!("eth0 is a veth")
        };
        let host_side = node.link_by_index(*peer_index).unwrap();
        assert!(host_side.name.starts_with("cali"));
        let dataplane::LinkKind::Veth {
            peer_index: back,
            peer_namespace,
        } = &host_side.kind
        else {
            panic!("the host side is a veth")
        };
        assert_eq!(*back, eth0.index);
        assert_eq!(
            peer_namespace,
            &dataplane::link::PeerNamespace::Named(pod.netns.clone().unwrap())
        );
        // The /32 route to the pod names the same veth.
        let pod_ip = eth0.primary_address().unwrap();
        let route = node.route(node.lookup(pod_ip).unwrap()).unwrap();
        assert_eq!(route.dev.as_deref(), Some(host_side.name.as_str()));
    }
}

#[test]
fn cross_subnet_and_never_routes_on_node1() {
    let routes = |mode: EncapMode| {
        let hosts = dataplane::hosts(&cluster(mode, "172.16.121.64", "172.16.121.0/24"));
        let node1 = host(&hosts, "node1");
        let to = |address: &str| {
            node1
                .route(node1.lookup(ip(address)).unwrap())
                .unwrap()
                .to_string()
        };
        (to("192.168.49.70"), to("192.168.231.166"))
    };
    assert_eq!(
        routes(EncapMode::CrossSubnet),
        (
            "192.168.49.64/26 via 172.16.120.62 dev eth0 proto bird ".to_string(),
            "192.168.231.128/26 via 172.16.121.64 dev tunl0 proto bird onlink ".to_string()
        )
    );
    assert_eq!(
        routes(EncapMode::Never),
        (
            "192.168.49.64/26 via 172.16.120.62 dev eth0 proto bird ".to_string(),
            "192.168.231.128/26 via 172.16.120.1 dev eth0 proto bird ".to_string()
        )
    );
}

#[test]
fn empty_cluster_gives_no_hosts() {
    let mut empty = blog_cluster();
    empty.nodes.clear();
    empty.external_hosts.clear();
    assert!(
        dataplane::hosts(&empty).is_empty(),
        "pods on unknown nodes get no namespace"
    );
}

/// Forwarded-packet lookups and the filtered listings on node1. The routing lines were
/// compared with the same commands in a network namespace holding node1's routes on
/// Linux 6.18 (iproute2 6.1).
#[test]
fn node1_forwarding_and_filters_golden() {
    use engine::dataplane::render::{
        LinkFilter, ip_addr_filtered, ip_link_filtered, ip_route_dev, ip_route_get_input,
    };
    let hosts = dataplane::hosts(&blog_cluster());
    let node1 = host(&hosts, "node1");
    let mut out = String::new();
    let mut push = |command: &str, result: Result<String, String>| {
        out.push_str(&format!("$ {command}\n"));
        match result {
            Ok(stdout) => out.push_str(&stdout),
            Err(stderr) => out.push_str(&stderr),
        }
    };
    for (destination, source, iif) in [
        ("192.168.231.166", "172.16.120.61", "eth0"),
        ("192.168.56.129", "172.16.120.61", "eth0"),
        ("172.16.120.63", "172.16.120.61", "eth0"),
        ("192.168.56.140", "172.16.120.61", "eth0"),
        ("192.168.231.166", "192.168.56.129", "cali8341333a0d0"),
        ("8.8.8.8", "192.168.56.129", "cali8341333a0d0"),
        ("172.16.120.255", "172.16.120.61", "eth0"),
        ("9.9.9.9", "172.16.120.61", "eth0"),
        ("172.16.120.70", "172.16.120.61", "eth0"),
        ("192.168.231.166", "172.16.120.63", "eth0"),
        ("127.0.0.1", "172.16.120.61", "eth0"),
        ("192.168.231.166", "172.16.120.61", "eth9"),
        ("255.255.255.255", "172.16.120.61", "eth0"),
        ("0.0.0.0", "172.16.120.61", "eth0"),
        ("192.168.231.166", "0.0.0.0", "eth0"),
    ] {
        push(
            &format!("ip route get {destination} from {source} iif {iif}"),
            ip_route_get_input(node1, ip(destination), ip(source), iif),
        );
    }
    push(
        "ip route show dev eth0",
        ip_route_dev(node1, TableId::Main, "eth0"),
    );
    push(
        "ip route show table local dev eth0",
        ip_route_dev(node1, TableId::Local, "eth0"),
    );
    push(
        "ip route show dev eth9",
        ip_route_dev(node1, TableId::Main, "eth9"),
    );
    let inet_only = LinkFilter {
        inet_only: true,
        ..Default::default()
    };
    let brief = LinkFilter {
        brief: true,
        ..Default::default()
    };
    let brief_inet = LinkFilter {
        brief: true,
        inet_only: true,
        dev: None,
    };
    let one = LinkFilter {
        dev: Some("cali8341333a0d0".to_string()),
        ..Default::default()
    };
    let missing = LinkFilter {
        dev: Some("eth9".to_string()),
        ..Default::default()
    };
    push("ip -4 addr", ip_addr_filtered(node1, &inet_only));
    push("ip -br addr", ip_addr_filtered(node1, &brief));
    push("ip -br -4 addr", ip_addr_filtered(node1, &brief_inet));
    push("ip -br link", ip_link_filtered(node1, &brief));
    push(
        "ip addr show dev cali8341333a0d0",
        ip_addr_filtered(node1, &one),
    );
    push(
        "ip link show dev cali8341333a0d0",
        ip_link_filtered(node1, &one),
    );
    push("ip addr show dev eth9", ip_addr_filtered(node1, &missing));
    let pod = host(&hosts, "default/nginx-7c79c4bf97-8kwxp");
    push("(pod) ip -4 addr", ip_addr_filtered(pod, &inet_only));
    push("(pod) ip -br addr", ip_addr_filtered(pod, &brief));
    expect_file!["dataplane/ipip-always/node1.filters.txt"].assert_eq(&out);
}

/// `route_localnet` as kube-proxy and the CNI plugin leave it: a node accepts a packet for
/// 127.0.0.1 on eth0 only while kube-proxy's localhostNodePorts is on (it sets
/// `conf.all.route_localnet`), and always on a `cali…` veth (`configureSysctls`). Checked
/// on Linux 6.18: with `conf.all.route_localnet=0`, `ip route get 127.0.0.1 from
/// 172.16.120.61 iif eth0` answers `Invalid argument`; with 1, `local 127.0.0.1 … dev lo`.
#[test]
fn route_localnet_follows_localhost_node_ports() {
    let localhost = Ipv4Addr::LOCALHOST;
    let client = ip("172.16.120.61");
    let pod = ip("192.168.56.129");
    let on = dataplane::hosts(&blog_cluster());
    let node1 = host(&on, "node1");
    assert!(node1.route_localnet);
    assert!(matches!(
        node1.route_input(localhost, client, "eth0"),
        RouteGet::Reachable { kind: RouteType::Local, .. }
    ));

    let mut cluster = blog_cluster();
    cluster.kube_proxy.localhost_node_ports = false;
    let off = dataplane::hosts(&cluster);
    let node1 = host(&off, "node1");
    assert!(!node1.route_localnet);
    assert_eq!(node1.route_input(localhost, client, "eth0"), RouteGet::Martian);
    assert!(matches!(
        node1.route_input(localhost, pod, "cali8341333a0d0"),
        RouteGet::Reachable { kind: RouteType::Local, .. }
    ));
    // Pods never get it.
    let pod_host = host(&off, "default/nginx-7c79c4bf97-qhd5m");
    assert!(!pod_host.route_localnet);
    assert_eq!(pod_host.route_input(localhost, client, "eth0"), RouteGet::Martian);
}
