//! Load errors. Each names the file, and where it can the rule (0-based
//! index and 1-based line) and the field, so a person can fix it directly.

use std::fmt;

use super::pattern::PatternError;

/// Why a rule file could not be loaded.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RbacError {
    /// The text is not YAML of the expected shape (syntax error, unknown or
    /// missing field, unknown effect or risk name, wrong type).
    #[error("{file}: {message}")]
    Yaml {
        file: String,
        /// The parser's message. It starts with the path in the document
        /// (such as `rules[2].action`) and ends with the line and column
        /// when the parser knows them.
        message: String,
        /// 1-based line of the problem, when known.
        line: Option<usize>,
    },
    /// A principal or capability pattern is malformed.
    #[error("{file}: rule {rule}{line}, {field}: invalid pattern {pattern:?}: {problem}", line = LineSuffix(*.line))]
    InvalidPattern {
        file: String,
        rule: usize,
        line: Option<usize>,
        field: RuleField,
        pattern: String,
        problem: PatternError,
    },
    /// A rule lists no capabilities, so it could never match.
    #[error("{file}: rule {rule}{line}, capabilities: the list is empty; a rule needs at least one capability", line = LineSuffix(*.line))]
    NoCapabilities {
        file: String,
        rule: usize,
        line: Option<usize>,
    },
    /// A rule lists more capabilities than the limit.
    #[error("{file}: rule {rule}{line}, capabilities: {count} entries; the limit is {max}", line = LineSuffix(*.line))]
    TooManyCapabilities {
        file: String,
        rule: usize,
        line: Option<usize>,
        count: usize,
        max: usize,
    },
    /// The file holds more rules than the limit.
    #[error("{file}: rules: {count} rules; the limit is {max}")]
    TooManyRules {
        file: String,
        count: usize,
        max: usize,
    },
}

/// The field of a rule an error is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RuleField {
    /// `principal`.
    Principal,
    /// `capabilities[i]`, 0-based.
    Capability(usize),
}

impl fmt::Display for RuleField {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            RuleField::Principal => f.write_str("principal"),
            RuleField::Capability(position) => write!(f, "capabilities[{position}]"),
        }
    }
}

/// ` (line N)` when the line is known, nothing otherwise.
struct LineSuffix(Option<usize>);

impl fmt::Display for LineSuffix {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.0 {
            Some(line) => write!(f, " (line {line})"),
            None => Ok(()),
        }
    }
}
