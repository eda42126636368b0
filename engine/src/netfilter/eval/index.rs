//! A lookup index over one ruleset for quiet walks: where each `-j`/`-g` goes, and, in long
//! chains, which rules a packet's destination address can match at all.
//!
//! Part of [`crate::netfilter::eval`]; used by Monte Carlo runs (`trace::spread`), which walk
//! the same rules hundreds of thousands of times. At 1,000 Services a walk through nat
//! `KUBE-SERVICES` looks at about 1,000 rules of the form `-d CLUSTER-IP/32 -p tcp -m tcp
//! --dport PORT -j KUBE-SVC-...`, and every jump searches ~11,000 chain names. The kernel
//! does the same (`ipt_do_table` is linear; nftables and IPVS exist because of it), but a
//! quiet walk shows nothing of the rules that fail, so it may skip them:
//!
//! - a rule whose `-d` is a plain `/32` (no `!`) fails `ip_packet_match` for every other
//!   destination, before any `-m` match runs, so it changes nothing (no draw, no `recent`
//!   update, no counter): `ChainIndex::next_candidate` jumps over runs of such rules to the
//!   next rule that could match the destination;
//! - a jump's target chain is resolved once, by name, as [`super::walk`] would.
//!
//! The index borrows the ruleset it was built from, so the two cannot disagree: the rules
//! cannot change while the index exists. Walks with an index give the same verdict, NAT
//! decision, mark, state updates and random draws as [`super::evaluate_quiet`]
//! (tests/montecarlo.rs checks it table by table, hook by hook).

use std::cell::OnceCell;
use std::collections::BTreeMap;
use std::net::Ipv4Addr;

use crate::netfilter::chain::Chain;
use crate::netfilter::chain_name::ChainName;
use crate::netfilter::hook::Hook;
use crate::netfilter::rule::Rule;
use crate::netfilter::ruleset::{Ruleset, TableRules};
use crate::netfilter::table::Table;
use crate::netfilter::target::Target;
use crate::packet::{Packet, PacketMeta};

use super::context::EvalContext;
use super::step::Evaluation;
use super::walk::{self, Mode};

/// Chains shorter than this are walked rule by rule: skipping saves nothing there.
const MIN_INDEXED_RULES: usize = 16;

/// The index of one ruleset, for [`WalkIndex::evaluate_quiet`].
#[derive(Debug)]
pub struct WalkIndex<'r> {
    ruleset: &'r Ruleset,
    tables: BTreeMap<Table, TableIndex>,
}

/// One table: a [`ChainIndex`] per chain, in the order of [`TableRules::chains`], each built
/// the first time a walk enters its chain (a walk enters a few dozen of the ~11,000 chains
/// of 1,000 Services).
#[derive(Debug)]
pub(crate) struct TableIndex {
    chains: Vec<OnceCell<ChainIndex>>,
}

/// One chain.
#[derive(Debug, Default)]
pub(crate) struct ChainIndex {
    /// For each rule, the position (in the table's chains) of its `-j`/`-g` chain, if it has
    /// one and that chain exists.
    targets: Vec<Option<usize>>,
    /// For a long chain, its rules by the destination they require.
    destinations: Option<Destinations>,
}

/// The rules of a chain split by their `-d`.
#[derive(Debug, Default)]
struct Destinations {
    /// Rules with a plain `-d ADDRESS/32`, by address; positions ascending.
    exact: BTreeMap<Ipv4Addr, Vec<usize>>,
    /// Every other rule (any other `-d`, or none); positions ascending.
    others: Vec<usize>,
}

impl<'r> WalkIndex<'r> {
    /// Indexes every table of `ruleset`.
    pub fn new(ruleset: &'r Ruleset) -> WalkIndex<'r> {
        let tables = ruleset.tables().map(|rules| (rules.table(), TableIndex::new(rules))).collect();
        WalkIndex { ruleset, tables }
    }

    /// The ruleset indexed.
    pub fn ruleset(&self) -> &'r Ruleset {
        self.ruleset
    }

    /// [`super::evaluate_quiet`] with the index: the same result, fewer rules looked at.
    pub fn evaluate_quiet(
        &self,
        table: Table,
        hook: Hook,
        packet: &Packet,
        meta: &PacketMeta,
        ctx: &mut EvalContext<'_>,
    ) -> Evaluation {
        let mut mode = Mode {
            forced: None,
            record: false,
        };
        // The built-in chain's own name (a shared string), else a new one for the walk to
        // report missing.
        let start = self
            .ruleset
            .table(table)
            .and_then(|rules| {
                let mut builtins = rules.chains().iter().take_while(|chain| chain.is_builtin());
                builtins.find(|chain| chain.name().as_str() == hook.name())
            })
            .map_or_else(|| ChainName::builtin(hook), |chain| chain.name().clone());
        let lookup = self.tables.get(&table);
        let walked = walk::walk(self.ruleset, table, hook, &start, packet, meta, ctx, &mut mode, None, lookup);
        walked.evaluation
    }
}

impl TableIndex {
    fn new(rules: &TableRules) -> TableIndex {
        let chains = rules.chains().iter().map(|_| OnceCell::new()).collect();
        TableIndex { chains }
    }

    /// The index of `chain`, one of the chains of `rules` (the table indexed).
    pub(crate) fn chain(&self, rules: &TableRules, chain: &Chain) -> Option<&ChainIndex> {
        let cell = self.chains.get(position_in(rules.chains(), chain)?)?;
        Some(cell.get_or_init(|| ChainIndex::new(rules, chain)))
    }
}

/// Where `chain` is in `chains`, found from its address (the walk holds `&Chain`s into the
/// table's `Vec<Chain>`): O(1), and `None` for a chain that is not one of them.
fn position_in(chains: &[Chain], chain: &Chain) -> Option<usize> {
    let offset = (chain as *const Chain as usize).checked_sub(chains.as_ptr() as usize)?;
    let position = offset.checked_div(std::mem::size_of::<Chain>())?;
    chains
        .get(position)
        .filter(|found| std::ptr::eq(*found, chain))
        .map(|_| position)
}

impl ChainIndex {
    fn new(rules: &TableRules, chain: &Chain) -> ChainIndex {
        // The walk's own lookup, done once per rule instead of once per packet.
        let targets = chain
            .rules
            .iter()
            .map(|rule| match &rule.target {
                Some(Target::Jump(name) | Target::Goto(name)) => {
                    walk::find_chain(rules, name).and_then(|found| position_in(rules.chains(), found))
                }
                _ => None,
            })
            .collect();
        let destinations = (chain.rules.len() >= MIN_INDEXED_RULES).then(|| {
            let mut destinations = Destinations::default();
            for (position, rule) in chain.rules.iter().enumerate() {
                match exact_destination(rule) {
                    Some(address) => destinations.exact.entry(address).or_default().push(position),
                    None => destinations.others.push(position),
                }
            }
            destinations
        });
        ChainIndex { targets, destinations }
    }

    /// Where the `-j`/`-g` of rule `position` goes, as a position in the table's chains.
    pub(crate) fn target(&self, position: usize) -> Option<usize> {
        self.targets.get(position).copied().flatten()
    }

    /// The first rule at or after `from` that a packet to `destination` could match, when
    /// rule `from` itself cannot (its `-d` is a plain `/32` of another address); `None` when
    /// rule `from` must be looked at (or the chain is not indexed). Every rule skipped has a
    /// plain `/32` `-d` of another address, so `ip_packet_match` fails it before any match.
    /// Past the last rule, the chain's length.
    pub(crate) fn next_candidate(&self, rules: &[Rule], from: usize, destination: Ipv4Addr) -> Option<usize> {
        let destinations = self.destinations.as_ref()?;
        match rules.get(from).and_then(exact_destination) {
            Some(address) if address != destination => {}
            _ => return None,
        }
        let after = |positions: &[usize]| {
            let first = positions.partition_point(|position| *position < from);
            positions.get(first).copied()
        };
        let exact = destinations.exact.get(&destination).and_then(|positions| after(positions));
        let other = after(&destinations.others);
        Some(match (exact, other) {
            (Some(a), Some(b)) => a.min(b),
            (Some(a), None) | (None, Some(a)) => a,
            (None, None) => rules.len(),
        })
    }
}

/// The address of a plain `-d ADDRESS/32` (not negated).
fn exact_destination(rule: &Rule) -> Option<Ipv4Addr> {
    let destination = rule.destination.as_ref()?;
    (!destination.negated && destination.value.prefix_len() == 32).then(|| destination.value.network())
}
