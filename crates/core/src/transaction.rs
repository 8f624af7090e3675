//! Payments. A payment that is split is replaced by its parts: the parent keeps its
//! place in the record with status [`TxStatus::Split`], and each part is a payment of
//! its own that lives in exactly one place (Queue 1, Queue 2, settled or dropped).

use crate::ids::{AgentId, Tick, TxId};
use crate::money::Cents;
use crate::queue2::QueueKey;
use serde::{Deserialize, Serialize};

/// Where a payment is. Every payment is in exactly one of these places.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TxStatus {
    /// In the sender's internal queue, waiting for its cash-manager policy.
    Queued1,
    /// Released to the central RTGS queue, waiting for liquidity.
    Queued2,
    /// Settled in full.
    Settled,
    /// Removed by the sender's policy without being paid.
    Dropped,
    /// Replaced by its parts; see [`Transaction::parent`].
    Split,
}

/// A payment order from `sender` to `receiver`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Transaction {
    pub id: TxId,
    pub sender: AgentId,
    pub receiver: AgentId,
    /// The amount to pay; for a part, that part's share of its parent.
    pub amount: Cents,
    /// When the original client order arrived (parts inherit it).
    pub arrival_tick: Tick,
    /// The last tick at which settlement is on time (inclusive).
    pub deadline_tick: Tick,
    /// 0 (lowest) to 10 (highest).
    pub priority: u8,
    /// Whether the payment may be split into parts.
    pub divisible: bool,
    /// The payment this one is a part of.
    pub parent: Option<TxId>,
    /// The original client payment (itself when not a part).
    pub root: TxId,
    pub status: TxStatus,
    /// Settled so far. For an original payment this sums over all of its parts.
    pub settled_amount: Cents,
    /// The tick this payment was released to Queue 2.
    pub submitted_tick: Option<Tick>,
    /// The tick this payment was settled in full.
    pub settled_tick: Option<Tick>,
    /// Set on an original payment once it has been charged the deadline penalty.
    pub deadline_penalized: bool,
    /// Its place in Queue 2 while queued there.
    pub(crate) queue2_key: Option<QueueKey>,
}

impl Transaction {
    /// What is left to pay: the amount until settled, zero after.
    pub fn remaining_amount(&self) -> Cents {
        self.amount - self.settled_amount
    }

    pub fn is_split_part(&self) -> bool {
        self.parent.is_some()
    }

    /// Past its deadline at `tick`: settlement now would be late.
    pub fn is_past_deadline(&self, tick: Tick) -> bool {
        tick > self.deadline_tick
    }

    /// Ticks until the deadline: zero on the deadline tick, negative once past it.
    pub fn ticks_to_deadline(&self, tick: Tick) -> i64 {
        i64::from(self.deadline_tick) - i64::from(tick)
    }

    /// Ticks since the client order arrived.
    pub fn queue_age(&self, tick: Tick) -> i64 {
        i64::from(tick) - i64::from(self.arrival_tick)
    }

    /// Its place in Queue 2, while it waits there.
    pub fn queue2_key(&self) -> Option<QueueKey> {
        self.queue2_key
    }

    pub fn is_pending(&self) -> bool {
        matches!(self.status, TxStatus::Queued1 | TxStatus::Queued2)
    }
}

/// A payment order entering the system, before it has an id.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct NewPayment {
    pub sender: AgentId,
    pub receiver: AgentId,
    pub amount: Cents,
    pub deadline_tick: Tick,
    pub priority: u8,
    pub divisible: bool,
}
