//! `rtgsim compare`.

use crate::Failure;
use rtgsim::evaluation::{policy_text, record_verdict, register};
use rtgsim::registry;
use rtgsim_evaluate::candidate::policy_section;
use rtgsim_evaluate::compare::CompareReport;
use rtgsim_evaluate::optimize::policy_text::PolicyText;
use rtgsim_evaluate::{CompareError, CompareOptions, Contest, Guardbands, Mode};
use rtgsim_persistence::Store;
use rtgsim_scenario::config::ScenarioInput;
use serde_json::Value as Json;
use std::io::Write;
use std::path::PathBuf;

#[derive(Debug, clap::Args)]
pub struct CompareArgs {
    /// Scenario file, YAML or JSON.
    pub scenario: PathBuf,
    /// The agent whose policy is compared.
    #[arg(long)]
    pub agent: String,
    /// The proposed policy: a .star script, a .json tree, a .yaml/.json file holding a
    /// `policy:` mapping, or the mapping inline (`{type: LiquidityAware, target_buffer: 500000}`).
    #[arg(long, value_name = "POLICY")]
    pub candidate: String,
    /// The policy to beat, written as --candidate (default: the agent's in the scenario).
    #[arg(long, value_name = "POLICY")]
    pub incumbent: Option<String>,
    /// Samples, each run once per policy.
    #[arg(long)]
    pub samples: u32,
    /// `seeds` (the whole scenario per sample seed), `bootstrap` (the agent's traffic
    /// resampled from one context run, every counterparty kept) or `sandbox` (the
    /// same, with counterparties folded into SOURCE and SINK).
    #[arg(long, default_value = "seeds", value_parser = ["seeds", "bootstrap", "sandbox"])]
    pub mode: String,
    /// The master seed every sample's seed derives from (default: the scenario's).
    #[arg(long)]
    pub seed: Option<u64>,
    /// Run only sample K (0-based): the same figures as in the whole comparison.
    /// Not with --db: one sample decides nothing.
    #[arg(long = "sample", value_name = "K", conflicts_with = "db")]
    pub only_sample: Option<u32>,
    /// Guardband: candidate mean cost at most this times the incumbent's.
    #[arg(long, default_value_t = 1.2)]
    pub max_cost_ratio: f64,
    /// Guardband: candidate mean settlement rate at least this times the incumbent's.
    #[arg(long, default_value_t = 0.95)]
    pub min_settlement_ratio: f64,
    /// Guardband: candidate mean peak credit used at most this times the incumbent's.
    #[arg(long, default_value_t = 1.5)]
    pub max_peak_credit_ratio: f64,
    /// Resamples for the bootstrap confidence interval of the mean delta.
    #[arg(long, default_value_t = 10_000)]
    pub resamples: u32,
    /// Threads (default: every core); the report does not depend on it.
    #[arg(long, default_value_t = 0)]
    pub threads: usize,
    /// Report each run's event-log hash (encoding and hashing every log takes about a
    /// third more time).
    #[arg(long)]
    pub hashes: bool,
    /// Keep the candidate in this database's policy registry with the comparison
    /// attached, accepted or rejected by the verdict (`--candidate registry:ID`
    /// decides a version already there).
    #[arg(long, value_name = "FILE")]
    pub db: Option<PathBuf>,
    /// Who adds and decides the version in the registry (with --db).
    #[arg(
        long = "as",
        value_name = "PRINCIPAL",
        default_value = "user:anonymous"
    )]
    pub principal: String,
    /// One JSON document instead of tables.
    #[arg(long)]
    pub json: bool,
    /// Write the comparison's report to this file: one HTML page with the cost
    /// difference per sample and each policy's spread, which opens offline.
    #[arg(long, value_name = "FILE")]
    pub report: Option<PathBuf>,
}

pub fn compare(args: CompareArgs) -> Result<(), Failure> {
    let (input, mut store, parent) =
        scenario_with_registry(&args.scenario, args.db.as_deref(), &args.agent)?;
    let (section, registered) = candidate(&args, store.as_ref())?;
    let contest = Contest::with_candidate(
        &input,
        &args.agent,
        section.clone(),
        &args.candidate,
        args.incumbent.as_deref(),
    )
    .map_err(failure)?;
    let options = options(&args, input.file.simulation.seed)?;
    let report_file = super::report::ReportFile::for_flag(
        args.report.as_deref(),
        &[Some(&args.scenario), args.db.as_deref()],
    )?;
    let report = rtgsim_evaluate::compare(&contest, &options).map_err(failure)?;
    if let Some(file) = report_file {
        file.write_html(&rtgsim_html::compare_page(&report))?;
    }
    let mut text = if args.json {
        serde_json::to_string_pretty(&report).map_err(|e| Failure::Run(e.to_string()))? + "\n"
    } else {
        rtgsim_evaluate::table::to_table(&report)
    };
    if let Some(store) = store.as_mut() {
        let line = keep(store, &args, &section, registered, parent, &report)?;
        // On stderr with --json, so that stdout stays one document.
        if args.json {
            eprint!("{line}");
        } else {
            text.push_str(&line);
        }
    }
    let mut stdout = std::io::stdout().lock();
    stdout
        .write_all(text.as_bytes())
        .and_then(|()| stdout.flush())
        .map_err(|e| Failure::Run(format!("writing the report: {e}")))
}

/// The candidate's `policy:` mapping, and its registry version when it is one.
fn candidate(args: &CompareArgs, store: Option<&Store>) -> Result<(Json, Option<i64>), Failure> {
    Ok(match args.candidate.strip_prefix("registry:") {
        Some(id) => {
            let store = store.ok_or_else(|| {
                Failure::Input(format!(
                    "--candidate {}: a registry version needs --db",
                    args.candidate
                ))
            })?;
            let id: i64 = id.parse().map_err(|_| {
                Failure::Input(format!(
                    "--candidate {}: registry:ID with a number",
                    args.candidate
                ))
            })?;
            let version = store
                .registry_version(id)
                .map_err(|e| Failure::Input(e.to_string()))?;
            if version.agent != args.agent {
                return Err(Failure::Input(format!(
                    "--candidate registry:{id} is a version for {}, not {}",
                    version.agent, args.agent
                )));
            }
            let text = policy_text(version.language, &version.text);
            (text.section().map_err(Failure::Input)?, Some(id))
        }
        None => (
            policy_section(&args.candidate)
                .map_err(|e| Failure::Input(format!("--candidate {}: {e}", args.candidate)))?,
            None,
        ),
    })
}

fn options(args: &CompareArgs, scenario_seed: u64) -> Result<CompareOptions, Failure> {
    let mode = Mode::parse(&args.mode).ok_or_else(|| {
        Failure::Input(format!("--mode {}: seeds, bootstrap or sandbox", args.mode))
    })?;
    Ok(CompareOptions {
        mode,
        samples: args.samples,
        master_seed: args.seed.unwrap_or(scenario_seed),
        only_sample: args.only_sample,
        guardbands: Guardbands {
            max_cost_ratio: args.max_cost_ratio,
            min_settlement_ratio: args.min_settlement_ratio,
            max_peak_credit_ratio: args.max_peak_credit_ratio,
        },
        resamples: args.resamples,
        threads: args.threads,
        hashes: args.hashes,
    })
}

/// Keeps the candidate in the registry (registering it unless it is a version
/// already) with the comparison and the verdict; the line that says so.
fn keep(
    store: &mut Store,
    args: &CompareArgs,
    section: &Json,
    registered: Option<i64>,
    parent: Option<i64>,
    report: &CompareReport,
) -> Result<String, Failure> {
    let id = match registered {
        Some(id) => id,
        None => {
            let read =
                |path: &str| std::fs::read_to_string(path).map_err(|e| format!("{path}: {e}"));
            let policy = PolicyText::of_section(section, &read).map_err(Failure::Input)?;
            register(store, &args.agent, &policy, parent, &args.principal)
                .map_err(Failure::Input)?
        }
    };
    let status = record_verdict(store, id, report, &args.principal).map_err(Failure::Run)?;
    Ok(format!(
        "registry: version {id} of {} is {}\n",
        args.agent,
        status.as_str()
    ))
}

/// The scenario, the store (with `--db`) and the registry version the scenario
/// names for `agent`, if any; `policy: {registry: ID}` replaced by the versions'
/// texts.
pub(crate) fn scenario_with_registry(
    path: &std::path::Path,
    db: Option<&std::path::Path>,
    agent: &str,
) -> Result<(ScenarioInput, Option<Store>, Option<i64>), Failure> {
    let mut input = ScenarioInput::from_path(path).map_err(|e| Failure::Input(e.to_string()))?;
    let store = match db {
        Some(db) => Some(Store::open(db).map_err(|e| Failure::Input(e.to_string()))?),
        None => None,
    };
    let parent = registry_version_of(&input, agent);
    if let (Some(store), true) = (&store, registry::names_registry(&input.file)) {
        registry::substitute_registry_policies(&mut input.file, store)
            .map_err(|problems| Failure::Input(format!("{}: {problems}", input.name())))?;
    }
    Ok((input, store, parent))
}

/// The registry version the scenario names for `agent`, if it names one.
fn registry_version_of(input: &ScenarioInput, agent: &str) -> Option<i64> {
    input
        .file
        .agents
        .iter()
        .find(|a| a.id == agent)?
        .policy
        .as_ref()?
        .0
        .get("registry")?
        .as_i64()
}

pub fn failure(error: CompareError) -> Failure {
    match error {
        CompareError::Input(message) => Failure::Input(message),
        CompareError::Run(message) => Failure::Run(message),
    }
}
