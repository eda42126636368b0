//! Benchmarks for packet traces at scale: the blog post's NodePort Service plus 1,000
//! ClusterIP Services x 10 endpoints, so every node's nat table holds 1,000 `KUBE-SERVICES`
//! rules and 10,000 `KUBE-SEP` chains next to Felix's chains.
//!
//! Measured: building the lab (hosts, and every node's kube-proxy + Calico rules rendered
//! and parsed back), one full trace (client -> NodePort 31000 on node1, handshake, request,
//! response and close, as `curl` runs it), the exact probabilities of one ClusterIP from
//! node1 (`trace::spread` with no draws), Monte Carlo draws as `lab spread` makes them (each
//! one a traced handshake, in batches of 100), and the kube-proxy draw alone: node1's nat
//! PREROUTING evaluated for a new SYN to a Service (the `statistic --mode random` cascade),
//! in batches of 100. With `PACKETLAB_MILLION=1` one run of 1,000,000 nat draws is timed
//! once after criterion and printed with its endpoint counts (at the current per-draw cost
//! that takes over an hour).
//!
//! Run with `cargo bench -p packetlab-engine --bench trace`; the figures and the machine are
//! recorded in BENCHMARKS.md.

#![allow(clippy::unwrap_used, clippy::expect_used, reason = "benchmark setup fails loudly")]

use std::collections::BTreeMap;
use std::hint::black_box;
use std::net::Ipv4Addr;
use std::time::Instant;

use criterion::{Criterion, criterion_group};

#[path = "common/load.rs"]
mod load;
use engine::cluster::Cluster;
use engine::netfilter::eval::{CtView, EvalContext, LocalAddresses, NetfilterState, evaluate};
use engine::netfilter::{Hook, Table};
use engine::packet::{Packet, PacketMeta, TcpSegment};
use engine::random::Rng;
use engine::trace::{self, Lab, Session, TraceOptions};

/// The blog post's nginx pod (192.168.231.166 on node2) behind NodePort 31000.
const POST: &str = include_str!("../tests/trace/seed-nodeport/input.yaml");

/// Services added next to the post's.
const SERVICES: u32 = 1000;

/// The post's cluster plus `SERVICES` ClusterIP Services in namespace `load` (benches/common/load.rs).
fn cluster() -> Cluster {
    let (manifests, _) = engine::manifest::parse(POST);
    let (mut cluster, _) = engine::cluster::build(&manifests);
    load::add_services(&mut cluster, SERVICES);
    cluster
}

/// The Service in the middle of `KUBE-SERVICES`, so a draw walks half the list first.
const MIDDLE: &str = "http://10.100.1.244/";
const MIDDLE_IP: Ipv4Addr = Ipv4Addr::new(10, 100, 1, 244);

/// `draws` evaluations of node1's nat PREROUTING for a new SYN from the client to the middle
/// Service, each with its own `statistic` draw; returns the DNAT destinations counted.
fn nat_draws(lab: &Lab, rng: &mut Rng, draws: u32) -> BTreeMap<Ipv4Addr, u32> {
    let rules = lab.node_rules("node1").expect("node1 has rules");
    let addresses: &LocalAddresses = lab.addresses.get("node1").expect("node1 has addresses");
    let syn = Packet::tcp(Ipv4Addr::new(172, 16, 120, 61), MIDDLE_IP, TcpSegment::syn(40000, 80, 1));
    let meta = PacketMeta::received_on("eth0");
    let mut counts = BTreeMap::new();
    for _ in 0..draws {
        let mut state = NetfilterState::default();
        let mut ctx = EvalContext {
            addresses,
            conntrack: CtView::new_connection(),
            ipsets: &rules.ipsets,
            now_secs: 0,
            masquerade_source: None,
            state: &mut state,
            rng,
        };
        let evaluation = evaluate(&rules.ruleset, Table::Nat, Hook::PreRouting, &syn, &meta, &mut ctx);
        if let Some(destination) = evaluation.nat.as_ref().and_then(|nat| nat.destination()) {
            *counts.entry(destination.0).or_insert(0) += 1;
        }
    }
    counts
}

fn traces(c: &mut Criterion) {
    let cluster = cluster();
    let mut group = c.benchmark_group("trace_1000_services");
    group.sample_size(10);
    group.bench_function("lab_new", |b| b.iter(|| Lab::new(black_box(cluster.clone()))));
    let lab = Lab::new(cluster);
    let session = Session::new(1);
    // The trace reaches the post's pod, and the pod sees node1's tunl0 address.
    let check = trace::trace(&lab, &mut session.clone(), "client", "http://172.16.120.63:31000/", &TraceOptions::default());
    assert!(check.outcome.to_string().contains("192.168.56.128"), "{}", check.outcome);
    group.bench_function("one_trace_nodeport", |b| {
        b.iter(|| {
            let mut session = session.clone();
            trace::trace(&lab, &mut session, "client", black_box("http://172.16.120.63:31000/"), &TraceOptions::default())
        });
    });
    // node1 reaches a ClusterIP through its own nat OUTPUT chain (the client outside the
    // cluster has no route to the Service range).
    let exact = trace::spread(&lab, &session, "node1", MIDDLE, 0);
    assert_eq!(exact.shares.len(), 10, "{exact:?}");
    group.bench_function("spread_exact", |b| b.iter(|| trace::spread(&lab, &session, "node1", black_box(MIDDLE), 0)));
    group.bench_function("spread_100_traced_draws", |b| {
        b.iter(|| trace::spread(&lab, &session, "node1", black_box(MIDDLE), 100));
    });
    group.bench_function("nat_draws_100", |b| {
        let mut rng = Rng::seeded(1);
        b.iter(|| nat_draws(&lab, &mut rng, black_box(100)));
    });
    group.finish();
}

/// One run of 1,000,000 nat draws, timed once, with the counts per endpoint (each should be
/// near 100,000: kube-proxy's cascade gives each of the 10 endpoints 1/10).
fn million_draws() {
    let lab = Lab::new(cluster());
    let mut rng = Rng::seeded(1);
    #[allow(clippy::disallowed_methods, reason = "a benchmark times itself; the engine reads no clock")]
    let start = Instant::now();
    let counts = nat_draws(&lab, &mut rng, 1_000_000);
    let elapsed = start.elapsed();
    println!("1,000,000 nat draws at {SERVICES} Services: {:.2} s", elapsed.as_secs_f64());
    for (address, count) in &counts {
        println!("  {address}: {count}");
    }
    assert_eq!(counts.values().sum::<u32>(), 1_000_000);
}

criterion_group!(benches, traces);

fn main() {
    benches();
    Criterion::default().configure_from_args().final_summary();
    // Opt in with `PACKETLAB_MILLION=1` (criterion owns the command line).
    if std::env::var_os("PACKETLAB_MILLION").is_some() {
        million_draws();
    }
}
