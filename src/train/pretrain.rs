//! The training loop: AdamW, cross-entropy on description tokens only,
//! global-norm gradient clipping, linear warm-up then cosine decay, early
//! stopping on the held-out shoppers, a progress callback and a cancel flag.
//! A step whose loss or gradient is not finite is skipped, never applied.

use super::data::{Dataset, Example, batches, make_batch, pairs_of, score_targets};
use crate::config::{ModelSection, TrainSection};
use crate::model::adamw::{AdamWParams, FusedAdamW};
use crate::model::{LanguageModel, ModelConfig, init_varmap};
use crate::text::{Special, Vocab};
use candle_core::{DType, Device, Tensor};
use candle_nn::{VarBuilder, VarMap};
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;
use serde::Serialize;
use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Instant;

/// The network's sizes for `[model]` over `vocab`: what `tailor train` and
/// the console's training job build.
pub fn model_config(model: &ModelSection, vocab: &Vocab) -> ModelConfig {
    ModelConfig {
        vocab_size: vocab.size(),
        embed_dim: model.embed_dim,
        hidden_dim: model.hidden_dim,
        layers: model.layers,
        pad_id: vocab.id(Special::Pad),
        context_token: model.history_context.then(|| vocab.id(Special::Hist)),
    }
}

/// Where training is, for the console's jobs pane and the log.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct TrainProgress {
    /// Steps taken.
    pub step: usize,
    /// Steps planned (epochs × batches, or `max_steps`).
    pub total_steps: usize,
    /// Current epoch, from 1.
    pub epoch: usize,
    /// Mean loss of the last step (nats per description token).
    pub loss: f64,
    /// Held-out loss at the last validation.
    pub val_loss: Option<f64>,
    /// Tokens (prompt and description) processed per second so far.
    pub tokens_per_s: f64,
    /// Estimated seconds left.
    pub eta_s: f64,
}

/// Why training ended early, or that it did not.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum StopReason {
    /// Every planned step ran.
    Finished,
    /// The held-out loss stopped improving.
    EarlyStopped,
    /// The cancel flag was raised; nothing should be saved.
    Cancelled,
}

/// A trained model and how training went.
pub struct Trained {
    /// The best weights (lowest held-out loss).
    pub varmap: VarMap,
    /// The model over those weights.
    pub model: LanguageModel,
    /// Steps taken.
    pub steps: usize,
    /// Mean training loss over the last epoch's steps.
    pub train_loss: f64,
    /// Best held-out loss (nats per description token).
    pub val_loss: f64,
    /// Tokens per second over the whole run.
    pub tokens_per_s: f64,
    /// Wall-clock seconds.
    pub seconds: f64,
    /// Steps skipped for a non-finite loss or gradient.
    pub skipped_steps: usize,
    /// How it ended.
    pub stop: StopReason,
}

/// Training failed in a way the caller must report.
#[derive(Debug, thiserror::Error)]
pub enum TrainError {
    /// candle refused an operation.
    #[error("training: {0}")]
    Candle(#[from] candle_core::Error),
    /// Nothing to learn from.
    #[error("training: {0}")]
    NoData(String),
    /// A fine-tuning step had a NaN or infinite loss or gradient: the run
    /// stops and the parent stays active.
    #[error(
        "fine-tuning stopped at step {step}: the loss or gradient was NaN or infinite; the parent version stays active"
    )]
    NonFinite {
        /// The step, from 1.
        step: usize,
    },
    /// The loss kept diverging.
    #[error("training diverged: {0} consecutive steps had a NaN or infinite loss or gradient")]
    Diverged(usize),
}

/// Consecutive non-finite steps after which training gives up.
const MAX_BAD_STEPS: usize = 20;

/// Learning rate at `step`: linear warm-up, then cosine decay to 10%.
pub fn learning_rate(cfg: &TrainSection, step: usize, total: usize) -> f64 {
    let peak = cfg.learning_rate;
    if step < cfg.warmup_steps {
        return peak * (step + 1) as f64 / cfg.warmup_steps as f64;
    }
    let span = total.saturating_sub(cfg.warmup_steps).max(1);
    let t = ((step - cfg.warmup_steps) as f64 / span as f64).min(1.0);
    peak * (0.1 + 0.9 * 0.5 * (1.0 + (std::f64::consts::PI * t).cos()))
}

/// Mean description-token NLL of `model` over `examples` (nats/token).
pub fn mean_loss(
    model: &LanguageModel,
    examples: &[Example],
    batch_size: usize,
) -> candle_core::Result<f64> {
    let (mut nll, mut n) = (0.0f64, 0usize);
    for row in score_targets(model, &pairs_of(examples), batch_size)? {
        nll -= row.iter().map(|&x| x as f64).sum::<f64>();
        n += row.len();
    }
    Ok(if n == 0 { f64::NAN } else { nll / n as f64 })
}

fn snapshot(varmap: &VarMap) -> candle_core::Result<HashMap<String, Tensor>> {
    let data = varmap.data().lock().expect("varmap lock");
    data.iter()
        .map(|(k, v)| Ok((k.clone(), v.as_tensor().copy()?)))
        .collect()
}

fn restore(varmap: &VarMap, best: &HashMap<String, Tensor>) -> candle_core::Result<()> {
    let data = varmap.data().lock().expect("varmap lock");
    for (k, v) in data.iter() {
        if let Some(t) = best.get(k) {
            v.set(t)?;
        }
    }
    Ok(())
}

/// Trains a fresh model on `data`. `progress` is called after every step;
/// raising `cancel` stops at the next step with [`StopReason::Cancelled`].
pub fn train(
    model_cfg: &ModelConfig,
    data: &Dataset,
    cfg: &TrainSection,
    progress: &mut dyn FnMut(&TrainProgress),
    cancel: &AtomicBool,
) -> Result<Trained, TrainError> {
    if data.train.is_empty() {
        return Err(TrainError::NoData(
            "the store has no events with text (reviews or purchase copy) to learn from".into(),
        ));
    }
    let varmap = init_varmap(model_cfg, cfg.seed)?;
    let vb = VarBuilder::from_varmap(&varmap, DType::F32, &Device::Cpu);
    let model = LanguageModel::new(model_cfg, vb)?;
    let mut opt = FusedAdamW::new(
        varmap.all_vars(),
        AdamWParams {
            lr: cfg.learning_rate,
            weight_decay: cfg.weight_decay,
            ..Default::default()
        },
    );
    let mut rng = ChaCha8Rng::seed_from_u64(cfg.seed ^ 0x5eed);
    let per_epoch = data.train.len().div_ceil(cfg.batch_size.max(1));
    let mut total = per_epoch * cfg.epochs.max(1);
    if cfg.max_steps > 0 {
        total = total.min(cfg.max_steps);
    }
    // Validation on a fixed subset keeps its cost bounded on big stores.
    let val: &[Example] = &data.val[..data.val.len().min(1024)];
    let started = Instant::now();
    let mut p = TrainProgress {
        total_steps: total,
        ..Default::default()
    };
    let (mut tokens, mut bad_in_a_row, mut skipped) = (0usize, 0usize, 0usize);
    let mut best: Option<(f64, HashMap<String, Tensor>)> = None;
    let mut since_best = 0usize;
    let mut epoch_losses: Vec<f64> = Vec::new();
    let mut stop = StopReason::Finished;
    'epochs: for epoch in 1..=cfg.epochs.max(1) {
        p.epoch = epoch;
        epoch_losses.clear();
        for batch_idx in batches(&data.train, cfg.batch_size.max(1), &mut rng) {
            if p.step >= total {
                break 'epochs;
            }
            if cancel.load(Ordering::Relaxed) {
                stop = StopReason::Cancelled;
                break 'epochs;
            }
            let pairs: Vec<(&[u32], &[u32])> = batch_idx
                .iter()
                .map(|&i| {
                    (
                        data.train[i].prompt.as_slice(),
                        data.train[i].target.as_slice(),
                    )
                })
                .collect();
            let batch = make_batch(&pairs, model_cfg.pad_id)?;
            let (loss, grads) = model.loss_and_grads(&batch.tokens, &batch.targets, &batch.mask)?;
            let loss_value = loss as f64;
            let norm = opt.grad_norm(&grads)?;
            if !loss_value.is_finite() || !norm.is_finite() {
                skipped += 1;
                bad_in_a_row += 1;
                tracing::warn!(step = p.step, loss_value, norm, "non-finite step skipped");
                if bad_in_a_row >= MAX_BAD_STEPS {
                    return Err(TrainError::Diverged(bad_in_a_row));
                }
                p.step += 1;
                continue;
            }
            bad_in_a_row = 0;
            let scale = if norm > cfg.clip_norm {
                cfg.clip_norm / norm
            } else {
                1.0
            };
            opt.set_learning_rate(learning_rate(cfg, p.step, total));
            opt.step(&grads, scale)?;
            p.step += 1;
            tokens += batch.n_tokens;
            epoch_losses.push(loss_value);
            let elapsed = started.elapsed().as_secs_f64();
            p.loss = loss_value;
            p.tokens_per_s = tokens as f64 / elapsed.max(1e-9);
            p.eta_s = elapsed / p.step as f64 * (total - p.step) as f64;
            let validate =
                (cfg.eval_every > 0 && p.step.is_multiple_of(cfg.eval_every)) || p.step == total;
            if validate && !val.is_empty() {
                let v = mean_loss(&model, val, 64)?;
                p.val_loss = Some(v);
                tracing::info!(step = p.step, loss = loss_value, val_loss = v, "validation");
                if v.is_finite() && best.as_ref().is_none_or(|(b, _)| v < *b) {
                    best = Some((v, snapshot(&varmap)?));
                    since_best = 0;
                } else {
                    since_best += 1;
                    if since_best >= cfg.patience.max(1) {
                        progress(&p);
                        stop = StopReason::EarlyStopped;
                        break 'epochs;
                    }
                }
            }
            progress(&p);
        }
    }
    let val_loss = match &best {
        Some((v, weights)) if stop != StopReason::Cancelled => {
            restore(&varmap, weights)?;
            *v
        }
        _ => p.val_loss.unwrap_or(f64::NAN),
    };
    let seconds = started.elapsed().as_secs_f64();
    let train_loss = epoch_losses.iter().sum::<f64>() / epoch_losses.len().max(1) as f64;
    Ok(Trained {
        varmap,
        model,
        steps: p.step,
        train_loss,
        val_loss,
        tokens_per_s: tokens as f64 / seconds.max(1e-9),
        seconds,
        skipped_steps: skipped,
        stop,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::Config;
    use crate::demo::DemoOptions;
    use crate::store::Store;
    use crate::text::Special;

    /// A tiny dataset from a 40-shopper demo shop.
    fn tiny() -> (Dataset, ModelConfig, TrainSection) {
        let dir = tempfile::tempdir().unwrap();
        let db = dir.path().join("t.db");
        let opts = DemoOptions { seed: 5, users: 40 };
        Store::create_demo(&db, &opts, &dir.path().join("t.csv"), &mut |_| {}).unwrap();
        let store = Store::open(&db).unwrap();
        let mut config = Config::default();
        config.model.vocab_size = 300;
        config.train.max_steps = 6;
        config.train.batch_size = 8;
        config.train.eval_every = 3;
        config.train.val_fraction = 0.2;
        let data = super::super::data::build(&store, &config.model, &config.train, None).unwrap();
        let model = ModelConfig {
            vocab_size: data.vocab.size(),
            embed_dim: 8,
            hidden_dim: 12,
            layers: 1,
            pad_id: data.vocab.id(Special::Pad),
            context_token: Some(data.vocab.id(Special::Hist)),
        };
        (data, model, config.train)
    }

    #[test]
    fn progress_is_reported_and_cancel_stops_without_a_step() {
        let (data, model, cfg) = tiny();
        let mut seen = Vec::new();
        let trained = train(
            &model,
            &data,
            &cfg,
            &mut |p| seen.push(p.clone()),
            &AtomicBool::new(false),
        )
        .unwrap();
        assert_eq!(trained.steps, 6);
        assert_eq!(seen.last().map(|p| p.step), Some(6));
        assert!(
            seen.iter()
                .all(|p| p.loss.is_finite() && p.total_steps == 6)
        );
        assert!(seen.iter().any(|p| p.val_loss.is_some()));

        let cancelled = train(&model, &data, &cfg, &mut |_| {}, &AtomicBool::new(true)).unwrap();
        assert_eq!(cancelled.stop, StopReason::Cancelled);
        assert_eq!(cancelled.steps, 0);
    }

    #[test]
    fn a_non_finite_loss_is_never_applied() {
        let (data, model, mut cfg) = tiny();
        // An infinite learning rate makes the first update non-finite; every
        // later step then sees a NaN loss and is skipped, and training stops
        // as diverged instead of returning NaN weights.
        cfg.learning_rate = f64::INFINITY;
        cfg.warmup_steps = 0;
        cfg.max_steps = 40;
        let result = train(&model, &data, &cfg, &mut |_| {}, &AtomicBool::new(false));
        match result {
            Err(TrainError::Diverged(n)) => assert_eq!(n, MAX_BAD_STEPS),
            Ok(t) => panic!(
                "expected divergence, got {} steps, {} skipped",
                t.steps, t.skipped_steps
            ),
            Err(e) => panic!("{e}"),
        }
    }

    #[test]
    fn learning_rate_warms_up_then_decays_to_a_tenth() {
        let cfg = TrainSection {
            seed: 1,
            epochs: 1,
            max_steps: 0,
            batch_size: 2,
            learning_rate: 1.0,
            weight_decay: 0.0,
            warmup_steps: 10,
            clip_norm: 1.0,
            val_fraction: 0.1,
            eval_every: 0,
            patience: 1,
            max_examples: 0,
            min_texts: 1,
            bpc_tolerance: 0.02,
        };
        assert!((learning_rate(&cfg, 0, 110) - 0.1).abs() < 1e-12);
        assert!((learning_rate(&cfg, 9, 110) - 1.0).abs() < 1e-12);
        assert!((learning_rate(&cfg, 10, 110) - 1.0).abs() < 1e-12);
        assert!((learning_rate(&cfg, 60, 110) - 0.55).abs() < 1e-9);
        assert!((learning_rate(&cfg, 110, 110) - 0.1).abs() < 1e-9);
    }
}
