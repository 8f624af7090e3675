//! What a cash-manager policy can decide.

use crate::audit::AuditGate;
use crate::ids::TxId;
use crate::money::Cents;
use crate::policy_api::Capability;
use std::sync::Arc;

/// A decision about one of the agent's payments: one in Queue 1, or, for the actions
/// that say so, one waiting in Queue 2. A payment a policy says nothing about stays
/// where it is.
#[derive(Debug, Clone, PartialEq)]
pub struct ReleaseDecision {
    pub tx: TxId,
    pub action: ReleaseAction,
    /// What in the policy produced the decision (for a decision tree, the action
    /// node's id); carried into the event log.
    pub source: Option<Arc<str>>,
}

/// What to do with a payment.
#[derive(Debug, Clone, PartialEq)]
pub enum ReleaseAction {
    /// Release the whole payment to Queue 2, with a new priority if given.
    Submit { priority: Option<u8> },
    /// Release `amount` of a divisible payment now; the rest stays in Queue 1 as a
    /// new part with the same deadline and priority. With a priority, the payment
    /// takes it first, so both parts have it.
    SubmitPartial { amount: Cents, priority: Option<u8> },
    /// Split a divisible payment into `parts` near-equal parts and release them all.
    Split { parts: u32 },
    /// Keep the payment in Queue 1 and decide again next tick.
    Hold { reason: HoldReason },
    /// Remove the payment without paying it (a deadline penalty applies).
    Drop,
    /// Give a Queue 1 payment a new priority; it stays in Queue 1.
    Reprioritize { priority: u8 },
    /// Take a payment waiting in Queue 2 back to the end of Queue 1.
    WithdrawFromQueue2,
    /// Give a payment waiting in Queue 2 a new priority; it rejoins the queue as if
    /// released now.
    ResubmitToQueue2 { priority: u8 },
}

impl ReleaseAction {
    /// Whether the action is about a payment waiting in Queue 2 (the others are about
    /// Queue 1 payments).
    pub fn is_for_queue2(&self) -> bool {
        matches!(
            self,
            ReleaseAction::WithdrawFromQueue2 | ReleaseAction::ResubmitToQueue2 { .. }
        )
    }
}

/// Why a share or a part of a payment cannot be released.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PartError {
    #[error("a share must be a number above 0 and at most 1, not {0}")]
    BadShare(String),
    #[error("a part must be from 1 cent to the payment's {amount} cents, not {requested}")]
    BadAmount { amount: Cents, requested: Cents },
    /// Only the whole of a payment that is not divisible can be released.
    #[error(
        "the payment is not divisible: only the whole of it (share 1, or its {amount} cents) can be released"
    )]
    NotDivisible { amount: Cents },
}

impl ReleaseAction {
    /// The release of `share` (above 0, at most 1) of a Queue 1 payment of `amount`
    /// cents, the rest staying in Queue 1: the share is taken in parts per million
    /// (as [`LiquidityShare`]), the part is rounded down to a cent and is at least
    /// one; a part that is the whole payment is a whole release. A payment that is
    /// not `divisible` can only be released whole (share 1).
    pub fn share_of(
        amount: Cents,
        divisible: bool,
        share: f64,
        priority: Option<u8>,
    ) -> Result<ReleaseAction, PartError> {
        let exact = LiquidityShare::from_fraction(share)
            .filter(|_| share > 0.0)
            .ok_or_else(|| PartError::BadShare(share.to_string()))?;
        if !divisible && exact.ppm() < PPM_PER_WHOLE {
            return Err(PartError::NotDivisible { amount });
        }
        ReleaseAction::part_of(amount, divisible, exact.of(amount).max(1), priority)
    }

    /// The release of `part` cents of a Queue 1 payment of `amount` cents, the rest
    /// staying in Queue 1; the whole payment is a whole release.
    pub fn part_of(
        amount: Cents,
        divisible: bool,
        part: Cents,
        priority: Option<u8>,
    ) -> Result<ReleaseAction, PartError> {
        if part < 1 || part > amount {
            return Err(PartError::BadAmount {
                amount,
                requested: part,
            });
        }
        if part == amount {
            return Ok(ReleaseAction::Submit { priority });
        }
        if !divisible {
            return Err(PartError::NotDivisible { amount });
        }
        Ok(ReleaseAction::SubmitPartial {
            amount: part,
            priority,
        })
    }
}

impl ReleaseDecision {
    pub fn new(tx: TxId, action: ReleaseAction) -> Self {
        ReleaseDecision {
            tx,
            action,
            source: None,
        }
    }

    /// Release the whole payment.
    pub fn submit(tx: TxId) -> Self {
        ReleaseDecision::new(tx, ReleaseAction::Submit { priority: None })
    }

    /// Release part of a divisible payment; the rest stays in Queue 1.
    pub fn submit_partial(tx: TxId, amount: Cents) -> Self {
        ReleaseDecision::new(
            tx,
            ReleaseAction::SubmitPartial {
                amount,
                priority: None,
            },
        )
    }

    /// Split a divisible payment and release the parts.
    pub fn split(tx: TxId, parts: u32) -> Self {
        ReleaseDecision::new(tx, ReleaseAction::Split { parts })
    }

    pub fn hold(tx: TxId, reason: HoldReason) -> Self {
        ReleaseDecision::new(tx, ReleaseAction::Hold { reason })
    }

    /// Remove the payment unpaid.
    pub fn drop_payment(tx: TxId) -> Self {
        ReleaseDecision::new(tx, ReleaseAction::Drop)
    }

    /// The same decision, marked as produced by `source`.
    pub fn from_source(mut self, source: Arc<str>) -> Self {
        self.source = Some(source);
        self
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
    /// The release gate held the release; `gate` is the one that blocked it (its
    /// audit record says why).
    Gated { gate: Option<AuditGate> },
    /// RBAC rules do not let the agent's principal take this action.
    Refused { capability: Capability },
}

/// The reason as the log's `held` event writes it. A policy's own reason is its
/// text; the others read as plain words, so that a script giving the words of a
/// built-in reason ("insufficient liquidity") logs what the built-in logs.
impl std::fmt::Display for HoldReason {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            HoldReason::InsufficientLiquidity => f.write_str("insufficient liquidity"),
            HoldReason::AwaitingInflows => f.write_str("awaiting inflows"),
            HoldReason::LowPriority => f.write_str("low priority"),
            HoldReason::NearDeadline { ticks_remaining } => {
                write!(
                    f,
                    "not yet urgent ({ticks_remaining} ticks to the deadline)"
                )
            }
            HoldReason::Custom(text) => f.write_str(text),
            HoldReason::Gated { gate: Some(gate) } => {
                write!(f, "held by the release gate: {}", gate.as_str())
            }
            HoldReason::Gated { gate: None } => f.write_str("held by the release gate"),
            HoldReason::Refused { capability } => {
                write!(f, "refused by RBAC: {}", capability.name())
            }
        }
    }
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

/// A day's initial liquidity: the share of its collateral capacity an agent has
/// posted at the day's opening, exact in parts per million (0 to 1,000,000), so
/// that a share on a 0.01 grid of a capacity in whole cents is a whole number of
/// cents.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Default)]
pub struct LiquidityShare {
    ppm: u32,
}

/// Parts per million in a whole share.
const PPM_PER_WHOLE: u32 = 1_000_000;

impl LiquidityShare {
    /// The share nearest `fraction` in parts per million; `None` outside 0 to 1 or
    /// when not finite.
    pub fn from_fraction(fraction: f64) -> Option<LiquidityShare> {
        if !fraction.is_finite() || !(0.0..=1.0).contains(&fraction) {
            return None;
        }
        // At most 10^6: exact in f64 and u32.
        let ppm = libm::round(fraction * f64::from(PPM_PER_WHOLE)) as u32;
        Some(LiquidityShare { ppm })
    }

    pub fn ppm(self) -> u32 {
        self.ppm
    }

    pub fn as_fraction(self) -> f64 {
        f64::from(self.ppm) / f64::from(PPM_PER_WHOLE)
    }

    /// The share of `capacity`, rounded down to a cent (never more than the
    /// capacity).
    pub fn of(self, capacity: Cents) -> Cents {
        let part = i128::from(capacity.max(0)) * i128::from(self.ppm) / i128::from(PPM_PER_WHOLE);
        // At most `capacity`, a Cents.
        Cents::try_from(part).unwrap_or(Cents::MAX)
    }
}
