//! The store: every table written and read back, whole days or nothing, the policy
//! registry, and clear errors for files that cannot be used.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test helpers fail loudly

use rtgsim_persistence::{
    AgentDayRow, AuditRow, CheckpointRow, DayEnd, EventFilter, EventRow, NewRun, PendingCheckpoint,
    RunStatus, RunWriter, SCHEMA_VERSION, Store, StoreError, sha256_hex,
};
use std::path::PathBuf;

/// A fresh directory for one test's database.
fn dir(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("rtgsim-store-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

fn new_run() -> NewRun {
    NewRun {
        scenario: r#"{"simulation":{"ticks_per_day":2,"num_days":3}}"#.into(),
        files: r#"{"p.star":"def evaluate_queue(t, a, s, st):\n    return []\n"}"#.into(),
        seed: 7,
        code_version: "0.1.0".into(),
        days_total: 3,
        state_from_run: None,
        inputs_sha256: "ab".repeat(32),
    }
}

/// Event `seq` of `day` as the simulation would log it, and as it reads back.
fn event(seq: u64, day: u32) -> EventRow {
    let (kind, agent) = (
        if seq.is_multiple_of(2) {
            "arrival"
        } else {
            "settled"
        },
        if seq.is_multiple_of(3) { "A" } else { "B" },
    );
    EventRow {
        seq,
        tick: day * 2,
        day,
        kind: kind.into(),
        agent: Some(agent.into()),
        tx: Some(seq as u32),
        amount: Some(100 + seq as i64),
        details: format!(
            r#"{{"tick":{},"kind":"{kind}","tx":{seq},"from":"{agent}","to":"C","amount":{}}}"#,
            day * 2,
            100 + seq
        ),
    }
}

/// Hands event `seq` of `day` to the writer.
fn write_event(writer: &mut RunWriter, seq: u64, day: u32) {
    let line = event(seq, day).details + "\n";
    writer.event(seq, day, line.as_bytes());
}

fn day_end(day: u32, events: u64) -> DayEnd {
    let state = format!("{{\"day\":{day}}}").into_bytes();
    DayEnd {
        day,
        events,
        metrics: vec![AgentDayRow {
            day,
            agent: "A".into(),
            balance: 1000 - i128::from(day),
            payments: 3,
            settled: 2,
            settled_value: 250,
            dropped: 0,
            unsettled: 1,
            peak_overdraft: 40,
            policy_errors: 1,
            cost_overdraft: 1,
            cost_delay: 2,
            cost_deadline: 3,
            cost_eod: 4,
            cost_collateral: 5,
            cost_split: 6,
            cost_liquidity: 7,
            cost_borrowing: 8,
        }],
        states: vec![("A".into(), format!("{{\"calls\":{day}}}"))],
        checkpoint: Some(PendingCheckpoint {
            serialize: Box::new(move || Ok(state)),
        }),
    }
}

#[test]
fn every_table_round_trips() {
    let path = dir("round-trip").join("runs.db");
    let mut store = Store::open(&path).unwrap();
    let run = store.start_run(&new_run()).unwrap();
    let version = store
        .register_policy("p", "Starlark", "source v1", "alice")
        .unwrap();
    store
        .link_run_policy(run, "A", "p", version.version)
        .unwrap();

    let mut writer = RunWriter::start(&path, run).unwrap();
    let mut seq = 0;
    for day in 0..3 {
        for _ in 0..5 {
            write_event(&mut writer, seq, day);
            seq += 1;
        }
        writer.end_day(day_end(day, seq)).unwrap();
    }
    writer
        .finish(RunStatus::Completed, Some("abc".into()), None)
        .unwrap();

    let row = store.run(run).unwrap();
    assert_eq!(row.status, RunStatus::Completed);
    assert_eq!((row.days_completed, row.events, row.seed), (3, 15, 7));
    assert_eq!(row.event_log_hash.as_deref(), Some("abc"));
    assert_eq!(
        store.run_inputs(run).unwrap(),
        (new_run().scenario, new_run().files)
    );
    assert!(row.ended_at.is_some());

    let all = store.events(run, &EventFilter::default()).unwrap();
    assert_eq!(
        all,
        (0..15)
            .map(|s| event(s, (s / 5) as u32))
            .collect::<Vec<_>>()
    );
    let filtered = store
        .events(
            run,
            &EventFilter {
                kind: Some("settled".into()),
                agent: Some("B".into()),
                day: Some(1),
                limit: None,
            },
        )
        .unwrap();
    assert_eq!(
        filtered.iter().map(|e| e.seq).collect::<Vec<_>>(),
        vec![5, 7]
    );
    let limited = store
        .events(
            run,
            &EventFilter {
                limit: Some(4),
                ..EventFilter::default()
            },
        )
        .unwrap();
    assert_eq!(limited.len(), 4);

    let metrics = store.agent_day_metrics(run).unwrap();
    assert_eq!(
        metrics,
        (0..3)
            .flat_map(|d| day_end(d, 0).metrics)
            .collect::<Vec<_>>()
    );
    assert_eq!(
        store.policy_states(run, 1).unwrap(),
        vec![("A".to_string(), "{\"calls\":1}".to_string())]
    );
    assert_eq!(store.last_policy_states(run).unwrap().unwrap().0, 2);
    let checkpoint = store.last_checkpoint(run).unwrap().unwrap();
    let state = b"{\"day\":2}".to_vec();
    assert_eq!(
        checkpoint,
        CheckpointRow {
            day: 2,
            events: 15,
            sha256: sha256_hex(&state),
            state
        }
    );
    assert_eq!(
        store.run_policies(run).unwrap(),
        vec![("A".to_string(), "p".to_string(), 1)]
    );
    assert_eq!(store.runs().unwrap().len(), 1);
}

#[test]
fn a_writer_dropped_mid_day_keeps_the_completed_days_only() {
    let path = dir("mid-day").join("runs.db");
    let mut store = Store::open(&path).unwrap();
    let run = store.start_run(&new_run()).unwrap();
    let mut writer = RunWriter::start(&path, run).unwrap();
    for seq in 0..4 {
        write_event(&mut writer, seq, 0);
    }
    writer.end_day(day_end(0, 4)).unwrap();
    for seq in 4..20_000 {
        write_event(&mut writer, seq, 1);
    }
    drop(writer); // as if the process died during day 1

    let row = store.run(run).unwrap();
    assert_eq!(row.status, RunStatus::Running);
    assert_eq!((row.days_completed, row.events), (1, 4));
    assert_eq!(store.events(run, &EventFilter::default()).unwrap().len(), 4);
    assert_eq!(store.last_checkpoint(run).unwrap().unwrap().day, 0);
}

#[test]
fn truncating_after_a_checkpoint_removes_everything_later() {
    let path = dir("truncate").join("runs.db");
    let mut store = Store::open(&path).unwrap();
    let run = store.start_run(&new_run()).unwrap();
    let mut writer = RunWriter::start(&path, run).unwrap();
    for day in 0..3 {
        for seq in day as u64 * 2..day as u64 * 2 + 2 {
            write_event(&mut writer, seq, day);
        }
        writer.end_day(day_end(day, day as u64 * 2 + 2)).unwrap();
    }
    writer
        .finish(RunStatus::Failed, None, Some("boom".into()))
        .unwrap();
    assert_eq!(store.run(run).unwrap().error.as_deref(), Some("boom"));

    store.truncate_after(run, 0, 2).unwrap();
    store.reopen_run(run).unwrap();
    let row = store.run(run).unwrap();
    assert_eq!(
        (row.status, row.days_completed, row.events, row.error),
        (RunStatus::Running, 1, 2, None)
    );
    assert_eq!(store.events(run, &EventFilter::default()).unwrap().len(), 2);
    assert_eq!(store.agent_day_metrics(run).unwrap().len(), 1);
    // Only the latest checkpoint (day 2) was kept, and it is past the point truncated to.
    assert_eq!(store.last_checkpoint(run).unwrap(), None);
}

#[test]
fn the_registry_versions_policies_by_content() {
    let path = dir("registry").join("runs.db");
    let mut store = Store::open(&path).unwrap();
    let v1 = store
        .register_policy("p", "Starlark", "one", "alice")
        .unwrap();
    let again = store
        .register_policy("p", "Starlark", "one", "bob")
        .unwrap();
    let v2 = store
        .register_policy("p", "Starlark", "two", "bob")
        .unwrap();
    let other = store
        .register_policy("q", "FromJson", "one", "carol")
        .unwrap();
    assert_eq!((v1.version, v1.parent_version), (1, None));
    assert_eq!(again, v1, "the same text is the same version");
    assert_eq!(
        (v2.version, v2.parent_version, v2.created_by.as_str()),
        (2, Some(1), "bob")
    );
    assert_eq!((other.version, other.parent_version), (1, None));
    assert_eq!(v1.sha256, sha256_hex(b"one"));
    assert_eq!(store.policy_versions("p").unwrap(), vec![v1, v2]);
}

#[test]
fn a_tampered_checkpoint_is_refused() {
    let path = dir("tamper").join("runs.db");
    let mut store = Store::open(&path).unwrap();
    let run = store.start_run(&new_run()).unwrap();
    let mut writer = RunWriter::start(&path, run).unwrap();
    writer.end_day(day_end(0, 0)).unwrap();
    writer.finish(RunStatus::Completed, None, None).unwrap();
    let conn = rusqlite::Connection::open(&path).unwrap();
    conn.execute("UPDATE checkpoints SET state = x'00'", [])
        .unwrap();
    drop(conn);
    let error = store.last_checkpoint(run).unwrap_err().to_string();
    assert!(error.contains("does not match its hash"), "{error}");
}

#[test]
fn only_the_latest_checkpoint_is_kept() {
    let path = dir("latest").join("runs.db");
    let mut store = Store::open(&path).unwrap();
    let run = store.start_run(&new_run()).unwrap();
    let mut writer = RunWriter::start(&path, run).unwrap();
    for day in 0..3 {
        writer.end_day(day_end(day, 0)).unwrap();
    }
    writer.finish(RunStatus::Completed, None, None).unwrap();
    let conn = rusqlite::Connection::open(&path).unwrap();
    let count: i64 = conn
        .query_row("SELECT count(*) FROM checkpoints", [], |r| r.get(0))
        .unwrap();
    assert_eq!(count, 1);
    assert_eq!(store.last_checkpoint(run).unwrap().unwrap().day, 2);
}

#[test]
fn a_checkpoint_that_cannot_be_serialised_fails_the_day() {
    let path = dir("unserialisable").join("runs.db");
    let mut store = Store::open(&path).unwrap();
    let run = store.start_run(&new_run()).unwrap();
    let mut writer = RunWriter::start(&path, run).unwrap();
    let mut end = day_end(0, 0);
    end.checkpoint = Some(PendingCheckpoint {
        serialize: Box::new(|| Err("no".into())),
    });
    // The writer thread may report the failure as soon as `end_day` returns, or
    // only at `finish`: either way it is reported once.
    let early = writer.end_day(end).err();
    let late = writer.finish(RunStatus::Completed, None, None).err();
    let error = early.or(late).expect("the failure is reported").to_string();
    assert!(error.contains("the checkpoint after day 1: no"), "{error}");
    assert_eq!(
        store.run(run).unwrap().days_completed,
        0,
        "the day did not commit"
    );
}

#[test]
fn a_file_that_is_not_a_database_is_named_in_a_clear_error() {
    let path = dir("corrupt").join("runs.db");
    std::fs::write(
        &path,
        b"this is certainly not a SQLite database, just some text in a file".repeat(100),
    )
    .unwrap();
    let error = Store::open(&path).unwrap_err();
    assert!(matches!(error, StoreError::Corrupt { .. }), "{error:?}");
    let text = error.to_string();
    assert!(text.starts_with(&path.display().to_string()), "{text}");
    assert!(
        text.contains("not an rtgsim database, or damaged"),
        "{text}"
    );
}

#[test]
fn a_read_only_database_is_named_in_a_clear_error() {
    let dir = dir("read-only");
    let path = dir.join("runs.db");
    drop(Store::open(&path).unwrap());
    let mut permissions = std::fs::metadata(&path).unwrap().permissions();
    permissions.set_readonly(true);
    std::fs::set_permissions(&path, permissions).unwrap();
    // Root ignores file permissions; the test is only meaningful for other users.
    if std::fs::OpenOptions::new().write(true).open(&path).is_ok() {
        eprintln!("skipped: this user can write read-only files");
        return;
    }
    let error = Store::open(&path).unwrap_err();
    let text = error.to_string();
    assert!(text.starts_with(&path.display().to_string()), "{text}");
    assert!(
        matches!(
            error,
            StoreError::ReadOnly { .. } | StoreError::CannotOpen { .. }
        ),
        "{error:?}"
    );
}

#[test]
fn a_database_from_a_newer_rtgsim_is_refused() {
    let path = dir("newer").join("runs.db");
    drop(Store::open(&path).unwrap());
    let conn = rusqlite::Connection::open(&path).unwrap();
    conn.pragma_update(None, "user_version", 999).unwrap();
    drop(conn);
    let error = Store::open(&path).unwrap_err().to_string();
    assert!(
        error.contains("written by a newer rtgsim (schema 999, this build reads up to 6)"),
        "{error}"
    );
}

#[test]
fn a_database_locked_by_another_writer_is_named_in_a_clear_error() {
    let path = dir("locked").join("runs.db");
    let mut store = Store::open(&path).unwrap();
    let blocker = rusqlite::Connection::open(&path).unwrap();
    blocker
        .busy_timeout(std::time::Duration::from_millis(1))
        .unwrap();
    blocker.execute_batch("BEGIN EXCLUSIVE").unwrap();
    // The store waits its busy timeout, then says who is in the way.
    let error = store.start_run(&new_run()).unwrap_err();
    assert!(matches!(error, StoreError::Locked { .. }), "{error:?}");
    assert!(
        error.to_string().contains("locked by another process"),
        "{error}"
    );
    blocker.execute_batch("ROLLBACK").unwrap();
}

#[test]
fn a_missing_run_and_a_missing_file_are_clear() {
    let dir = dir("missing");
    let store = Store::open(&dir.join("runs.db")).unwrap();
    assert!(matches!(
        store.run(42),
        Err(StoreError::NoRun { run: 42, .. })
    ));
    let error = Store::open_read_only(&dir.join("nope.db"))
        .unwrap_err()
        .to_string();
    assert!(
        error.contains("nope.db: cannot open the database: no such file"),
        "{error}"
    );
}

/// The audit chain of a run whose `day` ends each hold the given number of records:
/// rows linked as the governance crate links them (the store does not care how).
fn audit_chain(records_per_day: &[u64]) -> Vec<AuditRow> {
    let mut rows: Vec<AuditRow> = Vec::new();
    for (day, &count) in records_per_day.iter().enumerate() {
        for n in 0..count {
            let seq = rows.len() as u64;
            let prev_hash = rows.last().map_or("0".repeat(64), |r| r.hash.clone());
            let body = format!(
                r#"{{"decision":"HALT","prev_hash":"{prev_hash}","seq":{seq},"tick":{n}}}"#
            );
            rows.push(AuditRow {
                seq,
                day: day as u32,
                tick: day as u32 * 2 + n as u32 % 2,
                kind: if n.is_multiple_of(2) { "gate" } else { "latch" }.into(),
                hash: sha256_hex(body.as_bytes()),
                body,
                prev_hash,
            });
        }
    }
    rows
}

/// Writes a run of `records_per_day.len()` days with those audit records (and an
/// event a day), each day ended; returns the rows written.
fn write_audited_run(
    path: &std::path::Path,
    run: i64,
    records_per_day: &[u64],
    status: RunStatus,
) -> Vec<AuditRow> {
    let rows = audit_chain(records_per_day);
    let mut writer = RunWriter::start(path, run).unwrap();
    for day in 0..records_per_day.len() as u32 {
        write_event(&mut writer, u64::from(day), day);
        for row in rows.iter().filter(|r| r.day == day) {
            writer.audit(row.clone());
        }
        writer.end_day(day_end(day, u64::from(day) + 1)).unwrap();
    }
    writer.finish(status, None, None).unwrap();
    rows
}

fn head_of(rows: &[AuditRow]) -> Option<(u64, String)> {
    rows.last().map(|r| (rows.len() as u64, r.hash.clone()))
}

#[test]
fn audit_rows_come_back_in_seq_order_with_the_chain_head() {
    let path = dir("audit-round-trip").join("runs.db");
    let mut store = Store::open(&path).unwrap();
    let run = store.start_run(&new_run()).unwrap();
    assert_eq!(store.audit_head(run).unwrap(), None);
    // Day 1 writes no record: its head is day 0's. Day 2 writes more than a batch.
    let rows = write_audited_run(&path, run, &[3, 0, 600], RunStatus::Completed);

    assert_eq!(store.audit_rows(run).unwrap(), rows);
    assert_eq!(store.audit_head(run).unwrap(), head_of(&rows));
    assert_eq!(store.events(run, &EventFilter::default()).unwrap().len(), 3);

    let other = store.start_run(&new_run()).unwrap();
    assert_eq!(store.audit_rows(other).unwrap(), vec![]);
    assert_eq!(store.audit_head(other).unwrap(), None);
    assert!(matches!(
        store.audit_rows(42),
        Err(StoreError::NoRun { run: 42, .. })
    ));
}

#[test]
fn audit_rows_commit_with_their_day_or_not_at_all() {
    let path = dir("audit-mid-day").join("runs.db");
    let mut store = Store::open(&path).unwrap();
    let run = store.start_run(&new_run()).unwrap();
    let rows = audit_chain(&[2, 3]);
    let mut writer = RunWriter::start(&path, run).unwrap();
    for row in &rows[..2] {
        writer.audit(row.clone());
    }
    writer.end_day(day_end(0, 0)).unwrap();
    for row in &rows[2..] {
        writer.audit(row.clone());
    }
    drop(writer); // as if the process died during day 1

    assert_eq!(store.audit_rows(run).unwrap(), rows[..2]);
    assert_eq!(store.audit_head(run).unwrap(), head_of(&rows[..2]));

    // A run that stops keeps only its whole days, its audit records included.
    let stopped = store.start_run(&new_run()).unwrap();
    let mut writer = RunWriter::start(&path, stopped).unwrap();
    for row in &rows[..2] {
        writer.audit(row.clone());
    }
    writer.finish(RunStatus::Interrupted, None, None).unwrap();
    assert_eq!(store.audit_rows(stopped).unwrap(), vec![]);
    assert_eq!(store.audit_head(stopped).unwrap(), None);
}

#[test]
fn truncating_after_a_checkpoint_drops_later_audit_rows_and_restores_the_head() {
    let path = dir("audit-truncate").join("runs.db");
    let mut store = Store::open(&path).unwrap();
    let run = store.start_run(&new_run()).unwrap();
    let rows = write_audited_run(&path, run, &[2, 0, 3], RunStatus::Failed);

    // Back to day 1, which wrote no record: the head is the one day 0 wrote.
    store.truncate_after(run, 1, 2).unwrap();
    assert_eq!(store.audit_rows(run).unwrap(), rows[..2]);
    assert_eq!(store.audit_head(run).unwrap(), head_of(&rows[..2]));

    // The resumed run continues the chain from there.
    store.reopen_run(run).unwrap();
    let mut writer = RunWriter::start(&path, run).unwrap();
    for row in &rows[2..] {
        writer.audit(row.clone());
    }
    writer.end_day(day_end(2, 3)).unwrap();
    writer.finish(RunStatus::Completed, None, None).unwrap();
    assert_eq!(store.audit_rows(run).unwrap(), rows);
    assert_eq!(store.audit_head(run).unwrap(), head_of(&rows));

    store.truncate_after(run, 0, 1).unwrap();
    assert_eq!(store.audit_head(run).unwrap(), head_of(&rows[..2]));
}

#[test]
fn a_tampered_audit_row_reads_back_as_stored() {
    let path = dir("audit-tamper").join("runs.db");
    let mut store = Store::open(&path).unwrap();
    let run = store.start_run(&new_run()).unwrap();
    let rows = write_audited_run(&path, run, &[4], RunStatus::Completed);
    let conn = rusqlite::Connection::open(&path).unwrap();

    // The table refuses a change made by mistake...
    let refused = conn
        .execute("UPDATE audit_records SET body = 'x' WHERE seq = 1", [])
        .unwrap_err()
        .to_string();
    assert!(
        refused.contains("audit records are append-only"),
        "{refused}"
    );

    // ...but not one made on purpose; that is for the chain check to find, so the
    // store must hand the row back exactly as it now is.
    conn.execute_batch(
        "DROP TRIGGER audit_records_are_append_only;
         UPDATE audit_records SET body = replace(body, 'HALT', 'ALLOW') WHERE seq = 1;
         UPDATE audit_records SET hash = 42 WHERE seq = 2;
         UPDATE audit_records SET prev_hash = CAST(x'ff61' AS TEXT) WHERE seq = 3;",
    )
    .unwrap();
    drop(conn);
    let read = store.audit_rows(run).unwrap();
    assert_eq!(read[0], rows[0]);
    assert_eq!(read[1].body, rows[1].body.replace("HALT", "ALLOW"));
    assert_eq!(read[2].hash, "42");
    assert_eq!(read[3].prev_hash, "\u{fffd}a");
    assert_eq!(
        store.audit_head(run).unwrap(),
        head_of(&rows),
        "the head is not the rows"
    );
}

#[test]
fn a_run_with_an_audit_trail_cannot_be_deleted() {
    let path = dir("audit-delete").join("runs.db");
    let mut store = Store::open(&path).unwrap();
    let run = store.start_run(&new_run()).unwrap();
    write_audited_run(&path, run, &[1], RunStatus::Completed);
    let conn = rusqlite::Connection::open(&path).unwrap();
    conn.execute_batch("PRAGMA foreign_keys = ON").unwrap();
    let refused = conn
        .execute("DELETE FROM runs WHERE id = ?1", [run])
        .unwrap_err()
        .to_string();
    assert!(
        refused.contains("FOREIGN KEY constraint failed"),
        "{refused}"
    );
}

#[test]
fn a_new_database_has_the_audit_tables_at_the_current_schema_version() {
    let path = dir("audit-schema").join("runs.db");
    drop(Store::open(&path).unwrap());
    let conn = rusqlite::Connection::open(&path).unwrap();
    let version: i64 = conn
        .query_row("PRAGMA user_version", [], |r| r.get(0))
        .unwrap();
    assert_eq!((version, SCHEMA_VERSION), (6, 6));
    for table in ["audit_records", "audit_heads"] {
        let rows: i64 = conn
            .query_row(&format!("SELECT count(*) FROM {table}"), [], |r| r.get(0))
            .unwrap();
        assert_eq!(rows, 0, "{table}");
    }
}
