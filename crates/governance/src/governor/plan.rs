//! What the governor is built from: the scenario's governance as the scenario
//! crate checked it (limits, operators' events, each agent's RBAC rights).

use crate::gate::config::{Resolved, ScenarioEventKind};
use crate::rbac::{Decision, Effect};
use rtgsim_core::policy_api::Capability;
use rtgsim_core::{AgentId, Tick};
use std::collections::BTreeMap;

/// The scenario's governance, checked: limits by agent index, the operators'
/// events in tick order, and, with RBAC rules, what each agent's policy may not do.
#[derive(Debug, Clone, PartialEq)]
pub struct GovernancePlan {
    pub limits: Resolved,
    pub events: Vec<PlannedEvent>,
    /// One per agent when the scenario has RBAC rules; empty otherwise.
    pub rights: Vec<AgentRights>,
    /// The audit chain's first `prev_hash`: [`crate::audit::genesis_hash`] of the
    /// run's inputs fingerprint and seed, which binds the chain to its run.
    pub genesis: String,
}

/// An operator's action at a tick, its agent resolved (`None`: the whole system).
#[derive(Debug, Clone, PartialEq)]
pub struct PlannedEvent {
    pub tick: Tick,
    pub kind: ScenarioEventKind,
    pub agent: Option<AgentId>,
    pub operator: Option<String>,
    /// Set when RBAC rules do not let the operator do it (a `reset` needs
    /// `gate.reset`): the event is refused and audited instead.
    pub refused: Option<Refusal>,
}

/// What an agent's policy may not do, decided when the scenario loads.
#[derive(Debug, Clone, PartialEq)]
pub struct AgentRights {
    pub principal: String,
    /// The deploy capability its policy was allowed (`policy.deploy.json`, ...)
    /// and the rule that allowed it: audited when the run starts.
    pub deploy: Capability,
    pub deploy_rule: String,
    /// Capability to the answer that refused it.
    pub refused: BTreeMap<Capability, Refusal>,
}

/// A capability an RBAC rule set did not grant.
#[derive(Debug, Clone, PartialEq)]
pub struct Refusal {
    /// `Deny` or `RequireApproval` (a simulation has no one to approve, so it
    /// refuses too); never `Allow`.
    pub effect: Effect,
    /// Which rule: `rule 3 at line 14`, or `the default`.
    pub rule: String,
}

impl Refusal {
    /// The refusal in `decision`, if it is one.
    pub fn of(decision: &Decision) -> Option<Refusal> {
        (decision.effect != Effect::Allow).then(|| Refusal {
            effect: decision.effect,
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
