//! `rtgsim game` end to end through the real binary, on small scenarios whose
//! costs are worked out by hand below.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test helpers fail loudly

#[path = "support/binary.rs"]
mod binary;

use binary::{rtgsim, text};
use serde_json::{Value as Json, json};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};

/// Two banks, A and B, each owing the other 100,000 at tick 0, with no money and no
/// credit but what collateral they post; no LSM, so a payment settles only if its
/// sender can cover it. Each decides how much collateral to post for the day:
/// 0, 50,000 or 100,000. The day has 4 ticks; delay costs 250 bps a tick on what
/// waits (2,500 a tick on 100,000); collateral costs RATE bps a tick on what is
/// posted.
///
/// If either bank posts 100,000, its payment settles at tick 0 on credit, which
/// gives the other bank the 100,000 to pay back at once: both settle, no delay.
/// 50,000 covers nothing. Otherwise both payments wait all day: 4 x 2,500 =
/// 10,000 each. So a bank's cost is its collateral cost, 4 x RATE bps x posted,
/// plus 10,000 if neither bank posted 100,000.
const TWO_BANKS: &str = "\
simulation: { ticks_per_day: 4, num_days: 1, seed: 7 }
settlement: { lsm: [] }
costs: { delay_cost_per_tick_bps: 250, collateral_bps_per_tick: RATE }
agents:
  - { id: A, opening_balance: 0, collateral_capacity: 100000, posted_collateral: 0 }
  - { id: B, opening_balance: 0, collateral_capacity: 100000, posted_collateral: 0 }
transactions:
  - { tick: 0, from: A, to: B, amount: 100000 }
  - { tick: 0, from: B, to: A, amount: 100000 }
";

/// The two-bank scenario with collateral at `rate_bps` a tick, written to a file.
fn two_banks(rate_bps: u32) -> PathBuf {
    scenario_file(&TWO_BANKS.replace("RATE", &rate_bps.to_string()))
}

/// `text` in a file of its own (tests run in parallel: none writes another's).
fn scenario_file(text: &str) -> PathBuf {
    static NEXT: AtomicUsize = AtomicUsize::new(0);
    let dir = std::env::temp_dir().join(format!("rtgsim-game-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join(format!(
        "scenario_{}.yaml",
        NEXT.fetch_add(1, Ordering::Relaxed)
    ));
    std::fs::write(&path, text).unwrap();
    path
}

const COLLATERAL: &str = "agents[*].posted_collateral";

/// Runs `rtgsim game` with `--json`; the document, after checking the exit code.
fn game_json(scenario: &Path, args: &[&str]) -> Json {
    let path = scenario.display().to_string();
    let mut all = vec!["game", path.as_str(), "--json"];
    all.extend_from_slice(args);
    let out = rtgsim(&all);
    assert_eq!(out.status.code(), Some(0), "stderr: {}", text(&out.stderr));
    serde_json::from_slice(&out.stdout).unwrap()
}

/// Each profile of a list as `[[A's values], [B's values]]`.
fn choices(profiles: &Json) -> Vec<Json> {
    profiles
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["choices"].clone())
        .collect()
}

fn costs(profiles: &Json) -> Vec<Json> {
    profiles
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["costs_cents"].clone())
        .collect()
}

#[test]
fn dear_collateral_a_free_rider_game_one_equilibrium_and_a_cheaper_planner() {
    // At 300 bps a tick, posting 100,000 costs 4 x 3,000 = 12,000, more than the
    // 10,000 of waiting: posting nothing is best whatever the other does, so the
    // only equilibrium is (0, 0) at 10,000 each. The planner has one bank post
    // 100,000: 12,000 in total against 20,000, either bank (a tie).
    let report = game_json(
        &two_banks(300),
        &["--decide", COLLATERAL, "--grid", "0:100000:50000"],
    );
    assert_eq!(report["format"], "rtgsim-game/1");
    assert_eq!(report["method"], "exhaustive");
    assert_eq!(report["exhaustive"], true);
    assert_eq!(
        (report["profiles"].clone(), report["evaluated"].clone()),
        (json!(9), json!(9))
    );
    assert_eq!(choices(&report["equilibria"]), vec![json!([[0], [0]])]);
    assert_eq!(costs(&report["equilibria"]), vec![json!([10000, 10000])]);
    assert_eq!(report["equilibria"][0]["total_cents"], 20000);
    assert_eq!(report["planner"]["total_cents"], 12000);
    assert_eq!(
        choices(&report["planner"]["optima"]),
        vec![json!([[0], [100000]]), json!([[100000], [0]])]
    );
    assert_eq!(
        costs(&report["planner"]["optima"]),
        vec![json!([0, 12000]), json!([12000, 0])]
    );
    assert_eq!(
        report["welfare_gap"],
        json!({"best_cents": 8000, "worst_cents": 8000})
    );
    // A's best response to each of B's values is 0: it pays 10,000 (B posts 0 or
    // 50,000) or nothing (B posts 100,000).
    let curve = &report["best_responses"][0];
    assert_eq!(
        (curve["agent"].clone(), curve["against"].clone()),
        (json!("A"), json!(["B"]))
    );
    let points: Vec<(Json, Json, Json)> = curve["points"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| {
            (
                p["others"].clone(),
                p["best"].clone(),
                p["cost_cents"].clone(),
            )
        })
        .collect();
    assert_eq!(
        points,
        vec![
            (json!([[0]]), json!([[0]]), json!(10000)),
            (json!([[50000]]), json!([[0]]), json!(10000)),
            (json!([[100000]]), json!([[0]]), json!(0)),
        ]
    );
}

#[test]
fn cheap_collateral_a_game_of_chicken_two_equilibria_and_turning_best_responses() {
    // At 200 bps a tick, posting 100,000 costs 8,000, less than 10,000 of waiting,
    // and 50,000 costs 4,000 for nothing. A bank's best response is to post
    // 100,000 if the other does not, and nothing if it does: two equilibria, one
    // bank posting, 8,000 in total, which is also the planner's optimum.
    let report = game_json(
        &two_banks(200),
        &["--decide", COLLATERAL, "--grid", "0:100000:50000"],
    );
    let both = vec![json!([[0], [100000]]), json!([[100000], [0]])];
    assert_eq!(choices(&report["equilibria"]), both);
    assert_eq!(
        costs(&report["equilibria"]),
        vec![json!([0, 8000]), json!([8000, 0])]
    );
    assert_eq!(choices(&report["planner"]["optima"]), both);
    assert_eq!(
        report["welfare_gap"],
        json!({"best_cents": 0, "worst_cents": 0})
    );
    let curve = &report["best_responses"][1];
    assert_eq!(curve["agent"], "B");
    let best: Vec<Json> = curve["points"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| json!([p["others"], p["best"], p["cost_cents"]]))
        .collect();
    assert_eq!(
        best,
        vec![
            json!([[[0]], [[100000]], 8000]),
            json!([[[50000]], [[100000]], 8000]),
            json!([[[100000]], [[0]], 0]),
        ]
    );
}

#[test]
fn iterated_best_response_from_the_scenarios_values_reaches_an_equilibrium() {
    // Fewer profiles allowed than the 9: iterated best response from the
    // scenario's own values, (0, 0). A moves to 100,000 (8,000 against 10,000),
    // B stays at 0 (it pays nothing), A stays: a fixed point after 3 turns.
    let report = game_json(
        &two_banks(200),
        &[
            "--decide",
            COLLATERAL,
            "--grid",
            "0:100000:50000",
            "--max-profiles",
            "8",
        ],
    );
    assert_eq!(report["method"], "iterated_best_response");
    assert_eq!(report["exhaustive"], false);
    let path = &report["iterations"][0];
    assert_eq!(path["start"], json!([[0], [0]]));
    assert_eq!(path["ending"], "fixed_point");
    assert_eq!(path["equilibrium"], json!([[100000], [0]]));
    let turns: Vec<Json> = path["turns"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| json!([t["agent"], t["from"], t["to"], t["cost_cents"]]))
        .collect();
    assert_eq!(
        turns,
        vec![
            json!(["A", [0], [100000], 8000]),
            json!(["B", [0], [0], 0]),
            json!(["A", [100000], [100000], 8000]),
        ]
    );
    assert_eq!(choices(&report["equilibria"]), vec![json!([[100000], [0]])]);
    // Evaluated: A's three deviations from (0, 0), then B's from (100000, 0)
    // (one of them already known): 5 profiles. The best of them is the estimate.
    assert_eq!(report["evaluated"], 5);
    assert_eq!(report["planner"]["total_cents"], 8000);
    // Extra starts are deterministic: the same document twice.
    let with_starts = [
        "--decide",
        COLLATERAL,
        "--grid",
        "0:100000:50000",
        "--max-profiles",
        "8",
        "--starts",
        "3",
    ];
    let scenario = two_banks(200);
    let report = game_json(&scenario, &with_starts);
    assert_eq!(report, game_json(&scenario, &with_starts));
    // From any start, the first mover that faces a bank posting nothing posts
    // 100,000 and the other then posts nothing: every path ends at one of the two
    // equilibria.
    let paths = report["iterations"].as_array().unwrap();
    assert_eq!(paths.len(), 4);
    for path in paths {
        assert_eq!(path["ending"], "fixed_point", "{path}");
        assert!(
            [json!([[0], [100000]]), json!([[100000], [0]])].contains(&path["equilibrium"]),
            "{path}"
        );
    }
}

#[test]
fn two_decisions_per_agent_and_equilibria_kept_by_ties() {
    // Each bank chooses its collateral (0 or 100,000) and its haircut (0 or 1; with
    // 1 the collateral gives no credit but still costs). Collateral at 300 bps:
    // posting nothing is best whatever the other does, and with nothing posted the
    // haircut does not matter: the four profiles where neither posts are all
    // equilibria (an indifferent bank keeps its strategy), at 20,000. The planner
    // has one bank post with haircut 0 (the other's haircut free): 4 profiles at
    // 12,000.
    let report = game_json(
        &two_banks(300),
        &[
            "--decide",
            COLLATERAL,
            "--decide",
            "agents[*].collateral_haircut",
            "--grid",
            "0:100000:100000",
            "--grid",
            "0:1:1",
        ],
    );
    assert_eq!(report["profiles"], 16);
    assert_eq!(
        choices(&report["equilibria"]),
        vec![
            json!([[0, 0], [0, 0]]),
            json!([[0, 0], [0, 1]]),
            json!([[0, 1], [0, 0]]),
            json!([[0, 1], [0, 1]]),
        ]
    );
    assert_eq!(
        choices(&report["planner"]["optima"]),
        vec![
            json!([[0, 0], [100000, 0]]),
            json!([[0, 1], [100000, 0]]),
            json!([[100000, 0], [0, 0]]),
            json!([[100000, 0], [0, 1]]),
        ]
    );
}

#[test]
fn samples_average_the_same_seeds_for_every_profile() {
    // Scripted payments: every seed gives the same costs, so the means are the
    // single run's and the sums twice them.
    let report = game_json(
        &two_banks(300),
        &[
            "--decide",
            COLLATERAL,
            "--grid",
            "0:100000:50000",
            "--samples",
            "2",
            "--seed",
            "11",
        ],
    );
    assert_eq!(report["samples"], 2);
    assert_eq!(report["seed"], 11);
    assert_eq!(report["seeds"].as_array().unwrap().len(), 2);
    assert_eq!(costs(&report["equilibria"]), vec![json!([10000, 10000])]);
    assert_eq!(
        report["equilibria"][0]["cost_sums_cents"],
        json!([20000, 20000])
    );
}

/// Three banks with random traffic and LiquidityAware policies: stochastic costs.
const RANDOM_TRAFFIC: &str = "\
simulation: { ticks_per_day: 20, num_days: 1, seed: 3 }
costs: { overdraft_bps_per_tick: 10, delay_cost_per_tick_bps: 5, deadline_penalty: 1000, eod_penalty: 10000 }
agents:
  - id: A
    opening_balance: 200000
    unsecured_cap: 500000
    policy: { type: LiquidityAware, target_buffer: 100000 }
    arrivals: { rate_per_tick: 1.0, amount: { distribution: log_normal, median: 20000, sigma: 0.8 }, deadline_ticks: [3, 10] }
  - id: B
    opening_balance: 200000
    unsecured_cap: 500000
    policy: { type: LiquidityAware, target_buffer: 100000 }
    arrivals: { rate_per_tick: 1.0, amount: { distribution: log_normal, median: 20000, sigma: 0.8 }, deadline_ticks: [3, 10] }
  - id: C
    opening_balance: 200000
    arrivals: { rate_per_tick: 1.0, amount: { distribution: log_normal, median: 20000, sigma: 0.8 }, deadline_ticks: [3, 10] }
";

#[test]
fn the_report_does_not_depend_on_the_number_of_threads() {
    let path = scenario_file(RANDOM_TRAFFIC).display().to_string();
    let run = |threads: &str, extra: &[&str]| {
        let mut args = vec![
            "game",
            path.as_str(),
            "--decide",
            "agents[*].policy.target_buffer",
            "--agents",
            "A,B",
            "--grid",
            "0:300000:100000",
            "--samples",
            "3",
            "--threads",
            threads,
        ];
        args.extend_from_slice(extra);
        let out = rtgsim(&args);
        assert_eq!(out.status.code(), Some(0), "stderr: {}", text(&out.stderr));
        out.stdout
    };
    for extra in [
        &["--json"][..],
        &[],
        &["--json", "--max-profiles", "5", "--starts", "2"],
    ] {
        assert_eq!(run("1", extra), run("2", extra), "{extra:?}");
    }
    // Agent C decides nothing: only A and B play.
    let report: Json = serde_json::from_slice(&run("2", &["--json"])).unwrap();
    let agents: Vec<&Json> = report["agents"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| &a["agent"])
        .collect();
    assert_eq!(agents, [&json!("A"), &json!("B")]);
    assert_eq!(report["profiles"], 16);
}

#[test]
fn bad_input_exits_two_naming_it() {
    let scenario = two_banks(300).display().to_string();
    let cases: &[(&[&str], &str)] = &[
        (
            &["--decide", COLLATERAL, "--grid", "0:1:0.3"],
            "--grid 0:1:0.3: HI - LO (1) is not a whole number of steps of 0.3",
        ),
        (
            &["--decide", COLLATERAL, "--grid", "0:x:1"],
            "--grid 0:x:1: HI \"x\" is not a decimal number",
        ),
        (
            &["--decide", "posted_collateral", "--grid", "0:1:1"],
            "--decide posted_collateral: a decision belongs to an agent",
        ),
        (
            &["--decide", "agents[C].posted_collateral", "--grid", "0:1:1"],
            "--decide agents[C].posted_collateral: no agent \"C\"",
        ),
        // A value the scenario refuses names the path and the value.
        (
            &["--decide", COLLATERAL, "--grid", "0:200000:100000"],
            "agents[0].posted_collateral=200000: agents[0].posted_collateral: 200000 exceeds collateral_capacity 100000",
        ),
        (
            &["--decide", "agents[0].posted_colateral", "--grid", "0:1:1"],
            "--decide agents[0].posted_colateral=0: the scenario does not take this value here: unknown field `posted_colateral`",
        ),
        (
            &[
                "--decide",
                "agents[0].policy.target_buffer",
                "--grid",
                "0:1:1",
            ],
            "--decide agents[0].policy.target_buffer: no \"policy\" here",
        ),
        (
            &[
                "--decide",
                COLLATERAL,
                "--decide",
                "agents[*].collateral_haircut",
                "--grid",
                "0:1:1",
                "--grid",
                "0:1:1",
                "--grid",
                "0:1:1",
            ],
            "2 --decide and 3 --grid",
        ),
        (
            &["--decide", COLLATERAL, "--grid", "0:1:1", "--samples", "0"],
            "--samples must be at least 1",
        ),
        (&["--decide", COLLATERAL], "--grid"),
    ];
    for (args, says) in cases {
        let mut all = vec!["game", scenario.as_str()];
        all.extend_from_slice(args);
        let out = rtgsim(&all);
        let stderr = text(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {stderr}");
        assert!(stderr.contains(says), "{args:?}: {stderr}");
        assert!(out.stdout.is_empty(), "{args:?}");
    }
}

#[test]
fn the_table_names_the_equilibrium_the_planner_and_the_gap() {
    let scenario = two_banks(300).display().to_string();
    let out = rtgsim(&[
        "game",
        &scenario,
        "--decide",
        COLLATERAL,
        "--grid",
        "0:100000:50000",
    ]);
    assert_eq!(out.status.code(), Some(0), "stderr: {}", text(&out.stderr));
    let table = text(&out.stdout);
    for line in [
        "pure Nash equilibria: 1",
        "A=0  B=0  costs 10000, 10000  total 20000",
        "planner's optimum: total 12000, 2 profiles",
        "best equilibrium 8000, worst 8000",
        "best responses of A to B:",
    ] {
        assert!(table.contains(line), "{line:?} missing from:\n{table}");
    }
}
