//! What a generated payment's amount and priority are drawn from, and the weighted
//! choice that empirical amounts and categorical priorities share.

use super::sampling::{standard_normal, uniform_inclusive, unit_f64};
use crate::limits::MAX_PRIORITY;
use crate::money::{Cents, MAX_MONEY_CENTS};
use rand_chacha::ChaCha8Rng;

/// Draws of a normal amount before giving up on landing in `1..=MAX_MONEY_CENTS`.
/// With a mean in that range and a standard deviation of at most
/// [`MAX_MONEY_CENTS`] (what scenarios accept), a draw lands with probability at
/// least 0.34 (mean 1 cent, sd at the bound: Φ(1) - Φ(0)), so 64 misses in a row
/// happen with probability below 1e-11; the bound only keeps a spec built by a
/// program with a mean far outside the range from looping forever.
pub const MAX_NORMAL_DRAWS: u32 = 64;

/// How payment amounts are drawn (cents). Every amount is at least one cent and at
/// most [`MAX_MONEY_CENTS`].
#[derive(Debug, Clone, PartialEq)]
pub enum AmountDistribution {
    /// `median * exp(sigma * Z)` for a standard normal `Z`, rounded to the cent.
    LogNormal { median: Cents, sigma: f64 },
    /// Uniform over `min..=max`.
    Uniform { min: Cents, max: Cents },
    /// Always `value`.
    Fixed { value: Cents },
    /// `mean + sd * Z` rounded to the cent, truncated to `1..=MAX_MONEY_CENTS` by
    /// drawing again: the amounts are the normal's conditioned on that range, so none
    /// piles up at 1 cent (as clamping would pile up every draw below it). `mean`
    /// and `sd` are the normal's before truncation. After [`MAX_NORMAL_DRAWS`]
    /// misses the amount is the mean, clamped.
    Normal { mean: f64, sd: f64 },
    /// `mean * E` for a standard exponential `E`, rounded to the cent; one that rounds
    /// to 0 is 1 cent (clamped, so every payment takes one draw: with a mean of 100
    /// cents that is 0.5% of them, of a mean of 10,000 cents 0.005%).
    Exponential { mean: f64 },
    /// One of the values, in proportion to its weight.
    Empirical(Weighted<Cents>),
}

impl AmountDistribution {
    /// One amount, at least one cent and at most [`MAX_MONEY_CENTS`].
    pub fn sample(&self, rng: &mut ChaCha8Rng) -> Cents {
        let amount = match self {
            &AmountDistribution::LogNormal { median, sigma } => {
                let draw = median as f64 * libm::exp(sigma * standard_normal(rng));
                // `as` saturates, and the clamp below bounds it anyway.
                libm::round(draw.min(MAX_MONEY_CENTS as f64)) as Cents
            }
            &AmountDistribution::Uniform { min, max } => {
                let (low, high) = (min.max(1), max.max(min.max(1)));
                // low >= 1, so both convert to u64 and back losslessly.
                uniform_inclusive(rng, low as u64, high as u64) as Cents
            }
            &AmountDistribution::Fixed { value } => value,
            &AmountDistribution::Normal { mean, sd } => truncated_normal(rng, mean, sd),
            &AmountDistribution::Exponential { mean } => {
                // 1 - u is in (0, 1], so its logarithm is finite and at most 0.
                let draw = -mean * libm::log(1.0 - unit_f64(rng));
                libm::round(draw.min(MAX_MONEY_CENTS as f64)) as Cents
            }
            AmountDistribution::Empirical(values) => values.draw(rng),
        };
        amount.clamp(1, MAX_MONEY_CENTS)
    }
}

/// A normal draw rounded to the cent, drawn again until it is an amount.
fn truncated_normal(rng: &mut ChaCha8Rng, mean: f64, sd: f64) -> Cents {
    for _ in 0..MAX_NORMAL_DRAWS {
        let draw = libm::round(mean + sd * standard_normal(rng));
        // Written so that a NaN (from a NaN mean or sd) is a miss.
        if (1.0..=MAX_MONEY_CENTS as f64).contains(&draw) {
            return draw as Cents;
        }
    }
    // `as` turns NaN into 0 and saturates; the caller clamps.
    libm::round(mean.min(MAX_MONEY_CENTS as f64)) as Cents
}

/// How payment priorities are drawn.
#[derive(Debug, Clone, PartialEq)]
pub enum PriorityDistribution {
    /// Uniform over `min..=max`.
    Range { min: u8, max: u8 },
    /// One of the values, in proportion to its weight.
    Categorical(Weighted<u8>),
}

impl PriorityDistribution {
    /// One priority, at most [`MAX_PRIORITY`].
    pub fn sample(&self, rng: &mut ChaCha8Rng) -> u8 {
        let priority = match self {
            PriorityDistribution::Range { min, max } => {
                // A reversed range (never from a scenario) is read as its lower end.
                let low = (*min).min(*max);
                uniform_inclusive(rng, u64::from(low), u64::from(*max)) as u8
            }
            PriorityDistribution::Categorical(values) => values.draw(rng),
        };
        priority.min(MAX_PRIORITY)
    }
}

/// Values drawn in proportion to their weights: one uniform draw, placed among the
/// running sums of the weights. Built only by [`Weighted::new`], which refuses
/// weights no draw can use, and keeps only the values of positive weight (a
/// zero-weight value is never drawn).
#[derive(Debug, Clone, PartialEq)]
pub struct Weighted<T> {
    values: Vec<T>,
    weights: Vec<f64>,
    /// Running sums of `weights`; the last is the total.
    cumulative: Vec<f64>,
}

impl<T: Copy> Weighted<T> {
    /// `values[i]` with weight `weights[i]`: the lists the same length, not empty,
    /// every weight finite and at least 0, their sum above 0 and finite.
    pub fn new(values: Vec<T>, weights: Vec<f64>) -> Result<Weighted<T>, String> {
        if values.len() != weights.len() {
            return Err(format!(
                "{} weights for {} values: give one weight per value",
                weights.len(),
                values.len()
            ));
        }
        if values.is_empty() {
            return Err("no values to draw from".into());
        }
        if let Some((index, weight)) = weights
            .iter()
            .enumerate()
            .find(|(_, w)| !(w.is_finite() && **w >= 0.0))
        {
            return Err(format!(
                "weight {index} ({weight}) is not a finite number >= 0"
            ));
        }
        let total: f64 = weights.iter().sum();
        if total <= 0.0 {
            return Err("the weights are all zero: nothing can be drawn".into());
        }
        if !total.is_finite() {
            return Err("the weights sum to more than a number can hold; use smaller ones".into());
        }
        let (values, weights): (Vec<T>, Vec<f64>) = values
            .into_iter()
            .zip(weights)
            .filter(|&(_, weight)| weight > 0.0)
            .unzip();
        let mut sum = 0.0;
        let cumulative = weights
            .iter()
            .map(|weight| {
                sum += weight;
                sum
            })
            .collect();
        Ok(Weighted {
            values,
            weights,
            cumulative,
        })
    }

    /// The values of positive weight, in the order given.
    pub fn values(&self) -> &[T] {
        &self.values
    }

    /// Their weights, as given (not normalised).
    pub fn weights(&self) -> &[f64] {
        &self.weights
    }

    /// One value: one draw from `rng`.
    pub fn draw(&self, rng: &mut ChaCha8Rng) -> T {
        let total = self.cumulative.last().copied().unwrap_or(0.0);
        let target = unit_f64(rng) * total;
        // A target rounded up to the total lands on the last value, whose weight is
        // positive like every kept one's.
        let index = self
            .cumulative
            .partition_point(|&sum| sum <= target)
            .min(self.values.len().saturating_sub(1));
        self.values[index]
    }
}
