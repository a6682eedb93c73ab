//! One trainer per store, across every analyst's process: a lock file beside
//! the store decides (the kernel drops it when the process dies, however it
//! dies), and a lease row in the store says who holds it, so the others can
//! be told who is training since when.
//!
//! The lock is on its own file: opening the database file itself with
//! `std::fs` and closing it would drop SQLite's own locks (RELIABILITY.md).

use super::{JobKind, JobProgress, JobUpdate};
use crate::config::Config;
use crate::store::Store;
use anyhow::{Context, Result, bail};
use std::fs::{File, TryLockError};
use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// The job kinds that need the trainer.
const TRAINER_KINDS: [&str; 2] = ["pretrain", "finetune"];

/// Heartbeats are written at most this often.
const HEARTBEAT_EVERY: Duration = Duration::from_secs(5);

/// The lock file for a store: `<store>.trainer.lock`.
pub fn lock_path(config: &Config) -> PathBuf {
    let mut name = config.store.path.clone().into_os_string();
    name.push(".trainer.lock");
    PathBuf::from(name)
}

/// Who is training on this store right now, if anyone: the lease row of
/// the process that holds the trainer lock. A running row whose process
/// is gone (the lock is free) is marked failed on the way.
pub fn current_trainer(config: &Config, store: &Store) -> Result<Option<crate::store::JobRow>> {
    let path = lock_path(config);
    let file = match File::options().write(true).open(&path) {
        Ok(f) => f,
        // No lock file: nobody has ever trained here.
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            store.abandon_jobs(&TRAINER_KINDS)?;
            return Ok(None);
        }
        Err(e) => return Err(e).with_context(|| format!("opening {}", path.display())),
    };
    match file.try_lock() {
        Ok(()) => {
            // Free: any running row is left by a process that died (or was
            // stopped while it built its dataset). The lock drops with `file`.
            store.abandon_jobs(&TRAINER_KINDS)?;
            Ok(None)
        }
        Err(TryLockError::WouldBlock) => Ok(store.running_job(&TRAINER_KINDS)?),
        Err(TryLockError::Error(e)) => {
            Err(e).with_context(|| format!("locking {}", path.display()))
        }
    }
}

/// The held trainer: the locked file and the lease row.
pub struct TrainerLease {
    _lock: File,
    store: Arc<Mutex<Store>>,
    row: i64,
}

impl TrainerLease {
    /// Takes the trainer for `analyst`, or says who holds it.
    pub fn acquire(config: &Config, kind: JobKind, analyst: &str) -> Result<TrainerLease> {
        let path = lock_path(config);
        let file = File::options()
            .create(true)
            .truncate(false)
            .write(true)
            .open(&path)
            .with_context(|| format!("opening the trainer lock {}", path.display()))?;
        let store = Store::open(&config.store.path)?;
        match file.try_lock() {
            Ok(()) => {}
            Err(TryLockError::WouldBlock) => {
                let holder = store.running_job(&TRAINER_KINDS)?;
                match holder {
                    Some(row) => bail!(
                        "a {} job is already running: started by {} at {} (process {})",
                        row.kind,
                        row.holder,
                        clock(row.started_at),
                        row.pid
                    ),
                    None => bail!("another process is training on this store"),
                }
            }
            Err(TryLockError::Error(e)) => {
                return Err(e).with_context(|| format!("locking {}", path.display()));
            }
        }
        // Holding the lock, any running row is a process that died.
        let abandoned = store.abandon_jobs(&TRAINER_KINDS)?;
        if abandoned > 0 {
            tracing::warn!(abandoned, "marked abandoned trainer jobs as failed");
        }
        let row = store.start_job(kind.as_str(), analyst, std::process::id())?;
        Ok(TrainerLease {
            _lock: file,
            store: Arc::new(Mutex::new(store)),
            row,
        })
    }

    /// A progress hook that writes the heartbeat, at most every few seconds.
    pub fn heartbeat_fn(&self) -> super::ProgressHook {
        let store = self.store.clone();
        let row = self.row;
        let last: Mutex<Option<Instant>> = Mutex::new(None);
        Box::new(move |p: &JobProgress| {
            let mut last = last.lock().unwrap_or_else(|e| e.into_inner());
            if last.is_some_and(|t| t.elapsed() < HEARTBEAT_EVERY) {
                return;
            }
            *last = Some(Instant::now());
            let detail = serde_json::to_value(p).unwrap_or_default();
            let store = store.lock().unwrap_or_else(|e| e.into_inner());
            if let Err(e) = store.heartbeat_job(row, &detail) {
                tracing::warn!("heartbeat: {e}");
            }
        })
    }

    /// Records how the job ended and releases the lock (on drop).
    pub fn finish(self, update: &JobUpdate) {
        let (state, detail) = match update {
            JobUpdate::Finished {
                summary,
                active_model,
            } => (
                "done",
                serde_json::json!({"summary": summary, "active_model": active_model}),
            ),
            JobUpdate::Cancelled => ("cancelled", serde_json::json!({})),
            JobUpdate::Failed { error } => ("failed", serde_json::json!({"error": error})),
            _ => (
                "failed",
                serde_json::json!({"error": "ended without an outcome"}),
            ),
        };
        let store = self.store.lock().unwrap_or_else(|e| e.into_inner());
        if let Err(e) = store.finish_job(self.row, state, &detail) {
            tracing::warn!("recording the end of job {}: {e}", self.row);
        }
    }
}

/// Unix seconds as `YYYY-MM-DD HH:MM` UTC.
pub fn clock(ts: i64) -> String {
    chrono::DateTime::from_timestamp(ts, 0)
        .map(|t| t.format("%Y-%m-%d %H:%M UTC").to_string())
        .unwrap_or_else(|| ts.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_second_trainer_is_refused_with_the_holder_named() {
        let dir = tempfile::tempdir().unwrap();
        let mut config = Config::default();
        config.store.path = dir.path().join("t.db");
        let first = TrainerLease::acquire(&config, JobKind::Pretrain, "ann").unwrap();
        let err = TrainerLease::acquire(&config, JobKind::Finetune, "bob")
            .err()
            .unwrap()
            .to_string();
        assert!(err.contains("pretrain") && err.contains("ann"), "{err}");
        first.finish(&JobUpdate::Cancelled);
        // Released: the next one gets it, and no stale row remains.
        let second = TrainerLease::acquire(&config, JobKind::Finetune, "bob").unwrap();
        let store = Store::open(&config.store.path).unwrap();
        let row = store.running_job(&TRAINER_KINDS).unwrap().unwrap();
        assert_eq!(row.holder, "bob");
        drop(second);
    }

    #[test]
    fn only_a_held_lock_counts_as_someone_training() {
        let dir = tempfile::tempdir().unwrap();
        let mut config = Config::default();
        config.store.path = dir.path().join("t.db");
        let store = Store::open(&config.store.path).unwrap();
        // A row left by a process that died before the lock file existed.
        store.start_job("pretrain", "ghost", 1).unwrap();
        assert_eq!(current_trainer(&config, &store).unwrap(), None);
        assert!(store.running_job(&TRAINER_KINDS).unwrap().is_none());
        let lease = TrainerLease::acquire(&config, JobKind::Pretrain, "ann").unwrap();
        let holder = current_trainer(&config, &store).unwrap().unwrap();
        assert_eq!(holder.holder, "ann");
        // Dropped without finishing, as when a process is killed.
        drop(lease);
        assert_eq!(current_trainer(&config, &store).unwrap(), None);
        assert!(store.running_job(&TRAINER_KINDS).unwrap().is_none());
    }

    #[test]
    fn a_lease_left_by_a_dead_process_is_taken_over() {
        let dir = tempfile::tempdir().unwrap();
        let mut config = Config::default();
        config.store.path = dir.path().join("t.db");
        let store = Store::open(&config.store.path).unwrap();
        store.start_job("pretrain", "ghost", 1).unwrap();
        let lease = TrainerLease::acquire(&config, JobKind::Pretrain, "ann").unwrap();
        let row = store.running_job(&TRAINER_KINDS).unwrap().unwrap();
        assert_eq!(row.holder, "ann");
        drop(lease);
    }
}
