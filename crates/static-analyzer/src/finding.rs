//! What the analyzer reports: a [`Finding`] with its code, severity, place and help.

use crate::codes::Code;
use rtgsim_diagnostics::Span;
use serde::Serialize;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Severity {
    /// The policy cannot run, or will fail when it does.
    Error,
    /// The policy runs, but probably not as meant.
    Warning,
}

/// Where a finding is: a span of the source (1-based lines and columns, the end
/// exclusive), and for a JSON document the JSON path and node.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Place {
    #[serde(flatten)]
    pub span: Span,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub json_path: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub node_id: Option<String>,
}

/// One problem found.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Finding {
    pub code: &'static str,
    pub severity: Severity,
    pub message: String,
    pub file: String,
    /// `None` when the problem is the whole file (for instance a missing function).
    #[serde(flatten, skip_serializing_if = "Option::is_none")]
    pub place: Option<Place>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub help: Option<String>,
}

impl Place {
    /// A span of the source, with no JSON path.
    pub fn at(span: Span) -> Place {
        Place {
            span,
            json_path: None,
            node_id: None,
        }
    }
}

impl Finding {
    /// A finding; the user's text quoted in `message` (a name, a token) is clipped
    /// when it is very long ([`rtgsim_diagnostics::clip_message`]).
    pub fn new(code: Code, file: &str, message: impl Into<String>) -> Finding {
        let message: String = message.into();
        Finding {
            code: code.code(),
            severity: code.severity(),
            message: rtgsim_diagnostics::clip_message(&message).into_owned(),
            file: file.to_string(),
            place: None,
            help: None,
        }
    }

    pub fn at(mut self, place: Option<Place>) -> Finding {
        self.place = place;
        self
    }

    pub fn help(mut self, help: impl Into<String>) -> Finding {
        let help: String = help.into();
        self.help = Some(rtgsim_diagnostics::clip_message(&help).into_owned());
        self
    }

    pub fn is_error(&self) -> bool {
        self.severity == Severity::Error
    }
}

/// Sorts findings by place (then code), the order people read them in.
pub(crate) fn sort(findings: &mut [Finding]) {
    findings.sort_by(|a, b| {
        let key = |f: &Finding| f.place.as_ref().map(|p| (p.span.line, p.span.column));
        key(a).cmp(&key(b)).then(a.code.cmp(b.code))
    });
}
