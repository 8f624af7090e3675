//! `cargo xtask bench compare`: the 50-sample comparison of a candidate with the
//! incumbent on a 4-bank, 1,000-tick scenario (`examples/compare/`), in each mode,
//! on 1 thread and on 2 (seeds mode also with every run's log encoded and hashed).
//! Each figure is the median of 5 repetitions of the whole comparison, from the
//! resolved scenario to the verdict.

use rtgsim_evaluate::{CompareOptions, Contest, Guardbands, Mode, compare};
use rtgsim_scenario::config::ScenarioInput;
use serde_json::json;
use std::path::Path;
use std::time::Instant;

const SAMPLES: u32 = 50;
const REPETITIONS: usize = 5;

pub fn run(root: &Path) -> Result<(), String> {
    let examples = root.join("examples/compare");
    let input = ScenarioInput::from_path(&examples.join("crisis_four_banks.yaml"))
        .map_err(|e| e.to_string())?;
    let candidate = examples.join("smaller_buffer.yaml");
    let contest = Contest::new(&input, "METRO_CENTRAL", &candidate.to_string_lossy(), None)
        .map_err(|e| e.to_string())?;
    let cases = [
        (Mode::Seeds, 1, false),
        (Mode::Seeds, 2, false),
        (Mode::Seeds, 2, true),
        (Mode::Bootstrap, 2, false),
        (Mode::Sandbox, 2, false),
    ];
    for (mode, threads, hashes) in cases {
        let options = CompareOptions {
            mode,
            samples: SAMPLES,
            master_seed: input.file.simulation.seed,
            only_sample: None,
            guardbands: Guardbands::default(),
            resamples: rtgsim_evaluate::paired::DEFAULT_RESAMPLES,
            threads,
            hashes,
        };
        let mut seconds = Vec::with_capacity(REPETITIONS);
        let mut verdict = None;
        for _ in 0..REPETITIONS {
            let started = Instant::now();
            let report = compare(&contest, &options).map_err(|e| e.to_string())?;
            seconds.push(started.elapsed().as_secs_f64());
            verdict = Some(report.verdict.decision);
        }
        seconds.sort_by(f64::total_cmp);
        let line = json!({
            "scenario": "compare_crisis_four_banks_50_samples",
            "mode": mode,
            "threads": threads,
            "hashes": hashes,
            "runs": 2 * SAMPLES,
            "median_seconds": (seconds[REPETITIONS / 2] * 1000.0).round() / 1000.0,
            "verdict": verdict,
        });
        println!("{line}");
    }
    Ok(())
}
