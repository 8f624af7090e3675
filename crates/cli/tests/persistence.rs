//! Runs stored in SQLite: every table filled from a real run, policy state across
//! days and across runs (seed 000 phase 8), a run stopped mid-day and resumed to the
//! hash of the run done in one go (in-process and by killing the real binary), and
//! failures marked in the store.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test helpers fail loudly

#[path = "../../scenario/tests/common/mod.rs"]
mod common;

use common::{fixture, fixtures_dir, scenario_from};
use rtgsim::recording::{self, DbOptions, RecordError, StoredScenario};
use rtgsim_persistence::{EventFilter, RunStatus, Store};
use rtgsim_scenario::Scenario;
use rtgsim_scenario::config::ScenarioInput;
use sha2::{Digest, Sha256};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

fn temp_db(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("rtgsim-persist-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir.join("runs.db")
}

/// A scenario read from text, with what the store needs.
fn stored(text: &str) -> (Scenario, StoredScenario) {
    let mut input = ScenarioInput::from_text(text, "test", &fixtures_dir()).unwrap();
    let scenario = input.resolve().unwrap();
    let files = input.policy_files().clone();
    (
        scenario,
        StoredScenario {
            file: input.file,
            files,
        },
    )
}

fn stored_fixture(name: &str) -> (Scenario, StoredScenario) {
    stored(&std::fs::read_to_string(fixtures_dir().join(name)).unwrap())
}

fn options(path: &Path) -> DbOptions {
    DbOptions {
        path: path.to_path_buf(),
        checkpoint_every: 1,
        state_from: None,
        stop: Arc::new(AtomicBool::new(false)),
    }
}

/// Records `scenario` into `path` and stops it, as a crash would, once tick
/// `stop` has run: whole days are committed, the rest is lost.
fn crash_after(scenario: &Scenario, stored_scenario: &StoredScenario, path: &Path, stop: u32) {
    let stopped = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        let mut on_tick = |tick: u32| assert!(tick < stop, "stop");
        recording::run_recorded(
            scenario,
            stored_scenario,
            &options(path),
            None,
            &mut on_tick,
        )
    }));
    assert!(stopped.is_err());
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

#[test]
fn a_stored_run_holds_its_whole_log_figures_states_and_policies() {
    let path = temp_db("whole");
    let (scenario, stored) = stored_fixture("starlark_policies.yaml");
    let recorded =
        recording::run_recorded(&scenario, &stored, &options(&path), None, &mut |_| {}).unwrap();
    let plain = rtgsim_scenario::run(&scenario, None, &mut |_| {}).unwrap();
    assert_eq!(
        recorded.summary.to_json(),
        plain.to_json(),
        "storing changes nothing about the run"
    );

    let store = Store::open_read_only(&path).unwrap();
    let run = store.run(recorded.run_id).unwrap();
    assert_eq!(run.status, RunStatus::Completed);
    assert_eq!((run.days_completed, run.days_total), (2, 2));
    assert_eq!(run.events, plain.events);
    assert_eq!(
        run.event_log_hash.as_deref(),
        Some(plain.event_log_hash.as_str())
    );

    // The stored lines are the event log: their hash is the run's.
    let events = store
        .events(recorded.run_id, &EventFilter::default())
        .unwrap();
    assert_eq!(events.len() as u64, plain.events);
    let mut hasher = Sha256::new();
    for event in &events {
        hasher.update(event.details.as_bytes());
        hasher.update(b"\n");
    }
    assert_eq!(hex(&hasher.finalize()), plain.event_log_hash);
    let settled = store
        .events(
            recorded.run_id,
            &EventFilter {
                kind: Some("settled".into()),
                agent: Some("THRESHOLD".into()),
                ..EventFilter::default()
            },
        )
        .unwrap();
    assert!(!settled.is_empty());
    assert!(
        settled
            .iter()
            .all(|e| e.details.contains("\"kind\":\"settled\"") && e.amount.unwrap() > 0)
    );

    // The last day's figures are the summary's.
    let metrics = store.agent_day_metrics(recorded.run_id).unwrap();
    assert_eq!(metrics.len(), 2 * scenario.plan.agents.len());
    for (row, agent) in metrics.iter().filter(|m| m.day == 1).zip(&plain.agents) {
        assert_eq!(row.agent, agent.id);
        assert_eq!(
            (row.payments, row.settled, row.balance),
            (
                agent.payments,
                agent.settled,
                i128::from(agent.closing_balance)
            )
        );
        assert_eq!(row.cost_delay, agent.costs.delay);
    }
    // Every Starlark policy saved its state each day; the stored scenario rebuilds.
    assert_eq!(store.policy_states(recorded.run_id, 0).unwrap().len(), 10);
    let (scenario_json, files_json) = store.run_inputs(run.id).unwrap();
    let rebuilt = recording::stored_scenario(&scenario_json, &files_json, run.id).unwrap();
    assert_eq!(
        rtgsim_scenario::run(&rebuilt, None, &mut |_| {})
            .unwrap()
            .event_log_hash,
        plain.event_log_hash
    );
    let policies = store.run_policies(recorded.run_id).unwrap();
    assert_eq!(
        policies[0],
        (
            "THRESHOLD".to_string(),
            "../policies/01_simple_threshold.star".to_string(),
            1
        )
    );
    let versions = store
        .policy_versions("../policies/01_simple_threshold.star")
        .unwrap();
    assert!(versions[0].source.contains("THRESHOLD = 50000"));
}

const COUNTER: &str = "def evaluate_queue(transactions, agent, system, state):\n    state[\"calls\"] = state.get(\"calls\", 0) + 1\n    state[\"days_seen\"] = sorted(set(state.get(\"days_seen\", []) + [system.system_current_day]))\n    return [{\"action\": \"Release\", \"tx_id\": tx.id} for tx in transactions]\n";

fn counter_scenario(days: u32) -> String {
    format!(
        "simulation: {{ ticks_per_day: 5, num_days: {days}, seed: 3 }}\nagents:\n  - {{ id: A, opening_balance: 100000, policy: {{ type: Starlark, script: {} }}, arrivals: {{ rate_per_tick: 1, amount: {{ distribution: fixed, value: 100 }}, deadline_ticks: [2, 5] }} }}\n  - {{ id: B, opening_balance: 100000 }}\n",
        serde_json::to_string(COUNTER).unwrap()
    )
}

#[test]
fn policy_state_persists_across_days_and_into_a_new_run() {
    let path = temp_db("state");
    let (scenario, stored_scenario) = stored(&counter_scenario(3));
    let first = recording::run_recorded(
        &scenario,
        &stored_scenario,
        &options(&path),
        None,
        &mut |_| {},
    )
    .unwrap();
    let store = Store::open_read_only(&path).unwrap();
    for day in 0..3u32 {
        let states = store.policy_states(first.run_id, day).unwrap();
        assert_eq!(states.len(), 1, "only the Starlark agent keeps state");
        let state: serde_json::Value = serde_json::from_str(&states[0].1).unwrap();
        assert_eq!(state["calls"], 5 * (day + 1), "day {day}");
        assert_eq!(
            state["days_seen"],
            serde_json::json!((0..=day).collect::<Vec<_>>())
        );
    }

    // A new run (a restart) picks up where the first left off.
    let (scenario, stored_scenario) = stored(&counter_scenario(1));
    let options = DbOptions {
        state_from: Some(first.run_id),
        ..options(&path)
    };
    let second =
        recording::run_recorded(&scenario, &stored_scenario, &options, None, &mut |_| {}).unwrap();
    let store = Store::open_read_only(&path).unwrap();
    let states = store.policy_states(second.run_id, 0).unwrap();
    let state: serde_json::Value = serde_json::from_str(&states[0].1).unwrap();
    assert_eq!(state["calls"], 20, "15 calls carried over, 5 more");
    assert_eq!(
        store.run(second.run_id).unwrap().state_from_run,
        Some(first.run_id)
    );

    // A run to start from must have states, for agents the scenario has.
    let bad = DbOptions {
        state_from: Some(999),
        ..options.clone()
    };
    let error =
        recording::run_recorded(&scenario, &stored_scenario, &bad, None, &mut |_| {}).unwrap_err();
    assert!(
        matches!(error, RecordError::Input(ref m) if m.contains("no run 999")),
        "{error}"
    );
}

/// A long scenario: enough days and payments to stop in the middle of.
fn long_scenario(days: u32) -> String {
    let agents: String = (0..6)
        .map(|i| {
            let policy = match i % 3 {
                0 => "{ type: LiquidityAware, target_buffer: 200000, urgency_threshold: 4 }".to_string(),
                1 => "{ type: Starlark, path: ../policies/05_adaptive_threshold.star }".to_string(),
                _ => "{ type: FromJson, json_path: ../policies/multi_factor.json }".to_string(),
            };
            format!("  - {{ id: B{i}, opening_balance: {}, unsecured_cap: 100000, policy: {policy}, arrivals: {{ rate_per_tick: 1.5, amount: {{ distribution: log_normal, median: 40000, sigma: 0.9 }}, deadline_ticks: [3, 25] }} }}\n", 300_000 + 50_000 * i)
        })
        .collect();
    format!(
        "simulation: {{ ticks_per_day: 40, num_days: {days}, seed: 99 }}\ncosts: {{ overdraft_bps_per_tick: 1, delay_cost_per_tick_bps: 1, deadline_penalty: 5000, eod_penalty: 20000 }}\nagents:\n{agents}"
    )
}

#[test]
fn a_run_stopped_mid_day_resumes_to_the_hash_of_the_run_in_one_go() {
    let path = temp_db("stopped");
    let (scenario, stored_scenario) = stored(&long_scenario(5));
    let in_one_go = rtgsim_scenario::run(&scenario, None, &mut |_| {}).unwrap();

    // Stop in the middle of day 3 (tick 100 of 200), as a crash would.
    crash_after(&scenario, &stored_scenario, &path, 100);
    let store = Store::open_read_only(&path).unwrap();
    let row = store.runs().unwrap().pop().unwrap();
    assert_eq!(
        (row.status, row.days_completed),
        (RunStatus::Running, 2),
        "two whole days, nothing of the third"
    );
    assert_eq!(
        store
            .events(
                row.id,
                &EventFilter {
                    day: Some(2),
                    ..EventFilter::default()
                }
            )
            .unwrap()
            .len(),
        0
    );
    drop(store);

    let resumed = recording::resume(row.id, &options(&path), &mut |_| {}).unwrap();
    assert_eq!(resumed.summary.event_log_hash, in_one_go.event_log_hash);
    assert_eq!(resumed.summary.to_json(), in_one_go.to_json());
    let store = Store::open_read_only(&path).unwrap();
    let row = store.run(row.id).unwrap();
    assert_eq!(
        (row.status, row.days_completed, row.events),
        (RunStatus::Completed, 5, in_one_go.events)
    );
    assert_eq!(
        row.event_log_hash.as_deref(),
        Some(in_one_go.event_log_hash.as_str())
    );
    let error = recording::resume(row.id, &options(&path), &mut |_| {})
        .unwrap_err()
        .to_string();
    assert!(error.contains("is complete; nothing to resume"), "{error}");
}

#[test]
fn an_interrupted_run_keeps_its_whole_days_and_resumes_to_the_same_hash() {
    let path = temp_db("interrupted");
    let (scenario, stored_scenario) = stored(&long_scenario(4));
    let in_one_go = rtgsim_scenario::run(&scenario, None, &mut |_| {}).unwrap();
    let interrupting = options(&path);
    let stop = Arc::clone(&interrupting.stop);
    let mut on_tick = |tick: u32| {
        if tick == 90 {
            stop.store(true, Ordering::Relaxed);
        }
    };
    let error = recording::run_recorded(
        &scenario,
        &stored_scenario,
        &interrupting,
        None,
        &mut on_tick,
    )
    .unwrap_err();
    assert!(
        matches!(error, RecordError::Interrupted { tick: 91, .. }),
        "{error}"
    );
    let store = Store::open_read_only(&path).unwrap();
    let row = store.runs().unwrap().pop().unwrap();
    assert_eq!(
        (row.status, row.days_completed),
        (RunStatus::Interrupted, 2)
    );
    assert!(
        row.error
            .as_deref()
            .unwrap()
            .contains("interrupted at tick 91")
    );
    assert_eq!(
        store.events(row.id, &EventFilter::default()).unwrap().len() as u64,
        row.events,
        "whole days only"
    );
    drop(store);
    let resumed = recording::resume(row.id, &options(&path), &mut |_| {}).unwrap();
    assert_eq!(resumed.summary.event_log_hash, in_one_go.event_log_hash);
}

#[test]
fn a_run_killed_mid_way_resumes_to_the_hash_of_the_run_in_one_go() {
    let dir = temp_db("killed").parent().unwrap().to_path_buf();
    let scenario_path = fixtures_dir().join(format!("long-{}.yaml", std::process::id()));
    std::fs::write(&scenario_path, long_scenario(30)).unwrap();
    let db = dir.join("runs.db");
    let binary = env!("CARGO_BIN_EXE_rtgsim");
    let mut child = Command::new(binary)
        .args([
            "run",
            scenario_path.to_str().unwrap(),
            "--db",
            db.to_str().unwrap(),
            "--json",
        ])
        .stdout(std::process::Stdio::null())
        .spawn()
        .unwrap();
    // Kill it once a few days are stored, wherever it is in the day after them.
    let started = std::time::Instant::now();
    loop {
        let days = Store::open_read_only(&db)
            .and_then(|s| s.runs())
            .ok()
            .and_then(|runs| runs.first().map(|r| r.days_completed))
            .unwrap_or(0);
        if days >= 2 {
            break;
        }
        assert!(
            child.try_wait().unwrap().is_none(),
            "the run ended before it could be killed"
        );
        assert!(
            started.elapsed().as_secs() < 120,
            "the run stored no day in two minutes"
        );
        std::thread::sleep(std::time::Duration::from_millis(5));
    }
    child.kill().unwrap();
    child.wait().unwrap();

    let store = Store::open_read_only(&db).unwrap();
    let row = store.run(1).unwrap();
    assert_eq!(
        row.status,
        RunStatus::Running,
        "killed: no chance to say so"
    );
    assert!(row.days_completed < 30);
    let stored_events = store.events(1, &EventFilter::default()).unwrap().len() as u64;
    assert_eq!(stored_events, row.events, "only whole days are stored");
    drop(store);

    let resumed = Command::new(binary)
        .args(["resume", "--db", db.to_str().unwrap(), "1", "--json"])
        .output()
        .unwrap();
    assert_eq!(
        resumed.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&resumed.stderr)
    );
    let in_one_go = Command::new(binary)
        .args(["run", scenario_path.to_str().unwrap(), "--json"])
        .output()
        .unwrap();
    std::fs::remove_file(&scenario_path).ok();
    let hash = |out: &[u8]| {
        serde_json::from_slice::<serde_json::Value>(out).unwrap()["event_log_hash"].clone()
    };
    assert_eq!(hash(&resumed.stdout), hash(&in_one_go.stdout));
    assert_eq!(
        Store::open_read_only(&db).unwrap().run(1).unwrap().status,
        RunStatus::Completed
    );
}

/// An output that fails once some bytes are written, like a full disk.
struct FullDisk(usize);

impl std::io::Write for FullDisk {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        if self.0 < buf.len() {
            return Err(std::io::Error::new(
                std::io::ErrorKind::StorageFull,
                "no space left on device",
            ));
        }
        self.0 -= buf.len();
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

#[test]
fn a_run_that_fails_is_marked_failed_with_its_error_and_keeps_its_days() {
    let path = temp_db("failed");
    let (scenario, stored_scenario) = stored(&long_scenario(2));
    let mut out = FullDisk(10_000);
    let error = recording::run_recorded(
        &scenario,
        &stored_scenario,
        &options(&path),
        Some(&mut out),
        &mut |_| {},
    )
    .unwrap_err();
    assert!(
        matches!(error, RecordError::Failed(ref m) if m.contains("no space left")),
        "{error}"
    );
    let store = Store::open_read_only(&path).unwrap();
    let row = store.runs().unwrap().pop().unwrap();
    assert_eq!(row.status, RunStatus::Failed);
    assert!(
        row.error
            .as_deref()
            .unwrap()
            .contains("no space left on device"),
        "{:?}",
        row.error
    );
    assert_eq!(row.days_completed, 2, "the days it completed stay");
}

#[test]
fn the_cli_lists_shows_and_filters_stored_runs() {
    let dir = temp_db("cli").parent().unwrap().to_path_buf();
    let db = dir.join("runs.db");
    let binary = env!("CARGO_BIN_EXE_rtgsim");
    let fixture_path = fixtures_dir().join("three_banks_basic.yaml");
    let run = Command::new(binary)
        .args([
            "run",
            fixture_path.to_str().unwrap(),
            "--db",
            db.to_str().unwrap(),
        ])
        .output()
        .unwrap();
    assert_eq!(run.status.code(), Some(0));
    assert!(String::from_utf8_lossy(&run.stderr).contains("stored as run 1 in"));
    let out = |args: &[&str]| {
        let o = Command::new(binary).args(args).output().unwrap();
        (
            o.status.code(),
            String::from_utf8_lossy(&o.stdout).into_owned(),
            String::from_utf8_lossy(&o.stderr).into_owned(),
        )
    };
    let db = db.to_str().unwrap();
    let (code, list, _) = out(&["runs", "list", "--db", db]);
    assert_eq!(code, Some(0));
    assert!(list.lines().nth(1).unwrap().contains("completed"), "{list}");
    let (_, show, _) = out(&["runs", "show", "--db", db, "1"]);
    assert!(show.starts_with("run 1: completed"), "{show}");
    assert!(show.contains("ALPHA"), "{show}");
    let (_, json, _) = out(&["runs", "show", "--db", db, "1", "--json"]);
    let json: serde_json::Value = serde_json::from_str(&json).unwrap();
    assert_eq!(json["status"], "completed");
    assert_eq!(
        json["scenario"]["simulation"]["seed"],
        fixture("three_banks_basic.yaml").plan.seed
    );
    let (_, events, _) = out(&[
        "runs", "events", "--db", db, "1", "--kind", "arrival", "--agent", "BRAVO", "--limit", "3",
    ]);
    let lines: Vec<serde_json::Value> = events
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(lines.len(), 3);
    assert!(
        lines
            .iter()
            .all(|e| e["kind"] == "arrival" && e["from"] == "BRAVO"),
        "{events}"
    );
    let (code, _, error) = out(&["runs", "show", "--db", db, "7"]);
    assert_eq!(code, Some(2));
    assert!(error.contains("no run 7"), "{error}");
    let (code, _, error) = out(&[
        "runs",
        "list",
        "--db",
        dir.join("missing.db").to_str().unwrap(),
    ]);
    assert_eq!(code, Some(2));
    assert!(
        error.contains("missing.db: cannot open the database: no such file"),
        "{error}"
    );
    let garbage = dir.join("garbage.db");
    std::fs::write(&garbage, "not a database at all, just text. ".repeat(200)).unwrap();
    let (code, _, error) = out(&[
        "run",
        fixture_path.to_str().unwrap(),
        "--db",
        garbage.to_str().unwrap(),
    ]);
    assert_eq!(code, Some(2));
    assert!(
        error.contains("garbage.db: not an rtgsim database, or damaged"),
        "{error}"
    );
}

#[test]
fn scenario_from_text_still_works_without_a_database() {
    // The plain path is untouched by the store: a quick check on an inline scenario.
    let scenario = scenario_from(&counter_scenario(1));
    assert!(
        rtgsim_scenario::run(&scenario, None, &mut |_| {})
            .unwrap()
            .totals
            .settled
            > 0
    );
}

/// A governed run stopped mid-day and resumed: the same event log as in one go, and
/// a stored audit chain that continues across the stop and verifies to the same head.
#[test]
fn a_governed_run_resumes_with_its_audit_chain_unbroken() {
    use rtgsim_governance::audit::{ChainHead, StoredLink, verify};
    let path = temp_db("governed");
    let text = long_scenario(4)
        + "governance:\n  budgets: { B0: { per_tick: 60000 } }\n  limits: { B1: { multilateral: 150000 } }\n\
           scenario_events:\n  - { tick: 50, kind: suspend, agent: B2, operator: ops }\n  - { tick: 130, kind: reset, agent: B2, operator: ops }\n";
    let (scenario, stored_scenario) = stored(&text);
    let in_one_go = rtgsim_scenario::run(&scenario, None, &mut |_| {}).unwrap();
    let audits = in_one_go.governance.as_ref().unwrap().audit_records;
    assert!(audits > 100, "{audits}");

    crash_after(&scenario, &stored_scenario, &path, 100);
    let run = Store::open_read_only(&path)
        .unwrap()
        .runs()
        .unwrap()
        .pop()
        .unwrap()
        .id;
    let resumed = recording::resume(run, &options(&path), &mut |_| {}).unwrap();
    assert_eq!(resumed.summary.event_log_hash, in_one_go.event_log_hash);

    let store = Store::open_read_only(&path).unwrap();
    let links: Vec<StoredLink> = store
        .audit_rows(run)
        .unwrap()
        .into_iter()
        .map(|row| StoredLink {
            seq: row.seq,
            body: row.body,
            prev_hash: row.prev_hash,
            hash: row.hash,
        })
        .collect();
    let (count, last_hash) = store.audit_head(run).unwrap().unwrap();
    let genesis =
        rtgsim_governance::audit::genesis_hash(&scenario.inputs_sha256, scenario.plan.seed);
    assert_eq!(links[0].prev_hash, genesis);
    let summary = verify(&links, &genesis, Some(&ChainHead { count, last_hash })).unwrap();
    assert_eq!(summary.count, audits);
    assert_eq!(
        Some(summary.last_hash),
        in_one_go.governance.unwrap().audit_head
    );
}

/// A governed run with two guardbands, stored, stopped mid-day 2 (its checkpoint
/// after day 1, tick 39, is after B1's rollback at tick 29 and before B2's at
/// tick 59) and resumed: the hash of the run in one go, both rollbacks in the
/// stored log and in the summary, and an audit chain that verifies.
#[test]
fn a_guarded_run_resumes_across_its_rollbacks() {
    use rtgsim_governance::audit::{ChainHead, StoredLink, verify};
    let path = temp_db("guarded");
    // A baseline cost of 0: any cost in a window breaks the bound 1.2 x 0.
    let guard = |agent: &str, every: u32| {
        format!(
            "  - {{ agent: {agent}, previous_policy: {{ type: Fifo }}, every_ticks: {every}, baseline: {{ cost_per_window_cents: 0 }} }}\n"
        )
    };
    let text = long_scenario(3)
        + "governance:\n  budgets: { B0: { per_tick: 60000 } }\nguardbands:\n"
        + &guard("B1", 30)
        + &guard("B2", 60);
    let (scenario, stored_scenario) = stored(&text);
    let in_one_go = rtgsim_scenario::run(&scenario, None, &mut |_| {}).unwrap();
    let rollbacks: Vec<(u32, &str)> = in_one_go
        .rollbacks
        .iter()
        .map(|r| (r.tick, r.agent.as_str()))
        .collect();
    assert_eq!(rollbacks, vec![(29, "B1"), (59, "B2")]);

    crash_after(&scenario, &stored_scenario, &path, 50);
    let run = Store::open_read_only(&path)
        .unwrap()
        .runs()
        .unwrap()
        .pop()
        .unwrap()
        .id;
    let resumed = recording::resume(run, &options(&path), &mut |_| {}).unwrap();
    assert_eq!(resumed.summary.event_log_hash, in_one_go.event_log_hash);
    assert_eq!(resumed.summary.to_json(), in_one_go.to_json());

    let store = Store::open_read_only(&path).unwrap();
    let stored_rollbacks: Vec<(u32, Option<String>)> = store
        .events(
            run,
            &EventFilter {
                kind: Some("rolled_back".into()),
                ..EventFilter::default()
            },
        )
        .unwrap()
        .into_iter()
        .map(|row| (row.tick, row.agent))
        .collect();
    assert_eq!(
        stored_rollbacks,
        vec![(29, Some("B1".into())), (59, Some("B2".into()))]
    );
    let links: Vec<StoredLink> = store
        .audit_rows(run)
        .unwrap()
        .into_iter()
        .map(|row| StoredLink {
            seq: row.seq,
            body: row.body,
            prev_hash: row.prev_hash,
            hash: row.hash,
        })
        .collect();
    let rollback_records = links
        .iter()
        .filter(|link| link.body.contains("\"kind\":\"rollback\""))
        .count();
    assert_eq!(rollback_records, 2);
    let (count, last_hash) = store.audit_head(run).unwrap().unwrap();
    let genesis =
        rtgsim_governance::audit::genesis_hash(&scenario.inputs_sha256, scenario.plan.seed);
    verify(&links, &genesis, Some(&ChainHead { count, last_hash })).unwrap();
}

/// The daily costs of issue 16 are stored with each day's figures, and the events
/// view gives a `day_costs` event both of them as its amount. The Castro 2-period
/// profile A = 0, B = 0.15 costs B 15,000 of liquidity and 20,000 of borrowing
/// (worked out in crates/scenario/tests/daily_costs.rs).
#[test]
fn a_stored_run_keeps_its_daily_costs() {
    let path = temp_db("daily");
    let text = std::fs::read_to_string(
        fixtures_dir().join("../examples/papers/castro_two_period/scenario.yaml"),
    )
    .unwrap()
    .replace(
        "initial_liquidity: {share: 0.2}",
        "initial_liquidity: {share: 0.15}",
    );
    let (scenario, stored) = stored(&text);
    let recorded =
        recording::run_recorded(&scenario, &stored, &options(&path), None, &mut |_| {}).unwrap();
    let store = Store::open_read_only(&path).unwrap();
    let rows = store.agent_day_metrics(recorded.run_id).unwrap();
    let b = rows.iter().find(|r| r.agent == "B").unwrap();
    assert_eq!(
        (b.cost_liquidity, b.cost_borrowing, b.cost_delay),
        (15_000, 20_000, 10_000)
    );
    assert_eq!(b.total_cost(), 45_000);
    let day_costs = store
        .events(
            recorded.run_id,
            &EventFilter {
                kind: Some("day_costs".into()),
                agent: Some("B".into()),
                ..EventFilter::default()
            },
        )
        .unwrap();
    assert_eq!(day_costs.len(), 1);
    assert_eq!(day_costs[0].amount, Some(35_000));
}
