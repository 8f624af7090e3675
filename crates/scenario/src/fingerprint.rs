//! The fingerprint of a run's inputs: one SHA-256 over the scenario (as resolved
//! from its file, with any command-line overrides applied) and the text of every
//! policy file it read. A stored run keeps it, each checkpoint is bound to it, and
//! with the seed it starts the run's audit chain (see
//! `rtgsim_governance::audit::genesis_hash`); the event log does not depend on where
//! the run is stored, because the fingerprint does not either.
//!
//! The scenario is fingerprinted in a canonical form, its JSON with every object's
//! keys in byte order and no whitespace, so that the same scenario gives the same
//! fingerprint whether it was read from a YAML file or from the JSON a database
//! stored. The fingerprint is the SHA-256 of
//!
//! ```text
//! {"files":{PATH:TEXT,...},"scenario":SCENARIO}
//! ```
//!
//! in that canonical form (paths as the scenario wrote them, in byte order).

use crate::config::ScenarioFile;
use rtgsim_governance::audit::{sha256_hex, sorted};
use serde_json::Value;
use std::collections::BTreeMap;

/// The fingerprint of `file` and the policy `files` it read (path -> text), as 64
/// lowercase hex digits.
pub fn inputs_fingerprint(file: &ScenarioFile, files: &BTreeMap<String, String>) -> String {
    let files: serde_json::Map<String, Value> = files
        .iter()
        .map(|(path, text)| (path.clone(), Value::String(text.clone())))
        .collect();
    let inputs = serde_json::json!({
        "files": Value::Object(files),
        "scenario": scenario_value(file),
    });
    sha256_hex(sorted(inputs).to_string().as_bytes())
}

/// The scenario in the canonical form the fingerprint hashes: compact JSON, keys
/// sorted at every level.
pub fn canonical_scenario(file: &ScenarioFile) -> String {
    sorted(scenario_value(file)).to_string()
}

fn scenario_value(file: &ScenarioFile) -> Value {
    // A scenario file is strings, numbers, booleans, lists and maps: serialising it
    // cannot fail. `Null` would only make a fingerprint that matches nothing stored.
    serde_json::to_value(file).unwrap_or(Value::Null)
}
