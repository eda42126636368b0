//! NAT targets' address and port ranges: `--to-destination`, `--to-source`, `--to-ports`.
//!
//! Part of the netfilter targets. libxt_DNAT.c / libxt_SNAT.c print a range as
//! `ADDR[-ADDR][:PORT[-PORT]]` (`print_range`); MASQUERADE's `--to-ports` as `PORT[-PORT]`.

use std::fmt;
use std::net::Ipv4Addr;

use crate::netfilter::port_range::PortRange;

/// `ip[-ip][:port[-port]]`, as DNAT/SNAT take it. Either part may be absent (`:8080` changes
/// only the port).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct NatRange {
    /// First and last address, or `None` to keep the address.
    pub addresses: Option<(Ipv4Addr, Ipv4Addr)>,
    /// The port range, or `None` to keep the port.
    pub ports: Option<PortRange>,
}

impl NatRange {
    /// One address and port, kube-proxy's `--to-destination 10.180.0.1:80`.
    pub fn socket(address: Ipv4Addr, port: u16) -> NatRange {
        NatRange { addresses: Some((address, address)), ports: Some(PortRange::single(port)) }
    }

    /// One address, any port.
    pub fn address(address: Ipv4Addr) -> NatRange {
        NatRange { addresses: Some((address, address)), ports: None }
    }

    /// Parses `10.0.0.1`, `10.0.0.1-10.0.0.9`, `10.0.0.1:80`, `10.0.0.1:80-90`, `:80`.
    /// Ports separated by `:` in a range are refused, as iptables does not read them either.
    pub fn parse(text: &str) -> Option<NatRange> {
        let (address_text, port_text) = match text.split_once(':') {
            Some((address, port)) => (address, Some(port)),
            None => (text, None),
        };
        let addresses = if address_text.is_empty() {
            None
        } else {
            let (first, last) = match address_text.split_once('-') {
                Some((first, last)) => (first.parse().ok()?, last.parse().ok()?),
                None => {
                    let address: Ipv4Addr = address_text.parse().ok()?;
                    (address, address)
                }
            };
            if u32::from(first) > u32::from(last) {
                return None;
            }
            Some((first, last))
        };
        let ports = match port_text {
            None => None,
            Some(ports) => Some(parse_dash_range(ports)?),
        };
        if addresses.is_none() && ports.is_none() {
            return None;
        }
        Some(NatRange { addresses, ports })
    }
}

/// `80` or `80-90`.
pub(crate) fn parse_dash_range(text: &str) -> Option<PortRange> {
    match text.split_once('-') {
        Some((first, last)) => PortRange::new(parse_port(first)?, parse_port(last)?),
        None => parse_port(text).map(PortRange::single),
    }
}

fn parse_port(text: &str) -> Option<u16> {
    if text.is_empty() || !text.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    text.parse().ok()
}

/// `80` or `80-90`, the form NAT targets print ports in.
pub(crate) fn dash_range(range: PortRange) -> String {
    if range.first() == range.last() {
        range.first().to_string()
    } else {
        format!("{}-{}", range.first(), range.last())
    }
}

impl fmt::Display for NatRange {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if let Some((first, last)) = self.addresses {
            write!(f, "{first}")?;
            if first != last {
                write!(f, "-{last}")?;
            }
        }
        if let Some(ports) = self.ports {
            write!(f, ":{}", dash_range(ports))?;
        }
        Ok(())
    }
}

/// Options of SNAT / DNAT besides the range.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Nat {
    pub to: NatRange,
    /// `--random`: randomise the source port mapping.
    pub random: bool,
    /// `--random-fully` (SNAT only): fully randomised port mapping.
    pub random_fully: bool,
    /// `--persistent`: the same client gets the same address.
    pub persistent: bool,
}

impl Nat {
    pub fn to(to: NatRange) -> Nat {
        Nat { to, random: false, random_fully: false, persistent: false }
    }

    /// ` --random --random-fully --persistent` as set (save form).
    pub(crate) fn save_flags(&self) -> String {
        self.flags().map(|name| format!(" --{name}")).collect()
    }

    /// ` random random-fully persistent` as set (`iptables -L` form).
    pub(crate) fn list_flags(&self) -> String {
        self.flags().map(|name| format!(" {name}")).collect()
    }

    fn flags(&self) -> impl Iterator<Item = &'static str> {
        [(self.random, "random"), (self.random_fully, "random-fully"), (self.persistent, "persistent")]
            .into_iter()
            .filter(|(set, _)| *set)
            .map(|(_, name)| name)
    }
}

/// MASQUERADE's options.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct Masquerade {
    /// `--to-ports`.
    pub to_ports: Option<PortRange>,
    pub random: bool,
    pub random_fully: bool,
}

impl Masquerade {
    /// `-j MASQUERADE --random-fully`, as kube-proxy and Calico write it.
    pub fn random_fully() -> Masquerade {
        Masquerade { random_fully: true, ..Masquerade::default() }
    }
}

impl fmt::Display for Masquerade {
    /// The options after `-j MASQUERADE` in save form (libxt_MASQUERADE.c `MASQUERADE_save`).
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if let Some(ports) = self.to_ports {
            write!(f, " --to-ports {}", dash_range(ports))?;
        }
        if self.random {
            f.write_str(" --random")?;
        }
        if self.random_fully {
            f.write_str(" --random-fully")?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ranges_parse_and_print() {
        for text in ["10.180.0.1:80", "10.0.0.1-10.0.0.9", "10.0.0.1:80-90", ":8080", "192.168.0.1"] {
            assert_eq!(NatRange::parse(text).unwrap().to_string(), text);
        }
        assert_eq!(NatRange::parse("10.0.0.9-10.0.0.1"), None);
        assert_eq!(NatRange::parse("10.0.0.1:90-80"), None);
        assert_eq!(NatRange::parse(""), None);
        assert_eq!(NatRange::parse("10.0.0.1:"), None);
    }

    #[test]
    fn masquerade_options() {
        assert_eq!(Masquerade::random_fully().to_string(), " --random-fully");
        let ports = Masquerade { to_ports: PortRange::new(1000, 2000), ..Masquerade::default() };
        assert_eq!(ports.to_string(), " --to-ports 1000-2000");
    }
}
