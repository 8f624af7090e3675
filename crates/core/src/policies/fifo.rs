use crate::decision::ReleaseDecision;
use crate::policy::{CashManagerPolicy, PolicyError};
use crate::view::PolicyView;

/// Releases every payment as soon as it arrives: no liquidity management at all.
/// The baseline that puts the most pressure on the central queue.
#[derive(Debug, Clone, Copy, Default)]
pub struct Fifo;

impl CashManagerPolicy for Fifo {
    fn evaluate_queue(
        &mut self,
        view: &PolicyView<'_>,
    ) -> Result<Vec<ReleaseDecision>, PolicyError> {
        Ok(view
            .queue1()
            .map(|tx| ReleaseDecision::submit(tx.id))
            .collect())
    }
}
