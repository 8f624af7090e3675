//! Forms that other policy libraries write (SimCash's among them) and that mean
//! something here: a `reason` note on collateral and register actions, a tree given
//! as `null`, `{"value": [...]}` around a list, TARGET2 priority class names,
//! `priority_boost_children` on a staggered split, the Queue 1 fields in the
//! end-of-tick collateral tree, a computed number of parts with a fraction, and a
//! collateral amount that comes to nothing. Each test's policy is written here by
//! hand. The last tests check that what is really wrong is still refused, naming
//! the place, and that a problem of shape does not hide problems of meaning.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test helpers fail loudly

use rtgsim_core::agent::AgentSetup;
use rtgsim_core::event::PolicyCall;
use rtgsim_core::release::{DecisionCharges, Release};
use rtgsim_core::testkit::World;
use rtgsim_core::{
    CashManagerPolicy, CollateralDecision, PolicyView, QueueOrder, ReleaseAction, ReleaseDecision,
};
use rtgsim_policy_dsl::TreePolicy;
use serde_json::{Value, json};

fn load(doc: &Value) -> TreePolicy {
    TreePolicy::from_text(&doc.to_string()).unwrap_or_else(|e| panic!("{e}"))
}

/// Every problem `doc` has, one line each.
fn problems(doc: &Value) -> Vec<String> {
    match rtgsim_policy_dsl::load(&doc.to_string()) {
        Ok(_) => Vec::new(),
        Err(error) => error.diagnostics().iter().map(|d| d.to_string()).collect(),
    }
}

fn action(node_id: &str, name: &str, parameters: Value) -> Value {
    json!({"type": "action", "node_id": node_id, "action": name, "parameters": parameters})
}

fn collateral(policy: &mut TreePolicy, world: &World, call: PolicyCall) -> CollateralDecision {
    let view = PolicyView::new(&world.state, world.id("A"), &world.rates, call);
    match call {
        PolicyCall::EndOfTickCollateral => policy.end_of_tick_collateral(&view),
        _ => policy.strategic_collateral(&view),
    }
    .unwrap_or_else(|e| panic!("{e}"))
}

fn with_collateral(balance: i64, capacity: i64) -> World {
    let mut a = AgentSetup::new("A", balance);
    a.collateral_capacity = capacity;
    World::with_setups(vec![a, AgentSetup::new("B", 0)], QueueOrder::Fifo)
}

#[test]
fn a_reason_on_collateral_and_register_actions_is_a_note_that_changes_nothing() {
    let with_reasons = json!({
        "version": "2.0", "policy_id": "noted",
        "bank_tree": action("B", "AddState", json!({
            "key": {"value": "bank_state_calls"}, "value": {"value": 1},
            "reason": {"value": "count the calls"}})),
        "payment_tree": {
            "type": "condition", "node_id": "N",
            "condition": {"op": ">=", "left": {"field": "bank_state_calls"}, "right": {"value": 1}},
            "on_true": action("GO", "Release", json!({})),
            "on_false": action("WAIT", "Hold", json!({}))
        },
        "strategic_collateral_tree": action("POST", "PostCollateral", json!({
            "amount": {"value": 300}, "reason": {"value": "UrgentLiquidityNeed"}})),
        "end_of_tick_collateral_tree": action("BACK", "WithdrawCollateral", json!({
            "amount": {"value": 100}, "reason": "CostOptimization"}))
    });
    let set_state = json!({
        "version": "2.0",
        "bank_tree": action("B", "SetState", json!({
            "key": "bank_state_mode", "value": 2, "reason": {"value": "why"}}))
    });
    assert_eq!(problems(&set_state), Vec::<String>::new());

    let mut world = with_collateral(0, 1_000);
    world.pay("A", "B", 50, 40);
    let mut policy = load(&with_reasons);
    let decisions = policy.evaluate_queue(&world.view("A")).unwrap();
    assert_eq!(
        decisions[0].action,
        ReleaseAction::Submit { priority: None }
    );
    assert_eq!(
        collateral(&mut policy, &world, PolicyCall::StrategicCollateral),
        CollateralDecision::Post { amount: 300 }
    );
    assert_eq!(
        collateral(&mut policy, &world, PolicyCall::EndOfTickCollateral),
        CollateralDecision::Withdraw { amount: 100 }
    );
}

#[test]
fn a_tree_written_as_null_is_absent() {
    let doc = json!({
        "version": "2.0", "policy_id": "nulls",
        "payment_tree": action("GO", "Release", json!({})),
        "bank_tree": null,
        "strategic_collateral_tree": null,
        "end_of_tick_collateral_tree": null
    });
    let policy = load(&doc);
    for kind in rtgsim_policy_dsl::ast::TreeKind::ALL {
        let expected = kind == rtgsim_policy_dsl::ast::TreeKind::Payment;
        assert_eq!(policy.program().has_tree(kind), expected, "{}", kind.key());
    }
    // Null is not a node where a node is needed.
    let inner = json!({
        "version": "2.0",
        "payment_tree": {"type": "condition", "node_id": "N",
            "condition": {"op": ">", "left": {"field": "amount"}, "right": 0},
            "on_true": null, "on_false": action("W", "Hold", json!({}))}
    });
    let found = problems(&inner);
    assert_eq!(found.len(), 1, "{found:?}");
    assert!(
        found[0].starts_with("payment_tree.on_true (node N): a node must be an object, not null"),
        "{found:?}"
    );
}

#[test]
fn a_list_parameter_may_be_wrapped_in_value() {
    let mut world = World::new(&[("A", 0), ("B", 0), ("C", 0)]);
    let to_b = world.pay("A", "B", 60, 50);
    let to_c = world.pay("A", "C", 30, 50);
    let released = |focus: Value| {
        let doc = json!({
            "version": "2.0",
            "bank_tree": action("B", "SetReleaseBudget", json!({
                "max_value_to_release": {"value": 1000}, "focus_counterparties": focus})),
            "payment_tree": action("GO", "Release", json!({}))
        });
        let decisions = load(&doc).evaluate_queue(&world.view("A")).unwrap();
        decisions
            .iter()
            .filter(|d| matches!(d.action, ReleaseAction::Submit { .. }))
            .map(|d| d.tx)
            .collect::<Vec<_>>()
    };
    // Only payments to C may go, however the list is written.
    assert_eq!(released(json!({"value": ["C"]})), vec![to_c]);
    assert_eq!(released(json!(["C"])), vec![to_c]);
    assert_eq!(released(json!({"value": ["B", "C"]})), vec![to_b, to_c]);
    // A list holds agent ids only.
    let bad = json!({
        "version": "2.0",
        "bank_tree": action("B", "SetReleaseBudget", json!({
            "max_value_to_release": 1, "focus_counterparties": {"value": ["C", 7]}}))
    });
    assert_eq!(
        problems(&bad),
        vec![
            "bank_tree.parameters.focus_counterparties.value[1] (node B): must be a string, not the number 7"
        ]
    );
}

#[test]
fn target2_priority_classes_resubmit_at_the_bottom_of_their_band() {
    let setups = vec![AgentSetup::new("A", 0), AgentSetup::new("B", 0)];
    // The classes stand for 10, 8 and 4 on the 0-to-10 scale (the bands are urgent
    // 8-10 and normal 4-7; see actions::T2_PRIORITY_CLASSES).
    for (class, priority) in [("HighlyUrgent", 10), ("Urgent", 8), ("Normal", 4)] {
        let mut world = World::with_setups(setups.clone(), QueueOrder::Priority);
        let queued = world.pay("A", "B", 100, 50);
        world.release("A", &[queued]);
        let doc = json!({
            "version": "2.0",
            "payment_tree": action("UP", "ResubmitToRtgs", json!({"rtgs_priority": {"value": class}}))
        });
        let decisions = load(&doc).evaluate_queue(&world.view("A")).unwrap();
        assert_eq!(
            decisions
                .iter()
                .map(|d| d.action.clone())
                .collect::<Vec<_>>(),
            vec![ReleaseAction::ResubmitToQueue2 { priority }],
            "{class}"
        );
    }
    let misspelt = json!({
        "version": "2.0",
        "payment_tree": action("UP", "ResubmitToRtgs", json!({"rtgs_priority": {"value": "Urgnet"}}))
    });
    assert_eq!(
        problems(&misspelt),
        vec![
            "payment_tree.parameters.rtgs_priority (node UP): \"Urgnet\" is not a priority (0 to 10, HIGH, MEDIUM, LOW, HighlyUrgent, Urgent or Normal)"
        ]
    );
    // The class names are for rtgs_priority; a release's flag stays HIGH/MEDIUM/LOW.
    let flag = json!({
        "version": "2.0",
        "payment_tree": action("GO", "Release", json!({"priority_flag": "Urgent"}))
    });
    assert_eq!(problems(&flag).len(), 1);
}

/// Runs a staggered split of a priority-`priority` payment of 300 in 3 parts one tick
/// apart, boosted by `boost`; returns the priority of every part released, in order.
fn staggered_priorities(priority: u8, boost: Value) -> Vec<u8> {
    let mut world = World::new(&[("A", 0), ("B", 0)]);
    world.payment("A", "B", 300, 50, priority, true);
    let doc = json!({
        "version": "2.0",
        "payment_tree": action("STAGGER", "StaggerSplit", json!({
            "num_splits": {"value": 3}, "stagger_first_now": {"value": 1},
            "stagger_gap_ticks": {"value": 1}, "priority_boost_children": boost}))
    });
    let mut policy = load(&doc);
    let a = world.id("A");
    let mut priorities = Vec::new();
    for tick in 0..4 {
        world.at_tick(tick);
        let decisions: Vec<ReleaseDecision> = policy.evaluate_queue(&world.view("A")).unwrap();
        let releases: Vec<Release> = world
            .state
            .apply_release_decisions(a, &decisions, DecisionCharges::default(), &mut world.events)
            .unwrap();
        for release in &releases {
            priorities.push(world.state.transaction(release.tx).priority);
        }
        world
            .state
            .release_payments(a, &releases, &mut |_, _| false, &mut world.events);
    }
    assert_eq!(
        world.state.queue2().value(),
        300,
        "all three parts released"
    );
    priorities
}

#[test]
fn priority_boost_children_raises_every_part_and_stops_at_ten() {
    assert_eq!(staggered_priorities(5, json!({"value": 2})), vec![7, 7, 7]);
    assert_eq!(
        staggered_priorities(9, json!({"value": 5})),
        vec![10, 10, 10]
    );
    assert_eq!(staggered_priorities(5, json!(0)), vec![5, 5, 5]);
    // Without the boost the parts keep the payment's priority.
    let mut world = World::new(&[("A", 0), ("B", 0)]);
    world.payment("A", "B", 300, 50, 3, true);
    let plain = json!({
        "version": "2.0",
        "payment_tree": action("S", "StaggerSplit", json!({"num_splits": 3}))
    });
    let decisions = load(&plain).evaluate_queue(&world.view("A")).unwrap();
    assert_eq!(
        decisions[0].action,
        ReleaseAction::SubmitPartial {
            amount: 100,
            priority: None
        }
    );
    let negative = json!({
        "version": "2.0",
        "payment_tree": action("S", "StaggerSplit", json!({"num_splits": 3, "priority_boost_children": -1}))
    });
    assert_eq!(
        problems(&negative),
        vec![
            "payment_tree.parameters.priority_boost_children (node S): -1 is not a boost from 0 to 255 (the boosted priority is capped at 10)"
        ]
    );
}

#[test]
fn queue1_fields_at_the_end_of_the_tick_read_what_settlement_left() {
    // A holds 100 and queues 60 and 80: 140 waiting, 40 missing.
    let mut world = with_collateral(100, 1_000);
    let sixty = world.pay("A", "B", 60, 50);
    world.pay("A", "B", 80, 50);
    let doc = json!({
        "version": "2.0",
        "end_of_tick_collateral_tree": {
            "type": "condition", "node_id": "GAP",
            "condition": {"op": ">", "left": {"field": "queue1_liquidity_gap"}, "right": {"value": 0}},
            "on_true": action("POST", "PostCollateral", json!({"amount": {"field": "queue1_liquidity_gap"}})),
            "on_false": action("VALUE", "PostCollateral", json!({"amount": {"field": "queue1_total_value"}}))
        }
    });
    let mut policy = load(&doc);
    assert_eq!(
        collateral(&mut policy, &world, PolicyCall::EndOfTickCollateral),
        CollateralDecision::Post { amount: 40 }
    );
    // The 60 settles: 40 left against the 80 still queued, still 40 missing.
    let a = world.id("A");
    world.state.release_payments(
        a,
        &[Release {
            tx: sixty,
            source: None,
        }],
        &mut |_, _| true,
        &mut world.events,
    );
    assert_eq!(world.state.agent(a).balance(), 40);
    assert_eq!(
        collateral(&mut policy, &world, PolicyCall::EndOfTickCollateral),
        CollateralDecision::Post { amount: 40 }
    );
    // With 200 more the gap closes and the other branch reads the 80 still queued.
    let mut richer = with_collateral(300, 1_000);
    richer.pay("A", "B", 80, 50);
    assert_eq!(
        collateral(&mut policy, &richer, PolicyCall::EndOfTickCollateral),
        CollateralDecision::Post { amount: 80 }
    );
}

#[test]
fn a_collateral_amount_that_comes_to_nothing_is_no_action() {
    // Post the gap (0 here: nothing is queued), withdraw what is posted less 1,000.
    let doc = json!({
        "version": "2.0",
        "strategic_collateral_tree": action("POST", "PostCollateral",
            json!({"amount": {"field": "queue1_liquidity_gap"}, "auto_withdraw_after_ticks": 3})),
        "end_of_tick_collateral_tree": action("BACK", "WithdrawCollateral",
            json!({"amount": {"compute": {"op": "-", "left": {"field": "posted_collateral"}, "right": {"value": 1000}}}}))
    });
    let world = with_collateral(500, 5_000);
    let mut policy = load(&doc);
    assert_eq!(
        collateral(&mut policy, &world, PolicyCall::StrategicCollateral),
        CollateralDecision::Hold
    );
    // Nothing posted: 0 - 1,000 is below a cent too.
    assert_eq!(
        collateral(&mut policy, &world, PolicyCall::EndOfTickCollateral),
        CollateralDecision::Hold
    );
    // Nothing was scheduled for withdrawal by the post that did not happen.
    assert_eq!(policy.state().unwrap()["auto_withdraw"], json!([]));
    // Half a cent rounds to one and is posted; a literal zero is still refused.
    let half = json!({
        "version": "2.0",
        "strategic_collateral_tree": action("POST", "PostCollateral",
            json!({"amount": {"compute": {"op": "/", "left": {"value": 1}, "right": {"value": 2}}}}))
    });
    assert_eq!(
        collateral(&mut load(&half), &world, PolicyCall::StrategicCollateral),
        CollateralDecision::Post { amount: 1 }
    );
    let zero = json!({
        "version": "2.0",
        "strategic_collateral_tree": action("POST", "PostCollateral", json!({"amount": 0}))
    });
    assert_eq!(
        problems(&zero),
        vec!["strategic_collateral_tree.parameters.amount (node POST): 0 is not a positive amount"]
    );
}

#[test]
fn a_computed_number_of_parts_drops_its_fraction() {
    let split = |parts: Value| {
        let mut world = World::new(&[("A", 0), ("B", 0)]);
        world.pay_divisible("A", "B", 1_000, 50);
        let doc = json!({"version": "2.0", "payment_tree": action("S", "Split", json!({"num_splits": parts}))});
        load(&doc)
            .evaluate_queue(&world.view("A"))
            .map(|d| d[0].action.clone())
    };
    let ratio = |a: f64, b: f64| json!({"compute": {"op": "/", "left": {"value": a}, "right": {"value": b}}});
    // 10 / 3 = 3.33...: three parts.
    assert_eq!(
        split(ratio(10.0, 3.0)),
        Ok(ReleaseAction::Split { parts: 3 })
    );
    // 0.1 * 3 / 0.1 is 3 up to rounding noise (2.9999999999999996): three, not two.
    let noisy = json!({"compute": {"op": "/", "left": {"compute": {"op": "*", "left": {"value": 0.1}, "right": {"value": 3}}}, "right": {"value": 0.1}}});
    assert_eq!(split(noisy), Ok(ReleaseAction::Split { parts: 3 }));
    // 3 / 2 = 1.5 is one part: not a split, a fault naming the node.
    let error = split(ratio(3.0, 2.0)).unwrap_err();
    assert!(
        error
            .message
            .contains("node S: num_splits must be a whole number in 2..=1000, got 1"),
        "{error}"
    );
}

#[test]
fn what_is_really_wrong_is_still_refused_at_its_place() {
    // An unknown node key (a hold reason written beside the action, not in it), a
    // misspelt action parameter, and an action the tree cannot take.
    let doc = json!({
        "version": "2.0",
        "payment_tree": {"type": "action", "node_id": "WAIT", "action": "Hold",
            "hold_reason": "WaitingForLiquidity"},
        "bank_tree": {"type": "condition", "node_id": "BIG",
            "condition": {"op": ">", "left": {"field": "balance"}, "right": 100},
            "on_true": action("BUDGET", "SetReleaseBudget", json!({
                "max_value_to_release": 100, "max_per_cpty": 10})),
            "on_false": action("NOOP", "Hold", json!({}))}
    });
    assert_eq!(
        problems(&doc),
        vec![
            "payment_tree.hold_reason (node WAIT): unknown key \"hold_reason\"",
            "bank_tree.on_true.parameters.max_per_cpty (node BUDGET): \"SetReleaseBudget\" takes max_value_to_release, focus_counterparties, max_per_counterparty, not \"max_per_cpty\"",
            "bank_tree.on_false.action (node NOOP): \"Hold\" is not an action of a bank_tree; a bank_tree can take: SetReleaseBudget, SetState, AddState, NoAction",
        ]
    );
}

#[test]
fn a_part_that_cannot_be_read_does_not_hide_what_is_wrong_elsewhere() {
    // No version; a parameter that is not a number; a condition with an unknown
    // operator above a release with a wrong flag and a test of a misspelt parameter;
    // a node with an unknown action beside a condition that reads a payment field
    // in the bank tree.
    let doc = json!({
        "parameters": {"limit": 10, "spare": "ten"},
        "payment_tree": {
            "type": "condition", "node_id": "N",
            "condition": {"op": "=<", "left": {"field": "amount"}, "right": {"param": "limit"}},
            "on_true": action("GO", "Release", json!({"priority_flag": "URGENT"})),
            "on_false": {
                "type": "condition", "node_id": "N2",
                "condition": {"op": "<", "left": {"field": "amount"}, "right": {"param": "limt"}},
                "on_true": action("GO2", "Release", json!({})),
                "on_false": action("WAIT", "Hold", json!({}))
            }
        },
        "bank_tree": {
            "type": "condition", "node_id": "B",
            "condition": {"op": ">", "left": {"field": "amount"}, "right": {"param": "spare"}},
            "on_true": action("B1", "NoAction", json!({})),
            "on_false": action("B2", "DoNothing", json!({}))
        }
    });
    assert_eq!(
        problems(&doc),
        vec![
            // Shape, in the order of the document.
            "(document): missing \"version\"",
            "parameters.spare: must be a number, not the text \"ten\"",
            "payment_tree.condition.op (node N): unknown condition operator \"=<\"; known: == != < <= > >= and or not; did you mean \"==\"?",
            "bank_tree.on_false.action (node B2): unknown action \"DoNothing\"",
            // Meaning, in the parts that parsed: the branches under N, then B's
            // condition (the parameter that is not a number is not reported again).
            "payment_tree.on_true.parameters.priority_flag (node GO): \"URGENT\" is not one of HIGH, MEDIUM, LOW",
            "payment_tree.on_false.condition.right.param (node N2): unknown parameter \"limt\"; did you mean \"limit\"?",
            "bank_tree.condition.left.field (node B): \"amount\" is a payment field; a bank_tree has no payment",
        ]
    );
}
