//! One conntrack entry: both tuples, NAT, protocol state, status bits and timeout.
//!
//! Part of [`crate::conntrack`]. Mirrors the kernel's `struct nf_conn` as far as
//! `conntrack -L` shows it. The TCP state machine is the kernel's `tcp_conntracks` table
//! (net/netfilter/nf_conntrack_proto_tcp.c) reduced to the transitions a well-behaved
//! connection takes, and the timeouts are that file's `tcp_timeouts` and
//! nf_conntrack_proto_udp.c's `udp_timeouts` defaults.

use std::fmt;
use std::net::Ipv4Addr;

use crate::packet::{IpProtocol, LabTime, Packet, TcpFlags};

use super::tuple::{Tuple, TupleL4};

/// Which way a packet travels relative to the connection's first packet.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Direction {
    /// `IP_CT_DIR_ORIGINAL`: the same way as the packet that created the entry.
    Original,
    /// `IP_CT_DIR_REPLY`.
    Reply,
}

impl Direction {
    /// The other direction.
    pub fn opposite(self) -> Direction {
        match self {
            Direction::Original => Direction::Reply,
            Direction::Reply => Direction::Original,
        }
    }
}

/// Conntrack's TCP states (`enum tcp_conntrack`), printed as conntrack-tools prints them.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum TcpState {
    None,
    SynSent,
    SynRecv,
    Established,
    FinWait,
    CloseWait,
    LastAck,
    TimeWait,
    Close,
    SynSent2,
}

impl TcpState {
    /// The default timeout of the state in seconds (`tcp_timeouts`).
    pub fn timeout(self) -> u32 {
        match self {
            TcpState::None => 0,
            TcpState::SynSent | TcpState::SynSent2 => 120,
            TcpState::SynRecv => 60,
            TcpState::Established => 432_000,
            TcpState::FinWait => 120,
            TcpState::CloseWait => 60,
            TcpState::LastAck => 30,
            TcpState::TimeWait => 120,
            TcpState::Close => 10,
        }
    }
}

impl fmt::Display for TcpState {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            TcpState::None => "NONE",
            TcpState::SynSent => "SYN_SENT",
            TcpState::SynRecv => "SYN_RECV",
            TcpState::Established => "ESTABLISHED",
            TcpState::FinWait => "FIN_WAIT",
            TcpState::CloseWait => "CLOSE_WAIT",
            TcpState::LastAck => "LAST_ACK",
            TcpState::TimeWait => "TIME_WAIT",
            TcpState::Close => "CLOSE",
            TcpState::SynSent2 => "SYN_SENT2",
        })
    }
}

/// The `ct->status` bits (`enum ip_conntrack_status`, include/uapi/linux/netfilter/nf_conntrack_common.h).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct Status(u32);

impl Status {
    pub const EXPECTED: Status = Status(1 << 0);
    pub const SEEN_REPLY: Status = Status(1 << 1);
    pub const ASSURED: Status = Status(1 << 2);
    pub const CONFIRMED: Status = Status(1 << 3);
    pub const SRC_NAT: Status = Status(1 << 4);
    pub const DST_NAT: Status = Status(1 << 5);
    pub const SRC_NAT_DONE: Status = Status(1 << 7);
    pub const DST_NAT_DONE: Status = Status(1 << 8);

    /// The raw bits.
    pub fn bits(self) -> u32 {
        self.0
    }

    /// Whether all bits of `other` are set.
    pub fn contains(self, other: Status) -> bool {
        self.0 & other.0 == other.0
    }

    /// These bits plus `other`.
    pub fn with(self, other: Status) -> Status {
        Status(self.0 | other.0)
    }
}

impl std::ops::BitOr for Status {
    type Output = Status;
    fn bitor(self, other: Status) -> Status {
        self.with(other)
    }
}

/// UDP timeout before a reply, and for an entry that has not become a stream (`udp_timeouts`).
pub const UDP_UNREPLIED_TIMEOUT: u32 = 30;
/// UDP timeout once traffic continued after the first reply for two seconds.
pub const UDP_REPLIED_TIMEOUT: u32 = 120;
/// How long a UDP flow must live after its first packet before a later packet makes it a stream.
pub const UDP_STREAM_MICROS: u64 = 2_000_000;
/// ICMP timeout (`nf_ct_icmp_timeout`).
pub const ICMP_TIMEOUT: u32 = 30;
/// Timeout of protocols tracked generically, e.g. IPIP (`nf_ct_generic_timeout`).
pub const GENERIC_TIMEOUT: u32 = 600;

/// What became of a packet in the TCP state machine.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Transition {
    /// The state moved (or stayed) and the packet is fine.
    Accepted,
    /// The kernel would mark the packet INVALID (`sIV` in `tcp_conntracks`).
    Invalid,
}

/// One tracked connection.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Entry {
    /// A per-table counter here; the kernel shows a hash of the entry's address (`-o id`).
    pub id: u32,
    pub original: Tuple,
    /// The tuple replies must have. NAT rewrites it: DNAT changes its source, SNAT its destination.
    pub reply: Tuple,
    /// TCP only.
    pub tcp_state: Option<TcpState>,
    pub status: Status,
    /// The timeout set by the last packet, in seconds.
    pub timeout: u32,
    /// When the last packet refreshed the timeout.
    pub refreshed_at: LabTime,
    /// When the first packet arrived.
    pub created_at: LabTime,
    /// `ct->mark` (`CONNMARK`).
    pub mark: u32,
    /// The conntrack zone (`CT --zone`); 0 is the default zone.
    pub zone: u16,
}

impl Entry {
    /// The unconfirmed entry the first packet of a flow creates (`init_conntrack`): the reply
    /// tuple is the inverse of the original until NAT changes it. `None` for ICMP errors,
    /// which never create entries, and for TCP segments that cannot open a connection
    /// (SYN-ACK, FIN, RST or no flags: `tcp_new` refuses them and the packet is INVALID).
    pub fn new(packet: &Packet, zone: u16, now: LabTime) -> Option<Entry> {
        let original = Tuple::of(packet)?;
        let (tcp_state, timeout) = match original.protocol {
            IpProtocol::Tcp => (Some(TcpState::None), 0),
            IpProtocol::Udp => (None, UDP_UNREPLIED_TIMEOUT),
            IpProtocol::Icmp => (None, ICMP_TIMEOUT),
            IpProtocol::Ipip => (None, GENERIC_TIMEOUT),
        };
        let mut entry = Entry {
            id: 0,
            original,
            reply: original.invert(),
            tcp_state,
            status: Status::default(),
            timeout,
            refreshed_at: now,
            created_at: now,
            mark: 0,
            zone,
        };
        if let Some(segment) = packet.tcp_segment()
            && entry.advance_tcp(Direction::Original, segment.flags) == Transition::Invalid
        {
            return None;
        }
        Some(entry)
    }

    /// The entry after `-j DNAT --to-destination address:port`: replies must now come from the
    /// new destination (`nf_nat_setup_info` with `NF_NAT_MANIP_DST`). `port: None` keeps the port.
    pub fn with_dnat(&self, address: Ipv4Addr, port: Option<u16>) -> Entry {
        let mut reply = self.reply;
        reply.src = address;
        if let (TupleL4::Ports { dst, .. }, Some(port)) = (reply.l4, port) {
            reply.l4 = TupleL4::Ports { src: port, dst };
        }
        Entry {
            reply,
            status: self.status.with(Status::DST_NAT).with(Status::DST_NAT_DONE),
            ..self.clone()
        }
    }

    /// The entry after SNAT or MASQUERADE to `address:port`: replies must now go to the new
    /// source (`NF_NAT_MANIP_SRC`). `port: None` keeps the port.
    pub fn with_snat(&self, address: Ipv4Addr, port: Option<u16>) -> Entry {
        let mut reply = self.reply;
        reply.dst = address;
        if let (TupleL4::Ports { src, .. }, Some(port)) = (reply.l4, port) {
            reply.l4 = TupleL4::Ports { src, dst: port };
        }
        Entry {
            reply,
            status: self.status.with(Status::SRC_NAT).with(Status::SRC_NAT_DONE),
            ..self.clone()
        }
    }

    /// The tuple of one direction.
    pub fn tuple(&self, direction: Direction) -> &Tuple {
        match direction {
            Direction::Original => &self.original,
            Direction::Reply => &self.reply,
        }
    }

    /// Whether the original destination differs from the reply source (`--ctstate DNAT`).
    pub fn is_dnat(&self) -> bool {
        self.status.contains(Status::DST_NAT)
    }

    /// Whether the original source differs from the reply destination (`--ctstate SNAT`).
    pub fn is_snat(&self) -> bool {
        self.status.contains(Status::SRC_NAT)
    }

    /// Seconds left at `now`, as `conntrack -L` prints them (`nf_ct_expires() / HZ`, rounded down).
    pub fn remaining(&self, now: LabTime) -> u32 {
        let deadline = self
            .refreshed_at
            .as_micros()
            .saturating_add(u64::from(self.timeout).saturating_mul(1_000_000));
        let left = deadline.saturating_sub(now.as_micros()) / 1_000_000;
        u32::try_from(left).unwrap_or(u32::MAX)
    }

    /// Whether the entry has timed out at `now`.
    pub fn expired(&self, now: LabTime) -> bool {
        let deadline = self
            .refreshed_at
            .as_micros()
            .saturating_add(u64::from(self.timeout).saturating_mul(1_000_000));
        now.as_micros() >= deadline
    }

    /// The entry after a later packet of the flow travelling in `direction` at `now`
    /// (`nf_conntrack_tcp_packet`, `nf_conntrack_udp_packet`, `nf_conntrack_icmp_packet`).
    pub fn observe(
        &self,
        packet: &Packet,
        direction: Direction,
        now: LabTime,
    ) -> (Entry, Transition) {
        let mut entry = self.clone();
        entry.refreshed_at = now;
        let transition = match (self.original.protocol, packet.tcp_segment()) {
            (IpProtocol::Tcp, Some(segment)) => entry.advance_tcp(direction, segment.flags),
            (IpProtocol::Udp, _) => {
                // Replied before, and still active two seconds after it began: a stream,
                // assured, 120 s. The first reply itself still gets the short timeout, because
                // `nf_conntrack_in` sets SEEN_REPLY only after the protocol handler ran.
                let stream_from = self
                    .created_at
                    .as_micros()
                    .saturating_add(UDP_STREAM_MICROS);
                if self.status.contains(Status::SEEN_REPLY) && now.as_micros() > stream_from {
                    entry.status = entry.status.with(Status::ASSURED);
                    entry.timeout = UDP_REPLIED_TIMEOUT;
                } else {
                    entry.timeout = UDP_UNREPLIED_TIMEOUT;
                }
                Transition::Accepted
            }
            _ => Transition::Accepted,
        };
        if transition == Transition::Invalid {
            // An invalid packet does not touch the entry.
            return (self.clone(), Transition::Invalid);
        }
        if direction == Direction::Reply {
            entry.status = entry.status.with(Status::SEEN_REPLY);
        }
        (entry, transition)
    }

    /// One step of the TCP state machine; sets the timeout and ASSURED like the kernel.
    fn advance_tcp(&mut self, direction: Direction, flags: TcpFlags) -> Transition {
        let Some(old) = self.tcp_state else {
            return Transition::Accepted;
        };
        let next = next_tcp_state(old, direction, flags);
        let Some(new) = next else {
            return Transition::Invalid;
        };
        // "Set ASSURED if we see a valid ack in ESTABLISHED after SYN_RECV."
        if matches!(old, TcpState::SynRecv | TcpState::Established) && new == TcpState::Established
        {
            self.status = self.status.with(Status::ASSURED);
        }
        self.tcp_state = Some(new);
        self.timeout = new.timeout();
        Transition::Accepted
    }
}

/// The next TCP state, or `None` for a packet the kernel calls invalid. Follows the rows of
/// `tcp_conntracks` for SYN, SYN-ACK, FIN, ACK and RST; "ignore" entries keep the state.
fn next_tcp_state(state: TcpState, direction: Direction, flags: TcpFlags) -> Option<TcpState> {
    use TcpState::*;
    let syn = flags.contains(TcpFlags::SYN);
    let ack = flags.contains(TcpFlags::ACK);
    if flags.contains(TcpFlags::RST) {
        return if state == None {
            Option::None
        } else {
            Some(Close)
        };
    }
    let next = match (direction, syn, ack) {
        // SYN.
        (Direction::Original, true, false) => match state {
            None | SynSent | TimeWait | Close => SynSent,
            other => other,
        },
        (Direction::Reply, true, false) => match state {
            SynSent => SynSent2,
            other => other,
        },
        // SYN-ACK.
        (Direction::Reply, true, true) => match state {
            SynSent | SynSent2 | SynRecv => SynRecv,
            None => return Option::None,
            other => other,
        },
        (Direction::Original, true, true) => match state {
            SynSent2 => SynRecv,
            None | SynSent => return Option::None,
            other => other,
        },
        // FIN (with or without ACK).
        _ if flags.contains(TcpFlags::FIN) => match state {
            None | SynSent => return Option::None,
            SynRecv | Established => FinWait,
            FinWait | CloseWait | LastAck => LastAck,
            other => other,
        },
        // ACK.
        (_, false, true) => match (state, direction) {
            // nf_conntrack_tcp_loose = 1: a mid-stream ACK picks up the connection.
            (None, Direction::Original) => Established,
            (None, Direction::Reply) | (SynSent, _) => return Option::None,
            (SynRecv, Direction::Original) => Established,
            (FinWait, _) => CloseWait,
            (LastAck, _) => TimeWait,
            (other, _) => other,
        },
        // No flags at all.
        _ => {
            return if state == None {
                Option::None
            } else {
                Some(state)
            };
        }
    };
    Some(next)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::packet::{TcpSegment, UdpDatagram};

    fn addr(text: &str) -> Ipv4Addr {
        text.parse().unwrap()
    }

    /// A UDP datagram from 10.0.0.1 to 10.0.0.2:53.
    fn dns_query() -> Packet {
        Packet::udp(
            addr("10.0.0.1"),
            addr("10.0.0.2"),
            UdpDatagram::opaque(1, 53, 20),
        )
    }

    fn segment(flags: TcpFlags) -> TcpSegment {
        TcpSegment {
            flags,
            ..TcpSegment::syn(1, 2, 3)
        }
    }

    #[test]
    fn handshake_and_close_follow_the_kernel_states() {
        let client = addr("10.0.0.1");
        let server = addr("10.0.0.2");
        let now = LabTime::from_micros(0);
        let syn = Packet::tcp(client, server, segment(TcpFlags::SYN));
        let entry = Entry::new(&syn, 0, now).unwrap();
        assert_eq!(
            (entry.tcp_state, entry.timeout),
            (Some(TcpState::SynSent), 120)
        );
        let steps = [
            (
                Direction::Reply,
                TcpFlags::SYN | TcpFlags::ACK,
                TcpState::SynRecv,
            ),
            (Direction::Original, TcpFlags::ACK, TcpState::Established),
            (
                Direction::Original,
                TcpFlags::FIN | TcpFlags::ACK,
                TcpState::FinWait,
            ),
            (
                Direction::Reply,
                TcpFlags::FIN | TcpFlags::ACK,
                TcpState::LastAck,
            ),
            (Direction::Original, TcpFlags::ACK, TcpState::TimeWait),
        ];
        let mut entry = entry;
        for (direction, flags, expected) in steps {
            let packet = Packet::tcp(client, server, segment(flags));
            let (next, transition) = entry.observe(&packet, direction, now);
            assert_eq!(transition, Transition::Accepted);
            assert_eq!(next.tcp_state, Some(expected), "{flags:?} {direction:?}");
            entry = next;
        }
        assert!(entry.status.contains(Status::ASSURED | Status::SEEN_REPLY));
        assert_eq!(entry.timeout, 120);
    }

    #[test]
    fn invalid_first_packets() {
        let now = LabTime::from_micros(0);
        for flags in [
            TcpFlags::SYN | TcpFlags::ACK,
            TcpFlags::RST,
            TcpFlags::FIN | TcpFlags::ACK,
        ] {
            let packet = Packet::tcp(addr("10.0.0.1"), addr("10.0.0.2"), segment(flags));
            assert_eq!(Entry::new(&packet, 0, now), None, "{flags:?}");
        }
        let ack = Packet::tcp(addr("10.0.0.1"), addr("10.0.0.2"), segment(TcpFlags::ACK));
        assert_eq!(
            Entry::new(&ack, 0, now).unwrap().tcp_state,
            Some(TcpState::Established)
        );
    }

    #[test]
    fn nat_rewrites_the_reply_tuple() {
        let packet = Packet::tcp(
            addr("172.16.120.61"),
            addr("172.16.120.63"),
            TcpSegment::syn(51234, 31000, 1),
        );
        let entry = Entry::new(&packet, 0, LabTime::default())
            .unwrap()
            .with_dnat(addr("192.168.231.166"), Some(80))
            .with_snat(addr("192.168.56.128"), Some(40123));
        assert_eq!(
            entry.reply.to_string(),
            "src=192.168.231.166 dst=192.168.56.128 sport=80 dport=40123"
        );
        assert!(entry.is_dnat() && entry.is_snat());
    }

    #[test]
    fn invalid_packets_leave_the_entry_alone() {
        let now = LabTime::from_micros(0);
        let syn = Packet::tcp(addr("10.0.0.1"), addr("10.0.0.2"), segment(TcpFlags::SYN));
        let entry = Entry::new(&syn, 0, now).unwrap();
        // A pure ACK from the server while the client is in SYN_SENT is invalid.
        let ack = Packet::tcp(addr("10.0.0.2"), addr("10.0.0.1"), segment(TcpFlags::ACK));
        let (after, transition) = entry.observe(&ack, Direction::Reply, now.plus_secs(5));
        assert_eq!(transition, Transition::Invalid);
        assert_eq!(after, entry);
    }

    #[test]
    fn a_late_first_reply_is_not_yet_a_stream() {
        let start = LabTime::from_micros(0);
        let query = dns_query();
        let entry = Entry::new(&query, 0, start).unwrap();
        let (replied, _) = entry.observe(&query, Direction::Reply, start.plus_secs(5));
        assert!(!replied.status.contains(Status::ASSURED));
        assert_eq!(replied.timeout, 30);
    }

    #[test]
    fn udp_becomes_assured_only_as_a_stream() {
        let start = LabTime::from_micros(0);
        let query = dns_query();
        let entry = Entry::new(&query, 0, start).unwrap();
        let (replied, _) = entry.observe(&query, Direction::Reply, start.plus_micros(300));
        assert!(replied.status.contains(Status::SEEN_REPLY));
        assert!(!replied.status.contains(Status::ASSURED));
        assert_eq!(replied.timeout, 30);
        let (stream, _) = replied.observe(&query, Direction::Original, start.plus_secs(3));
        assert!(stream.status.contains(Status::ASSURED));
        assert_eq!(stream.timeout, 120);
        assert_eq!(stream.remaining(start.plus_secs(4)), 119);
        assert!(stream.expired(start.plus_secs(123)));
    }
}
