//! Every field of the catalog is readable from a script, under its name and its
//! aliases, with the value the engine computes; strategic-only fields are `None` at
//! the end of the tick.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test helpers fail loudly

mod common;

use common::{end_of_tick_view, policy, queue_error, world};
use rtgsim_core::fields::FieldScope;
use rtgsim_core::{CATALOG, CashManagerPolicy, FieldValue, PolicyView};
use rtgsim_policy_starlark::objects;
use serde_json::{Value as Json, json};
use std::collections::BTreeSet;

/// Records every attribute of every object into the state, through `dir()` and
/// `getattr()`, so that nothing is left out by a hand-written list.
const DUMP: &str = r#"
def dump(x):
    return {name: getattr(x, name) for name in dir(x)}

def evaluate_queue(transactions, agent, system, state):
    state["tx"] = [dump(tx) for tx in transactions]
    state["agent"] = dump(agent)
    state["system"] = dump(system)
    return []

def evaluate_end_of_tick_collateral(agent, system, state):
    state["end_agent"] = dump(agent)
    return None
"#;

fn json_of(value: FieldValue) -> Json {
    match value {
        FieldValue::Int(i) => json!(i),
        FieldValue::Float(x) => json!(x),
        FieldValue::Bool(b) => json!(b),
        FieldValue::None => Json::Null,
    }
}

fn names_in(scopes: &[FieldScope]) -> BTreeSet<&'static str> {
    CATALOG
        .iter()
        .filter(|spec| scopes.contains(&spec.scope))
        .flat_map(|spec| std::iter::once(spec.name).chain(spec.aliases.iter().copied()))
        .collect()
}

/// Checks that `dumped` holds exactly the catalog fields of `scopes` plus `extra`,
/// each with the value the view computes.
fn check(
    dumped: &Json,
    scopes: &[FieldScope],
    extra: &[&str],
    view: &PolicyView<'_>,
    tx: Option<&rtgsim_core::Transaction>,
) {
    let map = dumped.as_object().unwrap();
    let got: BTreeSet<&str> = map.keys().map(String::as_str).collect();
    let mut wanted = names_in(scopes);
    wanted.extend(extra.iter().copied());
    assert_eq!(got, wanted, "attributes differ from the catalog");
    for spec in CATALOG.iter().filter(|spec| scopes.contains(&spec.scope)) {
        let expected = json_of(view.field(spec.field, tx));
        for name in std::iter::once(spec.name).chain(spec.aliases.iter().copied()) {
            assert_eq!(map[name], expected, "field {name}");
        }
    }
}

#[test]
fn every_field_reads_the_engines_value() {
    let (mut world, _) = world();
    world.at_tick(7);
    let mut policy = policy(DUMP);
    let view = world.view("A");
    policy.evaluate_queue(&view).unwrap();
    let state = policy.state().unwrap();

    let txs: Vec<_> = view.queue1().collect();
    let dumped = state["tx"].as_array().unwrap();
    assert_eq!(dumped.len(), 3);
    for (tx, dump) in txs.iter().zip(dumped) {
        check(
            dump,
            &[FieldScope::Transaction],
            &["id", "sender_id", "receiver_id"],
            &view,
            Some(tx),
        );
        assert_eq!(dump["id"], json!(tx.id.0));
        assert_eq!(dump["sender_id"], "A");
    }
    assert_eq!(dumped[0]["receiver_id"], "B");
    assert_eq!(dumped[2]["receiver_id"], "C");
    assert_eq!(dumped[0]["amount"], 100);
    assert_eq!(dumped[0]["ticks_to_deadline"], 5 - 7);
    assert_eq!(dumped[0]["is_past_deadline"], true);

    check(
        &state["agent"],
        &[
            FieldScope::Agent,
            FieldScope::Collateral,
            FieldScope::CentralQueue,
        ],
        &["id"],
        &view,
        None,
    );
    assert_eq!(state["agent"]["id"], "A");
    assert_eq!(state["agent"]["balance"], 1_000);
    assert_eq!(state["agent"]["queue_size"], 3);
    assert_eq!(
        state["agent"]["queue1_liquidity_gap"], 400,
        "1,400 queued against 1,000"
    );

    check(
        &state["system"],
        &[FieldScope::System, FieldScope::Cost, FieldScope::Time],
        &[],
        &view,
        None,
    );
    assert_eq!(state["system"]["current_tick"], 7);
    assert_eq!(state["system"]["total_agents"], 3);
}

#[test]
fn queue1_fields_at_the_end_of_the_tick_read_queue1_as_it_stands() {
    let (world, _) = world();
    let mut policy = policy(DUMP);
    let view = end_of_tick_view(&world, "A");
    policy.end_of_tick_collateral(&view).unwrap();
    let agent = &policy.state().unwrap()["end_agent"];
    // What is still queued when the call is made, as in the strategic call.
    assert_eq!(agent["queue1_total_value"], 1_400);
    assert_eq!(
        agent["queue1_liquidity_gap"], 400,
        "1,400 queued against 1,000"
    );
    check(
        agent,
        &[
            FieldScope::Agent,
            FieldScope::Collateral,
            FieldScope::CentralQueue,
        ],
        &["id"],
        &view,
        None,
    );
    assert_eq!(agent["balance"], 1_000);
}

#[test]
fn the_schemas_are_the_catalog() {
    let attributes = |schema: &objects::Schema| schema.attributes().collect::<BTreeSet<_>>();
    let mut tx = names_in(&[FieldScope::Transaction]);
    tx.extend(["id", "sender_id", "receiver_id"]);
    assert_eq!(attributes(objects::transaction_schema()), tx);
    let mut agent = names_in(&[
        FieldScope::Agent,
        FieldScope::Collateral,
        FieldScope::CentralQueue,
    ]);
    agent.insert("id");
    assert_eq!(attributes(objects::agent_schema()), agent);
    assert_eq!(
        attributes(objects::system_schema()),
        names_in(&[FieldScope::System, FieldScope::Cost, FieldScope::Time])
    );
}

#[test]
fn an_unknown_attribute_is_a_policy_error_naming_it() {
    let error = queue_error(
        "def evaluate_queue(transactions, agent, system, state):\n    return [] if agent.balanse > 0 else []\n",
    );
    assert!(error.contains("balanse"), "{error}");
    assert!(error.contains("test.star:2:"), "{error}");
}

#[test]
fn objects_are_read_only() {
    let error = queue_error(
        "def evaluate_queue(transactions, agent, system, state):\n    agent.balance = 1000000000\n    return []\n",
    );
    assert!(error.contains("test.star:2:"), "{error}");
}
