//! Writes kube-proxy's `iptables-save` text for node1 of the post's default cluster plus N
//! ClusterIP Services x 10 endpoints (the `rules` bench's cluster, engine/benches/common/load.rs)
//! and prints how long generate + render took, for scripts/bench-restore.sh, which restores the
//! same text with the kernel's `iptables-restore` and prints the ratio.
//!
//! Run with `cargo run -p packetlab-engine --profile bench --example rules_text -- N FILE [RUNS]`:
//! generate + render are timed RUNS times (default 3); each line `generate+render SECONDS`.

#![allow(clippy::unwrap_used, clippy::expect_used, reason = "a measuring tool fails loudly")]
#![allow(clippy::disallowed_methods, reason = "a benchmark times itself; the engine reads no clock")]

use std::hint::black_box;
use std::time::Instant;

use engine::netfilter::{SaveOptions, save};

#[path = "../benches/common/load.rs"]
mod load;

fn main() {
    let mut args = std::env::args().skip(1);
    let count: u32 = args.next().expect("N").parse().expect("N is a number");
    let path = args.next().expect("FILE");
    let runs: u32 = args.next().map_or(3, |arg| arg.parse().expect("RUNS is a number"));
    let (manifests, _) = engine::manifest::parse("");
    let (mut cluster, _) = engine::cluster::build(&manifests);
    load::add_services(&mut cluster, count);
    let options = SaveOptions::new("Sat Jul  4 12:00:00 2020");
    let mut text = String::new();
    for _ in 0..runs {
        let start = Instant::now();
        text = save(&engine::kubeproxy::generate(black_box(&cluster), "node1"), &options);
        println!("generate+render {:.3}", start.elapsed().as_secs_f64());
    }
    std::fs::write(&path, &text).expect("write the rules");
    println!("rules {} lines {} bytes {}", text.lines().filter(|line| line.starts_with("-A ")).count(), text.lines().count(), text.len());
}
