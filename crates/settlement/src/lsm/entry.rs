//! Offsetting on entry: a payment released now that cannot settle alone is settled
//! together with the longest run of its receiver's queued payments back to its sender
//! (in the receiver's queue order) that both can cover.

use rtgsim_core::event::{EventSink, LsmAlgorithm};
use rtgsim_core::{SimState, TxId};

/// Tries to offset `tx` (just released, queued); returns how many payments settled.
pub fn offset(state: &mut SimState, tx: TxId, sink: &mut dyn EventSink) -> usize {
    let Some(payment) = state.transaction(tx) else {
        return 0;
    };
    let (sender, receiver, amount) = (payment.sender, payment.receiver, i128::from(payment.amount));
    let sender_available = i128::from(state.agent(sender).available_liquidity());
    let receiver_available = i128::from(state.agent(receiver).available_liquidity());
    // The receiver pays back at most what it receives plus what it has.
    let limit = receiver_available + amount;
    let mut back: Vec<TxId> = Vec::new();
    let mut total = 0i128;
    for (_, queued) in state.queue2().sender_queue(receiver) {
        let Some(t) = state.transaction(queued) else {
            continue;
        };
        if t.receiver != sender {
            continue;
        }
        if total + i128::from(t.amount) > limit {
            break;
        }
        total += i128::from(t.amount);
        back.push(queued);
    }
    if back.is_empty() || sender_available + total - amount < 0 {
        return 0;
    }
    let mut set = Vec::with_capacity(back.len() + 1);
    set.push(tx);
    set.extend(back);
    match state.settle_set(&set, LsmAlgorithm::EntryOffset, sink) {
        Ok(()) => set.len(),
        Err(rejected) => {
            debug_assert!(false, "an uncovered entry offset: {rejected}");
            0
        }
    }
}
