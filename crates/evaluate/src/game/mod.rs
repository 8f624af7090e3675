//! `game`: the equilibria of a scenario's decisions and the planner's optimum.
//!
//! Some agents each choose values for some settings of the scenario (any path a
//! sweep's `--set` reaches inside an agent's section: its collateral, a policy
//! parameter, its initial liquidity share), each on a grid; an agent's cost is its
//! total cost in the run. When the game is small enough, every profile is run and
//! every pure Nash equilibrium is reported exactly, with the planner's optimum (the
//! least total cost) and the welfare gap between them; otherwise iterated best
//! response from a few starts finds what it can.
//!
//! - [`grid`]: exact decimal grids (`0:1:0.01`);
//! - [`decisions`]: the players and their decisions, from the paths;
//! - [`solver`]: the game in the abstract (profiles, the payoff function, the
//!   cache, the planner, best responses): tested on hand-written tables;
//! - [`exhaustive`]: every equilibrium from the whole table;
//! - [`iterate`]: iterated best response to a fixed point or a cycle;
//! - [`payoffs`]: costs from simulations, in parallel, over paired samples;
//! - [`report`]: the report (`--json` format `rtgsim-game/1`); privately `table`,
//!   the report for people.

pub mod decisions;
pub mod exhaustive;
pub mod grid;
pub mod iterate;
pub mod payoffs;
pub mod report;
pub mod solver;
mod table;

use crate::samples::sample_seed;
use decisions::Player;
use rayon::prelude::*;
use report::GameReport;
use rtgsim_scenario::config::ScenarioInput;
use solver::{CostCache, Game, Profile};

/// The most profiles evaluated whole unless told otherwise.
pub const DEFAULT_MAX_PROFILES: u64 = 250_000;

/// A game that could not be played.
#[derive(Debug, thiserror::Error)]
pub enum GameError {
    /// A flag, path, grid value or scenario that cannot be used (exit code 2).
    #[error("{0}")]
    Input(String),
    /// A run failed (exit code 1).
    #[error("{0}")]
    Run(String),
}

/// What to play.
#[derive(Debug, Clone)]
pub struct GamePlan {
    /// `--decide` paths, each with its `--grid` (one grid for all, or one each).
    pub decide: Vec<String>,
    pub grids: Vec<String>,
    /// The agents `agents[*]` stands for (default: every agent).
    pub agents: Option<Vec<String>>,
    /// Runs per profile, each with its own seed, the same for every profile.
    pub samples: u32,
    /// The seed the samples' seeds derive from (default: the scenario's).
    pub seed: Option<u64>,
    /// Threads (0: every core).
    pub threads: usize,
    /// Evaluate every profile when there are at most this many.
    pub max_profiles: u64,
    /// Extra starts of iterated best response, besides the scenario's own values.
    pub starts: u32,
}

/// The seeds of the samples: the seed itself for one sample (so `rtgsim run
/// --seed S` reproduces every profile's run), else `sample_seed(seed, i)` as
/// `rtgsim compare` derives them.
pub fn sample_seeds(seed: u64, samples: u32) -> Vec<u64> {
    if samples == 1 {
        return vec![seed];
    }
    (0..u64::from(samples))
        .map(|i| sample_seed(seed, i))
        .collect()
}

/// Plays the game `plan` describes on the scenario `input`.
pub fn play(input: &ScenarioInput, plan: &GamePlan) -> Result<GameReport, GameError> {
    if plan.samples == 0 {
        return Err(GameError::Input("--samples must be at least 1".into()));
    }
    if plan.max_profiles == 0 {
        return Err(GameError::Input("--max-profiles must be at least 1".into()));
    }
    let agent_ids: Vec<String> = input.file.agents.iter().map(|a| a.id.clone()).collect();
    let players = decisions::players(
        &agent_ids,
        &plan.decide,
        &plan.grids,
        plan.agents.as_deref(),
    )
    .map_err(GameError::Input)?;
    let seed = plan.seed.unwrap_or(input.file.simulation.seed);
    let seeds = sample_seeds(seed, plan.samples);
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(plan.threads)
        // Each thread runs policies: the stack their limits are sized for.
        .stack_size(rtgsim_policy_starlark::POLICY_THREAD_STACK_BYTES)
        .build()
        .map_err(|e| GameError::Run(format!("cannot start the threads: {e}")))?;
    let mut payoffs = payoffs::Simulated::new(input, &players, &seeds, &pool)?;
    check_values(&payoffs, &players, &pool)?;
    let game = Game {
        strategies: players.iter().map(Player::strategy_count).collect(),
    };
    let mut cache = CostCache::default();
    let profiles = game.profile_count();
    let context = report::Context {
        scenario: input.name().to_string(),
        seed,
        seeds: seeds.clone(),
        players: players.clone(),
        profiles,
    };
    if profiles <= u128::from(plan.max_profiles) {
        let solution = exhaustive::solve(&game, &mut payoffs, &mut cache)?;
        // The curves are reported for two players (each against the other's
        // every strategy); with more, they would be as long as the table.
        let curves = if players.len() == 2 {
            (0..2)
                .map(|p| exhaustive::curve(&game, &cache, p))
                .collect()
        } else {
            Vec::new()
        };
        return Ok(GameReport::exhaustive(&context, &solution, &curves, &cache));
    }
    if let Some(player) = players
        .iter()
        .find(|p| p.strategy_count() as u128 > u128::from(plan.max_profiles))
    {
        return Err(GameError::Input(format!(
            "agent {} has {} strategies; a best response weighs them all, so at most \
             --max-profiles ({})",
            player.name,
            player.strategy_count(),
            plan.max_profiles
        )));
    }
    let starts = starts(&game, &players, payoffs.base(), seed, plan.starts);
    let mut paths = Vec::new();
    for start in starts {
        paths.push(iterate::iterate(&game, start, &mut payoffs, &mut cache)?);
    }
    Ok(GameReport::iterated(&context, &paths, &cache))
}

/// Refuses, before anything runs, a decision value the scenario rejects: each
/// value of each decision, the other settings as the scenario has them.
fn check_values(
    payoffs: &payoffs::Simulated<'_>,
    players: &[Player],
    pool: &rayon::ThreadPool,
) -> Result<(), GameError> {
    let settings: Vec<(String, serde_json::Value)> = players
        .iter()
        .flat_map(|p| &p.decisions)
        .flat_map(|d| d.grid.values.iter().map(|v| (d.path.clone(), v.to_json())))
        .collect();
    let checks: Vec<Result<(), GameError>> = pool.install(|| {
        settings
            .par_iter()
            .map(|setting| payoffs.scenario(std::slice::from_ref(setting)).map(|_| ()))
            .collect()
    });
    checks.into_iter().collect()
}

/// The starts of iterated best response: the scenario's own values (each decision
/// at the grid value nearest it), then `extra` starts drawn from the seed.
fn starts(
    game: &Game,
    players: &[Player],
    scenario: &serde_json::Value,
    seed: u64,
    extra: u32,
) -> Vec<Profile> {
    let own: Profile = players
        .iter()
        .map(|p| p.nearest_strategy(scenario))
        .collect();
    let mut starts = vec![own];
    for start in 1..=u64::from(extra) {
        let key = sample_seed(seed, u64::MAX - start);
        starts.push(
            game.strategies
                .iter()
                .enumerate()
                .map(|(player, &count)| (sample_seed(key, player as u64) % count as u64) as usize)
                .collect(),
        );
    }
    starts
}
