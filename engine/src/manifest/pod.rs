//! `v1 Pod` and the pod spec that workloads template (core/v1 `types.go`).

use std::collections::BTreeMap;
use std::net::Ipv4Addr;

use super::decode::{Cx, Fields};
use super::meta::{NameRule, ObjectMeta, read_meta};
use super::node::{TAINT_EFFECTS, TaintEffect, require_name};
use crate::diagnostic::{Problem, Reason};
use crate::net::Protocol;
use crate::yaml;

/// The annotation where Calico's CNI plugin asks for fixed pod IPs, a JSON list such as
/// `["192.168.231.166"]` (`cni-plugin/pkg/k8s/k8s.go`).
pub const CALICO_IP_ADDRS_ANNOTATION: &str = "cni.projectcalico.org/ipAddrs";

/// A `v1 Pod`.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Pod {
    pub metadata: ObjectMeta,
    pub spec: PodSpec,
    /// `status.podIP`, when pasted from a running cluster.
    pub pod_ip: Option<Ipv4Addr>,
    /// `status.conditions[type=Ready].status`: `Some(true)` for `"True"`.
    pub ready: Option<bool>,
    /// The addresses requested by the `cni.projectcalico.org/ipAddrs` annotation.
    pub calico_ip_addrs: Vec<Ipv4Addr>,
}

/// The parts of a pod spec the lab uses.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct PodSpec {
    /// `spec.nodeName`: the node the pod is bound to, if already scheduled.
    pub node_name: Option<String>,
    pub node_selector: BTreeMap<String, String>,
    pub tolerations: Vec<Toleration>,
    /// `spec.hostNetwork`: the pod uses its node's network namespace and IP.
    pub host_network: bool,
    pub containers: Vec<Container>,
}

/// One container.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Container {
    pub name: String,
    pub image: Option<String>,
    pub command: Vec<String>,
    pub args: Vec<String>,
    pub ports: Vec<ContainerPort>,
}

/// A `containers[].ports[]` entry.
#[derive(Clone, Debug, PartialEq)]
pub struct ContainerPort {
    pub name: Option<String>,
    pub container_port: u16,
    /// Defaults to TCP.
    pub protocol: Protocol,
    /// `hostPort`: the port is also opened on the node (by the CNI portmap plugin).
    pub host_port: Option<u16>,
}

/// A `spec.tolerations` entry.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Toleration {
    pub key: Option<String>,
    /// Defaults to `Equal`.
    pub operator: TolerationOperator,
    pub value: Option<String>,
    /// `None` tolerates every effect.
    pub effect: Option<TaintEffect>,
    pub toleration_seconds: Option<i64>,
}

/// `Equal` or `Exists`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TolerationOperator {
    Equal,
    Exists,
}

pub(crate) const PROTOCOLS: &[(&str, Protocol)] =
    &[("TCP", Protocol::Tcp), ("UDP", Protocol::Udp), ("SCTP", Protocol::Sctp)];

/// Pod spec fields that are real but do not change networking in the lab.
const IGNORED_POD_SPEC: &[&str] = &[
    "dnsPolicy",
    "dnsConfig",
    "restartPolicy",
    "schedulerName",
    "securityContext",
    "serviceAccount",
    "serviceAccountName",
    "automountServiceAccountToken",
    "terminationGracePeriodSeconds",
    "volumes",
    "initContainers",
    "enableServiceLinks",
    "preemptionPolicy",
    "priority",
    "priorityClassName",
    "imagePullSecrets",
    "affinity",
    "topologySpreadConstraints",
    "hostname",
    "subdomain",
    "hostAliases",
    "hostPID",
    "hostIPC",
    "shareProcessNamespace",
    "runtimeClassName",
    "overhead",
    "readinessGates",
    "activeDeadlineSeconds",
    "ephemeralContainers",
    "os",
    "setHostnameAsFQDN",
];

/// Container fields that are real but do not change networking in the lab.
const IGNORED_CONTAINER: &[&str] = &[
    "resources",
    "livenessProbe",
    "readinessProbe",
    "startupProbe",
    "env",
    "envFrom",
    "volumeMounts",
    "volumeDevices",
    "imagePullPolicy",
    "terminationMessagePath",
    "terminationMessagePolicy",
    "securityContext",
    "workingDir",
    "lifecycle",
    "stdin",
    "stdinOnce",
    "tty",
    "resizePolicy",
    "restartPolicy",
];

pub(crate) fn read_pod(cx: &mut Cx<'_>, fields: &mut Fields<'_>) -> Pod {
    let metadata_node = fields.take("metadata");
    let metadata_path = fields.path_of("metadata");
    let metadata = read_meta(cx, metadata_node.clone(), NameRule::Subdomain, true);
    require_name(cx, fields, &metadata);
    let mut pod = Pod {
        metadata,
        ..Pod::default()
    };
    if let Some(text) = pod.metadata.annotations.get(CALICO_IP_ADDRS_ANNOTATION).cloned() {
        let path = super::decode::key_path(&format!("{metadata_path}.annotations"), CALICO_IP_ADDRS_ANNOTATION);
        let position = metadata_node
            .and_then(|(m, _)| m.get("annotations"))
            .and_then(|a| a.get(CALICO_IP_ADDRS_ANNOTATION))
            .map(|n| n.position)
            .unwrap_or(fields.position);
        match super::json_list::string_list(&text).ok_or(()) {
            Ok(list) => {
                for entry in list {
                    match entry.parse::<Ipv4Addr>() {
                        Ok(address) => pod.calico_ip_addrs.push(address),
                        Err(_) => cx.error(
                            position,
                            &path,
                            Problem::InvalidValue {
                                value: entry,
                                reason: Reason::NotAnIpv4Address,
                            },
                        ),
                    }
                }
            }
            Err(_) => cx.error(
                position,
                &path,
                Problem::InvalidValue {
                    value: text,
                    reason: Reason::CalicoIpListExpected,
                },
            ),
        }
    }
    if let Some(spec) = fields.required_map(cx, "spec") {
        pod.spec = read_pod_spec(cx, spec);
    }
    if let Some(mut status) = fields.map(cx, "status") {
        pod.pod_ip = status.ipv4(cx, "podIP");
        let conditions = status.list(cx, "conditions", |cx, item, path| {
            let mut f = cx.map(item, path)?;
            let kind = f.string(cx, "type");
            let value = f.string(cx, "status");
            f.ignore_rest();
            f.finish(cx);
            Some((kind?, value?))
        });
        pod.ready = conditions
            .iter()
            .find(|(kind, _)| kind == "Ready")
            .map(|(_, value)| value == "True");
        status.ignore_rest();
        status.finish(cx);
    }
    pod
}

/// Reads a pod spec (of a Pod or a workload's template).
pub(crate) fn read_pod_spec(cx: &mut Cx<'_>, mut spec: Fields<'_>) -> PodSpec {
    let mut out = PodSpec {
        node_name: spec.string(cx, "nodeName"),
        ..PodSpec::default()
    };
    out.node_selector = spec.string_map(cx, "nodeSelector");
    out.host_network = spec.bool(cx, "hostNetwork").unwrap_or(false);
    out.tolerations = spec.list(cx, "tolerations", read_toleration);
    let containers = spec.take("containers");
    match containers {
        Some((node, path)) => {
            out.containers = cx.list(node, &path, read_container);
            if out.containers.is_empty() && matches!(&node.value, yaml::Value::Seq(items) if items.is_empty()) {
                cx.error(
                    node.position,
                    &path,
                    Problem::MissingField {
                        field: "containers".to_string(),
                    },
                );
            }
        }
        None => spec.missing(cx, "containers"),
    }
    spec.ignore(IGNORED_POD_SPEC);
    spec.finish(cx);
    out
}

fn read_toleration(cx: &mut Cx<'_>, item: &yaml::Node, path: &str) -> Option<Toleration> {
    let mut f = cx.map(item, path)?;
    let key = f.string(cx, "key");
    let operator = f
        .one_of(
            cx,
            "operator",
            &[
                ("Equal", TolerationOperator::Equal),
                ("Exists", TolerationOperator::Exists),
            ],
        )
        .unwrap_or(TolerationOperator::Equal);
    let value = f.string(cx, "value");
    let effect = f.one_of(cx, "effect", TAINT_EFFECTS);
    let toleration_seconds = f.int(cx, "tolerationSeconds");
    f.finish(cx);
    Some(Toleration {
        key,
        operator,
        value,
        effect,
        toleration_seconds,
    })
}

fn read_container(cx: &mut Cx<'_>, item: &yaml::Node, path: &str) -> Option<Container> {
    let mut f = cx.map(item, path)?;
    let name = f.required_string(cx, "name");
    if let (Some(name), Some((node, name_path))) = (&name, f.take("name"))
        && let Some(reason) = super::meta::name_problem(name, NameRule::Label)
    {
        cx.invalid(node, &name_path, reason);
    }
    let image = f.string(cx, "image");
    let command = f.strings(cx, "command");
    let args = f.strings(cx, "args");
    let ports = f.list(cx, "ports", |cx, item, path| {
        let mut p = cx.map(item, path)?;
        let name = p.string(cx, "name");
        let container_port = p.port(cx, "containerPort");
        if container_port.is_none() && !p.has("containerPort") {
            p.missing(cx, "containerPort");
        }
        let protocol = p.one_of(cx, "protocol", PROTOCOLS).unwrap_or(Protocol::Tcp);
        let host_port = p.port(cx, "hostPort");
        p.ignore(&["hostIP"]);
        p.finish(cx);
        Some(ContainerPort {
            name,
            container_port: container_port?,
            protocol,
            host_port,
        })
    });
    f.ignore(IGNORED_CONTAINER);
    f.finish(cx);
    Some(Container {
        name: name?,
        image,
        command,
        args,
        ports,
    })
}
