//! Checks an agent's `arrivals` section and resolves it into an [`ArrivalSpec`]:
//! one stream of payments or `bands` of them, the amount and priority
//! distributions, the counterparties and the intraday profile. Every problem is
//! reported with the path of the value at fault.

use super::file::{
    AgentSection, ArrivalsSection, BandSection, BandsSection, PrioritySection, ProfileStepSection,
    amount, priority,
};
use super::validate::{Problems, decode, tagged};
use rtgsim_core::AgentId;
use rtgsim_core::arrivals::{
    AmountDistribution, ArrivalBand, ArrivalSpec, Counterparties, PriorityDistribution,
    RateProfile, Weighted,
};
use rtgsim_core::limits::{MAX_PRIORITY, MAX_RATE_PER_TICK};
use rtgsim_core::money::MAX_MONEY_CENTS;
use std::collections::BTreeMap;

/// The largest log-normal sigma accepted (beyond it amounts are mostly 1 cent or the cap).
const MAX_SIGMA: f64 = 10.0;

/// The band names, in the order their payments are drawn each tick.
const BAND_NAMES: [&str; 3] = ["urgent", "normal", "low"];

/// `agent`'s arrivals (at `path`), in days of `ticks_per_day` ticks: `Some(None)`
/// for an agent without them, `None` for arrivals with a fault (reported).
pub(super) fn resolve(
    path: &str,
    agent: &AgentSection,
    names: &BTreeMap<String, AgentId>,
    ticks_per_day: u32,
    problems: &mut Problems,
) -> Option<Option<ArrivalSpec>> {
    match &agent.arrivals {
        None => Some(None),
        Some(arrivals) => {
            resolve_arrivals(path, &agent.id, arrivals, names, ticks_per_day, problems).map(Some)
        }
    }
}

fn resolve_arrivals(
    path: &str,
    own_name: &str,
    arrivals: &ArrivalsSection,
    names: &BTreeMap<String, AgentId>,
    ticks_per_day: u32,
    problems: &mut Problems,
) -> Option<ArrivalSpec> {
    let counterparties = resolve_counterparties(path, own_name, arrivals, names, problems);
    let profile = arrivals
        .profile
        .as_ref()
        .map(|steps| resolve_profile(&format!("{path}.profile"), steps, ticks_per_day, problems));
    // The agent's own fields: its one band's, or the defaults of its bands.
    let agent = AgentFields {
        amount: arrivals
            .amount
            .as_ref()
            .map(|value| resolve_amount(&format!("{path}.amount"), &value.0, problems)),
        deadline_ticks: arrivals
            .deadline_ticks
            .map(|range| resolve_deadline(&format!("{path}.deadline_ticks"), range, problems)),
        priority: resolve_priority(&format!("{path}.priority"), &arrivals.priority, problems),
        divisible_share: resolve_share(
            &format!("{path}.divisible_share"),
            arrivals.divisible_share,
            problems,
        ),
    };
    let bands = match &arrivals.bands {
        None => {
            let Some(rate) = arrivals.rate_per_tick else {
                problems.add(path, "missing field `rate_per_tick` (or give `bands`)");
                return None;
            };
            let band = agent.band(path, path, rate, problems);
            vec![band.map(|band| ("the rate".to_string(), band))]
        }
        Some(bands) => resolve_bands(path, arrivals, bands, &agent, problems),
    };
    let bands: Vec<(String, ArrivalBand)> = bands.into_iter().collect::<Option<_>>()?;
    let profile = match profile {
        // Its faults are reported.
        Some(None) => return None,
        Some(Some(profile)) => Some(profile),
        None => None,
    };
    if let Some(profile) = &profile {
        check_peak(&format!("{path}.profile"), profile, &bands, problems);
    }
    Some(ArrivalSpec {
        bands: bands.into_iter().map(|(_, band)| band).collect(),
        counterparties: counterparties?,
        profile,
        // Set for every agent from `simulation.deadline_cap_at_eod` (see `super::validate::resolve`).
        deadline_cap_ticks_per_day: None,
    })
}

/// The bands written under `bands`, in the order they draw, each with the words
/// naming its rate in messages.
fn resolve_bands(
    path: &str,
    arrivals: &ArrivalsSection,
    bands: &BandsSection,
    agent: &AgentFields,
    problems: &mut Problems,
) -> Vec<Option<(String, ArrivalBand)>> {
    problems.check(
        arrivals.rate_per_tick.is_none(),
        || format!("{path}.rate_per_tick"),
        || "with `bands`, each band has its own rate_per_tick".into(),
    );
    let written: Vec<(&str, &BandSection)> = BAND_NAMES
        .into_iter()
        .zip([&bands.urgent, &bands.normal, &bands.low])
        .filter_map(|(name, band)| band.as_ref().map(|band| (name, band)))
        .collect();
    problems.check(
        !written.is_empty(),
        || format!("{path}.bands"),
        || format!("no band: give at least one of {}", BAND_NAMES.join(", ")),
    );
    written
        .into_iter()
        .map(|(name, band)| {
            let at = format!("{path}.bands.{name}");
            let band = resolve_band(&at, path, band, agent, problems);
            band.map(|band| (format!("band {name}'s rate"), band))
        })
        .collect()
}

/// Each band's rate times the profile's largest factor stays within the bound.
fn check_peak(
    path: &str,
    profile: &RateProfile,
    bands: &[(String, ArrivalBand)],
    problems: &mut Problems,
) {
    let peak = profile.peak_factor();
    for (label, band) in bands {
        let at_peak = band.rate_per_tick * peak;
        problems.check(
            at_peak <= MAX_RATE_PER_TICK,
            || path.to_string(),
            || {
                format!(
                    "at its peak factor {peak}, {label} {} becomes {at_peak} payments per tick; at most {MAX_RATE_PER_TICK}",
                    band.rate_per_tick
                )
            },
        );
    }
}

/// The expected payments per tick of an agent's arrivals, averaged over the day,
/// as written (whether valid or not): for the bound on a run's payments.
pub(super) fn expected_per_tick(arrivals: &ArrivalsSection, ticks_per_day: u32) -> f64 {
    let rate = |rate: f64| if rate > 0.0 { rate } else { 0.0 };
    let bands: f64 = arrivals.bands.as_ref().map_or(0.0, |bands| {
        [&bands.urgent, &bands.normal, &bands.low]
            .into_iter()
            .flatten()
            .map(|band| rate(band.rate_per_tick))
            .sum()
    });
    let factor = arrivals
        .profile
        .as_ref()
        .and_then(|steps| RateProfile::new(ticks_per_day, profile_steps(steps)).ok())
        .map_or(1.0, |profile| profile.mean_factor());
    (rate(arrivals.rate_per_tick.unwrap_or(0.0)) + bands) * factor
}

/// The fields a band may leave to the agent, resolved once: `None` when the agent
/// does not give one; `Some(None)` when it gives one that is wrong (reported).
struct AgentFields {
    amount: Option<Option<AmountDistribution>>,
    deadline_ticks: Option<Option<(u32, u32)>>,
    priority: Option<PriorityDistribution>,
    divisible_share: Option<f64>,
}

impl AgentFields {
    /// A band of `rate` whose other fields are all the agent's; a missing one is
    /// reported at `at`.
    fn band(
        &self,
        at: &str,
        agent_path: &str,
        rate: f64,
        problems: &mut Problems,
    ) -> Option<ArrivalBand> {
        let rate_per_tick = resolve_rate(&format!("{at}.rate_per_tick"), rate, problems);
        let amount = given(at, agent_path, "amount", self.amount.clone(), problems);
        let deadline_ticks = given(
            at,
            agent_path,
            "deadline_ticks",
            self.deadline_ticks,
            problems,
        );
        Some(ArrivalBand {
            rate_per_tick: rate_per_tick?,
            amount: amount?,
            deadline_ticks: deadline_ticks?,
            priority: self.priority.clone()?,
            divisible_share: self.divisible_share?,
        })
    }
}

/// A field a band needs, or `None` (reported at `at` when missing; a wrong one was
/// reported where it is written).
fn given<T>(
    at: &str,
    agent_path: &str,
    field: &str,
    value: Option<Option<T>>,
    problems: &mut Problems,
) -> Option<T> {
    if value.is_none() {
        let hint = if at == agent_path {
            ""
        } else {
            " (give it in the band, or beside `bands` for all of them)"
        };
        problems.add(at, format!("missing field `{field}`{hint}"));
    }
    value.flatten()
}

/// A band of `bands`: its own fields over the agent's.
fn resolve_band(
    at: &str,
    agent_path: &str,
    band: &BandSection,
    agent: &AgentFields,
    problems: &mut Problems,
) -> Option<ArrivalBand> {
    let own = AgentFields {
        amount: match &band.amount {
            Some(value) => Some(resolve_amount(&format!("{at}.amount"), &value.0, problems)),
            None => agent.amount.clone(),
        },
        deadline_ticks: match band.deadline_ticks {
            Some(range) => Some(resolve_deadline(
                &format!("{at}.deadline_ticks"),
                range,
                problems,
            )),
            None => agent.deadline_ticks,
        },
        priority: match &band.priority {
            Some(written) => resolve_priority(&format!("{at}.priority"), written, problems),
            None => agent.priority.clone(),
        },
        divisible_share: match band.divisible_share {
            Some(share) => resolve_share(&format!("{at}.divisible_share"), share, problems),
            None => agent.divisible_share,
        },
    };
    own.band(at, agent_path, band.rate_per_tick, problems)
}

fn resolve_rate(path: &str, rate: f64, problems: &mut Problems) -> Option<f64> {
    let ok = rate.is_finite() && (0.0..=MAX_RATE_PER_TICK).contains(&rate);
    problems.check(
        ok,
        || path.to_string(),
        || format!("{rate} is outside 0..={MAX_RATE_PER_TICK} payments per tick"),
    );
    ok.then_some(rate)
}

fn resolve_deadline(
    path: &str,
    [min, max]: [u32; 2],
    problems: &mut Problems,
) -> Option<(u32, u32)> {
    problems.check(
        min <= max,
        || path.to_string(),
        || format!("[{min}, {max}]: the minimum is above the maximum"),
    );
    (min <= max).then_some((min, max))
}

fn resolve_share(path: &str, share: f64, problems: &mut Problems) -> Option<f64> {
    let ok = (0.0..=1.0).contains(&share);
    problems.check(
        ok,
        || path.to_string(),
        || format!("{share} is not a share between 0 and 1"),
    );
    ok.then_some(share)
}

fn resolve_priority(
    path: &str,
    written: &PrioritySection,
    problems: &mut Problems,
) -> Option<PriorityDistribution> {
    match written {
        &PrioritySection::Range([min, max]) => {
            let ok = min <= max && max <= MAX_PRIORITY;
            problems.check(
                ok,
                || path.to_string(),
                || format!("[{min}, {max}] is not a range within 0..={MAX_PRIORITY}"),
            );
            ok.then_some(PriorityDistribution::Range { min, max })
        }
        PrioritySection::Distribution(value) => {
            let (_categorical, params) = tagged(
                path,
                &value.0,
                "distribution",
                priority::DISTRIBUTIONS,
                problems,
            )?;
            let priority::Categorical { values, weights } = decode(path, &params, problems)?;
            let mut in_range = true;
            for (i, &value) in values.iter().enumerate() {
                in_range &= value <= MAX_PRIORITY;
                problems.check(
                    value <= MAX_PRIORITY,
                    || format!("{path}.values[{i}]"),
                    || format!("{value} is above {MAX_PRIORITY}"),
                );
            }
            let weighted = resolve_weighted(path, values, weights, problems);
            in_range.then_some(PriorityDistribution::Categorical(weighted?))
        }
    }
}

fn resolve_amount(
    path: &str,
    value: &serde_json::Value,
    problems: &mut Problems,
) -> Option<AmountDistribution> {
    let (kind, params) = tagged(path, value, "distribution", amount::DISTRIBUTIONS, problems)?;
    let at = |field: &str| format!("{path}.{field}");
    let distribution = match kind {
        "log_normal" => {
            let amount::LogNormal { median, sigma } = decode(path, &params, problems)?;
            problems.money(&at("median"), median, 1);
            problems.check(
                sigma.is_finite() && (0.0..=MAX_SIGMA).contains(&sigma),
                || at("sigma"),
                || format!("{sigma} is outside 0..={MAX_SIGMA}"),
            );
            AmountDistribution::LogNormal { median, sigma }
        }
        "uniform" => {
            let amount::Uniform { min, max } = decode(path, &params, problems)?;
            problems.money(&at("min"), min, 1);
            problems.money(&at("max"), max, 1);
            problems.check(
                min <= max,
                || at("max"),
                || format!("{max} is below min {min}"),
            );
            AmountDistribution::Uniform { min, max }
        }
        "fixed" => {
            let amount::Fixed { value } = decode(path, &params, problems)?;
            problems.money(&at("value"), value, 1);
            AmountDistribution::Fixed { value }
        }
        "normal" => {
            let amount::Normal { mean, sd } = decode(path, &params, problems)?;
            mean_in_cents(&at("mean"), mean, problems);
            problems.check(
                sd > 0.0,
                || at("sd"),
                || format!("must be > 0, written: {sd}"),
            );
            problems.check(
                sd <= MAX_MONEY_CENTS as f64 || sd.is_nan(),
                || at("sd"),
                || format!("{sd} is above {MAX_MONEY_CENTS} cents"),
            );
            AmountDistribution::Normal { mean, sd }
        }
        "exponential" => {
            let amount::Exponential { mean } = decode(path, &params, problems)?;
            mean_in_cents(&at("mean"), mean, problems);
            AmountDistribution::Exponential { mean }
        }
        _ => {
            let amount::Empirical { values, weights } = decode(path, &params, problems)?;
            let mut in_range = true;
            for (i, &value) in values.iter().enumerate() {
                in_range &= (1..=MAX_MONEY_CENTS).contains(&value);
                problems.money(&format!("{path}.values[{i}]"), value, 1);
            }
            let weighted = resolve_weighted(path, values, weights, problems);
            if !in_range {
                return None;
            }
            AmountDistribution::Empirical(weighted?)
        }
    };
    Some(distribution)
}

fn mean_in_cents(path: &str, mean: f64, problems: &mut Problems) {
    problems.check(
        (1.0..=MAX_MONEY_CENTS as f64).contains(&mean),
        || path.to_string(),
        || format!("{mean} is outside 1..={MAX_MONEY_CENTS} cents"),
    );
}

/// `values` and `weights` under `path`, each fault named by its own path.
fn resolve_weighted<T: Copy>(
    path: &str,
    values: Vec<T>,
    weights: Vec<f64>,
    problems: &mut Problems,
) -> Option<Weighted<T>> {
    let mut ok = true;
    let mut fault = |at: String, message: String| {
        ok = false;
        problems.add(at, message);
    };
    if values.is_empty() {
        fault(format!("{path}.values"), "no values to draw from".into());
    } else if weights.len() != values.len() {
        fault(
            format!("{path}.weights"),
            format!(
                "{} weights for {} values: give one weight per value",
                weights.len(),
                values.len()
            ),
        );
    }
    for (i, &weight) in weights.iter().enumerate() {
        if !(weight.is_finite() && weight >= 0.0) {
            fault(
                format!("{path}.weights[{i}]"),
                format!("{weight} is not a finite number >= 0"),
            );
        }
    }
    if !ok {
        return None;
    }
    // What is left (all zero, an infinite sum) is about the weights together.
    Weighted::new(values, weights)
        .map_err(|message| problems.add(format!("{path}.weights"), message))
        .ok()
}

fn profile_steps(steps: &[ProfileStepSection]) -> Vec<(u32, f64)> {
    steps
        .iter()
        .map(|step| (step.from_tick_in_day, step.factor))
        .collect()
}

/// The profile, or `None` with each fault reported at its step.
fn resolve_profile(
    path: &str,
    steps: &[ProfileStepSection],
    ticks_per_day: u32,
    problems: &mut Problems,
) -> Option<RateProfile> {
    let mut ok = true;
    let mut check = |good: bool, at: String, message: String| {
        ok &= good;
        if !good {
            problems.add(at, message);
        }
    };
    check(
        !steps.is_empty(),
        path.to_string(),
        "no steps: give at least one, from_tick_in_day 0".into(),
    );
    let mut previous: Option<u32> = None;
    for (i, step) in steps.iter().enumerate() {
        let at = |field: &str| format!("{path}[{i}].{field}");
        let from = step.from_tick_in_day;
        match previous {
            None => check(
                from == 0,
                at("from_tick_in_day"),
                format!("{from}: the first step must start at 0, so that every tick has a factor"),
            ),
            Some(previous) => check(
                from > previous,
                at("from_tick_in_day"),
                format!("{from} is not after the previous step's {previous}"),
            ),
        }
        check(
            from < ticks_per_day,
            at("from_tick_in_day"),
            format!("{from} is not a tick of a day of {ticks_per_day} ticks"),
        );
        let factor = step.factor;
        check(
            factor.is_finite() && factor >= 0.0,
            at("factor"),
            format!("{factor} is not a finite number >= 0"),
        );
        previous = Some(from);
    }
    if !ok {
        return None;
    }
    RateProfile::new(ticks_per_day, profile_steps(steps))
        .map_err(|message| problems.add(path, message))
        .ok()
}

fn resolve_counterparties(
    path: &str,
    own_name: &str,
    arrivals: &ArrivalsSection,
    names: &BTreeMap<String, AgentId>,
    problems: &mut Problems,
) -> Option<Counterparties> {
    let Some(weights) = &arrivals.counterparties else {
        problems.check(
            names.len() >= 2,
            || format!("{path}.counterparties"),
            || "there is no other agent to pay".into(),
        );
        // At most MAX_AGENTS, checked with the agent list.
        return Some(Counterparties::AllOthers {
            agents: names.len() as u32,
        });
    };
    let Some(weights) = weights.0.as_object() else {
        problems.add(
            format!("{path}.counterparties"),
            format!("must be a map of agent ids to weights, not {}", weights.0),
        );
        return None;
    };
    let mut resolved = Vec::with_capacity(weights.len());
    let mut total = 0.0;
    for (name, weight) in weights {
        let at = format!("{path}.counterparties.{name}");
        let Some(weight) = weight.as_f64() else {
            problems.add(at, format!("weight {weight} is not a number"));
            continue;
        };
        match names.get(name) {
            None => problems.add(at.clone(), format!("unknown agent {name:?}")),
            Some(_) if name == own_name => problems.add(at.clone(), "an agent cannot pay itself"),
            Some(&id) => resolved.push((id, weight)),
        }
        if weight.is_finite() && weight >= 0.0 {
            total += weight;
        } else {
            problems.add(at, format!("weight {weight} is not a finite number >= 0"));
        }
    }
    problems.check(
        total > 0.0,
        || format!("{path}.counterparties"),
        || "the weights sum to zero: no one can be paid".into(),
    );
    problems.check(
        total.is_finite(),
        || format!("{path}.counterparties"),
        || "the weights sum to more than a number can hold; use smaller weights".into(),
    );
    resolved.retain(|&(_, weight)| weight > 0.0);
    resolved.sort_by_key(|(id, _)| *id);
    Some(Counterparties::Weighted(resolved))
}
