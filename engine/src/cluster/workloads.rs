//! Controllers -> pods: what the Deployment, ReplicaSet, StatefulSet and DaemonSet
//! controllers would create.
//!
//! Part of `cluster::build`, before scheduling. Names follow the controllers: a Deployment
//! `web` owns ReplicaSet `web-<pod-template-hash>`, whose pods are `web-<hash>-<5 chars>`;
//! StatefulSet `db` owns `db-0`, `db-1`; a DaemonSet `agent` owns `agent-<5 chars>` on every
//! node it fits. The random parts are derived from the object's identity (see `naming`).

use crate::cluster::naming::{generate_name, pod_template_hash, revision_hash};
use crate::cluster::schedule::{self, Request};
use crate::cluster::spec::{Origin, PodTemplate, WorkloadKind, WorkloadSpec};
use crate::cluster::{Labels, Node, Pod, Toleration, Workload};
use crate::diagnostic::{Diagnostic, Problem, Reason};

/// The most pods the lab makes from one controller.
pub const MAX_REPLICAS: u32 = 100;

/// The most pods the lab runs in all (the lab is for reading, not load tests).
pub const MAX_PODS: usize = 1000;

/// A pod on its way through the build, with what scheduling and IPAM need to know.
#[derive(Clone, Debug)]
pub struct PodWork {
    pub pod: Pod,
    /// `spec.nodeName` from the manifest (or the DaemonSet controller's choice).
    pub bound_node: Option<String>,
    /// `status.podIP` from the manifest.
    pub status_ip: Option<std::net::Ipv4Addr>,
    pub origin: Origin,
    /// Where the pod's spec sits in its object: `spec` for a Pod, `spec.template.spec` for a
    /// controller. Diagnostics about the pod use it.
    pub spec_path: &'static str,
    /// Made by the lab's default cluster (scheduled before the user's pods).
    pub lab_default: bool,
}

fn pod_from_template(namespace: &str, name: String, template: &PodTemplate, owner: (String, String)) -> Pod {
    Pod {
        namespace: namespace.to_string(),
        name,
        labels: template.labels.clone(),
        annotations: template.annotations.clone(),
        node_name: None,
        node_selector: template.node_selector.clone(),
        tolerations: template.tolerations.clone(),
        host_network: template.host_network,
        ip: None,
        interface: None,
        containers: template.containers.clone(),
        owner: Some(owner),
        ready: true,
        terminating: false,
    }
}

/// The tolerations the DaemonSet controller adds to its pods
/// (`util.AddOrUpdateDaemonPodTolerations`, pkg/controller/daemon/util).
pub fn daemon_tolerations(host_network: bool) -> Vec<Toleration> {
    let mut keys = vec![
        ("node.kubernetes.io/not-ready", "NoExecute"),
        ("node.kubernetes.io/unreachable", "NoExecute"),
        ("node.kubernetes.io/disk-pressure", "NoSchedule"),
        ("node.kubernetes.io/memory-pressure", "NoSchedule"),
        ("node.kubernetes.io/pid-pressure", "NoSchedule"),
        (schedule::UNSCHEDULABLE_TAINT_KEY, "NoSchedule"),
    ];
    if host_network {
        keys.push(("node.kubernetes.io/network-unavailable", "NoSchedule"));
    }
    keys.into_iter()
        .map(|(key, effect)| Toleration {
            key: Some(key.to_string()),
            operator: Some("Exists".to_string()),
            value: None,
            effect: Some(effect.to_string()),
        })
        .collect()
}

fn add_tolerations(tolerations: &mut Vec<Toleration>, extra: Vec<Toleration>) {
    for toleration in extra {
        if !tolerations.contains(&toleration) {
            tolerations.push(toleration);
        }
    }
}

/// Materialises one controller. Returns its workload records (a Deployment also yields its
/// ReplicaSet) and pods; problems are pushed to `diagnostics`.
pub fn materialise(
    spec: &WorkloadSpec,
    nodes: &[Node],
    lab_default: bool,
    diagnostics: &mut Vec<Diagnostic>,
) -> (Vec<Workload>, Vec<PodWork>) {
    let replicas = if spec.replicas > MAX_REPLICAS {
        diagnostics.push(spec.origin.locate(
            Diagnostic::warning(Problem::InvalidValue {
                value: spec.replicas.to_string(),
                reason: Reason::ReplicasCapped { max: MAX_REPLICAS },
            }),
            "spec.replicas",
        ));
        MAX_REPLICAS
    } else {
        spec.replicas
    };
    let namespace = spec.namespace.as_str();
    let work = |pod: Pod, bound_node: Option<String>| PodWork {
        pod,
        bound_node,
        status_ip: None,
        origin: spec.origin.clone(),
        spec_path: "spec.template.spec",
        lab_default,
    };
    let canonical = spec.template.canonical_text();
    let mut workload = Workload {
        kind: spec.kind.api_name().to_string(),
        namespace: namespace.to_string(),
        name: spec.name.clone(),
        labels: spec.labels.clone(),
        replicas,
        selector: spec.selector.clone(),
        pods: Vec::new(),
    };
    let mut pods = Vec::new();
    let mut records = Vec::new();
    match spec.kind {
        WorkloadKind::Deployment | WorkloadKind::ReplicaSet => {
            let (owner_name, extra_label) = if spec.kind == WorkloadKind::Deployment {
                let hash = pod_template_hash(&canonical);
                (format!("{}-{hash}", spec.name), Some(hash))
            } else {
                (spec.name.clone(), None)
            };
            let mut template = spec.template.clone();
            let mut selector = spec.selector.clone();
            if let Some(hash) = &extra_label {
                template.labels.insert("pod-template-hash".to_string(), hash.clone());
                selector.insert("pod-template-hash".to_string(), hash.clone());
            }
            let prefix = format!("{owner_name}-");
            for index in 0..replicas {
                let name = generate_name(&prefix, &format!("{namespace}/{owner_name}/{index}"));
                let pod = pod_from_template(namespace, name, &template, ("ReplicaSet".to_string(), owner_name.clone()));
                pods.push(work(pod, spec.template.node_name.clone()));
            }
            if extra_label.is_some() {
                records.push(Workload {
                    kind: "ReplicaSet".to_string(),
                    namespace: namespace.to_string(),
                    name: owner_name,
                    labels: template.labels.clone(),
                    replicas,
                    selector,
                    pods: Vec::new(),
                });
            }
        }
        WorkloadKind::StatefulSet => {
            let revision = format!("{}-{}", spec.name, revision_hash(&canonical));
            for index in 0..replicas {
                let name = format!("{}-{index}", spec.name);
                let mut template = spec.template.clone();
                template.labels.insert("controller-revision-hash".to_string(), revision.clone());
                template.labels.insert("statefulset.kubernetes.io/pod-name".to_string(), name.clone());
                template.labels.insert("apps.kubernetes.io/pod-index".to_string(), index.to_string());
                let pod = pod_from_template(namespace, name, &template, ("StatefulSet".to_string(), spec.name.clone()));
                pods.push(work(pod, spec.template.node_name.clone()));
            }
        }
        WorkloadKind::DaemonSet => {
            let mut template = spec.template.clone();
            template.labels.insert("controller-revision-hash".to_string(), revision_hash(&canonical));
            template.labels.insert("pod-template-generation".to_string(), "1".to_string());
            add_tolerations(&mut template.tolerations, daemon_tolerations(template.host_network));
            let request = Request { node_selector: &template.node_selector, tolerations: &template.tolerations };
            let prefix = format!("{}-", spec.name);
            let mut reasons = Vec::new();
            for node in nodes {
                if let Some(pinned) = &template.node_name
                    && pinned != &node.name
                {
                    continue;
                }
                if let Some(reason) = schedule::rejection(request, node) {
                    reasons.push(reason);
                    continue;
                }
                let name = generate_name(&prefix, &format!("{namespace}/{}/{}", spec.name, node.name));
                let pod = pod_from_template(namespace, name, &template, ("DaemonSet".to_string(), spec.name.clone()));
                pods.push(work(pod, Some(node.name.clone())));
            }
            workload.replicas = u32::try_from(pods.len()).unwrap_or(u32::MAX);
            if pods.is_empty() {
                let reason = if reasons.is_empty() { Reason::NoNodeMatches } else { Reason::Rejected(reasons) };
                diagnostics.push(spec.origin.locate(
                    Diagnostic::warning(Problem::Unschedulable { pod: format!("{}-*", spec.name), reason }),
                    "spec.template.spec",
                ));
            }
        }
    }
    let mut names: Vec<String> = pods.iter().map(|work| work.pod.name.clone()).collect();
    crate::sort::natural(&mut names);
    workload.pods = names.clone();
    for record in &mut records {
        record.pods = names.clone();
    }
    records.insert(0, workload);
    (records, pods)
}

/// `matchLabels` must select the template's own labels, or the API rejects the controller
/// ("`selector` does not match template `labels`").
pub fn selector_fits_template(selector: &Labels, template: &PodTemplate) -> bool {
    !selector.is_empty() && crate::cluster::endpoints::selector_matches(selector, &template.labels)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cluster::defaults;

    fn spec(kind: WorkloadKind, name: &str, replicas: u32) -> WorkloadSpec {
        let labels: Labels = [("app".to_string(), name.to_string())].into_iter().collect();
        WorkloadSpec {
            kind,
            namespace: "default".to_string(),
            name: name.to_string(),
            labels: labels.clone(),
            replicas,
            selector: labels.clone(),
            template: PodTemplate { labels, ..PodTemplate::default() },
            origin: Origin::lab(format!("{} default/{name}", kind.api_name())),
        }
    }

    #[test]
    fn deployments_make_a_replicaset_and_hashed_pod_names() {
        let mut diagnostics = Vec::new();
        let (records, pods) = materialise(&spec(WorkloadKind::Deployment, "web", 2), &[], false, &mut diagnostics);
        assert!(diagnostics.is_empty());
        let hash = pod_template_hash(&spec(WorkloadKind::Deployment, "web", 2).template.canonical_text());
        assert_eq!(records[1].kind, "ReplicaSet");
        assert_eq!(records[1].name, format!("web-{hash}"));
        assert_eq!(records[1].selector.get("pod-template-hash"), Some(&hash));
        for work in &pods {
            let rest = work.pod.name.strip_prefix(&format!("web-{hash}-")).unwrap();
            assert_eq!(rest.len(), 5);
            assert_eq!(work.pod.labels.get("pod-template-hash"), Some(&hash));
            assert_eq!(work.pod.owner, Some(("ReplicaSet".to_string(), format!("web-{hash}"))));
        }
        assert_ne!(pods[0].pod.name, pods[1].pod.name);
        assert_eq!(records[0].pods, records[1].pods);
        // A different template gives a different ReplicaSet.
        let mut changed = spec(WorkloadKind::Deployment, "web", 2);
        changed.template.labels.insert("v".to_string(), "2".to_string());
        let (other, _) = materialise(&changed, &[], false, &mut diagnostics);
        assert_ne!(other[1].name, records[1].name);
    }

    #[test]
    fn statefulsets_number_their_pods() {
        let mut diagnostics = Vec::new();
        let (_, pods) = materialise(&spec(WorkloadKind::StatefulSet, "db", 2), &[], false, &mut diagnostics);
        let names: Vec<&str> = pods.iter().map(|work| work.pod.name.as_str()).collect();
        assert_eq!(names, ["db-0", "db-1"]);
        assert_eq!(pods[1].pod.labels.get("statefulset.kubernetes.io/pod-name").map(String::as_str), Some("db-1"));
        assert!(pods[0].pod.labels.get("controller-revision-hash").unwrap().starts_with("db-"));
    }

    #[test]
    fn daemonsets_skip_tainted_nodes_but_not_cordoned_ones() {
        let mut nodes = defaults::nodes();
        nodes[2].unschedulable = true;
        let mut diagnostics = Vec::new();
        let (records, pods) = materialise(&spec(WorkloadKind::DaemonSet, "agent", 1), &nodes, false, &mut diagnostics);
        let placed: Vec<&str> = pods.iter().filter_map(|work| work.bound_node.as_deref()).collect();
        assert_eq!(placed, ["node1", "node2"]);
        assert_eq!(records[0].replicas, 2);
        assert!(pods.iter().all(|work| work.pod.name.starts_with("agent-") && work.pod.name.len() == 11));
        let mut selective = spec(WorkloadKind::DaemonSet, "gpu", 1);
        selective.template.node_selector.insert("gpu".to_string(), "yes".to_string());
        let (_, none) = materialise(&selective, &nodes, false, &mut diagnostics);
        assert!(none.is_empty());
        assert!(matches!(diagnostics[0].problem, Problem::Unschedulable { .. }));
    }

    #[test]
    fn replicas_are_capped() {
        let mut diagnostics = Vec::new();
        let (_, pods) = materialise(&spec(WorkloadKind::ReplicaSet, "many", 1000), &[], false, &mut diagnostics);
        assert_eq!(pods.len(), 100);
        assert_eq!(diagnostics.len(), 1);
    }
}
