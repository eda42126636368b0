//! The IP sets Felix's rules match with `-m set --match-set`, their contents per node, and an
//! `ipset list` renderer.
//!
//! Part of the Calico stage: `calico::ip_sets` builds them from the [`Cluster`], so that a later
//! evaluator can test `--match-set cali40masq-ipam-pools src` against a packet. Names follow
//! Felix's `IPVersionConfig.NameForMainIPSet`: `cali` + `4` (IPv4) + `0` (main set, `1` is the
//! temporary set used while swapping) + the set ID (felix/ipsets/ipsets.go). Contents:
//! `all-ipam-pools` and `masq-ipam-pools` from the masquerade manager (every IPv4 pool, and the
//! natOutgoing ones; felix/dataplane/linux/masq_mgr.go), `all-hosts-net` from the IPIP manager
//! (every node's address). All three are `hash:net`.

use std::fmt::Write as _;

use crate::cluster::Cluster;
use crate::net::Cidr;
use crate::netfilter::{Match, Ruleset};

/// `cali40all-ipam-pools`: every Calico pool.
pub const ALL_POOLS: &str = "cali40all-ipam-pools";
/// `cali40masq-ipam-pools`: the pools with natOutgoing.
pub const MASQ_POOLS: &str = "cali40masq-ipam-pools";
/// `cali40all-hosts-net`: every Calico node's address (for the IPIP allow rules).
pub const ALL_HOSTS_NET: &str = "cali40all-hosts-net";

/// `cali40all-vxlan-net`: the nodes VXLAN packets may come from (for the VXLAN allow rules).
pub const ALL_VXLAN_NET: &str = "cali40all-vxlan-net";

/// Felix's `MaxIPSetSize` default, the sets' `maxelem`.
pub const MAX_SET_SIZE: u32 = 1_048_576;

/// The set type (`ipset create NAME TYPE`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum SetType {
    HashNet,
    HashIp,
}

impl SetType {
    pub fn name(self) -> &'static str {
        match self {
            SetType::HashNet => "hash:net",
            SetType::HashIp => "hash:ip",
        }
    }
}

/// One IP set with its members.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct IpSet {
    pub name: String,
    pub set_type: SetType,
    /// Sorted, without duplicates. A host entry is a /32.
    pub members: Vec<Cidr>,
}

impl IpSet {
    fn new(name: &str, set_type: SetType, mut members: Vec<Cidr>) -> IpSet {
        crate::sort::natural(&mut members);
        members.dedup();
        IpSet { name: name.to_string(), set_type, members }
    }

    /// Whether `address` is in the set (what `-m set --match-set NAME src|dst` tests).
    pub fn contains(&self, address: std::net::Ipv4Addr) -> bool {
        self.members.iter().any(|member| member.contains(address))
    }
}

/// The IP sets of one node, by name.
#[derive(Clone, Debug, PartialEq, Eq, Default)]
pub struct IpSets {
    pub sets: Vec<IpSet>,
}

impl IpSets {
    pub fn get(&self, name: &str) -> Option<&IpSet> {
        self.sets.iter().find(|set| set.name == name)
    }

    /// The sets Felix keeps for the cluster (the same on every node: pools and node addresses
    /// are cluster-wide). `all-hosts-net` exists only when IPIP is on, `all-vxlan-net` only
    /// when VXLAN is on; the lab puts every node's address in both (Felix fills the VXLAN set
    /// from the nodes' VTEP parent addresses, which are their InternalIPs here).
    pub fn for_cluster(cluster: &Cluster, ipip_enabled: bool, vxlan_enabled: bool) -> IpSets {
        let pools: Vec<Cidr> = cluster.ip_pools.iter().map(|pool| pool.cidr).collect();
        let masq: Vec<Cidr> =
            cluster.ip_pools.iter().filter(|pool| pool.nat_outgoing && !pool.disabled).map(|pool| pool.cidr).collect();
        let mut sets =
            vec![IpSet::new(ALL_POOLS, SetType::HashNet, pools), IpSet::new(MASQ_POOLS, SetType::HashNet, masq)];
        let hosts: Vec<Cidr> = cluster.nodes.iter().map(|node| Cidr::host(node.internal_ip)).collect();
        if ipip_enabled {
            sets.push(IpSet::new(ALL_HOSTS_NET, SetType::HashNet, hosts.clone()));
        }
        if vxlan_enabled {
            sets.push(IpSet::new(ALL_VXLAN_NET, SetType::HashNet, hosts));
        }
        crate::sort::by(&mut sets, |a, b| a.name.cmp(&b.name));
        IpSets { sets }
    }

    /// `ipset list` output for every set, in name order, with `References` counted from the
    /// rules of `ruleset` that match the set.
    ///
    /// The header is ipset 7.x's (`bucketsize 12 initval 0x...`). The kernel picks `initval` at
    /// random and `Size in memory` depends on the kernel; the lab prints stable stand-ins (a
    /// hash of the name, and a size that grows with the members) and says so here.
    pub fn list(&self, ruleset: &Ruleset) -> String {
        let mut out = String::new();
        for (index, set) in self.sets.iter().enumerate() {
            if index > 0 {
                out.push('\n');
            }
            let references = count_references(ruleset, &set.name);
            let _ = writeln!(out, "Name: {}", set.name);
            let _ = writeln!(out, "Type: {}", set.set_type.name());
            let _ = writeln!(out, "Revision: {}", if set.set_type == SetType::HashNet { 7 } else { 6 });
            let _ = writeln!(
                out,
                "Header: family inet hashsize 1024 maxelem {MAX_SET_SIZE} bucketsize 12 initval {:#010x}",
                stand_in_initval(&set.name)
            );
            let size = 504usize.saturating_add(set.members.len().saturating_mul(16));
            let _ = writeln!(out, "Size in memory: {size}");
            let _ = writeln!(out, "References: {references}");
            let _ = writeln!(out, "Number of entries: {}", set.members.len());
            let _ = writeln!(out, "Members:");
            for member in &set.members {
                // ipset prints a /32 of a hash:net set as the bare address.
                if member.prefix_len() == 32 {
                    let _ = writeln!(out, "{}", member.network());
                } else {
                    let _ = writeln!(out, "{member}");
                }
            }
        }
        out
    }
}

/// How many rules of the ruleset use the set (the kernel's reference count).
pub fn count_references(ruleset: &Ruleset, name: &str) -> usize {
    ruleset
        .tables()
        .flat_map(|table| table.chains().iter())
        .flat_map(|chain| chain.rules.iter())
        .flat_map(|rule| rule.matches.iter())
        .filter(|matched| matches!(matched, Match::Set(set) if set.name == name))
        .count()
}

/// A stable stand-in for the kernel's random `initval`: FNV-1a of the name.
fn stand_in_initval(name: &str) -> u32 {
    name.bytes().fold(0x811c_9dc5u32, |hash, byte| (hash ^ u32::from(byte)).wrapping_mul(0x0100_0193))
}
