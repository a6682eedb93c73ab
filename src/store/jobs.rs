//! Lease rows for background jobs: who runs what since when, so that every
//! analyst's console can say who holds the trainer. The lock that makes a
//! trainer exclusive is a lock file (see `train::lock`); these rows are what
//! people see.

use super::models::now;
use super::{Store, StoreError};
use rusqlite::{OptionalExtension, params};
use serde::Serialize;

/// One row of the `jobs` table.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct JobRow {
    /// Row id.
    pub id: i64,
    /// `pretrain`, `finetune`, ...
    pub kind: String,
    /// The analyst who started it.
    pub holder: String,
    /// Their process.
    pub pid: i64,
    /// Unix seconds.
    pub started_at: i64,
    /// Unix seconds of the last sign of life.
    pub heartbeat: i64,
    /// `running`, `done`, `failed` or `cancelled`.
    pub state: String,
    /// Progress or outcome, as JSON.
    pub detail: serde_json::Value,
}

impl Store {
    /// Records a job as running; returns its row id.
    pub fn start_job(&self, kind: &str, holder: &str, pid: u32) -> Result<i64, StoreError> {
        let t = now();
        self.conn
            .prepare_cached(
                "INSERT INTO jobs (kind, holder, pid, started_at, heartbeat) VALUES (?1, ?2, ?3, ?4, ?4)
                 RETURNING id",
            )
            .and_then(|mut s| s.query_row(params![kind, holder, pid, t], |r| r.get(0)))
            .map_err(|e| self.err(e))
    }

    /// Updates a running job's heartbeat and progress.
    pub fn heartbeat_job(&self, id: i64, detail: &serde_json::Value) -> Result<(), StoreError> {
        self.conn
            .prepare_cached(
                "UPDATE jobs SET heartbeat = ?2, detail = ?3 WHERE id = ?1 AND state = 'running'",
            )
            .and_then(|mut s| s.execute(params![id, now(), detail.to_string()]))
            .map(|_| ())
            .map_err(|e| self.err(e))
    }

    /// Ends a job: `done`, `failed` or `cancelled`.
    pub fn finish_job(
        &self,
        id: i64,
        state: &str,
        detail: &serde_json::Value,
    ) -> Result<(), StoreError> {
        self.conn
            .prepare_cached("UPDATE jobs SET heartbeat = ?2, state = ?3, detail = ?4 WHERE id = ?1")
            .and_then(|mut s| s.execute(params![id, now(), state, detail.to_string()]))
            .map(|_| ())
            .map_err(|e| self.err(e))
    }

    /// Records that job `id` is writing the version folder `version`, so
    /// that if it dies before registering it, the next trainer can sweep the
    /// folder ([`Store::unregistered_writes`]).
    pub fn job_writing(&self, id: i64, version: &str) -> Result<(), StoreError> {
        self.conn
            .prepare_cached("UPDATE jobs SET writing = ?2 WHERE id = ?1")
            .and_then(|mut s| s.execute(params![id, version]))
            .map(|_| ())
            .map_err(|e| self.err(e))
    }

    /// Version folders that a job began writing but that never reached the
    /// registry: the job died or failed between its folder and its row.
    pub fn unregistered_writes(&self) -> Result<Vec<String>, StoreError> {
        self.conn
            .prepare_cached(
                "SELECT DISTINCT writing FROM jobs
                 WHERE writing IS NOT NULL AND state <> 'running'
                   AND writing NOT IN (SELECT version FROM model_versions)",
            )
            .and_then(|mut s| s.query_map([], |r| r.get(0))?.collect())
            .map_err(|e| self.err(e))
    }

    /// Forgets the writes of ended jobs once their folders are dealt with.
    pub fn clear_writes(&self) -> Result<(), StoreError> {
        self.conn
            .prepare_cached(
                "UPDATE jobs SET writing = NULL WHERE writing IS NOT NULL AND state <> 'running'",
            )
            .and_then(|mut s| s.execute([]))
            .map(|_| ())
            .map_err(|e| self.err(e))
    }

    /// The newest running job among `kinds`, if any.
    pub fn running_job(&self, kinds: &[&str]) -> Result<Option<JobRow>, StoreError> {
        let kinds = serde_json::to_string(kinds).unwrap_or_else(|_| "[]".into());
        self.conn
            .prepare_cached(
                "SELECT id, kind, holder, pid, started_at, heartbeat, state, detail FROM jobs
                 WHERE state = 'running' AND kind IN (SELECT value FROM json_each(?1))
                 ORDER BY id DESC LIMIT 1",
            )
            .and_then(|mut s| s.query_row([kinds], job_row).optional())
            .map_err(|e| self.err(e))
    }

    /// Marks running rows of `kinds` as failed: their process is gone
    /// (whoever calls this holds the lock they would have held).
    pub fn abandon_jobs(&self, kinds: &[&str]) -> Result<usize, StoreError> {
        let mut n = 0;
        while let Some(row) = self.running_job(kinds)? {
            self.finish_job(
                row.id,
                "failed",
                &serde_json::json!({"error": "abandoned: its process ended without finishing"}),
            )?;
            n += 1;
        }
        Ok(n)
    }
}

fn job_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<JobRow> {
    let detail: String = r.get(7)?;
    Ok(JobRow {
        id: r.get(0)?,
        kind: r.get(1)?,
        holder: r.get(2)?,
        pid: r.get(3)?,
        started_at: r.get(4)?,
        heartbeat: r.get(5)?,
        state: r.get(6)?,
        detail: serde_json::from_str(&detail).unwrap_or(serde_json::Value::Null),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_job_runs_beats_and_ends() {
        let store = Store::open_in_memory().unwrap();
        assert!(store.running_job(&["pretrain"]).unwrap().is_none());
        let id = store.start_job("pretrain", "ann", 42).unwrap();
        store
            .heartbeat_job(id, &serde_json::json!({"step": 3}))
            .unwrap();
        let row = store
            .running_job(&["pretrain", "finetune"])
            .unwrap()
            .unwrap();
        assert_eq!((row.holder.as_str(), row.pid), ("ann", 42));
        assert_eq!(row.detail["step"], 3);
        store
            .finish_job(id, "done", &serde_json::json!({}))
            .unwrap();
        assert!(store.running_job(&["pretrain"]).unwrap().is_none());
        store.start_job("finetune", "bob", 7).unwrap();
        assert_eq!(store.abandon_jobs(&["pretrain", "finetune"]).unwrap(), 1);
        assert!(store.running_job(&["finetune"]).unwrap().is_none());
    }
}
