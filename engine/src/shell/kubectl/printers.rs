//! Table columns and cells of `kubectl get`, ported from kubectl's server-side printers
//! (pkg/printers/internalversion/printers.go: `printNode`, `printPod`, `printService`,
//! `printEndpoints`, `printEndpointSlice`, `printIngress`, `printDeployment`, ...).

use std::collections::BTreeSet;
use std::net::Ipv4Addr;

use super::resource::{Kind, Object, owned_pods};
use crate::cluster::{EndpointSlice, Labels, Pod, Service, ServiceType, Workload};
use crate::shell::LabClock;

/// What a lab node reports in `status.nodeInfo`, which manifests cannot set. These are
/// the lab's own choice of a current Ubuntu LTS node with containerd.
pub const NODE_OS_IMAGE: &str = "Ubuntu 22.04.4 LTS";
pub const NODE_KERNEL_VERSION: &str = "5.15.0-113-generic";
pub const NODE_CONTAINER_RUNTIME: &str = "containerd://1.7.12";

/// `loadBalancerWidth`: the EXTERNAL-IP and ADDRESS cells are clipped to this many bytes
/// unless `-o wide`.
const LOAD_BALANCER_WIDTH: usize = 16;

/// Column headers, upper-cased as kubectl prints them (priority-1 columns only when `wide`).
pub fn headers(kind: Kind, wide: bool) -> Vec<&'static str> {
    let (normal, extra): (&[&str], &[&str]) = match kind {
        Kind::Node => (
            &["NAME", "STATUS", "ROLES", "AGE", "VERSION"],
            &["INTERNAL-IP", "EXTERNAL-IP", "OS-IMAGE", "KERNEL-VERSION", "CONTAINER-RUNTIME"],
        ),
        Kind::Namespace => (&["NAME", "STATUS", "AGE"], &[]),
        Kind::Pod => (
            &["NAME", "READY", "STATUS", "RESTARTS", "AGE"],
            &["IP", "NODE", "NOMINATED NODE", "READINESS GATES"],
        ),
        Kind::Service => (&["NAME", "TYPE", "CLUSTER-IP", "EXTERNAL-IP", "PORT(S)", "AGE"], &["SELECTOR"]),
        Kind::Endpoints => (&["NAME", "ENDPOINTS", "AGE"], &[]),
        Kind::EndpointSlice => (&["NAME", "ADDRESSTYPE", "PORTS", "ENDPOINTS", "AGE"], &[]),
        Kind::Ingress => (&["NAME", "CLASS", "HOSTS", "ADDRESS", "PORTS", "AGE"], &[]),
        Kind::IngressClass => (&["NAME", "CONTROLLER", "PARAMETERS", "AGE"], &[]),
        Kind::Deployment => (
            &["NAME", "READY", "UP-TO-DATE", "AVAILABLE", "AGE"],
            &["CONTAINERS", "IMAGES", "SELECTOR"],
        ),
        Kind::ReplicaSet => (&["NAME", "DESIRED", "CURRENT", "READY", "AGE"], &["CONTAINERS", "IMAGES", "SELECTOR"]),
        Kind::StatefulSet => (&["NAME", "READY", "AGE"], &["CONTAINERS", "IMAGES"]),
        Kind::DaemonSet => (
            &["NAME", "DESIRED", "CURRENT", "READY", "UP-TO-DATE", "AVAILABLE", "NODE SELECTOR", "AGE"],
            &["CONTAINERS", "IMAGES", "SELECTOR"],
        ),
    };
    let mut headers = normal.to_vec();
    if wide {
        headers.extend_from_slice(extra);
    }
    headers
}

/// One table row for `object`.
pub fn cells(object: &Object<'_>, clock: LabClock, wide: bool, pods: &[Pod]) -> Vec<String> {
    let age = clock.age();
    match object {
        Object::Node(node) => {
            let mut status = "Ready".to_string();
            if node.unschedulable {
                status.push_str(",SchedulingDisabled");
            }
            let mut row = vec![node.name.clone(), status, node.roles(), age, node.kubelet_version.clone()];
            if wide {
                row.push(node.internal_ip.to_string());
                row.push(node.external_ip.map_or_else(|| "<none>".to_string(), |ip| ip.to_string()));
                row.push(NODE_OS_IMAGE.to_string());
                row.push(NODE_KERNEL_VERSION.to_string());
                row.push(NODE_CONTAINER_RUNTIME.to_string());
            }
            row
        }
        Object::Namespace(name) => vec![name.to_string(), "Active".to_string(), age],
        Object::Pod(pod) => {
            let mut row = vec![pod.name.clone(), pod_ready(pod), pod_status(pod).to_string(), "0".to_string(), age];
            if wide {
                row.push(pod.ip.map_or_else(|| "<none>".to_string(), |ip| ip.to_string()));
                row.push(pod.node_name.clone().unwrap_or_else(|| "<none>".to_string()));
                row.push("<none>".to_string());
                row.push("<none>".to_string());
            }
            row
        }
        Object::Service(service) => {
            let mut row = vec![
                service.name.clone(),
                service.service_type.api_name().to_string(),
                service_cluster_ip(service),
                service_external_ip(service, wide),
                service_ports(service),
                age,
            ];
            if wide {
                row.push(format_labels(service.selector.as_ref()));
            }
            row
        }
        Object::Endpoints(service, slices) => {
            vec![service.name.clone(), format_endpoints(slices), age]
        }
        Object::EndpointSlice(slice) => vec![
            slice.name.clone(),
            slice.address_type.clone(),
            format_discovery_ports(slice),
            format_discovery_endpoints(slice),
            age,
        ],
        Object::Ingress(ingress) => {
            let hosts: Vec<Option<&str>> = ingress.rules.iter().map(|rule| rule.host.as_deref()).collect();
            vec![
                ingress.name.clone(),
                ingress.ingress_class_name.clone().unwrap_or_else(|| "<none>".to_string()),
                format_hosts(&hosts),
                // The Ingress controller would publish an address in status; the lab's
                // Ingresses have none yet, which kubectl prints as an empty cell.
                String::new(),
                // formatPorts: "80, 443" with TLS, which the lab does not model.
                "80".to_string(),
                age,
            ]
        }
        Object::IngressClass(class) => {
            vec![class.name.clone(), class.controller.clone(), "<none>".to_string(), age]
        }
        Object::Workload(workload) => workload_cells(workload, pods, age, wide),
    }
}

/// Ports of `printDeployment`, `printReplicaSet`, `printStatefulSet` and `printDaemonSet`
/// (the lab's controllers are always up to date, and ready pods are available).
fn workload_cells(workload: &Workload, pods: &[Pod], age: String, wide: bool) -> Vec<String> {
    let owned: Vec<&Pod> = owned_pods(workload, pods).collect();
    let current = owned.len();
    let ready = owned.iter().filter(|pod| pod.ready && pod.node_name.is_some() && !pod.terminating).count();
    let replicas = workload.replicas;
    let name = workload.name.clone();
    let (mut row, extra_selector) = match workload.kind.as_str() {
        "ReplicaSet" => (vec![name, replicas.to_string(), current.to_string(), ready.to_string(), age], true),
        "StatefulSet" => (vec![name, format!("{ready}/{replicas}"), age], false),
        "DaemonSet" => {
            let node_selector = owned.first().map(|pod| format_labels(Some(&pod.node_selector)));
            let scheduled = current.to_string();
            (
                vec![
                    name,
                    scheduled.clone(),
                    scheduled.clone(),
                    ready.to_string(),
                    scheduled,
                    ready.to_string(),
                    node_selector.unwrap_or_else(|| "<none>".to_string()),
                    age,
                ],
                true,
            )
        }
        _ => (vec![name, format!("{ready}/{replicas}"), replicas.to_string(), ready.to_string(), age], true),
    };
    if wide {
        let (names, images) = owned.first().map_or((String::new(), String::new()), |pod| {
            let names: Vec<&str> = pod.containers.iter().map(|c| c.name.as_str()).collect();
            let images: Vec<&str> = pod.containers.iter().map(|c| c.image.as_str()).collect();
            (names.join(","), images.join(","))
        });
        row.push(names);
        row.push(images);
        if extra_selector {
            row.push(format_labels(Some(&workload.selector)));
        }
    }
    row
}

/// `READY` of a pod: ready containers over containers.
pub fn pod_ready(pod: &Pod) -> String {
    let total = pod.containers.len();
    let ready = if pod.ready && pod.node_name.is_some() && !pod.terminating { total } else { 0 };
    format!("{ready}/{total}")
}

/// `STATUS` of a pod: its phase, or `Terminating` while it is being deleted.
pub fn pod_status(pod: &Pod) -> &'static str {
    if pod.node_name.is_none() {
        "Pending"
    } else if pod.terminating {
        "Terminating"
    } else {
        "Running"
    }
}

/// The phase as `status.phase` holds it.
pub fn pod_phase(pod: &Pod) -> &'static str {
    if pod.node_name.is_none() { "Pending" } else { "Running" }
}

/// `CLUSTER-IP`: the first ClusterIP, `None` for headless Services (the API stores the word
/// `None`), `<none>` for ExternalName Services (no ClusterIP at all).
pub fn service_cluster_ip(service: &Service) -> String {
    match (service.cluster_ip, service.service_type) {
        (Some(ip), _) => ip.to_string(),
        (None, ServiceType::ExternalName) => "<none>".to_string(),
        (None, _) => "None".to_string(),
    }
}

/// Port of `getServiceExternalIP` and `loadBalancerStatusStringer`.
pub fn service_external_ip(service: &Service, wide: bool) -> String {
    let external_ips: Vec<String> = service.external_ips.iter().map(Ipv4Addr::to_string).collect();
    match service.service_type {
        ServiceType::ClusterIp | ServiceType::NodePort => {
            if external_ips.is_empty() { "<none>".to_string() } else { external_ips.join(",") }
        }
        ServiceType::LoadBalancer => {
            // A string set: sorted as strings, duplicates dropped.
            let addresses: BTreeSet<String> = crate::sort::set_of(service.load_balancer_ingress.iter().filter_map(
                |ingress| ingress.ip.map(|ip| ip.to_string()).or_else(|| ingress.hostname.clone()),
            ));
            let mut lb_ips = addresses.into_iter().collect::<Vec<_>>().join(",");
            if !wide && lb_ips.len() > LOAD_BALANCER_WIDTH {
                let clipped: String = lb_ips.chars().take(LOAD_BALANCER_WIDTH.saturating_sub(3)).collect();
                lb_ips = format!("{clipped}...");
            }
            if !external_ips.is_empty() {
                let mut results: Vec<String> = Vec::new();
                if !lb_ips.is_empty() {
                    results.extend(lb_ips.split(',').map(str::to_string));
                }
                results.extend(external_ips);
                return results.join(",");
            }
            if lb_ips.is_empty() { "<pending>".to_string() } else { lb_ips }
        }
        ServiceType::ExternalName => service.external_name.clone().unwrap_or_default(),
    }
}

/// Port of `makePortString`: `80/TCP`, or `80:32023/TCP` with a NodePort; `<none>` when empty.
pub fn service_ports(service: &Service) -> String {
    let pieces: Vec<String> = service
        .ports
        .iter()
        .map(|port| match port.node_port {
            Some(node_port) if node_port > 0 => {
                format!("{}:{node_port}/{}", port.port, port.protocol.api_name())
            }
            _ => format!("{}/{}", port.port, port.protocol.api_name()),
        })
        .collect();
    if pieces.is_empty() { "<none>".to_string() } else { pieces.join(",") }
}

/// Port of `labels.FormatLabels` (k8s.io/apimachinery/pkg/labels): `k=v,...` sorted by key,
/// `<none>` when empty.
pub fn format_labels(labels: Option<&Labels>) -> String {
    match labels {
        Some(labels) if !labels.is_empty() => {
            labels.iter().map(|(key, value)| format!("{key}={value}")).collect::<Vec<_>>().join(",")
        }
        _ => "<none>".to_string(),
    }
}

/// Port of `formatEndpoints` for the Endpoints object the endpoints controller would build
/// from these slices: one subset per slice, ports outermost, ready addresses only (sorted as
/// strings), at most three shown.
pub fn format_endpoints(slices: &[&EndpointSlice]) -> String {
    const MAX: usize = 3;
    let mut list: Vec<String> = Vec::new();
    let mut count = 0usize;
    let mut more = false;
    let mut any_subset = false;
    for slice in slices {
        let mut addresses: Vec<String> = slice
            .endpoints
            .iter()
            .filter(|endpoint| endpoint.ready != Some(false))
            .flat_map(|endpoint| endpoint.addresses.iter().map(Ipv4Addr::to_string))
            .collect();
        // `RepackSubsets` sorts addresses by `LessEndpointAddress`, which compares the IP
        // strings byte by byte (pkg/api/v1/endpoints/util.go).
        crate::sort::natural(&mut addresses);
        // A subset exists as soon as the slice has endpoints, ready or not; only ready ones
        // are listed, so a Service whose pods are all unready shows an empty cell.
        if slice.endpoints.iter().all(|endpoint| endpoint.addresses.is_empty()) {
            continue;
        }
        any_subset = true;
        if addresses.is_empty() {
            continue;
        }
        let ports: Vec<Option<u16>> = slice.ports.iter().map(|port| port.port).collect();
        let ports = if ports.is_empty() { vec![None] } else { ports };
        for port in ports {
            count = count.saturating_add(addresses.len());
            for address in &addresses {
                if list.len() == MAX {
                    more = true;
                    break;
                }
                list.push(match port {
                    Some(port) => format!("{address}:{port}"),
                    None => address.to_string(),
                });
            }
        }
    }
    if !any_subset {
        return "<none>".to_string();
    }
    let joined = list.join(",");
    if more { format!("{joined} + {} more...", count.saturating_sub(MAX)) } else { joined }
}

/// Port of `formatDiscoveryPorts`.
pub fn format_discovery_ports(slice: &EndpointSlice) -> String {
    let items: Vec<String> = slice
        .ports
        .iter()
        .map(|port| match (port.port, &port.name) {
            (Some(number), _) => number.to_string(),
            (None, Some(name)) => name.clone(),
            (None, None) => "*".to_string(),
        })
        .collect();
    list_with_more(items)
}

/// Port of `formatDiscoveryEndpoints`: every address, ready or not.
pub fn format_discovery_endpoints(slice: &EndpointSlice) -> String {
    let items: Vec<String> = slice
        .endpoints
        .iter()
        .flat_map(|endpoint| endpoint.addresses.iter().map(Ipv4Addr::to_string))
        .collect();
    list_with_more(items)
}

/// Port of `listWithMoreString` with `max` 3: `a,b,c + 2 more...`, `<unset>` when empty.
fn list_with_more(items: Vec<String>) -> String {
    const MAX: usize = 3;
    let count = items.len();
    let shown: Vec<String> = items.into_iter().take(MAX).collect();
    let joined = shown.join(",");
    if count > MAX {
        format!("{joined} + {} more...", count.saturating_sub(MAX))
    } else if joined.is_empty() {
        "<unset>".to_string()
    } else {
        joined
    }
}

/// Port of `formatHosts`: up to three hosts, `*` when no rule names one.
fn format_hosts(hosts: &[Option<&str>]) -> String {
    const MAX: usize = 3;
    let mut list: Vec<&str> = Vec::new();
    let mut more = false;
    for host in hosts {
        if list.len() == MAX {
            more = true;
        }
        if let Some(host) = host
            && !more
            && !host.is_empty()
        {
            list.push(host);
        }
    }
    if list.is_empty() {
        return "*".to_string();
    }
    let joined = list.join(",");
    if more { format!("{joined} + {} more...", hosts.len().saturating_sub(MAX)) } else { joined }
}
