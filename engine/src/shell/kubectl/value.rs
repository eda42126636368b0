//! A JSON-like tree of an API object, printed as `kubectl get -o yaml` or `-o json` does.
//!
//! kubectl converts objects to JSON and then (for YAML) through sigs.k8s.io/yaml, which
//! marshals a `map[string]interface{}`: keys come out sorted, sequences under a key are not
//! indented, and strings that would read back as another type are double-quoted.

/// A value of an object's JSON form.
#[derive(Clone, Debug, PartialEq)]
pub enum Value {
    Null,
    Bool(bool),
    Int(i64),
    Str(String),
    List(Vec<Value>),
    /// Keys are sorted when printed, as kubectl's output is.
    Map(Vec<(String, Value)>),
}

impl Value {
    pub fn str(text: impl Into<String>) -> Value {
        Value::Str(text.into())
    }

    pub fn int(number: impl Into<i64>) -> Value {
        Value::Int(number.into())
    }

    /// An empty mapping, to be filled with [`Value::set`].
    pub fn map() -> Value {
        Value::Map(Vec::new())
    }

    /// Sets `key` in a mapping (other values are left alone).
    pub fn set(&mut self, key: &str, value: Value) {
        if let Value::Map(entries) = self {
            entries.retain(|(existing, _)| existing != key);
            entries.push((key.to_string(), value));
        }
    }

    /// Builder form of [`Value::set`].
    pub fn with(mut self, key: &str, value: Value) -> Value {
        self.set(key, value);
        self
    }

    /// Sets `key` only when `value` is `Some`.
    pub fn with_opt(self, key: &str, value: Option<Value>) -> Value {
        match value {
            Some(value) => self.with(key, value),
            None => self,
        }
    }

    /// The mapping's entries sorted by key.
    fn sorted_entries(entries: &[(String, Value)]) -> Vec<&(String, Value)> {
        let mut sorted: Vec<_> = entries.iter().collect();
        crate::sort::by(&mut sorted, |a, b| a.0.cmp(&b.0));
        sorted
    }

    /// The YAML text, ending in a newline.
    pub fn to_yaml(&self) -> String {
        let mut out = String::new();
        match self {
            Value::Map(entries) if !entries.is_empty() => write_map(&mut out, entries, 0),
            Value::List(items) if !items.is_empty() => write_list(&mut out, items, 0),
            scalar => {
                out.push_str(&inline(scalar));
                out.push('\n');
            }
        }
        out
    }

    /// The JSON text as kubectl prints it: four-space indent, keys sorted, a final newline.
    pub fn to_json(&self) -> String {
        let mut out = String::new();
        write_json(&mut out, self, 0);
        out.push('\n');
        out
    }
}

/// A value that fits on the line of its key: a scalar, `{}` or `[]`.
fn inline(value: &Value) -> String {
    match value {
        Value::Null => "null".to_string(),
        Value::Bool(flag) => flag.to_string(),
        Value::Int(number) => number.to_string(),
        Value::Str(text) => yaml_string(text),
        Value::List(_) => "[]".to_string(),
        Value::Map(_) => "{}".to_string(),
    }
}

fn indent(out: &mut String, level: usize) {
    out.extend(std::iter::repeat_n(' ', level));
}

fn write_map(out: &mut String, entries: &[(String, Value)], level: usize) {
    for (index, (key, value)) in Value::sorted_entries(entries).into_iter().enumerate() {
        // The first entry of a map inside a list shares the line of its `- `.
        if index > 0 || !out.ends_with("- ") {
            indent(out, level);
        }
        out.push_str(&yaml_string(key));
        out.push(':');
        match value {
            Value::Map(children) if !children.is_empty() => {
                out.push('\n');
                write_map(out, children, level.saturating_add(2));
            }
            Value::List(items) if !items.is_empty() => {
                out.push('\n');
                // go-yaml writes a sequence under a key at the key's own indentation.
                write_list(out, items, level);
            }
            scalar => {
                out.push(' ');
                out.push_str(&inline(scalar));
                out.push('\n');
            }
        }
    }
}

fn write_list(out: &mut String, items: &[Value], level: usize) {
    for item in items {
        indent(out, level);
        out.push_str("- ");
        match item {
            Value::Map(entries) if !entries.is_empty() => {
                write_map(out, entries, level.saturating_add(2));
            }
            Value::List(inner) if !inner.is_empty() => {
                out.push('\n');
                write_list(out, inner, level.saturating_add(2));
            }
            scalar => {
                out.push_str(&inline(scalar));
                out.push('\n');
            }
        }
    }
}

/// A string as go-yaml v2 writes it: plain when it reads back as the same string,
/// double-quoted otherwise.
fn yaml_string(text: &str) -> String {
    if needs_quotes(text) { json_string(text) } else { text.to_string() }
}

fn needs_quotes(text: &str) -> bool {
    let Some(first) = text.chars().next() else { return true };
    let resolves_to_other_type = matches!(
        text.to_ascii_lowercase().as_str(),
        "true" | "false" | "yes" | "no" | "on" | "off" | "y" | "n" | "null" | "~" | ".inf" | "-.inf"
            | "+.inf" | ".nan"
    ) || looks_numeric(text);
    resolves_to_other_type
        || "-?:,[]{}#&*!|>'\"%@`".contains(first)
        || first.is_whitespace()
        || text.ends_with(char::is_whitespace)
        || text.ends_with(':')
        || text.contains(": ")
        || text.contains(" #")
        || text.chars().any(|c| c.is_control())
}

/// Whether YAML 1.1 would read `text` as an integer or a float (`80`, `-1`, `1.5`, `1e3`, `0x1f`).
fn looks_numeric(text: &str) -> bool {
    let body = text.strip_prefix(['-', '+']).unwrap_or(text);
    if body.is_empty() {
        return false;
    }
    if let Some(hex) = body.strip_prefix("0x") {
        return !hex.is_empty() && hex.chars().all(|c| c.is_ascii_hexdigit() || c == '_');
    }
    let mut digits = 0usize;
    let mut dots = 0usize;
    let mut chars = body.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '0'..='9' => digits = digits.saturating_add(1),
            '_' => {}
            '.' => dots = dots.saturating_add(1),
            'e' | 'E' if digits > 0 => {
                let exponent: String = chars.collect();
                let exponent = exponent.strip_prefix(['-', '+']).unwrap_or(&exponent);
                return !exponent.is_empty() && exponent.chars().all(|c| c.is_ascii_digit());
            }
            ':' if digits > 0 => {} // YAML 1.1 sexagesimal numbers, e.g. 1:30.
            _ => return false,
        }
    }
    digits > 0 && dots <= 1
}

fn json_string(text: &str) -> String {
    // serde_json escapes exactly what JSON requires, which is also valid YAML double-quoting.
    serde_json::to_string(text).unwrap_or_else(|_| format!("\"{}\"", text.escape_default()))
}

fn write_json(out: &mut String, value: &Value, level: usize) {
    match value {
        Value::Map(entries) if !entries.is_empty() => {
            out.push_str("{\n");
            let sorted = Value::sorted_entries(entries);
            let count = sorted.len();
            for (index, (key, child)) in sorted.into_iter().enumerate() {
                indent(out, level.saturating_add(4));
                out.push_str(&json_string(key));
                out.push_str(": ");
                write_json(out, child, level.saturating_add(4));
                if index.saturating_add(1) < count {
                    out.push(',');
                }
                out.push('\n');
            }
            indent(out, level);
            out.push('}');
        }
        Value::List(items) if !items.is_empty() => {
            out.push_str("[\n");
            let count = items.len();
            for (index, child) in items.iter().enumerate() {
                indent(out, level.saturating_add(4));
                write_json(out, child, level.saturating_add(4));
                if index.saturating_add(1) < count {
                    out.push(',');
                }
                out.push('\n');
            }
            indent(out, level);
            out.push(']');
        }
        Value::Map(_) => out.push_str("{}"),
        Value::List(_) => out.push_str("[]"),
        Value::Null => out.push_str("null"),
        Value::Bool(flag) => out.push_str(&flag.to_string()),
        Value::Int(number) => out.push_str(&number.to_string()),
        Value::Str(text) => out.push_str(&json_string(text)),
    }
}

#[cfg(test)]
mod tests {
    use super::Value;

    fn service() -> Value {
        Value::map()
            .with("kind", Value::str("Service"))
            .with("apiVersion", Value::str("v1"))
            .with(
                "metadata",
                Value::map().with("name", Value::str("kube-dns")).with(
                    "annotations",
                    Value::map()
                        .with("prometheus.io/scrape", Value::str("true"))
                        .with("prometheus.io/port", Value::str("9153")),
                ),
            )
            .with(
                "spec",
                Value::map()
                    .with(
                        "ports",
                        Value::List(vec![
                            Value::map()
                                .with("name", Value::str("dns"))
                                .with("port", Value::int(53))
                                .with("protocol", Value::str("UDP")),
                        ]),
                    )
                    .with("clusterIPs", Value::List(vec![Value::str("10.96.0.10")])),
            )
            .with("status", Value::map().with("loadBalancer", Value::map()))
    }

    /// The shape follows real `kubectl get service -n kube-system -o yaml` output: sorted keys,
    /// sequences at their key's indentation, numeric-looking strings quoted, `{}` for empty maps.
    #[test]
    fn yaml_like_kubectl() {
        assert_eq!(
            service().to_yaml(),
            "\
apiVersion: v1
kind: Service
metadata:
  annotations:
    prometheus.io/port: \"9153\"
    prometheus.io/scrape: \"true\"
  name: kube-dns
spec:
  clusterIPs:
  - 10.96.0.10
  ports:
  - name: dns
    port: 53
    protocol: UDP
status:
  loadBalancer: {}
"
        );
    }

    #[test]
    fn json_like_kubectl() {
        let value = Value::map()
            .with("b", Value::List(vec![Value::int(1), Value::str("x")]))
            .with("a", Value::map())
            .with("c", Value::List(Vec::new()));
        assert_eq!(value.to_json(), "{\n    \"a\": {},\n    \"b\": [\n        1,\n        \"x\"\n    ],\n    \"c\": []\n}\n");
    }

    #[test]
    fn quoting() {
        for plain in ["web", "10.96.0.10", "app.kubernetes.io/name", "192.168.0.0/16", "a b", "v1.29.0"] {
            assert_eq!(super::yaml_string(plain), plain);
        }
        for quoted in ["", "80", "true", "no", "1e3", "0x1F", "-1", "1.5", "a: b", "* x", " lead", "trail "] {
            assert!(super::yaml_string(quoted).starts_with('"'), "{quoted:?}");
        }
    }
}
