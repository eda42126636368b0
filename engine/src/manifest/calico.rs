//! Calico's `IPPool` and `BlockAffinity` (libcalico-go `api/pkg/apis/projectcalico/v3`
//! `ippool.go`, and the `crd.projectcalico.org/v1` storage CRDs): the pod address plan
//! that the cluster builder's Calico IPAM works from.

use super::decode::{Cx, Fields};
use super::meta::{NameRule, ObjectMeta, read_meta};
use super::node::require_name;
use crate::diagnostic::{Deprecation, Problem, Quantity, Reason};
use crate::net::Cidr;

/// Which API group the object was written in.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CalicoApi {
    /// `projectcalico.org/v3`: what `calicoctl` and the Calico API server serve.
    ProjectCalicoV3,
    /// `crd.projectcalico.org/v1`: the CRDs Calico stores its data in.
    CrdV1,
}

/// A Calico `IPPool`.
#[derive(Clone, Debug, PartialEq)]
pub struct IpPool {
    pub api: CalicoApi,
    pub metadata: ObjectMeta,
    pub cidr: Cidr,
    /// `blockSize`, 20 to 32 for IPv4; `None` means Calico's default 26.
    pub block_size: Option<u8>,
    /// `ipipMode`; `None` means Never.
    pub ipip_mode: Option<EncapsulationMode>,
    /// `vxlanMode`; `None` means Never.
    pub vxlan_mode: Option<EncapsulationMode>,
    /// `natOutgoing` (API default false).
    pub nat_outgoing: bool,
    /// `disabled`: no new addresses are handed out from the pool.
    pub disabled: bool,
    /// `nodeSelector`, a Calico selector expression such as `all()` (kept as text).
    pub node_selector: Option<String>,
}

/// `Never`, `Always` or `CrossSubnet`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum EncapsulationMode {
    Never,
    Always,
    CrossSubnet,
}

const ENCAPSULATION_MODES: &[(&str, EncapsulationMode)] = &[
    ("Never", EncapsulationMode::Never),
    ("Always", EncapsulationMode::Always),
    ("CrossSubnet", EncapsulationMode::CrossSubnet),
];

/// A Calico `BlockAffinity`: a node's claim on one block of a pool.
#[derive(Clone, Debug, PartialEq)]
pub struct BlockAffinity {
    pub metadata: ObjectMeta,
    /// `spec.cidr`, the block.
    pub cidr: Cidr,
    /// `spec.node`, the node that owns the block.
    pub node: String,
    pub state: Option<AffinityState>,
}

/// `confirmed`, `pending` or `pendingDeletion`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AffinityState {
    Confirmed,
    Pending,
    PendingDeletion,
}

pub(crate) fn read_ip_pool(cx: &mut Cx<'_>, fields: &mut Fields<'_>, api_version: &str) -> Option<IpPool> {
    let api = if api_version == "crd.projectcalico.org/v1" {
        CalicoApi::CrdV1
    } else {
        CalicoApi::ProjectCalicoV3
    };
    let metadata = read_meta(cx, fields.take("metadata"), NameRule::Subdomain, false);
    require_name(cx, fields, &metadata);
    fields.ignore(&["status"]);
    let mut spec = fields.required_map(cx, "spec")?;
    let cidr = spec.required_cidr(cx, "cidr");
    let block_size = spec
        .int_in(cx, "blockSize", 20, 32, Quantity::BlockSize)
        .and_then(|n| u8::try_from(n).ok());
    if let (Some(cidr), Some(size)) = (cidr, block_size)
        && size < cidr.prefix_len()
        && let Some((node, path)) = spec.take("blockSize")
    {
        cx.invalid(
            node,
            &path,
            Reason::BlockLargerThanPool { size, cidr: cidr.to_string() },
        );
    }
    let ipip_mode = spec.one_of(cx, "ipipMode", ENCAPSULATION_MODES);
    let vxlan_mode = spec.one_of(cx, "vxlanMode", ENCAPSULATION_MODES);
    let encapsulating = |mode: Option<EncapsulationMode>| mode.is_some_and(|m| m != EncapsulationMode::Never);
    if encapsulating(ipip_mode)
        && encapsulating(vxlan_mode)
        && let Some((node, path)) = spec.take("vxlanMode")
    {
        cx.invalid(node, &path, Reason::PoolMayNotUseBoth);
    }
    if spec.has("ipip")
        && let Some((node, path)) = spec.take("ipip")
    {
        cx.warn(
            node.position,
            &path,
            Problem::Deprecated { form: Deprecation::CalicoIpipBlock },
        );
    }
    let nat_outgoing = spec.bool(cx, "natOutgoing").unwrap_or(false);
    let disabled = spec.bool(cx, "disabled").unwrap_or(false);
    let node_selector = spec.string(cx, "nodeSelector");
    spec.ignore(&["allowedUses", "disableBGPExport", "assignmentMode", "namespaceSelector"]);
    spec.finish(cx);
    Some(IpPool {
        api,
        metadata,
        cidr: cidr?,
        block_size,
        ipip_mode,
        vxlan_mode,
        nat_outgoing,
        disabled,
        node_selector,
    })
}

pub(crate) fn read_block_affinity(cx: &mut Cx<'_>, fields: &mut Fields<'_>) -> Option<BlockAffinity> {
    let metadata = read_meta(cx, fields.take("metadata"), NameRule::Subdomain, false);
    require_name(cx, fields, &metadata);
    fields.ignore(&["status"]);
    let mut spec = fields.required_map(cx, "spec")?;
    let cidr = spec.required_cidr(cx, "cidr");
    let node = spec.required_string(cx, "node");
    let state = spec.one_of(
        cx,
        "state",
        &[
            ("confirmed", AffinityState::Confirmed),
            ("pending", AffinityState::Pending),
            ("pendingDeletion", AffinityState::PendingDeletion),
        ],
    );
    spec.ignore(&["deleted", "type"]);
    spec.finish(cx);
    Some(BlockAffinity {
        metadata,
        cidr: cidr?,
        node: node?,
        state,
    })
}
