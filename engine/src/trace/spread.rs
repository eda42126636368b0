//! Where connections land: the exact probability of each endpoint and a seeded Monte Carlo
//! count, for one client and one URL.
//!
//! Part of [`crate::trace`]. The exact figures come from enumerating the random branches of
//! the first nat table that decides (`netfilter::eval::probabilities`: the cascade 1/n,
//! 1/(n-1), … multiplied out), evaluated with the session's `recent` lists, so ClientIP
//! affinity shows up as probability 1 for the remembered endpoint. The Monte Carlo run
//! traces `count` connections (handshake only) on a copy of the session, quietly
//! ([`super::connection::outcome`]: every rule is evaluated and every random number drawn as
//! in a recorded trace, without building the steps), with every node's rules indexed
//! ([`crate::netfilter::eval::WalkIndex`]: jumps resolved once, runs of `-d x/32` rules for
//! other addresses skipped). tests/montecarlo.rs checks that the counts are those of recorded
//! traces.
//!
//! Each connection starts from the session's conntrack tables: what it added is forgotten
//! before the next one, as if it had closed and its entries had expired. The `recent` lists
//! (ClientIP affinity), Envoy's round robin, the clock and the generator carry on from one
//! connection to the next. Without the forgetting, a million connections would keep a million
//! entries on every host they cross, and after about 28,000 the client would run out of
//! ephemeral ports (`ip_local_port_range`) for one Service address, so the later "draws"
//! would reuse old flows instead of evaluating the rules.

use std::collections::BTreeMap;

use crate::packet::Packet;
use crate::packet::TcpSegment;

use super::connection::{outcome_indexed, trace};
use super::lab::Lab;
use super::session::{EPHEMERAL_PORTS, Session};
use super::stack::Walker;
use super::url::Url;
use super::{Outcome, TraceOptions};

/// One endpoint's share.
#[derive(Clone, Debug, PartialEq)]
pub struct EndpointShare {
    /// `namespace/pod`, the address when no pod has it, or a non-answer outcome
    /// (`rejected`, `dropped`, …).
    pub endpoint: String,
    /// The exact probability (0 when it only showed up in the Monte Carlo run).
    pub probability: f64,
    /// The probability as a fraction `numerator/2^exponent`, when exact.
    pub exact: Option<(u128, u32)>,
    /// Connections of the Monte Carlo run that ended here.
    pub count: u64,
}

/// The distribution for one client and URL.
#[derive(Clone, Debug, PartialEq)]
pub struct Spread {
    /// The node whose nat table decides, and at which hook.
    pub deciding: Option<(String, crate::netfilter::Hook)>,
    pub shares: Vec<EndpointShare>,
    /// Connections traced.
    pub runs: u64,
    /// The enumeration hit its path limit (the figures are partial).
    pub truncated: bool,
}

/// Exact probabilities and `count` seeded connections from `from` to `target`. The
/// session is not changed.
pub fn spread(lab: &Lab, session: &Session, from: &str, target: &str, count: u64) -> Spread {
    let mut shares: BTreeMap<String, EndpointShare> = BTreeMap::new();
    let mut deciding = None;
    let mut truncated = false;
    if let Some(probe) = probe(lab, session, from, target) {
        deciding = Some((probe.host.clone(), probe.hook));
        truncated = probe.distribution.truncated;
        for outcome in &probe.distribution.outcomes {
            let name = match outcome.nat.as_ref().and_then(|nat| nat.destination()) {
                Some((address, _)) => lab
                    .pod_with_ip(address)
                    .map_or_else(|| address.to_string(), |pod| pod.key()),
                None => format!("no DNAT ({})", outcome.verdict),
            };
            let share = shares.entry(name.clone()).or_insert(EndpointShare {
                endpoint: name,
                probability: 0.0,
                exact: Some((0, 0)),
                count: 0,
            });
            share.probability += outcome.probability;
            share.exact = match (share.exact, outcome.exact) {
                (Some((0, 0)), Some(exact)) => Some((exact.numerator(), exact.exponent())),
                (Some(sum), Some(exact)) => add_dyadic(sum, (exact.numerator(), exact.exponent())),
                _ => None,
            };
        }
    }
    let mut copy = session.clone();
    let options = TraceOptions {
        complete: false,
        ..TraceOptions::default()
    };
    let indexes = if count > 0 { lab.walk_indexes() } else { Default::default() };
    for _ in 0..count {
        let traced = outcome_indexed(lab, &indexes, &mut copy, from, target, &options);
        forget_connection(&mut copy, session);
        let name = match &traced {
            Outcome::Answered { host, pod, .. } => pod.clone().unwrap_or_else(|| host.clone()),
            Outcome::Refused { .. } => "refused".to_string(),
            Outcome::Rejected { .. } => "rejected".to_string(),
            Outcome::Dropped { .. } => "dropped".to_string(),
            Outcome::NoRoute { .. } => "no route".to_string(),
            Outcome::Timeout { .. } => "timeout".to_string(),
            Outcome::Unresolved { .. } => "unresolved".to_string(),
            Outcome::NotEmulated { .. } => "not emulated".to_string(),
        };
        let share = shares.entry(name.clone()).or_insert(EndpointShare {
            endpoint: name,
            probability: 0.0,
            exact: None,
            count: 0,
        });
        share.count = share.count.saturating_add(1);
    }
    Spread {
        deciding,
        shares: shares.into_values().collect(),
        runs: count,
        truncated,
    }
}

/// Puts back the conntrack tables of `session` (the Monte Carlo run's starting point) in
/// `copy`, forgetting the connection just traced. `clone_from` reuses the copy's allocations.
pub(crate) fn forget_connection(copy: &mut Session, session: &Session) {
    copy.conntrack.clone_from(&session.conntrack);
}

/// `a/2^m + b/2^n` as a dyadic fraction, if it fits.
fn add_dyadic(a: (u128, u32), b: (u128, u32)) -> Option<(u128, u32)> {
    let exponent = a.1.max(b.1);
    let scale = |(numerator, exp): (u128, u32)| numerator.checked_mul(1u128.checked_shl(exponent.checked_sub(exp)?)?);
    Some((scale(a)?.checked_add(scale(b)?)?, exponent))
}

/// Sends one SYN with the probe on (on a copy of the session) and returns the first nat
/// decision point's distribution.
fn probe(lab: &Lab, session: &Session, from: &str, target: &str) -> Option<super::stack::Probe> {
    let mut copy = session.clone();
    let origin = lab.resolve_host(from)?;
    let url = Url::parse(target).ok()?;
    let address = match url.address() {
        Some(address) => address,
        None => {
            // Resolve through a traced lookup on the copy, then probe the address.
            let resolved = trace(
                lab,
                &mut copy,
                from,
                &format!("{}://{}:{}/", url.scheme, url.host, url.port),
                &TraceOptions {
                    complete: false,
                    ..TraceOptions::default()
                },
            );
            resolved.client?.dst
        }
    };
    let source = match origin.route_get(address) {
        crate::dataplane::RouteGet::Reachable {
            source: Some(source), ..
        } => source,
        _ => return None,
    };
    let port = u16::try_from(copy.rng.range("client source port", EPHEMERAL_PORTS)).unwrap_or(32768);
    let syn = Packet::tcp(source, address, TcpSegment::syn(port, url.port, 1));
    let mut walker = Walker::new(lab, &mut copy);
    walker.record = false;
    walker.probe = Some(None);
    let _ = walker.output(&origin.name, syn, 0);
    walker.probe.flatten()
}
