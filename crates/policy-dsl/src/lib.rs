//! # rtgsim-policy-dsl
//!
//! JSON decision-tree policies: documents that an LLM or an optimiser can edit
//! safely, validated before they run, compiled to a flat program, and evaluated
//! without string lookups or allocation per payment.
//!
//! A document holds up to five trees (payment, bank, strategic collateral, end-of-tick
//! collateral, initial liquidity) of condition and action nodes, and named parameters. [`load`] parses,
//! validates and compiles one; [`TreePolicy`] runs it as a
//! [`CashManagerPolicy`](rtgsim_core::CashManagerPolicy).
//!
//! **What this crate must not do:** depend on anything but `rtgsim-core` (so that a
//! user can embed just this interpreter), or let a tree that failed validation run.
//!
//! ```
//! let text = r#"{
//!   "version": "1.0", "tree_id": "urgent_only",
//!   "root": {
//!     "type": "condition", "node_id": "N1",
//!     "condition": {"op": "<=", "left": {"field": "ticks_to_deadline"}, "right": {"param": "urgency"}},
//!     "on_true": {"type": "action", "node_id": "A_RELEASE", "action": "Release"},
//!     "on_false": {"type": "action", "node_id": "A_HOLD", "action": "Hold"}
//!   },
//!   "parameters": {"urgency": 5}
//! }"#;
//! let policy = rtgsim_policy_dsl::TreePolicy::from_text(text).unwrap();
//! assert_eq!(policy.program().id, "urgent_only");
//!
//! let broken = text.replace("ticks_to_deadline", "ticks_to_dedline");
//! let error = rtgsim_policy_dsl::load(&broken).unwrap_err();
//! assert!(error.to_string().contains("did you mean \"ticks_to_deadline\""));
//! ```

pub mod actions;
pub mod ast;
pub mod diagnostic;
pub mod diff;
pub mod parse;
mod policy;
pub mod program;
pub mod validate;

pub use diagnostic::{Diagnostic, LoadError};
pub use policy::TreePolicy;
pub use program::Program;

/// Parses, validates and compiles a document's text.
pub fn load(text: &str) -> Result<Program, LoadError> {
    let document = parse::parse_text(text)?;
    check(&document)
}

/// Parses, validates and compiles a document already read as JSON (for instance
/// from a YAML scenario).
pub fn load_value(json: &serde_json::Value) -> Result<Program, LoadError> {
    let document = parse::parse_value(json).map_err(LoadError::Invalid)?;
    check(&document)
}

fn check(document: &ast::Document) -> Result<Program, LoadError> {
    let problems = validate::validate(document);
    if problems.is_empty() {
        Ok(Program::compile(document))
    } else {
        Err(LoadError::Invalid(problems))
    }
}
