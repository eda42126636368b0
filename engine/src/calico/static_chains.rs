//! Felix's static chains for the raw, mangle, nat and filter tables (no host endpoints).
//!
//! Part of the Calico stage. Ports of `StaticRawTableChains`, `StaticMangleTableChains`,
//! `StaticNATTableChains` and `StaticFilterTableChains` (felix/rules/static.go) for the iptables
//! dataplane, IPv4, IPIP and/or VXLAN, no WireGuard, IPVS, BPF or OpenStack (and without the
//! VXLAN NOTRACK rules that only Felix's master renders in raw), plus the empty chains the
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
use super::ipsets::{ALL_HOSTS_NET, ALL_POOLS, ALL_VXLAN_NET, MASQ_POOLS};

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
    let mut tunnels = Vec::new();
    if config.ipip_enabled && config.ipip_tunnel_address.is_some() {
        tunnels.push("tunl0");
    }
    if config.vxlan_enabled && config.vxlan_tunnel_address.is_some() {
        tunnels.push("vxlan.calico");
    }
    for tunnel in tunnels {
        // Host-originated packets leaving through the tunnel with a local source that is not
        // the tunnel's own address (e.g. host -> ClusterIP after DNAT) are masqueraded to the
        // tunnel's address.
        postrouting.push(
            FelixRule::new(FelixAction::Masquerade { random_fully: config.masq_fully_random })
                .with(FelixMatch::OutInterface(tunnel.to_string()))
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
    if config.vxlan_enabled {
        let vxlan = || FelixMatch::DestPorts(vec![config.vxlan_port]);
        input.push(
            FelixRule::new(FelixAction::Accept)
                .with(FelixMatch::ProtocolNum(17))
                .with(vxlan())
                .with(FelixMatch::IpSet {
                    negated: false,
                    name: ALL_VXLAN_NET.to_string(),
                    direction: SetDirection::Source,
                })
                .with(FelixMatch::DestAddrTypeLocal)
                .comment("Allow IPv4 VXLAN packets from allowed hosts"),
        );
        input.push(
            FelixRule::new(FelixAction::Drop)
                .with(FelixMatch::ProtocolNum(17))
                .with(vxlan())
                .with(FelixMatch::DestAddrTypeLocal)
                .comment("Drop IPv4 VXLAN packets from non-allowed hosts"),
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
    if config.vxlan_enabled {
        output.push(
            FelixRule::new(FelixAction::Accept)
                .with(FelixMatch::ProtocolNum(17))
                .with(FelixMatch::DestPorts(vec![config.vxlan_port]))
                .with(FelixMatch::SrcAddrTypeLocal { negated: false, limit_iface_out: false })
                .with(FelixMatch::IpSet {
                    negated: false,
                    name: ALL_VXLAN_NET.to_string(),
                    direction: SetDirection::Destination,
                })
                .comment("Allow IPv4 VXLAN packets to other allowed hosts"),
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::calico::config::{DEFAULT_MARK_MASK, EndpointToHostAction, Marks, RuleStyle};
    use crate::calico::dispatch::workload_dispatch_chains;

    fn config() -> FelixConfig {
        FelixConfig {
            marks: Marks::allocate(DEFAULT_MARK_MASK),
            workload_prefix: "cali".to_string(),
            ipip_enabled: true,
            ipip_tunnel_address: Some("192.168.56.128".parse().unwrap()),
            masq_fully_random: false,
            endpoint_to_host_action: EndpointToHostAction::Accept,
            vxlan_port: 4789,
            vxlan_enabled: false,
            vxlan_tunnel_address: None,
            style: RuleStyle::Current,
        }
    }

    fn hashes(chains: &[FelixChain], name: &str) -> Vec<String> {
        chains.iter().find(|chain| chain.name == name).unwrap().hashes()
    }

    #[test]
    fn raw_chains_match_published_dumps() {
        let raw = raw_chains(&config());
        // `iptables -t raw -L -n` in a 2023 write-up on host endpoints (IPIP cluster).
        assert_eq!(
            hashes(&raw, PREROUTING),
            [
                "XFX5xbM8B9qR10JG",
                "EWMPb0zVROM-woQp",
                "PWuxTAIaFCtsg5Qa",
                "fSSbGND7dgyemWU7",
                "ImU0-4Rl2WoOI9Ou",
                "lV4V2MPoMBf0hl9T"
            ]
        );
        // projectcalico/calico#6522: the first two rules of raw cali-OUTPUT.
        assert_eq!(hashes(&raw, OUTPUT)[..2], ["njdnLwYeGqBJyMxW", "rz86uTUcEZAfFsh7"]);
    }

    #[test]
    fn mangle_prerouting_matches_a_published_dump() {
        let mangle = mangle_chains(&config());
        assert_eq!(
            hashes(&mangle, PREROUTING),
            ["6BJqBjBC7crtA-7-", "KX7AGNd6rMcDUai6", "wNH7KsA3ILKJBsY9", "Cg96MgVuoPm7UMRo"]
        );
        // An nftables trace of mangle cali-POSTROUTING (rules 2 and 3; the chaining means rule 1
        // is checked too).
        assert_eq!(hashes(&mangle, POSTROUTING)[1..3], ["nnqPh8lh2VOogSzX", "nquN8Jw8Tz72pcBW"]);
    }

    #[test]
    fn nat_chains_match_published_dumps() {
        // aws/amazon-vpc-cni-k8s#34 and projectcalico/felix#1421 (Felix 2.x/3.0, the same rules);
        // the tunl0 rule without --random-fully is reference §1.12's JHlpT-eSqR1TvyYm.
        let pools = vec![crate::cluster::defaults::ip_pool()];
        let nat = nat_chains(&config(), &pools);
        assert_eq!(hashes(&nat, PREROUTING), ["r6XmIziWUJsdOK6Z"]);
        assert_eq!(hashes(&nat, OUTPUT), ["GBTAv2p5CwevEyJm"]);
        assert_eq!(hashes(&nat, POSTROUTING), ["Z-c7XtVd2Bq7s_hA", "nYKhEzDlr11Jccal", "JHlpT-eSqR1TvyYm"]);
        assert_eq!(hashes(&nat, NAT_OUTGOING), ["Dw4T8UWPnCLxRJiI"]);
        // With --random-fully the nat-outgoing rule is the reference's flqWnvo8yq4ULQLa.
        let fully = FelixConfig { masq_fully_random: true, ..config() };
        assert_eq!(hashes(&nat_chains(&fully, &pools), NAT_OUTGOING), ["flqWnvo8yq4ULQLa"]);
        // Published `iptables -t nat -L` output shows the tunl0 rule with random-fully as
        // SXWvdsbh4Mw7wOln.
        assert_eq!(hashes(&nat_chains(&fully, &pools), POSTROUTING)[2], "SXWvdsbh4Mw7wOln");
        // No natOutgoing pool, no rule; no tunnel address, no tunl0 rule.
        let plain = crate::cluster::IpPool { nat_outgoing: false, ..crate::cluster::defaults::ip_pool() };
        let no_tunnel = FelixConfig { ipip_tunnel_address: None, ..config() };
        let nat = nat_chains(&no_tunnel, &[plain]);
        assert!(hashes(&nat, NAT_OUTGOING).is_empty());
        assert_eq!(hashes(&nat, POSTROUTING).len(), 2);
    }

    #[test]
    fn filter_chains_match_a_published_ipip_node() {
        // `iptables -t filter -S` of an IPIP worker with no local pods, in a 2022 study note.
        let mut filter = filter_chains(&config());
        filter.extend(workload_dispatch_chains(&[]));
        assert_eq!(
            hashes(&filter, FORWARD),
            [
                "vjrMJCRpqwy5oRoX",
                "A_sPAO0mcxbT9mOV",
                "8ZoYfO5HKXWbB3pk",
                "jdEuaPBe14V2hutn",
                "12bc6HljsMKsmfr-",
                "NOSxoaGx8OIstr1z"
            ]
        );
        assert_eq!(
            hashes(&filter, INPUT),
            [
                "PajejrV4aFdkZojI",
                "_wjq-Yrma8Ly1Svo",
                "8TZGxLWh_Eiz66wc",
                "6McIeIDvPdL6PE1T",
                "YGPbrUms7NId8xVa",
                "2gmY7Bg2i0i84Wk_",
                "q-Vz2ZT9iGE331LL"
            ]
        );
        assert_eq!(
            hashes(&filter, OUTPUT),
            [
                "Mq1_rAdXXH3YkrzW",
                "69FkRTJDvD5Vu6Vl",
                "AnEsmO6bDZbQntWW",
                "9e9Uf3GU5tX--Lxy",
                "0f3LDz_VKuHFaA2K",
                "OgU2f8BVEAZ_fwkq"
            ]
        );
        assert_eq!(hashes(&filter, WORKLOAD_TO_HOST), ["Ee9Sbo10IpVujdIY", "nSZbcOoG1xPONxb8"]);
        assert_eq!(hashes(&filter, FROM_WORKLOAD_DISPATCH), ["zTj6P0TIgYvgz-md"]);
        assert_eq!(hashes(&filter, TO_WORKLOAD_DISPATCH), ["7KNphB1nNHw80nIO"]);
    }

    #[test]
    fn vxlan_rules_match_a_published_vxlan_node() {
        // `iptables -L -n` of a recent VXLAN cluster; the tunnel rule is from a published
        // `iptables-save` of a VXLAN node (with --random-fully).
        let config = FelixConfig {
            ipip_enabled: false,
            ipip_tunnel_address: None,
            vxlan_enabled: true,
            vxlan_tunnel_address: Some("192.168.56.128".parse().unwrap()),
            masq_fully_random: true,
            ..config()
        };
        let filter = filter_chains(&config);
        assert_eq!(
            hashes(&filter, INPUT),
            [
                "J76FwxInZIsk7uKY",
                "EDCNTTxYfggApx8C",
                "H03xYXARh4e8pwd4",
                "MN6K3isIWBigb1Va",
                "OSYphBLwOgic22Hz",
                "rmi2_piRVmfeiwVp",
                "F7Q8zu44qIbOVben"
            ]
        );
        assert_eq!(
            hashes(&filter, OUTPUT),
            [
                "Mq1_rAdXXH3YkrzW",
                "69FkRTJDvD5Vu6Vl",
                "-QZG79DohFjalQBb",
                "iC1pSPgbvgQzkUk_",
                "4Zh7KtRvt4W5AEBR",
                "Y0k-bqjt-5CUqyUq"
            ]
        );
        let pools = vec![crate::cluster::defaults::ip_pool()];
        let nat = nat_chains(&config, &pools);
        assert_eq!(hashes(&nat, POSTROUTING), ["Z-c7XtVd2Bq7s_hA", "nYKhEzDlr11Jccal", "e9dnSgSVNmIcpVhP"]);
        let rule = nat.iter().find(|chain| chain.name == POSTROUTING).unwrap().to_chain().rules[2].to_string();
        assert!(rule.starts_with("-o vxlan.calico -m comment"), "{rule}");
    }

    #[test]
    fn without_ipip_the_input_chain_starts_with_the_workload_goto() {
        // An AKS node without IPIP (host-local IPAM) shows cali-INPUT starting at the goto,
        // whose hash then differs: FewJpBykm9iJ-YNH.
        let config = FelixConfig { ipip_enabled: false, ..config() };
        let filter = filter_chains(&config);
        assert_eq!(hashes(&filter, INPUT)[..2], ["FewJpBykm9iJ-YNH", "hder3ARWznqqv8Va"]);
        assert_eq!(
            hashes(&filter, OUTPUT),
            ["Mq1_rAdXXH3YkrzW", "69FkRTJDvD5Vu6Vl", "Fskumj4SGQtDV6GC", "1F4VWEsQu0QbRwKf", "m8Eqm15x1MjD24LD"]
        );
    }
}
