//! Parameter sweeps: one scenario run for many seeds and for every combination of
//! the values given to some of its settings, in parallel, one run per task, each as
//! deterministic as a single run (results are collected by task, never by finishing
//! order, so any number of threads gives the same report).
//!
//! A setting is a path into the scenario file, as the error messages write them
//! (`agents[0].policy.target_buffer`, `costs.delay_cost_per_tick_bps`,
//! `simulation.ticks_per_day`), with a list of values; the sweep runs the product of
//! all the lists. For each combination it reports, per agent, the mean, standard
//! deviation and 5th, 50th and 95th percentiles over the seeds of the total cost,
//! the settlement rate and the average delay.

use crate::config::{ScenarioFile, ScenarioInput};
use rayon::prelude::*;
use rtgsim_report::RunSummary;
use rtgsim_report::stats::{SweepResult, aggregate, describe};
use serde_json::Value as Json;
use thiserror::Error;

/// One swept setting: where, and the values to try.
#[derive(Debug, Clone, PartialEq)]
pub struct Setting {
    pub path: String,
    pub values: Vec<Json>,
}

impl Setting {
    /// Parses `PATH=V1,V2,...` (values as JSON, or as text when they are not JSON).
    pub fn parse(text: &str) -> Result<Setting, SweepError> {
        let (path, values) = text.split_once('=').ok_or_else(|| {
            SweepError::Input(format!("--set {text}: write PATH=VALUE,VALUE,..."))
        })?;
        let values: Vec<Json> = values
            .split(',')
            .filter(|v| !v.is_empty())
            .map(|v| serde_json::from_str(v).unwrap_or_else(|_| Json::String(v.to_string())))
            .collect();
        if path.is_empty() || values.is_empty() {
            return Err(SweepError::Input(format!(
                "--set {text}: a path and at least one value"
            )));
        }
        Ok(Setting {
            path: path.to_string(),
            values,
        })
    }
}

#[derive(Debug, Error)]
pub enum SweepError {
    /// A setting or scenario that cannot be swept (exit code 2).
    #[error("{0}")]
    Input(String),
    /// A run failed (exit code 1).
    #[error("{0}")]
    Run(String),
}

/// What to sweep.
#[derive(Debug, Clone)]
pub struct SweepPlan {
    /// Seeds `first_seed .. first_seed + seeds`.
    pub first_seed: u64,
    pub seeds: u64,
    pub settings: Vec<Setting>,
    /// Threads to run on (0: all the machine has).
    pub threads: usize,
}

/// Runs the sweep of `input` (each combination reads its policy files from where
/// `input`'s come from).
pub fn sweep(input: &ScenarioInput, plan: &SweepPlan) -> Result<Vec<SweepResult>, SweepError> {
    if plan.seeds == 0 {
        return Err(SweepError::Input("--seeds must be at least 1".into()));
    }
    let base = serde_json::to_value(&input.file).map_err(|e| SweepError::Input(e.to_string()))?;
    // Every combination, checked before anything runs.
    let mut combinations = Vec::new();
    for values in product(&plan.settings) {
        let mut json = base.clone();
        for (path, value) in &values {
            set(&mut json, path, value.clone())
                .map_err(|message| SweepError::Input(format!("--set {path}: {message}")))?;
        }
        let changed: ScenarioFile = serde_json::from_value(json)
            .map_err(|e| SweepError::Input(format!("{}: {e}", describe(&values))))?;
        let scenario = input
            .with_file(changed, &describe(&values))
            .resolve()
            .map_err(|e| SweepError::Input(e.to_string()))?;
        combinations.push((values, scenario));
    }
    let tasks: Vec<(usize, u64)> = (0..combinations.len())
        .flat_map(|c| (0..plan.seeds).map(move |s| (c, plan.first_seed + s)))
        .collect();
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(plan.threads)
        // Each thread runs policies: the stack their limits are sized for.
        .stack_size(rtgsim_policy_starlark::POLICY_THREAD_STACK_BYTES)
        .build()
        .map_err(|e| SweepError::Run(format!("cannot start the threads: {e}")))?;
    let summaries: Vec<Result<RunSummary, String>> = pool.install(|| {
        tasks
            .par_iter()
            .map(|&(combination, seed)| {
                let mut scenario = combinations[combination].1.clone();
                scenario.plan.seed = seed;
                crate::run(&scenario, None, &mut |_| {}).map_err(|e| format!("seed {seed}: {e}"))
            })
            .collect()
    });
    let mut summaries = summaries.into_iter();
    combinations
        .into_iter()
        .map(|(values, scenario)| {
            let runs: Vec<RunSummary> = summaries
                .by_ref()
                .take(plan.seeds as usize)
                .collect::<Result<_, _>>()
                .map_err(|e| SweepError::Run(format!("{}: {e}", describe(&values))))?;
            Ok(aggregate(values, &scenario.plan.agent_names(), &runs))
        })
        .collect()
}

/// Every combination of the settings' values (one empty combination when none).
fn product(settings: &[Setting]) -> Vec<Vec<(String, Json)>> {
    let mut combinations = vec![Vec::new()];
    for setting in settings {
        combinations = combinations
            .into_iter()
            .flat_map(|done| {
                setting.values.iter().map(move |value| {
                    let mut next = done.clone();
                    next.push((setting.path.clone(), value.clone()));
                    next
                })
            })
            .collect();
    }
    combinations
}

/// Sets the value at `path` (`a.b[2].c`) in a JSON document; the containers on the
/// way must exist (the last key may be new, to set an optional value). Used by
/// sweeps and games alike, so a path means the same to both.
pub fn set(json: &mut Json, path: &str, value: Json) -> Result<(), String> {
    let mut at = json;
    let steps = steps(path)?;
    let (last, walk) = steps.split_last().ok_or("an empty path")?;
    for step in walk {
        at = match step {
            Step::Key(key) => at
                .get_mut(key.as_str())
                .ok_or(format!("no \"{key}\" here"))?,
            Step::Index(i) => at.get_mut(*i).ok_or(format!("no item {i} here"))?,
        };
    }
    match (last, at) {
        (Step::Key(key), Json::Object(map)) => {
            map.insert(key.clone(), value);
            Ok(())
        }
        (Step::Index(i), Json::Array(items)) if *i < items.len() => {
            items[*i] = value;
            Ok(())
        }
        _ => Err("the path does not lead to a value of the scenario".into()),
    }
}

/// The value at `path` (`a.b[2].c`) in a JSON document, if there is one.
pub fn get<'a>(json: &'a Json, path: &str) -> Option<&'a Json> {
    steps(path)
        .ok()?
        .iter()
        .try_fold(json, |at, step| match step {
            Step::Key(key) => at.get(key.as_str()),
            Step::Index(i) => at.get(*i),
        })
}

enum Step {
    Key(String),
    Index(usize),
}

fn steps(path: &str) -> Result<Vec<Step>, String> {
    let mut steps = Vec::new();
    for part in path.split('.') {
        let (key, rest) = part.split_once('[').unwrap_or((part, ""));
        if !key.is_empty() {
            steps.push(Step::Key(key.to_string()));
        }
        for index in rest.split('[').filter(|s| !s.is_empty()) {
            let number = index.trim_end_matches(']');
            steps.push(Step::Index(
                number
                    .parse()
                    .map_err(|_| format!("\"{number}\" is not an index"))?,
            ));
        }
    }
    Ok(steps)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn settings_parse_and_apply() {
        let setting = Setting::parse("agents[1].policy.target_buffer=100,200.5,x").unwrap();
        assert_eq!(setting.path, "agents[1].policy.target_buffer");
        assert_eq!(
            setting.values,
            vec![
                serde_json::json!(100),
                serde_json::json!(200.5),
                serde_json::json!("x")
            ]
        );
        let mut doc =
            serde_json::json!({"agents": [{"policy": {}}, {"policy": {"target_buffer": 1}}]});
        set(
            &mut doc,
            "agents[1].policy.target_buffer",
            serde_json::json!(7),
        )
        .unwrap();
        assert_eq!(doc["agents"][1]["policy"]["target_buffer"], 7);
        assert!(set(&mut doc, "agents[5].policy.x", serde_json::json!(1)).is_err());
        assert_eq!(
            get(&doc, "agents[1].policy.target_buffer"),
            Some(&serde_json::json!(7))
        );
        assert_eq!(get(&doc, "agents[0].policy.target_buffer"), None);
        assert_eq!(get(&doc, "agents[x].policy"), None);
        assert!(Setting::parse("no_equals").is_err());
        assert_eq!(product(&[setting.clone(), setting]).len(), 9);
    }
}
