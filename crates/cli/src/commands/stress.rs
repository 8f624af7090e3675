//! `rtgsim stress`: the flags, the case files written on request, and the report
//! as tables or one JSON document.

use crate::Failure;
use rtgsim_evaluate::stress::cases::CaseOptions;
use rtgsim_evaluate::stress::{self, CaseFile, StressError, StressPlan};
use rtgsim_scenario::config::ScenarioInput;
use std::io::Write;
use std::path::{Path, PathBuf};

#[derive(Debug, clap::Args)]
pub struct StressArgs {
    /// The benchmark scenario, YAML or JSON: run as written, and each stress case
    /// is it with scenario events added.
    scenario: PathBuf,
    /// Outage cases: `each` (one case per participant) or participants' ids,
    /// comma-separated. The participant sends nothing for --outage-ticks ticks;
    /// payments to it still settle.
    #[arg(long, value_name = "each|ID,...", value_delimiter = ',')]
    outage: Vec<String>,
    /// How long each outage lasts, in ticks (default: a quarter of a day, at least
    /// 1), cut at the run's end.
    #[arg(long, value_name = "N")]
    outage_ticks: Option<u32>,
    /// The tick each outage starts (default 0: the first tick of the first day).
    #[arg(long, value_name = "TICK")]
    outage_at: Option<u32>,
    /// Outages are full disconnections: payments to the participant do not
    /// settle either.
    #[arg(long)]
    disconnect: bool,
    /// Collateral shock cases: each the share of collateral value lost, 0 to 1
    /// (0.7: every participant's collateral is worth 30% of its value from tick 0),
    /// comma-separated.
    #[arg(long, value_name = "SHARE,...", value_delimiter = ',')]
    collateral_shock: Vec<String>,
    /// Liquidity shock cases: AGENT:SHARE withdraws that share of the
    /// participant's opening balance at tick 0 (rounded down to a cent).
    /// Repeatable or comma-separated.
    #[arg(long, value_name = "AGENT:SHARE", value_delimiter = ',')]
    liquidity_shock: Vec<String>,
    /// Runs per case, with seeds derived from the scenario's, the same for every
    /// case (paired); money and counts are means over them.
    #[arg(long, value_name = "N", default_value_t = 1)]
    samples: u32,
    /// Threads (default: every core); the report is the same for any number.
    #[arg(long, value_name = "N", default_value_t = 0)]
    threads: usize,
    /// Also write each case as a scenario file in this directory (created if
    /// missing): NNN_NAME.yaml, the benchmark first. `rtgsim run` on one gives
    /// that case's run.
    #[arg(long, value_name = "DIR")]
    write_scenarios: Option<PathBuf>,
    /// One JSON document (format rtgsim-stress/1) instead of tables.
    #[arg(long)]
    json: bool,
    /// Write the stress test's report to this file: one HTML page with each case's
    /// settled share and the critical participants, which opens offline.
    #[arg(long, value_name = "FILE")]
    report: Option<PathBuf>,
}

pub fn stress(args: StressArgs) -> Result<(), Failure> {
    let input =
        ScenarioInput::from_path(&args.scenario).map_err(|e| Failure::Input(e.to_string()))?;
    let options = CaseOptions {
        outage: args.outage,
        outage_ticks: args.outage_ticks,
        outage_at: args.outage_at,
        disconnect: args.disconnect,
        collateral_shocks: args.collateral_shock,
        liquidity_shocks: args.liquidity_shock,
    };
    let files = stress::case_files(&input, &options).map_err(failure)?;
    if let Some(dir) = &args.write_scenarios {
        write_scenarios(dir, &args.scenario, &files)?;
    }
    let plan = StressPlan {
        samples: args.samples,
        threads: args.threads,
    };
    let report_file =
        super::report::ReportFile::for_flag(args.report.as_deref(), &[Some(&args.scenario)])?;
    let report = stress::stress(&input, &files, &plan).map_err(failure)?;
    if let Some(file) = report_file {
        file.write_html(&rtgsim_html::stress_page(&report))?;
    }
    let text = if args.json {
        serde_json::to_string_pretty(&report).map_err(|e| Failure::Run(e.to_string()))? + "\n"
    } else {
        report.to_table()
    };
    let mut stdout = std::io::stdout().lock();
    stdout
        .write_all(text.as_bytes())
        .and_then(|()| stdout.flush())
        .map_err(|e| Failure::Run(format!("writing the report: {e}")))
}

fn failure(error: StressError) -> Failure {
    match error {
        StressError::Input(message) => Failure::Input(message),
        StressError::Run(message) => Failure::Run(message),
    }
}

/// Each case as YAML in `dir`, `000_benchmark.yaml` first, numbered in the
/// report's order.
fn write_scenarios(dir: &Path, base: &Path, files: &[CaseFile]) -> Result<(), Failure> {
    let refuse =
        |e: std::io::Error| Failure::Input(format!("--write-scenarios {}: {e}", dir.display()));
    std::fs::create_dir_all(dir).map_err(refuse)?;
    for (index, file) in files.iter().enumerate() {
        let yaml = serde_norway::to_string(&yaml_value(&file.file))
            .map_err(|e| Failure::Run(format!("writing {}: {e}", file.case.name)))?;
        let text = format!(
            "# rtgsim stress case \"{}\" of {}\n\
             # (relative policy paths are read from this file's directory)\n{yaml}",
            one_line(&file.case.name),
            one_line(&base.display().to_string())
        );
        let path = dir.join(format!("{index:03}_{}.yaml", file.case.stem));
        std::fs::write(&path, text).map_err(refuse)?;
    }
    Ok(())
}

/// Text for a comment: line breaks (in an agent id or a path) would end it.
fn one_line(text: &str) -> String {
    text.replace(['\n', '\r'], " ")
}

/// A JSON value as YAML's: numbers as integers when they are, else as the float
/// their text reads as (the JSON numbers here keep their text, which YAML's
/// serializer would otherwise write as a structure).
fn yaml_value(json: &serde_json::Value) -> serde_norway::Value {
    use serde_json::Value as Json;
    use serde_norway::Value as Yaml;
    match json {
        Json::Null => Yaml::Null,
        Json::Bool(b) => Yaml::Bool(*b),
        Json::Number(n) => match (n.as_i64(), n.as_u64(), n.as_f64()) {
            (Some(i), _, _) => Yaml::Number(i.into()),
            (None, Some(u), _) => Yaml::Number(u.into()),
            (None, None, Some(f)) => Yaml::Number(f.into()),
            (None, None, None) => Yaml::String(n.to_string()),
        },
        Json::String(text) => Yaml::String(text.clone()),
        Json::Array(items) => Yaml::Sequence(items.iter().map(yaml_value).collect()),
        Json::Object(map) => Yaml::Mapping(
            map.iter()
                .map(|(key, value)| (Yaml::String(key.clone()), yaml_value(value)))
                .collect(),
        ),
    }
}
