//! Rendering a table as `iptables -t TABLE -S [CHAIN]` prints it.
//!
//! Part of rendering. Checked against iptables v1.8.9 (nf_tables): `-P CHAIN POLICY` for each
//! built-in chain, `-N CHAIN` for each user chain (both in `iptables-save` order), then the
//! `-A` lines exactly as `iptables-save` prints them. With a chain, only its `-P`/`-N` line and
//! its rules. With `-v`, `-S` would add counters; that form is not rendered.

use super::chain::Chain;
use super::chain_name::ChainName;
use super::ruleset::TableRules;
use super::save::rule_lines;

/// `iptables -S` for the whole table.
pub fn spec(table: &TableRules) -> String {
    let mut out = String::new();
    for chain in table.chains() {
        out.push_str(&declaration(chain));
        out.push('\n');
    }
    for chain in table.chains() {
        for line in rule_lines(chain, false) {
            out.push_str(&line);
            out.push('\n');
        }
    }
    out
}

/// `iptables -S CHAIN`; `None` if the chain does not exist (iptables: "No chain/target/match
/// by that name").
pub fn spec_chain(table: &TableRules, name: &ChainName) -> Option<String> {
    let chain = table.chain(name)?;
    let mut out = declaration(chain);
    out.push('\n');
    for line in rule_lines(chain, false) {
        out.push_str(&line);
        out.push('\n');
    }
    Some(out)
}

fn declaration(chain: &Chain) -> String {
    match chain.policy() {
        Some(policy) => format!("-P {} {policy}", chain.name()),
        None => format!("-N {}", chain.name()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::netfilter::hook::Hook;
    use crate::netfilter::policy::Policy;
    use crate::netfilter::rule::Rule;
    use crate::netfilter::table::Table;
    use crate::netfilter::target::Target;

    #[test]
    fn policies_then_new_chains_then_rules() {
        let mut filter = TableRules::new(Table::Filter);
        let forward = ChainName::from(Hook::Forward);
        filter.chain_mut(&forward).unwrap().set_policy(Policy::Drop);
        let kube_forward = ChainName::from_trusted("KUBE-FORWARD");
        filter.append(&forward, Rule::jump(Target::Jump(kube_forward.clone())));
        filter.ensure_chain(&kube_forward);
        assert_eq!(
            spec(&filter),
            "-P INPUT ACCEPT\n-P FORWARD DROP\n-P OUTPUT ACCEPT\n-N KUBE-FORWARD\n-A FORWARD -j KUBE-FORWARD\n"
        );
        assert_eq!(spec_chain(&filter, &kube_forward).unwrap(), "-N KUBE-FORWARD\n");
        assert_eq!(spec_chain(&filter, &ChainName::from_trusted("NOPE")), None);
    }
}
