//! One trainer at a time, across every process on the server: an exclusive
//! lock on a lock file beside the store (never the database file itself:
//! closing any handle to that would drop SQLite's own locks), plus a lease
//! row in the store that says who trains, since when, and that they are alive.
//!
//! The operating system frees the lock the moment its holder dies, so a
//! killed trainer never blocks the next one; the next holder then finds the
//! dead trainer's lease still marked running and closes it as stale.

use crate::store::{JobRow, Store, StoreError};
use std::fs::{File, OpenOptions, TryLockError};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

/// The `jobs` kinds that hold the trainer.
pub const TRAINER_KINDS: [&str; 2] = ["pretrain", "finetune"];

/// How often a trainer refreshes its lease.
pub const HEARTBEAT_EVERY: Duration = Duration::from_secs(5);

/// Why the trainer lock could not be taken.
#[derive(Debug, thiserror::Error)]
pub enum LockError {
    /// Someone else is training.
    #[error("{0}")]
    Busy(String),
    /// The lock file could not be opened.
    #[error("trainer lock {path}: {source}")]
    Io {
        /// The lock file.
        path: String,
        /// Why.
        source: std::io::Error,
    },
    /// The lease could not be written.
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// The lock file for the store at `db`: `<db>.trainer.lock`.
pub fn lock_path(db: &Path) -> PathBuf {
    let mut name = db.as_os_str().to_owned();
    name.push(".trainer.lock");
    PathBuf::from(name)
}

/// Held while training; dropping it releases the lock. End the lease with
/// [`TrainerGuard::finish`].
#[derive(Debug)]
pub struct TrainerGuard {
    _file: File,
    job: i64,
    last_beat: Instant,
}

/// Says who holds the lease, for a refused request.
pub fn describe(lease: Option<&JobRow>, now: i64) -> String {
    match lease {
        Some(l) => format!(
            "a {} job is already running: started by {} at {} (process {}), last heartbeat {} s ago",
            l.kind,
            l.holder,
            clock(l.started_at),
            l.pid,
            (now - l.heartbeat).max(0)
        ),
        None => "another trainer holds the trainer lock".into(),
    }
}

/// Unix seconds as `YYYY-MM-DD HH:MM` UTC.
pub fn clock(ts: i64) -> String {
    chrono::DateTime::from_timestamp(ts, 0)
        .map(|t| t.format("%Y-%m-%d %H:%M UTC").to_string())
        .unwrap_or_else(|| ts.to_string())
}

impl TrainerGuard {
    /// Takes the trainer lock for the store `store` and records a lease of
    /// `kind` held by `holder`; refuses at once, naming the holder, when
    /// another process trains.
    pub fn acquire(store: &Store, kind: &str, holder: &str) -> Result<Self, LockError> {
        let path = lock_path(store.path());
        let io = |source| LockError::Io {
            path: path.display().to_string(),
            source,
        };
        let file = OpenOptions::new()
            .create(true)
            .truncate(false)
            .write(true)
            .open(&path)
            .map_err(io)?;
        match file.try_lock() {
            Ok(()) => {}
            Err(TryLockError::WouldBlock) => {
                let lease = store.running_job(&TRAINER_KINDS)?;
                return Err(LockError::Busy(describe(
                    lease.as_ref(),
                    crate::store::unix_now(),
                )));
            }
            Err(TryLockError::Error(e)) => return Err(io(e)),
        }
        // Holding the lock, any lease still running belongs to a trainer
        // that died.
        let stale = store.abandon_jobs(&TRAINER_KINDS)?;
        if stale > 0 {
            tracing::warn!(stale, "closed the leases of trainers that died");
        }
        let job = store.start_job(kind, holder, std::process::id())?;
        Ok(TrainerGuard {
            _file: file,
            job,
            last_beat: Instant::now(),
        })
    }

    /// The lease's `jobs` row.
    pub fn job(&self) -> i64 {
        self.job
    }

    /// Refreshes the lease (with `detail`, the progress) when
    /// [`HEARTBEAT_EVERY`] has passed; cheap to call on every step.
    pub fn beat(&mut self, store: &Store, detail: &serde_json::Value) {
        if self.last_beat.elapsed() >= HEARTBEAT_EVERY {
            self.last_beat = Instant::now();
            if let Err(e) = store.heartbeat_job(self.job, detail) {
                tracing::warn!(error = %e, "trainer heartbeat failed");
            }
        }
    }

    /// Ends the lease (`done`, `failed` or `cancelled`) and releases the lock.
    pub fn finish(self, store: &Store, state: &str, detail: &serde_json::Value) {
        if let Err(e) = store.finish_job(self.job, state, detail) {
            tracing::warn!(error = %e, "could not close the trainer lease");
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_second_trainer_is_refused_with_the_holder_named_until_the_first_ends() {
        let dir = tempfile::tempdir().unwrap();
        let db = dir.path().join("t.db");
        let a = Store::create(&db).unwrap();
        let b = Store::open(&db).unwrap();
        let guard = TrainerGuard::acquire(&a, "finetune", "ann").unwrap();
        let refused = TrainerGuard::acquire(&b, "pretrain", "bob").unwrap_err();
        let message = refused.to_string();
        assert!(
            message.contains("finetune job is already running: started by ann"),
            "{message}"
        );
        assert!(message.contains(&format!("(process {})", std::process::id())));
        guard.finish(&a, "done", &serde_json::json!({}));
        let again = TrainerGuard::acquire(&b, "pretrain", "bob").unwrap();
        let lease = b.running_job(&TRAINER_KINDS).unwrap().unwrap();
        assert_eq!(
            (lease.holder.as_str(), lease.kind.as_str()),
            ("bob", "pretrain")
        );
        drop(again);
        // A trainer that died (its lock gone, its lease still running) is
        // closed as stale by the next one.
        let dead = b.start_job("finetune", "cat", 1).unwrap();
        let next = TrainerGuard::acquire(&a, "finetune", "dan").unwrap();
        assert_eq!(
            a.running_job(&TRAINER_KINDS).unwrap().unwrap().holder,
            "dan"
        );
        assert_ne!(next.job(), dead);
        assert!(lock_path(&db).ends_with("t.db.trainer.lock"));
    }
}
