//! The metrics' replay of shock events against figures worked out by hand.

use rtgsim_core::AgentId;
use rtgsim_core::event::Event;
use rtgsim_report::metrics::Metrics;

/// Collateral of 1000 revalued at twice its value is a posting of 2000 (the
/// engine's liquidity cost charges the day's peak of 2000), so the peak posted is
/// 2000, not the 1000 the agent opened with.
#[test]
fn collateral_revalued_upward_raises_the_peak_posted() {
    let opened = |agent: u32, posted: i64, capacity: i64| Event::AgentOpened {
        agent: AgentId(agent),
        balance: 0,
        unsecured_cap: 0,
        posted_collateral: posted,
        collateral_capacity: capacity,
    };
    let mut metrics = Metrics::new(2);
    for event in [
        opened(0, 1000, 1500),
        opened(1, 0, 0),
        Event::CollateralRevalued {
            tick: 1,
            agent: AgentId(0),
            factor_ppm: 2_000_000,
            posted: 2000,
            capacity: 3000,
            emergency_credit: 0,
        },
    ] {
        metrics.observe(&event);
    }
    let a = &metrics.agents()[0];
    assert_eq!(
        (a.posted_collateral, a.peak_posted_collateral),
        (2000, 2000)
    );
}
