//! Property tests: random valid clusters, written as the YAML a learner pastes, through the
//! whole engine.
//!
//! Pipeline position: end to end, from manifest text to every node's `iptables-save` and the
//! shell. For each generated cluster ([`scenario::Scenario`]): nothing panics, valid input
//! gives no error diagnostics, every node's rules print and read back to the same values,
//! every jump lands on a defined chain, building twice gives byte-identical text, and packet
//! traces to the Services (from `client`, a node and a pod; by address, NodePort and DNS name)
//! end, render, and restore the client's tuple on an answered connection's reply.
//! Deterministic: a fixed seed and 64 cases unless `PROPTEST_RNG_SEED` / `PROPTEST_CASES` say
//! otherwise, no failure files.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

#[path = "regressions/checks.rs"]
#[allow(dead_code)]
mod checks;
mod properties {
    pub mod scenario;
}

use proptest::prelude::*;
use proptest::test_runner::{Config, RngAlgorithm, RngSeed};

use properties::scenario::{self, Scenario};

/// 64 cases from a fixed seed, so CI sees the same clusters every run.
fn config() -> Config {
    let env = |name: &str| std::env::var(name).ok().and_then(|value| value.parse::<u64>().ok());
    Config {
        cases: env("PROPTEST_CASES").and_then(|cases| u32::try_from(cases).ok()).unwrap_or(64),
        rng_algorithm: RngAlgorithm::ChaCha,
        rng_seed: RngSeed::Fixed(env("PROPTEST_RNG_SEED").unwrap_or(0x6b70_6c61_6230_3036)),
        failure_persistence: None,
        ..Config::default()
    }
}

fn errors(output: &checks::PipelineOutput) -> Vec<String> {
    let errors = output.diagnostics.iter().filter(|diagnostic| diagnostic.is_error());
    errors.map(|diagnostic| diagnostic.render("generated.yaml")).collect()
}

proptest! {
    #![proptest_config(config())]

    /// No panic, no errors, every node's rules round-trip through text with clean jumps, and
    /// building the same text twice gives byte-identical rules.
    #[test]
    fn generated_clusters_run_clean(scenario in scenario::scenario()) {
        let yaml = scenario.yaml();
        let output = checks::manifest_pipeline(&yaml);
        let errors = errors(&output);
        prop_assert!(errors.is_empty(), "valid input gave errors:\n{}\n---\n{yaml}", errors.join("\n"));
        prop_assert_eq!(output.cluster.nodes.len(), usize::from(scenario.nodes));
        prop_assert_eq!(output.saves.len(), usize::from(scenario.nodes));
        // Every replica is a pod; a scheduled pod has an address from the pool.
        let replicas: usize = scenario.deployments.iter().map(|deployment| usize::from(deployment.replicas)).sum();
        let pods: Vec<_> = output.cluster.pods.iter().filter(|pod| pod.namespace == "default").collect();
        prop_assert_eq!(pods.len(), replicas, "{}", yaml);
        // Calico's default pool is 192.168.0.0/16; the generated one is 10.X.0.0/16.
        let prefix = scenario.pool.as_ref().map_or([192, 168], |pool| [10, pool.octet]);
        for pod in pods.iter().filter(|pod| pod.node_name.is_some()) {
            let ip = pod.ip.map(|ip| ip.octets());
            prop_assert!(matches!(ip, Some([a, b, _, _]) if [a, b] == prefix), "{}/{} has {:?}", pod.namespace, pod.name, pod.ip);
        }
        let again = checks::manifest_pipeline(&yaml);
        prop_assert_eq!(&output.saves, &again.saves, "building twice differs");
        // Every trace ends and renders; answered connections' replies restore the client's tuple.
        let _ = checks::traces(&output.cluster, &checks::trace_requests(&output.cluster, 8));
    }
}

/// The generator itself, and that the trace checks see real traffic: a fixed scenario prints
/// the manifests we expect, and a pod's connections to the Service (by ClusterIP and by DNS
/// name) and the client's to its NodePort are answered by the Deployment's pods.
#[test]
fn a_generated_scenario_is_plain_yaml_and_answers() {
    let port = scenario::Port { protocol: "TCP", port: 8080, named_target: true, node_port: Some(1000) };
    let service = scenario::Service {
        kind: scenario::Kind::NodePort,
        selects: Some(0),
        tier: None,
        ports: vec![port],
        external_local: false,
        internal_local: false,
        affinity: None,
        source_ranges: Vec::new(),
        external_ips: Vec::new(),
        slice_addresses: Vec::new(),
        status_ip: None,
    };
    let scenario = Scenario {
        nodes: 3,
        split: 2,
        control_plane: true,
        pool: None,
        metallb: false,
        deployments: vec![scenario::Deployment { replicas: 2, tier: true, container_port: 80 }],
        services: vec![service],
    };
    let yaml = scenario.yaml();
    assert!(yaml.contains("kind: Node\nmetadata:\n  name: cp\n"));
    assert!(yaml.contains("address: 172.16.121.12\n"));
    assert!(yaml.contains("      targetPort: http\n      nodePort: 31000\n"));
    let output = checks::manifest_pipeline(&yaml);
    assert!(output.diagnostics.iter().all(|diagnostic| !diagnostic.is_error()));
    let pods: Vec<_> = output.cluster.pods.iter().filter(|pod| pod.namespace == "default").collect();
    assert_eq!(pods.len(), 2);
    let service = output.cluster.services.iter().find(|service| service.name == "svc0").unwrap();
    let from = pods[0].key();
    let node = &output.cluster.nodes[1];
    let requests = [
        checks::Request::new(&from, &format!("http://{}:8080/", service.cluster_ip.unwrap())),
        checks::Request::new(&from, "http://svc0.default:8080/"),
        checks::Request::new("client", &format!("http://{}:31000/", node.internal_ip)),
    ];
    let outcomes = checks::traces(&output.cluster, &requests);
    assert_eq!(outcomes.len(), 3);
    for outcome in &outcomes {
        assert!(matches!(outcome, engine::trace::Outcome::Answered { pod: Some(pod), .. } if pod.contains("app0-")), "{outcomes:?}");
    }
    // The generated requests start with the user's Service, taking addresses and names in
    // turn: 3 sources to the ClusterIP and to 3 NodePorts, and the name from the pod.
    let generated = checks::trace_requests(&output.cluster, 64);
    let first = output.cluster.pods.iter().find(|pod| pod.ip.is_some()).unwrap().key();
    let cluster_ip = format!("http://{}:8080/", service.cluster_ip.unwrap());
    assert_eq!(generated[0], checks::Request::new("client", &cluster_ip));
    assert_eq!(generated[1], checks::Request::new(&first, "http://svc0.default:8080/"));
    assert_eq!(generated[2], checks::Request::new(&output.cluster.nodes[0].name, &cluster_ip));
    assert_eq!(generated[12], checks::Request::new(&first, &format!("http://{}:31000/", output.cluster.nodes[2].internal_ip)));
    assert!(generated[13..].iter().all(|request| !request.url.contains(":8080/") && !request.url.contains(":31000/")));
}

/// The examples the app ships, through the same trace checks (the generated clusters have no
/// Ingress): every trace ends and renders, answered replies reverse the client's tuple, and
/// through Envoy its own connection's too; an Ingress path is answered by a backend behind Envoy.
#[test]
fn shipped_examples_trace_clean() {
    let folder = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../static/examples");
    let mut paths: Vec<_> = std::fs::read_dir(&folder).unwrap().map(|entry| entry.unwrap().path()).collect();
    paths.sort();
    assert!(paths.len() >= 5, "{}", folder.display());
    for path in paths {
        let text = std::fs::read_to_string(&path).unwrap();
        let (manifests, _) = engine::manifest::parse(&text);
        let (cluster, _) = engine::cluster::build(&manifests);
        let requests = checks::trace_requests(&cluster, 16);
        let outcomes = checks::traces(&cluster, &requests);
        if path.ends_with("ingress-metallb.yaml") {
            // `client -> http://<envoy's LoadBalancer address>/butterscotch` (Host-less).
            let proxied = requests.iter().zip(&outcomes).find(|(request, _)| request.url.ends_with(":80/butterscotch"));
            assert!(
                matches!(proxied, Some((_, engine::trace::Outcome::Answered { pod: Some(pod), .. })) if pod.contains("butterscotch")),
                "{proxied:?}"
            );
        }
    }
}
