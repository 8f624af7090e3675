//! What the release gate held and halted, tallied from the `audit` events.

use rtgsim_core::{AuditEvent, Cents};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// Payments a gate stopped: how many decisions, and their value. A payment held on
/// several ticks counts once per tick (each is a decision in the audit trail).
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
    /// Decisions RBAC rules refused, by agent (`u32::MAX`: an operator's action).
    pub refused: BTreeMap<u32, u64>,
}

impl GovernanceFigures {
    pub fn observe(&mut self, audit: &AuditEvent) {
        let AuditEvent {
            kind,
            decision,
            gate,
            amount,
            ..
        } = *audit;
        self.records += 1;
        self.head = Some(audit.hash.to_string());
        let agent = audit.agent.map_or(u32::MAX, |a| a.0);
        if kind == "rbac" && decision == "ALLOW" {
            *self.changes.entry("RBAC_ALLOW".to_string()).or_default() += 1;
            return;
        }
        if kind == "rbac" && agent == u32::MAX {
            // An operator's action refused (a reset without gate.reset).
            *self
                .changes
                .entry("OPERATOR_REFUSED".to_string())
                .or_default() += 1;
            return;
        }
        if kind == "rbac" {
            *self.refused.entry(agent).or_default() += 1;
            return;
        }
        if kind != "gate" {
            *self.changes.entry(decision.to_string()).or_default() += 1;
            return;
        }
        match decision {
            "HOLD" => self
                .held
                .entry(agent)
                .or_default()
                .entry(gate.unwrap_or("unknown").to_string())
                .or_default()
                .add(amount),
            "HALT" => self.halted.entry(agent).or_default().add(amount),
            _ => {}
        }
    }
}
