//! All-or-nothing import of products, shoppers and events from CSV or JSON
//! Lines, as the data contract (DESIGN.md §2) describes.
//!
//! The file is streamed record by record (`source`) with bounded memory,
//! each value is checked against its column's rule (`fields`), and every
//! row is upserted (`catalog` for products and shoppers, `events`) inside
//! one IMMEDIATE transaction: the first bad row rolls everything back and is
//! reported with its exact line.

mod catalog;
mod events;
mod fields;
#[doc(hidden)]
pub mod fuzzing;
mod source;

pub use fields::TIMESTAMP_RANGE;
pub use source::MAX_FIELD_BYTES;

use super::{Store, StoreError};
use catalog::{ProductSink, UserSink};
use events::EventSink;
use source::{At, Cells};
use std::fmt;
use std::io::Read;
use std::path::Path;
use std::str::FromStr;

/// What a file holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ImportKind {
    /// The catalog.
    Products,
    /// Shoppers.
    Users,
    /// Shopping history; its shoppers and products must be in the store.
    Events,
}

const PRODUCT_COLUMNS: &[&str] = &[
    "product_id",
    "title",
    "category",
    "brand",
    "price",
    "description",
    "attributes",
];
const USER_COLUMNS: &[&str] = &["user_id", "display_name", "attributes"];
const EVENT_COLUMNS: &[&str] = &["user_id", "product_id", "kind", "ts", "rating", "text"];

impl ImportKind {
    /// The name used on the command line and in reports.
    pub fn as_str(self) -> &'static str {
        match self {
            ImportKind::Products => "products",
            ImportKind::Users => "users",
            ImportKind::Events => "events",
        }
    }

    /// The columns a file of this kind may have, required ones first.
    fn columns(self) -> &'static [&'static str] {
        match self {
            ImportKind::Products => PRODUCT_COLUMNS,
            ImportKind::Users => USER_COLUMNS,
            ImportKind::Events => EVENT_COLUMNS,
        }
    }

    /// How many of [`Self::columns`] are required.
    fn n_required(self) -> usize {
        match self {
            ImportKind::Products => 3,
            ImportKind::Users => 1,
            ImportKind::Events => 4,
        }
    }
}

impl fmt::Display for ImportKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for ImportKind {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "products" => Ok(ImportKind::Products),
            "users" => Ok(ImportKind::Users),
            "events" => Ok(ImportKind::Events),
            _ => Err(format!("expected products, users or events, got {s:?}")),
        }
    }
}

/// What an import did, as `tailor import --json` prints it.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct ImportReport {
    /// `products`, `users` or `events`.
    pub kind: &'static str,
    /// Data rows read (blank lines aside).
    pub rows: u64,
    /// Rows new to the store.
    pub inserted: u64,
    /// Rows that changed a stored row.
    pub updated: u64,
    /// Rows identical to what was stored.
    pub unchanged: u64,
}

/// What one row did to the store.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Outcome {
    Inserted,
    Updated,
    Unchanged,
}

impl ImportReport {
    fn new(kind: ImportKind) -> ImportReport {
        ImportReport {
            kind: kind.as_str(),
            rows: 0,
            inserted: 0,
            updated: 0,
            unchanged: 0,
        }
    }

    /// Counts what one row did (`rows` is counted as rows are read).
    fn tally(&mut self, outcome: Outcome) {
        match outcome {
            Outcome::Inserted => self.inserted += 1,
            Outcome::Updated => self.updated += 1,
            Outcome::Unchanged => self.unchanged += 1,
        }
    }
}

/// Why an import wrote nothing.
#[derive(Debug, thiserror::Error)]
pub enum ImportError {
    /// Bad input data (exit code 65): `FILE:LINE: column `COL`: REASON: "VALUE"`.
    #[error(fmt = fmt_data)]
    Data {
        /// The import file, as given.
        file: String,
        /// The line the bad record starts on; 0 for the file as a whole.
        line: u64,
        /// The column (CSV) or key (JSON Lines), when one is at fault.
        column: Option<String>,
        /// The start of the bad value, sanitised and shortened.
        value: Option<String>,
        /// What is wrong, in words.
        reason: String,
    },
    /// The file could not be read.
    #[error("{file}: {source}")]
    Io {
        /// The import file, as given.
        file: String,
        /// The I/O error.
        #[source]
        source: std::io::Error,
    },
    /// The store refused the import.
    #[error(transparent)]
    Store(#[from] StoreError),
}

fn fmt_data(
    file: &str,
    line: &u64,
    column: &Option<String>,
    value: &Option<String>,
    reason: &str,
    f: &mut fmt::Formatter<'_>,
) -> fmt::Result {
    f.write_str(&crate::sanitize::sanitize_line(file))?;
    if *line > 0 {
        write!(f, ":{line}")?;
    }
    f.write_str(": ")?;
    if let Some(column) = column {
        write!(f, "column `{column}`: ")?;
    }
    f.write_str(reason)?;
    if let Some(value) = value {
        write!(f, ": {value:?}")?;
    }
    Ok(())
}

impl ImportError {
    /// Whether the input file is at fault (exit code 65) rather than the
    /// system.
    pub fn is_bad_data(&self) -> bool {
        matches!(self, ImportError::Data { .. })
    }
}

/// The file formats, by extension.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Format {
    Csv,
    Jsonl,
}

impl Format {
    fn of(path: &Path) -> Option<Format> {
        let ext = path.extension()?.to_str()?.to_ascii_lowercase();
        match ext.as_str() {
            "csv" => Some(Format::Csv),
            "jsonl" => Some(Format::Jsonl),
            _ => None,
        }
    }

    /// The format of `path`, or the bad-data error that refuses it.
    fn named(path: &Path, file_name: &str) -> Result<Format, ImportError> {
        Format::of(path).ok_or_else(|| {
            At {
                file: file_name,
                line: 0,
            }
            .error(
                None,
                None,
                "unsupported file extension; expected .csv or .jsonl",
            )
        })
    }
}

impl Store {
    /// Imports a CSV or JSON Lines file of `kind`, all or nothing, upserting
    /// by external id (events by shopper, product, kind and time).
    pub fn import(&mut self, kind: ImportKind, path: &Path) -> Result<ImportReport, ImportError> {
        let file_name = path.display().to_string();
        let format = Format::named(path, &file_name)?;
        let file = std::fs::File::open(path).map_err(|source| ImportError::Io {
            file: file_name.clone(),
            source,
        })?;
        self.import_from(kind, format, &file_name, file)
    }

    /// Imports `bytes` as if they were the file `file_name` (whose extension
    /// decides the format), through the same code as [`Store::import`].
    /// For the fuzz targets and property tests, which have no file.
    #[doc(hidden)]
    pub fn import_bytes(
        &mut self,
        kind: ImportKind,
        file_name: &str,
        bytes: &[u8],
    ) -> Result<ImportReport, ImportError> {
        let format = Format::named(Path::new(file_name), file_name)?;
        self.import_from(kind, format, file_name, bytes)
    }

    /// Reads `file` into the store, with foreign-key checks off for events.
    fn import_from(
        &mut self,
        kind: ImportKind,
        format: Format,
        file_name: &str,
        file: impl Read,
    ) -> Result<ImportReport, ImportError> {
        let db = self.path.display().to_string();
        let sql = |source| StoreError::Sqlite {
            path: db.clone(),
            source,
        };
        // An events import resolves every shopper and product itself, inside
        // the same write transaction, before it writes the event; SQLite's
        // own foreign-key checks would only repeat that, and they make every
        // multi-row INSERT keep a statement journal (a copy of each page it
        // touches), about a fifth of the time here. The pragma can only
        // change outside a transaction, so it is turned off around it.
        let checks_off = kind == ImportKind::Events;
        if checks_off {
            self.conn
                .execute_batch("PRAGMA foreign_keys = OFF")
                .map_err(sql)?;
        }
        let result = self.import_file(kind, format, file_name, file, &db);
        if checks_off {
            let restored = self.conn.execute_batch("PRAGMA foreign_keys = ON");
            if result.is_ok() {
                restored.map_err(sql)?;
            }
        }
        result
    }

    /// Reads `file` into the store in one transaction.
    fn import_file(
        &mut self,
        kind: ImportKind,
        format: Format,
        file_name: &str,
        file: impl Read,
        db: &str,
    ) -> Result<ImportReport, ImportError> {
        let sql = sql_error(db);
        // IMMEDIATE (the connection's default): the whole file is one write.
        let tx = self.conn.transaction().map_err(&sql)?;
        let mut report = ImportReport::new(kind);
        match kind {
            ImportKind::Products => {
                let mut sink = ProductSink::new(&tx, db)?;
                read(format, file_name, file, kind, &mut sink, &mut report)?;
                sink.finish(&mut report)?;
            }
            ImportKind::Users => {
                let mut sink = UserSink::new(&tx, db)?;
                read(format, file_name, file, kind, &mut sink, &mut report)?;
                sink.finish(&mut report)?;
            }
            ImportKind::Events => {
                let mut sink = EventSink::new(&tx, db)?;
                read(format, file_name, file, kind, &mut sink, &mut report)?;
                sink.finish(&mut report)?;
            }
        }
        tx.commit().map_err(&sql)?;
        Ok(report)
    }
}

fn read<S: RowSink>(
    format: Format,
    file_name: &str,
    file: impl Read,
    kind: ImportKind,
    sink: &mut S,
    report: &mut ImportReport,
) -> Result<(), ImportError> {
    match format {
        Format::Csv => source::read_csv(file_name, file, kind, sink, report),
        Format::Jsonl => source::read_jsonl(file_name, file, kind, sink, report),
    }
}

/// Takes the rows of one kind into the open transaction.
trait RowSink {
    /// Checks one row and upserts it, now or at the next flush.
    fn row(
        &mut self,
        at: At<'_>,
        cells: &Cells<'_>,
        report: &mut ImportReport,
    ) -> Result<(), ImportError>;

    /// Writes whatever is still buffered.
    fn finish(&mut self, _report: &mut ImportReport) -> Result<(), ImportError> {
        Ok(())
    }
}

/// Turns a rusqlite error into the store's error.
fn sql_error(db: &str) -> impl Fn(rusqlite::Error) -> ImportError + '_ {
    move |source| {
        ImportError::Store(StoreError::Sqlite {
            path: db.to_owned(),
            source,
        })
    }
}

#[cfg(test)]
mod edge_tests;
#[cfg(test)]
mod tests;
