//! `settlement.deferred_crediting`: money received in tick t is usable from t + 1.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test helpers fail loudly

mod common;

use common::*;

/// A has nothing, B has 100. At tick 0 A must pay C 100 and B pays A 100. Agents
/// decide in id order: A's payment cannot settle on release and waits in the
/// queue; B's settles at once. Crediting at once, A's payment then settles from
/// the queue in tick 0. Deferred, A's 100 is usable only from tick 1, so its payment
/// settles in tick 1, from the queue.
fn scenario(deferred: bool) -> String {
    format!(
        "
simulation: {{ ticks_per_day: 5, num_days: 1, seed: 1 }}
settlement: {{ lsm: [], deferred_crediting: {deferred} }}
agents:
  - {{ id: A, opening_balance: 0 }}
  - {{ id: B, opening_balance: 100 }}
  - {{ id: C, opening_balance: 0 }}
transactions:
  - {{ tick: 0, from: A, to: C, amount: 100 }}
  - {{ tick: 0, from: B, to: A, amount: 100 }}
"
    )
}

/// (tick, tx, route) of every settlement.
fn settlements(text: &str) -> Vec<(u64, u64, String)> {
    let (_, log) = run_with_events(&scenario_from(text));
    String::from_utf8(log)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str::<serde_json::Value>(l).unwrap())
        .filter(|e| e["kind"] == "settled")
        .map(|e| {
            (
                e["tick"].as_u64().unwrap(),
                e["tx"].as_u64().unwrap(),
                e["route"].as_str().unwrap().to_string(),
            )
        })
        .collect()
}

#[test]
fn a_receipt_pays_out_in_the_same_tick_or_the_next() {
    let at_once = settlements(&scenario(false));
    assert_eq!(
        at_once,
        [(0, 1, "immediate".to_string()), (0, 0, "queue".to_string())]
    );
    let deferred = settlements(&scenario(true));
    assert_eq!(
        deferred,
        [(0, 1, "immediate".to_string()), (1, 0, "queue".to_string())]
    );
}

#[test]
fn off_it_leaves_the_canonical_scenario_and_the_log_as_they_were() {
    // Written out as false, or left out, the scenario is the same scenario.
    let without = scenario(false).replace(", deferred_crediting: false", "");
    assert!(!without.contains("deferred"));
    let (a, _) = run_with_events(&scenario_from(&without));
    let (b, _) = run_with_events(&scenario_from(&scenario(false)));
    assert_eq!(a.event_log_hash, b.event_log_hash);
    assert_eq!(
        scenario_from(&without).inputs_sha256,
        scenario_from(&scenario(false)).inputs_sha256
    );
}

/// A used 100 of collateral-backed credit at tick 0 and is repaid 100 at tick 1.
/// Deferred, that receipt is not usable until tick 2, so at the end of tick 1 the
/// collateral still backs credit in use and A's withdrawal is refused; at once, the
/// withdrawal goes through.
fn withdrawing(deferred: bool) -> String {
    format!(
        r#"
simulation: {{ ticks_per_day: 4, num_days: 1, seed: 1 }}
settlement: {{ lsm: [], deferred_crediting: {deferred} }}
agents:
  - id: A
    opening_balance: 0
    collateral_capacity: 100
    posted_collateral: 100
    policy:
      type: Starlark
      script: |
        def evaluate_queue(transactions, agent, system, state):
            return [{{"action": "Release", "tx_id": tx.id}} for tx in transactions]
        def evaluate_end_of_tick_collateral(agent, system, state):
            if system.current_tick == 1:
                return {{"action": "Withdraw", "amount": 100}}
            return None
  - {{ id: B, opening_balance: 100 }}
transactions:
  - {{ tick: 0, from: A, to: B, amount: 100 }}
  - {{ tick: 1, from: B, to: A, amount: 100 }}
"#
    )
}

fn collateral_events(text: &str) -> Vec<String> {
    let (_, log) = run_with_events(&scenario_from(text));
    String::from_utf8(log)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str::<serde_json::Value>(l).unwrap())
        .filter(|e| e["kind"].as_str().unwrap_or("").starts_with("collateral"))
        .map(|e| format!("{} {}", e["tick"], e["kind"].as_str().unwrap()))
        .collect()
}

#[test]
fn a_receipt_not_yet_usable_does_not_free_collateral() {
    assert_eq!(
        collateral_events(&withdrawing(false)),
        ["1 collateral_withdrawn"]
    );
    assert_eq!(
        collateral_events(&withdrawing(true)),
        ["1 collateral_refused"]
    );
}
