//! Decisions: each kind is read as the engine's decision; a payment left out is held;
//! anything malformed is a policy error that says what was wrong, and releases nothing.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test helpers fail loudly

mod common;

use common::{end_of_tick_view, policy, strategic_view, world};
use rtgsim_core::policy_api::{DECISION_KEYS, DecisionKey, ScriptContext, ScriptDecision};
use rtgsim_core::{
    CashManagerPolicy, CollateralDecision, HoldReason, ReleaseAction, ReleaseDecision,
};

/// A policy whose `evaluate_queue` returns `expression` (which may use `ids`, the
/// queued payments' ids in order).
fn returning(expression: &str) -> rtgsim_policy_starlark::StarlarkPolicy {
    policy(&format!(
        "def evaluate_queue(transactions, agent, system, state):\n    ids = [tx.id for tx in transactions]\n    return {expression}\n"
    ))
}

#[test]
fn every_payment_decision_is_read() {
    let (world, [a, b, c]) = world();
    let mut policy = returning(
        r#"[
        {"action": "Release", "tx_id": ids[0], "reason": "small"},
        {"action": "Hold", "tx_id": ids[1], "reason": "waiting for inflows"},
        {"action": "Split", "tx_id": ids[2], "splits": 3},
    ]"#,
    );
    let decisions = policy.evaluate_queue(&world.view("A")).unwrap();
    assert_eq!(
        decisions,
        vec![
            ReleaseDecision::submit(a).from_source("small".into()),
            ReleaseDecision::hold(b, HoldReason::Custom("waiting for inflows".into())),
            ReleaseDecision::split(c, 3),
        ]
    );
    let mut dropper =
        returning(r#"[{"action": "Drop", "tx_id": ids[1]}, {"action": "Hold", "tx_id": ids[0]}]"#);
    assert_eq!(
        dropper.evaluate_queue(&world.view("A")).unwrap(),
        vec![
            ReleaseDecision::new(b, ReleaseAction::Drop),
            ReleaseDecision::hold(a, HoldReason::Custom("held by the script".into())),
        ]
    );
}

#[test]
fn a_release_may_set_a_priority_and_a_payment_may_be_reprioritized() {
    let (world, [a, b, _]) = world();
    let mut policy = returning(
        r#"[{"action": "Release", "tx_id": ids[0], "priority": 9}, {"action": "Reprioritize", "tx_id": ids[1], "priority": 0}]"#,
    );
    assert_eq!(
        policy.evaluate_queue(&world.view("A")).unwrap(),
        vec![
            ReleaseDecision::new(a, ReleaseAction::Submit { priority: Some(9) }),
            ReleaseDecision::new(b, ReleaseAction::Reprioritize { priority: 0 }),
        ]
    );
}

#[test]
fn a_payment_left_out_gets_no_decision_and_stays_queued() {
    let (world, [_, b, _]) = world();
    let mut policy = returning(r#"[{"action": "Release", "tx_id": ids[1]}]"#);
    assert_eq!(
        policy.evaluate_queue(&world.view("A")).unwrap(),
        vec![ReleaseDecision::submit(b)]
    );
    let mut none = returning("[]");
    assert_eq!(none.evaluate_queue(&world.view("A")).unwrap(), vec![]);
}

#[test]
fn malformed_payment_decisions_are_policy_errors() {
    let cases: &[(&str, &str)] = &[
        (
            "None",
            "evaluate_queue: returned a NoneType; it must return a list of decisions",
        ),
        (
            r#"{"action": "Release", "tx_id": ids[0]}"#,
            "returned a dict; it must return a list of decisions",
        ),
        ("[ids[0]]", "decision 0: an int, not a dict"),
        (r#"[{"tx_id": ids[0]}]"#, "decision 0: no \"action\""),
        (r#"[{"action": "Release"}]"#, "decision 0: no \"tx_id\""),
        (
            r#"[{"action": "Relase", "tx_id": ids[0]}]"#,
            "unknown action \"Relase\" (did you mean \"Release\"?)",
        ),
        (
            r#"[{"action": 1, "tx_id": ids[0]}]"#,
            "\"action\" must be a string, not an int",
        ),
        (
            r#"[{"action": "Release", "tx_id": str(ids[0])}]"#,
            "\"tx_id\" must be an int, not the string",
        ),
        (
            r#"[{"action": "Release", "tx_id": 1.0}]"#,
            "\"tx_id\" must be an int, not the float",
        ),
        (
            r#"[{"action": "Release", "tx_id": 99999}]"#,
            "tx_id 99999 is not a payment in this agent's queue",
        ),
        (
            r#"[{"action": "Release", "tx_id": -1}]"#,
            "\"tx_id\" is -1, outside",
        ),
        (
            r#"[{"action": "Release", "tx_id": ids[0]}, {"action": "Hold", "tx_id": ids[0]}]"#,
            "decision 1: a second decision for tx_id",
        ),
        (r#"[{"action": "Split", "tx_id": ids[2]}]"#, "no \"splits\""),
        (
            r#"[{"action": "Split", "tx_id": ids[2], "splits": 1}]"#,
            "\"splits\" is 1, outside 2..=900",
        ),
        (
            r#"[{"action": "Split", "tx_id": ids[2], "splits": 901}]"#,
            "\"splits\" is 901, outside 2..=900",
        ),
        (
            r#"[{"action": "Split", "tx_id": ids[0], "splits": 2}]"#,
            "decision 0: tx_id 0 is not divisible (tx.is_divisible is False) and cannot be split",
        ),
        (
            r#"[{"action": "Release", "tx_id": ids[0], "splits": 2}]"#,
            "an unknown key \"splits\" (allowed: action, tx_id, priority, reason)",
        ),
        (
            r#"[{"action": "Release", "tx_id": ids[0], "priority": 11}]"#,
            "\"priority\" is 11, outside 0..=10",
        ),
        (
            r#"[{"action": "Reprioritize", "tx_id": ids[0]}]"#,
            "no \"priority\"",
        ),
        (
            r#"[{"action": "Hold", "tx_id": ids[0], "reason": 3}]"#,
            "\"reason\" must be a string",
        ),
        (r#"[{1: 2}]"#, "a key 1 that is not a string"),
    ];
    let (world, _) = world();
    for (expression, expected) in cases {
        let mut policy = returning(expression);
        let error = policy
            .evaluate_queue(&world.view("A"))
            .expect_err(expression)
            .to_string();
        assert!(
            error.contains(expected),
            "{expression}: expected {expected:?} in {error:?}"
        );
        assert!(error.starts_with("evaluate_queue: "), "{error}");
    }
}

/// A policy whose collateral entry points both return `expression`.
fn collateral(expression: &str) -> rtgsim_policy_starlark::StarlarkPolicy {
    policy(&format!(
        "def evaluate_queue(transactions, agent, system, state):\n    return []\n\n\
         def evaluate_strategic_collateral(agent, system, state):\n    return {expression}\n\n\
         def evaluate_end_of_tick_collateral(agent, system, state):\n    return {expression}\n"
    ))
}

#[test]
fn every_collateral_decision_is_read() {
    let (world, _) = world();
    let cases = [
        (
            r#"{"action": "Post", "amount": 500, "reason": "cover the gap"}"#,
            CollateralDecision::Post { amount: 500 },
        ),
        (
            r#"{"action": "Withdraw", "amount": 70}"#,
            CollateralDecision::Withdraw { amount: 70 },
        ),
        (r#"{"action": "Hold"}"#, CollateralDecision::Hold),
        ("None", CollateralDecision::Hold),
    ];
    for (expression, expected) in cases {
        let mut policy = collateral(expression);
        assert_eq!(
            policy
                .strategic_collateral(&strategic_view(&world, "A"))
                .unwrap(),
            expected,
            "{expression}"
        );
        assert_eq!(
            policy
                .end_of_tick_collateral(&end_of_tick_view(&world, "A"))
                .unwrap(),
            expected,
            "{expression}"
        );
    }
}

#[test]
fn without_collateral_entry_points_collateral_is_held() {
    let (world, _) = world();
    let mut policy = returning("[]");
    assert_eq!(
        policy
            .strategic_collateral(&strategic_view(&world, "A"))
            .unwrap(),
        CollateralDecision::Hold
    );
    assert_eq!(
        policy
            .end_of_tick_collateral(&end_of_tick_view(&world, "A"))
            .unwrap(),
        CollateralDecision::Hold
    );
}

#[test]
fn malformed_collateral_decisions_are_policy_errors() {
    let cases: &[(&str, &str)] = &[
        (
            "[]",
            "evaluate_strategic_collateral: returned a list, not a dict",
        ),
        (r#"{"action": "Post"}"#, "no \"amount\""),
        (
            r#"{"action": "Post", "amount": 0}"#,
            "\"amount\" is 0, outside 1..=",
        ),
        (
            r#"{"action": "Post", "amount": 2.5}"#,
            "\"amount\" must be an int, not the float 2.5",
        ),
        (
            r#"{"action": "Pst", "amount": 5}"#,
            "unknown action \"Pst\" (did you mean \"Post\"?)",
        ),
        (
            r#"{"action": "Hold", "amout": 5}"#,
            "an unknown key \"amout\"",
        ),
    ];
    let (world, _) = world();
    for (expression, expected) in cases {
        let mut policy = collateral(expression);
        let error = policy
            .strategic_collateral(&strategic_view(&world, "A"))
            .expect_err(expression)
            .to_string();
        assert!(
            error.contains(expected),
            "{expression}: expected {expected:?} in {error:?}"
        );
        assert!(
            error.starts_with("evaluate_strategic_collateral: "),
            "{error}"
        );
    }
}

/// A value of the right type and range for `key` in a decision of `context`
/// (`ids[2]` is the divisible payment; a collateral function has no `ids`).
fn value_for(key: DecisionKey, context: ScriptContext) -> &'static str {
    match key {
        DecisionKey::Action => "\"Hold\"",
        DecisionKey::TxId if context == ScriptContext::Collateral => "7",
        DecisionKey::TxId => "ids[2]",
        DecisionKey::Splits => "2",
        DecisionKey::Priority => "3",
        DecisionKey::Amount => "5",
        DecisionKey::Share => "0.5",
        DecisionKey::Reason => "\"why\"",
    }
}

/// A decision dict for `decision` with every key it takes, and `extra` keys.
fn full_dict(decision: &ScriptDecision, extra: &[DecisionKey]) -> String {
    let entries: Vec<String> = std::iter::once(format!("\"action\": \"{}\"", decision.name))
        .chain(
            decision
                .keys
                .iter()
                .map(|(key, _)| *key)
                .chain(extra.iter().copied())
                .map(|key| format!("\"{}\": {}", key.name(), value_for(key, decision.context))),
        )
        .collect();
    format!("{{{}}}", entries.join(", "))
}

#[test]
fn the_interpreter_takes_exactly_the_keys_of_the_policy_api_table() {
    let (world, _) = world();
    for decision in ScriptContext::Payment.decisions() {
        let dict = full_dict(decision, &[]);
        let decided = returning(&format!("[{dict}]"))
            .evaluate_queue(&world.view("A"))
            .unwrap_or_else(|e| panic!("{dict}: {e}"));
        assert_eq!(decided.len(), 1, "{dict}");
        assert_eq!(decided[0].action.kind(), decision.decision, "{dict}");
        let allowed = decision.allowed_keys().collect::<Vec<_>>().join(", ");
        for other in DECISION_KEYS.iter().filter(|k| !decision.takes(k.key)) {
            let dict = full_dict(decision, &[other.key]);
            let error = returning(&format!("[{dict}]"))
                .evaluate_queue(&world.view("A"))
                .expect_err(&dict)
                .to_string();
            let expected = format!("an unknown key \"{}\" (allowed: {allowed})", other.name);
            assert!(error.ends_with(&expected), "{dict}: {error}");
        }
    }
    for decision in ScriptContext::Collateral.decisions() {
        let dict = full_dict(decision, &[]);
        let decided = collateral(&dict)
            .strategic_collateral(&strategic_view(&world, "A"))
            .unwrap_or_else(|e| panic!("{dict}: {e}"));
        assert_eq!(decided.kind(), decision.decision, "{dict}");
        let allowed = decision.allowed_keys().collect::<Vec<_>>().join(", ");
        for other in DECISION_KEYS.iter().filter(|k| !decision.takes(k.key)) {
            let dict = full_dict(decision, &[other.key]);
            let error = collateral(&dict)
                .strategic_collateral(&strategic_view(&world, "A"))
                .expect_err(&dict)
                .to_string();
            let expected = format!("an unknown key \"{}\" (allowed: {allowed})", other.name);
            assert!(error.ends_with(&expected), "{dict}: {error}");
        }
    }
}

#[test]
fn an_unknown_action_is_answered_with_the_actions_of_its_context() {
    let (world, _) = world();
    let error = returning(r#"[{"action": "Relase", "tx_id": ids[0]}]"#)
        .evaluate_queue(&world.view("A"))
        .unwrap_err()
        .to_string();
    assert!(
        error.ends_with("decision 0: unknown action \"Relase\" (did you mean \"Release\"?); a payment decision is Release, Hold, Drop, Split, Reprioritize, ReleaseShare or ReleasePartial"),
        "{error}"
    );
    let error = returning(r#"[{"action": "Post", "tx_id": ids[0]}]"#)
        .evaluate_queue(&world.view("A"))
        .unwrap_err()
        .to_string();
    assert!(
        error.ends_with("decision 0: unknown action \"Post\"; a payment decision is Release, Hold, Drop, Split, Reprioritize, ReleaseShare or ReleasePartial"),
        "{error}"
    );
    let error = collateral(r#"{"action": "Pst", "amount": 5}"#)
        .strategic_collateral(&strategic_view(&world, "A"))
        .unwrap_err()
        .to_string();
    assert!(
        error.ends_with("returned an unknown action \"Pst\" (did you mean \"Post\"?); a collateral decision is Post, Withdraw or Hold"),
        "{error}"
    );
}
