//! One problem in a document, and where: the path of the value at fault (and the
//! node it belongs to, in documents made of named nodes), what is wrong and what to
//! do about it; and a [`Span`] of source text, for tools that point into the text.

use crate::clip::{clip_message, clip_path};
use serde::Serialize;
use std::borrow::Cow;
use std::fmt;

/// One problem in a document.
///
/// Shown as `path (node N): message; help`, the parts left out when absent; an empty
/// path is the whole document.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Diagnostic {
    /// Where, e.g. `agents[1].policy.target_buffer`; empty for the whole document.
    pub path: String,
    /// The node the problem is in, when the document has named nodes.
    pub node_id: Option<String>,
    pub message: String,
    /// What to do about it, e.g. a "did you mean".
    pub help: Option<String>,
}

impl Diagnostic {
    pub fn new(path: impl Into<String>, message: impl Into<String>) -> Self {
        Diagnostic {
            path: path.into(),
            node_id: None,
            message: message.into(),
            help: None,
        }
    }

    pub fn in_node(mut self, node_id: Option<&str>) -> Self {
        self.node_id = node_id.map(str::to_string);
        self
    }

    pub fn with_help(mut self, help: Option<String>) -> Self {
        self.help = help;
        self
    }
}

impl fmt::Display for Diagnostic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", shown_path(&self.path))?;
        if let Some(node) = &self.node_id {
            write!(f, " (node {})", crate::clip::clip(node))?;
        }
        // The message quotes what the user wrote; clipped if very long.
        write!(f, ": {}", clip_message(&self.message))?;
        if let Some(help) = &self.help {
            write!(f, "; {}", clip_message(help))?;
        }
        Ok(())
    }
}

/// A path as people read it: the empty path (the whole document) as `(document)`,
/// and a very long key in it clipped ([`clip_path`]).
pub fn shown_path(path: &str) -> Cow<'_, str> {
    if path.is_empty() {
        Cow::Borrowed("(document)")
    } else {
        clip_path(path)
    }
}

/// A path extended with a key.
pub fn join(path: &str, key: &str) -> String {
    if path.is_empty() {
        key.to_string()
    } else {
        format!("{path}.{key}")
    }
}

/// A path extended with a list index.
pub fn index(path: &str, i: usize) -> String {
    format!("{path}[{i}]")
}

/// Every problem of a document: the one problem alone, or `N problems:` and one
/// indented line each.
#[derive(Debug, Clone, Copy)]
pub struct List<'a>(pub &'a [Diagnostic]);

impl fmt::Display for List<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.0 {
            [one] => write!(f, "{one}"),
            many => {
                write!(f, "{} problems:", many.len())?;
                for diagnostic in many {
                    write!(f, "\n  {diagnostic}")?;
                }
                Ok(())
            }
        }
    }
}

/// A stretch of source text: 1-based lines and columns (columns count characters),
/// the end exclusive. Serialized as its four numbers, for tools that read findings.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Span {
    pub line: usize,
    pub column: usize,
    pub end_line: usize,
    pub end_column: usize,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parts_left_out_are_not_shown() {
        let plain = Diagnostic::new("agents[0].id", "\"\" is not an agent id");
        assert_eq!(plain.to_string(), "agents[0].id: \"\" is not an agent id");
        let full = Diagnostic::new("", "missing \"version\"")
            .in_node(Some("N1"))
            .with_help(Some("add \"version\": \"2.0\"".into()));
        assert_eq!(
            full.to_string(),
            "(document) (node N1): missing \"version\"; add \"version\": \"2.0\""
        );
    }

    #[test]
    fn one_problem_alone_many_as_a_list() {
        let a = Diagnostic::new("a", "bad");
        let b = Diagnostic::new(index(&join("", "b"), 2), "worse");
        assert_eq!(List(std::slice::from_ref(&a)).to_string(), "a: bad");
        assert_eq!(
            List(&[a, b]).to_string(),
            "2 problems:\n  a: bad\n  b[2]: worse"
        );
    }
}
