//! No false positives on the example policies, and every code's documented example
//! gets its code.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test helpers fail loudly

use rtgsim_analyzer::codes::Language;
use rtgsim_analyzer::{CODES, analyze_file, analyze_starlark, analyze_tree};
use std::path::PathBuf;

fn policies() -> Vec<PathBuf> {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../policies");
    let mut files: Vec<PathBuf> = ["", "builtin"]
        .iter()
        .flat_map(|sub| std::fs::read_dir(root.join(sub)).unwrap())
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "star" || e == "json"))
        .collect();
    files.sort();
    files
}

#[test]
fn every_example_policy_is_clean() {
    let files = policies();
    assert!(files.len() >= 18, "{files:?}");
    let mut dirty = Vec::new();
    for file in files {
        let findings = analyze_file(&file).unwrap();
        if !findings.is_empty() {
            dirty.push(format!(
                "{}:\n{}",
                file.display(),
                rtgsim_analyzer::render::human(&findings, &|_| None)
            ));
        }
    }
    assert!(dirty.is_empty(), "false positives:\n{}", dirty.join("\n"));
}

/// Issue 16's vocabulary: the initial liquidity entry point, returning a share or
/// None, and the partial releases, with their keys.
#[test]
fn a_script_choosing_its_initial_liquidity_and_releasing_shares_is_clean() {
    let source = r#"
def evaluate_initial_liquidity(agent, system, state):
    if agent.collateral_capacity <= 0:
        return None
    if system.system_current_day == 0:
        return 0.2
    return min(1.0, agent.queue1_liquidity_gap / agent.collateral_capacity)

def evaluate_queue(transactions, agent, system, state):
    decisions = []
    for tx in transactions:
        if tx.is_divisible and tx.amount > agent.available_liquidity:
            decisions.append({"action": "ReleaseShare", "tx_id": tx.id, "share": 0.5, "priority": 5})
        elif tx.is_divisible:
            decisions.append({"action": "ReleasePartial", "tx_id": tx.id, "amount": tx.amount, "reason": "all"})
        else:
            decisions.append({"action": "Release", "tx_id": tx.id})
    return decisions
"#;
    let findings = analyze_starlark("shares.star", source);
    assert!(findings.is_empty(), "{findings:?}");
    // A share given as a string, and a share on a collateral decision, are found.
    let source = r#"
def evaluate_queue(transactions, agent, system, state):
    return [{"action": "ReleaseShare", "tx_id": tx.id, "share": "half"} for tx in transactions]

def evaluate_strategic_collateral(agent, system, state):
    return {"action": "Post", "share": 0.5}
"#;
    let codes: Vec<&str> = analyze_starlark("bad.star", source)
        .iter()
        .map(|f| f.code)
        .collect();
    assert_eq!(codes, ["E006", "E006", "E006"], "{codes:?}");
}

/// A tree with an initial liquidity tree reading its parameters and a payment tree
/// releasing shares: valid, and nothing suspicious (its parameters are used).
#[test]
fn a_tree_choosing_its_initial_liquidity_is_clean() {
    let text = r#"{"version": "2.0", "policy_id": "opening",
     "parameters": {"first_day": 0.2, "later": 0.1, "part": 0.5},
     "payment_tree": {"type": "condition", "node_id": "DIVISIBLE",
       "condition": {"op": "==", "left": {"field": "is_divisible"}, "right": 1},
       "on_true": {"type": "action", "node_id": "SHARE", "action": "ReleaseShare", "parameters": {"share": {"param": "part"}}},
       "on_false": {"type": "action", "node_id": "ALL", "action": "Release"}},
     "initial_liquidity_tree": {
       "type": "condition", "node_id": "FIRST_DAY",
       "condition": {"op": "==", "left": {"field": "system_current_day"}, "right": 0},
       "on_true": {"type": "action", "node_id": "POST_FIRST", "action": "PostShare",
                   "parameters": {"share": {"param": "first_day"}}},
       "on_false": {"type": "action", "node_id": "POST_LATER", "action": "PostShare",
                    "parameters": {"share": {"param": "later"}}}}}"#;
    let findings = analyze_tree("opening.json", text);
    assert!(findings.is_empty(), "{findings:?}");
    // The same with a parameter nothing reads: W203, so the new tree's uses count.
    let unused = text.replace(r#""part": 0.5}"#, r#""part": 0.5, "spare": 1}"#);
    let codes: Vec<&str> = analyze_tree("opening.json", &unused)
        .iter()
        .map(|f| f.code)
        .collect();
    assert_eq!(codes, ["W203"]);
}

#[test]
fn every_code_example_gets_its_code() {
    for spec in CODES {
        let findings = match spec.language {
            Language::Starlark => analyze_starlark("example.star", spec.example),
            Language::Json => analyze_tree("example.json", spec.example),
        };
        assert!(
            findings.iter().any(|f| f.code == spec.name),
            "{}: the example got {:?}",
            spec.name,
            findings
                .iter()
                .map(|f| format!("{} {}", f.code, f.message))
                .collect::<Vec<_>>()
        );
    }
}
