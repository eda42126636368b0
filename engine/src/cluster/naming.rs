//! Generated names: ReplicaSet and pod names, revision hashes, EndpointSlice names and
//! Calico's `cali…` interface names.
//!
//! Part of `cluster::build`. Kubernetes draws the random parts from a clock-seeded RNG; the
//! lab derives them from hashes of the object's identity so the same manifests always give
//! the same names, while keeping the real alphabet, lengths and shapes.

use sha1::{Digest, Sha1};

/// The alphabet of `k8s.io/apimachinery/pkg/util/rand` (`alphanums`): no vowels and no
/// `0`, `1`, `3`, so generated names never spell words.
pub const SAFE_ALPHABET: &[u8; 27] = b"bcdfghjklmnpqrstvwxz2456789";

/// The random suffix length of `metadata.generateName` (`rand.String(5)` in
/// `SimpleNameGenerator.GenerateName`, apiserver `names/generate.go`).
pub const GENERATED_SUFFIX_LEN: usize = 5;

/// `maxGeneratedNameLength` (63 - 5): a longer `generateName` prefix is cut to this length.
const MAX_GENERATED_PREFIX_LEN: usize = 58;

/// FNV-1 32-bit (Go's `hash/fnv.New32`), used by Calico's block picker and
/// `history.HashControllerRevision`.
pub fn fnv32(bytes: &[u8]) -> u32 {
    let mut hash: u32 = 0x811c_9dc5;
    for byte in bytes {
        hash = hash.wrapping_mul(0x0100_0193);
        hash ^= u32::from(*byte);
    }
    hash
}

/// FNV-1a 32-bit (Go's `hash/fnv.New32a`), used by `controller.ComputeHash`.
pub fn fnv32a(bytes: &[u8]) -> u32 {
    let mut hash: u32 = 0x811c_9dc5;
    for byte in bytes {
        hash ^= u32::from(*byte);
        hash = hash.wrapping_mul(0x0100_0193);
    }
    hash
}

/// FNV-1a 64-bit, the lab's stand-in for the RNG behind random name suffixes.
fn fnv64a(bytes: &[u8]) -> u64 {
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    for byte in bytes {
        hash ^= u64::from(*byte);
        hash = hash.wrapping_mul(0x0000_0100_0000_01b3);
    }
    hash
}

/// Port of `rand.SafeEncodeString` (apimachinery `pkg/util/rand/rand.go`): each character
/// is replaced by `alphanums[rune % 27]`.
pub fn safe_encode(text: &str) -> String {
    text.chars()
        .map(|character| {
            let index = (character as usize) % SAFE_ALPHABET.len();
            SAFE_ALPHABET.get(index).map_or('b', |byte| char::from(*byte))
        })
        .collect()
}

/// `pod-template-hash`: port of `controller.ComputeHash` (pkg/controller/controller_utils.go),
/// `SafeEncodeString(fmt.Sprint(fnv32a(template)))`. Kubernetes hashes the spew dump of the Go
/// struct; the lab hashes its own canonical text of the template, so values differ from a real
/// cluster's but have the same shape (up to 10 characters from `[4-9bcdf]`).
pub fn pod_template_hash(canonical_template: &str) -> String {
    safe_encode(&fnv32a(canonical_template.as_bytes()).to_string())
}

/// The hash part of a ControllerRevision name: port of `history.HashControllerRevision`
/// (pkg/controller/history/controller_history.go), FNV-1 32 then `SafeEncodeString`.
pub fn revision_hash(canonical_template: &str) -> String {
    safe_encode(&fnv32(canonical_template.as_bytes()).to_string())
}

/// A deterministic stand-in for `rand.String(n)`: `n` characters of [`SAFE_ALPHABET`] drawn
/// from FNV-1a 64 of `seed`.
pub fn random_string(seed: &str, length: usize) -> String {
    let mut state = fnv64a(seed.as_bytes());
    let mut out = String::with_capacity(length);
    for round in 0..length {
        if round > 0 && round % 12 == 0 {
            // 27^12 < 2^64: refresh the state before its digits run out.
            state = fnv64a(&state.to_le_bytes());
        }
        let index = usize::try_from(state % 27).unwrap_or(0);
        out.push(SAFE_ALPHABET.get(index).map_or('b', |byte| char::from(*byte)));
        state /= 27;
    }
    out
}

/// `metadata.generateName` resolved: the prefix (cut to 58 bytes, as the apiserver does) plus
/// five safe characters derived from `seed`.
pub fn generate_name(prefix: &str, seed: &str) -> String {
    let mut cut = prefix.len().min(MAX_GENERATED_PREFIX_LEN);
    while cut > 0 && !prefix.is_char_boundary(cut) {
        cut = cut.saturating_sub(1);
    }
    let base = prefix.get(..cut).unwrap_or("");
    format!("{base}{}", random_string(seed, GENERATED_SUFFIX_LEN))
}

/// The host side of a pod's veth: port of Calico's `VethNameForWorkload`
/// (libcalico-go `lib/backend/k8s/conversion/workload_endpoint_default.go`):
/// `"cali" + hex(sha1("<namespace>.<pod>"))[:11]`, 15 characters (IFNAMSIZ - 1).
pub fn veth_name(namespace: &str, pod: &str) -> String {
    let digest = Sha1::digest(format!("{namespace}.{pod}").as_bytes());
    let hex: String = digest.iter().map(|byte| format!("{byte:02x}")).collect();
    format!("cali{}", hex.get(..11).unwrap_or(""))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fnv_vectors() {
        // Go's hash/fnv test vectors (golden32 / golden32a in fnv_test.go).
        assert_eq!(fnv32(b""), 0x811c9dc5);
        assert_eq!(fnv32(b"a"), 0x050c5d7e);
        assert_eq!(fnv32(b"ab"), 0x70772d38);
        assert_eq!(fnv32(b"abc"), 0x439c2f4b);
        assert_eq!(fnv32a(b""), 0x811c9dc5);
        assert_eq!(fnv32a(b"a"), 0xe40c292c);
        assert_eq!(fnv32a(b"ab"), 0x4d2505ca);
        assert_eq!(fnv32a(b"abc"), 0x1a47e90b);
    }

    #[test]
    fn safe_encode_maps_digits_like_apimachinery() {
        // '0' is 48 and 48 % 27 = 21 -> '4'; '9' is 57 -> 57 % 27 = 3 -> 'f'.
        assert_eq!(safe_encode("0123456789"), "456789bcdf");
        // So a pod-template-hash only ever uses these ten characters.
        let hash = pod_template_hash("anything");
        assert!(!hash.is_empty() && hash.len() <= 10);
        assert!(hash.chars().all(|c| "456789bcdf".contains(c)), "{hash}");
    }

    #[test]
    fn template_hash_is_the_safe_encoding_of_the_decimal_fnv32a() {
        // fnv32a("abc") = 0x1a47e90b = 440920331; digit by digit 4->8, 0->4, 9->f, 2->6, 3->7, 1->5.
        assert_eq!(pod_template_hash("abc"), safe_encode("440920331"));
        assert_eq!(pod_template_hash("abc"), "884f64775");
        // fnv32("abc") = 0x439c2f4b = 1134309195.
        assert_eq!(revision_hash("abc"), safe_encode("1134309195"));
    }

    #[test]
    fn generated_names_have_five_safe_characters() {
        let name = generate_name("web-7d4b9c8f6d-", "default/web-7d4b9c8f6d/0");
        assert_eq!(name.len(), "web-7d4b9c8f6d-".len() + 5);
        let suffix = name.get("web-7d4b9c8f6d-".len()..).unwrap();
        assert!(suffix.bytes().all(|b| SAFE_ALPHABET.contains(&b)), "{name}");
        assert_eq!(name, generate_name("web-7d4b9c8f6d-", "default/web-7d4b9c8f6d/0"));
        assert_ne!(name, generate_name("web-7d4b9c8f6d-", "default/web-7d4b9c8f6d/1"));
        let long = "x".repeat(80);
        assert_eq!(generate_name(&long, "seed").len(), 63);
        assert_eq!(random_string("seed", 30).len(), 30);
    }

    #[test]
    fn veth_names_match_calico() {
        // sha1("default.nginx") = c440f455693b69cdd48a37aa5ecd78038f50413d (sha1sum).
        assert_eq!(veth_name("default", "nginx"), "calic440f455693");
        assert_eq!(veth_name("kube-system", "coredns-1").len(), 15);
    }
}
