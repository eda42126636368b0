//! Problems found in the user's input, as values.
//!
//! Parsing and building never fail: they return what could be built plus a list of
//! [`Diagnostic`]s (rust-analyzer's `(T, Vec<Error>)`). Each diagnostic says where
//! (document, line:column, field path) and what, as a [`Problem`] whose `Display` is a
//! sentence a learner understands. The app words problems in English or Japanese from the
//! structured variant; the CLI prints the English sentence.

use std::fmt;

pub mod reason;
pub mod shape;
pub mod subject;
pub mod syntax;

pub use reason::{ClassOrigin, MetalLbError, NameFormat, NameProblem, PortNameProblem, Quantity, Reason, Rejection};
pub use shape::{Expected, Shape};
pub use subject::{Deprecation, LabDefault, Subject};
pub use syntax::{ScanMessage, SyntaxError, SyntaxHint};

/// How bad a problem is. Errors skip the object they belong to; warnings do not.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Severity {
    Error,
    Warning,
    Info,
}

impl fmt::Display for Severity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Severity::Error => "error",
            Severity::Warning => "warning",
            Severity::Info => "info",
        })
    }
}

/// A 1-based position in the manifest text (the whole text, not one document).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct Position {
    pub line: usize,
    pub column: usize,
}

/// One problem in the input.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Diagnostic {
    pub severity: Severity,
    /// 0-based index of the YAML document (`---`) the problem is in, if any.
    pub document: Option<usize>,
    /// Where in the text; `None` for problems of the whole cluster.
    pub position: Option<Position>,
    /// The field path inside the object, e.g. `spec.ports[0].nodePort`; empty for the object itself.
    pub path: String,
    /// The object, e.g. `Service default/web`, when known.
    pub object: Option<String>,
    pub problem: Problem,
}

impl Diagnostic {
    /// A diagnostic with no location yet.
    pub fn new(severity: Severity, problem: Problem) -> Diagnostic {
        Diagnostic { severity, document: None, position: None, path: String::new(), object: None, problem }
    }

    pub fn error(problem: Problem) -> Diagnostic {
        Diagnostic::new(Severity::Error, problem)
    }

    pub fn warning(problem: Problem) -> Diagnostic {
        Diagnostic::new(Severity::Warning, problem)
    }

    pub fn info(problem: Problem) -> Diagnostic {
        Diagnostic::new(Severity::Info, problem)
    }

    pub fn at(mut self, document: Option<usize>, position: Option<Position>) -> Diagnostic {
        self.document = document;
        self.position = position;
        self
    }

    pub fn with_path(mut self, path: impl Into<String>) -> Diagnostic {
        self.path = path.into();
        self
    }

    pub fn with_object(mut self, object: impl Into<String>) -> Diagnostic {
        self.object = Some(object.into());
        self
    }

    pub fn is_error(&self) -> bool {
        self.severity == Severity::Error
    }

    /// `FILE:LINE:COL: error: sentence (at spec.ports[0].nodePort in Service default/web)`,
    /// the form the CLI prints.
    pub fn render(&self, file: &str) -> String {
        let mut out = String::new();
        out.push_str(file);
        if let Some(position) = self.position {
            out.push_str(&format!(":{}:{}", position.line, position.column));
        }
        out.push_str(&format!(": {}: {}", self.severity, self.problem));
        match (self.path.is_empty(), &self.object) {
            (false, Some(object)) => out.push_str(&format!(" (at `{}` in {object})", self.path)),
            (false, None) => out.push_str(&format!(" (at `{}`)", self.path)),
            (true, Some(object)) => out.push_str(&format!(" (in {object})")),
            (true, None) => {}
        }
        out
    }
}

/// What is wrong. Variants carry the values involved so a translation can reword them.
///
/// Add variants as needed; every `Display` is a whole sentence ending in a period. Not
/// `#[non_exhaustive]`: the app's Japanese wording (`app/src/i18n/problems.rs`) matches every
/// variant, so a new one must be worded there before the app compiles.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Problem {
    /// The YAML or JSON text could not be read.
    Syntax { message: SyntaxError },
    /// The input is larger than the engine accepts.
    InputTooLarge { bytes: usize, limit: usize },
    /// Anchors and aliases would expand into too many nodes (a "billion laughs" document).
    AliasBudgetExceeded { limit: usize },
    /// Nesting deeper than the engine accepts.
    TooDeep { limit: usize },
    /// More documents or objects than the engine accepts.
    TooManyObjects { count: usize, limit: usize },
    /// A document is not a mapping with `apiVersion` and `kind`.
    NotAnObject { found: Shape },
    /// `apiVersion` or `kind` is missing.
    MissingTypeInfo { field: String },
    /// The kind is not one the lab knows.
    UnknownKind { api_version: String, kind: String },
    /// The kind is known but under another apiVersion.
    UnknownApiVersion { api_version: String, kind: String, expected: String },
    /// A field the lab does not read (or that does not exist in the API).
    UnknownField { field: String },
    /// A required field is missing.
    MissingField { field: String },
    /// A field has the wrong type, e.g. a list where a number belongs.
    WrongType { expected: Expected, found: Shape },
    /// A field's value is not allowed; `reason` says why.
    InvalidValue { value: String, reason: Reason },
    /// Two objects share a name.
    Duplicate { kind: String, name: String },
    /// A port, IP or name is already taken by another object.
    Clash { what: Subject, value: String, other: String },
    /// A value in a range that is exhausted (no free NodePort, no free ClusterIP, no free block).
    Exhausted { what: Subject, range: String },
    /// A selector matches no pod.
    SelectorMatchesNothing { selector: String },
    /// A reference to an object that does not exist.
    Missing { kind: String, name: String },
    /// A feature that is parsed but whose behaviour the lab does not emulate (yet).
    NotEmulated { feature: Subject, detail: Reason },
    /// A deprecated form that still works.
    Deprecated { form: Deprecation },
    /// A pod could not be placed on any node.
    Unschedulable { pod: String, reason: Reason },
    /// Filled in by the lab itself, e.g. the default cluster of the blog post.
    Defaulted { default: LabDefault },
    /// A mapping has the same key twice (`sigs.k8s.io/yaml` refuses this too).
    DuplicateKey { key: String, first_line: usize },
    /// An unknown field that looks like a misspelling of a known one.
    MisspelledField { field: String, suggestion: String },
    /// The YAML holds more values (scalars, lists, mappings) than the engine reads.
    TooManyValues { limit: usize },
    /// An annotation the controller that serves the object does not honour.
    IgnoredAnnotation { key: String, controller: String, reason: Reason },
    /// A LoadBalancer Service keeps `EXTERNAL-IP <pending>`; `reason` says why.
    LoadBalancerPending { reason: Reason },
    /// MetalLB assigned an address that no node announces; `reason` says why.
    NotAnnounced { ip: String, reason: Reason },
    /// An Ingress backend the controller cannot resolve, so it programs no route for it.
    UnresolvedBackend { backend: String, reason: Reason },
    /// More unknown fields in one mapping than are reported one by one.
    MoreUnknownFields { count: usize },
    /// A field that a newer apiVersion renamed (`backend` -> `defaultBackend`).
    RenamedField { field: String, api_version: String, replacement: String },
    /// A Node without an `InternalIP` address.
    NoInternalIp,
    /// A second object of a kind the cluster has only one of (KubeProxyConfiguration).
    DuplicateConfiguration { kind: String },
    /// Two ports of one Service ask for the same NodePort.
    SamePortTwice { port: String, owner: String },
    /// Two Ingresses define the same route on one host.
    RouteClash { path: String, host: String, source: String, existing: String },
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Problem::Syntax { message } => write!(f, "The text is not valid YAML or JSON: {message}."),
            Problem::InputTooLarge { bytes, limit } => write!(
                f,
                "The input is {bytes} bytes; the lab reads at most {limit} bytes, so it was not read."
            ),
            Problem::AliasBudgetExceeded { limit } => write!(
                f,
                "YAML anchors and aliases expand to more than {limit} nodes; the document was not read (this is how \"billion laughs\" attacks work)."
            ),
            Problem::TooDeep { limit } => {
                write!(f, "The document nests deeper than {limit} levels and was not read.")
            }
            Problem::TooManyObjects { count, limit } => write!(
                f,
                "The input has {count} objects; the lab reads the first {limit} and ignores the rest."
            ),
            Problem::NotAnObject { found } => write!(
                f,
                "This document is {found}, not a Kubernetes object (a mapping with `apiVersion` and `kind`)."
            ),
            Problem::MissingTypeInfo { field } => {
                write!(f, "This object has no `{field}`, so the lab cannot tell what it is.")
            }
            Problem::UnknownKind { api_version, kind } => write!(
                f,
                "The lab does not know the kind `{kind}` ({api_version}); the object is ignored."
            ),
            Problem::UnknownApiVersion { api_version, kind, expected } => write!(
                f,
                "`{kind}` is not served as `{api_version}`; use `{expected}`."
            ),
            Problem::UnknownField { field } => write!(
                f,
                "The field `{field}` is unknown here or not used by the lab; it is ignored."
            ),
            Problem::MissingField { field } => write!(f, "The required field `{field}` is missing."),
            Problem::WrongType { expected, found } => {
                write!(f, "Expected {expected} here, but found {found}.")
            }
            Problem::InvalidValue { value, reason } => write!(f, "`{value}` is not valid: {reason}."),
            Problem::Duplicate { kind, name } => {
                write!(f, "Another {kind} is already named `{name}`; this one is ignored.")
            }
            Problem::Clash { what, value, other } => {
                write!(f, "The {what} {value} is already used by {other}.")
            }
            Problem::Exhausted { what, range } => write!(f, "No free {what} is left in {range}."),
            Problem::SelectorMatchesNothing { selector } => write!(
                f,
                "The selector `{selector}` matches no pod, so this Service has no endpoints."
            ),
            Problem::Missing { kind, name } => write!(f, "There is no {kind} named `{name}`."),
            Problem::NotEmulated { feature, detail } => {
                write!(f, "{feature} is not emulated by the lab yet: {detail}.")
            }
            Problem::Deprecated { form } => {
                write!(f, "{} is deprecated; use {}.", form.old_form(), form.replacement())
            }
            Problem::Unschedulable { pod, reason } => {
                write!(f, "The pod `{pod}` cannot be scheduled: {reason}.")
            }
            Problem::Defaulted { default } => {
                write!(f, "No {} was given; the lab uses {}.", default.what(), default.value())
            }
            Problem::DuplicateKey { key, first_line } => write!(
                f,
                "The key `{key}` is already set on line {first_line}; a mapping may not repeat a key, so the object is not read."
            ),
            Problem::MisspelledField { field, suggestion } => write!(
                f,
                "The field `{field}` is unknown here; did you mean `{suggestion}`? It is ignored."
            ),
            Problem::TooManyValues { limit } => write!(
                f,
                "The input holds more than {limit} values; the lab stops reading here, and this document and the ones after it are not read."
            ),
            Problem::IgnoredAnnotation { key, controller, reason } => {
                write!(f, "{controller} ignores the annotation `{key}`: {reason}.")
            }
            Problem::LoadBalancerPending { reason } => {
                write!(f, "EXTERNAL-IP stays <pending>: {reason}.")
            }
            Problem::NotAnnounced { ip, reason } => {
                write!(f, "MetalLB assigned {ip}, but no node answers ARP for it: {reason}.")
            }
            Problem::UnresolvedBackend { backend, reason } => write!(
                f,
                "Contour skips the backend `{backend}` (\"unresolved service reference\"): {reason}; requests for this path get Envoy's 404."
            ),
            Problem::MoreUnknownFields { count } => write!(
                f,
                "The field `… and {count} more unknown fields` is unknown here or not used by the lab; it is ignored."
            ),
            Problem::RenamedField { field, api_version, replacement } => write!(
                f,
                "The field `{field} ({api_version} calls it `{replacement}`)` is unknown here or not used by the lab; it is ignored."
            ),
            Problem::NoInternalIp => f.write_str(
                "The required field `status.addresses (an InternalIP: the lab needs the node's address)` is missing.",
            ),
            Problem::DuplicateConfiguration { kind } => {
                write!(f, "Another {kind} is already named `(the configuration)`; this one is ignored.")
            }
            Problem::SamePortTwice { port, owner } => {
                write!(f, "The NodePort {port} is already used by another port of {owner}.")
            }
            Problem::RouteClash { path, host, source, existing } => write!(
                f,
                "The route `{path}` on host {host} (from {source}) is already used by {existing}; Contour keeps only one of them and which one depends on its cache order (the lab keeps the later Ingress by namespace/name)."
            ),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The typed variants print the sentences the engine printed when these fields were
    /// English strings (the old format strings, filled in by hand).
    #[test]
    fn typed_problems_keep_the_english_sentences() {
        let cases = [
            (
                Problem::MoreUnknownFields { count: 3 },
                "The field `… and 3 more unknown fields` is unknown here or not used by the lab; it is ignored.",
            ),
            (
                Problem::RenamedField {
                    field: "backend".to_string(),
                    api_version: "networking.k8s.io/v1".to_string(),
                    replacement: "defaultBackend".to_string(),
                },
                "The field `backend (networking.k8s.io/v1 calls it `defaultBackend`)` is unknown here or not used by the lab; it is ignored.",
            ),
            (
                Problem::NoInternalIp,
                "The required field `status.addresses (an InternalIP: the lab needs the node's address)` is missing.",
            ),
            (
                Problem::DuplicateConfiguration { kind: "KubeProxyConfiguration".to_string() },
                "Another KubeProxyConfiguration is already named `(the configuration)`; this one is ignored.",
            ),
            (
                Problem::SamePortTwice { port: "30080/TCP".to_string(), owner: "Service default/web".to_string() },
                "The NodePort 30080/TCP is already used by another port of Service default/web.",
            ),
            (
                Problem::Defaulted { default: LabDefault::KubeProxy { cluster_cidr: Some("192.168.0.0/16".to_string()) } },
                "No KubeProxyConfiguration was given; the lab uses mode iptables, clusterCIDR 192.168.0.0/16, masqueradeBit 14.",
            ),
            (
                Problem::Deprecated { form: Deprecation::Yaml11Bool { text: "yes".to_string(), value: true } },
                "`yes` as a boolean (a YAML 1.1 spelling that Kubernetes still reads as true) is deprecated; use `true`, which every YAML parser reads the same way.",
            ),
            (
                Problem::InvalidValue {
                    value: "Web.example".to_string(),
                    reason: Reason::Name {
                        problem: NameProblem::BadCharacter { format: NameFormat::Dns1123Subdomain, character: 'W' },
                        external: true,
                    },
                },
                "`Web.example` is not valid: `W` is not allowed; an external name must be a DNS-1123 subdomain: lowercase letters, digits and `-` or `.` (use lowercase letters).",
            ),
            (
                Problem::Unschedulable {
                    pod: "web-*".to_string(),
                    reason: Reason::Rejected(vec![
                        Rejection::Cordoned { node: "node3".to_string() },
                        Rejection::MissingLabel { node: "node1".to_string(), label: "disk=ssd".to_string() },
                    ]),
                },
                "The pod `web-*` cannot be scheduled: node `node3` is cordoned (unschedulable); node `node1` lacks the label `disk=ssd`.",
            ),
            (
                Problem::Syntax {
                    message: SyntaxError::Scanner {
                        message: ScanMessage::TabIndentation,
                        hint: Some(SyntaxHint::Tabs),
                    },
                },
                "The text is not valid YAML or JSON: tab cannot be used as indentation (YAML indents with spaces; tabs are not allowed for indentation).",
            ),
        ];
        for (problem, english) in cases {
            assert_eq!(problem.to_string(), english);
        }
    }
}
