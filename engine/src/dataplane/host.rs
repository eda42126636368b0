//! A host: one network namespace with its devices, routing tables and neighbours.
//!
//! The external client, every node and every pod is a [`Host`]. `dataplane::build` makes
//! them from the `Cluster`; packet traces ask them for routes with [`Host::route_get`];
//! `dataplane::render` prints them the way iproute2 does.

use std::net::Ipv4Addr;

use crate::dataplane::addr_select::route_source;
use crate::dataplane::link::{Link, Mac};
use crate::dataplane::route::{Route, RouteMatch, RouteTable, RouteType, TableId};

/// What a host is in the cluster.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum HostKind {
    /// A machine on the underlay outside the cluster, such as the post's client.
    External,
    /// A Kubernetes node's root namespace.
    Node,
    /// A pod's network namespace on `node`.
    Pod {
        namespace: String,
        name: String,
        node: String,
    },
}

/// An entry of the neighbour (ARP) table, as `ip neigh` prints it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Neighbor {
    pub address: Ipv4Addr,
    pub dev: String,
    pub lladdr: Mac,
    /// `REACHABLE`, `STALE`, `PERMANENT`...
    pub state: String,
}

/// One network namespace.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Host {
    /// The node name, the external host's name, or `namespace/name` for a pod.
    pub name: String,
    pub kind: HostKind,
    /// The namespace's name under `/var/run/netns` (`cni-…` for pods), if it has one.
    pub netns: Option<String>,
    /// Devices in ifindex order.
    pub links: Vec<Link>,
    pub main: RouteTable,
    pub local: RouteTable,
    pub neighbors: Vec<Neighbor>,
    /// `net.ipv4.conf.all.route_localnet`, which counts for every device: kube-proxy turns it
    /// on on nodes for NodePorts on 127.0.0.1 (`localhostNodePorts`, on by default;
    /// `pkg/proxy/iptables/proxier.go`).
    pub route_localnet: bool,
}

/// The answer to `ip route get ADDRESS`: the kernel's output route for a locally
/// generated packet (`ip_route_output_key_hash_rcu` in `net/ipv4/route.c`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum RouteGet {
    /// The packet can go (or be delivered locally). `matched` is the route the FIB lookup
    /// chose; `None` when the kernel answers without one (a limited broadcast arriving).
    Reachable {
        matched: Option<RouteMatch>,
        kind: RouteType,
        destination: Ipv4Addr,
        gateway: Option<Ipv4Addr>,
        /// The output device; `lo` for local delivery.
        dev: String,
        source: Option<Ipv4Addr>,
    },
    /// The lookup hit a blackhole, unreachable or prohibit route.
    Refused {
        matched: RouteMatch,
        kind: RouteType,
    },
    /// No table had a matching route (`ENETUNREACH`).
    NoRoute,
    /// A forwarded packet with a martian source or destination (`EINVAL`): a source that is
    /// one of this host's own addresses, or a loopback address arriving on a real device
    /// without `route_localnet` (`ip_route_input_slow`, `fib_validate_source`).
    Martian,
}

impl RouteGet {
    /// The route the lookup chose, for highlighting in the table it came from.
    pub fn matched(&self) -> Option<RouteMatch> {
        match self {
            RouteGet::Reachable { matched, .. } => *matched,
            RouteGet::Refused { matched, .. } => Some(*matched),
            RouteGet::NoRoute | RouteGet::Martian => None,
        }
    }
}

impl Host {
    /// The device called `name`.
    pub fn link(&self, name: &str) -> Option<&Link> {
        self.links.iter().find(|link| link.name == name)
    }

    /// The device with ifindex `index`.
    pub fn link_by_index(&self, index: u32) -> Option<&Link> {
        self.links.iter().find(|link| link.index == index)
    }

    /// The table with the given id.
    pub fn table(&self, id: TableId) -> &RouteTable {
        match id {
            TableId::Local => &self.local,
            TableId::Main => &self.main,
        }
    }

    /// The route at `matched`.
    pub fn route(&self, matched: RouteMatch) -> Option<&Route> {
        self.table(matched.table).get(matched.index)
    }

    /// Whether `address` is one of this host's own addresses (a `local` route matches it).
    pub fn is_local(&self, address: Ipv4Addr) -> bool {
        self.local
            .lookup(address)
            .and_then(|index| self.local.get(index))
            .is_some_and(|route| route.kind == RouteType::Local)
    }

    /// The FIB lookup under the default policy rules: table `local` first, then `main`
    /// (`fib_lookup` with rules 0 and 32766; the empty `default` table never matches).
    pub fn lookup(&self, address: Ipv4Addr) -> Option<RouteMatch> {
        [TableId::Local, TableId::Main]
            .into_iter()
            .find_map(|table| {
                self.table(table)
                    .lookup(address)
                    .map(|index| RouteMatch { table, index })
            })
    }

    /// What `ip route get ADDRESS` answers for a packet this host sends.
    ///
    /// Local routes deliver through `lo` with the route's preferred source (or the
    /// destination itself); other routes use their device, gateway and
    /// [`route_source`](crate::dataplane::addr_select::route_source). Two addresses are
    /// special in `ip_route_output_key_hash_rcu`: 0.0.0.0 means this host (delivered
    /// through `lo` from 127.0.0.1), and 255.255.255.255 is a broadcast out of the device
    /// the FIB picks (checked on Linux 6.18: `broadcast 255.255.255.255 dev eth0 src …`).
    pub fn route_get(&self, destination: Ipv4Addr) -> RouteGet {
        let lookup_address = if destination.is_unspecified() {
            Ipv4Addr::LOCALHOST
        } else {
            destination
        };
        let (matched, route) = match self.usable_route(lookup_address) {
            Ok(found) => found,
            Err(answer) => return answer,
        };
        if route.kind == RouteType::Local {
            return RouteGet::Reachable {
                matched: Some(matched),
                kind: route.kind,
                destination,
                gateway: None,
                dev: "lo".to_string(),
                source: Some(route.src.unwrap_or(lookup_address)),
            };
        }
        let limited_broadcast = destination.is_broadcast();
        RouteGet::Reachable {
            matched: Some(matched),
            kind: if limited_broadcast {
                RouteType::Broadcast
            } else {
                route.kind
            },
            destination,
            gateway: if limited_broadcast { None } else { route.via },
            dev: route.dev.clone().unwrap_or_default(),
            source: route_source(self, route),
        }
    }

    /// The route the FIB picks for `address`, or the answer when there is none or it is a
    /// route that refuses (`unreachable`, `prohibit`, `blackhole`).
    fn usable_route(&self, address: Ipv4Addr) -> Result<(RouteMatch, &Route), RouteGet> {
        let Some(matched) = self.lookup(address) else {
            return Err(RouteGet::NoRoute);
        };
        let Some(route) = self.route(matched) else {
            return Err(RouteGet::NoRoute);
        };
        if route.kind.refuses() {
            return Err(RouteGet::Refused {
                matched,
                kind: route.kind,
            });
        }
        Ok((matched, route))
    }

    /// Whether packets arriving on `iif` may carry loopback addresses:
    /// `IN_DEV_NET_ROUTE_LOCALNET` (include/linux/inetdevice.h) is `conf.all.route_localnet`
    /// or the device's own `route_localnet`.
    pub fn route_localnet_on(&self, iif: &str) -> bool {
        self.route_localnet || self.link(iif).is_some_and(|link| link.route_localnet)
    }

    /// The kernel's input route for a packet arriving on `iif` from `source`
    /// (`ip_route_input_slow` in `net/ipv4/route.c`), as `ip route get DST from SRC iif IIF`
    /// shows it: local and broadcast destinations are delivered through `lo`; anything
    /// else is forwarded through the route's device without choosing a source.
    ///
    /// Martians (`EINVAL`): a source that is zero, a broadcast, multicast or one of this
    /// host's own addresses; a zero destination; a loopback destination (or, with another
    /// destination, a loopback source) arriving on a device other than `lo` unless
    /// `route_localnet` is on for it ([`Host::route_localnet_on`]). Reverse path filtering
    /// is not applied (rp_filter 0; Calico checks workload sources with its own raw-table
    /// rule).
    pub fn route_input(&self, destination: Ipv4Addr, source: Ipv4Addr, iif: &str) -> RouteGet {
        let localnet = iif == "lo" || self.route_localnet_on(iif);
        let martian_source = source.is_unspecified()
            || source.is_broadcast()
            || source.is_multicast()
            || (source.is_loopback() && !localnet)
            || self.is_local(source);
        let martian_destination =
            destination.is_unspecified() || (destination.is_loopback() && !localnet);
        if martian_source || martian_destination {
            return RouteGet::Martian;
        }
        if destination.is_broadcast() {
            return RouteGet::Reachable {
                matched: None,
                kind: RouteType::Broadcast,
                destination,
                gateway: None,
                dev: "lo".to_string(),
                source: Some(source),
            };
        }
        let (matched, route) = match self.usable_route(destination) {
            Ok(found) => found,
            Err(answer) => return answer,
        };
        let delivered = matches!(route.kind, RouteType::Local | RouteType::Broadcast);
        RouteGet::Reachable {
            matched: Some(matched),
            kind: route.kind,
            destination,
            gateway: if delivered { None } else { route.via },
            dev: if delivered {
                "lo".to_string()
            } else {
                route.dev.clone().unwrap_or_default()
            },
            source: Some(source),
        }
    }
}
