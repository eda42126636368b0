//! Which header fields changed between two packets: the UI's "changed fields" marks.
//!
//! Part of [`crate::packet`]. A hop returns a new packet; [`diff`] compares it with the old
//! one field by field. For IPIP the outer header and the inner packet are told apart with
//! [`Layer`], and wrapping or unwrapping a tunnel is itself a change
//! ([`HeaderField::Encapsulation`]).

use std::fmt;

use super::{Packet, Payload};

/// Where a changed field sits.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Layer {
    /// A packet without a tunnel header.
    Packet,
    /// The outer header of an IPIP packet.
    Outer,
    /// The packet inside an IPIP packet.
    Inner,
}

impl fmt::Display for Layer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Layer::Packet => "packet",
            Layer::Outer => "outer",
            Layer::Inner => "inner",
        })
    }
}

/// A field the UI can mark.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum HeaderField {
    Src,
    Dst,
    Ttl,
    Id,
    Df,
    Dscp,
    Ecn,
    Protocol,
    TotalLength,
    SrcPort,
    DstPort,
    TcpFlags,
    Seq,
    Ack,
    Window,
    TcpOptions,
    PayloadLength,
    IcmpType,
    IcmpCode,
    /// An IPIP header was added or removed.
    Encapsulation,
}

impl fmt::Display for HeaderField {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            HeaderField::Src => "src",
            HeaderField::Dst => "dst",
            HeaderField::Ttl => "ttl",
            HeaderField::Id => "id",
            HeaderField::Df => "df",
            HeaderField::Dscp => "dscp",
            HeaderField::Ecn => "ecn",
            HeaderField::Protocol => "proto",
            HeaderField::TotalLength => "length",
            HeaderField::SrcPort => "sport",
            HeaderField::DstPort => "dport",
            HeaderField::TcpFlags => "flags",
            HeaderField::Seq => "seq",
            HeaderField::Ack => "ack",
            HeaderField::Window => "win",
            HeaderField::TcpOptions => "options",
            HeaderField::PayloadLength => "payload length",
            HeaderField::IcmpType => "icmp type",
            HeaderField::IcmpCode => "icmp code",
            HeaderField::Encapsulation => "encapsulation",
        })
    }
}

/// One changed field, with its old and new value as text.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FieldChange {
    pub layer: Layer,
    pub field: HeaderField,
    pub before: String,
    pub after: String,
}

impl fmt::Display for FieldChange {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} {}: {} -> {}",
            self.layer, self.field, self.before, self.after
        )
    }
}

/// The fields that differ between `before` and `after`, outer header first.
pub fn diff(before: &Packet, after: &Packet) -> Vec<FieldChange> {
    let mut changes = Vec::new();
    match (&before.payload, &after.payload) {
        (Payload::Ipip(old_inner), Payload::Ipip(new_inner)) => {
            compare(before, after, Layer::Outer, &mut changes);
            compare(old_inner, new_inner, Layer::Inner, &mut changes);
        }
        (_, Payload::Ipip(new_inner)) => {
            changes.push(FieldChange {
                layer: Layer::Outer,
                field: HeaderField::Encapsulation,
                before: "none".to_string(),
                after: tunnel_text(after),
            });
            compare(before, new_inner, Layer::Inner, &mut changes);
        }
        (Payload::Ipip(old_inner), _) => {
            changes.push(FieldChange {
                layer: Layer::Outer,
                field: HeaderField::Encapsulation,
                before: tunnel_text(before),
                after: "none".to_string(),
            });
            compare(old_inner, after, Layer::Packet, &mut changes);
        }
        _ => compare(before, after, Layer::Packet, &mut changes),
    }
    changes
}

fn tunnel_text(outer: &Packet) -> String {
    format!("IPIP {} > {}", outer.ip.src, outer.ip.dst)
}

fn compare(before: &Packet, after: &Packet, layer: Layer, changes: &mut Vec<FieldChange>) {
    let mut note = |field: HeaderField, old: &dyn fmt::Display, new: &dyn fmt::Display| {
        let (old, new) = (old.to_string(), new.to_string());
        if old != new {
            changes.push(FieldChange {
                layer,
                field,
                before: old,
                after: new,
            });
        }
    };
    let (old, new) = (&before.ip, &after.ip);
    note(HeaderField::Src, &old.src, &new.src);
    note(HeaderField::Dst, &old.dst, &new.dst);
    note(HeaderField::Ttl, &old.ttl, &new.ttl);
    note(HeaderField::Id, &old.id, &new.id);
    note(HeaderField::Df, &old.df, &new.df);
    note(HeaderField::Dscp, &old.dscp, &new.dscp);
    note(HeaderField::Ecn, &old.ecn.bits(), &new.ecn.bits());
    note(HeaderField::Protocol, &before.protocol(), &after.protocol());
    note(
        HeaderField::TotalLength,
        &before.total_len(),
        &after.total_len(),
    );
    match (&before.payload, &after.payload) {
        (Payload::Tcp(old), Payload::Tcp(new)) => {
            note(HeaderField::SrcPort, &old.src_port, &new.src_port);
            note(HeaderField::DstPort, &old.dst_port, &new.dst_port);
            note(
                HeaderField::TcpFlags,
                &format!("{:#04x}", old.flags.bits()),
                &format!("{:#04x}", new.flags.bits()),
            );
            note(HeaderField::Seq, &old.seq, &new.seq);
            note(HeaderField::Ack, &old.ack, &new.ack);
            note(HeaderField::Window, &old.window, &new.window);
            note(
                HeaderField::TcpOptions,
                &format!("{:?}", old.options),
                &format!("{:?}", new.options),
            );
            note(
                HeaderField::PayloadLength,
                &old.payload_len,
                &new.payload_len,
            );
        }
        (Payload::Udp(old), Payload::Udp(new)) => {
            note(HeaderField::SrcPort, &old.src_port, &new.src_port);
            note(HeaderField::DstPort, &old.dst_port, &new.dst_port);
            note(
                HeaderField::PayloadLength,
                &old.payload.wire_len(),
                &new.payload.wire_len(),
            );
        }
        (Payload::Icmp(old), Payload::Icmp(new)) => {
            note(HeaderField::IcmpType, &old.kind(), &new.kind());
            note(HeaderField::IcmpCode, &old.code(), &new.code());
        }
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::packet::TcpSegment;
    use std::net::Ipv4Addr;

    fn addr(text: &str) -> Ipv4Addr {
        text.parse().unwrap()
    }

    fn fields(changes: &[FieldChange]) -> Vec<(Layer, HeaderField)> {
        changes
            .iter()
            .map(|change| (change.layer, change.field))
            .collect()
    }

    #[test]
    fn dnat_changes_destination_address_and_port() {
        let before = Packet::tcp(
            addr("172.16.120.61"),
            addr("172.16.120.63"),
            TcpSegment::syn(51234, 31000, 1),
        );
        let after = before
            .with_dst(addr("192.168.231.166"))
            .with_ports(51234, 80);
        let changes = diff(&before, &after);
        assert_eq!(
            fields(&changes),
            vec![
                (Layer::Packet, HeaderField::Dst),
                (Layer::Packet, HeaderField::DstPort)
            ]
        );
        assert_eq!(
            changes[0].to_string(),
            "packet dst: 172.16.120.63 -> 192.168.231.166"
        );
        assert!(diff(&before, &before).is_empty());
    }

    #[test]
    fn encapsulation_is_a_change_and_inner_fields_are_inner() {
        let pod_bound = Packet::tcp(
            addr("192.168.56.128"),
            addr("192.168.231.166"),
            TcpSegment::syn(40123, 80, 1),
        );
        let outer = pod_bound.encapsulate_ipip(addr("172.16.120.63"), addr("172.16.120.64"));
        let changes = diff(&pod_bound, &outer);
        assert_eq!(
            fields(&changes),
            vec![(Layer::Outer, HeaderField::Encapsulation)]
        );
        assert_eq!(changes[0].after, "IPIP 172.16.120.63 > 172.16.120.64");

        let forwarded = outer.forwarded().unwrap();
        assert_eq!(
            fields(&diff(&outer, &forwarded)),
            vec![(Layer::Outer, HeaderField::Ttl)]
        );

        let decapsulated = outer.decapsulate().unwrap().with_src(addr("10.0.0.1"));
        assert_eq!(
            fields(&diff(&outer, &decapsulated)),
            vec![
                (Layer::Outer, HeaderField::Encapsulation),
                (Layer::Packet, HeaderField::Src)
            ]
        );
    }

    #[test]
    fn inner_rewrite_inside_a_tunnel_is_marked_inner() {
        let inner = Packet::tcp(
            addr("192.168.56.128"),
            addr("192.168.231.166"),
            TcpSegment::syn(40123, 80, 1),
        );
        let outer = inner.encapsulate_ipip(addr("172.16.120.63"), addr("172.16.120.64"));
        let rewritten = inner
            .with_ports(40124, 80)
            .encapsulate_ipip(addr("172.16.120.63"), addr("172.16.120.64"));
        assert_eq!(
            fields(&diff(&outer, &rewritten)),
            vec![(Layer::Inner, HeaderField::SrcPort)]
        );
    }
}
