//! The policy registry's lifecycle: every version an agent has had or was offered,
//! its status, the checked transitions between statuses, and the registry's own
//! audit chain, written in the same transaction as each transition.
//!
//! ```text
//!   add ──> proposed ──accept──> accepted
//!             │  │                  │
//!             │  └──────deploy──────┤── RBAC ALLOW ─────────────> deployed
//!             │                     └── RBAC REQUIRE_APPROVAL ──> pending_approval ──approve──> deployed
//!             └─reject─> rejected <──reject── (proposed, accepted, pending_approval)
//!   deployed ──rollback──> rolled_back, and the version it replaced deployed again
//!   deployed ──another version deployed──> accepted
//! ```
//!
//! The store checks which transitions are allowed and keeps at most one deployed
//! version per agent (a unique index says so too). It does not decide who may make
//! a transition (RBAC is the caller's) and does not build audit records: the caller
//! seals each transition into a record (see [`Sealer`]), given the chain position
//! inside the write transaction, so that concurrent writers cannot fork the chain.

mod status;
#[cfg(test)]
mod tests;

pub use status::{
    NewRegistryVersion, PolicyLanguage, RegistryVersion, Sealer, StatusChange, Transition,
    VersionStatus,
};

use crate::error::{AtPath, StoreError};
use crate::records::AuditRow;
use crate::store::{Store, unix_now, write_transaction};
use rusqlite::{OptionalExtension, Row, Transaction, params};
use std::path::Path;

impl Store {
    /// Adds a proposed version and its audit record. Refused when the agent already
    /// has a version with the same text, or the parent is not a version of the agent.
    pub fn add_registry_version(
        &mut self,
        new: &NewRegistryVersion,
        seal: Sealer<'_>,
    ) -> Result<Transition, StoreError> {
        let path = self.path.clone();
        let tx = write_transaction(&mut self.conn, &path)?;
        let sha256 = crate::sha256_hex(new.text.as_bytes());
        let same_text: Option<(i64, String)> = tx
            .query_row(
                "SELECT id, status FROM registry_versions WHERE agent = ?1 AND sha256 = ?2",
                params![new.agent, sha256],
                |row| Ok((row.get(0)?, row.get(1)?)),
            )
            .optional()
            .at(&path)?;
        if let Some((id, status)) = same_text {
            return Err(refused(
                &path,
                format!(
                    "{}'s policy registry already has this text as version {id} ({status}); nothing added",
                    new.agent
                ),
            ));
        }
        if let Some(parent) = new.parent_id {
            let parent = version_in(&tx, &path, parent)?;
            if parent.agent != new.agent {
                return Err(refused(
                    &path,
                    format!(
                        "the parent, version {}, is {}'s, not {}'s",
                        parent.id, parent.agent, new.agent
                    ),
                ));
            }
        }
        tx.execute(
            "INSERT INTO registry_versions (agent, language, text, sha256, parent_id, author,
                                            created_at, status)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, 'proposed')",
            params![
                new.agent,
                new.language.as_str(),
                new.text,
                sha256,
                new.parent_id,
                new.author,
                unix_now()
            ],
        )
        .at(&path)?;
        let id = tx.last_insert_rowid();
        let transition = Transition {
            change: "add",
            version: version_in(&tx, &path, id)?,
            from: None,
            other: None,
        };
        append_audit(&tx, &path, &transition, seal)?;
        tx.commit().at(&path)?;
        Ok(transition)
    }

    /// Makes `change` to version `id` and records it in the audit chain, in one
    /// transaction; refused (nothing written) when the version's status does not
    /// allow it.
    pub fn change_registry_status(
        &mut self,
        id: i64,
        change: &StatusChange,
        seal: Sealer<'_>,
    ) -> Result<Transition, StoreError> {
        let path = self.path.clone();
        let tx = write_transaction(&mut self.conn, &path)?;
        let version = version_in(&tx, &path, id)?;
        let from = version.status;
        if !change.allowed_from().contains(&from) {
            return Err(refused(&path, not_allowed(&version, change)));
        }
        let to = change.target();
        let mut other = None;
        match change {
            StatusChange::Accept | StatusChange::Reject => {
                set_status(&tx, &path, id, to, None)?;
            }
            StatusChange::RequestApproval { requested_by } => {
                set_status(&tx, &path, id, to, Some(requested_by))?;
            }
            StatusChange::Deploy | StatusChange::Approve => {
                let current = deployed_in(&tx, &path, &version.agent)?;
                // The current version steps down first: the unique index allows one
                // deployed version per agent at every moment.
                if let Some(current) = &current {
                    set_status(&tx, &path, current.id, VersionStatus::Accepted, None)?;
                    other = Some((current.id, VersionStatus::Deployed, VersionStatus::Accepted));
                }
                tx.execute(
                    "UPDATE registry_versions SET status = 'deployed', requested_by = NULL,
                            replaced_id = ?2 WHERE id = ?1",
                    params![id, current.map(|c| c.id)],
                )
                .at(&path)?;
            }
            StatusChange::Rollback => {
                let Some(previous_id) = version.replaced_id else {
                    return Err(refused(
                        &path,
                        format!(
                            "version {id} ({}) replaced no deployed version: there is nothing to roll back to; deploy another version instead",
                            version.agent
                        ),
                    ));
                };
                let previous = version_in(&tx, &path, previous_id)?;
                if previous.status != VersionStatus::Accepted {
                    return Err(refused(
                        &path,
                        format!(
                            "version {id} ({}) replaced version {previous_id}, which is now {}: it cannot be deployed again by a rollback",
                            version.agent, previous.status
                        ),
                    ));
                }
                set_status(&tx, &path, id, to, None)?;
                set_status(&tx, &path, previous_id, VersionStatus::Deployed, None)?;
                other = Some((
                    previous_id,
                    VersionStatus::Accepted,
                    VersionStatus::Deployed,
                ));
            }
        }
        let transition = Transition {
            change: change.name(),
            version: version_in(&tx, &path, id)?,
            from: Some(from),
            other,
        };
        append_audit(&tx, &path, &transition, seal)?;
        tx.commit().at(&path)?;
        Ok(transition)
    }

    /// Attaches the evaluation that decides a proposed version (a compare report,
    /// any JSON document), replacing one attached before. Refused once the version
    /// has been decided on: the audit records of its transitions carry the
    /// evaluation's SHA-256, so the evaluation that decided it stays the stored one.
    pub fn attach_evaluation(&mut self, id: i64, evaluation_json: &str) -> Result<(), StoreError> {
        let path = self.path.clone();
        if let Err(error) = serde_json::from_str::<serde_json::Value>(evaluation_json) {
            return Err(refused(
                &path,
                format!("the evaluation for version {id} is not JSON: {error}"),
            ));
        }
        let tx = write_transaction(&mut self.conn, &path)?;
        let version = version_in(&tx, &path, id)?;
        if version.status != VersionStatus::Proposed {
            return Err(refused(
                &path,
                format!(
                    "version {id} ({}) is {}: an evaluation is attached only to a proposed version",
                    version.agent, version.status
                ),
            ));
        }
        tx.execute(
            "UPDATE registry_versions SET evaluation = ?2, evaluation_sha256 = ?3 WHERE id = ?1",
            params![
                id,
                evaluation_json,
                crate::sha256_hex(evaluation_json.as_bytes())
            ],
        )
        .at(&path)?;
        tx.commit().at(&path)
    }

    /// One version.
    pub fn registry_version(&self, id: i64) -> Result<RegistryVersion, StoreError> {
        version_by_id(&self.conn, &self.path, id)
    }

    /// Every version (of `agent`, when given), by id.
    pub fn registry_versions(
        &self,
        agent: Option<&str>,
    ) -> Result<Vec<RegistryVersion>, StoreError> {
        let rows = self.all(
            &format!("{COLUMNS} WHERE ?1 IS NULL OR agent = ?1 ORDER BY id"),
            [agent],
            version_row,
        )?;
        rows.into_iter()
            .map(|row| row.map_err(|message| invalid(&self.path, message)))
            .collect()
    }

    /// The version deployed for `agent`, if any.
    pub fn deployed_registry_version(
        &self,
        agent: &str,
    ) -> Result<Option<RegistryVersion>, StoreError> {
        deployed_by(&self.conn, &self.path, agent)
    }

    /// The registry chain's records in seq order, exactly as stored (see
    /// [`Store::audit_rows`] for how tampered text comes back).
    pub fn registry_audit_rows(&self) -> Result<Vec<AuditRow>, StoreError> {
        self.all(
            "SELECT seq, day, tick, kind, body, prev_hash, hash FROM registry_audit_records
             ORDER BY seq",
            [],
            |row| {
                Ok(AuditRow {
                    seq: row.get(0)?,
                    day: row.get(1)?,
                    tick: row.get(2)?,
                    kind: crate::audit::text_as_stored(row, 3)?,
                    body: crate::audit::text_as_stored(row, 4)?,
                    prev_hash: crate::audit::text_as_stored(row, 5)?,
                    hash: crate::audit::text_as_stored(row, 6)?,
                })
            },
        )
    }

    /// The registry chain's head: (records, the last one's hash); `None` before
    /// the first transition.
    pub fn registry_audit_head(&self) -> Result<Option<(u64, String)>, StoreError> {
        head(&self.conn, &self.path)
    }
}

/// The record of `transition`, sealed by the caller, and the head moved past it.
fn append_audit(
    tx: &Transaction<'_>,
    path: &Path,
    transition: &Transition,
    seal: Sealer<'_>,
) -> Result<(), StoreError> {
    let (records, last_hash) = match head(tx, path)? {
        Some((records, hash)) => (records, Some(hash)),
        None => (0, None),
    };
    let row = seal(transition, records, last_hash.as_deref());
    if row.seq != records
        || last_hash
            .as_ref()
            .is_some_and(|hash| *hash != row.prev_hash)
    {
        return Err(invalid(
            path,
            format!(
                "the registry audit record sealed for {} of version {} is not the chain's next (seq {}, expected {records})",
                transition.change, transition.version.id, row.seq
            ),
        ));
    }
    tx.execute(
        "INSERT INTO registry_audit_records (seq, version_id, day, tick, kind, body, prev_hash, hash)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
        params![
            row.seq,
            transition.version.id,
            row.day,
            row.tick,
            row.kind,
            row.body,
            row.prev_hash,
            row.hash
        ],
    )
    .at(path)?;
    tx.execute(
        "INSERT INTO registry_audit_head (id, records, last_hash) VALUES (0, ?1, ?2)
         ON CONFLICT (id) DO UPDATE SET records = excluded.records, last_hash = excluded.last_hash",
        params![records + 1, row.hash],
    )
    .at(path)?;
    Ok(())
}

fn head(conn: &rusqlite::Connection, path: &Path) -> Result<Option<(u64, String)>, StoreError> {
    conn.query_row(
        "SELECT records, last_hash FROM registry_audit_head WHERE id = 0",
        [],
        |row| Ok((row.get(0)?, crate::audit::text_as_stored(row, 1)?)),
    )
    .optional()
    .at(path)
}

fn set_status(
    tx: &Transaction<'_>,
    path: &Path,
    id: i64,
    status: VersionStatus,
    requested_by: Option<&String>,
) -> Result<(), StoreError> {
    tx.execute(
        "UPDATE registry_versions SET status = ?2, requested_by = ?3 WHERE id = ?1",
        params![id, status.as_str(), requested_by],
    )
    .at(path)?;
    Ok(())
}

/// Why `change` cannot be made to `version`, and what can be done instead.
fn not_allowed(version: &RegistryVersion, change: &StatusChange) -> String {
    let (id, agent, status) = (version.id, &version.agent, version.status);
    let hint = match (change, status) {
        (StatusChange::Deploy, VersionStatus::PendingApproval) => {
            "; it waits for `rtgsim policy approve` by a principal allowed policy.approve"
        }
        (StatusChange::Deploy, VersionStatus::Deployed) => "; it is already deployed",
        (StatusChange::Approve, _) => "; only a version pending approval is approved",
        (StatusChange::Rollback, _) => "; only the deployed version is rolled back",
        _ => "",
    };
    let from: Vec<&str> = change.allowed_from().iter().map(|s| s.as_str()).collect();
    format!(
        "version {id} ({agent}) is {status}: {} needs it {}{hint}",
        change.name(),
        from.join(" or ")
    )
}

const COLUMNS: &str = "SELECT id, agent, language, text, sha256, parent_id, author, created_at,
    status, replaced_id, requested_by, evaluation, evaluation_sha256 FROM registry_versions";

/// A version row; the inner error names a value the schema's checks should have
/// refused.
fn version_row(row: &Row<'_>) -> rusqlite::Result<Result<RegistryVersion, String>> {
    let id: i64 = row.get(0)?;
    let language: String = row.get(2)?;
    let status: String = row.get(8)?;
    let Some(language) = PolicyLanguage::parse(&language) else {
        return Ok(Err(format!(
            "policy version {id} has the unknown language {language:?}"
        )));
    };
    let Some(status) = VersionStatus::parse(&status) else {
        return Ok(Err(format!(
            "policy version {id} has the unknown status {status:?}"
        )));
    };
    Ok(Ok(RegistryVersion {
        id,
        agent: row.get(1)?,
        language,
        text: row.get(3)?,
        sha256: row.get(4)?,
        parent_id: row.get(5)?,
        author: row.get(6)?,
        created_at: row.get(7)?,
        status,
        replaced_id: row.get(9)?,
        requested_by: row.get(10)?,
        evaluation: row.get(11)?,
        evaluation_sha256: row.get(12)?,
    }))
}

fn version_by_id(
    conn: &rusqlite::Connection,
    path: &Path,
    id: i64,
) -> Result<RegistryVersion, StoreError> {
    conn.query_row(&format!("{COLUMNS} WHERE id = ?1"), [id], version_row)
        .optional()
        .at(path)?
        .ok_or_else(|| StoreError::NoPolicyVersion {
            path: path.to_path_buf(),
            id,
        })?
        .map_err(|message| invalid(path, message))
}

fn version_in(tx: &Transaction<'_>, path: &Path, id: i64) -> Result<RegistryVersion, StoreError> {
    version_by_id(tx, path, id)
}

fn deployed_by(
    conn: &rusqlite::Connection,
    path: &Path,
    agent: &str,
) -> Result<Option<RegistryVersion>, StoreError> {
    conn.query_row(
        &format!("{COLUMNS} WHERE agent = ?1 AND status = 'deployed'"),
        [agent],
        version_row,
    )
    .optional()
    .at(path)?
    .transpose()
    .map_err(|message| invalid(path, message))
}

fn deployed_in(
    tx: &Transaction<'_>,
    path: &Path,
    agent: &str,
) -> Result<Option<RegistryVersion>, StoreError> {
    deployed_by(tx, path, agent)
}

fn refused(path: &Path, message: String) -> StoreError {
    StoreError::Refused {
        path: path.to_path_buf(),
        message,
    }
}

fn invalid(path: &Path, message: String) -> StoreError {
    StoreError::Invalid {
        path: path.to_path_buf(),
        message,
    }
}
