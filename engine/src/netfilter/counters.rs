//! `Counters`: the packet and byte counters of a rule or built-in chain (`[pkts:bytes]`).
//!
//! Part of the netfilter model. `iptables-save` prints them on chain lines always and before
//! each rule with `-c`; `iptables -L -v` prints them as columns.

use std::fmt;

/// Packet and byte counters, printed as `[packets:bytes]`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct Counters {
    pub packets: u64,
    pub bytes: u64,
}

impl Counters {
    pub const ZERO: Counters = Counters { packets: 0, bytes: 0 };

    /// Adds one packet of `len` bytes, saturating (a counter never panics).
    pub fn count(&mut self, len: u64) {
        self.packets = self.packets.saturating_add(1);
        self.bytes = self.bytes.saturating_add(len);
    }

    /// Parses `[packets:bytes]`.
    pub fn parse(text: &str) -> Option<Counters> {
        let inner = text.strip_prefix('[')?.strip_suffix(']')?;
        let (packets, bytes) = inner.split_once(':')?;
        Some(Counters { packets: parse_u64(packets)?, bytes: parse_u64(bytes)? })
    }
}

fn parse_u64(text: &str) -> Option<u64> {
    if text.is_empty() || !text.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    text.parse().ok()
}

impl fmt::Display for Counters {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "[{}:{}]", self.packets, self.bytes)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parse_and_print() {
        assert_eq!(Counters::parse("[12:3456]"), Some(Counters { packets: 12, bytes: 3456 }));
        assert_eq!(Counters::parse("[0:0]").unwrap().to_string(), "[0:0]");
        assert_eq!(Counters::parse("[1:-2]"), None);
        assert_eq!(Counters::parse("0:0"), None);
    }

    #[test]
    fn counting_saturates() {
        let mut counters = Counters { packets: u64::MAX, bytes: 1 };
        counters.count(60);
        assert_eq!(counters, Counters { packets: u64::MAX, bytes: 61 });
    }
}
