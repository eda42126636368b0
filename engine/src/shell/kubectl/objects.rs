//! Objects in their Kubernetes shape for `kubectl get -o yaml|json`: a readable subset of
//! the fields the API server would return (no `creationTimestamp`, `uid` or
//! `resourceVersion`, since the lab has no clock and no storage).

use super::printers;
use super::resource::{Kind, Object, owned_pods, slice_labels};
use super::value::Value;
use crate::cluster::{
    IngressBackend, Labels, PathType, Service, ServiceType, TargetPort, TrafficPolicy,
};
use crate::shell::Lab;

fn labels_value(labels: &Labels) -> Value {
    Value::Map(labels.iter().map(|(key, value)| (key.clone(), Value::str(value))).collect())
}

fn metadata(object: &Object<'_>, labels: &Labels, annotations: Option<&Labels>) -> Value {
    let mut meta = Value::map().with("name", Value::str(object.name()));
    if let Some(namespace) = object.namespace() {
        meta.set("namespace", Value::str(namespace));
    }
    if !labels.is_empty() {
        meta.set("labels", labels_value(labels));
    }
    if let Some(annotations) = annotations
        && !annotations.is_empty()
    {
        meta.set("annotations", labels_value(annotations));
    }
    meta
}

fn header(kind: Kind) -> Value {
    Value::map().with("apiVersion", Value::str(kind.api_version())).with("kind", Value::str(kind.kind_name()))
}

fn target_port(port: &TargetPort) -> Value {
    match port {
        TargetPort::Number(number) => Value::int(*number),
        TargetPort::Name(name) => Value::str(name),
    }
}

fn policy(policy: TrafficPolicy) -> Value {
    Value::str(match policy {
        TrafficPolicy::Cluster => "Cluster",
        TrafficPolicy::Local => "Local",
    })
}

/// The object as `kubectl get -o yaml` would show it.
pub fn to_value(lab: &Lab, object: &Object<'_>) -> Value {
    let cluster = lab.cluster();
    match object {
        Object::Node(node) => {
            let mut addresses = vec![
                Value::map().with("address", Value::str(node.internal_ip.to_string())).with("type", Value::str("InternalIP")),
            ];
            if let Some(ip) = node.external_ip {
                addresses.push(Value::map().with("address", Value::str(ip.to_string())).with("type", Value::str("ExternalIP")));
            }
            addresses.push(Value::map().with("address", Value::str(&node.name)).with("type", Value::str("Hostname")));
            let mut spec = Value::map();
            if !node.taints.is_empty() {
                let taints = node
                    .taints
                    .iter()
                    .map(|taint| {
                        Value::map()
                            .with("effect", Value::str(&taint.effect))
                            .with("key", Value::str(&taint.key))
                            .with_opt("value", taint.value.as_ref().map(Value::str))
                    })
                    .collect();
                spec.set("taints", Value::List(taints));
            }
            if node.unschedulable {
                spec.set("unschedulable", Value::Bool(true));
            }
            let node_info = Value::map()
                .with("containerRuntimeVersion", Value::str(printers::NODE_CONTAINER_RUNTIME))
                .with("kernelVersion", Value::str(printers::NODE_KERNEL_VERSION))
                .with("kubeletVersion", Value::str(&node.kubelet_version))
                .with("osImage", Value::str(printers::NODE_OS_IMAGE));
            header(Kind::Node)
                .with("metadata", metadata(object, &node.labels, Some(&node.annotations)))
                .with("spec", spec)
                .with("status", Value::map().with("addresses", Value::List(addresses)).with("nodeInfo", node_info))
        }
        Object::Namespace(_) => header(Kind::Namespace)
            .with("metadata", metadata(object, &object.labels(), None))
            .with("spec", Value::map().with("finalizers", Value::List(vec![Value::str("kubernetes")])))
            .with("status", Value::map().with("phase", Value::str("Active"))),
        Object::Pod(pod) => {
            let containers = pod
                .containers
                .iter()
                .map(|container| {
                    let mut value = Value::map().with("name", Value::str(&container.name)).with("image", Value::str(&container.image));
                    if !container.command.is_empty() {
                        value.set("command", Value::List(container.command.iter().map(Value::str).collect()));
                    }
                    if !container.args.is_empty() {
                        value.set("args", Value::List(container.args.iter().map(Value::str).collect()));
                    }
                    if !container.ports.is_empty() {
                        let ports = container
                            .ports
                            .iter()
                            .map(|port| {
                                Value::map()
                                    .with("containerPort", Value::int(port.container_port))
                                    .with("protocol", Value::str(port.protocol.api_name()))
                                    .with_opt("name", port.name.as_ref().map(Value::str))
                                    .with_opt("hostPort", port.host_port.map(Value::int))
                            })
                            .collect();
                        value.set("ports", Value::List(ports));
                    }
                    value
                })
                .collect();
            let mut spec = Value::map().with("containers", Value::List(containers));
            if let Some(node) = &pod.node_name {
                spec.set("nodeName", Value::str(node));
            }
            if pod.host_network {
                spec.set("hostNetwork", Value::Bool(true));
            }
            if !pod.node_selector.is_empty() {
                spec.set("nodeSelector", labels_value(&pod.node_selector));
            }
            let mut meta = metadata(object, &pod.labels, Some(&pod.annotations));
            if let Some((kind, name)) = &pod.owner {
                let api_version = if kind == "ReplicaSet" || kind == "StatefulSet" || kind == "DaemonSet" { "apps/v1" } else { "v1" };
                meta.set(
                    "ownerReferences",
                    Value::List(vec![
                        Value::map()
                            .with("apiVersion", Value::str(api_version))
                            .with("controller", Value::Bool(true))
                            .with("kind", Value::str(kind))
                            .with("name", Value::str(name)),
                    ]),
                );
            }
            let mut status = Value::map().with("phase", Value::str(printers::pod_phase(pod)));
            let host_ip = pod
                .node_name
                .as_ref()
                .and_then(|name| cluster.nodes.iter().find(|node| node.name == *name))
                .map(|node| node.internal_ip.to_string());
            if let Some(host_ip) = host_ip {
                status.set("hostIP", Value::str(&host_ip));
                status.set("hostIPs", Value::List(vec![Value::map().with("ip", Value::str(host_ip))]));
            }
            if let Some(ip) = pod.ip {
                status.set("podIP", Value::str(ip.to_string()));
                status.set("podIPs", Value::List(vec![Value::map().with("ip", Value::str(ip.to_string()))]));
            }
            header(Kind::Pod).with("metadata", meta).with("spec", spec).with("status", status)
        }
        Object::Service(service) => service_value(object, service),
        Object::Endpoints(service, slices) => {
            let subsets: Vec<Value> = slices
                .iter()
                .filter_map(|slice| {
                    let mut ready = Vec::new();
                    let mut not_ready = Vec::new();
                    for endpoint in &slice.endpoints {
                        for address in &endpoint.addresses {
                            let mut value = Value::map().with("ip", Value::str(address.to_string()));
                            if let Some(node) = &endpoint.node_name {
                                value.set("nodeName", Value::str(node));
                            }
                            if let Some(pod) = &endpoint.target_pod {
                                let (namespace, name) = pod.split_once('/').unwrap_or(("", pod));
                                value.set(
                                    "targetRef",
                                    Value::map().with("kind", Value::str("Pod")).with("name", Value::str(name)).with("namespace", Value::str(namespace)),
                                );
                            }
                            if endpoint.ready == Some(false) { not_ready.push(value) } else { ready.push(value) }
                        }
                    }
                    if ready.is_empty() && not_ready.is_empty() {
                        return None;
                    }
                    let ports = slice
                        .ports
                        .iter()
                        .map(|port| {
                            Value::map()
                                .with_opt("name", port.name.as_ref().map(Value::str))
                                .with_opt("port", port.port.map(Value::int))
                                .with("protocol", Value::str(port.protocol.api_name()))
                        })
                        .collect();
                    let mut subset = Value::map().with("ports", Value::List(ports));
                    if !ready.is_empty() {
                        subset.set("addresses", Value::List(ready));
                    }
                    if !not_ready.is_empty() {
                        subset.set("notReadyAddresses", Value::List(not_ready));
                    }
                    Some(subset)
                })
                .collect();
            let mut value = header(Kind::Endpoints).with("metadata", metadata(object, &service.labels, None));
            if !subsets.is_empty() {
                value.set("subsets", Value::List(subsets));
            }
            value
        }
        Object::EndpointSlice(slice) => {
            let endpoints = slice
                .endpoints
                .iter()
                .map(|endpoint| {
                    let mut conditions = Value::map();
                    if let Some(ready) = endpoint.ready {
                        conditions.set("ready", Value::Bool(ready));
                    }
                    if let Some(serving) = endpoint.serving {
                        conditions.set("serving", Value::Bool(serving));
                    }
                    if let Some(terminating) = endpoint.terminating {
                        conditions.set("terminating", Value::Bool(terminating));
                    }
                    let mut value = Value::map()
                        .with("addresses", Value::List(endpoint.addresses.iter().map(|ip| Value::str(ip.to_string())).collect()))
                        .with("conditions", conditions)
                        .with_opt("nodeName", endpoint.node_name.as_ref().map(Value::str))
                        .with_opt("zone", endpoint.zone.as_ref().map(Value::str));
                    if let Some(pod) = &endpoint.target_pod {
                        let (namespace, name) = pod.split_once('/').unwrap_or(("", pod));
                        value.set(
                            "targetRef",
                            Value::map().with("kind", Value::str("Pod")).with("name", Value::str(name)).with("namespace", Value::str(namespace)),
                        );
                    }
                    value
                })
                .collect();
            let ports = slice
                .ports
                .iter()
                .map(|port| {
                    // The EndpointSlice controller writes `name: ""` for an unnamed Service port.
                    let name = match (&port.name, slice.managed_by_lab) {
                        (Some(name), _) => Some(Value::str(name)),
                        (None, true) => Some(Value::str("")),
                        (None, false) => None,
                    };
                    Value::map()
                        .with_opt("name", name)
                        .with_opt("port", port.port.map(Value::int))
                        .with("protocol", Value::str(port.protocol.api_name()))
                })
                .collect();
            let mut meta = metadata(object, &slice_labels(slice), None);
            if slice.managed_by_lab {
                meta.set(
                    "ownerReferences",
                    Value::List(vec![
                        Value::map()
                            .with("apiVersion", Value::str("v1"))
                            .with("blockOwnerDeletion", Value::Bool(true))
                            .with("controller", Value::Bool(true))
                            .with("kind", Value::str("Service"))
                            .with("name", Value::str(&slice.service_name)),
                    ]),
                );
            }
            header(Kind::EndpointSlice)
                .with("addressType", Value::str(&slice.address_type))
                .with("endpoints", Value::List(endpoints))
                .with("metadata", meta)
                .with("ports", Value::List(ports))
        }
        Object::Ingress(ingress) => {
            let mut spec = Value::map();
            if let Some(class) = &ingress.ingress_class_name {
                spec.set("ingressClassName", Value::str(class));
            }
            if let Some(backend) = &ingress.default_backend {
                spec.set("defaultBackend", backend_value(backend));
            }
            if !ingress.rules.is_empty() {
                let rules = ingress
                    .rules
                    .iter()
                    .map(|rule| {
                        let paths = rule
                            .paths
                            .iter()
                            .map(|path| {
                                Value::map()
                                    .with("backend", backend_value(&path.backend))
                                    .with("path", Value::str(&path.path))
                                    .with(
                                        "pathType",
                                        Value::str(match path.path_type {
                                            PathType::Exact => "Exact",
                                            PathType::Prefix => "Prefix",
                                            PathType::ImplementationSpecific => "ImplementationSpecific",
                                        }),
                                    )
                            })
                            .collect();
                        Value::map()
                            .with_opt("host", rule.host.as_ref().map(Value::str))
                            .with("http", Value::map().with("paths", Value::List(paths)))
                    })
                    .collect();
                spec.set("rules", Value::List(rules));
            }
            header(Kind::Ingress)
                .with("metadata", metadata(object, &Labels::new(), Some(&ingress.annotations)))
                .with("spec", spec)
                .with("status", Value::map().with("loadBalancer", Value::map()))
        }
        Object::IngressClass(class) => {
            let mut annotations = Labels::new();
            if class.is_default {
                annotations.insert("ingressclass.kubernetes.io/is-default-class".to_string(), "true".to_string());
            }
            header(Kind::IngressClass)
                .with("metadata", metadata(object, &Labels::new(), Some(&annotations)))
                .with("spec", Value::map().with("controller", Value::str(&class.controller)))
        }
        Object::Workload(workload) => {
            let owned: Vec<_> = owned_pods(workload, &cluster.pods).collect();
            let ready = owned.iter().filter(|pod| pod.ready && pod.node_name.is_some()).count();
            let ready = i64::try_from(ready).unwrap_or(i64::MAX);
            let current = i64::try_from(owned.len()).unwrap_or(i64::MAX);
            let kind = Kind::parse(&workload.kind).unwrap_or(Kind::Deployment);
            let selector = Value::map().with("matchLabels", labels_value(&workload.selector));
            let mut spec = Value::map().with("selector", selector);
            let status = match kind {
                Kind::DaemonSet => Value::map()
                    .with("currentNumberScheduled", Value::int(current))
                    .with("desiredNumberScheduled", Value::int(current))
                    .with("numberAvailable", Value::int(ready))
                    .with("numberReady", Value::int(ready))
                    .with("updatedNumberScheduled", Value::int(current)),
                _ => {
                    spec.set("replicas", Value::int(workload.replicas));
                    let mut status = Value::map()
                        .with("availableReplicas", Value::int(ready))
                        .with("readyReplicas", Value::int(ready))
                        .with("replicas", Value::int(current));
                    if kind != Kind::ReplicaSet {
                        status.set("updatedReplicas", Value::int(current));
                    }
                    status
                }
            };
            header(kind)
                .with("metadata", metadata(object, &workload.labels, None))
                .with("spec", spec)
                .with("status", status)
        }
    }
}

fn backend_value(backend: &IngressBackend) -> Value {
    let port = match &backend.port {
        TargetPort::Number(number) => Value::map().with("number", Value::int(*number)),
        TargetPort::Name(name) => Value::map().with("name", Value::str(name)),
    };
    Value::map().with("service", Value::map().with("name", Value::str(&backend.service_name)).with("port", port))
}

fn service_value(object: &Object<'_>, service: &Service) -> Value {
    let mut spec = Value::map().with("type", Value::str(service.service_type.api_name()));
    match (service.cluster_ip, service.service_type) {
        (Some(ip), _) => {
            spec.set("clusterIP", Value::str(ip.to_string()));
            spec.set("clusterIPs", Value::List(vec![Value::str(ip.to_string())]));
        }
        (None, ServiceType::ExternalName) => {}
        (None, _) => {
            spec.set("clusterIP", Value::str("None"));
            spec.set("clusterIPs", Value::List(vec![Value::str("None")]));
        }
    }
    if service.service_type != ServiceType::ExternalName {
        spec.set("ipFamilies", Value::List(vec![Value::str("IPv4")]));
        spec.set("ipFamilyPolicy", Value::str("SingleStack"));
        spec.set("internalTrafficPolicy", policy(service.internal_traffic_policy));
    }
    if matches!(service.service_type, ServiceType::NodePort | ServiceType::LoadBalancer) {
        spec.set("externalTrafficPolicy", policy(service.external_traffic_policy));
    }
    if let Some(name) = &service.external_name {
        spec.set("externalName", Value::str(name));
    }
    if !service.external_ips.is_empty() {
        spec.set("externalIPs", Value::List(service.external_ips.iter().map(|ip| Value::str(ip.to_string())).collect()));
    }
    if !service.ports.is_empty() {
        let ports = service
            .ports
            .iter()
            .map(|port| {
                Value::map()
                    .with_opt("name", port.name.as_ref().map(Value::str))
                    .with_opt("nodePort", port.node_port.map(Value::int))
                    .with("port", Value::int(port.port))
                    .with("protocol", Value::str(port.protocol.api_name()))
                    .with("targetPort", target_port(&port.target_port))
            })
            .collect();
        spec.set("ports", Value::List(ports));
    }
    if let Some(selector) = &service.selector {
        spec.set("selector", labels_value(selector));
    }
    match service.session_affinity_timeout {
        Some(timeout) => {
            spec.set("sessionAffinity", Value::str("ClientIP"));
            spec.set(
                "sessionAffinityConfig",
                Value::map().with("clientIP", Value::map().with("timeoutSeconds", Value::int(timeout))),
            );
        }
        None => spec.set("sessionAffinity", Value::str("None")),
    }
    if let Some(port) = service.health_check_node_port {
        spec.set("healthCheckNodePort", Value::int(port));
    }
    if let Some(ip) = service.load_balancer_ip {
        spec.set("loadBalancerIP", Value::str(ip.to_string()));
    }
    if !service.load_balancer_source_ranges.is_empty() {
        spec.set(
            "loadBalancerSourceRanges",
            Value::List(service.load_balancer_source_ranges.iter().map(|cidr| Value::str(cidr.to_string())).collect()),
        );
    }
    let mut load_balancer = Value::map();
    if !service.load_balancer_ingress.is_empty() {
        let ingress = service
            .load_balancer_ingress
            .iter()
            .map(|entry| {
                Value::map()
                    .with_opt("ip", entry.ip.map(|ip| Value::str(ip.to_string())))
                    .with_opt("hostname", entry.hostname.as_ref().map(Value::str))
                    .with_opt("ipMode", entry.ip_mode.as_ref().map(Value::str))
            })
            .collect();
        load_balancer.set("ingress", Value::List(ingress));
    }
    header(Kind::Service)
        .with("metadata", metadata(object, &service.labels, Some(&service.annotations)))
        .with("spec", spec)
        .with("status", Value::map().with("loadBalancer", load_balancer))
}
