//! Nothing a user can write makes the DSL panic: random text and random JSON are
//! refused or accepted cleanly, and any tree that validates evaluates on any state to
//! decisions or a policy error.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test helpers fail loudly

use proptest::prelude::*;
use proptest::strategy::ValueTree;
use rtgsim_core::agent::AgentSetup;
use rtgsim_core::event::{CollateralPhase, PolicyCall};
use rtgsim_core::fields::FieldScope;
use rtgsim_core::release::DecisionCharges;
use rtgsim_core::testkit::World;
use rtgsim_core::{CATALOG, CashManagerPolicy, PolicyView, QueueOrder};
use rtgsim_policy_dsl::TreePolicy;
use serde_json::{Value, json};

/// Words that make random JSON look like a policy, so it gets past the first checks.
const WORDS: &[&str] = &[
    "version",
    "1.0",
    "2.0",
    "tree_id",
    "policy_id",
    "root",
    "payment_tree",
    "bank_tree",
    "type",
    "condition",
    "action",
    "node_id",
    "on_true",
    "on_false",
    "op",
    "left",
    "right",
    "field",
    "param",
    "value",
    "compute",
    "parameters",
    "Release",
    "Hold",
    "Split",
    "num_splits",
    "amount",
    "balance",
    "<",
    "==",
    "and",
    "/",
    "div0",
    "conditions",
    "values",
];

fn json_value() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(|n| json!(n)),
        (-1e300f64..1e300).prop_map(|x| json!(x)),
        prop::sample::select(WORDS).prop_map(|w| json!(w)),
        ".{0,8}".prop_map(Value::String),
    ];
    leaf.prop_recursive(6, 64, 6, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..4).prop_map(Value::Array),
            prop::collection::vec((prop::sample::select(WORDS), inner), 0..6).prop_map(|pairs| {
                Value::Object(pairs.into_iter().map(|(k, v)| (k.to_string(), v)).collect())
            }),
        ]
    })
}

/// Catalog fields a tree may read: all of them in the payment tree, others elsewhere
/// (no payment fields).
fn field(payment: bool) -> impl Strategy<Value = &'static str> {
    let names: Vec<&str> = CATALOG
        .iter()
        .filter(|spec| payment || spec.scope != FieldScope::Transaction)
        .map(|spec| spec.name)
        .chain(payment.then_some("release_budget_remaining"))
        .collect();
    prop::sample::select(names)
}

/// A number-valued expression of the DSL.
fn value() -> impl Strategy<Value = Value> {
    value_in(true)
}

/// A number-valued expression for a payment tree or (`payment` false) another tree.
fn value_in(payment: bool) -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        field(payment).prop_map(|f| json!({"field": f})),
        (-1e6f64..1e6).prop_map(|x| json!({"value": x})),
        Just(json!({"param": "p"})),
        Just(json!({"field": "bank_state_x"})),
    ];
    leaf.prop_recursive(4, 24, 3, |inner| {
        prop_oneof![
            (prop::sample::select(vec!["+", "-", "*", "/"]), inner.clone(), inner.clone())
                .prop_map(|(op, l, r)| json!({"compute": {"op": op, "left": l, "right": r}})),
            (prop::sample::select(vec!["max", "min"]), prop::collection::vec(inner.clone(), 1..3))
                .prop_map(|(op, vs)| json!({"compute": {"op": op, "values": vs}})),
            (prop::sample::select(vec!["ceil", "floor", "round", "abs"]), inner.clone())
                .prop_map(|(op, v)| json!({"compute": {"op": op, "value": v}})),
            (inner.clone(), inner.clone(), inner.clone())
                .prop_map(|(v, lo, hi)| json!({"compute": {"op": "clamp", "value": v, "min": lo, "max": hi}})),
            (inner.clone(), inner.clone(), inner)
                .prop_map(|(n, d, def)| json!({"compute": {"op": "div0", "numerator": n, "denominator": d, "default": def}})),
        ]
    })
}

fn expr() -> impl Strategy<Value = Value> {
    let compare = (
        prop::sample::select(vec!["==", "!=", "<", "<=", ">", ">="]),
        value(),
        value(),
    )
        .prop_map(|(op, l, r)| json!({"op": op, "left": l, "right": r}));
    compare.prop_recursive(3, 12, 3, |inner| {
        prop_oneof![
            (
                prop::sample::select(vec!["and", "or"]),
                prop::collection::vec(inner.clone(), 1..3)
            )
                .prop_map(|(op, cs)| json!({"op": op, "conditions": cs})),
            inner.prop_map(|c| json!({"op": "not", "condition": c})),
        ]
    })
}

fn payment_action() -> impl Strategy<Value = Value> {
    prop_oneof![
        Just(json!({"action": "Release"})),
        Just(json!({"action": "Release", "parameters": {"priority_flag": "LOW"}})),
        value().prop_map(|v| json!({"action": "Release", "parameters": {"timed_for_tick": v}})),
        Just(json!({"action": "ReleaseWithCredit"})),
        value().prop_map(|v| json!({"action": "Split", "parameters": {"num_splits": v}})),
        (2u32..6)
            .prop_map(|n| json!({"action": "PaceAndRelease", "parameters": {"num_splits": n}})),
        (2u32..6, any::<bool>(), 1u32..4)
            .prop_map(|(n, now, gap)| json!({"action": "StaggerSplit",
            "parameters": {"num_splits": n, "stagger_first_now": now, "stagger_gap_ticks": gap}})),
        Just(json!({"action": "Hold", "parameters": {"reason": "r"}})),
        Just(json!({"action": "Drop"})),
        value().prop_map(|v| json!({"action": "Reprioritize", "parameters": {"new_priority": v}})),
        Just(json!({"action": "WithdrawFromRtgs"})),
        Just(json!({"action": "ResubmitToRtgs", "parameters": {"rtgs_priority": "HIGH"}})),
    ]
}

/// A payment tree; node ids are made unique afterwards.
fn tree() -> impl Strategy<Value = Value> {
    let leaf = payment_action().prop_map(|mut a| {
        a["type"] = json!("action");
        a
    });
    leaf.prop_recursive(5, 16, 2, |inner| {
        (expr(), inner.clone(), inner).prop_map(
            |(c, t, f)| json!({"type": "condition", "condition": c, "on_true": t, "on_false": f}),
        )
    })
}

fn number_nodes(node: &mut Value, next: &mut usize) {
    node["node_id"] = json!(format!("N{next}"));
    *next += 1;
    for branch in ["on_true", "on_false"] {
        if node.get(branch).is_some() {
            number_nodes(&mut node[branch], next);
        }
    }
}

fn document() -> impl Strategy<Value = Value> {
    (tree(), value_in(false), value_in(false)).prop_map(|(mut payment, budget, post)| {
        number_nodes(&mut payment, &mut 0);
        json!({
            "version": "2.0",
            "policy_id": "random",
            "parameters": {"p": 3.5},
            "payment_tree": payment,
            "bank_tree": {"type": "action", "node_id": "B", "action": "SetReleaseBudget",
                          "parameters": {"max_value_to_release": budget}},
            "strategic_collateral_tree": {"type": "action", "node_id": "C", "action": "PostCollateral",
                          "parameters": {"amount": post}}
        })
    })
}

/// A state with payments in both queues.
fn world(balance: i64, amounts: &[i64], tick: u32) -> World {
    let mut a = AgentSetup::new("A", balance);
    a.unsecured_cap = 50_000;
    a.collateral_capacity = 100_000;
    let mut world = World::with_setups(vec![a, AgentSetup::new("B", 0)], QueueOrder::Priority);
    for (i, &amount) in amounts.iter().enumerate() {
        let tx = world.payment("A", "B", amount, 10 + i as u32, (i % 11) as u8, i % 2 == 0);
        if i % 3 == 0 {
            world.release("A", &[tx]);
        }
    }
    world.at_tick(tick);
    world
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 512, ..ProptestConfig::default() })]

    #[test]
    fn random_text_never_panics(text in ".{0,200}") {
        let _ = rtgsim_policy_dsl::load(&text);
    }

    #[test]
    fn random_json_never_panics(doc in json_value()) {
        let _ = rtgsim_policy_dsl::load(&doc.to_string());
        let _ = rtgsim_policy_dsl::load_value(&doc);
    }

    #[test]
    fn any_valid_tree_evaluates_without_panic(
        doc in document(),
        balance in -50_000i64..200_000,
        amounts in prop::collection::vec(1i64..100_000, 0..8),
        tick in 0u32..40,
    ) {
        let mut policy = match TreePolicy::from_text(&doc.to_string()) {
            Ok(policy) => policy.with_trace(true),
            // The generator can write things validation refuses (e.g. a literal 0
            // divisor); refusing cleanly is all that is asked of those.
            Err(_) => return Ok(()),
        };
        let mut world = world(balance, &amounts, tick);
        let a = world.id("A");
        for step in 0..3 {
            world.at_tick(tick + step);
            let view = PolicyView::new(&world.state, a, &world.rates, PolicyCall::StrategicCollateral);
            if let Ok(decision) = policy.strategic_collateral(&view) {
                let _ = world.state.apply_collateral_decision(a, decision, CollateralPhase::Strategic, &mut world.events);
            }
            if let Ok(decisions) = policy.evaluate_queue(&world.view("A"))
                && let Ok(releases) = world.state.apply_release_decisions(a, &decisions, DecisionCharges::default(), &mut world.events)
            {
                world.state.release_payments(a, &releases, &mut |_, _| false, &mut world.events);
            }
            prop_assert_eq!(world.state.check_invariants(), Ok(()));
        }
    }
}

#[test]
fn most_generated_documents_are_valid() {
    // Guard against a generator whose documents are all refused, which would leave
    // the evaluation property above checking nothing.
    let mut runner = proptest::test_runner::TestRunner::deterministic();
    let strategy = document();
    let valid = (0..200)
        .filter(|_| {
            let doc = strategy.new_tree(&mut runner).unwrap().current();
            TreePolicy::from_text(&doc.to_string()).is_ok()
        })
        .count();
    assert!(
        valid >= 150,
        "only {valid} of 200 generated documents validate"
    );
}
