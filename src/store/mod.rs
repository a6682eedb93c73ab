//! The SQLite store: the only module that uses rusqlite.
//!
//! One [`Store`] wraps one connection set up for several analysts' processes
//! sharing one file: WAL, `synchronous=FULL`, foreign keys on, and IMMEDIATE
//! transactions for every writer (a DEFERRED transaction that reads and then
//! writes gets `SQLITE_BUSY` at once, whatever the busy timeout).

mod catalog;
mod console;
mod demo_sink;
pub mod disk_full;
mod feedback;
mod generations;
pub mod import;
mod jobs;
mod labels;
mod models;
mod queries;
pub mod recommend;
mod schema;

pub use console::{CandidateRow, GenerationRow};
pub use demo_sink::DemoWriter;
pub use feedback::FeedbackLabel;
pub use generations::NewGeneration;
pub use jobs::JobRow;
pub use labels::{LabelProgress, LabelState, Reverted, Verdict};
pub use models::{ModelVersion, now as unix_now};
pub use queries::{ShopperCursor, ShopperRow};

use crate::domain::Stats;
use rusqlite::{Connection, OpenFlags, TransactionBehavior};
use std::path::{Path, PathBuf};
use std::time::Duration;

/// What can go wrong in the store.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// SQLite refused an operation.
    #[error("store {path}: {source}")]
    Sqlite {
        /// The database file.
        path: String,
        /// What SQLite said.
        #[source]
        source: rusqlite::Error,
    },
    /// The schema could not be brought up to date.
    #[error("store {path}: migrating the schema: {source}")]
    Migration {
        /// The database file.
        path: String,
        /// What the migration said.
        #[source]
        source: rusqlite_migration::Error,
    },
    /// The folder for the database could not be created.
    #[error("store {path}: {source}")]
    Io {
        /// The database file.
        path: String,
        /// The I/O error.
        #[source]
        source: std::io::Error,
    },
    /// A request the store cannot satisfy, in words.
    #[error("store {path}: {message}")]
    Invalid {
        /// The database file.
        path: String,
        /// What was wrong.
        message: String,
    },
}

/// A connection to the store.
pub struct Store {
    conn: Connection,
    path: PathBuf,
}

impl std::fmt::Debug for Store {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Store").field("path", &self.path).finish()
    }
}

impl Store {
    /// Opens (creating if needed) the store at `path` and migrates it.
    pub fn open(path: &Path) -> Result<Store, StoreError> {
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir).map_err(|source| StoreError::Io {
                path: path.display().to_string(),
                source,
            })?;
        }
        let flags = OpenFlags::SQLITE_OPEN_READ_WRITE
            | OpenFlags::SQLITE_OPEN_CREATE
            | OpenFlags::SQLITE_OPEN_NO_MUTEX
            | OpenFlags::SQLITE_OPEN_URI;
        let conn =
            Connection::open_with_flags(path, flags).map_err(|source| StoreError::Sqlite {
                path: path.display().to_string(),
                source,
            })?;
        Store::setup(conn, path.to_path_buf())
    }

    /// Opens a private in-memory store, for tests.
    pub fn open_in_memory() -> Result<Store, StoreError> {
        let path = PathBuf::from(":memory:");
        let conn = Connection::open_in_memory().map_err(|source| StoreError::Sqlite {
            path: path.display().to_string(),
            source,
        })?;
        Store::setup(conn, path)
    }

    fn setup(mut conn: Connection, path: PathBuf) -> Result<Store, StoreError> {
        let sql = |source| StoreError::Sqlite {
            path: path.display().to_string(),
            source,
        };
        conn.busy_timeout(Duration::from_secs(10)).map_err(sql)?;
        conn.set_transaction_behavior(TransactionBehavior::Immediate);
        // journal_mode returns a row, so it is read rather than executed.
        let _mode: String = conn
            .query_row("PRAGMA journal_mode = WAL", [], |r| r.get(0))
            .map_err(sql)?;
        conn.execute_batch(
            "PRAGMA synchronous = FULL;
             PRAGMA foreign_keys = ON;
             PRAGMA temp_store = MEMORY;
             PRAGMA cache_size = -65536;",
        )
        .map_err(sql)?;
        conn.set_prepared_statement_cache_capacity(64);
        schema::migrations()
            .to_latest(&mut conn)
            .map_err(|source| StoreError::Migration {
                path: path.display().to_string(),
                source,
            })?;
        Ok(Store { conn, path })
    }

    /// The database file this store was opened on.
    pub fn path(&self) -> &Path {
        &self.path
    }

    fn err(&self, source: rusqlite::Error) -> StoreError {
        StoreError::Sqlite {
            path: self.path.display().to_string(),
            source,
        }
    }

    /// Store counts, as `tailor stats` reports them.
    pub fn stats(&self) -> Result<Stats, StoreError> {
        let count = |table: &str| -> Result<u64, StoreError> {
            // MAX(rowid) would be faster but wrong after deletes; count(*) on
            // these tables uses the smallest index and stays well under a
            // second at 20M events.
            self.conn
                .prepare_cached(&format!("SELECT count(*) FROM {table}"))
                .and_then(|mut s| s.query_row([], |r| r.get::<_, i64>(0)))
                .map(|n| n as u64)
                .map_err(|e| self.err(e))
        };
        Ok(Stats {
            users: count("users")?,
            products: count("products")?,
            events: count("events")?,
            generations: count("generations")?,
            labels: count("labels")?,
            active_model: self.active_model()?,
        })
    }

    /// The active model version, if any: the newest activation wins.
    pub fn active_model(&self) -> Result<Option<String>, StoreError> {
        use rusqlite::OptionalExtension;
        self.conn
            .prepare_cached("SELECT version FROM model_activations ORDER BY id DESC LIMIT 1")
            .and_then(|mut s| s.query_row([], |r| r.get(0)).optional())
            .map_err(|e| self.err(e))
    }

    /// Whether the store holds no shoppers, products or events.
    pub fn is_empty(&self) -> Result<bool, StoreError> {
        let s = self.stats()?;
        Ok(s.users == 0 && s.products == 0 && s.events == 0)
    }

    /// Refreshes the query planner's statistics; run after a bulk load.
    pub fn analyze(&self) -> Result<(), StoreError> {
        self.conn
            .execute_batch("ANALYZE; PRAGMA optimize;")
            .map_err(|e| self.err(e))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn opens_with_wal_and_foreign_keys() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(&dir.path().join("nested/t.db")).unwrap();
        let mode: String = store
            .conn
            .query_row("PRAGMA journal_mode", [], |r| r.get(0))
            .unwrap();
        assert_eq!(mode, "wal");
        let fk: i64 = store
            .conn
            .query_row("PRAGMA foreign_keys", [], |r| r.get(0))
            .unwrap();
        assert_eq!(fk, 1);
        let sync: i64 = store
            .conn
            .query_row("PRAGMA synchronous", [], |r| r.get(0))
            .unwrap();
        assert_eq!(sync, 2, "synchronous=FULL");
        assert_eq!(store.stats().unwrap(), Stats::default());
    }

    #[test]
    fn reopening_keeps_the_schema_version() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("t.db");
        drop(Store::open(&path).unwrap());
        let store = Store::open(&path).unwrap();
        let v: i64 = store
            .conn
            .query_row("PRAGMA user_version", [], |r| r.get(0))
            .unwrap();
        assert!(v >= 1);
    }
}
