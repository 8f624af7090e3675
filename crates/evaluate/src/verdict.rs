//! Guardbands and the verdict.
//!
//! A guardband bounds the candidate by a multiple of the incumbent, on the means over
//! the samples (seed 004, section 4.4): cost at most 1.2 times, settlement rate at
//! least 0.95 times, peak credit used at most 1.5 times, by default. The candidate
//! is accepted when its mean cost delta is negative, the 95% interval of that mean
//! lies wholly below zero, and no guardband is broken; otherwise it is rejected
//! with every reason that applies.

use crate::paired::PairedStats;
use serde::{Deserialize, Serialize};

/// The bounds on the candidate, as multiples of the incumbent's means.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Guardbands {
    /// Candidate cost <= this x incumbent cost.
    pub max_cost_ratio: f64,
    /// Candidate settlement rate >= this x incumbent settlement rate.
    pub min_settlement_ratio: f64,
    /// Candidate peak credit used <= this x incumbent peak credit used.
    pub max_peak_credit_ratio: f64,
}

impl Default for Guardbands {
    fn default() -> Guardbands {
        Guardbands {
            max_cost_ratio: 1.2,
            min_settlement_ratio: 0.95,
            max_peak_credit_ratio: 1.5,
        }
    }
}

impl Guardbands {
    /// Refuses a bound that is not a finite, non-negative number.
    pub fn check(&self) -> Result<(), String> {
        for (name, value) in [
            ("max_cost_ratio", self.max_cost_ratio),
            ("min_settlement_ratio", self.min_settlement_ratio),
            ("max_peak_credit_ratio", self.max_peak_credit_ratio),
        ] {
            if !value.is_finite() || value < 0.0 {
                return Err(format!(
                    "{name}: a finite number of at least 0 (written: {value})"
                ));
            }
        }
        Ok(())
    }
}

/// One side's means over the samples.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Means {
    pub cost_cents: f64,
    /// Over the samples where the agent had payments to send; `None` if in none.
    pub settlement_rate: Option<f64>,
    pub peak_credit_cents: f64,
}

/// One guardband applied.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct GuardbandCheck {
    /// `cost`, `settlement_rate` or `peak_credit`.
    pub name: &'static str,
    pub candidate: f64,
    pub incumbent: f64,
    pub factor: f64,
    /// `<=` or `>=`: what must hold between `candidate` and `factor x incumbent`.
    pub bound: &'static str,
    pub broken: bool,
}

impl GuardbandCheck {
    fn new(
        name: &'static str,
        candidate: f64,
        incumbent: f64,
        factor: f64,
        at_most: bool,
    ) -> GuardbandCheck {
        let limit = factor * incumbent;
        GuardbandCheck {
            name,
            candidate,
            incumbent,
            factor,
            bound: if at_most { "<=" } else { ">=" },
            broken: if at_most {
                candidate > limit
            } else {
                candidate < limit
            },
        }
    }

    /// `guardband settlement_rate 0.91 < 0.95 x 0.97`.
    pub fn reason(&self) -> String {
        let broken_as = if self.bound == "<=" { ">" } else { "<" };
        format!(
            "guardband {} {} {broken_as} {} x {}",
            self.name,
            short(self.candidate),
            short(self.factor),
            short(self.incumbent)
        )
    }
}

/// Applies `guardbands` to the two sides' means. The settlement-rate guardband is
/// left out when either side never had a payment to send.
pub fn check_guardbands(
    guardbands: &Guardbands,
    incumbent: &Means,
    candidate: &Means,
) -> Vec<GuardbandCheck> {
    let mut checks = vec![GuardbandCheck::new(
        "cost",
        candidate.cost_cents,
        incumbent.cost_cents,
        guardbands.max_cost_ratio,
        true,
    )];
    if let (Some(c), Some(i)) = (candidate.settlement_rate, incumbent.settlement_rate) {
        checks.push(GuardbandCheck::new(
            "settlement_rate",
            c,
            i,
            guardbands.min_settlement_ratio,
            false,
        ));
    }
    checks.push(GuardbandCheck::new(
        "peak_credit",
        candidate.peak_credit_cents,
        incumbent.peak_credit_cents,
        guardbands.max_peak_credit_ratio,
        true,
    ));
    checks
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Decision {
    Accept,
    Reject,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Verdict {
    pub decision: Decision,
    /// Why it was rejected (empty when accepted).
    pub reasons: Vec<String>,
}

/// The verdict on the statistics and the guardbands.
pub fn verdict(stats: &PairedStats, checks: &[GuardbandCheck]) -> Verdict {
    let mut reasons = Vec::new();
    let mean = stats.mean_delta_cents;
    let interval = stats
        .ci95_cents
        .map(|[low, high]| format!("; 95% CI [{}, {}]", cents(low), cents(high)))
        .unwrap_or_default();
    if mean > 0.0 {
        reasons.push(format!(
            "worse on average (mean cost delta +{} cents{interval})",
            cents(mean)
        ));
    } else if mean == 0.0 {
        reasons.push(format!(
            "no better on average (mean cost delta 0{interval})"
        ));
    } else {
        // Cheaper on average: is it more than chance?
        match stats.ci95_cents {
            None => reasons.push(format!(
                "not significant ({} give{} no confidence interval)",
                count(stats.samples, "sample"),
                if stats.samples == 1 { "s" } else { "" }
            )),
            Some([low, high]) if high >= 0.0 => reasons.push(format!(
                "not significant (mean cost delta {} cents, but its 95% CI [{}, {}] reaches 0)",
                cents(mean),
                cents(low),
                cents(high)
            )),
            Some(_) => {}
        }
    }
    if stats.pareto_dominated {
        reasons.push(format!(
            "Pareto-dominated (better on no sample, worse on {} of {})",
            stats.worse, stats.samples
        ));
    }
    reasons.extend(
        checks
            .iter()
            .filter(|c| c.broken)
            .map(GuardbandCheck::reason),
    );
    Verdict {
        decision: if reasons.is_empty() {
            Decision::Accept
        } else {
            Decision::Reject
        },
        reasons,
    }
}

/// Cents for a sentence: two decimals at most (a mean may fall between cents).
pub fn cents(value: f64) -> String {
    trimmed(value, 2)
}

/// `1 sample`, `3 samples`.
pub fn count(n: u32, noun: &str) -> String {
    if n == 1 {
        format!("1 {noun}")
    } else {
        format!("{n} {noun}s")
    }
}

/// A figure for a sentence: at most four decimals, trailing zeros dropped.
pub fn short(value: f64) -> String {
    trimmed(value, 4)
}

fn trimmed(value: f64, decimals: usize) -> String {
    let text = format!("{value:.decimals$}");
    let text = text.trim_end_matches('0').trim_end_matches('.');
    if text == "-0" {
        "0".to_string()
    } else {
        text.to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::paired::paired;

    fn means(cost: f64, rate: f64, peak: f64) -> Means {
        Means {
            cost_cents: cost,
            settlement_rate: Some(rate),
            peak_credit_cents: peak,
        }
    }

    #[test]
    fn the_issue_example_reason() {
        let checks = check_guardbands(
            &Guardbands::default(),
            &means(100.0, 0.97, 0.0),
            &means(90.0, 0.91, 0.0),
        );
        let broken: Vec<String> = checks
            .iter()
            .filter(|c| c.broken)
            .map(|c| c.reason())
            .collect();
        assert_eq!(broken, ["guardband settlement_rate 0.91 < 0.95 x 0.97"]);
    }

    #[test]
    fn bounds_are_inclusive() {
        // Exactly 1.2 x cost and 1.5 x peak credit are allowed; a cent more is not.
        let at = check_guardbands(
            &Guardbands::default(),
            &means(1000.0, 1.0, 200.0),
            &means(1200.0, 0.95, 300.0),
        );
        assert!(at.iter().all(|c| !c.broken), "{at:?}");
        let over = check_guardbands(
            &Guardbands::default(),
            &means(1000.0, 1.0, 200.0),
            &means(1201.0, 0.95, 301.0),
        );
        let names: Vec<&str> = over.iter().filter(|c| c.broken).map(|c| c.name).collect();
        assert_eq!(names, ["cost", "peak_credit"]);
    }

    #[test]
    fn accept_needs_every_condition() {
        let better = paired(&[-10, -12, -8, -11], 2000, 1);
        assert_eq!(verdict(&better, &[]).decision, Decision::Accept);
        let equal = paired(&[0, 0, 0], 2000, 1);
        assert_eq!(
            verdict(&equal, &[]).reasons,
            ["no better on average (mean cost delta 0; 95% CI [0, 0])"]
        );
        // Cheaper on average, but one sample in three is dearer: the resampled means
        // reach above 0 (all three draws the +20 sample: mean +20).
        let unsure = paired(&[-30, -10, 20], 20_000, 1);
        assert_eq!(
            verdict(&unsure, &[]).reasons,
            ["not significant (mean cost delta -6.67 cents, but its 95% CI [-30, 20] reaches 0)"]
        );
        let one = paired(&[-5], 2000, 1);
        assert_eq!(
            verdict(&one, &[]).reasons,
            ["not significant (1 sample gives no confidence interval)"]
        );
    }

    #[test]
    fn short_figures() {
        assert_eq!(short(0.91), "0.91");
        assert_eq!(short(1200.0), "1200");
        assert_eq!(short(-0.00001), "0");
        assert_eq!(short(2.0 / 3.0), "0.6667");
    }
}
