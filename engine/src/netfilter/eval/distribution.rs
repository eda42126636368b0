//! `probabilities`: the exact chance of each outcome of a chain, by enumerating the random
//! `statistic` branches instead of drawing them.
//!
//! Part of [`crate::netfilter::eval`]; the "distribution" feature. kube-proxy spreads
//! connections with a cascade `1/n, 1/(n-1), ..., 1/2, always`; the kernel stores each
//! probability as `lround(p * 2^31)` and takes a rule when `(random & 0x7FFFFFFF) < stored`,
//! so rule i is taken with probability exactly `stored_i / 2^31`. Multiplying along each path
//! gives every endpoint `1/n` up to that rounding (for n = 3: 715827883/2^31 and twice
//! 1431655765/2^32). Everything else (affinity `recent` lists, marks, addresses) is evaluated
//! as in [`super::evaluate`], on a copy of the node state, so an existing ClientIP affinity
//! entry makes one endpoint certain.

use std::collections::BTreeMap;
use std::fmt;

use crate::netfilter::chain_name::ChainName;
use crate::netfilter::hook::Hook;
use crate::netfilter::probability::SCALE;
use crate::netfilter::ruleset::Ruleset;
use crate::netfilter::table::Table;
use crate::packet::{Packet, PacketMeta};

use super::context::{EvalContext, RuleRef};
use super::criteria::Forced;
use super::nat::NatDecision;
use super::step::Verdict;
use super::walk::{Mode, Resume, walk};

/// The most paths enumerated before giving up (the result is then marked truncated).
pub const MAX_PATHS: usize = 10_000;

/// An exact probability `numerator / 2^exponent`, reduced; `None` where it would not fit.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Dyadic {
    numerator: u128,
    exponent: u32,
}

impl Dyadic {
    pub const ONE: Dyadic = Dyadic {
        numerator: 1,
        exponent: 0,
    };

    /// `numerator / 2^exponent`, reduced; `None` for an exponent of 128 or more.
    pub fn new(numerator: u128, exponent: u32) -> Option<Dyadic> {
        (exponent < 128).then(|| {
            Dyadic {
                numerator,
                exponent,
            }
            .reduced()
        })
    }

    pub fn numerator(self) -> u128 {
        self.numerator
    }

    pub fn exponent(self) -> u32 {
        self.exponent
    }

    fn reduced(mut self) -> Dyadic {
        if self.numerator == 0 {
            return Dyadic {
                numerator: 0,
                exponent: 0,
            };
        }
        let shift = self.numerator.trailing_zeros().min(self.exponent);
        self.numerator >>= shift;
        self.exponent = self.exponent.saturating_sub(shift);
        self
    }

    /// This times `factor / 2^31`.
    fn times_kernel(self, factor: u32) -> Option<Dyadic> {
        let numerator = self.numerator.checked_mul(u128::from(factor))?;
        Dyadic::new(numerator, self.exponent.checked_add(31)?)
    }

    /// The sum, if it fits.
    pub fn checked_add(self, other: Dyadic) -> Option<Dyadic> {
        let exponent = self.exponent.max(other.exponent);
        let widen = |value: Dyadic| -> Option<u128> {
            let shift = exponent.saturating_sub(value.exponent);
            if shift > 0 && value.numerator.leading_zeros() < shift {
                return None;
            }
            value.numerator.checked_shl(shift)
        };
        let sum = widen(self)?.checked_add(widen(other)?)?;
        Dyadic::new(sum, exponent)
    }

    pub fn as_f64(self) -> f64 {
        // Exact up to f64 rounding; 2^exponent is a power of two, so the division is exact.
        (self.numerator as f64) / 2f64.powi(i32::try_from(self.exponent).unwrap_or(i32::MAX))
    }
}

impl fmt::Display for Dyadic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/2^{}", self.numerator, self.exponent)
    }
}

/// One possible result of the chain and how likely it is.
#[derive(Clone, Debug, PartialEq)]
pub struct Outcome {
    pub verdict: Verdict,
    /// The NAT decision (the first path's, if random ports differ between paths).
    pub nat: Option<NatDecision>,
    pub probability: f64,
    /// The same probability exactly, when it fits in 128 bits.
    pub exact: Option<Dyadic>,
    /// The random choices of the first path to this outcome, in the order the walk reached
    /// them (`true` = the random test succeeded). [`super::evaluate_forced`] replays the path
    /// with every step and the threshold of each decision.
    pub choices: Vec<bool>,
    /// How many paths lead here.
    pub paths: usize,
}

/// Every outcome with its probability, in the order the rules reach them.
#[derive(Clone, Debug, PartialEq, Default)]
pub struct Distribution {
    pub outcomes: Vec<Outcome>,
    /// More than [`MAX_PATHS`] paths: the outcomes listed do not add up to 1.
    pub truncated: bool,
}

impl Distribution {
    /// The outcome whose NAT decision was made by this rule.
    pub fn by_rule(&self, rule: &RuleRef) -> Option<&Outcome> {
        self.outcomes
            .iter()
            .find(|outcome| outcome.nat.as_ref().map(NatDecision::rule) == Some(rule))
    }

    /// The outcome that DNATs to this address.
    pub fn by_destination(&self, address: std::net::Ipv4Addr) -> Option<&Outcome> {
        self.outcomes.iter().find(|outcome| {
            outcome
                .nat
                .as_ref()
                .and_then(NatDecision::destination)
                .map(|(ip, _)| ip)
                == Some(address)
        })
    }
}

impl fmt::Display for Outcome {
    /// `DNAT to 10.244.1.10:8080: 715827883/2^31 = 0.33333333349 (1 path)`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.nat {
            Some(nat) => write!(
                f,
                "{nat} by {} rule {}",
                nat.rule().chain,
                nat.rule().number
            )?,
            None => write!(f, "{}", self.verdict)?,
        }
        write!(f, ": ")?;
        if let Some(exact) = self.exact {
            write!(f, "{exact} = ")?;
        }
        let paths = if self.paths == 1 { "path" } else { "paths" };
        write!(f, "{:.11} ({} {paths})", self.probability, self.paths)
    }
}

impl fmt::Display for Distribution {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for outcome in &self.outcomes {
            writeln!(f, "{outcome}")?;
        }
        if self.truncated {
            writeln!(f, "(more than {MAX_PATHS} paths: the list is incomplete)")?;
        }
        Ok(())
    }
}

/// One branch still to explore.
struct Pending<'r> {
    /// Where to continue; `None` for the start of the walk.
    resume: Option<Resume<'r>>,
    /// The choices for the rule at `resume` (its earlier random matches, then the new one).
    rule_choices: Vec<bool>,
    /// The choices made before that rule, from the start of the walk.
    prefix: Vec<bool>,
    probability: f64,
    exact: Option<Dyadic>,
}

/// The distribution of outcomes of evaluating `chain` of `table` at `hook`. The context's
/// state and RNG are not changed: each branch continues on its own copy of the node state,
/// from the rule where the branches part (so a cascade of n endpoints costs O(n) rules).
/// Random NAT ports in the outcomes come from a scratch generator.
#[allow(clippy::too_many_arguments)]
pub fn probabilities(
    ruleset: &Ruleset,
    table: Table,
    hook: Hook,
    chain: &ChainName,
    packet: &Packet,
    meta: &PacketMeta,
    ctx: &EvalContext<'_>,
) -> Distribution {
    let mut distribution = Distribution::default();
    let mut pending = vec![Pending {
        resume: None,
        rule_choices: Vec::new(),
        prefix: Vec::new(),
        probability: 1.0,
        exact: Some(Dyadic::ONE),
    }];
    let mut index: BTreeMap<(String, Option<RuleRef>), usize> = BTreeMap::new();
    let mut paths = 0usize;
    while let Some(branch) = pending.pop() {
        paths = paths.saturating_add(1);
        if paths > MAX_PATHS {
            distribution.truncated = true;
            break;
        }
        let Pending {
            resume,
            rule_choices,
            prefix,
            probability,
            exact,
        } = branch;
        let mut state = match &resume {
            Some(resume) => resume.state.clone(),
            None => ctx.state.clone(),
        };
        let mut rng = crate::random::Rng::seeded(0);
        let mut sub = EvalContext {
            addresses: ctx.addresses,
            conntrack: ctx.conntrack,
            ipsets: ctx.ipsets,
            now_secs: ctx.now_secs,
            masquerade_source: ctx.masquerade_source,
            state: &mut state,
            rng: &mut rng,
        };
        let mut mode = Mode {
            forced: Some(Forced {
                choices: rule_choices,
                used: 0,
            }),
            record: false,
        };
        let walked = walk(
            ruleset, table, hook, chain, packet, meta, &mut sub, &mut mode, resume, None,
        );
        let used = mode.forced.map(|forced| forced.choices).unwrap_or_default();
        if let Some(need) = walked.need {
            let stored = need.probability.kernel_value();
            let rest = SCALE.saturating_sub(stored);
            let mut before_rule = prefix.clone();
            before_rule.extend(used.iter().take(need.used_before_rule));
            // Pushed not-taken first so that the taken branch (the earlier rule) is explored first.
            for (taken, factor) in [(false, rest), (true, stored)] {
                if factor == 0 {
                    continue;
                }
                let mut rule_choices = need.rule_choices.clone();
                rule_choices.push(taken);
                pending.push(Pending {
                    resume: Some(need.resume.clone()),
                    rule_choices,
                    prefix: before_rule.clone(),
                    probability: probability * f64::from(factor) / f64::from(SCALE),
                    exact: exact.and_then(|exact| exact.times_kernel(factor)),
                });
            }
            continue;
        }
        let mut choices = prefix;
        choices.extend(used);
        let evaluation = walked.evaluation;
        // Outcomes are the same when the verdict and the NAT rule are.
        let key = (
            evaluation.verdict.to_string(),
            evaluation.nat.as_ref().map(|nat| nat.rule().clone()),
        );
        let existing = index
            .get(&key)
            .and_then(|position| distribution.outcomes.get_mut(*position));
        match existing {
            Some(outcome) => {
                outcome.probability += probability;
                outcome.exact = outcome.exact.zip(exact).and_then(|(a, b)| a.checked_add(b));
                outcome.paths = outcome.paths.saturating_add(1);
            }
            None => {
                index.insert(key, distribution.outcomes.len());
                distribution.outcomes.push(Outcome {
                    verdict: evaluation.verdict,
                    nat: evaluation.nat,
                    probability,
                    exact,
                    choices,
                    paths: 1,
                });
            }
        }
    }
    distribution
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dyadic_arithmetic() {
        let third = Dyadic::ONE.times_kernel(715_827_883).unwrap();
        assert_eq!(third, Dyadic::new(715_827_883, 31).unwrap());
        let rest = Dyadic::ONE
            .times_kernel(SCALE - 715_827_883)
            .unwrap()
            .times_kernel(SCALE / 2)
            .unwrap();
        assert_eq!(rest, Dyadic::new(1_431_655_765, 32).unwrap());
        let total = third.checked_add(rest).unwrap().checked_add(rest).unwrap();
        assert_eq!(total, Dyadic::ONE);
        assert_eq!(Dyadic::new(4, 3).unwrap(), Dyadic::new(1, 1).unwrap());
        assert_eq!(Dyadic::new(1, 128), None);
    }
}
