//! The `governance:` and `scenario_events:` blocks of a scenario, as written, and
//! their resolution to agent indexes (every name checked).

use rtgsim_core::{AgentId, AuditKind, Cents};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// The `governance:` block.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct GovernanceConfig {
    /// Agents suspended from tick 0; `"*"` suspends the whole system.
    #[serde(default)]
    pub kill_switch: Vec<String>,
    /// Value each agent may release per tick and per day, in cents.
    #[serde(default)]
    pub budgets: BTreeMap<String, BudgetLimits>,
    /// Sender limits on net outflow, in cents.
    #[serde(default)]
    pub limits: BTreeMap<String, RiskLimits>,
    #[serde(default)]
    pub health: HealthLimits,
    /// Ticks after which a HALT latch clears by itself; 0: only an operator resets.
    #[serde(default)]
    pub latch_reset_window_ticks: u32,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BudgetLimits {
    pub per_tick: Option<Cents>,
    pub per_day: Option<Cents>,
}

/// Limits a participant sets on what it pays out net of what it receives, today:
/// to one counterparty (`bilateral`) and to all (`multilateral`).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RiskLimits {
    #[serde(default)]
    pub bilateral: BTreeMap<String, Cents>,
    pub multilateral: Option<Cents>,
}

/// System health thresholds: above them, releases wait.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct HealthLimits {
    /// Value waiting in the central queue, all agents, in cents.
    pub max_queue2_value: Option<Cents>,
    /// Ticks the oldest payment in the central queue has waited.
    pub max_queue2_age_ticks: Option<u32>,
    /// Contingency mode from tick 0: only payments of at least
    /// `contingency_min_priority` are released.
    #[serde(default)]
    pub contingency: bool,
    #[serde(default = "default_contingency_priority")]
    pub contingency_min_priority: u8,
}

impl Default for HealthLimits {
    fn default() -> Self {
        HealthLimits {
            max_queue2_value: None,
            max_queue2_age_ticks: None,
            contingency: false,
            contingency_min_priority: default_contingency_priority(),
        }
    }
}

fn default_contingency_priority() -> u8 {
    10
}

/// An operator's action at a tick (`scenario_events:`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ScenarioEvent {
    pub tick: u32,
    pub kind: ScenarioEventKind,
    /// The participant; absent: the whole system.
    pub agent: Option<String>,
    pub operator: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ScenarioEventKind {
    /// Suspend a participant (or the system): its releases HALT and latch.
    Suspend,
    /// Lift a suspension and reset the latch.
    Reset,
    ContingencyStart,
    ContingencyEnd,
}

impl ScenarioEventKind {
    /// The event's name in a scenario file, and its kind in the audit trail.
    pub fn name(self) -> &'static str {
        AuditKind::from(self).as_str()
    }
}

impl From<ScenarioEventKind> for AuditKind {
    fn from(kind: ScenarioEventKind) -> AuditKind {
        match kind {
            ScenarioEventKind::Suspend => AuditKind::Suspend,
            ScenarioEventKind::Reset => AuditKind::Reset,
            ScenarioEventKind::ContingencyStart => AuditKind::ContingencyStart,
            ScenarioEventKind::ContingencyEnd => AuditKind::ContingencyEnd,
        }
    }
}

/// Limits by agent index, checked against the agents' names: the operators'
/// configuration, which a run does not change (the gate keeps what operators'
/// events change, suspensions among them, in its own state).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Resolved {
    /// The whole system suspended from tick 0 (`"*"` in the kill switch).
    pub system_suspended: bool,
    /// Per agent: suspended from tick 0 (named in the kill switch).
    pub suspended: Vec<bool>,
    pub budgets: Vec<BudgetLimits>,
    /// Per agent: (counterparty, limit), sorted by counterparty.
    pub bilateral: Vec<Vec<(AgentId, Cents)>>,
    pub multilateral: Vec<Option<Cents>>,
    pub health: HealthLimits,
    pub latch_window: u32,
}

impl GovernanceConfig {
    /// Resolves agent names to indexes; every unknown name or negative limit is a
    /// problem, named by its path (`governance.budgets.BANK_Z`).
    pub fn resolve(&self, agents: &[&str]) -> Result<Resolved, Vec<String>> {
        let mut problems = Vec::new();
        let index = |name: &str, path: String, problems: &mut Vec<String>| {
            let found = agents.iter().position(|a| *a == name);
            if found.is_none() {
                problems.push(format!("{path}: no agent \"{name}\""));
            }
            found
        };
        let n = agents.len();
        let mut resolved = Resolved {
            suspended: vec![false; n],
            budgets: vec![BudgetLimits::default(); n],
            bilateral: vec![Vec::new(); n],
            multilateral: vec![None; n],
            health: self.health.clone(),
            latch_window: self.latch_reset_window_ticks,
            system_suspended: false,
        };
        for (i, name) in self.kill_switch.iter().enumerate() {
            if name == "*" {
                resolved.system_suspended = true;
            } else if let Some(a) =
                index(name, format!("governance.kill_switch[{i}]"), &mut problems)
            {
                resolved.suspended[a] = true;
            }
        }
        let mut non_negative = |path: String, value: Option<Cents>| {
            if value.is_some_and(|v| v < 0) {
                problems.push(format!("{path}: a limit cannot be negative"));
            }
        };
        for (name, budget) in &self.budgets {
            non_negative(
                format!("governance.budgets.{name}.per_tick"),
                budget.per_tick,
            );
            non_negative(format!("governance.budgets.{name}.per_day"), budget.per_day);
        }
        for (name, limits) in &self.limits {
            non_negative(
                format!("governance.limits.{name}.multilateral"),
                limits.multilateral,
            );
            for (other, limit) in &limits.bilateral {
                non_negative(
                    format!("governance.limits.{name}.bilateral.{other}"),
                    Some(*limit),
                );
            }
        }
        for (name, budget) in &self.budgets {
            if let Some(a) = index(name, format!("governance.budgets.{name}"), &mut problems) {
                resolved.budgets[a] = budget.clone();
            }
        }
        for (name, limits) in &self.limits {
            let Some(a) = index(name, format!("governance.limits.{name}"), &mut problems) else {
                continue;
            };
            resolved.multilateral[a] = limits.multilateral;
            for (other, limit) in &limits.bilateral {
                let path = format!("governance.limits.{name}.bilateral.{other}");
                if let Some(b) = index(other, path, &mut problems) {
                    resolved.bilateral[a].push((super::agent_id(b), *limit));
                }
            }
            resolved.bilateral[a].sort_unstable();
        }
        for (path, value) in [(
            "governance.health.max_queue2_value",
            self.health.max_queue2_value,
        )] {
            if value.is_some_and(|v| v < 0) {
                problems.push(format!("{path}: a limit cannot be negative"));
            }
        }
        if self.health.contingency_min_priority > 10 {
            problems.push(format!(
                "governance.health.contingency_min_priority: {} is not a priority (0 to 10)",
                self.health.contingency_min_priority
            ));
        }
        if problems.is_empty() {
            Ok(resolved)
        } else {
            Err(problems)
        }
    }
}
