//! Parsing `iptables-save` output and `iptables-restore` input back into a [`Ruleset`].
//!
//! Pipeline: the inverse of [`save`](super::save): text -> Ruleset. It reads what
//! `iptables-restore` reads: `*table`, `:CHAIN POLICY [p:b]`, `[p:b] -A ...`, `-I`, `-N`, `-X`,
//! `-F`, `-P`, `-Z`, `-D`, `COMMIT`, `#` comments. Both spellings of rules give the same values
//! (kube-proxy's restore input and the normalised save form). Problems are
//! [`ParseError`] values with line and column; parsing never panics and keeps every line it
//! could read.

pub mod error;
pub mod options;
pub mod rule;
pub mod words;
pub mod working;

pub use error::{ParseError, ParseErrorKind};

use super::chain_name::ChainName;
use super::counters::Counters;
use super::policy::Policy;
use super::rule::Rule;
use super::ruleset::Ruleset;
use super::table::Table;
use words::Word;
use working::WorkingTable;

/// How `iptables-restore` was invoked.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RestoreOptions {
    /// `--noflush`: a `*table` line keeps the table's chains (kube-proxy always uses this);
    /// without it the table starts empty.
    pub noflush: bool,
    /// `--counters`: use the `[p:b]` counters of chain and rule lines (`iptables-save` prints them).
    pub counters: bool,
}

impl Default for RestoreOptions {
    fn default() -> RestoreOptions {
        RestoreOptions { noflush: false, counters: true }
    }
}

/// A ruleset and the problems found while reading it.
#[derive(Clone, Debug, PartialEq, Eq, Default)]
pub struct Parsed {
    pub ruleset: Ruleset,
    pub errors: Vec<ParseError>,
}

/// Reads `iptables-save` output (or restore input) into a fresh ruleset, keeping counters.
pub fn parse(text: &str) -> Parsed {
    let mut ruleset = Ruleset::new();
    let errors = restore(&mut ruleset, text, RestoreOptions::default());
    Parsed { ruleset, errors }
}

/// Applies restore input to `ruleset` as `iptables-restore [--noflush] [--counters]` would.
/// Each table is applied at its `COMMIT` (and, with an error, at the end of the text or at the
/// next `*table`), so a learner sees what was read even when the real tool would refuse it.
pub fn restore(ruleset: &mut Ruleset, text: &str, options: RestoreOptions) -> Vec<ParseError> {
    let mut state = State { ruleset, options, open: None, skipping: false, errors: Vec::new() };
    let mut last_line = 0;
    for (index, raw_line) in text.lines().enumerate() {
        let line_number = index.saturating_add(1);
        last_line = line_number;
        state.line(line_number, raw_line);
    }
    if let Some(working) = state.open.take() {
        state.error(
            last_line.saturating_add(1),
            1,
            ParseErrorKind::EndWithoutCommit { table: working.table().to_string() },
        );
        state.ruleset.set_table(working.finish());
    }
    state.errors
}

/// Reads `iptables -t TABLE -S` output (`-P`, `-N` and `-A` lines, no `*table`/`COMMIT`) as
/// the contents of `table`, e.g. what a learner copies from a real node.
pub fn parse_spec(table: Table, text: &str) -> Parsed {
    let mut ruleset = Ruleset::new();
    let mut state = State {
        ruleset: &mut ruleset,
        options: RestoreOptions::default(),
        open: Some(WorkingTable::new(table, None)),
        skipping: false,
        errors: Vec::new(),
    };
    for (index, raw_line) in text.lines().enumerate() {
        state.line(index.saturating_add(1), raw_line);
    }
    if let Some(working) = state.open.take() {
        state.ruleset.set_table(working.finish());
    }
    let errors = state.errors;
    Parsed { ruleset, errors }
}

struct State<'a> {
    ruleset: &'a mut Ruleset,
    options: RestoreOptions,
    /// The table between `*table` and `COMMIT`.
    open: Option<WorkingTable>,
    /// After a bad `*table` line, lines up to `COMMIT` are skipped silently.
    skipping: bool,
    errors: Vec<ParseError>,
}

impl State<'_> {
    fn error(&mut self, line: usize, column: usize, kind: ParseErrorKind) {
        self.errors.push(ParseError::new(line, column, kind));
    }

    fn line(&mut self, line_number: usize, raw_line: &str) {
        let indent = raw_line.chars().take_while(|c| c.is_whitespace()).count();
        let line = raw_line.trim();
        let column_base = indent.saturating_add(1);
        if line.is_empty() || line.starts_with('#') {
            return;
        }
        if let Some(name) = line.strip_prefix('*') {
            self.open_table(line_number, column_base, name.trim());
            return;
        }
        if line == "COMMIT" {
            match self.open.take() {
                Some(working) => self.ruleset.set_table(working.finish()),
                None if self.skipping => {}
                None => self.error(line_number, column_base, ParseErrorKind::OutsideTable),
            }
            self.skipping = false;
            return;
        }
        if self.skipping {
            return;
        }
        let words = match words::split(line) {
            Ok(words) => words
                .into_iter()
                .map(|word| Word { text: word.text, column: word.column.saturating_add(indent) })
                .collect::<Vec<_>>(),
            Err(column) => {
                self.error(line_number, column.saturating_add(indent), ParseErrorKind::UnterminatedQuote);
                return;
            }
        };
        let Some(mut working) = self.open.take() else {
            self.error(line_number, column_base, ParseErrorKind::OutsideTable);
            return;
        };
        if line.starts_with(':') {
            self.declare(line_number, &words, &mut working);
        } else {
            self.command(line_number, &words, &mut working);
        }
        self.open = Some(working);
    }

    fn open_table(&mut self, line_number: usize, column: usize, name: &str) {
        if let Some(working) = self.open.take() {
            self.error(line_number, column, ParseErrorKind::MissingCommit { table: working.table().to_string() });
            self.ruleset.set_table(working.finish());
        }
        match Table::parse(name) {
            Some(table) => {
                let existing = if self.options.noflush { self.ruleset.table(table) } else { None };
                self.open = Some(WorkingTable::new(table, existing));
                self.skipping = false;
            }
            None => {
                self.error(line_number, column, ParseErrorKind::UnknownTable { name: name.to_string() });
                self.skipping = true;
            }
        }
    }

    /// `:NAME POLICY [packets:bytes]`.
    fn declare(&mut self, line_number: usize, words: &[Word], working: &mut WorkingTable) {
        let Some(first) = words.first() else { return };
        let name_text = first.text.trim_start_matches(':');
        let name = match ChainName::new(name_text) {
            Ok(name) => name,
            Err(error) => {
                let kind = ParseErrorKind::BadValue {
                    option: ":".to_string(),
                    value: name_text.to_string(),
                    reason: error.to_string(),
                };
                self.error(line_number, first.column, kind);
                return;
            }
        };
        let policy_word = words.get(1);
        let counters = match words.get(2) {
            Some(word) => match Counters::parse(&word.text) {
                Some(counters) => Some(counters),
                None => {
                    let kind = ParseErrorKind::BadValue {
                        option: name.to_string(),
                        value: word.text.clone(),
                        reason: "counters look like [packets:bytes]".to_string(),
                    };
                    self.error(line_number, word.column, kind);
                    return;
                }
            },
            None => None,
        };
        let policy_text = policy_word.map_or("-", |word| word.text.as_str());
        let column = policy_word.map_or(first.column, |word| word.column);
        if working.is_builtin(&name) {
            let Some(policy) = Policy::parse(policy_text) else {
                let kind = ParseErrorKind::BadValue {
                    option: name.to_string(),
                    value: policy_text.to_string(),
                    reason: "a built-in chain's policy is ACCEPT or DROP".to_string(),
                };
                self.error(line_number, column, kind);
                return;
            };
            working.set_policy(&name, policy);
            if self.options.counters
                && let Some(counters) = counters
                && let Some(chain) = working.chain_mut(&name)
            {
                chain.counters = counters;
            }
        } else {
            if policy_text != "-" {
                let kind = ParseErrorKind::ChainMisuse {
                    chain: name.to_string(),
                    reason: "only built-in chains have a policy; user chains are declared with `-`".to_string(),
                };
                self.error(line_number, column, kind);
            }
            working.ensure_chain(&name);
            working.flush(&name);
        }
    }

    fn command(&mut self, line_number: usize, words: &[Word], working: &mut WorkingTable) {
        let mut words = words;
        let mut counters = None;
        if let Some(first) = words.first()
            && first.text.starts_with('[')
        {
            match Counters::parse(&first.text) {
                Some(parsed) => counters = Some(parsed),
                None => {
                    let kind = ParseErrorKind::BadValue {
                        option: "counters".to_string(),
                        value: first.text.clone(),
                        reason: "counters look like [packets:bytes]".to_string(),
                    };
                    self.error(line_number, first.column, kind);
                    return;
                }
            }
            words = words.get(1..).unwrap_or_default();
        }
        let Some(command) = words.first() else { return };
        let rest = words.get(1..).unwrap_or_default();
        let chain_word = rest.first();
        let chain = match chain_word.map(|word| ChainName::new(word.text.clone())) {
            Some(Ok(chain)) => Some(chain),
            Some(Err(error)) => {
                let word = chain_word.unwrap_or(command);
                let kind = ParseErrorKind::BadValue {
                    option: command.text.clone(),
                    value: word.text.clone(),
                    reason: error.to_string(),
                };
                self.error(line_number, word.column, kind);
                return;
            }
            None => None,
        };
        let after_chain = rest.get(1..).unwrap_or_default();
        match command.text.as_str() {
            "-A" | "--append" | "-I" | "--insert" => {
                let Some(chain) = self.existing_chain(line_number, command, chain, working) else { return };
                let mut rule_words = after_chain;
                let mut position = None;
                if command.text == "-I" || command.text == "--insert" {
                    position = Some(0);
                    if let Some(word) = rule_words.first()
                        && word.text.bytes().all(|b| b.is_ascii_digit())
                    {
                        match word.text.parse::<usize>() {
                            Ok(number) if number >= 1 => position = Some(number.saturating_sub(1)),
                            _ => {
                                let kind = ParseErrorKind::BadValue {
                                    option: command.text.clone(),
                                    value: word.text.clone(),
                                    reason: "rule numbers start at 1".to_string(),
                                };
                                self.error(line_number, word.column, kind);
                                return;
                            }
                        }
                        rule_words = rule_words.get(1..).unwrap_or_default();
                    }
                }
                let outcome = rule::parse_rule(rule_words, &|name| {
                    ChainName::new(name).is_ok_and(|name| working.has_chain(&name))
                });
                for (column, kind) in outcome.errors {
                    self.error(line_number, column, kind);
                }
                if let Some(mut parsed) = outcome.rule {
                    if !self.options.counters {
                        parsed.counters = Counters::ZERO;
                    } else if let Some(counters) = counters {
                        parsed.counters = counters;
                    }
                    working.add_rule(&chain, position, parsed);
                }
            }
            "-N" | "--new-chain" => {
                let Some(chain) = self.chain_given(line_number, command, chain) else { return };
                if working.has_chain(&chain) {
                    let kind = ParseErrorKind::ChainMisuse {
                        chain: chain.to_string(),
                        reason: "the chain already exists".to_string(),
                    };
                    self.error(line_number, command.column, kind);
                } else {
                    working.ensure_chain(&chain);
                }
            }
            "-X" | "--delete-chain" => self.delete_chain(line_number, command, chain, working),
            "-F" | "--flush" => {
                let names = match chain {
                    Some(chain) => {
                        self.existing_chain(line_number, command, Some(chain), working).into_iter().collect()
                    }
                    None => working.names(),
                };
                for name in names {
                    working.flush(&name);
                }
            }
            "-Z" | "--zero" => {
                let names = match chain {
                    Some(chain) => {
                        self.existing_chain(line_number, command, Some(chain), working).into_iter().collect()
                    }
                    None => working.names(),
                };
                for name in names {
                    if let Some(found) = working.chain_mut(&name) {
                        found.counters = Counters::ZERO;
                        for rule in &mut found.rules {
                            rule.counters = Counters::ZERO;
                        }
                    }
                }
            }
            "-P" | "--policy" => {
                let Some(chain) = self.existing_chain(line_number, command, chain, working) else { return };
                let policy_word = after_chain.first();
                match policy_word.and_then(|word| Policy::parse(&word.text)) {
                    Some(policy) => {
                        if !working.set_policy(&chain, policy) {
                            let kind = ParseErrorKind::ChainMisuse {
                                chain: chain.to_string(),
                                reason: "only built-in chains have a policy".to_string(),
                            };
                            self.error(line_number, command.column, kind);
                        }
                    }
                    None => {
                        let word = policy_word.unwrap_or(command);
                        let kind = ParseErrorKind::BadValue {
                            option: "-P".to_string(),
                            value: word.text.clone(),
                            reason: "a policy is ACCEPT or DROP".to_string(),
                        };
                        self.error(line_number, word.column, kind);
                    }
                }
            }
            "-D" | "--delete" => {
                let Some(chain) = self.existing_chain(line_number, command, chain, working) else { return };
                self.delete_rule(line_number, command, &chain, after_chain, working);
            }
            "-4" | "-6" | "--ipv4" | "--ipv6" => {
                self.error(
                    line_number,
                    command.column,
                    ParseErrorKind::NotSupported { what: format!("`{}`", command.text) },
                );
            }
            other => {
                let kind = if other.starts_with('-') {
                    ParseErrorKind::UnknownCommand { command: other.to_string() }
                } else {
                    ParseErrorKind::UnknownLine {
                        text: words.iter().map(|word| word.text.as_str()).collect::<Vec<_>>().join(" "),
                    }
                };
                self.error(line_number, command.column, kind);
            }
        }
    }

    fn chain_given(&mut self, line_number: usize, command: &Word, chain: Option<ChainName>) -> Option<ChainName> {
        if chain.is_none() {
            self.error(line_number, command.column, ParseErrorKind::MissingValue { option: command.text.clone() });
        }
        chain
    }

    fn existing_chain(
        &mut self,
        line_number: usize,
        command: &Word,
        chain: Option<ChainName>,
        working: &WorkingTable,
    ) -> Option<ChainName> {
        let chain = self.chain_given(line_number, command, chain)?;
        if working.has_chain(&chain) {
            Some(chain)
        } else {
            self.error(line_number, command.column, ParseErrorKind::NoSuchChain { chain: chain.to_string() });
            None
        }
    }

    /// `-X [CHAIN]`: as the kernel, refuses built-in chains, chains with rules and chains that
    /// rules still jump to (checked with iptables v1.8.9: "CHAIN_DEL failed (Device or resource busy)").
    fn delete_chain(
        &mut self,
        line_number: usize,
        command: &Word,
        chain: Option<ChainName>,
        working: &mut WorkingTable,
    ) {
        let names: Vec<ChainName> = match chain {
            Some(chain) => vec![chain],
            None => working.names().into_iter().filter(|name| !working.is_builtin(name)).collect(),
        };
        for name in names {
            let Some(found) = working.chain(&name) else {
                self.error(line_number, command.column, ParseErrorKind::NoSuchChain { chain: name.to_string() });
                continue;
            };
            let misuse = if found.is_builtin() {
                Some("a built-in chain cannot be deleted".to_string())
            } else if !found.rules.is_empty() {
                Some(format!(
                    "the chain still has {} rule(s); iptables only deletes an empty chain (flush it first with `-F` or a `:{name} - [0:0]` line)",
                    found.rules.len()
                ))
            } else {
                None
            };
            if let Some(reason) = misuse {
                self.error(
                    line_number,
                    command.column,
                    ParseErrorKind::ChainMisuse { chain: name.to_string(), reason },
                );
                continue;
            }
            let references = working.references(&name);
            if references > 0 {
                self.error(
                    line_number,
                    command.column,
                    ParseErrorKind::ChainInUse { chain: name.to_string(), references },
                );
                continue;
            }
            working.delete(&name);
        }
    }

    /// `-D CHAIN N` or `-D CHAIN RULE-SPEC` (the first equal rule).
    fn delete_rule(
        &mut self,
        line_number: usize,
        command: &Word,
        chain: &ChainName,
        words: &[Word],
        working: &mut WorkingTable,
    ) {
        let index = match words {
            [word] if word.text.bytes().all(|b| b.is_ascii_digit()) => {
                word.text.parse::<usize>().ok().and_then(|n| n.checked_sub(1))
            }
            _ => {
                let outcome =
                    rule::parse_rule(words, &|name| ChainName::new(name).is_ok_and(|name| working.has_chain(&name)));
                outcome.rule.and_then(|wanted| {
                    working.chain(chain).and_then(|found| found.rules.iter().position(|rule| same_rule(rule, &wanted)))
                })
            }
        };
        if !index.is_some_and(|index| working.remove_rule(chain, index)) {
            let kind = ParseErrorKind::BadValue {
                option: command.text.clone(),
                value: words.iter().map(|word| word.text.as_str()).collect::<Vec<_>>().join(" "),
                reason: "no such rule in the chain".to_string(),
            };
            self.error(line_number, command.column, kind);
        }
    }
}

/// Rule equality for `-D`: counters do not count.
fn same_rule(left: &Rule, right: &Rule) -> bool {
    let mut left = left.clone();
    left.counters = right.counters;
    left == *right
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::netfilter::save::{SaveOptions, save};

    fn messages(text: &str) -> Vec<String> {
        parse(text).errors.iter().map(ToString::to_string).collect()
    }

    #[test]
    fn errors_have_lines_columns_and_sentences() {
        let text = "# comment\n*nat\n:KUBE-SERVICES - [0:0]\n-A KUBE-SERVICES -m tcp --dport\n-A NOPE -j ACCEPT\n-A KUBE-SERVICES -m comment --comment \"open\n*bogus\n-A X\nCOMMIT\n";
        assert_eq!(
            messages(text),
            [
                "line 4, column 25: `--dport` needs a value, but the line ends.",
                "line 5, column 1: there is no chain `NOPE` in this table.",
                "line 6, column 39: a double quote is opened here and never closed.",
                "line 7, column 1: a new table starts here but `*nat` was not closed with `COMMIT`.",
                "line 7, column 1: there is no table `bogus`; iptables has raw, mangle, nat, filter and security.",
            ]
        );
        assert_eq!(
            messages("-A INPUT -j ACCEPT\n*filter\n-A INPUT -j ACCEPT\n"),
            [
                "line 1, column 1: this line comes before any `*table` line, so it belongs to no table.",
                "line 4, column 1: the text ends but `*filter` was not closed with `COMMIT`; iptables-restore would not apply it.",
            ]
        );
        // The table is still applied, so the learner sees what was read.
        assert_eq!(parse("*filter\n-A INPUT -j ACCEPT\n").ruleset.table(Table::Filter).unwrap().rule_count(), 1);
    }

    #[test]
    fn spec_output_reads_back() {
        let text = "-P INPUT ACCEPT\n-P FORWARD DROP\n-P OUTPUT ACCEPT\n-N KUBE-FORWARD\n-A FORWARD -m comment --comment \"kubernetes forwarding rules\" -j KUBE-FORWARD\n-A KUBE-FORWARD -m conntrack --ctstate INVALID -j DROP\n";
        let parsed = parse_spec(Table::Filter, text);
        assert_eq!(parsed.errors, []);
        let filter = parsed.ruleset.table(Table::Filter).unwrap();
        assert_eq!(crate::netfilter::spec::spec(filter), text);
        let bad = parse_spec(Table::Nat, "-A NOPE -j ACCEPT\n");
        assert_eq!(
            bad.errors.iter().map(ToString::to_string).collect::<Vec<_>>(),
            ["line 1, column 1: there is no chain `NOPE` in this table."]
        );
    }

    #[test]
    fn policies_and_declarations() {
        assert_eq!(
            messages("*filter\n:INPUT - [0:0]\n:USER ACCEPT [0:0]\n:FORWARD DROP [x]\n-P USER DROP\nCOMMIT\n"),
            [
                "line 2, column 8: `-` is not a valid value for `INPUT`: a built-in chain's policy is ACCEPT or DROP.",
                "line 3, column 7: `USER`: only built-in chains have a policy; user chains are declared with `-`.",
                "line 4, column 15: `[x]` is not a valid value for `FORWARD`: counters look like [packets:bytes].",
                "line 5, column 1: `USER`: only built-in chains have a policy.",
            ]
        );
    }

    #[test]
    fn kube_proxy_noflush_restore_replaces_only_the_chains_it_names() {
        let mut ruleset = parse(
            "*nat\n:KUBE-SERVICES - [0:0]\n:KUBE-SEP-OLD - [0:0]\n:cali-nat-outgoing - [0:0]\n-A PREROUTING -j KUBE-SERVICES\n-A KUBE-SERVICES -j KUBE-SEP-OLD\n-A KUBE-SEP-OLD -j DNAT --to-destination 10.0.0.1:80\n-A cali-nat-outgoing -j MASQUERADE\nCOMMIT\n",
        )
        .ruleset;
        // A later sync: KUBE-SERVICES is rewritten, the stale endpoint chain flushed and deleted.
        let errors = restore(
            &mut ruleset,
            "*nat\n:KUBE-SERVICES - [0:0]\n:KUBE-SEP-OLD - [0:0]\n-X KUBE-SEP-OLD\n-A KUBE-SERVICES -j RETURN\nCOMMIT\n",
            RestoreOptions { noflush: true, counters: false },
        );
        assert_eq!(errors, []);
        let saved = save(&ruleset, &SaveOptions::new("now"));
        assert!(
            saved.contains(
                "\n-A PREROUTING -j KUBE-SERVICES\n-A KUBE-SERVICES -j RETURN\n-A cali-nat-outgoing -j MASQUERADE\n"
            ),
            "{saved}"
        );
        assert!(!saved.contains("KUBE-SEP-OLD"), "{saved}");
    }

    #[test]
    fn deleting_a_chain_in_use_is_refused() {
        // Checked with iptables v1.8.9 (nf_tables): each -X below fails with "Device or resource busy".
        let text =
            "*nat\n:A - [0:0]\n:B - [0:0]\n-A PREROUTING -j A\n-A B -j ACCEPT\n-X A\n-X PREROUTING\n-X B\nCOMMIT\n";
        assert_eq!(
            messages(text),
            [
                "line 6, column 1: the chain `A` cannot be deleted: 1 rule(s) still jump to it.",
                "line 7, column 1: `PREROUTING`: a built-in chain cannot be deleted.",
                "line 8, column 1: `B`: the chain still has 1 rule(s); iptables only deletes an empty chain (flush it first with `-F` or a `:B - [0:0]` line).",
            ]
        );
    }

    #[test]
    fn thirty_thousand_unsorted_chains_restore_in_n_log_n() {
        // kube-proxy's large-cluster tests make about this many chains, declared unsorted.
        let n = 30_000;
        let mut text = String::from("*nat\n");
        for i in (0..n).rev() {
            text.push_str(&format!(":KUBE-SEP-{i:016} - [0:0]\n"));
        }
        for i in 0..n {
            text.push_str(&format!(
                "-A PREROUTING -j KUBE-SEP-{i:016}\n-A KUBE-SEP-{i:016} -j DNAT --to-destination 10.0.0.1:80\n"
            ));
        }
        text.push_str("COMMIT\n");
        let parsed = parse(&text);
        assert_eq!(parsed.errors, []);
        let nat = parsed.ruleset.table(Table::Nat).unwrap();
        assert_eq!(nat.chains().len(), 4 + n);
        assert_eq!(nat.rule_count(), 2 * n);
        assert_eq!(nat.chains().get(4).map(|chain| chain.name().as_str()), Some("KUBE-SEP-0000000000000000"));
    }

    #[test]
    fn insert_delete_and_counters() {
        let text = "*filter\n:X - [0:0]\n[3:180] -A X -j ACCEPT\n-I X -j DROP\n-I X 2 -j RETURN\n-A X -s 10.0.0.1 -j ACCEPT\n-D X -s 10.0.0.1/32 -j ACCEPT\n-D X 1\n-A X -c 7 420 -j DROP\nCOMMIT\n";
        let parsed = parse(text);
        assert_eq!(parsed.errors, []);
        let mut options = SaveOptions::new("now");
        options.counters = true;
        let saved = save(&parsed.ruleset, &options);
        assert!(
            saved.contains("\n[0:0] -A X -j RETURN\n[3:180] -A X -j ACCEPT\n[7:420] -A X -j DROP\nCOMMIT"),
            "{saved}"
        );
    }

    #[test]
    fn never_panics_on_mangled_input() {
        let seed = include_str!("../../tests/netfilter/extensions/restore.txt");
        let lines: Vec<&str> = seed.lines().collect();
        // Deterministic mangling: drop, cut and splice words of every line in many ways.
        let mut state: u64 = 0x9E37_79B9_7F4A_7C15;
        for _ in 0..400 {
            let mut text = String::new();
            for line in &lines {
                state ^= state << 13;
                state ^= state >> 7;
                state ^= state << 17;
                let words: Vec<&str> = line.split(' ').collect();
                let cut = usize::try_from(state % 7).unwrap_or(0);
                let kept: Vec<&str> = words.iter().enumerate().filter(|(i, _)| i % 7 != cut).map(|(_, w)| *w).collect();
                text.push_str(&kept.join(if state.is_multiple_of(3) { "\"" } else { " " }));
                text.push('\n');
            }
            let parsed = parse(&text);
            let _ = save(&parsed.ruleset, &SaveOptions::new("now"));
        }
        for garbage in
            ["*", ":", "[", "[1:2]", "-A", "!", "\"", "*nat\n-A\n-N\n-X\n-P\n-I\n-D\n:\nCOMMIT", "*nat\n! ! !\nCOMMIT"]
        {
            let _ = parse(garbage);
        }
    }
}
