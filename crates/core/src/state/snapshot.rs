//! A [`SimState`] as plain data, for checkpoints: what cannot be recomputed (agents,
//! payments with their Queue 2 keys, pending deadlines, the clock, the liquidity
//! work list, the settlement epoch), without the indexes, which are rebuilt from it.
//! Restoring checks every invariant, so a snapshot that does not describe a possible
//! state is refused rather than run.

use super::holds::{HoldBook, HoldMark};
use super::invariants::InvariantViolation;
use super::shocks::{ExternalFlows, MAX_EXTERNAL_FLOW_CENTS};
use super::{Clock, ClockError, SimState, StateError};
use crate::agent::{Agent, DayFlows};
use crate::ids::{AgentId, Tick, TxId};
use crate::limits::MAX_AGENTS;
use crate::money::{Cents, MAX_MONEY_CENTS};
use crate::queue2::{CentralQueue, QueueEntry, QueueOrder};
use crate::transaction::{Transaction, TxStatus};
use serde::{Deserialize, Serialize};
use std::collections::HashSet;
use thiserror::Error;

/// Why a snapshot was refused: it does not describe a state this engine could have
/// reached (a checkpoint of another version, or a damaged one).
#[derive(Debug, Error, Clone, PartialEq, Eq)]
pub enum CheckpointError {
    #[error("{0}")]
    Clock(ClockError),
    #[error("tick {tick} is outside the run of {total_ticks} ticks")]
    TickOutsideRun { tick: Tick, total_ticks: Tick },
    #[error("agent {index} has id {}", id.0)]
    AgentId { index: usize, id: AgentId },
    #[error("agent {index} holds an amount outside the engine's bounds")]
    AgentAmounts { index: usize },
    #[error("the disconnected agents are not one flag per agent")]
    Disconnected,
    #[error("the money injected or withdrawn is outside the engine's bounds")]
    ExternalFlows,
    #[error("payment {index} is not what its place says")]
    PaymentPlace { index: usize },
    #[error("payment {index} has an amount outside 1..={MAX_MONEY_CENTS}")]
    PaymentAmount { index: usize },
    #[error("payment {index} is in Queue 2 without a key")]
    Queue2WithoutKey { index: usize },
    #[error("payment {index} has a Queue 2 key from the future")]
    Queue2KeyFromFuture { index: usize },
    #[error("payment {index} has the Queue 2 key of another payment")]
    Queue2KeyTwice { index: usize },
    #[error("unknown agent {} in the work list", .0.0)]
    UnknownAgentInWorkList(AgentId),
    #[error("the deadline list names {0}, which does not exist")]
    UnknownDeadlinePayment(TxId),
    #[error("the hold list names {0}, which does not exist")]
    UnknownHeldPayment(TxId),
    #[error("{0}")]
    Invariant(InvariantViolation),
}

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
    /// The held Queue 1 payments' current hold reasons, in payment order (the
    /// invariants, checked on restore, refuse one on a payment not in Queue 1).
    holds: Vec<(TxId, HoldMark)>,
    #[serde(default)]
    deferred_crediting: bool,
    external: ExternalFlows,
    disconnected: Vec<bool>,
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
            holds: self
                .holds
                .iter()
                .map(|(tx, mark)| (tx, mark.clone()))
                .collect(),
            deferred_crediting: self.deferred_crediting,
            external: self.external,
            disconnected: self.disconnected.clone(),
        }
    }

    /// The state a snapshot describes, with its indexes rebuilt; refused if it holds
    /// a value the engine cannot hold or breaks an invariant.
    pub fn restore(snapshot: StateSnapshot) -> Result<SimState, StateError> {
        check_clock_and_agents(&snapshot)?;
        let clock = snapshot.clock;
        let count = snapshot.agents.len();
        let mut queue2 = CentralQueue::new(snapshot.queue_order, count);
        let mut queue2_seqs = HashSet::new();
        for (index, tx) in snapshot.txs.iter().enumerate() {
            if tx.id.index() != index || tx.sender.index() >= count || tx.receiver.index() >= count
            {
                return Err(CheckpointError::PaymentPlace { index }.into());
            }
            if !(1..=MAX_MONEY_CENTS).contains(&tx.amount) {
                return Err(CheckpointError::PaymentAmount { index }.into());
            }
            if tx.status == TxStatus::Queued2 {
                let key = tx
                    .queue2_key
                    .ok_or(CheckpointError::Queue2WithoutKey { index })?;
                if key.seq() >= snapshot.queue2_next_seq {
                    return Err(CheckpointError::Queue2KeyFromFuture { index }.into());
                }
                // Keys are unique (their sequence numbers count releases); the queue
                // assumes it.
                if !queue2_seqs.insert(key.seq()) {
                    return Err(CheckpointError::Queue2KeyTwice { index }.into());
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
                None => return Err(CheckpointError::UnknownAgentInWorkList(*agent).into()),
            }
        }
        let mut deadline_txs = snapshot.deadlines.iter().flat_map(|(_, txs)| txs);
        if let Some(&tx) = deadline_txs.find(|tx| tx.index() >= snapshot.txs.len()) {
            return Err(CheckpointError::UnknownDeadlinePayment(tx).into());
        }
        if let Some(&(tx, _)) = snapshot
            .holds
            .iter()
            .find(|(tx, _)| tx.index() >= snapshot.txs.len())
        {
            return Err(CheckpointError::UnknownHeldPayment(tx).into());
        }
        let queue1_count = snapshot.agents.iter().map(|a| a.queue1.len()).sum();
        let queue1_value = snapshot.agents.iter().map(|a| a.queue1_value).sum();
        let state = SimState {
            clock,
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
            deferred_crediting: snapshot.deferred_crediting,
            holds: HoldBook::from_list(snapshot.holds),
            external: snapshot.external,
            disconnected_count: snapshot.disconnected.iter().filter(|d| **d).count(),
            disconnected: snapshot.disconnected,
        };
        state.check_invariants()?;
        Ok(state)
    }
}

/// The clock, the money shocks moved and every agent's figures, within what a run
/// can reach.
fn check_clock_and_agents(snapshot: &StateSnapshot) -> Result<(), CheckpointError> {
    let clock = snapshot.clock;
    Clock::new(clock.ticks_per_day(), clock.num_days()).map_err(CheckpointError::Clock)?;
    if clock.tick() > clock.last_tick() {
        return Err(CheckpointError::TickOutsideRun {
            tick: clock.tick(),
            total_ticks: clock.total_ticks(),
        });
    }
    let flows = snapshot.external;
    if !(0..=MAX_EXTERNAL_FLOW_CENTS).contains(&flows.injected)
        || !(0..=MAX_EXTERNAL_FLOW_CENTS).contains(&flows.withdrawn)
        || !(0..=MAX_EXTERNAL_FLOW_CENTS).contains(&flows.transferred_beyond_limits)
    {
        return Err(CheckpointError::ExternalFlows);
    }
    if snapshot.disconnected.len() != snapshot.agents.len() {
        return Err(CheckpointError::Disconnected);
    }
    for (index, agent) in snapshot.agents.iter().enumerate() {
        if agent.id.index() != index {
            return Err(CheckpointError::AgentId {
                index,
                id: agent.id,
            });
        }
        // Pending credit exists only under deferred crediting.
        if !amounts_in_bounds(agent) || (agent.pending_credit != 0 && !snapshot.deferred_crediting)
        {
            return Err(CheckpointError::AgentAmounts { index });
        }
    }
    Ok(())
}

/// The largest balance any agent can reach: every opening balance (each at most
/// [`MAX_MONEY_CENTS`]) plus every other agent's credit (an unsecured cap and
/// collateral, each at most [`MAX_MONEY_CENTS`]), at most [`MAX_AGENTS`] agents, plus
/// what shocks may inject and the emergency credit withdrawals and transfers may
/// need (each at most [`MAX_EXTERNAL_FLOW_CENTS`], as much again as the openings).
/// Inside `i64`, so the state's sums of balances and credit never overflow.
const MAX_BALANCE_CENTS: Cents = MAX_AGENTS as Cents * 6 * MAX_MONEY_CENTS;

/// Whether an agent's amounts are within what a scenario can give and a run reach.
fn amounts_in_bounds(agent: &Agent) -> bool {
    let limit = |v: Cents| (0..=MAX_MONEY_CENTS).contains(&v);
    (-MAX_MONEY_CENTS..=MAX_MONEY_CENTS).contains(&agent.opening_balance)
        && (-MAX_BALANCE_CENTS..=MAX_BALANCE_CENTS).contains(&agent.balance)
        && limit(agent.unsecured_cap)
        && limit(agent.collateral_capacity)
        && limit(agent.posted_collateral)
        && limit(agent.liquidity_buffer)
        && agent.collateral_haircut_bps <= 10_000
        && (0..=MAX_BALANCE_CENTS).contains(&agent.pending_credit)
        && (0..=MAX_BALANCE_CENTS).contains(&agent.eod_loan)
        && (0..=MAX_BALANCE_CENTS).contains(&agent.emergency_credit)
}
