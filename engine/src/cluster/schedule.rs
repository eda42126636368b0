//! The scheduler: which node each pod runs on.
//!
//! Part of `cluster::build`, after pods are materialised and before Calico IPAM. It keeps the
//! filters kube-scheduler applies that matter for networking (`NodeName`, `NodeUnschedulable`,
//! `NodeAffinity`'s nodeSelector, `TaintToleration`) and replaces scoring with one
//! deterministic rule: the eligible node with the fewest pods so far, ties by node name.

use std::collections::BTreeMap;

use crate::cluster::{Labels, Node, Taint, Toleration};
use crate::diagnostic::{Reason, Rejection};

/// The taint kubelet's node lifecycle puts on cordoned nodes (`spec.unschedulable: true`).
pub const UNSCHEDULABLE_TAINT_KEY: &str = "node.kubernetes.io/unschedulable";

/// What a pod asks of the scheduler.
#[derive(Clone, Copy, Debug)]
pub struct Request<'a> {
    pub node_selector: &'a Labels,
    pub tolerations: &'a [Toleration],
}

/// Port of `Toleration.ToleratesTaint` (k8s.io/api/core/v1/toleration.go): an empty effect
/// matches every effect, an empty key (only valid with `Exists`) matches every key,
/// `Equal` (the default operator) compares values.
pub fn tolerates(toleration: &Toleration, taint: &Taint) -> bool {
    if let Some(effect) = toleration.effect.as_deref().filter(|effect| !effect.is_empty())
        && effect != taint.effect
    {
        return false;
    }
    if let Some(key) = toleration.key.as_deref().filter(|key| !key.is_empty())
        && key != taint.key
    {
        return false;
    }
    match toleration.operator.as_deref().unwrap_or("") {
        "" | "Equal" => toleration.value.as_deref().unwrap_or("") == taint.value.as_deref().unwrap_or(""),
        "Exists" => true,
        _ => false,
    }
}

/// The first taint with effect `NoSchedule` or `NoExecute` that no toleration tolerates
/// (`FindMatchingUntoleratedTaint`, as the TaintToleration filter uses it).
pub fn untolerated_taint<'a>(taints: &'a [Taint], tolerations: &[Toleration]) -> Option<&'a Taint> {
    taints
        .iter()
        .filter(|taint| taint.effect == "NoSchedule" || taint.effect == "NoExecute")
        .find(|taint| !tolerations.iter().any(|toleration| tolerates(toleration, taint)))
}

/// Why `node` cannot run the pod, or `None` when it can. Filters run in kube-scheduler's
/// default order (NodeUnschedulable, TaintToleration, NodeAffinity) and the first failure is told.
pub fn rejection(request: Request<'_>, node: &Node) -> Option<Rejection> {
    if node.unschedulable {
        let cordon = Taint { key: UNSCHEDULABLE_TAINT_KEY.to_string(), value: None, effect: "NoSchedule".to_string() };
        if !request.tolerations.iter().any(|toleration| tolerates(toleration, &cordon)) {
            return Some(Rejection::Cordoned { node: node.name.clone() });
        }
    }
    if let Some(taint) = untolerated_taint(&node.taints, request.tolerations) {
        let value = taint.value.as_deref().map(|value| format!("={value}")).unwrap_or_default();
        return Some(Rejection::Taint {
            node: node.name.clone(),
            taint: format!("{}{value}:{}", taint.key, taint.effect),
        });
    }
    for (key, value) in request.node_selector {
        if node.labels.get(key) != Some(value) {
            return Some(Rejection::MissingLabel { node: node.name.clone(), label: format!("{key}={value}") });
        }
    }
    None
}

/// Places pods one at a time, remembering how many each node has.
#[derive(Clone, Debug, Default)]
pub struct Scheduler {
    pods_per_node: BTreeMap<String, usize>,
}

impl Scheduler {
    pub fn new() -> Scheduler {
        Scheduler::default()
    }

    /// Counts a pod that is already bound (`spec.nodeName`, DaemonSet pods, hostNetwork).
    pub fn bind(&mut self, node: &str) {
        let count = self.pods_per_node.entry(node.to_string()).or_insert(0);
        *count = count.saturating_add(1);
    }

    /// How many pods `node` has so far.
    pub fn count(&self, node: &str) -> usize {
        self.pods_per_node.get(node).copied().unwrap_or(0)
    }

    /// Picks a node for a pod: among the eligible ones, `preferred` when it is eligible
    /// (the lab's hint for pods whose address pins them to a node's IPAM block), else the one
    /// with the fewest pods, ties by name (`nodes` is sorted by name). On failure, returns one
    /// sentence per node saying why it was rejected.
    pub fn place(&mut self, request: Request<'_>, nodes: &[Node], preferred: Option<&str>) -> Result<String, Reason> {
        let mut best: Option<(&Node, usize)> = None;
        let mut reasons = Vec::new();
        let mut preferred_node = None;
        for node in nodes {
            if let Some(reason) = rejection(request, node) {
                reasons.push(reason);
                continue;
            }
            if preferred == Some(node.name.as_str()) {
                preferred_node = Some(node);
            }
            let count = self.count(&node.name);
            if best.is_none_or(|(_, best_count)| count < best_count) {
                best = Some((node, count));
            }
        }
        match preferred_node.or(best.map(|(node, _)| node)) {
            Some(node) => {
                let name = node.name.clone();
                self.bind(&name);
                Ok(name)
            }
            None if nodes.is_empty() => Err(Reason::NoNodes),
            None => Err(Reason::Rejected(reasons)),
        }
    }
}

#[cfg(test)]
mod tests {
    use std::net::Ipv4Addr;

    use super::*;
    use crate::net::Cidr;

    fn node(name: &str) -> Node {
        Node {
            name: name.to_string(),
            labels: Labels::new(),
            annotations: Labels::new(),
            taints: Vec::new(),
            unschedulable: false,
            internal_ip: Ipv4Addr::new(10, 0, 0, 1),
            external_ip: None,
            subnet: Cidr::host(Ipv4Addr::new(10, 0, 0, 1)),
            gateway: Ipv4Addr::new(10, 0, 0, 254),
            blocks: Vec::new(),
            tunnel_ip: None,
            control_plane: false,
            kubelet_version: String::new(),
        }
    }

    fn taint(key: &str, value: Option<&str>, effect: &str) -> Taint {
        Taint { key: key.to_string(), value: value.map(str::to_string), effect: effect.to_string() }
    }

    fn toleration(key: Option<&str>, operator: Option<&str>, value: Option<&str>, effect: Option<&str>) -> Toleration {
        Toleration {
            key: key.map(str::to_string),
            operator: operator.map(str::to_string),
            value: value.map(str::to_string),
            effect: effect.map(str::to_string),
        }
    }

    #[test]
    fn toleration_rules_follow_the_api() {
        let control_plane = taint("node-role.kubernetes.io/control-plane", None, "NoSchedule");
        // CoreDNS's toleration in kubeadm's manifest.
        assert!(tolerates(
            &toleration(Some("node-role.kubernetes.io/control-plane"), None, None, Some("NoSchedule")),
            &control_plane
        ));
        // Empty key with Exists tolerates everything.
        assert!(tolerates(&toleration(None, Some("Exists"), None, None), &control_plane));
        // Effect mismatch.
        assert!(!tolerates(
            &toleration(Some("node-role.kubernetes.io/control-plane"), Some("Exists"), None, Some("NoExecute")),
            &control_plane
        ));
        // Equal compares values.
        let dedicated = taint("dedicated", Some("db"), "NoSchedule");
        assert!(tolerates(&toleration(Some("dedicated"), Some("Equal"), Some("db"), None), &dedicated));
        assert!(!tolerates(&toleration(Some("dedicated"), None, Some("web"), None), &dedicated));
        assert!(!tolerates(&toleration(Some("dedicated"), Some("Bogus"), Some("db"), None), &dedicated));
    }

    #[test]
    fn prefer_no_schedule_does_not_filter() {
        let mut soft = node("soft");
        soft.taints.push(taint("x", None, "PreferNoSchedule"));
        let labels = Labels::new();
        assert_eq!(rejection(Request { node_selector: &labels, tolerations: &[] }, &soft), None);
    }

    #[test]
    fn spreads_by_count_then_name_and_respects_filters() {
        let mut control_plane = node("controlplane");
        control_plane.taints.push(taint("node-role.kubernetes.io/control-plane", None, "NoSchedule"));
        let mut cordoned = node("node3");
        cordoned.unschedulable = true;
        let nodes = vec![control_plane, node("node1"), node("node2"), cordoned];
        let labels = Labels::new();
        let request = Request { node_selector: &labels, tolerations: &[] };
        let mut scheduler = Scheduler::new();
        let placed: Vec<String> = (0..3).map(|_| scheduler.place(request, &nodes, None).unwrap()).collect();
        assert_eq!(placed, ["node1", "node2", "node1"]);

        let mut selector = Labels::new();
        selector.insert("disk".to_string(), "ssd".to_string());
        let error = scheduler.place(Request { node_selector: &selector, tolerations: &[] }, &nodes, None).unwrap_err().to_string();
        assert!(error.contains("taint `node-role.kubernetes.io/control-plane:NoSchedule`"), "{error}");
        assert!(error.contains("lacks the label `disk=ssd`"), "{error}");
        assert!(error.contains("node3` is cordoned"), "{error}");

        // A DaemonSet pod tolerating the cordon lands on node3 when preferred.
        let daemon = [toleration(Some(UNSCHEDULABLE_TAINT_KEY), Some("Exists"), None, Some("NoSchedule"))];
        let request = Request { node_selector: &labels, tolerations: &daemon };
        assert_eq!(scheduler.place(request, &nodes, Some("node3")).unwrap(), "node3");
        assert_eq!(Scheduler::new().place(request, &[], None).unwrap_err(), Reason::NoNodes);
    }
}
