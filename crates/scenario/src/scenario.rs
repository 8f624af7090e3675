//! A checked scenario, ready to run: the engine's [`Plan`] and one policy
//! specification per agent. Built from a scenario file by [`crate::config`], or in
//! code.

use rtgsim_core::Cents;
use rtgsim_core::{CashManagerPolicy, EventSink};
use rtgsim_engine::{Guardband, Plan, RunError, Simulation, SimulationCheckpoint};
use rtgsim_policy_dsl::Program;
use std::sync::Arc;

/// Everything a run needs: the plan, and each agent's policy (in agent order).
#[derive(Debug, Clone, PartialEq)]
pub struct Scenario {
    pub plan: Plan,
    pub policies: Vec<PolicySpec>,
    /// The guarded agents (`guardbands:`), each with its previous policy.
    pub guardbands: Vec<GuardSpec>,
    /// The fingerprint of the scenario and the policy files it read
    /// ([`crate::inputs_fingerprint`]): what a stored run is bound to, and with the
    /// seed, the start of the audit chain.
    pub inputs_sha256: String,
}

/// A guardband on an agent, and the policy it rolls the agent back to.
#[derive(Debug, Clone, PartialEq)]
pub struct GuardSpec {
    pub guardband: Guardband,
    pub previous: PolicySpec,
}

/// A cash-manager policy, checked.
#[derive(Debug, Clone, PartialEq)]
pub enum PolicySpec {
    Fifo,
    Deadline {
        urgency_threshold: u32,
    },
    LiquidityAware {
        target_buffer: Cents,
        urgency_threshold: u32,
    },
    LiquiditySplitting {
        max_parts: u32,
    },
    /// A compiled decision-tree document (`FromJson` or `Inline` in a scenario file).
    Tree {
        program: Arc<Program>,
        /// `FromJson` or `Inline`: how the scenario gave it.
        kind: &'static str,
        trace: bool,
    },
    /// A loaded Starlark script and the limits on each call.
    Starlark {
        script: Arc<rtgsim_policy_starlark::Script>,
        limits: rtgsim_policy_starlark::Limits,
    },
}

impl PolicySpec {
    /// The policy's type name as written in scenario files.
    pub fn kind(&self) -> &'static str {
        match self {
            PolicySpec::Fifo => "Fifo",
            PolicySpec::Deadline { .. } => "Deadline",
            PolicySpec::LiquidityAware { .. } => "LiquidityAware",
            PolicySpec::LiquiditySplitting { .. } => "LiquiditySplitting",
            PolicySpec::Tree { kind, .. } => kind,
            PolicySpec::Starlark { .. } => "Starlark",
        }
    }
}

impl Scenario {
    /// A fresh policy object per agent, in agent order.
    pub fn build_policies(&self) -> Vec<Box<dyn rtgsim_core::CashManagerPolicy>> {
        self.policies.iter().map(PolicySpec::build).collect()
    }

    /// Each guardband with a fresh instance of its previous policy, in the order
    /// written.
    pub fn build_guards(&self) -> Vec<(Guardband, Box<dyn CashManagerPolicy>)> {
        self.guardbands
            .iter()
            .map(|g| (g.guardband.clone(), g.previous.build()))
            .collect()
    }

    /// The scenario's simulation at tick 0, with fresh policies and its guardbands.
    pub fn start(&self, sink: &mut dyn EventSink) -> Result<Simulation, RunError> {
        Simulation::new_guarded(&self.plan, self.build_policies(), self.build_guards(), sink)
    }

    /// The scenario's simulation as `checkpoint` left it: fresh policies and
    /// guardbands, given back their states (an agent rolled back runs its previous
    /// policy).
    pub fn resume(&self, checkpoint: SimulationCheckpoint) -> Result<Simulation, RunError> {
        Simulation::resume_guarded(
            &self.plan,
            self.build_policies(),
            self.build_guards(),
            checkpoint,
        )
    }

    /// What the run's summary needs to know of the scenario.
    pub fn run_info(&self) -> rtgsim_report::RunInfo {
        rtgsim_report::RunInfo {
            ticks_per_day: self.plan.ticks_per_day,
            num_days: self.plan.num_days,
            seed: self.plan.seed,
            agents: self
                .plan
                .agents
                .iter()
                .zip(&self.policies)
                .map(|(agent, policy)| (agent.setup.name.clone(), policy.kind().to_string()))
                .collect(),
            governed: self.plan.governance.is_some(),
        }
    }
}
