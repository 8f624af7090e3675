//! Helpers of the audit CLI tests: runs whose audit chain is sealed by the
//! governance crate and written by the store as the simulator writes them, and an
//! attacker's connection.
#![allow(dead_code, clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test helpers fail loudly

use rtgsim_governance::audit::{AuditChain, AuditEntry, genesis_hash};
use rtgsim_persistence::{AuditRow, DayEnd, NewRun, RunStatus, RunWriter, Store};
use sha2::{Digest, Sha256};
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

pub fn rtgsim(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_rtgsim"))
        .args(args)
        .output()
        .expect("rtgsim runs")
}

pub fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

/// A fresh directory for one test's database.
pub fn dir(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("rtgsim-audit-cli-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// A run of `days` days whose inputs fingerprint is `inputs` (the store takes it as
/// given; these runs are written here, not by a simulation).
pub fn new_run(days: u32, inputs: &str) -> NewRun {
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

pub fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

pub fn day_end(day: u32, events: u64) -> DayEnd {
    DayEnd {
        day,
        events,
        metrics: Vec::new(),
        states: Vec::new(),
        checkpoint: None,
    }
}

/// Decision `n` of the day, as the release gate would report it.
pub fn entry(day: u32, n: u32) -> AuditEntry {
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
pub fn store_audited_run(path: &Path, records_per_day: &[u32]) -> i64 {
    store_run(path, records_per_day, false)
}

/// A run as [`store_audited_run`] writes it, or (`legacy`) as an rtgsim before
/// chains were bound wrote it: no inputs fingerprint, a chain from 64 zeros whose
/// bodies say `"run": 0`.
pub fn store_run(path: &Path, records_per_day: &[u32], legacy: bool) -> i64 {
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
pub fn attacker(path: &Path) -> rusqlite::Connection {
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

pub fn verify(path: &Path, run: i64, json: bool) -> Output {
    let db = path.display().to_string();
    let run = run.to_string();
    let mut args = vec!["audit", "verify", "--db", &db, &run];
    if json {
        args.push("--json");
    }
    rtgsim(&args)
}
