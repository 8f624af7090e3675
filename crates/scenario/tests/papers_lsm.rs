//! The liquidity the LSM saves (examples/papers/lsm_liquidity_saving): the
//! smallest liquidity with which a day settles in full by its close, with the LSM
//! and without it. The Bank of England (2013) found CHAPS's LSM cut intraday
//! liquidity needs by about 20%.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test helpers fail loudly

mod common;

use common::*;
use rtgsim_scenario::Scenario;
use rtgsim_settlement::LsmStep;

fn base() -> Scenario {
    fixture("../examples/papers/lsm_liquidity_saving/scenario.yaml")
}

/// Each bank's (lower, upper) liquidity bound: from the run's indicators, which
/// depend only on the payments (checked below against a run with other balances).
fn bounds(scenario: &Scenario) -> Vec<(i64, i64)> {
    let (summary, _) = run_with_events(scenario);
    summary
        .agents
        .iter()
        .map(|a| {
            (
                a.indicators.liquidity_lower_bound as i64,
                a.indicators.liquidity_upper_bound as i64,
            )
        })
        .collect()
}

/// The opening balances at `percent` of the way from the lower to the upper bound.
fn balances(bounds: &[(i64, i64)], percent: i64) -> Vec<i64> {
    bounds
        .iter()
        .map(|&(lower, upper)| lower + (upper - lower) * percent / 100)
        .collect()
}

/// Whether the day settles in full with these balances, with or without the LSM.
fn settles(mut scenario: Scenario, balances: &[i64], lsm: bool) -> bool {
    for (agent, &balance) in scenario.plan.agents.iter_mut().zip(balances) {
        agent.setup.opening_balance = balance;
    }
    scenario.plan.settlement.lsm = if lsm {
        vec![LsmStep::Bilateral, LsmStep::Multilateral]
    } else {
        Vec::new()
    };
    let (summary, _) = run_with_events(&scenario);
    summary.totals.unsettled == 0
}

/// The smallest percent on the 0..=100 grid from which every larger one settles
/// in full, scanning down from 100 (no monotonicity assumed).
fn smallest_settling_percent(bounds: &[(i64, i64)], lsm: bool) -> i64 {
    let mut smallest = 101;
    for percent in (0..=100).rev() {
        if !settles(base(), &balances(bounds, percent), lsm) {
            break;
        }
        smallest = percent;
    }
    smallest
}

#[test]
fn the_lsm_saves_about_a_fifth_of_the_liquidity_a_day_needs() {
    let bounds = bounds(&base());
    // The bounds do not depend on the balances.
    let mut rich = base();
    for agent in &mut rich.plan.agents {
        agent.setup.opening_balance = 1_000_000_000;
    }
    assert_eq!(self::bounds(&rich), bounds);
    // At the upper bound everything settles on release; below the lower bound
    // even full netting cannot settle everything.
    assert!(settles(base(), &balances(&bounds, 100), false));
    let short: Vec<i64> = bounds
        .iter()
        .map(|&(lower, _)| (lower - 1).max(0))
        .collect();
    assert!(bounds.iter().any(|&(lower, _)| lower > 0));
    assert!(!settles(base(), &short, true));

    let with_lsm = smallest_settling_percent(&bounds, true);
    let without = smallest_settling_percent(&bounds, false);
    let total = |percent| balances(&bounds, percent).iter().sum::<i64>();
    let (needed_with, needed_without) = (total(with_lsm), total(without));
    let saving = 1.0 - needed_with as f64 / needed_without as f64;
    println!(
        "with the LSM: {with_lsm}% ({needed_with} cents); without: {without}% \
         ({needed_without} cents); saving {:.1}%",
        saving * 100.0
    );
    // The numbers in the example's README.
    assert_eq!((with_lsm, without), (0, 51));
    assert_eq!((needed_with, needed_without), (6_495_871, 8_010_667));
    assert!((0.15..0.25).contains(&saving), "saving {saving}");
}
