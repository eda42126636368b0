//! The engine's only source of randomness: a seeded generator that records every draw.
//!
//! A real cluster makes random choices all the time: `-m statistic --mode random` picks a
//! Service endpoint, `MASQUERADE --random-fully` picks a source port, the kernel picks TCP
//! initial sequence numbers. The engine is deterministic, so randomness is an *input*: the
//! caller seeds an [`Rng`], and every value drawn from it is kept as a [`Draw`] so a trace
//! can show the learner exactly which number decided which branch.
//!
//! The generator is SplitMix64 (Sebastiano Vigna, <https://prng.di.unimi.it/splitmix64.c>,
//! public domain). It is tiny, has no dependencies (so nothing pulls `getrandom` into the
//! wasm build), passes BigCrush, and its output for a given seed is fixed forever, which is
//! what golden files need. It is not cryptographic and does not need to be.

use std::fmt;
use std::ops::Range;

/// SplitMix64's increment, the golden ratio in 64-bit fixed point.
const GOLDEN_GAMMA: u64 = 0x9e37_79b9_7f4a_7c15;

/// One value taken from the generator, with the reason it was taken.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Draw {
    /// What the value decides, e.g. `KUBE-SVC-XPGD46QRK7WJZT7O statistic` or `MASQUERADE source port`.
    pub purpose: String,
    /// The value handed to the caller (already reduced into `range` when there is one).
    pub value: u64,
    /// The half-open range the value was drawn from; `None` for a raw `next_u32`/`next_u64`.
    pub range: Option<Range<u64>>,
}

impl fmt::Display for Draw {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.range {
            Some(range) => write!(
                f,
                "{}: {} from [{}, {})",
                self.purpose, self.value, range.start, range.end
            ),
            None => write!(f, "{}: {}", self.purpose, self.value),
        }
    }
}

/// A seeded, recording random number generator (SplitMix64).
///
/// Two generators built with the same seed and asked the same questions give the same
/// answers on every platform, native or wasm.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Rng {
    state: u64,
    draws: Vec<Draw>,
}

impl Rng {
    /// A generator whose first output is SplitMix64's first output for `seed`.
    pub fn seeded(seed: u64) -> Rng {
        Rng {
            state: seed,
            draws: Vec::new(),
        }
    }

    /// The next 64 raw bits, recorded under `purpose`.
    pub fn next_u64(&mut self, purpose: impl Into<String>) -> u64 {
        let value = self.step();
        self.record(purpose.into(), value, None);
        value
    }

    /// The next 32 raw bits (the high half of a 64-bit output), recorded under `purpose`.
    pub fn next_u32(&mut self, purpose: impl Into<String>) -> u32 {
        let value = high_half(self.step());
        self.record(purpose.into(), u64::from(value), None);
        value
    }

    /// A uniformly distributed value in `range` (half-open), recorded under `purpose`.
    ///
    /// Uses Lemire's multiply-and-reject method ("Fast Random Integer Generation in an
    /// Interval", ACM TOMACS 2019), so there is no modulo bias. An empty range returns its
    /// start without drawing.
    pub fn range(&mut self, purpose: impl Into<String>, range: Range<u64>) -> u64 {
        let span = range.end.saturating_sub(range.start);
        if span == 0 {
            return range.start;
        }
        // Values of the low product below `threshold` would make some results more likely.
        let threshold = span.wrapping_neg() % span;
        let offset = loop {
            let product = u128::from(self.step()) * u128::from(span);
            let low = product as u64;
            if low >= threshold {
                break (product >> 64) as u64;
            }
        };
        let value = range.start.saturating_add(offset);
        self.record(purpose.into(), value, Some(range));
        value
    }

    /// Picks an index in `0..len`, recorded under `purpose`; `None` when `len` is zero.
    pub fn pick(&mut self, purpose: impl Into<String>, len: usize) -> Option<usize> {
        if len == 0 {
            return None;
        }
        let value = self.range(purpose, 0..len as u64);
        usize::try_from(value).ok()
    }

    /// `-m statistic --mode random`: port of `statistic_mt` (net/netfilter/xt_statistic.c),
    /// which matches when `(get_random_u32() & 0x7FFFFFFF) < probability`. `probability` is the
    /// kernel's value, `lround(0x80000000 * p)` for `--probability p` (iptables' libxt_statistic).
    /// The recorded draw is the masked value, from `[0, 2^31)`.
    pub fn statistic_random(&mut self, purpose: impl Into<String>, probability: u32) -> bool {
        let value = high_half(self.step()) & 0x7fff_ffff;
        self.record(purpose.into(), u64::from(value), Some(0..0x8000_0000));
        value < probability
    }

    /// The draws made so far, oldest first.
    pub fn draws(&self) -> &[Draw] {
        &self.draws
    }

    /// Hands over the recorded draws and starts a fresh record (the generator state is kept).
    pub fn take_draws(&mut self) -> Vec<Draw> {
        std::mem::take(&mut self.draws)
    }

    /// One SplitMix64 step, exactly as in Vigna's `splitmix64.c`.
    fn step(&mut self) -> u64 {
        self.state = self.state.wrapping_add(GOLDEN_GAMMA);
        let mut z = self.state;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    fn record(&mut self, purpose: String, value: u64, range: Option<Range<u64>>) {
        self.draws.push(Draw {
            purpose,
            value,
            range,
        });
    }
}

fn high_half(value: u64) -> u32 {
    (value >> 32) as u32
}

#[cfg(test)]
mod tests {
    use super::*;

    // Reference outputs of Vigna's splitmix64.c for seed 0, as published and used as test
    // vectors by many ports (e.g. the first value 0xe220a8397b1dcdaf).
    #[test]
    fn matches_splitmix64_reference_vectors() {
        let mut rng = Rng::seeded(0);
        assert_eq!(rng.next_u64("a"), 0xe220_a839_7b1d_cdaf);
        assert_eq!(rng.next_u64("b"), 0x6e78_9e6a_a1b9_65f4);
        assert_eq!(rng.next_u64("c"), 0x06c4_5d18_8009_454f);
        assert_eq!(rng.next_u64("d"), 0xf88b_b8a8_724c_81ec);
    }

    #[test]
    fn next_u32_is_the_high_half() {
        let mut rng = Rng::seeded(0);
        assert_eq!(rng.next_u32("port"), 0xe220_a839);
    }

    #[test]
    fn every_draw_is_recorded_with_its_purpose_and_range() {
        let mut rng = Rng::seeded(42);
        let port = rng.range("MASQUERADE source port", 1024..65536);
        let endpoint = rng.pick("KUBE-SVC-X endpoint", 3);
        assert!((1024..65536).contains(&port));
        assert!(matches!(endpoint, Some(0..=2)));
        let draws = rng.take_draws();
        assert_eq!(draws.len(), 2);
        assert_eq!(draws[0].purpose, "MASQUERADE source port");
        assert_eq!(draws[0].range, Some(1024..65536));
        assert_eq!(draws[0].value, port);
        assert_eq!(draws[1].range, Some(0..3));
        assert!(rng.draws().is_empty());
        assert_eq!(
            draws[0].to_string(),
            format!("MASQUERADE source port: {port} from [1024, 65536)")
        );
    }

    #[test]
    fn same_seed_same_answers_and_empty_ranges_do_not_draw() {
        let mut first = Rng::seeded(7);
        let mut second = Rng::seeded(7);
        let a: Vec<u64> = (0..20).map(|_| first.range("x", 0..10)).collect();
        let b: Vec<u64> = (0..20).map(|_| second.range("x", 0..10)).collect();
        assert_eq!(a, b);
        assert!(a.iter().all(|v| *v < 10));
        assert_eq!(first.range("empty", 5..5), 5);
        assert_eq!(first.pick("none", 0), None);
        assert_eq!(first.draws().len(), 20);
    }

    #[test]
    fn statistic_random_follows_the_kernel_threshold() {
        // Seed 0's first 32 bits are 0xe220a839; masked to 31 bits that is 0x6220a839.
        let mut rng = Rng::seeded(0);
        assert!(!rng.statistic_random("KUBE-SVC-X rule 1", 0x6220_a839));
        let mut rng = Rng::seeded(0);
        assert!(rng.statistic_random("KUBE-SVC-X rule 1", 0x6220_a83a));
        assert_eq!(rng.draws()[0].value, 0x6220_a839);
        assert_eq!(rng.draws()[0].range, Some(0..0x8000_0000));
        // Probability 0.5 (0x40000000) is taken about half the time.
        let mut rng = Rng::seeded(3);
        let taken = (0..2000)
            .filter(|_| rng.statistic_random("half", 0x4000_0000))
            .count();
        assert!((900..1100).contains(&taken), "{taken}");
    }

    #[test]
    fn range_is_roughly_uniform() {
        let mut rng = Rng::seeded(1);
        let mut counts = [0u32; 3];
        for _ in 0..3000 {
            counts[rng.range("bucket", 0..3) as usize] += 1;
        }
        assert!(counts.iter().all(|c| (900..1100).contains(c)), "{counts:?}");
    }
}
