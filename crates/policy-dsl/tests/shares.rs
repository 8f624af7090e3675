//! Issue 16's vocabulary in decision trees: `ReleaseShare` releases a share of a
//! divisible payment and leaves the rest queued, and the `initial_liquidity_tree`
//! chooses the day's share of collateral (`PostShare`, `KeepPosted`). Expected
//! amounts are worked out by hand; bad shares are refused at load when written as
//! literals or parameters, and fail the call when computed.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test helpers fail loudly

use rtgsim_core::agent::AgentSetup;
use rtgsim_core::event::PolicyCall;
use rtgsim_core::release::DecisionCharges;
use rtgsim_core::testkit::World;
use rtgsim_core::{
    CashManagerPolicy, LiquidityShare, PolicyView, QueueOrder, ReleaseAction, ReleaseDecision,
    TxStatus,
};
use rtgsim_policy_dsl::TreePolicy;
use serde_json::{Value, json};

fn action(id: &str, name: &str, parameters: Value) -> Value {
    json!({"type": "action", "node_id": id, "action": name, "parameters": parameters})
}

fn load(doc: Value) -> TreePolicy {
    TreePolicy::from_text(&doc.to_string()).unwrap_or_else(|e| panic!("{e}"))
}

fn releasing_share(share: Value) -> TreePolicy {
    load(
        json!({"version": "2.0", "policy_id": "t", "parameters": {"half": 0.5},
        "payment_tree": action("A_SHARE", "ReleaseShare", json!({"share": share}))}),
    )
}

/// A pays B 900 cents (divisible) and C 100 cents (not divisible).
fn world() -> World {
    let mut world = World::new(&[("A", 10_000), ("B", 0), ("C", 0)]);
    world.pay_divisible("A", "B", 900, 50);
    world
}

#[test]
fn a_share_is_released_and_the_rest_stays_queued() {
    let mut world = world();
    let tx = world.state.agent(world.id("A")).queue1()[0];
    // 0.3 of 900 is 270; the node id is the source.
    let mut policy = releasing_share(json!(0.3));
    let decisions = policy.evaluate_queue(&world.view("A")).unwrap();
    assert_eq!(
        decisions,
        vec![ReleaseDecision::submit_partial(tx, 270).from_source("A_SHARE".into())]
    );
    // Carried out: a part of 270 is released to Queue 2 and 630 waits in Queue 1.
    let a = world.id("A");
    let releases = world
        .state
        .apply_release_decisions(a, &decisions, DecisionCharges::default(), &mut world.events)
        .unwrap();
    world
        .state
        .release_payments(a, &releases, &mut |_, _| false, &mut world.events);
    let queued: Vec<i64> = world
        .state
        .agent(a)
        .queue1()
        .iter()
        .map(|&id| world.state.transaction(id).amount)
        .collect();
    assert_eq!(queued, [630]);
    let released: Vec<(i64, bool)> = world
        .state
        .transactions()
        .iter()
        .filter(|t| t.status != TxStatus::Queued1 && t.parent == Some(tx))
        .map(|t| (t.amount, t.status == TxStatus::Queued2))
        .collect();
    assert_eq!(released, [(270, true)]);
    // The next call's share is of what is left: a half of 630 is 315.
    let decisions = releasing_share(json!({"param": "half"}))
        .evaluate_queue(&world.view("A"))
        .unwrap();
    assert_eq!(actions(&decisions), [partial(315)]);
}

fn partial(amount: i64) -> ReleaseAction {
    ReleaseAction::SubmitPartial {
        amount,
        priority: None,
    }
}

fn actions(decisions: &[ReleaseDecision]) -> Vec<ReleaseAction> {
    decisions.iter().map(|d| d.action.clone()).collect()
}

#[test]
fn a_computed_share_is_rounded_down_to_a_cent() {
    let world = world();
    let cases = [
        // 1/7 of 900: 142,857 ppm, 128.57 cents, 128.
        (
            json!({"compute": {"op": "/", "left": 1, "right": 7}}),
            partial(128),
        ),
        // The liquidity over the amount: 10,000 / 900 capped at 1 is the whole.
        (
            json!({"compute": {"op": "min", "values": [1, {"compute": {"op": "/", "left": {"field": "balance"}, "right": {"field": "amount"}}}]}}),
            ReleaseAction::Submit { priority: None },
        ),
        // Too small for a cent: one cent.
        (json!(0.0001), partial(1)),
    ];
    for (share, expected) in cases {
        let decisions = releasing_share(share.clone())
            .evaluate_queue(&world.view("A"))
            .unwrap_or_else(|e| panic!("{share}: {e}"));
        assert_eq!(actions(&decisions), [expected], "{share}");
    }
}

#[test]
fn a_share_of_a_payment_that_is_not_divisible_is_whole_or_a_fault() {
    let mut world = World::new(&[("A", 10_000), ("B", 0)]);
    world.pay("A", "B", 100, 50);
    let decisions = releasing_share(json!(1))
        .evaluate_queue(&world.view("A"))
        .unwrap();
    assert_eq!(
        actions(&decisions),
        [ReleaseAction::Submit { priority: None }]
    );
    let error = releasing_share(json!(0.5))
        .evaluate_queue(&world.view("A"))
        .unwrap_err()
        .to_string();
    assert!(
        error.contains("node A_SHARE: ReleaseShare of tx#0: the payment is not divisible"),
        "{error}"
    );
    // A computed share out of range fails the call, naming the node.
    let error =
        releasing_share(json!({"compute": {"op": "*", "left": {"field": "amount"}, "right": 2}}))
            .evaluate_queue(&world.view("A"))
            .unwrap_err()
            .to_string();
    assert!(
        error.contains("a share must be a number above 0 and at most 1, not 200"),
        "{error}"
    );
}

#[test]
fn literal_shares_out_of_range_are_refused_at_load() {
    let doc = json!({"version": "2.0", "policy_id": "t", "parameters": {"big": 1.5},
        "payment_tree": {"type": "condition", "node_id": "N",
            "condition": {"op": ">", "left": {"field": "amount"}, "right": 10},
            "on_true": action("A_ZERO", "ReleaseShare", json!({"share": 0})),
            "on_false": action("A_BIG", "ReleaseShare", json!({"share": {"param": "big"}}))},
        "initial_liquidity_tree": {"type": "condition", "node_id": "M",
            "condition": {"op": ">", "left": {"field": "balance"}, "right": 10},
            "on_true": action("P_NEG", "PostShare", json!({"share": -0.1})),
            "on_false": action("P_AMOUNT", "PostShare", json!({"share": {"field": "amount"}}))}});
    let error = rtgsim_policy_dsl::load(&doc.to_string())
        .unwrap_err()
        .to_string();
    for expected in [
        "payment_tree.on_true.parameters.share (node A_ZERO): 0 is not a share above 0 and at most 1 of the payment",
        "payment_tree.on_false.parameters.share (node A_BIG): 1.5 (the parameter \"big\") is not a share above 0 and at most 1 of the payment",
        "initial_liquidity_tree.on_true.parameters.share (node P_NEG): -0.1 is not a share from 0 to 1 of the collateral capacity",
        "initial_liquidity_tree.on_false.parameters.share.field (node P_AMOUNT): \"amount\" is a payment field; an initial_liquidity_tree has no payment",
    ] {
        assert!(error.contains(expected), "{expected}\nnot in\n{error}");
    }
    // Actions of other trees are refused in it, and its actions elsewhere.
    let doc = json!({"version": "2.0", "policy_id": "t",
        "payment_tree": action("A", "PostShare", json!({"share": 0.5})),
        "initial_liquidity_tree": action("B", "PostCollateral", json!({"amount": 5}))});
    let error = rtgsim_policy_dsl::load(&doc.to_string())
        .unwrap_err()
        .to_string();
    assert!(
        error.contains("\"PostShare\" is not an action of a payment_tree"),
        "{error}"
    );
    assert!(
        error.contains("\"PostCollateral\" is not an action of an initial_liquidity_tree"),
        "{error}"
    );
}

fn opening_world() -> World {
    let mut a = AgentSetup::new("A", 3_000);
    a.collateral_capacity = 40_000;
    World::with_setups(vec![a, AgentSetup::new("B", 0)], QueueOrder::Fifo)
}

fn opening(policy: &mut TreePolicy, world: &World) -> Result<Option<LiquidityShare>, String> {
    let view = PolicyView::new(
        &world.state,
        world.id("A"),
        &world.rates,
        PolicyCall::InitialLiquidity,
    );
    policy.initial_liquidity(&view).map_err(|e| e.to_string())
}

#[test]
fn the_initial_liquidity_tree_chooses_a_share_or_keeps() {
    let world = opening_world();
    let share = |ppm: u32| Some(LiquidityShare::from_fraction(f64::from(ppm) / 1e6).unwrap());
    let tree = |post: Value| {
        load(
            json!({"version": "2.0", "policy_id": "t", "parameters": {"low": 0.05},
            "initial_liquidity_tree": {"type": "condition", "node_id": "RICH",
                "condition": {"op": ">=", "left": {"field": "balance"}, "right": 2000},
                "on_true": action("P_LOW", "PostShare", json!({"share": {"param": "low"}})),
                "on_false": post}}),
        )
    };
    // The balance is 3,000: the rich branch posts the parameter's 5%.
    let mut rich = tree(action("P_HALF", "PostShare", json!({"share": 0.5})));
    assert_eq!(opening(&mut rich, &world), Ok(share(50_000)));
    let mut poorer = load(json!({"version": "2.0", "policy_id": "t",
        "initial_liquidity_tree": {"type": "condition", "node_id": "RICH",
            "condition": {"op": ">=", "left": {"field": "balance"}, "right": 5000},
            "on_true": action("KEEP", "KeepPosted", json!({})),
            // What is missing to 5,000, as a share of the 40,000 capacity: 2,000 / 40,000.
            "on_false": action("P_GAP", "PostShare", json!({"share": {"compute": {"op": "/",
                "left": {"compute": {"op": "-", "left": 5000, "right": {"field": "balance"}}},
                "right": {"field": "collateral_capacity"}}}}))}}));
    assert_eq!(opening(&mut poorer, &world), Ok(share(50_000)));
    let mut keep = load(json!({"version": "2.0", "policy_id": "t",
        "initial_liquidity_tree": action("KEEP", "KeepPosted", json!({"reason": "as is"}))}));
    assert_eq!(opening(&mut keep, &world), Ok(None));
    // No tree: keep.
    let mut none = load(json!({"version": "2.0", "policy_id": "t",
        "payment_tree": action("R", "Release", json!({}))}));
    assert_eq!(opening(&mut none, &world), Ok(None));
    // A computed share past 1 is a fault naming the node.
    let mut over = load(json!({"version": "2.0", "policy_id": "t",
        "initial_liquidity_tree": action("P_OVER", "PostShare", json!({"share": {"field": "balance"}}))}));
    assert_eq!(
        opening(&mut over, &world),
        Err("decision tree node P_OVER: PostShare: 3000 is not a share from 0 to 1 of the collateral capacity".into())
    );
}

#[test]
fn the_diff_knows_the_initial_liquidity_tree() {
    use rtgsim_policy_dsl::diff::{ChangeKind, diff};
    let before = json!({"version": "2.0",
        "initial_liquidity_tree": action("P", "PostShare", json!({"share": 0.2}))});
    let after = json!({"version": "2.0",
        "initial_liquidity_tree": action("P", "PostShare", json!({"share": 0.25}))});
    let changes = diff(&before, &after);
    let seen: Vec<(ChangeKind, Option<&str>, Option<&str>)> = changes
        .iter()
        .map(|c| (c.kind, c.tree.as_deref(), c.node_id.as_deref()))
        .collect();
    assert_eq!(
        seen,
        [(
            ChangeKind::ActionParametersChanged,
            Some("initial_liquidity_tree"),
            Some("P")
        )]
    );
    let removed = diff(&before, &json!({"version": "2.0"}));
    assert_eq!(removed.len(), 1);
    assert_eq!(removed[0].kind, ChangeKind::TreeRemoved);
}
