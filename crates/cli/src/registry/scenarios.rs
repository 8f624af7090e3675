//! Scenarios that name registry versions: `policy: {registry: ID}` for an agent or
//! a guardband's previous policy, and `baseline: {registry: ID}`, replaced by the
//! version's text or figures before the scenario is resolved (the scenario crate
//! opens no database).

use rtgsim_persistence::{PolicyLanguage, RegistryVersion, Store, VersionStatus};
use rtgsim_scenario::config::ScenarioFile;
use serde_json::{Value, json};

/// The version a scenario's `policy: {registry: ID}` names, for the agents that
/// name one: (agent, version id, status).
pub type RegistryUses = Vec<(String, i64, VersionStatus)>;

/// Whether any agent of the scenario names a registry version.
pub fn names_registry(file: &ScenarioFile) -> bool {
    file.agents.iter().any(|agent| {
        agent
            .policy
            .as_ref()
            .is_some_and(|p| p.0.get("registry").is_some())
    }) || file
        .guardbands
        .iter()
        .any(|g| g.previous_policy.0.get("registry").is_some() || g.baseline.registry.is_some())
}

/// Replaces each `policy: {registry: ID}` by the version's text, as the scenario
/// would give it inline (`Starlark` `script`, `FromJson` `json_string`, or the
/// built-in policy's section), other keys of the section (`limits`, `trace`) kept.
/// Only a deployed or accepted version of the agent runs; the error lists every
/// agent whose version does not, with its status.
pub fn substitute_registry_policies(
    file: &mut ScenarioFile,
    store: &Store,
) -> Result<RegistryUses, String> {
    let mut problems = Vec::new();
    let mut uses = Vec::new();
    for (index, agent) in file.agents.iter_mut().enumerate() {
        let Some(section) = agent.policy.as_mut().map(|p| &mut p.0) else {
            continue;
        };
        let Some(named) = section.get("registry").cloned() else {
            continue;
        };
        let at = format!("agents[{index}].policy");
        let Some(id) = named.as_i64().filter(|id| *id > 0) else {
            problems.push(format!(
                "{at}.registry: must be a policy version id (a whole number from 1), not {named}"
            ));
            continue;
        };
        let version = match store.registry_version(id) {
            Ok(version) => version,
            Err(error) => {
                problems.push(format!("{at}.registry: {error}"));
                continue;
            }
        };
        if let Some(problem) = unrunnable(&at, &agent.id, &version) {
            problems.push(problem);
            continue;
        }
        match inline_section(section, &version) {
            Ok(inline) => *section = inline,
            Err(problem) => {
                problems.push(format!("{at}: {problem}"));
                continue;
            }
        }
        uses.push((agent.id.clone(), id, version.status));
    }
    substitute_guardbands(file, store, &mut problems);
    if problems.is_empty() {
        Ok(uses)
    } else {
        Err(problems.join("\n"))
    }
}

/// The registry versions a `guardbands:` entry names: its previous policy (run as
/// an agent's would be) and its baseline, the figures the version had as the
/// candidate of the comparison that decided it (its evaluation): mean cost over the
/// run's ticks per tick, mean settlement rate, mean peak credit.
fn substitute_guardbands(file: &mut ScenarioFile, store: &Store, problems: &mut Vec<String>) {
    for (index, guard) in file.guardbands.iter_mut().enumerate() {
        let at = format!("guardbands[{index}]");
        if let Some(named) = guard.previous_policy.0.get("registry").cloned() {
            let at = format!("{at}.previous_policy");
            match runnable_version(store, &at, &guard.agent, &named) {
                Ok(version) => match inline_section(&guard.previous_policy.0, &version) {
                    Ok(inline) => guard.previous_policy.0 = inline,
                    Err(problem) => problems.push(format!("{at}: {problem}")),
                },
                Err(problem) => problems.push(problem),
            }
        }
        if let Some(id) = guard.baseline.registry {
            match baseline_of(store, id, &guard.agent) {
                Ok(figures) => {
                    guard.baseline = figures;
                }
                Err(problem) => problems.push(format!("{at}.baseline.registry: {problem}")),
            }
        }
    }
}

/// The version `named` (`registry: ID` at `at`) if `agent` can run it.
fn runnable_version(
    store: &Store,
    at: &str,
    agent: &str,
    named: &Value,
) -> Result<RegistryVersion, String> {
    let id = named.as_i64().filter(|id| *id > 0).ok_or_else(|| {
        format!("{at}.registry: must be a policy version id (a whole number from 1), not {named}")
    })?;
    let version = store
        .registry_version(id)
        .map_err(|error| format!("{at}.registry: {error}"))?;
    match unrunnable(at, agent, &version) {
        Some(problem) => Err(problem),
        None => Ok(version),
    }
}

/// A baseline from version `id`'s evaluation (a `rtgsim compare` report).
fn baseline_of(
    store: &Store,
    id: i64,
    agent: &str,
) -> Result<rtgsim_scenario::config::BaselineSection, String> {
    let version = store.registry_version(id).map_err(|e| e.to_string())?;
    if version.agent != agent {
        return Err(format!(
            "version {id} is {}'s policy, not {agent}'s",
            version.agent
        ));
    }
    let evaluation = version.evaluation.as_deref().ok_or_else(|| {
        format!("version {id} has no evaluation to take figures from (compare it with --db first)")
    })?;
    let report: Value = serde_json::from_str(evaluation).map_err(|e| e.to_string())?;
    let means = &report["candidate_means"];
    let ticks = report["ticks_per_run"]
        .as_u64()
        .filter(|t| *t > 0)
        .ok_or_else(|| {
            format!("version {id}'s evaluation does not say how many ticks its runs had")
        })?;
    let cost = means["cost_cents"]
        .as_f64()
        .ok_or_else(|| format!("version {id}'s evaluation has no mean cost"))?;
    Ok(rtgsim_scenario::config::BaselineSection {
        cost_per_tick_cents: Some(cost / ticks as f64),
        cost_per_window_cents: None,
        settlement_rate: means["settlement_rate"].as_f64(),
        peak_credit_cents: means["peak_credit_cents"]
            .as_f64()
            .map(|p| p.round() as i64),
        registry: None,
    })
}

/// Why `agent` cannot run `version`, if it cannot.
fn unrunnable(at: &str, agent: &str, version: &RegistryVersion) -> Option<String> {
    let id = version.id;
    if version.agent != agent {
        return Some(format!(
            "{at}.registry: version {id} is {}'s policy, not {agent}'s",
            version.agent
        ));
    }
    if rtgsim_persistence::sha256_hex(version.text.as_bytes()) != version.sha256 {
        return Some(format!(
            "{at}.registry: version {id}'s stored text no longer matches its sha256: it was changed behind the registry's back"
        ));
    }
    if !version.status.runnable() {
        let hint = match version.status {
            VersionStatus::PendingApproval => {
                format!(": it waits for `rtgsim policy approve {id} --as PRINCIPAL`")
            }
            VersionStatus::Proposed => {
                format!(": deploy it first (`rtgsim policy deploy {id} --as PRINCIPAL`)")
            }
            _ => String::new(),
        };
        return Some(format!(
            "{at}.registry: {agent}'s policy version {id} is {}; only a deployed or accepted version runs{hint}",
            version.status
        ));
    }
    None
}

/// The scenario section that gives `version`'s text inline.
fn inline_section(section: &Value, version: &RegistryVersion) -> Result<Value, String> {
    let mut rest = section.as_object().cloned().unwrap_or_default();
    rest.remove("registry");
    let mut inline = match version.language {
        PolicyLanguage::Starlark => {
            json!({"type": "Starlark", "script": version.text})
        }
        PolicyLanguage::Json => json!({"type": "FromJson", "json_string": version.text}),
        PolicyLanguage::Builtin => serde_json::from_str(&version.text).map_err(|e| {
            format!(
                "version {}'s built-in policy section is not JSON: {e}",
                version.id
            )
        })?,
    };
    if let Some(map) = inline.as_object_mut() {
        for (key, value) in rest {
            map.insert(key, value);
        }
    }
    Ok(inline)
}
