//! YAML syntax highlighting for the manifest editor: text in, classified spans out.
//!
//! The editor draws these spans in a `<pre>` exactly under a transparent `<textarea>` (the
//! overlay technique), so the spans of a line must join back into that line byte for byte.
//! This is a small line-oriented scanner, not a YAML parser: it knows comments, document
//! markers, keys, sequence dashes, quoted and plain scalars, numbers, booleans and nulls,
//! anchors and aliases, flow punctuation, and block scalars (`|`, `>`) whose more-indented
//! lines are all text. The engine's parser (`engine::yaml`) decides what the text means; a
//! wrong colour here never changes the lab.

use std::ops::Range;

/// What a piece of a line is; each kind is one CSS class (`tok-…`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    /// Spaces, and anything not classified.
    Plain,
    /// A `# comment`.
    Comment,
    /// `---` or `...`.
    Document,
    /// A mapping key.
    Key,
    /// `:`, `-`, `[`, `]`, `{`, `}`, `,`, `|`, `>`.
    Punct,
    /// A quoted or plain string scalar, or a block scalar's line.
    String,
    /// An integer or a float.
    Number,
    /// `true`, `false`, `null`, `~` (and their capitalised forms).
    Keyword,
    /// `&anchor`, `*alias` or a `!tag`.
    Anchor,
}

impl Kind {
    /// The CSS class that colours it.
    pub fn class(self) -> &'static str {
        match self {
            Kind::Plain => "tok-plain",
            Kind::Comment => "tok-comment",
            Kind::Document => "tok-doc",
            Kind::Key => "tok-key",
            Kind::Punct => "tok-punct",
            Kind::String => "tok-str",
            Kind::Number => "tok-num",
            Kind::Keyword => "tok-kw",
            Kind::Anchor => "tok-anchor",
        }
    }
}

/// One classified piece of a line: a byte range of that line.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Span {
    pub kind: Kind,
    pub range: Range<usize>,
}

/// Highlights a whole text: one `Vec<Span>` per line (lines split on `\n`; a trailing `\r`
/// stays in its line as plain text).
pub fn highlight(text: &str) -> Vec<Vec<Span>> {
    let mut block: Option<usize> = None;
    let mut lines = Vec::new();
    for line in text.split('\n') {
        let indent = line.len().saturating_sub(line.trim_start_matches(' ').len());
        let blank = line.trim().is_empty();
        if let Some(parent_indent) = block {
            if blank || indent > parent_indent {
                lines.push(whole(line, if blank { Kind::Plain } else { Kind::String }));
                continue;
            }
            block = None;
        }
        let spans = highlight_line(line);
        if opens_block_scalar(line, &spans) {
            block = Some(indent);
        }
        lines.push(spans);
    }
    lines
}

/// Highlights only `lines[range]` of a text split on `\n`, as [`highlight`] would: scanning
/// starts at the nearest line above the range that begins in column 1 with text, which can
/// never be inside a block scalar (its content is always more indented than its key). The
/// editor uses it so that a keystroke in a 50,000-line text colours only the lines in view.
pub fn highlight_range(lines: &[&str], range: Range<usize>) -> Vec<Vec<Span>> {
    let end = range.end.min(lines.len());
    let start = range.start.min(end);
    let from = lines
        .get(..start)
        .unwrap_or_default()
        .iter()
        .rposition(|line| line.starts_with(|c: char| !c.is_whitespace()))
        .unwrap_or(0);
    if from >= end {
        return Vec::new();
    }
    let text = lines.get(from..end).unwrap_or_default().join("\n");
    let mut spans = highlight(&text);
    spans.drain(..(start - from).min(spans.len()));
    spans
}

/// Highlights one line on its own (block scalars need [`highlight`]).
pub fn highlight_line(line: &str) -> Vec<Span> {
    let mut out = Spans { line, spans: Vec::new() };
    let body_start = line.len().saturating_sub(line.trim_start_matches([' ', '\t']).len());
    out.push(Kind::Plain, 0..body_start);
    let body = line.get(body_start..).unwrap_or("");
    let trimmed = body.trim_end();
    if trimmed == "---" || trimmed == "..." || body.starts_with("--- ") {
        out.push(Kind::Document, body_start..body_start + 3);
        scan_value(&mut out, body_start + 3);
        return out.finish();
    }
    let mut at = body_start;
    // Sequence dashes: `- - key: value`.
    while let Some(rest) = line.get(at..) {
        if rest == "-" || rest.starts_with("- ") {
            out.push(Kind::Punct, at..at + 1);
            let spaces = rest.get(1..).unwrap_or("").len() - rest.get(1..).unwrap_or("").trim_start().len();
            out.push(Kind::Plain, at + 1..at + 1 + spaces);
            at += 1 + spaces;
        } else {
            break;
        }
    }
    if let Some(colon) = key_colon(line, at) {
        out.push(Kind::Key, at..colon);
        out.push(Kind::Punct, colon..colon + 1);
        at = colon + 1;
    }
    scan_value(&mut out, at);
    out.finish()
}

/// Where the `:` that ends a mapping key starting at `at` is: outside quotes, followed by a
/// space or the end of the line, before any comment.
fn key_colon(line: &str, at: usize) -> Option<usize> {
    let rest = line.get(at..)?;
    let first = rest.chars().next()?;
    if matches!(first, '#' | '[' | '{' | '|' | '>' | '&' | '*' | '!' | '%' | '@' | '`') {
        return None;
    }
    if first == '"' || first == '\'' {
        let close = rest.get(1..)?.find(first)? + 1;
        let after = close + 1;
        return rest.get(after..)?.starts_with(':').then_some(at + after).filter(|colon| {
            let next = line.get(colon + 1..).unwrap_or("");
            next.is_empty() || next.starts_with(' ')
        });
    }
    let bytes = rest.as_bytes();
    for (index, byte) in bytes.iter().enumerate() {
        match byte {
            b'#' if index > 0 && bytes.get(index - 1) == Some(&b' ') => return None,
            b':' => {
                let next = bytes.get(index + 1);
                if next.is_none() || next == Some(&b' ') || next == Some(&b'\t') {
                    return Some(at + index);
                }
            }
            _ => {}
        }
    }
    None
}

/// Classifies everything from `at` to the end of the line as a value (and a comment).
fn scan_value(out: &mut Spans<'_>, mut at: usize) {
    let line = out.line;
    while at < line.len() {
        let Some(rest) = line.get(at..) else { break };
        let Some(first) = rest.chars().next() else { break };
        let after_space = at == 0 || line.as_bytes().get(at - 1).is_some_and(|b| *b == b' ' || *b == b'\t');
        match first {
            ' ' | '\t' => {
                let len = rest.len() - rest.trim_start_matches([' ', '\t']).len();
                out.push(Kind::Plain, at..at + len);
                at += len;
            }
            '#' if after_space => {
                out.push(Kind::Comment, at..line.len());
                at = line.len();
            }
            '[' | ']' | '{' | '}' | ',' | '|' | '>' | ':' | '-' if is_punct_here(rest) => {
                out.push(Kind::Punct, at..at + 1);
                at += 1;
            }
            '"' | '\'' => {
                let end = quoted_end(rest, first).map_or(line.len(), |end| at + end);
                out.push(Kind::String, at..end);
                at = end;
            }
            '&' | '*' | '!' => {
                let len = rest.find([' ', ',', ']', '}']).unwrap_or(rest.len());
                out.push(Kind::Anchor, at..at + len);
                at += len;
            }
            _ => {
                let len = plain_len(rest);
                let word = rest.get(..len).unwrap_or("");
                let kind = if is_keyword(word) {
                    Kind::Keyword
                } else if is_number(word) {
                    Kind::Number
                } else {
                    Kind::String
                };
                // A plain `key: value` inside a flow mapping: colour the key part as a key.
                out.push(kind, at..at + len.max(1).min(rest.len()));
                at += len.max(first.len_utf8());
            }
        }
    }
}

/// Whether the punctuation character at the start of `rest` stands alone (flow brackets
/// always do; `-`, `:`, `|` and `>` only when a space or the end follows).
fn is_punct_here(rest: &str) -> bool {
    let mut chars = rest.chars();
    match chars.next() {
        Some('[' | ']' | '{' | '}' | ',') => true,
        Some('-' | ':') => matches!(chars.next(), None | Some(' ' | '\t')),
        Some('|' | '>') => rest.trim_end().chars().skip(1).all(|c| matches!(c, '-' | '+' | '0'..='9')),
        _ => false,
    }
}

/// The byte length of a plain scalar at the start of `rest`: up to ` #`, a flow delimiter
/// or `: `.
fn plain_len(rest: &str) -> usize {
    let bytes = rest.as_bytes();
    for (index, byte) in bytes.iter().enumerate() {
        let next = bytes.get(index + 1);
        match byte {
            b',' | b'[' | b']' | b'{' | b'}' if index > 0 => return index,
            b'#' if index > 0 && matches!(bytes.get(index - 1), Some(b' ' | b'\t')) => {
                return trim_trailing_blanks(rest, index);
            }
            b':' if index > 0 && matches!(next, None | Some(b' ' | b'\t')) => return index,
            _ => {}
        }
    }
    trim_trailing_blanks(rest, rest.len())
}

fn trim_trailing_blanks(rest: &str, end: usize) -> usize {
    rest.get(..end).map_or(end, |part| part.trim_end_matches([' ', '\t']).len()).max(1).min(rest.len())
}

/// The end (exclusive, in bytes) of a quoted scalar starting at `rest[0]`, if it closes on
/// this line. Double quotes honour `\"`; single quotes honour `''`.
fn quoted_end(rest: &str, quote: char) -> Option<usize> {
    let bytes = rest.as_bytes();
    let mut index = 1;
    while let Some(byte) = bytes.get(index) {
        if quote == '"' && *byte == b'\\' {
            index += 2;
            continue;
        }
        if *byte == quote as u8 {
            if quote == '\'' && bytes.get(index + 1) == Some(&b'\'') {
                index += 2;
                continue;
            }
            return Some(index + 1);
        }
        index += 1;
    }
    None
}

fn is_keyword(word: &str) -> bool {
    matches!(
        word,
        "true" | "True" | "TRUE" | "false" | "False" | "FALSE" | "null" | "Null" | "NULL" | "~" | "yes" | "no"
    )
}

fn is_number(word: &str) -> bool {
    let digits = word.strip_prefix(['-', '+']).unwrap_or(word);
    if digits.is_empty() {
        return false;
    }
    if let Some(hex) = digits.strip_prefix("0x") {
        return !hex.is_empty() && hex.chars().all(|c| c.is_ascii_hexdigit());
    }
    let mut seen_digit = false;
    let mut seen_dot = false;
    for c in digits.chars() {
        match c {
            '0'..='9' => seen_digit = true,
            '.' if !seen_dot => seen_dot = true,
            _ => return false,
        }
    }
    seen_digit
}

/// Whether a highlighted line ends with a block scalar indicator (`key: |`, `- >-`).
fn opens_block_scalar(line: &str, spans: &[Span]) -> bool {
    spans
        .iter()
        .rev()
        .find(|span| span.kind != Kind::Plain && span.kind != Kind::Comment)
        .is_some_and(|span| {
            span.kind == Kind::Punct && matches!(line.get(span.range.clone()), Some("|" | ">"))
        })
}

fn whole(line: &str, kind: Kind) -> Vec<Span> {
    if line.is_empty() { Vec::new() } else { vec![Span { kind, range: 0..line.len() }] }
}

/// Collects spans, merging neighbours of the same kind and dropping empty ones.
struct Spans<'a> {
    line: &'a str,
    spans: Vec<Span>,
}

impl Spans<'_> {
    fn push(&mut self, kind: Kind, range: Range<usize>) {
        let end = range.end.min(self.line.len());
        let start = self.spans.last().map_or(0, |span| span.range.end);
        // Keep the spans contiguous and on character boundaries whatever the scanner did.
        if end <= start || !self.line.is_char_boundary(end) {
            return;
        }
        match self.spans.last_mut() {
            Some(last) if last.kind == kind => last.range.end = end,
            _ => self.spans.push(Span { kind, range: start..end }),
        }
    }

    fn finish(mut self) -> Vec<Span> {
        let len = self.line.len();
        self.push(Kind::Plain, 0..len);
        self.spans
    }
}

/// Splits a line's spans at a character column (1-based, as diagnostics count), for the
/// diagnostic underline: everything from that column to the end of the line comes back
/// marked `true`.
pub fn split_at_column(line: &str, spans: &[Span], column: usize) -> Vec<(Span, bool)> {
    let cut = line.char_indices().nth(column.saturating_sub(1)).map_or(line.len(), |(index, _)| index);
    let mut out = Vec::new();
    for span in spans {
        let Range { start, end } = span.range.clone();
        if end <= cut {
            out.push((span.clone(), false));
        } else if start >= cut {
            out.push((span.clone(), true));
        } else {
            out.push((Span { kind: span.kind, range: start..cut }, false));
            out.push((Span { kind: span.kind, range: cut..end }, true));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The line as `kind:text` pieces, to read the classification at a glance.
    fn show(line: &str) -> Vec<String> {
        highlight_line(line)
            .iter()
            .filter(|span| span.kind != Kind::Plain)
            .map(|span| format!("{:?}:{}", span.kind, &line[span.range.clone()]))
            .collect()
    }

    fn joins_back(text: &str) {
        let lines: Vec<&str> = text.split('\n').collect();
        let spans = highlight(text);
        assert_eq!(spans.len(), lines.len());
        for (line, spans) in lines.iter().zip(&spans) {
            let mut at = 0;
            for span in spans {
                assert_eq!(span.range.start, at, "gap or overlap in {line:?}: {spans:?}");
                assert!(span.range.end > span.range.start);
                at = span.range.end;
            }
            assert_eq!(at, line.len(), "spans must cover {line:?}: {spans:?}");
        }
    }

    #[test]
    fn keys_values_and_types() {
        assert_eq!(show("apiVersion: v1"), ["Key:apiVersion", "Punct::", "String:v1"]);
        assert_eq!(show("  replicas: 2"), ["Key:replicas", "Punct::", "Number:2"]);
        assert_eq!(show("hostNetwork: true"), ["Key:hostNetwork", "Punct::", "Keyword:true"]);
        assert_eq!(show("  - name: \"http\""), ["Punct:-", "Key:name", "Punct::", "String:\"http\""]);
        assert_eq!(show("      nodePort: 31000 # fixed"), ["Key:nodePort", "Punct::", "Number:31000", "Comment:# fixed"]);
        assert_eq!(show("image: nginx:1.27"), ["Key:image", "Punct::", "String:nginx:1.27"]);
        assert_eq!(show("- 10.0.0.1"), ["Punct:-", "String:10.0.0.1"]);
    }

    #[test]
    fn comments_documents_and_flow() {
        assert_eq!(show("# The post's nginx"), ["Comment:# The post's nginx"]);
        assert_eq!(show("---"), ["Document:---"]);
        assert_eq!(
            show("ipAddrs: '[\"192.168.231.166\"]'"),
            ["Key:ipAddrs", "Punct::", "String:'[\"192.168.231.166\"]'"]
        );
        assert_eq!(show("args: [a, 1]"), ["Key:args", "Punct::", "Punct:[", "String:a", "Punct:,", "Number:1", "Punct:]"]);
        assert_eq!(show("base: &b x"), ["Key:base", "Punct::", "Anchor:&b", "String:x"]);
        // A `#` inside a word is not a comment.
        assert_eq!(show("url: http://a/#frag"), ["Key:url", "Punct::", "String:http://a/#frag"]);
    }

    #[test]
    fn block_scalars_colour_their_lines_as_text() {
        let text = "data:\n  script: |\n    echo key: value\n    # not a comment\n  next: 1";
        let spans = highlight(text);
        let lines: Vec<&str> = text.split('\n').collect();
        assert_eq!(spans[2], vec![Span { kind: Kind::String, range: 0..lines[2].len() }]);
        assert_eq!(spans[3], vec![Span { kind: Kind::String, range: 0..lines[3].len() }]);
        assert_eq!(spans[4].iter().find(|s| s.kind == Kind::Key).map(|s| &lines[4][s.range.clone()]), Some("next"));
    }

    #[test]
    fn spans_cover_every_byte_of_odd_input() {
        for text in [
            "",
            "\n\n",
            "a: 'unterminated",
            "a: \"esc \\\" still\"",
            "- - - x",
            ":::",
            "- ",
            "ключ: значение # комментарий",
            "名前: ウェブ",
            "\t\tkey:\tvalue",
            "k: v\r\nk2: v2\r\n",
            "{a: 1, b: [2, 3]}",
            "|\n  x\n>-\n  y",
            "key: |+\n\n  text\n",
            "a:b:c",
            "\"k\": v",
            "'k''q': v",
            "- &a !!str *b",
            "🙂: 🙃 # 🙂",
        ] {
            joins_back(text);
        }
    }

    #[test]
    fn a_range_is_coloured_as_the_whole_text_colours_it() {
        let text = "a: 1\nscript: |\n  x: 1\n  # y\n\n  z\nb:\n  - c: 'd'\n  - e\n# end";
        let lines: Vec<&str> = text.split('\n').collect();
        let whole = highlight(text);
        for start in 0..=lines.len() {
            for end in start..=lines.len() {
                assert_eq!(highlight_range(&lines, start..end), whole[start..end].to_vec(), "{start}..{end}");
            }
        }
        assert!(highlight_range(&lines, 5..500).len() == lines.len() - 5);
    }

    #[test]
    fn split_marks_from_the_diagnostic_column() {
        let line = "  nodePort: abc";
        let spans = highlight_line(line);
        let split = split_at_column(line, &spans, 13);
        let marked: String = split.iter().filter(|(_, on)| *on).map(|(span, _)| &line[span.range.clone()]).collect();
        assert_eq!(marked, "abc");
        let unmarked: String = split.iter().filter(|(_, on)| !*on).map(|(span, _)| &line[span.range.clone()]).collect();
        assert_eq!(unmarked, "  nodePort: ");
        // Columns count characters, not bytes.
        let line = "名前: x";
        let split = split_at_column(line, &highlight_line(line), 5);
        let marked: String = split.iter().filter(|(_, on)| *on).map(|(span, _)| &line[span.range.clone()]).collect();
        assert_eq!(marked, "x");
    }
}
