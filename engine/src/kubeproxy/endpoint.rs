//! Endpoints as kube-proxy sees them: EndpointSlices folded into one sorted list per service port.
//!
//! Part of the kube-proxy stage. Port of `EndpointSliceCache.endpointInfoByServicePort` /
//! `addEndpoints` (kubernetes `pkg/proxy/endpointslicecache.go`) and `BaseEndpointInfo`
//! (`pkg/proxy/endpoint.go`), plus the iptables proxier's cached `KUBE-SEP-` chain name.

use std::collections::{BTreeMap, BTreeSet};
use std::net::Ipv4Addr;

use crate::cluster::EndpointSlice;
use crate::netfilter::ChainName;

use super::hash::service_port_endpoint_chain_name;
use super::service_port::ServicePortName;

/// One endpoint of one service port (`endpointInfo` in the iptables proxier).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct EndpointInfo {
    pub ip: Ipv4Addr,
    pub port: u16,
    /// `IP:port`, the `Endpoint.String()` that names and orders endpoints.
    pub endpoint: String,
    /// `nodeName` equals the node kube-proxy runs on.
    pub is_local: bool,
    /// `conditions.ready` (nil counts as true).
    pub ready: bool,
    /// `conditions.serving` (nil counts as true).
    pub serving: bool,
    /// `conditions.terminating` (nil counts as false).
    pub terminating: bool,
    /// `hints.forZones[].name`; empty when the slice carries no hints.
    pub zone_hints: BTreeSet<String>,
    /// `KUBE-SEP-...`, computed once.
    pub chain: ChainName,
}

/// `proxy.EndpointsMap`: each service port's endpoints, sorted byte-wise by `IP:port`.
pub type EndpointsMap = BTreeMap<ServicePortName, Vec<EndpointInfo>>;

/// Builds the endpoints map for `node_name` from every IPv4 EndpointSlice.
///
/// Faithful details: ports with a nil name or a nil/zero port are ignored (the EndpointSlice
/// controller writes `name: ""` for unnamed ports); an endpoint uses `addresses[0]` only; a
/// duplicate `IP:port` replaces the earlier one unless it is terminating (the current
/// upstream rule). Slices are read in namespace/service/name order, where kube-proxy reads a
/// Go map (random order); this only matters for conflicting duplicates.
pub fn endpoints_map(slices: &[EndpointSlice], node_name: &str) -> EndpointsMap {
    let mut ordered: Vec<&EndpointSlice> = slices.iter().filter(|slice| slice.address_type == "IPv4").collect();
    crate::sort::by(&mut ordered, |a, b| (&a.namespace, &a.service_name, &a.name).cmp(&(&b.namespace, &b.service_name, &b.name)));

    let mut by_port: BTreeMap<ServicePortName, BTreeMap<String, EndpointInfo>> = BTreeMap::new();
    for slice in ordered {
        for slice_port in &slice.ports {
            let Some(port_name) = &slice_port.name else { continue };
            let Some(port) = slice_port.port.filter(|port| *port != 0) else { continue };
            let service_port = ServicePortName {
                namespace: slice.namespace.clone(),
                name: slice.service_name.clone(),
                port: port_name.clone(),
                protocol: slice_port.protocol,
            };
            let name_string = service_port.name_string();
            let protocol = slice_port.protocol.iptables_name();
            let set = by_port.entry(service_port).or_default();
            for endpoint in &slice.endpoints {
                let Some(&ip) = endpoint.addresses.first() else { continue };
                let text = endpoint_string(ip, port);
                let terminating = endpoint.terminating == Some(true);
                if set.contains_key(&text) && terminating {
                    continue;
                }
                let info = EndpointInfo {
                    ip,
                    port,
                    is_local: endpoint.node_name.as_deref() == Some(node_name),
                    ready: endpoint.ready != Some(false),
                    serving: endpoint.serving != Some(false),
                    terminating,
                    zone_hints: BTreeSet::new(),
                    chain: ChainName::from_trusted(service_port_endpoint_chain_name(&name_string, protocol, &text)),
                    endpoint: text.clone(),
                };
                set.insert(text, info);
            }
        }
    }
    crate::sort::map_of(by_port.into_iter().map(|(name, set)| (name, set.into_values().collect())))
}

/// `IP:port` (`net.JoinHostPort` of an IPv4 address), written digit by digit: the same text
/// as `format!("{ip}:{port}")` without the formatting machinery, which `Ipv4Addr`'s
/// `Display` makes costly (100,000 endpoints for 10,000 Services).
fn endpoint_string(ip: Ipv4Addr, port: u16) -> String {
    let mut text = String::with_capacity(21);
    for (index, octet) in ip.octets().into_iter().enumerate() {
        if index > 0 {
            text.push('.');
        }
        push_decimal(&mut text, u32::from(octet));
    }
    text.push(':');
    push_decimal(&mut text, u32::from(port));
    text
}

/// Appends `value` in decimal, without leading zeros.
fn push_decimal(out: &mut String, value: u32) {
    let mut digits = [0u8; 10];
    let mut len = 0;
    let mut rest = value;
    loop {
        if let Some(slot) = digits.get_mut(len) {
            // `rest % 10` is below 10, so the cast cannot truncate.
            *slot = b'0' + (rest % 10) as u8;
        }
        len += 1;
        rest /= 10;
        if rest == 0 || len >= digits.len() {
            break;
        }
    }
    for digit in digits.iter().take(len).rev() {
        out.push(char::from(*digit));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cluster::{Endpoint, EndpointPort};
    use crate::net::Protocol;

    fn slice(name: &str, endpoints: Vec<Endpoint>, ports: Vec<EndpointPort>) -> EndpointSlice {
        EndpointSlice {
            namespace: "ns1".into(),
            name: name.into(),
            service_name: "ep1".into(),
            address_type: "IPv4".into(),
            endpoints,
            ports,
            managed_by_lab: false,
        }
    }

    fn endpoint(ip: [u8; 4], node: Option<&str>) -> Endpoint {
        Endpoint { addresses: vec![Ipv4Addr::from(ip)], node_name: node.map(str::to_string), ..Endpoint::default() }
    }

    fn udp_port(name: Option<&str>, port: Option<u16>) -> EndpointPort {
        EndpointPort { name: name.map(str::to_string), port, protocol: Protocol::Udp }
    }

    fn key(port: &str) -> ServicePortName {
        ServicePortName { namespace: "ns1".into(), name: "ep1".into(), port: port.into(), protocol: Protocol::Udp }
    }

    /// From `TestUpdateEndpointsMap` (proxier_test.go), complexSubset5: `10.1.1.11:11`
    /// sorts before `10.1.1.1:11` because `'1' < ':'`.
    #[test]
    fn endpoint_string_is_display_of_ip_and_port() {
        for (ip, port) in [([0, 0, 0, 0], 0), ([10, 244, 1, 5], 8080), ([255, 255, 255, 255], 65535), ([1, 20, 100, 9], 80)] {
            let ip = Ipv4Addr::from(ip);
            assert_eq!(endpoint_string(ip, port), format!("{ip}:{port}"));
        }
    }

    #[test]
    fn endpoints_sort_bytewise_by_ip_port_string() {
        let slices = [slice(
            "ep1-1",
            vec![endpoint([10, 1, 1, 1], None), endpoint([10, 1, 1, 11], None)],
            vec![udp_port(Some("p11"), Some(11))],
        )];
        let map = endpoints_map(&slices, "test-node");
        let names: Vec<&str> = map[&key("p11")].iter().map(|e| e.endpoint.as_str()).collect();
        assert_eq!(names, ["10.1.1.11:11", "10.1.1.1:11"]);
    }

    /// `TestUpdateEndpointsMap` "no change, multiple subsets, multiple ports, local".
    #[test]
    fn locality_and_ports_per_slice() {
        let slices = [
            slice(
                "ep1-1",
                vec![endpoint([10, 1, 1, 1], Some("test-node"))],
                vec![udp_port(Some("p11"), Some(11)), udp_port(Some("p12"), Some(12))],
            ),
            slice("ep1-2", vec![endpoint([10, 1, 1, 3], None)], vec![udp_port(Some("p13"), Some(13))]),
        ];
        let map = endpoints_map(&slices, "test-node");
        assert_eq!(map.len(), 3);
        assert_eq!(map[&key("p11")][0].endpoint, "10.1.1.1:11");
        assert!(map[&key("p11")][0].is_local);
        assert_eq!(map[&key("p12")][0].endpoint, "10.1.1.1:12");
        assert!(!map[&key("p13")][0].is_local);
    }

    #[test]
    fn nil_names_zero_ports_and_empty_addresses_are_ignored() {
        let slices = [slice(
            "ep1-1",
            vec![Endpoint::default(), endpoint([10, 1, 1, 1], None)],
            vec![udp_port(None, Some(11)), udp_port(Some("zero"), Some(0)), udp_port(Some(""), Some(53))],
        )];
        let map = endpoints_map(&slices, "n");
        assert_eq!(map.len(), 1);
        assert_eq!(map[&key("")].len(), 1);
    }

    #[test]
    fn terminating_duplicate_does_not_replace_a_running_one() {
        let mut gone = endpoint([10, 0, 1, 5], Some("a"));
        gone.terminating = Some(true);
        gone.ready = Some(false);
        let running = endpoint([10, 0, 1, 5], Some("b"));
        let slices = [
            slice("s1", vec![running], vec![udp_port(Some(""), Some(80))]),
            slice("s2", vec![gone], vec![udp_port(Some(""), Some(80))]),
        ];
        let map = endpoints_map(&slices, "b");
        let [only] = map[&key("")].as_slice() else { panic!("one endpoint expected") };
        assert!(only.ready && only.is_local && !only.terminating);
    }
}
