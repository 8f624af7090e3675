//! The tree diff on a hand-made pair of documents: every change written out by
//! hand, from reading the two documents, not from the diff's output.

use rtgsim_policy_dsl::diff::{ChangeKind, diff};
use serde_json::json;

fn before() -> serde_json::Value {
    json!({
        "version": "2.0",
        "policy_id": "buffer",
        "parameters": {"target_buffer": 100000, "urgency_threshold": 5, "unused": 1},
        "payment_tree": {
            "type": "condition", "node_id": "N_URGENT",
            "condition": {"op": "<=", "left": {"field": "ticks_to_deadline"}, "right": {"param": "urgency_threshold"}},
            "on_true": {"type": "action", "node_id": "A_RELEASE", "action": "Release"},
            "on_false": {
                "type": "condition", "node_id": "N_BUFFER",
                "description": "enough above the buffer",
                "condition": {"op": ">=", "left": {"field": "balance"}, "right": {"param": "target_buffer"}},
                "on_true": {"type": "action", "node_id": "A_RELEASE_2", "action": "Release"},
                "on_false": {"type": "action", "node_id": "A_HOLD", "action": "Hold", "parameters": {"reason": "buffer"}}
            }
        }
    })
}

/// From `before`: urgency_threshold 5 -> 3, `unused` removed, `max_parts` added;
/// N_URGENT's condition compares with `<` instead of `<=`; N_BUFFER's
/// description changed; A_HOLD becomes a Split with other parameters and moves
/// under a new condition node N_BIG (which takes its old place); A_RELEASE_2 is
/// removed, replaced by a new A_PACE; a bank tree is added.
fn after() -> serde_json::Value {
    json!({
        "version": "2.0",
        "policy_id": "buffer",
        "parameters": {"target_buffer": 100000, "urgency_threshold": 3, "max_parts": 4},
        "payment_tree": {
            "type": "condition", "node_id": "N_URGENT",
            "condition": {"op": "<", "left": {"field": "ticks_to_deadline"}, "right": {"param": "urgency_threshold"}},
            "on_true": {"type": "action", "node_id": "A_RELEASE", "action": "Release"},
            "on_false": {
                "type": "condition", "node_id": "N_BUFFER",
                "description": "at least the buffer left",
                "condition": {"op": ">=", "left": {"field": "balance"}, "right": {"param": "target_buffer"}},
                "on_true": {"type": "action", "node_id": "A_PACE", "action": "PaceAndRelease"},
                "on_false": {
                    "type": "condition", "node_id": "N_BIG",
                    "condition": {"op": ">", "left": {"field": "amount"}, "right": {"value": 50000}},
                    "on_true": {"type": "action", "node_id": "A_HOLD", "action": "Split", "parameters": {"num_splits": 2}},
                    "on_false": {"type": "action", "node_id": "A_WAIT", "action": "Hold"}
                }
            }
        },
        "bank_tree": {"type": "action", "node_id": "B_NOOP", "action": "NoAction"}
    })
}

#[test]
fn each_change_is_named_by_node_and_path() {
    let changes = diff(&before(), &after());
    let summary: Vec<(ChangeKind, Option<String>, String, Option<String>)> = changes
        .iter()
        .map(|c| (c.kind, c.node_id.clone(), c.path.clone(), c.field.clone()))
        .collect();
    let s = |t: &str| t.to_string();
    use ChangeKind::*;
    let expected = vec![
        (ParameterChanged, None, s("parameters.max_parts"), None),
        (ParameterChanged, None, s("parameters.unused"), None),
        (
            ParameterChanged,
            None,
            s("parameters.urgency_threshold"),
            None,
        ),
        (
            ConditionChanged,
            Some(s("N_URGENT")),
            s("payment_tree"),
            Some(s("condition")),
        ),
        (
            DescriptionChanged,
            Some(s("N_BUFFER")),
            s("payment_tree.on_false"),
            Some(s("description")),
        ),
        (
            NodeAdded,
            Some(s("A_PACE")),
            s("payment_tree.on_false.on_true"),
            None,
        ),
        (
            NodeAdded,
            Some(s("N_BIG")),
            s("payment_tree.on_false.on_false"),
            None,
        ),
        (
            NodeMoved,
            Some(s("A_HOLD")),
            s("payment_tree.on_false.on_false.on_true"),
            None,
        ),
        (
            ActionChanged,
            Some(s("A_HOLD")),
            s("payment_tree.on_false.on_false.on_true"),
            Some(s("action")),
        ),
        (
            ActionParametersChanged,
            Some(s("A_HOLD")),
            s("payment_tree.on_false.on_false.on_true"),
            Some(s("parameters")),
        ),
        (
            NodeAdded,
            Some(s("A_WAIT")),
            s("payment_tree.on_false.on_false.on_false"),
            None,
        ),
        (
            NodeRemoved,
            Some(s("A_RELEASE_2")),
            s("payment_tree.on_false.on_true"),
            None,
        ),
        (TreeAdded, Some(s("B_NOOP")), s("bank_tree"), None),
    ];
    assert_eq!(summary, expected);
}

#[test]
fn the_changes_carry_the_values_compared() {
    let changes = diff(&before(), &after());
    // The values compared, for the changes whose values matter most.
    assert_eq!(
        (changes[1].before.clone(), changes[1].after.clone()),
        (Some(json!(1)), None)
    );
    assert_eq!(
        (changes[2].before.clone(), changes[2].after.clone()),
        (Some(json!(5)), Some(json!(3)))
    );
    assert_eq!(
        changes[3].before.as_ref().map(|c| c["op"].clone()),
        Some(json!("<="))
    );
    assert_eq!(
        changes[3].after.as_ref().map(|c| c["op"].clone()),
        Some(json!("<"))
    );
    assert_eq!(
        changes[7].before,
        Some(json!("payment_tree.on_false.on_false"))
    );
    assert_eq!(
        (changes[8].before.clone(), changes[8].after.clone()),
        (Some(json!("Hold")), Some(json!("Split")))
    );
    // An added node is shown without its children (they are changes of their own).
    assert_eq!(
        changes[6].after.as_ref().and_then(|n| n.get("on_true")),
        None
    );
    assert_eq!(
        changes[8].to_string(),
        r#"~ node A_HOLD at payment_tree.on_false.on_false.on_true: action "Hold" -> "Split""#
    );
    assert_eq!(
        changes[2].to_string(),
        "parameters.urgency_threshold: 5 -> 3"
    );
}

#[test]
fn identical_documents_have_no_changes_and_swapped_branches_move_every_node_in_them() {
    assert_eq!(diff(&before(), &before()), vec![]);
    let mut swapped = before();
    let tree = &mut swapped["payment_tree"];
    let on_true = tree["on_true"].take();
    let on_false = tree["on_false"].take();
    tree["on_true"] = on_false;
    tree["on_false"] = on_true;
    let moved: Vec<(String, String)> = diff(&before(), &swapped)
        .iter()
        .map(|c| {
            assert_eq!(c.kind, ChangeKind::NodeMoved, "{c}");
            (c.node_id.clone().unwrap_or_default(), c.path.clone())
        })
        .collect();
    assert_eq!(
        moved,
        vec![
            ("N_BUFFER".to_string(), "payment_tree.on_true".to_string()),
            (
                "A_RELEASE_2".to_string(),
                "payment_tree.on_true.on_true".to_string()
            ),
            (
                "A_HOLD".to_string(),
                "payment_tree.on_true.on_false".to_string()
            ),
            ("A_RELEASE".to_string(), "payment_tree.on_false".to_string()),
        ]
    );
}
