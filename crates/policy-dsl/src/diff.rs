//! What changed between two decision-tree documents, node by node: each node is
//! known by its tree and `node_id`, so a node whose condition changed is one change
//! (not a block of text lines), a node that moved says from where to where, and the
//! document's parameters are compared by name.
//!
//! It works on the documents' JSON, so it compares any two documents, valid or not
//! (a node without a `node_id` is known by its path).
//!
//! ```
//! use rtgsim_policy_dsl::diff::{diff, ChangeKind};
//! use serde_json::json;
//!
//! let before = json!({"version": "2.0", "parameters": {"urgency": 5},
//!     "payment_tree": {"type": "action", "node_id": "A", "action": "Hold"}});
//! let after = json!({"version": "2.0", "parameters": {"urgency": 3},
//!     "payment_tree": {"type": "action", "node_id": "A", "action": "Release"}});
//! let kinds: Vec<ChangeKind> = diff(&before, &after).iter().map(|c| c.kind).collect();
//! assert_eq!(kinds, [ChangeKind::ParameterChanged, ChangeKind::ActionChanged]);
//! ```

use serde::Serialize;
use serde_json::Value;
use std::collections::BTreeMap;
use std::fmt;

/// The keys that hold trees, in the order changes are reported (`root` is the
/// payment tree of a version 1.0 document).
pub const TREE_KEYS: [&str; 6] = [
    "root",
    "payment_tree",
    "bank_tree",
    "strategic_collateral_tree",
    "end_of_tick_collateral_tree",
    "initial_liquidity_tree",
];

/// The keys of a node that link it to its children: compared as the children's
/// places, not as values.
const CHILD_KEYS: [&str; 2] = ["on_true", "on_false"];

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ChangeKind {
    /// A document field other than the trees and parameters (`version`, `tree_id`,
    /// `description`, ...).
    DocumentChanged,
    /// A named parameter added, removed or given another value.
    ParameterChanged,
    TreeAdded,
    TreeRemoved,
    NodeAdded,
    NodeRemoved,
    /// The same node (tree and `node_id`) at another place in its tree.
    NodeMoved,
    /// A condition node became an action node, or the other way round.
    TypeChanged,
    ConditionChanged,
    ActionChanged,
    /// An action node's `parameters`.
    ActionParametersChanged,
    DescriptionChanged,
    /// Any other field of a node.
    FieldChanged,
}

/// One change. `before` and `after` are the values compared (`None` where there
/// was none: an added node has no `before`).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Change {
    pub kind: ChangeKind,
    /// The tree the node is in (`None` for document fields and parameters).
    pub tree: Option<String>,
    pub node_id: Option<String>,
    /// Where: the node's path in the new document (in the old one for a removed
    /// node), e.g. `payment_tree.on_false.on_true`; `parameters.NAME` for a
    /// parameter; the key for a document field.
    pub path: String,
    /// The field changed (`condition`, `action`, ...), for node field changes.
    pub field: Option<String>,
    pub before: Option<Value>,
    pub after: Option<Value>,
}

/// The changes from `before` to `after`: document fields, then parameters by
/// name, then each tree's nodes in the new document's order (changed, added,
/// moved), then its nodes that were removed, in the old document's order.
pub fn diff(before: &Value, after: &Value) -> Vec<Change> {
    let mut changes = Vec::new();
    document_fields(before, after, &mut changes);
    parameters(before, after, &mut changes);
    for key in TREE_KEYS {
        match (before.get(key), after.get(key)) {
            (None, None) => {}
            (Some(old), None) => changes.push(Change {
                kind: ChangeKind::TreeRemoved,
                tree: Some(key.into()),
                node_id: node_id(old),
                path: key.into(),
                field: None,
                before: Some(old.clone()),
                after: None,
            }),
            (None, Some(new)) => changes.push(Change {
                kind: ChangeKind::TreeAdded,
                tree: Some(key.into()),
                node_id: node_id(new),
                path: key.into(),
                field: None,
                before: None,
                after: Some(new.clone()),
            }),
            (Some(old), Some(new)) => tree(key, old, new, &mut changes),
        }
    }
    changes
}

fn document_fields(before: &Value, after: &Value, changes: &mut Vec<Change>) {
    let skip = |key: &str| key == "parameters" || TREE_KEYS.contains(&key);
    for key in union_keys(before, after) {
        if skip(&key) {
            continue;
        }
        let (old, new) = (before.get(&key), after.get(&key));
        if old != new {
            changes.push(Change {
                kind: ChangeKind::DocumentChanged,
                tree: None,
                node_id: None,
                path: key,
                field: None,
                before: old.cloned(),
                after: new.cloned(),
            });
        }
    }
}

fn parameters(before: &Value, after: &Value, changes: &mut Vec<Change>) {
    let none = Value::Null;
    let old = before.get("parameters").unwrap_or(&none);
    let new = after.get("parameters").unwrap_or(&none);
    for name in union_keys(old, new) {
        let (was, is) = (old.get(&name), new.get(&name));
        if was != is {
            changes.push(Change {
                kind: ChangeKind::ParameterChanged,
                tree: None,
                node_id: None,
                path: format!("parameters.{name}"),
                field: None,
                before: was.cloned(),
                after: is.cloned(),
            });
        }
    }
}

/// The keys of two objects, sorted, each once.
fn union_keys(a: &Value, b: &Value) -> Vec<String> {
    let mut keys: Vec<String> = [a, b]
        .iter()
        .filter_map(|v| v.as_object())
        .flat_map(|map| map.keys().cloned())
        .collect();
    keys.sort();
    keys.dedup();
    keys
}

fn node_id(node: &Value) -> Option<String> {
    node.get("node_id")
        .and_then(Value::as_str)
        .map(str::to_string)
}

/// A node of a tree with its path; known by its `node_id`, or its path when it has
/// none.
struct Placed<'a> {
    key: String,
    path: String,
    node: &'a Value,
}

/// Every node of a tree, depth first, `on_true` before `on_false`.
fn nodes<'a>(root: &'a Value, path: String, out: &mut Vec<Placed<'a>>) {
    let key = node_id(root).unwrap_or_else(|| format!("@{path}"));
    out.push(Placed {
        key,
        path: path.clone(),
        node: root,
    });
    for child in CHILD_KEYS {
        if let Some(node) = root.get(child).filter(|n| n.is_object()) {
            nodes(node, format!("{path}.{child}"), out);
        }
    }
}

fn tree(key: &str, old: &Value, new: &Value, changes: &mut Vec<Change>) {
    let (mut was, mut is) = (Vec::new(), Vec::new());
    nodes(old, key.to_string(), &mut was);
    nodes(new, key.to_string(), &mut is);
    // Deterministic lookups; with a repeated node_id, the first one is matched.
    let mut old_by_key: BTreeMap<&str, &Placed<'_>> = BTreeMap::new();
    for placed in &was {
        old_by_key.entry(placed.key.as_str()).or_insert(placed);
    }
    let new_keys: std::collections::BTreeSet<&str> = is.iter().map(|p| p.key.as_str()).collect();
    let change = |kind, placed: &Placed<'_>, field: Option<String>, before, after| Change {
        kind,
        tree: Some(key.to_string()),
        node_id: node_id(placed.node),
        path: placed.path.clone(),
        field,
        before,
        after,
    };
    for placed in &is {
        let Some(previous) = old_by_key.get(placed.key.as_str()) else {
            changes.push(change(
                ChangeKind::NodeAdded,
                placed,
                None,
                None,
                Some(without_children(placed.node)),
            ));
            continue;
        };
        if previous.path != placed.path {
            changes.push(change(
                ChangeKind::NodeMoved,
                placed,
                None,
                Some(Value::String(previous.path.clone())),
                Some(Value::String(placed.path.clone())),
            ));
        }
        for field in union_keys(previous.node, placed.node) {
            if field == "node_id" || CHILD_KEYS.contains(&field.as_str()) {
                continue;
            }
            let (a, b) = (previous.node.get(&field), placed.node.get(&field));
            if a == b {
                continue;
            }
            let kind = match field.as_str() {
                "type" => ChangeKind::TypeChanged,
                "condition" => ChangeKind::ConditionChanged,
                "action" => ChangeKind::ActionChanged,
                "parameters" => ChangeKind::ActionParametersChanged,
                "description" => ChangeKind::DescriptionChanged,
                _ => ChangeKind::FieldChanged,
            };
            changes.push(change(kind, placed, Some(field), a.cloned(), b.cloned()));
        }
    }
    for placed in &was {
        if !new_keys.contains(placed.key.as_str()) {
            changes.push(change(
                ChangeKind::NodeRemoved,
                placed,
                None,
                Some(without_children(placed.node)),
                None,
            ));
        }
    }
}

/// A node without its subtrees: an added or removed node is shown alone, its
/// children being changes of their own.
fn without_children(node: &Value) -> Value {
    match node {
        Value::Object(map) => Value::Object(
            map.iter()
                .filter(|(k, _)| !CHILD_KEYS.contains(&k.as_str()))
                .map(|(k, v)| (k.clone(), v.clone()))
                .collect(),
        ),
        other => other.clone(),
    }
}

impl fmt::Display for Change {
    /// One line: what changed, where, from what to what.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let show = |v: &Option<Value>| v.as_ref().map_or("(none)".to_string(), Value::to_string);
        let node = match &self.node_id {
            Some(id) => format!("node {id} at {}", self.path),
            None => format!("node at {}", self.path),
        };
        let (before, after) = (show(&self.before), show(&self.after));
        match self.kind {
            ChangeKind::DocumentChanged => write!(f, "{}: {before} -> {after}", self.path),
            ChangeKind::ParameterChanged => write!(f, "{}: {before} -> {after}", self.path),
            ChangeKind::TreeAdded => write!(f, "+ tree {}", self.path),
            ChangeKind::TreeRemoved => write!(f, "- tree {}", self.path),
            ChangeKind::NodeAdded => write!(f, "+ {node}: {after}"),
            ChangeKind::NodeRemoved => write!(f, "- {node}: {before}"),
            ChangeKind::NodeMoved => write!(f, "~ {node}: moved from {before}"),
            _ => write!(
                f,
                "~ {node}: {} {before} -> {after}",
                self.field.as_deref().unwrap_or("?")
            ),
        }
    }
}
