//! `networking.k8s.io/v1` Ingress and IngressClass (networking/v1 `types.go`), plus the
//! legacy `extensions/v1beta1` and `networking.k8s.io/v1beta1` Ingress that older posts
//! (the seed blog post among them) still show. Legacy objects are converted to the v1 shape
//! with a warning, as the API server's conversion did before v1.22 removed them.

use super::decode::{Cx, Fields};
use super::meta::{NameRule, ObjectMeta, read_meta};
use super::node::require_name;
use super::service::port_name_problem;
use crate::diagnostic::{Deprecation, Expected, Problem, Reason};
use crate::yaml::{self, Resolved};

/// The annotation that marks the default IngressClass.
pub const DEFAULT_CLASS_ANNOTATION: &str = "ingressclass.kubernetes.io/is-default-class";

/// Which API version the Ingress was written in.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum IngressApi {
    V1,
    /// `networking.k8s.io/v1beta1`, removed in v1.22.
    NetworkingV1beta1,
    /// `extensions/v1beta1`, removed in v1.22.
    ExtensionsV1beta1,
}

/// An Ingress in the v1 shape.
#[derive(Clone, Debug, PartialEq)]
pub struct Ingress {
    pub api: IngressApi,
    pub metadata: ObjectMeta,
    /// `spec.ingressClassName` (or the legacy `kubernetes.io/ingress.class` annotation).
    pub ingress_class_name: Option<String>,
    /// `spec.defaultBackend` (`spec.backend` in v1beta1).
    pub default_backend: Option<IngressBackend>,
    pub rules: Vec<IngressRule>,
}

/// A `spec.rules[]` entry.
#[derive(Clone, Debug, PartialEq)]
pub struct IngressRule {
    /// `host`; `None` matches every host.
    pub host: Option<String>,
    pub paths: Vec<HttpIngressPath>,
}

/// A `rules[].http.paths[]` entry.
#[derive(Clone, Debug, PartialEq)]
pub struct HttpIngressPath {
    /// `path`; `None` means `/`.
    pub path: Option<String>,
    pub path_type: PathType,
    pub backend: IngressBackend,
}

/// `pathType`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PathType {
    Exact,
    Prefix,
    /// Up to the controller; v1beta1 paths without a pathType get this.
    ImplementationSpecific,
}

/// Where matching requests go.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum IngressBackend {
    /// `service: {name, port}`.
    Service { name: String, port: ServiceBackendPort },
    /// `resource:` (a custom object); parsed but not followed by the lab.
    Resource { kind: String, name: String },
}

/// `port.number` or `port.name`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ServiceBackendPort {
    Number(u16),
    Name(String),
}

/// An IngressClass.
#[derive(Clone, Debug, PartialEq)]
pub struct IngressClass {
    pub metadata: ObjectMeta,
    /// `spec.controller`, e.g. `projectcontour.io/ingress-controller`.
    pub controller: Option<String>,
    /// The `ingressclass.kubernetes.io/is-default-class: "true"` annotation.
    pub is_default: bool,
}

const PATH_TYPES: &[(&str, PathType)] = &[
    ("Exact", PathType::Exact),
    ("Prefix", PathType::Prefix),
    ("ImplementationSpecific", PathType::ImplementationSpecific),
];

pub(crate) fn read_ingress(
    cx: &mut Cx<'_>,
    fields: &mut Fields<'_>,
    node: &yaml::Node,
    api_version: &str,
) -> Option<Ingress> {
    let api = match api_version {
        "extensions/v1beta1" => IngressApi::ExtensionsV1beta1,
        "networking.k8s.io/v1beta1" => IngressApi::NetworkingV1beta1,
        _ => IngressApi::V1,
    };
    let legacy = api != IngressApi::V1;
    let metadata = read_meta(cx, fields.take("metadata"), NameRule::Subdomain, true);
    require_name(cx, fields, &metadata);
    fields.ignore(&["status"]);
    let mut ingress = Ingress {
        api,
        metadata,
        ingress_class_name: None,
        default_backend: None,
        rules: Vec::new(),
    };
    let mut spec = fields.required_map(cx, "spec")?;
    ingress.ingress_class_name = spec.string(cx, "ingressClassName");
    if ingress.ingress_class_name.is_none() {
        ingress.ingress_class_name = ingress.metadata.annotations.get("kubernetes.io/ingress.class").cloned();
    }
    let backend_key = if legacy { "backend" } else { "defaultBackend" };
    if let Some((backend, path)) = spec.take(backend_key) {
        ingress.default_backend = read_backend(cx, backend, &path, legacy);
    }
    if !legacy
        && spec.has("backend")
        && let Some((backend, path)) = spec.take("backend")
    {
        cx.error(
            backend.position,
            &path,
            Problem::RenamedField {
                field: "backend".to_string(),
                api_version: "networking.k8s.io/v1".to_string(),
                replacement: "defaultBackend".to_string(),
            },
        );
    }
    ingress.rules = spec.list(cx, "rules", |cx, item, path| {
        let mut rule = cx.map(item, path)?;
        let host = rule.string(cx, "host");
        let mut paths = Vec::new();
        if let Some(mut http) = rule.map(cx, "http") {
            paths = http.list(cx, "paths", |cx, item, path| {
                let mut p = cx.map(item, path)?;
                let path_text = p.string(cx, "path");
                if let (Some(text), Some((n, np))) = (&path_text, p.take("path"))
                    && !text.starts_with('/')
                {
                    cx.invalid(n, &np, Reason::IngressPathSlash);
                }
                let path_type = p.one_of(cx, "pathType", PATH_TYPES);
                if path_type.is_none() && !legacy && !p.has("pathType") {
                    p.missing(cx, "pathType");
                }
                let backend = match p.take("backend") {
                    Some((node, bpath)) => read_backend(cx, node, &bpath, legacy),
                    None => {
                        p.missing(cx, "backend");
                        None
                    }
                };
                p.finish(cx);
                Some(HttpIngressPath {
                    path: path_text,
                    path_type: path_type.unwrap_or(PathType::ImplementationSpecific),
                    backend: backend?,
                })
            });
            http.finish(cx);
        }
        rule.finish(cx);
        Some(IngressRule { host, paths })
    });
    spec.ignore(&["tls"]);
    spec.finish(cx);
    fields.ignore(&["status"]);
    if legacy {
        let position = node.get("apiVersion").map(|n| n.position).unwrap_or(node.position);
        let path = fields.path_of("apiVersion");
        let example = ingress
            .rules
            .iter()
            .flat_map(|rule| rule.paths.iter().map(|p| &p.backend))
            .chain(ingress.default_backend.iter())
            .find_map(|backend| match backend {
                IngressBackend::Service {
                    name,
                    port: ServiceBackendPort::Number(number),
                } => Some((
                    format!("backend.service.name: {name}"),
                    format!("backend.service.port.number: {number}"),
                )),
                IngressBackend::Service {
                    name,
                    port: ServiceBackendPort::Name(port),
                } => Some((format!("backend.service.name: {name}"), format!("backend.service.port.name: {port}"))),
                IngressBackend::Resource { .. } => None,
            })
            .unwrap_or_else(|| ("backend.service.name".to_string(), "backend.service.port.number".to_string()));
        cx.warn(
            position,
            &path,
            Problem::Deprecated {
                form: Deprecation::BetaIngress {
                    api_version: api_version.to_string(),
                    name_field: example.0,
                    port_field: example.1,
                },
            },
        );
    }
    Some(ingress)
}

/// Reads a backend: v1 `service: {name, port: {number|name}}` or `resource:`, legacy
/// `serviceName` + `servicePort` (an IntOrString).
fn read_backend(cx: &mut Cx<'_>, node: &yaml::Node, path: &str, legacy: bool) -> Option<IngressBackend> {
    let mut f = cx.map(node, path)?;
    if legacy {
        let name = f.required_string(cx, "serviceName");
        let port = match f.take("servicePort") {
            Some((port_node, port_path)) => read_backend_port_value(cx, port_node, &port_path),
            None => {
                f.missing(cx, "servicePort");
                None
            }
        };
        f.ignore(&["resource"]);
        f.finish(cx);
        return Some(IngressBackend::Service {
            name: name?,
            port: port?,
        });
    }
    if let Some(mut resource) = f.map(cx, "resource") {
        let kind = resource.required_string(cx, "kind");
        let name = resource.required_string(cx, "name");
        resource.ignore(&["apiGroup"]);
        resource.finish(cx);
        f.finish(cx);
        return Some(IngressBackend::Resource {
            kind: kind?,
            name: name?,
        });
    }
    let Some(mut service) = f.map(cx, "service") else {
        if !cx.failed {
            if f.has("serviceName") {
                let name = f.take("serviceName").and_then(|(n, _)| n.text().map(str::to_string));
                let port = f.take("servicePort").and_then(|(n, _)| n.text().map(str::to_string));
                cx.error(
                    node.position,
                    path,
                    Problem::Deprecated {
                        form: Deprecation::ServiceNamePort {
                            name: name.unwrap_or_else(|| "...".to_string()),
                            port: port.unwrap_or_else(|| "...".to_string()),
                        },
                    },
                );
                f.ignore(&["serviceName", "servicePort"]);
            } else {
                f.missing(cx, "service");
            }
        }
        f.finish(cx);
        return None;
    };
    let name = service.required_string(cx, "name");
    let mut port = None;
    match service.map(cx, "port") {
        Some(mut p) => {
            let number = p.port(cx, "number").map(ServiceBackendPort::Number);
            let port_name = p.string(cx, "name").map(ServiceBackendPort::Name);
            if number.is_some() && port_name.is_some() {
                cx.error(
                    p.position,
                    &p.path,
                    Problem::InvalidValue {
                        value: "port.number, port.name".to_string(),
                        reason: Reason::PortNumberAndName,
                    },
                );
            }
            port = number.or(port_name);
            if port.is_none() && !p.has("number") && !p.has("name") {
                p.missing(cx, "number");
            }
            p.finish(cx);
        }
        None => {
            if !cx.failed {
                service.missing(cx, "port");
            }
        }
    }
    service.finish(cx);
    f.finish(cx);
    Some(IngressBackend::Service {
        name: name?,
        port: port?,
    })
}

/// A legacy `servicePort`: a number or a port name.
fn read_backend_port_value(cx: &mut Cx<'_>, node: &yaml::Node, path: &str) -> Option<ServiceBackendPort> {
    match node.scalar().map(|s| (s, s.resolve())) {
        Some((_, Resolved::Int(_))) => cx.port(node, path).map(ServiceBackendPort::Number),
        Some((scalar, Resolved::Str)) => {
            if let Some(problem) = port_name_problem(&scalar.text) {
                cx.invalid(node, path, Reason::PortName { problem, quoted_number: false });
                return None;
            }
            Some(ServiceBackendPort::Name(scalar.text.clone()))
        }
        _ => {
            cx.wrong_type(node, path, Expected::PortNumberOrName);
            None
        }
    }
}

pub(crate) fn read_ingress_class(cx: &mut Cx<'_>, fields: &mut Fields<'_>) -> IngressClass {
    let metadata = read_meta(cx, fields.take("metadata"), NameRule::Subdomain, false);
    require_name(cx, fields, &metadata);
    fields.ignore(&["status"]);
    let is_default = metadata
        .annotations
        .get(DEFAULT_CLASS_ANNOTATION)
        .is_some_and(|v| v == "true");
    let mut class = IngressClass {
        metadata,
        controller: None,
        is_default,
    };
    if let Some(mut spec) = fields.map(cx, "spec") {
        class.controller = spec.string(cx, "controller");
        spec.ignore(&["parameters"]);
        spec.finish(cx);
    }
    class
}
