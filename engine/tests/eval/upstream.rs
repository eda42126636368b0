//! kube-proxy's own packet-flow expectations, evaluated with the real kernel semantics.
//!
//! The rules are `TestOverallIPTablesRules`' expected restore data (the kubeproxy branch's
//! fixture, engine/tests/kubeproxy/upstream/overall_iptables_rules/expected.txt) loaded with
//! `iptables-restore --noflush` on top of the built-in chain jumps (tests/eval/upstream/
//! jumps.save.txt). The cases are `TestTracePacket` in pkg/proxy/iptables/proxier_test.go,
//! which traces the same rules; the last two come from pkg/proxy/nftables' `TestTracePacket`,
//! whose services are the same. Upstream's tracer is simplified: it follows every
//! probabilistic branch, treats `recent`, mark and ctstate matches as not matching, runs nat
//! PREROUTING and then the filter chains KUBE-SERVICES, KUBE-EXTERNAL-SERVICES, KUBE-NODEPORTS
//! and KUBE-PROXY-FIREWALL directly, and reports the DNAT destinations or the terminal target
//! of those chains, plus whether KUBE-MARK-MASQ was hit. Here the real hooks run instead (nat
//! OUTPUT for the node's own packets; filter INPUT, FORWARD or OUTPUT by destination, with
//! conntrack NEW and the DNAT bit), [`probabilities`] enumerates the random branches, and the
//! same summary is compared.

use std::net::Ipv4Addr;

use engine::netfilter::eval::{
    CtView, PacketCtState, StepOutcome, Verdict, evaluate, evaluate_forced, probabilities,
};
use engine::netfilter::matches::AddrTypes;
use engine::netfilter::{ChainName, Hook, RestoreOptions, Ruleset, Table, restore};

use crate::support::{Node, addr, meta, ruleset, tcp};

const TEST_NODE_IP: &str = "192.168.0.2";
const TEST_EXTERNAL_CLIENT: &str = "203.0.113.2";
const TEST_EXTERNAL_CLIENT_BLOCKED: &str = "203.0.113.130";

fn upstream_rules() -> Ruleset {
    let mut rules = ruleset(include_str!("upstream/jumps.save.txt"));
    let errors = restore(
        &mut rules,
        include_str!("../kubeproxy/upstream/overall_iptables_rules/expected.txt"),
        RestoreOptions {
            noflush: true,
            counters: false,
        },
    );
    assert!(errors.is_empty(), "{errors:?}");
    rules
}

/// `testNodeIPs` (the IPv4 ones): testNodeIP, testNodeIPAlt and testExternalIP.
fn upstream_node() -> Node {
    Node::with_addresses(
        1,
        &[
            ("eth0", addr(TEST_NODE_IP), 24),
            ("eth1", addr("192.168.1.2"), 24),
            ("eth0", addr("192.168.99.11"), 32),
        ],
    )
}

const TRACED_FILTER_CHAINS: [&str; 4] = [
    "KUBE-SERVICES",
    "KUBE-EXTERNAL-SERVICES",
    "KUBE-NODEPORTS",
    "KUBE-PROXY-FIREWALL",
];

/// Upstream's `tracePacket` summary: the output string and whether the packet was marked.
fn trace(rules: &Ruleset, source: &str, destination: &str, port: u16) -> (String, bool) {
    let mut node = upstream_node();
    let packet = tcp(source, 40000, destination, port);
    let is_local = |node: &Node, address: Ipv4Addr| {
        node.addresses.address_type(address, None) == AddrTypes::LOCAL
    };
    let local_source = is_local(&node, packet.ip.src);
    let (hook, devices) = if local_source {
        (Hook::Output, meta(None, Some("eth0")))
    } else {
        (Hook::PreRouting, meta(Some("eth0"), None))
    };
    let chain = ChainName::builtin(hook);
    let distribution = {
        let ctx = node.ctx(CtView::default(), None);
        probabilities(rules, Table::Nat, hook, &chain, &packet, &devices, &ctx)
    };
    let mut outputs = Vec::new();
    let mut masq = false;
    let mut first = None;
    for outcome in &distribution.outcomes {
        let walked = evaluate_forced(
            rules,
            Table::Nat,
            hook,
            &chain,
            &packet,
            &devices,
            &mut node.ctx(CtView::default(), None),
            &outcome.choices,
        );
        masq |= walked.mark_after & 0x4000 != 0;
        if let Some((address, port)) = walked.nat.as_ref().and_then(|nat| nat.destination()) {
            outputs.push(format!("{address}:{}", port.unwrap()));
        }
        first.get_or_insert(walked);
    }
    let nat = first.unwrap();
    // The filter hooks see the packet after DNAT, conntrack NEW with the DNAT bit.
    let (after, dnat) = match nat.nat.as_ref().and_then(|nat| nat.destination()) {
        Some((address, port)) => (
            packet
                .with_dst(address)
                .with_ports(40000, port.unwrap_or(port_of(&packet))),
            true,
        ),
        None => (packet.clone(), false),
    };
    let ct = CtView {
        state: PacketCtState::New,
        snat: false,
        dnat,
    };
    let mut hooks = Vec::new();
    if local_source {
        hooks.push((Hook::Output, meta(None, Some("eth0"))));
    }
    if is_local(&node, after.ip.dst) {
        hooks.push((
            Hook::Input,
            meta(Some(if local_source { "lo" } else { "eth0" }), None),
        ));
    } else if !local_source {
        hooks.push((Hook::Forward, meta(Some("eth0"), Some("eth1"))));
    }
    for (hook, mut devices) in hooks {
        devices.mark = nat.mark_after;
        let filter = evaluate(
            rules,
            Table::Filter,
            hook,
            &after,
            &devices,
            &mut node.ctx(ct, None),
        );
        let decided_by_traced_chain = filter.steps.last().is_some_and(|step| {
            TRACED_FILTER_CHAINS.contains(&step.chain.as_str()) && step.number().is_some()
        });
        if decided_by_traced_chain {
            match filter.verdict {
                Verdict::Accept => outputs.push("ACCEPT".to_string()),
                Verdict::Drop => outputs.push("DROP".to_string()),
                Verdict::Reject(_) => outputs.push("REJECT".to_string()),
                ref other => outputs.push(format!("unexpected verdict {other}")),
            }
        }
        assert!(
            !matches!(filter.verdict, Verdict::NotEmulated { .. }),
            "{filter}"
        );
        if filter.verdict != Verdict::Accept {
            break;
        }
    }
    (outputs.join(", "), masq)
}

fn port_of(packet: &engine::packet::Packet) -> u16 {
    packet.dst_port().unwrap()
}

#[test]
fn trace_packet_cases() {
    let rules = upstream_rules();
    // (name, source, destination, port, output, masq), from TestTracePacket.
    let cases = [
        ("no match", "10.0.0.2", "10.0.0.3", 80, "", false),
        (
            "single endpoint",
            "10.0.0.2",
            "172.30.0.41",
            80,
            "10.180.0.1:80",
            false,
        ),
        (
            "multiple endpoints",
            "10.0.0.2",
            "172.30.0.44",
            80,
            "10.180.0.4:80, 10.180.0.5:80",
            false,
        ),
        (
            "LOCAL, KUBE-MARK-MASQ",
            TEST_NODE_IP,
            "192.168.99.22",
            80,
            "10.180.0.2:80",
            true,
        ),
        (
            "DROP",
            TEST_EXTERNAL_CLIENT,
            "192.168.99.22",
            80,
            "DROP",
            false,
        ),
        (
            "ACCEPT (NodePortHealthCheck)",
            TEST_NODE_IP,
            TEST_NODE_IP,
            30000,
            "ACCEPT",
            false,
        ),
        ("REJECT", "10.0.0.2", "172.30.0.46", 80, "REJECT", false),
        // pkg/proxy/nftables TestTracePacket, same services:
        (
            "blocked external to loadbalancer IP",
            TEST_EXTERNAL_CLIENT_BLOCKED,
            "5.6.7.8",
            80,
            "DROP",
            false,
        ),
        (
            "pod to nodePort",
            "10.0.0.2",
            TEST_NODE_IP,
            3001,
            "10.180.0.2:80",
            false,
        ),
    ];
    let mut failures = Vec::new();
    for (name, source, destination, port, output, masq) in cases {
        let got = trace(&rules, source, destination, port);
        if got != (output.to_string(), masq) {
            failures.push(format!(
                "{name}: expected ({output:?}, {masq}), got {got:?}"
            ));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn affinity_of_ns5_remembers_the_client() {
    // ns5/svc5 has ClientIP affinity; upstream's tracer cannot follow `recent`, the walker can.
    let rules = upstream_rules();
    let mut node = upstream_node();
    let packet = tcp(TEST_EXTERNAL_CLIENT, 40000, "5.6.7.8", 80);
    let devices = meta(Some("eth0"), None);
    for connection in 0..2 {
        let evaluation = evaluate(
            &rules,
            Table::Nat,
            Hook::PreRouting,
            &packet,
            &devices,
            &mut node.ctx(CtView::default(), None),
        );
        assert_eq!(
            evaluation.nat.as_ref().and_then(|nat| nat.destination()),
            Some((addr("10.180.0.3"), Some(80)))
        );
        let rcheck = evaluation
            .steps
            .iter()
            .find(|step| {
                step.chain.as_str() == "KUBE-SVC-NUKIZ6OKUXPJNT4C" && step.number() == Some(2)
            })
            .unwrap();
        let expected = if connection == 0 {
            StepOutcome::NoMatch
        } else {
            StepOutcome::Jump(ChainName::from_trusted("KUBE-SEP-I77PXRDZVX7PMWMN"))
        };
        assert_eq!(
            rcheck.outcome, expected,
            "connection {connection}:\n{evaluation}"
        );
    }
}
