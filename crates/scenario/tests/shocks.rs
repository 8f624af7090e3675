//! Scenario events that change the system (issue 17), one kind at a time, on
//! scripted scenarios small enough to follow by hand: every settlement tick, balance
//! and emergency credit below is worked out in the comments, not read from a run.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test helpers fail loudly

mod common;

use common::*;
use serde_json::Value;

/// The run's events as JSON values, and its summary.
fn run(text: &str) -> (Vec<Value>, rtgsim_report::RunSummary) {
    let (summary, lines) = run_with_events(&scenario_from(text));
    let events = String::from_utf8(lines)
        .unwrap()
        .lines()
        .map(|line| serde_json::from_str(line).unwrap())
        .collect();
    (events, summary)
}

fn of_kind<'a>(events: &'a [Value], kind: &str) -> Vec<&'a Value> {
    events.iter().filter(|e| e["kind"] == kind).collect()
}

/// The tick payment `tx` settled at (gross or in a set), if it did.
fn settled_at(events: &[Value], tx: u64) -> Option<u64> {
    events.iter().find_map(|e| {
        let settles = match e["kind"].as_str() {
            Some("settled") => e["tx"] == tx,
            Some("lsm_settled") => e["txs"].as_array().unwrap().iter().any(|t| t == tx),
            _ => false,
        };
        settles.then(|| e["tick"].as_u64().unwrap())
    })
}

fn closing(summary: &rtgsim_report::RunSummary) -> Vec<i64> {
    summary.agents.iter().map(|a| a.closing_balance).collect()
}

const HEAD: &str = "simulation: { ticks_per_day: 10, num_days: 1, seed: 1 }\n";

#[test]
fn a_transfer_moves_money_outside_the_queues() {
    // B has nothing and owes C 250 from tick 0: it waits. At tick 2, A transfers
    // 300 to B outside the queues; B's payment settles from the queue that tick.
    let text = format!(
        "{HEAD}agents:\n  - {{ id: A, opening_balance: 1000 }}\n  - {{ id: B, opening_balance: 0 }}\n  - {{ id: C, opening_balance: 0 }}\n\
         transactions:\n  - {{ tick: 0, from: B, to: C, amount: 250 }}\n\
         scenario_events:\n  - {{ tick: 2, kind: transfer, from: A, to: B, amount: 300 }}\n"
    );
    let (events, summary) = run(&text);
    let transfer = of_kind(&events, "liquidity_transfer");
    assert_eq!(transfer.len(), 1);
    assert_eq!(transfer[0]["tick"], 2);
    assert_eq!(
        (&transfer[0]["from"], &transfer[0]["to"]),
        (&Value::from("A"), &Value::from("B"))
    );
    assert_eq!(transfer[0]["emergency_credit"], 0);
    assert_eq!(settled_at(&events, 0), Some(2));
    assert_eq!(closing(&summary), vec![700, 50, 250]);
}

#[test]
fn a_transfer_beyond_the_limit_is_covered_by_emergency_credit_repaid_by_receipts() {
    // A holds 100, no credit, and transfers 300 at tick 1: balance -200, emergency
    // credit 200. A's payment of 50 (tick 1) cannot settle: A has nothing to pay
    // with. B pays A 150 at tick 2: A at -50, emergency credit 50, still nothing
    // to pay with. B pays A 100 at tick 3: A at 50, emergency credit 0, and its 50
    // settles from the queue that tick: A 0.
    let text = format!(
        "{HEAD}agents:\n  - {{ id: A, opening_balance: 100 }}\n  - {{ id: B, opening_balance: 1000 }}\n\
         transactions:\n  - {{ tick: 1, from: A, to: B, amount: 50 }}\n  - {{ tick: 2, from: B, to: A, amount: 150 }}\n  - {{ tick: 3, from: B, to: A, amount: 100 }}\n\
         scenario_events:\n  - {{ tick: 1, kind: transfer, from: A, to: B, amount: 300 }}\n"
    );
    let (events, summary) = run(&text);
    assert_eq!(
        of_kind(&events, "liquidity_transfer")[0]["emergency_credit"],
        200
    );
    assert_eq!(settled_at(&events, 1), Some(2));
    assert_eq!(settled_at(&events, 2), Some(3));
    assert_eq!(settled_at(&events, 0), Some(3));
    assert_eq!(closing(&summary), vec![0, 1100]);
    // The lowest A went: -200, by the transfer.
    assert_eq!(summary.agents[0].peak_overdraft, 200);
}

#[test]
fn an_injection_lets_a_queued_payment_settle_and_adds_money() {
    // A has nothing and owes B 500 from tick 0; 500 injected at tick 4 pays it then.
    let text = format!(
        "{HEAD}agents:\n  - {{ id: A, opening_balance: 0 }}\n  - {{ id: B, opening_balance: 0 }}\n\
         transactions:\n  - {{ tick: 0, from: A, to: B, amount: 500 }}\n\
         scenario_events:\n  - {{ tick: 4, kind: inject, agent: A, amount: 500 }}\n"
    );
    let (events, summary) = run(&text);
    assert_eq!(of_kind(&events, "liquidity_injected")[0]["amount"], 500);
    assert_eq!(settled_at(&events, 0), Some(4));
    // The system holds 500 more than it opened with.
    assert_eq!(closing(&summary), vec![0, 500]);
}

#[test]
fn a_withdrawal_beyond_the_balance_leaves_emergency_credit() {
    // A holds 1000 with an unsecured cap of 100. 1200 withdrawn at tick 1: balance
    // -200, of which the cap covers 100 and emergency credit 100. A's payment of 10
    // at tick 2 cannot settle until receipts clear the emergency credit and give
    // it 10 to spend: B pays A 100 at tick 5 (A at -100, within its cap, which
    // leaves it exactly 0 to pay with), and 10 at tick 7 (A -90): the 10 settles at
    // tick 7 (A -100).
    let text = format!(
        "{HEAD}agents:\n  - {{ id: A, opening_balance: 1000, unsecured_cap: 100 }}\n  - {{ id: B, opening_balance: 1000 }}\n\
         transactions:\n  - {{ tick: 2, from: A, to: B, amount: 10 }}\n  - {{ tick: 5, from: B, to: A, amount: 100 }}\n  - {{ tick: 7, from: B, to: A, amount: 10 }}\n\
         scenario_events:\n  - {{ tick: 1, kind: withdraw, agent: A, amount: 1200 }}\n"
    );
    let (events, summary) = run(&text);
    let withdrawn = of_kind(&events, "liquidity_withdrawn");
    assert_eq!(
        (&withdrawn[0]["amount"], &withdrawn[0]["emergency_credit"]),
        (&Value::from(1200), &Value::from(100))
    );
    assert_eq!(settled_at(&events, 0), Some(7));
    assert_eq!(closing(&summary), vec![-100, 900]);
    assert_eq!(summary.agents[0].peak_overdraft, 200);
}

#[test]
fn collateral_losing_value_shrinks_credit_and_blocks_the_agent() {
    // A holds nothing, with 1000 of collateral posted (capacity 2000, no haircut),
    // and pays B 800 at tick 0 on that credit: A at -800. At tick 1 collateral
    // falls to half its value: posted 500, capacity 1000, credit 500, so 300 is
    // emergency credit. A's 10 (tick 1) waits. B pays A 200 at tick 2 (A -600,
    // emergency 100) and 100 at tick 3 (A -500, emergency 0, nothing to pay with);
    // and 10 at tick 4 (A -490): A's 10 settles at tick 4.
    let text = format!(
        "{HEAD}agents:\n  - {{ id: A, opening_balance: 0, collateral_capacity: 2000, posted_collateral: 1000 }}\n  - {{ id: B, opening_balance: 1000 }}\n\
         transactions:\n  - {{ tick: 0, from: A, to: B, amount: 800 }}\n  - {{ tick: 1, from: A, to: B, amount: 10 }}\n  - {{ tick: 2, from: B, to: A, amount: 200 }}\n  - {{ tick: 3, from: B, to: A, amount: 100 }}\n  - {{ tick: 4, from: B, to: A, amount: 10 }}\n\
         scenario_events:\n  - {{ tick: 1, kind: collateral_value, agent: A, factor: 0.5 }}\n"
    );
    let (events, summary) = run(&text);
    let revalued = of_kind(&events, "collateral_revalued");
    assert_eq!(revalued.len(), 1);
    let figures: Vec<&Value> = ["factor_ppm", "posted", "capacity", "emergency_credit"]
        .iter()
        .map(|key| &revalued[0][*key])
        .collect();
    assert_eq!(
        figures,
        [500_000, 500, 1000, 300]
            .map(Value::from)
            .iter()
            .collect::<Vec<_>>()
    );
    assert_eq!(settled_at(&events, 0), Some(0));
    assert_eq!(settled_at(&events, 1), Some(4));
    // B: 1000 + 800 - 200 - 100 - 10 + 10.
    assert_eq!(closing(&summary), vec![-500, 1500]);
}

#[test]
fn every_agent_s_collateral_is_revalued_with_a_star() {
    // Two agents, each with collateral: 0.3 of 1000 posted is 300; of 999, 299.7
    // rounds down to 299 (capacity 3333 x 0.3 = 999.9 -> 999).
    let text = format!(
        "{HEAD}agents:\n  - {{ id: A, opening_balance: 0, collateral_capacity: 1000, posted_collateral: 1000 }}\n  - {{ id: B, opening_balance: 0, collateral_capacity: 3333, posted_collateral: 999 }}\n\
         scenario_events:\n  - {{ tick: 0, kind: collateral_value, agent: \"*\", factor: 0.3 }}\n"
    );
    let (events, _) = run(&text);
    let revalued: Vec<(i64, i64)> = of_kind(&events, "collateral_revalued")
        .iter()
        .map(|e| {
            (
                e["posted"].as_i64().unwrap(),
                e["capacity"].as_i64().unwrap(),
            )
        })
        .collect();
    assert_eq!(revalued, vec![(300, 300), (299, 999)]);
}

#[test]
fn a_lower_unsecured_cap_is_covered_then_repaid_and_a_higher_one_lets_payments_go() {
    // A (cap 1000) pays B 600 at tick 0: A at -600. At tick 1 its cap becomes 200:
    // emergency credit 400, and A's 100 (tick 1) waits. At tick 3 the cap becomes
    // 1000 again: the emergency credit is repaid at once (A's own limit covers its
    // -600) and the 100 settles from the queue that tick.
    let text = format!(
        "{HEAD}agents:\n  - {{ id: A, opening_balance: 0, unsecured_cap: 1000 }}\n  - {{ id: B, opening_balance: 0 }}\n\
         transactions:\n  - {{ tick: 0, from: A, to: B, amount: 600 }}\n  - {{ tick: 1, from: A, to: B, amount: 100 }}\n\
         scenario_events:\n  - {{ tick: 1, kind: credit_limit, agent: A, unsecured_cap: 200 }}\n  - {{ tick: 3, kind: credit_limit, agent: A, unsecured_cap: 1000 }}\n"
    );
    let (events, summary) = run(&text);
    let changes: Vec<(i64, i64)> = of_kind(&events, "credit_limit_changed")
        .iter()
        .map(|e| {
            (
                e["unsecured_cap"].as_i64().unwrap(),
                e["emergency_credit"].as_i64().unwrap(),
            )
        })
        .collect();
    assert_eq!(changes, vec![(200, 400), (1000, 0)]);
    assert_eq!(settled_at(&events, 1), Some(3));
    assert_eq!(closing(&summary), vec![-700, 700]);
}

#[test]
fn an_agent_out_sends_nothing_but_still_receives() {
    // A is out from tick 2 for 3 ticks (2, 3, 4). Its payment arriving at tick 2
    // waits in Queue 1 unreleased and settles at tick 5, when it is back; B's
    // payment to A at tick 3 settles at once.
    let text = format!(
        "{HEAD}agents:\n  - {{ id: A, opening_balance: 1000 }}\n  - {{ id: B, opening_balance: 1000 }}\n\
         transactions:\n  - {{ tick: 2, from: A, to: B, amount: 100 }}\n  - {{ tick: 3, from: B, to: A, amount: 100 }}\n\
         scenario_events:\n  - {{ tick: 2, kind: outage, agent: A, ticks: 3 }}\n"
    );
    let (events, _) = run(&text);
    let started = of_kind(&events, "outage_started");
    assert_eq!(
        (
            &started[0]["tick"],
            &started[0]["ticks"],
            &started[0]["receive"]
        ),
        (&Value::from(2), &Value::from(3), &Value::from(true))
    );
    assert_eq!(of_kind(&events, "outage_ended")[0]["tick"], 5);
    let released_a: Vec<u64> = of_kind(&events, "released")
        .iter()
        .filter(|e| e["agent"] == "A")
        .map(|e| e["tick"].as_u64().unwrap())
        .collect();
    assert_eq!(released_a, vec![5]);
    assert_eq!(settled_at(&events, 0), Some(5));
    assert_eq!(settled_at(&events, 1), Some(3));
}

#[test]
fn a_disconnected_agent_neither_pays_nor_receives_until_it_is_back() {
    // A pays B 100 at tick 0, before its outage. A is disconnected from tick 1 for 4
    // ticks (1 to 4). B's payment to A at tick 2 is released (B's policy is called)
    // but cannot settle, though B has the money; it settles at tick 5, when A is
    // back.
    let text = format!(
        "{HEAD}agents:\n  - {{ id: A, opening_balance: 1000 }}\n  - {{ id: B, opening_balance: 1000 }}\n\
         transactions:\n  - {{ tick: 0, from: A, to: B, amount: 100 }}\n  - {{ tick: 2, from: B, to: A, amount: 300 }}\n\
         scenario_events:\n  - {{ tick: 1, kind: outage, agent: A, ticks: 4, receive: false }}\n"
    );
    let (events, summary) = run(&text);
    assert_eq!(settled_at(&events, 0), Some(0));
    assert_eq!(settled_at(&events, 1), Some(5));
    assert_eq!(closing(&summary), vec![1200, 800]);
}

#[test]
fn a_disconnected_agent_s_queue_1_is_not_released_by_the_end_of_day_loans() {
    // Two days of 4 ticks with end-of-day loans. B is disconnected from tick 1 for
    // 5 ticks (1 to 5). Its 300 to A arrives at tick 2 and stays in its Queue 1
    // (its policy is not called). No loan settles it at the close (tick 3), so the
    // close must not release it either: B's policy releases it at tick 6, when B is
    // back, and it settles then (B holds 1000).
    let text = "simulation: { ticks_per_day: 4, num_days: 2, seed: 1 }\ncosts: { eod_borrowing_bps: 100 }\n\
         agents:\n  - { id: A, opening_balance: 1000 }\n  - { id: B, opening_balance: 1000 }\n\
         transactions:\n  - { tick: 2, from: B, to: A, amount: 300 }\n\
         scenario_events:\n  - { tick: 1, kind: outage, agent: B, ticks: 5, receive: false }\n";
    let (events, summary) = run(text);
    let releases: Vec<(u64, Option<&str>)> = of_kind(&events, "released")
        .iter()
        .map(|e| (e["tick"].as_u64().unwrap(), e["source"].as_str()))
        .collect();
    assert_eq!(releases, vec![(6, None)]);
    assert_eq!(settled_at(&events, 0), Some(6));
    assert_eq!(closing(&summary), vec![1300, 700]);
}

#[test]
fn a_disconnected_agent_takes_no_part_in_the_lsm() {
    // Neither A nor B has money. A's 500 to B waits from tick 0. A is disconnected
    // from tick 1 for 3 ticks (1 to 3); B releases its 500 to A at tick 1, and
    // bilateral offsetting would settle the pair then, but A takes no part until
    // it is back: the pair settles at tick 4, as one offset set.
    let text = format!(
        "{HEAD}settlement: {{ lsm: [bilateral] }}\nagents:\n  - {{ id: A, opening_balance: 0 }}\n  - {{ id: B, opening_balance: 0 }}\n\
         transactions:\n  - {{ tick: 0, from: A, to: B, amount: 500 }}\n  - {{ tick: 1, from: B, to: A, amount: 500 }}\n\
         scenario_events:\n  - {{ tick: 1, kind: outage, agent: A, ticks: 3, receive: false }}\n"
    );
    let (events, _) = run(&text);
    assert_eq!(settled_at(&events, 0), Some(4));
    assert_eq!(settled_at(&events, 1), Some(4));
    assert_eq!(of_kind(&events, "lsm_settled").len(), 1);
}

#[test]
fn a_repeated_event_fires_every_period_up_to_its_last_tick_and_day_places_it() {
    // Every 3 ticks from tick 1 up to tick 8: ticks 1, 4 and 7. Day 1, tick 2 of a
    // 10-tick day is tick 12.
    let text = "simulation: { ticks_per_day: 10, num_days: 2, seed: 1 }\n\
         agents:\n  - { id: A, opening_balance: 0 }\n  - { id: B, opening_balance: 0 }\n\
         scenario_events:\n  - { tick: 1, kind: inject, agent: A, amount: 5, repeat: { every_ticks: 3, until_tick: 8 } }\n  - { day: 1, tick_in_day: 2, kind: inject, agent: B, amount: 7 }\n";
    let (events, summary) = run(text);
    let ticks: Vec<(u64, i64)> = of_kind(&events, "liquidity_injected")
        .iter()
        .map(|e| (e["tick"].as_u64().unwrap(), e["amount"].as_i64().unwrap()))
        .collect();
    assert_eq!(ticks, vec![(1, 5), (4, 5), (7, 5), (12, 7)]);
    assert_eq!(closing(&summary), vec![15, 7]);
}

#[test]
fn bad_events_are_refused_with_their_path() {
    let with = |event: &str| {
        rejection(&format!(
            "{HEAD}agents:\n  - {{ id: ALPHA, opening_balance: 0 }}\n  - {{ id: BRAVO, opening_balance: 0 }}\nscenario_events:\n  - {event}\n"
        ))
    };
    let cases = [
        (
            "{ tick: 1, kind: inject, agent: ALPHX, amount: 5 }",
            "scenario_events[0].agent: no agent \"ALPHX\" (did you mean \"ALPHA\"?)",
        ),
        (
            "{ tick: 1, kind: inject, agent: ALPHA, amount: 5, factor: 2 }",
            "scenario_events[0].factor: inject events take agent, amount; not factor",
        ),
        (
            "{ tick: 10, kind: withdraw, agent: ALPHA, amount: 5 }",
            "scenario_events[0].tick: 10 is after the last tick (9)",
        ),
        (
            "{ tick: 1, kind: withdraw, agent: ALPHA }",
            "scenario_events[0].amount: withdraw events need amount",
        ),
        (
            "{ tick: 1, kind: collateral_value, agent: \"*\", factor: -0.5 }",
            "scenario_events[0].factor: -0.5 is not a factor from 0 to 1000",
        ),
        (
            "{ tick: 1, kind: transfer, from: ALPHA, to: ALPHA, amount: 5 }",
            "scenario_events[0].to: a transfer needs two different agents",
        ),
        (
            "{ tick: 1, kind: outage, agent: ALPHA, ticks: 0 }",
            "scenario_events[0].ticks: an outage needs ticks, at least 1",
        ),
        (
            "{ kind: inject, agent: ALPHA, amount: 5 }",
            "scenario_events[0]: place the event with `tick`, or with both `day` and `tick_in_day`",
        ),
        (
            "{ day: 0, tick_in_day: 10, kind: inject, agent: ALPHA, amount: 5 }",
            "scenario_events[0].tick_in_day: 10 is not a tick of the day (0..10)",
        ),
        (
            "{ tick: 5, kind: inject, agent: ALPHA, amount: 5, repeat: { every_ticks: 2, until_tick: 3 } }",
            "scenario_events[0].repeat.until_tick: 3 is not a tick from the first (5) to the last (9)",
        ),
        (
            "{ tick: 5, kind: inject, agent: ALPHA, amount: 5, repeat: { every_ticks: 0, until_tick: 8 } }",
            "scenario_events[0].repeat.every_ticks: must be at least 1",
        ),
        (
            "{ tick: 1, kind: suspend, agent: ALPHA, operator: ops, repeat: { every_ticks: 2, until_tick: 8 } }",
            "scenario_events[0].repeat: an operator's action happens once",
        ),
        (
            "{ tick: 1, kind: inject, agent: ALPHA, amount: 100000000000001 }",
            "scenario_events[0].amount: 100000000000001 is outside 1..=100000000000000 cents",
        ),
        (
            "{ tick: 1, kind: meteor, agent: ALPHA }",
            "scenario_events[0].kind",
        ),
    ];
    for (event, expected) in cases {
        let error = with(event);
        assert!(error.contains(expected), "{event}:\n{error}");
    }
}

#[test]
fn shocks_alone_do_not_make_a_governed_run() {
    // End-of-day borrowing is refused with governance; shocks are not governance.
    let text = format!(
        "{HEAD}costs: {{ eod_borrowing_bps: 10 }}\nagents:\n  - {{ id: A, opening_balance: 0 }}\n  - {{ id: B, opening_balance: 0 }}\n\
         scenario_events:\n  - {{ tick: 1, kind: inject, agent: A, amount: 5 }}\n"
    );
    let scenario = scenario_from(&text);
    assert!(scenario.plan.governance.is_none());
    assert_eq!(scenario.plan.shocks.len(), 1);
}

/// Arrivals of `agent` at or after `tick`, as (tick, receiver, deadline).
fn arrivals_from(events: &[Value], agent: &str, tick: u64) -> Vec<(u64, String, u64)> {
    of_kind(events, "arrival")
        .iter()
        .filter(|e| e["from"] == agent && e["tick"].as_u64().unwrap() >= tick)
        .map(|e| {
            (
                e["tick"].as_u64().unwrap(),
                e["to"].as_str().unwrap().to_string(),
                e["deadline"].as_u64().unwrap(),
            )
        })
        .collect()
}

/// Three banks; A and B generate payments to the others at `rate` per tick.
fn generating(rate: &str, ticks: u32, events: &str) -> String {
    let arrivals = format!(
        "arrivals: {{ rate_per_tick: {rate}, amount: {{ distribution: fixed, value: 100 }}, deadline_ticks: [5, 10] }}"
    );
    format!(
        "simulation: {{ ticks_per_day: {ticks}, num_days: 1, seed: 3 }}\nagents:\n  - {{ id: A, opening_balance: 1000000, {arrivals} }}\n  - {{ id: B, opening_balance: 1000000, {arrivals} }}\n  - {{ id: C, opening_balance: 0 }}\nscenario_events:\n{events}"
    )
}

#[test]
fn an_arrival_rate_of_zero_stops_generated_payments_from_its_tick() {
    // A rate factor of 0 makes every later draw a Poisson(0): exactly no arrival.
    let text = generating(
        "2.0",
        40,
        "  - { tick: 20, kind: arrival_rate, agent: A, factor: 0 }\n",
    );
    let (events, _) = run(&text);
    assert!(arrivals_from(&events, "A", 20).is_empty());
    // Before it, about 2 a tick; after it, B goes on.
    assert!(arrivals_from(&events, "A", 0).len() > 20);
    assert!(arrivals_from(&events, "B", 20).len() > 20);
    let changed = of_kind(&events, "arrivals_changed");
    assert_eq!(changed.len(), 1);
    assert_eq!(changed[0]["change"], "rate_factor 0");
}

#[test]
fn an_arrival_rate_set_per_tick_generates_at_that_rate() {
    // From tick 100 of 2,100, A's rate is 3 a tick: 6,000 expected arrivals, a
    // Poisson count with a standard deviation of about 77; 5 of them is 387.
    let text = generating(
        "0.5",
        2100,
        "  - { tick: 100, kind: arrival_rate, agent: A, rate_per_tick: 3 }\n",
    );
    let (events, _) = run(&text);
    let after = arrivals_from(&events, "A", 100).len() as f64;
    assert!((after - 6000.0).abs() < 387.0, "{after} arrivals");
    // B keeps 0.5 a tick: 1,050 expected, sd about 32.
    let b = arrivals_from(&events, "B", 0).len() as f64;
    assert!((b - 1050.0).abs() < 162.0, "{b} arrivals");
}

#[test]
fn every_agent_s_rate_changes_with_a_star_and_factors_do_not_compound() {
    // Factor 0 for everyone at tick 10, then factor 1 (the scenario's rate, not 1 x
    // 0) at tick 30: nothing arrives from tick 10 to 29, and payments come again.
    let text = generating(
        "2.0",
        60,
        "  - { tick: 10, kind: arrival_rate, agent: \"*\", factor: 0 }\n  - { tick: 30, kind: arrival_rate, agent: \"*\", factor: 1 }\n",
    );
    let (events, _) = run(&text);
    for agent in ["A", "B"] {
        let all = arrivals_from(&events, agent, 10);
        assert!(all.iter().all(|(tick, _, _)| *tick >= 30), "{agent}");
        assert!(
            all.len() > 20,
            "{agent}: {} arrivals after tick 30",
            all.len()
        );
    }
    // C has no arrivals: the star passes it over.
    let changed: Vec<&str> = of_kind(&events, "arrivals_changed")
        .iter()
        .map(|e| e["agent"].as_str().unwrap())
        .collect();
    assert_eq!(changed, vec!["A", "B", "A", "B"]);
}

#[test]
fn counterparty_weights_and_a_deadline_window_change_what_is_generated() {
    // From tick 15 A pays only C, and every payment of A is due 3 ticks after it
    // arrives.
    let text = generating(
        "2.0",
        40,
        "  - { tick: 15, kind: counterparty_weights, agent: A, weights: { C: 1 } }\n  - { tick: 15, kind: deadline_window, agent: A, range: [3, 3] }\n",
    );
    let (events, _) = run(&text);
    let before = arrivals_from(&events, "A", 0);
    assert!(before.iter().any(|(t, to, _)| *t < 15 && to == "B"));
    let after = arrivals_from(&events, "A", 15);
    assert!(after.len() > 20);
    for (tick, to, deadline) in after {
        assert_eq!((to.as_str(), deadline), ("C", tick + 3));
    }
    let changes: Vec<&str> = of_kind(&events, "arrivals_changed")
        .iter()
        .map(|e| e["change"].as_str().unwrap())
        .collect();
    assert_eq!(
        changes,
        vec!["counterparty_weights C:1", "deadline_window 3..3"]
    );
}

#[test]
fn bad_arrival_changes_are_refused_with_their_path() {
    let cases = [
        (
            "  - { tick: 1, kind: counterparty_weights, agent: C, weights: { A: 1 } }\n",
            "scenario_events[0]: C has no generated payments to change",
        ),
        (
            "  - { tick: 1, kind: arrival_rate, agent: A, factor: 2, rate_per_tick: 3 }\n",
            "scenario_events[0].factor: arrival_rate events need either factor or rate_per_tick",
        ),
        (
            "  - { tick: 1, kind: counterparty_weights, agent: A, weights: { Z: 1 } }\n",
            "scenario_events[0].weights.Z: no agent \"Z\"",
        ),
        (
            "  - { tick: 1, kind: counterparty_weights, agent: A, weights: { B: -1 } }\n",
            "scenario_events[0].weights.B: -1 is not a weight",
        ),
        (
            "  - { tick: 1, kind: deadline_window, agent: A, range: [9, 3] }\n",
            "scenario_events[0].range: [9, 3]: the first is above the second",
        ),
        (
            "  - { tick: 1, kind: inject, agent: A, amount: 1 }\n  - { tick: 2, kind: arrival_rate, agent: B, rate_per_tick: 20000 }\n",
            "scenario_events[1]: a band's rate would reach 20000 payments per tick",
        ),
        (
            "  - { tick: 1, kind: arrival_rate, agent: A, factor: 1000 }\n",
            "scenario_events: with the arrival rates its events set, the run could create about",
        ),
    ];
    for (events, expected) in cases {
        let error = rejection(&generating("2.0", 40000, events));
        assert!(error.contains(expected), "{events}:\n{error}");
    }
}
