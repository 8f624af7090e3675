//! Generated client payments: per-agent Poisson arrivals with amount, counterparty,
//! deadline, priority and divisibility drawn from the agent's [`ArrivalSpec`].
//!
//! Each agent has its own ChaCha8 stream, keyed by (run seed, agent index): adding or
//! changing one agent never changes another agent's payments.

mod sampling;

use crate::ids::{AgentId, Tick};
use crate::limits::MAX_PRIORITY;
use crate::money::{Cents, MAX_MONEY_CENTS};
use crate::transaction::NewPayment;
use rand_chacha::ChaCha8Rng;
use rand_core::SeedableRng;

pub use sampling::{poisson, standard_normal, uniform_inclusive, unit_f64};

/// How payment amounts are drawn (cents).
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum AmountDistribution {
    /// `median * exp(sigma * Z)` for a standard normal `Z`, rounded to the cent.
    LogNormal { median: Cents, sigma: f64 },
    /// Uniform over `min..=max`.
    Uniform { min: Cents, max: Cents },
    /// Always `value`.
    Fixed { value: Cents },
}

impl AmountDistribution {
    /// One amount, at least one cent and at most [`MAX_MONEY_CENTS`].
    pub fn sample(&self, rng: &mut ChaCha8Rng) -> Cents {
        let amount = match *self {
            AmountDistribution::LogNormal { median, sigma } => {
                let draw = median as f64 * libm::exp(sigma * standard_normal(rng));
                // `as` saturates, and the clamp below bounds it anyway.
                libm::round(draw.min(MAX_MONEY_CENTS as f64)) as Cents
            }
            AmountDistribution::Uniform { min, max } => {
                let (low, high) = (min.max(1), max.max(min.max(1)));
                // low >= 1, so both convert to u64 and back losslessly.
                uniform_inclusive(rng, low as u64, high as u64) as Cents
            }
            AmountDistribution::Fixed { value } => value,
        };
        amount.clamp(1, MAX_MONEY_CENTS)
    }
}

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

/// What an agent's generated payments look like. Ranges are inclusive.
#[derive(Debug, Clone, PartialEq)]
pub struct ArrivalSpec {
    /// Mean arrivals per tick (Poisson).
    pub rate_per_tick: f64,
    pub amount: AmountDistribution,
    pub counterparties: Counterparties,
    /// Deadline offset from arrival, in ticks.
    pub deadline_ticks: (Tick, Tick),
    pub priority: (u8, u8),
    /// Probability that a payment is divisible.
    pub divisible_share: f64,
    /// `Some(ticks_per_day)`: a deadline never passes the end of its payment's day
    /// (`deadline_cap_at_eod`); the offset is drawn all the same, so the other draws
    /// do not move.
    pub deadline_cap_ticks_per_day: Option<Tick>,
}

/// The generator for every agent's arrivals.
#[derive(Debug, Clone)]
pub struct ArrivalGenerator {
    streams: Vec<Option<AgentStream>>,
}

#[derive(Debug, Clone)]
struct AgentStream {
    rng: ChaCha8Rng,
    spec: ArrivalSpec,
    /// Running sums of the weights of `Counterparties::Weighted`, for drawing a
    /// receiver; empty otherwise.
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
    /// payments): with the scenario, all a checkpoint needs to continue the draws.
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

impl AgentStream {
    fn new(seed: u64, index: u64, spec: ArrivalSpec) -> Self {
        // The key is the seed in little-endian bytes, zero-padded; the agent's index
        // selects one of ChaCha's 2^64 independent streams.
        let mut key = [0u8; 32];
        key[..8].copy_from_slice(&seed.to_le_bytes());
        let mut rng = ChaCha8Rng::from_seed(key);
        rng.set_stream(index);
        let mut total = 0.0;
        let cumulative = match &spec.counterparties {
            Counterparties::AllOthers { .. } => Vec::new(),
            Counterparties::Weighted(weights) => weights
                .iter()
                .map(|&(_, weight)| {
                    total += weight;
                    total
                })
                .collect(),
        };
        AgentStream {
            rng,
            spec,
            cumulative,
        }
    }

    fn generate(&mut self, sender: AgentId, tick: Tick, out: &mut Vec<NewPayment>) {
        let count = poisson(&mut self.rng, self.spec.rate_per_tick);
        for _ in 0..count {
            // The draws happen in this fixed order for every payment.
            let Some(receiver) = self.draw_receiver(sender) else {
                return;
            };
            let amount = self.spec.amount.sample(&mut self.rng);
            let (dmin, dmax) = self.spec.deadline_ticks;
            let offset = uniform_inclusive(&mut self.rng, u64::from(dmin), u64::from(dmax));
            let (pmin, pmax) = self.spec.priority;
            let priority = uniform_inclusive(&mut self.rng, u64::from(pmin), u64::from(pmax));
            let divisible = unit_f64(&mut self.rng) < self.spec.divisible_share;
            out.push(NewPayment {
                sender,
                receiver,
                amount,
                // offset <= dmax, a Tick; saturate rather than wrap at the far end.
                deadline_tick: cap_at_end_of_day(
                    tick.saturating_add(offset as Tick),
                    tick,
                    self.spec.deadline_cap_ticks_per_day,
                ),
                priority: (priority as u8).min(MAX_PRIORITY),
                divisible,
            });
        }
    }

    /// A receiver, or `None` when there is no one to pay.
    fn draw_receiver(&mut self, sender: AgentId) -> Option<AgentId> {
        match &self.spec.counterparties {
            Counterparties::AllOthers { agents } => {
                let others = agents.checked_sub(1).filter(|&n| n > 0)?;
                // One of the others: draw from 0..others and skip the sender.
                let draw = uniform_inclusive(&mut self.rng, 0, u64::from(others) - 1) as u32;
                Some(AgentId(if draw >= sender.0 { draw + 1 } else { draw }))
            }
            Counterparties::Weighted(weights) => {
                let total = *self.cumulative.last()?;
                let target = unit_f64(&mut self.rng) * total;
                let index = self
                    .cumulative
                    .partition_point(|&sum| sum <= target)
                    .min(self.cumulative.len() - 1);
                weights.get(index).map(|&(agent, _)| agent)
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn spec(counterparties: Vec<(AgentId, f64)>) -> ArrivalSpec {
        ArrivalSpec {
            rate_per_tick: 3.0,
            amount: AmountDistribution::LogNormal {
                median: 10_000,
                sigma: 1.0,
            },
            counterparties: Counterparties::Weighted(counterparties),
            deadline_ticks: (2, 9),
            priority: (1, 10),
            divisible_share: 0.5,
            deadline_cap_ticks_per_day: None,
        }
    }

    fn draw(generator: &mut ArrivalGenerator, agent: u32, ticks: Tick) -> Vec<NewPayment> {
        let mut out = Vec::new();
        for tick in 0..ticks {
            generator.generate(AgentId(agent), tick, &mut out);
        }
        out
    }

    #[test]
    fn deadlines_capped_at_the_end_of_their_day() {
        // By hand, days of 10 ticks: arriving at 17, the day's last tick is 19.
        assert_eq!(cap_at_end_of_day(25, 17, Some(10)), 19);
        assert_eq!(cap_at_end_of_day(18, 17, Some(10)), 18);
        assert_eq!(cap_at_end_of_day(25, 17, None), 25);
        assert_eq!(cap_at_end_of_day(9, 0, Some(10)), 9);
        // The same seed with and without the cap: every draw but the deadline agrees,
        // and each capped deadline is the uncapped one or its day's last tick.
        let weights = vec![(AgentId(1), 1.0), (AgentId(2), 2.0)];
        let capped_spec = ArrivalSpec {
            deadline_cap_ticks_per_day: Some(5),
            ..spec(weights.clone())
        };
        let free = draw(
            &mut ArrivalGenerator::new(3, vec![Some(spec(weights))]),
            0,
            40,
        );
        let capped = draw(
            &mut ArrivalGenerator::new(3, vec![Some(capped_spec)]),
            0,
            40,
        );
        assert_eq!(free.len(), capped.len());
        assert!(
            free.iter()
                .zip(&capped)
                .any(|(f, c)| f.deadline_tick != c.deadline_tick)
        );
        let mut tick_of = Vec::new();
        let mut generator = ArrivalGenerator::new(
            3,
            vec![Some(spec(vec![(AgentId(1), 1.0), (AgentId(2), 2.0)]))],
        );
        for tick in 0..40 {
            let mut out = Vec::new();
            generator.generate(AgentId(0), tick, &mut out);
            tick_of.extend(std::iter::repeat_n(tick, out.len()));
        }
        for ((f, c), arrival) in free.iter().zip(&capped).zip(tick_of) {
            assert_eq!(
                (f.receiver, f.amount, f.priority, f.divisible),
                (c.receiver, c.amount, c.priority, c.divisible)
            );
            let last_of_day = arrival / 5 * 5 + 4;
            assert_eq!(c.deadline_tick, f.deadline_tick.min(last_of_day));
        }
    }

    #[test]
    fn adding_an_agent_leaves_the_others_unchanged() {
        let mut two = ArrivalGenerator::new(9, vec![Some(spec(vec![(AgentId(1), 1.0)])), None]);
        let mut three = ArrivalGenerator::new(
            9,
            vec![
                Some(spec(vec![(AgentId(1), 1.0)])),
                None,
                Some(spec(vec![(AgentId(0), 1.0)])),
            ],
        );
        assert_eq!(draw(&mut two, 0, 50), draw(&mut three, 0, 50));
    }

    #[test]
    fn different_seeds_give_different_payments() {
        let specs = vec![Some(spec(vec![(AgentId(1), 1.0)])), None];
        let mut a = ArrivalGenerator::new(1, specs.clone());
        let mut b = ArrivalGenerator::new(2, specs);
        assert_ne!(draw(&mut a, 0, 20), draw(&mut b, 0, 20));
    }

    #[test]
    fn payments_respect_the_spec() {
        let weights = vec![(AgentId(1), 3.0), (AgentId(2), 1.0)];
        let mut generator = ArrivalGenerator::new(5, vec![Some(spec(weights)), None, None]);
        let mut out = Vec::new();
        for tick in 0..400 {
            let before = out.len();
            generator.generate(AgentId(0), tick, &mut out);
            for p in &out[before..] {
                assert!((tick + 2..=tick + 9).contains(&p.deadline_tick));
            }
        }
        assert!(
            out.iter()
                .all(|p| (1..=10).contains(&p.priority) && p.amount >= 1)
        );
        let to_b = out.iter().filter(|p| p.receiver == AgentId(1)).count() as f64;
        let share = to_b / out.len() as f64;
        assert!(
            (share - 0.75).abs() < 0.03,
            "share to the weight-3 counterparty: {share}"
        );
        let divisible = out.iter().filter(|p| p.divisible).count() as f64 / out.len() as f64;
        assert!(
            (divisible - 0.5).abs() < 0.04,
            "divisible share {divisible}"
        );
        let mean_count = out.len() as f64 / 400.0;
        assert!(
            (mean_count - 3.0).abs() < 0.2,
            "arrivals per tick {mean_count}"
        );
    }

    #[test]
    fn all_others_are_paid_equally_and_never_oneself() {
        let mut all = spec(Vec::new());
        all.counterparties = Counterparties::AllOthers { agents: 4 };
        let mut generator = ArrivalGenerator::new(3, vec![None, None, Some(all)]);
        let out = draw(&mut generator, 2, 2_000);
        assert!(
            out.iter()
                .all(|p| p.receiver != AgentId(2) && p.receiver.0 < 4)
        );
        for receiver in [0, 1, 3] {
            let share = out
                .iter()
                .filter(|p| p.receiver == AgentId(receiver))
                .count() as f64
                / out.len() as f64;
            assert!(
                (share - 1.0 / 3.0).abs() < 0.03,
                "share of {receiver}: {share}"
            );
        }
    }

    #[test]
    fn log_normal_median_is_the_median() {
        let mut rng = ChaCha8Rng::from_seed([1; 32]);
        let dist = AmountDistribution::LogNormal {
            median: 50_000,
            sigma: 1.0,
        };
        let mut amounts: Vec<Cents> = (0..20_001).map(|_| dist.sample(&mut rng)).collect();
        amounts.sort_unstable();
        let median = amounts[10_000];
        assert!((45_000..55_000).contains(&median), "median {median}");
    }

    #[test]
    fn uniform_and_fixed_amounts() {
        let mut rng = ChaCha8Rng::from_seed([2; 32]);
        let uniform = AmountDistribution::Uniform { min: 100, max: 200 };
        assert!(
            (0..1000)
                .map(|_| uniform.sample(&mut rng))
                .all(|a| (100..=200).contains(&a))
        );
        assert_eq!(AmountDistribution::Fixed { value: 77 }.sample(&mut rng), 77);
    }
}
