//! The page of one run: what ran, the headline totals, how balances and queues moved,
//! what it cost and whom, how payments settled and how late, the liquidity bounds,
//! every agent's figures, and what went wrong (policy errors, governance holds,
//! rollbacks).

use crate::chart::{Axis, Band, BarChart, Heading, Line, LineChart, Range, SpanChart, Stack, Unit};
use crate::page::{Figure, Page, PageKind};
use crate::series::RunSeries;
use crate::text::{count, decimal, money, percent};
use rtgsim_report::RunSummary;
use rtgsim_report::summary::{AgentSummary, CostSummary};

/// Agents drawn as lines of their own in the balance chart; the rest form a band.
/// Seven, so that the lines and the band get the palette's eight colours.
pub const BALANCE_LINES: usize = 7;
/// Agents given a bar of their own in the cost and liquidity charts; the rest are
/// summed into one bar (costs) or left to the table (liquidity).
pub const AGENT_BARS: usize = 20;

/// What the run page shows.
#[derive(Debug)]
pub struct RunPage<'a> {
    /// The scenario as the user named it (a path, or "the built-in default scenario").
    pub scenario: &'a str,
    pub summary: &'a RunSummary,
    pub series: &'a RunSeries,
}

/// The run page as one HTML document.
pub fn render(run: &RunPage<'_>) -> String {
    let summary = run.summary;
    let mut page = Page::new(PageKind::Run, &format!("Run of {}", run.scenario));
    facts(&mut page, run);
    totals(&mut page, summary);
    page.heading("Over time");
    balances_chart(run).render(page.body());
    queues_charts(run, &mut page);
    cumulative_chart(run).render(page.body());
    page.heading("Costs");
    costs_chart(summary).render(page.body());
    page.heading("How payments settled");
    routes_chart(run).render(page.body());
    delays_chart(run).render(page.body());
    liquidity_chart(summary).render(page.body());
    page.heading("Agents");
    agents_table(&mut page, summary);
    super::run_tables::lsm_table(&mut page, summary);
    super::run_tables::problems(&mut page, run);
    page.paragraph(&sampling_note(run.series));
    page.finish()
}

fn facts(page: &mut Page, run: &RunPage<'_>) {
    let s = run.summary;
    let mut facts = vec![
        ("scenario", run.scenario.to_string()),
        ("seed", s.seed.to_string()),
        (
            "length",
            format!(
                "{} of {}",
                plural(u64::from(s.days), "day"),
                plural(u64::from(s.ticks_per_day), "tick")
            ),
        ),
        ("agents", s.agents.len().to_string()),
        ("events", count(s.events)),
        ("event log hash (SHA-256)", s.event_log_hash.clone()),
    ];
    if let Some(head) = s.governance.as_ref().and_then(|g| g.audit_head.clone()) {
        facts.push(("audit chain head", head));
    }
    page.facts(&facts);
}

fn totals(page: &mut Page, s: &RunSummary) {
    let t = &s.totals;
    page.figures(&[
        Figure::count_total("payments", "payments", t.payments),
        Figure::count_total("settled in full", "settled", t.settled),
        Figure::plain("settlement rate", percent(t.settlement_rate)),
        Figure::money_total("value settled", "settled_value", t.settled_value),
        Figure::count_total("settled on time", "settled_on_time", t.settled_on_time),
        Figure::count_total("unsettled", "unsettled", t.unsettled),
        Figure::count_total("dropped", "dropped", t.dropped),
        Figure::plain("mean delay (ticks)", decimal(t.avg_delay_ticks)),
        Figure::count_total(
            "longest delay (ticks)",
            "max_delay_ticks",
            t.max_delay_ticks,
        ),
        Figure::money_total("total cost", "costs.total", t.costs.total),
        Figure::count_total("policy errors", "policy_errors", t.policy_errors),
    ]);
}

/// Agents in order of value settled, largest first (ties by position).
fn by_settled_value(summary: &RunSummary) -> Vec<usize> {
    let mut order: Vec<usize> = (0..summary.agents.len()).collect();
    order.sort_by(|&a, &b| {
        summary.agents[b]
            .settled_value
            .cmp(&summary.agents[a].settled_value)
    });
    order
}

fn ticks(series: &RunSeries) -> Vec<f64> {
    series.samples().iter().map(|s| f64::from(s.tick)).collect()
}

fn balances_chart(run: &RunPage<'_>) -> LineChart {
    let series = run.series;
    let xs = ticks(series);
    let order = by_settled_value(run.summary);
    let shown = if order.len() <= BALANCE_LINES + 2 {
        order.len()
    } else {
        BALANCE_LINES
    };
    let lines = order[..shown]
        .iter()
        .map(|&agent| Line {
            label: run.summary.agents[agent].id.clone(),
            points: xs
                .iter()
                .zip(series.balances_of(agent))
                .map(|(&x, balance)| (x, balance as f64))
                .collect(),
        })
        .collect();
    let rest = &order[shown..];
    let bands = if rest.is_empty() {
        Vec::new()
    } else {
        let range = |index: usize| {
            let balances = series.balances_at(index);
            rest.iter()
                .filter_map(|&a| balances.get(a).map(|&b| b as f64))
                .fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), b| {
                    (lo.min(b), hi.max(b))
                })
        };
        let ranges: Vec<(f64, f64)> = (0..xs.len()).map(range).collect();
        vec![Band {
            label: format!("the other {} agents (lowest to highest)", rest.len()),
            x: xs.clone(),
            low: ranges.iter().map(|r| r.0).collect(),
            high: ranges.iter().map(|r| r.1).collect(),
        }]
    };
    let described = if rest.is_empty() {
        "every agent".to_string()
    } else {
        format!(
            "the {shown} agents that settled the most value, and the range of the other {}",
            rest.len()
        )
    };
    LineChart {
        heading: Heading::new(
            "balances",
            "Balances over time",
            &format!("Settlement-account balance at the end of each sampled tick: {described}."),
        ),
        x: Axis::new("time (ticks)", Unit::Ticks),
        y: Axis::new("balance (currency units)", Unit::Cents),
        lines,
        bands,
    }
}

fn queues_charts(run: &RunPage<'_>, page: &mut Page) {
    let samples = run.series.samples();
    let xs = ticks(run.series);
    let line = |label: &str, pick: &dyn Fn(usize) -> f64| Line {
        label: label.into(),
        points: (0..samples.len()).map(|i| (xs[i], pick(i))).collect(),
    };
    LineChart {
        heading: Heading::new(
            "queue-length",
            "Payments waiting",
            "Payments (and parts) in the banks' internal queues (Queue 1) and in the central queue (Queue 2) at the end of each sampled tick.",
        ),
        x: Axis::new("time (ticks)", Unit::Ticks),
        y: Axis::new("payments waiting (count)", Unit::Count),
        lines: vec![
            line("Queue 1", &|i| samples[i].queue1.count as f64),
            line("Queue 2", &|i| samples[i].queue2.count as f64),
        ],
        bands: vec![],
    }
    .render(page.body());
    LineChart {
        heading: Heading::new(
            "queue-value",
            "Value waiting",
            "Value of the payments in Queue 1 and Queue 2 at the end of each sampled tick.",
        ),
        x: Axis::new("time (ticks)", Unit::Ticks),
        y: Axis::new("value waiting (currency units)", Unit::Cents),
        lines: vec![
            line("Queue 1", &|i| samples[i].queue1.value_cents as f64),
            line("Queue 2", &|i| samples[i].queue2.value_cents as f64),
        ],
        bands: vec![],
    }
    .render(page.body());
}

fn cumulative_chart(run: &RunPage<'_>) -> LineChart {
    let samples = run.series.samples();
    let xs = ticks(run.series);
    let line = |label: &str, pick: fn(&crate::series::Sample) -> i128| Line {
        label: label.into(),
        points: xs
            .iter()
            .zip(samples)
            .map(|(&x, s)| (x, pick(s) as f64))
            .collect(),
    };
    LineChart {
        heading: Heading::new(
            "cumulative",
            "Value arrived and settled",
            "Cumulative value of the payments that arrived and of what settled, at the end of each sampled tick; the gap is what waits or was dropped.",
        ),
        x: Axis::new("time (ticks)", Unit::Ticks),
        y: Axis::new("cumulative value (currency units)", Unit::Cents),
        lines: vec![
            line("arrived", |s| s.arrived_value_cents),
            line("settled", |s| s.settled_value_cents),
        ],
        bands: vec![],
    }
}

/// The cost components, as the summary names them.
/// How a component is read off a cost summary.
type CostPart = fn(&CostSummary) -> i128;

const COSTS: [(&str, CostPart); 8] = [
    ("overdraft", |c| c.overdraft),
    ("delay", |c| c.delay),
    ("deadline", |c| c.deadline),
    ("end of day", |c| c.eod),
    ("collateral", |c| c.collateral),
    ("split", |c| c.split),
    ("liquidity", |c| c.liquidity),
    ("borrowing", |c| c.borrowing),
];

fn costs_chart(summary: &RunSummary) -> BarChart {
    let mut order: Vec<usize> = (0..summary.agents.len()).collect();
    order.sort_by(|&a, &b| {
        summary.agents[b]
            .costs
            .total
            .cmp(&summary.agents[a].costs.total)
    });
    let shown = &order[..order.len().min(AGENT_BARS)];
    let rest = order.len() - shown.len();
    // The rest are left to the table: summed into one bar they would dwarf the
    // agents drawn, and say nothing of any one of them.
    let rest_total: i128 = order[shown.len()..]
        .iter()
        .map(|&a| summary.agents[a].costs.total)
        .sum();
    let stacks = COSTS
        .iter()
        .map(|(label, pick)| Stack {
            label: (*label).into(),
            values: shown
                .iter()
                .map(|&a| pick(&summary.agents[a].costs) as f64)
                .collect(),
        })
        .collect();
    let others = if rest == 0 {
        String::new()
    } else {
        format!(
            "; the other {rest} agents cost {} together (the table has each)",
            money(rest_total)
        )
    };
    BarChart {
        heading: Heading::new(
            "costs",
            "Cost by agent and component",
            &format!(
                "Each agent's costs over the run, stacked by component: the {} costliest agents{others}.",
                shown.len()
            ),
        ),
        categories: shown
            .iter()
            .map(|&a| summary.agents[a].id.clone())
            .collect(),
        category_axis: Axis::new("agent (costliest first)", Unit::Count),
        value_axis: Axis::new("cost (currency units)", Unit::Cents),
        stacks,
        columns: false,
    }
}

fn routes_chart(run: &RunPage<'_>) -> BarChart {
    let routes = run.series.route_value_cents();
    let categories: Vec<String> = routes.keys().map(|r| r.replace('_', " ")).collect();
    BarChart {
        heading: Heading::new(
            "routes",
            "Value settled by route",
            "Value of the payments and parts settled on release (immediate), from the central queue, by each liquidity-saving algorithm, and by end-of-day loans.",
        ),
        categories,
        category_axis: Axis::new("route (how it settled)", Unit::Count),
        value_axis: Axis::new("value settled (currency units)", Unit::Cents),
        stacks: vec![Stack {
            label: "value settled".into(),
            values: routes.values().map(|&v| v as f64).collect(),
        }],
        columns: false,
    }
}

/// Columns the delay chart draws at most; longer tails are grouped in equal spans.
pub const DELAY_COLUMNS: usize = 120;

/// The delay chart's columns: each label and its count.
fn delays_columns(series: &RunSeries) -> Vec<(String, f64)> {
    let delays = series.delay_counts();
    let span = delays.len().div_ceil(DELAY_COLUMNS).max(1);
    delays
        .chunks(span)
        .enumerate()
        .map(|(i, counts)| {
            let first = i * span;
            let label = if span == 1 {
                first.to_string()
            } else {
                format!("{first}-{}", first + counts.len() - 1)
            };
            (label, counts.iter().sum::<u64>() as f64)
        })
        .collect()
}

fn delays_chart(run: &RunPage<'_>) -> BarChart {
    let span = run
        .series
        .delay_counts()
        .len()
        .div_ceil(DELAY_COLUMNS)
        .max(1);
    let (categories, values) = delays_columns(run.series).into_iter().unzip();
    let grouped = if span == 1 {
        String::new()
    } else {
        format!(" Delays are grouped {span} ticks to a column.")
    };
    BarChart {
        heading: Heading::new(
            "delays",
            "Settlement delay",
            &format!(
                "Settlements of payments and parts by delay: ticks from the original payment's arrival to its settlement.{grouped}"
            ),
        ),
        categories,
        category_axis: Axis::new("delay (ticks)", Unit::Ticks),
        value_axis: Axis::new("settlements (count)", Unit::Count),
        stacks: vec![Stack {
            label: "settlements".into(),
            values,
        }],
        columns: true,
    }
}

fn liquidity_chart(summary: &RunSummary) -> SpanChart {
    let mut order: Vec<&AgentSummary> = summary
        .agents
        .iter()
        .filter(|a| a.indicators.liquidity_upper_bound > 0)
        .collect();
    order.sort_by(|a, b| {
        b.indicators
            .liquidity_upper_bound
            .cmp(&a.indicators.liquidity_upper_bound)
    });
    let ranges = order
        .iter()
        .take(AGENT_BARS)
        .map(|a| Range {
            category: a.id.clone(),
            low: a.indicators.liquidity_lower_bound as f64,
            high: a.indicators.liquidity_upper_bound as f64,
            marker: Some(a.opening_balance as f64),
        })
        .collect();
    SpanChart {
        heading: Heading::new(
            "liquidity",
            "Liquidity bounds",
            &format!(
                "Per agent, from the lower bound (what settling everything by the close needs with full netting) to the upper bound (what settles every payment on arrival), with the opening balance marked: {}. The agents' table has every agent's bounds.",
                if order.len() > AGENT_BARS {
                    format!(
                        "the {AGENT_BARS} largest upper bounds of the {} agents that send payments",
                        order.len()
                    )
                } else {
                    "every agent that sends payments, largest upper bound first".to_string()
                }
            ),
        ),
        category_axis: Axis::new("agent (largest upper bound first)", Unit::Count),
        value_axis: Axis::new("liquidity (currency units)", Unit::Cents),
        span_label: "lower to upper bound".into(),
        marker_label: "opening balance".into(),
        ranges,
        boxes: vec![],
    }
}

fn agents_table(page: &mut Page, summary: &RunSummary) {
    let rows: Vec<Vec<String>> = summary
        .agents
        .iter()
        .map(|a| {
            vec![
                a.id.clone(),
                a.policy.clone(),
                count(a.payments),
                count(a.settled),
                percent(a.settlement_rate),
                money(a.settled_value),
                decimal(a.avg_delay_ticks),
                count(a.max_delay_ticks),
                count(a.unsettled),
                count(a.dropped),
                money(a.opening_balance),
                money(a.closing_balance),
                money(a.peak_overdraft),
                money(a.indicators.liquidity_lower_bound),
                money(a.indicators.liquidity_upper_bound),
                money(a.costs.total),
                count(a.policy_errors),
            ]
        })
        .collect();
    page.table(
        "agents",
        &[
            "agent",
            "policy",
            "payments",
            "settled",
            "rate",
            "value settled",
            "mean delay",
            "max delay",
            "unsettled",
            "dropped",
            "opening",
            "closing",
            "peak overdraft",
            "liquidity lower bound",
            "liquidity upper bound",
            "total cost",
            "policy errors",
        ],
        &rows,
        Some("agent"),
    );
}

fn sampling_note(series: &RunSeries) -> String {
    match series.ticks_per_sample() {
        1 => "Charts over time show the state at the end of every tick.".into(),
        k => format!(
            "Charts over time show the state at the end of one tick in every {k} (and of the last tick), so that no series has more than {} points; totals, tables and distributions count every event.",
            crate::series::MAX_SAMPLES
        ),
    }
}

/// `1 day`, `2 days`.
fn plural(count: u64, noun: &str) -> String {
    if count == 1 {
        format!("1 {noun}")
    } else {
        format!("{} {noun}s", count)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rtgsim_core::event::{Event, SettleRoute};
    use rtgsim_core::{AgentId, TxId};
    use rtgsim_report::EventObserver;

    /// One payment per delay in `delays`, each arriving at tick 0.
    fn series_with_delays(delays: &[u32]) -> RunSeries {
        let mut series = RunSeries::new(2, 1_000);
        let mut events = Vec::new();
        for (i, &delay) in delays.iter().enumerate() {
            let tx = TxId(i as u32);
            events.push(Event::Arrival {
                tick: 0,
                tx,
                sender: AgentId(0),
                receiver: AgentId(1),
                amount: 100,
                deadline: 5,
                priority: 5,
                divisible: false,
            });
            events.push(Event::Settled {
                tick: delay,
                tx,
                sender: AgentId(0),
                receiver: AgentId(1),
                amount: 100,
                route: SettleRoute::Queue,
            });
        }
        events.sort_by_key(Event::tick);
        for (seq, event) in events.iter().enumerate() {
            series.on_event(seq as u64, event, b"");
        }
        series.finish();
        series
    }

    #[test]
    fn a_long_tail_of_delays_is_grouped_into_equal_spans() {
        // Delays 0..=300: 301 values, grouped 3 to a column (101 columns).
        let series = series_with_delays(&[0, 1, 2, 2, 299, 300]);
        let columns = delays_columns(&series);
        assert_eq!(columns.len(), 101);
        assert_eq!(columns[0], ("0-2".to_string(), 4.0));
        assert_eq!(columns[99], ("297-299".to_string(), 1.0));
        assert_eq!(columns[100], ("300-300".to_string(), 1.0));
    }

    #[test]
    fn short_delays_get_a_column_each() {
        let series = series_with_delays(&[0, 3, 3]);
        let columns = delays_columns(&series);
        let expected: Vec<(String, f64)> = [(0, 1.0), (1, 0.0), (2, 0.0), (3, 2.0)]
            .iter()
            .map(|&(d, n)| (d.to_string(), n))
            .collect();
        assert_eq!(columns, expected);
    }
}
