//! ICMP messages as values: echo, destination unreachable and time exceeded (RFC 792).
//!
//! Part of [`crate::packet`]. An error message carries the packet that caused it. RFC 792
//! asks for the IP header plus 8 bytes; Linux quotes as much of the original as fits in a
//! 576-byte reply (`icmp_send` in net/ipv4/icmp.c: `room = 576 - sizeof(iph) - sizeof(icmph)`),
//! which is why tcpdump shows `length 68` for an unreachable SYN (8 + 60).

use super::Packet;

/// Bytes of the ICMP header (type, code, checksum, 4 bytes of rest-of-header).
pub const ICMP_HEADER_LEN: u16 = 8;

/// The most of the original datagram Linux quotes: 576 - 20 (IP) - 8 (ICMP).
pub const LINUX_MAX_QUOTE: u16 = 548;

/// Destination unreachable codes (RFC 792, RFC 1812) the emulator produces.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum UnreachableCode {
    /// Code 0: no route (`ip route` unreachable).
    Net,
    /// Code 1: the host does not answer ARP, or `REJECT --reject-with icmp-host-unreachable`.
    Host,
    /// Code 3: nothing listens on the UDP port, or kube-proxy's REJECT for a Service with no
    /// endpoints (`--reject-with icmp-port-unreachable`).
    Port,
    /// Code 13: `REJECT --reject-with icmp-admin-prohibited`.
    AdminProhibited,
}

impl UnreachableCode {
    /// The code field.
    pub fn code(self) -> u8 {
        match self {
            UnreachableCode::Net => 0,
            UnreachableCode::Host => 1,
            UnreachableCode::Port => 3,
            UnreachableCode::AdminProhibited => 13,
        }
    }
}

/// An ICMP message.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum IcmpMessage {
    /// Type 8. `data_len` is the bytes after the 8-byte header (`ping` sends 56).
    EchoRequest { id: u16, seq: u16, data_len: u16 },
    /// Type 0.
    EchoReply { id: u16, seq: u16, data_len: u16 },
    /// Type 3, quoting the packet that could not be delivered.
    DestinationUnreachable {
        code: UnreachableCode,
        original: Box<Packet>,
    },
    /// Type 11 code 0 (TTL exceeded in transit), quoting the expired packet.
    TimeExceeded { original: Box<Packet> },
}

impl IcmpMessage {
    /// The type field.
    pub fn kind(&self) -> u8 {
        match self {
            IcmpMessage::EchoReply { .. } => 0,
            IcmpMessage::DestinationUnreachable { .. } => 3,
            IcmpMessage::EchoRequest { .. } => 8,
            IcmpMessage::TimeExceeded { .. } => 11,
        }
    }

    /// The code field.
    pub fn code(&self) -> u8 {
        match self {
            IcmpMessage::DestinationUnreachable { code, .. } => code.code(),
            _ => 0,
        }
    }

    /// Whether this is an error message (carrying an original packet).
    pub fn is_error(&self) -> bool {
        self.original().is_some()
    }

    /// The quoted packet of an error message.
    pub fn original(&self) -> Option<&Packet> {
        match self {
            IcmpMessage::DestinationUnreachable { original, .. }
            | IcmpMessage::TimeExceeded { original } => Some(original),
            IcmpMessage::EchoRequest { .. } | IcmpMessage::EchoReply { .. } => None,
        }
    }

    /// Bytes on the wire: the header plus echo data or the quoted original (capped as Linux does).
    pub fn wire_len(&self) -> u16 {
        let body = match self {
            IcmpMessage::EchoRequest { data_len, .. } | IcmpMessage::EchoReply { data_len, .. } => {
                *data_len
            }
            IcmpMessage::DestinationUnreachable { original, .. }
            | IcmpMessage::TimeExceeded { original } => original.total_len().min(LINUX_MAX_QUOTE),
        };
        ICMP_HEADER_LEN.saturating_add(body)
    }

    /// An echo request's reply; errors and replies get none.
    pub fn reply(&self) -> Option<IcmpMessage> {
        match self {
            IcmpMessage::EchoRequest { id, seq, data_len } => Some(IcmpMessage::EchoReply {
                id: *id,
                seq: *seq,
                data_len: *data_len,
            }),
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::packet::{TcpSegment, UdpDatagram};

    #[test]
    fn error_lengths_quote_the_whole_original() {
        let client = "172.16.120.61".parse().unwrap();
        let node = "172.16.120.63".parse().unwrap();
        // Observed: `ICMP 172.16.120.63 udp port 9999 unreachable, length 56` for a UDP
        // datagram with 20 data bytes (8 + 20 + 8 + 20).
        let udp = Packet::udp(client, node, UdpDatagram::opaque(40001, 9999, 20));
        let message = IcmpMessage::DestinationUnreachable {
            code: UnreachableCode::Port,
            original: Box::new(udp),
        };
        assert_eq!(message.wire_len(), 56);
        assert_eq!((message.kind(), message.code()), (3, 3));
        let syn = Packet::tcp(client, node, TcpSegment::syn(1, 80, 0));
        let message = IcmpMessage::DestinationUnreachable {
            code: UnreachableCode::Port,
            original: Box::new(syn),
        };
        assert_eq!(message.wire_len(), 68);
        let big = Packet::udp(client, node, UdpDatagram::opaque(1, 2, 1400));
        assert_eq!(
            IcmpMessage::TimeExceeded {
                original: Box::new(big)
            }
            .wire_len(),
            556
        );
    }

    #[test]
    fn echo_gets_a_reply() {
        let request = IcmpMessage::EchoRequest {
            id: 7,
            seq: 1,
            data_len: 56,
        };
        assert_eq!(request.wire_len(), 64);
        assert_eq!(
            request.reply(),
            Some(IcmpMessage::EchoReply {
                id: 7,
                seq: 1,
                data_len: 56
            })
        );
        assert!(!request.is_error());
    }
}
