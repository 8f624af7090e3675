//! Shocks and resume, at their edges: a run stopped at any tick (inside an outage,
//! on a day's first tick where one ends, inside repeated arrival changes, with
//! end-of-day loans and deferred crediting) and resumed gives the log of the run
//! in one go, byte for byte.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test helpers fail loudly

mod common;

use common::{in_one_go, scenario_from, stopped_and_resumed};

/// Four banks over three days of ten ticks, end-of-day loans and deferred
/// crediting; CHARLIE is disconnected from tick 7 to tick 10 (a day's first
/// tick); BRAVO is out from tick 12, and a second outage at tick 14 disconnects
/// it until the first one's end (tick 20, a day's first tick); DELTA's rate
/// changes every three ticks; shocks repeat every tick.
const EDGES: &str = "\
simulation: { ticks_per_day: 10, num_days: 3, seed: 5 }
settlement: { lsm: [bilateral, multilateral], deferred_crediting: true }
costs: { eod_borrowing_bps: 100, overdraft_bps_per_tick: 1 }
agents:
  - { id: ALPHA, opening_balance: 50000, unsecured_cap: 20000, collateral_capacity: 90000, posted_collateral: 30000,
      arrivals: { rate_per_tick: 1.0, amount: { distribution: uniform, min: 5000, max: 40000 }, deadline_ticks: [2, 8] } }
  - { id: BRAVO, opening_balance: 40000,
      arrivals: { rate_per_tick: 1.0, amount: { distribution: uniform, min: 5000, max: 40000 }, deadline_ticks: [2, 8] } }
  - { id: CHARLIE, opening_balance: 30000,
      arrivals: { rate_per_tick: 1.0, amount: { distribution: uniform, min: 5000, max: 40000 }, deadline_ticks: [2, 8] } }
  - { id: DELTA, opening_balance: 20000, collateral_capacity: 50000, posted_collateral: 10000,
      arrivals: { rate_per_tick: 1.0, amount: { distribution: uniform, min: 5000, max: 40000 }, deadline_ticks: [2, 8] } }
scenario_events:
  - { tick: 7, kind: outage, agent: CHARLIE, ticks: 3, receive: false }
  - { tick: 12, kind: outage, agent: BRAVO, ticks: 8 }
  - { tick: 14, kind: outage, agent: BRAVO, ticks: 2, receive: false }
  - { tick: 1, kind: arrival_rate, agent: DELTA, factor: 3, repeat: { every_ticks: 3, until_tick: 25 } }
  - { tick: 2, kind: arrival_rate, agent: DELTA, factor: 0.2, repeat: { every_ticks: 3, until_tick: 26 } }
  - { tick: 3, kind: counterparty_weights, agent: ALPHA, weights: { CHARLIE: 3, DELTA: 1 }, repeat: { every_ticks: 9, until_tick: 21 } }
  - { tick: 0, kind: withdraw, agent: DELTA, amount: 7000, repeat: { every_ticks: 1, until_tick: 29 } }
  - { tick: 0, kind: transfer, from: ALPHA, to: CHARLIE, amount: 3000, repeat: { every_ticks: 2, until_tick: 29 } }
  - { tick: 5, kind: collateral_value, agent: \"*\", factor: 1.5, repeat: { every_ticks: 4, until_tick: 29 } }
  - { tick: 6, kind: collateral_value, agent: ALPHA, factor: 0.5, repeat: { every_ticks: 4, until_tick: 29 } }
  - { tick: 10, kind: credit_limit, agent: ALPHA, unsecured_cap: 0 }
  - { tick: 20, kind: inject, agent: DELTA, amount: 90000 }
";

#[test]
fn a_run_with_shocks_at_their_edges_resumes_from_every_tick_to_the_same_log() {
    let scenario = scenario_from(EDGES);
    let (lines, _) = in_one_go(&scenario);
    let total = scenario.plan.ticks_per_day * scenario.plan.num_days;
    for stop in 1..total {
        let (resumed, _) = stopped_and_resumed(&scenario, stop);
        assert!(
            resumed == lines,
            "the log differs after resuming at tick {stop}"
        );
    }
}
