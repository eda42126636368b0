//! The distribution over endpoints: exact probabilities from the kernel's stored values, a
//! recorded draw sequence for a fixed seed, and a chi-square test of 30,000 simulated
//! connections against the exact probabilities.

use engine::netfilter::eval::{
    CtView, Distribution, Dyadic, Verdict, evaluate, evaluate_forced, probabilities,
};
use engine::netfilter::matches::Statistic;
use engine::netfilter::{ChainName, Hook, Match, Probability, Rule, Ruleset, Table, Target};
use engine::packet::Packet;
use engine::random::Rng;

use crate::support::{Node, dnat, meta, ruleset, tcp};

const ENDPOINTS: [&str; 3] = ["10.244.1.10:8080", "10.244.2.11:8080", "10.244.3.12:8080"];

fn node_rules() -> Ruleset {
    ruleset(include_str!("kube_proxy_node.save.txt"))
}

/// The distribution at nat PREROUTING for `packet` arriving from a pod (on `cali1`).
fn from_pod(rules: &Ruleset, packet: &Packet) -> Distribution {
    let mut node = Node::new(1);
    let ctx = node.ctx(CtView::default(), None);
    probabilities(
        rules,
        Table::Nat,
        Hook::PreRouting,
        &ChainName::builtin(Hook::PreRouting),
        packet,
        &meta(Some("cali1"), None),
        &ctx,
    )
}

/// The exact probability of each outcome, in order.
fn exact(distribution: &Distribution) -> Vec<Dyadic> {
    distribution
        .outcomes
        .iter()
        .map(|outcome| outcome.exact.unwrap())
        .collect()
}

/// A three-endpoint cascade: rule 2 is taken with 715827883/2^31; rule 3 with
/// (1 - that) * 2^30/2^31, and the last rule gets the same: 1431655765/2^32 each
/// (reference section 5.3 and 12.5).
fn kernel_thirds() -> [Dyadic; 3] {
    [
        Dyadic::new(715_827_883, 31).unwrap(),
        Dyadic::new(1_431_655_765, 32).unwrap(),
        Dyadic::new(1_431_655_765, 32).unwrap(),
    ]
}

#[test]
fn three_endpoints_have_the_kernels_exact_thirds() {
    let rules = node_rules();
    let packet = tcp("10.244.1.5", 40000, "10.96.0.100", 80);
    let pod = meta(Some("cali1"), None);
    let prerouting = ChainName::builtin(Hook::PreRouting);
    let distribution = from_pod(&rules, &packet);
    assert!(!distribution.truncated);
    let destinations: Vec<String> = distribution
        .outcomes
        .iter()
        .map(|outcome| {
            let (address, port) = outcome.nat.as_ref().unwrap().destination().unwrap();
            format!("{address}:{}", port.unwrap())
        })
        .collect();
    assert_eq!(destinations, ENDPOINTS);
    let exact = exact(&distribution);
    assert_eq!(exact, kernel_thirds());
    let total = exact
        .iter()
        .try_fold(Dyadic::new(0, 0).unwrap(), |sum, p| sum.checked_add(*p))
        .unwrap();
    assert_eq!(total, Dyadic::ONE);
    for outcome in &distribution.outcomes {
        assert!(
            (outcome.probability - 1.0 / 3.0).abs() < 1e-9,
            "{}",
            outcome.probability
        );
        assert_eq!(outcome.verdict, Verdict::Accept);
    }
    // The recorded choices lead back to each outcome.
    let mut node = Node::new(1);
    for (outcome, endpoint) in distribution.outcomes.iter().zip(ENDPOINTS) {
        let evaluation = evaluate_forced(
            &rules,
            Table::Nat,
            Hook::PreRouting,
            &prerouting,
            &packet,
            &pod,
            &mut node.ctx(CtView::default(), None),
            &outcome.choices,
        );
        assert_eq!(dnat(&evaluation).as_deref(), Some(endpoint));
    }
    assert!(node.rng.draws().is_empty(), "forced choices draw nothing");
}

#[test]
fn kube_proxy_cascades_are_uniform_for_every_n() {
    for n in 1u32..=12 {
        let mut rules = Ruleset::new();
        let chain = ChainName::from_trusted("KUBE-SVC-TEST");
        for i in 0..n {
            let sep = ChainName::from_trusted(format!("KUBE-SEP-{i}"));
            let mut rule = Rule::jump(Target::Jump(sep.clone()));
            if i + 1 < n {
                let probability = Probability::one_in(n - i).unwrap();
                rule = rule.with(Match::Statistic(Statistic::random(probability)));
            }
            rules.append(Table::Nat, &chain, rule);
            let address = std::net::Ipv4Addr::new(10, 244, 0, u8::try_from(i + 1).unwrap());
            rules.append(Table::Nat, &sep, Rule::jump(Target::dnat(address, 80)));
        }
        let mut node = Node::new(1);
        let ctx = node.ctx(CtView::default(), None);
        let packet = tcp("10.244.9.9", 40000, "10.96.0.1", 80);
        let distribution = probabilities(
            &rules,
            Table::Nat,
            Hook::PreRouting,
            &chain,
            &packet,
            &meta(None, None),
            &ctx,
        );
        assert_eq!(distribution.outcomes.len(), n as usize);
        let sum: f64 = distribution
            .outcomes
            .iter()
            .map(|outcome| outcome.probability)
            .sum();
        assert!((sum - 1.0).abs() < 1e-12, "n={n}: {sum}");
        for outcome in &distribution.outcomes {
            assert!(
                (outcome.probability - 1.0 / f64::from(n)).abs() < 1e-8,
                "n={n}: {}",
                outcome.probability
            );
        }
        // Exact sums fit in 128 bits up to four random decisions per path.
        if n <= 5 {
            let exact = distribution
                .outcomes
                .iter()
                .try_fold(Dyadic::new(0, 0).unwrap(), |sum, outcome| {
                    sum.checked_add(outcome.exact.unwrap())
                })
                .unwrap();
            assert_eq!(exact, Dyadic::ONE, "n={n}");
        }
    }
}

/// Which endpoint a replay of the kernel's test picks from two raw draws.
fn replay_pick(rng: &mut Rng) -> usize {
    if rng.next_u32("replay") & 0x7FFF_FFFF < 715_827_883 {
        0
    } else if rng.next_u32("replay") & 0x7FFF_FFFF < (1 << 30) {
        1
    } else {
        2
    }
}

#[test]
fn a_fixed_seed_gives_a_recorded_draw_sequence() {
    let rules = node_rules();
    let mut node = Node::new(42);
    let mut replay = Rng::seeded(42);
    let mut picks = Vec::new();
    for connection in 0..20u16 {
        let packet = tcp("10.244.1.5", 40000 + connection, "10.96.0.100", 80);
        let evaluation = evaluate(
            &rules,
            Table::Nat,
            Hook::PreRouting,
            &packet,
            &meta(Some("cali1"), None),
            &mut node.ctx(CtView::default(), None),
        );
        let expected = replay_pick(&mut replay);
        assert_eq!(
            dnat(&evaluation).as_deref(),
            Some(ENDPOINTS[expected]),
            "connection {connection}"
        );
        picks.push(expected);
    }
    // The generator recorded exactly the 31-bit values the replay compared, in order.
    let recorded: Vec<u64> = node.rng.draws().iter().map(|draw| draw.value).collect();
    let replayed: Vec<u64> = replay
        .draws()
        .iter()
        .map(|draw| draw.value & 0x7FFF_FFFF)
        .collect();
    assert_eq!(recorded, replayed);
    assert!(
        picks.contains(&0) && picks.contains(&1) && picks.contains(&2),
        "{picks:?}"
    );
}

#[test]
fn thirty_thousand_connections_pass_a_chi_square_test() {
    let rules = node_rules();
    let mut node = Node::new(2026);
    let pod = meta(Some("cali1"), None);
    let packet = tcp("10.244.1.5", 40000, "10.96.0.100", 80);
    let distribution = {
        let ctx = node.ctx(CtView::default(), None);
        probabilities(
            &rules,
            Table::Nat,
            Hook::PreRouting,
            &ChainName::builtin(Hook::PreRouting),
            &packet,
            &pod,
            &ctx,
        )
    };
    const N: usize = 30_000;
    let mut counts = [0usize; 3];
    for _ in 0..N {
        let evaluation = evaluate(
            &rules,
            Table::Nat,
            Hook::PreRouting,
            &packet,
            &pod,
            &mut node.ctx(CtView::default(), None),
        );
        let destination = dnat(&evaluation).unwrap();
        let index = ENDPOINTS
            .iter()
            .position(|endpoint| *endpoint == destination)
            .unwrap();
        counts[index] += 1;
    }
    let chi_square: f64 = counts
        .iter()
        .zip(&distribution.outcomes)
        .map(|(observed, outcome)| {
            let expected = N as f64 * outcome.probability;
            (*observed as f64 - expected).powi(2) / expected
        })
        .sum();
    // Two degrees of freedom; 13.816 is the 0.1 % critical value of the chi-square distribution.
    assert!(
        chi_square < 13.816,
        "chi-square {chi_square} for {counts:?}"
    );
    assert_eq!(counts.iter().sum::<usize>(), N);
}

#[test]
fn kube_proxy_generated_rules_spread_evenly() {
    // The kubeproxy stage's own output for a three-endpoint Service, as iptables-save prints it.
    let rules = ruleset(include_str!(
        "../kubeproxy/scenarios/clusterip_three_endpoints/worker-2.save.txt"
    ));
    let packet = tcp("192.168.34.140", 40000, "10.96.0.100", 80);
    let distribution = from_pod(&rules, &packet);
    assert_eq!(exact(&distribution), kernel_thirds());
    let ports: Vec<Option<u16>> = distribution
        .outcomes
        .iter()
        .map(|outcome| {
            outcome
                .nat
                .as_ref()
                .and_then(|nat| nat.destination())
                .and_then(|(_, port)| port)
        })
        .collect();
    assert_eq!(ports, [Some(8080); 3]);
}

/// The distribution listing for the UI, as a golden file (engine/tests/eval/clusterip_distribution/).
#[test]
fn distribution_listing_golden() {
    let rules = node_rules();
    let packet = tcp("10.244.1.5", 40000, "10.96.0.100", 80);
    let distribution = from_pod(&rules, &packet);
    expect_test::expect_file!["clusterip_distribution/distribution.txt"]
        .assert_eq(&distribution.to_string());
}

#[test]
fn hairpin_to_itself_is_masqueraded() {
    // An endpoint reaching its own Service and landing on itself: the SEP chain's
    // `-s <endpoint IP> -j KUBE-MARK-MASQ` rule marks it (reference section 7).
    let rules = node_rules();
    let mut node = Node::new(1);
    let packet = tcp("10.244.1.10", 40000, "10.96.0.100", 80);
    let pod = meta(Some("cali1"), None);
    let prerouting = ChainName::builtin(Hook::PreRouting);
    let to_self = evaluate_forced(
        &rules,
        Table::Nat,
        Hook::PreRouting,
        &prerouting,
        &packet,
        &pod,
        &mut node.ctx(CtView::default(), None),
        &[true],
    );
    assert_eq!(dnat(&to_self).as_deref(), Some("10.244.1.10:8080"));
    assert_eq!(to_self.mark_after, 0x4000, "{to_self}");
    let to_other = evaluate_forced(
        &rules,
        Table::Nat,
        Hook::PreRouting,
        &prerouting,
        &packet,
        &pod,
        &mut node.ctx(CtView::default(), None),
        &[false, true],
    );
    assert_eq!(dnat(&to_other).as_deref(), Some("10.244.2.11:8080"));
    assert_eq!(to_other.mark_after, 0);
    // Too few choices: the walk says so instead of guessing.
    let short = evaluate_forced(
        &rules,
        Table::Nat,
        Hook::PreRouting,
        &prerouting,
        &packet,
        &pod,
        &mut node.ctx(CtView::default(), None),
        &[false],
    );
    assert!(matches!(short.verdict, Verdict::NotEmulated { .. }));
}
