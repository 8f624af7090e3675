//! Multilateral gridlock resolution, FIFO-constrained (after Bech and Soramäki):
//! settles the largest set of queue prefixes in which every agent's net position is
//! covered, as one set. See [`super::prefixes`] for why the result is the largest.

use super::prefixes::settleable_prefixes;
use super::{Queued, available, sender_queue};
use rtgsim_core::event::{EventSink, LsmAlgorithm};
use rtgsim_core::{AgentId, SimState, TxId};

/// Runs one pass; returns how many payments settled.
pub fn run(state: &mut SimState, sink: &mut dyn EventSink) -> usize {
    if state.queue2().is_empty() {
        return 0;
    }
    let queues: Vec<Vec<Queued>> = (0..state.agents().len())
        .map(|i| sender_queue(state, AgentId(i as u32)))
        .collect();
    let outflows: Vec<Vec<(usize, i64)>> = queues
        .iter()
        .map(|q| q.iter().map(|p| (p.receiver.index(), p.amount)).collect())
        .collect();
    let kept = settleable_prefixes(&available(state), &outflows);
    let mut set: Vec<(rtgsim_core::queue2::QueueKey, TxId)> = queues
        .iter()
        .zip(&kept)
        .flat_map(|(queue, &n)| queue[..n].iter().map(|p| (p.key, p.tx)))
        .collect();
    if set.is_empty() {
        return 0;
    }
    set.sort_unstable_by_key(|(key, _)| *key);
    let txs: Vec<TxId> = set.into_iter().map(|(_, tx)| tx).collect();
    match state.settle_set(&txs, LsmAlgorithm::Multilateral, sink) {
        Ok(()) => txs.len(),
        Err(rejected) => {
            debug_assert!(false, "the search found an uncovered set: {rejected}");
            0
        }
    }
}
