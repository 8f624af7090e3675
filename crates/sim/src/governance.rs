//! The release gate in the tick loop: operators' events at the start of a tick,
//! every release judged before it reaches the central queue, and the audit trail of
//! everything that was not a plain ALLOW, chained and written to the event log.
//!
//! The gate itself (`rtgsim_governance::gate`) decides; this module gives it the
//! state it needs and turns its answers into holds and `audit` events.

use rtgsim_core::event::{Event, EventSink};
use rtgsim_core::{AgentId, HoldReason, ReleaseAction, ReleaseDecision, SimState, TxId};
use rtgsim_governance::audit::{AuditChain, AuditEntry};
use rtgsim_governance::gate::config::{Resolved, ScenarioEventKind};
use rtgsim_governance::gate::{Change, Decision, Health, ReleaseGate, Request, Verdict};
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use std::collections::BTreeMap;

/// The scenario's governance, checked: limits by agent index and the operators'
/// events in tick order.
#[derive(Debug, Clone, PartialEq)]
pub struct GovernancePlan {
    pub limits: Resolved,
    pub events: Vec<PlannedEvent>,
}

/// An operator's action at a tick, its agent resolved (`None`: the whole system).
#[derive(Debug, Clone, PartialEq)]
pub struct PlannedEvent {
    pub tick: u32,
    pub kind: ScenarioEventKind,
    pub agent: Option<usize>,
    pub operator: Option<String>,
}

/// The gate between a run's policies and its central queue.
#[derive(Debug)]
pub struct Governor {
    gate: ReleaseGate,
    events: Vec<PlannedEvent>,
    next_event: usize,
    chain: AuditChain,
    names: Vec<String>,
    /// Whether a health limit needs the age of the central queue's oldest payment
    /// (computed only then: it walks the queue).
    needs_age: bool,
}

/// A governor between two ticks, as data.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct GovernorCheckpoint {
    gate: ReleaseGate,
    next_event: usize,
    next_seq: u64,
    last_hash: String,
}

/// The audit chain's run field: 0, so that the event log (and its hash) does not
/// depend on which database, if any, the run is stored in. A stored chain is keyed
/// by its run in the database.
const CHAIN_RUN: i64 = 0;

impl Governor {
    pub fn new(plan: &GovernancePlan, names: Vec<String>) -> Governor {
        Governor {
            gate: ReleaseGate::new(plan.limits.clone()),
            events: plan.events.clone(),
            next_event: 0,
            chain: AuditChain::new(CHAIN_RUN),
            names,
            needs_age: plan.limits.health.max_queue2_age_ticks.is_some(),
        }
    }

    pub fn checkpoint(&self) -> GovernorCheckpoint {
        GovernorCheckpoint {
            gate: self.gate.clone(),
            next_event: self.next_event,
            next_seq: self.chain.next_seq(),
            last_hash: self.chain.last_hash().to_string(),
        }
    }

    pub fn restore(&mut self, checkpoint: GovernorCheckpoint) {
        self.gate = checkpoint.gate;
        self.next_event = checkpoint.next_event.min(self.events.len());
        self.chain = AuditChain::resume(CHAIN_RUN, checkpoint.next_seq, checkpoint.last_hash);
    }

    /// Starts a tick: budgets refill, expired latches clear, and the operators'
    /// events of this tick apply; each change is audited.
    pub fn begin_tick(&mut self, state: &SimState, sink: &mut dyn EventSink) {
        let tick = state.tick();
        let new_day = state.clock().tick_in_day() == 0;
        for change in self.gate.begin_tick(tick, new_day) {
            self.audit_change(state, &change, "latch", sink);
        }
        while let Some(event) = self.events.get(self.next_event) {
            if event.tick > tick {
                break;
            }
            let change = self
                .gate
                .apply(event.kind, event.agent, event.operator.clone());
            self.next_event += 1;
            self.audit_change(state, &change, event.kind.name(), sink);
        }
    }

    /// The system's health as the gate reads it, before this tick's releases.
    pub fn health(&self, state: &SimState) -> Health {
        let queue = state.queue2();
        let oldest = if self.needs_age {
            let tick = state.tick();
            let age = queue
                .in_order()
                .iter()
                .filter_map(|(_, entry)| state.transaction(entry.tx))
                .map(|tx| tick.saturating_sub(tx.submitted_tick.unwrap_or(tick)))
                .max()
                .unwrap_or(0);
            Some(age)
        } else {
            None
        };
        Health {
            queue2_value: i64::try_from(queue.value()).ok(),
            oldest_queue2_age: oldest,
        }
    }

    /// Judges every release among `decisions` (in order, each counted before the
    /// next is judged); a release that does not pass becomes a hold. Returns the
    /// releases allowed, to [`Governor::uncommit`] if the decisions are refused.
    pub fn judge(
        &mut self,
        state: &SimState,
        agent: AgentId,
        decisions: &mut [ReleaseDecision],
        health: &Health,
        sink: &mut dyn EventSink,
    ) -> Vec<Request> {
        let mut allowed = Vec::new();
        for decision in decisions.iter_mut() {
            let Some(tx) = state.transaction(decision.tx) else {
                continue;
            };
            let amount = match decision.action {
                ReleaseAction::SubmitPartial { amount } => amount,
                ReleaseAction::Submit { .. } | ReleaseAction::Split { .. } => {
                    tx.amount - tx.settled_amount
                }
                _ => continue,
            };
            let priority = match decision.action {
                ReleaseAction::Submit {
                    priority: Some(priority),
                } => priority,
                _ => tx.priority,
            };
            let request = Request {
                agent: agent.index(),
                counterparty: Some(tx.receiver.index()),
                amount,
                priority,
            };
            let was_latched = self.gate.latch(agent.index()).is_some();
            let verdict = self.gate.evaluate(&request, health, state.tick());
            if verdict.verdict == Verdict::Allow {
                self.gate.commit(&request);
                allowed.push(request);
                continue;
            }
            let gate = verdict.gate.map_or("gate", |g| g.name());
            decision.action = ReleaseAction::Hold {
                reason: HoldReason::Custom(format!("{gate} gate: {}", verdict.reason.code())),
            };
            self.audit_decision(state, agent, decision.tx, &request, health, &verdict, sink);
            if !was_latched && self.gate.latch(agent.index()).is_some() {
                let change = Change {
                    agent: Some(agent.index()),
                    what: rtgsim_governance::gate::ChangeKind::Suspended,
                    operator: None,
                };
                self.audit_latch(state, &change, &verdict, sink);
            }
        }
        allowed
    }

    /// Takes back releases the engine refused after the gate allowed them.
    pub fn uncommit(&mut self, allowed: &[Request]) {
        for request in allowed {
            self.gate.uncommit(request);
        }
    }

    #[allow(clippy::too_many_arguments)] // one audit record's worth of facts
    fn audit_decision(
        &mut self,
        state: &SimState,
        agent: AgentId,
        tx: TxId,
        request: &Request,
        health: &Health,
        decision: &Decision,
        sink: &mut dyn EventSink,
    ) {
        let mut inputs = BTreeMap::new();
        inputs.insert("amount".to_string(), json!(request.amount));
        inputs.insert("priority".to_string(), json!(request.priority));
        if let Some(b) = request.counterparty {
            inputs.insert("counterparty".to_string(), json!(self.name(b)));
        }
        inputs.insert("queue2_value".to_string(), option(health.queue2_value));
        if self.needs_age {
            inputs.insert(
                "queue2_oldest_age".to_string(),
                option(health.oldest_queue2_age),
            );
        }
        let entry = AuditEntry {
            day: state.clock().day(),
            tick: state.tick(),
            agent: Some(self.name(agent.index())),
            tx: Some(tx.0.to_string()),
            kind: "gate".into(),
            inputs,
            decision: decision.verdict.code().into(),
            reason_code: decision.reason.code().into(),
            blocking_gate: decision.gate.map(|g| g.name().to_string()),
            rank: decision.rank(),
            latched: decision.latched,
            operator: None,
        };
        self.write(
            entry,
            "gate",
            Some(agent),
            Some(tx),
            decision.verdict.code(),
            decision.gate.map(|g| g.name()),
            Some(request.amount),
            sink,
        );
    }

    /// A new latch: the HALT that set it.
    fn audit_latch(
        &mut self,
        state: &SimState,
        change: &Change,
        decision: &Decision,
        sink: &mut dyn EventSink,
    ) {
        let agent = change.agent.map(|a| AgentId(a as u32));
        let entry = AuditEntry {
            day: state.clock().day(),
            tick: state.tick(),
            agent: change.agent.map(|a| self.name(a)),
            kind: "latch".into(),
            decision: "LATCHED".into(),
            reason_code: decision.reason.code().into(),
            blocking_gate: decision.gate.map(|g| g.name().to_string()),
            rank: decision.rank(),
            latched: true,
            ..AuditEntry::default()
        };
        self.write(entry, "latch", agent, None, "LATCHED", None, None, sink);
    }

    fn audit_change(
        &mut self,
        state: &SimState,
        change: &Change,
        kind: &'static str,
        sink: &mut dyn EventSink,
    ) {
        let agent = change.agent.map(|a| AgentId(a as u32));
        let code = change.what.code();
        let entry = AuditEntry {
            day: state.clock().day(),
            tick: state.tick(),
            agent: change.agent.map(|a| self.name(a)),
            kind: kind.into(),
            decision: code.into(),
            reason_code: code.into(),
            latched: change.agent.is_some_and(|a| self.gate.latch(a).is_some()),
            operator: change.operator.clone(),
            ..AuditEntry::default()
        };
        self.write(entry, kind, agent, None, code, None, None, sink);
    }

    #[allow(clippy::too_many_arguments)] // the event's fields, beside the record
    fn write(
        &mut self,
        entry: AuditEntry,
        kind: &'static str,
        agent: Option<AgentId>,
        tx: Option<TxId>,
        decision: &'static str,
        gate: Option<&'static str>,
        amount: Option<i64>,
        sink: &mut dyn EventSink,
    ) {
        let tick = entry.tick;
        let record = self.chain.append(entry);
        sink.record(Event::Audit {
            tick,
            agent,
            tx,
            seq: record.seq,
            kind,
            decision,
            gate,
            amount,
            record: record.body().into(),
            prev_hash: record.prev_hash.as_str().into(),
            hash: record.hash.as_str().into(),
        });
    }

    fn name(&self, agent: usize) -> String {
        self.names
            .get(agent)
            .cloned()
            .unwrap_or_else(|| agent.to_string())
    }
}

fn option<T: Into<Value>>(value: Option<T>) -> Value {
    value.map_or(Value::Null, Into::into)
}
