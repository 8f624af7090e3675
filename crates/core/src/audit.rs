//! The audit vocabulary: what an [`AuditEvent`](crate::event::AuditEvent) is about,
//! what was decided and which gate blocked, as closed enums.
//!
//! The governance layer decides and keeps the chained records; the engine, the
//! metrics and the store only read these. Each name's text ([`AuditKind::as_str`],
//! ...) is what the audit record stores, so it is part of every governed run's
//! event log and hash: a text here never changes.

/// Whose request an RBAC decision answered.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Requester {
    /// An agent's policy: deploying it, or one of its actions.
    Policy,
    /// An operator's action (a `reset` needs `gate.reset`).
    Operator,
}

/// What an audit record is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum AuditKind {
    /// A release the release gate did not simply allow.
    Gate,
    /// A latch set by a HALT, or cleared when its reset window passed.
    Latch,
    /// An RBAC decision, and whose request it answered.
    Rbac(Requester),
    /// An operator suspended an agent or the system.
    Suspend,
    /// An operator lifted a suspension and reset the latch.
    Reset,
    /// An operator started contingency mode.
    ContingencyStart,
    /// An operator ended contingency mode.
    ContingencyEnd,
    /// A guardband broke and the agent's policy was rolled back.
    Rollback,
}

impl AuditKind {
    /// The record's `kind`.
    pub fn as_str(self) -> &'static str {
        match self {
            AuditKind::Gate => "gate",
            AuditKind::Latch => "latch",
            AuditKind::Rbac(_) => "rbac",
            AuditKind::Suspend => "suspend",
            AuditKind::Reset => "reset",
            AuditKind::ContingencyStart => "contingency_start",
            AuditKind::ContingencyEnd => "contingency_end",
            AuditKind::Rollback => "rollback",
        }
    }
}

/// What was decided: a gate's verdict, an RBAC effect, or what an operator's
/// event or the passing of time changed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum AuditDecision {
    Allow,
    Hold,
    Halt,
    /// A HALT set a latch.
    Latched,
    /// RBAC refused.
    Deny,
    /// RBAC asked for an approval, which a simulation has no one to give: refused.
    RequireApproval,
    Suspended,
    Reset,
    LatchExpired,
    ContingencyStarted,
    ContingencyEnded,
    /// The agent runs its previous policy from the next tick on.
    RolledBack,
}

impl AuditDecision {
    /// The record's `decision`.
    pub fn as_str(self) -> &'static str {
        match self {
            AuditDecision::Allow => "ALLOW",
            AuditDecision::Hold => "HOLD",
            AuditDecision::Halt => "HALT",
            AuditDecision::Latched => "LATCHED",
            AuditDecision::Deny => "DENY",
            AuditDecision::RequireApproval => "REQUIRE_APPROVAL",
            AuditDecision::Suspended => "SUSPENDED",
            AuditDecision::Reset => "RESET",
            AuditDecision::LatchExpired => "LATCH_EXPIRED",
            AuditDecision::ContingencyStarted => "CONTINGENCY_STARTED",
            AuditDecision::ContingencyEnded => "CONTINGENCY_ENDED",
            AuditDecision::RolledBack => "ROLLED_BACK",
        }
    }
}

/// The release gate that blocked a payment.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize, serde::Deserialize,
)]
pub enum AuditGate {
    KillSwitch,
    Budget,
    Health,
    Risk,
}

impl AuditGate {
    /// The record's `blocking_gate`.
    pub fn as_str(self) -> &'static str {
        match self {
            AuditGate::KillSwitch => "kill_switch",
            AuditGate::Budget => "budget",
            AuditGate::Health => "health",
            AuditGate::Risk => "risk",
        }
    }
}
