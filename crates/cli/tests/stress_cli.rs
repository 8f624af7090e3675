//! `rtgsim stress` end to end through the real binary, on the four-bank fixture:
//! exit codes and messages, the JSON document's keys, the same report on any
//! number of threads, and each case written as a scenario that `rtgsim run`
//! reproduces.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test helpers fail loudly

#[path = "support/binary.rs"]
mod binary;

use binary::{rtgsim, text};
use serde_json::{Value as Json, json};
use std::path::PathBuf;

fn fixture() -> String {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../fixtures/stress_four_banks.yaml")
        .display()
        .to_string()
}

/// A directory of this test's own (tests run in parallel).
fn scratch(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("rtgsim-stress-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    dir
}

fn stress(args: &[&str]) -> std::process::Output {
    let scenario = fixture();
    let mut all = vec!["stress", scenario.as_str()];
    all.extend_from_slice(args);
    rtgsim(&all)
}

fn stress_json(args: &[&str]) -> (Json, Vec<u8>) {
    let mut all = args.to_vec();
    all.push("--json");
    let out = stress(&all);
    assert_eq!(out.status.code(), Some(0), "stderr: {}", text(&out.stderr));
    (serde_json::from_slice(&out.stdout).unwrap(), out.stdout)
}

/// Each bad argument: exit code 2, and a message that names it.
#[test]
fn bad_arguments_exit_2_naming_the_argument() {
    let cases: &[(&[&str], &str)] = &[
        (
            &[],
            "give --outage, --collateral-shock or --liquidity-shock",
        ),
        (&["--outage", "HUGE"], "--outage: no agent \"HUGE\""),
        (
            &["--outage", "BIG", "--outage-ticks", "0"],
            "--outage-ticks 0",
        ),
        (
            &["--outage", "BIG", "--outage-ticks", "x"],
            "--outage-ticks",
        ),
        (&["--outage", "BIG", "--outage-at", "48"], "--outage-at 48"),
        (
            &["--outage-ticks", "3", "--collateral-shock", "0.5"],
            "need --outage",
        ),
        (
            &["--collateral-shock", "1.5"],
            "--collateral-shock: \"1.5\"",
        ),
        (
            &["--collateral-shock", "0.3,abc"],
            "--collateral-shock: \"abc\"",
        ),
        (
            &["--liquidity-shock", "BIG"],
            "--liquidity-shock BIG: write AGENT:SHARE",
        ),
        (&["--liquidity-shock", "MIDD:0.5"], "did you mean \"MID\"?"),
        (
            &["--outage", "each", "--samples", "0"],
            "--samples must be at least 1",
        ),
        (&["--outage", "each", "--threads", "many"], "--threads"),
    ];
    for (args, expected) in cases {
        let out = stress(args);
        let stderr = text(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {stderr}");
        assert!(stderr.contains(expected), "{args:?}: {stderr}");
        assert!(out.stdout.is_empty(), "{args:?}");
    }
    let missing = rtgsim(&["stress", "no/such/scenario.yaml", "--outage", "each"]);
    assert_eq!(missing.status.code(), Some(2));
    assert!(text(&missing.stderr).contains("no/such/scenario.yaml"));
}

#[test]
fn a_file_in_the_way_of_the_scenario_directory_is_an_input_error() {
    let dir = scratch("in-the-way");
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("file");
    std::fs::write(&file, "x").unwrap();
    let out = stress(&[
        "--outage",
        "BIG",
        "--write-scenarios",
        file.to_str().unwrap(),
    ]);
    assert_eq!(out.status.code(), Some(2), "{}", text(&out.stderr));
    assert!(text(&out.stderr).contains("--write-scenarios"));
}

#[test]
fn the_json_document_has_its_keys_for_every_case_and_participant() {
    let (report, _) = stress_json(&[
        "--outage",
        "BIG,TINY",
        "--collateral-shock",
        "0.5",
        "--liquidity-shock",
        "MID:0.5",
    ]);
    assert_eq!(report["format"], json!("rtgsim-stress/1"));
    assert_eq!(report["seeds"], json!([11]));
    assert_eq!(report["agents"], json!(["BIG", "MID", "SMALL", "TINY"]));
    let names: Vec<&str> = report["cases"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["name"].as_str().unwrap())
        .collect();
    assert_eq!(
        names,
        [
            "outage BIG",
            "outage TINY",
            "collateral -50%",
            "liquidity MID -50%"
        ]
    );
    let figure_keys = [
        "agent",
        "payments",
        "settled",
        "payments_value_cents",
        "settled_value_cents",
        "settled_share_of_value",
        "settled_share_of_count",
        "unsettled_end_of_day_cents",
        "max_queue_cents",
        "mean_queue_cents",
        "liquidity_upper_bound_cents",
        "liquidity_lower_bound_cents",
        "lowest_liquidity_cents",
        "value_weighted_delay_ticks",
    ];
    let change_keys = [
        "settled_share_of_value",
        "settled_share_of_count",
        "settled_value_cents",
        "unsettled_end_of_day_cents",
        "max_queue_cents",
        "mean_queue_cents",
        "liquidity_upper_bound_cents",
        "liquidity_lower_bound_cents",
        "liquidity_deterioration_cents",
        "value_weighted_delay_ticks",
    ];
    let all_cases =
        std::iter::once(&report["benchmark"]).chain(report["cases"].as_array().unwrap());
    for case in all_cases {
        let participants = case["participants"].as_array().unwrap();
        assert_eq!(participants.len(), 4);
        for figures in participants.iter().chain([&case["system"]]) {
            for key in figure_keys {
                assert!(figures.get(key).is_some(), "{}: no {key}", case["name"]);
            }
            // Two days: an unsettled value for each.
            assert_eq!(
                figures["unsettled_end_of_day_cents"]
                    .as_array()
                    .unwrap()
                    .len(),
                2
            );
            let change = figures.get("against_benchmark");
            if case["kind"] == json!("benchmark") {
                assert!(change.is_none());
            } else {
                for key in change_keys {
                    assert!(
                        change.unwrap().get(key).is_some(),
                        "{}: no {key}",
                        case["name"]
                    );
                }
            }
        }
    }
    assert_eq!(report["cases"][0]["events"][0]["kind"], json!("outage"));
    // A quarter of 24 ticks.
    assert_eq!(report["cases"][0]["events"][0]["ticks"], json!(6));
    assert_eq!(report["cases"][2]["events"][0]["factor"], json!(0.5));
    // MID opens with 150,000: half is withdrawn.
    assert_eq!(report["cases"][3]["events"][0]["amount"], json!(75_000));
    let critical = report["critical"].as_array().unwrap();
    assert_eq!(critical.len(), 2);
    assert_eq!(critical[0]["rank"], json!(1));
}

/// The same report, byte for byte, on one thread and on two, with samples.
#[test]
fn the_report_is_the_same_on_any_number_of_threads() {
    let args = [
        "--outage",
        "each",
        "--collateral-shock",
        "0.3,0.7",
        "--samples",
        "2",
    ];
    let one = [&args[..], &["--threads", "1"]].concat();
    let two = [&args[..], &["--threads", "2"]].concat();
    let (report, bytes_one) = stress_json(&one);
    let (_, bytes_two) = stress_json(&two);
    assert_eq!(bytes_one, bytes_two);
    assert_eq!(report["samples"], json!(2));
    assert_eq!(report["critical"].as_array().unwrap().len(), 4);
}

/// Every case is written as a scenario file; `rtgsim run` on it settles, for
/// each participant, the value the report gives for that case.
#[test]
fn written_cases_reproduce_the_reported_figures() {
    let dir = scratch("written");
    let (report, _) = stress_json(&[
        "--outage",
        "BIG",
        "--collateral-shock",
        "0.7",
        "--write-scenarios",
        dir.to_str().unwrap(),
    ]);
    let mut written: Vec<String> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    written.sort();
    assert_eq!(
        written,
        [
            "000_benchmark.yaml",
            "001_outage_BIG.yaml",
            "002_collateral_70pct.yaml"
        ]
    );
    let cases = std::iter::once(&report["benchmark"]).chain(report["cases"].as_array().unwrap());
    for (file, case) in written.iter().zip(cases) {
        let path = dir.join(file);
        let out = rtgsim(&["run", path.to_str().unwrap(), "--json"]);
        assert_eq!(out.status.code(), Some(0), "{file}: {}", text(&out.stderr));
        let summary: Json = serde_json::from_slice(&out.stdout).unwrap();
        for (agent, figures) in summary["agents"]
            .as_array()
            .unwrap()
            .iter()
            .zip(case["participants"].as_array().unwrap())
        {
            assert_eq!(
                agent["settled_value"], figures["settled_value_cents"],
                "{file}"
            );
            assert_eq!(agent["settled"], figures["settled"], "{file}");
            assert_eq!(
                agent["indicators"]["liquidity_upper_bound"],
                figures["liquidity_upper_bound_cents"],
                "{file}"
            );
        }
    }
}

#[test]
fn the_table_names_the_cases_and_the_critical_participants() {
    let out = stress(&["--outage", "each", "--collateral-shock", "0.5"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let table = text(&out.stdout);
    for expected in [
        "stress test of",
        "4 participants, 2 days of 24 ticks",
        "critical participants",
        "outage BIG",
        "collateral -50%",
        "benchmark, by participant",
    ] {
        assert!(table.contains(expected), "no {expected:?} in\n{table}");
    }
}
