//! Costs from simulations: a profile is the scenario with each player's decision
//! paths set to its strategy's values, run once per sample seed (the same seeds for
//! every profile, so profiles are compared on paired samples); an agent's cost is
//! the sum over the samples of its total cost in the run's summary, cents.
//!
//! The scenario file is parsed once; each profile clones its JSON form, sets the
//! paths and resolves it. Runs read their figures from the events as they are
//! recorded (no log is encoded or hashed), in parallel, collected by profile and
//! sample, never by finishing order: any number of threads gives the same costs.

use super::GameError;
use super::decisions::Player;
use super::solver::{Payoffs, Profile};
use rayon::prelude::*;
use rtgsim_report::RunSummary;
use rtgsim_scenario::Scenario;
use rtgsim_scenario::config::{ScenarioFile, ScenarioInput};
use serde_json::Value as Json;

/// The game's payoffs, from runs of a scenario.
#[derive(Debug)]
pub struct Simulated<'a> {
    input: &'a ScenarioInput,
    /// The scenario file as JSON, where the paths are set.
    base: Json,
    players: &'a [Player],
    seeds: &'a [u64],
    pool: &'a rayon::ThreadPool,
}

impl<'a> Simulated<'a> {
    pub fn new(
        input: &'a ScenarioInput,
        players: &'a [Player],
        seeds: &'a [u64],
        pool: &'a rayon::ThreadPool,
    ) -> Result<Simulated<'a>, GameError> {
        let base = serde_json::to_value(&input.file)
            .map_err(|e| GameError::Input(format!("{}: {e}", input.name())))?;
        Ok(Simulated {
            input,
            base,
            players,
            seeds,
            pool,
        })
    }

    /// The scenario file as JSON, as written.
    pub fn base(&self) -> &Json {
        &self.base
    }

    /// The path and value each decision takes in `profile`.
    pub fn settings(&self, profile: &[usize]) -> Vec<(String, Json)> {
        self.players
            .iter()
            .zip(profile)
            .flat_map(|(player, &strategy)| {
                player
                    .decisions
                    .iter()
                    .zip(player.values(strategy))
                    .map(|(decision, value)| (decision.path.clone(), value.to_json()))
            })
            .collect()
    }

    /// The scenario with `settings` applied, checked and resolved; a refusal names
    /// the settings and what the scenario loader says of them.
    pub fn scenario(&self, settings: &[(String, Json)]) -> Result<Scenario, GameError> {
        let mut json = self.base.clone();
        for (path, value) in settings {
            rtgsim_scenario::sweep::set(&mut json, path, value.clone())
                .map_err(|why| GameError::Input(format!("--decide {path}: {why}")))?;
        }
        let name = rtgsim_report::stats::describe(settings);
        let file: ScenarioFile = serde_json::from_value(json).map_err(|e| {
            GameError::Input(format!(
                "--decide {name}: the scenario does not take this value here: {e}"
            ))
        })?;
        self.input
            .with_file(file, &name)
            .resolve()
            .map_err(|e| GameError::Input(e.to_string()))
    }

    /// Each player's cost, summed over the samples, for one profile.
    fn profile_costs(&self, profile: &[usize]) -> Result<Vec<i128>, GameError> {
        let settings = self.settings(profile);
        let scenario = self.scenario(&settings)?;
        let runs: Vec<Result<Vec<i128>, GameError>> = self
            .seeds
            .par_iter()
            .map(|&seed| {
                let mut run = scenario.clone();
                run.plan.seed = seed;
                let summary = run_summary(&run).map_err(|e| {
                    let name = rtgsim_report::stats::describe(&settings);
                    GameError::Run(format!("{name}, seed {seed}: {e}"))
                })?;
                Ok(self
                    .players
                    .iter()
                    .map(|p| summary.agents.get(p.agent).map_or(0, |a| a.costs.total))
                    .collect())
            })
            .collect();
        let mut sums = vec![0i128; self.players.len()];
        for run in runs {
            for (sum, cost) in sums.iter_mut().zip(run?) {
                *sum += cost;
            }
        }
        Ok(sums)
    }
}

impl Payoffs for Simulated<'_> {
    type Error = GameError;

    fn costs(&mut self, profiles: &[Profile]) -> Result<Vec<Vec<i128>>, GameError> {
        let this = &*self;
        let results: Vec<Result<Vec<i128>, GameError>> = this.pool.install(|| {
            profiles
                .par_iter()
                .map(|profile| this.profile_costs(profile))
                .collect()
        });
        // The first failure in profile order, whatever finished first.
        results.into_iter().collect()
    }
}

/// A run's summary, started as `rtgsim run` starts it (with the scenario's
/// guardbands), its figures read from the events as they are recorded.
fn run_summary(scenario: &Scenario) -> Result<RunSummary, rtgsim_engine::RunError> {
    crate::unlogged::summary_of(scenario, |sink| scenario.start(sink))
}
