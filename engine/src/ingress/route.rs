//! Envoy's L7 decision for one request: which virtual host, which route, which backend,
//! and why every other candidate lost.
//!
//! Reads the [`RouteTable`] built by [`super::table`]; the trace shows the result as the
//! Envoy step. Envoy picks the virtual host by the `Host` header first (exact, then
//! wildcard, then `*`) and then tries that host's routes in order; the first route whose
//! path (and, on wildcard hosts, Contour's one-label header check) matches wins. Routes of
//! other virtual hosts are never tried, so a precise host whose paths all miss answers 404
//! even when a `*` host (or `spec.defaultBackend`) would have matched. When nothing matches
//! Envoy answers itself: `404 Not Found` with an empty body (response flag `NR`).

use std::fmt;

use super::host::{HostMatch, normalize_host};
use super::path::request_path;
use super::table::{Route, RouteTable};

/// Envoy's own answer when no route matches: status and headers, without `date` (which
/// Envoy adds first, from its clock). [unverified: header order as seen with `curl -v`.]
pub const NOT_FOUND_STATUS: (u16, &str) = (404, "Not Found");
pub const NOT_FOUND_HEADERS: &[(&str, &str)] = &[("server", "envoy"), ("content-length", "0")];

/// How one route fared.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Verdict {
    /// This route matched and was used.
    Matched,
    /// The path does not match.
    PathMismatch,
    /// The path matches, but the host is not exactly one label under the wildcard.
    NotOneLabel,
    /// An earlier route already matched; Envoy never tried this one.
    NotReached,
}

/// A route of the chosen virtual host, with its verdict.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Considered {
    pub route: Route,
    pub verdict: Verdict,
}

/// Why no backend was chosen.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum NotFound {
    /// No virtual host's domain matches the host (and there is no `*` host).
    NoVirtualHost,
    /// The chosen virtual host has no route for this path.
    NoRoute,
}

/// The result of routing one request.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Outcome {
    Routed(Route),
    NotFound(NotFound),
}

/// Envoy's decision with its reasons.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RouteDecision {
    /// The host as matched: lowercased, port removed.
    pub host: String,
    /// The path as matched and forwarded: query string removed, dot segments resolved.
    pub path: String,
    /// The virtual host chosen, if any.
    pub virtual_host: Option<HostMatch>,
    /// Virtual hosts whose domain did not match, or that lost to a more precise one.
    pub other_hosts: Vec<(HostMatch, bool)>,
    /// The chosen virtual host's routes in Envoy's order, each with its verdict.
    pub considered: Vec<Considered>,
    pub outcome: Outcome,
}

impl RouteDecision {
    /// The route used, if any.
    pub fn route(&self) -> Option<&Route> {
        match &self.outcome {
            Outcome::Routed(route) => Some(route),
            Outcome::NotFound(_) => None,
        }
    }
}

/// Routes a request with `Host: host_header` for `target` (path and optional query).
pub fn route(table: &RouteTable, host_header: &str, target: &str) -> RouteDecision {
    let host = normalize_host(host_header);
    let path = request_path(target);
    // The table is sorted by Envoy's preference, so the first domain match wins.
    let chosen = table.virtual_hosts.iter().position(|virtual_host| virtual_host.host.domain_matches(&host));
    let other_hosts = table
        .virtual_hosts
        .iter()
        .enumerate()
        .filter(|(index, _)| Some(*index) != chosen)
        .map(|(_, virtual_host)| (virtual_host.host.clone(), virtual_host.host.domain_matches(&host)))
        .collect();
    let Some(virtual_host) = chosen.and_then(|index| table.virtual_hosts.get(index)) else {
        return RouteDecision {
            host,
            path,
            virtual_host: None,
            other_hosts,
            considered: Vec::new(),
            outcome: Outcome::NotFound(NotFound::NoVirtualHost),
        };
    };
    let mut considered = Vec::new();
    let mut winner = None;
    for route in &virtual_host.routes {
        let verdict = if winner.is_some() {
            Verdict::NotReached
        } else if !route.path.matches(&path) {
            Verdict::PathMismatch
        } else if !virtual_host.host.single_label(&host) {
            Verdict::NotOneLabel
        } else {
            winner = Some(route.clone());
            Verdict::Matched
        };
        considered.push(Considered { route: route.clone(), verdict });
    }
    let outcome = match winner {
        Some(route) => Outcome::Routed(route),
        None => Outcome::NotFound(NotFound::NoRoute),
    };
    RouteDecision { host, path, virtual_host: Some(virtual_host.host.clone()), other_hosts, considered, outcome }
}

impl fmt::Display for Verdict {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Verdict::Matched => "matched",
            Verdict::PathMismatch => "path does not match",
            Verdict::NotOneLabel => "host is not exactly one label under the wildcard",
            Verdict::NotReached => "not tried (an earlier route matched)",
        })
    }
}

impl fmt::Display for RouteDecision {
    /// The decision as the trace's Envoy step explains it, one fact per line.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(f, "host {} path {}", self.host, self.path)?;
        match &self.virtual_host {
            Some(host) => writeln!(f, "virtual host {host}")?,
            None => writeln!(f, "no virtual host matches")?,
        }
        for (host, domain_matches) in &self.other_hosts {
            let why = if *domain_matches { "a more precise host matched" } else { "domain does not match" };
            writeln!(f, "  skipped virtual host {host}: {why}")?;
        }
        for considered in &self.considered {
            writeln!(f, "  {}: {}", considered.route, considered.verdict)?;
        }
        match &self.outcome {
            Outcome::Routed(route) => writeln!(f, "=> {} via {}", route.backend, route.source),
            Outcome::NotFound(NotFound::NoVirtualHost) => writeln!(f, "=> 404 from Envoy (no virtual host)"),
            Outcome::NotFound(NotFound::NoRoute) => writeln!(f, "=> 404 from Envoy (no route)"),
        }
    }
}
