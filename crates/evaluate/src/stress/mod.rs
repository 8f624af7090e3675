//! `stress`: the automated stress tester (`rtgsim stress`).
//!
//! A benchmark scenario is run as written, and so is each stress case generated
//! from it: an operational outage of a participant, a fall in the value of
//! collateral, a participant's liquidity withdrawn. Each case is the benchmark with
//! scenario events added, so each is a scenario file of its own. The report gives,
//! per case and per participant, settled shares, unsettled value at the end of
//! each day, the largest queue, the liquidity bounds, the lowest liquidity position
//! and delay, each against the benchmark; and it ranks participants by the damage
//! their outage does to the others (the critical participants).
//!
//! - [`cases`]: the cases, from the flags' values;
//! - [`measure`]: one run's figures, from its events and its state at each tick's
//!   end;
//! - [`report`]: the report (`--json` format `rtgsim-stress/1`), the damage and the
//!   ranking; privately `table`, the report for people.
//!
//! Runs go in parallel, one per case and sample, and are collected by index, never
//! by finishing order: the report is the same for any number of threads. Every case
//! runs on the same seeds (paired): with one sample, the scenario's own seed; with
//! `N`, `sample_seed(seed, i)` for `i` in `0..N`, as `rtgsim game` and `rtgsim
//! compare` derive them.

pub mod cases;
pub mod measure;
pub mod report;
mod table;

use crate::game::sample_seeds;
use cases::{Case, CaseOptions};
use measure::RunFigures;
use rayon::prelude::*;
use report::{Context, StressReport};
use rtgsim_scenario::Scenario;
use rtgsim_scenario::config::{ScenarioFile, ScenarioInput};
use serde_json::Value as Json;

/// A stress test that could not be made.
#[derive(Debug, thiserror::Error)]
pub enum StressError {
    /// A flag or scenario that cannot be used (exit code 2).
    #[error("{0}")]
    Input(String),
    /// A run failed (exit code 1).
    #[error("{0}")]
    Run(String),
}

/// How to run the cases.
#[derive(Debug, Clone, Copy, Default)]
pub struct StressPlan {
    /// Runs per case, each with its own seed, the same for every case.
    pub samples: u32,
    /// Threads (0: every core).
    pub threads: usize,
}

/// A case with its scenario file (as JSON, what `--write-scenarios` writes).
#[derive(Debug, Clone)]
pub struct CaseFile {
    pub case: Case,
    pub file: Json,
}

/// The benchmark and every case `options` asks for, each with its scenario file.
pub fn case_files(
    input: &ScenarioInput,
    options: &CaseOptions,
) -> Result<Vec<CaseFile>, StressError> {
    let base = serde_json::to_value(&input.file)
        .map_err(|e| StressError::Input(format!("{}: {e}", input.name())))?;
    cases::cases(&input.file, options)?
        .into_iter()
        .map(|case| {
            let file = cases::scenario_json(&base, &case)?;
            Ok(CaseFile { case, file })
        })
        .collect()
}

/// Runs the benchmark and the stress cases of `files` (from [`case_files`]) and
/// reports them.
pub fn stress(
    input: &ScenarioInput,
    files: &[CaseFile],
    plan: &StressPlan,
) -> Result<StressReport, StressError> {
    if plan.samples == 0 {
        return Err(StressError::Input("--samples must be at least 1".into()));
    }
    // Every case is checked by the scenario loader before anything runs.
    let scenarios: Vec<Scenario> = files
        .iter()
        .map(|f| resolve(input, f))
        .collect::<Result<_, _>>()?;
    let seed = input.file.simulation.seed;
    let seeds = sample_seeds(seed, plan.samples);
    let tasks: Vec<(usize, u64)> = (0..scenarios.len())
        .flat_map(|case| seeds.iter().map(move |&seed| (case, seed)))
        .collect();
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(plan.threads)
        // Each thread runs policies: the stack their limits are sized for.
        .stack_size(rtgsim_policy_starlark::POLICY_THREAD_STACK_BYTES)
        .build()
        .map_err(|e| StressError::Run(format!("cannot start the threads: {e}")))?;
    let runs: Vec<Result<RunFigures, StressError>> = pool.install(|| {
        tasks
            .par_iter()
            .map(|&(case, seed)| {
                let mut scenario = scenarios[case].clone();
                scenario.plan.seed = seed;
                measure::measure(&scenario).map_err(|e| {
                    StressError::Run(format!("{}, seed {seed}: {e}", files[case].case.name))
                })
            })
            .collect()
    });
    // Summed by case in task order (the first failure in that order, whatever
    // finished first).
    let mut sums = vec![RunFigures::default(); scenarios.len()];
    for (&(case, _), run) in tasks.iter().zip(runs) {
        sums[case].add(&run?);
    }
    let context = Context {
        scenario: input.name().to_string(),
        seed,
        seeds,
        agents: input.file.agents.iter().map(|a| a.id.clone()).collect(),
        days: input.file.simulation.num_days,
        ticks_per_day: input.file.simulation.ticks_per_day,
    };
    let cases: Vec<Case> = files.iter().map(|f| f.case.clone()).collect();
    Ok(StressReport::new(&context, &cases, &sums))
}

/// A case's scenario, checked and resolved; a refusal names the case.
fn resolve(input: &ScenarioInput, file: &CaseFile) -> Result<Scenario, StressError> {
    let name = format!("{} ({})", input.name(), file.case.name);
    let parsed: ScenarioFile = serde_json::from_value(file.file.clone()).map_err(|e| {
        StressError::Input(format!(
            "{name}: the scenario does not take the case's events: {e}"
        ))
    })?;
    input
        .with_file(parsed, &name)
        .resolve()
        .map_err(|e| StressError::Input(e.to_string()))
}
