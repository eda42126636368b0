//! The netfilter tables (`-t raw|mangle|nat|filter|security`) and which built-in chains each has.
//!
//! Part of the netfilter model: kube-proxy writes into `nat` and `filter`, Calico also into `raw`
//! and `mangle`. See iptables(8), "TABLES".

use std::fmt;

use super::hook::Hook;

/// One iptables table.
///
/// The declaration order is the order in which `iptables-save` (nft backend, v1.8.9) prints the
/// tables that exist (checked in a network namespace: mangle, security, raw, filter, nat; the
/// order of `enum nft_table_type` in iptables/nft.h), so the derived `Ord` is the save order.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Table {
    Mangle,
    Security,
    Raw,
    Filter,
    Nat,
}

impl Table {
    /// Every table, in `iptables-save` order.
    pub const ALL: [Table; 5] = [Table::Mangle, Table::Security, Table::Raw, Table::Filter, Table::Nat];

    /// The name as `-t` and `*table` spell it.
    pub fn name(self) -> &'static str {
        match self {
            Table::Raw => "raw",
            Table::Mangle => "mangle",
            Table::Nat => "nat",
            Table::Filter => "filter",
            Table::Security => "security",
        }
    }

    /// Parses a table name exactly as iptables does (case-sensitive).
    pub fn parse(text: &str) -> Option<Table> {
        Table::ALL.into_iter().find(|table| table.name() == text)
    }

    /// The built-in chains of this table, in hook order (the order `iptables-save` lists them).
    ///
    /// From the kernel's `iptable_*` modules: raw hooks PREROUTING and OUTPUT; nat hooks
    /// PREROUTING, INPUT, OUTPUT and POSTROUTING; filter and security hook INPUT, FORWARD and
    /// OUTPUT; mangle hooks all five.
    pub fn hooks(self) -> &'static [Hook] {
        match self {
            Table::Raw => &[Hook::PreRouting, Hook::Output],
            Table::Mangle => &[Hook::PreRouting, Hook::Input, Hook::Forward, Hook::Output, Hook::PostRouting],
            Table::Nat => &[Hook::PreRouting, Hook::Input, Hook::Output, Hook::PostRouting],
            Table::Filter | Table::Security => &[Hook::Input, Hook::Forward, Hook::Output],
        }
    }

    /// Whether `hook` is a built-in chain of this table.
    pub fn has_hook(self, hook: Hook) -> bool {
        self.hooks().contains(&hook)
    }
}

impl fmt::Display for Table {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip_and_are_lower_case() {
        for table in Table::ALL {
            assert_eq!(Table::parse(&table.to_string()), Some(table));
        }
        assert_eq!(Table::Nat.to_string(), "nat");
        assert_eq!(Table::parse("NAT"), None);
    }

    #[test]
    fn nat_has_no_forward_and_filter_has_no_prerouting() {
        assert!(!Table::Nat.has_hook(Hook::Forward));
        assert!(Table::Nat.has_hook(Hook::Input));
        assert!(!Table::Filter.has_hook(Hook::PreRouting));
        assert_eq!(Table::Mangle.hooks().len(), 5);
    }
}
