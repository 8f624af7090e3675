//! The seam between the engine and a bank's cash manager.

use crate::decision::{CollateralDecision, LiquidityShare, ReleaseDecision};
use crate::ids::TxId;
use crate::view::PolicyView;
use thiserror::Error;

/// A policy call that failed. The engine holds everything the call would have
/// decided and records the message in the event log.
#[derive(Debug, Error, Clone, PartialEq, Eq)]
#[error("{message}")]
pub struct PolicyError {
    pub message: String,
}

impl PolicyError {
    pub fn new(message: impl Into<String>) -> Self {
        PolicyError {
            message: message.into(),
        }
    }
}

/// One step of a policy's account of its decisions.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TraceEntry {
    /// The payment the entry is about, if any.
    pub tx: Option<TxId>,
    pub text: String,
}

/// A bank's cash-manager policy: decides, every tick, which payments in its Queue 1
/// to release to the central queue, and how much collateral to post.
///
/// Every call gets a fresh read-only [`PolicyView`]. A policy keeps whatever state it
/// likes between calls; [`CashManagerPolicy::state`] and
/// [`CashManagerPolicy::restore_state`] let the engine persist it across days and runs.
pub trait CashManagerPolicy: Send {
    /// Decides about the payments in Queue 1. A payment the result does not mention is
    /// held. An `Err` holds everything.
    fn evaluate_queue(
        &mut self,
        view: &PolicyView<'_>,
    ) -> Result<Vec<ReleaseDecision>, PolicyError>;

    /// Called before payment decisions; Queue 1 is visible (`queue1_liquidity_gap`).
    fn strategic_collateral(
        &mut self,
        _view: &PolicyView<'_>,
    ) -> Result<CollateralDecision, PolicyError> {
        Ok(CollateralDecision::Hold)
    }

    /// Called after settlement and the LSM, at the end of the tick.
    fn end_of_tick_collateral(
        &mut self,
        _view: &PolicyView<'_>,
    ) -> Result<CollateralDecision, PolicyError> {
        Ok(CollateralDecision::Hold)
    }

    /// Called at each day's opening, before the day's arrivals (and only for an agent
    /// the scenario gives no fixed `initial_liquidity`): the share of its collateral
    /// capacity to have posted for the day. `None`, the default, keeps what is
    /// posted.
    fn initial_liquidity(
        &mut self,
        _view: &PolicyView<'_>,
    ) -> Result<Option<LiquidityShare>, PolicyError> {
        Ok(None)
    }

    /// How the last call reached its decisions, when the policy traces (opt-in); the
    /// engine records each entry as a `policy_trace` event. Taking the trace clears it.
    fn take_trace(&mut self) -> Vec<TraceEntry> {
        Vec::new()
    }

    /// The policy's state as JSON, persisted at the end of each day.
    fn state(&self) -> Option<serde_json::Value> {
        None
    }

    /// Restores a state produced by [`CashManagerPolicy::state`].
    fn restore_state(&mut self, _state: serde_json::Value) -> Result<(), PolicyError> {
        Ok(())
    }
}
