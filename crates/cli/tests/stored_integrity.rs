//! A stored run is what it says it is: a resume refuses (exit 2, naming the
//! difference) a run whose stored scenario, policy text or completed days' events
//! were changed since its checkpoint; `rtgsim runs verify` re-hashes a run and says
//! what differs; money beyond 64 bits is stored and shown exactly.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test helpers fail loudly

#[path = "../../scenario/tests/common/mod.rs"]
mod common;

use common::fixtures_dir;
use rtgsim::recording::{self, DbOptions, StoredScenario};
use rtgsim_persistence::{RunStatus, Store};
use rtgsim_scenario::Scenario;
use rtgsim_scenario::config::ScenarioInput;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::Arc;
use std::sync::atomic::AtomicBool;

fn rtgsim(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_rtgsim"))
        .args(args)
        .output()
        .expect("rtgsim runs")
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

fn temp_db(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("rtgsim-stored-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir.join("runs.db")
}

/// Four days of six banks, two of them with a Starlark policy read from a file.
const SCENARIO: &str = "simulation: { ticks_per_day: 30, num_days: 4, seed: 99 }
costs: { overdraft_bps_per_tick: 1, delay_cost_per_tick_bps: 1, deadline_penalty: 5000, eod_penalty: 20000 }
agents:
  - { id: B0, opening_balance: 300000, unsecured_cap: 100000, policy: { type: Starlark, path: ../policies/05_adaptive_threshold.star }, arrivals: { rate_per_tick: 1.5, amount: { distribution: log_normal, median: 40000, sigma: 0.9 }, deadline_ticks: [3, 25] } }
  - { id: B1, opening_balance: 350000, unsecured_cap: 100000, arrivals: { rate_per_tick: 1.5, amount: { distribution: log_normal, median: 40000, sigma: 0.9 }, deadline_ticks: [3, 25] } }
  - { id: B2, opening_balance: 400000, unsecured_cap: 100000, policy: { type: Starlark, path: ../policies/05_adaptive_threshold.star }, arrivals: { rate_per_tick: 1.5, amount: { distribution: log_normal, median: 40000, sigma: 0.9 }, deadline_ticks: [3, 25] } }
";

const POLICY_FILE: &str = "../policies/05_adaptive_threshold.star";

fn stored() -> (Scenario, StoredScenario) {
    let mut input = ScenarioInput::from_text(SCENARIO, "test", &fixtures_dir()).unwrap();
    let scenario = input.resolve().unwrap();
    let files = input.policy_files().clone();
    assert!(files.contains_key(POLICY_FILE));
    (
        scenario,
        StoredScenario {
            file: input.file,
            files,
        },
    )
}

fn options(path: &Path) -> DbOptions {
    DbOptions {
        path: path.to_path_buf(),
        checkpoint_every: 1,
        state_from: None,
        stop: Arc::new(AtomicBool::new(false)),
    }
}

/// A run of [`SCENARIO`] stopped during day 3 (as a crash would): days 0 to 2 are
/// stored, with the checkpoint after day 2. Returns the database and the hash of
/// the run done in one go.
fn stopped_run(name: &str) -> (PathBuf, String) {
    let path = temp_db(name);
    let (scenario, stored) = stored();
    let in_one_go = rtgsim_scenario::run(&scenario, None, &mut |_| {})
        .unwrap()
        .event_log_hash;
    let stopped = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        let mut on_tick = |tick: u32| assert!(tick < 100, "stop");
        recording::run_recorded(&scenario, &stored, &options(&path), None, &mut on_tick)
    }));
    assert!(stopped.is_err());
    let row = Store::open_read_only(&path).unwrap().run(1).unwrap();
    assert_eq!((row.status, row.days_completed), (RunStatus::Running, 3));
    (path, in_one_go)
}

fn tamper(path: &Path, sql: &str) {
    let conn = rusqlite::Connection::open(path).unwrap();
    let changed = conn.execute(sql, []).unwrap();
    assert!(changed > 0, "{sql} changed nothing");
}

fn resume(path: &Path) -> Output {
    rtgsim(&["resume", "--db", &path.display().to_string(), "1"])
}

/// Resume is refused with exit code 2 and every `expected` text in its message, and
/// the run is left as it was.
fn assert_refused(path: &Path, expected: &[&str]) {
    let out = resume(path);
    let stderr = text(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.contains("run 1 cannot be resumed: what is stored is not what its checkpoint"),
        "{stderr}"
    );
    for want in expected {
        assert!(stderr.contains(want), "missing {want:?} in:\n{stderr}");
    }
    let row = Store::open_read_only(path).unwrap().run(1).unwrap();
    assert_eq!((row.status, row.days_completed), (RunStatus::Running, 3));
}

#[test]
fn an_untouched_stopped_run_resumes_to_the_hash_of_the_run_in_one_go() {
    let (path, in_one_go) = stopped_run("untouched");
    let out = resume(&path);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let row = Store::open_read_only(&path).unwrap().run(1).unwrap();
    assert_eq!(row.event_log_hash, Some(in_one_go));

    let out = rtgsim(&["runs", "verify", "--db", &path.display().to_string(), "1"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stdout));
    assert!(
        text(&out.stdout).starts_with("run 1: intact: "),
        "{}",
        text(&out.stdout)
    );
}

#[test]
fn resume_refuses_an_edited_seed_naming_it() {
    let (path, _) = stopped_run("seed");
    tamper(
        &path,
        "UPDATE run_inputs SET scenario = json_set(scenario, '$.simulation.seed', 8)",
    );
    assert_refused(
        &path,
        &[
            "run_inputs.scenario changed since the checkpoint: simulation.seed: was 99, now 8",
            "run_inputs: the stored scenario and policy files are not those the run started with",
        ],
    );
}

#[test]
fn resume_refuses_an_edited_policy_text_naming_the_file() {
    let (path, _) = stopped_run("policy");
    // Still a valid policy: only the text changed.
    tamper(
        &path,
        &format!(
            "UPDATE run_inputs SET files = json_set(files, '$.\"{POLICY_FILE}\"',
                json_extract(files, '$.\"{POLICY_FILE}\"') || char(10) || '# edited' || char(10))"
        ),
    );
    assert_refused(
        &path,
        &[&format!(
            "run_inputs.files: the text of the policy file {POLICY_FILE} changed since the checkpoint"
        )],
    );
}

#[test]
fn resume_refuses_a_deleted_day_naming_it() {
    let (path, _) = stopped_run("deleted-day");
    tamper(
        &path,
        "DELETE FROM event_blocks WHERE run_id = 1 AND day = 1",
    );
    assert_refused(
        &path,
        &[
            "event_blocks: events ",
            "are missing (no stored block holds them)",
            "event_blocks: day 1: no events stored",
        ],
    );
}

#[test]
fn resume_refuses_an_edited_event_naming_its_day() {
    let (path, _) = stopped_run("edited-day");
    // One event's tick changed; the day keeps its count of events.
    tamper(
        &path,
        "UPDATE event_blocks SET lines = substr(lines, 1, 9) || '7' || substr(lines, 11)
         WHERE run_id = 1 AND day = 0 AND first_seq = 0",
    );
    assert_refused(
        &path,
        &["event_blocks: day 0: its stored events were changed"],
    );
    // With the day records gone too, the checkpoint's own hash of the events still
    // tells.
    tamper(&path, "DELETE FROM event_days WHERE run_id = 1");
    assert_refused(
        &path,
        &["event_blocks: the stored events before the checkpoint (days 0 to 2) hash to "],
    );
}

#[test]
fn runs_verify_names_what_changed_in_a_completed_run() {
    let (path, _) = stopped_run("verify");
    assert_eq!(resume(&path).status.code(), Some(0));
    let db = path.display().to_string();
    let verify = || rtgsim(&["runs", "verify", "--db", &db, "1"]);
    assert_eq!(verify().status.code(), Some(0));

    tamper(
        &path,
        "UPDATE event_blocks SET lines = replace(lines, '\"kind\":\"day_ended\",\"day\":2', '\"kind\":\"day_ended\",\"day\":9')
         WHERE run_id = 1 AND day = 2",
    );
    tamper(
        &path,
        "UPDATE run_inputs SET scenario = json_set(scenario, '$.simulation.seed', 8)",
    );
    tamper(
        &path,
        "UPDATE policy_versions SET source = source || ' ' WHERE policy_id LIKE '%05_adaptive_threshold.star'",
    );
    let out = verify();
    let stdout = text(&out.stdout);
    assert_eq!(out.status.code(), Some(1), "{stdout}");
    for want in [
        "run 1: NOT what it says it is",
        "event_blocks: day 2: its stored events were changed",
        "event_blocks: the stored events hash to ",
        "not to the run's event_log_hash",
        "run_inputs: the stored scenario and policy files are not those the run started with",
        "policy_versions: ../policies/05_adaptive_threshold.star v1",
    ] {
        assert!(stdout.contains(want), "missing {want:?} in:\n{stdout}");
    }

    let out = rtgsim(&["runs", "verify", "--db", &db, "1", "--json"]);
    let doc: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(doc["ok"], false);
    assert!(doc["problems"].as_array().unwrap().len() >= 4, "{doc}");
}

#[test]
fn a_cost_beyond_64_bits_is_stored_and_shown_exactly() {
    // A bank overdrawn by 10^14 cents at 100% a tick for 200,000 ticks after the
    // payment (tick 0 charges too): 200,001 x 10^14 = 2.00001 x 10^19 cents, more
    // than i64::MAX (about 9.22 x 10^18).
    let dir = temp_db("big-cost");
    let scenario = dir.with_file_name("big.yaml");
    std::fs::write(
        &scenario,
        "simulation: { ticks_per_day: 200001, num_days: 1, seed: 1 }
costs: { overdraft_bps_per_tick: 10000 }
agents:
  - { id: A, opening_balance: 0, unsecured_cap: 100000000000000 }
  - { id: B, opening_balance: 0 }
transactions:
  - { tick: 0, from: A, to: B, amount: 100000000000000, deadline: 5 }
",
    )
    .unwrap();
    let db = dir.display().to_string();
    let out = rtgsim(&["run", &scenario.display().to_string(), "--db", &db]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let exact: i128 = 200_001 * 100_000_000_000_000;

    let rows = Store::open_read_only(&dir)
        .unwrap()
        .agent_day_metrics(1)
        .unwrap();
    assert_eq!(rows[0].cost_overdraft, exact);
    assert_eq!(rows[0].total_cost(), exact);

    let out = rtgsim(&["runs", "show", "--db", &db, "1"]);
    let stdout = text(&out.stdout);
    assert!(stdout.contains("200,001,000,000,000,000.00"), "{stdout}");
    let out = rtgsim(&["runs", "show", "--db", &db, "1", "--json"]);
    let stdout = text(&out.stdout);
    assert!(
        stdout.contains("\"cost_overdraft\": 20000100000000000000"),
        "{stdout}"
    );
    // 200,007 events: not left behind.
    if let Some(parent) = dir.parent() {
        let _ = std::fs::remove_dir_all(parent);
    }
}

#[test]
fn two_processes_creating_the_same_new_database_both_succeed() {
    let fixture = fixtures_dir().join("scripted_exact.yaml");
    let fixture = fixture.display().to_string();
    for attempt in 0..8 {
        let path = temp_db(&format!("race-{attempt}"));
        let db = path.display().to_string();
        let racers: Vec<_> = (0..2)
            .map(|_| {
                Command::new(env!("CARGO_BIN_EXE_rtgsim"))
                    .args(["run", &fixture, "--db", &db, "--json"])
                    .stdout(std::process::Stdio::null())
                    .stderr(std::process::Stdio::piped())
                    .spawn()
                    .unwrap()
            })
            .collect();
        for racer in racers {
            let out = racer.wait_with_output().unwrap();
            assert_eq!(
                out.status.code(),
                Some(0),
                "attempt {attempt}: {}",
                text(&out.stderr)
            );
        }
        let runs = Store::open_read_only(&path).unwrap().runs().unwrap();
        assert_eq!(runs.len(), 2, "attempt {attempt}");
        assert!(runs.iter().all(|r| r.status == RunStatus::Completed));
    }
}

#[test]
fn a_database_from_a_newer_rtgsim_says_so_to_every_command() {
    let path = temp_db("newer");
    drop(Store::open(&path).unwrap());
    let conn = rusqlite::Connection::open(&path).unwrap();
    conn.pragma_update(None, "user_version", 42).unwrap();
    drop(conn);
    let db = path.display().to_string();
    let fixture = fixtures_dir().join("scripted_exact.yaml");
    for args in [
        vec!["runs", "list", "--db", &db],
        vec!["runs", "verify", "--db", &db, "1"],
        vec!["audit", "verify", "--db", &db, "1"],
        vec!["resume", "--db", &db, "1"],
        vec!["run", fixture.to_str().unwrap(), "--db", &db],
    ] {
        let out = rtgsim(&args);
        let stderr = text(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {stderr}");
        assert!(
            stderr.contains("written by a newer rtgsim (schema 42, this build reads up to 6)"),
            "{args:?}: {stderr}"
        );
        assert!(!stderr.contains("migrate"), "{args:?}: {stderr}");
    }
}
