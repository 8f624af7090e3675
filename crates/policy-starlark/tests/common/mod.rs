//! Helpers shared by this crate's tests.
#![allow(dead_code)]

use rtgsim_core::event::PolicyCall;
use rtgsim_core::testkit::World;
use rtgsim_core::{CashManagerPolicy, PolicyView};
use rtgsim_policy_starlark::{Limits, StarlarkPolicy};

/// A policy from inline source with default limits; panics on a load error.
pub fn policy(source: &str) -> StarlarkPolicy {
    policy_with(source, Limits::default())
}

pub fn policy_with(source: &str, limits: Limits) -> StarlarkPolicy {
    StarlarkPolicy::from_source("test.star", source, limits).unwrap_or_else(|e| panic!("load: {e}"))
}

/// A is rich, B and C are poor; A has three payments: 100 to B (deadline 5), 400 to B
/// (deadline 50) and 900 to C (deadline 90, divisible).
pub fn world() -> (World, [rtgsim_core::TxId; 3]) {
    let mut world = World::new(&[("A", 1_000), ("B", 0), ("C", 0)]);
    let a = world.pay("A", "B", 100, 5);
    let b = world.pay("A", "B", 400, 50);
    let c = world.pay_divisible("A", "C", 900, 90);
    (world, [a, b, c])
}

/// The view for an end-of-tick collateral call.
pub fn end_of_tick_view<'a>(world: &'a World, name: &str) -> PolicyView<'a> {
    PolicyView::new(
        &world.state,
        world.id(name),
        &world.rates,
        PolicyCall::EndOfTickCollateral,
    )
}

pub fn strategic_view<'a>(world: &'a World, name: &str) -> PolicyView<'a> {
    PolicyView::new(
        &world.state,
        world.id(name),
        &world.rates,
        PolicyCall::StrategicCollateral,
    )
}

/// The error of an `evaluate_queue` call for A that must fail.
pub fn queue_error(source: &str) -> String {
    let (world, _) = world();
    match policy(source).evaluate_queue(&world.view("A")) {
        Ok(decisions) => panic!("the call should fail, but decided {decisions:?}"),
        Err(error) => error.to_string(),
    }
}
