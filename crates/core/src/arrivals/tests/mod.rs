//! The generator's tests. The statistical ones draw from a fixed seed, so each gives
//! the same answer every run. Their bounds are 5 standard errors of the statistic
//! for the sample drawn: a correct generator falls outside one with probability
//! below 1e-6 (another seed would not make a test flaky), while the mistakes they
//! guard against (clamping where the spec redraws, a factor off, a band's rate
//! taken for another's) move the statistic by many times the bound.

use super::*;

mod changes;
mod distributions;
mod properties;

fn band(rate_per_tick: f64) -> ArrivalBand {
    ArrivalBand {
        rate_per_tick,
        amount: AmountDistribution::LogNormal {
            median: 10_000,
            sigma: 1.0,
        },
        deadline_ticks: (2, 9),
        priority: PriorityDistribution::Range { min: 1, max: 10 },
        divisible_share: 0.5,
    }
}

fn spec(counterparties: Vec<(AgentId, f64)>) -> ArrivalSpec {
    ArrivalSpec::single(band(3.0), Counterparties::Weighted(counterparties))
}

fn draw(
    generator: &mut ArrivalGenerator,
    agent: u32,
    ticks: std::ops::Range<Tick>,
) -> Vec<NewPayment> {
    let mut out = Vec::new();
    for tick in ticks {
        generator.generate(AgentId(agent), tick, &mut out);
    }
    out
}

/// Each payment with the tick it arrived at.
fn draw_at(
    generator: &mut ArrivalGenerator,
    agent: u32,
    ticks: std::ops::Range<Tick>,
) -> Vec<(Tick, NewPayment)> {
    let mut out = Vec::new();
    for tick in ticks {
        let mut now = Vec::new();
        generator.generate(AgentId(agent), tick, &mut now);
        out.extend(now.into_iter().map(|p| (tick, p)));
    }
    out
}

fn rng(seed: u8) -> ChaCha8Rng {
    ChaCha8Rng::from_seed([seed; 32])
}

fn mean_and_sd(values: &[f64]) -> (f64, f64) {
    let n = values.len() as f64;
    let mean = values.iter().sum::<f64>() / n;
    let var = values.iter().map(|v| (v - mean).powi(2)).sum::<f64>() / (n - 1.0);
    (mean, var.sqrt())
}

/// Asserts a share of `n` draws is within 5 binomial standard errors of `p`.
fn assert_share(what: &str, hits: usize, n: usize, p: f64) {
    let share = hits as f64 / n as f64;
    let bound = 5.0 * (p * (1.0 - p) / n as f64).sqrt();
    assert!(
        (share - p).abs() <= bound,
        "{what}: share {share}, expected {p} ± {bound}"
    );
}

/// Asserts a Poisson count is within 5 standard deviations (sqrt of the mean) of `mean`.
fn assert_count(what: &str, count: usize, mean: f64) {
    let bound = 5.0 * mean.sqrt();
    assert!(
        (count as f64 - mean).abs() <= bound,
        "{what}: {count} arrivals, expected {mean} ± {bound}"
    );
}

/// The standard normal's distribution and density, for truncated moments.
fn phi_cdf(x: f64) -> f64 {
    0.5 * (1.0 + libm::erf(x / std::f64::consts::SQRT_2))
}

fn phi_pdf(x: f64) -> f64 {
    libm::exp(-x * x / 2.0) / (2.0 * std::f64::consts::PI).sqrt()
}

/// A digest of payments, to compare long runs of them.
fn digest(out: &[NewPayment]) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for p in out {
        for v in [
            u64::from(p.sender.0),
            u64::from(p.receiver.0),
            p.amount as u64,
            u64::from(p.deadline_tick),
            u64::from(p.priority),
            u64::from(p.divisible),
        ] {
            h ^= v;
            h = h.wrapping_mul(0x0100_0000_01b3);
        }
    }
    h
}

/// The payments of three single-band specs (log-normal, uniform, fixed; weighted
/// and all-others counterparties; one with deadlines capped) over 3,000 ticks, as
/// the generator made them before bands, profiles and changes existed (the count
/// and digest were printed by that version): every scenario written before keeps
/// its payments.
#[test]
fn single_band_specs_make_the_payments_they_always_made() {
    let range = |min, max| PriorityDistribution::Range { min, max };
    let specs = vec![
        Some(ArrivalSpec::single(
            ArrivalBand {
                rate_per_tick: 2.5,
                amount: AmountDistribution::LogNormal {
                    median: 40_000,
                    sigma: 1.3,
                },
                deadline_ticks: (2, 30),
                priority: range(1, 9),
                divisible_share: 0.3,
            },
            Counterparties::Weighted(vec![(AgentId(1), 2.0), (AgentId(2), 1.0)]),
        )),
        Some(ArrivalSpec {
            deadline_cap_ticks_per_day: Some(37),
            ..ArrivalSpec::single(
                ArrivalBand {
                    rate_per_tick: 1.7,
                    amount: AmountDistribution::Uniform {
                        min: 100,
                        max: 90_000,
                    },
                    deadline_ticks: (0, 50),
                    priority: range(0, 10),
                    divisible_share: 0.6,
                },
                Counterparties::AllOthers { agents: 3 },
            )
        }),
        Some(ArrivalSpec::single(
            ArrivalBand {
                rate_per_tick: 40.0,
                amount: AmountDistribution::Fixed { value: 123 },
                deadline_ticks: (5, 5),
                priority: range(5, 5),
                divisible_share: 0.0,
            },
            Counterparties::AllOthers { agents: 3 },
        )),
    ];
    let mut generator = ArrivalGenerator::new(20_261_207, specs);
    let mut out = Vec::new();
    for tick in 0..3_000 {
        for agent in 0..3 {
            generator.generate(AgentId(agent), tick, &mut out);
        }
    }
    assert_eq!((out.len(), digest(&out)), (132_821, 0x5a_1fd5_2859_fde3));
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
    let free = draw_at(
        &mut ArrivalGenerator::new(3, vec![Some(spec(weights))]),
        0,
        0..40,
    );
    let capped = draw_at(
        &mut ArrivalGenerator::new(3, vec![Some(capped_spec)]),
        0,
        0..40,
    );
    assert_eq!(free.len(), capped.len());
    assert!(
        free.iter()
            .zip(&capped)
            .any(|((_, f), (_, c))| f.deadline_tick != c.deadline_tick)
    );
    for ((arrival, f), (_, c)) in free.iter().zip(&capped) {
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
    assert_eq!(draw(&mut two, 0, 0..50), draw(&mut three, 0, 0..50));
}

#[test]
fn different_seeds_give_different_payments() {
    let specs = vec![Some(spec(vec![(AgentId(1), 1.0)])), None];
    let mut a = ArrivalGenerator::new(1, specs.clone());
    let mut b = ArrivalGenerator::new(2, specs);
    assert_ne!(draw(&mut a, 0, 0..20), draw(&mut b, 0, 0..20));
}

#[test]
fn payments_respect_the_spec() {
    let weights = vec![(AgentId(1), 3.0), (AgentId(2), 1.0)];
    let mut generator = ArrivalGenerator::new(5, vec![Some(spec(weights)), None, None]);
    let out = draw_at(&mut generator, 0, 0..400);
    for (tick, p) in &out {
        assert!((tick + 2..=tick + 9).contains(&p.deadline_tick));
        assert!((1..=10).contains(&p.priority) && p.amount >= 1);
    }
    let n = out.len();
    let to_b = out.iter().filter(|(_, p)| p.receiver == AgentId(1)).count();
    assert_share("to the weight-3 counterparty", to_b, n, 0.75);
    let divisible = out.iter().filter(|(_, p)| p.divisible).count();
    assert_share("divisible", divisible, n, 0.5);
    assert_count("arrivals", n, 3.0 * 400.0);
}

#[test]
fn all_others_are_paid_equally_and_never_oneself() {
    let mut all = spec(Vec::new());
    all.counterparties = Counterparties::AllOthers { agents: 4 };
    let mut generator = ArrivalGenerator::new(3, vec![None, None, Some(all)]);
    let out = draw(&mut generator, 2, 0..2_000);
    assert!(
        out.iter()
            .all(|p| p.receiver != AgentId(2) && p.receiver.0 < 4)
    );
    for receiver in [0, 1, 3] {
        let hits = out
            .iter()
            .filter(|p| p.receiver == AgentId(receiver))
            .count();
        assert_share(&format!("to {receiver}"), hits, out.len(), 1.0 / 3.0);
    }
}

#[test]
fn log_normal_median_is_the_median() {
    let mut rng = rng(1);
    let dist = AmountDistribution::LogNormal {
        median: 50_000,
        sigma: 1.0,
    };
    let n = 20_001;
    let below = (0..n).filter(|_| dist.sample(&mut rng) < 50_000).count();
    assert_share("below the median", below, n, 0.5);
}

#[test]
fn uniform_and_fixed_amounts() {
    let mut rng = rng(2);
    let uniform = AmountDistribution::Uniform { min: 100, max: 200 };
    let draws: Vec<Cents> = (0..1000).map(|_| uniform.sample(&mut rng)).collect();
    assert!(draws.iter().all(|a| (100..=200).contains(a)));
    assert!(draws.contains(&100) && draws.contains(&200));
    assert_eq!(AmountDistribution::Fixed { value: 77 }.sample(&mut rng), 77);
}

/// Three bands, told apart by their fixed amounts: each band's count is a Poisson
/// count of its own rate, and its deadlines and priorities are its own.
#[test]
fn each_band_has_its_own_rate_deadlines_and_priorities() {
    let band = |rate_per_tick, value, deadline_ticks, priority| ArrivalBand {
        rate_per_tick,
        amount: AmountDistribution::Fixed { value },
        deadline_ticks,
        priority,
        divisible_share: 0.0,
    };
    let urgent = PriorityDistribution::Categorical(Weighted::new(vec![10], vec![1.0]).unwrap());
    let spec = ArrivalSpec {
        bands: vec![
            band(0.5, 7, (1, 3), urgent),
            band(
                2.0,
                8,
                (10, 20),
                PriorityDistribution::Range { min: 4, max: 6 },
            ),
            band(
                1.0,
                9,
                (50, 60),
                PriorityDistribution::Range { min: 0, max: 0 },
            ),
        ],
        ..spec(vec![(AgentId(1), 1.0)])
    };
    let ticks = 20_000;
    let out = draw_at(
        &mut ArrivalGenerator::new(11, vec![Some(spec), None]),
        0,
        0..ticks,
    );
    for (value, rate, (dmin, dmax), (pmin, pmax)) in [
        (7, 0.5, (1, 3), (10, 10)),
        (8, 2.0, (10, 20), (4, 6)),
        (9, 1.0, (50, 60), (0, 0)),
    ] {
        let of_band: Vec<&(Tick, NewPayment)> =
            out.iter().filter(|(_, p)| p.amount == value).collect();
        assert_count(
            &format!("band of {value}"),
            of_band.len(),
            rate * f64::from(ticks),
        );
        let offsets: Vec<Tick> = of_band.iter().map(|(t, p)| p.deadline_tick - t).collect();
        assert!(offsets.iter().all(|o| (dmin..=dmax).contains(o)));
        assert!(offsets.contains(&dmin) && offsets.contains(&dmax));
        let priorities: Vec<u8> = of_band.iter().map(|(_, p)| p.priority).collect();
        assert!(priorities.iter().all(|p| (pmin..=pmax).contains(p)));
        assert!(priorities.contains(&pmin) && priorities.contains(&pmax));
    }
    assert_eq!(
        out.len(),
        out.iter()
            .filter(|(_, p)| (7..=9).contains(&p.amount))
            .count()
    );
}

#[test]
fn a_profile_gives_each_part_of_the_day_its_factor() {
    let profile = RateProfile::new(100, vec![(0, 1.5), (40, 0.8), (90, 3.0)]).unwrap();
    // By hand, at the edges of the parts and on the next day.
    for (tick, factor) in [
        (0, 1.5),
        (39, 1.5),
        (40, 0.8),
        (89, 0.8),
        (90, 3.0),
        (99, 3.0),
        (100, 1.5),
        (140, 0.8),
        (1_095, 3.0),
    ] {
        assert_eq!(profile.factor_at(tick), factor, "tick {tick}");
    }
    // (1.5 * 40 + 0.8 * 50 + 3.0 * 10) / 100
    assert!((profile.mean_factor() - 1.3).abs() < 1e-12);
    assert_eq!(profile.peak_factor(), 3.0);
    // Counted over 400 days: each part's arrivals are a Poisson count of mean
    // rate * factor * ticks in the part * days.
    let rate = 0.5;
    let days = 400;
    let spec = ArrivalSpec {
        profile: Some(profile),
        ..ArrivalSpec::single(band(rate), Counterparties::AllOthers { agents: 2 })
    };
    let out = draw_at(
        &mut ArrivalGenerator::new(12, vec![Some(spec)]),
        0,
        0..100 * days,
    );
    for (from, to, factor) in [(0, 40, 1.5), (40, 90, 0.8), (90, 100, 3.0)] {
        let count = out
            .iter()
            .filter(|(tick, _)| (from..to).contains(&(tick % 100)))
            .count();
        let mean = rate * factor * f64::from(to - from) * f64::from(days);
        assert_count(&format!("ticks {from}..{to} of the day"), count, mean);
    }
}

#[test]
fn profiles_refuse_steps_that_leave_a_tick_without_a_factor() {
    let refused = |steps: Vec<(Tick, f64)>| RateProfile::new(10, steps).unwrap_err();
    assert!(refused(vec![]).starts_with("no steps"));
    assert!(refused(vec![(2, 1.0)]).starts_with("the first step starts at tick 2"));
    assert_eq!(
        refused(vec![(0, 1.0), (5, 2.0), (5, 3.0)]),
        "step 2 starts at tick 5, not after step 1 at 5"
    );
    assert_eq!(
        refused(vec![(0, 1.0), (10, 2.0)]),
        "step 1 starts at tick 10, not a tick of a day of 10"
    );
    assert_eq!(
        refused(vec![(0, -1.0)]),
        "step 0's factor -1 is not a finite number >= 0"
    );
    assert!(RateProfile::new(0, vec![(0, 1.0)]).is_err());
}
