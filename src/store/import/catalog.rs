//! Upserts products and shoppers by external id, refusing an id that
//! appears twice in one file.

use super::fields;
use super::source::{At, Cell, Cells};
use super::{
    ImportError, ImportReport, Outcome, PRODUCT_COLUMNS, RowSink, USER_COLUMNS, sql_error,
};
use rusqlite::{CachedStatement, Connection, OptionalExtension, params};
use std::collections::HashMap;

/// Looks a row up by its values (`find` returns its id and whether it is
/// unchanged) and inserts it when absent; the caller updates changed rows.
fn find_or_insert(
    find: &mut CachedStatement<'_>,
    insert: &mut CachedStatement<'_>,
    values: &[&dyn rusqlite::ToSql],
    db: &str,
) -> Result<(i64, Outcome), ImportError> {
    let found: Option<(i64, bool)> = find
        .query_row(values, |r| Ok((r.get(0)?, r.get(1)?)))
        .optional()
        .map_err(sql_error(db))?;
    Ok(match found {
        None => {
            let row = insert
                .query_row(values, |r| r.get(0))
                .map_err(sql_error(db))?;
            (row, Outcome::Inserted)
        }
        Some((row, true)) => (row, Outcome::Unchanged),
        Some((row, false)) => (row, Outcome::Updated),
    })
}

/// Refuses an id seen earlier in the same file.
fn first_time(
    seen: &mut HashMap<i64, u64>,
    row: i64,
    at: At<'_>,
    column: &str,
    id: &str,
) -> Result<(), ImportError> {
    match seen.insert(row, at.line) {
        Some(first) => Err(at.bad(
            column,
            Cell::Text(id),
            format!("duplicate {column}, first on line {first}"),
        )),
        None => Ok(()),
    }
}

/// Upserts products. Rows are compared in SQL, so an unchanged row costs one
/// indexed lookup and no allocation.
pub(super) struct ProductSink<'c> {
    find: CachedStatement<'c>,
    insert: CachedStatement<'c>,
    update: CachedStatement<'c>,
    /// Row id → line, for the products this file has touched.
    seen: HashMap<i64, u64>,
    db: &'c str,
}

impl<'c> ProductSink<'c> {
    pub(super) fn new(conn: &'c Connection, db: &'c str) -> Result<Self, ImportError> {
        let prepare = |sql| conn.prepare_cached(sql).map_err(sql_error(db));
        Ok(ProductSink {
            find: prepare(
                "SELECT id, title IS ?2 AND category IS ?3 AND brand IS ?4 AND price IS ?5
                        AND description IS ?6 AND attributes IS ?7
                 FROM products WHERE product_id = ?1",
            )?,
            insert: prepare(
                "INSERT INTO products (product_id, title, category, brand, price, description, attributes)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7) RETURNING id",
            )?,
            update: prepare(
                "UPDATE products SET title = ?2, category = ?3, brand = ?4, price = ?5,
                        description = ?6, attributes = ?7
                 WHERE id = ?1",
            )?,
            seen: HashMap::new(),
            db,
        })
    }
}

impl RowSink for ProductSink<'_> {
    fn row(
        &mut self,
        at: At<'_>,
        c: &Cells<'_>,
        report: &mut ImportReport,
    ) -> Result<(), ImportError> {
        let col = PRODUCT_COLUMNS;
        let product_id = fields::id(at, col[0], c[0])?;
        let title = fields::required_text(at, col[1], c[1])?;
        let category = fields::required_text(at, col[2], c[2])?;
        let brand = fields::optional_text(at, col[3], c[3])?;
        let price = fields::price(at, col[4], c[4])?;
        let description = fields::optional_text(at, col[5], c[5])?;
        let attributes = fields::attributes(at, col[6], c[6])?;
        let values = params![
            product_id,
            title,
            category,
            brand,
            price,
            description,
            attributes
        ];
        let (row, outcome) = find_or_insert(&mut self.find, &mut self.insert, values, self.db)?;
        first_time(&mut self.seen, row, at, col[0], &product_id)?;
        if outcome == Outcome::Updated {
            self.update
                .execute(params![
                    row,
                    title,
                    category,
                    brand,
                    price,
                    description,
                    attributes
                ])
                .map_err(sql_error(self.db))?;
        }
        report.tally(outcome);
        Ok(())
    }
}

/// Upserts shoppers, as [`ProductSink`] does products.
pub(super) struct UserSink<'c> {
    find: CachedStatement<'c>,
    insert: CachedStatement<'c>,
    update: CachedStatement<'c>,
    /// Row id → line, for the shoppers this file has touched.
    seen: HashMap<i64, u64>,
    db: &'c str,
}

impl<'c> UserSink<'c> {
    pub(super) fn new(conn: &'c Connection, db: &'c str) -> Result<Self, ImportError> {
        let prepare = |sql| conn.prepare_cached(sql).map_err(sql_error(db));
        Ok(UserSink {
            find: prepare(
                "SELECT id, display_name IS ?2 AND name_key IS ?3 AND attributes IS ?4
                 FROM users WHERE user_id = ?1",
            )?,
            insert: prepare(
                "INSERT INTO users (user_id, display_name, name_key, attributes)
                 VALUES (?1, ?2, ?3, ?4) RETURNING id",
            )?,
            update: prepare(
                "UPDATE users SET display_name = ?2, name_key = ?3, attributes = ?4 WHERE id = ?1",
            )?,
            seen: HashMap::new(),
            db,
        })
    }
}

impl RowSink for UserSink<'_> {
    fn row(
        &mut self,
        at: At<'_>,
        c: &Cells<'_>,
        report: &mut ImportReport,
    ) -> Result<(), ImportError> {
        let col = USER_COLUMNS;
        let user_id = fields::id(at, col[0], c[0])?;
        let display_name = fields::optional_text(at, col[1], c[1])?;
        let name_key = display_name.as_deref().map(str::to_lowercase);
        let attributes = fields::attributes(at, col[2], c[2])?;
        let values = params![user_id, display_name, name_key, attributes];
        let (row, outcome) = find_or_insert(&mut self.find, &mut self.insert, values, self.db)?;
        first_time(&mut self.seen, row, at, col[0], &user_id)?;
        if outcome == Outcome::Updated {
            self.update
                .execute(params![row, display_name, name_key, attributes])
                .map_err(sql_error(self.db))?;
        }
        report.tally(outcome);
        Ok(())
    }
}
