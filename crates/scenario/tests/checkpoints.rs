//! Checkpoints: a run stopped at any day's end and carried on from its checkpoint
//! (through JSON, as stored) gives the same event log, byte for byte, as the run done
//! in one go, for every fixture, including the generators', the policies' and the
//! metrics' state.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test helpers fail loudly

mod common;

use common::{fixture, fixture_names};
use rtgsim_engine::Simulation;
use rtgsim_engine::simulation::SimulationCheckpoint;
use rtgsim_report::event_log::LogCheckpoint;
use rtgsim_report::{EventLog, RunSummary};
use rtgsim_scenario::Scenario;

/// The run in one go: its log lines and summary.
fn in_one_go(scenario: &Scenario) -> (Vec<u8>, RunSummary) {
    let mut lines = Vec::new();
    let summary = rtgsim_scenario::run(scenario, Some(&mut lines), &mut |_| {}).unwrap();
    (lines, summary)
}

/// The run stopped before tick `stop`, checkpointed through JSON, and resumed.
fn stopped_and_resumed(scenario: &Scenario, stop: u32) -> (Vec<u8>, RunSummary) {
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

#[test]
fn every_fixture_resumes_from_every_day_to_the_same_log() {
    for name in fixture_names() {
        let scenario = fixture(&name);
        let (lines, summary) = in_one_go(&scenario);
        for days in 1..scenario.plan.num_days {
            let (resumed_lines, resumed) =
                stopped_and_resumed(&scenario, days * scenario.plan.ticks_per_day);
            assert!(
                resumed_lines == lines,
                "{name}: the log differs after resuming from day {days}"
            );
            assert_eq!(
                resumed.event_log_hash, summary.event_log_hash,
                "{name} from day {days}"
            );
            assert_eq!(
                resumed.to_json(),
                summary.to_json(),
                "{name}: the summary differs from day {days}"
            );
        }
    }
}

#[test]
fn a_run_also_resumes_from_the_middle_of_a_day() {
    for name in fixture_names() {
        let scenario = fixture(&name);
        let (lines, _) = in_one_go(&scenario);
        let total = scenario.plan.ticks_per_day * scenario.plan.num_days;
        for stop in [1, total / 3, total / 2 + 1, total - 1] {
            let (resumed_lines, _) = stopped_and_resumed(&scenario, stop);
            assert!(
                resumed_lines == lines,
                "{name}: the log differs after resuming at tick {stop}"
            );
        }
    }
}

#[test]
fn a_checkpoint_of_another_scenario_is_refused() {
    let scenario = fixture("three_banks_basic.yaml");
    let other = fixture("starlark_policies.yaml");
    let mut log = EventLog::new(scenario.plan.agent_names(), None);
    let mut simulation =
        Simulation::new(&scenario.plan, scenario.build_policies(), &mut log).unwrap();
    simulation.step(&mut log).unwrap();
    let error = Simulation::resume(&other.plan, other.build_policies(), simulation.checkpoint())
        .unwrap_err()
        .to_string();
    assert!(error.contains("checkpoint"), "{error}");
}
