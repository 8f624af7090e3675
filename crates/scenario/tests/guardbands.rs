//! Guardbands in a run: the window figures and the tick of a rollback computed by
//! hand (the scenarios' comments), the previous policy deciding after it, nothing
//! changed by a guardband that holds, resume across a rollback, and bad
//! `guardbands:` refused with their paths.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test helpers fail loudly

mod common;

use common::{fixture, fixtures_dir, rejection, run_with_events, scenario_from};
use rtgsim_report::event_log::LogCheckpoint;
use rtgsim_report::{EventLog, RunSummary};
use rtgsim_scenario::Scenario;
use serde_json::Value;

fn fixture_text() -> String {
    std::fs::read_to_string(fixtures_dir().join("guardband_rollback.yaml")).unwrap()
}

/// The fixture without its `guardbands:` section (the last in the file).
fn without_guardbands(text: &str) -> String {
    let at = text.find("guardbands:").unwrap();
    text[..at].to_string()
}

fn lines(events: &[u8]) -> Vec<Value> {
    String::from_utf8(events.to_vec())
        .unwrap()
        .lines()
        .map(|line| serde_json::from_str(line).unwrap())
        .collect()
}

fn of_kind<'a>(events: &'a [Value], kind: &str) -> Vec<&'a Value> {
    events.iter().filter(|e| e["kind"] == kind).collect()
}

/// `(tick, tx)` of each of `agent`'s `released` events.
fn releases(events: &[Value], agent: &str) -> Vec<(u64, u64)> {
    of_kind(events, "released")
        .into_iter()
        .filter(|e| e["agent"] == agent)
        .map(|e| (e["tick"].as_u64().unwrap(), e["tx"].as_u64().unwrap()))
        .collect()
}

/// The fixture's comment computes it: A's payments 0 (tick 0) and 2 (tick 2) are
/// held by the candidate; over ticks 0-4 A settled 0 of 2, a rate of 0 against
/// the bound 0.95 x 1.0 = 0.95, so the rollback is the last event of tick 4, and
/// A runs FIFO from tick 5: payments 0 and 2 are released at tick 5, payment 3
/// when it arrives at tick 7.
#[test]
fn the_candidate_is_rolled_back_at_the_end_of_the_first_window() {
    let (summary, events) = run_with_events(&fixture("guardband_rollback.yaml"));
    let text = String::from_utf8(events.clone()).unwrap();
    let expected = r#"{"tick":4,"kind":"rolled_back","agent":"A","guardband":"settlement_rate","value":0,"bound":0.95,"window_start":0}"#;
    assert_eq!(text.matches("rolled_back").count(), 1, "{text}");
    assert!(text.contains(&format!("{expected}\n")), "{text}");
    let events = lines(&events);
    let rollback_at = events.iter().position(|e| e["kind"] == "rolled_back");
    let last_of_tick_4 = events.iter().rposition(|e| e["tick"] == 4);
    assert_eq!(rollback_at, last_of_tick_4);
    assert_eq!(releases(&events, "A"), vec![(5, 0), (5, 2), (7, 3)]);
    assert_eq!(summary.rollbacks.len(), 1);
    let rollback = &summary.rollbacks[0];
    assert_eq!(
        (
            rollback.tick,
            rollback.agent.as_str(),
            rollback.window_start
        ),
        (4, "A", 0)
    );
    assert_eq!(
        rollback.reason(),
        "A: guardband settlement_rate 0 < 0.95 over ticks 0-4; rolled back to the previous policy after tick 4"
    );
    let json: Value = serde_json::from_str(&summary.to_json()).unwrap();
    assert_eq!(json["rollbacks"][0]["guardband"], "settlement_rate");
    assert_eq!(json["rollbacks"][0]["bound"].to_string(), "0.95");
    assert!(summary.to_table().contains("guardband rollbacks:"));
}

/// Without the guardband the candidate holds A's payments to the end.
#[test]
fn without_the_guardband_the_candidate_holds_to_the_end() {
    let scenario = scenario_from(&without_guardbands(&fixture_text()));
    let (summary, events) = run_with_events(&scenario);
    assert!(releases(&lines(&events), "A").is_empty());
    assert!(summary.rollbacks.is_empty());
    assert!(!summary.to_json().contains("rollbacks"));
}

/// A guardband that holds changes nothing: the log is byte for byte the log of the
/// same scenario without `guardbands:`. Twice: FIFO as the candidate (every window
/// with arrivals settles all of them, a rate of 1 >= 0.95), and the holding
/// candidate with a factor of 0 (a rate of 0 is not below 0 x 1).
#[test]
fn a_guardband_that_holds_changes_nothing() {
    let holding = "      type: Inline\n      decision_trees:\n        version: \"2.0\"\n        policy_id: hold_everything\n        payment_tree: { type: action, node_id: WAIT, action: Hold }\n";
    let text = fixture_text();
    assert!(text.contains(holding));
    let fifo = text.replace(holding, "      type: Fifo\n");
    let lenient = text.replace(
        "    every_ticks: 5\n",
        "    every_ticks: 5\n    min_settlement_ratio: 0\n",
    );
    for guarded in [fifo, lenient] {
        let (with, with_events) = run_with_events(&scenario_from(&guarded));
        let (_, without_events) = run_with_events(&scenario_from(&without_guardbands(&guarded)));
        assert!(with.rollbacks.is_empty());
        assert_eq!(
            String::from_utf8(with_events).unwrap(),
            String::from_utf8(without_events).unwrap()
        );
    }
}

/// Delay cost, by hand: A holds one payment of 10,000 cents from tick 0; at
/// 100 bps per tick it costs 100 cents each tick. Windows of 3 ticks: ticks 0-2
/// cost 300 cents, against max_cost_ratio 1.2 x 200 cents per window = 240: the
/// rollback is at tick 2 with value 300 and bound 240. FIFO then pays at tick 3.
#[test]
fn a_window_whose_cost_is_over_the_bound_rolls_back() {
    let text = "simulation: { ticks_per_day: 10, num_days: 1 }
costs: { delay_cost_per_tick_bps: 100 }
agents:
  - id: A
    opening_balance: 100000
    policy: { type: Inline, decision_trees: { version: '2.0', payment_tree: { type: action, node_id: WAIT, action: Hold } } }
  - { id: B, opening_balance: 0 }
transactions:
  - { tick: 0, from: A, to: B, amount: 10000 }
guardbands:
  - agent: A
    previous_policy: { type: Fifo }
    every_ticks: 3
    baseline: { cost_per_window_cents: 200 }
";
    let (_, events) = run_with_events(&scenario_from(text));
    let text_log = String::from_utf8(events.clone()).unwrap();
    assert!(
        text_log.contains(r#"{"tick":2,"kind":"rolled_back","agent":"A","guardband":"cost","value":300,"bound":240,"window_start":0}"#),
        "{text_log}"
    );
    assert_eq!(releases(&lines(&events), "A"), vec![(3, 0)]);
}

/// Peak credit inside a tick, by hand: A (balance 0, credit 1,000) pays B 600 at
/// tick 0, then B pays A 600 in the same tick: A ends every tick at 0, but used
/// 600 of credit in between. Baseline 300, factor 1.5: bound 450 < 600, so the
/// first window (ticks 0-1) breaks it at tick 1. With a baseline of 400 (bound
/// 600) it holds: the peak must exceed the bound.
#[test]
fn the_peak_credit_of_a_window_counts_what_was_used_within_a_tick() {
    let text = |baseline: u32| {
        format!(
            "simulation: {{ ticks_per_day: 4, num_days: 1 }}
settlement: {{ lsm: [] }}
agents:
  - {{ id: A, opening_balance: 0, unsecured_cap: 1000 }}
  - {{ id: B, opening_balance: 0 }}
transactions:
  - {{ tick: 0, from: A, to: B, amount: 600 }}
  - {{ tick: 0, from: B, to: A, amount: 600 }}
guardbands:
  - agent: A
    previous_policy: {{ type: Fifo }}
    every_ticks: 2
    baseline: {{ peak_credit_cents: {baseline} }}
"
        )
    };
    let (_, events) = run_with_events(&scenario_from(&text(300)));
    let log = String::from_utf8(events).unwrap();
    assert!(
        log.contains(r#"{"tick":1,"kind":"rolled_back","agent":"A","guardband":"peak_credit","value":600,"bound":450,"window_start":0}"#),
        "{log}"
    );
    let (summary, _) = run_with_events(&scenario_from(&text(400)));
    assert!(summary.rollbacks.is_empty());
}

/// With governance, the rollback is also an audit record, right after the event,
/// chained to the records before it.
#[test]
fn a_governed_rollback_is_an_audit_record_in_the_chain() {
    let text = fixture_text().replace(
        "guardbands:",
        "governance: { budgets: { B: { per_tick: 1000000 } } }\nguardbands:",
    );
    let (summary, events) = run_with_events(&scenario_from(&text));
    let events = lines(&events);
    let at = events
        .iter()
        .position(|e| e["kind"] == "rolled_back")
        .unwrap();
    let audit = &events[at + 1];
    assert_eq!(audit["kind"], "audit");
    assert_eq!(audit["tick"], 4);
    assert_eq!(audit["agent"], "A");
    let record = &audit["record"];
    assert_eq!(record["kind"], "rollback");
    assert_eq!(record["decision"], "ROLLED_BACK");
    assert_eq!(record["reason_code"], "GUARDBAND_SETTLEMENT_RATE");
    assert_eq!(record["inputs"]["guardband"], "settlement_rate");
    assert_eq!(record["inputs"]["value"], "0");
    assert_eq!(record["inputs"]["bound"], "0.95");
    // Sealed: its hash is the SHA-256 of its canonical body; chained: its previous
    // hash is the last record's before it, or the chain's genesis.
    let body = rtgsim_governance::audit::sorted(record.clone()).to_string();
    assert_eq!(
        audit["hash"],
        rtgsim_governance::audit::sha256_hex(body.as_bytes())
    );
    let scenario = scenario_from(&text);
    let genesis = rtgsim_governance::audit::genesis_hash(&scenario.inputs_sha256, 1);
    let previous = events[..at]
        .iter()
        .rev()
        .find(|e| e["kind"] == "audit")
        .map_or(Value::from(genesis), |e| e["hash"].clone());
    assert_eq!(record["prev_hash"], previous);
    assert_eq!(
        summary.governance.unwrap().changes.get("ROLLED_BACK"),
        Some(&1)
    );
}

/// Stopped at every tick, checkpointed through JSON, resumed: the log of the run
/// in one go, before and after the rollback (and the checkpoint says who was
/// rolled back when).
#[test]
fn a_run_resumed_across_the_rollback_gives_the_one_go_log() {
    let scenario = fixture("guardband_rollback.yaml");
    let (_, one_go) = run_with_events(&scenario);
    for stop in 1..scenario.plan.ticks_per_day {
        let (resumed, rolled_back) = stopped_and_resumed(&scenario, stop);
        assert!(resumed == one_go, "the log differs when resumed at {stop}");
        let expected = if stop >= 5 { vec![4] } else { vec![] };
        assert_eq!(rolled_back, expected, "at {stop}");
    }
}

/// The log of the run stopped before `stop` and resumed, and the ticks of the
/// rollbacks its checkpoint records.
fn stopped_and_resumed(scenario: &Scenario, stop: u32) -> (Vec<u8>, Vec<u32>) {
    let mut first = Vec::new();
    let (sim_json, log_json, rolled_back) = {
        let mut log = EventLog::new(scenario.plan.agent_names(), Some(&mut first));
        let mut simulation = scenario.start(&mut log).unwrap();
        while simulation.next_tick() < stop {
            simulation.step(&mut log).unwrap();
        }
        let checkpoint = simulation.checkpoint();
        let rolled_back = checkpoint
            .rolled_back()
            .into_iter()
            .map(|(_, tick)| tick)
            .collect();
        (
            serde_json::to_vec(&checkpoint).unwrap(),
            serde_json::to_vec(&log.checkpoint()).unwrap(),
            rolled_back,
        )
    };
    let mut rest = Vec::new();
    {
        let log_state: LogCheckpoint = serde_json::from_slice(&log_json).unwrap();
        let mut log =
            EventLog::resume(scenario.plan.agent_names(), Some(&mut rest), log_state).unwrap();
        let mut simulation = scenario
            .resume(serde_json::from_slice(&sim_json).unwrap())
            .unwrap();
        simulation.run(&mut log, &mut |_| {}).unwrap();
        let _: RunSummary = RunSummary::new(&scenario.run_info(), &log.finish().unwrap());
    }
    first.extend_from_slice(&rest);
    (first, rolled_back)
}

/// A checkpoint of a guarded run does not resume without its guardbands.
#[test]
fn a_guarded_checkpoint_needs_its_guardbands() {
    let scenario = fixture("guardband_rollback.yaml");
    let mut log = EventLog::new(scenario.plan.agent_names(), None);
    let mut simulation = scenario.start(&mut log).unwrap();
    simulation.step(&mut log).unwrap();
    let error = rtgsim_engine::Simulation::resume(
        &scenario.plan,
        scenario.build_policies(),
        simulation.checkpoint(),
    )
    .unwrap_err()
    .to_string();
    assert!(error.contains("guardbands for agents [0]"), "{error}");
}

const HEAD: &str = "simulation: { ticks_per_day: 10, num_days: 1 }
agents:
  - { id: A, opening_balance: 5 }
  - { id: B, opening_balance: 5 }
";

fn guardbands(entry: &str) -> String {
    format!("{HEAD}guardbands:\n  - {entry}\n")
}

fn assert_rejected(text: &str, expected: &[&str]) {
    let message = rejection(text);
    for part in expected {
        assert!(message.contains(part), "expected {part:?} in:\n{message}");
    }
}

const GOOD: &str = "{ agent: A, previous_policy: { type: Fifo }, every_ticks: 5, baseline: { settlement_rate: 1 } }";

#[test]
fn a_good_guardband_resolves_with_the_default_factors() {
    let scenario = scenario_from(&guardbands(GOOD));
    let guard = &scenario.guardbands[0].guardband;
    assert_eq!(guard.every_ticks, 5);
    assert_eq!(guard.factors.max_cost_ratio, 1.2);
    assert_eq!(guard.factors.min_settlement_ratio, 0.95);
    assert_eq!(guard.factors.max_peak_credit_ratio, 1.5);
    assert_eq!(guard.baseline.settlement_rate, Some(1.0));
    assert_eq!(guard.baseline.cost_cents_per_window, None);
}

#[test]
fn a_cost_per_tick_is_a_cost_per_window_of_every_ticks() {
    let scenario = scenario_from(&guardbands(
        "{ agent: A, previous_policy: { type: Fifo }, every_ticks: 4, baseline: { cost_per_tick_cents: 2.5 } }",
    ));
    assert_eq!(
        scenario.guardbands[0]
            .guardband
            .baseline
            .cost_cents_per_window,
        Some(10.0)
    );
}

#[test]
fn bad_guardbands_are_refused_with_their_paths() {
    assert_rejected(
        &guardbands(&GOOD.replace("every_ticks: 5", "every_tick: 5")),
        &[
            "guardbands[0]",
            "unknown field `every_tick`",
            "did you mean `every_ticks`",
        ],
    );
    assert_rejected(
        &guardbands(&GOOD.replace("agent: A", "agent: Z")),
        &["guardbands[0].agent", "unknown agent \"Z\""],
    );
    assert_rejected(
        &guardbands(&GOOD.replace("every_ticks: 5", "every_ticks: 0")),
        &["guardbands[0].every_ticks", "0 is outside 1..=10"],
    );
    assert_rejected(
        &guardbands(&GOOD.replace("every_ticks: 5", "every_ticks: 11")),
        &["guardbands[0].every_ticks"],
    );
    assert_rejected(
        &guardbands(&GOOD.replace("type: Fifo", "type: Fofo")),
        &["guardbands[0].previous_policy.type", "unknown type `Fofo`"],
    );
    assert_rejected(
        &guardbands(&GOOD.replace("settlement_rate: 1", "settlement_rate: 1.5")),
        &[
            "guardbands[0].baseline.settlement_rate",
            "1.5 is not a share",
        ],
    );
    assert_rejected(
        &guardbands(&GOOD.replace("settlement_rate: 1", "settlment_rate: 1")),
        &["guardbands[0].baseline", "did you mean `settlement_rate`"],
    );
    assert_rejected(
        &guardbands(&GOOD.replace("settlement_rate: 1", "")),
        &["guardbands[0].baseline", "no figure to compare with"],
    );
    assert_rejected(
        &guardbands(&GOOD.replace(
            "settlement_rate: 1",
            "cost_per_tick_cents: 1, cost_per_window_cents: 5",
        )),
        &["guardbands[0].baseline", "not both"],
    );
    assert_rejected(
        &guardbands(&GOOD.replace("every_ticks: 5", "every_ticks: 5, max_cost_ratio: -1")),
        &["guardbands[0].max_cost_ratio", "-1 is outside 0..=1000"],
    );
    assert_rejected(
        &format!("{HEAD}guardbands:\n  - {GOOD}\n  - {GOOD}\n"),
        &[
            "guardbands[1].agent",
            "already has a guardband (guardbands[0])",
        ],
    );
    assert_rejected(
        &guardbands(&GOOD.replace("baseline: { settlement_rate: 1 }", "")),
        &["guardbands[0]", "missing field `baseline`"],
    );
}

/// A second implementation of the window figures: the report's metrics, replayed
/// from the events of the first window (ticks `0..every`) of a run without
/// guardbands, give the agent's cost, settlement rate (of the payments that
/// arrived in it) and peak credit there. A guardband whose baseline is exactly that
/// figure (factor 1) holds at the window's end; one just under it (a cent less, or
/// a rate a little higher) breaks it there, naming that figure.
#[test]
fn the_window_figures_are_those_the_report_replays_from_the_window_events() {
    use rtgsim_engine::{Baseline, Guardband, GuardbandFactors};
    use rtgsim_scenario::GuardSpec;
    let mut checked = [0; 3];
    for name in [
        "three_banks_basic.yaml",
        "liquidity_starved.yaml",
        "lsm_starved_day.yaml",
        "lsm_cycles_and_entry.yaml",
        "splitting_and_collateral.yaml",
        "deadline_pressure.yaml",
    ] {
        let scenario = fixture(name);
        let every = (scenario.plan.ticks_per_day * scenario.plan.num_days / 3).max(1);
        for agent in 0..scenario.plan.agents.len().min(4) {
            let figures = first_window(&scenario, agent, every);
            let run = |baseline: Baseline| {
                let mut guarded = scenario.clone();
                guarded.guardbands = vec![GuardSpec {
                    guardband: Guardband {
                        agent: rtgsim_core::AgentId(agent as u32),
                        every_ticks: every,
                        factors: GuardbandFactors {
                            max_cost_ratio: 1.0,
                            min_settlement_ratio: 1.0,
                            max_peak_credit_ratio: 1.0,
                        },
                        baseline,
                    },
                    previous: scenario.policies[agent].clone(),
                }];
                let (summary, _) = run_with_events(&guarded);
                summary
                    .rollbacks
                    .first()
                    .filter(|r| r.tick == every - 1)
                    .map(|r| (r.guardband.clone(), r.value.as_ref().unwrap().to_string()))
            };
            let at = format!("{name}, agent {agent}, windows of {every}");
            let (cost, rate, peak) = figures;
            assert_eq!(
                run(Baseline {
                    cost_cents_per_window: Some(cost as f64),
                    ..Baseline::default()
                }),
                None,
                "{at}"
            );
            if cost > 0 {
                checked[0] += 1;
                assert_eq!(
                    run(Baseline {
                        cost_cents_per_window: Some((cost - 1) as f64),
                        ..Baseline::default()
                    }),
                    Some(("cost".to_string(), cost.to_string())),
                    "{at}"
                );
            }
            if let Some(rate) = rate {
                checked[1] += 1;
                let at_rate = |baseline: f64| {
                    run(Baseline {
                        settlement_rate: Some(baseline),
                        ..Baseline::default()
                    })
                };
                assert_eq!(at_rate(rate), None, "{at}");
                assert_eq!(
                    at_rate(rate + 1e-9),
                    Some(("settlement_rate".to_string(), format!("{rate}"))),
                    "{at}"
                );
            }
            let peak_baseline = |peak: i64| Baseline {
                peak_credit_cents: Some(peak),
                ..Baseline::default()
            };
            assert_eq!(run(peak_baseline(peak)), None, "{at}");
            if peak > 0 {
                checked[2] += 1;
                assert_eq!(
                    run(peak_baseline(peak - 1)),
                    Some(("peak_credit".to_string(), peak.to_string())),
                    "{at}"
                );
            }
        }
    }
    // Each figure was seen non-trivially somewhere.
    assert!(checked.iter().all(|&n| n >= 2), "{checked:?}");
}

/// The agent's cost, settlement rate and peak credit over ticks `0..every`, as the
/// report's metrics replay them from those ticks' events.
fn first_window(scenario: &Scenario, agent: usize, every: u32) -> (i128, Option<f64>, i64) {
    let mut metrics = rtgsim_report::metrics::Metrics::new(scenario.plan.agents.len());
    let mut events: Vec<rtgsim_core::Event> = Vec::new();
    let mut simulation = scenario.start(&mut events).unwrap();
    simulation.run(&mut events, &mut |_| {}).unwrap();
    for event in events.iter().filter(|e| e.tick() < every) {
        metrics.observe(event);
    }
    let figures = &metrics.agents()[agent];
    (
        figures.costs.total(),
        figures.settlement_rate(),
        figures.peak_overdraft,
    )
}
