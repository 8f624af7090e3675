//! Bilateral offsetting over every pair of agents with payments queued both ways,
//! pairs in agent order. For each pair it settles the largest FIFO-ordered sets of
//! payments in each direction (prefixes of the pair's payments in queue order) whose
//! net positions both agents can cover, if both directions take part.

use super::prefixes::settleable_prefixes;
use super::{Queued, sender_queue};
use rtgsim_core::event::{EventSink, LsmAlgorithm};
use rtgsim_core::{AgentId, SimState, TxId};
use std::collections::BTreeMap;

/// Runs one pass; returns how many payments settled.
pub fn run(state: &mut SimState, sink: &mut dyn EventSink) -> usize {
    let pairs = queued_by_pair(state);
    let mut settled = 0;
    for ((low, high), (down, up)) in pairs {
        // `down`: low -> high; `up`: high -> low, each in queue order.
        if down.is_empty() || up.is_empty() {
            continue;
        }
        let available = [low, high].map(|a| i128::from(state.agent(a).available_liquidity()));
        let outflows = [
            down.iter().map(|p| (1, p.amount)).collect(),
            up.iter().map(|p| (0, p.amount)).collect(),
        ];
        let kept = settleable_prefixes(&available, &outflows);
        if kept[0] == 0 || kept[1] == 0 {
            continue;
        }
        let mut set: Vec<&Queued> = down[..kept[0]].iter().chain(&up[..kept[1]]).collect();
        set.sort_unstable_by_key(|p| p.key);
        let txs: Vec<TxId> = set.iter().map(|p| p.tx).collect();
        match state.settle_set(&txs, LsmAlgorithm::Bilateral, sink) {
            Ok(()) => settled += txs.len(),
            Err(rejected) => debug_assert!(false, "an uncovered bilateral set: {rejected}"),
        }
    }
    settled
}

/// Queued payments grouped by unordered pair `(low, high)`: those from low to high and
/// those from high to low, each in queue order.
type Pairs = BTreeMap<(AgentId, AgentId), (Vec<Queued>, Vec<Queued>)>;

fn queued_by_pair(state: &SimState) -> Pairs {
    let mut pairs = Pairs::new();
    for sender in 0..state.agents().len() {
        for payment in sender_queue(state, AgentId(sender as u32)) {
            let (s, r) = (payment.sender, payment.receiver);
            let entry = pairs.entry((s.min(r), s.max(r))).or_default();
            if s < r {
                entry.0.push(payment);
            } else {
                entry.1.push(payment);
            }
        }
    }
    pairs
}
