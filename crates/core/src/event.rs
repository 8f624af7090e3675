//! The event log's vocabulary. Every change to the simulation is recorded as one
//! [`Event`], in the order it happens; metrics, stored runs and the determinism hash
//! are all derived from this sequence and from nothing else.

use crate::audit::{AuditDecision, AuditGate, AuditKind};
use crate::ids::{AgentId, Tick, TxId};
use crate::money::Cents;
use std::sync::Arc;

/// How a payment settled on its own (gross).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SettleRoute {
    /// On release, without waiting in Queue 2.
    Immediate,
    /// From Queue 2, after waiting for liquidity.
    Queue,
}

/// A liquidity-saving algorithm that settled a set of payments together.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, serde::Serialize, serde::Deserialize,
)]
#[serde(rename_all = "snake_case")]
pub enum LsmAlgorithm {
    Bilateral,
    Multilateral,
    Cycle,
    EntryOffset,
}

/// Which of a policy's entry points was called.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PolicyCall {
    EvaluateQueue,
    StrategicCollateral,
    EndOfTickCollateral,
}

/// When a collateral decision was taken.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CollateralPhase {
    Strategic,
    EndOfTick,
}

/// Why a deadline penalty was charged.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PenaltyCause {
    /// The payment was still unsettled when its deadline tick ended.
    Overdue,
    /// The sender's policy dropped the payment before it was paid.
    Dropped,
}

/// One thing that happened.
#[derive(Debug, Clone, PartialEq)]
pub enum Event {
    /// An agent's starting position (tick 0, before anything else).
    AgentOpened {
        agent: AgentId,
        balance: Cents,
        unsecured_cap: Cents,
        posted_collateral: Cents,
        collateral_capacity: Cents,
    },
    /// A client payment order reached its sender's Queue 1.
    Arrival {
        tick: Tick,
        tx: TxId,
        sender: AgentId,
        receiver: AgentId,
        amount: Cents,
        deadline: Tick,
        priority: u8,
        divisible: bool,
    },
    /// A payment left Queue 1 for settlement (`source`: what in the policy decided it).
    Released {
        tick: Tick,
        agent: AgentId,
        tx: TxId,
        source: Option<Arc<str>>,
    },
    /// A payment in Queue 1 was replaced by parts (new payments, in Queue 1 until
    /// released) that sum to it.
    Split {
        tick: Tick,
        agent: AgentId,
        tx: TxId,
        parts: Vec<(TxId, Cents)>,
        friction_cost: Cents,
        source: Option<Arc<str>>,
    },
    /// A payment was removed from Queue 1 unpaid.
    Dropped {
        tick: Tick,
        agent: AgentId,
        tx: TxId,
        amount: Cents,
        source: Option<Arc<str>>,
    },
    /// A payment's priority changed (in Queue 1, or on release).
    Reprioritized {
        tick: Tick,
        agent: AgentId,
        tx: TxId,
        priority: u8,
        source: Option<Arc<str>>,
    },
    /// A payment waiting in Queue 2 was taken back to Queue 1.
    WithdrawnFromQueue2 {
        tick: Tick,
        agent: AgentId,
        tx: TxId,
        source: Option<Arc<str>>,
    },
    /// A payment waiting in Queue 2 got a new priority and rejoined the queue.
    Resubmitted {
        tick: Tick,
        agent: AgentId,
        tx: TxId,
        priority: u8,
        source: Option<Arc<str>>,
    },
    /// A policy's account of how it reached a decision (opt-in tracing).
    PolicyTrace {
        tick: Tick,
        agent: AgentId,
        tx: Option<TxId>,
        trace: String,
    },
    /// A payment settled gross.
    Settled {
        tick: Tick,
        tx: TxId,
        sender: AgentId,
        receiver: AgentId,
        amount: Cents,
        route: SettleRoute,
    },
    /// A liquidity-saving algorithm settled these queued payments at once.
    SetSettled {
        tick: Tick,
        algorithm: LsmAlgorithm,
        txs: Vec<TxId>,
        value: Cents,
    },
    /// Collateral was posted (`posted` may be less than `requested` when capacity ran out).
    CollateralPosted {
        tick: Tick,
        agent: AgentId,
        phase: CollateralPhase,
        requested: Cents,
        posted: Cents,
    },
    /// Collateral was withdrawn.
    CollateralWithdrawn {
        tick: Tick,
        agent: AgentId,
        phase: CollateralPhase,
        amount: Cents,
    },
    /// A collateral request could not be carried out at all.
    CollateralRefused {
        tick: Tick,
        agent: AgentId,
        phase: CollateralPhase,
        requested: Cents,
        reason: String,
    },
    /// A policy call failed; everything it would have decided was held instead.
    PolicyError {
        tick: Tick,
        agent: AgentId,
        call: PolicyCall,
        message: String,
    },
    /// The one-off deadline penalty on an original payment.
    DeadlinePenalty {
        tick: Tick,
        agent: AgentId,
        tx: TxId,
        cause: PenaltyCause,
        penalty: Cents,
    },
    /// Costs that accrue per tick, for one agent (only when any is non-zero).
    TickCosts {
        tick: Tick,
        agent: AgentId,
        overdraft: Cents,
        delay: Cents,
        collateral: Cents,
    },
    /// The end-of-day penalty on an original payment still unsettled at the close.
    EodPenalty {
        tick: Tick,
        agent: AgentId,
        tx: TxId,
        penalty: Cents,
    },
    /// The last tick of `day` ended.
    DayEnded { tick: Tick, day: u32 },
    /// A governance audit record: a gate decision that was not ALLOW, a latch, an
    /// operator's action. Boxed: it is rare and large, and every other event moves
    /// through the sink by value.
    Audit { tick: Tick, audit: Box<AuditEvent> },
}

/// What an [`Event::Audit`] carries.
#[derive(Debug, Clone, PartialEq)]
pub struct AuditEvent {
    pub agent: Option<AgentId>,
    pub tx: Option<TxId>,
    pub seq: u64,
    /// What the record is about: a gate decision, a latch, RBAC, an operator's event.
    pub kind: AuditKind,
    /// What was decided: a verdict, an RBAC effect, or the change's code.
    pub decision: AuditDecision,
    /// The gate that blocked: of a gate decision, or of the HALT that set a latch.
    pub gate: Option<AuditGate>,
    /// The value of the payment judged, for a gate decision.
    pub amount: Option<Cents>,
    /// The record's canonical JSON body (which holds `seq` and `prev_hash`).
    pub record: std::sync::Arc<str>,
    pub prev_hash: std::sync::Arc<str>,
    /// The SHA-256 of `record`, chaining the records.
    pub hash: std::sync::Arc<str>,
}

impl Event {
    /// The tick the event happened in.
    pub fn tick(&self) -> Tick {
        match self {
            Event::AgentOpened { .. } => 0,
            Event::Arrival { tick, .. }
            | Event::Released { tick, .. }
            | Event::Split { tick, .. }
            | Event::Dropped { tick, .. }
            | Event::Reprioritized { tick, .. }
            | Event::WithdrawnFromQueue2 { tick, .. }
            | Event::Resubmitted { tick, .. }
            | Event::PolicyTrace { tick, .. }
            | Event::Settled { tick, .. }
            | Event::SetSettled { tick, .. }
            | Event::CollateralPosted { tick, .. }
            | Event::CollateralWithdrawn { tick, .. }
            | Event::CollateralRefused { tick, .. }
            | Event::PolicyError { tick, .. }
            | Event::DeadlinePenalty { tick, .. }
            | Event::TickCosts { tick, .. }
            | Event::EodPenalty { tick, .. }
            | Event::DayEnded { tick, .. }
            | Event::Audit { tick, .. } => *tick,
        }
    }
}

impl Event {
    /// The event's name in the event log.
    pub fn kind(&self) -> &'static str {
        match self {
            Event::AgentOpened { .. } => "agent_opened",
            Event::Arrival { .. } => "arrival",
            Event::Released { .. } => "released",
            Event::Split { .. } => "split",
            Event::Dropped { .. } => "dropped",
            Event::Reprioritized { .. } => "reprioritized",
            Event::WithdrawnFromQueue2 { .. } => "withdrawn_from_queue2",
            Event::Resubmitted { .. } => "resubmitted",
            Event::PolicyTrace { .. } => "policy_trace",
            Event::Settled { .. } => "settled",
            Event::SetSettled { .. } => "lsm_settled",
            Event::CollateralPosted { .. } => "collateral_posted",
            Event::CollateralWithdrawn { .. } => "collateral_withdrawn",
            Event::CollateralRefused { .. } => "collateral_refused",
            Event::PolicyError { .. } => "policy_error",
            Event::DeadlinePenalty { .. } => "deadline_penalty",
            Event::TickCosts { .. } => "tick_costs",
            Event::EodPenalty { .. } => "eod_penalty",
            Event::DayEnded { .. } => "day_ended",
            Event::Audit { .. } => "audit",
        }
    }

    /// The agent the event is about: the sender of a payment, the agent whose policy
    /// or position it concerns; `None` for system-wide events.
    pub fn agent(&self) -> Option<AgentId> {
        match self {
            Event::Arrival { sender, .. } | Event::Settled { sender, .. } => Some(*sender),
            Event::AgentOpened { agent, .. }
            | Event::Released { agent, .. }
            | Event::Split { agent, .. }
            | Event::Dropped { agent, .. }
            | Event::Reprioritized { agent, .. }
            | Event::WithdrawnFromQueue2 { agent, .. }
            | Event::Resubmitted { agent, .. }
            | Event::PolicyTrace { agent, .. }
            | Event::CollateralPosted { agent, .. }
            | Event::CollateralWithdrawn { agent, .. }
            | Event::CollateralRefused { agent, .. }
            | Event::PolicyError { agent, .. }
            | Event::DeadlinePenalty { agent, .. }
            | Event::TickCosts { agent, .. }
            | Event::EodPenalty { agent, .. } => Some(*agent),
            Event::SetSettled { .. } | Event::DayEnded { .. } => None,
            Event::Audit { audit, .. } => audit.agent,
        }
    }

    /// The payment the event is about, if one.
    pub fn tx(&self) -> Option<TxId> {
        match self {
            Event::Arrival { tx, .. }
            | Event::Released { tx, .. }
            | Event::Split { tx, .. }
            | Event::Dropped { tx, .. }
            | Event::Reprioritized { tx, .. }
            | Event::WithdrawnFromQueue2 { tx, .. }
            | Event::Resubmitted { tx, .. }
            | Event::Settled { tx, .. }
            | Event::DeadlinePenalty { tx, .. }
            | Event::EodPenalty { tx, .. } => Some(*tx),
            Event::PolicyTrace { tx, .. } => *tx,
            Event::Audit { audit, .. } => audit.tx,
            _ => None,
        }
    }

    /// The amount of money the event moves or charges, if one.
    pub fn amount(&self) -> Option<Cents> {
        match self {
            Event::Arrival { amount, .. }
            | Event::Dropped { amount, .. }
            | Event::Settled { amount, .. }
            | Event::CollateralWithdrawn { amount, .. } => Some(*amount),
            Event::SetSettled { value, .. } => Some(*value),
            Event::CollateralPosted { posted, .. } => Some(*posted),
            Event::CollateralRefused { requested, .. } => Some(*requested),
            Event::DeadlinePenalty { penalty, .. } | Event::EodPenalty { penalty, .. } => {
                Some(*penalty)
            }
            Event::Split { friction_cost, .. } => Some(*friction_cost),
            Event::TickCosts {
                overdraft,
                delay,
                collateral,
                ..
            } => Some(overdraft + delay + collateral),
            _ => None,
        }
    }
}

/// Where events go. The engine records each event once, as it happens.
pub trait EventSink {
    fn record(&mut self, event: Event);
}

impl EventSink for Vec<Event> {
    fn record(&mut self, event: Event) {
        self.push(event);
    }
}

/// A sink that forgets everything, for callers that only want the final state.
#[derive(Debug, Default, Clone, Copy)]
pub struct DiscardEvents;

impl EventSink for DiscardEvents {
    fn record(&mut self, _event: Event) {}
}
