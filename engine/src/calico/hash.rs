//! Felix's identifiers: the `cali:XXXXXXXXXXXXXXXX` rule hashes and length-limited chain names.
//!
//! Part of the Calico stage (`calico::apply`): every rule Felix programs carries a comment
//! `cali:` + a 16-character hash, and long profile or endpoint names are shortened to fit the
//! 28-character chain-name limit. Both are pure functions of names and rule text, so the lab
//! reproduces the exact strings a real node shows.

use sha2::{Digest, Sha224, Sha256};

/// Felix's `HashLength`: 16 characters of URL-safe base64, 96 bits.
pub const HASH_LENGTH: usize = 16;

/// Felix's maximum chain name length (`iptables.MaxChainNameLength`).
pub const MAX_CHAIN_NAME_LENGTH: usize = 28;

/// Port of `generictables.RuleHashes` (felix/generictables/rules.go) with the iptables
/// renderer's hashing input (felix/iptables/renderer.go `RuleHashes`).
///
/// The first state is SHA-224 of the chain name. For each rule, the next state is SHA-224 of
/// the previous state followed by `-A <chain> HASH <fragment>`, where the fragment is the rule
/// as Felix renders it for `iptables-restore` (comments, matches, action). The hash is the
/// first 16 characters of the state in unpadded URL-safe base64. Each hash therefore depends on
/// the chain, the rule and every rule before it.
pub fn rule_hashes(chain: &str, fragments: &[String]) -> Vec<String> {
    let mut state = Sha224::digest(chain.as_bytes()).to_vec();
    let mut hashes = Vec::with_capacity(fragments.len());
    for fragment in fragments {
        let mut hasher = Sha224::new();
        hasher.update(&state);
        hasher.update(hash_input(chain, fragment).as_bytes());
        state = hasher.finalize().to_vec();
        hashes.push(base64_url(&state).chars().take(HASH_LENGTH).collect());
    }
    hashes
}

/// The text Felix hashes for one rule: `RenderAppend(rule, chain, "HASH")`, i.e. the append
/// command with the literal `HASH` where the hash comment will go.
fn hash_input(chain: &str, fragment: &str) -> String {
    if fragment.is_empty() { format!("-A {chain} HASH") } else { format!("-A {chain} HASH {fragment}") }
}

/// Port of `hashutils.GetLengthLimitedID` (felix/hashutils/id.go): `prefix + suffix`, or, when
/// that is too long (or exactly the limit and the suffix starts with `_`), `prefix + "_"` and
/// as many characters of the unpadded URL-safe base64 SHA-256 of the suffix as fit.
pub fn length_limited_id(prefix: &str, suffix: &str, max_length: usize) -> String {
    let total = prefix.len().saturating_add(suffix.len());
    if total > max_length || (total == max_length && suffix.starts_with('_')) {
        let hash = base64_url(&Sha256::digest(suffix.as_bytes()));
        let room = max_length.saturating_sub(1).saturating_sub(prefix.len());
        let kept: String = hash.chars().take(room).collect();
        format!("{prefix}_{kept}")
    } else {
        format!("{prefix}{suffix}")
    }
}

/// RFC 4648 §5 base64 with the URL-safe alphabet and no padding (Go's `base64.RawURLEncoding`).
pub fn base64_url(bytes: &[u8]) -> String {
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    let mut out = String::with_capacity(bytes.len().saturating_mul(4) / 3 + 4);
    for chunk in bytes.chunks(3) {
        let b0 = chunk.first().copied().unwrap_or(0);
        let b1 = chunk.get(1).copied().unwrap_or(0);
        let b2 = chunk.get(2).copied().unwrap_or(0);
        let group = (u32::from(b0) << 16) | (u32::from(b1) << 8) | u32::from(b2);
        // A chunk of n bytes carries n + 1 symbols.
        let symbols = chunk.len().saturating_add(1);
        for index in 0..symbols.min(4) {
            let shift = 18u32.saturating_sub(6u32.saturating_mul(index as u32));
            let value = ((group >> shift) & 0x3f) as usize;
            if let Some(symbol) = ALPHABET.get(value) {
                out.push(char::from(*symbol));
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn one(chain: &str, fragment: &str) -> String {
        rule_hashes(chain, &[fragment.to_string()]).remove(0)
    }

    #[test]
    fn hook_jumps_match_published_dumps() {
        // Reference §1.12: the inserts Felix puts at the top of the kernel chains. The same
        // hash appears in raw and nat PREROUTING because only the chain name is hashed.
        assert_eq!(one("PREROUTING", "--jump cali-PREROUTING"), "6gwbT8clXdHdC1b1");
        assert_eq!(one("POSTROUTING", "--jump cali-POSTROUTING"), "O3lYWMrLQYEMJtB5");
        assert_eq!(one("INPUT", "--jump cali-INPUT"), "Cz_u1IQiXIMmKD4c");
        assert_eq!(one("FORWARD", "--jump cali-FORWARD"), "wUHhoiAYhphO9Mso");
        assert_eq!(one("OUTPUT", "--jump cali-OUTPUT"), "tVnHkvAo15HuiPy0");
    }

    #[test]
    fn nat_outgoing_matches_reference() {
        // Reference §1.10.
        let rule = "-m set --match-set cali40masq-ipam-pools src -m set ! --match-set cali40all-ipam-pools dst \
                    --jump MASQUERADE --random-fully";
        assert_eq!(one("cali-nat-outgoing", rule), "flqWnvo8yq4ULQLa");
    }

    #[test]
    fn chained_hashes_match_a_published_raw_prerouting() {
        // projectcalico/calico#10470 (2025): `iptables -t raw -L cali-PREROUTING`.
        let rules = [
            "--jump MARK --set-mark 0/0xf0000",
            "--in-interface cali+ --jump MARK --set-mark 0x40000/0x40000",
            "-m mark --mark 0x40000/0x40000 --jump cali-rpf-skip",
            "-m mark --mark 0x40000/0x40000 -m rpfilter --invert --validmark --jump DROP",
        ]
        .map(String::from);
        assert_eq!(
            rule_hashes("cali-PREROUTING", &rules),
            ["XFX5xbM8B9qR10JG", "EWMPb0zVROM-woQp", "PWuxTAIaFCtsg5Qa", "fSSbGND7dgyemWU7"]
        );
    }

    #[test]
    fn appended_rules_hash_under_the_appends_suffix() {
        // projectcalico/felix#2606: the FORWARD append "Policy explicitly accepted packet.".
        let rule = "-m comment --comment \"Policy explicitly accepted packet.\" -m mark --mark 0x10000/0x10000 \
                    --jump ACCEPT";
        assert_eq!(one("FORWARD*appends*", rule), "S93hcgKJrXEqnTfs");
    }

    #[test]
    fn length_limited_ids_match_published_profile_chains() {
        // projectcalico/calico#8433: service-account profiles of kube-system pods.
        assert_eq!(length_limited_id("cali-pro-", "ksa.kube-system.coredns", 28), "cali-pro-_u2Tn2rSoAPffvE7JO6");
        assert_eq!(
            length_limited_id("cali-pro-", "ksa.kube-system.calico-kube-controllers", 28),
            "cali-pro-_PTRGc0U-L5Kz7V6ERW"
        );
        assert_eq!(length_limited_id("cali-pri-", "kns.default", 28), "cali-pri-kns.default");
        // Exactly 28 characters stays, unless it starts with the shortening marker.
        assert_eq!(length_limited_id("cali-pri-", "ksa.default.default", 28), "cali-pri-ksa.default.default");
        assert_eq!(length_limited_id("cali-pri-", "_sa.default.default", 28).len(), 28);
    }

    #[test]
    fn base64_url_rfc4648_vectors() {
        assert_eq!(base64_url(b""), "");
        assert_eq!(base64_url(b"f"), "Zg");
        assert_eq!(base64_url(b"fo"), "Zm8");
        assert_eq!(base64_url(b"foo"), "Zm9v");
        assert_eq!(base64_url(b"foobar"), "Zm9vYmFy");
        assert_eq!(base64_url(&[0xfb, 0xff]), "-_8");
    }
}
