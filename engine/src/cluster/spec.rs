//! What `cluster::build` works from: the manifests' objects, normalised, each with where it
//! came from.
//!
//! `cluster::intake` fills an [`Input`] from `manifest::Manifests`; `cluster::defaults` adds
//! the blog post's cluster where pieces are missing; `cluster::build` resolves it into a
//! [`Cluster`](crate::cluster::Cluster). Keeping this seam lets the resolving steps be tested
//! without YAML.

use std::net::Ipv4Addr;

use crate::cluster::{
    Container, EndpointSlice, ExternalHost, Ingress, IngressClass, IpPool, KubeProxyConfig, L2Advertisement, Labels,
    MetalLbPool, Node, Service, Toleration,
};
use crate::diagnostic::{Diagnostic, Position};
use crate::net::Cidr;

/// Where an object came from, for diagnostics.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Origin {
    /// 0-based YAML document index; `None` for the lab's own defaults.
    pub document: Option<usize>,
    pub position: Option<Position>,
    /// `Kind namespace/name`, as diagnostics print it.
    pub object: String,
}

impl Origin {
    /// An origin for an object the lab made up itself.
    pub fn lab(object: impl Into<String>) -> Origin {
        Origin { document: None, position: None, object: object.into() }
    }

    /// Attaches this origin (document, position, object) and a field path to a diagnostic.
    pub fn locate(&self, diagnostic: Diagnostic, path: &str) -> Diagnostic {
        let diagnostic = diagnostic.at(self.document, self.position).with_path(path);
        if self.object.is_empty() { diagnostic } else { diagnostic.with_object(self.object.clone()) }
    }
}

/// A pod template (or a bare pod's spec): what every pod made from it shares.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct PodTemplate {
    pub labels: Labels,
    pub annotations: Labels,
    pub node_name: Option<String>,
    pub node_selector: Labels,
    pub tolerations: Vec<Toleration>,
    pub host_network: bool,
    pub containers: Vec<Container>,
}

impl PodTemplate {
    /// The text hashed into `pod-template-hash` / `controller-revision-hash`: the template's
    /// derived `Debug` form (fields in declaration order, maps sorted), so equal templates
    /// hash equally and any change gives a new hash, as in Kubernetes.
    pub fn canonical_text(&self) -> String {
        format!("{self:?}")
    }
}

/// `apps/v1` controllers the lab materialises into pods.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum WorkloadKind {
    Deployment,
    ReplicaSet,
    StatefulSet,
    DaemonSet,
}

impl WorkloadKind {
    /// The API spelling.
    pub fn api_name(self) -> &'static str {
        match self {
            WorkloadKind::Deployment => "Deployment",
            WorkloadKind::ReplicaSet => "ReplicaSet",
            WorkloadKind::StatefulSet => "StatefulSet",
            WorkloadKind::DaemonSet => "DaemonSet",
        }
    }
}

/// A controller as given.
#[derive(Clone, Debug, PartialEq)]
pub struct WorkloadSpec {
    pub kind: WorkloadKind,
    pub namespace: String,
    pub name: String,
    pub labels: Labels,
    /// `spec.replicas` (default 1); ignored for DaemonSets.
    pub replicas: u32,
    /// `spec.selector.matchLabels` (or the template's labels when absent).
    pub selector: Labels,
    pub template: PodTemplate,
    pub origin: Origin,
}

/// A bare Pod as given.
#[derive(Clone, Debug, PartialEq)]
pub struct PodSpec {
    pub namespace: String,
    pub name: String,
    pub template: PodTemplate,
    /// `status.podIP`, if the manifest carries one.
    pub status_ip: Option<Ipv4Addr>,
    /// False when `status.conditions` says `Ready: False`.
    pub ready: bool,
    /// `metadata.deletionTimestamp` is set.
    pub terminating: bool,
    /// `metadata.ownerReferences[controller]` as (kind, name), if any.
    pub owner: Option<(String, String)>,
    pub origin: Origin,
}

/// What the Service asks of the ClusterIP allocator.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum ClusterIpRequest {
    /// No `clusterIP` given: allocate one.
    #[default]
    Allocate,
    /// `clusterIP: None`: a headless Service.
    Headless,
    /// An explicit address.
    Given(Ipv4Addr),
}

/// A Service as given; `service.cluster_ip` and unset node ports are filled by the build.
#[derive(Clone, Debug, PartialEq)]
pub struct ServiceSpec {
    pub service: Service,
    pub cluster_ip: ClusterIpRequest,
    /// `spec.allocateLoadBalancerNodePorts` (default true).
    pub allocate_load_balancer_node_ports: bool,
    pub origin: Origin,
}

/// A Node as given.
#[derive(Clone, Debug, PartialEq)]
pub struct NodeSpec {
    /// `blocks` and `tunnel_ip` are filled by IPAM.
    pub node: Node,
    pub origin: Origin,
}

/// A Calico IPPool as given.
#[derive(Clone, Debug, PartialEq)]
pub struct IpPoolSpec {
    pub pool: IpPool,
    pub origin: Origin,
}

/// A Calico BlockAffinity (`<node>-<a-b-c-d-n>`, `spec.node`, `spec.cidr`).
#[derive(Clone, Debug, PartialEq)]
pub struct BlockAffinitySpec {
    pub node: String,
    pub cidr: Cidr,
    pub origin: Origin,
}

/// A pasted EndpointSlice.
#[derive(Clone, Debug, PartialEq)]
pub struct EndpointSliceSpec {
    pub slice: EndpointSlice,
    pub origin: Origin,
}

/// Everything the build reads. Empty lists mean "not given" and get the defaults.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Input {
    pub nodes: Vec<NodeSpec>,
    pub ip_pools: Vec<IpPoolSpec>,
    pub block_affinities: Vec<BlockAffinitySpec>,
    pub workloads: Vec<WorkloadSpec>,
    pub pods: Vec<PodSpec>,
    pub services: Vec<ServiceSpec>,
    pub endpoint_slices: Vec<EndpointSliceSpec>,
    /// Namespace objects given, with their origin.
    pub namespaces: Vec<(String, Origin)>,
    /// A KubeProxyConfiguration, if given.
    pub kube_proxy: Option<(KubeProxyConfig, Origin)>,
    pub service_cidr: Option<Cidr>,
    pub node_port_range: Option<(u16, u16)>,
    pub external_hosts: Vec<ExternalHost>,
    pub metallb_pools: Vec<MetalLbPool>,
    pub l2_advertisements: Vec<L2Advertisement>,
    pub ingresses: Vec<Ingress>,
    pub ingress_classes: Vec<IngressClass>,
}
