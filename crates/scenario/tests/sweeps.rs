//! Sweeps: every run is the run `rtgsim run --seed` would do, settings change what
//! they name, and the report does not depend on the number of threads.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test helpers fail loudly

mod common;

use common::{fixture, fixtures_dir};
use rtgsim_scenario::sweep::{Setting, SweepError, SweepPlan, sweep};

fn input() -> rtgsim_scenario::config::ScenarioInput {
    let path = fixtures_dir().join("three_banks_basic.yaml");
    rtgsim_scenario::config::ScenarioInput::from_path(&path).unwrap()
}

fn plan(seeds: u64, settings: &[&str], threads: usize) -> SweepPlan {
    SweepPlan {
        first_seed: 100,
        seeds,
        settings: settings
            .iter()
            .map(|s| Setting::parse(s).unwrap())
            .collect(),
        threads,
    }
}

#[test]
fn each_run_of_a_sweep_is_the_single_run_with_that_seed() {
    let results = sweep(&input(), &plan(5, &[], 2)).unwrap();
    assert_eq!(results.len(), 1);
    let mut scenario = fixture("three_banks_basic.yaml");
    for (i, hash) in results[0].hashes.iter().enumerate() {
        scenario.plan.seed = 100 + i as u64;
        let single = rtgsim_scenario::run(&scenario, None, &mut |_| {}).unwrap();
        assert_eq!(*hash, single.event_log_hash, "seed {}", scenario.plan.seed);
    }
    let costs: Vec<f64> = (0..5)
        .map(|i| {
            scenario.plan.seed = 100 + i;
            rtgsim_scenario::run(&scenario, None, &mut |_| {})
                .unwrap()
                .agents[0]
                .costs
                .total as f64
        })
        .collect();
    let mean = costs.iter().sum::<f64>() / 5.0;
    assert!((results[0].agents[0].total_cost.mean.unwrap() - mean).abs() < 1e-6);
}

#[test]
fn settings_run_every_combination_and_change_the_runs() {
    let results = sweep(
        &input(),
        &plan(
            4,
            &[
                "agents[0].opening_balance=20000,2000000",
                "costs.delay_cost_per_tick_bps=0,5",
            ],
            0,
        ),
    )
    .unwrap();
    assert_eq!(results.len(), 4);
    assert_eq!(results[0].values[0].1, serde_json::json!(20000));
    assert_eq!(results[3].values[1].1, serde_json::json!(5));
    let cost = |r: usize| results[r].agents[0].total_cost.mean.unwrap();
    assert!(
        cost(0) > cost(2),
        "less liquidity costs more: {} vs {}",
        cost(0),
        cost(2)
    );
    assert!(results[0].hashes != results[2].hashes);
}

#[test]
fn the_report_does_not_depend_on_the_threads() {
    let settings = ["agents[1].opening_balance=100000,400000"];
    let one = sweep(&input(), &plan(12, &settings, 1)).unwrap();
    let many = sweep(&input(), &plan(12, &settings, 4)).unwrap();
    assert_eq!(one, many);
}

#[test]
fn a_setting_that_leads_nowhere_or_breaks_the_scenario_is_refused() {
    let nowhere = sweep(&input(), &plan(1, &["agents[9].opening_balance=1"], 1)).unwrap_err();
    assert!(
        matches!(&nowhere, SweepError::Input(m) if m.contains("--set agents[9].opening_balance: no item 9 here")),
        "{nowhere}"
    );
    let invalid = sweep(&input(), &plan(1, &["simulation.ticks_per_day=0"], 1)).unwrap_err();
    assert!(
        matches!(&invalid, SweepError::Input(m) if m.contains("simulation.ticks_per_day")),
        "{invalid}"
    );
    assert!(sweep(&input(), &plan(0, &[], 1)).is_err());
}
