//! Source address selection: which of a host's addresses a packet leaves with.
//!
//! Used by `ip route get` (the `src` it prints), by locally generated packets, and by
//! MASQUERADE, which asks for `inet_select_addr(out_dev, next_hop, RT_SCOPE_UNIVERSE)`
//! (`nf_nat_masquerade_ipv4` in `net/netfilter/nf_nat_masquerade.c`).

use std::net::Ipv4Addr;

use crate::dataplane::host::Host;
use crate::dataplane::route::{Route, Scope};

/// Port of the kernel's `inet_select_addr(dev, dst, scope)` (`net/ipv4/devinet.c`).
///
/// 1. Among the device's primary addresses whose scope is at most `scope` (an address of
///    scope host counts as link when the device has `route_localnet`, which this port
///    does not apply: only `lo` has host-scope addresses),
///    the first one in the same subnet as `dst` wins; failing that, the first one at all.
///    `dst` of `None` is the kernel's 0: the first address that passes the scope test.
/// 2. A device with no such address (a `cali…` veth has no IPv4 address) falls back to
///    `in_dev_select_addr` on every device of the namespace in ifindex order: the first
///    primary address whose scope is not link and is at most `scope`. `lo`'s 127.0.0.1 has
///    scope host, so it loses to `eth0`'s global address, which is why a node answers from
///    its node IP on a `cali…` route (checked with `ip route get` on Linux 6.18:
///    `192.168.56.129 dev calic440f455693 src 172.16.120.63`). This depends on `eth0`
///    having a lower ifindex than `tunl0`, as it has on real nodes.
pub fn inet_select_addr(
    host: &Host,
    dev: &str,
    dst: Option<Ipv4Addr>,
    scope: Scope,
) -> Option<Ipv4Addr> {
    if let Some(link) = host.link(dev) {
        let mut first = None;
        for address in &link.addresses {
            if address.scope > scope {
                continue;
            }
            if dst.is_none_or(|dst| address.same_subnet(dst)) {
                return Some(address.local);
            }
            if first.is_none() {
                first = Some(address.local);
            }
        }
        if first.is_some() {
            return first;
        }
    }
    host.links.iter().find_map(|link| {
        link.addresses
            .iter()
            .find(|address| address.scope != Scope::Link && address.scope <= scope)
            .map(|address| address.local)
    })
}

/// The source address a packet gets when it leaves through `out_dev` towards `next_hop`,
/// as MASQUERADE picks it: `inet_select_addr(out_dev, next_hop, RT_SCOPE_UNIVERSE)`.
/// On the seed's node1 this is `tunl0`'s 192.168.56.128 for the tunnel and 172.16.120.63
/// for `eth0` and for a `cali…` veth.
pub fn select_source(host: &Host, out_dev: &str, next_hop: Ipv4Addr) -> Option<Ipv4Addr> {
    inet_select_addr(host, out_dev, Some(next_hop), Scope::Universe)
}

/// The source a route gives locally generated packets (`fib_result_prefsrc` in
/// `net/ipv4/fib_semantics.c`): the route's `src` if it has one, otherwise
/// `inet_select_addr(dev, gateway, route scope)` (`fib_info_update_nhc_saddr`).
pub fn route_source(host: &Host, route: &Route) -> Option<Ipv4Addr> {
    if route.src.is_some() {
        return route.src;
    }
    let dev = route.dev.as_deref()?;
    inet_select_addr(host, dev, route.via, route.scope)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::dataplane::host::HostKind;
    use crate::dataplane::link::{InetAddress, Link, LinkKind, Qdisc};
    use crate::dataplane::route::{RouteTable, TableId};

    fn link(
        index: u32,
        name: &str,
        kind: LinkKind,
        address: Option<(Ipv4Addr, u8, Scope)>,
    ) -> Link {
        Link {
            index,
            name: name.to_string(),
            kind,
            up: true,
            mtu: 1500,
            qdisc: Qdisc::Noqueue,
            mac: None,
            addresses: address
                .map(|(local, prefix_len, scope)| InetAddress {
                    local,
                    prefix_len,
                    broadcast: None,
                    scope,
                })
                .into_iter()
                .collect(),
            addresses6: Vec::new(),
            route_localnet: false,
        }
    }

    fn host(links: Vec<Link>) -> Host {
        Host {
            name: "n".to_string(),
            kind: HostKind::Node,
            netns: None,
            links,
            main: RouteTable::new(TableId::Main),
            local: RouteTable::new(TableId::Local),
            neighbors: Vec::new(),
            route_localnet: false,
        }
    }

    #[test]
    fn fallback_walks_devices_in_ifindex_order_and_skips_host_scope() {
        let lo = link(
            1,
            "lo",
            LinkKind::Loopback,
            Some((Ipv4Addr::LOCALHOST, 8, Scope::Host)),
        );
        let tunl0 = link(
            2,
            "tunl0",
            LinkKind::Ipip,
            Some((Ipv4Addr::new(192, 168, 0, 0), 32, Scope::Universe)),
        );
        let eth0 = link(
            3,
            "eth0",
            LinkKind::Ethernet,
            Some((Ipv4Addr::new(10, 0, 0, 5), 24, Scope::Universe)),
        );
        let veth = LinkKind::Veth {
            peer_index: 3,
            peer_namespace: crate::dataplane::link::PeerNamespace::Id(0),
        };
        let cali = link(4, "cali0", veth, None);
        // With tunl0 before eth0 the fallback would pick tunl0's address: the kernel takes
        // the first device in the namespace's list, not the "main" one.
        let host = host(vec![lo, tunl0, eth0, cali]);
        assert_eq!(
            inet_select_addr(&host, "cali0", None, Scope::Link),
            Some(Ipv4Addr::new(192, 168, 0, 0))
        );
        // On the device itself, an address in the next hop's subnet wins over the first.
        assert_eq!(
            select_source(&host, "eth0", Ipv4Addr::new(10, 0, 0, 1)),
            Some(Ipv4Addr::new(10, 0, 0, 5))
        );
        // Only lo left: 127.0.0.1 has scope host and never serves a universe route.
        let lonely = super::tests::host(vec![link(
            1,
            "lo",
            LinkKind::Loopback,
            Some((Ipv4Addr::LOCALHOST, 8, Scope::Host)),
        )]);
        assert_eq!(
            select_source(&lonely, "eth9", Ipv4Addr::new(8, 8, 8, 8)),
            None
        );
    }
}
