//! `Reason`: why a value is refused or why the lab does what it does, as a value.
//!
//! Part of [`crate::diagnostic`]. `Problem`'s explanation fields (`reason`, `detail`) hold a
//! `Reason` instead of an English fragment, so the app can word every explanation in
//! Japanese too. `Display` is the English fragment (no capital, no final period). Names,
//! addresses and field paths inside a variant are data and stay as written. A few variants
//! quote another program's own message verbatim (MetalLB's allocator, the RE2 compiler,
//! iptables-restore's reader); those messages are English in the real tools too.

use std::fmt;

use super::subject::Subject;
use crate::ingress::path::RegexError;

/// The explanation of a diagnostic.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Reason {
    // Addresses and ranges.
    NotAnIpv4Address,
    NotAnIpv4AddressDotted,
    NotACidr,
    CidrBadAddress { address: String },
    CidrBadPrefixLength,
    CidrHostBits { network: String },
    /// `loadBalancerSourceRanges` and the like: host bits are dropped.
    CidrReadAs { cidr: String },
    CalicoIpListExpected,
    IpAddrsAnnotationFormat,
    TunnelAddressNotIpv4,
    TunnelAddressAllocated,
    OutOfRange { quantity: Quantity, min: i64, max: i64 },
    OneOf { choices: Vec<String>, case_hint: Option<String> },
    Name { problem: NameProblem, external: bool },
    LabelValueTooLong,
    LabelValueCharacters,
    PortName { problem: PortNameProblem, quoted_number: bool },
    MetalLbRangeSyntax,
    MetalLbRangeReversed,
    IngressPathSlash,
    // Manifest rules.
    SelectorMissesTemplate,
    SelectorEmptyOrMissesTemplate,
    PortNumberAndName,
    ClusterScopedNamespace,
    TrafficPolicyNeedsNodePorts { service_type: String },
    UnnamedPort,
    BlockLargerThanPool { size: u8, cidr: String },
    PoolMayNotUseBoth,
    PoolCannotUseBoth,
    BlockSizeRange { prefix: u8 },
    HealthCheckNodePortNotAllowed,
    HealthCheckNodePortIgnored,
    NodePortWrongType { service_type: String },
    NodePortOutOfRange { low: u16, high: u16 },
    NodePortsIgnored { service_type: String },
    OutsideRange { what: Subject, range: String },
    DaemonSetNodeName,
    SliceOfSelectorService { service: String },
    // Calico IPAM.
    NotInPool,
    AlreadyUsedBy { holder: String },
    BlockAffine { node: String },
    NoFreeAddress { pools: String },
    NotABlockOfPool,
    NoRouteToAddress,
    /// An IPAM reason, after which the pod gets no address.
    PodGetsNoAddress(Box<Reason>),
    AnnotationWins { annotation: String, address: String },
    // Limits of the lab.
    ReplicasCapped { max: u32 },
    PodsCapped { max: usize, room: usize },
    PodCapReached { max: usize },
    IptablesModeOnly,
    Ipv4ClusterOnly { value: String },
    Ipv4DataplaneOnly,
    MatchLabelsOnly,
    NodePortsOnEveryAddress,
    ResourceBackendNotFollowed { kind: String, name: String },
    IpipAndRoutingOnly,
    BorrowedAddress { address: String, owner: String, node: String },
    ClassNotServed { class: Option<String>, origin: ClassOrigin },
    ExternalNameRefused { service: String },
    NotReadByTheLab,
    // Scheduling.
    NodeNameMissing { node: String },
    NoNodes,
    NoNodeMatches,
    /// Why each node refused the pod, in node order.
    Rejected(Vec<Rejection>),
    // MetalLB and Contour.
    NoLoadBalancerProvider { node_ports: String },
    AllocationFailed { error: MetalLbError, node_ports: String },
    StatusAddressCleared { error: MetalLbError },
    NoL2Advertisement { pool: String },
    NoServingEndpoint,
    NoCandidateNode,
    NoSuchServiceInNamespace,
    NoSuchServicePort,
    IngressNginxAnnotation,
    OldIngressNginxAnnotation,
    /// Go's `regexp.Compile` (or the lab's length limit) refuses an Ingress regex path.
    RegexDoesNotCompile { error: RegexError },
    // iptables-save text (the lab's own reader; not user input in the app).
    IptablesValue { reason: String, option: String },
    IptablesLine { message: String },
}

impl fmt::Display for Reason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Reason::NotAnIpv4Address => f.write_str("it is not an IPv4 address"),
            Reason::NotAnIpv4AddressDotted => {
                f.write_str("it is not an IPv4 address (four numbers 0-255 separated by dots)")
            }
            Reason::NotACidr => f.write_str("it is not a CIDR; write an address and a prefix length, like 10.0.0.0/16"),
            Reason::CidrBadAddress { address } => write!(f, "`{address}` is not an IPv4 address"),
            Reason::CidrBadPrefixLength => f.write_str("the prefix length after `/` must be a number from 0 to 32"),
            Reason::CidrHostBits { network } => {
                write!(f, "it has bits set after the prefix length; the network address is `{network}`")
            }
            Reason::CidrReadAs { cidr } => write!(f, "it has host bits set; it is read as `{cidr}`"),
            Reason::CalicoIpListExpected => {
                f.write_str("Calico expects a JSON list of addresses, like [\"192.168.231.166\"]")
            }
            Reason::IpAddrsAnnotationFormat => f.write_str(
                "it must be a JSON list with one IPv4 address, such as [\"192.168.231.166\"]; Calico's CNI plugin would fail, so the pod gets no address",
            ),
            Reason::TunnelAddressNotIpv4 => f.write_str("the tunnel address must be an IPv4 address"),
            Reason::TunnelAddressAllocated => {
                f.write_str("it is not an IPv4 address; the lab allocates tunl0's address itself")
            }
            Reason::OutOfRange { quantity, min, max } => write!(f, "{quantity} must be from {min} to {max}"),
            Reason::OneOf { choices, case_hint } => {
                let names: Vec<String> = choices.iter().map(|name| format!("`{name}`")).collect();
                write!(f, "it must be one of {}", names.join(", "))?;
                if let Some(name) = case_hint {
                    write!(f, " (the spelling is case-sensitive: `{name}`)")?;
                }
                Ok(())
            }
            Reason::Name { problem, external } => {
                let subject = if *external { "an external name" } else { "a name" };
                match problem {
                    NameProblem::Empty => f.write_str("a name may not be empty"),
                    NameProblem::TooLong { format } => {
                        write!(f, "{subject} must be {format} of at most {} characters", format.max_length())
                    }
                    NameProblem::BadCharacter { format, character } => {
                        write!(
                            f,
                            "`{character}` is not allowed; {subject} must be {format}: lowercase letters, digits and `-`"
                        )?;
                        if *format == NameFormat::Dns1123Subdomain {
                            f.write_str(" or `.`")?;
                        }
                        if character.is_ascii_uppercase() {
                            f.write_str(" (use lowercase letters)")?;
                        }
                        Ok(())
                    }
                    NameProblem::BadEnds { format } => {
                        let start = if *format == NameFormat::Dns1035Label {
                            "start with a letter"
                        } else {
                            "start with a letter or digit"
                        };
                        write!(f, "{subject} must be {format}: {start} and end with a letter or digit")
                    }
                }
            }
            Reason::LabelValueTooLong => f.write_str("a label value may have at most 63 characters"),
            Reason::LabelValueCharacters => f.write_str(
                "a label value must be letters, digits, `-`, `_` or `.`, starting and ending with a letter or digit",
            ),
            Reason::PortName { problem, quoted_number } => {
                write!(f, "{problem}")?;
                if *quoted_number {
                    f.write_str(" (write the number without quotes)")?;
                }
                Ok(())
            }
            Reason::MetalLbRangeSyntax => {
                f.write_str("a range must be two IPv4 addresses joined by `-`, like 10.0.0.10-10.0.0.20")
            }
            Reason::MetalLbRangeReversed => f.write_str("the range's first address is after its last"),
            Reason::IngressPathSlash => f.write_str("an Ingress path must start with `/`"),
            Reason::SelectorMissesTemplate => f.write_str(
                "`spec.selector` does not match the template's labels, so the workload would not own its own pods",
            ),
            Reason::SelectorEmptyOrMissesTemplate => {
                f.write_str("`spec.selector` must be non-empty and match the template's labels")
            }
            Reason::PortNumberAndName => f.write_str("set either `port.number` or `port.name`, not both"),
            Reason::ClusterScopedNamespace => f.write_str("this kind is cluster-scoped, so the namespace is ignored"),
            Reason::TrafficPolicyNeedsNodePorts { service_type } => write!(
                f,
                "externalTrafficPolicy may only be set when `type` is NodePort or LoadBalancer, not {service_type}"
            ),
            Reason::UnnamedPort => {
                f.write_str("it has no `name`; when a Service has more than one port, every port needs a name")
            }
            Reason::BlockLargerThanPool { size, cidr } => {
                write!(f, "a block (/{size}) may not be larger than the pool {cidr}")
            }
            Reason::PoolMayNotUseBoth => f.write_str("a pool may use IPIP or VXLAN, not both"),
            Reason::PoolCannotUseBoth => f.write_str("a pool cannot use both IPIP and VXLAN"),
            Reason::BlockSizeRange { prefix } => write!(
                f,
                "an IPv4 blockSize must be from 20 to 32 and not shorter than the pool's prefix /{prefix}"
            ),
            Reason::HealthCheckNodePortNotAllowed => f.write_str(
                "healthCheckNodePort may only be set for a LoadBalancer Service with externalTrafficPolicy Local",
            ),
            Reason::HealthCheckNodePortIgnored => f.write_str(
                "only LoadBalancer Services with `externalTrafficPolicy: Local` have a health-check NodePort, so it is ignored",
            ),
            Reason::NodePortWrongType { service_type } => {
                write!(f, "nodePort may not be used when `type` is {service_type}; use NodePort or LoadBalancer")
            }
            Reason::NodePortOutOfRange { low, high } => {
                write!(f, "nodePort must be in the node port range {low}-{high}")
            }
            Reason::NodePortsIgnored { service_type } => {
                write!(f, "a {service_type} Service has no NodePorts, so it is ignored")
            }
            Reason::OutsideRange { what, range } => write!(f, "the {what} must lie in {range}"),
            Reason::DaemonSetNodeName => {
                f.write_str("a DaemonSet's pods normally have no nodeName; only that node gets one")
            }
            Reason::SliceOfSelectorService { service } => write!(
                f,
                "Service {service} has a selector, so the endpoint controller computes its slices; this one is ignored"
            ),
            Reason::NotInPool => f.write_str("it lies in no enabled Calico IP pool"),
            Reason::AlreadyUsedBy { holder } => write!(f, "it is already used by {holder}"),
            Reason::BlockAffine { node } => write!(f, "the block is already affine to node `{node}`"),
            Reason::NoFreeAddress { pools } => write!(f, "no free address is left in {pools}"),
            Reason::NotABlockOfPool => {
                f.write_str("it is not a block of an enabled IP pool (check the pool's CIDR and blockSize)")
            }
            Reason::NoRouteToAddress => {
                f.write_str("it lies in no enabled Calico IP pool; the lab keeps it, but no route leads to it")
            }
            Reason::PodGetsNoAddress(reason) => write!(f, "{reason}, so the pod gets no address"),
            Reason::AnnotationWins { annotation, address } => {
                write!(f, "the `{annotation}` annotation asks for {address}, which wins")
            }
            Reason::ReplicasCapped { max } => {
                write!(f, "the lab runs at most {max} replicas of one controller, so it makes {max}")
            }
            Reason::PodsCapped { max, room } => {
                write!(f, "the lab runs at most {max} pods in all, so it makes {room} of these and no later ones")
            }
            Reason::PodCapReached { max } => {
                write!(f, "the lab runs at most {max} pods in all, so this pod and later ones are not made")
            }
            Reason::IptablesModeOnly => f.write_str(
                "the lab shows kube-proxy's iptables mode, so the rules are drawn as iptables mode would write them",
            ),
            Reason::Ipv4ClusterOnly { value } => {
                write!(f, "the lab models an IPv4 cluster, so `{value}` is ignored")
            }
            Reason::Ipv4DataplaneOnly => f.write_str("the lab's dataplane is IPv4 only, so its endpoints are ignored"),
            Reason::MatchLabelsOnly => f.write_str("the lab matches pods by `matchLabels` only"),
            Reason::NodePortsOnEveryAddress => f.write_str("the lab opens NodePorts on every node address instead"),
            Reason::ResourceBackendNotFollowed { kind, name } => {
                write!(f, "requests for this path would go to {kind} `{name}`, which the lab does not follow")
            }
            Reason::IpipAndRoutingOnly => {
                f.write_str("the lab models Calico's IPIP and plain routing; pods still get addresses")
            }
            Reason::BorrowedAddress { address, owner, node } => write!(
                f,
                "{address} lies in a block of node `{owner}` but the pod runs on `{node}`; Calico would route it with a /32, the lab routes the whole block to `{owner}`"
            ),
            Reason::ClassNotServed { class, origin } => write!(
                f,
                "class {} from {origin}: Contour ignores it (it serves class `contour` or no class), and the lab emulates only Contour",
                class.as_deref().unwrap_or("(none)")
            ),
            Reason::ExternalNameRefused { service } => write!(
                f,
                "Contour refuses them unless `enableExternalNameService` is set, so `{service}` is skipped"
            ),
            Reason::NotReadByTheLab => f.write_str("the lab does not read it"),
            Reason::NodeNameMissing { node } => write!(
                f,
                "`spec.nodeName` names the node `{node}`, which does not exist, so the pod stays Pending"
            ),
            Reason::NoNodes => f.write_str("there are no nodes"),
            Reason::NoNodeMatches => f.write_str("no node matches"),
            Reason::Rejected(rejections) => {
                for (index, rejection) in rejections.iter().enumerate() {
                    if index > 0 {
                        f.write_str("; ")?;
                    }
                    write!(f, "{rejection}")?;
                }
                Ok(())
            }
            Reason::NoLoadBalancerProvider { node_ports } => write!(
                f,
                "nothing in this cluster provides load balancers (no cloud controller, and no MetalLB IPAddressPool), so no address is ever written to status.loadBalancer.ingress; the NodePorts{node_ports} and the ClusterIP work as for a NodePort Service"
            ),
            Reason::AllocationFailed { error, node_ports } => write!(
                f,
                "MetalLB failed to allocate an address ({error}); the NodePorts{node_ports} and the ClusterIP still work"
            ),
            Reason::StatusAddressCleared { error } => write!(
                f,
                "MetalLB clears a status address its configuration does not allow and allocates again ({error})"
            ),
            Reason::NoL2Advertisement { pool } => write!(
                f,
                "no L2Advertisement selects the pool {pool}, so the address is allocated but unreachable in layer 2 mode"
            ),
            Reason::NoServingEndpoint => {
                f.write_str("the Service has no ready endpoint, and speakers announce only Services that have one")
            }
            Reason::NoCandidateNode => f.write_str(
                "no node qualifies (not selected by the L2Advertisement, excluded by label, or, with externalTrafficPolicy: Local, without a local ready endpoint)",
            ),
            Reason::NoSuchServiceInNamespace => f.write_str("there is no such Service in the Ingress's namespace"),
            Reason::NoSuchServicePort => f.write_str("the Service has no TCP port with this number or name"),
            Reason::IngressNginxAnnotation => f.write_str(
                "it belongs to ingress-nginx; Contour skips `nginx.ingress.kubernetes.io/*` annotations silently, so the backend receives the request path unchanged (path rewriting in Contour exists only on HTTPProxy, `pathRewritePolicy`)",
            ),
            Reason::OldIngressNginxAnnotation => f.write_str(
                "it is the pre-0.9 ingress-nginx spelling; Contour knows the `ingress.kubernetes.io/` prefix but supports only `force-ssl-redirect` there and logs \"ignoring invalid or unsupported annotation\", so the backend receives the request path unchanged (path rewriting in Contour exists only on HTTPProxy, `pathRewritePolicy`)",
            ),
            Reason::RegexDoesNotCompile { error } => write!(
                f,
                "Contour reads an ImplementationSpecific path containing any of `^+*[]%` as a regular expression, and Go's `regexp.Compile` refuses this one ({error}); Contour drops this path and the rest of the rule"
            ),
            Reason::IptablesValue { reason, option } => write!(f, "{reason} (the value of `{option}`)"),
            Reason::IptablesLine { message } => f.write_str(message),
        }
    }
}

/// Why MetalLB's controller refuses or drops an address (`metallb::assign`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum MetalLbError {
    /// The allocator's own error, as MetalLB words it (`pkg/allocator/allocator.go`).
    Message(String),
    /// The address in the status is not from the pool the Service asks for.
    AsksForPool { pool: String },
    /// The address in the status is not the one the Service asks for.
    AsksForAddress { address: String },
    /// A Service without a ClusterIP has no IP family.
    NoClusterIp,
}

impl fmt::Display for MetalLbError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            MetalLbError::Message(message) => f.write_str(message),
            MetalLbError::AsksForPool { pool } => write!(f, "the Service asks for pool {pool}"),
            MetalLbError::AsksForAddress { address } => write!(f, "the Service asks for {address}"),
            MetalLbError::NoClusterIp => f.write_str("the Service has no ClusterIP, so MetalLB cannot tell its IP family"),
        }
    }
}

/// A number with a range (`Cx::int_in`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Quantity {
    PortNumber,
    BlockSize,
    MasqueradeBit,
    AffinityTimeout,
    Replicas,
}

impl fmt::Display for Quantity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Quantity::PortNumber => "a port number",
            Quantity::BlockSize => "an IPv4 pool's block size",
            Quantity::MasqueradeBit => "the masquerade mark bit",
            Quantity::AffinityTimeout => "the affinity timeout in seconds",
            Quantity::Replicas => "the number of replicas (the lab runs at most 1000)",
        })
    }
}

/// The DNS name formats of Kubernetes' `validation` package.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum NameFormat {
    /// `IsDNS1123Subdomain`.
    Dns1123Subdomain,
    /// `IsDNS1123Label`.
    Dns1123Label,
    /// `IsDNS1035Label`.
    Dns1035Label,
}

impl NameFormat {
    pub fn max_length(self) -> usize {
        match self {
            NameFormat::Dns1123Subdomain => 253,
            NameFormat::Dns1123Label | NameFormat::Dns1035Label => 63,
        }
    }
}

impl fmt::Display for NameFormat {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            NameFormat::Dns1123Subdomain => "a DNS-1123 subdomain",
            NameFormat::Dns1123Label => "a DNS-1123 label",
            NameFormat::Dns1035Label => "a DNS-1035 label",
        })
    }
}

/// Why a name is not valid in its format (the first failure).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum NameProblem {
    Empty,
    TooLong { format: NameFormat },
    BadCharacter { format: NameFormat, character: char },
    BadEnds { format: NameFormat },
}

/// Why a port name is not an `IANA_SVC_NAME` (`IsValidPortName`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PortNameProblem {
    Length,
    Characters,
    NoLetter,
    Dashes,
}

impl fmt::Display for PortNameProblem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            PortNameProblem::Length => "a port name must have 1 to 15 characters",
            PortNameProblem::Characters => "a port name may only contain lowercase letters, digits and `-`",
            PortNameProblem::NoLetter => "a port name must contain at least one letter",
            PortNameProblem::Dashes => "a port name may not start or end with `-` or contain `--`",
        })
    }
}

/// Why one node cannot run a pod (`cluster::schedule::rejection`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Rejection {
    Cordoned { node: String },
    /// `taint` is written `key=value:effect`.
    Taint { node: String, taint: String },
    MissingLabel { node: String, label: String },
}

impl fmt::Display for Rejection {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Rejection::Cordoned { node } => write!(f, "node `{node}` is cordoned (unschedulable)"),
            Rejection::Taint { node, taint } => {
                write!(f, "node `{node}` has the taint `{taint}` that the pod does not tolerate")
            }
            Rejection::MissingLabel { node, label } => write!(f, "node `{node}` lacks the label `{label}`"),
        }
    }
}

/// Where an Ingress's class came from (`ingress::class::ClassSource`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ClassOrigin {
    Annotation(String),
    Field,
    DefaultClass,
    None,
}

impl fmt::Display for ClassOrigin {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ClassOrigin::Annotation(key) => write!(f, "annotation {key}"),
            ClassOrigin::Field => f.write_str("spec.ingressClassName"),
            ClassOrigin::DefaultClass => f.write_str("the default IngressClass"),
            ClassOrigin::None => f.write_str("no class set"),
        }
    }
}
