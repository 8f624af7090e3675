//! Governance: the control layer between a policy's decisions and settlement.
//!
//! * `gate`: the release gate (kill switch, budget, health, risk) with a latch.
//! * `rbac`: declarative rules on who may do what, with a first-match index.
//!   Rule files are YAML, read with the default `yaml` feature.
//! * `audit`: the SHA-256 chained audit record and its verification.
//! * `capabilities`: the names a policy's and an operator's actions are asked by.
//! * `governor`: the gate in the tick loop: operators' events, every release
//!   judged, RBAC refusals turned into holds, and the audit trail as events.
//!
//! **What this crate must not do:** settle, store or schedule. The engine asks the
//! governor and applies what it answers; the gate's inputs are the system's state
//! and the operators' configuration, never a policy's own claims.

pub mod audit;
pub mod capabilities;
pub mod gate;
pub mod governor;
pub mod rbac;
