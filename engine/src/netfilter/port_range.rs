//! `PortRange`: a port or `first:last` range, as `--dport`/`--sport` take it.
//!
//! Part of the netfilter model. libxt_tcp/libxt_udp print a single port when both ends are
//! equal and `first:last` otherwise (`print_ports` in libxt_tcp.c).

use std::fmt;

/// An inclusive port range; a single port has `first == last`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct PortRange {
    first: u16,
    last: u16,
}

impl PortRange {
    pub fn single(port: u16) -> PortRange {
        PortRange { first: port, last: port }
    }

    /// `first:last`; `None` if `first > last` (iptables refuses "invalid portrange").
    pub fn new(first: u16, last: u16) -> Option<PortRange> {
        (first <= last).then_some(PortRange { first, last })
    }

    pub fn first(self) -> u16 {
        self.first
    }

    pub fn last(self) -> u16 {
        self.last
    }

    pub fn contains(self, port: u16) -> bool {
        self.first <= port && port <= self.last
    }

    /// Parses `80`, `80:90`, `:90` (from 0) or `80:` (to 65535), as `parse_ports` does.
    /// Service names from `/etc/services` are not looked up.
    pub fn parse(text: &str) -> Option<PortRange> {
        match text.split_once(':') {
            None => parse_port(text).map(PortRange::single),
            Some((first, last)) => {
                let first = if first.is_empty() { 0 } else { parse_port(first)? };
                let last = if last.is_empty() { u16::MAX } else { parse_port(last)? };
                PortRange::new(first, last)
            }
        }
    }
}

fn parse_port(text: &str) -> Option<u16> {
    if text.is_empty() || !text.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    text.parse().ok()
}

impl fmt::Display for PortRange {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.first == self.last { write!(f, "{}", self.first) } else { write!(f, "{}:{}", self.first, self.last) }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parse_and_print() {
        assert_eq!(PortRange::parse("80").unwrap().to_string(), "80");
        assert_eq!(PortRange::parse("30000:32767").unwrap().to_string(), "30000:32767");
        assert_eq!(PortRange::parse(":1023").unwrap().to_string(), "0:1023");
        assert_eq!(PortRange::parse("1024:").unwrap().to_string(), "1024:65535");
        assert_eq!(PortRange::parse("90:80"), None);
        assert_eq!(PortRange::parse("65536"), None);
        assert_eq!(PortRange::parse("http"), None);
        assert!(PortRange::parse("80:90").unwrap().contains(85));
    }
}
