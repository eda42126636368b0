//! Upstream goldens: kube-proxy's own `pkg/proxy/iptables/proxier_test.go` cases, inputs
//! rebuilt one to one with the `NewFakeProxier` settings, expected dumps stored verbatim in
//! `tests/kubeproxy/upstream/<case>/expected.txt` (see the README there).

use engine::cluster::{ServiceType, TrafficPolicy};
use engine::kubeproxy::{ProxierInput, sync_proxy_rules};
use engine::net::Protocol::Tcp;
use engine::netfilter::{Rule, Target};

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

/// `TestDropInvalidRule`: the INVALID drop rule depends on `be_liberal` and the nfacct counter.
#[test]
fn drop_invalid_rule() {
    let forward_tail = r#"
        -A KUBE-FORWARD -m comment --comment "kubernetes forwarding rules" -m mark --mark 0x4000/0x4000 -j ACCEPT
        -A KUBE-FORWARD -m comment --comment "kubernetes forwarding conntrack rule" -m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT
    "#;
    for (nfacct, be_liberal, drop_rule) in [
        (false, false, "-A KUBE-FORWARD -m conntrack --ctstate INVALID -j DROP"),
        (true, false, "-A KUBE-FORWARD -m conntrack --ctstate INVALID -m nfacct --nfacct-name ct_state_invalid_dropped_pkts -j DROP"),
        (false, true, ""),
    ] {
        let mut input = ProxierInput::upstream_fake(&[], &[]);
        input.config.nfacct = nfacct;
        input.config.conntrack_tcp_be_liberal = be_liberal;
        assert_chain_matches(&sync_proxy_rules(&input), "filter", "KUBE-FORWARD", &format!("{drop_rule}\n{forward_tail}"));
    }
}

/// `TestMasqueradeRule`: `--random-fully` when iptables supports it.
#[test]
fn masquerade_rule() {
    for random_fully in [false, true] {
        let mut input = ProxierInput::upstream_fake(&[], &[]);
        input.config.random_fully = random_fully;
        let suffix = if random_fully { " --random-fully" } else { "" };
        let expected = format!(
            r#"
            -A KUBE-POSTROUTING -m mark ! --mark 0x4000/0x4000 -j RETURN
            -A KUBE-POSTROUTING -j MARK --xor-mark 0x4000
            -A KUBE-POSTROUTING -m comment --comment "kubernetes service traffic requiring SNAT" -j MASQUERADE{suffix}
            "#
        );
        assert_chain_matches(&sync_proxy_rules(&input), "nat", "KUBE-POSTROUTING", &expected);
    }
}

/// `TestNodePorts` (IPv4 cases): KUBE-FIREWALL is filled exactly when localhost NodePorts are
/// on. The KUBE-SERVICES tail rules follow `--nodeport-addresses` (reference §5.4; upstream
/// checks them with packet flows: the alternate node IP 192.168.1.2 only answers when allowed).
#[test]
fn node_ports_firewall_and_tail_rules() {
    let services = vec![make_service("ns1", "svc1", |svc| {
        set_type(svc, ServiceType::NodePort);
        svc.cluster_ip = Some(ip("172.30.0.41"));
        svc.ports = vec![service_port("p80", Tcp, 80, 3001)];
    })];
    let slices = vec![make_slice(
        "ns1",
        "svc1",
        1,
        vec![endpoint("10.180.0.1", None), endpoint("10.180.2.1", Some("test-node"))],
        vec![slice_port("p80", Tcp, 80)],
    )];
    let tail = |destination: &str| {
        format!(r#"-A KUBE-SERVICES -m comment --comment "kubernetes service nodeports; NOTE: this must be the last rule in this chain" {destination} -j KUBE-NODEPORTS"#)
    };
    let firewall = r#"-A KUBE-FIREWALL -m comment --comment "block incoming localnet connections" -d 127.0.0.0/8 ! -s 127.0.0.0/8 -m conntrack ! --ctstate RELATED,ESTABLISHED,DNAT -j DROP"#;
    /// (name, localhostNodePorts, nodePortAddresses, KUBE-FIREWALL filled, tail rules)
    type Case<'a> = (&'a str, bool, &'a [&'a str], bool, Vec<String>);
    let cases: [Case; 4] = [
        ("localhost-nodeports enabled", true, &[], true, vec![tail("-m addrtype --dst-type LOCAL")]),
        ("localhost-nodeports disabled", false, &[], false, vec![tail("-m addrtype --dst-type LOCAL ! -d 127.0.0.0/8")]),
        (
            "localhost-nodeports disabled, localhost in nodeport-addresses",
            false,
            &["192.168.0.0/24", "127.0.0.1/32"],
            false,
            vec![tail("-d 192.168.0.2")],
        ),
        (
            "multiple nodeport-addresses",
            false,
            &["192.168.0.0/24", "192.168.1.0/24"],
            false,
            vec![tail("-d 192.168.0.2"), tail("-d 192.168.1.2")],
        ),
    ];
    for (name, localhost_node_ports, addresses, expect_firewall, tails) in cases {
        let mut input = ProxierInput::upstream_fake(&services, &slices);
        input.config.localhost_node_ports = localhost_node_ports;
        if !addresses.is_empty() {
            let cidrs: Vec<_> = addresses.iter().map(|text| cidr(text)).collect();
            input.config.node_port_addresses = engine::kubeproxy::config::NodePortAddresses::new(&cidrs);
        }
        let restore = sync_proxy_rules(&input);
        let expected_firewall = if expect_firewall { firewall } else { "" };
        assert_chain_matches(&restore, "filter", "KUBE-FIREWALL", expected_firewall);
        assert_eq!(
            restore.filter.chains.iter().any(|c| c.as_str() == "KUBE-FIREWALL"),
            expect_firewall,
            "{name}: KUBE-FIREWALL declared"
        );
        let services_rules = chain_rules(&restore, "nat", "KUBE-SERVICES");
        let got_tail = &services_rules[services_rules.len() - tails.len()..];
        let want_tail: Vec<_> = tails.iter().map(|line| restore_line(line).1).collect();
        assert_eq!(got_tail, want_tail.as_slice(), "{name}: tail rules");
    }
}

/// `TestLoadBalancerIngressRouteTypeProxy` (LoadBalancerIPMode enabled, GA in 1.32): an
/// `ipMode: Proxy` ingress IP gets no KUBE-SERVICES rule; `VIP` and unset do.
#[test]
fn load_balancer_ingress_ip_mode_proxy() {
    for (cluster_ip, lb_ip, ip_mode, expect_rule) in [
        ("10.20.30.41", "1.2.3.4", Some("Proxy"), false),
        ("10.20.30.42", "1.2.3.5", Some("VIP"), true),
        ("10.20.30.43", "1.2.3.6", None, true),
    ] {
        let services = vec![make_service("ns1", "svc1", |svc| {
            set_type(svc, ServiceType::LoadBalancer);
            svc.cluster_ip = Some(ip(cluster_ip));
            svc.ports = vec![service_port("p80", Tcp, 80, 3001)];
            svc.load_balancer_ingress = vec![engine::cluster::LoadBalancerIngress {
                ip: Some(ip(lb_ip)),
                hostname: None,
                ip_mode: ip_mode.map(str::to_string),
            }];
        })];
        let slices = vec![make_slice("ns1", "svc1", 1, vec![endpoint("10.180.0.1", None)], vec![slice_port("p80", Tcp, 80)])];
        let restore = sync_proxy_rules(&ProxierInput::upstream_fake(&services, &slices));
        let rule_exists = chain_rules(&restore, "nat", "KUBE-SERVICES")
            .iter()
            .any(|rule| rule.destination.as_ref().is_some_and(|d| d.value == cidr(lb_ip)));
        assert_eq!(rule_exists, expect_rule, "{lb_ip} with ipMode {ip_mode:?}");
    }
}

/// `TestSyncProxyRulesLargeClusterMode`, the parts that a full sync shows: below the threshold
/// every KUBE-SEP DNAT rule has its comment; above it (1001 endpoints) none has, and the
/// upstream check lines come out exactly. (Upstream's partial-sync and stale-chain steps are
/// not modelled: every sync here is a full one.)
#[test]
fn sync_proxy_rules_large_cluster_mode() {
    let services = vec![
        make_service("ns1", "svc1", |svc| {
            svc.cluster_ip = Some(ip("172.30.0.41"));
            svc.ports = vec![service_port("p80", Tcp, 80, 0)];
        }),
        make_service("ns2", "svc2", |svc| {
            svc.cluster_ip = Some(ip("172.30.0.42"));
            svc.ports = vec![service_port("p8080", Tcp, 8080, 0)];
        }),
        make_service("ns3", "svc3", |svc| {
            svc.cluster_ip = Some(ip("172.30.0.43"));
            svc.ports = vec![service_port("p8081", Tcp, 8081, 0)];
        }),
        make_service("ns4", "svc4", |svc| {
            svc.cluster_ip = Some(ip("172.30.0.44"));
            svc.ports = vec![service_port("p8082", Tcp, 8082, 0)];
        }),
    ];
    // largeClusterEndpointsThreshold/2 - 1 endpoints each, addresses "10.N.(i%256).(i/256)".
    let many = |second: u8| -> Vec<engine::cluster::Endpoint> {
        (0..499u32).map(|i| endpoint(&format!("10.{second}.{}.{}", i % 256, i / 256), None)).collect()
    };
    let mut slices = vec![
        make_slice("ns1", "svc1", 1, many(0), vec![slice_port("p80", Tcp, 80)]),
        make_slice("ns2", "svc2", 1, many(1), vec![slice_port("p8080", Tcp, 8080)]),
    ];
    let dnat_rules = |restore: &engine::kubeproxy::RestoreData| -> Vec<(String, Rule)> {
        restore
            .nat
            .rules
            .iter()
            .filter(|(chain, rule)| chain.as_str().starts_with("KUBE-SEP-") && matches!(rule.target, Some(Target::Dnat(_))))
            .map(|(chain, rule)| (chain.as_str().to_string(), rule.clone()))
            .collect()
    };

    let large = |slices: &[engine::cluster::EndpointSlice]| {
        let mut input = ProxierInput::upstream_fake(&services, slices);
        input.config.masquerade_all = true;
        sync_proxy_rules(&input)
    };
    let restore = large(&slices);
    assert!(!restore.large_cluster_mode);
    let dnat = dnat_rules(&restore);
    assert_eq!(dnat.len(), 998);
    assert!(dnat.iter().all(|(_, rule)| rule.comment().is_some()));
    let first = restore_line("-A KUBE-SEP-DKGQUZGBKLTPAR56 -m comment --comment ns1/svc1:p80 -m tcp -p tcp -j DNAT --to-destination 10.0.0.0:80");
    assert!(dnat.contains(&first));

    slices.push(make_slice(
        "ns3",
        "svc3",
        1,
        vec![endpoint("203.0.113.4", None), endpoint("203.0.113.8", None), endpoint("203.0.113.12", None)],
        vec![slice_port("p8081", Tcp, 8081)],
    ));
    let restore = large(&slices);
    assert!(restore.large_cluster_mode);
    let dnat = dnat_rules(&restore);
    assert_eq!(dnat.len(), 1001);
    assert!(dnat.iter().all(|(_, rule)| rule.comment().is_none()));
    for line in [
        "-A KUBE-SEP-RUVVH7YV3PHQBDOS -m tcp -p tcp -j DNAT --to-destination 203.0.113.4:8081",
        "-A KUBE-SEP-DKGQUZGBKLTPAR56 -m tcp -p tcp -j DNAT --to-destination 10.0.0.0:80",
    ] {
        assert!(dnat.contains(&restore_line(line)), "{line}");
    }
    // SVC -> SEP rules lose their comments too; the ClusterIP rules keep theirs.
    let svc3_chain = format!("KUBE-SVC-{}", engine::kubeproxy::hash::port_proto_hash("ns3/svc3:p8081", "tcp"));
    let svc3 = chain_rules(&restore, "nat", &svc3_chain);
    assert_eq!(svc3.len(), 4);
    assert_eq!(svc3.iter().filter(|rule| rule.comment().is_some()).count(), 1);
    // Upstream runs this test with `fp.masqueradeAll = true`: no `! -s` on the ClusterIP rule.
    let masquerade_all = restore_line(
        r#"-A KUBE-SVC-X -m comment --comment "ns3/svc3:p8081 cluster IP" -m tcp -p tcp -d 172.30.0.43 --dport 8081 -j KUBE-MARK-MASQ"#,
    );
    assert_eq!(svc3[0], masquerade_all.1);

    slices.push(make_slice("ns4", "svc4", 1, vec![endpoint("10.4.0.1", None)], vec![slice_port("p8082", Tcp, 8082)]));
    let restore = large(&slices);
    let dnat = dnat_rules(&restore);
    let svc4 = restore_line("-A KUBE-SEP-SU5STNODRYEWJAUF -m tcp -p tcp -j DNAT --to-destination 10.4.0.1:8082");
    assert!(dnat.contains(&svc4));
    // Upstream later deletes svc4 and expects `-X KUBE-SVC-EBDQOQU5SJFXRIL3`: its chain name.
    assert!(restore.nat.chains.iter().any(|c| c.as_str() == "KUBE-SVC-EBDQOQU5SJFXRIL3"));
}
