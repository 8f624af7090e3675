//! The schema, as numbered migrations. `PRAGMA user_version` records how many have
//! run; opening a store runs the rest, each in its own transaction. A migration is
//! never edited once released: a change is a new migration.

use crate::error::{AtPath, StoreError};
use rusqlite::{Connection, TransactionBehavior};
use std::path::Path;

/// Migrations, in order; the schema version is how many have run.
pub(crate) const MIGRATIONS: &[&str] = &[
    // 1: the first schema.
    r"
    CREATE TABLE runs (
        id              INTEGER PRIMARY KEY,
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

    -- What a run was given, written once (apart from `runs`, which changes every day).
    CREATE TABLE run_inputs (
        run_id    INTEGER PRIMARY KEY REFERENCES runs(id) ON DELETE CASCADE,
        scenario  TEXT NOT NULL,            -- the scenario as JSON, with the overrides applied
        files     TEXT NOT NULL             -- JSON: every file the scenario read, path -> text
    );

    -- Events are stored in blocks of consecutive events of one day, each block the
    -- event log's own lines (one JSON object per line, newline-terminated, exactly
    -- as hashed): one row per few thousand events keeps writing fast and the store
    -- about the size of the log. The `events` view gives one row per event.
    CREATE TABLE event_blocks (
        run_id     INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
        first_seq  INTEGER NOT NULL,        -- 0-based position in the event log
        count      INTEGER NOT NULL,
        day        INTEGER NOT NULL,
        lines      TEXT NOT NULL
    );
    CREATE UNIQUE INDEX event_blocks_by_run ON event_blocks (run_id, first_seq);

    -- One row per event. `agent` is the agent the event is about (a payment's
    -- sender); `amount` the money it moves or charges (for tick_costs, the sum of
    -- its three costs).
    CREATE VIEW events AS
        SELECT b.run_id                              AS run_id,
               b.first_seq + CAST(e.key AS INTEGER)  AS seq,
               e.value ->> 'tick'                    AS tick,
               b.day                                 AS day,
               e.value ->> 'kind'                    AS kind,
               coalesce(e.value ->> 'agent', e.value ->> 'from') AS agent,
               e.value ->> 'tx'                      AS tx,
               CASE e.value ->> 'kind'
                   WHEN 'tick_costs' THEN (e.value ->> 'overdraft') + (e.value ->> 'delay')
                                          + (e.value ->> 'collateral')
                   WHEN 'collateral_posted' THEN e.value ->> 'posted'
                   WHEN 'collateral_refused' THEN e.value ->> 'requested'
                   WHEN 'lsm_settled' THEN e.value ->> 'value'
                   WHEN 'split' THEN e.value ->> 'friction_cost'
                   ELSE coalesce(e.value ->> 'amount', e.value ->> 'penalty')
               END                                   AS amount,
               e.value                               AS details
        FROM event_blocks AS b,
             json_each('[' || replace(rtrim(b.lines, char(10)), char(10), ',') || ']') AS e;

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
    // 2: the governance audit chain. The records are append-only; the head (how many
    // records, and the last one's hash) is kept apart, one row per day that wrote
    // records, so that records removed from the end are detected and a resume from
    // day D falls back to the head written with day D rather than one recomputed
    // from records that may have been tampered with. No ON DELETE CASCADE: removing
    // a run must not quietly remove its audit trail.
    r"
    CREATE TABLE audit_records (
        run_id     INTEGER NOT NULL REFERENCES runs(id),
        seq        INTEGER NOT NULL,        -- position in the chain, from 0
        day        INTEGER NOT NULL,
        tick       INTEGER NOT NULL,
        kind       TEXT NOT NULL,
        body       TEXT NOT NULL,           -- canonical JSON, exactly as hashed
        prev_hash  TEXT NOT NULL,
        hash       TEXT NOT NULL,           -- SHA-256 of body, lowercase hex
        PRIMARY KEY (run_id, seq)
    ) WITHOUT ROWID;

    -- A guard against accidents, not against an attacker (who can drop it): the
    -- chain itself is what shows a change.
    CREATE TRIGGER audit_records_are_append_only BEFORE UPDATE ON audit_records
    BEGIN
        SELECT RAISE(ABORT, 'audit records are append-only');
    END;

    CREATE TABLE audit_heads (
        run_id     INTEGER NOT NULL REFERENCES runs(id),
        day        INTEGER NOT NULL,        -- the day whose commit wrote this head
        records    INTEGER NOT NULL,        -- records in the chain up to that day
        last_hash  TEXT NOT NULL,           -- the hash of the last of them
        PRIMARY KEY (run_id, day)
    ) WITHOUT ROWID;
    ",
    // 3: stored runs bound to what they say they are, and money stored exactly.
    // - `runs.inputs_sha256`: the fingerprint of the scenario and policy texts the run
    //   was started with (NULL for runs written before it existed).
    // - `event_days`: each completed day's events (first seq, count, SHA-256 of the
    //   day's lines), written with the day, so that a check can name the day whose
    //   stored events were edited or removed.
    // - Money in `agent_day_metrics` as decimal text: cumulative costs are wider than
    //   SQLite's 64-bit integers (an INTEGER column would turn a larger value into an
    //   approximate REAL). The table is rebuilt, its rows copied in their order.
    // - Audit records and heads of completed days cannot be deleted (and a head of a
    //   completed day not changed); a resume first moves `days_completed` back to its
    //   checkpoint, and then may remove the records of the days after it.
    r"
    ALTER TABLE runs ADD COLUMN inputs_sha256 TEXT;

    CREATE TABLE event_days (
        run_id     INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
        day        INTEGER NOT NULL,
        first_seq  INTEGER NOT NULL,        -- the day's first event in the log
        events     INTEGER NOT NULL,        -- how many events the day has
        sha256     TEXT NOT NULL,           -- SHA-256 of the day's lines, lowercase hex
        PRIMARY KEY (run_id, day)
    ) WITHOUT ROWID;

    CREATE TABLE agent_day_metrics_v3 (
        run_id          INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
        day             INTEGER NOT NULL,
        agent           TEXT NOT NULL,
        balance         TEXT NOT NULL,      -- money: decimal integer cents, as text
        payments        INTEGER NOT NULL,
        settled         INTEGER NOT NULL,
        settled_value   TEXT NOT NULL,
        dropped         INTEGER NOT NULL,
        unsettled       INTEGER NOT NULL,
        peak_overdraft  TEXT NOT NULL,
        policy_errors   INTEGER NOT NULL,
        cost_overdraft  TEXT NOT NULL,
        cost_delay      TEXT NOT NULL,
        cost_deadline   TEXT NOT NULL,
        cost_eod        TEXT NOT NULL,
        cost_collateral TEXT NOT NULL,
        cost_split      TEXT NOT NULL,
        PRIMARY KEY (run_id, day, agent)
    );
    INSERT INTO agent_day_metrics_v3
        SELECT run_id, day, agent, CAST(balance AS TEXT), payments, settled,
               CAST(settled_value AS TEXT), dropped, unsettled, CAST(peak_overdraft AS TEXT),
               policy_errors, CAST(cost_overdraft AS TEXT), CAST(cost_delay AS TEXT),
               CAST(cost_deadline AS TEXT), CAST(cost_eod AS TEXT),
               CAST(cost_collateral AS TEXT), CAST(cost_split AS TEXT)
        FROM agent_day_metrics ORDER BY run_id, day, rowid;
    DROP TABLE agent_day_metrics;
    ALTER TABLE agent_day_metrics_v3 RENAME TO agent_day_metrics;

    CREATE TRIGGER audit_records_of_completed_days_stay BEFORE DELETE ON audit_records
    WHEN OLD.day < (SELECT days_completed FROM runs WHERE id = OLD.run_id)
    BEGIN
        SELECT RAISE(ABORT, 'audit records are append-only');
    END;

    CREATE TRIGGER audit_heads_of_completed_days_stay BEFORE DELETE ON audit_heads
    WHEN OLD.day < (SELECT days_completed FROM runs WHERE id = OLD.run_id)
    BEGIN
        SELECT RAISE(ABORT, 'audit heads of completed days are append-only');
    END;

    CREATE TRIGGER audit_heads_of_completed_days_are_fixed BEFORE UPDATE ON audit_heads
    WHEN OLD.day < (SELECT days_completed FROM runs WHERE id = OLD.run_id)
    BEGIN
        SELECT RAISE(ABORT, 'audit heads of completed days are append-only');
    END;
    ",
    // 4: the policy registry with its lifecycle (see `lifecycle/`): every
    // version an agent has had or was offered, with its status, and the registry's
    // own audit chain. The chain is stored as a run's is (records and a head kept
    // apart), in tables of its own with no run: a registry record can never be read
    // as a run's, nor a run's as the registry's, and the two chains start from
    // different genesis hashes. Times are metadata, never in a hash.
    r"
    CREATE TABLE registry_versions (
        id               INTEGER PRIMARY KEY,
        agent            TEXT NOT NULL,
        language         TEXT NOT NULL CHECK (language IN ('starlark', 'json', 'builtin')),
        text             TEXT NOT NULL,
        sha256           TEXT NOT NULL,      -- SHA-256 of text, lowercase hex
        parent_id        INTEGER REFERENCES registry_versions(id),
        author           TEXT NOT NULL,      -- the principal who added it
        created_at       INTEGER NOT NULL,   -- unix seconds; metadata, never hashed
        status           TEXT NOT NULL
                         CHECK (status IN ('proposed', 'accepted', 'rejected',
                                           'pending_approval', 'deployed', 'rolled_back')),
        -- The version that was deployed for the agent when this one was: what a
        -- rollback of this one restores.
        replaced_id      INTEGER REFERENCES registry_versions(id),
        -- Who asked for the deployment waiting for approval (the approver must be
        -- someone else).
        requested_by     TEXT,
        evaluation       TEXT,               -- JSON: the compare report that decided it
        evaluation_sha256 TEXT,
        UNIQUE (agent, sha256)
    );
    CREATE UNIQUE INDEX registry_one_deployed_per_agent
        ON registry_versions (agent) WHERE status = 'deployed';

    CREATE TABLE registry_audit_records (
        seq        INTEGER PRIMARY KEY,      -- position in the chain, from 0
        version_id INTEGER NOT NULL,         -- the version the transition is about
        day        INTEGER NOT NULL,         -- always 0: the registry has no simulated time
        tick       INTEGER NOT NULL,         -- always 0
        kind       TEXT NOT NULL,
        body       TEXT NOT NULL,            -- canonical JSON, exactly as hashed
        prev_hash  TEXT NOT NULL,
        hash       TEXT NOT NULL
    ) WITHOUT ROWID;

    CREATE TRIGGER registry_audit_records_are_append_only BEFORE UPDATE ON registry_audit_records
    BEGIN
        SELECT RAISE(ABORT, 'audit records are append-only');
    END;
    CREATE TRIGGER registry_audit_records_stay BEFORE DELETE ON registry_audit_records
    BEGIN
        SELECT RAISE(ABORT, 'audit records are append-only');
    END;

    -- One row: how many records the chain has and the last one's hash.
    CREATE TABLE registry_audit_head (
        id         INTEGER PRIMARY KEY CHECK (id = 0),
        records    INTEGER NOT NULL,
        last_hash  TEXT NOT NULL
    );
    ",
    // 5: the improvement loop (`rtgsim optimize --db`): each optimisation and each of
    // its iterations with the prompt, the proposer's reply, the outcome and the
    // registry version the candidate became (none for an invalid candidate or a
    // proposer that gave none).
    r"
    CREATE TABLE optimizations (
        id          INTEGER PRIMARY KEY,
        agent       TEXT NOT NULL,
        scenario    TEXT NOT NULL,       -- the scenario's name (its path)
        proposer    TEXT NOT NULL,
        options     TEXT NOT NULL,       -- JSON: iterations, samples, mode, seed, ...
        started_at  INTEGER NOT NULL,    -- unix seconds; metadata
        stopped     TEXT                 -- why it stopped; NULL while it runs
    );

    CREATE TABLE optimization_iterations (
        optimization_id INTEGER NOT NULL REFERENCES optimizations(id),
        iteration       INTEGER NOT NULL,
        prompt          TEXT NOT NULL,   -- JSON, as the proposer read it
        reply           TEXT,            -- as the proposer wrote it
        outcome         TEXT NOT NULL
                        CHECK (outcome IN ('accepted', 'rejected', 'invalid', 'proposer_failed')),
        reasons         TEXT NOT NULL,   -- JSON array of strings
        findings        TEXT NOT NULL,   -- JSON array of strings
        version_id      INTEGER REFERENCES registry_versions(id),
        PRIMARY KEY (optimization_id, iteration)
    ) WITHOUT ROWID;
    ",
    // 6: the daily costs of issue 16 (the liquidity cost and end-of-day borrowing)
    // in each agent's end-of-day figures, 0 for the rows written before; the
    // `events` view gives a `day_costs` event both costs as its amount and an
    // `eod_loan_repaid` event what was repaid.
    r"
    ALTER TABLE agent_day_metrics ADD COLUMN cost_liquidity TEXT NOT NULL DEFAULT '0';
    ALTER TABLE agent_day_metrics ADD COLUMN cost_borrowing TEXT NOT NULL DEFAULT '0';

    DROP VIEW events;
    CREATE VIEW events AS
        SELECT b.run_id                              AS run_id,
               b.first_seq + CAST(e.key AS INTEGER)  AS seq,
               e.value ->> 'tick'                    AS tick,
               b.day                                 AS day,
               e.value ->> 'kind'                    AS kind,
               coalesce(e.value ->> 'agent', e.value ->> 'from') AS agent,
               e.value ->> 'tx'                      AS tx,
               CASE e.value ->> 'kind'
                   WHEN 'tick_costs' THEN (e.value ->> 'overdraft') + (e.value ->> 'delay')
                                          + (e.value ->> 'collateral')
                   WHEN 'day_costs' THEN (e.value ->> 'liquidity') + (e.value ->> 'borrowing')
                   WHEN 'eod_loan_repaid' THEN e.value ->> 'repaid'
                   WHEN 'collateral_posted' THEN e.value ->> 'posted'
                   WHEN 'collateral_refused' THEN e.value ->> 'requested'
                   WHEN 'lsm_settled' THEN e.value ->> 'value'
                   WHEN 'split' THEN e.value ->> 'friction_cost'
                   ELSE coalesce(e.value ->> 'amount', e.value ->> 'penalty')
               END                                   AS amount,
               e.value                               AS details
        FROM event_blocks AS b,
             json_each('[' || replace(rtrim(b.lines, char(10)), char(10), ',') || ']') AS e;
    ",
];

/// The schema version this code writes.
pub const SCHEMA_VERSION: i64 = MIGRATIONS.len() as i64;

/// Brings the schema of `conn` (the database at `path`) up to [`SCHEMA_VERSION`].
///
/// Safe when several processes open the same new file at once: the version is read
/// again under a write lock (`BEGIN IMMEDIATE`, which waits the busy timeout for
/// another creator to finish), so only one of them runs each migration and the
/// others find the schema already there.
pub(crate) fn migrate(conn: &mut Connection, path: &Path) -> Result<(), StoreError> {
    if schema_version(conn, path)? == SCHEMA_VERSION {
        return Ok(());
    }
    let tx = conn
        .transaction_with_behavior(TransactionBehavior::Immediate)
        .at(path)?;
    let found = schema_version(&tx, path)?;
    for (index, migration) in MIGRATIONS.iter().enumerate().skip(found.max(0) as usize) {
        tx.execute_batch(migration).at(path)?;
        tx.pragma_update(None, "user_version", index as i64 + 1)
            .at(path)?;
    }
    tx.commit().at(path)
}

/// The database's schema version, refused when a newer rtgsim wrote it.
pub(crate) fn schema_version(conn: &Connection, path: &Path) -> Result<i64, StoreError> {
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
    Ok(found)
}

#[cfg(test)]
#[allow(clippy::unwrap_used)] // tests fail loudly
mod tests {
    use super::*;
    use crate::Store;

    #[test]
    fn a_version_1_database_migrates_and_keeps_its_runs() {
        let dir = std::env::temp_dir().join(format!("rtgsim-schema-v1-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("runs.db");
        let conn = Connection::open(&path).unwrap();
        conn.execute_batch(MIGRATIONS[0]).unwrap();
        conn.pragma_update(None, "user_version", 1).unwrap();
        conn.execute(
            "INSERT INTO runs (seed, code_version, status, days_total, started_at)
             VALUES (7, '0.1.0', 'completed', 2, 0)",
            [],
        )
        .unwrap();
        drop(conn);

        let store = Store::open(&path).unwrap();
        let version: i64 = store
            .conn
            .query_row("PRAGMA user_version", [], |row| row.get(0))
            .unwrap();
        assert_eq!(version, SCHEMA_VERSION);
        assert_eq!(store.run(1).unwrap().seed, 7);
        assert_eq!(store.audit_rows(1).unwrap(), vec![]);
        assert_eq!(store.audit_head(1).unwrap(), None);
    }
}
