//! A checked scenario, ready to run: names resolved to ids, money in cents, rates
//! in micro-basis-points. Built from a scenario file by [`crate::config`], or in code.

use rtgsim_core::arrivals::ArrivalSpec;
use rtgsim_core::{AgentSetup, Cents, CostRates, NewPayment, QueueOrder, Tick};
use rtgsim_policy_dsl::Program;
use rtgsim_settlement::SettlementConfig;
use std::sync::Arc;

/// Everything a run needs.
#[derive(Debug, Clone, PartialEq)]
pub struct Scenario {
    pub ticks_per_day: Tick,
    pub num_days: u32,
    pub seed: u64,
    pub queue_order: QueueOrder,
    pub settlement: SettlementConfig,
    pub costs: CostRates,
    pub agents: Vec<AgentPlan>,
    /// Scripted payments in arrival order (by tick, then as written).
    pub scripted: Vec<ScriptedPayment>,
    /// The release gate and the operators' events, when the scenario has a
    /// `governance:` block.
    pub governance: Option<crate::governance::GovernancePlan>,
}

/// One agent: its starting position, its policy and its generated payments.
#[derive(Debug, Clone, PartialEq)]
pub struct AgentPlan {
    pub setup: AgentSetup,
    pub policy: PolicySpec,
    pub arrivals: Option<ArrivalSpec>,
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

/// A payment the scenario places at a given tick.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ScriptedPayment {
    pub tick: Tick,
    pub payment: NewPayment,
}

impl Scenario {
    /// The agents' ids, in agent order.
    pub fn agent_names(&self) -> Vec<String> {
        self.agents.iter().map(|a| a.setup.name.clone()).collect()
    }

    /// Ticks in the whole run.
    pub fn total_ticks(&self) -> u64 {
        u64::from(self.ticks_per_day) * u64::from(self.num_days)
    }
}
