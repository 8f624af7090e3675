//! `rtgsim report` and the `--report` flags: a run's HTML page, written to a file.
//!
//! A stored run's page is made by running its stored inputs again with the series
//! observer, and is written only when that run's event-log hash is the stored one:
//! the page is then of exactly the events the database holds.

use crate::Failure;
use rtgsim::recording;
use rtgsim_html::{RunPage, RunSeries};
use rtgsim_persistence::{RunStatus, Store};
use rtgsim_report::RunSummary;
use rtgsim_scenario::Scenario;
use std::fs::File;
use std::io::Write;
use std::path::{Path, PathBuf};

#[derive(Debug, clap::Args)]
pub struct ReportArgs {
    /// The database the run is stored in.
    #[arg(long, value_name = "FILE")]
    pub db: PathBuf,
    /// The run to report on (it must be complete).
    pub run_id: i64,
    /// The HTML file to write.
    #[arg(short, long, value_name = "FILE")]
    pub output: PathBuf,
}

pub fn report(args: ReportArgs) -> Result<(), Failure> {
    let output = ReportFile::create(&args.output, &[&args.db])?;
    let db = args.db.display();
    let run = args.run_id;
    let store = Store::open_read_only(&args.db).map_err(|e| Failure::Input(e.to_string()))?;
    let row = store.run(run).map_err(|e| Failure::Input(e.to_string()))?;
    if row.status != RunStatus::Completed {
        return Err(Failure::Input(format!(
            "{db}: run {run} is {} ({} of {} days); a report is of a completed run \
             (`rtgsim resume --db {db} {run}` completes it)",
            row.status.as_str(),
            row.days_completed,
            row.days_total
        )));
    }
    if let Some(from) = row.state_from_run {
        return Err(Failure::Input(format!(
            "{db}: run {run} started its policies from run {from}'s saved states, which its \
             stored inputs do not hold; write its report as it runs (`rtgsim run ... --db {db} \
             --resume-state-from {from} --report FILE`)"
        )));
    }
    let (scenario_json, files_json) = store
        .run_inputs(run)
        .map_err(|e| Failure::Input(e.to_string()))?;
    let scenario = recording::stored_scenario(&scenario_json, &files_json, run)
        .map_err(|e| Failure::Input(e.to_string()))?;
    let mut series = series_for(&scenario);
    let progress = super::run::progress_bar(scenario.plan.total_ticks(), false);
    let summary = rtgsim_scenario::run_observed(&scenario, None, Some(&mut series), &mut |tick| {
        progress.set_position(u64::from(tick) + 1)
    })
    .map_err(|e| Failure::Run(format!("replaying run {run}: {e}")))?;
    progress.finish_and_clear();
    let stored = row.event_log_hash.unwrap_or_default();
    if summary.event_log_hash != stored {
        return Err(Failure::Run(format!(
            "{db}: run {run} stored the event-log hash {stored}, but its stored inputs now \
             give {}: a report of them would not be of the stored run \
             (`rtgsim runs verify --db {db} {run}` says what differs)",
            summary.event_log_hash
        )));
    }
    series.finish();
    output.write(&format!("run {run} in {db}"), &summary, &series)
}

/// The series observer sized for `scenario`.
pub fn series_for(scenario: &Scenario) -> RunSeries {
    RunSeries::new(
        scenario.plan.agent_names().len(),
        scenario.plan.total_ticks(),
    )
}

/// The report's file. Checked before anything runs, so that a path that cannot be
/// written is an input error (exit 2), not a lost run: not a directory, not one of
/// the command's own files (the scenario, the database, the event log), and a
/// file can be created beside it. The page is written to a hidden partial file
/// beside the path and takes the path's place only when whole; nothing is left
/// behind when the command fails or is killed, and a report already at the path
/// stays as it was.
#[derive(Debug)]
pub struct ReportFile {
    path: PathBuf,
    partial: PathBuf,
}

impl ReportFile {
    /// `path` for the report; `inputs` are the other files the command reads or
    /// writes, which the report must not overwrite.
    pub fn create(path: &Path, inputs: &[&Path]) -> Result<ReportFile, Failure> {
        let refuse = |why: String| Failure::Input(format!("{}: {why}", path.display()));
        let written = path.to_string_lossy();
        if written.is_empty() || written.ends_with(std::path::is_separator) || path.is_dir() {
            return Err(refuse(
                "is a directory; give the report a file name (e.g. report.html)".into(),
            ));
        }
        let Some(name) = path.file_name() else {
            return Err(refuse("names no file".into()));
        };
        if let Some(input) = inputs.iter().find(|input| same_file(path, input)) {
            return Err(refuse(format!(
                "the report would overwrite {}, which this command reads or writes",
                input.display()
            )));
        }
        let partial = path.with_file_name(format!(".{}.partial", name.to_string_lossy()));
        // Created and removed at once: a command killed while it runs leaves nothing.
        File::create(&partial)
            .and_then(|_| std::fs::remove_file(&partial))
            .map_err(|e| refuse(format!("cannot create the report: {e}")))?;
        Ok(ReportFile {
            path: path.to_path_buf(),
            partial,
        })
    }

    /// The report a command's `--report` flag asks for, if it does: `inputs` are the
    /// command's other files (those it was not given are `None`).
    pub fn for_flag(
        flag: Option<&Path>,
        inputs: &[Option<&Path>],
    ) -> Result<Option<ReportFile>, Failure> {
        let inputs: Vec<&Path> = inputs.iter().flatten().copied().collect();
        flag.map(|path| ReportFile::create(path, &inputs))
            .transpose()
    }

    /// Renders the run's page and writes it.
    pub fn write(
        self,
        scenario: &str,
        summary: &RunSummary,
        series: &RunSeries,
    ) -> Result<(), Failure> {
        self.write_html(&rtgsim_html::run_page(&RunPage {
            scenario,
            summary,
            series,
        }))
    }

    /// Writes a page and moves it into place.
    pub fn write_html(self, html: &str) -> Result<(), Failure> {
        let written = File::create(&self.partial)
            .and_then(|mut file| {
                file.write_all(html.as_bytes())?;
                file.sync_all()
            })
            .and_then(|()| std::fs::rename(&self.partial, &self.path));
        written.map_err(|e| {
            let _ = std::fs::remove_file(&self.partial);
            Failure::Run(format!("{}: writing the report: {e}", self.path.display()))
        })
    }
}

/// Whether two paths name the same file, whether or not it exists yet (the
/// directories are resolved, links and `..` included).
fn same_file(a: &Path, b: &Path) -> bool {
    fn resolved(path: &Path) -> Option<PathBuf> {
        if let Ok(path) = std::fs::canonicalize(path) {
            return Some(path);
        }
        let parent = match path.parent() {
            Some(parent) if !parent.as_os_str().is_empty() => parent,
            _ => Path::new("."),
        };
        Some(std::fs::canonicalize(parent).ok()?.join(path.file_name()?))
    }
    matches!((resolved(a), resolved(b)), (Some(a), Some(b)) if a == b)
}
