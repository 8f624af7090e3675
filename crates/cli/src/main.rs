//! `rtgsim`: run payment-system scenarios from the command line.
//!
//! Exit codes: 0 success, 1 the run failed (or a check found a problem: policy
//! errors, an RBAC denial, a broken audit chain), 2 usage or input error, 130 a
//! stored run interrupted by Ctrl-C (resumable).

mod commands;

use clap::{Parser, Subcommand};
use rtgsim_governance::rbac::Risk;
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
    /// Continue a run stored in a database from its last checkpoint.
    Resume(ResumeArgs),
    /// Look up runs stored in a database.
    #[command(subcommand)]
    Runs(RunsCommand),
    /// Write a stored run's report: one HTML page with its charts, which opens
    /// offline (the run is replayed from its stored inputs, and its event-log hash
    /// checked against the stored one).
    Report(commands::report::ReportArgs),
    /// Check policies (.star scripts, .json decision trees) without running them; with
    /// --rbac, also what a principal may not do with them.
    Check(CheckArgs),
    /// Run a scenario for many seeds and setting values, in parallel, and report
    /// the spread of each agent's cost, settlement rate and delay.
    Sweep(SweepArgs),
    /// The game some agents play with the scenario's settings: every pure Nash
    /// equilibrium over a grid of each agent's decisions, the planner's optimum and
    /// the welfare gap, and the best responses.
    Game(commands::game::GameArgs),
    /// Stress a benchmark scenario: participants' outages, collateral and liquidity
    /// shocks, each run against the benchmark; each participant's settled shares,
    /// queues, liquidity and delay, and the critical participants.
    Stress(commands::stress::StressArgs),
    /// Compare a candidate policy for one agent with its incumbent on the same
    /// samples (paired), and accept or reject it with its reasons.
    Compare(commands::compare::CompareArgs),
    /// Improve one agent's policy: a proposer (a command, or builtin:search) suggests
    /// candidates, each is checked and compared with the current policy, and the
    /// accepted ones replace it.
    Optimize(OptimizeArgs),
    /// Convert a JSON decision tree into a Starlark policy that decides exactly as
    /// the tree does.
    Convert(ConvertArgs),
    /// Check or read the governance audit chain of a stored run (or, with
    /// --registry, of the database's policy registry).
    #[command(subcommand)]
    Audit(AuditCommand),
    /// The policy registry in a database: each agent's policy versions, their
    /// review, deployment and rollback, every change in the registry's audit chain.
    #[command(subcommand)]
    Policy(PolicyCommand),
}

#[derive(Debug, Subcommand)]
pub enum PolicyCommand {
    /// Register a policy file as a proposed version for an agent (checked as
    /// `rtgsim check` checks it: errors refuse it, exit code 2).
    Add {
        #[arg(long, value_name = "FILE")]
        db: PathBuf,
        /// The policy: a Starlark script (.star), a decision tree (.json), or a
        /// built-in policy's section as JSON (`{"type": "Deadline", ...}`).
        file: PathBuf,
        /// The agent it is for.
        #[arg(long)]
        agent: String,
        /// The version it derives from.
        #[arg(long, value_name = "ID")]
        parent: Option<i64>,
        /// Who adds it (its author).
        #[arg(
            long = "as",
            value_name = "PRINCIPAL",
            default_value = "user:anonymous"
        )]
        principal: String,
        /// The file's language, when its extension does not say.
        #[arg(long, value_enum)]
        language: Option<Language>,
    },
    /// Every version, one line each.
    List {
        #[arg(long, value_name = "FILE")]
        db: PathBuf,
        /// Only this agent's versions.
        #[arg(long)]
        agent: Option<String>,
        /// One JSON document instead of a table.
        #[arg(long)]
        json: bool,
    },
    /// One version: its metadata, then its text.
    Show {
        #[arg(long, value_name = "FILE")]
        db: PathBuf,
        id: i64,
        #[arg(long)]
        json: bool,
    },
    /// What changed from version A to version B: by node for two decision trees
    /// (or two built-in sections), a unified text diff otherwise.
    Diff {
        #[arg(long, value_name = "FILE")]
        db: PathBuf,
        a: i64,
        b: i64,
        #[arg(long)]
        json: bool,
    },
    /// Deploy a version: RBAC's policy.deploy.<language> for --as decides: ALLOW
    /// deploys it, REQUIRE_APPROVAL leaves it pending approval, DENY refuses.
    Deploy {
        #[arg(long, value_name = "FILE")]
        db: PathBuf,
        id: i64,
        /// Who asks (default: the version's author).
        #[arg(long = "as", value_name = "PRINCIPAL")]
        principal: Option<String>,
        #[command(flatten)]
        rbac: RbacArgs,
    },
    /// Approve a deployment pending approval, which deploys the version. Needs
    /// policy.approve, and another principal than the one who asked for it.
    Approve {
        #[arg(long, value_name = "FILE")]
        db: PathBuf,
        id: i64,
        #[arg(long = "as", value_name = "PRINCIPAL")]
        principal: String,
        #[command(flatten)]
        rbac: RbacArgs,
    },
    /// Reject a proposed, accepted or pending version. Needs policy.approve.
    Reject {
        #[arg(long, value_name = "FILE")]
        db: PathBuf,
        id: i64,
        #[arg(long = "as", value_name = "PRINCIPAL")]
        principal: String,
        /// Why (kept in the audit record).
        #[arg(long, value_name = "TEXT")]
        reason: String,
        #[command(flatten)]
        rbac: RbacArgs,
    },
    /// Roll the deployed version back: the version it replaced is deployed again.
    /// Needs policy.rollback.
    Rollback {
        #[arg(long, value_name = "FILE")]
        db: PathBuf,
        id: i64,
        #[arg(long = "as", value_name = "PRINCIPAL")]
        principal: String,
        /// Why (kept in the audit record).
        #[arg(long, value_name = "TEXT")]
        reason: Option<String>,
        #[command(flatten)]
        rbac: RbacArgs,
    },
}

/// The RBAC rules a registry change is decided by.
#[derive(Debug, clap::Args)]
pub struct RbacArgs {
    /// The RBAC rule file (YAML), as `rtgsim check --rbac` reads it.
    #[arg(long, value_name = "RULES.yaml")]
    rbac: PathBuf,
    /// How risky the change is: LOW, MEDIUM, HIGH or CRITICAL. From HIGH up, what a
    /// rule allows still needs approval.
    #[arg(long, value_name = "RISK", default_value = "MEDIUM", value_parser = parse_risk)]
    risk: Risk,
}

/// A policy version's language.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Language {
    Starlark,
    Json,
    Builtin,
}

#[derive(Debug, Subcommand)]
pub enum AuditCommand {
    /// Check a run's audit chain: each record's hash and link from the run's
    /// genesis, the chain's head, and that it is the chain the run's stored event log
    /// carries. Prints the head (keep it elsewhere to check against later). Exit
    /// code 1 when it is broken or not the run's.
    Verify {
        #[arg(long, value_name = "FILE")]
        db: PathBuf,
        #[arg(required_unless_present = "registry")]
        run_id: Option<i64>,
        /// The policy registry's chain instead of a run's: each record's hash and
        /// link from the registry genesis, its head, and that every version's
        /// status and text are what the chain's records say.
        #[arg(long, conflicts_with = "run_id")]
        registry: bool,
        /// The head hash kept elsewhere (from an earlier `verify` or the run's
        /// summary): the chain must end there. Without it, a writer who recomputes
        /// every hash of the database is not detected.
        #[arg(long, value_name = "HASH")]
        expect_head: Option<String>,
        /// One JSON object instead of a line.
        #[arg(long)]
        json: bool,
    },
    /// A run's audit records as stored, one line each (not verified: see `verify`).
    Show {
        #[arg(long, value_name = "FILE")]
        db: PathBuf,
        #[arg(required_unless_present = "registry")]
        run_id: Option<i64>,
        /// The policy registry's records instead of a run's.
        #[arg(long, conflicts_with = "run_id")]
        registry: bool,
        /// At most this many records, from the first.
        #[arg(long, value_name = "N")]
        limit: Option<usize>,
        /// Each record's stored body (canonical JSON), one per line, instead.
        #[arg(long)]
        json: bool,
    },
}

#[derive(Debug, clap::Args)]
pub struct ConvertArgs {
    /// The decision tree (.json).
    tree: PathBuf,
    /// Where to write the script; standard output when absent.
    #[arg(short, long, value_name = "OUT.star")]
    output: Option<PathBuf>,
}

#[derive(Debug, clap::Args)]
pub struct SweepArgs {
    /// Scenario file, YAML or JSON.
    scenario: PathBuf,
    /// Runs per combination of settings: seeds FIRST_SEED, FIRST_SEED + 1, ...
    #[arg(long)]
    seeds: u64,
    /// The first seed (default: the scenario's).
    #[arg(long)]
    first_seed: Option<u64>,
    /// A setting to vary, as PATH=V1,V2,... (e.g. agents[0].policy.target_buffer=100000,200000);
    /// several --set run every combination.
    #[arg(long = "set", value_name = "PATH=VALUES")]
    settings: Vec<String>,
    /// Threads (default: every core).
    #[arg(long, default_value_t = 0)]
    threads: usize,
    /// One JSON document instead of tables.
    #[arg(long)]
    json: bool,
    /// Write the sweep's report to this file: one HTML page with box plots per agent
    /// and setting, which opens offline.
    #[arg(long, value_name = "FILE")]
    report: Option<PathBuf>,
}

#[derive(Debug, clap::Args)]
pub struct OptimizeArgs {
    /// Scenario file, YAML or JSON.
    scenario: PathBuf,
    /// The agent whose policy is improved.
    #[arg(long)]
    agent: String,
    /// `builtin:search` (coordinate search on the policy's numeric parameters),
    /// `builtin:random`, or a command that reads the prompt (JSON) on its standard
    /// input and prints a policy (run with `sh -c`).
    #[arg(long)]
    proposer: String,
    /// Iterations at most.
    #[arg(long, default_value_t = 10)]
    iterations: u32,
    /// Samples per comparison.
    #[arg(long, default_value_t = 30)]
    samples: u32,
    /// How samples are made: seeds, bootstrap or sandbox (see `rtgsim compare`).
    #[arg(long, default_value = "seeds", value_parser = ["seeds", "bootstrap", "sandbox"])]
    mode: String,
    /// The master seed of the samples and of builtin:random (default: the scenario's).
    #[arg(long)]
    seed: Option<u64>,
    /// Stop after this many iterations in a row without an accepted candidate (0: never).
    #[arg(long, default_value_t = 0)]
    patience: u32,
    /// Stop when the 95% interval of an accepted candidate's improvement of the mean
    /// cost lies below this many cents.
    #[arg(long, default_value_t = 0.0)]
    tolerance: f64,
    /// Parameter ranges for the search, a YAML mapping `name: [min, max]`.
    #[arg(long, value_name = "FILE")]
    space: Option<PathBuf>,
    /// Seconds a proposer command may take per iteration.
    #[arg(long, default_value_t = 300)]
    proposer_timeout: u64,
    /// Write the best policy found to this file.
    #[arg(long, value_name = "FILE")]
    out: Option<PathBuf>,
    /// Threads for the comparisons (default: every core).
    #[arg(long, default_value_t = 0)]
    threads: usize,
    /// Keep the loop in this database: every iteration's prompt, reply and outcome,
    /// and every candidate that ran as a registry version (author
    /// `optimizer:<proposer>`) with its comparison, accepted or rejected.
    #[arg(long, value_name = "FILE")]
    db: Option<PathBuf>,
    /// One JSON document (every iteration with its prompt, reply and comparison)
    /// instead of tables.
    #[arg(long)]
    json: bool,
}

#[derive(Debug, clap::Args)]
pub struct CheckArgs {
    /// Policy files: Starlark scripts (.star) and decision trees (.json).
    #[arg(required = true)]
    policies: Vec<PathBuf>,
    /// `human` (with the source lines) or `json` (an array of findings).
    #[arg(long, value_enum, default_value_t = Format::Human)]
    format: Format,
    /// Fail (exit code 1) on warnings too, and with --rbac on anything that needs
    /// approval or could not be checked.
    #[arg(long)]
    deny_warnings: bool,
    /// An RBAC rule file (YAML): also report what --principal may not do in
    /// deploying these policies and taking their actions.
    #[arg(long, value_name = "RULES.yaml", requires = "principal")]
    rbac: Option<PathBuf>,
    /// Who asks, e.g. `optimizer:llm-7` (with --rbac).
    #[arg(long, value_name = "PRINCIPAL", requires = "rbac")]
    principal: Option<String>,
    /// How risky the request is: LOW, MEDIUM, HIGH or CRITICAL (with --rbac). From
    /// HIGH up, what a rule allows still needs approval.
    #[arg(long, value_name = "RISK", default_value = "MEDIUM", value_parser = parse_risk, requires = "rbac")]
    risk: Risk,
}

/// A risk level in any case (`high` as `HIGH`): the rule files' names are upper-case,
/// but a flag need not shout.
fn parse_risk(text: &str) -> Result<Risk, rtgsim_governance::rbac::UnknownName> {
    text.to_ascii_uppercase().parse()
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    Human,
    Json,
}

#[derive(Debug, clap::Args)]
pub struct RunArgs {
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
    /// Write the run to this SQLite database as it goes (created if missing).
    #[arg(long, value_name = "FILE")]
    db: Option<PathBuf>,
    /// With --db: a checkpoint every this many days (0: none), for `rtgsim resume`.
    #[arg(long, value_name = "N", default_value_t = 1, requires = "db")]
    checkpoint_every: u32,
    /// With --db: start every policy from its last saved state in this earlier run.
    #[arg(long, value_name = "RUN_ID", requires = "db")]
    resume_state_from: Option<i64>,
    /// Write the run's report to this file: one HTML page with its charts, which
    /// opens offline.
    #[arg(long, value_name = "FILE")]
    report: Option<PathBuf>,
}

#[derive(Debug, clap::Args)]
pub struct ResumeArgs {
    /// The database the run is stored in.
    #[arg(long, value_name = "FILE")]
    db: PathBuf,
    /// The run to continue.
    run_id: i64,
    /// A checkpoint every this many days (0: none).
    #[arg(long, value_name = "N", default_value_t = 1)]
    checkpoint_every: u32,
    /// Print one JSON document (the summary) on stdout instead of tables.
    #[arg(long)]
    json: bool,
}

#[derive(Debug, Subcommand)]
pub enum RunsCommand {
    /// Every run in the database, one line each.
    List {
        #[arg(long, value_name = "FILE")]
        db: PathBuf,
        /// One JSON document instead of a table.
        #[arg(long)]
        json: bool,
    },
    /// One run: its status, figures by agent and policies.
    Show {
        #[arg(long, value_name = "FILE")]
        db: PathBuf,
        run_id: i64,
        #[arg(long)]
        json: bool,
    },
    /// Check that a stored run is what it says it is: its events re-hashed against
    /// its event_log_hash and the day records, its inputs against its fingerprint,
    /// its checkpoint against both. Exit code 1 with what differs.
    Verify {
        #[arg(long, value_name = "FILE")]
        db: PathBuf,
        run_id: i64,
        #[arg(long)]
        json: bool,
    },
    /// A run's events, as JSON lines (the event log's own lines).
    Events {
        #[arg(long, value_name = "FILE")]
        db: PathBuf,
        run_id: i64,
        /// Only events of this kind (e.g. settled, policy_error).
        #[arg(long)]
        kind: Option<String>,
        /// Only events about this agent.
        #[arg(long)]
        agent: Option<String>,
        /// Only events of this day (counted from 0, as in the `day_ended` events).
        #[arg(long)]
        day: Option<u32>,
        /// At most this many events.
        #[arg(long)]
        limit: Option<u64>,
    },
}

/// What went wrong, and the exit code it earns.
#[derive(Debug)]
pub enum Failure {
    Input(String),
    Run(String),
    /// Stopped on request (Ctrl-C); exit code 130, as for a shell's interrupted job.
    Interrupted(String),
    /// `rtgsim check` found errors (or warnings, denied), or `rtgsim audit verify` a
    /// broken chain: the report is printed; exit code 1.
    Findings,
}

fn command(command: Command) -> Result<(), Failure> {
    match command {
        Command::Run(args) => commands::run::run(args),
        Command::Resume(args) => commands::run::resume(args),
        Command::Runs(command) => commands::runs::runs(command),
        Command::Report(args) => commands::report::report(args),
        Command::Check(args) => commands::check::check(args),
        Command::Sweep(args) => commands::sweep::sweep(args),
        Command::Game(args) => commands::game::game(args),
        Command::Stress(args) => commands::stress::stress(args),
        Command::Compare(args) => commands::compare::compare(args),
        Command::Optimize(args) => commands::optimize::optimize(args),
        Command::Convert(args) => commands::convert::convert(args),
        Command::Audit(command) => commands::audit::audit(command),
        Command::Policy(command) => commands::policy::policy(command),
    }
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
    // Policies run on this thread: it gets the stack their limits are sized for,
    // whatever the operating system gives the main thread.
    let worker = std::thread::Builder::new()
        .name("rtgsim".into())
        .stack_size(rtgsim_policy_starlark::POLICY_THREAD_STACK_BYTES)
        .spawn(move || command(cli.command));
    let outcome = match worker.map(|thread| thread.join()) {
        Ok(Ok(outcome)) => outcome,
        Ok(Err(_)) => Err(Failure::Run("the command stopped unexpectedly".into())),
        Err(error) => Err(Failure::Run(format!(
            "cannot start the worker thread: {error}"
        ))),
    };
    match outcome {
        Ok(()) => ExitCode::SUCCESS,
        Err(Failure::Input(message)) => {
            eprintln!("error: {}", rtgsim_diagnostics::clip_message(&message));
            ExitCode::from(2)
        }
        Err(Failure::Run(message)) => {
            eprintln!(
                "error: the run failed: {}",
                rtgsim_diagnostics::clip_message(&message)
            );
            ExitCode::from(1)
        }
        Err(Failure::Interrupted(message)) => {
            eprintln!("{message}");
            ExitCode::from(130)
        }
        Err(Failure::Findings) => ExitCode::from(1),
    }
}
