//! Declarative RBAC: who may do what, read from a YAML rule file.
//!
//! ```yaml
//! default: DENY                      # required: ALLOW | DENY | REQUIRE_APPROVAL
//! rules:
//!   - principal: "optimizer:llm-*"
//!     capabilities: ["policy.deploy.starlark", "policy.action.*"]
//!     action: ALLOW
//!     max_risk: MEDIUM               # optional: LOW | MEDIUM | HIGH | CRITICAL
//!     description: "LLM optimizers may deploy scripted policies"  # optional
//! ```
//!
//! # Deciding
//!
//! A request is a principal (`optimizer:llm-7`, `user:alice`,
//! `agent:BANK_A`), a capability (`policy.deploy.starlark`, `gate.reset`)
//! and a [`Risk`]. Rules are tried in file order and the **first match
//! wins**: a rule matches when its principal pattern matches and at least
//! one of its capability patterns does. When none matches, the file's
//! `default` applies.
//!
//! The effect is then escalated, never relaxed:
//!
//! * a request above the matching rule's `max_risk` turns that rule's ALLOW
//!   into REQUIRE_APPROVAL (reason `MAX_RISK_EXCEEDED`); DENY and
//!   REQUIRE_APPROVAL are unchanged;
//! * a request of risk HIGH or CRITICAL turns any ALLOW, a rule's or the
//!   default's, into REQUIRE_APPROVAL (reason `RISK_ESCALATION`): high-risk
//!   operations always have a human in the loop. So a `max_risk` of HIGH
//!   or CRITICAL never loosens anything; it is the same as none.
//!
//! When both apply, the reason reported is `MAX_RISK_EXCEEDED`, the more
//! specific one. The [`Decision`] says which rule matched (0-based index,
//! and its line in the file when known) or that the default applied,
//! and whether and why it was escalated.
//!
//! # Patterns
//!
//! Names are split into segments: principals on `:` (the kind, then the
//! name, in which `.` is an ordinary character), capabilities on `.`.
//! Matching goes segment by segment:
//!
//! * a segment without `*` must be equal;
//! * `*` inside a segment matches any run of characters, possibly empty,
//!   within that segment only (`llm-*` matches `llm-7` and `llm-`, never
//!   `llm-7:x` as a principal name or `llm-7.x` as a capability);
//! * a `*` segment in the middle stands for exactly one segment;
//! * a `*` segment at the end stands for **one or more** segments:
//!   `io.fs.*` matches `io.fs.read` and `io.fs.write.x`, but neither
//!   `io.fs` nor `io.fsx.read`;
//! * the lone pattern `*` matches every name.
//!
//! Capability segments may hold ASCII letters, digits, `_` and `-`;
//! principal segments may also hold `.`. Empty patterns, empty segments
//! (`a..b`, `a.`), `**` and other characters are load errors naming the
//! file, rule and field. Request names are not validated; they just match
//! or not.
//!
//! # Cost
//!
//! [`RuleSet::decide`] does not scan the rules: exact patterns are found
//! by map lookup and wildcards through a trie of their literal prefixes
//! (see `index.rs`). It agrees with the reference scan
//! [`RuleSet::decide_linear`] on every input; a property test checks it.
//!
//! ```
//! use rtgsim_governance::rbac::{Effect, Risk, RuleSet};
//!
//! let rules = RuleSet::from_yaml(
//!     "default: DENY\nrules:\n  - principal: \"optimizer:llm-*\"\n    capabilities: [\"policy.deploy.*\"]\n    action: ALLOW\n",
//!     "inline.yaml",
//! )?;
//! assert_eq!(rules.decide("optimizer:llm-7", "policy.deploy.starlark", Risk::Low).effect, Effect::Allow);
//! assert_eq!(rules.decide("optimizer:llm-7", "policy.deploy.starlark", Risk::High).effect, Effect::RequireApproval);
//! assert_eq!(rules.decide("optimizer:llm-7", "policy.action.drop", Risk::Low).effect, Effect::Deny);
//! # Ok::<(), rtgsim_governance::rbac::RbacError>(())
//! ```

mod decision;
mod error;
mod file;
mod index;
mod lines;
mod pattern;
mod rules;

#[cfg(test)]
mod tests;

pub use decision::{Decision, ESCALATION_RISK_MIN, Effect, Reason, Risk, UnknownName};
pub use error::{RbacError, RuleField};
pub use file::{RULE_CAPABILITIES_MAX, RULES_MAX};
pub use pattern::{PATTERN_BYTES_MAX, Pattern, PatternError, PatternKind};
pub use rules::{Rule, RuleSet};
