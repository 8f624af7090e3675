//! [`RunWriter`]: writes a run's events and day ends on a thread of its own.
//!
//! The simulation hands over events as they happen and a [`DayEnd`] after each day;
//! the writer thread inserts them inside one transaction per day and commits it when
//! the day ends, so the database always holds whole days. The channel is bounded: if
//! the disk falls behind, the simulation waits rather than piling events up in
//! memory. The first error stops the writing; the simulation learns of it at the
//! next day end (or at the finish) and fails the run.

use crate::error::{AtPath, StoreError};
use crate::records::{AgentDayRow, CheckpointRow, EventRow, RunStatus};
use crate::store::Store;
use rusqlite::params;
use std::path::Path;
use std::sync::mpsc::{Receiver, SyncSender, sync_channel};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;

/// Events sent to the writer thread at a time.
const BATCH: usize = 8192;
/// Batches that may wait in the channel.
const QUEUED_BATCHES: usize = 16;

/// What is written when a day ends, with that day's events, in one transaction.
#[derive(Debug, Clone, PartialEq)]
pub struct DayEnd {
    /// The day just completed (0-based).
    pub day: u32,
    /// Events in the log so far.
    pub events: u64,
    pub metrics: Vec<AgentDayRow>,
    /// (agent, state JSON) for each policy that keeps state.
    pub states: Vec<(String, String)>,
    pub checkpoint: Option<CheckpointRow>,
}

enum Message {
    Events(Vec<EventRow>),
    DayEnd(Box<DayEnd>),
    Finish {
        status: RunStatus,
        hash: Option<String>,
        error: Option<String>,
    },
}

/// Writes one run, day by day, from a background thread.
#[derive(Debug)]
pub struct RunWriter {
    run: i64,
    pending: Vec<EventRow>,
    sender: Option<SyncSender<Message>>,
    thread: Option<JoinHandle<()>>,
    error: Arc<Mutex<Option<StoreError>>>,
}

impl RunWriter {
    /// Starts writing run `run` of the database at `path` (its own connection).
    pub fn start(path: &Path, run: i64) -> Result<RunWriter, StoreError> {
        let store = Store::open(path)?;
        store.run(run)?;
        let (sender, receiver) = sync_channel(QUEUED_BATCHES);
        let error = Arc::new(Mutex::new(None));
        let shared = Arc::clone(&error);
        let thread = std::thread::Builder::new()
            .name("rtgsim-db-writer".into())
            .spawn(move || {
                if let Err(e) = write_all(&store, run, &receiver) {
                    if let Ok(mut slot) = shared.lock() {
                        slot.get_or_insert(e);
                    }
                    // Keep taking messages so the simulation never blocks on a dead
                    // writer; it learns of the error at the next day end.
                    for _ in receiver.iter() {}
                }
            })
            .map_err(|e| StoreError::CannotOpen {
                path: path.to_path_buf(),
                detail: format!("cannot start the writer thread: {e}"),
            })?;
        Ok(RunWriter {
            run,
            pending: Vec::with_capacity(BATCH),
            sender: Some(sender),
            thread: Some(thread),
            error,
        })
    }

    pub fn run(&self) -> i64 {
        self.run
    }

    /// Queues one event.
    pub fn event(&mut self, row: EventRow) {
        self.pending.push(row);
        if self.pending.len() >= BATCH {
            let batch = std::mem::replace(&mut self.pending, Vec::with_capacity(BATCH));
            self.send(Message::Events(batch));
        }
    }

    /// Ends a day: its events and `end` commit together. Returns the first error the
    /// writer met so far, if any.
    pub fn end_day(&mut self, end: DayEnd) -> Result<(), StoreError> {
        self.flush_events();
        self.send(Message::DayEnd(Box::new(end)));
        self.take_error()
    }

    /// Writes what is left, marks the run, and waits for the writer to finish.
    /// Events after the last day end are committed too (a failed run keeps them).
    pub fn finish(
        mut self,
        status: RunStatus,
        hash: Option<String>,
        error: Option<String>,
    ) -> Result<(), StoreError> {
        self.flush_events();
        self.send(Message::Finish {
            status,
            hash,
            error,
        });
        self.sender = None;
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
        self.take_error()
    }

    fn flush_events(&mut self) {
        if !self.pending.is_empty() {
            let batch = std::mem::take(&mut self.pending);
            self.send(Message::Events(batch));
        }
    }

    fn send(&mut self, message: Message) {
        if let Some(sender) = &self.sender {
            // The thread only stops after `Finish`; a send can fail only if it
            // panicked, and then its error slot says why.
            let _ = sender.send(message);
        }
    }

    fn take_error(&self) -> Result<(), StoreError> {
        match self.error.lock() {
            Ok(mut slot) => slot.take().map_or(Ok(()), Err),
            Err(_) => Err(StoreError::Invalid {
                path: Default::default(),
                message: "the database writer stopped unexpectedly".into(),
            }),
        }
    }
}

impl Drop for RunWriter {
    /// A writer dropped without `finish` (the run panicked or returned early) leaves
    /// the run `running` with its completed days: a resume continues it.
    fn drop(&mut self) {
        self.sender = None;
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

/// The writer thread: one open transaction at a time, committed at each day end.
fn write_all(store: &Store, run: i64, receiver: &Receiver<Message>) -> Result<(), StoreError> {
    let path = &store.path;
    let conn = &store.conn;
    conn.execute_batch("BEGIN").at(path)?;
    for message in receiver.iter() {
        match message {
            Message::Events(rows) => insert_events(store, run, &rows)?,
            Message::DayEnd(end) => {
                write_day_end(store, run, &end)?;
                conn.execute_batch("COMMIT; BEGIN").at(path)?;
            }
            Message::Finish {
                status,
                hash,
                error,
            } => {
                conn.execute_batch("COMMIT").at(path)?;
                store.finish_run(run, status, hash.as_deref(), error.as_deref())?;
                return Ok(());
            }
        }
    }
    // The simulation side went away without finishing: keep its last committed day;
    // the open transaction is rolled back.
    conn.execute_batch("ROLLBACK").at(path)
}

fn insert_events(store: &Store, run: i64, rows: &[EventRow]) -> Result<(), StoreError> {
    let mut insert = store
        .conn
        .prepare_cached(
            "INSERT INTO events (run_id, seq, tick, day, kind, agent, tx, amount, details)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
        )
        .at(&store.path)?;
    for row in rows {
        insert
            .execute(params![
                run,
                row.seq as i64,
                row.tick,
                row.day,
                row.kind,
                row.agent,
                row.tx,
                row.amount,
                row.details
            ])
            .at(&store.path)?;
    }
    Ok(())
}

fn write_day_end(store: &Store, run: i64, end: &DayEnd) -> Result<(), StoreError> {
    let path = &store.path;
    let conn = &store.conn;
    let mut metrics = conn
        .prepare_cached(
            "INSERT INTO agent_day_metrics (run_id, day, agent, balance, payments, settled, settled_value,
                dropped, unsettled, peak_overdraft, policy_errors, cost_overdraft, cost_delay,
                cost_deadline, cost_eod, cost_collateral, cost_split)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17)",
        )
        .at(path)?;
    for m in &end.metrics {
        metrics
            .execute(params![
                run,
                m.day,
                m.agent,
                m.balance,
                m.payments as i64,
                m.settled as i64,
                m.settled_value,
                m.dropped as i64,
                m.unsettled as i64,
                m.peak_overdraft,
                m.policy_errors as i64,
                m.cost_overdraft,
                m.cost_delay,
                m.cost_deadline,
                m.cost_eod,
                m.cost_collateral,
                m.cost_split
            ])
            .at(path)?;
    }
    let mut states = conn
        .prepare_cached(
            "INSERT INTO policy_states (run_id, day, agent, state) VALUES (?1, ?2, ?3, ?4)",
        )
        .at(path)?;
    for (agent, state) in &end.states {
        states
            .execute(params![run, end.day, agent, state])
            .at(path)?;
    }
    if let Some(checkpoint) = &end.checkpoint {
        conn.execute(
            "INSERT INTO checkpoints (run_id, day, events, state, sha256) VALUES (?1, ?2, ?3, ?4, ?5)",
            params![
                run,
                checkpoint.day,
                checkpoint.events as i64,
                checkpoint.state,
                checkpoint.sha256
            ],
        )
        .at(path)?;
    }
    conn.execute(
        "UPDATE runs SET days_completed = ?2, events = ?3 WHERE id = ?1",
        params![run, end.day + 1, end.events as i64],
    )
    .at(path)?;
    Ok(())
}
