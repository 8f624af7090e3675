//! What is compared: one agent of a scenario, the policy it has (the incumbent) and
//! the policy proposed for it (the candidate), each checked by the scenario loader
//! exactly as if the scenario file had named it.
//!
//! A policy is given as a Starlark script (`.star`), a decision tree (`.json`), a
//! file holding a `policy:` mapping (`.yaml`/`.yml`, or `.json` with a `type` key),
//! or that mapping written inline (`{type: LiquidityAware, target_buffer: 500000}`,
//! or only `Fifo`). Paths are relative to the working directory, as on any command
//! line (a scenario file's own policy paths stay relative to the scenario).

use crate::CompareError;
use rtgsim_diagnostics::{Quote, StrictJson, did_you_mean};
use rtgsim_scenario::config::ScenarioInput;
use rtgsim_scenario::{PolicySpec, Scenario};
use serde_json::Value as Json;
use std::path::Path;

/// The scenario and the two policies for one of its agents.
#[derive(Debug, Clone)]
pub struct Contest {
    /// The scenario with the incumbent in place.
    pub scenario: Scenario,
    /// The agent's index in the scenario.
    pub agent: usize,
    pub incumbent: PolicySpec,
    pub candidate: PolicySpec,
    /// How each was given, for the report.
    pub incumbent_label: String,
    pub candidate_label: String,
}

impl Contest {
    /// Checks both policies in `input` for `agent`. The incumbent is the agent's policy
    /// in the scenario unless `incumbent` names another.
    pub fn new(
        input: &ScenarioInput,
        agent: &str,
        candidate: &str,
        incumbent: Option<&str>,
    ) -> Result<Contest, CompareError> {
        let section = policy_section(candidate)
            .map_err(|e| CompareError::Input(format!("--candidate {candidate}: {e}")))?;
        Contest::with_candidate(input, agent, section, candidate, incumbent)
    }

    /// As [`new`](Self::new), with the candidate given as its `policy:` mapping
    /// (`label` names it in the report).
    pub fn with_candidate(
        input: &ScenarioInput,
        agent: &str,
        candidate: Json,
        label: &str,
        incumbent: Option<&str>,
    ) -> Result<Contest, CompareError> {
        let index = agent_index(input, agent)?;
        let incumbent_label = match incumbent {
            Some(text) => text.to_string(),
            None => format!("the scenario's ({})", scenario_policy_type(input, index)),
        };
        let with_incumbent = match incumbent {
            Some(text) => {
                let section = policy_section(text)
                    .map_err(|e| CompareError::Input(format!("--incumbent {text}: {e}")))?;
                with_section(input, index, "--incumbent", section)
            }
            None => input.clone(),
        };
        let mut scenario = resolve(with_incumbent, "the scenario")?;
        // A comparison judges the policies as they are: a run's guardbands would
        // replace one of them mid-run (and the hashed and unhashed runs alike ignore
        // them, so the figures never depend on `--hashes`).
        scenario.guardbands.clear();
        let candidate = resolve_policy(input, index, candidate, "--candidate")?;
        Ok(Contest {
            incumbent: scenario.policies[index].clone(),
            candidate,
            scenario,
            agent: index,
            incumbent_label,
            candidate_label: label.to_string(),
        })
    }

    /// The agent's name.
    pub fn agent_name(&self) -> &str {
        &self.scenario.plan.agents[self.agent].setup.name
    }

    /// The scenario with `policy` in place of the agent's.
    pub fn with(&self, policy: &PolicySpec) -> Scenario {
        let mut scenario = self.scenario.clone();
        scenario.policies[self.agent] = policy.clone();
        scenario
    }
}

/// The index of `agent` in the scenario, or an error listing the agents it has.
pub fn agent_index(input: &ScenarioInput, agent: &str) -> Result<usize, CompareError> {
    let names: Vec<&str> = input.file.agents.iter().map(|a| a.id.as_str()).collect();
    names.iter().position(|n| *n == agent).ok_or_else(|| {
        let hint = did_you_mean(agent, names.iter().copied(), Quote::Backtick)
            .map(|s| format!("; {s}"))
            .unwrap_or_default();
        CompareError::Input(format!(
            "--agent {agent}: {} has no such agent (it has {}){hint}",
            input.name(),
            names.join(", ")
        ))
    })
}

fn scenario_policy_type(input: &ScenarioInput, index: usize) -> String {
    input.file.agents[index]
        .policy
        .as_ref()
        .and_then(|p| p.0.get("type"))
        .and_then(Json::as_str)
        .unwrap_or("Fifo")
        .to_string()
}

/// Agent `index`'s policy when its `policy:` mapping is `section`, checked as the
/// scenario loader checks any policy; `what` names it in messages.
pub fn resolve_policy(
    input: &ScenarioInput,
    index: usize,
    section: Json,
    what: &str,
) -> Result<PolicySpec, CompareError> {
    let mut file = input.file.clone();
    file.agents[index].policy = Some(StrictJson(section));
    let scenario = resolve(
        input.with_file(file, &format!("{} with {what}", input.name())),
        what,
    )?;
    Ok(scenario.policies[index].clone())
}

fn resolve(mut input: ScenarioInput, what: &str) -> Result<Scenario, CompareError> {
    input
        .resolve()
        .map_err(|e| CompareError::Input(format!("{what}: {e}")))
}

/// `input` with agent `index`'s policy replaced by `section`.
fn with_section(input: &ScenarioInput, index: usize, flag: &str, section: Json) -> ScenarioInput {
    let mut file = input.file.clone();
    file.agents[index].policy = Some(StrictJson(section));
    input.with_file(file, &format!("{} with {flag}", input.name()))
}

/// The `policy:` mapping a policy argument stands for.
pub fn policy_section(text: &str) -> Result<Json, String> {
    let path = Path::new(text);
    if path.is_file() {
        return file_section(path);
    }
    let looks_like_path = [".star", ".json", ".yaml", ".yml"]
        .iter()
        .any(|ext| text.ends_with(ext))
        || text.contains(std::path::MAIN_SEPARATOR);
    if looks_like_path {
        return Err("no such file".into());
    }
    let value: Json = serde_norway::from_str(text)
        .map_err(|e| format!("not a file, nor a policy written as YAML ({{type: ...}}): {e}"))?;
    mapping(value)
}

fn file_section(path: &Path) -> Result<Json, String> {
    let absolute = std::path::absolute(path).map_err(|e| e.to_string())?;
    let shown = absolute.to_string_lossy().into_owned();
    match path.extension().and_then(|e| e.to_str()) {
        Some("star") => Ok(serde_json::json!({"type": "Starlark", "path": shown})),
        Some("json") => {
            let text = std::fs::read_to_string(path).map_err(|e| e.to_string())?;
            // A tree document has no `type`; a policy mapping must have one.
            match serde_json::from_str::<Json>(&text) {
                Ok(Json::Object(map)) if map.contains_key("type") => mapping(Json::Object(map)),
                _ => Ok(serde_json::json!({"type": "FromJson", "json_path": shown})),
            }
        }
        Some("yaml" | "yml") => {
            let text = std::fs::read_to_string(path).map_err(|e| e.to_string())?;
            let value: Json = serde_norway::from_str(&text).map_err(|e| e.to_string())?;
            mapping(value)
        }
        _ => Err("a policy file ends in .star, .json, .yaml or .yml".into()),
    }
}

/// A policy mapping, or a bare type name (`Fifo`).
fn mapping(value: Json) -> Result<Json, String> {
    match value {
        Json::String(name) => Ok(serde_json::json!({ "type": name })),
        Json::Object(map) if map.contains_key("type") => Ok(Json::Object(map)),
        _ => Err(
            "a policy mapping needs a `type` (e.g. {type: LiquidityAware, target_buffer: 500000})"
                .into(),
        ),
    }
}
