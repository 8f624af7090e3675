//! The `scenario_events:` list: operators' governance actions (suspend, reset,
//! contingency) and the shocks the engine applies (transfers, liquidity in and out,
//! collateral value, credit limits, outages). One entry is one mapping with a `kind`;
//! which other keys it takes depends on the kind, and a key another kind takes is
//! refused by name. Shocks are resolved here into the engine's schedule; operators'
//! actions go to governance (`super::governance`).

use super::file::ScenarioFile;
use super::validate::Problems;
use rtgsim_core::arrivals::ArrivalChange;
use rtgsim_core::limits::{MAX_AGENT_TICKS, MAX_EXPECTED_PAYMENTS};
use rtgsim_core::money::{MAX_MONEY_CENTS, MAX_VALUE_FACTOR, ValueFactor};
use rtgsim_core::{AgentId, Cents, Tick};
use rtgsim_diagnostics::spelling::{Quote, did_you_mean};
use rtgsim_engine::{Agents, Plan, Repeat, ScheduledShock, Shock};
use rtgsim_governance::gate::config::ScenarioEventKind as OperatorAction;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// One entry of `scenario_events:`, as written.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ScenarioEventSection {
    pub kind: EventKind,
    /// The run's tick; or `day` and `tick_in_day`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tick: Option<Tick>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub day: Option<u32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tick_in_day: Option<Tick>,
    /// A shock applied again every `every_ticks` up to `until_tick`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub repeat: Option<RepeatSection>,
    /// The participant; `"*"` for every one where the kind allows it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub agent: Option<String>,
    /// The operator who acts (operators' actions).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub operator: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub from: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub to: Option<String>,
    /// Cents (transfer, inject, withdraw).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub amount: Option<Cents>,
    /// What collateral is now worth, as a multiple of what it was worth.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub factor: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub unsecured_cap: Option<Cents>,
    /// An outage's length.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ticks: Option<Tick>,
    /// Whether payments to an agent in an outage still settle (default true).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub receive: Option<bool>,
    /// An arrival rate set outright, payments per tick (`arrival_rate`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rate_per_tick: Option<f64>,
    /// Receivers and their weights (`counterparty_weights`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub weights: Option<BTreeMap<String, f64>>,
    /// Deadline offsets from arrival, inclusive (`deadline_window`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub range: Option<[Tick; 2]>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RepeatSection {
    pub every_ticks: Tick,
    pub until_tick: Tick,
}

/// Every kind of scenario event.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum EventKind {
    Suspend,
    Reset,
    ContingencyStart,
    ContingencyEnd,
    Transfer,
    Inject,
    Withdraw,
    CollateralValue,
    CreditLimit,
    ArrivalRate,
    CounterpartyWeights,
    DeadlineWindow,
    Outage,
}

impl EventKind {
    /// The operators' action, for the kinds that are one.
    pub fn operator_action(self) -> Option<OperatorAction> {
        match self {
            EventKind::Suspend => Some(OperatorAction::Suspend),
            EventKind::Reset => Some(OperatorAction::Reset),
            EventKind::ContingencyStart => Some(OperatorAction::ContingencyStart),
            EventKind::ContingencyEnd => Some(OperatorAction::ContingencyEnd),
            _ => None,
        }
    }

    fn name(self) -> &'static str {
        match self {
            EventKind::Suspend => "suspend",
            EventKind::Reset => "reset",
            EventKind::ContingencyStart => "contingency_start",
            EventKind::ContingencyEnd => "contingency_end",
            EventKind::Transfer => "transfer",
            EventKind::Inject => "inject",
            EventKind::Withdraw => "withdraw",
            EventKind::CollateralValue => "collateral_value",
            EventKind::CreditLimit => "credit_limit",
            EventKind::ArrivalRate => "arrival_rate",
            EventKind::CounterpartyWeights => "counterparty_weights",
            EventKind::DeadlineWindow => "deadline_window",
            EventKind::Outage => "outage",
        }
    }

    /// The keys the kind takes besides `kind` and its timing.
    fn keys(self) -> &'static [&'static str] {
        match self {
            EventKind::Suspend
            | EventKind::Reset
            | EventKind::ContingencyStart
            | EventKind::ContingencyEnd => &["agent", "operator"],
            EventKind::Transfer => &["from", "to", "amount"],
            EventKind::Inject | EventKind::Withdraw => &["agent", "amount"],
            EventKind::CollateralValue => &["agent", "factor"],
            EventKind::CreditLimit => &["agent", "unsecured_cap"],
            EventKind::ArrivalRate => &["agent", "factor", "rate_per_tick"],
            EventKind::CounterpartyWeights => &["agent", "weights"],
            EventKind::DeadlineWindow => &["agent", "range"],
            EventKind::Outage => &["agent", "ticks", "receive"],
        }
    }
}

/// The clock a scenario's events are placed on.
pub(super) struct Timeline {
    ticks_per_day: Tick,
    total_ticks: u64,
}

impl Timeline {
    pub(super) fn new(ticks_per_day: Tick, total_ticks: u64) -> Timeline {
        Timeline {
            ticks_per_day,
            total_ticks,
        }
    }
}

impl ScenarioEventSection {
    /// The keys given besides `kind` and the timing, by name.
    fn given(&self) -> Vec<&'static str> {
        let present = [
            ("agent", self.agent.is_some()),
            ("operator", self.operator.is_some()),
            ("from", self.from.is_some()),
            ("to", self.to.is_some()),
            ("amount", self.amount.is_some()),
            ("factor", self.factor.is_some()),
            ("unsecured_cap", self.unsecured_cap.is_some()),
            ("ticks", self.ticks.is_some()),
            ("receive", self.receive.is_some()),
            ("rate_per_tick", self.rate_per_tick.is_some()),
            ("weights", self.weights.is_some()),
            ("range", self.range.is_some()),
        ];
        present
            .into_iter()
            .filter_map(|(key, given)| given.then_some(key))
            .collect()
    }

    /// The tick the event is placed at (first, for a repeated one), checked; records
    /// a problem and returns `None` otherwise.
    pub(super) fn first_tick(
        &self,
        path: &str,
        timeline: &Timeline,
        problems: &mut Problems,
    ) -> Option<Tick> {
        let tick = match (self.tick, self.day, self.tick_in_day) {
            (Some(tick), None, None) => u64::from(tick),
            (None, Some(day), Some(tick_in_day)) => {
                if tick_in_day >= timeline.ticks_per_day {
                    problems.add(
                        format!("{path}.tick_in_day"),
                        format!(
                            "{tick_in_day} is not a tick of the day (0..{})",
                            timeline.ticks_per_day
                        ),
                    );
                    return None;
                }
                u64::from(day) * u64::from(timeline.ticks_per_day) + u64::from(tick_in_day)
            }
            _ => {
                problems.add(
                    path,
                    "place the event with `tick`, or with both `day` and `tick_in_day`",
                );
                return None;
            }
        };
        if tick >= timeline.total_ticks {
            problems.add(
                format!("{path}.tick"),
                format!(
                    "{tick} is after the last tick ({})",
                    timeline.total_ticks.saturating_sub(1)
                ),
            );
            return None;
        }
        Tick::try_from(tick).ok()
    }
}

/// The shocks among the scenario's events, checked, in the order written.
pub(super) fn resolve_shocks(
    file: &ScenarioFile,
    timeline: &Timeline,
    problems: &mut Problems,
) -> Shocks {
    let names: Vec<&str> = file.agents.iter().map(|a| a.id.as_str()).collect();
    let mut shocks = Shocks::default();
    for (i, event) in file.scenario_events.iter().enumerate() {
        let path = format!("scenario_events[{i}]");
        if !refuse_foreign_keys(event, &path, problems) || event.kind.operator_action().is_some() {
            continue;
        }
        let tick = event.first_tick(&path, timeline, problems);
        let repeat = event
            .repeat
            .and_then(|r| resolve_repeat(r, tick, &path, timeline, problems));
        let shock = resolve_shock(event, &names, &path, problems);
        if let (Some(tick), Some(shock), true) =
            (tick, shock, event.repeat.is_none() || repeat.is_some())
        {
            shocks.list.push(ScheduledShock {
                tick,
                repeat,
                shock,
            });
            shocks.written_at.push(i);
        }
    }
    // Every tick looks at every shock: bounded as agents over ticks are.
    let checks = (shocks.list.len() as u64).saturating_mul(timeline.total_ticks);
    if checks > MAX_AGENT_TICKS {
        problems.add(
            "scenario_events",
            format!(
                "{} shocks over {} ticks is {checks} shock-ticks; at most {MAX_AGENT_TICKS}",
                shocks.list.len(),
                timeline.total_ticks
            ),
        );
    }
    shocks
}

/// The engine's message with each `agent N` written as the agent's id, as users
/// know it (the highest indexes first, so `agent 1` does not match `agent 12`).
fn with_names(message: &str, plan: &Plan) -> String {
    let mut text = message.to_string();
    for (index, agent) in plan.agents.iter().enumerate().rev() {
        text = text.replace(&format!("agent {index}"), &agent.setup.name);
    }
    text
}

/// The scenario's shocks, and where each is written in `scenario_events`.
#[derive(Default)]
pub(super) struct Shocks {
    pub list: Vec<ScheduledShock>,
    pub written_at: Vec<usize>,
}

/// Every arrival change of the plan tried, in order, on its arrivals (a change the
/// agent's arrivals refuse is a problem at its place); and the payments the run could
/// create with the highest rates the changes put in force, against the bound that
/// keeps a run in memory.
pub(super) fn check_arrival_changes(plan: &Plan, written_at: &[usize], problems: &mut Problems) {
    match rtgsim_engine::shocks::check_arrival_changes(plan) {
        Err((index, message)) => {
            let i = written_at.get(index).copied().unwrap_or(index);
            problems.add(format!("scenario_events[{i}]"), with_names(&message, plan));
        }
        Ok(highest) => {
            let changes = plan
                .shocks
                .iter()
                .any(|s| matches!(s.shock, Shock::Arrivals { .. }));
            let expected = highest.iter().sum::<f64>() * plan.total_ticks() as f64
                + plan.scripted.len() as f64;
            if changes && expected > MAX_EXPECTED_PAYMENTS {
                problems.add(
                    "scenario_events",
                    format!(
                        "with the arrival rates its events set, the run could create about \
                         {expected:.0} payments; at most {MAX_EXPECTED_PAYMENTS:.0} (every \
                         payment is kept in memory)"
                    ),
                );
            }
        }
    }
}

/// Records a problem for every key the event's kind does not take; whether none was.
pub(super) fn refuse_foreign_keys(
    event: &ScenarioEventSection,
    path: &str,
    problems: &mut Problems,
) -> bool {
    let takes = event.kind.keys();
    let mut clean = true;
    for key in event.given() {
        if !takes.contains(&key) {
            problems.add(
                format!("{path}.{key}"),
                format!(
                    "{} events take {}; not {key}",
                    event.kind.name(),
                    takes.join(", ")
                ),
            );
            clean = false;
        }
    }
    if event.repeat.is_some() && event.kind.operator_action().is_some() {
        problems.add(
            format!("{path}.repeat"),
            "an operator's action happens once; list it again for another tick",
        );
        clean = false;
    }
    clean
}

fn resolve_repeat(
    repeat: RepeatSection,
    first: Option<Tick>,
    path: &str,
    timeline: &Timeline,
    problems: &mut Problems,
) -> Option<Repeat> {
    let at = |key: &str| format!("{path}.repeat.{key}");
    if repeat.every_ticks == 0 {
        problems.add(at("every_ticks"), "must be at least 1");
        return None;
    }
    let first = first?;
    if repeat.until_tick < first || u64::from(repeat.until_tick) >= timeline.total_ticks {
        problems.add(
            at("until_tick"),
            format!(
                "{} is not a tick from the first ({first}) to the last ({})",
                repeat.until_tick,
                timeline.total_ticks.saturating_sub(1)
            ),
        );
        return None;
    }
    Some(Repeat {
        every_ticks: repeat.every_ticks,
        until_tick: repeat.until_tick,
    })
}

fn resolve_shock(
    event: &ScenarioEventSection,
    names: &[&str],
    path: &str,
    problems: &mut Problems,
) -> Option<Shock> {
    let keys = Keys { event, names, path };
    match event.kind {
        EventKind::Transfer => {
            let from = keys.agent("from", &event.from, problems);
            let to = keys.agent("to", &event.to, problems);
            let amount = keys.money("amount", event.amount, 1, problems);
            if from.is_some() && from == to {
                problems.add(keys.at("to"), "a transfer needs two different agents");
                return None;
            }
            Some(Shock::Transfer {
                from: from?,
                to: to?,
                amount: amount?,
            })
        }
        EventKind::Inject | EventKind::Withdraw => {
            let agent = keys.agent("agent", &event.agent, problems);
            let amount = keys.money("amount", event.amount, 1, problems)?;
            let agent = agent?;
            Some(match event.kind {
                EventKind::Inject => Shock::Inject { agent, amount },
                _ => Shock::Withdraw { agent, amount },
            })
        }
        EventKind::CollateralValue => collateral_value(&keys, problems),
        EventKind::ArrivalRate => arrival_rate(&keys, problems),
        EventKind::CounterpartyWeights => {
            let agent = keys.agent("agent", &event.agent, problems);
            let Some(weights) = &event.weights else {
                keys.missing("weights", problems);
                return None;
            };
            let mut resolved = Vec::with_capacity(weights.len());
            for (name, &weight) in weights {
                let at = format!("{path}.weights.{name}");
                let receiver = lookup(name, names, &at, problems);
                if !weight.is_finite() || weight < 0.0 {
                    problems.add(at, format!("{weight} is not a weight (at least 0)"));
                } else if let Some(receiver) = receiver {
                    resolved.push((receiver, weight));
                }
            }
            Some(Shock::Arrivals {
                agents: Agents::One(agent?),
                change: ArrivalChange::CounterpartyWeights(resolved),
            })
        }
        EventKind::DeadlineWindow => {
            let agent = keys.agent("agent", &event.agent, problems);
            let Some([min_ticks, max_ticks]) = event.range else {
                keys.missing("range", problems);
                return None;
            };
            if min_ticks > max_ticks {
                problems.add(
                    keys.at("range"),
                    format!("[{min_ticks}, {max_ticks}]: the first is above the second"),
                );
                return None;
            }
            Some(Shock::Arrivals {
                agents: Agents::One(agent?),
                change: ArrivalChange::DeadlineWindow {
                    min_ticks,
                    max_ticks,
                },
            })
        }
        EventKind::CreditLimit => {
            let agent = keys.agent("agent", &event.agent, problems);
            let cap = keys.money("unsecured_cap", event.unsecured_cap, 0, problems);
            Some(Shock::CreditLimit {
                agent: agent?,
                unsecured_cap: cap?,
            })
        }
        EventKind::Outage => {
            let agent = keys.agent("agent", &event.agent, problems);
            let ticks = event.ticks.filter(|&t| t > 0);
            if ticks.is_none() {
                problems.add(keys.at("ticks"), "an outage needs ticks, at least 1");
            }
            Some(Shock::Outage {
                agent: agent?,
                ticks: ticks?,
                receive: event.receive.unwrap_or(true),
            })
        }
        _ => None,
    }
}

fn collateral_value(keys: &Keys<'_>, problems: &mut Problems) -> Option<Shock> {
    let event = keys.event;
    let agents = match event.agent.as_deref() {
        Some("*") => Some(Agents::All),
        _ => keys.agent("agent", &event.agent, problems).map(Agents::One),
    };
    let factor = match event.factor {
        None => {
            problems.add(keys.at("factor"), "collateral_value events need factor");
            None
        }
        Some(f) => ValueFactor::from_f64(f).or_else(|| {
            problems.add(
                keys.at("factor"),
                format!("{f} is not a factor from 0 to {MAX_VALUE_FACTOR}"),
            );
            None
        }),
    };
    Some(Shock::CollateralValue {
        agents: agents?,
        factor: factor?,
    })
}

fn arrival_rate(keys: &Keys<'_>, problems: &mut Problems) -> Option<Shock> {
    let event = keys.event;
    let agents = match event.agent.as_deref() {
        Some("*") => Some(Agents::All),
        _ => keys.agent("agent", &event.agent, problems).map(Agents::One),
    };
    let change = match (event.factor, event.rate_per_tick) {
        (Some(factor), None) => ArrivalChange::RateFactor(factor),
        (None, Some(rate)) => ArrivalChange::RatePerTick(rate),
        _ => {
            problems.add(
                keys.at("factor"),
                "arrival_rate events need either factor or rate_per_tick",
            );
            return None;
        }
    };
    Some(Shock::Arrivals {
        agents: agents?,
        change,
    })
}

/// Reads one event's keys, recording a problem for each missing or bad one.
struct Keys<'a> {
    event: &'a ScenarioEventSection,
    names: &'a [&'a str],
    path: &'a str,
}

impl Keys<'_> {
    fn at(&self, key: &str) -> String {
        format!("{}.{key}", self.path)
    }

    fn missing(&self, key: &str, problems: &mut Problems) {
        problems.add(
            self.at(key),
            format!("{} events need {key}", self.event.kind.name()),
        );
    }

    fn agent(&self, key: &str, name: &Option<String>, problems: &mut Problems) -> Option<AgentId> {
        let Some(name) = name else {
            self.missing(key, problems);
            return None;
        };
        lookup(name, self.names, &self.at(key), problems)
    }

    fn money(
        &self,
        key: &str,
        value: Option<Cents>,
        min: Cents,
        problems: &mut Problems,
    ) -> Option<Cents> {
        let Some(value) = value else {
            self.missing(key, problems);
            return None;
        };
        if !(min..=MAX_MONEY_CENTS).contains(&value) {
            problems.add(
                self.at(key),
                format!("{value} is outside {min}..={MAX_MONEY_CENTS} cents"),
            );
            return None;
        }
        Some(value)
    }
}

/// The agent named `name`, or a problem naming it (with a suggestion).
pub(super) fn lookup(
    name: &str,
    names: &[&str],
    path: &str,
    problems: &mut Problems,
) -> Option<AgentId> {
    match names.iter().position(|n| *n == name) {
        // The agents were counted against `MAX_AGENTS`, far below `u32::MAX`.
        Some(index) => Some(AgentId(index as u32)),
        None => {
            let hint = did_you_mean(name, names.iter().copied(), Quote::Double)
                .map(|words| format!(" ({words})"))
                .unwrap_or_default();
            problems.add(path, format!("no agent \"{name}\"{hint}"));
            None
        }
    }
}
