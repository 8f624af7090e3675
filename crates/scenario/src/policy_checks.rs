//! The static analyzer over a scenario's policies: what `rtgsim run` checks before
//! the first tick (errors stop the run, warnings are shown).

use crate::config::ScenarioFile;
use rtgsim_analyzer::Finding;
use std::collections::BTreeMap;

/// A policy as the scenario gives it: its name in findings, and its text or value.
enum Policy<'a> {
    Starlark(String, &'a str),
    TreeText(String, &'a str),
    TreeValue(String, &'a serde_json::Value),
}

/// Findings for every Starlark script and decision tree of the scenario, with
/// `files` the policy files it read (path as written -> text). A policy named twice
/// (several agents on one file) is analysed once.
pub fn analyze_scenario(file: &ScenarioFile, files: &BTreeMap<String, String>) -> Vec<Finding> {
    let mut seen = std::collections::BTreeSet::new();
    let mut findings = Vec::new();
    for (index, agent) in file.agents.iter().enumerate() {
        let Some(section) = agent.policy.as_ref().map(|p| &p.0) else {
            continue;
        };
        let at = |key: &str| format!("agents[{index}].policy.{key}");
        let text = |key: &str| section.get(key).and_then(|v| v.as_str());
        let policy = match section.get("type").and_then(|t| t.as_str()) {
            Some("Starlark") => match (text("path"), text("script")) {
                (Some(path), _) => files
                    .get(path)
                    .map(|t| Policy::Starlark(path.to_string(), t)),
                (None, Some(script)) => Some(Policy::Starlark(at("script"), script)),
                _ => None,
            },
            Some("FromJson") => match (text("json_path"), text("json_string")) {
                (Some(path), _) => files
                    .get(path)
                    .map(|t| Policy::TreeText(path.to_string(), t)),
                (None, Some(json)) => Some(Policy::TreeText(at("json_string"), json)),
                _ => None,
            },
            Some("Inline") => section
                .get("decision_trees")
                .map(|v| Policy::TreeValue(at("decision_trees"), v)),
            _ => None,
        };
        let Some(policy) = policy else { continue };
        let name = match &policy {
            Policy::Starlark(n, _) | Policy::TreeText(n, _) | Policy::TreeValue(n, _) => n.clone(),
        };
        if !seen.insert(name) {
            continue;
        }
        findings.extend(match policy {
            Policy::Starlark(name, source) => rtgsim_analyzer::analyze_starlark(&name, source),
            Policy::TreeText(name, text) => rtgsim_analyzer::analyze_tree(&name, text),
            Policy::TreeValue(name, value) => rtgsim_analyzer::analyze_tree_value(&name, value),
        });
    }
    findings
}

/// The text a finding's file refers to, for snippets.
pub fn source_of<'a>(
    name: &str,
    file: &'a ScenarioFile,
    files: &'a BTreeMap<String, String>,
) -> Option<String> {
    if let Some(text) = files.get(name) {
        return Some(text.clone());
    }
    // `agents[i].policy.script` / `.json_string`: the text in the scenario.
    let index: usize = name
        .strip_prefix("agents[")?
        .split(']')
        .next()?
        .parse()
        .ok()?;
    let key = name.rsplit('.').next()?;
    let section = &file.agents.get(index)?.policy.as_ref()?.0;
    section.get(key)?.as_str().map(str::to_string)
}
