//! Splitting a command line into words, as a POSIX shell would for simple commands.
//!
//! The lab's shell runs one simple command per line: words separated by blanks, with
//! `'single'` and `"double"` quotes and backslash escapes (POSIX.1-2017 XCU 2.2 "Quoting").
//! Pipelines (`a | b`) are split into their commands; lists and redirections are refused
//! with a sentence, since nothing here has files or background processes.

/// Why a line could not be split.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum SplitError {
    /// A quote was opened and never closed; carries the quote character.
    UnterminatedQuote(char),
    /// An unquoted `;`, `&`, `<` or `>` (or `||`).
    Operator(char),
    /// A `|` with no command on one side.
    EmptyPipe,
}

impl SplitError {
    /// The message bash would print (or, for operators, the lab's explanation).
    pub fn message(&self) -> String {
        match self {
            SplitError::UnterminatedQuote(quote) => {
                format!("bash: unexpected EOF while looking for matching `{quote}'")
            }
            SplitError::Operator(operator) => format!(
                "packetlab: `{operator}` (lists and redirections) is not supported; run one command per line"
            ),
            SplitError::EmptyPipe => "bash: syntax error near unexpected token `|'".to_string(),
        }
    }
}

/// Splits `line` into words. An unquoted `#` at the start of a word starts a comment.
/// A `|` is refused here; see [`split_pipeline`].
pub fn split(line: &str) -> Result<Vec<String>, SplitError> {
    let mut pipeline = split_pipeline(line)?;
    match pipeline.len() {
        0 => Ok(Vec::new()),
        1 => Ok(pipeline.pop().unwrap_or_default()),
        _ => Err(SplitError::Operator('|')),
    }
}

/// Splits `line` into the commands of a pipeline, each a list of words.
pub fn split_pipeline(line: &str) -> Result<Vec<Vec<String>>, SplitError> {
    let mut commands: Vec<Vec<String>> = Vec::new();
    let mut words = Vec::new();
    let mut word = String::new();
    // Whether a word has started, so that `''` still yields an (empty) word.
    let mut in_word = false;
    let mut chars = line.chars();
    while let Some(c) = chars.next() {
        match c {
            ' ' | '\t' | '\n' | '\r' => {
                if in_word {
                    words.push(std::mem::take(&mut word));
                    in_word = false;
                }
            }
            '#' if !in_word => break,
            '\'' => {
                in_word = true;
                loop {
                    match chars.next() {
                        Some('\'') => break,
                        Some(inner) => word.push(inner),
                        None => return Err(SplitError::UnterminatedQuote('\'')),
                    }
                }
            }
            '"' => {
                in_word = true;
                loop {
                    match chars.next() {
                        Some('"') => break,
                        // Inside double quotes a backslash only escapes these characters.
                        Some('\\') => match chars.next() {
                            Some(escaped @ ('"' | '\\' | '$' | '`')) => word.push(escaped),
                            Some('\n') => {}
                            Some(other) => {
                                word.push('\\');
                                word.push(other);
                            }
                            None => return Err(SplitError::UnterminatedQuote('"')),
                        },
                        Some(inner) => word.push(inner),
                        None => return Err(SplitError::UnterminatedQuote('"')),
                    }
                }
            }
            '\\' => {
                in_word = true;
                match chars.next() {
                    Some('\n') | None => {}
                    Some(escaped) => word.push(escaped),
                }
            }
            '|' => {
                if in_word {
                    words.push(std::mem::take(&mut word));
                    in_word = false;
                }
                if words.is_empty() {
                    return Err(SplitError::EmptyPipe);
                }
                if chars.clone().next() == Some('|') {
                    return Err(SplitError::Operator('|'));
                }
                commands.push(std::mem::take(&mut words));
            }
            ';' | '&' | '<' | '>' => return Err(SplitError::Operator(c)),
            other => {
                in_word = true;
                word.push(other);
            }
        }
    }
    if in_word {
        words.push(word);
    }
    if words.is_empty() {
        if !commands.is_empty() {
            return Err(SplitError::EmptyPipe);
        }
    } else {
        commands.push(words);
    }
    Ok(commands)
}

#[cfg(test)]
mod tests {
    use super::{SplitError, split};

    fn words(line: &str) -> Vec<String> {
        split(line).unwrap()
    }

    #[test]
    fn blanks_separate_words() {
        assert_eq!(words("  kubectl   get\tpods "), ["kubectl", "get", "pods"]);
        assert!(words("").is_empty());
    }

    #[test]
    fn quotes_group_and_disappear() {
        assert_eq!(words(r#"iptables -S "KUBE-SERVICES""#), ["iptables", "-S", "KUBE-SERVICES"]);
        assert_eq!(words("echo 'a b'\"c d\"e"), ["echo", "a bc de"]);
        assert_eq!(words("echo '' x"), ["echo", "", "x"]);
        assert_eq!(words(r#"echo "a\"b\\c\d""#), ["echo", r#"a"b\c\d"#]);
        assert_eq!(words(r"echo 'a\b'"), ["echo", r"a\b"]);
    }

    #[test]
    fn backslash_escapes_one_character() {
        assert_eq!(words(r"echo a\ b \#c"), ["echo", "a b", "#c"]);
    }

    #[test]
    fn pipelines() {
        assert_eq!(
            super::split_pipeline("iptables-save -t nat | grep 'KUBE-SVC' |head -n 3").unwrap(),
            [vec!["iptables-save", "-t", "nat"], vec!["grep", "KUBE-SVC"], vec!["head", "-n", "3"]]
        );
        assert_eq!(super::split_pipeline("grep 'a|b'").unwrap(), [vec!["grep", "a|b"]]);
        assert!(super::split_pipeline("  # only a comment").unwrap().is_empty());
    }

    #[test]
    fn comments_start_at_a_word() {
        assert_eq!(words("kubectl get pods # all of them"), ["kubectl", "get", "pods"]);
        assert_eq!(words("echo a#b"), ["echo", "a#b"]);
    }

    #[test]
    fn errors() {
        assert_eq!(split("echo 'abc"), Err(SplitError::UnterminatedQuote('\'')));
        assert_eq!(split("echo \"abc"), Err(SplitError::UnterminatedQuote('"')));
        assert_eq!(split("iptables-save | grep KUBE"), Err(SplitError::Operator('|')));
        assert_eq!(split("kubectl get pods > out"), Err(SplitError::Operator('>')));
        assert_eq!(super::split_pipeline("a || b"), Err(SplitError::Operator('|')));
        assert_eq!(super::split_pipeline("| grep x"), Err(SplitError::EmptyPipe));
        assert_eq!(super::split_pipeline("iptables-save |"), Err(SplitError::EmptyPipe));
        assert_eq!(
            SplitError::UnterminatedQuote('\'').message(),
            "bash: unexpected EOF while looking for matching `''"
        );
        assert_eq!(words("echo 'a|b'"), ["echo", "a|b"]);
    }
}
