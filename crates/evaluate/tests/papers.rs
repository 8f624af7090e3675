//! The published liquidity games of examples/papers, solved by `rtgsim game`'s
//! library and held to the papers' numbers.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test helpers fail loudly

use rtgsim_evaluate::game::{GamePlan, play};
use rtgsim_scenario::config::ScenarioInput;
use serde_json::{Value, json};
use std::path::PathBuf;

fn example(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../examples/papers")
        .join(name)
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
    assert_eq!(
        report["welfare_gap"],
        json!({"best_cents": 0, "worst_cents": 0})
    );
}

/// Galbiati and Soramaki (2011): the demand for liquidity is an S-shaped function
/// of the ratio of its cost to the cost of delay. Four banks choose their morning
/// liquidity; for each ratio (2^-2 to 2^8, liquidity cost per day over delay cost
/// per tick) iterated best response finds the equilibrium, and the banks' total
/// liquidity (in shares of one bank's collateral) is the demand.
#[test]
fn galbiati_soramaki_liquidity_demand_is_s_shaped_in_the_cost_ratio() {
    let demand: Vec<f64> = (-2..=8)
        .map(|power| {
            let ratio = 2f64.powi(power);
            let mut input =
                ScenarioInput::from_path(&example("galbiati_soramaki/scenario.yaml")).unwrap();
            input.file.costs.liquidity_cost_per_day_bps =
                ratio * input.file.costs.delay_cost_per_tick_bps;
            let plan = GamePlan {
                decide: vec!["agents[*].initial_liquidity.share".into()],
                grids: vec!["0:1:0.05".into()],
                agents: None,
                samples: 32,
                seed: None,
                threads: 0,
                max_profiles: 21,
                starts: 4,
            };
            let report = serde_json::to_value(play(&input, &plan).unwrap()).unwrap();
            let equilibria = report["equilibria"].as_array().unwrap();
            assert!(
                !equilibria.is_empty(),
                "no equilibrium found at ratio {ratio}"
            );
            let totals: Vec<f64> = equilibria
                .iter()
                .map(|e| {
                    e["choices"]
                        .as_array()
                        .unwrap()
                        .iter()
                        .map(|c| c[0].as_f64().unwrap())
                        .sum::<f64>()
                })
                .collect();
            totals.iter().sum::<f64>() / totals.len() as f64
        })
        .collect();
    println!("liquidity demand by ratio 2^-2..2^8: {demand:?}");
    // Monotone: dearer liquidity is never demanded more.
    for pair in demand.windows(2) {
        assert!(pair[1] <= pair[0] + 1e-9, "not monotone: {demand:?}");
    }
    // Flat at both ends: cheap liquidity is bought to near the full need, and past
    // some ratio none is.
    let (top, bottom) = (demand[0], demand[demand.len() - 1]);
    assert!(top > 3.0 && bottom == 0.0, "{demand:?}");
    assert!(
        demand[1] >= 0.95 * top && demand[demand.len() - 2] == 0.0,
        "{demand:?}"
    );
    // An inflection: the steepest fall is inside the range, steeper than at either
    // end (a convex curve falls fastest at the start, a concave one at the end).
    let drops: Vec<f64> = demand.windows(2).map(|p| p[0] - p[1]).collect();
    let steepest = drops.iter().copied().fold(0.0, f64::max);
    let at = drops.iter().position(|&d| d == steepest).unwrap();
    assert!(at > 0 && at < drops.len() - 1, "{drops:?}");
    assert!(steepest > 4.0 * drops[0] && steepest > 4.0 * drops[drops.len() - 1]);
}
