//! UDP datagrams as values: ports and a payload that is either opaque bytes or DNS.
//!
//! Part of [`crate::packet`]. DNS is modelled because Service discovery is DNS and tcpdump
//! decodes it on port 53 (`1234+ A? web.default.svc.cluster.local. (47)`).

use super::dns::DnsMessage;

/// Bytes of a UDP header (RFC 768).
pub const UDP_HEADER_LEN: u16 = 8;

/// What a UDP datagram carries.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum UdpPayload {
    /// Bytes the emulator does not look into.
    Opaque { len: u16 },
    /// A DNS message.
    Dns(DnsMessage),
}

impl UdpPayload {
    /// Bytes of payload on the wire.
    pub fn wire_len(&self) -> u16 {
        match self {
            UdpPayload::Opaque { len } => *len,
            UdpPayload::Dns(message) => message.wire_len(),
        }
    }
}

/// A UDP datagram.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct UdpDatagram {
    pub src_port: u16,
    pub dst_port: u16,
    pub payload: UdpPayload,
}

impl UdpDatagram {
    /// A datagram with `len` opaque bytes.
    pub fn opaque(src_port: u16, dst_port: u16, len: u16) -> UdpDatagram {
        UdpDatagram {
            src_port,
            dst_port,
            payload: UdpPayload::Opaque { len },
        }
    }

    /// Header plus payload: the UDP length field.
    pub fn wire_len(&self) -> u16 {
        UDP_HEADER_LEN.saturating_add(self.payload.wire_len())
    }

    /// The skeleton of an answer: ports swapped; a DNS query gets an empty response with the
    /// same id and question, other payloads an empty datagram.
    pub fn reply(&self) -> UdpDatagram {
        let payload = match &self.payload {
            UdpPayload::Dns(message) => UdpPayload::Dns(message.empty_response()),
            UdpPayload::Opaque { .. } => UdpPayload::Opaque { len: 0 },
        };
        UdpDatagram {
            src_port: self.dst_port,
            dst_port: self.src_port,
            payload,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn length_includes_the_header() {
        assert_eq!(UdpDatagram::opaque(40000, 31053, 20).wire_len(), 28);
        let reply = UdpDatagram::opaque(40000, 31053, 20).reply();
        assert_eq!(
            (reply.src_port, reply.dst_port, reply.wire_len()),
            (31053, 40000, 8)
        );
    }
}
