//! A stored run is what it says it is: money exact at any size, events checked
//! against what each day wrote, schema creation safe under concurrent creators, a
//! full disk leaving the run `failed`, audit records of completed days kept, and
//! errors that say what is wrong.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test helpers fail loudly

use rtgsim_persistence::{
    AgentDayRow, DayEnd, LogProblem, NewRun, PendingCheckpoint, RunStatus, RunWriter, Store,
    StoreError,
};
use sha2::{Digest, Sha256};
use std::path::{Path, PathBuf};

fn dir(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("rtgsim-integrity-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

fn new_run() -> NewRun {
    NewRun {
        scenario: "{}".into(),
        files: "{}".into(),
        seed: 7,
        code_version: "0.1.0".into(),
        days_total: 3,
        state_from_run: None,
        inputs_sha256: "cd".repeat(32),
    }
}

fn line(seq: u64, day: u32) -> String {
    format!("{{\"tick\":{day},\"kind\":\"arrival\",\"tx\":{seq}}}\n")
}

fn metrics(day: u32, cost: i128) -> AgentDayRow {
    AgentDayRow {
        day,
        agent: "A".into(),
        balance: -5,
        payments: 1,
        settled: 1,
        settled_value: 10,
        dropped: 0,
        unsettled: 0,
        peak_overdraft: 5,
        policy_errors: 0,
        cost_overdraft: cost,
        cost_delay: cost - 1,
        cost_deadline: 0,
        cost_eod: 0,
        cost_collateral: 0,
        cost_split: i128::from(i64::MIN) - 3,
        cost_liquidity: cost + 1,
        cost_borrowing: 9,
    }
}

fn day_end(day: u32, events: u64, cost: i128) -> DayEnd {
    DayEnd {
        day,
        events,
        metrics: vec![metrics(day, cost)],
        states: Vec::new(),
        checkpoint: Some(PendingCheckpoint {
            serialize: Box::new(|| Ok(vec![1, 2, 3])),
        }),
    }
}

/// Writes `days` days of `per_day` events each; returns every line written.
fn write_days(path: &Path, run: i64, days: u32, per_day: u64) -> Vec<String> {
    let mut writer = RunWriter::start(path, run).unwrap();
    let mut lines = Vec::new();
    for day in 0..days {
        for _ in 0..per_day {
            let seq = lines.len() as u64;
            let text = line(seq, day);
            writer.event(seq, day, text.as_bytes());
            lines.push(text);
        }
        writer.end_day(day_end(day, lines.len() as u64, 1)).unwrap();
    }
    let hash = hex(&Sha256::digest(lines.concat().as_bytes()));
    writer
        .finish(RunStatus::Completed, Some(hash), None)
        .unwrap();
    lines
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

#[test]
fn money_beyond_i64_is_stored_and_read_back_exactly() {
    let path = dir("money").join("runs.db");
    let mut store = Store::open(&path).unwrap();
    let run = store.start_run(&new_run()).unwrap();
    // 2 x 10^19 cents: more than i64::MAX (about 9.2 x 10^18).
    let big: i128 = 20_000_000_000_000_000_000;
    let mut writer = RunWriter::start(&path, run).unwrap();
    writer.end_day(day_end(0, 0, big)).unwrap();
    writer.finish(RunStatus::Completed, None, None).unwrap();

    let rows = store.agent_day_metrics(run).unwrap();
    assert_eq!(rows, vec![metrics(0, big)]);
    assert_eq!(rows[0].cost_overdraft.to_string(), "20000000000000000000");
    assert_eq!(
        rows[0].cost_split.to_string(),
        "-9223372036854775811",
        "below i64::MIN too"
    );
    // As SQLite holds it: the decimal text, not a clamped integer or a rounded real.
    let conn = rusqlite::Connection::open(&path).unwrap();
    let stored: (String, String) = conn
        .query_row(
            "SELECT typeof(cost_overdraft), cost_overdraft FROM agent_day_metrics",
            [],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .unwrap();
    assert_eq!(stored, ("text".into(), "20000000000000000000".into()));
}

#[test]
fn a_schema_2_database_migrates_its_figures_exactly() {
    let path = dir("migrate-2").join("runs.db");
    // Schema 2 as released: built by a store, then schemas 5, 4 and 3 undone, its
    // version turned back and its money columns given integers as written then.
    drop(Store::open(&path).unwrap());
    let conn = rusqlite::Connection::open(&path).unwrap();
    conn.execute_batch(
        "DROP TABLE optimization_iterations;
         DROP TABLE optimizations;
         DROP TABLE registry_versions;
         DROP TABLE registry_audit_records;
         DROP TABLE registry_audit_head;
         DROP TRIGGER audit_records_of_completed_days_stay;
         DROP TRIGGER audit_heads_of_completed_days_stay;
         DROP TRIGGER audit_heads_of_completed_days_are_fixed;
         DROP TABLE event_days;
         ALTER TABLE runs DROP COLUMN inputs_sha256;
         DROP TABLE agent_day_metrics;
         CREATE TABLE agent_day_metrics (
            run_id INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
            day INTEGER NOT NULL, agent TEXT NOT NULL, balance INTEGER NOT NULL,
            payments INTEGER NOT NULL, settled INTEGER NOT NULL, settled_value INTEGER NOT NULL,
            dropped INTEGER NOT NULL, unsettled INTEGER NOT NULL, peak_overdraft INTEGER NOT NULL,
            policy_errors INTEGER NOT NULL, cost_overdraft INTEGER NOT NULL,
            cost_delay INTEGER NOT NULL, cost_deadline INTEGER NOT NULL, cost_eod INTEGER NOT NULL,
            cost_collateral INTEGER NOT NULL, cost_split INTEGER NOT NULL,
            PRIMARY KEY (run_id, day, agent));
         INSERT INTO runs (seed, code_version, status, days_total, started_at)
            VALUES (7, '0.1.0', 'completed', 1, 0);
         INSERT INTO agent_day_metrics VALUES
            (1, 0, 'B', 3, 1, 1, 10, 0, 0, 5, 0, 9223372036854775807, 2, 0, 0, 0, 0),
            (1, 0, 'A', -4, 1, 1, 10, 0, 0, 5, 0, 1, 2, 0, 0, 0, -9223372036854775808);
         PRAGMA user_version = 2;",
    )
    .unwrap();
    drop(conn);

    let store = Store::open(&path).unwrap();
    let rows = store.agent_day_metrics(1).unwrap();
    assert_eq!(
        rows.iter()
            .map(|r| (r.agent.as_str(), r.balance, r.cost_overdraft, r.cost_split))
            .collect::<Vec<_>>(),
        vec![
            ("B", 3, i128::from(i64::MAX), 0),
            ("A", -4, 1, i128::from(i64::MIN))
        ],
        "every figure, in the order written"
    );
    // Rows from before the daily costs existed read them as 0.
    assert!(
        rows.iter()
            .all(|r| r.cost_liquidity == 0 && r.cost_borrowing == 0)
    );
    assert_eq!(store.run(1).unwrap().inputs_sha256, None);
}

#[test]
fn concurrent_creators_of_a_new_database_both_succeed() {
    let base = dir("concurrent");
    for attempt in 0..40 {
        let path = base.join(format!("runs-{attempt}.db"));
        let barrier = std::sync::Arc::new(std::sync::Barrier::new(3));
        let creators: Vec<_> = (0..3)
            .map(|_| {
                let (path, barrier) = (path.clone(), barrier.clone());
                std::thread::spawn(move || {
                    barrier.wait();
                    let mut store = Store::open(&path)?;
                    store.start_run(&new_run())
                })
            })
            .collect();
        let mut ids: Vec<i64> = creators
            .into_iter()
            .map(|c| {
                c.join()
                    .unwrap()
                    .unwrap_or_else(|e| panic!("attempt {attempt}: {e}"))
            })
            .collect();
        ids.sort_unstable();
        assert_eq!(ids, vec![1, 2, 3], "attempt {attempt}");
    }
    // Forty databases of a few 64 KiB pages each: not left behind.
    let _ = std::fs::remove_dir_all(&base);
}

#[test]
fn a_full_disk_leaves_the_run_failed_with_the_reason() {
    let path = dir("full").join("runs.db");
    let mut store = Store::open(&path).unwrap();
    let run = store.start_run(&new_run()).unwrap();
    let pages: i64 = store_pages(&path);
    // Room for a few more 64 KiB pages: the second or third day's events do not fit.
    let mut writer = RunWriter::start_with_page_limit(&path, run, Some(pages as u32 + 3)).unwrap();
    let filler = format!(
        "{{\"tick\":0,\"kind\":\"pad\",\"x\":\"{}\"}}\n",
        "x".repeat(60_000)
    );
    let mut seq = 0;
    let mut failure = None;
    for day in 0..20 {
        for _ in 0..4 {
            writer.event(seq, day, filler.as_bytes());
            seq += 1;
        }
        if let Err(e) = writer.end_day(day_end(day, seq, 1)) {
            failure = Some(e);
            break;
        }
    }
    let failure = failure.expect("the page limit is reached");
    assert!(matches!(failure, StoreError::Full { .. }), "{failure:?}");
    // What the simulation side does next (see the CLI's recording).
    let _ = writer.finish(RunStatus::Failed, None, Some(failure.to_string()));

    let row = store.run(run).unwrap();
    assert_eq!(row.status, RunStatus::Failed, "not left running");
    let error = row.error.unwrap_or_default();
    assert!(error.contains("the disk is full"), "{error}");
    assert!(row.days_completed >= 1, "the whole days written are kept");
}

fn store_pages(path: &Path) -> i64 {
    let conn = rusqlite::Connection::open(path).unwrap();
    conn.query_row("PRAGMA page_count", [], |r| r.get(0))
        .unwrap()
}

#[test]
fn the_stored_log_hashes_as_written_and_names_each_changed_day() {
    let path = dir("days").join("runs.db");
    let mut store = Store::open(&path).unwrap();
    let run = store.start_run(&new_run()).unwrap();
    let lines = write_days(&path, run, 3, 5000);

    let log = store.stored_log(run, None).unwrap();
    let whole = hex(&Sha256::digest(lines.concat().as_bytes()));
    assert_eq!((log.events, log.sha256.as_str()), (15_000, whole.as_str()));
    assert_eq!(log.problems, vec![]);
    let recorded = store.event_days(run).unwrap();
    assert_eq!(
        recorded
            .iter()
            .map(|d| (d.day, d.first_seq, d.events))
            .collect::<Vec<_>>(),
        vec![(0, 0, 5000), (1, 5000, 5000), (2, 10_000, 5000)]
    );
    assert_eq!(
        recorded[1].sha256,
        hex(&Sha256::digest(lines[5000..10_000].concat().as_bytes()))
    );
    assert_eq!(log.check_days(&recorded, 3), vec![]);
    // The first 5,000 events: day 0 alone.
    let prefix = store.stored_log(run, Some(5000)).unwrap();
    assert_eq!(
        prefix.sha256,
        hex(&Sha256::digest(lines[..5000].concat().as_bytes()))
    );

    // Edit a line of day 1 (keeping its count), and delete a block of day 2.
    let conn = rusqlite::Connection::open(&path).unwrap();
    conn.execute(
        "UPDATE event_blocks SET lines = replace(lines, '\"tx\":6000}', '\"tx\":6001}')
         WHERE run_id = ?1 AND day = 1",
        [run],
    )
    .unwrap();
    let deleted = conn
        .execute(
            "DELETE FROM event_blocks WHERE run_id = ?1 AND day = 2 AND first_seq > 10000",
            [run],
        )
        .unwrap();
    assert_eq!(deleted, 1, "day 2 is two blocks: 10000.. and 14096..");
    drop(conn);
    let log = store.stored_log(run, None).unwrap();
    assert_eq!(
        log.problems,
        vec![LogProblem::Missing {
            from: 14_096,
            to: 15_000
        }]
    );
    assert_ne!(log.sha256, whole);
    let days = log.check_days(&recorded, 3);
    assert!(
        matches!(
            days.as_slice(),
            [
                LogProblem::DayChanged { day: 1, .. },
                LogProblem::DayCount {
                    day: 2,
                    stored: 4096,
                    recorded: 5000
                }
            ]
        ),
        "{days:?}"
    );
    assert!(
        days[0]
            .to_string()
            .starts_with("day 1: its stored events were changed")
    );
}

#[test]
fn audit_records_of_a_completed_day_cannot_be_deleted() {
    let path = dir("audit-delete").join("runs.db");
    let mut store = Store::open(&path).unwrap();
    let run = store.start_run(&new_run()).unwrap();
    let mut writer = RunWriter::start(&path, run).unwrap();
    for day in 0..2 {
        writer.event(u64::from(day), day, line(u64::from(day), day).as_bytes());
        writer.audit(rtgsim_persistence::AuditRow {
            seq: u64::from(day),
            day,
            tick: day,
            kind: "gate".into(),
            body: format!("{{\"seq\":{day}}}"),
            prev_hash: "0".repeat(64),
            hash: "1".repeat(64),
        });
        writer.end_day(day_end(day, u64::from(day) + 1, 1)).unwrap();
    }
    writer.finish(RunStatus::Completed, None, None).unwrap();

    let conn = rusqlite::Connection::open(&path).unwrap();
    for sql in [
        "DELETE FROM audit_records WHERE run_id = 1",
        "DELETE FROM audit_heads WHERE run_id = 1",
        "UPDATE audit_heads SET records = 0 WHERE run_id = 1",
    ] {
        let refused = conn.execute(sql, []).unwrap_err().to_string();
        assert!(refused.contains("append-only"), "{sql}: {refused}");
    }
    drop(conn);
    assert_eq!(store.audit_rows(run).unwrap().len(), 2);

    // A resume from day 0 may still drop day 1's records: they are past its checkpoint.
    store.truncate_after(run, 0, 1).unwrap();
    assert_eq!(store.audit_rows(run).unwrap().len(), 1);
    assert_eq!(store.audit_head(run).unwrap().map(|h| h.0), Some(1));
}

#[test]
fn a_newer_schema_is_named_as_such_when_read_too() {
    let path = dir("newer-read").join("runs.db");
    drop(Store::open(&path).unwrap());
    let conn = rusqlite::Connection::open(&path).unwrap();
    conn.pragma_update(None, "user_version", 9).unwrap();
    drop(conn);
    for error in [
        Store::open_read_only(&path).unwrap_err().to_string(),
        Store::open(&path).unwrap_err().to_string(),
    ] {
        assert!(
            error.contains("written by a newer rtgsim (schema 9, this build reads up to 6)"),
            "{error}"
        );
        assert!(!error.contains("migrate"), "{error}");
    }
}

#[test]
fn a_database_that_cannot_be_created_says_where_and_why() {
    let base = dir("cannot-create");
    let missing = base.join("no-such-dir").join("runs.db");
    let error = Store::open(&missing).unwrap_err().to_string();
    assert!(
        error.starts_with(&missing.display().to_string())
            && error.contains(&format!(
                "the directory {} does not exist",
                base.join("no-such-dir").display()
            )),
        "{error}"
    );
    assert!(!error.contains("unable to open database file"), "{error}");

    // A file where the directory should be.
    std::fs::write(base.join("plain"), "x").unwrap();
    let under_file = base.join("plain").join("runs.db");
    let error = Store::open(&under_file).unwrap_err().to_string();
    assert!(error.contains("does not exist"), "{error}");

    // A directory this process cannot write: read-only for a user (root writes
    // anywhere, so then the file system /sys, read-only to everyone, stands in).
    let read_only = base.join("ro");
    std::fs::create_dir_all(&read_only).unwrap();
    let mut permissions = std::fs::metadata(&read_only).unwrap().permissions();
    permissions.set_readonly(true);
    std::fs::set_permissions(&read_only, permissions).unwrap();
    let blocked = if std::fs::write(read_only.join("probe"), "x").is_err() {
        Some(read_only.join("runs.db"))
    } else if Path::new("/sys/kernel").is_dir()
        && std::fs::write("/sys/kernel/rtgsim-probe", "x").is_err()
    {
        Some(PathBuf::from("/sys/kernel/runs.db"))
    } else {
        eprintln!("skipped: no directory this user cannot write");
        None
    };
    if let Some(path) = blocked {
        let error = Store::open(&path).unwrap_err().to_string();
        assert!(
            error.starts_with(&path.display().to_string())
                && error.contains("cannot create it in")
                && (error.contains("permission denied") || error.contains("read-only")),
            "{error}"
        );
        assert!(!error.contains("unable to open database file"), "{error}");
    }
}
