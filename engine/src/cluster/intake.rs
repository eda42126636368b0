//! `manifest::Manifests` -> `spec::Input`: the user's objects, normalised for the build.
//!
//! Part of `cluster::build`, its first step. API defaults the manifest stage leaves open are
//! filled here (`replicas: 1`, `targetPort` = `port`, `externalTrafficPolicy: Cluster`, a
//! pool's `blockSize: 26`), and every object keeps its document index and position so later
//! diagnostics point at it.

use crate::cluster::defaults;
use crate::cluster::spec::{
    BlockAffinitySpec, ClusterIpRequest, EndpointSliceSpec, Input, IpPoolSpec, NodeSpec, Origin, PodSpec, PodTemplate,
    ServiceSpec, WorkloadKind, WorkloadSpec,
};
use crate::cluster::{
    Container, ContainerPort, DetectLocalMode, EncapMode, Endpoint, EndpointPort, EndpointSlice, Ingress,
    IngressBackend, IngressClass, IngressPath, IngressRule, IpPool, KubeProxyConfig, L2Advertisement,
    LoadBalancerIngress, MetalLbPool, Node, PathType, Service, ServicePort, ServiceType, Taint, TargetPort, Toleration,
    TrafficPolicy,
};
use crate::diagnostic::{Diagnostic, Problem, Reason, Subject};
use crate::manifest::{self, Manifests, Resource};
use crate::net::Cidr;

/// `sessionAffinityConfig.clientIP.timeoutSeconds`'s API default (3 hours).
pub const DEFAULT_AFFINITY_TIMEOUT: u32 = 10800;

fn effect_name(effect: manifest::TaintEffect) -> &'static str {
    match effect {
        manifest::TaintEffect::NoSchedule => "NoSchedule",
        manifest::TaintEffect::PreferNoSchedule => "PreferNoSchedule",
        manifest::TaintEffect::NoExecute => "NoExecute",
    }
}

fn encap(mode: Option<manifest::EncapsulationMode>) -> EncapMode {
    match mode {
        Some(manifest::EncapsulationMode::Always) => EncapMode::Always,
        Some(manifest::EncapsulationMode::CrossSubnet) => EncapMode::CrossSubnet,
        Some(manifest::EncapsulationMode::Never) | None => EncapMode::Never,
    }
}

fn traffic_policy(policy: Option<manifest::TrafficPolicy>) -> TrafficPolicy {
    match policy {
        Some(manifest::TrafficPolicy::Local) => TrafficPolicy::Local,
        Some(manifest::TrafficPolicy::Cluster) | None => TrafficPolicy::Cluster,
    }
}

fn template_of(metadata: &manifest::ObjectMeta, spec: &manifest::PodSpec) -> PodTemplate {
    PodTemplate {
        labels: metadata.labels.clone(),
        annotations: metadata.annotations.clone(),
        node_name: spec.node_name.clone(),
        node_selector: spec.node_selector.clone(),
        tolerations: spec
            .tolerations
            .iter()
            .map(|toleration| Toleration {
                key: toleration.key.clone(),
                operator: Some(
                    match toleration.operator {
                        manifest::TolerationOperator::Equal => "Equal",
                        manifest::TolerationOperator::Exists => "Exists",
                    }
                    .to_string(),
                ),
                value: toleration.value.clone(),
                effect: toleration.effect.map(|effect| effect_name(effect).to_string()),
            })
            .collect(),
        host_network: spec.host_network,
        containers: spec
            .containers
            .iter()
            .map(|container| Container {
                name: container.name.clone(),
                image: container.image.clone().unwrap_or_default(),
                command: container.command.clone(),
                args: container.args.clone(),
                ports: container
                    .ports
                    .iter()
                    .map(|port| ContainerPort {
                        name: port.name.clone(),
                        container_port: port.container_port,
                        protocol: port.protocol,
                        host_port: port.host_port,
                    })
                    .collect(),
            })
            .collect(),
    }
}

fn node(source: &manifest::Node, origin: &Origin, diagnostics: &mut Vec<Diagnostic>) -> Option<Node> {
    let Some(internal_ip) = source.internal_ip() else {
        diagnostics.push(origin.locate(
            Diagnostic::error(Problem::NoInternalIp),
            "status.addresses",
        ));
        return None;
    };
    let external_ip = source.addresses.iter().find_map(|address| match address {
        manifest::NodeAddress::ExternalIp(ip) => Some(*ip),
        _ => None,
    });
    // The underlay prefix is not in the Node object: assume a /24 with the gateway at .1.
    let subnet = Cidr::new(internal_ip, 24).unwrap_or_else(|| Cidr::host(internal_ip));
    let gateway = subnet.nth(1).unwrap_or(internal_ip);
    let mut annotations = source.metadata.annotations.clone();
    if source.ipip_tunnel_addr.is_none() {
        // A malformed tunnel annotation was already reported by the manifest stage.
        annotations.remove(crate::cluster::build::IPIP_TUNNEL_ANNOTATION);
    }
    Some(Node {
        name: source.metadata.name.clone(),
        labels: source.metadata.labels.clone(),
        annotations,
        taints: source
            .taints
            .iter()
            .map(|taint| Taint {
                key: taint.key.clone(),
                value: taint.value.clone(),
                effect: effect_name(taint.effect).to_string(),
            })
            .collect(),
        unschedulable: source.unschedulable,
        internal_ip,
        external_ip,
        subnet,
        gateway,
        blocks: Vec::new(),
        tunnel_ip: None,
        control_plane: source.metadata.labels.contains_key(defaults::CONTROL_PLANE_ROLE),
        kubelet_version: source.kubelet_version.clone().unwrap_or_default(),
    })
}

fn service(source: &manifest::Service, origin: &Origin) -> ServiceSpec {
    let metadata = &source.metadata;
    let service_type = match source.service_type {
        manifest::ServiceType::ClusterIp => ServiceType::ClusterIp,
        manifest::ServiceType::NodePort => ServiceType::NodePort,
        manifest::ServiceType::LoadBalancer => ServiceType::LoadBalancer,
        manifest::ServiceType::ExternalName => ServiceType::ExternalName,
    };
    let cluster_ip = match source.cluster_ip {
        Some(manifest::ClusterIp::Headless) => ClusterIpRequest::Headless,
        Some(manifest::ClusterIp::Address(address)) => ClusterIpRequest::Given(address),
        None => match source.cluster_ips.first() {
            Some(address) => ClusterIpRequest::Given(*address),
            None => ClusterIpRequest::Allocate,
        },
    };
    let ports = source
        .ports
        .iter()
        .map(|port| ServicePort {
            name: port.name.clone(),
            protocol: port.protocol,
            port: port.port,
            target_port: match &port.target_port {
                Some(manifest::TargetPort::Number(number)) => TargetPort::Number(*number),
                Some(manifest::TargetPort::Name(name)) => TargetPort::Name(name.clone()),
                None => TargetPort::Number(port.port),
            },
            node_port: port.node_port,
        })
        .collect();
    let session_affinity_timeout = match source.session_affinity {
        manifest::SessionAffinity::ClientIp => {
            Some(source.session_affinity_timeout.unwrap_or(DEFAULT_AFFINITY_TIMEOUT))
        }
        manifest::SessionAffinity::None => None,
    };
    ServiceSpec {
        service: Service {
            namespace: metadata.namespace_or_default().to_string(),
            name: metadata.name.clone(),
            labels: metadata.labels.clone(),
            annotations: metadata.annotations.clone(),
            service_type,
            cluster_ip: None,
            ports,
            selector: if source.selector.is_empty() { None } else { Some(source.selector.clone()) },
            external_ips: source.external_ips.clone(),
            external_name: source.external_name.clone(),
            external_traffic_policy: traffic_policy(source.external_traffic_policy),
            internal_traffic_policy: traffic_policy(source.internal_traffic_policy),
            session_affinity_timeout,
            load_balancer_source_ranges: source.load_balancer_source_ranges.clone(),
            load_balancer_ingress: source
                .load_balancer_ingress
                .iter()
                .map(|ingress| LoadBalancerIngress {
                    ip: ingress.ip,
                    hostname: ingress.hostname.clone(),
                    ip_mode: ingress.ip_mode.map(|mode| {
                        match mode {
                            manifest::IpMode::Vip => "VIP",
                            manifest::IpMode::Proxy => "Proxy",
                        }
                        .to_string()
                    }),
                })
                .collect(),
            health_check_node_port: source.health_check_node_port,
            load_balancer_ip: source.load_balancer_ip,
        },
        cluster_ip,
        allocate_load_balancer_node_ports: source.allocate_load_balancer_node_ports.unwrap_or(true),
        origin: origin.clone(),
    }
}

fn endpoint_slice(
    source: &manifest::EndpointSlice,
    origin: &Origin,
    diagnostics: &mut Vec<Diagnostic>,
) -> Option<EndpointSlice> {
    if source.address_type != manifest::AddressType::IPv4 {
        // The manifest stage already warned that only IPv4 is emulated.
        return None;
    }
    let Some(service_name) = source.service_name.clone() else {
        diagnostics.push(origin.locate(
            Diagnostic::warning(Problem::MissingField {
                field: "metadata.labels[kubernetes.io/service-name]".to_string(),
            }),
            "metadata.labels",
        ));
        return None;
    };
    let namespace = source.metadata.namespace_or_default().to_string();
    Some(EndpointSlice {
        namespace: namespace.clone(),
        name: source.metadata.name.clone(),
        service_name,
        address_type: "IPv4".to_string(),
        endpoints: source
            .endpoints
            .iter()
            .map(|endpoint| Endpoint {
                addresses: endpoint.addresses.clone(),
                ready: endpoint.conditions.ready,
                serving: endpoint.conditions.serving,
                terminating: endpoint.conditions.terminating,
                node_name: endpoint.node_name.clone(),
                zone: endpoint.zone.clone(),
                target_pod: endpoint.target_ref.as_ref().and_then(|reference| {
                    let is_pod = reference.kind.as_deref().is_none_or(|kind| kind == "Pod");
                    let name = reference.name.as_ref()?;
                    let pod_namespace = reference.namespace.clone().unwrap_or_else(|| namespace.clone());
                    is_pod.then(|| format!("{pod_namespace}/{name}"))
                }),
            })
            .collect(),
        ports: source
            .ports
            .iter()
            .map(|port| EndpointPort { name: port.name.clone(), port: port.port, protocol: port.protocol })
            .collect(),
        managed_by_lab: false,
    })
}

fn kube_proxy(
    source: &manifest::KubeProxyConfiguration,
    origin: &Origin,
    diagnostics: &mut Vec<Diagnostic>,
) -> KubeProxyConfig {
    let mode = match source.mode {
        manifest::ProxyMode::Default | manifest::ProxyMode::Iptables => "iptables",
        manifest::ProxyMode::Ipvs => "ipvs",
        manifest::ProxyMode::Nftables => "nftables",
        manifest::ProxyMode::Kernelspace => "kernelspace",
    };
    let detect_local_mode = match source.detect_local_mode {
        Some(manifest::DetectLocalMode::NodeCidr) => DetectLocalMode::NodeCidr,
        Some(manifest::DetectLocalMode::BridgeInterface) => DetectLocalMode::BridgeInterface,
        Some(manifest::DetectLocalMode::InterfaceNamePrefix) => DetectLocalMode::InterfaceNamePrefix,
        Some(manifest::DetectLocalMode::ClusterCidr) | None => DetectLocalMode::ClusterCidr,
    };
    let detect_local_interface = match detect_local_mode {
        DetectLocalMode::BridgeInterface => source.bridge_interface.clone(),
        DetectLocalMode::InterfaceNamePrefix => source.interface_name_prefix.clone(),
        DetectLocalMode::ClusterCidr | DetectLocalMode::NodeCidr => None,
    };
    let node_port_addresses = match &source.node_port_addresses {
        manifest::NodePortAddresses::All => Vec::new(),
        manifest::NodePortAddresses::Cidrs(cidrs) => cidrs.clone(),
        manifest::NodePortAddresses::Primary => {
            diagnostics.push(origin.locate(
                Diagnostic::info(Problem::NotEmulated {
                    feature: Subject::NodePortAddressesPrimary,
                    detail: Reason::NodePortsOnEveryAddress,
                }),
                "nodePortAddresses",
            ));
            Vec::new()
        }
    };
    KubeProxyConfig {
        mode: mode.to_string(),
        cluster_cidr: source.cluster_cidr.first().copied(),
        detect_local_mode,
        detect_local_interface,
        masquerade_bit: source.masquerade_bit.unwrap_or(14),
        masquerade_all: source.masquerade_all,
        localhost_node_ports: source.localhost_node_ports.unwrap_or(true),
        node_port_addresses,
        ..KubeProxyConfig::default()
    }
}

fn ingress(source: &manifest::Ingress, origin: &Origin, diagnostics: &mut Vec<Diagnostic>) -> Ingress {
    let mut backend = |backend: &manifest::IngressBackend, path: &str| match backend {
        manifest::IngressBackend::Service { name, port } => Some(IngressBackend {
            service_name: name.clone(),
            port: match port {
                manifest::ServiceBackendPort::Number(number) => TargetPort::Number(*number),
                manifest::ServiceBackendPort::Name(name) => TargetPort::Name(name.clone()),
            },
        }),
        manifest::IngressBackend::Resource { kind, name } => {
            diagnostics.push(origin.locate(
                Diagnostic::warning(Problem::NotEmulated {
                    feature: Subject::ResourceBackends,
                    detail: Reason::ResourceBackendNotFollowed { kind: kind.clone(), name: name.clone() },
                }),
                path,
            ));
            None
        }
    };
    let default_backend = source.default_backend.as_ref().and_then(|it| backend(it, "spec.defaultBackend"));
    let mut rules = Vec::new();
    for (rule_index, rule) in source.rules.iter().enumerate() {
        let mut paths = Vec::new();
        for (path_index, path) in rule.paths.iter().enumerate() {
            let field = format!("spec.rules[{rule_index}].http.paths[{path_index}].backend");
            let Some(resolved) = backend(&path.backend, &field) else { continue };
            paths.push(IngressPath {
                path: path.path.clone().unwrap_or_else(|| "/".to_string()),
                path_type: match path.path_type {
                    manifest::PathType::Exact => PathType::Exact,
                    manifest::PathType::Prefix => PathType::Prefix,
                    manifest::PathType::ImplementationSpecific => PathType::ImplementationSpecific,
                },
                backend: resolved,
            });
        }
        rules.push(IngressRule { host: rule.host.clone(), paths });
    }
    Ingress {
        namespace: source.metadata.namespace_or_default().to_string(),
        name: source.metadata.name.clone(),
        annotations: source.metadata.annotations.clone(),
        ingress_class_name: source.ingress_class_name.clone(),
        default_backend,
        rules,
    }
}

/// Reads the manifests' objects into the build's input.
pub fn read(manifests: &Manifests) -> (Input, Vec<Diagnostic>) {
    let mut input = Input::default();
    let mut diagnostics = Vec::new();
    for object in &manifests.objects {
        let resource = &object.resource;
        let metadata = resource.metadata();
        let object_name = if metadata.name.is_empty() {
            resource.kind().to_string()
        } else if matches!(
            resource,
            Resource::Node(_)
                | Resource::Namespace(_)
                | Resource::IpPool(_)
                | Resource::BlockAffinity(_)
                | Resource::IngressClass(_)
        ) {
            format!("{} {}", resource.kind(), metadata.name)
        } else {
            format!("{} {}/{}", resource.kind(), metadata.namespace_or_default(), metadata.name)
        };
        let origin = Origin { document: Some(object.document), position: Some(object.position), object: object_name };
        let namespace = metadata.namespace_or_default().to_string();
        match resource {
            Resource::Node(source) => {
                if let Some(node) = node(source, &origin, &mut diagnostics) {
                    input.nodes.push(NodeSpec { node, origin });
                }
            }
            Resource::Namespace(source) => input.namespaces.push((source.metadata.name.clone(), origin)),
            Resource::Pod(source) => {
                let mut template = template_of(&source.metadata, &source.spec);
                if let Some(first) = source.calico_ip_addrs.first() {
                    template
                        .annotations
                        .insert(crate::cluster::build::IP_ADDRS_ANNOTATION.to_string(), format!("[\"{first}\"]"));
                } else {
                    // A malformed annotation was already reported by the manifest stage.
                    template.annotations.remove(crate::cluster::build::IP_ADDRS_ANNOTATION);
                }
                input.pods.push(PodSpec {
                    namespace,
                    name: source.metadata.name.clone(),
                    template,
                    status_ip: source.pod_ip,
                    ready: source.ready.unwrap_or(true),
                    terminating: source.metadata.deletion_timestamp.is_some(),
                    owner: None,
                    origin,
                });
            }
            Resource::Workload(source) => {
                let kind = match source.kind {
                    manifest::WorkloadKind::Deployment => WorkloadKind::Deployment,
                    manifest::WorkloadKind::ReplicaSet => WorkloadKind::ReplicaSet,
                    manifest::WorkloadKind::StatefulSet => WorkloadKind::StatefulSet,
                    manifest::WorkloadKind::DaemonSet => WorkloadKind::DaemonSet,
                };
                let template = template_of(&source.template.metadata, &source.template.spec);
                // With only matchExpressions (not evaluated by the lab), the template's labels stand in.
                let selector =
                    if source.selector.match_labels.is_empty() && !source.selector.match_expressions.is_empty() {
                        template.labels.clone()
                    } else {
                        source.selector.match_labels.clone()
                    };
                input.workloads.push(WorkloadSpec {
                    kind,
                    namespace,
                    name: source.metadata.name.clone(),
                    labels: source.metadata.labels.clone(),
                    replicas: source.replicas.unwrap_or(1),
                    selector,
                    template,
                    origin,
                });
            }
            Resource::Service(source) => input.services.push(service(source, &origin)),
            Resource::EndpointSlice(source) => {
                if let Some(slice) = endpoint_slice(source, &origin, &mut diagnostics) {
                    input.endpoint_slices.push(EndpointSliceSpec { slice, origin });
                }
            }
            Resource::IpPool(source) => input.ip_pools.push(IpPoolSpec {
                pool: IpPool {
                    name: source.metadata.name.clone(),
                    cidr: source.cidr,
                    block_size: source.block_size.unwrap_or(26),
                    ipip_mode: encap(source.ipip_mode),
                    vxlan_mode: encap(source.vxlan_mode),
                    nat_outgoing: source.nat_outgoing,
                    disabled: source.disabled,
                },
                origin,
            }),
            Resource::BlockAffinity(source) => {
                input.block_affinities.push(BlockAffinitySpec { node: source.node.clone(), cidr: source.cidr, origin });
            }
            Resource::KubeProxyConfiguration(source) => {
                if input.kube_proxy.is_some() {
                    diagnostics.push(origin.locate(
                        Diagnostic::error(Problem::DuplicateConfiguration {
                            kind: "KubeProxyConfiguration".to_string(),
                        }),
                        "",
                    ));
                } else {
                    let config = kube_proxy(source, &origin, &mut diagnostics);
                    input.kube_proxy = Some((config, origin));
                }
            }
            Resource::IpAddressPool(source) => input.metallb_pools.push(MetalLbPool {
                namespace,
                name: source.metadata.name.clone(),
                ranges: source.addresses.iter().map(|range| (range.first, range.last)).collect(),
                auto_assign: source.auto_assign.unwrap_or(true),
                avoid_buggy_ips: source.avoid_buggy_ips,
            }),
            Resource::L2Advertisement(source) => input.l2_advertisements.push(L2Advertisement {
                namespace,
                name: source.metadata.name.clone(),
                ip_address_pools: source.ip_address_pools.clone(),
                node_selectors: source.node_selectors.iter().map(|selector| selector.match_labels.clone()).collect(),
            }),
            Resource::Ingress(source) => input.ingresses.push(ingress(source, &origin, &mut diagnostics)),
            Resource::IngressClass(source) => input.ingress_classes.push(IngressClass {
                name: source.metadata.name.clone(),
                controller: source.controller.clone().unwrap_or_default(),
                is_default: source.is_default,
            }),
        }
    }
    (input, diagnostics)
}
