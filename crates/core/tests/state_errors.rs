//! What the state refuses, as typed errors a caller can match on: clocks, payments,
//! damaged checkpoints, and ids from outside (a policy's, a file's) that name nothing.
//! The messages users see are pinned too.
#![allow(clippy::unwrap_used)] // test helpers fail loudly

use rtgsim_core::event::PolicyCall;
use rtgsim_core::money::RateAccrual;
use rtgsim_core::release::DecisionCharges;
use rtgsim_core::state::{CheckpointError, PaymentError};
use rtgsim_core::testkit::World;
use rtgsim_core::{
    AgentId, Clock, ClockError, DecisionError, InvariantViolation, NewPayment, PolicyView, Rate,
    ReleaseAction, ReleaseDecision, SimState, StateError, TxId,
};
use serde_json::{Value, json};

#[test]
fn clocks_outside_the_limits_are_typed_errors() {
    assert_eq!(
        Clock::new(0, 1),
        Err(ClockError::TicksPerDay { ticks_per_day: 0 })
    );
    let too_long = Clock::new(1_000_000, 101).unwrap_err();
    assert_eq!(
        too_long,
        ClockError::RunLength {
            num_days: 101,
            ticks_per_day: 1_000_000,
        }
    );
    assert_eq!(
        StateError::from(too_long).to_string(),
        "invalid clock: a run needs at least one day and at most 100000000 ticks, got 101 days of 1000000 ticks"
    );
    assert_eq!(
        StateError::from(ClockError::TicksPerDay { ticks_per_day: 0 }).to_string(),
        "invalid clock: ticks_per_day must be 1..=1000000, got 0"
    );
}

#[test]
fn payments_the_state_cannot_hold_are_typed_errors() {
    let mut world = World::new(&[("A", 100), ("B", 0)]);
    world.at_tick(5);
    let (a, b) = (world.id("A"), world.id("B"));
    let payment = NewPayment {
        sender: a,
        receiver: b,
        amount: 10,
        deadline_tick: 20,
        priority: 5,
        divisible: false,
    };
    let cases = [
        (
            NewPayment {
                receiver: AgentId(7),
                ..payment
            },
            PaymentError::UnknownAgent {
                sender: a,
                receiver: AgentId(7),
            },
            "invalid payment: unknown agent",
        ),
        (
            NewPayment {
                receiver: a,
                ..payment
            },
            PaymentError::SameAgent(a),
            "invalid payment: sender and receiver are the same agent",
        ),
        (
            NewPayment {
                amount: 0,
                ..payment
            },
            PaymentError::Amount { amount: 0 },
            "invalid payment: amount 0 is outside 1..=100000000000000",
        ),
        (
            NewPayment {
                priority: 11,
                ..payment
            },
            PaymentError::Priority { priority: 11 },
            "invalid payment: priority 11 is above 10",
        ),
        (
            NewPayment {
                deadline_tick: 4,
                ..payment
            },
            PaymentError::DeadlineBeforeArrival {
                deadline_tick: 4,
                arrival_tick: 5,
            },
            "invalid payment: deadline 4 is before arrival 5",
        ),
    ];
    for (bad, expected, message) in cases {
        let error = world.state.add_payment(bad, &mut world.events).unwrap_err();
        assert_eq!(error, StateError::Payment(expected));
        assert_eq!(error.to_string(), message);
    }
    assert!(world.state.transactions().is_empty());
    assert!(world.events.is_empty());
}

/// A state with a payment in each queue, as checkpoint JSON.
fn snapshot_json() -> Value {
    let mut world = World::new(&[("A", 1_000), ("B", 0)]);
    world.pay("A", "B", 300, 50);
    let queued = world.pay("A", "B", 200, 50);
    world.release("A", &[queued]);
    world.at_tick(3);
    serde_json::to_value(world.state.snapshot()).unwrap()
}

fn restore(json: Value) -> Result<SimState, StateError> {
    SimState::restore(serde_json::from_value(json).unwrap())
}

#[test]
fn an_intact_checkpoint_restores() {
    let restored = restore(snapshot_json()).unwrap();
    assert_eq!(restored.tick(), 3);
    assert_eq!(restored.check_invariants(), Ok(()));
}

#[test]
fn a_checkpoint_breaking_an_invariant_is_refused_with_the_violation() {
    let mut json = snapshot_json();
    json["agents"][1]["balance"] = json!(5);
    let error = restore(json).unwrap_err();
    assert_eq!(
        error,
        StateError::Checkpoint(CheckpointError::Invariant(
            InvariantViolation::Conservation {
                balances: 1_005,
                opening: 1_000,
            }
        ))
    );
    assert_eq!(
        error.to_string(),
        "invalid checkpoint: conservation: balances sum to 1005 but opened at 1000"
    );
}

#[test]
fn a_checkpoint_holding_a_payment_not_in_queue_1_is_refused() {
    let mut json = snapshot_json();
    assert_eq!(json["holds"], json!([]));
    // Payment 0 waits in Queue 1, payment 1 in Queue 2.
    json["holds"] = json!([[0, "LowPriority"]]);
    assert!(restore(json.clone()).is_ok());
    json["holds"] = json!([[1, "LowPriority"]]);
    assert_eq!(
        restore(json.clone()).unwrap_err(),
        StateError::Checkpoint(CheckpointError::Invariant(
            InvariantViolation::HoldOutsideQueue1 { tx: TxId(1) }
        ))
    );
    // Refused before anything is sized by it.
    json["holds"] = json!([[u32::MAX - 1, "LowPriority"]]);
    assert_eq!(
        restore(json).unwrap_err(),
        StateError::Checkpoint(CheckpointError::UnknownHeldPayment(TxId(u32::MAX - 1)))
    );
}

#[test]
fn a_checkpoint_the_engine_could_not_run_is_refused_before_it_runs() {
    let damaged = |path: &[&str], value: Value| {
        let mut json = snapshot_json();
        let mut at = &mut json;
        for key in path {
            at = match key.parse::<usize>() {
                Ok(index) => &mut at[index],
                Err(_) => &mut at[*key],
            };
        }
        *at = value;
        match restore(json).unwrap_err() {
            StateError::Checkpoint(error) => error,
            other => panic!("not a checkpoint error: {other}"),
        }
    };
    // A day without ticks would divide by zero at the first tick.
    assert_eq!(
        damaged(&["clock", "ticks_per_day"], json!(0)),
        CheckpointError::Clock(ClockError::TicksPerDay { ticks_per_day: 0 })
    );
    assert_eq!(
        damaged(&["clock", "tick"], json!(100)),
        CheckpointError::TickOutsideRun {
            tick: 100,
            total_ticks: 100,
        }
    );
    assert_eq!(
        damaged(&["agents", "1", "unsecured_cap"], json!(i64::MAX)),
        CheckpointError::AgentAmounts { index: 1 }
    );
    // Pending credit is never negative, and exists only under deferred crediting
    // (this state has it off): either would let an agent pay past its credit limit.
    assert_eq!(
        damaged(&["agents", "0", "pending_credit"], json!(-1_000_000)),
        CheckpointError::AgentAmounts { index: 0 }
    );
    assert_eq!(
        damaged(&["agents", "0", "pending_credit"], json!(5)),
        CheckpointError::AgentAmounts { index: 0 }
    );
    assert_eq!(
        damaged(&["agents", "0", "id"], json!(1)),
        CheckpointError::AgentId {
            index: 0,
            id: AgentId(1),
        }
    );
    assert_eq!(
        damaged(&["txs", "0", "amount"], json!(-4)),
        CheckpointError::PaymentAmount { index: 0 }
    );
    assert_eq!(
        damaged(&["txs", "1", "queue2_key", "seq"], json!(9)),
        CheckpointError::Queue2KeyFromFuture { index: 1 }
    );
    assert_eq!(
        damaged(&["deadlines", "0", "1", "0"], json!(42)),
        CheckpointError::UnknownDeadlinePayment(TxId(42))
    );
    assert_eq!(
        damaged(&["liquidity_raised"], json!([5])),
        CheckpointError::UnknownAgentInWorkList(AgentId(5))
    );
    assert_eq!(
        CheckpointError::UnknownAgentInWorkList(AgentId(5)).to_string(),
        "unknown agent 5 in the work list"
    );
}

#[test]
fn two_payments_with_one_queue2_key_are_refused() {
    let mut world = World::new(&[("A", 0), ("B", 0)]);
    let first = world.pay("A", "B", 10, 50);
    let second = world.pay("A", "B", 20, 50);
    world.release("A", &[first, second]);
    let mut json = serde_json::to_value(world.state.snapshot()).unwrap();
    json["txs"][1]["queue2_key"] = json["txs"][0]["queue2_key"].clone();
    assert_eq!(
        restore(json).unwrap_err(),
        StateError::Checkpoint(CheckpointError::Queue2KeyTwice { index: 1 })
    );
}

#[test]
fn rates_and_accruals_keep_their_bounds_when_read() {
    assert_eq!(
        serde_json::from_value::<Rate>(json!({ "micro_bps": 10_000_000_000i64 }))
            .unwrap()
            .as_bps(),
        10_000.0
    );
    assert!(serde_json::from_value::<Rate>(json!({ "micro_bps": 10_000_000_001i64 })).is_err());
    assert!(serde_json::from_value::<Rate>(json!({ "micro_bps": -1 })).is_err());
    assert_eq!(
        Rate::from_micro_bps(i64::MAX),
        Rate::from_bps(10_000.0).unwrap()
    );
    assert!(
        serde_json::from_value::<RateAccrual>(json!({ "remainder": 9_999_999_999i64 })).is_ok()
    );
    assert!(
        serde_json::from_value::<RateAccrual>(json!({ "remainder": 10_000_000_000i64 })).is_err()
    );
    assert!(serde_json::from_value::<RateAccrual>(json!({ "remainder": -1 })).is_err());
}

/// Ids a policy or a file makes up are looked up, never indexed: each way in answers
/// "no such payment" or ignores it.
#[test]
fn ids_from_outside_that_name_nothing_never_panic() {
    let mut world = World::new(&[("A", 1_000), ("B", 0)]);
    let real = world.pay("A", "B", 10, 50);
    let (a, made_up) = (world.id("A"), TxId(u32::MAX - 1));
    assert!(world.state.get_transaction(made_up).is_none());
    assert!(world.state.get_agent(AgentId(u32::MAX)).is_none());
    assert_eq!(
        world.state.get_agent(a).map(|agent| agent.name()),
        Some("A")
    );
    let view = PolicyView::new(&world.state, a, &world.rates, PolicyCall::EvaluateQueue);
    assert!(view.transaction(made_up).is_none());
    assert!(view.agent_name(AgentId(u32::MAX)).is_none());
    for (decision, expected) in [
        (
            ReleaseDecision::submit(made_up),
            DecisionError::NotInQueue(made_up),
        ),
        (
            ReleaseDecision::new(made_up, ReleaseAction::WithdrawFromQueue2),
            DecisionError::NotInQueue2(made_up),
        ),
    ] {
        let refused = world.state.apply_release_decisions(
            a,
            &[ReleaseDecision::submit(real), decision],
            DecisionCharges::default(),
            &mut world.events,
        );
        assert_eq!(refused, Err(expected));
    }
    let released = world.state.release_payments(
        a,
        &rtgsim_core::Release::all(&[made_up]),
        &mut |_, _| true,
        &mut world.events,
    );
    assert_eq!(released, Default::default());
    assert!(!world.state.settle_gross(
        made_up,
        rtgsim_core::event::SettleRoute::Queue,
        &mut world.events
    ));
    assert_eq!(world.state.check_invariants(), Ok(()));
}
