//! Consistency checks of a [`Ruleset`]: jumps that land nowhere, loops, targets used where the
//! kernel refuses them, and parts the lab keeps but does not emulate.
//!
//! Pipeline: run on every generated or parsed ruleset (kubeproxy tests, the app's warnings).
//! [`check_jumps`] is the port of kube-proxy's `checkIPTablesRuleJumps`
//! (pkg/proxy/iptables/proxier_test.go), which every upstream golden test runs; the other
//! checks follow what `iptables-restore` itself refuses.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;

use super::chain_name::ChainName;
use super::hook::Hook;
use super::matches::Match;
use super::ruleset::{Ruleset, TableRules};
use super::table::Table;
use super::target::Target;

/// Where a problem is: a table, a chain and (for rule problems) the 1-based rule number.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct Location {
    pub table: Table,
    pub chain: ChainName,
    pub rule: Option<usize>,
}

impl fmt::Display for Location {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.rule {
            Some(rule) => write!(f, "{} {} rule {rule}", self.table, self.chain),
            None => write!(f, "{} {}", self.table, self.chain),
        }
    }
}

/// What is wrong.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum CheckProblem {
    /// `-j`/`-g` to a chain the table does not have.
    MissingChain { target: ChainName },
    /// A chain name iptables would refuse (too long, bad characters).
    BadChainName { reason: String },
    /// `-j`/`-g` to a built-in chain, which iptables does not allow.
    JumpToBuiltin { target: ChainName },
    /// Chains that jump to each other in a circle. iptables v1.8.9 (nf_tables) accepts such
    /// chains until a built-in chain leads into them, then refuses with "Too many links".
    Loop { chains: Vec<ChainName> },
    /// A target used in a table or hook where the kernel refuses it (`DNAT` outside nat
    /// PREROUTING/OUTPUT, `MASQUERADE` outside nat POSTROUTING, ...).
    TargetNotAllowed { target: String, allowed: String },
    /// `-i` on a rule reached from OUTPUT/POSTROUTING, or `-o` from PREROUTING/INPUT.
    InterfaceNotAllowed { option: String, hook: Hook },
    /// kube-proxy's stricter rule: a chain is jumped to but has no rules.
    EmptyChain { target: ChainName },
    /// kube-proxy's stricter rule: a chain is declared but nothing jumps to it.
    UnusedChain,
    /// A match module or target the lab keeps verbatim but does not evaluate.
    NotEmulated { what: String },
}

/// One problem at one place.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct Finding {
    pub location: Location,
    pub problem: CheckProblem,
}

impl fmt::Display for CheckProblem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            CheckProblem::MissingChain { target } => {
                write!(f, "jumps to `{target}`, but the table has no such chain")
            }
            CheckProblem::BadChainName { reason } => write!(f, "has a bad name: {reason}"),
            CheckProblem::JumpToBuiltin { target } => {
                write!(f, "jumps to the built-in chain `{target}`, which iptables does not allow")
            }
            CheckProblem::Loop { chains } => {
                let names: Vec<&str> = chains.iter().map(ChainName::as_str).collect();
                write!(
                    f,
                    "is part of a jump loop ({}); iptables refuses it once a built-in chain leads into it",
                    names.join(" -> ")
                )
            }
            CheckProblem::TargetNotAllowed { target, allowed } => {
                write!(f, "uses `-j {target}`, which the kernel only allows in {allowed}")
            }
            CheckProblem::InterfaceNotAllowed { option, hook } => {
                write!(f, "uses `{option}` but is reached from {hook}, where packets have no such interface")
            }
            CheckProblem::EmptyChain { target } => write!(f, "jumps to `{target}`, which has no rules"),
            CheckProblem::UnusedChain => f.write_str("is declared but nothing jumps to it"),
            CheckProblem::NotEmulated { what } => write!(f, "uses {what}, which the lab prints but does not emulate"),
        }
    }
}

impl fmt::Display for Finding {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {}.", self.location, self.problem)
    }
}

fn location(table: &TableRules, chain: &ChainName, rule: Option<usize>) -> Location {
    Location { table: table.table(), chain: chain.clone(), rule }
}

/// Every `-j`/`-g` names a chain of its table (not a built-in one), every chain name is valid,
/// and there are no loops. The kube-proxy golden tests run the equivalent on every output.
pub fn check_jumps(ruleset: &Ruleset) -> Vec<Finding> {
    let mut findings = Vec::new();
    for table in ruleset.tables() {
        for chain in table.chains() {
            if let Err(error) = chain.name().validate() {
                findings.push(Finding {
                    location: location(table, chain.name(), None),
                    problem: CheckProblem::BadChainName { reason: error.to_string() },
                });
            }
            for (index, rule) in chain.rules.iter().enumerate() {
                let Some(target) = rule.target.as_ref().and_then(Target::chain) else { continue };
                let problem = match table.chain(target) {
                    None => Some(CheckProblem::MissingChain { target: target.clone() }),
                    Some(found) if found.is_builtin() => Some(CheckProblem::JumpToBuiltin { target: target.clone() }),
                    Some(_) => None,
                };
                if let Some(problem) = problem {
                    findings.push(Finding {
                        location: location(table, chain.name(), Some(index.saturating_add(1))),
                        problem,
                    });
                }
            }
        }
        findings.extend(loops(table));
    }
    findings
}

/// The user chains each chain jumps or goes to.
fn edges(table: &TableRules) -> BTreeMap<ChainName, BTreeSet<ChainName>> {
    table
        .chains()
        .iter()
        .map(|chain| {
            let targets = chain
                .rules
                .iter()
                .filter_map(|rule| rule.target.as_ref().and_then(Target::chain))
                .filter(|target| table.has_chain(target))
                .cloned()
                .collect();
            (chain.name().clone(), targets)
        })
        .collect()
}

fn loops(table: &TableRules) -> Vec<Finding> {
    let graph = edges(table);
    let mut findings = Vec::new();
    let mut reported: BTreeSet<ChainName> = BTreeSet::new();
    for start in graph.keys() {
        if reported.contains(start) {
            continue;
        }
        // Depth-first search with an explicit stack (no recursion: rulesets can be deep).
        let mut path: Vec<ChainName> = vec![start.clone()];
        let mut iterators: Vec<Vec<ChainName>> =
            vec![graph.get(start).map(|set| set.iter().cloned().collect()).unwrap_or_default()];
        let mut visited: BTreeSet<ChainName> = BTreeSet::new();
        while let Some(next) = iterators.last_mut().and_then(Vec::pop) {
            if next == *start {
                let mut chains = path.clone();
                chains.push(start.clone());
                reported.extend(path.iter().cloned());
                findings
                    .push(Finding { location: location(table, start, None), problem: CheckProblem::Loop { chains } });
                break;
            }
            if visited.insert(next.clone()) {
                iterators.push(graph.get(&next).map(|set| set.iter().cloned().collect()).unwrap_or_default());
                path.push(next);
            }
            while iterators.last().is_some_and(Vec::is_empty) {
                iterators.pop();
                path.pop();
            }
        }
    }
    findings
}

/// For each chain, the hooks whose built-in chain reaches it through jumps and gotos.
pub fn reachable_hooks(table: &TableRules) -> BTreeMap<ChainName, BTreeSet<Hook>> {
    let graph = edges(table);
    let mut reached: BTreeMap<ChainName, BTreeSet<Hook>> = BTreeMap::new();
    for hook in table.table().hooks() {
        let start = ChainName::from(*hook);
        let mut stack = vec![start];
        let mut seen = BTreeSet::new();
        while let Some(chain) = stack.pop() {
            if !seen.insert(chain.clone()) {
                continue;
            }
            reached.entry(chain.clone()).or_default().insert(*hook);
            if let Some(targets) = graph.get(&chain) {
                stack.extend(targets.iter().cloned());
            }
        }
    }
    reached
}

/// The tables and hooks where the kernel allows a target, from each extension's
/// `xt_target` registration (`.table`, `.hooks`): `None` means anywhere.
fn allowed_for(target: &Target) -> Option<(Option<Table>, &'static [Hook], &'static str)> {
    match target {
        Target::Dnat(_) => {
            Some((Some(Table::Nat), &[Hook::PreRouting, Hook::Output], "the nat table's PREROUTING and OUTPUT"))
        }
        Target::Snat(_) => {
            Some((Some(Table::Nat), &[Hook::PostRouting, Hook::Input], "the nat table's POSTROUTING and INPUT"))
        }
        Target::Masquerade(_) => Some((Some(Table::Nat), &[Hook::PostRouting], "the nat table's POSTROUTING")),
        Target::Reject(_) => Some((None, &[Hook::Input, Hook::Forward, Hook::Output], "INPUT, FORWARD and OUTPUT")),
        Target::Trace => Some((Some(Table::Raw), &[Hook::PreRouting, Hook::Output], "the raw table")),
        _ => None,
    }
}

/// Targets and interface options used where the kernel refuses them (what
/// `iptables-restore` reports as "Invalid argument" or "Can't use -o with INPUT").
pub fn check_placement(ruleset: &Ruleset) -> Vec<Finding> {
    let mut findings = Vec::new();
    for table in ruleset.tables() {
        let reached = reachable_hooks(table);
        for chain in table.chains() {
            let hooks = reached.get(chain.name()).cloned().unwrap_or_default();
            for (index, rule) in chain.rules.iter().enumerate() {
                let at = location(table, chain.name(), Some(index.saturating_add(1)));
                if let Some(target) = &rule.target
                    && let Some((only_table, only_hooks, allowed)) = allowed_for(target)
                {
                    let wrong_table = only_table.is_some_and(|only| only != table.table());
                    let wrong_hook = hooks.iter().any(|hook| !only_hooks.contains(hook));
                    if wrong_table || wrong_hook {
                        findings.push(Finding {
                            location: at.clone(),
                            problem: CheckProblem::TargetNotAllowed {
                                target: target.name().to_string(),
                                allowed: allowed.to_string(),
                            },
                        });
                    }
                }
                for hook in &hooks {
                    let option = match hook {
                        Hook::Output | Hook::PostRouting if rule.in_interface.is_some() => "-i",
                        Hook::PreRouting | Hook::Input if rule.out_interface.is_some() => "-o",
                        _ => continue,
                    };
                    findings.push(Finding {
                        location: at.clone(),
                        problem: CheckProblem::InterfaceNotAllowed { option: option.to_string(), hook: *hook },
                    });
                }
            }
        }
    }
    findings
}

/// kube-proxy's stricter test rules (`checkIPTablesRuleJumps`): a jumped-to chain must have
/// rules (except `KUBE-NODEPORTS`), and a declared chain must be jumped to (except the static
/// `KUBE-SERVICES`, `KUBE-EXTERNAL-SERVICES`, `KUBE-NODEPORTS`, `KUBE-POSTROUTING`,
/// `KUBE-FORWARD`, `KUBE-MARK-MASQ`, `KUBE-PROXY-FIREWALL`, `KUBE-FIREWALL`). For kube-proxy's own
/// restore data, not for a whole node (Calico's chains are often empty).
pub fn check_kube_proxy(ruleset: &Ruleset) -> Vec<Finding> {
    const STATIC: [&str; 8] = [
        "KUBE-SERVICES",
        "KUBE-EXTERNAL-SERVICES",
        "KUBE-NODEPORTS",
        "KUBE-POSTROUTING",
        "KUBE-FORWARD",
        "KUBE-MARK-MASQ",
        "KUBE-PROXY-FIREWALL",
        "KUBE-FIREWALL",
    ];
    let mut findings = check_jumps(ruleset);
    for table in ruleset.tables() {
        let mut jumped: BTreeSet<&ChainName> = BTreeSet::new();
        for chain in table.chains() {
            for (index, rule) in chain.rules.iter().enumerate() {
                let Some(target) = rule.target.as_ref().and_then(Target::chain) else { continue };
                jumped.insert(target);
                let empty = table.chain(target).is_some_and(|found| found.rules.is_empty());
                if empty && target.as_str() != "KUBE-NODEPORTS" {
                    findings.push(Finding {
                        location: location(table, chain.name(), Some(index.saturating_add(1))),
                        problem: CheckProblem::EmptyChain { target: target.clone() },
                    });
                }
            }
        }
        for chain in table.chains() {
            if !chain.is_builtin() && !jumped.contains(chain.name()) && !STATIC.contains(&chain.name().as_str()) {
                findings.push(Finding {
                    location: location(table, chain.name(), None),
                    problem: CheckProblem::UnusedChain,
                });
            }
        }
    }
    findings
}

/// Every match module and target the lab keeps verbatim but cannot evaluate.
pub fn not_emulated(ruleset: &Ruleset) -> Vec<Finding> {
    let mut findings = Vec::new();
    for table in ruleset.tables() {
        for chain in table.chains() {
            for (index, rule) in chain.rules.iter().enumerate() {
                let at = location(table, chain.name(), Some(index.saturating_add(1)));
                for matched in &rule.matches {
                    if let Match::Unknown(unknown) = matched {
                        findings.push(Finding {
                            location: at.clone(),
                            problem: CheckProblem::NotEmulated { what: format!("the match `-m {}`", unknown.module) },
                        });
                    }
                }
                if let Some(Target::Unknown { name, .. }) = &rule.target {
                    findings.push(Finding {
                        location: at,
                        problem: CheckProblem::NotEmulated { what: format!("the target `-j {name}`") },
                    });
                }
            }
        }
    }
    findings
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::netfilter::parse::parse;

    fn findings(text: &str, check: fn(&Ruleset) -> Vec<Finding>) -> Vec<String> {
        let parsed = parse(text);
        check(&parsed.ruleset).iter().map(ToString::to_string).collect()
    }

    #[test]
    fn missing_and_builtin_targets_and_loops() {
        let text = "*filter\n:A - [0:0]\n:B - [0:0]\n-A INPUT -j A\n-A A -j B\n-A B -j A\n-A B -j NOPE-X\n-A A -j FORWARD\nCOMMIT\n";
        assert_eq!(
            findings(text, check_jumps),
            [
                "filter A rule 2 jumps to the built-in chain `FORWARD`, which iptables does not allow.",
                "filter B rule 2 jumps to `NOPE-X`, but the table has no such chain.",
                "filter A is part of a jump loop (A -> B -> A); iptables refuses it once a built-in chain leads into it.",
            ]
        );
    }

    #[test]
    fn placement_follows_the_kernel() {
        let text = "*nat\n:KUBE-SEP-X - [0:0]\n-A PREROUTING -j KUBE-SEP-X\n-A POSTROUTING -j KUBE-SEP-X\n-A KUBE-SEP-X -j DNAT --to-destination 10.0.0.1:80\n-A POSTROUTING -i eth0 -j MASQUERADE\nCOMMIT\n*filter\n-A INPUT -j REJECT\n-A FORWARD -j REJECT\nCOMMIT\n";
        assert_eq!(
            findings(text, check_placement),
            [
                "nat POSTROUTING rule 2 uses `-i` but is reached from POSTROUTING, where packets have no such interface.",
                "nat KUBE-SEP-X rule 1 uses `-j DNAT`, which the kernel only allows in the nat table's PREROUTING and OUTPUT.",
            ]
        );
    }

    #[test]
    fn kube_proxy_rules_and_not_emulated() {
        let text = "*nat\n:KUBE-SERVICES - [0:0]\n:KUBE-NODEPORTS - [0:0]\n:KUBE-SVC-A - [0:0]\n:KUBE-SEP-B - [0:0]\n-A KUBE-SERVICES -j KUBE-NODEPORTS\n-A KUBE-SERVICES -j KUBE-SVC-A\n-A KUBE-SERVICES -p icmp -m icmp --icmp-type 8 -j CT --notrack\nCOMMIT\n";
        assert_eq!(
            findings(text, check_kube_proxy),
            [
                "nat KUBE-SERVICES rule 2 jumps to `KUBE-SVC-A`, which has no rules.",
                "nat KUBE-SEP-B is declared but nothing jumps to it.",
            ]
        );
        assert_eq!(
            findings(text, not_emulated),
            [
                "nat KUBE-SERVICES rule 3 uses the match `-m icmp`, which the lab prints but does not emulate.",
                "nat KUBE-SERVICES rule 3 uses the target `-j CT`, which the lab prints but does not emulate.",
            ]
        );
    }
}
