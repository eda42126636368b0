//! TCP segments as values: ports, sequence numbers, flags, options and how much data.
//!
//! Part of [`crate::packet`]. The data itself is not kept, only its length and, for HTTP,
//! the first line (what `tcpdump` prints after `HTTP: `). Header length follows from the
//! options (RFC 9293 section 3.1: the data offset counts 32-bit words, options are padded).

use std::fmt;
use std::ops::{BitAnd, BitOr};

/// The TCP flag bits (RFC 9293 section 3.1, RFC 3168 for ECE/CWR).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct TcpFlags(u8);

impl TcpFlags {
    pub const FIN: TcpFlags = TcpFlags(0x01);
    pub const SYN: TcpFlags = TcpFlags(0x02);
    pub const RST: TcpFlags = TcpFlags(0x04);
    pub const PSH: TcpFlags = TcpFlags(0x08);
    pub const ACK: TcpFlags = TcpFlags(0x10);
    pub const URG: TcpFlags = TcpFlags(0x20);
    pub const ECE: TcpFlags = TcpFlags(0x40);
    pub const CWR: TcpFlags = TcpFlags(0x80);

    /// No flags.
    pub const fn empty() -> TcpFlags {
        TcpFlags(0)
    }

    /// The flag byte as on the wire.
    pub fn bits(self) -> u8 {
        self.0
    }

    /// The flags of a flag byte.
    pub fn from_bits(bits: u8) -> TcpFlags {
        TcpFlags(bits)
    }

    /// Whether every flag in `other` is set.
    pub fn contains(self, other: TcpFlags) -> bool {
        self.0 & other.0 == other.0
    }

    /// Whether any flag in `other` is set.
    pub fn intersects(self, other: TcpFlags) -> bool {
        self.0 & other.0 != 0
    }
}

impl BitOr for TcpFlags {
    type Output = TcpFlags;
    fn bitor(self, other: TcpFlags) -> TcpFlags {
        TcpFlags(self.0 | other.0)
    }
}

impl BitAnd for TcpFlags {
    type Output = TcpFlags;
    fn bitand(self, other: TcpFlags) -> TcpFlags {
        TcpFlags(self.0 & other.0)
    }
}

/// A TCP option (RFC 9293 section 3.2, RFC 7323 for window scale and timestamps,
/// RFC 2018 for SACK-permitted).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum TcpOption {
    /// Kind 0.
    EndOfList,
    /// Kind 1, one byte of padding.
    Nop,
    /// Kind 2, maximum segment size.
    Mss(u16),
    /// Kind 3, window scale shift count.
    WindowScale(u8),
    /// Kind 4, SACK permitted.
    SackPermitted,
    /// Kind 8, timestamps.
    Timestamps { value: u32, echo: u32 },
}

impl TcpOption {
    /// Bytes the option takes on the wire.
    pub fn wire_len(self) -> u16 {
        match self {
            TcpOption::EndOfList | TcpOption::Nop => 1,
            TcpOption::Mss(_) => 4,
            TcpOption::WindowScale(_) => 3,
            TcpOption::SackPermitted => 2,
            TcpOption::Timestamps { .. } => 10,
        }
    }
}

/// The first line of an application message, kept for display (tcpdump's `HTTP: ...`).
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum AppData {
    /// `GET / HTTP/1.1`
    HttpRequest { method: String, target: String },
    /// `HTTP/1.1 200 OK`
    HttpResponse { status: u16, reason: String },
}

impl fmt::Display for AppData {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            AppData::HttpRequest { method, target } => write!(f, "{method} {target} HTTP/1.1"),
            AppData::HttpResponse { status, reason } => write!(f, "HTTP/1.1 {status} {reason}"),
        }
    }
}

/// A TCP segment without its data bytes.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct TcpSegment {
    pub src_port: u16,
    pub dst_port: u16,
    pub seq: u32,
    pub ack: u32,
    pub flags: TcpFlags,
    /// The raw window field (before window scaling), as tcpdump prints it.
    pub window: u16,
    pub urgent: u16,
    pub options: Vec<TcpOption>,
    /// Bytes of data after the header.
    pub payload_len: u16,
    /// What the data starts with, when the UI should show it.
    pub app: Option<AppData>,
}

/// The window a Linux client advertises in its SYN with default buffers (44 * 1460).
pub const LINUX_SYN_WINDOW: u16 = 64240;

/// The window a Linux server advertises in its SYN-ACK with default buffers (observed:
/// `win 65160` in engine/tests/packet/observed/tcpdump-nodeport-client-side.txt).
pub const LINUX_SYN_ACK_WINDOW: u16 = 65160;

impl TcpSegment {
    /// A SYN as Linux sends it: window 64240 and the options
    /// `mss 1460,sackOK,TS val 1 ecr 0,nop,wscale 7` (`tcp_syn_build_options`, net/ipv4/tcp_output.c).
    pub fn syn(src_port: u16, dst_port: u16, seq: u32) -> TcpSegment {
        TcpSegment {
            src_port,
            dst_port,
            seq,
            ack: 0,
            flags: TcpFlags::SYN,
            window: LINUX_SYN_WINDOW,
            urgent: 0,
            options: linux_syn_options(1460, 1, 0, 7),
            payload_len: 0,
            app: None,
        }
    }

    /// A segment of an established connection: ACK set, Linux's `nop,nop,TS val .. ecr ..` options.
    pub fn established(
        src_port: u16,
        dst_port: u16,
        seq: u32,
        ack: u32,
        flags: TcpFlags,
    ) -> TcpSegment {
        TcpSegment {
            src_port,
            dst_port,
            seq,
            ack,
            flags: flags | TcpFlags::ACK,
            window: 502,
            urgent: 0,
            options: vec![
                TcpOption::Nop,
                TcpOption::Nop,
                TcpOption::Timestamps { value: 1, echo: 1 },
            ],
            payload_len: 0,
            app: None,
        }
    }

    /// The header length: 20 bytes plus the options rounded up to 32-bit words.
    pub fn header_len(&self) -> u16 {
        let options: u16 = self
            .options
            .iter()
            .fold(0u16, |acc, option| acc.saturating_add(option.wire_len()));
        20u16.saturating_add(options.div_ceil(4).saturating_mul(4))
    }

    /// Header plus data.
    pub fn wire_len(&self) -> u16 {
        self.header_len().saturating_add(self.payload_len)
    }

    /// The timestamps option, if present.
    pub fn timestamps(&self) -> Option<(u32, u32)> {
        self.options.iter().find_map(|option| match option {
            TcpOption::Timestamps { value, echo } => Some((*value, *echo)),
            _ => None,
        })
    }

    /// How much sequence space the segment uses: data plus one for SYN and one for FIN.
    pub fn seq_len(&self) -> u32 {
        let mut len = u32::from(self.payload_len);
        if self.flags.contains(TcpFlags::SYN) {
            len = len.saturating_add(1);
        }
        if self.flags.contains(TcpFlags::FIN) {
            len = len.saturating_add(1);
        }
        len
    }

    /// The skeleton of the peer's answer: ports swapped, `ack` covering this segment.
    /// SYN -> SYN-ACK (sequence number 0 for the caller to fill in, e.g. from `crate::random`),
    /// SYN-ACK, data or FIN -> a pure ACK. RST and pure ACKs get no answer.
    pub fn reply(&self) -> Option<TcpSegment> {
        if self.flags.contains(TcpFlags::RST) || self.seq_len() == 0 {
            return None;
        }
        let ack = self.seq.wrapping_add(self.seq_len());
        let echo = self.timestamps().map(|(value, _)| value);
        if self.flags.contains(TcpFlags::SYN) && !self.flags.contains(TcpFlags::ACK) {
            let mss = self.options.iter().find_map(|option| match option {
                TcpOption::Mss(mss) => Some(*mss),
                _ => None,
            });
            let options =
                linux_syn_options(mss.unwrap_or(1460), echo.unwrap_or(0), echo.unwrap_or(0), 7);
            return Some(TcpSegment {
                src_port: self.dst_port,
                dst_port: self.src_port,
                seq: 0,
                ack,
                flags: TcpFlags::SYN | TcpFlags::ACK,
                window: LINUX_SYN_ACK_WINDOW,
                urgent: 0,
                options,
                payload_len: 0,
                app: None,
            });
        }
        let options = match (self.timestamps(), echo) {
            (Some((_, our_clock)), Some(their_clock)) => {
                vec![
                    TcpOption::Nop,
                    TcpOption::Nop,
                    TcpOption::Timestamps {
                        value: our_clock,
                        echo: their_clock,
                    },
                ]
            }
            _ => Vec::new(),
        };
        Some(TcpSegment {
            src_port: self.dst_port,
            dst_port: self.src_port,
            seq: self.ack,
            ack,
            flags: TcpFlags::ACK,
            window: self.window,
            urgent: 0,
            options,
            payload_len: 0,
            app: None,
        })
    }
}

/// The options Linux puts on a SYN or SYN-ACK when SACK, timestamps and window scaling are on
/// (the defaults): `mss, sackOK, TS, nop, wscale`, 20 bytes.
pub fn linux_syn_options(
    mss: u16,
    ts_value: u32,
    ts_echo: u32,
    window_scale: u8,
) -> Vec<TcpOption> {
    vec![
        TcpOption::Mss(mss),
        TcpOption::SackPermitted,
        TcpOption::Timestamps {
            value: ts_value,
            echo: ts_echo,
        },
        TcpOption::Nop,
        TcpOption::WindowScale(window_scale),
    ]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn header_length_counts_padded_options() {
        assert_eq!(TcpSegment::syn(1, 2, 3).header_len(), 40);
        let mut segment = TcpSegment::syn(1, 2, 3);
        segment.options = vec![TcpOption::Mss(1460), TcpOption::WindowScale(7)];
        assert_eq!(segment.header_len(), 28);
        segment.options.clear();
        segment.payload_len = 82;
        assert_eq!(segment.wire_len(), 102);
    }

    #[test]
    fn sequence_space_counts_syn_and_fin() {
        let mut segment = TcpSegment::established(1, 2, 10, 20, TcpFlags::FIN);
        assert_eq!(segment.seq_len(), 1);
        segment.payload_len = 5;
        assert_eq!(segment.seq_len(), 6);
        let reply = segment.reply().unwrap();
        assert_eq!((reply.seq, reply.ack, reply.flags), (20, 16, TcpFlags::ACK));
    }

    #[test]
    fn rst_and_pure_ack_get_no_reply() {
        assert_eq!(
            TcpSegment::established(1, 2, 3, 4, TcpFlags::RST).reply(),
            None
        );
        assert_eq!(
            TcpSegment::established(1, 2, 3, 4, TcpFlags::empty()).reply(),
            None
        );
    }

    #[test]
    fn syn_ack_echoes_the_timestamp() {
        let mut syn = TcpSegment::syn(51234, 31000, 100);
        syn.options = linux_syn_options(1440, 215343809, 0, 10);
        let synack = syn.reply().unwrap();
        assert_eq!(synack.timestamps(), Some((215343809, 215343809)));
        assert!(synack.options.contains(&TcpOption::Mss(1440)));
        assert_eq!(synack.ack, 101);
    }

    #[test]
    fn flags_combine() {
        let flags = TcpFlags::SYN | TcpFlags::ACK;
        assert!(flags.contains(TcpFlags::SYN));
        assert!(!flags.contains(TcpFlags::SYN | TcpFlags::FIN));
        assert!(flags.intersects(TcpFlags::SYN | TcpFlags::FIN));
        assert_eq!(flags.bits(), 0x12);
        assert_eq!(flags & TcpFlags::ACK, TcpFlags::ACK);
    }

    #[test]
    fn http_first_lines() {
        let request = AppData::HttpRequest {
            method: "GET".into(),
            target: "/".into(),
        };
        assert_eq!(request.to_string(), "GET / HTTP/1.1");
        let response = AppData::HttpResponse {
            status: 200,
            reason: "OK".into(),
        };
        assert_eq!(response.to_string(), "HTTP/1.1 200 OK");
    }
}
