//! A packet as a value: an IPv4 header plus a typed payload, never a byte buffer.
//!
//! This is smoltcp's `Repr` idea (`src/wire/ipv4.rs`, `src/wire/tcp.rs`): every field the
//! emulator reasons about is a plain public field, and fields that follow from others (the
//! IP protocol number, the total length, the TCP data offset) are computed, so a packet
//! cannot claim to be UDP while carrying a TCP segment. Ports exist only on TCP and UDP.
//!
//! Where it sits: the tracer (later) takes a [`Packet`] and a [`PacketMeta`] through each hop
//! and gets new values back. NAT calls [`Packet::with_dst`] and friends; Calico's tunl0 calls
//! [`Packet::encapsulate_ipip`]; the UI marks what changed with [`diff::diff`]. The text forms
//! live next door: [`tcpdump`] prints what `tcpdump -n` shows, and `crate::conntrack` keeps
//! the kernel's connection table.

pub mod diff;
pub mod dns;
pub mod icmp;
pub mod meta;
pub mod tcp;
pub mod tcpdump;
pub mod time;
pub mod udp;

use std::fmt;
use std::net::Ipv4Addr;

use crate::net::Protocol;

pub use self::diff::{FieldChange, HeaderField, Layer};
pub use self::dns::{DnsMessage, DnsQuestion};
pub use self::icmp::{IcmpMessage, UnreachableCode};
pub use self::meta::PacketMeta;
pub use self::tcp::{AppData, TcpFlags, TcpOption, TcpSegment, linux_syn_options};
pub use self::time::LabTime;
pub use self::udp::{UdpDatagram, UdpPayload};

/// Length of an IPv4 header without options (the engine never emits IP options).
pub const IPV4_HEADER_LEN: u16 = 20;

/// Default TTL of a Linux host (`net.ipv4.ip_default_ttl = 64`).
pub const DEFAULT_TTL: u8 = 64;

/// The IP protocol numbers the engine models (IANA "Assigned Internet Protocol Numbers").
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum IpProtocol {
    /// ICMP, protocol 1.
    Icmp,
    /// IPv4-in-IPv4 (`IPPROTO_IPIP`), protocol 4: what Calico's tunl0 sends.
    Ipip,
    /// TCP, protocol 6.
    Tcp,
    /// UDP, protocol 17.
    Udp,
}

impl IpProtocol {
    /// The protocol number in the IPv4 header.
    pub fn number(self) -> u8 {
        match self {
            IpProtocol::Icmp => 1,
            IpProtocol::Ipip => 4,
            IpProtocol::Tcp => 6,
            IpProtocol::Udp => 17,
        }
    }

    /// The lower-case name iptables and conntrack print (`/etc/protocols`): `icmp`, `ipencap`, `tcp`, `udp`.
    pub fn name(self) -> &'static str {
        match self {
            IpProtocol::Icmp => "icmp",
            IpProtocol::Ipip => "ipencap",
            IpProtocol::Tcp => "tcp",
            IpProtocol::Udp => "udp",
        }
    }

    /// The transport protocol a Service port would name, if this is one.
    pub fn transport(self) -> Option<Protocol> {
        match self {
            IpProtocol::Tcp => Some(Protocol::Tcp),
            IpProtocol::Udp => Some(Protocol::Udp),
            IpProtocol::Icmp | IpProtocol::Ipip => None,
        }
    }
}

impl fmt::Display for IpProtocol {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// The two ECN bits of the TOS byte (RFC 3168 section 5).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub enum Ecn {
    /// `00`: the sender does not do ECN.
    #[default]
    NotEct,
    /// `01`: ECN-capable transport, ECT(1).
    Ect1,
    /// `10`: ECN-capable transport, ECT(0).
    Ect0,
    /// `11`: congestion experienced.
    Ce,
}

impl Ecn {
    /// The two low bits of the TOS byte.
    pub fn bits(self) -> u8 {
        match self {
            Ecn::NotEct => 0,
            Ecn::Ect1 => 1,
            Ecn::Ect0 => 2,
            Ecn::Ce => 3,
        }
    }

    /// The ECN field of a TOS byte.
    pub fn from_tos(tos: u8) -> Ecn {
        match tos & 3 {
            1 => Ecn::Ect1,
            2 => Ecn::Ect0,
            3 => Ecn::Ce,
            _ => Ecn::NotEct,
        }
    }
}

/// The IPv4 header fields the emulator cares about. Protocol and total length are not
/// stored: they follow from the payload (see [`Packet::protocol`], [`Packet::total_len`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Ipv4Header {
    pub src: Ipv4Addr,
    pub dst: Ipv4Addr,
    pub ttl: u8,
    /// The identification field.
    pub id: u16,
    /// The Don't Fragment flag. Linux sets it on TCP (path MTU discovery is on by default).
    pub df: bool,
    /// The six DSCP bits (the TOS byte without ECN).
    pub dscp: u8,
    pub ecn: Ecn,
}

impl Ipv4Header {
    /// A header as a Linux host sends it by default: TTL 64, DF set, TOS 0.
    pub fn new(src: Ipv4Addr, dst: Ipv4Addr) -> Ipv4Header {
        Ipv4Header {
            src,
            dst,
            ttl: DEFAULT_TTL,
            id: 0,
            df: true,
            dscp: 0,
            ecn: Ecn::NotEct,
        }
    }

    /// The whole TOS byte, `dscp << 2 | ecn`.
    pub fn tos(&self) -> u8 {
        ((self.dscp & 0x3f) << 2) | self.ecn.bits()
    }
}

/// What an IPv4 packet carries.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum Payload {
    Tcp(TcpSegment),
    Udp(UdpDatagram),
    Icmp(IcmpMessage),
    /// A whole IPv4 packet inside (IP protocol 4), as Calico's tunl0 sends it.
    Ipip(Box<Packet>),
}

/// An IPv4 packet: header plus payload. Kernel-side state lives in [`PacketMeta`].
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Packet {
    pub ip: Ipv4Header,
    pub payload: Payload,
}

/// A transport endpoint pair: the part of a packet NAT rewrites.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Endpoints {
    pub src: Ipv4Addr,
    pub src_port: u16,
    pub dst: Ipv4Addr,
    pub dst_port: u16,
}

impl Packet {
    /// A TCP packet with default header fields.
    pub fn tcp(src: Ipv4Addr, dst: Ipv4Addr, segment: TcpSegment) -> Packet {
        Packet {
            ip: Ipv4Header::new(src, dst),
            payload: Payload::Tcp(segment),
        }
    }

    /// A UDP packet with default header fields. Linux leaves DF set on UDP too when path
    /// MTU discovery is on (`IP_PMTUDISC_WANT`, the default for sockets).
    pub fn udp(src: Ipv4Addr, dst: Ipv4Addr, datagram: UdpDatagram) -> Packet {
        Packet {
            ip: Ipv4Header::new(src, dst),
            payload: Payload::Udp(datagram),
        }
    }

    /// An ICMP packet. Linux sends ICMP errors without DF (`icmp_push_reply` uses
    /// `IP_PMTUDISC_DONT` on its control socket) but echo requests from `ping` with DF.
    pub fn icmp(src: Ipv4Addr, dst: Ipv4Addr, message: IcmpMessage) -> Packet {
        let df = !message.is_error();
        Packet {
            ip: Ipv4Header {
                df,
                ..Ipv4Header::new(src, dst)
            },
            payload: Payload::Icmp(message),
        }
    }

    /// The protocol field, derived from the payload.
    pub fn protocol(&self) -> IpProtocol {
        match self.payload {
            Payload::Tcp(_) => IpProtocol::Tcp,
            Payload::Udp(_) => IpProtocol::Udp,
            Payload::Icmp(_) => IpProtocol::Icmp,
            Payload::Ipip(_) => IpProtocol::Ipip,
        }
    }

    /// The length of everything after the IP header.
    pub fn payload_len(&self) -> u16 {
        match &self.payload {
            Payload::Tcp(segment) => segment.wire_len(),
            Payload::Udp(datagram) => datagram.wire_len(),
            Payload::Icmp(message) => message.wire_len(),
            Payload::Ipip(inner) => inner.total_len(),
        }
    }

    /// The IPv4 total length field: header plus payload (saturating at 65535).
    pub fn total_len(&self) -> u16 {
        IPV4_HEADER_LEN.saturating_add(self.payload_len())
    }

    /// The source port, for TCP and UDP.
    pub fn src_port(&self) -> Option<u16> {
        match &self.payload {
            Payload::Tcp(segment) => Some(segment.src_port),
            Payload::Udp(datagram) => Some(datagram.src_port),
            Payload::Icmp(_) | Payload::Ipip(_) => None,
        }
    }

    /// The destination port, for TCP and UDP.
    pub fn dst_port(&self) -> Option<u16> {
        match &self.payload {
            Payload::Tcp(segment) => Some(segment.dst_port),
            Payload::Udp(datagram) => Some(datagram.dst_port),
            Payload::Icmp(_) | Payload::Ipip(_) => None,
        }
    }

    /// Addresses and ports, for TCP and UDP.
    pub fn endpoints(&self) -> Option<Endpoints> {
        Some(Endpoints {
            src: self.ip.src,
            src_port: self.src_port()?,
            dst: self.ip.dst,
            dst_port: self.dst_port()?,
        })
    }

    /// The TCP segment, if this is TCP.
    pub fn tcp_segment(&self) -> Option<&TcpSegment> {
        match &self.payload {
            Payload::Tcp(segment) => Some(segment),
            _ => None,
        }
    }

    /// The same packet with a new source address.
    pub fn with_src(&self, src: Ipv4Addr) -> Packet {
        Packet {
            ip: Ipv4Header { src, ..self.ip },
            payload: self.payload.clone(),
        }
    }

    /// The same packet with a new destination address.
    pub fn with_dst(&self, dst: Ipv4Addr) -> Packet {
        Packet {
            ip: Ipv4Header { dst, ..self.ip },
            payload: self.payload.clone(),
        }
    }

    /// The same packet with new ports. ICMP and IPIP packets have no ports and come back unchanged.
    pub fn with_ports(&self, src_port: u16, dst_port: u16) -> Packet {
        let payload = match &self.payload {
            Payload::Tcp(segment) => Payload::Tcp(TcpSegment {
                src_port,
                dst_port,
                ..segment.clone()
            }),
            Payload::Udp(datagram) => Payload::Udp(UdpDatagram {
                src_port,
                dst_port,
                ..datagram.clone()
            }),
            other => other.clone(),
        };
        Packet {
            ip: self.ip,
            payload,
        }
    }

    /// The same packet with new addresses and ports, as DNAT and SNAT write them.
    pub fn with_endpoints(&self, endpoints: Endpoints) -> Packet {
        let moved = self.with_ports(endpoints.src_port, endpoints.dst_port);
        Packet {
            ip: Ipv4Header {
                src: endpoints.src,
                dst: endpoints.dst,
                ..moved.ip
            },
            payload: moved.payload,
        }
    }

    /// The packet after one routing hop (`ip_forward` decrements the TTL), or `None` when the
    /// TTL runs out (the kernel then sends ICMP time exceeded, `ip_forward` in net/ipv4/ip_forward.c).
    pub fn forwarded(&self) -> Option<Packet> {
        let ttl = self.ip.ttl.checked_sub(1).filter(|ttl| *ttl > 0)?;
        Some(Packet {
            ip: Ipv4Header { ttl, ..self.ip },
            payload: self.payload.clone(),
        })
    }

    /// Wraps this packet in an outer IPv4 header with protocol 4, as Linux's `ip_tunnel_xmit`
    /// (net/ipv4/ip_tunnel.c) does for Calico's tunl0 (`ttl inherit`, `tos inherit` off):
    /// the outer TTL is the inner TTL, the outer DF is the inner DF, the ECN bits are copied
    /// (`ip_tunnel_ecn_encap`), DSCP is 0.
    ///
    /// The kernel picks the outer identification with `__ip_select_ident` (a keyed hash, so
    /// effectively random); the engine copies the inner id instead so that output is stable.
    pub fn encapsulate_ipip(&self, outer_src: Ipv4Addr, outer_dst: Ipv4Addr) -> Packet {
        let outer = Ipv4Header {
            src: outer_src,
            dst: outer_dst,
            ttl: self.ip.ttl,
            id: self.ip.id,
            df: self.ip.df,
            dscp: 0,
            ecn: self.ip.ecn,
        };
        Packet {
            ip: outer,
            payload: Payload::Ipip(Box::new(self.clone())),
        }
    }

    /// The inner packet of an IPIP packet (what appears on the receiver's tunl0), or `None`.
    pub fn decapsulate(&self) -> Option<Packet> {
        match &self.payload {
            Payload::Ipip(inner) => Some((**inner).clone()),
            _ => None,
        }
    }

    /// The innermost packet: itself, or what an IPIP packet carries (recursively).
    pub fn innermost(&self) -> &Packet {
        match &self.payload {
            Payload::Ipip(inner) => inner.innermost(),
            _ => self,
        }
    }

    /// The skeleton of the answer a peer sends back: addresses and ports swapped, a fresh
    /// header (TTL 64, id 0), and a payload answering this one:
    /// SYN gets SYN-ACK (`ack = seq + 1`), a data or FIN segment gets a pure ACK, UDP gets an
    /// empty datagram (a DNS query gets an empty answer with the same id), an echo request
    /// gets an echo reply. ICMP errors, RSTs and IPIP packets get nothing.
    pub fn reply(&self) -> Option<Packet> {
        let header = Ipv4Header {
            src: self.ip.dst,
            dst: self.ip.src,
            ..Ipv4Header::new(self.ip.dst, self.ip.src)
        };
        let payload = match &self.payload {
            Payload::Tcp(segment) => Payload::Tcp(segment.reply()?),
            Payload::Udp(datagram) => Payload::Udp(datagram.reply()),
            Payload::Icmp(message) => Payload::Icmp(message.reply()?),
            Payload::Ipip(_) => return None,
        };
        Some(Packet {
            ip: header,
            payload,
        })
    }
}

/// A nested, one-layer-per-line view for traces, in the style of smoltcp's
/// `wire/pretty_print.rs`; each layer inside a tunnel is indented one more step.
impl fmt::Display for Packet {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.pretty(f, 0)
    }
}

impl Packet {
    fn pretty(&self, f: &mut fmt::Formatter<'_>, depth: usize) -> fmt::Result {
        let prefix = if depth == 0 {
            String::new()
        } else {
            format!("{}\\ ", " ".repeat(depth.saturating_sub(1)))
        };
        let df = if self.ip.df { " DF" } else { "" };
        write!(
            f,
            "{prefix}IPv4 src={} dst={} proto={} ttl={} id={}{df} len={}",
            self.ip.src,
            self.ip.dst,
            self.protocol().number(),
            self.ip.ttl,
            self.ip.id,
            self.total_len()
        )?;
        let inner_prefix = format!("{}\\ ", " ".repeat(depth));
        match &self.payload {
            Payload::Tcp(segment) => write!(
                f,
                "\n{inner_prefix}TCP src={} dst={} flags={} seq={} ack={} win={} len={}",
                segment.src_port,
                segment.dst_port,
                tcpdump::flag_text(segment.flags),
                segment.seq,
                segment.ack,
                segment.window,
                segment.payload_len
            ),
            Payload::Udp(datagram) => write!(
                f,
                "\n{inner_prefix}UDP src={} dst={} len={}",
                datagram.src_port,
                datagram.dst_port,
                datagram.payload.wire_len()
            ),
            Payload::Icmp(message) => {
                write!(
                    f,
                    "\n{inner_prefix}ICMP type={} code={} len={}",
                    message.kind(),
                    message.code(),
                    message.wire_len()
                )
            }
            Payload::Ipip(inner) => {
                f.write_str("\n")?;
                inner.pretty(f, depth.saturating_add(1))
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn addr(text: &str) -> Ipv4Addr {
        text.parse().unwrap()
    }

    fn syn() -> Packet {
        Packet::tcp(
            addr("192.168.56.128"),
            addr("192.168.231.166"),
            TcpSegment::syn(40123, 80, 123456),
        )
    }

    #[test]
    fn lengths_follow_from_the_payload() {
        // A Linux SYN carries 20 bytes of options (mss, sackOK, TS, nop, wscale): 20 + 40 = 60,
        // the `length 60` tcpdump -v prints for such a SYN.
        assert_eq!(syn().total_len(), 60);
        assert_eq!(syn().protocol(), IpProtocol::Tcp);
        let outer = syn().encapsulate_ipip(addr("172.16.120.63"), addr("172.16.120.64"));
        assert_eq!(outer.total_len(), 80);
        assert_eq!(outer.protocol().number(), 4);
    }

    #[test]
    fn ipip_copies_ttl_df_and_ecn_and_round_trips() {
        let mut inner = syn();
        inner.ip.ttl = 63;
        inner.ip.df = false;
        inner.ip.ecn = Ecn::Ect0;
        inner.ip.dscp = 10;
        let outer = inner.encapsulate_ipip(addr("172.16.120.63"), addr("172.16.120.64"));
        assert_eq!(outer.ip.ttl, 63);
        assert!(!outer.ip.df);
        assert_eq!(outer.ip.ecn, Ecn::Ect0);
        assert_eq!(outer.ip.dscp, 0);
        assert_eq!(outer.ip.src, addr("172.16.120.63"));
        assert_eq!(outer.decapsulate(), Some(inner.clone()));
        assert_eq!(inner.decapsulate(), None);
        assert_eq!(outer.innermost(), &inner);
    }

    #[test]
    fn rewrites_return_new_values() {
        let original = syn();
        let moved = original.with_dst(addr("10.0.0.9")).with_ports(1, 2);
        assert_eq!(original.ip.dst, addr("192.168.231.166"));
        assert_eq!(moved.ip.dst, addr("10.0.0.9"));
        assert_eq!((moved.src_port(), moved.dst_port()), (Some(1), Some(2)));
        let endpoints = Endpoints {
            src: addr("1.1.1.1"),
            src_port: 3,
            dst: addr("2.2.2.2"),
            dst_port: 4,
        };
        assert_eq!(
            original.with_endpoints(endpoints).endpoints(),
            Some(endpoints)
        );
    }

    #[test]
    fn forwarding_decrements_ttl_and_expires() {
        let mut packet = syn();
        packet.ip.ttl = 2;
        let once = packet.forwarded().unwrap();
        assert_eq!(once.ip.ttl, 1);
        assert_eq!(once.forwarded(), None);
    }

    #[test]
    fn reply_to_a_syn_is_a_syn_ack() {
        let answer = syn().reply().unwrap();
        assert_eq!(answer.ip.src, addr("192.168.231.166"));
        assert_eq!(answer.ip.dst, addr("192.168.56.128"));
        let segment = answer.tcp_segment().unwrap();
        assert_eq!((segment.src_port, segment.dst_port), (80, 40123));
        assert_eq!(segment.flags, TcpFlags::SYN | TcpFlags::ACK);
        assert_eq!(segment.ack, 123457);
    }

    #[test]
    fn display_nests_tunnels() {
        let outer = syn().encapsulate_ipip(addr("172.16.120.63"), addr("172.16.120.64"));
        assert_eq!(
            outer.to_string(),
            "IPv4 src=172.16.120.63 dst=172.16.120.64 proto=4 ttl=64 id=0 DF len=80\n\\ IPv4 src=192.168.56.128 dst=192.168.231.166 proto=6 ttl=64 id=0 DF len=60\n \\ TCP src=40123 dst=80 flags=S seq=123456 ack=0 win=64240 len=0"
        );
    }

    #[test]
    fn tos_combines_dscp_and_ecn() {
        let header = Ipv4Header {
            dscp: 46,
            ecn: Ecn::Ce,
            ..Ipv4Header::new(addr("1.1.1.1"), addr("2.2.2.2"))
        };
        assert_eq!(header.tos(), 0xbb);
        assert_eq!(Ecn::from_tos(0xbb), Ecn::Ce);
    }
}
