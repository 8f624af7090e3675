use crate::decision::{HoldReason, ReleaseDecision};
use crate::policy::{CashManagerPolicy, PolicyError};
use crate::view::PolicyView;

/// Releases a payment only when its deadline is near; drops payments already past it.
///
/// * past the deadline (the deadline tick has ended): drop;
/// * at most `urgency_threshold` ticks to the deadline (0 on the deadline tick): release;
/// * otherwise: hold.
#[derive(Debug, Clone, Copy)]
pub struct Deadline {
    pub urgency_threshold: u32,
}

impl CashManagerPolicy for Deadline {
    fn evaluate_queue(
        &mut self,
        view: &PolicyView<'_>,
    ) -> Result<Vec<ReleaseDecision>, PolicyError> {
        let tick = view.tick();
        Ok(view
            .queue1()
            .map(|tx| {
                let ticks_remaining = tx.ticks_to_deadline(tick);
                if ticks_remaining < 0 {
                    ReleaseDecision::drop_payment(tx.id)
                } else if ticks_remaining <= i64::from(self.urgency_threshold) {
                    ReleaseDecision::submit(tx.id)
                } else {
                    ReleaseDecision::hold(tx.id, HoldReason::NearDeadline { ticks_remaining })
                }
            })
            .collect())
    }
}
