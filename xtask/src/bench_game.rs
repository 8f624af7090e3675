//! `cargo xtask bench game`: `rtgsim game` on the Castro et al. 2-period game
//! (`examples/papers/castro_two_period/`), every profile of the 101 x 101 grid of
//! initial liquidity shares, on 1 thread and on 2. Each figure is the median of 5
//! repetitions of the whole game, from the parsed scenario to the report.

use rtgsim_evaluate::game::{GamePlan, play};
use rtgsim_scenario::config::ScenarioInput;
use serde_json::json;
use std::path::Path;
use std::time::Instant;

const REPETITIONS: usize = 5;

pub fn run(root: &Path) -> Result<(), String> {
    let path = root.join("examples/papers/castro_two_period/scenario.yaml");
    let input = ScenarioInput::from_path(&path).map_err(|e| e.to_string())?;
    for threads in [1, 2] {
        let plan = GamePlan {
            decide: vec!["agents[*].initial_liquidity.share".into()],
            grids: vec!["0:1:0.01".into()],
            agents: None,
            samples: 1,
            seed: None,
            threads,
            max_profiles: 250_000,
            starts: 0,
        };
        let mut seconds = Vec::with_capacity(REPETITIONS);
        let mut equilibria = 0;
        let mut profiles = 0;
        for _ in 0..REPETITIONS {
            let started = Instant::now();
            let report = play(&input, &plan).map_err(|e| e.to_string())?;
            seconds.push(started.elapsed().as_secs_f64());
            equilibria = report.equilibria.len();
            profiles = report.evaluated;
        }
        seconds.sort_by(f64::total_cmp);
        let median = seconds[REPETITIONS / 2];
        let line = json!({
            "scenario": "game_castro_two_period_101x101",
            "threads": threads,
            "profiles": profiles,
            "equilibria": equilibria,
            "median_seconds": (median * 1000.0).round() / 1000.0,
            "microseconds_per_profile": (median * 1e6 / profiles.max(1) as f64).round(),
        });
        println!("{line}");
    }
    Ok(())
}
