//! MetalLB's `metallb.io/v1beta1` `IPAddressPool` and `L2Advertisement`
//! (metallb `api/v1beta1/ipaddresspool_types.go`, `l2advertisement_types.go`): where
//! LoadBalancer addresses come from and which nodes answer ARP for them.

use std::net::Ipv4Addr;

use super::decode::{Cx, Fields};
use super::meta::{LabelSelector, NameRule, ObjectMeta, read_meta, read_selector};
use super::node::require_name;
use crate::diagnostic::Reason;
use crate::yaml;

/// An `IPAddressPool`.
#[derive(Clone, Debug, PartialEq)]
pub struct IpAddressPool {
    pub metadata: ObjectMeta,
    /// `spec.addresses`, each a CIDR or a `first-last` range.
    pub addresses: Vec<AddressRange>,
    /// `spec.autoAssign`; `None` means MetalLB's default true.
    pub auto_assign: Option<bool>,
    /// `spec.avoidBuggyIPs`: skip `.0` and `.255` addresses.
    pub avoid_buggy_ips: bool,
}

/// An inclusive range of addresses (a CIDR is read as its first to last address).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct AddressRange {
    pub first: Ipv4Addr,
    pub last: Ipv4Addr,
}

/// An `L2Advertisement`.
#[derive(Clone, Debug, PartialEq)]
pub struct L2Advertisement {
    pub metadata: ObjectMeta,
    /// `spec.ipAddressPools`; empty means every pool.
    pub ip_address_pools: Vec<String>,
    /// `spec.nodeSelectors`; empty means every node.
    pub node_selectors: Vec<LabelSelector>,
}

pub(crate) fn read_ip_address_pool(cx: &mut Cx<'_>, fields: &mut Fields<'_>) -> Option<IpAddressPool> {
    let metadata = read_meta(cx, fields.take("metadata"), NameRule::Subdomain, true);
    require_name(cx, fields, &metadata);
    fields.ignore(&["status"]);
    let mut spec = fields.required_map(cx, "spec")?;
    if !spec.has("addresses") {
        spec.missing(cx, "addresses");
    }
    let addresses = spec.list(cx, "addresses", read_range);
    let auto_assign = spec.bool(cx, "autoAssign");
    let avoid_buggy_ips = spec.bool(cx, "avoidBuggyIPs").unwrap_or(false);
    spec.ignore(&["serviceAllocation"]);
    spec.finish(cx);
    Some(IpAddressPool {
        metadata,
        addresses,
        auto_assign,
        avoid_buggy_ips,
    })
}

/// `10.0.0.0/24` or `10.0.0.10-10.0.0.20` (MetalLB's `parseCIDR` accepts both).
fn read_range(cx: &mut Cx<'_>, node: &yaml::Node, path: &str) -> Option<AddressRange> {
    let text = cx.string(node, path)?;
    if let Some((first, last)) = text.split_once('-') {
        let (Ok(first), Ok(last)) = (first.trim().parse::<Ipv4Addr>(), last.trim().parse::<Ipv4Addr>()) else {
            cx.invalid(
                node,
                path,
                Reason::MetalLbRangeSyntax,
            );
            return None;
        };
        if u32::from(first) > u32::from(last) {
            cx.invalid(node, path, Reason::MetalLbRangeReversed);
            return None;
        }
        return Some(AddressRange { first, last });
    }
    let cidr = cx.cidr(node, path)?;
    Some(AddressRange {
        first: cidr.network(),
        last: cidr.last(),
    })
}

pub(crate) fn read_l2_advertisement(cx: &mut Cx<'_>, fields: &mut Fields<'_>) -> L2Advertisement {
    let metadata = read_meta(cx, fields.take("metadata"), NameRule::Subdomain, true);
    require_name(cx, fields, &metadata);
    fields.ignore(&["status"]);
    let mut advertisement = L2Advertisement {
        metadata,
        ip_address_pools: Vec::new(),
        node_selectors: Vec::new(),
    };
    if let Some(mut spec) = fields.map(cx, "spec") {
        advertisement.ip_address_pools = spec.strings(cx, "ipAddressPools");
        advertisement.node_selectors = spec.list(cx, "nodeSelectors", |cx, item, path| {
            let selector = cx.map(item, path)?;
            Some(read_selector(cx, selector))
        });
        spec.ignore(&["ipAddressPoolSelectors", "interfaces"]);
        spec.finish(cx);
    }
    advertisement
}
