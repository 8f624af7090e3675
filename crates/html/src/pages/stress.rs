//! The page of a stress test: how much of the system's value settled in the
//! benchmark and in each case, which participants' outages hurt the others most,
//! and every case's figures.

use crate::chart::{Axis, BarChart, Heading, Stack, Unit};
use crate::page::{Figure, Page, PageKind};
use crate::text::{count, decimal, json_f64, money_json, percent};
use rtgsim_evaluate::stress::report::{CaseEntry, StressReport};

/// The stress page as one HTML document.
pub fn render(report: &StressReport) -> String {
    let mut page = Page::new(
        PageKind::Stress,
        &format!("Stress test of {}", report.scenario),
    );
    page.facts(&[
        ("scenario", report.scenario.clone()),
        ("seed", report.seed.to_string()),
        (
            "length",
            format!("{} day(s) of {} tick(s)", report.days, report.ticks_per_day),
        ),
        ("participants", report.agents.len().to_string()),
    ]);
    page.figures(&[
        Figure::plain("cases", count(report.cases.len() as u64)),
        Figure::plain("samples per case", count(report.samples as u64)),
        Figure::plain(
            "benchmark: value settled",
            percent(report.benchmark.system.settled_share_of_value),
        ),
    ]);
    page.heading("The system in each case");
    let cases: Vec<&CaseEntry> = std::iter::once(&report.benchmark)
        .chain(&report.cases)
        .collect();
    share_chart(&cases).render(page.body());
    queue_chart(&cases).render(page.body());
    cases_table(&mut page, &cases);
    if !report.critical.is_empty() {
        page.heading("Critical participants");
        critical_chart(report).render(page.body());
        let rows: Vec<Vec<String>> = report
            .critical
            .iter()
            .map(|c| {
                vec![
                    c.rank.to_string(),
                    c.agent.clone(),
                    percent(c.others_settled_share_of_value_benchmark),
                    percent(c.others_settled_share_of_value),
                    format!("{:.2} points", c.others_settled_share_fall * 100.0),
                    money_json(&c.others_mean_queue_increase_cents),
                    money_json(&c.others_unsettled_increase_cents),
                ]
            })
            .collect();
        page.table(
            "critical",
            &[
                "rank",
                "participant out",
                "others settled (benchmark)",
                "others settled (outage)",
                "fall",
                "others' mean queue increase",
                "others' unsettled increase",
            ],
            &rows,
            None,
        );
    }
    page.paragraph(
        "With several samples, money is the mean over the samples (rounded to the cent \
         here; exact in the JSON report) and shares are pooled over them.",
    );
    page.finish()
}

fn share_chart(cases: &[&CaseEntry]) -> BarChart {
    BarChart {
        heading: Heading::new(
            "settled-share",
            "Value settled by case",
            "Share of the value of all payments that settled by the end of the run, in the benchmark and in each stress case.",
        ),
        categories: cases.iter().map(|c| c.name.clone()).collect(),
        category_axis: Axis::new("case (benchmark first)", Unit::Count),
        value_axis: Axis::new("value settled (share of value due)", Unit::Share),
        stacks: vec![Stack {
            label: "settled".into(),
            values: cases
                .iter()
                .map(|c| c.system.settled_share_of_value.unwrap_or(0.0))
                .collect(),
        }],
        columns: false,
    }
}

fn queue_chart(cases: &[&CaseEntry]) -> BarChart {
    BarChart {
        heading: Heading::new(
            "mean-queue",
            "Value waiting by case",
            "Mean value waiting in Queue 1 and Queue 2 over the run's ticks, all participants together.",
        ),
        categories: cases.iter().map(|c| c.name.clone()).collect(),
        category_axis: Axis::new("case (benchmark first)", Unit::Count),
        value_axis: Axis::new("mean value waiting (currency units)", Unit::Cents),
        stacks: vec![Stack {
            label: "mean queue".into(),
            values: cases
                .iter()
                .map(|c| json_f64(&c.system.mean_queue_cents))
                .collect(),
        }],
        columns: false,
    }
}

fn critical_chart(report: &StressReport) -> BarChart {
    BarChart {
        heading: Heading::new(
            "critical",
            "Damage of each participant's outage to the others",
            "Fall in the other participants' settled share of value when this participant is out, most damaging first.",
        ),
        categories: report.critical.iter().map(|c| c.agent.clone()).collect(),
        category_axis: Axis::new("participant out (most damaging first)", Unit::Count),
        value_axis: Axis::new(
            "fall in the others' settled share (share of value)",
            Unit::Share,
        ),
        stacks: vec![Stack {
            label: "fall".into(),
            values: report
                .critical
                .iter()
                .map(|c| c.others_settled_share_fall)
                .collect(),
        }],
        columns: false,
    }
}

fn cases_table(page: &mut Page, cases: &[&CaseEntry]) {
    let rows: Vec<Vec<String>> = cases
        .iter()
        .map(|c| {
            let s = &c.system;
            vec![
                c.name.clone(),
                percent(s.settled_share_of_value),
                percent(s.settled_share_of_count),
                money_json(&s.settled_value_cents),
                money_json(&s.max_queue_cents),
                money_json(&s.mean_queue_cents),
                decimal(s.value_weighted_delay_ticks),
                against_benchmark_share(c),
            ]
        })
        .collect();
    page.table(
        "cases",
        &[
            "case",
            "value settled",
            "payments settled",
            "value settled (units)",
            "largest queue",
            "mean queue",
            "value-weighted delay (ticks)",
            "settled share against the benchmark",
        ],
        &rows,
        None,
    );
}

/// The change in the system's settled share of value from the benchmark, in
/// percentage points (`-` for the benchmark itself).
fn against_benchmark_share(case: &CaseEntry) -> String {
    case.system
        .against_benchmark
        .as_ref()
        .and_then(|change| change.settled_share_of_value)
        .map_or_else(|| "-".into(), |d| format!("{:+.2} points", d * 100.0))
}
