//! Issue 16's vocabulary: the share of a divisible payment released now
//! (`ReleaseShare`, `ReleasePartial`) and the day's initial liquidity
//! (`evaluate_initial_liquidity`), each against amounts worked out by hand, and every
//! malformed answer a policy error that releases and posts nothing.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test helpers fail loudly

mod common;

use common::{policy, world};
use rtgsim_core::event::PolicyCall;
use rtgsim_core::testkit::World;
use rtgsim_core::{CashManagerPolicy, LiquidityShare, PolicyView, ReleaseAction, ReleaseDecision};

/// A policy whose `evaluate_queue` returns `expression` (with `ids`, the queued
/// payments' ids in order: 100 to B, 400 to B, 900 to C divisible).
fn returning(expression: &str) -> rtgsim_policy_starlark::StarlarkPolicy {
    policy(&format!(
        "def evaluate_queue(transactions, agent, system, state):\n    ids = [tx.id for tx in transactions]\n    return {expression}\n"
    ))
}

#[test]
fn a_share_of_a_divisible_payment_is_released_rounded_down_to_a_cent() {
    let (world, [a, _, c]) = world();
    let cases = [
        // 30% of 900 cents is 270.
        (
            r#"{"action": "ReleaseShare", "tx_id": ids[2], "share": 0.3}"#,
            ReleaseDecision::submit_partial(c, 270),
        ),
        // 1/7 of 900 is 128.57: 128 cents (the share is 142,857 parts per million).
        (
            r#"{"action": "ReleaseShare", "tx_id": ids[2], "share": 1.0 / 7, "priority": 4}"#,
            ReleaseDecision::new(
                c,
                ReleaseAction::SubmitPartial {
                    amount: 128,
                    priority: Some(4),
                },
            ),
        ),
        // Share 1 (an int) is the whole payment, divisible or not.
        (
            r#"{"action": "ReleaseShare", "tx_id": ids[2], "share": 1}"#,
            ReleaseDecision::submit(c),
        ),
        (
            r#"{"action": "ReleaseShare", "tx_id": ids[0], "share": 1.0, "reason": "all"}"#,
            ReleaseDecision::submit(a).from_source("all".into()),
        ),
        // A part in cents; all of it is the whole payment.
        (
            r#"{"action": "ReleasePartial", "tx_id": ids[2], "amount": 250}"#,
            ReleaseDecision::submit_partial(c, 250),
        ),
        (
            r#"{"action": "ReleasePartial", "tx_id": ids[2], "amount": 900}"#,
            ReleaseDecision::submit(c),
        ),
    ];
    for (dict, expected) in cases {
        let decided = returning(&format!("[{dict}]"))
            .evaluate_queue(&world.view("A"))
            .unwrap_or_else(|e| panic!("{dict}: {e}"));
        assert_eq!(decided, vec![expected], "{dict}");
    }
}

#[test]
fn a_share_that_cannot_be_released_is_a_policy_error() {
    let (world, _) = world();
    let cases: &[(&str, &str)] = &[
        (
            r#"{"action": "ReleaseShare", "tx_id": ids[0], "share": 0.5}"#,
            "decision 1: tx_id 0: the payment is not divisible: only the whole of it (share 1, or its 100 cents) can be released",
        ),
        (
            r#"{"action": "ReleaseShare", "tx_id": ids[2], "share": 1.5}"#,
            "a share must be a number above 0 and at most 1, not 1.5",
        ),
        (
            r#"{"action": "ReleaseShare", "tx_id": ids[2], "share": 0}"#,
            "a share must be a number above 0 and at most 1, not 0",
        ),
        (
            r#"{"action": "ReleaseShare", "tx_id": ids[2], "share": float("nan")}"#,
            "a share must be a number above 0 and at most 1, not NaN",
        ),
        (
            r#"{"action": "ReleaseShare", "tx_id": ids[2], "share": "half"}"#,
            "\"share\" must be an int or a float, not the string \"half\"",
        ),
        (
            r#"{"action": "ReleaseShare", "tx_id": ids[2], "share": True}"#,
            "\"share\" must be an int or a float, not the bool True",
        ),
        (
            r#"{"action": "ReleaseShare", "tx_id": ids[2]}"#,
            "no \"share\"",
        ),
        (
            r#"{"action": "ReleasePartial", "tx_id": ids[2], "amount": 901}"#,
            "a part must be from 1 cent to the payment's 900 cents, not 901",
        ),
        (
            r#"{"action": "ReleasePartial", "tx_id": ids[0], "amount": 50}"#,
            "the payment is not divisible",
        ),
        (
            r#"{"action": "ReleasePartial", "tx_id": ids[2], "amount": 2.5}"#,
            "\"amount\" must be an int",
        ),
        (
            r#"{"action": "ReleaseShare", "tx_id": ids[2], "share": 0.5, "amount": 3}"#,
            "an unknown key \"amount\" (allowed: action, tx_id, priority, share, reason)",
        ),
    ];
    for (dict, expected) in cases {
        // A good release in the same list: it must not go through either.
        let list = format!(r#"[{{"action": "Release", "tx_id": ids[1]}}, {dict}]"#);
        let error = returning(&list)
            .evaluate_queue(&world.view("A"))
            .expect_err(dict)
            .to_string();
        assert!(
            error.contains(expected),
            "{dict}: expected {expected:?} in {error:?}"
        );
        assert!(error.starts_with("evaluate_queue: "), "{error}");
    }
}

fn opening_view<'a>(world: &'a World, name: &str) -> PolicyView<'a> {
    PolicyView::new(
        &world.state,
        world.id(name),
        &world.rates,
        PolicyCall::InitialLiquidity,
    )
}

/// A policy whose `evaluate_initial_liquidity` counts its calls in `state` and
/// returns `expression`.
fn opening(expression: &str) -> rtgsim_policy_starlark::StarlarkPolicy {
    policy(&format!(
        "def evaluate_queue(transactions, agent, system, state):\n    return []\n\n\
         def evaluate_initial_liquidity(agent, system, state):\n    \
         state[\"openings\"] = state.get(\"openings\", 0) + 1\n    return {expression}\n"
    ))
}

#[test]
fn the_initial_liquidity_is_a_share_or_none() {
    let (world, _) = world();
    let share = |ppm| Some(LiquidityShare::from_fraction(f64::from(ppm) / 1e6).unwrap());
    let cases = [
        ("0.25", share(250_000)),
        ("1", share(1_000_000)),
        ("0", share(0)),
        ("0.2", share(200_000)),
        // Computed from what the policy reads: the balance is 1,000.
        ("agent.balance / 4000.0", share(250_000)),
        ("None", None),
    ];
    for (expression, expected) in cases {
        let mut policy = opening(expression);
        let decided = policy
            .initial_liquidity(&opening_view(&world, "A"))
            .unwrap_or_else(|e| panic!("{expression}: {e}"));
        assert_eq!(decided, expected, "{expression}");
        assert_eq!(policy.state().unwrap()["openings"], 1, "{expression}");
    }
    // Without the entry point the policy keeps what is posted.
    let mut keep =
        policy("def evaluate_queue(transactions, agent, system, state):\n    return []\n");
    assert_eq!(
        keep.initial_liquidity(&opening_view(&world, "A")).unwrap(),
        None
    );
}

#[test]
fn a_bad_initial_liquidity_is_a_policy_error_that_keeps_the_state() {
    let (world, _) = world();
    let cases: &[(&str, &str)] = &[
        ("1.5", "returned 1.5, outside 0 to 1"),
        ("-0.1", "returned -0.1, outside 0 to 1"),
        ("float(\"nan\")", "returned NaN, outside 0 to 1"),
        (
            "\"0.2\"",
            "returned the string \"0.2\"; it must return a share",
        ),
        ("True", "returned the bool True; it must return a share"),
        (
            "{\"action\": \"Post\", \"amount\": 5}",
            "returned the dict {\"action\": \"Post\", \"amount\": 5}; it must return a share",
        ),
        ("[0.2]", "returned the list [0.2]; it must return a share"),
    ];
    for (expression, expected) in cases {
        let mut policy = opening(expression);
        let error = policy
            .initial_liquidity(&opening_view(&world, "A"))
            .expect_err(expression)
            .to_string();
        assert!(
            error.starts_with("evaluate_initial_liquidity: "),
            "{expression}: {error}"
        );
        assert!(
            error.contains(expected),
            "{expression}: expected {expected:?} in {error:?}"
        );
        // The failed call's state is dropped.
        assert_eq!(
            policy.state().unwrap().get("openings"),
            None,
            "{expression}"
        );
    }
}
