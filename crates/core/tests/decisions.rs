//! Carrying out policy decisions: releases, splits, partial releases, drops,
//! collateral, and the all-or-nothing rejection of bad decisions.
#![allow(clippy::unwrap_used)] // test helpers fail loudly

use rtgsim_core::agent::AgentSetup;
use rtgsim_core::event::{CollateralPhase, CollateralRefusal, Event, PenaltyCause};
use rtgsim_core::release::DecisionCharges;
use rtgsim_core::testkit::World;
use rtgsim_core::{
    CollateralDecision, DecisionError, QueueOrder, ReleaseAction, ReleaseDecision, TxId, TxStatus,
};

const CHARGES: DecisionCharges = DecisionCharges {
    split_friction: 25,
    deadline_penalty: 900,
};

fn apply(
    world: &mut World,
    agent: &str,
    decisions: &[ReleaseDecision],
) -> Result<Vec<TxId>, DecisionError> {
    let id = world.id(agent);
    world
        .state
        .apply_release_decisions(id, decisions, CHARGES, &mut world.events)
        .map(|releases| releases.into_iter().map(|r| r.tx).collect())
}

fn status(world: &World, tx: TxId) -> TxStatus {
    world.state.transaction(tx).status
}

#[test]
fn releases_come_back_in_decision_order_and_stay_in_queue1_until_submitted() {
    let mut world = World::new(&[("A", 0), ("B", 0)]);
    let first = world.pay("A", "B", 10, 50);
    let second = world.pay("A", "B", 20, 50);
    let released = apply(
        &mut world,
        "A",
        &[
            ReleaseDecision::submit(second),
            ReleaseDecision::submit(first),
        ],
    )
    .unwrap();
    assert_eq!(released, vec![second, first]);
    assert_eq!(status(&world, first), TxStatus::Queued1);
    world.release("A", &released);
    assert_eq!(status(&world, first), TxStatus::Queued2);
    let a = world.state.agent(world.id("A"));
    assert!(a.queue1().is_empty());
    assert_eq!((a.queue2_count(), a.queue2_value()), (2, 30));
    world.state.check_invariants().unwrap();
}

#[test]
fn split_replaces_the_payment_with_released_parts() {
    let mut world = World::new(&[("A", 0), ("B", 0)]);
    let tx = world.pay_divisible("A", "B", 100, 50);
    let released = apply(&mut world, "A", &[ReleaseDecision::split(tx, 3)]).unwrap();
    let amounts: Vec<i64> = released
        .iter()
        .map(|&p| world.state.transaction(p).amount)
        .collect();
    assert_eq!(amounts, vec![34, 33, 33]);
    assert_eq!(status(&world, tx), TxStatus::Split);
    for &part in &released {
        let p = world.state.transaction(part);
        assert_eq!((p.parent, p.root, p.deadline_tick), (Some(tx), tx, 50));
    }
    let split = world.events.iter().find_map(|e| match e {
        Event::Split {
            friction_cost,
            parts,
            ..
        } => Some((*friction_cost, parts.len())),
        _ => None,
    });
    assert_eq!(split, Some((50, 3)), "friction is charged per extra part");
    world.release("A", &released);
    world.state.check_invariants().unwrap();
}

#[test]
fn partial_release_keeps_the_rest_in_place_in_queue1() {
    let mut world = World::new(&[("A", 0), ("B", 0)]);
    let before = world.pay("A", "B", 5, 50);
    let tx = world.pay_divisible("A", "B", 100, 50);
    let after = world.pay("A", "B", 7, 50);
    let released = apply(&mut world, "A", &[ReleaseDecision::submit_partial(tx, 60)]).unwrap();
    assert_eq!(released.len(), 1);
    assert_eq!(world.state.transaction(released[0]).amount, 60);
    let queue: Vec<(TxId, i64)> = world
        .state
        .agent(world.id("A"))
        .queue1()
        .iter()
        .map(|&id| (id, world.state.transaction(id).amount))
        .collect();
    // The 40 left over takes the parent's place between its neighbours.
    assert_eq!(
        queue.len(),
        4,
        "the released part is still in Queue 1 until submitted"
    );
    assert_eq!(queue[0], (before, 5));
    assert_eq!(queue[1].1, 60);
    assert_eq!(queue[2].1, 40);
    assert_eq!(queue[3], (after, 7));
    world.release("A", &released);
    world.state.check_invariants().unwrap();
}

#[test]
fn drop_removes_the_payment_and_charges_the_deadline_penalty_once() {
    let mut world = World::new(&[("A", 0), ("B", 0)]);
    let tx = world.pay("A", "B", 10, 3);
    apply(&mut world, "A", &[ReleaseDecision::drop_payment(tx)]).unwrap();
    assert_eq!(status(&world, tx), TxStatus::Dropped);
    assert!(world.state.agent(world.id("A")).queue1().is_empty());
    world.at_tick(3);
    world.state.charge_missed_deadlines(900, &mut world.events);
    let penalties: Vec<PenaltyCause> = world
        .events
        .iter()
        .filter_map(|e| match e {
            Event::DeadlinePenalty {
                cause,
                penalty: 900,
                ..
            } => Some(*cause),
            _ => None,
        })
        .collect();
    assert_eq!(penalties, vec![PenaltyCause::Dropped]);
    world.state.check_invariants().unwrap();
}

#[test]
fn one_bad_decision_rejects_the_whole_call() {
    let mut world = World::new(&[("A", 0), ("B", 0)]);
    let good = world.pay("A", "B", 10, 50);
    let indivisible = world.pay("A", "B", 10, 50);
    let others = world.pay("B", "A", 10, 50);
    let cases = [
        (
            vec![
                ReleaseDecision::submit(good),
                ReleaseDecision::submit(others),
            ],
            DecisionError::NotInQueue(others),
        ),
        (
            vec![
                ReleaseDecision::submit(good),
                ReleaseDecision::drop_payment(good),
            ],
            DecisionError::Duplicate(good),
        ),
        (
            vec![
                ReleaseDecision::submit(good),
                ReleaseDecision::split(indivisible, 2),
            ],
            DecisionError::NotDivisible(indivisible),
        ),
        (
            vec![ReleaseDecision::submit(TxId(999))],
            DecisionError::NotInQueue(TxId(999)),
        ),
    ];
    for (decisions, expected) in cases {
        assert_eq!(apply(&mut world, "A", &decisions), Err(expected));
        assert_eq!(status(&world, good), TxStatus::Queued1, "nothing changed");
    }
    assert_eq!(world.state.agent(world.id("A")).queue1().len(), 2);
}

/// The check-only pass gives the answer apply gives, good or bad, and changes
/// nothing: a caller can check decisions before judging them (the release gate)
/// and know that apply will carry them out.
#[test]
fn checking_answers_as_apply_does_and_changes_nothing() {
    let mut world = World::new(&[("A", 0), ("B", 0)]);
    let good = world.pay_divisible("A", "B", 10, 50);
    let other = world.pay("A", "B", 20, 50);
    let theirs = world.pay("B", "A", 10, 50);
    let cases = [
        vec![
            ReleaseDecision::submit(good),
            ReleaseDecision::submit(theirs),
        ],
        vec![
            ReleaseDecision::submit(good),
            ReleaseDecision::drop_payment(good),
        ],
        vec![ReleaseDecision::split(other, 2)],
        vec![ReleaseDecision::split(good, 11)],
        vec![ReleaseDecision::submit_partial(good, 0)],
        vec![ReleaseDecision::submit(TxId(999))],
        vec![
            ReleaseDecision::submit_partial(good, 4),
            ReleaseDecision::submit(other),
        ],
    ];
    let agent = world.id("A");
    for decisions in cases {
        let before = world.state.snapshot();
        let events = world.events.len();
        let checked = world.state.check_release_decisions(agent, &decisions);
        assert_eq!(world.state.snapshot(), before, "checking changed the state");
        assert_eq!(world.events.len(), events, "checking recorded an event");
        let applied = apply(&mut world, "A", &decisions).map(|_| ());
        assert_eq!(checked, applied, "{decisions:?}");
    }
}

#[test]
fn impossible_splits_are_rejected() {
    let mut world = World::new(&[("A", 0), ("B", 0)]);
    let tx = world.pay_divisible("A", "B", 3, 50);
    for parts in [0, 1, 4, 1_001] {
        let outcome = apply(&mut world, "A", &[ReleaseDecision::split(tx, parts)]);
        assert!(
            matches!(outcome, Err(DecisionError::BadSplit { .. })),
            "{parts} parts: {outcome:?}"
        );
    }
    for amount in [0, -1, 4] {
        let outcome = apply(
            &mut world,
            "A",
            &[ReleaseDecision::submit_partial(tx, amount)],
        );
        assert!(
            matches!(outcome, Err(DecisionError::BadPartial { .. })),
            "{amount}: {outcome:?}"
        );
    }
}

fn collateral_world() -> World {
    let mut a = AgentSetup::new("A", 0);
    a.collateral_capacity = 1_000;
    a.collateral_haircut_bps = 2_000;
    World::with_setups(vec![a, AgentSetup::new("B", 0)], QueueOrder::Fifo)
}

fn collateral(world: &mut World, decision: CollateralDecision) -> Result<(), DecisionError> {
    let a = world.id("A");
    world.state.apply_collateral_decision(
        a,
        decision,
        CollateralPhase::EndOfTick,
        &mut world.events,
    )
}

#[test]
fn posting_is_capped_by_capacity_and_adds_credit_after_haircut() {
    let mut world = collateral_world();
    collateral(&mut world, CollateralDecision::Post { amount: 600 }).unwrap();
    collateral(&mut world, CollateralDecision::Post { amount: 600 }).unwrap();
    let a = world.state.agent(world.id("A"));
    assert_eq!(a.posted_collateral(), 1_000);
    assert_eq!(a.credit_limit(), 800);
    collateral(&mut world, CollateralDecision::Post { amount: 1 }).unwrap();
    let posted: Vec<(i64, i64)> = world
        .events
        .iter()
        .filter_map(|e| match e {
            Event::CollateralPosted {
                requested, posted, ..
            } => Some((*requested, *posted)),
            _ => None,
        })
        .collect();
    assert_eq!(posted, vec![(600, 600), (600, 400)]);
    assert!(matches!(
        world.events.last(),
        Some(Event::CollateralRefused {
            requested: 1,
            reason: CollateralRefusal::NoCapacityLeft,
            ..
        })
    ));
}

#[test]
fn withdrawing_collateral_that_backs_used_credit_is_refused() {
    let mut world = collateral_world();
    collateral(&mut world, CollateralDecision::Post { amount: 1_000 }).unwrap();
    // Use 700 of the 800 credit.
    let tx = world.pay("A", "B", 700, 50);
    world.release("A", &[tx]);
    assert!(world.state.settle_gross(
        tx,
        rtgsim_core::event::SettleRoute::Immediate,
        &mut world.events
    ));
    // Keeping 875 posted backs 700: allowed. Keeping 800 backs only 640: refused.
    collateral(&mut world, CollateralDecision::Withdraw { amount: 125 }).unwrap();
    collateral(&mut world, CollateralDecision::Withdraw { amount: 75 }).unwrap();
    assert_eq!(world.state.agent(world.id("A")).posted_collateral(), 875);
    assert!(matches!(
        world.events.last(),
        Some(Event::CollateralRefused {
            requested: 75,
            reason: CollateralRefusal::BacksCreditInUse { credit_used: 700 },
            ..
        })
    ));
    world.state.check_invariants().unwrap();
}

#[test]
fn non_positive_collateral_amounts_are_policy_errors() {
    let mut world = collateral_world();
    assert_eq!(
        collateral(&mut world, CollateralDecision::Post { amount: 0 }),
        Err(DecisionError::BadCollateralAmount(0))
    );
    assert_eq!(
        collateral(&mut world, CollateralDecision::Withdraw { amount: -5 }),
        Err(DecisionError::BadCollateralAmount(-5))
    );
}

#[test]
fn priorities_change_in_queue1_and_on_release() {
    let mut world = World::new(&[("A", 0), ("B", 0)]);
    let kept = world.pay("A", "B", 10, 50);
    let sent = world.pay("A", "B", 20, 50);
    let decisions = [
        ReleaseDecision::new(kept, ReleaseAction::Reprioritize { priority: 9 }),
        ReleaseDecision::new(sent, ReleaseAction::Submit { priority: Some(2) }),
    ];
    let released = apply(&mut world, "A", &decisions).unwrap();
    assert_eq!(released, vec![sent]);
    assert_eq!(world.state.transaction(kept).priority, 9);
    assert_eq!(world.state.transaction(sent).priority, 2);
    assert_eq!(status(&world, kept), TxStatus::Queued1);
    let too_high = [ReleaseDecision::new(
        kept,
        ReleaseAction::Reprioritize { priority: 11 },
    )];
    assert_eq!(
        apply(&mut world, "A", &too_high),
        Err(DecisionError::BadPriority {
            tx: kept,
            priority: 11
        })
    );
}

#[test]
fn queue2_payments_can_be_withdrawn_and_resubmitted() {
    let setups = vec![AgentSetup::new("A", 0), AgentSetup::new("B", 0)];
    let mut world = World::with_setups(setups, QueueOrder::Priority);
    let first = world.payment("A", "B", 10, 50, 5, false);
    let second = world.payment("A", "B", 20, 50, 5, false);
    world.release("A", &[first, second]);
    let head = |w: &World| w.state.queue2().head(w.id("A")).map(|(_, e)| e.tx);
    assert_eq!(head(&world), Some(first));

    // A Queue 1 action on a Queue 2 payment, and the reverse, are refused.
    let wrong = [ReleaseDecision::drop_payment(first)];
    assert_eq!(
        apply(&mut world, "A", &wrong),
        Err(DecisionError::NotInQueue(first))
    );

    let resubmit = [ReleaseDecision::new(
        second,
        ReleaseAction::ResubmitToQueue2 { priority: 10 },
    )];
    assert!(apply(&mut world, "A", &resubmit).unwrap().is_empty());
    assert_eq!(head(&world), Some(second), "priority 10 now comes first");

    let withdraw = [ReleaseDecision::new(
        first,
        ReleaseAction::WithdrawFromQueue2,
    )];
    apply(&mut world, "A", &withdraw).unwrap();
    assert_eq!(status(&world, first), TxStatus::Queued1);
    assert_eq!(world.state.agent(world.id("A")).queue1(), &[first]);
    assert_eq!(world.state.agent(world.id("B")).incoming_queue2_value(), 20);
    world.state.check_invariants().unwrap();

    let not_queued = [ReleaseDecision::new(
        first,
        ReleaseAction::WithdrawFromQueue2,
    )];
    assert_eq!(
        apply(&mut world, "A", &not_queued),
        Err(DecisionError::NotInQueue2(first))
    );
}

#[test]
fn decisions_carry_their_source_into_the_events() {
    let mut world = World::new(&[("A", 0), ("B", 0)]);
    let tx = world.pay("A", "B", 10, 50);
    let dropped = [ReleaseDecision::drop_payment(tx).from_source("A_DROP".into())];
    apply(&mut world, "A", &dropped).unwrap();
    let source = world.events.iter().find_map(|e| match e {
        Event::Dropped { source, .. } => source.clone(),
        _ => None,
    });
    assert_eq!(source.as_deref(), Some("A_DROP"));
}
