//! What the properties run on: a random configuration, by agent index and
//! written out as a `GovernanceConfig`, and a random sequence of operations.

use proptest::prelude::*;
use rtgsim_core::AgentId;
use rtgsim_governance::gate::config::{
    BudgetLimits, GovernanceConfig, HealthLimits, RiskLimits, ScenarioEventKind,
};
use rtgsim_governance::gate::{Health, ReleaseGate, Request};

pub const NAMES: [&str; 6] = ["BANK_A", "BANK_B", "BANK_C", "BANK_D", "BANK_E", "BANK_F"];
pub const CASES: u32 = 256;
pub const OPERATOR: &str = "ops-desk-1";

/// The id of the agent at `index` (indexes here are below `NAMES.len() + 2`).
pub fn id(index: usize) -> AgentId {
    AgentId(index as u32)
}

// ---------------------------------------------------------------------------
// Generated configuration
// ---------------------------------------------------------------------------

/// One agent's `limits:` entry: bilateral limit by counterparty index, multilateral.
pub type LimitEntry = (Vec<Option<i64>>, Option<i64>);

/// A configuration, by agent index; written out as a `GovernanceConfig`.
#[derive(Debug, Clone)]
pub struct Setup {
    pub n: usize,
    /// `"*"` in the kill switch.
    pub system_suspended: bool,
    pub suspended: Vec<bool>,
    /// Per agent, its `budgets:` entry if any: (per_tick, per_day).
    pub budgets: Vec<Option<(Option<i64>, Option<i64>)>>,
    /// Per agent, its `limits:` entry if any: bilateral by counterparty index, multilateral.
    pub limits: Vec<Option<LimitEntry>>,
    pub max_value: Option<i64>,
    pub max_age: Option<u32>,
    pub contingency: bool,
    pub min_priority: u8,
    pub window: u32,
}

impl Setup {
    pub fn per_tick(&self, a: usize) -> Option<i64> {
        self.budgets[a].and_then(|(tick, _)| tick)
    }

    pub fn per_day(&self, a: usize) -> Option<i64> {
        self.budgets[a].and_then(|(_, day)| day)
    }

    pub fn bilateral(&self, a: usize, b: usize) -> Option<i64> {
        self.limits[a]
            .as_ref()
            .and_then(|(bilateral, _)| bilateral[b])
    }

    /// Whether agent `a` has any bilateral limit (then it needs to know the counterparty).
    pub fn has_bilateral(&self, a: usize) -> bool {
        self.limits[a]
            .as_ref()
            .is_some_and(|(bilateral, _)| bilateral.iter().any(Option::is_some))
    }

    pub fn multilateral(&self, a: usize) -> Option<i64> {
        self.limits[a]
            .as_ref()
            .and_then(|(_, multilateral)| *multilateral)
    }

    pub fn names(&self) -> &'static [&'static str] {
        &NAMES[..self.n]
    }

    pub fn config(&self) -> GovernanceConfig {
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

    /// The gate, built through the configuration path.
    pub fn gate(&self) -> ReleaseGate {
        let resolved = self
            .config()
            .resolve(self.names())
            .unwrap_or_else(|problems| panic!("a valid config did not resolve: {problems:?}"));
        ReleaseGate::new(resolved)
    }
}

pub fn setup() -> impl Strategy<Value = Setup> {
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
pub struct Release {
    pub request: Request,
    pub health: Health,
}

#[derive(Debug, Clone, Copy)]
pub enum Op {
    /// `begin_tick` `step` ticks later.
    Tick { step: u32, new_day: bool },
    Event {
        kind: ScenarioEventKind,
        agent: Option<AgentId>,
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
fn agent(n: usize) -> impl Strategy<Value = AgentId> {
    prop_oneof![30 => 0..n, 1 => n..n + 2].prop_map(id)
}

/// Mostly known counterparties (the agent itself included), now and then none
/// or an unknown one.
fn counterparty(n: usize) -> impl Strategy<Value = Option<AgentId>> {
    prop::option::weighted(0.9, (0..=n).prop_map(id))
}

pub fn tick_op() -> impl Strategy<Value = Op> {
    (1_u32..=3, prop::bool::weighted(0.2)).prop_map(|(step, new_day)| Op::Tick { step, new_day })
}

pub fn event_op(n: usize) -> impl Strategy<Value = Op> {
    let kind = prop_oneof![
        3 => Just(ScenarioEventKind::Suspend),
        3 => Just(ScenarioEventKind::Reset),
        2 => Just(ScenarioEventKind::ContingencyStart),
        2 => Just(ScenarioEventKind::ContingencyEnd),
    ];
    let agent = prop::option::weighted(0.8, (0..=n).prop_map(id));
    (kind, agent).prop_map(|(kind, agent)| Op::Event { kind, agent })
}

pub fn release(n: usize, amounts: std::ops::RangeInclusive<i64>) -> impl Strategy<Value = Release> {
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

pub fn scenario() -> impl Strategy<Value = (Setup, Vec<Op>)> {
    scenario_from(setup())
}

pub fn scenario_from(
    setups: impl Strategy<Value = Setup>,
) -> impl Strategy<Value = (Setup, Vec<Op>)> {
    setups.prop_flat_map(|setup| {
        let n = setup.n;
        (Just(setup), prop::collection::vec(op(n), 1..120))
    })
}

// ---------------------------------------------------------------------------
// The generator's configuration path
// ---------------------------------------------------------------------------

/// The generated configurations written as YAML, the way a scenario's
/// `governance:` block is (needs the `yaml` feature).
#[cfg(feature = "yaml")]
mod yaml {
    use std::fmt::Write as _;

    use proptest::prelude::*;
    use proptest::test_runner::TestCaseError;
    use rtgsim_core::AgentId;
    use rtgsim_governance::gate::config::GovernanceConfig;

    use super::{CASES, Setup, id, setup};
    use crate::harness::check;

    /// The same configuration as a scenario's `governance:` block would write it.
    fn yaml(setup: &Setup) -> String {
        let config = setup.config();
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
        if let Some(v) = setup.max_value {
            writeln!(out, "  max_queue2_value: {v}").unwrap();
        }
        if let Some(v) = setup.max_age {
            writeln!(out, "  max_queue2_age_ticks: {v}").unwrap();
        }
        writeln!(out, "  contingency: {}", setup.contingency).unwrap();
        writeln!(out, "  contingency_min_priority: {}", setup.min_priority).unwrap();
        writeln!(out, "latch_reset_window_ticks: {}", setup.window).unwrap();
        // `budgets:` / `limits:` with nothing under them are YAML nulls, which
        // the config does not accept; write them as empty maps instead.
        out.replace("budgets:\nlimits:", "budgets: {}\nlimits:")
            .replace("limits:\nhealth:", "limits: {}\nhealth:")
    }

    /// The generated configurations, written as YAML, parse to the same
    /// `GovernanceConfig`, and resolve to the limits by index: the gates the
    /// properties test are built the way a scenario's would be.
    #[test]
    fn generated_config_yaml_parses_and_resolves() {
        check(CASES, setup(), |setup| {
            let yaml = yaml(&setup);
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
                let bilateral: Vec<(AgentId, i64)> = (0..setup.n)
                    .filter_map(|b| setup.bilateral(a, b).map(|l| (id(b), l)))
                    .collect();
                prop_assert_eq!(&resolved.bilateral[a], &bilateral);
            }
            Ok(())
        });
    }
}
