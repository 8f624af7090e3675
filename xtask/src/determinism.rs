//! The determinism check: every fixture, many runs, spread over threads; the event
//! logs must be byte-identical, and a different seed must change them. Then a sweep
//! must report the same with one thread as with all of them.

use rtgsim_scenario::Scenario;
use rtgsim_scenario::config::ScenarioInput;
use std::path::Path;
use std::thread;

pub fn run(fixtures: &Path, runs: usize) -> Result<(), String> {
    let runs = runs.max(2);
    let mut scenarios = vec![("<default>".to_string(), default_scenario()?)];
    for entry in sorted_fixtures(fixtures)? {
        let name = entry
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        let scenario = ScenarioInput::from_path(&entry)
            .and_then(|mut input| input.resolve())
            .map_err(|e| e.to_string())?;
        scenarios.push((name, scenario));
    }
    let threads = thread::available_parallelism()
        .map_or(2, |n| n.get())
        .max(2);
    for (name, scenario) in &scenarios {
        let (reference_hash, reference) = run_once(scenario)?;
        let hashes = parallel_runs(scenario, runs - 1, threads)?;
        for (run, (hash, log)) in hashes.into_iter().enumerate() {
            if hash != reference_hash {
                return Err(format!(
                    "{name}: run {} differs from run 0 ({hash} vs {reference_hash}); {}",
                    run + 1,
                    first_difference(&reference, &log)
                ));
            }
        }
        let mut reseeded = scenario.clone();
        reseeded.plan.seed = reseeded.plan.seed.wrapping_add(1);
        let (other_hash, _) = run_once(&reseeded)?;
        let has_randomness = scenario.plan.agents.iter().any(|a| a.arrivals.is_some());
        if has_randomness && other_hash == reference_hash {
            return Err(format!(
                "{name}: seed {} gives the same log as seed {}",
                reseeded.plan.seed, scenario.plan.seed
            ));
        }
        println!(
            "{name}: {runs} runs on {threads} threads, one event log ({reference_hash}){}",
            if has_randomness {
                "; another seed gives another"
            } else {
                "; no random arrivals"
            }
        );
    }
    sweep_on_any_threads(fixtures, runs, threads)
}

/// A sweep (two settings, `runs` seeds) reports the same on one thread as on all.
fn sweep_on_any_threads(fixtures: &Path, runs: usize, threads: usize) -> Result<(), String> {
    use rtgsim_scenario::sweep::{Setting, SweepPlan, sweep};
    let path = fixtures.join("starlark_policies.yaml");
    let input = ScenarioInput::from_path(&path).map_err(|e| e.to_string())?;
    let settings =
        vec![Setting::parse("agents[0].opening_balance=150000,400000").map_err(|e| e.to_string())?];
    let plan = |threads| SweepPlan {
        first_seed: 1,
        seeds: runs as u64,
        settings: settings.clone(),
        threads,
    };
    let one = sweep(&input, &plan(1)).map_err(|e| e.to_string())?;
    let all = sweep(&input, &plan(threads)).map_err(|e| e.to_string())?;
    if one != all {
        return Err(
            "sweep of starlark_policies.yaml: one thread and all threads report differently".into(),
        );
    }
    println!(
        "sweep of starlark_policies.yaml: {} runs, the same report on 1 and {threads} threads",
        one.iter().map(|r| r.runs).sum::<u64>()
    );
    Ok(())
}

fn default_scenario() -> Result<Scenario, String> {
    ScenarioInput::default_scenario()
        .and_then(|mut input| input.resolve())
        .map_err(|e| e.to_string())
}

fn sorted_fixtures(dir: &Path) -> Result<Vec<std::path::PathBuf>, String> {
    let mut paths: Vec<_> = std::fs::read_dir(dir)
        .map_err(|e| format!("{}: {e}", dir.display()))?
        .filter_map(|entry| entry.ok().map(|e| e.path()))
        .filter(|path| path.extension().is_some_and(|ext| ext == "yaml"))
        .collect();
    paths.sort();
    Ok(paths)
}

/// A run's event log hash and its lines.
type Logged = Result<(String, Vec<u8>), String>;

fn run_once(scenario: &Scenario) -> Logged {
    let mut log = Vec::new();
    let summary =
        rtgsim_scenario::run(scenario, Some(&mut log), &mut |_| {}).map_err(|e| e.to_string())?;
    Ok((summary.event_log_hash, log))
}

/// `runs` runs spread over `threads` threads, in run order.
fn parallel_runs(
    scenario: &Scenario,
    runs: usize,
    threads: usize,
) -> Result<Vec<(String, Vec<u8>)>, String> {
    let mut results: Vec<Option<Logged>> = (0..runs).map(|_| None).collect();
    thread::scope(|scope| {
        for chunk in results.chunks_mut(runs.div_ceil(threads).max(1)) {
            scope.spawn(move || {
                for slot in chunk {
                    *slot = Some(run_once(scenario));
                }
            });
        }
    });
    results
        .into_iter()
        .map(|r| r.unwrap_or_else(|| Err("a run thread stopped early".into())))
        .collect()
}

/// Where two logs first differ, as line number and both lines.
fn first_difference(a: &[u8], b: &[u8]) -> String {
    let (la, lb) = (String::from_utf8_lossy(a), String::from_utf8_lossy(b));
    for (i, (x, y)) in la.lines().zip(lb.lines()).enumerate() {
        if x != y {
            return format!("first difference at event {i}:\n  run 0: {x}\n  other: {y}");
        }
    }
    format!(
        "one log is a prefix of the other ({} vs {} lines)",
        la.lines().count(),
        lb.lines().count()
    )
}
