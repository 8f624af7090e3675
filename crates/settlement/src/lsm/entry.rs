//! Offsetting on entry: a payment released now that cannot settle alone is settled
//! together with the payments at the front of its receiver's queue that go back to
//! its sender (the longest such run both can cover), as TARGET2's entry disposition
//! does.
//!
//! Only the front of the receiver's queue is used: offsetting a payment from further
//! back would pass the receiver's earlier payments to others and could spend the
//! liquidity that would have settled them, settling less than gross settlement.

use super::settle;
use rtgsim_core::event::{EventSink, LsmAlgorithm};
use rtgsim_core::queue2::QueueKey;
use rtgsim_core::{SimState, TxId};

/// Tries to offset `tx` (just released, queued); returns how many payments settled.
pub fn offset(state: &mut SimState, tx: TxId, sink: &mut dyn EventSink) -> usize {
    let Some(payment) = state.get_transaction(tx) else {
        return 0;
    };
    let Some(key) = payment.queue2_key() else {
        return 0;
    };
    let (sender, receiver, amount) = (payment.sender, payment.receiver, i128::from(payment.amount));
    if state.cut_off(sender, receiver) {
        return 0;
    }
    let sender_available = i128::from(state.agent(sender).available_liquidity());
    let receiver_available = i128::from(state.agent(receiver).available_liquidity());
    // The receiver can pay back at most what it receives plus what it has.
    let limit = receiver_available + amount;
    let mut set: Vec<(QueueKey, TxId)> = vec![(key, tx)];
    let mut total = 0i128;
    for (back_key, back) in state.queue2().sender_queue(receiver) {
        if back.receiver != sender || total + i128::from(back.amount) > limit {
            break;
        }
        total += i128::from(back.amount);
        set.push((back_key, back.tx));
    }
    if set.len() == 1 || sender_available + total - amount < 0 {
        return 0;
    }
    settle(state, set, LsmAlgorithm::EntryOffset, sink)
}
