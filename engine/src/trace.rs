//! Packet traces: one connection moved through the cluster exactly as Linux would, every
//! step explained.
//!
//! Pipeline position: after the cluster, the hosts (`dataplane`) and each node's rules
//! (`kubeproxy` + `calico`, rendered and parsed back) exist, [`Lab`] holds them;
//! [`trace()`] sends a TCP connection from any host to any address and returns a [`Trace`]:
//! the SYN through every device, hook, table, chain and rule ([`stack`]), the SYN-ACK back to
//! the client with its un-NAT, the [`Outcome`], and the HTTP exchange as a summary ([`app`]).
//! A name in the URL is resolved first through cluster DNS, each query its own traced UDP
//! flow through the kube-dns ClusterIP. [`spread`] gives the exact probability of each
//! endpoint and a seeded Monte Carlo count. State that outlives a connection (conntrack,
//! `recent` lists, the clock, the generator) is in a [`Session`].
//!
//! Facts: /work/shared/reference/calico-metallb-ingress.md §1.8-§1.11 and
//! kube-proxy-iptables.md §7, §13.

pub mod app;
pub mod connection;
pub mod lab;
pub mod proxy;
pub mod render;
pub mod session;
pub mod spread;
pub mod stack;
pub mod step;
pub mod url;

use std::fmt;
use std::net::Ipv4Addr;

use crate::netfilter::eval::RuleRef;
use crate::netfilter::target::RejectWith;
use crate::packet::Endpoints;
use crate::random::Draw;

pub use self::app::{App, HttpRequest, HttpResponse};
pub use self::connection::{outcome, trace};
pub use self::lab::{Lab, NodeRules};
pub use self::proxy::{Leg, Proxy};
pub use self::session::Session;
pub use self::spread::{EndpointShare, Spread, spread};
pub use self::step::{At, DropReason, Event, RouteResult, Step};
pub use self::url::Url;

/// How the client connects.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TraceOptions {
    /// `-X`: the request method.
    pub method: String,
    /// `-H`: extra headers.
    pub headers: Vec<(String, String)>,
    /// A fixed client source port instead of one from the generator.
    pub source_port: Option<u16>,
    /// Carry the connection on after the SYN-ACK (ACK, request, response, FIN) so conntrack
    /// and captures look as after a finished `curl`. Monte Carlo runs switch it off.
    pub complete: bool,
}

impl Default for TraceOptions {
    fn default() -> TraceOptions {
        TraceOptions {
            method: "GET".to_string(),
            headers: Vec::new(),
            source_port: None,
            complete: true,
        }
    }
}

/// How a connection ended.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Outcome {
    /// The SYN reached a listening socket and the SYN-ACK came back to the client.
    Answered {
        /// The host that answered (`namespace/name` for a pod).
        host: String,
        /// The pod, when the host is one.
        pod: Option<String>,
        app: String,
        /// The source address and port the server's socket saw.
        seen_source: (Ipv4Addr, u16),
    },
    /// No socket listens on the port: the client gets a TCP reset ("Connection refused").
    Refused { host: String },
    /// A REJECT rule answered with an ICMP error ("Connection refused" for port-unreachable).
    Rejected {
        host: String,
        with: RejectWith,
        rule: RuleRef,
    },
    /// Dropped by a rule or by the kernel; the client times out.
    Dropped {
        host: String,
        reason: DropReason,
        rule: Option<RuleRef>,
    },
    /// A host on the way had no route.
    NoRoute { host: String, destination: Ipv4Addr },
    /// The request arrived but the answer never reached the client.
    Timeout { host: String, reason: String },
    /// The name did not resolve ("Could not resolve host").
    Unresolved { name: String },
    /// Something on the way is beyond the lab.
    NotEmulated { what: String },
}

impl fmt::Display for Outcome {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Outcome::Answered {
                host, app, seen_source, ..
            } => {
                write!(
                    f,
                    "answered by {host} ({app}), which saw source {}:{}",
                    seen_source.0, seen_source.1
                )
            }
            Outcome::Refused { host } => write!(f, "refused by {host} (TCP reset: no listener)"),
            Outcome::Rejected { host, with, rule } => write!(
                f,
                "rejected on {host} with {with} by {} {} #{}",
                rule.table.name(),
                rule.chain,
                rule.number
            ),
            Outcome::Dropped { host, reason, rule } => match rule {
                Some(rule) => write!(
                    f,
                    "dropped on {host} by {} {} #{}",
                    rule.table.name(),
                    rule.chain,
                    rule.number
                ),
                None => write!(f, "dropped on {host}: {reason}"),
            },
            Outcome::NoRoute { host, destination } => write!(f, "no route on {host} to {destination}"),
            Outcome::Timeout { host, reason } => write!(f, "timeout: the answer from {host} was lost ({reason})"),
            Outcome::Unresolved { name } => write!(f, "could not resolve host {name}"),
            Outcome::NotEmulated { what } => write!(f, "not emulated: {what}"),
        }
    }
}

/// The HTTP request and response of an answered connection.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Exchange {
    pub request: HttpRequest,
    pub response: HttpResponse,
}

impl Exchange {
    pub fn request_line(&self) -> String {
        self.request.request_line()
    }

    pub fn status_line(&self) -> String {
        self.response.status_line()
    }
}

/// One DNS query the resolver sent, traced as its own UDP flow.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Lookup {
    /// The name queried (after the search path).
    pub name: String,
    /// The first A record, if the server answered one.
    pub answer: Option<Ipv4Addr>,
    pub steps: Vec<Step>,
}

/// A traced connection.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Trace {
    /// `from -> url` as the user asked.
    pub request: String,
    /// The host the connection started on.
    pub from: String,
    /// Name resolution, when the URL had a name.
    pub lookups: Vec<Lookup>,
    /// The SYN's way there and the answer's way back.
    pub steps: Vec<Step>,
    /// The packets after the handshake (ACK, request, response, FIN), when the connection
    /// was completed: the same path, not itemised, for captures and conntrack.
    pub rest: Vec<Step>,
    pub outcome: Outcome,
    /// The client's socket: the tuple it sent to (`src` = its address and port).
    pub client: Option<Endpoints>,
    /// The tuple of the answer the client received (reversed: its `dst` is the client).
    pub reply: Option<Endpoints>,
    pub exchange: Option<Exchange>,
    /// Every random number drawn, in order.
    pub draws: Vec<Draw>,
    /// When the connection ended at an Envoy pod: its routing decision and its own
    /// connection to the backend. The outcome then names the backend pod, and `exchange` is
    /// what the client got from Envoy.
    pub proxy: Option<Proxy>,
}

impl Trace {
    /// The trace as text, one step per line.
    pub fn text(&self) -> String {
        render::trace_text(self)
    }

    /// Every step of the connection in time order: the DNS lookups, the handshake, the rest,
    /// and through an Envoy pod its decision and its connection to the backend (interleaved
    /// by the lab clock).
    pub fn all_steps(&self) -> impl Iterator<Item = &Step> {
        let proxied = self.proxy.iter().flat_map(|proxy| {
            proxy
                .steps
                .iter()
                .chain(proxy.leg.iter().flat_map(|leg| leg.steps.iter().chain(leg.rest.iter())))
        });
        let mut steps: Vec<&Step> = self
            .lookups
            .iter()
            .flat_map(|lookup| lookup.steps.iter())
            .chain(self.steps.iter())
            .chain(self.rest.iter())
            .chain(proxied)
            .collect();
        crate::sort::by_key(&mut steps, |step| step.time);
        steps.into_iter()
    }

    /// What `tcpdump -i DEV` on `host` would have captured, with capture times. On `lo`
    /// each packet is captured once (libpcap skips the outgoing copy on loopback).
    pub fn captured(&self, host: &str, dev: &str) -> Vec<(crate::packet::LabTime, &crate::packet::Packet)> {
        self.all_steps()
            .filter(|step| step.host == host && step.at == At::Device(dev.to_string()))
            .filter_map(|step| match &step.event {
                Event::DeviceRx { packet } => Some((step.time, packet)),
                Event::DeviceTx { packet } if dev != "lo" => Some((step.time, packet)),
                _ => None,
            })
            .collect()
    }
}
