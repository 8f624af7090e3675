//! What each action does when a tree reaches it, run against a real simulation state:
//! releases, splits, paced and staggered releases, timed releases, priorities, the
//! central queue, budgets, registers, collateral, faults, traces, reloads and state.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test helpers fail loudly

use rtgsim_core::agent::AgentSetup;
use rtgsim_core::event::PolicyCall;
use rtgsim_core::release::DecisionCharges;
use rtgsim_core::testkit::World;
use rtgsim_core::{
    CashManagerPolicy, CollateralDecision, PolicyView, QueueOrder, ReleaseAction, ReleaseDecision,
    TxId, TxStatus,
};
use rtgsim_policy_dsl::TreePolicy;
use serde_json::{Value, json};

/// A document whose payment tree is one action (or the given tree), plus extra keys.
fn policy(payment_tree: Value, extra: Value) -> TreePolicy {
    let mut doc = json!({"version": "2.0", "policy_id": "t", "payment_tree": payment_tree});
    if let Value::Object(more) = extra {
        for (k, v) in more {
            doc[k] = v;
        }
    }
    TreePolicy::from_text(&doc.to_string()).unwrap_or_else(|e| panic!("{e}"))
}

fn action(name: &str, parameters: Value) -> Value {
    json!({"type": "action", "node_id": format!("A_{name}"), "action": name, "parameters": parameters})
}

fn decide(policy: &mut TreePolicy, world: &World) -> Vec<ReleaseDecision> {
    policy
        .evaluate_queue(&world.view("A"))
        .unwrap_or_else(|e| panic!("{e}"))
}

/// Carries decisions out: splits, drops and priorities apply, releases go to Queue 2.
fn apply(world: &mut World, decisions: &[ReleaseDecision]) {
    let a = world.id("A");
    let releases = world
        .state
        .apply_release_decisions(a, decisions, DecisionCharges::default(), &mut world.events)
        .unwrap_or_else(|e| panic!("{e}"));
    world
        .state
        .release_payments(a, &releases, &mut |_, _| false, &mut world.events);
}

fn actions(decisions: &[ReleaseDecision]) -> Vec<ReleaseAction> {
    decisions.iter().map(|d| d.action.clone()).collect()
}

fn held(decisions: &[ReleaseDecision]) -> bool {
    decisions
        .iter()
        .all(|d| matches!(d.action, ReleaseAction::Hold { .. }))
}

fn world_with(balance: i64) -> World {
    World::new(&[("A", balance), ("B", 0), ("C", 0)])
}

#[test]
fn release_carries_its_node_and_priority_flag() {
    let mut world = world_with(0);
    let tx = world.pay("A", "B", 100, 50);
    let mut p = policy(
        action("Release", json!({"priority_flag": "HIGH"})),
        json!({}),
    );
    let decisions = decide(&mut p, &world);
    assert_eq!(decisions[0].tx, tx);
    assert_eq!(
        decisions[0].action,
        ReleaseAction::Submit { priority: Some(10) }
    );
    assert_eq!(decisions[0].source.as_deref(), Some("A_Release"));
}

#[test]
fn split_splits_divisible_payments_and_fails_on_others() {
    let mut world = world_with(0);
    world.pay_divisible("A", "B", 100, 50);
    let mut p = policy(
        action("Split", json!({"num_splits": {"value": 4}})),
        json!({}),
    );
    assert_eq!(
        actions(&decide(&mut p, &world)),
        vec![ReleaseAction::Split { parts: 4 }]
    );
    world.pay("A", "B", 100, 50);
    let error = p.evaluate_queue(&world.view("A")).unwrap_err();
    assert!(error.message.contains("A_Split"), "{error}");
    assert!(error.message.contains("not divisible"), "{error}");
}

#[test]
fn pace_and_release_pays_one_part_per_tick() {
    let mut world = world_with(0);
    let tx = world.pay_divisible("A", "B", 300, 50);
    let mut p = policy(
        action("PaceAndRelease", json!({"num_splits": 3})),
        json!({}),
    );
    let mut released = Vec::new();
    for tick in 0..4 {
        world.at_tick(tick);
        let decisions = decide(&mut p, &world);
        apply(&mut world, &decisions);
        released.push(world.state.queue2().value());
    }
    assert_eq!(released, vec![100, 200, 300, 300]);
    assert_eq!(world.state.transaction(tx).status, TxStatus::Split);
    assert!(world.state.agent(world.id("A")).queue1().is_empty());
    world.state.check_invariants().unwrap();
}

#[test]
fn stagger_split_can_wait_before_the_first_part() {
    let mut world = world_with(0);
    world.pay_divisible("A", "B", 200, 50);
    let params = json!({"num_splits": 2, "stagger_first_now": false, "stagger_gap_ticks": 3});
    let mut p = policy(action("StaggerSplit", params), json!({}));
    let mut released = Vec::new();
    for tick in 0..8 {
        world.at_tick(tick);
        let decisions = decide(&mut p, &world);
        apply(&mut world, &decisions);
        released.push(world.state.queue2().value());
    }
    // First part at tick 3, second at tick 6.
    assert_eq!(released, vec![0, 0, 0, 100, 100, 100, 200, 200]);
}

#[test]
fn timed_release_waits_for_its_tick() {
    let mut world = world_with(0);
    world.pay("A", "B", 100, 50);
    let mut p = policy(action("Release", json!({"timed_for_tick": 4})), json!({}));
    let mut when = None;
    for tick in 0..6 {
        world.at_tick(tick);
        let decisions = decide(&mut p, &world);
        if !held(&decisions) && when.is_none() {
            when = Some(tick);
        }
        apply(&mut world, &decisions);
    }
    assert_eq!(when, Some(4));
}

#[test]
fn reprioritize_keeps_the_payment() {
    let mut world = world_with(0);
    let tx = world.pay("A", "B", 100, 50);
    let mut p = policy(
        action("Reprioritize", json!({"new_priority": 9})),
        json!({}),
    );
    let decisions = decide(&mut p, &world);
    apply(&mut world, &decisions);
    let payment = world.state.transaction(tx);
    assert_eq!((payment.priority, payment.status), (9, TxStatus::Queued1));
}

#[test]
fn queue2_actions_act_on_queued_payments_only() {
    let setups = vec![AgentSetup::new("A", 0), AgentSetup::new("B", 0)];
    let mut world = World::with_setups(setups, QueueOrder::Priority);
    let queued = world.pay("A", "B", 100, 50);
    world.release("A", &[queued]);
    let fresh = world.pay("A", "B", 50, 50);
    let tree = json!({
        "type": "condition", "node_id": "N_Q2",
        "condition": {"op": "==", "left": {"field": "is_in_queue2"}, "right": {"value": 1}},
        "on_true": action("ResubmitToRtgs", json!({"rtgs_priority": "HIGH"})),
        "on_false": action("Hold", json!({}))
    });
    let mut p = policy(tree, json!({}));
    let decisions = decide(&mut p, &world);
    let by_tx: Vec<(TxId, ReleaseAction)> =
        decisions.iter().map(|d| (d.tx, d.action.clone())).collect();
    assert_eq!(by_tx.len(), 2);
    assert!(matches!(by_tx[0], (tx, ReleaseAction::Hold { .. }) if tx == fresh));
    assert_eq!(
        by_tx[1],
        (queued, ReleaseAction::ResubmitToQueue2 { priority: 10 })
    );
    apply(&mut world, &decisions);
    assert_eq!(world.state.transaction(queued).priority, 10);

    // A central-queue action reached for a payment still in the bank's queue is a fault.
    let mut wrong = policy(action("WithdrawFromRtgs", json!({})), json!({}));
    let error = wrong.evaluate_queue(&world.view("A")).unwrap_err();
    assert!(
        error.message.contains("still in the bank's queue"),
        "{error}"
    );
}

#[test]
fn the_release_budget_holds_what_does_not_fit() {
    let mut world = world_with(0);
    let first = world.pay("A", "B", 60, 50);
    let second = world.pay("A", "B", 50, 50);
    let third = world.pay("A", "C", 30, 50);
    let bank = action("SetReleaseBudget", json!({"max_value_to_release": 100}));
    let mut p = policy(action("Release", json!({})), json!({"bank_tree": bank}));
    let decisions = decide(&mut p, &world);
    let released: Vec<TxId> = decisions
        .iter()
        .filter(|d| matches!(d.action, ReleaseAction::Submit { .. }))
        .map(|d| d.tx)
        .collect();
    // 60 fits, 50 does not (40 left), 30 does.
    assert_eq!(released, vec![first, third]);
    assert!(matches!(decisions[1].action, ReleaseAction::Hold { .. }) && decisions[1].tx == second);

    let focus = action(
        "SetReleaseBudget",
        json!({"max_value_to_release": 1000, "focus_counterparties": ["C"], "max_per_counterparty": 25}),
    );
    let mut p = policy(action("Release", json!({})), json!({"bank_tree": focus}));
    assert!(
        held(&decide(&mut p, &world)),
        "only C may be paid, and at most 25 to it"
    );
}

#[test]
fn registers_accumulate_within_a_day_and_reset_at_the_next() {
    let mut world = World::with_setups(
        vec![AgentSetup::new("A", 0), AgentSetup::new("B", 0)],
        QueueOrder::Fifo,
    );
    world.pay("A", "B", 100, 99);
    let bank = action("AddState", json!({"key": "bank_state_calls", "value": 1}));
    let tree = json!({
        "type": "condition", "node_id": "N_THIRD",
        "condition": {"op": ">=", "left": {"field": "bank_state_calls"}, "right": {"value": 3}},
        "on_true": action("Release", json!({})),
        "on_false": action("Hold", json!({}))
    });
    let mut p = policy(tree, json!({"bank_tree": bank}));
    let mut outcomes = Vec::new();
    for tick in [0, 1, 2] {
        world.at_tick(tick);
        outcomes.push(held(&decide(&mut p, &world)));
    }
    assert_eq!(
        outcomes,
        vec![true, true, false],
        "released on the third call of the day"
    );
    // Tick 100 is the first of day 1 (100 ticks a day): the register starts again.
    world.at_tick(100);
    assert!(held(&decide(&mut p, &world)));
    let state = p.state().unwrap();
    assert_eq!(state["registers"]["bank_state_calls"], 1.0);
}

#[test]
fn posted_collateral_can_be_withdrawn_automatically() {
    let mut a = AgentSetup::new("A", 0);
    a.collateral_capacity = 10_000;
    let mut world = World::with_setups(vec![a, AgentSetup::new("B", 0)], QueueOrder::Fifo);
    let post = json!({
        "type": "condition", "node_id": "N_FIRST",
        "condition": {"op": "==", "left": {"field": "current_tick"}, "right": {"value": 0}},
        "on_true": action("PostCollateral", json!({"amount": 5000, "auto_withdraw_after_ticks": 2})),
        "on_false": action("HoldCollateral", json!({}))
    });
    let mut p = policy(
        action("Hold", json!({})),
        json!({"strategic_collateral_tree": post}),
    );
    let a = world.id("A");
    let mut decisions = Vec::new();
    for tick in 0..4 {
        world.at_tick(tick);
        let view = PolicyView::new(
            &world.state,
            a,
            &world.rates,
            PolicyCall::StrategicCollateral,
        );
        let decision = p.strategic_collateral(&view).unwrap();
        let phase = rtgsim_core::event::CollateralPhase::Strategic;
        world
            .state
            .apply_collateral_decision(a, decision, phase, &mut world.events)
            .unwrap();
        decisions.push(decision);
    }
    assert_eq!(
        decisions,
        vec![
            CollateralDecision::Post { amount: 5000 },
            CollateralDecision::Hold,
            CollateralDecision::Withdraw { amount: 5000 },
            CollateralDecision::Hold,
        ]
    );
}

#[test]
fn arithmetic_faults_fail_the_call_naming_the_node() {
    let mut world = world_with(0);
    world.pay("A", "B", 100, 50);
    let tree = json!({
        "type": "condition", "node_id": "N_RATIO",
        "condition": {"op": ">", "left": {"compute": {"op": "/", "left": {"field": "amount"}, "right": {"field": "balance"}}}, "right": {"value": 1}},
        "on_true": action("Release", json!({})),
        "on_false": action("Hold", json!({}))
    });
    let mut p = policy(tree, json!({}));
    let error = p.evaluate_queue(&world.view("A")).unwrap_err();
    assert!(
        error.message.contains("N_RATIO") && error.message.contains("division by zero"),
        "{error}"
    );

    let guarded = json!({
        "type": "condition", "node_id": "N_RATIO",
        "condition": {"op": ">", "left": {"compute": {"op": "div0", "numerator": {"field": "amount"}, "denominator": {"field": "balance"}, "default": {"value": 0}}}, "right": {"value": 1}},
        "on_true": action("Release", json!({})),
        "on_false": action("Hold", json!({}))
    });
    let mut p = policy(guarded, json!({}));
    assert!(held(&decide(&mut p, &world)));
}

#[test]
fn a_failed_call_leaves_schedules_as_they_were() {
    let mut world = world_with(0);
    world.pay("A", "B", 100, 50);
    let mut p = policy(action("Release", json!({"timed_for_tick": 5})), json!({}));
    decide(&mut p, &world);
    let before = p.state();
    // A payment whose tree path divides by zero fails the whole next call.
    world.pay("A", "B", 1, 50);
    let tree = json!({
        "type": "condition", "node_id": "N_BAD",
        "condition": {"op": ">", "left": {"compute": {"op": "/", "left": {"value": 1}, "right": {"field": "balance"}}}, "right": {"value": 0}},
        "on_true": action("Release", json!({"timed_for_tick": 9})),
        "on_false": action("Hold", json!({}))
    });
    let doc = json!({"version": "2.0", "policy_id": "t", "payment_tree": tree});
    p.reload(&doc.to_string()).unwrap();
    assert!(p.evaluate_queue(&world.view("A")).is_err());
    assert_eq!(p.state(), before);
}

#[test]
fn tracing_records_the_path_and_the_values() {
    let mut world = world_with(500);
    let tx = world.pay("A", "B", 100, 50);
    let tree = json!({
        "type": "condition", "node_id": "N_COVER",
        "condition": {"op": ">=", "left": {"field": "balance"}, "right": {"field": "amount"}},
        "on_true": action("Release", json!({})),
        "on_false": action("Hold", json!({}))
    });
    let mut p = policy(tree, json!({})).with_trace(true);
    decide(&mut p, &world);
    let trace = p.take_trace();
    assert_eq!(trace.len(), 1);
    assert_eq!(trace[0].tx, Some(tx));
    assert_eq!(
        trace[0].text,
        "payment_tree: N_COVER[500 >= 100 ] true -> A_Release (Release)"
    );
    assert!(p.take_trace().is_empty(), "taking the trace clears it");
}

#[test]
fn a_reload_applies_only_when_valid() {
    let mut world = world_with(0);
    world.pay("A", "B", 100, 50);
    let mut p = policy(action("Hold", json!({})), json!({}));
    let broken =
        json!({"version": "2.0", "policy_id": "t", "payment_tree": action("Relase", json!({}))});
    let error = p.reload(&broken.to_string()).unwrap_err();
    assert!(
        error.to_string().contains("did you mean \"Release\""),
        "{error}"
    );
    assert!(held(&decide(&mut p, &world)), "the old tree still runs");
    let fixed =
        json!({"version": "2.0", "policy_id": "t", "payment_tree": action("Release", json!({}))});
    p.reload(&fixed.to_string()).unwrap();
    assert!(!held(&decide(&mut p, &world)));
}

#[test]
fn state_survives_a_round_trip() {
    let mut world = world_with(0);
    world.pay("A", "B", 100, 50);
    let mut p = policy(action("Release", json!({"timed_for_tick": 7})), json!({}));
    decide(&mut p, &world);
    let saved = p.state().unwrap();
    let mut fresh = policy(action("Release", json!({"timed_for_tick": 7})), json!({}));
    fresh.restore_state(saved.clone()).unwrap();
    assert_eq!(fresh.state().unwrap(), saved);
    assert!(fresh.restore_state(json!({"registers": 5})).is_err());
}

#[test]
fn a_document_without_trees_holds_everything() {
    let mut world = world_with(1_000);
    world.pay("A", "B", 100, 50);
    let mut p = TreePolicy::from_text(r#"{"version": "2.0", "parameters": {}}"#).unwrap();
    assert!(
        decide(&mut p, &world).is_empty(),
        "no decision: the payment stays in Queue 1"
    );
}
