//! Packet traces through the cluster: one folder per scenario under `tests/trace/`, each with
//! `input.yaml` and goldens of the trace rendered one step per line (regenerate with
//! `UPDATE_EXPECT=1`). The facts the goldens show are asserted next to them.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::net::Ipv4Addr;

use engine::cluster;
use engine::manifest;
use engine::trace::{self, Event, Lab, Outcome, Session, Trace, TraceOptions};
use expect_test::expect_file;

fn lab(scenario: &str) -> Lab {
    let path = format!("{}/tests/trace/{scenario}/input.yaml", env!("CARGO_MANIFEST_DIR"));
    let text = std::fs::read_to_string(path).unwrap();
    let (manifests, _) = manifest::parse(&text);
    let (cluster, _) = cluster::build(&manifests);
    Lab::new(cluster)
}

fn ip(text: &str) -> Ipv4Addr {
    text.parse().unwrap()
}

fn run(lab: &Lab, session: &mut Session, from: &str, url: &str) -> Trace {
    trace::trace(lab, session, from, url, &TraceOptions::default())
}

/// The addresses each device saw, for checking hops: `host dev rx|tx src > dst [inner src > dst]`.
fn device_hops(trace: &Trace) -> Vec<String> {
    trace
        .steps
        .iter()
        .filter_map(|step| {
            let (dir, packet) = match &step.event {
                Event::DeviceRx { packet } => ("rx", packet),
                Event::DeviceTx { packet } => ("tx", packet),
                _ => return None,
            };
            let trace::At::Device(dev) = &step.at else { return None };
            let inner = packet.innermost();
            let outer = if inner == packet { String::new() } else { format!(" outer {} > {}", packet.ip.src, packet.ip.dst) };
            Some(format!("{} {dev} {dir} {}:{} > {}:{}{outer}", step.host, inner.ip.src, inner.src_port().unwrap_or(0), inner.ip.dst, inner.dst_port().unwrap_or(0)))
        })
        .collect()
}

#[test]
fn seed_nodeport_flow() {
    let lab = lab("seed-nodeport");
    let mut session = Session::new(1);
    let traced = run(&lab, &mut session, "client", "http://172.16.120.63:31000/");
    println!("{}", traced.text());
    for hop in device_hops(&traced) {
        println!("{hop}");
    }
    match &traced.outcome {
        Outcome::Answered { pod, seen_source, .. } => {
            assert_eq!(pod.as_deref(), Some("default/nginx"));
            assert_eq!(seen_source.0, ip("192.168.56.128"));
        }
        other => panic!("{other}"),
    }
}
