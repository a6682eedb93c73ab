//! The read queries the console pages through: shoppers, a shopper's
//! history, a product's events. Each is served by an index (see schema.rs)
//! and touches O(page) rows, whatever the size of the store.

use super::{Store, StoreError};
use crate::domain::{EventKind, HistoryItem};
use rusqlite::{Row, params};
use serde::Serialize;

/// One line of the shopper list.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ShopperRow {
    /// External id.
    pub user_id: String,
    /// Personal data: show only when the config allows names.
    pub display_name: Option<String>,
    /// Purchases made.
    pub orders: u64,
    /// Unix seconds of the newest event, if any.
    pub last_seen: Option<i64>,
}

/// Where the next page of a (filtered) shopper list starts.
///
/// A filter lists shoppers whose id starts with the text, by id, then
/// shoppers whose name starts with it (case-insensitively), by name: two
/// index range scans, so those pages cost the same on a million shoppers.
/// Then the shoppers whose id (or name) holds the text anywhere else, by
/// id (`/42` finds u0000042 and u0004217): a scan, read a page at a time
/// on the store lane, after the cheap matches are on screen.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub enum ShopperCursor {
    /// The first page.
    #[default]
    Start,
    /// After this user id, among id matches.
    AfterId(String),
    /// After this (name key, user id), among name matches.
    AfterName(String, String),
    /// After this user id, among the matches inside ids or names.
    AfterContains(String),
}

/// The exclusive upper bound of the strings that start with `prefix`.
pub(super) fn prefix_end(prefix: &str) -> String {
    let mut end = prefix.to_string();
    end.push(char::MAX);
    end
}

pub(super) const SHOPPER_COLUMNS: &str = "u.user_id, u.display_name,
    (SELECT count(*) FROM events e WHERE e.user = u.id AND e.kind = 'purchase'),
    (SELECT max(e.ts) FROM events e WHERE e.user = u.id)";

/// Reads a `json_extract` column that should be text; anything else
/// (a number, a nested value) is treated as absent.
pub(super) fn material_at(r: &Row<'_>, idx: usize) -> rusqlite::Result<Option<String>> {
    Ok(match r.get_ref(idx)? {
        rusqlite::types::ValueRef::Text(t) => Some(String::from_utf8_lossy(t).into_owned()),
        _ => None,
    })
}

/// Reads an event kind column; the schema's CHECK keeps it valid.
pub(super) fn kind_at(r: &Row<'_>, idx: usize) -> rusqlite::Result<EventKind> {
    let kind: String = r.get(idx)?;
    kind.parse().map_err(|e: String| {
        rusqlite::Error::FromSqlConversionFailure(idx, rusqlite::types::Type::Text, e.into())
    })
}

pub(super) fn shopper_row(r: &Row<'_>) -> rusqlite::Result<ShopperRow> {
    Ok(ShopperRow {
        user_id: r.get(0)?,
        display_name: r.get(1)?,
        orders: r.get::<_, i64>(2)? as u64,
        last_seen: r.get(3)?,
    })
}

impl Store {
    /// A page of shoppers by id, after `after` (exclusive).
    pub fn shoppers_page(
        &self,
        after: Option<&str>,
        limit: usize,
    ) -> Result<Vec<ShopperRow>, StoreError> {
        let sql = format!(
            "SELECT {SHOPPER_COLUMNS} FROM users u WHERE u.user_id > ?1 ORDER BY u.user_id LIMIT ?2"
        );
        self.conn
            .prepare_cached(&sql)
            .and_then(|mut s| {
                s.query_map(params![after.unwrap_or(""), limit as i64], shopper_row)?
                    .collect()
            })
            .map_err(|e| self.err(e))
    }

    /// A page of shoppers whose id, or name when `names` is true, starts
    /// with `prefix`; returns the rows and the cursor for the next page.
    pub fn shoppers_filtered(
        &self,
        prefix: &str,
        names: bool,
        cursor: &ShopperCursor,
        limit: usize,
    ) -> Result<(Vec<ShopperRow>, Option<ShopperCursor>), StoreError> {
        let mut rows = Vec::new();
        let end = prefix_end(prefix);
        if matches!(cursor, ShopperCursor::Start | ShopperCursor::AfterId(_)) {
            let after = match cursor {
                ShopperCursor::AfterId(id) => id.as_str(),
                _ => "",
            };
            let sql = format!(
                "SELECT {SHOPPER_COLUMNS} FROM users u
                 WHERE u.user_id >= ?1 AND u.user_id < ?2 AND u.user_id > ?3
                 ORDER BY u.user_id LIMIT ?4"
            );
            rows = self
                .conn
                .prepare_cached(&sql)
                .and_then(|mut s| {
                    s.query_map(params![prefix, end, after, limit as i64], shopper_row)?
                        .collect::<Result<Vec<_>, _>>()
                })
                .map_err(|e| self.err(e))?;
            if rows.len() == limit {
                let next = ShopperCursor::AfterId(rows[limit - 1].user_id.clone());
                return Ok((rows, Some(next)));
            }
        }
        if prefix.is_empty() {
            return Ok((rows, None));
        }
        let key = prefix.to_lowercase();
        let key_end = prefix_end(&key);
        if names && !matches!(cursor, ShopperCursor::AfterContains(_)) {
            let (after_name, after_id) = match cursor {
                ShopperCursor::AfterName(n, id) => (n.as_str(), id.as_str()),
                _ => ("", ""),
            };
            let want = limit - rows.len();
            // Name matches whose id also matches were listed with the id matches.
            let sql = format!(
                "SELECT {SHOPPER_COLUMNS}, u.name_key FROM users u
                 WHERE u.name_key >= ?1 AND u.name_key < ?2
                   AND (u.name_key, u.user_id) > (?3, ?4)
                   AND NOT (u.user_id >= ?5 AND u.user_id < ?6)
                 ORDER BY u.name_key, u.user_id LIMIT ?7"
            );
            let named: Vec<(ShopperRow, String)> = self
                .conn
                .prepare_cached(&sql)
                .and_then(|mut s| {
                    s.query_map(
                        params![key, key_end, after_name, after_id, prefix, end, want as i64],
                        |r| Ok((shopper_row(r)?, r.get::<_, String>(4)?)),
                    )?
                    .collect()
                })
                .map_err(|e| self.err(e))?;
            if named.len() == want {
                let (row, key) = &named[want - 1];
                let next = ShopperCursor::AfterName(key.clone(), row.user_id.clone());
                rows.extend(named.into_iter().map(|(row, _)| row));
                return Ok((rows, Some(next)));
            }
            rows.extend(named.into_iter().map(|(row, _)| row));
        }
        let after = match cursor {
            ShopperCursor::AfterContains(id) => id.as_str(),
            _ => "",
        };
        let want = limit - rows.len();
        // Everything listed above is left out: id prefixes, name prefixes.
        let sql = format!(
            "SELECT {SHOPPER_COLUMNS} FROM users u
             WHERE u.user_id > ?1
               AND NOT (u.user_id >= ?2 AND u.user_id < ?3)
               AND (instr(lower(u.user_id), ?4) > 0
                    OR (?6 AND instr(u.name_key, ?4) > 0
                        AND NOT (u.name_key >= ?4 AND u.name_key < ?5)))
             ORDER BY u.user_id LIMIT ?7"
        );
        let inside: Vec<ShopperRow> = self
            .conn
            .prepare_cached(&sql)
            .and_then(|mut s| {
                s.query_map(
                    params![after, prefix, end, key, key_end, names, want as i64],
                    shopper_row,
                )?
                .collect()
            })
            .map_err(|e| self.err(e))?;
        let next = (inside.len() == want && want > 0)
            .then(|| ShopperCursor::AfterContains(inside[want - 1].user_id.clone()));
        rows.extend(inside);
        Ok((rows, next))
    }

    /// A shopper's history, newest first; `before` (exclusive Unix seconds)
    /// pages further back.
    pub fn history(
        &self,
        user_id: &str,
        before: Option<i64>,
        limit: usize,
    ) -> Result<Vec<HistoryItem>, StoreError> {
        self.conn
            .prepare_cached(
                "SELECT p.product_id, p.title, p.category, p.price, e.kind, e.ts, e.rating, e.text,
                        json_extract(p.attributes, '$.material')
                 FROM users u
                 JOIN events e ON e.user = u.id
                 JOIN products p ON p.id = e.product
                 WHERE u.user_id = ?1 AND e.ts < ?2
                 ORDER BY e.ts DESC, e.product DESC, e.kind DESC
                 LIMIT ?3",
            )
            .and_then(|mut s| {
                s.query_map(
                    params![user_id, before.unwrap_or(i64::MAX), limit as i64],
                    |r| {
                        Ok(HistoryItem {
                            product_id: r.get(0)?,
                            title: r.get(1)?,
                            category: r.get(2)?,
                            price: r.get(3)?,
                            kind: kind_at(r, 4)?,
                            ts: r.get(5)?,
                            rating: r.get(6)?,
                            text: r.get(7)?,
                            material: material_at(r, 8)?,
                        })
                    },
                )?
                .collect()
            })
            .map_err(|e| self.err(e))
    }

    /// A product's events, newest first, as (user id, kind, ts).
    pub fn product_events(
        &self,
        product_id: &str,
        limit: usize,
    ) -> Result<Vec<(String, EventKind, i64)>, StoreError> {
        self.conn
            .prepare_cached(
                "SELECT u.user_id, e.kind, e.ts
                 FROM products p
                 JOIN events e ON e.product = p.id
                 JOIN users u ON u.id = e.user
                 WHERE p.product_id = ?1
                 ORDER BY e.ts DESC
                 LIMIT ?2",
            )
            .and_then(|mut s| {
                s.query_map(params![product_id, limit as i64], |r| {
                    Ok((r.get(0)?, kind_at(r, 1)?, r.get(2)?))
                })?
                .collect()
            })
            .map_err(|e| self.err(e))
    }

    /// The query plan SQLite picks for `sql`, for tests that pin indexes.
    #[doc(hidden)]
    pub fn explain(&self, sql: &str) -> Result<String, StoreError> {
        self.conn
            .prepare(&format!("EXPLAIN QUERY PLAN {sql}"))
            .and_then(|mut s| {
                s.query_map([], |r| r.get::<_, String>(3))?
                    .collect::<Result<Vec<_>, _>>()
            })
            .map(|lines| lines.join("\n"))
            .map_err(|e| self.err(e))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Shoppers u01..u12 named so that some names start with "u0" too, each
    /// with events at ts = 10·i + j.
    fn store() -> Store {
        let store = Store::open_in_memory().unwrap();
        store
            .conn
            .execute_batch(
                "INSERT INTO products (id, product_id, title, category) VALUES (1, 'p1', 'Tee', 'tops'), (2, 'p2', 'Mug', 'home');",
            )
            .unwrap();
        for i in 1..=12 {
            let name = if i % 3 == 0 {
                format!("U0 Person {i}")
            } else {
                format!("Ann {i:02}")
            };
            store
                .conn
                .execute(
                    "INSERT INTO users (id, user_id, display_name, name_key) VALUES (?1, ?2, ?3, lower(?3))",
                    params![i, format!("u{i:02}"), name],
                )
                .unwrap();
            for j in 0..3 {
                let kind = if j == 2 { "purchase" } else { "view" };
                store
                    .conn
                    .execute(
                        "INSERT INTO events (user, product, kind, ts) VALUES (?1, ?2, ?3, ?4)",
                        params![i, 1 + j % 2, kind, 10 * i + j],
                    )
                    .unwrap();
            }
        }
        store
    }

    fn ids(rows: &[ShopperRow]) -> Vec<&str> {
        rows.iter().map(|r| r.user_id.as_str()).collect()
    }

    #[test]
    fn pages_walk_all_shoppers_in_id_order() {
        let store = store();
        let first = store.shoppers_page(None, 5).unwrap();
        assert_eq!(ids(&first), ["u01", "u02", "u03", "u04", "u05"]);
        assert_eq!(first[0].orders, 1);
        assert_eq!(first[0].last_seen, Some(12));
        let next = store.shoppers_page(Some("u05"), 50).unwrap();
        assert_eq!(next.len(), 7);
        assert_eq!(next[0].user_id, "u06");
    }

    #[test]
    fn filter_lists_id_matches_then_name_matches_without_repeats() {
        let store = store();
        let (rows, next) = store
            .shoppers_filtered("u1", true, &ShopperCursor::Start, 50)
            .unwrap();
        assert_eq!(ids(&rows), ["u10", "u11", "u12"]);
        assert_eq!(next, None);
        // "ANN 1" matches names case-insensitively: Ann 10, Ann 11.
        let (rows, _) = store
            .shoppers_filtered("ANN 1", true, &ShopperCursor::Start, 50)
            .unwrap();
        assert_eq!(ids(&rows), ["u10", "u11"]);
        // Without names allowed, a name never matches.
        let (rows, _) = store
            .shoppers_filtered("ann", false, &ShopperCursor::Start, 50)
            .unwrap();
        assert!(rows.is_empty());
        // "u0" matches ids u01..u09 and the names "U0 Person 12" (u12 only:
        // u03, u06, u09 already matched by id).
        let mut all = Vec::new();
        let mut cursor = ShopperCursor::Start;
        loop {
            let (rows, next) = store.shoppers_filtered("u0", true, &cursor, 4).unwrap();
            all.extend(rows.into_iter().map(|r| r.user_id));
            match next {
                Some(c) => cursor = c,
                None => break,
            }
        }
        assert_eq!(
            all,
            [
                "u01", "u02", "u03", "u04", "u05", "u06", "u07", "u08", "u09", "u12"
            ]
        );
        // Text inside an id or a name: "2" starts nothing, but u02 and u12
        // hold it (and "Ann 02", "U0 Person 12"), each once, a page at a time.
        let mut all = Vec::new();
        let mut cursor = ShopperCursor::Start;
        loop {
            let (rows, next) = store.shoppers_filtered("2", true, &cursor, 1).unwrap();
            all.extend(rows.into_iter().map(|r| r.user_id));
            match next {
                Some(c) => cursor = c,
                None => break,
            }
        }
        assert_eq!(all, ["u02", "u12"]);
        assert_eq!(store.shoppers_count("2", true).unwrap(), 2);
        // "person" is inside four names, and no id.
        let (rows, _) = store
            .shoppers_filtered("PERSON", true, &ShopperCursor::Start, 50)
            .unwrap();
        assert_eq!(ids(&rows), ["u03", "u06", "u09", "u12"]);
        assert_eq!(store.shoppers_count("PERSON", true).unwrap(), 4);
        assert_eq!(store.shoppers_count("person", false).unwrap(), 0);
        assert_eq!(store.shoppers_count("u0", true).unwrap(), 10);
    }

    #[test]
    fn history_is_newest_first_and_pages_back() {
        let store = store();
        let h = store.history("u04", None, 2).unwrap();
        assert_eq!(h.iter().map(|e| e.ts).collect::<Vec<_>>(), [42, 41]);
        assert_eq!(h[0].kind, EventKind::Purchase);
        assert_eq!(h[0].title, "Tee");
        let older = store.history("u04", Some(41), 10).unwrap();
        assert_eq!(older.iter().map(|e| e.ts).collect::<Vec<_>>(), [40]);
        assert!(store.history("nobody", None, 10).unwrap().is_empty());
        let events = store.product_events("p2", 3).unwrap();
        assert_eq!(events[0], ("u12".to_string(), EventKind::View, 121));
    }

    #[test]
    fn console_queries_use_indexes_not_scans() {
        let store = store();
        for sql in [
            "SELECT * FROM users WHERE user_id > 'u05' ORDER BY user_id LIMIT 50",
            "SELECT * FROM users WHERE name_key >= 'an' AND name_key < 'ao' ORDER BY name_key, user_id LIMIT 50",
            "SELECT * FROM events WHERE user = 3 ORDER BY ts DESC LIMIT 50",
            "SELECT * FROM events WHERE product = 1 ORDER BY ts DESC LIMIT 50",
        ] {
            let plan = store.explain(sql).unwrap();
            assert!(
                !plan.contains("SCAN users") && !plan.contains("SCAN events"),
                "{sql}: {plan}"
            );
            assert!(!plan.contains("TEMP B-TREE"), "{sql} sorts: {plan}");
        }
    }
}
