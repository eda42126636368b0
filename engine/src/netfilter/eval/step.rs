//! The result of an evaluation: the verdict, the NAT decision, the mark, and one
//! [`RuleStep`] per rule the kernel looked at.
//!
//! Part of [`crate::netfilter::eval`]. These are the values the UI shows: each step names its
//! table, chain and rule number (as `iptables -L --line-numbers`), carries the rule's exact
//! `iptables-save` line and the result of every criterion.

use std::fmt;

use crate::netfilter::chain_name::ChainName;
use crate::netfilter::policy::Policy;
use crate::netfilter::table::Table;
use crate::netfilter::target::RejectWith;

use super::context::RuleRef;
use super::criteria::{CriterionResult, MatchOutcome};
use super::nat::NatDecision;

/// What the table decided for the packet.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Verdict {
    /// `NF_ACCEPT`: the packet goes on to the next table or hook.
    Accept,
    /// `NF_DROP`: discarded silently.
    Drop,
    /// Discarded, and the sender gets this ICMP error or TCP reset.
    Reject(RejectWith),
    /// The walk started in a user chain and returned from it without a verdict.
    Return,
    /// The walk stopped at something the lab does not emulate.
    NotEmulated { why: String },
}

impl fmt::Display for Verdict {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Verdict::Accept => f.write_str("ACCEPT"),
            Verdict::Drop => f.write_str("DROP"),
            Verdict::Reject(with) => write!(f, "REJECT --reject-with {with}"),
            Verdict::Return => f.write_str("RETURN (no verdict)"),
            Verdict::NotEmulated { why } => write!(f, "NOT EMULATED: {why}"),
        }
    }
}

/// Where in a chain a step is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Position {
    /// Rule number `n` (1-based).
    Rule(usize),
    /// Past the last rule: the policy of a built-in chain, or the implicit return of a user chain.
    End,
}

/// What happened at one step.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum StepOutcome {
    /// A criterion failed; the next rule is tried.
    NoMatch,
    /// The rule matched and has no target: it only counts the packet.
    Counted,
    /// `-j MARK`: the mark changed, evaluation continues.
    Mark {
        before: u32,
        after: u32,
    },
    /// `-j LOG` / `-j TRACE`: logged, evaluation continues.
    Logged,
    /// `-j CHAIN`.
    Jump(ChainName),
    /// `-g CHAIN`.
    Goto(ChainName),
    /// `-j RETURN`, or the end of a user chain: back to `to` (the calling chain), or to the
    /// policy when `to` is `None` in a built-in chain, or out of the walk when it started in a
    /// user chain.
    Return {
        to: Option<ChainName>,
    },
    Accept,
    Drop,
    Reject(RejectWith),
    Nat(NatDecision),
    /// The end of a built-in chain, or RETURN in it: the policy decides.
    Policy(Policy),
    /// The walk stops here.
    NotEmulated {
        why: String,
    },
}

impl fmt::Display for StepOutcome {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            StepOutcome::NoMatch => f.write_str("no match"),
            StepOutcome::Counted => f.write_str("match, no target: counted, continue"),
            StepOutcome::Mark { before, after } => {
                write!(f, "mark {before:#x} -> {after:#x}, continue")
            }
            StepOutcome::Logged => f.write_str("logged, continue"),
            StepOutcome::Jump(chain) => write!(f, "jump to {chain}"),
            StepOutcome::Goto(chain) => write!(f, "goto {chain}"),
            StepOutcome::Return { to: Some(chain) } => write!(f, "return to {chain}"),
            StepOutcome::Return { to: None } => f.write_str("return"),
            StepOutcome::Accept => f.write_str("ACCEPT"),
            StepOutcome::Drop => f.write_str("DROP"),
            StepOutcome::Reject(with) => write!(f, "REJECT with {with}"),
            StepOutcome::Nat(decision) => decision.fmt(f),
            StepOutcome::Policy(policy) => write!(f, "policy {policy}"),
            StepOutcome::NotEmulated { why } => write!(f, "NOT EMULATED: {why}"),
        }
    }
}

/// One rule (or chain end) the kernel looked at.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RuleStep {
    pub table: Table,
    pub chain: ChainName,
    pub position: Position,
    /// Calls deep (0 in the chain the walk started in).
    pub depth: usize,
    /// The rule as `iptables-save` prints it (`-A CHAIN ...`), or the chain's declaration
    /// (`:INPUT ACCEPT`) for [`Position::End`].
    pub text: String,
    /// Every criterion in kernel order; those after the first failure are `NotReached`.
    pub criteria: Vec<CriterionResult>,
    pub outcome: StepOutcome,
}

impl RuleStep {
    /// The 1-based rule number, if the step is a rule.
    pub fn number(&self) -> Option<usize> {
        match self.position {
            Position::Rule(number) => Some(number),
            Position::End => None,
        }
    }

    /// Whether every criterion matched (a chain end counts as matched).
    pub fn matched(&self) -> bool {
        self.criteria
            .iter()
            .all(|criterion| criterion.outcome == MatchOutcome::Matched)
    }
}

impl fmt::Display for RuleStep {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let indent = "  ".repeat(self.depth);
        let place = match self.position {
            Position::Rule(number) => format!("{number}"),
            Position::End => "end".to_string(),
        };
        writeln!(
            f,
            "{indent}{} {} {place}: {}",
            self.table, self.chain, self.text
        )?;
        for criterion in &self.criteria {
            if criterion.outcome == MatchOutcome::NotReached {
                writeln!(f, "{indent}    {}: not reached", criterion.text)?;
            } else {
                writeln!(
                    f,
                    "{indent}    {}: {} ({})",
                    criterion.text, criterion.outcome, criterion.observed
                )?;
            }
        }
        writeln!(f, "{indent}    => {}", self.outcome)
    }
}

/// The whole evaluation of one table at one hook.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Evaluation {
    pub table: Table,
    /// The chain the walk started in (the hook's built-in chain for [`super::evaluate`]).
    pub start: ChainName,
    pub verdict: Verdict,
    pub nat: Option<NatDecision>,
    pub mark_before: u32,
    pub mark_after: u32,
    pub steps: Vec<RuleStep>,
    /// The rule whose target ended the walk (ACCEPT, DROP, REJECT or a NAT target); `None`
    /// when a policy, a RETURN or something not emulated did. Set with or without steps.
    pub decided_by: Option<RuleRef>,
}

impl Evaluation {
    /// The steps whose rule matched and did something (no `NoMatch` steps).
    pub fn matched_steps(&self) -> impl Iterator<Item = &RuleStep> {
        self.steps
            .iter()
            .filter(|step| step.outcome != StepOutcome::NoMatch)
    }

    /// The chains entered, in order, starting with the start chain.
    pub fn chain_path(&self) -> Vec<&ChainName> {
        let mut path: Vec<&ChainName> = Vec::new();
        for step in &self.steps {
            if path.last() != Some(&&step.chain) {
                path.push(&step.chain);
            }
        }
        path
    }
}

impl fmt::Display for Evaluation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for step in &self.steps {
            step.fmt(f)?;
        }
        write!(f, "verdict: {}", self.verdict)?;
        if let Some(nat) = &self.nat {
            write!(f, "; {nat}")?;
        }
        if self.mark_before != self.mark_after {
            write!(
                f,
                "; mark {:#x} -> {:#x}",
                self.mark_before, self.mark_after
            )?;
        }
        writeln!(f)
    }
}
