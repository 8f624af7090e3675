//! Core's policy API table: each table in variant order with unique names, every
//! family deployed by its own capability, the capabilities of core decisions and
//! script actions, and the action lists and keys that messages quote.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test helpers fail loudly

use rtgsim_core::decision::PartError;
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
        "Release, Hold, Drop, Split, Reprioritize, ReleaseShare or ReleasePartial"
    );
    assert_eq!(
        ScriptContext::Collateral.action_list(),
        "Post, Withdraw or Hold"
    );
    let keys = |c: ScriptContext| c.keys().map(|k| k.name).collect::<Vec<_>>();
    assert_eq!(
        keys(ScriptContext::Payment),
        [
            "action", "tx_id", "splits", "priority", "amount", "share", "reason"
        ]
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
    for part in ["ReleaseShare", "ReleasePartial"] {
        assert_eq!(script_action_capability(part), Some(Capability::Release));
    }
    assert_eq!(script_action_capability("Hold"), None);
    assert_eq!(script_action_capability("Relase"), None);
}

/// A share of a payment, worked out by hand: the share in parts per million of the
/// amount, rounded down to a cent, at least one; the whole is a whole release.
#[test]
fn a_share_of_a_payment_is_rounded_down_to_a_cent() {
    let partial = |amount| {
        Ok(ReleaseAction::SubmitPartial {
            amount,
            priority: None,
        })
    };
    // 0.29 x 100 is 28.999... in floating point; in parts per million it is 29.
    assert_eq!(ReleaseAction::share_of(100, true, 0.29, None), partial(29));
    // 1/3 of 1,000 cents: 333.333 down to 333.
    assert_eq!(
        ReleaseAction::share_of(1_000, true, 1.0 / 3.0, None),
        partial(333)
    );
    // A share too small for a cent still releases one.
    assert_eq!(ReleaseAction::share_of(50, true, 0.001, None), partial(1));
    // Share 1, or a share that rounds to the whole, is a whole release.
    let whole = Ok(ReleaseAction::Submit { priority: Some(3) });
    assert_eq!(ReleaseAction::share_of(7, true, 1.0, Some(3)), whole);
    assert_eq!(ReleaseAction::share_of(1, true, 0.5, Some(3)), whole);
    // Not divisible: only share 1.
    assert_eq!(
        ReleaseAction::share_of(7, false, 1.0, None),
        Ok(ReleaseAction::Submit { priority: None })
    );
    assert_eq!(
        ReleaseAction::share_of(7, false, 0.5, None),
        Err(PartError::NotDivisible { amount: 7 })
    );
    for bad in [0.0, -0.1, 1.5, f64::NAN, f64::INFINITY] {
        assert!(
            matches!(
                ReleaseAction::share_of(100, true, bad, None),
                Err(PartError::BadShare(_))
            ),
            "{bad}"
        );
    }
    assert_eq!(ReleaseAction::part_of(100, true, 40, None), partial(40));
    assert_eq!(
        ReleaseAction::part_of(100, false, 100, None),
        Ok(ReleaseAction::Submit { priority: None })
    );
    assert_eq!(
        ReleaseAction::part_of(100, true, 101, None),
        Err(PartError::BadAmount {
            amount: 100,
            requested: 101
        })
    );
    assert_eq!(
        ReleaseAction::part_of(100, false, 40, None),
        Err(PartError::NotDivisible { amount: 100 })
    );
}
