//! Cluster -> hosts: the devices and routes Calico, BIRD, the CNI plugin and the kernel
//! leave on every machine.
//!
//! Input is the resolved `Cluster`; output is one [`Host`] per external machine, node and
//! pod, in that order (each group in the cluster's sorted order). Everything here is a
//! port of what the real components do, with the choices the real cluster leaves open
//! (NIC names, MAC addresses, namespace ids, ifindex numbering) made deterministic.
//!
//! Facts: `/work/shared/reference/calico-metallb-ingress.md` §1.4-§1.9.

use std::collections::BTreeMap;
use std::net::{Ipv4Addr, Ipv6Addr};

use sha1::Sha1;
use sha2::{Digest, Sha256};

use crate::cluster::{Cluster, EncapMode, ExternalHost, IpPool, Node, Pod};
use crate::dataplane::host::{Host, HostKind, Neighbor};
use crate::dataplane::link::{
    Inet6Address, InetAddress, Link, LinkKind, Mac, PeerNamespace, Qdisc,
};
use crate::dataplane::route::{Route, RouteProtocol, RouteTable, RouteType, Scope, TableId};
use crate::kubeproxy::config::ProxierConfig;
use crate::net::Cidr;

/// The underlay MTU the lab assumes for every NIC.
pub const UNDERLAY_MTU: u32 = 1500;
/// IPIP adds one 20-byte IPv4 header (Calico's `networking/mtu.md`).
pub const IPIP_OVERHEAD: u32 = 20;
/// VXLAN adds 50 bytes.
pub const VXLAN_OVERHEAD: u32 = 50;
/// The gateway every Calico pod routes through; the host answers ARP for it by proxy ARP
/// and never owns it (Calico FAQ, "Why does my container have a route to 169.254.1.1?").
pub const POD_GATEWAY: Ipv4Addr = Ipv4Addr::new(169, 254, 1, 1);
/// The name of the underlay NIC on nodes and external hosts.
pub const UNDERLAY_DEV: &str = "eth0";
/// Calico's IPIP device.
pub const TUNNEL_DEV: &str = "tunl0";

/// Builds every host of the cluster: external hosts, then nodes, then pods that have a
/// network namespace of their own (scheduled onto a known node, with an IP, and not
/// `hostNetwork`; a hostNetwork pod lives in its node's namespace).
pub fn hosts(cluster: &Cluster) -> Vec<Host> {
    let plan = Plan::new(cluster);
    let mut hosts: Vec<Host> = cluster.external_hosts.iter().map(external_host).collect();
    hosts.extend(
        cluster
            .nodes
            .iter()
            .map(|node| node_host(cluster, &plan, node)),
    );
    hosts.extend(plan.pods.iter().map(|placed| pod_host(&plan, placed)));
    hosts
}

/// A pod that gets its own namespace, with the ifindexes of both veth ends.
struct PlacedPod<'a> {
    pod: &'a Pod,
    ip: Ipv4Addr,
    node: &'a Node,
    /// The host side, `cali…`.
    host_dev: String,
    host_index: u32,
    pod_index: u32,
    netns: String,
}

/// Decisions shared by every host: encapsulation, MTU, and where each pod's veth goes.
struct Plan<'a> {
    ipip: bool,
    workload_mtu: u32,
    pods: Vec<PlacedPod<'a>>,
}

impl<'a> Plan<'a> {
    fn new(cluster: &'a Cluster) -> Plan<'a> {
        let enabled = || cluster.ip_pools.iter().filter(|pool| !pool.disabled);
        let ipip = enabled().any(|pool| pool.ipip_mode != EncapMode::Never);
        let vxlan = enabled().any(|pool| pool.vxlan_mode != EncapMode::Never);
        // Felix's MTU auto-detection: the host MTU minus the largest enabled overhead.
        let overhead = match (vxlan, ipip) {
            (true, _) => VXLAN_OVERHEAD,
            (false, true) => IPIP_OVERHEAD,
            (false, false) => 0,
        };
        // Node devices: lo (1), eth0 (2), tunl0 (3) when IPIP is on; veths follow.
        // Pod devices: lo (1), tunl0 (2) when the ipip module is loaded; eth0 follows.
        let first_veth_index: u32 = if ipip { 4 } else { 3 };
        let pod_eth0_index: u32 = if ipip { 3 } else { 2 };
        let mut next_index: BTreeMap<&str, u32> = BTreeMap::new();
        let mut pods = Vec::new();
        for pod in &cluster.pods {
            let (Some(ip), Some(node_name)) = (pod.ip, pod.node_name.as_deref()) else {
                continue;
            };
            if pod.host_network {
                continue;
            }
            let Some(node) = cluster.nodes.iter().find(|node| node.name == node_name) else {
                continue;
            };
            let slot = next_index.entry(node_name).or_insert(first_veth_index);
            let host_index = *slot;
            *slot = slot.saturating_add(1);
            pods.push(PlacedPod {
                pod,
                ip,
                node,
                host_dev: pod.interface.clone().unwrap_or_else(|| veth_name(pod)),
                host_index,
                pod_index: pod_eth0_index,
                netns: netns_name(pod),
            });
        }
        Plan {
            ipip,
            workload_mtu: UNDERLAY_MTU.saturating_sub(overhead),
            pods,
        }
    }
}

fn external_host(external: &ExternalHost) -> Host {
    let eth0 = underlay_nic(&external.name, external.ip, external.subnet);
    let links = vec![loopback(), eth0];
    let (mut main, local) = kernel_routes(&links);
    main.extend(default_route(
        external.gateway,
        external.ip,
        external.subnet,
    ));
    Host {
        name: external.name.clone(),
        kind: HostKind::External,
        netns: None,
        links,
        main,
        local,
        neighbors: Vec::new(),
        route_localnet: false,
    }
}

fn node_host(cluster: &Cluster, plan: &Plan, node: &Node) -> Host {
    let mut links = vec![
        loopback(),
        underlay_nic(&node.name, node.internal_ip, node.subnet),
    ];
    if plan.ipip {
        links.push(node_tunnel(node.tunnel_ip));
    }
    let local_pods: Vec<&PlacedPod> = plan
        .pods
        .iter()
        .filter(|placed| placed.node.name == node.name)
        .collect();
    for placed in &local_pods {
        links.push(Link {
            index: placed.host_index,
            name: placed.host_dev.clone(),
            kind: LinkKind::Veth {
                peer_index: placed.pod_index,
                peer_namespace: PeerNamespace::Named(placed.netns.clone()),
            },
            up: true,
            mtu: plan.workload_mtu,
            qdisc: Qdisc::Noqueue,
            mac: Some(Mac::CALICO_HOST_SIDE),
            addresses: Vec::new(),
            addresses6: vec![link_local(Mac::CALICO_HOST_SIDE)],
            // The CNI plugin's host-side sysctls (`configureSysctls` in cni-plugin's
            // dataplane/linux): proxy_arp, forwarding and route_localnet.
            route_localnet: true,
        });
    }
    let (mut main, local) = kernel_routes(&links);
    main.extend(default_route(node.gateway, node.internal_ip, node.subnet));
    // BIRD's `protocol static` blackholes every affine block (bird_aggr.cfg.template).
    for block in node.blocks.iter().filter(|block| block.prefix_len() < 32) {
        main.insert(Route::refusing(
            RouteType::Blackhole,
            *block,
            RouteProtocol::Bird,
        ));
    }
    // The CNI plugin's /32 per workload (`SetupRoutes`), owned by Felix with proto boot.
    for placed in &local_pods {
        main.insert(Route::link(Cidr::host(placed.ip), &placed.host_dev));
    }
    for remote in cluster.nodes.iter().filter(|other| other.name != node.name) {
        for block in &remote.blocks {
            if let Some(route) = remote_route(cluster, node, remote, *block) {
                main.insert(route);
            }
        }
    }
    // Addresses a node borrowed from another node's block travel as /32 routes.
    for placed in plan
        .pods
        .iter()
        .filter(|placed| placed.node.name != node.name)
    {
        let in_own_block = placed
            .node
            .blocks
            .iter()
            .any(|block| block.contains(placed.ip));
        if in_own_block {
            continue;
        }
        main.extend(remote_route(
            cluster,
            node,
            placed.node,
            Cidr::host(placed.ip),
        ));
    }
    Host {
        name: node.name.clone(),
        kind: HostKind::Node,
        netns: None,
        links,
        main,
        local,
        neighbors: Vec::new(),
        route_localnet: ProxierConfig::from_kube_proxy(&cluster.kube_proxy, None).localhost_node_ports,
    }
}

fn pod_host(plan: &Plan, placed: &PlacedPod) -> Host {
    let mac = pod_mac(placed.pod);
    let mut links = vec![loopback()];
    if plan.ipip {
        // The ipip module creates a fallback tunl0 in every new namespace; nobody brings
        // it up inside a pod.
        links.push(Link {
            index: 2,
            name: TUNNEL_DEV.to_string(),
            kind: LinkKind::Ipip,
            up: false,
            mtu: UNDERLAY_MTU.saturating_sub(IPIP_OVERHEAD),
            qdisc: Qdisc::Noop,
            mac: None,
            addresses: Vec::new(),
            addresses6: Vec::new(),
            route_localnet: false,
        });
    }
    links.push(Link {
        index: placed.pod_index,
        name: UNDERLAY_DEV.to_string(),
        kind: LinkKind::Veth {
            peer_index: placed.host_index,
            peer_namespace: PeerNamespace::Id(0),
        },
        up: true,
        mtu: plan.workload_mtu,
        qdisc: Qdisc::Noqueue,
        mac: Some(mac),
        // The CNI plugin forces the mask to /32 and sets no broadcast.
        addresses: vec![InetAddress {
            local: placed.ip,
            prefix_len: 32,
            broadcast: None,
            scope: Scope::Universe,
        }],
        addresses6: vec![link_local(mac)],
        route_localnet: false,
    });
    let (mut main, local) = kernel_routes(&links);
    main.insert(Route::link(Cidr::host(POD_GATEWAY), UNDERLAY_DEV));
    if let Some(default) = Cidr::new(Ipv4Addr::UNSPECIFIED, 0) {
        main.insert(Route::unicast(default, Some(POD_GATEWAY), UNDERLAY_DEV));
    }
    Host {
        name: placed.pod.key(),
        kind: HostKind::Pod {
            namespace: placed.pod.namespace.clone(),
            name: placed.pod.name.clone(),
            node: placed.node.name.clone(),
        },
        netns: Some(placed.netns.clone()),
        links,
        main,
        local,
        neighbors: vec![Neighbor {
            address: POD_GATEWAY,
            dev: UNDERLAY_DEV.to_string(),
            lladdr: Mac::CALICO_HOST_SIDE,
            state: "REACHABLE".to_string(),
        }],
        route_localnet: false,
    }
}

fn loopback() -> Link {
    Link {
        index: 1,
        name: "lo".to_string(),
        kind: LinkKind::Loopback,
        up: true,
        mtu: 65536,
        qdisc: Qdisc::Noqueue,
        mac: None,
        addresses: vec![InetAddress {
            local: Ipv4Addr::LOCALHOST,
            prefix_len: 8,
            broadcast: None,
            scope: Scope::Host,
        }],
        addresses6: vec![Inet6Address {
            address: Ipv6Addr::LOCALHOST,
            prefix_len: 128,
            scope: Scope::Host,
        }],
        route_localnet: false,
    }
}

/// The underlay NIC, statically configured (as netplan or systemd-networkd would):
/// `address/len brd <last> scope global`, the queueing discipline systemd sets
/// (`fq_codel`), and a QEMU-style MAC (52:54:00:…) derived from the host's name.
fn underlay_nic(host_name: &str, ip: Ipv4Addr, subnet: Cidr) -> Link {
    let mac = underlay_mac(host_name);
    let prefix_len = subnet.prefix_len();
    let broadcast = Cidr::new(ip, prefix_len)
        .filter(|own| own.prefix_len() < 31)
        .map(|own| own.last());
    Link {
        index: 2,
        name: UNDERLAY_DEV.to_string(),
        kind: LinkKind::Ethernet,
        up: true,
        mtu: UNDERLAY_MTU,
        qdisc: Qdisc::FqCodel,
        mac: Some(mac),
        addresses: vec![InetAddress {
            local: ip,
            prefix_len,
            broadcast,
            scope: Scope::Universe,
        }],
        addresses6: vec![link_local(mac)],
        route_localnet: false,
    }
}

/// The node's `tunl0` as Felix configures it (`ipip_mgr.go`): up, MTU 1480, and the
/// tunnel address as a /32.
fn node_tunnel(tunnel_ip: Option<Ipv4Addr>) -> Link {
    Link {
        index: 3,
        name: TUNNEL_DEV.to_string(),
        kind: LinkKind::Ipip,
        up: true,
        mtu: UNDERLAY_MTU.saturating_sub(IPIP_OVERHEAD),
        qdisc: Qdisc::Noqueue,
        mac: None,
        addresses: tunnel_ip
            .map(|local| InetAddress {
                local,
                prefix_len: 32,
                broadcast: None,
                scope: Scope::Universe,
            })
            .into_iter()
            .collect(),
        addresses6: Vec::new(),
        route_localnet: false,
    }
}

fn link_local(mac: Mac) -> Inet6Address {
    Inet6Address {
        address: mac.link_local_ipv6(),
        prefix_len: 64,
        scope: Scope::Link,
    }
}

/// The routes the kernel adds for every address (`fib_add_ifaddr` in
/// `net/ipv4/fib_frontend.c`): `local <addr>` in table local; for an up device the
/// explicit broadcast, the prefix route (in table main, or table local as type `local` on
/// loopback) unless the address is a /32, and the subnet's last address as broadcast for
/// prefixes shorter than /31. Current kernels (checked on 6.18) no longer add a broadcast
/// route for the network address itself.
fn kernel_routes(links: &[Link]) -> (RouteTable, RouteTable) {
    let mut main = RouteTable::new(TableId::Main);
    let mut local = RouteTable::new(TableId::Local);
    for link in links {
        for address in &link.addresses {
            let kernel_route = |kind: RouteType, dst: Cidr, scope: Scope| Route {
                kind,
                dst,
                via: None,
                dev: Some(link.name.clone()),
                proto: RouteProtocol::Kernel,
                scope,
                src: Some(address.local),
                onlink: false,
                metric: None,
            };
            local.insert(kernel_route(
                RouteType::Local,
                Cidr::host(address.local),
                Scope::Host,
            ));
            if !link.up {
                continue;
            }
            let mut broadcasts: Vec<Ipv4Addr> = Vec::new();
            if let Some(broadcast) = address.broadcast.filter(|brd| *brd != Ipv4Addr::BROADCAST) {
                broadcasts.push(broadcast);
            }
            let Some(prefix) = Cidr::new(address.local, address.prefix_len) else {
                continue;
            };
            let zeronet = prefix.network().octets()[0] == 0;
            if !zeronet && (prefix.network() != address.local || prefix.prefix_len() < 32) {
                if link.kind == LinkKind::Loopback {
                    local.insert(kernel_route(RouteType::Local, prefix, Scope::Host));
                } else {
                    main.insert(kernel_route(RouteType::Unicast, prefix, Scope::Link));
                }
                if prefix.prefix_len() < 31 && !broadcasts.contains(&prefix.last()) {
                    broadcasts.push(prefix.last());
                }
            }
            for broadcast in broadcasts {
                local.insert(kernel_route(
                    RouteType::Broadcast,
                    Cidr::host(broadcast),
                    Scope::Link,
                ));
            }
        }
    }
    (main, local)
}

/// `default via <gateway> dev eth0 proto static`, as a static network configuration
/// installs it. The lab chooses `proto static` without a metric (netplan/systemd-networkd
/// with a static address); a DHCP-configured host would show
/// `proto dhcp src <ip> metric 100`. The kernel refuses a gateway outside the subnet, so
/// then there is no default route.
fn default_route(gateway: Ipv4Addr, ip: Ipv4Addr, subnet: Cidr) -> Option<Route> {
    let own = Cidr::new(ip, subnet.prefix_len())?;
    if !own.contains(gateway) || gateway == ip {
        return None;
    }
    let mut route = Route::unicast(
        Cidr::new(Ipv4Addr::UNSPECIFIED, 0)?,
        Some(gateway),
        UNDERLAY_DEV,
    );
    route.proto = RouteProtocol::Static;
    Some(route)
}

/// The pool a block or address belongs to.
fn pool_of(cluster: &Cluster, dst: Cidr) -> Option<&IpPool> {
    cluster
        .ip_pools
        .iter()
        .find(|pool| pool.cidr.contains_cidr(&dst))
}

/// The route BIRD programs on `local` for `dst` (a block of `remote`, or an address
/// `remote` borrowed), following confd's `calico_kernel_programming` filter
/// (`bird_ipam.cfg.template`):
///
/// - IPIP `Always`: `krt_tunnel = "tunl0"`, giving `<dst> via <remote IP> dev tunl0 proto
///   bird onlink` (the tunnel is NBMA, so the gateway is the outer destination).
/// - IPIP `CrossSubnet`: no tunnel when `bgp_next_hop` is in this node's subnet, giving
///   `<dst> via <remote IP> dev eth0 proto bird`; tunl0 as for `Always` otherwise.
/// - `Never`: a plain route. In the same subnet it is `via <remote IP> dev eth0`. Across
///   subnets the BGP next hop is not directly reachable; the mesh peers use
///   `gateway recursive` (bird.cfg.template's `bgp_template`), so BIRD resolves it through
///   the underlay's default route and installs `via <this node's gateway> dev eth0`: the
///   packet goes to the router un-encapsulated, and arrives only if the underlay routers
///   know the pod CIDRs (they peer with Calico by BGP). Inferred, not observed.
///
/// VXLAN pools are routed by Felix through `vxlan.calico`, which the lab does not model
/// yet, so they get no route here (the packet then follows the default route).
fn remote_route(cluster: &Cluster, local: &Node, remote: &Node, dst: Cidr) -> Option<Route> {
    let pool = pool_of(cluster, dst);
    if pool.is_some_and(|pool| pool.vxlan_mode != EncapMode::Never) {
        return None;
    }
    let mode = pool.map_or(EncapMode::Never, |pool| pool.ipip_mode);
    let same_subnet = Cidr::new(local.internal_ip, local.subnet.prefix_len())
        .is_some_and(|subnet| subnet.contains(remote.internal_ip));
    let tunnel = match mode {
        EncapMode::Always => true,
        EncapMode::CrossSubnet => !same_subnet,
        EncapMode::Never => false,
    };
    let mut route = if tunnel {
        let mut route = Route::unicast(dst, Some(remote.internal_ip), TUNNEL_DEV);
        route.onlink = true;
        route
    } else if same_subnet {
        Route::unicast(dst, Some(remote.internal_ip), UNDERLAY_DEV)
    } else {
        Route::unicast(dst, Some(local.gateway), UNDERLAY_DEV)
    };
    route.proto = RouteProtocol::Bird;
    Some(route)
}

/// Port of Calico's `VethNameForWorkload` (libcalico-go
/// `lib/backend/k8s/conversion/workload_endpoint_default.go`): `cali` + the first 11 hex
/// digits of SHA-1(`<namespace>.<pod>`). Used when the cluster stage left it unset.
pub fn veth_name(pod: &Pod) -> String {
    let digest = Sha1::digest(format!("{}.{}", pod.namespace, pod.name).as_bytes());
    let hex: String = digest.iter().map(|byte| format!("{byte:02x}")).collect();
    format!("cali{}", hex.get(..11).unwrap_or(&hex))
}

/// 32 bytes of SHA-256 over a purpose tag and a name: the lab's stand-in for the random
/// numbers the real system draws (MAC addresses, namespace UUIDs).
fn stable_bytes(purpose: &str, name: &str) -> [u8; 32] {
    let digest = Sha256::digest(format!("{purpose}\0{name}").as_bytes());
    let mut bytes = [0u8; 32];
    for (slot, byte) in bytes.iter_mut().zip(digest.iter()) {
        *slot = *byte;
    }
    bytes
}

/// The pod's sandbox namespace as containerd names it: `cni-` and a version-4 UUID
/// (random in reality; derived from the pod's key here).
pub fn netns_name(pod: &Pod) -> String {
    let mut bytes = stable_bytes("netns", &pod.key());
    bytes[6] = (bytes[6] & 0x0f) | 0x40;
    bytes[8] = (bytes[8] & 0x3f) | 0x80;
    let hex: Vec<String> = bytes
        .iter()
        .take(16)
        .map(|byte| format!("{byte:02x}"))
        .collect();
    let group = |from: usize, to: usize| {
        hex.get(from..to)
            .map(|part| part.concat())
            .unwrap_or_default()
    };
    format!(
        "cni-{}-{}-{}-{}-{}",
        group(0, 4),
        group(4, 6),
        group(6, 8),
        group(8, 10),
        group(10, 16)
    )
}

/// The pod-side MAC: kernel-random (`eth_random_addr`) in reality, derived from the pod's
/// key here. Calico only fixes it when `cni.projectcalico.org/hwAddr` is set.
pub fn pod_mac(pod: &Pod) -> Mac {
    let bytes = stable_bytes("pod-mac", &pod.key());
    Mac::locally_administered([bytes[0], bytes[1], bytes[2], bytes[3], bytes[4], bytes[5]])
}

/// A virtual machine NIC's MAC: QEMU's 52:54:00 prefix and three bytes from the host name.
pub fn underlay_mac(host_name: &str) -> Mac {
    let bytes = stable_bytes("nic-mac", host_name);
    Mac([0x52, 0x54, 0x00, bytes[0], bytes[1], bytes[2]])
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pod(namespace: &str, name: &str) -> Pod {
        Pod {
            namespace: namespace.to_string(),
            name: name.to_string(),
            ..Default::default()
        }
    }

    #[test]
    fn veth_name_matches_calico() {
        // calico-metallb-ingress.md §1.5: `default.nginx` -> `calic440f455693`
        // (SHA-1 of "default.nginx" starts c440f455693…).
        assert_eq!(veth_name(&pod("default", "nginx")), "calic440f455693");
        assert_eq!(veth_name(&pod("kube-system", "coredns-abc")).len(), 15);
    }

    #[test]
    fn netns_name_is_a_version_4_uuid() {
        let name = netns_name(&pod("default", "nginx"));
        let uuid = name.strip_prefix("cni-").unwrap();
        let groups: Vec<usize> = uuid.split('-').map(str::len).collect();
        assert_eq!(groups, [8, 4, 4, 4, 12]);
        assert_eq!(uuid.as_bytes()[14], b'4');
        assert!(matches!(uuid.as_bytes()[19], b'8' | b'9' | b'a' | b'b'));
        assert_ne!(name, netns_name(&pod("default", "nginx2")));
    }

    #[test]
    fn kernel_routes_for_a_slash_32_have_no_prefix_route() {
        // A /32 (a pod's eth0, tunl0) gets only its `local` entry; a /24 also gets the
        // prefix route and the broadcast (checked against Linux 6.18).
        let mut nic = underlay_nic(
            "n",
            Ipv4Addr::new(10, 0, 0, 5),
            Cidr::new(Ipv4Addr::new(10, 0, 0, 0), 24).unwrap(),
        );
        let (main, local) = kernel_routes(std::slice::from_ref(&nic));
        assert_eq!(main.routes().len(), 1);
        assert_eq!(local.routes().len(), 2);
        nic.addresses = vec![InetAddress {
            local: Ipv4Addr::new(10, 0, 0, 5),
            prefix_len: 32,
            broadcast: None,
            scope: Scope::Universe,
        }];
        let (main, local) = kernel_routes(&[nic]);
        assert!(main.routes().is_empty());
        assert_eq!(local.routes().len(), 1);
    }

    #[test]
    fn gateway_outside_the_subnet_gives_no_default_route() {
        let subnet = Cidr::new(Ipv4Addr::new(10, 0, 0, 0), 24).unwrap();
        assert!(
            default_route(
                Ipv4Addr::new(10, 0, 1, 1),
                Ipv4Addr::new(10, 0, 0, 5),
                subnet
            )
            .is_none()
        );
        assert!(
            default_route(
                Ipv4Addr::new(10, 0, 0, 1),
                Ipv4Addr::new(10, 0, 0, 5),
                subnet
            )
            .is_some()
        );
    }
}
