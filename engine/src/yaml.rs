//! YAML text -> an owned tree of [`Node`]s with positions: the first step of the pipeline,
//! before `manifest::parse` reads Kubernetes objects out of the tree.
//!
//! This is the one module that talks to the YAML library. It pulls events from
//! `saphyr-parser` (the parser under `saphyr` 0.3.4) and builds its own tree, so it can keep
//! what Kubernetes needs and the library's loader drops or hides: the position of every key,
//! whether a scalar was quoted (`"8080"` is a string, `8080` a number), the original scalar
//! text (so a field can decide whether YAML 1.1's `yes` is a boolean, as `sigs.k8s.io/yaml`
//! would), and duplicate keys with both positions.
//!
//! Every input is bounded, and each bound gives a [`Diagnostic`] instead of a panic or a
//! hang: the input size ([`MAX_INPUT_BYTES`]), nesting depth ([`MAX_DEPTH`]; the parser is a
//! state machine, so the limit is checked on its events before any recursion of ours), alias
//! expansion ([`ALIAS_BUDGET`] nodes, against "billion laughs"), the number of documents
//! ([`MAX_DOCUMENTS`]) and of nodes ([`MAX_NODES`]).
//!
//! A syntax error loses only its own document: parsing resumes at the next `---` line, which
//! always starts a new document in YAML (even after an unterminated quote or block scalar).

use std::borrow::Cow;
use std::collections::BTreeMap;

use saphyr_parser::{Event, Parser, ScalarStyle, ScanError, Span, Tag};

use crate::diagnostic::{Diagnostic, Expected, Position, Problem, ScanMessage, Shape, SyntaxError, SyntaxHint};

/// The largest input read, in bytes (2 MiB: far more than any hand-written manifest).
pub const MAX_INPUT_BYTES: usize = 2 * 1024 * 1024;
/// The deepest nesting of lists and mappings read. Kubernetes objects, `managedFields` included,
/// stay well below this.
pub const MAX_DEPTH: usize = 64;
/// How many nodes aliases (`*name`) may copy in total, across the whole input.
pub const ALIAS_BUDGET: usize = 10_000;
/// The most documents (`---`) read.
pub const MAX_DOCUMENTS: usize = 5_000;
/// The most nodes (scalars, lists, mappings) read in total.
pub const MAX_NODES: usize = 300_000;

/// One YAML document of the input.
#[derive(Clone, Debug, PartialEq)]
pub struct Document {
    /// 0-based index of the document in the input.
    pub index: usize,
    /// Where the document's content starts.
    pub position: Position,
    /// The content; `None` for an empty document (`---` with nothing after it).
    pub root: Option<Node>,
    /// Whether an error was reported inside this document (for example a duplicate key).
    /// The tree is still given, but objects in it should be skipped.
    pub failed: bool,
}

/// A value with the position where it starts in the whole input (1-based line and column).
#[derive(Clone, Debug, PartialEq)]
pub struct Node {
    pub position: Position,
    pub value: Value,
}

/// A YAML value. Scalars keep their text; [`Scalar::resolve`] tells what type YAML gives them.
#[derive(Clone, Debug, PartialEq)]
pub enum Value {
    Scalar(Scalar),
    Seq(Vec<Node>),
    /// Entries in the order written. Keys are unique (duplicates are reported and the later
    /// entry dropped).
    Map(Vec<Entry>),
}

/// One `key: value` entry of a mapping.
#[derive(Clone, Debug, PartialEq)]
pub struct Entry {
    /// The key's text. Non-scalar keys (`? [a, b]`) are reported and dropped.
    pub key: String,
    /// Where the key starts.
    pub key_position: Position,
    pub value: Node,
}

/// A scalar as written.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Scalar {
    /// The text after unescaping (quotes removed, block scalars folded).
    pub text: String,
    /// Whether the scalar was quoted, a block scalar (`|`, `>`) or tagged `!!str`:
    /// then it is always a string.
    pub quoted: bool,
}

/// The type the YAML 1.2 core schema gives a scalar (JSON-compatible; what `sigs.k8s.io/yaml`
/// gives for everything except YAML 1.1's extra booleans, see [`Scalar::yaml11_bool`]).
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Resolved {
    Null,
    Bool(bool),
    Int(i64),
    /// A float (`1.5`, `1e3`, `.inf`, `.nan`, an integer too big for `i64`). Only its type
    /// matters to a Kubernetes object (no field the lab reads is a float), so its value is not
    /// computed: that keeps Rust's float parser out of the page's wasm.
    Float,
    Str,
}

impl Scalar {
    /// The YAML 1.2 core schema type of this scalar (`null`, `~`, `true`, `8080`, `0x1F`,
    /// `1.5`, ... when plain; always [`Resolved::Str`] when quoted).
    pub fn resolve(&self) -> Resolved {
        if self.quoted {
            return Resolved::Str;
        }
        let text = self.text.as_str();
        match text {
            "" | "~" | "null" | "Null" | "NULL" => return Resolved::Null,
            "true" | "True" | "TRUE" => return Resolved::Bool(true),
            "false" | "False" | "FALSE" => return Resolved::Bool(false),
            _ => {}
        }
        if let Some(value) = parse_int(text) {
            return Resolved::Int(value);
        }
        if looks_like_float(text) {
            return Resolved::Float;
        }
        match text {
            ".inf" | ".Inf" | ".INF" | "+.inf" | "+.Inf" | "+.INF" | "-.inf" | "-.Inf" | "-.INF" | ".nan" | ".NaN" | ".NAN" => {
                Resolved::Float
            }
            _ => Resolved::Str,
        }
    }

    /// YAML 1.1's extra booleans (`yes`, `no`, `on`, `off`, `y`, `n` in their cases), which
    /// `sigs.k8s.io/yaml` (go-yaml v2) still reads as booleans in plain scalars.
    pub fn yaml11_bool(&self) -> Option<bool> {
        if self.quoted {
            return None;
        }
        match self.text.as_str() {
            "y" | "Y" | "yes" | "Yes" | "YES" | "on" | "On" | "ON" => Some(true),
            "n" | "N" | "no" | "No" | "NO" | "off" | "Off" | "OFF" => Some(false),
            _ => None,
        }
    }
}

fn parse_int(text: &str) -> Option<i64> {
    let (negative, digits) = match text.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, text.strip_prefix('+').unwrap_or(text)),
    };
    let magnitude = if let Some(hex) = digits.strip_prefix("0x") {
        if negative || hex.is_empty() || !hex.bytes().all(|b| b.is_ascii_hexdigit()) {
            return None;
        }
        i64::from_str_radix(hex, 16).ok()?
    } else if let Some(oct) = digits.strip_prefix("0o") {
        if negative || oct.is_empty() || !oct.bytes().all(|b| (b'0'..=b'7').contains(&b)) {
            return None;
        }
        i64::from_str_radix(oct, 8).ok()?
    } else {
        if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
        digits.parse::<i64>().ok()?
    };
    Some(if negative { magnitude.checked_neg()? } else { magnitude })
}

/// The YAML 1.2 core schema float pattern: `[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?`.
/// The core schema's float syntax, `[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?`
/// (YAML 1.2.2, 10.3.2), which Rust's `f64` parser accepts too (checked in the tests).
fn looks_like_float(text: &str) -> bool {
    let body = text.strip_prefix(['-', '+']).unwrap_or(text);
    let (mantissa, exponent) = match body.find(['e', 'E']) {
        Some(at) => (body.get(..at).unwrap_or(""), body.get(at.saturating_add(1)..)),
        None => (body, None),
    };
    let (whole, fraction) = match mantissa.split_once('.') {
        Some((whole, fraction)) => (whole, Some(fraction)),
        None => (mantissa, None),
    };
    let digits = |s: &str| s.bytes().all(|b| b.is_ascii_digit());
    let mantissa_ok = match fraction {
        Some(fraction) => digits(whole) && digits(fraction) && !(whole.is_empty() && fraction.is_empty()),
        None => !whole.is_empty() && digits(whole),
    };
    let exponent_ok = match exponent {
        None => true,
        Some(e) => {
            let e = e.strip_prefix(['-', '+']).unwrap_or(e);
            !e.is_empty() && digits(e)
        }
    };
    mantissa_ok && exponent_ok
}

impl Node {
    /// The scalar, if this node is one.
    pub fn scalar(&self) -> Option<&Scalar> {
        match &self.value {
            Value::Scalar(scalar) => Some(scalar),
            _ => None,
        }
    }

    /// Whether this is a `null` (or empty) scalar, which Kubernetes treats as an absent field.
    pub fn is_null(&self) -> bool {
        matches!(self.scalar().map(Scalar::resolve), Some(Resolved::Null))
    }

    /// The value of `key` if this node is a mapping that has it.
    pub fn get(&self, key: &str) -> Option<&Node> {
        match &self.value {
            Value::Map(entries) => entries.iter().find(|e| e.key == key).map(|e| &e.value),
            _ => None,
        }
    }

    /// The text of a string-like scalar (not quoted-ness checked), for peeking at
    /// `apiVersion`, `kind` and `metadata.name` before an object is decoded.
    pub fn text(&self) -> Option<&str> {
        self.scalar().map(|s| s.text.as_str())
    }

    /// A short description for "expected X, found Y" sentences: `a list`, `a mapping`,
    /// `the number 8080`, `the text "abc"`, `null`.
    pub fn describe(&self) -> Shape {
        match &self.value {
            Value::Seq(_) => Shape::List,
            Value::Map(_) => Shape::Mapping,
            Value::Scalar(scalar) => match scalar.resolve() {
                Resolved::Null => Shape::Null,
                Resolved::Bool(b) => Shape::Bool(b),
                Resolved::Int(_) | Resolved::Float => Shape::Number(scalar.text.clone()),
                Resolved::Str if scalar.yaml11_bool().is_some() => Shape::Yaml11Bool(scalar.text.clone()),
                Resolved::Str => Shape::Text(shorten(&scalar.text)),
            },
        }
    }
}

/// Shortens long texts for messages (by characters, never splitting one).
pub fn shorten(text: &str) -> String {
    const MAX: usize = 60;
    if text.chars().count() <= MAX {
        text.to_string()
    } else {
        let mut out: String = text.chars().take(MAX).collect();
        out.push('…');
        out
    }
}

/// Reads every YAML document of `text`. Never fails: problems come back as diagnostics, and a
/// document with a syntax error is left out while the documents around it are kept.
pub fn load(text: &str) -> (Vec<Document>, Vec<Diagnostic>) {
    if text.len() > MAX_INPUT_BYTES {
        let diagnostic = Diagnostic::error(Problem::InputTooLarge {
            bytes: text.len(),
            limit: MAX_INPUT_BYTES,
        })
        .at(None, Some(Position { line: 1, column: 1 }));
        return (Vec::new(), vec![diagnostic]);
    }
    let part = load_part(text, Place::default(), Counts::default(), None);
    (part.documents, part.diagnostics)
}

/// Where [`load_part`] picks up a load of the whole text: the start of the current run (the
/// text since the start, or since the `---` line the load resumed at after a syntax error),
/// and the line start where parsing goes on (the run's start, or a later `---` line).
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub(crate) struct Place {
    /// Byte offset of the run's start in the whole text.
    pub run_start: usize,
    /// Lines before `run_start`.
    pub run_line: usize,
    /// Byte offset where parsing goes on (`run_start` or later, at a line start).
    pub start: usize,
    /// Lines before `start`.
    pub line: usize,
}

/// What the load has used of the input's limits so far.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub(crate) struct Counts {
    /// Documents read (the index the next one gets).
    pub documents: usize,
    /// Nodes read ([`MAX_NODES`]).
    pub nodes: usize,
    /// Nodes copied by aliases ([`ALIAS_BUDGET`]).
    pub alias_nodes: usize,
}

/// Why [`load_part`] stopped.
#[derive(Clone, Copy, Debug, PartialEq)]
pub(crate) enum End {
    /// The stream ended, or nothing more is read (no `---` line to resume at after a syntax
    /// error, or [`MAX_DOCUMENTS`] reached after one).
    Finished,
    /// A limit was hit; nothing more is read.
    Stopped,
    /// A document starts on this 1-based line, at or after the `stop` line; the run goes on there.
    Boundary { line: usize },
    /// After a syntax error, a new run starts at the `---` line at this byte offset, with this
    /// many lines before it.
    Resumed { byte: usize, line: usize },
}

/// Documents read by [`load_part`], and what they used of the limits.
#[derive(Debug)]
pub(crate) struct Part {
    pub documents: Vec<Document>,
    pub diagnostics: Vec<Diagnostic>,
    pub end: End,
    /// The counts after this part.
    pub counts: Counts,
    /// The most documents this part had read itself when one of its documents started (the
    /// start checked against [`MAX_DOCUMENTS`] with the documents before it added).
    pub peak: Option<usize>,
    /// Syntax errors met (each one restarts the parser).
    pub failures: usize,
    /// Whether an alias named an anchor the parser did not know: in a part that starts
    /// after the run's start, the anchor may be in a document before it.
    pub unknown_anchor: bool,
    /// Where the run the part ended in started: the byte offset and the lines before it.
    pub run: (usize, usize),
}

/// Goes on with a load of `text` from `place` with `counts` used, exactly as [`load`] would
/// read on from there: until the end or, with `stop` (a 1-based line starting with `---`),
/// until a document starts on that line or a syntax error resumes at or after it.
///
/// The parser starts afresh at `place.start`, which is how a load goes on after a document
/// ends at a `---` line, except for anchors: those of earlier documents of the run are not
/// known ([`Part::unknown_anchor`]).
pub(crate) fn load_part(text: &str, place: Place, counts: Counts, stop: Option<usize>) -> Part {
    let mut builder = Builder {
        base: counts.documents,
        nodes: counts.nodes,
        alias_nodes: counts.alias_nodes,
        stop,
        ..Builder::default()
    };
    let mut diagnostics = Vec::new();
    let mut failures = 0usize;
    // The run: the text from its start, the lines before it, and where parsing goes on in it.
    let mut context_byte = place.run_start;
    let mut context = text.get(place.run_start..).unwrap_or("");
    let mut offset_line = place.run_line;
    let mut start = place.start.saturating_sub(place.run_start);
    let mut skip_lines = place.line.saturating_sub(place.run_line);
    let end = loop {
        let outcome = builder.run(context, start, skip_lines, offset_line, &mut diagnostics);
        match outcome {
            Outcome::Finished => break End::Finished,
            Outcome::Stopped => break End::Stopped,
            Outcome::Boundary { line } => break End::Boundary { line },
            Outcome::Failed { line } => {
                failures = failures.saturating_add(1);
                // `line` is 1-based within the run; find the next document marker after it.
                match next_document_marker(context, line) {
                    Some((skip, byte)) => {
                        offset_line = offset_line.saturating_add(skip);
                        context_byte = context_byte.saturating_add(byte);
                        context = context.get(byte..).unwrap_or("");
                        start = 0;
                        skip_lines = 0;
                    }
                    None => break End::Finished,
                }
            }
        }
        if builder.next_index() >= MAX_DOCUMENTS {
            break End::Finished;
        }
        if stop.is_some_and(|stop| offset_line.saturating_add(1) >= stop) {
            break End::Resumed {
                byte: context_byte,
                line: offset_line,
            };
        }
    };
    Part {
        counts: Counts {
            documents: builder.next_index(),
            nodes: builder.nodes,
            alias_nodes: builder.alias_nodes,
        },
        peak: builder.peak,
        unknown_anchor: builder.unknown_anchor,
        run: (context_byte, offset_line),
        documents: builder.documents,
        diagnostics,
        end,
        failures,
    }
}

/// How many lines of `text` from 0-based line `from_line` on start with `---` (lines as
/// [`str::lines`] cuts them).
fn lines_starting_with_dashes(text: &str, from_line: usize) -> usize {
    let mut rest = text;
    for _ in 0..from_line {
        match rest.find('\n') {
            Some(at) => rest = rest.get(at.saturating_add(1)..).unwrap_or(""),
            None => return 0,
        }
    }
    usize::from(rest.starts_with("---")).saturating_add(rest.matches("\n---").count())
}

/// Whether a line (with or without its line break) is a document marker: `---` followed by
/// a space, a tab or the end of the line.
pub(crate) fn is_document_marker(line: &str) -> bool {
    let trimmed = line.trim_end_matches(['\n', '\r']);
    trimmed
        .strip_prefix("---")
        .is_some_and(|after| after.is_empty() || after.starts_with([' ', '\t']))
}

/// The first line from 1-based `line` on (but not the chunk's first line) that starts with `---` (followed by a space or the end
/// of the line): how many lines to skip and the byte offset of that line.
fn next_document_marker(text: &str, line: usize) -> Option<(usize, usize)> {
    let mut byte = 0usize;
    for (number, content) in text.split_inclusive('\n').enumerate() {
        let this_line = number.saturating_add(1);
        // The chunk's own first line may be the `---` that started it: never resume there.
        if this_line >= line && number > 0 && is_document_marker(content) {
            return Some((number, byte));
        }
        byte = byte.saturating_add(content.len());
    }
    None
}

enum Outcome {
    /// The stream ended normally.
    Finished,
    /// A limit was hit; nothing more is read.
    Stopped,
    /// A syntax error on this 1-based line of the current run.
    Failed { line: usize },
    /// A document starts on this 1-based line, at or after [`Builder::stop`].
    Boundary { line: usize },
}

/// A collection being built.
enum Open {
    Seq {
        position: Position,
        anchor: usize,
        items: Vec<Node>,
    },
    Map {
        position: Position,
        anchor: usize,
        entries: Vec<Entry>,
        /// The keys so far and the line of each, so duplicates are found in log time.
        seen: BTreeMap<String, usize>,
        key: Option<(String, Position)>,
        bad_key: bool,
    },
}

#[derive(Default)]
struct Builder {
    /// The documents read, the first one with index `base`.
    documents: Vec<Document>,
    /// Documents read before this builder's (see [`load_part`]).
    base: usize,
    /// Anchors of the current document chunk: the node and its depth.
    anchors: BTreeMap<usize, (Node, usize)>,
    alias_nodes: usize,
    nodes: usize,
    /// Stop when a document starts on this 1-based line.
    stop: Option<usize>,
    /// The most documents this builder had read when one of its documents started.
    peak: Option<usize>,
    unknown_anchor: bool,
}

impl Builder {
    /// The index of the next document.
    fn next_index(&self) -> usize {
        self.base.saturating_add(self.documents.len())
    }

    /// Parses `context` (the run: the text from the start or from the `---` line the load
    /// resumed at) from byte `start`, which has `skip_lines` lines of the run before it; the
    /// run has `offset_line` lines of the whole text before it.
    fn run(
        &mut self,
        context: &str,
        start: usize,
        skip_lines: usize,
        offset_line: usize,
        diagnostics: &mut Vec<Diagnostic>,
    ) -> Outcome {
        let text = context.get(start..).unwrap_or("");
        let lines_before = skip_lines.saturating_add(offset_line);
        let mut parser = Parser::new_from_str(text);
        let mut stack: Vec<Open> = Vec::new();
        let mut root: Option<Node> = None;
        let mut doc_position = Position {
            line: lines_before.saturating_add(1),
            column: 1,
        };
        let mut in_document = false;
        let mut failed = false;
        self.anchors.clear();
        let position = |span: &Span| Position {
            line: span.start.line().saturating_add(lines_before),
            column: span.start.col().saturating_add(1),
        };
        loop {
            let Some(next) = parser.next_event() else {
                return Outcome::Finished;
            };
            let (event, span) = match next {
                Ok(pair) => pair,
                Err(error) if error.info().contains("recursion limit") => {
                    // The scanner counts flow brackets itself and may stop before our depth check.
                    let index = self.next_index();
                    let marker = error.marker();
                    diagnostics.push(Diagnostic::error(Problem::TooDeep { limit: MAX_DEPTH }).at(
                        Some(index),
                        Some(Position {
                            line: marker.line().saturating_add(lines_before),
                            column: marker.col().saturating_add(1),
                        }),
                    ));
                    self.push_document(index, doc_position, None, true);
                    return Outcome::Stopped;
                }
                Err(error) => {
                    let index = self.next_index();
                    if error.info().contains("unknown anchor") {
                        self.unknown_anchor = true;
                    }
                    diagnostics.push(syntax_error(context, &error, skip_lines, offset_line, index));
                    self.push_document(index, doc_position, None, true);
                    return Outcome::Failed {
                        line: error.marker().line().saturating_add(skip_lines),
                    };
                }
            };
            let here = position(&span);
            let index = self.next_index();
            let mut finished: Option<Node> = None;
            match event {
                Event::StreamStart | Event::Nothing => {}
                Event::StreamEnd => return Outcome::Finished,
                Event::DocumentStart(_) => {
                    if self.stop.is_some_and(|stop| here.line >= stop) {
                        return Outcome::Boundary { line: here.line };
                    }
                    if index >= MAX_DOCUMENTS {
                        // Every line starting with `---` from here on starts one more document.
                        let from_line = span.start.line().saturating_sub(1);
                        let more = lines_starting_with_dashes(text, from_line).max(1);
                        diagnostics.push(
                            Diagnostic::warning(Problem::TooManyObjects {
                                count: MAX_DOCUMENTS.saturating_add(more),
                                limit: MAX_DOCUMENTS,
                            })
                            .at(Some(index), Some(here)),
                        );
                        return Outcome::Stopped;
                    }
                    self.peak = self.peak.max(Some(self.documents.len()));
                    in_document = true;
                    failed = false;
                    root = None;
                    doc_position = here;
                }
                Event::DocumentEnd => {
                    if in_document {
                        self.push_document(index, doc_position, root.take(), failed);
                    }
                    in_document = false;
                }
                Event::SequenceStart(anchor, _) | Event::MappingStart(anchor, _) => {
                    if stack.len() >= MAX_DEPTH {
                        diagnostics
                            .push(Diagnostic::error(Problem::TooDeep { limit: MAX_DEPTH }).at(Some(index), Some(here)));
                        self.push_document(index, doc_position, None, true);
                        return Outcome::Stopped;
                    }
                    if !self.count_nodes(1, index, here, diagnostics) {
                        return Outcome::Stopped;
                    }
                    if matches!(event, Event::SequenceStart(..)) {
                        stack.push(Open::Seq {
                            position: here,
                            anchor,
                            items: Vec::new(),
                        });
                    } else {
                        stack.push(Open::Map {
                            position: here,
                            anchor,
                            entries: Vec::new(),
                            seen: BTreeMap::new(),
                            key: None,
                            bad_key: false,
                        });
                    }
                }
                Event::SequenceEnd | Event::MappingEnd => {
                    let node = match stack.pop() {
                        Some(Open::Seq {
                            position,
                            anchor,
                            items,
                        }) => self.remember(
                            anchor,
                            Node {
                                position,
                                value: Value::Seq(items),
                            },
                        ),
                        Some(Open::Map {
                            position,
                            anchor,
                            entries,
                            ..
                        }) => {
                            let entries = merge_keys(entries);
                            self.remember(
                                anchor,
                                Node {
                                    position,
                                    value: Value::Map(entries),
                                },
                            )
                        }
                        None => continue,
                    };
                    finished = Some(node);
                }
                Event::Scalar(text, style, anchor, tag) => {
                    if !self.count_nodes(1, index, here, diagnostics) {
                        return Outcome::Stopped;
                    }
                    let quoted = !matches!(style, ScalarStyle::Plain) || is_str_tag(tag.as_ref());
                    let node = Node {
                        position: here,
                        value: Value::Scalar(Scalar {
                            text: text.into_owned(),
                            quoted,
                        }),
                    };
                    finished = Some(self.remember(anchor, node));
                }
                Event::Alias(id) => {
                    let Some((node, depth)) = self.anchors.get(&id).cloned() else {
                        // The parser already refuses unknown aliases; stay safe anyway.
                        continue;
                    };
                    if stack.len().saturating_add(depth) > MAX_DEPTH {
                        diagnostics
                            .push(Diagnostic::error(Problem::TooDeep { limit: MAX_DEPTH }).at(Some(index), Some(here)));
                        self.push_document(index, doc_position, None, true);
                        return Outcome::Stopped;
                    }
                    let size = count_tree(&node);
                    self.alias_nodes = self.alias_nodes.saturating_add(size);
                    if self.alias_nodes > ALIAS_BUDGET {
                        diagnostics.push(
                            Diagnostic::error(Problem::AliasBudgetExceeded { limit: ALIAS_BUDGET })
                                .at(Some(index), Some(here)),
                        );
                        self.push_document(index, doc_position, None, true);
                        return Outcome::Stopped;
                    }
                    if !self.count_nodes(size, index, here, diagnostics) {
                        return Outcome::Stopped;
                    }
                    // The copy keeps the anchor's positions; the alias position is where it is used.
                    finished = Some(Node {
                        position: here,
                        value: node.value,
                    });
                }
            }
            let mut duplicate: Option<(String, Position, usize)> = None;
            if let Some(node) = finished {
                match stack.last_mut() {
                    None => root = Some(node),
                    Some(Open::Seq { items, .. }) => items.push(node),
                    Some(Open::Map {
                        entries,
                        seen,
                        key,
                        bad_key,
                        ..
                    }) => {
                        if *bad_key {
                            *bad_key = false;
                        } else if let Some((key_text, key_position)) = key.take() {
                            if let Some(first_line) = seen.get(&key_text) {
                                duplicate = Some((key_text, key_position, *first_line));
                                failed = true;
                            } else {
                                seen.insert(key_text.clone(), key_position.line);
                                entries.push(Entry {
                                    key: key_text,
                                    key_position,
                                    value: node,
                                });
                            }
                        } else {
                            match node.value {
                                Value::Scalar(scalar) => *key = Some((scalar.text, node.position)),
                                _ => {
                                    diagnostics.push(
                                        Diagnostic::error(Problem::WrongType {
                                            expected: Expected::PlainTextKey,
                                            found: describe_value(&node.value),
                                        })
                                        .at(Some(index), Some(node.position)),
                                    );
                                    failed = true;
                                    *bad_key = true;
                                }
                            }
                        }
                    }
                }
            }
            if let Some((key, position, first_line)) = duplicate {
                diagnostics.push(
                    Diagnostic::error(Problem::DuplicateKey {
                        key: key.clone(),
                        first_line,
                    })
                    .at(Some(index), Some(position))
                    .with_path(open_path(&stack, &key)),
                );
            }
        }
    }

    fn push_document(&mut self, index: usize, position: Position, root: Option<Node>, failed: bool) {
        self.documents.push(Document {
            index,
            position,
            root,
            failed,
        });
    }

    /// Keeps a copy of an anchored node (`&name`) with its depth, for later aliases.
    fn remember(&mut self, anchor: usize, node: Node) -> Node {
        if anchor > 0 {
            let depth = tree_depth(&node, 0);
            self.anchors.insert(anchor, (node.clone(), depth));
        }
        node
    }

    fn count_nodes(&mut self, count: usize, index: usize, here: Position, diagnostics: &mut Vec<Diagnostic>) -> bool {
        self.nodes = self.nodes.saturating_add(count);
        if self.nodes > MAX_NODES {
            diagnostics
                .push(Diagnostic::error(Problem::TooManyValues { limit: MAX_NODES }).at(Some(index), Some(here)));
            return false;
        }
        true
    }
}

fn is_str_tag(tag: Option<&Cow<'_, Tag>>) -> bool {
    tag.is_some_and(|tag| tag.handle == "tag:yaml.org,2002:" && tag.suffix == "str")
}

fn describe_value(value: &Value) -> Shape {
    match value {
        Value::Seq(_) => Shape::List,
        Value::Map(_) => Shape::Mapping,
        Value::Scalar(_) => Shape::Scalar,
    }
}

/// The field path (`spec.ports[0].port`) of `key` in the innermost open mapping.
fn open_path(stack: &[Open], key: &str) -> String {
    let mut path = String::new();
    let push_key = |path: &mut String, key: &str| {
        if !path.is_empty() {
            path.push('.');
        }
        path.push_str(key);
    };
    for open in stack.iter().take(stack.len().saturating_sub(1)) {
        match open {
            Open::Seq { items, .. } => path.push_str(&format!("[{}]", items.len())),
            Open::Map {
                key: Some((pending, _)),
                ..
            } => push_key(&mut path, pending),
            Open::Map { .. } => {}
        }
    }
    push_key(&mut path, key);
    path
}

/// Applies YAML merge keys (`<<: *defaults`), which go-yaml and so `sigs.k8s.io/yaml`
/// support: the merged mapping's entries (or those of each mapping in a merged list, earlier
/// ones first) are added unless the mapping already has the key.
/// (<https://yaml.org/type/merge.html>)
fn merge_keys(entries: Vec<Entry>) -> Vec<Entry> {
    if !entries.iter().any(|e| e.key == MERGE_KEY) {
        return entries;
    }
    let (merges, mut out): (Vec<Entry>, Vec<Entry>) = entries.into_iter().partition(|e| e.key == MERGE_KEY);
    let mut present: std::collections::BTreeSet<String> = crate::sort::set_of(out.iter().map(|e| e.key.clone()));
    for merge in merges {
        let sources: Vec<Node> = match merge.value.value {
            Value::Map(_) => vec![merge.value],
            Value::Seq(items) => items,
            Value::Scalar(_) => Vec::new(),
        };
        for source in sources {
            if let Value::Map(source_entries) = source.value {
                for entry in source_entries {
                    if present.insert(entry.key.clone()) {
                        out.push(entry);
                    }
                }
            }
        }
    }
    out
}

/// The merge key. (A quoted `"<<"` is also treated as one; no manifest uses that key.)
const MERGE_KEY: &str = "<<";

/// The number of nodes in a tree (bounded by [`MAX_DEPTH`] in depth, so recursion is safe).
fn count_tree(node: &Node) -> usize {
    match &node.value {
        Value::Scalar(_) => 1,
        Value::Seq(items) => items
            .iter()
            .fold(1usize, |sum, item| sum.saturating_add(count_tree(item))),
        Value::Map(entries) => entries.iter().fold(1usize, |sum, entry| {
            sum.saturating_add(1).saturating_add(count_tree(&entry.value))
        }),
    }
}

/// How many collection levels a tree has (0 for a scalar).
fn tree_depth(node: &Node, above: usize) -> usize {
    match &node.value {
        Value::Scalar(_) => above,
        Value::Seq(items) => items
            .iter()
            .map(|item| tree_depth(item, above.saturating_add(1)))
            .max()
            .unwrap_or(above.saturating_add(1)),
        Value::Map(entries) => entries
            .iter()
            .map(|entry| tree_depth(&entry.value, above.saturating_add(1)))
            .max()
            .unwrap_or(above.saturating_add(1)),
    }
}

/// Rewords the parser's messages into a learner's sentence fragment, with a hint for the
/// usual causes (tabs, unclosed quotes and brackets, bad indentation, a full-width `＃`).
/// `text` is the run being parsed, which starts at line `offset_line + 1` of the input; the
/// parser started `skip_lines` lines into it.
fn syntax_error(text: &str, error: &ScanError, skip_lines: usize, offset_line: usize, document: usize) -> Diagnostic {
    let marker = error.marker();
    let info = error.info();
    let mut line = marker.line().saturating_add(skip_lines);
    let mut column = marker.col().saturating_add(1);
    let scanned = ScanMessage::recognise(info);
    let mut hint = None;
    let line_text = |number: usize| text.lines().nth(number.saturating_sub(1)).unwrap_or("");
    // A full-width `＃` (common when pasting from Japanese text) is not a comment.
    let fullwidth = text
        .lines()
        .enumerate()
        .take(line)
        .find(|(_, content)| content.trim_start().starts_with('＃'));
    if let Some((index, content)) = fullwidth {
        line = index.saturating_add(1);
        column = content.chars().take_while(|c| *c == ' ').count().saturating_add(1);
    } else if info.contains("tab") {
        if let Some(at) = line_text(line).chars().position(|c| c == '\t') {
            column = at.saturating_add(1);
        }
        hint = Some(SyntaxHint::Tabs);
    } else if info.contains("quoted scalar") {
        hint = Some(SyntaxHint::UnclosedQuote);
    } else if info.contains("flow sequence") || info.contains("flow mapping") || info.contains("':' indicator") {
        if let Some((open, open_line, open_column)) = unclosed_bracket(text, line, column) {
            hint = Some(SyntaxHint::UnclosedBracket {
                bracket: open,
                line: open_line.saturating_add(offset_line),
                column: open_column,
            });
        }
    } else if info.contains("block collection") || info.contains("block mapping") || info.contains("mapping values") {
        hint = Some(SyntaxHint::Indentation);
    }
    let message = if fullwidth.is_some() {
        SyntaxError::FullWidthHash
    } else {
        SyntaxError::Scanner { message: scanned, hint }
    };
    Diagnostic::error(Problem::Syntax { message }).at(
        Some(document),
        Some(Position {
            line: line.saturating_add(offset_line),
            column,
        }),
    )
}

/// The innermost `[` or `{` still open before 1-based `line`:`column`, skipping quoted text
/// and comments: the bracket, its line and its column.
fn unclosed_bracket(text: &str, line: usize, column: usize) -> Option<(char, usize, usize)> {
    let mut stack: Vec<(char, usize, usize)> = Vec::new();
    for (index, content) in text.lines().enumerate().take(line) {
        let number = index.saturating_add(1);
        let mut quote: Option<char> = None;
        let mut previous = ' ';
        for (at, c) in content.chars().enumerate() {
            if number == line && at.saturating_add(1) >= column {
                break;
            }
            match quote {
                Some(q) if c == q => quote = None,
                Some(_) => {}
                None => match c {
                    '"' | '\'' => quote = Some(c),
                    '#' if previous == ' ' || previous == '\t' => break,
                    '[' | '{' => stack.push((c, number, at.saturating_add(1))),
                    ']' | '}' => {
                        stack.pop();
                    }
                    _ => {}
                },
            }
            previous = c;
        }
    }
    stack.pop()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn scalar(text: &str, quoted: bool) -> Scalar {
        Scalar {
            text: text.to_string(),
            quoted,
        }
    }

    #[test]
    fn what_looks_like_a_float_parses_as_one() {
        let samples = ["0", "1.", ".5", "+1.5", "-0.0e+0", "1E9", "99999999999999999999", "007.50", "1e-400"];
        for text in samples {
            assert!(looks_like_float(text), "{text}");
            assert!(text.parse::<f64>().is_ok(), "{text}");
        }
        for text in [".", "e5", "1e", "1.5.2", "0x1p3", "inf", "NaN", "1_000.0", "", "-", "+."] {
            assert!(!looks_like_float(text), "{text}");
        }
    }

    #[test]
    fn core_schema_resolution() {
        assert_eq!(scalar("8080", false).resolve(), Resolved::Int(8080));
        assert_eq!(scalar("8080", true).resolve(), Resolved::Str);
        assert_eq!(scalar("0x1F", false).resolve(), Resolved::Int(31));
        assert_eq!(scalar("-12", false).resolve(), Resolved::Int(-12));
        assert_eq!(scalar("1.5", false).resolve(), Resolved::Float);
        assert_eq!(scalar("1e3", false).resolve(), Resolved::Float);
        assert_eq!(scalar("-.5E-2", false).resolve(), Resolved::Float);
        assert_eq!(scalar("-.inf", false).resolve(), Resolved::Float);
        assert_eq!(scalar("1.5.2", false).resolve(), Resolved::Str);
        assert_eq!(scalar("1e", false).resolve(), Resolved::Str);
        assert_eq!(scalar("~", false).resolve(), Resolved::Null);
        assert_eq!(scalar("True", false).resolve(), Resolved::Bool(true));
        assert_eq!(scalar("yes", false).resolve(), Resolved::Str);
        assert_eq!(scalar("yes", false).yaml11_bool(), Some(true));
        assert_eq!(scalar("10.0.0.1", false).resolve(), Resolved::Str);
        assert_eq!(scalar("99999999999999999999", false).resolve(), Resolved::Float);
        assert_eq!(scalar(".", false).resolve(), Resolved::Str);
    }

    #[test]
    fn positions_are_one_based_and_keys_keep_theirs() {
        let (documents, diagnostics) = load("a: 1\nb:\n  - \"x\"\n");
        assert!(diagnostics.is_empty());
        let root = documents[0].root.as_ref().unwrap();
        let Value::Map(entries) = &root.value else { panic!() };
        assert_eq!(entries[1].key, "b");
        assert_eq!(entries[1].key_position, Position { line: 2, column: 1 });
        let item = &root.get("b").unwrap();
        let Value::Seq(items) = &item.value else { panic!() };
        assert_eq!(items[0].position, Position { line: 3, column: 5 });
        assert_eq!(items[0].scalar().unwrap(), &scalar("x", true));
    }

    #[test]
    fn merge_keys_and_aliases() {
        let text = "base: &base {app: web, tier: front}\nlabels:\n  <<: *base\n  tier: back\n";
        let (documents, diagnostics) = load(text);
        assert!(diagnostics.is_empty());
        let labels = documents[0].root.as_ref().unwrap().get("labels").unwrap();
        assert_eq!(labels.get("app").and_then(Node::text), Some("web"));
        assert_eq!(labels.get("tier").and_then(Node::text), Some("back"));
        assert!(labels.get("<<").is_none());
    }

    #[test]
    fn aliases_count_toward_depth() {
        // The anchor is 40 levels deep and is used 40 levels down: 80 > MAX_DEPTH.
        let deep = format!("{}1{}", "[".repeat(40), "]".repeat(40));
        let text = format!("a: &x {deep}\nb: {}*x{}\n", "[".repeat(39), "]".repeat(39));
        let (_, diagnostics) = load(&text);
        assert_eq!(diagnostics.len(), 1);
        assert_eq!(diagnostics[0].problem, Problem::TooDeep { limit: MAX_DEPTH });
    }

    #[test]
    fn syntax_errors_are_typed() {
        let (_, diagnostics) = load("a: [1, 2\nb: 3\n");
        let Some(Problem::Syntax { message: SyntaxError::Scanner { message, hint } }) =
            diagnostics.first().map(|d| &d.problem)
        else {
            panic!("{diagnostics:?}");
        };
        assert!(!matches!(message, ScanMessage::Other(_)), "{message:?}");
        assert_eq!(hint, &Some(SyntaxHint::UnclosedBracket { bracket: '[', line: 1, column: 4 }));
        let (_, diagnostics) = load("＃ comment\na: 1\n  b: 2\n");
        assert!(matches!(diagnostics.first().map(|d| &d.problem), Some(Problem::Syntax { message: SyntaxError::FullWidthHash })));
    }

    #[test]
    fn dashed_lines_are_counted_as_lines_cuts_them() {
        let texts = ["", "---", "---\n", "a\n---\n----x\n ---\n--\n---", "a\r\n---\r\nb\n\n---", "\n\n---\n"];
        for text in texts {
            for from_line in 0..6 {
                let expected = text.lines().skip(from_line).filter(|line| line.starts_with("---")).count();
                assert_eq!(lines_starting_with_dashes(text, from_line), expected, "{text:?} from line {from_line}");
            }
        }
    }

    #[test]
    fn syntax_error_skips_only_its_document() {
        let (documents, diagnostics) = load("a: 1\n---\nb: [1\n---\nc: 3\n");
        assert_eq!(diagnostics.len(), 1);
        assert_eq!(documents.len(), 3);
        assert!(documents[1].failed);
        assert_eq!(documents[2].index, 2);
        assert_eq!(documents[2].root.as_ref().unwrap().get("c").unwrap().position.line, 5);
    }
}
