//! A new pre-trained version, end to end: dataset, training, version folder
//! and registry row. `tailor train` and the console's training job differ
//! only in how they show progress and who they record.

use super::data;
use super::gate::{CopyFigures, GateCheck, Variety};
use super::lock::Trainer;
use super::pretrain::{StopReason, TrainProgress, Trained, model_config, train};
use super::versions::LoadedModel;
use super::versions::{self, VersionSettings};
use crate::config::Config;
use crate::store::Store;
use serde::Serialize;
use std::path::Path;
use std::sync::atomic::{AtomicBool, Ordering};

/// Where a run is, for a progress display.
#[derive(Debug, Clone, Copy)]
pub enum Stage<'a> {
    /// Reading the store and encoding every example.
    BuildingDataset,
    /// A training step was taken.
    Training(&'a TrainProgress),
    /// Comparing the new version with the active one.
    Comparing,
    /// Writing the version folder and its registry row.
    Saving,
}

/// Whether a new version replaces the active one.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Activation {
    /// Only if the gate finds it at least as good as the active one.
    Gate,
    /// Whatever the gate finds (`tailor train --activate`); a worse version
    /// is activated with a warning.
    Force,
}

/// How a new pre-trained version compared with the active one, on the same
/// held-out texts and the same prompts.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TrainGate {
    /// The version it was compared with.
    pub active_version: String,
    /// Bits per character of the new version on the held-out texts.
    pub bpc: f64,
    /// The active version's, on the same texts.
    pub active_bpc: f64,
    /// The largest relative rise allowed.
    pub bpc_tolerance: f64,
    /// The new version's copy for held-out shoppers.
    pub copy: CopyFigures,
    /// The active version's, with the same prompts and seeds.
    pub active_copy: CopyFigures,
    /// Each check, in order.
    pub checks: Vec<GateCheck>,
    /// Whether the new version is at least as good.
    pub passed: bool,
    /// The verdict, in plain words.
    pub reason: String,
}

/// A version that was saved (and activated, unless the gate kept it back).
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
    /// Whether it became the active version.
    pub activated: bool,
    /// The comparison with the version that was active, if there was one.
    pub gate: Option<TrainGate>,
}

/// Builds the dataset from `store`, trains with `config`, and saves a new
/// version in `dir` recorded as made by `analyst`, holding `trainer` (its
/// lease gets the heartbeats and the version being written). The version
/// is activated when there is no active one, when it is at least as good
/// as the active one ([`compare_with_active`]), or when `activation` forces
/// it. Returns `None`, having saved nothing, when `cancel` is raised.
#[allow(clippy::too_many_arguments)]
pub fn train_and_save(
    config: &Config,
    store: &mut Store,
    dir: &Path,
    trainer: &Trainer,
    analyst: &str,
    activation: Activation,
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
    on_stage(Stage::Comparing);
    let val_ppl = trained.val_loss.exp();
    let version = versions::next_version(store, dir)?;
    let settings = VersionSettings::from_config(
        &config.model,
        &config.train,
        model_cfg,
        "pretrain",
        None,
        data.plan.clone(),
    );
    let new = LoadedModel {
        version: version.clone(),
        model: trained.model.clone(),
        vocab: data.vocab.clone(),
        settings: settings.clone(),
        metrics: serde_json::Value::Null,
    };
    let gate = compare_with_active(config, store, dir, &new, &data.val)?;
    let activated = match (&gate, activation) {
        (None, _) => true,
        (Some(g), Activation::Gate) => g.passed,
        (Some(g), Activation::Force) => {
            if !g.passed {
                tracing::warn!(%version, reason = %g.reason, "activated by request although the gate refused it");
            }
            true
        }
    };
    on_stage(Stage::Saving);
    trainer.writing(&version)?;
    let metrics = serde_json::json!({
        "val_ppl": val_ppl,
        "train_loss": trained.train_loss,
        "steps": trained.steps,
        "tokens_per_s": trained.tokens_per_s,
        "seconds": trained.seconds,
        "skipped_steps": trained.skipped_steps,
        "stop": trained.stop,
        "gate": gate,
        "activated": activated,
    });
    versions::save(
        store,
        dir,
        &version,
        &trained.varmap,
        &data.vocab,
        &settings,
        &metrics,
        activated.then_some(analyst),
    )?;
    tracing::info!(%version, val_ppl, analyst, activated, "model version saved");
    Ok(Some(SavedVersion {
        version,
        trained,
        val_ppl,
        examples: data.train.len(),
        val_examples: data.val.len(),
        activated,
        gate,
    }))
}

/// Bits per character of `model` on `examples`' targets.
fn bits_per_char(
    model: &crate::model::LanguageModel,
    examples: &[data::Example],
) -> candle_core::Result<f64> {
    let nll: f64 = data::score_targets(model, &data::pairs_of(examples), 64)?
        .iter()
        .flatten()
        .map(|&x| -f64::from(x))
        .sum();
    let chars: usize = examples.iter().map(|e| e.target_chars).sum();
    Ok(crate::train::metrics::bits_per_char(nll, chars))
}

/// Held-out examples the train gate scores with each version.
const GATE_EXAMPLES: usize = 1024;

/// Candidates per held-out shopper the gate writes with each version.
const GATE_CANDIDATES: usize = 4;

/// Compares `new` with the active version, if there is one that loads:
/// bits per character on the same held-out texts (each version's own
/// tokens; characters make different tokenizers comparable), and copy for
/// the same held-out shoppers with the same seeds, judged by the store's
/// faithfulness checks. `new_val` is the new run's held-out split; the
/// active version's prompts for the same events are rebuilt from its own
/// settings. The new version passes when its bits per character rise by
/// at most `[train] bpc_tolerance` and its copy stays as faithful and as
/// varied (the fine-tuning gate's `max_refused_rise` and
/// `max_distinct_drop`).
pub fn compare_with_active(
    config: &Config,
    store: &Store,
    dir: &Path,
    new: &LoadedModel,
    new_val: &[data::Example],
) -> anyhow::Result<Option<TrainGate>> {
    let Some(active_version) = store.active_model()? else {
        return Ok(None);
    };
    let active = match versions::load(dir, &active_version) {
        Ok(a) => a,
        Err(e) => {
            tracing::warn!(%active_version, error = %e, "the active version does not load: nothing to compare with");
            return Ok(None);
        }
    };
    let (model_section, mut train_section) = active.data_sections(config);
    // The new run's split, so both versions are scored on the same events.
    train_section.seed = config.train.seed;
    train_section.val_fraction = config.train.val_fraction;
    let active_data = data::build(
        store,
        &model_section,
        &train_section,
        Some((active.vocab.clone(), active.settings.slots.clone())),
    )?;
    let bpc = bits_per_char(&new.model, &new_val[..new_val.len().min(GATE_EXAMPLES)])?;
    let active_bpc = bits_per_char(
        &active.model,
        &active_data.val[..active_data.val.len().min(GATE_EXAMPLES)],
    )?;
    let f = &config.finetune;
    let products: std::collections::HashMap<_, _> = store
        .products()?
        .into_iter()
        .map(|p| (p.product_id.clone(), p))
        .collect();
    let histories = super::eval::probe_histories(store, new_val, f.gate_shoppers)?;
    let probes = super::eval::probes(new_val, &products, &histories, f.gate_shoppers);
    let lexicon = super::candidates::lexicon(store)?;
    let params = config.generate.params();
    let sample = |loaded: &LoadedModel| {
        super::eval::sample_copy(
            loaded,
            &lexicon,
            &probes,
            GATE_CANDIDATES,
            &params,
            config.train.seed,
        )
    };
    let (new_sample, active_sample) = (sample(new)?, sample(&active)?);
    let variety = Variety::measure(&new_sample.texts, &active_sample.texts, &[]);
    let (copy, active_copy) = (
        CopyFigures::of(&new_sample),
        CopyFigures::of(&active_sample),
    );
    let (v, a) = (&new.version, &active_version);
    let checks = vec![
        GateCheck {
            check: "likelihood".into(),
            passed: bpc.is_finite() && bpc <= active_bpc * (1.0 + config.train.bpc_tolerance),
            detail: format!(
                "{v} needs {bpc:.3} bits a character for held-out texts ({a}: {active_bpc:.3}; at most {:.0}% more allowed)",
                config.train.bpc_tolerance * 100.0
            ),
        },
        GateCheck::faithfulness(v, a, &copy, &active_copy, f.max_refused_rise),
        GateCheck::variety(a, &variety, f.max_distinct_drop),
    ];
    let failed: Vec<&str> = checks
        .iter()
        .filter(|c| !c.passed)
        .map(|c| match c.check.as_str() {
            "likelihood" => "it predicts held-out texts worse",
            "faithfulness" => "its copy fails the faithfulness checks more often",
            _ => "its copy is less varied",
        })
        .collect();
    let passed = failed.is_empty();
    let reason = if passed {
        format!("{v} is at least as good as {a} on held-out texts and copy; activated")
    } else {
        format!(
            "{v} was kept inactive: {} than {a} ({}); `tailor models promote {v}` or `tailor train --activate` activates it anyway",
            failed.join(", and "),
            checks
                .iter()
                .filter(|c| !c.passed)
                .map(|c| c.detail.as_str())
                .collect::<Vec<_>>()
                .join("; ")
        )
    };
    Ok(Some(TrainGate {
        active_version,
        bpc,
        active_bpc,
        bpc_tolerance: config.train.bpc_tolerance,
        copy,
        active_copy,
        checks,
        passed,
        reason,
    }))
}
