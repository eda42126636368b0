//! Manifests -> Cluster: defaults, controllers, scheduling, Calico IPAM, Service
//! allocation and EndpointSlices, in the order a real cluster does them.
//!
//! `cluster::intake` reads `manifest::Manifests` into a [`spec::Input`](crate::cluster::spec::Input);
//! [`resolve`] then runs the steps. Every step is deterministic (sorted inputs, hashes instead
//! of random numbers), so the same manifests always give a byte-identical [`Cluster`].

use std::collections::BTreeSet;
use std::net::Ipv4Addr;

use crate::cluster::ipam::{Ipam, IpamError, Use};
use crate::cluster::naming::veth_name;
use crate::cluster::schedule::{Request, Scheduler};
use crate::cluster::spec::{Input, Origin, WorkloadKind};
use crate::cluster::workloads::{MAX_PODS, PodWork, materialise, selector_fits_template};
use crate::cluster::{
    Cluster, EncapMode, EndpointSlice, IpPool, KubeProxyConfig, Node, Pod, Workload, defaults, endpoints, intake,
    services,
};
use crate::diagnostic::{Diagnostic, LabDefault, Problem, Reason, Subject};
use crate::manifest::Manifests;

/// The annotation that pins a pod's address (`cni.projectcalico.org/ipAddrs`, a JSON list).
pub const IP_ADDRS_ANNOTATION: &str = "cni.projectcalico.org/ipAddrs";
/// The annotation calico-node writes with a node's tunl0 address.
pub const IPIP_TUNNEL_ANNOTATION: &str = "projectcalico.org/IPv4IPIPTunnelAddr";
/// Namespaces every cluster has.
pub const SYSTEM_NAMESPACES: [&str; 4] = ["default", "kube-node-lease", "kube-public", "kube-system"];

/// Builds the cluster the manifests describe, filling gaps with the blog post's default cluster.
pub fn build(manifests: &Manifests) -> (Cluster, Vec<Diagnostic>) {
    let (mut input, mut diagnostics) = intake::read(manifests);
    if crate::ingress::contour::wanted(manifests) {
        add_contour(&mut input);
        diagnostics.push(defaulted(LabDefault::Contour));
    }
    let (mut cluster, more) = resolve(input);
    diagnostics.extend(more);
    // MetalLB's controller and Contour read the built Services and EndpointSlices.
    diagnostics.extend(crate::metallb::assign(&mut cluster));
    diagnostics.extend(crate::ingress::diagnostics(&cluster));
    (cluster, diagnostics)
}

/// Adds Contour's objects ([`crate::ingress::contour::manifests`], the `envoy` Service as
/// the post's NodePort) to the user's, as the lab's own: they carry no position in the
/// user's text, and the fixed text's own diagnostics (none are expected) are dropped.
/// Namespace, Deployments, DaemonSets and Services are all that text holds.
fn add_contour(input: &mut Input) {
    let text = crate::ingress::contour::manifests(crate::ingress::contour::EnvoyExposure::NodePort);
    let (parsed, _) = crate::manifest::parse(&text);
    let (mut contour, _) = intake::read(&parsed);
    for (_, origin) in &mut contour.namespaces {
        *origin = Origin::lab(origin.object.clone());
    }
    for workload in &mut contour.workloads {
        workload.origin = Origin::lab(workload.origin.object.clone());
    }
    for service in &mut contour.services {
        service.origin = Origin::lab(service.origin.object.clone());
    }
    input.namespaces.append(&mut contour.namespaces);
    input.workloads.append(&mut contour.workloads);
    input.services.append(&mut contour.services);
}

fn defaulted(default: LabDefault) -> Diagnostic {
    Diagnostic::info(Problem::Defaulted { default })
}

fn duplicate(origin: &Origin, kind: &str, name: &str) -> Diagnostic {
    origin.locate(
        Diagnostic::error(Problem::Duplicate { kind: kind.to_string(), name: name.to_string() }),
        "metadata.name",
    )
}

/// Keeps the first of each (kind, name); later ones get a `Duplicate` error.
fn dedupe<T>(
    items: Vec<T>,
    key: impl Fn(&T) -> (&'static str, String),
    origin: impl Fn(&T) -> &Origin,
    diagnostics: &mut Vec<Diagnostic>,
) -> Vec<T> {
    let mut seen = BTreeSet::new();
    let mut kept = Vec::new();
    for item in items {
        let (kind, name) = key(&item);
        if seen.insert((kind, name.clone())) {
            kept.push(item);
        } else {
            diagnostics.push(duplicate(origin(&item), kind, &name));
        }
    }
    kept
}

/// The nodes: given ones (sorted, with kubelet's labels), or the post's three.
fn resolve_nodes(input: &mut Input, diagnostics: &mut Vec<Diagnostic>) -> (Vec<Node>, bool) {
    let given = std::mem::take(&mut input.nodes);
    if given.is_empty() {
        let nodes = defaults::nodes();
        let summary: Vec<String> = nodes.iter().map(|node| format!("{} {}", node.name, node.internal_ip)).collect();
        diagnostics.push(defaulted(LabDefault::Nodes { nodes: summary }));
        return (nodes, true);
    }
    let given = dedupe(given, |spec| ("Node", spec.node.name.clone()), |spec| &spec.origin, diagnostics);
    let mut addresses: Vec<(Ipv4Addr, String)> = Vec::new();
    let mut nodes = Vec::new();
    for spec in given {
        if let Some((_, other)) = addresses.iter().find(|(address, _)| *address == spec.node.internal_ip) {
            diagnostics.push(spec.origin.locate(
                Diagnostic::error(Problem::Clash {
                    what: Subject::NodeAddress,
                    value: spec.node.internal_ip.to_string(),
                    other: format!("Node {other}"),
                }),
                "status.addresses",
            ));
            continue;
        }
        addresses.push((spec.node.internal_ip, spec.node.name.clone()));
        let mut node = spec.node;
        defaults::add_kubelet_labels(&mut node);
        if node.labels.contains_key(defaults::CONTROL_PLANE_ROLE) {
            node.control_plane = true;
        }
        if node.kubelet_version.is_empty() {
            node.kubelet_version = defaults::KUBELET_VERSION.to_string();
        }
        nodes.push(node);
    }
    crate::sort::by(&mut nodes, |a, b| a.name.cmp(&b.name));
    (nodes, false)
}

/// The IP pools: valid given ones, or calico-node's default pool.
fn resolve_pools(input: &mut Input, diagnostics: &mut Vec<Diagnostic>) -> Vec<IpPool> {
    let given = std::mem::take(&mut input.ip_pools);
    let given = dedupe(given, |spec| ("IPPool", spec.pool.name.clone()), |spec| &spec.origin, diagnostics);
    let mut pools: Vec<IpPool> = Vec::new();
    for spec in given {
        let pool = spec.pool;
        if !(20..=32).contains(&pool.block_size) || pool.block_size < pool.cidr.prefix_len() {
            diagnostics.push(spec.origin.locate(
                Diagnostic::error(Problem::InvalidValue {
                    value: pool.block_size.to_string(),
                    reason: Reason::BlockSizeRange { prefix: pool.cidr.prefix_len() },
                }),
                "spec.blockSize",
            ));
            continue;
        }
        if pool.ipip_mode != EncapMode::Never && pool.vxlan_mode != EncapMode::Never {
            diagnostics.push(spec.origin.locate(
                Diagnostic::error(Problem::InvalidValue {
                    value: "ipipMode, vxlanMode".to_string(),
                    reason: Reason::PoolCannotUseBoth,
                }),
                "spec.vxlanMode",
            ));
            continue;
        }
        if let Some(other) =
            pools.iter().find(|other| other.cidr.contains_cidr(&pool.cidr) || pool.cidr.contains_cidr(&other.cidr))
        {
            diagnostics.push(spec.origin.locate(
                Diagnostic::error(Problem::Clash {
                    what: Subject::PoolCidr,
                    value: pool.cidr.to_string(),
                    other: format!("IPPool {} ({})", other.name, other.cidr),
                }),
                "spec.cidr",
            ));
            continue;
        }
        if pool.vxlan_mode != EncapMode::Never {
            diagnostics.push(spec.origin.locate(
                Diagnostic::warning(Problem::NotEmulated {
                    feature: Subject::Vxlan,
                    detail: Reason::IpipAndRoutingOnly,
                }),
                "spec.vxlanMode",
            ));
        }
        pools.push(pool);
    }
    if pools.is_empty() {
        let pool = defaults::ip_pool();
        diagnostics.push(defaulted(LabDefault::IpPool {
            name: pool.name.clone(),
            cidr: pool.cidr.to_string(),
            block_size: pool.block_size,
        }));
        return vec![pool];
    }
    crate::sort::by(&mut pools, |a, b| a.name.cmp(&b.name));
    pools
}

fn ipam_text(error: &IpamError) -> Reason {
    match error {
        IpamError::NotInPool => Reason::NotInPool,
        IpamError::Taken { holder } => Reason::AlreadyUsedBy { holder: holder.clone() },
        IpamError::BlockTaken { node } => Reason::BlockAffine { node: node.clone() },
        IpamError::Exhausted { pools } => Reason::NoFreeAddress { pools: pools.clone() },
    }
}

/// The pools an exhausted allocation looked in, for `Problem::Exhausted`'s range.
fn exhausted_range(error: &IpamError) -> String {
    match error {
        IpamError::Exhausted { pools } => pools.clone(),
        other => ipam_text(other).to_string(),
    }
}

/// Claims blocks (BlockAffinity objects, or the post's blocks) and gives every node its tunl0
/// address when a pool uses IPIP.
fn claim_blocks_and_tunnels(
    input: &Input,
    nodes: &mut [Node],
    ipam: &mut Ipam,
    default_blocks: bool,
    ipip: bool,
    diagnostics: &mut Vec<Diagnostic>,
) {
    for affinity in &input.block_affinities {
        if !nodes.iter().any(|node| node.name == affinity.node) {
            diagnostics.push(affinity.origin.locate(
                Diagnostic::warning(Problem::Missing { kind: "Node".to_string(), name: affinity.node.clone() }),
                "spec.node",
            ));
            continue;
        }
        if ipam.block_of(affinity.cidr.network()) != Some(affinity.cidr) {
            diagnostics.push(affinity.origin.locate(
                Diagnostic::error(Problem::InvalidValue {
                    value: affinity.cidr.to_string(),
                    reason: Reason::NotABlockOfPool,
                }),
                "spec.cidr",
            ));
            continue;
        }
        if let Err(error) = ipam.claim(&affinity.node, affinity.cidr) {
            diagnostics.push(affinity.origin.locate(
                Diagnostic::error(Problem::InvalidValue {
                    value: affinity.cidr.to_string(),
                    reason: ipam_text(&error),
                }),
                "spec.cidr",
            ));
        }
    }
    if default_blocks {
        for (node, block) in defaults::block_affinities(26) {
            if ipam.block_of(block.network()) == Some(block) && nodes.iter().any(|candidate| candidate.name == node) {
                // The post's blocks only apply to the default pool; a failure just means "not these".
                let _ = ipam.claim(&node, block);
            }
        }
    }
    if !ipip {
        return;
    }
    for node in nodes.iter_mut() {
        let handle = format!("tunl0 of node {}", node.name);
        if let Some(text) = node.annotations.get(IPIP_TUNNEL_ANNOTATION).cloned() {
            let object = format!("Node {}", node.name);
            let origin = input
                .nodes
                .iter()
                .find(|spec| spec.node.name == node.name)
                .map_or_else(|| Origin::lab(object.clone()), |spec| spec.origin.clone());
            let path = format!("metadata.annotations[{IPIP_TUNNEL_ANNOTATION}]");
            match text.trim().parse::<Ipv4Addr>() {
                Ok(address) => match ipam.assign(address, Some(&node.name), &handle) {
                    Ok(()) => {
                        node.tunnel_ip = Some(address);
                        continue;
                    }
                    Err(error) => diagnostics.push(origin.locate(
                        Diagnostic::warning(Problem::InvalidValue { value: text.clone(), reason: ipam_text(&error) }),
                        &path,
                    )),
                },
                Err(_) => diagnostics.push(origin.locate(
                    Diagnostic::warning(Problem::InvalidValue {
                        value: text.clone(),
                        reason: Reason::TunnelAddressAllocated,
                    }),
                    &path,
                )),
            }
        }
        match ipam.auto_assign(&node.name, Use::IpipTunnel, &handle) {
            Ok(address) => node.tunnel_ip = Some(address),
            Err(error) => diagnostics.push(Diagnostic::warning(Problem::Exhausted {
                what: Subject::TunnelAddress { node: node.name.clone() },
                range: exhausted_range(&error),
            })),
        }
    }
}

/// The address a pod asks for: the `ipAddrs` annotation, else `status.podIP`.
enum Pin {
    None,
    Annotation(Ipv4Addr),
    Status(Ipv4Addr),
    /// The annotation is malformed: the CNI plugin would fail, so the pod gets no address.
    Broken,
}

fn pin_of(work: &PodWork, diagnostics: &mut Vec<Diagnostic>) -> Pin {
    let path = || format!("metadata.annotations[{IP_ADDRS_ANNOTATION}]");
    if let Some(text) = work.pod.annotations.get(IP_ADDRS_ANNOTATION) {
        let parsed = crate::manifest::json_list::string_list(text)
            .and_then(|list| list.iter().find_map(|item| item.trim().parse::<Ipv4Addr>().ok()));
        return match parsed {
            Some(address) => {
                if let Some(status) = work.status_ip
                    && status != address
                {
                    diagnostics.push(work.origin.locate(
                        Diagnostic::warning(Problem::InvalidValue {
                            value: status.to_string(),
                            reason: Reason::AnnotationWins {
                                annotation: IP_ADDRS_ANNOTATION.to_string(),
                                address: address.to_string(),
                            },
                        }),
                        "status.podIP",
                    ));
                }
                Pin::Annotation(address)
            }
            None => {
                diagnostics.push(work.origin.locate(
                    Diagnostic::error(Problem::InvalidValue {
                        value: text.clone(),
                        reason: Reason::IpAddrsAnnotationFormat,
                    }),
                    &path(),
                ));
                Pin::Broken
            }
        };
    }
    match work.status_ip {
        Some(address) => Pin::Status(address),
        None => Pin::None,
    }
}

fn pin_address(pin: &Pin) -> Option<Ipv4Addr> {
    match pin {
        Pin::Annotation(address) | Pin::Status(address) => Some(*address),
        Pin::None | Pin::Broken => None,
    }
}

/// Schedules every pod in creation order: the lab's own pods first (they exist before
/// anything is applied), then the user's pods bound by `spec.nodeName` (and DaemonSet pods),
/// then the rest by `namespace/name`.
fn schedule_pods(works: &mut [PodWork], pins: &[Pin], nodes: &[Node], ipam: &Ipam, diagnostics: &mut Vec<Diagnostic>) {
    let mut scheduler = Scheduler::new();
    let mut order: Vec<usize> = (0..works.len()).collect();
    crate::sort::by_key(&mut order, |index| {
        works.get(*index).map(|work| {
            (!work.lab_default, work.bound_node.is_none(), work.pod.namespace.clone(), work.pod.name.clone())
        })
    });
    for index in order {
        let preferred =
            pins.get(index).and_then(pin_address).and_then(|address| ipam.owner_of(address)).map(str::to_string);
        let Some(work) = works.get_mut(index) else { continue };
        if let Some(node_name) = work.bound_node.clone() {
            if nodes.iter().any(|node| node.name == node_name) {
                scheduler.bind(&node_name);
                work.pod.node_name = Some(node_name);
            } else {
                diagnostics.push(work.origin.locate(
                    Diagnostic::warning(Problem::Unschedulable {
                        pod: work.pod.name.clone(),
                        reason: Reason::NodeNameMissing { node: node_name.clone() },
                    }),
                    &format!("{}.nodeName", work.spec_path),
                ));
            }
            continue;
        }
        let request = Request { node_selector: &work.pod.node_selector, tolerations: &work.pod.tolerations };
        match scheduler.place(request, nodes, preferred.as_deref()) {
            Ok(node) => work.pod.node_name = Some(node),
            Err(reason) => diagnostics.push(work.origin.locate(
                Diagnostic::warning(Problem::Unschedulable { pod: work.pod.name.clone(), reason }),
                work.spec_path,
            )),
        }
    }
}

/// Gives pods their addresses: hostNetwork pods the node's, pinned pods theirs, the rest the
/// next free ordinal of their node's blocks (in `namespace/name` order).
fn address_pods(
    works: &mut [PodWork],
    pins: &[Pin],
    nodes: &[Node],
    ipam: &mut Ipam,
    diagnostics: &mut Vec<Diagnostic>,
) {
    // Pinned addresses are claimed in creation order (document order), so the first pod
    // asking for an address gets it; automatic ones go by `namespace/name`, the lab's own
    // pods (CoreDNS) first since they exist before anything is applied.
    let mut order: Vec<usize> = (0..works.len()).collect();
    crate::sort::by_key(&mut order, |index| works.get(*index).map(|work| (work.origin.document, *index)));
    let mut automatic = Vec::new();
    for index in order {
        let (Some(work), Some(pin)) = (works.get_mut(index), pins.get(index)) else { continue };
        let Some(node_name) = work.pod.node_name.clone() else { continue };
        if work.pod.host_network {
            work.pod.ip = nodes.iter().find(|node| node.name == node_name).map(|node| node.internal_ip);
            continue;
        }
        let handle = format!("pod {}", work.pod.key());
        let (address, from_annotation) = match pin {
            Pin::None => {
                automatic.push(index);
                continue;
            }
            Pin::Broken => continue,
            Pin::Annotation(address) => (*address, true),
            Pin::Status(address) => (*address, false),
        };
        let path = if from_annotation {
            format!("metadata.annotations[{IP_ADDRS_ANNOTATION}]")
        } else {
            "status.podIP".to_string()
        };
        match ipam.assign(address, Some(&node_name), &handle) {
            Ok(()) => {
                if let Some(owner) = ipam.owner_of(address).filter(|owner| *owner != node_name) {
                    diagnostics.push(work.origin.locate(
                        Diagnostic::warning(Problem::NotEmulated {
                            feature: Subject::BorrowedPodAddresses,
                            detail: Reason::BorrowedAddress {
                                address: address.to_string(),
                                owner: owner.to_string(),
                                node: node_name.to_string(),
                            },
                        }),
                        &path,
                    ));
                }
                work.pod.ip = Some(address);
            }
            Err(IpamError::NotInPool) if !from_annotation => {
                diagnostics.push(
                    work.origin.locate(
                        Diagnostic::warning(Problem::InvalidValue {
                            value: address.to_string(),
                            reason: Reason::NoRouteToAddress,
                        }),
                        &path,
                    ),
                );
                work.pod.ip = Some(address);
            }
            Err(IpamError::Taken { holder }) => diagnostics.push(work.origin.locate(
                Diagnostic::error(Problem::Clash {
                    what: Subject::PodIp,
                    value: address.to_string(),
                    other: holder,
                }),
                &path,
            )),
            Err(error) => diagnostics.push(work.origin.locate(
                Diagnostic::error(Problem::InvalidValue {
                    value: address.to_string(),
                    reason: Reason::PodGetsNoAddress(Box::new(ipam_text(&error))),
                }),
                &path,
            )),
        }
    }
    crate::sort::by_key(&mut automatic, |index| works.get(*index).map(|work| (!work.lab_default, work.pod.key())));
    // Exhaustion is told once per object, not once per replica.
    let mut exhausted: BTreeSet<String> = BTreeSet::new();
    for index in automatic {
        let Some(work) = works.get_mut(index) else { continue };
        let Some(node_name) = work.pod.node_name.clone() else { continue };
        match ipam.auto_assign(&node_name, Use::Workload, &format!("pod {}", work.pod.key())) {
            Ok(address) => work.pod.ip = Some(address),
            Err(_) if !exhausted.insert(work.origin.object.clone()) => {}
            Err(error) => diagnostics.push(work.origin.locate(
                Diagnostic::error(Problem::Exhausted {
                    what: Subject::PodAddress,
                    range: exhausted_range(&error),
                }),
                work.spec_path,
            )),
        }
    }
    for work in works.iter_mut() {
        if work.pod.ip.is_some() && !work.pod.host_network {
            work.pod.interface = Some(veth_name(&work.pod.namespace, &work.pod.name));
        }
    }
}

/// Resolves normalised input into the cluster.
pub fn resolve(mut input: Input) -> (Cluster, Vec<Diagnostic>) {
    let mut diagnostics = Vec::new();

    // Nodes, pools and the cluster-wide settings.
    let (mut nodes, nodes_defaulted) = resolve_nodes(&mut input, &mut diagnostics);
    let ip_pools = resolve_pools(&mut input, &mut diagnostics);
    let service_cidr = input.service_cidr.unwrap_or_else(defaults::service_cidr);
    let node_port_range = input.node_port_range.unwrap_or(defaults::NODE_PORT_RANGE);
    let kube_proxy = match input.kube_proxy.take() {
        Some((mut config, _)) => {
            if config.cluster_cidr.is_none() {
                config.cluster_cidr = ip_pools.first().map(|pool| pool.cidr);
            }
            config
        }
        None => {
            let config =
                KubeProxyConfig { cluster_cidr: ip_pools.first().map(|pool| pool.cidr), ..KubeProxyConfig::default() };
            let cidr = config.cluster_cidr.map(|cidr| cidr.to_string());
            diagnostics.push(defaulted(LabDefault::KubeProxy { cluster_cidr: cidr }));
            config
        }
    };

    // Calico: blocks and tunnels exist before any pod (calico-node starts first).
    let mut ipam = Ipam::new(ip_pools.clone());
    let ipip = ip_pools.iter().any(|pool| !pool.disabled && pool.ipip_mode != EncapMode::Never);
    // The post's nodes keep the post's blocks whenever the pool has them (the default pool,
    // or a pasted copy of it) and no BlockAffinity says otherwise.
    let default_blocks = nodes_defaulted && input.block_affinities.is_empty();
    claim_blocks_and_tunnels(&input, &mut nodes, &mut ipam, default_blocks, ipip, &mut diagnostics);

    // The lab's own objects, unless the user brought their own.
    let workloads_in = std::mem::take(&mut input.workloads);
    let mut workload_specs: Vec<(crate::cluster::spec::WorkloadSpec, bool)> = Vec::new();
    let has_coredns = workloads_in.iter().any(|spec| spec.namespace == "kube-system" && spec.name == "coredns");
    let has_kube_dns =
        input.services.iter().any(|spec| spec.service.namespace == "kube-system" && spec.service.name == "kube-dns");
    let has_kubernetes =
        input.services.iter().any(|spec| spec.service.namespace == "default" && spec.service.name == "kubernetes");
    if !has_coredns {
        workload_specs.push((defaults::coredns(), true));
    }
    let workloads_in = dedupe(
        workloads_in,
        |spec| (spec.kind.api_name(), format!("{}/{}", spec.namespace, spec.name)),
        |spec| &spec.origin,
        &mut diagnostics,
    );
    workload_specs.extend(workloads_in.into_iter().map(|spec| (spec, false)));
    let dns_ip = service_cidr.nth(10).unwrap_or(defaults::KUBE_DNS_IP);
    let api_ip = service_cidr.nth(1).unwrap_or(defaults::KUBERNETES_SERVICE_IP);
    if !has_coredns || !has_kube_dns {
        diagnostics.push(defaulted(LabDefault::Dns { ip: dns_ip.to_string() }));
    }

    // Controllers -> pods.
    let mut workloads: Vec<Workload> = Vec::new();
    let mut works: Vec<PodWork> = Vec::new();
    let mut capped = false;
    for (spec, lab_default) in &workload_specs {
        if !selector_fits_template(&spec.selector, &spec.template) {
            diagnostics.push(spec.origin.locate(
                Diagnostic::error(Problem::InvalidValue {
                    value: endpoints::selector_text(&spec.selector),
                    reason: Reason::SelectorEmptyOrMissesTemplate,
                }),
                "spec.selector",
            ));
            continue;
        }
        if spec.kind == WorkloadKind::DaemonSet && spec.template.node_name.is_some() {
            diagnostics.push(spec.origin.locate(
                Diagnostic::warning(Problem::InvalidValue {
                    value: spec.template.node_name.clone().unwrap_or_default(),
                    reason: Reason::DaemonSetNodeName,
                }),
                "spec.template.spec.nodeName",
            ));
        }
        let (records, mut pods) = materialise(spec, &nodes, *lab_default, &mut diagnostics);
        let room = MAX_PODS.saturating_sub(works.len());
        if pods.len() > room {
            if !std::mem::replace(&mut capped, true) {
                diagnostics.push(spec.origin.locate(
                    Diagnostic::warning(Problem::InvalidValue {
                        value: pods.len().to_string(),
                        reason: Reason::PodsCapped { max: MAX_PODS, room },
                    }),
                    "spec.replicas",
                ));
            }
            pods.truncate(room);
        }
        workloads.extend(records);
        works.extend(pods);
    }
    for spec in std::mem::take(&mut input.pods) {
        if works.len() >= MAX_PODS {
            if std::mem::replace(&mut capped, true) {
                continue;
            }
            diagnostics.push(spec.origin.locate(
                Diagnostic::warning(Problem::InvalidValue {
                    value: spec.name.clone(),
                    reason: Reason::PodCapReached { max: MAX_PODS },
                }),
                "metadata.name",
            ));
            continue;
        }
        works.push(PodWork {
            pod: Pod {
                namespace: spec.namespace.clone(),
                name: spec.name.clone(),
                labels: spec.template.labels.clone(),
                annotations: spec.template.annotations.clone(),
                node_name: None,
                node_selector: spec.template.node_selector.clone(),
                tolerations: spec.template.tolerations.clone(),
                host_network: spec.template.host_network,
                ip: None,
                interface: None,
                containers: spec.template.containers.clone(),
                owner: spec.owner.clone(),
                ready: spec.ready,
                terminating: spec.terminating,
            },
            bound_node: spec.template.node_name.clone(),
            status_ip: spec.status_ip,
            origin: spec.origin,
            spec_path: "spec",
            lab_default: false,
        });
    }
    let mut works = dedupe(works, |work| ("Pod", work.pod.key()), |work| &work.origin, &mut diagnostics);

    // Scheduling and addresses.
    let pins: Vec<Pin> = works.iter().map(|work| pin_of(work, &mut diagnostics)).collect();
    schedule_pods(&mut works, &pins, &nodes, &ipam, &mut diagnostics);
    address_pods(&mut works, &pins, &nodes, &mut ipam, &mut diagnostics);
    for node in &mut nodes {
        node.blocks = ipam.blocks_of(&node.name);
    }
    let mut pods: Vec<Pod> = works.into_iter().map(|work| work.pod).collect();
    crate::sort::by(&mut pods, |a, b| (&a.namespace, &a.name).cmp(&(&b.namespace, &b.name)));
    crate::sort::by(&mut workloads, |a, b| (&a.namespace, &a.name, &a.kind).cmp(&(&b.namespace, &b.name, &b.kind)));

    // Services: the lab's first (they exist before anything is applied), then the user's.
    let mut service_specs = Vec::new();
    if !has_kubernetes {
        service_specs.push(defaults::kubernetes_service(api_ip));
    }
    if !has_kube_dns {
        service_specs.push(defaults::kube_dns_service(dns_ip));
    }
    let user_services = dedupe(
        std::mem::take(&mut input.services),
        |spec| ("Service", spec.service.key()),
        |spec| &spec.origin,
        &mut diagnostics,
    );
    service_specs.extend(user_services);
    let (services, service_origins): (Vec<_>, Vec<_>) =
        services::allocate(service_specs, service_cidr, node_port_range, &mut diagnostics).into_iter().unzip();

    // EndpointSlices: the controller's for selector Services, pasted ones for the rest.
    let mut endpoint_slices: Vec<EndpointSlice> = Vec::new();
    // The apiserver keeps this slice itself, so it exists even when a pasted `kubernetes`
    // Service came without it.
    let has_kubernetes_slice = input
        .endpoint_slices
        .iter()
        .any(|spec| spec.slice.namespace == "default" && spec.slice.service_name == "kubernetes");
    if !has_kubernetes_slice {
        let api_servers: Vec<Ipv4Addr> =
            nodes.iter().filter(|node| node.control_plane).map(|node| node.internal_ip).collect();
        // Without a node labelled control-plane, the first node stands in for it.
        let api_servers = if api_servers.is_empty() {
            nodes.first().map_or(vec![defaults::CONTROL_PLANE_IP], |node| vec![node.internal_ip])
        } else {
            api_servers
        };
        endpoint_slices.push(defaults::kubernetes_endpoint_slice(&api_servers));
    }
    for (service, origin) in services.iter().zip(&service_origins) {
        let Some(reconciled) = endpoints::reconcile(service, &pods, &nodes) else { continue };
        if reconciled.matched_nothing {
            let selector = service.selector.as_ref().map(endpoints::selector_text).unwrap_or_default();
            diagnostics.push(
                origin.locate(Diagnostic::warning(Problem::SelectorMatchesNothing { selector }), "spec.selector"),
            );
        }
        endpoint_slices.extend(reconciled.slices);
    }
    let pasted = dedupe(
        std::mem::take(&mut input.endpoint_slices),
        |spec| ("EndpointSlice", format!("{}/{}", spec.slice.namespace, spec.slice.name)),
        |spec| &spec.origin,
        &mut diagnostics,
    );
    for spec in pasted {
        let service = services
            .iter()
            .find(|service| service.namespace == spec.slice.namespace && service.name == spec.slice.service_name);
        match service {
            Some(service) if service.selector.as_ref().is_some_and(|selector| !selector.is_empty()) => {
                diagnostics.push(spec.origin.locate(
                    Diagnostic::warning(Problem::InvalidValue {
                        value: spec.slice.name.clone(),
                        reason: Reason::SliceOfSelectorService { service: service.key() },
                    }),
                    "metadata.name",
                ));
                continue;
            }
            Some(_) => {}
            None => diagnostics.push(spec.origin.locate(
                Diagnostic::warning(Problem::Missing {
                    kind: "Service".to_string(),
                    name: format!("{}/{}", spec.slice.namespace, spec.slice.service_name),
                }),
                "metadata.labels[kubernetes.io/service-name]",
            )),
        }
        let mut slice = spec.slice;
        slice.managed_by_lab = false;
        endpoint_slices.push(slice);
    }
    crate::sort::by(&mut endpoint_slices, |a, b| (&a.namespace, &a.name).cmp(&(&b.namespace, &b.name)));

    // The client outside the cluster.
    let mut external_hosts = std::mem::take(&mut input.external_hosts);
    if !external_hosts.iter().any(|host| host.name == "client")
        && let Some(first) = nodes.first()
    {
        let taken: Vec<Ipv4Addr> =
            nodes.iter().map(|node| node.internal_ip).chain(external_hosts.iter().map(|host| host.ip)).collect();
        if let Some(client) = defaults::client(first.subnet, first.gateway, &taken) {
            external_hosts.push(client);
        }
    }
    crate::sort::by(&mut external_hosts, |a, b| a.name.cmp(&b.name));

    // Namespaces: given, implied and the system ones.
    let mut namespaces: BTreeSet<String> = crate::sort::set_of(SYSTEM_NAMESPACES.iter().map(|name| name.to_string()));
    let given_namespaces = dedupe(
        std::mem::take(&mut input.namespaces),
        |(name, _)| ("Namespace", name.clone()),
        |(_, origin)| origin,
        &mut diagnostics,
    );
    namespaces.extend(given_namespaces.into_iter().map(|(name, _)| name));
    namespaces.extend(pods.iter().map(|pod| pod.namespace.clone()));
    namespaces.extend(workloads.iter().map(|workload| workload.namespace.clone()));
    namespaces.extend(services.iter().map(|service| service.namespace.clone()));
    namespaces.extend(endpoint_slices.iter().map(|slice| slice.namespace.clone()));
    namespaces.extend(input.ingresses.iter().map(|ingress| ingress.namespace.clone()));
    namespaces.extend(input.metallb_pools.iter().map(|pool| pool.namespace.clone()));
    namespaces.extend(input.l2_advertisements.iter().map(|advertisement| advertisement.namespace.clone()));

    let mut metallb_pools = std::mem::take(&mut input.metallb_pools);
    crate::sort::by(&mut metallb_pools, |a, b| (&a.namespace, &a.name).cmp(&(&b.namespace, &b.name)));
    let mut l2_advertisements = std::mem::take(&mut input.l2_advertisements);
    crate::sort::by(&mut l2_advertisements, |a, b| (&a.namespace, &a.name).cmp(&(&b.namespace, &b.name)));
    let mut ingresses = std::mem::take(&mut input.ingresses);
    crate::sort::by(&mut ingresses, |a, b| (&a.namespace, &a.name).cmp(&(&b.namespace, &b.name)));
    let mut ingress_classes = std::mem::take(&mut input.ingress_classes);
    crate::sort::by(&mut ingress_classes, |a, b| a.name.cmp(&b.name));

    let cluster = Cluster {
        nodes,
        namespaces: namespaces.into_iter().collect(),
        workloads,
        pods,
        services,
        endpoint_slices,
        ip_pools,
        kube_proxy,
        service_cidr,
        node_port_range,
        external_hosts,
        metallb_pools,
        l2_advertisements,
        ingresses,
        ingress_classes,
    };
    (cluster, diagnostics)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cluster::spec::{ClusterIpRequest, EndpointSliceSpec, PodSpec, PodTemplate, ServiceSpec, WorkloadSpec};
    use crate::cluster::{Endpoint, Labels, Service, ServicePort, TargetPort};
    use crate::diagnostic::Severity;
    use crate::net::Protocol;

    fn labels(pairs: &[(&str, &str)]) -> Labels {
        pairs.iter().map(|(key, value)| (key.to_string(), value.to_string())).collect()
    }

    fn origin(document: usize, object: &str) -> Origin {
        Origin { document: Some(document), position: None, object: object.to_string() }
    }

    fn bare_pod(name: &str, template: PodTemplate, status_ip: Option<&str>) -> PodSpec {
        PodSpec {
            namespace: "default".to_string(),
            name: name.to_string(),
            template,
            status_ip: status_ip.map(|ip| ip.parse().unwrap()),
            ready: true,
            terminating: false,
            owner: None,
            origin: origin(0, &format!("Pod default/{name}")),
        }
    }

    fn ip(text: &str) -> Ipv4Addr {
        text.parse().unwrap()
    }

    #[test]
    fn a_full_block_claims_another() {
        let app = labels(&[("app", "many")]);
        let input = Input {
            workloads: vec![WorkloadSpec {
                kind: WorkloadKind::ReplicaSet,
                namespace: "default".to_string(),
                name: "many".to_string(),
                labels: app.clone(),
                replicas: 70,
                selector: app.clone(),
                template: PodTemplate {
                    labels: app,
                    node_selector: labels(&[("kubernetes.io/hostname", "node2")]),
                    ..PodTemplate::default()
                },
                origin: origin(0, "ReplicaSet default/many"),
            }],
            ..Input::default()
        };
        let (cluster, diagnostics) = resolve(input);
        assert!(diagnostics.iter().all(|d| d.severity == Severity::Info), "{diagnostics:?}");
        let node2 = cluster.nodes.iter().find(|node| node.name == "node2").unwrap();
        // tunl0 holds ordinal 0, so 63 pods fill 192.168.231.128/26 and 7 spill into a new block.
        assert_eq!(node2.blocks.len(), 2);
        assert_eq!(node2.blocks[0].to_string(), "192.168.231.128/26");
        let in_second = cluster.pods.iter().filter(|pod| pod.ip.is_some_and(|ip| node2.blocks[1].contains(ip))).count();
        assert_eq!(in_second, 7);
    }

    #[test]
    fn pinned_addresses_outside_pools_and_borrowed() {
        let on_node1 = PodTemplate { node_name: Some("node1".to_string()), ..PodTemplate::default() };
        let mut borrowed = on_node1.clone();
        borrowed.annotations.insert(IP_ADDRS_ANNOTATION.to_string(), "[\"192.168.231.140\"]".to_string());
        let input = Input {
            pods: vec![
                bare_pod("outside", on_node1, Some("10.1.2.3")),
                bare_pod("borrowed", borrowed, None),
                bare_pod("pinned-by-status", PodTemplate::default(), Some("192.168.231.150")),
            ],
            ..Input::default()
        };
        let (cluster, diagnostics) = resolve(input);
        let pod = |name: &str| cluster.pods.iter().find(|pod| pod.name == name).unwrap();
        assert_eq!(pod("outside").ip, Some(ip("10.1.2.3")));
        assert!(diagnostics.iter().any(|d| d.severity == Severity::Warning && d.path == "status.podIP"));
        assert_eq!(pod("borrowed").ip, Some(ip("192.168.231.140")));
        assert!(
            diagnostics
                .iter()
                .any(|d| matches!(&d.problem, Problem::NotEmulated { detail, .. } if detail.to_string().contains("node `node2`")))
        );
        // No nodeName: the address's block pulls the pod to node2.
        assert_eq!(pod("pinned-by-status").node_name.as_deref(), Some("node2"));
    }

    #[test]
    fn duplicates_and_pasted_slices() {
        let app = labels(&[("app", "web")]);
        let workload = WorkloadSpec {
            kind: WorkloadKind::Deployment,
            namespace: "default".to_string(),
            name: "web".to_string(),
            labels: app.clone(),
            replicas: 1,
            selector: app.clone(),
            template: PodTemplate { labels: app.clone(), ..PodTemplate::default() },
            origin: origin(0, "Deployment default/web"),
        };
        let mut second = workload.clone();
        second.origin = origin(1, "Deployment default/web");
        let service = |name: &str, selector: Option<Labels>, document: usize| ServiceSpec {
            service: Service {
                namespace: "default".to_string(),
                name: name.to_string(),
                ports: vec![ServicePort {
                    name: None,
                    protocol: Protocol::Tcp,
                    port: 80,
                    target_port: TargetPort::Number(80),
                    node_port: None,
                }],
                selector,
                ..Service::default()
            },
            cluster_ip: ClusterIpRequest::Allocate,
            allocate_load_balancer_node_ports: true,
            origin: origin(document, &format!("Service default/{name}")),
        };
        let slice = |name: &str, service_name: &str, document: usize| EndpointSliceSpec {
            slice: EndpointSlice {
                namespace: "default".to_string(),
                name: name.to_string(),
                service_name: service_name.to_string(),
                address_type: "IPv4".to_string(),
                endpoints: vec![Endpoint { addresses: vec![ip("172.16.120.200")], ..Endpoint::default() }],
                ports: Vec::new(),
                managed_by_lab: false,
            },
            origin: origin(document, &format!("EndpointSlice default/{name}")),
        };
        let input = Input {
            workloads: vec![workload, second],
            services: vec![service("external", None, 2), service("web", Some(app), 3)],
            endpoint_slices: vec![slice("external-1", "external", 4), slice("web-manual", "web", 5)],
            ..Input::default()
        };
        let (cluster, diagnostics) = resolve(input);
        let duplicate = diagnostics.iter().find(|d| matches!(d.problem, Problem::Duplicate { .. })).unwrap();
        assert_eq!((duplicate.document, duplicate.severity), (Some(1), Severity::Error));
        assert_eq!(cluster.pods.iter().filter(|pod| pod.namespace == "default").count(), 1);
        let names: Vec<&str> = cluster.endpoint_slices.iter().map(|slice| slice.name.as_str()).collect();
        assert!(names.contains(&"external-1"));
        assert!(!names.contains(&"web-manual"));
        assert!(diagnostics.iter().any(|d| d.document == Some(5) && d.severity == Severity::Warning));
        let kept = cluster.endpoint_slices.iter().find(|slice| slice.name == "external-1").unwrap();
        assert!(!kept.managed_by_lab);
    }
}
