//! Random bands, profiles and changes never make an invalid payment.

use super::*;
use crate::limits::MAX_PRIORITY;
use crate::money::MAX_MONEY_CENTS;
use proptest::prelude::*;

fn amount() -> impl Strategy<Value = AmountDistribution> {
    let max = MAX_MONEY_CENTS;
    prop_oneof![
        (1..=max, 0.0f64..=10.0)
            .prop_map(|(median, sigma)| AmountDistribution::LogNormal { median, sigma }),
        (1..=max, 0..=max).prop_map(move |(min, span)| AmountDistribution::Uniform {
            min,
            max: min.saturating_add(span).min(max)
        }),
        (1..=max).prop_map(|value| AmountDistribution::Fixed { value }),
        (1.0..=max as f64, 1e-3..=max as f64)
            .prop_map(|(mean, sd)| AmountDistribution::Normal { mean, sd }),
        (-1e20f64..1e20, 0.0f64..1e20)
            .prop_map(|(mean, sd)| AmountDistribution::Normal { mean, sd }),
        (1.0..=max as f64).prop_map(|mean| AmountDistribution::Exponential { mean }),
        prop::collection::vec((1..=max, 0.0f64..100.0), 1..8).prop_filter_map(
            "weights all zero",
            |pairs| {
                let (values, weights) = pairs.into_iter().unzip();
                Weighted::new(values, weights)
                    .ok()
                    .map(AmountDistribution::Empirical)
            }
        ),
    ]
}

fn priority() -> impl Strategy<Value = PriorityDistribution> {
    prop_oneof![
        (0..=MAX_PRIORITY, 0..=MAX_PRIORITY).prop_map(|(a, b)| PriorityDistribution::Range {
            min: a.min(b),
            max: a.max(b)
        }),
        prop::collection::vec((0..=MAX_PRIORITY, 0.0f64..10.0), 1..6).prop_filter_map(
            "weights all zero",
            |pairs| {
                let (values, weights) = pairs.into_iter().unzip();
                Weighted::new(values, weights)
                    .ok()
                    .map(PriorityDistribution::Categorical)
            }
        ),
    ]
}

fn band() -> impl Strategy<Value = ArrivalBand> {
    (
        0.0f64..4.0,
        amount(),
        0u32..50,
        0u32..50,
        priority(),
        0.0f64..=1.0,
    )
        .prop_map(
            |(rate_per_tick, amount, dmin, dspan, priority, divisible_share)| ArrivalBand {
                rate_per_tick,
                amount,
                deadline_ticks: (dmin, dmin + dspan),
                priority,
                divisible_share,
            },
        )
}

fn profile() -> impl Strategy<Value = Option<RateProfile>> {
    prop::option::of(
        (
            1u32..30,
            prop::collection::vec((0u32..30, 0.0f64..5.0), 0..6),
        )
            .prop_map(|(ticks_per_day, mut steps)| {
                steps.retain(|&(from, _)| from < ticks_per_day);
                steps.sort_by_key(|&(from, _)| from);
                steps.dedup_by_key(|&mut (from, _)| from);
                match steps.first_mut() {
                    Some(first) => first.0 = 0,
                    None => steps.push((0, 1.0)),
                }
                RateProfile::new(ticks_per_day, steps).unwrap()
            }),
    )
}

fn change() -> impl Strategy<Value = ArrivalChange> {
    prop_oneof![
        (-1.0f64..5.0).prop_map(ArrivalChange::RateFactor),
        (-1.0f64..8.0).prop_map(ArrivalChange::RatePerTick),
        prop::collection::vec((0u32..5, -1.0f64..5.0), 0..4).prop_map(|weights| {
            ArrivalChange::CounterpartyWeights(
                weights
                    .into_iter()
                    .map(|(id, w)| (AgentId(id), w))
                    .collect(),
            )
        }),
        (0u32..40, 0u32..40).prop_map(|(min_ticks, max_ticks)| {
            ArrivalChange::DeadlineWindow {
                min_ticks,
                max_ticks,
            }
        }),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(300))]

    /// Whatever the bands, profile and changes, every payment is an amount of 1
    /// cent to the money bound, a priority within bounds, a deadline at or after
    /// its arrival, to another agent of the scenario; nothing panics; and a
    /// refused change changes nothing.
    #[test]
    fn random_specs_make_only_valid_payments(
        bands in prop::collection::vec(band(), 1..=3),
        profile in profile(),
        weighted in any::<bool>(),
        cap in prop::option::of(1u32..30),
        changes in prop::collection::vec((0u32..60, change()), 0..5),
        seed in any::<u64>(),
    ) {
        let agents = 4u32;
        let counterparties = if weighted {
            Counterparties::Weighted(vec![(AgentId(1), 1.0), (AgentId(3), 2.0)])
        } else {
            Counterparties::AllOthers { agents }
        };
        let spec = ArrivalSpec { bands, counterparties, profile, deadline_cap_ticks_per_day: cap };
        let mut generator = ArrivalGenerator::new(seed, vec![Some(spec), None, None, None]);
        for tick in 0..60 {
            for (_, change) in changes.iter().filter(|(at, _)| *at == tick) {
                let before = generator.spec(AgentId(0)).cloned();
                if generator.change(AgentId(0), change).is_err() {
                    prop_assert_eq!(generator.spec(AgentId(0)).cloned(), before);
                }
            }
            let mut out = Vec::new();
            generator.generate(AgentId(0), tick, &mut out);
            for p in out {
                prop_assert!((1..=MAX_MONEY_CENTS).contains(&p.amount), "amount {}", p.amount);
                prop_assert!(p.priority <= MAX_PRIORITY);
                prop_assert!(p.deadline_tick >= tick);
                prop_assert!(p.receiver != AgentId(0) && p.receiver.0 < agents);
            }
        }
    }
}
