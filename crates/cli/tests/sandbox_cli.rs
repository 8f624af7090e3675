//! The Starlark sandbox seen from the command line: a script nested beyond the bound
//! is refused before anything runs (exit code 2, with its place), and a script that
//! tries to take the process down at run time only fails its own calls: its payments
//! are held, and a stored run completes.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test helpers fail loudly

use std::path::PathBuf;
use std::process::{Command, Output};

fn rtgsim(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_rtgsim"))
        .args(args)
        .output()
        .unwrap()
}

fn temp_dir(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("rtgsim-sandbox-{name}-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// Thousands of nested brackets on line 2: by the documented count the 97th bracket
/// (column 105) is the first past the bound.
fn deeply_nested() -> String {
    format!(
        "def evaluate_queue(transactions, agent, system, state):\n    x = {}1{}\n    return []\n",
        "(".repeat(5000),
        ")".repeat(5000)
    )
}

fn scenario_with_script(script: &str) -> String {
    format!(
        "simulation: {{ ticks_per_day: 10, num_days: 1, seed: 1 }}\nagents:\n  - {{ id: A, opening_balance: 100000, policy: {{ type: Starlark, script: {} }}, arrivals: {{ rate_per_tick: 1, amount: {{ distribution: fixed, value: 100 }}, deadline_ticks: [2, 5] }} }}\n  - {{ id: B, opening_balance: 0 }}\n",
        serde_json::to_string(script).unwrap()
    )
}

#[test]
fn check_refuses_a_deeply_nested_script_with_exit_code_2_and_its_place() {
    let dir = temp_dir("check");
    let path = dir.join("deep.star");
    std::fs::write(&path, deeply_nested()).unwrap();
    let out = rtgsim(&["check", path.to_str().unwrap()]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.contains(&format!(
            "{}:2:105: the code nests too deeply",
            path.display()
        )),
        "{stderr}"
    );
    std::fs::remove_dir_all(&dir).ok();
}

#[test]
fn run_refuses_a_deeply_nested_script_before_anything_runs() {
    let dir = temp_dir("run");
    let path = dir.join("scenario.yaml");
    std::fs::write(&path, scenario_with_script(&deeply_nested())).unwrap();
    let out = rtgsim(&["run", path.to_str().unwrap()]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(out.stdout.is_empty());
    assert!(
        stderr.contains("agents[0].policy.script: line 2, column 105"),
        "{stderr}"
    );
    assert!(stderr.contains("nests too deeply"), "{stderr}");
    std::fs::remove_dir_all(&dir).ok();
}

#[test]
fn a_hostile_policy_in_a_stored_run_fails_its_calls_and_the_run_completes() {
    // Each call builds a list nested 150,000 deep and prints it: before the sandbox
    // bounded this, the first call overflowed the native stack and aborted the
    // process, leaving the stored run `running`.
    let script = "def evaluate_queue(transactions, agent, system, state):\n    x = []\n    for i in range(150000):\n        x = [x]\n    s = str(x)\n    return [{\"action\": \"Release\", \"tx_id\": tx.id} for tx in transactions]\n";
    let dir = temp_dir("db");
    let path = dir.join("scenario.yaml");
    let db = dir.join("runs.db");
    std::fs::write(&path, scenario_with_script(script)).unwrap();
    let out = rtgsim(&[
        "run",
        path.to_str().unwrap(),
        "--db",
        db.to_str().unwrap(),
        "--json",
    ]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(0), "{stderr}");
    let summary: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let a = &summary["agents"][0];
    assert_eq!(a["id"], "A");
    // One failing evaluate_queue call per tick: 10 ticks, nothing released.
    assert_eq!(a["policy_errors"], 10, "{a}");
    assert_eq!(a["settled"], 0, "{a}");
    let show = rtgsim(&["runs", "show", "--db", db.to_str().unwrap(), "1", "--json"]);
    let show: serde_json::Value = serde_json::from_slice(&show.stdout).unwrap();
    assert_eq!(show["status"], "completed");
    std::fs::remove_dir_all(&dir).ok();
}
