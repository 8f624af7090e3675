//! The page of a policy comparison: the verdict and its reasons, the cost difference
//! on every sample, the spread of each policy's cost, the guardbands, and every
//! sample's figures.

use crate::chart::{Axis, BarChart, BoxSummary, Heading, SpanChart, Stack, Unit};
use crate::page::{Figure, Page, PageKind};
use crate::text::{count, money, percent};
use rtgsim_evaluate::compare::{CompareReport, Outcome};
use rtgsim_evaluate::verdict::Decision;
use rtgsim_report::stats::Stats;

/// The comparison page as one HTML document.
pub fn render(report: &CompareReport) -> String {
    let mut page = Page::new(
        PageKind::Compare,
        &format!("Comparison of policies for {}", report.agent),
    );
    let mode = serde_json::to_value(report.mode)
        .ok()
        .and_then(|m| m.as_str().map(str::to_string))
        .unwrap_or_default();
    page.facts(&[
        ("agent", report.agent.clone()),
        ("incumbent", report.incumbent.clone()),
        ("candidate", report.candidate.clone()),
        ("samples", format!("{} ({mode})", report.stats.samples)),
        ("master seed", report.master_seed.to_string()),
    ]);
    let stats = &report.stats;
    let verdict = match report.verdict.decision {
        Decision::Accept => "accepted",
        Decision::Reject => "rejected",
    };
    let interval = stats.ci95_cents.map_or_else(
        || "-".into(),
        |[low, high]| format!("{} to {}", cents(low), cents(high)),
    );
    page.figures(&[
        Figure::plain("verdict", verdict.into()),
        Figure::plain("mean cost difference", cents(stats.mean_delta_cents)),
        Figure::plain("95% interval", interval),
        Figure::plain("candidate cheaper", count(u64::from(stats.better))),
        Figure::plain("candidate dearer", count(u64::from(stats.worse))),
        Figure::plain("the same", count(u64::from(stats.equal))),
    ]);
    if !report.verdict.reasons.is_empty() {
        page.heading("Why it was rejected");
        for reason in &report.verdict.reasons {
            page.paragraph(reason);
        }
    }
    page.heading("Cost");
    deltas_chart(report).render(page.body());
    spread_chart(report).render(page.body());
    page.heading("Guardbands");
    let rows: Vec<Vec<String>> = report
        .guardband_checks
        .iter()
        .map(|g| {
            vec![
                g.name.to_string(),
                guardband_value(g.name, g.candidate),
                guardband_value(g.name, g.incumbent),
                format!("candidate {} {} x incumbent", g.bound, g.factor),
                if g.broken { "broken" } else { "held" }.into(),
            ]
        })
        .collect();
    page.table(
        "guardbands",
        &[
            "guardband",
            "candidate",
            "incumbent",
            "must hold",
            "outcome",
        ],
        &rows,
        None,
    );
    page.heading("Samples");
    samples_table(&mut page, report);
    page.finish()
}

/// A guardband's figure: a share for the settlement rate, else a mean in cents.
fn guardband_value(name: &str, value: f64) -> String {
    if name == "settlement_rate" {
        percent(Some(value))
    } else {
        cents(value)
    }
}

/// A mean or interval end in cents, as currency units rounded to the cent.
fn cents(value: f64) -> String {
    money(value.round() as i128)
}

fn deltas_chart(report: &CompareReport) -> BarChart {
    BarChart {
        heading: Heading::new(
            "deltas",
            "Cost difference per sample",
            "The candidate's total cost minus the incumbent's on each sample (below zero: the candidate was cheaper).",
        ),
        categories: report.samples.iter().map(|s| s.index.to_string()).collect(),
        category_axis: Axis::new("sample (index)", Unit::Count),
        value_axis: Axis::new("cost difference (currency units)", Unit::Cents),
        stacks: vec![Stack {
            label: "candidate minus incumbent".into(),
            values: report
                .samples
                .iter()
                .map(|s| s.delta_cents as f64)
                .collect(),
        }],
        columns: true,
    }
}

fn spread_chart(report: &CompareReport) -> SpanChart {
    let spread = |label: &str, pick: fn(&rtgsim_evaluate::compare::SampleResult) -> &Outcome| {
        let stats = Stats::of(
            report
                .samples
                .iter()
                .map(|s| pick(s).costs.total as f64)
                .collect(),
        );
        BoxSummary::of_stats(label.into(), &stats)
    };
    SpanChart {
        heading: Heading::new(
            "cost-spread",
            "Each policy's cost over the samples",
            "Box from the 25th to the 75th percentile, median line, whiskers at the 5th and 95th percentiles, diamond at the mean.",
        ),
        category_axis: Axis::new("policy (incumbent first)", Unit::Count),
        value_axis: Axis::new("total cost (currency units)", Unit::Cents),
        span_label: "25th to 75th percentile (whiskers 5th to 95th)".into(),
        marker_label: "mean".into(),
        ranges: vec![],
        boxes: [
            spread("incumbent", |s| &s.incumbent),
            spread("candidate", |s| &s.candidate),
        ]
        .into_iter()
        .flatten()
        .collect(),
    }
}

fn samples_table(page: &mut Page, report: &CompareReport) {
    let rows: Vec<Vec<String>> = report
        .samples
        .iter()
        .map(|s| {
            vec![
                s.index.to_string(),
                s.seed.to_string(),
                money(s.incumbent.costs.total),
                money(s.candidate.costs.total),
                money(s.delta_cents),
                percent(s.incumbent.settlement_rate),
                percent(s.candidate.settlement_rate),
                money(s.incumbent.peak_credit_cents),
                money(s.candidate.peak_credit_cents),
            ]
        })
        .collect();
    page.table(
        "samples",
        &[
            "sample",
            "seed",
            "incumbent cost",
            "candidate cost",
            "difference",
            "incumbent rate",
            "candidate rate",
            "incumbent peak credit",
            "candidate peak credit",
        ],
        &rows,
        None,
    );
}
