//! What the topology diagram shows, taken from the engine's cluster and hosts.
//!
//! Sits between the engine and [`crate::layout`]: `cluster::build` gives the [`Cluster`]
//! (nodes, pods with their IPs and `cali…` devices, Services with their virtual IPs) and
//! `dataplane::hosts` gives each host's devices; [`Scene::new`] keeps only what the picture
//! needs, as plain values the layout maths and the SVG component can read without knowing
//! the engine's types.

use std::net::Ipv4Addr;

use engine::cluster::{Cluster, ServiceType};
use engine::dataplane::{self, Host, HostKind};

/// The whole picture's content.
#[derive(Clone, Debug, PartialEq, Default)]
pub struct Scene {
    /// Machines outside the cluster (the post's client).
    pub externals: Vec<ExternalBox>,
    pub nodes: Vec<NodeBox>,
    pub services: Vec<ServiceBox>,
    /// The underlay subnet, e.g. `172.16.120.0/24`.
    pub underlay: String,
    /// Pods that no node took (unschedulable), by `namespace/name`.
    pub pending_pods: Vec<String>,
}

#[derive(Clone, Debug, PartialEq)]
pub struct ExternalBox {
    pub name: String,
    pub ip: Ipv4Addr,
}

#[derive(Clone, Debug, PartialEq)]
pub struct NodeBox {
    pub name: String,
    pub control_plane: bool,
    /// eth0's address (the node's InternalIP).
    pub eth0: Option<Ipv4Addr>,
    /// tunl0's address when Calico's IPIP is on.
    pub tunl0: Option<Ipv4Addr>,
    pub pods: Vec<PodBox>,
}

#[derive(Clone, Debug, PartialEq)]
pub struct PodBox {
    /// `namespace/name`, the host name the engine uses for it.
    pub key: String,
    /// The name as shown: without the namespace when it is `default`.
    pub label: String,
    pub ip: Option<Ipv4Addr>,
    /// The host side of its veth (`cali…`); `None` for hostNetwork pods.
    pub interface: Option<String>,
}

#[derive(Clone, Debug, PartialEq)]
pub struct ServiceBox {
    /// `namespace/name`.
    pub key: String,
    pub label: String,
    pub service_type: ServiceType,
    /// The virtual IP; `None` for headless and ExternalName Services.
    pub cluster_ip: Option<Ipv4Addr>,
    /// `8080/TCP` or `8080:31000/TCP`, comma-separated, as `kubectl get svc` prints PORT(S).
    pub ports: String,
    /// LoadBalancer addresses; empty means `<pending>` for a LoadBalancer.
    pub load_balancer_ips: Vec<Ipv4Addr>,
}

impl Scene {
    pub fn new(cluster: &Cluster, hosts: &[Host]) -> Scene {
        let externals = hosts
            .iter()
            .filter(|host| host.kind == HostKind::External)
            .filter_map(|host| {
                let ip = host.link("eth0").and_then(|link| link.primary_address()).or_else(|| {
                    cluster.external_hosts.iter().find(|external| external.name == host.name).map(|e| e.ip)
                })?;
                Some(ExternalBox { name: host.name.clone(), ip })
            })
            .collect();
        let nodes = cluster
            .nodes
            .iter()
            .map(|node| {
                let host = dataplane::find(hosts, &node.name);
                let address = |device: &str| host.and_then(|host| host.link(device)).and_then(|link| link.primary_address());
                let pods = cluster
                    .pods
                    .iter()
                    .filter(|pod| pod.node_name.as_deref() == Some(node.name.as_str()))
                    .map(|pod| PodBox {
                        key: pod.key(),
                        label: short_name(&pod.namespace, &pod.name),
                        ip: pod.ip,
                        interface: pod.interface.clone(),
                    })
                    .collect();
                NodeBox {
                    name: node.name.clone(),
                    control_plane: node.control_plane,
                    eth0: address("eth0").or(Some(node.internal_ip)),
                    tunl0: address("tunl0").or(node.tunnel_ip),
                    pods,
                }
            })
            .collect();
        let services = cluster
            .services
            .iter()
            .map(|service| ServiceBox {
                key: service.key(),
                label: short_name(&service.namespace, &service.name),
                service_type: service.service_type,
                cluster_ip: service.cluster_ip,
                ports: service
                    .ports
                    .iter()
                    .map(|port| match port.node_port {
                        Some(node_port) => format!("{}:{}/{}", port.port, node_port, protocol(port.protocol)),
                        None => format!("{}/{}", port.port, protocol(port.protocol)),
                    })
                    .collect::<Vec<_>>()
                    .join(","),
                load_balancer_ips: service.load_balancer_ingress.iter().filter_map(|ingress| ingress.ip).collect(),
            })
            .collect();
        let underlay = cluster.nodes.first().map(|node| node.subnet.to_string()).unwrap_or_default();
        let pending_pods = cluster.pods.iter().filter(|pod| pod.node_name.is_none()).map(|pod| pod.key()).collect();
        Scene { externals, nodes, services, underlay, pending_pods }
    }

    pub fn pod_count(&self) -> usize {
        self.nodes.iter().map(|node| node.pods.len()).sum()
    }
}

/// The protocol as `kubectl get svc` prints it in PORT(S) (`TCP`).
fn protocol(protocol: engine::net::Protocol) -> String {
    protocol.to_string().to_uppercase()
}

/// `name` in the default namespace, `namespace/name` elsewhere.
fn short_name(namespace: &str, name: &str) -> String {
    if namespace == "default" { name.to_string() } else { format!("{namespace}/{name}") }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn scene(text: &str) -> Scene {
        let (manifests, _) = engine::manifest::parse(text);
        let (cluster, _) = engine::cluster::build(&manifests);
        let hosts = engine::dataplane::hosts(&cluster);
        Scene::new(&cluster, &hosts)
    }

    #[test]
    fn the_posts_nodeport_example() {
        let scene = scene(crate::examples::Example::NodePort.text());
        // The post's client and the post's three machines on 172.16.120.0/24.
        assert_eq!(scene.externals.first().map(|e| e.ip), Some(Ipv4Addr::new(172, 16, 120, 61)));
        let names: Vec<&str> = scene.nodes.iter().map(|n| n.name.as_str()).collect();
        assert_eq!(names, ["controlplane", "node1", "node2"]);
        assert_eq!(scene.underlay, "172.16.120.0/24");
        // node1's tunl0 is the post's 192.168.56.128; the nginx pod sits on node2 at .166.
        let node1 = &scene.nodes[1];
        assert_eq!(node1.tunl0, Some(Ipv4Addr::new(192, 168, 56, 128)));
        let node2 = &scene.nodes[2];
        let nginx = node2.pods.iter().find(|p| p.label == "nginx").expect("nginx on node2");
        assert_eq!(nginx.ip, Some(Ipv4Addr::new(192, 168, 231, 166)));
        assert!(nginx.interface.as_deref().is_some_and(|i| i.starts_with("cali") && i.len() == 15));
        let service = scene.services.iter().find(|s| s.label == "sample-service").expect("service");
        assert_eq!(service.service_type, ServiceType::NodePort);
        assert_eq!(service.ports, "8080:31000/TCP");
        // Allocated from kubeadm's Service CIDR 10.96.0.0/12.
        assert!(service.cluster_ip.is_some_and(|ip| ip.octets()[0] == 10 && (96..112).contains(&ip.octets()[1])));
    }

    #[test]
    fn a_loadbalancer_without_provider_has_no_address() {
        let scene = scene(crate::examples::Example::LoadBalancer.text());
        let service = scene.services.iter().find(|s| s.label == "sample-lb").expect("service");
        assert_eq!(service.service_type, ServiceType::LoadBalancer);
        assert!(service.load_balancer_ips.is_empty());
        assert!(scene.pod_count() >= 2);
    }
}
