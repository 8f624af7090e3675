//! Bilateral offsetting over every pair of agents with payments queued both ways,
//! pairs in agent order. For each pair it settles the largest FIFO-ordered sets of
//! payments in each direction (prefixes of the pair's payments in queue order) whose
//! net positions both agents can cover, when both directions take part.
//!
//! A pass reads each pair's payments from Queue 2's pair index, so it costs time in
//! proportion to the payments of pairs that owe each other, with no sorting.

use super::settle;
use rtgsim_core::event::{EventSink, LsmAlgorithm};
use rtgsim_core::queue2::{QueueEntry, QueueKey};
use rtgsim_core::{AgentId, SimState, TxId};

/// Runs one pass; returns how many payments settled.
pub fn run(state: &mut SimState, sink: &mut dyn EventSink) -> usize {
    let queue = state.queue2();
    let connected: &SimState = state;
    let pairs: Vec<(AgentId, AgentId)> = (0..state.agents().len() as u32)
        .map(AgentId)
        .flat_map(|low| {
            queue
                .receivers_of(low)
                .filter(move |&high| high > low)
                .filter(move |&high| queue.pair_queue(high, low).next().is_some())
                .filter(move |&high| !connected.cut_off(low, high))
                .map(move |high| (low, high))
        })
        .collect();
    let mut settled = 0;
    // Reused for every pair: the payments low -> high ("down") and back ("up").
    let mut down: Vec<(QueueKey, QueueEntry)> = Vec::new();
    let mut up: Vec<(QueueKey, QueueEntry)> = Vec::new();
    for (low, high) in pairs {
        down.clear();
        down.extend(state.queue2().pair_queue(low, high));
        up.clear();
        up.extend(state.queue2().pair_queue(high, low));
        let available = [low, high].map(|a| i128::from(state.agent(a).available_liquidity()));
        let (i, j) = largest_offset(available, &down, &up);
        if i == 0 || j == 0 {
            continue;
        }
        let set: Vec<(QueueKey, TxId)> = down[..i]
            .iter()
            .chain(&up[..j])
            .map(|(key, entry)| (*key, entry.tx))
            .collect();
        settled += settle(state, set, LsmAlgorithm::Bilateral, sink);
    }
    settled
}

/// The longest prefixes of `down` (low pays high) and `up` (high pays low) whose net
/// positions both agents cover. With two agents the search of [`super::prefixes`]
/// is a walk back from both ends: whoever is uncovered gives up its last payment.
fn largest_offset(
    available: [i128; 2],
    down: &[(QueueKey, QueueEntry)],
    up: &[(QueueKey, QueueEntry)],
) -> (usize, usize) {
    let amount = |payment: &(QueueKey, QueueEntry)| i128::from(payment.1.amount);
    let (mut i, mut j) = (down.len(), up.len());
    // What low pays over what high pays back.
    let mut net_out: i128 =
        down.iter().map(amount).sum::<i128>() - up.iter().map(amount).sum::<i128>();
    loop {
        if available[0] - net_out < 0 && i > 0 {
            i -= 1;
            net_out -= amount(&down[i]);
        } else if available[1] + net_out < 0 && j > 0 {
            j -= 1;
            net_out += amount(&up[j]);
        } else {
            break;
        }
    }
    if available[0] - net_out < 0 || available[1] + net_out < 0 {
        return (0, 0);
    }
    (i, j)
}
