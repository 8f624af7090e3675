//! The amount and priority distributions against their parameters.

use super::*;

/// Far from the 1-cent bound the truncation does nothing: the sample's mean and sd
/// are the parameters. Standard errors: sd / sqrt(n) for the mean, about
/// sd / sqrt(2n) for the sd (normal data); rounding to the cent adds 1/12 cent² of
/// variance, nothing at this scale.
#[test]
fn normal_amounts_have_the_mean_and_sd() {
    let mut rng = rng(3);
    let (mean, sd) = (50_000.0, 10_000.0);
    let dist = AmountDistribution::Normal { mean, sd };
    let n = 40_000;
    let draws: Vec<f64> = (0..n).map(|_| dist.sample(&mut rng) as f64).collect();
    let (sample_mean, sample_sd) = mean_and_sd(&draws);
    let n = n as f64;
    assert!(
        (sample_mean - mean).abs() <= 5.0 * sd / n.sqrt(),
        "mean {sample_mean}"
    );
    assert!(
        (sample_sd - sd).abs() <= 5.0 * sd / (2.0 * n).sqrt(),
        "sd {sample_sd}"
    );
}

/// Near the bound: the amounts are the normal conditioned on rounding to at least
/// 1 cent (X >= 0.5), so their mean is the truncated normal's,
/// `mu + sigma * pdf(a) / (1 - cdf(a))` with `a = (0.5 - mu) / sigma`, and 1 cent is
/// no likelier than its neighbours. Clamping instead would put the 16% of draws
/// below 0.5 all at 1 cent and give a mean near 1,083 instead of 1,288.
#[test]
fn normal_amounts_are_truncated_at_one_cent_by_drawing_again() {
    let mut rng = rng(4);
    let (mu, sigma) = (1_000.0, 1_000.0);
    let dist = AmountDistribution::Normal {
        mean: mu,
        sd: sigma,
    };
    let n = 40_000;
    let draws: Vec<Cents> = (0..n).map(|_| dist.sample(&mut rng)).collect();
    assert!(draws.iter().all(|&a| a >= 1));
    let a = (0.5 - mu) / sigma;
    let lambda = phi_pdf(a) / (1.0 - phi_cdf(a));
    let truncated_mean = mu + sigma * lambda;
    let truncated_sd = sigma * (1.0 + a * lambda - lambda * lambda).sqrt();
    let (sample_mean, _) = mean_and_sd(&draws.iter().map(|&a| a as f64).collect::<Vec<_>>());
    let bound = 5.0 * truncated_sd / (n as f64).sqrt();
    assert!(
        (sample_mean - truncated_mean).abs() <= bound,
        "mean {sample_mean}, truncated normal's {truncated_mean} ± {bound}"
    );
    // P(amount = 1) = P(0.5 <= X < 1.5) / P(X >= 0.5), about 2.9e-4.
    let p_one = (phi_cdf((1.5 - mu) / sigma) - phi_cdf(a)) / (1.0 - phi_cdf(a));
    let ones = draws.iter().filter(|&&a| a == 1).count();
    let bound = 5.0 * (p_one * n as f64).sqrt() + 1.0;
    assert!(
        (ones as f64 - p_one * n as f64).abs() <= bound,
        "{ones} amounts of 1 cent, expected {} ± {bound}",
        p_one * n as f64
    );
}

/// An exponential's sd equals its mean; standard errors: mean / sqrt(n) for the
/// mean, about mean * sqrt(2 / n) for the sd (the fourth moment is 9 mean^4), and the
/// share below the median `mean * ln 2` is a binomial share of 1/2.
#[test]
fn exponential_amounts_have_the_mean() {
    let mut rng = rng(5);
    let mean = 5_000.0;
    let dist = AmountDistribution::Exponential { mean };
    let n = 40_000;
    let draws: Vec<f64> = (0..n).map(|_| dist.sample(&mut rng) as f64).collect();
    let (sample_mean, sample_sd) = mean_and_sd(&draws);
    let root_n = (n as f64).sqrt();
    assert!(
        (sample_mean - mean).abs() <= 5.0 * mean / root_n,
        "mean {sample_mean}"
    );
    assert!(
        (sample_sd - mean).abs() <= 5.0 * mean * 2f64.sqrt() / root_n,
        "sd {sample_sd}"
    );
    let below = draws
        .iter()
        .filter(|&&a| a < mean * std::f64::consts::LN_2)
        .count();
    assert_share("below the median", below, n, 0.5);
}

/// A mean of 1 cent: draws below 0.5 round to 0 and are clamped to 1 cent, so
/// P(1 cent) = P(X < 1.5) = 1 - exp(-1.5), about 0.78; P(2 cents) = exp(-1.5) -
/// exp(-2.5).
#[test]
fn exponential_amounts_below_a_cent_are_one_cent() {
    let mut rng = rng(6);
    let dist = AmountDistribution::Exponential { mean: 1.0 };
    let n = 20_000;
    let draws: Vec<Cents> = (0..n).map(|_| dist.sample(&mut rng)).collect();
    assert!(draws.iter().all(|&a| a >= 1));
    let ones = draws.iter().filter(|&&a| a == 1).count();
    assert_share("1 cent", ones, n, 1.0 - libm::exp(-1.5));
    let twos = draws.iter().filter(|&&a| a == 2).count();
    assert_share("2 cents", twos, n, libm::exp(-1.5) - libm::exp(-2.5));
}

#[test]
fn empirical_amounts_come_in_proportion_to_their_weights() {
    let mut rng = rng(7);
    let values = vec![100, 2_500, 99_999, 7];
    let weights = vec![2.0, 5.0, 3.0, 0.0];
    let dist = AmountDistribution::Empirical(Weighted::new(values, weights).unwrap());
    let n = 30_000;
    let draws: Vec<Cents> = (0..n).map(|_| dist.sample(&mut rng)).collect();
    for (value, p) in [(100, 0.2), (2_500, 0.5), (99_999, 0.3)] {
        let hits = draws.iter().filter(|&&a| a == value).count();
        assert_share(&format!("{value} cents"), hits, n, p);
    }
    assert!(!draws.contains(&7), "a zero-weight value was drawn");
}

/// Which value one uniform draw picks, against a linear scan written out here: the
/// first value whose running sum of weights passes `u * total`.
#[test]
fn a_weighted_draw_picks_the_value_a_scan_picks() {
    let values = vec![3u8, 1, 4, 1, 5];
    let weights = vec![0.5, 0.0, 2.0, 1.5, 1.0];
    let weighted = Weighted::new(values.clone(), weights.clone()).unwrap();
    assert_eq!(weighted.values(), &[3, 4, 1, 5]);
    assert_eq!(weighted.weights(), &[0.5, 2.0, 1.5, 1.0]);
    let mut rng = rng(8);
    for _ in 0..2_000 {
        let u = unit_f64(&mut rng.clone());
        let target = u * 5.0;
        let mut sum = 0.0;
        let mut expected = None;
        for (&value, &weight) in values.iter().zip(&weights) {
            sum += weight;
            if weight > 0.0 && target < sum {
                expected = Some(value);
                break;
            }
        }
        assert_eq!(Some(weighted.draw(&mut rng)), expected, "u = {u}");
    }
}

#[test]
fn weighted_choices_refuse_weights_no_draw_can_use() {
    let refused = |values: Vec<u8>, weights: Vec<f64>| Weighted::new(values, weights).unwrap_err();
    assert_eq!(
        refused(vec![1, 2], vec![1.0]),
        "1 weights for 2 values: give one weight per value"
    );
    assert_eq!(refused(vec![], vec![]), "no values to draw from");
    assert_eq!(
        refused(vec![1, 2], vec![1.0, -0.5]),
        "weight 1 (-0.5) is not a finite number >= 0"
    );
    assert_eq!(
        refused(vec![1], vec![f64::NAN]),
        "weight 0 (NaN) is not a finite number >= 0"
    );
    assert_eq!(
        refused(vec![1, 2], vec![0.0, 0.0]),
        "the weights are all zero: nothing can be drawn"
    );
    assert!(refused(vec![1, 2], vec![f64::MAX, f64::MAX]).contains("more than a number can hold"));
}

#[test]
fn categorical_priorities_come_in_proportion_to_their_weights() {
    let mut rng = rng(9);
    let dist = PriorityDistribution::Categorical(
        Weighted::new(vec![10, 5, 0], vec![1.0, 6.0, 3.0]).unwrap(),
    );
    let n = 30_000;
    let draws: Vec<u8> = (0..n).map(|_| dist.sample(&mut rng)).collect();
    for (value, p) in [(10, 0.1), (5, 0.6), (0, 0.3)] {
        let hits = draws.iter().filter(|&&d| d == value).count();
        assert_share(&format!("priority {value}"), hits, n, p);
    }
    assert_eq!(draws.len(), 30_000);
}
