//! Ingress hosts as Envoy virtual hosts, and how Envoy picks one for a request's `Host`.
//!
//! Contour makes one virtual host per distinct rule host (`*` for rules without a host,
//! `IngressProcessor.computeIngressRule`). Envoy picks a virtual host by domain: an exact
//! name first, then the longest `*.suffix` wildcard, then `*`. Envoy's wildcard matches any
//! number of labels, so Contour adds a header match to every route of a wildcard host that
//! accepts exactly one label (`wildcardDomainHeaderMatch`), as the Kubernetes docs require
//! (`*.foo.com` matches `bar.foo.com`, not `baz.bar.foo.com` or `foo.com`).

use std::cmp::Ordering;
use std::fmt;

/// A virtual host's domain.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum HostMatch {
    /// A precise host, lowercased, e.g. `foo.bar.com`.
    Exact(String),
    /// `*.foo.com`, kept as the suffix without the star (`.foo.com`).
    Wildcard(String),
    /// `*`: rules without a host (and Contour's rewrite of `spec.defaultBackend`).
    Any,
}

impl HostMatch {
    /// The virtual host for a rule's `host` (`None` or empty means every host).
    pub fn from_rule(host: Option<&str>) -> HostMatch {
        match host.map(str::trim).filter(|host| !host.is_empty()) {
            None | Some("*") => HostMatch::Any,
            Some(host) => match host.strip_prefix('*') {
                Some(suffix) if suffix.starts_with('.') => HostMatch::Wildcard(suffix.to_ascii_lowercase()),
                _ => HostMatch::Exact(host.to_ascii_lowercase()),
            },
        }
    }

    /// Whether Envoy's domain match selects this virtual host for the (normalized) host.
    pub fn domain_matches(&self, host: &str) -> bool {
        match self {
            HostMatch::Exact(name) => host == name,
            // Envoy's suffix wildcard needs at least one character before the suffix.
            HostMatch::Wildcard(suffix) => host.len() > suffix.len() && host.ends_with(suffix.as_str()),
            HostMatch::Any => true,
        }
    }

    /// Contour's extra header match on the routes of a wildcard host: the part before the
    /// suffix must be exactly one DNS label (`[a-z0-9]([-a-z0-9]*[a-z0-9])?`).
    pub fn single_label(&self, host: &str) -> bool {
        match self {
            HostMatch::Wildcard(suffix) => host.strip_suffix(suffix.as_str()).is_some_and(is_dns_label),
            HostMatch::Exact(_) | HostMatch::Any => true,
        }
    }

    /// Envoy's virtual host preference: exact, then longer wildcard suffixes, then `*`.
    pub fn preference(&self, other: &HostMatch) -> Ordering {
        fn rank(host: &HostMatch) -> u8 {
            match host {
                HostMatch::Exact(_) => 0,
                HostMatch::Wildcard(_) => 1,
                HostMatch::Any => 2,
            }
        }
        rank(self).cmp(&rank(other)).then_with(|| match (self, other) {
            (HostMatch::Wildcard(a), HostMatch::Wildcard(b)) => b.len().cmp(&a.len()).then_with(|| a.cmp(b)),
            (HostMatch::Exact(a), HostMatch::Exact(b)) => a.cmp(b),
            _ => Ordering::Equal,
        })
    }
}

impl fmt::Display for HostMatch {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            HostMatch::Exact(name) => f.write_str(name),
            HostMatch::Wildcard(suffix) => write!(f, "*{suffix}"),
            HostMatch::Any => f.write_str("*"),
        }
    }
}

/// The host Envoy matches domains against: the `Host` header (`:authority`) lowercased,
/// with any port removed (Contour sets `strip_any_host_port` on its listeners).
pub fn normalize_host(header: &str) -> String {
    let host = header.trim();
    let without_port = if let Some(rest) = host.strip_prefix('[') {
        // An IPv6 literal: `[::1]:8080`.
        rest.split(']').next().unwrap_or(rest)
    } else {
        match host.rsplit_once(':') {
            Some((name, port)) if !port.is_empty() && port.bytes().all(|b| b.is_ascii_digit()) => name,
            _ => host,
        }
    };
    without_port.to_ascii_lowercase()
}

fn is_dns_label(label: &str) -> bool {
    let bytes = label.as_bytes();
    let alnum = |b: &u8| b.is_ascii_lowercase() || b.is_ascii_digit();
    match (bytes.first(), bytes.last()) {
        (Some(first), Some(last)) => {
            alnum(first) && alnum(last) && bytes.iter().all(|b| alnum(b) || *b == b'-') && bytes.len() <= 63
        }
        _ => false,
    }
}
