//! Immediate settlement and the Queue 2 retry, on small exact cases.

use rtgsim_core::agent::AgentSetup;
use rtgsim_core::event::{CollateralPhase, Event, SettleRoute};
use rtgsim_core::testkit::World;
use rtgsim_core::{CollateralDecision, QueueOrder, Release, TxId, TxStatus};
use rtgsim_settlement::{SettlementConfig, SettlementEngine};

fn engine(fifo_bypass: bool) -> SettlementEngine {
    SettlementEngine::new(SettlementConfig {
        fifo_bypass,
        ..SettlementConfig::gross_only()
    })
}

fn settled_in_order(world: &World) -> Vec<(TxId, SettleRoute)> {
    world
        .events
        .iter()
        .filter_map(|e| match e {
            Event::Settled { tx, route, .. } => Some((*tx, *route)),
            _ => None,
        })
        .collect()
}

fn release_and_settle(world: &mut World, engine: &mut SettlementEngine, from: &str, txs: &[TxId]) {
    let agent = world.id(from);
    engine.release(
        &mut world.state,
        agent,
        &Release::all(txs),
        &mut world.events,
    );
    engine.settle_tick(&mut world.state, &mut world.events);
}

#[test]
fn covered_payment_settles_immediately_and_moves_money() {
    let mut world = World::new(&[("A", 500), ("B", 100)]);
    let tx = world.pay("A", "B", 300, 10);
    release_and_settle(&mut world, &mut engine(false), "A", &[tx]);
    assert_eq!(settled_in_order(&world), vec![(tx, SettleRoute::Immediate)]);
    assert_eq!(world.state.agent(world.id("A")).balance(), 200);
    assert_eq!(world.state.agent(world.id("B")).balance(), 400);
    assert_eq!(
        world.state.get_transaction(tx).map(|t| t.status),
        Some(TxStatus::Settled)
    );
    world.state.check_invariants().unwrap();
}

#[test]
fn uncovered_payment_waits_in_queue2() {
    let mut world = World::new(&[("A", 100), ("B", 0)]);
    let tx = world.pay("A", "B", 300, 10);
    release_and_settle(&mut world, &mut engine(false), "A", &[tx]);
    assert!(settled_in_order(&world).is_empty());
    assert_eq!(world.state.queue2().len(), 1);
    assert_eq!(world.state.agent(world.id("A")).queue2_value(), 300);
    assert_eq!(
        world.state.agent(world.id("B")).incoming_queue2_value(),
        300
    );
    world.state.check_invariants().unwrap();
}

#[test]
fn credit_counts_as_liquidity() {
    let mut a = AgentSetup::new("A", 0);
    a.unsecured_cap = 100;
    let mut world = World::with_setups(vec![a, AgentSetup::new("B", 0)], QueueOrder::Fifo);
    let fits = world.pay("A", "B", 100, 10);
    let too_much = world.pay("A", "B", 1, 10);
    release_and_settle(&mut world, &mut engine(true), "A", &[fits, too_much]);
    assert_eq!(
        settled_in_order(&world),
        vec![(fits, SettleRoute::Immediate)]
    );
    assert_eq!(world.state.agent(world.id("A")).balance(), -100);
    world.state.check_invariants().unwrap();
}

#[test]
fn without_bypass_a_blocked_head_blocks_the_sender() {
    let mut world = World::new(&[("A", 100), ("B", 0)]);
    let big = world.pay("A", "B", 500, 10);
    let small = world.pay("A", "B", 50, 10);
    release_and_settle(&mut world, &mut engine(false), "A", &[big, small]);
    assert!(settled_in_order(&world).is_empty());
    assert_eq!(world.state.queue2().len(), 2);
}

#[test]
fn with_bypass_a_later_payment_passes_a_blocked_one() {
    let mut world = World::new(&[("A", 100), ("B", 0)]);
    let big = world.pay("A", "B", 500, 10);
    let small = world.pay("A", "B", 50, 10);
    release_and_settle(&mut world, &mut engine(true), "A", &[big, small]);
    assert_eq!(
        settled_in_order(&world),
        vec![(small, SettleRoute::Immediate)]
    );
    assert_eq!(world.state.queue2().len(), 1);
}

#[test]
fn a_new_payment_does_not_jump_a_waiting_one() {
    let mut world = World::new(&[("A", 100), ("B", 0)]);
    let mut engine = engine(false);
    let waiting = world.pay("A", "B", 500, 10);
    release_and_settle(&mut world, &mut engine, "A", &[waiting]);
    world.at_tick(1);
    let later = world.pay("A", "B", 10, 10);
    release_and_settle(&mut world, &mut engine, "A", &[later]);
    assert!(
        settled_in_order(&world).is_empty(),
        "FIFO keeps the later payment behind"
    );
}

#[test]
fn settlement_cascades_through_the_queue_in_one_tick() {
    // A owes B, B owes C, C owes A; only C has money. C pays A, which lets A pay B,
    // which lets B pay C: everything settles in one retry.
    let mut world = World::new(&[("A", 0), ("B", 0), ("C", 100)]);
    let mut engine = engine(false);
    let ab = world.pay("A", "B", 100, 10);
    let bc = world.pay("B", "C", 100, 10);
    let ca = world.pay("C", "A", 100, 10);
    world.release("A", &[ab]);
    world.release("B", &[bc]);
    let c = world.id("C");
    let released = engine.release(&mut world.state, c, &Release::all(&[ca]), &mut world.events);
    let report = engine.settle_tick(&mut world.state, &mut world.events);
    assert_eq!(released.immediate, 1);
    assert_eq!(report.from_queue, 2);
    assert_eq!(
        settled_in_order(&world),
        vec![
            (ca, SettleRoute::Immediate),
            (ab, SettleRoute::Queue),
            (bc, SettleRoute::Queue)
        ]
    );
    assert!(world.state.queue2().is_empty());
    assert_eq!(world.state.agent(world.id("C")).balance(), 100);
    world.state.check_invariants().unwrap();
}

#[test]
fn priority_order_tries_high_priority_first() {
    let setups = vec![
        AgentSetup::new("A", 0),
        AgentSetup::new("B", 0),
        AgentSetup::new("C", 150),
    ];
    let mut world = World::with_setups(setups, QueueOrder::Priority);
    let mut engine = engine(false);
    let low = world.payment("A", "B", 100, 10, 1, false);
    let high = world.payment("A", "B", 100, 10, 9, false);
    release_and_settle(&mut world, &mut engine, "A", &[low, high]);
    // C pays A 150: enough for one of A's payments; priority order picks `high`.
    let inflow = world.pay("C", "A", 150, 10);
    release_and_settle(&mut world, &mut engine, "C", &[inflow]);
    assert_eq!(
        settled_in_order(&world),
        vec![(inflow, SettleRoute::Immediate), (high, SettleRoute::Queue)]
    );
    assert_eq!(
        world.state.get_transaction(low).map(|t| t.status),
        Some(TxStatus::Queued2)
    );
}

#[test]
fn posting_collateral_lets_a_queued_payment_settle() {
    let mut a = AgentSetup::new("A", 0);
    a.collateral_capacity = 1_000;
    a.collateral_haircut_bps = 1_000; // 10%: 1,000 posted backs 900 of credit
    let mut world = World::with_setups(vec![a, AgentSetup::new("B", 0)], QueueOrder::Fifo);
    let mut engine = engine(false);
    let tx = world.pay("A", "B", 900, 10);
    release_and_settle(&mut world, &mut engine, "A", &[tx]);
    assert!(settled_in_order(&world).is_empty());
    let a = world.id("A");
    world
        .state
        .apply_collateral_decision(
            a,
            CollateralDecision::Post { amount: 5_000 },
            CollateralPhase::Strategic,
            &mut world.events,
        )
        .unwrap();
    assert_eq!(
        world.state.agent(a).posted_collateral(),
        1_000,
        "capped at capacity"
    );
    engine.retry_queue(&mut world.state, &mut world.events);
    assert_eq!(settled_in_order(&world), vec![(tx, SettleRoute::Queue)]);
    assert_eq!(world.state.agent(a).balance(), -900);
    world.state.check_invariants().unwrap();
}
