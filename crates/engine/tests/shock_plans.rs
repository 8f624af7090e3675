//! A plan written in code whose arrival change its agents' arrivals refuse does not
//! start: `Simulation::new` names the shock, as the scenario loader names its place.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test helpers fail loudly

use rtgsim_core::arrivals::ArrivalChange;
use rtgsim_core::policies::Fifo;
use rtgsim_core::{AgentId, AgentSetup, CashManagerPolicy, CostRates, Event, QueueOrder};
use rtgsim_engine::{AgentPlan, Agents, Plan, RunError, ScheduledShock, Shock, Simulation};

fn plan(shocks: Vec<ScheduledShock>) -> Plan {
    let agent = |name: &str| AgentPlan {
        setup: AgentSetup::new(name, 1_000),
        arrivals: None,
    };
    Plan {
        ticks_per_day: 10,
        num_days: 1,
        seed: 1,
        queue_order: QueueOrder::Fifo,
        settlement: Default::default(),
        costs: CostRates::default(),
        agents: vec![agent("A"), agent("B")],
        scripted: Vec::new(),
        governance: None,
        shocks,
    }
}

fn start(plan: &Plan) -> Result<Simulation, RunError> {
    let policies: Vec<Box<dyn CashManagerPolicy>> = vec![Box::new(Fifo), Box::new(Fifo)];
    let mut events: Vec<Event> = Vec::new();
    Simulation::new(plan, policies, &mut events)
}

#[test]
fn an_arrival_change_the_arrivals_refuse_stops_the_run_before_it_starts() {
    let inject = ScheduledShock {
        tick: 1,
        repeat: None,
        shock: Shock::Inject {
            agent: AgentId(0),
            amount: 5,
        },
    };
    // B generates nothing, so it has no counterparties to change: the second shock.
    let weights = ScheduledShock {
        tick: 2,
        repeat: None,
        shock: Shock::Arrivals {
            agents: Agents::One(AgentId(1)),
            change: ArrivalChange::CounterpartyWeights(vec![(AgentId(0), 1.0)]),
        },
    };
    match start(&plan(vec![inject.clone(), weights])) {
        Err(RunError::Shock { index, message }) => {
            assert_eq!(index, 1);
            assert!(message.contains("no generated payments"), "{message}");
        }
        other => panic!("expected a refused shock, got {other:?}"),
    }
    // A rate factor for everyone passes over agents without arrivals: it starts.
    let everyone = ScheduledShock {
        tick: 2,
        repeat: None,
        shock: Shock::Arrivals {
            agents: Agents::All,
            change: ArrivalChange::RateFactor(0.5),
        },
    };
    assert!(start(&plan(vec![inject, everyone])).is_ok());
}
