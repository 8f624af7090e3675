//! The policy registry: every version of every policy a run used, by content, and
//! which version each agent of a run had.

use crate::error::{AtPath, StoreError};
use crate::records::{PolicyVersion, RunPolicy};
use crate::store::{Store, unix_now, write_transaction};
use rusqlite::{OptionalExtension, Row, params};
use std::path::Path;

impl Store {
    /// Registers `source` as a version of `policy_id`: the existing version if the
    /// same text is already registered, else a new version whose parent is the latest.
    pub fn register_policy(
        &mut self,
        policy_id: &str,
        kind: &str,
        source: &str,
        created_by: &str,
    ) -> Result<PolicyVersion, StoreError> {
        let tx = write_transaction(&mut self.conn, &self.path)?;
        let version = register(&tx, &self.path, policy_id, kind, source, created_by)?;
        tx.commit().at(&self.path)?;
        Ok(version)
    }

    /// Registers the policy of every agent of a run and links the run to each version,
    /// in one transaction.
    pub fn register_run_policies(
        &mut self,
        run: i64,
        policies: &[RunPolicy],
        created_by: &str,
    ) -> Result<Vec<PolicyVersion>, StoreError> {
        let tx = write_transaction(&mut self.conn, &self.path)?;
        let mut versions = Vec::with_capacity(policies.len());
        for policy in policies {
            let version = register(
                &tx,
                &self.path,
                &policy.policy_id,
                &policy.kind,
                &policy.source,
                created_by,
            )?;
            tx.execute(
                "INSERT INTO run_policies (run_id, agent, policy_id, version) VALUES (?1, ?2, ?3, ?4)",
                params![run, policy.agent, policy.policy_id, version.version],
            )
            .at(&self.path)?;
            versions.push(version);
        }
        tx.commit().at(&self.path)?;
        Ok(versions)
    }

    /// Every version of a policy, oldest first.
    pub fn policy_versions(&self, policy_id: &str) -> Result<Vec<PolicyVersion>, StoreError> {
        self.all(
            &format!("{VERSION_COLUMNS} WHERE policy_id = ?1 ORDER BY version"),
            [policy_id],
            version_row,
        )
    }

    /// Records which policy version an agent of a run used.
    pub fn link_run_policy(
        &self,
        run: i64,
        agent: &str,
        policy_id: &str,
        version: u32,
    ) -> Result<(), StoreError> {
        self.conn
            .execute(
                "INSERT INTO run_policies (run_id, agent, policy_id, version) VALUES (?1, ?2, ?3, ?4)",
                params![run, agent, policy_id, version],
            )
            .at(&self.path)?;
        Ok(())
    }

    /// The policy version each agent of a run used: (agent, policy id, version).
    pub fn run_policies(&self, run: i64) -> Result<Vec<(String, String, u32)>, StoreError> {
        self.all(
            "SELECT agent, policy_id, version FROM run_policies WHERE run_id = ?1 ORDER BY rowid",
            [run],
            |row| Ok((row.get(0)?, row.get(1)?, row.get(2)?)),
        )
    }
}

/// Registers a policy version inside `tx` (see [`Store::register_policy`]).
fn register(
    tx: &rusqlite::Transaction<'_>,
    path: &Path,
    policy_id: &str,
    kind: &str,
    source: &str,
    created_by: &str,
) -> Result<PolicyVersion, StoreError> {
    let sha256 = crate::sha256_hex(source.as_bytes());
    let existing = tx
        .query_row(
            &format!("{VERSION_COLUMNS} WHERE policy_id = ?1 AND sha256 = ?2"),
            params![policy_id, sha256],
            version_row,
        )
        .optional()
        .at(path)?;
    if let Some(version) = existing {
        return Ok(version);
    }
    let latest: Option<u32> = tx
        .query_row(
            "SELECT MAX(version) FROM policy_versions WHERE policy_id = ?1",
            [policy_id],
            |row| row.get(0),
        )
        .at(path)?;
    let version = PolicyVersion {
        policy_id: policy_id.to_string(),
        version: latest.map_or(1, |v| v + 1),
        kind: kind.to_string(),
        source: source.to_string(),
        sha256,
        parent_version: latest,
        created_by: created_by.to_string(),
        created_at: unix_now(),
    };
    tx.execute(
        "INSERT INTO policy_versions (policy_id, version, kind, source, sha256, parent_version, created_by, created_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
        params![
            version.policy_id,
            version.version,
            version.kind,
            version.source,
            version.sha256,
            version.parent_version,
            version.created_by,
            version.created_at
        ],
    )
    .at(path)?;
    Ok(version)
}

const VERSION_COLUMNS: &str = "SELECT policy_id, version, kind, source, sha256, parent_version, created_by, created_at FROM policy_versions";

fn version_row(row: &Row<'_>) -> rusqlite::Result<PolicyVersion> {
    Ok(PolicyVersion {
        policy_id: row.get(0)?,
        version: row.get(1)?,
        kind: row.get(2)?,
        source: row.get(3)?,
        sha256: row.get(4)?,
        parent_version: row.get(5)?,
        created_by: row.get(6)?,
        created_at: row.get(7)?,
    })
}
