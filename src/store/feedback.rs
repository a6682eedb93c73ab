//! What fine-tuning reads and writes: the labels in effect, which version
//! consumed them, and the one-trainer lease (`jobs` rows with a heartbeat).

use super::models::now;
use super::{Store, StoreError};
use rusqlite::{OptionalExtension, params};
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

/// A running trainer's lease.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Lease {
    /// The `jobs` row.
    pub job: i64,
    /// `train` or `finetune`.
    pub kind: String,
    /// The account holding it.
    pub holder: String,
    /// Its process.
    pub pid: i64,
    /// Unix seconds.
    pub started_at: i64,
    /// Unix seconds of the last sign of life.
    pub heartbeat: i64,
}

impl Store {
    /// The labels in effect: for each candidate and analyst, the newest
    /// up/down label that no undo cancels (a later redo restores it).
    /// Oldest first.
    pub fn labels_in_effect(&self) -> Result<Vec<FeedbackLabel>, StoreError> {
        let mut stmt = self
            .conn
            .prepare_cached(
                "WITH live AS (
                     SELECT l.id, l.generation, l.label, l.analyst, l.consumed_by
                     FROM labels l
                     WHERE l.label IN ('up', 'down')
                       AND COALESCE((SELECT a.label FROM labels a WHERE a.target = l.id
                                     ORDER BY a.id DESC LIMIT 1), 'redo') = 'redo'
                 ),
                 newest AS (
                     SELECT * FROM live
                     WHERE id = (SELECT MAX(o.id) FROM live o
                                 WHERE o.generation = live.generation
                                   AND o.analyst = live.analyst)
                 )
                 SELECT n.id, g.id, u.user_id, p.product_id, g.text, n.label, n.analyst,
                        g.created_at, g.model_version,
                        n.consumed_by IS NOT NULL AND EXISTS (
                            SELECT 1 FROM model_activations m WHERE m.version = n.consumed_by)
                 FROM newest n
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

    /// Appends an up/down label by `analyst` (recorded as claimed, not an
    /// OS account) on candidate `generation`; for the simulated analyst.
    pub fn simulated_label(
        &mut self,
        generation: i64,
        up: bool,
        analyst: &str,
    ) -> Result<i64, StoreError> {
        self.conn
            .execute(
                "INSERT INTO labels (generation, label, analyst, analyst_claimed, model_version, created_at)
                 SELECT g.id, ?2, ?3, 1, g.model_version, ?4 FROM generations g WHERE g.id = ?1",
                params![generation, if up { "up" } else { "down" }, analyst, now()],
            )
            .map_err(|e| self.err(e))?;
        Ok(self.conn.last_insert_rowid())
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

    /// The running trainer lease, if any.
    pub fn running_lease(&self) -> Result<Option<Lease>, StoreError> {
        self.conn
            .prepare_cached(
                "SELECT id, kind, holder, pid, started_at, heartbeat FROM jobs
                 WHERE state = 'running' AND kind IN ('train', 'finetune')
                 ORDER BY id DESC LIMIT 1",
            )
            .and_then(|mut s| {
                s.query_row([], |r| {
                    Ok(Lease {
                        job: r.get(0)?,
                        kind: r.get(1)?,
                        holder: r.get(2)?,
                        pid: r.get(3)?,
                        started_at: r.get(4)?,
                        heartbeat: r.get(5)?,
                    })
                })
                .optional()
            })
            .map_err(|e| self.err(e))
    }

    /// Takes the trainer lease. Call only while holding the trainer lock
    /// file: any lease still marked running then belongs to a trainer that
    /// died, and is closed as failed, saying so.
    pub fn take_lease(&mut self, kind: &str, holder: &str, pid: u32) -> Result<i64, StoreError> {
        let now = now();
        let path = self.path.display().to_string();
        let conn = &mut self.conn;
        let result = (|| {
            let tx = conn.transaction()?;
            tx.execute(
                "UPDATE jobs SET state = 'failed',
                     detail = json_object('error', 'stale lease: the trainer stopped without finishing',
                                          'last_heartbeat', heartbeat)
                 WHERE state = 'running' AND kind IN ('train', 'finetune')",
                [],
            )?;
            tx.execute(
                "INSERT INTO jobs (kind, holder, pid, started_at, heartbeat)
                 VALUES (?1, ?2, ?3, ?4, ?4)",
                params![kind, holder, pid, now],
            )?;
            let id = tx.last_insert_rowid();
            tx.commit()?;
            Ok(id)
        })();
        result.map_err(|source| StoreError::Sqlite { path, source })
    }

    /// Notes that the lease holder is alive.
    pub fn heartbeat(&self, job: i64) -> Result<(), StoreError> {
        self.conn
            .execute(
                "UPDATE jobs SET heartbeat = ?2 WHERE id = ?1",
                params![job, now()],
            )
            .map(drop)
            .map_err(|e| self.err(e))
    }

    /// Ends the lease with `state` (`done`, `failed` or `cancelled`).
    pub fn end_lease(
        &self,
        job: i64,
        state: &str,
        detail: &serde_json::Value,
    ) -> Result<(), StoreError> {
        self.conn
            .execute(
                "UPDATE jobs SET state = ?2, heartbeat = ?3, detail = ?4 WHERE id = ?1",
                params![job, state, now(), detail.to_string()],
            )
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

    #[test]
    fn a_new_lease_closes_a_dead_trainers_lease() {
        let mut s = store();
        assert_eq!(s.running_lease().unwrap(), None);
        let first = s.take_lease("finetune", "ann", 11).unwrap();
        let lease = s.running_lease().unwrap().unwrap();
        assert_eq!(
            (lease.job, lease.holder.as_str(), lease.pid),
            (first, "ann", 11)
        );
        let second = s.take_lease("train", "bob", 12).unwrap();
        assert_eq!(s.running_lease().unwrap().unwrap().job, second);
        let state: String = s
            .conn
            .query_row("SELECT state FROM jobs WHERE id = ?1", [first], |r| {
                r.get(0)
            })
            .unwrap();
        assert_eq!(state, "failed");
        s.heartbeat(second).unwrap();
        s.end_lease(second, "done", &serde_json::json!({"version": "v2"}))
            .unwrap();
        assert_eq!(s.running_lease().unwrap(), None);
    }
}
