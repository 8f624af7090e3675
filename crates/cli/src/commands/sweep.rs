//! `rtgsim sweep`.

use crate::{Failure, SweepArgs};
use rtgsim_scenario::config::ScenarioInput;
use rtgsim_scenario::sweep::{self, Setting, SweepError, SweepPlan};
use std::io::Write;

pub fn sweep(args: SweepArgs) -> Result<(), Failure> {
    let input =
        ScenarioInput::from_path(&args.scenario).map_err(|e| Failure::Input(e.to_string()))?;
    let settings = args
        .settings
        .iter()
        .map(|s| Setting::parse(s))
        .collect::<Result<Vec<_>, _>>()
        .map_err(failure)?;
    let plan = SweepPlan {
        first_seed: args.first_seed.unwrap_or(input.file.simulation.seed),
        seeds: args.seeds,
        settings,
        threads: args.threads,
    };
    let report_file =
        super::report::ReportFile::for_flag(args.report.as_deref(), &[Some(&args.scenario)])?;
    let results = sweep::sweep(&input, &plan).map_err(failure)?;
    if let Some(file) = report_file {
        file.write_html(&rtgsim_html::sweep_page(&rtgsim_html::SweepPage {
            scenario: &args.scenario.display().to_string(),
            first_seed: plan.first_seed,
            seeds: plan.seeds,
            results: &results,
        }))?;
    }
    let text = if args.json {
        serde_json::to_string_pretty(&serde_json::json!({
            "scenario": args.scenario.display().to_string(),
            "first_seed": plan.first_seed,
            "seeds": plan.seeds,
            "results": results,
        }))
        .map_err(|e| Failure::Run(e.to_string()))?
            + "\n"
    } else {
        rtgsim_report::stats::to_table(&results, plan.seeds)
    };
    let mut stdout = std::io::stdout().lock();
    stdout
        .write_all(text.as_bytes())
        .and_then(|()| stdout.flush())
        .map_err(|e| Failure::Run(format!("writing the report: {e}")))
}

fn failure(error: SweepError) -> Failure {
    match error {
        SweepError::Input(message) => Failure::Input(message),
        SweepError::Run(message) => Failure::Run(message),
    }
}
