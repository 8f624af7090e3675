//! `rtgsim audit verify` binds a stored chain to its run: a chain of another run, a
//! chain re-sealed from the run's own genesis, or one removed with its heads is not
//! the run's (its event log says otherwise); `--expect-head` anchors it outside the
//! database; a chain written before chains were bound still verifies, and says so.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test helpers fail loudly

#[path = "support/audit.rs"]
mod support;

use rtgsim_governance::audit::{AuditChain, genesis_hash};
use rtgsim_persistence::Store;
use support::*;

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
