//! Contour's route table: every Ingress Contour serves, turned into Envoy virtual hosts
//! with ordered routes, each remembering the Ingress rule it came from.
//!
//! Built from the resolved [`Cluster`]; read by [`super::route`] for each request. Port of
//! Contour's `IngressProcessor.computeIngresses` / `computeIngressRule`
//! (`internal/dag/ingress_processor.go`): `spec.defaultBackend` becomes a rule of its own
//! with no host and path `/` (ImplementationSpecific, so a string prefix on the `*` virtual
//! host), prepended so later rules of the same Ingress override it; a backend whose Service
//! or port cannot be found is skipped ("unresolved service reference"); a route with the
//! same match as an earlier one on the same virtual host replaces it (`VirtualHost.AddRoute`
//! keys routes by their conditions). Routes are then sorted as Contour's `routeSorter` does.

use std::fmt;

use super::class;
use super::host::HostMatch;
use super::path::PathMatch;
use crate::cluster::{Cluster, Ingress, IngressBackend, PathType, ServiceType, TargetPort};
use crate::diagnostic::{ClassOrigin, Diagnostic, Problem, Reason, Subject};
use crate::net::Protocol;

/// The controller named in diagnostics.
pub const CONTOUR: &str = "Contour";

/// Where a route came from.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum RouteSource {
    /// `spec.rules[rule].http.paths[path]` of the Ingress `namespace/name`.
    Rule { ingress: String, rule: usize, path: usize },
    /// `spec.defaultBackend` of the Ingress `namespace/name`.
    DefaultBackend { ingress: String },
}

impl RouteSource {
    /// The Ingress, as `namespace/name`.
    pub fn ingress(&self) -> &str {
        match self {
            RouteSource::Rule { ingress, .. } | RouteSource::DefaultBackend { ingress } => ingress,
        }
    }
}

impl fmt::Display for RouteSource {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            RouteSource::Rule { ingress, rule, path } => {
                write!(f, "Ingress {ingress} spec.rules[{rule}].http.paths[{path}]")
            }
            RouteSource::DefaultBackend { ingress } => write!(f, "Ingress {ingress} spec.defaultBackend"),
        }
    }
}

/// A Service port an Envoy cluster sends to (Contour's `dag.Service`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Backend {
    pub namespace: String,
    pub service: String,
    /// The Service port (`port`, not `targetPort`), resolved from a name when needed.
    pub port: u16,
    /// The Service port's name, if it has one.
    pub port_name: Option<String>,
}

impl fmt::Display for Backend {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}:{}", self.namespace, self.service, self.port)
    }
}

/// One Envoy route.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Route {
    /// The Ingress path as written (`/` for the defaultBackend) and its `pathType`
    /// (ImplementationSpecific when the legacy form gave none).
    pub ingress_path: String,
    pub path_type: PathType,
    /// What Contour made of them.
    pub path: PathMatch,
    pub backend: Backend,
    pub source: RouteSource,
}

/// One Envoy virtual host with its routes in Envoy's (first match wins) order.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct VirtualHost {
    pub host: HostMatch,
    pub routes: Vec<Route>,
}

/// Every virtual host, in Envoy's preference order (exact, wildcard, `*`).
#[derive(Clone, Debug, PartialEq, Eq, Default)]
pub struct RouteTable {
    pub virtual_hosts: Vec<VirtualHost>,
}

/// The annotations that ask other controllers to rewrite the path, and why Contour ignores
/// each (`internal/annotation/annotations.go`, `internal/dag/cache.go`).
const REWRITE_ANNOTATIONS: &[(&str, Reason)] = &[
    ("nginx.ingress.kubernetes.io/rewrite-target", Reason::IngressNginxAnnotation),
    ("ingress.kubernetes.io/rewrite-target", Reason::OldIngressNginxAnnotation),
];

/// Where the class came from, for the diagnostic.
fn class_origin(source: &super::class::ClassSource) -> ClassOrigin {
    use super::class::ClassSource;
    match source {
        ClassSource::Annotation(key) => ClassOrigin::Annotation(key.clone()),
        ClassSource::Field => ClassOrigin::Field,
        ClassSource::DefaultClass => ClassOrigin::DefaultClass,
        ClassSource::None => ClassOrigin::None,
    }
}

/// Builds Contour's route table from the cluster's Ingresses (sorted by namespace/name,
/// the lab's stand-in for Contour's unordered cache).
pub fn build(cluster: &Cluster) -> (RouteTable, Vec<Diagnostic>) {
    let mut diagnostics = Vec::new();
    let mut hosts: Vec<VirtualHost> = Vec::new();
    for ingress in &cluster.ingresses {
        let object = format!("Ingress {}/{}", ingress.namespace, ingress.name);
        let decision = class::decide(cluster, ingress);
        if !decision.served {
            diagnostics.push(
                Diagnostic::info(Problem::NotEmulated {
                    feature: Subject::IngressClass { class: decision.class.clone().unwrap_or_default() },
                    detail: Reason::ClassNotServed { class: decision.class.clone(), origin: class_origin(&decision.source) },
                })
                .with_object(object.clone()),
            );
            continue;
        }
        for (key, reason) in REWRITE_ANNOTATIONS {
            if ingress.annotations.contains_key(*key) {
                diagnostics.push(
                    Diagnostic::warning(Problem::IgnoredAnnotation {
                        key: (*key).to_string(),
                        controller: CONTOUR.to_string(),
                        reason: reason.clone(),
                    })
                    .with_path(format!("metadata.annotations.{key}"))
                    .with_object(object.clone()),
                );
            }
        }
        add_ingress(cluster, ingress, &object, &mut hosts, &mut diagnostics);
    }
    for host in &mut hosts {
        crate::sort::by(&mut host.routes, |a, b| a.path.envoy_order(&b.path));
    }
    crate::sort::by(&mut hosts, |a, b| a.host.preference(&b.host));
    (RouteTable { virtual_hosts: hosts }, diagnostics)
}

fn add_ingress(
    cluster: &Cluster,
    ingress: &Ingress,
    object: &str,
    hosts: &mut Vec<VirtualHost>,
    diagnostics: &mut Vec<Diagnostic>,
) {
    let key = format!("{}/{}", ingress.namespace, ingress.name);
    if let Some(backend) = &ingress.default_backend {
        let source = RouteSource::DefaultBackend { ingress: key.clone() };
        if let Some(resolved) =
            resolve(cluster, &ingress.namespace, backend, "spec.defaultBackend", object, diagnostics)
        {
            let path_type = PathType::ImplementationSpecific;
            let path = PathMatch::from_ingress("/", path_type);
            let route = Route { ingress_path: "/".to_string(), path_type, path, backend: resolved, source };
            add_route(hosts, HostMatch::Any, route, object, diagnostics);
        }
    }
    for (rule_index, rule) in ingress.rules.iter().enumerate() {
        let host = HostMatch::from_rule(rule.host.as_deref());
        for (path_index, path) in rule.paths.iter().enumerate() {
            let field = format!("spec.rules[{rule_index}].http.paths[{path_index}]");
            let matcher = PathMatch::from_ingress(&path.path, path.path_type);
            if let Some(error) = matcher.regex_error() {
                // Contour returns from computeIngressRule: the rule's remaining paths are lost too.
                diagnostics.push(
                    Diagnostic::error(Problem::InvalidValue {
                        value: path.path.clone(),
                        reason: Reason::RegexDoesNotCompile { error },
                    })
                    .with_path(format!("{field}.path"))
                    .with_object(object.to_string()),
                );
                break;
            }
            let field = format!("{field}.backend");
            let Some(resolved) = resolve(cluster, &ingress.namespace, &path.backend, &field, object, diagnostics)
            else {
                continue;
            };
            let source = RouteSource::Rule { ingress: key.clone(), rule: rule_index, path: path_index };
            let route = Route {
                ingress_path: path.path.clone(),
                path_type: path.path_type,
                path: matcher,
                backend: resolved,
                source,
            };
            add_route(hosts, host.clone(), route, object, diagnostics);
        }
    }
}

fn add_route(
    hosts: &mut Vec<VirtualHost>,
    host: HostMatch,
    route: Route,
    object: &str,
    diagnostics: &mut Vec<Diagnostic>,
) {
    let index = match hosts.iter().position(|existing| existing.host == host) {
        Some(index) => index,
        None => {
            hosts.push(VirtualHost { host, routes: Vec::new() });
            hosts.len().saturating_sub(1)
        }
    };
    let Some(virtual_host) = hosts.get_mut(index) else { return };
    if let Some(existing) = virtual_host.routes.iter_mut().find(|existing| existing.path == route.path) {
        // A route replacing one of the same Ingress is the defaultBackend being overridden
        // on purpose; across Ingresses Contour's choice depends on its cache order.
        if existing.source.ingress() != route.source.ingress() {
            diagnostics.push(
                Diagnostic::warning(Problem::RouteClash {
                    path: route.path.to_string(),
                    host: virtual_host.host.to_string(),
                    source: route.source.to_string(),
                    existing: existing.source.to_string(),
                })
                .with_object(object.to_string()),
            );
        }
        *existing = route;
    } else {
        virtual_host.routes.push(route);
    }
}

/// Contour's `EnsureService`/`LookupService`: the backend's Service must exist in the
/// Ingress's namespace, must not be ExternalName (disabled by default), and must have the
/// port (by number, or by name for `port.name`), TCP.
fn resolve(
    cluster: &Cluster,
    namespace: &str,
    backend: &IngressBackend,
    field: &str,
    object: &str,
    diagnostics: &mut Vec<Diagnostic>,
) -> Option<Backend> {
    let mut fail = |problem: Problem| {
        diagnostics.push(Diagnostic::warning(problem).with_path(field.to_string()).with_object(object.to_string()));
        None
    };
    let Some(service) =
        cluster.services.iter().find(|service| service.namespace == namespace && service.name == backend.service_name)
    else {
        return fail(Problem::UnresolvedBackend {
            backend: format!("{namespace}/{}", backend.service_name),
            reason: Reason::NoSuchServiceInNamespace,
        });
    };
    if service.service_type == ServiceType::ExternalName {
        return fail(Problem::NotEmulated {
            feature: Subject::ExternalNameBackends,
            detail: Reason::ExternalNameRefused { service: backend.service_name.clone() },
        });
    }
    let port = service.ports.iter().filter(|port| port.protocol == Protocol::Tcp).find(|port| match &backend.port {
        TargetPort::Number(number) => port.port == *number,
        TargetPort::Name(name) => port.name.as_deref() == Some(name.as_str()),
    });
    let Some(port) = port else {
        let wanted = match &backend.port {
            TargetPort::Number(number) => number.to_string(),
            TargetPort::Name(name) => name.clone(),
        };
        return fail(Problem::UnresolvedBackend {
            backend: format!("{namespace}/{}:{wanted}", backend.service_name),
            reason: Reason::NoSuchServicePort,
        });
    };
    Some(Backend {
        namespace: namespace.to_string(),
        service: service.name.clone(),
        port: port.port,
        port_name: port.name.clone(),
    })
}

impl fmt::Display for Route {
    /// `prefix: /cinnamon (ImplementationSpecific /cinnamon) -> default/cinnamon-service:5678 (Ingress ...)`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let path_type = match self.path_type {
            PathType::Exact => "Exact",
            PathType::Prefix => "Prefix",
            PathType::ImplementationSpecific => "ImplementationSpecific",
        };
        write!(f, "{} ({path_type} {}) -> {} ({})", self.path, self.ingress_path, self.backend, self.source)
    }
}

impl fmt::Display for RouteTable {
    /// One line per virtual host and route, in Envoy's order.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for host in &self.virtual_hosts {
            writeln!(f, "virtual host {}", host.host)?;
            for route in &host.routes {
                writeln!(f, "  {route}")?;
            }
        }
        Ok(())
    }
}
