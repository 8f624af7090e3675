//! `rtgsim policy ...` and `policy: {registry: ID}` with the real binary: the
//! approval path, refusals, rollback, the registry's audit chain (intact after the
//! transitions, and tampering detected), the diff by node.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // tests fail loudly

#[path = "support/registry.rs"]
mod support;

use serde_json::Value;
use support::*;

#[test]
fn require_approval_leaves_a_version_pending_until_an_allowed_principal_approves_it() {
    let place = Place::new("approval");
    let aware = tree("liquidity_aware.json");
    let out = place.policy(
        "add",
        &[&aware, "--agent", "BANK_A", "--as", "optimizer:llm-7"],
    );
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert_eq!(
        text(&out.stdout),
        "added version 1 for BANK_A (json, proposed) by optimizer:llm-7\n"
    );

    // The optimizer's deployment needs approval: pending, and it does not run.
    let out = place.policy("deploy", &["1", "--as", "optimizer:llm-7"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert!(
        text(&out.stdout).starts_with(
            "version 1 (BANK_A): proposed -> pending_approval (REQUIRE_APPROVAL, rule 0 at line 3)"
        ),
        "{}",
        text(&out.stdout)
    );
    assert_eq!(place.statuses(), statuses(&[(1, "pending_approval")]));
    let out = place.run("pending.yaml", "{ registry: 1 }");
    assert_eq!(out.status.code(), Some(2), "a pending version ran");
    let stderr = text(&out.stderr);
    assert!(
        stderr.contains(
            "agents[0].policy.registry: BANK_A's policy version 1 is pending_approval; only a deployed or accepted version runs"
        ),
        "{stderr}"
    );

    // A principal without policy.approve is refused, and nothing changes.
    let out = place.policy("approve", &["1", "--as", "user:intern-bo"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        text(&out.stderr).contains(
            "user:intern-bo may not approve version 1: policy.approve is DENY for it (the default"
        ),
        "{}",
        text(&out.stderr)
    );
    assert_eq!(place.statuses(), statuses(&[(1, "pending_approval")]));
    assert_eq!(place.audit().len(), 2, "a refusal is not a transition");

    // A lead approves: deployed, and it runs the tree's text.
    let out = place.policy("approve", &["1", "--as", "user:lead-ana"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert_eq!(
        text(&out.stdout),
        "version 1 (BANK_A): pending_approval -> deployed\n"
    );
    assert_eq!(place.statuses(), statuses(&[(1, "deployed")]));
    let from_registry = event_log_hash(&place.run("deployed.yaml", "{ registry: 1 }"));
    let from_file = event_log_hash(&place.run(
        "file.yaml",
        &format!("{{ type: FromJson, json_path: {aware} }}"),
    ));
    assert_eq!(
        from_registry, from_file,
        "the registry version is the file's text"
    );

    // Every step is in the registry's chain, which verifies.
    assert_eq!(
        place.audit(),
        vec![
            ("ADD".into(), "optimizer:llm-7".into(), 1, "proposed".into()),
            (
                "REQUEST_APPROVAL".into(),
                "optimizer:llm-7".into(),
                1,
                "pending_approval".into()
            ),
            (
                "APPROVE".into(),
                "user:lead-ana".into(),
                1,
                "deployed".into()
            ),
        ]
    );
    let out = place.verify();
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stdout));
    assert!(
        text(&out.stdout).starts_with("policy registry: audit chain intact: 3 records"),
        "{}",
        text(&out.stdout)
    );
}

#[test]
fn whoever_asked_for_a_deployment_cannot_approve_it_too() {
    let place = Place::new("four-eyes");
    let out = place.policy(
        "add",
        &[
            &tree("liquidity_aware.json"),
            "--agent",
            "BANK_A",
            "--as",
            "user:dual",
        ],
    );
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    // Without --as, the author asks.
    let out = place.policy("deploy", &["1"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let out = place.policy("approve", &["1", "--as", "user:dual"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        text(&out.stderr).contains(
            "user:dual asked for the deployment of version 1 (BANK_A) and cannot approve it too"
        ),
        "{}",
        text(&out.stderr)
    );
    assert_eq!(place.statuses(), statuses(&[(1, "pending_approval")]));
}

#[test]
fn a_tampered_registry_record_or_status_is_detected() {
    let place = Place::new("tamper");
    place.policy(
        "add",
        &[
            &tree("liquidity_aware.json"),
            "--agent",
            "BANK_A",
            "--as",
            "optimizer:llm-7",
        ],
    );
    place.policy("deploy", &["1", "--as", "optimizer:llm-7"]);
    assert_eq!(place.verify().status.code(), Some(0));

    // The status flipped behind the registry's back: the chain still holds, the
    // versions do not agree with it.
    let conn = rusqlite::Connection::open(place.db()).unwrap();
    conn.execute(
        "UPDATE registry_versions SET status = 'deployed' WHERE id = 1",
        [],
    )
    .unwrap();
    let said = broken_chain(&place);
    assert!(
        said.contains(
            "registry_versions: version 1 (BANK_A) is deployed, but the audit chain says pending_approval"
        ),
        "{said}"
    );
    conn.execute(
        "UPDATE registry_versions SET status = 'pending_approval' WHERE id = 1",
        [],
    )
    .unwrap();
    assert_eq!(place.verify().status.code(), Some(0));

    // A record rewritten to say an approver asked: its hash no longer matches.
    conn.execute_batch("DROP TRIGGER registry_audit_records_are_append_only")
        .unwrap();
    conn.execute(
        "UPDATE registry_audit_records SET body = replace(body, 'optimizer:llm-7', 'user:lead-ana') WHERE seq = 1",
        [],
    )
    .unwrap();
    let said = broken_chain(&place);
    assert!(
        said.starts_with(
            "policy registry: audit chain BROKEN at record 1 (seq 1): hash does not match its contents"
        ),
        "{said}"
    );
}

/// What `audit verify --registry` says of a chain it finds broken (exit code 1).
fn broken_chain(place: &Place) -> String {
    let out = place.verify();
    assert_eq!(out.status.code(), Some(1), "{}", text(&out.stdout));
    text(&out.stdout)
}

/// Three JSON versions for BANK_A added by a lead (2 derives from 1, 3 from 2),
/// then 1 and 2 deployed in turn.
fn three_versions_two_deployed(name: &str) -> Place {
    let place = Place::new(name);
    let aware = tree("liquidity_aware.json");
    let deadline = tree("deadline_simple.json");
    let multi = tree("multi_factor.json");
    for (file, parent) in [(&aware, None), (&deadline, Some("1")), (&multi, Some("2"))] {
        let mut args = vec![file.as_str(), "--agent", "BANK_A", "--as", "user:lead-ana"];
        if let Some(parent) = parent {
            args.extend_from_slice(&["--parent", parent]);
        }
        let out = place.policy("add", &args);
        assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    }
    assert_eq!(
        text(
            &place
                .policy("deploy", &["1", "--as", "user:lead-ana"])
                .stdout
        ),
        "version 1 (BANK_A): proposed -> deployed (ALLOW, rule 1 at line 6)\n"
    );
    let out = place.policy("deploy", &["2", "--as", "user:lead-ana"]);
    assert_eq!(
        text(&out.stdout),
        "version 2 (BANK_A): proposed -> deployed (ALLOW, rule 1 at line 6); version 1: deployed -> accepted\n"
    );

    place
}

#[test]
fn deny_refuses_and_a_rejected_version_neither_deploys_nor_runs() {
    let place = three_versions_two_deployed("deny");
    // DENY: nothing changes.
    let out = place.policy("deploy", &["3", "--as", "user:intern-bo"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        text(&out.stderr).contains(
            "user:intern-bo may not deploy version 3 (BANK_A): policy.deploy.json is DENY"
        ),
        "{}",
        text(&out.stderr)
    );
    // Rejected, with a reason: it cannot be deployed, and does not run.
    let out = place.policy(
        "reject",
        &[
            "3",
            "--as",
            "user:lead-ana",
            "--reason",
            "drops urgent payments",
        ],
    );
    assert_eq!(
        text(&out.stdout),
        "version 3 (BANK_A): proposed -> rejected\n"
    );
    let out = place.policy("deploy", &["3", "--as", "user:lead-ana"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        text(&out.stderr).contains(
            "version 3 (BANK_A) is rejected: deploy needs it proposed or accepted or rolled_back"
        ),
        "{}",
        text(&out.stderr)
    );
    let out = place.run("rejected.yaml", "{ registry: 3 }");
    assert_eq!(out.status.code(), Some(2));
    assert!(text(&out.stderr).contains("BANK_A's policy version 3 is rejected"));
    assert_eq!(
        place.statuses(),
        statuses(&[(1, "accepted"), (2, "deployed"), (3, "rejected")])
    );
}

#[test]
fn rollback_restores_the_version_the_deployment_replaced() {
    let place = three_versions_two_deployed("rollback");
    let aware = tree("liquidity_aware.json");
    place.policy(
        "reject",
        &[
            "3",
            "--as",
            "user:lead-ana",
            "--reason",
            "drops urgent payments",
        ],
    );
    // Rollback: version 2 rolled back, version 1 deployed again and running.
    let out = place.policy(
        "rollback",
        &["2", "--as", "user:lead-ana", "--reason", "costs rose"],
    );
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert_eq!(
        text(&out.stdout),
        "version 2 (BANK_A): deployed -> rolled_back; version 1: accepted -> deployed\n"
    );
    assert_eq!(
        place.statuses(),
        statuses(&[(1, "deployed"), (2, "rolled_back"), (3, "rejected")])
    );
    assert_eq!(
        event_log_hash(&place.run("restored.yaml", "{ registry: 1 }")),
        event_log_hash(&place.run(
            "aware.yaml",
            &format!("{{ type: FromJson, json_path: {aware} }}")
        ))
    );
    let out = place.run("rolled_back.yaml", "{ registry: 2 }");
    assert_eq!(out.status.code(), Some(2));
    assert!(text(&out.stderr).contains("BANK_A's policy version 2 is rolled_back"));

    // Seven transitions (three adds, two deploys, a reject, a rollback); the
    // rollback names the version it restored and why.
    let audit = place.audit();
    let decisions: Vec<&str> = audit.iter().map(|a| a.0.as_str()).collect();
    assert_eq!(
        decisions,
        [
            "ADD", "ADD", "ADD", "DEPLOY", "DEPLOY", "REJECT", "ROLLBACK"
        ]
    );
    let db = place.db();
    let out = rtgsim(&["audit", "show", "--db", &db, "--registry", "--json"]);
    let last: Value = serde_json::from_str(text(&out.stdout).lines().last().unwrap()).unwrap();
    assert_eq!(last["inputs"]["other"]["version"], 1);
    assert_eq!(last["inputs"]["other"]["to"], "deployed");
    assert_eq!(last["inputs"]["reason"], "costs rose");
    assert_eq!(last["inputs"]["rbac"]["capability"], "policy.rollback");
    let out = place.verify();
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stdout));
}

#[test]
fn an_invalid_policy_is_refused_and_nothing_is_added() {
    let place = Place::new("invalid");
    let broken = place.file(
        "broken.json",
        r#"{"version": "2.0", "payment_tree": {"type": "action", "node_id": "A", "action": "Relase"}}"#,
    );
    let out = place.policy("add", &[&broken, "--agent", "BANK_A"]);
    assert_eq!(out.status.code(), Some(2));
    let stderr = text(&out.stderr);
    assert!(
        stderr.contains("broken.json is not a valid json policy; nothing was added"),
        "{stderr}"
    );
    assert!(stderr.contains("Relase"), "{stderr}");
    let builtin = place.file(
        "deadline.json",
        r#"{"type": "Deadline", "urgency_threshold": -1}"#,
    );
    let out = place.policy("add", &[&builtin, "--agent", "BANK_A"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        text(&out.stderr).contains("policy.urgency_threshold"),
        "{}",
        text(&out.stderr)
    );
    assert!(
        !std::path::Path::new(&place.db()).exists(),
        "checked before the database is opened"
    );
    // Without a database, a scenario naming a registry version says what it needs.
    let scenario = place.file("no_db.yaml", &SCENARIO.replace("POLICY", "{ registry: 1 }"));
    let out = rtgsim(&["run", &scenario]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        text(&out.stderr).contains(
            "agents[0].policy.registry: names policy registry version 1, which is in a database: run it with --db FILE"
        ),
        "{}",
        text(&out.stderr)
    );
}

#[test]
fn diff_compares_two_trees_by_node_and_scripts_by_text() {
    let place = Place::new("diff");
    let a = place.file(
        "a.json",
        r#"{"version": "2.0", "parameters": {"urgency": 5},
            "payment_tree": {"type": "condition", "node_id": "N_URGENT",
              "condition": {"op": "<=", "left": {"field": "ticks_to_deadline"}, "right": {"param": "urgency"}},
              "on_true": {"type": "action", "node_id": "A_GO", "action": "Release"},
              "on_false": {"type": "action", "node_id": "A_WAIT", "action": "Hold"}}}"#,
    );
    // By hand: urgency 5 -> 8, N_URGENT compares with `<`, A_WAIT becomes A_PACE.
    let b = place.file(
        "b.json",
        r#"{"version": "2.0", "parameters": {"urgency": 8},
            "payment_tree": {"type": "condition", "node_id": "N_URGENT",
              "condition": {"op": "<", "left": {"field": "ticks_to_deadline"}, "right": {"param": "urgency"}},
              "on_true": {"type": "action", "node_id": "A_GO", "action": "Release"},
              "on_false": {"type": "action", "node_id": "A_PACE", "action": "ReleaseWithCredit"}}}"#,
    );
    for file in [&a, &b] {
        let out = place.policy("add", &[file, "--agent", "BANK_A"]);
        assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    }
    let out = place.policy("diff", &["1", "2", "--json"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let doc: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(doc["by"], "node");
    let changes: Vec<(String, String, String)> = doc["changes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| {
            (
                c["kind"].as_str().unwrap().to_string(),
                c["node_id"].as_str().unwrap_or("-").to_string(),
                c["path"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    let s = |a: &str, b: &str, c: &str| (a.to_string(), b.to_string(), c.to_string());
    assert_eq!(
        changes,
        vec![
            s("parameter_changed", "-", "parameters.urgency"),
            s("condition_changed", "N_URGENT", "payment_tree"),
            s("node_added", "A_PACE", "payment_tree.on_false"),
            s("node_removed", "A_WAIT", "payment_tree.on_false"),
        ]
    );

    let one = place.file("one.star", "LIMIT = 1\n\ndef evaluate_queue(transactions, agent, system, state):\n    return [{\"action\": \"Release\", \"tx_id\": tx.id} for tx in transactions if tx.amount > LIMIT]\n");
    let two = place.file("two.star", "LIMIT = 2\n\ndef evaluate_queue(transactions, agent, system, state):\n    return [{\"action\": \"Release\", \"tx_id\": tx.id} for tx in transactions if tx.amount > LIMIT]\n");
    for file in [&one, &two] {
        let out = place.policy(
            "add",
            &[file, "--agent", "BANK_A", "--language", "starlark"],
        );
        assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    }
    let out = place.policy("diff", &["3", "4"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let diff = text(&out.stdout);
    assert!(diff.contains("--- version 3\n+++ version 4\n"), "{diff}");
    assert!(diff.contains("\n-LIMIT = 1\n+LIMIT = 2\n"), "{diff}");
    assert!(!diff.contains("-def evaluate_queue"), "{diff}");
}
