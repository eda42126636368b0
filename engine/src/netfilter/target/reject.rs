//! `-j REJECT --reject-with TYPE`: drop the packet and answer with an ICMP error or a TCP RST.
//!
//! Part of the netfilter targets. kube-proxy rejects traffic to Services without endpoints;
//! the client sees "connection refused". libipt_REJECT.c saves `--reject-with NAME` always,
//! with `icmp-port-unreachable` as the default.

use std::fmt;

/// What REJECT answers with (IPv4 names from libipt_REJECT.c `reject_table`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub enum RejectWith {
    NetUnreachable,
    HostUnreachable,
    #[default]
    PortUnreachable,
    ProtoUnreachable,
    NetProhibited,
    HostProhibited,
    AdminProhibited,
    TcpReset,
}

/// (name, alias) per type.
const NAMES: [(RejectWith, &str, &str); 8] = [
    (RejectWith::NetUnreachable, "icmp-net-unreachable", "net-unreach"),
    (RejectWith::HostUnreachable, "icmp-host-unreachable", "host-unreach"),
    (RejectWith::PortUnreachable, "icmp-port-unreachable", "port-unreach"),
    (RejectWith::ProtoUnreachable, "icmp-proto-unreachable", "proto-unreach"),
    (RejectWith::NetProhibited, "icmp-net-prohibited", "net-prohib"),
    (RejectWith::HostProhibited, "icmp-host-prohibited", "host-prohib"),
    (RejectWith::AdminProhibited, "icmp-admin-prohibited", "admin-prohib"),
    (RejectWith::TcpReset, "tcp-reset", "tcp-rst"),
];

impl RejectWith {
    pub fn name(self) -> &'static str {
        NAMES.iter().find(|(kind, _, _)| *kind == self).map_or("icmp-port-unreachable", |(_, name, _)| name)
    }

    /// Parses a name or its short alias (`port-unreach`).
    pub fn parse(text: &str) -> Option<RejectWith> {
        NAMES.iter().find(|(_, name, alias)| *name == text || *alias == text).map(|(kind, _, _)| *kind)
    }
}

impl fmt::Display for RejectWith {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_and_aliases() {
        assert_eq!(RejectWith::default().to_string(), "icmp-port-unreachable");
        assert_eq!(RejectWith::parse("tcp-rst"), Some(RejectWith::TcpReset));
        assert_eq!(RejectWith::parse("icmp-host-prohibited"), Some(RejectWith::HostProhibited));
        assert_eq!(RejectWith::parse("icmp6-port-unreachable"), None);
    }
}
