//! `IpProtocol`: the protocol of `-p`, a number printed by its `/etc/protocols` name.
//!
//! Part of the netfilter model. `iptables-save` prints `-p` with `proto_to_name`
//! (iptables/xshared.c), which asks `getprotobynumber` first; the names below are Debian's
//! `netbase` `/etc/protocols` entries for the protocols a cluster uses (so IPIP, protocol 4,
//! prints as `ipencap`, as Calico dumps show).

use std::fmt;

use crate::net::Protocol;

/// An IP protocol number other than 0 (`-p all` means "no protocol criterion").
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct IpProtocol(u8);

/// Names and numbers from `/etc/protocols` (Debian netbase), plus iptables' own aliases.
const NAMES: &[(&str, u8)] = &[
    ("icmp", 1),
    ("igmp", 2),
    ("ipencap", 4),
    ("tcp", 6),
    ("udp", 17),
    ("ipv6", 41),
    ("gre", 47),
    ("esp", 50),
    ("ah", 51),
    ("ipv6-icmp", 58),
    ("ipip", 94),
    ("vrrp", 112),
    ("sctp", 132),
    ("udplite", 136),
];

/// Aliases that parse but never print (`icmpv6` is iptables' own name for 58).
const ALIASES: &[(&str, u8)] = &[("icmpv6", 58), ("ipv6-icmp", 58)];

impl IpProtocol {
    pub const ICMP: IpProtocol = IpProtocol(1);
    pub const IPENCAP: IpProtocol = IpProtocol(4);
    pub const TCP: IpProtocol = IpProtocol(6);
    pub const UDP: IpProtocol = IpProtocol(17);
    pub const SCTP: IpProtocol = IpProtocol(132);

    /// The protocol with number `number`; `None` for 0, which iptables treats as "all".
    pub fn new(number: u8) -> Option<IpProtocol> {
        (number != 0).then_some(IpProtocol(number))
    }

    pub fn number(self) -> u8 {
        self.0
    }

    /// The `/etc/protocols` name, if it has one.
    pub fn name(self) -> Option<&'static str> {
        NAMES.iter().find(|(_, number)| *number == self.0).map(|(name, _)| *name)
    }

    /// The transport protocol of a Service port, if this is one.
    pub fn transport(self) -> Option<Protocol> {
        match self.0 {
            6 => Some(Protocol::Tcp),
            17 => Some(Protocol::Udp),
            132 => Some(Protocol::Sctp),
            _ => None,
        }
    }

    /// Parses `-p`'s argument: a name (case-insensitive, as iptables lower-cases it) or a
    /// number. `Ok(None)` is `all` / `0`, i.e. no protocol criterion.
    pub fn parse(text: &str) -> Result<Option<IpProtocol>, String> {
        let lower = text.to_ascii_lowercase();
        if lower == "all" {
            return Ok(None);
        }
        if !lower.is_empty() && lower.bytes().all(|b| b.is_ascii_digit()) {
            return lower
                .parse::<u8>()
                .map(IpProtocol::new)
                .map_err(|_| format!("the protocol number `{text}` is larger than 255"));
        }
        NAMES
            .iter()
            .chain(ALIASES)
            .find(|(name, _)| *name == lower)
            .map(|(_, number)| IpProtocol::new(*number))
            .ok_or_else(|| format!("`{text}` is not a protocol name the lab knows"))
    }
}

impl From<Protocol> for IpProtocol {
    fn from(protocol: Protocol) -> IpProtocol {
        IpProtocol(protocol.number())
    }
}

impl fmt::Display for IpProtocol {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.name() {
            Some(name) => f.write_str(name),
            None => write!(f, "{}", self.0),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_and_numbers() {
        assert_eq!(IpProtocol::parse("TCP"), Ok(Some(IpProtocol::TCP)));
        assert_eq!(IpProtocol::parse("4"), Ok(Some(IpProtocol::IPENCAP)));
        assert_eq!(IpProtocol::IPENCAP.to_string(), "ipencap");
        assert_eq!(IpProtocol::parse("all"), Ok(None));
        assert_eq!(IpProtocol::parse("0"), Ok(None));
        assert_eq!(IpProtocol::parse("icmpv6").unwrap().unwrap().to_string(), "ipv6-icmp");
        assert_eq!(IpProtocol::new(253).unwrap().to_string(), "253");
        assert!(IpProtocol::parse("256").is_err());
        assert!(IpProtocol::parse("bogus").is_err());
        assert_eq!(IpProtocol::from(Protocol::Udp).transport(), Some(Protocol::Udp));
    }
}
