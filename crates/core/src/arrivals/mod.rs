//! Generated client payments: per-agent Poisson arrivals, in one or more bands (say
//! urgent, normal, low), each with its own rate, amount, deadline and priority
//! distributions, paid to the agent's counterparties, the rate optionally shaped over
//! the day by a [`RateProfile`] and changed during a run by an [`ArrivalChange`].
//!
//! Each agent has its own ChaCha8 stream, keyed by (run seed, agent index): adding or
//! changing one agent never changes another agent's payments. Every tick, each band
//! in turn draws its count of payments, then for each payment, in this order: the
//! receiver, the amount, the deadline offset, the priority, divisibility. With one
//! band and no profile this is the order the generator has always drawn in, so a
//! scenario written before bands existed makes the same payments.

mod change;
mod distributions;
mod profile;
mod sampling;

use crate::ids::{AgentId, Tick};
use crate::limits::MAX_RATE_PER_TICK;
use crate::money::Cents;
use crate::transaction::NewPayment;
use rand_chacha::ChaCha8Rng;
use rand_core::SeedableRng;

pub use change::ArrivalChange;
pub use distributions::{AmountDistribution, MAX_NORMAL_DRAWS, PriorityDistribution, Weighted};
pub use profile::RateProfile;
pub use sampling::{poisson, standard_normal, uniform_inclusive, unit_f64};

/// Who an agent's generated payments go to.
#[derive(Debug, Clone, PartialEq)]
pub enum Counterparties {
    /// Every other agent of the `agents` in the scenario, equally likely. Kept as a
    /// count, not a list, so that a scenario of many agents does not hold a list of
    /// all the others for each of them.
    AllOthers { agents: u32 },
    /// Receivers with positive weights, drawn in proportion to the weights.
    Weighted(Vec<(AgentId, f64)>),
}

/// One stream of an agent's payments: how many arrive and what they look like.
/// Ranges are inclusive.
#[derive(Debug, Clone, PartialEq)]
pub struct ArrivalBand {
    /// Mean arrivals per tick (Poisson), before the profile's factor.
    pub rate_per_tick: f64,
    pub amount: AmountDistribution,
    /// Deadline offset from arrival, in ticks.
    pub deadline_ticks: (Tick, Tick),
    pub priority: PriorityDistribution,
    /// Probability that a payment is divisible.
    pub divisible_share: f64,
}

/// What an agent's generated payments look like.
#[derive(Debug, Clone, PartialEq)]
pub struct ArrivalSpec {
    /// Drawn in this order every tick, each with a Poisson count of its own.
    pub bands: Vec<ArrivalBand>,
    /// Shared by every band.
    pub counterparties: Counterparties,
    /// `None`: the same rate all day.
    pub profile: Option<RateProfile>,
    /// `Some(ticks_per_day)`: a deadline never passes the end of its payment's day
    /// (`deadline_cap_at_eod`); the offset is drawn all the same, so the other draws
    /// do not move.
    pub deadline_cap_ticks_per_day: Option<Tick>,
}

impl ArrivalSpec {
    /// One band to `counterparties`, the same rate all day, deadlines not capped.
    pub fn single(band: ArrivalBand, counterparties: Counterparties) -> ArrivalSpec {
        ArrivalSpec {
            bands: vec![band],
            counterparties,
            profile: None,
            deadline_cap_ticks_per_day: None,
        }
    }

    /// The agent's rate: the sum of its bands', before the profile's factor.
    pub fn total_rate_per_tick(&self) -> f64 {
        self.bands.iter().map(|band| band.rate_per_tick).sum()
    }
}

/// The generator for every agent's arrivals.
#[derive(Debug, Clone)]
pub struct ArrivalGenerator {
    streams: Vec<Option<AgentStream>>,
}

#[derive(Debug, Clone)]
struct AgentStream {
    rng: ChaCha8Rng,
    /// The scenario's spec, which changes are made against.
    plan: ArrivalSpec,
    /// The spec in force once a change is made: `plan` with the changes made so
    /// far. `None` until then, so that an agent never changed keeps one copy.
    changed: Option<ArrivalSpec>,
    /// Running sums of the weights of the spec in force's
    /// `Counterparties::Weighted`, for drawing a receiver; empty otherwise.
    cumulative: Vec<f64>,
}

impl ArrivalGenerator {
    /// One stream per agent (`None`: the agent has no generated payments).
    pub fn new(seed: u64, specs: Vec<Option<ArrivalSpec>>) -> Self {
        let streams = specs
            .into_iter()
            .enumerate()
            .map(|(index, spec)| spec.map(|spec| AgentStream::new(seed, index as u64, spec)))
            .collect();
        ArrivalGenerator { streams }
    }

    /// Where each agent's random stream is (`None`: the agent has no generated
    /// payments): with the scenario and the changes made so far, all a checkpoint
    /// needs to continue the draws.
    pub fn positions(&self) -> Vec<Option<u128>> {
        self.streams
            .iter()
            .map(|stream| stream.as_ref().map(|s| s.rng.get_word_pos()))
            .collect()
    }

    /// Moves each agent's stream to where [`ArrivalGenerator::positions`] found it.
    pub fn restore_positions(&mut self, positions: &[Option<u128>]) -> Result<(), String> {
        if positions.len() != self.streams.len() {
            return Err(format!(
                "{} arrival streams in the checkpoint, {} in the scenario",
                positions.len(),
                self.streams.len()
            ));
        }
        for (index, (stream, position)) in self.streams.iter_mut().zip(positions).enumerate() {
            match (stream, position) {
                (Some(stream), Some(position)) => stream.rng.set_word_pos(*position),
                (None, None) => {}
                _ => {
                    return Err(format!(
                        "agent {index}'s arrivals differ from the checkpoint's"
                    ));
                }
            }
        }
        Ok(())
    }

    /// Appends the payments `agent` receives from its clients at `tick` to `out`.
    pub fn generate(&mut self, agent: AgentId, tick: Tick, out: &mut Vec<NewPayment>) {
        if let Some(stream) = self.streams.get_mut(agent.index()).and_then(Option::as_mut) {
            stream.generate(agent, tick, out);
        }
    }

    /// Changes `agent`'s arrivals from its next draw on (see [`ArrivalChange`] for
    /// what each change means and when it is refused). Changes are made against the
    /// scenario's spec, so the spec in force depends only on the scenario and the
    /// changes made so far, in order; a resumed run that re-applies them draws on as
    /// the one-go run did. A refused change changes nothing.
    pub fn change(&mut self, agent: AgentId, change: &ArrivalChange) -> Result<(), String> {
        let agents = self.streams.len();
        let Some(slot) = self.streams.get_mut(agent.index()) else {
            return Err(format!(
                "agent {} is not in the scenario ({agents} agents)",
                agent.0
            ));
        };
        let Some(stream) = slot.as_mut() else {
            return match change {
                // "Every agent's rate doubles" passes over those without arrivals
                // (a factor no agent could take is refused all the same).
                ArrivalChange::RateFactor(factor) => change::check_factor(*factor),
                _ => Err(format!(
                    "agent {} has no generated payments to change",
                    agent.0
                )),
            };
        };
        let next = change::changed(&stream.plan, stream.current(), change, agent, agents)?;
        stream.cumulative = cumulative_weights(&next.counterparties);
        stream.changed = Some(next);
        Ok(())
    }

    /// Whether `agent` has generated payments (a change other than
    /// [`ArrivalChange::RateFactor`] is refused for one without).
    pub fn has_arrivals(&self, agent: AgentId) -> bool {
        self.spec(agent).is_some()
    }

    /// `agent`'s spec in force: the scenario's with the changes made so far.
    pub fn spec(&self, agent: AgentId) -> Option<&ArrivalSpec> {
        self.stream(agent).map(AgentStream::current)
    }

    /// `agent`'s spec as the scenario gave it.
    pub fn scenario_spec(&self, agent: AgentId) -> Option<&ArrivalSpec> {
        self.stream(agent).map(|stream| &stream.plan)
    }

    fn stream(&self, agent: AgentId) -> Option<&AgentStream> {
        self.streams.get(agent.index()).and_then(Option::as_ref)
    }
}

/// `deadline`, or the last tick of `arrival`'s day if that comes first.
pub fn cap_at_end_of_day(deadline: Tick, arrival: Tick, ticks_per_day: Option<Tick>) -> Tick {
    match ticks_per_day.filter(|&n| n > 0) {
        Some(n) => {
            let last_of_day = (arrival / n).saturating_mul(n).saturating_add(n - 1);
            deadline.min(last_of_day)
        }
        None => deadline,
    }
}

/// Running sums of the weights of `Counterparties::Weighted`; empty otherwise.
fn cumulative_weights(counterparties: &Counterparties) -> Vec<f64> {
    let mut total = 0.0;
    match counterparties {
        Counterparties::AllOthers { .. } => Vec::new(),
        Counterparties::Weighted(weights) => weights
            .iter()
            .map(|&(_, weight)| {
                total += weight;
                total
            })
            .collect(),
    }
}

impl AgentStream {
    fn new(seed: u64, index: u64, spec: ArrivalSpec) -> Self {
        // The key is the seed in little-endian bytes, zero-padded; the agent's index
        // selects one of ChaCha's 2^64 independent streams.
        let mut key = [0u8; 32];
        key[..8].copy_from_slice(&seed.to_le_bytes());
        let mut rng = ChaCha8Rng::from_seed(key);
        rng.set_stream(index);
        AgentStream {
            rng,
            cumulative: cumulative_weights(&spec.counterparties),
            plan: spec,
            changed: None,
        }
    }

    /// The spec in force.
    fn current(&self) -> &ArrivalSpec {
        self.changed.as_ref().unwrap_or(&self.plan)
    }

    fn generate(&mut self, sender: AgentId, tick: Tick, out: &mut Vec<NewPayment>) {
        let AgentStream {
            rng,
            plan,
            changed,
            cumulative,
        } = self;
        let spec = changed.as_ref().unwrap_or(plan);
        let factor = spec.profile.as_ref().map(|profile| profile.factor_at(tick));
        for band in &spec.bands {
            let rate = match factor {
                // Without a profile the rate is used as written: no multiplication
                // to round, so the draws are the ones made before profiles existed.
                None => band.rate_per_tick,
                Some(factor) => band.rate_per_tick * factor,
            };
            // Scenarios and changes keep rates within the bound; this keeps a spec
            // built by a program from drawing without end (NaN stays NaN: no arrivals).
            let rate = if rate > MAX_RATE_PER_TICK {
                MAX_RATE_PER_TICK
            } else {
                rate
            };
            let count = poisson(rng, rate);
            for _ in 0..count {
                // The draws happen in this fixed order for every payment.
                let Some(receiver) = draw_receiver(rng, &spec.counterparties, cumulative, sender)
                else {
                    return;
                };
                let amount: Cents = band.amount.sample(rng);
                let (dmin, dmax) = band.deadline_ticks;
                let offset = uniform_inclusive(rng, u64::from(dmin), u64::from(dmax));
                let priority = band.priority.sample(rng);
                let divisible = unit_f64(rng) < band.divisible_share;
                out.push(NewPayment {
                    sender,
                    receiver,
                    amount,
                    // offset <= dmax, a Tick; saturate rather than wrap at the far end.
                    deadline_tick: cap_at_end_of_day(
                        tick.saturating_add(offset as Tick),
                        tick,
                        spec.deadline_cap_ticks_per_day,
                    ),
                    priority,
                    divisible,
                });
            }
        }
    }
}

/// A receiver, or `None` when there is no one to pay.
fn draw_receiver(
    rng: &mut ChaCha8Rng,
    counterparties: &Counterparties,
    cumulative: &[f64],
    sender: AgentId,
) -> Option<AgentId> {
    match counterparties {
        Counterparties::AllOthers { agents } => {
            let others = agents.checked_sub(1).filter(|&n| n > 0)?;
            // One of the others: draw from 0..others and skip the sender.
            let draw = uniform_inclusive(rng, 0, u64::from(others) - 1) as u32;
            Some(AgentId(if draw >= sender.0 { draw + 1 } else { draw }))
        }
        Counterparties::Weighted(weights) => {
            let total = *cumulative.last()?;
            let target = unit_f64(rng) * total;
            let index = cumulative
                .partition_point(|&sum| sum <= target)
                .min(cumulative.len() - 1);
            weights.get(index).map(|&(agent, _)| agent)
        }
    }
}

#[cfg(test)]
mod tests;
