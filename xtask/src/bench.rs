//! Throughput benchmarks of whole runs, printed as JSON lines:
//! `{scenario, agents, ticks, payments, events, wall_seconds, ticks_per_second,
//! payments_per_second, settlement_rate}`.
//!
//! The scenarios are built in code so their size is explicit:
//! * `ten_banks_1000_ticks`: 10 banks with mixed built-in policies, 1,000 ticks;
//! * `ten_banks_liquidity_aware` / `ten_banks_starlark`: 10 banks, 1,000 ticks,
//!   every bank on the built-in LiquidityAware policy, or on its Starlark port
//!   (`policies/builtin/liquidity_aware.star`), which decides the same: the
//!   difference is what running a policy in Starlark costs;
//! * `large_day_1000_banks`: 1,000 banks with FIFO policies and about 400,000
//!   payments in one day of 100 ticks (the daily volume of the euro area's RTGS),
//!   bank sizes, payment rates and counterparty weights spread unevenly as in real
//!   systems (a few large banks, many small ones);
//! * `large_day_scarce_lsm` / `large_day_scarce_gross`: the same day with a
//!   hundredth of the liquidity and no credit, with the default LSM (bilateral then
//!   multilateral) and without any;
//! * `t2_peak_day_{fifo,liquidity_aware,tree,starlark}`: T2's record day (about
//!   661,000 payments from 1,000 banks in 100 ticks, ample liquidity), every bank on
//!   FIFO, the built-in LiquidityAware, its decision tree
//!   (`policies/builtin/liquidity_aware.json`) or its Starlark port: what each
//!   policy language costs at scale;
//! * `ten_thousand_banks_scarce`: 10,000 banks, about 1,000,000 payments, scarce
//!   liquidity, receivers uniform.

use rtgsim_core::arrivals::{
    AmountDistribution, ArrivalBand, ArrivalSpec, Counterparties, PriorityDistribution,
};
use rtgsim_core::{AgentId, AgentSetup, CostRates, QueueOrder, Rate};
use rtgsim_engine::{AgentPlan, Plan};
use rtgsim_scenario::{PolicySpec, Scenario};
use rtgsim_settlement::SettlementConfig;
use std::time::Instant;

/// Builds a benchmark scenario.
type Builder = fn() -> Scenario;

const SCENARIOS: &[(&str, Builder)] = &[
    ("ten_banks_1000_ticks", ten_banks),
    ("ten_banks_liquidity_aware", || {
        uniform_ten_banks(PolicySpec::LiquidityAware {
            target_buffer: 100_000,
            urgency_threshold: 5,
        })
    }),
    ("ten_banks_starlark", || {
        uniform_ten_banks(starlark_liquidity_aware())
    }),
    ("large_day_1000_banks", large_day),
    ("large_day_governed", governed_day),
    ("large_day_scarce_lsm", || {
        scarce_day(SettlementConfig::default())
    }),
    ("large_day_scarce_gross", || {
        scarce_day(SettlementConfig::gross_only())
    }),
    ("t2_peak_day_fifo", || t2_peak_day(PolicySpec::Fifo)),
    ("t2_peak_day_liquidity_aware", || {
        t2_peak_day(PolicySpec::LiquidityAware {
            target_buffer: 100_000,
            urgency_threshold: 5,
        })
    }),
    ("t2_peak_day_tree", || t2_peak_day(tree_liquidity_aware())),
    ("t2_peak_day_starlark", || {
        t2_peak_day(starlark_liquidity_aware())
    }),
    ("ten_thousand_banks_scarce", ten_thousand_banks),
];

pub fn run(only: Option<&str>) -> Result<(), String> {
    for &(name, build) in SCENARIOS {
        if only.is_some_and(|filter| !name.contains(filter)) {
            continue;
        }
        let scenario = build();
        let started = Instant::now();
        let summary =
            rtgsim_scenario::run(&scenario, None, &mut |_| {}).map_err(|e| e.to_string())?;
        let seconds = started.elapsed().as_secs_f64();
        let line = BenchLine {
            scenario: name,
            agents: scenario.plan.agents.len(),
            ticks: summary.ticks,
            payments: summary.totals.payments,
            events: summary.events,
            wall_seconds: round3(seconds),
            ticks_per_second: round3(summary.ticks as f64 / seconds),
            payments_per_second: round3(summary.totals.payments as f64 / seconds),
            settlement_rate: summary.totals.settlement_rate,
            settled_value: summary.totals.settled_value,
            lsm: summary.lsm.clone(),
        };
        println!(
            "{}",
            serde_json::to_string(&line).map_err(|e| e.to_string())?
        );
    }
    Ok(())
}

/// One benchmark result; the key order is the documented one.
#[derive(serde::Serialize)]
struct BenchLine<'a> {
    scenario: &'a str,
    agents: usize,
    ticks: u64,
    payments: u64,
    events: u64,
    wall_seconds: f64,
    ticks_per_second: f64,
    payments_per_second: f64,
    settlement_rate: Option<f64>,
    settled_value: i128,
    /// What each liquidity-saving algorithm settled.
    lsm: Vec<rtgsim_report::summary::LsmSummary>,
}

fn round3(x: f64) -> f64 {
    (x * 1000.0).round() / 1000.0
}

fn costs() -> CostRates {
    CostRates {
        overdraft: Rate::from_bps(1.0).unwrap_or(Rate::ZERO),
        delay: Rate::from_bps(0.5).unwrap_or(Rate::ZERO),
        collateral: Rate::ZERO,
        deadline_penalty: 5_000,
        eod_penalty: 50_000,
        split_friction: 100,
        ..CostRates::default()
    }
}

fn ten_banks() -> Scenario {
    let n = 10;
    let (agents, policies) = (0..n)
        .map(|i| {
            let policy = match i % 4 {
                0 => PolicySpec::Fifo,
                1 => PolicySpec::Deadline {
                    urgency_threshold: 5,
                },
                2 => PolicySpec::LiquidityAware {
                    target_buffer: 200_000,
                    urgency_threshold: 5,
                },
                _ => PolicySpec::LiquiditySplitting { max_parts: 4 },
            };
            let mut setup = AgentSetup::new(format!("BANK_{i:02}"), 1_500_000);
            setup.unsecured_cap = 300_000;
            let agent = AgentPlan {
                setup,
                arrivals: Some(ArrivalSpec::single(
                    ArrivalBand {
                        rate_per_tick: 0.5,
                        amount: AmountDistribution::LogNormal {
                            median: 50_000,
                            sigma: 1.0,
                        },
                        deadline_ticks: (10, 50),
                        priority: PriorityDistribution::Range { min: 0, max: 10 },
                        divisible_share: 0.5,
                    },
                    others(i, n, |_| 1.0),
                )),
            };
            (agent, policy)
        })
        .unzip();
    Scenario {
        plan: Plan {
            ticks_per_day: 1_000,
            num_days: 1,
            seed: 1,
            queue_order: QueueOrder::Fifo,
            settlement: SettlementConfig::default(),
            costs: costs(),
            agents,
            scripted: Vec::new(),
            governance: None,
            shocks: Vec::new(),
        },
        policies,
        guardbands: Vec::new(),
        // Built in code: no scenario file to fingerprint.
        inputs_sha256: String::new(),
    }
}

/// The Starlark port of the built-in LiquidityAware policy, compiled into this tool so
/// the benchmark runs from anywhere.
fn starlark_liquidity_aware() -> PolicySpec {
    const SOURCE: &str = include_str!("../../policies/builtin/liquidity_aware.star");
    match rtgsim_policy_starlark::Script::load("liquidity_aware.star", SOURCE) {
        Ok(script) => PolicySpec::Starlark {
            script: std::sync::Arc::new(script),
            limits: rtgsim_policy_starlark::Limits::default(),
        },
        // The script is part of this repository and tested; this cannot happen.
        Err(e) => unreachable!("policies/builtin/liquidity_aware.star: {e}"),
    }
}

/// The ten-bank scenario with one policy for every bank.
fn uniform_ten_banks(policy: PolicySpec) -> Scenario {
    let mut scenario = ten_banks();
    for agent_policy in &mut scenario.policies {
        *agent_policy = policy.clone();
    }
    scenario
}

fn large_day() -> Scenario {
    big_day(2.0e11, 5.0e10, SettlementConfig::default())
}

/// The large day with the release gate on every bank: a per-tick budget and a
/// multilateral limit, generous enough that most releases pass, so the figure is
/// the cost of judging every release (and auditing the few that are held).
fn governed_day() -> Scenario {
    use rtgsim_governance::gate::config::{BudgetLimits, GovernanceConfig, RiskLimits};
    let mut scenario = large_day();
    let names = scenario.plan.agent_names();
    let mut config = GovernanceConfig::default();
    for name in &names {
        config.budgets.insert(
            name.clone(),
            BudgetLimits {
                per_tick: Some(5_000_000_000),
                per_day: None,
            },
        );
        config.limits.insert(
            name.clone(),
            RiskLimits {
                bilateral: Default::default(),
                multilateral: Some(20_000_000_000),
            },
        );
    }
    let refs: Vec<&str> = names.iter().map(String::as_str).collect();
    scenario.plan.governance =
        config
            .resolve(&refs)
            .ok()
            .map(|limits| rtgsim_governance::governor::GovernancePlan {
                limits,
                events: Vec::new(),
                rights: Vec::new(),
                genesis: rtgsim_governance::audit::GENESIS_HASH.to_string(),
            });
    scenario
}

/// The large day with a hundredth of the liquidity and no credit: most payments
/// queue, and what settles depends on the liquidity-saving mechanism.
fn scarce_day(settlement: SettlementConfig) -> Scenario {
    big_day(2.0e9, 0.0, settlement)
}

/// 1,000 banks and about 400,000 payments in a day of 100 ticks; `balances` and
/// `credit` are spread over the banks in proportion to their size.
fn big_day(balances: f64, credit: f64, settlement: SettlementConfig) -> Scenario {
    zipf_day(
        DaySize {
            banks: 1_000,
            payments: 400_000.0,
            weighted_receivers: true,
        },
        balances,
        credit,
        settlement,
    )
}

/// How big a benchmark day is.
struct DaySize {
    banks: usize,
    /// Payments expected in the day.
    payments: f64,
    /// Receivers drawn in proportion to their size (a list of every other bank per
    /// bank), or uniformly (`AllOthers`: no list, for 10,000 banks).
    weighted_receivers: bool,
}

/// Banks of Zipf-like sizes (bank i weighs 1 / (i + 1)^0.8) sending `size.payments`
/// in a day of 100 ticks; `balances` and `credit` are spread over the banks in
/// proportion to their size, over a floor of 50,000.00 each.
fn zipf_day(size: DaySize, balances: f64, credit: f64, settlement: SettlementConfig) -> Scenario {
    let n = size.banks;
    let ticks = 100;
    let weight: Vec<f64> = (0..n).map(|i| 1.0 / ((i + 1) as f64).powf(0.8)).collect();
    let total: f64 = weight.iter().sum();
    let agents = (0..n)
        .map(|i| {
            let share = weight[i] / total;
            let mut setup =
                AgentSetup::new(format!("B{i:04}"), (share * balances) as i64 + 5_000_000);
            setup.unsecured_cap = (share * credit) as i64;
            let receivers = if size.weighted_receivers {
                others(i, n, |j| weight[j])
            } else {
                Counterparties::AllOthers { agents: n as u32 }
            };
            AgentPlan {
                setup,
                arrivals: Some(ArrivalSpec::single(
                    ArrivalBand {
                        rate_per_tick: size.payments * share / f64::from(ticks),
                        amount: AmountDistribution::LogNormal {
                            median: 2_000_000,
                            sigma: 1.5,
                        },
                        deadline_ticks: (5, 60),
                        priority: PriorityDistribution::Range { min: 0, max: 10 },
                        divisible_share: 0.0,
                    },
                    receivers,
                )),
            }
        })
        .collect();
    Scenario {
        plan: Plan {
            ticks_per_day: ticks,
            num_days: 1,
            seed: 2024,
            queue_order: QueueOrder::Fifo,
            settlement,
            costs: costs(),
            agents,
            scripted: Vec::new(),
            governance: None,
            shocks: Vec::new(),
        },
        policies: vec![PolicySpec::Fifo; n],
        guardbands: Vec::new(),
        inputs_sha256: String::new(),
    }
}

/// T2's record day (659,146 payments): 1,000 banks, about 661,000 payments in 100
/// ticks, ample liquidity, every bank on `policy`.
fn t2_peak_day(policy: PolicySpec) -> Scenario {
    let mut scenario = zipf_day(
        DaySize {
            banks: 1_000,
            payments: 661_000.0,
            weighted_receivers: true,
        },
        2.0e11,
        5.0e10,
        SettlementConfig::default(),
    );
    scenario.policies = vec![policy; scenario.policies.len()];
    scenario
}

/// 10,000 banks and about 1,000,000 payments in 100 ticks, liquidity scarce (a
/// hundredth of the large day's per payment, no credit), receivers uniform.
fn ten_thousand_banks() -> Scenario {
    zipf_day(
        DaySize {
            banks: 10_000,
            payments: 1_000_000.0,
            weighted_receivers: false,
        },
        5.0e9,
        0.0,
        SettlementConfig::default(),
    )
}

/// The built-in LiquidityAware policy as its decision tree
/// (`policies/builtin/liquidity_aware.json`), compiled into this tool.
fn tree_liquidity_aware() -> PolicySpec {
    const SOURCE: &str = include_str!("../../policies/builtin/liquidity_aware.json");
    match rtgsim_policy_dsl::load(SOURCE) {
        Ok(program) => PolicySpec::Tree {
            program: std::sync::Arc::new(program),
            kind: "FromJson",
            trace: false,
        },
        // The tree is part of this repository and tested; this cannot happen.
        Err(e) => unreachable!("policies/builtin/liquidity_aware.json: {e:?}"),
    }
}

fn others(i: usize, n: usize, weight: impl Fn(usize) -> f64) -> Counterparties {
    Counterparties::Weighted(
        (0..n)
            .filter(|&j| j != i)
            .map(|j| (AgentId(j as u32), weight(j)))
            .collect(),
    )
}
