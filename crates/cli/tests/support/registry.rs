//! Helpers of the policy registry CLI tests: a directory with a database and RBAC
//! rules, the `rtgsim policy` commands, and what the registry says back.
#![allow(dead_code, clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test helpers fail loudly

use serde_json::Value;
use std::path::PathBuf;
use std::process::{Command, Output};

/// Optimizers' deployments need approval; leads deploy, approve and roll back;
/// `user:dual` asks for deployments and may approve (but not its own); everyone
/// else is refused (the default).
pub const RULES: &str = r#"default: DENY
rules:
  - principal: "optimizer:*"
    capabilities: ["policy.deploy.*"]
    action: REQUIRE_APPROVAL
  - principal: "user:lead-*"
    capabilities: ["policy.deploy.*", "policy.approve", "policy.rollback"]
    action: ALLOW
  - principal: "user:dual"
    capabilities: ["policy.deploy.*"]
    action: REQUIRE_APPROVAL
  - principal: "user:dual"
    capabilities: ["policy.approve"]
    action: ALLOW
"#;

/// One agent, BANK_A, whose policy is registry version `ID`, and a Fifo peer.
pub const SCENARIO: &str = "simulation: { ticks_per_day: 50, num_days: 1, seed: 7 }
costs: { overdraft_bps_per_tick: 1, delay_cost_per_tick_bps: 1, deadline_penalty: 1000, eod_penalty: 10000 }
agents:
  - id: BANK_A
    opening_balance: 500000
    policy: POLICY
    arrivals:
      rate_per_tick: 1.0
      amount: { distribution: log_normal, median: 20000, sigma: 0.8 }
      deadline_ticks: [5, 20]
  - id: BRAVO
    opening_balance: 5000000
    arrivals:
      rate_per_tick: 1.0
      amount: { distribution: log_normal, median: 20000, sigma: 0.8 }
      deadline_ticks: [5, 20]
";

pub fn repository() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..")
}

pub fn rtgsim(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_rtgsim"))
        .args(args)
        .output()
        .expect("rtgsim runs")
}

pub fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

/// A test's directory: its database, rules and scenarios.
pub struct Place {
    dir: PathBuf,
}

impl Place {
    pub fn new(name: &str) -> Place {
        let dir = std::env::temp_dir().join(format!(
            "rtgsim-policy-registry-{name}-{}",
            std::process::id()
        ));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(dir.join("rules.yaml"), RULES).unwrap();
        Place { dir }
    }

    pub fn db(&self) -> String {
        self.dir.join("registry.db").display().to_string()
    }

    pub fn rules(&self) -> String {
        self.dir.join("rules.yaml").display().to_string()
    }

    pub fn file(&self, name: &str, contents: &str) -> String {
        let path = self.dir.join(name);
        std::fs::write(&path, contents).unwrap();
        path.display().to_string()
    }

    /// `rtgsim policy VERB --db DB ARGS...`, with `--rbac` for the verbs that ask.
    pub fn policy(&self, verb: &str, args: &[&str]) -> Output {
        let db = self.db();
        let rules = self.rules();
        let mut all = vec!["policy", verb, "--db", db.as_str()];
        all.extend_from_slice(args);
        if matches!(verb, "deploy" | "approve" | "reject" | "rollback") {
            all.extend_from_slice(&["--rbac", rules.as_str()]);
        }
        rtgsim(&all)
    }

    /// Each version's status, by id, as `policy list --json` says.
    pub fn statuses(&self) -> Vec<(i64, String)> {
        let out = self.policy("list", &["--json"]);
        assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
        let list: Value = serde_json::from_slice(&out.stdout).unwrap();
        list.as_array()
            .unwrap()
            .iter()
            .map(|v| {
                (
                    v["id"].as_i64().unwrap(),
                    v["status"].as_str().unwrap().to_string(),
                )
            })
            .collect()
    }

    /// The registry chain's records: (decision, operator, version, to).
    pub fn audit(&self) -> Vec<(String, String, i64, String)> {
        let db = self.db();
        let out = rtgsim(&["audit", "show", "--db", &db, "--registry", "--json"]);
        assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
        text(&out.stdout)
            .lines()
            .map(|line| {
                let record: Value = serde_json::from_str(line).unwrap();
                (
                    record["decision"].as_str().unwrap().to_string(),
                    record["operator"].as_str().unwrap().to_string(),
                    record["inputs"]["version"].as_i64().unwrap(),
                    record["inputs"]["to"].as_str().unwrap().to_string(),
                )
            })
            .collect()
    }

    pub fn verify(&self) -> Output {
        let db = self.db();
        rtgsim(&["audit", "verify", "--db", &db, "--registry"])
    }

    /// Runs the scenario with BANK_A's `policy:` section as given, stored in the
    /// database.
    pub fn run(&self, name: &str, policy: &str) -> Output {
        let scenario = self.file(name, &SCENARIO.replace("POLICY", policy));
        let db = self.db();
        rtgsim(&["run", &scenario, "--db", &db, "--json"])
    }
}

pub fn statuses(pairs: &[(i64, &str)]) -> Vec<(i64, String)> {
    pairs.iter().map(|(id, s)| (*id, s.to_string())).collect()
}

pub fn tree(name: &str) -> String {
    repository()
        .join("policies")
        .join(name)
        .display()
        .to_string()
}

pub fn event_log_hash(out: &Output) -> String {
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let summary: Value = serde_json::from_slice(&out.stdout).unwrap();
    summary["event_log_hash"].as_str().unwrap().to_string()
}
