//! The published liquidity games of examples/papers, solved by `rtgsim game`'s
//! library and held to the papers' numbers.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test helpers fail loudly

use rtgsim_evaluate::game::{GamePlan, play};
use rtgsim_scenario::config::ScenarioInput;
use serde_json::{Value, json};
use std::path::PathBuf;

fn example(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../examples/papers").join(name)
}

/// The game's report as JSON (the `--json` document).
fn game(scenario: &str, decide: &[&str], grids: &[&str], samples: u32) -> Value {
    let input = ScenarioInput::from_path(&example(scenario)).unwrap();
    let plan = GamePlan {
        decide: decide.iter().map(|d| d.to_string()).collect(),
        grids: grids.iter().map(|g| g.to_string()).collect(),
        agents: None,
        samples,
        seed: None,
        threads: 0,
        max_profiles: 250_000,
        starts: 0,
    };
    serde_json::to_value(play(&input, &plan).unwrap()).unwrap()
}

/// Castro et al. (2025), the 2-period game: the unique pure Nash equilibrium is
/// l0^A = 0, l0^B = 0.2, with R_A = 0 and R_B = 0.02 (one unit: 1,000,000 cents).
#[test]
fn castro_two_period_has_exactly_the_papers_equilibrium() {
    let report = game(
        "castro_two_period/scenario.yaml",
        &["agents[*].initial_liquidity.share"],
        &["0:1:0.01"],
        1,
    );
    assert_eq!(report["profiles"], json!(101 * 101));
    assert_eq!(report["exhaustive"], json!(true));
    let equilibria = report["equilibria"].as_array().unwrap();
    assert_eq!(equilibria.len(), 1, "{equilibria:?}");
    assert_eq!(equilibria[0]["choices"], json!([[0], [0.2]]));
    assert_eq!(equilibria[0]["costs_cents"], json!([0, 20_000]));
    // The planner can do no better: B's need is its own (A's money comes too late
    // to be used by B within the day), and A needs nothing once B pays early.
    let optima = report["planner"]["optima"].as_array().unwrap();
    assert_eq!(optima.len(), 1);
    assert_eq!(optima[0]["choices"], json!([[0], [0.2]]));
    assert_eq!(report["welfare_gap"], json!({"best_cents": 0, "worst_cents": 0}));
}
