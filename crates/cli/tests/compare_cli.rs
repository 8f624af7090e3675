//! `rtgsim compare` through the real binary: the report, its agreement with plain
//! runs, and the exit codes.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test helpers fail loudly

#[path = "../../scenario/tests/common/mod.rs"]
mod common;

use common::fixtures_dir;
#[path = "support/binary.rs"]
mod binary;

use binary::{rtgsim, text};

fn fixture() -> String {
    fixtures_dir()
        .join("three_banks_basic.yaml")
        .display()
        .to_string()
}

const HOARDER: &str = "{type: LiquidityAware, target_buffer: 1000000000000, urgency_threshold: 2}";

#[test]
fn each_sample_is_the_plain_run_with_its_seed() {
    let out = rtgsim(&[
        "compare",
        &fixture(),
        "--agent",
        "BRAVO",
        "--candidate",
        HOARDER,
        "--samples",
        "3",
        "--json",
        "--hashes",
    ]);
    assert_eq!(out.status.code(), Some(0), "stderr: {}", text(&out.stderr));
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).expect("one JSON document");
    assert_eq!(report["agent"], "BRAVO");
    assert_eq!(report["verdict"]["decision"], "reject");
    let samples = report["samples"].as_array().expect("samples");
    assert_eq!(samples.len(), 3);
    for sample in samples {
        let seed = sample["seed"].as_u64().expect("seed").to_string();
        // The incumbent is the scenario's own policy: `rtgsim run --seed` is the same run.
        let run = rtgsim(&["run", &fixture(), "--seed", &seed, "--json"]);
        let run: serde_json::Value = serde_json::from_slice(&run.stdout).expect("run JSON");
        assert_eq!(sample["incumbent"]["event_log_hash"], run["event_log_hash"]);
        assert_eq!(sample["incumbent"]["costs"], run["agents"][1]["costs"]);
        let delta = sample["candidate"]["costs"]["total"].as_i64().unwrap()
            - sample["incumbent"]["costs"]["total"].as_i64().unwrap();
        assert_eq!(sample["delta_cents"].as_i64(), Some(delta));
    }
}

#[test]
fn the_table_ends_with_the_verdict_and_its_reasons() {
    let out = rtgsim(&[
        "compare",
        &fixture(),
        "--agent",
        "ALPHA",
        "--candidate",
        "Fifo",
        "--incumbent",
        HOARDER,
        "--samples",
        "4",
        "--mode",
        "sandbox",
    ]);
    assert_eq!(out.status.code(), Some(0), "stderr: {}", text(&out.stderr));
    let stdout = text(&out.stdout);
    assert!(stdout.contains("4 samples in sandbox mode"), "{stdout}");
    assert!(stdout.trim_end().ends_with("verdict: accept"), "{stdout}");
}

#[test]
fn bad_input_exits_two_naming_it() {
    let cases: [(&[&str], &str); 5] = [
        (
            &["--agent", "DELTA", "--candidate", "Fifo", "--samples", "2"],
            "--agent DELTA",
        ),
        (
            &[
                "--agent",
                "ALPHA",
                "--candidate",
                "nowhere.star",
                "--samples",
                "2",
            ],
            "--candidate nowhere.star: no such file",
        ),
        (
            &[
                "--agent",
                "ALPHA",
                "--candidate",
                "{type: Fifo, extra: 1}",
                "--samples",
                "2",
            ],
            "extra",
        ),
        (
            &["--agent", "ALPHA", "--candidate", "Fifo", "--samples", "0"],
            "--samples must be at least 1",
        ),
        (
            &[
                "--agent",
                "ALPHA",
                "--candidate",
                "Fifo",
                "--samples",
                "2",
                "--mode",
                "shadow",
            ],
            "shadow",
        ),
    ];
    for (args, expected) in cases {
        let fixture = fixture();
        let mut all = vec!["compare", fixture.as_str()];
        all.extend_from_slice(args);
        let out = rtgsim(&all);
        let stderr = text(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {stderr}");
        assert!(stderr.contains(expected), "{args:?}: {stderr}");
    }
}
