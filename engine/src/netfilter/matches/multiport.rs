//! `-m multiport [!] --dports|--sports|--ports P1,P2:P3`: up to 15 ports or ranges.
//!
//! Part of the netfilter matches. libxt_multiport.c (revision 1) saves `[ !] --dports ` followed
//! by the ports joined with `,`, ranges as `a:b`; `iptables -L` prints `multiport dports 80,443`.

use std::fmt;

use crate::netfilter::port_range::PortRange;

/// Which port(s) of the packet the list applies to.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum MultiportSide {
    /// `--sports`.
    Source,
    /// `--dports`.
    Destination,
    /// `--ports`: the source or the destination port.
    Either,
}

impl MultiportSide {
    fn name(self) -> &'static str {
        match self {
            MultiportSide::Source => "sports",
            MultiportSide::Destination => "dports",
            MultiportSide::Either => "ports",
        }
    }
}

/// The multiport match.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Multiport {
    pub negated: bool,
    pub side: MultiportSide,
    pub ports: Vec<PortRange>,
}

impl Multiport {
    /// The most ports one match holds (`XT_MULTI_PORTS`; a range uses two slots).
    pub const MAX_SLOTS: usize = 15;

    /// Parses `80,443,8000:8080`; `None` if a port is bad or the list needs more than 15 slots.
    pub fn parse_ports(text: &str) -> Option<Vec<PortRange>> {
        let ports: Option<Vec<PortRange>> = text.split(',').map(PortRange::parse).collect();
        let ports = ports?;
        let slots: usize = ports.iter().map(|range| if range.first() == range.last() { 1 } else { 2 }).sum();
        (!ports.is_empty() && slots <= Multiport::MAX_SLOTS).then_some(ports)
    }

    fn ports_text(&self) -> String {
        self.ports.iter().map(|range| range.to_string()).collect::<Vec<_>>().join(",")
    }

    /// `multiport dports 80,443`; inverted `multiport sports  !53,123` (libxt_multiport prints
    /// `" sports "` and then `" !"`, hence two spaces).
    pub(crate) fn list_text(&self) -> String {
        format!("multiport {} {}{}", self.side.name(), if self.negated { " !" } else { "" }, self.ports_text())
    }
}

impl fmt::Display for Multiport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("-m multiport")?;
        if self.negated {
            f.write_str(" !")?;
        }
        write!(f, " --{} {}", self.side.name(), self.ports_text())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn saves_ports_and_ranges() {
        let multiport = Multiport {
            negated: false,
            side: MultiportSide::Destination,
            ports: Multiport::parse_ports("80,443,8000:8080").unwrap(),
        };
        assert_eq!(multiport.to_string(), "-m multiport --dports 80,443,8000:8080");
        assert!(Multiport::parse_ports("1,".repeat(15).trim_end_matches(',')).is_some());
        assert!(Multiport::parse_ports("1,".repeat(16).trim_end_matches(',')).is_none());
    }
}
