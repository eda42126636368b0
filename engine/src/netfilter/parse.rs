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

pub use error::{ParseError, ParseErrorKind};

use super::chain_name::ChainName;
use super::counters::Counters;
use super::policy::Policy;
use super::ruleset::{Ruleset, TableRules};
use super::table::Table;
use super::target::Target;
use words::Word;

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
/// Each table is applied at its `COMMIT` (and, with an error, at the end of the text).
pub fn restore(ruleset: &mut Ruleset, text: &str, options: RestoreOptions) -> Vec<ParseError> {
    let mut state = State { ruleset, options, open: None, skipping: false, errors: Vec::new() };
    let mut last_line = 0;
    for (index, raw_line) in text.lines().enumerate() {
        let line_number = index.saturating_add(1);
        last_line = line_number;
        state.line(line_number, raw_line);
    }
    if let Some((table, rules)) = state.open.take() {
        state.error(last_line.saturating_add(1), 1, ParseErrorKind::EndWithoutCommit { table: table.to_string() });
        state.ruleset.set_table(rules);
    }
    state.errors
}

struct State<'a> {
    ruleset: &'a mut Ruleset,
    options: RestoreOptions,
    /// The table between `*table` and `COMMIT`, as a working copy.
    open: Option<(Table, TableRules)>,
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
                Some((_, rules)) => self.ruleset.set_table(rules),
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
        let Some((table, mut rules)) = self.open.take() else {
            self.error(line_number, column_base, ParseErrorKind::OutsideTable);
            return;
        };
        if line.starts_with(':') {
            self.declare(line_number, &words, &mut rules);
        } else {
            self.command(line_number, &words, &mut rules);
        }
        self.open = Some((table, rules));
    }

    fn open_table(&mut self, line_number: usize, column: usize, name: &str) {
        if let Some((table, rules)) = self.open.take() {
            self.error(line_number, column, ParseErrorKind::MissingCommit { table: table.to_string() });
            self.ruleset.set_table(rules);
        }
        match Table::parse(name) {
            Some(table) => {
                let rules = match (self.options.noflush, self.ruleset.table(table)) {
                    (true, Some(existing)) => existing.clone(),
                    _ => TableRules::new(table),
                };
                self.open = Some((table, rules));
                self.skipping = false;
            }
            None => {
                self.error(line_number, column, ParseErrorKind::UnknownTable { name: name.to_string() });
                self.skipping = true;
            }
        }
    }

    /// `:NAME POLICY [packets:bytes]`.
    fn declare(&mut self, line_number: usize, words: &[Word], rules: &mut TableRules) {
        let Some(first) = words.first() else { return };
        let name_text = first.text.trim_start_matches(':');
        let name = match ChainName::new(name_text) {
            Ok(name) => name,
            Err(error) => {
                let kind = ParseErrorKind::BadValue { option: ":".to_string(), value: name_text.to_string(), reason: error.to_string() };
                self.error(line_number, first.column, kind);
                return;
            }
        };
        let policy_word = words.get(1);
        let counters = match words.get(2) {
            Some(word) => match Counters::parse(&word.text) {
                Some(counters) => Some(counters),
                None => {
                    let kind = ParseErrorKind::BadValue { option: name.to_string(), value: word.text.clone(), reason: "counters look like [packets:bytes]".to_string() };
                    self.error(line_number, word.column, kind);
                    return;
                }
            },
            None => None,
        };
        let builtin = name.hook().filter(|hook| rules.table().has_hook(*hook)).is_some();
        let policy_text = policy_word.map_or("-", |word| word.text.as_str());
        let column = policy_word.map_or(first.column, |word| word.column);
        if builtin {
            let Some(policy) = Policy::parse(policy_text) else {
                let kind = ParseErrorKind::BadValue { option: name.to_string(), value: policy_text.to_string(), reason: "a built-in chain's policy is ACCEPT or DROP".to_string() };
                self.error(line_number, column, kind);
                return;
            };
            let chain = rules.ensure_chain(&name);
            chain.set_policy(policy);
            if self.options.counters
                && let Some(counters) = counters
            {
                chain.counters = counters;
            }
        } else {
            if policy_text != "-" {
                let kind = ParseErrorKind::ChainMisuse { chain: name.to_string(), reason: "only built-in chains have a policy; user chains are declared with `-`".to_string() };
                self.error(line_number, column, kind);
            }
            rules.ensure_chain(&name);
            rules.flush_chain(&name);
        }
    }

    fn command(&mut self, line_number: usize, words: &[Word], rules: &mut TableRules) {
        let mut words = words;
        let mut counters = None;
        if let Some(first) = words.first()
            && first.text.starts_with('[')
        {
            match Counters::parse(&first.text) {
                Some(parsed) => counters = Some(parsed),
                None => {
                    let kind = ParseErrorKind::BadValue { option: "counters".to_string(), value: first.text.clone(), reason: "counters look like [packets:bytes]".to_string() };
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
                let word = chain_word.map_or(command, |word| word);
                let kind = ParseErrorKind::BadValue { option: command.text.clone(), value: word.text.clone(), reason: error.to_string() };
                self.error(line_number, word.column, kind);
                return;
            }
            None => None,
        };
        let after_chain = rest.get(1..).unwrap_or_default();
        match command.text.as_str() {
            "-A" | "--append" | "-I" | "--insert" => {
                let Some(chain) = self.existing_chain(line_number, command, chain, rules) else { return };
                let mut rule_words = after_chain;
                let mut position = None;
                if command.text.starts_with("-I") || command.text.starts_with("--i") {
                    position = Some(0);
                    if let Some(word) = rule_words.first()
                        && word.text.bytes().all(|b| b.is_ascii_digit())
                    {
                        match word.text.parse::<usize>() {
                            Ok(number) if number >= 1 => position = Some(number.saturating_sub(1)),
                            _ => {
                                let kind = ParseErrorKind::BadValue { option: command.text.clone(), value: word.text.clone(), reason: "rule numbers start at 1".to_string() };
                                self.error(line_number, word.column, kind);
                                return;
                            }
                        }
                        rule_words = rule_words.get(1..).unwrap_or_default();
                    }
                }
                let outcome = rule::parse_rule(rule_words, &|name| ChainName::new(name).is_ok_and(|name| rules.has_chain(&name)));
                for (column, kind) in outcome.errors {
                    self.error(line_number, column, kind);
                }
                if let Some(mut parsed) = outcome.rule {
                    if !self.options.counters {
                        parsed.counters = Counters::ZERO;
                    } else if let Some(counters) = counters {
                        parsed.counters = counters;
                    }
                    match position {
                        Some(position) => rules.insert(&chain, position, parsed),
                        None => rules.append(&chain, parsed),
                    }
                }
            }
            "-N" | "--new-chain" => {
                let Some(chain) = self.chain_given(line_number, command, chain) else { return };
                if rules.has_chain(&chain) {
                    let kind = ParseErrorKind::ChainMisuse { chain: chain.to_string(), reason: "the chain already exists".to_string() };
                    self.error(line_number, command.column, kind);
                } else {
                    rules.ensure_chain(&chain);
                }
            }
            "-X" | "--delete-chain" => self.delete_chain(line_number, command, chain, rules),
            "-F" | "--flush" => match chain {
                Some(chain) => {
                    if self.existing_chain(line_number, command, Some(chain.clone()), rules).is_some() {
                        rules.flush_chain(&chain);
                    }
                }
                None => {
                    let names: Vec<ChainName> = rules.chains().iter().map(|chain| chain.name().clone()).collect();
                    for name in names {
                        rules.flush_chain(&name);
                    }
                }
            },
            "-Z" | "--zero" => {
                let names: Vec<ChainName> = match chain {
                    Some(chain) => vec![chain],
                    None => rules.chains().iter().map(|chain| chain.name().clone()).collect(),
                };
                for name in names {
                    if let Some(found) = rules.chain_mut(&name) {
                        found.counters = Counters::ZERO;
                        for rule in &mut found.rules {
                            rule.counters = Counters::ZERO;
                        }
                    }
                }
            }
            "-P" | "--policy" => {
                let Some(chain) = self.existing_chain(line_number, command, chain, rules) else { return };
                let policy_word = after_chain.first();
                let policy = policy_word.and_then(|word| Policy::parse(&word.text));
                match (policy, rules.chain_mut(&chain)) {
                    (Some(policy), Some(found)) => {
                        if !found.set_policy(policy) {
                            let kind = ParseErrorKind::ChainMisuse { chain: chain.to_string(), reason: "only built-in chains have a policy".to_string() };
                            self.error(line_number, command.column, kind);
                        }
                    }
                    _ => {
                        let word = policy_word.unwrap_or(command);
                        let kind = ParseErrorKind::BadValue { option: "-P".to_string(), value: word.text.clone(), reason: "a policy is ACCEPT or DROP".to_string() };
                        self.error(line_number, word.column, kind);
                    }
                }
            }
            "-D" | "--delete" => {
                let Some(chain) = self.existing_chain(line_number, command, chain, rules) else { return };
                self.delete_rule(line_number, command, &chain, after_chain, rules);
            }
            "-4" | "-6" | "--ipv4" | "--ipv6" => {
                self.error(line_number, command.column, ParseErrorKind::NotSupported { what: format!("`{}`", command.text) });
            }
            other => {
                let kind = if other.starts_with('-') {
                    ParseErrorKind::UnknownCommand { command: other.to_string() }
                } else {
                    ParseErrorKind::UnknownLine { text: words.iter().map(|word| word.text.as_str()).collect::<Vec<_>>().join(" ") }
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

    fn existing_chain(&mut self, line_number: usize, command: &Word, chain: Option<ChainName>, rules: &TableRules) -> Option<ChainName> {
        let chain = self.chain_given(line_number, command, chain)?;
        if rules.has_chain(&chain) {
            Some(chain)
        } else {
            self.error(line_number, command.column, ParseErrorKind::NoSuchChain { chain: chain.to_string() });
            None
        }
    }

    fn delete_chain(&mut self, line_number: usize, command: &Word, chain: Option<ChainName>, rules: &mut TableRules) {
        let names: Vec<ChainName> = match chain {
            Some(chain) => vec![chain],
            None => rules.chains().iter().filter(|chain| !chain.is_builtin()).map(|chain| chain.name().clone()).collect(),
        };
        for name in names {
            let Some(found) = rules.chain(&name) else {
                self.error(line_number, command.column, ParseErrorKind::NoSuchChain { chain: name.to_string() });
                continue;
            };
            if found.is_builtin() {
                let kind = ParseErrorKind::ChainMisuse { chain: name.to_string(), reason: "a built-in chain cannot be deleted".to_string() };
                self.error(line_number, command.column, kind);
                continue;
            }
            let references = rules
                .chains()
                .iter()
                .flat_map(|chain| chain.rules.iter())
                .filter(|rule| rule.target.as_ref().and_then(Target::chain) == Some(&name))
                .count();
            if references > 0 {
                self.error(line_number, command.column, ParseErrorKind::ChainInUse { chain: name.to_string(), references });
                continue;
            }
            rules.delete_chain(&name);
        }
    }

    /// `-D CHAIN N` or `-D CHAIN RULE-SPEC` (the first equal rule).
    fn delete_rule(&mut self, line_number: usize, command: &Word, chain: &ChainName, words: &[Word], rules: &mut TableRules) {
        let index = match words {
            [word] if word.text.bytes().all(|b| b.is_ascii_digit()) => word.text.parse::<usize>().ok().and_then(|n| n.checked_sub(1)),
            _ => {
                let outcome = rule::parse_rule(words, &|name| ChainName::new(name).is_ok_and(|name| rules.has_chain(&name)));
                outcome.rule.and_then(|wanted| {
                    rules.chain(chain).and_then(|found| {
                        found.rules.iter().position(|rule| same_rule(rule, &wanted))
                    })
                })
            }
        };
        match (index, rules.chain_mut(chain)) {
            (Some(index), Some(found)) if index < found.rules.len() => {
                found.rules.remove(index);
            }
            _ => {
                let kind = ParseErrorKind::BadValue { option: command.text.clone(), value: words.iter().map(|word| word.text.as_str()).collect::<Vec<_>>().join(" "), reason: "no such rule in the chain".to_string() };
                self.error(line_number, command.column, kind);
            }
        }
    }
}

fn same_rule(left: &super::rule::Rule, right: &super::rule::Rule) -> bool {
    let mut left = left.clone();
    left.counters = right.counters;
    left == *right
}
