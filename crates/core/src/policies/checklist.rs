//! Each built-in policy against the test checklist of the policy design (seed 004,
//! section 2.5): submits when it should, holds when it should, drops expired
//! payments, mixed queues, an empty queue, a zero balance, a deadline at the current
//! tick, and large payments against a small balance.

use super::*;
use crate::agent::AgentSetup;
use crate::decision::{HoldReason, ReleaseDecision};
use crate::policy::CashManagerPolicy;
use crate::queue2::QueueOrder;
use crate::testkit::World;
use crate::{Cents, TxId};

fn submit(tx: TxId) -> ReleaseDecision {
    ReleaseDecision::submit(tx)
}

fn hold_liquidity(tx: TxId) -> ReleaseDecision {
    ReleaseDecision::hold(tx, HoldReason::InsufficientLiquidity)
}

fn decide(policy: &mut dyn CashManagerPolicy, world: &World, agent: &str) -> Vec<ReleaseDecision> {
    policy
        .evaluate_queue(&world.view(agent))
        .expect("built-in policies do not fail")
}

fn liquidity_aware(target_buffer: Cents) -> LiquidityAware {
    LiquidityAware {
        target_buffer,
        urgency_threshold: 5,
    }
}

fn with_credit(balance: Cents, unsecured_cap: Cents) -> World {
    let mut a = AgentSetup::new("A", balance);
    a.unsecured_cap = unsecured_cap;
    World::with_setups(vec![a, AgentSetup::new("B", 0)], QueueOrder::Fifo)
}

// ----- Fifo -----

#[test]
fn fifo_submits_everything_in_queue_order() {
    let mut world = World::new(&[("A", 0), ("B", 0)]);
    let first = world.pay("A", "B", 500, 50);
    let second = world.pay("A", "B", 10_000_000, 1);
    world.at_tick(3); // second is now past its deadline: FIFO does not care
    assert_eq!(
        decide(&mut Fifo, &world, "A"),
        vec![submit(first), submit(second)]
    );
}

#[test]
fn fifo_empty_queue_decides_nothing() {
    let world = World::new(&[("A", 100), ("B", 0)]);
    assert!(decide(&mut Fifo, &world, "A").is_empty());
}

// ----- Deadline -----

#[test]
fn deadline_submits_urgent_holds_others_drops_expired() {
    let mut world = World::new(&[("A", 0), ("B", 0)]);
    let expired = world.pay("A", "B", 100, 9);
    let urgent = world.pay("A", "B", 100, 13);
    let relaxed = world.pay("A", "B", 100, 40);
    world.at_tick(10);
    let mut policy = Deadline {
        urgency_threshold: 3,
    };
    assert_eq!(
        decide(&mut policy, &world, "A"),
        vec![
            ReleaseDecision::drop_payment(expired),
            submit(urgent),
            ReleaseDecision::hold(
                relaxed,
                HoldReason::NearDeadline {
                    ticks_remaining: 30
                }
            ),
        ]
    );
}

#[test]
fn deadline_at_current_tick_is_the_last_chance_not_expired() {
    let mut world = World::new(&[("A", 0), ("B", 0)]);
    let due_now = world.pay("A", "B", 100, 7);
    world.at_tick(7);
    let mut policy = Deadline {
        urgency_threshold: 0,
    };
    assert_eq!(decide(&mut policy, &world, "A"), vec![submit(due_now)]);
    world.at_tick(8);
    assert_eq!(
        decide(&mut policy, &world, "A"),
        vec![ReleaseDecision::drop_payment(due_now)]
    );
}

#[test]
fn deadline_ignores_balance_and_size() {
    // Zero balance, a payment far larger than anything the agent holds: urgency alone decides.
    let mut world = World::new(&[("A", 0), ("B", 0)]);
    let huge = world.pay("A", "B", 1_000_000_000, 2);
    let mut policy = Deadline {
        urgency_threshold: 5,
    };
    assert_eq!(decide(&mut policy, &world, "A"), vec![submit(huge)]);
}

#[test]
fn deadline_empty_queue_decides_nothing() {
    let world = World::new(&[("A", 0), ("B", 0)]);
    assert!(
        decide(
            &mut Deadline {
                urgency_threshold: 5
            },
            &world,
            "A"
        )
        .is_empty()
    );
}

// ----- LiquidityAware -----

#[test]
fn liquidity_aware_submits_when_buffer_is_kept() {
    let mut world = World::new(&[("A", 200_000), ("B", 0)]);
    let tx = world.pay("A", "B", 100_000, 100);
    assert_eq!(
        decide(&mut liquidity_aware(100_000), &world, "A"),
        vec![submit(tx)]
    );
}

#[test]
fn liquidity_aware_holds_when_buffer_would_break() {
    // The seed's own example: 200,000 balance, 100,000 buffer, 150,000 payment.
    let mut world = World::new(&[("A", 200_000), ("B", 0)]);
    let tx = world.pay("A", "B", 150_000, 100);
    world.at_tick(5);
    assert_eq!(
        decide(&mut liquidity_aware(100_000), &world, "A"),
        vec![hold_liquidity(tx)]
    );
}

#[test]
fn liquidity_aware_drops_expired() {
    let mut world = World::new(&[("A", 1_000_000), ("B", 0)]);
    let tx = world.pay("A", "B", 10, 3);
    world.at_tick(4);
    assert_eq!(
        decide(&mut liquidity_aware(0), &world, "A"),
        vec![ReleaseDecision::drop_payment(tx)]
    );
}

#[test]
fn liquidity_aware_urgent_overrides_buffer_but_not_cover() {
    // Balance 100, credit 50: an urgent 140 is payable (using credit), an urgent 200 is not.
    let mut world = with_credit(100, 50);
    let payable = world.pay("A", "B", 140, 12);
    let unpayable = world.pay("A", "B", 200, 12);
    world.at_tick(10);
    assert_eq!(
        decide(&mut liquidity_aware(1_000), &world, "A"),
        vec![submit(payable), hold_liquidity(unpayable)]
    );
}

#[test]
fn liquidity_aware_mixed_queue_counts_earlier_releases() {
    // Balance 1,000, buffer 100: the first two fit (1,000 - 400 - 400 = 200 >= 100),
    // the third would leave -200 and is held; the expired one is dropped.
    let mut world = World::new(&[("A", 1_000), ("B", 0)]);
    let expired = world.pay("A", "B", 50, 2);
    let first = world.pay("A", "B", 400, 90);
    let second = world.pay("A", "B", 400, 90);
    let third = world.pay("A", "B", 400, 90);
    world.at_tick(5);
    assert_eq!(
        decide(&mut liquidity_aware(100), &world, "A"),
        vec![
            ReleaseDecision::drop_payment(expired),
            submit(first),
            submit(second),
            hold_liquidity(third),
        ]
    );
}

#[test]
fn liquidity_aware_zero_balance_holds_non_urgent() {
    let mut world = World::new(&[("A", 0), ("B", 0)]);
    let tx = world.pay("A", "B", 1, 90);
    assert_eq!(
        decide(&mut liquidity_aware(0), &world, "A"),
        vec![hold_liquidity(tx)]
    );
}

#[test]
fn liquidity_aware_zero_buffer_uses_credit() {
    let mut world = with_credit(0, 500);
    let tx = world.pay("A", "B", 500, 90);
    assert_eq!(
        decide(&mut liquidity_aware(0), &world, "A"),
        vec![submit(tx)]
    );
}

#[test]
fn liquidity_aware_deadline_at_current_tick_is_urgent() {
    let mut world = World::new(&[("A", 100), ("B", 0)]);
    let tx = world.pay("A", "B", 100, 6);
    world.at_tick(6);
    // The buffer of 1,000 would hold it, but it is due now and payable.
    assert_eq!(
        decide(&mut liquidity_aware(1_000), &world, "A"),
        vec![submit(tx)]
    );
}

#[test]
fn liquidity_aware_large_held_small_released() {
    let mut world = World::new(&[("A", 10_000), ("B", 0)]);
    let large = world.pay("A", "B", 9_500, 90);
    let small = world.pay("A", "B", 500, 90);
    assert_eq!(
        decide(&mut liquidity_aware(1_000), &world, "A"),
        vec![hold_liquidity(large), submit(small)]
    );
}

#[test]
fn liquidity_aware_empty_queue_decides_nothing() {
    let world = World::new(&[("A", 10), ("B", 0)]);
    assert!(decide(&mut liquidity_aware(5), &world, "A").is_empty());
}

// ----- LiquiditySplitting -----

#[test]
fn splitting_submits_what_is_covered() {
    let mut world = World::new(&[("A", 1_000), ("B", 0)]);
    let tx = world.pay_divisible("A", "B", 1_000, 90);
    assert_eq!(
        decide(&mut LiquiditySplitting { max_parts: 4 }, &world, "A"),
        vec![submit(tx)]
    );
}

#[test]
fn splitting_releases_the_part_it_can_cover() {
    // 1,000 available, 2,500 to pay: release 1,000 now, keep 1,500 for later.
    let mut world = World::new(&[("A", 1_000), ("B", 0)]);
    let tx = world.pay_divisible("A", "B", 2_500, 90);
    assert_eq!(
        decide(&mut LiquiditySplitting { max_parts: 4 }, &world, "A"),
        vec![ReleaseDecision::submit_partial(tx, 1_000)]
    );
}

#[test]
fn splitting_holds_parts_too_small_and_indivisible_payments() {
    // 1,000 available: a 5,000 payment in at most 4 parts needs parts of 1,250.
    let mut world = World::new(&[("A", 1_000), ("B", 0)]);
    let too_small = world.pay_divisible("A", "B", 5_000, 90);
    let indivisible = world.pay("A", "B", 1_500, 90);
    let fits = world.pay("A", "B", 1_000, 90);
    assert_eq!(
        decide(&mut LiquiditySplitting { max_parts: 4 }, &world, "A"),
        vec![
            hold_liquidity(too_small),
            hold_liquidity(indivisible),
            submit(fits)
        ]
    );
}

#[test]
fn splitting_zero_balance_holds() {
    let mut world = World::new(&[("A", 0), ("B", 0)]);
    let tx = world.pay_divisible("A", "B", 10, 90);
    assert_eq!(
        decide(&mut LiquiditySplitting { max_parts: 10 }, &world, "A"),
        vec![hold_liquidity(tx)]
    );
}

#[test]
fn splitting_counts_earlier_releases() {
    let mut world = World::new(&[("A", 1_000), ("B", 0)]);
    let first = world.pay_divisible("A", "B", 800, 90);
    let second = world.pay_divisible("A", "B", 400, 90);
    let third = world.pay_divisible("A", "B", 100, 90);
    // After the first, 200 is left: half of the second (at least a quarter of it),
    // and nothing for the third.
    assert_eq!(
        decide(&mut LiquiditySplitting { max_parts: 4 }, &world, "A"),
        vec![
            submit(first),
            ReleaseDecision::submit_partial(second, 200),
            hold_liquidity(third)
        ]
    );
}

#[test]
fn splitting_counts_parts_against_the_original_payment() {
    // The rest of a payment partly paid: its parts are measured against the original
    // 4,000 (parts of at least 1,000 with max_parts 4), not the 3,000 left.
    let mut world = World::new(&[("A", 1_000), ("B", 0)]);
    let tx = world.pay_divisible("A", "B", 4_000, 90);
    let a = world.id("A");
    let decisions = [ReleaseDecision::submit_partial(tx, 1_000)];
    let charges = crate::release::DecisionCharges::default();
    let released = world
        .state
        .apply_release_decisions(a, &decisions, charges, &mut world.events)
        .unwrap();
    world
        .state
        .release_payments(a, &released, &mut |_, _| true, &mut world.events);
    let rest = world.state.agent(a).queue1()[0];
    assert_eq!(world.state.transaction(rest).amount, 3_000);
    world.state.set_tick(1);
    // Nothing is left to pay with: the rest is held.
    assert_eq!(
        decide(&mut LiquiditySplitting { max_parts: 4 }, &world, "A"),
        vec![hold_liquidity(rest)]
    );
}

#[test]
fn splitting_has_no_deadline_logic() {
    // Past its deadline and affordable: still released (only liquidity matters).
    let mut world = World::new(&[("A", 100), ("B", 0)]);
    let tx = world.pay("A", "B", 100, 1);
    world.at_tick(9);
    assert_eq!(
        decide(&mut LiquiditySplitting { max_parts: 2 }, &world, "A"),
        vec![submit(tx)]
    );
}

#[test]
fn splitting_empty_queue_decides_nothing() {
    let world = World::new(&[("A", 10), ("B", 0)]);
    assert!(decide(&mut LiquiditySplitting { max_parts: 3 }, &world, "A").is_empty());
}
