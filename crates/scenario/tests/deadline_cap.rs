//! `simulation.deadline_cap_at_eod`: generated deadlines never pass the end of
//! their payment's day.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test helpers fail loudly

mod common;

use common::*;

fn scenario(cap: Option<bool>) -> String {
    let cap = cap
        .map(|c| format!(", deadline_cap_at_eod: {c}"))
        .unwrap_or_default();
    format!(
        "
simulation: {{ ticks_per_day: 10, num_days: 3, seed: 4{cap} }}
agents:
  - id: A
    opening_balance: 100000
    arrivals: {{ rate_per_tick: 2.0, amount: {{ distribution: fixed, value: 10 }}, deadline_ticks: [3, 15] }}
  - id: B
    opening_balance: 100000
    arrivals: {{ rate_per_tick: 2.0, amount: {{ distribution: fixed, value: 10 }}, deadline_ticks: [3, 15] }}
"
    )
}

/// (arrival tick, deadline) of every arrival.
fn deadlines(text: &str) -> Vec<(u64, u64)> {
    let (_, log) = run_with_events(&scenario_from(text));
    String::from_utf8(log)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str::<serde_json::Value>(l).unwrap())
        .filter(|e| e["kind"] == "arrival")
        .map(|e| (e["tick"].as_u64().unwrap(), e["deadline"].as_u64().unwrap()))
        .collect()
}

#[test]
fn capped_deadlines_stop_at_the_end_of_the_day() {
    let free = deadlines(&scenario(Some(false)));
    let capped = deadlines(&scenario(Some(true)));
    assert_eq!(free.len(), capped.len());
    // Offsets of 3 to 15 ticks in days of 10: many pass the day's end uncapped.
    assert!(free.iter().any(|(t, d)| d / 10 != t / 10));
    for ((tick, free_deadline), (capped_tick, capped_deadline)) in free.iter().zip(&capped) {
        assert_eq!(tick, capped_tick);
        assert_eq!(*capped_deadline, (*free_deadline).min(tick / 10 * 10 + 9));
    }
}

#[test]
fn off_it_leaves_the_canonical_scenario_as_it_was() {
    let left_out = scenario_from(&scenario(None));
    let written_off = scenario_from(&scenario(Some(false)));
    assert_eq!(left_out.inputs_sha256, written_off.inputs_sha256);
    assert_eq!(
        deadlines(&scenario(None)),
        deadlines(&scenario(Some(false)))
    );
}
