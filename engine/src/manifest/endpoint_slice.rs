//! `discovery.k8s.io/v1 EndpointSlice` (discovery/v1 `types.go`): written by hand for
//! selector-less Services, or pasted from `kubectl get endpointslices -o yaml`.

use std::net::Ipv4Addr;

use super::decode::{Cx, Fields};
use super::meta::{NameRule, ObjectMeta, read_meta};
use super::node::require_name;
use super::pod::PROTOCOLS;
use crate::diagnostic::{Problem, Reason, Subject};
use crate::net::Protocol;

/// The label that ties a slice to its Service.
pub const SERVICE_NAME_LABEL: &str = "kubernetes.io/service-name";

/// A `discovery.k8s.io/v1 EndpointSlice`.
#[derive(Clone, Debug, PartialEq)]
pub struct EndpointSlice {
    pub metadata: ObjectMeta,
    pub address_type: AddressType,
    pub endpoints: Vec<Endpoint>,
    pub ports: Vec<EndpointPort>,
    /// The `kubernetes.io/service-name` label.
    pub service_name: Option<String>,
}

/// `addressType`. Only IPv4 slices take part in the lab's IPv4 dataplane.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AddressType {
    IPv4,
    IPv6,
    Fqdn,
}

/// One `endpoints[]` entry.
#[derive(Clone, Debug, PartialEq)]
pub struct Endpoint {
    /// The IPv4 addresses (for an IPv4 slice; empty otherwise).
    pub addresses: Vec<Ipv4Addr>,
    pub conditions: EndpointConditions,
    pub node_name: Option<String>,
    pub zone: Option<String>,
    pub target_ref: Option<ObjectReference>,
}

/// `conditions`: each `None` when not written (consumers treat an unknown `ready` as ready).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct EndpointConditions {
    pub ready: Option<bool>,
    pub serving: Option<bool>,
    pub terminating: Option<bool>,
}

/// `targetRef`: usually the backing Pod.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ObjectReference {
    pub kind: Option<String>,
    pub name: Option<String>,
    pub namespace: Option<String>,
}

/// One `ports[]` entry.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct EndpointPort {
    pub name: Option<String>,
    /// `None` means "all ports" in the API; kube-proxy skips such ports.
    pub port: Option<u16>,
    /// Defaults to TCP.
    pub protocol: Protocol,
}

pub(crate) fn read_endpoint_slice(cx: &mut Cx<'_>, fields: &mut Fields<'_>) -> Option<EndpointSlice> {
    let metadata = read_meta(cx, fields.take("metadata"), NameRule::Subdomain, true);
    require_name(cx, fields, &metadata);
    fields.ignore(&["status"]);
    let address_type = fields.one_of(
        cx,
        "addressType",
        &[
            ("IPv4", AddressType::IPv4),
            ("IPv6", AddressType::IPv6),
            ("FQDN", AddressType::Fqdn),
        ],
    );
    if address_type.is_none() && !fields.has("addressType") {
        fields.missing(cx, "addressType");
    }
    let read_as = address_type.unwrap_or(AddressType::IPv4);
    if address_type.is_some_and(|t| t != AddressType::IPv4)
        && let Some((node, path)) = fields.take("addressType")
    {
        cx.warn(
            node.position,
            &path,
            Problem::NotEmulated {
                feature: Subject::EndpointSliceFamily { family: node.text().unwrap_or("").to_string() },
                detail: Reason::Ipv4DataplaneOnly,
            },
        );
    }
    let endpoints = fields.list(cx, "endpoints", |cx, item, path| {
        let mut f = cx.map(item, path)?;
        let addresses = match f.take("addresses") {
            Some((node, path)) if read_as == AddressType::IPv4 => cx.list(node, &path, |cx, n, p| cx.ipv4(n, p)),
            Some((node, path)) => {
                let _ = cx.strings(node, &path);
                Vec::new()
            }
            None => {
                f.missing(cx, "addresses");
                Vec::new()
            }
        };
        let mut conditions = EndpointConditions::default();
        if let Some(mut c) = f.map(cx, "conditions") {
            conditions.ready = c.bool(cx, "ready");
            conditions.serving = c.bool(cx, "serving");
            conditions.terminating = c.bool(cx, "terminating");
            c.finish(cx);
        }
        let node_name = f.string(cx, "nodeName");
        let zone = f.string(cx, "zone");
        let target_ref = f.map(cx, "targetRef").map(|mut r| {
            let reference = ObjectReference {
                kind: r.string(cx, "kind"),
                name: r.string(cx, "name"),
                namespace: r.string(cx, "namespace"),
            };
            r.ignore(&["uid", "apiVersion", "resourceVersion", "fieldPath"]);
            r.finish(cx);
            reference
        });
        f.ignore(&["hostname", "hints", "deprecatedTopology"]);
        f.finish(cx);
        Some(Endpoint {
            addresses,
            conditions,
            node_name,
            zone,
            target_ref,
        })
    });
    let ports = fields.list(cx, "ports", |cx, item, path| {
        let mut f = cx.map(item, path)?;
        let port = EndpointPort {
            name: f.string(cx, "name"),
            port: f.port(cx, "port"),
            protocol: f.one_of(cx, "protocol", PROTOCOLS).unwrap_or(Protocol::Tcp),
        };
        f.ignore(&["appProtocol"]);
        f.finish(cx);
        Some(port)
    });
    let service_name = metadata.labels.get(SERVICE_NAME_LABEL).cloned();
    let address_type = address_type?;
    Some(EndpointSlice {
        metadata,
        address_type,
        endpoints,
        ports,
        service_name,
    })
}
