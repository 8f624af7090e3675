//! `rtgsim optimize` through the real binary, with the shipped example and its
//! deterministic proposer script.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test helpers fail loudly

use std::path::{Path, PathBuf};
#[path = "support/binary.rs"]
mod binary;

use binary::{rtgsim, text};

fn example(file: &str) -> String {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../examples/optimize")
        .join(file)
        .display()
        .to_string()
}

/// The script's rule, written again here: after an acceptance halve the buffer,
/// otherwise scale it by [0.5, 0.75, 1.25, 0.9][iteration % 4], within [0, 6,000,000].
fn expected_buffer(previous: i64, iteration: usize, last_accepted: bool) -> i64 {
    let factors = [0.5, 0.75, 1.25, 0.9];
    let factor = if last_accepted {
        0.5
    } else {
        factors[iteration % 4]
    };
    ((previous as f64 * factor).clamp(0.0, 6_000_000.0)) as i64
}

#[test]
fn a_proposer_script_drives_the_loop_and_the_best_policy_is_written_out() {
    let out_file: PathBuf = Path::new(env!("CARGO_TARGET_TMPDIR")).join("optimize_cli_best.json");
    let proposer = format!("python3 {}", example("mutate.py"));
    let out = rtgsim(&[
        "optimize",
        &example("scenario.yaml"),
        "--agent",
        "METRO_CENTRAL",
        "--proposer",
        &proposer,
        "--space",
        &example("space.yaml"),
        "--iterations",
        "4",
        "--samples",
        "5",
        "--json",
        "--out",
        &out_file.display().to_string(),
    ]);
    assert_eq!(out.status.code(), Some(0), "stderr: {}", text(&out.stderr));
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let iterations = report["iterations"].as_array().unwrap();
    assert_eq!(iterations.len(), 4);
    let mut current = 3_000_000i64;
    let mut last_accepted = false;
    for (i, iteration) in iterations.iter().enumerate() {
        assert_eq!(iteration["prompt"]["format"], "rtgsim-optimize/1");
        let candidate: serde_json::Value =
            serde_json::from_str(iteration["candidate"]["text"].as_str().unwrap()).unwrap();
        let buffer = candidate["parameters"]["target_buffer"].as_i64().unwrap();
        assert_eq!(
            buffer,
            expected_buffer(current, i, last_accepted),
            "iteration {i}"
        );
        last_accepted = iteration["outcome"] == "accepted";
        if last_accepted {
            current = buffer;
        }
    }
    let best: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&out_file).unwrap()).unwrap();
    assert_eq!(best["parameters"]["target_buffer"].as_i64(), Some(current));
}

#[test]
fn the_builtin_search_is_reproducible_from_its_seed() {
    let run = || {
        rtgsim(&[
            "optimize",
            &example("scenario.yaml"),
            "--agent",
            "METRO_CENTRAL",
            "--proposer",
            "builtin:search",
            "--space",
            &example("space.yaml"),
            "--iterations",
            "3",
            "--samples",
            "4",
            "--seed",
            "7",
            "--json",
        ])
    };
    let first = run();
    assert_eq!(
        first.status.code(),
        Some(0),
        "stderr: {}",
        text(&first.stderr)
    );
    assert_eq!(first.stdout, run().stdout);
}

#[test]
fn bad_input_exits_two() {
    let cases: [(&[&str], &str); 3] = [
        (
            &["--agent", "METRO_CENTRAL", "--proposer", "builtin:magic"],
            "builtin:search and builtin:random",
        ),
        (
            &[
                "--agent",
                "METRO_CENTRAL",
                "--proposer",
                "builtin:search",
                "--space",
                "/nonexistent/space.yaml",
            ],
            "--space /nonexistent/space.yaml",
        ),
        (
            &["--agent", "NOBODY", "--proposer", "builtin:search"],
            "--agent NOBODY",
        ),
    ];
    for (args, expected) in cases {
        let scenario = example("scenario.yaml");
        let mut all = vec![
            "optimize",
            scenario.as_str(),
            "--iterations",
            "1",
            "--samples",
            "2",
        ];
        all.extend_from_slice(args);
        let out = rtgsim(&all);
        let stderr = text(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {stderr}");
        assert!(stderr.contains(expected), "{args:?}: {stderr}");
    }
}
