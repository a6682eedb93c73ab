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
use crate::train::lock::{TRAINER_KINDS, TrainerGuard};
use anyhow::{Context, Result};
use std::fs::{File, TryLockError};
use std::path::PathBuf;
use std::sync::{Arc, Mutex};

pub use crate::train::lock::clock;

/// The lock file for a store: `<store>.trainer.lock`.
pub fn lock_path(config: &Config) -> PathBuf {
    crate::train::lock::lock_path(&config.store.path)
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

/// The held trainer for a console job: [`TrainerGuard`] plus a connection
/// of its own, so the training thread can write heartbeats.
pub struct TrainerLease {
    guard: Mutex<TrainerGuard>,
    store: Arc<Mutex<Store>>,
}

impl TrainerLease {
    /// Takes the trainer for `analyst`, or says who holds it.
    pub fn acquire(config: &Config, kind: JobKind, analyst: &str) -> Result<TrainerLease> {
        let store = Store::open(&config.store.path)?;
        let guard = TrainerGuard::acquire(&store, kind.as_str(), analyst)?;
        Ok(TrainerLease {
            guard: Mutex::new(guard),
            store: Arc::new(Mutex::new(store)),
        })
    }

    /// A progress hook that writes the heartbeat, at most every few seconds.
    pub fn heartbeat_fn(self: &Arc<Self>) -> super::ProgressHook {
        let lease = Arc::clone(self);
        Box::new(move |p: &JobProgress| {
            let detail = serde_json::to_value(p).unwrap_or_default();
            let store = lease.store.lock().unwrap_or_else(|e| e.into_inner());
            let mut guard = lease.guard.lock().unwrap_or_else(|e| e.into_inner());
            guard.beat(&store, &detail);
        })
    }

    /// Records how the job ended and releases the lock.
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
        let guard = self.guard.into_inner().unwrap_or_else(|e| e.into_inner());
        guard.finish(&store, state, &detail);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_second_trainer_is_refused_with_the_holder_named() {
        let dir = tempfile::tempdir().unwrap();
        let mut config = Config::default();
        config.store.path = dir.path().join("t.db");
        drop(Store::create(&config.store.path).unwrap());
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
        let store = Store::create(&config.store.path).unwrap();
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
        let store = Store::create(&config.store.path).unwrap();
        store.start_job("pretrain", "ghost", 1).unwrap();
        let lease = TrainerLease::acquire(&config, JobKind::Pretrain, "ann").unwrap();
        let row = store.running_job(&TRAINER_KINDS).unwrap().unwrap();
        assert_eq!(row.holder, "ann");
        drop(lease);
    }
}
