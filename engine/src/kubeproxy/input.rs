//! What one node's kube-proxy knows when it syncs: its node, the Services, the
//! EndpointSlices and its effective settings.
//!
//! Part of the kube-proxy stage. [`ProxierInput`] is the low-level, upstream-shaped input
//! (like the fields of `NewFakeProxier` plus the informer caches), so kube-proxy's own tests
//! port one to one; [`ProxierInput::from_cluster`] derives it from the resolved
//! [`Cluster`](crate::cluster::Cluster) for one node.

use std::net::Ipv4Addr;

use crate::cluster::{Cluster, EndpointSlice, Service};

use super::config::ProxierConfig;

/// The label kube-proxy reads the node's zone from (`v1.LabelTopologyZone`).
pub const TOPOLOGY_ZONE_LABEL: &str = "topology.kubernetes.io/zone";

/// The inputs of one `syncProxyRules` run on one node (IPv4 family).
#[derive(Clone, Debug)]
pub struct ProxierInput<'a> {
    /// `--hostname-override` / the Node name; endpoints with this `nodeName` are local.
    pub node_name: String,
    /// The node's primary IP (`nodeIP`), used by the LB source-range "allow from node" rule.
    pub node_ip: Ipv4Addr,
    /// Every address on the node's interfaces (`InterfaceAddrs`), for `--nodeport-addresses`.
    pub node_addresses: Vec<Ipv4Addr>,
    /// The node's `topology.kubernetes.io/zone` label, for topology hints.
    pub node_zone: Option<String>,
    pub services: &'a [Service],
    pub endpoint_slices: &'a [EndpointSlice],
    pub config: ProxierConfig,
}

impl<'a> ProxierInput<'a> {
    /// The input of `node`'s kube-proxy in `cluster`, or `None` when there is no such node.
    ///
    /// The node's interface addresses are `127.0.0.1` (lo), the InternalIP (eth0) and, with
    /// Calico IPIP, the tunl0 address. The node's `spec.podCIDR` is not modelled, so
    /// `detectLocalMode: NodeCIDR` leaves the detector unimplemented.
    pub fn from_cluster(cluster: &'a Cluster, node: &str) -> Option<ProxierInput<'a>> {
        let node = cluster.nodes.iter().find(|candidate| candidate.name == node)?;
        let mut node_addresses = vec![Ipv4Addr::LOCALHOST, node.internal_ip];
        node_addresses.extend(node.tunnel_ip);
        Some(ProxierInput {
            node_name: node.name.clone(),
            node_ip: node.internal_ip,
            node_addresses,
            node_zone: node.labels.get(TOPOLOGY_ZONE_LABEL).cloned(),
            services: &cluster.services,
            endpoint_slices: &cluster.endpoint_slices,
            config: ProxierConfig::from_kube_proxy(&cluster.kube_proxy, None),
        })
    }

    /// The node of upstream's `NewFakeProxier`: `test-node`, primary IP 192.168.0.2, and the
    /// fake network's addresses (lo 127.0.0.1; eth0 192.168.0.2, 192.168.1.2, 192.168.99.11).
    pub fn upstream_fake(services: &'a [Service], endpoint_slices: &'a [EndpointSlice]) -> ProxierInput<'a> {
        ProxierInput {
            node_name: "test-node".to_string(),
            node_ip: Ipv4Addr::new(192, 168, 0, 2),
            node_addresses: vec![
                Ipv4Addr::LOCALHOST,
                Ipv4Addr::new(192, 168, 0, 2),
                Ipv4Addr::new(192, 168, 1, 2),
                Ipv4Addr::new(192, 168, 99, 11),
            ],
            node_zone: None,
            services,
            endpoint_slices,
            config: ProxierConfig::upstream_fake(),
        }
    }
}
