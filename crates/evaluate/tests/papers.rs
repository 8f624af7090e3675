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

/// Plays the 3-period game with liquidity cost `rc_bps` per day and delay cost
/// `rd_bps` per period: both banks choose their initial liquidity (0 to 0.4 in
/// steps of 0.05) and the share x1 of their period-1 demand to send (0 to 1 in
/// quarters). Returns each equilibrium as (bank, initial liquidity, share of its
/// period-1 demand left unsent in period 1), the latter measured in the
/// equilibrium's run: 1 - (value it settled at tick 0) / 200,000.
fn castro_three_period(rc_bps: f64, rd_bps: f64) -> Vec<Vec<(String, f64, f64)>> {
    let mut input =
        ScenarioInput::from_path(&example("castro_three_period/scenario.yaml")).unwrap();
    input.file.costs.liquidity_cost_per_day_bps = rc_bps;
    input.file.costs.delay_cost_per_tick_bps = rd_bps;
    let share = "agents[*].initial_liquidity.share";
    let period1 = "agents[*].policy.decision_trees.parameters.period1_share";
    let plan = GamePlan {
        decide: vec![share.into(), period1.into()],
        grids: vec!["0:0.4:0.05".into(), "0:1:0.25".into()],
        agents: None,
        samples: 1,
        seed: None,
        threads: 0,
        max_profiles: 250_000,
        starts: 0,
    };
    let report = serde_json::to_value(play(&input, &plan).unwrap()).unwrap();
    assert_eq!(report["exhaustive"], json!(true));
    let base = serde_json::to_value(&input.file).unwrap();
    report["equilibria"]
        .as_array()
        .unwrap()
        .iter()
        .map(|equilibrium| {
            let mut json = base.clone();
            let choices = equilibrium["choices"].as_array().unwrap();
            for (agent, choice) in choices.iter().enumerate() {
                let set = |json: &mut Value, path: &str, value: &Value| {
                    let path = path.replace("[*]", &format!("[{agent}]"));
                    rtgsim_scenario::sweep::set(json, &path, value.clone()).unwrap();
                };
                set(&mut json, share, &choice[0]);
                set(&mut json, period1, &choice[1]);
            }
            let file = serde_json::from_value(json).unwrap();
            let scenario = input.with_file(file, "equilibrium").resolve().unwrap();
            let mut log = Vec::new();
            let summary = rtgsim_scenario::run(&scenario, Some(&mut log), &mut |_| {}).unwrap();
            let events: Vec<Value> = String::from_utf8(log)
                .unwrap()
                .lines()
                .map(|line| serde_json::from_str(line).unwrap())
                .collect();
            summary
                .agents
                .iter()
                .zip(choices)
                .map(|(agent, choice)| {
                    let sent_in_period_1: i64 = events
                        .iter()
                        .filter(|e| {
                            e["kind"] == "settled" && e["tick"] == 0 && e["from"] == agent.id
                        })
                        .map(|e| e["amount"].as_i64().unwrap())
                        .sum();
                    let delayed = 1.0 - sent_in_period_1 as f64 / 200_000.0;
                    (agent.id.clone(), choice[0].as_f64().unwrap(), delayed)
                })
                .collect()
        })
        .collect()
}

/// Castro et al. (2025), the 3-period game (P^A = P^B = [0.2, 0.2, 0]): with
/// r_c < r_d the banks post more and delay less of their period-1 payments than
/// with r_d < r_c (the paper: about 25% posted and at most about 10% delayed,
/// against about 20% and up to about 25% delayed, with random demand).
#[test]
fn castro_three_period_liquidity_and_delay_move_with_the_cost_order() {
    // r_c = 0.1 < r_d = 0.2: one equilibrium, both post the 0.2 their period-1
    // payment needs and send all of it.
    let cheap_liquidity = castro_three_period(1000.0, 2000.0);
    assert_eq!(cheap_liquidity.len(), 1, "{cheap_liquidity:?}");
    for (bank, posted, delayed) in &cheap_liquidity[0] {
        assert_eq!((*posted, *delayed), (0.2, 0.0), "{bank}");
    }
    // r_d = 0.1 < r_c = 0.3: every equilibrium posts less and leaves part of the
    // period-1 payment for later: 0.15 posted, a quarter of 0.2 delayed (what 0.15
    // cannot cover).
    let cheap_delay = castro_three_period(3000.0, 1000.0);
    assert!(!cheap_delay.is_empty());
    for equilibrium in &cheap_delay {
        for (bank, posted, delayed) in equilibrium {
            assert!(*posted < 0.2 && *delayed > 0.0, "{bank}: {equilibrium:?}");
            assert_eq!(*posted, 0.15, "{bank}");
            assert!((delayed - 0.25).abs() < 1e-12, "{bank}: {delayed}");
        }
    }
}
