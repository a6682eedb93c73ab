//! The model lane: one blocking thread that keeps the loaded model version
//! and the store's faithfulness lexicon, and generates or explains
//! candidates, one request at a time. Each request shows in the jobs pane
//! while it runs.

use super::explain::explain;
use super::store_lane::CANDIDATES;
use super::{CandidatesFrom, Reply};
use super::{JobEvent, JobId, JobKind, JobUpdate, Message};
use crate::config::Config;
use crate::store::Store;
use crate::text::Lexicon;
use crate::train::candidates;
use crate::train::versions::{self, LoadedModel, VersionError};
use anyhow::{Context, Result};
use std::sync::Arc;
use tokio::sync::mpsc::{UnboundedReceiver, UnboundedSender};

/// A request for the model lane.
#[derive(Debug, Clone, PartialEq)]
pub enum ModelRequest {
    /// Generates and stores candidates with the active version.
    Generate {
        /// The shopper.
        user_id: String,
        /// The product.
        product_id: String,
        /// How many.
        n: usize,
        /// Sampling seed; `None` takes one from the clock.
        seed: Option<u64>,
    },
    /// Explains a stored candidate with the version that wrote it.
    Explain {
        /// The candidate.
        generation_id: i64,
    },
    /// Two versions' candidates for one shopper and product, nothing stored.
    Compare {
        /// The two versions, in the order shown.
        versions: [String; 2],
        /// The shopper.
        user_id: String,
        /// The product.
        product_id: String,
        /// Candidates per version.
        n: usize,
    },
}

/// What generating stored.
#[derive(Debug, Clone, PartialEq)]
pub struct Generated {
    /// The new candidates' ids, in order.
    pub ids: Vec<i64>,
    /// The version that wrote them.
    pub model_version: String,
    /// A note when the active version could not be loaded and an older one was used.
    pub note: Option<String>,
}

/// Loaded versions kept: the active one and the one last explained.
const CACHE: usize = 2;

struct Lane {
    store: Store,
    config: Arc<Config>,
    analyst: String,
    cache: Vec<Arc<LoadedModel>>,
    /// The lexicon, and the product and event counts it was built at.
    lexicon: Option<((u64, u64), Arc<Lexicon>)>,
}

/// Starts the lane on a blocking thread.
pub fn spawn(
    config: Arc<Config>,
    analyst: String,
    mut rx: UnboundedReceiver<(JobId, ModelRequest)>,
    tx: UnboundedSender<Message>,
) -> tokio::task::JoinHandle<()> {
    tokio::task::spawn_blocking(move || {
        let store = match Store::open(&config.store.path) {
            Ok(s) => s,
            Err(e) => {
                tracing::error!("model lane: {e}");
                // Answer every request, so nothing waits for it forever.
                while let Some((id, request)) = rx.blocking_recv() {
                    let (kind, what) = describe(&request);
                    for update in [
                        JobUpdate::Started {
                            kind,
                            by: analyst.clone(),
                            what,
                            cancellable: false,
                        },
                        JobUpdate::Failed {
                            error: format!("the store could not be opened: {e}"),
                        },
                    ] {
                        let _ = tx.send(Message::Job(JobEvent { id, update }));
                    }
                }
                return;
            }
        };
        let mut lane = Lane {
            store,
            config,
            analyst,
            cache: Vec::new(),
            lexicon: None,
        };
        while let Some((id, request)) = rx.blocking_recv() {
            let send = |update: JobUpdate| {
                let _ = tx.send(Message::Job(JobEvent { id, update }));
            };
            let (kind, what) = describe(&request);
            match lane.store.active_model() {
                Ok(None) if kind == JobKind::Generate => {
                    let _ = tx.send(Message::Reply(Reply::NoModel { kind }));
                    continue;
                }
                _ => {}
            }
            send(JobUpdate::Started {
                kind,
                by: lane.analyst.clone(),
                what,
                cancellable: false,
            });
            let outcome =
                std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| lane.handle(request)))
                    .unwrap_or_else(|_| Err(anyhow::anyhow!("the model panicked; see the log")));
            match outcome {
                Ok((reply, summary)) => {
                    let _ = tx.send(Message::Reply(reply));
                    send(JobUpdate::Finished {
                        summary,
                        active_model: None,
                    });
                }
                Err(e) => send(JobUpdate::Failed {
                    error: format!("{e:#}"),
                }),
            }
        }
    })
}

/// A request's job kind and one-line description.
fn describe(request: &ModelRequest) -> (JobKind, String) {
    match request {
        ModelRequest::Generate {
            user_id,
            product_id,
            n,
            ..
        } => (
            JobKind::Generate,
            format!("{n} candidates for {user_id} × {product_id}"),
        ),
        ModelRequest::Explain { generation_id } => {
            (JobKind::Explain, format!("candidate #{generation_id}"))
        }
        ModelRequest::Compare {
            versions, user_id, ..
        } => (
            JobKind::Explain,
            format!("{} and {} for {user_id}", versions[0], versions[1]),
        ),
    }
}

impl Lane {
    fn handle(&mut self, request: ModelRequest) -> Result<(Reply, String)> {
        match request {
            ModelRequest::Generate {
                user_id,
                product_id,
                n,
                seed,
            } => {
                let generated = self.generate(&user_id, &product_id, n, seed)?;
                let rows = self
                    .store
                    .candidates(&user_id, &product_id, &self.analyst, CANDIDATES, None)
                    .map_err(|e| e.to_string());
                let counts = self
                    .store
                    .candidate_counts(&user_id, &product_id, &self.analyst)
                    .unwrap_or_default();
                let mut summary = format!(
                    "{} candidates from {}",
                    generated.ids.len(),
                    generated.model_version
                );
                if let Some(note) = &generated.note {
                    summary.push_str(&format!(" ({note})"));
                }
                Ok((
                    Reply::Candidates {
                        from: CandidatesFrom::Generated,
                        user_id,
                        product_id,
                        rows,
                        new_ids: generated.ids,
                        counts,
                    },
                    summary,
                ))
            }
            ModelRequest::Explain { generation_id } => {
                let result = self.explain(generation_id);
                let summary = match &result {
                    Ok(e) => format!("explained with {}", e.model_version),
                    Err(e) => format!("not explained: {e}"),
                };
                Ok((
                    Reply::Explained {
                        generation_id,
                        result: result.map_err(|e| format!("{e:#}")),
                    },
                    summary,
                ))
            }
            ModelRequest::Compare {
                versions,
                user_id,
                product_id,
                n,
            } => {
                let result = self.compare(&versions, &user_id, &product_id, n);
                let summary = match &result {
                    Ok(_) => format!("compared {} and {}", versions[0], versions[1]),
                    Err(e) => format!("not compared: {e}"),
                };
                Ok((
                    Reply::Compared {
                        result: result.map_err(|e| format!("{e:#}")),
                    },
                    summary,
                ))
            }
        }
    }

    /// A version from the cache, or loaded into it.
    fn version(&mut self, version: &str) -> Result<Arc<LoadedModel>, VersionError> {
        if let Some(m) = self.cached(version) {
            return Ok(m);
        }
        let dir = versions::models_dir(&self.config);
        let m = versions::load(&dir, version)?;
        Ok(self.remember(m))
    }

    /// Compares two versions for a shopper and product as `tailor compare`
    /// does, with a fixed seed so that the two sides differ only by version.
    fn compare(
        &mut self,
        pair: &[String; 2],
        user_id: &str,
        product_id: &str,
        n: usize,
    ) -> Result<crate::train::compare::Comparison> {
        let registry = self.store.models()?;
        let product = self
            .store
            .product(product_id)?
            .with_context(|| format!("no product {product_id:?}"))?;
        let history = self.store.user_history(user_id)?;
        let lexicon = self.lexicon()?;
        let params = self.config.generate.params();
        let input = crate::train::compare::CompareInput {
            registry: &registry,
            versions: [&pair[0], &pair[1]],
            user_id,
            history: &history,
            product: &product,
            lexicon: &lexicon,
            params: &params,
            n,
            seed: 1,
        };
        Ok(crate::train::compare::compare(&input, &mut |v| {
            self.version(v)
        })?)
    }

    fn cached(&self, version: &str) -> Option<Arc<LoadedModel>> {
        self.cache.iter().find(|m| m.version == version).cloned()
    }

    fn remember(&mut self, m: LoadedModel) -> Arc<LoadedModel> {
        let m = Arc::new(m);
        self.cache.retain(|c| c.version != m.version);
        self.cache.insert(0, m.clone());
        self.cache.truncate(CACHE);
        m
    }

    /// The active version, loaded once and kept until another is active.
    fn active(&mut self) -> Result<(Arc<LoadedModel>, Option<String>), VersionError> {
        if let Some(v) = self.store.active_model()?
            && let Some(m) = self.cached(&v)
        {
            return Ok((m, None));
        }
        let dir = versions::models_dir(&self.config);
        let (loaded, note) = versions::load_active(&self.store, &dir)?;
        Ok((self.remember(loaded), note))
    }

    /// The store's faithfulness lexicon, built once (it reads every text
    /// in the store) and again only when an import has changed the number
    /// of products or events.
    fn lexicon(&mut self) -> Result<Arc<Lexicon>> {
        let stats = self.store.stats()?;
        let key = (stats.products, stats.events);
        if let Some((built, lexicon)) = &self.lexicon
            && *built == key
        {
            return Ok(lexicon.clone());
        }
        let lexicon = Arc::new(candidates::lexicon(&self.store)?);
        self.lexicon = Some((key, lexicon.clone()));
        Ok(lexicon)
    }

    /// Generates like `tailor generate`: the same prompt, sampling, guard
    /// and storage, for the shopper's whole history.
    fn generate(
        &mut self,
        user_id: &str,
        product_id: &str,
        n: usize,
        seed: Option<u64>,
    ) -> Result<Generated> {
        let (loaded, note) = self.active()?;
        let product = self
            .store
            .product(product_id)?
            .with_context(|| format!("no product {product_id:?}"))?;
        let seed = seed.unwrap_or_else(candidates::clock_seed);
        let params = self.config.generate.params();
        let lexicon = self.lexicon()?;
        let stored = candidates::generate_and_store_with(
            &mut self.store,
            &loaded,
            &lexicon,
            &params,
            user_id,
            &product,
            n,
            seed,
        )?;
        let ids = stored.ids;
        Ok(Generated {
            ids,
            model_version: loaded.version.clone(),
            note,
        })
    }

    fn explain(&mut self, generation_id: i64) -> Result<super::explain::Explanation> {
        let row = self
            .store
            .generation(generation_id)?
            .with_context(|| format!("no candidate #{generation_id}"))?;
        let loaded = match self.cached(&row.model_version) {
            Some(m) => m,
            None => {
                let dir = versions::models_dir(&self.config);
                let m = versions::load(&dir, &row.model_version).with_context(|| {
                    format!("loading {}, which wrote this candidate", row.model_version)
                })?;
                self.remember(m)
            }
        };
        let product = self
            .store
            .product(&row.product_id)?
            .with_context(|| format!("no product {:?}", row.product_id))?;
        let history = self.store.user_history(&row.user_id)?;
        let written = super::explain::Written {
            // The prompt held the events before the candidate was written.
            before: row.created_at.saturating_add(1),
            ended: row.ended,
            ids: row.ids.as_deref(),
        };
        Ok(explain(&loaded, &history, &product, &row.text, written)?)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::import::ImportKind;

    #[test]
    fn the_lexicon_is_built_once_and_again_after_an_import() {
        let dir = tempfile::tempdir().unwrap();
        let mut config = Config::default();
        config.store.path = dir.path().join("t.db");
        let tiny = crate::demo::DemoOptions { seed: 1, users: 5 };
        let tastes = dir.path().join("t.tastes.csv");
        Store::create_demo(&config.store.path, &tiny, &tastes, &mut |_| {}).unwrap();
        let mut lane = Lane {
            store: Store::open(&config.store.path).unwrap(),
            config: Arc::new(config),
            analyst: "t".into(),
            cache: Vec::new(),
            lexicon: None,
        };
        let first = lane.lexicon().unwrap();
        assert!(Arc::ptr_eq(&first, &lane.lexicon().unwrap()), "kept");
        let event = br#"{"user_id":"u0000001","product_id":"p00001","kind":"purchase","ts":1735689600,"text":"A new Sleep Band."}"#;
        lane.store
            .import_bytes(ImportKind::Events, "more.jsonl", event)
            .unwrap();
        assert!(
            !Arc::ptr_eq(&first, &lane.lexicon().unwrap()),
            "rebuilt once the store holds another text"
        );
    }
}
