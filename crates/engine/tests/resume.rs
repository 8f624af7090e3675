//! The engine used alone, as a library user would: a `Simulation` built from a plan
//! written in code and from hand-made Rust policies that keep state, checkpointed
//! between two ticks (through bytes, as a store would keep it) and resumed with
//! fresh instances of the same policies, gives exactly the events of the run done
//! in one go.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test helpers fail loudly

use rtgsim_core::arrivals::{AmountDistribution, ArrivalSpec, Counterparties};
use rtgsim_core::{
    AgentSetup, CashManagerPolicy, CollateralDecision, CostRates, Event, LiquidityShare,
    PolicyError, PolicyView, QueueOrder, Rate, ReleaseDecision,
};
use rtgsim_engine::{AgentPlan, Plan, RunError, Simulation, SimulationCheckpoint};
use serde_json::{Value, json};

/// Releases at most `calls % 3 + 1` payments per call, oldest first: what it does
/// depends on how often it has been called, which only its saved state knows.
#[derive(Debug, Default)]
struct Rationing {
    calls: u64,
}

impl CashManagerPolicy for Rationing {
    fn evaluate_queue(
        &mut self,
        view: &PolicyView<'_>,
    ) -> Result<Vec<ReleaseDecision>, PolicyError> {
        self.calls += 1;
        let allowance = (self.calls % 3 + 1) as usize;
        Ok(view
            .queue1()
            .take(allowance)
            .map(|tx| ReleaseDecision::submit(tx.id))
            .collect())
    }

    fn state(&self) -> Option<Value> {
        Some(json!({ "calls": self.calls }))
    }

    fn restore_state(&mut self, state: Value) -> Result<(), PolicyError> {
        self.calls = state["calls"]
            .as_u64()
            .ok_or_else(|| PolicyError::new("calls is not a count"))?;
        Ok(())
    }
}

/// Releases everything, and posts collateral on every fifth strategic call and
/// withdraws it on every seventh end-of-tick call, counting its calls in its state.
#[derive(Debug, Default)]
struct CollateralTimer {
    strategic_calls: u64,
    end_calls: u64,
}

impl CashManagerPolicy for CollateralTimer {
    fn evaluate_queue(
        &mut self,
        view: &PolicyView<'_>,
    ) -> Result<Vec<ReleaseDecision>, PolicyError> {
        Ok(view
            .queue1()
            .map(|tx| ReleaseDecision::submit(tx.id))
            .collect())
    }

    fn strategic_collateral(
        &mut self,
        _view: &PolicyView<'_>,
    ) -> Result<CollateralDecision, PolicyError> {
        self.strategic_calls += 1;
        Ok(if self.strategic_calls.is_multiple_of(5) {
            CollateralDecision::Post { amount: 40_000 }
        } else {
            CollateralDecision::Hold
        })
    }

    fn end_of_tick_collateral(
        &mut self,
        _view: &PolicyView<'_>,
    ) -> Result<CollateralDecision, PolicyError> {
        self.end_calls += 1;
        Ok(if self.end_calls.is_multiple_of(7) {
            CollateralDecision::Withdraw { amount: 25_000 }
        } else {
            CollateralDecision::Hold
        })
    }

    fn state(&self) -> Option<Value> {
        Some(json!([self.strategic_calls, self.end_calls]))
    }

    fn restore_state(&mut self, state: Value) -> Result<(), PolicyError> {
        let count = |i: usize| {
            state[i]
                .as_u64()
                .ok_or_else(|| PolicyError::new("not a count"))
        };
        self.strategic_calls = count(0)?;
        self.end_calls = count(1)?;
        Ok(())
    }
}

/// A policy that forgets: the same decisions as `Rationing`, but it saves nothing,
/// so a resumed run starts its count again. It shows the test can tell.
#[derive(Debug, Default)]
struct Forgetful(Rationing);

impl CashManagerPolicy for Forgetful {
    fn evaluate_queue(
        &mut self,
        view: &PolicyView<'_>,
    ) -> Result<Vec<ReleaseDecision>, PolicyError> {
        self.0.evaluate_queue(view)
    }
}

/// Four banks with generated payments, two days of 30 ticks, some credit and
/// collateral, delay costs.
fn plan() -> Plan {
    let agents = (0..4u32)
        .map(|i| {
            let mut setup = AgentSetup::new(format!("BANK_{i}"), 150_000);
            setup.unsecured_cap = 20_000;
            setup.collateral_capacity = 200_000;
            AgentPlan {
                setup,
                arrivals: Some(ArrivalSpec {
                    rate_per_tick: 1.2,
                    amount: AmountDistribution::Uniform {
                        min: 5_000,
                        max: 60_000,
                    },
                    counterparties: Counterparties::AllOthers { agents: 4 },
                    deadline_ticks: (3, 20),
                    priority: (0, 10),
                    divisible_share: 0.0,
                    deadline_cap_ticks_per_day: None,
                }),
            }
        })
        .collect();
    Plan {
        ticks_per_day: 30,
        num_days: 2,
        seed: 20_261_207,
        queue_order: QueueOrder::Fifo,
        settlement: Default::default(),
        costs: CostRates {
            delay: Rate::from_bps(2.0).unwrap(),
            deadline_penalty: 500,
            ..CostRates::default()
        },
        agents,
        scripted: Vec::new(),
        governance: None,
        shocks: Vec::new(),
    }
}

type Policies = fn() -> Vec<Box<dyn CashManagerPolicy>>;

fn stateful() -> Vec<Box<dyn CashManagerPolicy>> {
    vec![
        Box::new(Rationing::default()),
        Box::new(CollateralTimer::default()),
        Box::new(Rationing::default()),
        Box::new(CollateralTimer::default()),
    ]
}

fn forgetful() -> Vec<Box<dyn CashManagerPolicy>> {
    vec![
        Box::new(Forgetful::default()),
        Box::new(CollateralTimer::default()),
        Box::new(Forgetful::default()),
        Box::new(CollateralTimer::default()),
    ]
}

fn in_one_go(policies: Policies) -> Vec<Event> {
    in_one_go_of(&plan(), policies)
}

fn in_one_go_of(plan: &Plan, policies: Policies) -> Vec<Event> {
    let mut events = Vec::new();
    let mut simulation = Simulation::new(plan, policies(), &mut events).unwrap();
    simulation.run(&mut events, &mut |_| {}).unwrap();
    events
}

/// Runs to `stop`, keeps only the checkpoint's bytes, and resumes from them with
/// fresh policy objects.
fn stopped_and_resumed(policies: Policies, stop: u32) -> Vec<Event> {
    stopped_and_resumed_of(&plan(), policies, stop)
}

fn stopped_and_resumed_of(plan: &Plan, policies: Policies, stop: u32) -> Vec<Event> {
    let mut events = Vec::new();
    let bytes = {
        let mut simulation = Simulation::new(plan, policies(), &mut events).unwrap();
        while simulation.next_tick() < stop {
            simulation.step(&mut events).unwrap();
        }
        postcard::to_stdvec(&simulation.checkpoint()).unwrap()
    };
    let checkpoint: SimulationCheckpoint = postcard::from_bytes(&bytes).unwrap();
    let mut simulation = Simulation::resume(plan, policies(), checkpoint).unwrap();
    assert_eq!(simulation.next_tick(), stop);
    simulation.run(&mut events, &mut |_| {}).unwrap();
    events
}

#[test]
fn hand_made_policies_resume_to_the_one_go_events() {
    let one_go = in_one_go(stateful);
    // The run does something worth resuming: payments settle, collateral moves,
    // and some payments wait (the rationing holds them back).
    let count = |f: fn(&Event) -> bool| one_go.iter().filter(|e| f(e)).count();
    assert!(count(|e| matches!(e, Event::Settled { .. })) > 50);
    assert!(count(|e| matches!(e, Event::CollateralPosted { .. })) > 0);
    assert!(count(|e| matches!(e, Event::CollateralWithdrawn { .. })) > 0);
    assert!(count(|e| matches!(e, Event::TickCosts { .. })) > 0);
    for stop in [1, 7, 20, 29, 30, 31, 44, 59] {
        assert!(
            stopped_and_resumed(stateful, stop) == one_go,
            "the events differ after resuming at tick {stop}"
        );
    }
}

/// The plan with the daily settings of issue 16 on: fixed initial liquidity for two
/// banks, a daily liquidity cost, end-of-day borrowing and deferred crediting,
/// over three days (so loans are taken and repaid across checkpoints).
fn daily_plan() -> Plan {
    let mut plan = plan();
    plan.num_days = 3;
    plan.settlement.deferred_crediting = true;
    plan.costs.liquidity_per_day = Rate::from_bps(50.0).unwrap();
    plan.costs.eod_borrowing = Rate::from_bps(100.0);
    plan.agents[0].setup.initial_liquidity = LiquidityShare::from_fraction(0.25);
    plan.agents[2].setup.initial_liquidity = LiquidityShare::from_fraction(0.5);
    for agent in &mut plan.agents {
        agent.setup.opening_balance = 20_000;
    }
    plan
}

#[test]
fn daily_decisions_and_loans_resume_to_the_one_go_events() {
    let plan = daily_plan();
    let one_go = in_one_go_of(&plan, stateful);
    let count = |f: fn(&Event) -> bool| one_go.iter().filter(|e| f(e)).count();
    assert!(count(|e| matches!(e, Event::DayCosts { borrowed, .. } if *borrowed > 0)) > 0);
    assert!(count(|e| matches!(e, Event::DayCosts { liquidity, .. } if *liquidity > 0)) > 0);
    assert!(count(|e| matches!(e, Event::EodLoanRepaid { .. })) > 0);
    for stop in [1, 29, 30, 31, 59, 60, 61, 75] {
        assert!(
            stopped_and_resumed_of(&plan, stateful, stop) == one_go,
            "the events differ after resuming at tick {stop}"
        );
    }
}

#[test]
fn a_policy_that_loses_its_state_does_not_resume_to_the_same_events() {
    // Without its call count the rationing restarts, and the events differ: the
    // comparison above really depends on each policy's state coming back.
    let one_go = in_one_go(forgetful);
    let diverged = [7, 20, 31, 44]
        .into_iter()
        .filter(|&stop| stopped_and_resumed(forgetful, stop) != one_go)
        .count();
    assert!(diverged > 0, "no stop point showed the lost state");
}

#[test]
fn a_resume_needs_one_policy_per_agent() {
    let plan = plan();
    let mut events = Vec::new();
    let simulation = Simulation::new(&plan, stateful(), &mut events).unwrap();
    let mut three = stateful();
    three.pop();
    match Simulation::resume(&plan, three, simulation.checkpoint()) {
        Err(RunError::PolicyCount {
            policies: 3,
            agents: 4,
        }) => {}
        other => panic!("expected a policy-count error, got {other:?}"),
    }
    let mut five = stateful();
    five.push(Box::new(Rationing::default()));
    assert!(matches!(
        Simulation::new(&plan, five, &mut events),
        Err(RunError::PolicyCount {
            policies: 5,
            agents: 4
        })
    ));
}

#[test]
fn a_policy_state_it_cannot_take_back_is_a_checkpoint_error() {
    let plan = plan();
    let mut events = Vec::new();
    let simulation = Simulation::new(&plan, stateful(), &mut events).unwrap();
    let checkpoint = simulation.checkpoint();
    // Agent 1's saved state is CollateralTimer's; a Rationing cannot read it.
    let swapped: Vec<Box<dyn CashManagerPolicy>> = vec![
        Box::new(Rationing::default()),
        Box::new(Rationing::default()),
        Box::new(Rationing::default()),
        Box::new(CollateralTimer::default()),
    ];
    match Simulation::resume(&plan, swapped, checkpoint) {
        Err(RunError::Checkpoint {
            mismatch: rtgsim_engine::CheckpointMismatch::PolicyState { agent: 1, .. },
            ..
        }) => {}
        other => panic!("expected agent 1's policy state refused, got {other:?}"),
    }
}

/// Holds every payment: a candidate that never pays.
#[derive(Debug, Default)]
struct HoldAll;

impl CashManagerPolicy for HoldAll {
    fn evaluate_queue(
        &mut self,
        _view: &PolicyView<'_>,
    ) -> Result<Vec<ReleaseDecision>, PolicyError> {
        Ok(Vec::new())
    }
}

fn released_by(events: &[Event], agent: u32) -> Vec<u32> {
    events
        .iter()
        .filter_map(|e| match e {
            Event::Released { tick, agent: a, .. } if a.0 == agent => Some(*tick),
            _ => None,
        })
        .collect()
}

/// The run with agent 0's policy swapped for `HoldAll` between ticks 19 and 20,
/// in one go, or stopped before `stop` and resumed from a checkpoint's bytes.
fn swapped_at_20(stop: Option<u32>) -> Vec<Event> {
    let plan = plan();
    let total = plan.num_days * plan.ticks_per_day;
    let drive = |simulation: &mut Simulation, events: &mut Vec<Event>, until: u32| {
        while simulation.next_tick() < until {
            if simulation.next_tick() == 20 {
                simulation
                    .swap_policy(rtgsim_core::AgentId(0), Box::new(HoldAll))
                    .unwrap();
            }
            simulation.step(events).unwrap();
        }
    };
    let mut events = Vec::new();
    let mut simulation = Simulation::new(&plan, stateful(), &mut events).unwrap();
    drive(&mut simulation, &mut events, stop.unwrap_or(total));
    if simulation.is_finished() {
        return events;
    }
    let bytes = postcard::to_stdvec(&simulation.checkpoint()).unwrap();
    let checkpoint: SimulationCheckpoint = postcard::from_bytes(&bytes).unwrap();
    // The checkpoint says which agent's policy was swapped: it is given the new one.
    let mut policies = stateful();
    for (agent, swaps) in checkpoint.policy_swaps().iter().enumerate() {
        if *swaps > 0 {
            policies[agent] = Box::new(HoldAll);
        }
    }
    let mut simulation = Simulation::resume(&plan, policies, checkpoint).unwrap();
    drive(&mut simulation, &mut events, total);
    events
}

#[test]
fn a_swapped_policy_decides_from_the_next_tick_and_resumes() {
    let swapped = swapped_at_20(None);
    let unswapped = in_one_go(stateful);
    // Identical up to the swap; agent 0 releases before tick 20 and never after.
    let before = |events: &[Event]| events.iter().filter(|e| e.tick() < 20).count();
    assert_eq!(before(&swapped), before(&unswapped));
    assert_eq!(swapped[..before(&swapped)], unswapped[..before(&unswapped)]);
    let releases = released_by(&swapped, 0);
    assert!(releases.iter().any(|&tick| tick < 20), "{releases:?}");
    assert!(releases.iter().all(|&tick| tick < 20), "{releases:?}");
    for stop in [10, 21, 35, 59] {
        assert!(swapped_at_20(Some(stop)) == swapped, "resumed at {stop}");
    }
}

/// Agent 0 runs `HoldAll` under a guardband of 10-tick windows whose baseline
/// settles everything: none of its payments arriving in ticks 0-9 settles (it
/// holds them all), a rate of 0 < 0.95, so it is rolled back at the end of tick 9
/// to a fresh `Rationing`, whose state a checkpoint after that carries.
fn guarded(stop: Option<u32>) -> Vec<Event> {
    use rtgsim_engine::{Baseline, Guardband, GuardbandFactors};
    let guards = || -> Vec<(Guardband, Box<dyn CashManagerPolicy>)> {
        vec![(
            Guardband {
                agent: rtgsim_core::AgentId(0),
                every_ticks: 10,
                factors: GuardbandFactors::default(),
                baseline: Baseline {
                    settlement_rate: Some(1.0),
                    ..Baseline::default()
                },
            },
            Box::new(Rationing::default()),
        )]
    };
    let policies = || {
        let mut policies = stateful();
        policies[0] = Box::new(HoldAll);
        policies
    };
    let plan = plan();
    let mut events = Vec::new();
    let mut simulation = Simulation::new_guarded(&plan, policies(), guards(), &mut events).unwrap();
    let stop = stop.unwrap_or(plan.num_days * plan.ticks_per_day);
    while simulation.next_tick() < stop {
        simulation.step(&mut events).unwrap();
    }
    if simulation.is_finished() {
        return events;
    }
    let bytes = postcard::to_stdvec(&simulation.checkpoint()).unwrap();
    let checkpoint: SimulationCheckpoint = postcard::from_bytes(&bytes).unwrap();
    let mut simulation =
        Simulation::resume_guarded(&plan, policies(), guards(), checkpoint).unwrap();
    simulation.run(&mut events, &mut |_| {}).unwrap();
    events
}

#[test]
fn a_guardband_rolls_back_at_the_window_end_and_resumes_across_it() {
    let one_go = guarded(None);
    let rollbacks: Vec<(u32, u32)> = one_go
        .iter()
        .filter_map(|e| match e {
            Event::RolledBack { tick, agent, .. } => Some((*tick, agent.0)),
            _ => None,
        })
        .collect();
    assert_eq!(rollbacks, vec![(9, 0)]);
    let releases = released_by(&one_go, 0);
    assert_eq!(releases.first(), Some(&10), "{releases:?}");
    for stop in [5, 10, 11, 30, 59] {
        assert!(guarded(Some(stop)) == one_go, "resumed at {stop}");
    }
}

#[test]
fn a_guardband_for_no_agent_or_a_second_one_is_refused() {
    use rtgsim_engine::{Baseline, Guardband, GuardbandFactors};
    // `u32::MAX` ticks stands for a window with a NaN factor.
    let guardband = |agent: u32, every_ticks: u32| Guardband {
        agent: rtgsim_core::AgentId(agent),
        every_ticks,
        factors: GuardbandFactors {
            max_cost_ratio: if every_ticks == u32::MAX {
                f64::NAN
            } else {
                1.2
            },
            ..GuardbandFactors::default()
        },
        baseline: Baseline::default(),
    };
    let cases: [(Vec<(u32, u32)>, &str); 4] = [
        (
            vec![(4, 5)],
            "guardband for agent 4: the plan has no such agent",
        ),
        (
            vec![(1, 5), (1, 6)],
            "guardband for agent 1: the agent has another guardband",
        ),
        (vec![(2, 0)], "guardband for agent 2: a window of 0 ticks"),
        (
            vec![(3, u32::MAX)],
            "guardband for agent 3: factors and baseline figures must be finite and at least 0",
        ),
    ];
    for (guards, expected) in cases {
        let guards = guards
            .into_iter()
            .map(|(agent, every)| {
                let previous: Box<dyn CashManagerPolicy> = Box::new(HoldAll);
                (guardband(agent, every), previous)
            })
            .collect();
        let mut events = Vec::new();
        match Simulation::new_guarded(&plan(), stateful(), guards, &mut events) {
            Err(error) => assert_eq!(error.to_string(), expected),
            Ok(_) => panic!("accepted: {expected}"),
        }
    }
}
