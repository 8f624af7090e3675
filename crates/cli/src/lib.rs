//! # rtgsim
//!
//! The `rtgsim` command: flags (clap), the commands, and the recording of runs in a
//! SQLite store day by day ([`recording`]), resumed from their last checkpoint.
//!
//! **What this crate must not do:** hold simulation, scenario or reporting logic.
//! It parses flags and renders results; the engine (`rtgsim-engine`), the scenario
//! loader (`rtgsim-scenario`) and the event log and summaries (`rtgsim-report`) do
//! the work, and it is the only crate that parses flags.

pub mod evaluation;
pub mod integrity;
pub mod recording;
pub mod registry;
