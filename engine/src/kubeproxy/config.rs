//! kube-proxy's effective settings for one node: the masquerade mark, the local-traffic
//! detector, NodePort addresses and the host capabilities that change rule text.
//!
//! Part of the kube-proxy stage. Port of the parts of `NewProxier` (kubernetes
//! `pkg/proxy/iptables/proxier.go`) that decide rule text, `NewDetectLocalBy*`
//! (`pkg/proxy/util/localdetector.go`) and `NewNodePortAddresses`
//! (`pkg/proxy/util/nodeport_addresses.go`).

use std::net::Ipv4Addr;

use crate::cluster::{DetectLocalMode, KubeProxyConfig};
use crate::net::Cidr;

/// `--detect-local-mode`: how kube-proxy tells pod traffic from other traffic.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum LocalDetector {
    /// No cluster CIDR / pod CIDR / interface known: the detector is "not implemented" and the
    /// rules that need it are left out.
    NotImplemented,
    /// `ClusterCIDR` or `NodeCIDR`: `-s <cidr>` / `! -s <cidr>`.
    Cidr(Cidr),
    /// `BridgeInterface`: `-i <bridge>` / `! -i <bridge>`.
    BridgeInterface(String),
    /// `InterfaceNamePrefix`: `-i <prefix>+` / `! -i <prefix>+`.
    InterfaceNamePrefix(String),
}

impl LocalDetector {
    /// `IsImplemented()`.
    pub fn is_implemented(&self) -> bool {
        !matches!(self, LocalDetector::NotImplemented)
    }
}

/// `--nodeport-addresses` for the IPv4 family.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NodePortAddresses {
    /// The IPv4 CIDRs; a single `0.0.0.0/0` when none were given.
    pub cidrs: Vec<Cidr>,
    /// No CIDR given, or one of them is a zero CIDR.
    pub match_all: bool,
    /// A CIDR is a loopback network or contains 127.0.0.0.
    pub contains_ipv4_loopback: bool,
}

impl NodePortAddresses {
    /// Port of `NewNodePortAddresses(IPv4, cidrs)`.
    pub fn new(cidrs: &[Cidr]) -> NodePortAddresses {
        let given: Vec<Cidr> = if cidrs.is_empty() {
            Cidr::new(Ipv4Addr::UNSPECIFIED, 0).into_iter().collect()
        } else {
            cidrs.to_vec()
        };
        let loopback_start = Ipv4Addr::new(127, 0, 0, 0);
        let mut result = NodePortAddresses { cidrs: Vec::new(), match_all: false, contains_ipv4_loopback: false };
        for cidr in given {
            if cidr.network().is_loopback() || cidr.contains(loopback_start) {
                result.contains_ipv4_loopback = true;
            }
            if cidr.prefix_len() == 0 {
                result.cidrs = vec![cidr];
                result.match_all = true;
                break;
            }
            result.cidrs.push(cidr);
        }
        result
    }

    /// Port of `GetNodeIPs`: the node addresses inside the CIDRs, de-duplicated. kube-proxy
    /// de-duplicates through a Go map (random order); here they come out sorted.
    pub fn node_ips(&self, addresses: &[Ipv4Addr]) -> Vec<Ipv4Addr> {
        let mut ips: Vec<Ipv4Addr> =
            addresses.iter().copied().filter(|ip| self.cidrs.iter().any(|cidr| cidr.contains(*ip))).collect();
        crate::sort::natural(&mut ips);
        ips.dedup();
        ips
    }
}

/// Everything about kube-proxy and its host that changes the rules it writes.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ProxierConfig {
    /// `--iptables-masquerade-bit` (0-31); the mark is `1 << bit`.
    pub masquerade_bit: u8,
    /// `--masquerade-all`.
    pub masquerade_all: bool,
    pub local_detector: LocalDetector,
    /// Effective `--iptables-localhost-nodeports` (already forced off by `NewProxier` when
    /// the NodePort addresses exclude 127.0.0.0).
    pub localhost_node_ports: bool,
    pub node_port_addresses: NodePortAddresses,
    /// `iptables.HasRandomFully()`: `MASQUERADE --random-fully`.
    pub random_fully: bool,
    /// The nfacct counters `ct_state_invalid_dropped_pkts` and `localhost_nps_accepted_pkts`
    /// could be created.
    pub nfacct: bool,
    /// `net.netfilter.nf_conntrack_tcp_be_liberal` is non-zero: no INVALID drop rule.
    pub conntrack_tcp_be_liberal: bool,
}

impl ProxierConfig {
    /// The masquerade mark value, `1 << masqueradeBit` (bit 14 gives `0x4000`).
    pub fn masquerade_mark(&self) -> u32 {
        1u32.checked_shl(u32::from(self.masquerade_bit)).unwrap_or(1 << 14)
    }

    /// Port of `NewProxier`'s decisions from a `KubeProxyConfiguration`. `pod_cidr` is the
    /// node's `spec.podCIDR`, used by `detectLocalMode: NodeCIDR`.
    pub fn from_kube_proxy(config: &KubeProxyConfig, pod_cidr: Option<Cidr>) -> ProxierConfig {
        let node_port_addresses = NodePortAddresses::new(&config.node_port_addresses);
        let local_detector = match config.detect_local_mode {
            DetectLocalMode::ClusterCidr => config.cluster_cidr.map_or(LocalDetector::NotImplemented, LocalDetector::Cidr),
            DetectLocalMode::NodeCidr => pod_cidr.map_or(LocalDetector::NotImplemented, LocalDetector::Cidr),
            DetectLocalMode::BridgeInterface => config
                .detect_local_interface
                .clone()
                .filter(|name| !name.is_empty())
                .map_or(LocalDetector::NotImplemented, LocalDetector::BridgeInterface),
            DetectLocalMode::InterfaceNamePrefix => config
                .detect_local_interface
                .clone()
                .filter(|name| !name.is_empty())
                .map_or(LocalDetector::NotImplemented, LocalDetector::InterfaceNamePrefix),
        };
        ProxierConfig {
            masquerade_bit: config.masquerade_bit.min(31),
            masquerade_all: config.masquerade_all,
            local_detector,
            localhost_node_ports: config.localhost_node_ports && node_port_addresses.contains_ipv4_loopback,
            node_port_addresses,
            random_fully: config.random_fully,
            nfacct: config.nfacct,
            conntrack_tcp_be_liberal: config.conntrack_tcp_be_liberal,
        }
    }

    /// The settings of upstream's `NewFakeProxier` (proxier_test.go): ClusterCIDR detector
    /// `10.0.0.0/8`, mark bit 14, localhost NodePorts on, every address, no `--random-fully`
    /// (the fake iptables lacks it), both nfacct counters present, `be_liberal` off.
    pub fn upstream_fake() -> ProxierConfig {
        ProxierConfig {
            masquerade_bit: 14,
            masquerade_all: false,
            local_detector: Cidr::new(Ipv4Addr::new(10, 0, 0, 0), 8).map_or(LocalDetector::NotImplemented, LocalDetector::Cidr),
            localhost_node_ports: true,
            node_port_addresses: NodePortAddresses::new(&[]),
            random_fully: false,
            nfacct: true,
            conntrack_tcp_be_liberal: false,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cidr(text: &str) -> Cidr {
        Cidr::parse_strict(text).unwrap()
    }

    #[test]
    fn default_node_port_addresses_match_all_and_include_loopback() {
        let npa = NodePortAddresses::new(&[]);
        assert!(npa.match_all);
        assert!(npa.contains_ipv4_loopback);
    }

    /// `TestNodePorts` cases: "localhost in nodeport-addresses" keeps loopback; a list
    /// without it does not.
    #[test]
    fn loopback_detection_follows_new_node_port_addresses() {
        let npa = NodePortAddresses::new(&[cidr("192.168.0.0/24"), cidr("127.0.0.1/32")]);
        assert!(!npa.match_all);
        assert!(npa.contains_ipv4_loopback);
        let npa = NodePortAddresses::new(&[cidr("192.168.0.0/24"), cidr("192.168.1.0/24")]);
        assert!(!npa.contains_ipv4_loopback);
        let ips = npa.node_ips(&[
            Ipv4Addr::new(192, 168, 1, 2),
            Ipv4Addr::new(127, 0, 0, 1),
            Ipv4Addr::new(192, 168, 0, 2),
            Ipv4Addr::new(192, 168, 99, 11),
        ]);
        assert_eq!(ips, [Ipv4Addr::new(192, 168, 0, 2), Ipv4Addr::new(192, 168, 1, 2)]);
    }

    #[test]
    fn new_proxier_forces_localhost_node_ports_off_without_loopback() {
        let config = KubeProxyConfig { node_port_addresses: vec![cidr("192.168.0.0/24")], ..KubeProxyConfig::default() };
        let effective = ProxierConfig::from_kube_proxy(&config, None);
        assert!(!effective.localhost_node_ports);
        assert_eq!(effective.local_detector, LocalDetector::NotImplemented);
        assert_eq!(effective.masquerade_mark(), 0x4000);
    }

    #[test]
    fn detector_modes() {
        let mut config = KubeProxyConfig { cluster_cidr: Some(cidr("192.168.0.0/16")), ..KubeProxyConfig::default() };
        assert_eq!(ProxierConfig::from_kube_proxy(&config, None).local_detector, LocalDetector::Cidr(cidr("192.168.0.0/16")));
        config.detect_local_mode = DetectLocalMode::NodeCidr;
        assert_eq!(
            ProxierConfig::from_kube_proxy(&config, Some(cidr("192.168.5.0/24"))).local_detector,
            LocalDetector::Cidr(cidr("192.168.5.0/24"))
        );
        config.detect_local_mode = DetectLocalMode::InterfaceNamePrefix;
        config.detect_local_interface = Some("cali".into());
        assert_eq!(
            ProxierConfig::from_kube_proxy(&config, None).local_detector,
            LocalDetector::InterfaceNamePrefix("cali".into())
        );
    }
}
