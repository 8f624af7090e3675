//! The JSON versions of the built-in policies (`policies/builtin/`) decide exactly as
//! the Rust policies do, on random states: same action for the same payments, in the
//! same order.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test helpers fail loudly

use proptest::prelude::*;
use rtgsim_core::agent::AgentSetup;
use rtgsim_core::policies::{Deadline, Fifo, LiquidityAware};
use rtgsim_core::testkit::World;
use rtgsim_core::{CashManagerPolicy, QueueOrder, ReleaseAction, ReleaseDecision, TxId};
use rtgsim_policy_dsl::TreePolicy;

fn document(name: &str, parameters: &[(&str, f64)]) -> String {
    let path = format!(
        "{}/../../policies/builtin/{name}",
        env!("CARGO_MANIFEST_DIR")
    );
    let mut doc: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    for (key, value) in parameters {
        doc["parameters"][*key] = serde_json::json!(value);
    }
    doc.to_string()
}

/// What a decision does, without the reason text or source.
#[derive(Debug, Clone, PartialEq)]
enum Outcome {
    Release,
    Hold,
    Drop,
}

fn outcomes(decisions: Vec<ReleaseDecision>) -> Vec<(TxId, Outcome)> {
    decisions
        .into_iter()
        .map(|d| {
            let outcome = match d.action {
                ReleaseAction::Submit { priority: None } => Outcome::Release,
                ReleaseAction::Hold { .. } => Outcome::Hold,
                ReleaseAction::Drop => Outcome::Drop,
                other => panic!("unexpected action {other:?}"),
            };
            (d.tx, outcome)
        })
        .collect()
}

#[derive(Debug, Clone)]
struct State {
    balance: i64,
    unsecured_cap: i64,
    collateral: i64,
    haircut_bps: u32,
    tick: u32,
    /// (amount, deadline offset from the tick, may be negative)
    payments: Vec<(i64, i32)>,
}

fn state() -> impl Strategy<Value = State> {
    (
        -50_000i64..300_000,
        0i64..100_000,
        0i64..100_000,
        0u32..3_000,
        20u32..60,
        prop::collection::vec((1i64..120_000, -10i32..30), 0..25),
    )
        .prop_map(
            |(balance, unsecured_cap, collateral, haircut_bps, tick, payments)| State {
                balance,
                unsecured_cap,
                collateral,
                haircut_bps,
                tick,
                payments,
            },
        )
}

fn world(s: &State) -> World {
    let mut a = AgentSetup::new("A", s.balance.max(-(s.unsecured_cap)));
    a.unsecured_cap = s.unsecured_cap;
    a.collateral_capacity = s.collateral;
    a.posted_collateral = s.collateral;
    a.collateral_haircut_bps = s.haircut_bps;
    let mut world = World::with_setups(vec![a, AgentSetup::new("B", 0)], QueueOrder::Fifo);
    // Payments arrive at tick 0 with deadlines relative to the evaluation tick.
    for &(amount, offset) in &s.payments {
        let deadline = (i64::from(s.tick) + i64::from(offset)).max(0) as u32;
        world.pay("A", "B", amount, deadline);
    }
    world.at_tick(s.tick);
    world
}

fn same_decisions(
    rust: &mut dyn CashManagerPolicy,
    tree: &mut TreePolicy,
    world: &World,
) -> Result<(), TestCaseError> {
    let expected = outcomes(rust.evaluate_queue(&world.view("A")).unwrap());
    let got = outcomes(tree.evaluate_queue(&world.view("A")).unwrap());
    prop_assert_eq!(got, expected);
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 512, ..ProptestConfig::default() })]

    #[test]
    fn fifo_tree_matches_fifo(s in state()) {
        let mut tree = TreePolicy::from_text(&document("fifo.json", &[])).unwrap();
        same_decisions(&mut Fifo, &mut tree, &world(&s))?;
    }

    #[test]
    fn deadline_tree_matches_deadline(s in state(), urgency in 0u32..12) {
        let mut tree = TreePolicy::from_text(&document("deadline.json", &[("urgency_threshold", f64::from(urgency))])).unwrap();
        same_decisions(&mut Deadline { urgency_threshold: urgency }, &mut tree, &world(&s))?;
    }

    #[test]
    fn liquidity_aware_tree_matches_liquidity_aware(s in state(), urgency in 0u32..12, buffer in prop_oneof![Just(0i64), 0i64..200_000]) {
        let params = [("urgency_threshold", f64::from(urgency)), ("target_buffer", buffer as f64)];
        let mut tree = TreePolicy::from_text(&document("liquidity_aware.json", &params)).unwrap();
        let mut rust = LiquidityAware { target_buffer: buffer, urgency_threshold: urgency };
        same_decisions(&mut rust, &mut tree, &world(&s))?;
    }
}

#[test]
fn the_comparison_sees_every_outcome() {
    // Guard against a comparison that passes because both sides always hold: one
    // state where the liquidity-aware pair releases, holds and drops.
    let s = State {
        balance: 150_000,
        unsecured_cap: 20_000,
        collateral: 0,
        haircut_bps: 0,
        tick: 30,
        payments: vec![(40_000, 20), (90_000, 20), (10_000, -3), (60_000, 2)],
    };
    let mut rust = LiquidityAware {
        target_buffer: 100_000,
        urgency_threshold: 5,
    };
    let decisions = outcomes(rust.evaluate_queue(&world(&s).view("A")).unwrap());
    let kinds: Vec<Outcome> = decisions.into_iter().map(|(_, o)| o).collect();
    assert_eq!(
        kinds,
        vec![
            Outcome::Release,
            Outcome::Hold,
            Outcome::Drop,
            Outcome::Release
        ]
    );
    let mut tree = TreePolicy::from_text(&document(
        "liquidity_aware.json",
        &[("target_buffer", 100_000.0)],
    ))
    .unwrap();
    same_decisions(&mut rust, &mut tree, &world(&s)).unwrap();
}
