//! The release gate in the tick loop: operators' events at the start of a tick,
//! every release judged before it reaches the central queue, and the audit trail of
//! everything that was not a plain ALLOW, chained and written to the event log.
//!
//! The gate itself (`crate::gate`) decides; this module gives it the
//! state it needs and turns its answers into holds and `audit` events.

use crate::audit::{AuditChain, AuditEntry};
use crate::gate::config::{Resolved, ScenarioEventKind};
use crate::gate::{Change, Decision, Health, ReleaseGate, Request, Verdict};
use rtgsim_core::event::{AuditEvent, Event, EventSink};
use rtgsim_core::{
    AgentId, CollateralDecision, HoldReason, ReleaseAction, ReleaseDecision, SimState, TxId,
};
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use std::collections::BTreeMap;

/// The scenario's governance, checked: limits by agent index, the operators'
/// events in tick order, and, with RBAC rules, what each agent's policy may not do.
#[derive(Debug, Clone, PartialEq)]
pub struct GovernancePlan {
    pub limits: Resolved,
    pub events: Vec<PlannedEvent>,
    /// One per agent when the scenario has RBAC rules; empty otherwise.
    pub rights: Vec<AgentRights>,
}

/// An operator's action at a tick, its agent resolved (`None`: the whole system).
#[derive(Debug, Clone, PartialEq)]
pub struct PlannedEvent {
    pub tick: u32,
    pub kind: ScenarioEventKind,
    pub agent: Option<usize>,
    pub operator: Option<String>,
    /// Set when RBAC rules do not let the operator do it (a `reset` needs
    /// `gate.reset`): the event is refused and audited instead.
    pub refused: Option<Refusal>,
}

/// What an agent's policy may not do, decided when the scenario loads.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct AgentRights {
    pub principal: String,
    /// The deploy capability its policy was allowed (`policy.deploy.json`, ...)
    /// and the rule that allowed it: audited when the run starts.
    pub deploy: String,
    pub deploy_rule: String,
    /// Capability to the answer that refused it.
    pub refused: BTreeMap<&'static str, Refusal>,
}

/// A capability an RBAC rule set did not grant.
#[derive(Debug, Clone, PartialEq)]
pub struct Refusal {
    /// `DENY` or `REQUIRE_APPROVAL` (a simulation has no one to approve, so it
    /// refuses too).
    pub effect: &'static str,
    /// Which rule: `rule 3 at line 14`, or `the default`.
    pub rule: String,
}

impl Refusal {
    /// The refusal in `decision`, if it is one.
    pub fn of(decision: &crate::rbac::Decision) -> Option<Refusal> {
        use crate::rbac::Effect;
        let effect = match decision.effect {
            Effect::Allow => return None,
            Effect::Deny => "DENY",
            Effect::RequireApproval => "REQUIRE_APPROVAL",
        };
        Some(Refusal {
            effect,
            rule: decision.rule(),
        })
    }
}

/// `ops1` is the principal `user:ops1`; `user:ops1` is itself.
pub fn operator_principal(operator: &str) -> String {
    if operator.contains(':') {
        operator.to_string()
    } else {
        format!("user:{operator}")
    }
}

/// Whose action RBAC refused: an agent's policy (about a payment, or collateral),
/// or an operator (a reset, for an agent or the whole system).
#[derive(Debug, Clone, Copy)]
enum Refused {
    Policy { agent: usize, tx: Option<TxId> },
    Operator { target: Option<usize> },
}

/// What judging one agent's decisions changed in the gate's books: releases
/// counted, and withdrawals from the central queue given back.
#[derive(Debug, Default)]
pub struct Ledger {
    pub allowed: Vec<Request>,
    pub withdrawn: Vec<Request>,
}

/// The capability a release decision needs, if any.
fn capability(action: &ReleaseAction) -> Option<&'static str> {
    use crate::capabilities as c;
    Some(match action {
        ReleaseAction::Submit { .. } | ReleaseAction::SubmitPartial { .. } => c::RELEASE,
        ReleaseAction::Split { .. } => c::SPLIT,
        ReleaseAction::Drop => c::DROP,
        ReleaseAction::Reprioritize { .. } => c::REPRIORITIZE,
        ReleaseAction::WithdrawFromQueue2 => c::WITHDRAW,
        ReleaseAction::ResubmitToQueue2 { .. } => c::RESUBMIT,
        ReleaseAction::Hold { .. } => return None,
    })
}

/// The gate between a run's policies and its central queue.
#[derive(Debug)]
pub struct Governor {
    gate: ReleaseGate,
    events: Vec<PlannedEvent>,
    next_event: usize,
    chain: AuditChain,
    names: Vec<String>,
    rights: Vec<AgentRights>,
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
            rights: plan.rights.clone(),
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
        if tick == 0 {
            self.audit_deploys(state, sink);
        }
        let new_day = state.clock().tick_in_day() == 0;
        for change in self.gate.begin_tick(tick, new_day) {
            self.audit_change(state, &change, "latch", sink);
        }
        while let Some(event) = self.events.get(self.next_event) {
            if event.tick > tick {
                break;
            }
            self.next_event += 1;
            if let Some(refusal) = event.refused.clone() {
                let principal = operator_principal(event.operator.as_deref().unwrap_or(""));
                let agent = event.agent;
                self.audit_refusal(
                    state,
                    Refused::Operator { target: agent },
                    crate::capabilities::GATE_RESET,
                    &principal,
                    &refusal,
                    sink,
                );
                continue;
            }
            let target = event.agent.map(|a| AgentId(a as u32));
            let change = self.gate.apply(event.kind, target, event.operator.clone());
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
                .filter_map(|(_, entry)| state.get_transaction(entry.tx))
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
        decisions: &mut Vec<ReleaseDecision>,
        health: &Health,
        sink: &mut dyn EventSink,
    ) -> Ledger {
        self.enforce_rights(state, agent, decisions, sink);
        let mut ledger = Ledger::default();
        for decision in decisions.iter_mut() {
            let Some(tx) = state.get_transaction(decision.tx) else {
                continue;
            };
            if decision.action == ReleaseAction::WithdrawFromQueue2 {
                // Back in the bank's queue: what its release counted today no longer
                // left the bank (a release on an earlier day counts in no budget now).
                let day_start = state.tick() - state.clock().tick_in_day();
                if tx.submitted_tick.is_some_and(|t| t >= day_start) {
                    let request = Request {
                        agent,
                        counterparty: Some(tx.receiver),
                        amount: tx.remaining_amount(),
                        priority: tx.priority,
                    };
                    self.gate.uncommit(&request);
                    ledger.withdrawn.push(request);
                }
                continue;
            }
            let amount = match decision.action {
                ReleaseAction::SubmitPartial { amount } => amount,
                ReleaseAction::Submit { .. } | ReleaseAction::Split { .. } => tx.remaining_amount(),
                _ => continue,
            };
            let priority = match decision.action {
                ReleaseAction::Submit {
                    priority: Some(priority),
                } => priority,
                _ => tx.priority,
            };
            let request = Request {
                agent,
                counterparty: Some(tx.receiver),
                amount,
                priority,
            };
            let was_latched = self.gate.latch(agent).is_some();
            let verdict = self.gate.evaluate(&request, health, state.tick());
            if verdict.verdict == Verdict::Allow {
                self.gate.commit(&request);
                ledger.allowed.push(request);
                continue;
            }
            let gate = verdict.gate.map_or("gate", |g| g.name());
            decision.action = ReleaseAction::Hold {
                reason: HoldReason::Custom(format!("{gate} gate: {}", verdict.reason.code())),
            };
            self.audit_decision(state, agent, decision.tx, &request, health, &verdict, sink);
            if !was_latched && self.gate.latch(agent).is_some() {
                let change = Change {
                    agent: Some(agent),
                    what: crate::gate::ChangeKind::Suspended,
                    operator: None,
                };
                self.audit_latch(state, &change, &verdict, sink);
            }
        }
        ledger
    }

    /// Turns the decisions the agent's principal may not take into holds (for a
    /// payment in the central queue: into nothing, leaving it where it is).
    fn enforce_rights(
        &mut self,
        state: &SimState,
        agent: AgentId,
        decisions: &mut Vec<ReleaseDecision>,
        sink: &mut dyn EventSink,
    ) {
        let Some(rights) = self.rights.get(agent.index()) else {
            return;
        };
        if rights.refused.is_empty() {
            return;
        }
        let principal = rights.principal.clone();
        let mut refused_in_queue2 = Vec::new();
        for decision in decisions.iter_mut() {
            let Some(capability) = capability(&decision.action) else {
                continue;
            };
            let Some(refusal) = self.rights[agent.index()].refused.get(capability).cloned() else {
                continue;
            };
            self.audit_refusal(
                state,
                Refused::Policy {
                    agent: agent.index(),
                    tx: Some(decision.tx),
                },
                capability,
                &principal,
                &refusal,
                sink,
            );
            if matches!(
                decision.action,
                ReleaseAction::WithdrawFromQueue2 | ReleaseAction::ResubmitToQueue2 { .. }
            ) {
                refused_in_queue2.push(decision.tx);
            } else {
                decision.action = ReleaseAction::Hold {
                    reason: HoldReason::Custom(format!(
                        "rbac: {principal} may not {capability} ({}, {})",
                        refusal.effect, refusal.rule
                    )),
                };
            }
        }
        decisions.retain(|d| !refused_in_queue2.contains(&d.tx));
    }

    /// The collateral decision, or a hold when the agent's principal may not take it.
    pub fn collateral(
        &mut self,
        state: &SimState,
        agent: AgentId,
        decision: CollateralDecision,
        sink: &mut dyn EventSink,
    ) -> CollateralDecision {
        use crate::capabilities as c;
        let capability = match decision {
            CollateralDecision::Post { .. } => c::COLLATERAL_POST,
            CollateralDecision::Withdraw { .. } => c::COLLATERAL_WITHDRAW,
            CollateralDecision::Hold => return decision,
        };
        let Some(rights) = self.rights.get(agent.index()) else {
            return decision;
        };
        let Some(refusal) = rights.refused.get(capability).cloned() else {
            return decision;
        };
        let principal = rights.principal.clone();
        self.audit_refusal(
            state,
            Refused::Policy {
                agent: agent.index(),
                tx: None,
            },
            capability,
            &principal,
            &refusal,
            sink,
        );
        CollateralDecision::Hold
    }

    /// An RBAC refusal at run time: a policy's action, or an operator's reset.
    #[allow(clippy::too_many_arguments)] // one audit record's worth of facts
    fn audit_refusal(
        &mut self,
        state: &SimState,
        who: Refused,
        capability: &str,
        principal: &str,
        refusal: &Refusal,
        sink: &mut dyn EventSink,
    ) {
        let (agent, tx, operator) = match who {
            Refused::Policy { agent, tx } => (Some(agent), tx, false),
            Refused::Operator { target } => (target, None, true),
        };
        let mut inputs = BTreeMap::new();
        inputs.insert("principal".to_string(), json!(principal));
        inputs.insert("capability".to_string(), json!(capability));
        inputs.insert("rule".to_string(), json!(refusal.rule));
        let entry = AuditEntry {
            day: state.clock().day(),
            tick: state.tick(),
            agent: agent.map(|a| self.name(a)),
            tx: tx.map(|t| t.0.to_string()),
            kind: "rbac".into(),
            inputs,
            decision: refusal.effect.into(),
            reason_code: format!("RBAC_{}", refusal.effect),
            operator: operator.then(|| principal.to_string()),
            ..AuditEntry::default()
        };
        // An operator was refused, not the agent's policy: the record names the agent
        // the reset was for, the event (and so the agent's figures) does not.
        let agent = agent.filter(|_| !operator).map(|a| AgentId(a as u32));
        self.write(entry, "rbac", agent, tx, refusal.effect, None, None, sink);
    }

    /// The RBAC decisions taken when the scenario loaded: each agent's principal was
    /// allowed to deploy its policy (a refusal stops the run before it starts), and
    /// the capabilities it was refused.
    fn audit_deploys(&mut self, state: &SimState, sink: &mut dyn EventSink) {
        for agent in 0..self.rights.len() {
            let rights = &self.rights[agent];
            let mut inputs = BTreeMap::new();
            inputs.insert("principal".to_string(), json!(rights.principal));
            inputs.insert("capability".to_string(), json!(rights.deploy));
            inputs.insert("rule".to_string(), json!(rights.deploy_rule));
            let refused: Vec<&str> = rights.refused.keys().copied().collect();
            inputs.insert("refused".to_string(), json!(refused));
            let entry = AuditEntry {
                day: state.clock().day(),
                tick: state.tick(),
                agent: Some(self.name(agent)),
                kind: "rbac".into(),
                inputs,
                decision: "ALLOW".into(),
                reason_code: "RBAC_ALLOW".into(),
                ..AuditEntry::default()
            };
            let id = Some(AgentId(agent as u32));
            self.write(entry, "rbac", id, None, "ALLOW", None, None, sink);
        }
    }

    /// Takes back what [`Governor::judge`] counted, when the engine refused the
    /// decisions after the gate allowed them.
    pub fn uncommit(&mut self, ledger: &Ledger) {
        for request in &ledger.allowed {
            self.gate.uncommit(request);
        }
        for request in &ledger.withdrawn {
            self.gate.commit(request);
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
            inputs.insert("counterparty".to_string(), json!(self.name(b.index())));
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
        let agent = change.agent;
        let entry = AuditEntry {
            day: state.clock().day(),
            tick: state.tick(),
            agent: change.agent.map(|a| self.name(a.index())),
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
        let agent = change.agent;
        let code = change.what.code();
        let entry = AuditEntry {
            day: state.clock().day(),
            tick: state.tick(),
            agent: change.agent.map(|a| self.name(a.index())),
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
            audit: Box::new(AuditEvent {
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
            }),
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
