//! Benchmarks for the rule pipeline at scale: kube-proxy's rules for N Services x 10 endpoints.
//!
//! Stages, each measured alone: `generate` (Cluster -> typed Ruleset for one node), `render`
//! (Ruleset -> exact `iptables-save` text) and `parse` (that text -> Ruleset again, what the
//! tracer evaluates). Run with `cargo bench -p packetlab-engine --bench rules`; figures and
//! the machine are recorded in BENCHMARKS.md.

use std::hint::black_box;
use criterion::{BenchmarkId, Criterion, criterion_group, criterion_main};

#[path = "common/load.rs"]
mod load;
use engine::cluster::Cluster;
use engine::netfilter::{SaveOptions, parse, save};

/// The post's default cluster plus `count` ClusterIP Services (benches/common/load.rs).
fn cluster_with_services(count: u32) -> Cluster {
    let (manifests, _) = engine::manifest::parse("");
    let (mut cluster, _) = engine::cluster::build(&manifests);
    load::add_services(&mut cluster, count);
    cluster
}

fn rules(c: &mut Criterion) {
    let mut group = c.benchmark_group("kube-proxy rules, N Services x 10 endpoints");
    group.sample_size(10);
    let options = SaveOptions::new("Sat Jul  4 12:00:00 2020");
    for count in [1_000u32, 10_000] {
        let cluster = cluster_with_services(count);
        let ruleset = engine::kubeproxy::generate(&cluster, "node1");
        let text = save(&ruleset, &options);
        group.bench_with_input(BenchmarkId::new("generate", count), &cluster, |b, cluster| {
            b.iter(|| engine::kubeproxy::generate(black_box(cluster), "node1"))
        });
        group.bench_with_input(BenchmarkId::new("render", count), &ruleset, |b, ruleset| {
            b.iter(|| save(black_box(ruleset), &options))
        });
        group.bench_with_input(BenchmarkId::new("generate+render", count), &cluster, |b, cluster| {
            b.iter(|| save(&engine::kubeproxy::generate(black_box(cluster), "node1"), &options))
        });
        group.bench_with_input(BenchmarkId::new("parse", count), &text, |b, text| {
            b.iter(|| parse(black_box(text)))
        });
    }
    group.finish();
}

criterion_group!(benches, rules);
criterion_main!(benches);
