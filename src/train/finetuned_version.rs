//! A fine-tuned version, end to end: labels in effect, the training loop
//! (`finetune.rs`), the promotion gate (`gate.rs`), the version folder and
//! its registry row with the labels it consumed. `tailor finetune`, the
//! console's job and the simulated analyst differ only in how they show
//! progress and who they record; all run inside `lock::with_trainer`.

use super::finetune::{finetune, split_labels};
use super::gate::{GateReport, gate};
use super::lock::{LeaseEnd, LockError, Trainer};
use super::pretrain::{StopReason, TrainError, TrainProgress};
use crate::domain::{HistoryItem, Product};
use serde::Serialize;
use std::collections::HashMap;
use std::sync::atomic::AtomicBool;
use std::time::Instant;

/// What `tailor finetune --json` prints (DESIGN.md §3), and what the
/// console's notice shows.
#[derive(Debug, Clone, Serialize)]
pub struct FinetuneReport {
    /// The new version.
    pub model_version: String,
    /// The version it was fine-tuned from.
    pub parent_version: String,
    /// New labels learned from.
    pub labels_used: usize,
    /// Whether it became the active version.
    pub promoted: bool,
    /// The gate's measurements and decision.
    pub eval: GateReport,
    /// Steps taken.
    pub steps: usize,
    /// Wall-clock seconds, loading and gate included.
    pub seconds: f64,
}

/// Why a fine-tuning request ended without a version.
#[derive(Debug, thiserror::Error)]
pub enum FinetuneError {
    /// Someone else is training.
    #[error(transparent)]
    Lock(#[from] LockError),
    /// The store.
    #[error(transparent)]
    Store(#[from] crate::store::StoreError),
    /// The versions on disk.
    #[error(transparent)]
    Version(#[from] super::versions::VersionError),
    /// Training itself.
    #[error(transparent)]
    Train(#[from] TrainError),
    /// The cancel flag was raised; nothing was saved.
    #[error("fine-tuning was cancelled; no version was saved")]
    Cancelled,
}

impl From<candle_core::Error> for FinetuneError {
    fn from(e: candle_core::Error) -> Self {
        FinetuneError::Train(TrainError::Candle(e))
    }
}

/// Fine-tunes the active version on the labels not yet used, end to end,
/// inside the trainer (`lock::with_trainer`): trains, runs the gate, saves
/// the version (active only if the gate passed) and records which labels it
/// consumed. `actor` is the account that asked.
pub fn run(
    store: &mut crate::store::Store,
    config: &crate::config::Config,
    dir: &std::path::Path,
    actor: &str,
    max_steps: Option<usize>,
    progress: &mut dyn FnMut(&TrainProgress),
    cancel: &AtomicBool,
) -> Result<FinetuneReport, FinetuneError> {
    super::lock::with_trainer(
        config,
        "finetune",
        actor,
        |trainer| {
            finetune_and_save(
                store, config, dir, trainer, actor, max_steps, progress, cancel,
            )
        },
        lease_end,
    )
}

/// How a fine-tuning run ends its trainer lease.
pub fn lease_end(result: &Result<FinetuneReport, FinetuneError>) -> LeaseEnd {
    match result {
        Ok(r) => LeaseEnd::Done(
            serde_json::json!({"version": r.model_version, "promoted": r.promoted, "reason": r.eval.reason}),
        ),
        Err(FinetuneError::Cancelled) => LeaseEnd::Cancelled,
        Err(e) => LeaseEnd::Failed(e.to_string()),
    }
}

/// [`run`]'s work, holding `trainer` (the console's jobs layer takes it
/// for every training job).
#[allow(clippy::too_many_arguments)]
pub fn finetune_and_save(
    store: &mut crate::store::Store,
    config: &crate::config::Config,
    dir: &std::path::Path,
    trainer: &Trainer,
    actor: &str,
    max_steps: Option<usize>,
    progress: &mut dyn FnMut(&TrainProgress),
    cancel: &AtomicBool,
) -> Result<FinetuneReport, FinetuneError> {
    let started = Instant::now();
    let parent_version = store.active_model()?.ok_or_else(|| {
        super::versions::VersionError::NoModel("no model yet: run `tailor train` first".into())
    })?;
    let (parent, varmap, policy) = super::versions::load_trainable(dir, &parent_version)?;
    let cfg = &config.finetune;
    let labels = store.labels_in_effect()?;
    let products: HashMap<String, Product> = store
        .products()?
        .into_iter()
        .map(|p| (p.product_id.clone(), p))
        .collect();
    let mut histories: HashMap<String, Vec<HistoryItem>> = HashMap::new();
    for l in &labels {
        if !histories.contains_key(&l.user_id) {
            histories.insert(l.user_id.clone(), store.user_history(&l.user_id)?);
        }
    }
    let split = split_labels(&parent, &labels, &histories, &products, cfg);
    if split.train.is_empty() {
        return Err(TrainError::NoData(format!(
            "no new labels to learn from ({} labels in effect, {} of them from held-out shoppers, the rest already used by {parent_version} or its ancestors): label more candidates first",
            labels.len(),
            split.held_out.len()
        ))
        .into());
    }
    // Pre-training text as the parent saw it: its prompt shape, its split.
    let s = &parent.settings;
    let mut model_section = config.model.clone();
    model_section.history_items = s.history_items;
    model_section.title_words = s.title_words;
    model_section.review_words = s.review_words;
    model_section.max_prompt_tokens = s.max_prompt_tokens;
    model_section.max_target_tokens = s.max_target_tokens;
    let mut train_section = config.train.clone();
    train_section.seed = s.split_seed;
    train_section.val_fraction = s.val_fraction;
    let data = super::data::build(
        store,
        &model_section,
        &train_section,
        Some((parent.vocab.clone(), parent.settings.slots.clone())),
    )?;
    let mut on_step = |p: &TrainProgress| {
        trainer.beat(&serde_json::to_value(p).unwrap_or_default());
        progress(p);
    };
    let tuned = finetune(
        varmap,
        policy,
        &parent.model,
        &split.train,
        &data.train,
        cfg,
        max_steps,
        &mut on_step,
        cancel,
    )?;
    if tuned.stop == StopReason::Cancelled {
        return Err(FinetuneError::Cancelled);
    }
    let report = gate(
        &parent.model,
        &tuned.model,
        &data.val,
        &split.held_out,
        cfg.ppl_tolerance,
    )?;
    tracing::info!(reason = %report.reason, "promotion gate");
    let version = super::versions::next_version(store, dir)?;
    trainer.writing(&version)?;
    let metrics = serde_json::json!({
        "val_ppl": report.ppl,
        "finetune_loss": tuned.loss,
        "steps": tuned.steps,
        "seconds": tuned.seconds,
        "labels_used": tuned.labels_used.len(),
        "gate": report,
    });
    let mut settings = parent.settings.clone();
    settings.kind = "finetune".into();
    settings.parent = Some(parent_version.clone());
    super::versions::save_finetuned(
        store,
        dir,
        &version,
        &tuned.varmap,
        &parent.vocab,
        &settings,
        &metrics,
        report.promote.then_some(actor),
        &tuned.labels_used,
    )?;
    Ok(FinetuneReport {
        model_version: version,
        parent_version,
        labels_used: tuned.labels_used.len(),
        promoted: report.promote,
        eval: report,
        steps: tuned.steps,
        seconds: started.elapsed().as_secs_f64(),
    })
}
