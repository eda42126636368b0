//! A host's conntrack table: lookup by either direction, confirm, update, NAT, delete.
//!
//! Part of [`crate::conntrack`]. Each node (and each pod network namespace) has its own
//! table, a value the tracer carries from packet to packet. The operations follow the kernel:
//! `nf_conntrack_in` finds or creates an entry and classifies the packet
//! ([`ConntrackTable::classify`]); the nat table fills in the NAT binding of a new entry
//! ([`Entry::with_dnat`], [`Entry::with_snat`]); `__nf_conntrack_confirm` inserts it at
//! POSTROUTING or INPUT ([`ConntrackTable::confirm`]); later packets skip the nat table and
//! are rewritten from the entry ([`ConntrackTable::nat_rewrite`]), ICMP errors included
//! (`nf_nat_icmp_reply_translation`).

use std::collections::BTreeMap;
use std::fmt;
use std::net::Ipv4Addr;

use crate::packet::{IcmpMessage, IpProtocol, LabTime, Packet, Payload, TcpFlags};

use super::entry::{Direction, Entry, Status, Transition};
use super::tuple::{Tuple, TupleL4};

/// The connection-tracking state of a packet, as `-m conntrack --ctstate` and `-m state` see it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum CtState {
    /// The first packet of a connection, or a later packet before any reply was seen.
    New,
    /// A packet of a connection that has seen traffic both ways (or a reply).
    Established,
    /// An ICMP error about a tracked connection.
    Related,
    /// A packet conntrack cannot place: a SYN-ACK with no connection, an ICMP error about
    /// nothing it knows. kube-proxy drops these (`-m conntrack --ctstate INVALID -j DROP`).
    Invalid,
}

impl fmt::Display for CtState {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            CtState::New => "NEW",
            CtState::Established => "ESTABLISHED",
            CtState::Related => "RELATED",
            CtState::Invalid => "INVALID",
        })
    }
}

/// What the conntrack match knows about a packet (`xt_conntrack`'s `conntrack_mt`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct CtInfo {
    pub state: CtState,
    /// The entry the packet belongs to, and in which direction; `None` for NEW packets whose
    /// entry is not confirmed yet and for INVALID ones.
    pub entry: Option<(u32, Direction)>,
    /// `--ctstate SNAT`: the entry has a source NAT binding.
    pub snat: bool,
    /// `--ctstate DNAT`: the entry has a destination NAT binding.
    pub dnat: bool,
}

impl CtInfo {
    fn untracked(state: CtState) -> CtInfo {
        CtInfo {
            state,
            entry: None,
            snat: false,
            dnat: false,
        }
    }

    /// The `--ctstate` names that match, in the order iptables prints them
    /// (`INVALID,NEW,RELATED,ESTABLISHED,SNAT,DNAT`).
    pub fn state_names(&self) -> Vec<&'static str> {
        let mut names = vec![match self.state {
            CtState::Invalid => "INVALID",
            CtState::New => "NEW",
            CtState::Related => "RELATED",
            CtState::Established => "ESTABLISHED",
        }];
        if self.snat {
            names.push("SNAT");
        }
        if self.dnat {
            names.push("DNAT");
        }
        names
    }
}

/// Why an entry could not be inserted.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ConfirmError {
    /// Another entry already owns one of the tuples (the kernel drops the packet and counts
    /// `insert_failed`; with `--random-fully` this is what port randomisation avoids).
    Clash { existing: u32, tuple: Tuple },
    /// The table is full (2^32 ids used).
    Full,
}

impl fmt::Display for ConfirmError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ConfirmError::Clash { existing, tuple } => {
                write!(
                    f,
                    "conntrack entry {existing} already tracks {tuple}; the packet is dropped (insert_failed)"
                )
            }
            ConfirmError::Full => f.write_str("the conntrack table is full; the packet is dropped"),
        }
    }
}

/// A selection of entries, as the `conntrack -L`/`-D` filter options write it (conntrack(8)).
#[derive(Clone, Debug, PartialEq, Eq, Default)]
pub struct Filter {
    /// `-p`.
    pub protocol: Option<IpProtocol>,
    /// `--orig-src` / `-s`.
    pub orig_src: Option<Ipv4Addr>,
    /// `--orig-dst` / `-d`.
    pub orig_dst: Option<Ipv4Addr>,
    /// `--orig-port-dst` / `--dport`.
    pub orig_dst_port: Option<u16>,
    /// `--reply-src` / `-r`.
    pub reply_src: Option<Ipv4Addr>,
    /// `--reply-dst` / `-q`.
    pub reply_dst: Option<Ipv4Addr>,
}

impl Filter {
    /// Whether `entry` is selected.
    pub fn matches(&self, entry: &Entry) -> bool {
        let check = |want: Option<Ipv4Addr>, have: Ipv4Addr| want.is_none_or(|want| want == have);
        self.protocol
            .is_none_or(|protocol| protocol == entry.original.protocol)
            && check(self.orig_src, entry.original.src)
            && check(self.orig_dst, entry.original.dst)
            && self
                .orig_dst_port
                .is_none_or(|port| entry.original.dst_port() == Some(port))
            && check(self.reply_src, entry.reply.src)
            && check(self.reply_dst, entry.reply.dst)
    }
}

/// The options part of the command line, e.g. `-p udp --orig-dst 10.96.0.10 --reply-src 10.0.0.5`.
impl fmt::Display for Filter {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut parts: Vec<String> = Vec::new();
        if let Some(protocol) = self.protocol {
            parts.push(format!("-p {protocol}"));
        }
        if let Some(address) = self.orig_src {
            parts.push(format!("--orig-src {address}"));
        }
        if let Some(address) = self.orig_dst {
            parts.push(format!("--orig-dst {address}"));
        }
        if let Some(port) = self.orig_dst_port {
            parts.push(format!("--orig-port-dst {port}"));
        }
        if let Some(address) = self.reply_src {
            parts.push(format!("--reply-src {address}"));
        }
        if let Some(address) = self.reply_dst {
            parts.push(format!("--reply-dst {address}"));
        }
        f.write_str(&parts.join(" "))
    }
}

/// One host's connection table.
#[derive(Clone, Debug, PartialEq, Eq, Default)]
pub struct ConntrackTable {
    entries: BTreeMap<u32, Entry>,
    index: BTreeMap<(u16, Tuple), (u32, Direction)>,
    last_id: u32,
}

impl ConntrackTable {
    /// An empty table.
    pub fn new() -> ConntrackTable {
        ConntrackTable::default()
    }

    /// All entries, oldest first. (The kernel lists them in hash-bucket order.)
    pub fn entries(&self) -> impl Iterator<Item = &Entry> {
        self.entries.values()
    }

    /// The number of entries.
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// Whether the table is empty.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// The entry with this id.
    pub fn get(&self, id: u32) -> Option<&Entry> {
        self.entries.get(&id)
    }

    /// The entry owning `tuple` in `zone`, and the direction the tuple is.
    pub fn lookup(&self, tuple: &Tuple, zone: u16) -> Option<(u32, Direction)> {
        self.index.get(&(zone, *tuple)).copied()
    }

    /// The entry a packet belongs to (not for ICMP errors; see [`ConntrackTable::related`]).
    pub fn lookup_packet(&self, packet: &Packet, zone: u16) -> Option<(u32, Direction)> {
        self.lookup(&Tuple::of(packet)?, zone)
    }

    /// For an ICMP error, the entry of the connection it quotes and the direction the error
    /// travels in (`icmp_error_message`: the quoted packet's tuple, inverted, is looked up).
    pub fn related(&self, packet: &Packet, zone: u16) -> Option<(u32, Direction)> {
        let Payload::Icmp(message) = &packet.payload else {
            return None;
        };
        let quoted = Tuple::of(message.original()?)?;
        self.lookup(&quoted.invert(), zone)
    }

    /// How `-m conntrack --ctstate` sees `packet` (`nf_conntrack_in` then `conntrack_mt`).
    pub fn classify(&self, packet: &Packet, zone: u16) -> CtInfo {
        if let Payload::Icmp(message) = &packet.payload
            && message.is_error()
        {
            return match self.related(packet, zone) {
                Some(found) => self.info(CtState::Related, found),
                None => CtInfo::untracked(CtState::Invalid),
            };
        }
        match self.lookup_packet(packet, zone) {
            Some((id, Direction::Reply)) => self.info(CtState::Established, (id, Direction::Reply)),
            Some((id, Direction::Original)) => {
                let seen_reply = self
                    .get(id)
                    .is_some_and(|entry| entry.status.contains(Status::SEEN_REPLY));
                let state = if seen_reply {
                    CtState::Established
                } else {
                    CtState::New
                };
                self.info(state, (id, Direction::Original))
            }
            None => {
                if can_open(packet) {
                    CtInfo::untracked(CtState::New)
                } else {
                    CtInfo::untracked(CtState::Invalid)
                }
            }
        }
    }

    fn info(&self, state: CtState, found: (u32, Direction)) -> CtInfo {
        let entry = self.get(found.0);
        CtInfo {
            state,
            entry: Some(found),
            snat: entry.is_some_and(Entry::is_snat),
            dnat: entry.is_some_and(Entry::is_dnat),
        }
    }

    /// Inserts an entry made by [`Entry::new`] (after NAT bindings), giving it an id
    /// (`__nf_conntrack_confirm`). Refuses an entry whose tuples are already taken.
    pub fn confirm(&mut self, entry: Entry) -> Result<u32, ConfirmError> {
        for tuple in [entry.original, entry.reply] {
            if let Some((existing, _)) = self.lookup(&tuple, entry.zone) {
                return Err(ConfirmError::Clash { existing, tuple });
            }
        }
        let id = self.last_id.checked_add(1).ok_or(ConfirmError::Full)?;
        self.last_id = id;
        let entry = Entry {
            id,
            status: entry.status.with(Status::CONFIRMED),
            ..entry
        };
        self.index
            .insert((entry.zone, entry.original), (id, Direction::Original));
        self.index
            .insert((entry.zone, entry.reply), (id, Direction::Reply));
        self.entries.insert(id, entry);
        Ok(id)
    }

    /// Updates the entry `packet` belongs to (state machine, timeout, SEEN_REPLY) and returns
    /// whether the kernel would accept the packet. `None` when the packet has no entry.
    pub fn observe(&mut self, packet: &Packet, zone: u16, now: LabTime) -> Option<Transition> {
        let (id, direction) = self.lookup_packet(packet, zone)?;
        let entry = self.entries.get(&id)?;
        let (updated, transition) = entry.observe(packet, direction, now);
        self.entries.insert(id, updated);
        Some(transition)
    }

    /// The tuple NAT gives a (non-ICMP-error) packet of a tracked flow: the inverse of the other
    /// direction's tuple. For a reply this is the un-NAT target, e.g. the pod's
    /// `192.168.231.166:80 -> 192.168.56.128:40123` becomes `172.16.120.63:31000 -> 172.16.120.61:51234`.
    pub fn translation(&self, packet: &Packet, zone: u16) -> Option<Tuple> {
        let (id, direction) = self.lookup_packet(packet, zone)?;
        Some(self.get(id)?.tuple(direction.opposite()).invert())
    }

    /// The packet as NAT rewrites it on the way through: a packet matching one direction's
    /// tuple leaves looking like the inverse of the other direction's tuple
    /// (`nf_nat_packet`). Replies are un-NATed this way: a pod's answer to 192.168.56.128
    /// becomes the node's answer to the client. ICMP errors are rewritten outside and inside
    /// (`nf_nat_icmp_reply_translation`). `None` when no entry applies.
    pub fn nat_rewrite(&self, packet: &Packet, zone: u16) -> Option<Packet> {
        if let Payload::Icmp(message) = &packet.payload
            && message.is_error()
        {
            return self.rewrite_icmp_error(packet, message, zone);
        }
        let (id, direction) = self.lookup_packet(packet, zone)?;
        let entry = self.get(id)?;
        let target = entry.tuple(direction.opposite()).invert();
        Some(rewrite_to(packet, &target))
    }

    fn rewrite_icmp_error(
        &self,
        packet: &Packet,
        message: &IcmpMessage,
        zone: u16,
    ) -> Option<Packet> {
        let (id, direction) = self.related(packet, zone)?;
        let entry = self.get(id)?;
        let other = entry.tuple(direction.opposite());
        let this = entry.tuple(direction);
        // Outer header: rewrite only the sides NAT changed for this direction.
        let mut outer = packet.ip;
        if this.src != other.dst {
            outer.src = other.dst;
        }
        if this.dst != other.src {
            outer.dst = other.src;
        }
        // Inner packet: make it look like the packet the receiver of the error once sent.
        let original = message.original()?;
        let inner = rewrite_to(original, other);
        let message = match message {
            IcmpMessage::DestinationUnreachable { code, .. } => {
                IcmpMessage::DestinationUnreachable {
                    code: *code,
                    original: Box::new(inner),
                }
            }
            IcmpMessage::TimeExceeded { .. } => IcmpMessage::TimeExceeded {
                original: Box::new(inner),
            },
            other_message => other_message.clone(),
        };
        Some(Packet {
            ip: outer,
            payload: Payload::Icmp(message),
        })
    }

    /// Removes one entry (`conntrack -D --id`).
    pub fn delete(&mut self, id: u32) -> Option<Entry> {
        let entry = self.entries.remove(&id)?;
        self.index.remove(&(entry.zone, entry.original));
        self.index.remove(&(entry.zone, entry.reply));
        Some(entry)
    }

    /// Removes every entry `filter` selects (`conntrack -D <filter>`), oldest first.
    pub fn delete_matching(&mut self, filter: &Filter) -> Vec<Entry> {
        let ids: Vec<u32> = self
            .entries
            .values()
            .filter(|entry| filter.matches(entry))
            .map(|entry| entry.id)
            .collect();
        ids.into_iter().filter_map(|id| self.delete(id)).collect()
    }

    /// Removes entries whose timeout ran out by `now` (the kernel's garbage collector).
    pub fn expire(&mut self, now: LabTime) -> Vec<Entry> {
        let ids: Vec<u32> = self
            .entries
            .values()
            .filter(|entry| entry.expired(now))
            .map(|entry| entry.id)
            .collect();
        ids.into_iter().filter_map(|id| self.delete(id)).collect()
    }

    /// Empties the table (`conntrack -F`). Ids keep counting up.
    pub fn flush(&mut self) -> usize {
        let count = self.entries.len();
        self.entries.clear();
        self.index.clear();
        count
    }
}

/// Whether a packet with no entry may start one (`tcp_new`, `icmp_new`); others are INVALID.
fn can_open(packet: &Packet) -> bool {
    match &packet.payload {
        Payload::Tcp(segment) => {
            let flags = segment.flags;
            !flags.contains(TcpFlags::RST)
                && !flags.contains(TcpFlags::FIN)
                && (flags.contains(TcpFlags::SYN) != flags.contains(TcpFlags::ACK))
        }
        Payload::Icmp(message) => matches!(message, IcmpMessage::EchoRequest { .. }),
        Payload::Udp(_) | Payload::Ipip(_) => true,
    }
}

/// `packet` with its addresses (and ports or echo id) set to `tuple`'s.
fn rewrite_to(packet: &Packet, tuple: &Tuple) -> Packet {
    let moved = packet.with_src(tuple.src).with_dst(tuple.dst);
    match tuple.l4 {
        TupleL4::Ports { src, dst } => moved.with_ports(src, dst),
        TupleL4::Icmp { id, .. } => match moved.payload {
            Payload::Icmp(IcmpMessage::EchoRequest { seq, data_len, .. }) => Packet {
                ip: moved.ip,
                payload: Payload::Icmp(IcmpMessage::EchoRequest { id, seq, data_len }),
            },
            Payload::Icmp(IcmpMessage::EchoReply { seq, data_len, .. }) => Packet {
                ip: moved.ip,
                payload: Payload::Icmp(IcmpMessage::EchoReply { id, seq, data_len }),
            },
            _ => moved,
        },
        TupleL4::None => moved,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::conntrack::TcpState;
    use crate::packet::{TcpSegment, UdpDatagram, UnreachableCode};

    fn addr(text: &str) -> Ipv4Addr {
        text.parse().unwrap()
    }

    const CLIENT: &str = "172.16.120.61";
    const NODE: &str = "172.16.120.63";
    const POD: &str = "192.168.231.166";
    const TUNL0: &str = "192.168.56.128";

    /// The seed's NodePort flow on node1: DNAT to the pod, MASQUERADE to tunl0's address.
    fn nodeport_table() -> (ConntrackTable, u32, Packet) {
        let syn = Packet::tcp(
            addr(CLIENT),
            addr(NODE),
            TcpSegment::syn(51234, 31000, 1000),
        );
        let mut table = ConntrackTable::new();
        assert_eq!(table.classify(&syn, 0).state, CtState::New);
        let entry = Entry::new(&syn, 0, LabTime::default())
            .unwrap()
            .with_dnat(addr(POD), Some(80))
            .with_snat(addr(TUNL0), Some(40123));
        let id = table.confirm(entry).unwrap();
        (table, id, syn)
    }

    #[test]
    fn lookup_works_from_both_directions() {
        let (table, id, syn) = nodeport_table();
        assert_eq!(
            table.lookup_packet(&syn, 0),
            Some((id, Direction::Original))
        );
        let pod_reply = Packet::tcp(addr(POD), addr(TUNL0), TcpSegment::syn(80, 40123, 0));
        assert_eq!(
            table.lookup_packet(&pod_reply, 0),
            Some((id, Direction::Reply))
        );
        assert_eq!(table.lookup_packet(&pod_reply, 1), None);
    }

    #[test]
    fn reply_is_un_natted_and_established() {
        let (mut table, id, syn) = nodeport_table();
        let mut synack = syn
            .with_dst(addr(POD))
            .with_src(addr(TUNL0))
            .with_ports(40123, 80)
            .reply()
            .unwrap();
        synack.ip.src = addr(POD);
        let info = table.classify(&synack, 0);
        assert_eq!(info.state, CtState::Established);
        assert_eq!(info.entry, Some((id, Direction::Reply)));
        assert_eq!(info.state_names(), vec!["ESTABLISHED", "SNAT", "DNAT"]);

        let target = table.translation(&synack, 0).unwrap();
        assert_eq!(
            target.to_string(),
            "src=172.16.120.63 dst=172.16.120.61 sport=31000 dport=51234"
        );
        let un_natted = table.nat_rewrite(&synack, 0).unwrap();
        assert_eq!(
            un_natted.endpoints().unwrap().to_string_for_test(),
            "172.16.120.63:31000 -> 172.16.120.61:51234"
        );

        assert_eq!(
            table.observe(&synack, 0, LabTime::default()),
            Some(Transition::Accepted)
        );
        assert_eq!(table.get(id).unwrap().tcp_state, Some(TcpState::SynRecv));

        // The client's next packet is ESTABLISHED and is DNATed and SNATed from the entry.
        let ack = Packet::tcp(
            addr(CLIENT),
            addr(NODE),
            TcpSegment::established(51234, 31000, 1001, 1, TcpFlags::empty()),
        );
        assert_eq!(table.classify(&ack, 0).state, CtState::Established);
        let natted = table.nat_rewrite(&ack, 0).unwrap();
        assert_eq!(
            natted.endpoints().unwrap().to_string_for_test(),
            "192.168.56.128:40123 -> 192.168.231.166:80"
        );
        table.observe(&ack, 0, LabTime::default());
        let entry = table.get(id).unwrap();
        assert_eq!(entry.tcp_state, Some(TcpState::Established));
        assert!(entry.status.contains(Status::ASSURED));
    }

    #[test]
    fn invalid_and_new_without_an_entry() {
        let table = ConntrackTable::new();
        let stray = Packet::tcp(
            addr(POD),
            addr(TUNL0),
            TcpSegment::established(80, 40123, 1, 1, TcpFlags::RST),
        );
        assert_eq!(table.classify(&stray, 0).state, CtState::Invalid);
        let mut synack = TcpSegment::syn(80, 40123, 1);
        synack.flags = TcpFlags::SYN | TcpFlags::ACK;
        assert_eq!(
            table
                .classify(&Packet::tcp(addr(POD), addr(TUNL0), synack), 0)
                .state,
            CtState::Invalid
        );
        let udp = Packet::udp(addr(CLIENT), addr(NODE), UdpDatagram::opaque(40000, 53, 30));
        assert_eq!(
            table.classify(&udp, 0),
            CtInfo {
                state: CtState::New,
                entry: None,
                snat: false,
                dnat: false
            }
        );
        assert_eq!(table.nat_rewrite(&udp, 0), None);
    }

    #[test]
    fn icmp_error_from_the_pod_is_related_and_rewritten_inside_and_out() {
        let (table, id, _) = nodeport_table();
        // The pod refuses: it quotes the packet as it received it (after DNAT and SNAT).
        let quoted = Packet::tcp(addr(TUNL0), addr(POD), TcpSegment::syn(40123, 80, 1000));
        let error = Packet::icmp(
            addr(POD),
            addr(TUNL0),
            IcmpMessage::DestinationUnreachable {
                code: UnreachableCode::Port,
                original: Box::new(quoted),
            },
        );
        let info = table.classify(&error, 0);
        assert_eq!(info.state, CtState::Related);
        assert_eq!(info.entry, Some((id, Direction::Reply)));
        let rewritten = table.nat_rewrite(&error, 0).unwrap();
        assert_eq!(
            (rewritten.ip.src, rewritten.ip.dst),
            (addr(NODE), addr(CLIENT))
        );
        let Payload::Icmp(message) = &rewritten.payload else {
            panic!("not ICMP")
        };
        let inner = message.original().unwrap();
        assert_eq!(
            inner.endpoints().unwrap().to_string_for_test(),
            "172.16.120.61:51234 -> 172.16.120.63:31000"
        );

        let unknown = Packet::icmp(
            addr(POD),
            addr(TUNL0),
            IcmpMessage::DestinationUnreachable {
                code: UnreachableCode::Port,
                original: Box::new(Packet::udp(
                    addr(TUNL0),
                    addr(POD),
                    UdpDatagram::opaque(1, 2, 3),
                )),
            },
        );
        assert_eq!(table.classify(&unknown, 0).state, CtState::Invalid);
    }

    #[test]
    fn clash_delete_and_flush() {
        let (mut table, id, syn) = nodeport_table();
        let again = Entry::new(&syn, 0, LabTime::default()).unwrap();
        assert!(
            matches!(table.confirm(again), Err(ConfirmError::Clash { existing, .. }) if existing == id)
        );
        // Same flow in another zone is a different entry.
        assert!(
            table
                .confirm(Entry::new(&syn, 5, LabTime::default()).unwrap())
                .is_ok()
        );
        assert_eq!(table.len(), 2);
        let removed = table.delete(id).unwrap();
        assert_eq!(removed.id, id);
        assert_eq!(table.lookup_packet(&syn, 0), None);
        assert_eq!(table.flush(), 1);
        assert!(table.is_empty());
    }

    // kube-proxy's UDP cleanup (kube-proxy-iptables.md section 11.1): entries for the
    // Service IP whose reply comes from a removed endpoint are deleted; others stay.
    #[test]
    fn kube_proxy_stale_udp_cleanup() {
        let mut table = ConntrackTable::new();
        let service = addr("10.96.0.10");
        for (client_port, endpoint) in [(40000, "192.168.231.166"), (40001, "192.168.231.167")] {
            let query = Packet::udp(
                addr("192.168.56.130"),
                service,
                UdpDatagram::opaque(client_port, 53, 40),
            );
            let entry = Entry::new(&query, 0, LabTime::default())
                .unwrap()
                .with_dnat(addr(endpoint), None);
            table.confirm(entry).unwrap();
        }
        let filter = Filter {
            protocol: Some(IpProtocol::Udp),
            orig_dst: Some(service),
            reply_src: Some(addr("192.168.231.167")),
            ..Filter::default()
        };
        assert_eq!(
            filter.to_string(),
            "-p udp --orig-dst 10.96.0.10 --reply-src 192.168.231.167"
        );
        let removed = table.delete_matching(&filter);
        assert_eq!(removed.len(), 1);
        assert_eq!(removed[0].original.src_port(), Some(40001));
        assert_eq!(table.len(), 1);
    }

    #[test]
    fn expiry_removes_timed_out_entries() {
        let (mut table, _, _) = nodeport_table();
        // A lone SYN_SENT entry lives 120 seconds.
        assert!(table.expire(LabTime::default().plus_secs(119)).is_empty());
        assert_eq!(table.expire(LabTime::default().plus_secs(120)).len(), 1);
    }

    trait EndpointsText {
        fn to_string_for_test(&self) -> String;
    }

    impl EndpointsText for crate::packet::Endpoints {
        fn to_string_for_test(&self) -> String {
            format!(
                "{}:{} -> {}:{}",
                self.src, self.src_port, self.dst, self.dst_port
            )
        }
    }
}
