//! # rtgsim-scenario
//!
//! Scenario files and what is done with them: the file schema and its resolver
//! ([`config`]: YAML or JSON, unknown keys refused, every problem reported with its
//! path), the checked [`Scenario`] (the engine's `Plan` plus one [`PolicySpec`] per
//! agent), the policy factory ([`PolicySpec::build`]), the static checks of a
//! scenario's policies and the capabilities they need, and runs ([`run`]) and
//! parameter sweeps ([`sweep`]) of a scenario.
//!
//! **What this crate must not do:** parse command-line flags, write to a database,
//! or hold the tick loop, the settlement rules or the event-log format: those are
//! the binary's, `rtgsim-engine`'s, `rtgsim-settlement`'s and `rtgsim-report`'s.
//!
//! ```
//! use rtgsim_scenario::config::ScenarioInput;
//!
//! let scenario = ScenarioInput::default_scenario().unwrap().resolve().unwrap();
//! let summary = rtgsim_scenario::run(&scenario, None, &mut |_| {}).unwrap();
//! assert_eq!(summary.event_log_hash.len(), 64);
//! assert!(summary.totals.payments > 0);
//! ```

pub mod config;
pub mod factory;
pub mod fingerprint;
pub mod policy_capabilities;
pub mod policy_checks;
pub mod scenario;
pub mod sweep;

pub use fingerprint::{canonical_scenario, inputs_fingerprint};
pub use scenario::{GuardSpec, PolicySpec, Scenario};

use rtgsim_core::Tick;
use rtgsim_engine::RunError;
use rtgsim_report::{EventLog, EventObserver, RunSummary};
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
    run_observed(scenario, events, None, on_tick)
}

/// [`run`], showing every event to `observer` as well (the HTML report's series).
pub fn run_observed<'w>(
    scenario: &Scenario,
    events: Option<&'w mut dyn Write>,
    observer: Option<&'w mut dyn EventObserver>,
    on_tick: &mut dyn FnMut(Tick),
) -> Result<RunSummary, RunFailure> {
    let mut log = EventLog::new(scenario.plan.agent_names(), events);
    if let Some(observer) = observer {
        log.observe_with(observer);
    }
    let mut simulation = scenario.start(&mut log)?;
    simulation.run(&mut log, on_tick)?;
    let finished = log.finish()?;
    Ok(RunSummary::new(&scenario.run_info(), &finished))
}
