//! # rtgsim-policy-convert
//!
//! Converts a JSON decision-tree policy (`rtgsim-policy-dsl`) into a Starlark script
//! (`rtgsim-policy-starlark`) that makes exactly the same decisions, so a policy can
//! start as a tree and grow into a stateful script.
//!
//! Exactness is the point. The script reads fields as floats, compares `==` within
//! the interpreter's epsilon, fails where the interpreter fails (division by zero, a
//! clamp with crossed bounds, an overflow, an impossible split), keeps the bank
//! tree's registers and release budget with the same rules, and puts each action's
//! node id in the decision's `reason`, which becomes the `source` of the events it
//! causes, as the tree's node id does. A test runs random trees and their
//! conversions on random states, and every example policy through whole
//! simulations, and compares.
//!
//! Timed releases and collateral posted for a limited time keep their schedules in
//! the script's `state`, as the interpreter keeps them in its own. A `ReleaseShare`
//! becomes the script's `"ReleaseShare"` (its part worked out first where a release
//! budget counts it), and the initial liquidity tree the script's
//! `evaluate_initial_liquidity`. What is not converted is reported, never
//! approximated: paced releases of parts on later ticks (`PaceAndRelease`,
//! `StaggerSplit`, whose schedules the interpreter keeps and the conversion does
//! not write) and actions on payments in the central queue (which a script does
//! not see).
//!
//! **What this crate must not do:** run policies or simulations; it writes text.
//!
//! ```
//! let tree = r#"{
//!   "version": "1.0", "tree_id": "urgent_only",
//!   "root": {
//!     "type": "condition", "node_id": "N1",
//!     "condition": {"op": "<=", "left": {"field": "ticks_to_deadline"}, "right": {"param": "urgency"}},
//!     "on_true": {"type": "action", "node_id": "A_RELEASE", "action": "Release"},
//!     "on_false": {"type": "action", "node_id": "A_HOLD", "action": "Hold"}
//!   },
//!   "parameters": {"urgency": 5}
//! }"#;
//! let script = rtgsim_policy_convert::convert_text(tree, "urgent_only.json").unwrap();
//! assert!(script.contains("URGENCY = 5.0"));
//! assert!(script.contains("if float(tx.ticks_to_deadline) <= URGENCY:"));
//! ```

mod helpers;
mod script;
pub mod values;

use rtgsim_policy_dsl::ast::Document;
use rtgsim_policy_dsl::{Diagnostic, LoadError, parse, validate};

/// Why a document was not converted.
#[derive(Debug, thiserror::Error)]
pub enum ConvertError {
    /// The document does not load: the tree interpreter would refuse it too.
    #[error("{0}")]
    Invalid(#[from] LoadError),
    /// The document is valid, but these parts have no Starlark equivalent: each
    /// with its node's JSON path and id.
    #[error("cannot convert to Starlark:\n{}", list(.0))]
    Unsupported(Vec<Diagnostic>),
}

fn list(problems: &[Diagnostic]) -> String {
    problems
        .iter()
        .map(|p| format!("  {p}"))
        .collect::<Vec<_>>()
        .join("\n")
}

/// Converts a document's text; `origin` (usually its file name) is named in the
/// script's header.
pub fn convert_text(text: &str, origin: &str) -> Result<String, ConvertError> {
    let document = parse::parse_text(text)?;
    let problems = validate::validate(&document);
    if !problems.is_empty() {
        return Err(LoadError::Invalid(problems).into());
    }
    convert(&document, origin)
}

/// Converts a document that has passed validation.
pub fn convert(document: &Document, origin: &str) -> Result<String, ConvertError> {
    script::write(document, origin).map_err(ConvertError::Unsupported)
}
