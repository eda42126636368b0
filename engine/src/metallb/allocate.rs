//! MetalLB's controller: which address each LoadBalancer Service gets, written into
//! `status.loadBalancer.ingress` as MetalLB does.
//!
//! Runs after `cluster::build` on the whole [`Cluster`]. Port of `convergeBalancer` and
//! `allocateIPs` (`controller/service.go`) and of the allocator
//! (`internal/allocator/allocator.go`):
//! - an address already in the status is kept if a pool still allows it, else cleared;
//! - `metallb.io/loadBalancerIPs` (or the legacy `spec.loadBalancerIP`; both at once is an
//!   error) asks for exact addresses, which any pool containing them allows, even one with
//!   `autoAssign: false`;
//! - `metallb.io/address-pool` pins a pool (again regardless of `autoAssign`);
//! - otherwise every pool with `autoAssign` is tried; within a pool the lowest free address
//!   wins (`getIPFromCIDR` walks each CIDR from its first address), skipping `.0` and `.255`
//!   with `avoidBuggyIPs`;
//! - an address is free unless another Service holds it, and two Services share one only
//!   when both carry the same `metallb.io/allow-shared-ip` key, their ports differ, and (with
//!   `externalTrafficPolicy: Local`) their selectors are equal (`checkSharing`, `BackendKey`).
//!
//! The lab's determinism: MetalLB tries unpinned pools in Go map order (unspecified); the
//! lab tries them by name. Services are handled by namespace/name, those already holding an
//! address first (as a restarted controller re-reads its assignments before allocating).
//! Pool `serviceAllocation` (priority, namespaces, selectors) and IPv6 are not emulated.
//!
//! Without any `IPAddressPool` nothing provides load balancers: Services keep whatever
//! status was pasted (a cloud's), and those without one stay `<pending>`.

use std::collections::BTreeMap;
use std::net::Ipv4Addr;

use super::announce;
use crate::cluster::{Cluster, LoadBalancerIngress, MetalLbPool, Service, ServiceType, TrafficPolicy};
use crate::diagnostic::{Diagnostic, MetalLbError, Problem, Reason};
use crate::net::Protocol;

/// Requested addresses, comma-separated (`AnnotationLoadBalancerIPs`).
pub const LOAD_BALANCER_IPS: &str = "metallb.io/loadBalancerIPs";
/// The pool to allocate from (`AnnotationAddressPool`).
pub const ADDRESS_POOL: &str = "metallb.io/address-pool";
/// Written by the controller: the pool the address came from (`AnnotationIPAllocateFromPool`).
pub const ALLOCATED_FROM_POOL: &str = "metallb.io/ip-allocated-from-pool";
/// The sharing key (`AnnotationAllowSharedIP`).
pub const ALLOW_SHARED_IP: &str = "metallb.io/allow-shared-ip";
/// The prefix the same annotations had before (`DeprecatedAnnotationPrefix`).
pub const DEPRECATED_PREFIX: &str = "metallb.universe.tf/";

/// The most addresses the lab walks in one pool looking for a free one.
const WALK_LIMIT: u32 = 1 << 20;

/// The annotation's value, or that of its `metallb.universe.tf/` twin (`valueForAnnotation`).
fn annotation<'a>(service: &'a Service, key: &str) -> Option<&'a str> {
    let deprecated = key.replacen("metallb.io/", DEPRECATED_PREFIX, 1);
    service.annotations.get(key).or_else(|| service.annotations.get(&deprecated)).map(String::as_str)
}

/// The pool MetalLB assigned the Service's address from (`metallb.io/ip-allocated-from-pool`),
/// if MetalLB assigned it.
pub fn pool_of(service: &Service) -> Option<&str> {
    annotation(service, ALLOCATED_FROM_POOL)
}

/// Port of `ipConfusesBuggyFirmwares`: an address ending in `.0` or `.255`.
pub fn confuses_buggy_firmware(ip: Ipv4Addr) -> bool {
    matches!(ip.octets()[3], 0 | 255)
}

/// Whether `pool` may hand out `ip` (in a range, and not a buggy address when avoided).
pub fn pool_allows(pool: &MetalLbPool, ip: Ipv4Addr) -> bool {
    !(pool.avoid_buggy_ips && confuses_buggy_firmware(ip))
        && pool.ranges.iter().any(|(first, last)| *first <= ip && ip <= *last)
}

/// Port of `poolFor`: the pool that owns `ip` (by name order, the lab's stand-in for Go's
/// map order).
pub fn pool_for(pools: &[MetalLbPool], ip: Ipv4Addr) -> Option<&MetalLbPool> {
    pools.iter().find(|pool| pool_allows(pool, ip))
}

/// The allocator's `key`: sharing key and backend key.
#[derive(Clone, Debug, PartialEq, Eq)]
struct Key {
    sharing: String,
    backend: String,
}

/// Who uses one address.
#[derive(Clone, Debug, Default)]
struct Users {
    key: Option<Key>,
    /// (protocol, port) -> service key.
    ports: BTreeMap<(Protocol, u16), String>,
    services: Vec<String>,
}

struct Allocator<'a> {
    pools: &'a [MetalLbPool],
    by_ip: BTreeMap<Ipv4Addr, Users>,
}

struct Request {
    service: String,
    ports: Vec<(Protocol, u16)>,
    key: Key,
}

impl Request {
    fn of(service: &Service) -> Request {
        let backend = match (service.external_traffic_policy, &service.selector) {
            (TrafficPolicy::Local, Some(selector)) => {
                selector.iter().map(|(key, value)| format!("{key}={value}")).collect::<Vec<_>>().join(",")
            }
            _ => String::new(),
        };
        Request {
            service: service.key(),
            ports: service.ports.iter().map(|port| (port.protocol, port.port)).collect(),
            key: Key { sharing: annotation(service, ALLOW_SHARED_IP).unwrap_or_default().to_string(), backend },
        }
    }
}

impl Allocator<'_> {
    /// Port of `checkSharing`.
    fn check(&self, ip: Ipv4Addr, request: &Request) -> Result<(), String> {
        let Some(users) = self.by_ip.get(&ip) else { return Ok(()) };
        if let Some(existing) = &users.key {
            let sharing = if existing.sharing.is_empty() {
                Err("existing service does not allow sharing".to_string())
            } else if request.key.sharing.is_empty() {
                Err("new service does not allow sharing".to_string())
            } else if existing.sharing != request.key.sharing {
                Err(format!(
                    "sharing key {:?} does not match existing sharing key {:?}",
                    request.key.sharing, existing.sharing
                ))
            } else if existing.backend != request.key.backend {
                Err(format!(
                    "backend key {:?} does not match existing sharing key {:?}",
                    request.key.backend, existing.backend
                ))
            } else {
                Ok(())
            };
            if let Err(error) = sharing {
                let others: Vec<&str> =
                    users.services.iter().filter(|other| **other != request.service).map(String::as_str).collect();
                if !others.is_empty() {
                    return Err(format!("{ip} is in use by {} ({error})", others.join(",")));
                }
            }
        }
        for port in &request.ports {
            if let Some(other) = users.ports.get(port).filter(|other| **other != request.service) {
                return Err(format!("port {}/{} is already in use on {ip} by {other}", port.0.api_name(), port.1));
            }
        }
        Ok(())
    }

    /// Port of `Assign`: takes `ip` for the request if a pool allows it and sharing permits.
    fn assign(&mut self, ip: Ipv4Addr, request: &Request) -> Result<String, String> {
        let Some(pool) = pool_for(self.pools, ip) else {
            return Err(format!("{ip} is not allowed in config (no IPAddressPool contains it)"));
        };
        self.check(ip, request)?;
        let users = self.by_ip.entry(ip).or_default();
        users.key = Some(request.key.clone());
        for port in &request.ports {
            users.ports.insert(*port, request.service.clone());
        }
        users.services.push(request.service.clone());
        Ok(pool.name.clone())
    }

    /// Port of `getIPFromCIDR` over a whole pool: the lowest address sharing permits.
    fn first_free(&self, pool: &MetalLbPool, request: &Request) -> Option<Ipv4Addr> {
        for (first, last) in &pool.ranges {
            let (first, last) = (u32::from(*first), u32::from(*last));
            let mut walked = 0u32;
            let mut next = Some(first);
            while let Some(current) = next.filter(|current| *current <= last && walked < WALK_LIMIT) {
                let ip = Ipv4Addr::from(current);
                if !(pool.avoid_buggy_ips && confuses_buggy_firmware(ip)) && self.check(ip, request).is_ok() {
                    return Some(ip);
                }
                walked = walked.saturating_add(1);
                next = current.checked_add(1);
            }
        }
        None
    }

    /// Port of `allocateIPs`: requested addresses, then a pinned pool, then any pool.
    fn allocate(&mut self, service: &Service, request: &Request) -> Result<(Ipv4Addr, String), String> {
        let desired_pool = annotation(service, ADDRESS_POOL).filter(|pool| !pool.is_empty());
        if let Some(ip) = desired_ip(service)? {
            let pool = self.assign(ip, request)?;
            if let Some(desired) = desired_pool.filter(|desired| *desired != pool) {
                self.release(ip, &request.service);
                return Err(format!(
                    "requested loadBalancer IP(s) {ip} is not compatible with requested address pool {desired}"
                ));
            }
            return Ok((ip, pool));
        }
        if let Some(desired) = desired_pool {
            let Some(pool) = self.pools.iter().find(|pool| pool.name == desired) else {
                return Err(format!("unknown pool {desired:?}"));
            };
            let Some(ip) = self.first_free(pool, request) else {
                return Err(format!("no available IPs in pool {desired:?}"));
            };
            let pool = self.assign(ip, request)?;
            return Ok((ip, pool));
        }
        let pools = self.pools;
        for pool in pools.iter().filter(|pool| pool.auto_assign) {
            if let Some(ip) = self.first_free(pool, request) {
                let pool = self.assign(ip, request)?;
                return Ok((ip, pool));
            }
        }
        Err("no available IPs".to_string())
    }

    fn release(&mut self, ip: Ipv4Addr, service: &str) {
        if let Some(users) = self.by_ip.get_mut(&ip) {
            users.services.retain(|other| other != service);
            users.ports.retain(|_, owner| owner != service);
            if users.services.is_empty() {
                self.by_ip.remove(&ip);
            }
        }
    }
}

/// Port of `getDesiredLbIPs` for IPv4: the annotation or `spec.loadBalancerIP`, not both.
fn desired_ip(service: &Service) -> Result<Option<Ipv4Addr>, String> {
    let annotated = annotation(service, LOAD_BALANCER_IPS).filter(|value| !value.is_empty());
    match (annotated, service.load_balancer_ip) {
        (None, None) => Ok(None),
        (Some(_), Some(_)) => Err(format!("service can not have both {LOAD_BALANCER_IPS} and svc.Spec.LoadBalancerIP")),
        (None, Some(ip)) => Ok(Some(ip)),
        (Some(text), None) => {
            let mut ips = Vec::new();
            for part in text.split(',') {
                match part.trim().parse::<Ipv4Addr>() {
                    Ok(ip) => ips.push(ip),
                    Err(_) => return Err(format!("invalid {LOAD_BALANCER_IPS}: {text:?} (the lab reads IPv4 only)")),
                }
            }
            match ips.as_slice() {
                [ip] => Ok(Some(*ip)),
                _ => Err(format!("{LOAD_BALANCER_IPS} {text:?} asks for more than one IPv4 address")),
            }
        }
    }
}

/// Runs MetalLB's controller over the cluster: assigns addresses, writes them into each
/// LoadBalancer Service's status (and `metallb.io/ip-allocated-from-pool`), and says why a
/// Service stays `<pending>` or why an assigned address is not announced.
pub fn assign(cluster: &mut Cluster) -> Vec<Diagnostic> {
    let mut diagnostics = Vec::new();
    let candidates: Vec<usize> = cluster
        .services
        .iter()
        .enumerate()
        .filter(|(_, service)| service.service_type == ServiceType::LoadBalancer)
        .map(|(index, _)| index)
        .collect();
    if cluster.metallb_pools.is_empty() {
        for index in candidates {
            let Some(service) = cluster.services.get(index) else { continue };
            if service.load_balancer_ingress.is_empty() {
                diagnostics.push(pending(service, no_provider_reason(service), true));
            }
        }
        return diagnostics;
    }
    let pools = cluster.metallb_pools.clone();
    let mut allocator = Allocator { pools: &pools, by_ip: BTreeMap::new() };
    let mut results: BTreeMap<usize, Result<(Ipv4Addr, String), MetalLbError>> = BTreeMap::new();
    // Pass 1: addresses already in the status that the configuration still allows.
    for &index in &candidates {
        let Some(service) = cluster.services.get(index) else { continue };
        let Some(current) = service.load_balancer_ingress.iter().find_map(|ingress| ingress.ip) else { continue };
        if service.cluster_ip.is_none() {
            continue;
        }
        let request = Request::of(service);
        let kept = allocator.assign(current, &request).map_err(MetalLbError::Message).and_then(|pool| {
            let wrong_pool =
                annotation(service, ADDRESS_POOL).filter(|desired| !desired.is_empty() && *desired != pool);
            let wrong_ip = desired_ip(service).ok().flatten().filter(|desired| *desired != current);
            if let Some(desired) = wrong_pool {
                Err(MetalLbError::AsksForPool { pool: desired.to_string() })
            } else if let Some(desired) = wrong_ip {
                Err(MetalLbError::AsksForAddress { address: desired.to_string() })
            } else {
                Ok(pool)
            }
        });
        match kept {
            Ok(pool) => {
                results.insert(index, Ok((current, pool)));
            }
            Err(error) => {
                allocator.release(current, &request.service);
                diagnostics.push(
                    Diagnostic::info(Problem::InvalidValue {
                        value: current.to_string(),
                        reason: Reason::StatusAddressCleared { error },
                    })
                    .with_path("status.loadBalancer.ingress")
                    .with_object(object(service)),
                );
            }
        }
    }
    // Pass 2: everything else.
    for &index in &candidates {
        if results.contains_key(&index) {
            continue;
        }
        let Some(service) = cluster.services.get(index) else { continue };
        if service.cluster_ip.is_none() {
            results.insert(index, Err(MetalLbError::NoClusterIp));
            continue;
        }
        let request = Request::of(service);
        results.insert(index, allocator.allocate(service, &request).map_err(MetalLbError::Message));
    }
    for (index, result) in results {
        let Some(service) = cluster.services.get_mut(index) else { continue };
        match result {
            Ok((ip, pool)) => {
                service.load_balancer_ingress =
                    vec![LoadBalancerIngress { ip: Some(ip), ..LoadBalancerIngress::default() }];
                service.annotations.insert(ALLOCATED_FROM_POOL.to_string(), pool);
                service.annotations.remove(&ALLOCATED_FROM_POOL.replacen("metallb.io/", DEPRECATED_PREFIX, 1));
            }
            Err(error) => {
                service.load_balancer_ingress.clear();
                service.annotations.remove(ALLOCATED_FROM_POOL);
                let reason = Reason::AllocationFailed { error, node_ports: node_ports(service) };
                diagnostics.push(pending(service, reason, false));
            }
        }
    }
    for announcement in announce::announcements(cluster) {
        if let Some(reason) = announcement.not_announced_reason() {
            diagnostics.push(
                Diagnostic::warning(Problem::NotAnnounced { ip: announcement.ip.to_string(), reason })
                    .with_object(format!("Service {}", announcement.service)),
            );
        }
    }
    diagnostics
}

fn object(service: &Service) -> String {
    format!("Service {}", service.key())
}

fn node_ports(service: &Service) -> String {
    let ports: Vec<String> = service
        .ports
        .iter()
        .filter_map(|port| {
            port.node_port.map(|node_port| format!("{}:{node_port}/{}", port.port, port.protocol.api_name()))
        })
        .collect();
    if ports.is_empty() { String::new() } else { format!(" ({})", ports.join(",")) }
}

fn no_provider_reason(service: &Service) -> Reason {
    Reason::NoLoadBalancerProvider { node_ports: node_ports(service) }
}

fn pending(service: &Service, reason: Reason, info: bool) -> Diagnostic {
    let problem = Problem::LoadBalancerPending { reason };
    let diagnostic = if info { Diagnostic::info(problem) } else { Diagnostic::warning(problem) };
    diagnostic.with_object(object(service))
}
