//! `conntrack -L` text, byte for byte as conntrack-tools 1.4.7 prints it.
//!
//! Part of [`crate::conntrack`]. A port of libnetfilter_conntrack's
//! `__snprintf_conntrack_default` (src/conntrack/snprintf_default.c): protocol name padded
//! to 8 columns and its number, the remaining timeout, the TCP state, the original tuple,
//! `[UNREPLIED]` when no reply was seen, the reply tuple, `[ASSURED]`, `mark=`, `zone=` only
//! for a non-default zone, and `use=`. Checked against real output recorded in
//! engine/tests/packet/observed/conntrack-L-*.txt.

use std::fmt::Write as _;

use crate::packet::{IpProtocol, LabTime};

use super::entry::{Entry, Status};
use super::table::ConntrackTable;

/// The conntrack-tools release whose banner line is printed.
pub const CONNTRACK_TOOLS_VERSION: &str = "1.4.7";

/// libnetfilter_conntrack's `proto2str`: names it knows, `unknown` for the rest (IPIP).
fn protocol_name(protocol: IpProtocol) -> &'static str {
    match protocol {
        IpProtocol::Tcp => "tcp",
        IpProtocol::Udp => "udp",
        IpProtocol::Icmp => "icmp",
        IpProtocol::Ipip => "unknown",
    }
}

/// One line of `conntrack -L` for `entry` at `now` (no newline).
pub fn entry_line(entry: &Entry, now: LabTime) -> String {
    let mut out = String::new();
    let protocol = entry.original.protocol;
    let _ = write!(
        out,
        "{:<8} {} {} ",
        protocol_name(protocol),
        protocol.number(),
        entry.remaining(now)
    );
    if let Some(state) = entry.tcp_state {
        let _ = write!(out, "{state} ");
    }
    let _ = write!(out, "{} ", entry.original);
    if !entry.status.contains(Status::SEEN_REPLY) {
        out.push_str("[UNREPLIED] ");
    }
    let _ = write!(out, "{} ", entry.reply);
    if entry.status.contains(Status::ASSURED) {
        out.push_str("[ASSURED] ");
    }
    let _ = write!(out, "mark={} ", entry.mark);
    if entry.zone != 0 {
        let _ = write!(out, "zone={} ", entry.zone);
    }
    // The kernel's reference count; 1 for an idle entry (observed 2 while a SYN is being
    // retransmitted, which the engine does not model).
    out.push_str("use=1");
    out
}

/// The whole output of `conntrack -L` at `now`: stdout (one line per entry) and stderr
/// (`conntrack v1.4.7 (conntrack-tools): N flow entries have been shown.`).
pub fn list(table: &ConntrackTable, now: LabTime) -> (String, String) {
    let mut stdout = String::new();
    for entry in table.entries() {
        stdout.push_str(&entry_line(entry, now));
        stdout.push('\n');
    }
    (stdout, summary(table.len(), "shown"))
}

/// What `conntrack -D <filter>` prints after deleting `deleted`: each entry as in `-L`, then
/// the summary on stderr. conntrack exits with status 1 when nothing was deleted.
pub fn deleted(deleted: &[Entry], now: LabTime) -> (String, String) {
    let mut stdout = String::new();
    for entry in deleted {
        stdout.push_str(&entry_line(entry, now));
        stdout.push('\n');
    }
    (stdout, summary(deleted.len(), "deleted"))
}

/// What `conntrack -F` prints on stderr.
pub fn flushed() -> String {
    format!(
        "conntrack v{CONNTRACK_TOOLS_VERSION} (conntrack-tools): connection tracking table has been emptied.\n"
    )
}

/// conntrack-tools' closing line, e.g. for `-D`: `... 2 flow entries have been deleted.`
pub fn summary(count: usize, verb: &str) -> String {
    format!(
        "conntrack v{CONNTRACK_TOOLS_VERSION} (conntrack-tools): {count} flow entries have been {verb}.\n"
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::conntrack::{ConntrackTable, Direction, Entry};
    use crate::packet::{Packet, TcpFlags, TcpSegment, UdpDatagram};
    use std::net::Ipv4Addr;

    fn addr(text: &str) -> Ipv4Addr {
        text.parse().unwrap()
    }

    // Lines from engine/tests/packet/observed/conntrack-L-mixed.txt (real conntrack -L).
    #[test]
    fn unreplied_entries_match_real_output() {
        let start = LabTime::default();
        let syn = Packet::tcp(
            addr("172.16.120.61"),
            addr("172.16.120.63"),
            TcpSegment::syn(40003, 31001, 1),
        );
        let entry = Entry::new(&syn, 0, start)
            .unwrap()
            .with_dnat(addr("192.168.231.167"), Some(80))
            .with_snat(addr("192.168.56.128"), None);
        assert_eq!(
            entry_line(&entry, start.plus_micros(500_000)),
            "tcp      6 119 SYN_SENT src=172.16.120.61 dst=172.16.120.63 sport=40003 dport=31001 [UNREPLIED] src=192.168.231.167 dst=192.168.56.128 sport=80 dport=40003 mark=0 use=1"
        );
        let udp = Packet::udp(
            addr("172.16.120.61"),
            addr("172.16.120.63"),
            UdpDatagram::opaque(40001, 9999, 20),
        );
        let entry = Entry::new(&udp, 0, start).unwrap();
        assert_eq!(
            entry_line(&entry, start.plus_micros(1_500_000)),
            "udp      17 28 src=172.16.120.61 dst=172.16.120.63 sport=40001 dport=9999 [UNREPLIED] src=172.16.120.63 dst=172.16.120.61 sport=9999 dport=40001 mark=0 use=1"
        );
    }

    #[test]
    fn replied_udp_and_zone_and_summary() {
        let start = LabTime::default();
        let query = Packet::udp(
            addr("172.16.120.61"),
            addr("172.16.120.63"),
            UdpDatagram::opaque(40000, 31053, 20),
        );
        let entry = Entry::new(&query, 7, start)
            .unwrap()
            .with_dnat(addr("192.168.231.166"), Some(53))
            .with_snat(addr("192.168.56.128"), None);
        let (entry, _) = entry.observe(&query, Direction::Reply, start.plus_micros(400));
        assert_eq!(
            entry_line(&entry, start.plus_micros(1_600_000)),
            "udp      17 28 src=172.16.120.61 dst=172.16.120.63 sport=40000 dport=31053 src=192.168.231.166 dst=192.168.56.128 sport=53 dport=40000 mark=0 zone=7 use=1"
        );
        let mut table = ConntrackTable::new();
        let ping_flags = TcpFlags::SYN;
        let syn = Packet::tcp(
            addr("10.0.0.1"),
            addr("10.0.0.2"),
            TcpSegment {
                flags: ping_flags,
                ..TcpSegment::syn(1, 2, 3)
            },
        );
        table.confirm(Entry::new(&syn, 0, start).unwrap()).unwrap();
        let (stdout, stderr) = list(&table, start);
        assert_eq!(stdout.lines().count(), 1);
        assert_eq!(
            stderr,
            "conntrack v1.4.7 (conntrack-tools): 1 flow entries have been shown.\n"
        );
    }

    // Real stderr lines: engine/tests/packet/observed/conntrack-D-none.txt and conntrack-F.txt.
    #[test]
    fn delete_and_flush_messages() {
        let (stdout, stderr) = deleted(&[], LabTime::default());
        assert_eq!(stdout, "");
        assert_eq!(
            stderr,
            include_str!("../../tests/packet/observed/conntrack-D-none.txt")
        );
        assert_eq!(
            flushed(),
            include_str!("../../tests/packet/observed/conntrack-F.txt")
        );
    }
}
