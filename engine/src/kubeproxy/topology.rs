//! Which endpoints a service port uses on this node: Cluster vs Local policy, ready vs
//! terminating fallback, topology hints.
//!
//! Part of the kube-proxy stage. Port of `CategorizeEndpoints`, `topologyModeFromHints` and
//! `availableForTopology` (kubernetes `pkg/proxy/topology.go`) as of the v1.32 line: only the
//! `PreferSameZone` mode (zone hints); `PreferSameNode` arrived later.

use super::endpoint::EndpointInfo;
use super::service_port::ServicePortInfo;

/// The result of [`categorize_endpoints`]. The lists keep the input (sorted) order.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Categorized<'a> {
    /// Usable endpoints for Cluster traffic policy (empty if the port never uses it).
    pub cluster: Vec<&'a EndpointInfo>,
    /// Usable endpoints for Local traffic policy (empty if the port never uses it).
    pub local: Vec<&'a EndpointInfo>,
    /// Every endpoint this node can route to: the union of the two lists. kube-proxy builds
    /// the union through a Go map (random order); here it keeps the sorted endpoint order.
    pub all_reachable: Vec<&'a EndpointInfo>,
    /// The service has a usable endpoint somewhere in the cluster.
    pub has_any: bool,
}

/// Topology mode chosen from hints (`topologyModeFromHints`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum TopologyMode {
    None,
    PreferSameZone,
}

/// Port of `CategorizeEndpoints(endpoints, svcInfo, nodeName, nodeLabels)`; `zone` is the
/// node's `topology.kubernetes.io/zone` label.
pub fn categorize_endpoints<'a>(
    endpoints: &'a [EndpointInfo],
    service: &ServicePortInfo,
    zone: Option<&str>,
) -> Categorized<'a> {
    let mut result = Categorized::default();
    let mut mode = TopologyMode::None;

    if service.uses_cluster_endpoints() {
        mode = topology_mode_from_hints(endpoints, zone);
        result.cluster =
            endpoints.iter().filter(|ep| ep.ready && available_for_topology(ep, mode, zone)).collect();
        // No ready endpoint anywhere: fall back to serving-and-terminating ones.
        if result.cluster.is_empty() {
            result.cluster = endpoints.iter().filter(|ep| ep.serving && ep.terminating).collect();
        }
        if !result.cluster.is_empty() {
            result.has_any = true;
        }
    }

    if !service.uses_local_endpoints() {
        result.all_reachable = result.cluster.clone();
        return result;
    }

    let mut has_local_ready = false;
    let mut has_local_serving_terminating = false;
    for ep in endpoints {
        if ep.ready {
            result.has_any = true;
            has_local_ready |= ep.is_local;
        } else if ep.serving && ep.terminating {
            result.has_any = true;
            has_local_serving_terminating |= ep.is_local;
        }
    }

    let mut use_serving_terminating = false;
    if has_local_ready {
        result.local = endpoints.iter().filter(|ep| ep.is_local && ep.ready).collect();
    } else if has_local_serving_terminating {
        use_serving_terminating = true;
        result.local = endpoints.iter().filter(|ep| ep.is_local && ep.serving && ep.terminating).collect();
    }

    if !service.uses_cluster_endpoints() {
        result.all_reachable = result.local.clone();
        return result;
    }

    if mode == TopologyMode::None && !use_serving_terminating {
        // The cluster list holds every ready endpoint, a superset of the local list.
        result.all_reachable = result.cluster.clone();
        return result;
    }

    result.all_reachable = endpoints
        .iter()
        .filter(|ep| {
            result.cluster.iter().any(|c| c.endpoint == ep.endpoint) || result.local.iter().any(|l| l.endpoint == ep.endpoint)
        })
        .collect();
    result
}

fn topology_mode_from_hints(endpoints: &[EndpointInfo], zone: Option<&str>) -> TopologyMode {
    let mut all_have_zone_hints = true;
    let mut has_endpoint_for_zone = false;
    for ep in endpoints.iter().filter(|ep| ep.ready) {
        if ep.zone_hints.is_empty() {
            all_have_zone_hints = false;
        } else if ep.zone_hints.contains(zone.unwrap_or("")) {
            has_endpoint_for_zone = true;
        }
    }
    if all_have_zone_hints && has_endpoint_for_zone { TopologyMode::PreferSameZone } else { TopologyMode::None }
}

fn available_for_topology(ep: &EndpointInfo, mode: TopologyMode, zone: Option<&str>) -> bool {
    match mode {
        TopologyMode::None => true,
        TopologyMode::PreferSameZone => ep.zone_hints.contains(zone.unwrap_or("")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeSet;
    use std::net::Ipv4Addr;

    use crate::net::Protocol;

    use crate::kubeproxy::service_port::ServicePortName;

    fn service(internal_local: bool, external_local: bool, node_port: u16) -> ServicePortInfo {
        ServicePortInfo {
            port_name: ServicePortName { namespace: "ns1".into(), name: "svc1".into(), port: String::new(), protocol: Protocol::Tcp },
            name_string: "ns1/svc1".into(),
            cluster_ip: Ipv4Addr::new(172, 30, 1, 1),
            port: 80,
            protocol: Protocol::Tcp,
            node_port,
            external_ips: vec![],
            load_balancer_vips: vec![],
            load_balancer_source_ranges: vec![],
            sticky_max_age_seconds: None,
            external_policy_local: external_local,
            internal_policy_local: internal_local,
            health_check_node_port: 0,
            hash: "AQI2S6QIMU7PVVRP".into(),
        }
    }

    fn ep(last: u8, local: bool, ready: bool, serving: bool, terminating: bool) -> EndpointInfo {
        EndpointInfo {
            ip: Ipv4Addr::new(10, 0, 1, last),
            port: 80,
            endpoint: format!("10.0.1.{last}:80"),
            is_local: local,
            ready,
            serving,
            terminating,
            zone_hints: BTreeSet::new(),
            chain: String::new(),
        }
    }

    fn names(list: &[&EndpointInfo]) -> Vec<String> {
        list.iter().map(|e| e.endpoint.clone()).collect()
    }

    /// `TestTerminatingEndpointsTrafficPolicyCluster` "ready endpoints exist": ready ones
    /// only (10.0.1.1, .2, .5), terminating ones ignored.
    #[test]
    fn cluster_policy_uses_ready_endpoints() {
        let eps = [
            ep(1, true, true, true, false),
            ep(2, true, true, true, false),
            ep(3, false, false, true, true),
            ep(4, false, false, false, true),
            ep(5, false, true, true, false),
        ];
        let got = categorize_endpoints(&eps, &service(false, false, 0), None);
        assert_eq!(names(&got.cluster), ["10.0.1.1:80", "10.0.1.2:80", "10.0.1.5:80"]);
        assert_eq!(names(&got.all_reachable), names(&got.cluster));
        assert!(got.local.is_empty());
        assert!(got.has_any);
    }

    /// Same test, "only terminating endpoints exist": serving+terminating fallback.
    #[test]
    fn cluster_policy_falls_back_to_serving_terminating() {
        let eps = [
            ep(2, true, false, true, true),
            ep(3, true, false, true, true),
            ep(4, false, false, false, true),
            ep(5, false, false, true, true),
        ];
        let got = categorize_endpoints(&eps, &service(false, false, 0), None);
        assert_eq!(names(&got.cluster), ["10.0.1.2:80", "10.0.1.3:80", "10.0.1.5:80"]);
        assert!(got.has_any);
    }

    #[test]
    fn no_usable_endpoints_means_no_endpoints() {
        let eps = [ep(5, true, false, false, true), ep(6, false, false, false, true)];
        let got = categorize_endpoints(&eps, &service(false, true, 3001), None);
        assert!(!got.has_any);
        assert!(got.all_reachable.is_empty());
    }

    /// eTP=Local with a NodePort: local ready endpoints; all ready ones still reachable
    /// (for the pod/node short-circuit).
    #[test]
    fn external_local_policy_uses_both_lists() {
        let eps = [ep(1, false, true, true, false), ep(2, true, true, true, false)];
        let got = categorize_endpoints(&eps, &service(false, true, 3001), None);
        assert_eq!(names(&got.cluster), ["10.0.1.1:80", "10.0.1.2:80"]);
        assert_eq!(names(&got.local), ["10.0.1.2:80"]);
        assert_eq!(names(&got.all_reachable), ["10.0.1.1:80", "10.0.1.2:80"]);
    }

    /// iTP=Local without external access: only local endpoints exist for this node, but the
    /// service still "has endpoints" because a remote one is ready.
    #[test]
    fn internal_local_policy_without_local_endpoints() {
        let eps = [ep(1, false, true, true, false)];
        let got = categorize_endpoints(&eps, &service(true, false, 0), None);
        assert!(got.cluster.is_empty());
        assert!(got.local.is_empty());
        assert!(got.all_reachable.is_empty());
        assert!(got.has_any);
    }

    /// Local fallback to a terminating local endpoint makes the union bigger than either list.
    #[test]
    fn local_terminating_fallback_is_merged_into_reachable() {
        let eps = [ep(1, false, true, true, false), ep(2, true, false, true, true)];
        let got = categorize_endpoints(&eps, &service(false, true, 3001), None);
        assert_eq!(names(&got.cluster), ["10.0.1.1:80"]);
        assert_eq!(names(&got.local), ["10.0.1.2:80"]);
        assert_eq!(names(&got.all_reachable), ["10.0.1.1:80", "10.0.1.2:80"]);
    }

    #[test]
    fn zone_hints_select_same_zone_endpoints() {
        let mut a = ep(1, false, true, true, false);
        a.zone_hints.insert("zone-a".into());
        let mut b = ep(2, false, true, true, false);
        b.zone_hints.insert("zone-b".into());
        let eps = [a, b];
        let got = categorize_endpoints(&eps, &service(false, false, 0), Some("zone-b"));
        assert_eq!(names(&got.cluster), ["10.0.1.2:80"]);
        let got = categorize_endpoints(&eps, &service(false, false, 0), Some("zone-c"));
        assert_eq!(got.cluster.len(), 2);
    }
}
