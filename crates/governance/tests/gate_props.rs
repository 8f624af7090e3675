//! Property tests for the release gate (`rtgsim_governance::gate`), one test per
//! property of the gate's source document, each named after it:
//!
//! 1. `output_domain`, 2. `kill_switch_supremacy`, 3. `budget_enforcement`,
//! 4. `health_gating`, 5. `risk_gating`, 6. `restrictive_default_on_input_failure`,
//! 7. `blocking_gate_identification`, 8. `no_release_while_unsafe`,
//! 9. `monotonic_latch`, 10. `confidence_isolation`, 11. `policy_supremacy`.
//!
//! Every case is a random configuration (2 to 6 agents, kill switches, budgets,
//! bilateral and multilateral limits, health thresholds, contingency, latch
//! window) written as a `GovernanceConfig` and resolved with
//! `GovernanceConfig::resolve`, then a random sequence of operations: ticks
//! (increasing, some starting a day), operator events, and releases evaluated
//! with random health inputs (some `None`) and committed when allowed.
//!
//! The harness runs a small reference model next to the gate: a re-statement of
//! the table in the gate's module doc, working from the generated configuration
//! by agent index (not from `Resolved`). Where a property can be checked without
//! the model (committed totals, net positions, latch history) it is computed from
//! the trace alone.
//!
//! Amounts are never negative here: the gate does not reject a negative
//! amount, and committing one would lower the totals the budgets and limits
//! are checked against (reported, not pinned by a test).
//!
//! Each property counts how often its interesting branch ran and fails if it
//! was rare: a property that only ever compares two ALLOWs proves nothing.
//! `census_of_reasons_and_changes` checks, with a fixed seed, that every reason
//! code and every change kind occurs.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test helpers fail loudly

use std::cell::Cell;
use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;

use proptest::prelude::*;
use proptest::strategy::ValueTree;
use proptest::test_runner::{Config, TestCaseError, TestRunner};
use rtgsim_governance::gate::config::{
    BudgetLimits, GovernanceConfig, HealthLimits, Resolved, RiskLimits, ScenarioEventKind,
};
use rtgsim_governance::gate::{
    Change, ChangeKind, Decision, Gate, Health, Latch, Reason, ReleaseGate, Request, Verdict,
};

const NAMES: [&str; 6] = ["BANK_A", "BANK_B", "BANK_C", "BANK_D", "BANK_E", "BANK_F"];
const CASES: u32 = 256;
const OPERATOR: &str = "ops-desk-1";

// ---------------------------------------------------------------------------
// Generated configuration
// ---------------------------------------------------------------------------

/// One agent's `limits:` entry: bilateral limit by counterparty index, multilateral.
type LimitEntry = (Vec<Option<i64>>, Option<i64>);

/// A configuration, by agent index; written out as a `GovernanceConfig`.
#[derive(Debug, Clone)]
struct Setup {
    n: usize,
    /// `"*"` in the kill switch.
    system_suspended: bool,
    suspended: Vec<bool>,
    /// Per agent, its `budgets:` entry if any: (per_tick, per_day).
    budgets: Vec<Option<(Option<i64>, Option<i64>)>>,
    /// Per agent, its `limits:` entry if any: bilateral by counterparty index, multilateral.
    limits: Vec<Option<LimitEntry>>,
    max_value: Option<i64>,
    max_age: Option<u32>,
    contingency: bool,
    min_priority: u8,
    window: u32,
}

impl Setup {
    fn per_tick(&self, a: usize) -> Option<i64> {
        self.budgets[a].and_then(|(tick, _)| tick)
    }

    fn per_day(&self, a: usize) -> Option<i64> {
        self.budgets[a].and_then(|(_, day)| day)
    }

    fn bilateral(&self, a: usize, b: usize) -> Option<i64> {
        self.limits[a]
            .as_ref()
            .and_then(|(bilateral, _)| bilateral[b])
    }

    /// Whether agent `a` has any bilateral limit (then it needs to know the counterparty).
    fn has_bilateral(&self, a: usize) -> bool {
        self.limits[a]
            .as_ref()
            .is_some_and(|(bilateral, _)| bilateral.iter().any(Option::is_some))
    }

    fn multilateral(&self, a: usize) -> Option<i64> {
        self.limits[a]
            .as_ref()
            .and_then(|(_, multilateral)| *multilateral)
    }

    fn names(&self) -> &'static [&'static str] {
        &NAMES[..self.n]
    }

    fn config(&self) -> GovernanceConfig {
        let mut kill_switch: Vec<String> = (0..self.n)
            .filter(|&a| self.suspended[a])
            .map(|a| NAMES[a].to_string())
            .collect();
        if self.system_suspended {
            kill_switch.push("*".to_string());
        }
        let budgets = (0..self.n)
            .filter_map(|a| {
                self.budgets[a].map(|(per_tick, per_day)| {
                    (NAMES[a].to_string(), BudgetLimits { per_tick, per_day })
                })
            })
            .collect();
        let limits = (0..self.n)
            .filter_map(|a| {
                self.limits[a].as_ref().map(|(bilateral, multilateral)| {
                    let bilateral = bilateral
                        .iter()
                        .enumerate()
                        .filter_map(|(b, limit)| limit.map(|l| (NAMES[b].to_string(), l)))
                        .collect();
                    (
                        NAMES[a].to_string(),
                        RiskLimits {
                            bilateral,
                            multilateral: *multilateral,
                        },
                    )
                })
            })
            .collect();
        GovernanceConfig {
            kill_switch,
            budgets,
            limits,
            health: HealthLimits {
                max_queue2_value: self.max_value,
                max_queue2_age_ticks: self.max_age,
                contingency: self.contingency,
                contingency_min_priority: self.min_priority,
            },
            latch_reset_window_ticks: self.window,
        }
    }

    /// The same configuration as a scenario's `governance:` block would write it.
    fn yaml(&self) -> String {
        let config = self.config();
        let mut out = String::new();
        let quoted: Vec<String> = config
            .kill_switch
            .iter()
            .map(|name| format!("\"{name}\""))
            .collect();
        writeln!(out, "kill_switch: [{}]", quoted.join(", ")).unwrap();
        writeln!(out, "budgets:").unwrap();
        for (name, budget) in &config.budgets {
            writeln!(out, "  {name}:").unwrap();
            if let Some(v) = budget.per_tick {
                writeln!(out, "    per_tick: {v}").unwrap();
            }
            if let Some(v) = budget.per_day {
                writeln!(out, "    per_day: {v}").unwrap();
            }
            if budget.per_tick.is_none() && budget.per_day.is_none() {
                writeln!(out, "    {{}}").unwrap();
            }
        }
        writeln!(out, "limits:").unwrap();
        for (name, limits) in &config.limits {
            let bilateral: Vec<String> = limits
                .bilateral
                .iter()
                .map(|(other, limit)| format!("{other}: {limit}"))
                .collect();
            write!(
                out,
                "  {name}: {{ bilateral: {{ {} }}",
                bilateral.join(", ")
            )
            .unwrap();
            if let Some(m) = limits.multilateral {
                write!(out, ", multilateral: {m}").unwrap();
            }
            writeln!(out, " }}").unwrap();
        }
        writeln!(out, "health:").unwrap();
        if let Some(v) = self.max_value {
            writeln!(out, "  max_queue2_value: {v}").unwrap();
        }
        if let Some(v) = self.max_age {
            writeln!(out, "  max_queue2_age_ticks: {v}").unwrap();
        }
        writeln!(out, "  contingency: {}", self.contingency).unwrap();
        writeln!(out, "  contingency_min_priority: {}", self.min_priority).unwrap();
        writeln!(out, "latch_reset_window_ticks: {}", self.window).unwrap();
        // `budgets:` / `limits:` with nothing under them are YAML nulls, which
        // the config does not accept; write them as empty maps instead.
        out.replace("budgets:\nlimits:", "budgets: {}\nlimits:")
            .replace("limits:\nhealth:", "limits: {}\nhealth:")
    }

    /// The gate, built through the configuration path.
    fn gate(&self) -> ReleaseGate {
        let resolved = self
            .config()
            .resolve(self.names())
            .unwrap_or_else(|problems| panic!("a valid config did not resolve: {problems:?}"));
        ReleaseGate::new(resolved)
    }
}

fn setup() -> impl Strategy<Value = Setup> {
    (2_usize..=6).prop_flat_map(|n| {
        let budget = (
            prop::option::weighted(0.7, 0_i64..=300),
            prop::option::weighted(0.7, 0_i64..=1200),
        );
        let limit = (
            prop::collection::vec(prop::option::weighted(0.4, 0_i64..=300), n),
            prop::option::weighted(0.6, 0_i64..=600),
        );
        (
            Just(n),
            prop::bool::weighted(0.04),
            prop::collection::vec(prop::bool::weighted(0.12), n),
            prop::collection::vec(prop::option::weighted(0.7, budget), n),
            prop::collection::vec(prop::option::weighted(0.7, limit), n),
            prop::option::weighted(0.5, 0_i64..=1000),
            prop::option::weighted(0.5, 0_u32..=20),
            prop::bool::weighted(0.2),
            0_u8..=10,
            prop_oneof![Just(0_u32), 1_u32..=6],
        )
            .prop_map(
                |(
                    n,
                    system_suspended,
                    suspended,
                    budgets,
                    limits,
                    max_value,
                    max_age,
                    contingency,
                    min_priority,
                    window,
                )| Setup {
                    n,
                    system_suspended,
                    suspended,
                    budgets,
                    limits,
                    max_value,
                    max_age,
                    contingency,
                    min_priority,
                    window,
                },
            )
    })
}

// ---------------------------------------------------------------------------
// Operations
// ---------------------------------------------------------------------------

#[derive(Debug, Clone, Copy)]
struct Release {
    request: Request,
    health: Health,
}

#[derive(Debug, Clone, Copy)]
enum Op {
    /// `begin_tick` `step` ticks later.
    Tick { step: u32, new_day: bool },
    Event {
        kind: ScenarioEventKind,
        agent: Option<usize>,
    },
    /// `evaluate`, then `commit` when allowed.
    Release(Release),
}

fn health() -> impl Strategy<Value = Health> {
    (
        prop::option::weighted(0.9, 0_i64..=1000),
        prop::option::weighted(0.9, 0_u32..=20),
    )
        .prop_map(|(queue2_value, oldest_queue2_age)| Health {
            queue2_value,
            oldest_queue2_age,
        })
}

/// Mostly known agents, now and then one the gate does not know.
fn agent(n: usize) -> impl Strategy<Value = usize> {
    prop_oneof![30 => 0..n, 1 => n..n + 2]
}

/// Mostly known counterparties (the agent itself included), now and then none
/// or an unknown one.
fn counterparty(n: usize) -> impl Strategy<Value = Option<usize>> {
    prop::option::weighted(0.9, 0..=n)
}

fn tick_op() -> impl Strategy<Value = Op> {
    (1_u32..=3, prop::bool::weighted(0.2)).prop_map(|(step, new_day)| Op::Tick { step, new_day })
}

fn event_op(n: usize) -> impl Strategy<Value = Op> {
    let kind = prop_oneof![
        3 => Just(ScenarioEventKind::Suspend),
        3 => Just(ScenarioEventKind::Reset),
        2 => Just(ScenarioEventKind::ContingencyStart),
        2 => Just(ScenarioEventKind::ContingencyEnd),
    ];
    (kind, prop::option::weighted(0.8, 0..=n)).prop_map(|(kind, agent)| Op::Event { kind, agent })
}

fn release(n: usize, amounts: std::ops::RangeInclusive<i64>) -> impl Strategy<Value = Release> {
    (agent(n), counterparty(n), amounts, 0_u8..=10, health()).prop_map(
        |(agent, counterparty, amount, priority, health)| Release {
            request: Request {
                agent,
                counterparty,
                amount,
                priority,
            },
            health,
        },
    )
}

fn op(n: usize) -> impl Strategy<Value = Op> {
    prop_oneof![
        75 => release(n, 0..=150).prop_map(Op::Release),
        15 => tick_op(),
        10 => event_op(n),
    ]
}

fn scenario() -> impl Strategy<Value = (Setup, Vec<Op>)> {
    scenario_from(setup())
}

fn scenario_from(setups: impl Strategy<Value = Setup>) -> impl Strategy<Value = (Setup, Vec<Op>)> {
    setups.prop_flat_map(|setup| {
        let n = setup.n;
        (Just(setup), prop::collection::vec(op(n), 1..120))
    })
}

// ---------------------------------------------------------------------------
// Reference model
// ---------------------------------------------------------------------------

/// The table of the module doc, restated: kill switch, budget, health, risk,
/// the first that blocks decides; a HALT latches until a reset or the window.
#[derive(Debug, Clone)]
struct Model<'a> {
    setup: &'a Setup,
    system_suspended: bool,
    suspended: Vec<bool>,
    contingency: bool,
    /// Per agent: (tick latched, reason).
    latches: Vec<Option<(u32, Reason)>>,
    tick_sum: Vec<i64>,
    day_sum: Vec<i64>,
    /// Released today, sender then receiver.
    sent: Vec<Vec<i64>>,
    /// Released today to no counterparty or to one nobody knows.
    sent_elsewhere: Vec<i64>,
}

impl<'a> Model<'a> {
    fn new(setup: &'a Setup) -> Model<'a> {
        let n = setup.n;
        Model {
            setup,
            system_suspended: setup.system_suspended,
            suspended: setup.suspended.clone(),
            contingency: setup.contingency,
            latches: vec![None; n],
            tick_sum: vec![0; n],
            day_sum: vec![0; n],
            sent: vec![vec![0; n]; n],
            sent_elsewhere: vec![0; n],
        }
    }

    fn begin_tick(&mut self, tick: u32, new_day: bool) {
        self.tick_sum.fill(0);
        if new_day {
            self.day_sum.fill(0);
            self.sent.iter_mut().for_each(|row| row.fill(0));
            self.sent_elsewhere.fill(0);
        }
        let window = self.setup.window;
        for latch in &mut self.latches {
            if window > 0 && latch.is_some_and(|(since, _)| tick >= since + window) {
                *latch = None;
            }
        }
    }

    fn apply(&mut self, kind: ScenarioEventKind, agent: Option<usize>) {
        let n = self.setup.n;
        match (kind, agent) {
            // Contingency is system-wide, whatever agent the event names.
            (ScenarioEventKind::ContingencyStart, _) => self.contingency = true,
            (ScenarioEventKind::ContingencyEnd, _) => self.contingency = false,
            // An agent nobody knows: ignored.
            (_, Some(a)) if a >= n => {}
            (ScenarioEventKind::Suspend, Some(a)) => self.suspended[a] = true,
            (ScenarioEventKind::Suspend, None) => self.system_suspended = true,
            (ScenarioEventKind::Reset, Some(a)) => {
                self.suspended[a] = false;
                self.latches[a] = None;
            }
            (ScenarioEventKind::Reset, None) => {
                self.system_suspended = false;
                self.suspended.fill(false);
                self.latches.fill(None);
            }
        }
    }

    fn is_suspended(&self, a: usize) -> bool {
        a < self.setup.n && (self.system_suspended || self.suspended[a])
    }

    fn net(&self, a: usize, b: usize) -> i64 {
        self.sent[a][b] - self.sent[b][a]
    }

    fn net_out(&self, a: usize) -> i64 {
        let out: i64 = self.sent[a].iter().sum::<i64>() + self.sent_elsewhere[a];
        let received: i64 = self.sent.iter().map(|row| row[a]).sum();
        out - received
    }

    /// Each gate's own answer, whatever the others say.
    fn conditions(&self, r: &Request, h: &Health) -> [Option<Reason>; 4] {
        let s = self.setup;
        let a = r.agent;
        if a >= s.n {
            // Nobody can tell whether an unknown agent is suspended.
            return [Some(Reason::GateInputIncomplete), None, None, None];
        }
        let kill = self.is_suspended(a).then_some(Reason::HaltKillSwitch);
        let budget = if s
            .per_tick(a)
            .is_some_and(|cap| self.tick_sum[a] + r.amount > cap)
        {
            Some(Reason::HoldBudgetTick)
        } else if s
            .per_day(a)
            .is_some_and(|cap| self.day_sum[a] + r.amount > cap)
        {
            Some(Reason::HoldBudgetDay)
        } else {
            None
        };
        [kill, budget, self.health(r, h), self.risk(r)]
    }

    fn health(&self, r: &Request, h: &Health) -> Option<Reason> {
        let s = self.setup;
        if self.contingency && r.priority < s.min_priority {
            return Some(Reason::HoldContingency);
        }
        if let Some(max) = s.max_value {
            match h.queue2_value {
                None => return Some(Reason::GateInputIncomplete),
                Some(v) if v > max => return Some(Reason::HoldHealthQueueValue),
                Some(_) => {}
            }
        }
        if let Some(max) = s.max_age {
            match h.oldest_queue2_age {
                None => return Some(Reason::GateInputIncomplete),
                Some(v) if v > max => return Some(Reason::HoldHealthQueueAge),
                Some(_) => {}
            }
        }
        None
    }

    fn risk(&self, r: &Request) -> Option<Reason> {
        let s = self.setup;
        let a = r.agent;
        if s.has_bilateral(a) {
            let Some(b) = r.counterparty.filter(|&b| b < s.n) else {
                return Some(Reason::GateInputIncomplete);
            };
            if s.bilateral(a, b)
                .is_some_and(|limit| self.net(a, b) + r.amount > limit)
            {
                return Some(Reason::HoldRiskBilateral);
            }
        }
        if s.multilateral(a)
            .is_some_and(|cap| self.net_out(a) + r.amount > cap)
        {
            return Some(Reason::HoldRiskMultilateral);
        }
        None
    }

    fn expected(&self, r: &Request, h: &Health) -> Decision {
        if let Some((_, reason)) = self.latches.get(r.agent).copied().flatten() {
            return Decision {
                verdict: Verdict::Halt,
                reason,
                gate: Some(Gate::KillSwitch),
                latched: true,
            };
        }
        let first = Gate::ALL
            .into_iter()
            .zip(self.conditions(r, h))
            .find_map(|(gate, reason)| reason.map(|reason| (gate, reason)));
        match first {
            None => Decision {
                verdict: Verdict::Allow,
                reason: Reason::AllowAllGatesPassed,
                gate: None,
                latched: false,
            },
            Some((gate, reason)) => {
                let verdict = if gate == Gate::KillSwitch {
                    Verdict::Halt
                } else {
                    Verdict::Hold
                };
                Decision {
                    verdict,
                    reason,
                    gate: Some(gate),
                    latched: verdict == Verdict::Halt && r.agent < self.setup.n,
                }
            }
        }
    }

    /// After an evaluation: a HALT of a known agent latches.
    fn observe(&mut self, r: &Request, expected: &Decision, tick: u32) {
        if expected.verdict == Verdict::Halt
            && let Some(slot @ None) = self.latches.get_mut(r.agent)
        {
            *slot = Some((tick, expected.reason));
        }
    }

    fn commit(&mut self, r: &Request) {
        let a = r.agent;
        self.tick_sum[a] += r.amount;
        self.day_sum[a] += r.amount;
        match r.counterparty.filter(|&b| b < self.setup.n) {
            Some(b) => self.sent[a][b] += r.amount,
            None => self.sent_elsewhere[a] += r.amount,
        }
    }
}

// ---------------------------------------------------------------------------
// Harness
// ---------------------------------------------------------------------------

#[derive(Debug, Clone)]
struct Step {
    tick: u32,
    request: Request,
    health: Health,
    decision: Decision,
    /// The model's decision.
    expected: Decision,
    /// The model's answer of each gate on its own, by rank.
    conditions: [Option<Reason>; 4],
    /// The model's latch for the agent before the evaluation.
    model_latched: bool,
    /// The agent or the system is suspended (model, from config and events).
    suspended: bool,
    contingency: bool,
    committed: bool,
    /// `gate.latch(agent)` after the evaluation.
    latch_after: Option<Latch>,
}

#[derive(Debug, Clone)]
enum Entry {
    Tick {
        tick: u32,
        new_day: bool,
        changes: Vec<Change>,
    },
    Event {
        kind: ScenarioEventKind,
        agent: Option<usize>,
        change: Change,
    },
    Eval(Step),
}

/// Runs the operations through a gate built from the setup, with the model
/// alongside; the first tick (0) starts a day.
fn run(setup: &Setup, ops: &[Op]) -> Vec<Entry> {
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
                    .get(request.agent)
                    .copied()
                    .flatten()
                    .is_some();
                let suspended = model.is_suspended(request.agent);
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

fn steps(trace: &[Entry]) -> impl Iterator<Item = &Step> {
    trace.iter().filter_map(|entry| match entry {
        Entry::Eval(step) => Some(step),
        _ => None,
    })
}

/// Runs a property with proptest and fails the test on the first failure.
fn check<S: Strategy>(
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
fn require(property: &str, counts: &[(&str, u32, u32)]) {
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

fn bump(counter: &Cell<u32>) {
    counter.set(counter.get() + 1);
}

/// What the trace says was committed, counted without the model: per-tick and
/// per-day totals and today's positions.
#[derive(Debug, Clone)]
struct Positions {
    n: usize,
    tick_sum: Vec<i64>,
    day_sum: Vec<i64>,
    sent: Vec<Vec<i64>>,
    sent_total: Vec<i64>,
    received_total: Vec<i64>,
}

impl Positions {
    fn new(n: usize) -> Positions {
        Positions {
            n,
            tick_sum: vec![0; n],
            day_sum: vec![0; n],
            sent: vec![vec![0; n]; n],
            sent_total: vec![0; n],
            received_total: vec![0; n],
        }
    }

    fn tick(&mut self, new_day: bool) {
        self.tick_sum.fill(0);
        if new_day {
            *self = Positions::new(self.n);
        }
    }

    fn commit(&mut self, r: &Request) {
        let a = r.agent;
        self.tick_sum[a] += r.amount;
        self.day_sum[a] += r.amount;
        self.sent_total[a] += r.amount;
        if let Some(b) = r.counterparty.filter(|&b| b < self.n) {
            self.sent[a][b] += r.amount;
            self.received_total[b] += r.amount;
        }
    }

    fn net(&self, a: usize, b: usize) -> i64 {
        self.sent[a][b] - self.sent[b][a]
    }

    fn net_out(&self, a: usize) -> i64 {
        self.sent_total[a] - self.received_total[a]
    }

    /// Every committed total within every budget and limit of the setup.
    fn within_limits(&self, setup: &Setup) -> Result<(), TestCaseError> {
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

fn hold(gate: Gate, reason: Reason) -> Decision {
    Decision {
        verdict: Verdict::Hold,
        reason,
        gate: Some(gate),
        latched: false,
    }
}

// ---------------------------------------------------------------------------
// 1. Output domain
// ---------------------------------------------------------------------------

/// Property 1: every verdict is ALLOW, HOLD or HALT; ALLOW ⇔ reason
/// ALLOW_ALL_GATES_PASSED ⇔ no blocking gate; a blocking gate's rank is its
/// precedence (1..=4) and its reason belongs to it; HALT comes only from the
/// kill switch (rank 1), directly or through the latch.
#[test]
fn output_domain() {
    let seen: [Cell<u32>; 3] = Default::default();
    check(CASES, scenario(), |(setup, ops)| {
        for step in steps(&run(&setup, &ops)) {
            let d = step.decision;
            prop_assert!(["ALLOW", "HOLD", "HALT"].contains(&d.verdict.code()));
            let allow = d.verdict == Verdict::Allow;
            prop_assert_eq!(allow, d.reason == Reason::AllowAllGatesPassed, "{:?}", d);
            prop_assert_eq!(allow, d.gate.is_none(), "{:?}", d);
            prop_assert_eq!(allow, d.reason.code() == "ALLOW_ALL_GATES_PASSED");
            prop_assert_eq!(d.rank(), d.gate.map(Gate::rank));
            if let Some(gate) = d.gate {
                let precedence = Gate::ALL.iter().position(|g| *g == gate).unwrap() + 1;
                prop_assert_eq!(usize::from(gate.rank()), precedence);
                prop_assert!((1..=4).contains(&gate.rank()));
                let own = match gate {
                    Gate::KillSwitch => &[Reason::HaltKillSwitch, Reason::GateInputIncomplete][..],
                    Gate::Budget => &[Reason::HoldBudgetTick, Reason::HoldBudgetDay][..],
                    Gate::Health => &[
                        Reason::HoldHealthQueueValue,
                        Reason::HoldHealthQueueAge,
                        Reason::HoldContingency,
                        Reason::GateInputIncomplete,
                    ][..],
                    Gate::Risk => &[
                        Reason::HoldRiskBilateral,
                        Reason::HoldRiskMultilateral,
                        Reason::GateInputIncomplete,
                    ][..],
                };
                prop_assert!(own.contains(&d.reason), "{:?}", d);
            }
            prop_assert_eq!(
                d.verdict == Verdict::Halt,
                d.gate == Some(Gate::KillSwitch),
                "{:?}",
                d
            );
            if d.latched {
                prop_assert_eq!(d.verdict, Verdict::Halt);
            }
            bump(&seen[d.verdict as usize]);
        }
        Ok(())
    });
    let [allow, held, halt] = seen.map(Cell::into_inner);
    require(
        "output_domain",
        &[
            ("ALLOW", allow, 500),
            ("HOLD", held, 500),
            ("HALT", halt, 200),
        ],
    );
}

// ---------------------------------------------------------------------------
// 2. Kill switch supremacy
// ---------------------------------------------------------------------------

/// Property 2: a suspended agent, or any agent while the system is suspended,
/// is HALTed by the kill switch whatever the other inputs: the cases count
/// suspended evaluations where every other gate would pass and where some
/// other gate would block.
#[test]
fn kill_switch_supremacy() {
    let (others_pass, others_block) = (Cell::new(0_u32), Cell::new(0_u32));
    check(CASES, scenario(), |(setup, ops)| {
        for step in steps(&run(&setup, &ops)) {
            if !step.suspended {
                continue;
            }
            let d = step.decision;
            prop_assert_eq!(d.verdict, Verdict::Halt, "{:?}", step);
            prop_assert_eq!(d.reason, Reason::HaltKillSwitch, "{:?}", step);
            prop_assert_eq!(d.gate, Some(Gate::KillSwitch));
            prop_assert!(d.latched);
            prop_assert!(!step.committed);
            if step.conditions[1..].iter().all(Option::is_none) {
                bump(&others_pass);
            } else {
                bump(&others_block);
            }
        }
        Ok(())
    });
    require(
        "kill_switch_supremacy",
        &[
            ("suspended, other gates passing", others_pass.get(), 100),
            ("suspended, another gate blocking", others_block.get(), 100),
        ],
    );
}

// ---------------------------------------------------------------------------
// 3. Budget enforcement
// ---------------------------------------------------------------------------

/// Property 3: committed amounts per agent never pass per_tick within a tick
/// nor per_day within a day (totals counted from the trace, not the model); a
/// release that would pass either, when the kill switch does not block, is
/// HOLD at the budget gate with HOLD_BUDGET_TICK (checked first) or
/// HOLD_BUDGET_DAY.
#[test]
fn budget_enforcement() {
    let (tick_holds, day_holds) = (Cell::new(0_u32), Cell::new(0_u32));
    check(CASES, scenario(), |(setup, ops)| {
        let mut positions = Positions::new(setup.n);
        for entry in run(&setup, &ops) {
            let step = match entry {
                Entry::Tick { new_day, .. } => {
                    positions.tick(new_day);
                    continue;
                }
                Entry::Event { .. } => continue,
                Entry::Eval(step) => step,
            };
            let (r, a) = (step.request, step.request.agent);
            if a >= setup.n {
                prop_assert!(!step.committed);
                continue;
            }
            let earlier_blocks = step.suspended || step.model_latched;
            let over_tick = setup
                .per_tick(a)
                .is_some_and(|cap| positions.tick_sum[a] + r.amount > cap);
            let over_day = setup
                .per_day(a)
                .is_some_and(|cap| positions.day_sum[a] + r.amount > cap);
            if !earlier_blocks && over_tick {
                prop_assert_eq!(
                    step.decision,
                    hold(Gate::Budget, Reason::HoldBudgetTick),
                    "{:?}",
                    step
                );
                bump(&tick_holds);
            } else if !earlier_blocks && over_day {
                prop_assert_eq!(
                    step.decision,
                    hold(Gate::Budget, Reason::HoldBudgetDay),
                    "{:?}",
                    step
                );
                bump(&day_holds);
            }
            if step.decision.gate == Some(Gate::Budget) {
                prop_assert!(
                    over_tick || over_day,
                    "budget HOLD within budget: {:?}",
                    step
                );
            }
            if step.committed {
                positions.commit(&r);
                if let Some(cap) = setup.per_tick(a) {
                    prop_assert!(positions.tick_sum[a] <= cap);
                }
                if let Some(cap) = setup.per_day(a) {
                    prop_assert!(positions.day_sum[a] <= cap);
                }
            }
        }
        Ok(())
    });
    require(
        "budget_enforcement",
        &[
            ("HOLD_BUDGET_TICK", tick_holds.get(), 200),
            ("HOLD_BUDGET_DAY", day_holds.get(), 50),
        ],
    );
}

// ---------------------------------------------------------------------------
// 4. Health gating
// ---------------------------------------------------------------------------

/// Property 4: when the kill switch and the budget pass, a central queue value
/// over its maximum, an age over its maximum, or contingency with a priority
/// below the minimum holds the release at the health gate (rank 3); and the
/// health gate never holds without one of these or a missing input.
#[test]
fn health_gating() {
    let held: [Cell<u32>; 3] = Default::default();
    check(CASES, scenario(), |(setup, ops)| {
        for step in steps(&run(&setup, &ops)) {
            let (r, h) = (step.request, step.health);
            if r.agent >= setup.n || step.model_latched {
                continue;
            }
            if step.conditions[..2].iter().any(Option::is_some) {
                continue;
            }
            let contingency = step.contingency && r.priority < setup.min_priority;
            let value_over = setup
                .max_value
                .is_some_and(|max| h.queue2_value.is_some_and(|v| v > max));
            let age_over = setup
                .max_age
                .is_some_and(|max| h.oldest_queue2_age.is_some_and(|v| v > max));
            let missing = (setup.max_value.is_some() && h.queue2_value.is_none())
                || (setup.max_age.is_some() && h.oldest_queue2_age.is_none());
            let d = step.decision;
            if contingency || value_over || age_over {
                prop_assert_eq!(d.verdict, Verdict::Hold, "{:?}", step);
                prop_assert_eq!(d.gate, Some(Gate::Health), "{:?}", step);
                prop_assert_eq!(d.rank(), Some(3));
                if contingency {
                    prop_assert_eq!(d.reason, Reason::HoldContingency);
                }
                for (flag, counter) in [contingency, value_over, age_over].into_iter().zip(&held) {
                    if flag {
                        bump(counter);
                    }
                }
            } else if !missing {
                prop_assert_ne!(d.gate, Some(Gate::Health), "{:?}", step);
            }
        }
        Ok(())
    });
    let [contingency, value, age] = held.map(Cell::into_inner);
    require(
        "health_gating",
        &[
            ("contingency", contingency, 100),
            ("queue value over", value, 200),
            ("queue age over", age, 200),
        ],
    );
}

// ---------------------------------------------------------------------------
// 5. Risk gating
// ---------------------------------------------------------------------------

/// Property 5: when gates 1 to 3 pass, a release whose amount added to the net
/// bilateral position (committed a→b minus b→a today, counted from the trace)
/// passes the bilateral limit is HOLD_RISK_BILATERAL; otherwise one whose
/// amount added to the multilateral net passes its limit is
/// HOLD_RISK_MULTILATERAL; and after every commit no position is over its limit.
#[test]
fn risk_gating() {
    let (bilateral_holds, multilateral_holds) = (Cell::new(0_u32), Cell::new(0_u32));
    // Half the cases without health thresholds or a system-wide suspension, so
    // that releases reach the risk gate often.
    let setups = (setup(), any::<bool>()).prop_map(|(mut setup, relax)| {
        if relax {
            setup.max_value = None;
            setup.max_age = None;
            setup.contingency = false;
            setup.system_suspended = false;
        }
        setup
    });
    check(2 * CASES, scenario_from(setups), |(setup, ops)| {
        let mut positions = Positions::new(setup.n);
        for entry in run(&setup, &ops) {
            let step = match entry {
                Entry::Tick { new_day, .. } => {
                    positions.tick(new_day);
                    continue;
                }
                Entry::Event { .. } => continue,
                Entry::Eval(step) => step,
            };
            let (r, a) = (step.request, step.request.agent);
            let gates_pass = a < setup.n
                && !step.model_latched
                && step.conditions[..3].iter().all(Option::is_none);
            if gates_pass {
                let known = r.counterparty.filter(|&b| b < setup.n);
                let bilateral_over = known.is_some_and(|b| {
                    setup
                        .bilateral(a, b)
                        .is_some_and(|limit| positions.net(a, b) + r.amount > limit)
                });
                let multilateral_over = setup
                    .multilateral(a)
                    .is_some_and(|cap| positions.net_out(a) + r.amount > cap);
                let incomplete = setup.has_bilateral(a) && known.is_none();
                if bilateral_over {
                    prop_assert_eq!(
                        step.decision,
                        hold(Gate::Risk, Reason::HoldRiskBilateral),
                        "{:?}",
                        step
                    );
                    bump(&bilateral_holds);
                } else if multilateral_over && !incomplete {
                    prop_assert_eq!(
                        step.decision,
                        hold(Gate::Risk, Reason::HoldRiskMultilateral),
                        "{:?}",
                        step
                    );
                    bump(&multilateral_holds);
                } else if !incomplete {
                    prop_assert_eq!(step.decision.verdict, Verdict::Allow, "{:?}", step);
                }
            }
            if step.committed {
                positions.commit(&r);
                positions.within_limits(&setup)?;
            }
        }
        Ok(())
    });
    require(
        "risk_gating",
        &[
            ("HOLD_RISK_BILATERAL", bilateral_holds.get(), 100),
            ("HOLD_RISK_MULTILATERAL", multilateral_holds.get(), 100),
        ],
    );
}

// ---------------------------------------------------------------------------
// 6. Restrictive default on input failure
// ---------------------------------------------------------------------------

/// Property 6: a missing input a gate needs blocks at that gate, never ALLOW:
///
/// * an agent the gate does not know: HALT at the kill switch,
///   GATE_INPUT_INCOMPLETE (and nothing to latch);
/// * the queue value or age missing while its threshold is set, gates 1–2
///   passing: HOLD at health, GATE_INPUT_INCOMPLETE — unless a check the
///   health gate makes earlier (contingency, then a value present and over its
///   maximum before a missing age) already blocked it with its own reason;
/// * the counterparty missing or unknown while the agent has bilateral limits,
///   gates 1–3 passing: HOLD at risk, GATE_INPUT_INCOMPLETE.
#[test]
fn restrictive_default_on_input_failure() {
    let (unknown, health_missing, risk_missing) =
        (Cell::new(0_u32), Cell::new(0_u32), Cell::new(0_u32));
    check(CASES, scenario(), |(setup, ops)| {
        for step in steps(&run(&setup, &ops)) {
            let (r, h, d) = (step.request, step.health, step.decision);
            if r.agent >= setup.n {
                prop_assert_eq!(
                    d,
                    Decision {
                        verdict: Verdict::Halt,
                        reason: Reason::GateInputIncomplete,
                        gate: Some(Gate::KillSwitch),
                        latched: false,
                    }
                );
                prop_assert!(step.latch_after.is_none());
                bump(&unknown);
                continue;
            }
            if step.model_latched || step.conditions[..2].iter().any(Option::is_some) {
                continue;
            }
            let value_missing = setup.max_value.is_some() && h.queue2_value.is_none();
            let age_missing = setup.max_age.is_some() && h.oldest_queue2_age.is_none();
            if value_missing || age_missing {
                let contingency = step.contingency && r.priority < setup.min_priority;
                let value_over = setup
                    .max_value
                    .is_some_and(|max| h.queue2_value.is_some_and(|v| v > max));
                let reason = if contingency {
                    Reason::HoldContingency
                } else if value_over {
                    Reason::HoldHealthQueueValue
                } else {
                    Reason::GateInputIncomplete
                };
                prop_assert_eq!(d, hold(Gate::Health, reason), "{:?}", step);
                if reason == Reason::GateInputIncomplete {
                    bump(&health_missing);
                }
                continue;
            }
            if step.conditions[2].is_some() {
                continue;
            }
            let counterparty_missing = r.counterparty.is_none_or(|b| b >= setup.n);
            if setup.has_bilateral(r.agent) && counterparty_missing {
                prop_assert_eq!(
                    d,
                    hold(Gate::Risk, Reason::GateInputIncomplete),
                    "{:?}",
                    step
                );
                bump(&risk_missing);
            }
        }
        Ok(())
    });
    require(
        "restrictive_default_on_input_failure",
        &[
            ("unknown agent", unknown.get(), 50),
            ("health input missing", health_missing.get(), 100),
            ("counterparty missing", risk_missing.get(), 50),
        ],
    );
}

// ---------------------------------------------------------------------------
// 7. Blocking gate identification
// ---------------------------------------------------------------------------

/// Property 7: the decision is the reference model's: the gate reported is the
/// first in precedence whose condition holds (or the kill switch, for a latch),
/// with that gate's reason. The counters make sure precedence was actually
/// decided: cases where a later gate would also have blocked.
#[test]
fn blocking_gate_identification() {
    let contested: [Cell<u32>; 4] = Default::default();
    check(CASES, scenario(), |(setup, ops)| {
        for step in steps(&run(&setup, &ops)) {
            prop_assert_eq!(step.decision, step.expected, "{:?}", step);
            if step.model_latched {
                continue;
            }
            let blocking: Vec<usize> = (0..4).filter(|&g| step.conditions[g].is_some()).collect();
            if let Some(&first) = blocking.first() {
                prop_assert_eq!(step.decision.gate, Some(Gate::ALL[first]));
                prop_assert_eq!(step.decision.reason, step.conditions[first].unwrap());
                if blocking.len() > 1 {
                    bump(&contested[first]);
                }
            } else {
                prop_assert_eq!(step.decision.gate, None);
            }
        }
        Ok(())
    });
    let [kill, budget, health, _] = contested.map(Cell::into_inner);
    require(
        "blocking_gate_identification",
        &[
            ("kill switch first of several", kill, 100),
            ("budget first of several", budget, 100),
            ("health first of several", health, 100),
        ],
    );
}

// ---------------------------------------------------------------------------
// 8. No release while unsafe
// ---------------------------------------------------------------------------

/// Property 8: ALLOW only when every gate's condition passes in the reference
/// model (known agent, no latch, no suspension, within budgets, healthy
/// inputs present and under thresholds, positions within limits).
#[test]
fn no_release_while_unsafe() {
    let (allowed, unsafe_seen) = (Cell::new(0_u32), Cell::new(0_u32));
    check(CASES, scenario(), |(setup, ops)| {
        for step in steps(&run(&setup, &ops)) {
            let unsafe_now = step.request.agent >= setup.n
                || step.model_latched
                || step.conditions.iter().any(Option::is_some);
            if unsafe_now {
                prop_assert_ne!(step.decision.verdict, Verdict::Allow, "{:?}", step);
                prop_assert!(!step.committed);
                bump(&unsafe_seen);
            } else {
                prop_assert_eq!(step.decision.verdict, Verdict::Allow, "{:?}", step);
                bump(&allowed);
            }
        }
        Ok(())
    });
    require(
        "no_release_while_unsafe",
        &[
            ("allowed", allowed.get(), 500),
            ("unsafe", unsafe_seen.get(), 500),
        ],
    );
}

// ---------------------------------------------------------------------------
// 9. Monotonic latch
// ---------------------------------------------------------------------------

/// Property 9, from the trace alone: once a known agent is HALTed, every later
/// evaluation for it is HALT with `latched: true`, the same reason and the
/// gate's `latch(agent)` since that tick — whatever the inputs — until a
/// `Reset` of that agent or of the system, or, with a window W > 0, until a
/// `begin_tick` at a tick ≥ latch tick + W, which reports `LatchExpired` for
/// it (and no `begin_tick` reports it earlier). Severity never drops within a
/// latch (every answer in it is HALT, the most severe).
///
/// Through the public API a latch never outlives its cause: every HALT of a
/// known agent comes from a suspension, and the only way to lift one (`Reset`)
/// clears the latch too; a latch that expires while the suspension stands is
/// set again, from the new tick, at the next evaluation. So what this property
/// can tell apart is the latch's bookkeeping (its tick, its expiry and the
/// `LatchExpired` changes), which is what it checks.
#[test]
fn monotonic_latch() {
    let (started, held_on, expired, reset) = (
        Cell::new(0_u32),
        Cell::new(0_u32),
        Cell::new(0_u32),
        Cell::new(0_u32),
    );
    check(CASES, scenario(), |(setup, ops)| {
        let mut latches: Vec<Option<(u32, Reason)>> = vec![None; setup.n];
        for entry in run(&setup, &ops) {
            match entry {
                Entry::Tick { tick, changes, .. } => {
                    let reported: BTreeSet<usize> = changes
                        .iter()
                        .map(|change| {
                            prop_assert_eq!(change.what, ChangeKind::LatchExpired);
                            prop_assert_eq!(change.operator.as_deref(), None);
                            change.agent.ok_or_else(|| {
                                TestCaseError::fail("a latch expiry without an agent")
                            })
                        })
                        .collect::<Result<_, _>>()?;
                    prop_assert_eq!(reported.len(), changes.len(), "duplicate expiry");
                    for (a, latch) in latches.iter_mut().enumerate() {
                        let due = latch.is_some_and(|(since, _)| {
                            setup.window > 0 && tick >= since + setup.window
                        });
                        prop_assert_eq!(reported.contains(&a), due, "agent {} at {}", a, tick);
                        if due {
                            *latch = None;
                            bump(&expired);
                        }
                    }
                }
                Entry::Event {
                    kind,
                    agent,
                    change,
                } => {
                    prop_assert_eq!(change.agent, agent);
                    prop_assert_eq!(change.operator.as_deref(), Some(OPERATOR));
                    if kind == ScenarioEventKind::Reset {
                        prop_assert_eq!(change.what, ChangeKind::Reset);
                        for (a, latch) in latches.iter_mut().enumerate() {
                            if agent.is_none_or(|x| x == a) && latch.take().is_some() {
                                bump(&reset);
                            }
                        }
                    }
                }
                Entry::Eval(step) => {
                    let a = step.request.agent;
                    let d = step.decision;
                    if a >= setup.n {
                        continue;
                    }
                    if let Some((since, reason)) = latches[a] {
                        prop_assert_eq!(d.verdict, Verdict::Halt, "{:?}", step);
                        prop_assert!(d.latched, "{:?}", step);
                        prop_assert_eq!(d.reason, reason);
                        prop_assert_eq!(d.gate, Some(Gate::KillSwitch));
                        prop_assert_eq!(step.latch_after.map(|l| l.since), Some(since));
                        bump(&held_on);
                    } else if d.verdict == Verdict::Halt {
                        prop_assert!(d.latched, "{:?}", step);
                        prop_assert_eq!(
                            step.latch_after,
                            Some(Latch {
                                since: step.tick,
                                decision: Decision {
                                    latched: false,
                                    ..d
                                },
                            })
                        );
                        latches[a] = Some((step.tick, d.reason));
                        bump(&started);
                    } else {
                        prop_assert!(!d.latched);
                        prop_assert_eq!(step.latch_after, None);
                    }
                }
            }
        }
        Ok(())
    });
    require(
        "monotonic_latch",
        &[
            ("latches started", started.get(), 100),
            ("latched evaluations", held_on.get(), 200),
            ("latches expired", expired.get(), 30),
            ("latches reset", reset.get(), 30),
        ],
    );
}

// ---------------------------------------------------------------------------
// 10. Confidence isolation
// ---------------------------------------------------------------------------

/// What a policy hands over: the request, with what it says about itself.
///
/// `Request` has no confidence or label field, and `ReleaseGate::evaluate`
/// takes only `(&Request, &Health, tick)`: by design, nothing a policy says
/// about itself can reach the gate. That part of the property is checked by the
/// compiler; this wrapper exists so the test can attach such metadata and show
/// it changes nothing.
#[derive(Debug, Clone)]
struct PolicyOutput {
    request: Request,
    health: Health,
    confidence: f64,
    label: String,
}

#[derive(Debug, Clone, PartialEq)]
enum Observed {
    Decision(Decision),
    Changes(Vec<Change>),
    Change(Change),
}

/// Runs the operations with `metadata` attached to each release; only the
/// request and health go to the gate.
fn run_with_metadata(
    setup: &Setup,
    ops: &[Op],
    metadata: &[(f64, String)],
) -> (Vec<Observed>, Vec<String>, ReleaseGate) {
    let mut gate = setup.gate();
    let mut audit = Vec::new();
    let mut tick = 0;
    let mut seen = vec![Observed::Changes(gate.begin_tick(tick, true))];
    for (i, op) in ops.iter().enumerate() {
        match *op {
            Op::Tick { step, new_day } => {
                tick += step;
                seen.push(Observed::Changes(gate.begin_tick(tick, new_day)));
            }
            Op::Event { kind, agent } => {
                seen.push(Observed::Change(gate.apply(kind, agent, None)));
            }
            Op::Release(Release { request, health }) => {
                let (confidence, label) = metadata[i % metadata.len()].clone();
                let output = PolicyOutput {
                    request,
                    health,
                    confidence,
                    label,
                };
                let decision = gate.evaluate(&output.request, &output.health, tick);
                if decision.verdict == Verdict::Allow {
                    gate.commit(&output.request);
                }
                // The metadata is recorded next to the decision, never fed to it.
                audit.push(format!(
                    "{} {} confidence={} label={:?}",
                    decision.verdict.code(),
                    decision.reason.code(),
                    output.confidence,
                    output.label
                ));
                seen.push(Observed::Decision(decision));
            }
        }
    }
    (seen, audit, gate)
}

fn metadata() -> impl Strategy<Value = Vec<(f64, String)>> {
    prop::collection::vec((0.0_f64..=1.0, "[a-z]{0,8}"), 1..16)
}

/// Property 10: the decision is a function of (config, history, request,
/// health, tick) only. The same operations run twice, with different random
/// confidences and labels attached by the policy wrapper, give the same
/// decisions, the same changes and gates in the same final state — and the same
/// decisions as the plain harness, which attaches nothing.
#[test]
fn confidence_isolation() {
    let (compared, metadata_differed) = (Cell::new(0_u32), Cell::new(0_u32));
    let strategy = (scenario(), metadata(), metadata());
    check(CASES, strategy, |((setup, ops), first, second)| {
        let (seen_first, audit_first, gate_first) = run_with_metadata(&setup, &ops, &first);
        let (seen_second, audit_second, gate_second) = run_with_metadata(&setup, &ops, &second);
        prop_assert_eq!(audit_first.len(), audit_second.len());
        prop_assert_eq!(&seen_first, &seen_second);
        prop_assert_eq!(&gate_first, &gate_second);
        let plain: Vec<Decision> = steps(&run(&setup, &ops)).map(|s| s.decision).collect();
        let with_metadata: Vec<Decision> = seen_first
            .iter()
            .filter_map(|o| match o {
                Observed::Decision(d) => Some(*d),
                _ => None,
            })
            .collect();
        prop_assert_eq!(plain, with_metadata);
        compared.set(compared.get() + seen_first.len() as u32);
        if first.iter().zip(&second).any(|(x, y)| x != y) || first.len() != second.len() {
            bump(&metadata_differed);
        }
        Ok(())
    });
    require(
        "confidence_isolation",
        &[
            ("observations compared", compared.get(), 5_000),
            (
                "cases with different metadata",
                metadata_differed.get(),
                CASES / 2,
            ),
        ],
    );
}

// ---------------------------------------------------------------------------
// 11. Policy supremacy
// ---------------------------------------------------------------------------

/// What an adversarial policy does between ticks.
#[derive(Debug, Clone)]
enum Move {
    /// One large amount released as `parts` smaller ones.
    Split {
        release: Release,
        total: i64,
        parts: u8,
    },
    /// The same request again and again.
    Repeat {
        release: Release,
        times: u8,
    },
    Other(Op),
}

fn policy_ops() -> impl Strategy<Value = (Setup, Vec<Op>)> {
    setup().prop_flat_map(|setup| {
        let n = setup.n;
        let mv = prop_oneof![
            4 => (release(n, 0..=0), 0_i64..=2000, 1_u8..=12)
                .prop_map(|(release, total, parts)| Move::Split { release, total, parts }),
            3 => (release(n, 0..=400), 1_u8..=6)
                .prop_map(|(release, times)| Move::Repeat { release, times }),
            2 => tick_op().prop_map(Move::Other),
            1 => event_op(n).prop_map(Move::Other),
        ];
        let ops = prop::collection::vec(mv, 1..40).prop_map(|moves| {
            let mut ops = Vec::new();
            for mv in moves {
                match mv {
                    Move::Split {
                        release,
                        total,
                        parts,
                    } => {
                        let parts = i64::from(parts);
                        for k in 0..parts {
                            let mut part = release;
                            part.request.amount = total / parts + i64::from(k < total % parts);
                            ops.push(Op::Release(part));
                        }
                    }
                    Move::Repeat { release, times } => {
                        ops.extend((0..times).map(|_| Op::Release(release)));
                    }
                    Move::Other(op) => ops.push(op),
                }
            }
            ops
        });
        (Just(setup), ops)
    })
}

/// Property 11: whatever a policy asks for — random amounts, priorities and
/// counterparties, the same request repeated, a large amount split into many
/// small ones — committed totals stay within every per-tick and per-day budget
/// and every bilateral and multilateral limit, and no suspended agent is ever
/// allowed. The counters check that the splitting and repeating did run into
/// the gates (some releases allowed, later ones held by a budget or a limit).
#[test]
fn policy_supremacy() {
    let (allowed, stopped) = (Cell::new(0_u32), Cell::new(0_u32));
    check(CASES, policy_ops(), |(setup, ops)| {
        let mut positions = Positions::new(setup.n);
        for entry in run(&setup, &ops) {
            match entry {
                Entry::Tick { new_day, .. } => positions.tick(new_day),
                Entry::Event { .. } => {}
                Entry::Eval(step) => {
                    if step.suspended {
                        prop_assert_ne!(step.decision.verdict, Verdict::Allow, "{:?}", step);
                    }
                    if step.committed {
                        prop_assert!(step.request.agent < setup.n);
                        positions.commit(&step.request);
                        positions.within_limits(&setup)?;
                        bump(&allowed);
                    } else if matches!(step.decision.gate, Some(Gate::Budget | Gate::Risk)) {
                        bump(&stopped);
                    }
                }
            }
        }
        Ok(())
    });
    require(
        "policy_supremacy",
        &[
            ("allowed", allowed.get(), 500),
            ("stopped by a budget or a limit", stopped.get(), 500),
        ],
    );
}

// ---------------------------------------------------------------------------
// Census: every reason and change kind occurs
// ---------------------------------------------------------------------------

/// With a fixed seed, every reason code, every change kind and latched answers
/// all occur in the generated cases: the properties above are not vacuous on
/// any branch.
#[test]
fn census_of_reasons_and_changes() {
    let mut runner = TestRunner::deterministic();
    let strategy = scenario();
    let mut reasons: BTreeMap<(&str, Option<u8>), u32> = BTreeMap::new();
    let mut changes: BTreeMap<&str, u32> = BTreeMap::new();
    let mut latched = 0_u32;
    for _ in 0..400 {
        let (setup, ops) = strategy.new_tree(&mut runner).unwrap().current();
        for entry in run(&setup, &ops) {
            match entry {
                Entry::Tick { changes: c, .. } => {
                    for change in c {
                        *changes.entry(change.what.code()).or_default() += 1;
                    }
                }
                Entry::Event { change, .. } => {
                    *changes.entry(change.what.code()).or_default() += 1;
                }
                Entry::Eval(step) => {
                    *reasons
                        .entry((step.decision.reason.code(), step.decision.rank()))
                        .or_default() += 1;
                    latched += u32::from(step.decision.latched);
                }
            }
        }
    }
    let expected_reasons = [
        ("ALLOW_ALL_GATES_PASSED", None),
        ("HALT_KILL_SWITCH", Some(1)),
        ("GATE_INPUT_INCOMPLETE", Some(1)),
        ("HOLD_BUDGET_TICK", Some(2)),
        ("HOLD_BUDGET_DAY", Some(2)),
        ("HOLD_CONTINGENCY", Some(3)),
        ("HOLD_HEALTH_QUEUE_VALUE", Some(3)),
        ("HOLD_HEALTH_QUEUE_AGE", Some(3)),
        ("GATE_INPUT_INCOMPLETE", Some(3)),
        ("HOLD_RISK_BILATERAL", Some(4)),
        ("HOLD_RISK_MULTILATERAL", Some(4)),
        ("GATE_INPUT_INCOMPLETE", Some(4)),
    ];
    for key in expected_reasons {
        assert!(
            reasons.get(&key).is_some_and(|&c| c >= 20),
            "{key:?} occurred {:?} times: {reasons:?}",
            reasons.get(&key)
        );
    }
    assert_eq!(reasons.len(), expected_reasons.len(), "{reasons:?}");
    for kind in [
        "SUSPENDED",
        "RESET",
        "LATCH_EXPIRED",
        "CONTINGENCY_STARTED",
        "CONTINGENCY_ENDED",
    ] {
        assert!(
            changes.get(kind).is_some_and(|&c| c >= 20),
            "{kind} occurred {:?} times",
            changes.get(kind)
        );
    }
    assert!(latched > 500, "{latched} latched answers");
}

// ---------------------------------------------------------------------------
// Configuration: the YAML path and resolve
// ---------------------------------------------------------------------------

/// The generated configurations, written as YAML, parse to the same
/// `GovernanceConfig`, and resolve to the limits by index.
#[test]
fn generated_config_yaml_parses_and_resolves() {
    check(CASES, setup(), |setup| {
        let yaml = setup.yaml();
        let parsed: GovernanceConfig = serde_norway::from_str(&yaml)
            .map_err(|e| TestCaseError::fail(format!("{e}\n{yaml}")))?;
        prop_assert_eq!(&parsed, &setup.config(), "{}", yaml);
        let resolved = parsed
            .resolve(setup.names())
            .map_err(|p| TestCaseError::fail(format!("{p:?}")))?;
        prop_assert_eq!(resolved.system_suspended, setup.system_suspended);
        prop_assert_eq!(&resolved.suspended, &setup.suspended);
        prop_assert_eq!(resolved.latch_window, setup.window);
        for a in 0..setup.n {
            prop_assert_eq!(resolved.budgets[a].per_tick, setup.per_tick(a));
            prop_assert_eq!(resolved.budgets[a].per_day, setup.per_day(a));
            prop_assert_eq!(resolved.multilateral[a], setup.multilateral(a));
            let bilateral: Vec<(usize, i64)> = (0..setup.n)
                .filter_map(|b| setup.bilateral(a, b).map(|l| (b, l)))
                .collect();
            prop_assert_eq!(&resolved.bilateral[a], &bilateral);
        }
        Ok(())
    });
}

const EXAMPLE: &str = "\
kill_switch: [BANK_C]
budgets: { BANK_A: { per_tick: 500000, per_day: 5000000 } }
limits:  { BANK_B: { bilateral: { BANK_C: 200000 }, multilateral: 1000000 } }
health:  { max_queue2_value: 10000000 }
latch_reset_window_ticks: 0
";

fn parse(yaml: &str) -> GovernanceConfig {
    serde_norway::from_str(yaml).unwrap()
}

fn problems(yaml: &str, agents: &[&str]) -> Vec<String> {
    match parse(yaml).resolve(agents) {
        Ok(resolved) => panic!("expected problems, resolved to {resolved:?}"),
        Err(problems) => problems,
    }
}

#[test]
fn config_example_parses() {
    let config = parse(EXAMPLE);
    let expected = GovernanceConfig {
        kill_switch: vec!["BANK_C".to_string()],
        budgets: BTreeMap::from([(
            "BANK_A".to_string(),
            BudgetLimits {
                per_tick: Some(500_000),
                per_day: Some(5_000_000),
            },
        )]),
        limits: BTreeMap::from([(
            "BANK_B".to_string(),
            RiskLimits {
                bilateral: BTreeMap::from([("BANK_C".to_string(), 200_000)]),
                multilateral: Some(1_000_000),
            },
        )]),
        health: HealthLimits {
            max_queue2_value: Some(10_000_000),
            max_queue2_age_ticks: None,
            contingency: false,
            contingency_min_priority: 10,
        },
        latch_reset_window_ticks: 0,
    };
    assert_eq!(config, expected);
}

#[test]
fn config_example_resolves() {
    let resolved = parse(EXAMPLE)
        .resolve(&["BANK_A", "BANK_B", "BANK_C"])
        .unwrap();
    let expected = Resolved {
        system_suspended: false,
        suspended: vec![false, false, true],
        budgets: vec![
            BudgetLimits {
                per_tick: Some(500_000),
                per_day: Some(5_000_000),
            },
            BudgetLimits::default(),
            BudgetLimits::default(),
        ],
        bilateral: vec![vec![], vec![(2, 200_000)], vec![]],
        multilateral: vec![None, Some(1_000_000), None],
        health: HealthLimits {
            max_queue2_value: Some(10_000_000),
            ..HealthLimits::default()
        },
        latch_window: 0,
    };
    assert_eq!(resolved, expected);
}

#[test]
fn config_example_drives_the_gate() {
    let mut gate = ReleaseGate::new(
        parse(EXAMPLE)
            .resolve(&["BANK_A", "BANK_B", "BANK_C"])
            .unwrap(),
    );
    gate.begin_tick(0, true);
    let healthy = Health {
        queue2_value: Some(0),
        oldest_queue2_age: Some(0),
    };
    let request = |agent, counterparty, amount| Request {
        agent,
        counterparty: Some(counterparty),
        amount,
        priority: 5,
    };
    // BANK_C is suspended from tick 0.
    let halt = gate.evaluate(&request(2, 0, 1), &healthy, 0);
    assert_eq!(
        (halt.verdict, halt.reason, halt.rank(), halt.latched),
        (Verdict::Halt, Reason::HaltKillSwitch, Some(1), true)
    );
    // BANK_A: 500 000 per tick.
    let a = request(0, 1, 500_000);
    assert_eq!(gate.evaluate(&a, &healthy, 0).verdict, Verdict::Allow);
    gate.commit(&a);
    assert_eq!(
        gate.evaluate(&request(0, 1, 1), &healthy, 0),
        hold(Gate::Budget, Reason::HoldBudgetTick)
    );
    // BANK_B: 200 000 net to BANK_C.
    let b = request(1, 2, 200_000);
    assert_eq!(gate.evaluate(&b, &healthy, 0).verdict, Verdict::Allow);
    gate.commit(&b);
    assert_eq!(
        gate.evaluate(&request(1, 2, 1), &healthy, 0),
        hold(Gate::Risk, Reason::HoldRiskBilateral)
    );
    // The queue over 10 000 000 holds everyone not halted.
    let crowded = Health {
        queue2_value: Some(10_000_001),
        oldest_queue2_age: None,
    };
    assert_eq!(
        gate.evaluate(&request(1, 0, 1), &crowded, 0),
        hold(Gate::Health, Reason::HoldHealthQueueValue)
    );
}

#[test]
fn config_rejects_unknown_fields() {
    let error = serde_norway::from_str::<GovernanceConfig>("kill_switch: []\nbudget: {}\n")
        .unwrap_err()
        .to_string();
    assert!(error.contains("unknown field `budget`"), "{error}");
    let error = serde_norway::from_str::<GovernanceConfig>(
        "budgets: { BANK_A: { per_tick: 1, per_week: 2 } }\n",
    )
    .unwrap_err()
    .to_string();
    assert!(error.contains("unknown field `per_week`"), "{error}");
}

#[test]
fn config_defaults() {
    let config = parse("{}");
    assert_eq!(config, GovernanceConfig::default());
    assert_eq!(config.health.contingency_min_priority, 10);
    let resolved = config.resolve(&["BANK_A", "BANK_B"]).unwrap();
    assert_eq!(resolved.suspended, vec![false, false]);
    assert!(!resolved.system_suspended);
    assert_eq!(resolved.latch_window, 0);
    let star = parse("kill_switch: ['*']\n").resolve(&["BANK_A"]).unwrap();
    assert!(star.system_suspended);
    assert_eq!(star.suspended, vec![false]);
}

#[test]
fn resolve_names_unknown_agents() {
    let yaml = "\
kill_switch: [BANK_A, BANK_Z]
budgets: { BANK_Y: { per_tick: 1 } }
limits: { BANK_X: { multilateral: 5 }, BANK_A: { bilateral: { BANK_W: 3, BANK_B: 4 } } }
";
    assert_eq!(
        problems(yaml, &["BANK_A", "BANK_B"]),
        [
            "governance.kill_switch[1]: no agent \"BANK_Z\"",
            "governance.budgets.BANK_Y: no agent \"BANK_Y\"",
            "governance.limits.BANK_A.bilateral.BANK_W: no agent \"BANK_W\"",
            "governance.limits.BANK_X: no agent \"BANK_X\"",
        ]
    );
}

#[test]
fn resolve_rejects_negative_limits() {
    let yaml = "\
budgets: { BANK_A: { per_tick: -1, per_day: -2 } }
limits: { BANK_B: { bilateral: { BANK_A: -3 }, multilateral: -4 } }
health: { max_queue2_value: -5, contingency_min_priority: 11 }
";
    assert_eq!(
        problems(yaml, &["BANK_A", "BANK_B"]),
        [
            "governance.budgets.BANK_A.per_tick: a limit cannot be negative",
            "governance.budgets.BANK_A.per_day: a limit cannot be negative",
            "governance.limits.BANK_B.multilateral: a limit cannot be negative",
            "governance.limits.BANK_B.bilateral.BANK_A: a limit cannot be negative",
            "governance.health.max_queue2_value: a limit cannot be negative",
            "governance.health.contingency_min_priority: 11 is not a priority (0 to 10)",
        ]
    );
    // Zero is a limit (nothing may pass), not a problem.
    let zero = "budgets: { BANK_A: { per_tick: 0, per_day: 0 } }\n\
                limits: { BANK_A: { bilateral: { BANK_A: 0 }, multilateral: 0 } }\n";
    assert!(parse(zero).resolve(&["BANK_A"]).is_ok());
}

#[test]
fn resolve_reports_every_problem_of_one_entry() {
    // An unknown agent with a negative limit: both problems, each by its path.
    assert_eq!(
        problems("budgets: { BANK_Q: { per_day: -7 } }\n", &["BANK_A"]),
        [
            "governance.budgets.BANK_Q.per_day: a limit cannot be negative",
            "governance.budgets.BANK_Q: no agent \"BANK_Q\"",
        ]
    );
}
