//! Addresses, prefixes and protocols: the vocabulary every later stage shares.
//!
//! Addresses are `std::net::Ipv4Addr`; a [`Cidr`] keeps its invariant (prefix <= 32, host
//! bits zero) behind a checked constructor, like smoltcp's `wire::ipv4::Cidr`.

use std::fmt;
use std::net::Ipv4Addr;
use std::str::FromStr;

/// An IPv4 prefix such as `192.168.0.0/16`. Host bits are always zero.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Cidr {
    network: Ipv4Addr,
    prefix_len: u8,
}

/// Why a text is not an IPv4 prefix.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum CidrError {
    /// The address part is not a dotted-quad IPv4 address.
    BadAddress(String),
    /// The length after `/` is not a number from 0 to 32.
    BadPrefixLength(String),
    /// Bits are set after the prefix, e.g. `10.0.0.1/8` (Kubernetes rejects these in most fields).
    HostBitsSet { given: String, network: Cidr },
}

impl fmt::Display for CidrError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            CidrError::BadAddress(text) => write!(f, "`{text}` is not an IPv4 address"),
            CidrError::BadPrefixLength(text) => {
                write!(f, "`{text}` is not a prefix length; it must be a number from 0 to 32")
            }
            CidrError::HostBitsSet { given, network } => write!(
                f,
                "`{given}` has bits set after the prefix; the network is `{network}`"
            ),
        }
    }
}

impl Cidr {
    /// The prefix containing `address` with `prefix_len` leading bits (host bits cleared).
    /// Returns `None` when `prefix_len > 32`.
    pub fn new(address: Ipv4Addr, prefix_len: u8) -> Option<Cidr> {
        if prefix_len > 32 {
            return None;
        }
        Some(Cidr { network: Ipv4Addr::from(u32::from(address) & mask(prefix_len)), prefix_len })
    }

    /// A single host, `a.b.c.d/32`.
    pub fn host(address: Ipv4Addr) -> Cidr {
        Cidr { network: address, prefix_len: 32 }
    }

    /// Parses `a.b.c.d/n`, refusing host bits (as the Kubernetes API validation does).
    /// A bare address parses as `/32`.
    pub fn parse_strict(text: &str) -> Result<Cidr, CidrError> {
        let (address, prefix_len) = split(text)?;
        let cidr = Cidr::new(address, prefix_len)
            .ok_or_else(|| CidrError::BadPrefixLength(text.to_string()))?;
        if cidr.network != address {
            return Err(CidrError::HostBitsSet { given: text.to_string(), network: cidr });
        }
        Ok(cidr)
    }

    /// Parses `a.b.c.d/n` and clears host bits, as `iptables` does with `-s 10.0.0.1/8`.
    pub fn parse_lenient(text: &str) -> Result<Cidr, CidrError> {
        let (address, prefix_len) = split(text)?;
        Cidr::new(address, prefix_len).ok_or_else(|| CidrError::BadPrefixLength(text.to_string()))
    }

    /// The network address.
    pub fn network(&self) -> Ipv4Addr {
        self.network
    }

    /// The number of leading bits.
    pub fn prefix_len(&self) -> u8 {
        self.prefix_len
    }

    /// The netmask, e.g. `255.255.255.0` for `/24`.
    pub fn netmask(&self) -> Ipv4Addr {
        Ipv4Addr::from(mask(self.prefix_len))
    }

    /// Whether `address` lies inside this prefix.
    pub fn contains(&self, address: Ipv4Addr) -> bool {
        u32::from(address) & mask(self.prefix_len) == u32::from(self.network)
    }

    /// Whether `other` lies entirely inside this prefix.
    pub fn contains_cidr(&self, other: &Cidr) -> bool {
        other.prefix_len >= self.prefix_len && self.contains(other.network)
    }

    /// The number of addresses in the prefix (2^(32-len)), as u64 so `/0` fits.
    pub fn size(&self) -> u64 {
        1u64 << (32 - u32::from(self.prefix_len))
    }

    /// The `index`-th address of the prefix, if it exists (`0` is the network address).
    pub fn nth(&self, index: u64) -> Option<Ipv4Addr> {
        if index >= self.size() {
            return None;
        }
        let value = u64::from(u32::from(self.network)) + index;
        u32::try_from(value).ok().map(Ipv4Addr::from)
    }

    /// The last address of the prefix (its broadcast address).
    pub fn last(&self) -> Ipv4Addr {
        Ipv4Addr::from(u32::from(self.network) | !mask(self.prefix_len))
    }
}

fn mask(prefix_len: u8) -> u32 {
    if prefix_len == 0 { 0 } else { u32::MAX << (32 - u32::from(prefix_len.min(32))) }
}

fn split(text: &str) -> Result<(Ipv4Addr, u8), CidrError> {
    let text_trimmed = text.trim();
    let (address_text, len_text) = match text_trimmed.split_once('/') {
        Some((a, l)) => (a, Some(l)),
        None => (text_trimmed, None),
    };
    let address = Ipv4Addr::from_str(address_text)
        .map_err(|_| CidrError::BadAddress(address_text.to_string()))?;
    let prefix_len = match len_text {
        None => 32,
        Some(l) => match l.parse::<u8>() {
            Ok(n) if n <= 32 && !l.starts_with('+') => n,
            _ => return Err(CidrError::BadPrefixLength(text.to_string())),
        },
    };
    Ok((address, prefix_len))
}

impl fmt::Display for Cidr {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.network, self.prefix_len)
    }
}

impl FromStr for Cidr {
    type Err = CidrError;
    fn from_str(text: &str) -> Result<Cidr, CidrError> {
        Cidr::parse_strict(text)
    }
}

/// A transport protocol as a Service port or a packet carries it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Protocol {
    Tcp,
    Udp,
    Sctp,
}

impl Protocol {
    /// The Kubernetes API spelling: `TCP`, `UDP`, `SCTP`.
    pub fn api_name(self) -> &'static str {
        match self {
            Protocol::Tcp => "TCP",
            Protocol::Udp => "UDP",
            Protocol::Sctp => "SCTP",
        }
    }

    /// The iptables / kube-proxy spelling: `tcp`, `udp`, `sctp`.
    pub fn iptables_name(self) -> &'static str {
        match self {
            Protocol::Tcp => "tcp",
            Protocol::Udp => "udp",
            Protocol::Sctp => "sctp",
        }
    }

    /// Parses either spelling, case-insensitively.
    pub fn parse(text: &str) -> Option<Protocol> {
        match text.to_ascii_lowercase().as_str() {
            "tcp" => Some(Protocol::Tcp),
            "udp" => Some(Protocol::Udp),
            "sctp" => Some(Protocol::Sctp),
            _ => None,
        }
    }

    /// The IP protocol number (6, 17, 132).
    pub fn number(self) -> u8 {
        match self {
            Protocol::Tcp => 6,
            Protocol::Udp => 17,
            Protocol::Sctp => 132,
        }
    }
}

impl fmt::Display for Protocol {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.iptables_name())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cidr_parse_and_print() {
        assert_eq!(Cidr::parse_strict("192.168.0.0/16").unwrap().to_string(), "192.168.0.0/16");
        assert_eq!(Cidr::parse_strict("10.1.2.3").unwrap().to_string(), "10.1.2.3/32");
        assert!(matches!(Cidr::parse_strict("10.0.0.1/8"), Err(CidrError::HostBitsSet { .. })));
        assert_eq!(Cidr::parse_lenient("10.0.0.1/8").unwrap().to_string(), "10.0.0.0/8");
        assert!(matches!(Cidr::parse_strict("10.0.0.0/33"), Err(CidrError::BadPrefixLength(_))));
        assert!(matches!(Cidr::parse_strict("10.0.0/8"), Err(CidrError::BadAddress(_))));
        assert_eq!(Cidr::parse_strict("0.0.0.0/0").unwrap().size(), 1 << 32);
    }

    #[test]
    fn cidr_contains_and_nth() {
        let block = Cidr::parse_strict("192.168.231.128/26").unwrap();
        assert!(block.contains("192.168.231.166".parse().unwrap()));
        assert!(!block.contains("192.168.231.192".parse().unwrap()));
        assert_eq!(block.nth(38), Some("192.168.231.166".parse().unwrap()));
        assert_eq!(block.nth(64), None);
        assert_eq!(block.last().to_string(), "192.168.231.191");
        assert_eq!(block.netmask().to_string(), "255.255.255.192");
    }
}
