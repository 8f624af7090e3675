//! The cost model. Every cost is integer cents:
//!
//! * overdraft: a rate per tick on a negative balance;
//! * collateral: a rate per tick on posted collateral (its opportunity cost);
//! * delay: a rate per tick on the value of the agent's unsettled payments, in
//!   Queue 1 or Queue 2 (a client payment is late wherever it waits);
//! * deadline: a fixed penalty once per payment that misses its deadline or is dropped;
//! * end of day: a fixed penalty per payment still unsettled at the close;
//! * split friction: a fixed fee per extra part when a payment is split;
//! * liquidity: a rate per day on the most collateral posted during the day (the
//!   cost of the day's initial liquidity, charged once at the close);
//! * end-of-day borrowing: a rate on what the central bank lends at the close to
//!   settle what is still waiting (see `state::eod_loan`), charged once.
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
    /// Charged once a day on the most collateral posted during it.
    pub liquidity_per_day: Rate,
    /// End-of-day borrowing, when on: what is still waiting at a close is settled by
    /// a loan to its sender, charged this rate on the amount.
    pub eod_borrowing: Option<Rate>,
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
    /// The daily costs.
    liquidity: RateAccrual,
    borrowing: RateAccrual,
    /// The most collateral posted so far today (tracked only with a liquidity cost).
    day_peak_posted: Cents,
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

    /// Notes every agent's posted collateral towards its peak of the day; only with
    /// a liquidity cost (otherwise nothing is tracked).
    pub fn observe_posted(&mut self, state: &SimState, rates: &CostRates) {
        if rates.liquidity_per_day.is_zero() {
            return;
        }
        for (agent, accruals) in state.agents().iter().zip(&mut self.agents) {
            accruals.day_peak_posted = accruals.day_peak_posted.max(agent.posted_collateral());
        }
    }

    /// At a day's close: the liquidity cost on each agent's peak posted collateral
    /// and the borrowing cost on what it `borrowed` (in agent order), recorded as a
    /// [`Event::DayCosts`] for each agent charged or lent anything. The next day's
    /// peak starts again from its opening.
    pub fn charge_day(
        &mut self,
        state: &SimState,
        rates: &CostRates,
        borrowed: &[Cents],
        sink: &mut dyn EventSink,
    ) {
        let tick = state.tick();
        for (index, (agent, accruals)) in state.agents().iter().zip(&mut self.agents).enumerate() {
            let lent = borrowed.get(index).copied().unwrap_or(0);
            let liquidity = accruals
                .liquidity
                .accrue(accruals.day_peak_posted, rates.liquidity_per_day);
            let borrowing = match rates.eod_borrowing {
                Some(rate) => accruals.borrowing.accrue(lent, rate),
                None => 0,
            };
            // The next day's peak starts at its opening (observed after the day's
            // initial liquidity), so a withdrawal then is not charged for.
            accruals.day_peak_posted = 0;
            if liquidity != 0 || lent != 0 || borrowing != 0 {
                sink.record(Event::DayCosts {
                    tick,
                    agent: agent.id(),
                    liquidity,
                    borrowed: lent,
                    borrowing,
                });
            }
        }
    }
}
