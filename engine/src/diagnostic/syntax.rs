//! `SyntaxError`: why the YAML scanner (saphyr-parser) stopped, as a value.
//!
//! Part of [`crate::diagnostic`], built by `yaml::load`. The scanner's messages that learners
//! meet are recognised as [`ScanMessage`] variants (their `Display` is saphyr's own text);
//! any other message is kept verbatim in [`ScanMessage::Other`]. A [`SyntaxHint`] adds the
//! usual cause (tabs, an unclosed quote or bracket, indentation).

use std::fmt;

/// The whole syntax problem.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum SyntaxError {
    /// A full-width `＃` (common when pasting from Japanese text) where a comment was meant.
    FullWidthHash,
    /// The scanner's message, with a hint when the cause is a usual one.
    Scanner { message: ScanMessage, hint: Option<SyntaxHint> },
}

impl fmt::Display for SyntaxError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SyntaxError::FullWidthHash => f.write_str(
                "`＃` is a full-width character, not `#`, so this line is not a comment and breaks the YAML; write `#`",
            ),
            SyntaxError::Scanner { message, hint: None } => write!(f, "{message}"),
            SyntaxError::Scanner { message, hint: Some(hint) } => write!(f, "{message} ({hint})"),
        }
    }
}

/// The usual cause of a scanner error.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum SyntaxHint {
    Tabs,
    UnclosedQuote,
    /// The innermost `[` or `{` still open, with its 1-based line and column.
    UnclosedBracket { bracket: char, line: usize, column: usize },
    Indentation,
}

impl fmt::Display for SyntaxHint {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SyntaxHint::Tabs => f.write_str("YAML indents with spaces; tabs are not allowed for indentation"),
            SyntaxHint::UnclosedQuote => f.write_str("a quote was opened and never closed"),
            SyntaxHint::UnclosedBracket { bracket, line, column } => {
                write!(f, "the `{bracket}` on line {line} column {column} is never closed")
            }
            SyntaxHint::Indentation => {
                f.write_str("check the indentation: the entries of one mapping or list must start in the same column")
            }
        }
    }
}

/// A message of saphyr-parser's scanner or parser (`ScanError::info`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ScanMessage {
    MappingValuesNotAllowed,
    MappingKeysNotAllowed,
    BlockEntriesNotAllowed,
    BlockMappingWithoutKey,
    BlockCollectionWithoutDash,
    FlowSequenceUnclosed,
    FlowMappingUnclosed,
    QuotedScalarUnclosed,
    QuotedScalarDocumentIndicator,
    TabIndentation,
    TabsInContext,
    TabsInBlockIndentation,
    TabInPlainScalar,
    InvalidIndentation,
    InvalidIndentationInFlow,
    SimpleKeyWithoutColon,
    UnknownAnchor,
    DuplicatedAnchor,
    NoNodeContent,
    UnexpectedEof,
    UnknownEscape,
    UnprintableCharacter,
    ColonWithoutSpace,
    DashWithoutSpace,
    MisplacedBracket,
    ContentAfterDocumentEnd,
    IllegalColon,
    QuotedScalarIndentation,
    BlockScalarTab,
    TrailingAfterQuoted,
    /// A character no YAML token starts with (`@`, a backtick).
    UnexpectedCharacter(char),
    /// A message the lab does not know, verbatim.
    Other(String),
}

/// The messages recognised, as saphyr-parser 0.3.4 spells them (`src/scanner.rs`, `src/parser.rs`).
const KNOWN: &[(&str, ScanMessage)] = &[
    ("mapping values are not allowed in this context", ScanMessage::MappingValuesNotAllowed),
    ("mapping keys are not allowed in this context", ScanMessage::MappingKeysNotAllowed),
    ("block sequence entries are not allowed in this context", ScanMessage::BlockEntriesNotAllowed),
    ("while parsing a block mapping, did not find expected key", ScanMessage::BlockMappingWithoutKey),
    ("while parsing a block collection, did not find expected '-' indicator", ScanMessage::BlockCollectionWithoutDash),
    ("while parsing a flow sequence, expected ',' or ']'", ScanMessage::FlowSequenceUnclosed),
    ("while parsing a flow mapping, did not find expected ',' or '}'", ScanMessage::FlowMappingUnclosed),
    ("while scanning a quoted scalar, found unexpected end of stream", ScanMessage::QuotedScalarUnclosed),
    ("while scanning a quoted scalar, found unexpected document indicator", ScanMessage::QuotedScalarDocumentIndicator),
    ("tab cannot be used as indentation", ScanMessage::TabIndentation),
    ("tabs disallowed in this context", ScanMessage::TabsInContext),
    ("tabs disallowed within this context (block indentation)", ScanMessage::TabsInBlockIndentation),
    ("while scanning a plain scalar, found a tab", ScanMessage::TabInPlainScalar),
    ("invalid indentation", ScanMessage::InvalidIndentation),
    ("invalid indentation in flow construct", ScanMessage::InvalidIndentationInFlow),
    ("simple key expect ':'", ScanMessage::SimpleKeyWithoutColon),
    ("while parsing node, found unknown anchor", ScanMessage::UnknownAnchor),
    ("while parsing anchor, found duplicated anchor", ScanMessage::DuplicatedAnchor),
    ("while parsing a node, did not find expected node content", ScanMessage::NoNodeContent),
    ("unexpected eof", ScanMessage::UnexpectedEof),
    ("while parsing a quoted scalar, found unknown escape character", ScanMessage::UnknownEscape),
    ("found unprintable character", ScanMessage::UnprintableCharacter),
    ("':' must be followed by a valid YAML whitespace", ScanMessage::ColonWithoutSpace),
    ("'-' must be followed by a valid YAML whitespace", ScanMessage::DashWithoutSpace),
    ("misplaced bracket", ScanMessage::MisplacedBracket),
    ("invalid content after document end marker", ScanMessage::ContentAfterDocumentEnd),
    ("illegal placement of ':' indicator", ScanMessage::IllegalColon),
    ("invalid indentation in quoted scalar", ScanMessage::QuotedScalarIndentation),
    ("a block scalar content cannot start with a tab", ScanMessage::BlockScalarTab),
    ("invalid trailing content after double-quoted scalar", ScanMessage::TrailingAfterQuoted),
];

/// saphyr's `unexpected character: `{c}'` message, around the character.
const UNEXPECTED: (&str, &str) = ("unexpected character: `", "'");

impl ScanMessage {
    /// The variant for the scanner's message `info`, or [`ScanMessage::Other`].
    pub fn recognise(info: &str) -> ScanMessage {
        let mut unexpected = info.strip_prefix(UNEXPECTED.0).and_then(|rest| rest.strip_suffix(UNEXPECTED.1)).map(str::chars);
        if let Some(character) = unexpected.as_mut().and_then(Iterator::next)
            && unexpected.is_some_and(|mut rest| rest.next().is_none())
        {
            return ScanMessage::UnexpectedCharacter(character);
        }
        KNOWN
            .iter()
            .find(|(text, _)| *text == info)
            .map(|(_, message)| message.clone())
            .unwrap_or_else(|| ScanMessage::Other(info.to_string()))
    }
}

impl fmt::Display for ScanMessage {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ScanMessage::Other(text) => return f.write_str(text),
            ScanMessage::UnexpectedCharacter(character) => {
                return write!(f, "{}{character}{}", UNEXPECTED.0, UNEXPECTED.1);
            }
            _ => {}
        }
        let text = KNOWN.iter().find(|(_, message)| message == self).map(|(text, _)| *text).unwrap_or("");
        f.write_str(text)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn known_messages_read_back_as_saphyr_wrote_them() {
        for (text, message) in KNOWN {
            assert_eq!(&ScanMessage::recognise(text), message);
            assert_eq!(message.to_string(), *text);
        }
        let other = ScanMessage::recognise("found incompatible YAML document");
        assert_eq!(other, ScanMessage::Other("found incompatible YAML document".to_string()));
        assert_eq!(other.to_string(), "found incompatible YAML document");
        let unexpected = ScanMessage::recognise("unexpected character: `@'");
        assert_eq!(unexpected, ScanMessage::UnexpectedCharacter('@'));
        assert_eq!(unexpected.to_string(), "unexpected character: `@'");
    }
}
