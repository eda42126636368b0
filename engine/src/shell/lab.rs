//! The `lab` command: what the lab can show that no Linux tool prints. `lab trace URL` (every
//! step of one connection from this host, [`crate::trace::Trace::text`]), `lab spread URL
//! [--count N]` (where connections land: the exact probability of each endpoint and a seeded
//! Monte Carlo count, [`crate::trace::spread`]), `lab reset` (forget every connection and
//! affinity entry) and `lab seed N` (start again with the generator seeded with N).
//!
//! Part of [`crate::shell`]. `lab trace` is a real connection in the session, like `curl`:
//! conntrack, affinity and `tcpdump` see it. `lab spread` runs on a copy and changes nothing.

use std::fmt::Write as _;

use crate::trace::{Spread, TraceOptions};

use super::host::Host;
use super::tabwriter::Table;
use super::{CommandOutput, Lab};

/// Connections `lab spread` traces when `--count` is not given.
pub const DEFAULT_SPREAD_COUNT: u64 = 1000;

/// The most connections one `lab spread` traces.
pub const MAX_SPREAD_COUNT: u64 = 1_000_000;

fn usage(message: &str) -> CommandOutput {
    CommandOutput::fail(
        2,
        format!(
            "lab: {message}\nUsage: lab trace URL | lab spread URL [--count N] | lab reset | lab seed N"
        ),
    )
}

/// `lab SUBCOMMAND ...` on `host`.
pub fn run(lab: &mut Lab, host: &Host, args: &[String]) -> CommandOutput {
    let Some((command, rest)) = args.split_first() else {
        return usage("which lab command?");
    };
    match command.as_str() {
        "trace" => match rest {
            [url] => {
                let from = lab.net_host_name(host);
                CommandOutput::ok(lab.connect(&from, url, &TraceOptions::default()).text())
            }
            _ => usage("lab trace takes one URL"),
        },
        "spread" => spread_command(lab, host, rest),
        "reset" if rest.is_empty() => {
            lab.reset();
            CommandOutput::ok("")
        }
        "seed" => match rest {
            [seed] => match seed.parse::<u64>() {
                Ok(seed) => {
                    lab.reseed(seed);
                    CommandOutput::ok("")
                }
                Err(_) => usage(&format!("the seed is a whole number from 0 to {}, not `{seed}`", u64::MAX)),
            },
            _ => usage("lab seed takes one number"),
        },
        "reset" => usage("lab reset takes no arguments"),
        other => usage(&format!("unknown command `{other}`")),
    }
}

fn spread_command(lab: &mut Lab, host: &Host, args: &[String]) -> CommandOutput {
    let mut url = None;
    let mut count = DEFAULT_SPREAD_COUNT;
    let mut iter = args.iter();
    while let Some(arg) = iter.next() {
        let value = match arg.as_str() {
            "--count" | "-n" => match iter.next() {
                Some(value) => Some(value.clone()),
                None => return usage("--count needs a number"),
            },
            other => other.strip_prefix("--count=").map(ToString::to_string),
        };
        match value {
            Some(value) => match value.parse::<u64>() {
                Ok(parsed) if parsed <= MAX_SPREAD_COUNT => count = parsed,
                _ => return usage(&format!("--count takes a number from 0 to {MAX_SPREAD_COUNT}, not `{value}`")),
            },
            None if url.is_none() && !arg.starts_with('-') => url = Some(arg.clone()),
            None => return usage(&format!("unexpected `{arg}`")),
        }
    }
    let Some(url) = url else {
        return usage("lab spread needs a URL");
    };
    let from = lab.net_host_name(host);
    let spread = crate::trace::spread(lab.net(), lab.session(), &from, &url, count);
    CommandOutput::ok(spread_text(&spread, lab.session().seed))
}

/// `a/2^e` reduced to lowest terms, `1` and `0` as such.
fn dyadic_text(numerator: u128, exponent: u32) -> String {
    let (mut numerator, mut exponent) = (numerator, exponent);
    while exponent > 0 && numerator % 2 == 0 && numerator > 0 {
        numerator /= 2;
        exponent = exponent.saturating_sub(1);
    }
    match (numerator, exponent) {
        (0, _) => "0".to_string(),
        (n, 0) => n.to_string(),
        (n, e) => format!("{n}/2^{e}"),
    }
}

/// The spread as a table: endpoint, exact probability, decimal, connections counted.
fn spread_text(spread: &Spread, seed: u64) -> String {
    let mut out = String::new();
    match &spread.deciding {
        Some((node, hook)) => {
            let _ = writeln!(out, "# decided by the nat table of {node} at {hook}");
        }
        None => out.push_str("# no nat table decides (the exact odds are unknown)\n"),
    }
    let mut table = Table::new();
    table.push(vec!["ENDPOINT".to_string(), "EXACT".to_string(), "PROBABILITY".to_string(), "CONNECTIONS".to_string(), "SHARE".to_string()]);
    for share in &spread.shares {
        let exact = share.exact.map_or_else(|| "-".to_string(), |(n, e)| dyadic_text(n, e));
        let observed = if spread.runs == 0 {
            "-".to_string()
        } else {
            #[allow(clippy::cast_precision_loss, reason = "counts far below 2^52")]
            let ratio = share.count as f64 / spread.runs as f64;
            format!("{ratio:.4}")
        };
        table.push(vec![
            share.endpoint.clone(),
            exact,
            format!("{:.10}", share.probability),
            share.count.to_string(),
            observed,
        ]);
    }
    out.push_str(&table.render());
    if spread.truncated {
        out.push_str("# too many random paths: the exact figures cover only some of them\n");
    }
    let _ = writeln!(out, "# {} connections traced (seed {seed})", spread.runs);
    out
}

#[cfg(test)]
mod tests {
    use super::dyadic_text;

    #[test]
    fn dyadic_fractions() {
        assert_eq!(dyadic_text(715_827_883, 31), "715827883/2^31");
        assert_eq!(dyadic_text(1_431_655_765, 32), "1431655765/2^32");
        assert_eq!(dyadic_text(4, 3), "1/2^1");
        assert_eq!(dyadic_text(1, 0), "1");
        assert_eq!(dyadic_text(0, 5), "0");
    }
}
