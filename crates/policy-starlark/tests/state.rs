//! State: one dict per agent, shared by the entry points, kept across calls, saved and
//! restored as JSON (across days and runs), all or nothing per call.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test helpers fail loudly

mod common;

use common::{end_of_tick_view, policy, strategic_view, world};
use proptest::prelude::*;
use rtgsim_core::CashManagerPolicy;
use serde_json::{Value as Json, json};

const COUNTER: &str = r#"
def evaluate_queue(transactions, agent, system, state):
    state["queue_calls"] = state.get("queue_calls", 0) + 1
    state.setdefault("history", []).append(system.current_tick)
    return []

def evaluate_strategic_collateral(agent, system, state):
    state["strategic_calls"] = state.get("strategic_calls", 0) + 1
    return None

def evaluate_end_of_tick_collateral(agent, system, state):
    state["seen_by_end_of_tick"] = state.get("queue_calls", 0)
    return None
"#;

#[test]
fn state_persists_across_calls_and_is_shared_by_the_entry_points() {
    let (mut world, _) = world();
    let mut policy = policy(COUNTER);
    assert_eq!(policy.state().unwrap(), json!({}));
    for tick in 0..3 {
        world.at_tick(tick);
        policy
            .strategic_collateral(&strategic_view(&world, "A"))
            .unwrap();
        policy.evaluate_queue(&world.view("A")).unwrap();
        policy
            .end_of_tick_collateral(&end_of_tick_view(&world, "A"))
            .unwrap();
    }
    assert_eq!(
        policy.state().unwrap(),
        json!({"queue_calls": 3, "history": [0, 1, 2], "strategic_calls": 3, "seen_by_end_of_tick": 3})
    );
}

#[test]
fn a_restored_state_carries_on_across_days() {
    let (world, _) = world();
    let mut day_one = policy(COUNTER);
    day_one.evaluate_queue(&world.view("A")).unwrap();
    day_one.evaluate_queue(&world.view("A")).unwrap();
    let saved = serde_json::to_string(&day_one.state().unwrap()).unwrap();

    let mut day_two = policy(COUNTER);
    day_two
        .restore_state(serde_json::from_str(&saved).unwrap())
        .unwrap();
    day_two.evaluate_queue(&world.view("A")).unwrap();
    assert_eq!(day_two.state().unwrap()["queue_calls"], 3);
    assert_eq!(day_two.state().unwrap()["history"], json!([0, 0, 0]));
}

#[test]
fn each_agent_has_its_own_state() {
    let (world, _) = world();
    let script =
        std::sync::Arc::new(rtgsim_policy_starlark::Script::load("counter.star", COUNTER).unwrap());
    let limits = rtgsim_policy_starlark::Limits::default();
    let mut a = rtgsim_policy_starlark::StarlarkPolicy::new(script.clone(), limits);
    let mut b = rtgsim_policy_starlark::StarlarkPolicy::new(script, limits);
    a.evaluate_queue(&world.view("A")).unwrap();
    a.evaluate_queue(&world.view("A")).unwrap();
    b.evaluate_queue(&world.view("B")).unwrap();
    assert_eq!(a.state().unwrap()["queue_calls"], 2);
    assert_eq!(b.state().unwrap()["queue_calls"], 1);
}

#[test]
fn storing_what_json_cannot_hold_is_an_error_that_keeps_the_old_state() {
    let cases = [
        ("state[\"f\"] = len", "state[\"f\"] holds a function"),
        (
            "state[\"s\"] = struct(a = 1)",
            "state[\"s\"] holds a struct",
        ),
        ("state[\"k\"] = {1: 2}", "has a key 1 that is not a string"),
        ("state[\"t\"] = (1, 2)", "state[\"t\"] holds a tuple"),
        ("state[\"big\"] = 1 << 70", "too large an int"),
        (
            "state[\"nan\"] = float(\"nan\")",
            "a saved state cannot hold",
        ),
        (
            "state[\"deep\"] = [[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]",
            "nests more than 64 levels",
        ),
        (
            "state[\"loop\"] = []\n    state[\"loop\"].append(state[\"loop\"])",
            "nests more than 64 levels",
        ),
    ];
    let (world, _) = world();
    for (statement, expected) in cases {
        let source = format!(
            "def evaluate_queue(transactions, agent, system, state):\n    state[\"calls\"] = state.get(\"calls\", 0) + 1\n    if state[\"calls\"] > 1:\n        {}\n    return []\n",
            statement.replace("\n    ", "\n        ")
        );
        let mut policy = policy(&source);
        policy.evaluate_queue(&world.view("A")).unwrap();
        let error = policy
            .evaluate_queue(&world.view("A"))
            .expect_err(statement)
            .to_string();
        assert!(
            error.contains(expected),
            "{statement}: expected {expected:?} in {error:?}"
        );
        assert_eq!(policy.state().unwrap(), json!({"calls": 1}), "{statement}");
    }
}

#[test]
fn a_state_that_is_not_an_object_or_holds_impossible_numbers_is_refused() {
    let mut policy = policy(COUNTER);
    assert!(policy.restore_state(json!([1, 2])).is_err());
    let huge: Json = serde_json::from_str(r#"{"x": {"y": [1e999]}}"#).unwrap();
    let error = policy.restore_state(huge).unwrap_err().to_string();
    assert!(error.contains("state[\"x\"][\"y\"][0]"), "{error}");
    assert_eq!(
        policy.state().unwrap(),
        json!({}),
        "a refused state changes nothing"
    );
}

/// JSON a script can hold: ints within 64 bits, finite floats, strings, lists, dicts.
fn json_value() -> impl Strategy<Value = Json> {
    let leaf = prop_oneof![
        Just(Json::Null),
        any::<bool>().prop_map(Json::Bool),
        any::<i64>().prop_map(|i| json!(i)),
        any::<u64>().prop_map(|u| json!(u)),
        any::<f64>()
            .prop_filter("finite", |x| x.is_finite())
            .prop_map(|x| json!(x)),
        ".{0,8}".prop_map(Json::String),
    ];
    leaf.prop_recursive(4, 32, 4, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..4).prop_map(Json::Array),
            prop::collection::btree_map(".{0,6}", inner, 0..4)
                .prop_map(|map| Json::Object(map.into_iter().collect())),
        ]
    })
}

proptest! {
    #[test]
    fn any_json_state_survives_a_call_unchanged(
        map in prop::collection::btree_map("[a-z]{1,6}", json_value(), 0..5)
    ) {
        let state = Json::Object(map.into_iter().collect());
        let mut policy = policy("def evaluate_queue(transactions, agent, system, state):\n    return []\n");
        policy.restore_state(state.clone()).unwrap();
        let (world, _) = world();
        policy.evaluate_queue(&world.view("A")).unwrap();
        prop_assert_eq!(policy.state().unwrap(), state);
    }
}
