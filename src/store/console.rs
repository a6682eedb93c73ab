//! What the console reads besides the shopper pages: candidates with the
//! analyst's label on each, one candidate for explaining, shopper pages
//! around a remembered position, and where each analyst left off.

use super::labels::{LabelState, Verdict};
use super::models::now;
use super::queries::{SHOPPER_COLUMNS, ShopperRow, shopper_row};
use super::{Store, StoreError};
use rusqlite::{OptionalExtension, params};
use serde::Serialize;

/// One stored candidate with the analyst's label on it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CandidateRow {
    /// `generations.id`.
    pub generation_id: i64,
    /// The version that wrote it.
    pub model_version: String,
    /// The text, as generated (untrusted: sanitise before showing).
    pub text: String,
    /// Sum of token log-probabilities (nats).
    pub logprob: f64,
    /// Unix seconds.
    pub created_at: i64,
    /// The asking analyst's label in effect, if any.
    pub label: Option<LabelState>,
}

/// Candidates not yet labelled, as (candidate, shopper, product), and how
/// many there are in all.
pub type Unlabelled = (Vec<(i64, String, String)>, u64);

/// One candidate with whom and what it was for.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct GenerationRow {
    /// `generations.id`.
    pub generation_id: i64,
    /// The shopper's external id.
    pub user_id: String,
    /// The product's external id.
    pub product_id: String,
    /// The version that wrote it.
    pub model_version: String,
    /// The text.
    pub text: String,
    /// When it was written, Unix seconds.
    pub created_at: i64,
    /// Whether the model ended it (false: cut off at the token limit).
    /// Candidates stored before this was recorded count as ended.
    pub ended: bool,
    /// The tokens drawn (without `<eos>`), where recorded: the text
    /// re-read may spell other tokens (a filled slot gains a space).
    pub ids: Option<Vec<u32>>,
}

impl Store {
    /// How many candidates a shopper and product have, and how many of
    /// them carry a label in effect by `analyst`.
    pub fn candidate_counts(
        &self,
        user_id: &str,
        product_id: &str,
        analyst: &str,
    ) -> Result<(u64, u64), StoreError> {
        self.conn
            .prepare_cached(
                "SELECT count(DISTINCT g.id), count(DISTINCT m.generation)
                 FROM users u
                 JOIN products p ON p.product_id = ?2
                 JOIN generations g ON g.user = u.id AND g.product = p.id
                 LEFT JOIN active_labels m ON m.generation = g.id AND m.analyst = ?3
                 WHERE u.user_id = ?1",
            )
            .and_then(|mut s| {
                s.query_row(params![user_id, product_id, analyst], |r| {
                    Ok((r.get::<_, i64>(0)? as u64, r.get::<_, i64>(1)? as u64))
                })
            })
            .map_err(|e| self.err(e))
    }

    /// The newest `limit` candidates for a shopper and product (older than
    /// `before`, when given), oldest first, each with `analyst`'s label in
    /// effect.
    pub fn candidates(
        &self,
        user_id: &str,
        product_id: &str,
        analyst: &str,
        limit: usize,
        before: Option<i64>,
    ) -> Result<Vec<CandidateRow>, StoreError> {
        let mut rows: Vec<CandidateRow> = self
            .conn
            .prepare_cached(
                "SELECT g.id, g.model_version, g.text, g.logprob, g.created_at,
                        m.id, m.label, m.reason, m.note
                 FROM users u
                 JOIN products p ON p.product_id = ?2
                 JOIN generations g ON g.user = u.id AND g.product = p.id
                 LEFT JOIN labels_in_effect m ON m.generation = g.id AND m.analyst = ?3
                 WHERE u.user_id = ?1 AND g.id < ?5
                 ORDER BY g.id DESC LIMIT ?4",
            )
            .and_then(|mut s| {
                let before = before.unwrap_or(i64::MAX);
                s.query_map(
                    params![user_id, product_id, analyst, limit as i64, before],
                    |r| {
                        let label = match r.get::<_, Option<i64>>(5)? {
                            Some(label_id) => {
                                let verdict: String = r.get(6)?;
                                Some(LabelState {
                                    label_id,
                                    verdict: if verdict == "up" {
                                        Verdict::Up
                                    } else {
                                        Verdict::Down
                                    },
                                    reason: r.get(7)?,
                                    note: r.get(8)?,
                                })
                            }
                            None => None,
                        };
                        Ok(CandidateRow {
                            generation_id: r.get(0)?,
                            model_version: r.get(1)?,
                            text: r.get(2)?,
                            logprob: r.get(3)?,
                            created_at: r.get(4)?,
                            label,
                        })
                    },
                )?
                .collect()
            })
            .map_err(|e| self.err(e))?;
        rows.reverse();
        Ok(rows)
    }

    /// One candidate by id.
    pub fn generation(&self, generation_id: i64) -> Result<Option<GenerationRow>, StoreError> {
        self.conn
            .prepare_cached(
                "SELECT g.id, u.user_id, p.product_id, g.model_version, g.text, g.created_at,
                        COALESCE(json_extract(g.sampling, '$.ended'), 1),
                        json_extract(g.sampling, '$.ids')
                 FROM generations g JOIN users u ON u.id = g.user JOIN products p ON p.id = g.product
                 WHERE g.id = ?1",
            )
            .and_then(|mut s| {
                s.query_row([generation_id], |r| {
                    Ok(GenerationRow {
                        generation_id: r.get(0)?,
                        user_id: r.get(1)?,
                        product_id: r.get(2)?,
                        model_version: r.get(3)?,
                        text: r.get(4)?,
                        created_at: r.get(5)?,
                        ended: r.get::<_, i64>(6)? != 0,
                        ids: r
                            .get::<_, Option<String>>(7)?
                            .and_then(|j| serde_json::from_str(&j).ok()),
                    })
                })
                .optional()
            })
            .map_err(|e| self.err(e))
    }

    /// A page of shoppers by id, starting at `first` (inclusive).
    pub fn shoppers_from(&self, first: &str, limit: usize) -> Result<Vec<ShopperRow>, StoreError> {
        self.conn
            .prepare_cached(&format!(
                "SELECT {SHOPPER_COLUMNS} FROM users u WHERE u.user_id >= ?1 ORDER BY u.user_id LIMIT ?2"
            ))
            .and_then(|mut s| {
                s.query_map(params![first, limit as i64], shopper_row)?
                    .collect()
            })
            .map_err(|e| self.err(e))
    }

    /// The page of shoppers just before `before` (exclusive), in id order.
    pub fn shoppers_before(
        &self,
        before: &str,
        limit: usize,
    ) -> Result<Vec<ShopperRow>, StoreError> {
        let mut rows: Vec<ShopperRow> = self
            .conn
            .prepare_cached(&format!(
                "SELECT {SHOPPER_COLUMNS} FROM users u WHERE u.user_id < ?1 ORDER BY u.user_id DESC LIMIT ?2"
            ))
            .and_then(|mut s| {
                s.query_map(params![before, limit as i64], shopper_row)?
                    .collect::<Result<Vec<_>, _>>()
            })
            .map_err(|e| self.err(e))?;
        rows.reverse();
        Ok(rows)
    }

    /// How many shoppers `shoppers_filtered` lists for `text`: ids that
    /// hold it anywhere (ignoring case) and, when `names`, names that do.
    /// Every prefix match is one of those. Without text, an index count;
    /// with it, a scan (about 0.1 s a million shoppers, on the store lane).
    pub fn shoppers_count(&self, text: &str, names: bool) -> Result<u64, StoreError> {
        let n: rusqlite::Result<i64> = if text.is_empty() {
            self.conn
                .prepare_cached("SELECT count(*) FROM users")
                .and_then(|mut s| s.query_row([], |r| r.get(0)))
        } else {
            self.conn
                .prepare_cached(
                    "SELECT count(*) FROM users u
                     WHERE instr(lower(u.user_id), ?1) > 0
                        OR (?2 AND instr(u.name_key, ?1) > 0)",
                )
                .and_then(|mut s| s.query_row(params![text.to_lowercase(), names], |r| r.get(0)))
        };
        n.map(|n| n as u64).map_err(|e| self.err(e))
    }

    /// The review queue's raw material: up to `limit` candidates `analyst`
    /// has no label in effect on, newest first, as (candidate, shopper,
    /// product), and how many there are in all.
    pub fn unlabelled(&self, analyst: &str, limit: usize) -> Result<Unlabelled, StoreError> {
        let rows = self
            .conn
            .prepare_cached(
                "SELECT g.id, u.user_id, p.product_id
                 FROM generations g JOIN users u ON u.id = g.user JOIN products p ON p.id = g.product
                 WHERE NOT EXISTS (SELECT 1 FROM labels_in_effect e
                                   WHERE e.generation = g.id AND e.analyst = ?1)
                 ORDER BY g.id DESC LIMIT ?2",
            )
            .and_then(|mut s| {
                s.query_map(params![analyst, limit as i64], |r| {
                    Ok((r.get(0)?, r.get(1)?, r.get(2)?))
                })?
                .collect::<Result<Vec<_>, _>>()
            })
            .map_err(|e| self.err(e))?;
        let total: i64 = self
            .conn
            .prepare_cached(
                "SELECT count(*) FROM generations g
                 WHERE NOT EXISTS (SELECT 1 FROM labels_in_effect e
                                   WHERE e.generation = g.id AND e.analyst = ?1)",
            )
            .and_then(|mut s| s.query_row([analyst], |r| r.get(0)))
            .map_err(|e| self.err(e))?;
        Ok((rows, total as u64))
    }

    /// Up to `limit` shopper ids that contain `text` anywhere (ignoring
    /// case), the ones nearest in length first: suggestions for an id
    /// that is not there (`7` → `u0000007`). A scan, for the error path.
    pub fn shoppers_containing(&self, text: &str, limit: usize) -> Result<Vec<String>, StoreError> {
        self.conn
            .prepare_cached(
                "SELECT user_id FROM users WHERE instr(lower(user_id), lower(?1)) > 0
                 ORDER BY length(user_id), user_id LIMIT ?2",
            )
            .and_then(|mut s| {
                s.query_map(params![text, limit as i64], |r| r.get(0))?
                    .collect()
            })
            .map_err(|e| self.err(e))
    }

    /// Where `analyst` left off, as the console saved it.
    pub fn load_session(&self, analyst: &str) -> Result<Option<serde_json::Value>, StoreError> {
        let text: Option<String> = self
            .conn
            .prepare_cached("SELECT state FROM console_sessions WHERE analyst = ?1")
            .and_then(|mut s| s.query_row([analyst], |r| r.get(0)).optional())
            .map_err(|e| self.err(e))?;
        // A session that no longer parses is a lost position, not an error.
        Ok(text.and_then(|t| serde_json::from_str(&t).ok()))
    }

    /// Remembers where `analyst` is.
    pub fn save_session(&self, analyst: &str, state: &serde_json::Value) -> Result<(), StoreError> {
        self.conn
            .prepare_cached(
                "INSERT INTO console_sessions (analyst, state, updated_at) VALUES (?1, ?2, ?3)
                 ON CONFLICT (analyst) DO UPDATE SET state = excluded.state, updated_at = excluded.updated_at",
            )
            .and_then(|mut s| s.execute(params![analyst, state.to_string(), now()]))
            .map(|_| ())
            .map_err(|e| self.err(e))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::NewGeneration;

    fn store() -> (Store, Vec<i64>) {
        let mut store = Store::open_in_memory().unwrap();
        store
            .conn
            .execute_batch(
                "INSERT INTO users (id, user_id) VALUES (1, 'u1'), (2, 'u2'), (3, 'u3');
                 INSERT INTO products (id, product_id, title, category) VALUES (1, 'p1', 'Tee', 'tops'), (2, 'p2', 'Mug', 'home');",
            )
            .unwrap();
        store
            .register_model("v1", None, "pretrain", &serde_json::json!({}), Some("x"))
            .unwrap();
        let new = |user: &str, product: &str, text: &str| NewGeneration {
            user_id: user.into(),
            product_id: product.into(),
            model_version: "v1".into(),
            text: text.into(),
            logprob: -2.5,
            sampling: serde_json::json!({}),
        };
        let ids = store
            .insert_generations(&[
                new("u1", "p1", "first"),
                new("u1", "p2", "other product"),
                new("u1", "p1", "second"),
                new("u2", "p1", "other shopper"),
            ])
            .unwrap();
        (store, ids)
    }

    #[test]
    fn candidates_are_oldest_first_with_my_label_only() {
        let (mut store, ids) = store();
        store
            .add_label(
                ids[0],
                Verdict::Up,
                Some("great-hook"),
                None,
                &crate::store::Labeller::console("ann", 1),
            )
            .unwrap();
        store
            .add_label(
                ids[2],
                Verdict::Down,
                None,
                None,
                &crate::store::Labeller::console("bob", 1),
            )
            .unwrap();
        let rows = store.candidates("u1", "p1", "ann", 10, None).unwrap();
        let texts: Vec<&str> = rows.iter().map(|r| r.text.as_str()).collect();
        assert_eq!(texts, ["first", "second"]);
        let label = rows[0].label.as_ref().unwrap();
        assert_eq!(
            (label.verdict, label.reason.as_deref()),
            (Verdict::Up, Some("great-hook"))
        );
        assert_eq!(rows[1].label, None, "bob's label is not ann's");
        store
            .undo_label(&crate::store::Labeller::console("ann", 1))
            .unwrap();
        assert_eq!(
            store.candidates("u1", "p1", "ann", 10, None).unwrap()[0].label,
            None
        );
        // The limit keeps the newest; the page before it holds the rest.
        let rows = store.candidates("u1", "p1", "ann", 1, None).unwrap();
        assert_eq!(rows[0].text, "second");
        let older = store
            .candidates("u1", "p1", "ann", 1, Some(rows[0].generation_id))
            .unwrap();
        assert_eq!(older[0].text, "first");
        assert!(
            store
                .candidates("u1", "p1", "ann", 1, Some(older[0].generation_id))
                .unwrap()
                .is_empty()
        );
        assert_eq!(store.candidate_counts("u1", "p1", "ann").unwrap(), (2, 0));
        assert_eq!(store.candidate_counts("u1", "p1", "bob").unwrap(), (2, 1));
        let g = store.generation(ids[3]).unwrap().unwrap();
        assert_eq!((g.user_id.as_str(), g.product_id.as_str()), ("u2", "p1"));
        assert!(store.generation(999).unwrap().is_none());
    }

    #[test]
    fn shopper_pages_around_a_position() {
        let (store, _) = store();
        let ids = |rows: Vec<ShopperRow>| rows.into_iter().map(|r| r.user_id).collect::<Vec<_>>();
        assert_eq!(ids(store.shoppers_from("u2", 5).unwrap()), ["u2", "u3"]);
        assert_eq!(ids(store.shoppers_before("u3", 5).unwrap()), ["u1", "u2"]);
        assert!(store.shoppers_before("u1", 5).unwrap().is_empty());
        // The last page, as End asks for it.
        assert_eq!(
            ids(store.shoppers_before(&char::MAX.to_string(), 2).unwrap()),
            ["u2", "u3"]
        );
        assert_eq!(store.shoppers_count("", false).unwrap(), 3);
        assert_eq!(store.shoppers_count("u2", false).unwrap(), 1);
        assert_eq!(store.shoppers_count("x", true).unwrap(), 0);
        // Near matches for an id that is not there.
        assert_eq!(store.shoppers_containing("2", 3).unwrap(), ["u2"]);
        assert_eq!(store.shoppers_containing("U", 2).unwrap(), ["u1", "u2"]);
        assert!(store.shoppers_containing("9", 3).unwrap().is_empty());
    }

    #[test]
    fn sessions_are_per_analyst_and_replaced() {
        let (store, _) = store();
        assert_eq!(store.load_session("ann").unwrap(), None);
        store
            .save_session("ann", &serde_json::json!({"user": "u1"}))
            .unwrap();
        store
            .save_session("ann", &serde_json::json!({"user": "u2"}))
            .unwrap();
        store
            .save_session("bob", &serde_json::json!({"user": "u3"}))
            .unwrap();
        assert_eq!(
            store.load_session("ann").unwrap(),
            Some(serde_json::json!({"user": "u2"}))
        );
    }

    #[test]
    fn candidate_query_uses_indexes() {
        let (store, _) = store();
        let plan = store
            .explain("SELECT g.id FROM generations g WHERE g.user = 1 AND g.product = 1 ORDER BY g.id DESC LIMIT 50")
            .unwrap();
        assert!(!plan.contains("SCAN generations"), "{plan}");
        assert!(!plan.contains("TEMP B-TREE"), "{plan}");
    }
}
