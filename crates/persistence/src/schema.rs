//! The schema, as numbered migrations. `PRAGMA user_version` records how many have
//! run; opening a store runs the rest, each in its own transaction. A migration is
//! never edited once released: a change is a new migration.

use crate::error::{AtPath, StoreError};
use rusqlite::Connection;
use std::path::Path;

/// Migrations, in order; the schema version is how many have run.
const MIGRATIONS: &[&str] = &[
    // 1: the first schema.
    r"
    CREATE TABLE runs (
        id              INTEGER PRIMARY KEY,
        scenario        TEXT NOT NULL,      -- the scenario as JSON, with the overrides applied
        files           TEXT NOT NULL,      -- JSON: every file the scenario read, path -> text
        seed            INTEGER NOT NULL,
        code_version    TEXT NOT NULL,
        status          TEXT NOT NULL
                        CHECK (status IN ('running', 'completed', 'failed', 'interrupted')),
        days_total      INTEGER NOT NULL,
        days_completed  INTEGER NOT NULL DEFAULT 0,
        events          INTEGER NOT NULL DEFAULT 0,
        event_log_hash  TEXT,
        error           TEXT,
        state_from_run  INTEGER REFERENCES runs(id),
        started_at      INTEGER NOT NULL,   -- unix seconds; metadata, never an input
        ended_at        INTEGER
    );

    CREATE TABLE events (
        run_id   INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
        seq      INTEGER NOT NULL,          -- 0-based position in the event log
        tick     INTEGER NOT NULL,
        day      INTEGER NOT NULL,
        kind     TEXT NOT NULL,
        agent    TEXT,
        tx       INTEGER,
        amount   INTEGER,
        details  TEXT NOT NULL,             -- the event's JSON line, exactly as hashed
        PRIMARY KEY (run_id, seq)
    ) WITHOUT ROWID;

    CREATE TABLE agent_day_metrics (
        run_id          INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
        day             INTEGER NOT NULL,
        agent           TEXT NOT NULL,
        balance         INTEGER NOT NULL,
        payments        INTEGER NOT NULL,
        settled         INTEGER NOT NULL,
        settled_value   INTEGER NOT NULL,
        dropped         INTEGER NOT NULL,
        unsettled       INTEGER NOT NULL,
        peak_overdraft  INTEGER NOT NULL,
        policy_errors   INTEGER NOT NULL,
        cost_overdraft  INTEGER NOT NULL,
        cost_delay      INTEGER NOT NULL,
        cost_deadline   INTEGER NOT NULL,
        cost_eod        INTEGER NOT NULL,
        cost_collateral INTEGER NOT NULL,
        cost_split      INTEGER NOT NULL,
        PRIMARY KEY (run_id, day, agent)
    );

    CREATE TABLE policy_states (
        run_id  INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
        day     INTEGER NOT NULL,
        agent   TEXT NOT NULL,
        state   TEXT NOT NULL,              -- JSON
        PRIMARY KEY (run_id, day, agent)
    );

    CREATE TABLE policy_versions (
        policy_id       TEXT NOT NULL,
        version         INTEGER NOT NULL,
        kind            TEXT NOT NULL,
        source          TEXT NOT NULL,
        sha256          TEXT NOT NULL,
        parent_version  INTEGER,
        created_by      TEXT NOT NULL,
        created_at      INTEGER NOT NULL,   -- unix seconds
        PRIMARY KEY (policy_id, version),
        UNIQUE (policy_id, sha256)
    );

    CREATE TABLE run_policies (
        run_id     INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
        agent      TEXT NOT NULL,
        policy_id  TEXT NOT NULL,
        version    INTEGER NOT NULL,
        PRIMARY KEY (run_id, agent),
        FOREIGN KEY (policy_id, version) REFERENCES policy_versions(policy_id, version)
    );

    CREATE TABLE checkpoints (
        run_id  INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
        day     INTEGER NOT NULL,           -- the last day completed
        events  INTEGER NOT NULL,           -- events in the log at that point
        state   BLOB NOT NULL,
        sha256  TEXT NOT NULL,
        PRIMARY KEY (run_id, day)
    );
    ",
];

/// The schema version this code writes.
pub const SCHEMA_VERSION: i64 = MIGRATIONS.len() as i64;

/// Brings the schema of `conn` (the database at `path`) up to [`SCHEMA_VERSION`].
pub(crate) fn migrate(conn: &mut Connection, path: &Path) -> Result<(), StoreError> {
    let found: i64 = conn
        .query_row("PRAGMA user_version", [], |row| row.get(0))
        .at(path)?;
    if found > SCHEMA_VERSION {
        return Err(StoreError::TooNew {
            path: path.to_path_buf(),
            found,
            known: SCHEMA_VERSION,
        });
    }
    for (index, migration) in MIGRATIONS.iter().enumerate().skip(found.max(0) as usize) {
        let tx = conn.transaction().at(path)?;
        tx.execute_batch(migration).at(path)?;
        tx.pragma_update(None, "user_version", index as i64 + 1)
            .at(path)?;
        tx.commit().at(path)?;
    }
    Ok(())
}
