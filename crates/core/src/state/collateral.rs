//! Posting and withdrawing collateral. Posted collateral, after its haircut, adds to
//! the agent's credit limit; it can never exceed the agent's capacity, and collateral
//! backing credit in use cannot be withdrawn.

use super::SimState;
use super::release::DecisionError;
use crate::decision::{CollateralDecision, LiquidityShare};
use crate::event::{CollateralPhase, CollateralRefusal, Event, EventSink};
use crate::ids::AgentId;
use crate::money::after_haircut;

impl SimState {
    /// The decision that brings an agent's posted collateral to `share` of its
    /// capacity: post or withdraw the difference (a withdrawal still refused if the
    /// collateral backs credit in use).
    pub fn collateral_to_reach(&self, agent: AgentId, share: LiquidityShare) -> CollateralDecision {
        let a = self.agent(agent);
        let target = share.of(a.collateral_capacity());
        let posted = a.posted_collateral();
        match target.cmp(&posted) {
            std::cmp::Ordering::Greater => CollateralDecision::Post {
                amount: target - posted,
            },
            std::cmp::Ordering::Less => CollateralDecision::Withdraw {
                amount: posted - target,
            },
            std::cmp::Ordering::Equal => CollateralDecision::Hold,
        }
    }

    /// Carries out a collateral decision. A request the engine cannot honour in full is
    /// honoured as far as possible (posting is limited by capacity) or refused with an
    /// event (withdrawing what backs credit in use); neither is an error. A request for
    /// a zero or negative amount is a policy error.
    pub fn apply_collateral_decision(
        &mut self,
        agent: AgentId,
        decision: CollateralDecision,
        phase: CollateralPhase,
        sink: &mut dyn EventSink,
    ) -> Result<(), DecisionError> {
        let tick = self.tick();
        match decision {
            CollateralDecision::Hold => Ok(()),
            CollateralDecision::Post { amount } | CollateralDecision::Withdraw { amount }
                if amount <= 0 =>
            {
                Err(DecisionError::BadCollateralAmount(amount))
            }
            CollateralDecision::Post { amount } => {
                let a = self.agent(agent);
                let posted = amount.min(a.remaining_collateral_capacity());
                if posted == 0 {
                    sink.record(Event::CollateralRefused {
                        tick,
                        agent,
                        phase,
                        requested: amount,
                        reason: CollateralRefusal::NoCapacityLeft,
                    });
                    return Ok(());
                }
                self.agent_mut(agent).posted_collateral += posted;
                // New collateral repays emergency credit first.
                self.trim_emergency_credit(agent);
                self.mark_liquidity_raised(agent);
                sink.record(Event::CollateralPosted {
                    tick,
                    agent,
                    phase,
                    requested: amount,
                    posted,
                });
                Ok(())
            }
            CollateralDecision::Withdraw { amount } => {
                let a = self.agent(agent);
                let remaining = a.posted_collateral() - amount;
                let refusal = if remaining < 0 {
                    Some(CollateralRefusal::NotPosted {
                        posted: a.posted_collateral(),
                    })
                } else if a.unsecured_cap()
                    + after_haircut(remaining, a.collateral_haircut_bps())
                    + a.eod_loan()
                    < a.usable_credit_used()
                {
                    // Under deferred crediting this tick's receipts do not yet cover
                    // credit: what they will repay still needs its collateral.
                    Some(CollateralRefusal::BacksCreditInUse {
                        credit_used: a.usable_credit_used(),
                    })
                } else {
                    None
                };
                match refusal {
                    Some(reason) => sink.record(Event::CollateralRefused {
                        tick,
                        agent,
                        phase,
                        requested: amount,
                        reason,
                    }),
                    None => {
                        self.agent_mut(agent).posted_collateral = remaining;
                        sink.record(Event::CollateralWithdrawn {
                            tick,
                            agent,
                            phase,
                            amount,
                        });
                    }
                }
                Ok(())
            }
        }
    }
}
