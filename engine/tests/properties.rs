//! Property tests: random valid clusters, written as the YAML a learner pastes, through the
//! whole engine.
//!
//! Pipeline position: end to end, from manifest text to every node's `iptables-save` and the
//! shell. For each generated cluster ([`scenario::Scenario`]): nothing panics, valid input
//! gives no error diagnostics, every node's rules print and read back to the same values,
//! every jump lands on a defined chain, and building twice gives byte-identical text.
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
        prop_assert_eq!(output.saves, again.saves, "building twice differs");
    }
}

/// The generator itself: a fixed scenario prints the manifests we expect to be valid.
#[test]
fn a_generated_scenario_is_plain_yaml() {
    let scenario = Scenario {
        nodes: 2,
        split: 1,
        control_plane: true,
        pool: None,
        metallb: false,
        deployments: vec![scenario::Deployment { replicas: 2, tier: true, container_port: 80 }],
        services: Vec::new(),
    };
    let yaml = scenario.yaml();
    assert!(yaml.contains("kind: Node\nmetadata:\n  name: cp\n"));
    assert!(yaml.contains("address: 172.16.121.11\n"));
    let output = checks::manifest_pipeline(&yaml);
    assert_eq!(output.cluster.pods.iter().filter(|pod| pod.namespace == "default").count(), 2);
}
