//! The registry's lifecycle against a real store, with a stand-in sealer.
#![allow(clippy::unwrap_used)] // tests fail loudly

use super::*;
use VersionStatus::*;

fn store(name: &str) -> Store {
    let dir = std::env::temp_dir().join(format!("rtgsim-lifecycle-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    Store::open(&dir.join("registry.db")).unwrap()
}

/// A stand-in for the governance chain: the body names the transition, the
/// hash is the SHA-256 of the body, and every call is remembered.
#[derive(Default)]
struct Recorder {
    calls: Vec<(u64, Option<String>, String)>,
}

impl Recorder {
    fn seal(&mut self) -> impl FnMut(&Transition, u64, Option<&str>) -> AuditRow + '_ {
        |transition, seq, prev| {
            let body = format!(
                "{} {} {:?}->{} other={:?}",
                transition.change,
                transition.version.id,
                transition.from,
                transition.version.status,
                transition.other
            );
            self.calls
                .push((seq, prev.map(str::to_string), body.clone()));
            AuditRow {
                seq,
                day: 0,
                tick: 0,
                kind: "registry".into(),
                hash: crate::sha256_hex(body.as_bytes()),
                body,
                prev_hash: prev.unwrap_or("genesis").to_string(),
            }
        }
    }
}

fn add(store: &mut Store, rec: &mut Recorder, agent: &str, text: &str, parent: Option<i64>) -> i64 {
    let new = NewRegistryVersion {
        agent: agent.into(),
        language: PolicyLanguage::Starlark,
        text: text.into(),
        parent_id: parent,
        author: "optimizer:llm-7".into(),
    };
    store
        .add_registry_version(&new, &mut rec.seal())
        .unwrap()
        .version
        .id
}

fn change(
    store: &mut Store,
    rec: &mut Recorder,
    id: i64,
    change: StatusChange,
) -> Result<Transition, StoreError> {
    store.change_registry_status(id, &change, &mut rec.seal())
}

fn statuses(store: &Store) -> Vec<(i64, VersionStatus)> {
    store
        .registry_versions(None)
        .unwrap()
        .iter()
        .map(|v| (v.id, v.status))
        .collect()
}

#[test]
fn a_version_3_database_migrates_keeping_its_runs_and_gets_an_empty_registry() {
    let dir = std::env::temp_dir().join(format!("rtgsim-lifecycle-v3-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("runs.db");
    let conn = rusqlite::Connection::open(&path).unwrap();
    for migration in &crate::schema::MIGRATIONS[..3] {
        conn.execute_batch(migration).unwrap();
    }
    conn.pragma_update(None, "user_version", 3).unwrap();
    conn.execute(
        "INSERT INTO runs (seed, code_version, status, days_total, started_at)
         VALUES (11, '0.1.0', 'completed', 1, 0)",
        [],
    )
    .unwrap();
    drop(conn);

    let store = Store::open(&path).unwrap();
    assert_eq!(crate::SCHEMA_VERSION, 6);
    assert_eq!(store.run(1).unwrap().seed, 11);
    assert_eq!(store.registry_versions(None).unwrap(), vec![]);
    assert_eq!(store.registry_audit_head().unwrap(), None);
}

#[test]
fn a_version_is_added_proposed_with_its_hash_parent_and_author() {
    let mut store = store("add");
    let mut rec = Recorder::default();
    let first = add(
        &mut store,
        &mut rec,
        "BANK_A",
        "def decide(p):\n  return 'release'\n",
        None,
    );
    let second = add(&mut store, &mut rec, "BANK_A", "x = 1\n", Some(first));
    let version = store.registry_version(second).unwrap();
    assert_eq!(version.status, Proposed);
    assert_eq!(version.parent_id, Some(first));
    assert_eq!(version.author, "optimizer:llm-7");
    // sha256("x = 1\n"), by `printf 'x = 1\n' | sha256sum`.
    assert_eq!(
        version.sha256,
        "9e26bf369911c45c243c684147b23fc9e1dcfcf257d299a1c632016a6fcd33f4"
    );
    // The same text again is refused, and so is a parent of another agent.
    let again = NewRegistryVersion {
        agent: "BANK_A".into(),
        language: PolicyLanguage::Starlark,
        text: "x = 1\n".into(),
        parent_id: None,
        author: "user:alice".into(),
    };
    let error = store
        .add_registry_version(&again, &mut rec.seal())
        .unwrap_err();
    assert!(
        error
            .to_string()
            .contains("already has this text as version 2 (proposed)"),
        "{error}"
    );
    let foreign = NewRegistryVersion {
        agent: "BANK_B".into(),
        parent_id: Some(first),
        ..again
    };
    let error = store
        .add_registry_version(&foreign, &mut rec.seal())
        .unwrap_err();
    assert!(
        error
            .to_string()
            .contains("version 1, is BANK_A's, not BANK_B's"),
        "{error}"
    );
    assert_eq!(
        store.registry_audit_head().unwrap().unwrap().0,
        2,
        "refusals are not recorded"
    );
}

#[test]
fn deploying_replaces_the_deployed_version_and_rollback_restores_it() {
    let mut store = store("deploy");
    let mut rec = Recorder::default();
    let v1 = add(&mut store, &mut rec, "BANK_A", "v1", None);
    let v2 = add(&mut store, &mut rec, "BANK_A", "v2", Some(v1));
    let b1 = add(&mut store, &mut rec, "BANK_B", "v1", None);
    change(&mut store, &mut rec, v1, StatusChange::Deploy).unwrap();
    change(&mut store, &mut rec, b1, StatusChange::Deploy).unwrap();
    assert_eq!(
        statuses(&store),
        vec![(v1, Deployed), (v2, Proposed), (b1, Deployed)]
    );

    let t = change(&mut store, &mut rec, v2, StatusChange::Deploy).unwrap();
    assert_eq!(
        (t.from, t.version.status, t.other),
        (Some(Proposed), Deployed, Some((v1, Deployed, Accepted)))
    );
    assert_eq!(t.version.replaced_id, Some(v1));
    assert_eq!(
        statuses(&store),
        vec![(v1, Accepted), (v2, Deployed), (b1, Deployed)]
    );
    assert_eq!(
        store
            .deployed_registry_version("BANK_A")
            .unwrap()
            .unwrap()
            .id,
        v2
    );

    let t = change(&mut store, &mut rec, v2, StatusChange::Rollback).unwrap();
    assert_eq!(
        (t.from, t.version.status, t.other),
        (Some(Deployed), RolledBack, Some((v1, Accepted, Deployed)))
    );
    assert_eq!(
        statuses(&store),
        vec![(v1, Deployed), (v2, RolledBack), (b1, Deployed)]
    );
    // v1 replaced nothing: there is nothing to roll back to, and nothing changes.
    let error = change(&mut store, &mut rec, v1, StatusChange::Rollback).unwrap_err();
    assert!(
        error.to_string().contains("replaced no deployed version"),
        "{error}"
    );
    assert_eq!(
        statuses(&store),
        vec![(v1, Deployed), (v2, RolledBack), (b1, Deployed)]
    );
}

#[test]
fn transitions_the_status_does_not_allow_are_refused_and_change_nothing() {
    let mut store = store("refused");
    let mut rec = Recorder::default();
    let v1 = add(&mut store, &mut rec, "BANK_A", "v1", None);
    change(&mut store, &mut rec, v1, StatusChange::Reject).unwrap();
    let head = store.registry_audit_head().unwrap();
    for refused in [
        StatusChange::Deploy,
        StatusChange::Approve,
        StatusChange::Accept,
        StatusChange::Rollback,
        StatusChange::RequestApproval {
            requested_by: "x:y".into(),
        },
    ] {
        let error = change(&mut store, &mut rec, v1, refused.clone()).unwrap_err();
        assert!(
            matches!(error, StoreError::Refused { .. }),
            "{refused:?}: {error}"
        );
        assert!(
            error.to_string().contains("version 1 (BANK_A) is rejected"),
            "{error}"
        );
    }
    assert_eq!(statuses(&store), vec![(v1, Rejected)]);
    assert_eq!(store.registry_audit_head().unwrap(), head);

    let v2 = add(&mut store, &mut rec, "BANK_A", "v2", None);
    change(
        &mut store,
        &mut rec,
        v2,
        StatusChange::RequestApproval {
            requested_by: "optimizer:llm-7".into(),
        },
    )
    .unwrap();
    let pending = store.registry_version(v2).unwrap();
    assert_eq!(
        (pending.status, pending.requested_by.as_deref()),
        (PendingApproval, Some("optimizer:llm-7"))
    );
    let error = change(&mut store, &mut rec, v2, StatusChange::Deploy).unwrap_err();
    assert!(
        error
            .to_string()
            .contains("waits for `rtgsim policy approve`"),
        "{error}"
    );
    change(&mut store, &mut rec, v2, StatusChange::Approve).unwrap();
    let deployed = store.registry_version(v2).unwrap();
    assert_eq!((deployed.status, deployed.requested_by), (Deployed, None));
    assert!(
        store
            .registry_version(99)
            .unwrap_err()
            .to_string()
            .contains("no policy version 99")
    );
}

#[test]
fn the_schema_keeps_one_deployed_version_per_agent() {
    let mut store = store("unique");
    let mut rec = Recorder::default();
    let v1 = add(&mut store, &mut rec, "BANK_A", "v1", None);
    let v2 = add(&mut store, &mut rec, "BANK_A", "v2", None);
    change(&mut store, &mut rec, v1, StatusChange::Deploy).unwrap();
    let second = store.conn.execute(
        "UPDATE registry_versions SET status = 'deployed' WHERE id = ?1",
        [v2],
    );
    assert!(
        second.is_err(),
        "a second deployed version for BANK_A was stored"
    );
}

#[test]
fn every_transition_is_sealed_at_the_next_chain_position() {
    let mut store = store("chain");
    let mut rec = Recorder::default();
    let v1 = add(&mut store, &mut rec, "BANK_A", "v1", None);
    change(&mut store, &mut rec, v1, StatusChange::Accept).unwrap();
    change(&mut store, &mut rec, v1, StatusChange::Deploy).unwrap();
    let rows = store.registry_audit_rows().unwrap();
    let seqs: Vec<u64> = rec.calls.iter().map(|(seq, _, _)| *seq).collect();
    assert_eq!(seqs, vec![0, 1, 2]);
    assert_eq!(
        rec.calls[0].1, None,
        "the first record links to the caller's genesis"
    );
    assert_eq!(rec.calls[1].1.as_deref(), Some(rows[0].hash.as_str()));
    assert_eq!(rec.calls[2].1.as_deref(), Some(rows[1].hash.as_str()));
    assert_eq!(rows[2].body, "deploy 1 Some(Accepted)->deployed other=None");
    assert_eq!(
        store.registry_audit_head().unwrap(),
        Some((3, rows[2].hash.clone()))
    );
    // Stored records cannot be changed or removed through SQL by accident.
    assert!(
        store
            .conn
            .execute("UPDATE registry_audit_records SET body = 'x'", [])
            .is_err()
    );
    assert!(
        store
            .conn
            .execute("DELETE FROM registry_audit_records", [])
            .is_err()
    );
}

#[test]
fn a_sealer_that_does_not_continue_the_chain_writes_nothing() {
    let mut store = store("badseal");
    let new = NewRegistryVersion {
        agent: "BANK_A".into(),
        language: PolicyLanguage::Json,
        text: "{}".into(),
        parent_id: None,
        author: "user:alice".into(),
    };
    let mut wrong = |_: &Transition, seq: u64, _: Option<&str>| AuditRow {
        seq: seq + 1,
        day: 0,
        tick: 0,
        kind: "registry".into(),
        body: String::new(),
        prev_hash: String::new(),
        hash: String::new(),
    };
    assert!(store.add_registry_version(&new, &mut wrong).is_err());
    assert_eq!(store.registry_versions(None).unwrap(), vec![]);
}

#[test]
fn an_evaluation_attaches_to_a_proposed_version_only() {
    let mut store = store("evaluation");
    let mut rec = Recorder::default();
    let v1 = add(&mut store, &mut rec, "BANK_A", "v1", None);
    let error = store.attach_evaluation(v1, "{not json").unwrap_err();
    assert!(error.to_string().contains("is not JSON"), "{error}");
    store
        .attach_evaluation(v1, r#"{"verdict":"accept"}"#)
        .unwrap();
    let version = store.registry_version(v1).unwrap();
    assert_eq!(
        version.evaluation.as_deref(),
        Some(r#"{"verdict":"accept"}"#)
    );
    assert_eq!(
        version.evaluation_sha256,
        Some(crate::sha256_hex(br#"{"verdict":"accept"}"#))
    );
    change(&mut store, &mut rec, v1, StatusChange::Accept).unwrap();
    let error = store.attach_evaluation(v1, "{}").unwrap_err();
    assert!(
        error
            .to_string()
            .contains("is accepted: an evaluation is attached only to a proposed version"),
        "{error}"
    );
}
