//! The regular expressions `grep` understands in the lab: POSIX basic (BRE, the default) and
//! extended (ERE, `grep -E`) syntax, with GNU grep's `\+`, `\?` and `\|` in BRE.
//!
//! Supported: literals, `.`, bracket expressions (`[a-z]`, `[^0-9]`, `[[:digit:]]`), `^`, `$`,
//! `*`, `+`, `?`, `{n,m}`, grouping and alternation. Matching is a backtracking search with a
//! step budget, so a pathological pattern gives up instead of hanging the page.

use std::cell::Cell;

/// One piece of a compiled pattern.
#[derive(Clone, Debug, PartialEq, Eq)]
enum Node {
    Char(char),
    Any,
    /// A bracket expression: ranges (single characters are `(c, c)`), negated or not.
    Class { ranges: Vec<(char, char)>, negated: bool },
    Start,
    End,
    Group(Box<Node>),
    /// Alternatives, tried in order.
    Alternation(Vec<Node>),
    Sequence(Vec<Node>),
    Repeat { node: Box<Node>, min: u32, max: Option<u32> },
}

/// A compiled pattern.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Regex {
    root: Node,
    ignore_case: bool,
}

/// Steps one line may take before the match gives up.
const STEP_BUDGET: usize = 200_000;
/// The longest pattern accepted (keeps recursion shallow).
const MAX_PATTERN: usize = 256;
/// The deepest the search may recurse (nested repetitions of groups), far below the stack
/// of a browser tab.
const MAX_DEPTH: usize = 400;

/// Why a pattern could not be compiled or matched, in grep's words.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RegexError(pub String);

struct Parser<'a> {
    chars: std::iter::Peekable<std::str::Chars<'a>>,
    extended: bool,
    depth: usize,
}

impl Regex {
    /// Compiles `pattern`; `extended` selects ERE syntax (`grep -E`).
    pub fn new(pattern: &str, extended: bool, ignore_case: bool) -> Result<Regex, RegexError> {
        if pattern.chars().count() > MAX_PATTERN {
            return Err(RegexError("pattern is too long".to_string()));
        }
        let mut parser = Parser { chars: pattern.chars().peekable(), extended, depth: 0 };
        let root = parser.alternation()?;
        if parser.chars.next().is_some() {
            return Err(RegexError(if extended { "Unmatched ) or \\)" } else { "Unmatched \\)" }.to_string()));
        }
        Ok(Regex { root, ignore_case })
    }

    /// A pattern that matches `text` literally (`grep -F`).
    pub fn literal(text: &str, ignore_case: bool) -> Regex {
        Regex { root: Node::Sequence(text.chars().map(Node::Char).collect()), ignore_case }
    }

    /// Whether the pattern matches anywhere in `line`; `Err` when it ran out of steps.
    pub fn is_match(&self, line: &str) -> Result<bool, RegexError> {
        let text: Vec<char> =
            if self.ignore_case { line.chars().map(fold).collect() } else { line.chars().collect() };
        let matcher =
            Matcher { text: &text, budget: Cell::new(STEP_BUDGET), depth: Cell::new(0), ignore_case: self.ignore_case };
        for start in 0..=text.len() {
            if matcher.node(&self.root, start, &mut |_| true) {
                return Ok(true);
            }
            if matcher.budget.get() == 0 {
                return Err(RegexError("the pattern is too complex for the lab".to_string()));
            }
        }
        Ok(false)
    }
}

/// Case folding for `grep -i` (one character to one character, as for ASCII and most scripts).
fn fold(c: char) -> char {
    let mut lower = c.to_lowercase();
    match (lower.next(), lower.next()) {
        (Some(single), None) => single,
        _ => c,
    }
}

/// A backtracking search over one line. Each method calls `next` with every position where
/// its piece can end a match begun at `at`, and stops (returning true) as soon as `next` does.
struct Matcher<'a> {
    text: &'a [char],
    budget: Cell<usize>,
    depth: Cell<usize>,
    ignore_case: bool,
}

impl Matcher<'_> {
    fn node(&self, node: &Node, at: usize, next: &mut dyn FnMut(usize) -> bool) -> bool {
        let budget = self.budget.get();
        let depth = self.depth.get();
        if budget == 0 || depth >= MAX_DEPTH {
            // Out of steps or stack: give up on the whole line.
            self.budget.set(0);
            return false;
        }
        self.budget.set(budget.saturating_sub(1));
        self.depth.set(depth.saturating_add(1));
        let matched = self.node_inner(node, at, next);
        self.depth.set(depth);
        matched
    }

    /// Whether `node` matches the one character at `at` (for single-character nodes).
    fn single(&self, node: &Node, at: usize) -> Option<bool> {
        let c = self.text.get(at);
        match node {
            Node::Char(expected) => {
                let expected = if self.ignore_case { fold(*expected) } else { *expected };
                Some(c == Some(&expected))
            }
            Node::Any => Some(c.is_some()),
            Node::Class { ranges, negated } => Some(c.is_some_and(|&c| {
                let hit = ranges.iter().any(|&(low, high)| {
                    (low..=high).contains(&c) || (self.ignore_case && c.to_uppercase().any(|upper| (low..=high).contains(&upper)))
                });
                hit != *negated
            })),
            _ => None,
        }
    }

    fn node_inner(&self, node: &Node, at: usize, next: &mut dyn FnMut(usize) -> bool) -> bool {
        match node {
            Node::Char(expected) => {
                let expected = if self.ignore_case { fold(*expected) } else { *expected };
                self.text.get(at) == Some(&expected) && next(at.saturating_add(1))
            }
            Node::Any => at < self.text.len() && next(at.saturating_add(1)),
            Node::Class { ranges, negated } => match self.text.get(at) {
                Some(&c) => {
                    let hit = ranges.iter().any(|&(low, high)| {
                        (low..=high).contains(&c) || (self.ignore_case && c.to_uppercase().any(|upper| (low..=high).contains(&upper)))
                    });
                    hit != *negated && next(at.saturating_add(1))
                }
                None => false,
            },
            Node::Start => at == 0 && next(at),
            Node::End => at == self.text.len() && next(at),
            Node::Group(inner) => self.node(inner, at, next),
            Node::Alternation(options) => options.iter().any(|option| self.node(option, at, next)),
            Node::Sequence(items) => self.sequence(items, at, next),
            Node::Repeat { node, min, max } => self.repeat(node, *min, *max, 0, at, next),
        }
    }

    fn sequence(&self, items: &[Node], at: usize, next: &mut dyn FnMut(usize) -> bool) -> bool {
        match items.split_first() {
            None => next(at),
            Some((first, rest)) => self.node(first, at, &mut |end| self.sequence(rest, end, next)),
        }
    }

    fn repeat(&self, node: &Node, min: u32, max: Option<u32>, count: u32, at: usize, next: &mut dyn FnMut(usize) -> bool) -> bool {
        // A repeated single character (`.*`, `[0-9]+`) is matched in a loop, longest first,
        // so long lines do not deepen the recursion.
        if count == 0 && self.single(node, at).is_some() {
            let limit = max.map_or(usize::MAX, |max| usize::try_from(max).unwrap_or(usize::MAX));
            let mut run = 0usize;
            while run < limit && self.single(node, at.saturating_add(run)) == Some(true) {
                run = run.saturating_add(1);
            }
            let min = usize::try_from(min).unwrap_or(usize::MAX);
            for length in (min..=run).rev() {
                let budget = self.budget.get();
                if budget == 0 {
                    return false;
                }
                self.budget.set(budget.saturating_sub(1));
                if next(at.saturating_add(length)) {
                    return true;
                }
            }
            return false;
        }
        // Greedy: try one more repetition first, then stop here if enough have matched.
        // A repetition that matched nothing would loop forever and adds nothing.
        let may_repeat = max.is_none_or(|max| count < max);
        if may_repeat
            && self.node(node, at, &mut |end| end > at && self.repeat(node, min, max, count.saturating_add(1), end, next))
        {
            return true;
        }
        count >= min && next(at)
    }
}

impl Parser<'_> {
    fn error<T>(message: &str) -> Result<T, RegexError> {
        Err(RegexError(message.to_string()))
    }

    /// Whether the next characters are the alternation operator (`|` in ERE, `\|` in BRE).
    fn at_bar(&mut self) -> bool {
        let mut lookahead = self.chars.clone();
        matches!((self.extended, lookahead.next(), lookahead.next()), (true, Some('|'), _) | (false, Some('\\'), Some('|')))
    }

    /// Whether the next characters close a group (`)` in ERE, `\)` in BRE).
    fn at_close(&mut self) -> bool {
        let mut lookahead = self.chars.clone();
        match (self.extended, lookahead.next(), lookahead.next()) {
            (true, Some(')'), _) => self.depth > 0,
            (false, Some('\\'), Some(')')) => true,
            _ => false,
        }
    }

    fn alternation(&mut self) -> Result<Node, RegexError> {
        let mut options = vec![self.sequence()?];
        while self.at_bar() {
            self.chars.next();
            if !self.extended {
                self.chars.next();
            }
            options.push(self.sequence()?);
        }
        Ok(if options.len() == 1 { options.pop().unwrap_or(Node::Sequence(Vec::new())) } else { Node::Alternation(options) })
    }

    fn sequence(&mut self) -> Result<Node, RegexError> {
        let mut items: Vec<Node> = Vec::new();
        while self.chars.peek().is_some() && !self.at_bar() && !self.at_close() {
            let at_start = items.is_empty();
            let atom = self.atom(at_start)?;
            let atom = self.quantifiers(atom)?;
            items.push(atom);
        }
        Ok(Node::Sequence(items))
    }

    fn atom(&mut self, at_start: bool) -> Result<Node, RegexError> {
        let Some(c) = self.chars.next() else { return Self::error("unexpected end of pattern") };
        Ok(match c {
            '.' => Node::Any,
            '^' if at_start || self.extended => Node::Start,
            '$' if self.chars.peek().is_none() || self.extended || self.at_bar() || self.at_close() => Node::End,
            '[' => self.bracket()?,
            '(' if self.extended => self.group()?,
            '*' if at_start => Node::Char('*'),
            '\\' => match self.chars.next() {
                Some('(') if !self.extended => self.group()?,
                Some('w') => Node::Class { ranges: vec![('a', 'z'), ('A', 'Z'), ('0', '9'), ('_', '_')], negated: false },
                Some('s') => Node::Class { ranges: vec![(' ', ' '), ('\t', '\t')], negated: false },
                Some(escaped) => Node::Char(escaped),
                None => return Self::error("Trailing backslash"),
            },
            other => Node::Char(other),
        })
    }

    fn group(&mut self) -> Result<Node, RegexError> {
        self.depth = self.depth.saturating_add(1);
        if self.depth > 50 {
            return Self::error("groups nest too deeply");
        }
        let inner = self.alternation()?;
        let closed = match (self.extended, self.chars.next()) {
            (true, Some(')')) => true,
            (false, Some('\\')) => self.chars.next() == Some(')'),
            _ => false,
        };
        self.depth = self.depth.saturating_sub(1);
        if !closed {
            return Self::error(if self.extended { "Unmatched ( or \\(" } else { "Unmatched \\(" });
        }
        Ok(Node::Group(Box::new(inner)))
    }

    fn quantifiers(&mut self, mut atom: Node) -> Result<Node, RegexError> {
        loop {
            let mut lookahead = self.chars.clone();
            let (min, max, width) = match (self.extended, lookahead.next(), lookahead.next()) {
                (_, Some('*'), _) => (0, None, 1),
                (true, Some('+'), _) | (false, Some('\\'), Some('+')) => (1, None, if self.extended { 1 } else { 2 }),
                (true, Some('?'), _) | (false, Some('\\'), Some('?')) => (0, Some(1), if self.extended { 1 } else { 2 }),
                (true, Some('{'), _) | (false, Some('\\'), Some('{')) => {
                    for _ in 0..(if self.extended { 1 } else { 2 }) {
                        self.chars.next();
                    }
                    let (min, max) = self.interval()?;
                    atom = Node::Repeat { node: Box::new(atom), min, max };
                    continue;
                }
                _ => return Ok(atom),
            };
            for _ in 0..width {
                self.chars.next();
            }
            atom = Node::Repeat { node: Box::new(atom), min, max };
        }
    }

    /// `n}`, `n,}` or `n,m}` after `{` (`\}` in BRE).
    fn interval(&mut self) -> Result<(u32, Option<u32>), RegexError> {
        let mut text = String::new();
        loop {
            match self.chars.next() {
                Some('}') if self.extended => break,
                Some('\\') if !self.extended && self.chars.peek() == Some(&'}') => {
                    self.chars.next();
                    break;
                }
                Some(c) if c.is_ascii_digit() || c == ',' => text.push(c),
                _ => return Self::error("Invalid content of \\{\\}"),
            }
        }
        let parse = |part: &str| part.parse::<u32>().ok().filter(|n| *n <= 1000);
        let (min, max) = match text.split_once(',') {
            None => {
                let n = parse(&text);
                (n, n)
            }
            Some((low, "")) => (parse(low).or(Some(0)), None),
            Some((low, high)) => (if low.is_empty() { Some(0) } else { parse(low) }, parse(high)),
        };
        match (min, max) {
            (Some(min), Some(max)) if min <= max => Ok((min, Some(max))),
            (Some(min), None) if text.ends_with(',') => Ok((min, None)),
            _ => Self::error("Invalid content of \\{\\}"),
        }
    }

    fn bracket(&mut self) -> Result<Node, RegexError> {
        let mut ranges = Vec::new();
        let negated = self.chars.peek() == Some(&'^');
        if negated {
            self.chars.next();
        }
        let mut first = true;
        loop {
            let Some(c) = self.chars.next() else { return Self::error("Unmatched [, [^, [:, [., or [=") };
            if c == ']' && !first {
                break;
            }
            first = false;
            if c == '[' && self.chars.peek() == Some(&':') {
                self.chars.next();
                let name: String = self.chars.by_ref().take_while(|c| *c != ':').collect();
                if self.chars.next() != Some(']') {
                    return Self::error("Unmatched [, [^, [:, [., or [=");
                }
                let class: &[(char, char)] = match name.as_str() {
                    "digit" => &[('0', '9')],
                    "alpha" => &[('a', 'z'), ('A', 'Z')],
                    "alnum" => &[('a', 'z'), ('A', 'Z'), ('0', '9')],
                    "upper" => &[('A', 'Z')],
                    "lower" => &[('a', 'z')],
                    "space" => &[(' ', ' '), ('\t', '\r')],
                    "blank" => &[(' ', ' '), ('\t', '\t')],
                    "xdigit" => &[('0', '9'), ('a', 'f'), ('A', 'F')],
                    "punct" => &[('!', '/'), (':', '@'), ('[', '`'), ('{', '~')],
                    _ => return Self::error("Invalid character class name"),
                };
                ranges.extend_from_slice(class);
                continue;
            }
            let mut lookahead = self.chars.clone();
            if lookahead.next() == Some('-') && lookahead.next().is_some_and(|end| end != ']') {
                self.chars.next();
                let end = self.chars.next().unwrap_or(c);
                if end < c {
                    return Self::error("Invalid range end");
                }
                ranges.push((c, end));
            } else {
                ranges.push((c, c));
            }
        }
        Ok(Node::Class { ranges, negated })
    }
}

#[cfg(test)]
mod tests {
    use super::Regex;

    fn bre(pattern: &str, line: &str) -> bool {
        Regex::new(pattern, false, false).unwrap().is_match(line).unwrap()
    }

    fn ere(pattern: &str, line: &str) -> bool {
        Regex::new(pattern, true, false).unwrap().is_match(line).unwrap()
    }

    #[test]
    fn basic_syntax() {
        let rule = "-A KUBE-SERVICES -d 10.96.0.10/32 -p udp -m comment --comment \"kube-system/kube-dns:dns cluster IP\" -j KUBE-SVC-TCOU7JCQXEZGVUNU";
        assert!(bre("KUBE-SVC", rule));
        assert!(bre("^-A KUBE-SERVICES", rule));
        assert!(!bre("^KUBE", rule));
        assert!(bre("VUNU$", rule));
        assert!(bre("10\\.96\\.0\\.[0-9]*/32", rule));
        assert!(bre("KUBE-SVC-[A-Z0-9]\\{16\\}$", rule));
        assert!(bre("dns\\|nodeports", rule));
        assert!(bre("\\(udp\\|tcp\\) -m", rule));
        // In BRE, + and ? are literal characters.
        assert!(!bre("a+", "aa"));
        assert!(bre("a+", "a+"));
        assert!(bre("*", "2*3"));
    }

    #[test]
    fn extended_syntax() {
        assert!(ere("(SEP|SVC)-[A-Z0-9]+", "-j KUBE-SEP-ABC"));
        assert!(ere("dpt:(80|443)$", "tcp dpt:443"));
        assert!(!ere("dpt:(80|443)$", "tcp dpt:4430"));
        assert!(ere("x{2,3}", "axxb"));
        assert!(!ere("^x{2,3}$", "xxxx"));
        assert!(ere("colou?r", "color"));
        assert!(ere("[[:digit:]]+/32", "10.0.0.1/32"));
        assert!(ere("[^a-z]", "abc1"));
        assert!(!ere("[^a-z]", "abc"));
    }

    #[test]
    fn ignore_case_and_literals() {
        assert!(Regex::new("kube-svc", false, true).unwrap().is_match("-j KUBE-SVC-X").unwrap());
        assert!(Regex::literal("a.b", false).is_match("xa.b").unwrap());
        assert!(!Regex::literal("a.b", false).is_match("axb").unwrap());
    }

    #[test]
    fn bad_patterns_and_blowups() {
        assert!(Regex::new("[abc", false, false).is_err());
        assert!(Regex::new("(a", true, false).is_err());
        assert!(Regex::new("\\(a", false, false).is_err());
        assert!(Regex::new("a\\", false, false).is_err());
        let nested = Regex::new("(a*)*b", true, false).unwrap();
        let line = "a".repeat(5000);
        assert!(matches!(nested.is_match(&line), Ok(false) | Err(_)));
    }
}
