//! Manifest parsing (`manifest::parse`): good inputs with their parsed values asserted, one
//! golden diagnostics file per bad input, and a robustness test that nothing panics.
//!
//! Goldens live next to their inputs (`manifests/bad/NN-name.yaml` ->
//! `manifests/bad/NN-name.diagnostics`); regenerate with `UPDATE_EXPECT=1` and check every
//! line:column by hand against the input.

// Helpers outside #[test] functions read fixtures that must exist; failing loudly is right.
#![allow(clippy::unwrap_used)]

use std::net::Ipv4Addr;
use std::path::Path;

use engine::diagnostic::{Position, Problem, Severity};
use engine::manifest::{
    self, AddressRange, AffinityState, CalicoApi, ClusterIp, EncapsulationMode, IngressApi, IngressBackend, IpMode,
    Manifests, NodeAddress, NodePortAddresses, PathType, ProxyMode, Resource, ServiceBackendPort, ServiceType,
    SessionAffinity, TaintEffect, TargetPort, TolerationOperator, TrafficPolicy, WorkloadKind,
};
use engine::net::{Cidr, Protocol};
use expect_test::expect_file;

/// Renders all diagnostics the way the CLI prints them.
fn render(file: &str, text: &str) -> String {
    let (_, diagnostics) = manifest::parse(text);
    diagnostics.iter().map(|d| d.render(file) + "\n").collect()
}

fn read(path: &str) -> String {
    std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/manifests").join(path)).unwrap()
}

/// Parses and insists on no diagnostics at all.
fn parse_clean(text: &str) -> Manifests {
    let (manifests, diagnostics) = manifest::parse(text);
    let rendered: Vec<String> = diagnostics.iter().map(|d| d.render("input")).collect();
    assert!(
        diagnostics.is_empty(),
        "unexpected diagnostics:\n{}",
        rendered.join("\n")
    );
    manifests
}

fn ip(text: &str) -> Ipv4Addr {
    text.parse().unwrap()
}

#[test]
fn bad_manifests_match_their_goldens() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/manifests/bad");
    let mut names: Vec<String> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|entry| entry.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|name| name.ends_with(".yaml"))
        .collect();
    names.sort();
    assert!(names.len() >= 50, "only {} bad fixtures", names.len());
    for name in names {
        let text = std::fs::read_to_string(dir.join(&name)).unwrap();
        let stem = name.trim_end_matches(".yaml");
        expect_file![format!("manifests/bad/{stem}.diagnostics")].assert_eq(&render(&name, &text));
    }
}

fn services(manifests: &Manifests) -> Vec<&manifest::Service> {
    manifests
        .objects
        .iter()
        .filter_map(|o| match &o.resource {
            Resource::Service(s) => Some(s),
            _ => None,
        })
        .collect()
}

#[test]
fn seed_blog_post_manifests() {
    let text = read("good/seed.yaml");
    let (manifests, diagnostics) = manifest::parse(&text);
    // The only remark is about the legacy Ingress; the `#Sample manifest` lines are comments.
    assert_eq!(diagnostics.len(), 1, "{diagnostics:?}");
    assert_eq!(diagnostics[0].severity, Severity::Warning);
    assert!(matches!(diagnostics[0].problem, Problem::Deprecated { .. }));
    assert_eq!(diagnostics[0].position, Some(Position { line: 47, column: 13 }));
    let rendered = diagnostics[0].render("seed.yaml");
    assert!(
        rendered.contains("v1.22") && rendered.contains("backend.service.port.number: 5678"),
        "{rendered}"
    );

    let kinds: Vec<(usize, usize, &str)> = manifests
        .objects
        .iter()
        .map(|o| (o.document, o.position.line, o.resource.kind()))
        .collect();
    assert_eq!(
        kinds,
        vec![
            (0, 2, "Service"),
            (1, 17, "Service"),
            (2, 32, "Service"),
            (3, 47, "Ingress")
        ]
    );

    let services = services(&manifests);
    let cluster_ip = services[0];
    assert_eq!(cluster_ip.metadata.name, "sample-service");
    assert_eq!(cluster_ip.metadata.namespace_or_default(), "default");
    assert_eq!(cluster_ip.service_type, ServiceType::ClusterIp);
    assert_eq!(cluster_ip.cluster_ip, None);
    assert_eq!(cluster_ip.selector.get("app").map(String::as_str), Some("web"));
    let port = &cluster_ip.ports[0];
    assert_eq!(port.name.as_deref(), Some("http"));
    assert_eq!(port.protocol, Protocol::Tcp);
    assert_eq!(port.port, 8080);
    assert_eq!(port.target_port, Some(TargetPort::Number(80)));
    assert_eq!(port.node_port, None);
    assert_eq!(services[1].service_type, ServiceType::NodePort);
    assert_eq!(services[1].ports[0].node_port, Some(31000));
    assert_eq!(services[2].service_type, ServiceType::LoadBalancer);
    assert_eq!(services[2].metadata.name, "sample-lb");
    assert_eq!(services[2].ports[0].node_port, Some(31000));

    let Resource::Ingress(ingress) = &manifests.objects[3].resource else {
        panic!()
    };
    assert_eq!(ingress.api, IngressApi::ExtensionsV1beta1);
    assert_eq!(
        ingress
            .metadata
            .annotations
            .get("ingress.kubernetes.io/rewrite-target")
            .map(String::as_str),
        Some("/")
    );
    assert_eq!(ingress.rules.len(), 1);
    assert_eq!(ingress.rules[0].host, None);
    let paths = &ingress.rules[0].paths;
    assert_eq!(paths.len(), 2);
    assert_eq!(paths[0].path.as_deref(), Some("/butterscotch"));
    assert_eq!(paths[0].path_type, PathType::ImplementationSpecific);
    assert_eq!(
        paths[1].backend,
        IngressBackend::Service {
            name: "cinnamon-service".to_string(),
            port: ServiceBackendPort::Number(5678)
        }
    );
}

#[test]
fn pasted_kubectl_list_reads_without_warnings() {
    let manifests = parse_clean(&read("good/kubectl-get-svc-deploy.yaml"));
    let kinds: Vec<(usize, &str, &str)> = manifests
        .objects
        .iter()
        .map(|o| (o.position.line, o.resource.kind(), o.resource.metadata().name.as_str()))
        .collect();
    assert_eq!(
        kinds,
        vec![
            (3, "Service", "kubernetes"),
            (31, "Service", "sample-service"),
            (89, "Service", "sample-lb"),
            (126, "Deployment", "web")
        ]
    );
    assert!(manifests.objects.iter().all(|o| o.document == 0));
    let services = services(&manifests);
    let kubernetes = services[0];
    assert_eq!(kubernetes.cluster_ip, Some(ClusterIp::Address(ip("10.96.0.1"))));
    assert_eq!(kubernetes.cluster_ips, vec![ip("10.96.0.1")]);
    assert!(kubernetes.selector.is_empty());
    assert_eq!(kubernetes.ports[0].target_port, Some(TargetPort::Number(6443)));
    assert_eq!(kubernetes.internal_traffic_policy, Some(TrafficPolicy::Cluster));
    assert_eq!(
        kubernetes.metadata.labels.get("provider").map(String::as_str),
        Some("kubernetes")
    );

    let node_port = services[1];
    assert_eq!(node_port.cluster_ip, Some(ClusterIp::Address(ip("10.107.84.3"))));
    assert_eq!(node_port.ports[0].node_port, Some(31000));
    assert_eq!(node_port.external_traffic_policy, Some(TrafficPolicy::Cluster));
    assert!(
        node_port
            .metadata
            .annotations
            .contains_key("kubectl.kubernetes.io/last-applied-configuration")
    );

    let lb = services[2];
    assert_eq!(lb.service_type, ServiceType::LoadBalancer);
    assert_eq!(lb.external_traffic_policy, Some(TrafficPolicy::Local));
    assert_eq!(lb.health_check_node_port, Some(32145));
    assert_eq!(lb.allocate_load_balancer_node_ports, Some(true));
    assert_eq!(lb.session_affinity, SessionAffinity::ClientIp);
    assert_eq!(lb.session_affinity_timeout, Some(10800));
    assert_eq!(lb.ports[0].target_port, Some(TargetPort::Name("http-web".to_string())));
    assert_eq!(lb.load_balancer_ingress.len(), 1);
    assert_eq!(lb.load_balancer_ingress[0].ip, Some(ip("172.16.120.200")));
    assert_eq!(lb.load_balancer_ingress[0].ip_mode, Some(IpMode::Vip));

    let Resource::Workload(deployment) = &manifests.objects[3].resource else {
        panic!()
    };
    assert_eq!(deployment.kind, WorkloadKind::Deployment);
    assert_eq!(deployment.replicas, Some(2));
    assert_eq!(
        deployment.selector.match_labels.get("app").map(String::as_str),
        Some("web")
    );
    assert_eq!(
        deployment.template.metadata.labels.get("app").map(String::as_str),
        Some("web")
    );
    let container = &deployment.template.spec.containers[0];
    assert_eq!(container.name, "nginx");
    assert_eq!(container.image.as_deref(), Some("nginx:1.25"));
    assert_eq!(container.ports[0].container_port, 80);
    assert_eq!(container.ports[0].name.as_deref(), Some("http-web"));
}

#[test]
fn json_input_reads_like_yaml() {
    let manifests = parse_clean(&read("good/service.json"));
    let services = services(&manifests);
    assert_eq!(services.len(), 1);
    let web = services[0];
    assert_eq!(web.metadata.namespace.as_deref(), Some("shop"));
    assert_eq!(web.service_type, ServiceType::NodePort);
    assert_eq!(web.ports[0].node_port, Some(30080));
    assert_eq!(web.ports[0].target_port, Some(TargetPort::Number(8080)));
    assert_eq!(web.ports[1].protocol, Protocol::Udp);
    assert_eq!(web.ports[1].target_port, Some(TargetPort::Name("dns".to_string())));
    assert_eq!(web.external_ips, vec![ip("172.16.0.50")]);
    assert_eq!(manifests.objects[0].position, Position { line: 1, column: 1 });
}

#[test]
fn every_kind_in_one_multi_document_file() {
    let manifests = parse_clean(&read("good/all-kinds.yaml"));
    let kinds: Vec<(usize, &str)> = manifests
        .objects
        .iter()
        .map(|o| (o.document, o.resource.kind()))
        .collect();
    assert_eq!(
        kinds,
        vec![
            (0, "Node"),
            (1, "Namespace"),
            (2, "Pod"),
            (3, "DaemonSet"),
            (4, "Service"),
            (5, "EndpointSlice"),
            (6, "IPPool"),
            (7, "IPPool"),
            (8, "BlockAffinity"),
            (9, "KubeProxyConfiguration"),
            (10, "IPAddressPool"),
            (11, "L2Advertisement"),
            (12, "IngressClass"),
            (13, "Ingress"),
        ]
    );
    let resource = |index: usize| &manifests.objects[index].resource;

    let Resource::Node(node) = resource(0) else { panic!() };
    assert_eq!(node.metadata.name, "node1");
    assert_eq!(node.metadata.namespace, None);
    assert_eq!(node.ipip_tunnel_addr, Some(ip("192.168.56.128")));
    assert_eq!(node.internal_ip(), Some(ip("172.16.120.63")));
    assert_eq!(node.addresses[1], NodeAddress::Hostname("node1".to_string()));
    assert_eq!(node.pod_cidr, Some(Cidr::parse_strict("10.244.1.0/24").unwrap()));
    assert_eq!(node.taints[0].key, "example.com/maintenance");
    assert_eq!(node.taints[0].value.as_deref(), Some("true"));
    assert_eq!(node.taints[0].effect, TaintEffect::NoSchedule);
    assert!(!node.unschedulable);
    assert_eq!(node.kubelet_version.as_deref(), Some("v1.30.2"));

    let Resource::Pod(pod) = resource(2) else { panic!() };
    assert_eq!(pod.metadata.name, "web-5d8f7c6b9-x2x7k");
    assert_eq!(pod.calico_ip_addrs, vec![ip("192.168.231.166")]);
    assert_eq!(pod.pod_ip, Some(ip("192.168.231.166")));
    assert_eq!(pod.ready, Some(true));
    assert_eq!(pod.spec.node_name.as_deref(), Some("node2"));
    assert_eq!(pod.spec.tolerations[0].operator, TolerationOperator::Exists);
    assert_eq!(pod.spec.tolerations[0].effect, Some(TaintEffect::NoExecute));
    assert_eq!(pod.spec.tolerations[0].toleration_seconds, Some(300));
    assert_eq!(pod.metadata.deletion_timestamp, None);

    let Resource::Workload(daemon_set) = resource(3) else {
        panic!()
    };
    assert_eq!(daemon_set.kind, WorkloadKind::DaemonSet);
    assert_eq!(daemon_set.replicas, None);
    assert!(daemon_set.template.spec.host_network);
    assert_eq!(
        daemon_set
            .template
            .spec
            .node_selector
            .get("kubernetes.io/os")
            .map(String::as_str),
        Some("linux")
    );
    let echo = &daemon_set.template.spec.containers[0];
    assert_eq!(echo.args, vec!["-text=hello".to_string(), "-listen=:5678".to_string()]);
    assert_eq!(echo.ports[0].host_port, Some(5678));
    assert_eq!(echo.ports[0].protocol, Protocol::Tcp);

    let Resource::Service(db) = resource(4) else { panic!() };
    assert!(db.selector.is_empty());
    assert_eq!(db.ports[0].target_port, None);

    let Resource::EndpointSlice(slice) = resource(5) else {
        panic!()
    };
    assert_eq!(slice.service_name.as_deref(), Some("db"));
    assert_eq!(slice.endpoints[0].addresses, vec![ip("10.0.0.5")]);
    assert_eq!(slice.endpoints[0].conditions.ready, Some(true));
    assert_eq!(slice.endpoints[0].conditions.terminating, Some(false));
    assert_eq!(slice.endpoints[0].node_name.as_deref(), Some("node1"));
    assert_eq!(
        slice.endpoints[0].target_ref.as_ref().and_then(|r| r.name.as_deref()),
        Some("db-0")
    );
    assert_eq!(slice.ports[0].port, Some(5432));
    assert_eq!(slice.ports[0].name.as_deref(), Some(""));

    let Resource::IpPool(pool) = resource(6) else { panic!() };
    assert_eq!(pool.api, CalicoApi::ProjectCalicoV3);
    assert_eq!(pool.cidr, Cidr::parse_strict("192.168.0.0/16").unwrap());
    assert_eq!(pool.block_size, Some(26));
    assert_eq!(pool.ipip_mode, Some(EncapsulationMode::Always));
    assert_eq!(pool.vxlan_mode, Some(EncapsulationMode::Never));
    assert!(pool.nat_outgoing);
    assert_eq!(pool.node_selector.as_deref(), Some("all()"));
    let Resource::IpPool(spare) = resource(7) else { panic!() };
    assert_eq!(spare.api, CalicoApi::CrdV1);
    assert!(spare.disabled);
    assert_eq!(spare.block_size, None);

    let Resource::BlockAffinity(affinity) = resource(8) else {
        panic!()
    };
    assert_eq!(affinity.node, "node1");
    assert_eq!(affinity.cidr, Cidr::parse_strict("192.168.56.128/26").unwrap());
    assert_eq!(affinity.state, Some(AffinityState::Confirmed));

    let Resource::KubeProxyConfiguration(proxy) = resource(9) else {
        panic!()
    };
    assert_eq!(proxy.mode, ProxyMode::Iptables);
    assert_eq!(proxy.cluster_cidr, vec![Cidr::parse_strict("192.168.0.0/16").unwrap()]);
    assert_eq!(proxy.masquerade_bit, Some(14));
    assert_eq!(proxy.localhost_node_ports, Some(true));
    assert_eq!(
        proxy.node_port_addresses,
        NodePortAddresses::Cidrs(vec![Cidr::parse_strict("172.16.120.0/24").unwrap()])
    );

    let Resource::IpAddressPool(lb_pool) = resource(10) else {
        panic!()
    };
    assert_eq!(
        lb_pool.addresses,
        vec![
            AddressRange {
                first: ip("172.16.120.200"),
                last: ip("172.16.120.250")
            },
            AddressRange {
                first: ip("172.16.121.0"),
                last: ip("172.16.121.15")
            },
        ]
    );
    assert!(lb_pool.avoid_buggy_ips);
    let Resource::L2Advertisement(l2) = resource(11) else {
        panic!()
    };
    assert_eq!(l2.ip_address_pools, vec!["first-pool".to_string()]);
    assert_eq!(
        l2.node_selectors[0]
            .match_labels
            .get("kubernetes.io/hostname")
            .map(String::as_str),
        Some("node1")
    );

    let Resource::IngressClass(class) = resource(12) else {
        panic!()
    };
    assert!(class.is_default);
    assert_eq!(
        class.controller.as_deref(),
        Some("projectcontour.io/ingress-controller")
    );
    let Resource::Ingress(ingress) = resource(13) else {
        panic!()
    };
    assert_eq!(ingress.api, IngressApi::V1);
    assert_eq!(ingress.ingress_class_name.as_deref(), Some("contour"));
    assert_eq!(
        ingress.default_backend,
        Some(IngressBackend::Service {
            name: "web".to_string(),
            port: ServiceBackendPort::Name("http".to_string())
        })
    );
    assert_eq!(ingress.rules[0].host.as_deref(), Some("shop.example.com"));
    assert_eq!(ingress.rules[0].paths[0].path_type, PathType::Prefix);
    assert_eq!(ingress.rules[0].paths[1].path_type, PathType::Exact);
}

#[test]
fn a_broken_document_or_object_leaves_the_others() {
    // Fixture 69: a syntax error in document 0, a good Namespace in document 1.
    let (manifests, diagnostics) = manifest::parse(&read("bad/69-error-then-good-document.yaml"));
    assert_eq!(diagnostics.len(), 1);
    assert_eq!(manifests.objects.len(), 1);
    assert_eq!(manifests.objects[0].document, 1);
    assert_eq!(manifests.objects[0].resource.metadata().name, "shop");
    // Fixture 63: a List whose second item is text and whose third item is invalid.
    let (manifests, _) = manifest::parse(&read("bad/63-list-with-bad-items.yaml"));
    let names: Vec<&str> = manifests
        .objects
        .iter()
        .map(|o| o.resource.metadata().name.as_str())
        .collect();
    assert_eq!(names, vec!["web"]);
    // Warnings keep their object: fixture 60 reads `natOutgoing: yes` as true.
    let (manifests, diagnostics) = manifest::parse(&read("bad/60-yaml11-boolean.yaml"));
    assert!(diagnostics.iter().all(|d| d.severity == Severity::Warning));
    let Resource::IpPool(pool) = &manifests.objects[0].resource else {
        panic!()
    };
    assert!(pool.nat_outgoing);
}

/// Inputs too big or too deep to keep as fixture files: generated here, goldens on disk.
#[test]
fn bounded_inputs_give_diagnostics() {
    let cases: Vec<(&str, String)> = vec![
        // 10 MB: refused before parsing.
        (
            "10-megabytes",
            format!(
                "apiVersion: v1\nkind: ConfigMap\ndata:\n  blob: \"{}\"\n",
                "x".repeat(10 * 1024 * 1024)
            ),
        ),
        // 10k nested flow lists: refused at the 65th level, without recursion.
        (
            "deep-flow-lists",
            format!(
                "apiVersion: v1\nkind: Service\nmetadata: {}{}\n",
                "[".repeat(10_000),
                "]".repeat(10_000)
            ),
        ),
        // 10k nested flow mappings, unclosed.
        ("deep-flow-mappings", format!("x: {}", "{a: ".repeat(10_000))),
        // Deep block nesting, each level indented one more space.
        (
            "deep-block-mappings",
            (0..200)
                .map(|depth| format!("{}k{depth}:\n", " ".repeat(depth)))
                .collect(),
        ),
        // A mapping with 100k keys (linear work, no quadratic duplicate check) and no kind.
        ("wide-mapping", (0..100_000).map(|i| format!("k{i}: {i}\n")).collect()),
        // More nodes than the limit in one flat list.
        ("too-many-nodes", format!("[{}]", "1,".repeat(300_001))),
        // More documents than the limit.
        (
            "too-many-documents",
            "---\napiVersion: v1\nkind: Namespace\nmetadata:\n  name: a\n".repeat(engine::yaml::MAX_DOCUMENTS + 1),
        ),
        // More objects than the limit in one List.
        (
            "too-many-list-items",
            format!(
                "apiVersion: v1\nkind: List\nitems:\n{}",
                (0..=manifest::MAX_OBJECTS)
                    .map(|i| format!("- {{apiVersion: v1, kind: Namespace, metadata: {{name: ns{i}}}}}\n"))
                    .collect::<String>()
            ),
        ),
    ];
    for (name, text) in cases {
        let file = format!("{name}.yaml");
        expect_file![format!("manifests/generated/{name}.diagnostics")].assert_eq(&render(&file, &text));
    }
}

#[test]
fn limits_keep_what_fits() {
    let limit = manifest::MAX_OBJECTS;
    let text = "---\napiVersion: v1\nkind: Namespace\nmetadata:\n  name: a\n".repeat(limit + 1);
    let (manifests, _) = manifest::parse(&text);
    assert_eq!(manifests.objects.len(), limit);
    let list = format!(
        "apiVersion: v1\nkind: List\nitems:\n{}",
        (0..=limit)
            .map(|i| format!("- {{apiVersion: v1, kind: Namespace, metadata: {{name: ns{i}}}}}\n"))
            .collect::<String>()
    );
    let (manifests, diagnostics) = manifest::parse(&list);
    assert_eq!(manifests.objects.len(), limit);
    assert_eq!(manifests.objects[limit - 1].resource.metadata().name, format!("ns{}", limit - 1));
    assert_eq!(diagnostics.len(), 1);
}

/// Every prefix of a valid manifest with every kind, and byte mutations of it: never a panic,
/// and every diagnostic has a position inside the text.
#[test]
fn truncations_and_mutations_never_panic() {
    // The seed post plus the compact kinds of all-kinds.yaml (from the selector-less Service on).
    let all_kinds = read("good/all-kinds.yaml");
    let compact = &all_kinds[all_kinds.find("kind: Service").unwrap() - "apiVersion: v1\n".len()..];
    let text = read("good/seed.yaml") + "---\n" + compact;
    let check = |input: &str| {
        let (_, diagnostics) = manifest::parse(input);
        let line_count = input.lines().count();
        for diagnostic in diagnostics {
            if let Some(position) = diagnostic.position {
                assert!(
                    position.line >= 1 && position.line <= line_count + 1,
                    "{}",
                    diagnostic.render("x")
                );
                assert!(position.column >= 1);
            }
        }
    };
    let boundaries: Vec<usize> = (0..=text.len()).filter(|&i| text.is_char_boundary(i)).collect();
    for &end in &boundaries {
        check(&text[..end]);
    }
    // Deterministic pseudo-random mutations (xorshift): replace, insert or delete one byte
    // with a character that matters to YAML.
    let specials = [
        '[', ']', '{', '}', ':', '-', '"', '\'', '\t', '\n', ' ', '&', '*', '!', '|', '>', '#', '0', 'x', '\u{ff03}',
    ];
    let mut state: u64 = 0x9e37_79b9_7f4a_7c15;
    let mut next = move || {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        state
    };
    for _ in 0..1_000 {
        let at = boundaries[(next() % boundaries.len() as u64) as usize];
        let c = specials[(next() % specials.len() as u64) as usize];
        let mut mutated = text.clone();
        match next() % 3 {
            0 => mutated.insert(at, c),
            1 if at < text.len() => {
                mutated.remove(at);
            }
            _ if at < text.len() => {
                mutated.remove(at);
                mutated.insert(at, c);
            }
            _ => mutated.push(c),
        }
        check(&mutated);
    }
    // A pasted List goes through the List path: mutate it too.
    let list = read("good/kubectl-get-svc-deploy.yaml");
    let list_boundaries: Vec<usize> = (0..=list.len()).filter(|&i| list.is_char_boundary(i)).collect();
    for _ in 0..200 {
        let at = list_boundaries[(next() % list_boundaries.len() as u64) as usize];
        let mut mutated = list.clone();
        mutated.insert(at, specials[(next() % specials.len() as u64) as usize]);
        check(&mutated);
    }
}

#[test]
fn typed_list_items_take_the_list_kind() {
    // What `kubectl get --raw /api/v1/namespaces/default/services` returns: items without
    // apiVersion and kind.
    let text = "apiVersion: v1\nkind: ServiceList\nmetadata:\n  resourceVersion: \"2400\"\nitems:\n- metadata:\n    name: web\n  spec:\n    ports:\n    - port: 80\n";
    let manifests = parse_clean(text);
    assert_eq!(manifests.objects.len(), 1);
    assert_eq!(manifests.objects[0].resource.kind(), "Service");
    assert_eq!(manifests.objects[0].position, Position { line: 6, column: 3 });
}
