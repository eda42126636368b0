//! Small constructors for the rule pieces kube-proxy writes over and over (`-m tcp -p tcp
//! --dport N`, `-m comment --comment ...`, the local-traffic detector's `! -s CIDR`).
//!
//! Part of the kube-proxy stage; they build typed [`crate::netfilter`] values, never text.

use std::net::Ipv4Addr;

use crate::net::{Cidr, Protocol};
use crate::netfilter::matches::{Ports, UnknownMatch};
use crate::netfilter::{ChainName, Interface, IpProtocol, Match, Negatable, Rule, Target};

use super::config::LocalDetector;

/// A chain name kube-proxy generated (fixed names and hashed names are always valid).
pub fn chain(name: &str) -> ChainName {
    ChainName::from_trusted(name)
}

/// `-j CHAIN`.
pub fn jump(name: &str) -> Target {
    Target::Jump(chain(name))
}

/// `-m comment --comment TEXT`.
pub fn comment(text: &str) -> Match {
    Match::comment(text)
}

/// `a.b.c.d/32`, what `-d a.b.c.d` means.
pub fn host(ip: Ipv4Addr) -> Cidr {
    Cidr::host(ip)
}

/// The `-p` value for a Service protocol.
pub fn ip_protocol(protocol: Protocol) -> IpProtocol {
    match protocol {
        Protocol::Tcp => IpProtocol::TCP,
        Protocol::Udp => IpProtocol::UDP,
        Protocol::Sctp => IpProtocol::SCTP,
    }
}

/// `-m P` with an optional `--dport N` (`-m tcp`, `-m udp`, `-m sctp`).
pub fn protocol_match(protocol: Protocol, destination_port: Option<u16>) -> Match {
    let ports = match destination_port {
        Some(port) => Ports::destination(port),
        None => Ports::default(),
    };
    match protocol {
        Protocol::Tcp => Match::Tcp(ports),
        Protocol::Udp => Match::Udp(ports),
        // The netfilter model has no typed sctp match yet; it is kept word for word.
        Protocol::Sctp => Match::Unknown(UnknownMatch {
            module: "sctp".to_string(),
            args: destination_port.map(|port| vec!["--dport".to_string(), port.to_string()]).unwrap_or_default(),
        }),
    }
}

/// Appends kube-proxy's `-m P -p P [--dport N]` to `rule`.
pub fn with_protocol(rule: Rule, protocol: Protocol, destination_port: Option<u16>) -> Rule {
    rule.with(protocol_match(protocol, destination_port)).protocol(ip_protocol(protocol))
}

/// `LocalTrafficDetector.IfLocal()` applied to `rule` (`-s CIDR` or `-i IFACE`).
pub fn if_local(rule: Rule, detector: &LocalDetector) -> Rule {
    apply_detector(rule, detector, false)
}

/// `LocalTrafficDetector.IfNotLocal()` applied to `rule` (`! -s CIDR` or `! -i IFACE`).
pub fn if_not_local(rule: Rule, detector: &LocalDetector) -> Rule {
    apply_detector(rule, detector, true)
}

fn apply_detector(mut rule: Rule, detector: &LocalDetector, negated: bool) -> Rule {
    let negatable = |value| Negatable { negated, value };
    match detector {
        LocalDetector::NotImplemented => {}
        LocalDetector::Cidr(cidr) => rule.source = Some(negatable(*cidr)),
        LocalDetector::BridgeInterface(name) => {
            if let Some(interface) = Interface::new(name.clone()) {
                rule.in_interface = Some(Negatable { negated, value: interface });
            }
        }
        LocalDetector::InterfaceNamePrefix(prefix) => {
            if let Some(interface) = Interface::new(format!("{prefix}+")) {
                rule.in_interface = Some(Negatable { negated, value: interface });
            }
        }
    }
    rule
}
