//! The resolved cluster: what the API server, scheduler, controllers and Calico IPAM
//! would have made of the manifests.
//!
//! `manifest::Manifests` mirrors the user's YAML (ripgrep's "low-level args"); a
//! [`Cluster`] is the "high-level" result: every pod placed on a node with an IP and a
//! `cali…` interface, every Service with its ClusterIP and NodePorts allocated, every
//! EndpointSlice computed. Missing pieces come from the blog post's default cluster.
//! Everything is sorted, so the same input always gives the same cluster.

use std::collections::BTreeMap;
use std::net::Ipv4Addr;

use crate::net::{Cidr, Protocol};

pub mod allocate;
pub mod build;
pub mod defaults;
pub mod endpoints;
pub mod intake;
pub mod ipam;
pub mod naming;
pub mod schedule;
pub mod services;
pub mod spec;
pub mod workloads;

pub use build::build;

/// Labels or a selector's `matchLabels`.
pub type Labels = BTreeMap<String, String>;

/// The whole cluster, resolved.
#[derive(Clone, Debug, PartialEq)]
pub struct Cluster {
    /// Sorted by name.
    pub nodes: Vec<Node>,
    /// Namespaces that exist (given or implied by objects), sorted.
    pub namespaces: Vec<String>,
    /// Controllers as given (Deployment, ReplicaSet, StatefulSet, DaemonSet), sorted by namespace/name.
    pub workloads: Vec<Workload>,
    /// Every pod, materialised from workloads or given directly, sorted by namespace/name.
    pub pods: Vec<Pod>,
    /// Sorted by namespace/name.
    pub services: Vec<Service>,
    /// Given slices (selector-less Services) and the lab's own endpoint controller's, sorted.
    pub endpoint_slices: Vec<EndpointSlice>,
    /// Calico IP pools (the default pool when none was given).
    pub ip_pools: Vec<IpPool>,
    /// kube-proxy's configuration, shared by every node.
    pub kube_proxy: KubeProxyConfig,
    /// The Service CIDR (`--service-cluster-ip-range`), 10.96.0.0/12 by default.
    pub service_cidr: Cidr,
    /// The NodePort range, 30000-32767.
    pub node_port_range: (u16, u16),
    /// Hosts outside the cluster that can send packets (the post's client at 172.16.120.61).
    pub external_hosts: Vec<ExternalHost>,
    /// MetalLB pools and advertisements, Ingresses and IngressClasses, kept for later stages.
    pub metallb_pools: Vec<MetalLbPool>,
    pub l2_advertisements: Vec<L2Advertisement>,
    pub ingresses: Vec<Ingress>,
    pub ingress_classes: Vec<IngressClass>,
}

/// A node, with its underlay address and Calico's per-node state.
#[derive(Clone, Debug, PartialEq)]
pub struct Node {
    pub name: String,
    pub labels: Labels,
    pub annotations: Labels,
    pub taints: Vec<Taint>,
    pub unschedulable: bool,
    /// `status.addresses` InternalIP (the underlay address on eth0).
    pub internal_ip: Ipv4Addr,
    /// `status.addresses` ExternalIP, if any.
    pub external_ip: Option<Ipv4Addr>,
    /// The underlay subnet eth0 sits in (assumed /24 when not known).
    pub subnet: Cidr,
    /// The underlay default gateway (assumed `.1` of the subnet).
    pub gateway: Ipv4Addr,
    /// Calico IPAM blocks affine to this node, in claim order.
    pub blocks: Vec<Cidr>,
    /// tunl0's address when IPIP is on (`projectcalico.org/IPv4IPIPTunnelAddr`).
    pub tunnel_ip: Option<Ipv4Addr>,
    /// Whether the node carries the control-plane role label.
    pub control_plane: bool,
    /// kubelet version string shown by `kubectl get nodes`.
    pub kubelet_version: String,
}

impl Node {
    /// `ROLES` as `kubectl get nodes` prints it (`control-plane` or `<none>`).
    pub fn roles(&self) -> String {
        let roles: Vec<&str> = self
            .labels
            .keys()
            .filter_map(|key| key.strip_prefix("node-role.kubernetes.io/"))
            .filter(|role| !role.is_empty())
            .collect();
        if roles.is_empty() { "<none>".to_string() } else { roles.join(",") }
    }
}

#[derive(Clone, Debug, PartialEq, Eq, Default)]
pub struct Taint {
    pub key: String,
    pub value: Option<String>,
    /// `NoSchedule`, `PreferNoSchedule` or `NoExecute`.
    pub effect: String,
}

#[derive(Clone, Debug, PartialEq, Eq, Default)]
pub struct Toleration {
    pub key: Option<String>,
    /// `Exists` or `Equal`.
    pub operator: Option<String>,
    pub value: Option<String>,
    pub effect: Option<String>,
}

/// A controller that owns pods.
#[derive(Clone, Debug, PartialEq, Default)]
pub struct Workload {
    /// `Deployment`, `ReplicaSet`, `StatefulSet` or `DaemonSet`.
    pub kind: String,
    pub namespace: String,
    pub name: String,
    pub labels: Labels,
    pub replicas: u32,
    pub selector: Labels,
    /// Names of the pods it owns, sorted.
    pub pods: Vec<String>,
}

/// A pod, placed and addressed.
#[derive(Clone, Debug, PartialEq, Default)]
pub struct Pod {
    pub namespace: String,
    pub name: String,
    pub labels: Labels,
    pub annotations: Labels,
    /// `None` only when it could not be scheduled (a diagnostic says why).
    pub node_name: Option<String>,
    pub node_selector: Labels,
    pub tolerations: Vec<Toleration>,
    pub host_network: bool,
    /// The pod IP: from Calico IPAM, the `cni.projectcalico.org/ipAddrs` annotation,
    /// `status.podIP`, or the node's IP for hostNetwork pods.
    pub ip: Option<Ipv4Addr>,
    /// The host side of the pod's veth, `cali` + 11 hex (none for hostNetwork pods).
    pub interface: Option<String>,
    pub containers: Vec<Container>,
    /// The owning controller, e.g. (`ReplicaSet`, `web-7d4b9c8f6d`).
    pub owner: Option<(String, String)>,
    /// Ready for the endpoint controller (true unless the manifest's status says otherwise).
    pub ready: bool,
    /// Being deleted (`metadata.deletionTimestamp` given): serving but terminating.
    pub terminating: bool,
}

impl Pod {
    /// `namespace/name`.
    pub fn key(&self) -> String {
        format!("{}/{}", self.namespace, self.name)
    }
}

#[derive(Clone, Debug, PartialEq, Eq, Default)]
pub struct Container {
    pub name: String,
    pub image: String,
    pub command: Vec<String>,
    pub args: Vec<String>,
    pub ports: Vec<ContainerPort>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ContainerPort {
    pub name: Option<String>,
    pub container_port: u16,
    pub protocol: Protocol,
    pub host_port: Option<u16>,
}

/// `spec.type` of a Service.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Default)]
pub enum ServiceType {
    #[default]
    ClusterIp,
    NodePort,
    LoadBalancer,
    ExternalName,
}

impl ServiceType {
    /// The API spelling, as `kubectl get svc` prints it.
    pub fn api_name(self) -> &'static str {
        match self {
            ServiceType::ClusterIp => "ClusterIP",
            ServiceType::NodePort => "NodePort",
            ServiceType::LoadBalancer => "LoadBalancer",
            ServiceType::ExternalName => "ExternalName",
        }
    }
}

/// `externalTrafficPolicy` / `internalTrafficPolicy`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum TrafficPolicy {
    #[default]
    Cluster,
    Local,
}

/// A Service port's `targetPort`: a number or a container port's name.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum TargetPort {
    Number(u16),
    Name(String),
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ServicePort {
    pub name: Option<String>,
    pub protocol: Protocol,
    pub port: u16,
    pub target_port: TargetPort,
    /// Allocated or given; `None` for ClusterIP Services (and LoadBalancers with
    /// `allocateLoadBalancerNodePorts: false`).
    pub node_port: Option<u16>,
}

/// One entry of `status.loadBalancer.ingress`.
#[derive(Clone, Debug, PartialEq, Eq, Default)]
pub struct LoadBalancerIngress {
    pub ip: Option<Ipv4Addr>,
    pub hostname: Option<String>,
    /// `VIP` (default) or `Proxy`; kube-proxy ignores `Proxy` addresses.
    pub ip_mode: Option<String>,
}

/// A Service, with its addresses allocated.
#[derive(Clone, Debug, PartialEq, Default)]
pub struct Service {
    pub namespace: String,
    pub name: String,
    pub labels: Labels,
    pub annotations: Labels,
    pub service_type: ServiceType,
    /// `None` for headless (`clusterIP: None`) and ExternalName Services.
    pub cluster_ip: Option<Ipv4Addr>,
    pub ports: Vec<ServicePort>,
    /// `None` for selector-less Services (their slices come from the manifests).
    pub selector: Option<Labels>,
    pub external_ips: Vec<Ipv4Addr>,
    pub external_name: Option<String>,
    pub external_traffic_policy: TrafficPolicy,
    pub internal_traffic_policy: TrafficPolicy,
    /// `Some(timeoutSeconds)` for `sessionAffinity: ClientIP` (default 10800).
    pub session_affinity_timeout: Option<u32>,
    pub load_balancer_source_ranges: Vec<Cidr>,
    pub load_balancer_ingress: Vec<LoadBalancerIngress>,
    /// Given or allocated for LoadBalancer Services with eTP Local.
    pub health_check_node_port: Option<u16>,
    pub load_balancer_ip: Option<Ipv4Addr>,
}

impl Service {
    /// `namespace/name`.
    pub fn key(&self) -> String {
        format!("{}/{}", self.namespace, self.name)
    }
}

/// `discovery.k8s.io/v1` EndpointSlice.
#[derive(Clone, Debug, PartialEq, Default)]
pub struct EndpointSlice {
    pub namespace: String,
    pub name: String,
    /// The `kubernetes.io/service-name` label.
    pub service_name: String,
    /// `IPv4` (other address types are reported and skipped).
    pub address_type: String,
    pub endpoints: Vec<Endpoint>,
    pub ports: Vec<EndpointPort>,
    /// True when the lab's endpoint controller made it (false when pasted).
    pub managed_by_lab: bool,
}

#[derive(Clone, Debug, PartialEq, Eq, Default)]
pub struct Endpoint {
    pub addresses: Vec<Ipv4Addr>,
    /// `conditions.ready`; `None` means unknown, which consumers treat as ready.
    pub ready: Option<bool>,
    pub serving: Option<bool>,
    pub terminating: Option<bool>,
    pub node_name: Option<String>,
    pub zone: Option<String>,
    /// `targetRef` of kind Pod, as `namespace/name`.
    pub target_pod: Option<String>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct EndpointPort {
    pub name: Option<String>,
    pub port: Option<u16>,
    pub protocol: Protocol,
}

/// `ipipMode` / `vxlanMode` of a Calico IP pool.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum EncapMode {
    Always,
    CrossSubnet,
    #[default]
    Never,
}

#[derive(Clone, Debug, PartialEq)]
pub struct IpPool {
    pub name: String,
    pub cidr: Cidr,
    pub block_size: u8,
    pub ipip_mode: EncapMode,
    pub vxlan_mode: EncapMode,
    pub nat_outgoing: bool,
    pub disabled: bool,
}

/// kube-proxy's `--detect-local-mode`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum DetectLocalMode {
    #[default]
    ClusterCidr,
    NodeCidr,
    BridgeInterface,
    InterfaceNamePrefix,
}

/// `kubeproxy.config.k8s.io/v1alpha1` KubeProxyConfiguration, the fields the lab uses.
#[derive(Clone, Debug, PartialEq)]
pub struct KubeProxyConfig {
    /// `iptables` (the only mode emulated), `ipvs` or `nftables`.
    pub mode: String,
    /// `clusterCIDR`; with Calico, the pool's CIDR (192.168.0.0/16).
    pub cluster_cidr: Option<Cidr>,
    pub detect_local_mode: DetectLocalMode,
    /// `detectLocal.bridgeInterface` / `detectLocal.interfaceNamePrefix`.
    pub detect_local_interface: Option<String>,
    /// `iptables.masqueradeBit`, default 14 (mark 0x4000).
    pub masquerade_bit: u8,
    pub masquerade_all: bool,
    /// `iptables.localhostNodePorts`, default true.
    pub localhost_node_ports: bool,
    /// `nodePortAddresses`; empty means every local address.
    pub node_port_addresses: Vec<Cidr>,
    /// Whether the node's iptables supports `--random-fully` (true on every current distro).
    pub random_fully: bool,
    /// Whether nfacct counters are available (normally true on real nodes).
    pub nfacct: bool,
    /// `net.netfilter.nf_conntrack_tcp_be_liberal`; when false kube-proxy drops INVALID packets.
    pub conntrack_tcp_be_liberal: bool,
}

impl Default for KubeProxyConfig {
    fn default() -> KubeProxyConfig {
        KubeProxyConfig {
            mode: "iptables".to_string(),
            cluster_cidr: None,
            detect_local_mode: DetectLocalMode::ClusterCidr,
            detect_local_interface: None,
            masquerade_bit: 14,
            masquerade_all: false,
            localhost_node_ports: true,
            node_port_addresses: Vec::new(),
            random_fully: true,
            nfacct: true,
            conntrack_tcp_be_liberal: false,
        }
    }
}

/// A host outside the cluster on the underlay, e.g. the post's client.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ExternalHost {
    pub name: String,
    pub ip: Ipv4Addr,
    pub subnet: Cidr,
    pub gateway: Ipv4Addr,
}

/// `metallb.io/v1beta1` IPAddressPool.
#[derive(Clone, Debug, PartialEq, Default)]
pub struct MetalLbPool {
    pub namespace: String,
    pub name: String,
    /// Each entry a CIDR or an `a.b.c.d-e.f.g.h` range, expanded to (first, last).
    pub ranges: Vec<(Ipv4Addr, Ipv4Addr)>,
    pub auto_assign: bool,
    pub avoid_buggy_ips: bool,
}

/// `metallb.io/v1beta1` L2Advertisement.
#[derive(Clone, Debug, PartialEq, Default)]
pub struct L2Advertisement {
    pub namespace: String,
    pub name: String,
    /// Empty means every pool.
    pub ip_address_pools: Vec<String>,
    /// `nodeSelectors` matchLabels; empty means every node.
    pub node_selectors: Vec<Labels>,
}

/// An Ingress backend: a Service and a port (by number or name).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct IngressBackend {
    pub service_name: String,
    pub port: TargetPort,
}

/// `pathType` of an Ingress path.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PathType {
    Exact,
    Prefix,
    ImplementationSpecific,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct IngressPath {
    pub path: String,
    pub path_type: PathType,
    pub backend: IngressBackend,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct IngressRule {
    pub host: Option<String>,
    pub paths: Vec<IngressPath>,
}

/// `networking.k8s.io/v1` Ingress (legacy forms converted, with a warning).
#[derive(Clone, Debug, PartialEq, Default)]
pub struct Ingress {
    pub namespace: String,
    pub name: String,
    pub annotations: Labels,
    pub ingress_class_name: Option<String>,
    pub default_backend: Option<IngressBackend>,
    pub rules: Vec<IngressRule>,
}

#[derive(Clone, Debug, PartialEq, Default)]
pub struct IngressClass {
    pub name: String,
    pub controller: String,
    pub is_default: bool,
}
