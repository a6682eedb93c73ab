//! Console runs: the scope of undo and redo.
//!
//! Each console labels within one *run*, a `console_runs` row, and undo only
//! ever acts on that run's labels: two consoles open under one OS account
//! must not undo each other's work. A run is live while its process holds
//! an exclusive lock on `<store>.session-<id>.lock` (the kernel drops the
//! lock however the process ends, `kill -9` included). A console starting
//! up resumes the analyst's newest run that is not live, so a restarted
//! console still undoes what it labelled before the restart; when every run
//! of theirs is live (a second console), it starts a new one.

use super::models::now;
use super::{Store, StoreError};
use rusqlite::params;
use std::fs::{File, OpenOptions, TryLockError};
use std::path::{Path, PathBuf};

/// A console run held by this process. Dropping it frees the run for the
/// analyst's next console.
#[derive(Debug)]
pub struct ConsoleRun {
    id: i64,
    /// Held for the run's lifetime; `None` for an in-memory store, which no
    /// other process can open.
    _lock: Option<File>,
}

impl ConsoleRun {
    /// The `console_runs` row, recorded with each label as `labels.session`.
    pub fn id(&self) -> i64 {
        self.id
    }
}

/// Runs of one analyst tried for resumption before a new one is started.
const RESUMABLE: i64 = 16;

/// The lock file of run `id` of the store at `db`: `<db>.session-<id>.lock`.
pub fn run_lock_path(db: &Path, id: i64) -> PathBuf {
    let mut name = db.as_os_str().to_owned();
    name.push(format!(".session-{id}.lock"));
    PathBuf::from(name)
}

impl Store {
    /// Takes a console run for `analyst`: their newest run no other process
    /// holds, or a new one.
    pub fn claim_console_run(&mut self, analyst: &str) -> Result<ConsoleRun, StoreError> {
        let in_memory = self.path == Path::new(":memory:");
        let runs: Vec<i64> = self
            .conn
            .prepare_cached(
                "SELECT id FROM console_runs WHERE analyst = ?1 ORDER BY id DESC LIMIT ?2",
            )
            .and_then(|mut s| {
                s.query_map(params![analyst, RESUMABLE], |r| r.get(0))?
                    .collect()
            })
            .map_err(|e| self.err(e))?;
        if !in_memory {
            for id in runs {
                if let Some(lock) = self.try_lock_run(id)? {
                    tracing::info!(run = id, analyst, "resumed console run");
                    return Ok(ConsoleRun {
                        id,
                        _lock: Some(lock),
                    });
                }
            }
        }
        let id: i64 = self
            .conn
            .prepare_cached(
                "INSERT INTO console_runs (analyst, started_at) VALUES (?1, ?2) RETURNING id",
            )
            .and_then(|mut s| s.query_row(params![analyst, now()], |r| r.get(0)))
            .map_err(|e| self.err(e))?;
        let lock = if in_memory {
            None
        } else {
            // A fresh id: only a process that raced us to the same row
            // number could hold it, and rowids are never reused.
            self.try_lock_run(id)?
        };
        tracing::info!(run = id, analyst, "new console run");
        Ok(ConsoleRun { id, _lock: lock })
    }

    /// The lock of run `id`, or `None` when another process holds it.
    fn try_lock_run(&self, id: i64) -> Result<Option<File>, StoreError> {
        let path = run_lock_path(&self.path, id);
        let io = |source| StoreError::Io {
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
            Ok(()) => Ok(Some(file)),
            Err(TryLockError::WouldBlock) => Ok(None),
            Err(TryLockError::Error(e)) => Err(io(e)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_second_console_gets_its_own_run_and_a_restart_resumes_the_old_one() {
        let dir = tempfile::tempdir().unwrap();
        let db = dir.path().join("t.db");
        let mut a = Store::create(&db).unwrap();
        let mut b = Store::open(&db).unwrap();
        let first = a.claim_console_run("ann").unwrap();
        let second = b.claim_console_run("ann").unwrap();
        assert_ne!(first.id(), second.id(), "two live consoles share no run");
        let bob = b.claim_console_run("bob").unwrap();
        assert_ne!(bob.id(), first.id());
        let first_id = first.id();
        drop(first);
        // The first console quit (or was killed): its run is free again.
        let again = a.claim_console_run("ann").unwrap();
        assert_eq!(again.id(), first_id);
        assert!(run_lock_path(&db, first_id).ends_with(format!("t.db.session-{first_id}.lock")));
    }
}
