//! # rtgsim
//!
//! The simulator: scenario files ([`config`]), the policy factory, the tick loop
//! ([`Simulation`]), the event log and its hash ([`EventLog`]), metrics computed from
//! the events, run summaries, and the `rtgsim` command line.
//!
//! **What this crate must not do:** hold logic that belongs to a subsystem. Money
//! moves in `rtgsim-core`, settlement algorithms live in `rtgsim-settlement`; this
//! crate wires them together in one documented order.
//!
//! ```
//! let file = rtgsim::config::default_file().unwrap();
//! let scenario = rtgsim::config::check(&file, "default").unwrap();
//! let summary = rtgsim::run(&scenario, None, &mut |_| {}).unwrap();
//! assert_eq!(summary.event_log_hash.len(), 64);
//! assert!(summary.totals.payments > 0);
//! ```

pub mod config;
pub mod event_log;
pub mod factory;
pub mod governance;
pub mod governance_metrics;
pub mod metrics;
pub mod orchestrator;
pub mod policy_capabilities;
pub mod policy_checks;
pub mod recording;
pub mod scenario;
pub mod summary;
pub mod sweep;

pub use event_log::{EventLog, LogSummary};
pub use orchestrator::{RunError, Simulation};
pub use scenario::Scenario;
pub use summary::RunSummary;

use rtgsim_core::Tick;
use std::io::Write;
use thiserror::Error;

/// A run that did not complete.
#[derive(Debug, Error)]
pub enum RunFailure {
    #[error(transparent)]
    Run(#[from] RunError),
    #[error("writing the event log: {0}")]
    Output(#[from] std::io::Error),
}

/// Runs a scenario to the end. Event lines go to `events` if given; `on_tick` is
/// called after every tick (for progress).
pub fn run(
    scenario: &Scenario,
    events: Option<&mut dyn Write>,
    on_tick: &mut dyn FnMut(Tick),
) -> Result<RunSummary, RunFailure> {
    let names = scenario.agent_names();
    let mut log = EventLog::new(names, events);
    let mut simulation = Simulation::new(scenario, &mut log)?;
    simulation.run(&mut log, on_tick)?;
    let finished = log.finish()?;
    Ok(RunSummary::new(scenario, &finished))
}
