//! The EndpointSlice controller: which pod addresses back each Service.
//!
//! Part of `cluster::build`, the last step (it needs pod IPs). A model of
//! kube-controller-manager's endpointslice controller (`pkg/controller/endpointslice`,
//! `staging/src/k8s.io/endpointslice`): for every Service with a selector, every pod in the
//! namespace whose labels match and that has an IP becomes an endpoint; endpoints are grouped
//! by their resolved port list, one slice per group; a Service without matching pods gets an
//! empty placeholder slice. Selector-less Services keep the slices given in the manifests.

use std::collections::BTreeMap;

use crate::cluster::naming::generate_name;
use crate::cluster::{
    Endpoint, EndpointPort, EndpointSlice, Labels, Node, Pod, Service, ServicePort, ServiceType, TargetPort,
};

/// The node label the controller copies into `endpoints[].zone`.
pub const ZONE_LABEL: &str = "topology.kubernetes.io/zone";

/// Whether `labels` satisfy a `matchLabels` selector (every key present with the same value).
pub fn selector_matches(selector: &Labels, labels: &Labels) -> bool {
    selector.iter().all(|(key, value)| labels.get(key) == Some(value))
}

/// Port of `podutil.FindPort` (pkg/api/v1/pod/util.go): a numeric targetPort is used as is;
/// a named one is the container port with that name and the Service port's protocol.
pub fn find_port(pod: &Pod, service_port: &ServicePort) -> Option<u16> {
    match &service_port.target_port {
        TargetPort::Number(number) => Some(*number),
        TargetPort::Name(name) => pod
            .containers
            .iter()
            .flat_map(|container| container.ports.iter())
            .find(|port| port.name.as_deref() == Some(name.as_str()) && port.protocol == service_port.protocol)
            .map(|port| port.container_port),
    }
}

/// Port of `getEndpointPorts` (endpointslice `utils.go`): the Service's ports this pod can
/// serve, named as the Service names them; a port whose target the pod lacks is skipped for
/// this pod.
fn endpoint_ports(service: &Service, pod: &Pod) -> Vec<EndpointPort> {
    service
        .ports
        .iter()
        .filter_map(|service_port| {
            find_port(pod, service_port).map(|port| EndpointPort {
                // The controller always writes the name, `""` for an unnamed port; kube-proxy
                // skips ports whose name is nil.
                name: Some(service_port.name.clone().unwrap_or_default()),
                port: Some(port),
                protocol: service_port.protocol,
            })
        })
        .collect()
}

/// Port of `podToEndpoint` (endpointslice `utils.go`): `serving` is readiness, `ready` is
/// readiness and not terminating, `terminating` is a set deletionTimestamp.
fn pod_to_endpoint(pod: &Pod, nodes: &[Node]) -> Option<Endpoint> {
    let address = pod.ip?;
    let zone = pod
        .node_name
        .as_ref()
        .and_then(|name| nodes.iter().find(|node| &node.name == name))
        .and_then(|node| node.labels.get(ZONE_LABEL).cloned());
    Some(Endpoint {
        addresses: vec![address],
        ready: Some(pod.ready && !pod.terminating),
        serving: Some(pod.ready),
        terminating: Some(pod.terminating),
        node_name: pod.node_name.clone(),
        zone,
        target_pod: Some(pod.key()),
    })
}

/// A resolved port list, the key endpoints are grouped by (the controller's `endpointMeta`).
type PortKey = Vec<(Option<String>, Option<u16>, crate::net::Protocol)>;

/// What the controller did for one Service.
#[derive(Clone, Debug, PartialEq)]
pub struct Reconciled {
    pub slices: Vec<EndpointSlice>,
    /// True when the selector matched no pod at all (with or without an IP).
    pub matched_nothing: bool,
}

/// Computes the slices of one Service. Returns `None` for Services the controller ignores
/// (no selector, an empty selector, or ExternalName).
pub fn reconcile(service: &Service, pods: &[Pod], nodes: &[Node]) -> Option<Reconciled> {
    let selector = service.selector.as_ref().filter(|selector| !selector.is_empty())?;
    if service.service_type == ServiceType::ExternalName {
        return None;
    }
    let matching: Vec<&Pod> = pods
        .iter()
        .filter(|pod| pod.namespace == service.namespace && selector_matches(selector, &pod.labels))
        .collect();
    let mut groups: BTreeMap<PortKey, (Vec<EndpointPort>, Vec<Endpoint>)> = BTreeMap::new();
    // Slices come out in the order their port lists first appear.
    let mut group_order: Vec<PortKey> = Vec::new();
    for pod in &matching {
        let Some(endpoint) = pod_to_endpoint(pod, nodes) else { continue };
        let ports = endpoint_ports(service, pod);
        let key: Vec<_> = ports.iter().map(|port| (port.name.clone(), port.port, port.protocol)).collect();
        if !groups.contains_key(&key) {
            group_order.push(key.clone());
        }
        groups.entry(key).or_insert_with(|| (ports, Vec::new())).1.push(endpoint);
    }
    let prefix = format!("{}-", service.name);
    let mut slices = Vec::new();
    for (index, key) in group_order.iter().enumerate() {
        let Some((ports, endpoints)) = groups.remove(key) else { continue };
        let seed = format!("{}/{}#{index}", service.namespace, service.name);
        slices.push(EndpointSlice {
            namespace: service.namespace.clone(),
            name: generate_name(&prefix, &seed),
            service_name: service.name.clone(),
            address_type: "IPv4".to_string(),
            endpoints,
            ports,
            managed_by_lab: true,
        });
    }
    if slices.is_empty() {
        // The reconciler's placeholder slice: no endpoints, no ports.
        slices.push(EndpointSlice {
            namespace: service.namespace.clone(),
            name: generate_name(&prefix, &format!("{}/{}#0", service.namespace, service.name)),
            service_name: service.name.clone(),
            address_type: "IPv4".to_string(),
            endpoints: Vec::new(),
            ports: Vec::new(),
            managed_by_lab: true,
        });
    }
    Some(Reconciled { slices, matched_nothing: matching.is_empty() })
}

/// `k=v,k2=v2`, as `kubectl describe` prints a selector.
pub fn selector_text(selector: &Labels) -> String {
    selector.iter().map(|(key, value)| format!("{key}={value}")).collect::<Vec<_>>().join(",")
}

#[cfg(test)]
mod tests {
    use std::net::Ipv4Addr;

    use super::*;
    use crate::cluster::{Container, ContainerPort};
    use crate::net::Protocol;

    fn labels(pairs: &[(&str, &str)]) -> Labels {
        pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect()
    }

    fn pod(name: &str, app: &str, ip: Option<&str>, port_name: Option<&str>) -> Pod {
        Pod {
            namespace: "default".to_string(),
            name: name.to_string(),
            labels: labels(&[("app", app)]),
            node_name: Some("node2".to_string()),
            ip: ip.map(|ip| ip.parse().unwrap()),
            containers: vec![Container {
                name: "nginx".to_string(),
                image: "nginx".to_string(),
                ports: vec![ContainerPort {
                    name: port_name.map(str::to_string),
                    container_port: 80,
                    protocol: Protocol::Tcp,
                    host_port: None,
                }],
                ..Container::default()
            }],
            ready: true,
            ..Pod::default()
        }
    }

    fn service(target_port: TargetPort) -> Service {
        Service {
            namespace: "default".to_string(),
            name: "sample-service".to_string(),
            selector: Some(labels(&[("app", "web")])),
            ports: vec![ServicePort {
                name: Some("http".to_string()),
                protocol: Protocol::Tcp,
                port: 8080,
                target_port,
                node_port: Some(31000),
            }],
            ..Service::default()
        }
    }

    #[test]
    fn matching_pods_with_ips_become_endpoints() {
        let mut terminating = pod("web-c", "web", Some("192.168.231.167"), None);
        terminating.terminating = true;
        let pods = vec![
            pod("web-a", "web", Some("192.168.231.166"), None),
            pod("web-b", "web", None, None),
            pod("db", "db", Some("192.168.231.170"), None),
            terminating,
        ];
        let node2 = crate::cluster::Node {
            name: "node2".to_string(),
            labels: labels(&[(ZONE_LABEL, "zone-b")]),
            annotations: Labels::new(),
            taints: Vec::new(),
            unschedulable: false,
            internal_ip: Ipv4Addr::new(172, 16, 120, 64),
            external_ip: None,
            subnet: "172.16.120.0/24".parse().unwrap(),
            gateway: Ipv4Addr::new(172, 16, 120, 1),
            blocks: Vec::new(),
            tunnel_ip: None,
            control_plane: false,
            kubelet_version: String::new(),
        };
        let result = reconcile(&service(TargetPort::Number(80)), &pods, &[node2]).unwrap();
        assert!(!result.matched_nothing);
        assert_eq!(result.slices.len(), 1);
        let slice = &result.slices[0];
        assert!(slice.name.starts_with("sample-service-") && slice.name.len() == "sample-service-".len() + 5);
        assert_eq!(
            slice.ports,
            vec![EndpointPort { name: Some("http".to_string()), port: Some(80), protocol: Protocol::Tcp }]
        );
        let addresses: Vec<String> = slice.endpoints.iter().map(|e| e.addresses[0].to_string()).collect();
        assert_eq!(addresses, ["192.168.231.166", "192.168.231.167"]);
        assert_eq!(slice.endpoints[0].zone.as_deref(), Some("zone-b"));
        assert_eq!(slice.endpoints[0].target_pod.as_deref(), Some("default/web-a"));
        // Terminating: not ready, still serving.
        assert_eq!(
            (slice.endpoints[1].ready, slice.endpoints[1].serving, slice.endpoints[1].terminating),
            (Some(false), Some(true), Some(true))
        );
    }

    #[test]
    fn named_target_ports_resolve_per_pod() {
        let pods =
            vec![pod("named", "web", Some("10.0.0.1"), Some("web")), pod("unnamed", "web", Some("10.0.0.2"), None)];
        let result = reconcile(&service(TargetPort::Name("web".to_string())), &pods, &[]).unwrap();
        // The pod lacking the port name lands in a slice without that port, so it serves nothing.
        assert_eq!(result.slices.len(), 2);
        assert_eq!(result.slices[0].ports[0].port, Some(80));
        assert_eq!(result.slices[0].endpoints[0].target_pod.as_deref(), Some("default/named"));
        assert!(result.slices[1].ports.is_empty());
        assert_ne!(result.slices[0].name, result.slices[1].name);
    }

    #[test]
    fn empty_results_and_ignored_services() {
        let result =
            reconcile(&service(TargetPort::Number(80)), &[pod("db", "db", Some("10.0.0.3"), None)], &[]).unwrap();
        assert!(result.matched_nothing);
        assert_eq!(result.slices.len(), 1);
        assert!(result.slices[0].endpoints.is_empty());
        let mut unnamed = service(TargetPort::Number(80));
        unnamed.ports[0].name = None;
        let result = reconcile(&unnamed, &[pod("web-a", "web", Some("10.0.0.1"), None)], &[]).unwrap();
        assert_eq!(result.slices[0].ports[0].name.as_deref(), Some(""));
        let mut selectorless = service(TargetPort::Number(80));
        selectorless.selector = None;
        assert_eq!(reconcile(&selectorless, &[], &[]), None);
        selectorless.selector = Some(Labels::new());
        assert_eq!(reconcile(&selectorless, &[], &[]), None);
        assert_eq!(selector_text(&labels(&[("app", "web"), ("tier", "front")])), "app=web,tier=front");
    }
}
