//! The `--probability` values of the service -> endpoint rules.
//!
//! Part of the kube-proxy stage. Port of `computeProbability` (kubernetes
//! `pkg/proxy/iptables/proxier.go`): `fmt.Sprintf("%0.10f", 1.0/float64(n))`. Rule `i` of `n`
//! carries `1/(n-i)`, so every endpoint is chosen with probability `1/n` overall.

/// `1/n` with exactly ten decimals, as kube-proxy writes it (`0.3333333333` for n = 3).
/// Both Go's `%0.10f` and Rust's `{:.10}` round the exact binary value correctly, so they agree.
pub fn compute_probability(n: usize) -> String {
    let n = u32::try_from(n).unwrap_or(u32::MAX);
    format!("{:.10}", 1.0_f64 / f64::from(n.max(1)))
}

/// A cache like kube-proxy's `precomputedProbabilities`: the strings for `1..=n` are made once.
#[derive(Clone, Debug, Default)]
pub struct Probabilities {
    cache: Vec<String>,
}

impl Probabilities {
    /// The probability string for `n` endpoints left.
    pub fn get(&mut self, n: usize) -> String {
        while self.cache.len() <= n {
            let next = self.cache.len();
            self.cache.push(compute_probability(next));
        }
        self.cache.get(n).cloned().unwrap_or_else(|| compute_probability(n))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `TestComputeProbability` (proxier_test.go), ported value for value.
    #[test]
    fn upstream_compute_probability_vectors() {
        for (n, expected) in [
            (1, "1.0000000000"),
            (2, "0.5000000000"),
            (10, "0.1000000000"),
            (100, "0.0100000000"),
            (1000, "0.0010000000"),
            (10000, "0.0001000000"),
            (100000, "0.0000100000"),
            (100001, "0.0000099999"),
        ] {
            assert_eq!(compute_probability(n), expected, "n = {n}");
        }
    }

    /// The second half of `TestComputeProbability`: strictly increasing as n falls.
    #[test]
    fn probabilities_strictly_increase_as_n_falls() {
        let mut previous = 0.0_f64;
        for n in (2..=100_000).rev() {
            let current: f64 = compute_probability(n).parse().unwrap();
            assert!(current > previous, "n = {n}");
            previous = current;
        }
    }

    #[test]
    fn cache_agrees_with_direct_computation() {
        let mut cache = Probabilities::default();
        assert_eq!(cache.get(3), "0.3333333333");
        assert_eq!(cache.get(2), "0.5000000000");
        assert_eq!(cache.get(4), "0.2500000000");
    }
}
