//! `rtgsim compare`.

use crate::{CompareArgs, Failure};
use rtgsim_evaluate::{CompareError, CompareOptions, Contest, Guardbands, Mode};
use rtgsim_scenario::config::ScenarioInput;
use std::io::Write;

pub fn compare(args: CompareArgs) -> Result<(), Failure> {
    let input =
        ScenarioInput::from_path(&args.scenario).map_err(|e| Failure::Input(e.to_string()))?;
    let contest = Contest::new(
        &input,
        &args.agent,
        &args.candidate,
        args.incumbent.as_deref(),
    )
    .map_err(failure)?;
    let mode = Mode::parse(&args.mode).ok_or_else(|| {
        Failure::Input(format!("--mode {}: seeds, bootstrap or sandbox", args.mode))
    })?;
    let options = CompareOptions {
        mode,
        samples: args.samples,
        master_seed: args.seed.unwrap_or(input.file.simulation.seed),
        only_sample: args.only_sample,
        guardbands: Guardbands {
            max_cost_ratio: args.max_cost_ratio,
            min_settlement_ratio: args.min_settlement_ratio,
            max_peak_credit_ratio: args.max_peak_credit_ratio,
        },
        resamples: args.resamples,
        threads: args.threads,
        hashes: args.hashes,
    };
    let report = rtgsim_evaluate::compare(&contest, &options).map_err(failure)?;
    let text = if args.json {
        serde_json::to_string_pretty(&report).map_err(|e| Failure::Run(e.to_string()))? + "\n"
    } else {
        rtgsim_evaluate::table::to_table(&report)
    };
    let mut stdout = std::io::stdout().lock();
    stdout
        .write_all(text.as_bytes())
        .and_then(|()| stdout.flush())
        .map_err(|e| Failure::Run(format!("writing the report: {e}")))
}

pub fn failure(error: CompareError) -> Failure {
    match error {
        CompareError::Input(message) => Failure::Input(message),
        CompareError::Run(message) => Failure::Run(message),
    }
}
