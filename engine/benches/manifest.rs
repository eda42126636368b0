//! Benchmarks for the first stages on the browser measure's big text: 1,000 Services x 10
//! endpoints as YAML (benches/common/load_text.rs, the text e2e/measure.mjs pastes; 1.7 MB,
//! 2,000 documents, of which `MAX_DOCUMENTS` are read).
//!
//! `parse`: the whole text with `manifest::parse` (what every analysis cost before the
//! editor kept a `manifest::Parser`). `parser after a one-line edit`: `manifest::Parser` on a
//! text differing from the last one in one Service's name, as in the page after a keystroke.
//! `cluster::build`: the parsed objects to a cluster. Run with
//! `cargo bench -p packetlab-engine --bench manifest`; figures are in BENCHMARKS.md.

use std::hint::black_box;

use criterion::{Criterion, criterion_group, criterion_main};

#[path = "common/load_text.rs"]
mod load_text;

fn manifest(c: &mut Criterion) {
    let mut group = c.benchmark_group("1,000 Services x 10 endpoints as YAML");
    group.sample_size(10);
    let text = load_text::manifest_text(1000, 10);
    let edited = [
        text.replacen("name: svc-0\n", "name: svc-0q\n", 1),
        text.replacen("name: svc-0\n", "name: svc-0r\n", 1),
    ];
    group.bench_function("yaml::load", |b| b.iter(|| engine::yaml::load(black_box(&text))));
    group.bench_function("parse", |b| b.iter(|| engine::manifest::parse(black_box(&text))));
    let mut parser = engine::manifest::Parser::default();
    parser.parse(&text);
    let mut round = 0usize;
    group.bench_function("parser after a one-line edit", |b| {
        b.iter(|| {
            round = round.wrapping_add(1);
            let (manifests, diagnostics) = parser.parse(black_box(&edited[round % 2]));
            (manifests.objects.len(), diagnostics)
        })
    });
    let (manifests, _) = engine::manifest::parse(&text);
    group.bench_function("cluster::build", |b| b.iter(|| engine::cluster::build(black_box(&manifests))));
    group.finish();
}

criterion_group!(benches, manifest);
criterion_main!(benches);
