//! `Probability`: `-m statistic --mode random --probability P` as the kernel stores it.
//!
//! Part of the netfilter model. iptables' `libxt_statistic.c` parses P with `strtod`, refuses
//! values outside 0..=1 and stores `lround(0x80000000 * P)` in `xt_statistic_info`; printing
//! divides by 2^31 again and uses `%.11f`. That is why kube-proxy's `0.3333333333` comes back
//! from `iptables-save` as `0.33333333349`. The kernel (`xt_statistic.c`) matches when
//! `(get_random_u32() & 0x7FFFFFFF) < probability`.

use std::fmt;

/// 2^31: the kernel's probability scale (`0x80000000`).
pub const SCALE: u32 = 0x8000_0000;

/// A match probability in the kernel's fixed point: `value / 2^31`, with `value <= 2^31`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Probability(u32);

impl Probability {
    /// The kernel value; `None` above 2^31 (probability above 1).
    pub fn from_kernel(value: u32) -> Option<Probability> {
        (value <= SCALE).then_some(Probability(value))
    }

    /// What iptables stores for `--probability p`: `lround(p * 2^31)`. `None` outside 0..=1
    /// (iptables: "--probability must be between 0 and 1") or for NaN.
    pub fn from_f64(p: f64) -> Option<Probability> {
        if !(0.0..=1.0).contains(&p) {
            return None;
        }
        // `f64::round` rounds half away from zero, like C's `lround`; the product is at most 2^31.
        let scaled = (p * f64::from(SCALE)).round();
        // The cast cannot truncate: 0 <= scaled <= 2^31.
        Probability::from_kernel(scaled as u32)
    }

    /// Parses the text of `--probability` as `strtod` would (decimal forms), then stores it.
    pub fn parse(text: &str) -> Option<Probability> {
        let trimmed = text.trim();
        let plain = trimmed.bytes().all(|b| b.is_ascii_digit() || matches!(b, b'.' | b'e' | b'E' | b'+' | b'-'));
        if trimmed.is_empty() || !plain {
            return None;
        }
        Probability::from_f64(trimmed.parse::<f64>().ok()?)
    }

    /// kube-proxy's probability for the rule that picks one of `remaining` endpoints:
    /// `fmt.Sprintf("%0.10f", 1.0/float64(n))` (`computeProbability`, proxier.go), as stored.
    pub fn one_in(remaining: u32) -> Option<Probability> {
        if remaining == 0 {
            return None;
        }
        Probability::parse(&format!("{:.10}", 1.0 / f64::from(remaining)))
    }

    /// The kernel value, `p * 2^31`.
    pub fn kernel_value(self) -> u32 {
        self.0
    }

    /// The probability as a float (exact: every value is a multiple of 2^-31).
    pub fn as_f64(self) -> f64 {
        f64::from(self.0) / f64::from(SCALE)
    }

    /// Whether a 31-bit random number (the kernel's `get_random_u32() & 0x7FFFFFFF`) is taken.
    pub fn takes(self, random31: u32) -> bool {
        (random31 & 0x7FFF_FFFF) < self.0
    }

    /// `value / 2^31` with exactly `decimals` digits, rounded half to even on the exact value,
    /// as glibc's `printf("%.*f")` does. Integer arithmetic, so it cannot drift.
    pub fn decimal(self, decimals: u32) -> String {
        // 2^32 * 10^20 < 2^128, so the products below cannot overflow.
        let decimals = decimals.min(20);
        let ten_pow = 10u128.pow(decimals);
        let numerator = u128::from(self.0) * ten_pow;
        let denominator = u128::from(SCALE);
        let mut quotient = numerator / denominator;
        let remainder = numerator % denominator;
        let twice = remainder * 2;
        if twice > denominator || (twice == denominator && quotient % 2 == 1) {
            quotient = quotient.saturating_add(1);
        }
        let whole = quotient / ten_pow;
        let fraction = quotient % ten_pow;
        if decimals == 0 {
            format!("{whole}")
        } else {
            format!("{whole}.{fraction:0width$}", width = decimals as usize)
        }
    }
}

impl fmt::Display for Probability {
    /// `%.11f`, as `iptables-save` prints it.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.decimal(11))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kube_proxy_thirds_print_as_iptables_save_does() {
        // Reference §12.5: n=3 -> 0.33333333349 (verified with iptables v1.8.9).
        let third = Probability::parse("0.3333333333").unwrap();
        assert_eq!(third.kernel_value(), 715_827_883);
        assert_eq!(third.to_string(), "0.33333333349");
        assert_eq!(Probability::one_in(3), Some(third));
    }

    #[test]
    fn bounds() {
        assert_eq!(Probability::parse("1").unwrap().kernel_value(), SCALE);
        assert_eq!(Probability::parse("1").unwrap().to_string(), "1.00000000000");
        assert_eq!(Probability::parse("0").unwrap().to_string(), "0.00000000000");
        assert_eq!(Probability::parse("1.5"), None);
        assert_eq!(Probability::parse("-0.1"), None);
        assert_eq!(Probability::parse("nan"), None);
        assert_eq!(Probability::parse(""), None);
        assert_eq!(Probability::from_kernel(SCALE + 1), None);
        assert_eq!(Probability::one_in(0), None);
    }

    #[test]
    fn exact_ties_round_to_even_like_glibc() {
        // 2^-12 = 0.000244140625 exactly; "%.11f" rounds the tie to the even digit 2.
        assert_eq!(Probability::from_kernel(SCALE >> 12).unwrap().to_string(), "0.00024414062");
        // 3 * 2^-12 = 0.000732421875: the tie goes up to the even digit 8.
        assert_eq!(Probability::from_kernel(3 * (SCALE >> 12)).unwrap().to_string(), "0.00073242188");
    }

    #[test]
    fn taking_compares_31_bits() {
        let half = Probability::parse("0.5").unwrap();
        assert!(half.takes(0x3FFF_FFFF));
        assert!(!half.takes(0x4000_0000));
        assert!(!half.takes(0xC000_0000));
    }
}
