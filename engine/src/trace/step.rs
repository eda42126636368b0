//! One step of a trace: where it happened (host, device, hook, table) and what happened, as
//! structured values. The app words them; [`fmt::Display`] gives the CLI's English line.
//!
//! Part of [`crate::trace`]. Steps never hold sentences: a rule step carries the evaluator's
//! [`RuleStep`] (table, chain, rule number, the rule's `iptables-save` text and every
//! criterion's result and draw), a NAT step carries the packet before and after, a route
//! step names the routing table and the route's index so the UI can highlight the line.

use std::fmt;
use std::net::Ipv4Addr;

use crate::conntrack::{Direction, Entry};
use crate::dataplane::{RouteMatch, TableId};
use crate::netfilter::eval::{NatPort, RuleRef, RuleStep, Verdict};
use crate::netfilter::target::RejectWith;
use crate::netfilter::{Hook, Table};
use crate::packet::{LabTime, Packet};

/// Where in a host a step happened.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum At {
    /// A network device (`eth0`, `tunl0`, `cali…`, `lo`): what tcpdump on it sees.
    Device(String),
    /// A netfilter hook, for one table.
    Table { hook: Hook, table: Table },
    /// The conntrack hook at this netfilter hook (`nf_conntrack_in`, `__nf_conntrack_confirm`).
    Conntrack(Hook),
    /// The routing decision (`ip_route_input`, `ip_route_output`).
    Routing,
    /// The socket layer (an application or the kernel's TCP stack answering).
    Socket,
}

impl fmt::Display for At {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            At::Device(dev) => write!(f, "dev {dev}"),
            At::Table { hook, table } => write!(f, "{} {}", table.name(), hook.name()),
            At::Conntrack(hook) => write!(f, "conntrack {}", hook.name()),
            At::Routing => f.write_str("routing"),
            At::Socket => f.write_str("socket"),
        }
    }
}

/// What the routing decision found.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum RouteResult {
    /// Delivered to this host (a `local` route).
    Local,
    /// Out of `dev`, to `via` when there is a gateway.
    Unicast {
        dev: String,
        via: Option<Ipv4Addr>,
        source: Option<Ipv4Addr>,
    },
    /// A `blackhole`, `unreachable` or `prohibit` route.
    Refused { kind: String },
    /// No route matched.
    NoRoute,
    /// A martian source or destination (`ip_route_input_slow` refuses it).
    Martian,
}

/// Why a packet was dropped without a rule saying so.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum DropReason {
    /// A `DROP` rule or policy (see the step's rule).
    Rule,
    /// A `blackhole` route (`dst_discard`).
    Blackhole,
    /// A martian address on input.
    Martian,
    /// The TTL ran out while forwarding.
    TtlExceeded,
    /// Nobody on the link answers ARP for the next hop.
    NoNeighbour(Ipv4Addr),
    /// conntrack classified the packet INVALID and nothing accepted it.
    Invalid,
    /// MASQUERADE found no address on the outgoing device.
    NoMasqueradeSource,
    /// No conntrack tuple was free for the NAT binding.
    NatClash,
    /// The reply reached the client from an address it never sent to (the client's kernel
    /// answers with a reset).
    UnexpectedReply,
    /// The packet crossed too many devices (a routing loop).
    HopLimit,
}

impl fmt::Display for DropReason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            DropReason::Rule => f.write_str("rule"),
            DropReason::Blackhole => f.write_str("blackhole route"),
            DropReason::Martian => f.write_str("martian address"),
            DropReason::TtlExceeded => f.write_str("TTL exceeded"),
            DropReason::NoNeighbour(address) => write!(f, "no host answers ARP for {address}"),
            DropReason::Invalid => f.write_str("conntrack INVALID"),
            DropReason::NoMasqueradeSource => f.write_str("no address for MASQUERADE"),
            DropReason::NatClash => f.write_str("no free NAT tuple"),
            DropReason::UnexpectedReply => f.write_str("reply does not match the socket"),
            DropReason::HopLimit => f.write_str("hop limit"),
        }
    }
}

/// What happened.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Event {
    /// The packet was sent out of a device.
    DeviceTx { packet: Packet },
    /// The packet arrived on a device.
    DeviceRx { packet: Packet },
    /// The host answered ARP for an address it does not own (Calico's 169.254.1.1).
    ProxyArp { dev: String, address: Ipv4Addr },
    /// One rule (or chain end) the kernel looked at.
    Rule(RuleStep),
    /// The table's verdict for this hook.
    Verdict(Verdict),
    /// The packet mark changed in this table.
    Mark { before: u32, after: u32 },
    /// A DNAT rule rewrote the destination.
    Dnat {
        rule: RuleRef,
        before: Packet,
        after: Packet,
    },
    /// An SNAT or MASQUERADE rule rewrote the source.
    Snat {
        rule: RuleRef,
        masquerade: bool,
        port: NatPort,
        before: Packet,
        after: Packet,
    },
    /// The routing decision.
    Route {
        destination: Ipv4Addr,
        matched: Option<RouteMatch>,
        result: RouteResult,
    },
    /// The packet was wrapped for tunl0.
    Encap { before: Packet, after: Packet },
    /// The outer header was removed on the receiving node.
    Decap { before: Packet, after: Packet },
    /// The TTL was decremented for forwarding.
    Forwarded { ttl: u8 },
    /// conntrack made a new (not yet confirmed) entry.
    ConntrackNew { entry: Entry },
    /// conntrack inserted the entry at the end of the hook (`__nf_conntrack_confirm`).
    ConntrackConfirmed { entry: Entry },
    /// The packet belongs to an existing entry; the nat table is skipped for it.
    ConntrackHit { entry: Entry, direction: Direction },
    /// conntrack rewrote the packet from the entry's NAT binding.
    ConntrackNat { before: Packet, after: Packet },
    /// The packet reached a listening socket.
    AppReceived { app: String, port: u16 },
    /// The application or TCP stack answered.
    AppResponded { packet: Packet },
    /// No socket listens on the port: the kernel answers with a TCP reset.
    Reset { packet: Packet },
    /// The packet was dropped.
    Dropped { reason: DropReason, rule: Option<RuleRef> },
    /// A REJECT rule answered.
    Rejected { with: RejectWith, rule: RuleRef },
    /// Routing found nothing.
    NoRoute { destination: Ipv4Addr },
    /// Something the lab does not emulate.
    NotEmulated { what: String },
    /// The trace stopped after too many hops (a routing loop).
    HopLimit { hops: usize },
}

/// One step: the host it happened on, where, and what.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Step {
    pub host: String,
    pub at: At,
    pub event: Event,
    /// The lab clock when it happened (tcpdump's timestamp for device steps).
    pub time: LabTime,
}

fn packet_line(packet: &Packet) -> String {
    crate::trace::render::packet_summary(packet)
}

impl fmt::Display for Event {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Event::DeviceTx { packet } => write!(f, "tx {}", packet_line(packet)),
            Event::DeviceRx { packet } => write!(f, "rx {}", packet_line(packet)),
            Event::ProxyArp { dev, address } => write!(f, "proxy ARP on {dev} answers for {address}"),
            Event::Rule(rule) => {
                let place = rule
                    .number()
                    .map_or_else(|| "policy".to_string(), |number| format!("#{number}"));
                write!(f, "{} {place}: {}", rule.chain, rule.text)?;
                let tested: Vec<String> = rule
                    .criteria
                    .iter()
                    .filter(|criterion| !matches!(criterion.outcome, crate::netfilter::eval::MatchOutcome::NotReached))
                    .map(|criterion| {
                        let draw = criterion
                            .draw
                            .and_then(|draw| draw.value.map(|value| format!(" draw {value} < {}", draw.threshold)))
                            .unwrap_or_default();
                        format!("[{}: {}{draw}]", criterion.text, criterion.outcome)
                    })
                    .collect();
                if !tested.is_empty() {
                    write!(f, " {}", tested.join(" "))?;
                }
                write!(f, " => {}", rule.outcome)
            }
            Event::Verdict(verdict) => write!(f, "verdict {verdict}"),
            Event::Mark { before, after } => write!(f, "mark {before:#x} -> {after:#x}"),
            Event::Dnat { rule, before, after } => write!(
                f,
                "DNAT ({} {} #{}) {} -> {}",
                rule.table.name(),
                rule.chain,
                rule.number,
                endpoint_pair(before),
                endpoint_pair(after)
            ),
            Event::Snat {
                rule,
                masquerade,
                port,
                before,
                after,
            } => write!(
                f,
                "{} ({} {} #{}) {} -> {} ({port})",
                if *masquerade { "MASQUERADE" } else { "SNAT" },
                rule.table.name(),
                rule.chain,
                rule.number,
                endpoint_pair(before),
                endpoint_pair(after)
            ),
            Event::Route {
                destination,
                matched,
                result,
            } => {
                let table = matched.map_or_else(
                    || "-".to_string(),
                    |matched| {
                        let name = match matched.table {
                            TableId::Local => "local",
                            TableId::Main => "main",
                        };
                        format!("table {name} route {}", matched.index)
                    },
                );
                write!(f, "route {destination}: ")?;
                match result {
                    RouteResult::Local => write!(f, "local ({table})"),
                    RouteResult::Unicast { dev, via, source } => {
                        write!(f, "dev {dev}")?;
                        if let Some(via) = via {
                            write!(f, " via {via}")?;
                        }
                        if let Some(source) = source {
                            write!(f, " src {source}")?;
                        }
                        write!(f, " ({table})")
                    }
                    RouteResult::Refused { kind } => write!(f, "{kind} ({table})"),
                    RouteResult::NoRoute => f.write_str("no route"),
                    RouteResult::Martian => f.write_str("martian"),
                }
            }
            Event::Encap { after, .. } => write!(f, "encapsulate: {}", packet_line(after)),
            Event::Decap { after, .. } => write!(f, "decapsulate: {}", packet_line(after)),
            Event::Forwarded { ttl } => write!(f, "forward, ttl {ttl}"),
            Event::ConntrackNew { entry } => write!(f, "new entry {}", tuple_pair(entry)),
            Event::ConntrackConfirmed { entry } => write!(f, "confirmed entry {}", tuple_pair(entry)),
            Event::ConntrackHit { entry, direction } => {
                let direction = match direction {
                    Direction::Original => "original",
                    Direction::Reply => "reply",
                };
                write!(
                    f,
                    "existing entry ({direction}) {}; nat table skipped",
                    tuple_pair(entry)
                )
            }
            Event::ConntrackNat { before, after } => {
                write!(
                    f,
                    "NAT from entry {} -> {}",
                    endpoint_pair(before),
                    endpoint_pair(after)
                )
            }
            Event::AppReceived { app, port } => write!(f, "{app} accepts on port {port}"),
            Event::AppResponded { packet } => write!(f, "answers {}", packet_line(packet)),
            Event::Reset { packet } => write!(f, "no listener: reset {}", packet_line(packet)),
            Event::Dropped { reason, rule } => match rule {
                Some(rule) => write!(f, "DROPPED by {} {} #{}", rule.table.name(), rule.chain, rule.number),
                None => write!(f, "DROPPED: {reason}"),
            },
            Event::Rejected { with, rule } => {
                write!(
                    f,
                    "REJECTED ({with}) by {} {} #{}",
                    rule.table.name(),
                    rule.chain,
                    rule.number
                )
            }
            Event::NoRoute { destination } => write!(f, "no route to {destination}"),
            Event::NotEmulated { what } => write!(f, "NOT EMULATED: {what}"),
            Event::HopLimit { hops } => write!(f, "stopped after {hops} hops"),
        }
    }
}

fn endpoint_pair(packet: &Packet) -> String {
    let inner = packet.innermost();
    match inner.endpoints() {
        Some(ends) => format!("{}:{} > {}:{}", ends.src, ends.src_port, ends.dst, ends.dst_port),
        None => format!("{} > {}", inner.ip.src, inner.ip.dst),
    }
}

fn tuple_pair(entry: &Entry) -> String {
    let side = |tuple: &crate::conntrack::Tuple| match tuple.endpoints() {
        Some(ends) => format!("{}:{}>{}:{}", ends.src, ends.src_port, ends.dst, ends.dst_port),
        None => format!("{}>{}", tuple.src, tuple.dst),
    };
    format!(
        "{} {} | {}",
        entry.original.protocol.name(),
        side(&entry.original),
        side(&entry.reply)
    )
}

impl fmt::Display for Step {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {}: {}", self.host, self.at, self.event)
    }
}
