//! `rtgsim`: run payment-system scenarios from the command line.
//!
//! Exit codes: 0 success, 1 the run failed, 2 usage or input error.

use clap::{Parser, Subcommand};
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use rtgsim::config::{self, ConfigError, DEFAULT_SCENARIO_NAME};
use std::fs::File;
use std::io::{BufWriter, IsTerminal, Write};
use std::path::PathBuf;
use std::process::ExitCode;

#[derive(Debug, Parser)]
#[command(
    name = "rtgsim",
    version,
    about = "A deterministic simulator of real-time gross settlement"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Run a scenario (the built-in default scenario when none is given) and report.
    Run(RunArgs),
}

#[derive(Debug, clap::Args)]
struct RunArgs {
    /// Scenario file, YAML or JSON.
    scenario: Option<PathBuf>,
    /// Use this seed instead of the scenario's.
    #[arg(long)]
    seed: Option<u64>,
    /// Run this many days instead of the scenario's.
    #[arg(long)]
    days: Option<u32>,
    /// Print one JSON document (the summary) on stdout instead of tables.
    #[arg(long)]
    json: bool,
    /// Write the event log to this file, one JSON object per line.
    #[arg(long, value_name = "FILE")]
    events: Option<PathBuf>,
}

/// What went wrong, and the exit code it earns.
enum Failure {
    Input(String),
    Run(String),
}

fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(error) => {
            // Help and version are not errors; clap picks their exit code (0).
            let _ = error.print();
            return ExitCode::from(if error.use_stderr() { 2 } else { 0 });
        }
    };
    let outcome = match cli.command {
        Command::Run(args) => run(args),
    };
    match outcome {
        Ok(()) => ExitCode::SUCCESS,
        Err(Failure::Input(message)) => {
            eprintln!("error: {message}");
            ExitCode::from(2)
        }
        Err(Failure::Run(message)) => {
            eprintln!("error: the run failed: {message}");
            ExitCode::from(1)
        }
    }
}

fn run(args: RunArgs) -> Result<(), Failure> {
    let input = |e: ConfigError| Failure::Input(e.to_string());
    let (mut file, source_name) = match &args.scenario {
        Some(path) => (
            config::read_file(path).map_err(input)?,
            path.display().to_string(),
        ),
        None => (
            config::default_file().map_err(input)?,
            DEFAULT_SCENARIO_NAME.to_string(),
        ),
    };
    if let Some(seed) = args.seed {
        file.simulation.seed = seed;
    }
    if let Some(days) = args.days {
        file.simulation.num_days = days;
    }
    let scenario = match &args.scenario {
        Some(path) => config::check_file(&file, path),
        None => config::check(&file, &source_name),
    }
    .map_err(|error| input(blame_flags(error, &args)))?;

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
    let progress = progress_bar(scenario.total_ticks(), args.json);
    let mut on_tick = |tick: u32| progress.set_position(u64::from(tick) + 1);
    let events = events_file.as_mut().map(|w| w as &mut dyn Write);
    let summary =
        rtgsim::run(&scenario, events, &mut on_tick).map_err(|e| Failure::Run(e.to_string()))?;
    progress.finish_and_clear();

    let mut stdout = std::io::stdout().lock();
    let text = if args.json {
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
fn progress_bar(total_ticks: u64, json: bool) -> ProgressBar {
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
