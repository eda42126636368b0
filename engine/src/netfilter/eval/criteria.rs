//! Evaluating one rule's criteria: the fixed `-s -d -i -o -p` and each `-m` match.
//!
//! Part of [`crate::netfilter::eval`]. Each criterion gives a [`CriterionResult`]: the save
//! text of the criterion, whether it matched, what the packet had, and the random draw for
//! `statistic`. Semantics follow the kernel modules named on each function.

use std::fmt;
use std::net::Ipv4Addr;

use crate::net::Cidr;
use crate::netfilter::chain_name::ChainName;
use crate::netfilter::hook::Hook;
use crate::netfilter::interface::Interface;
use crate::netfilter::ip_protocol::IpProtocol;
use crate::netfilter::matches::{
    AddrTypes, Addrtype, Conntrack, CtState, LimitIface, Match, Multiport, MultiportSide, Ports,
    Recent, RecentSide, Rpfilter, SetDirection, SetMatch, Statistic, StatisticMode,
};
use crate::netfilter::negatable::Negatable;
use crate::netfilter::probability::Probability;
use crate::netfilter::rule::Rule;
use crate::netfilter::table::Table;
use crate::packet::{Packet, PacketMeta};

use super::context::{EvalContext, RuleRef};

/// Which criterion of a rule.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Criterion {
    Source,
    Destination,
    InInterface,
    OutInterface,
    Protocol,
    /// The `index`-th (0-based) `-m` match of the rule.
    Match {
        index: usize,
        module: String,
    },
}

/// The result of one criterion.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum MatchOutcome {
    Matched,
    NotMatched,
    /// The lab cannot evaluate this criterion; the walk stops here.
    NotEmulated {
        why: String,
    },
    /// An earlier criterion of the rule failed, so the kernel never looked at this one.
    NotReached,
}

impl MatchOutcome {
    fn of(matched: bool) -> MatchOutcome {
        if matched {
            MatchOutcome::Matched
        } else {
            MatchOutcome::NotMatched
        }
    }
}

impl fmt::Display for MatchOutcome {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            MatchOutcome::Matched => f.write_str("match"),
            MatchOutcome::NotMatched => f.write_str("no match"),
            MatchOutcome::NotEmulated { why } => write!(f, "not emulated: {why}"),
            MatchOutcome::NotReached => f.write_str("not reached"),
        }
    }
}

/// The random number behind one `-m statistic --mode random` decision.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct StatisticDraw {
    /// The 31-bit random number `get_random_u32() & 0x7FFFFFFF`; `None` when the branch was
    /// chosen by [`super::probabilities`] or [`super::evaluate_forced`] instead of drawn.
    pub value: Option<u32>,
    /// The kernel's stored probability, `lround(p * 2^31)`.
    pub threshold: u32,
    /// Whether `value < threshold` (before a `!` after `--mode random`).
    pub taken: bool,
}

/// One criterion of one rule, evaluated.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CriterionResult {
    pub criterion: Criterion,
    /// The criterion as `iptables-save` prints it, e.g. `! -s 10.0.0.0/8` or `-m tcp --dport 80`.
    pub text: String,
    pub outcome: MatchOutcome,
    /// What the packet (or the kernel state) had, as a short sentence; empty if not reached.
    pub observed: String,
    pub draw: Option<StatisticDraw>,
}

/// Random decisions supplied instead of drawn, consumed in order.
#[derive(Clone, Debug, Default)]
pub(crate) struct Forced {
    pub choices: Vec<bool>,
    pub used: usize,
}

/// What evaluating one criterion led to.
pub(crate) enum Checked {
    Done(CriterionResult),
    /// Enumeration needs a choice for a random statistic match with this probability.
    NeedChoice(Probability),
}

/// Where and how a rule is being evaluated.
pub(crate) struct Input<'x> {
    pub packet: &'x Packet,
    pub meta: &'x PacketMeta,
    pub hook: Hook,
    pub table: Table,
    pub chain: &'x ChainName,
    /// The rule's 1-based number in `chain`.
    pub number: usize,
    /// Whether texts are built for the steps.
    pub record: bool,
}

impl Input<'_> {
    /// The rule being evaluated. Built only when needed (the `nth` counter's key): most rules
    /// a walk looks at fail a fixed criterion and never need it.
    pub fn rule(&self) -> RuleRef {
        RuleRef {
            table: self.table,
            chain: self.chain.clone(),
            number: self.number,
        }
    }
}

/// A result; the texts are only built when the walk records steps (`text` is `Some`), which
/// keeps the enumeration of [`super::probabilities`] cheap.
fn result(
    criterion: Criterion,
    text: Option<String>,
    matched: bool,
    observed: impl FnOnce() -> String,
) -> CriterionResult {
    let observed = if text.is_some() {
        observed()
    } else {
        String::new()
    };
    CriterionResult {
        criterion,
        text: text.unwrap_or_default(),
        outcome: MatchOutcome::of(matched),
        observed,
        draw: None,
    }
}

fn not_emulated(criterion: Criterion, text: Option<String>, why: String) -> CriterionResult {
    CriterionResult {
        criterion,
        text: text.unwrap_or_default(),
        outcome: MatchOutcome::NotEmulated { why },
        observed: String::new(),
        draw: None,
    }
}

/// The fixed criteria of `ip_packet_match`, in its order, each present one evaluated.
pub(crate) fn fixed(
    rule: &Rule,
    packet: &Packet,
    meta: &PacketMeta,
    record: bool,
) -> Vec<CriterionResult> {
    let mut out = Vec::new();
    if let Some(source) = &rule.source {
        out.push(address(
            Criterion::Source,
            "-s",
            source,
            packet.ip.src,
            "source",
            record,
        ));
    }
    if let Some(destination) = &rule.destination {
        out.push(address(
            Criterion::Destination,
            "-d",
            destination,
            packet.ip.dst,
            "destination",
            record,
        ));
    }
    if let Some(interface) = &rule.in_interface {
        out.push(device(
            Criterion::InInterface,
            "-i",
            interface,
            meta.in_interface.as_deref(),
            "in",
            record,
        ));
    }
    if let Some(interface) = &rule.out_interface {
        out.push(device(
            Criterion::OutInterface,
            "-o",
            interface,
            meta.out_interface.as_deref(),
            "out",
            record,
        ));
    }
    if let Some(protocol) = &rule.protocol {
        out.push(protocol_criterion(protocol, packet, record));
    }
    out
}

/// Whether every fixed criterion of `rule` holds, decided exactly as [`fixed`] decides each
/// one (the same predicates, in the same order, stopping at the first that fails) but without
/// building results: the walk's quiet mode, where most rules fail here.
pub(crate) fn fixed_match(rule: &Rule, packet: &Packet, meta: &PacketMeta) -> bool {
    rule.source
        .as_ref()
        .is_none_or(|source| address_holds(source, packet.ip.src))
        && rule
            .destination
            .as_ref()
            .is_none_or(|destination| address_holds(destination, packet.ip.dst))
        && rule
            .in_interface
            .as_ref()
            .is_none_or(|interface| device_holds(interface, meta.in_interface.as_deref()))
        && rule
            .out_interface
            .as_ref()
            .is_none_or(|interface| device_holds(interface, meta.out_interface.as_deref()))
        && rule
            .protocol
            .as_ref()
            .is_none_or(|protocol| protocol_holds(protocol, packet))
}

/// `-s`/`-d`: the address is in the prefix, XOR `!`.
fn address_holds(cidr: &Negatable<Cidr>, actual: Ipv4Addr) -> bool {
    cidr.holds(cidr.value.contains(actual))
}

/// `-i`/`-o`: a hook without that device compares against the empty name (`nulldevname`).
fn device_holds(interface: &Negatable<Interface>, actual: Option<&str>) -> bool {
    interface.holds(interface.value.matches(actual.unwrap_or("")))
}

/// `-p`: the protocol number, XOR `!`.
fn protocol_holds(protocol: &Negatable<IpProtocol>, packet: &Packet) -> bool {
    protocol.holds(packet.protocol().number() == protocol.value.number())
}

fn address(
    criterion: Criterion,
    flag: &str,
    cidr: &Negatable<Cidr>,
    actual: Ipv4Addr,
    name: &str,
    record: bool,
) -> CriterionResult {
    let text = record.then(|| format!("{}{flag} {}", cidr.bang(), cidr.value));
    result(criterion, text, address_holds(cidr, actual), || {
        format!("{name} {actual}")
    })
}

/// `-i`/`-o`: a hook without that device compares against the empty name (`nulldevname`).
fn device(
    criterion: Criterion,
    flag: &str,
    interface: &Negatable<Interface>,
    actual: Option<&str>,
    name: &str,
    record: bool,
) -> CriterionResult {
    let text = record.then(|| format!("{}{flag} {}", interface.bang(), interface.value));
    let observed = || match actual {
        Some(device) => format!("{name} interface {device}"),
        None => format!("no {name} interface at this hook"),
    };
    result(criterion, text, device_holds(interface, actual), observed)
}

fn protocol_criterion(
    protocol: &Negatable<IpProtocol>,
    packet: &Packet,
    record: bool,
) -> CriterionResult {
    let text = record.then(|| format!("{}-p {}", protocol.bang(), protocol.value));
    let matched = protocol_holds(protocol, packet);
    result(Criterion::Protocol, text, matched, || {
        format!("protocol {}", packet.protocol().name())
    })
}

/// One `-m` match.
pub(crate) fn module(
    index: usize,
    matched: &Match,
    input: &Input<'_>,
    ctx: &mut EvalContext<'_>,
    forced: Option<&mut Forced>,
) -> Checked {
    // The module name is only shown; a quiet walk leaves it empty rather than allocate it.
    let module = if input.record {
        matched.module().to_string()
    } else {
        String::new()
    };
    let criterion = Criterion::Match { index, module };
    let text = input.record.then(|| matched.to_string());
    let packet = input.packet;
    let done = match matched {
        Match::Comment(_) => result(criterion, text, true, || {
            "a comment always matches".to_string()
        }),
        Match::Tcp(ports) => transport(
            criterion,
            text,
            ports,
            packet,
            crate::packet::IpProtocol::Tcp,
        ),
        Match::Udp(ports) => transport(
            criterion,
            text,
            ports,
            packet,
            crate::packet::IpProtocol::Udp,
        ),
        Match::Multiport(multiport) => multiport_match(criterion, text, multiport, packet),
        Match::Addrtype(addrtype) => addrtype_match(criterion, text, addrtype, input, ctx),
        Match::Mark(mark) => {
            let value = input.meta.mark;
            result(
                criterion,
                text,
                mark.holds(mark.value.matches(value)),
                || format!("mark {value:#x}"),
            )
        }
        Match::Conntrack(conntrack) => conntrack_match(criterion, text, conntrack, ctx),
        Match::Statistic(statistic) => {
            return statistic_match(criterion, text, statistic, input, ctx, forced);
        }
        Match::Recent(recent) => recent_match(criterion, text, recent, input, ctx),
        Match::Set(set) => set_match(criterion, text, set, packet, ctx),
        Match::Nfacct(nfacct) => {
            let counter = ctx
                .state
                .nfacct
                .entry(nfacct.name.clone())
                .or_insert((0, 0));
            counter.0 = counter.0.saturating_add(1);
            counter.1 = counter.1.saturating_add(u64::from(packet.total_len()));
            let packets = counter.0;
            result(criterion, text, true, || {
                format!("nfacct {} counts {packets} packets", nfacct.name)
            })
        }
        Match::Rpfilter(rpfilter) => rpfilter_match(criterion, text, rpfilter, input, ctx),
        Match::Unknown(unknown) => not_emulated(
            criterion,
            text,
            format!(
                "the lab does not evaluate the `{}` match module",
                unknown.module
            ),
        ),
    };
    Checked::Done(done)
}

/// `xt_tcp` / `xt_udp` (`tcp_mt`, `udp_mt`): the packet must carry that protocol.
fn transport(
    criterion: Criterion,
    text: Option<String>,
    ports: &Ports,
    packet: &Packet,
    protocol: crate::packet::IpProtocol,
) -> CriterionResult {
    if packet.protocol() != protocol {
        return result(criterion, text, false, || {
            format!("not a {} packet", protocol.name())
        });
    }
    match (packet.src_port(), packet.dst_port()) {
        (Some(source), Some(destination)) => {
            result(criterion, text, ports.matches(source, destination), || {
                format!("source port {source}, destination port {destination}")
            })
        }
        _ => result(criterion, text, false, || {
            "the packet has no ports".to_string()
        }),
    }
}

/// `xt_multiport` (`ports_match_v1`): any listed port or range; `!` inverts the result.
fn multiport_match(
    criterion: Criterion,
    text: Option<String>,
    multiport: &Multiport,
    packet: &Packet,
) -> CriterionResult {
    let (Some(source), Some(destination)) = (packet.src_port(), packet.dst_port()) else {
        return result(criterion, text, false, || {
            "the packet has no ports".to_string()
        });
    };
    let hit = multiport.ports.iter().any(|range| match multiport.side {
        MultiportSide::Source => range.contains(source),
        MultiportSide::Destination => range.contains(destination),
        MultiportSide::Either => range.contains(source) || range.contains(destination),
    });
    result(criterion, text, hit != multiport.negated, || {
        format!("source port {source}, destination port {destination}")
    })
}

/// `xt_addrtype` (`addrtype_mt_v1`): the type of the source and/or destination address in
/// table `local`, optionally only through the in/out device.
fn addrtype_match(
    criterion: Criterion,
    text: Option<String>,
    addrtype: &Addrtype,
    input: &Input<'_>,
    ctx: &EvalContext<'_>,
) -> CriterionResult {
    let device = match addrtype.limit_iface {
        None => None,
        Some(LimitIface::In) => match input.meta.in_interface.as_deref() {
            Some(device) => Some(device),
            None => {
                let why = "--limit-iface-in needs an incoming interface, and the packet has none"
                    .to_string();
                return not_emulated(criterion, text, why);
            }
        },
        Some(LimitIface::Out) => match input.meta.out_interface.as_deref() {
            Some(device) => Some(device),
            None => {
                let why = "--limit-iface-out needs an outgoing interface, and the packet has none"
                    .to_string();
                return not_emulated(criterion, text, why);
            }
        },
    };
    let mut matched = true;
    let mut observed = Vec::new();
    let sides = [
        (&addrtype.source, input.packet.ip.src, "source"),
        (&addrtype.destination, input.packet.ip.dst, "destination"),
    ];
    for (wanted, address, name) in sides {
        if let Some(wanted) = wanted {
            let kind: AddrTypes = ctx.addresses.address_type(address, device);
            if input.record {
                observed.push(format!("{name} {address} is {kind}"));
            }
            matched &= wanted.holds(wanted.value.has(kind));
        }
    }
    let observed = || {
        let mut observed = observed.join(", ");
        if let Some(device) = device {
            observed.push_str(&format!(" (looked up on {device})"));
        }
        observed
    };
    result(criterion, text, matched, observed)
}

/// `xt_conntrack` (`conntrack_mt`, state part): `(state_mask & statebit) != 0`, XOR `!`.
fn conntrack_match(
    criterion: Criterion,
    text: Option<String>,
    conntrack: &Conntrack,
    ctx: &EvalContext<'_>,
) -> CriterionResult {
    let any = ctx
        .conntrack
        .each_state()
        .any(|state| conntrack.state.value.contains(state));
    result(criterion, text, conntrack.state.holds(any), || {
        let names: Vec<&str> = ctx.conntrack.each_state().map(|state: CtState| state.name()).collect();
        format!("ctstate {}", names.join(","))
    })
}

/// `xt_statistic` (`statistic_mt`). Random mode: `(get_random_u32() & 0x7FFFFFFF) < p`;
/// nth mode: a per-rule counter that starts at `--packet` and matches when it wraps to 0.
fn statistic_match(
    criterion: Criterion,
    text: Option<String>,
    statistic: &Statistic,
    input: &Input<'_>,
    ctx: &mut EvalContext<'_>,
    forced: Option<&mut Forced>,
) -> Checked {
    match statistic.mode {
        StatisticMode::Random { probability } => {
            let threshold = probability.kernel_value();
            let draw = match forced {
                Some(forced) => match forced.choices.get(forced.used).copied() {
                    Some(taken) => {
                        forced.used = forced.used.saturating_add(1);
                        StatisticDraw {
                            value: None,
                            threshold,
                            taken,
                        }
                    }
                    None => return Checked::NeedChoice(probability),
                },
                None => {
                    // The purpose is shown with the trace's draws; a quiet walk's trace is not
                    // shown, so it names the match only (the draw itself is the same).
                    let purpose = if input.record {
                        format!(
                            "{} {} rule {}: statistic --probability {probability}",
                            input.table, input.chain, input.number
                        )
                    } else {
                        "statistic --mode random".to_string()
                    };
                    // `Rng::statistic_random` draws `get_random_u32() & 0x7FFFFFFF` and records it.
                    let taken = ctx.rng.statistic_random(purpose, threshold);
                    let value = ctx
                        .rng
                        .draws()
                        .last()
                        .and_then(|draw| u32::try_from(draw.value).ok());
                    StatisticDraw {
                        value,
                        threshold,
                        taken,
                    }
                }
            };
            let observed = || match draw.value {
                Some(value) => format!(
                    "drew {value} (31 bits); {} {threshold}, so {}",
                    if draw.taken { "<" } else { ">=" },
                    if draw.taken { "taken" } else { "not taken" }
                ),
                None => format!(
                    "branch chosen: {}",
                    if draw.taken { "taken" } else { "not taken" }
                ),
            };
            let mut done = result(criterion, text, draw.taken != statistic.negated, observed);
            done.draw = Some(draw);
            Checked::Done(done)
        }
        StatisticMode::Nth { every, packet } => {
            let Some(last) = every.checked_sub(1) else {
                return Checked::Done(not_emulated(
                    criterion,
                    text,
                    "--every 0 is not valid".to_string(),
                ));
            };
            let counter = ctx.state.nth.entry(input.rule()).or_insert(packet);
            let next = if *counter >= last {
                0
            } else {
                counter.saturating_add(1)
            };
            *counter = next;
            let observed = || format!("packet counter now {next} of every {every}");
            Checked::Done(result(
                criterion,
                text,
                (next == 0) != statistic.negated,
                observed,
            ))
        }
    }
}

/// `xt_recent` (`recent_mt`).
fn recent_match(
    criterion: Criterion,
    text: Option<String>,
    recent: &Recent,
    input: &Input<'_>,
    ctx: &mut EvalContext<'_>,
) -> CriterionResult {
    let address = match recent.side {
        RecentSide::Source => input.packet.ip.src,
        RecentSide::Destination => input.packet.ip.dst,
    };
    // "use TTL as seen before forwarding": forwarded packets have had their TTL decremented.
    let forwarded = matches!(input.hook, Hook::Forward)
        || (matches!(input.hook, Hook::PostRouting) && input.meta.in_interface.is_some());
    let ttl = if forwarded {
        input.packet.ip.ttl.saturating_add(1)
    } else {
        input.packet.ip.ttl
    };
    let found = ctx
        .state
        .recent
        .evaluate(recent, address, ttl, ctx.now_secs);
    result(criterion, text, found.matched, || found.note)
}

/// `xt_set` for one-dimensional address sets.
fn set_match(
    criterion: Criterion,
    text: Option<String>,
    set: &SetMatch,
    packet: &Packet,
    ctx: &EvalContext<'_>,
) -> CriterionResult {
    let [direction] = set.directions.as_slice() else {
        let why = format!(
            "set {} is looked up with {} dimensions; the lab models one",
            set.name,
            set.directions.len()
        );
        return not_emulated(criterion, text, why);
    };
    let (address, name) = match direction {
        SetDirection::Source => (packet.ip.src, "source"),
        SetDirection::Destination => (packet.ip.dst, "destination"),
    };
    match ctx.ipsets.contains(&set.name, address) {
        Some(member) => {
            let observed = || {
                format!(
                    "{name} {address} is {}in set {}",
                    if member { "" } else { "not " },
                    set.name
                )
            };
            result(criterion, text, member != set.negated, observed)
        }
        None => not_emulated(
            criterion,
            text,
            format!("the contents of ipset {} were not given", set.name),
        ),
    }
}

/// `rpfilter_mt` (net/ipv4/netfilter/ipt_rpfilter.c): the source, routed as a destination,
/// must leave by the interface the packet came in on (`--loose`: by any interface); a local
/// source passes only with `--accept-local`. The lab has no policy routing, so `--validmark`
/// changes nothing. Needs the host's main routes ([`super::LocalAddresses::with_main_routes`]).
fn rpfilter_match(
    criterion: Criterion,
    text: Option<String>,
    rpfilter: &Rpfilter,
    input: &Input<'_>,
    ctx: &EvalContext<'_>,
) -> CriterionResult {
    let source = input.packet.ip.src;
    let Some(reverse) = ctx.addresses.reverse_route(source) else {
        let why = format!(
            "rpfilter{} needs a reverse route lookup for the source address, which the lab does not do here",
            rpfilter.list_options()
        );
        return not_emulated(criterion, text, why);
    };
    let incoming = input.meta.in_interface.as_deref().unwrap_or("");
    let passes = match reverse {
        Ok(device) => rpfilter.loose || device == incoming,
        Err(local) => local && rpfilter.accept_local,
    };
    let observed = move || match reverse {
        Ok(device) => format!("{source} routes back via {device}, packet came in on {incoming}"),
        Err(true) => format!("{source} is a local address"),
        Err(false) => format!("no unicast route back to {source}"),
    };
    result(criterion, text, passes != rpfilter.invert, observed)
}
