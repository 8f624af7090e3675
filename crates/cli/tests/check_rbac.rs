//! `rtgsim check --rbac RULES --principal P`: what a principal's rules say about
//! deploying the repository's policies, with `fixtures/rbac/example.yaml`.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test helpers fail loudly

use std::path::PathBuf;
use std::process::{Command, Output};

fn repository() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// `rtgsim` run from the repository's root, so that paths read as in the docs.
fn rtgsim(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_rtgsim"))
        .current_dir(repository())
        .args(args)
        .output()
        .expect("rtgsim runs")
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

const RULES: &str = "fixtures/rbac/example.yaml";

#[test]
fn a_principal_denied_drops_fails_on_a_tree_that_drops() {
    let out = rtgsim(&[
        "check",
        "policies/liquidity_aware.json",
        "--rbac",
        RULES,
        "--principal",
        "optimizer:llm-7",
    ]);
    assert_eq!(out.status.code(), Some(1), "stderr: {}", text(&out.stderr));
    let stdout = text(&out.stdout);
    // Rule 0 of the example (line 11) denies every optimizer drops.
    assert!(
        stdout.contains(
            "policies/liquidity_aware.json: optimizer:llm-7 may not policy.action.drop (DENY, rule 0 at line 11)"
        ),
        "{stdout}"
    );
    // JSON trees of optimizers are reviewed (rule 3): reported, not denied.
    assert!(
        stdout.contains(
            "policies/liquidity_aware.json: optimizer:llm-7 needs approval for policy.deploy.json (REQUIRE_APPROVAL, rule 3 at line 30)"
        ),
        "{stdout}"
    );
    // What the rules allow is not listed, only counted.
    assert!(!stdout.contains("policy.action.release"), "{stdout}");
    assert!(
        stdout.contains("1 denied, 1 need(s) approval, 1 allowed"),
        "{stdout}"
    );
}

#[test]
fn an_allowed_principal_passes_and_high_risk_needs_approval() {
    let args = [
        "check",
        "policies/01_simple_threshold.star",
        "policies/02_deadline_aware.star",
        "--rbac",
        RULES,
        "--principal",
        "optimizer:llm-7",
    ];
    let out = rtgsim(&args);
    assert_eq!(out.status.code(), Some(0), "stdout: {}", text(&out.stdout));
    let stdout = text(&out.stdout);
    assert!(
        !stdout.contains("may not") && !stdout.contains("needs approval"),
        "{stdout}"
    );
    assert!(stdout.contains("0 denied, 0 need(s) approval"), "{stdout}");

    // At risk HIGH every ALLOW needs a human: reported, failing only when denied.
    let mut high = args.to_vec();
    high.extend(["--risk", "high"]);
    let out = rtgsim(&high);
    assert_eq!(out.status.code(), Some(0), "stdout: {}", text(&out.stdout));
    let stdout = text(&out.stdout);
    assert!(
        stdout.contains(
            "policies/01_simple_threshold.star: optimizer:llm-7 needs approval for policy.deploy.starlark (REQUIRE_APPROVAL, rule 1 at line 18, risk HIGH is above the rule's max_risk)"
        ),
        "{stdout}"
    );
    high.push("--deny-warnings");
    assert_eq!(rtgsim(&high).status.code(), Some(1));
}

#[test]
fn a_scripts_literal_actions_are_asked_about() {
    // The example lets agents release and hold, and move collateral only at LOW
    // risk: a script's deploy is denied by default, and its collateral decisions
    // ("Post", "Withdraw" ask for collateral.post and collateral.withdraw) need
    // approval at MEDIUM.
    let out = rtgsim(&[
        "check",
        "policies/07_three_layer_complete.star",
        "--rbac",
        RULES,
        "--principal",
        "agent:BANK_A",
    ]);
    assert_eq!(out.status.code(), Some(1));
    let stdout = text(&out.stdout);
    assert!(
        stdout.contains(
            "agent:BANK_A may not policy.deploy.starlark (DENY, no rule matched: the default)"
        ),
        "{stdout}"
    );
    for capability in ["collateral.post", "collateral.withdraw"] {
        assert!(
            stdout.contains(&format!(
                "agent:BANK_A needs approval for {capability} (REQUIRE_APPROVAL, rule 6 at line 48, risk MEDIUM is above the rule's max_risk)"
            )),
            "{capability} missing from:\n{stdout}"
        );
    }
    assert!(
        !stdout.contains("may not policy.action.release"),
        "{stdout}"
    );
}

#[test]
fn json_output_adds_every_answer_to_the_findings() {
    let out = rtgsim(&[
        "check",
        "policies/multi_factor.json",
        "--rbac",
        RULES,
        "--principal",
        "optimizer:llm-7",
        "--format",
        "json",
    ]);
    assert_eq!(out.status.code(), Some(1));
    let doc: serde_json::Value = serde_json::from_slice(&out.stdout).expect("one JSON object");
    assert!(doc["findings"].is_array(), "{doc}");
    assert_eq!(doc["rbac_principal"], "optimizer:llm-7");
    assert_eq!(doc["rbac_risk"], "MEDIUM");
    let drop = doc["rbac"]
        .as_array()
        .unwrap()
        .iter()
        .find(|a| a["capability"] == "policy.action.drop")
        .expect("the drop action is asked about");
    assert_eq!(drop["file"], "policies/multi_factor.json");
    assert_eq!(drop["effect"], "DENY");
    assert_eq!(drop["rule"], 0);
    assert_eq!(drop["line"], 11);
    assert_eq!(drop["reason"], "RULE_MATCH");

    // Without --rbac the JSON report is still the findings array alone.
    let out = rtgsim(&["check", "policies/multi_factor.json", "--format", "json"]);
    let doc: serde_json::Value = serde_json::from_slice(&out.stdout).expect("one JSON array");
    assert!(doc.is_array(), "{doc}");
}

#[test]
fn a_bad_rules_file_is_an_input_error_naming_the_rule_and_field() {
    let dir = std::env::temp_dir().join(format!("rtgsim-check-rbac-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let rules = dir.join("bad.yaml");
    std::fs::write(
        &rules,
        "default: DENY\nrules:\n  - principal: \"optimizer:**\"\n    capabilities: [\"sim.run\"]\n    action: ALLOW\n",
    )
    .unwrap();
    let rules = rules.display().to_string();
    let out = rtgsim(&[
        "check",
        "policies/deadline_simple.json",
        "--rbac",
        &rules,
        "--principal",
        "optimizer:llm-7",
    ]);
    assert_eq!(out.status.code(), Some(2), "stdout: {}", text(&out.stdout));
    let stderr = text(&out.stderr);
    assert!(
        stderr.contains(&format!(
            "{rules}: rule 0 (line 3), principal: invalid pattern"
        )),
        "{stderr}"
    );
    assert!(out.stdout.is_empty(), "nothing is analysed with bad rules");

    let missing = rtgsim(&[
        "check",
        "policies/deadline_simple.json",
        "--rbac",
        "fixtures/rbac/nowhere.yaml",
        "--principal",
        "optimizer:llm-7",
    ]);
    assert_eq!(missing.status.code(), Some(2));
    assert!(text(&missing.stderr).contains("fixtures/rbac/nowhere.yaml"));
}

#[test]
fn rbac_flags_come_together() {
    for args in [
        &["check", "policies/deadline_simple.json", "--rbac", RULES][..],
        &[
            "check",
            "policies/deadline_simple.json",
            "--principal",
            "user:alice",
        ][..],
        &["check", "policies/deadline_simple.json", "--risk", "HIGH"][..],
    ] {
        let out = rtgsim(args);
        assert_eq!(
            out.status.code(),
            Some(2),
            "{args:?}: {}",
            text(&out.stderr)
        );
    }
    let out = rtgsim(&[
        "check",
        "policies/deadline_simple.json",
        "--rbac",
        RULES,
        "--principal",
        "user:alice",
        "--risk",
        "EXTREME",
    ]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        text(&out.stderr).contains("expected one of LOW, MEDIUM, HIGH, CRITICAL"),
        "{}",
        text(&out.stderr)
    );
}
