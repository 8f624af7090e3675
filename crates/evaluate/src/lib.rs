//! # rtgsim-evaluate
//!
//! Is a proposed policy better than the one an agent has? [`compare`](compare::compare)
//! runs both, the incumbent and the candidate, on the same samples and judges the
//! paired cost differences:
//!
//! - [`candidate`]: what is compared, both policies checked by the scenario loader;
//! - [`samples`]: the three ways to make samples (whole-scenario seeds, bootstrap
//!   resampling of the agent's traffic, the three-agent sandbox) and the seed of
//!   each sample;
//! - [`paired`]: mean, spread and bootstrap confidence interval of the deltas, the
//!   share of samples won, Pareto dominance;
//! - [`verdict`]: guardbands and the accept/reject decision with its reasons;
//! - [`table`]: the report for people;
//! - [`optimize`]: the improvement loop, its prompt, the built-in search proposers
//!   and the command-line proposer;
//! - [`game`]: several agents' decisions at once: every pure Nash equilibrium over
//!   grids of their settings, the planner's optimum, the welfare gap and the best
//!   responses (`rtgsim game`);
//! - [`stress`]: the automated stress tester: a benchmark and its stress cases
//!   (outages, collateral and liquidity shocks) run in parallel, each participant's
//!   figures against the benchmark's, and the critical participants (`rtgsim
//!   stress`).
//!
//! **What this crate must not do:** parse command-line flags, write to a database
//! or hold settlement rules. It runs scenarios through `rtgsim-scenario` and reads
//! their summaries; the binary renders and stores what it returns.

pub mod candidate;
pub mod compare;
pub mod game;
pub mod optimize;
pub mod paired;
pub mod samples;
pub mod stress;
pub mod table;
mod unlogged;
pub mod verdict;

pub use candidate::Contest;
pub use compare::{CompareOptions, CompareReport, compare};
pub use samples::{Mode, sample_seed};
pub use verdict::{Decision, Guardbands};

/// A comparison that could not be made.
#[derive(Debug, thiserror::Error)]
pub enum CompareError {
    /// A flag, scenario or policy that cannot be used (exit code 2).
    #[error("{0}")]
    Input(String),
    /// A run failed (exit code 1).
    #[error("{0}")]
    Run(String),
}
