//! A fine-tuned version, end to end: labels in effect, the training loop
//! (`finetune.rs`), the promotion gate (`gate.rs`), the version folder and
//! its registry row with the labels it consumed. `tailor finetune`, the
//! console's job and the simulated analyst differ only in how they show
//! progress and who they record; all run inside `lock::with_trainer`.

use super::finetune::{finetune, split_labels};
use super::gate::{GateInput, GateReport, gate};
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

/// Candidates per held-out shopper that the gate writes with each version.
const GATE_CANDIDATES: usize = 4;

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

/// Whether a text ends with a sentence's last character.
fn ends_a_sentence(text: &str) -> bool {
    text.trim_end()
        .ends_with(['.', '!', '?', '…', '"', '\'', ')', '”', '’'])
}

/// A test for copy that stops where this shop's texts never stop: when at
/// least 95% of `texts` end a sentence, a text that does not was cut off.
/// A shop whose texts often end without one gets a test that passes all.
fn cut_off_test<'a>(texts: impl Iterator<Item = &'a str>) -> impl Fn(&str) -> bool {
    let (mut ended, mut all) = (0usize, 0usize);
    for t in texts {
        all += 1;
        ended += usize::from(ends_a_sentence(t));
    }
    let strict = all > 0 && ended as f64 >= 0.95 * all as f64;
    move |text: &str| strict && !ends_a_sentence(text)
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
    // Pre-training text as the parent saw it: its prompt shape, its split.
    let (model_section, train_section) = parent.data_sections(config);
    let data = super::data::build(
        store,
        &model_section,
        &train_section,
        Some((parent.vocab.clone(), parent.settings.slots.clone())),
    )?;
    let lexicon = super::candidates::lexicon(store)?;
    let cut_off = cut_off_test(data.train.iter().map(|e| e.text.as_str()));
    // Copy the product would never show: unfaithful, or stopped where the
    // shop's texts never stop.
    let faithful = |l: &crate::store::FeedbackLabel, p: &Product, h: &[HistoryItem]| {
        let before: Vec<HistoryItem> = h
            .iter()
            .filter(|i| i.ts <= l.generated_at)
            .cloned()
            .collect();
        !cut_off(&l.text) && lexicon.check(&l.text, p, &before, false).is_faithful()
    };
    let split = split_labels(&parent, &labels, &histories, &products, cfg, &faithful);
    if split.set_aside > 0 {
        tracing::warn!(
            set_aside = split.set_aside,
            "up labels on copy the faithfulness checks refuse were set aside"
        );
    }
    if split.train.is_empty() {
        return Err(TrainError::NoData(format!(
            "no new labels to learn from ({} labels in effect, {} of them from held-out shoppers, {} up labels on copy the checks refuse, the rest already used by {parent_version} or its ancestors): label more candidates first",
            labels.len(),
            split.held_out.len(),
            split.set_aside
        ))
        .into());
    }
    if let Some(needs) = split.gate.needs() {
        return Err(TrainError::NoData(format!("not fine-tuned: {needs}")).into());
    }
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
    let version = super::versions::next_version(store, dir)?;
    let child = super::versions::LoadedModel {
        version: version.clone(),
        model: tuned.model.clone(),
        vocab: parent.vocab.clone(),
        settings: parent.settings.clone(),
        metrics: serde_json::Value::Null,
    };
    let gate_shoppers = cfg.gate_shoppers;
    let probe_histories = super::eval::probe_histories(store, &data.val, gate_shoppers)?;
    let probes = super::eval::probes(&data.val, &products, &probe_histories, gate_shoppers);
    let report = gate(
        &GateInput {
            parent: &parent,
            child: &child,
            pretrain_val: &data.val,
            held: &split.held_out,
            approved: &split.approved,
            held_out_shoppers: split.gate.held_out_shoppers,
            set_aside: split.set_aside,
            needs: None,
            probes: &probes,
            lexicon: &lexicon,
            sampling: &config.generate.params(),
            candidates: GATE_CANDIDATES,
        },
        cfg,
    )?;
    tracing::info!(reason = %report.reason, "promotion gate");
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

#[cfg(test)]
mod tests {
    use super::cut_off_test;

    #[test]
    fn copy_that_stops_where_the_shops_texts_never_do_is_cut_off() {
        let shop = [
            "Soft and warm.",
            "A jumper you will love!",
            "Made in Leeds by hand",
        ];
        // Two of three end a sentence: too few to judge by.
        let lax = cut_off_test(shop.iter().copied());
        assert!(!lax("A natural fit for"));
        let tidy = [
            "Soft and warm.",
            "A jumper you will love!",
            "Is it for you?",
        ];
        let strict = cut_off_test(tidy.iter().copied());
        assert!(strict("A natural fit for"));
        assert!(strict("A natural fit for aftern"));
        assert!(!strict("A natural fit for afternoons. "));
        assert!(!strict("Warm, as you asked for \"cosy\""));
    }
}
