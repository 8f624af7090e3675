//! Decision-tree policies in scenarios: the three ways to give one (seed 002's test
//! plan, in Rust), the errors for each way to get it wrong, and tree decisions in the
//! event log.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test helpers fail loudly

mod common;

use common::{fixture, rejection, run_with_events, scenario_from};
use rtgsim_scenario::PolicySpec;

const HEAD: &str = "simulation: { ticks_per_day: 10, num_days: 1, seed: 42 }\nagents:\n";

fn with_policy(policy: &str) -> String {
    format!(
        "{HEAD}  - {{ id: BANK_A, opening_balance: 100000, unsecured_cap: 50000, policy: {policy} }}\n  - {{ id: BANK_B, opening_balance: 0 }}\n"
    )
}

fn quoted(json: &str) -> String {
    format!("'{}'", json.replace('\'', "''"))
}

#[test]
fn from_json_accepts_a_json_string() {
    let doc = r#"{"version": "2.0", "parameters": {}}"#;
    let scenario = scenario_from(&with_policy(&format!(
        "{{ type: FromJson, json_string: {} }}",
        quoted(doc)
    )));
    assert!(matches!(
        scenario.policies[0],
        PolicySpec::Tree {
            kind: "FromJson",
            ..
        }
    ));
}

#[test]
fn from_json_accepts_a_json_path() {
    let dir = std::env::temp_dir().join(format!("rtgsim-tree-{}", std::process::id()));
    std::fs::create_dir_all(dir.join("policies")).unwrap();
    std::fs::write(dir.join("policies/seed_policy.json"), r#"{"version": "1.0", "tree_id": "t", "root": {"type": "action", "node_id": "A", "action": "Release"}}"#).unwrap();
    let path = dir.join("scenario.yaml");
    std::fs::write(
        &path,
        with_policy("{ type: FromJson, json_path: policies/seed_policy.json }"),
    )
    .unwrap();
    // The policy path is relative to the scenario file, wherever the run starts.
    let scenario = rtgsim_scenario::config::ScenarioInput::from_path(&path)
        .unwrap()
        .resolve()
        .unwrap();
    match &scenario.policies[0] {
        PolicySpec::Tree { program, .. } => assert_eq!(program.id, "t"),
        other => panic!("{other:?}"),
    }
    std::fs::remove_dir_all(&dir).ok();
}

#[test]
fn from_json_requires_exactly_one_source() {
    let neither = rejection(&with_policy("{ type: FromJson }"));
    assert!(
        neither.contains("agents[0].policy: a FromJson policy needs json_path or json_string"),
        "{neither}"
    );
    let both = rejection(&with_policy(
        "{ type: FromJson, json_path: p.json, json_string: '{}' }",
    ));
    assert!(
        both.contains("agents[0].policy: give json_path or json_string, not both"),
        "{both}"
    );
}

#[test]
fn from_json_validates_the_json_string() {
    let error = rejection(&with_policy(
        "{ type: FromJson, json_string: 'not valid json {' }",
    ));
    assert!(
        error.contains("agents[0].policy.json_string: invalid JSON at line 1, column 2"),
        "{error}"
    );
    let tree = r#"{"version": "2.0", "payment_tree": {"type": "action", "node_id": "A", "action": "Relase"}}"#;
    let error = rejection(&with_policy(&format!(
        "{{ type: FromJson, json_string: {} }}",
        quoted(tree)
    )));
    assert!(
        error.contains("agents[0].policy.json_string: payment_tree.action (node A): unknown action \"Relase\"; did you mean \"Release\"?"),
        "{error}"
    );
}

#[test]
fn a_missing_policy_file_names_the_agent_and_the_file() {
    let error = rejection(&with_policy(
        "{ type: FromJson, json_path: no/such/policy.json }",
    ));
    assert!(
        error.contains("agents[0].policy.json_path: cannot read"),
        "{error}"
    );
    assert!(error.contains("no/such/policy.json"), "{error}");
}

#[test]
fn simulation_config_with_inline_json_string_runs() {
    // Seed 002's integration test: a payment tree that releases everything.
    let doc = r#"{"version": "2.0", "parameters": {"urgency_threshold": 3}, "payment_tree": {"type": "action", "node_id": "root", "action": "Release"}}"#;
    let text = format!(
        "{HEAD}  - {{ id: BANK_A, opening_balance: 100000, unsecured_cap: 50000, policy: {{ type: FromJson, json_string: {} }} }}\n  - {{ id: BANK_B, opening_balance: 0 }}\ntransactions:\n  - {{ tick: 0, from: BANK_A, to: BANK_B, amount: 120000 }}\n",
        quoted(doc)
    );
    let (summary, events) = run_with_events(&scenario_from(&text));
    assert_eq!(summary.agents[0].policy, "FromJson");
    assert_eq!(
        summary.totals.settled, 1,
        "released by the tree, settled using credit"
    );
    let log = String::from_utf8(events).unwrap();
    assert!(
        log.contains(r#""kind":"released","agent":"BANK_A","tx":0,"source":"root""#),
        "{log}"
    );
}

#[test]
fn inline_trees_are_checked_with_their_path() {
    let error = rejection(&with_policy(
        "{ type: Inline, decision_trees: { version: '2.0', payment_tree: { type: action, node_id: A, action: Split } } }",
    ));
    assert!(
        error.contains("agents[0].policy.decision_trees: payment_tree.parameters (node A): \"Split\" needs the parameter \"num_splits\""),
        "{error}"
    );
    let repeated = rejection(&with_policy(
        "{ type: Inline, decision_trees: { version: '2.0', version: '1.0' } }",
    ));
    assert!(repeated.contains("duplicate key `version`"), "{repeated}");
}

#[test]
fn tree_fixture_runs_every_way_of_giving_a_tree_and_traces() {
    let scenario = fixture("tree_policies.yaml");
    let kinds: Vec<&str> = scenario.policies.iter().map(|p| p.kind()).collect();
    assert_eq!(kinds, vec!["FromJson", "FromJson", "FromJson", "Inline"]);
    let (summary, events) = run_with_events(&scenario);
    assert!(summary.totals.settled > 0);
    let log = String::from_utf8(events).unwrap();
    let traces = log
        .lines()
        .filter(|l| l.contains(r#""kind":"policy_trace""#))
        .count();
    assert!(
        traces > 0
            && log
                .lines()
                .filter(|l| l.contains(r#""kind":"policy_trace","agent":"HUB""#))
                .count()
                == traces
    );
    assert!(log.contains(r#""source":"A_RELEASE_WITHIN_BUFFER""#));
    assert!(
        log.contains(r#""kind":"collateral_posted","agent":"INLINE""#),
        "the inline collateral tree posts"
    );
}

#[test]
fn every_example_policy_runs_without_faults() {
    let root = std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../policies");
    let mut files: Vec<std::path::PathBuf> = ["", "builtin"]
        .iter()
        .flat_map(|sub| std::fs::read_dir(root.join(sub)).unwrap())
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "json"))
        .collect();
    files.sort();
    assert!(files.len() >= 7, "{files:?}");
    for file in files {
        let text = std::fs::read_to_string(&file).unwrap();
        let scenario = scenario_from(&format!(
            "simulation: {{ ticks_per_day: 40, num_days: 2, seed: 5 }}
agents:
  - id: TREE
    opening_balance: 300000
    unsecured_cap: 100000
    policy: {{ type: FromJson, json_string: {} }}
    arrivals: {{ rate_per_tick: 1, amount: {{ distribution: log_normal, median: 40000, sigma: 0.8 }}, deadline_ticks: [2, 20], divisible_share: 0.5 }}
  - id: OTHER
    opening_balance: 300000
    arrivals: {{ rate_per_tick: 1, amount: {{ distribution: log_normal, median: 40000, sigma: 0.8 }}, deadline_ticks: [2, 20] }}
",
            quoted(&text)
        ));
        let (summary, _) = run_with_events(&scenario);
        let tree = &summary.agents[0];
        assert_eq!(tree.policy_errors, 0, "{}", file.display());
        assert!(
            tree.payments > 0 && tree.settled > 0,
            "{}: {tree:?}",
            file.display()
        );
    }
}
