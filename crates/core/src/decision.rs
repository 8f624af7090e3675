//! What a cash-manager policy can decide.

use crate::ids::TxId;
use crate::money::Cents;

/// A decision about one payment in the agent's Queue 1. A payment a policy says
/// nothing about is held.
#[derive(Debug, Clone, PartialEq)]
pub enum ReleaseDecision {
    /// Release the whole payment to Queue 2.
    SubmitFull { tx: TxId },
    /// Release `amount` of a divisible payment now; the rest stays in Queue 1 as a
    /// new part with the same deadline and priority.
    SubmitPartial { tx: TxId, amount: Cents },
    /// Split a divisible payment into `parts` near-equal parts and release them all.
    Split { tx: TxId, parts: u32 },
    /// Keep the payment in Queue 1 and decide again next tick.
    Hold { tx: TxId, reason: HoldReason },
    /// Remove the payment without paying it (a deadline penalty applies).
    Drop { tx: TxId },
}

impl ReleaseDecision {
    /// The payment the decision is about.
    pub fn tx(&self) -> TxId {
        match self {
            ReleaseDecision::SubmitFull { tx }
            | ReleaseDecision::SubmitPartial { tx, .. }
            | ReleaseDecision::Split { tx, .. }
            | ReleaseDecision::Hold { tx, .. }
            | ReleaseDecision::Drop { tx } => *tx,
        }
    }
}

/// Why a payment is held.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum HoldReason {
    /// Sending now would cut into the liquidity the policy wants to keep.
    InsufficientLiquidity,
    /// Waiting for incoming payments.
    AwaitingInflows,
    /// Others are more urgent.
    LowPriority,
    /// Not yet urgent; `ticks_remaining` until the deadline.
    NearDeadline { ticks_remaining: i64 },
    /// A policy's own reason.
    Custom(String),
}

/// A decision about collateral, taken before and after the payment decisions.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum CollateralDecision {
    /// Post up to `amount` more collateral (limited by the remaining capacity).
    Post { amount: Cents },
    /// Withdraw `amount` of posted collateral, unless the credit it backs is in use.
    Withdraw { amount: Cents },
    /// Leave collateral as it is.
    #[default]
    Hold,
}
