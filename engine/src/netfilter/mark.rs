//! `MarkMask`: a packet-mark value with a mask, as `-m mark --mark` and `-j MARK` use them.
//!
//! Part of the netfilter model. Numbers are read like `strtoul(..., 0)` (`0x` hex, leading `0`
//! octal, else decimal; kube-proxy writes `0x00004000`) and printed as `0x%x` (libxt_mark.c).

use std::fmt;

/// A mark value and mask (`0x4000/0x4000`). A mask of `0xffffffff` is printed without `/mask`
/// by the mark match.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct MarkMask {
    pub value: u32,
    pub mask: u32,
}

impl MarkMask {
    pub fn new(value: u32, mask: u32) -> MarkMask {
        MarkMask { value, mask }
    }

    /// Parses `value[/mask]`; the mask defaults to `0xffffffff` (`xtables_parse_mark_mask`).
    pub fn parse(text: &str) -> Option<MarkMask> {
        match text.split_once('/') {
            Some((value, mask)) => Some(MarkMask { value: parse_u32(value)?, mask: parse_u32(mask)? }),
            None => Some(MarkMask { value: parse_u32(text)?, mask: u32::MAX }),
        }
    }

    /// Whether a packet mark matches (`(mark & mask) == value`, xt_mark.c `mark_mt`).
    pub fn matches(self, mark: u32) -> bool {
        mark & self.mask == self.value
    }
}

/// Reads an unsigned 32-bit number like `strtoul(text, NULL, 0)` with full-string checking.
pub fn parse_u32(text: &str) -> Option<u32> {
    let (digits, radix) = if let Some(hex) = text.strip_prefix("0x").or_else(|| text.strip_prefix("0X")) {
        (hex, 16)
    } else if let Some(octal) = text.strip_prefix('0').filter(|rest| !rest.is_empty()) {
        (octal, 8)
    } else {
        (text, 10)
    };
    if digits.is_empty() || !digits.chars().all(|c| c.is_digit(radix)) {
        return None;
    }
    u32::from_str_radix(digits, radix).ok()
}

impl fmt::Display for MarkMask {
    /// `0xVALUE/0xMASK`, always with the mask (the MARK target's `--set-xmark` form).
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:#x}/{:#x}", self.value, self.mask)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_numbers_like_strtoul() {
        assert_eq!(parse_u32("0x00004000"), Some(0x4000));
        assert_eq!(parse_u32("16384"), Some(0x4000));
        assert_eq!(parse_u32("040000"), Some(0x4000));
        assert_eq!(parse_u32("0"), Some(0));
        assert_eq!(parse_u32("0x"), None);
        assert_eq!(parse_u32("0x100000000"), None);
        assert_eq!(parse_u32("12a"), None);
    }

    #[test]
    fn mask_defaults_to_all_ones_and_prints_in_hex() {
        assert_eq!(MarkMask::parse("0x4000"), Some(MarkMask::new(0x4000, u32::MAX)));
        assert_eq!(MarkMask::parse("0x4000/0x4000").unwrap().to_string(), "0x4000/0x4000");
        assert_eq!(MarkMask::new(0, 0).to_string(), "0x0/0x0");
        assert!(MarkMask::new(0x4000, 0x4000).matches(0x14000));
        assert!(!MarkMask::new(0x4000, 0x4000).matches(0x10000));
    }
}
