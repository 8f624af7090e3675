//! Helpers shared by the integration tests.
#![allow(dead_code, clippy::panic, clippy::expect_used, clippy::unwrap_used)]

use rtgsim_engine::simulation::SimulationCheckpoint;
use rtgsim_report::event_log::LogCheckpoint;
use rtgsim_report::{EventLog, RunSummary};
use rtgsim_scenario::Scenario;
use rtgsim_scenario::config::ScenarioInput;
use std::path::{Path, PathBuf};

pub fn fixtures_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../fixtures")
}

/// Every scenario fixture (`fixtures/*.yaml`), sorted by name.
pub fn fixture_names() -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(fixtures_dir())
        .expect("fixtures directory")
        .filter_map(|entry| entry.ok())
        .map(|entry| entry.file_name().to_string_lossy().into_owned())
        .filter(|name| name.ends_with(".yaml"))
        .collect();
    names.sort();
    names
}

pub fn fixture(name: &str) -> Scenario {
    let path = fixtures_dir().join(name);
    ScenarioInput::from_path(&path)
        .and_then(|mut input| input.resolve())
        .unwrap_or_else(|e| panic!("{e}"))
}

pub fn scenario_from(text: &str) -> Scenario {
    ScenarioInput::from_text(text, "test", Path::new("."))
        .and_then(|mut input| input.resolve())
        .unwrap_or_else(|e| panic!("{e}"))
}

/// The error text for a scenario that must be rejected.
pub fn rejection(text: &str) -> String {
    match ScenarioInput::from_text(text, "bad.yaml", Path::new("."))
        .and_then(|mut input| input.resolve())
    {
        Ok(_) => panic!("the scenario was accepted:\n{text}"),
        Err(error) => error.to_string(),
    }
}

/// Runs a scenario; returns the summary and the event log lines.
pub fn run_with_events(scenario: &Scenario) -> (rtgsim_report::RunSummary, Vec<u8>) {
    let mut events: Vec<u8> = Vec::new();
    let summary = rtgsim_scenario::run(scenario, Some(&mut events), &mut |_| {}).expect("run");
    (summary, events)
}

/// The run in one go: its log lines and summary.
pub fn in_one_go(scenario: &Scenario) -> (Vec<u8>, RunSummary) {
    let mut lines = Vec::new();
    let summary = rtgsim_scenario::run(scenario, Some(&mut lines), &mut |_| {}).unwrap();
    (lines, summary)
}

/// The run stopped before tick `stop`, checkpointed through JSON, and resumed.
pub fn stopped_and_resumed(scenario: &Scenario, stop: u32) -> (Vec<u8>, RunSummary) {
    let mut first = Vec::new();
    let (sim_json, log_json) = {
        let mut log = EventLog::new(scenario.plan.agent_names(), Some(&mut first));
        let mut simulation = scenario.start(&mut log).unwrap();
        while simulation.next_tick() < stop {
            simulation.step(&mut log).unwrap();
        }
        let sim = serde_json::to_vec(&simulation.checkpoint()).unwrap();
        let log_state = serde_json::to_vec(&log.checkpoint()).unwrap();
        (sim, log_state)
    };
    let mut rest = Vec::new();
    let summary = {
        let sim: SimulationCheckpoint = serde_json::from_slice(&sim_json).unwrap();
        let log_state: LogCheckpoint = serde_json::from_slice(&log_json).unwrap();
        let mut log =
            EventLog::resume(scenario.plan.agent_names(), Some(&mut rest), log_state).unwrap();
        let mut simulation = scenario.resume(sim).unwrap();
        simulation.run(&mut log, &mut |_| {}).unwrap();
        RunSummary::new(&scenario.run_info(), &log.finish().unwrap())
    };
    first.extend_from_slice(&rest);
    (first, summary)
}

/// Rejected with every `expected` part in the message.
pub fn assert_rejected(text: &str, expected: &[&str]) {
    let message = rejection(text);
    for part in expected {
        assert!(message.contains(part), "expected {part:?} in:\n{message}");
    }
}

/// Rejected with every `expected` part, and the suggestion of `close` at the end.
pub fn assert_suggests(text: &str, expected: &[&str], close: &str) {
    let message = rejection(text);
    for part in expected {
        assert!(message.contains(part), "expected {part:?} in:\n{message}");
    }
    let hint = format!("(did you mean `{close}`?)");
    assert!(
        message.ends_with(&hint),
        "expected {hint:?} at the end of:\n{message}"
    );
}
