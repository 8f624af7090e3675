use crate::decision::{HoldReason, ReleaseDecision};
use crate::money::Cents;
use crate::policy::{CashManagerPolicy, PolicyError};
use crate::view::PolicyView;

/// Keeps a liquidity buffer, except for urgent payments.
///
/// Payments are taken oldest first, and each release counts against the liquidity
/// left for the next one (so ten payments that each fit the buffer do not together
/// break it):
/// * past the deadline: drop;
/// * urgent (at most `urgency_threshold` ticks to the deadline): release if the
///   remaining available liquidity (balance plus credit) covers it, else hold;
/// * otherwise, with `target_buffer` 0: release if available liquidity covers it;
/// * otherwise: release if the remaining balance stays at or above `target_buffer`
///   (credit is not used for non-urgent payments), else hold.
#[derive(Debug, Clone, Copy)]
pub struct LiquidityAware {
    pub target_buffer: Cents,
    pub urgency_threshold: u32,
}

impl CashManagerPolicy for LiquidityAware {
    fn evaluate_queue(
        &mut self,
        view: &PolicyView<'_>,
    ) -> Result<Vec<ReleaseDecision>, PolicyError> {
        let tick = view.tick();
        let agent = view.agent();
        let mut balance = i128::from(agent.balance());
        let mut available = i128::from(agent.available_liquidity());
        let mut decisions = Vec::with_capacity(view.queue1().len());
        for tx in view.queue1() {
            let ticks_remaining = tx.ticks_to_deadline(tick);
            if ticks_remaining < 0 {
                decisions.push(ReleaseDecision::drop_payment(tx.id));
                continue;
            }
            let amount = i128::from(tx.amount);
            let urgent = ticks_remaining <= i64::from(self.urgency_threshold);
            let affordable = if urgent || self.target_buffer == 0 {
                amount <= available
            } else {
                balance - amount >= i128::from(self.target_buffer)
            };
            if affordable {
                balance -= amount;
                available -= amount;
                decisions.push(ReleaseDecision::submit(tx.id));
            } else {
                decisions.push(ReleaseDecision::hold(
                    tx.id,
                    HoldReason::InsufficientLiquidity,
                ));
            }
        }
        Ok(decisions)
    }
}
