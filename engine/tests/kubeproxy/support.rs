//! Builders mirroring upstream's `makeTestService` / `makeTestEndpointSlice` helpers
//! (proxier_test.go), and the comparison of a generated sync with an upstream golden.

use std::net::Ipv4Addr;

use engine::cluster::{
    Endpoint, EndpointPort, EndpointSlice, LoadBalancerIngress, Service, ServicePort, ServiceType, TargetPort,
};
use engine::kubeproxy::sync::RestoreData;
use engine::net::{Cidr, Protocol};
use engine::netfilter::{ChainName, Rule, Ruleset, Table, TableRules, parse, parse_spec};

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

/// Upstream's `assertIPTablesRulesEqual` as values: the expected dump and the generated
/// restore input are both read into netfilter tables (the expected text with the netfilter
/// parser) and compared: the same tables, the same chains, every chain's rules in order.
/// Quoting, `/32`, mark spellings and option order do not matter; every match does. (Upstream
/// goldens are sorted by `sortIPTablesRules`, which only reorders chains and sorts
/// KUBE-SERVICES / KUBE-NODEPORTS by service name; the generator's order agrees with that.)
pub fn assert_restore_matches(expected_text: &str, restore: &RestoreData) {
    let parsed = parse(expected_text);
    assert!(parsed.errors.is_empty(), "expected dump does not parse: {:?}", parsed.errors);
    let expected = parsed.ruleset;
    let generated = restore.to_ruleset();
    for table in [Table::Filter, Table::Nat] {
        let want = expected.table(table).expect("table in the expected dump");
        let have = generated.table(table).expect("generated table");
        let names = |t: &TableRules| t.chains().iter().map(|c| c.name().as_str().to_string()).collect::<Vec<_>>();
        assert_eq!(names(have), names(want), "chains of table {table}");
        for chain in want.chains() {
            let have_rules = &have.chain(chain.name()).expect("chain").rules;
            assert_eq!(render(chain.name(), have_rules), render(chain.name(), &chain.rules), "rules of {table} {}", chain.name());
            assert_eq!(have_rules, &chain.rules, "typed rules of {table} {}", chain.name());
        }
    }
    assert_eq!(generated.tables().count(), expected.tables().count(), "tables");
}

fn render(chain: &ChainName, rules: &[Rule]) -> String {
    rules.iter().map(|r| format!("-A {chain} {r}")).collect::<Vec<_>>().join("\n")
}

fn table_of(name: &str) -> Table {
    Table::parse(name).expect("table name")
}

/// The rules `restore` writes into `table`/`chain`, in order.
pub fn chain_rules(restore: &RestoreData, table: &str, chain: &str) -> Vec<Rule> {
    let data = if table_of(table) == Table::Filter { &restore.filter } else { &restore.nat };
    data.rules.iter().filter(|(name, _)| name.as_str() == chain).map(|(_, rule)| rule.clone()).collect()
}

/// Reads restore-form `-A CHAIN ...` lines of `table` with the netfilter parser (as
/// `iptables -S` output, with a `-N` line for each chain they use).
fn parse_lines(table: Table, lines: &str) -> Ruleset {
    let mut text = String::new();
    let mut declared: Vec<&str> = Vec::new();
    for line in lines.lines() {
        let words: Vec<&str> = line.split(' ').collect();
        let jumped = words.windows(2).filter(|w| w[0] == "-j" && w[1].starts_with("KUBE-")).map(|w| w[1]);
        for name in words.get(1).copied().into_iter().chain(jumped) {
            if !declared.contains(&name) {
                declared.push(name);
                text.push_str(&format!("-N {name}\n"));
            }
        }
    }
    text.push_str(lines);
    let parsed = parse_spec(table, &text);
    assert!(parsed.errors.is_empty(), "lines do not parse: {:?}", parsed.errors);
    parsed.ruleset
}

/// Upstream's `assertIPTablesChainEqual`: one chain's rules against restore-form lines
/// (`-A CHAIN ...`, one per line).
pub fn assert_chain_matches(restore: &RestoreData, table: &str, chain: &str, expected_lines: &str) {
    let trimmed: String = expected_lines.lines().map(str::trim).filter(|l| !l.is_empty()).map(|l| format!("{l}\n")).collect();
    let parsed = parse_lines(table_of(table), &trimmed);
    let name = ChainName::from_trusted(chain);
    let want = parsed.table(table_of(table)).and_then(|t| t.chain(&name)).map(|c| c.rules.clone()).unwrap_or_default();
    let have = chain_rules(restore, table, chain);
    assert_eq!(render(&name, &have), render(&name, &want), "rules of {table} {chain}");
    assert_eq!(have, want, "typed rules of {table} {chain}");
}

/// Parses one restore-form `-A CHAIN ...` line (nat or filter: the rule is the same value).
pub fn restore_line(line: &str) -> (String, Rule) {
    let parsed = parse_lines(Table::Nat, &format!("{}\n", line.trim()));
    let table = parsed.table(Table::Nat).expect("nat");
    let chain = table.chains().iter().find(|c| !c.rules.is_empty()).expect("a rule");
    (chain.name().as_str().to_string(), chain.rules[0].clone())
}
