//! Quoting of words in `iptables-save` output, and the reverse for `iptables-restore` input.
//!
//! Part of rendering. `xtables_save_string` (libxtables/xtables.c) leaves a value bare when it
//! is non-empty and made only of `[A-Za-z0-9_-]`; otherwise it wraps it in double quotes and
//! puts a backslash before each `"`, `\` and `'`. `iptables-restore` (`add_param_to_argv`,
//! iptables/xshared.c) reads such quotes back.

use std::fmt;

/// Characters `xtables_save_string` leaves unquoted.
fn is_plain(c: char) -> bool {
    c.is_ascii_alphanumeric() || c == '_' || c == '-'
}

/// A value as `xtables_save_string` prints it (without its leading space).
pub fn save_string(value: &str) -> String {
    let mut out = String::with_capacity(value.len().saturating_add(2));
    // Writing into a String cannot fail.
    let _ = write_save_string(&mut out, value);
    out
}

/// [`save_string`] written straight into `out` (no intermediate String).
pub fn write_save_string(out: &mut impl fmt::Write, value: &str) -> fmt::Result {
    if !value.is_empty() && value.chars().all(is_plain) {
        return out.write_str(value);
    }
    write_quoted(out, value)
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
    // Writing into a String cannot fail.
    let _ = write_quoted(&mut out, value);
    out
}

/// `"value"` with `"`, `\\` and `'` escaped by a backslash, written into `out` run by run.
fn write_quoted(out: &mut impl fmt::Write, value: &str) -> fmt::Result {
    out.write_char('"')?;
    let mut rest = value;
    while let Some(index) = rest.find(['"', '\\', '\'']) {
        let (plain, special) = rest.split_at(index);
        out.write_str(plain)?;
        out.write_char('\\')?;
        let mut chars = special.chars();
        if let Some(c) = chars.next() {
            out.write_char(c)?;
        }
        rest = chars.as_str();
    }
    out.write_str(rest)?;
    out.write_char('"')
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
