//! Labels: append-only rows, with undo and redo as rows of their own.
//!
//! A label row (`up` or `down`) is *active* unless the newest `undo`/`redo`
//! row that targets it is an `undo`. The label *in effect* for a candidate
//! and an analyst is their newest active row for it, so re-labelling a
//! candidate is an edit that an undo takes back to the earlier label. Both
//! rules are written once, as the views `active_labels` and
//! `labels_in_effect` (schema.rs); every query here reads them.
//!
//! Each console run has its own undo history (see `sessions.rs`), rebuilt
//! from the rows alone so that it survives a restart: undo takes back the
//! run's newest active label; redo restores the label it most recently
//! undid, as long as it has not labelled anything since (a new label clears
//! the redo history, as in an editor). Two consoles open under one account
//! never undo each other's labels.

use super::models::now;
use super::{Store, StoreError};
use rusqlite::{OptionalExtension, params};
use serde::Serialize;
use std::io::Write;

/// Thumbs-up or thumbs-down.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Verdict {
    /// A good candidate.
    Up,
    /// A bad one.
    Down,
}

impl Verdict {
    /// The name stored in `labels.label`.
    pub fn as_str(self) -> &'static str {
        match self {
            Verdict::Up => "up",
            Verdict::Down => "down",
        }
    }

    fn parse(s: &str) -> Option<Verdict> {
        match s {
            "up" => Some(Verdict::Up),
            "down" => Some(Verdict::Down),
            _ => None,
        }
    }
}

/// The label an analyst has in effect on one candidate.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct LabelState {
    /// The label row in effect.
    pub label_id: i64,
    /// Up or down.
    pub verdict: Verdict,
    /// Reason code, if given.
    pub reason: Option<String>,
    /// Free-text note, if given.
    pub note: Option<String>,
}

/// What an undo or redo did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reverted {
    /// The new `undo`/`redo` row.
    pub row_id: i64,
    /// The label row acted on.
    pub target: i64,
    /// The candidate it belongs to.
    pub generation: i64,
    /// The analyst's label on that candidate now.
    pub now: Option<LabelState>,
}

/// Labels counted the two ways that differ. A **label row** is every
/// thumbs-up or thumbs-down ever recorded, replaced and undone ones
/// included (`tailor export labels` writes one line each); a **label in
/// effect** is an analyst's current label on a candidate (what fine-tuning
/// learns from). Undo and redo are actions on rows, not labels.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct LabelCounts {
    /// Label rows.
    pub rows: u64,
    /// Labels in effect.
    pub in_effect: u64,
}

impl std::fmt::Display for LabelCounts {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{} label row{} ({} in effect)",
            self.rows,
            if self.rows == 1 { "" } else { "s" },
            self.in_effect
        )
    }
}

/// Labels done and to do, for one analyst and for everyone.
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize)]
pub struct LabelProgress {
    /// Candidates with a label in effect by this analyst.
    pub mine: u64,
    /// Candidates with a label in effect by anyone.
    pub everyone: u64,
    /// Candidates in the store.
    pub candidates: u64,
    /// This analyst's labels (edits included, undo/redo not) per minute
    /// over the last ten minutes.
    pub per_minute: f64,
    /// How far the labels are from letting the gate judge a fine-tune
    /// (filled in by the layer that knows the gate's rules).
    pub gate: crate::domain::GateProgress,
}

/// Who writes a label, and in which console run (the undo scope).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Labeller {
    /// The analyst: the OS account, or a claimed name.
    pub analyst: String,
    /// Whether the name was claimed (`--analyst`) rather than the OS account.
    pub claimed: bool,
    /// The console run; `None` for the command line, whose labels no console
    /// undoes.
    pub session: Option<i64>,
}

impl Labeller {
    /// The OS account `analyst` labelling from console run `session`.
    pub fn console(analyst: &str, session: i64) -> Labeller {
        Labeller {
            analyst: analyst.to_string(),
            claimed: false,
            session: Some(session),
        }
    }
}

impl Store {
    /// Appends an `up`/`down` label by `analyst` on candidate `generation`,
    /// recording the candidate's model version, and returns the label now
    /// in effect. Committed (synchronous=FULL) before it returns.
    pub fn add_label(
        &mut self,
        generation: i64,
        verdict: Verdict,
        reason: Option<&str>,
        note: Option<&str>,
        by: &Labeller,
    ) -> Result<LabelState, StoreError> {
        let path = self.path.display().to_string();
        let sql = |source| StoreError::Sqlite {
            path: path.clone(),
            source,
        };
        let tx = self.conn.transaction().map_err(sql)?;
        let label_id: Option<i64> = tx
            .prepare_cached(
                "INSERT INTO labels (generation, label, reason, note, analyst, analyst_claimed, model_version, created_at, session)
                 SELECT g.id, ?2, ?3, ?4, ?5, ?6, g.model_version, ?7, ?8 FROM generations g WHERE g.id = ?1
                 RETURNING id",
            )
            .and_then(|mut s| {
                s.query_row(
                    params![
                        generation,
                        verdict.as_str(),
                        reason,
                        note,
                        by.analyst,
                        by.claimed as i64,
                        now(),
                        by.session
                    ],
                    |r| r.get(0),
                )
                .optional()
            })
            .map_err(sql)?;
        let Some(label_id) = label_id else {
            return Err(StoreError::Invalid {
                path,
                message: format!("no candidate {generation}"),
            });
        };
        tx.commit().map_err(sql)?;
        Ok(LabelState {
            label_id,
            verdict,
            reason: reason.map(str::to_string),
            note: note.map(str::to_string),
        })
    }

    /// The label `analyst` has in effect on `generation`, if any.
    pub fn label_state(
        &self,
        generation: i64,
        analyst: &str,
    ) -> Result<Option<LabelState>, StoreError> {
        self.conn
            .prepare_cached(
                "SELECT e.id, e.label, e.reason, e.note FROM labels_in_effect e
                 WHERE e.generation = ?1 AND e.analyst = ?2",
            )
            .and_then(|mut s| {
                s.query_row(params![generation, analyst], |r| {
                    let label: String = r.get(1)?;
                    Ok(LabelState {
                        label_id: r.get(0)?,
                        verdict: Verdict::parse(&label).unwrap_or(Verdict::Down),
                        reason: r.get(2)?,
                        note: r.get(3)?,
                    })
                })
                .optional()
            })
            .map_err(|e| self.err(e))
    }

    /// Takes back the newest active label of `by`'s console run; `None`
    /// when there is nothing to undo (or `by` is not a console run).
    pub fn undo_label(&mut self, by: &Labeller) -> Result<Option<Reverted>, StoreError> {
        let Some(session) = by.session else {
            return Ok(None);
        };
        let target: Option<(i64, i64)> = self
            .conn
            .prepare_cached(
                "SELECT a.id, a.generation FROM active_labels a
                 WHERE a.session = ?1 AND a.analyst = ?2
                 ORDER BY a.id DESC LIMIT 1",
            )
            .and_then(|mut s| {
                s.query_row(params![session, by.analyst], |r| Ok((r.get(0)?, r.get(1)?)))
                    .optional()
            })
            .map_err(|e| self.err(e))?;
        match target {
            Some((target, generation)) => self.act_on(target, generation, "undo", by).map(Some),
            None => Ok(None),
        }
    }

    /// Restores the label `by`'s console run undid most recently, unless it
    /// has labelled since; `None` when there is nothing to redo.
    pub fn redo_label(&mut self, by: &Labeller) -> Result<Option<Reverted>, StoreError> {
        let Some(session) = by.session else {
            return Ok(None);
        };
        let target: Option<(i64, i64)> = self
            .conn
            .prepare_cached(
                "SELECT u.target, u.generation FROM labels u
                 WHERE u.session = ?1 AND u.analyst = ?2 AND u.label = 'undo'
                   AND u.id > COALESCE((SELECT max(n.id) FROM labels n
                                        WHERE n.session = ?1 AND n.label IN ('up', 'down')), 0)
                   AND u.id = (SELECT max(x.id) FROM labels x WHERE x.target = u.target)
                 ORDER BY u.id DESC LIMIT 1",
            )
            .and_then(|mut s| {
                s.query_row(params![session, by.analyst], |r| Ok((r.get(0)?, r.get(1)?)))
                    .optional()
            })
            .map_err(|e| self.err(e))?;
        match target {
            Some((target, generation)) => self.act_on(target, generation, "redo", by).map(Some),
            None => Ok(None),
        }
    }

    fn act_on(
        &mut self,
        target: i64,
        generation: i64,
        action: &str,
        by: &Labeller,
    ) -> Result<Reverted, StoreError> {
        let path = self.path.display().to_string();
        let sql = |source| StoreError::Sqlite {
            path: path.clone(),
            source,
        };
        let tx = self.conn.transaction().map_err(sql)?;
        let row_id: i64 = tx
            .prepare_cached(
                "INSERT INTO labels (generation, label, target, analyst, analyst_claimed, model_version, created_at, session)
                 SELECT generation, ?2, id, ?3, ?4, model_version, ?5, ?6 FROM labels WHERE id = ?1
                 RETURNING id",
            )
            .and_then(|mut s| {
                s.query_row(
                    params![
                        target,
                        action,
                        by.analyst,
                        by.claimed as i64,
                        now(),
                        by.session
                    ],
                    |r| r.get(0),
                )
            })
            .map_err(sql)?;
        tx.commit().map_err(sql)?;
        Ok(Reverted {
            row_id,
            target,
            generation,
            now: self.label_state(generation, &by.analyst)?,
        })
    }

    /// Labels done and to do. These counts read every label row: call them
    /// off the render path (the console's jobs do).
    pub fn label_progress(&self, analyst: &str) -> Result<LabelProgress, StoreError> {
        let count = |sql: &str, analyst: Option<&str>| -> Result<u64, StoreError> {
            self.conn
                .prepare_cached(sql)
                .and_then(|mut s| match analyst {
                    Some(a) => s.query_row([a], |r| r.get::<_, i64>(0)),
                    None => s.query_row([], |r| r.get::<_, i64>(0)),
                })
                .map(|n| n as u64)
                .map_err(|e| self.err(e))
        };
        // A candidate has a label in effect exactly when it has an active
        // row, so the cheaper view answers both counts.
        let mine = count(
            "SELECT count(DISTINCT generation) FROM active_labels WHERE analyst = ?1",
            Some(analyst),
        )?;
        let everyone = count("SELECT count(DISTINCT generation) FROM active_labels", None)?;
        let candidates = count("SELECT count(*) FROM generations", None)?;
        let recent: i64 = self
            .conn
            .prepare_cached(
                "SELECT count(*) FROM labels
                 WHERE analyst = ?1 AND label IN ('up', 'down') AND created_at >= ?2",
            )
            .and_then(|mut s| s.query_row(params![analyst, now() - 600], |r| r.get(0)))
            .map_err(|e| self.err(e))?;
        Ok(LabelProgress {
            mine,
            everyone,
            candidates,
            per_minute: recent as f64 / 10.0,
            gate: Default::default(),
        })
    }

    /// When each analyst gave each `up`/`down` label row, Unix seconds.
    pub fn label_times(&self) -> Result<std::collections::HashMap<String, Vec<i64>>, StoreError> {
        let mut out: std::collections::HashMap<String, Vec<i64>> = Default::default();
        let rows: Vec<(String, i64)> = self
            .conn
            .prepare_cached(
                "SELECT analyst, created_at FROM labels WHERE label IN ('up', 'down') ORDER BY id",
            )
            .and_then(|mut s| {
                s.query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?
                    .collect::<Result<Vec<_>, _>>()
            })
            .map_err(|e| self.err(e))?;
        for (analyst, t) in rows {
            out.entry(analyst).or_default().push(t);
        }
        Ok(out)
    }

    /// Writes every `up`/`down` label as one JSON object per line: the
    /// candidate, shopper, product, model version, analyst, time, and
    /// whether it is still in effect. Never a shopper's name. Streams; returns
    /// how many label rows it wrote, and how many of them are in effect.
    pub fn export_labels(&self, out: &mut dyn Write) -> Result<LabelCounts, StoreError> {
        let mut stmt = self
            .conn
            .prepare(
                "SELECT l.id, l.generation, u.user_id, p.product_id, l.model_version, g.text,
                        l.label, l.reason, l.note, l.analyst, l.analyst_claimed, l.created_at,
                        EXISTS (SELECT 1 FROM labels_in_effect e
                                WHERE e.generation = l.generation AND e.analyst = l.analyst AND e.id = l.id)
                 FROM labels l
                 JOIN generations g ON g.id = l.generation
                 JOIN users u ON u.id = g.user
                 JOIN products p ON p.id = g.product
                 WHERE l.label IN ('up', 'down')
                 ORDER BY l.id",
            )
            .map_err(|e| self.err(e))?;
        let mut rows = stmt.query([]).map_err(|e| self.err(e))?;
        let mut n = LabelCounts::default();
        while let Some(r) = rows.next().map_err(|e| self.err(e))? {
            let in_effect = r.get::<_, i64>(12).map_err(|e| self.err(e))? != 0;
            let line = (|| -> rusqlite::Result<serde_json::Value> {
                Ok(serde_json::json!({
                    "label_id": r.get::<_, i64>(0)?,
                    "generation_id": r.get::<_, i64>(1)?,
                    "user_id": r.get::<_, String>(2)?,
                    "product_id": r.get::<_, String>(3)?,
                    "model_version": r.get::<_, String>(4)?,
                    "text": r.get::<_, String>(5)?,
                    "label": r.get::<_, String>(6)?,
                    "reason": r.get::<_, Option<String>>(7)?,
                    "note": r.get::<_, Option<String>>(8)?,
                    "analyst": r.get::<_, String>(9)?,
                    "analyst_claimed": r.get::<_, i64>(10)? != 0,
                    "created_at": r.get::<_, i64>(11)?,
                    "in_effect": in_effect,
                }))
            })()
            .map_err(|e| self.err(e))?;
            writeln!(out, "{line}").map_err(|source| StoreError::Io {
                path: self.path.display().to_string(),
                source,
            })?;
            n.rows += 1;
            n.in_effect += u64::from(in_effect);
        }
        Ok(n)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `analyst` in console run 1.
    pub(crate) fn by(analyst: &str) -> Labeller {
        Labeller::console(analyst, 1)
    }

    /// A store with one shopper, one product, one model and `n` candidates.
    pub(crate) fn store_with_candidates(n: usize) -> (Store, Vec<i64>) {
        let mut store = Store::open_in_memory().unwrap();
        store
            .conn
            .execute_batch(
                "INSERT INTO users (id, user_id) VALUES (1, 'u1');
                 INSERT INTO products (id, product_id, title, category) VALUES (1, 'p1', 'Tee', 'tops');",
            )
            .unwrap();
        store
            .register_model("v1", None, "pretrain", &serde_json::json!({}), Some("x"))
            .unwrap();
        let gens: Vec<_> = (0..n)
            .map(|i| super::super::NewGeneration {
                user_id: "u1".into(),
                product_id: "p1".into(),
                model_version: "v1".into(),
                text: format!("candidate {i}"),
                logprob: -1.0,
                sampling: serde_json::json!({}),
            })
            .collect();
        let ids = store.insert_generations(&gens).unwrap();
        (store, ids)
    }

    fn verdict(store: &Store, g: i64, who: &str) -> Option<Verdict> {
        store.label_state(g, who).unwrap().map(|s| s.verdict)
    }

    #[test]
    fn undo_and_redo_walk_one_analysts_history() {
        let (mut store, ids) = store_with_candidates(3);
        let (a, b) = (ids[0], ids[1]);
        store
            .add_label(a, Verdict::Up, None, None, &by("ann"))
            .unwrap();
        store
            .add_label(b, Verdict::Down, Some("generic"), None, &by("ann"))
            .unwrap();
        // Another analyst's label is not ann's to undo.
        store
            .add_label(b, Verdict::Up, None, None, &by("bob"))
            .unwrap();
        let r = store.undo_label(&by("ann")).unwrap().unwrap();
        assert_eq!((r.generation, r.now.clone()), (b, None));
        assert_eq!(verdict(&store, b, "bob"), Some(Verdict::Up));
        let r = store.undo_label(&by("ann")).unwrap().unwrap();
        assert_eq!(r.generation, a);
        assert!(store.undo_label(&by("ann")).unwrap().is_none());
        // Redo restores in reverse order of the undos: a, then b.
        let r = store.redo_label(&by("ann")).unwrap().unwrap();
        assert_eq!(
            (r.generation, r.now.map(|s| s.verdict)),
            (a, Some(Verdict::Up))
        );
        let r = store.redo_label(&by("ann")).unwrap().unwrap();
        assert_eq!(r.generation, b);
        assert_eq!(
            store
                .label_state(b, "ann")
                .unwrap()
                .unwrap()
                .reason
                .as_deref(),
            Some("generic")
        );
        assert!(store.redo_label(&by("ann")).unwrap().is_none());
        let p = store.label_progress("ann").unwrap();
        assert_eq!((p.mine, p.everyone, p.candidates), (2, 2, 3));
    }

    #[test]
    fn a_new_label_clears_the_redo_history_and_an_edit_is_undone_to_the_old_label() {
        let (mut store, ids) = store_with_candidates(2);
        let (a, b) = (ids[0], ids[1]);
        store
            .add_label(a, Verdict::Up, None, None, &by("ann"))
            .unwrap();
        store.undo_label(&by("ann")).unwrap().unwrap();
        store
            .add_label(b, Verdict::Up, None, None, &by("ann"))
            .unwrap();
        assert!(store.redo_label(&by("ann")).unwrap().is_none());
        assert_eq!(verdict(&store, a, "ann"), None);
        // Re-labelling is an edit; undo goes back to the earlier label.
        store
            .add_label(
                b,
                Verdict::Down,
                None,
                Some("on second thought"),
                &by("ann"),
            )
            .unwrap();
        assert_eq!(verdict(&store, b, "ann"), Some(Verdict::Down));
        let r = store.undo_label(&by("ann")).unwrap().unwrap();
        assert_eq!(r.now.map(|s| s.verdict), Some(Verdict::Up));
        let p = store.label_progress("ann").unwrap();
        assert_eq!((p.mine, p.everyone), (1, 1));
        assert!(p.per_minute > 0.0);
    }

    #[test]
    fn undo_in_one_console_never_takes_back_another_consoles_label() {
        // Two consoles under one OS account: runs 1 and 2.
        let (mut store, ids) = store_with_candidates(3);
        let (one, two) = (Labeller::console("ann", 1), Labeller::console("ann", 2));
        store
            .add_label(ids[0], Verdict::Up, None, None, &one)
            .unwrap();
        store
            .add_label(ids[1], Verdict::Down, None, None, &two)
            .unwrap();
        // The command line's labels belong to no console.
        let cli = Labeller {
            analyst: "ann".into(),
            claimed: false,
            session: None,
        };
        store
            .add_label(ids[2], Verdict::Up, None, None, &cli)
            .unwrap();
        let r = store.undo_label(&one).unwrap().unwrap();
        assert_eq!(r.generation, ids[0], "console 1 undoes its own label");
        assert!(store.undo_label(&one).unwrap().is_none());
        assert_eq!(verdict(&store, ids[1], "ann"), Some(Verdict::Down));
        assert_eq!(verdict(&store, ids[2], "ann"), Some(Verdict::Up));
        assert!(store.undo_label(&cli).unwrap().is_none());
        // Console 2's redo history is its own too.
        assert!(store.redo_label(&two).unwrap().is_none());
        let r = store.redo_label(&one).unwrap().unwrap();
        assert_eq!(r.generation, ids[0]);
    }

    #[test]
    fn history_survives_reopening_the_store() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("t.db");
        let ids = {
            let mut store = Store::create(&path).unwrap();
            store
                .conn
                .execute_batch(
                    "INSERT INTO users (id, user_id) VALUES (1, 'u1');
                     INSERT INTO products (id, product_id, title, category) VALUES (1, 'p1', 'Tee', 'tops');",
                )
                .unwrap();
            store
                .register_model("v1", None, "pretrain", &serde_json::json!({}), Some("x"))
                .unwrap();
            let g = super::super::NewGeneration {
                user_id: "u1".into(),
                product_id: "p1".into(),
                model_version: "v1".into(),
                text: "t".into(),
                logprob: -1.0,
                sampling: serde_json::json!({}),
            };
            let ids = store.insert_generations(&[g.clone(), g]).unwrap();
            store
                .add_label(ids[0], Verdict::Up, None, None, &by("ann"))
                .unwrap();
            store
                .add_label(ids[1], Verdict::Down, None, None, &by("ann"))
                .unwrap();
            store.undo_label(&by("ann")).unwrap();
            ids
        };
        let mut store = Store::open(&path).unwrap();
        let r = store.redo_label(&by("ann")).unwrap().unwrap();
        assert_eq!(r.generation, ids[1]);
        let r = store.undo_label(&by("ann")).unwrap().unwrap();
        assert_eq!(r.generation, ids[1]);
        let r = store.undo_label(&by("ann")).unwrap().unwrap();
        assert_eq!(r.generation, ids[0]);
    }

    #[test]
    fn export_marks_what_is_in_effect_and_names_no_shopper() {
        let (mut store, ids) = store_with_candidates(2);
        store
            .conn
            .execute("UPDATE users SET display_name = 'Secret Name'", [])
            .unwrap();
        store
            .add_label(ids[0], Verdict::Up, None, None, &by("ann"))
            .unwrap();
        store
            .add_label(ids[0], Verdict::Down, Some("generic"), None, &by("ann"))
            .unwrap();
        store
            .add_label(ids[1], Verdict::Up, None, None, &by("ann"))
            .unwrap();
        store.undo_label(&by("ann")).unwrap();
        let mut out = Vec::new();
        let n = store.export_labels(&mut out).unwrap();
        assert_eq!((n.rows, n.in_effect), (3, 1));
        assert_eq!(n.to_string(), "3 label rows (1 in effect)");
        let text = String::from_utf8(out).unwrap();
        assert!(!text.contains("Secret"));
        let lines: Vec<serde_json::Value> = text
            .lines()
            .map(|l| serde_json::from_str(l).unwrap())
            .collect();
        let effect: Vec<bool> = lines
            .iter()
            .map(|l| l["in_effect"].as_bool().unwrap())
            .collect();
        assert_eq!(effect, [false, true, false]);
        assert_eq!(lines[1]["reason"], "generic");
        assert_eq!(lines[1]["model_version"], "v1");
    }

    #[test]
    fn label_queries_use_indexes() {
        let (store, _) = store_with_candidates(1);
        for sql in [
            "SELECT x.label FROM labels x WHERE x.target = 3 ORDER BY x.id DESC LIMIT 1",
            "SELECT l.id FROM labels l WHERE l.analyst = 'a' ORDER BY l.id DESC LIMIT 1",
            "SELECT l.id FROM labels l WHERE l.generation = 1 ORDER BY l.id DESC LIMIT 1",
        ] {
            let plan = store.explain(sql).unwrap();
            assert!(!plan.contains("SCAN labels"), "{sql}: {plan}");
        }
    }
}
