//! The tick loop. Every tick runs the same steps in the same order:
//!
//! 1. arrivals: scripted payments (as written), then generated ones (agent order);
//! 2. strategic collateral: every agent's policy decides, then the decisions apply;
//! 3. payment decisions: every agent's policy decides on the same state; then, in
//!    agent order, the decisions apply (a hold is recorded when it starts or its
//!    reason changes) and the released payments go one at a time: each gets an
//!    immediate settlement attempt or joins Queue 2, where it is offset on entry,
//!    when configured, before the next one's attempt;
//! 4. settlement: the Queue 2 retry, then the liquidity-saving sequence, each
//!    algorithm followed by another retry;
//! 5. end-of-tick collateral, decided and applied like step 2;
//! 6. on the last tick of a day: a final settlement pass, retry and LSM (end-of-tick
//!    collateral may have raised liquidity);
//! 7. costs: overdraft, delay and collateral accrue; missed deadlines are charged;
//! 8. on the last tick of a day: the end-of-day penalty on what is still unsettled,
//!    and a `DayEnded` event. The next day starts with balances, collateral and
//!    queues carried over;
//! 9. guardbands (only for agents given one, see [`crate::guardband`]): at the end
//!    of each window, the agent's window figures against the bounds; on the first
//!    breach a `RolledBack` event (and, with governance, an audit record), and the
//!    agent runs its previous policy from the next tick on.
//!
//! A policy can also be swapped by the caller between two ticks
//! ([`Simulation::swap_policy`]); the new one decides from the next tick's step 2.
//!
//! A policy whose call fails, or whose decisions the engine refuses, holds everything
//! for that call; a `PolicyError` event records why.
//!
//! A scenario's shocks (see [`crate::shocks`]) apply at the start of each tick, before
//! the day's opening (so an injection at a day's first tick can repay an end-of-day
//! loan, and initial liquidity is posted at the collateral's new value). An agent in an operational outage is
//! not called at steps 2, 3 and 5 (nor for its initial liquidity): it releases and
//! posts nothing, and its Queue 1 fills.
//!
//! With governance, operators' events apply at the start of each tick (after the
//! arrivals), and every release a policy decides passes the release gate before it
//! is applied: what the gate stops is held, with an `audit` event when the hold
//! starts (not again each tick the gate holds it for the same gate). The decisions
//! are checked before the gate sees them (a refused call never reaches it), so
//! nothing the gate counts is refused afterwards.

mod checkpoint;
mod day;

pub use checkpoint::{CheckpointMismatch, SimulationCheckpoint};

use crate::guardband::{Guard, Guardband, Watched};
use crate::plan::{Plan, ScriptedPayment};
use crate::shocks::{Outages, ScheduledShock};
use rtgsim_core::arrivals::ArrivalGenerator;
use rtgsim_core::event::{CollateralPhase, Event, EventSink, PolicyCall, PolicyFailure};
use rtgsim_core::{
    AgentId, CashManagerPolicy, Clock, CollateralDecision, CostLedger, CostRates, LiquidityShare,
    NewPayment, PolicyError, PolicyView, ReleaseDecision, SimState, StateError, Tick, TraceEntry,
};
use rtgsim_governance::governor::Governor;
use rtgsim_settlement::SettlementEngine;
use thiserror::Error;

/// A run that could not start or go on.
#[derive(Debug, Error)]
pub enum RunError {
    #[error("tick {tick}: {source}")]
    State { tick: Tick, source: StateError },
    /// A simulation needs exactly one policy per agent.
    #[error("{policies} policies for {agents} agents")]
    PolicyCount { policies: usize, agents: usize },
    #[error("tick {tick}: the checkpoint cannot be resumed here: {mismatch}")]
    Checkpoint {
        tick: Tick,
        mismatch: CheckpointMismatch,
    },
    /// A guardband that cannot be applied (an agent the plan does not have, a
    /// second guardband for one agent, a window of 0 ticks, a NaN or negative
    /// factor or baseline figure).
    #[error("guardband for agent {agent}: {message}")]
    Guardband { agent: u32, message: String },
    /// End-of-day borrowing with a release gate: the loans would release payments
    /// the gate may hold, so the two are not combined.
    #[error("end-of-day borrowing cannot be combined with a release gate (governance)")]
    BorrowingWithGovernance,
    /// A swap for an agent the plan does not have.
    #[error("no agent {agent} to swap the policy of")]
    NoAgent { agent: u32 },
    /// A shock the plan cannot carry out (an arrival change the agent's arrivals
    /// refuse), by its place in the plan's shocks.
    #[error("shock {index}: {message}")]
    Shock { index: usize, message: String },
}

/// A policy's answer to one call, and its trace of how it got there.
type Answer<T> = (Result<T, PolicyError>, Vec<TraceEntry>);

/// A simulation in progress.
pub struct Simulation {
    state: SimState,
    policies: Vec<Box<dyn CashManagerPolicy>>,
    arrivals: ArrivalGenerator,
    scripted: Vec<ScriptedPayment>,
    next_scripted: usize,
    settlement: SettlementEngine,
    rates: CostRates,
    ledger: CostLedger,
    next_tick: Tick,
    /// Scratch buffer reused every tick.
    new_payments: Vec<NewPayment>,
    /// The release gate, when the scenario has governance.
    governor: Option<Governor>,
    /// The guarded agents, in the order given.
    guards: Vec<Guard>,
    /// See [`SimulationCheckpoint::policy_swaps`].
    policy_swaps: Vec<u32>,
    /// Each agent's fixed initial liquidity, if the scenario gives one.
    initial_liquidity: Vec<Option<LiquidityShare>>,
    /// The scenario's shocks, and the outages under way.
    shocks: Vec<ScheduledShock>,
    outages: Outages,
}

impl std::fmt::Debug for Simulation {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Simulation")
            .field("tick", &self.next_tick)
            .field("agents", &self.state.agents().len())
            .finish_non_exhaustive()
    }
}

impl Simulation {
    /// A simulation at tick 0 whose agents run `policies` (one per agent, in agent
    /// order), with every agent's opening position recorded in `sink`.
    pub fn new(
        plan: &Plan,
        policies: Vec<Box<dyn CashManagerPolicy>>,
        sink: &mut dyn EventSink,
    ) -> Result<Simulation, RunError> {
        Simulation::new_guarded(plan, policies, Vec::new(), sink)
    }

    /// Like [`new`](Self::new), with `guards`: each a [`Guardband`] on one agent
    /// and the previous policy that agent falls back to when the guardband breaks
    /// (see [`crate::guardband`]).
    pub fn new_guarded(
        plan: &Plan,
        policies: Vec<Box<dyn CashManagerPolicy>>,
        guards: Vec<(Guardband, Box<dyn CashManagerPolicy>)>,
        sink: &mut dyn EventSink,
    ) -> Result<Simulation, RunError> {
        let at_start = |source| RunError::State { tick: 0, source };
        check_policy_count(plan, &policies)?;
        check_guards(plan, &guards)?;
        if plan.costs.eod_borrowing.is_some() && plan.governance.is_some() {
            return Err(RunError::BorrowingWithGovernance);
        }
        let clock = Clock::new(plan.ticks_per_day, plan.num_days)
            .map_err(|error| at_start(error.into()))?;
        let setups = plan.agents.iter().map(|a| a.setup.clone()).collect();
        let mut state = SimState::new(setups, clock, plan.queue_order).map_err(at_start)?;
        state.set_deferred_crediting(plan.settlement.deferred_crediting);
        state.record_opening(sink);
        // A plan without arrival changes has nothing to try (and a sweep's thousands
        // of runs need not build a generator each for it).
        if plan
            .shocks
            .iter()
            .any(|s| matches!(s.shock, crate::shocks::Shock::Arrivals { .. }))
        {
            crate::shocks::check_arrival_changes(plan)
                .map_err(|(index, message)| RunError::Shock { index, message })?;
        }
        let specs = plan.agents.iter().map(|a| a.arrivals.clone()).collect();
        let guards = guards
            .into_iter()
            .map(|(guardband, previous)| Guard::new(guardband, previous, &state))
            .collect();
        Ok(Simulation {
            guards,
            policy_swaps: vec![0; plan.agents.len()],
            policies,
            arrivals: ArrivalGenerator::new(plan.seed, specs),
            scripted: plan.scripted.clone(),
            next_scripted: 0,
            settlement: SettlementEngine::new(plan.settlement.clone()),
            rates: plan.costs,
            ledger: CostLedger::new(plan.agents.len()),
            next_tick: 0,
            new_payments: Vec::new(),
            governor: governor(plan),
            initial_liquidity: fixed_initial_liquidity(plan),
            shocks: plan.shocks.clone(),
            outages: Outages::new(plan.agents.len()),
            state,
        })
    }

    pub fn state(&self) -> &SimState {
        &self.state
    }

    /// Each agent's policy state (`None` for a policy that keeps none).
    pub fn policy_states(&self) -> Vec<Option<serde_json::Value>> {
        self.policies.iter().map(|p| p.state()).collect()
    }

    /// Gives an agent's policy a state saved earlier (another run's, say).
    pub fn restore_policy_state(
        &mut self,
        agent: AgentId,
        state: serde_json::Value,
    ) -> Result<(), PolicyError> {
        match self.policies.get_mut(agent.index()) {
            Some(policy) => policy.restore_state(state),
            None => Err(PolicyError::new(format!("no agent {}", agent.0))),
        }
    }

    /// Puts `policy` in `agent`'s place from the next tick on (its step 2), and
    /// returns the policy it replaces. Called between two ticks; the new policy
    /// starts in the state it is given (a fresh one starts fresh) and decides on the
    /// agent's Queue 1 as it is. Nothing is recorded in the event log: a caller
    /// that wants the swap on record records it. A resume must be given the new
    /// policy for the agent ([`SimulationCheckpoint::policy_swaps`]).
    pub fn swap_policy(
        &mut self,
        agent: AgentId,
        policy: Box<dyn CashManagerPolicy>,
    ) -> Result<Box<dyn CashManagerPolicy>, RunError> {
        let Some(slot) = self.policies.get_mut(agent.index()) else {
            return Err(RunError::NoAgent { agent: agent.0 });
        };
        if let Some(swaps) = self.policy_swaps.get_mut(agent.index()) {
            *swaps += 1;
        }
        Ok(std::mem::replace(slot, policy))
    }

    /// The agents rolled back by their guardband so far, with the tick at whose
    /// end each was.
    pub fn rolled_back(&self) -> Vec<(AgentId, Tick)> {
        self.guards
            .iter()
            .filter_map(|g| g.rolled_back_at().map(|tick| (g.agent(), tick)))
            .collect()
    }

    /// The tick that runs next.
    pub fn next_tick(&self) -> Tick {
        self.next_tick
    }

    /// Whether every tick has run.
    pub fn is_finished(&self) -> bool {
        self.next_tick >= self.state.clock().total_ticks()
    }

    /// Runs every remaining tick; `on_tick` is called after each with the tick done.
    pub fn run(
        &mut self,
        sink: &mut dyn EventSink,
        on_tick: &mut dyn FnMut(Tick),
    ) -> Result<(), RunError> {
        while !self.is_finished() {
            let tick = self.next_tick;
            self.step(sink)?;
            on_tick(tick);
        }
        Ok(())
    }

    /// Runs one tick.
    pub fn step(&mut self, sink: &mut dyn EventSink) -> Result<(), RunError> {
        if self.guards.iter().all(Guard::is_rolled_back) {
            return self.run_tick(sink);
        }
        // The guards see every event of the tick on its way to the sink.
        let mut guards = std::mem::take(&mut self.guards);
        let ran = self.run_tick(&mut Watched {
            sink: &mut *sink,
            guards: &mut guards,
        });
        self.guards = guards;
        ran?;
        self.check_guards(sink);
        Ok(())
    }

    /// Step 9: each guard still watching ends the tick; a broken window rolls its
    /// agent back.
    fn check_guards(&mut self, sink: &mut dyn EventSink) {
        let tick = self.state.tick();
        for index in 0..self.guards.len() {
            let guard = &mut self.guards[index];
            let Some(rollback) = guard.end_tick(&self.state) else {
                continue;
            };
            let agent = guard.agent();
            if let (Some(previous), Some(slot)) =
                (guard.previous.take(), self.policies.get_mut(agent.index()))
            {
                *slot = previous;
            }
            sink.record(Event::RolledBack {
                tick,
                agent,
                rollback: Box::new(rollback),
            });
            if let Some(governor) = &mut self.governor {
                governor.audit_rollback(&self.state, agent, &rollback, sink);
            }
        }
    }

    /// Steps 1 to 8.
    fn run_tick(&mut self, sink: &mut dyn EventSink) -> Result<(), RunError> {
        let tick = self.next_tick;
        self.state.set_tick(tick);
        if !self.shocks.is_empty() {
            crate::shocks::apply(
                &self.shocks,
                &mut self.outages,
                &mut self.arrivals,
                &mut self.state,
                sink,
            );
        }
        if self.state.clock().is_first_tick_of_day() {
            self.open_day(sink);
        }
        self.arrive(sink)
            .map_err(|source| RunError::State { tick, source })?;
        if let Some(governor) = &mut self.governor {
            governor.begin_tick(&self.state, sink);
        }
        self.collateral(PolicyCall::StrategicCollateral, sink);
        self.decide_payments(sink);
        self.settlement.settle_tick(&mut self.state, sink);
        self.collateral(PolicyCall::EndOfTickCollateral, sink);
        let closing = self.state.clock().is_last_tick_of_day();
        if closing {
            self.settlement.settle_tick(&mut self.state, sink);
        }
        self.ledger.accrue_tick(&self.state, &self.rates, sink);
        self.state
            .charge_missed_deadlines(self.rates.deadline_penalty, sink);
        if closing {
            self.state.charge_end_of_day(self.rates.eod_penalty, sink);
            self.close_day(sink);
            sink.record(Event::DayEnded {
                tick,
                day: self.state.clock().day(),
            });
        }
        // Every test and debug run checks the whole state after every tick, so a
        // broken invariant is caught at the tick that broke it.
        self.state.debug_check_invariants();
        self.next_tick += 1;
        Ok(())
    }

    fn arrive(&mut self, sink: &mut dyn EventSink) -> Result<(), StateError> {
        let tick = self.state.tick();
        while let Some(scripted) = self.scripted.get(self.next_scripted) {
            if scripted.tick != tick {
                break;
            }
            self.state.add_payment(scripted.payment, sink)?;
            self.next_scripted += 1;
        }
        for index in 0..self.state.agents().len() {
            self.arrivals
                .generate(AgentId(index as u32), tick, &mut self.new_payments);
            for payment in self.new_payments.drain(..) {
                self.state.add_payment(payment, sink)?;
            }
        }
        Ok(())
    }

    /// Every policy decides on the same state; then the decisions apply in agent order.
    fn collateral(&mut self, call: PolicyCall, sink: &mut dyn EventSink) {
        let decisions: Vec<Answer<CollateralDecision>> = self
            .policies
            .iter_mut()
            .enumerate()
            .map(|(index, policy)| {
                if self.outages.is_out(index) {
                    return (Ok(CollateralDecision::Hold), Vec::new());
                }
                let view = PolicyView::new(&self.state, AgentId(index as u32), &self.rates, call);
                let decision = match call {
                    PolicyCall::StrategicCollateral => policy.strategic_collateral(&view),
                    _ => policy.end_of_tick_collateral(&view),
                };
                (decision, policy.take_trace())
            })
            .collect();
        let phase = match call {
            PolicyCall::StrategicCollateral => CollateralPhase::Strategic,
            _ => CollateralPhase::EndOfTick,
        };
        self.apply_collateral(call, phase, decisions, sink);
        self.ledger.observe_posted(&self.state, &self.rates);
    }

    /// Applies every agent's collateral decision, in agent order, through the
    /// release gate when there is one; a failed call or a refused decision is a
    /// policy error.
    fn apply_collateral(
        &mut self,
        call: PolicyCall,
        phase: CollateralPhase,
        decisions: Vec<Answer<CollateralDecision>>,
        sink: &mut dyn EventSink,
    ) {
        for (index, (decision, trace)) in decisions.into_iter().enumerate() {
            let agent = AgentId(index as u32);
            self.record_trace(agent, trace, sink);
            let outcome = decision.map_err(failed).and_then(|decision| {
                let decision = match &mut self.governor {
                    Some(governor) => governor.collateral(&self.state, agent, decision, sink),
                    None => decision,
                };
                self.state
                    .apply_collateral_decision(agent, decision, phase, sink)
                    .map_err(PolicyFailure::Refused)
            });
            if let Err(error) = outcome {
                self.record_policy_error(agent, call, error, sink);
            }
        }
    }

    /// Every policy decides on the same state; then, in agent order, the decisions
    /// apply and the released payments enter Queue 2.
    fn decide_payments(&mut self, sink: &mut dyn EventSink) {
        let call = PolicyCall::EvaluateQueue;
        let decisions: Vec<Answer<Vec<ReleaseDecision>>> = self
            .policies
            .iter_mut()
            .enumerate()
            .map(|(index, policy)| {
                if self.outages.is_out(index) {
                    return (Ok(Vec::new()), Vec::new());
                }
                let view = PolicyView::new(&self.state, AgentId(index as u32), &self.rates, call);
                (policy.evaluate_queue(&view), policy.take_trace())
            })
            .collect();
        let charges = self.rates.decision_charges();
        // Every release is judged against the health of the system as the policies
        // saw it.
        let health = self.governor.as_ref().map(|g| g.health(&self.state));
        for (index, (decided, trace)) in decisions.into_iter().enumerate() {
            let agent = AgentId(index as u32);
            self.record_trace(agent, trace, sink);
            let outcome = decided.map_err(failed).and_then(|mut decisions| {
                let refused = PolicyFailure::Refused;
                if let (Some(governor), Some(health)) = (&mut self.governor, &health) {
                    // Checked before they are gated: the gate counts what it allows,
                    // so it sees only decisions that apply in full (its holds and
                    // RBAC's refusals keep them so).
                    self.state
                        .check_release_decisions(agent, &decisions)
                        .map_err(refused)?;
                    governor.judge(&self.state, agent, &mut decisions, health, sink);
                }
                self.state
                    .apply_release_decisions(agent, &decisions, charges, sink)
                    .map_err(refused)
            });
            match outcome {
                Ok(releases) => {
                    self.settlement
                        .release(&mut self.state, agent, &releases, sink);
                }
                Err(error) => self.record_policy_error(agent, call, error, sink),
            }
        }
    }

    fn record_trace(&self, agent: AgentId, trace: Vec<TraceEntry>, sink: &mut dyn EventSink) {
        for entry in trace {
            sink.record(Event::PolicyTrace {
                tick: self.state.tick(),
                agent,
                tx: entry.tx,
                trace: entry.text,
            });
        }
    }

    fn record_policy_error(
        &self,
        agent: AgentId,
        call: PolicyCall,
        failure: PolicyFailure,
        sink: &mut dyn EventSink,
    ) {
        sink.record(Event::PolicyError {
            tick: self.state.tick(),
            agent,
            call,
            failure: Box::new(failure),
        });
    }
}

/// A policy's own failure, in its own words.
fn failed(error: PolicyError) -> PolicyFailure {
    PolicyFailure::Policy(error.message)
}

/// Each agent's fixed initial liquidity, in agent order.
fn fixed_initial_liquidity(plan: &Plan) -> Vec<Option<LiquidityShare>> {
    plan.agents
        .iter()
        .map(|a| a.setup.initial_liquidity)
        .collect()
}

fn governor(plan: &Plan) -> Option<Governor> {
    plan.governance
        .as_ref()
        .map(|governance| Governor::new(governance, plan.agent_names()))
}

/// Every guardband for an agent of the plan, one per agent, over windows of at
/// least one tick.
fn check_guards(
    plan: &Plan,
    guards: &[(Guardband, Box<dyn CashManagerPolicy>)],
) -> Result<(), RunError> {
    let mut seen = std::collections::BTreeSet::new();
    for (guardband, _) in guards {
        let agent = guardband.agent.0;
        let refuse = |message: &str| {
            Err(RunError::Guardband {
                agent,
                message: message.to_string(),
            })
        };
        if guardband.agent.index() >= plan.agents.len() {
            return refuse("the plan has no such agent");
        }
        if !seen.insert(agent) {
            return refuse("the agent has another guardband");
        }
        if guardband.every_ticks == 0 {
            return refuse("a window of 0 ticks");
        }
        let factors = &guardband.factors;
        let baseline = &guardband.baseline;
        let numbers = [
            Some(factors.max_cost_ratio),
            Some(factors.min_settlement_ratio),
            Some(factors.max_peak_credit_ratio),
            baseline.cost_cents_per_window,
            baseline.settlement_rate,
        ];
        // A NaN or a negative bound would make a comparison meaningless.
        if numbers
            .into_iter()
            .flatten()
            .any(|n| !n.is_finite() || n < 0.0)
            || baseline.peak_credit_cents.is_some_and(|peak| peak < 0)
        {
            return refuse("factors and baseline figures must be finite and at least 0");
        }
    }
    Ok(())
}

fn check_policy_count(
    plan: &Plan,
    policies: &[Box<dyn CashManagerPolicy>],
) -> Result<(), RunError> {
    if policies.len() == plan.agents.len() {
        Ok(())
    } else {
        Err(RunError::PolicyCount {
            policies: policies.len(),
            agents: plan.agents.len(),
        })
    }
}
