//! The field catalog as a policy reads it: every field has a value where it should,
//! and the values are the ones a person would compute from the state.
#![allow(clippy::unwrap_used, clippy::float_cmp)] // test helpers fail loudly; exact values

use rtgsim_core::agent::AgentSetup;
use rtgsim_core::event::PolicyCall;
use rtgsim_core::fields::FieldScope;
use rtgsim_core::testkit::World;
use rtgsim_core::{CATALOG, Field, FieldValue, PolicyView, QueueOrder, TxId};

struct Scene {
    world: World,
    to_b: TxId,
    to_c: TxId,
}

/// A at tick 10 of a 100-tick day: balance 1,000, unsecured cap 500, 1,000 of
/// collateral posted (capacity 2,000) at a 10% haircut; two payments in Queue 1, one
/// to B waiting in Queue 2; B and C have payments to A waiting in Queue 2.
fn scene() -> Scene {
    let mut a = AgentSetup::new("A", 1_000);
    a.unsecured_cap = 500;
    a.collateral_capacity = 2_000;
    a.posted_collateral = 1_000;
    a.collateral_haircut_bps = 1_000;
    a.liquidity_buffer = 100;
    let setups = vec![a, AgentSetup::new("B", 0), AgentSetup::new("C", 0)];
    let mut world = World::with_setups(setups, QueueOrder::Fifo);
    let to_b = world.pay("A", "B", 300, 15);
    let to_c = world.payment("A", "C", 200, 12, 7, true);
    let queued = world.pay("A", "B", 400, 20);
    world.release("A", &[queued]);
    let back = world.pay("B", "A", 150, 13);
    world.release("B", &[back]);
    let far = world.pay("C", "A", 50, 30);
    world.release("C", &[far]);
    world.at_tick(10);
    Scene { world, to_b, to_c }
}

fn read(view: &PolicyView<'_>, field: Field, tx: Option<TxId>) -> FieldValue {
    let tx = tx.map(|id| view.transaction(id).unwrap());
    view.field(field, tx)
}

#[test]
fn agent_and_collateral_fields() {
    let s = scene();
    let view = s.world.view("A");
    let int = |f: Field| read(&view, f, None);
    assert_eq!(int(Field::Balance), FieldValue::Int(1_000));
    assert_eq!(int(Field::CreditLimit), FieldValue::Int(1_400));
    assert_eq!(int(Field::AvailableLiquidity), FieldValue::Int(2_400));
    assert_eq!(int(Field::CreditUsed), FieldValue::Int(0));
    assert_eq!(int(Field::OutgoingQueueSize), FieldValue::Int(2));
    assert_eq!(int(Field::OutgoingQueueValue), FieldValue::Int(500));
    assert_eq!(int(Field::Headroom), FieldValue::Int(1_900));
    assert_eq!(int(Field::Queue1LiquidityGap), FieldValue::Int(0));
    assert_eq!(int(Field::LiquidityBuffer), FieldValue::Int(100));
    assert_eq!(
        int(Field::RemainingCollateralCapacity),
        FieldValue::Int(1_000)
    );
    assert_eq!(int(Field::CollateralUtilization), FieldValue::Float(0.5));
    assert_eq!(int(Field::CollateralHaircut), FieldValue::Float(0.1));
    assert_eq!(int(Field::ExcessCollateral), FieldValue::Int(1_000));
}

#[test]
fn central_queue_and_inflow_fields() {
    let s = scene();
    let view = s.world.view("A");
    let at = |f: Field| read(&view, f, None);
    assert_eq!(at(Field::ExpectedInflowsTotal), FieldValue::Int(200));
    // Deadlines 13 and 30: within 5 ticks of tick 10 only the first.
    assert_eq!(at(Field::ExpectedInflows5), FieldValue::Int(150));
    assert_eq!(at(Field::ExpectedInflows10), FieldValue::Int(150));
    assert_eq!(at(Field::IncomingExpectedCount), FieldValue::Int(2));
    assert_eq!(at(Field::Queue2CountForAgent), FieldValue::Int(1));
    assert_eq!(at(Field::Queue2NearestDeadline), FieldValue::Int(20));
    assert_eq!(at(Field::TicksToNearestQueue2Deadline), FieldValue::Int(10));
    assert_eq!(at(Field::RtgsQueueSize), FieldValue::Int(3));
    assert_eq!(at(Field::RtgsQueueValue), FieldValue::Int(600));
    // Per counterparty: A owes B 400 and is owed 150 in the queue; owes C nothing.
    assert_eq!(
        read(&view, Field::MyBilateralNetQ2, Some(s.to_b)),
        FieldValue::Int(250)
    );
    assert_eq!(
        read(&view, Field::MyBilateralNetQ2, Some(s.to_c)),
        FieldValue::Int(-50)
    );
    assert_eq!(
        read(&view, Field::Queue2ValueFromCounterparty, Some(s.to_c)),
        FieldValue::Int(50)
    );
    let b_view = s.world.view("B");
    assert_eq!(
        read(&b_view, Field::TicksToNearestQueue2Deadline, None),
        FieldValue::Int(3)
    );
    let c_view = s.world.view("C");
    assert_eq!(
        read(&c_view, Field::ExpectedInflowsTotal, None),
        FieldValue::Int(0)
    );
}

#[test]
fn payment_and_time_fields() {
    let s = scene();
    let view = s.world.view("A");
    let tx = |f: Field| read(&view, f, Some(s.to_c));
    assert_eq!(tx(Field::Amount), FieldValue::Int(200));
    assert_eq!(tx(Field::Priority), FieldValue::Int(7));
    assert_eq!(tx(Field::IsDivisible), FieldValue::Bool(true));
    assert_eq!(tx(Field::TicksToDeadline), FieldValue::Int(2));
    assert_eq!(tx(Field::QueueAge), FieldValue::Int(10));
    assert_eq!(tx(Field::IsPastDeadline), FieldValue::Bool(false));
    assert_eq!(tx(Field::IsInQueue2), FieldValue::Bool(false));
    assert_eq!(tx(Field::DayProgressFraction), FieldValue::Float(0.1));
    assert_eq!(tx(Field::TicksToEod), FieldValue::Int(90));
    assert_eq!(tx(Field::IsEodRush), FieldValue::Bool(false));
}

#[test]
fn throughput_counts_the_days_flows() {
    let mut s = scene();
    let view = s.world.view("A");
    // A owes 900 today (all arrived today), has settled nothing: 0, a tenth of the
    // day gone.
    assert_eq!(
        read(&view, Field::MyThroughputFractionToday, None),
        FieldValue::Float(0.0)
    );
    assert_eq!(
        read(&view, Field::ExpectedThroughputFractionByNow, None),
        FieldValue::Float(0.1)
    );
    assert_eq!(
        read(&view, Field::ThroughputGap, None),
        FieldValue::Float(-0.1)
    );
    // Settle A's queued 400 to B: 400 of 900.
    let queued = s.world.state.queue2().head(s.world.id("A")).unwrap().1.tx;
    assert!(s.world.state.settle_gross(
        queued,
        rtgsim_core::event::SettleRoute::Queue,
        &mut s.world.events
    ));
    let view = s.world.view("A");
    assert_eq!(
        read(&view, Field::MyThroughputFractionToday, None),
        FieldValue::Float(400.0 / 900.0)
    );
    assert_eq!(
        read(&view, Field::SystemThroughput, None),
        FieldValue::Float(400.0 / 1_100.0)
    );
    // The next day starts from what is still waiting: 500 in A's Queue 1.
    s.world.at_tick(100);
    let view = s.world.view("A");
    assert_eq!(
        read(&view, Field::MyThroughputFractionToday, None),
        FieldValue::Float(0.0)
    );
    assert_eq!(s.world.state.agent(s.world.id("A")).day_flows().due(), 500);
}

#[test]
fn every_field_has_a_finite_value_in_a_payment_call() {
    let s = scene();
    let view = s.world.view("A");
    let tx = view.transaction(s.to_b).unwrap();
    for spec in CATALOG {
        let value = view.field(spec.field, Some(tx)).as_f64();
        assert!(
            value.is_some_and(f64::is_finite),
            "{} reads {value:?}",
            spec.name
        );
    }
}

#[test]
fn fields_without_a_value_read_none() {
    let s = scene();
    let a = s.world.id("A");
    let end_of_tick = PolicyView::new(
        &s.world.state,
        a,
        &s.world.rates,
        PolicyCall::EndOfTickCollateral,
    );
    for spec in CATALOG {
        let value = end_of_tick.field(spec.field, None);
        let absent = spec.scope == FieldScope::Transaction;
        assert_eq!(value == FieldValue::None, absent, "{}", spec.name);
    }
}
