//! Monte Carlo runs evaluate the real rules, quietly: `trace::outcome` is `trace::trace`
//! without steps, and `eval::evaluate_quiet` is `eval::evaluate` without steps. For the same
//! seed they must give the same outcome, the same session afterwards (conntrack, `recent`
//! lists, clock, generator) and so the same counts as recorded traces. These tests check that
//! over many draws on the trace scenarios (tests/trace/*/input.yaml), including REJECT and DROP
//! rules, ClientIP affinity, DNS lookups, Envoy and 200 extra Services, and that
//! `trace::spread` counts exactly what recorded traces count.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::collections::BTreeMap;

use engine::netfilter::eval::{CtView, EvalContext, NetfilterState, WalkIndex, evaluate, evaluate_quiet};
use engine::netfilter::{Hook, Table};
use engine::packet::{Packet, PacketMeta, TcpSegment};
use engine::random::Rng;
use engine::trace::{self, Lab, Outcome, Session, TraceOptions};

#[path = "../benches/common/scale.rs"]
mod scale;

fn lab_from(text: &str) -> Lab {
    let (manifests, _) = engine::manifest::parse(text);
    let (cluster, _) = engine::cluster::build(&manifests);
    Lab::new(cluster)
}

fn scenario(name: &str) -> Lab {
    let path = format!("{}/tests/trace/{name}/input.yaml", env!("CARGO_MANIFEST_DIR"));
    lab_from(&std::fs::read_to_string(path).unwrap())
}

/// How `trace::spread` runs its connections.
fn handshake() -> TraceOptions {
    TraceOptions {
        complete: false,
        ..TraceOptions::default()
    }
}

/// `draws` connections traced twice from the same seed, recorded and quiet, one after the
/// other on two sessions: after each, the outcomes and the whole sessions must be equal. With
/// `forget`, each connection's conntrack entries are dropped afterwards as `trace::spread`
/// does; without, they pile up (ports are redrawn when taken, NAT tuples clash). Returns the
/// outcomes counted by [`name`].
fn same_as_recorded(lab: &Lab, seed: u64, from: &str, url: &str, draws: usize, forget: bool) -> BTreeMap<String, usize> {
    let start = Session::new(seed);
    let (mut full, mut quiet) = (start.clone(), start.clone());
    let mut counts = BTreeMap::new();
    for draw in 0..draws {
        let recorded = trace::trace(lab, &mut full, from, url, &handshake());
        let outcome = trace::outcome(lab, &mut quiet, from, url, &handshake());
        assert_eq!(recorded.outcome, outcome, "{from} -> {url}, draw {draw}");
        assert!(full == quiet, "{from} -> {url}, draw {draw}: the sessions differ");
        if forget {
            full.conntrack.clone_from(&start.conntrack);
            quiet.conntrack.clone_from(&start.conntrack);
        }
        *counts.entry(name(&outcome)).or_insert(0) += 1;
    }
    counts
}

#[test]
fn quiet_connections_match_recorded_ones_draw_for_draw() {
    let spread = scenario("spread");
    let counts = same_as_recorded(&spread, 1, "client", "http://172.16.120.63:31300/", 400, true);
    // The three pods all answered: every connection was decided by the statistic cascade.
    assert_eq!(counts.len(), 3, "{counts:?}");
    assert!(counts.keys().all(|pod| pod.starts_with("default/spread-")), "{counts:?}");
    // Without forgetting, connections pile up in conntrack; still the same, draw for draw.
    same_as_recorded(&spread, 2, "client", "http://172.16.120.63:31300/", 300, false);

    // The pod behind ClientIP affinity stays the same (`recent --rcheck` and `--set`).
    let affinity = scenario("affinity");
    let sticky = same_as_recorded(&affinity, 3, "client", "http://172.16.120.63:31100/", 100, true);
    assert_eq!(sticky.len(), 1, "{sticky:?}");

    // Names resolved through CoreDNS, then the ClusterIP; and a pod's own Service.
    let pods = scenario("pod-clusterip");
    same_as_recorded(&pods, 4, "default/client", "http://other:8080/", 60, true);
    same_as_recorded(&pods, 5, "web-b", "http://10.96.100.10:8080/", 60, true);
}

#[test]
fn quiet_connections_keep_the_rule_that_rejected_or_dropped() {
    // REJECT in KUBE-SERVICES / KUBE-EXTERNAL-SERVICES: the outcome names the rule.
    let empty = scenario("no-endpoints");
    let rejected = same_as_recorded(&empty, 5, "default/client", "http://10.96.100.30/", 20, true);
    assert!(rejected.keys().all(|outcome| outcome.starts_with("rejected on ")), "{rejected:?}");
    same_as_recorded(&empty, 5, "client", "http://172.16.120.63:31200/", 20, true);
    // DROP in KUBE-PROXY-FIREWALL for a source outside loadBalancerSourceRanges.
    let ranges = scenario("lb-source-ranges");
    let dropped = same_as_recorded(&ranges, 6, "client", "http://172.16.120.200/", 20, true);
    assert!(dropped.keys().all(|outcome| outcome.contains("filter KUBE-PROXY-FIREWALL #")), "{dropped:?}");
}

#[test]
fn quiet_connections_through_envoy_and_at_scale() {
    let path = format!("{}/../static/examples/post-default.yaml", env!("CARGO_MANIFEST_DIR"));
    let post = lab_from(&std::fs::read_to_string(path).unwrap());
    let envoy = same_as_recorded(&post, 7, "client", "http://172.16.120.63:32023/cinnamon", 40, true);
    // Envoy (the NodePort's pods) routed `/cinnamon` to its one backend pod.
    assert!(envoy.keys().all(|pod| pod.starts_with("default/cinnamon-")), "{envoy:?}");
    // 200 more Services: KUBE-SERVICES is long, and the web Service sits in its middle.
    let scaled = Lab::new(scale::cluster(200));
    let web = same_as_recorded(&scaled, 8, "node1", scale::WEB_URL, 150, true);
    assert_eq!(web.len(), 10, "{web:?}");
}

/// The pod (or host) that answered, else the outcome's text.
fn name(outcome: &Outcome) -> String {
    match outcome {
        Outcome::Answered { host, pod, .. } => pod.clone().unwrap_or_else(|| host.clone()),
        other => other.to_string(),
    }
}

/// `trace::spread` (quiet, with the rules indexed) counts exactly what `runs` recorded traces
/// count, each starting from the session's conntrack tables.
fn spread_counts_what_recorded_traces_count(lab: &Lab, from: &str, url: &str, seed: u64, runs: u64) {
    let session = Session::new(seed);
    let spread = trace::spread(lab, &session, from, url, runs);
    // The same connections, each recorded in full from the session's conntrack tables.
    let mut copy = session.clone();
    let mut expected: BTreeMap<String, u64> = BTreeMap::new();
    for _ in 0..runs {
        let recorded = trace::trace(lab, &mut copy, from, url, &handshake());
        assert!(matches!(recorded.outcome, Outcome::Answered { .. }), "{}", recorded.outcome);
        *expected.entry(name(&recorded.outcome)).or_insert(0) += 1;
        copy.conntrack.clone_from(&session.conntrack);
    }
    let counted: BTreeMap<String, u64> =
        spread.shares.iter().map(|share| (share.endpoint.clone(), share.count)).collect();
    assert_eq!(counted, expected);
    // Same seed, same counts; the session given is untouched.
    assert_eq!(trace::spread(lab, &session, from, url, runs), spread);
    assert_eq!(session, Session::new(seed));
}

#[test]
fn spread_counts_what_recorded_traces_count_small_and_at_scale() {
    spread_counts_what_recorded_traces_count(&scenario("spread"), "client", "http://172.16.120.63:31300/", 11, 500);
    // 200 more Services: the index skips most of KUBE-SERVICES on every node the packets cross.
    let scaled = Lab::new(scale::cluster(200));
    spread_counts_what_recorded_traces_count(&scaled, "node1", scale::WEB_URL, 12, 200);
    spread_counts_what_recorded_traces_count(&scaled, "client", "http://172.16.120.63:31000/", 13, 50);
}

#[test]
fn spread_forgets_each_connection_so_a_session_never_fills_up() {
    // 3,000 connections from one client address to one NodePort: kept, the tables would hold
    // 3,000 flows and the client would start redrawing taken ports. Forgotten, every
    // connection is answered and the counts are near a third each.
    let lab = scenario("spread");
    let session = Session::new(12);
    let runs = 3000;
    let spread = trace::spread(&lab, &session, "client", "http://172.16.120.63:31300/", runs);
    let answered: Vec<&trace::EndpointShare> =
        spread.shares.iter().filter(|share| share.endpoint.starts_with("default/spread-")).collect();
    assert_eq!(answered.len(), 3, "{spread:?}");
    assert_eq!(answered.iter().map(|share| share.count).sum::<u64>(), runs, "{spread:?}");
    // Pearson's chi-square with 2 degrees of freedom; 13.82 is the 0.999 quantile.
    let chi_square: f64 = answered
        .iter()
        .map(|share| {
            let expected = share.probability * runs as f64;
            (share.count as f64 - expected).powi(2) / expected
        })
        .sum();
    assert!(chi_square < 13.82, "chi-square {chi_square}: {spread:?}");
}

#[test]
fn quiet_evaluation_matches_every_table_and_hook() {
    // Every table at every hook of every node, for packets to the post's NodePort, every
    // ClusterIP and every pod, each from a few sources: verdict, NAT decision, mark, deciding
    // rule, node state and generator all equal, draw after draw, recorded, quiet and quiet
    // with the rules indexed. Once on the post's default cluster, once with 40 more Services
    // (long enough chains for the index to skip).
    let path = format!("{}/../static/examples/post-default.yaml", env!("CARGO_MANIFEST_DIR"));
    let (compared, nat_decisions) = compare_evaluations(&lab_from(&std::fs::read_to_string(path).unwrap()), 1);
    assert!(compared > 10_000, "{compared}");
    assert!(nat_decisions > 100, "{nat_decisions}");
    // Every eighth ClusterIP and pod there.
    let (compared, nat_decisions) = compare_evaluations(&Lab::new(scale::cluster(40)), 8);
    assert!(compared > 5_000, "{compared}");
    assert!(nat_decisions > 50, "{nat_decisions}");
}

/// The comparison of [`quiet_evaluation_matches_every_table_and_hook`] on one lab, for every
/// `stride`-th ClusterIP and pod address: how many evaluations were compared and how many of
/// them made a NAT decision.
fn compare_evaluations(lab: &Lab, stride: usize) -> (usize, usize) {
    let destinations = lab
        .cluster
        .services
        .iter()
        .filter_map(|service| service.cluster_ip)
        .chain(lab.cluster.pods.iter().filter_map(|pod| pod.ip))
        .step_by(stride)
        .chain(["172.16.120.63".parse().unwrap()]);
    let destinations: Vec<std::net::Ipv4Addr> = destinations.collect();
    let sources: Vec<std::net::Ipv4Addr> = ["172.16.120.61", "192.168.56.140", "10.0.0.9"]
        .iter()
        .map(|text| text.parse().unwrap())
        .collect();
    let ports = [80, 443, 8080, 31000, 32023, 53];
    let hooks = [Hook::PreRouting, Hook::Input, Hook::Forward, Hook::Output, Hook::PostRouting];
    let tables = [Table::Raw, Table::Mangle, Table::Nat, Table::Filter];
    let metas = [
        PacketMeta::received_on("eth0"),
        PacketMeta::received_on("tunl0"),
        PacketMeta {
            mark: 0x4000,
            in_interface: None,
            out_interface: Some("eth0".to_string()),
        },
    ];
    let mut compared = 0;
    let mut nat_decisions = 0;
    for (node, rules) in &lab.rules {
        let addresses = lab.addresses.get(node).unwrap();
        let index = WalkIndex::new(&rules.ruleset);
        let (mut rng_full, mut rng_quiet, mut rng_indexed) = (Rng::seeded(21), Rng::seeded(21), Rng::seeded(21));
        let (mut state_full, mut state_quiet, mut state_indexed) =
            (NetfilterState::default(), NetfilterState::default(), NetfilterState::default());
        for destination in &destinations {
            for source in &sources {
                for port in ports {
                    let packet = Packet::tcp(*source, *destination, TcpSegment::syn(40000, port, 1));
                    for meta in &metas {
                        for hook in hooks {
                            for table in tables {
                                let mut full_ctx = EvalContext {
                                    addresses,
                                    conntrack: CtView::new_connection(),
                                    ipsets: &rules.ipsets,
                                    now_secs: 100,
                                    masquerade_source: Some("172.16.120.62".parse().unwrap()),
                                    state: &mut state_full,
                                    rng: &mut rng_full,
                                };
                                let full = evaluate(&rules.ruleset, table, hook, &packet, meta, &mut full_ctx);
                                let mut quiet_ctx = EvalContext {
                                    addresses,
                                    conntrack: CtView::new_connection(),
                                    ipsets: &rules.ipsets,
                                    now_secs: 100,
                                    masquerade_source: Some("172.16.120.62".parse().unwrap()),
                                    state: &mut state_quiet,
                                    rng: &mut rng_quiet,
                                };
                                let quiet = evaluate_quiet(&rules.ruleset, table, hook, &packet, meta, &mut quiet_ctx);
                                let mut indexed_ctx = EvalContext {
                                    addresses,
                                    conntrack: CtView::new_connection(),
                                    ipsets: &rules.ipsets,
                                    now_secs: 100,
                                    masquerade_source: Some("172.16.120.62".parse().unwrap()),
                                    state: &mut state_indexed,
                                    rng: &mut rng_indexed,
                                };
                                let indexed = index.evaluate_quiet(table, hook, &packet, meta, &mut indexed_ctx);
                                let what = format!("{node} {table} {hook} {packet:?} {meta:?}");
                                // The generator: same state, same values drawn (purposes differ).
                                let values = |rng: &mut Rng| -> Vec<u64> {
                                    rng.take_draws().iter().map(|draw| draw.value).collect()
                                };
                                let drawn = values(&mut rng_full);
                                for (kind, other, state, rng) in [
                                    ("quiet", &quiet, &state_quiet, &mut rng_quiet),
                                    ("indexed", &indexed, &state_indexed, &mut rng_indexed),
                                ] {
                                    assert!(other.steps.is_empty(), "{kind} {what}");
                                    assert_eq!(full.verdict, other.verdict, "{kind} {what}");
                                    assert_eq!(full.nat, other.nat, "{kind} {what}");
                                    assert_eq!(full.mark_after, other.mark_after, "{kind} {what}");
                                    assert_eq!(full.decided_by, other.decided_by, "{kind} {what}");
                                    assert_eq!(&state_full, state, "{kind} {what}");
                                    assert_eq!(drawn, values(rng), "{kind} {what}");
                                    assert_eq!(&rng_full, &*rng, "{kind} {what}");
                                }
                                // The recorded walk's last deciding step is the rule named.
                                let last = full.steps.last().and_then(|step| step.number().map(|n| (step.chain.clone(), n)));
                                if let Some(rule) = &full.decided_by {
                                    assert_eq!(last, Some((rule.chain.clone(), rule.number)), "{what}");
                                }
                                nat_decisions += usize::from(full.nat.is_some());
                                compared += 1;
                            }
                        }
                    }
                }
            }
        }
    }
    (compared, nat_decisions)
}
