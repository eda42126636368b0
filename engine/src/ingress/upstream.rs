//! Where Envoy sends a routed request: the backend's endpoints straight from its
//! EndpointSlices (pod IP and target port), and Envoy's round-robin pick among them.
//!
//! Follows [`super::route`]; the trace's second TCP connection goes from the Envoy pod to
//! the endpoint chosen here, with no ClusterIP and no kube-proxy DNAT on the way. Contour
//! programs every Service-backed cluster as EDS and fills it from EndpointSlices
//! (`internal/xdscache/v3/endpointslicetranslator.go`: `SocketAddress(endpoint.Addresses[0],
//! *endpointPort.Port)` for the slice port whose name is the Service port's name, skipping
//! endpoints that are not ready). Contour's default load-balancer policy is `RoundRobin`.

use std::net::Ipv4Addr;

use super::table::Backend;
use crate::cluster::Cluster;

/// One Envoy upstream host.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct UpstreamEndpoint {
    pub ip: Ipv4Addr,
    pub port: u16,
    /// The pod behind it (`targetRef`), as `namespace/name`.
    pub pod: Option<String>,
    pub node: Option<String>,
}

/// The ready endpoints of `backend`, sorted by address and port.
pub fn endpoints_for(cluster: &Cluster, backend: &Backend) -> Vec<UpstreamEndpoint> {
    let port_name = backend.port_name.clone().unwrap_or_default();
    let mut endpoints = Vec::new();
    let slices = cluster
        .endpoint_slices
        .iter()
        .filter(|slice| slice.namespace == backend.namespace && slice.service_name == backend.service);
    for slice in slices {
        let Some(port) = slice
            .ports
            .iter()
            .find(|port| port.name.clone().unwrap_or_default() == port_name)
            .and_then(|port| port.port)
        else {
            continue;
        };
        for endpoint in &slice.endpoints {
            if endpoint.ready == Some(false) {
                continue;
            }
            let Some(ip) = endpoint.addresses.first() else { continue };
            endpoints.push(UpstreamEndpoint {
                ip: *ip,
                port,
                pod: endpoint.target_pod.clone(),
                node: endpoint.node_name.clone(),
            });
        }
    }
    crate::sort::natural(&mut endpoints);
    endpoints.dedup();
    endpoints
}

/// Envoy's round-robin load balancer for one cluster. Real Envoy keeps one per worker
/// thread; the lab keeps one per Envoy pod and backend, starting at a seeded position.
#[derive(Clone, Debug, PartialEq, Eq, Default)]
pub struct RoundRobin {
    next: u64,
}

impl RoundRobin {
    /// A balancer whose first pick is `seed` modulo the number of endpoints.
    pub fn seeded(seed: u64) -> RoundRobin {
        RoundRobin { next: seed }
    }

    /// The index of the next endpoint among `count`, or `None` when there is none
    /// (Envoy then answers `503` "no healthy upstream").
    pub fn pick(&mut self, count: usize) -> Option<usize> {
        let count = u64::try_from(count).ok().filter(|count| *count > 0)?;
        let index = self.next.checked_rem(count)?;
        self.next = self.next.wrapping_add(1);
        usize::try_from(index).ok()
    }
}

/// Envoy's answer when the route's cluster has no endpoint: status, headers (after `date`)
/// and body. [unverified: header order; the body text is Envoy's `no healthy upstream`.]
pub const NO_HEALTHY_UPSTREAM: (u16, &str, &str) = (503, "Service Unavailable", "no healthy upstream");
