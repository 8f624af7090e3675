//! The stress tester's figures against figures computed by hand: one run's
//! measures on scripted scenarios, each kind of case end to end, the table, and
//! the example's claims on the 50-bank fixture (`stress_report.rs` has the
//! report's arithmetic on hand-made figures).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test helpers fail loudly

use rtgsim_evaluate::stress::cases::CaseOptions;
use rtgsim_evaluate::stress::measure::{AgentFigures, measure};
use rtgsim_evaluate::stress::{StressPlan, case_files, stress};
use rtgsim_scenario::config::ScenarioInput;
use serde_json::json;
use std::path::Path;

/// Scripted payments only, no credit but C's unsecured cap of 1,000, which it
/// never uses (it only counts in its liquidity position):
///   tick 0: A pays B 300: settles (A 200, B 300). B pays C 400: B has 300, waits.
///   tick 2: C pays B 100: settles (C 300, B 400); B's 400 settles from the queue
///           (B 0, C 700).
///   tick 3: A pays C 250: A has 200, waits to the end of the day.
const SCRIPTED: &str = "
simulation: { ticks_per_day: 10, num_days: 1, seed: 1 }
agents:
  - { id: A, opening_balance: 500 }
  - { id: B, opening_balance: 0 }
  - { id: C, opening_balance: 400, unsecured_cap: 1000 }
transactions:
  - { tick: 0, from: A, to: B, amount: 300, deadline: 5 }
  - { tick: 0, from: B, to: C, amount: 400, deadline: 5 }
  - { tick: 2, from: C, to: B, amount: 100, deadline: 5 }
  - { tick: 3, from: A, to: C, amount: 250, deadline: 5 }
";

fn scripted() -> ScenarioInput {
    ScenarioInput::from_text(SCRIPTED, "scripted", Path::new(".")).unwrap()
}

fn agent(
    payments: (u64, i128),
    settled: (u64, i128),
    unsettled: i128,
    (max_queue, queue_value_ticks): (i128, i128),
    bounds: (i128, i128),
    lowest_liquidity: i128,
    delay_value_sum: i128,
) -> AgentFigures {
    AgentFigures {
        payments: payments.0,
        payments_value: payments.1,
        settled: settled.0,
        settled_value: settled.1,
        unsettled_end_of_day: vec![unsettled],
        max_queue,
        queue_value_ticks,
        upper_bound: bounds.0,
        lower_bound: bounds.1,
        lowest_liquidity,
        delay_value_sum,
    }
}

/// Every figure of the scripted day, by hand:
///
/// - A sends 300 and 250 (550); 300 settles at once. Its 250 waits from tick 3:
///   queue 250 at the end of ticks 3 to 9 (7 x 250 = 1,750 value-ticks),
///   unsettled at the close 250. Its balance is 200 from tick 0 on.
///   Bounds: by arrival it owes 300 then 550 and receives nothing: upper 550,
///   lower 550. Delay: 300 x 0.
/// - B sends 400, which waits in Queue 2 from tick 0 (queue 400 at the end of
///   ticks 0 and 1: 800 value-ticks) and settles at tick 2: delay 400 x 2 = 800. Its balance ends tick 0 at 300 and tick 2 at 0:
///   lowest 0. Bounds: by arrival +300 (from A), -100 (its 400), then +0 (C's 100)
///   at tick 2: upper 100; the day ends at 0: lower 0.
/// - C sends 100, settled at once (delay 0). By arrival: +400, +300, +550: bounds
///   0 and 0. Its balance: 400 at tick 0, 700 from tick 2: lowest 400 + 1,000 of
///   credit = 1,400.
/// - The system: the queues total 400 at tick 0 (B) and 250 from tick 3 (A): max
///   400, 2,550 value-ticks; the balances always sum to 900, plus C's 1,000:
///   lowest 1,900.
#[test]
fn one_runs_figures_are_those_computed_by_hand() {
    let scenario = scripted().resolve().unwrap();
    let figures = measure(&scenario).unwrap();
    let expected = [
        agent((2, 550), (1, 300), 250, (250, 1_750), (550, 550), 200, 0),
        agent((1, 400), (1, 400), 0, (400, 800), (100, 0), 0, 800),
        agent((1, 100), (1, 100), 0, (0, 0), (0, 0), 1_400, 0),
    ];
    assert_eq!(figures.agents, expected);
    assert_eq!(
        figures.system,
        agent(
            (4, 1_050),
            (3, 800),
            250,
            (400, 2_550),
            (650, 550),
            1_900,
            800
        )
    );
}

/// Two days: an unsettled value per day, the first day's queue carried into the
/// second. A's 250 waits all of day 0; B pays A 300 on day 1 (tick 12), which
/// lets A pay at once: day 1 ends with nothing unsettled.
#[test]
fn unsettled_value_is_measured_at_the_end_of_each_day() {
    let text = "
simulation: { ticks_per_day: 10, num_days: 2, seed: 1 }
agents:
  - { id: A, opening_balance: 200 }
  - { id: B, opening_balance: 300 }
transactions:
  - { tick: 3, from: A, to: B, amount: 250, deadline: 15 }
  - { tick: 12, from: B, to: A, amount: 300, deadline: 15 }
";
    let scenario = ScenarioInput::from_text(text, "two days", Path::new("."))
        .unwrap()
        .resolve()
        .unwrap();
    let figures = measure(&scenario).unwrap();
    assert_eq!(figures.agents[0].unsettled_end_of_day, vec![250, 0]);
    assert_eq!(figures.agents[1].unsettled_end_of_day, vec![0, 0]);
    assert_eq!(figures.system.unsettled_end_of_day, vec![250, 0]);
    // A's 250 settles at tick 12, 9 ticks after it arrived.
    assert_eq!(figures.agents[0].delay_value_sum, 250 * 9);
}

/// Each bank out for the whole day (10 ticks from tick 0), by hand:
///
/// - A out: its 300 to B and 250 to C stay in its Queue 1. B, with nothing, cannot
///   pay its 400; C's 100 reaches B at tick 2, still short. The others (B, C) had
///   500 to pay and settled all of it in the benchmark, 100 now: fall 400 / 500 =
///   0.8; B's 400 is unsettled at the close (+400), and waits all 10 ticks (4,000
///   value-ticks against the benchmark's 800: the others' mean queue +320).
/// - B out: its 400 stays in its Queue 1; A's 300 and C's 100 to B settle as
///   before, A's 250 waits as before. The others (A, C) settle 400 of 650 either
///   way, and A's 250 waits as long: fall 0, unsettled +0, mean queue +0.
/// - C out: its 100 stays; B never has 400, so its payment waits to the close.
///   The others (A, B) settled 700 of 950 and now 300: fall 400 / 950; unsettled
///   250 (A's) then 650: +400; B's queue 4,000 value-ticks instead of 800:
///   +320 a tick.
///
/// The ranking: A, then C, then B. In C's outage, B's own figures: nothing
/// settled (share 0, delay none), its queue 400 all day; its balance stays 300
/// (it never pays), so its lowest position is 300 against the benchmark's 0: a
/// deterioration of -300 (better). C's lowest is its 400 + 1,000 throughout.
#[test]
fn outages_of_a_scripted_day_damage_the_others_as_computed_by_hand() {
    let input = scripted();
    let options = CaseOptions {
        outage: vec!["each".into()],
        outage_ticks: Some(10),
        ..CaseOptions::default()
    };
    let report = run(&input, options, 2);
    let ranked: Vec<(&str, f64, &serde_json::Value, &serde_json::Value)> = report["critical"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| {
            (
                c["agent"].as_str().unwrap(),
                c["others_settled_share_fall"].as_f64().unwrap(),
                &c["others_unsettled_increase_cents"],
                &c["others_mean_queue_increase_cents"],
            )
        })
        .collect();
    assert_eq!(
        ranked,
        [
            ("A", 400.0 / 500.0, &json!(400), &json!(320)),
            ("C", 400.0 / 950.0, &json!(400), &json!(320)),
            ("B", 0.0, &json!(0), &json!(0)),
        ]
    );
    let c_out = &report["cases"][2];
    assert_eq!(c_out["name"], json!("outage C"));
    let b = &c_out["participants"][1];
    assert_eq!(b["settled_value_cents"], json!(0));
    assert_eq!(b["settled_share_of_value"], json!(0.0));
    assert_eq!(b["value_weighted_delay_ticks"], json!(null));
    assert_eq!(b["max_queue_cents"], json!(400));
    assert_eq!(b["unsettled_end_of_day_cents"], json!([400]));
    assert_eq!(b["lowest_liquidity_cents"], json!(300));
    assert_eq!(
        b["against_benchmark"]["liquidity_deterioration_cents"],
        json!(-300)
    );
    assert_eq!(
        b["against_benchmark"]["settled_share_of_value"],
        json!(-1.0)
    );
    let c = &c_out["participants"][2];
    assert_eq!(c["unsettled_end_of_day_cents"], json!([100]));
    assert_eq!(c["lowest_liquidity_cents"], json!(1_400));
    // The bounds depend on what arrives, which an outage does not change.
    assert_eq!(
        c_out["system"]["against_benchmark"]["liquidity_upper_bound_cents"],
        json!(0)
    );
    // Only A's 300 to B settles.
    assert_eq!(c_out["system"]["settled_value_cents"], json!(300));
}

/// B disconnected for ticks 0 to 3 (`--disconnect`): nothing to or from it
/// settles. A's 300 to B waits in Queue 2, and A's 250 (tick 3) behind it; C's
/// 100 to B waits from tick 2; B's own 400 stays in its Queue 1. At tick 4 B is
/// back: A's 300 and C's 100 settle (B has 400), B releases and pays its 400;
/// A's 250 still cannot (A has 200). Delays: A's 300 and B's 400 4 ticks, C's
/// 100 2 ticks. Queues at the ends of ticks 0-9: A 300, 300, 300, 550, then 250
/// six times (2,950: a mean of 295); C 100 at ticks 2 and 3 (a mean of 20). The
/// others' (A, C) value-ticks, 3,150 against the benchmark's 1,750 (A's 250
/// from tick 3): +140 a tick. Everything that settled in the benchmark still
/// settles: no fall.
#[test]
fn a_disconnection_delays_what_is_computed_by_hand() {
    let input = scripted();
    let options = CaseOptions {
        outage: vec!["B".into()],
        outage_ticks: Some(4),
        disconnect: true,
        ..CaseOptions::default()
    };
    let report = run(&input, options, 1);
    let case = &report["cases"][0];
    assert_eq!(case["events"][0]["receive"], json!(false));
    let figures: Vec<(&serde_json::Value, &serde_json::Value, &serde_json::Value)> =
        case["participants"]
            .as_array()
            .unwrap()
            .iter()
            .map(|p| {
                (
                    &p["settled_value_cents"],
                    &p["mean_queue_cents"],
                    &p["value_weighted_delay_ticks"],
                )
            })
            .collect();
    assert_eq!(
        figures,
        [
            (&json!(300), &json!(295), &json!(4.0)),
            (&json!(400), &json!(160), &json!(4.0)),
            (&json!(100), &json!(20), &json!(2.0)),
        ]
    );
    assert_eq!(case["participants"][0]["max_queue_cents"], json!(550));
    let critical = &report["critical"][0];
    assert_eq!(critical["others_settled_share_fall"], json!(0.0));
    assert_eq!(critical["others_mean_queue_increase_cents"], json!(140));
}

/// A has no money, only 1,000 of collateral (no haircut), and pays B 600 at
/// tick 0: on credit in the benchmark. Collateral losing half its value leaves
/// A 500 of credit: the 600 waits all day. The system's lowest position (the
/// balances, 0 in all, plus A's credit) is 1,000 in the benchmark and 500 in
/// the case: a deterioration of 500. A's own is 400 (-600 + 1,000) against 500
/// (0 + 500): -100, it kept what it could not pay.
#[test]
fn a_collateral_shock_settles_what_is_computed_by_hand() {
    let text = "
simulation: { ticks_per_day: 5, num_days: 1, seed: 1 }
agents:
  - { id: A, opening_balance: 0, collateral_capacity: 1000, posted_collateral: 1000 }
  - { id: B, opening_balance: 0 }
transactions:
  - { tick: 0, from: A, to: B, amount: 600 }
";
    let input = ScenarioInput::from_text(text, "collateral", Path::new(".")).unwrap();
    let options = CaseOptions {
        collateral_shocks: vec!["0.5".into()],
        ..CaseOptions::default()
    };
    let report = run(&input, options, 1);
    let a_benchmark = &report["benchmark"]["participants"][0];
    assert_eq!(a_benchmark["settled_value_cents"], json!(600));
    assert_eq!(a_benchmark["lowest_liquidity_cents"], json!(400));
    let case = &report["cases"][0];
    assert_eq!(case["events"][0]["factor"], json!(0.5));
    let a = &case["participants"][0];
    assert_eq!(a["settled_value_cents"], json!(0));
    assert_eq!(a["unsettled_end_of_day_cents"], json!([600]));
    assert_eq!(a["mean_queue_cents"], json!(600));
    assert_eq!(a["lowest_liquidity_cents"], json!(500));
    assert_eq!(
        a["against_benchmark"]["liquidity_deterioration_cents"],
        json!(-100)
    );
    let system = &case["system"];
    assert_eq!(system["lowest_liquidity_cents"], json!(500));
    assert_eq!(
        system["against_benchmark"]["liquidity_deterioration_cents"],
        json!(500)
    );
    assert_eq!(
        system["against_benchmark"]["settled_share_of_value"],
        json!(-1.0)
    );
}

/// `A:0.5` withdraws 250 of A's 500 at tick 0, before anything arrives. A's 300
/// to B then waits, and its 250 to C waits behind it (first in, first out); B,
/// with nothing, cannot pay its 400; C's 100 to B settles at tick 2 and leaves B
/// at 100, still short; no set of queued payments is covered (A would owe 550
/// with 250, B 400 with 100). Only C's 100 settles: 100 of 1,050. A's balance
/// stays at 250, above the benchmark's 200 after paying B: deterioration -50.
#[test]
fn a_liquidity_shock_settles_what_is_computed_by_hand() {
    let input = scripted();
    let options = CaseOptions {
        liquidity_shocks: vec!["A:0.5".into()],
        ..CaseOptions::default()
    };
    let report = run(&input, options, 1);
    let case = &report["cases"][0];
    assert_eq!(case["events"][0]["amount"], json!(250));
    let settled: Vec<&serde_json::Value> = case["participants"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| &p["settled_value_cents"])
        .collect();
    assert_eq!(settled, [&json!(0), &json!(0), &json!(100)]);
    assert_eq!(
        case["system"]["settled_share_of_value"],
        json!(100.0 / 1_050.0)
    );
    assert_eq!(case["system"]["unsettled_end_of_day_cents"], json!([950]));
    let a = &case["participants"][0];
    assert_eq!(a["unsettled_end_of_day_cents"], json!([550]));
    assert_eq!(a["lowest_liquidity_cents"], json!(250));
    assert_eq!(
        a["against_benchmark"]["liquidity_deterioration_cents"],
        json!(-50)
    );
    assert!(report["critical"].as_array().unwrap().is_empty());
}

/// The table for people puts each figure under its heading: the scripted day's
/// benchmark row for A, by hand (see `one_runs_figures_are_those_computed_by_hand`):
/// 300 of 550 settled (54.55%), 1 of 2 payments, 250 unsettled at the close, a
/// mean queue of 1,750 / 10 ticks, a largest of 250, bounds 550 and 550, lowest
/// position 200, no delay.
#[test]
fn the_table_puts_each_figure_under_its_heading() {
    let input = scripted();
    let options = CaseOptions {
        outage: vec!["C".into()],
        ..CaseOptions::default()
    };
    let files = case_files(&input, &options).unwrap();
    let plan = StressPlan {
        samples: 1,
        threads: 1,
    };
    let table = stress(&input, &files, &plan).unwrap().to_table();
    let section: Vec<Vec<&str>> = table
        .split("benchmark, by participant:\n")
        .nth(1)
        .unwrap()
        .lines()
        .take(2)
        .map(|line| {
            line.split("  ")
                .map(str::trim)
                .filter(|c| !c.is_empty())
                .collect()
        })
        .collect();
    assert_eq!(
        section[0],
        [
            "participant",
            "settled value",
            "settled count",
            "unsettled by day",
            "mean queue",
            "max queue",
            "upper bound",
            "lower bound",
            "lowest liquidity",
            "delay"
        ]
    );
    assert_eq!(
        section[1],
        [
            "A", "54.55%", "50.00%", "250", "175", "250", "550", "550", "200", "0.00"
        ]
    );
}

fn fifty_banks() -> ScenarioInput {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../fixtures/stress_50_banks.yaml");
    ScenarioInput::from_path(&path).unwrap()
}

/// The benchmark and the cases `options` make, one sample each, as the JSON report.
fn run(input: &ScenarioInput, options: CaseOptions, threads: usize) -> serde_json::Value {
    let files = case_files(input, &options).unwrap();
    let plan = StressPlan {
        samples: 1,
        threads,
    };
    serde_json::to_value(stress(input, &files, &plan).unwrap()).unwrap()
}

/// The example's sweep (examples/stress/README.md): on the 50-bank day, which
/// runs on collateral, each further 10% of collateral value lost settles a
/// smaller share of the value and of the payments.
#[test]
fn the_collateral_sweep_settles_less_at_each_step() {
    let shocks: Vec<String> = (0..10).map(|tenth| format!("0.{tenth}")).collect();
    let report = run(
        &fifty_banks(),
        CaseOptions {
            collateral_shocks: shocks,
            ..CaseOptions::default()
        },
        0,
    );
    let shares = |key: &str| -> Vec<f64> {
        report["cases"]
            .as_array()
            .unwrap()
            .iter()
            .map(|c| c["system"][key].as_f64().unwrap())
            .collect()
    };
    let by_value = shares("settled_share_of_value");
    let by_count = shares("settled_share_of_count");
    assert_eq!(by_value.len(), 10);
    // A 0% shock is the benchmark itself.
    assert_eq!(
        Some(by_value[0]),
        report["benchmark"]["system"]["settled_share_of_value"].as_f64()
    );
    for step in by_value.windows(2).chain(by_count.windows(2)) {
        assert!(step[1] < step[0], "not falling: {by_value:?} {by_count:?}");
    }
}

/// The largest bank's outage does the others the most damage: against three
/// smaller banks' (the second largest, a middle one, the smallest), from the
/// afternoon to the close, BANK_000 ranks first.
#[test]
fn the_largest_banks_outage_ranks_first() {
    let report = run(
        &fifty_banks(),
        CaseOptions {
            outage: ["BANK_049", "BANK_025", "BANK_001", "BANK_000"]
                .map(String::from)
                .to_vec(),
            outage_at: Some(75),
            outage_ticks: Some(25),
            ..CaseOptions::default()
        },
        0,
    );
    let ranked: Vec<&str> = report["critical"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["agent"].as_str().unwrap())
        .collect();
    assert_eq!(ranked[0], "BANK_000");
    assert!(
        report["critical"][0]["others_settled_share_fall"]
            .as_f64()
            .unwrap()
            > 0.0
    );
}
