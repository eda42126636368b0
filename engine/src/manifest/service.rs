//! `v1 Service`: the object kube-proxy turns into iptables rules (core/v1 `types.go`), with
//! the API server's checks from `ValidateService` (pkg/apis/core/validation/validation.go)
//! that a learner is likely to trip over.

use std::collections::BTreeMap;
use std::net::Ipv4Addr;

use super::decode::{Cx, Fields};
use super::meta::{NameRule, ObjectMeta, name_problem, read_meta};
use super::node::require_name;
use super::pod::PROTOCOLS;
use crate::diagnostic::{Expected, PortNameProblem, Problem, Quantity, Reason, Subject};
use crate::net::{Cidr, Protocol};
use crate::yaml::{self, Resolved};

/// The default `--service-node-port-range` of kube-apiserver.
pub const NODE_PORT_RANGE: (u16, u16) = (30000, 32767);

/// A `v1 Service`.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Service {
    pub metadata: ObjectMeta,
    /// `spec.type`; defaults to ClusterIP.
    pub service_type: ServiceType,
    /// `spec.clusterIP`: `None` when absent or `""` (the cluster allocates one).
    pub cluster_ip: Option<ClusterIp>,
    /// `spec.clusterIPs` (IPv4 entries; normally just `clusterIP` again).
    pub cluster_ips: Vec<Ipv4Addr>,
    pub ports: Vec<ServicePort>,
    /// `spec.selector`; empty means a selector-less Service (its endpoints come from
    /// EndpointSlices written by hand).
    pub selector: BTreeMap<String, String>,
    pub external_ips: Vec<Ipv4Addr>,
    /// `spec.externalName` for `type: ExternalName`.
    pub external_name: Option<String>,
    /// `spec.externalTrafficPolicy`; the API defaults it to Cluster for NodePort and
    /// LoadBalancer Services.
    pub external_traffic_policy: Option<TrafficPolicy>,
    /// `spec.internalTrafficPolicy`; the API defaults it to Cluster.
    pub internal_traffic_policy: Option<TrafficPolicy>,
    pub session_affinity: SessionAffinity,
    /// `spec.sessionAffinityConfig.clientIP.timeoutSeconds` (API default 10800 with ClientIP).
    pub session_affinity_timeout: Option<u32>,
    pub load_balancer_source_ranges: Vec<Cidr>,
    /// `spec.loadBalancerIP` (deprecated upstream but still read by MetalLB).
    pub load_balancer_ip: Option<Ipv4Addr>,
    pub health_check_node_port: Option<u16>,
    pub allocate_load_balancer_node_ports: Option<bool>,
    /// `status.loadBalancer.ingress`, when pasted from a cluster.
    pub load_balancer_ingress: Vec<LoadBalancerIngress>,
}

/// `spec.type`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord)]
pub enum ServiceType {
    #[default]
    ClusterIp,
    NodePort,
    LoadBalancer,
    ExternalName,
}

impl ServiceType {
    /// The API spelling.
    pub fn api_name(self) -> &'static str {
        match self {
            ServiceType::ClusterIp => "ClusterIP",
            ServiceType::NodePort => "NodePort",
            ServiceType::LoadBalancer => "LoadBalancer",
            ServiceType::ExternalName => "ExternalName",
        }
    }
}

/// `spec.clusterIP` when given.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ClusterIp {
    /// `None`: a headless Service (no virtual IP; DNS returns the pods).
    Headless,
    Address(Ipv4Addr),
}

/// `Cluster` or `Local`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TrafficPolicy {
    Cluster,
    Local,
}

/// `None` or `ClientIP`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum SessionAffinity {
    #[default]
    None,
    ClientIp,
}

/// A `spec.ports[]` entry.
#[derive(Clone, Debug, PartialEq)]
pub struct ServicePort {
    /// Required when the Service has more than one port.
    pub name: Option<String>,
    /// Defaults to TCP.
    pub protocol: Protocol,
    pub port: u16,
    /// `None` means the same number as `port`.
    pub target_port: Option<TargetPort>,
    /// Given by the user; otherwise the cluster allocates one for NodePort/LoadBalancer.
    pub node_port: Option<u16>,
}

/// `targetPort`: a number, or the name of a container port.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum TargetPort {
    Number(u16),
    Name(String),
}

/// A `status.loadBalancer.ingress[]` entry.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LoadBalancerIngress {
    pub ip: Option<Ipv4Addr>,
    pub hostname: Option<String>,
    pub ip_mode: Option<IpMode>,
}

/// `ipMode`: `VIP` (kube-proxy captures the address on every node) or `Proxy`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum IpMode {
    Vip,
    Proxy,
}

const SERVICE_TYPES: &[(&str, ServiceType)] = &[
    ("ClusterIP", ServiceType::ClusterIp),
    ("NodePort", ServiceType::NodePort),
    ("LoadBalancer", ServiceType::LoadBalancer),
    ("ExternalName", ServiceType::ExternalName),
];

const TRAFFIC_POLICIES: &[(&str, TrafficPolicy)] =
    &[("Cluster", TrafficPolicy::Cluster), ("Local", TrafficPolicy::Local)];

/// Why a port name is refused (`IsValidPortName`): at most 15 characters, lowercase
/// alphanumerics and `-`, at least one letter, no `--`, not starting or ending with `-`.
pub(crate) fn port_name_problem(name: &str) -> Option<PortNameProblem> {
    let ok_chars = name
        .chars()
        .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-');
    if name.is_empty() || name.chars().count() > 15 {
        Some(PortNameProblem::Length)
    } else if !ok_chars {
        Some(PortNameProblem::Characters)
    } else if !name.chars().any(|c| c.is_ascii_lowercase()) {
        Some(PortNameProblem::NoLetter)
    } else if name.contains("--") || name.starts_with('-') || name.ends_with('-') {
        Some(PortNameProblem::Dashes)
    } else {
        None
    }
}

pub(crate) fn read_service(cx: &mut Cx<'_>, fields: &mut Fields<'_>) -> Option<Service> {
    let metadata = read_meta(cx, fields.take("metadata"), NameRule::Dns1035, true);
    require_name(cx, fields, &metadata);
    fields.ignore(&["status"]);
    let mut service = Service {
        metadata,
        ..Service::default()
    };
    let mut spec = fields.required_map(cx, "spec")?;
    let spec_position = spec.position;
    service.service_type = spec.one_of(cx, "type", SERVICE_TYPES).unwrap_or_default();
    if let Some((node, path)) = spec.take("clusterIP") {
        service.cluster_ip = match cx.string(node, &path).as_deref() {
            Some("None") => Some(ClusterIp::Headless),
            Some("") | None => None,
            Some(_) => cx.ipv4(node, &path).map(ClusterIp::Address),
        };
    }
    service.cluster_ips = spec.list(cx, "clusterIPs", |cx, node, path| match node.text() {
        Some("None") => None,
        _ => cx.ipv4(node, path),
    });
    service.selector = spec.string_map(cx, "selector");
    let ports_path = spec.path_of("ports");
    let ports_node = spec.take("ports");
    if let Some((node, path)) = ports_node {
        let service_type = service.service_type;
        service.ports = cx.list(node, &path, |cx, item, path| read_port(cx, item, path, service_type));
        check_port_names(cx, node, &path, &service.ports);
    } else if service.service_type != ServiceType::ExternalName
        && service.cluster_ip != Some(ClusterIp::Headless)
        && !cx.failed
    {
        cx.error(
            spec_position,
            &ports_path,
            Problem::MissingField {
                field: "ports".to_string(),
            },
        );
    }
    service.external_ips = spec.list(cx, "externalIPs", |cx, node, path| cx.ipv4(node, path));
    if let Some((node, path)) = spec.take("externalName")
        && let Some(name) = cx.string(node, &path)
    {
        let name_trimmed = name.strip_suffix('.').unwrap_or(&name);
        if let Some(Reason::Name { problem, .. }) = name_problem(name_trimmed, NameRule::Subdomain) {
            cx.invalid(node, &path, Reason::Name { problem, external: true });
        }
        service.external_name = Some(name);
    }
    if service.service_type == ServiceType::ExternalName && service.external_name.is_none() && !cx.failed {
        spec.missing(cx, "externalName");
    }
    if let Some((node, path)) = spec.take("externalTrafficPolicy") {
        // `Global` was the old spelling of Cluster; the API server still maps it.
        service.external_traffic_policy = if node.text() == Some("Global") {
            Some(TrafficPolicy::Cluster)
        } else {
            cx.one_of(node, &path, TRAFFIC_POLICIES)
        };
        if service.external_traffic_policy.is_some()
            && !matches!(service.service_type, ServiceType::NodePort | ServiceType::LoadBalancer)
        {
            cx.error(
                node.position,
                &path,
                Problem::InvalidValue {
                    value: node.text().unwrap_or("").to_string(),
                    reason: Reason::TrafficPolicyNeedsNodePorts {
                        service_type: service.service_type.api_name().to_string(),
                    },
                },
            );
        }
    }
    service.internal_traffic_policy = spec.one_of(cx, "internalTrafficPolicy", TRAFFIC_POLICIES);
    service.session_affinity = spec
        .one_of(
            cx,
            "sessionAffinity",
            &[("None", SessionAffinity::None), ("ClientIP", SessionAffinity::ClientIp)],
        )
        .unwrap_or_default();
    if let Some(mut config) = spec.map(cx, "sessionAffinityConfig") {
        if let Some(mut client_ip) = config.map(cx, "clientIP") {
            service.session_affinity_timeout = client_ip
                .int_in(cx, "timeoutSeconds", 1, 86400, Quantity::AffinityTimeout)
                .and_then(|n| u32::try_from(n).ok());
            client_ip.finish(cx);
        }
        config.finish(cx);
    }
    service.load_balancer_source_ranges = spec.list(cx, "loadBalancerSourceRanges", |cx, node, path| {
        let text = cx.string(node, path)?;
        match Cidr::parse_lenient(&text) {
            Ok(cidr) if cidr.to_string() != text.trim() && text.contains('/') => {
                // kube-proxy masks these with net.ParseCIDR, so host bits are dropped.
                cx.warn(
                    node.position,
                    path,
                    Problem::InvalidValue {
                        value: text.clone(),
                        reason: Reason::CidrReadAs { cidr: cidr.to_string() },
                    },
                );
                Some(cidr)
            }
            Ok(cidr) => Some(cidr),
            Err(error) => {
                cx.invalid(node, path, super::decode::cidr_reason(&error));
                None
            }
        }
    });
    service.load_balancer_ip = spec.ipv4(cx, "loadBalancerIP");
    if let Some((node, path)) = spec.take("healthCheckNodePort") {
        service.health_check_node_port = cx.port(node, &path);
        let applies = service.service_type == ServiceType::LoadBalancer
            && service.external_traffic_policy == Some(TrafficPolicy::Local);
        if service.health_check_node_port.is_some() && !applies {
            cx.invalid(
                node,
                &path,
                Reason::HealthCheckNodePortNotAllowed,
            );
        }
    }
    service.allocate_load_balancer_node_ports = spec.bool(cx, "allocateLoadBalancerNodePorts");
    spec.ignore(&[
        "ipFamilies",
        "ipFamilyPolicy",
        "publishNotReadyAddresses",
        "loadBalancerClass",
        "trafficDistribution",
        "topologyKeys",
    ]);
    spec.finish(cx);
    if let Some(mut status) = fields.map(cx, "status") {
        if let Some(mut lb) = status.map(cx, "loadBalancer") {
            service.load_balancer_ingress = lb.list(cx, "ingress", |cx, item, path| {
                let mut f = cx.map(item, path)?;
                let ip = f.ipv4(cx, "ip");
                let hostname = f.string(cx, "hostname");
                let ip_mode = f.one_of(cx, "ipMode", &[("VIP", IpMode::Vip), ("Proxy", IpMode::Proxy)]);
                f.ignore(&["ports"]);
                f.finish(cx);
                Some(LoadBalancerIngress { ip, hostname, ip_mode })
            });
            lb.finish(cx);
        }
        status.ignore_rest();
        status.finish(cx);
    }
    Some(service)
}

fn read_port(cx: &mut Cx<'_>, item: &yaml::Node, path: &str, service_type: ServiceType) -> Option<ServicePort> {
    let mut f = cx.map(item, path)?;
    let name = f.take("name").and_then(|(node, path)| {
        let name = cx.string(node, &path)?;
        if let Some(problem) = port_name_problem(&name) {
            cx.invalid(node, &path, Reason::PortName { problem, quoted_number: false });
        }
        Some(name)
    });
    let protocol = f.one_of(cx, "protocol", PROTOCOLS).unwrap_or(Protocol::Tcp);
    let port = f.port(cx, "port");
    if port.is_none() && !f.has("port") {
        f.missing(cx, "port");
    }
    let target_port = f
        .take("targetPort")
        .and_then(|(node, path)| read_target_port(cx, node, &path));
    let node_port = f.take("nodePort").and_then(|(node, path)| {
        let value = cx.port(node, &path)?;
        if service_type == ServiceType::ClusterIp || service_type == ServiceType::ExternalName {
            cx.invalid(
                node,
                &path,
                Reason::NodePortWrongType { service_type: service_type.api_name().to_string() },
            );
            return None;
        }
        let (low, high) = NODE_PORT_RANGE;
        if value < low || value > high {
            cx.invalid(
                node,
                &path,
                Reason::NodePortOutOfRange { low, high },
            );
            return None;
        }
        Some(value)
    });
    f.ignore(&["appProtocol"]);
    f.finish(cx);
    Some(ServicePort {
        name,
        protocol,
        port: port?,
        target_port,
        node_port,
    })
}

/// `targetPort` is an IntOrString: a number 1-65535 or a container port name.
fn read_target_port(cx: &mut Cx<'_>, node: &yaml::Node, path: &str) -> Option<TargetPort> {
    let scalar = node.scalar();
    match scalar.map(|s| (s, s.resolve())) {
        Some((_, Resolved::Int(_))) => cx.port(node, path).map(TargetPort::Number),
        Some((scalar, Resolved::Str)) => {
            // A quoted number is still a name to the API ("8080" is not a valid port name).
            if let Some(problem) = port_name_problem(&scalar.text) {
                let quoted_number = scalar.text.parse::<u32>().is_ok();
                cx.invalid(node, path, Reason::PortName { problem, quoted_number });
                return None;
            }
            Some(TargetPort::Name(scalar.text.clone()))
        }
        _ => {
            cx.wrong_type(node, path, Expected::PortNumberOrName);
            None
        }
    }
}

/// With more than one port every port needs a name, and names must differ
/// (`ValidateService`: "must specify a name when there are multiple ports").
fn check_port_names(cx: &mut Cx<'_>, node: &yaml::Node, path: &str, ports: &[ServicePort]) {
    let yaml::Value::Seq(items) = &node.value else {
        return;
    };
    if items.len() < 2 || items.len() != ports.len() {
        return;
    }
    let mut seen: BTreeMap<&str, usize> = BTreeMap::new();
    for (index, (port, item)) in ports.iter().zip(items.iter()).enumerate() {
        let item_path = format!("{path}[{index}].name");
        match &port.name {
            None => cx.error(
                item.position,
                &item_path,
                Problem::InvalidValue {
                    value: format!("port {}", port.port),
                    reason: Reason::UnnamedPort,
                },
            ),
            Some(name) => {
                if let Some(first) = seen.insert(name.as_str(), index) {
                    let position = item.get("name").map(|n| n.position).unwrap_or(item.position);
                    cx.error(
                        position,
                        &item_path,
                        Problem::Clash {
                            what: Subject::PortName,
                            value: name.clone(),
                            other: format!("`{path}[{first}]`"),
                        },
                    );
                }
            }
        }
    }
}
