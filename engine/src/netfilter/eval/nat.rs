//! `NatDecision`: what a DNAT, SNAT or MASQUERADE rule decided, for the caller to apply.
//!
//! Part of [`crate::netfilter::eval`]. The kernel does not rewrite the packet in the rule: the
//! target calls `nf_nat_setup_info`, which stores the binding in the conntrack entry and
//! rewrites this and every later packet of the connection. The walker only returns the
//! decision; the tracer applies it with `crate::conntrack` (and checks that the chosen tuple
//! is unique, as `get_unique_tuple` does).
//!
//! Ports follow `nf_nat_l4proto_unique_tuple` (net/netfilter/nf_nat_core.c): without a random
//! flag the kernel keeps the original port when the tuple is unique; with `--random` or
//! `--random-fully` it starts from `off = get_random_u16()` at `min + off % range_size`, where
//! the range is the given `--to-ports` or, for a source rewrite without one, 1-511, 600-1023 or
//! 1024-65535 depending on the original port.

use std::fmt;
use std::net::Ipv4Addr;

use crate::netfilter::port_range::PortRange;
use crate::netfilter::target::{Masquerade, Nat, NatRange};

use super::context::RuleRef;

/// How the port of a NAT binding is chosen.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum NatPort {
    /// The port is not changed (DNAT to an address only, or a packet without ports).
    Unchanged,
    /// Keep the original port if the tuple is unique, else search `range` (or the default
    /// range); the caller checks conntrack.
    KeepIfUnique { range: Option<PortRange> },
    /// A fixed port (a single-port `--to-destination ip:port`).
    Fixed(u16),
    /// `--random` / `--random-fully`: the first candidate port, from a recorded draw.
    Random {
        draw: u16,
        port: u16,
        range: PortRange,
    },
}

impl fmt::Display for NatPort {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            NatPort::Unchanged => f.write_str("port unchanged"),
            NatPort::KeepIfUnique { range: None } => f.write_str("port kept if unique"),
            NatPort::KeepIfUnique { range: Some(range) } => {
                write!(f, "port kept if unique and in {range}")
            }
            NatPort::Fixed(port) => write!(f, "port {port}"),
            NatPort::Random { draw, port, range } => {
                write!(
                    f,
                    "port {port} (random {draw} in {}-{})",
                    range.first(),
                    range.last()
                )
            }
        }
    }
}

/// A NAT decision and the rule that made it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum NatDecision {
    /// `-j DNAT`: rewrite the destination.
    Dnat {
        rule: RuleRef,
        nat: Nat,
        port: NatPort,
    },
    /// `-j SNAT`: rewrite the source.
    Snat {
        rule: RuleRef,
        nat: Nat,
        port: NatPort,
    },
    /// `-j MASQUERADE`: rewrite the source to the outgoing interface's address.
    Masquerade {
        rule: RuleRef,
        masquerade: Masquerade,
        source: Ipv4Addr,
        port: NatPort,
    },
}

impl NatDecision {
    pub fn rule(&self) -> &RuleRef {
        match self {
            NatDecision::Dnat { rule, .. }
            | NatDecision::Snat { rule, .. }
            | NatDecision::Masquerade { rule, .. } => rule,
        }
    }

    /// The new destination of a DNAT to one address (kube-proxy's `ip:port`).
    pub fn destination(&self) -> Option<(Ipv4Addr, Option<u16>)> {
        match self {
            NatDecision::Dnat { nat, port, .. } => {
                single_address(&nat.to).map(|address| (address, port.fixed()))
            }
            _ => None,
        }
    }

    /// The new source of an SNAT to one address or a MASQUERADE.
    pub fn source(&self) -> Option<(Ipv4Addr, Option<u16>)> {
        match self {
            NatDecision::Snat { nat, port, .. } => {
                single_address(&nat.to).map(|address| (address, port.fixed()))
            }
            NatDecision::Masquerade { source, port, .. } => Some((*source, port.fixed())),
            NatDecision::Dnat { .. } => None,
        }
    }
}

impl NatPort {
    /// The port when it is already decided.
    pub fn fixed(&self) -> Option<u16> {
        match self {
            NatPort::Fixed(port) | NatPort::Random { port, .. } => Some(*port),
            _ => None,
        }
    }
}

fn single_address(range: &NatRange) -> Option<Ipv4Addr> {
    match range.addresses {
        Some((first, last)) if first == last => Some(first),
        _ => None,
    }
}

impl fmt::Display for NatDecision {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let (what, to, port) = match self {
            NatDecision::Dnat { nat, port, .. } => ("DNAT", nat.to.to_string(), port),
            NatDecision::Snat { nat, port, .. } => ("SNAT", nat.to.to_string(), port),
            NatDecision::Masquerade { source, port, .. } => {
                ("MASQUERADE", source.to_string(), port)
            }
        };
        write!(f, "{what} to {to}")?;
        match port {
            NatPort::Unchanged | NatPort::Fixed(_) => Ok(()),
            other => write!(f, ", {other}"),
        }
    }
}

/// The range a source rewrite without `--to-ports` picks from, by the original port.
pub(crate) fn default_source_range(original: u16) -> PortRange {
    let (first, last) = match original {
        0..=511 => (1, 511),
        512..=1023 => (600, 1023),
        _ => (1024, 65535),
    };
    PortRange::new(first, last).unwrap_or(PortRange::single(original))
}

/// The first candidate of a random port choice: `min + off % range_size`.
pub(crate) fn random_port(draw: u16, range: PortRange) -> u16 {
    let size = u32::from(range.last())
        .saturating_sub(u32::from(range.first()))
        .saturating_add(1);
    let offset = u32::from(draw).checked_rem(size).unwrap_or(0);
    u16::try_from(u32::from(range.first()).saturating_add(offset)).unwrap_or(range.last())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn port_ranges_follow_the_original_port() {
        assert_eq!(default_source_range(80), PortRange::new(1, 511).unwrap());
        assert_eq!(
            default_source_range(600),
            PortRange::new(600, 1023).unwrap()
        );
        assert_eq!(
            default_source_range(43210),
            PortRange::new(1024, 65535).unwrap()
        );
        let high = default_source_range(43210);
        assert_eq!(random_port(0, high), 1024);
        assert_eq!(random_port(64511, high), 65535);
        assert_eq!(random_port(64512, high), 1024);
    }
}
