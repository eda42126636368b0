//! The "Send 1,000" histogram's content: for each endpoint, how many connections of a
//! Monte Carlo run landed there against the exact probability kube-proxy's rules give it,
//! and Pearson's chi-square test of whether the counts fit those odds.
//!
//! Pure: it reads an [`engine::trace::Spread`] (the engine's `trace::spread`) and returns
//! numbers and labels; `components::histogram` draws them as SVG bars with a text table.
//! The exact odds are dyadic fractions (`numerator / 2^exponent`): the kernel's
//! `statistic --mode random --probability p` compares a random number with
//! `p * 2^31` (xt_statistic.c), so kube-proxy's "1/3" is `lround(2^31/3)/2^31`, a hair
//! off a third. [`fraction_label`] names the simple fraction such a value stands for.

use engine::trace::Spread;

/// The largest denominator a probability is named by (`1/64`); past it, only the percentage.
pub const MAX_DENOMINATOR: u32 = 64;

/// How far a dyadic probability may be from `k/q` and still be called `k/q`. The kernel's
/// rounding is below 2^-31 per rule; a cascade of up to 64 rules stays far below this.
const FRACTION_TOLERANCE: f64 = 1e-6;

/// The significance level of the test: 1 %.
pub const SIGNIFICANCE: f64 = 0.01;

/// The chi-square distribution's 0.99 quantile for 1 to 10 degrees of freedom (any table
/// of the distribution, e.g. NIST/SEMATECH e-Handbook §1.3.6.7.4).
const CRITICAL_99: [f64; 10] = [6.635, 9.210, 11.345, 13.277, 15.086, 16.812, 18.475, 20.090, 21.666, 23.209];

/// The 0.99 quantile of z, for the Wilson–Hilferty approximation past the table.
const Z_99: f64 = 2.326_348;

/// One endpoint's row.
#[derive(Clone, Debug, PartialEq)]
pub struct Bar {
    /// `namespace/pod`, an address, or an outcome such as `dropped`.
    pub endpoint: String,
    /// Connections of the run that ended here.
    pub count: u64,
    /// `count / runs` (0 when nothing was sent).
    pub observed: f64,
    /// The exact probability from the rules (0 when the endpoint only showed up in the run).
    pub probability: f64,
    /// The probability as a simple fraction (`1/3`), when it is one.
    pub fraction: Option<String>,
    /// `33.3 %`.
    pub probability_label: String,
    /// `32.9 %`, or `-` when nothing was sent.
    pub observed_label: String,
    /// Bar lengths as a share of the chart's width, 0 to 1 (the longest bar is 1).
    pub observed_width: f64,
    pub expected_width: f64,
}

/// Pearson's chi-square test of the counts against the exact odds.
#[derive(Clone, Debug, PartialEq)]
pub struct ChiSquare {
    /// Σ (observed − expected)² / expected over the endpoints with a non-zero probability,
    /// expected = probability × the connections that ended at one of them.
    pub statistic: f64,
    /// Endpoints with a non-zero probability, minus one.
    pub degrees_of_freedom: usize,
    /// The statistic's 0.99 quantile: above it, the counts do not fit at 1 %.
    pub critical: f64,
    /// Connections that ended where the rules give no chance at all (left out of the test).
    pub unexpected: u64,
    /// Whether the counts fit the odds at 1 % significance.
    pub fits: bool,
    /// Every expected count is at least 5 (the usual condition for the test to be trusted).
    pub enough_runs: bool,
}

/// Everything the histogram shows.
#[derive(Clone, Debug, PartialEq)]
pub struct Histogram {
    pub bars: Vec<Bar>,
    pub runs: u64,
    /// `None` when nothing was sent or the exact odds are not known.
    pub chi_square: Option<ChiSquare>,
    /// The exact odds cover only some random paths (the engine's enumeration stopped).
    pub truncated: bool,
}

impl Histogram {
    pub fn new(spread: &Spread) -> Histogram {
        let runs = spread.runs;
        let ratio = |count: u64| if runs == 0 { 0.0 } else { count as f64 / runs as f64 };
        let scale = spread
            .shares
            .iter()
            .map(|share| share.probability.max(ratio(share.count)))
            .fold(0.0_f64, f64::max);
        let width = |value: f64| if scale > 0.0 && value.is_finite() { (value / scale).clamp(0.0, 1.0) } else { 0.0 };
        let bars = spread
            .shares
            .iter()
            .map(|share| {
                let observed = ratio(share.count);
                Bar {
                    endpoint: share.endpoint.clone(),
                    count: share.count,
                    observed,
                    probability: share.probability,
                    fraction: share.exact.and_then(|(numerator, exponent)| fraction_label(numerator, exponent)),
                    probability_label: percent(share.probability),
                    observed_label: if runs == 0 { "-".to_string() } else { percent(observed) },
                    observed_width: width(observed),
                    expected_width: width(share.probability),
                }
            })
            .collect();
        Histogram { bars, runs, chi_square: chi_square(spread), truncated: spread.truncated }
    }
}

/// `33.3 %`, one decimal.
pub fn percent(value: f64) -> String {
    format!("{:.1} %", value * 100.0)
}

/// The simple fraction `k/q` (`q` ≤ [`MAX_DENOMINATOR`], lowest terms) that the dyadic
/// `numerator / 2^exponent` stands for: `1`, `0`, `1/2`, `1/3`, `2/3`. `None` when no such
/// fraction is close enough or the exponent is past what an `f64` holds.
pub fn fraction_label(numerator: u128, exponent: u32) -> Option<String> {
    let value = numerator as f64 / 2f64.powi(i32::try_from(exponent).ok()?);
    if !value.is_finite() {
        return None;
    }
    (1..=MAX_DENOMINATOR).find_map(|q| {
        let k = (value * f64::from(q)).round();
        if (value - k / f64::from(q)).abs() >= FRACTION_TOLERANCE {
            return None;
        }
        Some(match (k as u64, q) {
            // A positive probability too small for an f64 is not "0".
            (0, _) if numerator > 0 => return None,
            (0, _) => "0".to_string(),
            (k, 1) => k.to_string(),
            (k, q) => format!("{k}/{q}"),
        })
    })
}

/// The chi-square distribution's 0.99 quantile for `degrees` degrees of freedom: the
/// table up to 10, then the Wilson–Hilferty approximation
/// `k (1 − 2/(9k) + z √(2/(9k)))³` (within 0.1 % there).
pub fn critical_value(degrees: usize) -> f64 {
    match degrees.checked_sub(1).and_then(|index| CRITICAL_99.get(index)) {
        Some(value) => *value,
        None if degrees == 0 => 0.0,
        None => {
            let k = degrees as f64;
            let a = 2.0 / (9.0 * k);
            k * (1.0 - a + Z_99 * a.sqrt()).powi(3)
        }
    }
}

/// Pearson's test over the endpoints the rules can choose, on the connections that ended
/// at one of them. Connections that ended elsewhere (dropped after the choice, e.g. a
/// source-port clash in conntrack) are counted in `unexpected`, not in the test: what is
/// tested is the choice kube-proxy's rules make.
fn chi_square(spread: &Spread) -> Option<ChiSquare> {
    let total: f64 = spread.shares.iter().map(|share| share.probability).sum();
    if spread.runs == 0 || spread.truncated || (total - 1.0).abs() > 1e-6 {
        return None;
    }
    let chosen = |share: &&engine::trace::EndpointShare| share.probability > 0.0;
    let landed: u64 = spread.shares.iter().filter(chosen).map(|share| share.count).sum();
    if landed == 0 {
        return None;
    }
    let unexpected = spread.runs.saturating_sub(landed);
    let mut statistic = 0.0;
    let mut enough_runs = true;
    for share in spread.shares.iter().filter(chosen) {
        let expected = share.probability * landed as f64;
        let difference = share.count as f64 - expected;
        statistic += difference * difference / expected;
        enough_runs &= expected >= 5.0;
    }
    let degrees_of_freedom = spread.shares.iter().filter(chosen).count().saturating_sub(1);
    let critical = critical_value(degrees_of_freedom);
    Some(ChiSquare { statistic, degrees_of_freedom, critical, unexpected, fits: statistic <= critical, enough_runs })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::examples::Example;
    use engine::trace::{Lab, Session};

    fn lab(example: Example) -> Lab {
        let (manifests, _) = engine::manifest::parse(example.text());
        let (cluster, _) = engine::cluster::build(&manifests);
        Lab::new(cluster)
    }

    #[test]
    fn kernel_thirds_are_named_one_third() {
        // kube-proxy writes 0.33333333349 for the first of three endpoints; the kernel keeps
        // lround(2^31/3) = 715827883 of 2^31 (kube-proxy-iptables.md §12.5).
        assert_eq!(fraction_label(715_827_883, 31).as_deref(), Some("1/3"));
        assert_eq!(fraction_label(1, 1).as_deref(), Some("1/2"));
        assert_eq!(fraction_label(1, 0).as_deref(), Some("1"));
        assert_eq!(fraction_label(0, 0).as_deref(), Some("0"));
        assert_eq!(fraction_label(3, 2).as_deref(), Some("3/4"));
        // (1 - 1/3) as the kernel rounds it, times the second rule's 1/2: two thirds left, halved.
        let rest = (1u128 << 31) - 715_827_883;
        assert_eq!(fraction_label(rest * (1 << 30), 62).as_deref(), Some("1/3"));
        // 1/97 has no simple name under 64; an exponent past f64 has none either.
        assert_eq!(fraction_label(22_139_006, 31), None);
        assert_eq!(fraction_label(1, 2000), None);
    }

    #[test]
    fn critical_values_match_the_table_and_the_approximation() {
        assert_eq!(critical_value(1), 6.635);
        assert_eq!(critical_value(2), 9.210);
        assert_eq!(critical_value(0), 0.0);
        // The 0.99 quantile at 20 and 30 degrees of freedom is 37.566 and 50.892.
        assert!((critical_value(20) - 37.566).abs() < 0.05, "{}", critical_value(20));
        assert!((critical_value(30) - 50.892).abs() < 0.05, "{}", critical_value(30));
        // The approximation joins the table smoothly at 10 -> 11 (24.725).
        assert!((critical_value(11) - 24.725).abs() < 0.05, "{}", critical_value(11));
    }

    #[test]
    fn clusterip_two_pods_each_one_half() {
        let lab = lab(Example::ClusterIp);
        let service = lab.cluster.services.iter().find(|s| s.name == "sample-service").expect("sample-service");
        let ip = service.cluster_ip.expect("a ClusterIP");
        let spread = engine::trace::spread(&lab, &Session::new(3), "node1", &format!("http://{ip}:8080/"), 1000);
        let histogram = Histogram::new(&spread);
        let pods: Vec<&Bar> = histogram.bars.iter().filter(|bar| bar.probability > 0.0).collect();
        assert_eq!(pods.len(), 2, "{histogram:?}");
        for bar in &pods {
            assert!(bar.endpoint.starts_with("default/web-"), "{bar:?}");
            assert_eq!(bar.fraction.as_deref(), Some("1/2"));
            assert_eq!(bar.probability_label, "50.0 %");
        }
        let counted: u64 = histogram.bars.iter().map(|bar| bar.count).sum();
        assert_eq!(counted, 1000);
        // The observed shares are the counts over the runs, and the longest bar fills the chart.
        for bar in &histogram.bars {
            assert_eq!(bar.observed, bar.count as f64 / 1000.0);
            assert_eq!(bar.observed_label, percent(bar.observed));
        }
        let scale = histogram.bars.iter().map(|b| b.observed.max(b.probability)).fold(0.0, f64::max);
        for bar in &histogram.bars {
            assert!((bar.expected_width - bar.probability / scale).abs() < 1e-12, "{bar:?}");
            assert!((bar.observed_width - bar.observed / scale).abs() < 1e-12, "{bar:?}");
        }
        let longest = histogram.bars.iter().map(|b| b.observed_width.max(b.expected_width)).fold(0.0, f64::max);
        assert_eq!(longest, 1.0);
        // Fair coins: Pearson's statistic by hand over the connections that reached a pod, and
        // it fits at 1 % (seeded, so stable). Every one of the 1,000 reached a pod: a
        // MASQUERADE port that clashes moves on to a free one, as Linux does.
        let test = histogram.chi_square.expect("a test");
        let landed: u64 = pods.iter().map(|bar| bar.count).sum();
        let half = landed as f64 / 2.0;
        let by_hand: f64 = pods.iter().map(|bar| (bar.count as f64 - half).powi(2) / half).sum();
        assert!((test.statistic - by_hand).abs() < 1e-9);
        assert_eq!(test.degrees_of_freedom, 1);
        assert_eq!(test.critical, 6.635);
        assert_eq!(test.unexpected, 1000 - landed);
        assert_eq!(test.unexpected, 0, "{test:?}");
        assert!(test.enough_runs);
        assert!(test.fits, "{test:?}");
    }

    #[test]
    fn session_affinity_sends_every_connection_to_one_pod() {
        let lab = lab(Example::SessionAffinity);
        let spread = engine::trace::spread(&lab, &Session::new(1), "client", "http://172.16.120.63:31090/", 300);
        let histogram = Histogram::new(&spread);
        let pods: Vec<&Bar> = histogram.bars.iter().filter(|bar| bar.probability > 0.0).collect();
        // Before the first connection nobody is remembered: each of the three pods has a third.
        assert_eq!(pods.len(), 3, "{histogram:?}");
        assert!(pods.iter().all(|bar| bar.fraction.as_deref() == Some("1/3") && bar.probability_label == "33.3 %"));
        // After it, ClientIP affinity sends the whole run to the pod the first one chose.
        let busy: Vec<&&Bar> = pods.iter().filter(|bar| bar.count > 0).collect();
        assert_eq!(busy.len(), 1, "{histogram:?}");
        assert_eq!(busy.first().map(|bar| bar.count), Some(300));
        assert_eq!(busy.first().map(|bar| bar.observed_label.as_str()), Some("100.0 %"));
        // So the counts are nowhere near independent thirds: χ² = (300−100)²/100 + 100 + 100 = 600.
        let test = histogram.chi_square.expect("a test");
        let by_hand = (300.0f64 - 100.0).powi(2) / 100.0 + 100.0 + 100.0;
        assert!((test.statistic - by_hand).abs() < 1e-3, "{test:?}");
        assert_eq!(test.degrees_of_freedom, 2);
        assert!(!test.fits);
    }

    #[test]
    fn no_runs_shows_only_the_odds() {
        let lab = lab(Example::ClusterIp);
        let ip = lab.cluster.services.iter().find(|s| s.name == "sample-service").and_then(|s| s.cluster_ip);
        let ip = ip.expect("a ClusterIP");
        let spread = engine::trace::spread(&lab, &Session::new(3), "node1", &format!("http://{ip}:8080/"), 0);
        let histogram = Histogram::new(&spread);
        assert_eq!(histogram.chi_square, None);
        assert!(histogram.bars.iter().all(|bar| bar.observed_label == "-" && bar.observed_width == 0.0));
        assert!(histogram.bars.iter().all(|bar| bar.expected_width == 1.0));
    }

    #[test]
    fn connections_that_end_elsewhere_are_reported_not_tested() {
        use engine::trace::EndpointShare;
        let share = |endpoint: &str, probability: f64, count: u64| EndpointShare {
            endpoint: endpoint.to_string(),
            probability,
            exact: None,
            count,
        };
        let spread = Spread {
            deciding: None,
            shares: vec![share("default/a", 1.0, 9), share("dropped", 0.0, 1)],
            runs: 10,
            truncated: false,
        };
        let test = Histogram::new(&spread).chi_square.expect("a test");
        assert_eq!(test.degrees_of_freedom, 0);
        assert_eq!(test.unexpected, 1);
        // One endpoint: nothing to test, it always fits; the stray connection is reported.
        assert_eq!(test.statistic, 0.0);
        assert!(test.fits);
        // Nothing landed where the rules send it: no test.
        let elsewhere = Spread { shares: vec![share("default/a", 1.0, 0), share("dropped", 0.0, 10)], ..spread.clone() };
        assert_eq!(Histogram::new(&elsewhere).chi_square, None);
        // Exact odds that do not add up to 1 (or a truncated enumeration) give no test at all.
        let partial = Spread { truncated: true, ..spread };
        assert_eq!(Histogram::new(&partial).chi_square, None);
    }
}
