//! Felix's static chains for the raw, mangle, nat and filter tables (no host endpoints).
//!
//! Part of the Calico stage. Ports of `StaticRawTableChains`, `StaticMangleTableChains`,
//! `StaticNATTableChains` and `StaticFilterTableChains` (felix/rules/static.go) for the iptables
//! dataplane, IPv4, IPIP, no VXLAN, WireGuard, IPVS, BPF or OpenStack, plus the empty chains the
//! other managers program when nothing uses them: host-endpoint dispatch
//! (felix/rules/dispatch.go with no host endpoints), `cali-rpf-skip`, `cali-fip-dnat`,
//! `cali-fip-snat`, `cali-cidr-block` (no blocked service CIDRs) and `cali-nat-outgoing`
//! (felix/rules/nat.go `NATOutgoingChain`). Felix also renders `cali-failsafe-in`/`-out`, but
//! only host-endpoint chains refer to them and Felix programs only referenced chains, so with
//! no host endpoints they never reach the kernel and are not modelled here.

use crate::cluster::IpPool;
use crate::netfilter::matches::{CtState, SetDirection};

use super::chain::FelixChain;
use super::config::{EndpointToHostAction, FelixConfig};
use super::felix_rule::{FelixAction, FelixMatch, FelixRule};
use super::ipsets::{ALL_HOSTS_NET, ALL_POOLS, MASQ_POOLS};

/// Felix's built-in chain names (felix/rules/rule_defs.go).
pub const PREROUTING: &str = "cali-PREROUTING";
pub const POSTROUTING: &str = "cali-POSTROUTING";
pub const INPUT: &str = "cali-INPUT";
pub const FORWARD: &str = "cali-FORWARD";
pub const OUTPUT: &str = "cali-OUTPUT";
pub const RPF_SKIP: &str = "cali-rpf-skip";
pub const FROM_HOST_ENDPOINT: &str = "cali-from-host-endpoint";
pub const TO_HOST_ENDPOINT: &str = "cali-to-host-endpoint";
pub const FROM_HEP_FORWARD: &str = "cali-from-hep-forward";
pub const TO_HEP_FORWARD: &str = "cali-to-hep-forward";
pub const FIP_DNAT: &str = "cali-fip-dnat";
pub const FIP_SNAT: &str = "cali-fip-snat";
pub const NAT_OUTGOING: &str = "cali-nat-outgoing";
pub const CIDR_BLOCK: &str = "cali-cidr-block";
pub const WORKLOAD_TO_HOST: &str = "cali-wl-to-host";
pub const FROM_WORKLOAD_DISPATCH: &str = "cali-from-wl-dispatch";
pub const TO_WORKLOAD_DISPATCH: &str = "cali-to-wl-dispatch";

fn jump(chain: &str) -> FelixRule {
    FelixRule::new(FelixAction::Jump(chain.to_string()))
}

fn accepted(config: &FelixConfig) -> FelixMatch {
    FelixMatch::Mark { mark: config.marks.accept, mask: config.marks.accept }
}

fn ctstate(states: &[CtState]) -> FelixMatch {
    FelixMatch::ConntrackState { negated: false, states: states.to_vec() }
}

fn empty(name: &str) -> FelixChain {
    FelixChain::new(name, Vec::new())
}

/// raw: `cali-PREROUTING` (`StaticRawPreroutingChain`), `cali-OUTPUT` (`StaticRawOutputChain`),
/// `cali-rpf-skip` and the untracked host-endpoint dispatch chains.
pub fn raw_chains(config: &FelixConfig) -> Vec<FelixChain> {
    let marks = config.marks;
    let from_workload = marks.scratch0;
    let prerouting = vec![
        // Clear every Calico bit first (another process may have left them set).
        FelixRule::new(FelixAction::ClearMark(marks.all())),
        // Mark packets from workload interfaces.
        FelixRule::new(FelixAction::SetMark(from_workload)).with(FelixMatch::InInterface(config.workload_wildcard())),
        jump(RPF_SKIP).with(FelixMatch::Mark { mark: from_workload, mask: from_workload }),
        // Strict RPF for workloads: a pod cannot spoof its source address.
        FelixRule::new(FelixAction::Drop)
            .with(FelixMatch::Mark { mark: from_workload, mask: from_workload })
            .with(FelixMatch::RpfCheckFailed),
        jump(FROM_HOST_ENDPOINT).with(FelixMatch::MarkClear(from_workload)),
        FelixRule::new(FelixAction::Accept).with(accepted(config)),
    ];
    let output = vec![
        FelixRule::new(FelixAction::ClearMark(marks.all())),
        jump(TO_HOST_ENDPOINT),
        FelixRule::new(FelixAction::Accept).with(accepted(config)),
    ];
    vec![
        FelixChain::new(PREROUTING, prerouting),
        FelixChain::new(OUTPUT, output),
        empty(RPF_SKIP),
        empty(FROM_HOST_ENDPOINT),
        empty(TO_HOST_ENDPOINT),
    ]
}

/// mangle: `StaticManglePreroutingChain`, `StaticManglePostroutingChain` and the pre-DNAT and
/// DNAT'd-egress host-endpoint dispatch chains.
pub fn mangle_chains(config: &FelixConfig) -> Vec<FelixChain> {
    let prerouting = vec![
        FelixRule::new(FelixAction::Accept).with(ctstate(&[CtState::Related, CtState::Established])),
        FelixRule::new(FelixAction::Accept).with(accepted(config)),
        jump(FROM_HOST_ENDPOINT),
        FelixRule::new(FelixAction::Accept).with(accepted(config)).comment("Host endpoint policy accepted packet."),
    ];
    let postrouting = vec![
        FelixRule::new(FelixAction::Return).with(accepted(config)),
        FelixRule::new(FelixAction::ClearMark(config.marks.all())),
        jump(TO_HOST_ENDPOINT).with(ctstate(&[CtState::Dnat])),
        FelixRule::new(FelixAction::Return).with(accepted(config)).comment("Host endpoint policy accepted packet."),
    ];
    vec![
        FelixChain::new(PREROUTING, prerouting),
        FelixChain::new(POSTROUTING, postrouting),
        empty(FROM_HOST_ENDPOINT),
        empty(TO_HOST_ENDPOINT),
    ]
}

/// nat: `StaticNATPreroutingChains`, `StaticNATPostroutingChains`, `StaticNATOutputChains`,
/// the (empty) floating-IP chains and `NATOutgoingChain`.
pub fn nat_chains(config: &FelixConfig, pools: &[IpPool]) -> Vec<FelixChain> {
    let mut postrouting = vec![jump(FIP_SNAT), jump(NAT_OUTGOING)];
    if config.ipip_enabled && config.ipip_tunnel_address.is_some() {
        // Host-originated packets leaving through tunl0 with a local source that is not tunl0's
        // own address (e.g. host -> ClusterIP after DNAT) are masqueraded to tunl0's address.
        postrouting.push(
            FelixRule::new(FelixAction::Masquerade { random_fully: config.masq_fully_random })
                .with(FelixMatch::OutInterface("tunl0".to_string()))
                .with(FelixMatch::SrcAddrTypeLocal { negated: true, limit_iface_out: true })
                .with(FelixMatch::SrcAddrTypeLocal { negated: false, limit_iface_out: false }),
        );
    }
    let masquerading = pools.iter().any(|pool| pool.nat_outgoing && !pool.disabled);
    let nat_outgoing = if masquerading {
        vec![
            FelixRule::new(FelixAction::Masquerade { random_fully: config.masq_fully_random })
                .with(FelixMatch::IpSet {
                    negated: false,
                    name: MASQ_POOLS.to_string(),
                    direction: SetDirection::Source,
                })
                .with(FelixMatch::IpSet {
                    negated: true,
                    name: ALL_POOLS.to_string(),
                    direction: SetDirection::Destination,
                }),
        ]
    } else {
        Vec::new()
    };
    vec![
        FelixChain::new(PREROUTING, vec![jump(FIP_DNAT)]),
        FelixChain::new(POSTROUTING, postrouting),
        FelixChain::new(OUTPUT, vec![jump(FIP_DNAT)]),
        empty(FIP_DNAT),
        empty(FIP_SNAT),
        FelixChain::new(NAT_OUTGOING, nat_outgoing),
    ]
}

/// filter: `filterInputChain`, `filterWorkloadToHostChain`, `StaticFilterForwardChains`,
/// `filterOutputChain`, failsafes, and the empty host-endpoint and CIDR-block chains. The
/// workload dispatch and endpoint chains come from `dispatch` and `endpoint`.
pub fn filter_chains(config: &FelixConfig) -> Vec<FelixChain> {
    let marks = config.marks;
    let wildcard = config.workload_wildcard();
    let mut input = Vec::new();
    if config.ipip_enabled {
        input.push(
            FelixRule::new(FelixAction::Accept)
                .with(FelixMatch::ProtocolNum(4))
                .with(FelixMatch::IpSet {
                    negated: false,
                    name: ALL_HOSTS_NET.to_string(),
                    direction: SetDirection::Source,
                })
                .with(FelixMatch::DestAddrTypeLocal)
                .comment("Allow IPIP packets from Calico hosts"),
        );
        input.push(
            FelixRule::new(FelixAction::Drop)
                .with(FelixMatch::ProtocolNum(4))
                .comment("Drop IPIP packets from non-Calico hosts"),
        );
    }
    input.extend([
        FelixRule::new(FelixAction::Goto(WORKLOAD_TO_HOST.to_string())).with(FelixMatch::InInterface(wildcard.clone())),
        FelixRule::new(FelixAction::Accept).with(accepted(config)),
        FelixRule::new(FelixAction::ClearMark(marks.all())),
        jump(FROM_HOST_ENDPOINT),
        FelixRule::new(FelixAction::Accept).with(accepted(config)).comment("Host endpoint policy accepted packet."),
    ]);

    let to_host_action = match config.endpoint_to_host_action {
        EndpointToHostAction::Drop => FelixAction::Drop,
        EndpointToHostAction::Return => FelixAction::Return,
        EndpointToHostAction::Accept => FelixAction::Accept,
    };
    let workload_to_host = vec![
        jump(FROM_WORKLOAD_DISPATCH),
        FelixRule::new(to_host_action).comment("Configured DefaultEndpointToHostAction"),
    ];

    let forward = vec![
        // Keep the accept bit: the raw and pre-DNAT chains use it to pass a verdict along.
        FelixRule::new(FelixAction::ClearMark(marks.all() & !marks.accept)),
        jump(FROM_HEP_FORWARD).with(FelixMatch::MarkClear(marks.accept)),
        jump(FROM_WORKLOAD_DISPATCH).with(FelixMatch::InInterface(wildcard.clone())),
        jump(TO_WORKLOAD_DISPATCH).with(FelixMatch::OutInterface(wildcard.clone())),
        jump(TO_HEP_FORWARD),
        jump(CIDR_BLOCK),
    ];

    let mut output = vec![
        FelixRule::new(FelixAction::Accept).with(accepted(config)),
        // The host may always talk to its own workloads.
        FelixRule::new(FelixAction::Return).with(FelixMatch::OutInterface(wildcard)),
    ];
    if config.ipip_enabled {
        output.push(
            FelixRule::new(FelixAction::Accept)
                .with(FelixMatch::ProtocolNum(4))
                .with(FelixMatch::IpSet {
                    negated: false,
                    name: ALL_HOSTS_NET.to_string(),
                    direction: SetDirection::Destination,
                })
                .with(FelixMatch::SrcAddrTypeLocal { negated: false, limit_iface_out: false })
                .comment("Allow IPIP packets to other Calico hosts"),
        );
    }
    output.extend([
        FelixRule::new(FelixAction::ClearMark(marks.all())),
        jump(TO_HOST_ENDPOINT).with(FelixMatch::ConntrackState { negated: true, states: vec![CtState::Dnat] }),
        FelixRule::new(FelixAction::Accept).with(accepted(config)).comment("Host endpoint policy accepted packet."),
    ]);

    vec![
        FelixChain::new(FORWARD, forward),
        FelixChain::new(INPUT, input),
        FelixChain::new(WORKLOAD_TO_HOST, workload_to_host),
        FelixChain::new(OUTPUT, output),
        empty(FROM_HOST_ENDPOINT),
        empty(TO_HOST_ENDPOINT),
        empty(FROM_HEP_FORWARD),
        empty(TO_HEP_FORWARD),
        empty(CIDR_BLOCK),
    ]
}
