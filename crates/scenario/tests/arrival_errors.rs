//! Bad arrival sections (amount and priority distributions, bands, profiles) are
//! rejected before the run, each problem named by its path.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test helpers fail loudly

mod common;

use common::{assert_rejected, assert_suggests};

/// Agent A with `arrivals` written as `inner` (the map's contents), and agent B.
fn arrivals(inner: &str) -> String {
    format!(
        "simulation: {{ ticks_per_day: 100, num_days: 1 }}\nagents:\n  - {{ id: A, opening_balance: 5, arrivals: {{ {inner} }} }}\n  - {{ id: B, opening_balance: 5 }}\n"
    )
}

/// One stream of `amount` (with a rate and deadlines).
fn with_amount(amount: &str) -> String {
    arrivals(&format!(
        "rate_per_tick: 1, amount: {amount}, deadline_ticks: [1, 2]"
    ))
}

#[test]
fn each_bad_amount_field_is_named() {
    let cases = [
        (
            "{ distribution: normal, mean: 500, sd: 0 }",
            "agents[0].arrivals.amount.sd: must be > 0, written: 0",
        ),
        (
            "{ distribution: normal, mean: 500, sd: -3 }",
            "agents[0].arrivals.amount.sd: must be > 0, written: -3",
        ),
        (
            "{ distribution: normal, mean: 500, sd: 1e15 }",
            "agents[0].arrivals.amount.sd: 1000000000000000 is above 100000000000000 cents",
        ),
        (
            "{ distribution: normal, mean: 0.5, sd: 10 }",
            "agents[0].arrivals.amount.mean: 0.5 is outside 1..=100000000000000 cents",
        ),
        (
            "{ distribution: normal, mean: 500 }",
            "agents[0].arrivals.amount: missing field `sd`",
        ),
        (
            "{ distribution: normal, mean: 500, sd: lots }",
            "agents[0].arrivals.amount.sd: expected a number of cents up to 100000000000000, written: \"lots\"",
        ),
        (
            "{ distribution: exponential, mean: -2 }",
            "agents[0].arrivals.amount.mean: -2 is outside 1..=100000000000000 cents",
        ),
        (
            "{ distribution: exponential, mean: 2e14 }",
            "agents[0].arrivals.amount.mean: 200000000000000 is outside 1..=100000000000000 cents",
        ),
        (
            "{ distribution: empirical, values: [], weights: [] }",
            "agents[0].arrivals.amount.values: no values to draw from",
        ),
        (
            "{ distribution: empirical, values: [5, 0], weights: [1, 1] }",
            "agents[0].arrivals.amount.values[1]: 0 is outside 1..=100000000000000 cents",
        ),
        (
            "{ distribution: empirical, values: [5, 6, 7], weights: [1, 1] }",
            "agents[0].arrivals.amount.weights: 2 weights for 3 values: give one weight per value",
        ),
        (
            "{ distribution: empirical, values: [5, 6], weights: [1, -1] }",
            "agents[0].arrivals.amount.weights[1]: -1 is not a finite number >= 0",
        ),
        (
            "{ distribution: empirical, values: [5, 6], weights: [0, 0] }",
            "agents[0].arrivals.amount.weights: the weights are all zero: nothing can be drawn",
        ),
        (
            "{ distribution: empirical, values: [5.5], weights: [1] }",
            "agents[0].arrivals.amount.values[0]: expected a whole number of cents from 1 to 100000000000000, written: 5.5",
        ),
        (
            "{ distribution: empirical, values: [5], weights: [x] }",
            "agents[0].arrivals.amount.weights[0]: expected a weight: a number from 0 up, written: \"x\"",
        ),
        (
            "{ distribution: gaussian, mean: 5 }",
            "agents[0].arrivals.amount.distribution: unknown distribution `gaussian`",
        ),
    ];
    for (amount, expected) in cases {
        assert_rejected(&with_amount(amount), &[expected]);
    }
    assert_suggests(
        &with_amount("{ distribution: empirical, values: [5], weight: [1] }"),
        &["agents[0].arrivals.amount.weight", "unknown field `weight`"],
        "weights",
    );
}

#[test]
fn each_bad_categorical_priority_field_is_named() {
    let with_priority = |priority: &str| {
        arrivals(&format!(
            "rate_per_tick: 1, amount: {{ distribution: fixed, value: 5 }}, deadline_ticks: [1, 2], priority: {priority}"
        ))
    };
    let cases = [
        (
            "{ distribution: categorical, values: [3, 12], weights: [1, 1] }",
            "agents[0].arrivals.priority.values[1]: 12 is above 10",
        ),
        (
            "{ distribution: categorical, values: [3, 300], weights: [1, 1] }",
            "agents[0].arrivals.priority.values[1]: expected a whole priority from 0 to 10, written: 300",
        ),
        (
            "{ distribution: categorical, values: [3], weights: [1, 2] }",
            "agents[0].arrivals.priority.weights: 2 weights for 1 values",
        ),
        (
            "{ distribution: categorical, values: [3, 4], weights: [0, 0] }",
            "agents[0].arrivals.priority.weights: the weights are all zero",
        ),
        (
            "{ distribution: uniform, values: [3], weights: [1] }",
            "agents[0].arrivals.priority.distribution: unknown distribution `uniform`",
        ),
        (
            "{ values: [3], weights: [1] }",
            "agents[0].arrivals.priority: missing `distribution` (one of categorical)",
        ),
        ("[1, 2, 3]", "agents[0].arrivals.priority: invalid length 3"),
        (
            "[7, 2]",
            "agents[0].arrivals.priority: [7, 2] is not a range within 0..=10",
        ),
        (
            "[1, 300]",
            "agents[0].arrivals.priority[1]: expected a whole priority from 0 to 10, written: 300",
        ),
    ];
    for (priority, expected) in cases {
        assert_rejected(&with_priority(priority), &[expected]);
    }
}

#[test]
fn each_bad_band_field_is_named() {
    let fixed = "amount: { distribution: fixed, value: 5 }";
    let cases = [
        (
            format!("rate_per_tick: 1, {fixed}, deadline_ticks: [1, 2], bands: {{ low: {{ rate_per_tick: 1 }} }}"),
            "agents[0].arrivals.rate_per_tick: with `bands`, each band has its own rate_per_tick".to_string(),
        ),
        (
            format!("{fixed}, deadline_ticks: [1, 2], bands: {{}}"),
            "agents[0].arrivals.bands: no band: give at least one of urgent, normal, low".into(),
        ),
        (
            format!("{fixed}, bands: {{ low: {{ rate_per_tick: 1 }} }}"),
            "agents[0].arrivals.bands.low: missing field `deadline_ticks` (give it in the band, or beside `bands` for all of them)".into(),
        ),
        (
            "deadline_ticks: [1, 2], bands: { urgent: { rate_per_tick: 1 } }".into(),
            "agents[0].arrivals.bands.urgent: missing field `amount`".into(),
        ),
        (
            format!("{fixed}, deadline_ticks: [1, 2], bands: {{ normal: {{ {fixed} }} }}"),
            "agents[0].arrivals.bands.normal: missing field `rate_per_tick`".into(),
        ),
        (
            format!("{fixed}, deadline_ticks: [1, 2], bands: {{ normal: {{ rate_per_tick: -1 }} }}"),
            "agents[0].arrivals.bands.normal.rate_per_tick: -1 is outside 0..=10000 payments per tick".into(),
        ),
        (
            format!("{fixed}, bands: {{ low: {{ rate_per_tick: 1, deadline_ticks: [9, 3] }} }}"),
            "agents[0].arrivals.bands.low.deadline_ticks: [9, 3]: the minimum is above the maximum".into(),
        ),
        (
            format!("{fixed}, deadline_ticks: [1, 2], bands: {{ low: {{ rate_per_tick: 1, divisible_share: 2 }} }}"),
            "agents[0].arrivals.bands.low.divisible_share: 2 is not a share between 0 and 1".into(),
        ),
        (
            "deadline_ticks: [1, 2], bands: { low: { rate_per_tick: 1, amount: { distribution: normal, mean: 5, sd: 0 } } }".into(),
            "agents[0].arrivals.bands.low.amount.sd: must be > 0".into(),
        ),
        (
            format!("{fixed}, deadline_ticks: [1, 2], bands: {{ low: {{ rate_per_tick: 1, priority: [3, 11] }} }}"),
            "agents[0].arrivals.bands.low.priority: [3, 11] is not a range within 0..=10".into(),
        ),
        (
            format!("{fixed}, deadline_ticks: [1, 2]"),
            "agents[0].arrivals: missing field `rate_per_tick` (or give `bands`)".into(),
        ),
        (
            "rate_per_tick: 1, deadline_ticks: [1, 2]".into(),
            "agents[0].arrivals: missing field `amount`".into(),
        ),
        (
            format!("rate_per_tick: 1, {fixed}"),
            "agents[0].arrivals: missing field `deadline_ticks`".into(),
        ),
    ];
    for (inner, expected) in cases {
        assert_rejected(&arrivals(&inner), &[&expected]);
    }
    assert_suggests(
        &arrivals(&format!(
            "{fixed}, deadline_ticks: [1, 2], bands: {{ urgnt: {{ rate_per_tick: 1 }} }}"
        )),
        &["agents[0].arrivals.bands: unknown field `urgnt`"],
        "urgent",
    );
    // Counterparties are the agent's, for every band.
    assert_rejected(
        &arrivals(&format!(
            "{fixed}, deadline_ticks: [1, 2], bands: {{ low: {{ rate_per_tick: 1, counterparties: {{ B: 1 }} }} }}"
        )),
        &["agents[0].arrivals.bands.low: unknown field `counterparties`"],
    );
}

#[test]
fn each_bad_profile_step_is_named() {
    let with_profile = |profile: &str| {
        arrivals(&format!(
            "rate_per_tick: 5, amount: {{ distribution: fixed, value: 5 }}, deadline_ticks: [1, 2], profile: {profile}"
        ))
    };
    let cases = [
        ("[]", "agents[0].arrivals.profile: no steps"),
        (
            "[{ from_tick_in_day: 10, factor: 1 }]",
            "agents[0].arrivals.profile[0].from_tick_in_day: 10: the first step must start at 0",
        ),
        (
            "[{ from_tick_in_day: 0, factor: 1 }, { from_tick_in_day: 60, factor: 2 }, { from_tick_in_day: 40, factor: 1 }]",
            "agents[0].arrivals.profile[2].from_tick_in_day: 40 is not after the previous step's 60",
        ),
        (
            "[{ from_tick_in_day: 0, factor: 1 }, { from_tick_in_day: 100, factor: 2 }]",
            "agents[0].arrivals.profile[1].from_tick_in_day: 100 is not a tick of a day of 100 ticks",
        ),
        (
            "[{ from_tick_in_day: 0, factor: -0.5 }]",
            "agents[0].arrivals.profile[0].factor: -0.5 is not a finite number >= 0",
        ),
        (
            "[{ from_tick_in_day: 0, factor: 2001 }]",
            "agents[0].arrivals.profile: at its peak factor 2001, the rate 5 becomes 10005 payments per tick; at most 10000",
        ),
        (
            "[{ from_tick_in_day: -1, factor: 1 }]",
            "agents[0].arrivals.profile[0].from_tick_in_day: expected a whole tick of the day from 0 to 999999, written: -1",
        ),
        (
            "[{ from_tick_in_day: 0, factor: high }]",
            "agents[0].arrivals.profile[0].factor: expected a factor on the rate: a number from 0 up, written: high",
        ),
    ];
    for (profile, expected) in cases {
        assert_rejected(&with_profile(profile), &[expected]);
    }
    assert_suggests(
        &with_profile("[{ from_tick_in_dya: 0, factor: 1 }]"),
        &["agents[0].arrivals.profile[0]: unknown field `from_tick_in_dya`"],
        "from_tick_in_day",
    );
}
