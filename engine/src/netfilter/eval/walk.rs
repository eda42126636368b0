//! The walker: `ipt_do_table` for one table at one hook, rule by rule, with a call stack.
//!
//! Part of [`crate::netfilter::eval`]. See the module documentation there for the kernel
//! semantics. The walker never loops forever: a call stack deeper than [`MAX_DEPTH`] or more
//! than [`MAX_STEPS`] rules looked at stops the walk with a visible `NotEmulated` step (the
//! kernel refuses looping rulesets when they are loaded, so a real node never gets there).

use std::borrow::Cow;

use crate::netfilter::chain::Chain;
use crate::netfilter::chain_name::ChainName;
use crate::netfilter::hook::Hook;
use crate::netfilter::port_range::PortRange;
use crate::netfilter::probability::Probability;
use crate::netfilter::rule::Rule;
use crate::netfilter::ruleset::{Ruleset, TableRules};
use crate::netfilter::table::Table;
use crate::netfilter::target::Target;
use crate::packet::{Packet, PacketMeta};

use super::context::{EvalContext, NetfilterState, RuleRef};
use super::index::TableIndex;
use super::criteria::{self, Checked, Criterion, CriterionResult, Forced, Input, MatchOutcome};
use super::nat::{NatDecision, NatPort, default_source_range, random_port};
use super::step::{Evaluation, Position, RuleStep, StepOutcome, Verdict};

/// The deepest call stack the walker follows (jumps inside jumps).
pub const MAX_DEPTH: usize = 64;
/// The most rules one walk looks at.
pub const MAX_STEPS: usize = 100_000;

/// Evaluates `table` at `hook` for `packet`, starting in the hook's built-in chain.
pub fn evaluate(
    ruleset: &Ruleset,
    table: Table,
    hook: Hook,
    packet: &Packet,
    meta: &PacketMeta,
    ctx: &mut EvalContext<'_>,
) -> Evaluation {
    evaluate_chain(
        ruleset,
        table,
        hook,
        &ChainName::builtin(hook),
        packet,
        meta,
        ctx,
    )
}

/// Evaluates from any chain (a user chain returns [`Verdict::Return`] if nothing decides).
/// `hook` is the hook the packet is at (it matters for `-m recent` TTLs).
pub fn evaluate_chain(
    ruleset: &Ruleset,
    table: Table,
    hook: Hook,
    chain: &ChainName,
    packet: &Packet,
    meta: &PacketMeta,
    ctx: &mut EvalContext<'_>,
) -> Evaluation {
    let mut mode = Mode {
        forced: None,
        record: true,
    };
    walk(
        ruleset, table, hook, chain, packet, meta, ctx, &mut mode, None, None,
    )
    .evaluation
}

/// Evaluates like [`evaluate`] without recording steps: the same rules are looked at in the
/// same order, with the same verdict, NAT decision, mark, state updates and random draws, but
/// no rule text, criterion result or explanation is built and [`Evaluation::steps`] stays
/// empty ([`Evaluation::decided_by`] still names the deciding rule). For Monte Carlo runs,
/// where a draw at 1,000 Services would otherwise build a step for every `KUBE-SERVICES` rule.
pub fn evaluate_quiet(
    ruleset: &Ruleset,
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
    walk(
        ruleset,
        table,
        hook,
        &ChainName::builtin(hook),
        packet,
        meta,
        ctx,
        &mut mode,
        None,
        None,
    )
    .evaluation
}

/// Evaluates with the random statistic decisions given instead of drawn: `choices[i]` says
/// whether the i-th random statistic match reached was taken. Used to show the path to one
/// outcome of [`super::probabilities`]. Once the choices run out, the walk stops with
/// [`Verdict::NotEmulated`].
#[allow(clippy::too_many_arguments)]
pub fn evaluate_forced(
    ruleset: &Ruleset,
    table: Table,
    hook: Hook,
    chain: &ChainName,
    packet: &Packet,
    meta: &PacketMeta,
    ctx: &mut EvalContext<'_>,
    choices: &[bool],
) -> Evaluation {
    let mut mode = Mode {
        forced: Some(Forced {
            choices: choices.to_vec(),
            used: 0,
        }),
        record: true,
    };
    let walked = walk(
        ruleset, table, hook, chain, packet, meta, ctx, &mut mode, None, None,
    );
    let mut evaluation = walked.evaluation;
    if walked.need.is_some() {
        evaluation.verdict = Verdict::NotEmulated {
            why: "the walk needs more random choices than were given".to_string(),
        };
    }
    evaluation
}

/// How the walker decides random matches and whether it records steps.
pub(crate) struct Mode {
    pub forced: Option<Forced>,
    pub record: bool,
}

/// What a walk produced.
pub(crate) struct Walked<'r> {
    pub evaluation: Evaluation,
    /// Set when the walk stopped because enumeration must choose for this probability.
    pub need: Option<Need<'r>>,
}

/// Where a walk stopped for a random choice: the state just before the rule that needs it,
/// so that enumeration can continue both branches from there without starting over.
pub(crate) struct Need<'r> {
    pub probability: Probability,
    pub resume: Resume<'r>,
    /// The choices given to this rule's earlier random matches (normally none).
    pub rule_choices: Vec<bool>,
    /// How many of the walk's forced choices were used before this rule.
    pub used_before_rule: usize,
}

/// A position in a walk: the call stack, the next rule, the packet state and the node state.
#[derive(Clone)]
pub(crate) struct Resume<'r> {
    stack: Vec<(&'r Chain, usize)>,
    chain: &'r Chain,
    index: usize,
    meta: PacketMeta,
    looked: usize,
    pub state: NetfilterState,
}

/// The mutable state of one walk.
struct Walker<'r> {
    table: Table,
    start: &'r Chain,
    evaluation: Evaluation,
    record: bool,
}

/// Where a step happens and what it shows: everything a [`RuleStep`] records but its outcome.
struct At<'c> {
    chain: &'c Chain,
    position: Position,
    depth: usize,
    text: String,
    criteria: Vec<CriterionResult>,
}

enum Flow<'r> {
    /// Continue in this chain at this index.
    Next(&'r Chain, usize),
    Done,
}

#[allow(clippy::too_many_arguments)]
pub(crate) fn walk<'r>(
    ruleset: &'r Ruleset,
    table: Table,
    hook: Hook,
    start: &ChainName,
    packet: &Packet,
    meta: &PacketMeta,
    ctx: &mut EvalContext<'_>,
    mode: &mut Mode,
    resume: Option<Resume<'r>>,
    lookup: Option<&TableIndex>,
) -> Walked<'r> {
    let mut evaluation = Evaluation {
        table,
        start: start.clone(),
        verdict: Verdict::Accept,
        nat: None,
        mark_before: meta.mark,
        mark_after: meta.mark,
        steps: Vec::new(),
        decided_by: None,
    };
    let Some(rules) = ruleset.table(table) else {
        // A table nobody created is not registered at any hook: nothing to traverse.
        return Walked {
            evaluation,
            need: None,
        };
    };
    let Some(start_chain) = find_chain(rules, start) else {
        evaluation.verdict = Verdict::NotEmulated {
            why: format!("table {table} has no chain {start}"),
        };
        return Walked {
            evaluation,
            need: None,
        };
    };
    let mut walker = Walker {
        table,
        start: start_chain,
        evaluation,
        record: mode.record,
    };
    // The packet's metadata is only copied when a MARK target changes it (most walks never
    // do, and a copy costs the interface names).
    let (mut stack, mut chain, mut index, mut meta, mut looked) = match resume {
        Some(resume) => (
            resume.stack,
            resume.chain,
            resume.index,
            Cow::Owned(resume.meta),
            resume.looked,
        ),
        None => (Vec::new(), start_chain, 0usize, Cow::Borrowed(meta), 0usize),
    };
    loop {
        looked = looked.saturating_add(1);
        if looked > MAX_STEPS {
            let why = format!(
                "the walk looked at more than {MAX_STEPS} rules; the ruleset probably loops"
            );
            let at = At {
                chain,
                position: Position::Rule(index.saturating_add(1)),
                depth: stack.len(),
                text: String::new(),
                criteria: Vec::new(),
            };
            walker.stop(at, why);
            break;
        }
        let Some(rule) = chain.rules.get(index) else {
            match walker.end_of_chain(chain, &mut stack) {
                Flow::Next(next, resume) => {
                    chain = next;
                    index = resume;
                    continue;
                }
                Flow::Done => break,
            }
        };
        let number = index.saturating_add(1);
        if !mode.record {
            // With an index, a quiet walk goes straight past a run of rules whose plain
            // `-d x/32` is another address, counting them as looked at (so the MAX_STEPS
            // limit falls where it would rule by rule; near it, no skipping).
            let next = lookup
                .and_then(|lookup| lookup.chain(rules, chain))
                .and_then(|found| found.next_candidate(&chain.rules, index, packet.ip.dst));
            if let Some(next) = next {
                let more = next.saturating_sub(index).saturating_sub(1);
                if looked.saturating_add(more) <= MAX_STEPS {
                    looked = looked.saturating_add(more);
                    index = next;
                    continue;
                }
            }
            if !criteria::fixed_match(rule, packet, &meta) {
                // A quiet walk skips a rule whose `-s -d -i -o -p` fail without building
                // anything: `ip_packet_match` stops there too, before any `-m` match runs.
                index = number;
                continue;
            }
        }
        let input = Input {
            packet,
            meta: &meta,
            hook,
            table,
            chain: chain.name(),
            number,
            record: mode.record,
        };
        let enumerating = mode.forced.is_some() && has_random_statistic(rule);
        let before = enumerating.then(|| ctx.state.clone());
        let used_before_rule = mode.forced.as_ref().map_or(0, |forced| forced.used);
        let (criteria, verdict) = match check_rule(rule, &input, ctx, mode) {
            RuleCheck::Need(probability) => {
                walker.evaluation.mark_after = meta.mark;
                let rule_choices = mode
                    .forced
                    .as_ref()
                    .and_then(|forced| forced.choices.get(used_before_rule..forced.used))
                    .map(<[bool]>::to_vec)
                    .unwrap_or_default();
                let resume = Resume {
                    stack,
                    chain,
                    index,
                    meta: meta.into_owned(),
                    looked,
                    state: before.unwrap_or_else(|| ctx.state.clone()),
                };
                let need = Need {
                    probability,
                    resume,
                    rule_choices,
                    used_before_rule,
                };
                return Walked {
                    evaluation: walker.evaluation,
                    need: Some(need),
                };
            }
            RuleCheck::Checked(criteria, verdict) => (criteria, verdict),
        };
        if !mode.record && matches!(verdict, MatchOutcome::NotMatched | MatchOutcome::NotReached) {
            // Nothing to record for a rule that did not match: on to the next.
            index = number;
            continue;
        }
        let text = if mode.record {
            rule_text(chain, rule)
        } else {
            String::new()
        };
        let at = At {
            chain,
            position: Position::Rule(number),
            depth: stack.len(),
            text,
            criteria,
        };
        match verdict {
            MatchOutcome::NotReached | MatchOutcome::NotMatched => {
                walker.push(at, StepOutcome::NoMatch);
                index = number;
                continue;
            }
            MatchOutcome::NotEmulated { why } => {
                walker.stop(at, why);
                break;
            }
            MatchOutcome::Matched => {}
        }
        let Some(target) = &rule.target else {
            walker.push(at, StepOutcome::Counted);
            index = number;
            continue;
        };
        match target {
            Target::Accept => {
                walker.evaluation.decided_by = Some(rule_ref(table, chain, number));
                walker.finish(at, StepOutcome::Accept, Verdict::Accept);
                break;
            }
            Target::Drop => {
                walker.evaluation.decided_by = Some(rule_ref(table, chain, number));
                walker.finish(at, StepOutcome::Drop, Verdict::Drop);
                break;
            }
            Target::Reject(with) => {
                walker.evaluation.decided_by = Some(rule_ref(table, chain, number));
                let outcome = StepOutcome::Reject(*with);
                walker.finish(at, outcome, Verdict::Reject(*with));
                break;
            }
            Target::Return => {
                let to = stack.last().map(|(caller, _)| caller.name().clone());
                walker.push(at, StepOutcome::Return { to });
                match walker.pop_or_policy(&mut stack) {
                    Flow::Next(next, resume) => {
                        chain = next;
                        index = resume;
                    }
                    Flow::Done => break,
                }
            }
            Target::Jump(name) | Target::Goto(name) => {
                let indexed = lookup
                    .and_then(|lookup| lookup.chain(rules, chain))
                    .and_then(|found| found.target(index))
                    .and_then(|position| rules.chains().get(position));
                let Some(next) = indexed.or_else(|| find_chain(rules, name)) else {
                    let why = format!(
                        "rule {number} of {} jumps to {name}, which does not exist",
                        chain.name()
                    );
                    walker.stop(at, why);
                    break;
                };
                let is_goto = matches!(target, Target::Goto(_));
                if !is_goto && stack.len() >= MAX_DEPTH {
                    let why = format!(
                        "jumps nest deeper than {MAX_DEPTH} chains; the ruleset probably loops"
                    );
                    walker.stop(at, why);
                    break;
                }
                let outcome = if is_goto {
                    StepOutcome::Goto(name.clone())
                } else {
                    StepOutcome::Jump(name.clone())
                };
                walker.push(at, outcome);
                if !is_goto {
                    stack.push((chain, number));
                }
                chain = next;
                index = 0;
            }
            Target::Mark(mark) => {
                let before = meta.mark;
                meta.to_mut().mark = (before & !mark.mask) ^ mark.value;
                let outcome = StepOutcome::Mark {
                    before,
                    after: meta.mark,
                };
                walker.push(at, outcome);
                index = number;
            }
            Target::Log(_) | Target::Trace => {
                walker.push(at, StepOutcome::Logged);
                index = number;
            }
            Target::Dnat(_) | Target::Snat(_) | Target::Masquerade(_) => {
                match nat_decision(target, rule_ref(table, chain, number), hook, packet, ctx) {
                    Ok(decision) => {
                        walker.evaluation.decided_by = Some(decision.rule().clone());
                        walker.evaluation.nat = Some(decision.clone());
                        let outcome = StepOutcome::Nat(decision);
                        walker.finish(at, outcome, Verdict::Accept);
                    }
                    Err(why) => walker.stop(at, why),
                }
                break;
            }
            Target::Unknown { name, .. } => {
                let why = format!("the lab does not emulate the {name} target");
                walker.stop(at, why);
                break;
            }
        }
    }
    walker.evaluation.mark_after = meta.mark;
    Walked {
        evaluation: walker.evaluation,
        need: None,
    }
}

/// The chain called `name`. A table keeps its built-in chains first (at most five, looked at
/// one by one: every walk starts in one) and its user chains sorted by name (byte order), so
/// user chains are found by binary search; [`TableRules::chain`] is the fallback should that
/// order ever not hold.
pub(crate) fn find_chain<'r>(rules: &'r TableRules, name: &ChainName) -> Option<&'r Chain> {
    let chains = rules.chains();
    let builtin = chains.iter().take_while(|chain| chain.is_builtin()).count();
    let (builtins, user) = chains.split_at(builtin.min(chains.len()));
    if let Some(found) = builtins.iter().find(|chain| chain.name() == name) {
        return Some(found);
    }
    let found = user
        .binary_search_by(|chain| {
            chain
                .name()
                .as_str()
                .as_bytes()
                .cmp(name.as_str().as_bytes())
        })
        .ok()
        .and_then(|index| user.get(index));
    found.or_else(|| rules.chain(name))
}

/// The rule at 1-based `number` of `chain`.
fn rule_ref(table: Table, chain: &Chain, number: usize) -> RuleRef {
    RuleRef {
        table,
        chain: chain.name().clone(),
        number,
    }
}

/// Whether a rule has a `statistic --mode random` match (where enumeration may fork).
fn has_random_statistic(rule: &Rule) -> bool {
    rule.matches.iter().any(|matched| {
        matches!(matched, crate::netfilter::matches::Match::Statistic(statistic)
            if matches!(statistic.mode, crate::netfilter::matches::StatisticMode::Random { .. }))
    })
}

impl<'r> Walker<'r> {
    fn push(&mut self, at: At<'_>, outcome: StepOutcome) {
        if self.record {
            self.evaluation.steps.push(RuleStep {
                table: self.table,
                chain: at.chain.name().clone(),
                position: at.position,
                depth: at.depth,
                text: at.text,
                criteria: at.criteria,
                outcome,
            });
        }
    }

    /// A step that decides the walk's verdict.
    fn finish(&mut self, at: At<'_>, outcome: StepOutcome, verdict: Verdict) {
        self.push(at, outcome);
        self.evaluation.verdict = verdict;
    }

    /// A step the lab cannot emulate: the walk stops there.
    fn stop(&mut self, at: At<'_>, why: String) {
        let outcome = StepOutcome::NotEmulated { why: why.clone() };
        self.finish(at, outcome, Verdict::NotEmulated { why });
    }

    /// Past the last rule of `chain`: a built-in start chain applies its policy; otherwise the
    /// implicit RETURN of a user chain.
    fn end_of_chain(&mut self, chain: &'r Chain, stack: &mut Vec<(&'r Chain, usize)>) -> Flow<'r> {
        let depth = stack.len();
        if chain.is_builtin() && stack.is_empty() {
            return self.policy();
        }
        if self.record {
            let to = stack.last().map(|(caller, _)| caller.name().clone());
            let at = At {
                chain,
                position: Position::End,
                depth,
                text: "(end of chain)".to_string(),
                criteria: Vec::new(),
            };
            self.push(at, StepOutcome::Return { to });
        }
        self.pop_or_policy(stack)
    }

    /// RETURN: back to the caller, or with an empty stack to the start chain's policy (the
    /// kernel's `underflow` entry), or out of a walk that started in a user chain.
    fn pop_or_policy(&mut self, stack: &mut Vec<(&'r Chain, usize)>) -> Flow<'r> {
        match stack.pop() {
            Some((caller, resume)) => Flow::Next(caller, resume),
            None => self.policy(),
        }
    }

    fn policy(&mut self) -> Flow<'r> {
        let start = self.start;
        match start.policy() {
            Some(policy) => {
                if self.record {
                    let at = At {
                        chain: start,
                        position: Position::End,
                        depth: 0,
                        text: format!("-P {} {policy}", start.name()),
                        criteria: Vec::new(),
                    };
                    self.push(at, StepOutcome::Policy(policy));
                }
                self.evaluation.verdict = match policy {
                    crate::netfilter::policy::Policy::Accept => Verdict::Accept,
                    crate::netfilter::policy::Policy::Drop => Verdict::Drop,
                };
            }
            None => self.evaluation.verdict = Verdict::Return,
        }
        Flow::Done
    }
}

/// `-A CHAIN rule`, as `iptables-save` prints it.
fn rule_text(chain: &Chain, rule: &Rule) -> String {
    let body = rule.to_string();
    if body.is_empty() {
        format!("-A {}", chain.name())
    } else {
        format!("-A {} {body}", chain.name())
    }
}

enum RuleCheck {
    Checked(Vec<CriterionResult>, MatchOutcome),
    Need(Probability),
}

/// All criteria of a rule in kernel order, stopping at the first that does not match.
fn check_rule(
    rule: &Rule,
    input: &Input<'_>,
    ctx: &mut EvalContext<'_>,
    mode: &mut Mode,
) -> RuleCheck {
    if !mode.record {
        return check_rule_quiet(rule, input, ctx, mode);
    }
    let mut criteria = criteria::fixed(rule, input.packet, input.meta, input.record);
    let mut verdict = MatchOutcome::Matched;
    if let Some(failed) = criteria
        .iter()
        .position(|criterion| criterion.outcome != MatchOutcome::Matched)
    {
        verdict = criteria
            .get(failed)
            .map_or(MatchOutcome::NotMatched, |criterion| {
                criterion.outcome.clone()
            });
        for later in criteria.iter_mut().skip(failed.saturating_add(1)) {
            later.outcome = MatchOutcome::NotReached;
            later.observed.clear();
        }
    }
    for (position, matched) in rule.matches.iter().enumerate() {
        if verdict != MatchOutcome::Matched {
            if mode.record {
                criteria.push(CriterionResult {
                    criterion: Criterion::Match {
                        index: position,
                        module: matched.module().to_string(),
                    },
                    text: matched.to_string(),
                    outcome: MatchOutcome::NotReached,
                    observed: String::new(),
                    draw: None,
                });
            }
            continue;
        }
        match criteria::module(position, matched, input, ctx, mode.forced.as_mut()) {
            Checked::NeedChoice(probability) => return RuleCheck::Need(probability),
            Checked::Done(result) => {
                if result.outcome != MatchOutcome::Matched {
                    verdict = result.outcome.clone();
                }
                criteria.push(result);
            }
        }
    }
    RuleCheck::Checked(criteria, verdict)
}

/// [`check_rule`] without results: the same criteria in the same order with the same early
/// stop, so the same matches run (and draw, and update state), giving the same verdict. The
/// walk has already checked the fixed criteria ([`criteria::fixed_match`]) of `rule`.
fn check_rule_quiet(
    rule: &Rule,
    input: &Input<'_>,
    ctx: &mut EvalContext<'_>,
    mode: &mut Mode,
) -> RuleCheck {
    for (position, matched) in rule.matches.iter().enumerate() {
        match criteria::module(position, matched, input, ctx, mode.forced.as_mut()) {
            Checked::NeedChoice(probability) => return RuleCheck::Need(probability),
            Checked::Done(result) => {
                if result.outcome != MatchOutcome::Matched {
                    return RuleCheck::Checked(Vec::new(), result.outcome);
                }
            }
        }
    }
    RuleCheck::Checked(Vec::new(), MatchOutcome::Matched)
}

/// The decision of a NAT target, or why it cannot be made.
///
/// The kernel only allows each NAT target at some hooks (`.hooks` of its `xt_target`): DNAT in
/// PREROUTING and OUTPUT, SNAT in POSTROUTING and INPUT, MASQUERADE in POSTROUTING.
fn nat_decision(
    target: &Target,
    rule: RuleRef,
    hook: Hook,
    packet: &Packet,
    ctx: &mut EvalContext<'_>,
) -> Result<NatDecision, String> {
    if rule.table != Table::Nat {
        return Err(format!(
            "{} is only valid in the nat table, not in {}",
            target.name(),
            rule.table
        ));
    }
    let hooks: &[Hook] = match target {
        Target::Dnat(_) => &[Hook::PreRouting, Hook::Output],
        Target::Snat(_) => &[Hook::PostRouting, Hook::Input],
        _ => &[Hook::PostRouting],
    };
    if !hooks.contains(&hook) {
        return Err(format!("iptables refuses {} at {hook}", target.name()));
    }
    let original_source = packet.src_port();
    match target {
        Target::Dnat(nat) => {
            let port = match (packet.dst_port(), nat.to.ports) {
                (None, _) | (_, None) => NatPort::Unchanged,
                (Some(_), Some(range)) if range.first() == range.last() => {
                    NatPort::Fixed(range.first())
                }
                (Some(_), Some(range)) if nat.random || nat.random_fully => {
                    random(ctx, &rule, "DNAT", range)
                }
                (Some(_), Some(range)) => NatPort::KeepIfUnique { range: Some(range) },
            };
            Ok(NatDecision::Dnat {
                rule,
                nat: *nat,
                port,
            })
        }
        Target::Snat(nat) => {
            let port = source_port(
                ctx,
                &rule,
                "SNAT",
                original_source,
                nat.to.ports,
                nat.random || nat.random_fully,
            );
            Ok(NatDecision::Snat {
                rule,
                nat: *nat,
                port,
            })
        }
        Target::Masquerade(masquerade) => {
            let Some(source) = ctx.masquerade_source else {
                return Err(
                    "MASQUERADE needs the outgoing interface's address, and none was given"
                        .to_string(),
                );
            };
            let randomise = masquerade.random || masquerade.random_fully;
            let port = source_port(
                ctx,
                &rule,
                "MASQUERADE",
                original_source,
                masquerade.to_ports,
                randomise,
            );
            Ok(NatDecision::Masquerade {
                rule,
                masquerade: *masquerade,
                source,
                port,
            })
        }
        _ => Err(format!("{} is not a NAT target", target.name())),
    }
}

fn source_port(
    ctx: &mut EvalContext<'_>,
    rule: &RuleRef,
    what: &str,
    original: Option<u16>,
    to_ports: Option<PortRange>,
    randomise: bool,
) -> NatPort {
    let Some(original) = original else {
        return NatPort::Unchanged;
    };
    match to_ports {
        Some(range) if range.first() == range.last() => NatPort::Fixed(range.first()),
        Some(range) if randomise => random(ctx, rule, what, range),
        Some(range) => NatPort::KeepIfUnique { range: Some(range) },
        None if randomise => random(ctx, rule, what, default_source_range(original)),
        None => NatPort::KeepIfUnique { range: None },
    }
}

fn random(ctx: &mut EvalContext<'_>, rule: &RuleRef, what: &str, range: PortRange) -> NatPort {
    let purpose = format!(
        "{} {} rule {}: {what} port",
        rule.table, rule.chain, rule.number
    );
    let draw = u16::try_from(ctx.rng.next_u32(purpose) & 0xFFFF).unwrap_or(0);
    NatPort::Random {
        draw,
        port: random_port(draw, range),
        range,
    }
}
