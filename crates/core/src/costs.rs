//! The cost model. Every cost is integer cents:
//!
//! * overdraft: a rate per tick on a negative balance;
//! * collateral: a rate per tick on posted collateral (its opportunity cost);
//! * delay: a rate per tick on the value of the agent's unsettled payments, in
//!   Queue 1 or Queue 2 (a client payment is late wherever it waits);
//! * deadline: a fixed penalty once per payment that misses its deadline or is dropped;
//! * end of day: a fixed penalty per payment still unsettled at the close;
//! * split friction: a fixed fee per extra part when a payment is split.
//!
//! Rates accrue with the fraction of a cent carried per agent ([`RateAccrual`]).

use crate::event::{Event, EventSink};
use crate::money::{Cents, Rate, RateAccrual};
use crate::release::DecisionCharges;
use crate::state::SimState;

/// The prices of the cost model.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct CostRates {
    pub overdraft: Rate,
    pub delay: Rate,
    pub collateral: Rate,
    pub deadline_penalty: Cents,
    pub eod_penalty: Cents,
    pub split_friction: Cents,
}

impl CostRates {
    /// The charges that apply to payment decisions.
    pub fn decision_charges(&self) -> DecisionCharges {
        DecisionCharges {
            split_friction: self.split_friction,
            deadline_penalty: self.deadline_penalty,
        }
    }
}

/// Per-agent accrual of the rate-based costs.
#[derive(Debug, Clone, Default, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct CostLedger {
    agents: Vec<AgentAccruals>,
}

#[derive(Debug, Clone, Default, PartialEq, serde::Serialize, serde::Deserialize)]
struct AgentAccruals {
    overdraft: RateAccrual,
    delay: RateAccrual,
    collateral: RateAccrual,
}

impl CostLedger {
    pub fn new(agents: usize) -> Self {
        CostLedger {
            agents: vec![AgentAccruals::default(); agents],
        }
    }

    /// Accrues one tick of overdraft, delay and collateral cost for every agent, and
    /// records a [`Event::TickCosts`] for each agent charged anything.
    pub fn accrue_tick(&mut self, state: &SimState, rates: &CostRates, sink: &mut dyn EventSink) {
        let tick = state.tick();
        for (agent, accruals) in state.agents().iter().zip(&mut self.agents) {
            // A real saturation: an agent can queue more than `i64::MAX` cents (about
            // 92,000 payments of the largest amount a scenario allows); the delay cost
            // is then charged on `Cents::MAX`.
            let unsettled = agent.queue1_value() + agent.queue2_value();
            let unsettled = Cents::try_from(unsettled).unwrap_or(Cents::MAX);
            let overdraft = accruals
                .overdraft
                .accrue(agent.credit_used(), rates.overdraft);
            let delay = accruals.delay.accrue(unsettled, rates.delay);
            let collateral = accruals
                .collateral
                .accrue(agent.posted_collateral(), rates.collateral);
            if overdraft != 0 || delay != 0 || collateral != 0 {
                sink.record(Event::TickCosts {
                    tick,
                    agent: agent.id(),
                    overdraft,
                    delay,
                    collateral,
                });
            }
        }
    }
}
