//! Whole runs of the fixture scenarios: golden summaries, hand-computed results,
//! and the determinism of the event log.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test helpers fail loudly

mod common;

use common::*;
use sha2_check::sha256_hex;

#[test]
fn fixture_summaries_match_their_snapshots() {
    let names = fixture_names();
    assert!(names.len() >= 5, "fixtures missing: {names:?}");
    for name in names {
        let summary = rtgsim_scenario::run(&fixture(&name), None, &mut |_| {}).expect("run");
        insta::assert_snapshot!(name.trim_end_matches(".yaml"), summary.to_json());
    }
}

#[test]
fn default_scenario_table_matches_its_snapshot() {
    let scenario = rtgsim_scenario::config::ScenarioInput::default_scenario()
        .unwrap()
        .resolve()
        .unwrap();
    let summary = rtgsim_scenario::run(&scenario, None, &mut |_| {}).unwrap();
    insta::assert_snapshot!("default_table", summary.to_table());
}

#[test]
fn scripted_exact_settles_as_computed_by_hand() {
    let (summary, events) = run_with_events(&fixture("scripted_exact.yaml"));
    let by_id = |id: &str| summary.agents.iter().find(|a| a.id == id).unwrap();
    let (a, b, c) = (by_id("A"), by_id("B"), by_id("C"));
    assert_eq!(
        (a.closing_balance, b.closing_balance, c.closing_balance),
        (200, 0, 700)
    );
    assert_eq!((a.payments, a.settled), (2, 1));
    assert_eq!((b.payments, b.settled, b.max_delay_ticks), (1, 1, 2));
    assert_eq!(summary.totals.settled_value, 800);
    assert_eq!(a.costs.deadline, 700);
    assert_eq!(a.costs.eod, 1_000);
    assert_eq!(a.costs.total, 1_700);
    assert_eq!(b.costs.total + c.costs.total, 0);
    assert_eq!(a.unsettled, 1);

    let lines: Vec<serde_json::Value> = String::from_utf8(events)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    let settled: Vec<(u64, u64, &str)> = lines
        .iter()
        .filter(|e| e["kind"] == "settled")
        .map(|e| {
            (
                e["tick"].as_u64().unwrap(),
                e["tx"].as_u64().unwrap(),
                e["route"].as_str().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        settled,
        vec![(0, 0, "immediate"), (2, 2, "immediate"), (2, 1, "queue")]
    );
    let penalties: Vec<(&str, u64)> = lines
        .iter()
        .filter(|e| e["kind"] == "deadline_penalty" || e["kind"] == "eod_penalty")
        .map(|e| (e["kind"].as_str().unwrap(), e["tick"].as_u64().unwrap()))
        .collect();
    assert_eq!(penalties, vec![("deadline_penalty", 5), ("eod_penalty", 9)]);
}

#[test]
fn same_seed_same_log_different_seed_different_log() {
    let scenario = fixture("liquidity_starved.yaml");
    let (first, first_events) = run_with_events(&scenario);
    let (second, second_events) = run_with_events(&scenario);
    assert_eq!(first_events, second_events);
    assert_eq!(first.event_log_hash, second.event_log_hash);
    let mut reseeded = scenario.clone();
    reseeded.plan.seed += 1;
    let (other, _) = run_with_events(&reseeded);
    assert_ne!(first.event_log_hash, other.event_log_hash);
}

#[test]
fn the_hash_is_the_sha256_of_the_event_lines() {
    let (summary, events) = run_with_events(&fixture("three_banks_basic.yaml"));
    assert_eq!(summary.event_log_hash, sha256_hex(&events));
    let lines = events
        .split(|&b| b == b'\n')
        .filter(|l| !l.is_empty())
        .count() as u64;
    assert_eq!(lines, summary.events);
}

#[test]
fn metrics_agree_with_the_final_state() {
    // The summary is computed from events only; the engine's own state must agree.
    let scenario = fixture("splitting_and_collateral.yaml");
    let names: Vec<String> = scenario
        .plan
        .agents
        .iter()
        .map(|a| a.setup.name.clone())
        .collect();
    let mut log = rtgsim_report::EventLog::new(names, None);
    let mut sim =
        rtgsim_engine::Simulation::new(&scenario.plan, scenario.build_policies(), &mut log)
            .unwrap();
    sim.run(&mut log, &mut |_| {}).unwrap();
    sim.state().check_invariants().unwrap();
    for (agent, figures) in sim.state().agents().iter().zip(log.metrics().agents()) {
        assert_eq!(agent.balance(), figures.balance, "{}", agent.name());
        assert_eq!(
            agent.posted_collateral(),
            figures.posted_collateral,
            "{}",
            agent.name()
        );
    }
    let splits: u64 = log.metrics().agents().iter().map(|a| a.splits).sum();
    assert!(splits > 0, "the fixture is meant to exercise splitting");
}

/// SHA-256 for checking the log hash independently of the code under test.
mod sha2_check {
    pub fn sha256_hex(bytes: &[u8]) -> String {
        use sha2::{Digest, Sha256};
        Sha256::digest(bytes)
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect()
    }
}

#[test]
fn gridlock_fixtures_settle_as_described() {
    let lsm_value = |summary: &rtgsim_report::RunSummary, algorithm: &str| {
        summary
            .lsm
            .iter()
            .find(|l| l.algorithm == algorithm)
            .map(|l| (l.sets, l.payments, l.value))
    };
    let ring =
        rtgsim_scenario::run(&fixture("lsm_ring_no_liquidity.yaml"), None, &mut |_| {}).unwrap();
    assert_eq!(ring.totals.settled, 3);
    assert_eq!(lsm_value(&ring, "multilateral"), Some((1, 3, 300_000)));
    assert_eq!(lsm_value(&ring, "bilateral"), None);
    assert_eq!(ring.totals.max_delay_ticks, 0, "settled at tick 0");

    let pair =
        rtgsim_scenario::run(&fixture("lsm_bilateral_pair.yaml"), None, &mut |_| {}).unwrap();
    assert_eq!(pair.totals.settled, 5);
    assert_eq!(lsm_value(&pair, "bilateral"), Some((2, 5, 22_500)));
    let a = pair.agents.iter().find(|a| a.id == "A").unwrap();
    assert_eq!(a.closing_balance, 2_000 - 12_000 + 10_500);
    assert_eq!(a.max_delay_ticks, 2);

    let short =
        rtgsim_scenario::run(&fixture("lsm_ring_one_short.yaml"), None, &mut |_| {}).unwrap();
    assert_eq!((short.totals.settled, short.totals.unsettled), (3, 1));
    assert_eq!(lsm_value(&short, "multilateral"), Some((1, 3, 30_000)));
    let a = short.agents.iter().find(|a| a.id == "A").unwrap();
    assert_eq!(
        (a.closing_balance, a.costs.deadline, a.costs.eod),
        (1_000, 500, 1_000)
    );
}

#[test]
fn the_lsm_settles_more_of_the_starved_day() {
    let with = rtgsim_scenario::run(&fixture("lsm_starved_day.yaml"), None, &mut |_| {}).unwrap();
    let without =
        rtgsim_scenario::run(&fixture("lsm_starved_day_gross.yaml"), None, &mut |_| {}).unwrap();
    assert_eq!(
        with.totals.payments, without.totals.payments,
        "the same day"
    );
    assert!(with.totals.settled_value > 3 * without.totals.settled_value);
    assert!(without.lsm.is_empty());
    let by_lsm: i128 = with.lsm.iter().map(|l| l.value).sum();
    assert!(
        by_lsm > with.totals.settled_value / 2,
        "most value settles through the LSM"
    );
}
