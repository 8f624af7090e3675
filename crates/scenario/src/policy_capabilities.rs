//! What deploying a policy file asks permission for, as RBAC capability names:
//! deploying the file itself (`policy.deploy.starlark`, `policy.deploy.json`) and
//! taking each action its decisions can name (`policy.action.release`, ...). This is
//! what `rtgsim check --rbac` puts to a rule set for a principal.
//!
//! The names are those the simulator asks about at run time, from core's policy API
//! table (`rtgsim_core::policy_api`): each action asks for the capability of the
//! core decision it becomes, so a tree's `Release`, `ReleaseWithCredit` or
//! `PaceAndRelease` and a script's `"Release"` ask for `policy.action.release`, a
//! tree's `PostCollateral` and a script's `"Post"` for `collateral.post`; holding
//! and keeping state ask for nothing.

use rtgsim_governance::capabilities::Capability;
use std::collections::BTreeSet;
use std::fmt;

/// The capabilities one policy file needs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PolicyCapabilities {
    /// The deploy capability first, then one per action, sorted, each once.
    pub capabilities: Vec<String>,
    /// Set when the file's actions could not all be read: the capabilities then
    /// cover only those that could.
    pub unread: Option<ActionsUnread>,
}

/// Why a policy's actions could not all be read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ActionsUnread {
    /// The file does not parse (the analyzer reports why).
    NotParsed,
    /// A decision's action is computed at run time, not written as a literal.
    Computed,
}

impl fmt::Display for ActionsUnread {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            ActionsUnread::NotParsed => "the file does not parse, so its actions are unknown",
            ActionsUnread::Computed => {
                "a decision computes its action at run time; only the literal actions were checked"
            }
        })
    }
}

/// The capabilities of a Starlark script: deploying it, and each `"action"` string
/// literal of its decision dicts (see `rtgsim_analyzer::starlark::decision_actions`).
pub fn of_script(source: &str) -> PolicyCapabilities {
    match rtgsim_analyzer::starlark::decision_actions(source) {
        Some(found) => PolicyCapabilities {
            capabilities: with_actions(
                Capability::DeployStarlark,
                found
                    .literals
                    .iter()
                    .filter_map(|action| rtgsim_core::policy_api::script_action_capability(action)),
            ),
            unread: found.computed.then_some(ActionsUnread::Computed),
        },
        None => not_parsed(Capability::DeployStarlark),
    }
}

/// The capabilities of a JSON decision tree: deploying it, and each action named
/// by an action node of any of its trees.
pub fn of_tree(text: &str) -> PolicyCapabilities {
    let Ok(document) = rtgsim_policy_dsl::parse::parse_text(text) else {
        return not_parsed(Capability::DeployJson);
    };
    let actions = document
        .trees
        .iter()
        .flat_map(|(_, root)| root.actions())
        .filter_map(|(_, action, _)| action.capability());
    PolicyCapabilities {
        capabilities: with_actions(Capability::DeployJson, actions),
        unread: None,
    }
}

fn not_parsed(deploy: Capability) -> PolicyCapabilities {
    PolicyCapabilities {
        capabilities: vec![deploy.name().to_owned()],
        unread: Some(ActionsUnread::NotParsed),
    }
}

/// `deploy`, then the actions' capabilities, sorted by name and each once.
fn with_actions(deploy: Capability, actions: impl Iterator<Item = Capability>) -> Vec<String> {
    let actions: BTreeSet<&str> = actions.map(Capability::name).collect();
    std::iter::once(deploy.name().to_owned())
        .chain(actions.into_iter().map(str::to_owned))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_tree_asks_for_every_action_of_every_tree() {
        let text = r#"{
          "version": "2.0", "policy_id": "p",
          "payment_tree": {
            "type": "condition", "node_id": "N1",
            "condition": {"op": "<=", "left": {"field": "ticks_to_deadline"}, "right": {"value": 3}},
            "on_true": {"type": "action", "node_id": "A1", "action": "Release"},
            "on_false": {"type": "action", "node_id": "A2", "action": "Drop"}
          },
          "strategic_collateral_tree": {"type": "action", "node_id": "C1", "action": "PostCollateral",
            "parameters": {"amount": {"value": 1}}}
        }"#;
        assert_eq!(
            of_tree(text),
            PolicyCapabilities {
                capabilities: vec![
                    "policy.deploy.json".into(),
                    "collateral.post".into(),
                    "policy.action.drop".into(),
                    "policy.action.release".into(),
                ],
                unread: None,
            }
        );
    }

    #[test]
    fn a_script_asks_for_its_literal_actions_and_says_when_it_computes_one() {
        let script = "def evaluate_queue(t, a, s, st):\n    return [{\"action\": \"Release\", \"tx_id\": x.id} for x in t] + [{\"action\": k} for k in st]\n";
        assert_eq!(
            of_script(script),
            PolicyCapabilities {
                capabilities: vec![
                    "policy.deploy.starlark".into(),
                    "policy.action.release".into()
                ],
                unread: Some(ActionsUnread::Computed),
            }
        );
    }

    #[test]
    fn a_file_that_does_not_parse_still_asks_to_be_deployed() {
        assert_eq!(of_tree("{").capabilities, vec!["policy.deploy.json"]);
        assert_eq!(of_tree("{").unread, Some(ActionsUnread::NotParsed));
        assert_eq!(
            of_script("def (").capabilities,
            vec!["policy.deploy.starlark"]
        );
    }
}
