//! Evaluating a [`Ruleset`] against one packet, the way the kernel's `ipt_do_table` does,
//! explaining every rule it looks at.
//!
//! Pipeline position: after `kubeproxy::generate` built a node's [`Ruleset`] and before the
//! tracer (later) moves the packet to the next hop. The tracer calls [`evaluate`] once per
//! table and hook a packet crosses (for example nat PREROUTING, then filter FORWARD, then nat
//! POSTROUTING) and applies what comes back: the [`Verdict`], the [`NatDecision`] (with
//! conntrack and source selection) and the new packet mark. This module never changes a
//! packet and never touches conntrack; it only decides.
//!
//! Kernel semantics this module relies on (`net/ipv4/netfilter/ip_tables.c`, `ipt_do_table`):
//!
//! - Rules are tried in order. A rule matches when every criterion matches; the fixed
//!   criteria (`-s -d -i -o -p`, `ip_packet_match`) are checked first, then the `-m` matches
//!   in order, stopping at the first that fails, so later matches are not evaluated at all
//!   (no statistic draw, no `recent --set`). Criteria that were not reached are reported as
//!   [`MatchOutcome::NotReached`].
//! - `-j CHAIN` pushes the position after the rule on a stack; `-g CHAIN` does not. `RETURN`,
//!   and falling off the end of a user chain, pop the stack. With an empty stack, `RETURN` in
//!   a built-in chain and falling off its end both apply the chain's policy.
//! - ACCEPT, DROP, REJECT, DNAT, SNAT and MASQUERADE end the traversal of this table at this
//!   hook. MARK, LOG, TRACE and a rule without a target continue with the next rule.
//! - The nat table is only traversed by the first packet of a connection; later packets are
//!   rewritten from their conntrack entry. The caller decides whether to call [`evaluate`] for
//!   nat at all; the walker evaluates what it is given.
//! - Matches the lab cannot evaluate stop the walk visibly with
//!   [`Verdict::NotEmulated`]: never a silent skip, never a silent false.
//!
//! Randomness (`-m statistic --mode random`, `--random-fully` ports) comes from the caller's
//! seeded [`crate::random::Rng`], and every draw is kept in the step that used it.
//! [`probabilities`] enumerates the random branches instead of drawing, for the exact
//! distribution over endpoints.

pub mod addresses;
pub mod context;
pub mod criteria;
pub mod distribution;
pub mod ipset;
pub mod nat;
pub mod recent;
pub mod step;
pub mod walk;

pub use addresses::{LocalAddresses, LocalRoute};
pub use context::{CtView, EvalContext, NetfilterState, PacketCtState, RuleRef};
pub use criteria::{Criterion, CriterionResult, MatchOutcome, StatisticDraw};
pub use distribution::{Branch, Distribution, Dyadic, Outcome, probabilities};
pub use ipset::IpSets;
pub use nat::{NatDecision, NatPort};
pub use recent::{RecentEntry, RecentList, RecentLists};
pub use step::{Evaluation, Position, RuleStep, StepOutcome, Verdict};
pub use walk::{MAX_DEPTH, MAX_STEPS, evaluate, evaluate_chain, evaluate_forced};

#[cfg(doc)]
use super::Ruleset;
