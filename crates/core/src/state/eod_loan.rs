//! End-of-day borrowing. At a day's close, every payment still waiting, in Queue 1
//! or Queue 2, is settled with money the central bank lends its sender; the next
//! day's opening repays the loan out of the sender's balance as far as it can.
//!
//! The loan is the payment's whole amount, whatever the sender holds: the facility
//! prices what was not sent in the day (Castro et al.'s `r_b` on the unsent
//! amount), not the sender's shortfall. It is lent as credit beyond the sender's own
//! limit (the limit grows by the loan), so no limit is ever breached, and the
//! balance falls by the payment as with any other. What the opening cannot repay
//! stays as credit until a later opening finds the balance above minus the agent's
//! own limit; overdraft cost, if any, accrues on all credit in use as usual.

use super::SimState;
use super::release::Release;
use crate::event::{Event, EventSink, SettleRoute};
use crate::ids::{AgentId, TxId};
use crate::money::Cents;
use std::sync::Arc;

impl SimState {
    /// Settles every waiting payment by a loan to its sender: agent by agent, its
    /// Queue 2 payments in queue order, then its Queue 1 payments oldest first (each
    /// released first, with the source `eod_loan`). Returns what each agent borrowed,
    /// in agent order.
    pub fn settle_by_eod_loans(&mut self, sink: &mut dyn EventSink) -> Vec<Cents> {
        let source: Arc<str> = Arc::from("eod_loan");
        let mut borrowed = Vec::with_capacity(self.agents.len());
        for index in 0..self.agents.len() {
            let agent = AgentId(index as u32);
            // A disconnected participant's payments, and those to it, wait: no loan
            // settles them, so none is released for one.
            let releases: Vec<Release> = self.agents[index]
                .queue1
                .iter()
                .filter(|&&tx| !self.cut_off(agent, self.txs[tx.index()].receiver))
                .map(|&tx| Release {
                    tx,
                    source: Some(source.clone()),
                })
                .collect();
            if !releases.is_empty() {
                self.release_payments(agent, &releases, &mut |_, _| false, sink);
            }
            let queued: Vec<TxId> = self.queue2.sender_queue(agent).map(|(_, e)| e.tx).collect();
            let mut lent: Cents = 0;
            for tx in queued {
                // A disconnected participant's payments, and those to it, wait.
                let t = &self.txs[tx.index()];
                if self.cut_off(t.sender, t.receiver) {
                    continue;
                }
                lent = lent.saturating_add(self.settle_by_loan(tx, sink));
            }
            borrowed.push(lent);
        }
        borrowed
    }

    /// Lends the sender of a Queue 2 payment its amount and settles it. Returns the
    /// amount lent.
    fn settle_by_loan(&mut self, id: TxId, sink: &mut dyn EventSink) -> Cents {
        let tx = &self.txs[id.index()];
        let (sender, amount) = (tx.sender, tx.amount);
        let owner = &mut self.agents[sender.index()];
        // Bounded: a loan repays what was queued, and a payment's amount is at most
        // the money bound; the sum saturates rather than wraps on absurd runs.
        owner.eod_loan = owner.eod_loan.saturating_add(amount);
        // The loan raised the sender's credit limit by the amount: it can pay.
        self.settle_queued(id, SettleRoute::EodLoan, sink);
        amount
    }

    /// At a day's opening: each agent repays its end-of-day loan as far as its
    /// usable balance stands above minus its own credit limit, with an
    /// `eod_loan_repaid` event for each repayment.
    pub fn repay_eod_loans(&mut self, sink: &mut dyn EventSink) {
        let tick = self.clock.tick();
        for agent in &mut self.agents {
            if agent.eod_loan == 0 {
                continue;
            }
            // Emergency credit covers its own share of what is beyond the limit.
            let beyond_own =
                (agent.usable_credit_used() - agent.own_credit_limit() - agent.emergency_credit)
                    .max(0);
            let outstanding = beyond_own.min(agent.eod_loan);
            let repaid = agent.eod_loan - outstanding;
            if repaid == 0 {
                continue;
            }
            agent.eod_loan = outstanding;
            sink.record(Event::EodLoanRepaid {
                tick,
                agent: agent.id,
                repaid,
                outstanding,
            });
        }
    }
}
