//! Rendering a table as `iptables -t TABLE -L [CHAIN] -n [-v] [--line-numbers]` prints it.
//!
//! Part of rendering. A port of the column layout of iptables v1.8.9 (`print_header`,
//! `print_rule_details`, `print_ifaces`, `xtables_print_num` in iptables/xshared.c and
//! libxtables), checked against the real tool in a network namespace
//! (engine/tests/netfilter/*/real.list-*.txt). Only the numeric form (`-n`) is rendered:
//! without `-n` iptables resolves names through DNS and `/etc/services`, which the lab has not.
//! In v1.8.9 `-n` also prints protocols as numbers (`6`, `17`, `0` for all).

use crate::net::Cidr;

use super::chain::Chain;
use super::chain_name::ChainName;
use super::counters::Counters;
use super::interface::Interface;
use super::negatable::Negatable;
use super::policy::Policy;
use super::rule::Rule;
use super::ruleset::TableRules;
use super::target::Target;

/// The flags of `iptables -L` that change the layout.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub struct ListOptions {
    /// `-v`: counters and interface columns.
    pub verbose: bool,
    /// `--line-numbers`: a `num` column.
    pub line_numbers: bool,
}

/// `iptables -L -n` for every chain of the table, separated by blank lines.
pub fn list(table: &TableRules, options: ListOptions) -> String {
    let blocks: Vec<String> = table.chains().iter().map(|chain| list_one(table, chain, options)).collect();
    blocks.join("\n")
}

/// `iptables -L CHAIN -n`; `None` if the chain does not exist.
pub fn list_chain(table: &TableRules, name: &ChainName, options: ListOptions) -> Option<String> {
    table.chain(name).map(|chain| list_one(table, chain, options))
}

fn list_one(table: &TableRules, chain: &Chain, options: ListOptions) -> String {
    let mut out = header(table, chain, options);
    for (index, rule) in chain.rules.iter().enumerate() {
        out.push_str(&rule_line(index.saturating_add(1), rule, options));
        out.push('\n');
    }
    out
}

/// How many rules of the table jump or go to `name` (the "references" of a user chain).
fn references(table: &TableRules, name: &ChainName) -> usize {
    table
        .chains()
        .iter()
        .flat_map(|chain| chain.rules.iter())
        .filter(|rule| rule.target.as_ref().and_then(Target::chain) == Some(name))
        .count()
}

fn header(table: &TableRules, chain: &Chain, options: ListOptions) -> String {
    let mut out = format!("Chain {}", chain.name());
    match chain.policy() {
        Some(policy) => out.push_str(&policy_text(policy, chain.counters, options.verbose)),
        None => out.push_str(&format!(" ({} references)", references(table, chain.name()))),
    }
    out.push('\n');
    if options.line_numbers {
        out.push_str(&format!("{:<4} ", "num"));
    }
    if options.verbose {
        out.push_str(&format!("{:>5} {:>5} ", "pkts", "bytes"));
    }
    out.push_str(&format!("{:<9} ", "target"));
    out.push_str(" prot opt");
    if options.verbose {
        out.push_str(&format!(" {:<6} {:<6} ", "in", "out"));
    }
    out.push_str(&format!(" {:<19} ", "source"));
    out.push_str(&format!(" {:<19} ", "destination"));
    out.push('\n');
    out
}

fn policy_text(policy: Policy, counters: Counters, verbose: bool) -> String {
    if verbose {
        format!(" (policy {policy} {}packets, {}bytes)", number(counters.packets, false), number(counters.bytes, false))
    } else {
        format!(" (policy {policy})")
    }
}

/// `xtables_print_num` with `FMT_KILOMEGAGIGA` (what `-v` without `-x` uses): up to 99999 as
/// is, then rounded thousands with K, M, G, T. `table` pads to the column width.
pub fn number(value: u64, table: bool) -> String {
    if value <= 99_999 {
        return if table { format!("{value:>5} ") } else { format!("{value} ") };
    }
    let mut scaled = value;
    for unit in ["K", "M", "G"] {
        scaled = scaled.saturating_add(500) / 1000;
        if scaled <= 9999 {
            return if table { format!("{scaled:>4}{unit} ") } else { format!("{scaled}{unit} ") };
        }
    }
    scaled = scaled.saturating_add(500) / 1000;
    if table { format!("{scaled:>4}T ") } else { format!("{scaled}T ") }
}

fn rule_line(line_number: usize, rule: &Rule, options: ListOptions) -> String {
    let mut out = String::new();
    if options.line_numbers {
        out.push_str(&format!("{line_number:<4} "));
    }
    if options.verbose {
        out.push_str(&number(rule.counters.packets, true));
        out.push_str(&number(rule.counters.bytes, true));
    }
    let target_name = rule.target.as_ref().map_or("", Target::name);
    out.push_str(&format!("{target_name:<9} "));
    let (protocol_bang, protocol) = match &rule.protocol {
        Some(protocol) => (if protocol.negated { '!' } else { ' ' }, protocol.value.number()),
        None => (' ', 0),
    };
    out.push(protocol_bang);
    out.push_str(&format!("{protocol:<4} "));
    out.push_str("-- ");
    if options.verbose {
        out.push_str(&format!(" {:<6} ", interface_text(&rule.in_interface)));
        out.push_str(&format!("{:<6} ", interface_text(&rule.out_interface)));
    }
    out.push_str(&address_text(&rule.source));
    out.push_str(&address_text(&rule.destination));
    if matches!(rule.target, Some(Target::Goto(_))) {
        out.push_str("[goto] ");
    }
    for matched in &rule.matches {
        out.push(' ');
        out.push_str(&matched.list_text());
    }
    if let Some(target) = &rule.target {
        let text = target.list_text();
        if !text.is_empty() && !matches!(target, Target::Goto(_)) {
            out.push(' ');
            out.push_str(&text);
        }
    }
    out
}

fn interface_text(interface: &Option<Negatable<Interface>>) -> String {
    match interface {
        Some(interface) => format!("{}{}", if interface.negated { "!" } else { "" }, interface.value),
        None => "*".to_string(),
    }
}

/// The inversion column and the 19-wide address (a host without `/32`).
fn address_text(address: &Option<Negatable<Cidr>>) -> String {
    let (bang, text) = match address {
        Some(address) => (if address.negated { '!' } else { ' ' }, host_or_prefix(address.value)),
        None => (' ', "0.0.0.0/0".to_string()),
    };
    format!("{bang}{text:<19} ")
}

fn host_or_prefix(cidr: Cidr) -> String {
    if cidr.prefix_len() == 32 { cidr.network().to_string() } else { cidr.to_string() }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_scale_like_xtables_print_num() {
        assert_eq!(number(99_999, true), "99999 ");
        assert_eq!(number(123_456, false), "123K ");
        assert_eq!(number(987_654_321, false), "988M ");
        assert_eq!(number(0, true), "    0 ");
        assert_eq!(number(u64::MAX, true), "18446744T ");
    }
}
