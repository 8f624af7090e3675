//! What the gate answers (a verdict, its reason, the gate that blocked, whether a
//! latch holds) and what it reports of operators' events and the passing of time;
//! each text comes from core's audit vocabulary.

use rtgsim_core::{AgentId, AuditDecision, AuditGate, Tick};
use serde::{Deserialize, Serialize};

/// The four gates, by precedence.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub enum Gate {
    KillSwitch = 1,
    Budget = 2,
    Health = 3,
    Risk = 4,
}

impl Gate {
    pub const ALL: [Gate; 4] = [Gate::KillSwitch, Gate::Budget, Gate::Health, Gate::Risk];

    /// The precedence rank: 1 is evaluated first and wins.
    pub fn rank(self) -> u8 {
        self as u8
    }

    /// The gate's name in the audit trail.
    pub fn name(self) -> &'static str {
        AuditGate::from(self).as_str()
    }
}

impl From<Gate> for AuditGate {
    fn from(gate: Gate) -> AuditGate {
        match gate {
            Gate::KillSwitch => AuditGate::KillSwitch,
            Gate::Budget => AuditGate::Budget,
            Gate::Health => AuditGate::Health,
            Gate::Risk => AuditGate::Risk,
        }
    }
}

/// What the gate answers, least severe first.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub enum Verdict {
    Allow,
    Hold,
    Halt,
}

impl Verdict {
    /// The verdict's code in the audit trail.
    pub fn code(self) -> &'static str {
        AuditDecision::from(self).as_str()
    }
}

impl From<Verdict> for AuditDecision {
    fn from(verdict: Verdict) -> AuditDecision {
        match verdict {
            Verdict::Allow => AuditDecision::Allow,
            Verdict::Hold => AuditDecision::Hold,
            Verdict::Halt => AuditDecision::Halt,
        }
    }
}

/// Why the gate answered as it did.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub enum Reason {
    AllowAllGatesPassed,
    HaltKillSwitch,
    HoldBudgetTick,
    HoldBudgetDay,
    HoldHealthQueueValue,
    HoldHealthQueueAge,
    HoldContingency,
    HoldRiskBilateral,
    HoldRiskMultilateral,
    /// An input was missing; the gate blocked, as its most restrictive answer.
    GateInputIncomplete,
}

impl Reason {
    pub fn code(self) -> &'static str {
        match self {
            Reason::AllowAllGatesPassed => "ALLOW_ALL_GATES_PASSED",
            Reason::HaltKillSwitch => "HALT_KILL_SWITCH",
            Reason::HoldBudgetTick => "HOLD_BUDGET_TICK",
            Reason::HoldBudgetDay => "HOLD_BUDGET_DAY",
            Reason::HoldHealthQueueValue => "HOLD_HEALTH_QUEUE_VALUE",
            Reason::HoldHealthQueueAge => "HOLD_HEALTH_QUEUE_AGE",
            Reason::HoldContingency => "HOLD_CONTINGENCY",
            Reason::HoldRiskBilateral => "HOLD_RISK_BILATERAL",
            Reason::HoldRiskMultilateral => "HOLD_RISK_MULTILATERAL",
            Reason::GateInputIncomplete => "GATE_INPUT_INCOMPLETE",
        }
    }
}

/// The gate's answer.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Decision {
    pub verdict: Verdict,
    pub reason: Reason,
    /// The gate that blocked, if one did.
    pub gate: Option<Gate>,
    /// Whether the answer comes from (or set) a latch.
    pub latched: bool,
}

impl Decision {
    pub(super) fn allow() -> Decision {
        Decision {
            verdict: Verdict::Allow,
            reason: Reason::AllowAllGatesPassed,
            gate: None,
            latched: false,
        }
    }

    pub(super) fn block(gate: Gate, verdict: Verdict, reason: Reason) -> Decision {
        Decision {
            verdict,
            reason,
            gate: Some(gate),
            latched: false,
        }
    }

    pub fn rank(&self) -> Option<u8> {
        self.gate.map(Gate::rank)
    }
}

/// A HALT that holds until reset.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Latch {
    pub since: Tick,
    pub decision: Decision,
}

/// What an operator event or the passing of time did to the latches and
/// suspensions, for the audit trail.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Change {
    /// The agent, or `None` for the whole system.
    pub agent: Option<AgentId>,
    pub what: ChangeKind,
    pub operator: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ChangeKind {
    Suspended,
    /// Suspension lifted and latch cleared by an operator.
    Reset,
    /// The reset window passed; the latch cleared by itself.
    LatchExpired,
    ContingencyStarted,
    ContingencyEnded,
}

impl ChangeKind {
    /// The change's code in the audit trail.
    pub fn code(self) -> &'static str {
        AuditDecision::from(self).as_str()
    }
}

impl From<ChangeKind> for AuditDecision {
    fn from(change: ChangeKind) -> AuditDecision {
        match change {
            ChangeKind::Suspended => AuditDecision::Suspended,
            ChangeKind::Reset => AuditDecision::Reset,
            ChangeKind::LatchExpired => AuditDecision::LatchExpired,
            ChangeKind::ContingencyStarted => AuditDecision::ContingencyStarted,
            ChangeKind::ContingencyEnded => AuditDecision::ContingencyEnded,
        }
    }
}
