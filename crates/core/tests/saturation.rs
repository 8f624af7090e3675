//! The documented saturations, reached: sums of many payments can exceed `i64::MAX`
//! cents with every single amount within a scenario's bounds, and where such a sum
//! must be an `i64` (an event's value, a rate's base, a policy's integer field) it
//! saturates, keeping its sign, instead of wrapping or panicking.
#![allow(clippy::unwrap_used)] // test helpers fail loudly

use rtgsim_core::event::{Event, LsmAlgorithm, PolicyCall};
use rtgsim_core::money::{MAX_MONEY_CENTS, RateAccrual, after_haircut};
use rtgsim_core::release::DecisionCharges;
use rtgsim_core::testkit::World;
use rtgsim_core::{
    Cents, CostLedger, CostRates, Field, FieldValue, PolicyView, Rate, ReleaseDecision, TxId,
};

/// The fewest payments of the largest amount whose sum exceeds `i64::MAX` cents.
const PAYMENTS_PAST_I64: usize = (i64::MAX / MAX_MONEY_CENTS) as usize + 1;

/// A world where A owes B more than `i64::MAX` cents in Queue 1.
fn queued_past_i64() -> World {
    let mut world = World::new(&[("A", 0), ("B", 0)]);
    for _ in 0..PAYMENTS_PAST_I64 {
        world.pay("A", "B", MAX_MONEY_CENTS, 99);
    }
    world
}

#[test]
fn queue_sums_past_i64_read_saturated_with_their_sign() {
    let world = queued_past_i64();
    let a = world.state.agent(world.id("A"));
    assert!(a.queue1_value() > i128::from(i64::MAX));
    let view = world.view("A");
    let read = |field| view.field(field, None);
    assert_eq!(read(Field::OutgoingQueueValue), FieldValue::Int(i64::MAX));
    assert_eq!(read(Field::TotalQueueValue), FieldValue::Int(i64::MAX));
    assert_eq!(read(Field::Queue1LiquidityGap), FieldValue::Int(i64::MAX));
    // Liquidity minus far more than i64::MAX queued: hugely negative, never positive.
    assert_eq!(read(Field::Headroom), FieldValue::Int(i64::MIN));
    assert_eq!(
        read(Field::OutgoingQueueSize),
        FieldValue::Int(PAYMENTS_PAST_I64 as i64)
    );
    let b = PolicyView::new(
        &world.state,
        world.id("B"),
        &world.rates,
        PolicyCall::EvaluateQueue,
    );
    assert_eq!(b.field(Field::Headroom, None), FieldValue::Int(0));
}

#[test]
fn the_delay_cost_of_a_queue_past_i64_is_charged_on_cents_max() {
    let world = queued_past_i64();
    let rates = CostRates {
        delay: Rate::from_bps(10_000.0).unwrap(),
        ..CostRates::default()
    };
    let mut ledger = CostLedger::new(2);
    let mut events = Vec::new();
    ledger.accrue_tick(&world.state, &rates, &mut events);
    assert!(matches!(
        events.as_slice(),
        [Event::TickCosts {
            delay: Cents::MAX,
            overdraft: 0,
            collateral: 0,
            ..
        }]
    ));
}

#[test]
fn a_set_worth_more_than_i64_settles_and_records_cents_max() {
    let mut world = World::new(&[("A", 0), ("B", 0)]);
    let mut ids: Vec<TxId> = Vec::new();
    // Alternating directions: every prefix of the set nets to at most one payment.
    for i in 0..PAYMENTS_PAST_I64.next_multiple_of(2) {
        let (from, to) = if i % 2 == 0 { ("A", "B") } else { ("B", "A") };
        let tx = world.pay(from, to, MAX_MONEY_CENTS, 99);
        world.release(from, &[tx]);
        ids.push(tx);
    }
    world.events.clear();
    world
        .state
        .settle_set(&ids, LsmAlgorithm::Bilateral, &mut world.events)
        .unwrap();
    match world.events.as_slice() {
        [Event::SetSettled { value, txs, .. }] => {
            assert_eq!(*value, Cents::MAX);
            assert_eq!(txs.len(), ids.len());
        }
        other => panic!("expected one set settlement, got {} events", other.len()),
    }
    assert_eq!(world.state.agent(world.id("A")).balance(), 0);
    assert_eq!(world.state.agent(world.id("B")).balance(), 0);
    assert_eq!(world.state.check_invariants(), Ok(()));
}

/// A fee a scenario cannot state (its split friction is at most MAX_MONEY_CENTS) but
/// a library caller can.
#[test]
fn split_friction_saturates_for_a_fee_built_in_code() {
    let mut world = World::new(&[("A", 1_000), ("B", 0)]);
    let tx = world.pay_divisible("A", "B", 900, 50);
    let a = world.id("A");
    let charges = DecisionCharges {
        // Two extra parts cost one cent more than `Cents::MAX`.
        split_friction: Cents::MAX / 2 + 1,
        deadline_penalty: 0,
    };
    world
        .state
        .apply_release_decisions(
            a,
            &[ReleaseDecision::split(tx, 3)],
            charges,
            &mut world.events,
        )
        .unwrap();
    let friction: Vec<Cents> = world
        .events
        .iter()
        .filter_map(|event| match event {
            Event::Split { friction_cost, .. } => Some(*friction_cost),
            _ => None,
        })
        .collect();
    assert_eq!(friction, vec![Cents::MAX]);
}

/// The proven bounds at their edges: the largest inputs stay inside `i64` without
/// reaching a fallback (debug builds would stop on it).
#[test]
fn proven_bounds_hold_at_their_edges() {
    assert_eq!(after_haircut(Cents::MAX, 0), Cents::MAX);
    assert_eq!(after_haircut(Cents::MAX, 10_000), 0);
    let mut accrual = RateAccrual::default();
    let full = Rate::from_bps(10_000.0).unwrap();
    assert_eq!(accrual.accrue(Cents::MAX, full), Cents::MAX);
    assert_eq!(accrual.remainder(), 0);
    let just_under = Rate::from_micro_bps(9_999_999_999);
    assert_eq!(
        accrual.accrue(Cents::MAX, just_under),
        Cents::MAX - 922_337_204
    );
    assert!(accrual.remainder() > 0);
    assert_eq!(accrual.accrue(Cents::MAX, full), Cents::MAX);
}

/// A scenario may repeat a transfer of the largest amount every tick of a long run
/// (validation bounds each amount, not their sum): after `PAYMENTS_PAST_I64` of them
/// the sender owes more than `i64::MAX` cents. The transfer must neither panic nor
/// wrap: money is conserved (the two balances still sum to 0) and the state's
/// invariants hold.
#[test]
fn repeated_transfers_past_i64_keep_money_conserved_without_panicking() {
    let mut world = World::new(&[("A", 0), ("B", 0)]);
    let (a, b) = (world.id("A"), world.id("B"));
    let mut events = Vec::new();
    for _ in 0..PAYMENTS_PAST_I64 {
        world
            .state
            .shock_transfer(a, b, MAX_MONEY_CENTS, &mut events);
        events.clear();
    }
    let balance = |id| i128::from(world.state.agent(id).balance());
    assert_eq!(balance(a) + balance(b), 0);
    assert!(balance(a) <= 0 && balance(b) >= 0, "a balance wrapped");
    assert!(world.state.check_invariants().is_ok());
}

/// End-of-day loans settle every waiting payment whatever its sender holds, so a
/// close can move more than `i64::MAX` cents to one receiver (A owes B more than
/// that in Queue 1, each payment within the money bound). The close must neither
/// panic nor wrap: the two balances still sum to 0 and neither changed sign.
#[test]
#[ignore = "bug: end-of-day loans settle a queue worth more than i64::MAX cents and the balances overflow (panics in debug, wraps in release)"]
fn end_of_day_loans_past_i64_keep_money_conserved_without_panicking() {
    let mut world = queued_past_i64();
    let (a, b) = (world.id("A"), world.id("B"));
    let mut events = Vec::new();
    world.state.settle_by_eod_loans(&mut events);
    let balance = |id| i128::from(world.state.agent(id).balance());
    assert_eq!(balance(a) + balance(b), 0);
    assert!(balance(a) <= 0 && balance(b) >= 0, "a balance wrapped");
}

/// Repeated transfers can take a balance past the checkpoint's bound (four times
/// every agent's largest opening balance) well before `i64` overflows: 45,000
/// transfers of the largest amount leave A at -4.5e18 cents. A run that reached
/// that state must still checkpoint and resume (or the transfers must be bounded
/// so that it cannot reach it): the snapshot restores.
#[test]
fn a_state_repeated_transfers_reach_restores_from_its_snapshot() {
    let mut world = World::new(&[("A", 0), ("B", 0)]);
    let (a, b) = (world.id("A"), world.id("B"));
    let mut events = Vec::new();
    for _ in 0..45_000 {
        world
            .state
            .shock_transfer(a, b, MAX_MONEY_CENTS, &mut events);
        events.clear();
    }
    assert!(world.state.check_invariants().is_ok());
    let restored = rtgsim_core::SimState::restore(world.state.snapshot());
    assert!(restored.is_ok(), "{:?}", restored.err());
}
