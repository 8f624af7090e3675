//! `rtgsim compare --db` and `rtgsim optimize --db`: candidates kept in the policy
//! registry with their comparison and verdict, and the loop's iterations stored.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test helpers fail loudly

#[path = "support/binary.rs"]
mod binary;

use binary::{rtgsim, text};
use rtgsim_persistence::{Store, VersionStatus};
use std::path::{Path, PathBuf};

fn example(dir: &str, file: &str) -> String {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../examples")
        .join(dir)
        .join(file)
        .display()
        .to_string()
}

fn fresh_db(name: &str) -> PathBuf {
    let path = Path::new(env!("CARGO_TARGET_TMPDIR")).join(name);
    let _ = std::fs::remove_file(&path);
    path
}

fn ok(args: &[&str]) -> String {
    let out = rtgsim(args);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{args:?}: {}",
        text(&out.stderr)
    );
    text(&out.stdout)
}

#[test]
fn compare_keeps_each_candidate_with_its_verdict() {
    let db = fresh_db("compare_registry.db");
    let db_arg = db.display().to_string();
    let scenario = example("compare", "crisis_four_banks.yaml");
    let compare = |candidate: &str| {
        ok(&[
            "compare",
            &scenario,
            "--agent",
            "METRO_CENTRAL",
            "--candidate",
            candidate,
            "--samples",
            "6",
            "--db",
            &db_arg,
            "--as",
            "user:analyst",
            "--json",
        ])
    };
    // A smaller buffer is better here; a larger one is worse.
    let better: serde_json::Value =
        serde_json::from_str(&compare(&example("compare", "smaller_buffer.yaml"))).unwrap();
    let worse: serde_json::Value =
        serde_json::from_str(&compare("{type: LiquidityAware, target_buffer: 9000000}")).unwrap();
    assert_eq!(better["verdict"]["decision"], "accept");
    assert_eq!(worse["verdict"]["decision"], "reject");
    let store = Store::open(&db).unwrap();
    let versions = store.registry_versions(Some("METRO_CENTRAL")).unwrap();
    assert_eq!(versions.len(), 2);
    assert_eq!(
        (versions[0].status, versions[1].status),
        (VersionStatus::Accepted, VersionStatus::Rejected)
    );
    assert_eq!(versions[0].author, "user:analyst");
    // The stored evaluation is the report that was printed.
    let stored: serde_json::Value =
        serde_json::from_str(versions[0].evaluation.as_deref().unwrap()).unwrap();
    assert_eq!(stored, better);
    // Comparing the same text again decides nothing new: the version keeps its status.
    compare(&example("compare", "smaller_buffer.yaml"));
    assert_eq!(store.registry_versions(None).unwrap().len(), 2);
    // add, evaluation, accept / add, evaluation, reject: four transitions, intact.
    let verify = ok(&["audit", "verify", "--db", &db_arg, "--registry"]);
    assert!(verify.contains("intact: 4 records"), "{verify}");
}

#[test]
fn compare_decides_a_proposed_registry_version() {
    let db = fresh_db("compare_registry_id.db");
    let db_arg = db.display().to_string();
    let smaller = Path::new(env!("CARGO_TARGET_TMPDIR")).join("smaller_buffer.json");
    std::fs::write(
        &smaller,
        r#"{"type": "LiquidityAware", "target_buffer": 500000, "urgency_threshold": 5}"#,
    )
    .unwrap();
    let added = ok(&[
        "policy",
        "add",
        &smaller.display().to_string(),
        "--agent",
        "METRO_CENTRAL",
        "--db",
        &db_arg,
        "--as",
        "optimizer:llm-1",
    ]);
    assert!(added.contains("proposed"), "{added}");
    let report = ok(&[
        "compare",
        &example("compare", "crisis_four_banks.yaml"),
        "--agent",
        "METRO_CENTRAL",
        "--candidate",
        "registry:1",
        "--samples",
        "6",
        "--db",
        &db_arg,
    ]);
    assert!(
        report.contains("registry: version 1 of METRO_CENTRAL is accepted"),
        "{report}"
    );
    let store = Store::open(&db).unwrap();
    let version = store.registry_version(1).unwrap();
    assert_eq!(version.status, VersionStatus::Accepted);
    assert!(version.evaluation.is_some());
    // Another agent's version, or no database, is an input error.
    let wrong = rtgsim(&[
        "compare",
        &example("compare", "crisis_four_banks.yaml"),
        "--agent",
        "REGIONAL_TRUST",
        "--candidate",
        "registry:1",
        "--samples",
        "2",
        "--db",
        &db_arg,
    ]);
    assert_eq!(wrong.status.code(), Some(2));
    assert!(text(&wrong.stderr).contains("is a version for METRO_CENTRAL, not REGIONAL_TRUST"));
    let no_db = rtgsim(&[
        "compare",
        &example("compare", "crisis_four_banks.yaml"),
        "--agent",
        "METRO_CENTRAL",
        "--candidate",
        "registry:1",
        "--samples",
        "2",
    ]);
    assert_eq!(no_db.status.code(), Some(2));
    assert!(text(&no_db.stderr).contains("needs --db"));
}

#[test]
fn optimize_stores_every_iteration_and_each_candidate_that_ran() {
    let db = fresh_db("optimize_registry.db");
    let db_arg = db.display().to_string();
    let out = rtgsim(&[
        "optimize",
        &example("optimize", "scenario.yaml"),
        "--agent",
        "METRO_CENTRAL",
        "--proposer",
        "builtin:search",
        "--space",
        &example("optimize", "space.yaml"),
        "--iterations",
        "4",
        "--samples",
        "4",
        "--db",
        &db_arg,
        "--json",
    ]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let store = Store::open(&db).unwrap();
    let stored = store.optimization_iterations(1).unwrap();
    let iterations = report["iterations"].as_array().unwrap();
    assert_eq!(stored.len(), iterations.len());
    let versions = store.registry_versions(Some("METRO_CENTRAL")).unwrap();
    let mut current = None;
    for (row, iteration) in stored.iter().zip(iterations) {
        let prompt: serde_json::Value = serde_json::from_str(&row.prompt).unwrap();
        assert_eq!(prompt, iteration["prompt"]);
        assert_eq!(row.reply.as_deref(), iteration["reply"].as_str());
        assert_eq!(row.outcome, iteration["outcome"].as_str().unwrap());
        // Every candidate here ran, so each is a version, its parent the version
        // accepted last, its status the verdict.
        let version = versions
            .iter()
            .find(|v| Some(v.id) == row.version_id)
            .unwrap();
        assert_eq!(version.parent_id, current);
        assert_eq!(version.author, "optimizer:builtin:search");
        let expected = if row.outcome == "accepted" {
            VersionStatus::Accepted
        } else {
            VersionStatus::Rejected
        };
        assert_eq!(version.status, expected);
        if row.outcome == "accepted" {
            current = Some(version.id);
        }
    }
    let verify = ok(&["audit", "verify", "--db", &db_arg, "--registry"]);
    assert!(verify.contains("intact"), "{verify}");
}

/// A guardband whose previous policy and baseline are registry versions: the
/// baseline's figures are the version's own from the comparison that accepted it,
/// and the rollback's bound is the factor times them.
#[test]
fn a_guardband_takes_its_previous_policy_and_baseline_from_the_registry() {
    let db = fresh_db("guardband_registry.db");
    let db_arg = db.display().to_string();
    let tmp = Path::new(env!("CARGO_TARGET_TMPDIR"));
    two_versions(&db_arg, tmp);
    let scenario = guarded_scenario(tmp);
    let scenario_arg = scenario.display().to_string();

    let events = tmp.join("guarded_by_registry.jsonl");
    ok(&[
        "run",
        &scenario_arg,
        "--db",
        &db_arg,
        "--events",
        &events.display().to_string(),
    ]);
    let rollback = first_rollback(&events);
    // The bound from version 1's stored evaluation, computed here.
    let store = Store::open(&db).unwrap();
    let evaluation: serde_json::Value = serde_json::from_str(
        store
            .registry_version(1)
            .unwrap()
            .evaluation
            .as_deref()
            .unwrap(),
    )
    .unwrap();
    let means = &evaluation["candidate_means"];
    let ticks = evaluation["ticks_per_run"].as_f64().unwrap();
    let expected = match rollback["guardband"].as_str().unwrap() {
        "cost" => 1.2 * (means["cost_cents"].as_f64().unwrap() / ticks * 100.0),
        "settlement_rate" => 0.95 * means["settlement_rate"].as_f64().unwrap(),
        "peak_credit" => 1.5 * means["peak_credit_cents"].as_f64().unwrap().round(),
        other => panic!("unexpected guardband {other}"),
    };
    let bound = rollback["bound"].as_f64().unwrap();
    assert!(
        (bound - expected).abs() <= 1e-9 * expected.abs().max(1.0),
        "{rollback} vs {expected}"
    );
    // Without the database, the scenario says what it needs.
    let out = rtgsim(&["run", &scenario_arg]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        text(&out.stderr).contains("run it with --db FILE"),
        "{}",
        text(&out.stderr)
    );
}

/// Version 1, the smaller buffer accepted by a comparison (its figures kept), and
/// version 2, a policy that holds everything, deployed by a lead.
fn two_versions(db_arg: &str, tmp: &Path) {
    // Version 1: the smaller buffer, accepted by a comparison (its figures kept).
    ok(&[
        "compare",
        &example("compare", "crisis_four_banks.yaml"),
        "--agent",
        "METRO_CENTRAL",
        "--candidate",
        &example("compare", "smaller_buffer.yaml"),
        "--samples",
        "4",
        "--db",
        db_arg,
    ]);
    // Version 2: a policy that holds everything, deployed by a lead.
    let hoarder = tmp.join("hoarder.json");
    std::fs::write(
        &hoarder,
        r#"{"type": "LiquidityAware", "target_buffer": 1000000000000, "urgency_threshold": 0}"#,
    )
    .unwrap();
    let rules = tmp.join("guardband_rules.yaml");
    std::fs::write(&rules, "default: DENY\nrules:\n  - principal: \"user:lead-*\"\n    capabilities: [\"policy.deploy.*\"]\n    action: ALLOW\n").unwrap();
    ok(&[
        "policy",
        "add",
        &hoarder.display().to_string(),
        "--agent",
        "METRO_CENTRAL",
        "--db",
        db_arg,
    ]);
    ok(&[
        "policy",
        "deploy",
        "2",
        "--db",
        db_arg,
        "--rbac",
        &rules.display().to_string(),
        "--as",
        "user:lead-1",
    ]);
}

/// The crisis scenario with METRO_CENTRAL on version 2, guarded by version 1.
fn guarded_scenario(tmp: &Path) -> PathBuf {
    let scenario_text = std::fs::read_to_string(example("compare", "crisis_four_banks.yaml"))
        .unwrap()
        .replace(
            "policy: { type: LiquidityAware, target_buffer: 3000000, urgency_threshold: 5 }\n    arrivals:\n      rate_per_tick: 0.3\n      amount: { distribution: log_normal, median: 150000",
            "policy: { registry: 2 }\n    arrivals:\n      rate_per_tick: 0.3\n      amount: { distribution: log_normal, median: 150000",
        )
        + "guardbands:\n  - agent: METRO_CENTRAL\n    previous_policy: { registry: 1 }\n    every_ticks: 100\n    baseline: { registry: 1 }\n";
    assert!(scenario_text.contains("registry: 2"));
    let scenario = tmp.join("guarded_by_registry.yaml");
    std::fs::write(&scenario, scenario_text).unwrap();
    scenario
}

fn first_rollback(events: &Path) -> serde_json::Value {
    std::fs::read_to_string(events)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str::<serde_json::Value>(l).unwrap())
        .find(|e| e["kind"] == "rolled_back")
        .expect("the hoarder is rolled back")
}
