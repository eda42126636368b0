//! The resource types `kubectl get` knows in the lab, their names and aliases, and how to
//! list their objects from the [`Cluster`].

use crate::cluster::{
    Cluster, EndpointSlice, Ingress, IngressClass, Labels, Node, Pod, Service, Workload,
};

/// A resource type, as `kubectl api-resources` lists it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    Node,
    Namespace,
    Pod,
    Service,
    Endpoints,
    EndpointSlice,
    Ingress,
    IngressClass,
    Deployment,
    ReplicaSet,
    StatefulSet,
    DaemonSet,
}

impl Kind {
    /// Parses what a user types: plural, singular or short name, any case, optionally
    /// qualified by its API group (`deployments.apps`). Short names are those of
    /// `kubectl api-resources`.
    pub fn parse(text: &str) -> Option<Kind> {
        let lower = text.to_ascii_lowercase();
        let (name, group) = match lower.split_once('.') {
            Some((name, group)) => (name, Some(group)),
            None => (lower.as_str(), None),
        };
        let kind = match name {
            "nodes" | "node" | "no" => Kind::Node,
            "namespaces" | "namespace" | "ns" => Kind::Namespace,
            "pods" | "pod" | "po" => Kind::Pod,
            "services" | "service" | "svc" => Kind::Service,
            "endpoints" | "ep" => Kind::Endpoints,
            "endpointslices" | "endpointslice" => Kind::EndpointSlice,
            "ingresses" | "ingress" | "ing" => Kind::Ingress,
            "ingressclasses" | "ingressclass" => Kind::IngressClass,
            "deployments" | "deployment" | "deploy" => Kind::Deployment,
            "replicasets" | "replicaset" | "rs" => Kind::ReplicaSet,
            "statefulsets" | "statefulset" | "sts" => Kind::StatefulSet,
            "daemonsets" | "daemonset" | "ds" => Kind::DaemonSet,
            _ => return None,
        };
        match group {
            None => Some(kind),
            Some(group) if group == kind.group() || (group == "v1" && kind.group().is_empty()) => Some(kind),
            Some(_) => None,
        }
    }

    /// The API group (`""` for the core group).
    pub fn group(self) -> &'static str {
        match self {
            Kind::Node | Kind::Namespace | Kind::Pod | Kind::Service | Kind::Endpoints => "",
            Kind::EndpointSlice => "discovery.k8s.io",
            Kind::Ingress | Kind::IngressClass => "networking.k8s.io",
            Kind::Deployment | Kind::ReplicaSet | Kind::StatefulSet | Kind::DaemonSet => "apps",
        }
    }

    /// `apiVersion` of the objects.
    pub fn api_version(self) -> &'static str {
        match self {
            Kind::Node | Kind::Namespace | Kind::Pod | Kind::Service | Kind::Endpoints => "v1",
            Kind::EndpointSlice => "discovery.k8s.io/v1",
            Kind::Ingress | Kind::IngressClass => "networking.k8s.io/v1",
            Kind::Deployment | Kind::ReplicaSet | Kind::StatefulSet | Kind::DaemonSet => "apps/v1",
        }
    }

    /// The `kind` field.
    pub fn kind_name(self) -> &'static str {
        match self {
            Kind::Node => "Node",
            Kind::Namespace => "Namespace",
            Kind::Pod => "Pod",
            Kind::Service => "Service",
            Kind::Endpoints => "Endpoints",
            Kind::EndpointSlice => "EndpointSlice",
            Kind::Ingress => "Ingress",
            Kind::IngressClass => "IngressClass",
            Kind::Deployment => "Deployment",
            Kind::ReplicaSet => "ReplicaSet",
            Kind::StatefulSet => "StatefulSet",
            Kind::DaemonSet => "DaemonSet",
        }
    }

    /// The plural resource name.
    pub fn plural(self) -> &'static str {
        match self {
            Kind::Node => "nodes",
            Kind::Namespace => "namespaces",
            Kind::Pod => "pods",
            Kind::Service => "services",
            Kind::Endpoints => "endpoints",
            Kind::EndpointSlice => "endpointslices",
            Kind::Ingress => "ingresses",
            Kind::IngressClass => "ingressclasses",
            Kind::Deployment => "deployments",
            Kind::ReplicaSet => "replicasets",
            Kind::StatefulSet => "statefulsets",
            Kind::DaemonSet => "daemonsets",
        }
    }

    /// `resource.group` as the API server's NotFound message names it (`deployments.apps`).
    pub fn qualified_plural(self) -> String {
        qualify(self.plural(), self.group())
    }

    /// `kind.group` as `-o name` prints it (`deployment.apps/web`).
    pub fn qualified_singular(self) -> String {
        qualify(&self.kind_name().to_ascii_lowercase(), self.group())
    }

    /// What `kubectl get all` lists, in its order (the lab's kinds of the `all` category).
    pub const ALL: [Kind; 6] =
        [Kind::Pod, Kind::Service, Kind::DaemonSet, Kind::Deployment, Kind::ReplicaSet, Kind::StatefulSet];

    /// Whether objects live in a namespace.
    pub fn namespaced(self) -> bool {
        !matches!(self, Kind::Node | Kind::Namespace | Kind::IngressClass)
    }
}

fn qualify(name: &str, group: &str) -> String {
    if group.is_empty() { name.to_string() } else { format!("{name}.{group}") }
}

/// One object to print, borrowed from the cluster (Endpoints are derived from slices).
#[derive(Clone, Debug)]
pub enum Object<'a> {
    Node(&'a Node),
    Namespace(&'a str),
    Pod(&'a Pod),
    Service(&'a Service),
    Endpoints(&'a Service, Vec<&'a EndpointSlice>),
    EndpointSlice(&'a EndpointSlice),
    Ingress(&'a Ingress),
    IngressClass(&'a IngressClass),
    /// A Deployment, ReplicaSet, StatefulSet or DaemonSet.
    Workload(&'a Workload),
}

impl<'a> Object<'a> {
    pub fn name(&self) -> &'a str {
        match self {
            Object::Node(node) => &node.name,
            Object::Namespace(name) => name,
            Object::Pod(pod) => &pod.name,
            Object::Service(service) | Object::Endpoints(service, _) => &service.name,
            Object::EndpointSlice(slice) => &slice.name,
            Object::Ingress(ingress) => &ingress.name,
            Object::IngressClass(class) => &class.name,
            Object::Workload(workload) => &workload.name,
        }
    }

    /// The namespace, `None` for cluster-scoped objects.
    pub fn namespace(&self) -> Option<&'a str> {
        match self {
            Object::Node(_) | Object::Namespace(_) | Object::IngressClass(_) => None,
            Object::Pod(pod) => Some(&pod.namespace),
            Object::Service(service) | Object::Endpoints(service, _) => Some(&service.namespace),
            Object::EndpointSlice(slice) => Some(&slice.namespace),
            Object::Ingress(ingress) => Some(&ingress.namespace),
            Object::Workload(workload) => Some(&workload.namespace),
        }
    }

    /// The object's labels (derived objects carry the labels their controllers set).
    pub fn labels(&self) -> Labels {
        match self {
            Object::Node(node) => node.labels.clone(),
            Object::Namespace(name) => {
                Labels::from([("kubernetes.io/metadata.name".to_string(), name.to_string())])
            }
            Object::Pod(pod) => pod.labels.clone(),
            Object::Service(service) | Object::Endpoints(service, _) => service.labels.clone(),
            Object::EndpointSlice(slice) => slice_labels(slice),
            Object::Ingress(_) | Object::IngressClass(_) => Labels::new(),
            Object::Workload(workload) => workload.labels.clone(),
        }
    }
}

/// The labels an EndpointSlice carries: the Service name, and the managing controller for
/// the lab's own slices (pkg/controller/endpointslice, `managedByValue`).
pub fn slice_labels(slice: &EndpointSlice) -> Labels {
    let mut labels = Labels::new();
    labels.insert("kubernetes.io/service-name".to_string(), slice.service_name.clone());
    if slice.managed_by_lab {
        labels.insert(
            "endpointslice.kubernetes.io/managed-by".to_string(),
            "endpointslice-controller.k8s.io".to_string(),
        );
    }
    labels
}

/// Every object of `kind`, in the API server's order (namespace, then name).
pub fn list(cluster: &Cluster, kind: Kind) -> Vec<Object<'_>> {
    match kind {
        Kind::Node => cluster.nodes.iter().map(Object::Node).collect(),
        Kind::Namespace => cluster.namespaces.iter().map(|name| Object::Namespace(name)).collect(),
        Kind::Pod => cluster.pods.iter().map(Object::Pod).collect(),
        Kind::Service => cluster.services.iter().map(Object::Service).collect(),
        // The endpoints controller keeps an Endpoints object for every Service with a selector,
        // and the API server keeps `default/kubernetes`'s own.
        Kind::Endpoints => cluster
            .services
            .iter()
            .filter(|service| {
                service.selector.is_some() || (service.namespace == "default" && service.name == "kubernetes")
            })
            .map(|service| {
                let slices = cluster
                    .endpoint_slices
                    .iter()
                    .filter(|slice| {
                        slice.namespace == service.namespace && slice.service_name == service.name
                    })
                    .collect();
                Object::Endpoints(service, slices)
            })
            .collect(),
        Kind::EndpointSlice => cluster.endpoint_slices.iter().map(Object::EndpointSlice).collect(),
        Kind::Ingress => cluster.ingresses.iter().map(Object::Ingress).collect(),
        Kind::IngressClass => cluster.ingress_classes.iter().map(Object::IngressClass).collect(),
        Kind::Deployment | Kind::ReplicaSet | Kind::StatefulSet | Kind::DaemonSet => cluster
            .workloads
            .iter()
            .filter(|workload| workload.kind == kind.kind_name())
            .map(Object::Workload)
            .collect(),
    }
}

/// The pods a controller owns: listed by the controller, or naming it as their owner.
pub fn owned_pods<'a>(workload: &'a Workload, pods: &'a [Pod]) -> impl Iterator<Item = &'a Pod> + 'a {
    pods.iter().filter(move |pod| {
        pod.namespace == workload.namespace
            && (workload.pods.contains(&pod.name)
                || pod.owner.as_ref().is_some_and(|(kind, name)| *kind == workload.kind && *name == workload.name))
    })
}
