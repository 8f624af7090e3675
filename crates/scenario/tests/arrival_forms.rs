//! The arrival forms a scenario can write (bands, profiles, the amount and priority
//! distributions) resolve into the specs written out here by hand; the one-stream
//! form resolves as it always did; and banded, profiled scenarios run.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // tests fail loudly

mod common;

use common::{rejection, run_with_events, scenario_from};
use rtgsim_core::AgentId;
use rtgsim_core::arrivals::{
    AmountDistribution, ArrivalBand, ArrivalSpec, Counterparties, PriorityDistribution,
    RateProfile, Weighted,
};
use rtgsim_scenario::config::ScenarioInput;
use std::path::Path;

const HEAD: &str = "simulation: { ticks_per_day: 100, num_days: 2, seed: 7 }\n";

fn arrivals_of(agent_a: &str) -> ArrivalSpec {
    let text = format!(
        "{HEAD}agents:\n  - id: A\n    opening_balance: 100000\n    arrivals:\n{agent_a}  - {{ id: B, opening_balance: 100000 }}\n  - {{ id: C, opening_balance: 100000 }}\n"
    );
    scenario_from(&text).plan.agents[0]
        .arrivals
        .clone()
        .unwrap()
}

fn range(min: u8, max: u8) -> PriorityDistribution {
    PriorityDistribution::Range { min, max }
}

#[test]
fn one_stream_resolves_to_one_band_as_before() {
    let spec = arrivals_of(
        "      rate_per_tick: 0.5\n      amount: { distribution: uniform, min: 10, max: 20 }\n      counterparties: { C: 1, B: 3 }\n      deadline_ticks: [4, 9]\n",
    );
    assert_eq!(
        spec,
        ArrivalSpec::single(
            ArrivalBand {
                rate_per_tick: 0.5,
                amount: AmountDistribution::Uniform { min: 10, max: 20 },
                deadline_ticks: (4, 9),
                priority: range(5, 5),
                divisible_share: 0.0,
            },
            Counterparties::Weighted(vec![(AgentId(1), 3.0), (AgentId(2), 1.0)]),
        )
    );
}

#[test]
fn the_new_distributions_resolve_to_their_parameters() {
    let amount = |written: &str| {
        let spec = arrivals_of(&format!(
            "      rate_per_tick: 1\n      amount: {written}\n      deadline_ticks: [1, 2]\n      priority: {{ distribution: categorical, values: [10, 0, 5], weights: [1, 0, 2.5] }}\n"
        ));
        assert_eq!(
            spec.bands[0].priority,
            PriorityDistribution::Categorical(
                Weighted::new(vec![10, 0, 5], vec![1.0, 0.0, 2.5]).unwrap()
            )
        );
        spec.bands[0].amount.clone()
    };
    assert_eq!(
        amount("{ distribution: normal, mean: 5000, sd: 1500.5 }"),
        AmountDistribution::Normal {
            mean: 5000.0,
            sd: 1500.5
        }
    );
    assert_eq!(
        amount("{ distribution: exponential, mean: 12000 }"),
        AmountDistribution::Exponential { mean: 12000.0 }
    );
    assert_eq!(
        amount("{ distribution: empirical, values: [100, 2000, 30000], weights: [3, 0, 1] }"),
        AmountDistribution::Empirical(
            Weighted::new(vec![100, 2000, 30000], vec![3.0, 0.0, 1.0]).unwrap()
        )
    );
}

/// Bands in the order urgent, normal, low whatever the order written; each field a
/// band leaves out is the agent's; the counterparties and the profile are the
/// agent's.
#[test]
fn bands_take_the_agents_fields_they_leave_out() {
    let spec = arrivals_of(
        "      amount: { distribution: fixed, value: 700 }
      deadline_ticks: [20, 30]
      priority: [2, 3]
      divisible_share: 0.25
      counterparties: { B: 1 }
      bands:
        low: { rate_per_tick: 0.2 }
        urgent: { rate_per_tick: 0.1, deadline_ticks: [1, 2], priority: { distribution: categorical, values: [10], weights: [1] }, divisible_share: 0 }
        normal: { rate_per_tick: 0.7, amount: { distribution: exponential, mean: 900 } }
      profile:
        - { from_tick_in_day: 0, factor: 2 }
        - { from_tick_in_day: 80, factor: 0.5 }
",
    );
    let fixed = AmountDistribution::Fixed { value: 700 };
    let expected = ArrivalSpec {
        bands: vec![
            ArrivalBand {
                rate_per_tick: 0.1,
                amount: fixed.clone(),
                deadline_ticks: (1, 2),
                priority: PriorityDistribution::Categorical(
                    Weighted::new(vec![10], vec![1.0]).unwrap(),
                ),
                divisible_share: 0.0,
            },
            ArrivalBand {
                rate_per_tick: 0.7,
                amount: AmountDistribution::Exponential { mean: 900.0 },
                deadline_ticks: (20, 30),
                priority: range(2, 3),
                divisible_share: 0.25,
            },
            ArrivalBand {
                rate_per_tick: 0.2,
                amount: fixed,
                deadline_ticks: (20, 30),
                priority: range(2, 3),
                divisible_share: 0.25,
            },
        ],
        counterparties: Counterparties::Weighted(vec![(AgentId(1), 1.0)]),
        profile: Some(RateProfile::new(100, vec![(0, 2.0), (80, 0.5)]).unwrap()),
        deadline_cap_ticks_per_day: None,
    };
    assert_eq!(spec, expected);
}

/// The canonical form of the new shapes reads back as the same file (a stored
/// run is read back from it, a sweep changes it as JSON), and a file without them
/// has no new keys in it.
#[test]
fn the_new_forms_read_back_from_their_canonical_form() {
    let text = format!(
        "{HEAD}agents:
  - id: A
    opening_balance: 100000
    arrivals:
      amount: {{ distribution: empirical, values: [5, 6], weights: [1, 1] }}
      priority: {{ distribution: categorical, values: [1, 2], weights: [1, 3] }}
      bands:
        urgent: {{ rate_per_tick: 0.5, deadline_ticks: [1, 3], priority: [9, 10] }}
        low: {{ rate_per_tick: 0.5, deadline_ticks: [5, 9] }}
      profile: [{{ from_tick_in_day: 0, factor: 1 }}, {{ from_tick_in_day: 50, factor: 2 }}]
  - {{ id: B, opening_balance: 5 }}
"
    );
    let input = ScenarioInput::from_text(&text, "new.yaml", Path::new(".")).unwrap();
    let canonical = rtgsim_scenario::canonical_scenario(&input.file);
    let again = ScenarioInput::from_text(&canonical, "again.json", Path::new(".")).unwrap();
    assert_eq!(again.file, input.file);
    // As a sweep changes it: through a JSON value and back.
    let value = serde_json::to_value(&input.file).unwrap();
    let back: rtgsim_scenario::config::ScenarioFile = serde_json::from_value(value).unwrap();
    assert_eq!(back, input.file);
    let old = ScenarioInput::from_text(
        &format!(
            "{HEAD}agents:\n  - {{ id: A, opening_balance: 5, arrivals: {{ rate_per_tick: 1, amount: {{ distribution: fixed, value: 5 }}, deadline_ticks: [1, 2] }} }}\n  - {{ id: B, opening_balance: 5 }}\n"
        ),
        "old.yaml",
        Path::new("."),
    )
    .unwrap();
    let canonical = rtgsim_scenario::canonical_scenario(&old.file);
    assert!(
        canonical.contains(r#""arrivals":{"amount":{"distribution":"fixed","value":5},"deadline_ticks":[1,2],"divisible_share":0.0,"priority":[5,5],"rate_per_tick":1.0}"#),
        "{canonical}"
    );
}

/// A banded, profiled scenario runs, and the same seed gives the same log. Each
/// payment is its band's: told apart by the bands' fixed amounts, its priority and
/// deadline are in its band's ranges.
#[test]
fn a_banded_profiled_scenario_runs_and_keeps_each_band_to_its_ranges() {
    let text = format!(
        "{HEAD}agents:
  - id: A
    opening_balance: 10000000
    arrivals:
      bands:
        urgent: {{ rate_per_tick: 0.3, amount: {{ distribution: fixed, value: 111 }}, deadline_ticks: [1, 2], priority: [10, 10] }}
        normal: {{ rate_per_tick: 0.6, amount: {{ distribution: fixed, value: 222 }}, deadline_ticks: [10, 12], priority: [5, 6] }}
      profile: [{{ from_tick_in_day: 0, factor: 0 }}, {{ from_tick_in_day: 50, factor: 2 }}]
  - {{ id: B, opening_balance: 10000000 }}
"
    );
    let scenario = scenario_from(&text);
    let (_, log) = run_with_events(&scenario);
    let (_, again) = run_with_events(&scenario);
    assert_eq!(log, again);
    let mut seen = [0usize; 2];
    for line in String::from_utf8(log).unwrap().lines() {
        let event: serde_json::Value = serde_json::from_str(line).unwrap();
        if event["kind"] != "arrival" {
            continue;
        }
        let tick = event["tick"].as_u64().unwrap();
        // Factor 0 in the first half of each day: nothing arrives then.
        assert!(tick % 100 >= 50, "an arrival at tick {tick}");
        let deadline = event["deadline"].as_u64().unwrap() - tick;
        let priority = event["priority"].as_u64().unwrap();
        match event["amount"].as_i64().unwrap() {
            111 => {
                seen[0] += 1;
                assert!((1..=2).contains(&deadline) && priority == 10, "{line}");
            }
            222 => {
                seen[1] += 1;
                assert!(
                    (10..=12).contains(&deadline) && (5..=6).contains(&priority),
                    "{line}"
                );
            }
            other => panic!("amount {other} is no band's: {line}"),
        }
    }
    assert!(
        seen[0] > 0 && seen[1] > seen[0],
        "arrivals per band: {seen:?}"
    );
}

/// The bound on a run's expected payments counts the profile's mean factor.
#[test]
fn the_payment_bound_counts_the_profile() {
    let with_profile = |factor: &str| {
        format!(
            "simulation: {{ ticks_per_day: 1000, num_days: 10 }}
agents:
  - id: A
    opening_balance: 5
    arrivals:
      rate_per_tick: 2000
      amount: {{ distribution: fixed, value: 5 }}
      deadline_ticks: [1, 2]
      profile: [{{ from_tick_in_day: 0, factor: {factor} }}]
  - {{ id: B, opening_balance: 5 }}
"
        )
    };
    // 2,000 x 10,000 ticks is 20 million: within the 30 million; twice that is not.
    scenario_from(&with_profile("1"));
    let refused = rejection(&with_profile("2"));
    assert!(
        refused.contains("agents: the arrival rates would create about 40000000 payments"),
        "{refused}"
    );
}
