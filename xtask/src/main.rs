//! Project automation, run as `cargo xtask <command>`:
//!
//! * `determinism [--runs N]`: runs every fixture N times (on several threads) and
//!   fails unless every run gives the same event log, naming the fixture and the
//!   first differing event; also checks that another seed gives another log.
//! * `bench [--only NAME]`: throughput of the benchmark scenarios, as JSON lines;
//!   `bench db`: what writing the large day to SQLite costs; `bench sweep`: sweep
//!   throughput on 1 and 2 threads; `bench compare`: a 50-sample policy comparison;
//!   `bench game`: the Castro 2-period game on its 101 x 101 grid.
//! * `fuzz [--seconds N] [--target NAME]...`: coverage-guided fuzzing of the loaders,
//!   the sandbox, the analyzer and the converter (needs the nightly toolchain); see
//!   [`fuzz`].
//! * `test [ARGS]...`: the project's one test command: installs Chromium for the
//!   browser tests when missing, then `cargo test --workspace --locked ARGS`; see
//!   [`test`].
//! * `convert`: rewrites `policies/converted/`, the Starlark conversions of the JSON
//!   policies.

mod bench;
mod bench_compare;
mod bench_db;
mod bench_game;
mod bench_report;
mod bench_sweep;
mod convert;
mod determinism;
mod fuzz;
mod test;

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
    /// Coverage-guided fuzzing with libFuzzer (needs `rustup toolchain install
    /// nightly`); fails if any target finds a crashing input.
    Fuzz {
        /// Seconds per target.
        #[arg(long, default_value_t = 60)]
        seconds: u64,
        /// Stop each target after this many executions.
        #[arg(long)]
        runs: Option<u64>,
        /// Only this target (repeatable): scenario, tree, starlark, analyzer, convert.
        #[arg(long = "target")]
        targets: Vec<String>,
        /// Build with AddressSanitizer as well.
        #[arg(long)]
        address_sanitizer: bool,
        /// Wall-clock seconds after which one input counts as a hang. Raise it on a
        /// loaded machine: libFuzzer times wall time, so an input that needs one
        /// second of CPU can pass ten while the fuzzer waits for a core.
        #[arg(long, default_value_t = 10)]
        timeout_seconds: u64,
    },
    /// The whole test suite: installs Chromium for the browser tests when missing
    /// (scripts/install-chromium.sh), then `cargo test --workspace --locked`.
    Test {
        /// Passed on to `cargo test`, e.g. `-- --nocapture`.
        #[arg(trailing_var_arg = true, allow_hyphen_values = true)]
        args: Vec<String>,
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
    /// A 50-sample `compare` on a 4-bank, 1,000-tick scenario, in each mode.
    Compare,
    /// `rtgsim game` on the Castro 2-period game's 101 x 101 grid.
    Game,
    /// What the HTML report costs on the large day: the series observer, the
    /// rendering, the page's size.
    Report,
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
        } => Err("--only picks benchmark scenarios; `bench db`, `bench sweep`, `bench compare`, `bench game` and `bench report` have none".into()),
        Command::Bench {
            program: Some(BenchProgram::Db),
            only: None,
        } => bench_db::run(),
        Command::Bench {
            program: Some(BenchProgram::Sweep),
            only: None,
        } => bench_sweep::run(),
        Command::Bench {
            program: Some(BenchProgram::Compare),
            only: None,
        } => bench_compare::run(&repository_root()),
        Command::Bench {
            program: Some(BenchProgram::Game),
            only: None,
        } => bench_game::run(&repository_root()),
        Command::Bench {
            program: Some(BenchProgram::Report),
            only: None,
        } => bench_report::run(&repository_root()),
        Command::Fuzz {
            seconds,
            runs,
            targets,
            address_sanitizer,
            timeout_seconds,
        } => fuzz::run(
            &repository_root(),
            &fuzz::Options {
                seconds,
                runs,
                targets,
                address_sanitizer,
                timeout_seconds,
            },
        ),
        Command::Test { args } => test::run(&repository_root(), &args),
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

/// The repository's root directory, without `..` in it (paths in messages read better).
fn repository_root() -> PathBuf {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("..");
    root.canonicalize().unwrap_or(root)
}

/// The repository's `fixtures/` directory.
fn fixtures_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../fixtures")
}
