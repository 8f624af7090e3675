//! Broken documents are refused with every problem, its JSON path and node: a corpus
//! in `fixtures/dsl/invalid/`, each with its messages as a snapshot.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test helpers fail loudly

use std::path::PathBuf;

fn corpus() -> Vec<PathBuf> {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../fixtures/dsl/invalid");
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "json"))
        .collect();
    files.sort();
    files
}

#[test]
fn every_broken_document_is_refused_with_its_problems() {
    let files = corpus();
    assert!(
        files.len() >= 20,
        "the corpus has {} documents",
        files.len()
    );
    for path in files {
        let name = path.file_stem().unwrap().to_string_lossy().into_owned();
        let text = std::fs::read_to_string(&path).unwrap();
        let error = match rtgsim_policy_dsl::load(&text) {
            Ok(_) => panic!("{name} was accepted"),
            Err(error) => error,
        };
        insta::assert_snapshot!(name, error.to_string());
    }
}

#[test]
fn all_problems_are_reported_at_once_with_paths() {
    let text = std::fs::read_to_string(
        PathBuf::from(env!("CARGO_MANIFEST_DIR"))
            .join("../../fixtures/dsl/invalid/bad_action_parameters.json"),
    )
    .unwrap();
    let error = rtgsim_policy_dsl::load(&text).unwrap_err();
    let paths: Vec<&str> = error
        .diagnostics()
        .iter()
        .map(|d| d.path.as_str())
        .collect();
    assert_eq!(
        paths,
        vec![
            "root.on_true.parameters.priority_flag",
            "root.on_true.parameters.timed_for",
            "root.on_false.parameters.num_splits",
        ]
    );
    let nodes: Vec<Option<&str>> = error
        .diagnostics()
        .iter()
        .map(|d| d.node_id.as_deref())
        .collect();
    assert_eq!(nodes, vec![Some("A1"), Some("A1"), Some("A2")]);
}

#[test]
fn suggestions_are_only_for_close_names() {
    let doc = |field: &str| {
        format!(
            r#"{{"version": "1.0", "tree_id": "t", "root": {{"type": "condition", "node_id": "N1",
            "condition": {{"op": ">", "left": {{"field": "{field}"}}, "right": {{"value": 0}}}},
            "on_true": {{"type": "action", "node_id": "A1", "action": "Release"}},
            "on_false": {{"type": "action", "node_id": "A2", "action": "Hold"}}}}}}"#
        )
    };
    let close = rtgsim_policy_dsl::load(&doc("ticks_to_dedline"))
        .unwrap_err()
        .to_string();
    assert!(close.contains("root.condition.left.field (node N1): unknown field \"ticks_to_dedline\"; did you mean \"ticks_to_deadline\"?"), "{close}");
    let far = rtgsim_policy_dsl::load(&doc("zzz"))
        .unwrap_err()
        .to_string();
    assert!(!far.contains("did you mean"), "{far}");
}

#[test]
fn the_json_position_is_given_for_syntax_errors() {
    match rtgsim_policy_dsl::load("{\n  \"version\": \"1.0\",\n  oops\n}") {
        Err(rtgsim_policy_dsl::LoadError::Json { line, column, .. }) => {
            assert_eq!((line, column), (3, 3))
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn depth_is_limited() {
    let mut node = serde_json::json!({"type": "action", "node_id": "LEAF", "action": "Release"});
    for i in 0..101 {
        node = serde_json::json!({
            "type": "condition", "node_id": format!("N{i}"),
            "condition": {"op": ">", "left": {"field": "amount"}, "right": {"value": 0}},
            "on_true": node,
            "on_false": {"type": "action", "node_id": format!("H{i}"), "action": "Hold"}
        });
    }
    let doc = serde_json::json!({"version": "1.0", "tree_id": "deep", "root": node});
    // Too deep for the JSON reader's own limit, or for ours: refused either way.
    let text = doc.to_string();
    let error = rtgsim_policy_dsl::load(&text).unwrap_err().to_string();
    assert!(
        error.contains("deep") || error.contains("recursion limit"),
        "{error}"
    );
    let value = rtgsim_policy_dsl::load_value(&doc).unwrap_err().to_string();
    assert!(
        value.contains("root (node N100): the tree is more than 100 nodes deep"),
        "{value}"
    );
}

#[test]
fn problems_inside_a_computation_come_in_the_order_they_are_written() {
    // max(p / 0, clamp(nope, 0, amount / 0)) in a bank tree: the outer division,
    // the unknown parameter, then the inner division (a division is checked
    // before its operands) and the payment field a bank tree has no payment for,
    // each at its own path.
    let text = r#"{"version": "2.0", "policy_id": "p", "parameters": {"p": 1},
      "bank_tree": {"type": "condition", "node_id": "N1",
        "condition": {"op": ">", "right": {"value": 0}, "left": {"compute": {"op": "max", "values": [
          {"compute": {"op": "/", "left": {"param": "p"}, "right": {"value": 0}}},
          {"compute": {"op": "clamp", "value": {"param": "nope"}, "min": {"value": 0},
            "max": {"compute": {"op": "/", "left": {"field": "amount"}, "right": {"value": 0}}}}}
        ]}}},
        "on_true": {"type": "action", "node_id": "A1", "action": "NoAction"},
        "on_false": {"type": "action", "node_id": "A2", "action": "NoAction"}}}"#;
    let error = rtgsim_policy_dsl::load(text).unwrap_err();
    let problems: Vec<(String, String)> = error
        .diagnostics()
        .iter()
        .map(|d| (d.path.clone(), d.message.clone()))
        .collect();
    let values = "bank_tree.condition.left.compute.values";
    let expected = [
        ("[0].compute.right", "division by the literal zero"),
        ("[1].compute.value.param", "unknown parameter \"nope\""),
        (
            "[1].compute.max.compute.right",
            "division by the literal zero",
        ),
        (
            "[1].compute.max.compute.left.field",
            "\"amount\" is a payment field; a bank_tree has no payment",
        ),
    ]
    .map(|(path, message)| (format!("{values}{path}"), message.to_string()));
    assert_eq!(problems, expected);
}

/// A 200,000-character token written where a key, a field, an action or a node id
/// belongs is quoted clipped to its first 60 characters and its length; the path
/// still says where it is.
#[test]
fn long_tokens_are_clipped_in_messages_and_paths() {
    let token = "x".repeat(200_000);
    let clipped = format!("{}… (200000 characters)", "x".repeat(60));
    let text = serde_json::json!({
        "version": "2.0",
        "payment_tree": {
            "type": "condition", "node_id": token, token.clone(): 1,
            "condition": {"op": ">", "left": {"field": token}, "right": 0},
            "on_true": {"type": "action", "node_id": "A", "action": token},
            "on_false": {"type": "action", "node_id": token, "action": "Hold"}
        }
    })
    .to_string();
    let error = rtgsim_policy_dsl::load(&text).unwrap_err();
    let lines: Vec<String> = error
        .diagnostics()
        .iter()
        .map(ToString::to_string)
        .collect();
    assert_eq!(
        lines,
        vec![
            format!("payment_tree.{clipped} (node {clipped}): unknown key \"{clipped}\""),
            format!(
                "payment_tree.condition.left.field (node {clipped}): unknown field \"{clipped}\""
            ),
            format!("payment_tree.on_true.action (node A): unknown action \"{clipped}\""),
        ]
    );
    assert!(error.to_string().len() < 1_000, "{error}");
}
