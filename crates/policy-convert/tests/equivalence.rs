//! The proof of a conversion: random valid trees and their Starlark conversions make
//! identical decisions on random states (the action and its parameters, for which
//! payments, with the same event source), fail on the same calls, and keep the same
//! registers and release budget across calls.
//!
//! The generator leans on the edges: literals such as 0.1, 0.2, 0.3, 1e-9 and 5e-10
//! (equality within epsilon), -0.0, halves (rounding), huge constants (overflow),
//! amounts from one cent to 1e13, and computed split counts and priorities that are
//! almost whole.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test helpers fail loudly

use proptest::prelude::*;
use proptest::strategy::ValueTree;
use proptest::test_runner::{Config, RngAlgorithm, TestRng, TestRunner};
use rtgsim_core::agent::AgentSetup;
use rtgsim_core::event::PolicyCall;
use rtgsim_core::testkit::World;
use rtgsim_core::{
    CashManagerPolicy, CollateralDecision, CostRates, HoldReason, PolicyView, QueueOrder,
    ReleaseAction, ReleaseDecision,
};
use rtgsim_policy_dsl::TreePolicy;
use rtgsim_policy_starlark::StarlarkPolicy;
use serde_json::{Value as Json, json};

// ---------------------------------------------------------------- documents

const LITERALS: &[f64] = &[
    0.0, -0.0, 1.0, 2.0, 3.0, 5.0, 0.1, 0.2, 0.3, 0.5, 1.5, 2.5, -2.5, 1e-9, 5e-10, 1e-10, 100.0,
    1000.0, 50_000.0, 1e6, 1e200, -1e200, 1e300,
];

/// A register name with a quote, a backslash and a line break: the conversion must
/// write it as the same string where it is set and where it is read.
const ODD_REGISTER: &str = "bank_state_\"odd\\\nname";

fn literal() -> impl Strategy<Value = f64> {
    prop_oneof![
        3 => prop::sample::select(LITERALS),
        1 => -1e6f64..1e6,
    ]
}

#[derive(Debug, Clone, Copy, PartialEq)]
enum Kind {
    Payment,
    Bank,
    Collateral,
}

fn fields(kind: Kind) -> Vec<&'static str> {
    let mut names = vec![
        "balance",
        "credit_headroom",
        "available_liquidity",
        "liquidity_pressure",
        "outgoing_queue_value",
        "posted_collateral",
        "current_tick",
        "ticks_to_eod",
        "day_progress_fraction",
        "total_agents",
        "is_eod_rush",
        "bank_state_a",
        "bank_state_b",
        ODD_REGISTER,
    ];
    if kind == Kind::Payment {
        names.extend([
            "amount",
            "remaining_amount",
            "ticks_to_deadline",
            "deadline_tick",
            "priority",
            "is_divisible",
            "queue_age",
            "cost_delay_this_tx_one_tick",
            "release_budget_remaining",
            "queue1_total_value",
        ]);
    }
    names
}

fn value(kind: Kind, depth: u32) -> BoxedStrategy<Json> {
    let leaf = prop_oneof![
        3 => prop::sample::select(fields(kind)).prop_map(|f| json!({"field": f})),
        2 => literal().prop_map(|x| json!(x)),
        1 => prop::sample::select(vec!["p1", "p2", "p_big"]).prop_map(|p| json!({"param": p})),
    ];
    if depth == 0 {
        return leaf.boxed();
    }
    let inner = value(kind, depth - 1);
    prop_oneof![
        4 => leaf,
        2 => (prop::sample::select(vec!["+", "-", "*", "/"]), inner.clone(), inner.clone())
            .prop_map(|(op, l, r)| json!({"compute": {"op": op, "left": l, "right": r}})),
        1 => (prop::sample::select(vec!["max", "min"]), prop::collection::vec(inner.clone(), 1..4))
            .prop_map(|(op, vs)| json!({"compute": {"op": op, "values": vs}})),
        1 => (prop::sample::select(vec!["ceil", "floor", "round", "abs"]), inner.clone())
            .prop_map(|(op, v)| json!({"compute": {"op": op, "value": v}})),
        1 => (inner.clone(), inner.clone(), inner.clone())
            .prop_map(|(v, lo, hi)| json!({"compute": {"op": "clamp", "value": v, "min": lo, "max": hi}})),
        1 => (inner.clone(), inner.clone(), inner)
            .prop_map(|(n, d, z)| json!({"compute": {"op": "div0", "numerator": n, "denominator": d, "default": z}})),
    ]
    .boxed()
}

fn condition(kind: Kind, depth: u32) -> BoxedStrategy<Json> {
    let compare = (
        prop::sample::select(vec!["==", "!=", "<", "<=", ">", ">="]),
        value(kind, 2),
        value(kind, 2),
    )
        .prop_map(|(op, l, r)| json!({"op": op, "left": l, "right": r}));
    if depth == 0 {
        return compare.boxed();
    }
    let inner = condition(kind, depth - 1);
    prop_oneof![
        4 => compare,
        1 => (prop::sample::select(vec!["and", "or"]), prop::collection::vec(inner.clone(), 1..4))
            .prop_map(|(op, cs)| json!({"op": op, "conditions": cs})),
        1 => inner.prop_map(|c| json!({"op": "not", "condition": c})),
    ]
    .boxed()
}

fn payment_action() -> BoxedStrategy<Json> {
    let number = value(Kind::Payment, 1);
    prop_oneof![
        3 => prop::option::of(prop::sample::select(vec!["HIGH", "MEDIUM", "LOW"])).prop_map(|flag| match flag {
            Some(flag) => json!({"action": "Release", "parameters": {"priority_flag": flag}}),
            None => json!({"action": "Release"}),
        }),
        // Timed: held until the tick (ticks run 0..100), then released before the tree.
        2 => prop_oneof![
            number.clone(),
            (0u32..100).prop_map(|n| json!(n)),
            // A few ticks from now, so that the next call can find it due.
            (0u32..6).prop_map(|k| json!({"compute": {"op": "+", "left": {"field": "current_tick"}, "right": k}})),
        ]
            .prop_map(|at| json!({"action": "Release", "parameters": {"timed_for_tick": at}})),
        1 => Just(json!({"action": "ReleaseWithCredit"})),
        2 => prop_oneof![number.clone(), (2u32..6).prop_map(|n| json!(n))]
            .prop_map(|n| json!({"action": "Split", "parameters": {"num_splits": n}})),
        2 => prop::option::of("[a-z ]{1,12}").prop_map(|reason| match reason {
            Some(reason) => json!({"action": "Hold", "parameters": {"reason": reason}}),
            None => json!({"action": "Hold"}),
        }),
        1 => Just(json!({"action": "Drop"})),
        1 => prop_oneof![number.clone(), (0u32..12).prop_map(|n| json!(n))]
            .prop_map(|p| json!({"action": "Reprioritize", "parameters": {"new_priority": p}})),
        // Shares in range, at the edges, and computed (often out of range: a fault).
        2 => prop_oneof![
            3 => prop::sample::select(SHARES).prop_map(|x| json!(x)),
            1 => number.prop_map(|v| json!({"compute": {"op": "min", "values": [1, {"compute": {"op": "abs", "value": v}}]}})),
        ]
            .prop_map(|share| json!({"action": "ReleaseShare", "parameters": {"share": share}})),
    ]
    .boxed()
}

/// Shares a tree may write as literals: the edges of the range, thirds (not exact
/// in floating point), and less than a part per million.
const SHARES: &[f64] = &[
    1e-9,
    1e-6,
    0.1,
    0.25,
    0.3,
    1.0 / 3.0,
    0.5,
    2.0 / 3.0,
    0.999_999_6,
    1.0,
];

fn initial_liquidity_action() -> BoxedStrategy<Json> {
    let number = value(Kind::Collateral, 1);
    prop_oneof![
        2 => prop::sample::select([&[0.0][..], SHARES].concat()).prop_map(|x| json!({"action": "PostShare", "parameters": {"share": x}})),
        // A computed share: in range or not (a fault), as it comes.
        2 => number.prop_map(|v| json!({"action": "PostShare", "parameters": {"share": v}})),
        1 => Just(json!({"action": "KeepPosted"})),
    ]
    .boxed()
}

fn bank_action() -> BoxedStrategy<Json> {
    let number = value(Kind::Bank, 1);
    prop_oneof![
        2 => (
            prop_oneof![number.clone(), (0i64..400_000).prop_map(|n| json!(n))],
            prop::option::of(prop::sample::select(vec![vec!["B"], vec!["C"], vec!["B", "C"], vec!["Z"]])),
            prop::option::of(prop_oneof![number.clone(), (0i64..300_000).prop_map(|n| json!(n))]),
        )
            .prop_map(|(max, focus, per)| {
                let mut params = json!({"max_value_to_release": max});
                if let Some(focus) = focus {
                    params["focus_counterparties"] = json!(focus);
                }
                if let Some(per) = per {
                    params["max_per_counterparty"] = per;
                }
                json!({"action": "SetReleaseBudget", "parameters": params})
            }),
        2 => (prop::sample::select(vec!["SetState", "AddState"]), prop::sample::select(vec!["bank_state_a", "bank_state_b", ODD_REGISTER]), number)
            .prop_map(|(action, key, v)| json!({"action": action, "parameters": {"key": key, "value": v}})),
        1 => Just(json!({"action": "NoAction"})),
    ]
    .boxed()
}

fn collateral_action() -> BoxedStrategy<Json> {
    let number = prop_oneof![
        value(Kind::Collateral, 1),
        (0i64..200_000).prop_map(|n| json!(n))
    ];
    prop_oneof![
        1 => number.clone().prop_map(|a| json!({"action": "PostCollateral", "parameters": {"amount": a}})),
        1 => (number.clone(), prop_oneof![value(Kind::Collateral, 1), (1u32..4).prop_map(|n| json!(n))])
            .prop_map(|(a, after)| json!({"action": "PostCollateral", "parameters": {"amount": a, "auto_withdraw_after_ticks": after}})),
        1 => number.prop_map(|a| json!({"action": "WithdrawCollateral", "parameters": {"amount": a}})),
        1 => Just(json!({"action": "HoldCollateral"})),
    ]
    .boxed()
}

fn tree(kind: Kind, action: BoxedStrategy<Json>, depth: u32) -> BoxedStrategy<Json> {
    let leaf = action.clone().prop_map(|mut a| {
        a["type"] = json!("action");
        a
    });
    if depth == 0 {
        return leaf.boxed();
    }
    let inner = tree(kind, action, depth - 1);
    prop_oneof![
        1 => leaf,
        3 => (condition(kind, 1), inner.clone(), inner).prop_map(|(c, t, f)| {
            json!({"type": "condition", "condition": c, "on_true": t, "on_false": f})
        }),
    ]
    .boxed()
}

/// Gives every node a unique id, and some a description.
fn number_nodes(node: &mut Json, next: &mut u32) {
    *next += 1;
    let id = *next;
    let is_condition = node["type"] == "condition";
    let prefix = if is_condition { "N" } else { "A" };
    // Some ids that would break out of a comment or a string if written raw.
    let id_text = if id.is_multiple_of(5) {
        format!("{prefix}{id}\n\"x\\")
    } else {
        format!("{prefix}{id}")
    };
    node["node_id"] = json!(id_text);
    if id.is_multiple_of(3) {
        node["description"] = json!(format!("node number {id}"));
    }
    if is_condition {
        number_nodes(&mut node["on_true"], next);
        number_nodes(&mut node["on_false"], next);
    }
}

fn document() -> impl Strategy<Value = String> {
    (
        tree(Kind::Payment, payment_action(), 3),
        prop::option::of(tree(Kind::Bank, bank_action(), 2)),
        prop::option::of(tree(Kind::Collateral, collateral_action(), 1)),
        prop::option::of(tree(Kind::Collateral, collateral_action(), 1)),
        (
            literal(),
            literal(),
            prop::option::of(tree(Kind::Collateral, initial_liquidity_action(), 1)),
        ),
    )
        .prop_map(
            |(payment, bank, strategic, end_of_tick, (p1, p2, initial))| {
                let mut next = 0;
                let mut doc = json!({
                    "version": "2.0",
                    "policy_id": "random",
                    "parameters": {"p1": p1, "p2": p2, "p_big": 1e300},
                });
                for (key, tree) in [
                    ("payment_tree", Some(payment)),
                    ("bank_tree", bank),
                    ("strategic_collateral_tree", strategic),
                    ("end_of_tick_collateral_tree", end_of_tick),
                    ("initial_liquidity_tree", initial),
                ] {
                    if let Some(mut tree) = tree {
                        number_nodes(&mut tree, &mut next);
                        doc[key] = tree;
                    }
                }
                doc.to_string()
            },
        )
}

// ---------------------------------------------------------------- states

#[derive(Debug, Clone)]
struct State {
    balance: i64,
    unsecured_cap: i64,
    collateral: (i64, i64),
    ticks: (u32, u32),
    /// (amount, receiver, deadline offset, priority, divisible)
    payments: Vec<(i64, bool, i32, u8, bool)>,
}

fn state() -> impl Strategy<Value = State> {
    let amount = prop_oneof![
        3 => 1i64..200_000,
        1 => 1i64..10,
        1 => 1_000_000i64..10_000_000_000_000,
    ];
    (
        -50_000i64..300_000,
        0i64..100_000,
        (0i64..100_000, 0i64..100_000),
        (0u32..90, 0u32..10),
        prop::collection::vec(
            (
                amount,
                any::<bool>(),
                -10i32..30,
                0u8..=10,
                prop::bool::weighted(0.85),
            ),
            0..12,
        ),
    )
        .prop_map(
            |(balance, unsecured_cap, collateral, ticks, payments)| State {
                balance,
                unsecured_cap,
                collateral: (
                    collateral.0.max(collateral.1),
                    collateral.0.min(collateral.1),
                ),
                ticks,
                payments,
            },
        )
}

fn world(s: &State) -> World {
    let mut a = AgentSetup::new("A", s.balance.max(-(s.unsecured_cap)));
    a.unsecured_cap = s.unsecured_cap;
    a.collateral_capacity = s.collateral.0;
    a.posted_collateral = s.collateral.1;
    let agents = vec![a, AgentSetup::new("B", 0), AgentSetup::new("C", 0)];
    let mut world = World::with_setups(agents, QueueOrder::Fifo);
    for &(amount, to_b, offset, priority, divisible) in &s.payments {
        let deadline = (i64::from(s.ticks.0) + i64::from(offset)).max(0) as u32;
        let to = if to_b { "B" } else { "C" };
        world.payment("A", to, amount, deadline, priority, divisible);
    }
    world.at_tick(s.ticks.0);
    world
}

// ---------------------------------------------------------------- comparison

/// A decision without what the two kinds of policy may legitimately word apart: a
/// hold's source (holds are not logged).
fn normal(mut decisions: Vec<ReleaseDecision>) -> Vec<ReleaseDecision> {
    for d in &mut decisions {
        if matches!(d.action, ReleaseAction::Hold { .. }) {
            d.source = None;
        }
    }
    decisions
}

/// What one call of both policies gave, for the outcome census.
#[derive(Debug, Default)]
struct Census {
    calls: usize,
    failed: usize,
    kinds: std::collections::BTreeMap<&'static str, usize>,
}

fn kind(decision: &ReleaseDecision) -> &'static str {
    match &decision.action {
        // A release a timed schedule made has no node behind it.
        ReleaseAction::Submit { priority: None } if decision.source.is_none() => {
            "scheduled release"
        }
        ReleaseAction::Submit { priority: None } => "release",
        ReleaseAction::Hold {
            reason: HoldReason::Custom(reason),
        } if reason.starts_with("timed for tick") => "timed hold",
        ReleaseAction::Submit { priority: Some(_) } => "release with priority",
        ReleaseAction::Split { .. } => "split",
        ReleaseAction::Hold {
            reason: HoldReason::Custom(reason),
        } if reason == "over the release budget" => "hold over budget",
        ReleaseAction::Hold { .. } => "hold",
        ReleaseAction::Drop => "drop",
        ReleaseAction::Reprioritize { .. } => "reprioritize",
        ReleaseAction::SubmitPartial { .. } => "release share",
        _ => "other",
    }
}

fn view(world: &World, call: PolicyCall) -> PolicyView<'_> {
    static RATES: std::sync::OnceLock<CostRates> = std::sync::OnceLock::new();
    PolicyView::new(
        &world.state,
        world.id("A"),
        RATES.get_or_init(CostRates::default),
        call,
    )
}

/// Runs both policies through the calls of two ticks and compares every result.
fn compare(text: &str, s: &State, census: &mut Census) -> Result<(), TestCaseError> {
    let mut tree = TreePolicy::from_text(text).unwrap();
    let script = rtgsim_policy_convert::convert_text(text, "random.json")
        .unwrap_or_else(|e| panic!("{e}\n{text}"));
    let mut starlark = StarlarkPolicy::from_source("random.star", &script, Default::default())
        .unwrap_or_else(|e| panic!("{e}\n{script}"));
    let mut w = world(s);
    for tick in [s.ticks.0, s.ticks.0 + s.ticks.1] {
        w.at_tick(tick);
        for call in [
            PolicyCall::InitialLiquidity,
            PolicyCall::StrategicCollateral,
            PolicyCall::EvaluateQueue,
            PolicyCall::EvaluateQueue,
            PolicyCall::EndOfTickCollateral,
        ] {
            let v = view(&w, call);
            census.calls += 1;
            match call {
                PolicyCall::InitialLiquidity => {
                    let expected = tree.initial_liquidity(&v);
                    let got = starlark.initial_liquidity(&v);
                    prop_assert_eq!(
                        expected.as_ref().ok(),
                        got.as_ref().ok(),
                        "tree {:?}\nstarlark {:?}\n{}",
                        expected,
                        got,
                        script
                    );
                    prop_assert_eq!(expected.is_ok(), got.is_ok());
                    match expected {
                        Err(_) => census.failed += 1,
                        Ok(Some(_)) => *census.kinds.entry("initial share").or_default() += 1,
                        Ok(None) => {}
                    }
                }
                PolicyCall::EvaluateQueue => {
                    let expected = tree.evaluate_queue(&v).map(normal);
                    let got = starlark.evaluate_queue(&v).map(normal);
                    prop_assert_eq!(
                        expected.is_ok(),
                        got.is_ok(),
                        "tree {:?}\nstarlark {:?}\n{}",
                        expected,
                        got,
                        script
                    );
                    if let (Ok(expected), Ok(got)) = (expected, got) {
                        for d in &expected {
                            *census.kinds.entry(kind(d)).or_default() += 1;
                        }
                        prop_assert_eq!(expected, got, "\n{}", script);
                    } else {
                        census.failed += 1;
                    }
                }
                _ => {
                    let (expected, got): (Result<CollateralDecision, _>, Result<_, _>) =
                        if call == PolicyCall::StrategicCollateral {
                            (
                                tree.strategic_collateral(&v),
                                starlark.strategic_collateral(&v),
                            )
                        } else {
                            (
                                tree.end_of_tick_collateral(&v),
                                starlark.end_of_tick_collateral(&v),
                            )
                        };
                    prop_assert_eq!(
                        expected.as_ref().ok(),
                        got.as_ref().ok(),
                        "tree {:?}\nstarlark {:?}\n{}",
                        expected,
                        got,
                        script
                    );
                    match expected {
                        Err(_) => census.failed += 1,
                        Ok(CollateralDecision::Withdraw { .. }) => {
                            *census.kinds.entry("collateral withdrawn").or_default() += 1;
                        }
                        Ok(_) => {}
                    }
                }
            }
        }
    }
    Ok(())
}

/// Documents the validator accepts (the generator can write a few it refuses).
fn valid_document() -> impl Strategy<Value = String> {
    document().prop_filter("valid", |text| rtgsim_policy_dsl::load(text).is_ok())
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 400, ..ProptestConfig::default() })]

    #[test]
    fn a_converted_tree_decides_as_the_tree(text in valid_document(), s in state()) {
        compare(&text, &s, &mut Census::default())?;
    }
}

#[test]
fn the_comparison_sees_every_kind_of_outcome() {
    // Guard against a comparison that passes because both sides fail or hold: a
    // fixed sample must show every decision kind and mostly successful calls.
    let config = Config::default();
    let rng = TestRng::from_seed(RngAlgorithm::ChaCha, &[7; 32]);
    let mut runner = TestRunner::new_with_rng(config, rng);
    let mut census = Census::default();
    for _ in 0..150 {
        let text = valid_document().new_tree(&mut runner).unwrap().current();
        let s = state().new_tree(&mut runner).unwrap().current();
        compare(&text, &s, &mut census).unwrap();
    }
    for kind in [
        "release",
        "release with priority",
        "split",
        "hold",
        "hold over budget",
        "drop",
        "reprioritize",
        "timed hold",
        "scheduled release",
        "collateral withdrawn",
        "release share",
        "initial share",
    ] {
        assert!(
            census.kinds.get(kind).copied().unwrap_or(0) > 0,
            "no {kind} in {census:?}"
        );
    }
    assert!(
        census.failed * 2 < census.calls,
        "most calls failed: {census:?}"
    );
}
