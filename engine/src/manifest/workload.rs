//! `apps/v1` Deployment, ReplicaSet, StatefulSet and DaemonSet: the controllers that make
//! pods from a template (apps/v1 `types.go`). The cluster builder expands them into pods.

use super::decode::{Cx, Fields};
use super::meta::{LabelSelector, NameRule, ObjectMeta, read_meta, read_selector};
use super::node::require_name;
use super::pod::{PodSpec, read_pod_spec};
use crate::diagnostic::{Problem, Quantity, Reason};

/// Which controller.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum WorkloadKind {
    Deployment,
    ReplicaSet,
    StatefulSet,
    DaemonSet,
}

impl WorkloadKind {
    /// The API kind, e.g. `Deployment`.
    pub fn name(self) -> &'static str {
        match self {
            WorkloadKind::Deployment => "Deployment",
            WorkloadKind::ReplicaSet => "ReplicaSet",
            WorkloadKind::StatefulSet => "StatefulSet",
            WorkloadKind::DaemonSet => "DaemonSet",
        }
    }
}

/// A workload controller.
#[derive(Clone, Debug, PartialEq)]
pub struct Workload {
    pub kind: WorkloadKind,
    pub metadata: ObjectMeta,
    /// `spec.replicas`; `None` means the API default of 1 (always `None` for DaemonSets,
    /// which run one pod per eligible node).
    pub replicas: Option<u32>,
    /// `spec.selector` (required in apps/v1).
    pub selector: LabelSelector,
    /// `spec.template`.
    pub template: PodTemplate,
}

/// `spec.template`: the pods' metadata and spec.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct PodTemplate {
    pub metadata: ObjectMeta,
    pub spec: PodSpec,
}

pub(crate) fn read_workload(cx: &mut Cx<'_>, fields: &mut Fields<'_>, kind: &str) -> Option<Workload> {
    let kind = match kind {
        "Deployment" => WorkloadKind::Deployment,
        "ReplicaSet" => WorkloadKind::ReplicaSet,
        "StatefulSet" => WorkloadKind::StatefulSet,
        _ => WorkloadKind::DaemonSet,
    };
    let metadata = read_meta(cx, fields.take("metadata"), NameRule::Subdomain, true);
    require_name(cx, fields, &metadata);
    fields.ignore(&["status"]);
    let mut spec = fields.required_map(cx, "spec")?;
    let replicas = if kind == WorkloadKind::DaemonSet {
        None
    } else {
        spec.int_in(
            cx,
            "replicas",
            0,
            1000,
            Quantity::Replicas,
        )
        .and_then(|n| u32::try_from(n).ok())
    };
    let selector = match spec.map(cx, "selector") {
        Some(selector) => read_selector(cx, selector),
        None => {
            if !cx.failed {
                spec.missing(cx, "selector");
            }
            LabelSelector::default()
        }
    };
    let mut template = PodTemplate::default();
    let template_path = spec.path_of("template");
    match spec.map(cx, "template") {
        Some(mut t) => {
            template.metadata = read_meta(cx, t.take("metadata"), NameRule::Subdomain, true);
            match t.map(cx, "spec") {
                Some(pod_spec) => template.spec = read_pod_spec(cx, pod_spec),
                None if !cx.failed => t.missing(cx, "spec"),
                None => {}
            }
            let template_position = t
                .take("metadata")
                .and_then(|(m, _)| m.get("labels").map(|l| l.position))
                .unwrap_or(t.position);
            t.finish(cx);
            // The API refuses a selector that does not select the template's own pods
            // (apps validation: "`selector` does not match template `labels`").
            if !cx.failed && !selector.match_labels.is_empty() && !selector.matches(&template.metadata.labels) {
                let path = format!("{template_path}.metadata.labels");
                let rendered: Vec<String> = selector.match_labels.iter().map(|(k, v)| format!("{k}={v}")).collect();
                cx.error(
                    template_position,
                    &path,
                    Problem::InvalidValue {
                        value: rendered.join(","),
                        reason: Reason::SelectorMissesTemplate,
                    },
                );
            }
        }
        None if !cx.failed => spec.missing(cx, "template"),
        None => {}
    }
    spec.ignore(&[
        "strategy",
        "updateStrategy",
        "minReadySeconds",
        "revisionHistoryLimit",
        "progressDeadlineSeconds",
        "paused",
        "serviceName",
        "podManagementPolicy",
        "volumeClaimTemplates",
        "persistentVolumeClaimRetentionPolicy",
        "ordinals",
    ]);
    spec.finish(cx);
    Some(Workload {
        kind,
        metadata,
        replicas,
        selector,
        template,
    })
}
