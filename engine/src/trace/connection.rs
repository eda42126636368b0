//! One connection, end to end: name resolution, the SYN there, the SYN-ACK (or reset) back,
//! the outcome, then the rest of the exchange for captures and conntrack.
//!
//! Part of [`crate::trace`]. The client is a Linux socket: its source address comes from the
//! route (`ip route get`), its port from the ephemeral range (`ip_local_port_range`, drawn
//! from the seeded generator) and it accepts only an answer from exactly the address and port
//! it connected to. Names resolve as glibc does in a pod with `dnsPolicy: ClusterFirst`:
//! `nameserver` = kube-dns's ClusterIP, `search <ns>.svc.cluster.local svc.cluster.local
//! cluster.local`, `options ndots:5` (kubelet's resolv.conf).

use std::net::Ipv4Addr;

use crate::cluster::Cluster;
use crate::dataplane::{Host, HostKind, RouteGet};
use crate::net::Protocol;
use crate::netfilter::target::RejectWith;
use crate::packet::{
    AppData, DnsMessage, Endpoints, IcmpMessage, Packet, Payload, TcpFlags, TcpSegment, UdpDatagram, UdpPayload,
    UnreachableCode,
};

use super::app::{self, App, HttpRequest, ServerView};
use super::lab::Lab;
use super::proxy::{self, Leg, Proxy};
use crate::ingress::upstream::UpstreamEndpoint;
use super::session::{EPHEMERAL_PORTS, Session};
use super::stack::{Fate, Walker};
use super::step::{At, DropReason, Event};
use super::url::Url;
use super::{Exchange, Lookup, Outcome, Trace, TraceOptions};

/// kubelet's `ndots` for ClusterFirst pods.
const NDOTS: usize = 5;

/// The cluster domain.
const CLUSTER_DOMAIN: &str = "cluster.local";

/// Traces a connection from `from` (a host, or a pod's name) to `target` (a URL or address).
pub fn trace(lab: &Lab, session: &mut Session, from: &str, target: &str, options: &TraceOptions) -> Trace {
    traced(lab, session, from, target, options, Detail::Steps)
}

/// The same connection as [`trace`], with only its outcome kept: no step, lookup or exchange
/// is built, and the netfilter walks run quietly ([`crate::netfilter::eval::evaluate_quiet`]).
/// Every rule, conntrack entry, random draw and clock tick is the same, so the outcome and the
/// session afterwards are those [`trace`] gives. Monte Carlo runs ([`super::spread()`]) use it.
pub fn outcome(lab: &Lab, session: &mut Session, from: &str, target: &str, options: &TraceOptions) -> Outcome {
    traced(lab, session, from, target, options, Detail::Outcome(None)).outcome
}

/// [`outcome`] with the nodes' rules indexed ([`Lab::walk_indexes`]): the same outcome and
/// session, fewer rules looked at.
pub(crate) fn outcome_indexed(
    lab: &Lab,
    indexes: &Indexes<'_>,
    session: &mut Session,
    from: &str,
    target: &str,
    options: &TraceOptions,
) -> Outcome {
    traced(lab, session, from, target, options, Detail::Outcome(Some(indexes))).outcome
}

/// The nodes' rule indexes by node name.
type Indexes<'l> = std::collections::BTreeMap<String, crate::netfilter::eval::WalkIndex<'l>>;

/// What a trace keeps.
#[derive(Clone, Copy)]
enum Detail<'i> {
    /// Every step ([`trace`]).
    Steps,
    /// The outcome only ([`outcome`]), walking the nodes' rules with these indexes if given.
    Outcome(Option<&'i Indexes<'i>>),
}

impl<'i> Detail<'i> {
    /// Sets up a walker for this detail.
    fn walker<'w>(self, lab: &'w Lab, session: &'w mut Session) -> Walker<'w>
    where
        'i: 'w,
    {
        let mut walker = Walker::new(lab, session);
        if let Detail::Outcome(indexes) = self {
            walker.record = false;
            walker.indexes = indexes;
        }
        walker
    }
}

/// A connection traced in the detail asked for.
fn traced(
    lab: &Lab,
    session: &mut Session,
    from: &str,
    target: &str,
    options: &TraceOptions,
    detail: Detail<'_>,
) -> Trace {
    let _ = session.rng.take_draws();
    let mut trace = Trace {
        request: format!("{from} -> {target}"),
        from: from.to_string(),
        lookups: Vec::new(),
        steps: Vec::new(),
        rest: Vec::new(),
        outcome: Outcome::NotEmulated {
            what: "nothing was sent".to_string(),
        },
        client: None,
        reply: None,
        exchange: None,
        draws: Vec::new(),
        proxy: None,
    };
    trace.outcome = run(lab, session, from, target, options, &mut trace, detail);
    trace.draws = session.rng.take_draws();
    session.advance_micros(1_000_000);
    trace
}

fn run(
    lab: &Lab,
    session: &mut Session,
    from: &str,
    target: &str,
    options: &TraceOptions,
    trace: &mut Trace,
    detail: Detail<'_>,
) -> Outcome {
    let Some(origin) = lab.resolve_host(from) else {
        return Outcome::NotEmulated {
            what: format!("unknown host {from}"),
        };
    };
    trace.from = origin.name.clone();
    let url = match Url::parse(target) {
        Ok(url) => url,
        Err(error) => {
            return Outcome::NotEmulated {
                what: error.to_string(),
            };
        }
    };
    let address = match url.address() {
        Some(address) => address,
        None => match resolve(lab, session, origin, &url.host, &mut trace.lookups, detail) {
            Some(address) => address,
            None => return Outcome::Unresolved { name: url.host.clone() },
        },
    };
    let source = match origin.route_get(address) {
        RouteGet::Reachable {
            source: Some(source), ..
        } => source,
        _ => Ipv4Addr::UNSPECIFIED,
    };
    let client_port = options
        .source_port
        .unwrap_or_else(|| pick_port(session, origin, source, address, url.port));
    let isn = session.rng.next_u32("client initial sequence number");
    let client = Endpoints {
        src: source,
        src_port: client_port,
        dst: address,
        dst_port: url.port,
    };
    trace.client = Some(client);
    let syn = Packet::tcp(source, address, TcpSegment::syn(client_port, url.port, isn));

    let mut walker = detail.walker(lab, session);
    let fate = walker.output(&origin.name, syn, 0);
    let (server, arrived) = match fate {
        Fate::Delivered { host, packet, .. } => (host, packet),
        Fate::Rejected {
            host,
            with,
            rule,
            packet,
        } => {
            // The kernel's answer to the rejected SYN travels back like any reply.
            if let Some(answer) = reject_answer(origin_host_for(lab, &host), &packet, with) {
                walker.note(&host, At::Socket, Event::AppResponded { packet: answer.clone() });
                walker.hops = 0;
                let _ = walker.output(&host, answer, 0);
            }
            trace.steps = std::mem::take(&mut walker.steps);
            return Outcome::Rejected { host, with, rule };
        }
        other => {
            trace.steps = std::mem::take(&mut walker.steps);
            return request_outcome(other);
        }
    };
    let Some(server_host) = lab.host(&server) else {
        trace.steps = std::mem::take(&mut walker.steps);
        return Outcome::NotEmulated {
            what: format!("unknown host {server}"),
        };
    };
    let port = arrived.dst_port().unwrap_or(0);
    let listener = app::listener(&lab.cluster, server_host, Protocol::Tcp, port);
    let answer = match &listener {
        Some(listener) => {
            walker.note(
                &server,
                At::Socket,
                Event::AppReceived {
                    app: listener.app.name(),
                    port,
                },
            );
            let synack = match arrived.reply() {
                Some(synack) => synack,
                None => {
                    trace.steps = std::mem::take(&mut walker.steps);
                    return Outcome::NotEmulated {
                        what: "a SYN without an answer".to_string(),
                    };
                }
            };
            server_answers(&mut walker, &server, synack)
        }
        None => {
            server_resets(&mut walker, &server, &arrived)
        }
    };
    let server_isn = answer.tcp_segment().map_or(0, |segment| segment.seq);
    walker.hops = 0;
    let back = walker.output(&server, answer, 0);
    let seen_source = (arrived.ip.src, arrived.src_port().unwrap_or(0));
    let outcome = match back {
        Fate::Delivered { host, packet, .. } => {
            let reply = Endpoints {
                src: packet.ip.src,
                src_port: packet.src_port().unwrap_or(0),
                dst: packet.ip.dst,
                dst_port: packet.dst_port().unwrap_or(0),
            };
            trace.reply = Some(reply);
            let matches_socket = host == origin.name
                && reply.src == client.dst
                && reply.src_port == client.dst_port
                && reply.dst == client.src
                && reply.dst_port == client.src_port;
            if !matches_socket {
                walker.note(
                    &host,
                    At::Socket,
                    Event::Dropped {
                        reason: DropReason::UnexpectedReply,
                        rule: None,
                    },
                );
                Outcome::Dropped {
                    host,
                    reason: DropReason::UnexpectedReply,
                    rule: None,
                }
            } else if let Some(listener) = &listener {
                Outcome::Answered {
                    host: server.clone(),
                    pod: pod_of(server_host),
                    app: listener.app.name(),
                    seen_source,
                }
            } else {
                Outcome::Refused { host: server.clone() }
            }
        }
        other => reply_outcome(&server, other),
    };
    trace.steps = std::mem::take(&mut walker.steps);
    if let (Outcome::Answered { .. }, Some(listener)) = (&outcome, &listener) {
        let request = HttpRequest::curl(&options.method, &url.host_header(), &url.path, &options.headers);
        let view = ServerView {
            hostname: hostname(server_host),
            addresses: app::interface_addresses(server_host),
            remote: seen_source,
        };
        let ends = Conversation {
            client_host: origin.name.clone(),
            client,
            server_host: server.clone(),
            server: Endpoints {
                src: arrived.ip.dst,
                src_port: port,
                dst: arrived.ip.src,
                dst_port: seen_source.1,
            },
            client_seq: isn.wrapping_add(1),
            server_seq: server_isn.wrapping_add(1),
        };
        if listener.app == App::Envoy {
            let downstream = Downstream {
                envoy: server_host,
                request,
                seen_source,
                ends,
            };
            return through_envoy(lab, &mut walker, options, downstream, outcome, trace);
        }
        if !walker.record && !options.complete {
            // Nothing shows the exchange, and answering changes no state.
            return outcome;
        }
        let response = app::respond(&listener.app, &request, &view);
        if options.complete {
            ends.finish(&mut walker, &request, &response);
            trace.rest = std::mem::take(&mut walker.steps);
        }
        trace.exchange = Some(Exchange { request, response });
    }
    outcome
}

/// The client's port: a draw from the ephemeral range, again if that tuple is in use.
fn pick_port(session: &mut Session, origin: &Host, source: Ipv4Addr, address: Ipv4Addr, port: u16) -> u16 {
    let mut candidate = 0;
    for _ in 0..8 {
        candidate = u16::try_from(session.rng.range("client source port", EPHEMERAL_PORTS.clone())).unwrap_or(32768);
        let probe = Packet::tcp(source, address, TcpSegment::syn(candidate, port, 0));
        let busy = session
            .conntrack(&origin.name)
            .is_some_and(|table| table.lookup_packet(&probe, 0).is_some());
        if !busy {
            break;
        }
    }
    candidate
}

/// What the client sees when its SYN did not reach a socket.
fn request_outcome(fate: Fate) -> Outcome {
    match fate {
        Fate::Delivered { host, .. } => Outcome::NotEmulated {
            what: format!("delivered on {host}"),
        },
        Fate::Dropped { host, reason, rule } => Outcome::Dropped { host, reason, rule },
        Fate::Rejected { host, with, rule, .. } => Outcome::Rejected { host, with, rule },
        Fate::NoRoute { host, destination } => Outcome::NoRoute { host, destination },
        Fate::NotEmulated { what, .. } => Outcome::NotEmulated { what },
        Fate::HopLimit => Outcome::Dropped {
            host: String::new(),
            reason: DropReason::HopLimit,
            rule: None,
        },
    }
}

/// What the client sees when the answer was lost.
fn reply_outcome(server: &str, fate: Fate) -> Outcome {
    let reason = match fate {
        Fate::Delivered { host, .. } => format!("delivered to {host}"),
        Fate::Dropped { host, reason, rule } => match rule {
            Some(rule) => format!(
                "dropped on {host} by {} {} #{}",
                rule.table.name(),
                rule.chain,
                rule.number
            ),
            None => format!("dropped on {host}: {reason}"),
        },
        Fate::Rejected { host, with, .. } => format!("rejected on {host} with {with}"),
        Fate::NoRoute { host, destination } => format!("no route on {host} to {destination}"),
        Fate::NotEmulated { what, .. } => format!("not emulated: {what}"),
        Fate::HopLimit => "hop limit".to_string(),
    };
    Outcome::Timeout {
        host: server.to_string(),
        reason,
    }
}

fn origin_host_for<'l>(lab: &'l Lab, name: &str) -> Option<&'l Host> {
    lab.host(name)
}

/// What `REJECT` sends back (`nf_send_unreach` / `nf_send_reset`, net/ipv4/netfilter/nf_reject_ipv4.c):
/// a TCP reset from the refused destination, or an ICMP destination-unreachable quoting the
/// packet, from the address routing picks towards its sender (`icmp_send` with `saddr = 0`
/// when the packet was not for this host).
fn reject_answer(host: Option<&Host>, refused: &Packet, with: RejectWith) -> Option<Packet> {
    let code = match with {
        RejectWith::TcpReset => return Some(reset_for(refused)),
        RejectWith::NetUnreachable | RejectWith::NetProhibited => UnreachableCode::Net,
        RejectWith::HostUnreachable | RejectWith::HostProhibited => UnreachableCode::Host,
        // The packet model has no code 2, so protocol-unreachable is shown as port-unreachable.
        RejectWith::PortUnreachable | RejectWith::ProtoUnreachable => UnreachableCode::Port,
        RejectWith::AdminProhibited => UnreachableCode::AdminProhibited,
    };
    let host = host?;
    let source = if host.is_local(refused.ip.dst) {
        refused.ip.dst
    } else {
        match host.route_get(refused.ip.src) {
            RouteGet::Reachable {
                source: Some(source), ..
            } => source,
            _ => return None,
        }
    };
    let message = IcmpMessage::DestinationUnreachable {
        code,
        original: Box::new(refused.clone()),
    };
    Some(Packet::icmp(source, refused.ip.src, message))
}

/// The listening socket answers a SYN: the SYN-ACK with the server's initial sequence number
/// (a draw), noted as the application's answer.
fn server_answers(walker: &mut Walker<'_>, server: &str, mut synack: Packet) -> Packet {
    if let Payload::Tcp(segment) = &mut synack.payload {
        segment.seq = walker.session.rng.next_u32("server initial sequence number");
    }
    walker.note(server, At::Socket, Event::AppResponded { packet: synack.clone() });
    synack
}

/// No socket listens: the kernel answers the SYN with a reset, noted as such.
fn server_resets(walker: &mut Walker<'_>, server: &str, arrived: &Packet) -> Packet {
    let reset = reset_for(arrived);
    walker.note(server, At::Socket, Event::Reset { packet: reset.clone() });
    reset
}

/// The kernel's reset for a SYN to a closed port (`tcp_v4_send_reset`): RST|ACK, seq 0,
/// ack = the SYN's seq + 1.
fn reset_for(syn: &Packet) -> Packet {
    let (src_port, dst_port, ack) = match syn.tcp_segment() {
        Some(segment) => (
            segment.dst_port,
            segment.src_port,
            segment.seq.wrapping_add(segment.seq_len()),
        ),
        None => (0, 0, 0),
    };
    let segment = TcpSegment {
        src_port,
        dst_port,
        seq: 0,
        ack,
        flags: TcpFlags::RST | TcpFlags::ACK,
        window: 0,
        urgent: 0,
        options: Vec::new(),
        payload_len: 0,
        app: None,
    };
    Packet::tcp(syn.ip.dst, syn.ip.src, segment)
}

fn pod_of(host: &Host) -> Option<String> {
    match &host.kind {
        HostKind::Pod { namespace, name, .. } => Some(format!("{namespace}/{name}")),
        _ => None,
    }
}

fn hostname(host: &Host) -> String {
    match &host.kind {
        HostKind::Pod { name, .. } => name.clone(),
        _ => host.name.clone(),
    }
}

/// Both ends of an answered connection, for the packets after the handshake.
struct Conversation {
    client_host: String,
    /// The client's view (its address and port as `src`).
    client: Endpoints,
    server_host: String,
    /// The server's view (its address and port as `src`).
    server: Endpoints,
    client_seq: u32,
    server_seq: u32,
}

impl Conversation {
    /// ACK, request, response, ACK, FIN, FIN, ACK: each through the whole path.
    fn finish(mut self, walker: &mut Walker<'_>, request: &HttpRequest, response: &super::HttpResponse) {
        if self.send_request(walker, request) {
            self.send_response(walker, response);
        }
    }

    /// The client's ACK and its request. Whether both arrived.
    fn send_request(&mut self, walker: &mut Walker<'_>, request: &HttpRequest) -> bool {
        let request_len = u16::try_from(request.wire_text().len()).unwrap_or(u16::MAX);
        let request_app = AppData::HttpRequest {
            method: request.method.clone(),
            target: request.path.clone(),
        };
        self.send(
            walker,
            vec![
                (true, TcpFlags::ACK, 0, None),
                (true, TcpFlags::PSH, request_len, Some(request_app)),
            ],
        )
    }

    /// The server's response, the client's ACK, and both FINs with the last ACK.
    fn send_response(&mut self, walker: &mut Walker<'_>, response: &super::HttpResponse) {
        let response_len = u16::try_from(response_text_len(response)).unwrap_or(u16::MAX);
        let response_app = AppData::HttpResponse {
            status: response.status,
            reason: response.reason.clone(),
        };
        self.send(
            walker,
            vec![
                (false, TcpFlags::PSH, response_len, Some(response_app)),
                (true, TcpFlags::ACK, 0, None),
                (true, TcpFlags::FIN, 0, None),
                (false, TcpFlags::FIN, 0, None),
                (true, TcpFlags::ACK, 0, None),
            ],
        );
    }

    /// Sends each planned segment through the whole path; stops at the first one lost.
    fn send(&mut self, walker: &mut Walker<'_>, plan: Vec<(bool, TcpFlags, u16, Option<AppData>)>) -> bool {
        for (from_client, flags, len, data) in plan {
            let (ends, host) = if from_client {
                (self.client, &self.client_host)
            } else {
                (self.server, &self.server_host)
            };
            let (seq, ack) = if from_client {
                (self.client_seq, self.server_seq)
            } else {
                (self.server_seq, self.client_seq)
            };
            let mut segment = TcpSegment::established(ends.src_port, ends.dst_port, seq, ack, flags);
            segment.payload_len = len;
            segment.app = data;
            let used = segment.seq_len();
            let packet = Packet::tcp(ends.src, ends.dst, segment);
            walker.hops = 0;
            let fate = walker.output(&host.clone(), packet, 0);
            if from_client {
                self.client_seq = self.client_seq.wrapping_add(used);
            } else {
                self.server_seq = self.server_seq.wrapping_add(used);
            }
            if !matches!(fate, Fate::Delivered { .. }) {
                return false;
            }
        }
        true
    }
}

/// The client's side of a connection that an Envoy pod accepted.
struct Downstream<'l> {
    envoy: &'l Host,
    /// The request as the client sent it.
    request: HttpRequest,
    /// The client's address and port as Envoy's socket saw them.
    seen_source: (Ipv4Addr, u16),
    ends: Conversation,
}

/// Envoy read the request: route it, open the second connection to the chosen endpoint,
/// and return its answer (or Envoy's own) to the client. The outcome names the backend pod
/// when it answered, else the Envoy pod (`accepted`, the first connection's outcome).
fn through_envoy(
    lab: &Lab,
    walker: &mut Walker<'_>,
    options: &TraceOptions,
    mut downstream: Downstream<'_>,
    accepted: Outcome,
    trace: &mut Trace,
) -> Outcome {
    let envoy = downstream.envoy;
    let request_arrived = !options.complete || downstream.ends.send_request(walker, &downstream.request);
    let mut rest = std::mem::take(&mut walker.steps);
    if !request_arrived {
        trace.rest = rest;
        return accepted;
    }
    let host_header = downstream
        .request
        .headers
        .iter()
        .find(|(name, _)| name.eq_ignore_ascii_case("host"))
        .map(|(_, value)| value.clone())
        .unwrap_or_default();
    let decision = crate::ingress::route(&lab.cluster, &host_header, &downstream.request.path);
    let endpoint = decision.route().and_then(|route| {
        let endpoints = crate::ingress::upstream::endpoints_for(&lab.cluster, &route.backend);
        let index = walker
            .session
            .round_robin(&envoy.name, &route.backend.to_string(), endpoints.len())?;
        endpoints.get(index).cloned()
    });
    walker.note(
        &envoy.name,
        At::Socket,
        Event::EnvoyRoute {
            decision: Box::new(decision.clone()),
            upstream: endpoint.clone(),
        },
    );
    let decision_steps = std::mem::take(&mut walker.steps);
    let mut outcome = accepted;
    let (response, leg) = match (decision.route(), &endpoint) {
        (None, _) => (proxy::not_found(), None),
        (Some(_), None) => (proxy::no_healthy_upstream(), None),
        (Some(_), Some(endpoint)) => {
            let id = proxy::request_id(&mut walker.session.rng);
            let forwarded = proxy::upstream_request(&downstream.request, downstream.seen_source.0, &id);
            let started = walker.session.now;
            let leg = upstream_leg(lab, walker, options, envoy, endpoint, forwarded);
            let service_ms = walker.session.now.as_micros().saturating_sub(started.as_micros()) / 1000;
            let response = match &leg.exchange {
                Some(exchange) => proxy::downstream_response(&exchange.response, service_ms),
                None => proxy::upstream_connect_error(),
            };
            if matches!(leg.outcome, Outcome::Answered { .. }) {
                outcome = leg.outcome.clone();
            }
            (response, Some(leg))
        }
    };
    if options.complete {
        downstream.ends.send_response(walker, &response);
        rest.append(&mut walker.steps);
    }
    trace.rest = rest;
    trace.proxy = Some(Proxy {
        host: envoy.name.clone(),
        downstream: downstream.seen_source,
        decision,
        upstream: endpoint,
        steps: decision_steps,
        leg,
    });
    trace.exchange = Some(Exchange {
        request: downstream.request,
        response,
    });
    outcome
}

/// Envoy's own connection to the endpoint: from the Envoy pod's address and an ephemeral
/// port straight to the pod's IP and target port. Envoy does not check the reply's
/// source against a ClusterIP: it connected to the pod itself.
fn upstream_leg(
    lab: &Lab,
    walker: &mut Walker<'_>,
    options: &TraceOptions,
    envoy: &Host,
    endpoint: &UpstreamEndpoint,
    request: HttpRequest,
) -> Leg {
    let source = match envoy.route_get(endpoint.ip) {
        RouteGet::Reachable {
            source: Some(source), ..
        } => source,
        _ => Ipv4Addr::UNSPECIFIED,
    };
    let port = pick_port(walker.session, envoy, source, endpoint.ip, endpoint.port);
    let isn = walker.session.rng.next_u32("Envoy initial sequence number");
    let client = Endpoints {
        src: source,
        src_port: port,
        dst: endpoint.ip,
        dst_port: endpoint.port,
    };
    let mut leg = Leg {
        request: format!("{} -> {}:{}", envoy.name, endpoint.ip, endpoint.port),
        client,
        reply: None,
        steps: Vec::new(),
        rest: Vec::new(),
        outcome: Outcome::NotEmulated {
            what: "nothing was sent".to_string(),
        },
        exchange: None,
    };
    let syn = Packet::tcp(source, endpoint.ip, TcpSegment::syn(port, endpoint.port, isn));
    walker.hops = 0;
    let (server, arrived) = match walker.output(&envoy.name, syn, 0) {
        Fate::Delivered { host, packet, .. } => (host, packet),
        other => {
            leg.steps = std::mem::take(&mut walker.steps);
            leg.outcome = request_outcome(other);
            return leg;
        }
    };
    let Some(server_host) = lab.host(&server) else {
        leg.steps = std::mem::take(&mut walker.steps);
        leg.outcome = Outcome::NotEmulated {
            what: format!("unknown host {server}"),
        };
        return leg;
    };
    let listener = app::listener(&lab.cluster, server_host, Protocol::Tcp, endpoint.port);
    let answer = match (&listener, arrived.reply()) {
        (Some(listener), Some(synack)) => {
            walker.note(
                &server,
                At::Socket,
                Event::AppReceived {
                    app: listener.app.name(),
                    port: endpoint.port,
                },
            );
            server_answers(walker, &server, synack)
        }
        _ => {
            server_resets(walker, &server, &arrived)
        }
    };
    let server_isn = answer.tcp_segment().map_or(0, |segment| segment.seq);
    walker.hops = 0;
    let seen_source = (arrived.ip.src, arrived.src_port().unwrap_or(0));
    leg.outcome = match walker.output(&server, answer, 0) {
        Fate::Delivered { host, packet, .. } => {
            let reply = Endpoints {
                src: packet.ip.src,
                src_port: packet.src_port().unwrap_or(0),
                dst: packet.ip.dst,
                dst_port: packet.dst_port().unwrap_or(0),
            };
            leg.reply = Some(reply);
            let matches_socket = host == envoy.name
                && (reply.src, reply.src_port, reply.dst, reply.dst_port)
                    == (client.dst, client.dst_port, client.src, client.src_port);
            match &listener {
                _ if !matches_socket => Outcome::Dropped {
                    host,
                    reason: DropReason::UnexpectedReply,
                    rule: None,
                },
                Some(listener) => Outcome::Answered {
                    host: server.clone(),
                    pod: pod_of(server_host),
                    app: listener.app.name(),
                    seen_source,
                },
                None => Outcome::Refused { host: server.clone() },
            }
        }
        other => reply_outcome(&server, other),
    };
    leg.steps = std::mem::take(&mut walker.steps);
    if let (Outcome::Answered { .. }, Some(listener)) = (&leg.outcome, &listener) {
        let view = ServerView {
            hostname: hostname(server_host),
            addresses: app::interface_addresses(server_host),
            remote: seen_source,
        };
        let response = app::respond(&listener.app, &request, &view);
        if options.complete {
            let ends = Conversation {
                client_host: envoy.name.clone(),
                client,
                server_host: server.clone(),
                server: Endpoints {
                    src: arrived.ip.dst,
                    src_port: endpoint.port,
                    dst: arrived.ip.src,
                    dst_port: seen_source.1,
                },
                client_seq: isn.wrapping_add(1),
                server_seq: server_isn.wrapping_add(1),
            };
            ends.finish(walker, &request, &response);
            leg.rest = std::mem::take(&mut walker.steps);
        }
        leg.exchange = Some(Exchange { request, response });
    }
    leg
}

fn response_text_len(response: &super::HttpResponse) -> usize {
    let headers: usize = response
        .headers
        .iter()
        .map(|(name, value)| name.len().saturating_add(value.len()).saturating_add(4))
        .fold(0, usize::saturating_add);
    response
        .status_line()
        .len()
        .saturating_add(4)
        .saturating_add(headers)
        .saturating_add(response.body.len())
}

/// The names glibc tries for `name`, in order (`res_nsearch` with ndots).
pub fn search_names(name: &str, namespace: &str) -> Vec<String> {
    if let Some(absolute) = name.strip_suffix('.') {
        return vec![absolute.to_string()];
    }
    let search = [
        format!("{namespace}.svc.{CLUSTER_DOMAIN}"),
        format!("svc.{CLUSTER_DOMAIN}"),
        CLUSTER_DOMAIN.to_string(),
    ];
    let expanded: Vec<String> = search.iter().map(|domain| format!("{name}.{domain}")).collect();
    let dots = name.matches('.').count();
    if dots >= NDOTS {
        std::iter::once(name.to_string()).chain(expanded).collect()
    } else {
        expanded.into_iter().chain(std::iter::once(name.to_string())).collect()
    }
}

/// The nameserver of a ClusterFirst pod: the kube-dns Service's ClusterIP.
fn nameserver(cluster: &Cluster) -> Option<Ipv4Addr> {
    cluster
        .services
        .iter()
        .find(|service| service.namespace == "kube-system" && service.name == "kube-dns")
        .and_then(|service| service.cluster_ip)
}

/// Resolves `name` from a pod through cluster DNS, each query traced.
fn resolve(
    lab: &Lab,
    session: &mut Session,
    origin: &Host,
    name: &str,
    lookups: &mut Vec<Lookup>,
    detail: Detail<'_>,
) -> Option<Ipv4Addr> {
    let HostKind::Pod { namespace, .. } = &origin.kind else {
        return None;
    };
    let server = nameserver(&lab.cluster)?;
    let source = match origin.route_get(server) {
        RouteGet::Reachable {
            source: Some(source), ..
        } => source,
        _ => return None,
    };
    for candidate in search_names(name, namespace) {
        let port = u16::try_from(session.rng.range("resolver source port", EPHEMERAL_PORTS.clone())).unwrap_or(32768);
        let id = u16::try_from(session.rng.range("DNS query id", 0..65536)).unwrap_or(0);
        let query = Packet::udp(
            source,
            server,
            UdpDatagram {
                src_port: port,
                dst_port: 53,
                payload: UdpPayload::Dns(DnsMessage::query(id, &candidate)),
            },
        );
        let mut walker = detail.walker(lab, session);
        let answer = dns_flow(lab, &mut walker, &origin.name, query);
        lookups.push(Lookup {
            name: candidate,
            answer,
            steps: std::mem::take(&mut walker.steps),
        });
        if answer.is_some() {
            return answer;
        }
    }
    None
}

/// One query there and its answer back; the first A record the client received.
fn dns_flow(lab: &Lab, walker: &mut Walker<'_>, origin: &str, query: Packet) -> Option<Ipv4Addr> {
    let Fate::Delivered { host, packet, .. } = walker.output(origin, query, 0) else {
        return None;
    };
    let server_host = lab.host(&host)?;
    let listener = app::listener(&lab.cluster, server_host, Protocol::Udp, packet.dst_port()?);
    let Some(listener) = listener.filter(|listener| listener.app == App::CoreDns) else {
        walker.note(
            &host,
            At::Socket,
            Event::NotEmulated {
                what: "no DNS server on this port".to_string(),
            },
        );
        return None;
    };
    walker.note(
        &host,
        At::Socket,
        Event::AppReceived {
            app: listener.app.name(),
            port: listener.port,
        },
    );
    let mut reply = packet.reply()?;
    if let Payload::Udp(UdpDatagram {
        payload: UdpPayload::Dns(message),
        ..
    }) = &mut reply.payload
    {
        match app::dns_answer(&lab.cluster, &message.question.name) {
            Some(addresses) => message.answers = addresses,
            None => message.rcode = crate::packet::dns::DnsRcode::NxDomain,
        }
    }
    walker.note(&host, At::Socket, Event::AppResponded { packet: reply.clone() });
    walker.hops = 0;
    let Fate::Delivered {
        host: back,
        packet: answer,
        ..
    } = walker.output(&host, reply, 0)
    else {
        return None;
    };
    if back != origin {
        return None;
    }
    match &answer.payload {
        Payload::Udp(UdpDatagram {
            payload: UdpPayload::Dns(message),
            ..
        }) => message.answers.first().copied(),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn glibc_search_order() {
        assert_eq!(
            search_names("web", "default"),
            [
                "web.default.svc.cluster.local",
                "web.svc.cluster.local",
                "web.cluster.local",
                "web"
            ]
        );
        assert_eq!(
            search_names("web.default.svc.cluster.local.", "x"),
            ["web.default.svc.cluster.local"]
        );
        let deep = search_names("a.b.c.d.e.f", "default");
        assert_eq!(deep.first().map(String::as_str), Some("a.b.c.d.e.f"));
    }
}
