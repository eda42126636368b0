//! The lab a trace runs in: every host's devices and routes, and every node's netfilter
//! rules exactly as `iptables-save` shows them.
//!
//! Part of [`crate::trace`]. "The rules on screen are the rules the engine runs": a node's
//! ruleset is kube-proxy's ([`crate::kubeproxy::generate`]) plus Felix's
//! ([`crate::calico::apply`]), rendered to `iptables-save` text, parsed back, and the parsed
//! rules are what the tracer evaluates. Built once per cluster and kept (the cache per node).

use std::collections::BTreeMap;

use crate::cluster::Cluster;
use crate::dataplane::{self, Host, HostKind};
use crate::netfilter::eval::{IpSets, LocalAddresses, WalkIndex};
use crate::netfilter::{self, Ruleset, SaveOptions};

/// The date the lab's `iptables-save` banner shows (the engine has no clock).
pub const SAVE_DATE: &str = "Thu Nov 26 12:00:00 2026";

/// One node's netfilter configuration.
#[derive(Clone, Debug, PartialEq)]
pub struct NodeRules {
    /// The `iptables-save` text the learner sees.
    pub save_text: String,
    /// The same text parsed back: what the tracer evaluates.
    pub ruleset: Ruleset,
    /// Lines of the text the parser refused (should be none).
    pub parse_errors: Vec<String>,
    /// Felix's IP sets, for `-m set`.
    pub ipsets: IpSets,
}

/// Every host and every node's rules.
#[derive(Clone, Debug, PartialEq)]
pub struct Lab {
    pub cluster: Cluster,
    pub hosts: Vec<Host>,
    /// Node name -> rules.
    pub rules: BTreeMap<String, NodeRules>,
    /// Host name -> table `local`, for `-m addrtype`.
    pub addresses: BTreeMap<String, LocalAddresses>,
}

impl Lab {
    /// Builds the hosts and each node's rules.
    pub fn new(cluster: Cluster) -> Lab {
        let hosts = dataplane::hosts(&cluster);
        let mut rules = BTreeMap::new();
        for node in &cluster.nodes {
            rules.insert(node.name.clone(), node_rules(&cluster, &node.name));
        }
        let addresses = crate::sort::map_of(hosts.iter().map(|host| {
            (
                host.name.clone(),
                LocalAddresses::from_host(host).with_main_routes(host),
            )
        }));
        Lab {
            cluster,
            hosts,
            rules,
            addresses,
        }
    }

    /// An index of every node's rules for quiet walks ([`WalkIndex`]), by node name; built
    /// once per Monte Carlo run, which borrows the lab (so the rules cannot change under it).
    pub fn walk_indexes(&self) -> BTreeMap<String, WalkIndex<'_>> {
        self.rules
            .iter()
            .map(|(node, rules)| (node.clone(), WalkIndex::new(&rules.ruleset)))
            .collect()
    }

    /// The host called `name`.
    pub fn host(&self, name: &str) -> Option<&Host> {
        dataplane::find(&self.hosts, name)
    }

    /// The host a user means by `name`: a host name, a pod name (unique across namespaces),
    /// or a hostNetwork pod (its node).
    pub fn resolve_host(&self, name: &str) -> Option<&Host> {
        if let Some(host) = self.host(name) {
            return Some(host);
        }
        let pods: Vec<&crate::cluster::Pod> = self
            .cluster
            .pods
            .iter()
            .filter(|pod| pod.name == name || pod.key() == name)
            .collect();
        match pods.as_slice() {
            [pod] => dataplane::host_name_of_pod(pod).and_then(|host| self.host(&host)),
            _ => None,
        }
    }

    /// The host that owns `address` on an underlay (Ethernet) device: a node or external host.
    pub fn underlay_owner(&self, address: std::net::Ipv4Addr) -> Option<&Host> {
        self.hosts.iter().find(|host| {
            !matches!(host.kind, HostKind::Pod { .. })
                && host.links.iter().any(|link| {
                    link.kind == dataplane::LinkKind::Ethernet
                        && link.addresses.iter().any(|inet| inet.local == address)
                })
        })
    }

    /// The node that answers ARP for a LoadBalancer address in MetalLB's layer 2 mode, as
    /// `sortL2Candidates` picks it: nodes without the `exclude-from-external-load-balancers`
    /// label (with a ready local endpoint when `externalTrafficPolicy: Local`), sorted by
    /// sha256(node + "#" + ip), the first one. `None` when the address is no Service's LB
    /// address or the Service has no ready endpoint (nobody announces).
    pub fn l2_announcer(&self, address: std::net::Ipv4Addr) -> Option<&str> {
        use sha2::{Digest, Sha256};
        let service = self.cluster.services.iter().find(|service| {
            service
                .load_balancer_ingress
                .iter()
                .any(|ingress| ingress.ip == Some(address))
        })?;
        let ready: Vec<&crate::cluster::Endpoint> = self
            .cluster
            .endpoint_slices
            .iter()
            .filter(|slice| slice.namespace == service.namespace && slice.service_name == service.name)
            .flat_map(|slice| slice.endpoints.iter())
            .filter(|endpoint| endpoint.ready != Some(false))
            .collect();
        if ready.is_empty() {
            return None;
        }
        let local_only = service.external_traffic_policy == crate::cluster::TrafficPolicy::Local;
        let mut candidates: Vec<(Vec<u8>, &str)> = self
            .cluster
            .nodes
            .iter()
            .filter(|node| {
                !node
                    .labels
                    .contains_key("node.kubernetes.io/exclude-from-external-load-balancers")
            })
            .filter(|node| {
                !local_only
                    || ready
                        .iter()
                        .any(|endpoint| endpoint.node_name.as_deref() == Some(&node.name))
            })
            .map(|node| {
                (
                    Sha256::digest(format!("{}#{address}", node.name).as_bytes()).to_vec(),
                    node.name.as_str(),
                )
            })
            .collect();
        crate::sort::natural(&mut candidates);
        candidates.first().map(|(_, name)| *name)
    }

    /// The nodes a cloud provider's load balancer sends `address` to, when `address` is a
    /// LoadBalancer Service's `status.loadBalancer.ingress` that no node's LAN holds and
    /// MetalLB did not assign (so it was written by a cloud controller, or pasted from one).
    /// The balancer targets every node (k8s docs: "configures the external load balancer to
    /// forward traffic to that assigned node port"), minus nodes labelled
    /// `node.kubernetes.io/exclude-from-external-load-balancers`; with
    /// `externalTrafficPolicy: Local` its health checks (`healthCheckNodePort`) leave only
    /// nodes with a ready local endpoint. `None` when `address` is no such address.
    pub fn cloud_balancer_targets(&self, address: std::net::Ipv4Addr) -> Option<Vec<&str>> {
        let service = self.cluster.services.iter().find(|service| {
            service.service_type == crate::cluster::ServiceType::LoadBalancer
                && service.load_balancer_ingress.iter().any(|ingress| ingress.ip == Some(address))
        })?;
        if crate::metallb::allocate::pool_of(service).is_some() {
            return None;
        }
        let on_lan = self.hosts.iter().any(|host| {
            !matches!(host.kind, HostKind::Pod { .. })
                && host.links.iter().any(|link| {
                    link.kind == dataplane::LinkKind::Ethernet && link.addresses.iter().any(|inet| inet.same_subnet(address))
                })
        });
        if on_lan {
            return None;
        }
        let local_only = service.external_traffic_policy == crate::cluster::TrafficPolicy::Local;
        let ready_nodes: Vec<&str> = self
            .cluster
            .endpoint_slices
            .iter()
            .filter(|slice| slice.namespace == service.namespace && slice.service_name == service.name)
            .flat_map(|slice| slice.endpoints.iter())
            .filter(|endpoint| endpoint.ready != Some(false))
            .filter_map(|endpoint| endpoint.node_name.as_deref())
            .collect();
        Some(
            self.cluster
                .nodes
                .iter()
                .filter(|node| {
                    !node
                        .labels
                        .contains_key("node.kubernetes.io/exclude-from-external-load-balancers")
                })
                .filter(|node| !local_only || ready_nodes.contains(&node.name.as_str()))
                .map(|node| node.name.as_str())
                .collect(),
        )
    }

    /// Whether `address` is the underlay's default gateway of some node or external host.
    pub fn is_underlay_gateway(&self, address: std::net::Ipv4Addr) -> bool {
        self.cluster.nodes.iter().any(|node| node.gateway == address)
            || self.cluster.external_hosts.iter().any(|host| host.gateway == address)
    }

    /// The node's rules, if `host` is a node.
    pub fn node_rules(&self, host: &str) -> Option<&NodeRules> {
        self.rules.get(host)
    }

    /// The pod (`namespace/name`) whose address is `address`, for naming endpoints.
    pub fn pod_with_ip(&self, address: std::net::Ipv4Addr) -> Option<&crate::cluster::Pod> {
        self.cluster
            .pods
            .iter()
            .find(|pod| pod.ip == Some(address) && !pod.host_network)
    }

    /// Whether an address is inside one of Calico's IP pools.
    pub fn in_pool(&self, address: std::net::Ipv4Addr) -> bool {
        self.cluster.ip_pools.iter().any(|pool| pool.cidr.contains(address))
    }
}

/// kube-proxy + Felix for one node, saved and parsed back.
fn node_rules(cluster: &Cluster, node: &str) -> NodeRules {
    let mut ruleset = crate::kubeproxy::generate(cluster, node);
    crate::calico::apply(cluster, node, &mut ruleset);
    let save_text = netfilter::save(&ruleset, &SaveOptions::new(SAVE_DATE));
    let parsed = netfilter::parse(&save_text);
    let mut ipsets = IpSets::new();
    let felix_sets = crate::calico::ip_sets(cluster, node);
    for set in &felix_sets.sets {
        ipsets.insert(set.name.clone(), set.members.clone());
    }
    NodeRules {
        save_text,
        ruleset: parsed.ruleset,
        parse_errors: parsed.errors.iter().map(ToString::to_string).collect(),
        ipsets,
    }
}
