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
    let output = ReportFile::create(&args.output)?;
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

/// The report's file. A partial file beside it is created before anything runs, so
/// that a path that cannot be written is an input error, not a lost run; the page
/// takes the path's place only when it is whole, and nothing is left behind when
/// the command fails (a report already at the path stays as it was).
#[derive(Debug)]
pub struct ReportFile {
    path: PathBuf,
    partial: PathBuf,
    file: Option<File>,
}

impl ReportFile {
    pub fn create(path: &Path) -> Result<ReportFile, Failure> {
        let name = path.file_name().map_or_else(
            || "report".into(),
            |name| name.to_string_lossy().into_owned(),
        );
        let partial = path.with_file_name(format!(".{name}.partial"));
        let file = File::create(&partial).map_err(|e| {
            Failure::Input(format!("{}: cannot create the report: {e}", path.display()))
        })?;
        Ok(ReportFile {
            path: path.to_path_buf(),
            partial,
            file: Some(file),
        })
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
    pub fn write_html(mut self, html: &str) -> Result<(), Failure> {
        let failed = |e: std::io::Error| {
            Failure::Run(format!("{}: writing the report: {e}", self.path.display()))
        };
        let mut file = self
            .file
            .take()
            .ok_or_else(|| failed(std::io::ErrorKind::Other.into()))?;
        file.write_all(html.as_bytes())
            .and_then(|()| file.sync_all())
            .map_err(failed)?;
        drop(file);
        std::fs::rename(&self.partial, &self.path).map_err(failed)
    }
}

impl Drop for ReportFile {
    fn drop(&mut self) {
        // Gone already when the page was moved into place.
        let _ = std::fs::remove_file(&self.partial);
    }
}
