//! Loads the generated demo shop into a fresh store file, all or nothing.

use super::{Store, StoreError};
use crate::demo::{DemoOptions, DemoSummary, Shop, ShopSink};
use crate::domain::{Event, Product, User};
use crate::output::{Output, OutputError};
use rusqlite::{Transaction, params};
use std::collections::HashMap;
use std::io::Write;
use std::path::{Path, PathBuf};

/// Receives the demo shop and writes it into one transaction, plus the
/// ground-truth tastes into a CSV file beside the store.
pub struct DemoWriter<'a, 'p> {
    tx: Transaction<'a>,
    path: PathBuf,
    products: HashMap<String, i64>,
    current_user: Option<(String, i64)>,
    /// The tastes file, committed only once the store is in place.
    truth: Output,
    /// The store as the user named it, for the tastes file's errors (`path`
    /// is the temporary file being filled).
    shop: PathBuf,
    progress: &'p mut dyn FnMut(u64),
    users: u64,
}

/// A tastes-file error as the store reports it: the store it was made for,
/// then what went wrong with which file.
fn truth_error(shop: &Path, e: OutputError) -> StoreError {
    StoreError::Invalid {
        path: shop.display().to_string(),
        message: e.to_string(),
    }
}

impl Store {
    /// Builds the deterministic demo shop at `path`, which must not hold a
    /// store yet. It is built in a temporary file beside `path` and renamed
    /// into place only when complete, so an interrupted run leaves nothing.
    /// Each shopper's hidden taste goes to `truth_path` (CSV, through
    /// [`crate::output`]), for evaluation only; it appears only with the
    /// store, and a failed run leaves neither. `progress` is called with the
    /// number of shoppers written.
    pub fn create_demo(
        path: &Path,
        opts: &DemoOptions,
        truth_path: &Path,
        progress: &mut dyn FnMut(u64),
    ) -> Result<DemoSummary, StoreError> {
        Store::create_shop(path, Shop::DEFAULT, opts, truth_path, progress)
    }

    /// [`Store::create_demo`] for any demo shop of the family: the same
    /// rules, the same truth file, the shop's own tastes in it.
    pub fn create_shop(
        path: &Path,
        shop: Shop,
        opts: &DemoOptions,
        truth_path: &Path,
        progress: &mut dyn FnMut(u64),
    ) -> Result<DemoSummary, StoreError> {
        let invalid = |message: String| StoreError::Invalid {
            path: path.display().to_string(),
            message,
        };
        if path.exists() {
            let existing = Store::create(path)?;
            if !existing.is_empty()? {
                return Err(invalid(
                    "already holds data; remove it or choose another --db".into(),
                ));
            }
        }
        let tmp = path.with_extension(format!("tmp-{}", std::process::id()));
        remove_db_files(&tmp);
        let truth = Output::create(truth_path).map_err(|e| truth_error(path, e))?;
        let result = (|| {
            let mut store = Store::create(&tmp)?;
            // The temporary file is renamed into place only once complete,
            // so it needs no journal while it is being filled.
            store
                .conn
                .execute_batch("PRAGMA journal_mode = OFF; PRAGMA synchronous = OFF;")
                .map_err(|e| store.err(e))?;
            let (summary, truth) = {
                let mut writer = store.demo_writer(truth, path, progress)?;
                let summary = shop.generate(opts, &mut writer)?;
                (summary, writer.finish()?)
            };
            store.analyze()?;
            let sql = |e| store.err(e);
            let _: String = store
                .conn
                .query_row("PRAGMA journal_mode = WAL", [], |r| r.get(0))
                .map_err(sql)?;
            store
                .conn
                .execute_batch("PRAGMA synchronous = FULL;")
                .map_err(|e| store.err(e))?;
            drop(store);
            Ok((summary, truth))
        })();
        match result {
            Ok((summary, truth)) => {
                remove_db_files(path);
                if let Err(source) = std::fs::rename(&tmp, path) {
                    remove_db_files(&tmp);
                    return Err(StoreError::Io {
                        path: path.display().to_string(),
                        source,
                    });
                }
                // The store is ours (it was missing or empty): without its
                // tastes the run failed, so it goes too.
                if let Err(e) = truth.commit() {
                    remove_db_files(path);
                    return Err(truth_error(path, e));
                }
                Ok(summary)
            }
            Err(e) => {
                remove_db_files(&tmp);
                Err(e)
            }
        }
    }

    fn demo_writer<'p>(
        &mut self,
        mut truth: Output,
        shop: &Path,
        progress: &'p mut dyn FnMut(u64),
    ) -> Result<DemoWriter<'_, 'p>, StoreError> {
        if let Err(e) = writeln!(truth, "user_id,taste") {
            return Err(truth_write_error(&mut truth, shop, e));
        }
        let path = self.path.clone();
        let tx = self
            .conn
            .transaction()
            .map_err(|source| StoreError::Sqlite {
                path: path.display().to_string(),
                source,
            })?;
        Ok(DemoWriter {
            tx,
            path,
            products: HashMap::new(),
            current_user: None,
            truth,
            shop: shop.to_path_buf(),
            progress,
            users: 0,
        })
    }
}

impl DemoWriter<'_, '_> {
    fn err(&self, source: rusqlite::Error) -> StoreError {
        StoreError::Sqlite {
            path: self.path.display().to_string(),
            source,
        }
    }

    /// Commits the shop's transaction; returns the tastes file, complete
    /// but not yet committed.
    fn finish(mut self) -> Result<Output, StoreError> {
        if let Err(e) = self.truth.flush() {
            return Err(truth_write_error(&mut self.truth, &self.shop, e));
        }
        (self.progress)(self.users);
        self.tx.commit().map_err(|source| StoreError::Sqlite {
            path: self.path.display().to_string(),
            source,
        })?;
        Ok(self.truth)
    }
}

impl ShopSink for DemoWriter<'_, '_> {
    type Error = StoreError;

    fn product(&mut self, p: &Product) -> Result<(), StoreError> {
        let attributes = serde_json::Value::Object(p.attributes.clone()).to_string();
        let id = self
            .tx
            .prepare_cached(
                "INSERT INTO products (product_id, title, category, brand, price, description, attributes)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7) RETURNING id",
            )
            .and_then(|mut s| {
                s.query_row(
                    params![p.product_id, p.title, p.category, p.brand, p.price, p.description, attributes],
                    |r| r.get(0),
                )
            })
            .map_err(|e| self.err(e))?;
        self.products.insert(p.product_id.clone(), id);
        Ok(())
    }

    fn user(&mut self, u: &User, taste: &str) -> Result<(), StoreError> {
        let attributes = serde_json::Value::Object(u.attributes.clone()).to_string();
        let name_key = u.display_name.as_deref().map(str::to_lowercase);
        let id = self
            .tx
            .prepare_cached(
                "INSERT INTO users (user_id, display_name, name_key, attributes)
                 VALUES (?1, ?2, ?3, ?4) RETURNING id",
            )
            .and_then(|mut s| {
                s.query_row(
                    params![u.user_id, u.display_name, name_key, attributes],
                    |r| r.get(0),
                )
            })
            .map_err(|e| self.err(e))?;
        self.current_user = Some((u.user_id.clone(), id));
        if let Err(e) = writeln!(self.truth, "{},{}", u.user_id, taste) {
            return Err(truth_write_error(&mut self.truth, &self.shop, e));
        }
        self.users += 1;
        if self.users.is_multiple_of(10_000) {
            (self.progress)(self.users);
        }
        Ok(())
    }

    fn event(&mut self, e: &Event) -> Result<(), StoreError> {
        let invalid = |message: String| StoreError::Invalid {
            path: self.path.display().to_string(),
            message,
        };
        let user = match &self.current_user {
            Some((id, row)) if *id == e.user_id => *row,
            _ => {
                return Err(invalid(format!(
                    "demo event for unknown shopper {:?}",
                    e.user_id
                )));
            }
        };
        let product = *self
            .products
            .get(&e.product_id)
            .ok_or_else(|| invalid(format!("demo event for unknown product {:?}", e.product_id)))?;
        self.tx
            .prepare_cached(
                "INSERT INTO events (user, product, kind, ts, rating, text)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
            )
            .and_then(|mut s| {
                s.execute(params![
                    user,
                    product,
                    e.kind.as_str(),
                    e.ts,
                    e.rating,
                    e.text
                ])
            })
            .map_err(|err| self.err(err))?;
        Ok(())
    }
}

/// A failed write to the tastes file, naming it.
fn truth_write_error(truth: &mut Output, shop: &Path, e: std::io::Error) -> StoreError {
    let e = truth.failure().unwrap_or_else(|| OutputError::Io {
        doing: "writing",
        path: truth.path().to_path_buf(),
        error: e,
    });
    truth_error(shop, e)
}

/// Removes a database file and its WAL and shared-memory companions.
fn remove_db_files(path: &Path) {
    for suffix in ["", "-wal", "-shm", "-journal"] {
        let mut p = path.as_os_str().to_owned();
        p.push(suffix);
        let _ = std::fs::remove_file(PathBuf::from(p));
    }
}
