//! A conntrack tuple: the addresses, protocol and ports that identify one direction of a flow.
//!
//! Part of [`crate::conntrack`]. Mirrors the kernel's `struct nf_conntrack_tuple`
//! (include/net/netfilter/nf_conntrack_tuple.h): for TCP and UDP the ports, for ICMP echo
//! the type, code and identifier, for anything else (IPIP) just the addresses.

use std::fmt;
use std::net::Ipv4Addr;

use crate::packet::{Endpoints, IcmpMessage, IpProtocol, Packet, Payload};

/// The layer-4 part of a tuple.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum TupleL4 {
    /// TCP or UDP ports.
    Ports { src: u16, dst: u16 },
    /// ICMP query messages: type, code and the echo identifier.
    Icmp { kind: u8, code: u8, id: u16 },
    /// Protocols conntrack tracks by address only (`nf_conntrack_l4proto_generic`), e.g. IPIP.
    None,
}

/// One direction of a connection.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Tuple {
    pub protocol: IpProtocol,
    pub src: Ipv4Addr,
    pub dst: Ipv4Addr,
    pub l4: TupleL4,
}

impl Tuple {
    /// A TCP or UDP tuple.
    pub fn ports(
        protocol: IpProtocol,
        src: Ipv4Addr,
        sport: u16,
        dst: Ipv4Addr,
        dport: u16,
    ) -> Tuple {
        Tuple {
            protocol,
            src,
            dst,
            l4: TupleL4::Ports {
                src: sport,
                dst: dport,
            },
        }
    }

    /// The tuple of a packet as conntrack would compute it (`nf_ct_get_tuple`). ICMP errors
    /// have no tuple of their own: they belong to the connection they quote (RELATED).
    pub fn of(packet: &Packet) -> Option<Tuple> {
        let (src, dst) = (packet.ip.src, packet.ip.dst);
        let l4 = match &packet.payload {
            Payload::Tcp(segment) => TupleL4::Ports {
                src: segment.src_port,
                dst: segment.dst_port,
            },
            Payload::Udp(datagram) => TupleL4::Ports {
                src: datagram.src_port,
                dst: datagram.dst_port,
            },
            Payload::Icmp(message) => match message {
                IcmpMessage::EchoRequest { id, .. } | IcmpMessage::EchoReply { id, .. } => {
                    TupleL4::Icmp {
                        kind: message.kind(),
                        code: message.code(),
                        id: *id,
                    }
                }
                IcmpMessage::DestinationUnreachable { .. } | IcmpMessage::TimeExceeded { .. } => {
                    return None;
                }
            },
            Payload::Ipip(_) => TupleL4::None,
        };
        Some(Tuple {
            protocol: packet.protocol(),
            src,
            dst,
            l4,
        })
    }

    /// The tuple a reply would have (`nf_ct_invert_tuple`): addresses and ports swapped,
    /// an echo request's type turned into an echo reply's (`invmap` in nf_conntrack_proto_icmp.c).
    pub fn invert(&self) -> Tuple {
        let l4 = match self.l4 {
            TupleL4::Ports { src, dst } => TupleL4::Ports { src: dst, dst: src },
            TupleL4::Icmp { kind, code, id } => TupleL4::Icmp {
                kind: invert_icmp_type(kind),
                code,
                id,
            },
            TupleL4::None => TupleL4::None,
        };
        Tuple {
            protocol: self.protocol,
            src: self.dst,
            dst: self.src,
            l4,
        }
    }

    /// The source port (TCP/UDP).
    pub fn src_port(&self) -> Option<u16> {
        match self.l4 {
            TupleL4::Ports { src, .. } => Some(src),
            _ => None,
        }
    }

    /// The destination port (TCP/UDP).
    pub fn dst_port(&self) -> Option<u16> {
        match self.l4 {
            TupleL4::Ports { dst, .. } => Some(dst),
            _ => None,
        }
    }

    /// Addresses and ports, for TCP and UDP tuples.
    pub fn endpoints(&self) -> Option<Endpoints> {
        Some(Endpoints {
            src: self.src,
            src_port: self.src_port()?,
            dst: self.dst,
            dst_port: self.dst_port()?,
        })
    }
}

/// Echo request (8) <-> echo reply (0); other query types keep their number here.
fn invert_icmp_type(kind: u8) -> u8 {
    match kind {
        8 => 0,
        0 => 8,
        13 => 14,
        14 => 13,
        other => other,
    }
}

/// The `conntrack -L` form of a tuple: `src=.. dst=.. sport=.. dport=..`.
impl fmt::Display for Tuple {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "src={} dst={}", self.src, self.dst)?;
        match self.l4 {
            TupleL4::Ports { src, dst } => write!(f, " sport={src} dport={dst}"),
            TupleL4::Icmp { kind, code, id } => write!(f, " type={kind} code={code} id={id}"),
            TupleL4::None => Ok(()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::packet::{TcpSegment, UdpDatagram};

    fn addr(text: &str) -> Ipv4Addr {
        text.parse().unwrap()
    }

    #[test]
    fn tuples_of_packets_and_their_inverse() {
        let syn = Packet::tcp(
            addr("172.16.120.61"),
            addr("172.16.120.63"),
            TcpSegment::syn(51234, 31000, 1),
        );
        let tuple = Tuple::of(&syn).unwrap();
        assert_eq!(
            tuple.to_string(),
            "src=172.16.120.61 dst=172.16.120.63 sport=51234 dport=31000"
        );
        assert_eq!(
            tuple.invert().to_string(),
            "src=172.16.120.63 dst=172.16.120.61 sport=31000 dport=51234"
        );
        assert_eq!(tuple.invert().invert(), tuple);

        let ping = Packet::icmp(
            addr("10.0.0.1"),
            addr("10.0.0.2"),
            IcmpMessage::EchoRequest {
                id: 7,
                seq: 1,
                data_len: 56,
            },
        );
        let tuple = Tuple::of(&ping).unwrap();
        assert_eq!(
            tuple.to_string(),
            "src=10.0.0.1 dst=10.0.0.2 type=8 code=0 id=7"
        );
        assert_eq!(
            tuple.invert().to_string(),
            "src=10.0.0.2 dst=10.0.0.1 type=0 code=0 id=7"
        );

        let udp = Packet::udp(
            addr("10.0.0.1"),
            addr("10.0.0.2"),
            UdpDatagram::opaque(1, 2, 3),
        );
        let error = Packet::icmp(
            addr("10.0.0.2"),
            addr("10.0.0.1"),
            IcmpMessage::DestinationUnreachable {
                code: crate::packet::UnreachableCode::Port,
                original: Box::new(udp),
            },
        );
        assert_eq!(Tuple::of(&error), None);
        let outer = syn.encapsulate_ipip(addr("172.16.120.63"), addr("172.16.120.64"));
        assert_eq!(
            Tuple::of(&outer).unwrap().to_string(),
            "src=172.16.120.63 dst=172.16.120.64"
        );
    }
}
