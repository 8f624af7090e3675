//! Multilateral gridlock resolution, FIFO-constrained (after Bech and Soramäki):
//! settles the largest set of queue prefixes in which every agent's net position is
//! covered, as one set. See [`super::prefixes`] for why the result is the largest.

use super::prefixes::{Outflows, settleable_prefixes};
use super::settle;
use rtgsim_core::event::{EventSink, LsmAlgorithm};
use rtgsim_core::queue2::QueueKey;
use rtgsim_core::{AgentId, SimState, TxId};

/// Runs one pass; returns how many payments settled.
pub fn run(state: &mut SimState, sink: &mut dyn EventSink) -> usize {
    if state.queue2().is_empty() {
        return 0;
    }
    let agents = state.agents().len();
    let queue = state.queue2();
    let mut outflows = Outflows::new();
    // The same payments, in the same layout, by key and id.
    let mut ids: Vec<(QueueKey, TxId)> = Vec::with_capacity(queue.len());
    let mut starts = Vec::with_capacity(agents + 1);
    for sender in 0..agents {
        starts.push(ids.len());
        let sender = AgentId(sender as u32);
        // A prefix stops before a payment to or from a disconnected agent: the
        // search is the same over what may settle.
        let entries = queue
            .sender_queue(sender)
            .take_while(|(_, entry)| !state.cut_off(sender, entry.receiver));
        outflows.push_agent(entries.map(|(key, entry)| {
            ids.push((key, entry.tx));
            (entry.receiver.index(), entry.amount)
        }));
    }
    let available: Vec<i128> = state
        .agents()
        .iter()
        .map(|a| i128::from(a.available_liquidity()))
        .collect();
    let kept = settleable_prefixes(&available, &outflows);
    let set: Vec<(QueueKey, TxId)> = kept
        .iter()
        .zip(starts)
        .flat_map(|(&n, start)| ids[start..start + n].iter().copied())
        .collect();
    settle(state, set, LsmAlgorithm::Multilateral, sink)
}
