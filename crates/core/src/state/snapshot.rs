//! A [`SimState`] as plain data, for checkpoints: what cannot be recomputed (agents,
//! payments with their Queue 2 keys, pending deadlines, the clock, the liquidity
//! work list, the settlement epoch), without the indexes, which are rebuilt from it.
//! Restoring checks every invariant, so a snapshot that does not describe a possible
//! state is refused rather than run.

use super::{Clock, SimState, StateError};
use crate::agent::{Agent, DayFlows};
use crate::ids::{AgentId, Tick, TxId};
use crate::queue2::{CentralQueue, QueueEntry, QueueOrder};
use crate::transaction::{Transaction, TxStatus};
use serde::{Deserialize, Serialize};

/// Everything of a [`SimState`] that is not an index.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StateSnapshot {
    clock: Clock,
    agents: Vec<Agent>,
    txs: Vec<Transaction>,
    queue_order: QueueOrder,
    queue2_next_seq: u64,
    deadlines: Vec<(Tick, Vec<TxId>)>,
    liquidity_raised: Vec<AgentId>,
    day_total: DayFlows,
    settlement_epoch: u64,
}

impl SimState {
    pub fn snapshot(&self) -> StateSnapshot {
        StateSnapshot {
            clock: self.clock,
            agents: self.agents.clone(),
            txs: self.txs.clone(),
            queue_order: self.queue2.order(),
            queue2_next_seq: self.queue2.next_seq(),
            deadlines: self
                .deadlines
                .iter()
                .map(|(tick, txs)| (*tick, txs.clone()))
                .collect(),
            liquidity_raised: self.liquidity_raised.clone(),
            day_total: self.day_total,
            settlement_epoch: self.settlement_epoch,
        }
    }

    /// The state a snapshot describes, with its indexes rebuilt; refused if it breaks
    /// an invariant.
    pub fn restore(snapshot: StateSnapshot) -> Result<SimState, StateError> {
        let refuse = |message: String| StateError::Clock(format!("checkpoint: {message}"));
        let count = snapshot.agents.len();
        for (index, agent) in snapshot.agents.iter().enumerate() {
            if agent.id.index() != index {
                return Err(refuse(format!("agent {index} has id {}", agent.id.0)));
            }
        }
        let mut queue2 = CentralQueue::new(snapshot.queue_order, count);
        for (index, tx) in snapshot.txs.iter().enumerate() {
            if tx.id.index() != index || tx.sender.index() >= count || tx.receiver.index() >= count
            {
                return Err(refuse(format!(
                    "payment {index} is not what its place says"
                )));
            }
            if tx.status == TxStatus::Queued2 {
                let key = tx.queue2_key.ok_or_else(|| {
                    refuse(format!("payment {index} is in Queue 2 without a key"))
                })?;
                if key.seq() >= snapshot.queue2_next_seq {
                    return Err(refuse(format!(
                        "payment {index} has a Queue 2 key from the future"
                    )));
                }
                let entry = QueueEntry {
                    tx: tx.id,
                    receiver: tx.receiver,
                    amount: tx.amount,
                    deadline: tx.deadline_tick,
                };
                queue2.insert(tx.sender, key, entry);
            }
        }
        queue2.set_next_seq(snapshot.queue2_next_seq);
        let mut raised_flag = vec![false; count];
        for agent in &snapshot.liquidity_raised {
            match raised_flag.get_mut(agent.index()) {
                Some(flag) => *flag = true,
                None => {
                    return Err(refuse(format!(
                        "unknown agent {} in the work list",
                        agent.0
                    )));
                }
            }
        }
        let queue1_count = snapshot.agents.iter().map(|a| a.queue1.len()).sum();
        let queue1_value = snapshot.agents.iter().map(|a| a.queue1_value).sum();
        let state = SimState {
            clock: snapshot.clock,
            agents: snapshot.agents,
            txs: snapshot.txs,
            queue2,
            queue1_count,
            queue1_value,
            deadlines: snapshot.deadlines.into_iter().collect(),
            liquidity_raised: snapshot.liquidity_raised,
            raised_flag,
            day_total: snapshot.day_total,
            settlement_epoch: snapshot.settlement_epoch,
        };
        state.check_invariants().map_err(refuse)?;
        Ok(state)
    }
}
