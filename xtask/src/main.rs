//! Project automation, run as `cargo xtask <command>`:
//!
//! * `determinism [--runs N]`: runs every fixture N times (on several threads) and
//!   fails unless every run gives the same event log, naming the fixture and the
//!   first differing event; also checks that another seed gives another log.
//! * `bench [--only NAME]`: throughput of the benchmark scenarios, as JSON lines;
//!   `bench --db`: what writing the large day to SQLite costs; `bench --sweep`:
//!   sweep throughput on 1 and 2 threads.
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
    /// Throughput figures as JSON lines.
    Bench {
        /// Run only the scenarios whose name contains this.
        #[arg(long)]
        only: Option<String>,
        /// Measure the cost of `--db` on the large day instead.
        #[arg(long)]
        db: bool,
        /// Measure sweep throughput on 1 and 2 threads instead.
        #[arg(long)]
        sweep: bool,
    },
    /// Convert every JSON policy in policies/ into policies/converted/*.star.
    Convert,
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Determinism { runs } => determinism::run(&fixtures_dir(), runs),
        Command::Bench { db: true, .. } => bench_db::run(),
        Command::Bench { sweep: true, .. } => bench_sweep::run(),
        Command::Bench { only, .. } => bench::run(only.as_deref()),
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
