//! Checking an agent's `policy:`: the built-in policies' parameters, and
//! decision-tree documents (`FromJson` from a file or a string, `Inline`), which are
//! parsed, validated and compiled here, before the run, with every problem reported
//! under the agent's path.

use super::file::policy;
use super::files::PolicyFiles;
use super::validate::{Problems, decode, tagged};
use crate::scenario::PolicySpec;
use rtgsim_core::limits::MAX_SPLIT_PARTS;
use rtgsim_policy_dsl::LoadError;
use rtgsim_policy_starlark::{Limits, Script};
use std::sync::Arc;

/// Checks the `policy:` at `path`; `None` (with problems recorded) when it is bad.
pub(super) fn resolve_policy(
    path: &str,
    value: Option<&serde_json::Value>,
    files: &mut PolicyFiles,
    problems: &mut Problems,
) -> Option<PolicySpec> {
    let Some(value) = value else {
        return Some(PolicySpec::Fifo);
    };
    // A policy registry version lives in a database, which this crate does not
    // open: the command that has the database puts the version's text in its place
    // before resolving (see `rtgsim::registry`).
    if let Some(id) = value.get("registry") {
        problems.add(
            format!("{path}.registry"),
            format!(
                "names policy registry version {id}, which is in a database: run it with --db FILE"
            ),
        );
        return None;
    }
    let (kind, params) = tagged(path, value, "type", policy::TYPES, problems)?;
    let spec = match kind {
        "Fifo" => {
            let policy::NoParams {} = decode(path, &params, problems)?;
            PolicySpec::Fifo
        }
        "Deadline" => {
            let policy::Deadline { urgency_threshold } = decode(path, &params, problems)?;
            PolicySpec::Deadline { urgency_threshold }
        }
        "LiquidityAware" => {
            let policy::LiquidityAware {
                target_buffer,
                urgency_threshold,
            } = decode(path, &params, problems)?;
            problems.money(&format!("{path}.target_buffer"), target_buffer, 0);
            PolicySpec::LiquidityAware {
                target_buffer,
                urgency_threshold,
            }
        }
        "LiquiditySplitting" => {
            let policy::LiquiditySplitting { max_parts } = decode(path, &params, problems)?;
            problems.check(
                (2..=MAX_SPLIT_PARTS).contains(&max_parts),
                || format!("{path}.max_parts"),
                || format!("{max_parts} is outside 2..={MAX_SPLIT_PARTS}"),
            );
            PolicySpec::LiquiditySplitting { max_parts }
        }
        "FromJson" => {
            let policy::FromJson {
                json_path,
                json_string,
                trace,
            } = decode(path, &params, problems)?;
            let loaded = match (json_path, json_string) {
                (Some(file), None) => {
                    let at = format!("{path}.json_path");
                    match files.read(&file) {
                        Ok(text) => report(&at, rtgsim_policy_dsl::load(&text), problems),
                        Err(message) => {
                            problems.add(at, message);
                            None
                        }
                    }
                }
                (None, Some(text)) => {
                    let at = format!("{path}.json_string");
                    report(&at, rtgsim_policy_dsl::load(&text), problems)
                }
                (Some(_), Some(_)) => {
                    problems.add(path, "give json_path or json_string, not both");
                    None
                }
                (None, None) => {
                    problems.add(path, "a FromJson policy needs json_path or json_string");
                    None
                }
            };
            PolicySpec::Tree {
                program: Arc::new(loaded?),
                kind: "FromJson",
                trace,
            }
        }
        "Starlark" => {
            let policy::Starlark {
                path: file,
                script,
                limits,
            } = decode(path, &params, problems)?;
            let limits = starlark_limits(&format!("{path}.limits"), &limits, problems);
            let loaded = match (file, script) {
                (Some(file), None) => {
                    let at = format!("{path}.path");
                    match files.read(&file) {
                        Ok(text) => Script::load(&file, &text)
                            .map_err(|e| problems.add(at, e.to_string()))
                            .ok(),
                        Err(message) => {
                            problems.add(at, message);
                            None
                        }
                    }
                }
                (None, Some(text)) => Script::load("script", &text)
                    .map_err(|e| problems.add(format!("{path}.script"), inline_error(&e)))
                    .ok(),
                (Some(_), Some(_)) => {
                    problems.add(path, "give path or script, not both");
                    None
                }
                (None, None) => {
                    problems.add(
                        path,
                        "a Starlark policy needs path (a .star file) or script",
                    );
                    None
                }
            };
            PolicySpec::Starlark {
                script: Arc::new(loaded?),
                limits: limits?,
            }
        }
        _ => {
            let policy::Inline {
                decision_trees,
                trace,
            } = decode(path, &params, problems)?;
            let at = format!("{path}.decision_trees");
            let loaded = report(
                &at,
                rtgsim_policy_dsl::load_value(&decision_trees),
                problems,
            );
            PolicySpec::Tree {
                program: Arc::new(loaded?),
                kind: "Inline",
                trace,
            }
        }
    };
    Some(spec)
}

/// The limits as given, each checked against its range; defaults for those left out.
fn starlark_limits(
    path: &str,
    given: &policy::StarlarkLimits,
    problems: &mut Problems,
) -> Option<Limits> {
    let default = Limits::default();
    let mut ok = true;
    let mut pick = |name: &str, value: Option<u64>, default: u64, max: u64| -> u64 {
        let Some(value) = value else { return default };
        if !(1..=max).contains(&value) {
            problems.add(
                format!("{path}.{name}"),
                format!("{value} is outside 1..={max}"),
            );
            ok = false;
        }
        value
    };
    let max = Limits::MAX;
    let limits = Limits {
        max_steps: pick(
            "max_steps",
            given.max_steps,
            default.max_steps,
            max.max_steps,
        ),
        max_call_depth: pick(
            "max_call_depth",
            given.max_call_depth,
            default.max_call_depth as u64,
            max.max_call_depth as u64,
        ) as usize,
        max_heap_bytes: pick(
            "max_heap_bytes",
            given.max_heap_bytes,
            default.max_heap_bytes as u64,
            max.max_heap_bytes as u64,
        ) as usize,
        max_state_bytes: pick(
            "max_state_bytes",
            given.max_state_bytes,
            default.max_state_bytes as u64,
            max.max_state_bytes as u64,
        ) as usize,
    };
    ok.then_some(limits)
}

/// A load error in an inline script: the position without the placeholder file name.
fn inline_error(error: &rtgsim_policy_starlark::LoadError) -> String {
    if error.line == 0 {
        error.message.clone()
    } else {
        format!(
            "line {}, column {}: {}",
            error.line, error.column, error.message
        )
    }
}

/// Records every problem of a document under `at`.
fn report<T>(at: &str, loaded: Result<T, LoadError>, problems: &mut Problems) -> Option<T> {
    match loaded {
        Ok(value) => Some(value),
        Err(LoadError::Json {
            line,
            column,
            message,
        }) => {
            problems.add(
                at,
                format!("invalid JSON at line {line}, column {column}: {message}"),
            );
            None
        }
        Err(LoadError::Invalid(list)) => {
            for d in list {
                problems.add(at, d.to_string());
            }
            None
        }
    }
}
