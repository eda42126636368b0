//! Fixtures for the evaluation tests: parsing, packets and a node's evaluation context.

use std::net::Ipv4Addr;

use engine::netfilter::eval::{
    CtView, EvalContext, Evaluation, IpSets, LocalAddresses, NetfilterState, StepOutcome,
};
use engine::netfilter::{Ruleset, parse};
use engine::packet::{Packet, PacketMeta, TcpSegment, UdpDatagram};
use engine::random::Rng;

pub fn addr(text: &str) -> Ipv4Addr {
    text.parse().unwrap()
}

/// Parses `iptables-save` text and insists that it parsed cleanly.
#[track_caller]
pub fn ruleset(text: &str) -> Ruleset {
    let parsed = parse(text);
    let errors: Vec<String> = parsed.errors.iter().map(ToString::to_string).collect();
    assert!(errors.is_empty(), "parse errors:\n{}", errors.join("\n"));
    parsed.ruleset
}

/// A TCP SYN.
pub fn tcp(src: &str, src_port: u16, dst: &str, dst_port: u16) -> Packet {
    Packet::tcp(
        addr(src),
        addr(dst),
        TcpSegment::syn(src_port, dst_port, 1000),
    )
}

/// A UDP datagram.
pub fn udp(src: &str, src_port: u16, dst: &str, dst_port: u16) -> Packet {
    Packet::udp(
        addr(src),
        addr(dst),
        UdpDatagram::opaque(src_port, dst_port, 10),
    )
}

/// Packet state with the given devices.
pub fn meta(in_interface: Option<&str>, out_interface: Option<&str>) -> PacketMeta {
    PacketMeta {
        mark: 0,
        in_interface: in_interface.map(str::to_string),
        out_interface: out_interface.map(str::to_string),
    }
}

/// One node: its local addresses, ipsets, remembered state and RNG.
pub struct Node {
    pub addresses: LocalAddresses,
    pub ipsets: IpSets,
    pub state: NetfilterState,
    pub rng: Rng,
    pub now: u64,
}

impl Node {
    /// A node with `eth0` 192.168.0.2/24 (kube-proxy's `testNodeIP`).
    pub fn new(seed: u64) -> Node {
        Node::with_addresses(seed, &[("eth0", addr("192.168.0.2"), 24)])
    }

    pub fn with_addresses(seed: u64, addresses: &[(&str, Ipv4Addr, u8)]) -> Node {
        Node {
            addresses: LocalAddresses::with_interfaces(addresses),
            ipsets: IpSets::new(),
            state: NetfilterState::default(),
            rng: Rng::seeded(seed),
            now: 1000,
        }
    }

    /// The context of one evaluation.
    pub fn ctx(
        &mut self,
        conntrack: CtView,
        masquerade_source: Option<Ipv4Addr>,
    ) -> EvalContext<'_> {
        EvalContext {
            addresses: &self.addresses,
            conntrack,
            ipsets: &self.ipsets,
            now_secs: self.now,
            masquerade_source,
            state: &mut self.state,
            rng: &mut self.rng,
        }
    }
}

/// `chain:number` of every step that matched, e.g. `KUBE-SERVICES:1`, `PREROUTING:end`.
pub fn path(evaluation: &Evaluation) -> Vec<String> {
    evaluation
        .steps
        .iter()
        .filter(|step| step.outcome != StepOutcome::NoMatch)
        .map(|step| match step.number() {
            Some(number) => format!("{}:{number}", step.chain),
            None => format!("{}:end", step.chain),
        })
        .collect()
}

/// The DNAT destination as `ip:port`.
pub fn dnat(evaluation: &Evaluation) -> Option<String> {
    let (address, port) = evaluation.nat.as_ref()?.destination()?;
    Some(match port {
        Some(port) => format!("{address}:{port}"),
        None => address.to_string(),
    })
}
