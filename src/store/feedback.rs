//! What fine-tuning reads and writes: the labels in effect and which
//! version consumed them.

use super::models::now;
use super::{Store, StoreError};
use rusqlite::params;
use serde::Serialize;

/// A label in effect on a stored candidate, with what fine-tuning needs.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct FeedbackLabel {
    /// The `labels` row.
    pub label_id: i64,
    /// The candidate.
    pub generation_id: i64,
    /// The shopper it was generated for.
    pub user_id: String,
    /// The product it describes.
    pub product_id: String,
    /// The candidate text.
    pub text: String,
    /// Thumbs-up.
    pub up: bool,
    /// Who labelled it.
    pub analyst: String,
    /// When the candidate was generated (its prompt saw history before this).
    pub generated_at: i64,
    /// The version that generated it.
    pub model_version: String,
    /// Used by a version that has been active: it is not new any more.
    pub used: bool,
}

impl Store {
    /// The labels in effect: for each candidate and analyst, the newest
    /// up/down label that no undo cancels (a later redo restores it).
    /// Oldest first.
    pub fn labels_in_effect(&self) -> Result<Vec<FeedbackLabel>, StoreError> {
        let mut stmt = self
            .conn
            .prepare_cached(
                "SELECT n.id, g.id, u.user_id, p.product_id, g.text, n.label, n.analyst,
                        g.created_at, g.model_version,
                        n.consumed_by IS NOT NULL AND EXISTS (
                            SELECT 1 FROM model_activations m WHERE m.version = n.consumed_by)
                 FROM labels_in_effect n
                 JOIN generations g ON g.id = n.generation
                 JOIN users u ON u.id = g.user
                 JOIN products p ON p.id = g.product
                 ORDER BY n.id",
            )
            .map_err(|e| self.err(e))?;
        let rows = stmt
            .query_map([], |r| {
                Ok(FeedbackLabel {
                    label_id: r.get(0)?,
                    generation_id: r.get(1)?,
                    user_id: r.get(2)?,
                    product_id: r.get(3)?,
                    text: r.get(4)?,
                    up: r.get::<_, String>(5)? == "up",
                    analyst: r.get(6)?,
                    generated_at: r.get(7)?,
                    model_version: r.get(8)?,
                    used: r.get(9)?,
                })
            })
            .and_then(|rows| rows.collect::<Result<Vec<_>, _>>())
            .map_err(|e| self.err(e))?;
        Ok(rows)
    }

    /// Records a fine-tuned version and the labels it learned from, in one
    /// transaction; with `activate`, it becomes the active version.
    pub fn register_finetuned(
        &mut self,
        version: &str,
        parent: &str,
        metrics: &serde_json::Value,
        activate: Option<&str>,
        labels: &[i64],
    ) -> Result<(), StoreError> {
        let now = now();
        let path = self.path.display().to_string();
        let conn = &mut self.conn;
        let result = (|| {
            let tx = conn.transaction()?;
            tx.execute(
                "INSERT INTO model_versions (version, parent, kind, created_at, metrics)
                 VALUES (?1, ?2, 'finetune', ?3, ?4)",
                params![version, parent, now, metrics.to_string()],
            )?;
            if let Some(actor) = activate {
                tx.execute(
                    "INSERT INTO model_activations (version, actor, reason, created_at)
                     VALUES (?1, ?2, 'passed the promotion gate', ?3)",
                    params![version, actor, now],
                )?;
            }
            let mut mark = tx.prepare_cached("UPDATE labels SET consumed_by = ?1 WHERE id = ?2")?;
            for id in labels {
                mark.execute(params![version, id])?;
            }
            drop(mark);
            tx.commit()
        })();
        result.map_err(|source| StoreError::Sqlite { path, source })
    }

    /// Every shopper id, in id order.
    pub fn user_ids(&self) -> Result<Vec<String>, StoreError> {
        self.conn
            .prepare_cached("SELECT user_id FROM users ORDER BY user_id")
            .and_then(|mut s| s.query_map([], |r| r.get(0))?.collect())
            .map_err(|e| self.err(e))
    }

    /// A consistent copy of the live store at `to` (`VACUUM INTO`; never
    /// a file copy of a database in use).
    pub fn backup_to(&self, to: &std::path::Path) -> Result<(), StoreError> {
        self.conn
            .execute("VACUUM INTO ?1", [to.display().to_string()])
            .map(drop)
            .map_err(|e| self.err(e))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A store with one shopper, one product, one model and three candidates.
    fn store() -> Store {
        let s = Store::open_in_memory().unwrap();
        s.conn
            .execute_batch(
                "INSERT INTO users (id, user_id) VALUES (1, 'u1');
                 INSERT INTO products (id, product_id, title, category) VALUES (1, 'p1', 'Tee', 'Tops');
                 INSERT INTO model_versions (version, kind, created_at) VALUES ('v1', 'pretrain', 0);
                 INSERT INTO generations (id, user, product, model_version, text, logprob, created_at)
                 VALUES (1, 1, 1, 'v1', 'a', -1, 10), (2, 1, 1, 'v1', 'b', -1, 10),
                        (3, 1, 1, 'v1', 'c', -1, 10);",
            )
            .unwrap();
        s
    }

    fn label(s: &Store, id: i64, generation: i64, label: &str, target: Option<i64>, who: &str) {
        s.conn
            .execute(
                "INSERT INTO labels (id, generation, label, target, analyst, model_version, created_at)
                 VALUES (?1, ?2, ?3, ?4, ?5, 'v1', 0)",
                params![id, generation, label, target, who],
            )
            .unwrap();
    }

    fn effect(s: &Store) -> Vec<(i64, bool, &'static str)> {
        s.labels_in_effect()
            .unwrap()
            .into_iter()
            .map(|l| {
                let who = if l.analyst == "ann" { "ann" } else { "bob" };
                (l.generation_id, l.up, who)
            })
            .collect()
    }

    #[test]
    fn undo_redo_and_relabelling_decide_what_is_in_effect() {
        let s = store();
        label(&s, 1, 1, "up", None, "ann");
        label(&s, 2, 2, "down", None, "ann");
        label(&s, 3, 2, "undo", Some(2), "ann");
        label(&s, 4, 3, "up", None, "ann");
        label(&s, 5, 3, "down", None, "ann"); // ann changes her mind
        label(&s, 6, 3, "up", None, "bob"); // bob disagrees
        assert_eq!(
            effect(&s),
            [(1, true, "ann"), (3, false, "ann"), (3, true, "bob")]
        );
        label(&s, 7, 2, "redo", Some(2), "ann");
        label(&s, 8, 3, "undo", Some(5), "ann"); // back to her first label
        assert_eq!(
            effect(&s),
            [
                (1, true, "ann"),
                (2, false, "ann"),
                (3, true, "ann"),
                (3, true, "bob")
            ]
        );
    }

    #[test]
    fn labels_count_as_used_once_their_version_was_active() {
        let mut s = store();
        label(&s, 1, 1, "up", None, "ann");
        label(&s, 2, 2, "down", None, "ann");
        let metrics = serde_json::json!({});
        s.register_finetuned("v2", "v1", &metrics, None, &[1])
            .unwrap();
        let used = |s: &Store| -> Vec<bool> {
            s.labels_in_effect()
                .unwrap()
                .iter()
                .map(|l| l.used)
                .collect()
        };
        assert_eq!(used(&s), [false, false], "v2 was refused: label 1 is new");
        s.register_finetuned("v3", "v1", &metrics, Some("ann"), &[1])
            .unwrap();
        assert_eq!(used(&s), [true, false]);
        assert_eq!(s.active_model().unwrap().as_deref(), Some("v3"));
    }
}
