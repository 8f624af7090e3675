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

use rtgsim_core::ids::{AgentId, TxId};
use rtgsim_core::queue2::QueueKey;
use rtgsim_core::{Cents, SimState};
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

/// A queued payment as the algorithms see it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Queued {
    pub key: QueueKey,
    pub tx: TxId,
    pub sender: AgentId,
    pub receiver: AgentId,
    pub amount: Cents,
}

/// Every queued payment of `sender`, in queue order.
pub(crate) fn sender_queue(state: &SimState, sender: AgentId) -> Vec<Queued> {
    state
        .queue2()
        .sender_queue(sender)
        .filter_map(|(key, tx)| {
            state.transaction(tx).map(|t| Queued {
                key,
                tx,
                sender,
                receiver: t.receiver,
                amount: t.amount,
            })
        })
        .collect()
}

/// Each agent's available liquidity, indexed by agent.
pub(crate) fn available(state: &SimState) -> Vec<i128> {
    state
        .agents()
        .iter()
        .map(|a| i128::from(a.available_liquidity()))
        .collect()
}
