//! Calico Felix's iptables rules on a node: its chains in raw, mangle, nat and filter, hooked
//! into the kernel chains ahead of kube-proxy's, and the IP sets they match.
//!
//! Pipeline position: `cluster::build` -> `kubeproxy::generate(cluster, node)` -> Ruleset ->
//! **`calico::apply(cluster, node, &mut ruleset)`** -> netfilter render (`iptables-save`). The
//! result reads like a real Calico (iptables dataplane, IPIP, manifest install) + kube-proxy
//! node: `cali-*` chains, `cali:XXXXXXXXXXXXXXXX` hash comments computed as Felix computes them
//! (see [`hash`]), natOutgoing and the tunl0 MASQUERADE rule in nat `cali-POSTROUTING`.
//!
//! Like Felix's `Table`, only chains reachable from the kernel-chain hooks are programmed
//! (felix/iptables/table.go keeps reference counts and skips unreferenced chains), which is why
//! a node without host endpoints shows no `cali-failsafe-in`. Rules are ported from
//! felix/rules (static.go, nat.go, dispatch.go, endpoints.go, policy.go) and the hooks from
//! `setUpIptablesNormal` (felix/dataplane/linux/int_dataplane.go). Every static chain and the
//! shape of the workload and profile chains reproduce published `iptables-save` dumps hash for
//! hash; [`config::RuleStyle`] picks current Felix or the older v3.2x rendering. Not modelled:
//! NetworkPolicy (tiers, `cali-pi-`/`cali-po-` chains), host endpoints, WireGuard, IPVS mode,
//! the eBPF dataplane.

pub mod chain;
pub mod config;
pub mod dispatch;
pub mod endpoint;
pub mod felix_rule;
pub mod hash;
pub mod ipsets;
pub mod static_chains;

use std::collections::{BTreeMap, BTreeSet};

use crate::cluster::Cluster;
use crate::netfilter::{ChainName, Hook, Match, Ruleset, Table};

pub use chain::FelixChain;
pub use config::FelixConfig;
pub use endpoint::Workload;
pub use felix_rule::{FelixAction, FelixMatch, FelixRule};
pub use ipsets::{IpSet, IpSets};

/// Everything Felix programs into one table: its chains, the rules it inserts at the top of
/// kernel chains, and the rules it appends to them.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FelixTable {
    pub table: Table,
    /// Every chain the renderers produce, referenced or not.
    pub chains: Vec<FelixChain>,
    /// `InsertOrAppendRules` (insert mode): kernel chain -> rules, in order, at position 1.
    pub inserts: Vec<(Hook, Vec<FelixRule>)>,
    /// `AppendRules`: kernel chain -> rules appended at the end.
    pub appends: Vec<(Hook, Vec<FelixRule>)>,
}

impl FelixTable {
    /// The chains Felix actually programs: those reachable from its inserts and appends.
    pub fn programmed_chains(&self) -> Vec<&FelixChain> {
        let by_name: BTreeMap<&str, &FelixChain> =
            self.chains.iter().map(|chain| (chain.name.as_str(), chain)).collect();
        let mut reached: BTreeSet<&str> = BTreeSet::new();
        let mut pending: Vec<&str> = self
            .inserts
            .iter()
            .chain(self.appends.iter())
            .flat_map(|(_, rules)| rules.iter().filter_map(|rule| rule.target_chain()))
            .collect();
        while let Some(name) = pending.pop() {
            if let Some(chain) = by_name.get(name)
                && reached.insert(name)
            {
                pending.extend(chain.targets());
            }
        }
        self.chains.iter().filter(|chain| reached.contains(chain.name.as_str())).collect()
    }
}

/// The local workloads Felix knows on `node`: pods placed there with a `cali` interface.
pub fn local_workloads(cluster: &Cluster, node: &str) -> Vec<Workload> {
    let mut workloads: Vec<Workload> = cluster
        .pods
        .iter()
        .filter(|pod| pod.node_name.as_deref() == Some(node) && !pod.host_network)
        .filter_map(|pod| {
            pod.interface.as_ref().map(|interface| Workload {
                interface: interface.clone(),
                namespace: pod.namespace.clone(),
                // The Cluster does not carry `serviceAccountName`; pods use `default` unless set.
                service_account: "default".to_string(),
            })
        })
        .collect();
    crate::sort::by(&mut workloads, |a, b| a.interface.cmp(&b.interface));
    workloads
}

fn hook_jump(chain: &str) -> Vec<FelixRule> {
    vec![FelixRule::new(FelixAction::Jump(chain.to_string()))]
}

/// Felix's four tables for `node`, in the order raw, mangle, nat, filter.
pub fn felix_tables(cluster: &Cluster, node: &str) -> Vec<FelixTable> {
    let config = FelixConfig::for_node(cluster, node);
    let workloads = local_workloads(cluster, node);
    let marks = config.marks;

    let raw = FelixTable {
        table: Table::Raw,
        chains: static_chains::raw_chains(&config),
        inserts: vec![
            (Hook::PreRouting, hook_jump(static_chains::PREROUTING)),
            (Hook::Output, hook_jump(static_chains::OUTPUT)),
        ],
        appends: Vec::new(),
    };
    let mangle = FelixTable {
        table: Table::Mangle,
        chains: static_chains::mangle_chains(&config),
        inserts: vec![
            (Hook::PreRouting, hook_jump(static_chains::PREROUTING)),
            (Hook::PostRouting, hook_jump(static_chains::POSTROUTING)),
        ],
        appends: Vec::new(),
    };
    let nat = FelixTable {
        table: Table::Nat,
        chains: static_chains::nat_chains(&config, &cluster.ip_pools),
        inserts: vec![
            (Hook::PreRouting, hook_jump(static_chains::PREROUTING)),
            (Hook::PostRouting, hook_jump(static_chains::POSTROUTING)),
            (Hook::Output, hook_jump(static_chains::OUTPUT)),
        ],
        appends: Vec::new(),
    };

    let mut filter_chains = static_chains::filter_chains(&config);
    let interfaces: Vec<String> = workloads.iter().map(|workload| workload.interface.clone()).collect();
    filter_chains.extend(dispatch::workload_dispatch_chains(&interfaces));
    for workload in &workloads {
        filter_chains.extend(endpoint::workload_chains(&config, workload));
    }
    filter_chains.extend(endpoint::profile_chains(&config, &workloads));
    let filter = FelixTable {
        table: Table::Filter,
        chains: filter_chains,
        inserts: vec![
            (Hook::Input, hook_jump(static_chains::INPUT)),
            (Hook::Forward, hook_jump(static_chains::FORWARD)),
            (Hook::Output, hook_jump(static_chains::OUTPUT)),
        ],
        // `StaticFilterForwardAppendRules`: accept what policy accepted (in case FORWARD's
        // policy is DROP), then mark forwarded traffic for mangle `cali-POSTROUTING`.
        appends: vec![(
            Hook::Forward,
            vec![
                FelixRule::new(FelixAction::Accept)
                    .with(FelixMatch::Mark { mark: marks.accept, mask: marks.accept })
                    .comment("Policy explicitly accepted packet."),
                FelixRule::new(FelixAction::SetMark(marks.accept)),
            ],
        )],
    };
    vec![raw, mangle, nat, filter]
}

/// Adds Felix's chains and hooks for `node` to `ruleset`: its jumps at the top of the kernel
/// chains (ahead of kube-proxy's), its appends at the end of filter FORWARD, and every
/// programmed `cali-*` chain. Felix rules already present (a `cali:` first comment in a kernel
/// chain, or a Felix chain) are replaced, so applying twice gives the same ruleset.
pub fn apply(cluster: &Cluster, node: &str, ruleset: &mut Ruleset) {
    for felix in felix_tables(cluster, node) {
        let table = ruleset.table_mut(felix.table);
        // Drop earlier Felix hooks from the kernel chains.
        for hook in felix.table.hooks() {
            if let Some(chain) = table.chain_mut(&ChainName::from(*hook)) {
                chain.rules.retain(|rule| !is_felix_rule(rule));
            }
        }
        for (hook, rules) in &felix.inserts {
            let name = ChainName::from(*hook);
            let hashes = chain::hashed_rules(hook.name(), rules);
            for (position, (rule, hash)) in rules.iter().zip(hashes).enumerate() {
                table.insert(&name, position, rule.to_rule(&hash));
            }
        }
        for (hook, rules) in &felix.appends {
            let name = ChainName::from(*hook);
            // Felix hashes appends under `<chain>*appends*` so they differ from its inserts.
            let hashes = chain::hashed_rules(&format!("{}*appends*", hook.name()), rules);
            for (rule, hash) in rules.iter().zip(hashes) {
                table.append(&name, rule.to_rule(&hash));
            }
        }
        for felix_chain in felix.programmed_chains() {
            let programmed = felix_chain.to_chain();
            let name = programmed.name().clone();
            table.ensure_chain(&name).rules = programmed.rules;
        }
    }
}

/// Whether a rule carries Felix's hash comment first (how Felix recognises its own inserts).
fn is_felix_rule(rule: &crate::netfilter::Rule) -> bool {
    matches!(rule.matches.first(), Some(Match::Comment(comment)) if comment.text().starts_with("cali:"))
}

/// The IP sets Felix keeps on `node` (see [`ipsets`]).
pub fn ip_sets(cluster: &Cluster, node: &str) -> IpSets {
    let config = FelixConfig::for_node(cluster, node);
    IpSets::for_cluster(cluster, config.ipip_enabled, config.vxlan_enabled)
}
