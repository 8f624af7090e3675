//! The liquidity-saving mechanism: algorithms that settle sets of queued payments
//! together when every participant's net position over the set is covered, though
//! the payments could not settle one by one.
//!
//! * [`bilateral`]: for every pair of agents with payments queued both ways, the
//!   largest FIFO-ordered sets in each direction that both can cover.
//! * [`multilateral`]: the largest set of queue prefixes (every sender's queue order
//!   kept) in which every agent is covered.
//! * [`cycles`]: cycles of queued payments among agents, found within strongly
//!   connected components up to a bounded length, settled one cycle at a time.
//! * [`entry`]: on release, a payment that cannot settle alone is offset against
//!   the receiver's queued payments back to its sender.
//!
//! Every algorithm settles through `SimState::settle_set`, which checks cover again
//! and records one event per set.

pub mod bilateral;
pub mod cycles;
pub mod entry;
pub mod multilateral;
pub mod prefixes;

use rtgsim_core::SimState;
use rtgsim_core::event::{EventSink, LsmAlgorithm};
use rtgsim_core::ids::TxId;
use rtgsim_core::queue2::QueueKey;
use serde::{Deserialize, Serialize};

/// One algorithm in the configured LSM sequence.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum LsmStep {
    Bilateral,
    Multilateral,
    Cycles,
}

impl LsmStep {
    pub const ALL: [LsmStep; 3] = [LsmStep::Bilateral, LsmStep::Multilateral, LsmStep::Cycles];

    /// The name used in scenario files.
    pub fn name(self) -> &'static str {
        match self {
            LsmStep::Bilateral => "bilateral",
            LsmStep::Multilateral => "multilateral",
            LsmStep::Cycles => "cycles",
        }
    }

    pub fn from_name(name: &str) -> Option<LsmStep> {
        LsmStep::ALL.into_iter().find(|step| step.name() == name)
    }
}

/// Settles a set found by an algorithm, listed in queue order. Returns how many
/// payments settled. The algorithms only propose covered sets; `settle_set` checks
/// again, and a refusal there is a bug in the algorithm, not a user error.
pub(crate) fn settle(
    state: &mut SimState,
    mut set: Vec<(QueueKey, TxId)>,
    algorithm: LsmAlgorithm,
    sink: &mut dyn EventSink,
) -> usize {
    if set.is_empty() {
        return 0;
    }
    set.sort_unstable_by_key(|(key, _)| *key);
    let txs: Vec<TxId> = set.into_iter().map(|(_, tx)| tx).collect();
    match state.settle_set(&txs, algorithm, sink) {
        Ok(()) => txs.len(),
        Err(rejected) => {
            debug_assert!(false, "{algorithm:?} proposed an uncovered set: {rejected}");
            0
        }
    }
}
