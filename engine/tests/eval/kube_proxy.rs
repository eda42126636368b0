//! kube-proxy-shaped rules (tests/eval/kube_proxy_node.save.txt) evaluated for the packets of
//! reference section 13's walk-throughs.

use engine::netfilter::eval::{
    CtView, MatchOutcome, NatDecision, NatPort, PacketCtState, Position, StepOutcome, Verdict,
    count, evaluate, probabilities,
};
use engine::netfilter::target::RejectWith;
use engine::netfilter::{ChainName, Hook, Policy, Ruleset, Table};
use engine::random::Rng;

use crate::support::{Node, addr, dnat, meta, path, ruleset, tcp};

const SVC_WEB: &str = "KUBE-SVC-CDGGSHYLG3RE2FKL";
const SVC_STICKY: &str = "KUBE-SVC-T2ECBIYT2WDZZK45";
const SEP_STICKY_1: &str = "KUBE-SEP-3UKKPEIJZXMLIUVY";
const SEP_STICKY_2: &str = "KUBE-SEP-M5QNIWUU3MCJR4Z5";
/// `lround(0.3333333333 * 2^31)` and `lround(0.5 * 2^31)` (reference section 12.5).
const THIRD: u32 = 715_827_883;
const HALF: u32 = 1 << 30;

fn node_rules() -> Ruleset {
    ruleset(include_str!("kube_proxy_node.save.txt"))
}

fn dnat_ct() -> CtView {
    CtView {
        state: PacketCtState::New,
        snat: false,
        dnat: true,
    }
}

#[test]
fn pod_to_cluster_ip_follows_the_recorded_draws_and_is_not_masqueraded() {
    let rules = node_rules();
    for seed in [1u64, 2, 3, 4, 5, 6, 7, 8] {
        let mut node = Node::new(seed);
        let packet = tcp("10.244.1.5", 40000, "10.96.0.100", 80);
        let evaluation = evaluate(
            &rules,
            Table::Nat,
            Hook::PreRouting,
            &packet,
            &meta(Some("cali1"), None),
            &mut node.ctx(CtView::default(), None),
        );
        // The walk must agree with an independent replay of the kernel's test on the same seed.
        let mut replay = Rng::seeded(seed);
        let first = replay.next_u32("replay") & 0x7FFF_FFFF;
        let expected = if first < THIRD {
            "10.244.1.10:8080"
        } else if replay.next_u32("replay") & 0x7FFF_FFFF < HALF {
            "10.244.2.11:8080"
        } else {
            "10.244.3.12:8080"
        };
        assert_eq!(
            dnat(&evaluation).as_deref(),
            Some(expected),
            "seed {seed}:\n{evaluation}"
        );
        assert_eq!(evaluation.verdict, Verdict::Accept);
        assert_eq!(
            evaluation.mark_after, 0,
            "a pod source is inside the cluster CIDR: no KUBE-MARK-MASQ"
        );
        // The masquerade rule fails on its first criterion; the others were never looked at.
        let masq_rule = evaluation
            .steps
            .iter()
            .find(|step| step.chain.as_str() == SVC_WEB)
            .unwrap();
        assert_eq!(masq_rule.position, Position::Rule(1));
        assert_eq!(masq_rule.criteria[0].text, "! -s 10.244.0.0/16");
        assert_eq!(masq_rule.criteria[0].outcome, MatchOutcome::NotMatched);
        assert!(
            masq_rule.criteria[1..]
                .iter()
                .all(|criterion| criterion.outcome == MatchOutcome::NotReached)
        );
        // Each statistic step carries its draw; the RNG recorded the same values.
        let draws: Vec<u64> = node.rng.draws().iter().map(|draw| draw.value).collect();
        let in_steps: Vec<u64> = evaluation
            .steps
            .iter()
            .flat_map(|step| step.criteria.iter())
            .filter_map(|criterion| criterion.draw.and_then(|draw| draw.value).map(u64::from))
            .collect();
        assert_eq!(draws, in_steps);
        assert!(
            node.rng.draws()[0]
                .purpose
                .starts_with("nat KUBE-SVC-CDGGSHYLG3RE2FKL rule 2: statistic")
        );
    }
}

#[test]
fn nodeport_goes_through_addrtype_local_then_is_accepted_by_mark_and_masqueraded() {
    let rules = node_rules();
    let mut node = Node::new(11);
    let packet = tcp("203.0.113.7", 51000, "192.168.0.2", 30080);
    let prerouting = evaluate(
        &rules,
        Table::Nat,
        Hook::PreRouting,
        &packet,
        &meta(Some("eth0"), None),
        &mut node.ctx(CtView::default(), None),
    );
    let walked = path(&prerouting);
    assert_eq!(
        walked[..7],
        [
            "PREROUTING:1",
            "KUBE-SERVICES:5",
            "KUBE-NODEPORTS:1",
            "KUBE-EXT-CDGGSHYLG3RE2FKL:1",
            "KUBE-MARK-MASQ:1",
            "KUBE-MARK-MASQ:end",
            "KUBE-EXT-CDGGSHYLG3RE2FKL:2"
        ],
        "{prerouting}"
    );
    let addrtype = prerouting
        .steps
        .iter()
        .find(|step| step.chain.as_str() == "KUBE-SERVICES" && step.number() == Some(5))
        .unwrap();
    assert_eq!(
        addrtype.criteria[1].observed,
        "destination 192.168.0.2 is LOCAL"
    );
    assert_eq!(prerouting.mark_after, 0x4000);
    let destination = prerouting
        .nat
        .as_ref()
        .and_then(NatDecision::destination)
        .unwrap();
    assert_eq!(destination.1, Some(8080));

    // filter FORWARD sees the DNATed packet, conntrack NEW with the DNAT bit, and the mark.
    let forwarded = packet.with_dst(destination.0).with_ports(51000, 8080);
    let mut forward_meta = meta(Some("eth0"), Some("eth0"));
    forward_meta.mark = prerouting.mark_after;
    let forward = evaluate(
        &rules,
        Table::Filter,
        Hook::Forward,
        &forwarded,
        &forward_meta,
        &mut node.ctx(dnat_ct(), None),
    );
    assert_eq!(forward.verdict, Verdict::Accept);
    assert_eq!(
        path(&forward),
        [
            "FORWARD:1",
            "KUBE-PROXY-FIREWALL:end",
            "FORWARD:2",
            "KUBE-FORWARD:2"
        ],
        "{forward}"
    );

    // nat POSTROUTING: the mark is cleared with --xor-mark and MASQUERADE picks eth0's address
    // and a --random-fully port: min + get_random_u16() % range_size over 1024..=65535.
    let seed = 99;
    let mut post_node = Node::new(seed);
    let post = evaluate(
        &rules,
        Table::Nat,
        Hook::PostRouting,
        &forwarded,
        &forward_meta,
        &mut post_node.ctx(dnat_ct(), Some(addr("192.168.0.2"))),
    );
    assert_eq!(
        path(&post),
        ["POSTROUTING:1", "KUBE-POSTROUTING:2", "KUBE-POSTROUTING:3"],
        "{post}"
    );
    assert_eq!(post.mark_after, 0);
    let random16 = Rng::seeded(seed).next_u32("replay") & 0xFFFF;
    let expected_port = 1024 + random16 % (65535 - 1024 + 1);
    match &post.nat {
        Some(NatDecision::Masquerade {
            source,
            port: NatPort::Random { port, .. },
            ..
        }) => {
            assert_eq!(*source, addr("192.168.0.2"));
            assert_eq!(u32::from(*port), expected_port);
        }
        other => panic!("expected MASQUERADE with a random port, got {other:?}"),
    }
}

#[test]
fn a_non_local_destination_never_reaches_kube_nodeports() {
    let rules = node_rules();
    let mut node = Node::new(1);
    let packet = tcp("203.0.113.7", 51000, "192.168.0.3", 30080);
    let evaluation = evaluate(
        &rules,
        Table::Nat,
        Hook::PreRouting,
        &packet,
        &meta(Some("eth0"), None),
        &mut node.ctx(CtView::default(), None),
    );
    assert_eq!(evaluation.nat, None);
    assert_eq!(
        path(&evaluation),
        ["PREROUTING:1", "KUBE-SERVICES:end", "PREROUTING:end"]
    );
    let tail = evaluation
        .steps
        .iter()
        .find(|step| step.chain.as_str() == "KUBE-SERVICES" && step.number() == Some(5))
        .unwrap();
    assert_eq!(tail.criteria[1].outcome, MatchOutcome::NotMatched);
    assert_eq!(
        tail.criteria[1].observed,
        "destination 192.168.0.3 is UNICAST"
    );
    assert_eq!(
        evaluation.steps.last().unwrap().outcome,
        StepOutcome::Policy(Policy::Accept)
    );
}

#[test]
fn unmarked_packets_return_from_kube_postrouting_without_nat() {
    let rules = node_rules();
    let mut node = Node::new(1);
    let packet = tcp("10.244.1.5", 40000, "10.244.2.11", 8080);
    let evaluation = evaluate(
        &rules,
        Table::Nat,
        Hook::PostRouting,
        &packet,
        &meta(Some("cali1"), Some("tunl0")),
        &mut node.ctx(dnat_ct(), Some(addr("192.168.0.2"))),
    );
    assert_eq!(
        path(&evaluation),
        ["POSTROUTING:1", "KUBE-POSTROUTING:1", "POSTROUTING:end"]
    );
    assert_eq!(evaluation.nat, None);
    assert_eq!(evaluation.verdict, Verdict::Accept);
    assert!(node.rng.draws().is_empty(), "no MASQUERADE, no port draw");
}

#[test]
fn client_ip_affinity_sends_the_second_connection_to_the_same_endpoint() {
    let rules = node_rules();
    let mut node = Node::new(5);
    let packet = tcp("10.244.1.5", 40000, "10.96.0.200", 80);
    let pod = meta(Some("cali1"), None);
    let first = evaluate(
        &rules,
        Table::Nat,
        Hook::PreRouting,
        &packet,
        &pod,
        &mut node.ctx(CtView::default(), None),
    );
    let chosen = first.nat.as_ref().unwrap().rule().chain.clone();
    assert!(
        chosen.as_str() == SEP_STICKY_1 || chosen.as_str() == SEP_STICKY_2,
        "{first}"
    );
    // Neither rcheck rule matched: the list was empty.
    for number in [2, 3] {
        let step = first
            .steps
            .iter()
            .find(|step| step.chain.as_str() == SVC_STICKY && step.number() == Some(number))
            .unwrap();
        assert_eq!(step.outcome, StepOutcome::NoMatch);
        assert_eq!(
            step.criteria[1].observed,
            format!(
                "10.244.1.5 is not in list {}",
                if number == 2 {
                    SEP_STICKY_1
                } else {
                    SEP_STICKY_2
                }
            )
        );
    }
    let list = node.state.recent.list(chosen.as_str()).unwrap();
    assert_eq!(
        list.entries.get(&addr("10.244.1.5")).unwrap().last_seen(),
        Some(node.now)
    );

    // One hour later, a new connection: the rcheck rule of the chosen endpoint matches first,
    // so no statistic draw happens at all.
    node.now += 3600;
    node.rng = Rng::seeded(12345);
    let second = evaluate(
        &rules,
        Table::Nat,
        Hook::PreRouting,
        &packet.with_ports(40001, 80),
        &pod,
        &mut node.ctx(CtView::default(), None),
    );
    assert_eq!(
        second.nat.as_ref().unwrap().rule().chain,
        chosen,
        "{second}"
    );
    assert!(node.rng.draws().is_empty());
    let rcheck = second
        .steps
        .iter()
        .find(|step| {
            step.chain.as_str() == SVC_STICKY && step.outcome == StepOutcome::Jump(chosen.clone())
        })
        .unwrap();
    assert!(rcheck.number() == Some(2) || rcheck.number() == Some(3));
    assert_eq!(rcheck.criteria[1].outcome, MatchOutcome::Matched);

    // The distribution knows it too: the chosen endpoint is certain.
    let ctx = node.ctx(CtView::default(), None);
    let distribution = probabilities(
        &rules,
        Table::Nat,
        Hook::PreRouting,
        &ChainName::builtin(Hook::PreRouting),
        &packet,
        &pod,
        &ctx,
    );
    assert_eq!(distribution.outcomes.len(), 1);
    assert_eq!(distribution.outcomes[0].probability, 1.0);
    assert_eq!(
        distribution.outcomes[0].nat.as_ref().unwrap().rule().chain,
        chosen
    );

    // After the 10800 s window the entry no longer counts, and --reap removes it.
    node.now += 10801;
    let third = evaluate(
        &rules,
        Table::Nat,
        Hook::PreRouting,
        &packet.with_ports(40002, 80),
        &pod,
        &mut node.ctx(CtView::default(), None),
    );
    assert!(
        !node.rng.draws().is_empty(),
        "the cascade draws again:\n{third}"
    );
}

#[test]
fn source_ranges_fall_through_kube_fw_and_filter_drops() {
    let rules = node_rules();
    let mut node = Node::new(3);
    let blocked = tcp("203.0.113.200", 50000, "5.6.7.8", 80);
    let external = meta(Some("eth0"), None);
    let nat = evaluate(
        &rules,
        Table::Nat,
        Hook::PreRouting,
        &blocked,
        &external,
        &mut node.ctx(CtView::default(), None),
    );
    assert_eq!(
        path(&nat),
        [
            "PREROUTING:1",
            "KUBE-SERVICES:4",
            "KUBE-FW-KQB2SHMJTLDSIG3J:2",
            "KUBE-FW-KQB2SHMJTLDSIG3J:end",
            "KUBE-SERVICES:end",
            "PREROUTING:end"
        ],
        "{nat}"
    );
    assert_eq!(nat.nat, None);
    let comment_only = nat
        .steps
        .iter()
        .find(|step| step.chain.as_str() == "KUBE-FW-KQB2SHMJTLDSIG3J" && step.number() == Some(2))
        .unwrap();
    assert_eq!(comment_only.outcome, StepOutcome::Counted);
    let filter = evaluate(
        &rules,
        Table::Filter,
        Hook::Forward,
        &blocked,
        &meta(Some("eth0"), Some("eth0")),
        &mut node.ctx(CtView::default(), None),
    );
    assert_eq!(filter.verdict, Verdict::Drop);
    assert_eq!(path(&filter), ["FORWARD:1", "KUBE-PROXY-FIREWALL:1"]);

    let allowed = tcp("203.0.113.7", 50000, "5.6.7.8", 80);
    let nat = evaluate(
        &rules,
        Table::Nat,
        Hook::PreRouting,
        &allowed,
        &external,
        &mut node.ctx(CtView::default(), None),
    );
    assert_eq!(dnat(&nat).as_deref(), Some("10.244.1.30:8080"));
    assert_eq!(nat.mark_after, 0x4000);
}

#[test]
fn a_service_without_endpoints_is_rejected_in_filter() {
    let rules = node_rules();
    let mut node = Node::new(3);
    let packet = tcp("10.244.1.5", 40000, "10.96.0.50", 80);
    let nat = evaluate(
        &rules,
        Table::Nat,
        Hook::PreRouting,
        &packet,
        &meta(Some("cali1"), None),
        &mut node.ctx(CtView::default(), None),
    );
    assert_eq!(nat.nat, None);
    let forward = evaluate(
        &rules,
        Table::Filter,
        Hook::Forward,
        &packet,
        &meta(Some("cali1"), Some("eth0")),
        &mut node.ctx(CtView::default(), None),
    );
    assert_eq!(
        forward.verdict,
        Verdict::Reject(RejectWith::PortUnreachable)
    );
    assert_eq!(
        path(&forward),
        [
            "FORWARD:1",
            "KUBE-PROXY-FIREWALL:end",
            "FORWARD:2",
            "KUBE-FORWARD:end",
            "FORWARD:3",
            "KUBE-SERVICES:1"
        ],
        "{forward}"
    );
    // From the node itself the same rule answers through filter OUTPUT.
    let local = tcp("192.168.0.2", 40000, "10.96.0.50", 80);
    let output = evaluate(
        &rules,
        Table::Filter,
        Hook::Output,
        &local,
        &meta(None, Some("eth0")),
        &mut node.ctx(CtView::default(), None),
    );
    assert_eq!(output.verdict, Verdict::Reject(RejectWith::PortUnreachable));
}

#[test]
fn forward_policy_drop_catches_unmarked_new_traffic_and_replies_are_accepted() {
    let rules = node_rules();
    let mut node = Node::new(3);
    let packet = tcp("10.244.1.5", 40000, "10.244.2.11", 8080);
    let devices = meta(Some("cali1"), Some("tunl0"));
    let new = evaluate(
        &rules,
        Table::Filter,
        Hook::Forward,
        &packet,
        &devices,
        &mut node.ctx(dnat_ct(), None),
    );
    assert_eq!(new.verdict, Verdict::Drop);
    let last = new.steps.last().unwrap();
    assert_eq!(
        (last.chain.as_str(), last.position, &last.outcome),
        ("FORWARD", Position::End, &StepOutcome::Policy(Policy::Drop))
    );
    assert_eq!(last.text, "-P FORWARD DROP");

    let established = CtView {
        state: PacketCtState::Established,
        snat: false,
        dnat: true,
    };
    let reply = evaluate(
        &rules,
        Table::Filter,
        Hook::Forward,
        &packet,
        &devices,
        &mut node.ctx(established, None),
    );
    assert_eq!(reply.verdict, Verdict::Accept);
    assert_eq!(path(&reply), ["FORWARD:2", "KUBE-FORWARD:3"]);

    // INVALID packets are dropped, and the nfacct object counts them.
    let invalid = evaluate(
        &rules,
        Table::Filter,
        Hook::Forward,
        &packet,
        &devices,
        &mut node.ctx(CtView::plain(PacketCtState::Invalid), None),
    );
    assert_eq!(invalid.verdict, Verdict::Drop);
    assert_eq!(path(&invalid), ["FORWARD:2", "KUBE-FORWARD:1"]);
    assert_eq!(
        node.state
            .nfacct
            .get("ct_state_invalid_dropped_pkts")
            .map(|counter| counter.0),
        Some(1)
    );
}

#[test]
fn the_anti_martian_rule_uses_the_dnat_state() {
    let rules = node_rules();
    let mut node = Node::new(3);
    let packet = tcp("192.168.0.9", 40000, "127.0.0.1", 30080);
    let fresh = evaluate(
        &rules,
        Table::Filter,
        Hook::Input,
        &packet,
        &meta(Some("eth0"), None),
        &mut node.ctx(CtView::default(), None),
    );
    assert_eq!(fresh.verdict, Verdict::Drop);
    assert_eq!(
        path(&fresh).last().map(String::as_str),
        Some("KUBE-FIREWALL:1"),
        "{fresh}"
    );
    let dnated = evaluate(
        &rules,
        Table::Filter,
        Hook::Input,
        &packet,
        &meta(Some("eth0"), None),
        &mut node.ctx(dnat_ct(), None),
    );
    assert_eq!(dnated.verdict, Verdict::Accept);
}

/// The whole NodePort walk-through of reference section 13 as the UI would list it, one
/// evaluation per table and hook, as a golden file (engine/tests/eval/nodeport_walk/).
#[test]
fn nodeport_walk_golden() {
    let rules = node_rules();
    let mut node = Node::new(2024);
    let packet = tcp("203.0.113.7", 51000, "192.168.0.2", 30080);
    let mut text = String::new();
    let prerouting = evaluate(
        &rules,
        Table::Nat,
        Hook::PreRouting,
        &packet,
        &meta(Some("eth0"), None),
        &mut node.ctx(CtView::default(), None),
    );
    text.push_str(&format!("## nat PREROUTING\n{prerouting}\n"));
    let (address, port) = prerouting
        .nat
        .as_ref()
        .and_then(NatDecision::destination)
        .unwrap();
    let forwarded = packet.with_dst(address).with_ports(51000, port.unwrap());
    let mut devices = meta(Some("eth0"), Some("tunl0"));
    devices.mark = prerouting.mark_after;
    let forward = evaluate(
        &rules,
        Table::Filter,
        Hook::Forward,
        &forwarded,
        &devices,
        &mut node.ctx(dnat_ct(), None),
    );
    text.push_str(&format!("## filter FORWARD\n{forward}\n"));
    let postrouting = evaluate(
        &rules,
        Table::Nat,
        Hook::PostRouting,
        &forwarded,
        &devices,
        &mut node.ctx(dnat_ct(), Some(addr("10.244.0.1"))),
    );
    text.push_str(&format!("## nat POSTROUTING\n{postrouting}\n## draws\n"));
    for draw in node.rng.draws() {
        text.push_str(&format!("{draw}\n"));
    }
    expect_test::expect_file!["nodeport_walk/trace.txt"].assert_eq(&text);
}

#[test]
fn counters_tick_for_every_matched_rule_and_for_policies() {
    let mut rules = node_rules();
    let mut node = Node::new(4);
    let packet = tcp("203.0.113.7", 51000, "192.168.0.2", 30080);
    let bytes = u64::from(packet.total_len());
    let external = meta(Some("eth0"), None);
    let nodeport = evaluate(
        &rules,
        Table::Nat,
        Hook::PreRouting,
        &packet,
        &external,
        &mut node.ctx(CtView::default(), None),
    );
    count(&mut rules, &nodeport, bytes);
    let elsewhere = tcp("203.0.113.7", 51000, "192.168.0.3", 30080);
    let missed = evaluate(
        &rules,
        Table::Nat,
        Hook::PreRouting,
        &elsewhere,
        &external,
        &mut node.ctx(CtView::default(), None),
    );
    count(&mut rules, &missed, bytes);
    let nat = rules.table(Table::Nat).unwrap();
    let counters = |chain: &str, number: usize| {
        nat.chain(&ChainName::from_trusted(chain)).unwrap().rules[number - 1].counters
    };
    // Both packets matched PREROUTING's jump; only the first matched the addrtype tail rule.
    assert_eq!(
        (
            counters("PREROUTING", 1).packets,
            counters("PREROUTING", 1).bytes
        ),
        (2, 2 * bytes)
    );
    assert_eq!(counters("KUBE-SERVICES", 5).packets, 1);
    assert_eq!(counters("KUBE-SERVICES", 1).packets, 0);
    assert_eq!(counters("KUBE-MARK-MASQ", 1).packets, 1);
    // The second packet fell off PREROUTING: its policy counter shows it.
    assert_eq!(
        nat.chain(&ChainName::builtin(Hook::PreRouting))
            .unwrap()
            .counters
            .packets,
        1
    );
}
