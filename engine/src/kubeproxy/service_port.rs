//! Service ports as kube-proxy sees them: one entry per `spec.ports[]` of a proxied Service.
//!
//! Part of the kube-proxy stage. Port of `newBaseServiceInfo` / `BaseServicePortInfo`
//! (kubernetes `pkg/proxy/serviceport.go`, `pkg/proxy/service.go`), the predicates of
//! `pkg/api/v1/service/util.go`, and the chain names cached by the iptables proxier's
//! `newServiceInfo` (`pkg/proxy/iptables/proxier.go`). IPv4 only: the lab has one family.

use std::net::Ipv4Addr;

use crate::cluster::{Service, ServiceType, TrafficPolicy};
use crate::net::{Cidr, Protocol};

use super::hash::{
    SERVICE_CLUSTER_PREFIX, SERVICE_EXTERNAL_PREFIX, SERVICE_FIREWALL_PREFIX, SERVICE_LOCAL_PREFIX, port_proto_hash,
};

/// `proxy.ServicePortName`: namespace, Service name, port name (may be empty) and protocol.
/// Endpoints are matched to a service port by all four.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct ServicePortName {
    pub namespace: String,
    pub name: String,
    pub port: String,
    pub protocol: Protocol,
}

impl ServicePortName {
    /// `ServicePortName.String()`: `ns/name` plus `:port` when the port has a name.
    pub fn name_string(&self) -> String {
        if self.port.is_empty() {
            format!("{}/{}", self.namespace, self.name)
        } else {
            format!("{}/{}:{}", self.namespace, self.name, self.port)
        }
    }
}

/// One service port with everything kube-proxy's rule writer reads
/// (`servicePortInfo` in the iptables proxier).
#[derive(Clone, Debug, PartialEq)]
pub struct ServicePortInfo {
    pub port_name: ServicePortName,
    /// `ns/name:port` (cached `nameString`).
    pub name_string: String,
    pub cluster_ip: Ipv4Addr,
    pub port: u16,
    pub protocol: Protocol,
    /// 0 when the port has no NodePort.
    pub node_port: u16,
    pub external_ips: Vec<Ipv4Addr>,
    /// `status.loadBalancer.ingress[].ip`, without `ipMode: Proxy` entries.
    pub load_balancer_vips: Vec<Ipv4Addr>,
    /// Empty when not set or when one range is a zero-prefix CIDR (match everything).
    pub load_balancer_source_ranges: Vec<Cidr>,
    /// `Some(timeoutSeconds)` for `sessionAffinity: ClientIP`.
    pub sticky_max_age_seconds: Option<u32>,
    pub external_policy_local: bool,
    pub internal_policy_local: bool,
    /// 0 unless the Service is a LoadBalancer with `externalTrafficPolicy: Local`.
    pub health_check_node_port: u16,
    /// `portProtoHash(nameString, protocol)`, computed once.
    pub hash: String,
}

impl ServicePortInfo {
    /// `ExternallyAccessible()`: a NodePort, an LB VIP or an external IP exists.
    pub fn externally_accessible(&self) -> bool {
        self.node_port != 0 || !self.load_balancer_vips.is_empty() || !self.external_ips.is_empty()
    }

    /// `UsesClusterEndpoints()`: some traffic to this port is routed cluster-wide.
    pub fn uses_cluster_endpoints(&self) -> bool {
        !self.internal_policy_local || self.externally_accessible()
    }

    /// `UsesLocalEndpoints()`: some traffic to this port only goes to local endpoints.
    pub fn uses_local_endpoints(&self) -> bool {
        self.internal_policy_local || (self.external_policy_local && self.externally_accessible())
    }

    /// `KUBE-SVC-<hash>`.
    pub fn cluster_policy_chain(&self) -> String {
        format!("{SERVICE_CLUSTER_PREFIX}{}", self.hash)
    }

    /// `KUBE-SVL-<hash>`.
    pub fn local_policy_chain(&self) -> String {
        format!("{SERVICE_LOCAL_PREFIX}{}", self.hash)
    }

    /// `KUBE-FW-<hash>`.
    pub fn firewall_chain(&self) -> String {
        format!("{SERVICE_FIREWALL_PREFIX}{}", self.hash)
    }

    /// `KUBE-EXT-<hash>`.
    pub fn external_chain(&self) -> String {
        format!("{SERVICE_EXTERNAL_PREFIX}{}", self.hash)
    }
}

/// `ShouldSkipService`: ExternalName and headless Services get no rules.
pub fn should_skip(service: &Service) -> bool {
    service.service_type == ServiceType::ExternalName || service.cluster_ip.is_none()
}

/// `apiservice.ExternallyAccessible`: the API-level notion (type, or ClusterIP with
/// external IPs), used for `externalPolicyLocal`.
fn api_externally_accessible(service: &Service) -> bool {
    match service.service_type {
        ServiceType::LoadBalancer | ServiceType::NodePort => true,
        ServiceType::ClusterIp => !service.external_ips.is_empty(),
        ServiceType::ExternalName => false,
    }
}

/// The service ports kube-proxy programs for `service`, in `spec.ports` order; empty when the
/// Service is skipped.
pub fn service_ports(service: &Service) -> Vec<ServicePortInfo> {
    let Some(cluster_ip) = service.cluster_ip else { return Vec::new() };
    if should_skip(service) {
        return Vec::new();
    }
    let external_policy_local =
        api_externally_accessible(service) && service.external_traffic_policy == TrafficPolicy::Local;
    let internal_policy_local = service.internal_traffic_policy == TrafficPolicy::Local;
    // `NeedsHealthCheck`: LoadBalancer with externalTrafficPolicy Local.
    let health_check_node_port = if service.service_type == ServiceType::LoadBalancer && external_policy_local {
        service.health_check_node_port.unwrap_or(0)
    } else {
        0
    };
    let load_balancer_vips: Vec<Ipv4Addr> = service
        .load_balancer_ingress
        .iter()
        .filter(|ingress| ingress.ip_mode.as_deref() != Some("Proxy"))
        .filter_map(|ingress| ingress.ip)
        .collect();
    let load_balancer_source_ranges = if service.load_balancer_source_ranges.iter().any(|cidr| cidr.prefix_len() == 0) {
        Vec::new()
    } else {
        service.load_balancer_source_ranges.clone()
    };
    service
        .ports
        .iter()
        .map(|port| {
            let port_name = ServicePortName {
                namespace: service.namespace.clone(),
                name: service.name.clone(),
                port: port.name.clone().unwrap_or_default(),
                protocol: port.protocol,
            };
            let name_string = port_name.name_string();
            let hash = port_proto_hash(&name_string, port.protocol.iptables_name());
            ServicePortInfo {
                port_name,
                name_string,
                cluster_ip,
                port: port.port,
                protocol: port.protocol,
                node_port: port.node_port.unwrap_or(0),
                external_ips: service.external_ips.clone(),
                load_balancer_vips: load_balancer_vips.clone(),
                load_balancer_source_ranges: load_balancer_source_ranges.clone(),
                sticky_max_age_seconds: service.session_affinity_timeout,
                external_policy_local,
                internal_policy_local,
                health_check_node_port,
                hash,
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cluster::{LoadBalancerIngress, ServicePort, TargetPort};

    fn lb_service() -> Service {
        Service {
            namespace: "ns2".into(),
            name: "svc2".into(),
            service_type: ServiceType::LoadBalancer,
            cluster_ip: Some(Ipv4Addr::new(172, 30, 0, 42)),
            ports: vec![ServicePort {
                name: Some("p80".into()),
                protocol: Protocol::Tcp,
                port: 80,
                target_port: TargetPort::Number(80),
                node_port: Some(3001),
            }],
            external_traffic_policy: TrafficPolicy::Local,
            health_check_node_port: Some(30000),
            load_balancer_ingress: vec![
                LoadBalancerIngress { ip: Some(Ipv4Addr::new(1, 2, 3, 4)), hostname: None, ip_mode: None },
                LoadBalancerIngress { ip: Some(Ipv4Addr::new(5, 6, 7, 8)), hostname: None, ip_mode: Some("Proxy".into()) },
                LoadBalancerIngress { ip: None, hostname: Some("lb.example".into()), ip_mode: None },
            ],
            ..Service::default()
        }
    }

    #[test]
    fn load_balancer_attributes_follow_new_base_service_info() {
        let ports = service_ports(&lb_service());
        let [port] = ports.as_slice() else { panic!("one port expected") };
        assert_eq!(port.name_string, "ns2/svc2:p80");
        assert_eq!(port.cluster_policy_chain(), "KUBE-SVC-GNZBNJ2PO5MGZ6GT");
        assert_eq!(port.external_chain(), "KUBE-EXT-GNZBNJ2PO5MGZ6GT");
        // ipMode Proxy and hostname-only ingress entries are not VIPs.
        assert_eq!(port.load_balancer_vips, vec![Ipv4Addr::new(1, 2, 3, 4)]);
        assert!(port.external_policy_local);
        assert_eq!(port.health_check_node_port, 30000);
        assert!(port.uses_cluster_endpoints());
        assert!(port.uses_local_endpoints());
    }

    #[test]
    fn health_check_node_port_needs_lb_with_local_policy() {
        let mut service = lb_service();
        service.external_traffic_policy = TrafficPolicy::Cluster;
        assert_eq!(service_ports(&service)[0].health_check_node_port, 0);
        // A ClusterIP Service without external IPs is never "external policy local".
        service.service_type = ServiceType::ClusterIp;
        service.external_traffic_policy = TrafficPolicy::Local;
        service.load_balancer_ingress.clear();
        service.ports[0].node_port = None;
        let port = &service_ports(&service)[0];
        assert!(!port.external_policy_local);
        assert!(!port.uses_local_endpoints());
    }

    #[test]
    fn zero_prefix_source_range_means_no_firewall() {
        let mut service = lb_service();
        service.load_balancer_source_ranges =
            vec![Cidr::parse_strict("203.0.113.0/25").unwrap(), Cidr::parse_strict("0.0.0.0/0").unwrap()];
        assert!(service_ports(&service)[0].load_balancer_source_ranges.is_empty());
    }

    #[test]
    fn headless_and_external_name_are_skipped() {
        let mut service = lb_service();
        service.cluster_ip = None;
        assert!(service_ports(&service).is_empty());
        let mut service = lb_service();
        service.service_type = ServiceType::ExternalName;
        assert!(service_ports(&service).is_empty());
    }

    #[test]
    fn unnamed_port_has_no_colon() {
        let mut service = lb_service();
        service.namespace = "ns1".into();
        service.name = "svc1".into();
        service.ports[0].name = None;
        let port = &service_ports(&service)[0];
        assert_eq!(port.name_string, "ns1/svc1");
        assert_eq!(port.hash, "AQI2S6QIMU7PVVRP");
    }
}
