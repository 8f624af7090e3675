//! The analyzer in front of runs: errors in a scenario's policies stop the run before
//! it starts, warnings are shown and the run goes on; and the analyzer's idea of the
//! Starlark API is the interpreter's.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test helpers fail loudly

#[path = "../../scenario/tests/common/mod.rs"]
mod common;

use common::fixtures_dir;
use std::collections::BTreeSet;
use std::process::Command;

fn run_scenario(name: &str, text: &str) -> (Option<i32>, String, String) {
    let dir = std::env::temp_dir().join(format!(
        "rtgsim-policy-checks-{name}-{}",
        std::process::id()
    ));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("scenario.yaml");
    std::fs::write(&path, text).unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_rtgsim"))
        .args(["run", path.to_str().unwrap()])
        .output()
        .unwrap();
    std::fs::remove_dir_all(&dir).ok();
    (
        out.status.code(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

fn scenario_with_script(script: &str) -> String {
    format!(
        "simulation: {{ ticks_per_day: 10, num_days: 1, seed: 1 }}\nagents:\n  - {{ id: A, opening_balance: 100000, policy: {{ type: Starlark, script: {} }}, arrivals: {{ rate_per_tick: 1, amount: {{ distribution: fixed, value: 100 }}, deadline_ticks: [2, 5] }} }}\n  - {{ id: B, opening_balance: 0 }}\n",
        serde_json::to_string(script).unwrap()
    )
}

#[test]
fn an_error_in_a_policy_stops_the_run_with_the_findings() {
    let script = "def evaluate_queue(transactions, agent, system, state):\n    return [{\"action\": \"Release\", \"tx_id\": tx.id} for tx in transactions if tx.amnout < 500]\n";
    let (code, stdout, stderr) = run_scenario("error", &scenario_with_script(script));
    assert_eq!(code, Some(2), "{stderr}");
    assert!(stdout.is_empty(), "nothing ran: {stdout}");
    assert!(
        stderr.contains("the scenario's policies have errors; nothing was run"),
        "{stderr}"
    );
    assert!(
        stderr.contains("error[E004]: a transaction (`tx`) has no attribute `amnout`"),
        "{stderr}"
    );
    assert!(
        stderr.contains("--> agents[0].policy.script:2:"),
        "{stderr}"
    );
    assert!(stderr.contains("did you mean `amount`?"), "{stderr}");
}

#[test]
fn a_warning_is_shown_and_the_run_goes_on() {
    let script = "def evaluate_queue(transactions, agent, system, state):\n    unused = 1\n    return [{\"action\": \"Release\", \"tx_id\": tx.id} for tx in transactions]\n";
    let (code, stdout, stderr) = run_scenario("warning", &scenario_with_script(script));
    assert_eq!(code, Some(0), "{stderr}");
    assert!(stderr.contains("warning[W107]"), "{stderr}");
    assert!(stdout.contains("event log:"), "the run happened: {stdout}");
}

#[test]
fn every_fixture_scenario_passes_the_analyzer() {
    for name in common::fixture_names() {
        let path = fixtures_dir().join(&name);
        let mut input = rtgsim_scenario::config::ScenarioInput::from_path(&path).unwrap();
        input.resolve().unwrap();
        let findings =
            rtgsim_scenario::policy_checks::analyze_scenario(&input.file, input.policy_files());
        assert!(findings.is_empty(), "{name}: {findings:?}");
    }
}

#[test]
fn the_analyzer_knows_the_interpreters_api() {
    use rtgsim_analyzer::starlark::{ENTRY_POINTS, Object};
    use rtgsim_policy_starlark::objects;
    let ours = |schema: &objects::Schema| schema.attributes().collect::<BTreeSet<_>>();
    assert_eq!(Object::Tx.attributes(), ours(objects::transaction_schema()));
    assert_eq!(Object::Agent.attributes(), ours(objects::agent_schema()));
    assert_eq!(Object::System.attributes(), ours(objects::system_schema()));
    let interpreter: BTreeSet<String> = rtgsim_policy_starlark::script::globals()
        .names()
        .map(|n| n.as_str().to_string())
        // The interpreter's own helper behind `*`, not for scripts to call.
        .filter(|n| !n.starts_with("_rtgsim"))
        .collect();
    let analyzer: BTreeSet<String> = rtgsim_analyzer::starlark::globals().into_iter().collect();
    assert_eq!(analyzer, interpreter, "the global names differ");
    for (entry, point) in ENTRY_POINTS
        .iter()
        .zip(rtgsim_policy_starlark::EntryPoint::ALL)
    {
        assert_eq!(entry.name, point.name());
        assert_eq!(entry.parameters, point.parameters());
    }
}

/// `rtgsim check` on policies holding a 200,000-character token on one line: the
/// message quotes the token clipped, the source line is shown as a window around the
/// place, and the place (file:line:column) is kept.
#[test]
fn check_clips_a_long_token_and_keeps_its_place() {
    let dir = std::env::temp_dir().join(format!("rtgsim-check-long-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let token = "q".repeat(200_000);
    let tree = dir.join("long.json");
    std::fs::write(
        &tree,
        format!(
            "{{\"version\": \"2.0\", \"payment_tree\": {{\"type\": \"action\", \"node_id\": \"A\", \"action\": \"{token}\"}}}}\n"
        ),
    )
    .unwrap();
    let script = dir.join("long.star");
    std::fs::write(
        &script,
        format!(
            "def evaluate_queue(transactions, agent, system, state):\n    return agent.{token}\n"
        ),
    )
    .unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_rtgsim"))
        .args(["check", tree.to_str().unwrap(), script.to_str().unwrap()])
        .output()
        .unwrap();
    std::fs::remove_dir_all(&dir).ok();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(1), "{stdout}");
    let clipped = format!("{}… (200000 characters)", "q".repeat(60));
    assert!(
        stdout.contains(&format!("unknown action \"{clipped}\"")),
        "{stdout}"
    );
    assert!(stdout.contains("long.json:1:81"), "{stdout}");
    assert!(
        stdout.contains(&format!("no attribute `{clipped}`")),
        "{stdout}"
    );
    assert!(stdout.contains("long.star:2:18"), "{stdout}");
    // Two findings with their windows of the lines: a few kilobytes at most.
    assert!(stdout.len() < 4_000, "{} bytes:\n{stdout}", stdout.len());
}
