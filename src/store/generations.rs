//! Generated candidates: written with their model version, log-probability
//! and sampling parameters, so every label can be traced to what made it.

use super::models::now;
use super::{Store, StoreError};
use rusqlite::params;
use serde::Serialize;

/// A candidate to store.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct NewGeneration {
    /// The shopper's external id.
    pub user_id: String,
    /// The product's external id.
    pub product_id: String,
    /// The version that generated it.
    pub model_version: String,
    /// The description, slots filled from the catalog.
    pub text: String,
    /// Sum of the sampled tokens' log-probabilities (nats).
    pub logprob: f64,
    /// Temperature, top-p, seed and the like.
    pub sampling: serde_json::Value,
}

impl Store {
    /// Stores candidates in one transaction; returns their ids in order.
    pub fn insert_generations(&mut self, gens: &[NewGeneration]) -> Result<Vec<i64>, StoreError> {
        let path = self.path.display().to_string();
        let sql = |source| StoreError::Sqlite {
            path: path.clone(),
            source,
        };
        let tx = self.conn.transaction().map_err(sql)?;
        let mut ids = Vec::with_capacity(gens.len());
        {
            let mut stmt = tx
                .prepare_cached(
                    "INSERT INTO generations (user, product, model_version, text, logprob, sampling, created_at)
                     SELECT u.id, p.id, ?3, ?4, ?5, ?6, ?7
                     FROM users u, products p WHERE u.user_id = ?1 AND p.product_id = ?2
                     RETURNING id",
                )
                .map_err(sql)?;
            let now = now();
            for g in gens {
                let id: i64 = stmt
                    .query_row(
                        params![
                            g.user_id,
                            g.product_id,
                            g.model_version,
                            g.text,
                            g.logprob,
                            g.sampling.to_string(),
                            now
                        ],
                        |r| r.get(0),
                    )
                    .map_err(|e| match e {
                        rusqlite::Error::QueryReturnedNoRows => StoreError::Invalid {
                            path: path.clone(),
                            message: format!(
                                "no shopper {:?} or no product {:?}",
                                g.user_id, g.product_id
                            ),
                        },
                        e => sql(e),
                    })?;
                ids.push(id);
            }
        }
        tx.commit().map_err(sql)?;
        Ok(ids)
    }
}
