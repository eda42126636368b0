//! Benchmarks for packet traces and Monte Carlo draws, on the lab's default cluster and with
//! 1,000 more ClusterIP Services x 10 endpoints (engine/benches/common/scale.rs: the post's
//! cluster with its Ingress demo, ten whoami pods behind `load/svc-500-web` near the middle of
//! `KUBE-SERVICES`, and the `load` Services).
//!
//! Measured, for each size:
//! - `lab_new`: hosts, and every node's kube-proxy + Calico rules rendered and parsed back;
//! - `trace_nodeport`: one full connection as `curl` makes it, client -> 172.16.120.63:31000
//!   (handshake, request, response, close; every hook, table and rule recorded);
//! - `trace_pod_clusterip`: the same from the post's nginx pod to the web Service's ClusterIP;
//! - `spread_exact`: the exact odds from node1 to the web Service (`trace::spread`, no draws);
//! - `spread_1000`: the app's "Send 1,000": `trace::spread` with 1,000 Monte Carlo draws
//!   (each a quiet, indexed handshake whose conntrack entries are forgotten afterwards);
//! - `nat_walk_{recorded,quiet,indexed}`: node1's nat OUTPUT for a new SYN to the web
//!   Service, with its `statistic` draw, 100 times: `eval::evaluate` (every rule a step),
//!   `eval::evaluate_quiet` and `WalkIndex::evaluate_quiet`.
//!
//! A million draws: engine/examples/montecarlo.rs (native) and scripts/bench-wasm.sh (wasm).
//! Run with `cargo bench -p packetlab-engine --bench trace`; the figures and the machine are
//! recorded in BENCHMARKS.md.

#![allow(clippy::unwrap_used, clippy::expect_used, reason = "benchmark setup fails loudly")]

use std::hint::black_box;
use std::net::Ipv4Addr;

use criterion::{Criterion, criterion_group, criterion_main};

#[path = "common/scale.rs"]
mod scale;
use engine::netfilter::eval::{
    CtView, EvalContext, Evaluation, LocalAddresses, NetfilterState, WalkIndex, evaluate, evaluate_quiet,
};
use engine::netfilter::{Hook, Table};
use engine::packet::{Packet, PacketMeta, TcpSegment};
use engine::random::Rng;
use engine::trace::{self, Lab, Outcome, Session, TraceOptions};

/// The web Service's ClusterIP (`scale::WEB_URL`).
const WEB_IP: Ipv4Addr = Ipv4Addr::new(10, 96, 200, 10);

/// How node1's nat OUTPUT is walked in the `nat_walk_*` benchmarks.
#[derive(Clone, Copy)]
enum Walk {
    Recorded,
    Quiet,
    Indexed,
}

/// `draws` walks of node1's nat OUTPUT for a new SYN from node1 to the web Service, each with
/// its own `statistic` draw; returns how many were DNATed.
fn nat_walks(lab: &Lab, index: &WalkIndex<'_>, walk: Walk, rng: &mut Rng, draws: u32) -> u32 {
    let rules = lab.node_rules("node1").expect("node1 has rules");
    let addresses: &LocalAddresses = lab.addresses.get("node1").expect("node1 has addresses");
    let syn = Packet::tcp(Ipv4Addr::new(172, 16, 120, 63), WEB_IP, TcpSegment::syn(40000, 80, 1));
    let meta = PacketMeta {
        mark: 0,
        in_interface: None,
        out_interface: Some("eth0".to_string()),
    };
    let mut dnat = 0;
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
        let evaluation: Evaluation = match walk {
            Walk::Recorded => evaluate(&rules.ruleset, Table::Nat, Hook::Output, &syn, &meta, &mut ctx),
            Walk::Quiet => evaluate_quiet(&rules.ruleset, Table::Nat, Hook::Output, &syn, &meta, &mut ctx),
            Walk::Indexed => index.evaluate_quiet(Table::Nat, Hook::Output, &syn, &meta, &mut ctx),
        };
        dnat += u32::from(evaluation.nat.is_some());
        let _ = rng.take_draws();
    }
    dnat
}

fn traces(c: &mut Criterion) {
    for services in [0u32, 1000] {
        let cluster = scale::cluster(services);
        let mut group = c.benchmark_group(format!("trace/{services}_extra_services"));
        group.sample_size(10);
        group.bench_function("lab_new", |b| b.iter(|| Lab::new(black_box(cluster.clone()))));
        let lab = Lab::new(cluster);
        let session = Session::new(1);
        let nginx = lab
            .cluster
            .pods
            .iter()
            .find(|pod| pod.namespace == "default" && pod.name.starts_with("web-"))
            .expect("the post's nginx pod")
            .key();
        // Both traces are answered: by the post's nginx pod, and by one of the web pods.
        let options = TraceOptions::default();
        let nodeport = "http://172.16.120.63:31000/";
        let check = trace::trace(&lab, &mut session.clone(), "client", nodeport, &options);
        assert!(matches!(check.outcome, Outcome::Answered { .. }), "{}", check.outcome);
        let check = trace::trace(&lab, &mut session.clone(), &nginx, scale::WEB_URL, &options);
        assert!(check.outcome.to_string().contains("load/web-"), "{}", check.outcome);
        group.bench_function("trace_nodeport", |b| {
            b.iter(|| trace::trace(&lab, &mut session.clone(), "client", black_box(nodeport), &options));
        });
        group.bench_function("trace_pod_clusterip", |b| {
            b.iter(|| trace::trace(&lab, &mut session.clone(), &nginx, black_box(scale::WEB_URL), &options));
        });
        let exact = trace::spread(&lab, &session, "node1", scale::WEB_URL, 0);
        assert_eq!(exact.shares.len(), 10, "{exact:?}");
        group.bench_function("spread_exact", |b| {
            b.iter(|| trace::spread(&lab, &session, "node1", black_box(scale::WEB_URL), 0));
        });
        group.bench_function("spread_1000", |b| {
            b.iter(|| trace::spread(&lab, &session, "node1", black_box(scale::WEB_URL), 1000));
        });
        let rules = lab.node_rules("node1").expect("node1 has rules");
        let index = WalkIndex::new(&rules.ruleset);
        for (name, walk) in [
            ("nat_walk_recorded_100", Walk::Recorded),
            ("nat_walk_quiet_100", Walk::Quiet),
            ("nat_walk_indexed_100", Walk::Indexed),
        ] {
            let mut rng = Rng::seeded(1);
            assert_eq!(nat_walks(&lab, &index, walk, &mut rng, 10), 10);
            group.bench_function(name, |b| b.iter(|| nat_walks(&lab, &index, walk, &mut rng, black_box(100))));
        }
        group.finish();
    }
}

criterion_group!(benches, traces);
criterion_main!(benches);
