//! The decoding toolkit every kind's reader uses: walks a [`yaml::Node`] tree, keeps the
//! field path (`spec.ports[0].nodePort`) and turns every type or value problem into a
//! [`Diagnostic`] at that exact path and position.
//!
//! Scalars are typed the way `kubectl apply` types them: it turns YAML into JSON with
//! `sigs.k8s.io/yaml` (go-yaml v2, so YAML 1.1) and the API server decodes that JSON. So a
//! number field refuses `"8080"` (quoted), a text field refuses an unquoted `8080`, `1.10`
//! or `yes`, and a boolean field accepts YAML 1.1's `yes`/`on` (with a warning).
//! `null` is the same as leaving the field out.

use std::collections::BTreeMap;
use std::net::Ipv4Addr;

use crate::diagnostic::{Deprecation, Diagnostic, Expected, Position, Problem, Quantity, Reason, Severity, Shape, Subject};
use crate::net::Cidr;
use crate::yaml::{self, Entry, Resolved, Value};

/// The state of reading one object: where it is, what it is called, what went wrong.
pub(crate) struct Cx<'d> {
    pub document: usize,
    /// `Service default/web`, once known.
    pub object: Option<String>,
    pub diagnostics: &'d mut Vec<Diagnostic>,
    /// Set by any error: the object is then skipped.
    pub failed: bool,
}

impl<'d> Cx<'d> {
    pub fn new(document: usize, diagnostics: &'d mut Vec<Diagnostic>) -> Cx<'d> {
        Cx {
            document,
            object: None,
            diagnostics,
            failed: false,
        }
    }

    /// Reports a problem at `position` and `path`. Errors mark the object as failed.
    pub fn report(&mut self, severity: Severity, position: Position, path: &str, problem: Problem) {
        if severity == Severity::Error {
            self.failed = true;
        }
        let mut diagnostic = Diagnostic::new(severity, problem)
            .at(Some(self.document), Some(position))
            .with_path(path);
        if let Some(object) = &self.object {
            diagnostic = diagnostic.with_object(object.clone());
        }
        self.diagnostics.push(diagnostic);
    }

    pub fn error(&mut self, position: Position, path: &str, problem: Problem) {
        self.report(Severity::Error, position, path, problem);
    }

    pub fn warn(&mut self, position: Position, path: &str, problem: Problem) {
        self.report(Severity::Warning, position, path, problem);
    }

    /// An `InvalidValue` error for `node`.
    pub fn invalid(&mut self, node: &yaml::Node, path: &str, reason: Reason) {
        let value = node.text().map(yaml::shorten).unwrap_or_else(|| node.describe().to_string());
        self.error(node.position, path, Problem::InvalidValue { value, reason });
    }

    /// A `WrongType` error for `node`.
    pub fn wrong_type(&mut self, node: &yaml::Node, path: &str, expected: Expected) {
        self.error(
            node.position,
            path,
            Problem::WrongType {
                expected,
                found: node.describe(),
            },
        );
    }

    /// Reads a mapping; `None` (after an error) if `node` is something else.
    pub fn map<'n>(&mut self, node: &'n yaml::Node, path: &str) -> Option<Fields<'n>> {
        match &node.value {
            Value::Map(entries) => Some(Fields::new(node.position, path, entries)),
            _ => {
                self.wrong_type(node, path, Expected::Mapping);
                None
            }
        }
    }

    /// Reads a string. An unquoted number or boolean is refused, as `kubectl apply` refuses it:
    /// kubectl turns YAML into JSON with `sigs.k8s.io/yaml` (go-yaml v2, YAML 1.1) without
    /// looking at the target type, so `version: 1.10` becomes the JSON number 1.1 and the API
    /// server answers "cannot unmarshal number into Go struct field ... of type string".
    pub fn string(&mut self, node: &yaml::Node, path: &str) -> Option<String> {
        match &node.value {
            Value::Scalar(scalar) => {
                let found = match (scalar.resolve(), scalar.yaml11_bool()) {
                    (Resolved::Null, _) => return None,
                    (Resolved::Str, None) => return Some(scalar.text.clone()),
                    (Resolved::Int(_) | Resolved::Float, _) => Shape::NumberForText(scalar.text.clone()),
                    (Resolved::Bool(_), _) | (Resolved::Str, Some(_)) => Shape::BoolForText(scalar.text.clone()),
                };
                self.error(
                    node.position,
                    path,
                    Problem::WrongType {
                        expected: Expected::Text,
                        found,
                    },
                );
                None
            }
            _ => {
                self.wrong_type(node, path, Expected::Text);
                None
            }
        }
    }

    /// Reads a whole number. Quoted numbers are refused, as the API server refuses them.
    pub fn int(&mut self, node: &yaml::Node, path: &str) -> Option<i64> {
        match node.scalar().map(|s| (s, s.resolve())) {
            Some((_, Resolved::Int(value))) => Some(value),
            Some((_, Resolved::Null)) => None,
            Some((scalar, Resolved::Str))
                if scalar.quoted
                    && yaml::Scalar {
                        text: scalar.text.clone(),
                        quoted: false,
                    }
                    .resolve()
                        != Resolved::Str =>
            {
                self.wrong_type(node, path, Expected::UnquotedNumber);
                None
            }
            _ => {
                self.wrong_type(node, path, Expected::WholeNumber);
                None
            }
        }
    }

    /// Reads a number in `min..=max`.
    pub fn int_in(&mut self, node: &yaml::Node, path: &str, min: i64, max: i64, quantity: Quantity) -> Option<i64> {
        let value = self.int(node, path)?;
        if value < min || value > max {
            self.invalid(node, path, Reason::OutOfRange { quantity, min, max });
            return None;
        }
        Some(value)
    }

    /// Reads a port number, 1 to 65535.
    pub fn port(&mut self, node: &yaml::Node, path: &str) -> Option<u16> {
        let value = self.int_in(node, path, 1, 65535, Quantity::PortNumber)?;
        u16::try_from(value).ok()
    }

    /// Reads a boolean: `true`/`false`, or YAML 1.1's `yes`/`no`/`on`/`off` (which
    /// `sigs.k8s.io/yaml` still accepts).
    pub fn bool(&mut self, node: &yaml::Node, path: &str) -> Option<bool> {
        let scalar = node.scalar();
        match scalar.map(yaml::Scalar::resolve) {
            Some(Resolved::Bool(b)) => Some(b),
            Some(Resolved::Null) => None,
            _ => match scalar.and_then(yaml::Scalar::yaml11_bool) {
                Some(b) => {
                    let text = scalar.map(|s| s.text.clone()).unwrap_or_default();
                    self.warn(
                        node.position,
                        path,
                        Problem::Deprecated { form: Deprecation::Yaml11Bool { text, value: b } },
                    );
                    Some(b)
                }
                None => {
                    let expected = if scalar.is_some_and(|s| s.quoted && matches!(s.text.as_str(), "true" | "false")) {
                        Expected::UnquotedBoolean
                    } else {
                        Expected::Boolean
                    };
                    self.wrong_type(node, path, expected);
                    None
                }
            },
        }
    }

    /// Reads a dotted-quad IPv4 address.
    pub fn ipv4(&mut self, node: &yaml::Node, path: &str) -> Option<Ipv4Addr> {
        let text = self.string(node, path)?;
        match text.parse::<Ipv4Addr>() {
            Ok(address) => Some(address),
            Err(_) if text.contains(':') && text.parse::<std::net::Ipv6Addr>().is_ok() => {
                self.warn(
                    node.position,
                    path,
                    Problem::NotEmulated {
                        feature: Subject::Ipv6,
                        detail: Reason::Ipv4ClusterOnly { value: text },
                    },
                );
                None
            }
            Err(_) => {
                self.invalid(node, path, Reason::NotAnIpv4AddressDotted);
                None
            }
        }
    }

    /// Reads a CIDR such as `192.168.0.0/16`, refusing host bits as the API validation does.
    pub fn cidr(&mut self, node: &yaml::Node, path: &str) -> Option<Cidr> {
        let text = self.string(node, path)?;
        if !text.contains('/') {
            self.invalid(node, path, Reason::NotACidr);
            return None;
        }
        if text.contains(':') {
            self.warn(
                node.position,
                path,
                Problem::NotEmulated {
                    feature: Subject::Ipv6,
                    detail: Reason::Ipv4ClusterOnly { value: text },
                },
            );
            return None;
        }
        match Cidr::parse_strict(&text) {
            Ok(cidr) => Some(cidr),
            Err(error) => {
                self.invalid(node, path, cidr_reason(&error));
                None
            }
        }
    }

    /// Reads a list, each item with `item`; a single scalar where a list belongs is an error.
    pub fn list<T>(
        &mut self,
        node: &yaml::Node,
        path: &str,
        mut item: impl FnMut(&mut Cx<'d>, &yaml::Node, &str) -> Option<T>,
    ) -> Vec<T> {
        match &node.value {
            Value::Seq(items) => items
                .iter()
                .enumerate()
                .filter_map(|(index, node)| item(self, node, &format!("{path}[{index}]")))
                .collect(),
            Value::Scalar(_) if node.is_null() => Vec::new(),
            _ => {
                self.wrong_type(node, path, Expected::List);
                Vec::new()
            }
        }
    }

    /// Reads a list of strings.
    pub fn strings(&mut self, node: &yaml::Node, path: &str) -> Vec<String> {
        self.list(node, path, |cx, node, path| cx.string(node, path))
    }

    /// Reads a `map[string]string`, such as labels.
    pub fn string_map(&mut self, node: &yaml::Node, path: &str) -> BTreeMap<String, String> {
        let mut out = BTreeMap::new();
        if node.is_null() {
            return out;
        }
        let Value::Map(entries) = &node.value else {
            self.wrong_type(node, path, Expected::MappingOfTexts);
            return out;
        };
        for entry in entries {
            let entry_path = key_path(path, &entry.key);
            if let Some(value) = self.string(&entry.value, &entry_path) {
                out.insert(entry.key.clone(), value);
            } else if entry.value.is_null() {
                out.insert(entry.key.clone(), String::new());
            }
        }
        out
    }

    /// Reads one of a fixed set of spellings (case-sensitive, as the API is).
    pub fn one_of<T: Copy>(&mut self, node: &yaml::Node, path: &str, choices: &[(&str, T)]) -> Option<T> {
        let text = self.string(node, path)?;
        if let Some((_, value)) = choices.iter().find(|(name, _)| *name == text) {
            return Some(*value);
        }
        let names: Vec<String> = choices.iter().map(|(name, _)| (*name).to_string()).collect();
        let case_hint = choices
            .iter()
            .find(|(name, _)| name.eq_ignore_ascii_case(&text))
            .map(|(name, _)| (*name).to_string());
        self.invalid(node, path, Reason::OneOf { choices: names, case_hint });
        None
    }
}

/// The path of `key` under `path`: `spec.type`, or `metadata.labels["app.kubernetes.io/name"]`
/// for keys that are not plain identifiers.
pub(crate) fn key_path(path: &str, key: &str) -> String {
    let plain = !key.is_empty() && key.chars().all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-');
    match (path.is_empty(), plain) {
        (true, true) => key.to_string(),
        (false, true) => format!("{path}.{key}"),
        (_, false) => format!("{path}[{key:?}]"),
    }
}

/// The fields of one mapping, consumed one by one; whatever is left at [`Fields::finish`] is
/// reported as unknown.
pub(crate) struct Fields<'n> {
    pub position: Position,
    pub path: String,
    entries: &'n [Entry],
    used: Vec<bool>,
    /// Every key asked for or ignored, for "did you mean" suggestions.
    known: Vec<String>,
}

impl<'n> Fields<'n> {
    pub fn new(position: Position, path: &str, entries: &'n [Entry]) -> Fields<'n> {
        Fields {
            position,
            path: path.to_string(),
            entries,
            used: vec![false; entries.len()],
            known: Vec::new(),
        }
    }

    /// The path of a field of this mapping.
    pub fn path_of(&self, key: &str) -> String {
        key_path(&self.path, key)
    }

    /// Takes a field; `None` if it is absent or `null`.
    pub fn take(&mut self, key: &str) -> Option<(&'n yaml::Node, String)> {
        self.know(key);
        let index = self.entries.iter().position(|entry| entry.key == key)?;
        if let Some(used) = self.used.get_mut(index) {
            *used = true;
        }
        let entry = self.entries.get(index)?;
        if entry.value.is_null() {
            return None;
        }
        Some((&entry.value, self.path_of(key)))
    }

    /// Whether the mapping has the field (even as `null`).
    pub fn has(&mut self, key: &str) -> bool {
        self.know(key);
        self.entries.iter().any(|entry| entry.key == key)
    }

    /// Marks fields the lab knows but does not use, so they are accepted silently.
    pub fn ignore(&mut self, keys: &[&str]) {
        keys.iter().for_each(|key| self.know(key));
        for (entry, used) in self.entries.iter().zip(self.used.iter_mut()) {
            if keys.contains(&entry.key.as_str()) {
                *used = true;
            }
        }
    }

    /// Marks every remaining field as accepted (for free-form parts such as `status`).
    pub fn ignore_rest(&mut self) {
        self.used.iter_mut().for_each(|used| *used = true);
    }

    fn know(&mut self, key: &str) {
        if !self.known.iter().any(|k| k == key) {
            self.known.push(key.to_string());
        }
    }

    /// Warns about every field not taken or ignored, suggesting the known field it most
    /// likely misspells.
    pub fn finish(self, cx: &mut Cx<'_>) {
        /// More unknown fields than this in one mapping are summed up in one warning.
        const MAX_REPORTED: usize = 20;
        let unknown: Vec<&Entry> = self
            .entries
            .iter()
            .zip(self.used.iter())
            .filter(|(_, used)| !**used)
            .map(|(entry, _)| entry)
            .collect();
        for entry in unknown.iter().take(MAX_REPORTED) {
            let path = key_path(&self.path, &entry.key);
            let problem = match suggestion(&entry.key, &self.known) {
                Some(known) => Problem::MisspelledField {
                    field: entry.key.clone(),
                    suggestion: known,
                },
                None => Problem::UnknownField {
                    field: entry.key.clone(),
                },
            };
            cx.warn(entry.key_position, &path, problem);
        }
        if unknown.len() > MAX_REPORTED {
            let count = unknown.len().saturating_sub(MAX_REPORTED);
            cx.warn(self.position, &self.path, Problem::MoreUnknownFields { count });
        }
    }

    /// Reports a missing required field at this mapping.
    pub fn missing(&self, cx: &mut Cx<'_>, key: &str) {
        cx.error(
            self.position,
            &self.path_of(key),
            Problem::MissingField { field: key.to_string() },
        );
    }

    pub fn string(&mut self, cx: &mut Cx<'_>, key: &str) -> Option<String> {
        let (node, path) = self.take(key)?;
        cx.string(node, &path)
    }

    /// A required string: missing is an error.
    pub fn required_string(&mut self, cx: &mut Cx<'_>, key: &str) -> Option<String> {
        let value = self.string(cx, key);
        if value.is_none() && !cx_reported_at(cx, &self.path_of(key)) {
            self.missing(cx, key);
        }
        value
    }

    pub fn int(&mut self, cx: &mut Cx<'_>, key: &str) -> Option<i64> {
        let (node, path) = self.take(key)?;
        cx.int(node, &path)
    }

    pub fn int_in(&mut self, cx: &mut Cx<'_>, key: &str, min: i64, max: i64, quantity: Quantity) -> Option<i64> {
        let (node, path) = self.take(key)?;
        cx.int_in(node, &path, min, max, quantity)
    }

    pub fn port(&mut self, cx: &mut Cx<'_>, key: &str) -> Option<u16> {
        let (node, path) = self.take(key)?;
        cx.port(node, &path)
    }

    pub fn bool(&mut self, cx: &mut Cx<'_>, key: &str) -> Option<bool> {
        let (node, path) = self.take(key)?;
        cx.bool(node, &path)
    }

    pub fn ipv4(&mut self, cx: &mut Cx<'_>, key: &str) -> Option<Ipv4Addr> {
        let (node, path) = self.take(key)?;
        cx.ipv4(node, &path)
    }

    pub fn cidr(&mut self, cx: &mut Cx<'_>, key: &str) -> Option<Cidr> {
        let (node, path) = self.take(key)?;
        cx.cidr(node, &path)
    }

    /// A required CIDR: absent is an error (a value that is there but wrong is reported already).
    pub fn required_cidr(&mut self, cx: &mut Cx<'_>, key: &str) -> Option<Cidr> {
        let value = self.cidr(cx, key);
        if value.is_none() && !self.has(key) {
            self.missing(cx, key);
        }
        value
    }

    pub fn strings(&mut self, cx: &mut Cx<'_>, key: &str) -> Vec<String> {
        match self.take(key) {
            Some((node, path)) => cx.strings(node, &path),
            None => Vec::new(),
        }
    }

    pub fn string_map(&mut self, cx: &mut Cx<'_>, key: &str) -> BTreeMap<String, String> {
        match self.take(key) {
            Some((node, path)) => cx.string_map(node, &path),
            None => BTreeMap::new(),
        }
    }

    pub fn one_of<T: Copy>(&mut self, cx: &mut Cx<'_>, key: &str, choices: &[(&str, T)]) -> Option<T> {
        let (node, path) = self.take(key)?;
        cx.one_of(node, &path, choices)
    }

    /// A nested mapping.
    pub fn map(&mut self, cx: &mut Cx<'_>, key: &str) -> Option<Fields<'n>> {
        let (node, path) = self.take(key)?;
        cx.map(node, &path)
    }

    /// A required nested mapping: missing is an error, unless the object already failed (so
    /// "missing" does not follow "wrong type").
    pub fn required_map(&mut self, cx: &mut Cx<'_>, key: &str) -> Option<Fields<'n>> {
        let value = self.map(cx, key);
        if value.is_none() && !cx.failed {
            self.missing(cx, key);
        }
        value
    }

    /// A list whose items are read with `item`.
    pub fn list<'d, T>(
        &mut self,
        cx: &mut Cx<'d>,
        key: &str,
        item: impl FnMut(&mut Cx<'d>, &yaml::Node, &str) -> Option<T>,
    ) -> Vec<T> {
        match self.take(key) {
            Some((node, path)) => cx.list(node, &path, item),
            None => Vec::new(),
        }
    }
}

/// Whether a diagnostic was already reported at `path` (so "missing" does not follow "wrong type").
fn cx_reported_at(cx: &Cx<'_>, path: &str) -> bool {
    cx.diagnostics
        .iter()
        .rev()
        .take(8)
        .any(|d| d.path == path && d.document == Some(cx.document))
}

/// The known key that `key` most likely misspells: same letters in another case, or at most
/// two edits away (one for short keys).
fn suggestion(key: &str, known: &[String]) -> Option<String> {
    if let Some(k) = known.iter().find(|k| k.eq_ignore_ascii_case(key)) {
        return Some(k.clone());
    }
    let limit = if key.chars().count() <= 4 { 1 } else { 2 };
    known
        .iter()
        .map(|k| (edit_distance(&key.to_ascii_lowercase(), &k.to_ascii_lowercase()), k))
        .filter(|(distance, _)| *distance <= limit)
        .min_by_key(|(distance, _)| *distance)
        .map(|(_, k)| k.clone())
}

/// Levenshtein distance over characters (keys are short; inputs are bounded by the YAML limits).
fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut row: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut diagonal = i;
        if let Some(first) = row.first_mut() {
            *first = i.saturating_add(1);
        }
        for (j, cb) in b.iter().enumerate() {
            let above = row.get(j.saturating_add(1)).copied().unwrap_or(usize::MAX);
            let left = row.get(j).copied().unwrap_or(usize::MAX);
            let cost = usize::from(ca != *cb);
            let value = diagonal
                .saturating_add(cost)
                .min(above.saturating_add(1))
                .min(left.saturating_add(1));
            diagonal = above;
            if let Some(cell) = row.get_mut(j.saturating_add(1)) {
                *cell = value;
            }
        }
    }
    row.last().copied().unwrap_or(0)
}

/// Why a CIDR is refused, without repeating the whole value.
pub(crate) fn cidr_reason(error: &crate::net::CidrError) -> Reason {
    use crate::net::CidrError;
    match error {
        CidrError::BadAddress(address) => Reason::CidrBadAddress { address: address.to_string() },
        CidrError::BadPrefixLength(_) => Reason::CidrBadPrefixLength,
        CidrError::HostBitsSet { network, .. } => Reason::CidrHostBits { network: network.to_string() },
    }
}
