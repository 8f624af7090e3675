//! Changes to an agent's arrivals while a run goes on: what the scenario events
//! `arrival_rate`, `counterparty_weights` and `deadline_window` ask of the
//! generator.
//!
//! A change is made against the scenario's spec, never compounded on an earlier
//! change of the same kind: the spec in force is a pure function of the scenario's
//! spec and the changes applied so far, in order. A resumed run re-applies the
//! changes whose tick has passed and draws on exactly as the one-go run did; a
//! checkpoint need not store them.

use super::{ArrivalSpec, Counterparties};
use crate::ids::{AgentId, Tick};
use crate::limits::MAX_RATE_PER_TICK;

/// A change to one agent's generated payments, from the next draw on.
#[derive(Debug, Clone, PartialEq)]
pub enum ArrivalChange {
    /// Every band's rate becomes `factor` times the scenario's rate for it. It
    /// replaces any earlier rate change (factors do not compound: 2 then 3 is 3x the
    /// scenario's). An agent without arrivals is left as it is (a factor below 0 or
    /// not finite is refused all the same).
    RateFactor(f64),
    /// The agent's rate (the sum of its bands') becomes this many payments per tick,
    /// shared among the bands as the scenario shares it: each band's rate becomes
    /// `rate * scenario band rate / scenario total` (with one band: exactly `rate`).
    /// It replaces any earlier rate change. Refused for an agent without arrivals
    /// (it has no amounts to draw) and for bands whose scenario rates are all 0
    /// (there is no share to split by; use one band, or `RateFactor`).
    RatePerTick(f64),
    /// The receivers and their weights, replacing the agent's counterparties
    /// (for every band): each weight finite and at least 0, their sum above 0, no
    /// receiver twice, none the agent itself or outside the scenario. The order given
    /// does not matter (they are drawn in the order of their ids, as a scenario's
    /// are); zero weights are dropped. Refused for an agent without arrivals.
    CounterpartyWeights(Vec<(AgentId, f64)>),
    /// Every band's deadline offset becomes `min_ticks..=max_ticks` after arrival
    /// (a day's-end cap, `deadline_cap_at_eod`, still applies). Refused for an agent
    /// without arrivals.
    DeadlineWindow { min_ticks: Tick, max_ticks: Tick },
}

/// The spec in force after `change`: from the scenario's spec `plan` for what the
/// change sets, and from `current` (the spec in force before it) for the rest.
/// `agents` is the number of agents in the scenario.
pub(super) fn changed(
    plan: &ArrivalSpec,
    current: &ArrivalSpec,
    change: &ArrivalChange,
    sender: AgentId,
    agents: usize,
) -> Result<ArrivalSpec, String> {
    let mut next = current.clone();
    match change {
        ArrivalChange::RateFactor(factor) => {
            let factor = *factor;
            check_factor(factor)?;
            for (band, scenario) in next.bands.iter_mut().zip(&plan.bands) {
                band.rate_per_tick = factor * scenario.rate_per_tick;
            }
        }
        ArrivalChange::RatePerTick(rate) => {
            let rate = *rate;
            if !(rate.is_finite() && rate >= 0.0) {
                return Err(format!("rate {rate} is not a finite number >= 0"));
            }
            let total = plan.total_rate_per_tick();
            match next.bands.as_mut_slice() {
                [only] => only.rate_per_tick = rate,
                bands if total > 0.0 => {
                    for (band, scenario) in bands.iter_mut().zip(&plan.bands) {
                        band.rate_per_tick = rate * (scenario.rate_per_tick / total);
                    }
                }
                _ => {
                    return Err(format!(
                        "the scenario's bands all have rate 0: there is no share to split {rate} payments per tick by"
                    ));
                }
            }
        }
        ArrivalChange::CounterpartyWeights(weights) => {
            next.counterparties = counterparties(weights, sender, agents)?;
        }
        ArrivalChange::DeadlineWindow {
            min_ticks,
            max_ticks,
        } => {
            if min_ticks > max_ticks {
                return Err(format!(
                    "deadline window [{min_ticks}, {max_ticks}]: the minimum is above the maximum"
                ));
            }
            for band in &mut next.bands {
                band.deadline_ticks = (*min_ticks, *max_ticks);
            }
        }
    }
    if matches!(
        change,
        ArrivalChange::RateFactor(_) | ArrivalChange::RatePerTick(_)
    ) {
        check_rates(&next)?;
    }
    Ok(next)
}

/// Refuses a rate factor no agent could take.
pub(super) fn check_factor(factor: f64) -> Result<(), String> {
    if factor.is_finite() && factor >= 0.0 {
        Ok(())
    } else {
        Err(format!("rate factor {factor} is not a finite number >= 0"))
    }
}

/// Refuses rates whose peak (with the profile's largest factor) passes
/// [`MAX_RATE_PER_TICK`], as a scenario's are refused.
fn check_rates(spec: &ArrivalSpec) -> Result<(), String> {
    let peak = spec.profile.as_ref().map_or(1.0, |p| p.peak_factor());
    for band in &spec.bands {
        let at_peak = band.rate_per_tick * peak;
        if at_peak.is_nan() || at_peak > MAX_RATE_PER_TICK {
            return Err(format!(
                "a band's rate would reach {at_peak} payments per tick; at most {MAX_RATE_PER_TICK}"
            ));
        }
    }
    Ok(())
}

fn counterparties(
    weights: &[(AgentId, f64)],
    sender: AgentId,
    agents: usize,
) -> Result<Counterparties, String> {
    let mut sorted = weights.to_vec();
    sorted.sort_by_key(|&(id, _)| id);
    for pair in sorted.windows(2) {
        if pair[0].0 == pair[1].0 {
            return Err(format!("agent {} is given twice", pair[0].0.0));
        }
    }
    let mut total = 0.0;
    for &(id, weight) in &sorted {
        if id == sender {
            return Err(format!("agent {} cannot pay itself", id.0));
        }
        if id.index() >= agents {
            return Err(format!(
                "agent {} is not in the scenario ({agents} agents)",
                id.0
            ));
        }
        if !(weight.is_finite() && weight >= 0.0) {
            return Err(format!(
                "agent {}'s weight {weight} is not a finite number >= 0",
                id.0
            ));
        }
        total += weight;
    }
    if total <= 0.0 {
        return Err("the weights sum to zero: no one can be paid".into());
    }
    if !total.is_finite() {
        return Err("the weights sum to more than a number can hold; use smaller ones".into());
    }
    sorted.retain(|&(_, weight)| weight > 0.0);
    Ok(Counterparties::Weighted(sorted))
}
