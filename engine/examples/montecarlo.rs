//! Times `trace::spread`'s Monte Carlo draws at scale: the lab's default cluster, ten web pods
//! and N ClusterIP Services x 10 endpoints (engine/benches/common/scale.rs), COUNT connections
//! from node1 to the web Service (`load/svc-500-web`, near the middle of `KUBE-SERVICES`).
//! Prints draws per second, the counts next to the exact odds, and Pearson's chi-square
//! between them.
//!
//! Run with `cargo run -p packetlab-engine --profile bench --example montecarlo -- [COUNT] [SERVICES]`
//! (defaults: 1,000,000 draws, 1,000 Services). Not part of the engine: a measuring tool whose
//! figures are recorded in BENCHMARKS.md.

#![allow(clippy::unwrap_used, clippy::expect_used, reason = "a measuring tool fails loudly")]
#![allow(clippy::disallowed_methods, reason = "a benchmark times itself; the engine reads no clock")]

use std::time::Instant;

use engine::trace::{self, Lab, Session};

#[path = "../benches/common/scale.rs"]
mod scale;

fn main() {
    let mut args = std::env::args().skip(1);
    let count: u64 = args.next().map_or(1_000_000, |arg| arg.parse().expect("COUNT is a number"));
    let services: u32 = args.next().map_or(1000, |arg| arg.parse().expect("SERVICES is a number"));
    let cluster = scale::cluster(services);
    let built = Instant::now();
    let lab = Lab::new(cluster);
    println!("lab with {services} Services built in {:.2} s", built.elapsed().as_secs_f64());
    let url = scale::WEB_URL;
    let session = Session::new(1);
    let start = Instant::now();
    let spread = trace::spread(&lab, &session, "node1", url, count);
    let seconds = start.elapsed().as_secs_f64();
    println!(
        "{count} draws node1 -> {url}: {seconds:.2} s, {:.0} draws/s ({:.1} us per draw)",
        count as f64 / seconds,
        seconds * 1e6 / count as f64
    );
    for share in &spread.shares {
        println!("  {:<28} exact {:.10}  counted {}", share.endpoint, share.probability, share.count);
    }
    // Pearson's chi-square of the counts against the exact odds (k endpoints: k - 1 degrees
    // of freedom; for 10 endpoints the 0.999 quantile is 27.88).
    let chi_square: f64 = spread
        .shares
        .iter()
        .filter(|share| share.probability > 0.0)
        .map(|share| {
            let expected = share.probability * count as f64;
            (share.count as f64 - expected).powi(2) / expected
        })
        .sum();
    let degrees = spread.shares.iter().filter(|share| share.probability > 0.0).count().saturating_sub(1);
    println!("chi-square {chi_square:.2} with {degrees} degrees of freedom");
}
