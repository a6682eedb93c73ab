//! The model registry: which versions exist, their metrics, and which one is
//! active. Files live in `models/<version>/`; a version is recorded here only
//! after its folder is complete (see `model::checkpoint`).

use super::{Store, StoreError};
use rusqlite::{OptionalExtension, params};
use serde::Serialize;

/// One registered model version, as `tailor models` lists it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ModelVersion {
    /// The folder name under `models/`.
    pub version: String,
    /// The version it was trained from, if any.
    pub parent: Option<String>,
    /// `pretrain` or `finetune`.
    pub kind: String,
    /// Unix seconds.
    pub created_at: i64,
    /// Whether it is the active version.
    pub active: bool,
    /// Its evaluation, as stored at registration.
    pub metrics: serde_json::Value,
    /// Why loading it failed, when it did: a refused version is never
    /// active, and the one active before it takes its place.
    pub refused: Option<String>,
}

impl Store {
    /// Records a complete version folder; with `activate`, makes it active
    /// in the same transaction.
    pub fn register_model(
        &mut self,
        version: &str,
        parent: Option<&str>,
        kind: &str,
        metrics: &serde_json::Value,
        activate: Option<&str>,
    ) -> Result<(), StoreError> {
        let now = now();
        let path = self.path.display().to_string();
        let sql = |source| StoreError::Sqlite {
            path: path.clone(),
            source,
        };
        let tx = self.conn.transaction().map_err(sql)?;
        tx.execute(
            "INSERT INTO model_versions (version, parent, kind, created_at, metrics)
             VALUES (?1, ?2, ?3, ?4, ?5)",
            params![version, parent, kind, now, metrics.to_string()],
        )
        .map_err(sql)?;
        if let Some(actor) = activate {
            tx.execute(
                "INSERT INTO model_activations (version, actor, reason, created_at)
                 VALUES (?1, ?2, 'trained', ?3)",
                params![version, actor, now],
            )
            .map_err(sql)?;
        }
        tx.commit().map_err(sql)
    }

    /// Every version, oldest first.
    pub fn models(&self) -> Result<Vec<ModelVersion>, StoreError> {
        let active = self.active_model()?;
        self.conn
            .prepare_cached(
                "SELECT version, parent, kind, created_at, metrics,
                        CASE status WHEN 'refused' THEN COALESCE(status_reason, 'refused') END
                 FROM model_versions
                 ORDER BY created_at, rowid",
            )
            .and_then(|mut s| {
                s.query_map([], |r| {
                    let version: String = r.get(0)?;
                    let metrics: String = r.get(4)?;
                    Ok(ModelVersion {
                        active: active.as_deref() == Some(version.as_str()),
                        version,
                        parent: r.get(1)?,
                        kind: r.get(2)?,
                        created_at: r.get(3)?,
                        metrics: serde_json::from_str(&metrics).unwrap_or(serde_json::Value::Null),
                        refused: r.get(5)?,
                    })
                })?
                .collect()
            })
            .map_err(|e| self.err(e))
    }

    /// Whether `version` is registered.
    pub fn has_model(&self, version: &str) -> Result<bool, StoreError> {
        self.conn
            .prepare_cached("SELECT 1 FROM model_versions WHERE version = ?1")
            .and_then(|mut s| s.query_row([version], |_| Ok(())).optional())
            .map(|r| r.is_some())
            .map_err(|e| self.err(e))
    }

    /// Makes `version` active (a manual promote), recording who and why. A
    /// version refused earlier is cleared: the caller has just loaded it.
    pub fn activate_model(
        &mut self,
        version: &str,
        actor: &str,
        reason: &str,
    ) -> Result<(), StoreError> {
        if !self.has_model(version)? {
            return Err(StoreError::Invalid {
                path: self.path.display().to_string(),
                message: format!("no model version {version:?}; `tailor models` lists them"),
            });
        }
        let path = self.path.display().to_string();
        let sql = |source| StoreError::Sqlite {
            path: path.clone(),
            source,
        };
        let tx = self.conn.transaction().map_err(sql)?;
        tx.execute(
            "UPDATE model_versions SET status = 'candidate', status_reason = NULL
             WHERE version = ?1 AND status = 'refused'",
            [version],
        )
        .map_err(sql)?;
        tx.execute(
            "INSERT INTO model_activations (version, actor, reason, created_at)
             VALUES (?1, ?2, ?3, ?4)",
            params![version, actor, reason, now()],
        )
        .map_err(sql)?;
        tx.commit().map_err(sql)
    }

    /// Marks `version` refused, with why: its folder failed to load. It stops
    /// being active; the version active before it takes over.
    pub fn refuse_model(&self, version: &str, reason: &str) -> Result<(), StoreError> {
        self.conn
            .prepare_cached(
                "UPDATE model_versions SET status = 'refused', status_reason = ?2 WHERE version = ?1",
            )
            .and_then(|mut s| s.execute(params![version, reason]))
            .map(|_| ())
            .map_err(|e| self.err(e))
    }

    /// The versions that were active and are not refused, newest
    /// activation first, without repeats: what a rollback walks back through.
    pub fn activation_history(&self) -> Result<Vec<String>, StoreError> {
        let all: Vec<String> = self
            .conn
            .prepare_cached(
                "SELECT a.version FROM model_activations a
                 JOIN model_versions v ON v.version = a.version
                 WHERE v.status <> 'refused'
                 ORDER BY a.id DESC",
            )
            .and_then(|mut s| s.query_map([], |r| r.get(0))?.collect())
            .map_err(|e| self.err(e))?;
        let mut seen = Vec::new();
        for v in all {
            if !seen.contains(&v) {
                seen.push(v);
            }
        }
        Ok(seen)
    }
}

/// Unix seconds now.
pub fn now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or(0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn register_promote_and_walk_back() {
        let mut store = Store::open_in_memory().unwrap();
        let m = serde_json::json!({"val_ppl": 3.0});
        store
            .register_model("v1", None, "pretrain", &m, Some("ann"))
            .unwrap();
        store
            .register_model("v2", Some("v1"), "pretrain", &m, None)
            .unwrap();
        assert_eq!(store.active_model().unwrap().as_deref(), Some("v1"));
        store.activate_model("v2", "ann", "promote").unwrap();
        assert_eq!(store.active_model().unwrap().as_deref(), Some("v2"));
        assert_eq!(store.activation_history().unwrap(), ["v2", "v1"]);
        let list = store.models().unwrap();
        assert_eq!(list.len(), 2);
        assert!(list[1].active && !list[0].active);
        assert_eq!(list[1].parent.as_deref(), Some("v1"));
        assert_eq!(list[0].metrics["val_ppl"], 3.0);
        let err = store.activate_model("v9", "ann", "promote").unwrap_err();
        assert!(err.to_string().contains("v9"));
    }

    #[test]
    fn a_refused_version_stops_being_active_until_promoted_again() {
        let mut store = Store::open_in_memory().unwrap();
        let m = serde_json::json!({});
        store
            .register_model("v1", None, "pretrain", &m, Some("ann"))
            .unwrap();
        store
            .register_model("v2", Some("v1"), "pretrain", &m, Some("ann"))
            .unwrap();
        store
            .refuse_model("v2", "model.safetensors: truncated")
            .unwrap();
        assert_eq!(store.active_model().unwrap().as_deref(), Some("v1"));
        assert_eq!(store.activation_history().unwrap(), ["v1"]);
        let list = store.models().unwrap();
        assert!(list[0].active && !list[1].active);
        assert_eq!(
            list[1].refused.as_deref(),
            Some("model.safetensors: truncated")
        );
        store.activate_model("v2", "ann", "promote").unwrap();
        assert_eq!(store.active_model().unwrap().as_deref(), Some("v2"));
        assert_eq!(store.models().unwrap()[1].refused, None);
    }
}
