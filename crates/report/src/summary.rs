//! A run's summary: one JSON document for programs, tables for people.
//!
//! The JSON keys are a contract that other tools rely on: keys may be added, never
//! renamed or removed.

use crate::event_log::LogSummary;
use crate::metrics::{AgentMetrics, CostTotals};
use rtgsim_core::event::LogName;
use rtgsim_core::money::format_cents;
use serde::Serialize;
use std::fmt::Write as _;

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
}

/// How payments and parts settled: on release, from the queue, or by the LSM.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct RouteSummary {
    pub immediate: u64,
    pub queue: u64,
    pub lsm: u64,
}

impl From<&AgentMetrics> for RouteSummary {
    fn from(m: &AgentMetrics) -> Self {
        RouteSummary {
            immediate: m.settled_immediately,
            queue: m.settled_from_queue,
            lsm: m.settled_by_lsm,
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
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct CostSummary {
    pub overdraft: i128,
    pub delay: i128,
    pub deadline: i128,
    pub eod: i128,
    pub collateral: i128,
    pub split: i128,
    pub total: i128,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct LsmSummary {
    pub algorithm: &'static str,
    /// Sets settled (one event each).
    pub sets: u64,
    pub payments: u64,
    pub value: i128,
    /// Value settled minus the net debits that settling it needed.
    pub liquidity_saved: i128,
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

    /// The summary as tables for a terminal.
    pub fn to_table(&self) -> String {
        let mut out = String::new();
        let t = &self.totals;
        let _ = writeln!(
            out,
            "rtgsim: {} agents, {} day(s) of {} ticks, seed {}",
            self.agents.len(),
            self.days,
            self.ticks_per_day,
            self.seed
        );
        let _ = writeln!(
            out,
            "{} payments, {} settled ({}), {} on time, {} dropped, {} unsettled; value settled {}; total cost {}\n",
            t.payments,
            t.settled,
            percent(t.settlement_rate),
            t.settled_on_time,
            t.dropped,
            t.unsettled,
            format_cents(t.settled_value),
            format_cents(t.costs.total),
        );
        let mut settlement = Table::new(&[
            "agent",
            "policy",
            "payments",
            "settled",
            "rate",
            "value settled",
            "avg delay",
            "max delay",
            "peak overdraft",
            "opening",
            "closing",
        ]);
        for a in &self.agents {
            settlement.row(vec![
                a.id.clone(),
                a.policy.clone(),
                a.payments.to_string(),
                a.settled.to_string(),
                percent(a.settlement_rate),
                format_cents(a.settled_value),
                ticks(a.avg_delay_ticks),
                a.max_delay_ticks.to_string(),
                format_cents(i128::from(a.peak_overdraft)),
                format_cents(i128::from(a.opening_balance)),
                format_cents(i128::from(a.closing_balance)),
            ]);
        }
        settlement.row(vec![
            "total".into(),
            String::new(),
            t.payments.to_string(),
            t.settled.to_string(),
            percent(t.settlement_rate),
            format_cents(t.settled_value),
            ticks(t.avg_delay_ticks),
            t.max_delay_ticks.to_string(),
            String::new(),
            String::new(),
            String::new(),
        ]);
        out.push_str(&settlement.render());
        out.push('\n');
        let mut costs = Table::new(&[
            "agent",
            "overdraft",
            "delay",
            "deadline",
            "end of day",
            "collateral",
            "split",
            "total cost",
        ]);
        let cost_row = |name: &str, c: &CostSummary| {
            vec![
                name.to_string(),
                format_cents(c.overdraft),
                format_cents(c.delay),
                format_cents(c.deadline),
                format_cents(c.eod),
                format_cents(c.collateral),
                format_cents(c.split),
                format_cents(c.total),
            ]
        };
        for a in &self.agents {
            costs.row(cost_row(&a.id, &a.costs));
        }
        costs.row(cost_row("total", &t.costs));
        out.push_str(&costs.render());
        if !self.lsm.is_empty() {
            out.push('\n');
            let mut lsm = Table::new(&[
                "lsm algorithm",
                "sets",
                "payments",
                "value settled",
                "liquidity saved",
            ]);
            for l in &self.lsm {
                lsm.row(vec![
                    l.algorithm.to_string(),
                    l.sets.to_string(),
                    l.payments.to_string(),
                    format_cents(l.value),
                    format_cents(l.liquidity_saved),
                ]);
            }
            out.push_str(&lsm.render());
        }
        if t.policy_errors > 0 {
            let by_agent: Vec<String> = self
                .agents
                .iter()
                .filter(|a| a.policy_errors > 0)
                .map(|a| format!("{} {}", a.id, a.policy_errors))
                .collect();
            let _ = writeln!(
                out,
                "\n{} policy call(s) failed and held their payments ({}); see the policy_error events.",
                t.policy_errors,
                by_agent.join(", ")
            );
        }
        if let Some(g) = &self.governance {
            out.push_str(&governance_table(g));
        }
        if !self.rollbacks.is_empty() {
            out.push_str("\nguardband rollbacks:\n");
            for rollback in &self.rollbacks {
                let _ = writeln!(out, "  {}", rollback.reason());
            }
        }
        let _ = writeln!(
            out,
            "\nevent log: {} events, sha256 {}",
            self.events, self.event_log_hash
        );
        out
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
    }
}

fn percent(rate: Option<f64>) -> String {
    rate.map_or_else(|| "-".into(), |r| format!("{:.1}%", r * 100.0))
}

fn ticks(value: Option<f64>) -> String {
    value.map_or_else(|| "-".into(), |v| format!("{v:.2}"))
}

/// A plain-text table: the first column left-aligned, the others right-aligned.
struct Table {
    rows: Vec<Vec<String>>,
}

impl Table {
    fn new(headers: &[&str]) -> Table {
        Table {
            rows: vec![headers.iter().map(|h| h.to_string()).collect()],
        }
    }

    fn row(&mut self, cells: Vec<String>) {
        self.rows.push(cells);
    }

    fn render(&self) -> String {
        let columns = self.rows[0].len();
        let widths: Vec<usize> = (0..columns)
            .map(|c| {
                self.rows
                    .iter()
                    .map(|r| r.get(c).map_or(0, |s| s.chars().count()))
                    .max()
                    .unwrap_or(0)
            })
            .collect();
        let mut out = String::new();
        for (i, row) in self.rows.iter().enumerate() {
            let mut line = String::new();
            for (c, width) in widths.iter().enumerate() {
                let cell = row.get(c).map_or("", String::as_str);
                if c == 0 {
                    let _ = write!(line, "{cell:<width$}");
                } else {
                    let _ = write!(line, "  {cell:>width$}");
                }
            }
            out.push_str(line.trim_end());
            out.push('\n');
            if i == 0 {
                let rule: usize = widths.iter().sum::<usize>() + 2 * (columns - 1);
                out.push_str(&"-".repeat(rule));
                out.push('\n');
            }
        }
        out
    }
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

fn governance_table(g: &GovernanceSummary) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "\nrelease gate: {} audit record(s), chain head {}",
        g.audit_records,
        g.audit_head.as_deref().unwrap_or("-")
    );
    if !g.changes.is_empty() {
        let changes: Vec<String> = g.changes.iter().map(|(k, n)| format!("{k} {n}")).collect();
        let _ = writeln!(out, "operator actions and latches: {}", changes.join(", "));
    }
    if g.agents.is_empty() {
        return out;
    }
    let mut table = Table::new(&["agent", "gate", "decisions", "value"]);
    for a in &g.agents {
        for (gate, b) in &a.held {
            table.row(vec![
                a.id.clone(),
                format!("{gate} (held)"),
                b.decisions.to_string(),
                format_cents(b.value),
            ]);
        }
        if a.halted.decisions > 0 {
            table.row(vec![
                a.id.clone(),
                "kill switch (halted)".into(),
                a.halted.decisions.to_string(),
                format_cents(a.halted.value),
            ]);
        }
        if a.rbac_refused > 0 {
            table.row(vec![
                a.id.clone(),
                "rbac (refused)".into(),
                a.rbac_refused.to_string(),
                String::new(),
            ]);
        }
    }
    out.push_str(&table.render());
    out
}
