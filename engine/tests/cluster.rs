//! Manifests -> Cluster goldens: one folder per scenario under `tests/cluster/`, each with
//! `input.yaml` and the readable dump `cluster.txt` (regenerate with `UPDATE_EXPECT=1`).
//! Facts checked against sources are asserted directly next to the goldens.

// Helpers outside `#[test]` functions read fixtures; a failure there is a broken fixture.
#![allow(clippy::unwrap_used)]

#[path = "common/build.rs"]
mod common;

use std::fmt::Write as _;
use std::net::Ipv4Addr;

use engine::cluster::{self, Cluster, EncapMode, TargetPort};
use engine::diagnostic::Diagnostic;
use expect_test::expect_file;

use common::build;

fn join<T: ToString>(items: impl IntoIterator<Item = T>) -> String {
    let items: Vec<String> = items.into_iter().map(|item| item.to_string()).collect();
    if items.is_empty() { "-".to_string() } else { items.join(",") }
}

fn labels(labels: &cluster::Labels) -> String {
    join(labels.iter().map(|(key, value)| format!("{key}={value}")))
}

fn encap(mode: EncapMode) -> &'static str {
    match mode {
        EncapMode::Always => "Always",
        EncapMode::CrossSubnet => "CrossSubnet",
        EncapMode::Never => "Never",
    }
}

fn opt<T: ToString>(value: &Option<T>) -> String {
    value.as_ref().map_or_else(|| "-".to_string(), ToString::to_string)
}

/// A readable dump of everything the build decided.
fn dump(cluster: &Cluster, diagnostics: &[Diagnostic]) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "# nodes");
    for node in &cluster.nodes {
        let taints = join(node.taints.iter().map(|taint| {
            format!(
                "{}{}:{}",
                taint.key,
                taint.value.as_ref().map(|v| format!("={v}")).unwrap_or_default(),
                taint.effect
            )
        }));
        let _ = writeln!(
            out,
            "{} ip={} subnet={} gw={} roles={} unschedulable={} taints={} blocks={} tunl0={} kubelet={}",
            node.name,
            node.internal_ip,
            node.subnet,
            node.gateway,
            node.roles(),
            node.unschedulable,
            taints,
            join(&node.blocks),
            opt(&node.tunnel_ip),
            node.kubelet_version
        );
        let _ = writeln!(out, "  labels: {}", labels(&node.labels));
    }
    let _ = writeln!(out, "\n# ip pools");
    for pool in &cluster.ip_pools {
        let _ = writeln!(
            out,
            "{} {} blockSize={} ipipMode={} vxlanMode={} natOutgoing={} disabled={}",
            pool.name,
            pool.cidr,
            pool.block_size,
            encap(pool.ipip_mode),
            encap(pool.vxlan_mode),
            pool.nat_outgoing,
            pool.disabled
        );
    }
    let proxy = &cluster.kube_proxy;
    let _ = writeln!(out, "\n# cluster");
    let _ = writeln!(
        out,
        "service CIDR {} nodePorts {}-{}",
        cluster.service_cidr, cluster.node_port_range.0, cluster.node_port_range.1
    );
    let _ = writeln!(
        out,
        "kube-proxy mode={} clusterCIDR={} detectLocal={:?} masqueradeBit={} masqueradeAll={} localhostNodePorts={} randomFully={} nfacct={}",
        proxy.mode,
        opt(&proxy.cluster_cidr),
        proxy.detect_local_mode,
        proxy.masquerade_bit,
        proxy.masquerade_all,
        proxy.localhost_node_ports,
        proxy.random_fully,
        proxy.nfacct
    );
    let _ = writeln!(out, "namespaces {}", join(&cluster.namespaces));
    for host in &cluster.external_hosts {
        let _ = writeln!(out, "external host {} {} subnet={} gw={}", host.name, host.ip, host.subnet, host.gateway);
    }
    let _ = writeln!(out, "\n# workloads");
    for workload in &cluster.workloads {
        let _ = writeln!(
            out,
            "{} {}/{} replicas={} selector={} pods={}",
            workload.kind,
            workload.namespace,
            workload.name,
            workload.replicas,
            labels(&workload.selector),
            join(&workload.pods)
        );
    }
    let _ = writeln!(out, "\n# pods");
    for pod in &cluster.pods {
        let owner = pod.owner.as_ref().map_or_else(|| "-".to_string(), |(kind, name)| format!("{kind}/{name}"));
        let _ = writeln!(
            out,
            "{} node={} ip={} if={} hostNetwork={} ready={} terminating={} owner={}",
            pod.key(),
            opt(&pod.node_name),
            opt(&pod.ip),
            opt(&pod.interface),
            pod.host_network,
            pod.ready,
            pod.terminating,
            owner
        );
        let _ = writeln!(out, "  labels: {}", labels(&pod.labels));
    }
    let _ = writeln!(out, "\n# services");
    for service in &cluster.services {
        let ports = join(service.ports.iter().map(|port| {
            let target = match &port.target_port {
                TargetPort::Number(number) => number.to_string(),
                TargetPort::Name(name) => name.clone(),
            };
            let node_port = port.node_port.map(|n| format!(":{n}")).unwrap_or_default();
            format!(
                "{}{}{node_port}/{}->{target}",
                port.name.as_deref().map(|n| format!("{n}=")).unwrap_or_default(),
                port.port,
                port.protocol.api_name()
            )
        }));
        let _ = writeln!(
            out,
            "{} {} clusterIP={} ports={} selector={} eTP={:?} healthCheckNodePort={} affinity={}",
            service.key(),
            service.service_type.api_name(),
            opt(&service.cluster_ip),
            ports,
            service.selector.as_ref().map_or_else(|| "<none>".to_string(), labels),
            service.external_traffic_policy,
            opt(&service.health_check_node_port),
            opt(&service.session_affinity_timeout)
        );
    }
    let _ = writeln!(out, "\n# endpointslices");
    for slice in &cluster.endpoint_slices {
        let ports = join(slice.ports.iter().map(|port| {
            format!(
                "{}{}/{}",
                match port.name.as_deref() {
                    None => "(nil)=".to_string(),
                    Some("") => "\"\"=".to_string(),
                    Some(name) => format!("{name}="),
                },
                opt(&port.port),
                port.protocol.api_name()
            )
        }));
        let _ = writeln!(
            out,
            "{}/{} service={} {} ports={} lab={}",
            slice.namespace, slice.name, slice.service_name, slice.address_type, ports, slice.managed_by_lab
        );
        for endpoint in &slice.endpoints {
            let _ = writeln!(
                out,
                "  {} ready={} serving={} terminating={} node={} zone={} pod={}",
                join(&endpoint.addresses),
                opt(&endpoint.ready),
                opt(&endpoint.serving),
                opt(&endpoint.terminating),
                opt(&endpoint.node_name),
                opt(&endpoint.zone),
                opt(&endpoint.target_pod)
            );
        }
    }
    let _ = writeln!(out, "\n# diagnostics");
    for diagnostic in diagnostics {
        let _ = writeln!(out, "{}", diagnostic.render("input.yaml"));
    }
    out
}

#[track_caller]
fn check(scenario: &str) -> (Cluster, Vec<Diagnostic>) {
    let path = format!("{}/tests/cluster/{scenario}/input.yaml", env!("CARGO_MANIFEST_DIR"));
    let text = std::fs::read_to_string(&path).unwrap();
    let (cluster, diagnostics) = build(&text);
    let text_dump = dump(&cluster, &diagnostics);
    // Deterministic: a second build gives the same bytes.
    let (again, again_diagnostics) = build(&text);
    assert_eq!(text_dump, dump(&again, &again_diagnostics));
    expect_file![format!("cluster/{scenario}/cluster.txt")].assert_eq(&text_dump);
    (cluster, diagnostics)
}

fn ip(text: &str) -> Ipv4Addr {
    text.parse().unwrap()
}

#[test]
fn default_cluster_is_the_posts() {
    let (cluster, diagnostics) = check("default");
    assert!(diagnostics.iter().all(|d| !d.is_error()));
    let node1 = cluster.nodes.iter().find(|node| node.name == "node1").unwrap();
    // The post: node1 is 172.16.120.63 and its tunl0 is 192.168.56.128.
    assert_eq!(node1.internal_ip, ip("172.16.120.63"));
    assert_eq!(node1.tunnel_ip, Some(ip("192.168.56.128")));
    let node2 = cluster.nodes.iter().find(|node| node.name == "node2").unwrap();
    assert_eq!(node2.blocks[0].to_string(), "192.168.231.128/26");
    let kubernetes = cluster.services.iter().find(|s| s.key() == "default/kubernetes").unwrap();
    assert_eq!(kubernetes.cluster_ip, Some(ip("10.96.0.1")));
    let dns = cluster.services.iter().find(|s| s.key() == "kube-system/kube-dns").unwrap();
    assert_eq!(dns.cluster_ip, Some(ip("10.96.0.10")));
    let coredns: Vec<_> = cluster.pods.iter().filter(|pod| pod.name.starts_with("coredns-")).collect();
    assert_eq!(coredns.len(), 2);
    assert!(coredns.iter().all(|pod| pod.ip.is_some()));
    assert_eq!(cluster.external_hosts[0].ip, ip("172.16.120.61"));
    assert_eq!(cluster.kube_proxy.cluster_cidr.unwrap().to_string(), "192.168.0.0/16");
    // One Defaulted info per kind of default, no more.
    let infos =
        diagnostics.iter().filter(|d| matches!(d.problem, engine::diagnostic::Problem::Defaulted { .. })).count();
    assert_eq!(infos, 4);
}

#[test]
fn seed_nodeport() {
    let (cluster, _) = check("seed-nodeport");
    let service = cluster.services.iter().find(|s| s.name == "sample-service").unwrap();
    assert_eq!(service.ports[0].node_port, Some(31000));
    let web: Vec<_> = cluster.pods.iter().filter(|pod| pod.labels.get("app").is_some_and(|v| v == "web")).collect();
    assert_eq!(web.len(), 2);
    // Spread: CoreDNS sits on controlplane and node1, so the first web pod goes to node2.
    let mut nodes: Vec<_> = web.iter().filter_map(|pod| pod.node_name.as_deref()).collect();
    nodes.sort();
    assert_eq!(nodes, ["node1", "node2"]);
}

#[test]
fn scheduling() {
    let (cluster, _) = check("scheduling");
    let node_of = |name: &str| cluster.pods.iter().find(|pod| pod.name == name).unwrap().node_name.clone();
    assert_eq!(node_of("pinned").as_deref(), Some("worker-c"));
    assert_eq!(node_of("wants-ssd").as_deref(), Some("worker-a"));
    assert_eq!(node_of("db-tolerant").as_deref(), Some("worker-b"));
    assert_eq!(node_of("wants-gpu"), None);
    assert_eq!(node_of("lost"), None);
    let agent = cluster.pods.iter().find(|pod| pod.name == "host-agent").unwrap();
    assert_eq!((agent.ip, agent.interface.as_deref()), (Some(ip("10.0.0.11")), None));
}

#[test]
fn nodeport_clash() {
    let (cluster, diagnostics) = check("nodeport-clash");
    assert!(cluster.services.iter().all(|service| service.name != "second" && service.name != "dns-again"));
    let clash = diagnostics.iter().find(|d| d.is_error() && d.path == "spec.ports[0].nodePort").unwrap();
    assert_eq!(clash.document, Some(1));
    assert!(clash.problem.to_string().contains("Service default/first"));
}

#[test]
fn statefulset() {
    let (cluster, _) = check("statefulset");
    let names: Vec<_> =
        cluster.pods.iter().filter(|pod| pod.namespace == "default").map(|pod| pod.name.as_str()).collect();
    assert_eq!(names, ["db-0", "db-1"]);
    let service = cluster.services.iter().find(|s| s.name == "db").unwrap();
    assert_eq!(service.cluster_ip, None);
}

#[test]
fn daemonset() {
    let (cluster, _) = check("daemonset");
    let agents: Vec<_> = cluster.pods.iter().filter(|pod| pod.namespace == "monitoring").collect();
    assert_eq!(agents.len(), 2, "the control plane's taint keeps the agent off it");
    let everywhere: Vec<_> = cluster.pods.iter().filter(|pod| pod.name.starts_with("everywhere-")).collect();
    assert_eq!(everywhere.len(), 3);
    assert!(everywhere.iter().all(|pod| pod.interface.is_none()));
}

#[test]
fn block_affinity() {
    let (cluster, _) = check("block-affinity");
    let alpha = cluster.nodes.iter().find(|node| node.name == "alpha").unwrap();
    assert_eq!(alpha.blocks[0].to_string(), "10.244.7.0/24");
    assert_eq!(alpha.tunnel_ip, Some(ip("10.244.7.0")));
    let beta = cluster.nodes.iter().find(|node| node.name == "beta").unwrap();
    assert_eq!(beta.tunnel_ip, Some(ip("10.244.9.1")));
    assert_eq!(beta.blocks[0].to_string(), "10.244.9.0/24");
}

#[test]
fn ipaddrs_annotation_pins_the_posts_nginx() {
    let (cluster, diagnostics) = check("ipaddrs");
    let nginx = cluster.pods.iter().find(|pod| pod.key() == "default/nginx").unwrap();
    assert_eq!(nginx.ip, Some(ip("192.168.231.166")));
    assert_eq!(nginx.node_name.as_deref(), Some("node2"));
    // sha1("default.nginx") starts c440f455693 (reference §1.5, checked with sha1sum).
    assert_eq!(nginx.interface.as_deref(), Some("calic440f455693"));
    let clash = cluster.pods.iter().find(|pod| pod.name == "clash").unwrap();
    assert_eq!(clash.ip, None);
    assert!(diagnostics.iter().any(|d| d.is_error() && d.problem.to_string().contains("pod default/nginx")));
    let observed = cluster.pods.iter().find(|pod| pod.name == "observed").unwrap();
    assert_eq!(observed.ip, Some(ip("192.168.56.140")));
    let slice = cluster.endpoint_slices.iter().find(|s| s.service_name == "sample-service").unwrap();
    assert_eq!(slice.endpoints.len(), 1);
    assert_eq!(slice.endpoints[0].addresses, [ip("192.168.231.166")]);
}

#[test]
fn selectorless_and_config() {
    let (cluster, diagnostics) = check("selectorless-and-config");
    assert!(diagnostics.iter().all(|d| !d.is_error()), "{diagnostics:?}");
    let slice = cluster.endpoint_slices.iter().find(|slice| slice.name == "legacy-db-1").unwrap();
    assert!(!slice.managed_by_lab);
    let search = cluster.services.iter().find(|s| s.name == "search").unwrap();
    assert_eq!(search.cluster_ip, None);
    let front = cluster.services.iter().find(|s| s.name == "front").unwrap();
    assert_eq!(front.load_balancer_ingress[0].ip, Some(ip("172.16.120.100")));
    assert_eq!(front.session_affinity_timeout, Some(10800));
    assert!(front.ports[0].node_port.is_some());
    assert!(cluster.kube_proxy.masquerade_all);
    assert_eq!(cluster.kube_proxy.cluster_cidr.unwrap().to_string(), "10.244.0.0/16");
    assert!(cluster.namespaces.iter().any(|namespace| namespace == "metallb-system"));
    assert_eq!(cluster.ingresses.len(), 1);
}

#[test]
fn unnamed_service_ports_get_an_empty_name_in_slices() {
    let (cluster, _) = build(
        &std::fs::read_to_string(format!("{}/tests/cluster/daemonset/input.yaml", env!("CARGO_MANIFEST_DIR"))).unwrap(),
    );
    let slice = cluster.endpoint_slices.iter().find(|slice| slice.service_name == "agent").unwrap();
    // The controller writes `name: ""`; kube-proxy ignores ports whose name is nil.
    assert_eq!(slice.ports[0].name.as_deref(), Some(""));
    assert_eq!(slice.endpoints.len(), 2);
}
