//! `rtgsim run` and `rtgsim resume`.

use crate::{Failure, ResumeArgs, RunArgs};
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use rtgsim::recording::{self, DbOptions, RecordError, StoredScenario};
use rtgsim::registry;
use rtgsim_report::RunSummary;
use rtgsim_scenario::config::{ConfigError, ScenarioFile, ScenarioInput};
use rtgsim_scenario::policy_checks;
use std::fs::File;
use std::io::{BufWriter, IsTerminal, Write};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

pub fn run(args: RunArgs) -> Result<(), Failure> {
    let input = |e: ConfigError| Failure::Input(e.to_string());
    let mut scenario_input = match &args.scenario {
        Some(path) => ScenarioInput::from_path(path),
        None => ScenarioInput::default_scenario(),
    }
    .map_err(input)?;
    if let Some(seed) = args.seed {
        scenario_input.file.simulation.seed = seed;
    }
    if let Some(days) = args.days {
        scenario_input.file.simulation.num_days = days;
    }
    // `policy: {registry: ID}`: the version's text takes its place, from the
    // database the run is stored in (without --db, resolving says it needs one).
    if let (Some(db), true) = (&args.db, registry::names_registry(&scenario_input.file)) {
        let store =
            rtgsim_persistence::Store::open(db).map_err(|e| Failure::Input(e.to_string()))?;
        registry::substitute_registry_policies(&mut scenario_input.file, &store)
            .map_err(|problems| Failure::Input(format!("{}: {problems}", scenario_input.name())))?;
    }
    let scenario = scenario_input
        .resolve()
        .map_err(|error| input(blame_flags(error, &args)))?;
    analyze_policies(&scenario_input.file, scenario_input.policy_files())?;

    let report_file = super::report::ReportFile::for_flag(
        args.report.as_deref(),
        &[
            args.scenario.as_deref(),
            args.db.as_deref(),
            args.events.as_deref(),
        ],
    )?;
    let mut events_file = match &args.events {
        Some(path) => Some(BufWriter::with_capacity(
            1 << 20,
            File::create(path).map_err(|e| {
                Failure::Input(format!(
                    "{}: cannot create the event log: {e}",
                    path.display()
                ))
            })?,
        )),
        None => None,
    };
    let mut series = report_file
        .as_ref()
        .map(|_| super::report::series_for(&scenario));
    let progress = progress_bar(scenario.plan.total_ticks(), args.json);
    let mut on_tick = |tick: u32| progress.set_position(u64::from(tick) + 1);
    let events = events_file.as_mut().map(|w| w as &mut dyn Write);
    let observer = series
        .as_mut()
        .map(|s| s as &mut dyn rtgsim_report::EventObserver);
    let summary = match &args.db {
        None => rtgsim_scenario::run_observed(&scenario, events, observer, &mut on_tick)
            .map_err(|e| Failure::Run(e.to_string()))?,
        Some(db) => {
            let files = scenario_input.policy_files().clone();
            let stored = StoredScenario {
                file: scenario_input.file,
                files,
            };
            let options = DbOptions {
                path: db.clone(),
                checkpoint_every: args.checkpoint_every,
                state_from: args.resume_state_from,
                stop: stop_on_ctrl_c(),
            };
            let recorded = recording::run_recorded_observed(
                &scenario,
                &stored,
                &options,
                events,
                observer,
                &mut on_tick,
            )
            .map_err(record_failure)?;
            if !args.json {
                eprintln!("stored as run {} in {}", recorded.run_id, db.display());
            }
            recorded.summary
        }
    };
    progress.finish_and_clear();
    if let (Some(file), Some(mut series)) = (report_file, series) {
        series.finish();
        let scenario = args.scenario.as_ref().map_or_else(
            || "the built-in default scenario".to_string(),
            |path| path.display().to_string(),
        );
        file.write(&scenario, &summary, &series)?;
    }
    print_summary(&summary, args.json)
}

pub fn resume(args: ResumeArgs) -> Result<(), Failure> {
    let (row, (scenario_json, files_json)) = rtgsim_persistence::Store::open_read_only(&args.db)
        .and_then(|store| Ok((store.run(args.run_id)?, store.run_inputs(args.run_id)?)))
        .map_err(|e| Failure::Input(e.to_string()))?;
    let scenario = recording::stored_scenario(&scenario_json, &files_json, args.run_id)
        .map_err(record_failure)?;
    let progress = progress_bar(scenario.plan.total_ticks(), args.json);
    let mut on_tick = |tick: u32| progress.set_position(u64::from(tick) + 1);
    let options = DbOptions {
        path: args.db.clone(),
        checkpoint_every: args.checkpoint_every,
        state_from: None,
        stop: stop_on_ctrl_c(),
    };
    let recorded =
        recording::resume(args.run_id, &options, &mut on_tick).map_err(record_failure)?;
    progress.finish_and_clear();
    if !args.json {
        eprintln!(
            "run {} resumed from day {} and completed",
            recorded.run_id,
            row.days_completed.min(row.days_total) + 1
        );
    }
    print_summary(&recorded.summary, args.json)
}

/// The static analyzer over the scenario's policies: errors stop the run (with the
/// findings), warnings are shown on stderr.
fn analyze_policies(
    file: &ScenarioFile,
    files: &std::collections::BTreeMap<String, String>,
) -> Result<(), Failure> {
    let findings = policy_checks::analyze_scenario(file, files);
    if findings.is_empty() {
        return Ok(());
    }
    let report = rtgsim_analyzer::render::human(&findings, &|name| {
        policy_checks::source_of(name, file, files)
    });
    if findings.iter().any(|f| f.is_error()) {
        return Err(Failure::Input(format!(
            "the scenario's policies have errors; nothing was run\n\n{report}"
        )));
    }
    eprint!("{report}");
    Ok(())
}

fn record_failure(error: RecordError) -> Failure {
    match error {
        RecordError::Input(message) => Failure::Input(message),
        RecordError::Failed(message) => Failure::Run(message),
        interrupted @ RecordError::Interrupted { .. } => {
            Failure::Interrupted(interrupted.to_string())
        }
    }
}

/// A flag that Ctrl-C sets: a stored run then stops after the tick it is in and is
/// marked interrupted (its whole days kept), instead of dying mid-write.
fn stop_on_ctrl_c() -> Arc<AtomicBool> {
    let stop = Arc::new(AtomicBool::new(false));
    let flag = Arc::clone(&stop);
    // If a handler cannot be installed, Ctrl-C kills the process as usual; the run is
    // still resumable from its last checkpoint.
    let _ = ctrlc::set_handler(move || flag.store(true, Ordering::Relaxed));
    stop
}

fn print_summary(summary: &RunSummary, json: bool) -> Result<(), Failure> {
    let mut stdout = std::io::stdout().lock();
    let text = if json {
        summary.to_json() + "\n"
    } else {
        summary.to_table()
    };
    stdout
        .write_all(text.as_bytes())
        .and_then(|()| stdout.flush())
        .map_err(|e| Failure::Run(format!("writing the summary: {e}")))
}

/// Problems with values the command line set are reported against the flag.
fn blame_flags(mut error: ConfigError, args: &RunArgs) -> ConfigError {
    if let ConfigError::Invalid { problems, .. } = &mut error {
        for problem in problems {
            if args.days.is_some() && problem.path == "simulation.num_days" {
                problem.path = "--days".into();
            }
        }
    }
    error
}

/// A progress bar on stderr for a person watching; hidden for programs (with `--json`,
/// or when stderr is not a terminal).
pub(crate) fn progress_bar(total_ticks: u64, json: bool) -> ProgressBar {
    if json || !std::io::stderr().is_terminal() {
        return ProgressBar::with_draw_target(Some(total_ticks), ProgressDrawTarget::hidden());
    }
    let bar = ProgressBar::new(total_ticks);
    if let Ok(style) = ProgressStyle::with_template(
        "{bar:40} {pos}/{len} ticks  {elapsed_precise} elapsed, eta {eta}",
    ) {
        bar.set_style(style);
    }
    bar
}
