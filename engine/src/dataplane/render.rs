//! iproute2's text: `ip addr`, `ip link`, `ip route [show table local]`, `ip route get`
//! and `ip neigh`, byte for byte, from a [`Host`].
//!
//! The last stage for devices and routes: it only reads. Formats follow iproute2's
//! `ip/ipaddress.c` (`print_linkinfo`, `print_addrinfo`), `ip/iproute.c` (`print_route`)
//! and `ip/ipneigh.c` (`print_neigh`), and were compared with iproute2 6.1 on Linux 6.18,
//! including the trailing spaces `ip route` and `ip neigh` leave at the end of a line.

use std::fmt::Write as _;
use std::net::Ipv4Addr;

use crate::dataplane::host::{Host, RouteGet};
use crate::dataplane::link::{Link, LinkKind, PeerNamespace};
use crate::dataplane::route::{RouteType, TableId};

/// Every device's queue length; the kernel's default for all the lab's device kinds.
const QLEN: u32 = 1000;

/// Which devices and families `ip addr` / `ip link` show, and how.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct LinkFilter {
    /// `show dev NAME`: only this device.
    pub dev: Option<String>,
    /// `-4`: only devices with an IPv4 address, and only their `inet` lines.
    pub inet_only: bool,
    /// `-br`: one line per device.
    pub brief: bool,
}

/// `ip addr` (`ip a`): devices with their addresses.
pub fn ip_addr(host: &Host) -> String {
    addr_text(
        &LinkFilter::default(),
        &host.links.iter().collect::<Vec<_>>(),
    )
}

/// `ip [-4] [-br] addr [show dev NAME]`; `Err` carries iproute2's message for an unknown
/// device (`Device "eth9" does not exist.`, exit status 1).
pub fn ip_addr_filtered(host: &Host, filter: &LinkFilter) -> Result<String, String> {
    let links = select_links(host, filter)?;
    Ok(addr_text(filter, &links))
}

/// `ip link`: devices only, with `mode DEFAULT` in the header.
pub fn ip_link(host: &Host) -> String {
    let mut out = String::new();
    for link in &host.links {
        link_header(&mut out, link, true, false);
    }
    out
}

/// `ip [-br] link [show dev NAME]`; `inet_only` is ignored, as `ip -4 link` lists every
/// device.
pub fn ip_link_filtered(host: &Host, filter: &LinkFilter) -> Result<String, String> {
    let links = select_links(host, filter)?;
    let mut out = String::new();
    for link in links {
        if filter.brief {
            // `print_linkinfo_brief`: name `%-16s `, state `%-14s `, address, flags.
            let address = match link.kind {
                LinkKind::Loopback => "00:00:00:00:00:00".to_string(),
                LinkKind::Ipip => "0.0.0.0".to_string(),
                _ => link.mac.map(|mac| mac.to_string()).unwrap_or_default(),
            };
            let _ = writeln!(
                out,
                "{:<16} {:<14} {address} <{}> ",
                link.display_name(),
                link.operstate(),
                link.flags()
            );
        } else {
            link_header(&mut out, link, true, false);
        }
    }
    Ok(out)
}

fn select_links<'a>(host: &'a Host, filter: &LinkFilter) -> Result<Vec<&'a Link>, String> {
    match &filter.dev {
        None => Ok(host.links.iter().collect()),
        Some(name) => match host.link(name) {
            Some(link) => Ok(vec![link]),
            None => Err(format!("Device \"{name}\" does not exist.\n")),
        },
    }
}

fn addr_text(filter: &LinkFilter, links: &[&Link]) -> String {
    let mut out = String::new();
    for link in links {
        if filter.inet_only && link.addresses.is_empty() {
            continue;
        }
        if filter.brief {
            // `print_linkinfo_brief` then `print_addrinfo` in brief mode: `%s/%d ` each.
            let _ = write!(out, "{:<16} {:<14} ", link.display_name(), link.operstate());
            for address in &link.addresses {
                let _ = write!(out, "{}/{} ", address.local, address.prefix_len);
            }
            if !filter.inet_only {
                for address in &link.addresses6 {
                    let _ = write!(out, "{}/{} ", address.address, address.prefix_len);
                }
            }
            out.push('\n');
            continue;
        }
        link_header(&mut out, link, false, filter.inet_only);
        for address in &link.addresses {
            let _ = write!(out, "    inet {}/{} ", address.local, address.prefix_len);
            if let Some(broadcast) = address.broadcast {
                let _ = write!(out, "brd {broadcast} ");
            }
            let _ = writeln!(out, "scope {} {}", address.scope, link.name);
            out.push_str("       valid_lft forever preferred_lft forever\n");
        }
        if filter.inet_only {
            continue;
        }
        for address in &link.addresses6 {
            let _ = writeln!(
                out,
                "    inet6 {}/{} scope {} ",
                address.address, address.prefix_len, address.scope
            );
            out.push_str("       valid_lft forever preferred_lft forever\n");
        }
    }
    out
}

/// The device's first line and, unless `inet_only` (`ip -4 addr`), its `link/…` line.
/// With `-4` iproute2 skips the `link/…` line but still names a veth peer's namespace,
/// at the end of the first line (checked on iproute2 6.1).
fn link_header(out: &mut String, link: &Link, show_mode: bool, inet_only: bool) {
    let _ = write!(
        out,
        "{}: {}: <{}> mtu {} qdisc {} state {} ",
        link.index,
        link.display_name(),
        link.flags(),
        link.mtu,
        link.qdisc,
        link.operstate()
    );
    if show_mode {
        out.push_str("mode DEFAULT ");
    }
    let _ = write!(out, "group default qlen {QLEN}");
    if inet_only {
        if let LinkKind::Veth { peer_namespace, .. } = &link.kind {
            let _ = write!(out, " {}", peer_namespace_text(peer_namespace));
        }
        out.push('\n');
        return;
    }
    out.push('\n');
    let broadcast = "ff:ff:ff:ff:ff:ff";
    match &link.kind {
        LinkKind::Loopback => {
            out.push_str("    link/loopback 00:00:00:00:00:00 brd 00:00:00:00:00:00\n");
        }
        LinkKind::Ipip => out.push_str("    link/ipip 0.0.0.0 brd 0.0.0.0\n"),
        LinkKind::Ethernet => {
            let mac = link.mac.map(|mac| mac.to_string()).unwrap_or_default();
            let _ = writeln!(out, "    link/ether {mac} brd {broadcast}");
        }
        LinkKind::Veth { peer_namespace, .. } => {
            let mac = link.mac.map(|mac| mac.to_string()).unwrap_or_default();
            let _ = writeln!(
                out,
                "    link/ether {mac} brd {broadcast} {}",
                peer_namespace_text(peer_namespace)
            );
        }
    }
}

fn peer_namespace_text(peer_namespace: &PeerNamespace) -> String {
    match peer_namespace {
        PeerNamespace::Named(name) => format!("link-netns {name}"),
        PeerNamespace::Id(id) => format!("link-netnsid {id}"),
    }
}

/// `ip route` (table main) or `ip route show table local`.
pub fn ip_route(host: &Host, table: TableId) -> String {
    let mut out = String::new();
    for route in host.table(table).routes() {
        let _ = writeln!(out, "{route}");
    }
    out
}

/// `ip route get ADDRESS`: `Ok(stdout)`, or `Err(stderr)` when the kernel refuses; `ip`
/// then exits with status 2.
pub fn ip_route_get(host: &Host, destination: Ipv4Addr) -> Result<String, String> {
    route_get_text(&host.route_get(destination))
}

/// Prints a [`RouteGet`] as `ip route get` does: the cloned route (no `proto` or `scope`),
/// `uid 0` for root, and the cache line with its flags (`<local>`, `<local,brd>`).
/// Refusals come back as the `RTNETLINK answers:` line for the kernel's errno
/// (blackhole `EINVAL`, unreachable `EHOSTUNREACH`, prohibit `EACCES`, no route
/// `ENETUNREACH`).
pub fn route_get_text(result: &RouteGet) -> Result<String, String> {
    match result {
        RouteGet::Reachable {
            kind,
            destination,
            gateway,
            dev,
            source,
            ..
        } => {
            let mut out = String::new();
            let cache = match kind {
                RouteType::Local => {
                    out.push_str("local ");
                    "<local> "
                }
                RouteType::Broadcast => {
                    out.push_str("broadcast ");
                    "<local,brd> "
                }
                _ => "",
            };
            let _ = write!(out, "{destination} ");
            if let Some(gateway) = gateway {
                let _ = write!(out, "via {gateway} ");
            }
            let _ = write!(out, "dev {dev} ");
            if let Some(source) = source {
                let _ = write!(out, "src {source} ");
            }
            out.push_str("uid 0 \n");
            let _ = writeln!(out, "    cache {cache}");
            Ok(out)
        }
        RouteGet::Refused { kind, .. } => Err(match kind {
            RouteType::Unreachable => "RTNETLINK answers: No route to host\n".to_string(),
            RouteType::Prohibit => "RTNETLINK answers: Permission denied\n".to_string(),
            _ => "RTNETLINK answers: Invalid argument\n".to_string(),
        }),
        RouteGet::NoRoute => Err("RTNETLINK answers: Network is unreachable\n".to_string()),
        RouteGet::Martian => Err("RTNETLINK answers: Invalid argument\n".to_string()),
    }
}

/// `ip route get DST from SRC iif IIF`: the route a forwarded packet takes
/// ([`Host::route_input`]). Prints `from SRC` where `ip route get` prints `src`, no
/// `uid`, and `iif IIF` on the cache line, after `<redirect>` when the packet would leave
/// through the device it came in on towards a directly reachable sender
/// (`IPSKB_DOREDIRECT`, `__mkroute_input`; checked on Linux 6.18 for an on-link sender).
/// `Err` carries stderr: `Cannot find device "IIF"` (exit status 1) or an RTNETLINK error.
pub fn ip_route_get_input(
    host: &Host,
    destination: Ipv4Addr,
    source: Ipv4Addr,
    iif: &str,
) -> Result<String, String> {
    let Some(in_link) = host.link(iif) else {
        return Err(format!("Cannot find device \"{iif}\"\n"));
    };
    let result = host.route_input(destination, source, iif);
    let RouteGet::Reachable {
        kind, gateway, dev, ..
    } = &result
    else {
        return route_get_text(&result);
    };
    let mut out = String::new();
    let mut cache = String::new();
    match kind {
        RouteType::Local => {
            out.push_str("local ");
            cache.push_str("<local> ");
        }
        RouteType::Broadcast => {
            out.push_str("broadcast ");
            cache.push_str("<local,brd> ");
        }
        _ => {
            let sender_on_link = in_link
                .addresses
                .iter()
                .any(|address| address.same_subnet(source));
            if *dev == in_link.name && sender_on_link {
                cache.push_str("<redirect> ");
            }
        }
    }
    let _ = write!(out, "{destination} from {source} ");
    if let Some(gateway) = gateway {
        let _ = write!(out, "via {gateway} ");
    }
    let _ = writeln!(out, "dev {dev} ");
    let _ = writeln!(out, "    cache {cache}iif {iif} ");
    Ok(out)
}

/// `ip route show [table local] dev NAME`: the routes through one device, printed
/// without their `dev NAME`. `Err` carries `Cannot find device "NAME"` (exit status 1).
pub fn ip_route_dev(host: &Host, table: TableId, dev: &str) -> Result<String, String> {
    if host.link(dev).is_none() {
        return Err(format!("Cannot find device \"{dev}\"\n"));
    }
    let mut out = String::new();
    for route in host.table(table).routes() {
        if route.dev.as_deref() == Some(dev) {
            let mut shown = route.clone();
            shown.dev = None;
            let _ = writeln!(out, "{shown}");
        }
    }
    Ok(out)
}

/// `ip neigh`.
pub fn ip_neigh(host: &Host) -> String {
    let mut out = String::new();
    for neighbor in &host.neighbors {
        let _ = writeln!(
            out,
            "{} dev {} lladdr {} {} ",
            neighbor.address, neighbor.dev, neighbor.lladdr, neighbor.state
        );
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::dataplane::host::HostKind;
    use crate::dataplane::link::{Mac, Qdisc};
    use crate::dataplane::route::RouteTable;

    #[test]
    fn down_veth_keeps_its_qdisc() {
        // `ip link` on Linux 6.18 after `ip link set calic440f455693 down`.
        let link = Link {
            index: 4,
            name: "calic440f455693".to_string(),
            kind: LinkKind::Veth {
                peer_index: 2,
                peer_namespace: PeerNamespace::Named("cni-pl-pod1".to_string()),
            },
            up: false,
            mtu: 1480,
            qdisc: Qdisc::Noqueue,
            mac: Some(Mac::CALICO_HOST_SIDE),
            addresses: Vec::new(),
            addresses6: Vec::new(),
            route_localnet: true,
        };
        let host = Host {
            name: "n".to_string(),
            kind: HostKind::Node,
            netns: None,
            links: vec![link],
            main: RouteTable::new(TableId::Main),
            local: RouteTable::new(TableId::Local),
            neighbors: Vec::new(),
            route_localnet: false,
        };
        assert_eq!(
            ip_link(&host),
            "4: calic440f455693@if2: <BROADCAST,MULTICAST> mtu 1480 qdisc noqueue state DOWN mode DEFAULT group default qlen 1000\n    link/ether ee:ee:ee:ee:ee:ee brd ff:ff:ff:ff:ff:ff link-netns cni-pl-pod1\n"
        );
        assert_eq!(
            ip_route_get(&host, Ipv4Addr::new(8, 8, 8, 8)),
            Err("RTNETLINK answers: Network is unreachable\n".to_string())
        );
    }

    #[test]
    fn refusals_print_the_kernel_errno() {
        // `ip route get` on Linux 6.18 against `unreachable 10.9.0.0/16` and
        // `prohibit 10.8.0.0/16`.
        let refused = |kind| RouteGet::Refused {
            matched: crate::dataplane::route::RouteMatch {
                table: TableId::Main,
                index: 0,
            },
            kind,
        };
        assert_eq!(
            route_get_text(&refused(RouteType::Unreachable)),
            Err("RTNETLINK answers: No route to host\n".to_string())
        );
        assert_eq!(
            route_get_text(&refused(RouteType::Prohibit)),
            Err("RTNETLINK answers: Permission denied\n".to_string())
        );
        assert_eq!(
            route_get_text(&refused(RouteType::Blackhole)),
            Err("RTNETLINK answers: Invalid argument\n".to_string())
        );
    }
}
