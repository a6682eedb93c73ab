//! Opening a store: a file is recognised as ours before anything changes
//! it, only the create path makes or fills one, and a store the process
//! cannot write is still opened for reading.

use super::schema::{self, APPLICATION_ID, FIRST_TABLES};
use super::{Store, StoreError};
use rusqlite::{Connection, ErrorCode, OpenFlags, TransactionBehavior};
use std::path::{Path, PathBuf};
use std::time::Duration;

/// What is at a store path, found without writing anything there.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Found {
    /// No file: only `tailor init` or the console's first run may make one.
    Missing,
    /// An SQLite database with no schema at all (an empty file included).
    Empty,
    /// A tailor store.
    Tailor,
}

/// What a database's header and schema say it is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Empty,
    /// Ours; `stamped` is false for a store made before the application id.
    Tailor {
        stamped: bool,
    },
    Foreign,
}

/// How a connection is opened, most capable first.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Access {
    ReadWrite,
    /// `mode=ro`: still reads the WAL, through a `-shm` file it may create.
    ReadOnly,
    /// `immutable=1`: no `-shm` and no locks, for when even that file
    /// cannot be created (a read-only folder or mount).
    Immutable,
}

/// What the caller means to do with the store.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Intent {
    /// Create the file if missing, initialise it if empty.
    Create,
    /// An existing store, written to.
    Write,
    /// An existing store, read: read-only when it cannot be written.
    Read,
}

impl Store {
    /// Creates the store at `path`, its folder included, or opens the one
    /// there; an empty database is initialised. Only `tailor init`, the
    /// console's first run and the demo shop call this.
    pub fn create(path: &Path) -> Result<Store, StoreError> {
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir).map_err(|source| StoreError::Io {
                path: path.display().to_string(),
                source,
            })?;
        }
        Store::open_as(path, Intent::Create)
    }

    /// Opens the existing store at `path` to read and write it; creates
    /// nothing, and refuses a store the process cannot write.
    pub fn open(path: &Path) -> Result<Store, StoreError> {
        Store::open_as(path, Intent::Write)
    }

    /// Opens the existing store at `path` for a command that only reads:
    /// read-only ([`Store::is_read_only`]) when the process cannot write it.
    pub fn open_for_reading(path: &Path) -> Result<Store, StoreError> {
        Store::open_as(path, Intent::Read)
    }

    /// Opens the existing store at `path` read-only, even when it could be
    /// written.
    pub fn open_read_only(path: &Path) -> Result<Store, StoreError> {
        Store::open_from(path, Intent::Read, Access::ReadOnly)
    }

    /// What is at `path`, found without writing anything: a file that is not
    /// SQLite, or another program's database, is an error.
    pub fn inspect(path: &Path) -> Result<Found, StoreError> {
        if !exists(path)? {
            return Ok(Found::Missing);
        }
        let (_conn, kind, _) = connect(path, Intent::Read, Access::ReadWrite)?;
        match kind {
            Kind::Empty => Ok(Found::Empty),
            Kind::Tailor { .. } => Ok(Found::Tailor),
            Kind::Foreign => Err(StoreError::Foreign {
                path: path.display().to_string(),
            }),
        }
    }

    /// Checks, writing nothing, that a tailor store is at `path`.
    pub fn check(path: &Path) -> Result<(), StoreError> {
        let path_text = path.display().to_string();
        match Store::inspect(path)? {
            Found::Tailor => Ok(()),
            Found::Missing => Err(StoreError::Missing { path: path_text }),
            Found::Empty => Err(StoreError::Uninitialised { path: path_text }),
        }
    }

    /// Whether this store was opened read-only because it cannot be written.
    pub fn is_read_only(&self) -> bool {
        self.read_only
    }

    fn open_as(path: &Path, intent: Intent) -> Result<Store, StoreError> {
        Store::open_from(path, intent, Access::ReadWrite)
    }

    /// Opens `path` trying the rungs from `first` down: tests start lower
    /// to reach the read-only paths, which root's writes would skip.
    fn open_from(path: &Path, intent: Intent, first: Access) -> Result<Store, StoreError> {
        let path_text = || path.display().to_string();
        if intent != Intent::Create && !exists(path)? {
            return Err(StoreError::Missing { path: path_text() });
        }
        let (conn, kind, access) = connect(path, intent, first)?;
        let stamped = match kind {
            Kind::Foreign => return Err(StoreError::Foreign { path: path_text() }),
            Kind::Empty if intent != Intent::Create => {
                return Err(StoreError::Uninitialised { path: path_text() });
            }
            Kind::Empty => false,
            Kind::Tailor { stamped } => stamped,
        };
        match access {
            Access::ReadWrite => Store::setup(conn, path.to_path_buf(), stamped),
            _ if matches!(intent, Intent::Create | Intent::Write) => {
                Err(StoreError::ReadOnly { path: path_text() })
            }
            _ => Store::setup_read_only(conn, path.to_path_buf()),
        }
    }

    /// Sets a writable connection up: WAL, the pragmas, the schema brought
    /// up to date, and the application id stamped if it was missing.
    pub(super) fn setup(
        mut conn: Connection,
        path: PathBuf,
        stamped: bool,
    ) -> Result<Store, StoreError> {
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
        if !stamped {
            conn.pragma_update(None, "application_id", APPLICATION_ID)
                .map_err(sql)?;
        }
        Ok(Store {
            conn,
            path,
            read_only: false,
        })
    }

    /// Sets a read-only connection up. Nothing can be migrated, so the
    /// schema must already be the one this build knows.
    fn setup_read_only(conn: Connection, path: PathBuf) -> Result<Store, StoreError> {
        let sql = |source| StoreError::Sqlite {
            path: path.display().to_string(),
            source,
        };
        conn.execute_batch(
            "PRAGMA query_only = ON;
             PRAGMA foreign_keys = ON;
             PRAGMA temp_store = MEMORY;
             PRAGMA cache_size = -65536;",
        )
        .map_err(sql)?;
        conn.set_prepared_statement_cache_capacity(64);
        let version: i64 = conn
            .query_row("PRAGMA user_version", [], |r| r.get(0))
            .map_err(sql)?;
        let latest = schema::latest_version();
        if version != latest {
            let message = if version > latest {
                format!("was made by a newer tailor (schema {version}; this one knows {latest})")
            } else {
                format!(
                    "is read-only and at schema {version}, not {latest}; \
                     open it once with write access to upgrade it"
                )
            };
            return Err(StoreError::Invalid {
                path: path.display().to_string(),
                message,
            });
        }
        Ok(Store {
            conn,
            path,
            read_only: true,
        })
    }
}

/// Whether something is at `path`, without opening it.
fn exists(path: &Path) -> Result<bool, StoreError> {
    match std::fs::metadata(path) {
        Ok(meta) if meta.is_dir() => Err(StoreError::Invalid {
            path: path.display().to_string(),
            message: "is a folder, not a database file; choose another --db".into(),
        }),
        Ok(_) => Ok(true),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(false),
        Err(source) => Err(StoreError::Io {
            path: path.display().to_string(),
            source,
        }),
    }
}

/// Opens `path` on the first rung of the ladder that can read it, and says
/// what the database is. Nothing here writes: the file is recognised before
/// the caller may change it.
fn connect(
    path: &Path,
    intent: Intent,
    first: Access,
) -> Result<(Connection, Kind, Access), StoreError> {
    let rungs: &[Access] = match first {
        Access::ReadWrite => &[Access::ReadWrite, Access::ReadOnly, Access::Immutable],
        Access::ReadOnly => &[Access::ReadOnly, Access::Immutable],
        Access::Immutable => &[Access::Immutable],
    };
    let mut first_error = None;
    for &access in rungs {
        if access == Access::Immutable && wal_has_data(path) {
            // An immutable connection ignores the WAL: it would show the
            // store as of its last checkpoint, without saying so.
            return Err(StoreError::Invalid {
                path: path.display().to_string(),
                message: format!(
                    "is read-only, and its write-ahead log {} holds changes \
                     that only a writable store can read",
                    wal_path(path).display()
                ),
            });
        }
        match try_rung(path, access, intent == Intent::Create) {
            Ok(Some((conn, kind))) => return Ok((conn, kind, access)),
            // The OS would only let it read: the read-only rungs do that.
            Ok(None) => {}
            Err(e) if e.sqlite_error_code() == Some(ErrorCode::NotADatabase) => {
                return Err(StoreError::NotSqlite {
                    path: path.display().to_string(),
                });
            }
            // What a store the process cannot write looks like; anything
            // else (busy, corrupt) is not cured by reading only.
            Err(e)
                if matches!(
                    e.sqlite_error_code(),
                    Some(
                        ErrorCode::CannotOpen
                            | ErrorCode::ReadOnly
                            | ErrorCode::PermissionDenied
                            | ErrorCode::SystemIoFailure
                    )
                ) =>
            {
                first_error.get_or_insert(e);
            }
            Err(e) => {
                return Err(StoreError::Sqlite {
                    path: path.display().to_string(),
                    source: first_error.unwrap_or(e),
                });
            }
        }
    }
    Err(match first_error {
        Some(source) => StoreError::Sqlite {
            path: path.display().to_string(),
            source,
        },
        None => StoreError::Invalid {
            path: path.display().to_string(),
            message: "cannot be opened".into(),
        },
    })
}

/// One rung: the connection and what it found, or `None` when a read-write
/// open was let read only.
fn try_rung(
    path: &Path,
    access: Access,
    create: bool,
) -> rusqlite::Result<Option<(Connection, Kind)>> {
    // No SQLITE_OPEN_URI on the plain rungs: a path is a path, even one
    // that starts with "file:".
    let conn = match access {
        Access::ReadWrite => {
            let mut flags = OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_NO_MUTEX;
            if create {
                flags |= OpenFlags::SQLITE_OPEN_CREATE;
            }
            Connection::open_with_flags(path, flags)?
        }
        Access::ReadOnly => Connection::open_with_flags(
            path,
            OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX,
        )?,
        Access::Immutable => Connection::open_with_flags(
            immutable_uri(path),
            OpenFlags::SQLITE_OPEN_READ_ONLY
                | OpenFlags::SQLITE_OPEN_NO_MUTEX
                | OpenFlags::SQLITE_OPEN_URI,
        )?,
    };
    if access == Access::ReadWrite && conn.is_readonly(rusqlite::MAIN_DB)? {
        return Ok(None);
    }
    // Before the first read: a writer mid-checkpoint must not look like a
    // store that cannot be opened.
    conn.busy_timeout(Duration::from_secs(10))?;
    let kind = recognise(&conn)?;
    Ok(Some((conn, kind)))
}

/// Reads the application id, the schema version and the table names.
fn recognise(conn: &Connection) -> rusqlite::Result<Kind> {
    let app: i32 = conn.query_row("PRAGMA application_id", [], |r| r.get(0))?;
    if app == APPLICATION_ID {
        return Ok(Kind::Tailor { stamped: true });
    }
    if app != 0 {
        return Ok(Kind::Foreign);
    }
    let version: i64 = conn.query_row("PRAGMA user_version", [], |r| r.get(0))?;
    let objects: i64 = conn.query_row("SELECT count(*) FROM sqlite_schema", [], |r| r.get(0))?;
    if objects == 0 && version == 0 {
        return Ok(Kind::Empty);
    }
    let mut stmt = conn.prepare("SELECT name FROM sqlite_schema WHERE type = 'table'")?;
    let tables = stmt
        .query_map([], |r| r.get::<_, String>(0))?
        .collect::<rusqlite::Result<Vec<_>>>()?;
    let ours = FIRST_TABLES
        .iter()
        .all(|t| tables.iter().any(|name| name == t));
    Ok(if version >= 1 && ours {
        Kind::Tailor { stamped: false }
    } else {
        Kind::Foreign
    })
}

fn wal_path(path: &Path) -> PathBuf {
    let mut wal = path.as_os_str().to_owned();
    wal.push("-wal");
    PathBuf::from(wal)
}

/// Whether the store's `-wal` file holds anything (checked with `stat`,
/// never by opening it: closing a file drops the process's SQLite locks).
fn wal_has_data(path: &Path) -> bool {
    std::fs::metadata(wal_path(path)).is_ok_and(|m| m.len() > 0)
}

/// `file:///ABSOLUTE/PATH?immutable=1`, each byte outside the unreserved
/// set percent-encoded so that `?`, `#` or `%` in a name stay part of it.
fn immutable_uri(path: &Path) -> String {
    let absolute = std::path::absolute(path).unwrap_or_else(|_| path.to_path_buf());
    let mut uri = String::from("file://");
    for &b in absolute.as_os_str().as_encoded_bytes() {
        if b.is_ascii_alphanumeric() || b"/-._~".contains(&b) {
            uri.push(b as char);
        } else {
            uri.push_str(&format!("%{b:02X}"));
        }
    }
    uri.push_str("?immutable=1");
    uri
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::Stats;

    /// A database another program made: one table `t`, rollback journal.
    fn foreign(path: &Path) {
        let conn = Connection::open(path).unwrap();
        conn.execute_batch("CREATE TABLE t(x); INSERT INTO t VALUES (1);")
            .unwrap();
    }

    fn journal_mode(path: &Path) -> String {
        let conn = Connection::open(path).unwrap();
        conn.query_row("PRAGMA journal_mode", [], |r| r.get(0))
            .unwrap()
    }

    fn application_id(path: &Path) -> i32 {
        let conn = Connection::open(path).unwrap();
        conn.query_row("PRAGMA application_id", [], |r| r.get(0))
            .unwrap()
    }

    #[test]
    fn a_new_store_is_stamped_with_the_application_id() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("t.db");
        drop(Store::create(&path).unwrap());
        assert_eq!(application_id(&path), APPLICATION_ID);
        assert_eq!(Store::inspect(&path).unwrap(), Found::Tailor);
    }

    #[test]
    fn a_foreign_database_is_refused_by_every_opening_and_left_unchanged() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("foreign.db");
        foreign(&path);
        let before = std::fs::read(&path).unwrap();
        type Opener = fn(&Path) -> Result<Store, StoreError>;
        let openers: [(&str, Opener); 4] = [
            ("create", Store::create),
            ("open", Store::open),
            ("open_for_reading", Store::open_for_reading),
            ("open_read_only", Store::open_read_only),
        ];
        for (name, open) in openers {
            let err = open(&path).unwrap_err();
            assert!(matches!(err, StoreError::Foreign { .. }), "{name}: {err}");
            assert_eq!(
                err.to_string(),
                format!(
                    "store {}: not a tailor store (another program's SQLite database); \
                     choose another --db",
                    path.display()
                )
            );
        }
        assert!(matches!(
            Store::inspect(&path),
            Err(StoreError::Foreign { .. })
        ));
        assert_eq!(std::fs::read(&path).unwrap(), before, "the file changed");
        assert_eq!(journal_mode(&path), "delete");
        let names: Vec<_> = std::fs::read_dir(dir.path())
            .unwrap()
            .map(|e| e.unwrap().file_name())
            .collect();
        assert_eq!(names, ["foreign.db"], "nothing beside it");
    }

    #[test]
    fn a_colliding_users_table_is_refused_in_one_short_line() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("shop.db");
        Connection::open(&path)
            .unwrap()
            .execute_batch("CREATE TABLE users(id INTEGER PRIMARY KEY, email TEXT);")
            .unwrap();
        let err = Store::create(&path).unwrap_err().to_string();
        assert!(err.contains("not a tailor store"), "{err}");
        assert!(!err.contains('\n') && err.len() < 200, "{err}");
        assert_eq!(journal_mode(&path), "delete");
    }

    #[test]
    fn a_database_with_another_application_id_is_foreign_even_with_our_tables() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("t.db");
        drop(Store::create(&path).unwrap());
        Connection::open(&path)
            .unwrap()
            .pragma_update(None, "application_id", 42)
            .unwrap();
        assert!(matches!(
            Store::open(&path),
            Err(StoreError::Foreign { .. })
        ));
    }

    #[test]
    fn a_file_that_is_not_sqlite_is_refused_in_its_own_words() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("notes.db");
        std::fs::write(&path, "product_id,title\n".repeat(20)).unwrap();
        let before = std::fs::read(&path).unwrap();
        for open in [Store::create, Store::open, Store::open_for_reading] {
            let err = open(&path).unwrap_err();
            assert!(matches!(err, StoreError::NotSqlite { .. }), "{err}");
            assert_eq!(
                err.to_string(),
                format!(
                    "store {}: not an SQLite database; choose another --db",
                    path.display()
                )
            );
        }
        assert_eq!(std::fs::read(&path).unwrap(), before);
    }

    #[test]
    fn opening_a_missing_store_creates_nothing() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("nodir/typo.db");
        for open in [Store::open, Store::open_for_reading, Store::open_read_only] {
            let err = open(&path).unwrap_err();
            assert_eq!(
                err.to_string(),
                format!(
                    "no store at {}; run `tailor init` (or `tailor` for the demo)",
                    path.display()
                )
            );
        }
        assert_eq!(Store::inspect(&path).unwrap(), Found::Missing);
        assert!(Store::check(&path).is_err());
        assert!(!dir.path().join("nodir").exists());
    }

    #[test]
    fn create_makes_the_folder_and_the_store() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("nested/t.db");
        let store = Store::create(&path).unwrap();
        assert_eq!(store.stats().unwrap(), Stats::default());
        assert!(!store.is_read_only());
        drop(store);
        assert!(Store::check(&path).is_ok());
    }

    #[test]
    fn an_empty_database_is_initialised_only_by_create() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("empty.db");
        std::fs::write(&path, b"").unwrap();
        assert_eq!(Store::inspect(&path).unwrap(), Found::Empty);
        for open in [Store::open, Store::open_for_reading] {
            let err = open(&path).unwrap_err();
            assert!(matches!(err, StoreError::Uninitialised { .. }), "{err}");
        }
        assert_eq!(std::fs::metadata(&path).unwrap().len(), 0, "left empty");
        drop(Store::create(&path).unwrap());
        assert_eq!(Store::inspect(&path).unwrap(), Found::Tailor);
    }

    #[test]
    fn a_store_made_before_the_application_id_is_adopted_and_stamped() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("old.db");
        {
            // What Store::open made before the stamp: the schema, id 0.
            let mut conn = Connection::open(&path).unwrap();
            conn.query_row("PRAGMA journal_mode = WAL", [], |r| r.get::<_, String>(0))
                .unwrap();
            schema::migrations().to_version(&mut conn, 1).unwrap();
            conn.execute(
                "INSERT INTO users (user_id, display_name) VALUES ('u1', 'Ann')",
                [],
            )
            .unwrap();
        }
        assert_eq!(application_id(&path), 0);
        let store = Store::open(&path).unwrap();
        assert_eq!(store.stats().unwrap().users, 1);
        drop(store);
        assert_eq!(application_id(&path), APPLICATION_ID);
        let conn = Connection::open(&path).unwrap();
        let version: i64 = conn
            .query_row("PRAGMA user_version", [], |r| r.get(0))
            .unwrap();
        assert_eq!(version, schema::latest_version(), "migrated as well");
    }

    #[test]
    fn an_old_store_read_only_is_recognised_but_not_stamped() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("old.db");
        drop(Store::create(&path).unwrap());
        Connection::open(&path)
            .unwrap()
            .pragma_update(None, "application_id", 0)
            .unwrap();
        let store = Store::open_read_only(&path).unwrap();
        assert!(store.is_read_only());
        drop(store);
        assert_eq!(application_id(&path), 0);
    }

    /// A store with one shopper, closed cleanly (its WAL checkpointed).
    fn one_shopper(path: &Path) {
        let store = Store::create(path).unwrap();
        store
            .conn
            .execute("INSERT INTO users (user_id) VALUES ('u1')", [])
            .unwrap();
    }

    #[test]
    fn a_store_opened_read_only_reads_and_refuses_writes() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("t.db");
        one_shopper(&path);
        let store = Store::open_read_only(&path).unwrap();
        assert!(store.is_read_only());
        assert_eq!(store.stats().unwrap().users, 1);
        let err = store
            .conn
            .execute("INSERT INTO users (user_id) VALUES ('u2')", [])
            .unwrap_err();
        assert_eq!(err.sqlite_error_code(), Some(ErrorCode::ReadOnly), "{err}");
    }

    #[test]
    fn an_immutable_store_reads_without_a_shm_file() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("t.db");
        one_shopper(&path);
        let store = Store::open_from(&path, Intent::Read, Access::Immutable).unwrap();
        assert!(store.is_read_only());
        assert_eq!(store.stats().unwrap().users, 1);
        let mut shm = path.as_os_str().to_owned();
        shm.push("-shm");
        assert!(!Path::new(&shm).exists(), "immutable needs no -shm");
    }

    #[test]
    fn immutable_is_not_used_when_the_wal_holds_changes() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("t.db");
        one_shopper(&path);
        let live = Store::open(&path).unwrap();
        live.conn
            .execute_batch("PRAGMA wal_autocheckpoint = 0;")
            .unwrap();
        live.conn
            .execute("INSERT INTO users (user_id) VALUES ('u2')", [])
            .unwrap();
        let err = Store::open_from(&path, Intent::Read, Access::Immutable).unwrap_err();
        assert!(err.to_string().contains("write-ahead log"), "{err}");
    }

    #[test]
    fn a_write_opening_of_a_store_that_cannot_be_written_says_it_is_read_only() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("t.db");
        one_shopper(&path);
        // Root writes through any mode bits, so the read-only rungs are
        // entered directly, as a store the process cannot write reaches them.
        for intent in [Intent::Write, Intent::Create] {
            for first in [Access::ReadOnly, Access::Immutable] {
                let err = Store::open_from(&path, intent, first).unwrap_err();
                assert!(matches!(err, StoreError::ReadOnly { .. }), "{err}");
            }
        }
        let err = Store::open_from(&path, Intent::Write, Access::ReadOnly).unwrap_err();
        assert_eq!(
            err.to_string(),
            format!(
                "store {} is read-only; this command needs to write to it",
                path.display()
            )
        );
    }

    #[test]
    fn a_read_only_store_at_an_older_schema_is_refused_not_misread() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("old.db");
        {
            let mut conn = Connection::open(&path).unwrap();
            schema::migrations().to_version(&mut conn, 1).unwrap();
        }
        let err = Store::open_read_only(&path).unwrap_err().to_string();
        assert!(err.contains("upgrade"), "{err}");
    }

    #[test]
    fn the_immutable_uri_keeps_odd_characters_in_the_name() {
        let uri = immutable_uri(Path::new("/tmp/a b?c#d%e.db"));
        assert_eq!(uri, "file:///tmp/a%20b%3Fc%23d%25e.db?immutable=1");
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("a b?c#d%e.db");
        one_shopper(&path);
        let store = Store::open_from(&path, Intent::Read, Access::Immutable).unwrap();
        assert_eq!(store.stats().unwrap().users, 1);
    }
}
