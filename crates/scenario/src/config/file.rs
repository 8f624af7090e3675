//! The scenario file as written: YAML or JSON, every key known (unknown keys are
//! errors). Values are checked and resolved into a [`crate::Scenario`] by
//! [`super::validate`]; nothing here decides what a value means.

use rtgsim_diagnostics::StrictJson;
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ScenarioFile {
    pub simulation: SimulationSection,
    #[serde(default)]
    pub settlement: SettlementSection,
    #[serde(default)]
    pub costs: CostsSection,
    pub agents: Vec<AgentSection>,
    /// Scripted payments, for exact scenarios.
    #[serde(default)]
    pub transactions: Vec<ScriptedPaymentSection>,
    /// The release gate: kill switch, budgets, health thresholds, risk limits.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub governance: Option<rtgsim_governance::gate::config::GovernanceConfig>,
    /// An RBAC rule file (relative to the scenario): what each policy's principal
    /// may deploy and do, and who may reset the release gate.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rbac: Option<String>,
    /// Events at given ticks: operators' actions (suspend, reset, contingency) and
    /// shocks (transfers, liquidity in and out, collateral value, credit limits,
    /// outages).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub scenario_events: Vec<super::events::ScenarioEventSection>,
    /// Agents whose policy is watched over windows of ticks and rolled back to its
    /// previous version when a window breaks a bound.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub guardbands: Vec<GuardbandSection>,
}

/// One guarded agent (`guardbands[]`): the previous policy it falls back to, the
/// window, the factors (defaults as `rtgsim compare`'s) and the baseline figures
/// they multiply.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct GuardbandSection {
    pub agent: String,
    /// The policy to fall back to, written as an agent's `policy:` is.
    pub previous_policy: StrictJson,
    /// The window's length and the checks' period, in ticks.
    pub every_ticks: u32,
    #[serde(default = "default_max_cost_ratio")]
    pub max_cost_ratio: f64,
    #[serde(default = "default_min_settlement_ratio")]
    pub min_settlement_ratio: f64,
    #[serde(default = "default_max_peak_credit_ratio")]
    pub max_peak_credit_ratio: f64,
    pub baseline: BaselineSection,
}

fn default_max_cost_ratio() -> f64 {
    rtgsim_engine::GuardbandFactors::default().max_cost_ratio
}

fn default_min_settlement_ratio() -> f64 {
    rtgsim_engine::GuardbandFactors::default().min_settlement_ratio
}

fn default_max_peak_credit_ratio() -> f64 {
    rtgsim_engine::GuardbandFactors::default().max_peak_credit_ratio
}

/// The previous policy's figures; each left out is not checked, at least one is
/// needed. The cost is per tick or per window, not both.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BaselineSection {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cost_per_tick_cents: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cost_per_window_cents: Option<f64>,
    /// Between 0 and 1.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub settlement_rate: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub peak_credit_cents: Option<i64>,
    /// A policy registry version whose evaluation gives the figures; the binary
    /// fills them in from the database (`rtgsim run --db`) before resolving.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub registry: Option<i64>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SimulationSection {
    pub ticks_per_day: u32,
    pub num_days: u32,
    #[serde(default)]
    pub seed: u64,
    /// Generated deadlines never pass the end of their payment's day. Left out of the
    /// canonical scenario when off, so that fingerprints made before it existed hold.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub deadline_cap_at_eod: bool,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SettlementSection {
    /// `fifo` or `priority`.
    #[serde(default)]
    pub queue_order: rtgsim_core::QueueOrder,
    #[serde(default)]
    pub fifo_bypass: bool,
    /// The liquidity-saving algorithms, in the order they run: `bilateral`,
    /// `multilateral`, `cycles`. `[]` turns the mechanism off.
    #[serde(default = "default_lsm")]
    pub lsm: Vec<String>,
    /// Offset a payment that cannot settle on release against its receiver's queued
    /// payments back to its sender.
    #[serde(default)]
    pub entry_offset: bool,
    /// Longest cycle, in agents, for the `cycles` algorithm.
    #[serde(default = "default_cycle_max_length")]
    pub cycle_max_length: usize,
    /// A payment received in tick t is usable from tick t + 1. Left out of the
    /// canonical scenario when off, so that fingerprints made before it existed hold.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub deferred_crediting: bool,
}

fn default_lsm() -> Vec<String> {
    rtgsim_settlement::SettlementConfig::default()
        .lsm
        .iter()
        .map(|step| step.name().to_string())
        .collect()
}

fn default_cycle_max_length() -> usize {
    rtgsim_settlement::DEFAULT_CYCLE_MAX_LENGTH
}

impl Default for SettlementSection {
    fn default() -> Self {
        SettlementSection {
            queue_order: rtgsim_core::QueueOrder::Fifo,
            fifo_bypass: false,
            lsm: default_lsm(),
            entry_offset: false,
            cycle_max_length: default_cycle_max_length(),
            deferred_crediting: false,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CostsSection {
    #[serde(default)]
    pub overdraft_bps_per_tick: f64,
    #[serde(default)]
    pub delay_cost_per_tick_bps: f64,
    #[serde(default)]
    pub collateral_bps_per_tick: f64,
    #[serde(default)]
    pub deadline_penalty: i64,
    #[serde(default)]
    pub eod_penalty: i64,
    #[serde(default)]
    pub split_friction: i64,
    /// Charged once a day on the most collateral posted during it. Left out of the
    /// canonical scenario when 0, so that fingerprints made before it existed hold.
    #[serde(default, skip_serializing_if = "is_zero_rate")]
    pub liquidity_cost_per_day_bps: f64,
    /// End-of-day borrowing: what is still waiting at a close settles by a loan to
    /// its sender, charged this rate on the amount. Absent, nothing is lent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub eod_borrowing_bps: Option<f64>,
}

fn is_zero_rate(bps: &f64) -> bool {
    *bps == 0.0
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AgentSection {
    pub id: String,
    pub opening_balance: i64,
    #[serde(default)]
    pub unsecured_cap: i64,
    #[serde(default)]
    pub collateral_capacity: i64,
    #[serde(default)]
    pub posted_collateral: i64,
    /// Share of posted collateral's value not counted as credit, 0 to 1.
    #[serde(default)]
    pub collateral_haircut: f64,
    #[serde(default)]
    pub liquidity_buffer: i64,
    /// A fixed initial liquidity for every day: `{share: 0.2}` posts 20% of the
    /// collateral capacity at each opening. Absent, the policy decides.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub initial_liquidity: Option<InitialLiquiditySection>,
    /// `{type: Fifo}` and the like; checked by type in [`super::validate`].
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub policy: Option<StrictJson>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub arrivals: Option<ArrivalsSection>,
}

/// `agents[].initial_liquidity`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct InitialLiquiditySection {
    /// Share of the collateral capacity, 0 to 1.
    pub share: f64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ArrivalsSection {
    pub rate_per_tick: f64,
    /// `{distribution: log_normal | uniform | fixed, ...}`; checked in [`super::validate`].
    pub amount: StrictJson,
    /// Receiver names and weights; every other agent equally when absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub counterparties: Option<StrictJson>,
    /// Deadline offset from arrival, `[min, max]` ticks.
    pub deadline_ticks: [u32; 2],
    #[serde(default = "default_priority")]
    pub priority: [u8; 2],
    #[serde(default)]
    pub divisible_share: f64,
}

fn default_priority() -> [u8; 2] {
    [5, 5]
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ScriptedPaymentSection {
    pub tick: u32,
    pub from: String,
    pub to: String,
    pub amount: i64,
    /// Absolute tick; the end of the run when absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub deadline: Option<u32>,
    #[serde(default = "default_scripted_priority")]
    pub priority: u8,
    #[serde(default)]
    pub divisible: bool,
}

fn default_scripted_priority() -> u8 {
    5
}

/// The parameters of each kind of `policy:`, after its `type`. Each is decoded on its
/// own so that an error names the exact field.
pub mod policy {
    use serde::{Deserialize, Serialize};

    /// `Fifo` takes no parameters; any given is an error.
    #[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
    #[serde(deny_unknown_fields)]
    pub struct NoParams {}

    #[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
    #[serde(deny_unknown_fields)]
    pub struct Deadline {
        #[serde(default = "default_urgency")]
        pub urgency_threshold: u32,
    }

    #[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
    #[serde(deny_unknown_fields)]
    pub struct LiquidityAware {
        pub target_buffer: i64,
        #[serde(default = "default_urgency")]
        pub urgency_threshold: u32,
    }

    #[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
    #[serde(deny_unknown_fields)]
    pub struct LiquiditySplitting {
        #[serde(default = "default_max_parts")]
        pub max_parts: u32,
    }

    /// A decision-tree document from a file or a string (exactly one of the two).
    #[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
    #[serde(deny_unknown_fields)]
    pub struct FromJson {
        #[serde(default)]
        pub json_path: Option<String>,
        #[serde(default)]
        pub json_string: Option<String>,
        /// Record the path through the tree of every decision.
        #[serde(default)]
        pub trace: bool,
    }

    /// A decision-tree document written inline, as YAML or JSON.
    #[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
    #[serde(deny_unknown_fields)]
    pub struct Inline {
        pub decision_trees: serde_json::Value,
        #[serde(default)]
        pub trace: bool,
    }

    /// A Starlark script from a file or a string (exactly one of the two), with
    /// optional limits.
    #[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
    #[serde(deny_unknown_fields)]
    pub struct Starlark {
        #[serde(default)]
        pub path: Option<String>,
        #[serde(default)]
        pub script: Option<String>,
        #[serde(default)]
        pub limits: StarlarkLimits,
    }

    /// Per-call limits; each left out takes its default.
    #[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
    #[serde(deny_unknown_fields)]
    pub struct StarlarkLimits {
        #[serde(default)]
        pub max_steps: Option<u64>,
        #[serde(default)]
        pub max_call_depth: Option<u64>,
        #[serde(default)]
        pub max_heap_bytes: Option<u64>,
        #[serde(default)]
        pub max_state_bytes: Option<u64>,
    }

    fn default_urgency() -> u32 {
        rtgsim_core::policies::DEFAULT_URGENCY_THRESHOLD
    }

    fn default_max_parts() -> u32 {
        rtgsim_core::policies::DEFAULT_MAX_PARTS
    }

    /// The policy types, as written after `type:`.
    pub const TYPES: &[&str] = &[
        "Fifo",
        "Deadline",
        "LiquidityAware",
        "LiquiditySplitting",
        "FromJson",
        "Inline",
        "Starlark",
    ];
}

/// The parameters of each amount distribution, after its `distribution`.
pub mod amount {
    use serde::{Deserialize, Serialize};

    #[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
    #[serde(deny_unknown_fields)]
    pub struct LogNormal {
        pub median: i64,
        pub sigma: f64,
    }

    #[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
    #[serde(deny_unknown_fields)]
    pub struct Uniform {
        pub min: i64,
        pub max: i64,
    }

    #[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
    #[serde(deny_unknown_fields)]
    pub struct Fixed {
        pub value: i64,
    }

    /// The distributions, as written after `distribution:`.
    pub const DISTRIBUTIONS: &[&str] = &["log_normal", "uniform", "fixed"];
}
