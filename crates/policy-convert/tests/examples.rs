//! Every JSON policy in `policies/` converts; the scripts read as snapshots, pass the
//! static analyzer with no findings, load as Starlark policies, and convert the same
//! way twice; `policies/converted/` holds the conversions.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test helpers fail loudly

use std::path::{Path, PathBuf};

fn policies() -> Vec<PathBuf> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../policies");
    let mut files = Vec::new();
    for dir in [root.clone(), root.join("builtin")] {
        for entry in std::fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            if path.extension().is_some_and(|e| e == "json") {
                files.push(path);
            }
        }
    }
    files.sort();
    files
}

fn origin(path: &Path) -> String {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let root = root.canonicalize().unwrap();
    path.canonicalize()
        .unwrap()
        .strip_prefix(&root)
        .unwrap()
        .display()
        .to_string()
}

/// `policies/builtin/fifo.json` is converted to `policies/converted/builtin_fifo.star`.
fn converted_path(origin: &str) -> PathBuf {
    let name = origin
        .trim_start_matches("policies/")
        .replace("builtin/", "builtin_")
        .replace(".json", ".star");
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../policies/converted")
        .join(name)
}

#[test]
fn every_example_converts_to_a_clean_stable_script() {
    let files = policies();
    assert!(files.len() >= 7, "found only {files:?}");
    for path in files {
        let origin = origin(&path);
        let text = std::fs::read_to_string(&path).unwrap();
        let script = rtgsim_policy_convert::convert_text(&text, &origin)
            .unwrap_or_else(|e| panic!("{origin}: {e}"));
        let again = rtgsim_policy_convert::convert_text(&text, &origin).unwrap();
        assert_eq!(script, again, "{origin}: two conversions differ");

        let name = origin.replace(".json", ".star");
        let findings = rtgsim_analyzer::analyze_starlark(&name, &script);
        assert!(findings.is_empty(), "{name}:\n{findings:#?}\n{script}");
        rtgsim_policy_starlark::StarlarkPolicy::from_source(&name, &script, Default::default())
            .unwrap_or_else(|e| panic!("{name}: {e}\n{script}"));

        let snapshot = origin.replace('/', "__");
        insta::assert_snapshot!(snapshot, script);

        // policies/converted/ holds the same text (`cargo xtask convert` rewrites it).
        let stored = converted_path(&origin);
        let on_disk = std::fs::read_to_string(&stored).unwrap_or_default();
        assert!(
            on_disk == script,
            "{} is not the conversion of {origin}; run `cargo xtask convert`",
            stored.display()
        );
    }
}

#[test]
fn timed_releases_and_limited_collateral_convert_to_a_clean_script() {
    let tree = r#"{
      "version": "2.0", "policy_id": "scheduled",
      "description": "Holds large payments until a later tick; posts collateral for five ticks when short.",
      "parameters": {"large": 80000, "delay": 3},
      "payment_tree": {
        "type": "condition", "node_id": "LARGE", "description": "A large payment?",
        "condition": {"op": ">", "left": {"field": "amount"}, "right": {"param": "large"}},
        "on_true": {"type": "action", "node_id": "LATER", "action": "Release",
          "parameters": {"timed_for_tick": {"compute": {"op": "+", "left": {"field": "current_tick"}, "right": {"param": "delay"}}}}},
        "on_false": {"type": "action", "node_id": "NOW", "action": "Release"}
      },
      "strategic_collateral_tree": {
        "type": "condition", "node_id": "SHORT",
        "condition": {"op": ">", "left": {"field": "queue1_liquidity_gap"}, "right": 0},
        "on_true": {"type": "action", "node_id": "POST", "action": "PostCollateral",
          "parameters": {"amount": {"field": "queue1_liquidity_gap"}, "auto_withdraw_after_ticks": 5}},
        "on_false": {"type": "action", "node_id": "KEEP", "action": "HoldCollateral"}
      }
    }"#;
    let script = rtgsim_policy_convert::convert_text(tree, "scheduled.json").unwrap();
    let findings = rtgsim_analyzer::analyze_starlark("scheduled.star", &script);
    assert!(findings.is_empty(), "{findings:#?}\n{script}");
    // Without an end-of-tick tree, that call still gives back what is due.
    assert!(script.contains(
        "def evaluate_end_of_tick_collateral(agent, system, state):\n    return _auto_withdraw(agent, system, state)"
    ));
    insta::assert_snapshot!(script);
}
