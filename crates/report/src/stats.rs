//! Statistics over many runs: for each combination of a sweep's settings, each
//! agent's total cost, settlement rate and average delay over the seeds (mean,
//! standard deviation, 5th/50th/95th percentiles), and the tables that show them.

use crate::summary::{AgentSummary, RunSummary};
use serde::Serialize;
use serde_json::Value as Json;
use std::fmt::Write as _;

/// One combination of setting values, and its figures.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SweepResult {
    /// The value of each setting, in the order given.
    pub values: Vec<(String, Json)>,
    pub runs: u64,
    pub agents: Vec<AgentStats>,
    /// The event-log hash of every run, by seed: identical sweeps give identical lists.
    pub hashes: Vec<String>,
}

/// One agent's figures over the seeds.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct AgentStats {
    pub id: String,
    /// Total cost, cents.
    pub total_cost: Stats,
    /// Payments settled over payments sent (runs where it sent none are left out).
    pub settlement_rate: Stats,
    /// Mean settlement delay, ticks (runs where nothing settled are left out).
    pub avg_delay_ticks: Stats,
}

/// A distribution over runs.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Stats {
    /// Runs with a value.
    pub n: u64,
    pub mean: Option<f64>,
    /// Sample standard deviation (n - 1); `None` below two values.
    pub std_dev: Option<f64>,
    pub p5: Option<f64>,
    pub p50: Option<f64>,
    pub p95: Option<f64>,
    /// The smallest and largest values, and the quartiles (for box plots).
    pub min: Option<f64>,
    pub p25: Option<f64>,
    pub p75: Option<f64>,
    pub max: Option<f64>,
}

impl Stats {
    pub fn of(mut values: Vec<f64>) -> Stats {
        values.sort_by(f64::total_cmp);
        let n = values.len();
        let mean = (n > 0).then(|| values.iter().sum::<f64>() / n as f64);
        let std_dev = mean.filter(|_| n > 1).map(|m| {
            (values.iter().map(|v| (v - m) * (v - m)).sum::<f64>() / (n - 1) as f64).sqrt()
        });
        Stats {
            n: n as u64,
            mean,
            std_dev,
            p5: percentile(&values, 0.05),
            p50: percentile(&values, 0.50),
            p95: percentile(&values, 0.95),
            min: values.first().copied(),
            p25: percentile(&values, 0.25),
            p75: percentile(&values, 0.75),
            max: values.last().copied(),
        }
    }
}

/// The `q` quantile of sorted `values`, interpolating linearly between the closest
/// ranks (numpy's default).
pub fn percentile(values: &[f64], q: f64) -> Option<f64> {
    let last = values.len().checked_sub(1)?;
    let rank = q * last as f64;
    let below = rank.floor() as usize;
    let above = rank.ceil() as usize;
    let weight = rank - below as f64;
    Some(values[below] + (values[above] - values[below]) * weight)
}

/// The figures of `runs` (one per seed, in seed order) of one combination.
pub fn aggregate(
    values: Vec<(String, Json)>,
    agents: &[String],
    runs: &[RunSummary],
) -> SweepResult {
    let agents = agents
        .iter()
        .enumerate()
        .map(|(index, id)| {
            let of = |pick: &dyn Fn(&AgentSummary) -> Option<f64>| {
                Stats::of(
                    runs.iter()
                        .filter_map(|r| r.agents.get(index).and_then(pick))
                        .collect(),
                )
            };
            AgentStats {
                id: id.clone(),
                total_cost: of(&|a| Some(a.costs.total as f64)),
                settlement_rate: of(&|a| a.settlement_rate),
                avg_delay_ticks: of(&|a| a.avg_delay_ticks),
            }
        })
        .collect();
    SweepResult {
        values,
        runs: runs.len() as u64,
        agents,
        hashes: runs.iter().map(|r| r.event_log_hash.clone()).collect(),
    }
}

/// A combination as its settings read (`a.b=1 c=2`), or "the scenario".
pub fn describe(values: &[(String, Json)]) -> String {
    if values.is_empty() {
        return "the scenario".into();
    }
    values
        .iter()
        .map(|(path, value)| format!("{path}={value}"))
        .collect::<Vec<_>>()
        .join(" ")
}

/// The results as tables: one per combination, a row per agent.
pub fn to_table(results: &[SweepResult], seeds: u64) -> String {
    let mut out = String::new();
    let fmt = |x: Option<f64>, scale: f64, decimals: usize| {
        x.map_or("-".to_string(), |v| format!("{:.decimals$}", v * scale))
    };
    for result in results {
        let title = describe(&result.values);
        let _ = writeln!(out, "{title}: {} runs ({seeds} seeds)", result.runs);
        let _ = writeln!(
            out,
            "{:<16} {:>38}   {:>26}   {:>22}",
            "",
            "total cost (mean ± sd, p5/p50/p95)",
            "settled % (mean, p5/p95)",
            "delay (mean, p95)"
        );
        for agent in &result.agents {
            let cost = &agent.total_cost;
            let rate = &agent.settlement_rate;
            let delay = &agent.avg_delay_ticks;
            let _ = writeln!(
                out,
                "{:<16} {:>38}   {:>26}   {:>22}",
                agent.id,
                format!(
                    "{} ± {}, {}/{}/{}",
                    fmt(cost.mean, 0.01, 2),
                    fmt(cost.std_dev, 0.01, 2),
                    fmt(cost.p5, 0.01, 0),
                    fmt(cost.p50, 0.01, 0),
                    fmt(cost.p95, 0.01, 0)
                ),
                format!(
                    "{}, {}/{}",
                    fmt(rate.mean, 100.0, 1),
                    fmt(rate.p5, 100.0, 1),
                    fmt(rate.p95, 100.0, 1)
                ),
                format!("{}, {}", fmt(delay.mean, 1.0, 2), fmt(delay.p95, 1.0, 2)),
            );
        }
        out.push('\n');
    }
    out.push_str("(costs in currency units: cents / 100)\n");
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn percentiles_interpolate_like_numpy() {
        let values = [1.0, 2.0, 3.0, 4.0, 5.0];
        assert_eq!(percentile(&values, 0.5), Some(3.0));
        assert_eq!(percentile(&values, 0.05), Some(1.2));
        assert!((percentile(&values, 0.95).unwrap() - 4.8).abs() < 1e-12);
        assert_eq!(percentile(&[7.0], 0.95), Some(7.0));
        assert_eq!(percentile(&[], 0.5), None);
        let stats = Stats::of(vec![2.0, 4.0, 4.0, 4.0, 5.0, 5.0, 7.0, 9.0]);
        assert_eq!(stats.mean, Some(5.0));
        assert!((stats.std_dev.unwrap() - 2.138_089_935).abs() < 1e-9);
    }
}
