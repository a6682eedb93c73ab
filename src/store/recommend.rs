//! Which product a shopper is most likely to want next.
//!
//! [`CoOccurrence`] is deliberately simple and honest: products that other
//! shoppers of the same recent items went on to buy, cart or view, weighted
//! by how strong the signal is, falling back to overall popularity. It sits
//! behind [`Recommender`] so a learned ranker can replace it.

use super::{Store, StoreError};
use rusqlite::params;
use std::collections::{HashMap, HashSet};

/// A product id with its score.
#[derive(Debug, Clone, PartialEq)]
pub struct Recommendation {
    /// Product external id.
    pub product_id: String,
    /// Higher is better; comparable only within one call.
    pub score: f64,
}

/// Ranks products for a shopper.
pub trait Recommender {
    /// The `n` best products for `user_id`, best first.
    fn recommend(
        &self,
        store: &Store,
        user_id: &str,
        n: usize,
    ) -> Result<Vec<Recommendation>, StoreError>;
}

/// Co-occurrence with the shopper's recent items, then popularity.
#[derive(Debug, Clone)]
pub struct CoOccurrence {
    /// How many of the shopper's newest distinct products seed the search.
    pub recent_items: usize,
    /// How many other shoppers of each seed product are looked at.
    pub neighbours: usize,
    /// How many events of each neighbour are counted.
    pub neighbour_events: usize,
}

impl Default for CoOccurrence {
    fn default() -> Self {
        CoOccurrence {
            recent_items: 5,
            neighbours: 100,
            neighbour_events: 40,
        }
    }
}

fn weight(kind: &str) -> f64 {
    match kind {
        "purchase" => 3.0,
        "cart" | "review" => 2.0,
        _ => 1.0,
    }
}

impl Recommender for CoOccurrence {
    fn recommend(
        &self,
        store: &Store,
        user_id: &str,
        n: usize,
    ) -> Result<Vec<Recommendation>, StoreError> {
        let err = |e| store.err(e);
        let conn = &store.conn;
        let user: Option<i64> = conn
            .prepare_cached("SELECT id FROM users WHERE user_id = ?1")
            .and_then(|mut s| {
                use rusqlite::OptionalExtension;
                s.query_row([user_id], |r| r.get(0)).optional()
            })
            .map_err(err)?;
        let Some(user) = user else {
            return Err(StoreError::Invalid {
                path: store.path.display().to_string(),
                message: format!("no shopper {user_id:?}"),
            });
        };
        // The shopper's own products: recent ones seed the search, bought
        // ones are not recommended again.
        let own: Vec<(i64, String)> = conn
            .prepare_cached("SELECT product, kind FROM events WHERE user = ?1 ORDER BY ts DESC")
            .and_then(|mut s| {
                s.query_map([user], |r| Ok((r.get(0)?, r.get(1)?)))?
                    .collect()
            })
            .map_err(err)?;
        let bought: HashSet<i64> = own
            .iter()
            .filter(|(_, k)| k == "purchase")
            .map(|(p, _)| *p)
            .collect();
        let mut seeds: Vec<i64> = Vec::new();
        for (p, _) in &own {
            if !seeds.contains(p) {
                seeds.push(*p);
            }
            if seeds.len() == self.recent_items {
                break;
            }
        }
        let mut scores: HashMap<i64, f64> = HashMap::new();
        let mut neighbours_stmt = conn
            .prepare_cached(
                "SELECT DISTINCT user FROM events WHERE product = ?1 AND user != ?2
                 ORDER BY ts DESC LIMIT ?3",
            )
            .map_err(err)?;
        let mut events_stmt = conn
            .prepare_cached(
                "SELECT product, kind FROM events WHERE user = ?1 ORDER BY ts DESC LIMIT ?2",
            )
            .map_err(err)?;
        for (rank, seed) in seeds.iter().enumerate() {
            // Newer seeds say more about what comes next.
            let recency = 1.0 / (1.0 + rank as f64);
            let neighbours: Vec<i64> = neighbours_stmt
                .query_map(params![seed, user, self.neighbours as i64], |r| r.get(0))
                .and_then(|rows| rows.collect())
                .map_err(err)?;
            for nb in neighbours {
                let events: Vec<(i64, String)> = events_stmt
                    .query_map(params![nb, self.neighbour_events as i64], |r| {
                        Ok((r.get(0)?, r.get(1)?))
                    })
                    .and_then(|rows| rows.collect())
                    .map_err(err)?;
                for (p, kind) in events {
                    if p != *seed && !bought.contains(&p) {
                        *scores.entry(p).or_default() += recency * weight(&kind);
                    }
                }
            }
        }
        let mut ranked: Vec<(i64, f64)> = scores.into_iter().collect();
        ranked.sort_by(|a, b| b.1.total_cmp(&a.1).then(a.0.cmp(&b.0)));
        ranked.truncate(n);
        if ranked.len() < n {
            // Popularity fills the rest (and serves shoppers with no history).
            let popular: Vec<(i64, f64)> = conn
                .prepare_cached(
                    "SELECT product, count(*) FROM events WHERE kind = 'purchase'
                     GROUP BY product ORDER BY count(*) DESC, product LIMIT ?1",
                )
                .and_then(|mut s| {
                    s.query_map([(n + bought.len() + ranked.len()) as i64], |r| {
                        Ok((r.get(0)?, r.get::<_, i64>(1)? as f64 * 1e-6))
                    })?
                    .collect()
                })
                .map_err(err)?;
            for (p, s) in popular {
                if ranked.len() == n {
                    break;
                }
                if !bought.contains(&p) && !ranked.iter().any(|(q, _)| *q == p) {
                    ranked.push((p, s));
                }
            }
        }
        let mut id_stmt = conn
            .prepare_cached("SELECT product_id FROM products WHERE id = ?1")
            .map_err(err)?;
        ranked
            .into_iter()
            .map(|(p, score)| {
                let product_id: String = id_stmt.query_row([p], |r| r.get(0)).map_err(err)?;
                Ok(Recommendation { product_id, score })
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn recommends_what_similar_shoppers_bought_then_popular_items() {
        let store = Store::open_in_memory().unwrap();
        store
            .conn
            .execute_batch(
                "INSERT INTO users (id, user_id) VALUES (1, 'me'), (2, 'a'), (3, 'b'), (4, 'new');
                 INSERT INTO products (id, product_id, title, category) VALUES
                   (1, 'tent', 't', 'c'), (2, 'stove', 't', 'c'), (3, 'mug', 't', 'c'), (4, 'hat', 't', 'c');
                 INSERT INTO events (user, product, kind, ts) VALUES
                   (1, 1, 'purchase', 10),
                   (2, 1, 'view', 5), (2, 2, 'purchase', 6),
                   (3, 1, 'purchase', 5), (3, 2, 'view', 6), (3, 3, 'view', 7),
                   (2, 4, 'purchase', 1), (3, 4, 'purchase', 1);",
            )
            .unwrap();
        let rec = CoOccurrence::default();
        let got = rec.recommend(&store, "me", 2).unwrap();
        let ids: Vec<&str> = got.iter().map(|r| r.product_id.as_str()).collect();
        assert_eq!(ids, ["hat", "stove"], "{got:?}");
        // A shopper with no history gets the most bought products.
        let got = rec.recommend(&store, "new", 1).unwrap();
        assert_eq!(got[0].product_id, "tent");
        assert!(rec.recommend(&store, "ghost", 1).is_err());
    }
}
