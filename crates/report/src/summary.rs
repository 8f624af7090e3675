//! A run's summary: one JSON document for programs, tables for people.
//!
//! The JSON keys are a contract that other tools rely on: keys may be added, never
//! renamed or removed.

use crate::event_log::LogSummary;
use crate::indicators::Indicators;
use crate::metrics::{AgentMetrics, CostTotals};

mod tables;
use rtgsim_core::event::LogName;
use serde::Serialize;

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RunSummary {
    /// SHA-256 of the JSON-lines event log.
    pub event_log_hash: String,
    pub events: u64,
    pub ticks: u64,
    pub days: u32,
    pub ticks_per_day: u32,
    pub seed: u64,
    pub totals: TotalsSummary,
    pub agents: Vec<AgentSummary>,
    /// What each liquidity-saving algorithm settled.
    pub lsm: Vec<LsmSummary>,
    /// What the release gate held and halted, and the audit chain's head; present
    /// when the scenario has governance.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub governance: Option<GovernanceSummary>,
    /// Agents whose guardband broke and whose policy was rolled back, in the order
    /// it happened; present when any was.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub rollbacks: Vec<RollbackSummary>,
}

/// A guardband's rollback: at the end of `tick`, the agent's window from
/// `window_start` broke `guardband` (`value` against `bound`), and it runs its
/// previous policy from the next tick on.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RollbackSummary {
    pub tick: u32,
    pub agent: String,
    pub guardband: String,
    /// Cents for `cost` and `peak_credit` (exact), a share for `settlement_rate`.
    pub value: Option<serde_json::Number>,
    pub bound: Option<serde_json::Number>,
    pub window_start: u32,
}

impl RollbackSummary {
    /// `BANK_A: guardband settlement_rate 0 < 0.9025 over ticks 0-9; rolled back
    /// after tick 9`.
    pub fn reason(&self) -> String {
        let broken_as = if self.guardband == "settlement_rate" {
            "<"
        } else {
            ">"
        };
        let show =
            |n: &Option<serde_json::Number>| n.as_ref().map_or("-".into(), |n| n.to_string());
        format!(
            "{}: guardband {} {} {broken_as} {} over ticks {}-{}; rolled back to the previous policy after tick {}",
            self.agent,
            self.guardband,
            show(&self.value),
            show(&self.bound),
            self.window_start,
            self.tick,
            self.tick
        )
    }
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct GovernanceSummary {
    pub audit_records: u64,
    /// The hash of the last audit record (`null` when there is none).
    pub audit_head: Option<String>,
    /// Operators' actions, latch changes and RBAC decisions that are not a policy's,
    /// by code (`SUSPENDED`, `RESET`, `LATCHED`, `OPERATOR_REFUSED`, `RBAC_ALLOW`, ...).
    pub changes: std::collections::BTreeMap<String, u64>,
    /// Per agent that the gate stopped at least once.
    pub agents: Vec<GovernanceAgentSummary>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct GovernanceAgentSummary {
    pub id: String,
    /// Held decisions and their value, by gate (`budget`, `health`, `risk`).
    pub held: std::collections::BTreeMap<String, crate::governance_figures::Blocked>,
    /// Releases stopped by a HALT (kill switch or latch).
    pub halted: crate::governance_figures::Blocked,
    /// Decisions of its policy that RBAC rules refused (turned into holds).
    pub rbac_refused: u64,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TotalsSummary {
    pub payments: u64,
    pub settled: u64,
    pub settled_value: i128,
    /// Settled payments over payments; `null` when there were none.
    pub settlement_rate: Option<f64>,
    pub settled_on_time: u64,
    pub dropped: u64,
    pub unsettled: u64,
    pub avg_delay_ticks: Option<f64>,
    pub max_delay_ticks: u64,
    pub policy_errors: u64,
    pub settlements: RouteSummary,
    pub costs: CostSummary,
    /// The standard indicators of the whole system (bounds: the sum of the banks').
    pub indicators: Indicators,
}

/// How payments and parts settled: on release, from the queue, or by the LSM.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct RouteSummary {
    pub immediate: u64,
    pub queue: u64,
    pub lsm: u64,
    /// At a close, by an end-of-day loan.
    pub eod_loan: u64,
}

impl From<&AgentMetrics> for RouteSummary {
    fn from(m: &AgentMetrics) -> Self {
        RouteSummary {
            immediate: m.settled_immediately,
            queue: m.settled_from_queue,
            lsm: m.settled_by_lsm,
            eod_loan: m.settled_by_eod_loan,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct AgentSummary {
    pub id: String,
    pub policy: String,
    pub opening_balance: i64,
    pub closing_balance: i64,
    pub payments: u64,
    pub settled: u64,
    pub settled_value: i128,
    pub settlement_rate: Option<f64>,
    pub settled_on_time: u64,
    pub dropped: u64,
    pub unsettled: u64,
    pub avg_delay_ticks: Option<f64>,
    pub max_delay_ticks: u64,
    pub peak_overdraft: i64,
    pub peak_posted_collateral: i64,
    pub splits: u64,
    pub policy_errors: u64,
    pub settlements: RouteSummary,
    pub costs: CostSummary,
    pub indicators: Indicators,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct CostSummary {
    pub overdraft: i128,
    pub delay: i128,
    pub deadline: i128,
    pub eod: i128,
    pub collateral: i128,
    pub split: i128,
    /// The daily liquidity cost (initial liquidity).
    pub liquidity: i128,
    /// End-of-day borrowing.
    pub borrowing: i128,
    pub total: i128,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct LsmSummary {
    pub algorithm: &'static str,
    /// Sets settled (one event each).
    pub sets: u64,
    pub payments: u64,
    pub value: i128,
    /// Value settled minus the net debits that settling it needed.
    pub liquidity_saved: i128,
    /// `value` over all value settled in the run.
    pub share_of_settled_value: Option<f64>,
}

impl From<&CostTotals> for CostSummary {
    fn from(c: &CostTotals) -> Self {
        CostSummary {
            overdraft: c.overdraft,
            delay: c.delay,
            deadline: c.deadline,
            eod: c.eod,
            collateral: c.collateral,
            split: c.split,
            liquidity: c.liquidity,
            borrowing: c.borrowing,
            total: c.total(),
        }
    }
}

/// What a summary says about a run besides what its events say.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RunInfo {
    pub ticks_per_day: u32,
    pub num_days: u32,
    pub seed: u64,
    /// Each agent's id and its policy's type name, in agent order.
    pub agents: Vec<(String, String)>,
    /// Whether the run had a release gate (its figures are then reported).
    pub governed: bool,
}

impl RunSummary {
    pub fn new(run: &RunInfo, log: &LogSummary) -> Self {
        let metrics = &log.metrics;
        let agents = run
            .agents
            .iter()
            .zip(metrics.agents())
            .map(|((name, policy), m)| agent_summary(name, policy, m))
            .collect();
        let t = metrics.totals();
        RunSummary {
            event_log_hash: log.hash.clone(),
            events: log.events,
            ticks: u64::from(run.ticks_per_day) * u64::from(run.num_days),
            days: run.num_days,
            ticks_per_day: run.ticks_per_day,
            seed: run.seed,
            totals: TotalsSummary {
                payments: t.payments,
                settled: t.settled,
                settled_value: t.settled_value,
                settlement_rate: t.settlement_rate(),
                settled_on_time: t.settled_on_time,
                dropped: t.dropped,
                unsettled: t.unsettled(),
                avg_delay_ticks: t.avg_delay_ticks(),
                max_delay_ticks: t.delay_ticks_max,
                policy_errors: t.policy_errors,
                settlements: RouteSummary::from(&t),
                costs: CostSummary::from(&t.costs),
                indicators: indicators_of(&t),
            },
            agents,
            lsm: metrics
                .lsm()
                .iter()
                .map(|(&algorithm, f)| LsmSummary {
                    algorithm: algorithm.log_name(),
                    sets: f.sets,
                    payments: f.payments,
                    value: f.value,
                    liquidity_saved: f.liquidity_saved,
                    share_of_settled_value: (t.settled_value > 0)
                        .then(|| f.value as f64 / t.settled_value as f64),
                })
                .collect(),
            governance: run
                .governed
                .then(|| governance_summary(run, metrics.governance())),
            rollbacks: metrics
                .rollbacks()
                .iter()
                .map(|r| RollbackSummary {
                    tick: r.tick,
                    agent: run
                        .agents
                        .get(r.agent.index())
                        .map_or_else(|| r.agent.0.to_string(), |(name, _)| name.clone()),
                    guardband: r.guardband.clone(),
                    value: r.value.parse().ok(),
                    bound: r.bound.parse().ok(),
                    window_start: r.window_start,
                })
                .collect(),
        }
    }

    /// The summary as pretty-printed JSON.
    pub fn to_json(&self) -> String {
        serde_json::to_string_pretty(self).unwrap_or_else(|e| format!("{{\"error\": \"{e}\"}}"))
    }
}

fn agent_summary(id: &str, policy: &str, m: &AgentMetrics) -> AgentSummary {
    AgentSummary {
        id: id.to_string(),
        policy: policy.to_string(),
        opening_balance: m.opening_balance,
        closing_balance: m.balance,
        payments: m.payments,
        settled: m.settled,
        settled_value: m.settled_value,
        settlement_rate: m.settlement_rate(),
        settled_on_time: m.settled_on_time,
        dropped: m.dropped,
        unsettled: m.unsettled(),
        avg_delay_ticks: m.avg_delay_ticks(),
        max_delay_ticks: m.delay_ticks_max,
        peak_overdraft: m.peak_overdraft,
        peak_posted_collateral: m.peak_posted_collateral,
        splits: m.splits,
        policy_errors: m.policy_errors,
        settlements: RouteSummary::from(m),
        costs: CostSummary::from(&m.costs),
        indicators: indicators_of(m),
    }
}

fn indicators_of(m: &AgentMetrics) -> Indicators {
    Indicators::new(
        &m.indicators,
        m.payments,
        m.settled_on_time,
        m.settled_value,
    )
}

fn governance_summary(
    run: &RunInfo,
    figures: &crate::governance_figures::GovernanceFigures,
) -> GovernanceSummary {
    let names: Vec<&String> = run.agents.iter().map(|(name, _)| name).collect();
    let mut ids: std::collections::BTreeSet<u32> = figures.held.keys().copied().collect();
    ids.extend(figures.halted.keys().copied());
    ids.extend(figures.refused.keys().copied().filter(|&id| id != u32::MAX));
    GovernanceSummary {
        audit_records: figures.records,
        audit_head: figures.head.clone(),
        changes: figures.changes.clone(),
        agents: ids
            .into_iter()
            .map(|id| GovernanceAgentSummary {
                id: names
                    .get(id as usize)
                    .map_or_else(|| id.to_string(), |name| (*name).clone()),
                held: figures.held.get(&id).cloned().unwrap_or_default(),
                halted: figures.halted.get(&id).copied().unwrap_or_default(),
                rbac_refused: figures.refused.get(&id).copied().unwrap_or(0),
            })
            .collect(),
    }
}
