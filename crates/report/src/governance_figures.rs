//! What the release gate held and halted, tallied from the `audit` events.

use rtgsim_core::{AuditDecision, AuditEvent, AuditGate, AuditKind, Cents, Requester};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// Payments a gate stopped: how many decisions, and their value. A payment held on
/// several ticks by the same gate counts once (the gate audits a hold when it
/// starts, not each tick it holds again); held again after a release, or by
/// another gate, it counts again.
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize, Deserialize)]
pub struct Blocked {
    pub decisions: u64,
    pub value: i128,
}

impl Blocked {
    fn add(&mut self, amount: Option<Cents>) {
        self.decisions += 1;
        self.value += i128::from(amount.unwrap_or(0));
    }
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct GovernanceFigures {
    pub records: u64,
    /// The hash of the last audit record: the head of the chain.
    pub head: Option<String>,
    /// Held, by agent, then gate.
    pub held: BTreeMap<u32, BTreeMap<String, Blocked>>,
    /// Halted, by agent.
    pub halted: BTreeMap<u32, Blocked>,
    /// Operator actions and latch changes, by their code.
    pub changes: BTreeMap<String, u64>,
    /// Decisions RBAC rules refused, by agent (an operator's refused action counts
    /// in `changes`, as `OPERATOR_REFUSED`).
    pub refused: BTreeMap<u32, u64>,
}

impl GovernanceFigures {
    pub fn observe(&mut self, audit: &AuditEvent) {
        self.records += 1;
        self.head = Some(audit.hash.to_string());
        let mut count_change = |code: &str| *self.changes.entry(code.to_string()).or_default() += 1;
        // A gate decision and a policy's refusal are always about an agent; the
        // event of an operator's refused action names none.
        match (audit.kind, audit.decision, audit.agent) {
            (AuditKind::Rbac(Requester::Operator), ..) => count_change("OPERATOR_REFUSED"),
            (AuditKind::Rbac(Requester::Policy), AuditDecision::Allow, _) => {
                count_change("RBAC_ALLOW");
            }
            (AuditKind::Rbac(Requester::Policy), _, Some(agent)) => {
                *self.refused.entry(agent.0).or_default() += 1;
            }
            (AuditKind::Gate, AuditDecision::Hold, Some(agent)) => self
                .held
                .entry(agent.0)
                .or_default()
                .entry(audit.gate.map_or("unknown", AuditGate::as_str).to_string())
                .or_default()
                .add(audit.amount),
            (AuditKind::Gate, AuditDecision::Halt, Some(agent)) => {
                self.halted.entry(agent.0).or_default().add(audit.amount);
            }
            (AuditKind::Gate | AuditKind::Rbac(_), ..) => {}
            (_, decision, _) => count_change(decision.as_str()),
        }
    }
}
