//! `kubeproxy.config.k8s.io/v1alpha1 KubeProxyConfiguration` (k8s.io/kube-proxy
//! `config/v1alpha1/types.go`): the part of kube-proxy's config file that changes the rules
//! it writes.

use super::decode::{Cx, Fields};
use super::meta::{NameRule, ObjectMeta, read_meta};
use crate::diagnostic::{Problem, Quantity, Reason, Subject};
use crate::net::Cidr;

/// A KubeProxyConfiguration.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct KubeProxyConfiguration {
    /// Usually empty (the config file has no metadata).
    pub metadata: ObjectMeta,
    pub mode: ProxyMode,
    /// `clusterCIDR` (IPv4 entries of the comma-separated list).
    pub cluster_cidr: Vec<Cidr>,
    pub detect_local_mode: Option<DetectLocalMode>,
    /// `detectLocal.bridgeInterface`.
    pub bridge_interface: Option<String>,
    /// `detectLocal.interfaceNamePrefix`.
    pub interface_name_prefix: Option<String>,
    /// `iptables.masqueradeBit`, 0 to 31; `None` means kube-proxy's default 14.
    pub masquerade_bit: Option<u8>,
    /// `iptables.masqueradeAll`.
    pub masquerade_all: bool,
    /// `iptables.localhostNodePorts`; `None` means kube-proxy's default true.
    pub localhost_node_ports: Option<bool>,
    /// `nodePortAddresses`.
    pub node_port_addresses: NodePortAddresses,
}

/// `mode`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum ProxyMode {
    /// `""`: the platform default, iptables on Linux.
    #[default]
    Default,
    Iptables,
    Ipvs,
    Nftables,
    Kernelspace,
}

/// `detectLocalMode`: how kube-proxy tells pod traffic from outside traffic.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DetectLocalMode {
    ClusterCidr,
    NodeCidr,
    BridgeInterface,
    InterfaceNamePrefix,
}

/// `nodePortAddresses`: where NodePorts are open.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub enum NodePortAddresses {
    /// Not set: every local address (kube-proxy before 1.29 and when unset).
    #[default]
    All,
    /// `["primary"]`: only the node's primary IP.
    Primary,
    /// A list of CIDRs.
    Cidrs(Vec<Cidr>),
}

pub(crate) fn read(cx: &mut Cx<'_>, fields: &mut Fields<'_>) -> KubeProxyConfiguration {
    let mut config = KubeProxyConfiguration {
        metadata: read_meta(cx, fields.take("metadata"), NameRule::None, false),
        ..KubeProxyConfiguration::default()
    };
    if let Some((node, path)) = fields.take("mode") {
        config.mode = cx
            .one_of(
                node,
                &path,
                &[
                    ("", ProxyMode::Default),
                    ("iptables", ProxyMode::Iptables),
                    ("ipvs", ProxyMode::Ipvs),
                    ("nftables", ProxyMode::Nftables),
                    ("kernelspace", ProxyMode::Kernelspace),
                ],
            )
            .unwrap_or_default();
        if !matches!(config.mode, ProxyMode::Default | ProxyMode::Iptables) {
            cx.warn(
                node.position,
                &path,
                Problem::NotEmulated {
                    feature: Subject::KubeProxyMode { mode: node.text().unwrap_or("").to_string() },
                    detail: Reason::IptablesModeOnly,
                },
            );
        }
    }
    if let Some((node, path)) = fields.take("clusterCIDR")
        && let Some(text) = cx.string(node, &path)
    {
        for part in text
            .split(',')
            .map(str::trim)
            .filter(|p| !p.is_empty() && !p.contains(':'))
        {
            match Cidr::parse_strict(part) {
                Ok(cidr) => config.cluster_cidr.push(cidr),
                Err(error) => cx.invalid(node, &path, super::decode::cidr_reason(&error)),
            }
        }
    }
    config.detect_local_mode = fields.one_of(
        cx,
        "detectLocalMode",
        &[
            ("ClusterCIDR", DetectLocalMode::ClusterCidr),
            ("NodeCIDR", DetectLocalMode::NodeCidr),
            ("BridgeInterface", DetectLocalMode::BridgeInterface),
            ("InterfaceNamePrefix", DetectLocalMode::InterfaceNamePrefix),
        ],
    );
    if let Some(mut detect) = fields.map(cx, "detectLocal") {
        config.bridge_interface = detect.string(cx, "bridgeInterface");
        config.interface_name_prefix = detect.string(cx, "interfaceNamePrefix");
        detect.finish(cx);
    }
    if let Some(mut iptables) = fields.map(cx, "iptables") {
        config.masquerade_bit = iptables
            .int_in(cx, "masqueradeBit", 0, 31, Quantity::MasqueradeBit)
            .and_then(|n| u8::try_from(n).ok());
        config.masquerade_all = iptables.bool(cx, "masqueradeAll").unwrap_or(false);
        config.localhost_node_ports = iptables.bool(cx, "localhostNodePorts");
        iptables.ignore(&["minSyncPeriod", "syncPeriod"]);
        iptables.finish(cx);
    }
    if let Some((node, path)) = fields.take("nodePortAddresses") {
        let entries = cx.strings(node, &path);
        if entries.iter().any(|e| e == "primary") {
            config.node_port_addresses = NodePortAddresses::Primary;
        } else if !entries.is_empty() {
            let cidrs = cx.list(node, &path, |cx, n, p| cx.cidr(n, p));
            config.node_port_addresses = NodePortAddresses::Cidrs(cidrs);
        }
    }
    fields.ignore(&[
        "bindAddress",
        "healthzBindAddress",
        "metricsBindAddress",
        "bindAddressHardFail",
        "enableProfiling",
        "showHiddenMetricsForVersion",
        "clientConnection",
        "hostnameOverride",
        "featureGates",
        "ipvs",
        "nftables",
        "winkernel",
        "conntrack",
        "configSyncPeriod",
        "portRange",
        "oomScoreAdj",
        "udpIdleTimeout",
        "logging",
        "syncPeriod",
        "minSyncPeriod",
    ]);
    config
}
