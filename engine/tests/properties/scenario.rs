//! Random but valid clusters for the property tests, rendered as the YAML a learner would paste.
//!
//! Pipeline position: test input for the whole engine (`manifest::parse` onwards). A
//! [`Scenario`] is plain data drawn by proptest (so failures shrink); [`Scenario::yaml`] prints
//! it as multi-document YAML. Everything drawn here is valid Kubernetes: unique names, unique
//! ports, NodePorts inside 30000-32767 and never shared, `externalTrafficPolicy` only where the
//! API server accepts it, named ports on multi-port Services.

use std::fmt::Write as _;

use proptest::prelude::*;

/// Calico's encapsulation of the pool.
#[derive(Clone, Copy, Debug)]
pub enum Encapsulation {
    IpipAlways,
    IpipCrossSubnet,
    VxlanAlways,
    VxlanCrossSubnet,
    Never,
}

#[derive(Clone, Debug)]
pub struct Pool {
    /// The second octet of `10.X.0.0/16`.
    pub octet: u8,
    pub block_size: u8,
    pub encapsulation: Encapsulation,
    pub nat_outgoing: bool,
}

#[derive(Clone, Debug)]
pub struct Deployment {
    pub replicas: u8,
    /// Which of the shared label values the pods carry (`tier: a|b`).
    pub tier: bool,
    pub container_port: u16,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    ClusterIp,
    Headless,
    NodePort,
    LoadBalancer,
    ExternalName,
}

#[derive(Clone, Debug)]
pub struct Port {
    pub protocol: &'static str,
    pub port: u16,
    /// Target the container port by its name `http` instead of its number.
    pub named_target: bool,
    /// Ask for this NodePort (offset into 30000-32767, made unique when printed).
    pub node_port: Option<u16>,
}

#[derive(Clone, Debug)]
pub struct Service {
    pub kind: Kind,
    /// `Some(i)`: select the pods of Deployment `i` (which may not exist); `None`: selector-less
    /// with a hand-written EndpointSlice.
    pub selects: Option<usize>,
    /// Also select on `tier`.
    pub tier: Option<bool>,
    pub ports: Vec<Port>,
    pub external_local: bool,
    pub internal_local: bool,
    pub affinity: Option<u32>,
    pub source_ranges: Vec<(u8, u8)>,
    pub external_ips: Vec<u8>,
    /// Addresses (last octet on 172.16.120.0/24) of the EndpointSlice of a selector-less Service.
    pub slice_addresses: Vec<u8>,
    /// A status address instead of MetalLB's.
    pub status_ip: Option<u8>,
}

#[derive(Clone, Debug)]
pub struct Scenario {
    pub nodes: u8,
    /// Nodes from index `split` on are on 172.16.121.0/24 instead of the post's 172.16.120.0/24
    /// (CrossSubnet matters).
    pub split: u8,
    pub control_plane: bool,
    pub pool: Option<Pool>,
    pub metallb: bool,
    pub deployments: Vec<Deployment>,
    pub services: Vec<Service>,
}

fn encapsulation() -> impl Strategy<Value = Encapsulation> {
    prop_oneof![
        Just(Encapsulation::IpipAlways),
        Just(Encapsulation::IpipCrossSubnet),
        Just(Encapsulation::VxlanAlways),
        Just(Encapsulation::VxlanCrossSubnet),
        Just(Encapsulation::Never),
    ]
}

fn pool() -> impl Strategy<Value = Pool> {
    (0u8..=3, 24u8..=28, encapsulation(), any::<bool>()).prop_map(|(octet, block_size, encapsulation, nat_outgoing)| Pool {
        octet: octet.saturating_add(240),
        block_size,
        encapsulation,
        nat_outgoing,
    })
}

fn deployment() -> impl Strategy<Value = Deployment> {
    (0u8..=5, any::<bool>(), prop_oneof![Just(80u16), Just(8080), 1u16..=65535]).prop_map(
        |(replicas, tier, container_port)| Deployment { replicas, tier, container_port },
    )
}

fn kind() -> impl Strategy<Value = Kind> {
    prop_oneof![
        3 => Just(Kind::ClusterIp),
        1 => Just(Kind::Headless),
        3 => Just(Kind::NodePort),
        3 => Just(Kind::LoadBalancer),
        1 => Just(Kind::ExternalName),
    ]
}

fn port() -> impl Strategy<Value = Port> {
    (
        prop_oneof![6 => Just("TCP"), 2 => Just("UDP"), 1 => Just("SCTP")],
        1u16..=65535,
        any::<bool>(),
        proptest::option::of(0u16..2768),
    )
        .prop_map(|(protocol, port, named_target, node_port)| Port { protocol, port, named_target, node_port })
}

fn service() -> impl Strategy<Value = Service> {
    (
        kind(),
        proptest::option::weighted(0.8, 0usize..5),
        proptest::option::of(any::<bool>()),
        proptest::collection::vec(port(), 1..=3),
        (any::<bool>(), any::<bool>()),
        proptest::option::of(prop_oneof![Just(10800u32), 1u32..=86400]),
        proptest::collection::vec((0u8..=255, 8u8..=32), 0..=2),
        proptest::collection::vec(1u8..=254, 0..=2),
        proptest::collection::vec(1u8..=254, 0..=3),
        proptest::option::of(100u8..=120),
    )
        .prop_map(
            |(kind, selects, tier, ports, (external_local, internal_local), affinity, source_ranges, external_ips, slice_addresses, status_ip)| Service {
                kind,
                selects,
                tier,
                ports,
                external_local,
                internal_local,
                affinity,
                source_ranges,
                external_ips,
                slice_addresses,
                status_ip,
            },
        )
}

/// Whole clusters: 1-6 nodes, an optional pool and MetalLB, up to 4 Deployments and 6 Services.
pub fn scenario() -> impl Strategy<Value = Scenario> {
    (
        1u8..=6,
        0u8..=6,
        any::<bool>(),
        proptest::option::of(pool()),
        any::<bool>(),
        proptest::collection::vec(deployment(), 0..=4),
        proptest::collection::vec(service(), 0..=6),
    )
        .prop_map(|(nodes, split, control_plane, pool, metallb, deployments, services)| Scenario {
            nodes,
            split,
            control_plane,
            pool,
            metallb,
            deployments,
            services,
        })
}

impl Scenario {
    /// The manifests as one multi-document YAML text.
    pub fn yaml(&self) -> String {
        let mut out = String::new();
        self.write_nodes(&mut out);
        if let Some(pool) = &self.pool {
            write_pool(&mut out, pool);
        }
        if self.metallb {
            out.push_str(
                "---\napiVersion: metallb.io/v1beta1\nkind: IPAddressPool\nmetadata:\n  name: lab\n  namespace: metallb-system\nspec:\n  addresses:\n    - 172.16.120.200-172.16.120.250\n---\napiVersion: metallb.io/v1beta1\nkind: L2Advertisement\nmetadata:\n  name: lab\n  namespace: metallb-system\n",
            );
        }
        for (index, deployment) in self.deployments.iter().enumerate() {
            write_deployment(&mut out, index, deployment);
        }
        let mut node_ports = NodePorts::default();
        for (index, service) in self.services.iter().enumerate() {
            write_service(&mut out, index, service, &mut node_ports);
        }
        out
    }

    fn write_nodes(&self, out: &mut String) {
        for index in 0..self.nodes {
            let control_plane = self.control_plane && index == 0;
            let subnet = if index >= self.split { 121 } else { 120 };
            let name = if control_plane { "cp".to_string() } else { format!("node{index}") };
            let _ = write!(out, "---\napiVersion: v1\nkind: Node\nmetadata:\n  name: {name}\n");
            if control_plane {
                out.push_str("  labels:\n    node-role.kubernetes.io/control-plane: \"\"\nspec:\n  taints:\n    - key: node-role.kubernetes.io/control-plane\n      effect: NoSchedule\n");
            }
            let _ = write!(
                out,
                "status:\n  addresses:\n    - type: InternalIP\n      address: 172.16.{subnet}.{}\n",
                u16::from(index) + 10
            );
        }
    }
}

fn write_pool(out: &mut String, pool: &Pool) {
    let (ipip, vxlan) = match pool.encapsulation {
        Encapsulation::IpipAlways => ("Always", "Never"),
        Encapsulation::IpipCrossSubnet => ("CrossSubnet", "Never"),
        Encapsulation::VxlanAlways => ("Never", "Always"),
        Encapsulation::VxlanCrossSubnet => ("Never", "CrossSubnet"),
        Encapsulation::Never => ("Never", "Never"),
    };
    let _ = write!(
        out,
        "---\napiVersion: projectcalico.org/v3\nkind: IPPool\nmetadata:\n  name: pool\nspec:\n  cidr: 10.{}.0.0/16\n  blockSize: {}\n  ipipMode: {ipip}\n  vxlanMode: {vxlan}\n  natOutgoing: {}\n",
        pool.octet, pool.block_size, pool.nat_outgoing
    );
}

fn tier(value: bool) -> &'static str {
    if value { "a" } else { "b" }
}

fn write_deployment(out: &mut String, index: usize, deployment: &Deployment) {
    let _ = write!(
        out,
        "---\napiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: app{index}\nspec:\n  replicas: {}\n  selector:\n    matchLabels:\n      app: app{index}\n  template:\n    metadata:\n      labels:\n        app: app{index}\n        tier: {}\n    spec:\n      containers:\n        - name: main\n          image: example/app{index}\n          ports:\n            - name: http\n              containerPort: {}\n",
        deployment.replicas,
        tier(deployment.tier),
        deployment.container_port
    );
}

/// NodePorts already taken, so that every Service gets its own.
#[derive(Default)]
struct NodePorts(Vec<u16>);

impl NodePorts {
    fn take(&mut self, offset: u16) -> u16 {
        let mut port = 30000 + offset % 2768;
        while self.0.contains(&port) {
            port = if port == 32767 { 30000 } else { port + 1 };
        }
        self.0.push(port);
        port
    }
}

fn write_service(out: &mut String, index: usize, service: &Service, node_ports: &mut NodePorts) {
    let type_name = match service.kind {
        Kind::ClusterIp | Kind::Headless => "ClusterIP",
        Kind::NodePort => "NodePort",
        Kind::LoadBalancer => "LoadBalancer",
        Kind::ExternalName => "ExternalName",
    };
    let _ = write!(out, "---\napiVersion: v1\nkind: Service\nmetadata:\n  name: svc{index}\nspec:\n  type: {type_name}\n");
    if service.kind == Kind::ExternalName {
        let _ = writeln!(out, "  externalName: svc{index}.example.com");
        return;
    }
    if service.kind == Kind::Headless {
        out.push_str("  clusterIP: None\n");
    }
    if let Some(deployment) = service.selects {
        let _ = write!(out, "  selector:\n    app: app{deployment}\n");
        if let Some(value) = service.tier {
            let _ = writeln!(out, "    tier: {}", tier(value));
        }
    }
    let external = matches!(service.kind, Kind::NodePort | Kind::LoadBalancer);
    if external && service.external_local {
        out.push_str("  externalTrafficPolicy: Local\n");
    }
    if service.internal_local {
        out.push_str("  internalTrafficPolicy: Local\n");
    }
    if let Some(timeout) = service.affinity.filter(|_| service.kind != Kind::Headless) {
        let _ = write!(out, "  sessionAffinity: ClientIP\n  sessionAffinityConfig:\n    clientIP:\n      timeoutSeconds: {timeout}\n");
    }
    if service.kind == Kind::LoadBalancer && !service.source_ranges.is_empty() {
        out.push_str("  loadBalancerSourceRanges:\n");
        for (octet, prefix) in &service.source_ranges {
            let network = u32::from_be_bytes([172, 16, 120, *octet]) & u32::MAX.checked_shl(32 - u32::from(*prefix)).unwrap_or(0);
            let _ = writeln!(out, "    - {}/{prefix}", std::net::Ipv4Addr::from(network));
        }
    }
    if service.kind != Kind::Headless && !service.external_ips.is_empty() {
        out.push_str("  externalIPs:\n");
        for octet in &service.external_ips {
            let _ = writeln!(out, "    - 192.168.50.{octet}");
        }
    }
    out.push_str("  ports:\n");
    let mut used = Vec::new();
    for (number, port) in service.ports.iter().enumerate() {
        // Ports of one Service differ in (port, protocol); bump clashes.
        let mut value = port.port;
        while used.contains(&(value, port.protocol)) {
            value = value.checked_add(1).unwrap_or(1);
        }
        used.push((value, port.protocol));
        let _ = write!(out, "    - name: p{number}\n      protocol: {}\n      port: {value}\n", port.protocol);
        if service.selects.is_some() {
            if port.named_target {
                out.push_str("      targetPort: http\n");
            } else {
                let _ = writeln!(out, "      targetPort: {}", port.port);
            }
        }
        if let Some(offset) = port.node_port.filter(|_| external) {
            let _ = writeln!(out, "      nodePort: {}", node_ports.take(offset));
        }
    }
    if let Some(octet) = service.status_ip.filter(|_| service.kind == Kind::LoadBalancer) {
        let _ = write!(out, "status:\n  loadBalancer:\n    ingress:\n      - ip: 172.16.120.{octet}\n");
    }
    if service.selects.is_none() && !service.slice_addresses.is_empty() {
        write_slice(out, index, service, &used);
    }
}

fn write_slice(out: &mut String, index: usize, service: &Service, ports: &[(u16, &str)]) {
    let _ = write!(
        out,
        "---\napiVersion: discovery.k8s.io/v1\nkind: EndpointSlice\nmetadata:\n  name: svc{index}-manual\n  labels:\n    kubernetes.io/service-name: svc{index}\naddressType: IPv4\nendpoints:\n"
    );
    let mut addresses = service.slice_addresses.clone();
    addresses.sort_unstable();
    addresses.dedup();
    for octet in addresses {
        let _ = write!(out, "  - addresses: [\"172.16.120.{octet}\"]\n    conditions:\n      ready: true\n");
    }
    out.push_str("ports:\n");
    for (number, (port, protocol)) in ports.iter().enumerate() {
        let _ = write!(out, "  - name: p{number}\n    port: {port}\n    protocol: {protocol}\n");
    }
}
