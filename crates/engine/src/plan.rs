//! What a run is made of, apart from its policies: the clock, the agents' opening
//! positions and generated payments, the scripted payments, settlement, costs and
//! governance, and the shocks. Names are resolved to ids, money is in cents, rates in
//! micro-basis-points. The scenario loader builds one from a file; a Rust user can
//! build one in code.

use crate::shocks::ScheduledShock;
use rtgsim_core::arrivals::ArrivalSpec;
use rtgsim_core::{AgentSetup, CostRates, NewPayment, QueueOrder, Tick};
use rtgsim_governance::governor::GovernancePlan;
use rtgsim_settlement::SettlementConfig;

/// Everything a run needs but its policies.
#[derive(Debug, Clone, PartialEq)]
pub struct Plan {
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
    pub governance: Option<GovernancePlan>,
    /// The scenario's shocks, in the order listed (see [`crate::shocks`]).
    pub shocks: Vec<ScheduledShock>,
}

/// One agent: its starting position and its generated payments.
#[derive(Debug, Clone, PartialEq)]
pub struct AgentPlan {
    pub setup: AgentSetup,
    pub arrivals: Option<ArrivalSpec>,
}

/// A payment the scenario places at a given tick.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ScriptedPayment {
    pub tick: Tick,
    pub payment: NewPayment,
}

impl Plan {
    /// The agents' ids, in agent order.
    pub fn agent_names(&self) -> Vec<String> {
        self.agents.iter().map(|a| a.setup.name.clone()).collect()
    }

    /// Ticks in the whole run.
    pub fn total_ticks(&self) -> u64 {
        u64::from(self.ticks_per_day) * u64::from(self.num_days)
    }
}
