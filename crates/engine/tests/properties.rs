//! Invariants of whole runs on random scenarios, with random (and sometimes
//! invalid) policy decisions: conservation of money, no balance below minus its
//! credit, every payment in exactly one place, split parts summing to their parent,
//! costs never negative, and a failed policy call never releasing anything.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test helpers fail loudly

use proptest::prelude::*;
use rtgsim_core::arrivals::{
    AmountDistribution, ArrivalBand, ArrivalSpec, Counterparties, PriorityDistribution,
};
use rtgsim_core::event::{Event, PolicyCall, SettleRoute};
use rtgsim_core::{
    AgentId, AgentSetup, CashManagerPolicy, CollateralDecision, CostRates, HoldReason,
    LiquidityShare, PolicyError, PolicyView, QueueOrder, Rate, ReleaseAction, ReleaseDecision,
    TxId,
};
use rtgsim_engine::{AgentPlan, Plan, Simulation};
use rtgsim_settlement::{LsmStep, SettlementConfig};

mod random_shocks;
mod replay;
use random_shocks::{outages_at, random_shock};
use replay::peak_overdrafts_observed;

/// A policy that decides at random from its own seed, sometimes wrongly.
struct RandomPolicy {
    state: u64,
}

impl RandomPolicy {
    fn next(&mut self) -> u64 {
        // SplitMix64: a tiny, deterministic generator for test decisions.
        self.state = self.state.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.state;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    fn below(&mut self, n: u64) -> u64 {
        self.next() % n.max(1)
    }

    fn collateral(&mut self, view: &PolicyView<'_>) -> Result<CollateralDecision, PolicyError> {
        let capacity = view.agent().collateral_capacity().max(1) as u64;
        Ok(match self.below(6) {
            0 => CollateralDecision::Post {
                amount: self.below(capacity) as i64 + 1,
            },
            1 => CollateralDecision::Withdraw {
                amount: self.below(capacity) as i64 + 1,
            },
            2 if self.below(10) == 0 => CollateralDecision::Post { amount: 0 }, // invalid
            3 if self.below(20) == 0 => return Err(PolicyError::new("random failure")),
            _ => CollateralDecision::Hold,
        })
    }
}

impl CashManagerPolicy for RandomPolicy {
    fn evaluate_queue(
        &mut self,
        view: &PolicyView<'_>,
    ) -> Result<Vec<ReleaseDecision>, PolicyError> {
        let mut decisions = Vec::new();
        for tx in view.queue1() {
            let decision = match self.below(8) {
                0 | 1 => ReleaseDecision::submit(tx.id),
                2 => ReleaseDecision::drop_payment(tx.id),
                3 if tx.divisible && tx.amount >= 4 => {
                    ReleaseDecision::split(tx.id, 2 + self.below(3) as u32)
                }
                4 if tx.divisible && tx.amount >= 2 => ReleaseDecision::submit_partial(
                    tx.id,
                    1 + self.below(tx.amount as u64 - 1) as i64,
                ),
                _ => ReleaseDecision::hold(tx.id, HoldReason::LowPriority),
            };
            decisions.push(decision);
        }
        for tx in view.queue2() {
            let action = match self.below(10) {
                0 => ReleaseAction::WithdrawFromQueue2,
                1 => ReleaseAction::ResubmitToQueue2 {
                    priority: self.below(11) as u8,
                },
                _ => continue,
            };
            decisions.push(ReleaseDecision::new(tx.id, action));
        }
        match self.below(25) {
            0 => decisions.push(ReleaseDecision::submit(TxId(u32::MAX - 1))),
            1 if !decisions.is_empty() => decisions.push(decisions[0].clone()),
            2 => return Err(PolicyError::new("random failure")),
            _ => {}
        }
        Ok(decisions)
    }

    fn strategic_collateral(
        &mut self,
        view: &PolicyView<'_>,
    ) -> Result<CollateralDecision, PolicyError> {
        self.collateral(view)
    }

    fn end_of_tick_collateral(
        &mut self,
        view: &PolicyView<'_>,
    ) -> Result<CollateralDecision, PolicyError> {
        self.collateral(view)
    }
}

fn agent_plan() -> impl Strategy<Value = (AgentSetup, f64, AmountDistribution, (u32, u32), f64)> {
    (
        0i64..200_000,
        0i64..100_000,
        0i64..300_000,
        0u32..5_000,
        0.0f64..2.0,
        prop_oneof![
            (1i64..100_000).prop_map(|value| AmountDistribution::Fixed { value }),
            (1i64..50_000, 0i64..100_000).prop_map(|(min, extra)| AmountDistribution::Uniform {
                min,
                max: min + extra
            }),
            (1i64..80_000, 0.0f64..1.5)
                .prop_map(|(median, sigma)| AmountDistribution::LogNormal { median, sigma }),
        ],
        (0u32..5, 0u32..20),
        0.0f64..1.0,
    )
        .prop_map(
            |(balance, cap, capacity, haircut, rate, amount, (dmin, dspan), divisible)| {
                let mut setup = AgentSetup::new("X", balance);
                setup.unsecured_cap = cap;
                setup.collateral_capacity = capacity;
                setup.collateral_haircut_bps = haircut;
                (setup, rate, amount, (dmin, dmin + dspan), divisible)
            },
        )
}

fn scenario() -> impl Strategy<Value = (Plan, Vec<u64>)> {
    (
        prop::collection::vec(agent_plan(), 2..6),
        prop::collection::vec(any::<u64>(), 6),
        (
            2u32..25,
            1u32..3,
            any::<u64>(),
            any::<bool>(),
            any::<bool>(),
        ),
        (
            prop::sample::subsequence(LsmStep::ALL.to_vec(), 0..=3),
            any::<bool>(),
        ),
        (
            0.0f64..50.0,
            0.0f64..20.0,
            0.0f64..5.0,
            0i64..10_000,
            0i64..10_000,
            0i64..500,
        ),
        prop::option::of((1i64..300_000, 1i64..400_000, 0u32..20, 0u32..30)),
        prop::collection::vec(random_shock(), 0..6),
    )
        .prop_map(
            |(
                plans,
                seeds,
                (ticks_per_day, num_days, seed, priority, bypass),
                (lsm, entry_offset),
                costs,
                governance,
                shocks,
            )| {
                let n = plans.len();
                let agents = plans
                    .into_iter()
                    .enumerate()
                    .map(
                        |(i, (mut setup, rate, amount, deadline_ticks, divisible_share))| {
                            setup.name = format!("BANK_{i}");
                            // A quarter of the scenarios post a share of collateral at
                            // each opening (the seed as a random number again).
                            if seed % 4 == 1 && setup.collateral_capacity > 0 {
                                let percent = (seed as usize + 37 * i) % 101;
                                setup.initial_liquidity =
                                    LiquidityShare::from_fraction(percent as f64 / 100.0);
                            }
                            // Odd agents pay everyone equally, even ones by weight.
                            let counterparties = if i % 2 == 1 {
                                Counterparties::AllOthers { agents: n as u32 }
                            } else {
                                Counterparties::Weighted(
                                    (0..n)
                                        .filter(|&j| j != i)
                                        .map(|j| (AgentId(j as u32), 1.0 + j as f64))
                                        .collect(),
                                )
                            };
                            AgentPlan {
                                setup,
                                arrivals: Some(ArrivalSpec {
                                    // A seventh cap generated deadlines at their day's end.
                                    deadline_cap_ticks_per_day: (seed % 7 == 3)
                                        .then_some(ticks_per_day),
                                    ..ArrivalSpec::single(
                                        ArrivalBand {
                                            rate_per_tick: rate,
                                            amount,
                                            deadline_ticks,
                                            priority: PriorityDistribution::Range {
                                                min: 0,
                                                max: 10,
                                            },
                                            divisible_share,
                                        },
                                        counterparties,
                                    )
                                }),
                            }
                        },
                    )
                    .collect();
                let (overdraft, delay, collateral, deadline_penalty, eod_penalty, split_friction) =
                    costs;
                let scenario = Plan {
                    ticks_per_day,
                    num_days,
                    seed,
                    queue_order: if priority {
                        QueueOrder::Priority
                    } else {
                        QueueOrder::Fifo
                    },
                    settlement: SettlementConfig {
                        fifo_bypass: bypass,
                        lsm,
                        entry_offset,
                        cycle_max_length: 4,
                        // A third of the scenarios credit receipts a tick late (the
                        // seed is drawn at random; this uses it as a random bit).
                        deferred_crediting: seed % 3 == 0,
                    },
                    costs: CostRates {
                        overdraft: Rate::from_bps(overdraft).unwrap(),
                        delay: Rate::from_bps(delay).unwrap(),
                        collateral: Rate::from_bps(collateral).unwrap(),
                        deadline_penalty,
                        eod_penalty,
                        split_friction,
                        liquidity_per_day: Rate::from_bps(collateral * 100.0).unwrap(),
                        // A fifth settle what waits at each close by loans (not with a
                        // release gate, which the engine refuses).
                        eod_borrowing: (seed % 5 == 0 && governance.is_none())
                            .then(|| Rate::from_bps(delay).unwrap()),
                    },
                    agents,
                    scripted: Vec::new(),
                    governance: None,
                    shocks: shocks
                        .into_iter()
                        .map(|shock| shock.place(n, ticks_per_day * num_days))
                        .collect(),
                };
                let mut scenario = scenario;
                scenario.governance = governance.map(|g| gate_plan(&scenario, g));
                (scenario, seeds)
            },
        )
}

/// A release gate for the random scenario: a per-tick budget on agent 0, a
/// bilateral limit from agent 1 to agent 0, and agent 1 suspended at one tick and
/// reset at a later one.
fn gate_plan(
    scenario: &Plan,
    (budget, limit, suspend, span): (i64, i64, u32, u32),
) -> rtgsim_governance::governor::GovernancePlan {
    use rtgsim_governance::gate::config::{
        BudgetLimits, GovernanceConfig, RiskLimits, ScenarioEventKind,
    };
    let names = scenario.agent_names();
    let mut config = GovernanceConfig::default();
    config.budgets.insert(
        names[0].clone(),
        BudgetLimits {
            per_tick: Some(budget),
            per_day: None,
        },
    );
    let mut bilateral = std::collections::BTreeMap::new();
    bilateral.insert(names[0].clone(), limit);
    config.limits.insert(
        names[1].clone(),
        RiskLimits {
            bilateral,
            multilateral: None,
        },
    );
    let refs: Vec<&str> = names.iter().map(String::as_str).collect();
    let event = |tick, kind| rtgsim_governance::governor::PlannedEvent {
        tick,
        kind,
        agent: Some(AgentId(1)),
        operator: Some("ops".into()),
        refused: None,
    };
    rtgsim_governance::governor::GovernancePlan {
        limits: config.resolve(&refs).unwrap(),
        events: vec![
            event(suspend, ScenarioEventKind::Suspend),
            event(suspend + span, ScenarioEventKind::Reset),
        ],
        rights: Vec::new(),
        genesis: rtgsim_governance::audit::GENESIS_HASH.to_string(),
    }
}

fn cost_values(event: &Event) -> Vec<i64> {
    match *event {
        Event::TickCosts {
            overdraft,
            delay,
            collateral,
            ..
        } => vec![overdraft, delay, collateral],
        Event::DeadlinePenalty { penalty, .. } | Event::EodPenalty { penalty, .. } => vec![penalty],
        Event::Split { friction_cost, .. } => vec![friction_cost],
        Event::DayCosts {
            liquidity,
            borrowed,
            borrowing,
            ..
        } => vec![liquidity, borrowed, borrowing],
        _ => Vec::new(),
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 96, ..ProptestConfig::default() })]

    #[test]
    fn invariants_hold_every_tick((scenario, seeds) in scenario()) {
        let policies: Vec<Box<dyn CashManagerPolicy>> = (0..scenario.agents.len())
            .map(|i| Box::new(RandomPolicy { state: seeds[i % seeds.len()] }) as Box<dyn CashManagerPolicy>)
            .collect();
        let mut events: Vec<Event> = Vec::new();
        let mut sim = Simulation::new(&scenario, policies, &mut events).unwrap();
        let opening = sim.state().total_balance();
        let mut external: i128 = 0;
        while !sim.is_finished() {
            let seen = events.len();
            sim.step(&mut events).unwrap();
            let state = sim.state();
            if let Err(broken) = state.check_invariants() {
                prop_assert!(false, "tick {}: {broken}", state.tick());
            }
            let new = &events[seen..];
            // Only a shock's injection or withdrawal changes the money in the system,
            // by what its event says.
            for event in new {
                match event {
                    Event::LiquidityInjected { amount, .. } => external += i128::from(*amount),
                    Event::LiquidityWithdrawn { amount, .. } => external -= i128::from(*amount),
                    _ => {}
                }
            }
            prop_assert_eq!(state.total_balance(), opening + external);
            // An agent out is not called and releases nothing by its policy; one
            // disconnected takes part in no settlement.
            let (out, disconnected) = outages_at(&scenario, state.tick());
            for event in new {
                match event {
                    Event::Released { agent, source, .. } if source.as_deref() != Some("eod_loan") => {
                        prop_assert!(!out[agent.index()], "{agent:?} released while out");
                    }
                    Event::PolicyTrace { agent, .. } | Event::PolicyError { agent, .. } => {
                        prop_assert!(!out[agent.index()], "{agent:?} called while out");
                    }
                    Event::Settled { sender, receiver, .. } => {
                        prop_assert!(!disconnected[sender.index()] && !disconnected[receiver.index()], "a disconnected agent settled: {event:?}");
                    }
                    Event::SetSettled { txs, .. } => {
                        for tx in txs {
                            let t = state.transaction(*tx);
                            prop_assert!(!disconnected[t.sender.index()] && !disconnected[t.receiver.index()], "a disconnected agent in a set: {event:?}");
                        }
                    }
                    _ => {}
                }
            }
            for event in new {
                for value in cost_values(event) {
                    prop_assert!(value >= 0, "negative cost in {event:?}");
                }
            }
            // With end-of-day borrowing a close leaves nothing waiting but payments
            // to or from an agent disconnected then, and the loans recorded are the
            // payments they settled.
            let closed = new.iter().any(|e| matches!(e, Event::DayEnded { .. }));
            if scenario.costs.eod_borrowing.is_some() && closed {
                for sender in state.agents().iter().map(|a| a.id()) {
                    for &tx in state.agent(sender).queue1() {
                        let receiver = state.transaction(tx).receiver;
                        prop_assert!(disconnected[sender.index()] || disconnected[receiver.index()], "{tx:?} held after the close");
                    }
                    for (_, entry) in state.queue2().sender_queue(sender) {
                        prop_assert!(disconnected[sender.index()] || disconnected[entry.receiver.index()], "{:?} waits after the close", entry.tx);
                    }
                }
                let lent: i128 = new.iter().map(|e| match e {
                    Event::Settled { route: SettleRoute::EodLoan, amount, .. } => i128::from(*amount),
                    _ => 0,
                }).sum();
                let borrowed: i128 = new.iter().map(|e| match e {
                    Event::DayCosts { borrowed, .. } => i128::from(*borrowed),
                    _ => 0,
                }).sum();
                prop_assert_eq!(lent, borrowed);
            }
            // A suspended agent releases nothing until its reset.
            if let Some(plan) = &scenario.governance {
                let tick = state.tick();
                if tick >= plan.events[0].tick && tick < plan.events[1].tick {
                    let released = new.iter().any(|e| matches!(e, Event::Released { agent, .. } if agent.0 == 1));
                    prop_assert!(!released, "BANK_1 released at tick {tick} while suspended");
                }
            }
            // A failed payment call releases nothing for that agent in that tick.
            for event in new {
                if let Event::PolicyError { agent, call: PolicyCall::EvaluateQueue, .. } = event {
                    // At a close, end-of-day borrowing settles what is left whatever
                    // the policy did; its releases say so.
                    let by_policy = |source: &Option<std::sync::Arc<str>>| source.as_deref() != Some("eod_loan");
                    let released = new.iter().any(|e| matches!(e, Event::Released { agent: a, source, .. } if a == agent && by_policy(source)));
                    prop_assert!(!released, "{agent:?} released after its policy failed");
                }
            }
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 64, ..ProptestConfig::default() })]

    /// `peak_overdraft` is the largest overdraft any agent really had: after a
    /// payment, or after a set as a whole.
    #[test]
    fn peak_overdraft_is_the_largest_balance_observed_below_zero((scenario, seeds) in scenario()) {
        let policies: Vec<Box<dyn CashManagerPolicy>> = (0..scenario.agents.len())
            .map(|i| Box::new(RandomPolicy { state: seeds[i % seeds.len()] }) as Box<dyn CashManagerPolicy>)
            .collect();
        let mut events: Vec<Event> = Vec::new();
        let mut sim = Simulation::new(&scenario, policies, &mut events).unwrap();
        while !sim.is_finished() {
            sim.step(&mut events).unwrap();
        }
        let mut metrics = rtgsim_report::metrics::Metrics::new(scenario.agents.len());
        for event in &events {
            metrics.observe(event);
        }
        let reported: Vec<i128> = metrics.agents().iter().map(|a| i128::from(a.peak_overdraft)).collect();
        prop_assert_eq!(reported, peak_overdrafts_observed(&events));
        let closing: Vec<i64> = metrics.agents().iter().map(|a| a.balance).collect();
        let engine: Vec<i64> = sim.state().agents().iter().map(|a| a.balance()).collect();
        prop_assert_eq!(closing, engine);
    }
}

/// The random policies really run, and really take every kind of decision: without
/// this the property above could pass while checking nothing.
#[test]
fn random_policies_exercise_every_decision() {
    let (scenario, seeds) = scenario()
        .new_tree(&mut proptest::test_runner::TestRunner::deterministic())
        .map(|tree| proptest::strategy::ValueTree::current(&tree))
        .unwrap();
    let mut scenario = scenario;
    scenario.ticks_per_day = 60;
    scenario.num_days = 2;
    for plan in &mut scenario.agents {
        plan.setup.collateral_capacity = 100_000;
        for band in plan.arrivals.iter_mut().flat_map(|a| a.bands.iter_mut()) {
            band.rate_per_tick = 2.0;
            band.divisible_share = 0.5;
        }
    }
    let policies: Vec<Box<dyn CashManagerPolicy>> = (0..scenario.agents.len())
        .map(|i| {
            Box::new(RandomPolicy {
                state: seeds[i % seeds.len()] ^ 99,
            }) as Box<dyn CashManagerPolicy>
        })
        .collect();
    let mut events: Vec<Event> = Vec::new();
    let mut sim = Simulation::new(&scenario, policies, &mut events).unwrap();
    sim.run(&mut events, &mut |_| {}).unwrap();
    sim.state().check_invariants().unwrap();
    let count = |f: fn(&Event) -> bool| events.iter().filter(|e| f(e)).count();
    assert!(count(|e| matches!(e, Event::Split { .. })) > 0, "no splits");
    assert!(
        count(|e| matches!(e, Event::Dropped { .. })) > 0,
        "no drops"
    );
    assert!(
        count(|e| matches!(e, Event::PolicyError { .. })) > 0,
        "no policy errors"
    );
    assert!(
        count(|e| matches!(e, Event::CollateralPosted { .. })) > 0,
        "no collateral posted"
    );
    assert!(
        count(|e| matches!(e, Event::CollateralWithdrawn { .. })) > 0,
        "no collateral withdrawn"
    );
    assert!(
        count(|e| matches!(e, Event::WithdrawnFromQueue2 { .. })) > 0,
        "no withdrawals from Queue 2"
    );
    assert!(
        count(|e| matches!(e, Event::Resubmitted { .. })) > 0,
        "no resubmissions"
    );
}

/// The random scenarios really carry every kind of shock, and the shocks fire:
/// without this the invariants above could pass with no shock ever applied.
#[test]
fn random_scenarios_apply_every_kind_of_shock() {
    let mut runner = proptest::test_runner::TestRunner::deterministic();
    let mut kinds = std::collections::BTreeSet::new();
    for _ in 0..60 {
        let (scenario, seeds) =
            proptest::strategy::ValueTree::current(&scenario().new_tree(&mut runner).unwrap());
        let policies: Vec<Box<dyn CashManagerPolicy>> = (0..scenario.agents.len())
            .map(|i| {
                Box::new(RandomPolicy {
                    state: seeds[i % seeds.len()],
                }) as Box<dyn CashManagerPolicy>
            })
            .collect();
        let mut events: Vec<Event> = Vec::new();
        let mut sim = Simulation::new(&scenario, policies, &mut events).unwrap();
        sim.run(&mut events, &mut |_| {}).unwrap();
        for event in &events {
            let emergency = match event {
                Event::LiquidityTransfer {
                    emergency_credit, ..
                }
                | Event::LiquidityWithdrawn {
                    emergency_credit, ..
                }
                | Event::CollateralRevalued {
                    emergency_credit, ..
                }
                | Event::CreditLimitChanged {
                    emergency_credit, ..
                } => *emergency_credit > 0,
                _ => false,
            };
            if emergency {
                kinds.insert("emergency_credit");
            }
            if let Event::OutageStarted { receive: false, .. } = event {
                kinds.insert("disconnection");
            }
            kinds.insert(event.kind());
        }
    }
    for kind in [
        "liquidity_transfer",
        "liquidity_injected",
        "liquidity_withdrawn",
        "collateral_revalued",
        "credit_limit_changed",
        "outage_started",
        "outage_ended",
        "arrivals_changed",
        "emergency_credit",
        "disconnection",
    ] {
        assert!(kinds.contains(kind), "no {kind} in 60 random scenarios");
    }
}
