//! `Ruleset` and `TableRules`: every table of one node's netfilter, its chains and their rules.
//!
//! Part of the netfilter model; kubeproxy::generate builds one per node, the renderer prints
//! it as `iptables-save`, the parser reads it back. Invariant: each table holds all of its
//! built-in chains (in hook order) followed by its user chains sorted by name (byte order), the
//! order `iptables-save` prints them in.

use std::collections::BTreeMap;

use super::chain::Chain;
use super::chain_name::ChainName;
use super::policy::Policy;
use super::rule::Rule;
use super::table::Table;

/// The chains of one table.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct TableRules {
    table: Table,
    chains: Vec<Chain>,
}

impl TableRules {
    /// A table with its built-in chains (policy ACCEPT, no rules) and no user chains.
    pub fn new(table: Table) -> TableRules {
        let chains = table.hooks().iter().map(|hook| Chain::builtin((*hook).into(), Policy::Accept)).collect();
        TableRules { table, chains }
    }

    pub fn table(&self) -> Table {
        self.table
    }

    /// Built-in chains in hook order, then user chains by name.
    pub fn chains(&self) -> &[Chain] {
        &self.chains
    }

    /// Where `name` is (`Ok`) or would be inserted (`Err`): a linear look at the few built-in
    /// chains, then a binary search of the user chains, which are sorted by name.
    fn position(&self, name: &ChainName) -> Result<usize, usize> {
        let n_builtin = self.chains.iter().take_while(|chain| chain.is_builtin()).count();
        if let Some(index) = self.chains.iter().take(n_builtin).position(|chain| chain.name() == name) {
            return Ok(index);
        }
        let user = self.chains.get(n_builtin..).unwrap_or_default();
        user.binary_search_by(|chain| chain.name().as_str().as_bytes().cmp(name.as_str().as_bytes()))
            .map(|offset| n_builtin.saturating_add(offset))
            .map_err(|offset| n_builtin.saturating_add(offset))
    }

    pub fn chain(&self, name: &ChainName) -> Option<&Chain> {
        self.position(name).ok().and_then(|index| self.chains.get(index))
    }

    pub fn chain_mut(&mut self, name: &ChainName) -> Option<&mut Chain> {
        self.position(name).ok().and_then(|index| self.chains.get_mut(index))
    }

    pub fn has_chain(&self, name: &ChainName) -> bool {
        self.position(name).is_ok()
    }

    /// The chain called `name`, created as an empty user chain if missing (`iptables -N`,
    /// or a `:NAME - [0:0]` line). A built-in name of another table is a user chain here
    /// (e.g. `FORWARD` in nat).
    pub fn ensure_chain(&mut self, name: &ChainName) -> &mut Chain {
        let index = match self.position(name) {
            Ok(index) => index,
            Err(index) => {
                let index = index.min(self.chains.len());
                self.chains.insert(index, Chain::user(name.clone()));
                index
            }
        };
        // The index is in bounds: it was found or just inserted, so `chains` is not empty.
        let last = self.chains.len().saturating_sub(1);
        &mut self.chains[index.min(last)]
    }

    /// Appends a rule (`-A`), creating the chain if needed.
    pub fn append(&mut self, chain: &ChainName, rule: Rule) {
        self.ensure_chain(chain).rules.push(rule);
    }

    /// Inserts a rule at 0-based `position` (`-I CHAIN N` is position N-1), clamped to the end.
    pub fn insert(&mut self, chain: &ChainName, position: usize, rule: Rule) {
        let rules = &mut self.ensure_chain(chain).rules;
        let position = position.min(rules.len());
        rules.insert(position, rule);
    }

    /// Removes a user chain (`-X`); returns whether it existed. Built-in chains stay.
    pub fn delete_chain(&mut self, name: &ChainName) -> bool {
        match self.position(name) {
            Ok(index) if self.chains.get(index).is_some_and(|chain| !chain.is_builtin()) => {
                self.chains.remove(index);
                true
            }
            _ => false,
        }
    }

    /// Empties a chain (`-F`, or a `:NAME` line in `iptables-restore --noflush`).
    pub fn flush_chain(&mut self, name: &ChainName) {
        if let Some(chain) = self.chain_mut(name) {
            chain.rules.clear();
        }
    }

    /// Number of rules in all chains.
    pub fn rule_count(&self) -> usize {
        self.chains.iter().map(|chain| chain.rules.len()).sum()
    }

    /// Builds a table from chains given in any order, in O(n log n) (added for kube-proxy's
    /// generator, which makes ~100k chains for 10,000 Services): the table's built-in chains in
    /// hook order (a given built-in chain keeps its policy, counters and rules; missing ones are
    /// empty ACCEPT chains), then the user chains sorted by name. A user chain name given twice
    /// keeps the first chain with that name.
    pub fn from_chains(table: Table, chains: Vec<Chain>) -> TableRules {
        let mut result = TableRules::new(table);
        let mut user: Vec<Chain> = Vec::new();
        for chain in chains {
            let builtin_slot = chain
                .name()
                .hook()
                .filter(|hook| chain.is_builtin() && table.has_hook(*hook))
                .and_then(|_| result.chains.iter().position(|existing| existing.name() == chain.name()));
            match builtin_slot {
                Some(index) => {
                    if let Some(slot) = result.chains.get_mut(index) {
                        *slot = chain;
                    }
                }
                None => user.push(chain),
            }
        }
        crate::sort::by(&mut user, |a, b| a.name().as_str().as_bytes().cmp(b.name().as_str().as_bytes()));
        user.dedup_by(|later, earlier| later.name() == earlier.name());
        result.chains.extend(user);
        result
    }
}

/// All tables of one node (IPv4). Tables that were never touched are absent, as they are
/// absent from `iptables-save` on an nft host where nothing created them.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Default)]
pub struct Ruleset {
    tables: BTreeMap<Table, TableRules>,
}

impl Ruleset {
    pub fn new() -> Ruleset {
        Ruleset::default()
    }

    /// Tables in `iptables-save` order.
    pub fn tables(&self) -> impl Iterator<Item = &TableRules> {
        self.tables.values()
    }

    pub fn table(&self, table: Table) -> Option<&TableRules> {
        self.tables.get(&table)
    }

    /// The table, created with its built-in chains if missing.
    pub fn table_mut(&mut self, table: Table) -> &mut TableRules {
        self.tables.entry(table).or_insert_with(|| TableRules::new(table))
    }

    /// Replaces a whole table.
    pub fn set_table(&mut self, rules: TableRules) {
        self.tables.insert(rules.table(), rules);
    }

    /// Shorthand: append a rule to `table`/`chain`.
    pub fn append(&mut self, table: Table, chain: &ChainName, rule: Rule) {
        self.table_mut(table).append(chain, rule);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::netfilter::hook::Hook;
    use crate::netfilter::target::Target;

    #[test]
    fn builtins_first_then_user_chains_in_byte_order() {
        let mut nat = TableRules::new(Table::Nat);
        for name in ["KUBE-SVC-B", "KUBE-SERVICES", "cali-nat-outgoing", "KUBE-EXT-A", "KUBE-SERVICES"] {
            nat.ensure_chain(&ChainName::from_trusted(name));
        }
        let names: Vec<&str> = nat.chains().iter().map(|chain| chain.name().as_str()).collect();
        assert_eq!(
            names,
            [
                "PREROUTING",
                "INPUT",
                "OUTPUT",
                "POSTROUTING",
                "KUBE-EXT-A",
                "KUBE-SERVICES",
                "KUBE-SVC-B",
                "cali-nat-outgoing"
            ]
        );
    }

    #[test]
    fn insert_append_delete() {
        let mut filter = TableRules::new(Table::Filter);
        let input = ChainName::from(Hook::Input);
        filter.append(&input, Rule::jump(Target::Accept));
        filter.insert(&input, 0, Rule::jump(Target::Drop));
        filter.insert(&input, 99, Rule::jump(Target::Return));
        let targets: Vec<_> = filter.chain(&input).unwrap().rules.iter().map(|rule| rule.to_string()).collect();
        assert_eq!(targets, ["-j DROP", "-j ACCEPT", "-j RETURN"]);
        assert!(!filter.delete_chain(&input));
        let user = ChainName::from_trusted("KUBE-FORWARD");
        filter.ensure_chain(&user);
        assert!(filter.delete_chain(&user));
        assert_eq!(filter.rule_count(), 3);
    }

    #[test]
    fn ruleset_tables_in_save_order() {
        let mut ruleset = Ruleset::new();
        ruleset.table_mut(Table::Nat);
        ruleset.table_mut(Table::Filter);
        ruleset.table_mut(Table::Mangle);
        ruleset.table_mut(Table::Raw);
        ruleset.table_mut(Table::Security);
        let order: Vec<Table> = ruleset.tables().map(|table| table.table()).collect();
        // Observed with iptables v1.8.9 (nf_tables) in a network namespace.
        assert_eq!(order, [Table::Mangle, Table::Security, Table::Raw, Table::Filter, Table::Nat]);
    }
}
