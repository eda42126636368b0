//! A JSON array of strings, as Calico's `cni.projectcalico.org/ipAddrs` annotation holds
//! (`["192.168.231.166"]`). The only JSON the page's side of the pipeline reads, so it has its
//! own small reader instead of linking serde_json into the first load (RFC 8259, sections 2, 5
//! and 7: whitespace, arrays, strings with every escape including surrogate pairs).

/// The strings of a JSON array of strings; `None` if `text` is anything else.
pub fn string_list(text: &str) -> Option<Vec<String>> {
    let mut reader = Reader { chars: text.chars().peekable() };
    reader.skip_space();
    reader.expect('[')?;
    let mut list = Vec::new();
    reader.skip_space();
    if reader.eat(']') {
        return reader.end(list);
    }
    loop {
        reader.skip_space();
        list.push(reader.string()?);
        reader.skip_space();
        if reader.eat(']') {
            return reader.end(list);
        }
        reader.expect(',')?;
    }
}

struct Reader<'a> {
    chars: std::iter::Peekable<std::str::Chars<'a>>,
}

impl Reader<'_> {
    fn skip_space(&mut self) {
        while self.chars.next_if(|c| matches!(c, ' ' | '\t' | '\n' | '\r')).is_some() {}
    }

    fn eat(&mut self, want: char) -> bool {
        self.chars.next_if_eq(&want).is_some()
    }

    fn expect(&mut self, want: char) -> Option<()> {
        self.eat(want).then_some(())
    }

    /// Only whitespace may follow the array.
    fn end(mut self, list: Vec<String>) -> Option<Vec<String>> {
        self.skip_space();
        self.chars.next().is_none().then_some(list)
    }

    fn string(&mut self) -> Option<String> {
        self.expect('"')?;
        let mut out = String::new();
        loop {
            match self.chars.next()? {
                '"' => return Some(out),
                '\\' => match self.chars.next()? {
                    '"' => out.push('"'),
                    '\\' => out.push('\\'),
                    '/' => out.push('/'),
                    'b' => out.push('\u{8}'),
                    'f' => out.push('\u{c}'),
                    'n' => out.push('\n'),
                    'r' => out.push('\r'),
                    't' => out.push('\t'),
                    'u' => out.push(self.escaped_char()?),
                    _ => return None,
                },
                // Control characters must be escaped (RFC 8259, section 7).
                c if u32::from(c) < 0x20 => return None,
                c => out.push(c),
            }
        }
    }

    fn hex4(&mut self) -> Option<u32> {
        let mut value = 0;
        for _ in 0..4 {
            value = value * 16 + self.chars.next()?.to_digit(16)?;
        }
        Some(value)
    }

    /// After `\u`: one character, or a surrogate pair written as two escapes.
    fn escaped_char(&mut self) -> Option<char> {
        let first = self.hex4()?;
        match first {
            0xD800..=0xDBFF => {
                self.expect('\\')?;
                self.expect('u')?;
                let second = self.hex4()?;
                if !(0xDC00..=0xDFFF).contains(&second) {
                    return None;
                }
                char::from_u32(0x10000 + ((first - 0xD800) << 10) + (second - 0xDC00))
            }
            0xDC00..=0xDFFF => None,
            _ => char::from_u32(first),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// serde_json (still a dependency, for kubectl's `-o json`) is the reference.
    fn reference(text: &str) -> Option<Vec<String>> {
        serde_json::from_str::<Vec<String>>(text).ok()
    }

    #[test]
    fn agrees_with_serde_json() {
        let cases = [
            r#"["192.168.231.166"]"#,
            r#"  [ "10.0.0.1" , "10.0.0.2" ]  "#,
            "[]",
            " [ ] ",
            "[\n\t\"a\"\r\n]",
            r#"["\"quoted\" \\ \/ \b\f\n\r\t"]"#,
            r#"["\u00e9\u3042\ud83d\ude00"]"#,
            r#"["é", "日本"]"#,
            "",
            "[",
            "]",
            r#"["a",]"#,
            r#"[,"a"]"#,
            r#"["a" "b"]"#,
            r#"["a"] x"#,
            r#"["a"]]"#,
            r#"[1]"#,
            r#"["a", null]"#,
            r#"{"a": "b"}"#,
            r#""a""#,
            r#"["\x"]"#,
            r#"["\u12"]"#,
            r#"["\ud83d"]"#,
            r#"["\ude00"]"#,
            r#"["\ud83d\u0041"]"#,
            "[\"tab\there\"]",
            r#"["unterminated]"#,
            "192.168.231.166",
        ];
        for case in cases {
            assert_eq!(string_list(case), reference(case), "{case:?}");
        }
    }

    #[test]
    fn agrees_with_serde_json_on_every_short_mutation() {
        // Every one- and two-character edit of a real annotation, from a small alphabet of
        // JSON's own characters.
        let base = r#"["192.168.1.5", "a\"b"]"#;
        let alphabet = ['[', ']', '"', ',', '\\', ' ', 'u', '0', 'd', '8', 'x', '\n'];
        let chars: Vec<char> = base.chars().collect();
        let mut checked = 0;
        for i in 0..=chars.len() {
            for &c in &alphabet {
                let mut inserted = chars.clone();
                inserted.insert(i, c);
                let text: String = inserted.into_iter().collect();
                assert_eq!(string_list(&text), reference(&text), "{text:?}");
                if i < chars.len() {
                    let mut replaced = chars.clone();
                    replaced[i] = c;
                    let text: String = replaced.into_iter().collect();
                    assert_eq!(string_list(&text), reference(&text), "{text:?}");
                    let mut removed = chars.clone();
                    removed.remove(i);
                    let text: String = removed.into_iter().collect();
                    assert_eq!(string_list(&text), reference(&text), "{text:?}");
                }
                checked += 1;
            }
        }
        assert!(checked > 200);
    }
}
