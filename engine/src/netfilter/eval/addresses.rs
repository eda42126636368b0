//! `LocalAddresses`: the host's `local` routing table, which decides `-m addrtype`.
//!
//! Part of [`crate::netfilter::eval`]. `xt_addrtype` asks `inet_dev_addr_type(net, dev, addr)`
//! (net/ipv4/fib_frontend.c, `__inet_dev_addr_type`): `0.0.0.0/8` and `255.255.255.255` are
//! BROADCAST, `224.0.0.0/4` is MULTICAST, otherwise the longest match in table `local` gives the
//! type (`local`, `broadcast`), provided `dev` is the route's device when the rule has
//! `--limit-iface-in/out`; an address the table does not know is UNICAST. (When the kernel
//! has merged the local and main tries, an address of a `blackhole` route would report
//! BLACKHOLE; the lab only consults table `local`.)

use std::net::Ipv4Addr;

use crate::dataplane::host::Host;
use crate::dataplane::route::RouteType;
use crate::net::Cidr;
use crate::netfilter::matches::AddrTypes;

/// One route of table `local`.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct LocalRoute {
    pub destination: Cidr,
    /// The route type as a single addrtype bit (LOCAL or BROADCAST).
    pub kind: AddrTypes,
    /// The device of the route (the one holding the address).
    pub device: String,
}

/// The routes of table `local` of one host.
#[derive(Clone, Debug, PartialEq, Eq, Default)]
pub struct LocalAddresses {
    routes: Vec<LocalRoute>,
    /// Table `main` as (destination, device) for the reverse-path lookups of `-m rpfilter`;
    /// `None` for a route without a device (blackhole, unreachable). Empty when not given.
    reverse: Vec<(Cidr, Option<String>)>,
}

impl LocalAddresses {
    /// An empty table: every address is UNICAST (or BROADCAST / MULTICAST by its value).
    pub fn new() -> LocalAddresses {
        LocalAddresses::default()
    }

    /// The table of a host with `lo` (127.0.0.1/8) and the given `(device, address, prefix)`
    /// addresses on up devices, as `fib_add_ifaddr` fills it: `local ADDR`, the loopback
    /// prefix as `local 127.0.0.0/8`, and `broadcast` for the last address of every prefix
    /// shorter than /31.
    pub fn with_interfaces(addresses: &[(&str, Ipv4Addr, u8)]) -> LocalAddresses {
        let mut table = LocalAddresses::new();
        let loopback = Ipv4Addr::new(127, 0, 0, 1);
        table.add_address("lo", loopback, 8, true);
        for (device, address, prefix_len) in addresses {
            table.add_address(device, *address, *prefix_len, false);
        }
        table
    }

    /// Adds the routes the kernel adds for one address of an up device.
    pub fn add_address(&mut self, device: &str, address: Ipv4Addr, prefix_len: u8, loopback: bool) {
        self.push(Cidr::host(address), AddrTypes::LOCAL, device);
        let Some(prefix) = Cidr::new(address, prefix_len) else {
            return;
        };
        if loopback && prefix.prefix_len() < 32 {
            self.push(prefix, AddrTypes::LOCAL, device);
        }
        if prefix.prefix_len() < 31 {
            self.push(Cidr::host(prefix.last()), AddrTypes::BROADCAST, device);
        }
    }

    /// Adds one route.
    pub fn push(&mut self, destination: Cidr, kind: AddrTypes, device: &str) {
        let route = LocalRoute {
            destination,
            kind,
            device: device.to_string(),
        };
        if !self.routes.contains(&route) {
            self.routes.push(route);
        }
    }

    /// Table `local` of a dataplane host.
    pub fn from_host(host: &Host) -> LocalAddresses {
        let mut table = LocalAddresses::new();
        for route in host.local.routes() {
            let kind = match route.kind {
                RouteType::Local => AddrTypes::LOCAL,
                RouteType::Broadcast => AddrTypes::BROADCAST,
                _ => continue,
            };
            table.push(route.dst, kind, route.dev.as_deref().unwrap_or(""));
        }
        table
    }

    pub fn routes(&self) -> &[LocalRoute] {
        &self.routes
    }

    /// The same table plus the host's `main` routes, so `-m rpfilter` can be evaluated.
    pub fn with_main_routes(mut self, host: &Host) -> LocalAddresses {
        self.reverse = host
            .main
            .routes()
            .iter()
            .map(|route| (route.dst, if route.kind.refuses() { None } else { route.dev.clone() }))
            .collect();
        self
    }

    /// The reverse-path lookup of `rpfilter_lookup_reverse` (net/ipv4/netfilter/ipt_rpfilter.c):
    /// route `source` as a destination; `None` when no main routes were given. The answer is
    /// `Some(Ok(device))` for a unicast route, `Some(Err(local))` when the address is local
    /// (`local` true) or the route refuses or nothing matches (`local` false).
    pub fn reverse_route(&self, source: Ipv4Addr) -> Option<Result<&str, bool>> {
        if self.reverse.is_empty() {
            return None;
        }
        if self.address_type(source, None) == AddrTypes::LOCAL {
            return Some(Err(true));
        }
        let best = self
            .reverse
            .iter()
            .filter(|(destination, _)| destination.contains(source))
            .max_by_key(|(destination, _)| destination.prefix_len());
        Some(match best {
            Some((_, Some(device))) => Ok(device.as_str()),
            _ => Err(false),
        })
    }

    /// The address type (one bit), as `inet_dev_addr_type(net, device, address)`.
    pub fn address_type(&self, address: Ipv4Addr, device: Option<&str>) -> AddrTypes {
        let octets = address.octets();
        if octets[0] == 0 || address == Ipv4Addr::BROADCAST {
            return AddrTypes::BROADCAST;
        }
        if address.is_multicast() {
            return AddrTypes::MULTICAST;
        }
        let best = self
            .routes
            .iter()
            .filter(|route| route.destination.contains(address))
            .max_by_key(|route| route.destination.prefix_len());
        match best {
            Some(route) if device.is_none_or(|device| device == route.device) => route.kind,
            _ => AddrTypes::UNICAST,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kernel_address_types() {
        let table = LocalAddresses::with_interfaces(&[("eth0", Ipv4Addr::new(192, 168, 0, 2), 24)]);
        let node = Ipv4Addr::new(192, 168, 0, 2);
        assert_eq!(table.address_type(node, None), AddrTypes::LOCAL);
        assert_eq!(
            table.address_type(Ipv4Addr::new(127, 3, 4, 5), None),
            AddrTypes::LOCAL
        );
        assert_eq!(
            table.address_type(Ipv4Addr::new(192, 168, 0, 255), None),
            AddrTypes::BROADCAST
        );
        assert_eq!(
            table.address_type(Ipv4Addr::new(192, 168, 0, 3), None),
            AddrTypes::UNICAST
        );
        assert_eq!(
            table.address_type(Ipv4Addr::BROADCAST, None),
            AddrTypes::BROADCAST
        );
        assert_eq!(
            table.address_type(Ipv4Addr::new(0, 1, 2, 3), None),
            AddrTypes::BROADCAST
        );
        assert_eq!(
            table.address_type(Ipv4Addr::new(224, 0, 0, 5), None),
            AddrTypes::MULTICAST
        );
        // --limit-iface: the node's address is LOCAL only through its own device.
        assert_eq!(table.address_type(node, Some("eth0")), AddrTypes::LOCAL);
        assert_eq!(table.address_type(node, Some("tunl0")), AddrTypes::UNICAST);
    }

    #[test]
    fn reads_a_dataplane_hosts_local_table() {
        use crate::dataplane::host::HostKind;
        use crate::dataplane::route::{Route, RouteTable, TableId};
        let mut local = RouteTable::new(TableId::Local);
        let node = Ipv4Addr::new(192, 168, 0, 2);
        local.insert(Route {
            kind: RouteType::Local,
            ..Route::unicast(Cidr::host(node), None, "eth0")
        });
        let broadcast = Cidr::host(Ipv4Addr::new(192, 168, 0, 255));
        local.insert(Route {
            kind: RouteType::Broadcast,
            ..Route::unicast(broadcast, None, "eth0")
        });
        let host = Host {
            name: "worker-1".to_string(),
            kind: HostKind::Node,
            netns: None,
            links: Vec::new(),
            main: RouteTable::new(TableId::Main),
            local,
            neighbors: Vec::new(),
            route_localnet: false,
        };
        let table = LocalAddresses::from_host(&host);
        assert_eq!(table.routes().len(), 2);
        assert_eq!(table.address_type(node, None), AddrTypes::LOCAL);
        assert_eq!(
            table.address_type(Ipv4Addr::new(192, 168, 0, 255), Some("eth0")),
            AddrTypes::BROADCAST
        );
        assert_eq!(
            table.address_type(Ipv4Addr::new(192, 168, 0, 7), None),
            AddrTypes::UNICAST
        );
    }
}
