//! Which Ingresses Contour serves: the ingress class of each Ingress, as the API server's
//! default-class admission and Contour's class filter decide.
//!
//! Read by the route table ([`super::table`]) before any rule is looked at. Port of
//! Contour's `ingressclass.MatchesIngress` (`internal/ingressclass/ingressclass.go`) for a
//! Contour started without `--ingress-class-name`, as in `examples/contour`: it serves
//! Ingresses whose class is `contour` and Ingresses with no class at all. It does not read
//! IngressClass objects; only the class *name* counts.

use std::fmt;

use crate::cluster::{Cluster, Ingress};

/// The class Contour answers to when started without `--ingress-class-name`
/// (`ingressclass.DefaultClassName`).
pub const CONTOUR_CLASS: &str = "contour";

/// Contour's own class annotation, read before the Kubernetes one
/// (`annotation.IngressClass`).
pub const CONTOUR_CLASS_ANNOTATION: &str = "projectcontour.io/ingress.class";

/// The deprecated Kubernetes class annotation (pre-1.18), which beats `ingressClassName`.
pub const CLASS_ANNOTATION: &str = "kubernetes.io/ingress.class";

/// Where an Ingress's class came from.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ClassSource {
    /// `projectcontour.io/ingress.class` or `kubernetes.io/ingress.class` (the key).
    Annotation(String),
    /// `spec.ingressClassName`.
    Field,
    /// Neither was set; the single default IngressClass was filled in on creation by the
    /// `DefaultIngressClass` admission plugin.
    DefaultClass,
    /// No class at all.
    None,
}

/// The class of one Ingress and whether Contour serves it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ClassDecision {
    pub class: Option<String>,
    pub source: ClassSource,
    pub served: bool,
}

impl fmt::Display for ClassDecision {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let class = self.class.as_deref().unwrap_or("(none)");
        let source = match &self.source {
            ClassSource::Annotation(key) => format!("annotation {key}"),
            ClassSource::Field => "spec.ingressClassName".to_string(),
            ClassSource::DefaultClass => "the default IngressClass".to_string(),
            ClassSource::None => "no class set".to_string(),
        };
        let verdict = if self.served {
            "Contour serves it"
        } else {
            "Contour ignores it (it serves class `contour` or no class)"
        };
        write!(f, "class {class} from {source}: {verdict}")
    }
}

/// The class of `ingress` and whether Contour (no `--ingress-class-name`) serves it.
pub fn decide(cluster: &Cluster, ingress: &Ingress) -> ClassDecision {
    for key in [CONTOUR_CLASS_ANNOTATION, CLASS_ANNOTATION] {
        if let Some(class) = ingress.annotations.get(key).filter(|class| !class.is_empty()) {
            return decision(Some(class.clone()), ClassSource::Annotation(key.to_string()));
        }
    }
    if let Some(class) = ingress.ingress_class_name.as_ref().filter(|class| !class.is_empty()) {
        return decision(Some(class.clone()), ClassSource::Field);
    }
    // Admission fills in the default class only when exactly one IngressClass is default
    // (with more than one it rejects the Ingress; the lab then treats it as class-less).
    let defaults: Vec<&str> =
        cluster.ingress_classes.iter().filter(|class| class.is_default).map(|class| class.name.as_str()).collect();
    if let [only] = defaults.as_slice() {
        return decision(Some((*only).to_string()), ClassSource::DefaultClass);
    }
    decision(None, ClassSource::None)
}

fn decision(class: Option<String>, source: ClassSource) -> ClassDecision {
    let served = class.as_deref().is_none_or(|class| class == CONTOUR_CLASS);
    ClassDecision { class, source, served }
}
