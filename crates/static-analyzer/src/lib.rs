//! # rtgsim-analyzer
//!
//! Static checks of cash-manager policies, before they run: Starlark scripts
//! (`.star`) and JSON decision trees (`.json`). Policies are often written by a
//! language model or an optimiser; a mistake found here costs a message, one found
//! in a run costs the run. Every [`Finding`] has a code (`E001`, `W102`...; see
//! [`codes::CODES`] and `docs/analyzer.md`), a severity, a message, the place
//! (line and column; for JSON also the path and node id) and, where it helps, what to
//! do about it.
//!
//! **What this crate must not do:** run a policy, or depend on the policy
//! interpreters' crates: it reads the starlark crate's syntax tree and the DSL's
//! parser and validator, and core's field catalog.

pub mod codes;
mod finding;
pub mod render;
mod source;
pub mod starlark;
pub mod tree;

pub use codes::{CODES, Code};
pub use finding::{Finding, Place, Severity};

use std::path::Path;

/// Findings for a Starlark script, sorted by place.
pub fn analyze_starlark(file: &str, source: &str) -> Vec<Finding> {
    let mut findings = starlark::analyze(file, source);
    finding::sort(&mut findings);
    findings
}

/// Findings for a decision-tree document given as text, sorted by place.
pub fn analyze_tree(file: &str, text: &str) -> Vec<Finding> {
    let mut findings = tree::analyze_text(file, text);
    finding::sort(&mut findings);
    findings
}

/// Findings for a decision-tree document already read as JSON (written inline in a
/// scenario, say): places are JSON paths only.
pub fn analyze_tree_value(file: &str, value: &serde_json::Value) -> Vec<Finding> {
    let mut findings = tree::analyze_value(file, value);
    finding::sort(&mut findings);
    findings
}

/// Findings for a policy file, by its extension (`.star` or `.json`).
pub fn analyze_file(path: &Path) -> Result<Vec<Finding>, String> {
    let name = path.display().to_string();
    let text = std::fs::read_to_string(path).map_err(|e| format!("{name}: cannot read: {e}"))?;
    match path.extension().and_then(|e| e.to_str()) {
        Some("star") => Ok(analyze_starlark(&name, &text)),
        Some("json") => Ok(analyze_tree(&name, &text)),
        _ => Err(format!(
            "{name}: not a policy file (a .star script or a .json decision tree)"
        )),
    }
}
