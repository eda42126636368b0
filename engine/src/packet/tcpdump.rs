//! The line `tcpdump -n` prints for a packet, byte for byte (default verbosity).
//!
//! Part of [`crate::packet`]: the text form learners compare with their own captures. The
//! formats are ports of tcpdump's printers (`ip_print` in print-ip.c, `tcp_print` in
//! print-tcp.c, `udp_print`, `icmp_print`, `ns_print` in print-domain.c, `ether_print`), and
//! every shape here was checked against real tcpdump 4.99.3 output recorded in
//! engine/tests/packet/observed/ (see the README there).
//!
//! A [`Capture`] is one `tcpdump` process on one interface. It is stateful because tcpdump
//! is: after the first ACK-carrying segment of a connection it prints sequence and
//! acknowledgement numbers relative to that segment (`tcp_seq_hash` in print-tcp.c; `-S`
//! turns this off).

use std::collections::BTreeMap;
use std::fmt::{self, Write as _};
use std::net::Ipv4Addr;

use super::dns::{DnsMessage, DnsRcode};
use super::icmp::UnreachableCode;
use super::{
    IcmpMessage, LabTime, Packet, Payload, TcpFlags, TcpOption, TcpSegment, UdpDatagram, UdpPayload,
};

/// Which tcpdump prints the lines. They differ in one visible way for this lab.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum TcpdumpVersion {
    /// tcpdump 4.99.x (Debian 12, Ubuntu 22.04 and later): IPIP is printed as two nested
    /// `IP` headers and nothing more.
    #[default]
    V4_99,
    /// tcpdump 4.9.x (CentOS 7/8, Ubuntu 18.04/20.04): IPIP lines end with ` (ipip-proto-4)`
    /// (`ip_demux_print` in 4.9's print-ip.c appends it when not verbose).
    V4_9,
}

/// The link-layer type of the capture interface (`link-type` in tcpdump's banner).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LinkType {
    /// `EN10MB (Ethernet)`: eth0, veths, cali* devices.
    Ethernet,
    /// `RAW (Raw IP)`: tunl0 has no link-layer header, so `-e` prints just `ip: `.
    RawIp,
}

impl LinkType {
    /// The name and description tcpdump's banner uses.
    pub fn banner_name(self) -> &'static str {
        match self {
            LinkType::Ethernet => "EN10MB (Ethernet)",
            LinkType::RawIp => "RAW (Raw IP)",
        }
    }
}

/// A 48-bit Ethernet address, printed as tcpdump does (`4e:1e:09:96:d9:2b`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct MacAddress(pub [u8; 6]);

impl fmt::Display for MacAddress {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let [a, b, c, d, e, g] = self.0;
        write!(f, "{a:02x}:{b:02x}:{c:02x}:{d:02x}:{e:02x}:{g:02x}")
    }
}

/// Source and destination Ethernet addresses of a frame, for `-e`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub struct EthernetAddresses {
    pub src: MacAddress,
    pub dst: MacAddress,
}

/// Bytes of an Ethernet II header.
pub const ETHERNET_HEADER_LEN: u16 = 14;

/// tcpdump's default snapshot length (`MAXIMUM_SNAPLEN`).
pub const SNAPSHOT_LEN: u32 = 262_144;

/// The key tcpdump's `tcp_seq_hash` uses: the lower port's side first.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
struct SeqKey {
    src: Ipv4Addr,
    dst: Ipv4Addr,
    src_port: u16,
    dst_port: u16,
}

/// The remembered base numbers of one connection.
#[derive(Clone, Copy, Debug)]
struct SeqBase {
    seq: u32,
    ack: u32,
}

/// One `tcpdump -n` on one interface.
#[derive(Clone, Debug)]
pub struct Capture {
    interface: String,
    link: LinkType,
    link_header: bool,
    version: TcpdumpVersion,
    absolute_seq: bool,
    seq_bases: BTreeMap<SeqKey, SeqBase>,
}

impl Capture {
    /// `tcpdump -n -i <interface>` with default options.
    pub fn new(interface: &str, link: LinkType) -> Capture {
        Capture {
            interface: interface.to_string(),
            link,
            link_header: false,
            version: TcpdumpVersion::default(),
            absolute_seq: false,
            seq_bases: BTreeMap::new(),
        }
    }

    /// Adds `-e` (print the link-level header).
    pub fn with_link_header(self, link_header: bool) -> Capture {
        Capture {
            link_header,
            ..self
        }
    }

    /// Chooses the tcpdump release whose output to mimic.
    pub fn with_version(self, version: TcpdumpVersion) -> Capture {
        Capture { version, ..self }
    }

    /// Adds `-S` (absolute TCP sequence numbers).
    pub fn with_absolute_seq(self, absolute_seq: bool) -> Capture {
        Capture {
            absolute_seq,
            ..self
        }
    }

    /// What tcpdump writes to stderr when it starts (without `-v`).
    pub fn banner(&self) -> String {
        format!(
            "tcpdump: verbose output suppressed, use -v[v]... for full protocol decode\nlistening on {}, link-type {}, snapshot length {SNAPSHOT_LEN} bytes\n",
            self.interface,
            self.link.banner_name()
        )
    }

    /// What tcpdump writes to stderr when it is interrupted after `count` packets.
    pub fn summary(count: u64) -> String {
        format!(
            "{count} packets captured\n{count} packets received by filter\n0 packets dropped by kernel\n"
        )
    }

    /// The line for `packet` captured at `time`. With `-e` on an Ethernet interface the MAC
    /// addresses are all zero; use [`Capture::line_with_macs`] to give real ones.
    pub fn line(&mut self, time: LabTime, packet: &Packet) -> String {
        self.line_with_macs(time, EthernetAddresses::default(), packet)
    }

    /// The line for `packet` in a frame from `macs` (only printed with `-e`).
    pub fn line_with_macs(
        &mut self,
        time: LabTime,
        macs: EthernetAddresses,
        packet: &Packet,
    ) -> String {
        let mut out = String::new();
        let _ = write!(out, "{time} ");
        if self.link_header {
            match self.link {
                LinkType::Ethernet => {
                    let frame_len = u32::from(ETHERNET_HEADER_LEN) + u32::from(packet.total_len());
                    let _ = write!(
                        out,
                        "{} > {}, ethertype IPv4 (0x0800), length {frame_len}: ",
                        macs.src, macs.dst
                    );
                }
                LinkType::RawIp => out.push_str("ip: "),
            }
        }
        self.ip(&mut out, packet);
        out
    }

    /// `ip_print`: `IP ` (unless `-e`), then the transport printer.
    fn ip(&mut self, out: &mut String, packet: &Packet) {
        if !self.link_header {
            out.push_str("IP ");
        }
        let (src, dst) = (packet.ip.src, packet.ip.dst);
        match &packet.payload {
            Payload::Tcp(segment) => {
                let _ = write!(
                    out,
                    "{src}.{} > {dst}.{}: ",
                    segment.src_port, segment.dst_port
                );
                self.tcp(out, src, dst, segment);
            }
            Payload::Udp(datagram) => {
                let _ = write!(
                    out,
                    "{src}.{} > {dst}.{}: ",
                    datagram.src_port, datagram.dst_port
                );
                udp(out, datagram);
            }
            Payload::Icmp(message) => {
                let _ = write!(out, "{src} > {dst}: ICMP ");
                icmp(out, message);
            }
            Payload::Ipip(inner) => {
                let _ = write!(out, "{src} > {dst}: ");
                self.ip(out, inner);
                if self.version == TcpdumpVersion::V4_9 {
                    out.push_str(" (ipip-proto-4)");
                }
            }
        }
    }

    /// `tcp_print` at default verbosity.
    fn tcp(&mut self, out: &mut String, src: Ipv4Addr, dst: Ipv4Addr, segment: &TcpSegment) {
        let flags = segment.flags;
        let (seq, ack) = self.relative(src, dst, segment);
        let _ = write!(out, "Flags [{}]", flag_text(flags));
        if segment.payload_len > 0
            || flags.intersects(TcpFlags::SYN | TcpFlags::FIN | TcpFlags::RST)
        {
            let _ = write!(out, ", seq {seq}");
            if segment.payload_len > 0 {
                let _ = write!(out, ":{}", seq.wrapping_add(u32::from(segment.payload_len)));
            }
        }
        if flags.contains(TcpFlags::ACK) {
            let _ = write!(out, ", ack {ack}");
        }
        let _ = write!(out, ", win {}", segment.window);
        if flags.contains(TcpFlags::URG) {
            let _ = write!(out, ", urg {}", segment.urgent);
        }
        if !segment.options.is_empty() {
            let options: Vec<String> = segment
                .options
                .iter()
                .map(|option| option_text(*option))
                .collect();
            let _ = write!(out, ", options [{}]", options.join(","));
        }
        let _ = write!(out, ", length {}", segment.payload_len);
        if segment.payload_len > 0 && is_http_port(segment.src_port, segment.dst_port) {
            out.push_str(": HTTP");
            if let Some(app) = &segment.app {
                let _ = write!(out, ": {app}");
            }
        }
    }

    /// tcpdump's relative sequence numbers (print-tcp.c, the `tcp_seq_hash` block): only for
    /// segments with ACK; the first such segment of a connection, and every SYN, sets the
    /// base and is printed with absolute numbers.
    fn relative(&mut self, src: Ipv4Addr, dst: Ipv4Addr, segment: &TcpSegment) -> (u32, u32) {
        let (seq, ack) = (segment.seq, segment.ack);
        if self.absolute_seq || !segment.flags.contains(TcpFlags::ACK) {
            return (seq, ack);
        }
        let (sport, dport) = (segment.src_port, segment.dst_port);
        let reversed = sport > dport || (sport == dport && u32::from(src) > u32::from(dst));
        let key = if reversed {
            SeqKey {
                src: dst,
                dst: src,
                src_port: dport,
                dst_port: sport,
            }
        } else {
            SeqKey {
                src,
                dst,
                src_port: sport,
                dst_port: dport,
            }
        };
        match self.seq_bases.get(&key) {
            Some(base) if !segment.flags.contains(TcpFlags::SYN) => {
                if reversed {
                    (seq.wrapping_sub(base.ack), ack.wrapping_sub(base.seq))
                } else {
                    (seq.wrapping_sub(base.seq), ack.wrapping_sub(base.ack))
                }
            }
            _ => {
                let base = if reversed {
                    SeqBase {
                        ack: seq,
                        seq: ack.wrapping_sub(1),
                    }
                } else {
                    SeqBase {
                        seq,
                        ack: ack.wrapping_sub(1),
                    }
                };
                self.seq_bases.insert(key, base);
                (seq, ack)
            }
        }
    }
}

/// tcpdump's `tcp_flag_values` order: F S R P . U E W; `none` when empty.
pub(crate) fn flag_text(flags: TcpFlags) -> String {
    const ORDER: [(TcpFlags, char); 8] = [
        (TcpFlags::FIN, 'F'),
        (TcpFlags::SYN, 'S'),
        (TcpFlags::RST, 'R'),
        (TcpFlags::PSH, 'P'),
        (TcpFlags::ACK, '.'),
        (TcpFlags::URG, 'U'),
        (TcpFlags::ECE, 'E'),
        (TcpFlags::CWR, 'W'),
    ];
    let text: String = ORDER
        .iter()
        .filter(|(flag, _)| flags.contains(*flag))
        .map(|(_, c)| *c)
        .collect();
    if text.is_empty() {
        "none".to_string()
    } else {
        text
    }
}

/// One TCP option as `tcp_print` writes it.
fn option_text(option: TcpOption) -> String {
    match option {
        TcpOption::EndOfList => "eol".to_string(),
        TcpOption::Nop => "nop".to_string(),
        TcpOption::Mss(mss) => format!("mss {mss}"),
        TcpOption::WindowScale(shift) => format!("wscale {shift}"),
        TcpOption::SackPermitted => "sackOK".to_string(),
        TcpOption::Timestamps { value, echo } => format!("TS val {value} ecr {echo}"),
    }
}

/// tcpdump hands TCP data to its HTTP printer on ports 80 and 8080 (`HTTP_PORT`,
/// `HTTP_PORT_ALT`); 8000, 3128 and NodePorts get no decoding (observed).
fn is_http_port(src_port: u16, dst_port: u16) -> bool {
    [80, 8080]
        .iter()
        .any(|port| src_port == *port || dst_port == *port)
}

/// `udp_print`: DNS on port 53, otherwise `UDP, length N`.
fn udp(out: &mut String, datagram: &UdpDatagram) {
    match &datagram.payload {
        UdpPayload::Dns(message) if datagram.src_port == 53 || datagram.dst_port == 53 => {
            dns(out, message)
        }
        payload => {
            let _ = write!(out, "UDP, length {}", payload.wire_len());
        }
    }
}

/// `ns_print` at default verbosity: `id[+] A? name. (len)` for a query,
/// `id[ rcode][*][-] an/ns/ar A addr, A addr (len)` for a response.
fn dns(out: &mut String, message: &DnsMessage) {
    if message.is_response {
        let _ = write!(out, "{}", message.id);
        if message.rcode == DnsRcode::NxDomain {
            out.push_str(" NXDomain");
        }
        if message.authoritative {
            out.push('*');
        }
        if !message.recursion_available {
            out.push('-');
        }
        // The authority section is not modelled (CoreDNS puts an SOA there for NXDOMAIN, which
        // real tcpdump shows as `0/1/0`); the counts and length describe the engine's message.
        let _ = write!(out, " {}/0/0", message.answers.len());
        for (index, answer) in message.answers.iter().enumerate() {
            out.push_str(if index == 0 { " " } else { ", " });
            let _ = write!(out, "A {answer}");
        }
    } else {
        let _ = write!(out, "{}", message.id);
        if message.recursion_desired {
            out.push('+');
        }
        let _ = write!(out, " A? {}", message.question.fqdn());
    }
    let _ = write!(out, " ({})", message.wire_len());
}

/// `icmp_print` at default verbosity (after `ICMP `).
fn icmp(out: &mut String, message: &IcmpMessage) {
    match message {
        IcmpMessage::EchoRequest { id, seq, .. } => {
            let _ = write!(out, "echo request, id {id}, seq {seq}");
        }
        IcmpMessage::EchoReply { id, seq, .. } => {
            let _ = write!(out, "echo reply, id {id}, seq {seq}");
        }
        IcmpMessage::DestinationUnreachable { code, original } => {
            let dst = original.ip.dst;
            match code {
                UnreachableCode::Net => {
                    let _ = write!(out, "net {dst} unreachable");
                }
                UnreachableCode::Host => {
                    let _ = write!(out, "host {dst} unreachable");
                }
                UnreachableCode::AdminProhibited => {
                    let _ = write!(out, "host {dst} unreachable - admin prohibited filter");
                }
                UnreachableCode::Port => match original.dst_port() {
                    Some(port) => {
                        let _ =
                            write!(out, "{dst} {} port {port} unreachable", original.protocol());
                    }
                    None => {
                        let _ = write!(
                            out,
                            "{dst} protocol {} port unreachable",
                            original.protocol().number()
                        );
                    }
                },
            }
        }
        IcmpMessage::TimeExceeded { .. } => out.push_str("time exceeded in-transit"),
    }
    let _ = write!(out, ", length {}", message.wire_len());
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::packet::AppData;
    use crate::packet::tcp::linux_syn_options as linux_syn_options_for_tests;

    fn addr(text: &str) -> Ipv4Addr {
        text.parse().unwrap()
    }

    fn at(micros: u64) -> LabTime {
        LabTime::hms_micros(16, 12, 34, micros)
    }

    // The handshake of engine/tests/packet/observed/tcpdump-nodeport-client-side.txt, line by line.
    #[test]
    fn real_handshake_with_relative_numbers() {
        let client = addr("172.16.120.61");
        let node = addr("172.16.120.63");
        let mut capture = Capture::new("vb", LinkType::Ethernet);

        let mut syn = TcpSegment::syn(51234, 31000, 3055388847);
        syn.options = linux_syn_options_for_tests(1460, 215343809, 0, 10);
        assert_eq!(
            capture.line(at(299084), &Packet::tcp(client, node, syn)),
            "16:12:34.299084 IP 172.16.120.61.51234 > 172.16.120.63.31000: Flags [S], seq 3055388847, win 64240, options [mss 1460,sackOK,TS val 215343809 ecr 0,nop,wscale 10], length 0"
        );

        let mut synack = TcpSegment::syn(31000, 51234, 854955355);
        synack.flags = TcpFlags::SYN | TcpFlags::ACK;
        synack.ack = 3055388848;
        synack.window = 65160;
        synack.options = linux_syn_options_for_tests(1460, 3222897252, 215343809, 10);
        assert_eq!(
            capture.line(at(299528), &Packet::tcp(node, client, synack)),
            "16:12:34.299528 IP 172.16.120.63.31000 > 172.16.120.61.51234: Flags [S.], seq 854955355, ack 3055388848, win 65160, options [mss 1460,sackOK,TS val 3222897252 ecr 215343809,nop,wscale 10], length 0"
        );

        let mut ack =
            TcpSegment::established(51234, 31000, 3055388848, 854955356, TcpFlags::empty());
        ack.window = 63;
        ack.options = vec![
            TcpOption::Nop,
            TcpOption::Nop,
            TcpOption::Timestamps {
                value: 215343810,
                echo: 3222897252,
            },
        ];
        assert_eq!(
            capture.line(at(299605), &Packet::tcp(client, node, ack.clone())),
            "16:12:34.299605 IP 172.16.120.61.51234 > 172.16.120.63.31000: Flags [.], ack 1, win 63, options [nop,nop,TS val 215343810 ecr 3222897252], length 0"
        );

        let mut push = ack;
        push.flags = TcpFlags::PSH | TcpFlags::ACK;
        push.payload_len = 82;
        assert_eq!(
            capture.line(at(299921), &Packet::tcp(client, node, push)),
            "16:12:34.299921 IP 172.16.120.61.51234 > 172.16.120.63.31000: Flags [P.], seq 1:83, ack 1, win 63, options [nop,nop,TS val 215343810 ecr 3222897252], length 82"
        );
    }

    // From engine/tests/packet/observed/tcpdump-nodeport-pod-side.txt: port 80 data is decoded.
    #[test]
    fn http_first_line_on_port_80_only() {
        let mut capture = Capture::new("vc", LinkType::Ethernet).with_absolute_seq(true);
        let mut push = TcpSegment::established(51234, 80, 1, 1, TcpFlags::PSH);
        push.window = 63;
        push.options.clear();
        push.payload_len = 82;
        push.app = Some(AppData::HttpRequest {
            method: "GET".into(),
            target: "/".into(),
        });
        let packet = Packet::tcp(
            addr("192.168.56.128"),
            addr("192.168.231.166"),
            push.clone(),
        );
        assert!(
            capture
                .line(at(0), &packet)
                .ends_with("length 82: HTTP: GET / HTTP/1.1")
        );
        push.dst_port = 31000;
        let packet = Packet::tcp(
            addr("192.168.56.128"),
            addr("192.168.231.166"),
            push.clone(),
        );
        assert!(capture.line(at(0), &packet).ends_with("length 82"));
        push.dst_port = 8080;
        push.app = None;
        let packet = Packet::tcp(addr("192.168.56.128"), addr("192.168.231.166"), push);
        assert!(capture.line(at(0), &packet).ends_with("length 82: HTTP"));
    }

    #[test]
    fn flags_follow_tcpdump_order() {
        assert_eq!(
            flag_text(TcpFlags::SYN | TcpFlags::ACK | TcpFlags::ECE | TcpFlags::CWR),
            "S.EW"
        );
        assert_eq!(
            flag_text(TcpFlags::PSH | TcpFlags::ACK | TcpFlags::URG),
            "P.U"
        );
        assert_eq!(
            flag_text(TcpFlags::FIN | TcpFlags::PSH | TcpFlags::URG),
            "FPU"
        );
        assert_eq!(flag_text(TcpFlags::empty()), "none");
    }

    #[test]
    fn link_header_forms() {
        let inner = Packet::tcp(
            addr("192.168.56.128"),
            addr("192.168.231.166"),
            TcpSegment::syn(40123, 80, 123456),
        );
        let mut raw = Capture::new("tunl0", LinkType::RawIp).with_link_header(true);
        assert!(
            raw.line(at(0), &inner)
                .starts_with("16:12:34.000000 ip: 192.168.56.128.40123 > ")
        );
        let outer = inner.encapsulate_ipip(addr("172.16.120.63"), addr("172.16.120.64"));
        let mut eth = Capture::new("eth0", LinkType::Ethernet).with_link_header(true);
        let macs = EthernetAddresses {
            src: MacAddress([2, 0, 0, 0, 0, 1]),
            dst: MacAddress([2, 0, 0, 0, 0, 2]),
        };
        assert!(eth.line_with_macs(at(0), macs, &outer).starts_with(
            "16:12:34.000000 02:00:00:00:00:01 > 02:00:00:00:00:02, ethertype IPv4 (0x0800), length 94: 172.16.120.63 > 172.16.120.64: 192.168.56.128.40123 > 192.168.231.166.80: Flags [S]"
        ));
    }

    #[test]
    fn banner_matches_real_stderr() {
        let capture = Capture::new("vb", LinkType::Ethernet);
        assert_eq!(
            capture.banner(),
            "tcpdump: verbose output suppressed, use -v[v]... for full protocol decode\nlistening on vb, link-type EN10MB (Ethernet), snapshot length 262144 bytes\n"
        );
        assert_eq!(
            Capture::summary(0),
            "0 packets captured\n0 packets received by filter\n0 packets dropped by kernel\n"
        );
    }
}
