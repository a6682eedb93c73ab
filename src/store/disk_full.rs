//! Recognising a full disk in the store's errors, so the user is told
//! "disk full" instead of SQLite's "disk I/O error … xShmMap".

use std::error::Error;

/// Whether `e` (one link of an error chain) says the disk is full: SQLite's
/// `SQLITE_FULL`, a shared-memory file that could not grow, or the
/// operating system's `ENOSPC`.
pub fn is_disk_full(e: &(dyn Error + 'static)) -> bool {
    if let Some(e) = e.downcast_ref::<std::io::Error>() {
        return e.kind() == std::io::ErrorKind::StorageFull;
    }
    if let Some(e) = e.downcast_ref::<rusqlite::Error>() {
        return sqlite_full(e);
    }
    if let Some(rusqlite_migration::Error::RusqliteError { err, .. }) =
        e.downcast_ref::<rusqlite_migration::Error>()
    {
        return sqlite_full(err);
    }
    false
}

fn sqlite_full(e: &rusqlite::Error) -> bool {
    let rusqlite::Error::SqliteFailure(e, _) = e else {
        return false;
    };
    // SQLite turns ENOSPC on a database or journal write into SQLITE_FULL
    // itself, but not on the WAL index (`-shm`): that file grows by writing
    // one byte per page, and a failed write there is IOERR_SHMSIZE. SQLite
    // keeps the errno to itself (reading it needs the raw handle), and the
    // only other ways such a one-byte write fails are a quota (also a full
    // disk, to the user) or a file size limit.
    e.code == rusqlite::ErrorCode::DiskFull
        || e.extended_code == rusqlite::ffi::SQLITE_IOERR_SHMSIZE
}

/// The error the issue saw when the WAL index could not grow on a full
/// disk ("disk I/O error … xShmMap"), for tests outside the store.
#[cfg(test)]
pub(crate) fn shm_full(path: &str) -> super::StoreError {
    super::StoreError::Sqlite {
        path: path.into(),
        source: rusqlite::Error::SqliteFailure(
            rusqlite::ffi::Error::new(rusqlite::ffi::SQLITE_IOERR_SHMSIZE),
            Some("disk I/O error".into()),
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rusqlite::ffi;

    fn sqlite(code: i32, message: &str) -> rusqlite::Error {
        rusqlite::Error::SqliteFailure(ffi::Error::new(code), Some(message.into()))
    }

    #[test]
    fn sqlite_full_and_a_shm_file_that_cannot_grow_are_a_full_disk() {
        assert!(is_disk_full(&sqlite(
            ffi::SQLITE_FULL,
            "database or disk is full"
        )));
        assert!(is_disk_full(&sqlite(
            ffi::SQLITE_IOERR_SHMSIZE,
            "disk I/O error"
        )));
        let migration = rusqlite_migration::Error::RusqliteError {
            query: "CREATE TABLE t (x)".into(),
            err: sqlite(ffi::SQLITE_FULL, "database or disk is full"),
        };
        assert!(is_disk_full(&migration));
        assert!(is_disk_full(&std::io::Error::from_raw_os_error(28)));
    }

    #[test]
    fn other_errors_are_not_a_full_disk() {
        assert!(!is_disk_full(&sqlite(
            ffi::SQLITE_IOERR_SHMMAP,
            "disk I/O error"
        )));
        assert!(!is_disk_full(&sqlite(
            ffi::SQLITE_BUSY,
            "database is locked"
        )));
        assert!(!is_disk_full(&std::io::Error::from_raw_os_error(21)));
        assert!(!is_disk_full(&rusqlite::Error::QueryReturnedNoRows));
    }

    #[test]
    fn a_real_sqlite_full_is_recognised() {
        // max_page_count makes SQLite report SQLITE_FULL without a full disk.
        let conn = rusqlite::Connection::open_in_memory().unwrap();
        conn.execute_batch("CREATE TABLE t (x); PRAGMA max_page_count = 2;")
            .unwrap();
        let e = conn
            .execute_batch("INSERT INTO t SELECT zeroblob(100000);")
            .unwrap_err();
        assert!(is_disk_full(&e), "{e}");
    }
}
