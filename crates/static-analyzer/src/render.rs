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
                        .map(|n| format!(" (node {})", rtgsim_diagnostics::clip(n)))
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

/// The most characters of a source line shown whole (a condition written on one
/// line is often 150); of a longer line (a whole policy on one line, a
/// 200,000-character token), a window of this many around the span is shown.
const MAX_SNIPPET_CHARS: usize = 400;

/// Characters shown before the span in such a window.
const SNIPPET_CONTEXT_CHARS: usize = 80;

/// The finding's first line with the span underlined.
fn snippet(out: &mut String, source: &Source<'_>, place: &crate::finding::Place) {
    let place = &place.span;
    let text = source.line(place.line);
    if text.is_empty() {
        return;
    }
    let width = place.line.to_string().len();
    let line: Vec<char> = text.chars().collect();
    let start = place.column.saturating_sub(1).min(line.len());
    let end = if place.end_line == place.line {
        place.end_column.saturating_sub(1).max(start + 1)
    } else {
        line.len()
    };
    // The window of the line shown, and the marks for what is left out.
    let (from, to) = if line.len() <= MAX_SNIPPET_CHARS {
        (0, line.len())
    } else {
        let from = start.saturating_sub(SNIPPET_CONTEXT_CHARS);
        (from, (from + MAX_SNIPPET_CHARS).min(line.len()))
    };
    let before = if from > 0 { "…" } else { "" };
    let after = if to < line.len() { "…" } else { "" };
    let shown: String = line[from..to].iter().collect();
    let underline = end.min(to).saturating_sub(start).max(1);
    let _ = writeln!(out, "{:width$} |", "");
    let _ = writeln!(out, "{} | {before}{shown}{after}", place.line);
    let _ = writeln!(
        out,
        "{:width$} | {}{}",
        "",
        " ".repeat(start - from + before.chars().count()),
        "^".repeat(underline)
    );
}

/// Findings as a JSON array (the `Finding` fields, with the place flattened).
pub fn json(findings: &[Finding]) -> String {
    serde_json::to_string_pretty(findings).unwrap_or_else(|_| "[]".to_string())
}
