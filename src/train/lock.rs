//! One trainer at a time, across every process on the server: an exclusive
//! lock on a lock file beside the store (never the database file itself:
//! closing any handle to that would drop SQLite's own locks), plus a lease
//! row in the store that says who trains, since when, and that they are alive.
//!
//! [`with_trainer`] is the one way to train: `tailor train`, `tailor
//! finetune`, the console's jobs and the simulated analyst all run their
//! work inside it. It takes the lock, sweeps what dead trainers left in the
//! models folder, opens the lease, hands the work a [`Trainer`] (heartbeats
//! on a connection of its own; the version being written), and closes the
//! lease with how the work ended.
//!
//! The operating system frees the lock the moment its holder dies, so a
//! killed trainer never blocks the next one; the next holder then finds the
//! dead trainer's lease still marked running and closes it as stale.

use crate::config::Config;
use crate::model::checkpoint::sweep_temporary;
use crate::store::{JobRow, Store, StoreError};
use std::fs::{File, OpenOptions, TryLockError};
use std::path::{Path, PathBuf};
use std::sync::Mutex;
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

/// How a trainer's work ended, as its lease row records it.
#[derive(Debug, Clone, PartialEq)]
pub enum LeaseEnd {
    /// It finished; what it made.
    Done(serde_json::Value),
    /// It was cancelled; nothing was saved.
    Cancelled,
    /// It failed, with why.
    Failed(String),
}

/// The held trainer, handed to the work inside [`with_trainer`]. Shared by
/// reference (a console job's progress hook beats from the job's thread).
#[derive(Debug)]
pub struct Trainer {
    _lock: File,
    job: i64,
    /// The lease's own connection, so heartbeats never wait on the work's.
    lease: Mutex<(Store, Option<Instant>)>,
}

impl Trainer {
    /// The lease's `jobs` row.
    pub fn job(&self) -> i64 {
        self.job
    }

    /// Refreshes the lease with `detail` (the progress) when
    /// [`HEARTBEAT_EVERY`] has passed; cheap to call on every step.
    pub fn beat(&self, detail: &serde_json::Value) {
        let mut lease = self.lease.lock().unwrap_or_else(|e| e.into_inner());
        if lease.1.is_some_and(|t| t.elapsed() < HEARTBEAT_EVERY) {
            return;
        }
        lease.1 = Some(Instant::now());
        if let Err(e) = lease.0.heartbeat_job(self.job, detail) {
            tracing::warn!(error = %e, "trainer heartbeat failed");
        }
    }

    /// Records the version folder about to be written, before it is
    /// written: if this process dies before registering it, the next
    /// trainer removes the folder.
    pub fn writing(&self, version: &str) -> Result<(), StoreError> {
        let lease = self.lease.lock().unwrap_or_else(|e| e.into_inner());
        lease.0.job_writing(self.job, version)
    }
}

/// Takes the trainer for the store in `config`, as a lease of `kind` held
/// by `holder`; refuses at once, naming the holder, when another process
/// trains. Then runs `work` and records how it ended (`end`). Before the
/// work starts, temporary version folders and folders that an earlier
/// trainer wrote but never registered are removed: holding the lock, no one
/// else can be writing them.
pub fn with_trainer<T, E>(
    config: &Config,
    kind: &str,
    holder: &str,
    work: impl FnOnce(&Trainer) -> Result<T, E>,
    end: impl FnOnce(&Result<T, E>) -> LeaseEnd,
) -> Result<T, E>
where
    E: From<LockError>,
{
    let trainer = acquire(config, kind, holder)?;
    let result = work(&trainer);
    let (state, detail) = match end(&result) {
        LeaseEnd::Done(detail) => ("done", detail),
        LeaseEnd::Cancelled => ("cancelled", serde_json::json!({})),
        LeaseEnd::Failed(error) => ("failed", serde_json::json!({ "error": error })),
    };
    let lease = trainer.lease.lock().unwrap_or_else(|e| e.into_inner());
    if let Err(e) = lease.0.finish_job(trainer.job, state, &detail) {
        tracing::warn!(error = %e, "could not close the trainer lease");
    }
    result
}

fn acquire(config: &Config, kind: &str, holder: &str) -> Result<Trainer, LockError> {
    let store = Store::open(&config.store.path)?;
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
    // Holding the lock, any lease still running belongs to a trainer that
    // died, and nothing in the models folder is being written.
    let stale = store.abandon_jobs(&TRAINER_KINDS)?;
    if stale > 0 {
        tracing::warn!(stale, "closed the leases of trainers that died");
    }
    sweep(&store, &crate::train::versions::models_dir(config))?;
    let job = store.start_job(kind, holder, std::process::id())?;
    Ok(Trainer {
        _lock: file,
        job,
        lease: Mutex::new((store, None)),
    })
}

/// Removes temporary version folders, and complete folders that a trainer
/// recorded as being written but never registered (it died between the
/// rename and the registry row). Only folders this store's own leases name
/// are removed: another store beside this one may share the folder.
fn sweep(store: &Store, models_dir: &Path) -> Result<(), StoreError> {
    let swept = sweep_temporary(models_dir);
    if swept > 0 {
        tracing::info!(swept, dir = %models_dir.display(), "swept temporary version folders");
    }
    for version in store.unregistered_writes()? {
        // A name from our own lease row; still, never leave the folder.
        if version.is_empty() || version.contains(['/', '\\']) || version.starts_with('.') {
            continue;
        }
        let folder = models_dir.join(&version);
        match std::fs::remove_dir_all(&folder) {
            Ok(()) => {
                tracing::warn!(%version, "removed a version folder a trainer left unregistered")
            }
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
            Err(e) => {
                tracing::warn!(%version, error = %e, "could not remove an unregistered version folder")
            }
        }
    }
    store.clear_writes()
}

/// Who is training on this store right now, if anyone: the lease row of
/// the process that holds the trainer lock. A running row whose process
/// is gone (the lock is free) is marked failed on the way.
pub fn current_trainer(store: &Store) -> Result<Option<JobRow>, LockError> {
    let path = lock_path(store.path());
    let file = match File::options().write(true).open(&path) {
        Ok(f) => f,
        // No lock file: nobody has ever trained here.
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            store.abandon_jobs(&TRAINER_KINDS)?;
            return Ok(None);
        }
        Err(source) => {
            return Err(LockError::Io {
                path: path.display().to_string(),
                source,
            });
        }
    };
    match file.try_lock() {
        Ok(()) => {
            // Free: any running row is left by a process that died (or was
            // stopped while it built its dataset). The lock drops with `file`.
            store.abandon_jobs(&TRAINER_KINDS)?;
            Ok(None)
        }
        Err(TryLockError::WouldBlock) => Ok(store.running_job(&TRAINER_KINDS)?),
        Err(TryLockError::Error(source)) => Err(LockError::Io {
            path: path.display().to_string(),
            source,
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn config(dir: &Path) -> Config {
        let mut config = Config::default();
        config.store.path = dir.join("t.db");
        drop(Store::create(&config.store.path).unwrap());
        config
    }

    fn done<T>(_: &Result<T, LockError>) -> LeaseEnd {
        LeaseEnd::Done(serde_json::json!({}))
    }

    #[test]
    fn a_second_trainer_is_refused_with_the_holder_named_until_the_first_ends() {
        let dir = tempfile::tempdir().unwrap();
        let config = config(dir.path());
        let store = Store::open(&config.store.path).unwrap();
        with_trainer(
            &config,
            "finetune",
            "ann",
            |_| {
                let refused = with_trainer(&config, "pretrain", "bob", |_| Ok(()), done)
                    .unwrap_err()
                    .to_string();
                assert!(
                    refused.contains("finetune job is already running: started by ann"),
                    "{refused}"
                );
                assert!(refused.contains(&format!("(process {})", std::process::id())));
                assert_eq!(current_trainer(&store)?.unwrap().holder, "ann");
                Ok(())
            },
            done,
        )
        .unwrap();
        assert_eq!(current_trainer(&store).unwrap(), None);
        with_trainer(
            &config,
            "pretrain",
            "bob",
            |t| {
                let lease = store.running_job(&TRAINER_KINDS)?.unwrap();
                assert_eq!((lease.id, lease.holder.as_str()), (t.job(), "bob"));
                Ok(())
            },
            |_: &Result<(), LockError>| LeaseEnd::Failed("boom".into()),
        )
        .unwrap();
        assert!(store.running_job(&TRAINER_KINDS).unwrap().is_none());
        assert!(lock_path(&config.store.path).ends_with("t.db.trainer.lock"));
    }

    #[test]
    fn a_lease_left_by_a_dead_trainer_is_closed_by_the_next() {
        let dir = tempfile::tempdir().unwrap();
        let config = config(dir.path());
        let store = Store::open(&config.store.path).unwrap();
        // A row left by a process that died: no lock is held.
        let dead = store.start_job("finetune", "ghost", 1).unwrap();
        assert_eq!(current_trainer(&store).unwrap(), None);
        assert!(store.running_job(&TRAINER_KINDS).unwrap().is_none());
        let dead2 = store.start_job("pretrain", "ghost", 1).unwrap();
        with_trainer(
            &config,
            "finetune",
            "dan",
            |t| {
                assert_ne!(t.job(), dead);
                assert_ne!(t.job(), dead2);
                assert_eq!(store.running_job(&TRAINER_KINDS)?.unwrap().holder, "dan");
                Ok(())
            },
            done,
        )
        .unwrap();
    }

    #[test]
    fn a_version_folder_a_dead_trainer_left_unregistered_is_swept() {
        let dir = tempfile::tempdir().unwrap();
        let config = config(dir.path());
        let mut store = Store::open(&config.store.path).unwrap();
        let models = crate::train::versions::models_dir(&config);
        for v in ["v1", "v2", "v9", ".tmp-v3-77"] {
            std::fs::create_dir_all(models.join(v)).unwrap();
        }
        store
            .register_model("v1", None, "pretrain", &serde_json::json!({}), Some("ann"))
            .unwrap();
        // v1 was written and registered; v2 was written by a trainer that
        // was killed before registering it; v9 is no lease's (another store
        // beside this one may share the folder).
        for v in ["v1", "v2"] {
            let job = store.start_job("pretrain", "ann", 1).unwrap();
            store.job_writing(job, v).unwrap();
        }
        with_trainer(&config, "pretrain", "ann", |_| Ok(()), done).unwrap();
        let left: std::collections::BTreeSet<String> = std::fs::read_dir(&models)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        assert_eq!(left, ["v1", "v9"].map(String::from).into());
    }
}
