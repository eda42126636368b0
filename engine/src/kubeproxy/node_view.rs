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
    /// Chains the restore input declared that the table did not have (kube-proxy's ~110,000
    /// per-service chains for 10,000 Services), sorted by name, none of them in `chains`.
    /// They are kept out of the map: see [`TableBuild::restore`].
    fresh: Vec<Chain>,
}

/// How far from the last chain written to [`TableBuild::restore`] looks for the next one
/// before it searches: kube-proxy declares a service port's chains in the order it fills
/// them (SVC, then each SEP), so the next chain is almost always within a few declarations.
const NEARBY_DECLARATIONS: usize = 8;

impl TableBuild {
    fn new(table: Table) -> TableBuild {
        let chains = crate::sort::map_of(
            table
                .hooks()
                .iter()
                .map(|hook| (ChainName::builtin(*hook), Chain::builtin(ChainName::builtin(*hook), Policy::Accept))),
        );
        TableBuild { table, chains, fresh: Vec::new() }
    }

    /// `iptables -N NAME` if missing (`EnsureChain`).
    fn ensure(&mut self, name: &ChainName) -> &mut Chain {
        self.absorb_fresh();
        self.chains.entry(name.clone()).or_insert_with_key(|name| Chain::user(name.clone()))
    }

    /// Moves the chains of an earlier restore into the map (only needed when the table is
    /// changed after a restore, which [`node_ruleset`] does not do).
    fn absorb_fresh(&mut self) {
        for chain in std::mem::take(&mut self.fresh) {
            self.chains.entry(chain.name().clone()).or_insert(chain);
        }
    }

    /// `EnsureRule(Prepend, ...)`: `iptables -C`, and `-I CHAIN 1` when the rule is absent.
    fn ensure_rule_prepended(&mut self, name: &ChainName, rule: Rule) {
        let chain = self.ensure(name);
        if !chain.rules.contains(&rule) {
            chain.rules.insert(0, rule);
        }
    }

    /// `iptables-restore --noflush`: declared chains are created or flushed, then filled;
    /// `-X` lines delete chains.
    ///
    /// The declared chains the table lacks are not inserted into the name map one by one:
    /// they are kept in declaration order, their names sorted once, and each run of
    /// consecutive rules of one chain (a SEP chain's two rules, a SVC chain's cascade) finds
    /// its chain among the few declared next to the previous run's chain, else by binary
    /// search. The result is the same as with the map: every rule lands in the chain it
    /// names, in input order.
    fn restore(&mut self, restore: RestoreTable) {
        self.absorb_fresh();
        let RestoreTable { chains: declared, rules, deleted, .. } = restore;
        let mut fresh: Vec<Chain> = Vec::new();
        for name in declared {
            match self.chains.get_mut(&name) {
                Some(chain) => chain.rules.clear(),
                None => fresh.push(Chain::user(name)),
            }
        }
        let mut by_name: Vec<usize> = (0..fresh.len()).collect();
        crate::sort::by(&mut by_name, |a, b| fresh_name(&fresh, *a).cmp(fresh_name(&fresh, *b)));
        let declared_twice =
            by_name.windows(2).any(|pair| matches!(pair, [a, b] if fresh_name(&fresh, *a) == fresh_name(&fresh, *b)));
        if declared_twice {
            // Not something kube-proxy writes; the second declaration flushes the first.
            for chain in fresh {
                self.chains.entry(chain.name().clone()).or_insert(chain);
            }
            by_name.clear();
            fresh = Vec::new();
        }

        let mut last = 0usize;
        let mut rules = rules.into_iter().peekable();
        while let Some((name, rule)) = rules.next() {
            let chain = match find_fresh(&fresh, &by_name, last, &name) {
                Some(index) => {
                    last = index;
                    fresh.get_mut(index)
                }
                None => None,
            };
            let chain = match chain {
                Some(chain) => chain,
                None => self.chains.entry(name).or_insert_with_key(|name| Chain::user(name.clone())),
            };
            chain.rules.push(rule);
            while let Some((_, rule)) = rules.next_if(|(next, _)| next == chain.name()) {
                chain.rules.push(rule);
            }
        }

        // `-X` lines: the chains are looked up first, then removed.
        let mut removed = vec![false; fresh.len()];
        for name in &deleted {
            self.chains.remove(name);
            let found = by_name.binary_search_by(|index| fresh_name(&fresh, *index).cmp(name.as_str())).ok();
            if let Some(flag) = found.and_then(|position| by_name.get(position)).and_then(|index| removed.get_mut(*index)) {
                *flag = true;
            }
        }
        let mut slots: Vec<Option<Chain>> =
            fresh.into_iter().zip(removed).map(|(chain, removed)| (!removed).then_some(chain)).collect();
        self.fresh = by_name.iter().filter_map(|index| slots.get_mut(*index).and_then(Option::take)).collect();
    }

    fn finish(mut self) -> TableRules {
        // Both parts are sorted by name, so the sort in `from_chains` only merges them.
        let mut chains: Vec<Chain> = self.chains.into_values().collect();
        chains.append(&mut self.fresh);
        TableRules::from_chains(self.table, chains)
    }
}

/// The name of `fresh[index]` (empty if out of range, which the callers never ask).
fn fresh_name(fresh: &[Chain], index: usize) -> &str {
    fresh.get(index).map_or("", |chain| chain.name().as_str())
}

/// The index in `fresh` of the chain named `name`: first among the declarations near
/// `last`, then by binary search over `by_name` (indices of `fresh` sorted by name).
fn find_fresh(fresh: &[Chain], by_name: &[usize], last: usize, name: &ChainName) -> Option<usize> {
    let start = last.saturating_sub(NEARBY_DECLARATIONS);
    let end = last.saturating_add(NEARBY_DECLARATIONS).min(fresh.len());
    if let Some(offset) = fresh.get(start..end).and_then(|near| near.iter().position(|chain| chain.name() == name)) {
        return start.checked_add(offset);
    }
    let position = by_name.binary_search_by(|index| fresh_name(fresh, *index).cmp(name.as_str())).ok()?;
    by_name.get(position).copied()
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

#[cfg(test)]
mod tests {
    use super::*;

    /// `iptables-restore --noflush` applied the plain way: one map lookup per declaration and
    /// per rule.
    fn restored_with_a_map(table: Table, restore: &RestoreTable) -> TableRules {
        let mut build = TableBuild::new(table);
        for name in &restore.chains {
            build.chains.entry(name.clone()).or_insert_with(|| Chain::user(name.clone())).rules.clear();
        }
        for (name, rule) in &restore.rules {
            build.chains.entry(name.clone()).or_insert_with(|| Chain::user(name.clone())).rules.push(rule.clone());
        }
        for name in &restore.deleted {
            build.chains.remove(name);
        }
        build.finish()
    }

    fn restored(table: Table, restore: &RestoreTable) -> TableRules {
        let mut build = TableBuild::new(table);
        build.restore(restore.clone());
        build.finish()
    }

    /// A rule told apart from the others by its target chain.
    fn rule(number: usize) -> Rule {
        Rule::jump(jump(&format!("TARGET-{number}")))
    }

    fn restore_input(chains: &[&str], rules: &[&str], deleted: &[&str]) -> RestoreTable {
        RestoreTable {
            table: Table::Nat,
            chains: chains.iter().map(|name| chain(name)).collect(),
            rules: rules.iter().enumerate().map(|(number, name)| (chain(name), rule(number))).collect(),
            deleted: deleted.iter().map(|name| chain(name)).collect(),
        }
    }

    #[test]
    fn restore_puts_every_rule_where_a_map_would() {
        let many: Vec<String> = (0..40).map(|index| format!("KUBE-SEP-{index:02}")).collect();
        let many: Vec<&str> = many.iter().map(String::as_str).collect();
        let mut far_rules: Vec<&str> = Vec::new();
        // Runs far from the previous one, back and forth, and a chain filled twice.
        for index in [0, 39, 1, 38, 20, 0, 21, 39] {
            far_rules.extend([many[index], many[index]]);
        }
        let cases = [
            // Rules before the declaration, runs interleaved with a built-in chain, a rule
            // for an undeclared chain, a declared built-in chain.
            restore_input(
                &["KUBE-SERVICES", "KUBE-SVC-A", "KUBE-SEP-A1", "PREROUTING", "KUBE-SEP-A2"],
                &["KUBE-SVC-A", "KUBE-SERVICES", "KUBE-SVC-A", "KUBE-SVC-A", "KUBE-SEP-A1", "KUBE-SEP-A2", "KUBE-SEP-A1", "KUBE-UNDECLARED", "PREROUTING"],
                &[],
            ),
            restore_input(&many, &far_rules, &[]),
            // A chain declared twice: one chain, every rule in order.
            restore_input(&["KUBE-SVC-B", "KUBE-SEP-B", "KUBE-SVC-B"], &["KUBE-SVC-B", "KUBE-SEP-B", "KUBE-SVC-B"], &[]),
            // Several stale chains deleted, declared among live ones.
            restore_input(
                &["KUBE-SVC-LIVE", "KUBE-SVC-OLD1", "KUBE-SEP-OLD2", "KUBE-SEP-LIVE", "KUBE-SEP-OLD3"],
                &["KUBE-SVC-LIVE", "KUBE-SEP-LIVE"],
                &["KUBE-SEP-OLD2", "KUBE-SEP-OLD3", "KUBE-SVC-OLD1"],
            ),
        ];
        for restore in &cases {
            let expected = restored_with_a_map(Table::Nat, restore);
            assert_eq!(restored(Table::Nat, restore), expected, "{restore:?}");
        }
        // The comparison is not vacuous: the stale chains are gone, the live ones kept.
        let stale = restored(Table::Nat, &cases[3]);
        let names: Vec<&str> = stale.chains().iter().map(|chain| chain.name().as_str()).collect();
        assert_eq!(names, ["PREROUTING", "INPUT", "OUTPUT", "POSTROUTING", "KUBE-SEP-LIVE", "KUBE-SVC-LIVE"]);
        let twice = restored(Table::Nat, &cases[2]);
        let svc = twice.chain(&chain("KUBE-SVC-B")).map(|chain| chain.rules.clone());
        assert_eq!(svc, Some(vec![rule(0), rule(2)]));
    }
}
