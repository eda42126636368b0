//! Quoting of words in `iptables-save` output, and the reverse for `iptables-restore` input.
//!
//! Part of rendering. `xtables_save_string` (libxtables/xtables.c) leaves a value bare when it
//! is non-empty and made only of `[A-Za-z0-9_-]`; otherwise it wraps it in double quotes and
//! puts a backslash before each `"`, `\` and `'`. `iptables-restore` (`add_param_to_argv`,
//! iptables/xshared.c) reads such quotes back.

/// Characters `xtables_save_string` leaves unquoted.
fn is_plain(c: char) -> bool {
    c.is_ascii_alphanumeric() || c == '_' || c == '-'
}

/// A value as `xtables_save_string` prints it (without its leading space).
pub fn save_string(value: &str) -> String {
    if !value.is_empty() && value.chars().all(is_plain) {
        return value.to_string();
    }
    quoted(value)
}

/// A word for restore input: bare unless it is empty or has a blank or a quote character, so
/// that `iptables-restore` reads back exactly `value`. Used for words the lab keeps verbatim.
pub fn quote_word(value: &str) -> String {
    let needs_quotes =
        value.is_empty() || value.chars().any(|c| c.is_whitespace() || c == '"' || c == '\'' || c == '\\');
    if needs_quotes { quoted(value) } else { value.to_string() }
}

fn quoted(value: &str) -> String {
    let mut out = String::with_capacity(value.len().saturating_add(2));
    out.push('"');
    for c in value.chars() {
        if matches!(c, '"' | '\\' | '\'') {
            out.push('\\');
        }
        out.push(c);
    }
    out.push('"');
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn save_string_matches_xtables() {
        assert_eq!(save_string("cali-fip-snat"), "cali-fip-snat");
        assert_eq!(save_string("cali:6gwbT8clXdHdC1b1"), r#""cali:6gwbT8clXdHdC1b1""#);
        assert_eq!(save_string(""), r#""""#);
        assert_eq!(save_string(r#"say "hi" it's \ok"#), r#""say \"hi\" it\'s \\ok""#);
    }

    #[test]
    fn quote_word_leaves_options_bare() {
        assert_eq!(quote_word("!"), "!");
        assert_eq!(quote_word("--icmp-type"), "--icmp-type");
        assert_eq!(quote_word("a b"), r#""a b""#);
    }
}
