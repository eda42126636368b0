//! Which options each match module and target takes, and how many values each needs.
//!
//! Part of parsing. iptables hands an option to the target first, then to the loaded matches
//! in order (`command_default` in iptables/xshared.c); these tables say who understands what.
//! Options listed here but not modelled (e.g. `--tcp-flags`) make the match or target
//! [`Unknown`](crate::netfilter::matches::UnknownMatch), so it is kept verbatim.

/// How many values `option` takes in match `module`, or `None` if the module does not know it.
/// Unknown modules know nothing here; the caller gives them the leftovers.
pub fn match_option_arity(module: &str, option: &str) -> Option<usize> {
    let table: &[(&str, usize)] = match module {
        "comment" => &[("--comment", 1)],
        "tcp" => &[
            ("--sport", 1),
            ("--source-port", 1),
            ("--dport", 1),
            ("--destination-port", 1),
            ("--tcp-flags", 2),
            ("--syn", 0),
            ("--tcp-option", 1),
        ],
        "udp" => &[("--sport", 1), ("--source-port", 1), ("--dport", 1), ("--destination-port", 1)],
        "addrtype" => &[("--src-type", 1), ("--dst-type", 1), ("--limit-iface-in", 0), ("--limit-iface-out", 0)],
        "statistic" => &[("--mode", 1), ("--probability", 1), ("--every", 1), ("--packet", 1)],
        "mark" => &[("--mark", 1)],
        "conntrack" => &[
            ("--ctstate", 1),
            ("--ctproto", 1),
            ("--ctorigsrc", 1),
            ("--ctorigdst", 1),
            ("--ctreplsrc", 1),
            ("--ctrepldst", 1),
            ("--ctorigsrcport", 1),
            ("--ctorigdstport", 1),
            ("--ctreplsrcport", 1),
            ("--ctrepldstport", 1),
            ("--ctstatus", 1),
            ("--ctexpire", 1),
            ("--ctdir", 1),
        ],
        "recent" => &[
            ("--set", 0),
            ("--rcheck", 0),
            ("--update", 0),
            ("--remove", 0),
            ("--seconds", 1),
            ("--reap", 0),
            ("--hitcount", 1),
            ("--rttl", 0),
            ("--name", 1),
            ("--mask", 1),
            ("--rsource", 0),
            ("--rdest", 0),
        ],
        "nfacct" => &[("--nfacct-name", 1)],
        "set" => &[
            ("--match-set", 2),
            ("--set", 2),
            ("--return-nomatch", 0),
            ("--update-counters", 0),
            ("--update-subcounters", 0),
            ("--packets-eq", 1),
            ("--packets-lt", 1),
            ("--packets-gt", 1),
            ("--bytes-eq", 1),
            ("--bytes-lt", 1),
            ("--bytes-gt", 1),
        ],
        "multiport" => {
            &[("--sports", 1), ("--source-ports", 1), ("--dports", 1), ("--destination-ports", 1), ("--ports", 1)]
        }
        "rpfilter" => &[("--loose", 0), ("--validmark", 0), ("--accept-local", 0), ("--invert", 0)],
        _ => return None,
    };
    table.iter().find(|(name, _)| *name == option).map(|(_, arity)| *arity)
}

/// Whether the lab models this match module (its options are checked and typed).
pub fn is_known_module(module: &str) -> bool {
    matches!(
        module,
        "comment"
            | "tcp"
            | "udp"
            | "addrtype"
            | "statistic"
            | "mark"
            | "conntrack"
            | "recent"
            | "nfacct"
            | "set"
            | "multiport"
            | "rpfilter"
    )
}

/// The targets the lab models.
pub const KNOWN_TARGETS: [&str; 10] =
    ["ACCEPT", "DROP", "RETURN", "REJECT", "DNAT", "SNAT", "MASQUERADE", "MARK", "LOG", "TRACE"];

/// How many values `option` takes for target `target`, or `None` if the target does not know it.
pub fn target_option_arity(target: &str, option: &str) -> Option<usize> {
    let table: &[(&str, usize)] = match target {
        "REJECT" => &[("--reject-with", 1)],
        "DNAT" => &[("--to-destination", 1), ("--random", 0), ("--persistent", 0)],
        "SNAT" => &[("--to-source", 1), ("--random", 0), ("--random-fully", 0), ("--persistent", 0)],
        "MASQUERADE" => &[("--to-ports", 1), ("--random", 0), ("--random-fully", 0)],
        "MARK" => &[("--set-xmark", 1), ("--set-mark", 1), ("--and-mark", 1), ("--or-mark", 1), ("--xor-mark", 1)],
        "LOG" => &[
            ("--log-prefix", 1),
            ("--log-level", 1),
            ("--log-tcp-sequence", 0),
            ("--log-tcp-options", 0),
            ("--log-ip-options", 0),
            ("--log-uid", 0),
            ("--log-macdecode", 0),
        ],
        _ => return None,
    };
    table.iter().find(|(name, _)| *name == option).map(|(_, arity)| *arity)
}

/// Whether `name` looks like a target extension (upper-case letters and digits, as `CT`,
/// `NOTRACK`, `TCPMSS`), as opposed to a chain name such as `KUBE-SVC-...`.
pub fn looks_like_extension(name: &str) -> bool {
    !name.is_empty() && name.chars().all(|c| c.is_ascii_uppercase() || c.is_ascii_digit())
}

/// Whether `value` prints back as one word without quotes, as `iptables-save` prints the names
/// of `recent` lists and ipsets (`printf(" --name %s", ...)` in libxt_recent.c). A name with a
/// blank or a quote could be loaded but not saved and restored again.
pub fn is_bare_word(value: &str) -> bool {
    !value.is_empty() && !value.chars().any(|c| c.is_whitespace() || c == '"' || c == '\'')
}

/// Whether `name` can name a match module. xtables loads `libxt_NAME.so`, and every match
/// module's name is letters, digits and `_` (`conntrack`, `u32`, `ipv4options`); anything else
/// (`-m "-m "`) could not be printed back as one word.
pub fn is_module_name(name: &str) -> bool {
    !name.is_empty() && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn arities() {
        assert_eq!(match_option_arity("tcp", "--dport"), Some(1));
        assert_eq!(match_option_arity("set", "--match-set"), Some(2));
        assert_eq!(match_option_arity("recent", "--reap"), Some(0));
        assert_eq!(match_option_arity("udp", "--syn"), None);
        assert_eq!(match_option_arity("icmp", "--icmp-type"), None);
        assert!(is_known_module("comment"));
        assert!(!is_known_module("icmp"));
        assert_eq!(target_option_arity("MARK", "--or-mark"), Some(1));
        assert!(looks_like_extension("NOTRACK"));
        assert!(!looks_like_extension("KUBE-MARK-MASQ"));
    }
}
