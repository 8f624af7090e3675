//! # rtgsim-persistence
//!
//! The SQLite store of simulation runs: the run itself (scenario, seed, code
//! version, status, event-log hash), every event, each agent's figures at the end of
//! each day, the policies' states at the end of each day, a registry of policy
//! versions (by content, for runs; and the lifecycle registry, each version's
//! status with its own audit chain), end-of-day checkpoints from which an interrupted run resumes, and the
//! governance audit chain's records with the chain's head.
//!
//! The store is a file of the bundled SQLite (nothing to install), in WAL mode with
//! foreign keys on, its schema versioned by `PRAGMA user_version` and migrated on
//! open. Events are stored in blocks (one row per few thousand events, read back
//! one by one through the `events` view). A run is written day by day: everything of
//! a day (its events, audit records, figures,
//! states and checkpoint) commits in one transaction, so a run that stops for any
//! reason keeps every day it completed and nothing half-written. [`RunWriter`] does
//! the writing on a thread of its own, so the simulation does not wait for the disk.
//!
//! **What this crate must not do:** know what an event means or how a simulation
//! works. It stores what it is given (an event's JSON line and a few columns to query
//! by; a checkpoint as an opaque blob with its hash; an audit record as its body and
//! hashes, never checked here) and hands it back unchanged.

mod audit;
mod error;
mod integrity;
mod lifecycle;
mod optimizations;
mod records;
mod registry;
mod schema;
mod store;
mod writer;

pub use error::StoreError;
pub use integrity::{LogProblem, StoredLog};
pub use lifecycle::{
    NewRegistryVersion, PolicyLanguage, RegistryVersion, Sealer, StatusChange, Transition,
    VersionStatus,
};
pub use optimizations::OptimizationIteration;
pub use records::{
    AgentDayRow, AuditRow, CheckpointRow, EventDayRow, EventFilter, EventRow, NewRun,
    PolicyVersion, RunPolicy, RunRow, RunStatus,
};
pub use schema::SCHEMA_VERSION;
pub use store::{AgentStates, Store};
pub use writer::{DayEnd, PendingCheckpoint, RunWriter};

/// SHA-256 of `bytes`, lowercase hex: the hash stored beside policy sources and
/// checkpoints.
pub fn sha256_hex(bytes: &[u8]) -> String {
    use sha2::{Digest, Sha256};
    hex(&Sha256::digest(bytes))
}

/// `bytes` as lowercase hex.
pub(crate) fn hex(bytes: &[u8]) -> String {
    use std::fmt::Write;
    let mut out = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        // Writing to a String cannot fail.
        let _ = write!(out, "{b:02x}");
    }
    out
}
