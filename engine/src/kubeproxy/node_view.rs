//! The whole node as `iptables-save` shows it: kubelet's chains, kube-proxy's jump rules in
//! the built-in chains, the canaries, and the restored KUBE-* chains.
//!
//! Part of the kube-proxy stage, after [`super::sync`]. Ports `iptablesJumpChains` /
//! `iptablesKubeletJumpChains` (kubernetes `pkg/proxy/iptables/proxier.go`) applied with
//! `EnsureRule(Prepend, ...)`, `iptables.Monitor`'s `KUBE-PROXY-CANARY`, and kubelet's
//! `syncIPTablesRules` chains (`pkg/kubelet/kubelet_network_linux.go`: `KUBE-IPTABLES-HINT`,
//! `KUBE-KUBELET-CANARY`, `KUBE-FIREWALL`). Then the restore input is applied with
//! `iptables-restore --noflush` semantics: each declared chain is flushed and refilled.

use std::collections::BTreeMap;

use crate::netfilter::matches::{Conntrack, CtState};
use crate::netfilter::{Chain, ChainName, Hook, Match, Policy, Rule, Ruleset, Table, TableRules};

use super::rules::{chain, comment, jump};
use super::sync::{
    KUBE_EXTERNAL_SERVICES, KUBE_FIREWALL, KUBE_FORWARD, KUBE_NODEPORTS, KUBE_POSTROUTING, KUBE_PROXY_FIREWALL,
    KUBE_SERVICES, RestoreData, RestoreTable, anti_martian_rule,
};

/// kube-proxy's canary chain, in mangle, nat and filter (`kubeProxyCanaryChain`).
pub const KUBE_PROXY_CANARY: &str = "KUBE-PROXY-CANARY";
/// kubelet's canary chain, in mangle, nat and filter.
pub const KUBE_KUBELET_CANARY: &str = "KUBE-KUBELET-CANARY";
/// kubelet's hint chain in mangle: its presence tells other components which iptables
/// backend (legacy or nft) the node uses.
pub const KUBE_IPTABLES_HINT: &str = "KUBE-IPTABLES-HINT";

/// One row of `iptablesJumpChains`: `-I src [extra args] -m comment --comment C -j dst`.
struct JumpChain {
    table: Table,
    destination: &'static str,
    source: Hook,
    comment: &'static str,
    conntrack_new: bool,
}

/// `iptablesJumpChains` followed by `iptablesKubeletJumpChains`, in kube-proxy's order.
const JUMP_CHAINS: [JumpChain; 14] = [
    JumpChain { table: Table::Filter, destination: KUBE_EXTERNAL_SERVICES, source: Hook::Input, comment: "kubernetes externally-visible service portals", conntrack_new: true },
    JumpChain { table: Table::Filter, destination: KUBE_EXTERNAL_SERVICES, source: Hook::Forward, comment: "kubernetes externally-visible service portals", conntrack_new: true },
    JumpChain { table: Table::Filter, destination: KUBE_NODEPORTS, source: Hook::Input, comment: "kubernetes health check service ports", conntrack_new: false },
    JumpChain { table: Table::Filter, destination: KUBE_SERVICES, source: Hook::Forward, comment: "kubernetes service portals", conntrack_new: true },
    JumpChain { table: Table::Filter, destination: KUBE_SERVICES, source: Hook::Output, comment: "kubernetes service portals", conntrack_new: true },
    JumpChain { table: Table::Filter, destination: KUBE_FORWARD, source: Hook::Forward, comment: "kubernetes forwarding rules", conntrack_new: false },
    JumpChain { table: Table::Filter, destination: KUBE_PROXY_FIREWALL, source: Hook::Input, comment: "kubernetes load balancer firewall", conntrack_new: true },
    JumpChain { table: Table::Filter, destination: KUBE_PROXY_FIREWALL, source: Hook::Output, comment: "kubernetes load balancer firewall", conntrack_new: true },
    JumpChain { table: Table::Filter, destination: KUBE_PROXY_FIREWALL, source: Hook::Forward, comment: "kubernetes load balancer firewall", conntrack_new: true },
    JumpChain { table: Table::Nat, destination: KUBE_SERVICES, source: Hook::Output, comment: "kubernetes service portals", conntrack_new: false },
    JumpChain { table: Table::Nat, destination: KUBE_SERVICES, source: Hook::PreRouting, comment: "kubernetes service portals", conntrack_new: false },
    JumpChain { table: Table::Nat, destination: KUBE_POSTROUTING, source: Hook::PostRouting, comment: "kubernetes postrouting rules", conntrack_new: false },
    JumpChain { table: Table::Filter, destination: KUBE_FIREWALL, source: Hook::Input, comment: "", conntrack_new: false },
    JumpChain { table: Table::Filter, destination: KUBE_FIREWALL, source: Hook::Output, comment: "", conntrack_new: false },
];

impl JumpChain {
    /// `extraArgs`, then the comment (if any), then `-j dst`.
    fn rule(&self) -> Rule {
        let mut rule = Rule::default();
        if self.conntrack_new {
            rule = rule.with(Match::Conntrack(Conntrack::state(&[CtState::New])));
        }
        if !self.comment.is_empty() {
            rule = rule.with(comment(self.comment));
        }
        rule.target(jump(self.destination))
    }
}

/// A table under construction: chains by name, built-ins included.
struct TableBuild {
    table: Table,
    chains: BTreeMap<ChainName, Chain>,
}

impl TableBuild {
    fn new(table: Table) -> TableBuild {
        let chains = table
            .hooks()
            .iter()
            .map(|hook| (ChainName::builtin(*hook), Chain::builtin(ChainName::builtin(*hook), Policy::Accept)))
            .collect();
        TableBuild { table, chains }
    }

    /// `iptables -N NAME` if missing (`EnsureChain`).
    fn ensure(&mut self, name: &ChainName) -> &mut Chain {
        self.chains.entry(name.clone()).or_insert_with(|| Chain::user(name.clone()))
    }

    /// `EnsureRule(Prepend, ...)`: `iptables -C`, and `-I CHAIN 1` when the rule is absent.
    fn ensure_rule_prepended(&mut self, name: &ChainName, rule: Rule) {
        let chain = self.ensure(name);
        if !chain.rules.contains(&rule) {
            chain.rules.insert(0, rule);
        }
    }

    /// `iptables-restore --noflush`: declared chains are created or flushed, then filled.
    fn restore(&mut self, restore: RestoreTable) {
        for name in &restore.chains {
            self.ensure(name).rules.clear();
        }
        for (name, rule) in restore.rules {
            match self.chains.get_mut(&name) {
                Some(chain) => chain.rules.push(rule),
                None => {
                    let mut chain = Chain::user(name.clone());
                    chain.rules.push(rule);
                    self.chains.insert(name, chain);
                }
            }
        }
    }

    fn finish(self) -> TableRules {
        TableRules::from_chains(self.table, self.chains.into_values().collect())
    }
}

/// Builds the node's tables from one sync's restore input, as a node would show them after
/// kubelet started, then kube-proxy started and ran one full sync.
///
/// **Calico goes here next.** On a Calico node Felix programs its `cali-*` chains after
/// kube-proxy and keeps its jumps (`-j cali-PREROUTING`, `cali-INPUT`, `cali-FORWARD`,
/// `cali-OUTPUT`, `cali-POSTROUTING`) at position 1 of the built-in chains, above kube-proxy's.
/// The Calico stage takes the [`Ruleset`] returned here and inserts them with
/// [`TableRules::insert`]`(chain, 0, rule)`.
pub fn node_ruleset(restore: RestoreData) -> Ruleset {
    let mut mangle = TableBuild::new(Table::Mangle);
    let mut nat = TableBuild::new(Table::Nat);
    let mut filter = TableBuild::new(Table::Filter);

    // kubelet (starts first): hint and canary chains, and the IPv4 anti-martian chain.
    mangle.ensure(&chain(KUBE_IPTABLES_HINT));
    for table in [&mut mangle, &mut nat, &mut filter] {
        table.ensure(&chain(KUBE_KUBELET_CANARY));
    }
    filter.ensure(&chain(KUBE_FIREWALL)).rules = vec![anti_martian_rule()];
    for hook in [Hook::Input, Hook::Output] {
        filter.ensure_rule_prepended(&ChainName::builtin(hook), Rule::jump(jump(KUBE_FIREWALL)));
    }

    // kube-proxy: the monitor's canaries, then the jump rules of a full sync.
    for table in [&mut mangle, &mut nat, &mut filter] {
        table.ensure(&chain(KUBE_PROXY_CANARY));
    }
    for jump_chain in &JUMP_CHAINS {
        let table = if jump_chain.table == Table::Nat { &mut nat } else { &mut filter };
        table.ensure(&chain(jump_chain.destination));
        table.ensure_rule_prepended(&ChainName::builtin(jump_chain.source), jump_chain.rule());
    }

    // The restore input.
    filter.restore(restore.filter);
    nat.restore(restore.nat);

    let mut ruleset = Ruleset::new();
    ruleset.set_table(mangle.finish());
    ruleset.set_table(filter.finish());
    ruleset.set_table(nat.finish());
    ruleset
}
