//! The day's opening and close, for the costs and decisions taken once a day: the
//! initial liquidity (a fixed share from the scenario, or the policy's call), the
//! end-of-day loans and their repayment, and the daily costs.

use super::{Answer, Simulation};
use rtgsim_core::event::{CollateralPhase, EventSink, PolicyCall};
use rtgsim_core::{AgentId, CollateralDecision, PolicyView};

impl Simulation {
    /// The day's opening (its first tick, before the arrivals): last close's loans
    /// repaid as far as balances allow, then every agent's initial liquidity.
    pub(super) fn open_day(&mut self, sink: &mut dyn EventSink) {
        if self.rates.eod_borrowing.is_some() {
            self.state.repay_eod_loans(sink);
        }
        let call = PolicyCall::InitialLiquidity;
        let decisions: Vec<Answer<CollateralDecision>> = self
            .policies
            .iter_mut()
            .enumerate()
            .map(|(index, policy)| {
                let agent = AgentId(index as u32);
                let share = match self.initial_liquidity.get(index).copied().flatten() {
                    // Out, it does nothing, not even what the scenario fixes.
                    _ if self.outages.is_out(index) => Ok(None),
                    Some(fixed) => Ok(Some(fixed)),
                    None => {
                        let view = PolicyView::new(&self.state, agent, &self.rates, call);
                        policy.initial_liquidity(&view)
                    }
                };
                let decision = share.map(|share| match share {
                    Some(share) => self.state.collateral_to_reach(agent, share),
                    None => CollateralDecision::Hold,
                });
                (decision, policy.take_trace())
            })
            .collect();
        self.apply_collateral(call, CollateralPhase::InitialLiquidity, decisions, sink);
        self.ledger.observe_posted(&self.state, &self.rates);
    }

    /// The day's close, after the end-of-day penalty: with end-of-day borrowing,
    /// what is still waiting settles by loans; then the daily costs.
    pub(super) fn close_day(&mut self, sink: &mut dyn EventSink) {
        let borrowed = match self.rates.eod_borrowing {
            Some(_) => self.state.settle_by_eod_loans(sink),
            None => Vec::new(),
        };
        self.ledger
            .charge_day(&self.state, &self.rates, &borrowed, sink);
    }
}
