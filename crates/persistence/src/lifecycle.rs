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

use crate::error::{AtPath, StoreError};
use crate::records::AuditRow;
use crate::store::{Store, unix_now, write_transaction};
use rusqlite::{OptionalExtension, Row, Transaction, params};
use serde::Serialize;
use std::fmt;
use std::path::Path;

/// Where a policy version is in its life.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum VersionStatus {
    /// Added, not yet decided on.
    Proposed,
    /// Judged good (by an evaluation, or deployed once and replaced since): may be
    /// deployed, and a scenario may run it.
    Accepted,
    Rejected,
    /// Its deployment needs an approval (RBAC said REQUIRE_APPROVAL).
    PendingApproval,
    /// The agent's current version (at most one per agent).
    Deployed,
    /// Was deployed and was rolled back.
    RolledBack,
}

impl VersionStatus {
    pub const ALL: [VersionStatus; 6] = [
        VersionStatus::Proposed,
        VersionStatus::Accepted,
        VersionStatus::Rejected,
        VersionStatus::PendingApproval,
        VersionStatus::Deployed,
        VersionStatus::RolledBack,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            VersionStatus::Proposed => "proposed",
            VersionStatus::Accepted => "accepted",
            VersionStatus::Rejected => "rejected",
            VersionStatus::PendingApproval => "pending_approval",
            VersionStatus::Deployed => "deployed",
            VersionStatus::RolledBack => "rolled_back",
        }
    }

    pub fn parse(text: &str) -> Option<VersionStatus> {
        VersionStatus::ALL.into_iter().find(|s| s.as_str() == text)
    }

    /// Whether a scenario may run a version in this status: one deployed, or
    /// accepted (to replay it before deploying it).
    pub fn runnable(self) -> bool {
        matches!(self, VersionStatus::Deployed | VersionStatus::Accepted)
    }
}

impl fmt::Display for VersionStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// What a version's text is: it decides the RBAC capability that deploys it
/// (`policy.deploy.<language>`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum PolicyLanguage {
    /// A Starlark script.
    Starlark,
    /// A JSON decision tree.
    Json,
    /// A built-in policy's `policy:` section as JSON (`{"type": "Deadline", ...}`).
    Builtin,
}

impl PolicyLanguage {
    pub fn as_str(self) -> &'static str {
        match self {
            PolicyLanguage::Starlark => "starlark",
            PolicyLanguage::Json => "json",
            PolicyLanguage::Builtin => "builtin",
        }
    }

    pub fn parse(text: &str) -> Option<PolicyLanguage> {
        [
            PolicyLanguage::Starlark,
            PolicyLanguage::Json,
            PolicyLanguage::Builtin,
        ]
        .into_iter()
        .find(|l| l.as_str() == text)
    }
}

impl fmt::Display for PolicyLanguage {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A version in the registry.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RegistryVersion {
    pub id: i64,
    pub agent: String,
    pub language: PolicyLanguage,
    pub text: String,
    /// SHA-256 of `text`, lowercase hex.
    pub sha256: String,
    pub parent_id: Option<i64>,
    /// The principal who added it.
    pub author: String,
    /// Unix seconds; metadata only.
    pub created_at: i64,
    pub status: VersionStatus,
    /// The version deployed for the agent when this one was last deployed: what
    /// rolling this one back restores.
    pub replaced_id: Option<i64>,
    /// Who asked for the deployment that waits for approval.
    pub requested_by: Option<String>,
    /// The evaluation that decided it (a compare report, JSON), if one is attached.
    pub evaluation: Option<String>,
    pub evaluation_sha256: Option<String>,
}

/// A version to add.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewRegistryVersion {
    pub agent: String,
    pub language: PolicyLanguage,
    pub text: String,
    /// The version it derives from (of the same agent).
    pub parent_id: Option<i64>,
    pub author: String,
}

/// A change of status to make.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum StatusChange {
    /// proposed -> accepted (an evaluation found it better).
    Accept,
    /// proposed, accepted or pending_approval -> rejected.
    Reject,
    /// proposed, accepted or rolled_back -> pending_approval: a deployment that
    /// waits for someone allowed to approve it.
    RequestApproval { requested_by: String },
    /// proposed, accepted or rolled_back -> deployed; the agent's deployed version,
    /// if another, becomes accepted.
    Deploy,
    /// pending_approval -> deployed, as [`StatusChange::Deploy`].
    Approve,
    /// deployed -> rolled_back; the version it replaced (which must be accepted)
    /// becomes deployed again.
    Rollback,
}

impl StatusChange {
    /// The change's name in audit records and messages.
    pub fn name(&self) -> &'static str {
        match self {
            StatusChange::Accept => "accept",
            StatusChange::Reject => "reject",
            StatusChange::RequestApproval { .. } => "request_approval",
            StatusChange::Deploy => "deploy",
            StatusChange::Approve => "approve",
            StatusChange::Rollback => "rollback",
        }
    }

    /// The statuses it may start from.
    pub fn allowed_from(&self) -> &'static [VersionStatus] {
        use VersionStatus::*;
        match self {
            StatusChange::Accept => &[Proposed],
            StatusChange::Reject => &[Proposed, Accepted, PendingApproval],
            StatusChange::RequestApproval { .. } | StatusChange::Deploy => {
                &[Proposed, Accepted, RolledBack]
            }
            StatusChange::Approve => &[PendingApproval],
            StatusChange::Rollback => &[Deployed],
        }
    }

    fn target(&self) -> VersionStatus {
        match self {
            StatusChange::Accept => VersionStatus::Accepted,
            StatusChange::Reject => VersionStatus::Rejected,
            StatusChange::RequestApproval { .. } => VersionStatus::PendingApproval,
            StatusChange::Deploy | StatusChange::Approve => VersionStatus::Deployed,
            StatusChange::Rollback => VersionStatus::RolledBack,
        }
    }
}

/// A transition made (or being made): what a [`Sealer`] records.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Transition {
    /// `add`, or a [`StatusChange::name`].
    pub change: &'static str,
    /// The version after the change.
    pub version: RegistryVersion,
    /// Its status before (`None` for `add`).
    pub from: Option<VersionStatus>,
    /// Another version of the same agent that changed with it: the one a
    /// deployment replaced (deployed -> accepted), or the one a rollback restored
    /// (accepted -> deployed). (id, from, to).
    pub other: Option<(i64, VersionStatus, VersionStatus)>,
}

/// Seals a transition into the registry chain's next record: given the transition,
/// the record's seq and the previous record's hash (`None` for the first record:
/// the caller's genesis), returns the row to store. Called inside the write
/// transaction; what it returns must carry that seq and link.
pub type Sealer<'a> = &'a mut dyn FnMut(&Transition, u64, Option<&str>) -> AuditRow;

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

#[cfg(test)]
#[allow(clippy::unwrap_used)] // tests fail loudly
mod tests {
    use super::*;
    use VersionStatus::*;

    fn store(name: &str) -> Store {
        let dir =
            std::env::temp_dir().join(format!("rtgsim-lifecycle-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        Store::open(&dir.join("registry.db")).unwrap()
    }

    /// A stand-in for the governance chain: the body names the transition, the
    /// hash is the SHA-256 of the body, and every call is remembered.
    #[derive(Default)]
    struct Recorder {
        calls: Vec<(u64, Option<String>, String)>,
    }

    impl Recorder {
        fn seal(&mut self) -> impl FnMut(&Transition, u64, Option<&str>) -> AuditRow + '_ {
            |transition, seq, prev| {
                let body = format!(
                    "{} {} {:?}->{} other={:?}",
                    transition.change,
                    transition.version.id,
                    transition.from,
                    transition.version.status,
                    transition.other
                );
                self.calls
                    .push((seq, prev.map(str::to_string), body.clone()));
                AuditRow {
                    seq,
                    day: 0,
                    tick: 0,
                    kind: "registry".into(),
                    hash: crate::sha256_hex(body.as_bytes()),
                    body,
                    prev_hash: prev.unwrap_or("genesis").to_string(),
                }
            }
        }
    }

    fn add(
        store: &mut Store,
        rec: &mut Recorder,
        agent: &str,
        text: &str,
        parent: Option<i64>,
    ) -> i64 {
        let new = NewRegistryVersion {
            agent: agent.into(),
            language: PolicyLanguage::Starlark,
            text: text.into(),
            parent_id: parent,
            author: "optimizer:llm-7".into(),
        };
        store
            .add_registry_version(&new, &mut rec.seal())
            .unwrap()
            .version
            .id
    }

    fn change(
        store: &mut Store,
        rec: &mut Recorder,
        id: i64,
        change: StatusChange,
    ) -> Result<Transition, StoreError> {
        store.change_registry_status(id, &change, &mut rec.seal())
    }

    fn statuses(store: &Store) -> Vec<(i64, VersionStatus)> {
        store
            .registry_versions(None)
            .unwrap()
            .iter()
            .map(|v| (v.id, v.status))
            .collect()
    }

    #[test]
    fn a_version_3_database_migrates_keeping_its_runs_and_gets_an_empty_registry() {
        let dir = std::env::temp_dir().join(format!("rtgsim-lifecycle-v3-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("runs.db");
        let conn = rusqlite::Connection::open(&path).unwrap();
        for migration in &crate::schema::MIGRATIONS[..3] {
            conn.execute_batch(migration).unwrap();
        }
        conn.pragma_update(None, "user_version", 3).unwrap();
        conn.execute(
            "INSERT INTO runs (seed, code_version, status, days_total, started_at)
             VALUES (11, '0.1.0', 'completed', 1, 0)",
            [],
        )
        .unwrap();
        drop(conn);

        let store = Store::open(&path).unwrap();
        assert_eq!(crate::SCHEMA_VERSION, 4);
        assert_eq!(store.run(1).unwrap().seed, 11);
        assert_eq!(store.registry_versions(None).unwrap(), vec![]);
        assert_eq!(store.registry_audit_head().unwrap(), None);
    }

    #[test]
    fn a_version_is_added_proposed_with_its_hash_parent_and_author() {
        let mut store = store("add");
        let mut rec = Recorder::default();
        let first = add(
            &mut store,
            &mut rec,
            "BANK_A",
            "def decide(p):\n  return 'release'\n",
            None,
        );
        let second = add(&mut store, &mut rec, "BANK_A", "x = 1\n", Some(first));
        let version = store.registry_version(second).unwrap();
        assert_eq!(version.status, Proposed);
        assert_eq!(version.parent_id, Some(first));
        assert_eq!(version.author, "optimizer:llm-7");
        // sha256("x = 1\n"), by `printf 'x = 1\n' | sha256sum`.
        assert_eq!(
            version.sha256,
            "9e26bf369911c45c243c684147b23fc9e1dcfcf257d299a1c632016a6fcd33f4"
        );
        // The same text again is refused, and so is a parent of another agent.
        let again = NewRegistryVersion {
            agent: "BANK_A".into(),
            language: PolicyLanguage::Starlark,
            text: "x = 1\n".into(),
            parent_id: None,
            author: "user:alice".into(),
        };
        let error = store
            .add_registry_version(&again, &mut rec.seal())
            .unwrap_err();
        assert!(
            error
                .to_string()
                .contains("already has this text as version 2 (proposed)"),
            "{error}"
        );
        let foreign = NewRegistryVersion {
            agent: "BANK_B".into(),
            parent_id: Some(first),
            ..again
        };
        let error = store
            .add_registry_version(&foreign, &mut rec.seal())
            .unwrap_err();
        assert!(
            error
                .to_string()
                .contains("version 1, is BANK_A's, not BANK_B's"),
            "{error}"
        );
        assert_eq!(
            store.registry_audit_head().unwrap().unwrap().0,
            2,
            "refusals are not recorded"
        );
    }

    #[test]
    fn deploying_replaces_the_deployed_version_and_rollback_restores_it() {
        let mut store = store("deploy");
        let mut rec = Recorder::default();
        let v1 = add(&mut store, &mut rec, "BANK_A", "v1", None);
        let v2 = add(&mut store, &mut rec, "BANK_A", "v2", Some(v1));
        let b1 = add(&mut store, &mut rec, "BANK_B", "v1", None);
        change(&mut store, &mut rec, v1, StatusChange::Deploy).unwrap();
        change(&mut store, &mut rec, b1, StatusChange::Deploy).unwrap();
        assert_eq!(
            statuses(&store),
            vec![(v1, Deployed), (v2, Proposed), (b1, Deployed)]
        );

        let t = change(&mut store, &mut rec, v2, StatusChange::Deploy).unwrap();
        assert_eq!(
            (t.from, t.version.status, t.other),
            (Some(Proposed), Deployed, Some((v1, Deployed, Accepted)))
        );
        assert_eq!(t.version.replaced_id, Some(v1));
        assert_eq!(
            statuses(&store),
            vec![(v1, Accepted), (v2, Deployed), (b1, Deployed)]
        );
        assert_eq!(
            store
                .deployed_registry_version("BANK_A")
                .unwrap()
                .unwrap()
                .id,
            v2
        );

        let t = change(&mut store, &mut rec, v2, StatusChange::Rollback).unwrap();
        assert_eq!(
            (t.from, t.version.status, t.other),
            (Some(Deployed), RolledBack, Some((v1, Accepted, Deployed)))
        );
        assert_eq!(
            statuses(&store),
            vec![(v1, Deployed), (v2, RolledBack), (b1, Deployed)]
        );
        // v1 replaced nothing: there is nothing to roll back to, and nothing changes.
        let error = change(&mut store, &mut rec, v1, StatusChange::Rollback).unwrap_err();
        assert!(
            error.to_string().contains("replaced no deployed version"),
            "{error}"
        );
        assert_eq!(
            statuses(&store),
            vec![(v1, Deployed), (v2, RolledBack), (b1, Deployed)]
        );
    }

    #[test]
    fn transitions_the_status_does_not_allow_are_refused_and_change_nothing() {
        let mut store = store("refused");
        let mut rec = Recorder::default();
        let v1 = add(&mut store, &mut rec, "BANK_A", "v1", None);
        change(&mut store, &mut rec, v1, StatusChange::Reject).unwrap();
        let head = store.registry_audit_head().unwrap();
        for refused in [
            StatusChange::Deploy,
            StatusChange::Approve,
            StatusChange::Accept,
            StatusChange::Rollback,
            StatusChange::RequestApproval {
                requested_by: "x:y".into(),
            },
        ] {
            let error = change(&mut store, &mut rec, v1, refused.clone()).unwrap_err();
            assert!(
                matches!(error, StoreError::Refused { .. }),
                "{refused:?}: {error}"
            );
            assert!(
                error.to_string().contains("version 1 (BANK_A) is rejected"),
                "{error}"
            );
        }
        assert_eq!(statuses(&store), vec![(v1, Rejected)]);
        assert_eq!(store.registry_audit_head().unwrap(), head);

        let v2 = add(&mut store, &mut rec, "BANK_A", "v2", None);
        change(
            &mut store,
            &mut rec,
            v2,
            StatusChange::RequestApproval {
                requested_by: "optimizer:llm-7".into(),
            },
        )
        .unwrap();
        let pending = store.registry_version(v2).unwrap();
        assert_eq!(
            (pending.status, pending.requested_by.as_deref()),
            (PendingApproval, Some("optimizer:llm-7"))
        );
        let error = change(&mut store, &mut rec, v2, StatusChange::Deploy).unwrap_err();
        assert!(
            error
                .to_string()
                .contains("waits for `rtgsim policy approve`"),
            "{error}"
        );
        change(&mut store, &mut rec, v2, StatusChange::Approve).unwrap();
        let deployed = store.registry_version(v2).unwrap();
        assert_eq!((deployed.status, deployed.requested_by), (Deployed, None));
        assert!(
            store
                .registry_version(99)
                .unwrap_err()
                .to_string()
                .contains("no policy version 99")
        );
    }

    #[test]
    fn the_schema_keeps_one_deployed_version_per_agent() {
        let mut store = store("unique");
        let mut rec = Recorder::default();
        let v1 = add(&mut store, &mut rec, "BANK_A", "v1", None);
        let v2 = add(&mut store, &mut rec, "BANK_A", "v2", None);
        change(&mut store, &mut rec, v1, StatusChange::Deploy).unwrap();
        let second = store.conn.execute(
            "UPDATE registry_versions SET status = 'deployed' WHERE id = ?1",
            [v2],
        );
        assert!(
            second.is_err(),
            "a second deployed version for BANK_A was stored"
        );
    }

    #[test]
    fn every_transition_is_sealed_at_the_next_chain_position() {
        let mut store = store("chain");
        let mut rec = Recorder::default();
        let v1 = add(&mut store, &mut rec, "BANK_A", "v1", None);
        change(&mut store, &mut rec, v1, StatusChange::Accept).unwrap();
        change(&mut store, &mut rec, v1, StatusChange::Deploy).unwrap();
        let rows = store.registry_audit_rows().unwrap();
        let seqs: Vec<u64> = rec.calls.iter().map(|(seq, _, _)| *seq).collect();
        assert_eq!(seqs, vec![0, 1, 2]);
        assert_eq!(
            rec.calls[0].1, None,
            "the first record links to the caller's genesis"
        );
        assert_eq!(rec.calls[1].1.as_deref(), Some(rows[0].hash.as_str()));
        assert_eq!(rec.calls[2].1.as_deref(), Some(rows[1].hash.as_str()));
        assert_eq!(rows[2].body, "deploy 1 Some(Accepted)->deployed other=None");
        assert_eq!(
            store.registry_audit_head().unwrap(),
            Some((3, rows[2].hash.clone()))
        );
        // Stored records cannot be changed or removed through SQL by accident.
        assert!(
            store
                .conn
                .execute("UPDATE registry_audit_records SET body = 'x'", [])
                .is_err()
        );
        assert!(
            store
                .conn
                .execute("DELETE FROM registry_audit_records", [])
                .is_err()
        );
    }

    #[test]
    fn a_sealer_that_does_not_continue_the_chain_writes_nothing() {
        let mut store = store("badseal");
        let new = NewRegistryVersion {
            agent: "BANK_A".into(),
            language: PolicyLanguage::Json,
            text: "{}".into(),
            parent_id: None,
            author: "user:alice".into(),
        };
        let mut wrong = |_: &Transition, seq: u64, _: Option<&str>| AuditRow {
            seq: seq + 1,
            day: 0,
            tick: 0,
            kind: "registry".into(),
            body: String::new(),
            prev_hash: String::new(),
            hash: String::new(),
        };
        assert!(store.add_registry_version(&new, &mut wrong).is_err());
        assert_eq!(store.registry_versions(None).unwrap(), vec![]);
    }

    #[test]
    fn an_evaluation_attaches_to_a_proposed_version_only() {
        let mut store = store("evaluation");
        let mut rec = Recorder::default();
        let v1 = add(&mut store, &mut rec, "BANK_A", "v1", None);
        let error = store.attach_evaluation(v1, "{not json").unwrap_err();
        assert!(error.to_string().contains("is not JSON"), "{error}");
        store
            .attach_evaluation(v1, r#"{"verdict":"accept"}"#)
            .unwrap();
        let version = store.registry_version(v1).unwrap();
        assert_eq!(
            version.evaluation.as_deref(),
            Some(r#"{"verdict":"accept"}"#)
        );
        assert_eq!(
            version.evaluation_sha256,
            Some(crate::sha256_hex(br#"{"verdict":"accept"}"#))
        );
        change(&mut store, &mut rec, v1, StatusChange::Accept).unwrap();
        let error = store.attach_evaluation(v1, "{}").unwrap_err();
        assert!(
            error
                .to_string()
                .contains("is accepted: an evaluation is attached only to a proposed version"),
            "{error}"
        );
    }
}
