//! Starlark policies in scenarios: the ten example policies trading together, the ways
//! to give a script and to get it wrong, a script that fails mid-run, and determinism.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test helpers fail loudly

mod common;

use common::{fixture, rejection, run_with_events, scenario_from};
use rtgsim_scenario::PolicySpec;
use serde_json::Value as Json;
use std::collections::{BTreeMap, BTreeSet};

fn events(log: &[u8]) -> Vec<Json> {
    log.split(|&b| b == b'\n')
        .filter(|line| !line.is_empty())
        .map(|line| serde_json::from_slice(line).unwrap())
        .collect()
}

fn of_kind<'a>(events: &'a [Json], kind: &str) -> impl Iterator<Item = &'a Json> {
    events.iter().filter(move |e| e["kind"] == kind)
}

#[test]
fn the_ten_examples_trade_together_without_a_policy_error() {
    let scenario = fixture("starlark_policies.yaml");
    assert_eq!(scenario.policies.len(), 10);
    for (policy, agent) in scenario.policies.iter().zip(&scenario.plan.agents) {
        assert!(
            matches!(policy, PolicySpec::Starlark { .. }),
            "{}",
            agent.setup.name
        );
    }
    let (summary, log) = run_with_events(&scenario);
    let events = events(&log);
    assert_eq!(of_kind(&events, "policy_error").count(), 0);
    assert_eq!(summary.totals.policy_errors, 0);

    // Every example decided to release something, for reasons of its own.
    let released: BTreeSet<&str> = of_kind(&events, "released")
        .map(|e| e["agent"].as_str().unwrap())
        .collect();
    let banks: BTreeSet<&str> = scenario
        .plan
        .agents
        .iter()
        .map(|a| a.setup.name.as_str())
        .collect();
    assert_eq!(released, banks);
    // Money is only moved, never made.
    let opening: i64 = summary.agents.iter().map(|a| a.opening_balance).sum();
    let closing: i64 = summary.agents.iter().map(|a| a.closing_balance).sum();
    assert_eq!(opening, closing);
    // THREE_LAYER runs its collateral layers: it posts and it withdraws.
    let collateral = |kind: &str| {
        of_kind(&events, kind)
            .filter(|e| e["agent"] == "THREE_LAYER")
            .count()
    };
    assert!(collateral("collateral_posted") > 0);
    assert!(collateral("collateral_withdrawn") > 0);
}

#[test]
fn the_simple_threshold_releases_large_payments_only_near_their_deadline() {
    let (_, log) = run_with_events(&fixture("starlark_policies.yaml"));
    let events = events(&log);
    let arrivals: BTreeMap<u64, &Json> = of_kind(&events, "arrival")
        .map(|e| (e["tx"].as_u64().unwrap(), e))
        .collect();
    let mut large = 0;
    for release in of_kind(&events, "released").filter(|e| e["agent"] == "THRESHOLD") {
        let payment = arrivals[&release["tx"].as_u64().unwrap()];
        if payment["amount"].as_i64().unwrap() >= 50_000 {
            large += 1;
            let ticks_left =
                payment["deadline"].as_i64().unwrap() - release["tick"].as_i64().unwrap();
            assert!(
                ticks_left <= 2,
                "a large payment released {ticks_left} ticks early: {release}"
            );
        }
    }
    assert!(
        large > 0,
        "the scenario should give THRESHOLD large payments to hold"
    );
}

const HEAD: &str = "simulation: { ticks_per_day: 20, num_days: 1, seed: 5 }\nagents:\n";

fn with_policy(policy: &str) -> String {
    format!(
        "{HEAD}  - {{ id: A, opening_balance: 100000, policy: {policy}, arrivals: {{ rate_per_tick: 1.0, amount: {{ distribution: uniform, min: 1000, max: 5000 }}, deadline_ticks: [3, 10] }} }}\n  - {{ id: B, opening_balance: 0 }}\n"
    )
}

const RELEASE_ALL: &str = "def evaluate_queue(transactions, agent, system, state):\n    return [{\"action\": \"Release\", \"tx_id\": tx.id} for tx in transactions]\n";

fn inline(source: &str) -> String {
    format!(
        "{{ type: Starlark, script: {} }}",
        serde_json::to_string(source).unwrap()
    )
}

#[test]
fn a_script_can_be_inline_or_a_file_relative_to_the_scenario() {
    let scenario = scenario_from(&with_policy(&inline(RELEASE_ALL)));
    match &scenario.policies[0] {
        PolicySpec::Starlark { script, limits } => {
            assert_eq!(script.source, RELEASE_ALL);
            assert_eq!(*limits, rtgsim_policy_starlark::Limits::default());
        }
        other => panic!("{other:?}"),
    }

    let dir = std::env::temp_dir().join(format!("rtgsim-starlark-{}", std::process::id()));
    std::fs::create_dir_all(dir.join("policies")).unwrap();
    std::fs::write(dir.join("policies/all.star"), RELEASE_ALL).unwrap();
    let path = dir.join("scenario.yaml");
    std::fs::write(
        &path,
        with_policy("{ type: Starlark, path: policies/all.star, limits: { max_steps: 5000, max_heap_bytes: 1000000, max_state_bytes: 2048 } }"),
    )
    .unwrap();
    let scenario = rtgsim_scenario::config::ScenarioInput::from_path(&path)
        .unwrap()
        .resolve()
        .unwrap();
    match &scenario.policies[0] {
        PolicySpec::Starlark { script, limits } => {
            assert_eq!(script.name, "policies/all.star");
            assert_eq!(limits.max_steps, 5000);
            assert_eq!(limits.max_heap_bytes, 1_000_000);
            assert_eq!(limits.max_state_bytes, 2048);
            assert_eq!(
                limits.max_call_depth,
                rtgsim_policy_starlark::Limits::default().max_call_depth
            );
        }
        other => panic!("{other:?}"),
    }
    let (summary, _) = run_with_events(&scenario);
    assert!(summary.totals.settled > 0);
    std::fs::remove_dir_all(&dir).ok();
}

#[test]
fn every_way_to_get_the_policy_wrong_is_reported_where_it_is() {
    let cases = [
        (
            "{ type: Starlark }".to_string(),
            "agents[0].policy: a Starlark policy needs path (a .star file) or script",
        ),
        (
            format!(
                "{{ type: Starlark, path: x.star, script: {} }}",
                serde_json::to_string(RELEASE_ALL).unwrap()
            ),
            "agents[0].policy: give path or script, not both",
        ),
        (
            "{ type: Starlark, path: does/not/exist.star }".to_string(),
            "agents[0].policy.path: cannot read",
        ),
        (
            inline("def evaluate_queue(a, b):\n    return []\n"),
            "agents[0].policy.script: `evaluate_queue` takes 2 parameters",
        ),
        (
            inline("def evaluate_queue(transactions, agent, system, state):\n    return [\n"),
            "agents[0].policy.script: line 3, column",
        ),
        (
            inline("x = 1\n"),
            "agents[0].policy.script: the script defines no `evaluate_queue",
        ),
        (
            format!(
                "{{ type: Starlark, script: {}, limits: {{ max_steps: 0 }} }}",
                serde_json::to_string(RELEASE_ALL).unwrap()
            ),
            "agents[0].policy.limits.max_steps: 0 is outside 1..=1000000000",
        ),
        (
            format!(
                "{{ type: Starlark, script: {}, limits: {{ max_call_depth: 99999999 }} }}",
                serde_json::to_string(RELEASE_ALL).unwrap()
            ),
            "agents[0].policy.limits.max_call_depth: 99999999 is outside 1..=10000",
        ),
        (
            format!(
                "{{ type: Starlark, script: {}, limits: {{ max_stesp: 10 }} }}",
                serde_json::to_string(RELEASE_ALL).unwrap()
            ),
            "max_stesp",
        ),
        (
            "{ type: Starlark, script: 12 }".to_string(),
            "agents[0].policy.script",
        ),
        ("{ type: Starlrak, script: x }".to_string(), "Starlark"),
    ];
    for (policy, expected) in cases {
        let error = rejection(&with_policy(&policy));
        assert!(
            error.contains(expected),
            "{policy}: expected {expected:?} in:\n{error}"
        );
    }
}

#[test]
fn a_script_that_fails_mid_run_holds_its_payments_and_says_why() {
    // Releases everything until tick 5, then divides by zero on every call.
    let source = "def evaluate_queue(transactions, agent, system, state):\n    if system.current_tick >= 5:\n        return 1 // 0\n    return [{\"action\": \"Release\", \"tx_id\": tx.id} for tx in transactions]\n";
    let scenario = scenario_from(&with_policy(&inline(source)));
    let (summary, log) = run_with_events(&scenario);
    let events = events(&log);
    let errors: Vec<&Json> = of_kind(&events, "policy_error").collect();
    assert_eq!(errors.len(), 15, "one per tick from 5 to 19");
    for error in &errors {
        assert_eq!(error["agent"], "A");
        assert_eq!(error["call"], "evaluate_queue");
        assert_eq!(
            error["message"],
            "evaluate_queue: script:3:16: Floor division by zero: 1 // 0"
        );
    }
    assert!(
        of_kind(&events, "released").all(|e| e["tick"].as_u64().unwrap() < 5),
        "nothing released after the failure"
    );
    let a = summary.agents.iter().find(|a| a.id == "A").unwrap();
    assert_eq!(a.policy_errors, 15);
    assert_eq!(summary.totals.policy_errors, 15);
    assert!(
        a.unsettled > 0,
        "the held payments are still there at the end"
    );
    assert!(
        summary
            .to_table()
            .contains("15 policy call(s) failed and held their payments (A 15)"),
        "{}",
        summary.to_table()
    );
}

#[test]
fn the_adaptive_threshold_gives_one_event_log_over_a_hundred_runs_and_four_threads() {
    let path = common::fixtures_dir().join("../policies/05_adaptive_threshold.star");
    let text = format!(
        "simulation: {{ ticks_per_day: 30, num_days: 2, seed: 2024 }}\nagents:\n{}",
        ["A", "B", "C"]
            .iter()
            .map(|id| format!(
                "  - {{ id: {id}, opening_balance: 150000, unsecured_cap: 50000, policy: {{ type: Starlark, path: {} }}, arrivals: {{ rate_per_tick: 0.8, amount: {{ distribution: log_normal, median: 45000, sigma: 0.9 }}, deadline_ticks: [3, 20] }} }}\n",
                path.display()
            ))
            .collect::<String>()
    );
    let scenario = scenario_from(&text);
    let reference = run_with_events(&scenario).0.event_log_hash;
    let hashes: Vec<String> = std::thread::scope(|scope| {
        let workers: Vec<_> = (0..4)
            .map(|_| {
                scope.spawn(|| {
                    (0..25)
                        .map(|_| run_with_events(&scenario).0.event_log_hash)
                        .collect::<Vec<_>>()
                })
            })
            .collect();
        workers
            .into_iter()
            .flat_map(|w| w.join().unwrap())
            .collect()
    });
    assert_eq!(hashes.len(), 100);
    assert!(
        hashes.iter().all(|h| *h == reference),
        "the event log differs between runs"
    );
}

#[test]
fn the_starlark_port_of_liquidity_aware_gives_the_built_in_event_log() {
    let port = common::fixtures_dir().join("../policies/builtin/liquidity_aware.star");
    let scenario_with = |policy: &str| {
        let agents: String = ["A", "B", "C", "D"]
            .iter()
            .enumerate()
            .map(|(i, id)| {
                format!(
                    "  - {{ id: {id}, opening_balance: {}, unsecured_cap: 80000, policy: {policy}, arrivals: {{ rate_per_tick: 0.9, amount: {{ distribution: log_normal, median: 50000, sigma: 1.0 }}, deadline_ticks: [2, 25] }} }}\n",
                    150_000 + 60_000 * i
                )
            })
            .collect();
        scenario_from(&format!(
            "simulation: {{ ticks_per_day: 50, num_days: 2, seed: 8 }}\nagents:\n{agents}"
        ))
    };
    let built_in =
        scenario_with("{ type: LiquidityAware, target_buffer: 100000, urgency_threshold: 5 }");
    let starlark = scenario_with(&format!("{{ type: Starlark, path: {} }}", port.display()));
    let (built_in, built_in_log) = run_with_events(&built_in);
    let (starlark, starlark_log) = run_with_events(&starlark);
    assert!(
        built_in.totals.settled > 100 && built_in.totals.unsettled > 0,
        "a scenario where the buffer matters"
    );
    assert!(of_kind(&events(&built_in_log), "deadline_penalty").count() > 0);
    assert_eq!(
        String::from_utf8(starlark_log).unwrap(),
        String::from_utf8(built_in_log).unwrap()
    );
    assert_eq!(starlark.event_log_hash, built_in.event_log_hash);
}
