//! The Inspector's content for one step of a traced packet: the headers before and after,
//! the node's `iptables-save` section with the deciding rule, the host's routes, the
//! conntrack table as it was at that moment, the random draws so far, and which kind of step
//! it is (the component looks up the translated explanation).
//!
//! Sits after the engine's tracer (`engine::trace::trace` gives the [`Trace`]) and before
//! `components::inspector`, which only renders an [`Inspection`]. Everything here is plain
//! Rust with native tests on real traces. Steps are indexed as [`Trace::all_steps`] orders
//! them (time order: DNS lookups, the handshake, the rest, Envoy's own connection).
//!
//! Tool output is never reworded: routes are printed by the engine's `ip route` renderer,
//! conntrack lines by its `conntrack -L` port, packets by its tcpdump port, and rules are
//! the very `iptables-save` text the engine evaluated.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use engine::conntrack::{Entry, render as conntrack_render};
use engine::dataplane::TableId;
use engine::netfilter::eval::{MatchOutcome, NatPort, RuleRef, RuleStep, StepOutcome};
use engine::packet::tcpdump::{Capture, LinkType};
use engine::packet::{Packet, Payload, TcpFlags};
use engine::trace::{At, Event, Lab, Session, Step, Trace};

/// 2^31: `-m statistic --mode random` compares 31-bit numbers (`xt_statistic.c`).
const STATISTIC_SCALE: f64 = 2_147_483_648.0;

/// Everything the Inspector shows for one step.
#[derive(Clone, Debug, PartialEq, Eq, Default)]
pub struct Inspection {
    /// The step's position in [`Trace::all_steps`].
    pub index: usize,
    /// How many steps the trace has.
    pub total: usize,
    /// `None` when the index is past the trace: the view says there is no step.
    pub step: Option<StepHead>,
    /// The packet of the step, or the packet as it is at that point.
    pub headers: Option<Headers>,
    pub rules: RulesPanel,
    pub routes: Option<RoutesView>,
    pub conntrack: Option<ConntrackView>,
    /// Random numbers that decided something up to and including this step.
    pub draws: Vec<DrawView>,
    /// Every number the generator gave for this connection, in order (`Trace::draws`).
    pub all_draws: Vec<String>,
}

/// Where and what the step is.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StepHead {
    pub host: String,
    /// `dev eth0`, `nat PREROUTING`, `routing`...
    pub at: String,
    /// The engine's one-line account of the step (as `lab trace` prints it).
    pub line: String,
    /// The lab clock, as tcpdump prints times.
    pub time: String,
    pub kind: StepKind,
}

/// The kinds of step, each with its own explanation in the catalogue.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum StepKind {
    DeviceRx,
    DeviceTx,
    ProxyArp,
    Rule,
    Verdict,
    Mark,
    Dnat,
    Snat,
    Masquerade,
    Route,
    Encap,
    Decap,
    Forwarded,
    ConntrackNew,
    ConntrackConfirmed,
    ConntrackHit,
    ConntrackNat,
    AppReceived,
    AppResponded,
    Reset,
    Dropped,
    Rejected,
    NoRoute,
    NotEmulated,
    HopLimit,
    CloudBalancer,
    EnvoyRoute,
}

impl StepKind {
    pub const ALL: [StepKind; 27] = [
        StepKind::DeviceRx,
        StepKind::DeviceTx,
        StepKind::ProxyArp,
        StepKind::Rule,
        StepKind::Verdict,
        StepKind::Mark,
        StepKind::Dnat,
        StepKind::Snat,
        StepKind::Masquerade,
        StepKind::Route,
        StepKind::Encap,
        StepKind::Decap,
        StepKind::Forwarded,
        StepKind::ConntrackNew,
        StepKind::ConntrackConfirmed,
        StepKind::ConntrackHit,
        StepKind::ConntrackNat,
        StepKind::AppReceived,
        StepKind::AppResponded,
        StepKind::Reset,
        StepKind::Dropped,
        StepKind::Rejected,
        StepKind::NoRoute,
        StepKind::NotEmulated,
        StepKind::HopLimit,
        StepKind::CloudBalancer,
        StepKind::EnvoyRoute,
    ];

    fn of(event: &Event) -> StepKind {
        match event {
            Event::DeviceRx { .. } => StepKind::DeviceRx,
            Event::DeviceTx { .. } => StepKind::DeviceTx,
            Event::ProxyArp { .. } => StepKind::ProxyArp,
            Event::Rule(_) => StepKind::Rule,
            Event::Verdict(_) => StepKind::Verdict,
            Event::Mark { .. } => StepKind::Mark,
            Event::Dnat { .. } => StepKind::Dnat,
            Event::Snat { masquerade: true, .. } => StepKind::Masquerade,
            Event::Snat { .. } => StepKind::Snat,
            Event::Route { .. } => StepKind::Route,
            Event::Encap { .. } => StepKind::Encap,
            Event::Decap { .. } => StepKind::Decap,
            Event::Forwarded { .. } => StepKind::Forwarded,
            Event::ConntrackNew { .. } => StepKind::ConntrackNew,
            Event::ConntrackConfirmed { .. } => StepKind::ConntrackConfirmed,
            Event::ConntrackHit { .. } => StepKind::ConntrackHit,
            Event::ConntrackNat { .. } => StepKind::ConntrackNat,
            Event::AppReceived { .. } => StepKind::AppReceived,
            Event::AppResponded { .. } => StepKind::AppResponded,
            Event::Reset { .. } => StepKind::Reset,
            Event::Dropped { .. } => StepKind::Dropped,
            Event::Rejected { .. } => StepKind::Rejected,
            Event::NoRoute { .. } => StepKind::NoRoute,
            Event::NotEmulated { .. } => StepKind::NotEmulated,
            Event::HopLimit { .. } => StepKind::HopLimit,
            Event::CloudBalancer { .. } => StepKind::CloudBalancer,
            Event::EnvoyRoute { .. } => StepKind::EnvoyRoute,
        }
    }
}

/// A header field the table shows. The labels are tcpdump's and iptables' words, not translated.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Field {
    Src,
    Dst,
    Sport,
    Dport,
    Proto,
    Ttl,
    Flags,
    Icmp,
    Mark,
}

impl Field {
    pub fn label(self) -> &'static str {
        match self {
            Field::Src => "src",
            Field::Dst => "dst",
            Field::Sport => "sport",
            Field::Dport => "dport",
            Field::Proto => "proto",
            Field::Ttl => "ttl",
            Field::Flags => "flags",
            Field::Icmp => "icmp",
            Field::Mark => "mark",
        }
    }
}

/// How a field differs between before and after.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Change {
    Same,
    Changed,
    /// The field exists only after the step (the outer header IPIP added).
    Added,
    /// The field exists only before the step (the outer header removed).
    Removed,
}

/// One row of a header table. `before` is `None` for steps that hold one packet.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FieldRow {
    pub field: Field,
    pub before: Option<String>,
    pub after: Option<String>,
    pub change: Change,
}

/// Which header a table section is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Layer {
    /// A packet without a tunnel.
    Packet,
    /// The IPIP outer header (Calico's tunl0).
    Outer,
    /// The packet inside the IPIP header; the view nests it in the outer one.
    Inner,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct HeaderSection {
    pub layer: Layer,
    pub rows: Vec<FieldRow>,
}

/// The packet of the step.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Headers {
    /// Whether the step changed the packet (two columns) or holds one packet.
    pub before_after: bool,
    /// The step holds no packet: this is the last packet seen on the host before it.
    pub carried: bool,
    /// Outer (or only) header first, then the inner one.
    pub sections: Vec<HeaderSection>,
    /// `tcpdump -n -S` lines: the packet before (when the step changed it) and after.
    pub tcpdump_before: Option<String>,
    pub tcpdump: String,
}

/// The rules panel.
#[derive(Clone, Debug, PartialEq, Eq, Default)]
pub enum RulesPanel {
    /// The step is not in a netfilter table.
    #[default]
    NotATable,
    /// The host has no kube-proxy or Calico rules (a pod or a machine outside the cluster).
    NoRules { host: String },
    Table(RulesView),
}

/// The node's `iptables-save` section for the step's table.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RulesView {
    pub node: String,
    /// `nat`, `filter`...
    pub table: String,
    /// `PREROUTING`, `OUTPUT`...
    pub hook: String,
    /// The section from `*table` to `COMMIT`, with line numbers in the whole save text.
    pub lines: Vec<(usize, String)>,
    /// The line number of the deciding rule (or policy).
    pub highlight: Option<usize>,
    /// The rules walked in this table at this hook, in order.
    pub walked: Vec<WalkedRule>,
}

/// One rule the kernel looked at in this run.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct WalkedRule {
    pub chain: String,
    /// `None` for the chain's end (policy or implicit return).
    pub number: Option<usize>,
    pub depth: usize,
    pub text: String,
    pub criteria: Vec<CriterionView>,
    pub outcome: String,
    /// The line in the save text.
    pub line: Option<usize>,
    /// This rule is the step shown (or decided it).
    pub current: bool,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Check {
    Matched,
    NotMatched,
    NotReached,
    NotEmulated(String),
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CriterionView {
    pub text: String,
    pub check: Check,
    /// What the packet had, in the engine's words.
    pub observed: String,
    /// `draw 0.9420 ≥ 0.5000` for `-m statistic --mode random`.
    pub draw: Option<String>,
}

/// `ip route` of the step's host, and for a route step the table and rule that matched.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RoutesView {
    pub host: String,
    pub tables: Vec<RouteTableView>,
    /// `ip rule` lines with the rule that led to the match, for route steps.
    pub rules: Vec<(String, bool)>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RouteTableView {
    /// `ip route` or `ip route show table local`.
    pub command: String,
    pub lines: Vec<String>,
    pub highlight: Option<usize>,
}

/// `conntrack -L` on the step's host at the step's time.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ConntrackView {
    pub host: String,
    /// Each line, and whether this step inserted or updated it.
    pub lines: Vec<(String, bool)>,
    /// conntrack's closing line on stderr.
    pub summary: String,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DrawView {
    pub text: String,
    /// Drawn at this very step.
    pub current: bool,
}

/// Inspects step `index` of `trace`, which was sent from session state `before` in `lab`.
/// An index past the end gives an inspection without a step.
pub fn inspect(lab: &Lab, before: &Session, trace: &Trace, index: usize) -> Inspection {
    let steps: Vec<&Step> = trace.all_steps().collect();
    let all_draws = trace.draws.iter().map(ToString::to_string).collect();
    let Some(step) = steps.get(index).copied() else {
        return Inspection {
            index,
            total: steps.len(),
            all_draws,
            ..Inspection::default()
        };
    };
    let done = steps.get(..=index).unwrap_or_default();
    Inspection {
        index,
        total: steps.len(),
        step: Some(StepHead {
            host: step.host.clone(),
            at: step.at.to_string(),
            line: step.event.to_string(),
            time: step.time.to_string(),
            kind: StepKind::of(&step.event),
        }),
        headers: headers(done, step),
        rules: rules(lab, &steps, index),
        routes: routes(lab, step),
        conntrack: Some(conntrack(before, done, step)),
        draws: draws(done),
        all_draws,
    }
}

// ---- headers -------------------------------------------------------------------------

/// The packet(s) a step holds: `(before, after)` for a rewrite, `(None, packet)` otherwise.
fn packets(event: &Event) -> Option<(Option<&Packet>, &Packet)> {
    match event {
        Event::DeviceRx { packet }
        | Event::DeviceTx { packet }
        | Event::AppResponded { packet }
        | Event::Reset { packet } => Some((None, packet)),
        Event::Dnat { before, after, .. }
        | Event::Snat { before, after, .. }
        | Event::Encap { before, after }
        | Event::Decap { before, after }
        | Event::ConntrackNat { before, after } => Some((Some(before), after)),
        _ => None,
    }
}

/// The packet mark on `host` after `steps`: the last `Mark` change since the packet came in
/// from a wire or a socket. The engine keeps the mark across tunl0 decapsulation and `lo`
/// (`ip_tunnel_rcv`), and a packet arriving on any other device starts with mark 0.
fn mark_on(steps: &[&Step], host: &str) -> u32 {
    let mut mark = 0;
    for step in steps.iter().filter(|step| step.host == host) {
        match &step.event {
            Event::Mark { after, .. } => mark = *after,
            Event::DeviceRx { .. } if !matches!(&step.at, At::Device(dev) if dev == "lo" || dev == "tunl0") => mark = 0,
            Event::AppResponded { .. } | Event::Reset { .. } => mark = 0,
            _ => {}
        }
    }
    mark
}

fn headers(done: &[&Step], step: &Step) -> Option<Headers> {
    let earlier = done.split_last().map(|(_, rest)| rest).unwrap_or_default();
    let mark_before = mark_on(earlier, &step.host);
    let mark_after = mark_on(done, &step.host);
    let show_mark = mark_before != 0 || mark_after != 0;
    let mark_row = |before: Option<u32>| FieldRow {
        field: Field::Mark,
        before: before.map(|mark| format!("{mark:#x}")),
        after: Some(format!("{mark_after:#x}")),
        change: if before.is_some_and(|mark| mark != mark_after) { Change::Changed } else { Change::Same },
    };
    if let Some((before, after)) = packets(&step.event) {
        let mut sections = compare(before, Some(after), before.is_some());
        if show_mark && let Some(first) = sections.first_mut() {
            first.rows.push(mark_row(before.map(|_| mark_before)));
        }
        return Some(Headers {
            before_after: before.is_some(),
            carried: false,
            sections,
            tcpdump_before: before.map(tcpdump_line),
            tcpdump: tcpdump_line(after),
        });
    }
    let carried = earlier
        .iter()
        .rev()
        .filter(|earlier| earlier.host == step.host)
        .find_map(|earlier| packets(&earlier.event).map(|(_, after)| after))?;
    let mut sections = compare(None, Some(carried), false);
    if let Event::Mark { before, .. } = step.event {
        if let Some(first) = sections.first_mut() {
            first.rows.push(mark_row(Some(before)));
        }
        return Some(Headers {
            before_after: true,
            carried: true,
            sections: sections
                .into_iter()
                .map(|section| HeaderSection {
                    rows: section
                        .rows
                        .into_iter()
                        .map(|row| FieldRow {
                            before: row.before.or_else(|| row.after.clone()),
                            ..row
                        })
                        .collect(),
                    ..section
                })
                .collect(),
            tcpdump_before: None,
            tcpdump: tcpdump_line(carried),
        });
    }
    if show_mark && let Some(first) = sections.first_mut() {
        first.rows.push(mark_row(None));
    }
    Some(Headers {
        before_after: false,
        carried: true,
        sections,
        tcpdump_before: None,
        tcpdump: tcpdump_line(carried),
    })
}

/// The IPIP payload of a packet, if it has one.
fn inner(packet: &Packet) -> Option<&Packet> {
    match &packet.payload {
        Payload::Ipip(inner) => Some(inner),
        _ => None,
    }
}

/// Header sections comparing `before` with `after`; with `pair` false only `after` is shown.
/// An IPIP packet gives an outer section and an inner one; a packet that gained or lost the
/// outer header compares its inner packet with the other side's plain packet.
fn compare(before: Option<&Packet>, after: Option<&Packet>, pair: bool) -> Vec<HeaderSection> {
    let tunnelled = |packet: Option<&Packet>| packet.and_then(inner).is_some();
    if !tunnelled(before) && !tunnelled(after) {
        return vec![section(Layer::Packet, before, after, pair)];
    }
    let outer_before = before.filter(|packet| inner(packet).is_some());
    let outer_after = after.filter(|packet| inner(packet).is_some());
    fn inner_of(packet: Option<&Packet>) -> Option<&Packet> {
        packet.map(|packet| inner(packet).unwrap_or(packet))
    }
    vec![
        section(Layer::Outer, outer_before, outer_after, pair),
        section(Layer::Inner, inner_of(before), inner_of(after), pair),
    ]
}

fn section(layer: Layer, before: Option<&Packet>, after: Option<&Packet>, pair: bool) -> HeaderSection {
    let old: BTreeMap<Field, String> = engine::sort::map_of(before.map(fields).unwrap_or_default());
    let new: BTreeMap<Field, String> = engine::sort::map_of(after.map(fields).unwrap_or_default());
    let mut names: Vec<Field> = old.keys().chain(new.keys()).copied().collect();
    engine::sort::natural(&mut names);
    names.dedup();
    let rows = names
        .into_iter()
        .map(|field| {
            let (before, after) = (old.get(&field).cloned(), new.get(&field).cloned());
            let change = match (&before, &after) {
                _ if !pair => Change::Same,
                (Some(old), Some(new)) if old == new => Change::Same,
                (Some(_), Some(_)) => Change::Changed,
                (None, _) => Change::Added,
                (Some(_), None) => Change::Removed,
            };
            FieldRow {
                field,
                before: if pair { before } else { None },
                after,
                change,
            }
        })
        .collect();
    HeaderSection { layer, rows }
}

/// The fields of one IPv4 header and its transport header (not the IPIP payload's).
fn fields(packet: &Packet) -> Vec<(Field, String)> {
    let mut out = vec![
        (Field::Src, packet.ip.src.to_string()),
        (Field::Dst, packet.ip.dst.to_string()),
    ];
    if let Some(port) = packet.src_port() {
        out.push((Field::Sport, port.to_string()));
    }
    if let Some(port) = packet.dst_port() {
        out.push((Field::Dport, port.to_string()));
    }
    let protocol = packet.protocol();
    let name = match protocol {
        engine::packet::IpProtocol::Ipip => "ipip",
        other => other.name(),
    };
    out.push((Field::Proto, format!("{name} ({})", protocol.number())));
    out.push((Field::Ttl, packet.ip.ttl.to_string()));
    match &packet.payload {
        Payload::Tcp(segment) => out.push((Field::Flags, format!("[{}]", flag_letters(segment.flags)))),
        Payload::Icmp(message) => out.push((Field::Icmp, format!("type {} code {}", message.kind(), message.code()))),
        Payload::Udp(_) | Payload::Ipip(_) => {}
    }
    out
}

/// tcpdump's flag letters (`print-tcp.c`'s `tcp_flag_values`): `S`, `F`, `R`, `P`, `U`, `E`,
/// `W`, and `.` for ACK.
fn flag_letters(flags: TcpFlags) -> String {
    let letters: String = [
        (TcpFlags::SYN, 'S'),
        (TcpFlags::FIN, 'F'),
        (TcpFlags::RST, 'R'),
        (TcpFlags::PSH, 'P'),
        (TcpFlags::URG, 'U'),
        (TcpFlags::ECE, 'E'),
        (TcpFlags::CWR, 'W'),
        (TcpFlags::ACK, '.'),
    ]
    .into_iter()
    .filter(|(flag, _)| flags.contains(*flag))
    .map(|(_, letter)| letter)
    .collect();
    if letters.is_empty() { "none".to_string() } else { letters }
}

/// The packet as `tcpdump -n -S` prints it, without the timestamp.
fn tcpdump_line(packet: &Packet) -> String {
    let line = Capture::new("any", LinkType::Ethernet)
        .with_absolute_seq(true)
        .line(engine::packet::LabTime::default(), packet);
    match line.split_once(' ') {
        Some((_, rest)) => rest.to_string(),
        None => line,
    }
}

// ---- rules ---------------------------------------------------------------------------

/// Where a rule or a chain's end sits in the save text.
enum Place<'a> {
    Rule(&'a str, usize),
    ChainEnd(&'a str),
}

fn place_of(rule: &RuleStep) -> Place<'_> {
    match rule.number() {
        Some(number) => Place::Rule(rule.chain.as_str(), number),
        None => Place::ChainEnd(rule.chain.as_str()),
    }
}

fn place_of_ref(rule: &RuleRef) -> Place<'_> {
    Place::Rule(rule.chain.as_str(), rule.number)
}

/// The `*table` ... `COMMIT` section of `save_text`, as (1-based line number, text).
fn section_lines(save_text: &str, table: &str) -> Vec<(usize, String)> {
    let header = format!("*{table}");
    let mut out = Vec::new();
    let mut inside = false;
    for (number, line) in save_text.lines().enumerate() {
        if line == header {
            inside = true;
        }
        if inside {
            out.push((number.saturating_add(1), line.to_string()));
            if line == "COMMIT" {
                break;
            }
        }
    }
    out
}

/// The line of a rule (`-A CHAIN`, counted as `iptables -L --line-numbers` counts) or of a
/// chain's declaration (`:CHAIN POLICY [0:0]`, where a policy is written).
fn find_line(lines: &[(usize, String)], place: &Place<'_>) -> Option<usize> {
    match place {
        Place::Rule(chain, number) => {
            let prefix = format!("-A {chain} ");
            lines
                .iter()
                .filter(|(_, text)| text.starts_with(&prefix))
                .nth(number.checked_sub(1)?)
                .map(|(line, _)| *line)
        }
        Place::ChainEnd(chain) => {
            let prefix = format!(":{chain} ");
            lines.iter().find(|(_, text)| text.starts_with(&prefix)).map(|(line, _)| *line)
        }
    }
}

fn rules(lab: &Lab, steps: &[&Step], index: usize) -> RulesPanel {
    let Some(step) = steps.get(index) else {
        return RulesPanel::NotATable;
    };
    let Some(node) = lab.node_rules(&step.host) else {
        return RulesPanel::NoRules { host: step.host.clone() };
    };
    let At::Table { hook, table } = &step.at else {
        return RulesPanel::NotATable;
    };
    let lines = section_lines(&node.save_text, table.name());
    // The run: the steps of the same host, hook and table around this one.
    let same = |other: &&Step| other.host == step.host && other.at == step.at;
    let start = steps
        .get(..index)
        .unwrap_or_default()
        .iter()
        .rposition(|other| !same(other))
        .map_or(0, |position| position.saturating_add(1));
    let end = steps
        .get(index..)
        .unwrap_or_default()
        .iter()
        .position(|other| !same(other))
        .map_or(steps.len(), |position| position.saturating_add(index));
    let run: Vec<(usize, &RuleStep)> = (start..end)
        .filter_map(|position| match &steps.get(position)?.event {
            Event::Rule(rule) => Some((position, rule)),
            _ => None,
        })
        .collect();
    // The deciding rule: the step's own, the NAT/drop rule it names, or the run's last rule
    // (the last mark-setting one for a mark change).
    let current: Option<usize> = match &step.event {
        Event::Rule(_) => Some(index),
        Event::Mark { .. } => run
            .iter()
            .rev()
            .find(|(position, rule)| *position < index && matches!(rule.outcome, StepOutcome::Mark { .. }))
            .map(|(position, _)| *position),
        _ => run.iter().rev().find(|(position, _)| *position < index).map(|(position, _)| *position),
    };
    let highlight = match &step.event {
        Event::Dnat { rule, .. } | Event::Snat { rule, .. } | Event::Rejected { rule, .. } => {
            find_line(&lines, &place_of_ref(rule))
        }
        Event::Dropped { rule: Some(rule), .. } => find_line(&lines, &place_of_ref(rule)),
        _ => current
            .and_then(|position| run.iter().find(|(at, _)| *at == position))
            .and_then(|(_, rule)| find_line(&lines, &place_of(rule))),
    };
    let walked = run
        .iter()
        .map(|(position, rule)| {
            let line = find_line(&lines, &place_of(rule));
            WalkedRule {
                chain: rule.chain.to_string(),
                number: rule.number(),
                depth: rule.depth,
                text: rule.text.clone(),
                criteria: rule.criteria.iter().map(criterion).collect(),
                outcome: rule.outcome.to_string(),
                line,
                current: Some(*position) == current || (line.is_some() && line == highlight && current.is_none()),
            }
        })
        .collect();
    RulesPanel::Table(RulesView {
        node: step.host.clone(),
        table: table.name().to_string(),
        hook: hook.name().to_string(),
        lines,
        highlight,
        walked,
    })
}

fn criterion(result: &engine::netfilter::eval::CriterionResult) -> CriterionView {
    CriterionView {
        text: result.text.clone(),
        check: match &result.outcome {
            MatchOutcome::Matched => Check::Matched,
            MatchOutcome::NotMatched => Check::NotMatched,
            MatchOutcome::NotReached => Check::NotReached,
            MatchOutcome::NotEmulated { why } => Check::NotEmulated(why.clone()),
        },
        observed: result.observed.clone(),
        draw: result.draw.map(|draw| match draw.value {
            Some(value) => statistic_text(value, draw.threshold),
            None => format!("probability {:.4} (chosen, not drawn)", f64::from(draw.threshold) / STATISTIC_SCALE),
        }),
    }
}

/// `draw 0.9420 ≥ 0.5000 (2022941422 ≥ 1073741824)`: the kernel's 31-bit number against
/// the rule's threshold, also as fractions of 2^31.
fn statistic_text(value: u32, threshold: u32) -> String {
    let sign = if value < threshold { "<" } else { "≥" };
    format!(
        "draw {:.4} {sign} {:.4} ({value} {sign} {threshold})",
        f64::from(value) / STATISTIC_SCALE,
        f64::from(threshold) / STATISTIC_SCALE
    )
}

// ---- routes --------------------------------------------------------------------------

fn routes(lab: &Lab, step: &Step) -> Option<RoutesView> {
    let host = lab.host(&step.host)?;
    let matched = match &step.event {
        Event::Route { matched, .. } => *matched,
        _ => None,
    };
    let table_view = |table: TableId, command: &str| RouteTableView {
        command: command.to_string(),
        lines: host.table(table).routes().iter().map(ToString::to_string).collect(),
        highlight: matched.filter(|matched| matched.table == table).map(|matched| matched.index),
    };
    let mut tables = vec![table_view(TableId::Main, "ip route")];
    if matched.is_some_and(|matched| matched.table == TableId::Local) {
        tables.insert(0, table_view(TableId::Local, "ip route show table local"));
    }
    // `ip rule` with the default rules (fib_default_rules_init); only route steps show it.
    let rules = match matched {
        Some(matched) => [("0:\tfrom all lookup local", TableId::Local), ("32766:\tfrom all lookup main", TableId::Main)]
            .into_iter()
            .map(|(line, table)| (line.to_string(), table == matched.table))
            .chain(std::iter::once(("32767:\tfrom all lookup default".to_string(), false)))
            .collect(),
        None => Vec::new(),
    };
    Some(RoutesView {
        host: step.host.clone(),
        tables,
        rules,
    })
}

// ---- conntrack -----------------------------------------------------------------------

/// The host's table at the step: the session's table before the trace, with every entry
/// the trace confirmed (`__nf_conntrack_confirm`) or updated (a hit records the entry after
/// `nf_conntrack_in` updated it) on that host up to and including the step.
fn conntrack(before: &Session, done: &[&Step], step: &Step) -> ConntrackView {
    let mut entries: BTreeMap<u32, Entry> = before
        .conntrack(&step.host)
        .map(|table| table.entries().map(|entry| (entry.id, entry.clone())).collect())
        .unwrap_or_default();
    for earlier in done.iter().filter(|earlier| earlier.host == step.host) {
        match &earlier.event {
            Event::ConntrackConfirmed { entry } | Event::ConntrackHit { entry, .. } => {
                entries.insert(entry.id, entry.clone());
            }
            _ => {}
        }
    }
    let touched = match &step.event {
        Event::ConntrackConfirmed { entry } | Event::ConntrackHit { entry, .. } => Some(entry.id),
        _ => None,
    };
    ConntrackView {
        host: step.host.clone(),
        lines: entries
            .values()
            .map(|entry| (conntrack_render::entry_line(entry, step.time), Some(entry.id) == touched))
            .collect(),
        summary: conntrack_render::summary(entries.len(), "shown").trim_end().to_string(),
    }
}

// ---- draws ---------------------------------------------------------------------------

/// The random numbers that decided something, up to the step: `-m statistic` draws and
/// `--random-fully` port draws, each where it was made.
fn draws(done: &[&Step]) -> Vec<DrawView> {
    let last = done.len().saturating_sub(1);
    let mut out = Vec::new();
    for (position, step) in done.iter().enumerate() {
        match &step.event {
            Event::Rule(rule) => {
                for result in &rule.criteria {
                    if let Some(draw) = result.draw
                        && let Some(value) = draw.value
                    {
                        let mut text = format!("{} {} ", step.host, rule.chain);
                        if let Some(number) = rule.number() {
                            let _ = write!(text, "#{number} ");
                        }
                        let _ = write!(text, "statistic: {}", statistic_text(value, draw.threshold));
                        out.push(DrawView {
                            text,
                            current: position == last,
                        });
                    }
                }
            }
            Event::Snat {
                port: NatPort::Random { draw, port, range },
                masquerade,
                ..
            } => out.push(DrawView {
                text: format!(
                    "{} {} port: draw {draw} in {range} -> {port}",
                    step.host,
                    if *masquerade { "MASQUERADE" } else { "SNAT" }
                ),
                current: position == last,
            }),
            _ => {}
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use engine::trace::TraceOptions;

    const NODEPORT: &str = include_str!("../../static/examples/nodeport.yaml");
    const CLUSTERIP: &str = include_str!("../../static/examples/clusterip.yaml");

    /// A lab, the session before the trace, the trace, and the session after it.
    fn traced_after(text: &str, from: &str, url: &str) -> (Lab, Session, Trace, Session) {
        let mut shell = engine::shell::Lab::from_text(text);
        let before = shell.session().clone();
        let trace = shell.connect(from, url, &TraceOptions::default()).clone();
        (shell.net().clone(), before, trace, shell.session().clone())
    }

    fn traced(text: &str, from: &str, url: &str) -> (Lab, Session, Trace) {
        let (lab, before, trace, _) = traced_after(text, from, url);
        (lab, before, trace)
    }

    /// The post's NodePort: the client calls node1, the pod is on node2.
    fn nodeport() -> (Lab, Session, Trace) {
        traced(NODEPORT, "client", "http://172.16.120.63:31000/")
    }

    fn position(trace: &Trace, found: impl Fn(&Step) -> bool) -> usize {
        trace.all_steps().position(found).unwrap()
    }

    fn row(section: &HeaderSection, field: Field) -> &FieldRow {
        section.rows.iter().find(|row| row.field == field).unwrap()
    }

    #[test]
    fn the_dnat_step_highlights_the_kube_sep_rule_and_the_new_destination() {
        let (lab, before, trace) = nodeport();
        let index = position(&trace, |step| matches!(step.event, Event::Dnat { .. }) && step.host == "node1");
        let inspection = inspect(&lab, &before, &trace, index);
        assert_eq!(inspection.step.as_ref().unwrap().kind, StepKind::Dnat);
        let headers = inspection.headers.unwrap();
        assert!(headers.before_after);
        let [packet] = headers.sections.as_slice() else { panic!("one section") };
        let dst = row(packet, Field::Dst);
        assert_eq!(
            (dst.before.as_deref(), dst.after.as_deref(), dst.change),
            (Some("172.16.120.63"), Some("192.168.231.166"), Change::Changed)
        );
        let dport = row(packet, Field::Dport);
        assert_eq!((dport.before.as_deref(), dport.after.as_deref()), (Some("31000"), Some("80")));
        assert_eq!(row(packet, Field::Src).change, Change::Same);
        // KUBE-MARK-MASQ set 0x4000 earlier in this nat PREROUTING run.
        assert_eq!(row(packet, Field::Mark).after.as_deref(), Some("0x4000"));
        assert!(headers.tcpdump.starts_with("IP 172.16.120.61."), "{}", headers.tcpdump);
        assert!(headers.tcpdump.contains(" > 192.168.231.166.80: Flags [S]"), "{}", headers.tcpdump);
        let RulesPanel::Table(rules) = inspection.rules else { panic!("a nat table view") };
        assert_eq!((rules.node.as_str(), rules.table.as_str(), rules.hook.as_str()), ("node1", "nat", "PREROUTING"));
        let line = rules.highlight.unwrap();
        let text = &rules.lines.iter().find(|(number, _)| *number == line).unwrap().1;
        assert!(text.starts_with("-A KUBE-SEP-"), "{text}");
        assert!(text.ends_with("-j DNAT --to-destination 192.168.231.166:80"), "{text}");
        // The line number is the line in the whole save text.
        let save = &lab.node_rules("node1").unwrap().save_text;
        assert_eq!(save.lines().nth(line - 1), Some(text.as_str()));
        assert_eq!(rules.lines.first().map(|(_, text)| text.as_str()), Some("*nat"));
        assert_eq!(rules.lines.last().map(|(_, text)| text.as_str()), Some("COMMIT"));
        // The walked rules include the NodePort match, every criterion checked.
        let nodeport = rules
            .walked
            .iter()
            .find(|rule| rule.chain == "KUBE-NODEPORTS" && rule.number == Some(2))
            .unwrap();
        assert!(nodeport.criteria.iter().all(|criterion| criterion.check == Check::Matched));
        let loopback = rules
            .walked
            .iter()
            .find(|rule| rule.chain == "KUBE-NODEPORTS" && rule.number == Some(1))
            .unwrap();
        assert_eq!(loopback.criteria.first().map(|c| &c.check), Some(&Check::NotMatched));
        assert!(loopback.criteria.iter().skip(1).all(|criterion| criterion.check == Check::NotReached));
        // The deciding KUBE-SEP rule in the walk is the highlighted line.
        let deciding: Vec<&WalkedRule> = rules.walked.iter().filter(|rule| rule.current).collect();
        assert_eq!(deciding.len(), 1);
        assert_eq!(deciding.first().and_then(|rule| rule.line), Some(line));
    }

    #[test]
    fn a_rule_step_highlights_its_own_line() {
        let (lab, before, trace) = nodeport();
        let index = position(&trace, |step| {
            matches!(&step.event, Event::Rule(rule) if rule.chain.as_str() == "KUBE-NODEPORTS" && rule.number() == Some(2))
        });
        let RulesPanel::Table(rules) = inspect(&lab, &before, &trace, index).rules else { panic!() };
        let line = rules.highlight.unwrap();
        let text = &rules.lines.iter().find(|(number, _)| *number == line).unwrap().1;
        assert!(text.starts_with("-A KUBE-NODEPORTS -p tcp") && text.contains("--dport 31000"), "{text}");
        // A chain's end maps to its declaration.
        let policy = position(&trace, |step| {
            step.host == "node1"
                && matches!(&step.event, Event::Rule(rule) if rule.chain.as_str() == "PREROUTING" && rule.number().is_none() && rule.table == engine::netfilter::Table::Raw)
        });
        let RulesPanel::Table(rules) = inspect(&lab, &before, &trace, policy).rules else { panic!() };
        let line = rules.highlight.unwrap();
        assert_eq!(rules.lines.iter().find(|(number, _)| *number == line).unwrap().1, ":PREROUTING ACCEPT [0:0]");
    }

    #[test]
    fn the_encap_step_nests_the_inner_header_in_the_outer_one() {
        let (lab, before, trace) = nodeport();
        let index = position(&trace, |step| matches!(step.event, Event::Encap { .. }));
        let inspection = inspect(&lab, &before, &trace, index);
        let headers = inspection.headers.unwrap();
        let [outer, inner] = headers.sections.as_slice() else { panic!("two sections") };
        assert_eq!((outer.layer, inner.layer), (Layer::Outer, Layer::Inner));
        assert_eq!(row(outer, Field::Src).after.as_deref(), Some("172.16.120.63"));
        assert_eq!(row(outer, Field::Dst).after.as_deref(), Some("172.16.120.64"));
        assert_eq!(row(outer, Field::Proto).after.as_deref(), Some("ipip (4)"));
        assert!(outer.rows.iter().all(|row| row.change == Change::Added && row.before.is_none()));
        assert!(outer.rows.iter().all(|row| row.field != Field::Sport));
        // The inner packet is the one that went into tunl0, unchanged (after MASQUERADE).
        assert_eq!(row(inner, Field::Src).after.as_deref(), Some("192.168.56.128"));
        assert_eq!(row(inner, Field::Dst).after.as_deref(), Some("192.168.231.166"));
        assert!(inner.rows.iter().all(|row| row.change == Change::Same), "{inner:?}");
        assert!(
            headers.tcpdump.starts_with("IP 172.16.120.63 > 172.16.120.64: IP 192.168.56.128."),
            "{}",
            headers.tcpdump
        );
        // tunl0 steps are not netfilter steps.
        assert_eq!(inspection.rules, RulesPanel::NotATable);
    }

    #[test]
    fn the_decap_step_removes_the_outer_header() {
        let (lab, before, trace) = nodeport();
        let index = position(&trace, |step| matches!(step.event, Event::Decap { .. }) && step.host == "node2");
        let headers = inspect(&lab, &before, &trace, index).headers.unwrap();
        let [outer, inner] = headers.sections.as_slice() else { panic!("two sections") };
        assert!(outer.rows.iter().all(|row| row.change == Change::Removed && row.after.is_none()));
        assert_eq!(row(inner, Field::Dst).after.as_deref(), Some("192.168.231.166"));
    }

    #[test]
    fn the_route_step_highlights_the_tunl0_route() {
        let (lab, before, trace) = nodeport();
        let index = position(&trace, |step| {
            step.host == "node1" && matches!(&step.event, Event::Route { destination, .. } if destination.to_string() == "192.168.231.166")
        });
        let routes = inspect(&lab, &before, &trace, index).routes.unwrap();
        let main = routes.tables.iter().find(|table| table.command == "ip route").unwrap();
        let chosen = main.lines.get(main.highlight.unwrap()).unwrap();
        // Calico's BIRD route to node2's block (calico-metallb-ingress.md §1.8).
        // iproute2 ends each route line with a space.
        assert_eq!(chosen, "192.168.231.128/26 via 172.16.120.64 dev tunl0 proto bird onlink ");
        assert_eq!(
            routes.rules,
            vec![
                ("0:\tfrom all lookup local".to_string(), false),
                ("32766:\tfrom all lookup main".to_string(), true),
                ("32767:\tfrom all lookup default".to_string(), false),
            ]
        );
        // Delivery to the node itself is found in table local.
        let local = position(&trace, |step| {
            step.host == "node2"
                && matches!(&step.event, Event::Route { matched: Some(matched), .. } if matched.table == TableId::Local)
        });
        let routes = inspect(&lab, &before, &trace, local).routes.unwrap();
        let table = routes.tables.first().unwrap();
        assert_eq!(table.command, "ip route show table local");
        assert!(table.lines.get(table.highlight.unwrap()).unwrap().starts_with("local "));
    }

    #[test]
    fn conntrack_is_rebuilt_as_it_was_at_each_step() {
        let (lab, before, trace, after) = traced_after(NODEPORT, "client", "http://172.16.120.63:31000/");
        let total = trace.all_steps().count();
        let first = inspect(&lab, &before, &trace, 0).conntrack.unwrap();
        assert_eq!(first.host, "client");
        assert!(first.lines.is_empty(), "{first:?}");
        assert!(first.summary.contains("0 flow entries have been shown."));
        let confirmed = position(&trace, |step| step.host == "node1" && matches!(step.event, Event::ConntrackConfirmed { .. }));
        let at_confirm = inspect(&lab, &before, &trace, confirmed).conntrack.unwrap();
        let [(line, touched)] = at_confirm.lines.as_slice() else { panic!("{at_confirm:?}") };
        assert!(touched);
        assert!(line.starts_with("tcp      6 120 SYN_SENT src=172.16.120.61 dst=172.16.120.63"), "{line}");
        assert!(line.contains("[UNREPLIED] src=192.168.231.166 dst=192.168.56.128 sport=80"), "{line}");
        // One step earlier node1 had no entry yet: stepping back shows the older table.
        let earlier = inspect(&lab, &before, &trace, confirmed - 1).conntrack.unwrap();
        assert_eq!(earlier.host, "node1");
        assert!(earlier.lines.is_empty());
        // At the last step every host's rebuilt table is the session's table after the trace.
        let last = trace.all_steps().last().unwrap();
        let at_end = inspect(&lab, &before, &trace, total - 1).conntrack.unwrap();
        let (stdout, _) = conntrack_render::list(after.conntrack(&last.host).unwrap(), last.time);
        let lines: Vec<&str> = at_end.lines.iter().map(|(line, _)| line.as_str()).collect();
        assert_eq!(lines, stdout.lines().collect::<Vec<_>>());
        assert!(!lines.is_empty());
        // node1's entry ends the connection as the engine left it.
        let steps: Vec<&Step> = trace.all_steps().collect();
        let node1_last = steps.iter().rposition(|step| step.host == "node1").unwrap();
        let node1 = inspect(&lab, &before, &trace, node1_last).conntrack.unwrap();
        let (stdout, _) = conntrack_render::list(after.conntrack("node1").unwrap(), steps[node1_last].time);
        assert_eq!(node1.lines.iter().map(|(line, _)| line.as_str()).collect::<Vec<_>>(), stdout.lines().collect::<Vec<_>>());
    }

    #[test]
    fn the_statistic_criterion_shows_its_draw() {
        let (lab, before, trace) = traced(CLUSTERIP, "node1", "http://10.107.48.226:8080/");
        let index = position(&trace, |step| {
            matches!(&step.event, Event::Rule(rule) if rule.criteria.iter().any(|criterion| criterion.draw.is_some()))
        });
        let inspection = inspect(&lab, &before, &trace, index);
        let RulesPanel::Table(rules) = &inspection.rules else { panic!() };
        let statistic = rules
            .walked
            .iter()
            .flat_map(|rule| rule.criteria.iter())
            .find(|criterion| criterion.text.starts_with("-m statistic --mode random --probability 0.5"))
            .unwrap();
        let Some(Event::Rule(step)) = trace.all_steps().nth(index).map(|step| &step.event) else { panic!() };
        let draw = step.criteria.iter().find_map(|criterion| criterion.draw).unwrap();
        let value = draw.value.unwrap();
        // 0.5 is stored as lround(0.5 * 2^31) (libxt_statistic).
        assert_eq!(draw.threshold, 1 << 30);
        let sign = if value < draw.threshold { "<" } else { "≥" };
        assert_eq!(
            statistic.draw.as_deref(),
            Some(format!("draw {:.4} {sign} 0.5000 ({value} {sign} 1073741824)", f64::from(value) / STATISTIC_SCALE).as_str())
        );
        assert_eq!(statistic.check, if value < draw.threshold { Check::Matched } else { Check::NotMatched });
        // The draw is listed from this step on, not before it.
        assert!(inspection.draws.iter().any(|draw| draw.current && draw.text.contains("statistic: draw")));
        assert!(inspect(&lab, &before, &trace, index - 1).draws.is_empty());
        assert!(!inspection.all_draws.is_empty());
    }

    #[test]
    fn steps_without_a_packet_show_the_packet_at_that_point() {
        let (lab, before, trace) = nodeport();
        let index = position(&trace, |step| step.host == "node1" && matches!(step.event, Event::ConntrackNew { .. }));
        let headers = inspect(&lab, &before, &trace, index).headers.unwrap();
        assert!(headers.carried && !headers.before_after);
        let [packet] = headers.sections.as_slice() else { panic!() };
        assert_eq!(row(packet, Field::Dst).after.as_deref(), Some("172.16.120.63"));
        assert_eq!(row(packet, Field::Flags).after.as_deref(), Some("[S]"));
        // The client's first step (routing) comes before any packet.
        assert_eq!(inspect(&lab, &before, &trace, 0).headers, None);
        // A mark step shows the mark before and after.
        let mark = position(&trace, |step| step.host == "node1" && matches!(step.event, Event::Mark { before: 0, after: 0x4000 }));
        let headers = inspect(&lab, &before, &trace, mark).headers.unwrap();
        let [packet] = headers.sections.as_slice() else { panic!() };
        let mark = row(packet, Field::Mark);
        assert_eq!((mark.before.as_deref(), mark.after.as_deref(), mark.change), (Some("0x0"), Some("0x4000"), Change::Changed));
    }

    #[test]
    fn pods_and_the_client_have_no_rules() {
        let (lab, before, trace) = nodeport();
        for host in ["client", "default/nginx"] {
            let index = position(&trace, |step| step.host == host);
            let inspection = inspect(&lab, &before, &trace, index);
            assert_eq!(inspection.rules, RulesPanel::NoRules { host: host.to_string() });
        }
    }

    /// At each host's last step, the rebuilt table is the session's table after the trace:
    /// DNS lookups and Envoy's second connection included.
    /// With `warm`, the same connection was made once before, so the tables start full.
    fn assert_conntrack_replays(text: &str, from: &str, url: &str, options: &TraceOptions, warm: bool) {
        let mut shell = engine::shell::Lab::from_text(text);
        if warm {
            shell.connect(from, url, options);
        }
        let before = shell.session().clone();
        let trace = shell.connect(from, url, options).clone();
        let (lab, after) = (shell.net().clone(), shell.session().clone());
        let steps: Vec<&Step> = trace.all_steps().collect();
        let hosts: std::collections::BTreeSet<&str> = steps.iter().map(|step| step.host.as_str()).collect();
        assert!(hosts.len() > 2, "{hosts:?}");
        for host in hosts {
            let last = steps.iter().rposition(|step| step.host == host).unwrap();
            let view = inspect(&lab, &before, &trace, last).conntrack.unwrap();
            let expected = after
                .conntrack(host)
                .map(|table| conntrack_render::list(table, steps[last].time).0)
                .unwrap_or_default();
            let lines: Vec<&str> = view.lines.iter().map(|(line, _)| line.as_str()).collect();
            assert_eq!(lines, expected.lines().collect::<Vec<_>>(), "{host}");
        }
        for index in 0..steps.len() {
            assert!(inspect(&lab, &before, &trace, index).step.is_some());
        }
        if warm {
            let first = steps.first().unwrap();
            let view = inspect(&lab, &before, &trace, 0).conntrack.unwrap();
            assert_eq!(view.lines.len(), before.conntrack(&first.host).map_or(0, |table| table.len()));
            assert!(!view.lines.is_empty());
        }
    }

    #[test]
    fn conntrack_replays_through_dns_and_envoy() {
        let lab = engine::shell::Lab::from_text(CLUSTERIP);
        let pod = lab
            .net()
            .hosts
            .iter()
            .find(|host| host.name.starts_with("default/web-"))
            .map(|host| host.name.clone())
            .unwrap();
        let (_, _, trace) = traced(CLUSTERIP, &pod, "http://sample-service:8080/");
        assert!(!trace.lookups.is_empty(), "the name is looked up");
        assert_conntrack_replays(CLUSTERIP, &pod, "http://sample-service:8080/", &TraceOptions::default(), false);
        assert_conntrack_replays(CLUSTERIP, &pod, "http://sample-service:8080/", &TraceOptions::default(), true);
        let options = TraceOptions {
            headers: vec![("Host".to_string(), "cinnamon.example.com".to_string())],
            ..TraceOptions::default()
        };
        let ingress = include_str!("../../static/examples/ingress-hosts.yaml");
        let (_, _, trace) = {
            let mut shell = engine::shell::Lab::from_text(ingress);
            let before = shell.session().clone();
            let trace = shell.connect("client", "http://172.16.120.63:32023/", &options).clone();
            (shell.net().clone(), before, trace)
        };
        assert!(trace.proxy.is_some(), "{}", trace.text());
        assert_conntrack_replays(ingress, "client", "http://172.16.120.63:32023/", &options, false);
        assert_conntrack_replays(NODEPORT, "client", "http://172.16.120.63:31000/", &TraceOptions::default(), true);
    }

    #[test]
    fn an_index_past_the_end_is_no_step() {
        let (lab, before, trace) = nodeport();
        let total = trace.all_steps().count();
        for index in [total, total + 1, usize::MAX] {
            let inspection = inspect(&lab, &before, &trace, index);
            assert_eq!(inspection.step, None);
            assert_eq!(inspection.total, total);
            assert_eq!(inspection.headers, None);
            assert_eq!(inspection.rules, RulesPanel::NotATable);
        }
        // Every step in range inspects without panicking.
        for index in 0..total {
            assert!(inspect(&lab, &before, &trace, index).step.is_some());
        }
    }
}
