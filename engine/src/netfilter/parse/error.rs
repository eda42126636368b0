//! `ParseError`: why a line of `iptables-save` / `iptables-restore` text was not understood.
//!
//! Part of parsing. Errors are values with a 1-based line and column and a sentence; parsing
//! never panics and keeps going after an error, so a learner sees every problem at once.

use std::fmt;

use crate::diagnostic::{Diagnostic, Position, Problem, Reason, Subject};

/// What went wrong.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ParseErrorKind {
    /// A `"` was opened and never closed.
    UnterminatedQuote,
    /// A line that is not `*table`, `:chain`, `COMMIT`, a comment or a command.
    UnknownLine { text: String },
    /// `*name` with a table iptables does not have.
    UnknownTable { name: String },
    /// A `:chain` line or command before any `*table` line.
    OutsideTable,
    /// A `*table` line while another table is still open.
    MissingCommit { table: String },
    /// The input ended while a table was open.
    EndWithoutCommit { table: String },
    /// A command other than `-A -I -N -X -F -P -Z`.
    UnknownCommand { command: String },
    /// An option needs a value (or two) and the line ended.
    MissingValue { option: String },
    /// An option's value is not valid; `reason` is a sentence fragment.
    BadValue { option: String, value: String, reason: String },
    /// An option no loaded match or target understands.
    UnknownOption { option: String },
    /// `!` in front of an option that cannot be inverted, or at the end of the line.
    CannotInvert { option: String },
    /// The same option given twice in one rule (iptables: "multiple -s flags not allowed").
    Repeated { option: String },
    /// `-j`/`-g` to a name that is neither a target nor a chain of the table.
    NoSuchTarget { name: String },
    /// A command names a chain that does not exist.
    NoSuchChain { chain: String },
    /// `-X` of a chain that rules still jump to.
    ChainInUse { chain: String, references: usize },
    /// `-X` or a policy on a built-in chain, or `-N` of an existing chain.
    ChainMisuse { chain: String, reason: String },
    /// A feature iptables has but the lab does not read (e.g. `-f`, `-4`/`-6` lines, several `-s` addresses).
    NotSupported { what: String },
    /// An option of the protocol's match (`--dport`) before `-p tcp`, taken by a module or
    /// target the lab does not model; iptables loads the protocol's match only after `-p`.
    BeforeProtocol { option: String, protocol: String },
}

/// One problem, located.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ParseError {
    /// 1-based line in the text.
    pub line: usize,
    /// 1-based column (characters) of the word at fault, or 1 for the whole line.
    pub column: usize,
    pub kind: ParseErrorKind,
}

impl ParseError {
    pub fn new(line: usize, column: usize, kind: ParseErrorKind) -> ParseError {
        ParseError { line, column, kind }
    }

    /// The same problem as an engine [`Diagnostic`] (an error at line:column).
    pub fn to_diagnostic(&self) -> Diagnostic {
        let problem = match &self.kind {
            ParseErrorKind::NotSupported { what } => {
                Problem::NotEmulated {
                    feature: Subject::IptablesFeature { what: what.clone() },
                    detail: Reason::NotReadByTheLab,
                }
            }
            ParseErrorKind::BadValue { option, value, reason } => {
                Problem::InvalidValue {
                    value: value.clone(),
                    reason: Reason::IptablesValue { reason: reason.clone(), option: option.clone() },
                }
            }
            _ => Problem::InvalidValue {
                value: format!("line {}", self.line),
                reason: Reason::IptablesLine { message: self.kind.to_string() },
            },
        };
        Diagnostic::error(problem).at(None, Some(Position { line: self.line, column: self.column }))
    }
}

impl fmt::Display for ParseErrorKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ParseErrorKind::UnterminatedQuote => f.write_str("a double quote is opened here and never closed"),
            ParseErrorKind::UnknownLine { text } => write!(
                f,
                "`{text}` is not a table (`*nat`), a chain (`:NAME POLICY [0:0]`), `COMMIT`, a `#` comment or a command such as `-A`"
            ),
            ParseErrorKind::UnknownTable { name } => {
                write!(f, "there is no table `{name}`; iptables has raw, mangle, nat, filter and security")
            }
            ParseErrorKind::OutsideTable => {
                f.write_str("this line comes before any `*table` line, so it belongs to no table")
            }
            ParseErrorKind::MissingCommit { table } => {
                write!(f, "a new table starts here but `*{table}` was not closed with `COMMIT`")
            }
            ParseErrorKind::EndWithoutCommit { table } => {
                write!(
                    f,
                    "the text ends but `*{table}` was not closed with `COMMIT`; iptables-restore would not apply it"
                )
            }
            ParseErrorKind::UnknownCommand { command } => {
                write!(f, "`{command}` is not a command the lab reads; use -A, -I, -N, -X, -F, -P or -Z")
            }
            ParseErrorKind::MissingValue { option } => write!(f, "`{option}` needs a value, but the line ends"),
            ParseErrorKind::BadValue { option, value, reason } => {
                write!(f, "`{value}` is not a valid value for `{option}`: {reason}")
            }
            ParseErrorKind::UnknownOption { option } => write!(
                f,
                "no match or target in this rule understands `{option}` (is a `-m MODULE` missing before it?)"
            ),
            ParseErrorKind::CannotInvert { option } => write!(f, "`!` cannot be put before `{option}`"),
            ParseErrorKind::Repeated { option } => {
                write!(f, "`{option}` is given twice; iptables allows it once per rule")
            }
            ParseErrorKind::NoSuchTarget { name } => {
                write!(f, "`{name}` is neither a target (ACCEPT, DROP, DNAT ...) nor a chain declared in this table")
            }
            ParseErrorKind::NoSuchChain { chain } => write!(f, "there is no chain `{chain}` in this table"),
            ParseErrorKind::ChainInUse { chain, references } => {
                write!(f, "the chain `{chain}` cannot be deleted: {references} rule(s) still jump to it")
            }
            ParseErrorKind::ChainMisuse { chain, reason } => write!(f, "`{chain}`: {reason}"),
            ParseErrorKind::NotSupported { what } => write!(f, "{what} is not read by the lab"),
            ParseErrorKind::BeforeProtocol { option, protocol } => write!(
                f,
                "`{option}` comes before `-p {protocol}`; iptables loads the {protocol} match for it only after `-p` (put `-p {protocol}` first, as iptables-save prints it)"
            ),
        }
    }
}

impl fmt::Display for ParseError {
    /// `line 3, column 12: sentence.`
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "line {}, column {}: {}.", self.line, self.column, self.kind)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sentences_with_position() {
        let error = ParseError::new(3, 12, ParseErrorKind::MissingValue { option: "--dport".into() });
        assert_eq!(error.to_string(), "line 3, column 12: `--dport` needs a value, but the line ends.");
        let diagnostic = error.to_diagnostic();
        assert_eq!(diagnostic.position, Some(Position { line: 3, column: 12 }));
        assert!(diagnostic.is_error());
        let bad = ParseError::new(
            1,
            5,
            ParseErrorKind::BadValue {
                option: "--dport".into(),
                value: "http".into(),
                reason: "a port is a number".into(),
            },
        );
        assert_eq!(
            bad.to_diagnostic().problem.to_string(),
            "`http` is not valid: a port is a number (the value of `--dport`)."
        );
    }
}
