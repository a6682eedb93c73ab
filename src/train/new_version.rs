//! A new pre-trained version, end to end: dataset, training, version folder
//! and registry row. `tailor train` and the console's training job differ
//! only in how they show progress and who they record.

use super::data;
use super::lock::Trainer;
use super::pretrain::{StopReason, TrainProgress, Trained, model_config, train};
use super::versions::{self, VersionSettings};
use crate::config::Config;
use crate::store::Store;
use std::path::Path;
use std::sync::atomic::{AtomicBool, Ordering};

/// Where a run is, for a progress display.
#[derive(Debug, Clone, Copy)]
pub enum Stage<'a> {
    /// Reading the store and encoding every example.
    BuildingDataset,
    /// A training step was taken.
    Training(&'a TrainProgress),
    /// Writing the version folder and its registry row.
    Saving,
}

/// A version that was saved and activated.
pub struct SavedVersion {
    /// Its name, e.g. `v3`.
    pub version: String,
    /// How training went.
    pub trained: Trained,
    /// Held-out perplexity of the saved weights.
    pub val_ppl: f64,
    /// Training examples.
    pub examples: usize,
    /// Held-out examples.
    pub val_examples: usize,
}

/// Builds the dataset from `store`, trains with `config`, and saves and
/// activates a new version in `dir` recorded as made by `analyst`, holding
/// `trainer` (its lease gets the heartbeats and the version being written).
/// Returns `None`, having saved nothing, when `cancel` is raised.
pub fn train_and_save(
    config: &Config,
    store: &mut Store,
    dir: &Path,
    trainer: &Trainer,
    analyst: &str,
    on_stage: &mut dyn FnMut(Stage<'_>),
    cancel: &AtomicBool,
) -> anyhow::Result<Option<SavedVersion>> {
    on_stage(Stage::BuildingDataset);
    let started = std::time::Instant::now();
    let data = data::build(store, &config.model, &config.train, None)?;
    let texts = data.train.len() + data.val.len();
    if texts < config.train.min_texts {
        anyhow::bail!(
            "too little to learn from: the store holds {texts} texts (catalog descriptions, reviews and copy) and training needs at least {} ([train] min_texts); import more before training",
            config.train.min_texts
        );
    }
    tracing::info!(
        train = data.train.len(),
        val = data.val.len(),
        seconds = started.elapsed().as_secs_f64(),
        "dataset built"
    );
    if cancel.load(Ordering::Relaxed) {
        return Ok(None);
    }
    let model_cfg = model_config(&config.model, &data.vocab);
    let trained = {
        let mut progress = |p: &TrainProgress| {
            trainer.beat(&serde_json::to_value(p).unwrap_or_default());
            on_stage(Stage::Training(p));
        };
        train(&model_cfg, &data, &config.train, &mut progress, cancel)?
    };
    if trained.stop == StopReason::Cancelled {
        return Ok(None);
    }
    on_stage(Stage::Saving);
    let val_ppl = trained.val_loss.exp();
    let version = versions::next_version(store, dir)?;
    trainer.writing(&version)?;
    let metrics = serde_json::json!({
        "val_ppl": val_ppl,
        "train_loss": trained.train_loss,
        "steps": trained.steps,
        "tokens_per_s": trained.tokens_per_s,
        "seconds": trained.seconds,
        "skipped_steps": trained.skipped_steps,
        "stop": trained.stop,
    });
    let settings = VersionSettings::from_config(
        &config.model,
        &config.train,
        model_cfg,
        "pretrain",
        None,
        data.plan.clone(),
    );
    versions::save(
        store,
        dir,
        &version,
        &trained.varmap,
        &data.vocab,
        &settings,
        &metrics,
        Some(analyst),
    )?;
    tracing::info!(%version, val_ppl, analyst, "model version saved and activated");
    Ok(Some(SavedVersion {
        version,
        trained,
        val_ppl,
        examples: data.train.len(),
        val_examples: data.val.len(),
    }))
}
