use crate::decision::{HoldReason, ReleaseDecision};
use crate::policy::{CashManagerPolicy, PolicyError};
use crate::view::PolicyView;

/// Releases what the agent can cover and, of a divisible payment it cannot cover in
/// full, the part it can.
///
/// Payments are taken oldest first, each release counting against the available
/// liquidity (balance plus credit) left for the next:
/// * covered: release in full;
/// * not covered but divisible: release the part the remaining liquidity covers, and
///   keep the rest in Queue 1 for a later tick, provided that part is at least
///   1/`max_parts` of the original payment (so no payment is paid in more than
///   `max_parts` parts);
/// * otherwise: hold.
///
/// Releasing only what can settle now keeps the rest under the policy's control:
/// parts released without cover would wait in the central queue and, under FIFO,
/// block the agent's later payments there.
#[derive(Debug, Clone, Copy)]
pub struct LiquiditySplitting {
    pub max_parts: u32,
}

/// Parts a payment may be split into, unless configured.
pub const DEFAULT_MAX_PARTS: u32 = 4;

impl CashManagerPolicy for LiquiditySplitting {
    fn evaluate_queue(
        &mut self,
        view: &PolicyView<'_>,
    ) -> Result<Vec<ReleaseDecision>, PolicyError> {
        let mut available = i128::from(view.agent().available_liquidity());
        let mut decisions = Vec::with_capacity(view.queue1().len());
        for tx in view.queue1() {
            let amount = i128::from(tx.amount);
            if amount <= available {
                available -= amount;
                decisions.push(ReleaseDecision::submit(tx.id));
                continue;
            }
            let original = view
                .transaction(tx.root)
                .map_or(tx.amount, |root| root.amount);
            let smallest_part = (i128::from(original) + i128::from(self.max_parts) - 1)
                / i128::from(self.max_parts.max(1));
            if tx.divisible && available > 0 && available >= smallest_part {
                // available < amount, a Cents.
                decisions.push(ReleaseDecision::submit_partial(tx.id, available as i64));
                available = 0;
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
