//! `metadata` (ObjectMeta) and label selectors, shared by every kind, with the API's name
//! and label rules (k8s.io/apimachinery `pkg/util/validation`).

use std::collections::BTreeMap;

use super::decode::{Cx, Fields};
use crate::diagnostic::{NameFormat, NameProblem, Problem, Reason, Subject};
use crate::yaml;

/// The parts of `metadata` the lab uses. `uid`, `resourceVersion`, `managedFields` and the
/// other server-set fields are accepted and dropped.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ObjectMeta {
    /// `metadata.name`; empty only for kinds without one (KubeProxyConfiguration, templates).
    pub name: String,
    /// `metadata.namespace` as written; `None` means `default` for namespaced kinds.
    pub namespace: Option<String>,
    pub labels: BTreeMap<String, String>,
    pub annotations: BTreeMap<String, String>,
    /// `metadata.deletionTimestamp`: set while the object is being deleted (a terminating pod).
    pub deletion_timestamp: Option<String>,
}

impl ObjectMeta {
    /// The namespace, `default` when none was written.
    pub fn namespace_or_default(&self) -> &str {
        self.namespace.as_deref().unwrap_or("default")
    }
}

/// Which naming rule a kind's `metadata.name` follows.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum NameRule {
    /// DNS-1123 subdomain: lowercase alphanumerics, `-` and `.`, at most 253 characters
    /// (`IsDNS1123Subdomain`): Pods, Deployments, Nodes, most kinds.
    Subdomain,
    /// DNS-1123 label: lowercase alphanumerics and `-`, at most 63 characters
    /// (`IsDNS1123Label`): Namespaces.
    Label,
    /// DNS-1035 label: like a DNS-1123 label but starting with a letter (`IsDNS1035Label`):
    /// Services, whose names become DNS names and environment variables.
    Dns1035,
    /// No name needed (KubeProxyConfiguration).
    None,
}

/// Why `name` breaks `rule`, as a sentence fragment; `None` if it is fine.
pub(crate) fn name_problem(name: &str, rule: NameRule) -> Option<Reason> {
    let alnum = |c: char| c.is_ascii_lowercase() || c.is_ascii_digit();
    let format = match rule {
        NameRule::None => return None,
        NameRule::Subdomain => NameFormat::Dns1123Subdomain,
        NameRule::Label => NameFormat::Dns1123Label,
        NameRule::Dns1035 => NameFormat::Dns1035Label,
    };
    let max = format.max_length();
    let reason = |problem| Some(Reason::Name { problem, external: false });
    let allowed = |c: char| alnum(c) || c == '-' || (rule == NameRule::Subdomain && c == '.');
    let too_long = name.chars().count() > max;
    let bad_char = name.chars().find(|c| !allowed(*c));
    let bad_start = match rule {
        NameRule::Dns1035 => !name.starts_with(|c: char| c.is_ascii_lowercase()),
        _ => !name.starts_with(alnum),
    };
    let bad_end = !name.ends_with(alnum);
    let bad_dots = rule == NameRule::Subdomain
        && name
            .split('.')
            .any(|part| part.is_empty() || !part.starts_with(alnum) || !part.ends_with(alnum));
    if name.is_empty() {
        return reason(NameProblem::Empty);
    }
    if too_long {
        return reason(NameProblem::TooLong { format });
    }
    if let Some(character) = bad_char {
        return reason(NameProblem::BadCharacter { format, character });
    }
    if bad_start || bad_end || bad_dots {
        return reason(NameProblem::BadEnds { format });
    }
    None
}

/// Why a label value is refused (`IsValidLabelValue`): at most 63 characters of
/// alphanumerics, `-`, `_` and `.`, starting and ending with an alphanumeric.
pub(crate) fn label_value_problem(value: &str) -> Option<Reason> {
    if value.is_empty() {
        return None;
    }
    let alnum = |c: char| c.is_ascii_alphanumeric();
    if value.chars().count() > 63 {
        return Some(Reason::LabelValueTooLong);
    }
    if !value.chars().all(|c| alnum(c) || matches!(c, '-' | '_' | '.'))
        || !value.starts_with(alnum)
        || !value.ends_with(alnum)
    {
        return Some(Reason::LabelValueCharacters);
    }
    None
}

/// Server-set metadata fields that pasted `kubectl get -o yaml` output carries.
const IGNORED_METADATA: &[&str] = &[
    "uid",
    "resourceVersion",
    "creationTimestamp",
    "generation",
    "managedFields",
    "selfLink",
    "ownerReferences",
    "finalizers",
    "generateName",
    "deletionGracePeriodSeconds",
];

/// Reads `metadata`. Name problems are errors at `metadata.name`.
pub(crate) fn read_meta(
    cx: &mut Cx<'_>,
    node: Option<(&yaml::Node, String)>,
    rule: NameRule,
    namespaced: bool,
) -> ObjectMeta {
    let mut meta = ObjectMeta::default();
    let Some((node, path)) = node else {
        return meta;
    };
    let Some(mut fields) = cx.map(node, &path) else {
        return meta;
    };
    if let Some((name_node, name_path)) = fields.take("name")
        && let Some(name) = cx.string(name_node, &name_path)
    {
        if let Some(reason) = name_problem(&name, rule) {
            cx.invalid(name_node, &name_path, reason);
        }
        meta.name = name;
    }
    if let Some((ns_node, ns_path)) = fields.take("namespace")
        && let Some(namespace) = cx.string(ns_node, &ns_path)
    {
        if let Some(reason) = name_problem(&namespace, NameRule::Label) {
            cx.invalid(ns_node, &ns_path, reason);
        }
        if !namespaced {
            cx.warn(
                ns_node.position,
                &ns_path,
                Problem::InvalidValue {
                    value: namespace.clone(),
                    reason: Reason::ClusterScopedNamespace,
                },
            );
        } else {
            meta.namespace = Some(namespace);
        }
    }
    if let Some((labels_node, labels_path)) = fields.take("labels") {
        meta.labels = cx.string_map(labels_node, &labels_path);
        check_label_values(cx, labels_node, &labels_path);
    }
    meta.annotations = fields.string_map(cx, "annotations");
    meta.deletion_timestamp = fields.string(cx, "deletionTimestamp");
    fields.ignore(IGNORED_METADATA);
    fields.finish(cx);
    meta
}

/// Reports label values the API would refuse.
pub(crate) fn check_label_values(cx: &mut Cx<'_>, node: &yaml::Node, path: &str) {
    if let yaml::Value::Map(entries) = &node.value {
        for entry in entries {
            if let Some(value) = entry.value.text()
                && let Some(reason) = label_value_problem(value)
            {
                let entry_path = super::decode::key_path(path, &entry.key);
                cx.invalid(&entry.value, &entry_path, reason);
            }
        }
    }
}

/// A label selector (`matchLabels` + `matchExpressions`).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct LabelSelector {
    pub match_labels: BTreeMap<String, String>,
    /// Parsed but not evaluated by the lab yet (a warning says so).
    pub match_expressions: Vec<LabelSelectorRequirement>,
}

/// One `matchExpressions` entry.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LabelSelectorRequirement {
    pub key: String,
    pub operator: SelectorOperator,
    pub values: Vec<String>,
}

/// `In`, `NotIn`, `Exists`, `DoesNotExist`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SelectorOperator {
    In,
    NotIn,
    Exists,
    DoesNotExist,
}

impl LabelSelector {
    /// Whether `labels` satisfy `matchLabels` (expressions are not evaluated).
    pub fn matches(&self, labels: &BTreeMap<String, String>) -> bool {
        self.match_labels
            .iter()
            .all(|(key, value)| labels.get(key) == Some(value))
    }
}

/// Reads a `LabelSelector` mapping.
pub(crate) fn read_selector(cx: &mut Cx<'_>, mut fields: Fields<'_>) -> LabelSelector {
    let mut selector = LabelSelector::default();
    if let Some((node, path)) = fields.take("matchLabels") {
        selector.match_labels = cx.string_map(node, &path);
        check_label_values(cx, node, &path);
    }
    if let Some((node, path)) = fields.take("matchExpressions") {
        selector.match_expressions = cx.list(node, &path, |cx, node, path| {
            let mut f = cx.map(node, path)?;
            let key = f.required_string(cx, "key");
            let operator = f.one_of(
                cx,
                "operator",
                &[
                    ("In", SelectorOperator::In),
                    ("NotIn", SelectorOperator::NotIn),
                    ("Exists", SelectorOperator::Exists),
                    ("DoesNotExist", SelectorOperator::DoesNotExist),
                ],
            );
            if operator.is_none() && !f.has("operator") {
                f.missing(cx, "operator");
            }
            let values = f.strings(cx, "values");
            f.finish(cx);
            Some(LabelSelectorRequirement {
                key: key?,
                operator: operator?,
                values,
            })
        });
        if !selector.match_expressions.is_empty() {
            cx.warn(
                node.position,
                &path,
                Problem::NotEmulated {
                    feature: Subject::MatchExpressions,
                    detail: Reason::MatchLabelsOnly,
                },
            );
        }
    }
    fields.finish(cx);
    selector
}
