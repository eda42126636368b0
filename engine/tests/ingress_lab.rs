//! Ingress, end to end, in packet traces: the post's Contour demo (`/cinnamon` and
//! `/butterscotch` through the envoy NodePort 32023, Envoy's 404), and LoadBalancer
//! Services with and without a provider. Goldens in `tests/trace/<scenario>/` (`trace.txt`,
//! `hops.txt` with both TCP connections); regenerate with `UPDATE_EXPECT=1`. Facts:
//! /work/shared/reference/calico-metallb-ingress.md §2, §3.8.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::fmt::Write as _;
use std::net::Ipv4Addr;

use engine::trace::{self, At, Event, Lab, Outcome, Session, Step, Trace, TraceOptions};
use engine::{cluster, manifest};
use expect_test::expect_file;

fn lab_from(text: &str) -> Lab {
    let (manifests, _) = manifest::parse(text);
    let (cluster, _) = cluster::build(&manifests);
    Lab::new(cluster)
}

fn post_default() -> Lab {
    let path = format!("{}/../static/examples/post-default.yaml", env!("CARGO_MANIFEST_DIR"));
    lab_from(&std::fs::read_to_string(path).unwrap())
}

fn scenario(name: &str) -> Lab {
    let path = format!("{}/tests/trace/{name}/input.yaml", env!("CARGO_MANIFEST_DIR"));
    lab_from(&std::fs::read_to_string(path).unwrap())
}

fn ip(text: &str) -> Ipv4Addr {
    text.parse().unwrap()
}

fn curl(lab: &Lab, session: &mut Session, url: &str, headers: &[(&str, &str)]) -> Trace {
    let options = TraceOptions {
        headers: headers.iter().map(|(name, value)| (name.to_string(), value.to_string())).collect(),
        ..TraceOptions::default()
    };
    trace::trace(lab, session, "client", url, &options)
}

fn device_lines(steps: &[Step], flow: &str) -> Vec<String> {
    steps
        .iter()
        .filter_map(|step| {
            let (dir, packet) = match &step.event {
                Event::DeviceRx { packet } => ("rx", packet),
                Event::DeviceTx { packet } => ("tx", packet),
                _ => return None,
            };
            let At::Device(dev) = &step.at else { return None };
            let inner = packet.innermost();
            let outer = if inner == packet {
                String::new()
            } else {
                format!(" outer {} > {}", packet.ip.src, packet.ip.dst)
            };
            Some(format!(
                "{flow}: {} {dev} {dir} {}:{} > {}:{}{outer}",
                step.host,
                inner.ip.src,
                inner.src_port().unwrap_or(0),
                inner.ip.dst,
                inner.dst_port().unwrap_or(0)
            ))
        })
        .collect()
}

/// Every device crossing of both connections' handshakes.
fn hops(trace: &Trace) -> Vec<String> {
    let mut out = device_lines(&trace.steps, "client");
    if let Some(leg) = trace.proxy.as_ref().and_then(|proxy| proxy.leg.as_ref()) {
        out.extend(device_lines(&leg.steps, "envoy"));
    }
    out
}

fn goldens(scenario: &str, traces: &[&Trace]) {
    let mut text = String::new();
    let mut hop_text = String::new();
    for trace in traces {
        text.push_str(&trace.text());
        text.push('\n');
        let _ = writeln!(hop_text, "# {}", trace.request);
        for hop in hops(trace) {
            let _ = writeln!(hop_text, "{hop}");
        }
        let _ = writeln!(hop_text, "# outcome: {}\n", trace.outcome);
    }
    expect_file![format!("trace/{scenario}/trace.txt")].assert_eq(&text);
    expect_file![format!("trace/{scenario}/hops.txt")].assert_eq(&hop_text);
}

fn header<'a>(headers: &'a [(String, String)], name: &str) -> Option<&'a str> {
    headers
        .iter()
        .find(|(key, _)| key.eq_ignore_ascii_case(name))
        .map(|(_, value)| value.as_str())
}

fn pod_ip(lab: &Lab, prefix: &str) -> Ipv4Addr {
    lab.cluster
        .pods
        .iter()
        .find(|pod| pod.name.starts_with(prefix))
        .and_then(|pod| pod.ip)
        .unwrap()
}

/// The facts of a request routed through Envoy to `backend` (pod name prefix).
fn assert_proxied(lab: &Lab, trace: &Trace, backend: &str, port: u16) {
    let Outcome::Answered { pod, seen_source, .. } = &trace.outcome else {
        panic!("{}: {}", trace.request, trace.outcome);
    };
    assert!(pod.as_deref().unwrap().starts_with(&format!("default/{backend}")), "{pod:?}");
    let proxy = trace.proxy.as_ref().expect("through Envoy");
    assert!(proxy.host.starts_with("projectcontour/envoy-"), "{}", proxy.host);
    let envoy_ip = lab.cluster.pods.iter().find(|pod| pod.key() == proxy.host).and_then(|pod| pod.ip).unwrap();
    let leg = proxy.leg.as_ref().expect("a second connection");
    // The second connection goes from the Envoy pod's own address straight to the pod.
    assert_eq!(leg.client.src, envoy_ip);
    assert_eq!((leg.client.dst, leg.client.dst_port), (pod_ip(lab, backend), port));
    assert_eq!(seen_source.0, envoy_ip, "the backend sees Envoy, not the client");
    // No ClusterIP and no kube-proxy DNAT on Envoy's connection.
    assert!(!leg.steps.iter().any(|step| matches!(step.event, Event::Dnat { .. })));
    let cluster_ips: Vec<Ipv4Addr> = lab.cluster.services.iter().filter_map(|service| service.cluster_ip).collect();
    assert!(!cluster_ips.contains(&leg.client.dst));
    // The client's connection was DNATed by kube-proxy (NodePort -> Envoy pod :8080).
    assert!(trace.steps.iter().any(|step| matches!(&step.event, Event::Dnat { after, .. }
        if after.ip.dst == envoy_ip && after.dst_port() == Some(8080))));
    // Envoy's headers: X-Forwarded-For is the address Envoy's socket saw.
    let forwarded = &leg.exchange.as_ref().unwrap().request;
    let downstream = proxy.downstream.0.to_string();
    assert_eq!(header(&forwarded.headers, "x-forwarded-for"), Some(downstream.as_str()));
    assert_eq!(header(&forwarded.headers, "x-forwarded-proto"), Some("http"));
    assert_eq!(header(&forwarded.headers, "x-envoy-expected-rq-timeout-ms"), Some("15000"));
    assert_eq!(header(&forwarded.headers, "x-request-id").map(str::len), Some(36));
    // Both connections are in the packet log, and the answer came back through both.
    let envoy_captures = trace.captured(&proxy.host, "eth0");
    assert!(envoy_captures.iter().any(|(_, packet)| packet.ip.src == envoy_ip && packet.ip.dst == leg.client.dst));
    assert!(envoy_captures.iter().any(|(_, packet)| packet.ip.dst == envoy_ip && packet.dst_port() == Some(8080)));
    let reply = trace.reply.unwrap();
    let client = trace.client.unwrap();
    assert_eq!((reply.src, reply.src_port), (client.dst, client.dst_port));
}

#[test]
fn the_posts_cinnamon_and_butterscotch_through_nodeport_32023() {
    let lab = post_default();
    let envoy = lab
        .cluster
        .services
        .iter()
        .find(|service| service.key() == "projectcontour/envoy")
        .expect("Contour is enabled by the post's Ingress");
    let node_ports: Vec<Option<u16>> = envoy.ports.iter().map(|port| port.node_port).collect();
    assert_eq!(node_ports, [Some(32023), Some(30370)]);
    let nginx = lab.cluster.pods.iter().find(|pod| pod.name.starts_with("web-")).unwrap();
    assert_eq!(nginx.ip, Some(ip("192.168.231.166")));
    assert_eq!(nginx.node_name.as_deref(), Some("node2"));

    let mut session = Session::new(7);
    let cinnamon = curl(&lab, &mut session, "http://172.16.120.63:32023/cinnamon", &[]);
    let butterscotch = curl(&lab, &mut session, "http://172.16.120.63:32023/butterscotch", &[]);
    let missing = curl(&lab, &mut session, "http://172.16.120.63:32023/caramel", &[]);
    let with_host = curl(
        &lab,
        &mut session,
        "http://172.16.120.63:32023/cinnamon",
        &[("Host", "sweets.example.com")],
    );
    goldens("envoy-post-demo", &[&cinnamon, &butterscotch, &missing, &with_host]);

    assert_proxied(&lab, &cinnamon, "cinnamon-deployment", 5678);
    assert_eq!(cinnamon.exchange.as_ref().unwrap().response.body, "cinnamon-app\n");
    assert_proxied(&lab, &butterscotch, "butterscotch-deployment", 5678);
    assert_eq!(butterscotch.exchange.as_ref().unwrap().response.body, "butterscotch-app\n");
    let response = &cinnamon.exchange.as_ref().unwrap().response;
    assert_eq!(header(&response.headers, "server"), Some("envoy"));
    // Contour's strip_any_host_port: the backend gets Host without the NodePort.
    let forwarded = &cinnamon.proxy.as_ref().unwrap().leg.as_ref().unwrap().exchange.as_ref().unwrap().request;
    assert_eq!(header(&forwarded.headers, "host"), Some("172.16.120.63"));

    // The post's Ingress has no host, so any Host header reaches the same route.
    assert_proxied(&lab, &with_host, "cinnamon-deployment", 5678);

    // Nothing matches /caramel: Envoy answers 404 itself, with no second connection.
    let proxy = missing.proxy.as_ref().unwrap();
    assert!(proxy.decision.route().is_none());
    assert!(proxy.leg.is_none());
    let response = &missing.exchange.as_ref().unwrap().response;
    assert_eq!(response.status, 404);
    assert_eq!(header(&response.headers, "server"), Some("envoy"));
    assert_eq!(header(&response.headers, "content-length"), Some("0"));
    assert!(response.body.is_empty());
    assert!(matches!(&missing.outcome, Outcome::Answered { app, .. } if app == "envoy"));
}

#[test]
fn envoy_round_robins_over_the_backends_endpoints() {
    let text = std::fs::read_to_string(format!("{}/../static/examples/post-default.yaml", env!("CARGO_MANIFEST_DIR")))
        .unwrap()
        .replace("replicas: 1\n  selector:\n    matchLabels:\n      app: cinnamon", "replicas: 3\n  selector:\n    matchLabels:\n      app: cinnamon");
    let lab = lab_from(&text);
    let cinnamons: Vec<Ipv4Addr> = lab
        .cluster
        .pods
        .iter()
        .filter(|pod| pod.name.starts_with("cinnamon-"))
        .filter_map(|pod| pod.ip)
        .collect();
    assert_eq!(cinnamons.len(), 3);
    // Pin the client's connection to one Envoy pod (node1's via hostPort is not modelled),
    // then count which endpoint each request of that Envoy went to.
    let mut session = Session::new(3);
    let mut by_envoy: std::collections::BTreeMap<String, Vec<Ipv4Addr>> = std::collections::BTreeMap::new();
    for _ in 0..12 {
        let traced = curl(&lab, &mut session, "http://172.16.120.63:32023/cinnamon", &[]);
        let proxy = traced.proxy.unwrap();
        by_envoy.entry(proxy.host).or_default().push(proxy.upstream.unwrap().ip);
    }
    assert!(by_envoy.values().any(|picks| picks.len() >= 3), "{by_envoy:?}");
    for picks in by_envoy.values() {
        // Round robin: consecutive picks of one Envoy cycle through the sorted endpoints.
        let mut sorted = cinnamons.clone();
        sorted.sort();
        for pair in picks.windows(2) {
            let first = sorted.iter().position(|ip| *ip == pair[0]).unwrap();
            assert_eq!(pair[1], sorted[(first + 1) % sorted.len()]);
        }
    }
}

fn example(name: &str) -> Lab {
    let path = format!("{}/../static/examples/{name}", env!("CARGO_MANIFEST_DIR"));
    lab_from(&std::fs::read_to_string(path).unwrap())
}

fn answered_by(trace: &Trace) -> (String, Ipv4Addr) {
    match &trace.outcome {
        Outcome::Answered { host, seen_source, .. } => (host.clone(), seen_source.0),
        other => panic!("{}: {other}", trace.request),
    }
}

#[test]
fn load_balancer_without_provider_is_pending_and_its_node_port_works() {
    let text = std::fs::read_to_string(format!("{}/tests/trace/lb-pending/input.yaml", env!("CARGO_MANIFEST_DIR"))).unwrap();
    let (manifests, _) = manifest::parse(&text);
    let (built, diagnostics) = cluster::build(&manifests);
    let service = built.services.iter().find(|service| service.name == "sample-lb").unwrap();
    assert!(service.load_balancer_ingress.is_empty());
    let pending = diagnostics
        .iter()
        .find(|diagnostic| matches!(diagnostic.problem, engine::diagnostic::Problem::LoadBalancerPending { .. }))
        .expect("a pending diagnostic");
    let sentence = pending.problem.to_string();
    assert!(sentence.contains("<pending>") && sentence.contains("8080:31000/TCP"), "{sentence}");
    let mut shell = engine::shell::Lab::from_text(&text);
    let host = shell.host("controlplane").unwrap();
    let listing = shell.run(&host, "kubectl get svc sample-lb").stdout;
    assert!(listing.contains("<pending>") && listing.contains("8080:31000/TCP"), "{listing}");
    let lab = scenario("lb-pending");
    let mut session = Session::new(5);
    let traced = curl(&lab, &mut session, "http://172.16.120.63:31000/", &[]);
    goldens("lb-pending", &[&traced]);
    let (host, _) = answered_by(&traced);
    assert!(host.starts_with("default/web-"), "{host}");
}

#[test]
fn metallb_layer2_with_cluster_and_local_policy() {
    let lab = example("metallb-l2.yaml");
    let address = |name: &str| {
        lab.cluster
            .services
            .iter()
            .find(|service| service.name == name)
            .and_then(|service| service.load_balancer_ingress.first())
            .and_then(|ingress| ingress.ip)
            .unwrap()
    };
    // MetalLB hands out the lowest free addresses, in Service order.
    assert_eq!(address("web-cluster"), ip("172.16.120.200"));
    assert_eq!(address("web-local"), ip("172.16.120.201"));
    // eTP Local: only node2 has the pod, so only node2 may announce.
    assert_eq!(lab.l2_announcer(ip("172.16.120.201")), Some("node2"));
    let mut session = Session::new(11);
    let cluster_policy = curl(&lab, &mut session, "http://172.16.120.200:8080/", &[]);
    let local_policy = curl(&lab, &mut session, "http://172.16.120.201:8080/", &[]);
    goldens("metallb-l2", &[&cluster_policy, &local_policy]);
    let announcer = lab.l2_announcer(ip("172.16.120.200")).unwrap();
    for (traced, node) in [(&cluster_policy, announcer), (&local_policy, "node2")] {
        assert!(
            traced
                .steps
                .iter()
                .any(|step| step.host == node && matches!(step.event, Event::ProxyArp { .. })),
            "{} answers ARP",
            node
        );
        // kube-proxy's loadbalancer IP rule sends it to KUBE-EXT on the announcing node.
        assert!(traced.steps.iter().any(|step| step.host == node
            && matches!(&step.event, Event::Rule(rule) if rule.text.contains("loadbalancer IP") && rule.text.contains("KUBE-EXT-"))));
    }
    let (_, seen) = answered_by(&cluster_policy);
    assert_ne!(seen, ip("172.16.120.61"), "eTP Cluster masquerades the client");
    let (_, seen) = answered_by(&local_policy);
    assert_eq!(seen, ip("172.16.120.61"), "eTP Local keeps the client's address");
}

#[test]
fn cloud_balancer_is_a_hop_in_front_of_the_nodes() {
    let lab = example("cloud-lb.yaml");
    let targets = lab.cloud_balancer_targets(ip("203.0.113.10")).unwrap();
    assert_eq!(targets, ["node1", "node2"], "kubeadm's control plane is excluded");
    let mut session = Session::new(2);
    let traced = curl(&lab, &mut session, "http://203.0.113.10:8080/", &[]);
    goldens("cloud-lb", &[&traced]);
    let picked = traced
        .steps
        .iter()
        .find_map(|step| match &step.event {
            Event::CloudBalancer { node, .. } => Some(node.clone()),
            _ => None,
        })
        .expect("the balancer's step");
    assert!(targets.contains(&picked.as_str()));
    // No node answers ARP for the balancer's address: it is not on the nodes' LAN.
    assert!(!traced.steps.iter().any(|step| matches!(step.event, Event::ProxyArp { address, .. } if address == ip("203.0.113.10"))));
    let (host, _) = answered_by(&traced);
    assert!(host.starts_with("default/web-"));
    let reply = traced.reply.unwrap();
    assert_eq!(reply.src, ip("203.0.113.10"));
}

#[test]
fn the_examples_behave_as_their_comments_say() {
    let lab = example("ingress-hosts.yaml");
    let mut session = Session::new(4);
    let body = |trace: &Trace| trace.exchange.as_ref().map(|exchange| (exchange.response.status, exchange.response.body.clone()));
    let url = "http://172.16.120.63:32023";
    let got = curl(&lab, &mut session, &format!("{url}/"), &[("Host", "cinnamon.example.com")]);
    assert_eq!(body(&got), Some((200, "cinnamon-app\n".to_string())));
    let got = curl(&lab, &mut session, &format!("{url}/b"), &[("Host", "shop.sweets.example.com")]);
    assert_eq!(body(&got), Some((200, "butterscotch-app\n".to_string())));
    let got = curl(&lab, &mut session, &format!("{url}/b"), &[("Host", "a.b.sweets.example.com")]);
    assert_eq!(body(&got), Some((404, String::new())));
    let got = curl(&lab, &mut session, &format!("{url}/"), &[("Host", "other.example.com")]);
    assert_eq!(body(&got), Some((200, "default-backend\n".to_string())));
    let got = curl(&lab, &mut session, &format!("{url}/exact"), &[("Host", "cinnamon.example.com")]);
    assert_eq!(body(&got), Some((200, "butterscotch-app\n".to_string())), "Exact beats the shorter Prefix");
    let got = curl(&lab, &mut session, &format!("{url}/exact/"), &[("Host", "cinnamon.example.com")]);
    assert_eq!(body(&got), Some((200, "cinnamon-app\n".to_string())), "Prefix / still matches /exact/");

    let lab = example("etp-local.yaml");
    let kept = curl(&lab, &mut session, "http://172.16.120.64:31080/", &[]);
    assert_eq!(answered_by(&kept).1, ip("172.16.120.61"));
    let dropped = curl(&lab, &mut session, "http://172.16.120.63:31080/", &[]);
    assert!(matches!(dropped.outcome, Outcome::Dropped { .. }), "{}", dropped.outcome);

    let lab = example("session-affinity.yaml");
    let first = answered_by(&curl(&lab, &mut session, "http://172.16.120.63:31090/", &[])).0;
    for _ in 0..4 {
        assert_eq!(answered_by(&curl(&lab, &mut session, "http://172.16.120.63:31090/", &[])).0, first);
    }
}

#[test]
fn kubectl_shows_contours_services_as_the_post_does() {
    let text = std::fs::read_to_string(format!("{}/../static/examples/post-default.yaml", env!("CARGO_MANIFEST_DIR"))).unwrap();
    let mut shell = engine::shell::Lab::from_text(&text);
    let host = shell.host("controlplane").unwrap();
    let output = shell.run(&host, "kubectl get svc -n projectcontour");
    let lines: Vec<&str> = output.stdout.lines().collect();
    assert!(lines[0].starts_with("NAME") && lines[0].contains("EXTERNAL-IP"), "{}", output.stdout);
    assert!(lines.iter().any(|line| line.starts_with("contour ") && line.contains("ClusterIP") && line.contains("8001/TCP")));
    assert!(lines.iter().any(|line| line.starts_with("envoy ")
        && line.contains("NodePort")
        && line.contains("<none>")
        && line.contains("80:32023/TCP,443:30370/TCP")));
}

#[test]
fn spread_through_envoy_counts_the_envoy_pods() {
    let lab = post_default();
    let session = Session::new(1);
    let spread = trace::spread(&lab, &session, "client", "http://172.16.120.63:32023/cinnamon", 20);
    let text = format!("{spread:?}");
    assert!(text.contains("projectcontour/envoy-"), "{text}");
}

#[test]
fn ingress_behind_metallb_keeps_the_client_address_in_x_forwarded_for() {
    let lab = example("ingress-metallb.yaml");
    let envoy = lab.cluster.services.iter().find(|service| service.key() == "projectcontour/envoy").unwrap();
    let address = envoy.load_balancer_ingress.first().and_then(|ingress| ingress.ip).unwrap();
    assert_eq!(address, ip("172.16.120.240"), "the lowest address of the pool");
    let announcer = lab.l2_announcer(address).unwrap().to_string();
    let mut session = Session::new(9);
    let traced = curl(&lab, &mut session, "http://172.16.120.240/cinnamon", &[]);
    goldens("envoy-metallb", &[&traced]);
    assert_proxied(&lab, &traced, "cinnamon-deployment", 5678);
    let proxy = traced.proxy.as_ref().unwrap();
    // eTP Local: the announcing node's own Envoy, and no SNAT on the way to it.
    let envoy_node = lab.cluster.pods.iter().find(|pod| pod.key() == proxy.host).and_then(|pod| pod.node_name.clone());
    assert_eq!(envoy_node.as_deref(), Some(announcer.as_str()));
    assert_eq!(proxy.downstream.0, ip("172.16.120.61"));
    let forwarded = &proxy.leg.as_ref().unwrap().exchange.as_ref().unwrap().request;
    assert_eq!(header(&forwarded.headers, "x-forwarded-for"), Some("172.16.120.61"));
    assert_eq!(traced.exchange.as_ref().unwrap().response.body, "cinnamon-app\n");
}
