//! The audit chain's rows: written by [`crate::RunWriter`] inside a day's
//! transaction, read back by [`Store`] exactly as stored.

use crate::error::{AtPath, StoreError};
use crate::records::AuditRow;
use crate::store::Store;
use rusqlite::types::ValueRef;
use rusqlite::{OptionalExtension, Row, params};

impl Store {
    /// A run's audit rows in seq order, as stored: a tampered row comes back
    /// tampered (text that is not UTF-8 with U+FFFD in place of the bad bytes), so
    /// that the chain check sees it and names it.
    pub fn audit_rows(&self, run: i64) -> Result<Vec<AuditRow>, StoreError> {
        self.run(run)?;
        self.all(
            "SELECT seq, day, tick, kind, body, prev_hash, hash FROM audit_records
             WHERE run_id = ?1 ORDER BY seq",
            [run],
            |row| {
                Ok(AuditRow {
                    seq: row.get(0)?,
                    day: row.get(1)?,
                    tick: row.get(2)?,
                    kind: text_as_stored(row, 3)?,
                    body: text_as_stored(row, 4)?,
                    prev_hash: text_as_stored(row, 5)?,
                    hash: text_as_stored(row, 6)?,
                })
            },
        )
    }

    /// The head of a run's audit chain, written with its last committed day:
    /// (records in the chain, the last one's hash). `None` when the run has not
    /// committed any audit record.
    pub fn audit_head(&self, run: i64) -> Result<Option<(u64, String)>, StoreError> {
        self.run(run)?;
        latest_head(self, run)
    }
}

/// The latest head of `run`'s chain.
fn latest_head(store: &Store, run: i64) -> Result<Option<(u64, String)>, StoreError> {
    store
        .conn
        .query_row(
            "SELECT records, last_hash FROM audit_heads WHERE run_id = ?1
             ORDER BY day DESC LIMIT 1",
            [run],
            |row| Ok((row.get(0)?, text_as_stored(row, 1)?)),
        )
        .optional()
        .at(&store.path)
}

/// How many audit records `run` has committed: where the writer's count starts.
pub(crate) fn committed_records(store: &Store, run: i64) -> Result<u64, StoreError> {
    Ok(latest_head(store, run)?.map_or(0, |(records, _)| records))
}

/// Inserts `rows` (after `records_before` committed or pending records) and moves
/// the chain head past them, in the open transaction. Returns the new record count.
pub(crate) fn insert_rows(
    store: &Store,
    run: i64,
    records_before: u64,
    rows: &[AuditRow],
) -> Result<u64, StoreError> {
    let path = &store.path;
    let Some(last) = rows.last() else {
        return Ok(records_before);
    };
    let mut insert = store
        .conn
        .prepare_cached(
            "INSERT INTO audit_records (run_id, seq, day, tick, kind, body, prev_hash, hash)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
        )
        .at(path)?;
    for row in rows {
        insert
            .execute(params![
                run,
                row.seq,
                row.day,
                row.tick,
                row.kind,
                row.body,
                row.prev_hash,
                row.hash
            ])
            .at(path)?;
    }
    // Counted from what the writer wrote, not from the table: a head recomputed from
    // the records would vouch for whatever they have become.
    let records = records_before + rows.len() as u64;
    store
        .conn
        .prepare_cached(
            "INSERT INTO audit_heads (run_id, day, records, last_hash) VALUES (?1, ?2, ?3, ?4)
             ON CONFLICT (run_id, day) DO UPDATE
             SET records = excluded.records, last_hash = excluded.last_hash",
        )
        .at(path)?
        .execute(params![run, last.day, records, last.hash])
        .at(path)?;
    Ok(records)
}

/// Column `index` as text, whatever SQLite holds there: a value changed behind the
/// store's back (to a blob, a number, bytes that are not UTF-8) must still come back,
/// so that the chain check, not a read error, says which record it is.
pub(crate) fn text_as_stored(row: &Row<'_>, index: usize) -> rusqlite::Result<String> {
    Ok(match row.get_ref(index)? {
        ValueRef::Text(bytes) | ValueRef::Blob(bytes) => {
            String::from_utf8_lossy(bytes).into_owned()
        }
        ValueRef::Integer(n) => n.to_string(),
        ValueRef::Real(x) => x.to_string(),
        ValueRef::Null => String::new(),
    })
}
