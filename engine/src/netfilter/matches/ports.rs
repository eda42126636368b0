//! `-m tcp` / `-m udp` with `--sport` / `--dport`: the transport ports of a packet.
//!
//! Part of the netfilter matches. libxt_tcp.c / libxt_udp.c save `[!] --sport P`, then
//! `[!] --dport P`; a source or destination range of 0:65535 is not printed.

use std::fmt;

use crate::netfilter::negatable::Negatable;
use crate::netfilter::port_range::PortRange;

/// The port criteria of a `tcp` or `udp` match. An empty `Ports` (`-m tcp` alone) matches
/// every packet of the protocol.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct Ports {
    pub source: Option<Negatable<PortRange>>,
    pub destination: Option<Negatable<PortRange>>,
}

impl Ports {
    /// `--dport PORT`.
    pub fn destination(port: u16) -> Ports {
        Ports { source: None, destination: Some(Negatable::is(PortRange::single(port))) }
    }

    /// Whether a packet's ports match.
    pub fn matches(&self, source_port: u16, destination_port: u16) -> bool {
        let source = self.source.as_ref().is_none_or(|range| range.holds(range.value.contains(source_port)));
        let destination =
            self.destination.as_ref().is_none_or(|range| range.holds(range.value.contains(destination_port)));
        source && destination
    }

    /// The options after `-m tcp`, each with a leading space (save form).
    pub(crate) fn save_options(&self) -> String {
        let mut out = String::new();
        if let Some(source) = &self.source {
            out.push_str(&format!(" {}--sport {}", source.bang(), source.value));
        }
        if let Some(destination) = &self.destination {
            out.push_str(&format!(" {}--dport {}", destination.bang(), destination.value));
        }
        out
    }

    /// The text after `tcp`/`udp` in `iptables -L` (`spt:53 dpt:80`, `dpts:1:2`, `dpt:!80`).
    pub(crate) fn list_options(&self) -> String {
        let mut out = String::new();
        for (name, range) in [("spt", &self.source), ("dpt", &self.destination)] {
            if let Some(range) = range {
                let plural = if range.value.first() == range.value.last() { "" } else { "s" };
                let bang = if range.negated { "!" } else { "" };
                out.push_str(&format!(" {name}{plural}:{bang}{}", range.value));
            }
        }
        out
    }
}

/// Helper for `Match`'s Display: `-m tcp --dport 80`.
pub(crate) struct SaveFragment<'a>(pub &'a str, pub &'a Ports);

impl fmt::Display for SaveFragment<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "-m {}{}", self.0, self.1.save_options())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn saves_source_before_destination() {
        let ports = Ports {
            source: Some(Negatable::not(PortRange::single(53))),
            destination: Some(Negatable::is(PortRange::new(30000, 32767).unwrap())),
        };
        assert_eq!(SaveFragment("udp", &ports).to_string(), "-m udp ! --sport 53 --dport 30000:32767");
        assert_eq!(ports.list_options(), " spt:!53 dpts:30000:32767");
        assert!(ports.matches(54, 30080));
        assert!(!ports.matches(53, 30080));
        assert!(Ports::default().matches(1, 2));
    }
}
