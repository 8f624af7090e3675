//! Why the state refused a change. Each refusal is a variant with its figures, so
//! callers match on what went wrong; the messages (`Display`) are the ones users see.

use super::clock::ClockError;
use super::invariants::InvariantViolation;
use super::snapshot::CheckpointError;
use crate::ids::{AgentId, Tick, TxId};
use crate::limits::{MAX_PRIORITY, MAX_TRANSACTIONS};
use crate::money::{Cents, MAX_MONEY_CENTS};
use thiserror::Error;

/// Errors from building or changing the state with values the engine cannot hold.
///
/// The wrapped errors are part of the message, not a `source()`: an error chain
/// printed in full shows each of them once.
#[derive(Debug, Error, Clone, PartialEq, Eq)]
pub enum StateError {
    #[error("invalid clock: {0}")]
    Clock(ClockError),
    #[error("agent {agent}: {message}")]
    Agent { agent: String, message: String },
    #[error("invalid payment: {0}")]
    Payment(PaymentError),
    #[error("the run created more than {MAX_TRANSACTIONS} transactions")]
    TooManyTransactions,
    /// A checkpoint that does not describe a state this engine could have reached.
    #[error("invalid checkpoint: {0}")]
    Checkpoint(CheckpointError),
}

impl From<ClockError> for StateError {
    fn from(error: ClockError) -> Self {
        StateError::Clock(error)
    }
}

impl From<PaymentError> for StateError {
    fn from(error: PaymentError) -> Self {
        StateError::Payment(error)
    }
}

impl From<CheckpointError> for StateError {
    fn from(error: CheckpointError) -> Self {
        StateError::Checkpoint(error)
    }
}

impl From<InvariantViolation> for StateError {
    fn from(violation: InvariantViolation) -> Self {
        StateError::Checkpoint(CheckpointError::Invariant(violation))
    }
}

/// A new payment the state refuses.
#[derive(Debug, Error, Clone, Copy, PartialEq, Eq)]
pub enum PaymentError {
    #[error("unknown agent")]
    UnknownAgent { sender: AgentId, receiver: AgentId },
    #[error("sender and receiver are the same agent")]
    SameAgent(AgentId),
    #[error("amount {amount} is outside 1..={MAX_MONEY_CENTS}")]
    Amount { amount: Cents },
    #[error("priority {priority} is above {MAX_PRIORITY}")]
    Priority { priority: u8 },
    #[error("deadline {deadline_tick} is before arrival {arrival_tick}")]
    DeadlineBeforeArrival {
        deadline_tick: Tick,
        arrival_tick: Tick,
    },
}

/// Why a set of payments was not settled together.
#[derive(Debug, Error, Clone, PartialEq, Eq)]
pub enum SetRejected {
    #[error("{0} is not waiting in Queue 2")]
    NotQueued(TxId),
    #[error("{0} appears twice in the set")]
    Duplicate(TxId),
    #[error("{agent} cannot cover its net position of {net} cents")]
    NotCovered { agent: AgentId, net: i128 },
    #[error("the set is empty")]
    Empty,
    #[error("{0} is disconnected")]
    Disconnected(AgentId),
}
