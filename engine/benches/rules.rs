//! Benchmarks for the rule pipeline at scale: kube-proxy's rules for N Services x 10 endpoints.
//!
//! Stages, each measured alone: `generate` (Cluster -> typed Ruleset for one node), `render`
//! (Ruleset -> exact `iptables-save` text) and `parse` (that text -> Ruleset again, what the
//! tracer evaluates). Run with `cargo bench -p packetlab-engine --bench rules`; figures and
//! the machine are recorded in BENCHMARKS.md.

use std::hint::black_box;
use std::net::Ipv4Addr;

use criterion::{BenchmarkId, Criterion, criterion_group, criterion_main};
use engine::cluster::{Cluster, Endpoint, EndpointPort, EndpointSlice, Service, ServicePort, TargetPort};
use engine::net::Protocol;
use engine::netfilter::{SaveOptions, parse, save};

/// The post's default cluster plus `count` ClusterIP Services in namespace `load`, each with
/// 10 ready endpoints spread over node1 and node2.
fn cluster_with_services(count: u32) -> Cluster {
    let (manifests, _) = engine::manifest::parse("");
    let (mut cluster, _) = engine::cluster::build(&manifests);
    for index in 0..count {
        let name = format!("svc-{index}");
        let [_, _, high, low] = index.to_be_bytes();
        cluster.services.push(Service {
            namespace: "load".to_string(),
            name: name.clone(),
            cluster_ip: Some(Ipv4Addr::new(10, 100, high, low)),
            ports: vec![ServicePort {
                name: Some("http".to_string()),
                protocol: Protocol::Tcp,
                port: 80,
                target_port: TargetPort::Number(8080),
                node_port: None,
            }],
            ..Service::default()
        });
        let endpoints = (0..10u8)
            .map(|endpoint| Endpoint {
                addresses: vec![Ipv4Addr::new(10, 200 + endpoint, high, low)],
                ready: Some(true),
                serving: Some(true),
                terminating: Some(false),
                node_name: Some(if endpoint % 2 == 0 { "node1" } else { "node2" }.to_string()),
                ..Endpoint::default()
            })
            .collect();
        cluster.endpoint_slices.push(EndpointSlice {
            namespace: "load".to_string(),
            name: format!("{name}-abcde"),
            service_name: name,
            address_type: "IPv4".to_string(),
            endpoints,
            ports: vec![EndpointPort { name: Some("http".to_string()), port: Some(8080), protocol: Protocol::Tcp }],
            managed_by_lab: false,
        });
    }
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
