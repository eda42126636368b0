//! `Shape` and `Expected`: the YAML value a field holds and the one it should hold.
//!
//! Part of [`crate::diagnostic`]. `Problem::WrongType` and `Problem::NotAnObject` carry these
//! instead of English phrases, so the app can word them in any language; the values inside
//! (a number, a text) are the user's own and stay as written.

use std::fmt;

/// What a YAML node turned out to be (`yaml::Node::describe`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Shape {
    List,
    Mapping,
    /// A scalar whose kind does not matter here (a mapping key that should be plain text).
    Scalar,
    Null,
    Bool(bool),
    /// A number, as written.
    Number(String),
    /// `yes`, `on`, `off`...: text in YAML 1.2, a boolean to Kubernetes' YAML 1.1 reader.
    Yaml11Bool(String),
    /// Text (shortened for the message).
    Text(String),
    /// A number where text belongs; quoting makes it text.
    NumberForText(String),
    /// A boolean where text belongs; quoting makes it text.
    BoolForText(String),
}

impl fmt::Display for Shape {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Shape::List => f.write_str("a list"),
            Shape::Mapping => f.write_str("a mapping"),
            Shape::Scalar => f.write_str("a scalar"),
            Shape::Null => f.write_str("null (an empty value)"),
            Shape::Bool(b) => write!(f, "the boolean {b}"),
            Shape::Number(text) => write!(f, "the number {text}"),
            Shape::Yaml11Bool(text) => write!(f, "`{text}`, which Kubernetes reads as a boolean (YAML 1.1)"),
            Shape::Text(text) => write!(f, "the text \"{text}\""),
            Shape::NumberForText(text) => {
                write!(f, "the number {text}; put it in quotes (\"{text}\") to make it text")
            }
            Shape::BoolForText(text) => {
                write!(f, "a boolean (`{text}`); put it in quotes (\"{text}\") to make it text")
            }
        }
    }
}

/// What a field should hold.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Expected {
    PlainTextKey,
    Mapping,
    MappingOfTexts,
    Text,
    /// A number written in quotes.
    UnquotedNumber,
    WholeNumber,
    /// `"true"` in quotes.
    UnquotedBoolean,
    Boolean,
    List,
    ListOfObjects,
    PortNumberOrName,
}

impl fmt::Display for Expected {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Expected::PlainTextKey => "a plain text key",
            Expected::Mapping => "a mapping (`key: value` lines)",
            Expected::MappingOfTexts => "a mapping of texts (`key: value` lines)",
            Expected::Text => "text",
            Expected::UnquotedNumber => "a number (write it without quotes)",
            Expected::WholeNumber => "a whole number",
            Expected::UnquotedBoolean => "a boolean (write true or false without quotes)",
            Expected::Boolean => "a boolean (true or false)",
            Expected::List => "a list (lines starting with `- `)",
            Expected::ListOfObjects => "a list of objects",
            Expected::PortNumberOrName => "a port number or a port name",
        })
    }
}
