//! MetalLB in layer 2 mode: the controller that gives LoadBalancer Services an address
//! from an `IPAddressPool`, and the speakers' stateless election of the node that answers
//! ARP for each address.
//!
//! Runs on the resolved [`crate::cluster::Cluster`] after `cluster::build` (it needs
//! ClusterIPs and EndpointSlices): [`allocate::assign`] writes `status.loadBalancer.ingress`
//! (kube-proxy then adds its "loadbalancer IP" rules), and [`announce::announcer`] tells the
//! dataplane which node's MAC answers the client's ARP. Facts:
//! `reference/calico-metallb-ingress.md` §2.
//!
//! ```text
//! Cluster --allocate::assign--> Services with EXTERNAL-IP (or <pending> + why)
//!   --announce::announcer(service, ip)--> the node that owns the IP (sha256 order)
//! ```

pub mod allocate;
pub mod announce;

pub use allocate::assign;
pub use announce::{Announcement, announcer};
