//! The release gate in the tick loop: operators' events at the start of a tick,
//! every release judged before it reaches the central queue, and the audit trail of
//! everything that was not a plain ALLOW, chained and written to the event log. A
//! payment the gate (or RBAC) holds tick after tick for the same reason is audited
//! once, when that hold starts: the trail grows with changes, not with ticks.
//!
//! The gate itself (`crate::gate`) decides; this module gives it the
//! state it needs and turns its answers into holds and `audit` events.
//!
//! **Checked, gated, committed.** The engine checks an agent's decisions with core
//! first (`SimState::check_release_decisions`) and asks [`Governor::judge`] only
//! about decisions that apply in full. The gate counts a release the moment it
//! allows it, and nothing it counted is refused afterwards: the gate's holds and
//! RBAC's refusals only turn a checked decision into a hold, or drop a decision
//! about a payment in the central queue, and what is left still applies.

mod audited;
mod plan;

pub use plan::{AgentRights, GovernancePlan, PlannedEvent, Refusal, operator_principal};

use crate::audit::AuditChain;
use crate::capabilities::Capability;
use crate::gate::{Change, Decision, Health, ReleaseGate, Request, Verdict, agent_id};
use crate::rbac::Effect;
use audited::{Audited, Why};
use rtgsim_core::event::{EventSink, LogName, Rollback};
use rtgsim_core::{
    AgentId, AuditDecision, AuditGate, AuditKind, CollateralDecision, HoldReason, ReleaseAction,
    ReleaseDecision, Requester, SimState, TxId,
};
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use std::collections::BTreeMap;

/// Whose action RBAC refused: an agent's policy (about a payment, or collateral),
/// or an operator (a reset, for an agent or the whole system).
#[derive(Debug, Clone, Copy)]
enum Refused {
    Policy { agent: AgentId, tx: Option<TxId> },
    Operator { target: Option<AgentId> },
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

impl Governor {
    pub fn new(plan: &GovernancePlan, names: Vec<String>) -> Governor {
        Governor {
            gate: ReleaseGate::new(plan.limits.clone()),
            events: plan.events.clone(),
            next_event: 0,
            chain: AuditChain::new(&plan.genesis),
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
        self.chain = AuditChain::resume(checkpoint.next_seq, checkpoint.last_hash);
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
            self.audit_change(state, change, AuditKind::Latch, sink);
        }
        while let Some(event) = self.events.get(self.next_event) {
            if event.tick > tick {
                break;
            }
            self.next_event += 1;
            if let Some(refusal) = event.refused.clone() {
                let principal = operator_principal(event.operator.as_deref().unwrap_or(""));
                let target = event.agent;
                self.audit_refusal(
                    state,
                    Refused::Operator { target },
                    Capability::GateReset.name(),
                    &principal,
                    &refusal,
                    sink,
                );
                continue;
            }
            let (kind, agent, operator) = (event.kind, event.agent, event.operator.clone());
            let change = self.gate.apply(kind, agent, operator);
            self.audit_change(state, change, AuditKind::from(kind), sink);
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

    /// Judges every release among `decisions`, which core has checked (they
    /// apply in full): in order, each release counted before the next is judged;
    /// one that does not pass becomes a hold, audited when the payment starts to
    /// wait for that gate (not again each tick it is judged and held by the same
    /// gate; core records the hold itself). A payment taken back from the
    /// central queue gives back what its release counted today.
    pub fn judge(
        &mut self,
        state: &SimState,
        agent: AgentId,
        decisions: &mut Vec<ReleaseDecision>,
        health: &Health,
        sink: &mut dyn EventSink,
    ) {
        debug_assert_eq!(state.check_release_decisions(agent, decisions), Ok(()));
        self.enforce_rights(state, agent, decisions, sink);
        for decision in decisions.iter_mut() {
            let Some(tx) = state.get_transaction(decision.tx) else {
                continue;
            };
            if decision.action == ReleaseAction::WithdrawFromQueue2 {
                // Back in the bank's queue: what its release counted today no longer
                // left the bank (a release on an earlier day counts in no budget now).
                let day_start = state.tick() - state.clock().tick_in_day();
                if tx.submitted_tick.is_some_and(|t| t >= day_start) {
                    self.gate.withdraw(&Request {
                        agent,
                        counterparty: Some(tx.receiver),
                        amount: tx.remaining_amount(),
                        priority: tx.priority,
                    });
                }
                continue;
            }
            let amount = match decision.action {
                ReleaseAction::SubmitPartial { amount, .. } => amount,
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
                continue;
            }
            let reason = HoldReason::Gated {
                gate: verdict.gate.map(AuditGate::from),
            };
            // Audited when the hold starts or its gate changes: the record of the
            // first tick says why the payment waits until it is released.
            if !state.is_held_for(decision.tx, &reason) {
                self.audit_decision(state, decision.tx, &request, health, &verdict, sink);
            }
            decision.action = ReleaseAction::Hold { reason };
            if !was_latched && self.gate.latch(agent).is_some() {
                self.audit_latch(state, agent, &verdict, sink);
            }
        }
        // Holds and dropped queue decisions keep checked decisions applicable, so
        // what the gate counted is carried out.
        debug_assert_eq!(state.check_release_decisions(agent, decisions), Ok(()));
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
            let Some(capability_of) = decision.action.capability() else {
                continue;
            };
            let Some(refusal) = self.rights[agent.index()]
                .refused
                .get(&capability_of)
                .cloned()
            else {
                continue;
            };
            let capability = capability_of.name();
            let who = Refused::Policy {
                agent,
                tx: Some(decision.tx),
            };
            if decision.action.is_for_queue2() {
                self.audit_refusal(state, who, capability, &principal, &refusal, sink);
                refused_in_queue2.push(decision.tx);
                continue;
            }
            let reason = HoldReason::Refused {
                capability: capability_of,
            };
            // Audited when the hold starts, like the gate's holds.
            if !state.is_held_for(decision.tx, &reason) {
                self.audit_refusal(state, who, capability, &principal, &refusal, sink);
            }
            decision.action = ReleaseAction::Hold { reason };
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
        let Some(capability) = decision.capability() else {
            return decision;
        };
        let Some(rights) = self.rights.get(agent.index()) else {
            return decision;
        };
        let Some(refusal) = rights.refused.get(&capability).cloned() else {
            return decision;
        };
        let capability = capability.name();
        let principal = rights.principal.clone();
        let who = Refused::Policy { agent, tx: None };
        self.audit_refusal(state, who, capability, &principal, &refusal, sink);
        CollateralDecision::Hold
    }

    /// An RBAC refusal at run time: a policy's action, or an operator's reset.
    fn audit_refusal(
        &mut self,
        state: &SimState,
        who: Refused,
        capability: &str,
        principal: &str,
        refusal: &Refusal,
        sink: &mut dyn EventSink,
    ) {
        let (requester, agent, tx) = match who {
            Refused::Policy { agent, tx } => (Requester::Policy, Some(agent), tx),
            Refused::Operator { target } => (Requester::Operator, target, None),
        };
        let mut inputs = BTreeMap::new();
        inputs.insert("principal".to_string(), json!(principal));
        inputs.insert("capability".to_string(), json!(capability));
        inputs.insert("rule".to_string(), json!(refusal.rule));
        let audited = Audited {
            agent,
            tx,
            inputs,
            operator: (requester == Requester::Operator).then(|| principal.to_string()),
            ..Audited::new(
                AuditKind::Rbac(requester),
                refusal.effect.into(),
                Why::Rbac(refusal.effect),
            )
        };
        self.write(state, audited, sink);
    }

    /// The RBAC decisions taken when the scenario loaded: each agent's principal was
    /// allowed to deploy its policy (a refusal stops the run before it starts), and
    /// the capabilities it was refused.
    fn audit_deploys(&mut self, state: &SimState, sink: &mut dyn EventSink) {
        for index in 0..self.rights.len() {
            let rights = &self.rights[index];
            let mut inputs = BTreeMap::new();
            inputs.insert("principal".to_string(), json!(rights.principal));
            inputs.insert("capability".to_string(), json!(rights.deploy.name()));
            inputs.insert("rule".to_string(), json!(rights.deploy_rule));
            // By name, as the audit record has always listed them.
            let mut refused: Vec<&str> = rights.refused.keys().map(|c| c.name()).collect();
            refused.sort_unstable();
            inputs.insert("refused".to_string(), json!(refused));
            let audited = Audited {
                agent: Some(agent_id(index)),
                inputs,
                ..Audited::new(
                    AuditKind::Rbac(Requester::Policy),
                    AuditDecision::Allow,
                    Why::Rbac(Effect::Allow),
                )
            };
            self.write(state, audited, sink);
        }
    }

    /// A release the gate did not allow, with the inputs it judged on.
    fn audit_decision(
        &mut self,
        state: &SimState,
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
        let audited = Audited {
            agent: Some(request.agent),
            tx: Some(tx),
            inputs,
            gate: decision.gate,
            latched: decision.latched,
            amount: Some(request.amount),
            ..Audited::new(
                AuditKind::Gate,
                decision.verdict.into(),
                Why::Gate(decision.reason),
            )
        };
        self.write(state, audited, sink);
    }

    /// A new latch: the HALT that set it.
    fn audit_latch(
        &mut self,
        state: &SimState,
        agent: AgentId,
        decision: &Decision,
        sink: &mut dyn EventSink,
    ) {
        let audited = Audited {
            agent: Some(agent),
            gate: decision.gate,
            latched: true,
            ..Audited::new(
                AuditKind::Latch,
                AuditDecision::Latched,
                Why::Gate(decision.reason),
            )
        };
        self.write(state, audited, sink);
    }

    /// What an operator's event or the passing of time changed.
    fn audit_change(
        &mut self,
        state: &SimState,
        change: Change,
        kind: AuditKind,
        sink: &mut dyn EventSink,
    ) {
        let audited = Audited {
            agent: change.agent,
            latched: change.agent.is_some_and(|a| self.gate.latch(a).is_some()),
            operator: change.operator,
            ..Audited::new(kind, change.what.into(), Why::Change(change.what))
        };
        self.write(state, audited, sink);
    }

    /// A guardband broke over `agent`'s last window and its policy was rolled back
    /// (the engine's guardbands): who, which guardband, what was measured against
    /// which bound. The figures are written as text, exactly as the `rolled_back`
    /// event writes them.
    pub fn audit_rollback(
        &mut self,
        state: &SimState,
        agent: AgentId,
        rollback: &Rollback,
        sink: &mut dyn EventSink,
    ) {
        let mut inputs = BTreeMap::new();
        inputs.insert(
            "guardband".to_string(),
            json!(rollback.guardband.log_name()),
        );
        inputs.insert("value".to_string(), json!(rollback.value.to_string()));
        inputs.insert("bound".to_string(), json!(rollback.bound.to_string()));
        inputs.insert("window_start".to_string(), json!(rollback.window_start));
        let audited = Audited {
            agent: Some(agent),
            inputs,
            ..Audited::new(
                AuditKind::Rollback,
                AuditDecision::RolledBack,
                Why::Guardband(rollback.guardband),
            )
        };
        self.write(state, audited, sink);
    }

    /// Seals `audited` as the chain's next record and records it as an event.
    fn write(&mut self, state: &SimState, audited: Audited, sink: &mut dyn EventSink) {
        sink.record(audited.seal(&mut self.chain, state, &self.names));
    }

    fn name(&self, agent: AgentId) -> String {
        audited::name(&self.names, agent)
    }
}

fn option<T: Into<Value>>(value: Option<T>) -> Value {
    value.map_or(Value::Null, Into::into)
}
