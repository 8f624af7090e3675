//! Checkpoints: a simulation between two ticks as data, and the simulation it
//! describes resumed with fresh policies (and guards) given back their state.

use super::{Simulation, check_guards, check_policy_count, governor};
use crate::guardband::{Guard, GuardCheckpoint, Guardband};
use crate::plan::Plan;
use crate::simulation::RunError;
use rtgsim_core::arrivals::ArrivalGenerator;
use rtgsim_core::{AgentId, CashManagerPolicy, CostLedger, SimState, Tick};
use rtgsim_governance::governor::{Governor, GovernorCheckpoint};
use rtgsim_settlement::SettlementEngine;
use thiserror::Error;

/// Why a checkpoint does not fit the plan and policies it was to resume with.
#[derive(Debug, Error, Clone, PartialEq, Eq)]
pub enum CheckpointMismatch {
    #[error("it has {saved} agents' policies, the plan {planned} agents")]
    AgentCount { saved: usize, planned: usize },
    #[error("agent {agent}'s policy state: {message}")]
    PolicyState { agent: usize, message: String },
    #[error("it is of another scenario")]
    OtherScenario,
    #[error("its arrivals: {0}")]
    Arrivals(String),
    #[error("more scripted payments done than the plan has")]
    Scripted,
    #[error("its governance differs from the plan's")]
    Governance,
    #[error("it has guardbands for agents {saved:?}, the run for {given:?}")]
    Guardbands { saved: Vec<u32>, given: Vec<u32> },
}

/// A simulation between two ticks, as data (see [`Simulation::checkpoint`]).
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct SimulationCheckpoint {
    state: rtgsim_core::StateSnapshot,
    arrivals: Vec<Option<u128>>,
    next_scripted: usize,
    ledger: CostLedger,
    next_tick: Tick,
    settlement: Option<u64>,
    /// Each policy's state as JSON text (kept as text so that the checkpoint can be
    /// written in a compact binary format, which cannot hold free-form JSON values).
    policies: Vec<Option<String>>,
    governor: Option<GovernorCheckpoint>,
    /// How many times the caller swapped each agent's policy
    /// ([`Simulation::swap_policy`]); guardband rollbacks are in `guards`.
    policy_swaps: Vec<u32>,
    /// Each guardband's window so far, and whether it rolled its agent back.
    guards: Vec<GuardCheckpoint>,
}

impl SimulationCheckpoint {
    /// The tick after which the next tick runs (the resumed run's first tick).
    pub fn next_tick(&self) -> Tick {
        self.next_tick
    }

    /// How many times the caller swapped each agent's policy before the
    /// checkpoint: a resume must be given, for such an agent, the policy it runs
    /// now.
    pub fn policy_swaps(&self) -> &[u32] {
        &self.policy_swaps
    }

    /// The agents rolled back by their guardband, with the tick at whose end it
    /// happened (a resume puts their previous policy back itself).
    pub fn rolled_back(&self) -> Vec<(AgentId, Tick)> {
        self.guards
            .iter()
            .filter_map(|g| g.rolled_back_at().map(|tick| (g.agent(), tick)))
            .collect()
    }
}

impl Simulation {
    /// Everything needed to carry on later exactly as if the run had not stopped.
    pub fn checkpoint(&self) -> SimulationCheckpoint {
        SimulationCheckpoint {
            state: self.state.snapshot(),
            arrivals: self.arrivals.positions(),
            next_scripted: self.next_scripted,
            ledger: self.ledger.clone(),
            next_tick: self.next_tick,
            settlement: self.settlement.memory(),
            policies: self
                .policy_states()
                .into_iter()
                .map(|state| state.map(|s| s.to_string()))
                .collect(),
            governor: self.governor.as_ref().map(Governor::checkpoint),
            policy_swaps: self.policy_swaps.clone(),
            guards: self.guards.iter().map(Guard::checkpoint).collect(),
        }
    }

    /// The simulation `checkpoint` describes, for `plan` (the plan it was taken
    /// from) and `policies` (fresh instances of the policies it ran: each is given
    /// back the state it had). An agent whose policy was swapped by
    /// [`swap_policy`](Self::swap_policy) must be given the policy it runs now
    /// ([`SimulationCheckpoint::policy_swaps`] says which).
    pub fn resume(
        plan: &Plan,
        policies: Vec<Box<dyn CashManagerPolicy>>,
        checkpoint: SimulationCheckpoint,
    ) -> Result<Simulation, RunError> {
        Simulation::resume_guarded(plan, policies, Vec::new(), checkpoint)
    }

    /// Like [`resume`](Self::resume), with the guards the run was started with, as
    /// given to [`new_guarded`](Self::new_guarded) (fresh instances, the same
    /// guardbands in the same order). An agent its guardband rolled back before the
    /// checkpoint is given its policy as at the start: the engine puts the previous
    /// policy back in its place itself, and gives it the state it had.
    pub fn resume_guarded(
        plan: &Plan,
        mut policies: Vec<Box<dyn CashManagerPolicy>>,
        guards: Vec<(Guardband, Box<dyn CashManagerPolicy>)>,
        checkpoint: SimulationCheckpoint,
    ) -> Result<Simulation, RunError> {
        let tick = checkpoint.next_tick;
        let refuse = |mismatch| RunError::Checkpoint { tick, mismatch };
        check_policy_count(plan, &policies)?;
        check_guards(plan, &guards)?;
        let saved: Vec<u32> = checkpoint.guards.iter().map(|g| g.agent().0).collect();
        let given: Vec<u32> = guards.iter().map(|(g, _)| g.agent.0).collect();
        if saved != given || checkpoint.policy_swaps.len() != policies.len() {
            return Err(refuse(CheckpointMismatch::Guardbands { saved, given }));
        }
        // Which policy each agent runs now: a rolled-back agent its previous one.
        let mut saved_guards = Vec::with_capacity(guards.len());
        let mut previous_policies = Vec::with_capacity(guards.len());
        for ((guardband, mut previous), saved) in guards.into_iter().zip(checkpoint.guards) {
            if saved.rolled_back_at().is_some()
                && let Some(slot) = policies.get_mut(guardband.agent.index())
            {
                std::mem::swap(slot, &mut previous);
            }
            saved_guards.push((guardband, saved));
            previous_policies.push(previous);
        }
        if checkpoint.policies.len() != policies.len() {
            return Err(refuse(CheckpointMismatch::AgentCount {
                saved: checkpoint.policies.len(),
                planned: policies.len(),
            }));
        }
        for (agent, (policy, state)) in policies.iter_mut().zip(checkpoint.policies).enumerate() {
            if let Some(text) = state {
                let policy_state =
                    |message: String| refuse(CheckpointMismatch::PolicyState { agent, message });
                let state = serde_json::from_str(&text).map_err(|e| policy_state(e.to_string()))?;
                policy
                    .restore_state(state)
                    .map_err(|e| policy_state(e.to_string()))?;
            }
        }
        let state = SimState::restore(checkpoint.state)
            .map_err(|source| RunError::State { tick, source })?;
        if state.agents().len() != plan.agents.len()
            || state.clock().ticks_per_day() != plan.ticks_per_day
            || state.clock().num_days() != plan.num_days
        {
            return Err(refuse(CheckpointMismatch::OtherScenario));
        }
        let specs = plan.agents.iter().map(|a| a.arrivals.clone()).collect();
        let mut arrivals = ArrivalGenerator::new(plan.seed, specs);
        arrivals
            .restore_positions(&checkpoint.arrivals)
            .map_err(|e| refuse(CheckpointMismatch::Arrivals(e)))?;
        let mut settlement = SettlementEngine::new(plan.settlement.clone());
        settlement.restore_memory(checkpoint.settlement);
        if checkpoint.next_scripted > plan.scripted.len() {
            return Err(refuse(CheckpointMismatch::Scripted));
        }
        let mut governor = governor(plan);
        match (&mut governor, checkpoint.governor) {
            (Some(governor), Some(saved)) => governor.restore(saved),
            (None, None) => {}
            _ => return Err(refuse(CheckpointMismatch::Governance)),
        }
        let guards = saved_guards
            .into_iter()
            .zip(previous_policies)
            .map(|((guardband, saved), previous)| {
                let rolled_back = saved.rolled_back_at().is_some();
                let mut guard = Guard::new(guardband, previous, &state);
                guard.restore(saved);
                if rolled_back {
                    // Its previous policy is running: nothing is left to fall back to.
                    guard.previous = None;
                }
                guard
            })
            .collect();
        Ok(Simulation {
            governor,
            guards,
            policy_swaps: checkpoint.policy_swaps,
            initial_liquidity: super::fixed_initial_liquidity(plan),
            shocks: plan.shocks.clone(),
            outages: crate::shocks::outages_at(&plan.shocks, plan.agents.len(), tick),
            state,
            policies,
            arrivals,
            scripted: plan.scripted.clone(),
            next_scripted: checkpoint.next_scripted,
            settlement,
            rates: plan.costs,
            ledger: checkpoint.ledger,
            next_tick: checkpoint.next_tick,
            new_payments: Vec::new(),
        })
    }
}
