//! `IpSets`: the contents of ipsets (`ipset list`), which `-m set --match-set` looks up.
//!
//! Part of [`crate::netfilter::eval`]. ipsets live outside iptables; Calico fills
//! `cali40masq-ipam-pools` and `cali40all-ipam-pools` with its IP pools (`hash:net`). The lab
//! models one-dimensional address sets (`hash:ip`, `hash:net`): each member is a prefix.

use std::collections::BTreeMap;
use std::net::Ipv4Addr;

use crate::net::Cidr;

/// Set name -> members.
#[derive(Clone, Debug, PartialEq, Eq, Default)]
pub struct IpSets {
    sets: BTreeMap<String, Vec<Cidr>>,
}

impl IpSets {
    pub fn new() -> IpSets {
        IpSets::default()
    }

    /// Creates or replaces a set (`ipset create` + `ipset add` ...).
    pub fn insert(&mut self, name: impl Into<String>, members: Vec<Cidr>) {
        self.sets.insert(name.into(), members);
    }

    pub fn members(&self, name: &str) -> Option<&[Cidr]> {
        self.sets.get(name).map(Vec::as_slice)
    }

    /// Whether the set exists and has a member containing `address` (`ipset test`).
    pub fn contains(&self, name: &str, address: Ipv4Addr) -> Option<bool> {
        self.members(name)
            .map(|members| members.iter().any(|member| member.contains(address)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hash_net_membership() {
        let mut sets = IpSets::new();
        sets.insert(
            "cali40masq-ipam-pools",
            vec![Cidr::parse_strict("192.168.0.0/16").unwrap()],
        );
        assert_eq!(
            sets.contains("cali40masq-ipam-pools", Ipv4Addr::new(192, 168, 3, 4)),
            Some(true)
        );
        assert_eq!(
            sets.contains("cali40masq-ipam-pools", Ipv4Addr::new(10, 0, 0, 1)),
            Some(false)
        );
        assert_eq!(sets.contains("missing", Ipv4Addr::new(10, 0, 0, 1)), None);
    }
}
