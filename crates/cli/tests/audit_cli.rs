//! `rtgsim audit verify | show` on databases holding a real audit chain, intact and
//! tampered with behind the store's back.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test helpers fail loudly

use rtgsim_governance::audit::{AuditChain, AuditEntry, genesis_hash};
use rtgsim_persistence::{AuditRow, DayEnd, NewRun, RunStatus, RunWriter, Store};
use sha2::{Digest, Sha256};
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn rtgsim(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_rtgsim"))
        .args(args)
        .output()
        .expect("rtgsim runs")
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

/// A fresh directory for one test's database.
fn dir(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("rtgsim-audit-cli-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// A run of `days` days whose inputs fingerprint is `inputs` (the store takes it as
/// given; these runs are written here, not by a simulation).
fn new_run(days: u32, inputs: &str) -> NewRun {
    NewRun {
        scenario: r#"{"simulation":{"ticks_per_day":10,"num_days":2}}"#.into(),
        files: "{}".into(),
        seed: 7,
        code_version: "test".into(),
        days_total: days,
        state_from_run: None,
        inputs_sha256: inputs.into(),
    }
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn day_end(day: u32, events: u64) -> DayEnd {
    DayEnd {
        day,
        events,
        metrics: Vec::new(),
        states: Vec::new(),
        checkpoint: None,
    }
}

/// Decision `n` of the day, as the release gate would report it.
fn entry(day: u32, n: u32) -> AuditEntry {
    let halted = n % 3 == 2;
    AuditEntry {
        day,
        tick: day * 10 + n,
        agent: Some(
            if n.is_multiple_of(2) {
                "BANK_A"
            } else {
                "BANK_B"
            }
            .into(),
        ),
        tx: Some(format!("TX_{:06}", day * 100 + n)),
        kind: "gate".into(),
        inputs: [("queue_value".to_string(), serde_json::json!(1000 * n))].into(),
        decision: if halted { "HALT" } else { "ALLOW" }.into(),
        reason_code: if halted {
            "HALT_KILL_SWITCH"
        } else {
            "ALLOW_ALL_GATES_PASSED"
        }
        .into(),
        blocking_gate: halted.then(|| "kill_switch".into()),
        rank: halted.then_some(1),
        ..AuditEntry::default()
    }
}

/// Stores a run of `records_per_day.len()` days whose audit chain holds that many
/// records each day, sealed by the governance crate's `AuditChain` from the run's
/// genesis and written by the `RunWriter` as the simulator writes them: each record
/// both as an `audit` event of the event log and as a row of the chain. Each run
/// of a database has inputs of its own. Returns the run id.
fn store_audited_run(path: &Path, records_per_day: &[u32]) -> i64 {
    store_run(path, records_per_day, false)
}

/// A run as [`store_audited_run`] writes it, or (`legacy`) as an rtgsim before
/// chains were bound wrote it: no inputs fingerprint, a chain from 64 zeros whose
/// bodies say `"run": 0`.
fn store_run(path: &Path, records_per_day: &[u32], legacy: bool) -> i64 {
    let mut store = Store::open(path).unwrap();
    let inputs = format!("{:064x}", store.runs().unwrap().len() + 1);
    let run = store
        .start_run(&new_run(records_per_day.len() as u32, &inputs))
        .unwrap();
    drop(store);
    let genesis = if legacy {
        rtgsim_governance::audit::GENESIS_HASH.to_string()
    } else {
        genesis_hash(&inputs, 7)
    };
    let mut chain = AuditChain::new(&genesis);
    let mut writer = RunWriter::start(path, run).unwrap();
    let mut lines = Vec::new();
    for (day, &records) in records_per_day.iter().enumerate() {
        let day = day as u32;
        for n in 0..records {
            let mut record = chain.append(entry(day, n));
            if legacy {
                // Sealed as the old code sealed it, with the run in the body.
                record.run = Some(0);
                record.hash = hex(&Sha256::digest(record.body().as_bytes()));
                chain = AuditChain::resume(record.seq + 1, record.hash.clone());
            }
            let link = record.to_link();
            let line = format!(
                "{{\"tick\":{},\"kind\":\"audit\",\"record\":{},\"hash\":\"{}\"}}\n",
                record.tick, link.body, link.hash
            );
            writer.event(lines.len() as u64, day, line.as_bytes());
            lines.push(line);
            writer.audit(AuditRow {
                seq: link.seq,
                day: record.day,
                tick: record.tick,
                kind: record.kind.clone(),
                body: link.body,
                prev_hash: link.prev_hash,
                hash: link.hash,
            });
        }
        let line = format!(
            "{{\"tick\":{},\"kind\":\"day_ended\",\"day\":{day}}}\n",
            day * 10 + 9
        );
        writer.event(lines.len() as u64, day, line.as_bytes());
        lines.push(line);
        writer.end_day(day_end(day, lines.len() as u64)).unwrap();
    }
    let hash = hex(&Sha256::digest(lines.concat().as_bytes()));
    writer
        .finish(RunStatus::Completed, Some(hash), None)
        .unwrap();
    if legacy {
        let conn = rusqlite::Connection::open(path).unwrap();
        conn.execute("UPDATE runs SET inputs_sha256 = NULL WHERE id = ?1", [run])
            .unwrap();
    }
    run
}

/// A connection that writes behind the store's back, as an attacker with the file
/// would: the append-only triggers are a guard against accidents, so they go first.
fn attacker(path: &Path) -> rusqlite::Connection {
    let conn = rusqlite::Connection::open(path).unwrap();
    conn.execute_batch(
        "DROP TRIGGER IF EXISTS audit_records_are_append_only;
         DROP TRIGGER IF EXISTS audit_records_of_completed_days_stay;
         DROP TRIGGER IF EXISTS audit_heads_of_completed_days_stay;
         DROP TRIGGER IF EXISTS audit_heads_of_completed_days_are_fixed;",
    )
    .unwrap();
    conn
}

fn verify(path: &Path, run: i64, json: bool) -> Output {
    let db = path.display().to_string();
    let run = run.to_string();
    let mut args = vec!["audit", "verify", "--db", &db, &run];
    if json {
        args.push("--json");
    }
    rtgsim(&args)
}

#[test]
fn an_intact_chain_verifies_with_its_count_and_head() {
    let path = dir("intact").join("runs.db");
    let run = store_audited_run(&path, &[4, 0, 3]);

    let out = verify(&path, run, false);
    assert_eq!(out.status.code(), Some(0), "stderr: {}", text(&out.stderr));
    let stdout = text(&out.stdout);
    assert!(
        stdout.starts_with(&format!(
            "run {run}: audit chain intact: 7 records, as its event log; head "
        )),
        "{stdout}"
    );

    let out = verify(&path, run, true);
    assert_eq!(out.status.code(), Some(0), "stderr: {}", text(&out.stderr));
    let doc: serde_json::Value = serde_json::from_slice(&out.stdout).expect("one JSON object");
    assert_eq!(doc["run"], run);
    assert_eq!(doc["ok"], true);
    assert_eq!(doc["records"], 7);
    let head = Store::open_read_only(&path)
        .unwrap()
        .audit_head(run)
        .unwrap()
        .unwrap();
    assert_eq!(doc["head"], head.1.as_str());
    assert!(doc.get("problem").is_none());
}

#[test]
fn a_chain_written_before_chains_were_bound_still_verifies_and_says_so() {
    let path = dir("legacy").join("runs.db");
    let run = store_run(&path, &[2, 3], true);
    let bodies = Store::open_read_only(&path)
        .unwrap()
        .audit_rows(run)
        .unwrap();
    assert!(bodies[0].body.contains("\"run\":0,"), "{}", bodies[0].body);
    assert_eq!(bodies[0].prev_hash, "0".repeat(64));

    let out = verify(&path, run, false);
    let stdout = text(&out.stdout);
    assert_eq!(out.status.code(), Some(0), "{stdout}");
    assert!(
        stdout.contains("audit chain intact: 5 records, as its event log")
            && stdout.contains("note: stored before chains were bound to their run"),
        "{stdout}"
    );
}

#[test]
fn a_run_without_audit_records_verifies_empty() {
    let path = dir("empty").join("runs.db");
    let run = store_audited_run(&path, &[0, 0]);
    let out = verify(&path, run, false);
    assert_eq!(out.status.code(), Some(0), "stderr: {}", text(&out.stderr));
    // An empty chain's head is its genesis.
    assert_eq!(
        text(&out.stdout),
        format!(
            "run {run}: audit chain intact: no records, as its event log; head {}\n",
            genesis_hash(&format!("{:064x}", 1), 7)
        )
    );
}

#[test]
fn a_tampered_record_fails_and_is_named() {
    let path = dir("tampered").join("runs.db");
    let run = store_audited_run(&path, &[3, 3]);
    // Turn record 4's ALLOW into a HALT: its hash no longer matches its body.
    let changed = attacker(&path)
        .execute(
            "UPDATE audit_records SET body = replace(body, '\"decision\":\"ALLOW\"', '\"decision\":\"HALT\"')
             WHERE run_id = ?1 AND seq = 4",
            [run],
        )
        .unwrap();
    assert_eq!(changed, 1);

    let out = verify(&path, run, false);
    assert_eq!(out.status.code(), Some(1), "stderr: {}", text(&out.stderr));
    let stdout = text(&out.stdout);
    assert!(
        stdout.contains("BROKEN at record 4 (seq 4): hash does not match its contents"),
        "{stdout}"
    );

    let out = verify(&path, run, true);
    assert_eq!(out.status.code(), Some(1));
    let doc: serde_json::Value = serde_json::from_slice(&out.stdout).expect("one JSON object");
    assert_eq!(doc["ok"], false);
    assert_eq!(doc["position"], 4);
    assert_eq!(doc["seq"], 4);
    assert!(
        doc["problem"]
            .as_str()
            .is_some_and(|p| p.starts_with("hash does not match")),
        "{doc}"
    );
}

#[test]
fn a_deleted_record_fails_and_is_named() {
    let path = dir("deleted").join("runs.db");
    let run = store_audited_run(&path, &[5]);
    attacker(&path)
        .execute(
            "DELETE FROM audit_records WHERE run_id = ?1 AND seq = 2",
            [run],
        )
        .unwrap();

    let out = verify(&path, run, false);
    assert_eq!(out.status.code(), Some(1), "stderr: {}", text(&out.stderr));
    let stdout = text(&out.stdout);
    assert!(
        stdout.contains("BROKEN at record 2 (seq 3): seq 3 where seq 2 belongs"),
        "{stdout}"
    );
}

#[test]
fn records_deleted_from_the_end_show_against_the_head() {
    let path = dir("truncated").join("runs.db");
    let run = store_audited_run(&path, &[5]);
    attacker(&path)
        .execute(
            "DELETE FROM audit_records WHERE run_id = ?1 AND seq >= 3",
            [run],
        )
        .unwrap();

    let out = verify(&path, run, false);
    assert_eq!(out.status.code(), Some(1), "stderr: {}", text(&out.stderr));
    let stdout = text(&out.stdout);
    assert!(
        stdout.contains(
            "BROKEN at record 3: missing: the chain head says 5 records but 3 are stored"
        ),
        "{stdout}"
    );
}

#[test]
fn records_without_a_head_are_not_taken_on_trust() {
    let path = dir("headless").join("runs.db");
    let run = store_audited_run(&path, &[2]);
    attacker(&path)
        .execute("DELETE FROM audit_heads WHERE run_id = ?1", [run])
        .unwrap();

    let out = verify(&path, run, false);
    assert_eq!(out.status.code(), Some(1), "stderr: {}", text(&out.stderr));
    let stdout = text(&out.stdout);
    assert!(
        stdout.contains("BROKEN at record 0 (seq 0): beyond the head: the chain head says 0 records but 2 are stored"),
        "{stdout}"
    );
}

#[test]
fn a_chain_copied_from_another_run_is_not_this_runs() {
    let path = dir("foreign").join("runs.db");
    let first = store_audited_run(&path, &[2]);
    let second = store_audited_run(&path, &[2]);
    // The second run's chain replaced by the first's, head included: every hash and
    // link holds, but it starts from the first run's genesis, and it is not the
    // chain of the second run's event log.
    let conn = attacker(&path);
    conn.execute("DELETE FROM audit_records WHERE run_id = ?1", [second])
        .unwrap();
    conn.execute(
        "INSERT INTO audit_records (run_id, seq, day, tick, kind, body, prev_hash, hash)
         SELECT ?2, seq, day, tick, kind, body, prev_hash, hash FROM audit_records WHERE run_id = ?1",
        [first, second],
    )
    .unwrap();
    conn.execute(
        "UPDATE audit_heads SET last_hash = (SELECT last_hash FROM audit_heads WHERE run_id = ?1)
         WHERE run_id = ?2",
        [first, second],
    )
    .unwrap();

    let out = verify(&path, second, false);
    assert_eq!(out.status.code(), Some(1), "stderr: {}", text(&out.stderr));
    let stdout = text(&out.stdout);
    assert!(
        stdout.contains(
            "BROKEN at record 0 (seq 0): prev_hash is not the hash of the record before it (for record 0: the run's genesis"
        ),
        "{stdout}"
    );
    assert!(
        stdout.contains("record 0 (seq 0): the audit table's record is not the event log's"),
        "{stdout}"
    );
    assert_eq!(verify(&path, first, false).status.code(), Some(0));
}

#[test]
fn a_chain_recomputed_from_the_genesis_is_not_the_event_logs() {
    let path = dir("recomputed").join("runs.db");
    let run = store_audited_run(&path, &[3]);
    // Every record rewritten (a HALT made an ALLOW) and the chain re-sealed from the
    // run's own genesis, its head moved: the chain is consistent in itself.
    let mut chain = AuditChain::new(&genesis_hash(&format!("{:064x}", 1), 7));
    let conn = attacker(&path);
    conn.execute("DELETE FROM audit_records WHERE run_id = ?1", [run])
        .unwrap();
    for n in 0..3 {
        let mut forged = entry(0, n);
        forged.decision = "ALLOW".into();
        let link = chain.append(forged).to_link();
        conn.execute(
            "INSERT INTO audit_records (run_id, seq, day, tick, kind, body, prev_hash, hash)
             VALUES (?1, ?2, 0, ?3, 'gate', ?4, ?5, ?6)",
            rusqlite::params![run, link.seq, n, link.body, link.prev_hash, link.hash],
        )
        .unwrap();
    }
    conn.execute(
        "UPDATE audit_heads SET last_hash = ?2 WHERE run_id = ?1",
        rusqlite::params![run, chain.last_hash()],
    )
    .unwrap();

    let out = verify(&path, run, false);
    assert_eq!(out.status.code(), Some(1), "stderr: {}", text(&out.stderr));
    let stdout = text(&out.stdout);
    assert!(
        stdout.starts_with(&format!(
            "run {run}: audit chain NOT the run's (3 records stored)"
        )),
        "{stdout}"
    );
    // Record 2 (the HALT) is the first whose hash differs from the event log's.
    assert!(
        stdout.contains("record 2 (seq 2): the audit table's record is not the event log's"),
        "{stdout}"
    );
}

#[test]
fn deleting_all_of_a_runs_records_and_heads_is_caught() {
    let path = dir("delete-all").join("runs.db");
    let run = store_audited_run(&path, &[2, 3]);
    // Without dropping the triggers, the audit tables refuse.
    let plain = rusqlite::Connection::open(&path).unwrap();
    for table in ["audit_records", "audit_heads"] {
        let refused = plain
            .execute(&format!("DELETE FROM {table} WHERE run_id = ?1"), [run])
            .unwrap_err()
            .to_string();
        assert!(refused.contains("append-only"), "{table}: {refused}");
    }
    drop(plain);
    let conn = attacker(&path);
    conn.execute("DELETE FROM audit_records WHERE run_id = ?1", [run])
        .unwrap();
    conn.execute("DELETE FROM audit_heads WHERE run_id = ?1", [run])
        .unwrap();

    let out = verify(&path, run, false);
    assert_eq!(out.status.code(), Some(1), "stderr: {}", text(&out.stderr));
    let stdout = text(&out.stdout);
    assert!(
        stdout.contains(
            "the run's event log holds 5 audit records, the audit table 0: the stored chain is not the one the run wrote"
        ),
        "{stdout}"
    );
}

#[test]
fn an_expected_head_anchors_the_chain() {
    let path = dir("expect-head").join("runs.db");
    let run = store_audited_run(&path, &[2, 1]);
    let head = Store::open_read_only(&path)
        .unwrap()
        .audit_head(run)
        .unwrap()
        .unwrap()
        .1;
    let db = path.display().to_string();
    let run_id = run.to_string();
    let out = rtgsim(&[
        "audit",
        "verify",
        "--db",
        &db,
        &run_id,
        "--expect-head",
        &head,
    ]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stdout));

    let other = "ab".repeat(32);
    let out = rtgsim(&[
        "audit",
        "verify",
        "--db",
        &db,
        &run_id,
        "--expect-head",
        &other,
    ]);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out.stdout));
    assert!(
        text(&out.stdout).contains(&format!(
            "the chain's head is {head}, not the expected {other}"
        )),
        "{}",
        text(&out.stdout)
    );
}

#[test]
fn a_missing_run_or_database_is_an_input_error() {
    let path = dir("missing").join("runs.db");
    let run = store_audited_run(&path, &[1]);

    let out = verify(&path, run + 41, false);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        text(&out.stderr).contains(&format!("no run {}", run + 41)),
        "{}",
        text(&out.stderr)
    );

    let nowhere = path.with_file_name("nowhere.db");
    let out = verify(&nowhere, 1, false);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        text(&out.stderr).contains("nowhere.db"),
        "{}",
        text(&out.stderr)
    );

    let not_a_database = path.with_file_name("notes.txt");
    std::fs::write(
        &not_a_database,
        "these are not the runs you are looking for\n",
    )
    .unwrap();
    let out = verify(&not_a_database, 1, false);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        text(&out.stderr).contains("notes.txt"),
        "{}",
        text(&out.stderr)
    );
}

#[test]
fn show_lists_each_record_with_its_decision_and_gate() {
    let path = dir("show").join("runs.db");
    let run = store_audited_run(&path, &[3]);
    let db = path.display().to_string();
    let run_id = run.to_string();

    let out = rtgsim(&["audit", "show", "--db", &db, &run_id]);
    assert_eq!(out.status.code(), Some(0), "stderr: {}", text(&out.stderr));
    let stdout = text(&out.stdout);
    let lines: Vec<&str> = stdout.lines().collect();
    assert_eq!(lines.len(), 4, "a header and three records:\n{stdout}");
    for expected in [
        "0/2",
        "BANK_A",
        "TX_000002",
        "HALT",
        "HALT_KILL_SWITCH",
        "kill_switch (1)",
    ] {
        assert!(
            lines[3].contains(expected),
            "{expected} missing from {}",
            lines[3]
        );
    }
    assert!(lines[1].contains("ALLOW_ALL_GATES_PASSED") && lines[1].ends_with('-'));

    let out = rtgsim(&[
        "audit", "show", "--db", &db, &run_id, "--limit", "1", "--json",
    ]);
    assert_eq!(out.status.code(), Some(0), "stderr: {}", text(&out.stderr));
    let bodies: Vec<serde_json::Value> = text(&out.stdout)
        .lines()
        .map(|line| serde_json::from_str(line).unwrap())
        .collect();
    assert_eq!(bodies.len(), 1);
    assert_eq!(bodies[0]["seq"], 0);
    assert!(bodies[0].get("run").is_none(), "bodies no longer say a run");
}

#[test]
fn a_governed_run_stores_a_chain_that_verifies_and_tampering_shows() {
    let path = dir("governed").join("runs.db");
    let db = path.display().to_string();
    let fixture = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../fixtures/governance.yaml"
    );
    let out = rtgsim(&["run", fixture, "--db", &db, "--json"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let summary: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let records = summary["governance"]["audit_records"].as_u64().unwrap();
    assert!(records > 100);

    let out = verify(&path, 1, false);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stdout));
    assert!(
        text(&out.stdout).contains(&format!("audit chain intact: {records} records")),
        "{}",
        text(&out.stdout)
    );
    // The stored head is the summary's, printed whole to be kept elsewhere.
    let head = summary["governance"]["audit_head"].as_str().unwrap();
    assert!(
        text(&out.stdout).contains(&format!("head {head}\n")),
        "{}",
        text(&out.stdout)
    );

    attacker(&path)
        .execute(
            "UPDATE audit_records SET body = replace(body, '\"HALT\"', '\"ALLOW\"') WHERE run_id = 1 AND seq = 0",
            [],
        )
        .unwrap();
    let out = verify(&path, 1, false);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        text(&out.stdout).contains("record 0 (seq 0)"),
        "{}",
        text(&out.stdout)
    );
}
