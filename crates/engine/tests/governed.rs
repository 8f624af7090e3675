//! The release gate in the engine: a policy's decisions are checked by core before
//! the gate judges them. A call core refuses never reaches the gate: nothing of it
//! is audited, and nothing of it counts against a budget; the gate counts only
//! releases that are carried out.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test helpers fail loudly

use rtgsim_core::event::{PolicyCall, PolicyFailure};
use rtgsim_core::policies::Fifo;
use rtgsim_core::release::DecisionError;
use rtgsim_core::{
    AgentId, AgentSetup, AuditDecision, AuditGate, AuditKind, CashManagerPolicy, Event, HoldReason,
    NewPayment, PolicyError, PolicyView, QueueOrder, ReleaseAction, ReleaseDecision, TxId,
};
use rtgsim_engine::{AgentPlan, Plan, ScriptedPayment, Simulation};
use rtgsim_governance::gate::config::{BudgetLimits, GovernanceConfig};
use rtgsim_governance::governor::{GovernancePlan, Governor};

/// At tick 0, releases its first payment and asks for a split of its second,
/// which cannot be split: core refuses the whole call. Later, releases
/// everything in its queue.
#[derive(Debug)]
struct SplitsTheIndivisible;

impl CashManagerPolicy for SplitsTheIndivisible {
    fn evaluate_queue(
        &mut self,
        view: &PolicyView<'_>,
    ) -> Result<Vec<ReleaseDecision>, PolicyError> {
        let queue: Vec<TxId> = view.queue1().map(|tx| tx.id).collect();
        if view.tick() == 0 {
            return Ok(vec![
                ReleaseDecision::submit(queue[0]),
                ReleaseDecision::split(queue[1], 2),
            ]);
        }
        Ok(queue.into_iter().map(ReleaseDecision::submit).collect())
    }
}

/// BANK_A pays BANK_B two indivisible payments of 600 at tick 0, under a
/// budget of 1000 a day.
fn plan() -> Plan {
    let names = ["BANK_A", "BANK_B"];
    let mut config = GovernanceConfig::default();
    config.budgets.insert(
        "BANK_A".to_string(),
        BudgetLimits {
            per_tick: None,
            per_day: Some(1_000),
        },
    );
    let payment = |tick| ScriptedPayment {
        tick,
        payment: NewPayment {
            sender: AgentId(0),
            receiver: AgentId(1),
            amount: 600,
            deadline_tick: 9,
            priority: 5,
            divisible: false,
        },
    };
    Plan {
        ticks_per_day: 10,
        num_days: 1,
        seed: 1,
        queue_order: QueueOrder::Fifo,
        settlement: Default::default(),
        costs: Default::default(),
        agents: names
            .iter()
            .map(|name| AgentPlan {
                setup: AgentSetup::new(*name, 10_000),
                arrivals: None,
            })
            .collect(),
        scripted: vec![payment(0), payment(0)],
        governance: Some(GovernancePlan {
            limits: config.resolve(&names).unwrap(),
            events: Vec::new(),
            rights: Vec::new(),
            genesis: rtgsim_governance::audit::GENESIS_HASH.to_string(),
        }),
        shocks: Vec::new(),
    }
}

#[test]
fn a_refused_call_never_reaches_the_gate() {
    let mut events = Vec::new();
    let policies: Vec<Box<dyn CashManagerPolicy>> =
        vec![Box::new(SplitsTheIndivisible), Box::new(Fifo)];
    let mut simulation = Simulation::new(&plan(), policies, &mut events).unwrap();
    simulation.run(&mut events, &mut |_| {}).unwrap();

    let at = |tick| events.iter().filter(move |e: &&Event| e.tick() == tick);
    // Tick 0: core refused the call; the gate neither judged nor counted it.
    assert!(at(0).any(|e| matches!(
        e,
        Event::PolicyError {
            agent: AgentId(0),
            call: PolicyCall::EvaluateQueue,
            failure,
            ..
        } if **failure == PolicyFailure::Refused(DecisionError::NotDivisible(TxId(1)))
    )));
    assert!(!at(0).any(|e| matches!(e, Event::Audit { .. } | Event::Released { .. })));
    // Tick 1: the first payment uses 600 of the day's 1000 (the refused call
    // counted nothing), and the second is held at the budget gate.
    let released: Vec<TxId> = at(1)
        .filter_map(|e| match e {
            Event::Released { tx, .. } => Some(*tx),
            _ => None,
        })
        .collect();
    assert_eq!(released, vec![TxId(0)]);
    let audits: Vec<_> = at(1)
        .filter_map(|e| match e {
            Event::Audit { audit, .. } => Some((
                audit.kind,
                audit.decision,
                audit.gate,
                audit.tx,
                audit.amount,
            )),
            _ => None,
        })
        .collect();
    assert_eq!(
        audits,
        vec![(
            AuditKind::Gate,
            AuditDecision::Hold,
            Some(AuditGate::Budget),
            Some(TxId(1)),
            Some(600)
        )]
    );
}

/// Holds everything: the scripted payments stay in Queue 1 for the governor test.
#[derive(Debug)]
struct HoldsAll;

impl CashManagerPolicy for HoldsAll {
    fn evaluate_queue(&mut self, _: &PolicyView<'_>) -> Result<Vec<ReleaseDecision>, PolicyError> {
        Ok(Vec::new())
    }
}

#[test]
fn a_release_the_gate_stops_becomes_a_hold_naming_the_gate() {
    let plan = plan();
    let mut events = Vec::new();
    let policies: Vec<Box<dyn CashManagerPolicy>> = vec![Box::new(HoldsAll), Box::new(HoldsAll)];
    let mut simulation = Simulation::new(&plan, policies, &mut events).unwrap();
    simulation.step(&mut events).unwrap();
    let state = simulation.state();
    let mut governor = Governor::new(plan.governance.as_ref().unwrap(), plan.agent_names());
    let health = governor.health(state);
    let mut decisions = vec![
        ReleaseDecision::submit(TxId(0)),
        ReleaseDecision::submit(TxId(1)),
    ];
    governor.judge(state, AgentId(0), &mut decisions, &health, &mut events);
    // 600 of the day's 1000 pass; the second 600 would exceed it.
    assert_eq!(
        decisions[0].action,
        ReleaseAction::Submit { priority: None }
    );
    assert_eq!(
        decisions[1].action,
        ReleaseAction::Hold {
            reason: HoldReason::Gated {
                gate: Some(AuditGate::Budget)
            }
        }
    );
}
