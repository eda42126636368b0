//! Kernel-side state that travels with a packet but is not in its headers.
//!
//! Part of [`crate::packet`]. Like smoltcp's `PacketMeta` (src/iface/packet.rs) and the
//! kernel's `struct sk_buff` fields that netfilter matches on: the firewall mark
//! (`skb->mark`, what kube-proxy's `KUBE-MARK-MASQ` sets with `--or-mark 0x4000`) and the
//! input and output devices (`-i` / `-o`).

/// Per-packet kernel state, kept separate from the [`super::Packet`] value.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Default)]
pub struct PacketMeta {
    /// `skb->mark`, printed by iptables in hex (`0x4000`).
    pub mark: u32,
    /// The device the packet came in on (`-i`), `None` for locally generated packets.
    pub in_interface: Option<String>,
    /// The device routing chose (`-o`), known after the routing decision.
    pub out_interface: Option<String>,
}

impl PacketMeta {
    /// State of a packet received on `interface`.
    pub fn received_on(interface: &str) -> PacketMeta {
        PacketMeta {
            in_interface: Some(interface.to_string()),
            ..PacketMeta::default()
        }
    }

    /// The same state with `bits` set under `mask` (`MARK --set-xmark value/mask`:
    /// `mark = (mark & !mask) ^ value`, net/netfilter/xt_mark.c `mark_tg`).
    pub fn with_xmark(&self, value: u32, mask: u32) -> PacketMeta {
        PacketMeta {
            mark: (self.mark & !mask) ^ value,
            ..self.clone()
        }
    }

    /// Whether `mark & mask == value` (`-m mark --mark value/mask`, `mark_mt`).
    pub fn mark_matches(&self, value: u32, mask: u32) -> bool {
        self.mark & mask == value
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kube_proxy_mark_round_trip() {
        // KUBE-MARK-MASQ: --set-xmark 0x4000/0x4000; KUBE-POSTROUTING: --set-xmark 0x4000/0x0 (xor).
        let meta = PacketMeta::received_on("eth0").with_xmark(0x4000, 0x4000);
        assert_eq!(meta.mark, 0x4000);
        assert!(meta.mark_matches(0x4000, 0x4000));
        let cleared = meta.with_xmark(0x4000, 0);
        assert_eq!(cleared.mark, 0);
        assert_eq!(cleared.in_interface.as_deref(), Some("eth0"));
    }
}
