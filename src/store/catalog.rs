//! Whole-table reads for training and evaluation: the catalog and every
//! shopper's history, streamed in shopper order.

use super::{Store, StoreError};
use crate::domain::{HistoryItem, Product};
use rusqlite::{OptionalExtension, Row};

fn product_row(r: &Row<'_>) -> rusqlite::Result<Product> {
    let attributes: String = r.get(6)?;
    Ok(Product {
        product_id: r.get(0)?,
        title: r.get(1)?,
        category: r.get(2)?,
        brand: r.get(3)?,
        price: r.get(4)?,
        description: r.get(5)?,
        attributes: serde_json::from_str(&attributes).unwrap_or_default(),
    })
}

const PRODUCT_COLUMNS: &str = "product_id, title, category, brand, price, description, attributes";

impl Store {
    /// Every product, by id.
    pub fn products(&self) -> Result<Vec<Product>, StoreError> {
        self.conn
            .prepare_cached(&format!(
                "SELECT {PRODUCT_COLUMNS} FROM products ORDER BY id"
            ))
            .and_then(|mut s| s.query_map([], product_row)?.collect())
            .map_err(|e| self.err(e))
    }

    /// One product by external id.
    pub fn product(&self, product_id: &str) -> Result<Option<Product>, StoreError> {
        self.conn
            .prepare_cached(&format!(
                "SELECT {PRODUCT_COLUMNS} FROM products WHERE product_id = ?1"
            ))
            .and_then(|mut s| s.query_row([product_id], product_row).optional())
            .map_err(|e| self.err(e))
    }

    /// Whether a shopper exists.
    pub fn has_user(&self, user_id: &str) -> Result<bool, StoreError> {
        self.conn
            .prepare_cached("SELECT 1 FROM users WHERE user_id = ?1")
            .and_then(|mut s| s.query_row([user_id], |_| Ok(())).optional())
            .map(|r| r.is_some())
            .map_err(|e| self.err(e))
    }

    /// Calls `f` with each shopper's id and whole history, oldest first,
    /// shopper by shopper; memory holds one shopper at a time.
    pub fn for_each_history(
        &self,
        mut f: impl FnMut(&str, &[HistoryItem]),
    ) -> Result<(), StoreError> {
        let mut stmt = self
            .conn
            .prepare_cached(
                "SELECT u.user_id, p.product_id, p.title, p.category, p.price, e.kind, e.ts, e.rating, e.text,
                        json_extract(p.attributes, '$.material')
                 FROM events e
                 JOIN users u ON u.id = e.user
                 JOIN products p ON p.id = e.product
                 ORDER BY e.user, e.ts, e.product, e.kind",
            )
            .map_err(|e| self.err(e))?;
        let mut rows = stmt.query([]).map_err(|e| self.err(e))?;
        let mut current = String::new();
        let mut items: Vec<HistoryItem> = Vec::new();
        while let Some(r) = rows.next().map_err(|e| self.err(e))? {
            let user: String = r.get(0).map_err(|e| self.err(e))?;
            if user != current {
                if !items.is_empty() {
                    f(&current, &items);
                }
                items.clear();
                current = user;
            }
            let item = (|| -> rusqlite::Result<HistoryItem> {
                Ok(HistoryItem {
                    product_id: r.get(1)?,
                    title: r.get(2)?,
                    category: r.get(3)?,
                    price: r.get(4)?,
                    kind: super::queries::kind_at(r, 5)?,
                    ts: r.get(6)?,
                    rating: r.get(7)?,
                    text: r.get(8)?,
                    material: super::queries::material_at(r, 9)?,
                })
            })()
            .map_err(|e| self.err(e))?;
            items.push(item);
        }
        if !items.is_empty() {
            f(&current, &items);
        }
        Ok(())
    }

    /// One shopper's whole history, oldest first.
    pub fn user_history(&self, user_id: &str) -> Result<Vec<HistoryItem>, StoreError> {
        let mut items = self.history(user_id, None, usize::MAX >> 1)?;
        items.reverse();
        Ok(items)
    }
}
