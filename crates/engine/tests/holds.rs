//! Holds are recorded by episode: a `held` event when a payment starts to wait for
//! a reason and when the reason changes, and one gate audit record per payment per
//! gate hold, however many ticks it is judged and held again. The counts below are
//! worked out from the plans by hand, not read from the engine.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test helpers fail loudly

use rtgsim_core::policies::Fifo;
use rtgsim_core::{
    AgentId, AgentSetup, AuditGate, AuditKind, CashManagerPolicy, Event, HoldReason, NewPayment,
    PolicyError, PolicyView, QueueOrder, ReleaseDecision, TxId,
};
use rtgsim_engine::{AgentPlan, Plan, ScriptedPayment, Simulation, SimulationCheckpoint};
use rtgsim_governance::gate::config::{GovernanceConfig, ScenarioEventKind};
use rtgsim_governance::governor::{GovernancePlan, PlannedEvent};

const TICKS: u32 = 20;

/// BANK_A pays BANK_B three payments of 100 at tick 2; both have plenty.
fn plan(governance: Option<GovernancePlan>) -> Plan {
    let payment = ScriptedPayment {
        tick: 2,
        payment: NewPayment {
            sender: AgentId(0),
            receiver: AgentId(1),
            amount: 100,
            deadline_tick: TICKS - 1,
            priority: 5,
            divisible: false,
        },
    };
    Plan {
        ticks_per_day: TICKS,
        num_days: 1,
        seed: 1,
        queue_order: QueueOrder::Fifo,
        settlement: Default::default(),
        costs: Default::default(),
        agents: ["BANK_A", "BANK_B"]
            .iter()
            .map(|name| AgentPlan {
                setup: AgentSetup::new(*name, 10_000),
                arrivals: None,
            })
            .collect(),
        scripted: vec![payment; 3],
        governance,
        shocks: Vec::new(),
    }
}

/// BANK_A suspended at tick 1 and reset at tick 15.
fn suspension() -> GovernancePlan {
    let names = ["BANK_A", "BANK_B"];
    let event = |tick, kind| PlannedEvent {
        tick,
        kind,
        agent: Some(AgentId(0)),
        operator: Some("ops".to_string()),
        refused: None,
    };
    GovernancePlan {
        limits: GovernanceConfig::default().resolve(&names).unwrap(),
        events: vec![
            event(1, ScenarioEventKind::Suspend),
            event(15, ScenarioEventKind::Reset),
        ],
        rights: Vec::new(),
        genesis: rtgsim_governance::audit::GENESIS_HASH.to_string(),
    }
}

fn run(plan: &Plan, policies: Vec<Box<dyn CashManagerPolicy>>) -> Vec<Event> {
    let mut events = Vec::new();
    let mut simulation = Simulation::new(plan, policies, &mut events).unwrap();
    simulation.run(&mut events, &mut |_| {}).unwrap();
    events
}

fn held(events: &[Event]) -> Vec<(u32, TxId, HoldReason)> {
    events
        .iter()
        .filter_map(|e| match e {
            Event::Held {
                tick, tx, reason, ..
            } => Some((*tick, *tx, reason.clone())),
            _ => None,
        })
        .collect()
}

fn released(events: &[Event]) -> Vec<(u32, TxId)> {
    events
        .iter()
        .filter_map(|e| match e {
            Event::Released { tick, tx, .. } => Some((*tick, *tx)),
            _ => None,
        })
        .collect()
}

/// Fifo releases everything every tick; the suspended bank's releases halt at the
/// kill switch on ticks 2 to 14 (13 ticks, 39 judgements of 3 payments). Each
/// payment is audited and recorded held once, at tick 2, and released at the reset.
#[test]
fn a_suspension_is_audited_once_per_payment_not_once_per_tick() {
    let events = run(
        &plan(Some(suspension())),
        vec![Box::new(Fifo), Box::new(Fifo)],
    );
    let gate_records: Vec<(u32, Option<TxId>)> = events
        .iter()
        .filter_map(|e| match e {
            Event::Audit { tick, audit } if audit.kind == AuditKind::Gate => {
                Some((*tick, audit.tx))
            }
            _ => None,
        })
        .collect();
    let txs = [TxId(0), TxId(1), TxId(2)];
    assert_eq!(gate_records, txs.map(|tx| (2, Some(tx))).to_vec());
    let kill_switch = HoldReason::Gated {
        gate: Some(AuditGate::KillSwitch),
    };
    assert_eq!(
        held(&events),
        txs.map(|tx| (2, tx, kill_switch.clone())).to_vec()
    );
    assert_eq!(released(&events), txs.map(|tx| (15, tx)).to_vec());
}

/// Holds each payment as "wait" on ticks 2 to 5, as "later" on ticks 6 to 8, with a
/// deadline countdown on ticks 9 to 11 (a new count every tick, one reason), and
/// releases it at tick 12.
#[derive(Debug)]
struct Changes;

impl CashManagerPolicy for Changes {
    fn evaluate_queue(
        &mut self,
        view: &PolicyView<'_>,
    ) -> Result<Vec<ReleaseDecision>, PolicyError> {
        let tick = view.tick();
        Ok(view
            .queue1()
            .map(|tx| match tick {
                0..=5 => ReleaseDecision::hold(tx.id, HoldReason::Custom("wait".into())),
                6..=8 => ReleaseDecision::hold(tx.id, HoldReason::Custom("later".into())),
                9..=11 => ReleaseDecision::hold(
                    tx.id,
                    HoldReason::NearDeadline {
                        ticks_remaining: tx.ticks_to_deadline(tick),
                    },
                ),
                _ => ReleaseDecision::submit(tx.id),
            })
            .collect())
    }
}

#[test]
fn a_policy_hold_is_recorded_when_it_starts_and_when_its_reason_changes() {
    let events = run(&plan(None), vec![Box::new(Changes), Box::new(Fifo)]);
    let mut expected = Vec::new();
    for (tick, reason) in [
        (2, HoldReason::Custom("wait".into())),
        (6, HoldReason::Custom("later".into())),
        // The deadline is tick 19: 10 ticks remain at tick 9.
        (
            9,
            HoldReason::NearDeadline {
                ticks_remaining: 10,
            },
        ),
    ] {
        for tx in [TxId(0), TxId(1), TxId(2)] {
            expected.push((tick, tx, reason.clone()));
        }
    }
    assert_eq!(held(&events), expected);
    assert_eq!(
        released(&events),
        [TxId(0), TxId(1), TxId(2)].map(|tx| (12, tx)).to_vec()
    );
}

/// A run stopped in the middle of a hold (and of a suspension) and resumed from its
/// checkpoint's bytes records no hold again: the state keeps each payment's reason.
#[test]
fn a_resumed_run_remembers_what_is_held() {
    let governed = || plan(Some(suspension()));
    let policies =
        || -> Vec<Box<dyn CashManagerPolicy>> { vec![Box::new(Changes), Box::new(Fifo)] };
    let whole = run(&governed(), policies());
    for stop in [4, 7, 10] {
        let mut events = Vec::new();
        let bytes = {
            let mut simulation = Simulation::new(&governed(), policies(), &mut events).unwrap();
            while simulation.next_tick() < stop {
                simulation.step(&mut events).unwrap();
            }
            postcard::to_stdvec(&simulation.checkpoint()).unwrap()
        };
        let checkpoint: SimulationCheckpoint = postcard::from_bytes(&bytes).unwrap();
        let mut simulation = Simulation::resume(&governed(), policies(), checkpoint).unwrap();
        simulation.run(&mut events, &mut |_| {}).unwrap();
        assert_eq!(events, whole, "stopped at tick {stop}");
    }
}
