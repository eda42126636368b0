//! `-m addrtype --src-type/--dst-type TYPES [--limit-iface-in|--limit-iface-out]`.
//!
//! Part of the netfilter matches. The type of an address is what the routing table says about
//! it (`LOCAL` = an address of this host). libxt_addrtype.c (revision 1) saves
//! `[!] --src-type T`, `[!] --dst-type T`, then `--limit-iface-in`/`--limit-iface-out`;
//! several types print comma-separated in bit order.

use std::fmt;

use crate::netfilter::negatable::Negatable;

/// Route types, in the bit order of `enum xt_addrtype_t` (`XT_ADDRTYPE_UNSPEC = 1 << 0` ...).
const TYPE_NAMES: [&str; 12] = [
    "UNSPEC",
    "UNICAST",
    "LOCAL",
    "BROADCAST",
    "ANYCAST",
    "MULTICAST",
    "BLACKHOLE",
    "UNREACHABLE",
    "PROHIBIT",
    "THROW",
    "NAT",
    "XRESOLVE",
];

/// A set of address types, e.g. `LOCAL` or `LOCAL,BROADCAST`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct AddrTypes(u16);

impl AddrTypes {
    pub const UNICAST: AddrTypes = AddrTypes(1 << 1);
    pub const LOCAL: AddrTypes = AddrTypes(1 << 2);
    pub const BROADCAST: AddrTypes = AddrTypes(1 << 3);
    pub const MULTICAST: AddrTypes = AddrTypes(1 << 5);

    pub fn bits(self) -> u16 {
        self.0
    }

    pub fn contains(self, other: AddrTypes) -> bool {
        self.0 & other.0 == other.0
    }

    /// Whether an address of type `kind` (a single type) is in the set.
    pub fn has(self, kind: AddrTypes) -> bool {
        self.0 & kind.0 != 0
    }

    /// Parses `LOCAL` or `LOCAL,UNICAST` (names case-insensitive, as `strcasecmp` in libxt_addrtype).
    pub fn parse(text: &str) -> Option<AddrTypes> {
        let mut bits = 0u16;
        for part in text.split(',') {
            let index = TYPE_NAMES.iter().position(|name| name.eq_ignore_ascii_case(part))?;
            bits |= 1u16 << index;
        }
        (bits != 0).then_some(AddrTypes(bits))
    }
}

impl fmt::Display for AddrTypes {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut first = true;
        for (index, name) in TYPE_NAMES.iter().enumerate() {
            if self.0 & (1u16 << index) != 0 {
                if !first {
                    f.write_str(",")?;
                }
                f.write_str(name)?;
                first = false;
            }
        }
        Ok(())
    }
}

/// Which interface the route lookup of `--limit-iface-*` is limited to.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum LimitIface {
    /// `--limit-iface-in`: only addresses of the incoming interface count.
    In,
    /// `--limit-iface-out`: only addresses of the outgoing interface count.
    Out,
}

/// The addrtype match.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct Addrtype {
    pub source: Option<Negatable<AddrTypes>>,
    pub destination: Option<Negatable<AddrTypes>>,
    pub limit_iface: Option<LimitIface>,
}

impl Addrtype {
    /// `-m addrtype --dst-type LOCAL`, kube-proxy's NodePort catch-all.
    pub fn destination_local() -> Addrtype {
        Addrtype { destination: Some(Negatable::is(AddrTypes::LOCAL)), ..Addrtype::default() }
    }

    /// `-m addrtype --src-type LOCAL`.
    pub fn source_local() -> Addrtype {
        Addrtype { source: Some(Negatable::is(AddrTypes::LOCAL)), ..Addrtype::default() }
    }

    /// The text after `-m addrtype` in `iptables -L`, e.g. ` src-type LOCAL limit-out`.
    pub(crate) fn list_options(&self) -> String {
        let mut out = String::new();
        if let Some(source) = &self.source {
            out.push_str(&format!(" src-type {}{}", if source.negated { "!" } else { "" }, source.value));
        }
        if let Some(destination) = &self.destination {
            out.push_str(&format!(" dst-type {}{}", if destination.negated { "!" } else { "" }, destination.value));
        }
        match self.limit_iface {
            Some(LimitIface::In) => out.push_str(" limit-in"),
            Some(LimitIface::Out) => out.push_str(" limit-out"),
            None => {}
        }
        out
    }
}

impl fmt::Display for Addrtype {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("-m addrtype")?;
        if let Some(source) = &self.source {
            write!(f, " {}--src-type {}", source.bang(), source.value)?;
        }
        if let Some(destination) = &self.destination {
            write!(f, " {}--dst-type {}", destination.bang(), destination.value)?;
        }
        match self.limit_iface {
            Some(LimitIface::In) => f.write_str(" --limit-iface-in"),
            Some(LimitIface::Out) => f.write_str(" --limit-iface-out"),
            None => Ok(()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn saves_like_iptables() {
        assert_eq!(Addrtype::destination_local().to_string(), "-m addrtype --dst-type LOCAL");
        let calico = Addrtype {
            source: Some(Negatable::not(AddrTypes::LOCAL)),
            destination: None,
            limit_iface: Some(LimitIface::Out),
        };
        assert_eq!(calico.to_string(), "-m addrtype ! --src-type LOCAL --limit-iface-out");
    }

    #[test]
    fn types_print_in_bit_order() {
        let types = AddrTypes::parse("broadcast,LOCAL").unwrap();
        assert_eq!(types.to_string(), "LOCAL,BROADCAST");
        assert!(types.has(AddrTypes::LOCAL));
        assert!(!types.has(AddrTypes::UNICAST));
        assert_eq!(AddrTypes::parse("LOCAL,"), None);
        assert_eq!(AddrTypes::parse("HOME"), None);
    }
}
