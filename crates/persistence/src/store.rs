//! [`Store`]: opening a database, and every read and write outside the per-day stream
//! of [`crate::RunWriter`].

use crate::error::{AtPath, StoreError};
use crate::records::{
    AgentDayRow, CheckpointRow, EventFilter, EventRow, NewRun, RunRow, RunStatus,
};
use crate::schema::migrate;
use rusqlite::{Connection, OpenFlags, OptionalExtension, Row, params};
use std::path::{Path, PathBuf};
use std::time::Duration;

/// Policy states by agent: (agent, state JSON), in agent order.
pub type AgentStates = Vec<(String, String)>;

/// How long a write waits for another process's transaction before giving up.
const BUSY_TIMEOUT: Duration = Duration::from_secs(5);

/// An open store.
#[derive(Debug)]
pub struct Store {
    pub(crate) conn: Connection,
    pub(crate) path: PathBuf,
}

impl Store {
    /// Opens the database at `path` for writing, creating it if needed, and brings
    /// its schema up to date.
    pub fn open(path: &Path) -> Result<Store, StoreError> {
        let flags = OpenFlags::SQLITE_OPEN_READ_WRITE
            | OpenFlags::SQLITE_OPEN_CREATE
            | OpenFlags::SQLITE_OPEN_NO_MUTEX;
        let mut conn = Connection::open_with_flags(path, flags).at(path)?;
        conn.busy_timeout(BUSY_TIMEOUT).at(path)?;
        // Large pages suit the large rows of event blocks (fewer overflow pages). It
        // takes effect only when the file is new; afterwards it is a no-op.
        conn.execute_batch("PRAGMA page_size = 65536").at(path)?;
        // WAL: readers do not block the writer, and a commit is atomic even if the
        // process dies. NORMAL sync is durable against a crash of the process.
        let mode = wal_mode(&conn, path)?;
        if !mode.eq_ignore_ascii_case("wal") {
            return Err(StoreError::ReadOnly {
                path: path.to_path_buf(),
                cause: crate::error::why_not_writable(path),
            });
        }
        conn.execute_batch("PRAGMA synchronous = NORMAL; PRAGMA foreign_keys = ON;")
            .at(path)?;
        migrate(&mut conn, path)?;
        Ok(Store {
            conn,
            path: path.to_path_buf(),
        })
    }

    /// Opens an existing database for reading only (it must exist).
    pub fn open_read_only(path: &Path) -> Result<Store, StoreError> {
        if !path.exists() {
            return Err(StoreError::CannotOpen {
                path: path.to_path_buf(),
                detail: "no such file".into(),
            });
        }
        let flags = OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX;
        let conn = Connection::open_with_flags(path, flags).at(path)?;
        conn.busy_timeout(BUSY_TIMEOUT).at(path)?;
        let found = crate::schema::schema_version(&conn, path)?;
        if found < crate::SCHEMA_VERSION {
            return Err(StoreError::Invalid {
                path: path.to_path_buf(),
                message: format!(
                    "schema version {found}, older than this rtgsim's {}: open it for writing once (any `rtgsim run --db`) to migrate it",
                    crate::SCHEMA_VERSION
                ),
            });
        }
        Ok(Store {
            conn,
            path: path.to_path_buf(),
        })
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    // ----- runs -----

    /// Records a new run, status `running`, with its inputs; returns its id.
    pub fn start_run(&mut self, run: &NewRun) -> Result<i64, StoreError> {
        let tx = write_transaction(&mut self.conn, &self.path)?;
        tx.execute(
            "INSERT INTO runs (seed, code_version, status, days_total, state_from_run, started_at,
                               inputs_sha256)
             VALUES (?1, ?2, 'running', ?3, ?4, ?5, ?6)",
            params![
                run.seed as i64,
                run.code_version,
                run.days_total,
                run.state_from_run,
                unix_now(),
                run.inputs_sha256
            ],
        )
        .at(&self.path)?;
        let id = tx.last_insert_rowid();
        tx.execute(
            "INSERT INTO run_inputs (run_id, scenario, files) VALUES (?1, ?2, ?3)",
            params![id, run.scenario, run.files],
        )
        .at(&self.path)?;
        tx.commit().at(&self.path)?;
        Ok(id)
    }

    /// What a run was given: (scenario JSON, files JSON).
    pub fn run_inputs(&self, run: i64) -> Result<(String, String), StoreError> {
        self.conn
            .query_row(
                "SELECT scenario, files FROM run_inputs WHERE run_id = ?1",
                [run],
                |row| Ok((row.get(0)?, row.get(1)?)),
            )
            .optional()
            .at(&self.path)?
            .ok_or(StoreError::NoRun {
                path: self.path.clone(),
                run,
            })
    }

    /// Marks a run as ended.
    pub fn finish_run(
        &self,
        run: i64,
        status: RunStatus,
        event_log_hash: Option<&str>,
        error: Option<&str>,
    ) -> Result<(), StoreError> {
        let changed = self
            .conn
            .execute(
                "UPDATE runs SET status = ?2, event_log_hash = ?3, error = ?4, ended_at = ?5 WHERE id = ?1",
                params![run, status.as_str(), event_log_hash, error, unix_now()],
            )
            .at(&self.path)?;
        self.require(changed, run)
    }

    /// Marks a stopped run as running again (a resume).
    pub fn reopen_run(&self, run: i64) -> Result<(), StoreError> {
        let changed = self
            .conn
            .execute(
                "UPDATE runs SET status = 'running', error = NULL, ended_at = NULL WHERE id = ?1",
                params![run],
            )
            .at(&self.path)?;
        self.require(changed, run)
    }

    pub fn run(&self, run: i64) -> Result<RunRow, StoreError> {
        self.conn
            .query_row(&format!("{RUN_COLUMNS} WHERE id = ?1"), [run], run_row)
            .optional()
            .at(&self.path)?
            .ok_or(StoreError::NoRun {
                path: self.path.clone(),
                run,
            })
            .and_then(|row| row.map_err(|message| self.invalid(message)))
    }

    /// Every run, oldest first.
    pub fn runs(&self) -> Result<Vec<RunRow>, StoreError> {
        self.all(&format!("{RUN_COLUMNS} ORDER BY id"), [], run_row)?
            .into_iter()
            .map(|row| row.map_err(|message| self.invalid(message)))
            .collect()
    }

    // ----- events and figures -----

    /// A run's events in log order, filtered.
    pub fn events(&self, run: i64, filter: &EventFilter) -> Result<Vec<EventRow>, StoreError> {
        self.run(run)?;
        let limit = filter.limit.map_or(-1, |n| n.min(i64::MAX as u64) as i64);
        self.all(
            "SELECT seq, tick, day, kind, agent, tx, amount, details FROM events
             WHERE run_id = ?1 AND (?4 IS NULL OR day = ?4)
               AND (?2 IS NULL OR kind = ?2) AND (?3 IS NULL OR agent = ?3)
             ORDER BY seq LIMIT ?5",
            params![run, filter.kind, filter.agent, filter.day, limit],
            |row| {
                Ok(EventRow {
                    seq: row.get::<_, i64>(0)? as u64,
                    tick: row.get(1)?,
                    day: row.get(2)?,
                    kind: row.get(3)?,
                    agent: row.get(4)?,
                    tx: row.get(5)?,
                    amount: row.get(6)?,
                    details: row.get(7)?,
                })
            },
        )
    }

    /// A run's end-of-day figures, by day then agent order as written.
    pub fn agent_day_metrics(&self, run: i64) -> Result<Vec<AgentDayRow>, StoreError> {
        self.all(
            "SELECT day, agent, balance, payments, settled, settled_value, dropped, unsettled,
                        peak_overdraft, policy_errors, cost_overdraft, cost_delay, cost_deadline,
                        cost_eod, cost_collateral, cost_split, cost_liquidity, cost_borrowing
                 FROM agent_day_metrics WHERE run_id = ?1 ORDER BY day, rowid",
            [run],
            |row| {
                Ok(AgentDayRow {
                    day: row.get(0)?,
                    agent: row.get(1)?,
                    balance: money(row, 2)?,
                    payments: row.get::<_, i64>(3)? as u64,
                    settled: row.get::<_, i64>(4)? as u64,
                    settled_value: money(row, 5)?,
                    dropped: row.get::<_, i64>(6)? as u64,
                    unsettled: row.get::<_, i64>(7)? as u64,
                    peak_overdraft: money(row, 8)?,
                    policy_errors: row.get::<_, i64>(9)? as u64,
                    cost_overdraft: money(row, 10)?,
                    cost_delay: money(row, 11)?,
                    cost_deadline: money(row, 12)?,
                    cost_eod: money(row, 13)?,
                    cost_collateral: money(row, 14)?,
                    cost_split: money(row, 15)?,
                    cost_liquidity: money(row, 16)?,
                    cost_borrowing: money(row, 17)?,
                })
            },
        )
    }

    // ----- policy states -----

    /// The policy states written at the end of `day`: (agent, state JSON).
    pub fn policy_states(&self, run: i64, day: u32) -> Result<AgentStates, StoreError> {
        self.all(
            "SELECT agent, state FROM policy_states WHERE run_id = ?1 AND day = ?2 ORDER BY rowid",
            params![run, day],
            |row| Ok((row.get(0)?, row.get(1)?)),
        )
    }

    /// The states of the last day a run wrote any, with that day.
    pub fn last_policy_states(&self, run: i64) -> Result<Option<(u32, AgentStates)>, StoreError> {
        self.run(run)?;
        let day: Option<u32> = self
            .conn
            .query_row(
                "SELECT MAX(day) FROM policy_states WHERE run_id = ?1",
                [run],
                |row| row.get(0),
            )
            .at(&self.path)?;
        match day {
            Some(day) => Ok(Some((day, self.policy_states(run, day)?))),
            None => Ok(None),
        }
    }

    // ----- checkpoints -----

    /// The checkpoint of the last day a run completed, its hash checked.
    pub fn last_checkpoint(&self, run: i64) -> Result<Option<CheckpointRow>, StoreError> {
        let row = self
            .conn
            .query_row(
                "SELECT day, events, state, sha256 FROM checkpoints WHERE run_id = ?1 ORDER BY day DESC LIMIT 1",
                [run],
                |row| {
                    Ok(CheckpointRow {
                        day: row.get(0)?,
                        events: row.get::<_, i64>(1)? as u64,
                        state: row.get(2)?,
                        sha256: row.get(3)?,
                    })
                },
            )
            .optional()
            .at(&self.path)?;
        if let Some(checkpoint) = &row
            && crate::sha256_hex(&checkpoint.state) != checkpoint.sha256
        {
            return Err(self.invalid(format!(
                "the checkpoint of run {run} after day {} does not match its hash",
                checkpoint.day + 1
            )));
        }
        Ok(row)
    }

    /// Removes what a run wrote after its checkpoint (events past `events`, day rows
    /// past `day`, audit records of later days), so that a resume continues from
    /// exactly the checkpoint. The audit chain's head goes back to the one written
    /// with `day` (or with the last day before it that wrote audit records).
    pub fn truncate_after(&mut self, run: i64, day: u32, events: u64) -> Result<(), StoreError> {
        let tx = write_transaction(&mut self.conn, &self.path)?;
        // First: the days after the checkpoint are no longer completed, which is what
        // lets the audit tables' triggers allow removing their records.
        tx.execute(
            "UPDATE runs SET days_completed = ?2, events = ?3 WHERE id = ?1",
            params![run, day + 1, events as i64],
        )
        .at(&self.path)?;
        // Blocks end at day ends, so none straddles the checkpoint.
        tx.execute(
            "DELETE FROM event_blocks WHERE run_id = ?1 AND first_seq >= ?2",
            params![run, events as i64],
        )
        .at(&self.path)?;
        for table in [
            "event_days",
            "agent_day_metrics",
            "policy_states",
            "checkpoints",
            "audit_records",
            "audit_heads",
        ] {
            tx.execute(
                &format!("DELETE FROM {table} WHERE run_id = ?1 AND day > ?2"),
                params![run, day],
            )
            .at(&self.path)?;
        }
        tx.commit().at(&self.path)
    }

    /// Every row `sql` returns, mapped.
    pub(crate) fn all<T>(
        &self,
        sql: &str,
        params: impl rusqlite::Params,
        map: impl FnMut(&Row<'_>) -> rusqlite::Result<T>,
    ) -> Result<Vec<T>, StoreError> {
        let mut statement = self.conn.prepare(sql).at(&self.path)?;
        statement
            .query_map(params, map)
            .at(&self.path)?
            .collect::<Result<Vec<_>, _>>()
            .at(&self.path)
    }

    fn require(&self, changed: usize, run: i64) -> Result<(), StoreError> {
        if changed == 0 {
            return Err(StoreError::NoRun {
                path: self.path.clone(),
                run,
            });
        }
        Ok(())
    }

    fn invalid(&self, message: String) -> StoreError {
        StoreError::Invalid {
            path: self.path.clone(),
            message,
        }
    }
}

const RUN_COLUMNS: &str = "SELECT id, seed, code_version, status, days_total, days_completed,
    events, event_log_hash, error, state_from_run, started_at, ended_at, inputs_sha256 FROM runs";

/// A run row; the inner error is a status the schema's check should have refused.
fn run_row(row: &Row<'_>) -> rusqlite::Result<Result<RunRow, String>> {
    let status: String = row.get(3)?;
    let Some(status) = RunStatus::parse(&status) else {
        return Ok(Err(format!("a run has the unknown status {status:?}")));
    };
    Ok(Ok(RunRow {
        id: row.get(0)?,
        seed: row.get::<_, i64>(1)? as u64,
        code_version: row.get(2)?,
        status,
        days_total: row.get(4)?,
        days_completed: row.get(5)?,
        events: row.get::<_, i64>(6)? as u64,
        event_log_hash: row.get(7)?,
        error: row.get(8)?,
        state_from_run: row.get(9)?,
        started_at: row.get(10)?,
        ended_at: row.get(11)?,
        inputs_sha256: row.get(12)?,
    }))
}

/// Money stored as decimal text (schema 3), read exactly. An integer (a value
/// written behind the store's back) reads too; anything else is an error naming the
/// column, never a rounded figure.
fn money(row: &Row<'_>, index: usize) -> rusqlite::Result<i128> {
    use rusqlite::types::{FromSqlError, Type, ValueRef};
    let bad = |kind: Type, message: String| {
        rusqlite::Error::FromSqlConversionFailure(
            index,
            kind,
            Box::<dyn std::error::Error + Send + Sync>::from(message),
        )
    };
    match row.get_ref(index)? {
        ValueRef::Integer(n) => Ok(i128::from(n)),
        ValueRef::Text(text) => std::str::from_utf8(text)
            .ok()
            .and_then(|t| t.parse::<i128>().ok())
            .ok_or_else(|| {
                bad(
                    Type::Text,
                    format!(
                        "{:?} is not a whole number of cents",
                        String::from_utf8_lossy(text)
                    ),
                )
            }),
        other => Err(rusqlite::Error::FromSqlConversionFailure(
            index,
            other.data_type(),
            Box::new(FromSqlError::InvalidType),
        )),
    }
}

/// Puts the database in WAL mode, and returns the mode it is in. Switching a new
/// file to WAL takes an exclusive lock for which SQLite does not wait: when another
/// process is creating the same file at that moment, this waits for it (up to the
/// busy timeout) instead of failing at once.
fn wal_mode(conn: &Connection, path: &Path) -> Result<String, StoreError> {
    let started = std::time::Instant::now();
    loop {
        match conn.query_row("PRAGMA journal_mode = WAL", [], |row| row.get(0)) {
            Err(error)
                if error.sqlite_error_code() == Some(rusqlite::ErrorCode::DatabaseBusy)
                    && started.elapsed() < BUSY_TIMEOUT =>
            {
                std::thread::sleep(Duration::from_millis(5));
            }
            other => return other.at(path),
        }
    }
}

/// A transaction that takes the write lock as it begins (waiting the busy timeout
/// for another writer): one that took it at its first write could find another
/// process's commit in between and fail at once, without waiting.
pub(crate) fn write_transaction<'c>(
    conn: &'c mut Connection,
    path: &Path,
) -> Result<rusqlite::Transaction<'c>, StoreError> {
    conn.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)
        .at(path)
}

/// Seconds since the Unix epoch: a timestamp for people, never a simulation input.
pub(crate) fn unix_now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs() as i64)
}
