//! The daily decisions and costs of issue 16: a fixed initial liquidity
//! (`agents[].initial_liquidity.share`), the liquidity cost per day on it, and
//! end-of-day borrowing (`costs.eod_borrowing_bps`), each against figures worked
//! out by hand.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test helpers fail loudly

mod common;

use common::*;
use rtgsim_report::summary::CostSummary;

fn castro_text() -> String {
    let path = fixtures_dir().join("../examples/papers/castro_two_period/scenario.yaml");
    std::fs::read_to_string(path).unwrap()
}

/// The Castro 2-period game with A posting `a` and B posting `b` (shares of one
/// unit, 1,000,000 cents).
fn castro(a: &str, b: &str) -> (CostSummary, CostSummary) {
    let text = castro_text()
        .replacen(
            "initial_liquidity: {share: 0.0}",
            &format!("initial_liquidity: {{share: {a}}}"),
            1,
        )
        .replacen(
            "initial_liquidity: {share: 0.2}",
            &format!("initial_liquidity: {{share: {b}}}"),
            1,
        );
    let (summary, _) = run_with_events(&scenario_from(&text));
    (summary.agents[0].costs, summary.agents[1].costs)
}

/// (liquidity, delay, borrowing, total) in cents.
fn parts(c: &CostSummary) -> (i128, i128, i128, i128) {
    (c.liquidity, c.delay, c.borrowing, c.total)
}

#[test]
fn the_castro_equilibrium_costs_are_the_papers() {
    // B posts 0.2: it pays 0.15 in period 1 and 0.05 in period 2 from its own
    // liquidity (A's 0.15 of period 2 is usable only after the day). A posts
    // nothing: B's 0.15 of period 1 is usable in period 2 and pays A's 0.15.
    // R_A = 0, R_B = r_c x 0.2 = 0.02 units = 20,000 cents.
    let (a, b) = castro("0.0", "0.2");
    assert_eq!(parts(&a), (0, 0, 0, 0));
    assert_eq!(parts(&b), (20_000, 0, 0, 20_000));
}

#[test]
fn short_of_liquidity_b_pays_delay_and_the_loan() {
    // B posts 0.15: period 2's 0.05 cannot be sent (A's 0.15 arrives that period
    // and is usable only after it): delay r_d x 0.05 = 10,000, then the close
    // lends 0.05 at r_b = 0.4: 20,000; liquidity 0.1 x 0.15 = 15,000.
    let (_, b) = castro("0.0", "0.15");
    assert_eq!(parts(&b), (15_000, 10_000, 20_000, 45_000));
    // B posts 0.19: it sends 0.04 of the 0.05 (demand is divisible) and delays
    // 0.01: 2,000 of delay, 4,000 of borrowing, 19,000 of liquidity.
    let (_, b) = castro("0.0", "0.19");
    assert_eq!(parts(&b), (19_000, 2_000, 4_000, 25_000));
    // Past 0.2, more liquidity only costs more.
    let (_, b) = castro("0.0", "0.21");
    assert_eq!(parts(&b), (21_000, 0, 0, 21_000));
}

#[test]
fn when_b_posts_little_both_delay_and_borrow() {
    // B posts 0.05: period 1 sends 0.05 of 0.15 (0.10 waits: 20,000), period 2 has
    // nothing usable (0.10 + 0.05 wait: 30,000), the close lends 0.15 (60,000).
    // A, with nothing posted, can use B's 0.05 in period 2 and sends 0.05 of its
    // 0.15: 0.10 waits (20,000) and is lent at the close (40,000).
    let (a, b) = castro("0.0", "0.05");
    assert_eq!(parts(&a), (0, 20_000, 40_000, 60_000));
    assert_eq!(parts(&b), (5_000, 50_000, 60_000, 115_000));
}

/// A owes B 300 on day 0 with a credit of 100 (unsecured): the 100 settles at
/// once, the 200 waits and is lent at the close, so A ends the day at -300 with a
/// loan of 200 beyond its own limit. From the second day on, C pays A 250 at tick 2,
/// just after that day's opening.
fn borrowing(days: u32) -> String {
    let receipt = if days > 1 {
        "  - { tick: 2, from: C, to: A, amount: 250 }"
    } else {
        ""
    };
    format!(
        "
simulation: {{ ticks_per_day: 2, num_days: {days}, seed: 1 }}
settlement: {{ lsm: [] }}
costs: {{ eod_borrowing_bps: 2500, eod_penalty: 7 }}
agents:
  - {{ id: A, opening_balance: 0, unsecured_cap: 100, policy: {{type: Fifo}} }}
  - {{ id: B, opening_balance: 0, policy: {{type: Fifo}} }}
  - {{ id: C, opening_balance: 1000, policy: {{type: Fifo}} }}
transactions:
  - {{ tick: 0, from: A, to: B, amount: 100 }}
  - {{ tick: 0, from: A, to: B, amount: 200 }}
{receipt}
"
    )
}

fn events(text: &str) -> Vec<serde_json::Value> {
    let (_, log) = run_with_events(&scenario_from(text));
    String::from_utf8(log)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect()
}

#[test]
fn a_close_settles_what_waits_by_a_loan_charged_on_its_amount() {
    let log = events(&borrowing(1));
    let by_loan: Vec<_> = log
        .iter()
        .filter(|e| e["kind"] == "settled" && e["route"] == "eod_loan")
        .map(|e| (e["tick"].as_u64().unwrap(), e["amount"].as_i64().unwrap()))
        .collect();
    // The 100 settles at once on A's credit; the 200 waits in Queue 2 and settles
    // at the close (tick 1) by a loan.
    assert_eq!(by_loan, [(1, 200)]);
    let day: Vec<_> = log.iter().filter(|e| e["kind"] == "day_costs").collect();
    assert_eq!(day.len(), 1);
    // 25% of 200; the penalty still applies to the payment, once.
    assert_eq!(
        (day[0]["borrowed"].as_i64(), day[0]["borrowing"].as_i64()),
        (Some(200), Some(50))
    );
    let penalties = log.iter().filter(|e| e["kind"] == "eod_penalty").count();
    assert_eq!(penalties, 1);
    let (summary, _) = run_with_events(&scenario_from(&borrowing(1)));
    let a = &summary.agents[0];
    assert_eq!((a.costs.borrowing, a.costs.eod, a.costs.total), (50, 7, 57));
    assert_eq!(a.closing_balance, -300);
    assert_eq!(a.settlements.eod_loan, 1);
    assert_eq!(summary.agents[1].closing_balance, 300);
}

#[test]
fn an_opening_repays_the_loan_as_far_as_the_balance_allows() {
    let log = events(&borrowing(3));
    let repaid: Vec<_> = log
        .iter()
        .filter(|e| e["kind"] == "eod_loan_repaid")
        .map(|e| {
            (
                e["tick"].as_u64().unwrap(),
                e["repaid"].as_i64().unwrap(),
                e["outstanding"].as_i64().unwrap(),
            )
        })
        .collect();
    // Day 1's opening (tick 2) comes before C's 250 arrives: A is still at -300,
    // 200 beyond its own 100, so nothing is repaid. At day 2's opening (tick 4) A
    // is at -50: within its own limit, so the whole 200 is repaid.
    assert_eq!(repaid, [(4, 200, 0)]);
}

/// One agent posts 30% of 10,000 at each opening, another starts with 5,000
/// posted and a fixed share of 10% (so the opening withdraws 4,000); the daily
/// liquidity cost of 1,000 bps charges 10% of each day's peak.
#[test]
fn initial_liquidity_posts_or_withdraws_to_the_share_and_is_charged_daily() {
    let text = "
simulation: { ticks_per_day: 3, num_days: 2, seed: 1 }
costs: { liquidity_cost_per_day_bps: 1000 }
agents:
  - { id: A, opening_balance: 0, collateral_capacity: 10000, initial_liquidity: {share: 0.3}, policy: {type: Fifo} }
  - { id: B, opening_balance: 0, collateral_capacity: 10000, posted_collateral: 5000, initial_liquidity: {share: 0.1}, policy: {type: Fifo} }
";
    let log = events(text);
    let posted: Vec<_> = log
        .iter()
        .filter(|e| {
            e["phase"] == "initial_liquidity"
                && (e["kind"] == "collateral_posted" || e["kind"] == "collateral_withdrawn")
        })
        .map(|e| {
            (
                e["kind"].as_str().unwrap().to_string(),
                e["agent"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    // Day 0 moves both; day 1 finds both at their share already.
    assert_eq!(
        posted,
        [
            ("collateral_posted".to_string(), "A".to_string()),
            ("collateral_withdrawn".to_string(), "B".to_string())
        ]
    );
    let (summary, _) = run_with_events(&scenario_from(text));
    // A: 10% of 3,000 on each of two days; B: 10% of 1,000 twice (its 5,000 was
    // withdrawn before the day's first collateral step, so the peak is 1,000).
    assert_eq!(summary.agents[0].costs.liquidity, 600);
    assert_eq!(summary.agents[1].costs.liquidity, 200);
}

#[test]
fn the_new_settings_are_refused_with_their_place() {
    let base = "
simulation: { ticks_per_day: 3, num_days: 1, seed: 1 }
agents:
  - { id: A, opening_balance: 0, collateral_capacity: 10000, initial_liquidity: {share: 1.5} }
  - { id: B, opening_balance: 0, initial_liquidity: {share: 0.5} }
costs: { eod_borrowing_bps: -1, liquidity_cost_per_day_bps: 20000 }
";
    let message = rejection(base);
    for expected in [
        "agents[0].initial_liquidity.share",
        "1.5 is not a share between 0 and 1",
        "agents[1].initial_liquidity",
        "needs a collateral_capacity above 0",
        "costs.eod_borrowing_bps",
        "costs.liquidity_cost_per_day_bps",
    ] {
        assert!(
            message.contains(expected),
            "{expected} missing from {message}"
        );
    }
}

/// Each day pays for its own peak. Day 0: the opening posts 2,000 (a fixed share
/// of 0.2 of 10,000) and the script posts 6,000 more at tick 0, a peak of 8,000:
/// 800. Day 1: the opening withdraws back to 2,000 before anything else, so its
/// peak is 2,000: 200, not the 800 that carrying yesterday's posting over would
/// charge.
#[test]
fn a_withdrawal_at_the_opening_is_not_charged_for_that_day() {
    let text = r#"
simulation: { ticks_per_day: 2, num_days: 2, seed: 1 }
costs: { liquidity_cost_per_day_bps: 1000 }
agents:
  - id: A
    opening_balance: 0
    collateral_capacity: 10000
    initial_liquidity: {share: 0.2}
    policy:
      type: Starlark
      script: |
        def evaluate_queue(transactions, agent, system, state):
            return []
        def evaluate_strategic_collateral(agent, system, state):
            if system.current_tick == 0:
                return {"action": "Post", "amount": 6000}
            return None
  - { id: B, opening_balance: 0, policy: {type: Fifo} }
"#;
    let (summary, _) = run_with_events(&scenario_from(text));
    assert_eq!(summary.agents[0].costs.liquidity, 800 + 200);
}

/// A policy sees the loan it owes and the rates: A borrows 200 at day 0's close
/// (as in `borrowing`), and on day 1 its script holds a new payment with a reason
/// that reads `agent.eod_loan`, `agent.credit_limit` and the two daily rates.
#[test]
fn a_policy_reads_its_loan_and_the_daily_rates() {
    let text = r#"
simulation: { ticks_per_day: 2, num_days: 2, seed: 1 }
settlement: { lsm: [] }
costs: { eod_borrowing_bps: 2500, liquidity_cost_per_day_bps: 30 }
agents:
  - id: A
    opening_balance: 0
    unsecured_cap: 100
    policy:
      type: Starlark
      script: |
        def evaluate_queue(transactions, agent, system, state):
            if system.current_tick < 2:
                return [{"action": "Release", "tx_id": tx.id} for tx in transactions]
            return [{"action": "Hold", "tx_id": tx.id, "reason": "loan %d limit %d rates %s %s" % (agent.eod_loan, agent.credit_limit, system.cost_eod_borrowing_bps, system.cost_liquidity_bps_per_day)} for tx in transactions]
  - { id: B, opening_balance: 0, policy: {type: Fifo} }
transactions:
  - { tick: 0, from: A, to: B, amount: 300 }
  - { tick: 2, from: A, to: B, amount: 5 }
"#;
    let held: Vec<String> = events(text)
        .iter()
        .filter(|e| e["kind"] == "held")
        .map(|e| e["reason"].as_str().unwrap().to_string())
        .collect();
    // 300 released on 100 of credit: 200 waits and is lent at the close; the
    // opening cannot repay it (A is at -300), so the limit is 100 + 200.
    assert_eq!(held, ["loan 200 limit 300 rates 2500.0 30.0"]);
    // Without borrowing the rate reads -1.
    let without = text.replace("eod_borrowing_bps: 2500, ", "");
    let held: Vec<String> = events(&without)
        .iter()
        .filter(|e| e["kind"] == "held")
        .map(|e| e["reason"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(held, ["loan 0 limit 100 rates -1.0 30.0"]);
}
