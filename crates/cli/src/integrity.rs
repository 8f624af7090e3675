//! Whether a stored run is what it says it is: its inputs (the scenario and policy
//! texts) still the ones it started with, its stored events still the ones it wrote,
//! and its checkpoint made from both. `rtgsim resume` refuses a run that is not;
//! `rtgsim runs verify` reports every difference.
//!
//! Three records are set against what is stored:
//! - the run's inputs fingerprint (`runs.inputs_sha256`, written when it started),
//!   against the fingerprint of `run_inputs` as they are now;
//! - each completed day's `event_days` row (count and SHA-256 of the day's lines,
//!   written with the day), and the run's `event_log_hash`, against the stored
//!   `event_blocks`;
//! - the checkpoint's own copy of the inputs (the scenario in canonical form and
//!   each policy file's SHA-256) and its event-log hash state, which is the hash of
//!   every line before it: the checkpoint's SHA-256 covers both, so a resume can say
//!   which field of the scenario, which policy file or which day differs.
//!
//! A writer who changes a run and recomputes every one of these records is not
//! detected here: the event-log hash and the audit chain's head kept elsewhere are
//! what defeat that (see `docs/RELIABILITY.md`).

use crate::recording::{RecordError, StoredCheckpoint};
use rtgsim_persistence::{RunRow, RunStatus, Store, sha256_hex};
use rtgsim_scenario::Scenario;
use rtgsim_scenario::config::{ScenarioFile, ScenarioInput};
use serde_json::Value;
use std::collections::BTreeMap;

/// What a checkpoint keeps of the inputs it was made from: enough to name what
/// changed since.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct CheckpointInputs {
    /// The scenario in canonical form (`rtgsim_scenario::canonical_scenario`).
    pub scenario: String,
    /// Each policy file read: path -> SHA-256 of its text.
    pub files: BTreeMap<String, String>,
}

impl CheckpointInputs {
    /// Of a scenario file and the policy files it read (path -> text).
    pub fn new(file: &ScenarioFile, files: &BTreeMap<String, String>) -> CheckpointInputs {
        CheckpointInputs {
            scenario: rtgsim_scenario::canonical_scenario(file),
            files: files
                .iter()
                .map(|(path, text)| (path.clone(), sha256_hex(text.as_bytes())))
                .collect(),
        }
    }

    pub fn of(input: &StoredInputs) -> CheckpointInputs {
        CheckpointInputs::new(&input.input.file, input.input.policy_files())
    }
}

/// A stored run's inputs, read back and resolved.
#[derive(Debug)]
pub struct StoredInputs {
    pub input: ScenarioInput,
    pub scenario: Scenario,
}

/// The scenario a stored run ran, rebuilt from its `run_inputs` alone.
pub fn stored_inputs(scenario: &str, files: &str, run: i64) -> Result<StoredInputs, RecordError> {
    let files: BTreeMap<String, String> = serde_json::from_str(files).map_err(|e| {
        RecordError::Input(format!(
            "run {run}: its stored policy files (run_inputs.files) are unreadable: {e}"
        ))
    })?;
    let name = format!("run {run}");
    let mut input = ScenarioInput::stored(scenario, &name, files)
        .map_err(|e| RecordError::Input(e.to_string()))?;
    let scenario = input
        .resolve()
        .map_err(|e| RecordError::Input(e.to_string()))?;
    Ok(StoredInputs { input, scenario })
}

/// Every way run `run`'s stored inputs and events differ from what its records
/// say: the run's own fingerprint and day records, and its checkpoint (`day` is
/// the last day it covers) when given. Empty when they agree.
pub(crate) fn binding_problems(
    store: &Store,
    row: &RunRow,
    inputs: &StoredInputs,
    checkpoint: Option<(u32, &StoredCheckpoint)>,
) -> Result<Vec<String>, RecordError> {
    let mut problems = Vec::new();
    if let Some(fingerprint) = &row.inputs_sha256
        && *fingerprint != inputs.scenario.inputs_sha256
    {
        problems.push(format!(
            "run_inputs: the stored scenario and policy files are not those the run started with (their fingerprint is {}, the run's is {})",
            short(&inputs.scenario.inputs_sha256),
            short(fingerprint)
        ));
    }
    if let Some((day, blob)) = checkpoint {
        let now = CheckpointInputs::of(inputs);
        problems.extend(input_differences(&blob.inputs, &now));
        let events = blob.log.events();
        let log = store.stored_log(row.id, Some(events))?;
        let recorded = store.event_days(row.id)?;
        let mut event_problems: Vec<String> =
            log.problems.iter().map(ToString::to_string).collect();
        event_problems.extend(
            log.check_days(&recorded, day + 1)
                .iter()
                .map(ToString::to_string),
        );
        if blob.log.prefix_sha256().as_deref() != Some(log.sha256.as_str())
            && event_problems.is_empty()
        {
            event_problems.push(format!(
                "the stored events before the checkpoint (days 0 to {day}) hash to {}, not to what the checkpoint recorded",
                short(&log.sha256)
            ));
        }
        problems.extend(
            event_problems
                .into_iter()
                .map(|p| format!("event_blocks: {p}")),
        );
    }
    Ok(problems)
}

/// What `rtgsim runs verify` found.
#[derive(Debug)]
pub struct RunCheck {
    pub run: RunRow,
    /// The stored events' SHA-256 (all of them).
    pub events_sha256: String,
    pub events: u64,
    /// Every difference found; empty when the run is intact.
    pub problems: Vec<String>,
    /// What could not be checked (a run stored before a record existed).
    pub notes: Vec<String>,
}

/// Re-reads run `run` of `store` and checks everything its records vouch for.
pub fn verify_run(store: &Store, run: i64) -> Result<RunCheck, RecordError> {
    let row = store.run(run)?;
    let mut problems = Vec::new();
    let mut notes = Vec::new();

    let log = store.stored_log(run, None)?;
    problems.extend(log.problems.iter().map(|p| format!("event_blocks: {p}")));
    let recorded = store.event_days(run)?;
    if recorded.is_empty() && row.days_completed > 0 {
        notes.push("no day records (stored before schema 3): days not checked one by one".into());
    }
    problems.extend(
        log.check_days(&recorded, row.days_completed)
            .iter()
            .map(|p| format!("event_blocks: {p}")),
    );
    match (&row.event_log_hash, row.status) {
        (Some(hash), _) if *hash != log.sha256 => problems.push(format!(
            "event_blocks: the stored events hash to {}, not to the run's event_log_hash {}",
            log.sha256, hash
        )),
        (None, RunStatus::Completed) => {
            problems.push("runs: the run is completed but has no event_log_hash".into());
        }
        _ => {}
    }

    let (scenario_json, files_json) = store.run_inputs(run)?;
    match stored_inputs(&scenario_json, &files_json, run) {
        Ok(inputs) => {
            if row.inputs_sha256.is_none() {
                notes.push(
                    "no inputs fingerprint (stored before schema 3): inputs not checked".into(),
                );
            }
            let checkpoint = match store.last_checkpoint(run) {
                Ok(Some(stored)) => match crate::recording::decode_checkpoint(&stored.state) {
                    Some(blob) => Some((stored.day, blob)),
                    None if row.inputs_sha256.is_none() => {
                        notes.push(
                            "checkpoint of an older format (stored before schema 3): not checked"
                                .into(),
                        );
                        None
                    }
                    None => {
                        problems.push(
                            "checkpoints: the checkpoint is not one this rtgsim can read".into(),
                        );
                        None
                    }
                },
                Ok(None) => None,
                Err(e) => {
                    problems.push(format!("checkpoints: {e}"));
                    None
                }
            };
            let bound = checkpoint.as_ref().map(|(day, blob)| (*day, blob));
            problems.extend(binding_problems(store, &row, &inputs, bound)?);
        }
        Err(e) => problems.push(format!("run_inputs: cannot be read back: {e}")),
    }
    problems.extend(registry_problems(store, run)?);
    // The same difference can be found from two records; say it once.
    let mut seen = std::collections::BTreeSet::new();
    problems.retain(|p| seen.insert(p.clone()));
    Ok(RunCheck {
        run: row,
        events_sha256: log.sha256,
        events: log.events,
        problems,
        notes,
    })
}

/// Policy versions of the run whose stored source no longer has its SHA-256.
fn registry_problems(store: &Store, run: i64) -> Result<Vec<String>, RecordError> {
    let mut problems = Vec::new();
    for (agent, policy_id, version) in store.run_policies(run)? {
        let versions = store.policy_versions(&policy_id)?;
        match versions.iter().find(|v| v.version == version) {
            Some(v) if sha256_hex(v.source.as_bytes()) != v.sha256 => problems.push(format!(
                "policy_versions: {policy_id} v{version} ({agent}'s policy): its source no longer matches its sha256"
            )),
            Some(_) => {}
            None => problems.push(format!(
                "policy_versions: {policy_id} v{version} ({agent}'s policy) is missing"
            )),
        }
    }
    Ok(problems)
}

/// What differs between the inputs a checkpoint was made from and the stored ones.
fn input_differences(then: &CheckpointInputs, now: &CheckpointInputs) -> Vec<String> {
    let mut problems = Vec::new();
    if then.scenario != now.scenario {
        let before: Value = serde_json::from_str(&then.scenario).unwrap_or(Value::Null);
        let after: Value = serde_json::from_str(&now.scenario).unwrap_or(Value::Null);
        let mut changes = Vec::new();
        json_differences("", &before, &after, &mut changes);
        if changes.is_empty() {
            changes.push("its text".into());
        }
        let shown = changes.len().min(MAX_SHOWN);
        let mut line = format!(
            "run_inputs.scenario changed since the checkpoint: {}",
            changes[..shown].join("; ")
        );
        if changes.len() > shown {
            line.push_str(&format!("; and {} more", changes.len() - shown));
        }
        problems.push(line);
    }
    for (path, hash) in &then.files {
        match now.files.get(path) {
            None => problems.push(format!(
                "run_inputs.files: the policy file {path} was removed since the checkpoint"
            )),
            Some(now_hash) if now_hash != hash => problems.push(format!(
                "run_inputs.files: the text of the policy file {path} changed since the checkpoint (SHA-256 {} then, {} now)",
                short(hash),
                short(now_hash)
            )),
            Some(_) => {}
        }
    }
    for path in now.files.keys().filter(|p| !then.files.contains_key(*p)) {
        problems.push(format!(
            "run_inputs.files: the policy file {path} was added since the checkpoint"
        ));
    }
    problems
}

/// Differences listed in a message, at most.
const MAX_SHOWN: usize = 5;
/// Characters of a value shown in a message, at most.
const VALUE_SHOWN: usize = 40;

/// Each place where `after` differs from `before`, as `path: was X, now Y`.
fn json_differences(path: &str, before: &Value, after: &Value, out: &mut Vec<String>) {
    if out.len() > MAX_SHOWN {
        return;
    }
    match (before, after) {
        (Value::Object(a), Value::Object(b)) => {
            for (key, value) in a {
                let here = join(path, key);
                match b.get(key) {
                    Some(other) => json_differences(&here, value, other, out),
                    None => out.push(format!("{here}: removed (was {})", clip(value))),
                }
            }
            for (key, value) in b.iter().filter(|(k, _)| !a.contains_key(*k)) {
                out.push(format!("{}: added ({})", join(path, key), clip(value)));
            }
        }
        (Value::Array(a), Value::Array(b)) if a.len() == b.len() => {
            for (i, (x, y)) in a.iter().zip(b).enumerate() {
                json_differences(&format!("{path}[{i}]"), x, y, out);
            }
        }
        (Value::Array(a), Value::Array(b)) => out.push(format!(
            "{}: {} entries then, {} now",
            if path.is_empty() { "(top)" } else { path },
            a.len(),
            b.len()
        )),
        _ if before != after => out.push(format!(
            "{}: was {}, now {}",
            if path.is_empty() { "(top)" } else { path },
            clip(before),
            clip(after)
        )),
        _ => {}
    }
}

fn join(path: &str, key: &str) -> String {
    if path.is_empty() {
        key.to_string()
    } else {
        format!("{path}.{key}")
    }
}

fn clip(value: &Value) -> String {
    let text = value.to_string();
    if text.chars().count() > VALUE_SHOWN {
        text.chars().take(VALUE_SHOWN).collect::<String>() + "…"
    } else {
        text
    }
}

/// The first hex digits of a hash, for a message.
fn short(hash: &str) -> String {
    match hash.get(..12) {
        Some(start) if hash.len() > 12 => format!("{start}…"),
        _ => hash.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn differences_name_the_field_and_both_values() {
        let mut out = Vec::new();
        json_differences(
            "",
            &json!({"simulation": {"seed": 7, "num_days": 3}, "agents": [{"id": "A"}]}),
            &json!({"simulation": {"seed": 8, "num_days": 3}, "agents": [{"id": "B"}], "x": 1}),
            &mut out,
        );
        assert_eq!(
            out,
            vec![
                "agents[0].id: was \"A\", now \"B\"",
                "simulation.seed: was 7, now 8",
                "x: added (1)"
            ]
        );
    }
}
