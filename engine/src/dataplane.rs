//! The dataplane's devices and routes: every host's interfaces, addresses and routing
//! tables as Calico (IPIP, BIRD), the CNI plugin and the kernel leave them.
//!
//! ```text
//! Cluster --dataplane::hosts--> Vec<Host> (links, tables main/local, neighbours)
//!   --Host::route_get / addr_select--> the route and source a packet takes
//!   --dataplane::render--> `ip addr`, `ip link`, `ip route`, `ip route get`, `ip neigh`
//! ```
//!
//! Hosts come in a fixed order: external hosts, nodes, then pods, each group in the
//! cluster's sorted order. Numbering is deterministic: on a node `lo` is 1, `eth0` 2,
//! `tunl0` 3 (when a pool uses IPIP) and the `cali…` veths follow in pod order; in a pod
//! `lo` is 1, `tunl0` 2 (when the ipip module is loaded) and `eth0` next. Each veth end's
//! `@ifN` names the other end's index.

pub mod addr_select;
pub mod build;
pub mod host;
pub mod link;
pub mod render;
pub mod route;

pub use addr_select::{inet_select_addr, route_source, select_source};
pub use build::hosts;
pub use host::{Host, HostKind, Neighbor, RouteGet};
pub use link::{Link, LinkKind, Mac};
pub use route::{Route, RouteMatch, RouteProtocol, RouteTable, RouteType, Scope, TableId};

/// The host called `name` (a node, an external host, or a pod as `namespace/name`).
pub fn find<'a>(hosts: &'a [Host], name: &str) -> Option<&'a Host> {
    hosts.iter().find(|host| host.name == name)
}

/// The name of the host whose namespace a pod's packets start in: its node for a
/// `hostNetwork` pod, its own `namespace/name` otherwise. `None` when it is not scheduled.
pub fn host_name_of_pod(pod: &crate::cluster::Pod) -> Option<String> {
    if pod.host_network {
        return pod.node_name.clone();
    }
    pod.node_name.as_ref().map(|_| pod.key())
}
