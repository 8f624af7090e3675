//! Queue 2: the central RTGS queue, where released payments wait for liquidity.
//!
//! The queue is kept per sender, because a payment can only ever be held up by its
//! own sender's liquidity: a retry never needs to look at a sender whose position has
//! not improved. Each entry has a [`QueueKey`]; ordering by key is the queue order,
//! both within a sender and across the whole system.

use crate::ids::{AgentId, Tick, TxId};
use crate::limits::MAX_PRIORITY;
use crate::money::Cents;
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, BTreeSet};

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
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
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

/// A payment waiting in Queue 2, with what the settlement algorithms need to know
/// about it (so they need not look the payment up).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct QueueEntry {
    pub tx: TxId,
    pub receiver: AgentId,
    pub amount: Cents,
    pub deadline: Tick,
}

/// One sender's waiting payments to one receiver, and their value.
#[derive(Debug, Clone, Default)]
struct PairQueue {
    entries: BTreeMap<QueueKey, QueueEntry>,
    value: i128,
}

/// Queue 2, per sender and per (sender, receiver) pair, in queue order.
#[derive(Debug, Clone, Default)]
pub struct CentralQueue {
    order: QueueOrder,
    per_sender: Vec<BTreeMap<QueueKey, QueueEntry>>,
    /// The same entries by sender, then receiver: bilateral offsetting reads a pair's
    /// payments without scanning either sender's whole queue.
    per_pair: Vec<BTreeMap<AgentId, PairQueue>>,
    /// Payments waiting to each receiver, by deadline: what it can expect soon.
    incoming_by_deadline: Vec<BTreeMap<(Tick, TxId), Cents>>,
    /// Each sender's waiting payments by deadline: its most pressing one.
    outgoing_by_deadline: Vec<BTreeSet<(Tick, TxId)>>,
    next_seq: u64,
    len: usize,
    value: i128,
}

impl CentralQueue {
    pub(crate) fn new(order: QueueOrder, agents: usize) -> Self {
        CentralQueue {
            order,
            per_sender: vec![BTreeMap::new(); agents],
            per_pair: vec![BTreeMap::new(); agents],
            incoming_by_deadline: vec![BTreeMap::new(); agents],
            outgoing_by_deadline: vec![BTreeSet::new(); agents],
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

    pub(crate) fn next_seq(&self) -> u64 {
        self.next_seq
    }

    /// For a restored queue: the sequence number the next release gets.
    pub(crate) fn set_next_seq(&mut self, next_seq: u64) {
        self.next_seq = next_seq;
    }

    pub(crate) fn insert(&mut self, sender: AgentId, key: QueueKey, entry: QueueEntry) {
        let previous = self.per_sender[sender.index()].insert(key, entry);
        debug_assert!(previous.is_none(), "queue keys are unique");
        let pair = self.per_pair[sender.index()]
            .entry(entry.receiver)
            .or_default();
        pair.entries.insert(key, entry);
        pair.value += i128::from(entry.amount);
        self.incoming_by_deadline[entry.receiver.index()]
            .insert((entry.deadline, entry.tx), entry.amount);
        self.outgoing_by_deadline[sender.index()].insert((entry.deadline, entry.tx));
        self.len += 1;
        self.value += i128::from(entry.amount);
    }

    pub(crate) fn remove(&mut self, sender: AgentId, key: QueueKey) {
        let Some(entry) = self.per_sender[sender.index()].remove(&key) else {
            debug_assert!(false, "removing a payment that is not queued");
            return;
        };
        let pairs = &mut self.per_pair[sender.index()];
        if let Some(pair) = pairs.get_mut(&entry.receiver) {
            pair.entries.remove(&key);
            pair.value -= i128::from(entry.amount);
            if pair.entries.is_empty() {
                pairs.remove(&entry.receiver);
            }
        }
        self.incoming_by_deadline[entry.receiver.index()].remove(&(entry.deadline, entry.tx));
        self.outgoing_by_deadline[sender.index()].remove(&(entry.deadline, entry.tx));
        self.len -= 1;
        self.value -= i128::from(entry.amount);
    }

    /// Whether a payment of `sender` with `priority` joining the queue now would be the
    /// first of the sender's payments in queue order.
    pub fn would_be_first(&self, sender: AgentId, priority: u8) -> bool {
        match (self.head(sender), self.order) {
            (None, _) => true,
            // Every queued payment came earlier.
            (Some(_), QueueOrder::Fifo) => false,
            (Some((head, _)), QueueOrder::Priority) => {
                MAX_PRIORITY - priority.min(MAX_PRIORITY) < head.rank
            }
        }
    }

    /// The first payment of `sender` in queue order.
    pub fn head(&self, sender: AgentId) -> Option<(QueueKey, QueueEntry)> {
        self.per_sender
            .get(sender.index())
            .and_then(|queue| queue.first_key_value())
            .map(|(key, entry)| (*key, *entry))
    }

    /// The payments of `sender`, in queue order.
    pub fn sender_queue(
        &self,
        sender: AgentId,
    ) -> impl DoubleEndedIterator<Item = (QueueKey, QueueEntry)> + '_ {
        self.per_sender
            .get(sender.index())
            .into_iter()
            .flat_map(|queue| queue.iter().map(|(key, entry)| (*key, *entry)))
    }

    /// Payments of `sender` queued after `after` (exclusive), in queue order.
    pub fn sender_queue_after(
        &self,
        sender: AgentId,
        after: QueueKey,
    ) -> impl Iterator<Item = (QueueKey, QueueEntry)> + '_ {
        use std::ops::Bound;
        self.per_sender
            .get(sender.index())
            .into_iter()
            .flat_map(move |queue| {
                queue
                    .range((Bound::Excluded(after), Bound::Unbounded))
                    .map(|(key, entry)| (*key, *entry))
            })
    }

    /// The agents `sender` has payments queued to, in agent order.
    pub fn receivers_of(&self, sender: AgentId) -> impl Iterator<Item = AgentId> + '_ {
        self.per_pair
            .get(sender.index())
            .into_iter()
            .flat_map(|pairs| pairs.keys().copied())
    }

    /// The payments from `sender` to `receiver`, in queue order.
    pub fn pair_queue(
        &self,
        sender: AgentId,
        receiver: AgentId,
    ) -> impl DoubleEndedIterator<Item = (QueueKey, QueueEntry)> + '_ {
        self.per_pair
            .get(sender.index())
            .and_then(|pairs| pairs.get(&receiver))
            .into_iter()
            .flat_map(|pair| pair.entries.iter().map(|(key, entry)| (*key, *entry)))
    }

    /// Value waiting from `sender` to `receiver`.
    pub fn pair_value(&self, sender: AgentId, receiver: AgentId) -> i128 {
        self.per_pair
            .get(sender.index())
            .and_then(|pairs| pairs.get(&receiver))
            .map_or(0, |pair| pair.value)
    }

    /// Value waiting to `receiver` whose deadline is at or before `last_tick`.
    pub fn incoming_due_by(&self, receiver: AgentId, last_tick: Tick) -> i128 {
        self.incoming_by_deadline
            .get(receiver.index())
            .into_iter()
            .flat_map(|by_deadline| by_deadline.range(..=(last_tick, TxId(u32::MAX))))
            .map(|(_, &amount)| i128::from(amount))
            .sum()
    }

    /// The earliest deadline among `sender`'s waiting payments.
    pub fn nearest_deadline(&self, sender: AgentId) -> Option<Tick> {
        self.outgoing_by_deadline
            .get(sender.index())
            .and_then(|by_deadline| by_deadline.first())
            .map(|&(deadline, _)| deadline)
    }

    /// Every queued payment in system-wide queue order (a merge of the per-sender
    /// queues; costs `O(n log n)`, for checks and reports, not for the hot path).
    pub fn in_order(&self) -> Vec<(QueueKey, QueueEntry)> {
        let mut all: Vec<(QueueKey, QueueEntry)> = self
            .per_sender
            .iter()
            .flat_map(|queue| queue.iter().map(|(key, entry)| (*key, *entry)))
            .collect();
        all.sort_unstable_by_key(|(key, _)| *key);
        all
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(tx: u32, receiver: u32, amount: Cents) -> QueueEntry {
        QueueEntry {
            tx: TxId(tx),
            receiver: AgentId(receiver),
            amount,
            deadline: 10 + tx,
        }
    }

    #[test]
    fn priority_order_puts_high_priority_first_then_fifo() {
        let mut queue = CentralQueue::new(QueueOrder::Priority, 2);
        let a = AgentId(0);
        let low = queue.next_key(2);
        let high = queue.next_key(9);
        let high_later = queue.next_key(9);
        queue.insert(a, low, entry(0, 1, 10));
        queue.insert(a, high, entry(1, 1, 20));
        queue.insert(a, high_later, entry(2, 1, 30));
        let order: Vec<TxId> = queue.sender_queue(a).map(|(_, e)| e.tx).collect();
        assert_eq!(order, vec![TxId(1), TxId(2), TxId(0)]);
        assert_eq!(queue.len(), 3);
        assert_eq!(queue.value(), 60);
    }

    #[test]
    fn fifo_order_ignores_priority() {
        let mut queue = CentralQueue::new(QueueOrder::Fifo, 2);
        let first = queue.next_key(1);
        let second = queue.next_key(10);
        queue.insert(AgentId(1), second, entry(7, 0, 5));
        queue.insert(AgentId(0), first, entry(3, 1, 5));
        let order: Vec<TxId> = queue.in_order().into_iter().map(|(_, e)| e.tx).collect();
        assert_eq!(order, vec![TxId(3), TxId(7)]);
        queue.remove(AgentId(0), first);
        assert_eq!(queue.head(AgentId(0)), None);
        assert_eq!(queue.len(), 1);
    }

    #[test]
    fn pair_queues_follow_the_sender_queue() {
        let mut queue = CentralQueue::new(QueueOrder::Fifo, 3);
        let a = AgentId(0);
        let keys: Vec<QueueKey> = (0..3).map(|_| queue.next_key(5)).collect();
        queue.insert(a, keys[0], entry(0, 1, 10));
        queue.insert(a, keys[1], entry(1, 2, 20));
        queue.insert(a, keys[2], entry(2, 1, 30));
        let to_b: Vec<TxId> = queue.pair_queue(a, AgentId(1)).map(|(_, e)| e.tx).collect();
        assert_eq!(to_b, vec![TxId(0), TxId(2)]);
        assert_eq!(
            queue.receivers_of(a).collect::<Vec<_>>(),
            vec![AgentId(1), AgentId(2)]
        );
        assert_eq!(queue.pair_value(a, AgentId(1)), 40);
        assert_eq!(queue.incoming_due_by(AgentId(1), 11), 10);
        assert_eq!(queue.incoming_due_by(AgentId(1), 12), 40);
        assert_eq!(queue.nearest_deadline(a), Some(10));
        queue.remove(a, keys[1]);
        assert_eq!(queue.receivers_of(a).collect::<Vec<_>>(), vec![AgentId(1)]);
        assert_eq!(queue.pair_queue(a, AgentId(2)).count(), 0);
        queue.remove(a, keys[0]);
        assert_eq!(queue.nearest_deadline(a), Some(12));
        assert_eq!(queue.pair_value(a, AgentId(1)), 30);
    }
}
