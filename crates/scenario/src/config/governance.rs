//! Checking a scenario's governance: the `governance:` block (the release gate's
//! limits), the `scenario_events:` (operators' actions), and the `rbac:` rule file
//! with each policy's `principal`. Every agent name, tick and right is checked when
//! the scenario loads; a policy its principal may not deploy stops the run there.

use super::events::{Timeline, lookup};
use super::file::ScenarioFile;
use super::files::PolicyFiles;
use super::validate::Problems;
use rtgsim_governance::capabilities::{self, Capability};
use rtgsim_governance::gate::config::ScenarioEventKind;
use rtgsim_governance::governor::{
    AgentRights, GovernancePlan, PlannedEvent, Refusal, operator_principal,
};
use rtgsim_governance::rbac::{Risk, RuleSet};
use serde_json::Value;

/// Deploys and actions are judged at this risk; the rules can still escalate or
/// cap it per rule.
const RISK: Risk = Risk::Medium;

/// The policy map without its `principal` key (which the policy types do not take).
pub(super) fn without_principal(policy: &Value) -> Value {
    let mut policy = policy.clone();
    if let Value::Object(map) = &mut policy {
        map.remove("principal");
    }
    policy
}

/// The plan, or `None` when the scenario has no governance (or problems, recorded).
pub(super) fn resolve(
    file: &ScenarioFile,
    files: &mut PolicyFiles,
    timeline: &Timeline,
    problems: &mut Problems,
) -> Option<GovernancePlan> {
    let operators_act = file
        .scenario_events
        .iter()
        .any(|e| e.kind.operator_action().is_some());
    if file.governance.is_none() && !operators_act && file.rbac.is_none() {
        return None;
    }
    problems.check(
        file.costs.eod_borrowing_bps.is_none() || file.governance.is_none(),
        || "costs.eod_borrowing_bps".into(),
        || {
            "end-of-day borrowing cannot be combined with governance: the loans would \
             release payments the release gate may hold"
                .into()
        },
    );
    let names: Vec<&str> = file.agents.iter().map(|a| a.id.as_str()).collect();
    let config = file.governance.clone().unwrap_or_default();
    let limits = match config.resolve(&names) {
        Ok(limits) => Some(limits),
        Err(found) => {
            for problem in found {
                let (path, message) = problem.split_once(": ").unwrap_or(("governance", &problem));
                problems.add(path, message);
            }
            None
        }
    };
    let rules = file.rbac.as_ref().and_then(|path| match files.read(path) {
        Ok(text) => match RuleSet::from_yaml(&text, path) {
            Ok(rules) => Some(rules),
            Err(error) => {
                problems.add("rbac", error.to_string());
                None
            }
        },
        Err(message) => {
            problems.add("rbac", message);
            None
        }
    });
    let rights = match &rules {
        Some(rules) => agent_rights(file, rules, problems),
        None => Vec::new(),
    };
    let events = planned_events(file, &names, rules.as_ref(), timeline, problems);
    limits.map(|limits| GovernancePlan {
        limits,
        events,
        rights,
        // Set once every policy file is read (see `validate::resolve`).
        genesis: String::new(),
    })
}

/// Each agent's principal (its policy's `principal`, or `agent:<ID>`), checked
/// for deploying its policy, and what it may not do at run time.
fn agent_rights(file: &ScenarioFile, rules: &RuleSet, problems: &mut Problems) -> Vec<AgentRights> {
    let mut all = Vec::new();
    for (i, agent) in file.agents.iter().enumerate() {
        let policy = agent.policy.as_ref().map(|p| &p.0);
        let principal = match policy.and_then(|p| p.get("principal")) {
            Some(Value::String(p)) if !p.is_empty() => p.clone(),
            Some(other) => {
                problems.add(
                    format!("agents[{i}].policy.principal"),
                    format!("must be a principal such as \"optimizer:llm-7\", not {other}"),
                );
                continue;
            }
            None => format!("agent:{}", agent.id),
        };
        let policy_type = policy
            .and_then(|p| p.get("type"))
            .and_then(Value::as_str)
            .unwrap_or("Fifo");
        let deploy = capabilities::family(policy_type).deploy();
        let decided = rules.decide(&principal, deploy.name(), RISK);
        if let Some(refusal) = Refusal::of(&decided) {
            problems.add(
                format!("agents[{i}].policy"),
                format!(
                    "{principal} may not {} ({}, {} of {})",
                    deploy.name(),
                    refusal.effect,
                    refusal.rule,
                    rules.source()
                ),
            );
        }
        let refused = Capability::policy_actions()
            .filter_map(|capability| {
                Refusal::of(&rules.decide(&principal, capability.name(), RISK))
                    .map(|refusal| (capability, refusal))
            })
            .collect();
        all.push(AgentRights {
            principal,
            deploy,
            deploy_rule: decided.rule(),
            refused,
        });
    }
    all
}

/// The operators' events, checked and in tick order.
fn planned_events(
    file: &ScenarioFile,
    names: &[&str],
    rules: Option<&RuleSet>,
    timeline: &Timeline,
    problems: &mut Problems,
) -> Vec<PlannedEvent> {
    let mut events = Vec::new();
    for (i, event) in file.scenario_events.iter().enumerate() {
        let Some(kind) = event.kind.operator_action() else {
            continue;
        };
        let path = format!("scenario_events[{i}]");
        // Keys of other kinds were refused with the shocks (`events`).
        let tick = event.first_tick(&path, timeline, problems);
        let agent = match &event.agent {
            Some(name) => match lookup(name, names, &format!("{path}.agent"), problems) {
                Some(agent) => Some(agent),
                None => continue,
            },
            None => None,
        };
        let Some(tick) = tick else {
            continue;
        };
        let Some(operator) = event.operator.clone().filter(|o| !o.is_empty()) else {
            problems.add(
                format!("{path}.operator"),
                "an operator's action needs the operator's id (operator: ...), for the audit trail",
            );
            continue;
        };
        // A reset needs `gate.reset`; a bare id is a user.
        let refused = match (rules, kind) {
            (Some(rules), ScenarioEventKind::Reset) => {
                let principal = operator_principal(&operator);
                Refusal::of(&rules.decide(&principal, Capability::GateReset.name(), RISK))
            }
            _ => None,
        };
        events.push(PlannedEvent {
            tick,
            kind,
            agent,
            operator: Some(operator),
            refused,
        });
    }
    // Stable: events at one tick apply in the order written.
    events.sort_by_key(|e| e.tick);
    events
}
