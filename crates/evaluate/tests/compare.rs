//! `compare` on scenarios whose answer is known by construction.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test helpers fail loudly

use rtgsim_evaluate::compare::CompareReport;
use rtgsim_evaluate::samples::{History, Mode, resampled};
use rtgsim_evaluate::{CompareOptions, Contest, Decision, Guardbands, compare, sample_seed};
use rtgsim_scenario::config::ScenarioInput;
use std::path::Path;

/// Three banks, each with more money than it will ever send: Fifo settles every
/// payment on arrival and costs nothing, so any policy that holds a payment for a
/// tick costs more.
const AMPLE: &str = "
simulation: { ticks_per_day: 60, num_days: 1, seed: 5 }
costs: { overdraft_bps_per_tick: 1, delay_cost_per_tick_bps: 10, deadline_penalty: 500, eod_penalty: 5000 }
agents:
  - id: A
    opening_balance: 100000000
    arrivals: { rate_per_tick: 0.8, amount: { distribution: uniform, min: 1000, max: 50000 }, deadline_ticks: [5, 20] }
  - id: B
    opening_balance: 100000000
    arrivals: { rate_per_tick: 0.8, amount: { distribution: uniform, min: 1000, max: 50000 }, deadline_ticks: [5, 20] }
  - id: C
    opening_balance: 100000000
    arrivals: { rate_per_tick: 0.8, amount: { distribution: uniform, min: 1000, max: 50000 }, deadline_ticks: [5, 20] }
";

/// Holds every payment (the buffer is never reached) until its deadline is near.
const HOARDER: &str = "{type: LiquidityAware, target_buffer: 1000000000000, urgency_threshold: 2}";

/// A pays out of credit only (no money, no incoming traffic): Fifo pays for the
/// overdraft; a policy that never releases pays nothing, because waiting and
/// missing deadlines are free here, but settles nothing.
const CREDIT_ONLY: &str = "
simulation: { ticks_per_day: 40, num_days: 1, seed: 9 }
costs: { overdraft_bps_per_tick: 100, delay_cost_per_tick_bps: 0, deadline_penalty: 0, eod_penalty: 0 }
agents:
  - id: A
    opening_balance: 0
    unsecured_cap: 100000000
    arrivals: { rate_per_tick: 1.0, amount: { distribution: fixed, value: 10000 }, deadline_ticks: [500, 600] }
  - id: B
    opening_balance: 0
";

/// Never releases: the buffer is never reached and no deadline is ever near.
const NEVER: &str = "{type: LiquidityAware, target_buffer: 1000000000000, urgency_threshold: 0}";

fn input(text: &str) -> ScenarioInput {
    ScenarioInput::from_text(text, "test scenario", Path::new("."))
        .unwrap_or_else(|e| panic!("{e}"))
}

fn options(mode: Mode, samples: u32) -> CompareOptions {
    CompareOptions {
        mode,
        samples,
        master_seed: 77,
        only_sample: None,
        guardbands: Guardbands::default(),
        resamples: 5000,
        threads: 2,
        hashes: true,
    }
}

fn run(
    text: &str,
    candidate: &str,
    incumbent: Option<&str>,
    options: &CompareOptions,
) -> CompareReport {
    let contest =
        Contest::new(&input(text), "A", candidate, incumbent).unwrap_or_else(|e| panic!("{e}"));
    compare(&contest, options).unwrap_or_else(|e| panic!("{e}"))
}

const MODES: [Mode; 3] = [Mode::Seeds, Mode::Bootstrap, Mode::Sandbox];

#[test]
fn a_candidate_better_by_construction_is_accepted_with_the_interval_below_zero() {
    for mode in MODES {
        let report = run(AMPLE, "Fifo", Some(HOARDER), &options(mode, 12));
        for sample in &report.samples {
            // Fifo with ample money: nothing waits, nothing costs.
            assert_eq!(sample.candidate.costs.total, 0, "{mode:?} {sample:?}");
            assert!(sample.incumbent.costs.total > 0, "{mode:?} {sample:?}");
            assert_eq!(sample.delta_cents, -sample.incumbent.costs.total);
        }
        let [_, high] = report.stats.ci95_cents.unwrap_or([f64::NAN; 2]);
        assert!(high < 0.0, "{mode:?}: {:?}", report.stats);
        assert_eq!(report.stats.better, 12);
        assert_eq!(
            report.verdict.decision,
            Decision::Accept,
            "{:?}",
            report.verdict
        );
        assert!(report.verdict.reasons.is_empty());
    }
}

#[test]
fn a_worse_candidate_is_rejected_with_every_reason() {
    let report = run(AMPLE, HOARDER, Some("Fifo"), &options(Mode::Seeds, 10));
    let mean = report
        .samples
        .iter()
        .map(|s| s.candidate.costs.total as f64)
        .sum::<f64>()
        / 10.0;
    let reasons = &report.verdict.reasons;
    assert_eq!(report.verdict.decision, Decision::Reject);
    assert_eq!(reasons.len(), 4, "{reasons:?}");
    assert!(
        reasons[0].starts_with("worse on average (mean cost delta +"),
        "{reasons:?}"
    );
    assert_eq!(
        reasons[1],
        "Pareto-dominated (better on no sample, worse on 10 of 10)"
    );
    // The incumbent costs nothing, so any cost breaks 1.2 x 0.
    assert_eq!(
        reasons[2],
        format!(
            "guardband cost {} > 1.2 x 0",
            rtgsim_evaluate::verdict::short(mean)
        )
    );
    // Holding to the deadline leaves payments unsettled at the end of the day.
    let rates: Vec<f64> = report
        .samples
        .iter()
        .filter_map(|s| s.candidate.settlement_rate)
        .collect();
    let rate = rates.iter().sum::<f64>() / rates.len() as f64;
    assert!(rate < 0.95);
    assert_eq!(
        reasons[3],
        format!(
            "guardband settlement_rate {} < 0.95 x 1",
            rtgsim_evaluate::verdict::short(rate)
        )
    );
    assert!(report.stats.pareto_dominated);
}

#[test]
fn a_cheaper_candidate_that_breaks_a_guardband_is_rejected_naming_it() {
    let report = run(CREDIT_ONLY, NEVER, Some("Fifo"), &options(Mode::Seeds, 8));
    for sample in &report.samples {
        assert_eq!(sample.candidate.costs.total, 0);
        assert_eq!(sample.candidate.settled, 0);
        assert_eq!(sample.incumbent.settlement_rate, Some(1.0));
        assert!(sample.incumbent.costs.overdraft > 0);
    }
    assert_eq!(report.stats.better, 8);
    assert_eq!(
        report.verdict.reasons,
        ["guardband settlement_rate 0 < 0.95 x 1"],
        "{:?}",
        report.guardband_checks
    );
    // Loosened to nothing, the same comparison is accepted.
    let loose = CompareOptions {
        guardbands: Guardbands {
            min_settlement_ratio: 0.0,
            ..Guardbands::default()
        },
        ..options(Mode::Seeds, 8)
    };
    assert_eq!(
        run(CREDIT_ONLY, NEVER, Some("Fifo"), &loose)
            .verdict
            .decision,
        Decision::Accept
    );
}

#[test]
fn identical_policies_differ_by_exactly_zero_on_every_sample() {
    let star = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../policies/03_liquidity_buffer.star"
    );
    for mode in MODES {
        let report = run(AMPLE, star, Some(star), &options(mode, 6));
        for sample in &report.samples {
            assert_eq!(sample.delta_cents, 0, "{mode:?}");
            assert_eq!(sample.incumbent, sample.candidate, "{mode:?}");
        }
        assert!(!report.stats.pareto_dominated);
        assert_eq!(report.stats.equal, 6);
    }
}

#[test]
fn one_sample_alone_gives_the_same_figures_as_a_plain_run_with_its_seed() {
    let full = run(AMPLE, "Fifo", Some(HOARDER), &options(Mode::Seeds, 5));
    let alone = run(
        AMPLE,
        "Fifo",
        Some(HOARDER),
        &CompareOptions {
            only_sample: Some(3),
            ..options(Mode::Seeds, 5)
        },
    );
    assert_eq!(alone.samples, [full.samples[3].clone()]);
    // And outside `compare`: the scenario run with the sample's seed.
    let mut scenario = input(AMPLE).resolve().unwrap_or_else(|e| panic!("{e}"));
    scenario.plan.seed = sample_seed(77, 3);
    assert_eq!(full.samples[3].seed, scenario.plan.seed);
    let summary =
        rtgsim_scenario::run(&scenario, None, &mut |_| {}).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(
        full.samples[3].candidate.event_log_hash,
        Some(summary.event_log_hash)
    );
    assert_eq!(full.samples[3].candidate.costs, summary.agents[0].costs);
    for mode in [Mode::Bootstrap, Mode::Sandbox] {
        let full = run(AMPLE, "Fifo", Some(HOARDER), &options(mode, 4));
        let alone = run(
            AMPLE,
            "Fifo",
            Some(HOARDER),
            &CompareOptions {
                only_sample: Some(2),
                ..options(mode, 4)
            },
        );
        assert_eq!(alone.samples, [full.samples[2].clone()], "{mode:?}");
    }
}

#[test]
fn the_thread_count_does_not_change_the_report() {
    for mode in MODES {
        let one = run(
            AMPLE,
            "Fifo",
            Some(HOARDER),
            &CompareOptions {
                threads: 1,
                ..options(mode, 9)
            },
        );
        let four = run(
            AMPLE,
            "Fifo",
            Some(HOARDER),
            &CompareOptions {
                threads: 4,
                ..options(mode, 9)
            },
        );
        assert_eq!(one, four, "{mode:?}");
    }
}

#[test]
fn known_incumbent_outcomes_give_the_same_report() {
    for mode in MODES {
        let contest = Contest::new(&input(AMPLE), "A", "Fifo", Some(HOARDER)).unwrap();
        let full = compare(&contest, &options(mode, 6)).unwrap();
        let known: Vec<_> = full.samples.iter().map(|s| s.incumbent.clone()).collect();
        let reused =
            rtgsim_evaluate::compare::compare_knowing(&contest, &options(mode, 6), Some(&known))
                .unwrap();
        assert_eq!(reused, full, "{mode:?}");
        let wrong =
            rtgsim_evaluate::compare::compare_knowing(&contest, &options(mode, 5), Some(&known));
        assert!(wrong.is_err());
    }
}

#[test]
fn hashing_the_logs_changes_no_figure() {
    for mode in MODES {
        let hashed = run(AMPLE, "Fifo", Some(HOARDER), &options(mode, 5));
        let mut plain = run(
            AMPLE,
            "Fifo",
            Some(HOARDER),
            &CompareOptions {
                hashes: false,
                ..options(mode, 5)
            },
        );
        for (sample, with_hash) in plain.samples.iter_mut().zip(&hashed.samples) {
            assert_eq!(sample.incumbent.event_log_hash, None);
            assert!(with_hash.incumbent.event_log_hash.is_some());
            sample
                .incumbent
                .event_log_hash
                .clone_from(&with_hash.incumbent.event_log_hash);
            sample
                .candidate
                .event_log_hash
                .clone_from(&with_hash.candidate.event_log_hash);
        }
        assert_eq!(plain, hashed, "{mode:?}");
    }
}

/// A resampled sample against its history, checked field by field: as many payments
/// each way, each one of the history's, incoming credited at arrival + delay, and
/// each passive sender starting with exactly what it pays.
#[test]
fn a_bootstrap_sample_is_drawn_from_the_history() {
    let contest = Contest::new(&input(AMPLE), "A", "Fifo", None).unwrap_or_else(|e| panic!("{e}"));
    let history = History::of_run(&contest.scenario, 0).unwrap_or_else(|e| panic!("{e}"));
    assert!(history.outgoing.len() > 20 && history.incoming.len() > 20);
    for mode in [Mode::Bootstrap, Mode::Sandbox] {
        let (sample, focal) = resampled(&contest.scenario, 0, &history, 1234, mode);
        let last_tick = sample.plan.total_ticks() as u32 - 1;
        let outgoing: Vec<_> = sample
            .plan
            .scripted
            .iter()
            .filter(|p| p.payment.sender.index() == focal)
            .collect();
        let incoming: Vec<_> = sample
            .plan
            .scripted
            .iter()
            .filter(|p| p.payment.receiver.index() == focal)
            .collect();
        assert_eq!(outgoing.len(), history.outgoing.len());
        assert!(incoming.len() <= history.incoming.len());
        for p in &outgoing {
            let found = history.outgoing.iter().any(|h| {
                h.amount == p.payment.amount
                    && h.priority == p.payment.priority
                    && (p.payment.deadline_tick == last_tick
                        || p.payment.deadline_tick - p.tick == h.deadline_offset_ticks)
                    && (mode == Mode::Sandbox || h.receiver == p.payment.receiver)
            });
            assert!(found, "{mode:?}: {p:?} is none of the history's");
        }
        for p in &incoming {
            assert!(
                history
                    .incoming
                    .iter()
                    .any(|h| h.amount == p.payment.amount),
                "{p:?}"
            );
            assert!(p.tick <= last_tick);
        }
        for (index, agent) in sample.plan.agents.iter().enumerate() {
            assert!(agent.arrivals.is_none());
            if index == focal {
                assert_eq!(agent.setup.opening_balance, 100_000_000);
                continue;
            }
            let pays: i64 = incoming
                .iter()
                .filter(|p| p.payment.sender.index() == index)
                .map(|p| p.payment.amount)
                .sum();
            assert_eq!(agent.setup.opening_balance, pays, "{mode:?} agent {index}");
        }
        let names = sample.plan.agent_names();
        match mode {
            Mode::Sandbox => assert_eq!(names, ["SOURCE", "A", "SINK"]),
            _ => assert_eq!(names, ["A", "B", "C"]),
        }
        assert!(
            sample
                .plan
                .scripted
                .windows(2)
                .all(|w| w[0].tick <= w[1].tick)
        );
        // Another seed, another draw; the same seed, the same draw.
        assert_ne!(
            resampled(&contest.scenario, 0, &history, 1235, mode)
                .0
                .plan
                .scripted,
            sample.plan.scripted
        );
        assert_eq!(
            resampled(&contest.scenario, 0, &history, 1234, mode).0,
            sample
        );
    }
}

#[test]
fn input_errors_name_the_input() {
    let error = |candidate: &str, agent: &str| {
        Contest::new(&input(AMPLE), agent, candidate, None)
            .err()
            .map(|e| e.to_string())
            .unwrap_or_default()
    };
    assert_eq!(
        error("Fifo", "AA"),
        "--agent AA: test scenario has no such agent (it has A, B, C); did you mean `A`?"
    );
    assert!(
        error("missing.star", "A").starts_with("--candidate missing.star: no such file"),
        "{}",
        error("missing.star", "A")
    );
    let unknown = error("{type: Fiffo}", "A");
    assert!(
        unknown.contains("Fiffo") && unknown.contains("--candidate"),
        "{unknown}"
    );
    let contest = Contest::new(&input(AMPLE), "A", "Fifo", None).unwrap_or_else(|e| panic!("{e}"));
    let zero = compare(&contest, &options(Mode::Seeds, 0))
        .err()
        .map(|e| e.to_string());
    assert_eq!(zero.as_deref(), Some("--samples must be at least 1"));
    let beyond = compare(
        &contest,
        &CompareOptions {
            only_sample: Some(5),
            ..options(Mode::Seeds, 5)
        },
    )
    .err()
    .map(|e| e.to_string());
    assert_eq!(
        beyond.as_deref(),
        Some("--sample 5: the samples are 0 to 4")
    );
}

/// The history read from the context run's final state, against the same run's
/// event log read line by line: what A sent (its arrivals) and what it received
/// and saw settled, with the delay from arrival to settlement. Uses a scarce
/// scenario so that payments wait in queues and settle through the LSM as well.
#[test]
fn the_history_matches_the_event_log() {
    const SCARCE: &str = "
simulation: { ticks_per_day: 80, num_days: 1, seed: 3 }
agents:
  - id: A
    opening_balance: 30000
    arrivals: { rate_per_tick: 0.7, amount: { distribution: uniform, min: 1000, max: 20000 }, deadline_ticks: [5, 30] }
  - id: B
    opening_balance: 30000
    arrivals: { rate_per_tick: 0.7, amount: { distribution: uniform, min: 1000, max: 20000 }, deadline_ticks: [5, 30] }
  - id: C
    opening_balance: 30000
    arrivals: { rate_per_tick: 0.7, amount: { distribution: uniform, min: 1000, max: 20000 }, deadline_ticks: [5, 30] }
";
    let contest = Contest::new(&input(SCARCE), "A", "Fifo", None).unwrap();
    let history = History::of_run(&contest.scenario, 0).unwrap();
    let mut log = Vec::new();
    rtgsim_scenario::run(&contest.scenario, Some(&mut log), &mut |_| {}).unwrap();
    let mut arrivals = std::collections::BTreeMap::new();
    let mut sent = Vec::new();
    let mut received = Vec::new();
    let mut lsm = 0;
    for line in String::from_utf8(log).unwrap().lines() {
        let event: serde_json::Value = serde_json::from_str(line).unwrap();
        let tick = event["tick"].as_u64().unwrap();
        match event["kind"].as_str().unwrap() {
            "arrival" => {
                let tx = event["tx"].as_u64().unwrap();
                let amount = event["amount"].as_i64().unwrap();
                arrivals.insert(tx, (event["to"].clone(), tick, amount));
                if event["from"] == "A" {
                    let deadline = event["deadline"].as_u64().unwrap();
                    sent.push((tick, event["amount"].as_i64().unwrap(), deadline - tick));
                }
            }
            "settled" if event["to"] == "A" => {
                let (_, arrived, _) = arrivals[&event["tx"].as_u64().unwrap()];
                received.push((event["amount"].as_i64().unwrap(), tick - arrived));
            }
            "lsm_settled" => {
                // A set settles each of its payments in full.
                for tx in event["txs"].as_array().unwrap() {
                    let (to, arrived, amount) = arrivals[&tx.as_u64().unwrap()].clone();
                    if to == "A" {
                        received.push((amount, tick - arrived));
                        lsm += 1;
                    }
                }
            }
            _ => {}
        }
    }
    assert!(
        lsm > 0,
        "the scenario should settle some of A's income through the LSM"
    );
    let mut from_state: Vec<_> = history
        .outgoing
        .iter()
        .map(|o| {
            (
                u64::from(o.arrival_tick),
                o.amount,
                u64::from(o.deadline_offset_ticks),
            )
        })
        .collect();
    from_state.sort();
    sent.sort();
    assert_eq!(from_state, sent);
    let mut income: Vec<_> = history
        .incoming
        .iter()
        .map(|i| (i.amount, u64::from(i.settle_delay_ticks)))
        .collect();
    income.sort();
    received.sort();
    assert_eq!(income, received);
}
