//! Governance: the control layer between a policy's decisions and settlement.
//!
//! * `gate`: the release gate (kill switch, budget, health, risk) with a latch.
//! * `rbac`: declarative rules on who may do what, with a first-match index.
//! * `audit`: the SHA-256 chained audit record and its verification.
//!
//! This crate decides; it does not settle, store or schedule. The tick loop
//! (`rtgsim`) asks it and records what it answers.

pub mod audit;
pub mod capabilities;
pub mod gate;
pub mod rbac;
