//! Runs written to a database as they go (`rtgsim run --db`), and resumed from their
//! last checkpoint (`rtgsim resume`).
//!
//! The run is stored with everything needed to redo it: the scenario as JSON (with
//! the command line's overrides applied) and the text of every policy file it read.
//! Each event goes to the database's writer thread with its JSON line; after the last
//! tick of each day the day's figures, the policies' states and (every
//! `checkpoint_every` days) a checkpoint commit together with the day's events. A
//! resume rebuilds the scenario from the store, restores the simulation and the
//! event log from the last checkpoint, and carries on writing the same run: its final
//! event-log hash is the one the run would have had in one go. It first checks that
//! the stored inputs and the stored events of the days the checkpoint covers are
//! those the checkpoint was made from ([`crate::integrity`]), and refuses otherwise.

use crate::integrity::{CheckpointInputs, StoredInputs, binding_problems, stored_inputs};
use rtgsim_core::{AgentId, Event, Tick};
use rtgsim_engine::{RunError, Simulation, SimulationCheckpoint};
use rtgsim_persistence::{
    AgentDayRow, AuditRow, DayEnd, NewRun, PendingCheckpoint, RunPolicy, RunStatus, RunWriter,
    Store, StoreError,
};
use rtgsim_report::{EventLog, EventObserver, LogCheckpoint, LogSummary, RunSummary};
use rtgsim_scenario::Scenario;
use rtgsim_scenario::config::ScenarioFile;
use std::cell::RefCell;
use std::collections::BTreeMap;
use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use thiserror::Error;

/// How a recorded run is written.
#[derive(Debug, Clone)]
pub struct DbOptions {
    pub path: PathBuf,
    /// A checkpoint after every this many days (0: none).
    pub checkpoint_every: u32,
    /// Start the policies from the last states of this earlier run.
    pub state_from: Option<i64>,
    /// Set (by a Ctrl-C handler, say) to stop the run after the current tick; it is
    /// then marked `interrupted` with its completed days kept.
    pub stop: Arc<AtomicBool>,
}

/// A scenario as the store keeps it: the file (overrides applied) and the policy
/// files it read.
#[derive(Debug, Clone, PartialEq)]
pub struct StoredScenario {
    pub file: ScenarioFile,
    pub files: BTreeMap<String, String>,
}

/// A recorded run that reached its end.
#[derive(Debug, Clone)]
pub struct Recorded {
    pub run_id: i64,
    pub summary: RunSummary,
}

#[derive(Debug, Error)]
pub enum RecordError {
    /// The database or the run asked for cannot be used (exit code 2).
    #[error("{0}")]
    Input(String),
    /// The run started and failed; it is marked failed in the store (exit code 1).
    #[error("{0}")]
    Failed(String),
    /// The run was asked to stop; it is marked interrupted and can be resumed.
    #[error(
        "interrupted at tick {tick}; `rtgsim resume` continues run {run} from its last checkpoint"
    )]
    Interrupted { run: i64, tick: Tick },
}

impl From<StoreError> for RecordError {
    fn from(error: StoreError) -> Self {
        RecordError::Input(error.to_string())
    }
}

/// The version of the checkpoint blob's layout (postcard, a compact binary form of
/// the serde data model). 2: the release gate keeps suspensions as its state and
/// speaks ids (issue 13), so a format-1 blob no longer decodes. 3: the checkpoint
/// keeps the inputs it was made from, so that a resume can refuse (and name) what
/// changed since, and the state keeps each held payment's hold reason (holds are
/// recorded by episode); both issue 14. 4: the simulation keeps each agent's
/// policy swaps and its guardbands' windows, and the log's metrics the rollbacks
/// (issue 15) and the standard indicators' accumulators (liquidity bounds,
/// value-weighted delay, on-time value; issue 16), so a format-3 blob no longer
/// decodes. 5: each agent keeps its end-of-day loan, the cost ledger the daily
/// costs' accruals and the day's peak posted collateral, and the metrics the
/// daily costs and the loans (issue 16). 6: each agent keeps its emergency credit,
/// and the state the money shocks injected and withdrew and who is disconnected
/// (issue 17).
const CHECKPOINT_FORMAT: u32 = 6;

/// A checkpoint as stored: the simulation and the event log (whose hash state is
/// the hash of every line before the checkpoint), bound to the inputs they were
/// made from. The store keeps its SHA-256 beside it.
#[derive(serde::Serialize, serde::Deserialize)]
pub(crate) struct StoredCheckpoint {
    format: u32,
    pub(crate) inputs: CheckpointInputs,
    simulation: SimulationCheckpoint,
    pub(crate) log: LogCheckpoint,
}

/// A stored checkpoint's blob, if this rtgsim can read it.
pub(crate) fn decode_checkpoint(bytes: &[u8]) -> Option<StoredCheckpoint> {
    postcard::from_bytes(bytes)
        .ok()
        .filter(|blob: &StoredCheckpoint| blob.format == CHECKPOINT_FORMAT)
}

/// Runs `scenario` to the end, writing it to the database as it goes.
pub fn run_recorded(
    scenario: &Scenario,
    stored: &StoredScenario,
    options: &DbOptions,
    events: Option<&mut dyn std::io::Write>,
    on_tick: &mut dyn FnMut(Tick),
) -> Result<Recorded, RecordError> {
    run_recorded_observed(scenario, stored, options, events, None, on_tick)
}

/// [`run_recorded`], showing every event to `report` as well (the HTML report's
/// series).
pub fn run_recorded_observed(
    scenario: &Scenario,
    stored: &StoredScenario,
    options: &DbOptions,
    events: Option<&mut dyn std::io::Write>,
    report: Option<&mut dyn EventObserver>,
    on_tick: &mut dyn FnMut(Tick),
) -> Result<Recorded, RecordError> {
    let mut store = Store::open(&options.path)?;
    let start_states = match options.state_from {
        Some(run) => starting_states(&store, run, scenario)?,
        None => Vec::new(),
    };
    let run = store.start_run(&NewRun {
        scenario: to_json(&stored.file)?,
        files: to_json(&stored.files)?,
        seed: scenario.plan.seed,
        code_version: env!("CARGO_PKG_VERSION").to_string(),
        days_total: scenario.plan.num_days,
        state_from_run: options.state_from,
        inputs_sha256: scenario.inputs_sha256.clone(),
    })?;
    register_policies(&mut store, run, stored)?;

    let inputs = CheckpointInputs::new(&stored.file, &stored.files);
    let names = scenario.plan.agent_names();
    let writer = RefCell::new(RunWriter::start(&options.path, run)?);
    let mut observer = DbObserver {
        writer: &writer,
        ticks_per_day: scenario.plan.ticks_per_day,
    };
    // The log's lifetime is the observer's, shorter than the events output's.
    let events = events.map(|out| &mut *out as &mut dyn std::io::Write);
    let mut log = EventLog::new(names.clone(), events);
    log.observe_with(&mut observer);
    if let Some(report) = report {
        log.observe_with(report);
    }
    let outcome = scenario
        .start(&mut log)
        .map_err(|e| RecordError::Failed(e.to_string()))
        .and_then(|mut simulation| {
            for (agent, state) in start_states {
                simulation
                    .restore_policy_state(agent, state)
                    .map_err(|e| RecordError::Input(format!("the starting policy states: {e}")))?;
            }
            drive(
                &mut simulation,
                &mut log,
                &writer,
                (scenario, &inputs),
                options,
                run,
                on_tick,
            )
        });
    let finished = finish_log(outcome, log);
    conclude(run, finished, writer.into_inner(), scenario)
}

/// Continues run `run` of the database at `path` from its last checkpoint.
pub fn resume(
    run: i64,
    options: &DbOptions,
    on_tick: &mut dyn FnMut(Tick),
) -> Result<Recorded, RecordError> {
    let path = options.path.as_path();
    let mut store = Store::open(path)?;
    let row = store.run(run)?;
    if row.status == RunStatus::Completed {
        return Err(RecordError::Input(format!(
            "{}: run {run} is complete; nothing to resume",
            path.display()
        )));
    }
    let version = env!("CARGO_PKG_VERSION");
    if row.code_version != version {
        return Err(RecordError::Input(format!(
            "{}: run {run} was written by rtgsim {}, this is {version}; resume it with that version",
            path.display(),
            row.code_version
        )));
    }
    let (scenario_json, files_json) = store.run_inputs(run)?;
    let stored = stored_inputs(&scenario_json, &files_json, run)?;
    let checkpoint = store.last_checkpoint(run)?.ok_or_else(|| {
        RecordError::Input(format!(
            "{}: run {run} has no checkpoint (it stopped during its first day, or ran with --checkpoint-every 0); run it again",
            path.display()
        ))
    })?;
    let blob = decode_checkpoint(&checkpoint.state).ok_or_else(|| {
        RecordError::Input(format!(
            "{}: the checkpoint of run {run} is not one this rtgsim can read",
            path.display()
        ))
    })?;
    if blob.log.events() != checkpoint.events {
        return Err(RecordError::Input(format!(
            "{}: the checkpoint of run {run} disagrees with its own event count",
            path.display()
        )));
    }
    // What the run would continue from must be what the checkpoint was made from:
    // otherwise the result is a chimera stored as one run.
    let problems = binding_problems(&store, &row, &stored, Some((checkpoint.day, &blob)))?;
    if !problems.is_empty() {
        return Err(RecordError::Input(format!(
            "{}: run {run} cannot be resumed: what is stored is not what its checkpoint (after day {}) was made from:\n  - {}",
            path.display(),
            checkpoint.day,
            problems.join("\n  - ")
        )));
    }
    let inputs = CheckpointInputs::of(&stored);
    let StoredInputs { scenario, .. } = stored;
    let mut simulation = scenario
        .resume(blob.simulation)
        .map_err(|e| RecordError::Input(format!("{}: run {run}: {e}", path.display())))?;
    store.truncate_after(run, checkpoint.day, checkpoint.events)?;
    store.reopen_run(run)?;
    drop(store);

    let names = scenario.plan.agent_names();
    let writer = RefCell::new(RunWriter::start(path, run)?);
    let mut observer = DbObserver {
        writer: &writer,
        ticks_per_day: scenario.plan.ticks_per_day,
    };
    let mut log = EventLog::resume(names.clone(), None, blob.log)
        .map_err(|e| RecordError::Input(format!("{}: run {run}: {e}", path.display())))?;
    log.observe_with(&mut observer);
    let outcome = drive(
        &mut simulation,
        &mut log,
        &writer,
        (&scenario, &inputs),
        options,
        run,
        on_tick,
    );
    let finished = finish_log(outcome, log);
    conclude(run, finished, writer.into_inner(), &scenario)
}

/// The scenario a stored run ran, rebuilt from the store alone.
pub fn stored_scenario(scenario: &str, files: &str, run: i64) -> Result<Scenario, RecordError> {
    stored_inputs(scenario, files, run).map(|stored| stored.scenario)
}

/// Runs the remaining ticks, ending each day in the store.
fn drive(
    simulation: &mut Simulation,
    log: &mut EventLog<'_>,
    writer: &RefCell<RunWriter>,
    (scenario, inputs): (&Scenario, &CheckpointInputs),
    options: &DbOptions,
    run: i64,
    on_tick: &mut dyn FnMut(Tick),
) -> Result<(), RecordError> {
    let fail = |e: RunError| RecordError::Failed(e.to_string());
    while !simulation.is_finished() {
        let tick = simulation.next_tick();
        if options.stop.load(Ordering::Relaxed) {
            return Err(RecordError::Interrupted { run, tick });
        }
        simulation.step(log).map_err(fail)?;
        on_tick(tick);
        if (tick + 1).is_multiple_of(scenario.plan.ticks_per_day) {
            let day = tick / scenario.plan.ticks_per_day;
            let end = day_end(
                simulation,
                log,
                (scenario, inputs),
                day,
                options.checkpoint_every,
            )?;
            writer
                .borrow_mut()
                .end_day(end)
                .map_err(|e| RecordError::Failed(e.to_string()))?;
        }
    }
    Ok(())
}

/// The finished log of a run that went well.
fn finish_log(
    outcome: Result<(), RecordError>,
    log: EventLog<'_>,
) -> Result<LogSummary, RecordError> {
    outcome.and_then(|()| log.finish().map_err(|e| RecordError::Failed(e.to_string())))
}

/// Marks the run in the store as it ended.
fn conclude(
    run: i64,
    finished: Result<LogSummary, RecordError>,
    writer: RunWriter,
    scenario: &Scenario,
) -> Result<Recorded, RecordError> {
    match finished {
        Ok(finished) => {
            writer.finish(RunStatus::Completed, Some(finished.hash.clone()), None)?;
            Ok(Recorded {
                run_id: run,
                summary: RunSummary::new(&scenario.run_info(), &finished),
            })
        }
        Err(error) => {
            // Mark the run; if even that cannot be written, the first error is the one
            // to report.
            let status = match error {
                RecordError::Interrupted { .. } => RunStatus::Interrupted,
                _ => RunStatus::Failed,
            };
            let _ = writer.finish(status, None, Some(error.to_string()));
            Err(error)
        }
    }
}

/// What is written at the end of `day`.
fn day_end(
    simulation: &Simulation,
    log: &EventLog<'_>,
    (scenario, inputs): (&Scenario, &CheckpointInputs),
    day: u32,
    checkpoint_every: u32,
) -> Result<DayEnd, RecordError> {
    let metrics = log
        .metrics()
        .agents()
        .iter()
        .zip(&scenario.plan.agents)
        .map(|(m, plan)| AgentDayRow {
            day,
            agent: plan.setup.name.clone(),
            balance: i128::from(m.balance),
            payments: m.payments,
            settled: m.settled,
            settled_value: m.settled_value,
            dropped: m.dropped,
            unsettled: m.unsettled(),
            peak_overdraft: i128::from(m.peak_overdraft),
            policy_errors: m.policy_errors,
            cost_overdraft: m.costs.overdraft,
            cost_delay: m.costs.delay,
            cost_deadline: m.costs.deadline,
            cost_eod: m.costs.eod,
            cost_collateral: m.costs.collateral,
            cost_split: m.costs.split,
            cost_liquidity: m.costs.liquidity,
            cost_borrowing: m.costs.borrowing,
        })
        .collect();
    let states = simulation
        .policy_states()
        .into_iter()
        .zip(&scenario.plan.agents)
        .filter_map(|(state, plan)| state.map(|s| (plan.setup.name.clone(), s.to_string())))
        .collect();
    let due = checkpoint_every > 0 && (day + 1).is_multiple_of(checkpoint_every);
    let last = day + 1 == scenario.plan.num_days;
    let checkpoint = (due && !last).then(|| {
        let blob = StoredCheckpoint {
            format: CHECKPOINT_FORMAT,
            inputs: inputs.clone(),
            simulation: simulation.checkpoint(),
            log: log.checkpoint(),
        };
        PendingCheckpoint {
            serialize: Box::new(move || postcard::to_stdvec(&blob).map_err(|e| e.to_string())),
        }
    });
    Ok(DayEnd {
        day,
        events: log.len(),
        metrics,
        states,
        checkpoint,
    })
}

/// Passes every event to the writer with the columns to query it by.
struct DbObserver<'a> {
    writer: &'a RefCell<RunWriter>,
    ticks_per_day: Tick,
}

impl EventObserver for DbObserver<'_> {
    fn on_event(&mut self, seq: u64, event: &Event, line: &[u8]) {
        let day = event.tick() / self.ticks_per_day;
        let mut writer = self.writer.borrow_mut();
        writer.event(seq, day, line);
        // Audit records also go to their own table, where `rtgsim audit verify`
        // checks the chain.
        if let Event::Audit { tick, audit } = event {
            writer.audit(AuditRow {
                seq: audit.seq,
                day,
                tick: *tick,
                kind: audit.kind.as_str().to_string(),
                body: audit.record.to_string(),
                prev_hash: audit.prev_hash.to_string(),
                hash: audit.hash.to_string(),
            });
        }
    }
}

/// The last policy states of run `from`, as (agent, state) for the agents of
/// `scenario`.
fn starting_states(
    store: &Store,
    from: i64,
    scenario: &Scenario,
) -> Result<Vec<(AgentId, serde_json::Value)>, RecordError> {
    let Some((_, states)) = store.last_policy_states(from)? else {
        return Err(RecordError::Input(format!(
            "{}: run {from} saved no policy state",
            store.path().display()
        )));
    };
    states
        .into_iter()
        .map(|(agent, text)| {
            let index = scenario
                .plan
                .agents
                .iter()
                .position(|a| a.setup.name == agent)
                .ok_or_else(|| {
                    RecordError::Input(format!(
                        "run {from} saved a policy state for {agent}, an agent this scenario does not have"
                    ))
                })?;
            let state = serde_json::from_str(&text).map_err(|e| {
                RecordError::Input(format!("run {from}: {agent}'s saved state is not JSON: {e}"))
            })?;
            Ok((AgentId(index as u32), state))
        })
        .collect()
}

/// Records each agent's policy in the registry and links the run to its version.
/// A policy from a file is registered under its path with the file's text; any other
/// under `AGENT/TYPE` with its `policy:` section as JSON.
fn register_policies(
    store: &mut Store,
    run: i64,
    stored: &StoredScenario,
) -> Result<(), RecordError> {
    let policies: Vec<RunPolicy> = stored
        .file
        .agents
        .iter()
        .map(|agent| {
            let section = agent.policy.as_ref().map(|p| &p.0);
            let kind = section
                .and_then(|s| s.get("type"))
                .and_then(|t| t.as_str())
                .unwrap_or("Fifo");
            let file = section
                .and_then(|s| s.get("path").or_else(|| s.get("json_path")))
                .and_then(|p| p.as_str());
            let (policy_id, source) = match file
                .and_then(|f| stored.files.get(f).map(|text| (f, text)))
            {
                Some((file, text)) => (file.to_string(), text.clone()),
                None => (
                    format!("{}/{kind}", agent.id),
                    section.map_or_else(|| "{\"type\":\"Fifo\"}".to_string(), |s| s.to_string()),
                ),
            };
            RunPolicy {
                agent: agent.id.clone(),
                policy_id,
                kind: kind.to_string(),
                source,
            }
        })
        .collect();
    store.register_run_policies(run, &policies, "rtgsim run")?;
    Ok(())
}

fn to_json<T: serde::Serialize>(value: &T) -> Result<String, RecordError> {
    serde_json::to_string(value)
        .map_err(|e| RecordError::Input(format!("storing the scenario: {e}")))
}
