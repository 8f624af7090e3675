//! The page of a sweep: for each agent and each combination of settings, the spread
//! over the seeds of its total cost, settlement rate and mean delay, as box plots and
//! as numbers.

use crate::chart::{Axis, BoxSummary, Heading, SpanChart, Unit};
use crate::page::{Figure, Page, PageKind};
use crate::text::{count, decimal};
use rtgsim_report::stats::{AgentStats, Stats, SweepResult, describe};

/// Box plots drawn per chart (agent x combination rows); the tables hold every one.
pub const MAX_BOXES: usize = 60;

/// What the sweep page shows.
#[derive(Debug)]
pub struct SweepPage<'a> {
    pub scenario: &'a str,
    pub first_seed: u64,
    pub seeds: u64,
    pub results: &'a [SweepResult],
}

/// One of the figures a sweep reports per agent.
struct Measure {
    name: &'static str,
    title: &'static str,
    axis: &'static str,
    unit: Unit,
    pick: fn(&AgentStats) -> &Stats,
}

const MEASURES: [Measure; 3] = [
    Measure {
        name: "total-cost",
        title: "Total cost",
        axis: "total cost (currency units)",
        unit: Unit::Cents,
        pick: |a| &a.total_cost,
    },
    Measure {
        name: "settlement-rate",
        title: "Settlement rate",
        axis: "payments settled in full (share)",
        unit: Unit::Share,
        pick: |a| &a.settlement_rate,
    },
    Measure {
        name: "mean-delay",
        title: "Mean settlement delay",
        axis: "mean delay (ticks)",
        unit: Unit::Ticks,
        pick: |a| &a.avg_delay_ticks,
    },
];

/// The sweep page as one HTML document.
pub fn render(sweep: &SweepPage<'_>) -> String {
    let mut page = Page::new(PageKind::Sweep, &format!("Sweep of {}", sweep.scenario));
    let runs: u64 = sweep.results.iter().map(|r| r.runs).sum();
    page.facts(&[
        ("scenario", sweep.scenario.to_string()),
        (
            "seeds",
            format!(
                "{} to {}",
                sweep.first_seed,
                sweep
                    .first_seed
                    .saturating_add(sweep.seeds.saturating_sub(1))
            ),
        ),
    ]);
    page.figures(&[
        Figure::plain(
            "combinations of settings",
            count(sweep.results.len() as u64),
        ),
        Figure::plain("runs", count(runs)),
        Figure::plain("seeds per combination", count(sweep.seeds)),
    ]);
    for measure in &MEASURES {
        page.heading(measure.title);
        chart(sweep, measure).render(page.body());
        table(&mut page, sweep, measure);
    }
    page.paragraph(
        "Each box spans the 25th to the 75th percentile over the seeds, the line in it is \
         the median, the whiskers reach the 5th and the 95th percentiles, and the diamond \
         is the mean. Runs where an agent sent nothing (rate) or settled nothing (delay) \
         are left out of that agent's figure.",
    );
    page.finish()
}

/// `BANK_A` when the sweep has one combination, `BANK_A · target_buffer=0`
/// otherwise: the settings by their last name, cut from the left when long, so the
/// values (what tells the rows apart) always show. The full paths are in the table.
fn row_label(result: &SweepResult, agent: &AgentStats, combinations: usize) -> String {
    if combinations <= 1 {
        return agent.id.clone();
    }
    let settings: Vec<String> = result
        .values
        .iter()
        .map(|(path, value)| {
            let name = path.rsplit('.').next().unwrap_or(path);
            format!("{name}={value}")
        })
        .collect();
    let settings = settings.join(" ");
    let room = MAX_LABEL_CHARS
        .saturating_sub(agent.id.chars().count() + 3)
        .max(8);
    let count = settings.chars().count();
    let settings = if count > room {
        let tail: String = settings.chars().skip(count - (room - 1)).collect();
        format!("…{tail}")
    } else {
        settings
    };
    format!("{} · {settings}", agent.id)
}

/// What a chart's row label shows (the chart cuts longer labels).
const MAX_LABEL_CHARS: usize = 32;

fn chart(sweep: &SweepPage<'_>, measure: &Measure) -> SpanChart {
    let combinations = sweep.results.len();
    let mut boxes = Vec::new();
    let mut total = 0usize;
    for result in sweep.results {
        for agent in &result.agents {
            let stats = (measure.pick)(agent);
            total += 1;
            if boxes.len() >= MAX_BOXES {
                continue;
            }
            if let Some(summary) =
                BoxSummary::of_stats(row_label(result, agent, combinations), stats)
            {
                boxes.push(summary);
            }
        }
    }
    let shown = if total > boxes.len() {
        format!(
            " The first {} of {total} are drawn; the table has them all.",
            boxes.len()
        )
    } else {
        String::new()
    };
    SpanChart {
        heading: Heading::new(
            measure.name,
            &format!("{} over the seeds", measure.title),
            &format!(
                "{} of each agent over the seeds, per combination of settings.{shown}",
                measure.title
            ),
        ),
        category_axis: Axis::new("agent (per combination of settings)", Unit::Count),
        value_axis: Axis::new(measure.axis, measure.unit),
        span_label: "25th to 75th percentile (whiskers 5th to 95th)".into(),
        marker_label: "mean".into(),
        ranges: vec![],
        boxes,
    }
}

fn table(page: &mut Page, sweep: &SweepPage<'_>, measure: &Measure) {
    let show = |value: Option<f64>| match measure.unit {
        Unit::Cents => value.map_or_else(|| "-".into(), |v| crate::text::money(v.round() as i128)),
        Unit::Share => value.map_or_else(|| "-".into(), |v| format!("{:.2}%", v * 100.0)),
        _ => decimal(value),
    };
    let mut rows = Vec::new();
    for result in sweep.results {
        for agent in &result.agents {
            let s = (measure.pick)(agent);
            rows.push(vec![
                agent.id.clone(),
                describe(&result.values),
                count(s.n),
                show(s.mean),
                show(s.std_dev),
                show(s.min),
                show(s.p5),
                show(s.p25),
                show(s.p50),
                show(s.p75),
                show(s.p95),
                show(s.max),
            ]);
        }
    }
    page.table(
        measure.name,
        &[
            "agent", "settings", "runs", "mean", "std dev", "min", "p5", "p25", "median", "p75",
            "p95", "max",
        ],
        &rows,
        Some("agent"),
    );
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_long_setting_keeps_its_value_in_the_row_label() {
        let stats = Stats::of(vec![1.0]);
        let agent = AgentStats {
            id: "ALPHA".into(),
            total_cost: stats,
            settlement_rate: stats,
            avg_delay_ticks: stats,
        };
        let result = |value: i64| SweepResult {
            values: vec![("costs.delay_cost_per_tick_bps".into(), value.into())],
            runs: 1,
            agents: vec![agent.clone()],
            hashes: vec![],
        };
        let (one, five) = (
            row_label(&result(1), &agent, 2),
            row_label(&result(5), &agent, 2),
        );
        // 5 + 3 characters for the agent and the dot, 24 for the settings: the last
        // 23 of `delay_cost_per_tick_bps=1` after an ellipsis.
        assert_eq!(one, "ALPHA · …lay_cost_per_tick_bps=1");
        assert_eq!(one.chars().count(), MAX_LABEL_CHARS);
        assert!(five.ends_with("=5"));
        assert_eq!(row_label(&result(1), &agent, 1), "ALPHA");
    }
}
