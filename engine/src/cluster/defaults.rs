//! The blog post's cluster: what the lab assumes when the manifests leave something out.
//!
//! Part of `cluster::build`. Facts from the seed post and
//! `reference/calico-metallb-ingress.md` §1: a kubeadm cluster with one control plane and two
//! workers on 172.16.120.0/24, Calico's manifest install (IPIP Always, BIRD) with its default
//! pool, kube-proxy in iptables mode, CoreDNS, and a client at 172.16.120.61. A user who pastes
//! only a Deployment and a Service gets this working lab around it.

use std::net::Ipv4Addr;

use crate::cluster::spec::{ClusterIpRequest, Origin, PodTemplate, ServiceSpec, WorkloadKind, WorkloadSpec};
use crate::cluster::{
    Container, ContainerPort, EncapMode, Endpoint, EndpointPort, EndpointSlice, ExternalHost, IpPool, Labels, Node,
    Service, ServicePort, ServiceType, Taint, TargetPort, Toleration,
};
use crate::net::{Cidr, Protocol};

/// The underlay subnet of the post's machines (the /24 is an assumption, see §1.6).
pub const UNDERLAY: (Ipv4Addr, u8) = (Ipv4Addr::new(172, 16, 120, 0), 24);
/// The underlay default gateway (assumed `.1`).
pub const GATEWAY: Ipv4Addr = Ipv4Addr::new(172, 16, 120, 1);
/// The post's client outside the cluster.
pub const CLIENT: Ipv4Addr = Ipv4Addr::new(172, 16, 120, 61);
/// The control-plane role label and taint key (kubeadm).
pub const CONTROL_PLANE_ROLE: &str = "node-role.kubernetes.io/control-plane";
/// kubelet's version as `kubectl get nodes` prints it: the release that ships CoreDNS v1.11.3.
pub const KUBELET_VERSION: &str = "v1.31.0";
/// `--service-cluster-ip-range` of kubeadm.
pub const SERVICE_CIDR: (Ipv4Addr, u8) = (Ipv4Addr::new(10, 96, 0, 0), 12);
/// `--service-node-port-range`.
pub const NODE_PORT_RANGE: (u16, u16) = (30000, 32767);
/// The `kubernetes` Service's ClusterIP: the first address of the Service CIDR.
pub const KUBERNETES_SERVICE_IP: Ipv4Addr = Ipv4Addr::new(10, 96, 0, 1);
/// kubeadm's cluster DNS address: the tenth address of the Service CIDR.
pub const KUBE_DNS_IP: Ipv4Addr = Ipv4Addr::new(10, 96, 0, 10);
/// The API server's secure port.
pub const API_SERVER_PORT: u16 = 6443;
/// CoreDNS's image in kubeadm v1.31.
pub const COREDNS_IMAGE: &str = "registry.k8s.io/coredns/coredns:v1.11.3";

/// The control plane's InternalIP, where the API server listens.
pub const CONTROL_PLANE_IP: Ipv4Addr = Ipv4Addr::new(172, 16, 120, 62);

/// The post's nodes: (name, InternalIP, control plane).
const NODES: [(&str, Ipv4Addr, bool); 3] = [
    ("controlplane", CONTROL_PLANE_IP, true),
    ("node1", Ipv4Addr::new(172, 16, 120, 63), false),
    ("node2", Ipv4Addr::new(172, 16, 120, 64), false),
];

/// The blocks the post's nodes own. node1 and node2 are the post's (node1's tunl0 is
/// 192.168.56.128, the nginx pod 192.168.231.166 is on node2); the control plane's block is
/// the lab's choice (the post does not show it).
pub const BLOCKS: [(&str, Ipv4Addr); 3] = [
    ("controlplane", Ipv4Addr::new(192, 168, 49, 64)),
    ("node1", Ipv4Addr::new(192, 168, 56, 128)),
    ("node2", Ipv4Addr::new(192, 168, 231, 128)),
];

fn labels(pairs: &[(&str, &str)]) -> Labels {
    crate::sort::map_of(pairs.iter().map(|(key, value)| (key.to_string(), value.to_string())))
}

/// The labels kubelet puts on its own Node at registration (`kubelet_node_status.go`),
/// added when missing so selectors such as CoreDNS's `kubernetes.io/os: linux` work.
pub fn add_kubelet_labels(node: &mut Node) {
    let name = node.name.clone();
    for (key, value) in [
        ("beta.kubernetes.io/arch", "amd64"),
        ("beta.kubernetes.io/os", "linux"),
        ("kubernetes.io/arch", "amd64"),
        ("kubernetes.io/hostname", name.as_str()),
        ("kubernetes.io/os", "linux"),
    ] {
        node.labels.entry(key.to_string()).or_insert_with(|| value.to_string());
    }
}

/// The underlay subnet as a prefix.
pub fn underlay() -> Cidr {
    Cidr::new(UNDERLAY.0, UNDERLAY.1).unwrap_or_else(|| Cidr::host(UNDERLAY.0))
}

/// The post's three nodes; the control plane carries kubeadm's role label and taint.
pub fn nodes() -> Vec<Node> {
    NODES
        .iter()
        .map(|(name, internal_ip, control_plane)| {
            let mut node = Node {
                name: name.to_string(),
                labels: Labels::new(),
                annotations: Labels::new(),
                taints: Vec::new(),
                unschedulable: false,
                internal_ip: *internal_ip,
                external_ip: None,
                subnet: underlay(),
                gateway: GATEWAY,
                blocks: Vec::new(),
                tunnel_ip: None,
                control_plane: *control_plane,
                kubelet_version: KUBELET_VERSION.to_string(),
            };
            if *control_plane {
                node.labels.insert(CONTROL_PLANE_ROLE.to_string(), String::new());
                node.labels
                    .insert("node.kubernetes.io/exclude-from-external-load-balancers".to_string(), String::new());
                node.taints.push(Taint {
                    key: CONTROL_PLANE_ROLE.to_string(),
                    value: None,
                    effect: "NoSchedule".to_string(),
                });
            }
            add_kubelet_labels(&mut node);
            node
        })
        .collect()
}

/// calico-node's default pool as the manifest install creates it
/// (`CALICO_IPV4POOL_CIDR` 192.168.0.0/16, block size 26, `CALICO_IPV4POOL_IPIP: Always`,
/// VXLAN Never, natOutgoing true).
pub fn ip_pool() -> IpPool {
    IpPool {
        name: "default-ipv4-ippool".to_string(),
        cidr: Cidr::new(Ipv4Addr::new(192, 168, 0, 0), 16).unwrap_or_else(|| Cidr::host(Ipv4Addr::UNSPECIFIED)),
        block_size: 26,
        ipip_mode: EncapMode::Always,
        vxlan_mode: EncapMode::Never,
        nat_outgoing: true,
        disabled: false,
    }
}

/// The post's block affinities as (node, block), for a pool with `block_size`.
pub fn block_affinities(block_size: u8) -> Vec<(String, Cidr)> {
    BLOCKS
        .iter()
        .filter_map(|(node, network)| Cidr::new(*network, block_size).map(|block| (node.to_string(), block)))
        .collect()
}

/// The Service CIDR.
pub fn service_cidr() -> Cidr {
    Cidr::new(SERVICE_CIDR.0, SERVICE_CIDR.1).unwrap_or_else(|| Cidr::host(KUBERNETES_SERVICE_IP))
}

/// The client host, on the first node's subnet: the post's 172.16.120.61, or address 61 of
/// another subnet (walking forward past node addresses).
pub fn client(subnet: Cidr, gateway: Ipv4Addr, taken: &[Ipv4Addr]) -> Option<ExternalHost> {
    let preferred = if subnet.contains(CLIENT) { u64::from(CLIENT.octets()[3]) } else { 61 };
    let size = subnet.size();
    (0..size)
        .map(|step| (preferred + step) % size)
        .filter(|index| *index != 0 && *index + 1 != size)
        .filter_map(|index| subnet.nth(index))
        .find(|address| *address != gateway && !taken.contains(address))
        .map(|ip| ExternalHost { name: "client".to_string(), ip, subnet, gateway })
}

/// The `default/kubernetes` Service (created by the apiserver's bootstrap controller).
pub fn kubernetes_service(cluster_ip: Ipv4Addr) -> ServiceSpec {
    ServiceSpec {
        service: Service {
            namespace: "default".to_string(),
            name: "kubernetes".to_string(),
            labels: labels(&[("component", "apiserver"), ("provider", "kubernetes")]),
            service_type: ServiceType::ClusterIp,
            ports: vec![ServicePort {
                name: Some("https".to_string()),
                protocol: Protocol::Tcp,
                port: 443,
                target_port: TargetPort::Number(API_SERVER_PORT),
                node_port: None,
            }],
            selector: None,
            ..Service::default()
        },
        cluster_ip: ClusterIpRequest::Given(cluster_ip),
        allocate_load_balancer_node_ports: true,
        origin: Origin::lab("Service default/kubernetes"),
    }
}

/// The `default/kubernetes` EndpointSlice the apiserver's endpoint reconciler keeps: each
/// API server's address on port `https` 6443.
pub fn kubernetes_endpoint_slice(api_servers: &[Ipv4Addr]) -> EndpointSlice {
    EndpointSlice {
        namespace: "default".to_string(),
        name: "kubernetes".to_string(),
        service_name: "kubernetes".to_string(),
        address_type: "IPv4".to_string(),
        endpoints: api_servers
            .iter()
            .map(|address| Endpoint { addresses: vec![*address], ready: Some(true), ..Endpoint::default() })
            .collect(),
        ports: vec![EndpointPort {
            name: Some("https".to_string()),
            port: Some(API_SERVER_PORT),
            protocol: Protocol::Tcp,
        }],
        managed_by_lab: true,
    }
}

fn dns_ports() -> [(&'static str, u16, Protocol); 3] {
    [("dns", 53, Protocol::Udp), ("dns-tcp", 53, Protocol::Tcp), ("metrics", 9153, Protocol::Tcp)]
}

/// `kube-system/kube-dns`, kubeadm's Service in front of CoreDNS.
pub fn kube_dns_service(cluster_ip: Ipv4Addr) -> ServiceSpec {
    ServiceSpec {
        service: Service {
            namespace: "kube-system".to_string(),
            name: "kube-dns".to_string(),
            labels: labels(&[
                ("k8s-app", "kube-dns"),
                ("kubernetes.io/cluster-service", "true"),
                ("kubernetes.io/name", "CoreDNS"),
            ]),
            annotations: labels(&[("prometheus.io/port", "9153"), ("prometheus.io/scrape", "true")]),
            service_type: ServiceType::ClusterIp,
            ports: dns_ports()
                .iter()
                .map(|(name, port, protocol)| ServicePort {
                    name: Some(name.to_string()),
                    protocol: *protocol,
                    port: *port,
                    target_port: TargetPort::Number(*port),
                    node_port: None,
                })
                .collect(),
            selector: Some(labels(&[("k8s-app", "kube-dns")])),
            ..Service::default()
        },
        cluster_ip: ClusterIpRequest::Given(cluster_ip),
        allocate_load_balancer_node_ports: true,
        origin: Origin::lab("Service kube-system/kube-dns"),
    }
}

/// `kube-system/coredns`, kubeadm's Deployment: 2 replicas, tolerating the control plane.
pub fn coredns() -> WorkloadSpec {
    let selector = labels(&[("k8s-app", "kube-dns")]);
    WorkloadSpec {
        kind: WorkloadKind::Deployment,
        namespace: "kube-system".to_string(),
        name: "coredns".to_string(),
        labels: selector.clone(),
        replicas: 2,
        selector: selector.clone(),
        template: PodTemplate {
            labels: selector,
            annotations: Labels::new(),
            node_name: None,
            node_selector: labels(&[("kubernetes.io/os", "linux")]),
            tolerations: vec![
                Toleration {
                    key: Some("CriticalAddonsOnly".to_string()),
                    operator: Some("Exists".to_string()),
                    value: None,
                    effect: None,
                },
                Toleration {
                    key: Some(CONTROL_PLANE_ROLE.to_string()),
                    operator: None,
                    value: None,
                    effect: Some("NoSchedule".to_string()),
                },
            ],
            host_network: false,
            containers: vec![Container {
                name: "coredns".to_string(),
                image: COREDNS_IMAGE.to_string(),
                command: Vec::new(),
                args: vec!["-conf".to_string(), "/etc/coredns/Corefile".to_string()],
                ports: dns_ports()
                    .iter()
                    .map(|(name, port, protocol)| ContainerPort {
                        name: Some(name.to_string()),
                        container_port: *port,
                        protocol: *protocol,
                        host_port: None,
                    })
                    .collect(),
            }],
        },
        origin: Origin::lab("Deployment kube-system/coredns"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_posts_cluster() {
        let nodes = nodes();
        let summary: Vec<(String, String, String)> =
            nodes.iter().map(|node| (node.name.clone(), node.internal_ip.to_string(), node.roles())).collect();
        assert_eq!(
            summary,
            [
                ("controlplane".to_string(), "172.16.120.62".to_string(), "control-plane".to_string()),
                ("node1".to_string(), "172.16.120.63".to_string(), "<none>".to_string()),
                ("node2".to_string(), "172.16.120.64".to_string(), "<none>".to_string()),
            ]
        );
        assert_eq!(nodes[1].labels.get("kubernetes.io/hostname").map(String::as_str), Some("node1"));
        assert_eq!(ip_pool().cidr.to_string(), "192.168.0.0/16");
        let blocks: Vec<String> = block_affinities(26).iter().map(|(_, block)| block.to_string()).collect();
        assert_eq!(blocks, ["192.168.49.64/26", "192.168.56.128/26", "192.168.231.128/26"]);
        assert!(service_cidr().contains(KUBE_DNS_IP) && service_cidr().contains(KUBERNETES_SERVICE_IP));
        assert_eq!(service_cidr().nth(1), Some(KUBERNETES_SERVICE_IP));
        assert_eq!(service_cidr().nth(10), Some(KUBE_DNS_IP));
    }

    #[test]
    fn client_placement() {
        let taken = [Ipv4Addr::new(172, 16, 120, 62)];
        assert_eq!(client(underlay(), GATEWAY, &taken).unwrap().ip, CLIENT);
        let subnet: Cidr = "10.0.0.0/24".parse().unwrap();
        let taken = [Ipv4Addr::new(10, 0, 0, 61)];
        assert_eq!(client(subnet, Ipv4Addr::new(10, 0, 0, 1), &taken).unwrap().ip, Ipv4Addr::new(10, 0, 0, 62));
        let tiny: Cidr = "10.0.0.0/30".parse().unwrap();
        assert_eq!(client(tiny, Ipv4Addr::new(10, 0, 0, 1), &[Ipv4Addr::new(10, 0, 0, 2)]), None);
    }
}
