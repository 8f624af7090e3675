//! Problems found in a policy document, each with the JSON path of the value at fault
//! and the id of the node it belongs to.

use std::fmt;
use thiserror::Error;

/// One problem in a document.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Diagnostic {
    /// Where, e.g. `payment_tree.on_false.condition.left.field`.
    pub path: String,
    /// The node the problem is in, when there is one.
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
        let path = if self.path.is_empty() {
            "(document)"
        } else {
            &self.path
        };
        write!(f, "{path}")?;
        if let Some(node) = &self.node_id {
            write!(f, " (node {node})")?;
        }
        write!(f, ": {}", self.message)?;
        if let Some(help) = &self.help {
            write!(f, "; {help}")?;
        }
        Ok(())
    }
}

/// A document that cannot be used.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum LoadError {
    /// Not JSON at all.
    #[error("invalid JSON at line {line}, column {column}: {message}")]
    Json {
        line: usize,
        column: usize,
        message: String,
    },
    /// JSON, but not a valid policy: every problem found.
    #[error("{}", DiagnosticList(.0))]
    Invalid(Vec<Diagnostic>),
}

impl LoadError {
    /// The problems, when the document was JSON.
    pub fn diagnostics(&self) -> &[Diagnostic] {
        match self {
            LoadError::Invalid(list) => list,
            LoadError::Json { .. } => &[],
        }
    }
}

struct DiagnosticList<'a>(&'a [Diagnostic]);

impl fmt::Display for DiagnosticList<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.0 {
            [one] => write!(f, "{one}"),
            many => {
                write!(f, "{} problems:", many.len())?;
                for d in many {
                    write!(f, "\n  {d}")?;
                }
                Ok(())
            }
        }
    }
}

/// Extends a JSON path with a key.
pub(crate) fn join(path: &str, key: &str) -> String {
    if path.is_empty() {
        key.to_string()
    } else {
        format!("{path}.{key}")
    }
}

/// Extends a JSON path with an index.
pub(crate) fn index(path: &str, i: usize) -> String {
    format!("{path}[{i}]")
}
