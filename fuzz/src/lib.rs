//! What the fuzz targets share: a fixed small world to call policies on, and the
//! comparison of a tree with its Starlark conversion.
//!
//! The targets must find faults in the project, so nothing here may panic except
//! where a disagreement or a broken promise is the finding.
#![allow(clippy::panic)]

use rtgsim_core::event::PolicyCall;
use rtgsim_core::testkit::World;
use rtgsim_core::{
    CashManagerPolicy, CollateralDecision, CostRates, PolicyError, PolicyView, ReleaseAction,
    ReleaseDecision,
};

/// The calls of one tick, in the engine's order.
pub const CALLS: [PolicyCall; 3] = [
    PolicyCall::StrategicCollateral,
    PolicyCall::EvaluateQueue,
    PolicyCall::EndOfTickCollateral,
];

/// Three banks; A has a queue of five payments of assorted sizes, deadlines and
/// priorities, one divisible, at tick 10 of a 100-tick day.
pub fn world() -> World {
    let mut world = World::new(&[("A", 50_000), ("B", 0), ("C", 1_000_000)]);
    world.payment("A", "B", 10_000, 20, 5, false);
    world.payment("A", "C", 90_000, 12, 9, true);
    world.payment("A", "B", 1, 99, 0, false);
    world.payment("A", "C", 40_000, 11, 10, false);
    world.payment("C", "A", 25_000, 30, 5, false);
    world.at_tick(10);
    world
}

/// A's view for `call`.
pub fn view(world: &World, call: PolicyCall) -> PolicyView<'_> {
    static RATES: std::sync::OnceLock<CostRates> = std::sync::OnceLock::new();
    PolicyView::new(
        &world.state,
        world.id("A"),
        RATES.get_or_init(CostRates::default),
        call,
    )
}

/// What one call gave, in a form two policies can be compared on.
#[derive(Debug, PartialEq)]
pub enum Outcome {
    Payments(Vec<ReleaseDecision>),
    Collateral(CollateralDecision),
    /// The call failed; why is the policy's business (trees and scripts word it apart).
    Failed,
}

/// Calls `policy` through two ticks of the world and returns what each call gave.
pub fn drive(policy: &mut dyn CashManagerPolicy) -> Vec<Outcome> {
    let mut world = world();
    let mut outcomes = Vec::new();
    for tick in [10, 11] {
        world.at_tick(tick);
        for call in CALLS {
            let v = view(&world, call);
            let outcome = match call {
                PolicyCall::EvaluateQueue => policy
                    .evaluate_queue(&v)
                    .map(|d| Outcome::Payments(d.into_iter().map(without_hold_source).collect())),
                PolicyCall::StrategicCollateral => {
                    policy.strategic_collateral(&v).map(Outcome::Collateral)
                }
                _ => policy.end_of_tick_collateral(&v).map(Outcome::Collateral),
            };
            outcomes.push(outcome.unwrap_or_else(|_: PolicyError| Outcome::Failed));
        }
    }
    outcomes
}

/// A hold's source node is not part of a decision's meaning (holds are not logged
/// with it), and a conversion may word it apart.
fn without_hold_source(mut decision: ReleaseDecision) -> ReleaseDecision {
    if matches!(decision.action, ReleaseAction::Hold { .. }) {
        decision.source = None;
    }
    decision
}
