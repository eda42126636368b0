//! `FelixConfig`: the Felix settings that shape the iptables rules, with the values a stock
//! manifest install (`calico.yaml`, IPIP Always, iptables dataplane) runs with.
//!
//! Part of the Calico stage: `calico::apply` derives one per node from the [`Cluster`] and hands
//! it to the chain renderers. Sources: felix/config/config_params.go defaults, the mark-bit
//! allocation in felix/dataplane/linux (`markBitsManager` over `IptablesMarkMask`), and the
//! manifest's `FELIX_DEFAULTENDPOINTTOHOSTACTION: "ACCEPT"`.

use std::net::Ipv4Addr;

use crate::cluster::{Cluster, EncapMode};

/// Felix's default `IptablesMarkMask`.
pub const DEFAULT_MARK_MASK: u32 = 0xffff_0000;

/// The mark bits Felix allocates from its mask, lowest bit first (`rules.Config` MarkAccept,
/// MarkPass, MarkScratch0, MarkScratch1). With the default mask they are 0x10000, 0x20000,
/// 0x40000 and 0x80000, as published dumps show (`MARK or 0x40000` for "from workload",
/// `--mark 0x10000/0x10000` for "accepted"). The endpoint-mark bits are only allocated when
/// kube-proxy runs in IPVS mode, which the lab does not emulate.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Marks {
    pub accept: u32,
    pub pass: u32,
    pub scratch0: u32,
    pub scratch1: u32,
}

impl Marks {
    /// Allocates single bits from `mask`, lowest first; a bit is 0 when the mask runs out.
    pub fn allocate(mask: u32) -> Marks {
        let mut bits = (0..32u32).map(|bit| 1u32 << bit).filter(|bit| mask & bit != 0);
        Marks {
            accept: bits.next().unwrap_or(0),
            pass: bits.next().unwrap_or(0),
            scratch0: bits.next().unwrap_or(0),
            scratch1: bits.next().unwrap_or(0),
        }
    }

    /// `allCalicoMarkBits`: every bit Felix clears before it starts (0xf0000 by default).
    pub fn all(self) -> u32 {
        self.accept | self.pass | self.scratch0 | self.scratch1
    }
}

/// What Felix does with a packet from a workload to the host after the workload's egress
/// policy (`DefaultEndpointToHostAction`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum EndpointToHostAction {
    Drop,
    Return,
    Accept,
}

/// Which generation of Felix's rule rendering to reproduce. Both are checked hash for hash
/// against published dumps; the exact release where the rendering changed is not pinned down.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum RuleStyle {
    /// Older v3.2x Felix (published dumps up to about 2023): workload chains clear only the
    /// accept bit (`0x10000`), and an allow-all profile is `MARK` + `RETURN`.
    V3_2x,
    /// Current Felix (felix/rules on master; published VXLAN dumps of recent releases):
    /// workload chains clear the accept and pass bits (`0x30000`), and
    /// `ProtoRulesToIptablesRules` strips trailing `RETURN` rules, so an allow-all profile is
    /// a single `MARK` rule.
    #[default]
    Current,
}

/// The settings of one node's Felix.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FelixConfig {
    pub marks: Marks,
    /// `InterfacePrefix`: `cali`.
    pub workload_prefix: String,
    /// IPIP is on when a pool uses it (Felix's `IPIPEnabled`, detected from the pools).
    pub ipip_enabled: bool,
    /// tunl0's address; the tunl0 MASQUERADE rule needs it.
    pub ipip_tunnel_address: Option<Ipv4Addr>,
    /// Whether the iptables binary supports `--random-fully` (`features.MASQFullyRandom`).
    pub masq_fully_random: bool,
    /// The manifest install sets `ACCEPT` (Felix's own default is `DROP`).
    pub endpoint_to_host_action: EndpointToHostAction,
    /// `VXLANPort`, used by the workload egress rule that drops VXLAN from pods.
    pub vxlan_port: u16,
    /// VXLAN is on when a pool uses it (Felix's `VXLANEnabled`).
    pub vxlan_enabled: bool,
    /// `vxlan.calico`'s address; the VXLAN MASQUERADE rule needs it. The cluster stage only
    /// allocates a tunnel address for IPIP, so a VXLAN-only cluster has none yet.
    pub vxlan_tunnel_address: Option<Ipv4Addr>,
    /// The generation of Felix whose rendering to reproduce.
    pub style: RuleStyle,
}

impl FelixConfig {
    /// The configuration of `node` in `cluster` (a missing node gives no tunnel address).
    pub fn for_node(cluster: &Cluster, node: &str) -> FelixConfig {
        let tunnel = cluster.nodes.iter().find(|candidate| candidate.name == node).and_then(|found| found.tunnel_ip);
        let active = || cluster.ip_pools.iter().filter(|pool| !pool.disabled);
        let ipip = active().any(|pool| pool.ipip_mode != EncapMode::Never);
        let vxlan = active().any(|pool| pool.vxlan_mode != EncapMode::Never);
        FelixConfig {
            marks: Marks::allocate(DEFAULT_MARK_MASK),
            workload_prefix: "cali".to_string(),
            ipip_enabled: ipip,
            ipip_tunnel_address: tunnel.filter(|_| ipip),
            vxlan_enabled: vxlan,
            vxlan_tunnel_address: tunnel.filter(|_| vxlan),
            // kube-proxy and Felix probe the same iptables binary.
            masq_fully_random: cluster.kube_proxy.random_fully,
            endpoint_to_host_action: EndpointToHostAction::Accept,
            vxlan_port: 4789,
            style: RuleStyle::default(),
        }
    }

    /// The workload wildcard, `cali+`.
    pub fn workload_wildcard(&self) -> String {
        format!("{}+", self.workload_prefix)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn default_mask_gives_the_published_bits() {
        let marks = Marks::allocate(DEFAULT_MARK_MASK);
        assert_eq!(marks, Marks { accept: 0x10000, pass: 0x20000, scratch0: 0x40000, scratch1: 0x80000 });
        assert_eq!(marks.all(), 0xf0000);
        // The bits never touch kube-proxy's 0x4000.
        assert_eq!(marks.all() & 0x4000, 0);
    }

    #[test]
    fn a_narrow_mask_runs_out_without_panicking() {
        assert_eq!(Marks::allocate(0x3).scratch0, 0);
        assert_eq!(Marks::allocate(0).all(), 0);
    }
}
