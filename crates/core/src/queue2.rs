//! Queue 2: the central RTGS queue, where released payments wait for liquidity.
//!
//! The queue is kept per sender, because a payment can only ever be held up by its
//! own sender's liquidity: a retry never needs to look at a sender whose position has
//! not improved. Each entry has a [`QueueKey`]; ordering by key is the queue order,
//! both within a sender and across the whole system.

use crate::ids::{AgentId, TxId};
use crate::limits::MAX_PRIORITY;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// How Queue 2 is ordered.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum QueueOrder {
    /// First released, first tried.
    #[default]
    Fifo,
    /// Higher priority first, then first released.
    Priority,
}

/// A payment's place in Queue 2: smaller keys come first.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct QueueKey {
    /// 0 under FIFO order; `10 - priority` under priority order.
    rank: u8,
    /// Release order, unique over the run.
    seq: u64,
}

impl QueueKey {
    pub fn seq(self) -> u64 {
        self.seq
    }
}

/// Queue 2, per sender, in queue order.
#[derive(Debug, Clone, Default)]
pub struct CentralQueue {
    order: QueueOrder,
    per_sender: Vec<BTreeMap<QueueKey, TxId>>,
    next_seq: u64,
    len: usize,
    value: i128,
}

impl CentralQueue {
    pub(crate) fn new(order: QueueOrder, agents: usize) -> Self {
        CentralQueue {
            order,
            per_sender: vec![BTreeMap::new(); agents],
            next_seq: 0,
            len: 0,
            value: 0,
        }
    }

    pub fn order(&self) -> QueueOrder {
        self.order
    }

    /// Payments waiting, over all senders.
    pub fn len(&self) -> usize {
        self.len
    }

    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// Value waiting, over all senders.
    pub fn value(&self) -> i128 {
        self.value
    }

    /// The next key for a payment of `priority` joining the queue now.
    pub(crate) fn next_key(&mut self, priority: u8) -> QueueKey {
        let rank = match self.order {
            QueueOrder::Fifo => 0,
            QueueOrder::Priority => MAX_PRIORITY - priority.min(MAX_PRIORITY),
        };
        let key = QueueKey {
            rank,
            seq: self.next_seq,
        };
        self.next_seq += 1;
        key
    }

    pub(crate) fn insert(&mut self, sender: AgentId, key: QueueKey, tx: TxId, amount: i64) {
        let previous = self.per_sender[sender.index()].insert(key, tx);
        debug_assert!(previous.is_none(), "queue keys are unique");
        self.len += 1;
        self.value += i128::from(amount);
    }

    pub(crate) fn remove(&mut self, sender: AgentId, key: QueueKey, amount: i64) {
        let removed = self.per_sender[sender.index()].remove(&key);
        debug_assert!(removed.is_some(), "removing a payment that is not queued");
        if removed.is_some() {
            self.len -= 1;
            self.value -= i128::from(amount);
        }
    }

    /// The first payment of `sender` in queue order.
    pub fn head(&self, sender: AgentId) -> Option<(QueueKey, TxId)> {
        self.per_sender
            .get(sender.index())
            .and_then(|queue| queue.first_key_value())
            .map(|(key, tx)| (*key, *tx))
    }

    /// The payments of `sender`, in queue order.
    pub fn sender_queue(&self, sender: AgentId) -> impl Iterator<Item = (QueueKey, TxId)> + '_ {
        self.per_sender
            .get(sender.index())
            .into_iter()
            .flat_map(|queue| queue.iter().map(|(key, tx)| (*key, *tx)))
    }

    /// Payments of `sender` queued from `after` on (exclusive), in queue order.
    pub fn sender_queue_after(
        &self,
        sender: AgentId,
        after: QueueKey,
    ) -> impl Iterator<Item = (QueueKey, TxId)> + '_ {
        use std::ops::Bound;
        self.per_sender
            .get(sender.index())
            .into_iter()
            .flat_map(move |queue| {
                queue
                    .range((Bound::Excluded(after), Bound::Unbounded))
                    .map(|(key, tx)| (*key, *tx))
            })
    }

    /// Every queued payment in system-wide queue order (a merge of the per-sender
    /// queues; costs `O(n log n)`, for the LSM and for checks, not for the hot path).
    pub fn in_order(&self) -> Vec<(QueueKey, TxId)> {
        let mut all: Vec<(QueueKey, TxId)> = self
            .per_sender
            .iter()
            .flat_map(|queue| queue.iter().map(|(key, tx)| (*key, *tx)))
            .collect();
        all.sort_unstable_by_key(|(key, _)| *key);
        all
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn priority_order_puts_high_priority_first_then_fifo() {
        let mut queue = CentralQueue::new(QueueOrder::Priority, 1);
        let a = AgentId(0);
        let low = queue.next_key(2);
        let high = queue.next_key(9);
        let high_later = queue.next_key(9);
        queue.insert(a, low, TxId(0), 10);
        queue.insert(a, high, TxId(1), 20);
        queue.insert(a, high_later, TxId(2), 30);
        let order: Vec<TxId> = queue.sender_queue(a).map(|(_, tx)| tx).collect();
        assert_eq!(order, vec![TxId(1), TxId(2), TxId(0)]);
        assert_eq!(queue.len(), 3);
        assert_eq!(queue.value(), 60);
    }

    #[test]
    fn fifo_order_ignores_priority() {
        let mut queue = CentralQueue::new(QueueOrder::Fifo, 2);
        let first = queue.next_key(1);
        let second = queue.next_key(10);
        queue.insert(AgentId(1), second, TxId(7), 5);
        queue.insert(AgentId(0), first, TxId(3), 5);
        let order: Vec<TxId> = queue.in_order().into_iter().map(|(_, tx)| tx).collect();
        assert_eq!(order, vec![TxId(3), TxId(7)]);
        queue.remove(AgentId(0), first, 5);
        assert_eq!(queue.head(AgentId(0)), None);
        assert_eq!(queue.len(), 1);
    }
}
