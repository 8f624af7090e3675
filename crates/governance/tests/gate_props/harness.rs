//! The harness: runs generated operations through a gate with the reference
//! model alongside and keeps the trace; runs properties with proptest and
//! counts how often their branches ran; counts committed positions from a trace.

use std::cell::Cell;

use proptest::prelude::*;
use proptest::test_runner::{Config, TestCaseError, TestRunner};
use rtgsim_core::AgentId;
use rtgsim_governance::gate::config::ScenarioEventKind;
use rtgsim_governance::gate::{Change, Decision, Gate, Health, Latch, Reason, Request, Verdict};

use crate::generated::{OPERATOR, Op, Release, Setup};
use crate::model::Model;

#[derive(Debug, Clone)]
pub struct Step {
    pub tick: u32,
    pub request: Request,
    pub health: Health,
    pub decision: Decision,
    /// The model's decision.
    pub expected: Decision,
    /// The model's answer of each gate on its own, by rank.
    pub conditions: [Option<Reason>; 4],
    /// The model's latch for the agent before the evaluation.
    pub model_latched: bool,
    /// The agent or the system is suspended (model, from config and events).
    pub suspended: bool,
    pub contingency: bool,
    pub committed: bool,
    /// `gate.latch(agent)` after the evaluation.
    pub latch_after: Option<Latch>,
}

#[derive(Debug, Clone)]
pub enum Entry {
    Tick {
        tick: u32,
        new_day: bool,
        changes: Vec<Change>,
    },
    Event {
        kind: ScenarioEventKind,
        agent: Option<AgentId>,
        change: Change,
    },
    Eval(Step),
}

/// Runs the operations through a gate built from the setup, with the model
/// alongside; the first tick (0) starts a day.
pub fn run(setup: &Setup, ops: &[Op]) -> Vec<Entry> {
    let mut gate = setup.gate();
    let mut model = Model::new(setup);
    let mut tick = 0_u32;
    let mut trace = Vec::with_capacity(ops.len() + 1);
    let changes = gate.begin_tick(tick, true);
    model.begin_tick(tick, true);
    trace.push(Entry::Tick {
        tick,
        new_day: true,
        changes,
    });
    for op in ops {
        match *op {
            Op::Tick { step, new_day } => {
                tick += step;
                let changes = gate.begin_tick(tick, new_day);
                model.begin_tick(tick, new_day);
                trace.push(Entry::Tick {
                    tick,
                    new_day,
                    changes,
                });
            }
            Op::Event { kind, agent } => {
                let change = gate.apply(kind, agent, Some(OPERATOR.to_string()));
                model.apply(kind, agent);
                trace.push(Entry::Event {
                    kind,
                    agent,
                    change,
                });
            }
            Op::Release(Release { request, health }) => {
                let expected = model.expected(&request, &health);
                let conditions = model.conditions(&request, &health);
                let model_latched = model
                    .latches
                    .get(request.agent.index())
                    .copied()
                    .flatten()
                    .is_some();
                let suspended = model.is_suspended(request.agent.index());
                let contingency = model.contingency;
                let decision = gate.evaluate(&request, &health, tick);
                model.observe(&request, &expected, tick);
                let committed = decision.verdict == Verdict::Allow;
                if committed {
                    gate.commit(&request);
                    model.commit(&request);
                }
                trace.push(Entry::Eval(Step {
                    tick,
                    request,
                    health,
                    decision,
                    expected,
                    conditions,
                    model_latched,
                    suspended,
                    contingency,
                    committed,
                    latch_after: gate.latch(request.agent),
                }));
            }
        }
    }
    trace
}

pub fn steps(trace: &[Entry]) -> impl Iterator<Item = &Step> {
    trace.iter().filter_map(|entry| match entry {
        Entry::Eval(step) => Some(step),
        _ => None,
    })
}

/// Runs a property with proptest and fails the test on the first failure.
pub fn check<S: Strategy>(
    cases: u32,
    strategy: S,
    test: impl Fn(S::Value) -> Result<(), TestCaseError>,
) {
    let config = Config {
        cases,
        failure_persistence: None,
        ..Config::default()
    };
    let mut runner = TestRunner::new(config);
    if let Err(failure) = runner.run(&strategy, test) {
        panic!("{failure}");
    }
}

/// Fails when a branch a property is about ran too rarely (the property would
/// be close to vacuous); prints the counts, seen with `--nocapture`.
pub fn require(property: &str, counts: &[(&str, u32, u32)]) {
    let summary: Vec<String> = counts
        .iter()
        .map(|(what, n, _)| format!("{what}: {n}"))
        .collect();
    eprintln!("{property}: {}", summary.join(", "));
    for &(what, count, min) in counts {
        assert!(
            count >= min,
            "{property}: {what} occurred {count} times, fewer than {min}"
        );
    }
}

pub fn bump(counter: &Cell<u32>) {
    counter.set(counter.get() + 1);
}

/// What the trace says was committed, counted without the model: per-tick and
/// per-day totals and today's positions.
#[derive(Debug, Clone)]
pub struct Positions {
    pub n: usize,
    pub tick_sum: Vec<i64>,
    pub day_sum: Vec<i64>,
    pub sent: Vec<Vec<i64>>,
    pub sent_total: Vec<i64>,
    pub received_total: Vec<i64>,
}

impl Positions {
    pub fn new(n: usize) -> Positions {
        Positions {
            n,
            tick_sum: vec![0; n],
            day_sum: vec![0; n],
            sent: vec![vec![0; n]; n],
            sent_total: vec![0; n],
            received_total: vec![0; n],
        }
    }

    pub fn tick(&mut self, new_day: bool) {
        self.tick_sum.fill(0);
        if new_day {
            *self = Positions::new(self.n);
        }
    }

    pub fn commit(&mut self, r: &Request) {
        let a = r.agent.index();
        self.tick_sum[a] += r.amount;
        self.day_sum[a] += r.amount;
        self.sent_total[a] += r.amount;
        if let Some(b) = r.counterparty.map(AgentId::index).filter(|&b| b < self.n) {
            self.sent[a][b] += r.amount;
            self.received_total[b] += r.amount;
        }
    }

    pub fn net(&self, a: usize, b: usize) -> i64 {
        self.sent[a][b] - self.sent[b][a]
    }

    pub fn net_out(&self, a: usize) -> i64 {
        self.sent_total[a] - self.received_total[a]
    }

    /// Every committed total within every budget and limit of the setup.
    pub fn within_limits(&self, setup: &Setup) -> Result<(), TestCaseError> {
        for a in 0..self.n {
            if let Some(cap) = setup.per_tick(a) {
                prop_assert!(self.tick_sum[a] <= cap, "agent {} tick total", a);
            }
            if let Some(cap) = setup.per_day(a) {
                prop_assert!(self.day_sum[a] <= cap, "agent {} day total", a);
            }
            for b in 0..self.n {
                if let Some(limit) = setup.bilateral(a, b) {
                    prop_assert!(self.net(a, b) <= limit, "net {} -> {}", a, b);
                }
            }
            if let Some(cap) = setup.multilateral(a) {
                prop_assert!(self.net_out(a) <= cap, "agent {} multilateral net", a);
            }
        }
        Ok(())
    }
}

pub fn hold(gate: Gate, reason: Reason) -> Decision {
    Decision {
        verdict: Verdict::Hold,
        reason,
        gate: Some(gate),
        latched: false,
    }
}
