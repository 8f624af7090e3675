//! The real `rtgsim` binary: exit codes, output formats, files.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test helpers fail loudly

#[path = "../../scenario/tests/common/mod.rs"]
mod common;

use common::fixtures_dir;
use std::process::{Command, Output};

fn rtgsim(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_rtgsim"))
        .args(args)
        .output()
        .expect("rtgsim runs")
}

fn fixture_path(name: &str) -> String {
    fixtures_dir().join(name).display().to_string()
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

#[test]
fn default_run_prints_tables_and_exits_zero() {
    let out = rtgsim(&["run"]);
    assert_eq!(out.status.code(), Some(0), "stderr: {}", text(&out.stderr));
    let stdout = text(&out.stdout);
    for agent in ["BANK_A", "BANK_B", "BANK_C", "BANK_D", "BANK_E"] {
        assert!(stdout.contains(agent), "{agent} missing from:\n{stdout}");
    }
    assert!(stdout.contains("total cost"));
    assert!(stdout.contains("event log:"));
    assert!(
        out.stderr.is_empty(),
        "no progress bar when stderr is not a terminal"
    );
}

#[test]
fn json_output_parses_and_keeps_the_contract_keys() {
    let out = rtgsim(&["run", &fixture_path("three_banks_basic.yaml"), "--json"]);
    assert_eq!(out.status.code(), Some(0), "stderr: {}", text(&out.stderr));
    let doc: serde_json::Value = serde_json::from_slice(&out.stdout).expect("one JSON document");
    for key in [
        "event_log_hash",
        "ticks",
        "days",
        "seed",
        "totals",
        "agents",
    ] {
        assert!(doc.get(key).is_some(), "missing {key}");
    }
    for key in ["payments", "settled", "settled_value", "settlement_rate"] {
        assert!(doc["totals"].get(key).is_some(), "missing totals.{key}");
    }
    let agent = &doc["agents"][0];
    for key in [
        "id",
        "opening_balance",
        "closing_balance",
        "payments",
        "settled",
        "settled_value",
        "settlement_rate",
        "avg_delay_ticks",
        "max_delay_ticks",
        "peak_overdraft",
        "costs",
    ] {
        assert!(agent.get(key).is_some(), "missing agents[0].{key}");
    }
    for key in [
        "overdraft",
        "delay",
        "deadline",
        "eod",
        "collateral",
        "split",
        "total",
    ] {
        assert!(
            agent["costs"].get(key).is_some(),
            "missing agents[0].costs.{key}"
        );
    }
    assert_eq!(doc["ticks"], 50);
    assert_eq!(doc["seed"], 7);
    assert_eq!(doc["event_log_hash"].as_str().map(str::len), Some(64));
}

#[test]
fn seed_and_days_override_the_scenario() {
    let path = fixture_path("three_banks_basic.yaml");
    let out = rtgsim(&["run", &path, "--json", "--seed", "8", "--days", "2"]);
    let doc: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(
        (
            doc["seed"].as_u64(),
            doc["days"].as_u64(),
            doc["ticks"].as_u64()
        ),
        (Some(8), Some(2), Some(100))
    );
    let base: serde_json::Value =
        serde_json::from_slice(&rtgsim(&["run", &path, "--json"]).stdout).unwrap();
    assert_ne!(base["event_log_hash"], doc["event_log_hash"]);
}

#[test]
fn events_file_hashes_to_the_reported_hash() {
    let dir = std::env::temp_dir().join(format!("rtgsim-cli-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let events = dir.join("events.jsonl");
    let out = rtgsim(&[
        "run",
        &fixture_path("scripted_exact.yaml"),
        "--json",
        "--events",
        &events.display().to_string(),
    ]);
    assert_eq!(out.status.code(), Some(0), "stderr: {}", text(&out.stderr));
    let doc: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let bytes = std::fs::read(&events).unwrap();
    use sha2::{Digest, Sha256};
    let hash: String = Sha256::digest(&bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    assert_eq!(doc["event_log_hash"], hash.as_str());
    for line in text(&bytes).lines() {
        let event: serde_json::Value = serde_json::from_str(line).expect("every line is JSON");
        assert!(
            event["tick"].is_u64() && event["kind"].is_string(),
            "{line}"
        );
    }
    std::fs::remove_dir_all(&dir).ok();
}

#[test]
fn a_bad_scenario_exits_two_naming_the_field() {
    let dir = std::env::temp_dir().join(format!("rtgsim-bad-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let bad = dir.join("bad.yaml");
    std::fs::write(
        &bad,
        "simulation: { ticks_per_day: 10, num_days: 1 }\nagents:\n  - { id: A, opening_balance: 5, policy: { type: LiquidityAware, target_buffer: -7 } }\n",
    )
    .unwrap();
    let out = rtgsim(&["run", &bad.display().to_string()]);
    assert_eq!(out.status.code(), Some(2));
    let stderr = text(&out.stderr);
    assert!(
        stderr.contains("agents[0].policy.target_buffer"),
        "{stderr}"
    );
    assert!(stderr.contains("bad.yaml"), "{stderr}");
    assert!(out.stdout.is_empty());
    std::fs::remove_dir_all(&dir).ok();
}

#[test]
fn usage_errors_and_missing_files_exit_two() {
    assert_eq!(rtgsim(&["run", "--no-such-flag"]).status.code(), Some(2));
    assert_eq!(rtgsim(&["frobnicate"]).status.code(), Some(2));
    let missing = rtgsim(&["run", "/no/such/scenario.yaml"]);
    assert_eq!(missing.status.code(), Some(2));
    assert!(text(&missing.stderr).contains("/no/such/scenario.yaml"));
    let zero_days = rtgsim(&["run", "--days", "0"]);
    assert_eq!(zero_days.status.code(), Some(2));
    assert!(
        text(&zero_days.stderr).contains("--days: 0 days"),
        "{}",
        text(&zero_days.stderr)
    );
    let unwritable = rtgsim(&["run", "--events", "/no/such/dir/events.jsonl"]);
    assert_eq!(unwritable.status.code(), Some(2));
    assert!(text(&unwritable.stderr).contains("/no/such/dir/events.jsonl"));
}

#[test]
fn help_exits_zero() {
    let out = rtgsim(&["--help"]);
    assert_eq!(out.status.code(), Some(0));
    assert!(text(&out.stdout).contains("run"));
}

#[test]
fn a_bad_guardband_exits_two_naming_its_path() {
    let dir = std::env::temp_dir().join(format!("rtgsim-bad-guard-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let bad = dir.join("bad_guard.yaml");
    std::fs::write(
        &bad,
        "simulation: { ticks_per_day: 10, num_days: 1 }\nagents:\n  - { id: A, opening_balance: 5 }\n  - { id: B, opening_balance: 5 }\nguardbands:\n  - { agent: A, previous_policy: { type: Fifo }, every_ticks: 0, baseline: { settlement_rate: 1 } }\n",
    )
    .unwrap();
    let out = rtgsim(&["run", &bad.display().to_string()]);
    assert_eq!(out.status.code(), Some(2));
    let stderr = text(&out.stderr);
    assert!(stderr.contains("bad_guard.yaml"), "{stderr}");
    assert!(
        stderr.contains("guardbands[0].every_ticks: 0 is outside 1..=10"),
        "{stderr}"
    );
    assert!(out.stdout.is_empty());
    std::fs::remove_dir_all(&dir).ok();
}

/// The summary says when and why: the fixture's comment computes the rollback at
/// the end of tick 4 (settlement rate 0 < 0.95 over ticks 0-4).
#[test]
fn a_rollback_is_in_the_json_summary_and_the_tables() {
    let fixture = fixture_path("guardband_rollback.yaml");
    let out = rtgsim(&["run", &fixture, "--json"]);
    assert_eq!(out.status.code(), Some(0), "stderr: {}", text(&out.stderr));
    let doc: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(
        doc["rollbacks"],
        serde_json::json!([{ "tick": 4, "agent": "A", "guardband": "settlement_rate",
            "value": 0, "bound": 0.95, "window_start": 0 }])
    );
    let out = rtgsim(&["run", &fixture]);
    let stdout = text(&out.stdout);
    assert!(
        stdout.contains("A: guardband settlement_rate 0 < 0.95 over ticks 0-4; rolled back to the previous policy after tick 4"),
        "{stdout}"
    );
}

#[test]
fn a_bad_arrival_distribution_exits_two_naming_its_path() {
    let dir = std::env::temp_dir().join(format!("rtgsim-bad-arrivals-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let bad = dir.join("bad_arrivals.yaml");
    std::fs::write(
        &bad,
        "simulation: { ticks_per_day: 10, num_days: 1 }\nagents:\n  - { id: A, opening_balance: 5 }\n  - { id: B, opening_balance: 5 }\n  - { id: C, opening_balance: 5, arrivals: { bands: { urgent: { rate_per_tick: 1, deadline_ticks: [1, 2], amount: { distribution: normal, mean: 500, sd: 0 } } } } }\n",
    )
    .unwrap();
    let out = rtgsim(&["run", &bad.display().to_string()]);
    assert_eq!(out.status.code(), Some(2));
    let stderr = text(&out.stderr);
    assert!(
        stderr.contains("agents[2].arrivals.bands.urgent.amount.sd: must be > 0"),
        "{stderr}"
    );
    assert!(out.stdout.is_empty());
    std::fs::remove_dir_all(&dir).ok();
}
