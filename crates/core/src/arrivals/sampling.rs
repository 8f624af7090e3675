//! Sampling from a raw 64-bit generator, written out so that the same seed gives the
//! same numbers on every machine: integer arithmetic where possible, and only IEEE
//! basic operations plus the pure-Rust `libm` functions otherwise (the platform's
//! own `ln`/`exp` may differ in the last bit between systems).

use rand_core::Rng;

/// A uniform float in `[0, 1)` with 53 random bits.
pub fn unit_f64(rng: &mut impl Rng) -> f64 {
    (rng.next_u64() >> 11) as f64 * (1.0 / (1u64 << 53) as f64)
}

/// A uniform integer in `[low, high]` (inclusive), without modulo bias
/// (Lemire's multiply-and-reject method).
pub fn uniform_inclusive(rng: &mut impl Rng, low: u64, high: u64) -> u64 {
    debug_assert!(low <= high);
    let span = high - low;
    if span == u64::MAX {
        return rng.next_u64();
    }
    let range = span + 1;
    let threshold = range.wrapping_neg() % range;
    loop {
        let product = u128::from(rng.next_u64()) * u128::from(range);
        if (product as u64) >= threshold {
            return low + (product >> 64) as u64;
        }
    }
}

/// Largest mean drawn in one piece by [`poisson`]; larger means are summed from pieces
/// (a sum of independent Poisson draws is Poisson with the summed mean).
const POISSON_PIECE: f64 = 16.0;

/// A Poisson draw with mean `lambda` (Knuth's product-of-uniforms method, in pieces).
pub fn poisson(rng: &mut impl Rng, lambda: f64) -> u64 {
    if lambda.is_nan() || lambda <= 0.0 {
        return 0;
    }
    let mut remaining = lambda;
    let mut total = 0u64;
    while remaining > 0.0 {
        let piece = remaining.min(POISSON_PIECE);
        remaining -= piece;
        let limit = libm::exp(-piece);
        let mut product = unit_f64(rng);
        while product > limit {
            total += 1;
            product *= unit_f64(rng);
        }
    }
    total
}

/// A standard normal draw (Box-Muller, one of the pair).
pub fn standard_normal(rng: &mut impl Rng) -> f64 {
    // 1 - u is in (0, 1], so its logarithm is finite.
    let u1 = 1.0 - unit_f64(rng);
    let u2 = unit_f64(rng);
    libm::sqrt(-2.0 * libm::log(u1)) * libm::cos(2.0 * std::f64::consts::PI * u2)
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand_chacha::ChaCha8Rng;
    use rand_core::SeedableRng;

    fn rng() -> ChaCha8Rng {
        ChaCha8Rng::from_seed([7; 32])
    }

    #[test]
    fn uniform_stays_in_range_and_hits_both_ends() {
        let mut rng = rng();
        let draws: Vec<u64> = (0..2_000)
            .map(|_| uniform_inclusive(&mut rng, 3, 6))
            .collect();
        assert!(draws.iter().all(|&d| (3..=6).contains(&d)));
        assert!(draws.contains(&3) && draws.contains(&6));
    }

    #[test]
    fn poisson_mean_is_close_to_lambda() {
        let mut rng = rng();
        for lambda in [0.3, 4.0, 40.0] {
            let n = 20_000;
            let mean = (0..n)
                .map(|_| poisson(&mut rng, lambda) as f64)
                .sum::<f64>()
                / n as f64;
            assert!(
                (mean - lambda).abs() < 0.05 * lambda.max(1.0),
                "lambda {lambda}: mean {mean}"
            );
        }
    }

    #[test]
    fn normal_has_zero_mean_and_unit_variance() {
        let mut rng = rng();
        let n = 50_000;
        let draws: Vec<f64> = (0..n).map(|_| standard_normal(&mut rng)).collect();
        let mean = draws.iter().sum::<f64>() / n as f64;
        let var = draws.iter().map(|d| (d - mean).powi(2)).sum::<f64>() / n as f64;
        assert!(mean.abs() < 0.02, "mean {mean}");
        assert!((var - 1.0).abs() < 0.03, "variance {var}");
    }

    #[test]
    fn same_seed_same_draws() {
        let a: Vec<u64> = {
            let mut r = rng();
            (0..10).map(|_| poisson(&mut r, 3.0)).collect()
        };
        let b: Vec<u64> = {
            let mut r = rng();
            (0..10).map(|_| poisson(&mut r, 3.0)).collect()
        };
        assert_eq!(a, b);
    }
}
