//! Chain-name hashing: how kube-proxy turns a service port into `KUBE-SVC-XPGD46QRK7WJZT7O`.
//!
//! Part of the kube-proxy stage (Cluster -> per-node rules). Port of `portProtoHash` and
//! `servicePortEndpointChainName` (kubernetes `pkg/proxy/iptables/proxier.go`): SHA-256 of the
//! plain concatenation, encoded with RFC 4648 base32 (standard alphabet `A-Z2-7`), first
//! 16 characters. iptables chain names must be at most 28 characters, hence the truncation.

use sha2::{Digest, Sha256};

/// `KUBE-SVC-`: the Cluster-policy chain of a service port.
pub const SERVICE_CLUSTER_PREFIX: &str = "KUBE-SVC-";
/// `KUBE-SVL-`: the Local-policy chain of a service port.
pub const SERVICE_LOCAL_PREFIX: &str = "KUBE-SVL-";
/// `KUBE-FW-`: the loadBalancerSourceRanges chain of a service port.
pub const SERVICE_FIREWALL_PREFIX: &str = "KUBE-FW-";
/// `KUBE-EXT-`: the external-destination chain of a service port.
pub const SERVICE_EXTERNAL_PREFIX: &str = "KUBE-EXT-";
/// `KUBE-SEP-`: the chain of one endpoint of a service port.
pub const ENDPOINT_PREFIX: &str = "KUBE-SEP-";

const BASE32_ALPHABET: &[u8; 32] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";

/// Port of `portProtoHash(servicePortName, protocol)`: the 16 characters every per-service
/// chain of one service port shares. `protocol` is lower case (`tcp`), the name is
/// `namespace/name[:port]`; they are concatenated without a separator.
pub fn port_proto_hash(service_port_name: &str, protocol: &str) -> String {
    hash16(&[service_port_name, protocol])
}

/// Port of `servicePortEndpointChainName`: `KUBE-SEP-` + the first 16 base32 characters of
/// `sha256(servicePortName + protocol + endpoint)`, where `endpoint` is `IP:port`.
pub fn service_port_endpoint_chain_name(service_port_name: &str, protocol: &str, endpoint: &str) -> String {
    let mut name = String::with_capacity(ENDPOINT_PREFIX.len() + 16);
    name.push_str(ENDPOINT_PREFIX);
    name.push_str(&hash16(&[service_port_name, protocol, endpoint]));
    name
}

/// SHA-256 over the concatenated parts, base32, first 16 characters.
fn hash16(parts: &[&str]) -> String {
    let mut hasher = Sha256::new();
    for part in parts {
        hasher.update(part.as_bytes());
    }
    let digest = hasher.finalize();
    let mut encoded = base32_std(digest.as_slice());
    encoded.truncate(16);
    encoded
}

/// RFC 4648 base32 with the standard alphabet, as Go's `base32.StdEncoding` (padding omitted:
/// callers only keep a prefix).
fn base32_std(bytes: &[u8]) -> String {
    let mut out = String::with_capacity(bytes.len().saturating_mul(8) / 5 + 1);
    let mut buffer: u32 = 0;
    let mut bits: u32 = 0;
    for &byte in bytes {
        buffer = (buffer << 8) | u32::from(byte);
        bits += 8;
        while bits >= 5 {
            bits -= 5;
            push_symbol(&mut out, (buffer >> bits) & 0x1f);
        }
        buffer &= (1u32 << bits) - 1;
    }
    if bits > 0 {
        push_symbol(&mut out, (buffer << (5 - bits)) & 0x1f);
    }
    out
}

fn push_symbol(out: &mut String, index: u32) {
    if let Some(&symbol) = usize::try_from(index).ok().and_then(|i| BASE32_ALPHABET.get(i)) {
        out.push(char::from(symbol));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Check values from kube-proxy's own goldens (proxier_test.go) and the reference §3.
    #[test]
    fn port_proto_hash_matches_upstream_chain_names() {
        assert_eq!(port_proto_hash("ns1/svc1:p80", "tcp"), "XPGD46QRK7WJZT7O");
        assert_eq!(port_proto_hash("ns2/svc2:p80", "tcp"), "GNZBNJ2PO5MGZ6GT");
        assert_eq!(port_proto_hash("ns5/svc5:p80", "tcp"), "NUKIZ6OKUXPJNT4C");
        assert_eq!(port_proto_hash("default/kubernetes:https", "tcp"), "NPX46M4PTMTKRN6Y");
        assert_eq!(port_proto_hash("kube-system/kube-dns:dns", "udp"), "TCOU7JCQXEZGVUNU");
        assert_eq!(port_proto_hash("kube-system/kube-dns:dns-tcp", "tcp"), "ERIFXISQEP7F7OF4");
        assert_eq!(port_proto_hash("kube-system/kube-dns:metrics", "tcp"), "JD5MR3NA4I4DYORP");
        assert_eq!(port_proto_hash("ns1/svc1", "tcp"), "AQI2S6QIMU7PVVRP");
    }

    #[test]
    fn endpoint_chain_names_match_upstream() {
        assert_eq!(service_port_endpoint_chain_name("ns1/svc1:p80", "tcp", "10.180.0.1:80"), "KUBE-SEP-SXIVWICOYRO3J4NJ");
        assert_eq!(service_port_endpoint_chain_name("ns4/svc4:p80", "tcp", "10.180.0.5:80"), "KUBE-SEP-C6EBXVWJJZMIWKLZ");
        assert_eq!(service_port_endpoint_chain_name("ns4/svc4:p80", "tcp", "10.180.0.4:80"), "KUBE-SEP-UKSFD7AGPMPPLUHC");
        assert_eq!(service_port_endpoint_chain_name("ns5/svc5:p80", "tcp", "10.180.0.3:80"), "KUBE-SEP-I77PXRDZVX7PMWMN");
    }

    /// RFC 4648 §10 test vectors for the encoder itself.
    #[test]
    fn base32_rfc4648_vectors() {
        assert_eq!(base32_std(b""), "");
        assert_eq!(base32_std(b"f"), "MY");
        assert_eq!(base32_std(b"fo"), "MZXQ");
        assert_eq!(base32_std(b"foo"), "MZXW6");
        assert_eq!(base32_std(b"foob"), "MZXW6YQ");
        assert_eq!(base32_std(b"fooba"), "MZXW6YTB");
        assert_eq!(base32_std(b"foobar"), "MZXW6YTBOI");
    }
}
