//! Checks a scenario file and resolves it into a [`Scenario`]. Every problem found is
//! reported, each with the path of the value at fault, not only the first.

use super::file::{
    AgentSection, ArrivalsSection, CostsSection, ScenarioFile, ScriptedPaymentSection, amount,
};
use super::files::PolicyFiles;
use crate::scenario::{PolicySpec, Scenario};
use rtgsim_core::arrivals::{AmountDistribution, ArrivalSpec, Counterparties};
use rtgsim_core::limits::{
    MAX_AGENT_TICKS, MAX_AGENTS, MAX_EXPECTED_PAYMENTS, MAX_PRIORITY, MAX_RATE_PER_TICK,
    MAX_TICKS_PER_DAY, MAX_TOTAL_TICKS,
};
use rtgsim_core::money::MAX_MONEY_CENTS;
use rtgsim_core::{AgentId, AgentSetup, Cents, CostRates, LiquidityShare, NewPayment, Rate};
use rtgsim_diagnostics::unknown_field::unknown_field;
use rtgsim_diagnostics::{Diagnostic, Quote, Step, UnknownField, did_you_mean};
use rtgsim_engine::{AgentPlan, Plan, ScriptedPayment};
use rtgsim_settlement::lsm::cycles::MAX_CYCLE_LENGTH;
use rtgsim_settlement::{LsmStep, SettlementConfig};
use serde::de::DeserializeOwned;
use std::collections::BTreeMap;

/// The longest agent id accepted.
const MAX_AGENT_ID_LEN: usize = 64;
/// The largest log-normal sigma accepted (beyond it amounts are mostly 1 cent or the cap).
const MAX_SIGMA: f64 = 10.0;

#[derive(Default)]
pub(super) struct Problems(Vec<Diagnostic>);

impl Problems {
    pub(super) fn add(&mut self, path: impl Into<String>, message: impl Into<String>) {
        self.0.push(Diagnostic::new(path, message));
    }

    /// Records a problem unless `ok`.
    pub(super) fn check(
        &mut self,
        ok: bool,
        path: impl FnOnce() -> String,
        message: impl FnOnce() -> String,
    ) {
        if !ok {
            self.add(path(), message());
        }
    }

    pub(super) fn money(&mut self, path: &str, value: i64, min: i64) {
        self.check(
            (min..=MAX_MONEY_CENTS).contains(&value),
            || path.to_string(),
            || format!("{value} is outside {min}..={MAX_MONEY_CENTS} cents"),
        );
    }
}

/// Checks `file` and resolves it, or lists every problem found. Relative policy file
/// files are read through `files`.
pub fn resolve(file: &ScenarioFile, files: &mut PolicyFiles) -> Result<Scenario, Vec<Diagnostic>> {
    let mut problems = Problems::default();
    let sim = &file.simulation;
    problems.check(
        (1..=MAX_TICKS_PER_DAY).contains(&sim.ticks_per_day),
        || "simulation.ticks_per_day".into(),
        || format!("{} is outside 1..={MAX_TICKS_PER_DAY}", sim.ticks_per_day),
    );
    let total_ticks = u64::from(sim.ticks_per_day) * u64::from(sim.num_days);
    problems.check(
        sim.num_days >= 1 && total_ticks <= MAX_TOTAL_TICKS,
        || "simulation.num_days".into(),
        || {
            format!(
                "{} days of {} ticks: a run needs 1 to {MAX_TOTAL_TICKS} ticks",
                sim.num_days, sim.ticks_per_day
            )
        },
    );
    let costs = resolve_costs(&file.costs, &mut problems);
    let settlement = resolve_settlement(file, &mut problems);
    let names = agent_index(&file.agents, &mut problems);
    let agents: Vec<Option<(AgentPlan, PolicySpec)>> = file
        .agents
        .iter()
        .enumerate()
        .map(|(i, agent)| resolve_agent(i, agent, &names, files, &mut problems))
        .collect();
    let last_tick = u32::try_from(total_ticks.saturating_sub(1)).unwrap_or(u32::MAX);
    let scripted: Vec<Option<ScriptedPayment>> = file
        .transactions
        .iter()
        .enumerate()
        .map(|(i, p)| resolve_scripted(i, p, &names, total_ticks, last_tick, &mut problems))
        .collect();
    let expected: f64 = file
        .agents
        .iter()
        .filter_map(|a| a.arrivals.as_ref())
        .map(|a| a.rate_per_tick.max(0.0) * total_ticks as f64)
        .sum::<f64>()
        + file.transactions.len() as f64;
    problems.check(
        expected <= MAX_EXPECTED_PAYMENTS,
        || "agents".into(),
        || format!("the arrival rates would create about {expected:.0} payments over the run; at most {MAX_EXPECTED_PAYMENTS:.0} (every payment is kept in memory)"),
    );
    let agent_ticks = (file.agents.len() as u64).saturating_mul(total_ticks);
    problems.check(
        agent_ticks <= MAX_AGENT_TICKS,
        || "simulation".into(),
        || format!("{} agents over {total_ticks} ticks is {agent_ticks} agent-ticks; at most {MAX_AGENT_TICKS}", file.agents.len()),
    );
    let timeline = super::events::Timeline::new(sim.ticks_per_day, total_ticks);
    let shocks = super::events::resolve_shocks(file, &timeline, &mut problems);
    let mut governance = super::governance::resolve(file, files, &timeline, &mut problems);
    let guardbands = super::guardbands::resolve(file, &names, files, total_ticks, &mut problems);
    if !problems.0.is_empty() {
        return Err(problems.0);
    }
    // Every policy file has been read: the inputs are complete.
    let inputs_sha256 = crate::inputs_fingerprint(file, files.files());
    if let Some(governance) = &mut governance {
        governance.genesis = rtgsim_governance::audit::genesis_hash(&inputs_sha256, sim.seed);
    }
    let mut scripted: Vec<ScriptedPayment> = scripted.into_iter().flatten().collect();
    // Stable: payments at one tick arrive in the order written.
    scripted.sort_by_key(|p| p.tick);
    let (mut agents, policies): (Vec<AgentPlan>, Vec<_>) = agents.into_iter().flatten().unzip();
    if sim.deadline_cap_at_eod {
        for spec in agents.iter_mut().filter_map(|a| a.arrivals.as_mut()) {
            spec.deadline_cap_ticks_per_day = Some(sim.ticks_per_day);
        }
    }
    Ok(Scenario {
        plan: Plan {
            ticks_per_day: sim.ticks_per_day,
            num_days: sim.num_days,
            seed: sim.seed,
            queue_order: file.settlement.queue_order,
            settlement,
            costs,
            agents,
            scripted,
            governance,
            shocks,
        },
        policies,
        guardbands,
        inputs_sha256,
    })
}

fn resolve_costs(costs: &CostsSection, problems: &mut Problems) -> CostRates {
    let mut rate = |name: &str, bps: f64| {
        Rate::from_bps(bps).unwrap_or_else(|| {
            problems.add(
                format!("costs.{name}"),
                format!("{bps} is not a rate in 0..=10000 basis points"),
            );
            Rate::ZERO
        })
    };
    let rates = CostRates {
        overdraft: rate("overdraft_bps_per_tick", costs.overdraft_bps_per_tick),
        delay: rate("delay_cost_per_tick_bps", costs.delay_cost_per_tick_bps),
        collateral: rate("collateral_bps_per_tick", costs.collateral_bps_per_tick),
        deadline_penalty: costs.deadline_penalty,
        eod_penalty: costs.eod_penalty,
        split_friction: costs.split_friction,
        liquidity_per_day: rate(
            "liquidity_cost_per_day_bps",
            costs.liquidity_cost_per_day_bps,
        ),
        eod_borrowing: costs
            .eod_borrowing_bps
            .map(|bps| rate("eod_borrowing_bps", bps)),
    };
    problems.money("costs.deadline_penalty", costs.deadline_penalty, 0);
    problems.money("costs.eod_penalty", costs.eod_penalty, 0);
    problems.money("costs.split_friction", costs.split_friction, 0);
    rates
}

fn resolve_settlement(file: &ScenarioFile, problems: &mut Problems) -> SettlementConfig {
    let section = &file.settlement;
    let mut lsm = Vec::with_capacity(section.lsm.len());
    for (i, name) in section.lsm.iter().enumerate() {
        let at = format!("settlement.lsm[{i}]");
        match LsmStep::from_name(name) {
            Some(step) if lsm.contains(&step) => {
                problems.add(at, format!("{name:?} is listed twice"));
            }
            Some(step) => lsm.push(step),
            None => {
                let names = LsmStep::ALL.map(LsmStep::name);
                let hint = did_you_mean(name, names, Quote::Double)
                    .map(|words| format!(" ({words})"))
                    .unwrap_or_default();
                problems.add(
                    at,
                    format!(
                        "unknown liquidity-saving algorithm {name:?}{hint}; known: {}",
                        names.join(", ")
                    ),
                );
            }
        }
    }
    let max_length = section.cycle_max_length;
    problems.check(
        (2..=MAX_CYCLE_LENGTH).contains(&max_length),
        || "settlement.cycle_max_length".into(),
        || format!("{max_length} is outside 2..={MAX_CYCLE_LENGTH}"),
    );
    SettlementConfig {
        fifo_bypass: section.fifo_bypass,
        lsm,
        entry_offset: section.entry_offset,
        cycle_max_length: max_length,
        deferred_crediting: section.deferred_crediting,
    }
}

/// Agent names to ids; reports bad and duplicate names.
fn agent_index(agents: &[AgentSection], problems: &mut Problems) -> BTreeMap<String, AgentId> {
    problems.check(
        !agents.is_empty(),
        || "agents".into(),
        || "a scenario needs at least one agent".into(),
    );
    problems.check(
        agents.len() <= MAX_AGENTS,
        || "agents".into(),
        || format!("{} agents; at most {MAX_AGENTS}", agents.len()),
    );
    let mut names = BTreeMap::new();
    for (i, agent) in agents.iter().enumerate() {
        let name = &agent.id;
        let well_formed = !name.is_empty()
            && name.len() <= MAX_AGENT_ID_LEN
            && name
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || "_-.".contains(c));
        problems.check(
            well_formed,
            || format!("agents[{i}].id"),
            || format!("{name:?} is not an agent id: use 1 to {MAX_AGENT_ID_LEN} letters, digits, '_', '-' or '.'"),
        );
        // i < MAX_AGENTS when it matters; larger indexes are reported above.
        if let Some(first) = names.insert(name.clone(), AgentId(i as u32)) {
            problems.add(
                format!("agents[{i}].id"),
                format!("{name:?} is already the id of agents[{}]", first.0),
            );
        }
    }
    names
}

fn resolve_agent(
    i: usize,
    agent: &AgentSection,
    names: &BTreeMap<String, AgentId>,
    files: &mut PolicyFiles,
    problems: &mut Problems,
) -> Option<(AgentPlan, PolicySpec)> {
    let at = |field: &str| format!("agents[{i}].{field}");
    problems.check(
        agent.opening_balance.unsigned_abs() <= MAX_MONEY_CENTS as u64,
        || at("opening_balance"),
        || {
            format!(
                "{} is outside ±{MAX_MONEY_CENTS} cents",
                agent.opening_balance
            )
        },
    );
    problems.money(&at("unsecured_cap"), agent.unsecured_cap, 0);
    problems.money(&at("collateral_capacity"), agent.collateral_capacity, 0);
    problems.money(&at("posted_collateral"), agent.posted_collateral, 0);
    problems.money(&at("liquidity_buffer"), agent.liquidity_buffer, 0);
    problems.check(
        agent.posted_collateral <= agent.collateral_capacity,
        || at("posted_collateral"),
        || {
            format!(
                "{} exceeds collateral_capacity {}",
                agent.posted_collateral, agent.collateral_capacity
            )
        },
    );
    let haircut = agent.collateral_haircut;
    problems.check(
        (0.0..=1.0).contains(&haircut),
        || at("collateral_haircut"),
        || format!("{haircut} is not a share between 0 and 1"),
    );
    let haircut_bps = (haircut.clamp(0.0, 1.0) * 10_000.0).round() as u32;
    // In i128: the inputs may be anything an i64 holds (their ranges are reported above).
    let credit = i128::from(agent.unsecured_cap.max(0))
        + i128::from(rtgsim_core::money::after_haircut(
            agent.posted_collateral.max(0),
            haircut_bps,
        ));
    problems.check(
        i128::from(agent.opening_balance) >= -credit,
        || at("opening_balance"),
        || {
            format!(
                "{} is below minus the credit limit ({credit})",
                agent.opening_balance
            )
        },
    );
    // The principal is for the RBAC rules (see `super::governance`), not the policy.
    let policy_value = agent
        .policy
        .as_ref()
        .map(|p| super::governance::without_principal(&p.0));
    let policy =
        super::policies::resolve_policy(&at("policy"), policy_value.as_ref(), files, problems);
    let arrivals = agent
        .arrivals
        .as_ref()
        .and_then(|a| resolve_arrivals(&at("arrivals"), &agent.id, a, names, problems));
    let setup = AgentSetup {
        name: agent.id.clone(),
        opening_balance: agent.opening_balance,
        unsecured_cap: agent.unsecured_cap,
        collateral_capacity: agent.collateral_capacity,
        posted_collateral: agent.posted_collateral,
        collateral_haircut_bps: haircut_bps,
        liquidity_buffer: agent.liquidity_buffer,
        initial_liquidity: agent.initial_liquidity.as_ref().and_then(|section| {
            let share = LiquidityShare::from_fraction(section.share);
            problems.check(
                agent.collateral_capacity > 0,
                || at("initial_liquidity"),
                || "a share of collateral needs a collateral_capacity above 0".to_string(),
            );
            problems.check(
                share.is_some(),
                || at("initial_liquidity.share"),
                || format!("{} is not a share between 0 and 1", section.share),
            );
            share
        }),
    };
    let plan = AgentPlan {
        setup,
        arrivals: if agent.arrivals.is_some() {
            Some(arrivals?)
        } else {
            None
        },
    };
    Some((plan, policy?))
}

/// Decodes a tagged value (`{type: ...}`, `{distribution: ...}`) with the path of the
/// exact field at fault.
pub(super) fn decode<T: DeserializeOwned>(
    path: &str,
    value: &serde_json::Value,
    problems: &mut Problems,
) -> Option<T> {
    match serde_path_to_error::deserialize::<_, T>(value) {
        Ok(decoded) => Some(decoded),
        Err(error) => {
            let inner = error.path().to_string();
            let at = if inner == "." {
                path.to_string()
            } else {
                format!("{path}.{inner}")
            };
            let written = value_at(value, error.path()).filter(|v| !v.is_object() && !v.is_array());
            let unknown = unknown_field_at::<T>(error.path());
            let mut message = error.into_inner().to_string();
            if let Some(written) = written {
                let written = match written {
                    serde_json::Value::String(text) => format!("{text:?}"),
                    other => other.to_string(),
                };
                message = match super::numbers::refusal(&at, &message, &written) {
                    Some(refusal) => refusal,
                    None => format!("{message} (written: {written})"),
                };
            }
            if let Some(unknown) = unknown {
                // The error's path already ends with the unknown key.
                if let Some(words) = did_you_mean(
                    &unknown.key,
                    unknown.expected.iter().copied(),
                    Quote::Backtick,
                ) {
                    message = format!("{message} ({words})");
                }
            }
            problems.add(at, message);
            None
        }
    }
}

/// The value at a decoding error's path, to quote it in the message.
fn value_at<'v>(
    value: &'v serde_json::Value,
    path: &serde_path_to_error::Path,
) -> Option<&'v serde_json::Value> {
    use serde_path_to_error::Segment;
    path.iter().try_fold(value, |at, segment| match segment {
        Segment::Map { key } => at.get(key.as_str()),
        Segment::Seq { index } => at.get(*index),
        _ => None,
    })
}

/// Splits a tagged section (`{type: Deadline, ...}`) into its tag, checked against
/// `names`, and the rest, to decode as that tag's parameters.
pub(super) fn tagged<'n>(
    path: &str,
    value: &serde_json::Value,
    tag: &str,
    names: &[&'n str],
    problems: &mut Problems,
) -> Option<(&'n str, serde_json::Value)> {
    let Some(map) = value.as_object() else {
        problems.add(path, format!("must be a map with a `{tag}`, not {value}"));
        return None;
    };
    let at = format!("{path}.{tag}");
    let name = match map.get(tag) {
        Some(serde_json::Value::String(name)) => name,
        Some(other) => {
            problems.add(
                at,
                format!("must be one of {}, not {other}", names.join(", ")),
            );
            return None;
        }
        None => {
            problems.add(
                path,
                format!("missing `{tag}` (one of {})", names.join(", ")),
            );
            return None;
        }
    };
    let Some(known) = names.iter().find(|n| *n == name) else {
        let hint = did_you_mean(name, names.iter().copied(), Quote::Backtick)
            .map(|words| format!(" ({words})"))
            .unwrap_or_default();
        problems.add(
            at,
            format!("unknown {tag} `{name}`{hint}; known: {}", names.join(", ")),
        );
        return None;
    };
    let mut rest = map.clone();
    rest.remove(tag);
    Some((known, serde_json::Value::Object(rest)))
}

/// The unknown field a decoding error of `T` is about, if it is about one: `T`'s
/// own `Deserialize` replayed along the error's path (serde's text is not read).
pub(super) fn unknown_field_at<T: DeserializeOwned>(
    path: &serde_path_to_error::Path,
) -> Option<UnknownField> {
    use serde_path_to_error::Segment;
    let steps: Option<Vec<Step<'_>>> = path
        .iter()
        .map(|segment| match segment {
            Segment::Map { key } => Some(Step::Key(key)),
            Segment::Seq { index } => Some(Step::Index(*index)),
            Segment::Enum { .. } | Segment::Unknown => None,
        })
        .collect();
    unknown_field::<T>(&steps?)
}

fn resolve_arrivals(
    path: &str,
    own_name: &str,
    arrivals: &ArrivalsSection,
    names: &BTreeMap<String, AgentId>,
    problems: &mut Problems,
) -> Option<ArrivalSpec> {
    let rate = arrivals.rate_per_tick;
    problems.check(
        rate.is_finite() && (0.0..=MAX_RATE_PER_TICK).contains(&rate),
        || format!("{path}.rate_per_tick"),
        || format!("{rate} is outside 0..={MAX_RATE_PER_TICK} payments per tick"),
    );
    let amount = resolve_amount(&format!("{path}.amount"), &arrivals.amount.0, problems);
    let counterparties = resolve_counterparties(path, own_name, arrivals, names, problems);
    let [dmin, dmax] = arrivals.deadline_ticks;
    problems.check(
        dmin <= dmax,
        || format!("{path}.deadline_ticks"),
        || format!("[{dmin}, {dmax}]: the minimum is above the maximum"),
    );
    let [pmin, pmax] = arrivals.priority;
    problems.check(
        pmin <= pmax && pmax <= MAX_PRIORITY,
        || format!("{path}.priority"),
        || format!("[{pmin}, {pmax}] is not a range within 0..={MAX_PRIORITY}"),
    );
    let share = arrivals.divisible_share;
    problems.check(
        (0.0..=1.0).contains(&share),
        || format!("{path}.divisible_share"),
        || format!("{share} is not a share between 0 and 1"),
    );
    Some(ArrivalSpec {
        rate_per_tick: rate,
        amount: amount?,
        counterparties: counterparties?,
        deadline_ticks: (dmin, dmax),
        priority: (pmin, pmax),
        divisible_share: share,
        // Set for every agent from `simulation.deadline_cap_at_eod` (see `resolve`).
        deadline_cap_ticks_per_day: None,
    })
}

fn resolve_amount(
    path: &str,
    value: &serde_json::Value,
    problems: &mut Problems,
) -> Option<AmountDistribution> {
    let (kind, params) = tagged(path, value, "distribution", amount::DISTRIBUTIONS, problems)?;
    let distribution = match kind {
        "log_normal" => {
            let amount::LogNormal { median, sigma } = decode(path, &params, problems)?;
            problems.money(&format!("{path}.median"), median, 1);
            problems.check(
                sigma.is_finite() && (0.0..=MAX_SIGMA).contains(&sigma),
                || format!("{path}.sigma"),
                || format!("{sigma} is outside 0..={MAX_SIGMA}"),
            );
            AmountDistribution::LogNormal { median, sigma }
        }
        "uniform" => {
            let amount::Uniform { min, max } = decode(path, &params, problems)?;
            problems.money(&format!("{path}.min"), min, 1);
            problems.money(&format!("{path}.max"), max, 1);
            problems.check(
                min <= max,
                || format!("{path}.max"),
                || format!("{max} is below min {min}"),
            );
            AmountDistribution::Uniform { min, max }
        }
        _ => {
            let amount::Fixed { value } = decode(path, &params, problems)?;
            problems.money(&format!("{path}.value"), value, 1);
            AmountDistribution::Fixed { value }
        }
    };
    Some(distribution)
}

fn resolve_counterparties(
    path: &str,
    own_name: &str,
    arrivals: &ArrivalsSection,
    names: &BTreeMap<String, AgentId>,
    problems: &mut Problems,
) -> Option<Counterparties> {
    let Some(weights) = &arrivals.counterparties else {
        problems.check(
            names.len() >= 2,
            || format!("{path}.counterparties"),
            || "there is no other agent to pay".into(),
        );
        // At most MAX_AGENTS, checked with the agent list.
        return Some(Counterparties::AllOthers {
            agents: names.len() as u32,
        });
    };
    let Some(weights) = weights.0.as_object() else {
        problems.add(
            format!("{path}.counterparties"),
            format!("must be a map of agent ids to weights, not {}", weights.0),
        );
        return None;
    };
    let mut resolved = Vec::with_capacity(weights.len());
    let mut total = 0.0;
    for (name, weight) in weights {
        let at = format!("{path}.counterparties.{name}");
        let Some(weight) = weight.as_f64() else {
            problems.add(at, format!("weight {weight} is not a number"));
            continue;
        };
        match names.get(name) {
            None => problems.add(at.clone(), format!("unknown agent {name:?}")),
            Some(_) if name == own_name => problems.add(at.clone(), "an agent cannot pay itself"),
            Some(&id) => resolved.push((id, weight)),
        }
        if weight.is_finite() && weight >= 0.0 {
            total += weight;
        } else {
            problems.add(at, format!("weight {weight} is not a finite number >= 0"));
        }
    }
    problems.check(
        total > 0.0,
        || format!("{path}.counterparties"),
        || "the weights sum to zero: no one can be paid".into(),
    );
    problems.check(
        total.is_finite(),
        || format!("{path}.counterparties"),
        || "the weights sum to more than a number can hold; use smaller weights".into(),
    );
    resolved.retain(|&(_, weight)| weight > 0.0);
    resolved.sort_by_key(|(id, _)| *id);
    Some(Counterparties::Weighted(resolved))
}

fn resolve_scripted(
    i: usize,
    p: &ScriptedPaymentSection,
    names: &BTreeMap<String, AgentId>,
    total_ticks: u64,
    last_tick: u32,
    problems: &mut Problems,
) -> Option<ScriptedPayment> {
    let at = |field: &str| format!("transactions[{i}].{field}");
    let mut agent = |field: &str, name: &str| {
        let id = names.get(name).copied();
        problems.check(
            id.is_some(),
            || at(field),
            || format!("unknown agent {name:?}"),
        );
        id
    };
    let (sender, receiver) = (agent("from", &p.from), agent("to", &p.to));
    problems.check(
        p.from != p.to,
        || at("to"),
        || format!("{:?} would pay itself", p.to),
    );
    problems.check(
        u64::from(p.tick) < total_ticks,
        || at("tick"),
        || format!("{} is not a tick of the run (0..{total_ticks})", p.tick),
    );
    problems.money(&at("amount"), p.amount, 1);
    let deadline = p.deadline.unwrap_or(last_tick.max(p.tick));
    problems.check(
        deadline >= p.tick,
        || at("deadline"),
        || {
            format!(
                "{deadline} is before the payment arrives at tick {}",
                p.tick
            )
        },
    );
    problems.check(
        p.priority <= MAX_PRIORITY,
        || at("priority"),
        || format!("{} is above {MAX_PRIORITY}", p.priority),
    );
    Some(ScriptedPayment {
        tick: p.tick,
        payment: NewPayment {
            sender: sender?,
            receiver: receiver?,
            amount: p.amount as Cents,
            deadline_tick: deadline,
            priority: p.priority,
            divisible: p.divisible,
        },
    })
}
