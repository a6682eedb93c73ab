//! What the import fuzz targets, the property tests and the replay of
//! `fixtures/fuzz/` all check, on any bytes: the import either succeeds or
//! refuses the file as bad data at a line inside it, it never panics, and
//! a refused file writes nothing.

use super::{ImportError, ImportKind};
use crate::store::Store;

/// An in-memory store with two products and two shoppers, so that events
/// can import, and the checks above.
pub struct Harness {
    store: Store,
    imports: usize,
}

/// Imports after which the store starts over, so a long fuzzing run's
/// successful imports do not pile up in memory.
const FRESH_AFTER: usize = 10_000;

impl Harness {
    /// A store with products `p1`, `p2` and shoppers `u1`, `u2`.
    pub fn new() -> Harness {
        let mut store = Store::open_in_memory().expect("an in-memory store opens");
        store
            .import_bytes(
                ImportKind::Products,
                "catalog.csv",
                b"product_id,title,category\np1,Jumper,knitwear\np2,Scarf,accessories\n",
            )
            .expect("the catalog imports");
        store
            .import_bytes(ImportKind::Users, "users.csv", b"user_id\nu1\nu2\n")
            .expect("the shoppers import");
        Harness { store, imports: 0 }
    }

    /// Imports `data` as a file with extension `ext` (`csv` or `jsonl`):
    /// its first byte picks the kind, the rest is the file. Panics when a
    /// check fails.
    pub fn run(&mut self, ext: &str, data: &[u8]) {
        let Some((&pick, file)) = data.split_first() else {
            return;
        };
        let kind = match pick % 3 {
            0 => ImportKind::Products,
            1 => ImportKind::Users,
            _ => ImportKind::Events,
        };
        self.import(kind, ext, file);
    }

    /// Imports `file` as `kind` and checks the outcome.
    pub fn import(&mut self, kind: ImportKind, ext: &str, file: &[u8]) {
        self.imports += 1;
        if self.imports > FRESH_AFTER {
            *self = Harness::new();
        }
        let name = format!("fuzz.{ext}");
        // The last line may lack its newline.
        let lines = file.iter().filter(|&&b| b == b'\n').count() as u64 + 1;
        let before = self.store.stats().expect("stats");
        match self.store.import_bytes(kind, &name, file) {
            Ok(report) => assert!(
                report.rows <= lines,
                "{} rows from {lines} lines",
                report.rows
            ),
            Err(err @ ImportError::Data { line, .. }) => {
                assert!((1..=lines).contains(&line), "line {line} of {lines}: {err}");
                let message = err.to_string();
                assert!(
                    message.starts_with(&format!("{name}:{line}: ")),
                    "{message}"
                );
                assert_eq!(
                    self.store.stats().expect("stats"),
                    before,
                    "a refused file wrote rows: {message}"
                );
            }
            Err(other) => panic!("not a bad-data error: {other}"),
        }
    }
}

impl Default for Harness {
    fn default() -> Self {
        Harness::new()
    }
}
