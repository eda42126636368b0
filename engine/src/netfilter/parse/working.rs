//! `WorkingTable`: the table between `*table` and `COMMIT` while restore input is applied.
//!
//! Part of parsing. Chains are kept in a map and jump counts are maintained, so that a
//! restore of kube-proxy's largest rule sets (about 100,000 chains, declared in creation order,
//! with `-X` for stale ones) costs O(n log n) instead of O(n^2). `COMMIT` turns it into a
//! [`TableRules`] with [`TableRules::from_chains`].

use std::collections::BTreeMap;

use crate::netfilter::chain::Chain;
use crate::netfilter::chain_name::ChainName;
use crate::netfilter::policy::Policy;
use crate::netfilter::rule::Rule;
use crate::netfilter::ruleset::TableRules;
use crate::netfilter::table::Table;
use crate::netfilter::target::Target;

/// One table being restored.
#[derive(Debug)]
pub struct WorkingTable {
    table: Table,
    chains: BTreeMap<ChainName, Chain>,
    /// How many rules jump or go to each chain.
    references: BTreeMap<ChainName, usize>,
}

impl WorkingTable {
    /// A working copy of `rules` (for `--noflush`) or of an empty table.
    pub fn new(table: Table, rules: Option<&TableRules>) -> WorkingTable {
        let fresh;
        let rules = match rules {
            Some(rules) => rules,
            None => {
                fresh = TableRules::new(table);
                &fresh
            }
        };
        let mut working = WorkingTable { table, chains: BTreeMap::new(), references: BTreeMap::new() };
        for chain in rules.chains() {
            for rule in &chain.rules {
                working.count(rule, true);
            }
            working.chains.insert(chain.name().clone(), chain.clone());
        }
        working
    }

    pub fn table(&self) -> Table {
        self.table
    }

    /// The finished table, in `iptables-save` order.
    pub fn finish(self) -> TableRules {
        TableRules::from_chains(self.table, self.chains.into_values().collect())
    }

    pub fn has_chain(&self, name: &ChainName) -> bool {
        self.chains.contains_key(name)
    }

    pub fn chain(&self, name: &ChainName) -> Option<&Chain> {
        self.chains.get(name)
    }

    /// The names of every chain (built-in ones included).
    pub fn names(&self) -> Vec<ChainName> {
        self.chains.keys().cloned().collect()
    }

    /// Whether `name` is a built-in chain of this table.
    pub fn is_builtin(&self, name: &ChainName) -> bool {
        self.chains.get(name).is_some_and(Chain::is_builtin)
    }

    /// Creates an empty user chain if missing.
    pub fn ensure_chain(&mut self, name: &ChainName) {
        if !self.chains.contains_key(name) {
            self.chains.insert(name.clone(), Chain::user(name.clone()));
        }
    }

    /// The chain, if it exists, for changing policy or counters (not its rules: use the methods
    /// below so jump counts stay right).
    pub fn chain_mut(&mut self, name: &ChainName) -> Option<&mut Chain> {
        self.chains.get_mut(name)
    }

    /// Sets a built-in chain's policy; `false` for a user chain.
    pub fn set_policy(&mut self, name: &ChainName, policy: Policy) -> bool {
        self.chains.get_mut(name).is_some_and(|chain| chain.set_policy(policy))
    }

    /// How many rules jump or go to `name`.
    pub fn references(&self, name: &ChainName) -> usize {
        self.references.get(name).copied().unwrap_or(0)
    }

    fn count(&mut self, rule: &Rule, add: bool) {
        if let Some(target) = rule.target.as_ref().and_then(Target::chain) {
            let entry = self.references.entry(target.clone()).or_insert(0);
            *entry = if add { entry.saturating_add(1) } else { entry.saturating_sub(1) };
        }
    }

    /// Inserts a rule at `position` (clamped), or appends it with `None`. The chain must exist.
    pub fn add_rule(&mut self, name: &ChainName, position: Option<usize>, rule: Rule) {
        self.count(&rule, true);
        if let Some(chain) = self.chains.get_mut(name) {
            match position {
                Some(position) => {
                    let position = position.min(chain.rules.len());
                    chain.rules.insert(position, rule);
                }
                None => chain.rules.push(rule),
            }
        }
    }

    /// Removes rule `index` of a chain; `false` if there is no such rule.
    pub fn remove_rule(&mut self, name: &ChainName, index: usize) -> bool {
        let removed = match self.chains.get_mut(name) {
            Some(chain) if index < chain.rules.len() => Some(chain.rules.remove(index)),
            _ => None,
        };
        match removed {
            Some(rule) => {
                self.count(&rule, false);
                true
            }
            None => false,
        }
    }

    /// Empties a chain.
    pub fn flush(&mut self, name: &ChainName) {
        let rules = self.chains.get_mut(name).map(|chain| std::mem::take(&mut chain.rules)).unwrap_or_default();
        for rule in &rules {
            self.count(rule, false);
        }
    }

    /// Removes a user chain (the caller checked that it is empty and unreferenced).
    pub fn delete(&mut self, name: &ChainName) {
        if !self.is_builtin(name) {
            self.chains.remove(name);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::netfilter::hook::Hook;

    #[test]
    fn references_follow_rules() {
        let mut working = WorkingTable::new(Table::Nat, None);
        let sep = ChainName::from_trusted("KUBE-SEP-X");
        let prerouting = ChainName::from(Hook::PreRouting);
        working.ensure_chain(&sep);
        working.add_rule(&prerouting, None, Rule::jump(Target::Jump(sep.clone())));
        working.add_rule(&prerouting, Some(0), Rule::jump(Target::Jump(sep.clone())));
        assert_eq!(working.references(&sep), 2);
        assert!(working.remove_rule(&prerouting, 1));
        assert!(!working.remove_rule(&prerouting, 5));
        assert_eq!(working.references(&sep), 1);
        working.flush(&prerouting);
        assert_eq!(working.references(&sep), 0);
        working.delete(&sep);
        working.delete(&prerouting);
        let finished = working.finish();
        assert!(!finished.has_chain(&sep));
        assert!(finished.has_chain(&prerouting));
    }
}
