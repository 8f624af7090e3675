//! Every JSON policy in `policies/` and its Starlark conversion in
//! `policies/converted/` run through the same simulations give identical event logs:
//! the conversion is exact on the states a real run produces, over days (registers
//! reset), with splits, collateral and the LSM.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test helpers fail loudly

mod common;

use common::{run_with_events, scenario_from};
use std::path::{Path, PathBuf};

fn policies_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../policies")
        .canonicalize()
        .unwrap()
}

/// A scenario of four busy agents that all run `policy`.
fn scenario(policy: &str, seed: u64) -> String {
    let mut text = format!(
        "simulation: {{ ticks_per_day: 40, num_days: 2, seed: {seed} }}\n\
         costs: {{ overdraft_bps_per_tick: 1, delay_cost_per_tick_bps: 1, deadline_penalty: 4000, eod_penalty: 30000 }}\n\
         agents:\n"
    );
    for (i, name) in ["BANK_A", "BANK_B", "BANK_C", "BANK_D"].iter().enumerate() {
        let balance = 150_000 + 100_000 * i;
        text.push_str(&format!(
            "  - id: {name}\n    opening_balance: {balance}\n    unsecured_cap: 60000\n    \
             collateral_capacity: 300000\n    policy: {policy}\n    arrivals:\n      \
             rate_per_tick: 0.9\n      amount: {{ distribution: log_normal, median: 50000, sigma: 0.8 }}\n      \
             deadline_ticks: [3, 25]\n      divisible_share: 0.4\n"
        ));
    }
    text
}

#[test]
fn every_converted_policy_runs_exactly_as_its_tree() {
    let dir = policies_dir();
    let mut pairs = Vec::new();
    for (sub, prefix) in [("", ""), ("builtin", "builtin_")] {
        for entry in std::fs::read_dir(dir.join(sub)).unwrap() {
            let path = entry.unwrap().path();
            if path.extension().is_some_and(|e| e == "json") {
                let stem = path.file_stem().unwrap().to_string_lossy().into_owned();
                let star = dir.join("converted").join(format!("{prefix}{stem}.star"));
                pairs.push((path, star));
            }
        }
    }
    pairs.sort();
    assert!(pairs.len() >= 7, "{pairs:?}");
    for (json, star) in pairs {
        for seed in [3, 11] {
            let tree = scenario(
                &format!("{{ type: FromJson, json_path: '{}' }}", json.display()),
                seed,
            );
            let script = scenario(
                &format!("{{ type: Starlark, path: '{}' }}", star.display()),
                seed,
            );
            let (tree_summary, tree_log) = run_with_events(&scenario_from(&tree));
            let (script_summary, script_log) = run_with_events(&scenario_from(&script));
            let (tree_log, script_log) = (
                String::from_utf8(tree_log).unwrap(),
                String::from_utf8(script_log).unwrap(),
            );
            if let Some((n, (a, b))) = tree_log
                .lines()
                .zip(script_log.lines())
                .enumerate()
                .find(|(_, (a, b))| a != b)
            {
                panic!(
                    "{} seed {seed}: event {n} differs\n tree:     {a}\n starlark: {b}",
                    json.display()
                );
            }
            assert_eq!(
                tree_log.lines().count(),
                script_log.lines().count(),
                "{}",
                json.display()
            );
            assert_eq!(
                tree_summary.event_log_hash,
                script_summary.event_log_hash,
                "{}",
                json.display()
            );
            // Not a comparison of two idle runs.
            assert!(tree_log.contains("\"released\""), "{}", json.display());
        }
    }
}
