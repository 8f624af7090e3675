//! Paired statistics of cost deltas (candidate minus incumbent, per sample, in cents;
//! negative means the candidate is cheaper).
//!
//! The confidence interval is a bootstrap-percentile interval of the mean delta: the
//! samples' deltas are resampled with replacement `resamples` times, each
//! resample's mean computed, and the 2.5th and 97.5th percentiles of those means
//! taken (linear interpolation between ranks). The generator is keyed by the
//! master seed, so the interval is the same on every run and machine.

use rand_chacha::ChaCha8Rng;
use rand_core::SeedableRng;
use rtgsim_core::arrivals::uniform_inclusive;
use rtgsim_report::stats::percentile;
use serde::Serialize;

/// Resamples for the confidence interval unless told otherwise.
pub const DEFAULT_RESAMPLES: u32 = 10_000;

/// What the deltas say, over all samples.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PairedStats {
    pub samples: u32,
    /// Mean of the per-sample deltas, cents.
    pub mean_delta_cents: f64,
    /// Sample standard deviation (n - 1) of the deltas; `None` below two samples.
    pub std_dev_cents: Option<f64>,
    /// 95% bootstrap-percentile interval of the mean delta; `None` below two samples.
    pub ci95_cents: Option<[f64; 2]>,
    /// Samples where the candidate costs less, more, or the same.
    pub better: u32,
    pub worse: u32,
    pub equal: u32,
    /// `better / samples`.
    pub better_share: f64,
    /// No better on any sample and worse on at least one.
    pub pareto_dominated: bool,
}

/// The statistics of `deltas_cents`, with the interval drawn from `resamples`
/// resamples keyed by `seed`.
pub fn paired(deltas_cents: &[i128], resamples: u32, seed: u64) -> PairedStats {
    let n = deltas_cents.len();
    let sum: i128 = deltas_cents.iter().sum();
    let mean = if n == 0 { 0.0 } else { sum as f64 / n as f64 };
    let std_dev = (n > 1).then(|| {
        let squares: f64 = deltas_cents
            .iter()
            .map(|d| (*d as f64 - mean) * (*d as f64 - mean))
            .sum();
        (squares / (n - 1) as f64).sqrt()
    });
    let better = deltas_cents.iter().filter(|d| **d < 0).count() as u32;
    let worse = deltas_cents.iter().filter(|d| **d > 0).count() as u32;
    PairedStats {
        samples: n as u32,
        mean_delta_cents: mean,
        std_dev_cents: std_dev,
        ci95_cents: (n > 1 && resamples > 0).then(|| interval(deltas_cents, resamples, seed)),
        better,
        worse,
        equal: n as u32 - better - worse,
        better_share: if n == 0 {
            0.0
        } else {
            f64::from(better) / n as f64
        },
        pareto_dominated: better == 0 && worse > 0,
    }
}

fn interval(deltas_cents: &[i128], resamples: u32, seed: u64) -> [f64; 2] {
    let mut key = [0u8; 32];
    key[..8].copy_from_slice(&seed.to_le_bytes());
    let mut rng = ChaCha8Rng::from_seed(key);
    // Stream 1: the samples' own generators use stream 0 of their own keys.
    rng.set_stream(1);
    let n = deltas_cents.len();
    let last = n as u64 - 1;
    let mut means: Vec<f64> = (0..resamples)
        .map(|_| {
            let sum: i128 = (0..n)
                .map(|_| deltas_cents[uniform_inclusive(&mut rng, 0, last) as usize])
                .sum();
            sum as f64 / n as f64
        })
        .collect();
    means.sort_by(f64::total_cmp);
    let low = percentile(&means, 0.025).unwrap_or(f64::NAN);
    let high = percentile(&means, 0.975).unwrap_or(f64::NAN);
    [low, high]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_and_moments_by_hand() {
        // Deltas -30, -10, 0, 20: mean -5; squares of deviations 625, 25, 25, 625.
        let stats = paired(&[-30, -10, 0, 20], 0, 1);
        assert_eq!(stats.mean_delta_cents, -5.0);
        assert_eq!(stats.std_dev_cents, Some((1300.0f64 / 3.0).sqrt()));
        assert_eq!((stats.better, stats.worse, stats.equal), (2, 1, 1));
        assert_eq!(stats.better_share, 0.5);
        assert!(!stats.pareto_dominated);
        assert_eq!(stats.ci95_cents, None, "no resamples, no interval");
    }

    #[test]
    fn pareto_dominated_needs_one_worse_and_none_better() {
        assert!(paired(&[0, 5, 0], 100, 1).pareto_dominated);
        assert!(!paired(&[0, 0, 0], 100, 1).pareto_dominated);
        assert!(!paired(&[-1, 5, 5], 100, 1).pareto_dominated);
    }

    /// The bootstrap interval against the exact bootstrap distribution: with three
    /// samples there are 27 equally likely ordered resamples, whose means can be
    /// listed; the drawn interval's ends must sit near the exact quantiles.
    #[test]
    fn interval_matches_the_enumerated_bootstrap_distribution() {
        let deltas = [-90i128, -30, 60];
        let mut exact = Vec::new();
        for a in deltas {
            for b in deltas {
                for c in deltas {
                    exact.push((a + b + c) as f64 / 3.0);
                }
            }
        }
        exact.sort_by(f64::total_cmp);
        // 2.5% of 27 outcomes is below the first; the exact quantiles are the smallest
        // and largest means: -90 and 60.
        assert_eq!((exact[0], exact[26]), (-90.0, 60.0));
        let stats = paired(&deltas, 200_000, 7);
        let [low, high] = stats.ci95_cents.unwrap_or([f64::NAN; 2]);
        // P(mean = -90) = 1/27 ~ 3.7% > 2.5%, so the 2.5% point is -90 itself; the
        // 97.5% point likewise 60.
        assert_eq!((low, high), (-90.0, 60.0));
    }

    #[test]
    fn identical_deltas_give_a_point_interval() {
        let stats = paired(&[-250; 12], 1000, 3);
        assert_eq!(stats.ci95_cents, Some([-250.0, -250.0]));
        assert_eq!(stats.std_dev_cents, Some(0.0));
    }

    #[test]
    fn the_interval_depends_on_the_seed_only() {
        let deltas: Vec<i128> = (0..50).map(|i| (i * 37 % 101) - 50).collect();
        assert_eq!(paired(&deltas, 5000, 11), paired(&deltas, 5000, 11));
        assert_ne!(
            paired(&deltas, 5000, 11).ci95_cents,
            paired(&deltas, 5000, 12).ci95_cents
        );
    }
}
