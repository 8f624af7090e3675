//! The stress report for people: every case's system figures in one table, the
//! critical participants, the benchmark's participants, and for each stress case
//! the participants whose figures changed (`--json` has every participant of every
//! case). Means of cents are shown to the cent (two decimals); `--json` has them
//! exactly.

use super::report::{CaseEntry, Change, Figures, StressReport};
use serde_json::Value as Json;
use std::fmt::Write;

impl StressReport {
    pub fn to_table(&self) -> String {
        let mut out = String::new();
        let _ = writeln!(
            out,
            "stress test of {}: {} participants, {} day{} of {} ticks; {} sample{} (seed {}); \
             {} stress case{}",
            self.scenario,
            self.agents.len(),
            self.days,
            plural(self.days as usize),
            self.ticks_per_day,
            self.samples,
            plural(self.samples),
            self.seed,
            self.cases.len(),
            plural(self.cases.len()),
        );
        out.push_str("\ncases, the whole system (changes against the benchmark):\n");
        out.push_str(&self.system_rows());
        if !self.critical.is_empty() {
            out.push_str(
                "\ncritical participants: the damage of each one's outage to the others \
                 (the fall in their settled share of value, then the rise in their mean \
                 queue):\n",
            );
            out.push_str(&self.critical_rows());
        }
        out.push_str("\nbenchmark, by participant:\n");
        out.push_str(&participant_rows(&self.benchmark.participants, false));
        for case in &self.cases {
            out.push_str(&case_rows(case));
        }
        out
    }

    fn system_rows(&self) -> String {
        let headers = [
            "case",
            "settled value",
            "change",
            "settled count",
            "change",
            "unsettled at end",
            "change",
            "mean queue",
            "change",
            "max queue",
            "lowest liquidity",
            "deterioration",
        ];
        let rows = std::iter::once(&self.benchmark)
            .chain(&self.cases)
            .map(|case| {
                let f = &case.system;
                let c = f.against_benchmark.as_ref();
                vec![
                    case.name.clone(),
                    share(f.settled_share_of_value),
                    c.map_or(String::new(), |c| points(c.settled_share_of_value)),
                    share(f.settled_share_of_count),
                    c.map_or(String::new(), |c| points(c.settled_share_of_count)),
                    last(&f.unsettled_end_of_day_cents),
                    c.map_or(String::new(), |c| {
                        signed_last(&c.unsettled_end_of_day_cents)
                    }),
                    money(&f.mean_queue_cents),
                    c.map_or(String::new(), |c| signed(&c.mean_queue_cents)),
                    money(&f.max_queue_cents),
                    money(&f.lowest_liquidity_cents),
                    c.map_or(String::new(), |c| signed(&c.liquidity_deterioration_cents)),
                ]
            })
            .collect();
        render(&headers, rows)
    }

    fn critical_rows(&self) -> String {
        let headers = [
            "rank",
            "participant",
            "others settled, benchmark",
            "with its outage",
            "fall",
            "others' mean queue increase",
            "others' unsettled increase",
        ];
        let rows = self
            .critical
            .iter()
            .map(|c| {
                vec![
                    c.rank.to_string(),
                    c.agent.clone(),
                    share(c.others_settled_share_of_value_benchmark),
                    share(c.others_settled_share_of_value),
                    points(Some(c.others_settled_share_fall)),
                    signed(&c.others_mean_queue_increase_cents),
                    signed(&c.others_unsettled_increase_cents),
                ]
            })
            .collect();
        render(&headers, rows)
    }
}

/// A stress case's events and its changed participants.
fn case_rows(case: &CaseEntry) -> String {
    let changed: Vec<Figures> = case
        .participants
        .iter()
        .filter(|f| f.against_benchmark.as_ref().is_some_and(|c| !unchanged(c)))
        .cloned()
        .collect();
    let events: Vec<String> = case.events.iter().map(Json::to_string).collect();
    let mut out = format!(
        "\n{}: {} of {} participants changed ({})\n",
        case.name,
        changed.len(),
        case.participants.len(),
        events.join(", ")
    );
    if !changed.is_empty() {
        out.push_str(&participant_rows(&changed, true));
    }
    out
}

/// One row per participant; with `changes`, each figure's change beside it.
fn participant_rows(participants: &[Figures], changes: bool) -> String {
    let mut headers = vec!["participant", "settled value", "settled count"];
    headers.extend(["unsettled by day", "mean queue", "max queue"]);
    headers.extend(["upper bound", "lower bound"]);
    headers.extend(["lowest liquidity", "delay"]);
    if changes {
        headers.push("deterioration");
    }
    let rows = participants
        .iter()
        .map(|f| {
            let c = f.against_benchmark.as_ref().filter(|_| changes);
            let with = |figure: String, change: Option<String>| match change {
                Some(change) => format!("{figure} ({change})"),
                None => figure,
            };
            let mut row = vec![
                f.agent.clone(),
                with(
                    share(f.settled_share_of_value),
                    c.map(|c| points(c.settled_share_of_value)),
                ),
                with(
                    share(f.settled_share_of_count),
                    c.map(|c| points(c.settled_share_of_count)),
                ),
                with(
                    list(&f.unsettled_end_of_day_cents),
                    c.map(|c| signed_list(&c.unsettled_end_of_day_cents)),
                ),
                with(
                    money(&f.mean_queue_cents),
                    c.map(|c| signed(&c.mean_queue_cents)),
                ),
                with(
                    money(&f.max_queue_cents),
                    c.map(|c| signed(&c.max_queue_cents)),
                ),
                with(
                    money(&f.liquidity_upper_bound_cents),
                    c.map(|c| signed(&c.liquidity_upper_bound_cents)),
                ),
                with(
                    money(&f.liquidity_lower_bound_cents),
                    c.map(|c| signed(&c.liquidity_lower_bound_cents)),
                ),
                money(&f.lowest_liquidity_cents),
                with(
                    ticks(f.value_weighted_delay_ticks),
                    c.map(|c| signed_ticks(c.value_weighted_delay_ticks)),
                ),
            ];
            if let Some(c) = c {
                row.push(signed(&c.liquidity_deterioration_cents));
            }
            row
        })
        .collect();
    render(&headers, rows)
}

/// Whether a change is nothing at all.
fn unchanged(c: &Change) -> bool {
    let zero = |j: &Json| j.as_f64() == Some(0.0);
    let none_or_zero = |x: Option<f64>| x.is_none_or(|x| x == 0.0);
    none_or_zero(c.settled_share_of_value)
        && none_or_zero(c.settled_share_of_count)
        && zero(&c.settled_value_cents)
        && c.unsettled_end_of_day_cents.iter().all(zero)
        && zero(&c.max_queue_cents)
        && zero(&c.mean_queue_cents)
        && zero(&c.liquidity_upper_bound_cents)
        && zero(&c.liquidity_lower_bound_cents)
        && zero(&c.liquidity_deterioration_cents)
        && none_or_zero(c.value_weighted_delay_ticks)
}

/// Columns padded to their widest cell; the first left-aligned, the others right.
fn render(headers: &[&str], rows: Vec<Vec<String>>) -> String {
    // A row with a cell more or less than the headers would shift its figures
    // under the wrong heading.
    debug_assert!(rows.iter().all(|row| row.len() == headers.len()));
    let mut widths: Vec<usize> = headers.iter().map(|h| h.chars().count()).collect();
    for row in &rows {
        for (width, cell) in widths.iter_mut().zip(row) {
            *width = (*width).max(cell.chars().count());
        }
    }
    let line = |cells: Vec<&str>| {
        let mut text = String::from(" ");
        for (i, (cell, width)) in cells.iter().zip(&widths).enumerate() {
            if i == 0 {
                let _ = write!(text, " {cell:<width$}");
            } else {
                let _ = write!(text, "  {cell:>width$}");
            }
        }
        text.trim_end().to_string() + "\n"
    };
    let mut out = line(headers.to_vec());
    for row in &rows {
        out.push_str(&line(row.iter().map(String::as_str).collect()));
    }
    out
}

fn plural(n: usize) -> &'static str {
    if n == 1 { "" } else { "s" }
}

fn share(value: Option<f64>) -> String {
    value.map_or("-".into(), |v| format!("{:.2}%", v * 100.0))
}

/// A change of share in percentage points, signed.
fn points(value: Option<f64>) -> String {
    value.map_or("-".into(), |v| format!("{:+.2} pp", v * 100.0))
}

fn ticks(value: Option<f64>) -> String {
    value.map_or("-".into(), |v| format!("{v:.2}"))
}

fn signed_ticks(value: Option<f64>) -> String {
    value.map_or("-".into(), |v| format!("{v:+.2}"))
}

/// Cents as the report has them, or with 2 decimals when a mean has more.
fn money(value: &Json) -> String {
    match (value.as_i64(), value.as_f64()) {
        (Some(whole), _) => whole.to_string(),
        (None, Some(mean)) => format!("{mean:.2}"),
        (None, None) => value.to_string(),
    }
}

/// A JSON number with its sign (`+0` for no change).
fn signed(value: &Json) -> String {
    let text = money(value);
    if text.starts_with('-') {
        text
    } else {
        format!("+{text}")
    }
}

fn last(values: &[Json]) -> String {
    values.last().map_or("-".into(), money)
}

fn signed_last(values: &[Json]) -> String {
    values.last().map_or("-".into(), signed)
}

fn list(values: &[Json]) -> String {
    let texts: Vec<String> = values.iter().map(money).collect();
    texts.join(" / ")
}

fn signed_list(values: &[Json]) -> String {
    let texts: Vec<String> = values.iter().map(signed).collect();
    texts.join(" / ")
}
