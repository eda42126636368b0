//! ClusterIP and NodePort allocation, as the apiserver's allocators do it.
//!
//! Part of `cluster::build`. Explicit values are reserved first (a clash names the other
//! Service); the rest are allocated deterministically. Both allocators keep Kubernetes'
//! static/dynamic split (KEP-3070 `ServiceIPStaticSubrange`, KEP-3668
//! `ServiceNodePortStaticSubrange`): dynamic allocation prefers the upper band so the lower
//! band stays free for hand-picked values such as 10.96.0.10. Where Kubernetes draws a random
//! offset, the lab starts at FNV-1a 32 of the Service's `namespace/name` and probes forward.

use std::collections::BTreeMap;
use std::net::Ipv4Addr;

use crate::cluster::naming::fnv32a;
use crate::net::Cidr;

/// Why a value could not be had.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum AllocError {
    /// Outside the range (the range's text is given).
    OutOfRange { range: String },
    /// Already held by `owner` (e.g. `Service default/web`).
    Taken { owner: String },
    /// Nothing free is left.
    Exhausted { range: String },
}

/// Port of `calculateRangeOffset` (pkg/registry/core/service/ipallocator/bitmap.go):
/// `min(max(16, size / 16), 256)`, or 0 when the range has 16 addresses or fewer.
pub fn service_ip_static_band(cidr: &Cidr) -> u64 {
    let size = cidr.size();
    if size <= 16 { 0 } else { (size / 16).clamp(16, 256) }
}

/// Port of `calculateRangeOffset` (pkg/registry/core/service/portallocator/allocator.go):
/// `min(max(16, size / 32), 128)`, or 0 when the range has 16 ports or fewer.
pub fn node_port_static_band(size: u64) -> u64 {
    if size <= 16 { 0 } else { (size / 32).clamp(16, 128) }
}

/// Finds the first free offset: from `start` to the end of the dynamic band `[band, max)`,
/// wrapping inside it, then the static band `[0, band)` from its start.
fn probe(max: u64, band: u64, start_hash: u32, taken: impl Fn(u64) -> bool) -> Option<u64> {
    let band = band.min(max);
    let dynamic = max.saturating_sub(band);
    if dynamic > 0 {
        let start = u64::from(start_hash) % dynamic;
        for step in 0..dynamic {
            let offset = band.saturating_add((start + step) % dynamic);
            if !taken(offset) {
                return Some(offset);
            }
        }
    }
    (0..band).find(|offset| !taken(*offset))
}

/// The ClusterIP allocator of one Service CIDR.
#[derive(Clone, Debug)]
pub struct ClusterIpAllocator {
    cidr: Cidr,
    owners: BTreeMap<Ipv4Addr, String>,
}

impl ClusterIpAllocator {
    pub fn new(cidr: Cidr) -> ClusterIpAllocator {
        ClusterIpAllocator { cidr, owners: BTreeMap::new() }
    }

    /// The number of allocatable addresses: all but the network and broadcast addresses
    /// (`ipallocator.NewCIDRRange`).
    fn max(&self) -> u64 {
        self.cidr.size().saturating_sub(2)
    }

    /// The `offset`-th allocatable address (the base is the network address + 1).
    fn address(&self, offset: u64) -> Option<Ipv4Addr> {
        self.cidr.nth(offset.checked_add(1)?)
    }

    /// Reserves an explicit `spec.clusterIP`.
    pub fn reserve(&mut self, address: Ipv4Addr, owner: &str) -> Result<(), AllocError> {
        let inside = self.cidr.contains(address)
            && address != self.cidr.network()
            && address != self.cidr.last()
            && self.max() > 0;
        if !inside {
            return Err(AllocError::OutOfRange { range: self.cidr.to_string() });
        }
        if let Some(other) = self.owners.get(&address) {
            return Err(AllocError::Taken { owner: other.clone() });
        }
        self.owners.insert(address, owner.to_string());
        Ok(())
    }

    /// Gives back a reserved address (when the rest of its Service is rejected).
    pub fn release(&mut self, address: Ipv4Addr) {
        self.owners.remove(&address);
    }

    /// Allocates a ClusterIP for `key` (`namespace/name`).
    pub fn allocate(&mut self, key: &str, owner: &str) -> Result<Ipv4Addr, AllocError> {
        let max = self.max();
        let band = service_ip_static_band(&self.cidr);
        let offset = probe(max, band, fnv32a(key.as_bytes()), |offset| {
            self.address(offset).is_none_or(|address| self.owners.contains_key(&address))
        });
        let address = offset
            .and_then(|offset| self.address(offset))
            .ok_or_else(|| AllocError::Exhausted { range: self.cidr.to_string() })?;
        self.owners.insert(address, owner.to_string());
        Ok(address)
    }
}

/// The NodePort allocator (`--service-node-port-range`).
#[derive(Clone, Debug)]
pub struct NodePortAllocator {
    first: u16,
    last: u16,
    owners: BTreeMap<u16, String>,
}

impl NodePortAllocator {
    pub fn new((first, last): (u16, u16)) -> NodePortAllocator {
        NodePortAllocator { first, last, owners: BTreeMap::new() }
    }

    fn range_text(&self) -> String {
        format!("the NodePort range {}-{}", self.first, self.last)
    }

    /// The owner of `port`, if taken.
    pub fn owner(&self, port: u16) -> Option<&str> {
        self.owners.get(&port).map(String::as_str)
    }

    /// Reserves an explicit `nodePort` / `healthCheckNodePort`.
    pub fn reserve(&mut self, port: u16, owner: &str) -> Result<(), AllocError> {
        if port < self.first || port > self.last {
            return Err(AllocError::OutOfRange { range: self.range_text() });
        }
        if let Some(other) = self.owners.get(&port) {
            return Err(AllocError::Taken { owner: other.clone() });
        }
        self.owners.insert(port, owner.to_string());
        Ok(())
    }

    /// Gives back a reserved port (when the rest of its Service is rejected).
    pub fn release(&mut self, port: u16) {
        self.owners.remove(&port);
    }

    /// Allocates a port for `key` (e.g. `default/web:http`).
    pub fn allocate(&mut self, key: &str, owner: &str) -> Result<u16, AllocError> {
        let size = u64::from(self.last.saturating_sub(self.first)).saturating_add(1);
        let size = if self.last < self.first { 0 } else { size };
        let first = self.first;
        let port_at = |offset: u64| u16::try_from(u64::from(first).saturating_add(offset)).ok();
        let offset = probe(size, node_port_static_band(size), fnv32a(key.as_bytes()), |offset| {
            port_at(offset).is_none_or(|port| self.owners.contains_key(&port))
        });
        let port = offset.and_then(port_at).ok_or_else(|| AllocError::Exhausted { range: self.range_text() })?;
        self.owners.insert(port, owner.to_string());
        Ok(port)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn static_bands_match_kubernetes() {
        // 10.96.0.0/12 has 2^20 addresses: 2^20 / 16 capped at 256.
        assert_eq!(service_ip_static_band(&"10.96.0.0/12".parse().unwrap()), 256);
        // A /24: 256 / 16 = 16.
        assert_eq!(service_ip_static_band(&"10.0.0.0/24".parse().unwrap()), 16);
        assert_eq!(service_ip_static_band(&"10.0.0.0/28".parse().unwrap()), 0);
        // 30000-32767 is 2768 ports: 2768 / 32 = 86.
        assert_eq!(node_port_static_band(2768), 86);
        assert_eq!(node_port_static_band(100000), 128);
    }

    #[test]
    fn dynamic_cluster_ips_avoid_the_static_band() {
        let mut allocator = ClusterIpAllocator::new("10.96.0.0/12".parse().unwrap());
        allocator.reserve("10.96.0.1".parse().unwrap(), "Service default/kubernetes").unwrap();
        allocator.reserve("10.96.0.10".parse().unwrap(), "Service kube-system/kube-dns").unwrap();
        let web = allocator.allocate("default/web", "Service default/web").unwrap();
        // The dynamic band starts at base (10.96.0.1) + 256 = 10.96.1.1.
        assert!(web >= "10.96.1.1".parse::<Ipv4Addr>().unwrap(), "{web}");
        assert!(web <= "10.111.255.254".parse::<Ipv4Addr>().unwrap(), "{web}");
        assert_eq!(
            allocator.reserve("10.96.0.10".parse().unwrap(), "Service default/dns2"),
            Err(AllocError::Taken { owner: "Service kube-system/kube-dns".to_string() })
        );
        assert!(matches!(allocator.reserve("10.112.0.1".parse().unwrap(), "x"), Err(AllocError::OutOfRange { .. })));
        assert!(matches!(allocator.reserve("10.96.0.0".parse().unwrap(), "x"), Err(AllocError::OutOfRange { .. })));
        // Same key, same start: the probe moves past the taken address.
        let again = allocator.allocate("default/web", "Service other/web").unwrap();
        assert_ne!(again, web);
    }

    #[test]
    fn small_ranges_fill_up_then_exhaust() {
        // A /29 has 6 allocatable addresses and no static band.
        let mut allocator = ClusterIpAllocator::new("10.0.0.0/29".parse().unwrap());
        let mut seen: Vec<Ipv4Addr> = (0..6).map(|n| allocator.allocate(&format!("ns/s{n}"), "s").unwrap()).collect();
        crate::sort::natural(&mut seen);
        let expected: Vec<Ipv4Addr> = (1..=6).map(|n| Ipv4Addr::new(10, 0, 0, n)).collect();
        assert_eq!(seen, expected);
        assert!(matches!(allocator.allocate("ns/s7", "s"), Err(AllocError::Exhausted { .. })));
    }

    #[test]
    fn node_ports() {
        let mut allocator = NodePortAllocator::new((30000, 32767));
        allocator.reserve(31000, "Service default/sample-service").unwrap();
        assert_eq!(
            allocator.reserve(31000, "Service default/other"),
            Err(AllocError::Taken { owner: "Service default/sample-service".to_string() })
        );
        assert!(matches!(allocator.reserve(8080, "x"), Err(AllocError::OutOfRange { .. })));
        let port = allocator.allocate("default/web:http", "Service default/web").unwrap();
        assert!((30086..=32767).contains(&port), "{port}");
        let mut tiny = NodePortAllocator::new((30000, 30001));
        tiny.allocate("a", "a").unwrap();
        tiny.allocate("b", "b").unwrap();
        assert!(matches!(tiny.allocate("c", "c"), Err(AllocError::Exhausted { .. })));
        assert!(tiny.owner(30000).is_some());
    }
}
