//! Numbers as the page writes them into SVG attributes and CSS: one decimal, written with
//! integer arithmetic. `format!("{:.1}")` would link Rust's float formatter (about 11 KB of
//! wasm) into the page's first load for nothing a diagram needs.

/// `value` with one decimal (`12.3`, `-0.5`, `7.0`), rounded half away from zero; a
/// non-finite value is `0.0`, and values beyond ±9.2e17 are clamped.
pub fn fixed1(value: f64) -> String {
    let tenths = if value.is_finite() { (value * 10.0).round() as i64 } else { 0 };
    let sign = if tenths < 0 { "-" } else { "" };
    let abs = tenths.unsigned_abs();
    format!("{sign}{}.{}", abs / 10, abs % 10)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_decimal_like_the_formatter_away_from_ties() {
        // Values whose second decimal is not a tie: both roundings agree.
        let mut value = -1234.0_f64;
        while value < 1234.0 {
            assert_eq!(fixed1(value), format!("{value:.1}"), "{value}");
            value += 0.37;
        }
        for value in [0.0, 7.0, 12.34, -0.04, 0.06, 359.96, 1e6 + 0.12] {
            let expected = format!("{value:.1}");
            let expected = if expected == "-0.0" { "0.0".to_string() } else { expected };
            assert_eq!(fixed1(value), expected, "{value}");
        }
    }

    #[test]
    fn nonsense_is_zero_or_clamped() {
        assert_eq!(fixed1(f64::NAN), "0.0");
        assert_eq!(fixed1(f64::INFINITY), "0.0");
        assert_eq!(fixed1(-0.0), "0.0");
        assert_eq!(fixed1(1e300), format!("{}.{}", i64::MAX / 10, i64::MAX % 10));
    }
}
