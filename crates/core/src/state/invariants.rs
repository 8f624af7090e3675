//! The state's invariants, checked in full. Used by tests (including the property
//! tests over random scenarios) and by debug builds of the simulator.

use crate::agent::Agent;
use crate::ids::TxId;
use super::SimState;
use crate::transaction::{Transaction, TxStatus};

pub(super) fn check(state: &SimState, agents: &[Agent], txs: &[Transaction]) -> Result<(), String> {
    let opening: i128 = agents.iter().map(|a| i128::from(a.opening_balance())).sum();
    if state.total_balance() != opening {
        return Err(format!(
            "conservation: balances sum to {} but opened at {opening}",
            state.total_balance()
        ));
    }
    for agent in agents {
        if agent.balance() < -agent.credit_limit() {
            return Err(format!(
                "{}: balance {} below minus its credit limit {}",
                agent.name(),
                agent.balance(),
                agent.credit_limit()
            ));
        }
        if agent.posted_collateral() > agent.collateral_capacity() || agent.posted_collateral() < 0
        {
            return Err(format!(
                "{}: posted collateral outside capacity",
                agent.name()
            ));
        }
    }
    check_places(state, agents, txs)?;
    check_splits(txs)
}

/// Every payment is in exactly one place, and the running totals agree.
fn check_places(state: &SimState, agents: &[Agent], txs: &[Transaction]) -> Result<(), String> {
    let mut in_queue1 = vec![0u8; txs.len()];
    let mut in_queue2 = vec![0u8; txs.len()];
    let (mut q1_count, mut q1_value) = (0usize, 0i128);
    for agent in agents {
        let mut value = 0i128;
        for &id in agent.queue1() {
            let tx = txs
                .get(id.index())
                .ok_or(format!("{id} in Queue 1 does not exist"))?;
            if tx.sender != agent.id() {
                return Err(format!(
                    "{id} is in the Queue 1 of {}, not its sender",
                    agent.name()
                ));
            }
            in_queue1[id.index()] += 1;
            value += i128::from(tx.amount);
        }
        if value != agent.queue1_value() {
            return Err(format!(
                "{}: Queue 1 value {} != total {value}",
                agent.name(),
                agent.queue1_value()
            ));
        }
        q1_count += agent.queue1().len();
        q1_value += value;
        let (mut count, mut value) = (0usize, 0i128);
        for (_, entry) in state.queue2().sender_queue(agent.id()) {
            let tx = &txs[entry.tx.index()];
            if (tx.receiver, tx.amount) != (entry.receiver, entry.amount) {
                return Err(format!(
                    "{}: Queue 2 entry disagrees with the payment",
                    entry.tx
                ));
            }
            if !state
                .queue2()
                .pair_queue(agent.id(), entry.receiver)
                .any(|(_, e)| e == entry)
            {
                return Err(format!("{} is missing from its pair queue", entry.tx));
            }
            in_queue2[entry.tx.index()] += 1;
            count += 1;
            value += i128::from(entry.amount);
        }
        let in_pairs: usize = state
            .queue2()
            .receivers_of(agent.id())
            .map(|receiver| state.queue2().pair_queue(agent.id(), receiver).count())
            .sum();
        if in_pairs != count {
            return Err(format!(
                "{}: the pair index holds {in_pairs} of {count} payments",
                agent.name()
            ));
        }
        if count != agent.queue2_count() || value != agent.queue2_value() {
            return Err(format!(
                "{}: Queue 2 totals disagree with its queue",
                agent.name()
            ));
        }
    }
    if q1_count != state.queue1_count() || q1_value != state.queue1_value() {
        return Err("system Queue 1 totals disagree with the queues".into());
    }
    for tx in txs {
        let i = tx.id.index();
        let expected = match tx.status {
            TxStatus::Queued1 => (1, 0),
            TxStatus::Queued2 => (0, 1),
            _ => (0, 0),
        };
        if (in_queue1[i], in_queue2[i]) != expected {
            return Err(format!(
                "{} has status {:?} but is {} times in Queue 1 and {} times in Queue 2",
                tx.id, tx.status, in_queue1[i], in_queue2[i]
            ));
        }
        if tx.settled_amount < 0 || tx.settled_amount > tx.amount {
            return Err(format!(
                "{}: settled {} of {}",
                tx.id, tx.settled_amount, tx.amount
            ));
        }
    }
    Ok(())
}

/// A split payment's parts sum to it, and each original payment's settled amount is
/// the sum of its settled parts.
fn check_splits(txs: &[Transaction]) -> Result<(), String> {
    let mut parts_sum = vec![0i128; txs.len()];
    let mut settled_under_root = vec![0i128; txs.len()];
    for tx in txs {
        if let Some(parent) = tx.parent {
            parts_sum[parent.index()] += i128::from(tx.amount);
        }
        if tx.status == TxStatus::Settled {
            settled_under_root[tx.root.index()] += i128::from(tx.amount);
        }
    }
    for tx in txs {
        let i = tx.id.index();
        if tx.status == TxStatus::Split && parts_sum[i] != i128::from(tx.amount) {
            return Err(format!(
                "{}: parts sum to {} not {}",
                tx.id, parts_sum[i], tx.amount
            ));
        }
        if tx.root == TxId(i as u32) && settled_under_root[i] != i128::from(tx.settled_amount) {
            return Err(format!(
                "{}: settled amount {} but its parts settled {}",
                tx.id, tx.settled_amount, settled_under_root[i]
            ));
        }
    }
    Ok(())
}
