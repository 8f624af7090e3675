//! The summary as tables for a terminal.

use super::{CostSummary, GovernanceSummary, Indicators, RunSummary};
use rtgsim_core::money::format_cents;
use std::fmt::Write as _;

impl RunSummary {
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
        out.push_str(&self.settlement_table());
        out.push('\n');
        out.push_str(&self.costs_table());
        out.push('\n');
        out.push_str(&self.indicators_table());
        if !self.lsm.is_empty() {
            out.push('\n');
            out.push_str(&self.lsm_table());
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

    /// Payments and settlement per agent.
    fn settlement_table(&self) -> String {
        let t = &self.totals;
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
        settlement.render()
    }

    /// Costs by part per agent.
    /// The costs per agent. The daily costs (liquidity, end-of-day borrowing) have
    /// columns only when the run charged any, so that other runs' tables are as
    /// before.
    fn costs_table(&self) -> String {
        let t = &self.totals;
        let daily = t.costs.liquidity != 0 || t.costs.borrowing != 0;
        let mut headers = vec![
            "agent",
            "overdraft",
            "delay",
            "deadline",
            "end of day",
            "collateral",
            "split",
        ];
        if daily {
            headers.extend(["liquidity", "borrowing"]);
        }
        headers.push("total cost");
        let mut costs = Table::new(&headers);
        let cost_row = |name: &str, c: &CostSummary| {
            let mut cells = vec![
                name.to_string(),
                format_cents(c.overdraft),
                format_cents(c.delay),
                format_cents(c.deadline),
                format_cents(c.eod),
                format_cents(c.collateral),
                format_cents(c.split),
            ];
            if daily {
                cells.extend([format_cents(c.liquidity), format_cents(c.borrowing)]);
            }
            cells.push(format_cents(c.total));
            cells
        };
        for a in &self.agents {
            costs.row(cost_row(&a.id, &a.costs));
        }
        costs.row(cost_row("total", &t.costs));
        costs.render()
    }

    /// The standard indicators per agent.
    fn indicators_table(&self) -> String {
        let t = &self.totals;
        let mut indicators = Table::new(&[
            "agent",
            "liquidity upper bound",
            "lower bound",
            "on time (count)",
            "on time (value)",
            "value-weighted delay",
        ]);
        let indicator_row = |name: &str, i: &Indicators| {
            vec![
                name.to_string(),
                format_cents(i.liquidity_upper_bound),
                format_cents(i.liquidity_lower_bound),
                percent(i.on_time_rate_by_count),
                percent(i.on_time_rate_by_value),
                ticks(i.value_weighted_avg_delay_ticks),
            ]
        };
        for a in &self.agents {
            indicators.row(indicator_row(&a.id, &a.indicators));
        }
        indicators.row(indicator_row("total", &t.indicators));
        indicators.render()
    }

    /// What each LSM algorithm settled.
    fn lsm_table(&self) -> String {
        let mut lsm = Table::new(&[
            "lsm algorithm",
            "sets",
            "payments",
            "value settled",
            "share of value",
            "liquidity saved",
        ]);
        for l in &self.lsm {
            lsm.row(vec![
                l.algorithm.to_string(),
                l.sets.to_string(),
                l.payments.to_string(),
                format_cents(l.value),
                percent(l.share_of_settled_value),
                format_cents(l.liquidity_saved),
            ]);
        }
        lsm.render()
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
