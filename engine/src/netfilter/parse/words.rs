//! Splitting an `iptables-restore` line into words, as `add_param_to_argv` (iptables/xshared.c) does.
//!
//! Part of parsing. Blanks separate words. A `"` opens a quoted part anywhere; inside it a
//! backslash takes the next character literally and the closing `"` also ends the word.
//! Single quotes are ordinary characters (checked with iptables v1.8.9: `'a b'` is two words).

/// One word and the 1-based column (in characters) where it starts.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Word {
    pub text: String,
    pub column: usize,
}

/// The words of a line, or the column of an unterminated quote.
pub fn split(line: &str) -> Result<Vec<Word>, usize> {
    let mut words = Vec::new();
    let mut current = String::new();
    let mut start: Option<usize> = None;
    let mut quote_open: Option<usize> = None;
    let mut escaped = false;
    for (index, c) in line.chars().enumerate() {
        let column = index.saturating_add(1);
        if quote_open.is_some() {
            if escaped {
                current.push(c);
                escaped = false;
            } else if c == '\\' {
                escaped = true;
            } else if c == '"' {
                quote_open = None;
                words.push(Word { text: std::mem::take(&mut current), column: start.take().unwrap_or(column) });
            } else {
                current.push(c);
            }
            continue;
        }
        match c {
            '"' => {
                quote_open = Some(column);
                start.get_or_insert(column);
            }
            ' ' | '\t' | '\n' | '\r' => {
                if let Some(word_start) = start.take() {
                    words.push(Word { text: std::mem::take(&mut current), column: word_start });
                }
            }
            _ => {
                start.get_or_insert(column);
                current.push(c);
            }
        }
    }
    if let Some(column) = quote_open {
        return Err(column);
    }
    if let Some(word_start) = start {
        words.push(Word { text: current, column: word_start });
    }
    Ok(words)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn texts(line: &str) -> Vec<String> {
        split(line).unwrap().into_iter().map(|word| word.text).collect()
    }

    #[test]
    fn quotes_and_escapes_like_iptables_restore() {
        assert_eq!(texts(r#"-m comment --comment "a b"  -j X"#), ["-m", "comment", "--comment", "a b", "-j", "X"]);
        assert_eq!(texts(r#"--comment "it\'s \"q\" back\\slash""#), ["--comment", r#"it's "q" back\slash"#]);
        assert_eq!(texts(r#"ab"cd ef"gh"#), ["abcd ef", "gh"]);
        assert_eq!(texts(r#"x """#), ["x", ""]);
        assert_eq!(texts("'a b'"), ["'a", "b'"]);
        assert_eq!(texts(r"a\b"), [r"a\b"]);
    }

    #[test]
    fn columns_and_unterminated_quotes() {
        let words = split(r#"-A  X "y z""#).unwrap();
        assert_eq!(words.iter().map(|word| word.column).collect::<Vec<_>>(), [1, 5, 7]);
        assert_eq!(split(r#"-A X "open"#), Err(6));
    }
}
