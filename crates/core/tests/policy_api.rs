//! Core's policy API table: each table in variant order with unique names, every
//! family deployed by its own capability, the capabilities of core decisions and
//! script actions, and the action lists and keys that messages quote.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test helpers fail loudly

use rtgsim_core::policy_api::*;
use rtgsim_core::{CollateralDecision, HoldReason, ReleaseAction};
use std::collections::BTreeSet;

#[test]
fn tables_are_in_variant_order() {
    for (index, spec) in CAPABILITIES.iter().enumerate() {
        assert_eq!(spec.capability as usize, index, "{}", spec.name);
    }
    for (index, spec) in FAMILIES.iter().enumerate() {
        assert_eq!(spec.family as usize, index, "{}", spec.name);
    }
    for (index, spec) in DECISIONS.iter().enumerate() {
        assert_eq!(spec.kind as usize, index, "{}", spec.name);
    }
    for (index, spec) in DECISION_KEYS.iter().enumerate() {
        assert_eq!(spec.key as usize, index, "{}", spec.name);
    }
}

#[test]
fn names_are_unique_and_found() {
    let names: BTreeSet<&str> = CAPABILITIES.iter().map(|s| s.name).collect();
    assert_eq!(names.len(), CAPABILITIES.len());
    for spec in CAPABILITIES {
        assert_eq!(Capability::lookup(spec.name), Some(spec.capability));
    }
    for spec in DECISION_KEYS {
        assert_eq!(DecisionKey::lookup(spec.name), Some(spec.key));
    }
    assert_eq!(Capability::lookup("policy.action.*"), None);
    for context in [ScriptContext::Payment, ScriptContext::Collateral] {
        let names: BTreeSet<&str> = context.action_names().collect();
        assert_eq!(names.len(), context.decisions().count());
    }
}

#[test]
fn a_family_deploys_with_its_own_capability() {
    for spec in FAMILIES {
        assert_eq!(
            spec.deploy.name(),
            format!("policy.deploy.{}", spec.name),
            "{}",
            spec.name
        );
        assert_eq!(spec.deploy.spec().asker, Asker::Deploy);
    }
}

#[test]
fn policy_actions_are_the_capabilities_decisions_ask_for() {
    let from_decisions: BTreeSet<Capability> =
        DECISIONS.iter().filter_map(|d| d.capability).collect();
    let actions: BTreeSet<Capability> = Capability::policy_actions().collect();
    assert_eq!(from_decisions, actions);
    let names: Vec<&str> = Capability::policy_actions().map(Capability::name).collect();
    assert_eq!(
        names,
        [
            "policy.action.release",
            "policy.action.split",
            "policy.action.drop",
            "policy.action.reprioritize",
            "policy.action.withdraw",
            "policy.action.resubmit",
            "collateral.post",
            "collateral.withdraw",
        ]
    );
}

#[test]
fn core_decisions_ask_for_their_capability() {
    assert_eq!(
        ReleaseAction::Submit { priority: None }.capability(),
        Some(Capability::Release)
    );
    assert_eq!(
        ReleaseAction::SubmitPartial {
            amount: 5,
            priority: None,
        }
        .capability(),
        Some(Capability::Release)
    );
    assert_eq!(
        ReleaseAction::ResubmitToQueue2 { priority: 1 }.capability(),
        Some(Capability::Resubmit)
    );
    assert_eq!(
        ReleaseAction::Hold {
            reason: HoldReason::LowPriority
        }
        .capability(),
        None
    );
    assert_eq!(
        CollateralDecision::Withdraw { amount: 1 }.capability(),
        Some(Capability::CollateralWithdraw)
    );
    assert_eq!(CollateralDecision::Hold.capability(), None);
}

#[test]
fn script_decisions_list_keys_in_key_order_and_become_decisions_of_their_context() {
    for d in SCRIPT_DECISIONS {
        let order: Vec<DecisionKey> = d.keys.iter().map(|(k, _)| *k).collect();
        let mut sorted = order.clone();
        sorted.sort();
        sorted.dedup();
        assert_eq!(order, sorted, "{}", d.name);
        assert!(
            d.keys.iter().all(|(k, _)| *k != DecisionKey::Action),
            "{}",
            d.name
        );
        let collateral = matches!(
            d.decision,
            DecisionKind::PostCollateral
                | DecisionKind::WithdrawCollateral
                | DecisionKind::HoldCollateral
        );
        assert_eq!(
            collateral,
            d.context == ScriptContext::Collateral,
            "{}",
            d.name
        );
    }
}

#[test]
fn contexts_list_their_actions_and_keys_as_messages_do() {
    assert_eq!(
        ScriptContext::Payment.action_list(),
        "Release, Hold, Drop, Split or Reprioritize"
    );
    assert_eq!(
        ScriptContext::Collateral.action_list(),
        "Post, Withdraw or Hold"
    );
    let keys = |c: ScriptContext| c.keys().map(|k| k.name).collect::<Vec<_>>();
    assert_eq!(
        keys(ScriptContext::Payment),
        ["action", "tx_id", "splits", "priority", "reason"]
    );
    assert_eq!(
        keys(ScriptContext::Collateral),
        ["action", "amount", "reason"]
    );
    let release = ScriptDecision::find(ScriptContext::Payment, "Release");
    assert_eq!(
        release.map(|d| d.allowed_keys().collect::<Vec<_>>()),
        Some(vec!["action", "tx_id", "priority", "reason"])
    );
    assert!(ScriptContext::Payment.always_requires(DecisionKey::TxId));
    assert!(!ScriptContext::Collateral.always_requires(DecisionKey::Amount));
    assert_eq!(ScriptDecision::find(ScriptContext::Payment, "Post"), None);
}

#[test]
fn script_actions_ask_for_the_capability_of_their_decision() {
    assert_eq!(
        script_action_capability("Release"),
        Some(Capability::Release)
    );
    assert_eq!(
        script_action_capability("Post"),
        Some(Capability::CollateralPost)
    );
    assert_eq!(script_action_capability("Hold"), None);
    assert_eq!(script_action_capability("Relase"), None);
}
