//! The standard indicators (docs/indicators.md): by hand on the scripted fixture, and
//! on every fixture against a second implementation that reads the event log's
//! lines.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test helpers fail loudly

mod common;

use common::*;
use serde_json::Value;
use std::collections::BTreeMap;

/// `fixtures/scripted_exact.yaml`, whose comments give every settlement:
/// A sends 300 (t0, settles t0) and 250 (t3, never settles); B sends 400 (t0,
/// settles t2 from the queue); C sends 100 (t2, settles t2). Deadlines are tick 5.
/// Net positions by arrival: A -300, -550 (upper 550, end -550: lower 550); B +300,
/// -100, 0 (upper 100, lower 0); C +400, +300, +550 (0, 0). Value-weighted delay:
/// A 300 x 0 / 300 = 0; B 400 x 2 / 400 = 2; all 800 / 800 = 1. On time by value:
/// A 300 / 550, B 1, C 1, all 800 / 1050; by count A 1/2, all 3/4.
#[test]
fn scripted_exact_indicators_by_hand() {
    let summary = rtgsim_scenario::run(&fixture("scripted_exact.yaml"), None, &mut |_| {}).unwrap();
    let by_id = |id: &str| {
        summary
            .agents
            .iter()
            .find(|a| a.id == id)
            .unwrap()
            .indicators
    };
    let (a, b, c, t) = (
        by_id("A"),
        by_id("B"),
        by_id("C"),
        summary.totals.indicators,
    );
    assert_eq!(
        (a.liquidity_upper_bound, a.liquidity_lower_bound),
        (550, 550)
    );
    assert_eq!((b.liquidity_upper_bound, b.liquidity_lower_bound), (100, 0));
    assert_eq!((c.liquidity_upper_bound, c.liquidity_lower_bound), (0, 0));
    assert_eq!(
        (t.liquidity_upper_bound, t.liquidity_lower_bound),
        (650, 550)
    );
    assert_eq!(a.value_weighted_avg_delay_ticks, Some(0.0));
    assert_eq!(b.value_weighted_avg_delay_ticks, Some(2.0));
    assert_eq!(t.value_weighted_avg_delay_ticks, Some(1.0));
    assert_eq!(a.on_time_rate_by_value, Some(300.0 / 550.0));
    assert_eq!(t.on_time_rate_by_value, Some(800.0 / 1050.0));
    assert_eq!(a.on_time_rate_by_count, Some(0.5));
    assert_eq!(t.on_time_rate_by_count, Some(0.75));
}

/// What the second implementation computes per agent.
#[derive(Debug, Default, Clone, PartialEq)]
struct Replayed {
    upper: i128,
    lower: i128,
    day_net: i128,
    day_lowest: i128,
    payments_value: i128,
    on_time_value: i128,
    delay_value: i128,
    settled_value: i128,
}

/// A payment or part: sender, receiver, amount, arrival tick, deadline.
type Record = (String, String, i128, u64, u64);

/// The second implementation: every agent's accumulators and each LSM algorithm's
/// value, from the log's lines.
fn replay(log: &[u8]) -> (BTreeMap<String, Replayed>, BTreeMap<String, i128>) {
    let mut agents: BTreeMap<String, Replayed> = BTreeMap::new();
    let mut records: BTreeMap<u64, Record> = BTreeMap::new();
    let mut lsm_value: BTreeMap<String, i128> = BTreeMap::new();
    let settle = |agents: &mut BTreeMap<String, Replayed>, r: &Record, amount: i128, tick: u64| {
        let a = agents.entry(r.0.clone()).or_default();
        a.settled_value += amount;
        a.delay_value += amount * i128::from(tick - r.3);
        if tick <= r.4 {
            a.on_time_value += amount;
        }
    };
    for line in std::str::from_utf8(log).unwrap().lines() {
        let e: Value = serde_json::from_str(line).unwrap();
        let tick = e["tick"].as_u64().unwrap_or(0);
        let int = |key: &str| i128::from(e[key].as_i64().unwrap());
        match e["kind"].as_str().unwrap() {
            "arrival" => {
                let (from, to) = (e["from"].as_str().unwrap(), e["to"].as_str().unwrap());
                let amount = int("amount");
                let deadline = e["deadline"].as_u64().unwrap();
                records.insert(
                    e["tx"].as_u64().unwrap(),
                    (from.into(), to.into(), amount, tick, deadline),
                );
                let s = agents.entry(from.into()).or_default();
                s.payments_value += amount;
                s.day_net -= amount;
                s.day_lowest = s.day_lowest.min(s.day_net);
                agents.entry(to.into()).or_default().day_net += amount;
            }
            "split" => {
                let parent = records[&e["tx"].as_u64().unwrap()].clone();
                let parts = e["parts"].as_array().unwrap();
                for (part, amount) in parts.iter().zip(e["amounts"].as_array().unwrap()) {
                    let amount = i128::from(amount.as_i64().unwrap());
                    let record = (
                        parent.0.clone(),
                        parent.1.clone(),
                        amount,
                        parent.3,
                        parent.4,
                    );
                    records.insert(part.as_u64().unwrap(), record);
                }
            }
            "settled" => {
                let r = records[&e["tx"].as_u64().unwrap()].clone();
                settle(&mut agents, &r, int("amount"), tick);
            }
            "lsm_settled" => {
                *lsm_value
                    .entry(e["algorithm"].as_str().unwrap().into())
                    .or_default() += int("value");
                // A set settles each of its payments in full.
                for tx in e["txs"].as_array().unwrap() {
                    let r = records[&tx.as_u64().unwrap()].clone();
                    settle(&mut agents, &r, r.2, tick);
                }
            }
            "day_ended" => {
                for a in agents.values_mut() {
                    a.upper = a.upper.max(-a.day_lowest);
                    a.lower = a.lower.max(-a.day_net);
                    a.day_net = 0;
                    a.day_lowest = 0;
                }
            }
            _ => {}
        }
    }
    (agents, lsm_value)
}

#[test]
fn every_fixture_matches_a_replay_of_its_event_log() {
    for name in fixture_names() {
        let (summary, log) = run_with_events(&fixture(&name));
        let (agents, lsm_value) = replay(&log);
        let mut system_settled = 0;
        for agent in &summary.agents {
            let r = agents.get(&agent.id).cloned().unwrap_or_default();
            let i = agent.indicators;
            let upper = r.upper.max(-r.day_lowest);
            let lower = r.lower.max(-r.day_net);
            let at = format!("{name} {}", agent.id);
            assert_eq!(
                (i.liquidity_upper_bound, i.liquidity_lower_bound),
                (upper, lower),
                "{at}"
            );
            assert_eq!(agent.settled_value, r.settled_value, "{at}");
            let delay =
                (r.settled_value > 0).then(|| r.delay_value as f64 / r.settled_value as f64);
            assert_eq!(i.value_weighted_avg_delay_ticks, delay, "{at}");
            let on_time =
                (r.payments_value > 0).then(|| r.on_time_value as f64 / r.payments_value as f64);
            assert_eq!(i.on_time_rate_by_value, on_time, "{at}");
            system_settled += r.settled_value;
        }
        for l in &summary.lsm {
            let share = lsm_value
                .get(l.algorithm)
                .map(|v| *v as f64 / system_settled as f64);
            assert_eq!(l.share_of_settled_value, share, "{name} {}", l.algorithm);
        }
    }
}
