//! How Contour turns an Ingress path and `pathType` into an Envoy route match, how Envoy
//! tests a request path against it, and the order Contour gives Envoy's routes.
//!
//! Sits between the cluster's [`crate::cluster::IngressPath`] and the route table
//! ([`super::table`]). Port of Contour's `IngressProcessor.route`
//! (`internal/dag/ingress_processor.go`) and `routeSorter` (`internal/sorter/sorter.go`),
//! with Envoy's `RouteMatch` semantics (`path`, `prefix`, `path_separated_prefix`,
//! `safe_regex`).

use std::cmp::Ordering;
use std::fmt;

use super::re2::{self, Re2Error};
use crate::cluster::PathType;

/// The characters that make Contour read an `ImplementationSpecific` path as a regex
/// (`strings.ContainsAny(path, "^+*[]%")`).
pub const REGEX_CHARACTERS: &str = "^+*[]%";

/// The most bytes of regex the lab compiles; longer patterns never match.
const REGEX_SIZE_LIMIT: usize = 1 << 16;

/// Why a regex path is refused (Contour: "path regex is not valid").
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum RegexError {
    /// The pattern is longer than the lab compiles (`limit` bytes).
    TooLong { limit: usize },
    /// Go's `regexp.Compile`, which Contour's RE2 side runs, refuses the pattern.
    Syntax(Re2Error),
}

impl fmt::Display for RegexError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            RegexError::TooLong { limit } => write!(f, "the pattern is longer than {limit} bytes"),
            RegexError::Syntax(error) => error.fmt(f),
        }
    }
}

/// An Envoy route's path match, as Contour programs it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum PathMatch {
    /// Envoy `path`: the path without its query string equals this, case-sensitively.
    /// From `pathType: Exact`.
    Exact(String),
    /// Envoy `path_separated_prefix`: the path equals this or continues with `/`.
    /// From `pathType: Prefix` other than `/`, trailing slashes stripped.
    SegmentPrefix(String),
    /// Envoy `prefix`: a plain string prefix. From `Prefix /` and from
    /// `ImplementationSpecific` paths without regex characters (so `/foo` matches `/foobar`).
    StringPrefix(String),
    /// Envoy `safe_regex` (RE2), which must match the whole path. From
    /// `ImplementationSpecific` paths containing any of `^+*[]%`.
    Regex(String),
}

impl PathMatch {
    /// Contour's translation of one Ingress path (`IngressProcessor.route`).
    pub fn from_ingress(path: &str, path_type: PathType) -> PathMatch {
        let path = if path.is_empty() { "/" } else { path };
        match path_type {
            PathType::Prefix if path == "/" => PathMatch::StringPrefix("/".to_string()),
            PathType::Prefix => PathMatch::SegmentPrefix(path.trim_end_matches('/').to_string()),
            PathType::Exact => PathMatch::Exact(path.to_string()),
            PathType::ImplementationSpecific if path.contains(|c| REGEX_CHARACTERS.contains(c)) => {
                PathMatch::Regex(path.to_string())
            }
            PathType::ImplementationSpecific => PathMatch::StringPrefix(path.to_string()),
        }
    }

    /// Whether a request path (query string already removed) matches.
    pub fn matches(&self, path: &str) -> bool {
        match self {
            PathMatch::Exact(exact) => path == exact,
            PathMatch::StringPrefix(prefix) => path.starts_with(prefix.as_str()),
            PathMatch::SegmentPrefix(prefix) => match path.strip_prefix(prefix.as_str()) {
                Some(rest) => rest.is_empty() || rest.starts_with('/'),
                None => false,
            },
            PathMatch::Regex(pattern) => compile(pattern).is_some_and(|regex| regex.is_match(path)),
        }
    }

    /// The regex's error, when this is a regex match that RE2 would reject (Contour then
    /// drops the Ingress's remaining paths: "path regex is not valid"). A syntax check
    /// ([`re2::check`]), so cluster building does not link a regex engine.
    pub fn regex_error(&self) -> Option<RegexError> {
        match self {
            PathMatch::Regex(pattern) if pattern.len() > REGEX_SIZE_LIMIT => {
                Some(RegexError::TooLong { limit: REGEX_SIZE_LIMIT })
            }
            PathMatch::Regex(pattern) => re2::check(pattern).err().map(RegexError::Syntax),
            _ => None,
        }
    }

    /// The match's text (the prefix, path or pattern).
    pub fn value(&self) -> &str {
        match self {
            PathMatch::Exact(text)
            | PathMatch::SegmentPrefix(text)
            | PathMatch::StringPrefix(text)
            | PathMatch::Regex(text) => text,
        }
    }

    /// Contour's `routeSorter.Less` as an ordering: exact paths first, then regexes
    /// (longest first), then prefixes (longest first, a segment prefix before a string
    /// prefix of the same text). Ties of the same length go by descending string order.
    pub fn envoy_order(&self, other: &PathMatch) -> Ordering {
        fn rank(path: &PathMatch) -> u8 {
            match path {
                PathMatch::Exact(_) => 0,
                PathMatch::Regex(_) => 1,
                PathMatch::SegmentPrefix(_) | PathMatch::StringPrefix(_) => 2,
            }
        }
        let by_rank = rank(self).cmp(&rank(other));
        if by_rank != Ordering::Equal {
            return by_rank;
        }
        let (a, b) = (self.value(), other.value());
        let by_text = match (self, other) {
            // Exact paths: descending string order only ("lexicographic sorting is ok").
            (PathMatch::Exact(_), PathMatch::Exact(_)) => b.cmp(a),
            _ => b.len().cmp(&a.len()).then_with(|| b.cmp(a)),
        };
        by_text.then_with(|| {
            let segment = |path: &PathMatch| !matches!(path, PathMatch::SegmentPrefix(_));
            segment(self).cmp(&segment(other))
        })
    }
}

impl fmt::Display for PathMatch {
    /// Envoy's field name and value, e.g. `path_separated_prefix: /foo`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            PathMatch::Exact(path) => write!(f, "path: {path}"),
            PathMatch::SegmentPrefix(prefix) => write!(f, "path_separated_prefix: {prefix}"),
            PathMatch::StringPrefix(prefix) => write!(f, "prefix: {prefix}"),
            PathMatch::Regex(pattern) => write!(f, "safe_regex: {pattern}"),
        }
    }
}

/// The path Envoy routes on and forwards: the `:path` without its query string or
/// fragment, with `.` and `..` segments removed (Contour's listeners set `normalize_path`,
/// RFC 3986 §5.2.4 `remove_dot_segments`). Percent-decoding of unreserved characters, which
/// Envoy's normalization also does, is not emulated; `//` is kept (`merge_slashes` is off).
pub fn request_path(target: &str) -> String {
    let end = target.find(['?', '#']).unwrap_or(target.len());
    remove_dot_segments(target.get(..end).unwrap_or(target))
}

/// RFC 3986 §5.2.4 for an absolute path.
fn remove_dot_segments(path: &str) -> String {
    if !path.split('/').any(|segment| segment == "." || segment == "..") {
        return path.to_string();
    }
    let mut output: Vec<&str> = Vec::new();
    let segments: Vec<&str> = path.split('/').skip(1).collect();
    let last = segments.len().saturating_sub(1);
    for (index, segment) in segments.iter().enumerate() {
        match *segment {
            "." | ".." => {
                if *segment == ".." {
                    output.pop();
                }
                // A trailing dot segment leaves a directory, so the path keeps its slash.
                if index == last {
                    output.push("");
                }
            }
            other => output.push(other),
        }
    }
    format!("/{}", output.join("/"))
}

/// The tracer's matcher. `regex_lite` refuses a few patterns Go accepts (see
/// `engine/tests/re2_differential.rs`); those then match nothing.
fn build(pattern: &str) -> Result<regex_lite::Regex, String> {
    if pattern.len() > REGEX_SIZE_LIMIT {
        return Err(format!("the pattern is longer than {REGEX_SIZE_LIMIT} bytes"));
    }
    // RE2 in Envoy's `safe_regex` must match the whole path, so anchor both ends.
    regex_lite::RegexBuilder::new(&format!("^(?:{pattern})$"))
        .size_limit(REGEX_SIZE_LIMIT.saturating_mul(16))
        .nest_limit(64)
        .build()
        .map_err(|error| error.to_string())
}

fn compile(pattern: &str) -> Option<regex_lite::Regex> {
    build(pattern).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn regex(pattern: &str) -> PathMatch {
        PathMatch::from_ingress(pattern, PathType::ImplementationSpecific)
    }

    #[test]
    fn regex_error_is_gos_error_or_the_length_limit() {
        assert_eq!(
            regex("/api(.*").regex_error(),
            Some(RegexError::Syntax(Re2Error::MissingParen { expr: "/api(.*".to_string() }))
        );
        assert_eq!(regex("/api/v[0-9]+/.*").regex_error(), None);
        let long = format!("/{}", "a*".repeat(REGEX_SIZE_LIMIT / 2));
        assert_eq!(regex(&long).regex_error(), Some(RegexError::TooLong { limit: REGEX_SIZE_LIMIT }));
        assert_eq!(
            regex(&long).regex_error().map(|error| error.to_string()),
            Some("the pattern is longer than 65536 bytes".to_string())
        );
        // Not a regex at all: `Prefix` paths are never checked.
        assert_eq!(PathMatch::from_ingress("/api(", PathType::Prefix).regex_error(), None);
    }

    #[test]
    fn go_accepts_what_regex_lite_refuses_and_the_tracer_then_matches_nothing() {
        // Go reads the unfinished `{` as a literal, so Contour serves the route; regex_lite
        // refuses the pattern, so the tracer's match never succeeds.
        let path = regex("/files/*{");
        assert_eq!(path.regex_error(), None);
        assert!(!path.matches("/files/{"));
        // The two agree on ordinary patterns.
        assert!(regex("/api/v[0-9]+/.*").matches("/api/v2/users"));
    }
}
