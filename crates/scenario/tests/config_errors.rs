//! Bad scenarios are rejected before the run, each problem named by its path.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test helpers fail loudly

mod common;

use common::{assert_rejected, assert_suggests, rejection};
use std::path::Path;

const HEAD: &str = "simulation: { ticks_per_day: 10, num_days: 1 }\n";

fn with_agents(agents: &str) -> String {
    format!("{HEAD}agents:\n{agents}")
}

#[test]
fn unknown_keys_are_errors_with_suggestions() {
    assert_rejected(
        &with_agents("  - { id: A, opening_balanse: 5 }\n"),
        &[
            "agents[0]",
            "unknown field `opening_balanse`",
            "did you mean `opening_balance`",
        ],
    );
    assert_rejected(
        &format!("{HEAD}agents: []\nsettlment: {{}}\n"),
        &["unknown field `settlment`"],
    );
}

const TWO_AGENTS: &str =
    "agents:\n  - { id: A, opening_balance: 5 }\n  - { id: B, opening_balance: 5 }\n";

/// The serde error is passed through; the suggestion comes from the section's own
/// field list, whichever section of the file the key is in.
#[test]
fn an_unknown_key_in_any_section_is_named_with_the_close_field() {
    let after = |section: &str| format!("{HEAD}{TWO_AGENTS}{section}\n");
    let unknown = |at: &str, key: &str| format!("{at}unknown field `{key}`");
    let simulation =
        format!("simulation: {{ ticks_per_day: 10, num_days: 1, sed: 1 }}\n{TWO_AGENTS}");
    let cases = [
        (
            after("simulaton: {}"),
            unknown("bad.yaml: ", "simulaton"),
            "simulation",
        ),
        (simulation, unknown("simulation: ", "sed"), "seed"),
        (
            after("settlement: { entry_ofset: true }"),
            unknown("settlement: ", "entry_ofset"),
            "entry_offset",
        ),
        (
            after("costs: { eod_penalti: 1 }"),
            unknown("costs: ", "eod_penalti"),
            "eod_penalty",
        ),
        (
            with_agents("  - { id: A, opening_balanse: 5 }\n"),
            unknown("agents[0]: ", "opening_balanse"),
            "opening_balance",
        ),
        (
            with_agents(
                "  - { id: A, opening_balance: 5, arrivals: { rate_per_tick: 1, amount: 5, deadline_tick: [1, 2] } }\n",
            ),
            unknown("agents[0].arrivals: ", "deadline_tick"),
            "deadline_ticks",
        ),
        (
            after("transactions:\n  - { tick: 1, from: A, to: B, amont: 5 }"),
            unknown("transactions[0]: ", "amont"),
            "amount",
        ),
        (
            after("governance: { kill_switc: [A] }"),
            unknown("governance: ", "kill_switc"),
            "kill_switch",
        ),
        (
            after("governance: { budgets: { A: { per_dya: 5 } } }"),
            unknown("governance.budgets.A: ", "per_dya"),
            "per_day",
        ),
        (
            after("governance: { limits: { B: { multilateal: 5 } } }"),
            unknown("governance.limits.B: ", "multilateal"),
            "multilateral",
        ),
        (
            after("governance: { health: { contingncy: true } }"),
            unknown("governance.health: ", "contingncy"),
            "contingency",
        ),
        (
            after("scenario_events:\n  - { tick: 1, kind: suspend, agnt: A }"),
            unknown("scenario_events[0]: ", "agnt"),
            "agent",
        ),
    ];
    for (text, at, close) in cases {
        assert_suggests(&text, &[&at], close);
    }
}

/// Sections checked after the file is read (amounts, policies) name the key in the
/// path too.
#[test]
fn an_unknown_key_in_a_decoded_section_is_named_with_the_close_field() {
    let policy = |inner: &str| {
        with_agents(&format!(
            "  - {{ id: A, opening_balance: 5, policy: {{ {inner} }} }}\n"
        ))
    };
    let amount = "  - { id: A, opening_balance: 5, arrivals: { rate_per_tick: 1, amount: { distribution: log_normal, median: 5, sigm: 1 }, deadline_ticks: [1, 2] } }\n  - { id: B, opening_balance: 5 }\n";
    let cases = [
        (
            with_agents(amount),
            ["agents[0].arrivals.amount.sigm", "unknown field `sigm`"],
            "sigma",
        ),
        (
            policy("type: Deadline, urgency_treshold: 1"),
            [
                "agents[0].policy.urgency_treshold",
                "unknown field `urgency_treshold`",
            ],
            "urgency_threshold",
        ),
        (
            policy("type: Starlark, script: 'x', limits: { max_step: 3 }"),
            [
                "agents[0].policy.limits.max_step",
                "unknown field `max_step`",
            ],
            "max_steps",
        ),
        (
            policy("type: FromJson, json_strin: 'x'"),
            ["agents[0].policy.json_strin", "unknown field `json_strin`"],
            "json_string",
        ),
    ];
    for (text, expected, close) in cases {
        assert_suggests(&text, &expected, close);
    }
}

/// A key close to no field gets no suggestion, and a known key with a bad value is
/// not taken for an unknown one.
#[test]
fn far_keys_and_bad_values_get_no_suggestion() {
    let far = rejection(&format!("{HEAD}{TWO_AGENTS}costs: {{ zzzzzzzz: 1 }}\n"));
    assert!(far.contains("unknown field `zzzzzzzz`"), "{far}");
    assert!(!far.contains("did you mean"), "{far}");
    let bad_value = rejection(&format!("{HEAD}{TWO_AGENTS}costs: {{ eod_penalty: x }}\n"));
    assert!(
        bad_value.contains(
            "costs.eod_penalty: expected a whole number of cents from 0 to 100000000000000, written: x"
        ),
        "{bad_value}"
    );
    assert!(!bad_value.contains("did you mean"), "{bad_value}");
}

#[test]
fn policy_errors_name_the_field() {
    assert_rejected(
        &with_agents(
            "  - { id: A, opening_balance: 5, policy: { type: LiquidityAware, target_bufer: 1 } }\n",
        ),
        &[
            "agents[0].policy.target_bufer",
            "did you mean `target_buffer`",
        ],
    );
    assert_rejected(
        &with_agents("  - { id: A, opening_balance: 5, policy: { type: Liquid } }\n"),
        &["agents[0].policy.type", "unknown type `Liquid`"],
    );
    assert_rejected(
        &with_agents("  - { id: A, opening_balance: 5, policy: { type: LiquidityAware } }\n"),
        &["agents[0].policy", "missing field `target_buffer`"],
    );
    assert_rejected(
        &with_agents(
            "  - { id: A, opening_balance: 5, policy: { type: LiquiditySplitting, max_parts: 1 } }\n",
        ),
        &["agents[0].policy.max_parts: 1 is outside 2..=1000"],
    );
}

#[test]
fn wrong_types_name_the_value_and_the_line() {
    assert_rejected(
        &with_agents("  - id: A\n    opening_balance: 12.5\n"),
        &[
            "agents[0].opening_balance: expected a whole number of cents from -100000000000000 to 100000000000000, written: 12.5 at line 4 column 22",
        ],
    );
    assert_rejected(
        &with_agents("  - id: A\n    opening_balance: lots\n"),
        &[
            "agents[0].opening_balance: expected a whole number of cents from -100000000000000 to 100000000000000, written: lots at line 4",
        ],
    );
}

/// A number serde refuses before it can be checked says what the field holds, with
/// its range, and what was written: in the file's own sections (read from YAML,
/// with the line) and in the tagged ones (amounts, policies; read as JSON values).
#[test]
fn refused_numbers_say_the_expected_range_and_what_was_written() {
    let arrivals = |amount: &str, rest: &str| {
        with_agents(&format!(
            "  - {{ id: A, opening_balance: 5, arrivals: {{ rate_per_tick: 1, amount: {amount}, deadline_ticks: {rest} }} }}\n  - {{ id: B, opening_balance: 5 }}\n"
        ))
    };
    let cases = [
        (
            arrivals(
                "{ distribution: log_normal, median: 1e+18, sigma: 0.5 }",
                "[1, 2]",
            ),
            "agents[0].arrivals.amount.median: expected a whole number of cents from 1 to 100000000000000, written: 1e+18",
        ),
        (
            arrivals("{ distribution: fixed, value: 2.5 }", "[1, 2]"),
            "agents[0].arrivals.amount.value: expected a whole number of cents from 1 to 100000000000000, written: 2.5",
        ),
        (
            arrivals("{ distribution: fixed, value: 5 }", "[-1, 2]"),
            "agents[0].arrivals.deadline_ticks[0]: expected a whole number of ticks from 0 to 4294967295, written: -1 at line 3",
        ),
        (
            format!("simulation: {{ ticks_per_day: -5, num_days: 1 }}\n{TWO_AGENTS}"),
            "simulation.ticks_per_day: expected a whole number of ticks from 1 to 1000000, written: -5 at line 1 column 30",
        ),
        (
            with_agents(
                "  - { id: A, opening_balance: 5, policy: { type: Deadline, urgency_threshold: 2.5 } }\n",
            ),
            "agents[0].policy.urgency_threshold: expected a whole number of ticks from 0 to 4294967295, written: 2.5",
        ),
    ];
    for (text, expected) in cases {
        assert_rejected(&text, &[expected]);
    }
}

#[test]
fn semantic_problems_are_all_reported_at_once() {
    let text = format!(
        "{HEAD}agents:
  - {{ id: A, opening_balance: 100 }}
  - id: B
    opening_balance: 100
    arrivals:
      rate_per_tick: 1
      amount: {{ distribution: uniform, min: 50, max: 10 }}
      counterparties: {{ Z: 1, B: 1 }}
      deadline_ticks: [5, 2]
  - {{ id: A, opening_balance: -5 }}
transactions:
  - {{ tick: 20, from: A, to: Q, amount: -3, deadline: 1 }}
"
    );
    assert_rejected(
        &text,
        &[
            "problems:",
            "agents[2].id: \"A\" is already the id of agents[0]",
            "agents[1].arrivals.amount.max: 10 is below min 50",
            "agents[1].arrivals.counterparties.Z: unknown agent \"Z\"",
            "agents[1].arrivals.counterparties.B: an agent cannot pay itself",
            "agents[1].arrivals.deadline_ticks: [5, 2]",
            "agents[2].opening_balance: -5 is below minus the credit limit",
            "transactions[0].to: unknown agent \"Q\"",
            "transactions[0].tick: 20 is not a tick of the run",
            "transactions[0].amount: -3",
            "transactions[0].deadline: 1 is before the payment arrives",
        ],
    );
}

#[test]
fn weights_that_sum_to_zero_are_rejected() {
    let text = with_agents(
        "  - { id: A, opening_balance: 1 }
  - id: B
    opening_balance: 1
    arrivals: { rate_per_tick: 1, amount: { distribution: fixed, value: 5 }, counterparties: { A: 0 }, deadline_ticks: [1, 2] }
",
    );
    assert_rejected(
        &text,
        &["agents[1].arrivals.counterparties: the weights sum to zero"],
    );
}

#[test]
fn negative_and_out_of_range_values_are_rejected() {
    assert_rejected(
        &with_agents(
            "  - { id: A, opening_balance: 5, unsecured_cap: -1, collateral_haircut: 1.5 }\n",
        ),
        &[
            "agents[0].unsecured_cap: -1",
            "agents[0].collateral_haircut: 1.5",
        ],
    );
    assert_rejected(
        &format!(
            "{HEAD}costs: {{ overdraft_bps_per_tick: -2, eod_penalty: -1 }}\nagents:\n  - {{ id: A, opening_balance: 1 }}\n"
        ),
        &["costs.overdraft_bps_per_tick", "costs.eod_penalty"],
    );
    assert_rejected(
        "simulation: { ticks_per_day: 0, num_days: 0 }\nagents:\n  - { id: A, opening_balance: 1 }\n",
        &["simulation.ticks_per_day", "simulation.num_days"],
    );
    assert_rejected(
        &with_agents("  - { id: \"bad name\", opening_balance: 1 }\n"),
        &["agents[0].id: \"bad name\" is not an agent id"],
    );
}

#[test]
fn syntax_errors_give_the_position() {
    assert_rejected("simulation: [\n", &["bad.yaml", "line"]);
    assert_rejected(
        "{\"simulation\": {\"ticks_per_day\": 10,, }}",
        &["bad.yaml", "line 1"],
    );
}

#[test]
fn unimplemented_lsm_algorithms_are_not_silently_ignored() {
    assert_rejected(
        &format!(
            "{HEAD}settlement: {{ lsm: [telepathy] }}\nagents:\n  - {{ id: A, opening_balance: 1 }}\n"
        ),
        &["settlement.lsm[0]", "telepathy"],
    );
}

#[test]
fn a_run_too_large_to_hold_is_refused_up_front() {
    let text = "simulation: { ticks_per_day: 100000, num_days: 100 }
agents:
  - { id: A, opening_balance: 1, arrivals: { rate_per_tick: 50, amount: { distribution: fixed, value: 5 }, deadline_ticks: [1, 2] } }
  - { id: B, opening_balance: 1 }
";
    assert_rejected(
        text,
        &["agents: the arrival rates would create about 500000000 payments"],
    );
}

#[test]
fn sections_decoded_later_still_reject_extra_and_repeated_keys() {
    assert_rejected(
        &with_agents(
            "  - { id: A, opening_balance: 5, policy: { type: Fifo, urgency_threshold: 5 } }\n",
        ),
        &[
            "agents[0].policy.urgency_threshold",
            "unknown field `urgency_threshold`",
        ],
    );
    assert_rejected(
        &with_agents("  - { id: A, opening_balance: 5, policy: { type: Fifo, type: Deadline } }\n"),
        &["duplicate key `type`"],
    );
    let amount = "  - { id: A, opening_balance: 5, arrivals: { rate_per_tick: 1, amount: { distribution: fixed, value: 5, value: 6 }, deadline_ticks: [1, 2] } }\n  - { id: B, opening_balance: 5 }\n";
    assert_rejected(&with_agents(amount), &["duplicate key `value`"]);
    let weights = "  - { id: A, opening_balance: 5, arrivals: { rate_per_tick: 1, amount: { distribution: fixed, value: 5 }, counterparties: { B: 1, B: 0 }, deadline_ticks: [1, 2] } }\n  - { id: B, opening_balance: 5 }\n";
    assert_rejected(&with_agents(weights), &["duplicate key `B`"]);
}

#[test]
fn errors_inside_sections_name_the_field_and_the_value() {
    assert_rejected(
        &with_agents(
            "  - { id: A, opening_balance: 5, policy: { type: Deadline, urgency_threshold: -1 } }\n",
        ),
        &["agents[0].policy.urgency_threshold", "-1"],
    );
    let sigma = "  - { id: A, opening_balance: 5, arrivals: { rate_per_tick: 1, amount: { distribution: log_normal, median: 5, sigma: .inf }, deadline_ticks: [1, 2] } }\n  - { id: B, opening_balance: 5 }\n";
    assert_rejected(
        &with_agents(sigma),
        &["agents[0].arrivals", "inf is not a finite number"],
    );
    let huge = "  - { id: A, opening_balance: 5, arrivals: { rate_per_tick: 1, amount: { distribution: uniform, min: 1, max: 1e20 }, deadline_ticks: [1, 2] } }\n  - { id: B, opening_balance: 5 }\n";
    assert_rejected(
        &with_agents(huge),
        &[
            "agents[0].arrivals.amount.max: expected a whole number of cents from 1 to 100000000000000, written: 1e+20",
        ],
    );
}

#[test]
fn extreme_numbers_are_reported_not_overflowed() {
    assert_rejected(
        &with_agents("  - { id: A, opening_balance: -9223372036854775808 }\n"),
        &["agents[0].opening_balance"],
    );
    assert_rejected(
        &with_agents(
            "  - { id: A, opening_balance: 0, unsecured_cap: 9223372036854775807, collateral_capacity: 9223372036854775807, posted_collateral: 9223372036854775807 }\n",
        ),
        &["agents[0].unsecured_cap", "agents[0].collateral_capacity"],
    );
    let weights = "  - { id: A, opening_balance: 5, arrivals: { rate_per_tick: 1, amount: { distribution: fixed, value: 5 }, counterparties: { B: 1e308, C: 1e308 }, deadline_ticks: [1, 2] } }\n  - { id: B, opening_balance: 5 }\n  - { id: C, opening_balance: 5 }\n";
    assert_rejected(
        &with_agents(weights),
        &["agents[0].arrivals.counterparties: the weights sum to more"],
    );
}

#[test]
fn absurd_nesting_is_refused_before_parsing() {
    let deep = format!("simulation: {}{}\n", "[".repeat(5_000), "]".repeat(5_000));
    // The message comes from the check before the (quadratic) YAML parser.
    assert_rejected(&deep, &["nest 5000 levels deep"]);
    // Brackets in comments and strings do not count.
    let text = format!(
        "# {}\nsimulation: {{ ticks_per_day: 10, num_days: 1 }}\nagents:\n  - {{ id: A, opening_balance: 5 }}\n",
        "[".repeat(300)
    );
    let file = rtgsim_scenario::config::ScenarioInput::from_text(&text, "t.yaml", Path::new("."))
        .unwrap()
        .file;
    assert_eq!(file.agents.len(), 1);
}

#[test]
fn an_unknown_key_is_named_once_in_its_path() {
    // The path ends at the unknown key; it once named the key twice
    // (`agents[0].policy.target_bufer.target_bufer`).
    let message = rejection(&with_agents(
        "  - { id: A, opening_balance: 5, policy: { type: LiquidityAware, target_bufer: 1 } }\n",
    ));
    assert!(
        message.contains("agents[0].policy.target_bufer: "),
        "{message}"
    );
    assert!(!message.contains("target_bufer.target_bufer"), "{message}");
}

/// A token of 200,000 characters echoed in an error is clipped to its first 60
/// characters and its length, wherever the message comes from (serde, the checks,
/// a policy document inside the scenario), and the place is kept.
#[test]
fn a_long_token_is_clipped_in_every_message_and_the_place_kept() {
    let token = "z".repeat(200_000);
    let clipped = format!("{}… (200000 characters)", "z".repeat(60));
    let inline_tree = format!(
        "{{ type: Inline, decision_trees: {{ version: \"2.0\", payment_tree: {{ type: action, node_id: A, action: {token} }} }} }}"
    );
    let cases = [
        // An unknown key (serde's message).
        (
            with_agents(&format!(
                "  - {{ id: A, opening_balance: 5, {token}: 1 }}\n"
            )),
            format!("agents[0]: unknown field `{clipped}`"),
        ),
        // An agent id (the checks).
        (
            with_agents(&format!("  - {{ id: {token}, opening_balance: 5 }}\n")),
            format!("agents[0].id: \"{clipped}\" is not an agent id"),
        ),
        // A policy type.
        (
            with_agents(&format!(
                "  - {{ id: A, opening_balance: 5, policy: {{ type: {token} }} }}\n"
            )),
            format!("agents[0].policy.type: unknown type `{clipped}`"),
        ),
        // A number.
        (
            with_agents(&format!(
                "  - {{ id: A, opening_balance: 1{} }}\n",
                "0".repeat(199_999)
            )),
            format!(
                "agents[0].opening_balance: expected a whole number of cents from -100000000000000 to 100000000000000, written: 1{}… (200000 characters)",
                "0".repeat(59)
            ),
        ),
        // An action name in a tree written in the scenario.
        (
            with_agents(&format!(
                "  - {{ id: A, opening_balance: 5, policy: {inline_tree} }}\n"
            )),
            format!("unknown action \"{clipped}\""),
        ),
    ];
    for (text, expected) in cases {
        let message = rejection(&text);
        assert!(
            message.contains(&expected),
            "expected {expected:?} in:\n{message}"
        );
        assert!(message.len() < 2_000, "{} bytes:\n{message}", message.len());
    }
}
