//! Issue 16's policy vocabulary run through whole scenarios: a Starlark
//! `evaluate_initial_liquidity` and a decision tree's `initial_liquidity_tree`
//! posting a share of collateral at each day's opening (and charged the daily
//! liquidity cost on it), a bad answer that is a `policy_error` posting nothing, and
//! `ReleaseShare` releasing a share of a divisible payment tick by tick, the rest
//! waiting in Queue 1. Every figure is worked out by hand in the comments.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test helpers fail loudly

mod common;

use common::*;
use serde_json::Value;

fn events(text: &str) -> Vec<Value> {
    let (_, log) = run_with_events(&scenario_from(text));
    String::from_utf8(log)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect()
}

fn starlark(source: &str) -> String {
    format!(
        "{{ type: Starlark, script: {} }}",
        serde_json::to_string(source).unwrap()
    )
}

fn tree(document: &str) -> String {
    format!("{{ type: Inline, decision_trees: {document} }}")
}

const QUEUE_NOTHING: &str =
    "def evaluate_queue(transactions, agent, system, state):\n    return []\n";

/// (kind, tick, agent, amount) of the collateral moved at the openings.
fn opening_moves(log: &[Value]) -> Vec<(String, u64, String, i64)> {
    log.iter()
        .filter(|e| e["phase"] == "initial_liquidity")
        .map(|e| {
            let kind = e["kind"].as_str().unwrap().to_string();
            let amount = if kind == "collateral_posted" {
                e["posted"].as_i64().unwrap()
            } else {
                e["amount"].as_i64().unwrap()
            };
            (
                kind,
                e["tick"].as_u64().unwrap(),
                e["agent"].as_str().unwrap().to_string(),
                amount,
            )
        })
        .collect()
}

/// A (Starlark) posts 25% of its 10,000 of capacity on day 0 and 40% on day 1; B
/// (a tree) posts 30% on day 0 and keeps it on day 1; C (Starlark) starts with
/// 5,000 posted and brings it down to 10% of 10,000. Days are 3 ticks; the
/// liquidity cost is 10% a day of the day's peak posted collateral.
#[test]
fn policies_post_a_share_at_each_opening_and_pay_for_it_daily() {
    let a = starlark(&format!(
        "{QUEUE_NOTHING}\ndef evaluate_initial_liquidity(agent, system, state):\n    if system.system_current_day == 0:\n        return 0.25\n    return 0.4\n"
    ));
    let b = tree(
        r#"{"version": "2.0", "policy_id": "b",
            "initial_liquidity_tree": {"type": "condition", "node_id": "FIRST",
              "condition": {"op": "==", "left": {"field": "system_current_day"}, "right": 0},
              "on_true": {"type": "action", "node_id": "POST", "action": "PostShare", "parameters": {"share": 0.3}},
              "on_false": {"type": "action", "node_id": "KEEP", "action": "KeepPosted"}}}"#,
    );
    let c = starlark(&format!(
        "{QUEUE_NOTHING}\ndef evaluate_initial_liquidity(agent, system, state):\n    return 1 / 10\n"
    ));
    let text = format!(
        "
simulation: {{ ticks_per_day: 3, num_days: 2, seed: 1 }}
costs: {{ liquidity_cost_per_day_bps: 1000 }}
agents:
  - {{ id: A, opening_balance: 0, collateral_capacity: 10000, policy: {a} }}
  - {{ id: B, opening_balance: 0, collateral_capacity: 10000, policy: {b} }}
  - {{ id: C, opening_balance: 0, collateral_capacity: 10000, posted_collateral: 5000, policy: {c} }}
"
    );
    let log = events(&text);
    assert_eq!(
        opening_moves(&log),
        [
            ("collateral_posted".to_string(), 0, "A".to_string(), 2_500),
            ("collateral_posted".to_string(), 0, "B".to_string(), 3_000),
            (
                "collateral_withdrawn".to_string(),
                0,
                "C".to_string(),
                4_000
            ),
            // Day 1 opens at tick 3: A goes from 2,500 to 4,000; B keeps; C is at
            // its share already.
            ("collateral_posted".to_string(), 3, "A".to_string(), 1_500),
        ]
    );
    assert!(!log.iter().any(|e| e["kind"] == "policy_error"));
    let (summary, _) = run_with_events(&scenario_from(&text));
    let liquidity: Vec<i128> = summary.agents.iter().map(|a| a.costs.liquidity).collect();
    // A: 10% of 2,500 + 10% of 4,000; B: 10% of 3,000 twice; C: 10% of 1,000 twice.
    assert_eq!(liquidity, [250 + 400, 300 + 300, 100 + 100]);
}

/// A's script answers 1.5, B's tree computes a share of 3 (its balance of 3 cents):
/// each opening is a policy error naming the call, and nothing is posted or
/// withdrawn (each keeps its 2,000, on which the daily cost is charged).
#[test]
fn a_bad_share_is_a_policy_error_and_moves_no_collateral() {
    let a = starlark(&format!(
        "{QUEUE_NOTHING}\ndef evaluate_initial_liquidity(agent, system, state):\n    return 1.5\n"
    ));
    let b = tree(
        r#"{"version": "2.0", "policy_id": "b",
            "initial_liquidity_tree": {"type": "action", "node_id": "P_BALANCE", "action": "PostShare",
              "parameters": {"share": {"field": "balance"}}}}"#,
    );
    let text = format!(
        "
simulation: {{ ticks_per_day: 2, num_days: 2, seed: 1 }}
costs: {{ liquidity_cost_per_day_bps: 1000 }}
agents:
  - {{ id: A, opening_balance: 0, collateral_capacity: 10000, posted_collateral: 2000, policy: {a} }}
  - {{ id: B, opening_balance: 3, collateral_capacity: 10000, posted_collateral: 2000, policy: {b} }}
"
    );
    let log = events(&text);
    assert_eq!(opening_moves(&log), []);
    let errors: Vec<(u64, &str, &str, &str)> = log
        .iter()
        .filter(|e| e["kind"] == "policy_error")
        .map(|e| {
            (
                e["tick"].as_u64().unwrap(),
                e["agent"].as_str().unwrap(),
                e["call"].as_str().unwrap(),
                e["message"].as_str().unwrap(),
            )
        })
        .collect();
    let a_error = "evaluate_initial_liquidity: returned 1.5, outside 0 to 1; it must return a share of the collateral capacity from 0 to 1 (an int or a float), or None to keep what is posted";
    let b_error = "decision tree node P_BALANCE: PostShare: 3 is not a share from 0 to 1 of the collateral capacity";
    assert_eq!(
        errors,
        [
            (0, "A", "initial_liquidity", a_error),
            (0, "B", "initial_liquidity", b_error),
            (2, "A", "initial_liquidity", a_error),
            (2, "B", "initial_liquidity", b_error),
        ]
    );
    let (summary, _) = run_with_events(&scenario_from(&text));
    for agent in &summary.agents {
        // 10% of the 2,000 still posted, on each of the two days.
        assert_eq!(agent.costs.liquidity, 400, "{}", agent.id);
    }
}

/// A owes B 900 cents (divisible) at tick 0 and releases 30% of what is left each
/// tick: 270 at tick 0 (630 left), 30% of 630 = 189 at tick 1 (441 left), 30% of
/// 441 = 132.3, so 132, at tick 2 (309 left, still in Queue 1 at the close). The
/// script and the tree release the same.
#[test]
fn release_share_releases_the_share_and_leaves_the_rest_queued() {
    let script = starlark(
        "def evaluate_queue(transactions, agent, system, state):\n    return [{\"action\": \"ReleaseShare\", \"tx_id\": tx.id, \"share\": 0.3} for tx in transactions]\n",
    );
    let document = tree(
        r#"{"version": "2.0", "policy_id": "share",
            "payment_tree": {"type": "action", "node_id": "SHARE", "action": "ReleaseShare", "parameters": {"share": 0.3}}}"#,
    );
    for policy in [script, document] {
        let text = format!(
            "
simulation: {{ ticks_per_day: 3, num_days: 1, seed: 1 }}
settlement: {{ lsm: [] }}
agents:
  - {{ id: A, opening_balance: 10000, policy: {policy} }}
  - {{ id: B, opening_balance: 0, policy: {{type: Fifo}} }}
transactions:
  - {{ tick: 0, from: A, to: B, amount: 900, deadline: 2, divisible: true }}
"
        );
        let log = events(&text);
        let settled: Vec<(u64, i64)> = log
            .iter()
            .filter(|e| e["kind"] == "settled")
            .map(|e| (e["tick"].as_u64().unwrap(), e["amount"].as_i64().unwrap()))
            .collect();
        assert_eq!(settled, [(0, 270), (1, 189), (2, 132)], "{policy}");
        assert!(!log.iter().any(|e| e["kind"] == "policy_error"), "{policy}");
        let (summary, _) = run_with_events(&scenario_from(&text));
        // What stays unsent: 900 - 270 - 189 - 132 = 309.
        assert_eq!(summary.agents[0].closing_balance, 10_000 - 591, "{policy}");
        assert_eq!(summary.agents[1].closing_balance, 591, "{policy}");
    }
}

/// The Castro et al. 2-period game (`examples/papers/castro_two_period`) with each
/// bank's initial liquidity chosen by an `initial_liquidity_tree` instead of the
/// scenario's fixed share, and its divisible demand sent by a payment tree that
/// releases what the liquidity allows (`ReleaseShare` of available / amount) in
/// place of the built-in `LiquiditySplitting`.
fn castro_by_trees(a: f64, b: f64) -> (i128, i128, i128, i128) {
    let path = fixtures_dir().join("../examples/papers/castro_two_period/scenario.yaml");
    let text = std::fs::read_to_string(path).unwrap();
    let policy = |share: f64| {
        tree(&format!(
            r#"{{"version": "2.0", "policy_id": "castro", "parameters": {{"opening": {share}}},
              "initial_liquidity_tree": {{"type": "action", "node_id": "POST", "action": "PostShare",
                "parameters": {{"share": {{"param": "opening"}}}}}},
              "payment_tree": {{"type": "condition", "node_id": "AFFORD",
                "condition": {{"op": ">=", "left": {{"field": "available_liquidity"}}, "right": {{"field": "amount"}}}},
                "on_true": {{"type": "action", "node_id": "ALL", "action": "Release"}},
                "on_false": {{"type": "condition", "node_id": "ANY",
                  "condition": {{"op": ">", "left": {{"field": "available_liquidity"}}, "right": 0}},
                  "on_true": {{"type": "action", "node_id": "PART", "action": "ReleaseShare",
                    "parameters": {{"share": {{"compute": {{"op": "/", "left": {{"field": "available_liquidity"}}, "right": {{"field": "amount"}}}}}}}}}},
                  "on_false": {{"type": "action", "node_id": "WAIT", "action": "Hold"}}}}}}}}"#
        ))
    };
    let text = text
        .replacen("    initial_liquidity: {share: 0.0}\n", "", 1)
        .replacen("    initial_liquidity: {share: 0.2}\n", "", 1)
        .replacen(
            "    policy: {type: LiquiditySplitting, max_parts: 100}",
            &format!("    policy: {}", policy(a)),
            1,
        )
        .replacen(
            "    policy: {type: LiquiditySplitting, max_parts: 100}",
            &format!("    policy: {}", policy(b)),
            1,
        );
    assert!(
        !text.contains("type: LiquiditySplitting") && !text.contains("initial_liquidity: {share")
    );
    let (summary, log) = run_with_events(&scenario_from(&text));
    let log = String::from_utf8(log).unwrap();
    assert!(!log.contains("policy_error"), "{log}");
    let (ra, rb) = (&summary.agents[0].costs, &summary.agents[1].costs);
    (ra.total, rb.liquidity, rb.delay + rb.borrowing, rb.total)
}

#[test]
fn the_castro_game_played_by_trees_costs_what_the_paper_says() {
    // The equilibrium: A posts nothing, B 0.2 of its unit (1,000,000 cents). B pays
    // 0.15 in period 1 and 0.05 in period 2 from its own liquidity; A pays its 0.15
    // in period 2 from B's 0.15 received in period 1. R_A = 0, R_B = r_c x 0.2 =
    // 0.1 x 200,000 = 20,000 cents.
    assert_eq!(castro_by_trees(0.0, 0.2), (0, 20_000, 0, 20_000));
    // B posts 0.19: in period 2 it has 40,000 for its 50,000, so the tree releases
    // the share 40,000 / 50,000 = 0.8 (40,000 cents) and 10,000 waits a period
    // (r_d = 0.2: 2,000) and is lent at the close (r_b = 0.4: 4,000); liquidity
    // 0.1 x 190,000 = 19,000.
    assert_eq!(castro_by_trees(0.0, 0.19), (0, 19_000, 6_000, 25_000));
}
