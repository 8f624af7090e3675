//! One audit entry, typed, and the one function that turns it into both the
//! chain's record and the `audit` event: every fact is written once, and the
//! texts the record stores come from the vocabulary's enums.

use crate::audit::{AuditChain, AuditEntry};
use crate::gate::{ChangeKind, Gate, Reason};
use crate::rbac::Effect;
use rtgsim_core::event::{AuditEvent, Event, GuardbandName};
use rtgsim_core::{AgentId, AuditDecision, AuditGate, AuditKind, Cents, Requester, SimState, TxId};
use serde_json::Value;
use std::collections::BTreeMap;

/// Why, as the record's `reason_code` says it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Why {
    /// The gate's reason: for a release it did not allow, or the HALT that set a
    /// latch.
    Gate(Reason),
    /// An RBAC effect: `RBAC_ALLOW`, `RBAC_DENY`, `RBAC_REQUIRE_APPROVAL`.
    Rbac(Effect),
    /// What an operator's event or the passing of time changed: its own code.
    Change(ChangeKind),
    /// The guardband whose breach rolled an agent's policy back.
    Guardband(GuardbandName),
}

impl Why {
    fn code(self) -> &'static str {
        match self {
            Why::Gate(reason) => reason.code(),
            Why::Rbac(Effect::Allow) => "RBAC_ALLOW",
            Why::Rbac(Effect::Deny) => "RBAC_DENY",
            Why::Rbac(Effect::RequireApproval) => "RBAC_REQUIRE_APPROVAL",
            Why::Change(change) => change.code(),
            Why::Guardband(GuardbandName::Cost) => "GUARDBAND_COST",
            Why::Guardband(GuardbandName::SettlementRate) => "GUARDBAND_SETTLEMENT_RATE",
            Why::Guardband(GuardbandName::PeakCredit) => "GUARDBAND_PEAK_CREDIT",
        }
    }
}

/// An audit entry's facts. [`Audited::seal`] makes the chain's record and the
/// event of them.
#[derive(Debug, Clone, PartialEq)]
pub(super) struct Audited {
    pub kind: AuditKind,
    /// The agent the entry is about.
    pub agent: Option<AgentId>,
    pub tx: Option<TxId>,
    pub decision: AuditDecision,
    pub why: Why,
    /// The gate that blocked: of a release, or of the HALT a latch holds.
    pub gate: Option<Gate>,
    /// Whether a latch holds the agent (set, held on, or still there after a change).
    pub latched: bool,
    /// The operator who acted (an operator's event, or a refused reset).
    pub operator: Option<String>,
    /// The value of the payment judged, for a gate decision.
    pub amount: Option<Cents>,
    /// The inputs the decision used, as they were at the time.
    pub inputs: BTreeMap<String, Value>,
}

impl Audited {
    /// An entry about nothing in particular yet: no agent, payment, gate, latch,
    /// operator, amount or inputs.
    pub fn new(kind: AuditKind, decision: AuditDecision, why: Why) -> Audited {
        Audited {
            kind,
            agent: None,
            tx: None,
            decision,
            why,
            gate: None,
            latched: false,
            operator: None,
            amount: None,
            inputs: BTreeMap::new(),
        }
    }

    /// Seals the entry as `chain`'s next record, at the state's day and tick, and
    /// returns the event that carries it. The record names agents by `names`.
    pub fn seal(self, chain: &mut AuditChain, state: &SimState, names: &[String]) -> Event {
        let tick = state.tick();
        let record = chain.append(AuditEntry {
            day: state.clock().day(),
            tick,
            agent: self.agent.map(|agent| name(names, agent)),
            tx: self.tx.map(|tx| tx.0.to_string()),
            kind: self.kind.as_str().into(),
            inputs: self.inputs,
            decision: self.decision.as_str().into(),
            reason_code: self.why.code().into(),
            blocking_gate: self.gate.map(|gate| gate.name().to_string()),
            rank: self.gate.map(Gate::rank),
            latched: self.latched,
            operator: self.operator,
        });
        // An operator was refused, not the agent's policy: the record names the
        // agent the reset was for, the event (and so the agent's figures) does not.
        let agent = self
            .agent
            .filter(|_| self.kind != AuditKind::Rbac(Requester::Operator));
        Event::Audit {
            tick,
            audit: Box::new(AuditEvent {
                agent,
                tx: self.tx,
                seq: record.seq,
                kind: self.kind,
                decision: self.decision,
                gate: self.gate.map(AuditGate::from),
                amount: self.amount,
                record: record.body().into(),
                prev_hash: record.prev_hash.as_str().into(),
                hash: record.hash.as_str().into(),
            }),
        }
    }
}

/// The agent's name, or its index when the scenario has no name for it.
pub(super) fn name(names: &[String], agent: AgentId) -> String {
    names
        .get(agent.index())
        .cloned()
        .unwrap_or_else(|| agent.index().to_string())
}
