//! [`Parser`]: [`super::parse`] for a text that changes a little at a time, as the editor's
//! text does, reading again only the documents that changed.
//!
//! Sits in the first stage of the pipeline, in place of `manifest::parse`, and gives exactly
//! its result (objects, diagnostics, their order, lines and document indices), which the
//! tests check against it.
//!
//! The text is cut into chunks at its `---` lines (where a YAML load also resumes after a
//! syntax error; the parser starts afresh at them). A chunk read once is kept with its
//! objects and diagnostics, keyed by its exact text and the `---` line after it. When a later
//! text has the same chunk, possibly at other lines and after other documents, its result is
//! reused with the lines and document indices moved. A chunk is read again when it changed,
//! when its result could depend on what is around it (a syntax error, whose message looks
//! back over the text, or an alias), or when the documents before it bring a limit of the
//! input (documents, nodes, alias copies, objects) within its reach. A text the chunks
//! cannot stand for (directives `%`, lone `\r` line breaks, an alias to an earlier document)
//! is parsed whole.

use std::collections::BTreeMap;
use std::ops::Range;

use super::{MAX_OBJECTS, Manifests, Object, Skipped, finish, read_documents};
use crate::diagnostic::{Diagnostic, Problem};
use crate::yaml::{self, ALIAS_BUDGET, Counts, End, MAX_DOCUMENTS, MAX_INPUT_BYTES, MAX_NODES, Place};

/// Parses manifest texts, keeping what it read of the last one for the next.
///
/// The objects of the last result stay here (it is lent, not given): a chunk reused by the
/// next text moves its objects over instead of copying them, so no `Object` is ever cloned
/// (which also keeps the clone code of every manifest type out of the page's wasm).
#[derive(Debug, Default)]
pub struct Parser {
    /// The chunks of the last text, by their text and the `---` line after them.
    pieces: BTreeMap<String, Piece>,
    /// The last result's objects; each piece's `objects` is a range of them.
    result: Manifests,
    /// How many times the last parse read part of the text (0 when all was reused).
    reads: usize,
    /// Counts parses, to tell the pieces the last one used.
    generation: u64,
}

/// What one chunk gave when it was read.
#[derive(Debug)]
struct Piece {
    /// The parse that last used it ([`Parser::generation`]).
    generation: u64,
    /// The lines and documents before it, where it was read.
    line: usize,
    document: usize,
    /// Its objects: this range of [`Parser::result`]'s.
    objects: Range<usize>,
    /// The YAML problems first, then the objects' (the order [`super::parse`] adds them in).
    diagnostics: Vec<Diagnostic>,
    /// Documents, nodes and alias copies it read.
    used: Counts,
    /// Objects it met.
    met: usize,
    /// See [`yaml::Part::peak`].
    peak: Option<usize>,
}

/// Where a chunk starts: a byte offset at a line start, and the lines before it.
#[derive(Clone, Copy, Debug)]
struct Chunk {
    byte: usize,
    line: usize,
}

/// The result being put together.
#[derive(Default)]
struct Assembly {
    manifests: Manifests,
    diagnostics: Vec<Diagnostic>,
    skipped: Skipped,
    counts: Counts,
}

impl Parser {
    /// The same as [`super::parse`]`(text)`; the objects are lent until the next parse.
    pub fn parse(&mut self, text: &str) -> (&Manifests, Vec<Diagnostic>) {
        self.reads = 0;
        let diagnostics = match self.assemble(text) {
            Some((manifests, diagnostics)) => {
                self.result = manifests;
                diagnostics
            }
            None => {
                self.pieces.clear();
                self.reads = self.reads.saturating_add(1);
                let (manifests, diagnostics) = super::parse(text);
                self.result = manifests;
                diagnostics
            }
        };
        (&self.result, diagnostics)
    }

    /// The result from the chunks, or `None` when the text must be parsed whole.
    fn assemble(&mut self, text: &str) -> Option<(Manifests, Vec<Diagnostic>)> {
        if text.len() > MAX_INPUT_BYTES || unusual(text) {
            return None;
        }
        let chunks = chunks(text);
        self.generation = self.generation.wrapping_add(1);
        let generation = self.generation;
        // The last result's objects, for reused chunks to take back.
        let mut previous: Vec<Option<Object>> = std::mem::take(&mut self.result.objects).into_iter().map(Some).collect();
        let mut out = Assembly::default();
        // Where the current run of the YAML load started (see [`yaml::Place`]).
        let (mut run_start, mut run_line) = (0usize, 0usize);
        let mut index = 0usize;
        while let Some(&chunk) = chunks.get(index) {
            let next = chunks.get(index.saturating_add(1)).copied();
            let key_end = next.map_or(text.len(), |next| line_end(text, next.byte));
            let key = text.get(chunk.byte..key_end)?;
            // A chunk whose text comes twice in one text is reused once and read again after.
            let reusable = |piece: &&mut Piece| {
                piece.generation != generation
                    && out.fits(piece)
                    && piece.objects.clone().all(|at| previous.get(at).is_some_and(Option::is_some))
            };
            if let Some(piece) = self.pieces.get_mut(key).filter(reusable) {
                piece.generation = generation;
                out.reuse(piece, chunk, &mut previous);
                index = index.saturating_add(1);
                continue;
            }
            let place = Place {
                run_start,
                run_line,
                start: chunk.byte,
                line: chunk.line,
            };
            let stop = next.map(|next| next.line.saturating_add(1));
            let part = yaml::load_part(text, place, out.counts, stop);
            self.reads = self.reads.saturating_add(1);
            if part.unknown_anchor && chunk.byte != run_start {
                // The anchor may be in an earlier document of the run.
                return None;
            }
            let before = out.counts;
            let mut diagnostics = part.diagnostics;
            let mut manifests = Manifests::default();
            let mut skipped = Skipped {
                before: out.manifests.objects.len(),
                ..Skipped::default()
            };
            read_documents(&part.documents, &mut manifests, &mut diagnostics, &mut skipped);
            let plain = part.failures == 0 && skipped.count == 0;
            let boundary = match part.end {
                End::Boundary { line } => {
                    if Some(line) != stop {
                        return None;
                    }
                    true
                }
                // A load that ran past a `---` line without a document starting there.
                End::Finished if plain && next.is_some() => return None,
                _ => false,
            };
            if plain && (boundary || part.end == End::Finished) {
                let piece = Piece {
                    generation: self.generation,
                    line: chunk.line,
                    document: before.documents,
                    objects: out.manifests.objects.len()..out.manifests.objects.len().saturating_add(manifests.objects.len()),
                    diagnostics: diagnostics.clone(),
                    used: Counts {
                        documents: part.counts.documents.saturating_sub(before.documents),
                        nodes: part.counts.nodes.saturating_sub(before.nodes),
                        alias_nodes: part.counts.alias_nodes.saturating_sub(before.alias_nodes),
                    },
                    met: skipped.met,
                    peak: part.peak,
                };
                self.pieces.insert(key.to_string(), piece);
            }
            out.manifests.objects.append(&mut manifests.objects);
            out.diagnostics.append(&mut diagnostics);
            out.skipped.count = out.skipped.count.saturating_add(skipped.count);
            out.skipped.first = out.skipped.first.or(skipped.first);
            out.counts = part.counts;
            (run_start, run_line) = part.run;
            match part.end {
                End::Boundary { .. } => index = index.saturating_add(1),
                End::Resumed { byte, .. } => {
                    let resumed = chunks.binary_search_by_key(&byte, |chunk| chunk.byte).ok()?;
                    if resumed <= index {
                        return None;
                    }
                    index = resumed;
                }
                End::Finished | End::Stopped => break,
            }
        }
        // Keep what this text used: the next one is most likely an edit of it.
        self.pieces.retain(|_, piece| piece.generation == generation);
        Some(finish(out.manifests, out.diagnostics, &out.skipped))
    }
}

impl Assembly {
    /// Whether reading `piece` here would give what it gave where it was read: no limit of
    /// the input is reached inside it with the documents before it counted.
    fn fits(&self, piece: &Piece) -> bool {
        let documents = piece
            .peak
            .is_none_or(|peak| self.counts.documents.saturating_add(peak) < MAX_DOCUMENTS);
        let nodes = self.counts.nodes.saturating_add(piece.used.nodes) <= MAX_NODES;
        let aliases = self.counts.alias_nodes.saturating_add(piece.used.alias_nodes) <= ALIAS_BUDGET;
        let objects = piece.met == 0 || self.manifests.objects.len().saturating_add(piece.met) <= MAX_OBJECTS;
        documents && nodes && aliases && objects
    }

    /// Adds `piece`'s result, moved to `chunk`'s lines and to the next document index: its
    /// objects are taken from the last result (`previous`), and the piece then points at
    /// them in this one.
    fn reuse(&mut self, piece: &mut Piece, chunk: Chunk, previous: &mut [Option<Object>]) {
        let (from_line, from_document) = (piece.line, piece.document);
        let line = |line: usize| line.saturating_sub(from_line).saturating_add(chunk.line);
        let first_document = self.counts.documents;
        let document = |document: usize| document.saturating_sub(from_document).saturating_add(first_document);
        let start = self.manifests.objects.len();
        for at in piece.objects.clone() {
            let Some(mut object) = previous.get_mut(at).and_then(Option::take) else { continue };
            object.document = document(object.document);
            object.position.line = line(object.position.line);
            self.manifests.objects.push(object);
        }
        // The piece now stands where this text has it: its objects in this result, its kept
        // diagnostics moved with them.
        piece.objects = start..self.manifests.objects.len();
        piece.line = chunk.line;
        piece.document = first_document;
        for diagnostic in &mut piece.diagnostics {
            diagnostic.document = diagnostic.document.map(document);
            if let Some(position) = &mut diagnostic.position {
                position.line = line(position.line);
            }
            // The one problem of a chunk read without a syntax error that names a line.
            if let Problem::DuplicateKey { first_line, .. } = &mut diagnostic.problem {
                *first_line = line(*first_line);
            }
            self.diagnostics.push(diagnostic.clone());
        }
        self.counts.documents = self.counts.documents.saturating_add(piece.used.documents);
        self.counts.nodes = self.counts.nodes.saturating_add(piece.used.nodes);
        self.counts.alias_nodes = self.counts.alias_nodes.saturating_add(piece.used.alias_nodes);
    }
}

/// Where the chunks start: the text's start, then every `---` line after the first line.
fn chunks(text: &str) -> Vec<Chunk> {
    let mut chunks = vec![Chunk { byte: 0, line: 0 }];
    let (mut counted, mut line) = (0usize, 0usize);
    for (at, _) in text.match_indices("\n---") {
        let byte = at.saturating_add(1);
        let Some(content) = text.get(byte..line_end(text, byte)) else {
            continue;
        };
        if yaml::is_document_marker(content) {
            let between = text.as_bytes().get(counted..byte).unwrap_or(&[]);
            line = line.saturating_add(between.iter().filter(|b| **b == b'\n').count());
            counted = byte;
            chunks.push(Chunk { byte, line });
        }
    }
    chunks
}

/// The byte offset just after the line that starts at `start` (after its `\n`).
fn line_end(text: &str, start: usize) -> usize {
    let rest = text.get(start..).unwrap_or("");
    rest.find('\n').map_or(text.len(), |at| start.saturating_add(at).saturating_add(1))
}

/// Whether the text has what chunks cannot stand for: a directive (`%YAML`, `%TAG`), which
/// belongs to the document after it, or a `\r` line break without `\n`, which the parser
/// counts as a line and the chunks do not.
fn unusual(text: &str) -> bool {
    let bytes = text.as_bytes();
    let line_start = |at: usize| at == 0 || at.checked_sub(1).and_then(|before| bytes.get(before)) == Some(&b'\n');
    text.match_indices('%').any(|(at, _)| line_start(at))
        || text
            .match_indices('\r')
            .any(|(at, _)| bytes.get(at.saturating_add(1)) != Some(&b'\n'))
}

#[cfg(test)]
#[path = "../../benches/common/load_text.rs"]
mod load_text;

#[cfg(test)]
mod tests {
    use super::*;
    use crate::manifest::parse;

    use super::load_text;

    /// Every YAML file of the repository's tests and examples: good and broken manifests.
    fn corpus() -> Vec<String> {
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
        let mut files = Vec::new();
        let mut folders = vec![root.join("tests"), root.join("../static/examples")];
        while let Some(folder) = folders.pop() {
            let Ok(entries) = std::fs::read_dir(&folder) else { continue };
            for entry in entries.flatten() {
                let path = entry.path();
                if path.is_dir() {
                    folders.push(path);
                } else if path.extension().is_some_and(|e| e == "yaml" || e == "yml") {
                    files.push(path);
                }
            }
        }
        files.sort();
        let texts: Vec<String> = files.iter().filter_map(|path| std::fs::read_to_string(path).ok()).collect();
        assert!(texts.len() > 100, "the corpus is the repository's YAML files ({} found)", texts.len());
        texts
    }

    /// A small deterministic generator (xorshift64*), so a failure can be replayed.
    struct Random(u64);

    impl Random {
        fn next(&mut self) -> u64 {
            self.0 ^= self.0 >> 12;
            self.0 ^= self.0 << 25;
            self.0 ^= self.0 >> 27;
            self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
        }

        fn below(&mut self, n: usize) -> usize {
            if n == 0 { 0 } else { (self.next() % n as u64) as usize }
        }
    }

    /// Snippets typed into the texts: plain edits, and everything that changes how YAML
    /// splits into documents or breaks it.
    const SNIPPETS: &[&str] = &[
        "q", "\n", "---\n", "\n---\n", "--- ", "[", "]", "{", "}", "\"", "'", ": ", "- ", "  ", "\t", "#",
        "＃ comment\n", "...\n", "|\n", "&a ", "*a", "<<: *a\n", "name: x\n", "ports: [80\n", "\r\n",
        "\r", "%YAML 1.2\n", "apiVersion: v1\nkind: Service\nmetadata:\n  name: extra\nspec:\n  ports:\n  - port: 80\n",
        "kind: List\nitems:\n- kind: Pod\n", "metadata:\n  name: dup\n", "---\n---\n", "\u{feff}",
    ];

    /// A char boundary of `text` near `at`.
    fn boundary(text: &str, mut at: usize) -> usize {
        at = at.min(text.len());
        while !text.is_char_boundary(at) {
            at -= 1;
        }
        at
    }

    /// Line starts of `text`.
    fn line_starts(text: &str) -> Vec<usize> {
        std::iter::once(0).chain(text.match_indices('\n').map(|(at, _)| at + 1)).filter(|at| *at <= text.len()).collect()
    }

    /// One random edit of `text`, as a person or a paste would make it.
    fn edit(text: &str, random: &mut Random, history: &[String]) -> String {
        let lines = line_starts(text);
        let line = |random: &mut Random| lines[random.below(lines.len())];
        match random.below(9) {
            0 | 1 => {
                let at = boundary(text, random.below(text.len() + 1));
                let snippet = SNIPPETS[random.below(SNIPPETS.len())];
                format!("{}{snippet}{}", &text[..at], &text[at..])
            }
            2 => {
                // The snippet at a line start, where `---` and `%` mean something.
                let at = line(random);
                let snippet = SNIPPETS[random.below(SNIPPETS.len())];
                format!("{}{snippet}{}", &text[..at], &text[at..])
            }
            3 => {
                let from = boundary(text, random.below(text.len() + 1));
                let to = boundary(text, from + random.below(12));
                format!("{}{}", &text[..from], &text[to..])
            }
            4 => {
                // Delete whole lines.
                let from = line(random);
                let to = lines.iter().copied().find(|at| *at > from + random.below(80)).unwrap_or(text.len());
                format!("{}{}", &text[..from], &text[to..])
            }
            5 => {
                // Copy a run of lines elsewhere (a pasted document).
                let from = line(random);
                let to = lines.iter().copied().find(|at| *at > from + random.below(300)).unwrap_or(text.len());
                let at = line(random);
                format!("{}{}{}", &text[..at], &text[from..to], &text[at..])
            }
            6 => {
                // Type a word, one keystroke at a time, is one edit here: change a character.
                let at = boundary(text, random.below(text.len() + 1));
                let end = boundary(text, at + 1);
                format!("{}{}{}", &text[..at], ["x", "7", " ", ":"][random.below(4)], &text[end..])
            }
            7 if !history.is_empty() => history[random.below(history.len())].clone(),
            _ => {
                // Break it, then fix it: a lone quote that the next edits may close.
                let at = line(random);
                format!("{}  \"{}", &text[..at], &text[at..])
            }
        }
    }

    fn assert_same(parser: &mut Parser, text: &str, context: &str) {
        let fresh = parse(text);
        let (manifests, diagnostics) = parser.parse(text);
        let incremental = (manifests.clone(), diagnostics);
        assert!(fresh == incremental, "{context}: the incremental parse differs from a fresh one for:\n{text}\nfresh: {fresh:#?}\nincremental: {incremental:#?}");
    }

    #[test]
    fn random_edits_of_every_example_give_the_fresh_result() {
        let corpus = corpus();
        let mut random = Random(0x9E37_79B9_7F4A_7C15);
        for (number, original) in corpus.iter().enumerate() {
            let mut parser = Parser::default();
            let mut text = original.clone();
            let mut history = vec![text.clone()];
            assert_same(&mut parser, &text, &format!("file {number}, unedited"));
            for step in 0..40 {
                text = edit(&text, &mut random, &history);
                assert_same(&mut parser, &text, &format!("file {number}, step {step}"));
                history.push(text.clone());
            }
        }
    }

    #[test]
    fn texts_joined_from_several_examples_give_the_fresh_result() {
        // Many documents, so edits meet documents before and after them.
        let corpus = corpus();
        let mut random = Random(0xD1B5_4A32_D192_ED03);
        for round in 0..30 {
            let mut text = String::new();
            for _ in 0..6 {
                text.push_str(&corpus[random.below(corpus.len())]);
                text.push_str(["\n---\n", "---\n", "\n"][random.below(3)]);
            }
            let mut parser = Parser::default();
            let mut history = Vec::new();
            assert_same(&mut parser, &text, &format!("round {round}, unedited"));
            for step in 0..25 {
                text = edit(&text, &mut random, &history);
                assert_same(&mut parser, &text, &format!("round {round}, step {step}"));
                history.push(text.clone());
            }
        }
    }

    #[test]
    fn an_alias_to_an_earlier_document_and_a_directive_are_read_whole() {
        let mut parser = Parser::default();
        let texts = [
            "a: &x {b: 1}\n---\nc: *x\n",
            "a: &x {b: 1}\n---\nc: *y\n",
            "a: &x {b: 1}\n---\nc: [\n---\nd: *x\n",
            "%YAML 1.2\n---\napiVersion: v1\nkind: Namespace\nmetadata:\n  name: a\n",
            "kind: x\n...\n%TAG ! tag:example.com,2000:\n---\na: !x 1\n",
            // `!!str` is another tag under this directive, so `123` is a number again.
            "a: 1\n...\n%TAG !! tag:example.com,2000:\n---\napiVersion: v1\nkind: Namespace\nmetadata:\n  name: !!str 123\n",
            "a: 1\r\r\nb: 2\n---\napiVersion: v1\nkind: Nope\n",
            "a: 1\rb: 2\r---\rc: 3\r",
            "--- a: b: c\n---\nd: [\n",
            "x: 1\n--- a: b: c\n---\nd: 1\n",
        ];
        for text in texts {
            assert_same(&mut parser, text, "special text");
        }
    }

    #[test]
    fn edits_of_the_thousand_service_load_give_the_fresh_result_and_read_one_chunk() {
        // Services and their EndpointSlices: two documents each, over MAX_DOCUMENTS.
        let text = load_text::manifest_text(u32::try_from(MAX_DOCUMENTS / 2 + 100).unwrap_or(u32::MAX), 1);
        assert!(text.len() < MAX_INPUT_BYTES);
        let mut parser = Parser::default();
        assert_same(&mut parser, &text, "load");
        let renamed = text.replacen("name: svc-0\n", "name: svc-0q\n", 1);
        assert_same(&mut parser, &renamed, "renamed");
        // The renamed chunk, and the chunk at the document limit (which warns).
        assert_eq!(parser.reads, 2);
        let shifted = format!("# a comment\n{renamed}");
        assert_same(&mut parser, &shifted, "a line inserted at the top");
        assert_eq!(parser.reads, 2, "every other chunk moves down a line and is reused");
        let split = renamed.replacen("  namespace: load\nspec:\n  clusterIP: 10.100.0.7\n", "  namespace: load\n---\nspec:\n  clusterIP: 10.100.0.7\n", 1);
        assert_same(&mut parser, &split, "a document split in two");
        let broken = split.replacen("name: svc-9\n", "name: \"svc-9\n", 1);
        assert_same(&mut parser, &broken, "an unclosed quote");
        assert_same(&mut parser, &split, "the quote removed again");
        let duplicate = split.replacen("  namespace: load\nspec:\n  clusterIP: 10.100.0.3\n", "  namespace: load\n  namespace: load\nspec:\n  clusterIP: 10.100.0.3\n", 1);
        assert_same(&mut parser, &duplicate, "a duplicate key");
        let moved = format!("a: 1\n\n\n{duplicate}");
        assert_same(&mut parser, &moved, "the duplicate key moved down");
    }

    /// `first` followed by `count` small documents that each use `tail`.
    fn with_tail(first: &str, count: usize, tail: &str) -> String {
        let mut text = first.to_string();
        for index in 0..count {
            text.push_str(&format!("---\napiVersion: v1\nkind: Namespace\nmetadata:\n  name: ns-{index}\n{tail}"));
        }
        text
    }

    #[test]
    fn documents_after_a_growing_list_meet_the_object_limit_as_in_a_fresh_parse() {
        let list = |items: usize| {
            let mut text = "apiVersion: v1\nkind: List\nitems:\n".to_string();
            for index in 0..items {
                text.push_str(&format!("- apiVersion: v1\n  kind: Namespace\n  metadata:\n    name: item-{index}\n"));
            }
            text
        };
        let mut parser = Parser::default();
        for items in [MAX_OBJECTS - 100, MAX_OBJECTS - 40, MAX_OBJECTS - 10, MAX_OBJECTS, MAX_OBJECTS + 5, MAX_OBJECTS - 100] {
            assert_same(&mut parser, &with_tail(&list(items), 60, ""), &format!("a List of {items}"));
        }
    }

    #[test]
    fn documents_after_a_growing_one_meet_the_node_and_alias_limits_as_in_a_fresh_parse() {
        let mut parser = Parser::default();
        for ones in [290_000, 299_000, 299_990, 290_000] {
            let first = format!("a: [{}]\n", vec!["1"; ones].join(","));
            assert_same(&mut parser, &with_tail(&first, 40, "  labels: {a: b, c: d}\n"), &format!("{ones} nodes first"));
        }
        let alias_tail = "  annotations:\n    a: &x [1, 2, 3, 4, 5, 6, 7, 8, 9]\n    b: [*x, *x, *x, *x, *x]\n";
        for copies in [900, 990, 1_000, 900] {
            let first = format!("a: &x [1, 2, 3, 4, 5, 6, 7, 8, 9]\nb: [{}]\n", vec!["*x"; copies].join(", "));
            assert_same(&mut parser, &with_tail(&first, 40, alias_tail), &format!("{copies} alias copies first"));
        }
    }

    /// The benches' text is the one the browser measure pastes: e2e/load-text.mjs run by
    /// Node.js (which scripts/setup.sh provides for the e2e tests) writes the same bytes.
    #[test]
    fn the_load_text_is_the_browser_measures_text() {
        let module = format!("{}/../e2e/load-text.mjs", env!("CARGO_MANIFEST_DIR"));
        let script = format!("import {{ bigManifest }} from '{module}'; process.stdout.write(bigManifest(300, 3));");
        let output = std::process::Command::new("node")
            .args(["--input-type=module", "-e", &script])
            .output()
            .expect("node (scripts/setup.sh installs it) runs e2e/load-text.mjs");
        assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
        assert!(String::from_utf8_lossy(&output.stdout) == load_text::manifest_text(300, 3), "the JS and Rust load texts differ");
    }

    #[test]
    fn an_unchanged_text_reads_nothing_again() {
        let text = load_text::manifest_text(50, 10);
        let mut parser = Parser::default();
        assert_same(&mut parser, &text, "load");
        assert_eq!(parser.reads, 100, "one read per document");
        assert_same(&mut parser, &text, "the same text");
        assert_eq!(parser.reads, 0);
    }
}
