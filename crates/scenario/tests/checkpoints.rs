//! Checkpoints: a run stopped at any day's end and carried on from its checkpoint
//! (through JSON, as stored) gives the same event log, byte for byte, as the run done
//! in one go, for every fixture, including the generators', the policies' and the
//! metrics' state.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test helpers fail loudly

mod common;

use common::{fixture, fixture_names, in_one_go, stopped_and_resumed};
use rtgsim_engine::Simulation;
use rtgsim_report::EventLog;

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
