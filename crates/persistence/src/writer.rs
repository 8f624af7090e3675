//! [`RunWriter`]: writes a run's events and day ends on a thread of its own.
//!
//! The simulation hands over events as they happen (each event's JSON line, copied
//! into a block: nothing is allocated per event), audit records as they are sealed,
//! and a [`DayEnd`] after each day;
//! the writer thread stores each block as one row inside one transaction per day and
//! commits it when the day ends, so the database always holds whole days. The channel is bounded: if
//! the disk falls behind, the simulation waits rather than piling events up in
//! memory. The first error stops the writing; the simulation learns of it at the
//! next day end (or at the finish) and fails the run.

use crate::audit;
use crate::error::{AtPath, StoreError};
use crate::records::{AgentDayRow, AuditRow, RunStatus};
use crate::store::Store;
use rusqlite::params;
use sha2::{Digest, Sha256};
use std::path::Path;
use std::sync::mpsc::{Receiver, Sender, SyncSender, channel, sync_channel};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;

/// Events per stored block (a block also ends with its day).
const BLOCK: usize = 4096;
/// Audit rows sent to the writer thread at a time (a batch also ends with its day).
const AUDIT_BATCH: usize = 256;
/// Blocks that may wait in the channel.
const QUEUED_BLOCKS: usize = 16;

/// What is written when a day ends, with that day's events, in one transaction.
#[derive(Debug)]
pub struct DayEnd {
    /// The day just completed (0-based).
    pub day: u32,
    /// Events in the log so far.
    pub events: u64,
    pub metrics: Vec<AgentDayRow>,
    /// (agent, state JSON) for each policy that keeps state.
    pub states: Vec<(String, String)>,
    pub checkpoint: Option<PendingCheckpoint>,
}

/// A checkpoint to write: the caller's snapshot, turned into bytes on the writer
/// thread (serialising a large state takes a while; the simulation need not wait).
pub struct PendingCheckpoint {
    pub serialize: Box<dyn FnOnce() -> Result<Vec<u8>, String> + Send>,
}

impl std::fmt::Debug for PendingCheckpoint {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("PendingCheckpoint")
    }
}

/// Consecutive events of one day: their lines end to end.
#[derive(Debug, Default)]
struct Block {
    first_seq: u64,
    count: u64,
    day: u32,
    lines: Vec<u8>,
}

enum Message {
    Events(Block),
    Audit(Vec<AuditRow>),
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
    pending: Block,
    /// Audit rows of the current day not yet sent.
    pending_audit: Vec<AuditRow>,
    /// Line buffers the writer thread is done with, to fill again (fresh ones would
    /// cost page faults on every block).
    spare: Receiver<Vec<u8>>,
    sender: Option<SyncSender<Message>>,
    thread: Option<JoinHandle<()>>,
    error: Arc<Mutex<Option<StoreError>>>,
}

impl RunWriter {
    /// Starts writing run `run` of the database at `path` (its own connection).
    pub fn start(path: &Path, run: i64) -> Result<RunWriter, StoreError> {
        RunWriter::start_with_page_limit(path, run, None)
    }

    /// [`RunWriter::start`], with the database limited to `max_pages` pages: a full
    /// disk, made deterministic for tests (SQLite reports both as `SQLITE_FULL`).
    #[doc(hidden)]
    pub fn start_with_page_limit(
        path: &Path,
        run: i64,
        max_pages: Option<u32>,
    ) -> Result<RunWriter, StoreError> {
        let store = Store::open(path)?;
        store.run(run)?;
        if let Some(pages) = max_pages {
            store
                .conn
                .query_row(&format!("PRAGMA max_page_count = {pages}"), [], |_| Ok(()))
                .at(path)?;
        }
        let (sender, receiver) = sync_channel(QUEUED_BLOCKS);
        let (give_back, spare) = channel();
        let error = Arc::new(Mutex::new(None));
        let shared = Arc::clone(&error);
        let thread = std::thread::Builder::new()
            .name("rtgsim-db-writer".into())
            .spawn(move || {
                if let Err(e) = write_all(&store, run, &receiver, &give_back) {
                    // The run stops here whatever the simulation does next: drop the
                    // day in progress and mark the run failed now, on this connection
                    // (a rollback frees the space a full disk needs for that small
                    // update). If even that cannot be written, it stays `running`,
                    // which a resume also continues.
                    let _ = store.conn.execute_batch("ROLLBACK");
                    let _ = store.finish_run(run, RunStatus::Failed, None, Some(&e.to_string()));
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
            pending: Block::default(),
            pending_audit: Vec::new(),
            spare,
            sender: Some(sender),
            thread: Some(thread),
            error,
        })
    }

    pub fn run(&self) -> i64 {
        self.run
    }

    /// Queues event number `seq` (counted from 0 over the run) of `day`: its JSON
    /// line, with its newline.
    pub fn event(&mut self, seq: u64, day: u32, line: &[u8]) {
        if self.pending.count > 0 && self.pending.day != day {
            self.flush_events();
        }
        if self.pending.count == 0 {
            self.pending.first_seq = seq;
            self.pending.day = day;
            if self.pending.lines.capacity() == 0 {
                self.pending.lines = match self.spare.try_recv() {
                    Ok(mut buffer) => {
                        buffer.clear();
                        buffer
                    }
                    Err(_) => Vec::with_capacity(BLOCK * 128),
                };
            }
        }
        self.pending.lines.extend_from_slice(line);
        self.pending.count += 1;
        if self.pending.count >= BLOCK as u64 {
            self.flush_events();
        }
    }

    /// Queues a record of the audit chain. It commits with its day (`row.day`), with
    /// that day's events, and the chain's head moves past it in the same transaction.
    pub fn audit(&mut self, row: AuditRow) {
        if self
            .pending_audit
            .last()
            .is_some_and(|last| last.day != row.day)
        {
            self.flush_audit();
        }
        self.pending_audit.push(row);
        if self.pending_audit.len() >= AUDIT_BATCH {
            self.flush_audit();
        }
    }

    /// Ends a day: its events, audit records and `end` commit together. Returns the
    /// first error the writer met so far, if any.
    pub fn end_day(&mut self, end: DayEnd) -> Result<(), StoreError> {
        self.flush_events();
        self.flush_audit();
        self.send(Message::DayEnd(Box::new(end)));
        self.take_error()
    }

    /// Marks the run and waits for the writer to finish. Events after the last day
    /// end are kept only if the run completed (then there are none): a run that
    /// stopped keeps its whole days.
    pub fn finish(
        mut self,
        status: RunStatus,
        hash: Option<String>,
        error: Option<String>,
    ) -> Result<(), StoreError> {
        self.flush_events();
        self.flush_audit();
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
        if self.pending.count > 0 {
            let block = std::mem::take(&mut self.pending);
            self.send(Message::Events(block));
        }
    }

    fn flush_audit(&mut self) {
        if !self.pending_audit.is_empty() {
            let rows = std::mem::take(&mut self.pending_audit);
            self.send(Message::Audit(rows));
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
fn write_all(
    store: &Store,
    run: i64,
    receiver: &Receiver<Message>,
    give_back: &Sender<Vec<u8>>,
) -> Result<(), StoreError> {
    let path = &store.path;
    let conn = &store.conn;
    // The writer does not wait for the disk at each commit: a commit is still atomic
    // (the WAL), and survives the process being killed; only an operating-system
    // crash can lose the last days, which a resume then redoes.
    let mut audit_records = audit::committed_records(store, run)?;
    let mut today: Option<DayDigest> = None;
    conn.execute_batch("PRAGMA synchronous = OFF; BEGIN IMMEDIATE")
        .at(path)?;
    for message in receiver.iter() {
        match message {
            Message::Events(block) => {
                insert_block(store, run, &block)?;
                today
                    .get_or_insert_with(|| DayDigest::new(block.first_seq))
                    .add(&block);
                // The simulation may have finished; then the buffer is simply dropped.
                let _ = give_back.send(block.lines);
            }
            Message::Audit(rows) => {
                audit_records = audit::insert_rows(store, run, audit_records, &rows)?;
            }
            Message::DayEnd(end) => {
                let digest = today.take().unwrap_or_else(|| DayDigest::new(end.events));
                write_day_end(store, run, *end, digest)?;
                conn.execute_batch("COMMIT; BEGIN IMMEDIATE").at(path)?;
            }
            Message::Finish {
                status,
                hash,
                error,
            } => {
                // A completed run ended its last day already; a run that stopped keeps
                // only its whole days.
                let end = if status == RunStatus::Completed {
                    "COMMIT"
                } else {
                    "ROLLBACK"
                };
                conn.execute_batch(end).at(path)?;
                store.finish_run(run, status, hash.as_deref(), error.as_deref())?;
                return Ok(());
            }
        }
    }
    // The simulation side went away without finishing: keep its last committed day;
    // the open transaction is rolled back.
    conn.execute_batch("ROLLBACK").at(path)
}

/// Stores a block as one row.
fn insert_block(store: &Store, run: i64, block: &Block) -> Result<(), StoreError> {
    // The lines are the event log's, which the simulation writes as UTF-8.
    let lines = String::from_utf8_lossy(&block.lines);
    store
        .conn
        .prepare_cached(
            "INSERT INTO event_blocks (run_id, first_seq, count, day, lines) VALUES (?1, ?2, ?3, ?4, ?5)",
        )
        .at(&store.path)?
        .execute(params![
            run,
            block.first_seq as i64,
            block.count as i64,
            block.day,
            lines.as_ref()
        ])
        .at(&store.path)?;
    Ok(())
}

/// A day's events as the writer stored them: where they start, how many, and the
/// running SHA-256 of their lines, for the day's `event_days` row.
struct DayDigest {
    first_seq: u64,
    events: u64,
    hasher: Sha256,
}

impl DayDigest {
    fn new(first_seq: u64) -> DayDigest {
        DayDigest {
            first_seq,
            events: 0,
            hasher: Sha256::new(),
        }
    }

    fn add(&mut self, block: &Block) {
        self.events += block.count;
        self.hasher.update(&block.lines);
    }
}

fn write_day_end(
    store: &Store,
    run: i64,
    end: DayEnd,
    digest: DayDigest,
) -> Result<(), StoreError> {
    let path = &store.path;
    let conn = &store.conn;
    conn.prepare_cached(
        "INSERT INTO event_days (run_id, day, first_seq, events, sha256) VALUES (?1, ?2, ?3, ?4, ?5)",
    )
    .at(path)?
    .execute(params![
        run,
        end.day,
        digest.first_seq as i64,
        digest.events as i64,
        crate::hex(&digest.hasher.finalize())
    ])
    .at(path)?;
    let mut metrics = conn
        .prepare_cached(
            "INSERT INTO agent_day_metrics (run_id, day, agent, balance, payments, settled, settled_value,
                dropped, unsettled, peak_overdraft, policy_errors, cost_overdraft, cost_delay,
                cost_deadline, cost_eod, cost_collateral, cost_split, cost_liquidity, cost_borrowing)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17,
                     ?18, ?19)",
        )
        .at(path)?;
    for m in &end.metrics {
        metrics
            .execute(params![
                run,
                m.day,
                m.agent,
                m.balance.to_string(),
                m.payments as i64,
                m.settled as i64,
                m.settled_value.to_string(),
                m.dropped as i64,
                m.unsettled as i64,
                m.peak_overdraft.to_string(),
                m.policy_errors as i64,
                m.cost_overdraft.to_string(),
                m.cost_delay.to_string(),
                m.cost_deadline.to_string(),
                m.cost_eod.to_string(),
                m.cost_collateral.to_string(),
                m.cost_split.to_string(),
                m.cost_liquidity.to_string(),
                m.cost_borrowing.to_string()
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
    if let Some(pending) = end.checkpoint {
        let state = (pending.serialize)().map_err(|message| StoreError::Invalid {
            path: path.to_path_buf(),
            message: format!("the checkpoint after day {}: {message}", end.day + 1),
        })?;
        // Only the latest checkpoint is kept: it is all a resume needs.
        conn.execute("DELETE FROM checkpoints WHERE run_id = ?1", params![run])
            .at(path)?;
        conn.execute(
            "INSERT INTO checkpoints (run_id, day, events, state, sha256) VALUES (?1, ?2, ?3, ?4, ?5)",
            params![
                run,
                end.day,
                end.events as i64,
                state,
                crate::sha256_hex(&state)
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
