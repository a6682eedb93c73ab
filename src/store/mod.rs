//! The SQLite store: the only module that uses rusqlite.
//!
//! One [`Store`] wraps one connection set up for several analysts' processes
//! sharing one file: WAL, `synchronous=FULL`, foreign keys on, and IMMEDIATE
//! transactions for every writer (a DEFERRED transaction that reads and then
//! writes gets `SQLITE_BUSY` at once, whatever the busy timeout).

mod approved;
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
mod open;
mod queries;
pub mod recommend;
mod schema;
mod sessions;

pub use approved::{ApprovedCopy, ApprovedCounts, ApprovedFormat, ApprovedScope};
pub use console::{CandidateRow, GenerationRow};
pub use demo_sink::DemoWriter;
pub use feedback::FeedbackLabel;
pub use generations::NewGeneration;
pub use jobs::JobRow;
pub use labels::{LabelCounts, LabelProgress, LabelState, Labeller, Reverted, Verdict};
pub use models::{ModelVersion, now as unix_now};
pub use open::Found;
pub use queries::{ShopperCursor, ShopperRow};
pub use schema::APPLICATION_ID;
pub use sessions::ConsoleRun;

use crate::domain::Stats;
use rusqlite::Connection;
use std::path::{Path, PathBuf};

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
    /// Nothing is at the path, and this command may not create a store.
    #[error("no store at {path}; run `tailor init` (or `tailor` for the demo)")]
    Missing {
        /// The database file.
        path: String,
    },
    /// The file is not an SQLite database at all.
    #[error("store {path}: not an SQLite database; choose another --db")]
    NotSqlite {
        /// The file.
        path: String,
    },
    /// Another program's SQLite database: never changed, never adopted.
    #[error(
        "store {path}: not a tailor store (another program's SQLite database); choose another --db"
    )]
    Foreign {
        /// The database file.
        path: String,
    },
    /// An SQLite database with no schema, which only `tailor init` fills.
    #[error("store {path}: an empty database, not yet a tailor store; run `tailor init`")]
    Uninitialised {
        /// The database file.
        path: String,
    },
    /// A command that writes met a store the process cannot write.
    #[error("store {path} is read-only; this command needs to write to it")]
    ReadOnly {
        /// The database file.
        path: String,
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
    /// Opened read-only because the process cannot write the store.
    read_only: bool,
}

impl std::fmt::Debug for Store {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Store").field("path", &self.path).finish()
    }
}

impl Store {
    /// Opens a private in-memory store, for tests.
    pub fn open_in_memory() -> Result<Store, StoreError> {
        let path = PathBuf::from(":memory:");
        let conn = Connection::open_in_memory().map_err(|source| StoreError::Sqlite {
            path: path.display().to_string(),
            source,
        })?;
        Store::setup(conn, path, false)
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

    /// SQLite's `PRAGMA data_version`: it changes when another connection
    /// commits to the store, so a long-lived reader can notice that its
    /// views are stale without reading them again.
    pub fn data_version(&self) -> Result<i64, StoreError> {
        self.conn
            .query_row("PRAGMA data_version", [], |r| r.get(0))
            .map_err(|e| self.err(e))
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
            labels: count("labels_in_effect")?,
            label_rows: count("labels WHERE label IN ('up', 'down')")?,
            labelled_candidates: count("(SELECT DISTINCT generation FROM active_labels)")?,
            active_model: self.active_model()?,
        })
    }

    /// The active model version, if any: the newest activation of a version
    /// that has not been refused wins.
    pub fn active_model(&self) -> Result<Option<String>, StoreError> {
        use rusqlite::OptionalExtension;
        self.conn
            .prepare_cached(
                "SELECT a.version FROM model_activations a
                 JOIN model_versions v ON v.version = a.version
                 WHERE v.status <> 'refused'
                 ORDER BY a.id DESC LIMIT 1",
            )
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
        let store = Store::create(&dir.path().join("nested/t.db")).unwrap();
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
        drop(Store::create(&path).unwrap());
        let store = Store::open(&path).unwrap();
        let v: i64 = store
            .conn
            .query_row("PRAGMA user_version", [], |r| r.get(0))
            .unwrap();
        assert!(v >= 1);
    }
}
