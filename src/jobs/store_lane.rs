//! The store lane: one blocking thread owning one store connection, taking
//! queries in order. Labels, undo and redo are written here, each committed
//! before its reply is sent, so the console moves on only after the store
//! has the label.

use super::Message;
use super::messages::{
    CandidatesFrom, ExportWhat, PageFrom, ProductRow, Query, QueueItem, Reply, ShopperPage,
    ShopperView, Startup,
};
use super::profile::summarise;
use crate::config::Config;
use crate::store::recommend::{CoOccurrence, Recommender};
use crate::store::{ConsoleRun, Labeller, ShopperCursor, Store, StoreError};
use crate::train::versions;
use anyhow::{Context, Result};
use std::sync::Arc;
use tokio::sync::mpsc::{UnboundedReceiver, UnboundedSender};

/// Shoppers per page.
pub const PAGE: usize = 100;
/// History events read for the shopper pane and its profile.
pub const HISTORY_EVENTS: usize = 300;
/// Products recommended per shopper.
pub const RECOMMENDED: usize = 10;
/// Candidates listed per product (the newest).
pub const CANDIDATES: usize = 200;

/// Starts the lane on a blocking thread.
pub fn spawn(
    config: Arc<Config>,
    analyst: String,
    mut rx: UnboundedReceiver<Query>,
    tx: UnboundedSender<Message>,
) -> tokio::task::JoinHandle<()> {
    tokio::task::spawn_blocking(move || {
        let mut lane = match Store::open(&config.store.path).and_then(|mut store| {
            let run = store.claim_console_run(&analyst)?;
            Ok((store, run))
        }) {
            Ok((store, run)) => Some(Lane {
                store,
                config,
                labeller: Labeller::console(&analyst, run.id()),
                _run: run,
                analyst,
            }),
            Err(e) => {
                tracing::error!("store lane: {e}");
                None
            }
        };
        let mut queue: Vec<Query> = Vec::new();
        while let Some(first) = rx.blocking_recv() {
            queue.push(first);
            while let Ok(more) = rx.try_recv() {
                queue.push(more);
            }
            let batch = std::mem::take(&mut queue);
            let n = batch.len();
            for (i, q) in batch.iter().enumerate() {
                if batch[i + 1..n].iter().any(|later| q.supersedes(later)) {
                    continue;
                }
                // Every query is answered, even when the store is gone or
                // a bug panics: the console waits for label answers.
                let replies = match &mut lane {
                    Some(lane) => std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
                        lane.answer(q.clone())
                    }))
                    .unwrap_or_else(|_| failed(q, "internal error; see the log")),
                    None => failed(q, "the store could not be opened; see the log"),
                };
                for reply in replies {
                    let _ = tx.send(Message::Reply(reply));
                }
            }
        }
    })
}

/// How often the console looks for work done on the store by others.
pub const WATCH_EVERY: std::time::Duration = std::time::Duration::from_secs(2);

/// Watches the store from a thread of its own: every `every` it reads
/// `PRAGMA data_version` and sends [`Reply::StoreChanged`] when another
/// connection committed since (a `tailor train`, `finetune`, `models
/// promote` or `label` from a shell, or another analyst's console), so the
/// console refreshes the registry and the counts instead of showing them
/// stale. Ends when the console stops listening.
pub fn watch(path: std::path::PathBuf, every: std::time::Duration, tx: UnboundedSender<Message>) {
    std::thread::spawn(move || {
        let store = match Store::open(&path) {
            Ok(s) => s,
            Err(e) => {
                tracing::warn!("store watch: {e}");
                return;
            }
        };
        let mut seen = store.data_version().ok();
        while !tx.is_closed() {
            std::thread::sleep(every);
            let now = store.data_version().ok();
            if now.is_some() && now != seen {
                seen = now;
                if tx.send(Message::Reply(Reply::StoreChanged)).is_err() {
                    break;
                }
            }
        }
    });
}

/// The answers to `q` when it could not be carried out.
fn failed(q: &Query, why: &str) -> Vec<Reply> {
    let why = why.to_string();
    match q.clone() {
        Query::Shoppers { tag, from, .. } => vec![Reply::Shoppers {
            tag,
            from,
            page: Err(why),
        }],
        Query::Shopper { tag, .. } => vec![Reply::Shopper {
            tag,
            view: Err(why),
        }],
        Query::Candidates {
            tag,
            user_id,
            product_id,
            before,
        } => vec![Reply::Candidates {
            from: if before.is_some() {
                CandidatesFrom::Earlier(tag)
            } else {
                CandidatesFrom::Query(tag)
            },
            user_id,
            product_id,
            rows: Err(why),
            new_ids: Vec::new(),
            counts: (0, 0),
        }],
        Query::Label { generation_id, .. } => vec![Reply::Labelled {
            generation_id,
            state: Err(format!("the label was NOT saved: {why}")),
        }],
        Query::Undo | Query::Redo => vec![Reply::Reverted {
            undo: *q == Query::Undo,
            result: Err(why),
        }],
        Query::SaveSession(_) | Query::Progress => Vec::new(),
        Query::Queue => vec![Reply::Queue(Err(why))],
        Query::Guidelines => vec![Reply::Guidelines(Err(why))],
        Query::Startup | Query::Models | Query::Promote(_) | Query::Rollback | Query::Export(_) => {
            vec![Reply::Notice {
                text: why,
                error: true,
            }]
        }
    }
}

struct Lane {
    store: Store,
    config: Arc<Config>,
    analyst: String,
    /// The analyst in this console's run: the scope of undo and redo.
    labeller: Labeller,
    /// Held while the console runs, so no other console takes the run.
    _run: ConsoleRun,
}

fn text<T>(r: Result<T>) -> Result<T, String> {
    r.map_err(|e| format!("{e:#}"))
}

impl Lane {
    fn answer(&mut self, q: Query) -> Vec<Reply> {
        match q {
            Query::Startup => vec![match self.startup() {
                Ok(s) => Reply::Startup(Box::new(s)),
                Err(e) => Reply::Notice {
                    text: format!("{e:#}"),
                    error: true,
                },
            }],
            Query::Shoppers { tag, filter, from } => {
                let page = text(self.shoppers(&filter, &from));
                vec![Reply::Shoppers { tag, from, page }]
            }
            Query::Shopper { tag, user_id } => {
                let view = text(self.shopper(&user_id)).map(Box::new);
                vec![Reply::Shopper { tag, view }]
            }
            Query::Candidates {
                tag,
                user_id,
                product_id,
                before,
            } => {
                let rows = text(
                    self.store
                        .candidates(&user_id, &product_id, &self.analyst, CANDIDATES, before)
                        .map_err(Into::into),
                );
                let counts = self
                    .store
                    .candidate_counts(&user_id, &product_id, &self.analyst)
                    .unwrap_or_default();
                vec![Reply::Candidates {
                    from: if before.is_some() {
                        CandidatesFrom::Earlier(tag)
                    } else {
                        CandidatesFrom::Query(tag)
                    },
                    user_id,
                    product_id,
                    rows,
                    new_ids: Vec::new(),
                    counts,
                }]
            }
            Query::Label {
                generation_id,
                verdict,
                reason,
                note,
            } => {
                let state = self
                    .store
                    .add_label(
                        generation_id,
                        verdict,
                        reason.as_deref(),
                        note.as_deref(),
                        &self.labeller,
                    )
                    .map_err(|e| format!("the label was NOT saved: {e}"));
                let mut out = vec![Reply::Labelled {
                    generation_id,
                    state,
                }];
                out.extend(self.progress());
                out
            }
            Query::Undo | Query::Redo => {
                let undo = q == Query::Undo;
                let result = if undo {
                    self.store.undo_label(&self.labeller)
                } else {
                    self.store.redo_label(&self.labeller)
                }
                .map_err(|e| format!("{e}"));
                let mut out = vec![Reply::Reverted { undo, result }];
                out.extend(self.progress());
                out
            }
            Query::SaveSession(state) => {
                if let Err(e) = self.store.save_session(&self.analyst, &state) {
                    tracing::warn!("saving the console session: {e}");
                }
                Vec::new()
            }
            Query::Progress => self.progress().into_iter().collect(),
            Query::Models => vec![self.models()],
            Query::Promote(version) => {
                let notice = self.promote(&version);
                vec![notice, self.models()]
            }
            Query::Rollback => {
                let notice = self.rollback();
                vec![notice, self.models()]
            }
            Query::Guidelines => vec![Reply::Guidelines(self.guidelines())],
            Query::Queue => vec![Reply::Queue(
                self.queue()
                    .map(|q| q.map(Box::new))
                    .map_err(|e| format!("{e:#}")),
            )],
            Query::Export(what) => vec![match self.export(what) {
                Ok((path, n)) => Reply::Notice {
                    text: format!("exported {n} to {}", path.display()),
                    error: false,
                },
                Err(e) => Reply::Notice {
                    // Each error here says its cause itself (output.rs's
                    // convention): the chain would say it twice.
                    text: format!("export failed: {e}"),
                    error: true,
                },
            }],
        }
    }

    fn startup(&self) -> Result<Startup> {
        let trainer = crate::train::lock::current_trainer(&self.store)?
            .map(|j| (j.kind, j.holder, j.started_at));
        Ok(Startup {
            analyst: self.analyst.clone(),
            active_model: self.store.active_model()?,
            models: self.store.models()?,
            session: self.store.load_session(&self.analyst)?,
            progress: self.label_progress()?,
            trainer,
        })
    }

    /// The label counts, with the gate's held-out progress from the labels
    /// in effect (the up labels the checks would set aside are not known
    /// here: that needs the model's lexicon).
    fn label_progress(&self) -> Result<crate::store::LabelProgress, StoreError> {
        let mut p = self.store.label_progress(&self.analyst)?;
        let labels = self.store.labels_in_effect()?;
        let cfg = &self.config.finetune;
        p.gate = crate::train::finetune::plan_holdout(
            labels.iter().map(|l| (l.user_id.as_str(), l.up, l.used)),
            cfg,
        )
        .progress(cfg.held_out_min);
        Ok(p)
    }

    fn progress(&self) -> Option<Reply> {
        match self.label_progress() {
            Ok(p) => Some(Reply::Progress(p)),
            Err(e) => {
                tracing::warn!("progress: {e}");
                None
            }
        }
    }

    fn shoppers(&self, filter: &str, from: &PageFrom) -> Result<ShopperPage> {
        let names = self.config.privacy.show_names;
        let filter = filter.trim();
        let mut page = match from {
            PageFrom::Start => {
                let (rows, next) =
                    self.store
                        .shoppers_filtered(filter, names, &ShopperCursor::Start, PAGE)?;
                ShopperPage {
                    rows,
                    next,
                    more_before: false,
                    select: None,
                    total: None,
                }
            }
            PageFrom::After(cursor) => {
                let (rows, next) = self.store.shoppers_filtered(filter, names, cursor, PAGE)?;
                ShopperPage {
                    rows,
                    next,
                    more_before: false,
                    select: None,
                    total: None,
                }
            }
            PageFrom::Before(id) => {
                let rows = self.store.shoppers_before(id, PAGE)?;
                ShopperPage {
                    more_before: rows.len() == PAGE,
                    next: None,
                    rows,
                    select: None,
                    total: None,
                }
            }
            PageFrom::Around(id) if filter.is_empty() => {
                let before = self.store.shoppers_before(id, PAGE / 4)?;
                let after = self.store.shoppers_from(id, PAGE)?;
                let next = (after.len() == PAGE)
                    .then(|| {
                        after
                            .last()
                            .map(|r| ShopperCursor::AfterId(r.user_id.clone()))
                    })
                    .flatten();
                let select = after
                    .first()
                    .filter(|r| &r.user_id == id)
                    .map(|_| before.len());
                let more_before = before.len() == PAGE / 4;
                let mut rows = before;
                rows.extend(after);
                ShopperPage {
                    rows,
                    next,
                    more_before,
                    select,
                    total: None,
                }
            }
            PageFrom::Around(id) => {
                // A filtered list has no way back: read it from the start,
                // a few pages at most, and select the shopper if found.
                let mut rows = Vec::new();
                let mut cursor = ShopperCursor::Start;
                let mut next = None;
                for _ in 0..5 {
                    let (page, more) =
                        self.store.shoppers_filtered(filter, names, &cursor, PAGE)?;
                    rows.extend(page);
                    next = more.clone();
                    match more {
                        Some(c) if !rows.iter().any(|r| &r.user_id == id) => cursor = c,
                        _ => break,
                    }
                }
                let select = rows.iter().position(|r| &r.user_id == id);
                ShopperPage {
                    rows,
                    next,
                    more_before: false,
                    select,
                    total: None,
                }
            }
            PageFrom::End => {
                let rows = self.store.shoppers_before(&char::MAX.to_string(), PAGE)?;
                ShopperPage {
                    more_before: rows.len() == PAGE,
                    next: None,
                    select: rows.len().checked_sub(1),
                    rows,
                    total: None,
                }
            }
        };
        if matches!(from, PageFrom::Start | PageFrom::Around(_) | PageFrom::End) {
            page.total = Some(self.store.shoppers_count(filter, names)?);
        }
        Ok(page)
    }

    fn shopper(&self, user_id: &str) -> Result<ShopperView> {
        if !self.store.has_user(user_id)? {
            let near = self.store.shoppers_containing(user_id, 3)?;
            if near.is_empty() {
                anyhow::bail!("no shopper {user_id:?}");
            }
            anyhow::bail!("no shopper {user_id:?}; did you mean {}?", near.join(", "));
        }
        let mut history = self.store.history(user_id, None, HISTORY_EVENTS + 1)?;
        let truncated = history.len() > HISTORY_EVENTS;
        history.truncate(HISTORY_EVENTS);
        let profile = summarise(&history, truncated);
        let recs = CoOccurrence::default().recommend(&self.store, user_id, RECOMMENDED)?;
        let mut recommended = Vec::with_capacity(recs.len());
        for r in recs {
            if let Some(p) = self.store.product(&r.product_id)? {
                recommended.push(ProductRow::of(p, r.score));
            }
        }
        let display_name = if self.config.privacy.show_names {
            self.store
                .shoppers_from(user_id, 1)?
                .into_iter()
                .next()
                .and_then(|r| r.display_name)
        } else {
            None
        };
        Ok(ShopperView {
            user_id: user_id.to_string(),
            display_name,
            profile,
            history,
            recommended,
        })
    }

    fn models(&self) -> Reply {
        match self
            .store
            .models()
            .and_then(|m| Ok((m, self.store.active_model()?)))
        {
            Ok((models, active)) => Reply::Models { models, active },
            Err(e) => Reply::Notice {
                text: format!("{e}"),
                error: true,
            },
        }
    }

    fn promote(&mut self, version: &str) -> Reply {
        let result = (|| -> Result<()> {
            if !self.store.has_model(version)? {
                anyhow::bail!("no model version {version:?}");
            }
            let dir = versions::models_dir(&self.config);
            versions::load(&dir, version)
                .with_context(|| format!("refusing to promote {version}"))?;
            self.store
                .activate_model(version, &self.analyst, "promote")?;
            Ok(())
        })();
        match result {
            Ok(()) => Reply::Notice {
                text: format!("{version} is now the active model"),
                error: false,
            },
            Err(e) => Reply::Notice {
                text: format!("{e:#}"),
                error: true,
            },
        }
    }

    fn rollback(&mut self) -> Reply {
        let result = (|| -> Result<String> {
            let history = self.store.activation_history()?;
            let Some(previous) = history.get(1) else {
                anyhow::bail!("nothing to roll back to: only one version has ever been active");
            };
            let dir = versions::models_dir(&self.config);
            versions::load(&dir, previous)
                .with_context(|| format!("refusing to roll back to {previous}"))?;
            self.store
                .activate_model(previous, &self.analyst, "rollback")?;
            Ok(previous.clone())
        })();
        match result {
            Ok(v) => Reply::Notice {
                text: format!("rolled back: {v} is now the active model"),
                error: false,
            },
            Err(e) => Reply::Notice {
                text: format!("{e:#}"),
                error: true,
            },
        }
    }

    /// `guidelines.md` beside the store: its path, and its text (at most
    /// 256 KiB, not UTF-8 read leniently) or `None` when there is none.
    fn guidelines(&self) -> std::result::Result<(String, Option<String>), String> {
        let path = match self.config.store.path.parent() {
            Some(d) if !d.as_os_str().is_empty() => d.join("guidelines.md"),
            _ => std::path::PathBuf::from("guidelines.md"),
        };
        let shown = path.display().to_string();
        match std::fs::File::open(&path) {
            Ok(f) => {
                use std::io::Read;
                let mut bytes = Vec::new();
                f.take(256 * 1024)
                    .read_to_end(&mut bytes)
                    .map_err(|e| format!("reading {shown}: {e}"))?;
                Ok((shown, Some(String::from_utf8_lossy(&bytes).into_owned())))
            }
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok((shown, None)),
            Err(e) => Err(format!("reading {shown}: {e}")),
        }
    }

    /// The review queue's next candidate. While the gate cannot judge a
    /// fine-tune, candidates of shoppers no version has learned from come
    /// first (held-out ones first of those): labels there are what it
    /// lacks. Otherwise the newest copy first. The whole product comes
    /// with it, so the analyst labels its candidates one after another.
    fn queue(&self) -> Result<Option<QueueItem>> {
        const LOOK: usize = 2_000;
        let (rows, left) = self.store.unlabelled(&self.analyst, LOOK)?;
        let progress = self.label_progress()?;
        let gate = &progress.gate;
        let cfg = &self.config.finetune;
        let mut pick = rows.first();
        let mut why = "the newest candidates you have not labelled first".to_string();
        if !gate.can_judge() {
            let learned: std::collections::HashSet<String> = self
                .store
                .labels_in_effect()?
                .into_iter()
                .filter(|l| l.used)
                .map(|l| l.user_id)
                .collect();
            let fresh = |u: &str| !learned.contains(u);
            let held = |u: &str| crate::train::data::is_held_out(u, cfg.seed, cfg.holdout_fraction);
            let found = rows
                .iter()
                .find(|(_, u, _)| fresh(u) && held(u))
                .or_else(|| rows.iter().find(|(_, u, _)| fresh(u)));
            if found.is_some() {
                pick = found;
                why = format!(
                    "first the shoppers the gate can judge with: {}",
                    gate.short_text()
                );
            }
        }
        let Some((generation_id, user_id, product_id)) = pick.cloned() else {
            return Ok(None);
        };
        let Some(p) = self.store.product(&product_id)? else {
            return Ok(None);
        };
        Ok(Some(QueueItem {
            user_id,
            product: ProductRow::of(p, 0.0),
            generation_id,
            left,
            why,
        }))
    }

    fn export(&self, what: ExportWhat) -> Result<(std::path::PathBuf, String)> {
        let dir = match self.config.store.path.parent() {
            Some(d) if !d.as_os_str().is_empty() => d.join("exports"),
            _ => std::path::PathBuf::from("exports"),
        };
        std::fs::create_dir_all(&dir).map_err(|error| crate::output::OutputError::Io {
            doing: "creating the folder",
            path: dir.clone(),
            error,
        })?;
        let stamp = chrono::Utc::now().format("%Y%m%d-%H%M%S");
        let name = match what {
            ExportWhat::Labels => "labels",
            ExportWhat::Approved => "approved",
        };
        let path = dir.join(format!("{name}-{stamp}.jsonl"));
        let n = crate::output::write_with(&path, |out| -> Result<String> {
            Ok(match what {
                ExportWhat::Labels => self.store.export_labels(out)?.to_string(),
                ExportWhat::Approved => self
                    .store
                    .export_approved(out, crate::store::ApprovedFormat::Jsonl)?
                    .to_string(),
            })
        })?;
        Ok((path, n))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::Verdict;
    use tokio::sync::mpsc::unbounded_channel;

    pub(super) fn ask(config: Config, queries: Vec<Query>) -> Vec<Reply> {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        runtime.block_on(async {
            let (qtx, qrx) = unbounded_channel();
            let (tx, mut rx) = unbounded_channel();
            let lane = spawn(Arc::new(config), "ann".into(), qrx, tx);
            for q in queries {
                qtx.send(q).unwrap();
            }
            drop(qtx);
            lane.await.unwrap();
            let mut out = Vec::new();
            while let Ok(Message::Reply(r)) = rx.try_recv() {
                out.push(r);
            }
            out
        })
    }

    #[test]
    fn every_label_is_answered_even_without_a_store() {
        let dir = tempfile::tempdir().unwrap();
        let mut config = Config::default();
        // A folder is not a database.
        config.store.path = dir.path().to_path_buf();
        let replies = ask(
            config,
            vec![
                Query::Label {
                    generation_id: 1,
                    verdict: Verdict::Up,
                    reason: None,
                    note: None,
                },
                Query::Undo,
            ],
        );
        assert!(
            matches!(&replies[0], Reply::Labelled { state: Err(e), .. } if e.contains("NOT saved")),
            "{replies:?}"
        );
        assert!(matches!(
            &replies[1],
            Reply::Reverted {
                undo: true,
                result: Err(_)
            }
        ));
    }

    #[test]
    fn the_watch_notices_a_commit_by_another_connection() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("t.db");
        drop(Store::create(&path).unwrap());
        let (tx, mut rx) = unbounded_channel();
        watch(path.clone(), std::time::Duration::from_millis(20), tx);
        std::thread::sleep(std::time::Duration::from_millis(100));
        assert!(rx.try_recv().is_err(), "nothing changed yet");
        // Another connection commits, as a shell's `tailor` would.
        Store::open(&path)
            .unwrap()
            .save_session("bob", &serde_json::json!({"shopper": "u1"}))
            .unwrap();
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(5);
        loop {
            match rx.try_recv() {
                Ok(Message::Reply(Reply::StoreChanged)) => break,
                Ok(_) => {}
                Err(_) if std::time::Instant::now() < deadline => {
                    std::thread::sleep(std::time::Duration::from_millis(10))
                }
                Err(e) => panic!("no StoreChanged: {e:?}"),
            }
        }
    }

    #[test]
    fn export_writes_a_complete_file_beside_the_store() {
        let dir = tempfile::tempdir().unwrap();
        let mut config = Config::default();
        config.store.path = dir.path().join("t.db");
        drop(Store::create(&config.store.path).unwrap());
        let replies = ask(config, vec![Query::Export(ExportWhat::Labels)]);
        let Reply::Notice { text, error: false } = &replies[0] else {
            panic!("{replies:?}");
        };
        assert!(
            text.contains("exported 0 label rows (0 in effect)"),
            "{text}"
        );
        let files: Vec<_> = std::fs::read_dir(dir.path().join("exports"))
            .unwrap()
            .map(|e| e.unwrap().file_name().into_string().unwrap())
            .collect();
        assert_eq!(files.len(), 1, "no temporary file left: {files:?}");
        assert!(files[0].starts_with("labels-") && files[0].ends_with(".jsonl"));
        // `:export approved` writes the copy to publish beside it.
        let replies = ask(
            config_at(dir.path()),
            vec![Query::Export(ExportWhat::Approved)],
        );
        let Reply::Notice { text, error: false } = &replies[0] else {
            panic!("{replies:?}");
        };
        assert!(
            text.contains("exported 0 approved texts for shoppers and 0 for products to"),
            "{text}"
        );
        let approved = std::fs::read_dir(dir.path().join("exports"))
            .unwrap()
            .map(|e| e.unwrap().file_name().into_string().unwrap())
            .filter(|f| f.starts_with("approved-") && f.ends_with(".jsonl"))
            .count();
        assert_eq!(approved, 1);
    }

    fn config_at(dir: &std::path::Path) -> Config {
        let mut config = Config::default();
        config.store.path = dir.join("t.db");
        config
    }

    #[test]
    fn a_failed_export_says_which_path_once() {
        let dir = tempfile::tempdir().unwrap();
        let mut config = Config::default();
        config.store.path = dir.path().join("t.db");
        let tiny = crate::demo::DemoOptions { seed: 1, users: 5 };
        let tastes = dir.path().join("t.tastes.csv");
        Store::create_demo(&config.store.path, &tiny, &tastes, &mut |_| {}).unwrap();
        // A file where the exports folder should be.
        std::fs::write(dir.path().join("exports"), "").unwrap();
        let replies = ask(config, vec![Query::Export(ExportWhat::Labels)]);
        let Reply::Notice { text, error: true } = &replies[0] else {
            panic!("{replies:?}");
        };
        let exports = dir.path().join("exports").display().to_string();
        assert!(
            text.starts_with(&format!("export failed: creating the folder {exports}: ")),
            "{text}"
        );
        assert_eq!(text.matches("os error").count(), 1, "{text}");
    }

    #[test]
    fn a_later_read_of_the_same_kind_supersedes_an_earlier_one() {
        let dir = tempfile::tempdir().unwrap();
        let mut config = Config::default();
        config.store.path = dir.path().join("t.db");
        drop(Store::create(&config.store.path).unwrap());
        let page = |tag, filter: &str| Query::Shoppers {
            tag,
            filter: filter.into(),
            from: PageFrom::Start,
        };
        let replies = ask(config, vec![page(1, "u"), page(2, "u0"), Query::Progress]);
        let tags: Vec<u64> = replies
            .iter()
            .filter_map(|r| match r {
                Reply::Shoppers { tag, .. } => Some(*tag),
                _ => None,
            })
            .collect();
        // The lane may take the first before the second arrives; the last
        // one is always answered.
        assert_eq!(tags.last(), Some(&2), "{replies:?}");
        assert!(replies.iter().any(|r| matches!(r, Reply::Progress(_))));
    }
}

#[cfg(test)]
mod queue_tests {
    use super::tests::ask;
    use super::*;
    use crate::store::{NewGeneration, Verdict};

    /// A tiny demo store with two candidates for each of its first six
    /// shoppers, for their first product.
    fn store_with_candidates() -> (tempfile::TempDir, Config, Vec<String>) {
        let dir = tempfile::tempdir().unwrap();
        let mut config = Config::default();
        config.store.path = dir.path().join("t.db");
        let tiny = crate::demo::DemoOptions { seed: 1, users: 12 };
        let tastes = dir.path().join("t.tastes.csv");
        Store::create_demo(&config.store.path, &tiny, &tastes, &mut |_| {}).unwrap();
        let mut store = Store::open(&config.store.path).unwrap();
        store
            .register_model("v1", None, "pretrain", &serde_json::json!({}), Some("x"))
            .unwrap();
        let users = store.user_ids().unwrap();
        let product = store.products().unwrap()[0].product_id.clone();
        let mut rows = Vec::new();
        for u in &users[..6] {
            for k in 0..2 {
                rows.push(NewGeneration {
                    user_id: u.clone(),
                    product_id: product.clone(),
                    model_version: "v1".into(),
                    text: format!("Copy {k} for {u}."),
                    logprob: -1.0,
                    sampling: serde_json::json!({}),
                });
            }
        }
        store.insert_generations(&rows).unwrap();
        (dir, config, users)
    }

    #[test]
    fn the_queue_serves_what_the_gate_needs_first_and_says_when_it_is_empty() {
        let (_dir, config, users) = store_with_candidates();
        let cfg = &config.finetune;
        let held = |u: &str| crate::train::data::is_held_out(u, cfg.seed, cfg.holdout_fraction);
        let replies = ask(config.clone(), vec![Query::Queue]);
        let Reply::Queue(Ok(Some(item))) = &replies[0] else {
            panic!("{replies:?}");
        };
        assert_eq!(item.left, 12);
        // No labels yet, so the gate cannot judge: a held-out shopper first
        // if there is one among the six, and the reason says so.
        if users[..6].iter().any(|u| held(u)) {
            assert!(held(&item.user_id), "{item:?}");
        }
        assert!(item.why.contains("gate"), "{}", item.why);
        assert!(!item.product.title.is_empty());

        // Label everything: the queue is empty, and says so.
        let mut store = Store::open(&config.store.path).unwrap();
        let by = crate::store::Labeller::console("ann", 1);
        let (rows, _) = store.unlabelled("ann", 100).unwrap();
        for (id, _, _) in rows {
            store.add_label(id, Verdict::Down, None, None, &by).unwrap();
        }
        let replies = ask(config.clone(), vec![Query::Queue]);
        assert!(matches!(&replies[0], Reply::Queue(Ok(None))), "{replies:?}");
        // Another analyst's queue is still full.
        assert_eq!(store.unlabelled("bob", 100).unwrap().1, 12);
    }

    #[test]
    fn guidelines_are_read_from_beside_the_store_or_said_to_be_missing() {
        let (dir, config, _) = store_with_candidates();
        let replies = ask(config.clone(), vec![Query::Guidelines]);
        let Reply::Guidelines(Ok((path, None))) = &replies[0] else {
            panic!("{replies:?}");
        };
        assert!(path.ends_with("guidelines.md"), "{path}");
        std::fs::write(
            dir.path().join("guidelines.md"),
            "# House rules\nNo claims.\n",
        )
        .unwrap();
        let replies = ask(config, vec![Query::Guidelines]);
        let Reply::Guidelines(Ok((_, Some(text)))) = &replies[0] else {
            panic!("{replies:?}");
        };
        assert_eq!(text, "# House rules\nNo claims.\n");
    }
}
