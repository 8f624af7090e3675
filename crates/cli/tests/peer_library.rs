//! Another project's policy library, checked and run unchanged: every JSON decision
//! tree under `$RTGSIM_PEER_POLICIES` goes through `rtgsim check` and a short run
//! (two days, three banks, two of them on the policy). Prints one line per file and
//! the figure: files, pass check, run OK, runs with policy errors.
//!
//! The library is not part of this repository; the test is ignored unless asked for:
//!
//! ```text
//! RTGSIM_PEER_POLICIES=/tmp/simcash-policies/simulator/policies \
//!     cargo test -p rtgsim --test peer_library -- --ignored --nocapture
//! ```
//!
//! Every payment of the scenario is divisible: the library was written for an engine
//! whose payments can all be split. `RTGSIM_PEER_MIN_PASS` (optional) is the least
//! number of files that must pass.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test helpers fail loudly

use std::path::{Path, PathBuf};
use std::process::Command;

fn policy_files(dir: &Path) -> Vec<PathBuf> {
    let mut files = Vec::new();
    let mut pending = vec![dir.to_path_buf()];
    while let Some(dir) = pending.pop() {
        for entry in std::fs::read_dir(&dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                pending.push(path);
            } else if path.extension().is_some_and(|e| e == "json") {
                files.push(path);
            }
        }
    }
    files.sort();
    files
}

fn scenario(policy: &Path) -> String {
    let policy = serde_json::to_string(&policy.display().to_string()).unwrap();
    format!(
        "simulation: {{ ticks_per_day: 40, num_days: 2, seed: 7 }}
costs: {{ overdraft_bps_per_tick: 1, delay_cost_per_tick_bps: 1, deadline_penalty: 4000, eod_penalty: 30000, collateral_bps_per_tick: 1 }}
agents:
  - id: BANK_A
    opening_balance: 300000
    unsecured_cap: 100000
    collateral_capacity: 500000
    collateral_haircut: 0.1
    policy: {{ type: FromJson, json_path: {policy} }}
    arrivals: {{ rate_per_tick: 0.8, amount: {{ distribution: log_normal, median: 60000, sigma: 0.7 }}, deadline_ticks: [5, 30], divisible_share: 1.0 }}
  - id: BANK_B
    opening_balance: 200000
    unsecured_cap: 50000
    collateral_capacity: 300000
    policy: {{ type: FromJson, json_path: {policy} }}
    arrivals: {{ rate_per_tick: 0.7, amount: {{ distribution: log_normal, median: 50000, sigma: 0.6 }}, deadline_ticks: [5, 30], divisible_share: 1.0 }}
  - id: BANK_C
    opening_balance: 400000
    policy: {{ type: Fifo }}
    arrivals: {{ rate_per_tick: 0.6, amount: {{ distribution: uniform, min: 20000, max: 90000 }}, deadline_ticks: [6, 25] }}
"
    )
}

#[test]
#[ignore = "needs RTGSIM_PEER_POLICIES, the directory of a policy library"]
fn a_peer_policy_library_checks_and_runs() {
    let dir = std::env::var_os("RTGSIM_PEER_POLICIES")
        .map(PathBuf::from)
        .expect("set RTGSIM_PEER_POLICIES to the directory of the policy library");
    let work = std::env::temp_dir().join(format!("rtgsim-peer-library-{}", std::process::id()));
    std::fs::create_dir_all(&work).unwrap();
    let binary = env!("CARGO_BIN_EXE_rtgsim");
    let (mut checked, mut ran, mut with_errors) = (0, 0, 0);
    let files = policy_files(&dir);
    for policy in &files {
        let name = policy.strip_prefix(&dir).unwrap_or(policy).display();
        let check = Command::new(binary)
            .arg("check")
            .arg(policy)
            .output()
            .unwrap();
        if check.status.code() != Some(0) {
            let report = String::from_utf8_lossy(&check.stdout);
            let first = report.lines().take(3).collect::<Vec<_>>().join(" | ");
            println!("{name}: check refuses it: {first}");
            continue;
        }
        checked += 1;
        let scenario_path = work.join("scenario.yaml");
        let events_path = work.join("events.jsonl");
        std::fs::write(&scenario_path, scenario(policy)).unwrap();
        let run = Command::new(binary)
            .arg("run")
            .arg(&scenario_path)
            .arg("--events")
            .arg(&events_path)
            .output()
            .unwrap();
        if run.status.code() != Some(0) {
            println!(
                "{name}: the run failed: {}",
                String::from_utf8_lossy(&run.stderr)
            );
            continue;
        }
        ran += 1;
        let events = std::fs::read_to_string(&events_path).unwrap();
        let errors: Vec<&str> = events
            .lines()
            .filter(|line| line.contains("\"kind\":\"policy_error\""))
            .collect();
        if errors.is_empty() {
            println!("{name}: ok");
        } else {
            with_errors += 1;
            println!(
                "{name}: {} policy errors, first: {}",
                errors.len(),
                errors[0]
            );
        }
    }
    std::fs::remove_dir_all(&work).ok();
    println!(
        "files {}, pass check {checked}, run OK {ran}, runs with policy errors {with_errors}",
        files.len()
    );
    assert_eq!(ran, checked, "every file that passes check runs");
    assert_eq!(with_errors, 0, "no run has policy errors");
    if let Some(min) = std::env::var("RTGSIM_PEER_MIN_PASS")
        .ok()
        .and_then(|n| n.parse().ok())
    {
        assert!(
            checked >= min,
            "{checked} pass check; at least {min} expected"
        );
    }
}
