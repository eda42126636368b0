//! Services -> addresses: ClusterIPs, NodePorts and health-check NodePorts, as the
//! apiserver's Service REST storage would assign them.
//!
//! Part of `cluster::build`. Explicit values are reserved first, in document order (the lab's
//! own Services first, as they exist before anything is applied), so a clash names the
//! earlier Service and rejects the later one, as `kubectl apply` would ("provided port is
//! already allocated"). The rest are allocated in `namespace/name` order.

use crate::cluster::allocate::{AllocError, ClusterIpAllocator, NodePortAllocator};
use crate::cluster::spec::{ClusterIpRequest, ServiceSpec};
use crate::cluster::{Service, ServiceType, TrafficPolicy};
use crate::diagnostic::{Diagnostic, Problem, Reason, Subject};
use crate::net::Cidr;

fn wants_node_ports(spec: &ServiceSpec) -> bool {
    match spec.service.service_type {
        ServiceType::NodePort => true,
        ServiceType::LoadBalancer => spec.allocate_load_balancer_node_ports,
        ServiceType::ClusterIp | ServiceType::ExternalName => false,
    }
}

fn wants_health_check(service: &Service) -> bool {
    service.service_type == ServiceType::LoadBalancer && service.external_traffic_policy == TrafficPolicy::Local
}

fn port_key(service: &Service, index: usize) -> String {
    let port = service.ports.get(index);
    let name = port.and_then(|port| port.name.clone()).unwrap_or_else(|| index.to_string());
    let protocol = port.map_or("TCP", |port| port.protocol.api_name());
    format!("{}:{name}/{protocol}", service.key())
}

fn describe(error: AllocError, what: Subject, value: String) -> Problem {
    match error {
        AllocError::OutOfRange { range } => Problem::InvalidValue { value, reason: Reason::OutsideRange { what, range } },
        AllocError::Taken { owner } => Problem::Clash { what, value, other: owner },
        AllocError::Exhausted { range } => Problem::Exhausted { what, range },
    }
}

/// What one Service holds, to give it back if the Service is rejected.
#[derive(Default)]
struct Held {
    cluster_ip: Option<std::net::Ipv4Addr>,
    ports: Vec<u16>,
}

fn release(held: Held, cluster_ips: &mut ClusterIpAllocator, node_ports: &mut NodePortAllocator) {
    if let Some(address) = held.cluster_ip {
        cluster_ips.release(address);
    }
    for port in held.ports {
        node_ports.release(port);
    }
}

/// Reserves the explicit values of one Service. Returns `None` (after pushing an error) when
/// the Service is rejected.
fn reserve_explicit(
    spec: &mut ServiceSpec,
    cluster_ips: &mut ClusterIpAllocator,
    node_ports: &mut NodePortAllocator,
    diagnostics: &mut Vec<Diagnostic>,
) -> Option<Held> {
    let owner = format!("Service {}", spec.service.key());
    let mut held = Held::default();
    let external_name = spec.service.service_type == ServiceType::ExternalName;
    if let ClusterIpRequest::Given(address) = spec.cluster_ip
        && !external_name
    {
        match cluster_ips.reserve(address, &owner) {
            Ok(()) => held.cluster_ip = Some(address),
            Err(error) => {
                diagnostics.push(
                    spec.origin
                        .locate(Diagnostic::error(describe(error, Subject::ClusterIp, address.to_string())), "spec.clusterIP"),
                );
                return None;
            }
        }
    }
    let wants = wants_node_ports(spec) || spec.service.service_type == ServiceType::LoadBalancer;
    let mut own: Vec<(u16, crate::net::Protocol)> = Vec::new();
    for index in 0..spec.service.ports.len() {
        let Some(port) = spec.service.ports.get_mut(index) else { continue };
        let Some(node_port) = port.node_port else { continue };
        let path = format!("spec.ports[{index}].nodePort");
        if !wants {
            diagnostics.push(spec.origin.locate(
                Diagnostic::warning(Problem::InvalidValue {
                    value: node_port.to_string(),
                    reason: Reason::NodePortsIgnored { service_type: spec.service.service_type.api_name().to_string() },
                }),
                &path,
            ));
            port.node_port = None;
            continue;
        }
        if own.contains(&(node_port, port.protocol)) {
            diagnostics.push(spec.origin.locate(
                Diagnostic::error(Problem::SamePortTwice {
                    port: format!("{node_port}/{}", port.protocol.api_name()),
                    owner: owner.clone(),
                }),
                &path,
            ));
            release(held, cluster_ips, node_ports);
            return None;
        }
        // One Service may use the same NodePort for TCP and UDP.
        if own.iter().any(|(taken, _)| *taken == node_port) {
            own.push((node_port, port.protocol));
            continue;
        }
        match node_ports.reserve(node_port, &owner) {
            Ok(()) => {
                held.ports.push(node_port);
                own.push((node_port, port.protocol));
            }
            Err(error) => {
                diagnostics.push(
                    spec.origin.locate(Diagnostic::error(describe(error, Subject::NodePort, node_port.to_string())), &path),
                );
                release(held, cluster_ips, node_ports);
                return None;
            }
        }
    }
    if let Some(port) = spec.service.health_check_node_port {
        if !wants_health_check(&spec.service) {
            diagnostics.push(spec.origin.locate(
                Diagnostic::warning(Problem::InvalidValue {
                    value: port.to_string(),
                    reason: Reason::HealthCheckNodePortIgnored,
                }),
                "spec.healthCheckNodePort",
            ));
            spec.service.health_check_node_port = None;
        } else if let Err(error) = node_ports.reserve(port, &owner) {
            diagnostics.push(
                spec.origin.locate(
                    Diagnostic::error(describe(error, Subject::NodePort, port.to_string())),
                    "spec.healthCheckNodePort",
                ),
            );
            release(held, cluster_ips, node_ports);
            return None;
        } else {
            held.ports.push(port);
        }
    }
    Some(held)
}

/// Allocates what is still missing for one Service; `false` (after pushing an error) when
/// it cannot be had and the Service is rejected.
fn allocate_missing(
    spec: &mut ServiceSpec,
    held: Held,
    cluster_ips: &mut ClusterIpAllocator,
    node_ports: &mut NodePortAllocator,
    diagnostics: &mut Vec<Diagnostic>,
) -> bool {
    let key = spec.service.key();
    let owner = format!("Service {key}");
    let mut held = held;
    spec.service.cluster_ip = match (spec.service.service_type, spec.cluster_ip) {
        (ServiceType::ExternalName, _) | (_, ClusterIpRequest::Headless) => None,
        (_, ClusterIpRequest::Given(address)) => Some(address),
        (_, ClusterIpRequest::Allocate) => match cluster_ips.allocate(&key, &owner) {
            Ok(address) => {
                held.cluster_ip = Some(address);
                Some(address)
            }
            Err(error) => {
                diagnostics.push(spec.origin.locate(
                    Diagnostic::error(describe(error, Subject::ClusterIp, "(automatic)".to_string())),
                    "spec.clusterIP",
                ));
                release(held, cluster_ips, node_ports);
                return false;
            }
        },
    };
    if wants_node_ports(spec) {
        for index in 0..spec.service.ports.len() {
            let port_key = port_key(&spec.service, index);
            let Some(port) = spec.service.ports.get_mut(index) else { continue };
            if port.node_port.is_some() {
                continue;
            }
            match node_ports.allocate(&port_key, &owner) {
                Ok(allocated) => {
                    held.ports.push(allocated);
                    port.node_port = Some(allocated);
                }
                Err(error) => {
                    diagnostics.push(spec.origin.locate(
                        Diagnostic::error(describe(error, Subject::NodePort, "(automatic)".to_string())),
                        &format!("spec.ports[{index}].nodePort"),
                    ));
                    release(held, cluster_ips, node_ports);
                    return false;
                }
            }
        }
    }
    if wants_health_check(&spec.service) && spec.service.health_check_node_port.is_none() {
        match node_ports.allocate(&format!("{key}:healthCheckNodePort"), &owner) {
            Ok(port) => spec.service.health_check_node_port = Some(port),
            Err(error) => {
                diagnostics.push(spec.origin.locate(
                    Diagnostic::error(describe(error, Subject::NodePort, "(automatic)".to_string())),
                    "spec.healthCheckNodePort",
                ));
                release(held, cluster_ips, node_ports);
                return false;
            }
        }
    }
    true
}

/// Assigns addresses to every Service (given in creation order) and returns the accepted
/// ones with their origins, sorted by `namespace/name`.
pub fn allocate(
    specs: Vec<ServiceSpec>,
    service_cidr: Cidr,
    node_port_range: (u16, u16),
    diagnostics: &mut Vec<Diagnostic>,
) -> Vec<(Service, crate::cluster::spec::Origin)> {
    let mut cluster_ips = ClusterIpAllocator::new(service_cidr);
    let mut node_ports = NodePortAllocator::new(node_port_range);
    let mut accepted: Vec<(ServiceSpec, Held)> = Vec::new();
    for mut spec in specs {
        if let Some(held) = reserve_explicit(&mut spec, &mut cluster_ips, &mut node_ports, diagnostics) {
            accepted.push((spec, held));
        }
    }
    crate::sort::by_key(&mut accepted, |(spec, _)| (spec.service.namespace.clone(), spec.service.name.clone()));
    let mut services = Vec::new();
    for (mut spec, held) in accepted {
        if allocate_missing(&mut spec, held, &mut cluster_ips, &mut node_ports, diagnostics) {
            services.push((spec.service, spec.origin));
        }
    }
    services
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cluster::spec::Origin;
    use crate::cluster::{ServicePort, TargetPort};
    use crate::net::Protocol;

    fn spec(name: &str, service_type: ServiceType, node_port: Option<u16>) -> ServiceSpec {
        ServiceSpec {
            service: Service {
                namespace: "default".to_string(),
                name: name.to_string(),
                service_type,
                ports: vec![ServicePort {
                    name: Some("http".to_string()),
                    protocol: Protocol::Tcp,
                    port: 8080,
                    target_port: TargetPort::Number(80),
                    node_port,
                }],
                ..Service::default()
            },
            cluster_ip: ClusterIpRequest::Allocate,
            allocate_load_balancer_node_ports: true,
            origin: Origin { document: Some(1), position: None, object: format!("Service default/{name}") },
        }
    }

    fn run(specs: Vec<ServiceSpec>) -> (Vec<Service>, Vec<Diagnostic>) {
        let mut diagnostics = Vec::new();
        let services = allocate(specs, "10.96.0.0/12".parse().unwrap(), (30000, 32767), &mut diagnostics);
        (services.into_iter().map(|(service, _)| service).collect(), diagnostics)
    }

    #[test]
    fn node_port_clash_rejects_the_later_service() {
        let (services, diagnostics) = run(vec![
            spec("sample-service", ServiceType::NodePort, Some(31000)),
            spec("another", ServiceType::NodePort, Some(31000)),
        ]);
        assert_eq!(services.len(), 1);
        assert_eq!(services[0].name, "sample-service");
        assert_eq!(services[0].ports[0].node_port, Some(31000));
        assert_eq!(diagnostics.len(), 1);
        assert_eq!(
            diagnostics[0].problem,
            Problem::Clash {
                what: Subject::NodePort,
                value: "31000".to_string(),
                other: "Service default/sample-service".to_string()
            }
        );
        assert_eq!(diagnostics[0].path, "spec.ports[0].nodePort");
        assert_eq!(diagnostics[0].object.as_deref(), Some("Service default/another"));
        assert_eq!(diagnostics[0].document, Some(1));
    }

    #[test]
    fn allocation_fills_the_gaps() {
        let mut local = spec("lb", ServiceType::LoadBalancer, None);
        local.service.external_traffic_policy = TrafficPolicy::Local;
        let mut headless = spec("db", ServiceType::ClusterIp, None);
        headless.cluster_ip = ClusterIpRequest::Headless;
        let mut pinned = spec("dns", ServiceType::ClusterIp, None);
        pinned.cluster_ip = ClusterIpRequest::Given("10.96.0.10".parse().unwrap());
        let (services, diagnostics) =
            run(vec![local, headless, pinned, spec("web", ServiceType::ClusterIp, Some(31001))]);
        assert_eq!(services.iter().map(|s| s.name.as_str()).collect::<Vec<_>>(), ["db", "dns", "lb", "web"]);
        assert_eq!(services[0].cluster_ip, None);
        assert_eq!(services[1].cluster_ip, Some("10.96.0.10".parse().unwrap()));
        let lb = &services[2];
        assert!(lb.cluster_ip.is_some());
        assert!(lb.ports[0].node_port.is_some());
        assert!(lb.health_check_node_port.is_some());
        assert_ne!(lb.health_check_node_port, lb.ports[0].node_port);
        // A nodePort on a ClusterIP Service is a warning and dropped.
        assert_eq!(services[3].ports[0].node_port, None);
        assert_eq!(diagnostics.len(), 1);
        assert_eq!(diagnostics[0].severity, crate::diagnostic::Severity::Warning);
    }

    #[test]
    fn cluster_ip_clash_and_range() {
        let mut first = spec("a", ServiceType::ClusterIp, None);
        first.cluster_ip = ClusterIpRequest::Given("10.96.0.50".parse().unwrap());
        let mut second = spec("b", ServiceType::NodePort, Some(30500));
        second.cluster_ip = ClusterIpRequest::Given("10.96.0.50".parse().unwrap());
        let mut outside = spec("c", ServiceType::ClusterIp, None);
        outside.cluster_ip = ClusterIpRequest::Given("192.168.1.1".parse().unwrap());
        // d may take 30500 because b was rejected before reserving it.
        let (services, diagnostics) = run(vec![first, second, outside, spec("d", ServiceType::NodePort, Some(30500))]);
        assert_eq!(services.iter().map(|s| s.name.as_str()).collect::<Vec<_>>(), ["a", "d"]);
        assert!(matches!(&diagnostics[0].problem, Problem::Clash { other, .. } if other == "Service default/a"));
        assert!(
            matches!(&diagnostics[1].problem, Problem::InvalidValue { reason, .. } if reason.to_string().contains("10.96.0.0/12"))
        );
    }
}
