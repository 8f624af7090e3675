//! Where each value of a JSON document is in its text: JSON paths as the DSL writes
//! them (`payment_tree.on_false.condition.conditions[1].left`) to byte ranges, so a
//! finding about a path can show the line and underline the value.

use std::collections::HashMap;

/// The byte range of every value of `text`, by path (the document itself is `""`).
/// A text that is not JSON gives what was read before the problem.
pub fn spans(text: &str) -> HashMap<String, (usize, usize)> {
    let mut scanner = Scanner {
        bytes: text.as_bytes(),
        at: 0,
        spans: HashMap::new(),
        depth: 0,
    };
    scanner.value(String::new());
    scanner.spans
}

/// The span of `path`, or of the nearest enclosing value that has one.
pub fn find(spans: &HashMap<String, (usize, usize)>, path: &str) -> Option<(usize, usize)> {
    let mut path = path;
    loop {
        if let Some(&span) = spans.get(path) {
            return Some(span);
        }
        let cut = path.rfind(['.', '['])?;
        path = &path[..cut];
    }
}

/// Nesting beyond this is not located (the DSL refuses such documents anyway).
const MAX_DEPTH: usize = 256;

struct Scanner<'t> {
    bytes: &'t [u8],
    at: usize,
    spans: HashMap<String, (usize, usize)>,
    depth: usize,
}

impl Scanner<'_> {
    fn skip_space(&mut self) {
        while self.at < self.bytes.len() && self.bytes[self.at].is_ascii_whitespace() {
            self.at += 1;
        }
    }

    fn peek(&self) -> Option<u8> {
        self.bytes.get(self.at).copied()
    }

    /// Reads one value and records its span under `path`.
    fn value(&mut self, path: String) -> Option<()> {
        self.skip_space();
        let start = self.at;
        self.depth += 1;
        if self.depth > MAX_DEPTH {
            return None;
        }
        match self.peek()? {
            b'{' => self.object(&path)?,
            b'[' => self.array(&path)?,
            b'"' => {
                self.string()?;
            }
            _ => {
                while self
                    .peek()
                    .is_some_and(|b| !b.is_ascii_whitespace() && !matches!(b, b',' | b'}' | b']'))
                {
                    self.at += 1;
                }
                // A `}` where a value belongs (`[1, }`): nothing was read, and reading
                // on would loop forever on the same byte.
                if self.at == start {
                    return None;
                }
            }
        }
        self.depth -= 1;
        self.spans.insert(path, (start, self.at));
        Some(())
    }

    fn object(&mut self, path: &str) -> Option<()> {
        self.at += 1;
        loop {
            self.skip_space();
            match self.peek()? {
                b'}' => {
                    self.at += 1;
                    return Some(());
                }
                b',' => self.at += 1,
                b'"' => {
                    let key = self.string()?;
                    self.skip_space();
                    if self.peek()? != b':' {
                        return None;
                    }
                    self.at += 1;
                    let child = if path.is_empty() {
                        key
                    } else {
                        format!("{path}.{key}")
                    };
                    self.value(child)?;
                }
                _ => return None,
            }
        }
    }

    fn array(&mut self, path: &str) -> Option<()> {
        self.at += 1;
        let mut index = 0;
        loop {
            self.skip_space();
            match self.peek()? {
                b']' => {
                    self.at += 1;
                    return Some(());
                }
                b',' => self.at += 1,
                _ => {
                    self.value(format!("{path}[{index}]"))?;
                    index += 1;
                }
            }
        }
    }

    /// Reads a string, returning its text (escapes kept as written: keys in policy
    /// documents are plain names).
    fn string(&mut self) -> Option<String> {
        self.at += 1;
        let start = self.at;
        while self.peek()? != b'"' {
            if self.peek()? == b'\\' {
                self.at += 1;
            }
            self.at += 1;
        }
        let text = String::from_utf8_lossy(&self.bytes[start..self.at]).into_owned();
        self.at += 1;
        Some(text)
    }
}

#[cfg(test)]
mod tests {
    use super::{find, spans};

    #[test]
    fn finds_nested_paths() {
        let text = r#"{"a": {"b": [1, {"c": "x\"y"}]}, "d": true}"#;
        let map = spans(text);
        let at = |path: &str| map.get(path).map(|&(s, e)| &text[s..e]);
        assert_eq!(at("a.b[0]"), Some("1"));
        assert_eq!(at("a.b[1].c"), Some(r#""x\"y""#));
        assert_eq!(at("d"), Some("true"));
        assert_eq!(
            find(&map, "a.b[1].missing").map(|(s, e)| &text[s..e]),
            Some(r#"{"c": "x\"y"}"#)
        );
    }

    #[test]
    fn broken_text_gives_what_was_read() {
        let map = spans(r#"{"a": 1, "b": "#);
        assert!(map.contains_key("a"));
        assert!(!map.contains_key(""));
    }

    #[test]
    fn a_closing_brace_where_a_value_belongs_ends_the_scan() {
        // Once looped forever, recording `[0]`, `[1]`, ... until memory ran out.
        let found = spans(r#"{"a": [1, }"#);
        assert_eq!(found.get("a[0]"), Some(&(7, 8)));
        assert_eq!(found.get("a[1]"), None);
    }
}
