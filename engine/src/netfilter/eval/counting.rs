//! Ticking the packet and byte counters of the rules an evaluation matched, as the kernel does,
//! so `iptables-save -c` and `iptables -L -v` show the walk.
//!
//! Part of [`crate::netfilter::eval`]. `ipt_do_table` adds to a rule's counter once all its
//! criteria matched, before the target runs (`ADD_COUNTER(*counter, skb->len, 1)`), so
//! jumps, marks and comment-only rules count as well as verdicts. A built-in chain's policy
//! counter counts the packets its policy decided. The implicit RETURN at the end of a user
//! chain has a counter in the kernel that no tool prints; it is not kept.

use crate::netfilter::ruleset::Ruleset;

use super::step::{Evaluation, Position, StepOutcome};

/// Adds one packet of `bytes` bytes to every rule `evaluation` matched (and to the policy
/// counter of the chain whose policy decided). Steps whose rule no longer exists are skipped.
pub fn count(ruleset: &mut Ruleset, evaluation: &Evaluation, bytes: u64) {
    let Some(_) = ruleset.table(evaluation.table) else {
        return;
    };
    let table = ruleset.table_mut(evaluation.table);
    for step in &evaluation.steps {
        let counted = !matches!(
            step.outcome,
            StepOutcome::NoMatch | StepOutcome::NotEmulated { .. }
        );
        if !counted {
            continue;
        }
        let Some(chain) = table.chain_mut(&step.chain) else {
            continue;
        };
        match (step.position, &step.outcome) {
            (Position::Rule(number), _) => {
                if let Some(rule) = number
                    .checked_sub(1)
                    .and_then(|index| chain.rules.get_mut(index))
                {
                    rule.counters.count(bytes);
                }
            }
            (Position::End, StepOutcome::Policy(_)) => chain.counters.count(bytes),
            (Position::End, _) => {}
        }
    }
}
