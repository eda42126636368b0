//! What an evaluation needs besides the rules and the packet: the host's addresses, the
//! packet's conntrack state, ipset contents, the lab clock, the RNG and per-node state.
//!
//! Part of [`crate::netfilter::eval`]. Read-only facts are borrowed; the state the kernel
//! keeps between packets (`xt_recent` lists, `statistic --mode nth` counters, nfacct
//! counters) lives in [`NetfilterState`], one value per node that the caller keeps.

use std::collections::BTreeMap;
use std::net::Ipv4Addr;

use crate::conntrack::{CtInfo, CtState as ConntrackState};
use crate::netfilter::chain_name::ChainName;
use crate::netfilter::matches::CtState;
use crate::netfilter::table::Table;
use crate::random::Rng;

use super::addresses::LocalAddresses;
use super::ipset::IpSets;
use super::recent::RecentLists;

/// The conntrack state of the packet itself (`ctinfo`), before the SNAT/DNAT status bits.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum PacketCtState {
    New,
    Established,
    Related,
    /// No conntrack entry could be attached (`ct == NULL`).
    Invalid,
    /// The raw table's `-j NOTRACK` / `-j CT --notrack` exempted the packet.
    Untracked,
}

/// What `-m conntrack --ctstate` sees: the packet's state and the entry's NAT status bits.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct CtView {
    pub state: PacketCtState,
    /// `IPS_SRC_NAT`: the entry has a source NAT binding.
    pub snat: bool,
    /// `IPS_DST_NAT`: the entry has a destination NAT binding. nat PREROUTING sets it for the
    /// first packet, so filter FORWARD already sees `NEW` and `DNAT` together.
    pub dnat: bool,
}

impl CtView {
    /// A packet in `state` whose entry has no NAT binding.
    pub fn plain(state: PacketCtState) -> CtView {
        CtView {
            state,
            snat: false,
            dnat: false,
        }
    }

    /// The first packet of a connection, before any NAT.
    pub fn new_connection() -> CtView {
        CtView::plain(PacketCtState::New)
    }

    /// The state bits the kernel's `conntrack_mt` tests against `--ctstate` (`statebit` plus
    /// `XT_CONNTRACK_STATE_SNAT`/`DNAT`; the NAT bits only exist when there is an entry).
    pub fn states(&self) -> Vec<CtState> {
        self.each_state().collect()
    }

    /// [`CtView::states`] without collecting them.
    pub fn each_state(&self) -> impl Iterator<Item = CtState> {
        let state = match self.state {
            PacketCtState::New => CtState::New,
            PacketCtState::Established => CtState::Established,
            PacketCtState::Related => CtState::Related,
            PacketCtState::Invalid => CtState::Invalid,
            PacketCtState::Untracked => CtState::Untracked,
        };
        let has_entry = matches!(
            self.state,
            PacketCtState::New | PacketCtState::Established | PacketCtState::Related
        );
        [
            Some(state),
            (has_entry && self.snat).then_some(CtState::Snat),
            (has_entry && self.dnat).then_some(CtState::Dnat),
        ]
        .into_iter()
        .flatten()
    }
}

impl Default for CtView {
    fn default() -> CtView {
        CtView::new_connection()
    }
}

impl From<CtInfo> for CtView {
    fn from(info: CtInfo) -> CtView {
        let state = match info.state {
            ConntrackState::New => PacketCtState::New,
            ConntrackState::Established => PacketCtState::Established,
            ConntrackState::Related => PacketCtState::Related,
            ConntrackState::Invalid => PacketCtState::Invalid,
        };
        CtView {
            state,
            snat: info.snat,
            dnat: info.dnat,
        }
    }
}

/// Where a rule is: table, chain and 1-based position (as `iptables -L --line-numbers`).
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct RuleRef {
    pub table: Table,
    pub chain: ChainName,
    pub number: usize,
}

/// The state a node's kernel keeps between packets for the matches that remember things.
#[derive(Clone, Debug, PartialEq, Eq, Default)]
pub struct NetfilterState {
    /// `xt_recent` tables by `--name`.
    pub recent: RecentLists,
    /// `statistic --mode nth` counters (`info->master->count`), per rule.
    pub nth: BTreeMap<RuleRef, u32>,
    /// nfacct objects by name: (packets, bytes).
    pub nfacct: BTreeMap<String, (u64, u64)>,
}

/// Everything an evaluation reads or updates besides the rules and the packet.
#[derive(Debug)]
pub struct EvalContext<'a> {
    /// The host's local routing table, for `-m addrtype`.
    pub addresses: &'a LocalAddresses,
    /// The packet's conntrack state, for `-m conntrack --ctstate`.
    pub conntrack: CtView,
    /// ipset contents, for `-m set`.
    pub ipsets: &'a IpSets,
    /// The lab clock in seconds, for `-m recent --seconds`.
    pub now_secs: u64,
    /// The source address MASQUERADE would pick on the packet's outgoing interface
    /// (`inet_select_addr(out, nexthop, RT_SCOPE_UNIVERSE)`), computed by the caller from the
    /// route; `None` if the interface has no address (the kernel then drops the packet).
    pub masquerade_source: Option<Ipv4Addr>,
    /// The node's remembering state.
    pub state: &'a mut NetfilterState,
    /// The seeded generator every random decision draws from.
    pub rng: &'a mut Rng,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nat_bits_need_an_entry() {
        let forwarded = CtView {
            state: PacketCtState::New,
            snat: false,
            dnat: true,
        };
        assert_eq!(forwarded.states(), [CtState::New, CtState::Dnat]);
        let invalid = CtView {
            state: PacketCtState::Invalid,
            snat: true,
            dnat: true,
        };
        assert_eq!(invalid.states(), [CtState::Invalid]);
    }
}
