//! `FelixChain`: a chain as Felix renders it (name + Felix rules), and its conversion to the
//! netfilter model with the `cali:` hash on every rule.
//!
//! Part of the Calico stage: the renderers in `static_chains`, `dispatch` and `endpoint`
//! produce these, `calico::apply` hashes them and writes them into the node's Ruleset.

use crate::netfilter::{Chain, ChainName};

use super::felix_rule::FelixRule;
use super::hash::rule_hashes;

/// A Felix-owned chain (`generictables.Chain`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FelixChain {
    pub name: String,
    pub rules: Vec<FelixRule>,
}

impl FelixChain {
    pub fn new(name: impl Into<String>, rules: Vec<FelixRule>) -> FelixChain {
        FelixChain { name: name.into(), rules }
    }

    /// The `cali:` hashes of the rules, in order (hashed under this chain's name).
    pub fn hashes(&self) -> Vec<String> {
        hashed_rules(&self.name, &self.rules)
    }

    /// The chain as the kernel holds it.
    pub fn to_chain(&self) -> Chain {
        let mut chain = Chain::user(ChainName::from_trusted(self.name.clone()));
        chain.rules = self.rules.iter().zip(self.hashes()).map(|(rule, hash)| rule.to_rule(&hash)).collect();
        chain
    }

    /// The chains this chain jumps or goes to.
    pub fn targets(&self) -> impl Iterator<Item = &str> {
        self.rules.iter().filter_map(|rule| rule.target_chain())
    }
}

/// The hashes of rules Felix keeps under `chain_name` (a chain of its own, or its inserts into
/// a kernel chain, or `<chain>*appends*` for appends).
pub fn hashed_rules(chain_name: &str, rules: &[FelixRule]) -> Vec<String> {
    let fragments: Vec<String> = rules.iter().map(FelixRule::fragment).collect();
    rule_hashes(chain_name, &fragments)
}
