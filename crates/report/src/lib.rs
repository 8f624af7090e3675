//! # rtgsim-report
//!
//! What a run yields, computed from its events and from nothing else: the event
//! log as JSON lines and its SHA-256 hash ([`EventLog`]), the figures replayed from
//! the events ([`metrics`], [`governance_figures`]), the run's summary as JSON and
//! tables ([`RunSummary`]), and statistics over many runs ([`stats`]).
//!
//! **What this crate must not do:** run anything or read scenario files. It sees
//! events and a [`RunInfo`]; it depends on `rtgsim-core` only, so a program that
//! reads a stored event log can compute the same figures without the engine.

pub mod event_log;
pub mod governance_figures;
pub mod indicators;
pub mod metrics;
pub mod stats;
pub mod summary;

pub use event_log::{EventLog, EventObserver, LogCheckpoint, LogSummary};
pub use summary::{RunInfo, RunSummary};
