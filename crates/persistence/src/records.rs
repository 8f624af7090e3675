//! The rows the store reads and writes.

use serde::Serialize;
use std::fmt;

/// Where a run is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum RunStatus {
    /// Being written, or stopped without a chance to say so (killed): `days_completed`
    /// says how far it got, and `rtgsim resume` continues it.
    Running,
    Completed,
    /// Stopped by an error, recorded in `error`.
    Failed,
    /// Stopped on request (Ctrl-C) at a day boundary or mid-day.
    Interrupted,
}

impl RunStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            RunStatus::Running => "running",
            RunStatus::Completed => "completed",
            RunStatus::Failed => "failed",
            RunStatus::Interrupted => "interrupted",
        }
    }

    pub(crate) fn parse(text: &str) -> Option<RunStatus> {
        Some(match text {
            "running" => RunStatus::Running,
            "completed" => RunStatus::Completed,
            "failed" => RunStatus::Failed,
            "interrupted" => RunStatus::Interrupted,
            _ => return None,
        })
    }
}

impl fmt::Display for RunStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// What starting a run records.
#[derive(Debug, Clone, PartialEq)]
pub struct NewRun {
    /// The scenario as JSON, with any command-line overrides applied.
    pub scenario: String,
    /// Every file the scenario read (policy files), path as written -> text, as a
    /// JSON object: with the scenario, all a resume needs.
    pub files: String,
    pub seed: u64,
    pub code_version: String,
    pub days_total: u32,
    /// The run whose last policy states this one started from.
    pub state_from_run: Option<i64>,
    /// The fingerprint (SHA-256, lowercase hex) of the scenario and policy texts, as
    /// the caller computes it: kept so that a check can tell whether `scenario` and
    /// `files` are still what the run was started with.
    pub inputs_sha256: String,
}

/// A run as stored.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RunRow {
    pub id: i64,
    pub seed: u64,
    pub code_version: String,
    pub status: RunStatus,
    pub days_total: u32,
    pub days_completed: u32,
    pub events: u64,
    pub event_log_hash: Option<String>,
    pub error: Option<String>,
    pub state_from_run: Option<i64>,
    /// See [`NewRun::inputs_sha256`]; `None` for runs stored before schema 3.
    pub inputs_sha256: Option<String>,
    /// Unix seconds; metadata only.
    pub started_at: i64,
    pub ended_at: Option<i64>,
}

/// One event as read back: its JSON line (exactly as hashed) and its columns.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct EventRow {
    pub seq: u64,
    pub tick: u32,
    pub day: u32,
    pub kind: String,
    pub agent: Option<String>,
    pub tx: Option<u32>,
    pub amount: Option<i64>,
    /// The JSON line, without its newline.
    pub details: String,
}

/// Which events to read back.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct EventFilter {
    pub kind: Option<String>,
    pub agent: Option<String>,
    pub day: Option<u32>,
    /// At most this many (all when `None`).
    pub limit: Option<u64>,
}

/// An agent's cumulative figures at the end of a day. Money is `i128`: cumulative
/// costs can pass `i64`, and the store keeps them exactly (as decimal text).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct AgentDayRow {
    pub day: u32,
    pub agent: String,
    pub balance: i128,
    pub payments: u64,
    pub settled: u64,
    pub settled_value: i128,
    pub dropped: u64,
    pub unsettled: u64,
    pub peak_overdraft: i128,
    pub policy_errors: u64,
    pub cost_overdraft: i128,
    pub cost_delay: i128,
    pub cost_deadline: i128,
    pub cost_eod: i128,
    pub cost_collateral: i128,
    pub cost_split: i128,
    /// The daily liquidity cost and end-of-day borrowing (0 in rows stored before
    /// schema 6).
    pub cost_liquidity: i128,
    pub cost_borrowing: i128,
}

impl AgentDayRow {
    /// The agent's total cost so far.
    pub fn total_cost(&self) -> i128 {
        self.cost_overdraft
            + self.cost_delay
            + self.cost_deadline
            + self.cost_eod
            + self.cost_collateral
            + self.cost_split
            + self.cost_liquidity
            + self.cost_borrowing
    }
}

/// A day's events as stored: where they start, how many, and the SHA-256 of
/// their lines, written when the day completed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct EventDayRow {
    pub day: u32,
    pub first_seq: u64,
    pub events: u64,
    pub sha256: String,
}

/// A version of a policy in the registry.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PolicyVersion {
    pub policy_id: String,
    pub version: u32,
    /// `Starlark`, `FromJson`, `Inline`, or a built-in policy's name.
    pub kind: String,
    pub source: String,
    pub sha256: String,
    pub parent_version: Option<u32>,
    pub created_by: String,
    /// Unix seconds.
    pub created_at: i64,
}

/// An agent's policy in a run, to register.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RunPolicy {
    pub agent: String,
    pub policy_id: String,
    pub kind: String,
    pub source: String,
}

/// A checkpoint: the simulation after a day, as the caller serialised it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CheckpointRow {
    /// The last day completed (0-based).
    pub day: u32,
    /// Events in the log at that point.
    pub events: u64,
    pub state: Vec<u8>,
    pub sha256: String,
}

/// A record of a run's governance audit chain, stored as given: the store neither
/// builds nor checks the chain (the governance crate does both), it keeps the rows
/// and hands them back unchanged, tampered or not, for the chain check to judge.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct AuditRow {
    /// Position in the chain, from 0.
    pub seq: u64,
    /// Simulated time of the decision recorded; the row commits with this day.
    pub day: u32,
    pub tick: u32,
    /// What kind of decision (`gate`, `latch`, `reset`, `rbac`, ...), to query by.
    pub kind: String,
    /// The record's canonical body, exactly as hashed.
    pub body: String,
    pub prev_hash: String,
    pub hash: String,
}
