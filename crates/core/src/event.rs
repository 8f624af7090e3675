//! The event log's vocabulary. Every change to the simulation is recorded as one
//! [`Event`], in the order it happens; metrics, stored runs and the determinism hash
//! are all derived from this sequence and from nothing else.

use crate::audit::{AuditDecision, AuditGate, AuditKind};
use crate::decision::HoldReason;
use crate::ids::{AgentId, Tick, TxId};
use crate::money::Cents;
use crate::state::release::DecisionError;
use std::sync::Arc;

/// Declares the event schema once: each kind's variant, its name in the log, and
/// each field with how it is written and under which key, in the log's key order.
/// From that one table come the [`Event`] enum, [`Event::KINDS`], [`Event::kind`],
/// and [`Event::write_fields`], which drives both the log's encoder and the
/// accessors below.
macro_rules! events {
    ($(
        $(#[$doc:meta])*
        $variant:ident = $kind:literal {
            $( $(#[$field_doc:meta])* $field:ident : $ty:ty => $how:ident $key:literal ),* $(,)?
        }
    )*) => {
        /// One thing that happened.
        #[derive(Debug, Clone, PartialEq)]
        pub enum Event {
            $( $(#[$doc])* $variant { $( $(#[$field_doc])* $field: $ty ),* }, )*
        }

        impl Event {
            /// Every kind's name in the log, in declaration order.
            pub const KINDS: &'static [&'static str] = &[$($kind),*];

            /// The event's name in the event log.
            pub fn kind(&self) -> &'static str {
                match self {
                    $( Event::$variant { .. } => $kind, )*
                }
            }

            /// The tick the event happened in (0 for an agent's opening): its
            /// field written as `tick`, read by a plain match.
            #[inline]
            #[allow(unused_variables)]
            pub fn tick(&self) -> Tick {
                match self {
                    $( Event::$variant { $($field),* } => tick_of!($($field $how)*), )*
                }
            }

            /// Shows each field to `writer`, in the log's key order, by how it is
            /// written.
            #[inline(always)]
            pub fn write_fields<W: FieldWriter>(&self, writer: &mut W) {
                match self {
                    $( Event::$variant { $($field),* } => { $( writer.$how($key, $field); )* } )*
                }
            }
        }
    };
}

/// The field an event's schema writes as `tick`, or 0 when it has none.
macro_rules! tick_of {
    () => { 0 };
    ($field:ident tick $($rest:tt)*) => { *$field };
    ($field:ident $how:ident $($rest:tt)*) => { tick_of!($($rest)*) };
}

/// The log names of the small enums an event carries.
macro_rules! names {
    ($( $enum:ident { $( $variant:ident => $name:literal ),* $(,)? } )*) => {
        $(
            impl LogName for $enum {
                fn log_name(&self) -> &'static str {
                    match self {
                        $( $enum::$variant => $name, )*
                    }
                }
            }
        )*
    };
}

/// A value written in the log as a fixed name.
pub trait LogName {
    fn log_name(&self) -> &'static str;
}

/// What sees an event's fields: the log's encoder, or an accessor that picks one.
/// Each method is one way a field is written; the defaults of the composite ones
/// break them into the simple ones, and the simple ones ignore the field, so a
/// visitor implements only what it needs.
#[allow(unused_variables)]
pub trait FieldWriter {
    /// The event's tick (written first, before the kind, by the encoder).
    fn tick(&mut self, key: &'static str, tick: &Tick) {}
    fn agent(&mut self, key: &'static str, agent: &AgentId) {}
    fn tx(&mut self, key: &'static str, tx: &TxId) {}
    fn int<I: Copy + Into<i64>>(&mut self, key: &'static str, value: &I) {}
    fn boolean(&mut self, key: &'static str, value: &bool) {}
    /// Free text, escaped when written.
    fn text(&mut self, key: &'static str, text: &str) {}
    /// A fixed name that needs no escaping.
    fn raw_str(&mut self, key: &'static str, name: &str) {}
    /// Text that is already one JSON value.
    fn json(&mut self, key: &'static str, json: &str) {}
    fn int_list(&mut self, key: &'static str, values: &mut dyn Iterator<Item = i64>) {}

    /// A typed value written as its text (escaped).
    fn display<D: std::fmt::Display>(&mut self, key: &'static str, value: &D) {
        self.text(key, &value.to_string());
    }
    fn name<N: LogName>(&mut self, key: &'static str, value: &N) {
        self.raw_str(key, value.log_name());
    }
    fn opt_tx(&mut self, key: &'static str, tx: &Option<TxId>) {
        if let Some(tx) = tx {
            self.tx(key, tx);
        }
    }
    /// What in a policy produced a decision, when known.
    fn source(&mut self, key: &'static str, source: &Option<Arc<str>>) {
        if let Some(source) = source {
            self.text(key, source);
        }
    }
    /// A split's parts: their ids under `key`, then their amounts under `amounts`.
    fn parts(&mut self, key: &'static str, parts: &[(TxId, Cents)]) {
        self.int_list(key, &mut parts.iter().map(|(id, _)| i64::from(id.0)));
        self.int_list("amounts", &mut parts.iter().map(|(_, amount)| *amount));
    }
    fn txs(&mut self, key: &'static str, txs: &[TxId]) {
        self.int_list(key, &mut txs.iter().map(|id| i64::from(id.0)));
    }
    /// A guardband's rollback: the guardband's name under `key`, then the measured
    /// `value`, the `bound` it broke and the tick its window started.
    fn rollback(&mut self, key: &'static str, rollback: &Rollback) {
        self.name(key, &rollback.guardband);
        self.json("value", &rollback.value.to_string());
        self.json("bound", &rollback.bound.to_string());
        self.int("window_start", &rollback.window_start);
    }
    /// An audit record: its agent and payment when it has them, the record under
    /// `key`, then its hash.
    fn audit(&mut self, key: &'static str, audit: &AuditEvent) {
        if let Some(agent) = &audit.agent {
            self.agent("agent", agent);
        }
        self.opt_tx("tx", &audit.tx);
        self.json(key, &audit.record);
        self.raw_str("hash", &audit.hash);
    }
}

/// How a payment settled on its own (gross).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SettleRoute {
    /// On release, without waiting in Queue 2.
    Immediate,
    /// From Queue 2, after waiting for liquidity.
    Queue,
    /// At the day's close, by a central-bank loan to the sender (end-of-day
    /// borrowing).
    EodLoan,
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

/// Why a collateral request could not be carried out at all. Its text is what the
/// log's `reason` says.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum CollateralRefusal {
    #[error("no collateral capacity left")]
    NoCapacityLeft,
    #[error("only {posted} cents of collateral are posted")]
    NotPosted { posted: Cents },
    #[error("the collateral backs {credit_used} cents of credit in use")]
    BacksCreditInUse { credit_used: Cents },
}

/// Why a policy call failed; its text is the log's `message`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PolicyFailure {
    /// The policy itself failed: a script error, a limit, a tree's fault. The
    /// policy's own words, the one free text an event carries.
    #[error("{0}")]
    Policy(String),
    /// The engine refused the decisions the policy made.
    #[error(transparent)]
    Refused(#[from] DecisionError),
}

/// Which of a policy's entry points was called.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PolicyCall {
    EvaluateQueue,
    StrategicCollateral,
    EndOfTickCollateral,
    InitialLiquidity,
}

/// When a collateral decision was taken.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CollateralPhase {
    Strategic,
    EndOfTick,
    /// The day's opening: the agent's initial liquidity.
    InitialLiquidity,
}

/// Why a deadline penalty was charged.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PenaltyCause {
    /// The payment was still unsettled when its deadline tick ended.
    Overdue,
    /// The sender's policy dropped the payment before it was paid.
    Dropped,
}

/// A guardband on an agent's window figures (the engine's `guardband` module).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum GuardbandName {
    /// The window's cost, at most a factor times the baseline's.
    Cost,
    /// The window's settlement rate, at least a factor times the baseline's.
    SettlementRate,
    /// The window's peak credit used, at most a factor times the baseline's.
    PeakCredit,
}

/// A figure written in the log as a JSON number: cents exactly at any size, or a
/// ratio or bound as the shortest decimal that reads back as the same `f64`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Figure {
    Cents(i128),
    Number(f64),
}

impl std::fmt::Display for Figure {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Figure::Cents(cents) => write!(f, "{cents}"),
            // Rust writes a finite `f64` without an exponent: a valid JSON number.
            Figure::Number(number) if number.is_finite() => write!(f, "{number}"),
            Figure::Number(_) => f.write_str("null"),
        }
    }
}

/// What an [`Event::RolledBack`] carries: which guardband the window broke, what
/// was measured, the bound, and the first tick of the window.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Rollback {
    pub guardband: GuardbandName,
    pub value: Figure,
    pub bound: Figure,
    pub window_start: Tick,
}

names! {
    GuardbandName {
        Cost => "cost",
        SettlementRate => "settlement_rate",
        PeakCredit => "peak_credit",
    }
    SettleRoute { Immediate => "immediate", Queue => "queue", EodLoan => "eod_loan" }
    LsmAlgorithm {
        Bilateral => "bilateral",
        Multilateral => "multilateral",
        Cycle => "cycle",
        EntryOffset => "entry_offset",
    }
    PolicyCall {
        EvaluateQueue => "evaluate_queue",
        StrategicCollateral => "strategic_collateral",
        EndOfTickCollateral => "end_of_tick_collateral",
        InitialLiquidity => "initial_liquidity",
    }
    CollateralPhase {
        Strategic => "strategic",
        EndOfTick => "end_of_tick",
        InitialLiquidity => "initial_liquidity",
    }
    PenaltyCause { Overdue => "overdue", Dropped => "dropped" }
}

events! {
    /// An agent's starting position (tick 0, before anything else).
    AgentOpened = "agent_opened" {
        agent: AgentId => agent "agent",
        balance: Cents => int "balance",
        unsecured_cap: Cents => int "unsecured_cap",
        posted_collateral: Cents => int "posted_collateral",
        collateral_capacity: Cents => int "collateral_capacity",
    }
    /// A client payment order reached its sender's Queue 1.
    Arrival = "arrival" {
        tick: Tick => tick "tick",
        tx: TxId => tx "tx",
        sender: AgentId => agent "from",
        receiver: AgentId => agent "to",
        amount: Cents => int "amount",
        deadline: Tick => int "deadline",
        priority: u8 => int "priority",
        divisible: bool => boolean "divisible",
    }
    /// A payment in Queue 1 started to wait for a reason, or now waits for another.
    /// Not repeated while the reason stays; the wait ends with the payment's
    /// `released`, `dropped` or `split`. (No `source`: the reason is the policy's
    /// account, and a tree and its Starlark conversion give the same one.)
    Held = "held" {
        tick: Tick => tick "tick",
        agent: AgentId => agent "agent",
        tx: TxId => tx "tx",
        /// Written as its text (see `HoldReason`'s `Display`).
        reason: HoldReason => display "reason",
    }
    /// A payment left Queue 1 for settlement (`source`: what in the policy decided it).
    Released = "released" {
        tick: Tick => tick "tick",
        agent: AgentId => agent "agent",
        tx: TxId => tx "tx",
        source: Option<Arc<str>> => source "source",
    }
    /// A payment in Queue 1 was replaced by parts (new payments, in Queue 1 until
    /// released) that sum to it.
    Split = "split" {
        tick: Tick => tick "tick",
        agent: AgentId => agent "agent",
        tx: TxId => tx "tx",
        /// Each part's id and amount: written as two lists, `parts` and `amounts`.
        parts: Vec<(TxId, Cents)> => parts "parts",
        friction_cost: Cents => int "friction_cost",
        source: Option<Arc<str>> => source "source",
    }
    /// A payment was removed from Queue 1 unpaid.
    Dropped = "dropped" {
        tick: Tick => tick "tick",
        agent: AgentId => agent "agent",
        tx: TxId => tx "tx",
        amount: Cents => int "amount",
        source: Option<Arc<str>> => source "source",
    }
    /// A payment's priority changed (in Queue 1, or on release).
    Reprioritized = "reprioritized" {
        tick: Tick => tick "tick",
        agent: AgentId => agent "agent",
        tx: TxId => tx "tx",
        priority: u8 => int "priority",
        source: Option<Arc<str>> => source "source",
    }
    /// A payment waiting in Queue 2 was taken back to Queue 1.
    WithdrawnFromQueue2 = "withdrawn_from_queue2" {
        tick: Tick => tick "tick",
        agent: AgentId => agent "agent",
        tx: TxId => tx "tx",
        source: Option<Arc<str>> => source "source",
    }
    /// A payment waiting in Queue 2 got a new priority and rejoined the queue.
    Resubmitted = "resubmitted" {
        tick: Tick => tick "tick",
        agent: AgentId => agent "agent",
        tx: TxId => tx "tx",
        priority: u8 => int "priority",
        source: Option<Arc<str>> => source "source",
    }
    /// A policy's account of how it reached a decision (opt-in tracing).
    PolicyTrace = "policy_trace" {
        tick: Tick => tick "tick",
        agent: AgentId => agent "agent",
        tx: Option<TxId> => opt_tx "tx",
        trace: String => text "trace",
    }
    /// A payment settled gross.
    Settled = "settled" {
        tick: Tick => tick "tick",
        tx: TxId => tx "tx",
        sender: AgentId => agent "from",
        receiver: AgentId => agent "to",
        amount: Cents => int "amount",
        route: SettleRoute => name "route",
    }
    /// A liquidity-saving algorithm settled these queued payments at once.
    SetSettled = "lsm_settled" {
        tick: Tick => tick "tick",
        algorithm: LsmAlgorithm => name "algorithm",
        txs: Vec<TxId> => txs "txs",
        value: Cents => int "value",
    }
    /// Collateral was posted (`posted` may be less than `requested` when capacity ran out).
    CollateralPosted = "collateral_posted" {
        tick: Tick => tick "tick",
        agent: AgentId => agent "agent",
        phase: CollateralPhase => name "phase",
        requested: Cents => int "requested",
        posted: Cents => int "posted",
    }
    /// Collateral was withdrawn.
    CollateralWithdrawn = "collateral_withdrawn" {
        tick: Tick => tick "tick",
        agent: AgentId => agent "agent",
        phase: CollateralPhase => name "phase",
        amount: Cents => int "amount",
    }
    /// A collateral request could not be carried out at all.
    CollateralRefused = "collateral_refused" {
        tick: Tick => tick "tick",
        agent: AgentId => agent "agent",
        phase: CollateralPhase => name "phase",
        requested: Cents => int "requested",
        reason: CollateralRefusal => display "reason",
    }
    /// A policy call failed; everything it would have decided was held instead.
    PolicyError = "policy_error" {
        tick: Tick => tick "tick",
        agent: AgentId => agent "agent",
        call: PolicyCall => name "call",
        /// Boxed: failures are rare, and a `DecisionError` inline would make every
        /// event larger.
        failure: Box<PolicyFailure> => display "message",
    }
    /// The one-off deadline penalty on an original payment.
    DeadlinePenalty = "deadline_penalty" {
        tick: Tick => tick "tick",
        agent: AgentId => agent "agent",
        tx: TxId => tx "tx",
        cause: PenaltyCause => name "cause",
        penalty: Cents => int "penalty",
    }
    /// Costs that accrue per tick, for one agent (only when any is non-zero).
    TickCosts = "tick_costs" {
        tick: Tick => tick "tick",
        agent: AgentId => agent "agent",
        overdraft: Cents => int "overdraft",
        delay: Cents => int "delay",
        collateral: Cents => int "collateral",
    }
    /// The end-of-day penalty on an original payment still unsettled at the close.
    EodPenalty = "eod_penalty" {
        tick: Tick => tick "tick",
        agent: AgentId => agent "agent",
        tx: TxId => tx "tx",
        penalty: Cents => int "penalty",
    }
    /// Costs charged once a day, at the close, for one agent (only when any is
    /// non-zero): the liquidity cost on the most collateral posted during the day,
    /// and the end-of-day borrowing cost on what the central bank lent (`borrowed`).
    DayCosts = "day_costs" {
        tick: Tick => tick "tick",
        agent: AgentId => agent "agent",
        liquidity: Cents => int "liquidity",
        borrowed: Cents => int "borrowed",
        borrowing: Cents => int "borrowing",
    }
    /// At a day's opening, part of an agent's end-of-day loan was repaid out of its
    /// balance; `outstanding` is what it still owes (as credit beyond its limit).
    EodLoanRepaid = "eod_loan_repaid" {
        tick: Tick => tick "tick",
        agent: AgentId => agent "agent",
        repaid: Cents => int "repaid",
        outstanding: Cents => int "outstanding",
    }
    /// A scenario's transfer outside the queues. `emergency_credit` is what the
    /// central bank newly lent the sender because the transfer took it beyond its
    /// credit limit (0 when it could cover it).
    LiquidityTransfer = "liquidity_transfer" {
        tick: Tick => tick "tick",
        sender: AgentId => agent "from",
        receiver: AgentId => agent "to",
        amount: Cents => int "amount",
        emergency_credit: Cents => int "emergency_credit",
    }
    /// A scenario's injection of liquidity into an agent's balance.
    LiquidityInjected = "liquidity_injected" {
        tick: Tick => tick "tick",
        agent: AgentId => agent "agent",
        amount: Cents => int "amount",
    }
    /// A scenario's withdrawal of liquidity from an agent's balance, with the
    /// emergency credit it made necessary.
    LiquidityWithdrawn = "liquidity_withdrawn" {
        tick: Tick => tick "tick",
        agent: AgentId => agent "agent",
        amount: Cents => int "amount",
        emergency_credit: Cents => int "emergency_credit",
    }
    /// A scenario's revaluation of an agent's collateral by `factor_ppm` millionths:
    /// the posted collateral and the capacity after it, and the emergency credit
    /// newly extended because the credit it backs fell below the credit in use.
    CollateralRevalued = "collateral_revalued" {
        tick: Tick => tick "tick",
        agent: AgentId => agent "agent",
        factor_ppm: u32 => int "factor_ppm",
        posted: Cents => int "posted",
        capacity: Cents => int "capacity",
        emergency_credit: Cents => int "emergency_credit",
    }
    /// A scenario set an agent's unsecured cap, with the emergency credit a lower
    /// cap made necessary.
    CreditLimitChanged = "credit_limit_changed" {
        tick: Tick => tick "tick",
        agent: AgentId => agent "agent",
        unsecured_cap: Cents => int "unsecured_cap",
        emergency_credit: Cents => int "emergency_credit",
    }
    /// An agent's operational outage began: for `ticks` ticks its policy is not
    /// called and it releases nothing; with `receive` false, nothing to or from it
    /// settles either.
    OutageStarted = "outage_started" {
        tick: Tick => tick "tick",
        agent: AgentId => agent "agent",
        ticks: Tick => int "ticks",
        receive: bool => boolean "receive",
    }
    /// An agent's outage ended at the start of this tick.
    OutageEnded = "outage_ended" {
        tick: Tick => tick "tick",
        agent: AgentId => agent "agent",
    }
    /// The last tick of `day` ended.
    DayEnded = "day_ended" {
        tick: Tick => tick "tick",
        day: u32 => int "day",
    }
    /// A governance audit record: a gate decision that was not ALLOW, a latch, an
    /// operator's action. Boxed: it is rare and large, and every other event moves
    /// through the sink by value. Written as its agent and payment (when it has
    /// them), its canonical `record` and its `hash`.
    Audit = "audit" {
        tick: Tick => tick "tick",
        audit: Box<AuditEvent> => audit "record",
    }
    /// A guardband broke over the agent's last window: from the next tick on, the
    /// agent runs the previous policy its guardband names, for the rest of the run.
    /// Written as the guardband's name, the measured `value`, the `bound` and the
    /// window's first tick. Boxed, like `audit`: rare, and larger than most events.
    RolledBack = "rolled_back" {
        tick: Tick => tick "tick",
        agent: AgentId => agent "agent",
        rollback: Box<Rollback> => rollback "guardband",
    }
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

/// Picks the first field of one kind an event shows.
struct First<T> {
    found: Option<T>,
}

impl FieldWriter for First<AgentId> {
    fn agent(&mut self, _: &'static str, agent: &AgentId) {
        self.found.get_or_insert(*agent);
    }
}

impl FieldWriter for First<TxId> {
    fn tx(&mut self, _: &'static str, tx: &TxId) {
        self.found.get_or_insert(*tx);
    }
}

impl Event {
    /// The agent the event is about: its first agent field (a payment's sender, the
    /// agent whose policy or position it concerns); `None` for system-wide events.
    pub fn agent(&self) -> Option<AgentId> {
        self.first()
    }

    /// The payment the event is about, if one.
    pub fn tx(&self) -> Option<TxId> {
        self.first()
    }

    // Inlined with `write_fields`, the visit folds into a plain match on the variant.
    #[inline(always)]
    fn first<T>(&self) -> Option<T>
    where
        First<T>: FieldWriter,
    {
        let mut first = First { found: None };
        self.write_fields(&mut first);
        first.found
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
