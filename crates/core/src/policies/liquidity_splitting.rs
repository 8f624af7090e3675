use crate::decision::{HoldReason, ReleaseDecision};
use crate::policy::{CashManagerPolicy, PolicyError};
use crate::view::PolicyView;

/// Releases what the agent can cover and splits what it cannot.
///
/// Payments are taken oldest first, each release counting against the available
/// liquidity (balance plus credit) left for the next:
/// * covered: release in full;
/// * not covered, divisible, and some liquidity left: split into the fewest
///   near-equal parts that each fit the liquidity left, if that is at most
///   `max_parts`, and release them all (the first settle now, the rest wait in the
///   central queue for inflows);
/// * otherwise: hold.
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
            let parts = (available > 0).then(|| (amount + available - 1) / available);
            match parts {
                Some(parts) if tx.divisible && parts <= i128::from(self.max_parts) => {
                    available -= amount;
                    // 2 <= parts <= max_parts, a u32.
                    decisions.push(ReleaseDecision::split(tx.id, parts as u32));
                }
                _ => decisions.push(ReleaseDecision::hold(
                    tx.id,
                    HoldReason::InsufficientLiquidity,
                )),
            }
        }
        Ok(decisions)
    }
}
