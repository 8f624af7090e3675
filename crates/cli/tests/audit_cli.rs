//! `rtgsim audit verify | show` on databases holding a real audit chain, intact and
//! tampered with behind the store's back.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test helpers fail loudly

#[path = "support/audit.rs"]
mod support;

use rtgsim_governance::audit::genesis_hash;
use rtgsim_persistence::Store;
use support::*;

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
