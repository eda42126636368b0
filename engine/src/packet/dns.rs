//! DNS messages, just enough for a Service lookup: one question, A answers.
//!
//! Part of [`crate::packet`]. The wire length is computed as RFC 1035 section 4 lays the
//! message out (12-byte header, the name as length-prefixed labels, 2-byte type and class;
//! answers use a 2-byte compression pointer back to the question's name, as CoreDNS does),
//! because tcpdump prints that length in parentheses.

use std::net::Ipv4Addr;

/// Bytes of the fixed DNS header (RFC 1035 section 4.1.1).
pub const DNS_HEADER_LEN: u16 = 12;

/// The question of a DNS message: a name and (always, here) type A, class IN.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct DnsQuestion {
    /// The name without the trailing dot, e.g. `web.default.svc.cluster.local`.
    pub name: String,
}

impl DnsQuestion {
    /// The name as tcpdump prints it, with the trailing root dot.
    pub fn fqdn(&self) -> String {
        let name = self.name.trim_end_matches('.');
        format!("{name}.")
    }

    /// Bytes of the encoded name: each label with its length byte, plus the root byte.
    pub fn name_wire_len(&self) -> u16 {
        self.name
            .split('.')
            .filter(|label| !label.is_empty())
            .fold(1u16, |acc, label| {
                acc.saturating_add(u16::try_from(label.len()).unwrap_or(u16::MAX))
                    .saturating_add(1)
            })
    }
}

/// A response code (RFC 1035 section 4.1.1).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Default)]
pub enum DnsRcode {
    #[default]
    NoError,
    /// The name does not exist (CoreDNS's answer for an unknown Service).
    NxDomain,
}

/// A DNS query or response with one question.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct DnsMessage {
    pub id: u16,
    /// QR: false for a query, true for a response.
    pub is_response: bool,
    /// RD: the client asks for recursion (resolvers set it).
    pub recursion_desired: bool,
    /// RA: the server offers recursion.
    pub recursion_available: bool,
    /// AA: the answer comes from the zone's own server (CoreDNS for `cluster.local`).
    pub authoritative: bool,
    pub rcode: DnsRcode,
    pub question: DnsQuestion,
    /// A records in the answer section.
    pub answers: Vec<Ipv4Addr>,
    /// TTL of the answers (CoreDNS's kubernetes plugin default is 5 seconds).
    pub ttl: u32,
}

impl DnsMessage {
    /// A recursive A query, as glibc's resolver sends it.
    pub fn query(id: u16, name: &str) -> DnsMessage {
        DnsMessage {
            id,
            is_response: false,
            recursion_desired: true,
            recursion_available: false,
            authoritative: false,
            rcode: DnsRcode::NoError,
            question: DnsQuestion {
                name: name.trim_end_matches('.').to_string(),
            },
            answers: Vec::new(),
            ttl: 0,
        }
    }

    /// An answer to this query with no records yet (the caller adds `answers`).
    pub fn empty_response(&self) -> DnsMessage {
        DnsMessage {
            is_response: true,
            recursion_available: true,
            authoritative: true,
            answers: Vec::new(),
            ttl: 5,
            ..self.clone()
        }
    }

    /// Bytes on the wire: header, question, and 16 bytes per compressed A record
    /// (pointer 2, type 2, class 2, TTL 4, length 2, address 4).
    pub fn wire_len(&self) -> u16 {
        let question = self.question.name_wire_len().saturating_add(4);
        let answers = u16::try_from(self.answers.len())
            .unwrap_or(u16::MAX)
            .saturating_mul(16);
        DNS_HEADER_LEN
            .saturating_add(question)
            .saturating_add(answers)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    // Lengths observed with tcpdump 4.99.3 for a real query and answer
    // (engine/tests/packet/observed/tcpdump-dns.txt): `(47)` and `(63)`.
    #[test]
    fn wire_lengths_match_the_observed_capture() {
        let query = DnsMessage::query(1234, "web.default.svc.cluster.local");
        assert_eq!(query.wire_len(), 47);
        let mut answer = query.empty_response();
        answer.answers.push("192.168.231.166".parse().unwrap());
        assert_eq!(answer.wire_len(), 63);
        assert_eq!(answer.question.fqdn(), "web.default.svc.cluster.local.");
    }
}
