//! `v1 Node` and `v1 Namespace` as written in a manifest or pasted from
//! `kubectl get node -o yaml` (core/v1 `types.go`).

use std::net::Ipv4Addr;

use super::decode::{Cx, Fields};
use super::meta::{NameRule, ObjectMeta, read_meta};
use crate::diagnostic::{Problem, Reason};
use crate::net::Cidr;

/// The annotation where Calico records a node's tunl0 address
/// (`node/pkg/allocateip/allocateip.go`).
pub const IPIP_TUNNEL_ADDR_ANNOTATION: &str = "projectcalico.org/IPv4IPIPTunnelAddr";

/// A `v1 Node`.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Node {
    pub metadata: ObjectMeta,
    /// `spec.podCIDR`.
    pub pod_cidr: Option<Cidr>,
    /// `spec.taints`.
    pub taints: Vec<Taint>,
    /// `spec.unschedulable` (set by `kubectl cordon`).
    pub unschedulable: bool,
    /// `status.addresses` in order (InternalIP, ExternalIP, Hostname; DNS kinds are dropped).
    pub addresses: Vec<NodeAddress>,
    /// `status.nodeInfo.kubeletVersion`, e.g. `v1.30.2`.
    pub kubelet_version: Option<String>,
    /// The `projectcalico.org/IPv4IPIPTunnelAddr` annotation: tunl0's address.
    pub ipip_tunnel_addr: Option<Ipv4Addr>,
}

impl Node {
    /// The first `InternalIP`, which kube-proxy and Calico use as the node's address.
    pub fn internal_ip(&self) -> Option<Ipv4Addr> {
        self.addresses.iter().find_map(|a| match a {
            NodeAddress::InternalIp(ip) => Some(*ip),
            _ => None,
        })
    }
}

/// One `status.addresses` entry.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum NodeAddress {
    InternalIp(Ipv4Addr),
    ExternalIp(Ipv4Addr),
    Hostname(String),
}

/// A `spec.taints` entry.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Taint {
    pub key: String,
    pub value: Option<String>,
    pub effect: TaintEffect,
}

/// `NoSchedule`, `PreferNoSchedule`, `NoExecute`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TaintEffect {
    NoSchedule,
    PreferNoSchedule,
    NoExecute,
}

pub(crate) const TAINT_EFFECTS: &[(&str, TaintEffect)] = &[
    ("NoSchedule", TaintEffect::NoSchedule),
    ("PreferNoSchedule", TaintEffect::PreferNoSchedule),
    ("NoExecute", TaintEffect::NoExecute),
];

/// A `v1 Namespace`.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Namespace {
    pub metadata: ObjectMeta,
}

pub(crate) fn read_namespace(cx: &mut Cx<'_>, fields: &mut Fields<'_>) -> Namespace {
    let metadata = read_meta(cx, fields.take("metadata"), NameRule::Label, false);
    require_name(cx, fields, &metadata);
    fields.ignore(&["spec", "status"]);
    Namespace { metadata }
}

/// Reports a missing `metadata.name`.
pub(crate) fn require_name(cx: &mut Cx<'_>, fields: &Fields<'_>, metadata: &ObjectMeta) {
    if metadata.name.is_empty() && !cx.failed {
        let path = if fields.path.is_empty() {
            "metadata.name".to_string()
        } else {
            format!("{}.metadata.name", fields.path)
        };
        cx.error(
            fields.position,
            &path,
            Problem::MissingField {
                field: "metadata.name".to_string(),
            },
        );
    }
}

pub(crate) fn read_node(cx: &mut Cx<'_>, fields: &mut Fields<'_>) -> Node {
    let metadata = read_meta(cx, fields.take("metadata"), NameRule::Subdomain, false);
    require_name(cx, fields, &metadata);
    let mut node = Node {
        metadata,
        ..Node::default()
    };
    if let Some(text) = node.metadata.annotations.get(IPIP_TUNNEL_ADDR_ANNOTATION) {
        match text.parse::<Ipv4Addr>() {
            Ok(address) => node.ipip_tunnel_addr = Some(address),
            Err(_) => {
                let path = fields.path_of("metadata");
                let path = super::decode::key_path(&format!("{path}.annotations"), IPIP_TUNNEL_ADDR_ANNOTATION);
                cx.error(
                    fields.position,
                    &path,
                    Problem::InvalidValue {
                        value: text.clone(),
                        reason: Reason::TunnelAddressNotIpv4,
                    },
                );
            }
        }
    }
    if let Some(mut spec) = fields.map(cx, "spec") {
        node.pod_cidr = spec.cidr(cx, "podCIDR");
        node.unschedulable = spec.bool(cx, "unschedulable").unwrap_or(false);
        node.taints = spec.list(cx, "taints", |cx, item, path| {
            let mut f = cx.map(item, path)?;
            let key = f.required_string(cx, "key");
            let value = f.string(cx, "value");
            let effect = f.one_of(cx, "effect", TAINT_EFFECTS);
            if effect.is_none() && !f.has("effect") {
                f.missing(cx, "effect");
            }
            f.ignore(&["timeAdded"]);
            f.finish(cx);
            Some(Taint {
                key: key?,
                value,
                effect: effect?,
            })
        });
        spec.ignore(&["podCIDRs", "providerID", "externalID", "configSource"]);
        spec.finish(cx);
    }
    if let Some(mut status) = fields.map(cx, "status") {
        node.addresses = status
            .list(cx, "addresses", |cx, item, path| {
                let mut f = cx.map(item, path)?;
                let kind = f.string(cx, "type");
                let address = f.take("address");
                f.finish(cx);
                let (address_node, address_path) = address?;
                match kind.as_deref() {
                    Some("InternalIP") => cx.ipv4(address_node, &address_path).map(NodeAddress::InternalIp),
                    Some("ExternalIP") => cx.ipv4(address_node, &address_path).map(NodeAddress::ExternalIp),
                    Some("Hostname") => cx.string(address_node, &address_path).map(NodeAddress::Hostname),
                    _ => None,
                }
            })
            .into_iter()
            .collect();
        if let Some(mut info) = status.map(cx, "nodeInfo") {
            node.kubelet_version = info.string(cx, "kubeletVersion");
            info.ignore_rest();
            info.finish(cx);
        }
        status.ignore_rest();
        status.finish(cx);
    }
    node
}
