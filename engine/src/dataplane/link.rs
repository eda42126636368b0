//! Network devices and their addresses: what `ip link` and `ip addr` show.
//!
//! `dataplane::build` creates the devices a host has (loopback, the underlay NIC, Calico's
//! `tunl0`, the `cali…` veths and the pod's `eth0`); `dataplane::render` prints them.

use std::fmt;
use std::net::{Ipv4Addr, Ipv6Addr};

use crate::dataplane::route::Scope;

/// A 48-bit Ethernet address, printed `ee:ee:ee:ee:ee:ee`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Mac(pub [u8; 6]);

impl Mac {
    /// The address Calico gives every host-side `cali…` veth (`hostSideMAC` in
    /// `cni-plugin/pkg/dataplane/linux/dataplane_linux.go`).
    pub const CALICO_HOST_SIDE: Mac = Mac([0xee; 6]);

    /// A random-looking address as the kernel's `eth_random_addr` makes it: the multicast
    /// bit cleared and the locally-administered bit set, from the given bytes.
    pub fn locally_administered(bytes: [u8; 6]) -> Mac {
        let mut bytes = bytes;
        bytes[0] = (bytes[0] & 0xfe) | 0x02;
        Mac(bytes)
    }

    /// The IPv6 link-local address the kernel derives from it (modified EUI-64,
    /// `addrconf_ifid_eui48`): flip the universal/local bit and insert `ff:fe`.
    pub fn link_local_ipv6(self) -> Ipv6Addr {
        let [a, b, c, d, e, g] = self.0;
        Ipv6Addr::new(
            0xfe80,
            0,
            0,
            0,
            u16::from_be_bytes([a ^ 0x02, b]),
            u16::from_be_bytes([c, 0xff]),
            u16::from_be_bytes([0xfe, d]),
            u16::from_be_bytes([e, g]),
        )
    }
}

impl fmt::Display for Mac {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let [a, b, c, d, e, g] = self.0;
        write!(f, "{a:02x}:{b:02x}:{c:02x}:{d:02x}:{e:02x}:{g:02x}")
    }
}

/// Where a veth's other end lives, as `ip link` names it after the link-layer address.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum PeerNamespace {
    /// A namespace with a name under `/var/run/netns` (`link-netns cni-…`), as containerd
    /// names pod sandboxes.
    Named(String),
    /// A namespace this one knows only by id (`link-netnsid 0`): the host, seen from a pod.
    Id(u32),
}

/// What kind of device it is; decides its flags, queueing discipline and link line.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum LinkKind {
    /// `lo`.
    Loopback,
    /// A physical (or virtual machine) NIC on the underlay.
    Ethernet,
    /// One end of a veth pair. `ip link` prints `name@if<peer_index>`.
    Veth {
        peer_index: u32,
        peer_namespace: PeerNamespace,
    },
    /// The kernel's fallback IPIP device `tunl0` (`ipip` module), printed `tunl0@NONE`.
    Ipip,
}

/// The queueing discipline `ip link` shows.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Qdisc {
    /// Software devices (lo, veth, tunnels) once up.
    Noqueue,
    /// systemd's default `net.core.default_qdisc` for a NIC.
    FqCodel,
    /// A device that was never brought up.
    Noop,
}

impl fmt::Display for Qdisc {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Qdisc::Noqueue => "noqueue",
            Qdisc::FqCodel => "fq_codel",
            Qdisc::Noop => "noop",
        })
    }
}

/// An IPv4 address on a device (`struct in_ifaddr`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct InetAddress {
    pub local: Ipv4Addr,
    pub prefix_len: u8,
    /// The broadcast address, when one was configured (`brd`).
    pub broadcast: Option<Ipv4Addr>,
    pub scope: Scope,
}

impl InetAddress {
    /// Whether `address` is in this address's subnet (`inet_ifa_match`).
    pub fn same_subnet(&self, address: Ipv4Addr) -> bool {
        crate::net::Cidr::new(self.local, self.prefix_len)
            .is_some_and(|subnet| subnet.contains(address))
    }
}

/// An IPv6 address on a device (only `::1` and link-local addresses appear in the lab).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Inet6Address {
    pub address: Ipv6Addr,
    pub prefix_len: u8,
    pub scope: Scope,
}

/// A network device in one namespace.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Link {
    /// `ifindex`, unique within the namespace.
    pub index: u32,
    pub name: String,
    pub kind: LinkKind,
    /// Administratively up (`IFF_UP`); the lab's devices have carrier whenever they are up.
    pub up: bool,
    pub mtu: u32,
    pub qdisc: Qdisc,
    /// The link-layer address; `None` for loopback and IPIP devices.
    pub mac: Option<Mac>,
    /// IPv4 addresses, primary first.
    pub addresses: Vec<InetAddress>,
    pub addresses6: Vec<Inet6Address>,
    /// `net.ipv4.conf.<dev>.route_localnet`: packets arriving on this device may carry a
    /// loopback address (`ip_route_input_slow`). The Calico CNI plugin turns it on for
    /// every host-side `cali…` veth.
    pub route_localnet: bool,
}

impl Link {
    /// The flags between `<` and `>`, in iproute2's order (`print_link_flags`).
    pub fn flags(&self) -> String {
        let mut flags: Vec<&str> = Vec::new();
        match self.kind {
            LinkKind::Loopback => flags.push("LOOPBACK"),
            LinkKind::Ethernet | LinkKind::Veth { .. } => {
                flags.push("BROADCAST");
                flags.push("MULTICAST");
            }
            LinkKind::Ipip => flags.push("NOARP"),
        }
        if self.up {
            flags.push("UP");
            flags.push("LOWER_UP");
        }
        flags.join(",")
    }

    /// `IFLA_OPERSTATE` as `ip link` prints it: devices without carrier detection
    /// (loopback, tunnels) report `UNKNOWN` when up.
    pub fn operstate(&self) -> &'static str {
        match (self.up, &self.kind) {
            (false, _) => "DOWN",
            (true, LinkKind::Loopback | LinkKind::Ipip) => "UNKNOWN",
            (true, _) => "UP",
        }
    }

    /// The name as `ip link` prints it: `cali…@if4`, `tunl0@NONE`, `eth0`.
    pub fn display_name(&self) -> String {
        match &self.kind {
            LinkKind::Veth { peer_index, .. } => format!("{}@if{peer_index}", self.name),
            LinkKind::Ipip => format!("{}@NONE", self.name),
            LinkKind::Loopback | LinkKind::Ethernet => self.name.clone(),
        }
    }

    /// The primary IPv4 address, if any.
    pub fn primary_address(&self) -> Option<Ipv4Addr> {
        self.addresses.first().map(|address| address.local)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn calico_host_side_link_local() {
        // calico-metallb-ingress.md §1.5: the host side shows fe80::ecee:eeff:feee:eeee/64.
        assert_eq!(
            Mac::CALICO_HOST_SIDE.link_local_ipv6().to_string(),
            "fe80::ecee:eeff:feee:eeee"
        );
        // A veth made on Linux 6.18 with be:36:b5:1d:65:32 got fe80::bc36:b5ff:fe1d:6532.
        let mac = Mac([0xbe, 0x36, 0xb5, 0x1d, 0x65, 0x32]);
        assert_eq!(
            mac.link_local_ipv6().to_string(),
            "fe80::bc36:b5ff:fe1d:6532"
        );
        assert_eq!(mac.to_string(), "be:36:b5:1d:65:32");
    }

    #[test]
    fn locally_administered_unicast() {
        let mac = Mac::locally_administered([0xff, 1, 2, 3, 4, 5]);
        assert_eq!(mac.to_string(), "fe:01:02:03:04:05");
    }
}
