//! Findings for people (with the source line and the span underlined, as compilers
//! show them) and for programs (JSON).

use crate::finding::{Finding, Severity};
use crate::source::Source;
use std::fmt::Write as _;

/// Findings as text: one block per finding, then a count.
pub fn human(findings: &[Finding], sources: &dyn Fn(&str) -> Option<String>) -> String {
    let mut out = String::new();
    for finding in findings {
        let label = match finding.severity {
            Severity::Error => "error",
            Severity::Warning => "warning",
        };
        let _ = writeln!(out, "{label}[{}]: {}", finding.code, finding.message);
        match &finding.place {
            Some(place) => {
                let _ = writeln!(
                    out,
                    "  --> {}:{}:{}",
                    finding.file, place.span.line, place.span.column
                );
                if let Some(path) = &place.json_path {
                    let node = place
                        .node_id
                        .as_deref()
                        .map(|n| format!(" (node {n})"))
                        .unwrap_or_default();
                    let _ = writeln!(out, "   = at {path}{node}");
                }
                if let Some(text) = sources(&finding.file) {
                    snippet(&mut out, &Source::new(&text), place);
                }
            }
            None => {
                let _ = writeln!(out, "  --> {}", finding.file);
            }
        }
        if let Some(help) = &finding.help {
            let _ = writeln!(out, "   = help: {help}");
        }
        out.push('\n');
    }
    let errors = findings.iter().filter(|f| f.is_error()).count();
    let warnings = findings.len() - errors;
    let _ = writeln!(out, "{errors} error(s), {warnings} warning(s)");
    out
}

/// The finding's first line with the span underlined.
fn snippet(out: &mut String, source: &Source<'_>, place: &crate::finding::Place) {
    let place = &place.span;
    let text = source.line(place.line);
    if text.is_empty() {
        return;
    }
    let width = place.line.to_string().len();
    let end = if place.end_line == place.line {
        place.end_column.max(place.column + 1)
    } else {
        text.chars().count() + 1
    };
    let _ = writeln!(out, "{:width$} |", "");
    let _ = writeln!(out, "{} | {text}", place.line);
    let _ = writeln!(
        out,
        "{:width$} | {}{}",
        "",
        " ".repeat(place.column.saturating_sub(1)),
        "^".repeat(end.saturating_sub(place.column).max(1))
    );
}

/// Findings as a JSON array (the `Finding` fields, with the place flattened).
pub fn json(findings: &[Finding]) -> String {
    serde_json::to_string_pretty(findings).unwrap_or_else(|_| "[]".to_string())
}
