//! The improvement loop's record: each optimisation and each of its iterations,
//! with the prompt the proposer read and the reply it gave (`rtgsim optimize
//! --db`). The candidates themselves are registry versions, linked by id.

use crate::error::{AtPath, StoreError};
use crate::store::{Store, unix_now};
use rusqlite::params;

/// One iteration as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OptimizationIteration {
    pub iteration: u32,
    /// JSON.
    pub prompt: String,
    pub reply: Option<String>,
    /// `accepted`, `rejected`, `invalid` or `proposer_failed`.
    pub outcome: String,
    pub reasons: Vec<String>,
    pub findings: Vec<String>,
    /// The registry version the candidate is.
    pub version_id: Option<i64>,
}

impl Store {
    /// Records the start of an optimisation; returns its id.
    pub fn start_optimization(
        &mut self,
        agent: &str,
        scenario: &str,
        proposer: &str,
        options_json: &str,
    ) -> Result<i64, StoreError> {
        self.conn
            .execute(
                "INSERT INTO optimizations (agent, scenario, proposer, options, started_at)
                 VALUES (?1, ?2, ?3, ?4, ?5)",
                params![agent, scenario, proposer, options_json, unix_now()],
            )
            .at(&self.path)?;
        Ok(self.conn.last_insert_rowid())
    }

    /// Records one iteration of optimisation `id`.
    pub fn add_optimization_iteration(
        &mut self,
        id: i64,
        iteration: &OptimizationIteration,
    ) -> Result<(), StoreError> {
        let json = |list: &[String]| serde_json::to_string(list).unwrap_or_else(|_| "[]".into());
        self.conn
            .execute(
                "INSERT INTO optimization_iterations
                 (optimization_id, iteration, prompt, reply, outcome, reasons, findings, version_id)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
                params![
                    id,
                    iteration.iteration,
                    iteration.prompt,
                    iteration.reply,
                    iteration.outcome,
                    json(&iteration.reasons),
                    json(&iteration.findings),
                    iteration.version_id
                ],
            )
            .at(&self.path)?;
        Ok(())
    }

    /// Records why optimisation `id` stopped.
    pub fn finish_optimization(&mut self, id: i64, stopped: &str) -> Result<(), StoreError> {
        self.conn
            .execute(
                "UPDATE optimizations SET stopped = ?2 WHERE id = ?1",
                params![id, stopped],
            )
            .at(&self.path)?;
        Ok(())
    }

    /// The iterations of optimisation `id`, in order.
    pub fn optimization_iterations(
        &self,
        id: i64,
    ) -> Result<Vec<OptimizationIteration>, StoreError> {
        self.all(
            "SELECT iteration, prompt, reply, outcome, reasons, findings, version_id
             FROM optimization_iterations WHERE optimization_id = ?1 ORDER BY iteration",
            [id],
            |row| {
                let list = |text: String| serde_json::from_str(&text).unwrap_or_default();
                Ok(OptimizationIteration {
                    iteration: row.get(0)?,
                    prompt: row.get(1)?,
                    reply: row.get(2)?,
                    outcome: row.get(3)?,
                    reasons: list(row.get(4)?),
                    findings: list(row.get(5)?),
                    version_id: row.get(6)?,
                })
            },
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn iterations_round_trip_and_a_version_4_database_gains_the_tables() {
        let dir = std::env::temp_dir().join(format!("rtgsim-optimizations-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap_or_else(|e| panic!("{e}"));
        let path = dir.join("runs.db");
        let conn = rusqlite::Connection::open(&path).unwrap_or_else(|e| panic!("{e}"));
        for migration in &crate::schema::MIGRATIONS[..4] {
            conn.execute_batch(migration)
                .unwrap_or_else(|e| panic!("{e}"));
        }
        conn.pragma_update(None, "user_version", 4)
            .unwrap_or_else(|e| panic!("{e}"));
        drop(conn);
        let mut store = Store::open(&path).unwrap_or_else(|e| panic!("{e}"));
        let id = store
            .start_optimization("A", "s.yaml", "builtin:search", "{}")
            .unwrap_or_else(|e| panic!("{e}"));
        let first = OptimizationIteration {
            iteration: 0,
            prompt: "{\"format\": \"rtgsim-optimize/1\"}".into(),
            reply: None,
            outcome: "proposer_failed".into(),
            reasons: vec!["no answer".into()],
            findings: Vec::new(),
            version_id: None,
        };
        let second = OptimizationIteration {
            iteration: 1,
            reply: Some("def f(): pass".into()),
            outcome: "invalid".into(),
            findings: vec!["1:1: error E001: x".into()],
            ..first.clone()
        };
        for iteration in [&first, &second] {
            store
                .add_optimization_iteration(id, iteration)
                .unwrap_or_else(|e| panic!("{e}"));
        }
        store
            .finish_optimization(id, "done")
            .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(
            store.optimization_iterations(id).unwrap_or_default(),
            [first.clone(), second]
        );
        // One row per iteration: the same iteration twice is refused.
        assert!(store.add_optimization_iteration(id, &first).is_err());
        let _ = std::fs::remove_dir_all(&dir);
    }
}
