//! Checking `guardbands:`: each entry's agent, its previous policy (checked like an
//! agent's `policy:`), its window, its factors and its baseline, every problem
//! under `guardbands[i]`. The engine's `guardband` module says what a run does
//! with them.

use super::file::{GuardbandSection, ScenarioFile};
use super::files::PolicyFiles;
use super::validate::Problems;
use crate::scenario::GuardSpec;
use rtgsim_core::AgentId;
use rtgsim_core::money::MAX_MONEY_CENTS;
use rtgsim_engine::{Baseline, Guardband, GuardbandFactors};
use std::collections::BTreeMap;

/// The largest factor accepted: far beyond any useful bound, and small enough that
/// a factor times a baseline stays a finite `f64`.
const MAX_FACTOR: f64 = 1_000.0;
/// The largest baseline cost per window accepted, in cents.
const MAX_WINDOW_COST_CENTS: f64 = 1e18;

/// The guarded agents, in the order written; problems are recorded.
pub(super) fn resolve(
    file: &ScenarioFile,
    names: &BTreeMap<String, AgentId>,
    files: &mut PolicyFiles,
    total_ticks: u64,
    problems: &mut Problems,
) -> Vec<GuardSpec> {
    let mut guarded: BTreeMap<AgentId, usize> = BTreeMap::new();
    let mut specs = Vec::with_capacity(file.guardbands.len());
    for (i, section) in file.guardbands.iter().enumerate() {
        let at = |field: &str| format!("guardbands[{i}].{field}");
        let agent = names.get(&section.agent).copied();
        match agent {
            None => problems.add(at("agent"), format!("unknown agent {:?}", section.agent)),
            Some(agent) => {
                if let Some(first) = guarded.insert(agent, i) {
                    problems.add(
                        at("agent"),
                        format!(
                            "{:?} already has a guardband (guardbands[{first}])",
                            section.agent
                        ),
                    );
                }
            }
        }
        let previous = super::policies::resolve_policy(
            &at("previous_policy"),
            Some(&section.previous_policy.0),
            files,
            problems,
        );
        let every = section.every_ticks;
        problems.check(
            every >= 1 && u64::from(every) <= total_ticks,
            || at("every_ticks"),
            || format!("{every} is outside 1..={total_ticks} (the run's ticks)"),
        );
        let factors = resolve_factors(section, &at, problems);
        let baseline = resolve_baseline(section, &at, problems);
        if let (Some(agent), Some(previous), Some(baseline)) = (agent, previous, baseline) {
            specs.push(GuardSpec {
                guardband: Guardband {
                    agent,
                    every_ticks: every,
                    factors,
                    baseline,
                },
                previous,
            });
        }
    }
    specs
}

fn resolve_factors(
    section: &GuardbandSection,
    at: &dyn Fn(&str) -> String,
    problems: &mut Problems,
) -> GuardbandFactors {
    for (name, value) in [
        ("max_cost_ratio", section.max_cost_ratio),
        ("min_settlement_ratio", section.min_settlement_ratio),
        ("max_peak_credit_ratio", section.max_peak_credit_ratio),
    ] {
        problems.check(
            value.is_finite() && (0.0..=MAX_FACTOR).contains(&value),
            || at(name),
            || format!("{value} is outside 0..={MAX_FACTOR}"),
        );
    }
    GuardbandFactors {
        max_cost_ratio: section.max_cost_ratio,
        min_settlement_ratio: section.min_settlement_ratio,
        max_peak_credit_ratio: section.max_peak_credit_ratio,
    }
}

/// The baseline per window: a cost per tick times `every_ticks` (one `f64`
/// product).
fn resolve_baseline(
    section: &GuardbandSection,
    at: &dyn Fn(&str) -> String,
    problems: &mut Problems,
) -> Option<Baseline> {
    let baseline = &section.baseline;
    let path = |field: &str| at(&format!("baseline.{field}"));
    // A registry version's figures live in a database, which this crate does not
    // open: the binary replaces them before resolving (see `rtgsim::registry`).
    if let Some(id) = baseline.registry {
        problems.add(
            path("registry"),
            format!("names the figures of policy registry version {id}, which are in a database: run it with --db FILE"),
        );
        return None;
    }
    let mut cost_in = |name: &str, value: Option<f64>, max: f64| {
        if let Some(value) = value {
            problems.check(
                value.is_finite() && (0.0..=max).contains(&value),
                || path(name),
                || format!("{value} is outside 0..={max} cents"),
            );
        }
    };
    cost_in(
        "cost_per_tick_cents",
        baseline.cost_per_tick_cents,
        MAX_MONEY_CENTS as f64,
    );
    cost_in(
        "cost_per_window_cents",
        baseline.cost_per_window_cents,
        MAX_WINDOW_COST_CENTS,
    );
    if let Some(rate) = baseline.settlement_rate {
        problems.check(
            (0.0..=1.0).contains(&rate),
            || path("settlement_rate"),
            || format!("{rate} is not a share between 0 and 1"),
        );
    }
    if let Some(peak) = baseline.peak_credit_cents {
        problems.money(&path("peak_credit_cents"), peak, 0);
    }
    let cost = match (baseline.cost_per_tick_cents, baseline.cost_per_window_cents) {
        (Some(_), Some(_)) => {
            problems.add(
                at("baseline"),
                "give cost_per_tick_cents or cost_per_window_cents, not both",
            );
            return None;
        }
        (Some(per_tick), None) => Some(per_tick * f64::from(section.every_ticks)),
        (None, per_window) => per_window,
    };
    if cost.is_none() && baseline.settlement_rate.is_none() && baseline.peak_credit_cents.is_none()
    {
        problems.add(
            at("baseline"),
            "no figure to compare with: give a cost (cost_per_tick_cents or cost_per_window_cents), settlement_rate or peak_credit_cents",
        );
        return None;
    }
    Some(Baseline {
        cost_cents_per_window: cost,
        settlement_rate: baseline.settlement_rate,
        peak_credit_cents: baseline.peak_credit_cents,
    })
}
