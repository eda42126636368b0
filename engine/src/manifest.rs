//! Manifest text in, typed objects out: the first stage of the pipeline, before
//! `cluster::build`.
//!
//! [`parse`] reads multi-document YAML, JSON, and `kubectl get -o yaml` output (`kind: List`,
//! `ServiceList`, ...) into [`Manifests`]: every object the lab knows, in document order, as a
//! [`Resource`] whose types mirror the Kubernetes API (same field names, in snake case).
//! This is ripgrep's "low-level args": what the user wrote, checked field by field, with no
//! defaults filled in beyond what the API server itself would default on create.
//!
//! Every problem is a [`Diagnostic`] at the exact field (`spec.ports[0].nodePort`) with its
//! line:column. An error skips its object; the rest still parse. Warnings keep the object.
//! Fields the API has but the lab does not use (`uid`, `managedFields`, `resources`, most of
//! `status`, ...) are accepted silently, so pasted `kubectl get -o yaml` output reads cleanly.

mod calico;
mod decode;
mod endpoint_slice;
mod incremental;
mod ingress;
pub mod json_list;
mod kube_proxy;
mod meta;
mod metallb;
mod node;
mod pod;
mod service;
mod workload;

pub use calico::{AffinityState, BlockAffinity, CalicoApi, EncapsulationMode, IpPool};
pub use endpoint_slice::{AddressType, Endpoint, EndpointConditions, EndpointPort, EndpointSlice, ObjectReference};
pub use incremental::Parser;
pub use ingress::{
    HttpIngressPath, Ingress, IngressApi, IngressBackend, IngressClass, IngressRule, PathType, ServiceBackendPort,
};
pub use kube_proxy::{DetectLocalMode, KubeProxyConfiguration, NodePortAddresses, ProxyMode};
pub use meta::{LabelSelector, LabelSelectorRequirement, ObjectMeta, SelectorOperator};
pub use metallb::{AddressRange, IpAddressPool, L2Advertisement};
pub use node::{Namespace, Node, NodeAddress, Taint, TaintEffect};
pub use pod::{Container, ContainerPort, Pod, PodSpec, Toleration, TolerationOperator};
pub use service::{
    ClusterIp, IpMode, LoadBalancerIngress, Service, ServicePort, ServiceType, SessionAffinity, TargetPort,
    TrafficPolicy,
};
pub use workload::{PodTemplate, Workload, WorkloadKind};

use crate::diagnostic::{Diagnostic, Expected, Position, Problem, Shape};
use crate::yaml::{self, Value};
use decode::Cx;

/// The most objects read from one input (List items included).
pub const MAX_OBJECTS: usize = 5_000;

/// Every object read from the text, in document order.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Manifests {
    pub objects: Vec<Object>,
}

/// One object with where it came from.
#[derive(Clone, Debug, PartialEq)]
pub struct Object {
    /// 0-based index of the YAML document (`---`) it is in.
    pub document: usize,
    /// Where the object's mapping starts (for a List item, the item's own position).
    pub position: Position,
    pub resource: Resource,
}

/// The kinds the lab knows.
#[derive(Clone, Debug, PartialEq)]
pub enum Resource {
    /// `v1 Node`.
    Node(Node),
    /// `v1 Namespace`.
    Namespace(Namespace),
    /// `v1 Pod`.
    Pod(Pod),
    /// `apps/v1` Deployment, ReplicaSet, StatefulSet or DaemonSet.
    Workload(Workload),
    /// `v1 Service`.
    Service(Service),
    /// `discovery.k8s.io/v1 EndpointSlice`.
    EndpointSlice(EndpointSlice),
    /// Calico `IPPool` (`projectcalico.org/v3` or `crd.projectcalico.org/v1`).
    IpPool(IpPool),
    /// Calico `BlockAffinity` (`crd.projectcalico.org/v1`).
    BlockAffinity(BlockAffinity),
    /// `kubeproxy.config.k8s.io/v1alpha1 KubeProxyConfiguration`.
    KubeProxyConfiguration(KubeProxyConfiguration),
    /// MetalLB `metallb.io/v1beta1 IPAddressPool`.
    IpAddressPool(IpAddressPool),
    /// MetalLB `metallb.io/v1beta1 L2Advertisement`.
    L2Advertisement(L2Advertisement),
    /// `networking.k8s.io/v1 Ingress` (legacy `v1beta1` forms are converted to it).
    Ingress(Ingress),
    /// `networking.k8s.io/v1 IngressClass`.
    IngressClass(IngressClass),
}

impl Resource {
    /// The kind's name, e.g. `Service`.
    pub fn kind(&self) -> &'static str {
        match self {
            Resource::Node(_) => "Node",
            Resource::Namespace(_) => "Namespace",
            Resource::Pod(_) => "Pod",
            Resource::Workload(workload) => workload.kind.name(),
            Resource::Service(_) => "Service",
            Resource::EndpointSlice(_) => "EndpointSlice",
            Resource::IpPool(_) => "IPPool",
            Resource::BlockAffinity(_) => "BlockAffinity",
            Resource::KubeProxyConfiguration(_) => "KubeProxyConfiguration",
            Resource::IpAddressPool(_) => "IPAddressPool",
            Resource::L2Advertisement(_) => "L2Advertisement",
            Resource::Ingress(_) => "Ingress",
            Resource::IngressClass(_) => "IngressClass",
        }
    }

    /// The object's metadata (KubeProxyConfiguration has an empty one).
    pub fn metadata(&self) -> &ObjectMeta {
        match self {
            Resource::Node(x) => &x.metadata,
            Resource::Namespace(x) => &x.metadata,
            Resource::Pod(x) => &x.metadata,
            Resource::Workload(x) => &x.metadata,
            Resource::Service(x) => &x.metadata,
            Resource::EndpointSlice(x) => &x.metadata,
            Resource::IpPool(x) => &x.metadata,
            Resource::BlockAffinity(x) => &x.metadata,
            Resource::KubeProxyConfiguration(x) => &x.metadata,
            Resource::IpAddressPool(x) => &x.metadata,
            Resource::L2Advertisement(x) => &x.metadata,
            Resource::Ingress(x) => &x.metadata,
            Resource::IngressClass(x) => &x.metadata,
        }
    }
}

/// Parses multi-document YAML, JSON and `kind: List`. Never fails; problems are diagnostics.
///
/// [`Parser`] gives the same result for a text that differs from the one before it in a few
/// documents, reading only those again.
pub fn parse(text: &str) -> (Manifests, Vec<Diagnostic>) {
    let (documents, mut diagnostics) = yaml::load(text);
    let mut manifests = Manifests::default();
    let mut skipped = Skipped::default();
    read_documents(&documents, &mut manifests, &mut diagnostics, &mut skipped);
    finish(manifests, diagnostics, &skipped)
}

/// Reads the objects of `documents` into `manifests`. `diagnostics` holds the YAML problems
/// of these documents (the objects of failed documents are named in them); the objects'
/// problems are added after them.
fn read_documents(
    documents: &[yaml::Document],
    manifests: &mut Manifests,
    diagnostics: &mut Vec<Diagnostic>,
    skipped: &mut Skipped,
) {
    for document in documents {
        if document.failed {
            // Name the object in the YAML-level errors (duplicate keys) when it can be told.
            if let Some(label) = document.root.as_ref().and_then(peek_label) {
                for diagnostic in diagnostics.iter_mut() {
                    if diagnostic.document == Some(document.index) && diagnostic.object.is_none() {
                        diagnostic.object = Some(label.clone());
                    }
                }
            }
            continue;
        }
        let Some(root) = &document.root else {
            continue;
        };
        // Empty documents (`---` with nothing or only comments after it) are skipped, as
        // kubectl skips them.
        if root.is_null() {
            continue;
        }
        read_document(document.index, root, manifests, diagnostics, skipped);
    }
}

/// Adds the warning for objects left out and sorts the diagnostics.
fn finish(manifests: Manifests, mut diagnostics: Vec<Diagnostic>, skipped: &Skipped) -> (Manifests, Vec<Diagnostic>) {
    if let Some((document, position)) = skipped.first {
        diagnostics.push(
            Diagnostic::warning(Problem::TooManyObjects {
                count: MAX_OBJECTS.saturating_add(skipped.count),
                limit: MAX_OBJECTS,
            })
            .at(Some(document), Some(position)),
        );
    }
    // Report in reading order; the sort is stable, so problems at one spot keep their order.
    crate::sort::by_key(&mut diagnostics, |d| d.position);
    (manifests, diagnostics)
}

/// Objects left out because of [`MAX_OBJECTS`]: how many, and where the first one is.
#[derive(Clone, Copy, Debug, Default)]
struct Skipped {
    /// Objects read before the `Manifests` being filled (by [`Parser`], in earlier documents).
    before: usize,
    /// Objects met: read, refused or left out.
    met: usize,
    count: usize,
    first: Option<(usize, Position)>,
}

fn read_document(
    index: usize,
    root: &yaml::Node,
    manifests: &mut Manifests,
    diagnostics: &mut Vec<Diagnostic>,
    skipped: &mut Skipped,
) {
    let Value::Map(_) = &root.value else {
        // JSON arrays of objects are not what kubectl accepts either.
        let found = match &root.value {
            Value::Seq(_) => Shape::List,
            _ => root.describe(),
        };
        diagnostics.push(Diagnostic::error(Problem::NotAnObject { found }).at(Some(index), Some(root.position)));
        return;
    };
    let kind = root.get("kind").and_then(yaml::Node::text).unwrap_or("");
    let is_list = kind == "List" || (kind.ends_with("List") && root.get("items").is_some());
    if is_list {
        read_list(index, root, kind, manifests, diagnostics, skipped);
        return;
    }
    read_one(index, root, "", None, manifests, diagnostics, skipped);
}

/// A `kind: List` (or `ServiceList`, ...) as `kubectl get -o yaml` prints it: each item is
/// an object of its own.
fn read_list(
    index: usize,
    root: &yaml::Node,
    list_kind: &str,
    manifests: &mut Manifests,
    diagnostics: &mut Vec<Diagnostic>,
    skipped: &mut Skipped,
) {
    let mut cx = Cx::new(index, diagnostics);
    let Some(mut fields) = cx.map(root, "") else {
        return;
    };
    fields.ignore(&["apiVersion", "kind", "metadata"]);
    let items = fields.take("items");
    fields.finish(&mut cx);
    let Some((items, items_path)) = items else {
        return;
    };
    let Value::Seq(entries) = &items.value else {
        cx.wrong_type(items, &items_path, Expected::ListOfObjects);
        return;
    };
    // The API's own lists (`ServiceList` from `kubectl get --raw`) leave out each item's
    // apiVersion and kind; the list's kind and apiVersion tell them.
    let list_api = root.get("apiVersion").and_then(yaml::Node::text).unwrap_or("v1");
    let implied = list_kind
        .strip_suffix("List")
        .filter(|k| !k.is_empty())
        .map(|kind| (list_api, kind));
    for (number, item) in entries.iter().enumerate() {
        let path = format!("items[{number}]");
        if !matches!(item.value, Value::Map(_)) {
            cx.error(item.position, &path, Problem::NotAnObject { found: item.describe() });
            continue;
        }
        read_one(index, item, &path, implied, manifests, cx.diagnostics, skipped);
    }
}

/// Reads one object mapping at `prefix` (empty, or `items[3]` inside a List); `implied` is the
/// apiVersion and kind an item of a typed list such as `ServiceList` has when it leaves them out.
fn read_one(
    index: usize,
    node: &yaml::Node,
    prefix: &str,
    implied: Option<(&str, &str)>,
    manifests: &mut Manifests,
    diagnostics: &mut Vec<Diagnostic>,
    skipped: &mut Skipped,
) {
    skipped.met = skipped.met.saturating_add(1);
    if skipped.before.saturating_add(manifests.objects.len()) >= MAX_OBJECTS {
        if skipped.count == 0 {
            skipped.first = Some((index, node.position));
        }
        skipped.count = skipped.count.saturating_add(1);
        return;
    }
    let mut cx = Cx::new(index, diagnostics);
    let (api_version, kind) = match implied {
        Some((api, kind)) if node.get("kind").is_none() && node.get("apiVersion").is_none() => {
            (Some(api.to_string()), Some(kind.to_string()))
        }
        _ => (
            type_field(&mut cx, node, prefix, "apiVersion"),
            type_field(&mut cx, node, prefix, "kind"),
        ),
    };
    let (Some(api_version), Some(kind)) = (api_version, kind) else {
        return;
    };
    let name = node
        .get("metadata")
        .and_then(|m| m.get("name"))
        .and_then(yaml::Node::text)
        .unwrap_or("");
    let namespace = node
        .get("metadata")
        .and_then(|m| m.get("namespace"))
        .and_then(yaml::Node::text);
    cx.object = Some(object_label(&kind, name, namespace, namespaced(&kind)));
    let resource = read_kind(&mut cx, node, prefix, &api_version, &kind);
    if cx.failed {
        return;
    }
    if let Some(resource) = resource {
        manifests.objects.push(Object {
            document: index,
            position: node.position,
            resource,
        });
    }
}

/// The label of a document's object from its `kind` and `metadata`, if it has a kind.
fn peek_label(root: &yaml::Node) -> Option<String> {
    let kind = root.get("kind").and_then(yaml::Node::text).filter(|k| !k.is_empty())?;
    let metadata = root.get("metadata");
    let name = metadata
        .and_then(|m| m.get("name"))
        .and_then(yaml::Node::text)
        .unwrap_or("");
    let namespace = metadata.and_then(|m| m.get("namespace")).and_then(yaml::Node::text);
    Some(object_label(kind, name, namespace, namespaced(kind)))
}

/// `Service default/web`, `Node node1`, `KubeProxyConfiguration`.
fn object_label(kind: &str, name: &str, namespace: Option<&str>, namespaced: bool) -> String {
    match (name.is_empty(), namespaced) {
        (true, _) => kind.to_string(),
        (false, true) => format!("{kind} {}/{name}", namespace.unwrap_or("default")),
        (false, false) => format!("{kind} {name}"),
    }
}

/// Whether a kind lives in a namespace.
fn namespaced(kind: &str) -> bool {
    !matches!(
        kind,
        "Node" | "Namespace" | "IPPool" | "BlockAffinity" | "IngressClass" | "KubeProxyConfiguration"
    )
}

/// Reads `apiVersion` or `kind`, which must be non-empty text.
fn type_field(cx: &mut Cx<'_>, node: &yaml::Node, prefix: &str, field: &str) -> Option<String> {
    let path = decode::key_path(prefix, field);
    match node.get(field) {
        Some(value) if !value.is_null() => match cx.string(value, &path) {
            Some(text) if !text.is_empty() => Some(text),
            Some(_) => {
                cx.error(
                    value.position,
                    &path,
                    Problem::MissingTypeInfo {
                        field: field.to_string(),
                    },
                );
                None
            }
            None => None,
        },
        _ => {
            cx.error(
                node.position,
                &path,
                Problem::MissingTypeInfo {
                    field: field.to_string(),
                },
            );
            None
        }
    }
}

/// Dispatches on apiVersion and kind.
fn read_kind(cx: &mut Cx<'_>, node: &yaml::Node, prefix: &str, api_version: &str, kind: &str) -> Option<Resource> {
    let api_path = decode::key_path(prefix, "apiVersion");
    let expected: &[&str] = match kind {
        "Node" | "Namespace" | "Pod" | "Service" => &["v1"],
        "Deployment" | "ReplicaSet" | "StatefulSet" | "DaemonSet" => &["apps/v1"],
        "EndpointSlice" => &["discovery.k8s.io/v1"],
        "IPPool" => &["projectcalico.org/v3", "crd.projectcalico.org/v1"],
        "BlockAffinity" => &["crd.projectcalico.org/v1"],
        "KubeProxyConfiguration" => &["kubeproxy.config.k8s.io/v1alpha1"],
        "IPAddressPool" | "L2Advertisement" => &["metallb.io/v1beta1"],
        "Ingress" => &[
            "networking.k8s.io/v1",
            "networking.k8s.io/v1beta1",
            "extensions/v1beta1",
        ],
        "IngressClass" => &["networking.k8s.io/v1"],
        _ => {
            let position = node.get("kind").map(|k| k.position).unwrap_or(node.position);
            cx.warn(
                position,
                &decode::key_path(prefix, "kind"),
                Problem::UnknownKind {
                    api_version: api_version.to_string(),
                    kind: kind.to_string(),
                },
            );
            return None;
        }
    };
    if !expected.contains(&api_version) {
        let position = node.get("apiVersion").map(|k| k.position).unwrap_or(node.position);
        let expected = expected.first().copied().unwrap_or("v1").to_string();
        cx.error(
            position,
            &api_path,
            Problem::UnknownApiVersion {
                api_version: api_version.to_string(),
                kind: kind.to_string(),
                expected,
            },
        );
        return None;
    }
    let mut fields = cx.map(node, prefix)?;
    fields.ignore(&["apiVersion", "kind"]);
    let resource = match kind {
        "Node" => Some(Resource::Node(node::read_node(cx, &mut fields))),
        "Namespace" => Some(Resource::Namespace(node::read_namespace(cx, &mut fields))),
        "Pod" => Some(Resource::Pod(pod::read_pod(cx, &mut fields))),
        "Deployment" | "ReplicaSet" | "StatefulSet" | "DaemonSet" => {
            workload::read_workload(cx, &mut fields, kind).map(Resource::Workload)
        }
        "Service" => service::read_service(cx, &mut fields).map(Resource::Service),
        "EndpointSlice" => endpoint_slice::read_endpoint_slice(cx, &mut fields).map(Resource::EndpointSlice),
        "IPPool" => calico::read_ip_pool(cx, &mut fields, api_version).map(Resource::IpPool),
        "BlockAffinity" => calico::read_block_affinity(cx, &mut fields).map(Resource::BlockAffinity),
        "KubeProxyConfiguration" => Some(Resource::KubeProxyConfiguration(kube_proxy::read(cx, &mut fields))),
        "IPAddressPool" => metallb::read_ip_address_pool(cx, &mut fields).map(Resource::IpAddressPool),
        "L2Advertisement" => Some(Resource::L2Advertisement(metallb::read_l2_advertisement(
            cx,
            &mut fields,
        ))),
        "Ingress" => ingress::read_ingress(cx, &mut fields, node, api_version).map(Resource::Ingress),
        "IngressClass" => Some(Resource::IngressClass(ingress::read_ingress_class(cx, &mut fields))),
        _ => None,
    };
    // Unknown fields are worth knowing about even when the object itself is broken
    // (a misspelled `specs:` explains the missing `spec`).
    fields.finish(cx);
    resource
}
