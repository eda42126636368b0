//! Calico Felix on top of kube-proxy: goldens of one node's full `iptables-save` and
//! `ipset list`, one folder per scenario under `tests/calico/` (regenerate with
//! `UPDATE_EXPECT=1`). Facts checked against published dumps and Felix's source are asserted
//! directly: hook order, hash comments, insert positions, natOutgoing, the tunl0 MASQUERADE rule.

// Helpers outside `#[test]` functions read fixtures; a failure there is a broken fixture.
#![allow(clippy::unwrap_used)]

use std::net::Ipv4Addr;

use engine::calico;
use engine::cluster::{self, Cluster};
use engine::kubeproxy;
use engine::manifest;
use engine::netfilter::{self, ChainName, Hook, Ruleset, SaveOptions, Table};
use expect_test::expect_file;

const DATE: &str = "Thu Nov 26 16:20:01 2026";

fn build(text: &str) -> Cluster {
    let (manifests, _) = manifest::parse(text);
    let (cluster, _) = cluster::build(&manifests);
    cluster
}

fn seed() -> Cluster {
    build(include_str!("calico/seed-nodeport/input.yaml"))
}

/// kube-proxy's ruleset for the node with Felix's applied on top, as on a real node.
fn node_ruleset(cluster: &Cluster, node: &str) -> Ruleset {
    let mut ruleset = kubeproxy::generate(cluster, node);
    calico::apply(cluster, node, &mut ruleset);
    ruleset
}

fn rules(ruleset: &Ruleset, table: Table, chain: &str) -> Vec<String> {
    let name = ChainName::from_trusted(chain);
    ruleset.table(table).unwrap().chain(&name).unwrap().rules.iter().map(|rule| rule.to_string()).collect()
}

fn first_node(cluster: &Cluster) -> String {
    cluster.nodes.iter().find(|node| !node.control_plane).unwrap_or(&cluster.nodes[0]).name.clone()
}

#[test]
fn seed_node_iptables_save_golden() {
    let cluster = seed();
    let node = first_node(&cluster);
    let ruleset = node_ruleset(&cluster, &node);
    let text = netfilter::save(&ruleset, &SaveOptions::new(DATE));
    expect_file!["calico/seed-nodeport/iptables-save.txt"].assert_eq(&text);
    let sets = calico::ip_sets(&cluster, &node);
    expect_file!["calico/seed-nodeport/ipset-list.txt"].assert_eq(&sets.list(&ruleset));
}

#[test]
fn vxlan_node_with_many_pods_golden() {
    let cluster = build(include_str!("calico/vxlan-many-pods/input.yaml"));
    let node = first_node(&cluster);
    let ruleset = node_ruleset(&cluster, &node);
    let text = netfilter::save(&ruleset, &SaveOptions::new(DATE));
    expect_file!["calico/vxlan-many-pods/iptables-save.txt"].assert_eq(&text);
    let sets = calico::ip_sets(&cluster, &node);
    expect_file!["calico/vxlan-many-pods/ipset-list.txt"].assert_eq(&sets.list(&ruleset));
    // No natOutgoing pool: the chain exists (cali-POSTROUTING jumps to it) but is empty.
    assert!(rules(&ruleset, Table::Nat, "cali-nat-outgoing").is_empty());
    // VXLAN, not IPIP: the IPIP rules are gone and the VXLAN ones guard INPUT.
    let input = rules(&ruleset, Table::Filter, "cali-INPUT");
    assert!(input[0].contains("Allow IPv4 VXLAN packets from allowed hosts"));
    assert!(!input.iter().any(|rule| rule.contains("ipencap")));
    assert!(netfilter::check::check_jumps(&ruleset).is_empty());
    let parsed = netfilter::parse(&text);
    assert!(parsed.errors.is_empty(), "{:?}", parsed.errors);
    assert_eq!(parsed.ruleset, ruleset);
}

#[test]
fn an_unknown_node_gets_the_static_chains_only() {
    let cluster = seed();
    let mut ruleset = Ruleset::new();
    calico::apply(&cluster, "no-such-node", &mut ruleset);
    let filter = ruleset.table(Table::Filter).unwrap();
    assert!(filter.has_chain(&ChainName::from_trusted("cali-FORWARD")));
    assert!(!filter.chains().iter().any(|chain| chain.name().as_str().starts_with("cali-tw-")));
    // Without a tunnel address there is no tunl0 MASQUERADE rule.
    assert_eq!(rules(&ruleset, Table::Nat, "cali-POSTROUTING").len(), 2);
}

#[test]
fn save_parses_back_to_the_same_ruleset() {
    let cluster = seed();
    let node = first_node(&cluster);
    let ruleset = node_ruleset(&cluster, &node);
    let text = netfilter::save(&ruleset, &SaveOptions::new(DATE));
    let parsed = netfilter::parse(&text);
    assert!(parsed.errors.is_empty(), "{:?}", parsed.errors);
    assert_eq!(netfilter::save(&parsed.ruleset, &SaveOptions::new(DATE)), text);
    assert_eq!(parsed.ruleset, ruleset);
}

#[test]
fn every_jump_lands_and_every_target_is_placed_legally() {
    let cluster = seed();
    for node in cluster.nodes.iter().map(|node| node.name.clone()) {
        let ruleset = node_ruleset(&cluster, &node);
        let jumps = netfilter::check::check_jumps(&ruleset);
        assert!(jumps.is_empty(), "{node}: {jumps:?}");
        let placement = netfilter::check::check_placement(&ruleset);
        assert!(placement.is_empty(), "{node}: {placement:?}");
    }
}

#[test]
fn felix_hooks_come_first_with_their_published_hashes() {
    // Reference §1.12: Felix inserts at position 1, ahead of kube-proxy's jumps.
    let cluster = seed();
    let node = first_node(&cluster);
    let ruleset = node_ruleset(&cluster, &node);
    let first = |table: Table, hook: Hook| rules(&ruleset, table, hook.name()).remove(0);
    assert_eq!(
        first(Table::Nat, Hook::PreRouting),
        r#"-m comment --comment "cali:6gwbT8clXdHdC1b1" -j cali-PREROUTING"#
    );
    assert_eq!(
        first(Table::Raw, Hook::PreRouting),
        r#"-m comment --comment "cali:6gwbT8clXdHdC1b1" -j cali-PREROUTING"#
    );
    assert_eq!(
        first(Table::Nat, Hook::PostRouting),
        r#"-m comment --comment "cali:O3lYWMrLQYEMJtB5" -j cali-POSTROUTING"#
    );
    assert_eq!(first(Table::Nat, Hook::Output), r#"-m comment --comment "cali:tVnHkvAo15HuiPy0" -j cali-OUTPUT"#);
    assert_eq!(first(Table::Filter, Hook::Input), r#"-m comment --comment "cali:Cz_u1IQiXIMmKD4c" -j cali-INPUT"#);
    assert_eq!(first(Table::Filter, Hook::Forward), r#"-m comment --comment "cali:wUHhoiAYhphO9Mso" -j cali-FORWARD"#);
    assert_eq!(first(Table::Filter, Hook::Output), r#"-m comment --comment "cali:tVnHkvAo15HuiPy0" -j cali-OUTPUT"#);
    assert_eq!(
        first(Table::Mangle, Hook::PreRouting),
        r#"-m comment --comment "cali:6gwbT8clXdHdC1b1" -j cali-PREROUTING"#
    );

    // kube-proxy's jumps follow directly.
    assert!(rules(&ruleset, Table::Nat, "PREROUTING")[1].ends_with("-j KUBE-SERVICES"));
    assert!(rules(&ruleset, Table::Nat, "POSTROUTING")[1].ends_with("-j KUBE-POSTROUTING"));

    // The two FORWARD appends close the chain (felix#2606 shows the first one's hash).
    let forward = rules(&ruleset, Table::Filter, "FORWARD");
    let n = forward.len();
    assert_eq!(
        forward[n - 2],
        r#"-m comment --comment "cali:S93hcgKJrXEqnTfs" -m comment --comment "Policy explicitly accepted packet." -m mark --mark 0x10000/0x10000 -j ACCEPT"#
    );
    assert!(forward[n - 1].ends_with("-j MARK --set-xmark 0x10000/0x10000"));
}

#[test]
fn nat_outgoing_and_the_tunl0_masquerade() {
    // Reference §1.10, with --random-fully (the cluster's iptables supports it).
    let cluster = seed();
    let node = first_node(&cluster);
    let ruleset = node_ruleset(&cluster, &node);
    assert_eq!(
        rules(&ruleset, Table::Nat, "cali-nat-outgoing"),
        [
            r#"-m comment --comment "cali:flqWnvo8yq4ULQLa" -m set --match-set cali40masq-ipam-pools src -m set ! --match-set cali40all-ipam-pools dst -j MASQUERADE --random-fully"#
        ]
    );
    let postrouting = rules(&ruleset, Table::Nat, "cali-POSTROUTING");
    assert_eq!(postrouting.len(), 3);
    assert!(postrouting[0].ends_with("-j cali-fip-snat"));
    assert!(postrouting[1].ends_with("-j cali-nat-outgoing"));
    assert!(postrouting[2].starts_with("-o tunl0 -m comment"));
    assert!(postrouting[2].ends_with(
        "-m addrtype ! --src-type LOCAL --limit-iface-out -m addrtype --src-type LOCAL -j MASQUERADE --random-fully"
    ));
}

#[test]
fn without_nat_outgoing_the_chain_is_empty_and_without_random_fully_the_published_hash_returns() {
    let mut cluster = seed();
    for pool in &mut cluster.ip_pools {
        pool.nat_outgoing = false;
    }
    cluster.kube_proxy.random_fully = false;
    let node = first_node(&cluster);
    let mut ruleset = Ruleset::new();
    calico::apply(&cluster, &node, &mut ruleset);
    assert!(rules(&ruleset, Table::Nat, "cali-nat-outgoing").is_empty());
    // Reference §1.12: the tunl0 rule without --random-fully was published as JHlpT-eSqR1TvyYm.
    assert_eq!(
        rules(&ruleset, Table::Nat, "cali-POSTROUTING")[2],
        r#"-o tunl0 -m comment --comment "cali:JHlpT-eSqR1TvyYm" -m addrtype ! --src-type LOCAL --limit-iface-out -m addrtype --src-type LOCAL -j MASQUERADE"#
    );
}

#[test]
fn applying_twice_changes_nothing() {
    let cluster = seed();
    let node = first_node(&cluster);
    let once = node_ruleset(&cluster, &node);
    let mut twice = once.clone();
    calico::apply(&cluster, &node, &mut twice);
    assert_eq!(once, twice);
}

#[test]
fn local_pods_get_endpoint_chains_and_dispatch_rules() {
    let cluster = seed();
    let node = first_node(&cluster);
    let ruleset = node_ruleset(&cluster, &node);
    let local: Vec<&cluster::Pod> = cluster
        .pods
        .iter()
        .filter(|pod| pod.node_name.as_deref() == Some(node.as_str()) && !pod.host_network)
        .collect();
    assert!(!local.is_empty());
    let filter = ruleset.table(Table::Filter).unwrap();
    for pod in &local {
        let interface = pod.interface.clone().unwrap();
        for prefix in ["cali-tw-", "cali-fw-"] {
            assert!(filter.has_chain(&ChainName::from_trusted(format!("{prefix}{interface}"))), "{prefix}{interface}");
        }
        assert!(filter.has_chain(&ChainName::from_trusted(format!("cali-pri-kns.{}", pod.namespace))));
    }
    // Pods of other nodes have no chains here.
    for pod in cluster.pods.iter().filter(|pod| pod.node_name.as_deref() != Some(node.as_str())) {
        if let Some(interface) = &pod.interface {
            assert!(!filter.has_chain(&ChainName::from_trusted(format!("cali-tw-{interface}"))));
        }
    }
    // With no host endpoints Felix never references the failsafe chains, so it does not program them.
    assert!(!filter.has_chain(&ChainName::from_trusted("cali-failsafe-in")));
}

#[test]
fn ip_sets_hold_pools_and_node_addresses() {
    let cluster = seed();
    let node = first_node(&cluster);
    let sets = calico::ip_sets(&cluster, &node);
    let all = sets.get("cali40all-ipam-pools").unwrap();
    let masq = sets.get("cali40masq-ipam-pools").unwrap();
    let hosts = sets.get("cali40all-hosts-net").unwrap();
    let pod_ip = Ipv4Addr::new(192, 168, 231, 166);
    assert!(all.contains(pod_ip));
    assert!(masq.contains(pod_ip));
    assert!(!all.contains(Ipv4Addr::new(8, 8, 8, 8)));
    for node in &cluster.nodes {
        assert!(hosts.contains(node.internal_ip));
    }
    // The post's client is not a Calico host: its IPIP would be dropped by cali-INPUT.
    assert!(!hosts.contains(Ipv4Addr::new(172, 16, 120, 61)));
}
