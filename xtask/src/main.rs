//! Project automation, run as `cargo xtask <command>`:
//!
//! * `determinism [--runs N]`: runs every fixture N times (on several threads) and
//!   fails unless every run gives the same event log, naming the fixture and the
//!   first differing event; also checks that another seed gives another log.
//! * `bench [--only NAME]`: throughput of the benchmark scenarios, as JSON lines;
//!   `bench db`: what writing the large day to SQLite costs; `bench sweep`: sweep
//!   throughput on 1 and 2 threads.
//! * `convert`: rewrites `policies/converted/`, the Starlark conversions of the JSON
//!   policies.

mod bench;
mod bench_db;
mod bench_sweep;
mod convert;
mod determinism;

use clap::{Parser, Subcommand};
use std::path::PathBuf;
use std::process::ExitCode;

#[derive(Debug, Parser)]
#[command(name = "cargo xtask")]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Same scenario and seed, many runs: the event logs must be identical.
    Determinism {
        /// Runs per fixture.
        #[arg(long, default_value_t = 20)]
        runs: usize,
    },
    /// Throughput figures as JSON lines: the benchmark scenarios, or another
    /// program named by a subcommand.
    Bench {
        #[command(subcommand)]
        program: Option<BenchProgram>,
        /// Run only the scenarios whose name contains this.
        #[arg(long)]
        only: Option<String>,
    },
    /// Convert every JSON policy in policies/ into policies/converted/*.star.
    Convert,
}

/// The benchmark programs other than the scenarios.
#[derive(Debug, Subcommand)]
enum BenchProgram {
    /// What `rtgsim run --db` costs on the large day.
    Db,
    /// Sweep throughput on 1 and 2 threads.
    Sweep,
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Determinism { runs } => determinism::run(&fixtures_dir(), runs),
        Command::Bench {
            program: None,
            only,
        } => bench::run(only.as_deref()),
        Command::Bench {
            program: Some(_),
            only: Some(_),
        } => Err("--only picks benchmark scenarios; `bench db` and `bench sweep` have none".into()),
        Command::Bench {
            program: Some(BenchProgram::Db),
            only: None,
        } => bench_db::run(),
        Command::Bench {
            program: Some(BenchProgram::Sweep),
            only: None,
        } => bench_sweep::run(),
        Command::Convert => convert::run(&fixtures_dir().join("../policies")),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("xtask: {message}");
            ExitCode::FAILURE
        }
    }
}

/// The repository's `fixtures/` directory.
fn fixtures_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../fixtures")
}
