//! Per-pod chains (`cali-tw-<iface>`, `cali-fw-<iface>`) and the profile chains they jump to
//! (`cali-pri-kns.<ns>`, `cali-pro-kns.<ns>`, and the service-account profiles), as Felix renders
//! them when no NetworkPolicy selects the pod.
//!
//! Part of the Calico stage. Ports of `WorkloadEndpointToIptablesChains` and
//! `endpointIptablesChain` (felix/rules/endpoints.go) with no tiers, and of the profiles that
//! libcalico-go's Kubernetes conversion creates: `kns.<namespace>` allows all ingress and egress
//! (`NamespaceToProfile`), `ksa.<namespace>.<serviceaccount>` only carries labels, so its chains
//! are empty.

use super::chain::FelixChain;
use super::config::{FelixConfig, RuleStyle};
use super::felix_rule::{FelixAction, FelixMatch, FelixRule};
use super::hash::{MAX_CHAIN_NAME_LENGTH, length_limited_id};
use crate::netfilter::matches::CtState;

pub const TO_ENDPOINT_PREFIX: &str = "cali-tw-";
pub const FROM_ENDPOINT_PREFIX: &str = "cali-fw-";
pub const PROFILE_INBOUND_PREFIX: &str = "cali-pri-";
pub const PROFILE_OUTBOUND_PREFIX: &str = "cali-pro-";

/// A local pod as Felix sees it (a WorkloadEndpoint).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Workload {
    /// The host-side veth, `cali` + 11 hex.
    pub interface: String,
    pub namespace: String,
    /// `spec.serviceAccountName`, `default` unless set.
    pub service_account: String,
}

impl Workload {
    /// The profile IDs the Kubernetes conversion gives a pod, in order.
    pub fn profiles(&self) -> [String; 2] {
        [format!("kns.{}", self.namespace), format!("ksa.{}.{}", self.namespace, self.service_account)]
    }
}

/// `ProfileChainName`.
pub fn profile_chain_name(prefix: &str, profile: &str) -> String {
    length_limited_id(prefix, profile, MAX_CHAIN_NAME_LENGTH)
}

/// The to- and from-endpoint chains of one pod.
pub fn workload_chains(config: &FelixConfig, workload: &Workload) -> Vec<FelixChain> {
    vec![
        endpoint_chain(config, workload, TO_ENDPOINT_PREFIX, PROFILE_INBOUND_PREFIX, false),
        endpoint_chain(config, workload, FROM_ENDPOINT_PREFIX, PROFILE_OUTBOUND_PREFIX, true),
    ]
}

/// `endpointIptablesChain` for a normal (filter-table) workload chain with no tiers.
fn endpoint_chain(
    config: &FelixConfig,
    workload: &Workload,
    endpoint_prefix: &str,
    profile_prefix: &str,
    egress: bool,
) -> FelixChain {
    let marks = config.marks;
    let mut rules = vec![
        // Return traffic of allowed connections.
        FelixRule::new(FelixAction::Accept)
            .with(FelixMatch::ConntrackState { negated: false, states: vec![CtState::Related, CtState::Established] }),
        FelixRule::new(FelixAction::Drop)
            .with(FelixMatch::ConntrackState { negated: false, states: vec![CtState::Invalid] }),
        // Policy chains report their verdict in these bits.
        FelixRule::new(FelixAction::ClearMark(match config.style {
            RuleStyle::Current => marks.accept | marks.pass,
            RuleStyle::V3_2x => marks.accept,
        })),
    ];
    if egress {
        // `AllowVXLANPacketsFromWorkloads` and `AllowIPIPPacketsFromWorkloads` default to false:
        // encapsulation from a pod could bypass egress policy.
        rules.push(
            FelixRule::new(FelixAction::Drop)
                .with(FelixMatch::ProtocolNum(17))
                .with(FelixMatch::DestPorts(vec![config.vxlan_port]))
                .comment("Drop VXLAN encapped packets originating in workloads"),
        );
        rules.push(
            FelixRule::new(FelixAction::Drop)
                .with(FelixMatch::ProtocolNum(4))
                .comment("Drop IPinIP encapped packets originating in workloads"),
        );
    }
    for profile in workload.profiles() {
        rules.push(FelixRule::new(FelixAction::Jump(profile_chain_name(profile_prefix, &profile))));
        rules.push(
            FelixRule::new(FelixAction::Return)
                .with(FelixMatch::Mark { mark: marks.accept, mask: marks.accept })
                .comment("Return if profile accepted"),
        );
    }
    rules.push(FelixRule::new(FelixAction::Drop).comment("Drop if no profiles matched"));
    FelixChain::new(length_limited_id(endpoint_prefix, &workload.interface, MAX_CHAIN_NAME_LENGTH), rules)
}

/// The inbound and outbound chains of every profile the workloads use, sorted by name, each once.
pub fn profile_chains(config: &FelixConfig, workloads: &[Workload]) -> Vec<FelixChain> {
    let mut profiles: Vec<String> = workloads.iter().flat_map(Workload::profiles).collect();
    crate::sort::natural(&mut profiles);
    profiles.dedup();
    let mut chains = Vec::new();
    for profile in profiles {
        for (prefix, direction) in [(PROFILE_INBOUND_PREFIX, "ingress"), (PROFILE_OUTBOUND_PREFIX, "egress")] {
            let mut rules = if profile.starts_with("kns.") { allow_all(config) } else { Vec::new() };
            if config.style == RuleStyle::Current {
                // Newer Felix strips trailing RETURN rules: "No matter their match criteria,
                // they're effectively no-ops."
                while rules.last().is_some_and(|rule| rule.action == Some(FelixAction::Return)) {
                    rules.pop();
                }
            }
            // `ProtoRulesToIptablesRules` puts the chain comment on the first rule, adding an
            // empty rule when the profile has none.
            if rules.is_empty() {
                rules.push(FelixRule::empty());
            }
            if let Some(first) = rules.first_mut() {
                first.comments.push(format!("Profile {profile} {direction}"));
            }
            chains.push(FelixChain::new(profile_chain_name(prefix, &profile), rules));
        }
    }
    chains
}

/// A profile rule with `action: Allow` and no criteria (`ProtoRuleToIptablesRules`): set the
/// accept bit, then return because a verdict was reached.
fn allow_all(config: &FelixConfig) -> Vec<FelixRule> {
    let accept = config.marks.accept;
    vec![
        FelixRule::new(FelixAction::SetMark(accept)),
        FelixRule::new(FelixAction::Return).with(FelixMatch::Mark { mark: accept, mask: accept }),
    ]
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::calico::config::{EndpointToHostAction, Marks, RuleStyle};
    use crate::calico::hash::rule_hashes;

    fn config() -> FelixConfig {
        FelixConfig {
            marks: Marks::allocate(0xffff_0000),
            workload_prefix: "cali".to_string(),
            ipip_enabled: true,
            ipip_tunnel_address: None,
            masq_fully_random: true,
            endpoint_to_host_action: EndpointToHostAction::Accept,
            vxlan_port: 4789,
            vxlan_enabled: false,
            vxlan_tunnel_address: None,
            style: RuleStyle::V3_2x,
        }
    }

    #[test]
    fn profile_chains_match_a_published_dump() {
        // The AKS node's dump (Calico v3.2x): the namespace profile allows all, with the chain
        // comment on its first rule; the service-account profile has only a comment rule.
        let workload = Workload {
            interface: "cali112d888c0c2".to_string(),
            namespace: "kube-system".to_string(),
            service_account: "metrics-server".to_string(),
        };
        let chains = profile_chains(&config(), &[workload]);
        let find = |name: &str| chains.iter().find(|chain| chain.name == name).unwrap();
        assert_eq!(find("cali-pri-kns.kube-system").hashes(), ["J1TyxtHWd0qaBGK-", "QIB6k7eEKdIg73Jp"]);
        assert_eq!(find("cali-pro-kns.kube-system").hashes(), ["tgOR2S8DVHZW3F1M", "HVEEtYPJsiGRXCIt"]);
        let sa = find("cali-pri-_CVSZITRyIpEmH8AB6H");
        assert_eq!(sa.hashes(), ["Jm7TmoNoWplOEka1"]);
        assert_eq!(
            sa.to_chain().rules[0].to_string(),
            "-m comment --comment \"cali:Jm7TmoNoWplOEka1\" -m comment --comment \"Profile ksa.kube-system.metrics-server ingress\""
        );
        assert_eq!(find("cali-pro-_CVSZITRyIpEmH8AB6H").hashes(), ["jzJff9OzGIv_OyaY"]);
    }

    #[test]
    fn current_felix_chains_match_a_published_vxlan_node() {
        // `iptables -L -n` of a recent VXLAN cluster (iptables-nft printing `prot 0`): a
        // calico-apiserver pod's egress chain clears 0x30000, and the namespace profile is one
        // MARK rule. Both profile names are too long and get hashed.
        let config = FelixConfig { style: RuleStyle::Current, ..config() };
        let workload = Workload {
            interface: "cali1dac8782bdb".to_string(),
            namespace: "calico-apiserver".to_string(),
            service_account: "calico-apiserver".to_string(),
        };
        let from = workload_chains(&config, &workload).remove(1);
        assert_eq!(
            from.hashes(),
            [
                "ewXlV09BwxlTmEX-",
                "6_-94GUCd3jeMzuW",
                "gj5Txhi9uVaB6bDT",
                "OPts9jGapGnT2WV8",
                "Usb6boV_eqw3tgpW",
                "03sJ_J_dL3kuHE4Q",
                "TdHC3BoVwoQ7eqSG",
                "YdUyQXYlcTpzYtoj",
                "LhHEycC1jQTUucMh",
                "7JRFyOlI1qp70OgT",
            ]
        );
        let profiles = profile_chains(&config, &[workload]);
        let find = |name: &str| profiles.iter().find(|chain| chain.name == name).unwrap();
        assert_eq!(find("cali-pri-_kJqfZpgUe7r2t4A-14").hashes(), ["IQx0SzlDGn6BPv0A"]);
        assert_eq!(find("cali-pri-_4yi5_iSUAwsU8zMHTk").hashes(), ["ZYnaZZFwsSjfXO4C"]);
    }

    #[test]
    fn older_profile_rules_without_the_chain_comment_reproduce() {
        // kubernetes/kubernetes#61005 (2019): before the chain comment, the same two rules.
        let rules = allow_all(&config());
        assert_eq!(
            crate::calico::chain::hashed_rules("cali-pri-kns.kube-system", &rules),
            ["zoH5gU6U55FKZxEo", "bcGRIJcyOS9dgBiB"]
        );
    }

    #[test]
    fn endpoint_chain_shape() {
        let workload = Workload {
            interface: "calic440f455693".to_string(),
            namespace: "default".to_string(),
            service_account: "default".to_string(),
        };
        let chains = workload_chains(&config(), &workload);
        assert_eq!(chains[0].name, "cali-tw-calic440f455693");
        assert_eq!(chains[1].name, "cali-fw-calic440f455693");
        let to: Vec<String> = chains[0].rules.iter().map(FelixRule::fragment).collect();
        assert_eq!(
            to,
            [
                "-m conntrack --ctstate RELATED,ESTABLISHED --jump ACCEPT",
                "-m conntrack --ctstate INVALID --jump DROP",
                "--jump MARK --set-mark 0/0x10000",
                "--jump cali-pri-kns.default",
                "-m comment --comment \"Return if profile accepted\" -m mark --mark 0x10000/0x10000 --jump RETURN",
                "--jump cali-pri-ksa.default.default",
                "-m comment --comment \"Return if profile accepted\" -m mark --mark 0x10000/0x10000 --jump RETURN",
                "-m comment --comment \"Drop if no profiles matched\" --jump DROP",
            ]
        );
        // Current Felix also clears the pass bit.
        let newer = FelixConfig { style: RuleStyle::Current, ..config() };
        assert_eq!(workload_chains(&newer, &workload)[0].rules[2].fragment(), "--jump MARK --set-mark 0/0x30000");
        // The from-workload chain also drops encapsulated packets.
        assert_eq!(
            chains[1].rules[4].fragment(),
            "-m comment --comment \"Drop IPinIP encapped packets originating in workloads\" -p 4 --jump DROP"
        );
    }

    #[test]
    fn a_published_v3_2x_workload_chain_reproduces() {
        // An AKS node's `iptables --list-rules` (Calico v3.2x, operator install): the egress chain
        // of a kube-system pod running as service account metrics-server.
        let config = config();
        let workload = Workload {
            interface: "cali112d888c0c2".to_string(),
            namespace: "kube-system".to_string(),
            service_account: "metrics-server".to_string(),
        };
        let from = workload_chains(&config, &workload).remove(1);
        assert_eq!(from.name, "cali-fw-cali112d888c0c2");
        assert_eq!(
            from.hashes(),
            [
                "gxYrST51OJyfBgWw",
                "6xENQhO2T0QW5LgN",
                "O7MDTYmYN54jUWVF",
                "pJp4jdAzPgU1geph",
                "rM5VAS66uaB9uI7_",
                "s_9J1YgpafK_gEIJ",
                "djdRyha1SrYGGpRJ",
                "Agp1xuefUF89n6q7",
                "ctlnSZ9l6AD7YocC",
                "ThfJzx8K_BY2PCkD",
            ]
        );
        assert_eq!(from.rules[7].target_chain(), Some("cali-pro-_CVSZITRyIpEmH8AB6H"));
    }

    #[test]
    fn older_felix_endpoint_hashes_reproduce() {
        // projectcalico/calico#4511 (Felix that cleared only the accept bit): the hashing of an
        // endpoint chain depends on its name, so this checks the chain-name input.
        let rules = [
            "-m conntrack --ctstate RELATED,ESTABLISHED --jump ACCEPT",
            "-m conntrack --ctstate INVALID --jump DROP",
            "--jump MARK --set-mark 0/0x10000",
            "--jump cali-pri-kns.pdns-dev",
        ]
        .map(String::from);
        assert_eq!(
            rule_hashes("cali-tw-cali6a1050b7e5b", &rules),
            ["5cZ8cKpJVXzdmGD5", "p_bDOMcSsa0hVMVl", "Jf4Es6GIbSl5q34X", "l4id1_TKkZ7iwQn8"]
        );
    }
}
