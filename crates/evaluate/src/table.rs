//! The comparison for people: one line per sample, then the paired statistics, the
//! guardbands and the verdict. Costs are whole cents, as stored; means are shown
//! to two decimals.

use crate::compare::CompareReport;
use crate::verdict::{Decision, count, short};
use std::fmt::Write as _;

pub fn to_table(report: &CompareReport) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "{}: candidate {} against {}",
        report.agent, report.candidate, report.incumbent
    );
    let mode = serde_json::to_value(report.mode)
        .ok()
        .and_then(|m| m.as_str().map(str::to_string))
        .unwrap_or_default();
    let _ = write!(
        out,
        "{} in {mode} mode, master seed {}",
        count(report.stats.samples, "sample"),
        report.master_seed
    );
    if let Some(history) = report.history {
        let _ = write!(
            out,
            " (context run: {} sent, {} received and settled)",
            history.outgoing, history.incoming
        );
    }
    out.push_str("\n\n");
    samples(&mut out, report);
    out.push('\n');
    overall(&mut out, report);
    out
}

fn samples(out: &mut String, report: &CompareReport) {
    let _ = writeln!(
        out,
        "{:>6}  {:>20}  {:>14}  {:>14}  {:>12}  {:>9}  {:>9}  {:>12}  {:>12}",
        "sample",
        "seed",
        "incumbent",
        "candidate",
        "delta",
        "settled",
        "settled",
        "peak credit",
        "peak credit"
    );
    let _ = writeln!(
        out,
        "{:>6}  {:>20}  {:>14}  {:>14}  {:>12}  {:>9}  {:>9}  {:>12}  {:>12}",
        "",
        "",
        "cost, cents",
        "cost, cents",
        "cents",
        "inc.",
        "cand.",
        "inc., cents",
        "cand., cents"
    );
    for s in &report.samples {
        let _ = writeln!(
            out,
            "{:>6}  {:>20}  {:>14}  {:>14}  {:>12}  {:>9}  {:>9}  {:>12}  {:>12}",
            s.index,
            s.seed,
            s.incumbent.costs.total,
            s.candidate.costs.total,
            signed(s.delta_cents),
            rate(s.incumbent.settlement_rate),
            rate(s.candidate.settlement_rate),
            s.incumbent.peak_credit_cents,
            s.candidate.peak_credit_cents
        );
    }
}

fn overall(out: &mut String, report: &CompareReport) {
    let stats = &report.stats;
    let _ = write!(
        out,
        "mean cost delta    {:+.2} cents",
        stats.mean_delta_cents
    );
    if let Some(sd) = stats.std_dev_cents {
        let _ = write!(out, " (sd {sd:.2})");
    }
    out.push('\n');
    if let Some([low, high]) = stats.ci95_cents {
        let _ = writeln!(
            out,
            "95% CI of the mean [{low:+.2}, {high:+.2}] cents (paired bootstrap)"
        );
    }
    let _ = writeln!(
        out,
        "candidate cheaper  on {} of {} ({:.0}%), dearer on {}, equal on {}{}",
        stats.better,
        stats.samples,
        stats.better_share * 100.0,
        stats.worse,
        stats.equal,
        if stats.pareto_dominated {
            "; Pareto-dominated"
        } else {
            ""
        }
    );
    out.push('\n');
    let _ = writeln!(
        out,
        "{:<16}  {:>14}  {:>14}  {:<20}",
        "mean", "incumbent", "candidate", "guardband"
    );
    for check in &report.guardband_checks {
        let _ = writeln!(
            out,
            "{:<16}  {:>14}  {:>14}  {:<20}",
            check.name,
            short(check.incumbent),
            short(check.candidate),
            format!(
                "{} {} x incumbent: {}",
                check.bound,
                short(check.factor),
                if check.broken { "BROKEN" } else { "ok" }
            )
        );
    }
    out.push('\n');
    match report.verdict.decision {
        Decision::Accept => out.push_str("verdict: accept\n"),
        Decision::Reject => {
            out.push_str("verdict: reject\n");
            for reason in &report.verdict.reasons {
                let _ = writeln!(out, "  - {reason}");
            }
        }
    }
}

fn signed(cents: i128) -> String {
    if cents > 0 {
        format!("+{cents}")
    } else {
        cents.to_string()
    }
}

fn rate(rate: Option<f64>) -> String {
    rate.map_or_else(|| "-".to_string(), |r| format!("{r:.4}"))
}
