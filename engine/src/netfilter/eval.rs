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
//! distribution over endpoints; [`evaluate_forced`] replays one of its paths step by step;
//! [`count`] ticks the rule counters so `iptables-save -c` shows the walk.
//!
//! A typical use, for the first packet of a connection arriving at a node:
//!
//! ```
//! use engine::netfilter::eval::{CtView, EvalContext, IpSets, LocalAddresses, NetfilterState, evaluate};
//! use engine::netfilter::{Hook, Table, parse};
//! use engine::packet::{Packet, PacketMeta, TcpSegment};
//! use engine::random::Rng;
//!
//! let rules = parse("*nat\n:PREROUTING ACCEPT [0:0]\n:INPUT ACCEPT [0:0]\n:OUTPUT ACCEPT [0:0]\n\
//!     :POSTROUTING ACCEPT [0:0]\n-A PREROUTING -d 10.96.0.1/32 -p tcp -m tcp --dport 443 \
//!     -j DNAT --to-destination 192.168.0.2:6443\nCOMMIT\n").ruleset;
//! let addresses = LocalAddresses::with_interfaces(&[("eth0", [192, 168, 0, 2].into(), 24)]);
//! let (ipsets, mut state, mut rng) = (IpSets::new(), NetfilterState::default(), Rng::seeded(7));
//! let mut ctx = EvalContext {
//!     addresses: &addresses,
//!     conntrack: CtView::new_connection(),
//!     ipsets: &ipsets,
//!     now_secs: 0,
//!     masquerade_source: None,
//!     state: &mut state,
//!     rng: &mut rng,
//! };
//! let packet = Packet::tcp([10, 244, 1, 5].into(), [10, 96, 0, 1].into(), TcpSegment::syn(40000, 443, 1));
//! let evaluation = evaluate(&rules, Table::Nat, Hook::PreRouting, &packet, &PacketMeta::received_on("cali1"), &mut ctx);
//! let (address, port) = evaluation.nat.as_ref().and_then(|nat| nat.destination()).unwrap_or(([0; 4].into(), None));
//! assert_eq!((address.to_string(), port), ("192.168.0.2".to_string(), Some(6443)));
//! ```

pub mod addresses;
pub mod context;
pub mod counting;
pub mod criteria;
pub mod distribution;
pub mod index;
pub mod ipset;
pub mod nat;
pub mod recent;
pub mod step;
pub mod walk;

pub use addresses::{LocalAddresses, LocalRoute};
pub use context::{CtView, EvalContext, NetfilterState, PacketCtState, RuleRef};
pub use counting::count;
pub use criteria::{Criterion, CriterionResult, MatchOutcome, StatisticDraw};
pub use distribution::{Distribution, Dyadic, Outcome, probabilities};
pub use index::WalkIndex;
pub use ipset::IpSets;
pub use nat::{NatDecision, NatPort};
pub use recent::{RecentEntry, RecentList, RecentLists};
pub use step::{Evaluation, Position, RuleStep, StepOutcome, Verdict};
pub use walk::{MAX_DEPTH, MAX_STEPS, evaluate, evaluate_chain, evaluate_forced, evaluate_quiet};

#[cfg(doc)]
use super::Ruleset;
