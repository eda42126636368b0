//! `Chain`: a built-in chain (with policy and counters) or a user-defined chain, and its rules.
//!
//! Part of the netfilter model. `iptables-save` declares built-in chains as
//! `:INPUT ACCEPT [pkts:bytes]` and user chains as `:KUBE-SERVICES - [0:0]`.

use super::chain_name::ChainName;
use super::counters::Counters;
use super::policy::Policy;
use super::rule::Rule;

/// A chain with its rules in kernel order.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Chain {
    name: ChainName,
    policy: Option<Policy>,
    /// The policy counters of a built-in chain (packets that fell off its end); user chains
    /// print `[0:0]`.
    pub counters: Counters,
    pub rules: Vec<Rule>,
}

impl Chain {
    /// A built-in chain with a policy.
    pub fn builtin(name: ChainName, policy: Policy) -> Chain {
        Chain { name, policy: Some(policy), counters: Counters::ZERO, rules: Vec::new() }
    }

    /// A user-defined chain (no policy).
    pub fn user(name: ChainName) -> Chain {
        Chain { name, policy: None, counters: Counters::ZERO, rules: Vec::new() }
    }

    pub fn name(&self) -> &ChainName {
        &self.name
    }

    /// The policy; `None` for a user chain.
    pub fn policy(&self) -> Option<Policy> {
        self.policy
    }

    pub fn is_builtin(&self) -> bool {
        self.policy.is_some()
    }

    /// Sets the policy of a built-in chain; returns `false` (and changes nothing) for a user chain,
    /// as `iptables -P` refuses ("Bad built-in chain name").
    pub fn set_policy(&mut self, policy: Policy) -> bool {
        if self.policy.is_some() {
            self.policy = Some(policy);
            true
        } else {
            false
        }
    }

    /// The `:NAME POLICY [p:b]` declaration line of `iptables-save`.
    pub fn declaration(&self) -> String {
        match self.policy {
            Some(policy) => format!(":{} {} {}", self.name, policy, self.counters),
            None => format!(":{} - {}", self.name, self.counters),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::netfilter::hook::Hook;

    #[test]
    fn declarations() {
        let mut forward = Chain::builtin(Hook::Forward.into(), Policy::Drop);
        forward.counters = Counters { packets: 3, bytes: 180 };
        assert_eq!(forward.declaration(), ":FORWARD DROP [3:180]");
        let mut user = Chain::user(ChainName::from_trusted("KUBE-SERVICES"));
        assert_eq!(user.declaration(), ":KUBE-SERVICES - [0:0]");
        assert!(!user.set_policy(Policy::Drop));
        assert!(forward.set_policy(Policy::Accept));
    }
}
