//! The trace as text: one step per line, as `lab trace` prints it, and the compact packet
//! form the lines use.
//!
//! Part of [`crate::trace`]. The packet form is tcpdump's order (`src.port > dst.port`) with
//! the flags, the TTL and, for IPIP, the outer and the inner header.

use std::fmt::Write as _;

use crate::packet::{Packet, Payload, TcpFlags};

use super::Trace;

/// `172.16.120.61.40000 > 172.16.120.63.31000 tcp [S] ttl 64`; IPIP as
/// `outer > outer ipip ttl N (inner)`.
pub fn packet_summary(packet: &Packet) -> String {
    match &packet.payload {
        Payload::Ipip(inner) => format!(
            "{} > {} ipip ttl {} ({})",
            packet.ip.src,
            packet.ip.dst,
            packet.ip.ttl,
            packet_summary(inner)
        ),
        Payload::Tcp(segment) => format!(
            "{}.{} > {}.{} tcp [{}] ttl {}",
            packet.ip.src,
            segment.src_port,
            packet.ip.dst,
            segment.dst_port,
            flag_letters(segment.flags),
            packet.ip.ttl
        ),
        Payload::Udp(datagram) => format!(
            "{}.{} > {}.{} udp ttl {}",
            packet.ip.src, datagram.src_port, packet.ip.dst, datagram.dst_port, packet.ip.ttl
        ),
        Payload::Icmp(message) => format!(
            "{} > {} icmp type {} code {} ttl {}",
            packet.ip.src,
            packet.ip.dst,
            message.kind(),
            message.code(),
            packet.ip.ttl
        ),
    }
}

/// tcpdump's flag letters: `S`, `F`, `R`, `P`, `U`, `E`, `W` and `.` for ACK.
fn flag_letters(flags: TcpFlags) -> String {
    let mut out = String::new();
    for (flag, letter) in [
        (TcpFlags::SYN, 'S'),
        (TcpFlags::FIN, 'F'),
        (TcpFlags::RST, 'R'),
        (TcpFlags::PSH, 'P'),
        (TcpFlags::URG, 'U'),
        (TcpFlags::ECE, 'E'),
        (TcpFlags::CWR, 'W'),
        (TcpFlags::ACK, '.'),
    ] {
        if flags.contains(flag) {
            out.push(letter);
        }
    }
    if out.is_empty() {
        out.push_str("none");
    }
    out
}

/// The whole trace, one step per line: the DNS lookups first, then the connection, then the
/// outcome and the HTTP exchange.
pub fn trace_text(trace: &Trace) -> String {
    let mut out = String::new();
    for lookup in &trace.lookups {
        let _ = writeln!(
            out,
            "# DNS {} -> {}",
            lookup.name,
            lookup.answer.map_or_else(|| "no answer".to_string(), |a| a.to_string())
        );
        for step in &lookup.steps {
            let _ = writeln!(out, "{step}");
        }
    }
    let _ = writeln!(out, "# {}", trace.request);
    for step in &trace.steps {
        let _ = writeln!(out, "{step}");
    }
    let _ = writeln!(out, "# outcome: {}", trace.outcome);
    if let Some(exchange) = &trace.exchange {
        let _ = writeln!(out, "# > {}", exchange.request_line());
        let _ = writeln!(out, "# < {}", exchange.status_line());
    }
    out
}
