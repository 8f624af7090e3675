//! Problems found in a policy document, each a [`Diagnostic`] with the JSON path of
//! the value at fault and the id of the node it belongs to.

pub use rtgsim_diagnostics::Diagnostic;
use rtgsim_diagnostics::diagnostic::List;
pub(crate) use rtgsim_diagnostics::diagnostic::{index, join};
use thiserror::Error;

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
    #[error("{}", List(.0))]
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
