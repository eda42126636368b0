//! Builders mirroring upstream's `makeTestService` / `makeTestEndpointSlice` helpers
//! (proxier_test.go), and the comparison of a generated sync with an upstream golden.

use std::collections::BTreeMap;
use std::net::Ipv4Addr;

use engine::cluster::{
    Endpoint, EndpointPort, EndpointSlice, LoadBalancerIngress, Service, ServicePort, ServiceType, TargetPort,
};
use engine::kubeproxy::sync::RestoreData;
use engine::net::{Cidr, Protocol};
use engine::netfilter::Rule;

use super::restore::{RestoreTableText, parse_restore};

pub fn ip(text: &str) -> Ipv4Addr {
    text.parse().unwrap()
}

pub fn cidr(text: &str) -> Cidr {
    Cidr::parse_strict(text.trim()).unwrap()
}

/// `makeTestService(ns, name, func)`: an empty Service the closure fills in.
pub fn make_service(namespace: &str, name: &str, fill: impl FnOnce(&mut Service)) -> Service {
    let mut service = Service { namespace: namespace.into(), name: name.into(), ..Service::default() };
    fill(&mut service);
    service
}

/// `v1.ServicePort{Name, Port, Protocol, NodePort}` (targetPort as the port, as the API defaults it).
pub fn service_port(name: &str, protocol: Protocol, port: u16, node_port: u16) -> ServicePort {
    ServicePort {
        name: (!name.is_empty()).then(|| name.to_string()),
        protocol,
        port,
        target_port: TargetPort::Number(port),
        node_port: (node_port != 0).then_some(node_port),
    }
}

/// `status.loadBalancer.ingress[]` entries with plain IPs.
pub fn ingress(ips: &[&str]) -> Vec<LoadBalancerIngress> {
    ips.iter().map(|text| LoadBalancerIngress { ip: Some(ip(text)), hostname: None, ip_mode: None }).collect()
}

pub fn set_type(service: &mut Service, service_type: ServiceType) {
    service.service_type = service_type;
}

/// `makeTestEndpointSlice(ns, name, sliceNum, func)`: IPv4 slice `name-N` for Service `name`.
pub fn make_slice(namespace: &str, service: &str, number: u32, endpoints: Vec<Endpoint>, ports: Vec<EndpointPort>) -> EndpointSlice {
    EndpointSlice {
        namespace: namespace.into(),
        name: format!("{service}-{number}"),
        service_name: service.into(),
        address_type: "IPv4".into(),
        endpoints,
        ports,
        managed_by_lab: false,
    }
}

/// `discovery.Endpoint{Addresses: [ip], NodeName: node}` with unset conditions.
pub fn endpoint(address: &str, node: Option<&str>) -> Endpoint {
    Endpoint { addresses: vec![ip(address)], node_name: node.map(str::to_string), ..Endpoint::default() }
}

/// An endpoint with explicit `ready`/`serving`/`terminating` conditions.
pub fn endpoint_with(address: &str, node: Option<&str>, ready: bool, serving: bool, terminating: bool) -> Endpoint {
    Endpoint {
        ready: Some(ready),
        serving: Some(serving),
        terminating: Some(terminating),
        ..endpoint(address, node)
    }
}

/// `discovery.EndpointPort{Name: &name, Port: &port, Protocol: &protocol}`.
pub fn slice_port(name: &str, protocol: Protocol, port: u16) -> EndpointPort {
    EndpointPort { name: Some(name.to_string()), port: Some(port), protocol }
}

fn generated_table(restore: &RestoreData, table: &str) -> RestoreTableText {
    let data = match table {
        "filter" => &restore.filter,
        "nat" => &restore.nat,
        other => panic!("unexpected table {other}"),
    };
    let mut rules: BTreeMap<String, Vec<Rule>> = BTreeMap::new();
    for (chain, rule) in &data.rules {
        rules.entry(chain.as_str().to_string()).or_default().push(rule.clone());
    }
    RestoreTableText { declared: data.chains.iter().map(|c| c.as_str().to_string()).collect(), rules, deleted: vec![] }
}

/// Upstream's `assertIPTablesRulesEqual` as values: the same tables, the same set of declared
/// chains, and in every chain the same rules in the same order. (Upstream goldens are sorted by
/// `sortIPTablesRules`, which only reorders chains and sorts KUBE-SERVICES / KUBE-NODEPORTS by
/// service name; the generator's service order agrees with that sort.)
pub fn assert_restore_matches(expected_text: &str, restore: &RestoreData) {
    let expected = parse_restore(expected_text);
    assert_eq!(expected.keys().collect::<Vec<_>>(), ["filter", "nat"], "tables");
    for (name, expected_table) in &expected {
        let got = generated_table(restore, name);
        let mut expected_chains = expected_table.declared.clone();
        expected_chains.sort();
        let mut got_chains = got.declared.clone();
        got_chains.sort();
        assert_eq!(got_chains, expected_chains, "declared chains of table {name}");
        for chain in &expected_chains {
            let want = expected_table.rules.get(chain).cloned().unwrap_or_default();
            let have = got.rules.get(chain).cloned().unwrap_or_default();
            let render = |rules: &[Rule]| rules.iter().map(|r| format!("-A {chain} {r}")).collect::<Vec<_>>().join("\n");
            assert_eq!(render(&have), render(&want), "rules of {name} {chain}");
            assert_eq!(have, want, "typed rules of {name} {chain}");
        }
        assert_eq!(got.rules.keys().filter(|c| !expected_chains.contains(c)).count(), 0, "rules in undeclared chains");
        assert!(expected_table.deleted.is_empty(), "full syncs from scratch delete nothing");
    }
}

/// The rules `restore` writes into `table`/`chain`, in order.
pub fn chain_rules(restore: &RestoreData, table: &str, chain: &str) -> Vec<Rule> {
    generated_table(restore, table).rules.remove(chain).unwrap_or_default()
}

/// Upstream's `assertIPTablesChainEqual`: one chain's rules against restore-form lines
/// (`-A CHAIN ...`, one per line).
pub fn assert_chain_matches(restore: &RestoreData, table: &str, chain: &str, expected_lines: &str) {
    let want: Vec<Rule> = expected_lines
        .lines()
        .map(str::trim)
        .filter(|line| !line.is_empty())
        .map(|line| {
            let words = super::restore::words(line);
            assert_eq!(words.get(1).map(String::as_str), Some(chain), "line {line} is not for {chain}");
            super::restore::parse_rule(&words[2..])
        })
        .collect();
    let have = chain_rules(restore, table, chain);
    let render = |rules: &[Rule]| rules.iter().map(|r| format!("-A {chain} {r}")).collect::<Vec<_>>().join("\n");
    assert_eq!(render(&have), render(&want), "rules of {table} {chain}");
    assert_eq!(have, want, "typed rules of {table} {chain}");
}

/// Parses one restore-form `-A CHAIN ...` line.
pub fn restore_line(line: &str) -> (String, Rule) {
    let words = super::restore::words(line);
    (words[1].clone(), super::restore::parse_rule(&words[2..]))
}
