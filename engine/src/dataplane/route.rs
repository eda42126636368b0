//! Routes and routing tables: what `ip route` shows and what the kernel's FIB looks up.
//!
//! A [`RouteTable`] keeps its routes in the order the kernel dumps them, so printing is a
//! walk and a lookup result can name the row to highlight. Routes come from
//! `dataplane::build` (Calico, BIRD, the CNI plugin and the kernel itself) and are printed
//! by `dataplane::render`.

use std::cmp::Ordering;
use std::fmt;
use std::net::Ipv4Addr;

use crate::net::Cidr;

/// `rtm_type`: what a route does with a matching packet (`RTN_*` in `linux/rtnetlink.h`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum RouteType {
    /// A gateway or direct route (`RTN_UNICAST`); `ip route` prints no type for it.
    Unicast,
    /// An address of this host (`RTN_LOCAL`), in table `local`.
    Local,
    /// A broadcast address (`RTN_BROADCAST`), in table `local`.
    Broadcast,
    /// Silently discards (`RTN_BLACKHOLE`); Calico's BIRD installs one per local block.
    Blackhole,
    /// Discards with ICMP host unreachable (`RTN_UNREACHABLE`).
    Unreachable,
    /// Discards with ICMP administratively prohibited (`RTN_PROHIBIT`).
    Prohibit,
}

impl RouteType {
    /// The spelling iproute2 uses (`rtnl_rtntype_n2a` in iproute2's `lib/rt_names.c`).
    pub fn name(self) -> &'static str {
        match self {
            RouteType::Unicast => "unicast",
            RouteType::Local => "local",
            RouteType::Broadcast => "broadcast",
            RouteType::Blackhole => "blackhole",
            RouteType::Unreachable => "unreachable",
            RouteType::Prohibit => "prohibit",
        }
    }

    /// Whether a packet matching this route is refused instead of forwarded or delivered.
    pub fn refuses(self) -> bool {
        matches!(
            self,
            RouteType::Blackhole | RouteType::Unreachable | RouteType::Prohibit
        )
    }
}

/// `rtm_protocol`: who installed a route. Names as in iproute2's `/etc/iproute2/rt_protos`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum RouteProtocol {
    /// `RTPROT_KERNEL` (2): made by the kernel from an interface address.
    Kernel,
    /// `RTPROT_BOOT` (3): the default for `ip route add` and for netlink libraries such as
    /// vishvananda/netlink, which the Calico CNI plugin and Felix use. `ip route` hides it.
    Boot,
    /// `RTPROT_STATIC` (4): static configuration, e.g. systemd-networkd's `[Route]`.
    Static,
    /// 12: the BIRD routing daemon (Calico's `calico-node -bird`).
    Bird,
    /// 16: a DHCP client.
    Dhcp,
    /// Any other number, printed as the number.
    Other(u8),
}

impl RouteProtocol {
    /// The protocol number.
    pub fn number(self) -> u8 {
        match self {
            RouteProtocol::Kernel => 2,
            RouteProtocol::Boot => 3,
            RouteProtocol::Static => 4,
            RouteProtocol::Bird => 12,
            RouteProtocol::Dhcp => 16,
            RouteProtocol::Other(number) => number,
        }
    }
}

impl fmt::Display for RouteProtocol {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            RouteProtocol::Kernel => f.write_str("kernel"),
            RouteProtocol::Boot => f.write_str("boot"),
            RouteProtocol::Static => f.write_str("static"),
            RouteProtocol::Bird => f.write_str("bird"),
            RouteProtocol::Dhcp => f.write_str("dhcp"),
            RouteProtocol::Other(number) => write!(f, "{number}"),
        }
    }
}

/// `rtm_scope` / `ifa_scope`: how far away a destination or an address is.
///
/// The order is the kernel's numeric order (`RT_SCOPE_UNIVERSE` = 0 < `RT_SCOPE_SITE` = 200 <
/// `RT_SCOPE_LINK` = 253 < `RT_SCOPE_HOST` = 254), which source address selection compares.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Scope {
    /// Printed `global` for addresses; routes of this scope print no `scope`.
    Universe,
    Site,
    Link,
    Host,
}

impl Scope {
    /// The kernel's number for the scope.
    pub fn number(self) -> u8 {
        match self {
            Scope::Universe => 0,
            Scope::Site => 200,
            Scope::Link => 253,
            Scope::Host => 254,
        }
    }
}

impl fmt::Display for Scope {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Scope::Universe => "global",
            Scope::Site => "site",
            Scope::Link => "link",
            Scope::Host => "host",
        })
    }
}

/// One route, with the fields `ip route` prints.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Route {
    pub kind: RouteType,
    /// The destination prefix; `0.0.0.0/0` prints as `default`.
    pub dst: Cidr,
    /// The gateway (`via`), if any.
    pub via: Option<Ipv4Addr>,
    /// The output device; refusing routes have none.
    pub dev: Option<String>,
    pub proto: RouteProtocol,
    pub scope: Scope,
    /// The preferred source address (`src`, `RTA_PREFSRC`).
    pub src: Option<Ipv4Addr>,
    /// `RTNH_F_ONLINK`: the gateway is reachable on `dev` even though no prefix says so.
    pub onlink: bool,
    /// `RTA_PRIORITY`; `None` is the kernel's 0, which `ip route` does not print.
    pub metric: Option<u32>,
}

impl Route {
    /// A unicast route of scope universe, installed with `proto boot`; adjust the fields after.
    pub fn unicast(dst: Cidr, via: Option<Ipv4Addr>, dev: &str) -> Route {
        Route {
            kind: RouteType::Unicast,
            dst,
            via,
            dev: Some(dev.to_string()),
            proto: RouteProtocol::Boot,
            scope: Scope::Universe,
            src: None,
            onlink: false,
            metric: None,
        }
    }

    /// A device route (`<dst> dev <dev> scope link`), as the Calico CNI plugin adds.
    pub fn link(dst: Cidr, dev: &str) -> Route {
        Route {
            scope: Scope::Link,
            ..Route::unicast(dst, None, dev)
        }
    }

    /// A route of a refusing type (blackhole, unreachable, prohibit) without a device.
    pub fn refusing(kind: RouteType, dst: Cidr, proto: RouteProtocol) -> Route {
        Route {
            kind,
            dst,
            via: None,
            dev: None,
            proto,
            scope: Scope::Universe,
            src: None,
            onlink: false,
            metric: None,
        }
    }

    /// Whether `address` falls inside the destination prefix.
    pub fn matches(&self, address: Ipv4Addr) -> bool {
        self.dst.contains(address)
    }
}

/// Prints the route as one line of `ip route show` without the newline, including the
/// trailing space iproute2 leaves after every field (`print_route` in `ip/iproute.c`:
/// type unless unicast, dst, `via`, `dev`, `proto` unless boot, `scope` unless universe,
/// `src`, `metric`, then flags such as `onlink`).
impl fmt::Display for Route {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.kind != RouteType::Unicast {
            write!(f, "{} ", self.kind.name())?;
        }
        if self.dst.prefix_len() == 0 {
            f.write_str("default ")?;
        } else if self.dst.prefix_len() == 32 {
            write!(f, "{} ", self.dst.network())?;
        } else {
            write!(f, "{} ", self.dst)?;
        }
        if let Some(via) = self.via {
            write!(f, "via {via} ")?;
        }
        if let Some(dev) = &self.dev {
            write!(f, "dev {dev} ")?;
        }
        if self.proto != RouteProtocol::Boot {
            write!(f, "proto {} ", self.proto)?;
        }
        if self.scope != Scope::Universe {
            write!(f, "scope {} ", self.scope)?;
        }
        if let Some(src) = self.src {
            write!(f, "src {src} ")?;
        }
        if let Some(metric) = self.metric {
            write!(f, "metric {metric} ")?;
        }
        if self.onlink {
            f.write_str("onlink ")?;
        }
        Ok(())
    }
}

/// The routing tables the default rules consult (`ip rule`: 0 local, 32766 main, 32767 default).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum TableId {
    /// `RT_TABLE_LOCAL` (255): local and broadcast addresses, filled by the kernel.
    Local,
    /// `RT_TABLE_MAIN` (254): what `ip route` shows.
    Main,
}

impl fmt::Display for TableId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            TableId::Local => "local",
            TableId::Main => "main",
        })
    }
}

/// One routing table, its routes kept in the kernel's dump order.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RouteTable {
    pub id: TableId,
    routes: Vec<Route>,
}

/// Where a lookup landed: the table and the row in [`RouteTable::routes`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RouteMatch {
    pub table: TableId,
    pub index: usize,
}

impl RouteTable {
    pub fn new(id: TableId) -> RouteTable {
        RouteTable {
            id,
            routes: Vec::new(),
        }
    }

    /// The routes in the order `ip route` prints them.
    pub fn routes(&self) -> &[Route] {
        &self.routes
    }

    /// Adds a route where the kernel's dump would show it.
    ///
    /// The FIB is a trie keyed by the destination's network address, and a dump walks it in
    /// key order. Routes sharing a key sit in one leaf, longest prefix first, then by
    /// ascending metric (`fib_insert_alias` orders a leaf's aliases by `fa_slen`, then
    /// `fa_tos`, then `fib_priority`); equal routes keep their insertion order.
    /// Checked against `ip route` on Linux 6.18: `192.168.56.128 dev eth0 scope link` prints
    /// before `blackhole 192.168.56.128/26`.
    pub fn insert(&mut self, route: Route) {
        let position = self
            .routes
            .iter()
            .position(|existing| dump_order(&route, existing) == Ordering::Less)
            .unwrap_or(self.routes.len());
        self.routes.insert(position, route);
    }

    /// The kernel's longest-prefix match in this table (`fib_table_lookup`): the longest
    /// matching prefix, then the lowest metric, then the first in dump order.
    pub fn lookup(&self, address: Ipv4Addr) -> Option<usize> {
        let mut best: Option<(usize, &Route)> = None;
        for (index, route) in self.routes.iter().enumerate() {
            if !route.matches(address) {
                continue;
            }
            let better = match best {
                None => true,
                Some((_, current)) => {
                    route.dst.prefix_len() > current.dst.prefix_len()
                        || (route.dst.prefix_len() == current.dst.prefix_len()
                            && route.metric.unwrap_or(0) < current.metric.unwrap_or(0))
                }
            };
            if better {
                best = Some((index, route));
            }
        }
        best.map(|(index, _)| index)
    }

    /// The route at `index`, if there is one.
    pub fn get(&self, index: usize) -> Option<&Route> {
        self.routes.get(index)
    }
}

impl Extend<Route> for RouteTable {
    fn extend<I: IntoIterator<Item = Route>>(&mut self, routes: I) {
        for route in routes {
            self.insert(route);
        }
    }
}

fn dump_order(a: &Route, b: &Route) -> Ordering {
    u32::from(a.dst.network())
        .cmp(&u32::from(b.dst.network()))
        .then(b.dst.prefix_len().cmp(&a.dst.prefix_len()))
        .then(a.metric.unwrap_or(0).cmp(&b.metric.unwrap_or(0)))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cidr(text: &str) -> Cidr {
        Cidr::parse_strict(text).unwrap()
    }

    fn ip(text: &str) -> Ipv4Addr {
        text.parse().unwrap()
    }

    #[test]
    fn prints_like_ip_route() {
        // Lines as `ip route` (iproute2 6.1) printed them for the same routes on Linux 6.18.
        let mut default = Route::unicast(cidr("0.0.0.0/0"), Some(ip("172.16.120.1")), "eth0");
        default.proto = RouteProtocol::Static;
        assert_eq!(
            default.to_string(),
            "default via 172.16.120.1 dev eth0 proto static "
        );
        let blackhole = Route::refusing(
            RouteType::Blackhole,
            cidr("192.168.56.128/26"),
            RouteProtocol::Bird,
        );
        assert_eq!(
            blackhole.to_string(),
            "blackhole 192.168.56.128/26 proto bird "
        );
        let workload = Route::link(cidr("192.168.56.129/32"), "calic440f455693");
        assert_eq!(
            workload.to_string(),
            "192.168.56.129 dev calic440f455693 scope link "
        );
        let mut tunnel = Route::unicast(
            cidr("192.168.231.128/26"),
            Some(ip("172.16.120.64")),
            "tunl0",
        );
        tunnel.proto = RouteProtocol::Bird;
        tunnel.onlink = true;
        assert_eq!(
            tunnel.to_string(),
            "192.168.231.128/26 via 172.16.120.64 dev tunl0 proto bird onlink "
        );
        let mut dhcp = Route::unicast(cidr("10.7.0.0/16"), Some(ip("172.16.120.5")), "eth0");
        dhcp.proto = RouteProtocol::Dhcp;
        dhcp.src = Some(ip("172.16.120.63"));
        dhcp.metric = Some(100);
        assert_eq!(
            dhcp.to_string(),
            "10.7.0.0/16 via 172.16.120.5 dev eth0 proto dhcp src 172.16.120.63 metric 100 "
        );
        let unreachable = Route::refusing(
            RouteType::Unreachable,
            cidr("10.9.0.0/16"),
            RouteProtocol::Boot,
        );
        assert_eq!(unreachable.to_string(), "unreachable 10.9.0.0/16 ");
    }

    #[test]
    fn insert_keeps_the_kernel_dump_order() {
        let mut table = RouteTable::new(TableId::Main);
        table.insert(Route::link(cidr("192.168.56.129/32"), "cali1"));
        table.insert(Route::refusing(
            RouteType::Blackhole,
            cidr("192.168.56.128/26"),
            RouteProtocol::Bird,
        ));
        table.insert(Route::link(cidr("192.168.56.128/32"), "eth0"));
        table.insert(Route::unicast(
            cidr("0.0.0.0/0"),
            Some(ip("172.16.120.1")),
            "eth0",
        ));
        table.insert(Route::unicast(
            cidr("192.168.10.0/26"),
            Some(ip("172.16.120.65")),
            "eth0",
        ));
        let order: Vec<String> = table
            .routes()
            .iter()
            .map(|route| route.dst.to_string())
            .collect();
        // The order `ip route` printed on Linux 6.18 for the same set.
        assert_eq!(
            order,
            [
                "0.0.0.0/0",
                "192.168.10.0/26",
                "192.168.56.128/32",
                "192.168.56.128/26",
                "192.168.56.129/32"
            ]
        );
    }

    #[test]
    fn lookup_takes_the_longest_prefix_then_the_lowest_metric() {
        let mut table = RouteTable::new(TableId::Main);
        table.insert(Route::unicast(
            cidr("0.0.0.0/0"),
            Some(ip("10.0.0.1")),
            "eth0",
        ));
        let mut slow = Route::unicast(cidr("10.1.0.0/16"), Some(ip("10.0.0.2")), "eth0");
        slow.metric = Some(200);
        table.insert(slow);
        let mut fast = Route::unicast(cidr("10.1.0.0/16"), Some(ip("10.0.0.3")), "eth0");
        fast.metric = Some(100);
        table.insert(fast);
        let chosen = table
            .lookup(ip("10.1.2.3"))
            .and_then(|index| table.get(index))
            .unwrap();
        assert_eq!(chosen.via, Some(ip("10.0.0.3")));
        let fallback = table
            .lookup(ip("8.8.8.8"))
            .and_then(|index| table.get(index))
            .unwrap();
        assert_eq!(fallback.dst.prefix_len(), 0);
        assert_eq!(RouteTable::new(TableId::Main).lookup(ip("8.8.8.8")), None);
    }
}
