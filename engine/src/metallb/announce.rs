//! MetalLB's layer 2 leader election: which node's speaker answers ARP for a Service's
//! address.
//!
//! Reads the [`Cluster`] after [`super::allocate::assign`]; the dataplane uses the winner
//! as the owner of the address on the underlay. Port of `layer2Controller.ShouldAnnounce`
//! (`speaker/layer2_controller.go`, v0.15 hash-only election):
//! - nobody announces when the Service has no endpoint that can serve
//!   (`activeEndpointExists`, `EndpointCanServe`: ready unset or true, or serving);
//! - candidates are the nodes with a speaker that an `L2Advertisement` selecting the pool
//!   matches (`speakersForPool`), minus nodes labelled
//!   `node.kubernetes.io/exclude-from-external-load-balancers`;
//! - with `externalTrafficPolicy: Local` only candidates with a serving local endpoint
//!   remain (`usableNodes`);
//! - the candidates are sorted by `sha256(node + "#" + ip)` (bytes, ascending) and the first
//!   one announces.
//!
//! The lab assumes a speaker on every node (MetalLB's speaker DaemonSet tolerates the
//! control-plane taint) and L2Advertisements in any namespace; `ipAddressPoolSelectors`,
//! `interfaces` and node conditions are not read.

use std::fmt;
use std::net::Ipv4Addr;

use sha2::{Digest, Sha256};

use super::allocate::{ALLOCATED_FROM_POOL, pool_for};
use crate::cluster::endpoints::selector_matches;
use crate::cluster::{Cluster, Endpoint, L2Advertisement, Node, Service, ServiceType, TrafficPolicy};
use crate::diagnostic::Reason;

/// The node label that keeps a node out of load-balancer duty
/// (`IsNodeExcludedFromBalancers`).
pub const EXCLUDE_LABEL: &str = "node.kubernetes.io/exclude-from-external-load-balancers";

/// One node in the election.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Candidate {
    pub node: String,
    /// `sha256(node + "#" + ip)`.
    pub hash: [u8; 32],
    /// `None` when the node takes part; otherwise why it does not.
    pub excluded: Option<Exclusion>,
}

impl Candidate {
    /// The hash as lowercase hex.
    pub fn hash_hex(&self) -> String {
        self.hash.iter().map(|byte| format!("{byte:02x}")).collect()
    }
}

/// Why a node does not take part.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Exclusion {
    /// Labelled `node.kubernetes.io/exclude-from-external-load-balancers`.
    ExcludedByLabel,
    /// No L2Advertisement for the pool selects this node.
    NotSelected,
    /// `externalTrafficPolicy: Local` and no serving endpoint of the Service on this node.
    NoLocalEndpoint,
}

/// The result of the election.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Outcome {
    /// This node answers ARP for the address.
    Announced { node: String },
    /// No IPAddressPool contains the address (a pasted or cloud status).
    NotMetalLb,
    /// No L2Advertisement selects the pool.
    NoAdvertisement { pool: String },
    /// The Service has no endpoint that can serve.
    NoServingEndpoint,
    /// Every node was excluded.
    NoCandidate,
}

/// The election for one address of one Service.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Announcement {
    /// `namespace/name`.
    pub service: String,
    pub ip: Ipv4Addr,
    pub pool: Option<String>,
    /// The L2Advertisements that select the pool, as `namespace/name`.
    pub advertisements: Vec<String>,
    /// Every node, sorted by hash (the election order).
    pub candidates: Vec<Candidate>,
    pub outcome: Outcome,
}

impl Announcement {
    /// The announcing node, if any.
    pub fn node(&self) -> Option<&str> {
        match &self.outcome {
            Outcome::Announced { node } => Some(node),
            _ => None,
        }
    }

    /// Why a MetalLB address is not announced (`None` when announced or not MetalLB's).
    pub fn not_announced_reason(&self) -> Option<Reason> {
        match &self.outcome {
            Outcome::Announced { .. } | Outcome::NotMetalLb => None,
            Outcome::NoAdvertisement { pool } => Some(Reason::NoL2Advertisement { pool: pool.clone() }),
            Outcome::NoServingEndpoint => Some(Reason::NoServingEndpoint),
            Outcome::NoCandidate => Some(Reason::NoCandidateNode),
        }
    }
}

/// Port of the election hash: `sha256.Sum256([]byte(node + "#" + ip))`.
pub fn election_hash(node: &str, ip: Ipv4Addr) -> [u8; 32] {
    Sha256::digest(format!("{node}#{ip}").as_bytes()).into()
}

fn advertisement_selects_pool(advertisement: &L2Advertisement, pool: &str) -> bool {
    advertisement.ip_address_pools.is_empty() || advertisement.ip_address_pools.iter().any(|name| name == pool)
}

fn advertisement_selects_node(advertisement: &L2Advertisement, node: &Node) -> bool {
    advertisement.node_selectors.is_empty()
        || advertisement.node_selectors.iter().any(|selector| selector_matches(selector, &node.labels))
}

/// Port of `EndpointCanServe`.
fn can_serve(endpoint: &Endpoint) -> bool {
    endpoint.ready.is_none_or(|ready| ready) || endpoint.serving == Some(true)
}

/// Runs the election for `ip` of `service`.
pub fn announcer(cluster: &Cluster, service: &Service, ip: Ipv4Addr) -> Announcement {
    let pool = service
        .annotations
        .get(ALLOCATED_FROM_POOL)
        .filter(|name| cluster.metallb_pools.iter().any(|pool| &pool.name == *name))
        .cloned()
        .or_else(|| pool_for(&cluster.metallb_pools, ip).map(|pool| pool.name.clone()));
    let advertisements: Vec<&L2Advertisement> = match &pool {
        Some(pool) => cluster
            .l2_advertisements
            .iter()
            .filter(|advertisement| advertisement_selects_pool(advertisement, pool))
            .collect(),
        None => Vec::new(),
    };
    let endpoints: Vec<&Endpoint> = cluster
        .endpoint_slices
        .iter()
        .filter(|slice| slice.namespace == service.namespace && slice.service_name == service.name)
        .flat_map(|slice| slice.endpoints.iter())
        .filter(|endpoint| can_serve(endpoint))
        .collect();
    let mut candidates: Vec<Candidate> = cluster
        .nodes
        .iter()
        .map(|node| {
            let excluded = if node.labels.contains_key(EXCLUDE_LABEL) {
                Some(Exclusion::ExcludedByLabel)
            } else if !advertisements.iter().any(|advertisement| advertisement_selects_node(advertisement, node)) {
                Some(Exclusion::NotSelected)
            } else if service.external_traffic_policy == TrafficPolicy::Local
                && !endpoints.iter().any(|endpoint| endpoint.node_name.as_deref() == Some(node.name.as_str()))
            {
                Some(Exclusion::NoLocalEndpoint)
            } else {
                None
            };
            Candidate { node: node.name.clone(), hash: election_hash(&node.name, ip), excluded }
        })
        .collect();
    crate::sort::by_key(&mut candidates, |candidate| candidate.hash);
    let outcome = match &pool {
        None => Outcome::NotMetalLb,
        Some(pool) if advertisements.is_empty() => Outcome::NoAdvertisement { pool: pool.clone() },
        Some(_) if endpoints.is_empty() => Outcome::NoServingEndpoint,
        Some(_) => match candidates.iter().find(|candidate| candidate.excluded.is_none()) {
            Some(winner) => Outcome::Announced { node: winner.node.clone() },
            None => Outcome::NoCandidate,
        },
    };
    Announcement {
        service: service.key(),
        ip,
        pool,
        advertisements: advertisements
            .iter()
            .map(|advertisement| format!("{}/{}", advertisement.namespace, advertisement.name))
            .collect(),
        candidates,
        outcome,
    }
}

/// The election for every address of every LoadBalancer Service that a pool contains.
pub fn announcements(cluster: &Cluster) -> Vec<Announcement> {
    let mut out = Vec::new();
    for service in cluster.services.iter().filter(|service| service.service_type == ServiceType::LoadBalancer) {
        for ip in service.load_balancer_ingress.iter().filter_map(|ingress| ingress.ip) {
            let announcement = announcer(cluster, service, ip);
            if announcement.outcome != Outcome::NotMetalLb {
                out.push(announcement);
            }
        }
    }
    out
}

impl fmt::Display for Exclusion {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Exclusion::ExcludedByLabel => "excluded by label",
            Exclusion::NotSelected => "not selected by an L2Advertisement",
            Exclusion::NoLocalEndpoint => "no local ready endpoint (externalTrafficPolicy: Local)",
        })
    }
}

impl fmt::Display for Announcement {
    /// The election as the app explains it: candidates in hash order, then the winner.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(
            f,
            "{} {} pool={} advertisements={}",
            self.service,
            self.ip,
            self.pool.as_deref().unwrap_or("-"),
            if self.advertisements.is_empty() { "-".to_string() } else { self.advertisements.join(",") }
        )?;
        for candidate in &self.candidates {
            let status = candidate.excluded.as_ref().map_or_else(|| "candidate".to_string(), ToString::to_string);
            writeln!(f, "  sha256({}#{}) = {} {status}", candidate.node, self.ip, candidate.hash_hex())?;
        }
        match &self.outcome {
            Outcome::Announced { node } => writeln!(f, "=> {node} answers ARP for {}", self.ip),
            _ => writeln!(f, "=> nobody answers ARP: {}", self.not_announced_reason().map(|reason| reason.to_string()).unwrap_or_default()),
        }
    }
}
