//! Whether Go's `regexp.Compile` accepts a pattern: the syntax check behind Contour's
//! "path regex is not valid" for `ImplementationSpecific` Ingress paths.
//!
//! Sits under [`super::path::PathMatch::regex_error`], which `ingress::diagnostics` (via
//! `table::build`) calls while building the route table. The page runs this check on
//! every cluster build, so it is a small hand port of the acceptance rules of Go's
//! `regexp/syntax` parser (`src/regexp/syntax/parse.go`, `Parse(expr, syntax.Perl)`)
//! instead of a regex engine; matching stays on `regex_lite` in the tracer.
//!
//! The port walks the pattern with Go's own parse stack (`parser.push`, `concat`,
//! `alternate`, `swapVerticalBar`, `parseRightParen`) and keeps just enough of each
//! node (its operator, repeat counts, compiled size, height) to decide what Go decides.
//! Ported rules:
//!
//! - groups, `(?flags)`, `(?flags:…)`, `(?P<name>…)` and `(?<name>…)` (`parsePerlFlags`,
//!   `isValidCaptureName`); `(?=`, `(?!`, `(?<=`, `(?'name'…)`, backreferences and
//!   possessive `a++` are errors, as in Go;
//! - character classes with negation, ranges (`z-a` is an error), POSIX `[[:alpha:]]`,
//!   `\d \w \s` and `\p{…}` inside (`parseClass`, `parseNamedClass`, `parseClassChar`);
//! - escapes (`parseEscape`): punctuation, `\a \f \n \r \t \v`, octal `\0`–`\777` (a single
//!   `\1`–`\7` is a backreference and an error), `\x7f`, `\x{10FFFF}`; `\A \z \b \B \Q…\E`
//!   (`Parse`); `\C` is refused;
//! - Unicode classes `\pL`, `\p{Greek}`, `\PL`, `\p{^Greek}` with the names Go's `unicode`
//!   package knows (`unicodeTable`, `canonicalName`);
//! - repetition `* + ? {n} {n,} {n,m}` with non-greedy `?`, the 1000 limit on one count and
//!   on the product of nested counts (`parseRepeat`, `parseInt`, `repeat`,
//!   `repeatIsValid`), "invalid nested repetition operator" for `a**`, and "missing
//!   argument to repetition operator"; a `{` that is not a repeat is a literal;
//! - the tree height limit of 1000 (`checkHeight`, `maxHeight`) and the compiled size
//!   limit (`checkSize`, `calcSize`, `maxSize`).
//!
//! Not ported (documented approximations): Go's `factor` rewriting of alternations and
//! its merging of single-rune classes into literals, which only shift the size and
//! height counts of pathological patterns near the two limits; the `maxRunes` budget,
//! which a pattern reaches only with tens of thousands of `\p` classes (the lab stops at
//! 64 KiB before that). Invalid UTF-8 ("invalid UTF-8") cannot occur in a `&str`.

use std::fmt;

/// Go's `maxRepeat`: the largest count of one `{n,m}` and of nested counts multiplied.
const MAX_REPEAT: i64 = 1000;
/// Go's `maxHeight`: the deepest parse tree.
const MAX_HEIGHT: u32 = 1000;
/// Go's `maxSize` (`128 << 20 / instSize`, `instSize = 40`): the most compiled instructions.
const MAX_SIZE: i64 = (128 << 20) / 40;

/// Why Go's `regexp.Compile` refuses a pattern: one variant per `regexp/syntax`
/// `ErrorCode` this check can produce, holding Go's `Error.Expr` (the offending part).
///
/// `Display` is Go's `Error.Error()` without its `error parsing regexp: ` prefix:
/// the code's text, `: `, and the expression in backquotes, e.g.
/// ``missing closing ): `(abc` ``.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Re2Error {
    /// `ErrInvalidCharRange`: `z-a`, an unknown `[:name:]` or `\p{Name}`.
    InvalidCharRange { expr: String },
    /// `ErrInvalidEscape`: `\q`, `\1`, `\x{110000}`, `\C`.
    InvalidEscape { expr: String },
    /// `ErrInvalidNamedCapture`: `(?P<>a)`, `(?<x y>a)`, `(?<name` without `>`.
    InvalidNamedCapture { expr: String },
    /// `ErrInvalidPerlOp`: `(?=`, `(?P=name)`, `(?z)`, `(?-)`.
    InvalidPerlOp { expr: String },
    /// `ErrInvalidRepeatOp`: a repetition of a repetition, `a**`, `a+?+`.
    InvalidRepeatOp { expr: String },
    /// `ErrInvalidRepeatSize`: `{1001}`, `{2,1}`, nested counts above 1000.
    InvalidRepeatSize { expr: String },
    /// `ErrMissingBracket`: `[a-z` (the expression runs from the `[` to the end).
    MissingBracket { expr: String },
    /// `ErrMissingParen`: `(abc` (the whole pattern).
    MissingParen { expr: String },
    /// `ErrMissingRepeatArgument`: `*a`, `(+)`, `a|?`.
    MissingRepeatArgument { expr: String },
    /// `ErrTrailingBackslash`: the pattern ends in a lone `\` (Go's expression is empty).
    TrailingBackslash,
    /// `ErrUnexpectedParen`: `a)` (the whole pattern).
    UnexpectedParen { expr: String },
    /// `ErrNestingDepth`: the parse tree is more than 1000 deep (the whole pattern).
    NestingDepth { expr: String },
    /// `ErrLarge`: the compiled program would exceed Go's size budget (the whole pattern).
    Large { expr: String },
}

impl Re2Error {
    /// Go's `ErrorCode` text.
    pub fn code(&self) -> &'static str {
        match self {
            Re2Error::InvalidCharRange { .. } => "invalid character class range",
            Re2Error::InvalidEscape { .. } => "invalid escape sequence",
            Re2Error::InvalidNamedCapture { .. } => "invalid named capture",
            Re2Error::InvalidPerlOp { .. } => "invalid or unsupported Perl syntax",
            Re2Error::InvalidRepeatOp { .. } => "invalid nested repetition operator",
            Re2Error::InvalidRepeatSize { .. } => "invalid repeat count",
            Re2Error::MissingBracket { .. } => "missing closing ]",
            Re2Error::MissingParen { .. } => "missing closing )",
            Re2Error::MissingRepeatArgument { .. } => "missing argument to repetition operator",
            Re2Error::TrailingBackslash => "trailing backslash at end of expression",
            Re2Error::UnexpectedParen { .. } => "unexpected )",
            Re2Error::NestingDepth { .. } => "expression nests too deeply",
            Re2Error::Large { .. } => "expression too large",
        }
    }

    /// Go's `Error.Expr`: the part of the pattern the error is about.
    pub fn expr(&self) -> &str {
        match self {
            Re2Error::InvalidCharRange { expr }
            | Re2Error::InvalidEscape { expr }
            | Re2Error::InvalidNamedCapture { expr }
            | Re2Error::InvalidPerlOp { expr }
            | Re2Error::InvalidRepeatOp { expr }
            | Re2Error::InvalidRepeatSize { expr }
            | Re2Error::MissingBracket { expr }
            | Re2Error::MissingParen { expr }
            | Re2Error::MissingRepeatArgument { expr }
            | Re2Error::UnexpectedParen { expr }
            | Re2Error::NestingDepth { expr }
            | Re2Error::Large { expr } => expr,
            Re2Error::TrailingBackslash => "",
        }
    }
}

impl fmt::Display for Re2Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: `{}`", self.code(), self.expr())
    }
}

/// Whether Go's `regexp.Compile(pattern)` (that is, `syntax.Parse(pattern, syntax.Perl)`;
/// `Simplify` and `syntax.Compile` never fail) accepts the pattern; Go's first error if not.
/// Port of `parse` (`regexp/syntax/parse.go`).
pub fn check(pattern: &str) -> Result<(), Re2Error> {
    let mut parser = Parser::new(pattern);
    parser.parse()
}

/// A parse-stack node: Go's `Regexp` reduced to what the limits need.
#[derive(Clone, Debug)]
struct Node {
    op: Op,
    /// Go's `calcSize`.
    size: i64,
    /// Go's `calcHeight`.
    height: u32,
    subs: Vec<usize>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Op {
    /// A literal string of `runes` runes; `fold` is `(?i)` (Go merges literals of the same fold).
    Literal {
        runes: i64,
        fold: bool,
    },
    /// A character class, `.` (both "can be a character class" for `swapVerticalBar`).
    Class,
    /// An empty-width or empty match (`^ $ \A \z \b \B`, the empty string).
    Empty,
    Capture,
    Star,
    Plus,
    Quest,
    Repeat {
        min: i64,
        max: i64,
    },
    Concat,
    Alternate,
    /// Go's `opLeftParen` pseudo-op; `fold` is the flag to restore at `)`.
    LeftParen {
        capture: bool,
        fold: bool,
    },
    /// Go's `opVerticalBar` pseudo-op.
    VerticalBar,
}

impl Op {
    fn is_pseudo(self) -> bool {
        matches!(self, Op::LeftParen { .. } | Op::VerticalBar)
    }
}

struct Parser<'a> {
    whole: &'a str,
    nodes: Vec<Node>,
    stack: Vec<usize>,
    /// `(?i)` in effect.
    fold: bool,
    /// Nodes alive now and at most (Go's `numRegexp` counts allocations, and its free
    /// list makes that the peak of live nodes).
    live: i64,
    num_regexp: i64,
    /// Go's `repeats`, and whether `checkSize` has started tracking (`p.size != nil`).
    repeats: i64,
    tracking_size: bool,
    /// Whether `checkHeight` has started (`p.height != nil`).
    tracking_height: bool,
    /// From where on the pattern has no `:]` (found by a failed search), so a run of
    /// `[:` without one is read in linear time.
    no_named_class_end_from: usize,
}

impl<'a> Parser<'a> {
    fn new(whole: &'a str) -> Parser<'a> {
        Parser {
            whole,
            nodes: Vec::new(),
            stack: Vec::new(),
            fold: false,
            live: 0,
            num_regexp: 0,
            repeats: 1,
            tracking_size: false,
            tracking_height: false,
            no_named_class_end_from: usize::MAX,
        }
    }

    fn text(&self, from: usize, to: usize) -> String {
        self.whole.get(from..to).unwrap_or_default().to_string()
    }

    fn rest(&self, at: usize) -> &'a str {
        self.whole.get(at..).unwrap_or_default()
    }

    fn byte(&self, at: usize) -> Option<u8> {
        self.whole.as_bytes().get(at).copied()
    }

    /// The rune at `at` and its length; Go's `nextRune` on an empty string gives
    /// `RuneError` with length 0.
    fn rune(&self, at: usize) -> (u32, usize) {
        match self.rest(at).chars().next() {
            Some(c) => (u32::from(c), c.len_utf8()),
            None => (0xFFFD, 0),
        }
    }

    fn whole_error(&self, make: fn(String) -> Re2Error) -> Re2Error {
        make(self.whole.to_string())
    }

    fn node(&self, index: usize) -> Option<&Node> {
        self.nodes.get(index)
    }

    fn op_of(&self, index: usize) -> Option<Op> {
        self.node(index).map(|node| node.op)
    }

    /// Go's `newRegexp` with the node's size and height worked out (`calcSize`,
    /// `calcHeight`).
    fn new_node(&mut self, op: Op, subs: Vec<usize>) -> usize {
        let sub_size =
            |parser: &Parser, index: usize| parser.node(index).map_or(1, |node| node.size);
        let first = subs.first().map_or(1, |&sub| sub_size(self, sub));
        let size = match op {
            Op::Literal { runes, .. } => runes,
            Op::Capture | Op::Star => first.saturating_add(2),
            Op::Plus | Op::Quest => first.saturating_add(1),
            Op::Concat => subs
                .iter()
                .fold(0i64, |sum, &sub| sum.saturating_add(sub_size(self, sub))),
            Op::Alternate => {
                let sum = subs
                    .iter()
                    .fold(0i64, |sum, &sub| sum.saturating_add(sub_size(self, sub)));
                let bars = i64::try_from(subs.len())
                    .unwrap_or(i64::MAX)
                    .saturating_sub(1)
                    .max(0);
                sum.saturating_add(bars)
            }
            Op::Repeat { min, max: -1 } => {
                if min == 0 {
                    first.saturating_add(2)
                } else {
                    min.saturating_mul(first).saturating_add(1)
                }
            }
            Op::Repeat { min, max } => max
                .saturating_mul(first)
                .saturating_add(max.saturating_sub(min)),
            _ => 0,
        }
        .max(1);
        let height = subs
            .iter()
            .map(|&sub| self.node(sub).map_or(1, |node| node.height))
            .max()
            .map_or(1, |height| height.saturating_add(1));
        self.nodes.push(Node {
            op,
            size,
            height,
            subs,
        });
        self.live = self.live.saturating_add(1);
        self.num_regexp = self.num_regexp.max(self.live);
        self.nodes.len().saturating_sub(1)
    }

    /// Go's `reuse`: the node goes back to the free list.
    fn free(&mut self) {
        self.live = self.live.saturating_sub(1);
    }

    /// Go's `checkLimits` after `checkSize` and `checkHeight` (`maxRunes` is not ported).
    fn check_limits(&mut self, index: usize) -> Result<(), Re2Error> {
        if !self.tracking_size {
            if let Some(Op::Repeat { min, max }) = self.op_of(index) {
                let mut n = if max == -1 { min } else { max };
                if n <= 0 {
                    n = 1;
                }
                let budget = MAX_SIZE.checked_div(self.repeats).unwrap_or(0);
                self.repeats = if n > budget {
                    MAX_SIZE
                } else {
                    self.repeats.saturating_mul(n)
                };
            }
            if self.num_regexp >= MAX_SIZE.checked_div(self.repeats).unwrap_or(0) {
                self.tracking_size = true;
                let too_large = self
                    .stack
                    .iter()
                    .any(|&node| self.node(node).is_some_and(|n| n.size > MAX_SIZE));
                if too_large {
                    return Err(self.whole_error(|expr| Re2Error::Large { expr }));
                }
            }
        }
        let node = self
            .node(index)
            .map_or((1, 1), |node| (node.size, node.height));
        if self.tracking_size && node.0 > MAX_SIZE {
            return Err(self.whole_error(|expr| Re2Error::Large { expr }));
        }
        if self.num_regexp >= i64::from(MAX_HEIGHT) {
            let mut too_deep = node.1 > MAX_HEIGHT;
            if !self.tracking_height {
                self.tracking_height = true;
                too_deep |= self
                    .stack
                    .iter()
                    .any(|&node| self.node(node).is_some_and(|n| n.height > MAX_HEIGHT));
            }
            if too_deep {
                return Err(self.whole_error(|expr| Re2Error::NestingDepth { expr }));
            }
        }
        Ok(())
    }

    /// Go's `push`, with `maybeConcat` merging the two literals below first.
    fn push(&mut self, index: usize) -> Result<(), Re2Error> {
        self.maybe_concat();
        self.stack.push(index);
        self.check_limits(index)
    }

    /// Go's `maybeConcat(-1, 0)`: two literals of the same fold on top become one.
    fn maybe_concat(&mut self) {
        let n = self.stack.len();
        let (Some(&top), Some(&below)) = (
            self.stack.get(n.wrapping_sub(1)),
            self.stack.get(n.wrapping_sub(2)),
        ) else {
            return;
        };
        let (Some(Op::Literal { runes: a, fold: fa }), Some(Op::Literal { runes: b, fold: fb })) =
            (self.op_of(top), self.op_of(below))
        else {
            return;
        };
        if fa != fb {
            return;
        }
        if let Some(node) = self.nodes.get_mut(below) {
            let runes = a.saturating_add(b);
            node.op = Op::Literal { runes, fold: fb };
            node.size = runes.max(1);
        }
        self.stack.pop();
        self.free();
    }

    /// Go's `literal`.
    fn literal(&mut self) -> Result<(), Re2Error> {
        let node = self.new_node(
            Op::Literal {
                runes: 1,
                fold: self.fold,
            },
            Vec::new(),
        );
        self.push(node)
    }

    /// Go's `op`.
    fn op(&mut self, op: Op) -> Result<(), Re2Error> {
        let node = self.new_node(op, Vec::new());
        self.push(node)
    }

    /// The main loop of Go's `parse`.
    fn parse(&mut self) -> Result<(), Re2Error> {
        let mut at = 0;
        let mut last_repeat: Option<usize> = None;
        while let Some(byte) = self.byte(at) {
            let mut repeat = None;
            match byte {
                b'(' if self.byte(at.saturating_add(1)) == Some(b'?') => {
                    at = self.parse_perl_flags(at)?
                }
                b'(' => {
                    self.op(Op::LeftParen {
                        capture: true,
                        fold: self.fold,
                    })?;
                    at = at.saturating_add(1);
                }
                b'|' => {
                    self.parse_vertical_bar()?;
                    at = at.saturating_add(1);
                }
                b')' => {
                    self.parse_right_paren()?;
                    at = at.saturating_add(1);
                }
                b'^' | b'$' => {
                    self.op(Op::Empty)?;
                    at = at.saturating_add(1);
                }
                b'.' => {
                    self.op(Op::Class)?;
                    at = at.saturating_add(1);
                }
                b'[' => at = self.parse_class(at)?,
                b'*' | b'+' | b'?' => {
                    let op = match byte {
                        b'*' => Op::Star,
                        b'+' => Op::Plus,
                        _ => Op::Quest,
                    };
                    let before = at;
                    at = self.repeat(op, before, before.saturating_add(1), last_repeat)?;
                    repeat = Some(before);
                }
                b'{' => match self.parse_repeat(at) {
                    None => {
                        self.literal()?;
                        at = at.saturating_add(1);
                    }
                    Some((min, max, after)) => {
                        if !(0..=MAX_REPEAT).contains(&min)
                            || max > MAX_REPEAT
                            || (max >= 0 && min > max)
                        {
                            return Err(Re2Error::InvalidRepeatSize {
                                expr: self.text(at, after),
                            });
                        }
                        let before = at;
                        at = self.repeat(Op::Repeat { min, max }, before, after, last_repeat)?;
                        repeat = Some(before);
                    }
                },
                b'\\' => at = self.parse_backslash(at)?,
                _ => {
                    let (_, len) = self.rune(at);
                    self.literal()?;
                    at = at.saturating_add(len.max(1));
                }
            }
            last_repeat = repeat;
        }
        self.concat()?;
        if self.swap_vertical_bar()? {
            self.stack.pop();
        }
        self.alternate()?;
        if self.stack.len() != 1 {
            return Err(self.whole_error(|expr| Re2Error::MissingParen { expr }));
        }
        Ok(())
    }

    /// The `\` case of Go's `parse`: `\A \b \B \C \Q…\E \z`, Unicode and Perl classes,
    /// then `parseEscape`.
    fn parse_backslash(&mut self, at: usize) -> Result<usize, Re2Error> {
        let next = self.byte(at.saturating_add(1));
        match next {
            Some(b'A' | b'b' | b'B' | b'z') => {
                self.op(Op::Empty)?;
                return Ok(at.saturating_add(2));
            }
            Some(b'C') => {
                return Err(Re2Error::InvalidEscape {
                    expr: self.text(at, at.saturating_add(2)),
                });
            }
            Some(b'Q') => {
                let body = at.saturating_add(2);
                let (literal, after) = match self.rest(body).find("\\E") {
                    Some(end) => (end, body.saturating_add(end).saturating_add(2)),
                    None => (self.rest(body).len(), self.whole.len()),
                };
                let runes = self
                    .rest(body)
                    .get(..literal)
                    .unwrap_or_default()
                    .chars()
                    .count();
                for _ in 0..runes {
                    self.literal()?;
                }
                return Ok(after);
            }
            _ => {}
        }
        // Go allocates the class before it knows whether one follows.
        self.new_node(Op::Class, Vec::new());
        self.free();
        if matches!(next, Some(b'p' | b'P')) {
            let after = self.parse_unicode_class(at)?;
            let node = self.new_node(Op::Class, Vec::new());
            self.push(node)?;
            return Ok(after);
        }
        if let Some(after) = self.perl_class_escape(at) {
            let node = self.new_node(Op::Class, Vec::new());
            self.push(node)?;
            return Ok(after);
        }
        let (_, after) = self.parse_escape(at)?;
        self.literal()?;
        Ok(after)
    }

    /// Go's `parsePerlClassEscape`: `\d \D \s \S \w \W`.
    fn perl_class_escape(&self, at: usize) -> Option<usize> {
        match (self.byte(at), self.byte(at.saturating_add(1))) {
            (Some(b'\\'), Some(b'd' | b'D' | b's' | b'S' | b'w' | b'W')) => {
                Some(at.saturating_add(2))
            }
            _ => None,
        }
    }

    /// Go's `repeat`: `before` is where the operator starts, `after` where it ends.
    fn repeat(
        &mut self,
        op: Op,
        before: usize,
        after: usize,
        last_repeat: Option<usize>,
    ) -> Result<usize, Re2Error> {
        let mut after = after;
        if self.byte(after) == Some(b'?') {
            after = after.saturating_add(1);
        }
        if let Some(last) = last_repeat {
            return Err(Re2Error::InvalidRepeatOp {
                expr: self.text(last, after),
            });
        }
        let missing = || Re2Error::MissingRepeatArgument {
            expr: self.text(before, after),
        };
        let Some(&sub) = self.stack.last() else {
            return Err(missing());
        };
        if self.op_of(sub).is_none_or(Op::is_pseudo) {
            return Err(missing());
        }
        let node = self.new_node(op, vec![sub]);
        if let Some(top) = self.stack.last_mut() {
            *top = node;
        }
        self.check_limits(node)?;
        if let Op::Repeat { min, max } = op
            && (min >= 2 || max >= 2)
            && !self.repeat_is_valid(node, MAX_REPEAT)
        {
            return Err(Re2Error::InvalidRepeatSize {
                expr: self.text(before, after),
            });
        }
        Ok(after)
    }

    /// Go's `repeatIsValid`: nested counts multiplied stay within `n`.
    fn repeat_is_valid(&self, index: usize, n: i64) -> bool {
        let Some(node) = self.node(index) else {
            return true;
        };
        let mut n = n;
        if let Op::Repeat { min, max } = node.op {
            let mut m = max;
            if m == 0 {
                return true;
            }
            if m < 0 {
                m = min;
            }
            if m > n {
                return false;
            }
            if m > 0 {
                n = n.checked_div(m).unwrap_or(0);
            }
        }
        node.subs.iter().all(|&sub| self.repeat_is_valid(sub, n))
    }

    /// Go's `parseRepeat` and `parseInt`: `{min}`, `{min,}` or `{min,max}`, or `None` when
    /// the text is not of that form (then `{` is a literal). Counts too big read as
    /// `i64::MAX`, which the caller refuses as Go refuses its `-1`.
    fn parse_repeat(&self, at: usize) -> Option<(i64, i64, usize)> {
        let mut cursor = at.saturating_add(1);
        let min = self.parse_int(&mut cursor)?;
        let max = match self.byte(cursor)? {
            b',' => {
                cursor = cursor.saturating_add(1);
                if self.byte(cursor)? == b'}' {
                    -1
                } else {
                    self.parse_int(&mut cursor)?
                }
            }
            _ => min,
        };
        if self.byte(cursor)? != b'}' {
            return None;
        }
        Some((min, max, cursor.saturating_add(1)))
    }

    fn parse_int(&self, cursor: &mut usize) -> Option<i64> {
        let digits: &str = {
            let rest = self.rest(*cursor);
            let end = rest
                .find(|c: char| !c.is_ascii_digit())
                .unwrap_or(rest.len());
            rest.get(..end).unwrap_or_default()
        };
        if digits.is_empty() || (digits.len() >= 2 && digits.starts_with('0')) {
            return None;
        }
        *cursor = cursor.saturating_add(digits.len());
        Some(digits.parse::<i64>().unwrap_or(i64::MAX))
    }

    /// Go's `parsePerlFlags`: named captures, flag groups and non-capturing groups.
    fn parse_perl_flags(&mut self, at: usize) -> Result<usize, Re2Error> {
        let t = self.rest(at);
        let bytes = t.as_bytes();
        let starts_with_p =
            t.len() > 4 && bytes.get(2) == Some(&b'P') && bytes.get(3) == Some(&b'<');
        let starts_with_name = t.len() > 3 && bytes.get(2) == Some(&b'<');
        if starts_with_p || starts_with_name {
            let name_start = if starts_with_p { 4 } else { 3 };
            let Some(end) = t.find('>') else {
                return Err(Re2Error::InvalidNamedCapture {
                    expr: t.to_string(),
                });
            };
            let name = t.get(name_start..end).unwrap_or_default();
            if !is_valid_capture_name(name) {
                return Err(Re2Error::InvalidNamedCapture {
                    expr: t.get(..=end).unwrap_or(t).to_string(),
                });
            }
            self.op(Op::LeftParen {
                capture: true,
                fold: self.fold,
            })?;
            return Ok(at.saturating_add(end).saturating_add(1));
        }
        let mut fold = self.fold;
        let mut negated = false;
        let mut saw_flag = false;
        let mut cursor = at.saturating_add(2);
        while let Some(c) = self.rest(cursor).chars().next() {
            cursor = cursor.saturating_add(c.len_utf8());
            match c {
                'i' => {
                    fold = !negated;
                    saw_flag = true;
                }
                'm' | 's' | 'U' => saw_flag = true,
                '-' if !negated => {
                    negated = true;
                    saw_flag = false;
                }
                ':' | ')' if !negated || saw_flag => {
                    if c == ':' {
                        self.op(Op::LeftParen {
                            capture: false,
                            fold: self.fold,
                        })?;
                    }
                    self.fold = fold;
                    return Ok(cursor);
                }
                _ => break,
            }
        }
        Err(Re2Error::InvalidPerlOp {
            expr: self.text(at, cursor),
        })
    }

    /// Go's `parseVerticalBar`.
    fn parse_vertical_bar(&mut self) -> Result<(), Re2Error> {
        self.concat()?;
        if !self.swap_vertical_bar()? {
            self.op(Op::VerticalBar)?;
        }
        Ok(())
    }

    /// Go's `swapVerticalBar`: merges two character classes around the bar, or moves the
    /// finished alternative below the bar.
    fn swap_vertical_bar(&mut self) -> Result<bool, Re2Error> {
        let n = self.stack.len();
        let index_at = |stack: &[usize], offset: usize| {
            n.checked_sub(offset).and_then(|i| stack.get(i)).copied()
        };
        let (top, bar, below) = (
            index_at(&self.stack, 1),
            index_at(&self.stack, 2),
            index_at(&self.stack, 3),
        );
        let op = |index: Option<usize>| index.and_then(|index| self.op_of(index));
        let (top_op, bar_op, below_op) = (op(top), op(bar), op(below));
        if bar_op == Some(Op::VerticalBar)
            && top_op.is_some_and(is_char_class)
            && below_op.is_some_and(is_char_class)
        {
            if let (Some(below), Some(Op::Literal { .. })) = (below, below_op)
                && let Some(node) = self.nodes.get_mut(below)
            {
                node.op = Op::Class;
                node.size = 1;
            }
            self.stack.pop();
            self.free();
            return Ok(true);
        }
        if bar_op == Some(Op::VerticalBar) {
            self.stack.swap(n.saturating_sub(1), n.saturating_sub(2));
            return Ok(true);
        }
        Ok(false)
    }

    /// The stack entries above the topmost pseudo-op, removed from the stack.
    fn take_above_pseudo(&mut self) -> Vec<usize> {
        let mut i = self.stack.len();
        while i > 0
            && self
                .stack
                .get(i.saturating_sub(1))
                .and_then(|&top| self.op_of(top))
                .is_some_and(|op| !op.is_pseudo())
        {
            i = i.saturating_sub(1);
        }
        self.stack.split_off(i)
    }

    /// Go's `concat`.
    fn concat(&mut self) -> Result<(), Re2Error> {
        self.maybe_concat();
        let subs = self.take_above_pseudo();
        let node = if subs.is_empty() {
            self.new_node(Op::Empty, Vec::new())
        } else {
            self.collapse(subs, Op::Concat)
        };
        self.push(node)
    }

    /// Go's `alternate` (without `factor`; see the module notes).
    fn alternate(&mut self) -> Result<(), Re2Error> {
        let subs = self.take_above_pseudo();
        let node = if subs.is_empty() {
            self.new_node(Op::Empty, Vec::new())
        } else {
            self.collapse(subs, Op::Alternate)
        };
        self.push(node)
    }

    /// Go's `collapse`: one node of `op` over `subs`, flattening nested nodes of the same op.
    fn collapse(&mut self, subs: Vec<usize>, op: Op) -> usize {
        if let [only] = subs.as_slice() {
            return *only;
        }
        let mut flat = Vec::with_capacity(subs.len());
        for sub in subs {
            match self.node(sub) {
                Some(node) if node.op == op => {
                    flat.extend(node.subs.iter().copied());
                    self.free();
                }
                _ => flat.push(sub),
            }
        }
        self.new_node(op, flat)
    }

    /// Go's `parseRightParen`.
    fn parse_right_paren(&mut self) -> Result<(), Re2Error> {
        self.concat()?;
        if self.swap_vertical_bar()? {
            self.stack.pop();
        }
        self.alternate()?;
        let unexpected = || Re2Error::UnexpectedParen {
            expr: self.whole.to_string(),
        };
        if self.stack.len() < 2 {
            return Err(unexpected());
        }
        let (Some(inner), Some(paren)) = (self.stack.pop(), self.stack.pop()) else {
            return Err(unexpected());
        };
        let Some(Op::LeftParen { capture, fold }) = self.op_of(paren) else {
            return Err(unexpected());
        };
        self.fold = fold;
        if capture {
            // Go turns the parenthesis node itself into the capture.
            let height = self
                .node(inner)
                .map_or(1, |node| node.height)
                .saturating_add(1);
            let size = self
                .node(inner)
                .map_or(1, |node| node.size)
                .saturating_add(2);
            if let Some(node) = self.nodes.get_mut(paren) {
                *node = Node {
                    op: Op::Capture,
                    size,
                    height,
                    subs: vec![inner],
                };
            }
            self.push(paren)
        } else {
            self.free();
            self.push(inner)
        }
    }

    /// Go's `parseEscape`: the escaped rune and where the escape ends.
    fn parse_escape(&self, at: usize) -> Result<(u32, usize), Re2Error> {
        let mut t = at.saturating_add(1);
        if self.byte(t).is_none() {
            return Err(Re2Error::TrailingBackslash);
        }
        let (c, len) = self.rune(t);
        t = t.saturating_add(len);
        let invalid = |end: usize| Re2Error::InvalidEscape {
            expr: self.text(at, end),
        };
        let is_octal = |byte: Option<u8>| byte.is_some_and(|b| (b'0'..=b'7').contains(&b));
        let Some(c) = char::from_u32(c) else {
            return Err(invalid(t));
        };
        match c {
            c if c.is_ascii() && !c.is_ascii_alphanumeric() => Ok((u32::from(c), t)),
            '1'..='7' if !is_octal(self.byte(t)) => Err(invalid(t)),
            '0'..='7' => {
                let mut r = u32::from(c).saturating_sub(u32::from('0'));
                for _ in 1..3 {
                    match self.byte(t) {
                        Some(b) if is_octal(Some(b)) => {
                            r = r
                                .saturating_mul(8)
                                .saturating_add(u32::from(b.saturating_sub(b'0')));
                            t = t.saturating_add(1);
                        }
                        _ => break,
                    }
                }
                Ok((r, t))
            }
            'x' => {
                if self.byte(t).is_none() {
                    return Err(invalid(t));
                }
                let (c, len) = self.rune(t);
                t = t.saturating_add(len);
                if c == u32::from('{') {
                    let mut r: u32 = 0;
                    let mut digits = 0;
                    loop {
                        if self.byte(t).is_none() {
                            return Err(invalid(t));
                        }
                        let (c, len) = self.rune(t);
                        t = t.saturating_add(len);
                        if c == u32::from('}') {
                            break;
                        }
                        let Some(v) = unhex(c) else {
                            return Err(invalid(t));
                        };
                        r = r.saturating_mul(16).saturating_add(v);
                        if r > 0x10FFFF {
                            return Err(invalid(t));
                        }
                        digits += 1;
                    }
                    if digits == 0 {
                        return Err(invalid(t));
                    }
                    return Ok((r, t));
                }
                let (y, len) = self.rune(t);
                t = t.saturating_add(len);
                match (unhex(c), unhex(y)) {
                    (Some(x), Some(y)) => Ok((x.saturating_mul(16).saturating_add(y), t)),
                    _ => Err(invalid(t)),
                }
            }
            'a' => Ok((7, t)),
            'f' => Ok((12, t)),
            'n' => Ok((10, t)),
            'r' => Ok((13, t)),
            't' => Ok((9, t)),
            'v' => Ok((11, t)),
            _ => Err(invalid(t)),
        }
    }

    /// Go's `parseUnicodeClass` for `\p…` or `\P…` at `at`: where it ends, or Go's error
    /// for an unknown name.
    fn parse_unicode_class(&self, at: usize) -> Result<usize, Re2Error> {
        let t = at.saturating_add(2);
        let (c, len) = self.rune(t);
        let (seq_end, name) = if c != u32::from('{') {
            let end = t.saturating_add(len);
            (end, self.whole.get(t..end).unwrap_or_default())
        } else {
            let Some(close) = self.rest(at).find('}') else {
                return Err(Re2Error::InvalidCharRange {
                    expr: self.rest(at).to_string(),
                });
            };
            let close = at.saturating_add(close);
            (
                close.saturating_add(1),
                self.whole
                    .get(at.saturating_add(3)..close)
                    .unwrap_or_default(),
            )
        };
        let name = name.strip_prefix('^').unwrap_or(name);
        if !is_unicode_class(name) {
            return Err(Re2Error::InvalidCharRange {
                expr: self.text(at, seq_end),
            });
        }
        Ok(seq_end)
    }

    /// Go's `parseClass`: a bracketed class at `at`; where it ends.
    fn parse_class(&mut self, at: usize) -> Result<usize, Re2Error> {
        let node = self.new_node(Op::Class, Vec::new());
        let mut t = at.saturating_add(1);
        if self.byte(t) == Some(b'^') {
            t = t.saturating_add(1);
        }
        let mut first = true;
        while self.byte(t) != Some(b']') || first {
            first = false;
            let rest = self.rest(t);
            let named_class_end =
                if rest.len() > 2 && rest.starts_with("[:") && t < self.no_named_class_end_from {
                    let end = rest.get(2..).and_then(|after| after.find(":]"));
                    if end.is_none() {
                        self.no_named_class_end_from = t;
                    }
                    end
                } else {
                    None
                };
            if let Some(end) = named_class_end {
                let name = rest.get(..end.saturating_add(4)).unwrap_or_default();
                let inner = name
                    .strip_prefix("[:")
                    .and_then(|inner| inner.strip_suffix(":]"))
                    .unwrap_or_default();
                if !POSIX_CLASSES.contains(&inner.strip_prefix('^').unwrap_or(inner)) {
                    return Err(Re2Error::InvalidCharRange {
                        expr: name.to_string(),
                    });
                }
                t = t.saturating_add(name.len());
                continue;
            }
            if rest.starts_with("\\p") || rest.starts_with("\\P") {
                t = self.parse_unicode_class(t)?;
                continue;
            }
            if let Some(after) = self.perl_class_escape(t) {
                t = after;
                continue;
            }
            let range_start = t;
            let (lo, after) = self.parse_class_char(t, at)?;
            t = after;
            if self.byte(t) == Some(b'-')
                && self.byte(t.saturating_add(1)).is_some_and(|b| b != b']')
            {
                let (hi, after) = self.parse_class_char(t.saturating_add(1), at)?;
                t = after;
                if hi < lo {
                    return Err(Re2Error::InvalidCharRange {
                        expr: self.text(range_start, t),
                    });
                }
            }
        }
        self.push(node)?;
        Ok(t.saturating_add(1))
    }

    /// Go's `parseClassChar`; `class` is where the class began (Go's `wholeClass` runs
    /// from there to the end of the pattern).
    fn parse_class_char(&self, at: usize, class: usize) -> Result<(u32, usize), Re2Error> {
        match self.byte(at) {
            None => Err(Re2Error::MissingBracket {
                expr: self.rest(class).to_string(),
            }),
            Some(b'\\') => self.parse_escape(at),
            Some(_) => {
                let (c, len) = self.rune(at);
                Ok((c, at.saturating_add(len)))
            }
        }
    }
}

/// Go's `isCharClass`: a one-rune literal, a class or `.`.
fn is_char_class(op: Op) -> bool {
    matches!(op, Op::Literal { runes: 1, .. } | Op::Class)
}

/// Go's `isValidCaptureName`: `[A-Za-z0-9_]+`.
fn is_valid_capture_name(name: &str) -> bool {
    !name.is_empty() && name.bytes().all(|b| b == b'_' || b.is_ascii_alphanumeric())
}

fn unhex(c: u32) -> Option<u32> {
    char::from_u32(c).and_then(|c| c.to_digit(16))
}

/// Go's `posixGroup` names (each also with a leading `^`).
const POSIX_CLASSES: [&str; 14] = [
    "alnum", "alpha", "ascii", "blank", "cntrl", "digit", "graph", "lower", "print", "punct",
    "space", "upper", "word", "xdigit",
];

/// Go's `canonicalName`: separators `_ - space` dropped, the first letter upper case and
/// the rest lower case.
fn canonical_name(name: &str) -> impl Iterator<Item = char> + '_ {
    name.chars()
        .filter(|c| !matches!(c, '_' | '-' | ' '))
        .enumerate()
        .map(|(index, c)| {
            if index == 0 {
                c.to_ascii_uppercase()
            } else {
                c.to_ascii_lowercase()
            }
        })
}

/// Go's `unicodeTable`: `Any`, `Assigned`, `ASCII`, the general categories
/// (`unicode.Categories`, with `LC` and `Cn`), their long names
/// (`unicode.CategoryAliases`) and the scripts (`unicode.Scripts`, Unicode 15.0), all
/// compared by [`canonical_name`].
fn is_unicode_class(name: &str) -> bool {
    canonical_name(name).next().is_some()
        && [
            SPECIAL_CLASSES.as_slice(),
            CATEGORIES.as_slice(),
            CATEGORY_ALIASES.as_slice(),
            SCRIPTS.as_slice(),
        ]
        .iter()
        .flat_map(|names| names.iter())
        .any(|known| canonical_name(known).eq(canonical_name(name)))
}

const SPECIAL_CLASSES: [&str; 3] = ["Any", "Assigned", "ASCII"];

const CATEGORIES: [&str; 38] = [
    "C", "Cc", "Cf", "Cn", "Co", "Cs", "L", "LC", "Ll", "Lm", "Lo", "Lt", "Lu", "M", "Mc", "Me",
    "Mn", "N", "Nd", "Nl", "No", "P", "Pc", "Pd", "Pe", "Pf", "Pi", "Po", "Ps", "S", "Sc", "Sk",
    "Sm", "So", "Z", "Zl", "Zp", "Zs",
];

const CATEGORY_ALIASES: [&str; 42] = [
    "Cased_Letter",
    "Close_Punctuation",
    "Combining_Mark",
    "Connector_Punctuation",
    "Control",
    "Currency_Symbol",
    "Dash_Punctuation",
    "Decimal_Number",
    "Enclosing_Mark",
    "Final_Punctuation",
    "Format",
    "Initial_Punctuation",
    "Letter",
    "Letter_Number",
    "Line_Separator",
    "Lowercase_Letter",
    "Mark",
    "Math_Symbol",
    "Modifier_Letter",
    "Modifier_Symbol",
    "Nonspacing_Mark",
    "Number",
    "Open_Punctuation",
    "Other",
    "Other_Letter",
    "Other_Number",
    "Other_Punctuation",
    "Other_Symbol",
    "Paragraph_Separator",
    "Private_Use",
    "Punctuation",
    "Separator",
    "Space_Separator",
    "Spacing_Mark",
    "Surrogate",
    "Symbol",
    "Titlecase_Letter",
    "Unassigned",
    "Uppercase_Letter",
    "cntrl",
    "digit",
    "punct",
];

const SCRIPTS: [&str; 163] = [
    "Adlam",
    "Ahom",
    "Anatolian_Hieroglyphs",
    "Arabic",
    "Armenian",
    "Avestan",
    "Balinese",
    "Bamum",
    "Bassa_Vah",
    "Batak",
    "Bengali",
    "Bhaiksuki",
    "Bopomofo",
    "Brahmi",
    "Braille",
    "Buginese",
    "Buhid",
    "Canadian_Aboriginal",
    "Carian",
    "Caucasian_Albanian",
    "Chakma",
    "Cham",
    "Cherokee",
    "Chorasmian",
    "Common",
    "Coptic",
    "Cuneiform",
    "Cypriot",
    "Cypro_Minoan",
    "Cyrillic",
    "Deseret",
    "Devanagari",
    "Dives_Akuru",
    "Dogra",
    "Duployan",
    "Egyptian_Hieroglyphs",
    "Elbasan",
    "Elymaic",
    "Ethiopic",
    "Georgian",
    "Glagolitic",
    "Gothic",
    "Grantha",
    "Greek",
    "Gujarati",
    "Gunjala_Gondi",
    "Gurmukhi",
    "Han",
    "Hangul",
    "Hanifi_Rohingya",
    "Hanunoo",
    "Hatran",
    "Hebrew",
    "Hiragana",
    "Imperial_Aramaic",
    "Inherited",
    "Inscriptional_Pahlavi",
    "Inscriptional_Parthian",
    "Javanese",
    "Kaithi",
    "Kannada",
    "Katakana",
    "Kawi",
    "Kayah_Li",
    "Kharoshthi",
    "Khitan_Small_Script",
    "Khmer",
    "Khojki",
    "Khudawadi",
    "Lao",
    "Latin",
    "Lepcha",
    "Limbu",
    "Linear_A",
    "Linear_B",
    "Lisu",
    "Lycian",
    "Lydian",
    "Mahajani",
    "Makasar",
    "Malayalam",
    "Mandaic",
    "Manichaean",
    "Marchen",
    "Masaram_Gondi",
    "Medefaidrin",
    "Meetei_Mayek",
    "Mende_Kikakui",
    "Meroitic_Cursive",
    "Meroitic_Hieroglyphs",
    "Miao",
    "Modi",
    "Mongolian",
    "Mro",
    "Multani",
    "Myanmar",
    "Nabataean",
    "Nag_Mundari",
    "Nandinagari",
    "New_Tai_Lue",
    "Newa",
    "Nko",
    "Nushu",
    "Nyiakeng_Puachue_Hmong",
    "Ogham",
    "Ol_Chiki",
    "Old_Hungarian",
    "Old_Italic",
    "Old_North_Arabian",
    "Old_Permic",
    "Old_Persian",
    "Old_Sogdian",
    "Old_South_Arabian",
    "Old_Turkic",
    "Old_Uyghur",
    "Oriya",
    "Osage",
    "Osmanya",
    "Pahawh_Hmong",
    "Palmyrene",
    "Pau_Cin_Hau",
    "Phags_Pa",
    "Phoenician",
    "Psalter_Pahlavi",
    "Rejang",
    "Runic",
    "Samaritan",
    "Saurashtra",
    "Sharada",
    "Shavian",
    "Siddham",
    "SignWriting",
    "Sinhala",
    "Sogdian",
    "Sora_Sompeng",
    "Soyombo",
    "Sundanese",
    "Syloti_Nagri",
    "Syriac",
    "Tagalog",
    "Tagbanwa",
    "Tai_Le",
    "Tai_Tham",
    "Tai_Viet",
    "Takri",
    "Tamil",
    "Tangsa",
    "Tangut",
    "Telugu",
    "Thaana",
    "Thai",
    "Tibetan",
    "Tifinagh",
    "Tirhuta",
    "Toto",
    "Ugaritic",
    "Vai",
    "Vithkuqi",
    "Wancho",
    "Warang_Citi",
    "Yezidi",
    "Yi",
    "Zanabazar_Square",
];

#[cfg(test)]
mod tests {
    use super::*;

    /// `parseTests` of Go's `regexp/syntax/parse_test.go` (the patterns; every one parses
    /// with Perl flags, which `regexp.Compile` uses).
    fn go_parse_tests() -> Vec<String> {
        let fixed = [
            r"a",
            r"a.",
            r"a.b",
            r"ab",
            r"a.b.c",
            r"abc",
            r"a|^",
            r"a|b",
            r"(a)",
            r"(a)|b",
            r"a*",
            r"a+",
            r"a?",
            r"a{2}",
            r"a{2,3}",
            r"a{2,}",
            r"a*?",
            r"a+?",
            r"a??",
            r"a{2}?",
            r"a{2,3}?",
            r"a{2,}?",
            r"x{1001",
            r"x{9876543210",
            r"x{9876543210,",
            r"x{2,1",
            r"x{1,9876543210",
            r"",
            r"|",
            r"|x|",
            r".",
            r"^",
            r"$",
            r"\|",
            r"\(",
            r"\)",
            r"\*",
            r"\+",
            r"\?",
            r"{",
            r"}",
            r"\.",
            r"\^",
            r"\$",
            r"\\",
            r"[ace]",
            r"[abc]",
            r"[a-z]",
            r"[a]",
            r"\-",
            r"-",
            r"\_",
            r"abc|def",
            r"abc|def|ghi",
            r"[[:lower:]]",
            r"[^[:lower:]]",
            r"[[:^lower:]]",
            r"(?i)[[:lower:]]",
            r"(?i)[a-z]",
            r"(?i)[^[:lower:]]",
            r"(?i)[[:^lower:]]",
            r"\d",
            r"\D",
            r"\s",
            r"\S",
            r"\w",
            r"\W",
            r"(?i)\w",
            r"(?i)\W",
            r"[^\\]",
            r"\p{Braille}",
            r"\P{Braille}",
            r"\p{^Braille}",
            r"\P{^Braille}",
            r"\pZ",
            r"[\p{Braille}]",
            r"[\P{Braille}]",
            r"[\p{^Braille}]",
            r"[\P{^Braille}]",
            r"[\pZ]",
            r"\p{Lu}",
            r"\p{Uppercase_Letter}",
            r"\p{upper case-let ter}",
            r"\p{__upper case-let ter}",
            r"\p{Canadian_Aboriginal}",
            r"[\p{Lu}]",
            r"(?i)[\p{Lu}]",
            r"\p{Any}",
            r"\p{^Any}",
            r"(?i)\p{ascii}",
            r"\p{Assigned}",
            r"\p{^Assigned}",
            r"[\012-\234]\141",
            r"[\x{41}-\x7a]\x61",
            r"a{,2}",
            r"\.\^\$\\",
            r"[a-zABC]",
            r"[^a]",
            r"[α-ε☺]",
            r"a*{",
            r"(?:ab)*",
            r"(ab)*",
            r"ab|cd",
            r"a(b|c)d",
            r"(?:a)",
            r"(?:ab)(?:cd)",
            r"(?:a+b+)(?:c+d+)",
            r"(?:a+|b+)|(?:c+|d+)",
            r"(?:a|b)|(?:c|d)",
            r"a|.",
            r".|a",
            r"(?:[abc]|A|Z|hello|world)",
            r"(?:[abc]|A|Z)",
            r"\Q+|*?{[\E",
            r"\Q+\E+",
            r"\Qab\E+",
            r"\Q\\E",
            r"\Q\\\E",
            r"(?m)^",
            r"(?m)$",
            r"(?-m)^",
            r"(?-m)$",
            r"(?m)\A",
            r"(?m)\z",
            r"(?-m)\A",
            r"(?-m)\z",
            r"(?P<name>a)",
            r"(?<name>a)",
            r"[Aa]",
            r"[\x{100}\x{101}]",
            r"[Δδ]",
            r"abcde",
            r"[Aa][Bb]cd",
            r"abc|abd|aef|bcx|bcy",
            r"ax+y|ax+z|ay+w",
            r"(?:.)",
            r"(?:x|(?:xa))",
            r"(?:.|(?:.a))",
            r"(?:A(?:A|a))",
            r"(?:A|a)",
            r"A|(?:A|a)",
            r"(?s).",
            r"(?-s).",
            r"(?:(?:^).)",
            r"(?-s)(?:(?:^).)",
            r"[\s\S]a",
            r"abc|abd",
            r"a(?:b)c|abd",
            r"abc|x|abd",
            r"(?i)abc|ABD",
            r"[ab]c|[ab]d",
            r".c|.d",
            r"x{2}|x{2}[0-9]",
            r"x{2}y|x{2}[0-9]y",
            r"a.*?c|a.*?b",
            r"((((((((((x{2}){2}){2}){2}){2}){2}){2}){2}){2}))",
            r"((((((((((x{1}){2}){2}){2}){2}){2}){2}){2}){2}){2})",
            r"(?:[a-z]{4}){0,250}",
            // onlyPerl.
            r"[a-b-c]",
            r"\Qabc\E",
            r"\Q*+?{[\E",
            r"\Q\\E",
            r"\Q\\\E",
            r"\Q\\\\E",
            r"\Q\\\\\E",
            r"(?:a)",
            r"(?P<name>a)",
        ];
        let mut tests: Vec<String> = fixed.iter().map(|s| s.to_string()).collect();
        tests.push(format!("{}{}", "(".repeat(999), ")".repeat(999)));
        tests.push(format!("{}{}", "(?:".repeat(999), ")*".repeat(999)));
        tests.push(format!("({})", "|".repeat(12345)));
        tests
    }

    /// `invalidRegexps` and `onlyPOSIX` of Go's `parse_test.go` (all refused with Perl
    /// flags), with the error Go gives. The invalid UTF-8 entries cannot be written as
    /// `&str`; `strings.Repeat(`\pL`, 27000)` is over the lab's 64 KiB limit and only
    /// fails Go's `maxRunes`, which is not ported.
    fn go_invalid() -> Vec<(String, Re2Error)> {
        let e = |s: &str| s.to_string();
        let fixed: Vec<(&str, Re2Error)> = vec![
            ("(", Re2Error::MissingParen { expr: e("(") }),
            (")", Re2Error::UnexpectedParen { expr: e(")") }),
            ("(a", Re2Error::MissingParen { expr: e("(a") }),
            ("a)", Re2Error::UnexpectedParen { expr: e("a)") }),
            ("(a))", Re2Error::UnexpectedParen { expr: e("(a))") }),
            ("(a|b|", Re2Error::MissingParen { expr: e("(a|b|") }),
            ("a|b|)", Re2Error::UnexpectedParen { expr: e("a|b|)") }),
            ("(a|b|))", Re2Error::UnexpectedParen { expr: e("(a|b|))") }),
            ("(a|b", Re2Error::MissingParen { expr: e("(a|b") }),
            ("a|b)", Re2Error::UnexpectedParen { expr: e("a|b)") }),
            ("(a|b))", Re2Error::UnexpectedParen { expr: e("(a|b))") }),
            ("[a-z", Re2Error::MissingBracket { expr: e("[a-z") }),
            ("([a-z)", Re2Error::MissingBracket { expr: e("[a-z)") }),
            ("[a-z)", Re2Error::MissingBracket { expr: e("[a-z)") }),
            (
                "([a-z]))",
                Re2Error::UnexpectedParen {
                    expr: e("([a-z]))"),
                },
            ),
            ("x{1001}", Re2Error::InvalidRepeatSize { expr: e("{1001}") }),
            (
                "x{9876543210}",
                Re2Error::InvalidRepeatSize {
                    expr: e("{9876543210}"),
                },
            ),
            ("x{2,1}", Re2Error::InvalidRepeatSize { expr: e("{2,1}") }),
            (
                "x{1,9876543210}",
                Re2Error::InvalidRepeatSize {
                    expr: e("{1,9876543210}"),
                },
            ),
            (
                "(?P<name>a",
                Re2Error::MissingParen {
                    expr: e("(?P<name>a"),
                },
            ),
            (
                "(?P<name>",
                Re2Error::MissingParen {
                    expr: e("(?P<name>"),
                },
            ),
            (
                "(?P<name",
                Re2Error::InvalidNamedCapture {
                    expr: e("(?P<name"),
                },
            ),
            (
                "(?P<x y>a)",
                Re2Error::InvalidNamedCapture {
                    expr: e("(?P<x y>"),
                },
            ),
            (
                "(?P<>a)",
                Re2Error::InvalidNamedCapture { expr: e("(?P<>") },
            ),
            (
                "(?<name>a",
                Re2Error::MissingParen {
                    expr: e("(?<name>a"),
                },
            ),
            (
                "(?<name>",
                Re2Error::MissingParen {
                    expr: e("(?<name>"),
                },
            ),
            (
                "(?<name",
                Re2Error::InvalidNamedCapture { expr: e("(?<name") },
            ),
            (
                "(?<x y>a)",
                Re2Error::InvalidNamedCapture { expr: e("(?<x y>") },
            ),
            ("(?<>a)", Re2Error::InvalidNamedCapture { expr: e("(?<>") }),
            ("[a-Z]", Re2Error::InvalidCharRange { expr: e("a-Z") }),
            ("(?i)[a-Z]", Re2Error::InvalidCharRange { expr: e("a-Z") }),
            (r"\Q\E*", Re2Error::MissingRepeatArgument { expr: e("*") }),
            (
                "a{100000}",
                Re2Error::InvalidRepeatSize {
                    expr: e("{100000}"),
                },
            ),
            (
                "a{100000,}",
                Re2Error::InvalidRepeatSize {
                    expr: e("{100000,}"),
                },
            ),
            (
                "((((((((((x{2}){2}){2}){2}){2}){2}){2}){2}){2}){2})",
                Re2Error::InvalidRepeatSize { expr: e("{2}") },
            ),
            (
                "(?:[a-z]{4}){0,251}",
                Re2Error::InvalidRepeatSize { expr: e("{0,251}") },
            ),
            // onlyPOSIX: stacked repetition is an error in Perl mode.
            ("a++", Re2Error::InvalidRepeatOp { expr: e("++") }),
            ("a**", Re2Error::InvalidRepeatOp { expr: e("**") }),
            ("a?*", Re2Error::InvalidRepeatOp { expr: e("?*") }),
            ("a+*", Re2Error::InvalidRepeatOp { expr: e("+*") }),
            ("a{1}*", Re2Error::InvalidRepeatOp { expr: e("{1}*") }),
            (
                ".{1}{2}.{3}",
                Re2Error::InvalidRepeatOp { expr: e("{1}{2}") },
            ),
        ];
        let mut tests: Vec<(String, Re2Error)> = fixed
            .into_iter()
            .map(|(p, err)| (p.to_string(), err))
            .collect();
        let deep = [
            format!("{}{}", "(".repeat(1000), ")".repeat(1000)),
            format!("{}{}", "(?:".repeat(1000), ")*".repeat(1000)),
        ];
        for pattern in deep {
            tests.push((pattern.clone(), Re2Error::NestingDepth { expr: pattern }));
        }
        let large = [
            format!("({}){{1000}}", "(xx?)".repeat(1000)),
            "(xx?){1000}".repeat(1000),
        ];
        for pattern in large {
            tests.push((pattern.clone(), Re2Error::Large { expr: pattern }));
        }
        tests
    }

    #[test]
    fn accepts_go_parse_tests() {
        for pattern in go_parse_tests() {
            assert_eq!(check(&pattern), Ok(()), "{pattern:?}");
        }
    }

    #[test]
    fn refuses_go_invalid_regexps_with_gos_error() {
        for (pattern, error) in go_invalid() {
            assert_eq!(check(&pattern), Err(error), "{pattern:?}");
        }
    }

    #[test]
    fn display_is_gos_code_and_expression() {
        let error = check("/api(").err();
        assert_eq!(
            error.map(|e| e.to_string()),
            Some("missing closing ): `/api(`".to_string())
        );
        assert_eq!(
            check(r"/a\").err().map(|e| e.to_string()),
            Some("trailing backslash at end of expression: ``".to_string())
        );
    }

    /// Rules from `parseEscape`, `parsePerlFlags`, `parseClass` and `parseUnicodeClass`
    /// that the test lists above do not reach.
    #[test]
    fn escapes_flags_and_classes() {
        let ok = [
            r"\0",
            r"\07",
            r"\177",
            r"\10",
            r"\x7f",
            r"\x{10FFFF}",
            r"\x{D800}",
            r"\a\f\n\r\t\v",
            r"\A\z\b\B",
            r"(?i)a",
            r"(?i-s:a)",
            r"(?U)a*",
            r"(?ims-U)",
            r"(?)",
            r"a(?i)*",
            r"^*",
            r"$+",
            r"\b?",
            r"[]a]",
            r"[^]a]",
            r"[a-]",
            r"[-a]",
            r"[\d-z]",
            r"[[:alpha:][:^digit:]]",
            r"[[:foo]",
            r"\pL\pN\p{Greek}",
            r"\p{Letter}",
            r"\p{greek}",
            r"\pl",
            r"(?P<_1>a)",
            r"(?<9>a)",
            r"/api/v[0-9]+/.*",
            r"/foo{",
            r"a{,5}",
            r"x{01}",
            r"\Q(\E",
            r"\Qab",
            r"a\Q\E*",
            r"\_\<\>",
            r"a{2}{",
            r"(a)(b)(?P<n>c)",
        ];
        for pattern in ok {
            assert_eq!(check(pattern), Ok(()), "{pattern:?}");
        }
        let e = |s: &str| s.to_string();
        let bad = [
            (r"\1", Re2Error::InvalidEscape { expr: e(r"\1") }),
            (r"\8", Re2Error::InvalidEscape { expr: e(r"\8") }),
            (r"\q", Re2Error::InvalidEscape { expr: e(r"\q") }),
            (r"\C", Re2Error::InvalidEscape { expr: e(r"\C") }),
            (r"\x4", Re2Error::InvalidEscape { expr: e(r"\x4") }),
            (r"\x4g", Re2Error::InvalidEscape { expr: e(r"\x4g") }),
            (r"\x{}", Re2Error::InvalidEscape { expr: e(r"\x{}") }),
            (
                r"\x{110000}",
                Re2Error::InvalidEscape {
                    expr: e(r"\x{110000"),
                },
            ),
            (r"\x{12", Re2Error::InvalidEscape { expr: e(r"\x{12") }),
            (r"[\b]", Re2Error::InvalidEscape { expr: e(r"\b") }),
            (r"\p", Re2Error::InvalidCharRange { expr: e(r"\p") }),
            (r"\pX", Re2Error::InvalidCharRange { expr: e(r"\pX") }),
            (
                r"\p{Klingon}",
                Re2Error::InvalidCharRange {
                    expr: e(r"\p{Klingon}"),
                },
            ),
            (
                r"\p{Greek",
                Re2Error::InvalidCharRange {
                    expr: e(r"\p{Greek"),
                },
            ),
            (
                r"[[:foo:]]",
                Re2Error::InvalidCharRange { expr: e("[:foo:]") },
            ),
            (r"[z-a]", Re2Error::InvalidCharRange { expr: e("z-a") }),
            (r"(?=a)", Re2Error::InvalidPerlOp { expr: e("(?=") }),
            (r"(?!a)", Re2Error::InvalidPerlOp { expr: e("(?!") }),
            (
                r"(?<=a)",
                Re2Error::InvalidNamedCapture { expr: e("(?<=a)") },
            ),
            (r"(?P=n)", Re2Error::InvalidPerlOp { expr: e("(?P") }),
            (r"(?-)", Re2Error::InvalidPerlOp { expr: e("(?-)") }),
            (r"(?i-)", Re2Error::InvalidPerlOp { expr: e("(?i-)") }),
            (r"(?--i)", Re2Error::InvalidPerlOp { expr: e("(?--") }),
            (r"(?i", Re2Error::InvalidPerlOp { expr: e("(?i") }),
            (r"(?'n'a)", Re2Error::InvalidPerlOp { expr: e("(?'") }),
            (r"*a", Re2Error::MissingRepeatArgument { expr: e("*") }),
            (r"(+)", Re2Error::MissingRepeatArgument { expr: e("+") }),
            (r"a|??", Re2Error::MissingRepeatArgument { expr: e("??") }),
            (r"(?i)*", Re2Error::MissingRepeatArgument { expr: e("*") }),
            (r"{2}", Re2Error::MissingRepeatArgument { expr: e("{2}") }),
            (r"a*?*", Re2Error::InvalidRepeatOp { expr: e("*?*") }),
            (r"a{2}{3}", Re2Error::InvalidRepeatOp { expr: e("{2}{3}") }),
            (
                r"a*{1001}",
                Re2Error::InvalidRepeatSize { expr: e("{1001}") },
            ),
            (
                r"(a{500}){3}",
                Re2Error::InvalidRepeatSize { expr: e("{3}") },
            ),
            (r"[a", Re2Error::MissingBracket { expr: e("[a") }),
            (r"[]", Re2Error::MissingBracket { expr: e("[]") }),
            (r"a[\", Re2Error::TrailingBackslash),
        ];
        for (pattern, error) in bad {
            assert_eq!(check(pattern), Err(error), "{pattern:?}");
        }
    }

    /// Why Go's `regexp.Compile` and `regex_lite` (the tracer's matcher) may disagree about
    /// `pattern`, when the disagreement is one of the known differences between the two
    /// syntaxes; `None` for an unexplained one.
    fn known_difference(
        pattern: &str,
        go: &Result<(), Re2Error>,
        lite: &Result<regex_lite::Regex, regex_lite::Error>,
    ) -> Option<&'static str> {
        match (go, lite) {
            (Err(Re2Error::InvalidRepeatOp { .. }), Ok(_)) => Some(
                "Go in Perl mode refuses a repetition of a repetition (`a**`, `a+?+`); regex_lite nests them",
            ),
            (Err(Re2Error::InvalidRepeatSize { .. }), Ok(_)) => Some(
                "Go caps each count and the product of nested counts at 1000; regex_lite has only a size limit",
            ),
            (Err(Re2Error::InvalidNamedCapture { .. }), Ok(_))
                if pattern.contains(['[', ']', '.']) =>
            {
                Some(
                    "regex_lite also allows `.`, `[` and `]` in a group name; Go only `[A-Za-z0-9_]`",
                )
            }
            (Err(Re2Error::InvalidCharRange { expr }), Ok(_)) if expr.starts_with("]-") => Some(
                "Go reads a leading `]` as the start of a range (`[]-Z]` is the reversed range `]-Z`); regex_lite does not",
            ),
            (Err(Re2Error::NestingDepth { .. } | Re2Error::Large { .. }), _) => Some(
                "Go's height and size limits are its own (regex_lite has a nest limit of 250 and a size limit)",
            ),
            (Ok(()), Err(error)) => {
                let message = error.to_string();
                let has = |needle: &str| message.contains(needle);
                if has("Unicode character classes are not supported")
                    && (pattern.contains("\\p") || pattern.contains("\\P"))
                {
                    Some(
                        "Go knows Unicode classes `\\pL`, `\\p{Greek}`; regex_lite has no Unicode tables",
                    )
                } else if has("backreferences are not supported")
                    && pattern.contains(|c: char| ('0'..='7').contains(&c))
                {
                    Some(
                        "Go reads `\\0`..`\\777` as octal escapes; regex_lite reads `\\0` and `\\1`.. as backreferences",
                    )
                } else if (has("counted repetition") || has("decimal number"))
                    && pattern.contains('{')
                {
                    Some(
                        "Go reads a `{` that does not begin a well-formed `{n}`, `{n,}` or `{n,m}` as a literal; regex_lite refuses it",
                    )
                } else if has("empty flag directive") && pattern.contains("(?)") {
                    Some("Go accepts the empty flag group `(?)`; regex_lite refuses it")
                } else if has("nested character classes are not supported")
                    && pattern.matches('[').count() >= 2
                {
                    Some(
                        "Go reads `[` inside a class as a literal; regex_lite reserves it for nested classes",
                    )
                } else if has("unrecognized escape sequence") && pattern.contains("\\Q") {
                    Some("Go supports Perl's quoting `\\Q...\\E`; regex_lite does not")
                } else if has("invalid escape sequence in character class")
                    && pattern.contains(['<', '>'])
                {
                    Some(
                        "regex_lite reads `\\<` and `\\>` as word-boundary assertions, not allowed in a class; Go reads them as `<` and `>`",
                    )
                } else if has("character class difference is not supported")
                    && pattern.contains("--")
                {
                    Some(
                        "regex_lite reads `--` in a class as set difference, which it does not support; Go reads a range to or from `-`",
                    )
                } else if has("ranges must start and end with a single character") {
                    Some(
                        "Go reads `-` after a class escape such as `\\s` as a literal `-`; regex_lite refuses it",
                    )
                } else if has("invalid group name") {
                    Some("Go allows a group name to start with a digit; regex_lite does not")
                } else if has("too much nesting") {
                    Some("regex_lite's default nest limit (250) is below Go's height limit (1000)")
                } else {
                    None
                }
            }
            _ => None,
        }
    }

    /// Go's test vectors, every pattern up to three characters from an alphabet of regex
    /// syntax, and every one-character deletion, insertion and replacement of the short
    /// vectors: `check` and `regex_lite` agree on all of them except for the known
    /// differences above (a new disagreement fails with the patterns).
    #[test]
    fn agrees_with_regex_lite_except_known_differences() {
        let alphabet: Vec<char> = "a1()|*+?{}[]^$.-\\,:<>P=!ipdLQEx0_'z2".chars().collect();
        let mut vectors: Vec<String> = go_parse_tests();
        vectors.extend(go_invalid().into_iter().map(|(pattern, _)| pattern));
        let mut patterns: Vec<String> = vectors.clone();
        let mut frontier = vec![String::new()];
        for _ in 0..3 {
            let next: Vec<String> = frontier
                .iter()
                .flat_map(|p| alphabet.iter().map(move |&c| format!("{p}{c}")))
                .collect();
            patterns.extend(next.iter().cloned());
            frontier = next;
        }
        let edits: Vec<char> = "a()|*+?{}[]\\^-:<P=1".chars().collect();
        for vector in vectors.iter().filter(|v| v.chars().count() <= 40) {
            let chars: Vec<char> = vector.chars().collect();
            for at in 0..=chars.len() {
                let (head, tail) = chars.split_at(at);
                let head: String = head.iter().collect();
                if let Some((_, rest)) = tail.split_first() {
                    let rest: String = rest.iter().collect();
                    patterns.push(format!("{head}{rest}"));
                    patterns.extend(edits.iter().map(|c| format!("{head}{c}{rest}")));
                }
                let tail: String = tail.iter().collect();
                patterns.extend(edits.iter().map(|c| format!("{head}{c}{tail}")));
            }
        }
        let mut unexplained = Vec::new();
        let mut known = std::collections::BTreeMap::new();
        let mut agreed = 0usize;
        for pattern in &patterns {
            let go = check(pattern);
            let lite = regex_lite::Regex::new(pattern);
            if go.is_ok() == lite.is_ok() {
                agreed += 1;
                continue;
            }
            match known_difference(pattern, &go, &lite) {
                Some(reason) => *known.entry(reason).or_insert(0usize) += 1,
                None => unexplained.push(format!(
                    "go {:?}, regex_lite {:?} {pattern:?}",
                    go.as_ref().err().map(Re2Error::code),
                    lite.err().map(|e| e.to_string())
                )),
            }
        }
        eprintln!(
            "{} patterns, {agreed} agree; known differences: {known:#?}",
            patterns.len()
        );
        assert!(
            unexplained.is_empty(),
            "{} unexplained:\n{}",
            unexplained.len(),
            unexplained
                .iter()
                .take(400)
                .cloned()
                .collect::<Vec<_>>()
                .join("\n")
        );
    }
}
