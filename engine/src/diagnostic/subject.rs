//! `Subject`, `Deprecation` and `LabDefault`: the things a diagnostic talks about, as values.
//!
//! Part of [`crate::diagnostic`]. `Problem::Clash`, `Exhausted` and `NotEmulated` name what
//! is taken, used up or not emulated with a [`Subject`]; `Problem::Deprecated` names the old
//! form and its replacement with a [`Deprecation`]; `Problem::Defaulted` names what the lab
//! filled in with a [`LabDefault`]. `Display` is today's English phrase; names, modes and
//! addresses inside a variant are data.

use std::fmt;

/// A noun phrase for the thing a problem is about.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Subject {
    ClusterIp,
    NodePort,
    PortName,
    NodeAddress,
    PoolCidr,
    PodIp,
    PodAddress,
    TunnelAddress { node: String },
    Ipv6,
    Vxlan,
    KubeProxyMode { mode: String },
    /// An EndpointSlice of another address family (`IPv6`, `FQDN`).
    EndpointSliceFamily { family: String },
    MatchExpressions,
    NodePortAddressesPrimary,
    ResourceBackends,
    BorrowedPodAddresses,
    IngressClass { class: String },
    ExternalNameBackends,
    /// An iptables option or command, as written (`-f`, `-Z`).
    IptablesFeature { what: String },
}

impl fmt::Display for Subject {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Subject::ClusterIp => f.write_str("ClusterIP"),
            Subject::NodePort => f.write_str("NodePort"),
            Subject::PortName => f.write_str("port name"),
            Subject::NodeAddress => f.write_str("node address"),
            Subject::PoolCidr => f.write_str("pool CIDR"),
            Subject::PodIp => f.write_str("pod IP"),
            Subject::PodAddress => f.write_str("pod address"),
            Subject::TunnelAddress { node } => write!(f, "tunl0 address for node `{node}`"),
            Subject::Ipv6 => f.write_str("IPv6"),
            Subject::Vxlan => f.write_str("VXLAN"),
            Subject::KubeProxyMode { mode } => write!(f, "kube-proxy mode `{mode}`"),
            Subject::EndpointSliceFamily { family } => write!(f, "An {family} EndpointSlice"),
            Subject::MatchExpressions => f.write_str("`matchExpressions`"),
            Subject::NodePortAddressesPrimary => f.write_str("`nodePortAddresses: [primary]`"),
            Subject::ResourceBackends => f.write_str("Resource backends"),
            Subject::BorrowedPodAddresses => f.write_str("Borrowed pod addresses"),
            Subject::IngressClass { class } => write!(f, "The ingress class `{class}`"),
            Subject::ExternalNameBackends => f.write_str("ExternalName backends"),
            Subject::IptablesFeature { what } => f.write_str(what),
        }
    }
}

/// A deprecated form that still works, and what to write instead.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Deprecation {
    /// `extensions/v1beta1` or `networking.k8s.io/v1beta1` Ingress; `name_field` and
    /// `port_field` are the v1 backend lines (`backend.service.name: web`).
    BetaIngress { api_version: String, name_field: String, port_field: String },
    /// `serviceName`/`servicePort` in a v1 Ingress.
    ServiceNamePort { name: String, port: String },
    /// `yes`/`on`/... read as a boolean.
    Yaml11Bool { text: String, value: bool },
    /// Calico's `ipip:` block instead of `ipipMode`.
    CalicoIpipBlock,
}

impl Deprecation {
    /// The old form, as the subject of "... is deprecated".
    pub fn old_form(&self) -> String {
        match self {
            Deprecation::BetaIngress { api_version, .. } => {
                format!("`{api_version}` Ingress (removed in Kubernetes v1.22)")
            }
            Deprecation::ServiceNamePort { .. } => {
                "`serviceName`/`servicePort` (the v1beta1 backend form, which networking.k8s.io/v1 does not read)"
                    .to_string()
            }
            Deprecation::Yaml11Bool { text, value } => {
                format!("`{text}` as a boolean (a YAML 1.1 spelling that Kubernetes still reads as {value})")
            }
            Deprecation::CalicoIpipBlock => "The `ipip:` block".to_string(),
        }
    }

    /// What to write instead.
    pub fn replacement(&self) -> String {
        match self {
            Deprecation::BetaIngress { name_field, port_field, .. } => format!(
                "`apiVersion: networking.k8s.io/v1`, where `serviceName`/`servicePort` become `{name_field}` and `{port_field}` and each path needs a `pathType` (the lab reads this one as v1 with `pathType: ImplementationSpecific`)"
            ),
            Deprecation::ServiceNamePort { name, port } => {
                format!("`service: {{name: {name}, port: {{number: {port}}}}}`")
            }
            Deprecation::Yaml11Bool { value, .. } => format!("`{value}`, which every YAML parser reads the same way"),
            Deprecation::CalicoIpipBlock => "`ipipMode: Always`".to_string(),
        }
    }
}

/// What the lab filled in because the manifests did not say.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum LabDefault {
    /// Contour as the blog post installs it.
    Contour,
    /// The blog post's nodes, as `name address` pairs.
    Nodes { nodes: Vec<String> },
    IpPool { name: String, cidr: String, block_size: u8 },
    KubeProxy { cluster_cidr: Option<String> },
    Dns { ip: String },
}

impl LabDefault {
    /// What was not given.
    pub fn what(&self) -> &'static str {
        match self {
            LabDefault::Contour => "Ingress controller",
            LabDefault::Nodes { .. } => "Node",
            LabDefault::IpPool { .. } => "Calico IPPool",
            LabDefault::KubeProxy { .. } => "KubeProxyConfiguration",
            LabDefault::Dns { .. } => "cluster DNS",
        }
    }

    /// What the lab uses instead.
    pub fn value(&self) -> String {
        match self {
            LabDefault::Contour => "Contour as the blog post installs it (namespace projectcontour: the contour Deployment, the envoy DaemonSet on every node, and the envoy Service as NodePort 80:32023/TCP,443:30370/TCP)".to_string(),
            LabDefault::Nodes { nodes } => format!("the blog post's nodes ({})", nodes.join(", ")),
            LabDefault::IpPool { name, cidr, block_size } => {
                format!("{name} {cidr} (blockSize {block_size}, ipipMode Always, natOutgoing)")
            }
            LabDefault::KubeProxy { cluster_cidr } => {
                let cidr = cluster_cidr.as_ref().map(|cidr| format!(", clusterCIDR {cidr}")).unwrap_or_default();
                format!("mode iptables{cidr}, masqueradeBit 14")
            }
            LabDefault::Dns { ip } => {
                format!("CoreDNS (Deployment kube-system/coredns, 2 replicas) behind Service kube-system/kube-dns {ip}")
            }
        }
    }
}
