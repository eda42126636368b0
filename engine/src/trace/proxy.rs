//! Envoy inside a trace: the HTTP proxy that ends the client's TCP connection, decides by
//! `Host` and path where the request goes, and opens a second connection of its own.
//!
//! Part of [`crate::trace`]. [`super::connection`] hands the request that reached an Envoy
//! pod to Contour's routing ([`crate::ingress::route`]), shows the decision as an
//! [`super::Event::EnvoyRoute`] step, picks the endpoint from the backend's EndpointSlices
//! ([`crate::ingress::upstream`], round robin), and traces the second connection from the
//! Envoy pod's address straight to the pod's IP and target port (no ClusterIP, no
//! kube-proxy DNAT). This file holds what Envoy writes: the request it forwards, the
//! response it returns, and its own answers (404, 503). Facts:
//! `reference/calico-metallb-ingress.md` §3.8.
//!
//! Contour configures Envoy's HTTP connection manager (`internal/envoy/v3/listener.go`,
//! `HTTPConnectionManagerBuilder`; its listener tests show the fields) with
//! `use_remote_address: true`, `strip_any_host_port: true` and
//! `preserve_external_request_id: true`. So Envoy removes the port from `Host` before
//! routing and forwards it without one, appends the downstream address to
//! `x-forwarded-for`, sets `x-forwarded-proto`, marks requests from private addresses
//! `x-envoy-internal: true`, keeps a client's `x-request-id` or generates one (a UUID
//! version 4), and tells the upstream the route timeout in `x-envoy-expected-rq-timeout-ms`
//! (Envoy's default route timeout, 15 s, since Contour sets none without a timeout policy). Envoy's HTTP/1 codec
//! writes header names in lower case and overwrites `server` with `envoy` on responses
//! (`server_header_transformation: OVERWRITE`), adding `x-envoy-upstream-service-time`.

use std::net::Ipv4Addr;

use crate::ingress::RouteDecision;
use crate::ingress::upstream::UpstreamEndpoint;
use crate::packet::Endpoints;
use crate::random::Rng;

use super::app::{HttpRequest, HttpResponse};
use super::step::Step;
use super::{Exchange, Outcome};

/// Envoy's default route timeout in milliseconds (`RouteAction.timeout`, 15 s).
pub const ROUTE_TIMEOUT_MS: u32 = 15_000;

/// What Envoy did with one request.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Proxy {
    /// The Envoy pod's host (`namespace/name`).
    pub host: String,
    /// The address and port Envoy saw the client connect from (after any kube-proxy SNAT).
    pub downstream: (Ipv4Addr, u16),
    /// Contour's routing decision with its reasons.
    pub decision: RouteDecision,
    /// The endpoint the round robin picked, if the route had one.
    pub upstream: Option<UpstreamEndpoint>,
    /// The decision step (the request arrived; Envoy routed it).
    pub steps: Vec<Step>,
    /// The second connection, Envoy to the endpoint, when one was opened.
    pub leg: Option<Leg>,
}

/// The second TCP connection: Envoy's socket to the backend pod.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Leg {
    /// `envoy-pod -> ip:port`.
    pub request: String,
    /// Envoy's socket (`src` = the Envoy pod's address and port).
    pub client: Endpoints,
    /// The tuple of the answer Envoy received.
    pub reply: Option<Endpoints>,
    /// The SYN there and the SYN-ACK back.
    pub steps: Vec<Step>,
    /// The packets after the handshake.
    pub rest: Vec<Step>,
    /// How the second connection ended (who answered Envoy, and what it saw).
    pub outcome: Outcome,
    /// The request Envoy forwarded and the backend's answer.
    pub exchange: Option<Exchange>,
}

/// Whether Envoy counts `address` as internal (`Network::Utility::isInternalAddress`: the
/// RFC 1918 ranges and loopback).
pub fn is_internal(address: Ipv4Addr) -> bool {
    address.is_private() || address.is_loopback()
}

/// A UUID version 4, as Envoy's `x-request-id`, from four seeded draws.
pub fn request_id(rng: &mut Rng) -> String {
    let words: Vec<u32> = (0..4).map(|_| rng.next_u32("Envoy x-request-id")).collect();
    let mut bytes = [0u8; 16];
    for (chunk, word) in bytes.chunks_mut(4).zip(&words) {
        chunk.copy_from_slice(&word.to_be_bytes());
    }
    // RFC 4122 §4.4: version 4 in the high nibble of byte 6, variant 10 in byte 8.
    if let Some(byte) = bytes.get_mut(6) {
        *byte = (*byte & 0x0f) | 0x40;
    }
    if let Some(byte) = bytes.get_mut(8) {
        *byte = (*byte & 0x3f) | 0x80;
    }
    let hex: String = bytes.iter().map(|byte| format!("{byte:02x}")).collect();
    let part = |from: usize, to: usize| hex.get(from..to).unwrap_or_default().to_string();
    format!(
        "{}-{}-{}-{}-{}",
        part(0, 8),
        part(8, 12),
        part(12, 16),
        part(16, 20),
        part(20, 32)
    )
}

/// `Host` without its port (`strip_any_host_port`): `172.16.120.63:32023` -> `172.16.120.63`.
pub fn strip_port(host: &str) -> &str {
    match host.rsplit_once(':') {
        Some((name, port)) if !port.is_empty() && port.bytes().all(|byte| byte.is_ascii_digit()) => name,
        _ => host,
    }
}

/// The request Envoy sends upstream: the client's headers in lower case (`host` without its
/// port), with the path as routed, then `x-forwarded-for` (the client's `x-forwarded-for`
/// with the downstream address appended), `x-forwarded-proto`, `x-envoy-internal` for a
/// private downstream address, `x-request-id` (`request_id` unless the client sent one) and
/// `x-envoy-expected-rq-timeout-ms`. Client-sent `x-envoy-*` headers are removed from
/// external requests (header sanitizing).
pub fn upstream_request(request: &HttpRequest, downstream: Ipv4Addr, request_id: &str) -> HttpRequest {
    let internal = is_internal(downstream);
    let mut forwarded_for = None;
    let mut client_request_id = None;
    let mut headers = Vec::new();
    for (name, value) in &request.headers {
        let lower = name.to_ascii_lowercase();
        match lower.as_str() {
            "x-forwarded-for" => forwarded_for = Some(value.clone()),
            "x-forwarded-proto" => {}
            "x-request-id" => client_request_id = Some(value.clone()),
            "host" => headers.push((lower, strip_port(value).to_string())),
            _ if lower.starts_with("x-envoy-") && !internal => {}
            _ => headers.push((lower, value.clone())),
        }
    }
    let request_id = client_request_id.unwrap_or_else(|| request_id.to_string());
    let forwarded_for = match forwarded_for {
        Some(earlier) => format!("{earlier},{downstream}"),
        None => downstream.to_string(),
    };
    headers.push(("x-forwarded-for".to_string(), forwarded_for));
    headers.push(("x-forwarded-proto".to_string(), "http".to_string()));
    if internal {
        headers.push(("x-envoy-internal".to_string(), "true".to_string()));
    }
    headers.push(("x-request-id".to_string(), request_id));
    headers.push((
        "x-envoy-expected-rq-timeout-ms".to_string(),
        ROUTE_TIMEOUT_MS.to_string(),
    ));
    HttpRequest {
        method: request.method.clone(),
        path: request.path.clone(),
        headers,
    }
}

/// The backend's response as Envoy returns it: header names in lower case, any `server`
/// replaced, then `x-envoy-upstream-service-time` and `server: envoy`.
pub fn downstream_response(upstream: &HttpResponse, service_time_ms: u64) -> HttpResponse {
    let mut headers: Vec<(String, String)> = upstream
        .headers
        .iter()
        .map(|(name, value)| (name.to_ascii_lowercase(), value.clone()))
        .filter(|(name, _)| name != "server")
        .collect();
    headers.push((
        "x-envoy-upstream-service-time".to_string(),
        service_time_ms.to_string(),
    ));
    headers.push(("server".to_string(), "envoy".to_string()));
    HttpResponse {
        status: upstream.status,
        reason: upstream.reason.clone(),
        headers,
        body: upstream.body.clone(),
    }
}

/// Envoy's own answer when no route matches: `404 Not Found`, `content-length: 0`,
/// `server: envoy`, no body (response flag `NR`).
pub fn not_found() -> HttpResponse {
    let (status, reason) = crate::ingress::route::NOT_FOUND_STATUS;
    HttpResponse {
        status,
        reason: reason.to_string(),
        headers: crate::ingress::route::NOT_FOUND_HEADERS
            .iter()
            .map(|(name, value)| ((*name).to_string(), (*value).to_string()))
            .collect(),
        body: String::new(),
    }
}

/// Envoy's answer when the route's cluster has no endpoint (response flag `UH`).
pub fn no_healthy_upstream() -> HttpResponse {
    let (status, reason, body) = crate::ingress::upstream::NO_HEALTHY_UPSTREAM;
    local_reply(status, reason, body)
}

/// Envoy's answer when the connection to the endpoint failed (response flag `UF`).
/// [unverified: the body's exact wording differs between Envoy versions.]
pub fn upstream_connect_error() -> HttpResponse {
    local_reply(
        503,
        "Service Unavailable",
        "upstream connect error or disconnect/reset before headers. reset reason: connection failure",
    )
}

fn local_reply(status: u16, reason: &str, body: &str) -> HttpResponse {
    HttpResponse {
        status,
        reason: reason.to_string(),
        headers: vec![
            ("content-length".to_string(), body.len().to_string()),
            ("content-type".to_string(), "text/plain".to_string()),
            ("server".to_string(), "envoy".to_string()),
        ],
        body: body.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn request_ids_are_version_4_uuids() {
        let mut rng = Rng::seeded(1);
        let id = request_id(&mut rng);
        assert_eq!(id.len(), 36);
        assert_eq!(id.get(14..15), Some("4"));
        assert!(matches!(id.get(19..20), Some("8" | "9" | "a" | "b")));
        assert_ne!(id, request_id(&mut rng));
    }

    #[test]
    fn forwarded_for_appends_the_downstream_address() {
        let extra = vec![("X-Forwarded-For".to_string(), "203.0.113.9".to_string())];
        let request = HttpRequest::curl("GET", "example.com", "/", &extra);
        let forwarded = upstream_request(&request, Ipv4Addr::new(192, 168, 56, 128), "id");
        let find = |name: &str| {
            forwarded
                .headers
                .iter()
                .find(|(key, _)| key == name)
                .map(|(_, value)| value.as_str())
        };
        assert_eq!(find("x-forwarded-for"), Some("203.0.113.9,192.168.56.128"));
        assert_eq!(find("x-envoy-internal"), Some("true"));
        assert_eq!(find("host"), Some("example.com"));
        assert_eq!(find("x-request-id"), Some("id"));
        let with_port = HttpRequest::curl("GET", "172.16.120.63:32023", "/", &[("X-Request-Id".to_string(), "mine".to_string())]);
        let forwarded = upstream_request(&with_port, Ipv4Addr::new(172, 16, 120, 61), "generated");
        assert_eq!(forwarded.headers.first().map(|(_, value)| value.as_str()), Some("172.16.120.63"));
        assert!(forwarded.headers.contains(&("x-request-id".to_string(), "mine".to_string())));
        let public = upstream_request(&request, Ipv4Addr::new(198, 51, 100, 7), "id");
        assert!(public.headers.iter().all(|(key, _)| key != "x-envoy-internal"));
    }
}
