//! Why each Queue 1 payment waits, recorded by episode.
//!
//! A held payment is decided again every tick, usually for the same reason. The log
//! records a `held` event when a payment starts to wait for a reason and when that
//! reason changes, not every tick; its end is the event that takes it out of
//! Queue 1 (`released`, `dropped`, `split`). The state keeps each held payment's
//! current reason, compactly, and compares the tick's reason with it without
//! allocating: a policy's own text is compared as text and copied only when it
//! changes.
//!
//! A payment keeps its recorded reason while it stays in Queue 1: a tick in which
//! its policy says nothing about it, or fails (which has its own `policy_error`
//! event), changes nothing.

use super::SimState;
use crate::audit::AuditGate;
use crate::decision::HoldReason;
use crate::event::{Event, EventSink};
use crate::ids::{AgentId, TxId};
use crate::policy_api::Capability;
use serde::{Deserialize, Serialize};

/// A hold reason as the state keeps it: its kind and what names it. The ticks left
/// before a deadline are not part of it (they count down every tick; the `held`
/// event records them when the hold starts).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) enum HoldMark {
    InsufficientLiquidity,
    AwaitingInflows,
    LowPriority,
    NearDeadline,
    Custom(Box<str>),
    Gated(Option<AuditGate>),
    Refused(Capability),
}

impl HoldMark {
    fn of(reason: &HoldReason) -> HoldMark {
        match reason {
            HoldReason::InsufficientLiquidity => HoldMark::InsufficientLiquidity,
            HoldReason::AwaitingInflows => HoldMark::AwaitingInflows,
            HoldReason::LowPriority => HoldMark::LowPriority,
            HoldReason::NearDeadline { .. } => HoldMark::NearDeadline,
            HoldReason::Custom(text) => HoldMark::Custom(text.as_str().into()),
            HoldReason::Gated { gate } => HoldMark::Gated(*gate),
            HoldReason::Refused { capability } => HoldMark::Refused(*capability),
        }
    }

    /// Whether `reason` is this same reason (compared without allocating).
    fn is(&self, reason: &HoldReason) -> bool {
        match (self, reason) {
            (HoldMark::InsufficientLiquidity, HoldReason::InsufficientLiquidity)
            | (HoldMark::AwaitingInflows, HoldReason::AwaitingInflows)
            | (HoldMark::LowPriority, HoldReason::LowPriority)
            | (HoldMark::NearDeadline, HoldReason::NearDeadline { .. }) => true,
            (HoldMark::Custom(kept), HoldReason::Custom(text)) => **kept == **text,
            (HoldMark::Gated(kept), HoldReason::Gated { gate }) => kept == gate,
            (HoldMark::Refused(kept), HoldReason::Refused { capability }) => kept == capability,
            _ => false,
        }
    }
}

/// Each held payment's current reason, by payment index: a lookup per held payment
/// per tick is one index, not a search.
#[derive(Debug, Clone, Default)]
pub(crate) struct HoldBook {
    marks: Vec<Option<HoldMark>>,
}

impl HoldBook {
    /// The book of `held` (ids the caller has checked against the payments).
    pub(super) fn from_list(held: Vec<(TxId, HoldMark)>) -> HoldBook {
        let mut book = HoldBook::default();
        for (tx, mark) in held {
            book.set(tx, mark);
        }
        book
    }

    fn get(&self, tx: TxId) -> Option<&HoldMark> {
        self.marks.get(tx.index()).and_then(Option::as_ref)
    }

    fn set(&mut self, tx: TxId, mark: HoldMark) {
        if tx.index() >= self.marks.len() {
            self.marks.resize(tx.index() + 1, None);
        }
        self.marks[tx.index()] = Some(mark);
    }

    fn clear(&mut self, tx: TxId) {
        if let Some(mark) = self.marks.get_mut(tx.index()) {
            *mark = None;
        }
    }

    /// The held payments and their reasons, in payment order.
    pub(super) fn iter(&self) -> impl Iterator<Item = (TxId, &HoldMark)> {
        self.marks
            .iter()
            .enumerate()
            .filter_map(|(index, mark)| Some((TxId(index as u32), mark.as_ref()?)))
    }
}

impl SimState {
    /// Whether `tx` is waiting in Queue 1 for `reason` already, as recorded: a
    /// decision to hold it for that reason starts nothing new. The release gate asks
    /// this to audit a hold once per episode, not once per tick.
    pub fn is_held_for(&self, tx: TxId, reason: &HoldReason) -> bool {
        self.holds.get(tx).is_some_and(|mark| mark.is(reason))
    }

    /// A decision to hold `tx`: recorded (a `held` event) when the payment starts to
    /// wait or waits for a new reason.
    pub(super) fn hold(
        &mut self,
        agent: AgentId,
        tx: TxId,
        reason: &HoldReason,
        sink: &mut dyn EventSink,
    ) {
        if self.is_held_for(tx, reason) {
            return;
        }
        self.holds.set(tx, HoldMark::of(reason));
        sink.record(Event::Held {
            tick: self.tick(),
            agent,
            tx,
            reason: reason.clone(),
        });
    }

    /// `tx` left Queue 1 (released, dropped or split): its hold, if any, is over.
    pub(super) fn end_hold(&mut self, tx: TxId) {
        self.holds.clear(tx);
    }
}
