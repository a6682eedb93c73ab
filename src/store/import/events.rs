//! Writes events in batches, resolving shopper and product ids to row ids.

use super::fields;
use super::source::{At, Cell, Cells};
use super::{EVENT_COLUMNS, ImportError, ImportReport, RowSink, sql_error};
use rusqlite::{CachedStatement, Connection, OptionalExtension};
use std::collections::HashMap;

/// Ids remembered per table by an events import before its cache starts
/// over: shoppers and catalogs usually fit, and this bounds the memory when
/// they do not.
const ID_CACHE_MAX: usize = 1 << 17;

/// External id → row id, for the shoppers or products of an events import.
struct IdCache<'c> {
    find: CachedStatement<'c>,
    rows: HashMap<String, i64>,
    column: &'static str,
    what: &'static str,
}

impl<'c> IdCache<'c> {
    fn new(find: CachedStatement<'c>, column: &'static str, what: &'static str) -> Self {
        IdCache {
            find,
            rows: HashMap::new(),
            column,
            what,
        }
    }

    fn get(&mut self, at: At<'_>, id: &str, db: &str) -> Result<i64, ImportError> {
        if let Some(&row) = self.rows.get(id) {
            return Ok(row);
        }
        let row: i64 = self
            .find
            .query_row([id], |r| r.get(0))
            .optional()
            .map_err(sql_error(db))?
            .ok_or_else(|| {
                at.bad(
                    self.column,
                    Cell::Text(id),
                    format!(
                        "unknown {}: not in the store (import {} first)",
                        self.column, self.what
                    ),
                )
            })?;
        if self.rows.len() >= ID_CACHE_MAX {
            self.rows.clear();
        }
        self.rows.insert(id.to_owned(), row);
        Ok(row)
    }
}

/// Events per multi-row INSERT, which spares SQLite most of the cost of
/// starting a statement (cursors opened and closed, the transaction checked)
/// per row.
const EVENT_BATCH: usize = 128;

/// One checked event waiting for its batch. Slots are reused, text buffer
/// included, so a steady import allocates nothing per row.
#[derive(Debug, Default)]
struct PendingEvent {
    user: i64,
    product: i64,
    kind: &'static str,
    ts: i64,
    rating: Option<u8>,
    text: String,
    has_text: bool,
}

/// Inserts `n` events, skipping those whose key is already stored. No row
/// can fail otherwise (each was checked). A multi-row statement that may
/// abort half-way makes SQLite keep a statement journal, a copy of every
/// page it touches; OR IGNORE (and foreign-key checks off, see
/// [`Store::import`](crate::store::Store::import)) means it cannot abort.
fn event_insert_sql(n: usize) -> String {
    let mut sql = String::from(
        "INSERT OR IGNORE INTO events (user, product, kind, ts, rating, text) VALUES ",
    );
    for i in 0..n {
        if i > 0 {
            sql.push(',');
        }
        sql.push_str("(?,?,?,?,?,?)");
    }
    sql
}

/// The upsert of one event. The uniqueness key is the contract's (shopper,
/// product, kind, time); a repeat updates rating and text only when they
/// differ, so an identical row changes nothing.
const EVENT_UPSERT: &str = "INSERT INTO events (user, product, kind, ts, rating, text)
     VALUES (?1, ?2, ?3, ?4, ?5, ?6)
     ON CONFLICT (user, ts, product, kind) DO UPDATE
        SET rating = excluded.rating, text = excluded.text
        WHERE rating IS NOT excluded.rating OR text IS NOT excluded.text";

/// Writes events in batches, resolving external ids to row ids. Every row
/// is checked (ids resolved included) before it is buffered, so a batch
/// cannot fail on the data and errors keep their exact line.
///
/// A batch is first inserted in one statement, skipping rows whose key is
/// stored already; when any was skipped (a re-import, or a repeat within
/// the file), the whole batch is then upserted row by row, in file order:
/// rows just inserted find themselves unchanged, the others update. So the
/// last repeat wins and the counts are those of a row-by-row upsert.
pub(super) struct EventSink<'c> {
    conn: &'c Connection,
    users: IdCache<'c>,
    products: IdCache<'c>,
    insert: CachedStatement<'c>,
    upsert: CachedStatement<'c>,
    pending: Vec<PendingEvent>,
    used: usize,
    db: &'c str,
}

impl<'c> EventSink<'c> {
    pub(super) fn new(conn: &'c Connection, db: &'c str) -> Result<Self, ImportError> {
        let prepare = |sql: &str| conn.prepare_cached(sql).map_err(sql_error(db));
        Ok(EventSink {
            conn,
            users: IdCache::new(
                prepare("SELECT id FROM users WHERE user_id = ?1")?,
                "user_id",
                "users",
            ),
            products: IdCache::new(
                prepare("SELECT id FROM products WHERE product_id = ?1")?,
                "product_id",
                "products",
            ),
            insert: prepare(&event_insert_sql(EVENT_BATCH))?,
            upsert: prepare(EVENT_UPSERT)?,
            pending: Vec::with_capacity(EVENT_BATCH),
            used: 0,
            db,
        })
    }

    /// Writes the buffered events and counts what they did.
    fn flush(&mut self, report: &mut ImportReport) -> Result<(), ImportError> {
        let n = self.used;
        if n == 0 {
            return Ok(());
        }
        self.used = 0;
        let sql = sql_error(self.db);
        let mut partial;
        let insert = if n == EVENT_BATCH {
            &mut self.insert
        } else {
            partial = self
                .conn
                .prepare_cached(&event_insert_sql(n))
                .map_err(&sql)?;
            &mut partial
        };
        for (i, e) in self.pending[..n].iter().enumerate() {
            bind_event(insert, 6 * i, e).map_err(&sql)?;
        }
        let inserted = insert.raw_execute().map_err(&sql)? as u64;
        let mut updated = 0;
        if inserted < n as u64 {
            for e in &self.pending[..n] {
                bind_event(&mut self.upsert, 0, e).map_err(&sql)?;
                updated += self.upsert.raw_execute().map_err(&sql)? as u64;
            }
        }
        report.inserted += inserted;
        report.updated += updated;
        report.unchanged += n as u64 - inserted - updated;
        Ok(())
    }
}

/// Binds one event to parameters `at + 1 ..= at + 6`.
fn bind_event(stmt: &mut CachedStatement<'_>, at: usize, e: &PendingEvent) -> rusqlite::Result<()> {
    stmt.raw_bind_parameter(at + 1, e.user)?;
    stmt.raw_bind_parameter(at + 2, e.product)?;
    stmt.raw_bind_parameter(at + 3, e.kind)?;
    stmt.raw_bind_parameter(at + 4, e.ts)?;
    stmt.raw_bind_parameter(at + 5, e.rating)?;
    stmt.raw_bind_parameter(at + 6, e.has_text.then_some(e.text.as_str()))
}

impl RowSink for EventSink<'_> {
    fn row(
        &mut self,
        at: At<'_>,
        c: &Cells<'_>,
        report: &mut ImportReport,
    ) -> Result<(), ImportError> {
        let col = EVENT_COLUMNS;
        let user_id = fields::id(at, col[0], c[0])?;
        let product_id = fields::id(at, col[1], c[1])?;
        let kind = fields::event_kind(at, col[2], c[2])?;
        let ts = fields::timestamp(at, col[3], c[3])?;
        let rating = fields::rating(at, col[4], c[4])?;
        let text = fields::optional_text(at, col[5], c[5])?;
        let user = self.users.get(at, &user_id, self.db)?;
        let product = self.products.get(at, &product_id, self.db)?;
        if self.used == self.pending.len() {
            self.pending.push(PendingEvent::default());
        }
        let slot = &mut self.pending[self.used];
        slot.user = user;
        slot.product = product;
        slot.kind = kind.as_str();
        slot.ts = ts;
        slot.rating = rating;
        slot.text.clear();
        slot.has_text = text.is_some();
        if let Some(text) = text {
            slot.text.push_str(&text);
        }
        self.used += 1;
        if self.used == EVENT_BATCH {
            self.flush(report)?;
        }
        Ok(())
    }

    fn finish(&mut self, report: &mut ImportReport) -> Result<(), ImportError> {
        self.flush(report)
    }
}
