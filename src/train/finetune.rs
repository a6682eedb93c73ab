//! Learning from labels: KTO on single up/down labels, DPO where one prompt
//! has both, and ordinary likelihood on pre-training text mixed into every
//! step so the model does not forget. Then the promotion gate, which decides
//! whether the new version may replace its parent.

use super::data::{Example, make_batch, score_targets};
use super::kto::{KtoWeights, dpo_losses, kto_losses, reference_point};
use super::pretrain::{StopReason, TrainError, TrainProgress};
use super::versions::LoadedModel;
use crate::config::FinetuneSection;
use crate::domain::{HistoryItem, Product};
use crate::model::LanguageModel;
use crate::model::adamw::{AdamWParams, FusedAdamW};
use crate::store::FeedbackLabel;
use candle_nn::VarMap;
use rand::seq::SliceRandom;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Instant;

/// A labelled candidate, tokenised as the version that learns from it sees it.
#[derive(Debug, Clone)]
pub struct LabelExample {
    /// The `labels` row.
    pub label_id: i64,
    /// The shopper.
    pub user_id: String,
    /// The product.
    pub product_id: String,
    /// The prompt the candidate was generated from.
    pub prompt: Vec<u32>,
    /// The candidate with its facts as slots, then `<eos>`.
    pub target: Vec<u32>,
    /// Thumbs-up.
    pub up: bool,
}

/// Labels split by shopper into those to learn from and those that judge.
#[derive(Debug, Clone, Default)]
pub struct LabelSplit {
    /// New labels of training shoppers.
    pub train: Vec<LabelExample>,
    /// Labels of held-out shoppers (new or not): the gate's evidence.
    pub held_out: Vec<LabelExample>,
}

/// Tokenises `labels` against `parent`. Prompts are rebuilt from each
/// shopper's history before the candidate was generated, exactly as
/// generation built them. Labels of held-out shoppers go to `held_out`
/// whether used or not; of the others, only those not yet used by a
/// version that has been active are kept.
pub fn split_labels(
    parent: &LoadedModel,
    labels: &[FeedbackLabel],
    histories: &HashMap<String, Vec<HistoryItem>>,
    products: &HashMap<String, Product>,
    cfg: &FinetuneSection,
) -> LabelSplit {
    let mut split = LabelSplit::default();
    for l in labels {
        let held = super::data::is_held_out(&l.user_id, cfg.seed, cfg.holdout_fraction);
        if !held && l.used {
            continue;
        }
        let Some(product) = products.get(&l.product_id) else {
            continue;
        };
        let history = histories.get(&l.user_id).map_or(&[][..], Vec::as_slice);
        let example = LabelExample {
            label_id: l.label_id,
            user_id: l.user_id.clone(),
            product_id: l.product_id.clone(),
            prompt: parent.prompt_ids(history, l.generated_at.saturating_add(1), product),
            target: parent.target_ids(&l.text, product, history, l.generated_at.saturating_add(1)),
            up: l.up,
        };
        if held {
            split.held_out.push(example);
        } else {
            split.train.push(example);
        }
    }
    split
}

/// Mismatched (prompt, candidate) pairs per step for KTO's reference point.
const MISMATCHED_PAIRS: usize = 8;

/// Indices of the up and the down labels of one prompt.
type UpsAndDowns = (Vec<usize>, Vec<usize>);

/// A fine-tuned model and how the run went.
pub struct Finetuned {
    /// The new weights.
    pub varmap: VarMap,
    /// The model over them.
    pub model: LanguageModel,
    /// Steps taken.
    pub steps: usize,
    /// Mean total loss over the last pass.
    pub loss: f64,
    /// Wall-clock seconds.
    pub seconds: f64,
    /// How it ended.
    pub stop: StopReason,
    /// The labels learned from.
    pub labels_used: Vec<i64>,
}

/// Sums of target log-probabilities of `pairs` under `model`, no graph.
fn sequence_sums(
    model: &LanguageModel,
    pairs: &[(&[u32], &[u32])],
) -> candle_core::Result<Vec<f32>> {
    Ok(score_targets(model, pairs, 64)?
        .into_iter()
        .map(|row| row.iter().sum::<f32>())
        .collect())
}

pub(super) fn pairs_of<'a>(examples: &[&'a LabelExample]) -> Vec<(&'a [u32], &'a [u32])> {
    examples
        .iter()
        .map(|e| (e.prompt.as_slice(), e.target.as_slice()))
        .collect()
}

/// Fine-tunes `policy` (starting as a copy of `reference`) on `labels`,
/// mixing in `pretrain` text. `progress` is called after every step;
/// raising `cancel` stops at the next step with [`StopReason::Cancelled`].
/// A non-finite loss or gradient stops the run with an error: nothing of it
/// may become a version.
#[allow(clippy::too_many_arguments)]
pub fn finetune(
    varmap: VarMap,
    policy: LanguageModel,
    reference: &LanguageModel,
    labels: &[LabelExample],
    pretrain: &[Example],
    cfg: &FinetuneSection,
    max_steps: Option<usize>,
    progress: &mut dyn FnMut(&TrainProgress),
    cancel: &AtomicBool,
) -> Result<Finetuned, TrainError> {
    if labels.is_empty() {
        return Err(TrainError::NoData(
            "no new labels to learn from: label some candidates first".into(),
        ));
    }
    let started = Instant::now();
    let pad = policy.config().pad_id;
    let weights = KtoWeights {
        beta: cfg.beta,
        lambda_desirable: cfg.lambda_desirable,
        lambda_undesirable: cfg.lambda_undesirable,
    };
    // π_ref is frozen: its log-probability of each candidate is computed once.
    let all: Vec<&LabelExample> = labels.iter().collect();
    let ref_lp = sequence_sums(reference, &pairs_of(&all))?;
    // Prompts (shopper, product) labelled both ways get a DPO term.
    let mut by_prompt: HashMap<(&str, &str), UpsAndDowns> = HashMap::new();
    for (i, l) in labels.iter().enumerate() {
        let entry = by_prompt
            .entry((l.user_id.as_str(), l.product_id.as_str()))
            .or_default();
        if l.up { &mut entry.0 } else { &mut entry.1 }.push(i);
    }
    let mut dpo_pairs: Vec<(usize, usize)> = by_prompt
        .values()
        .flat_map(|(ups, downs)| ups.iter().flat_map(|&u| downs.iter().map(move |&d| (u, d))))
        .collect();
    dpo_pairs.sort_unstable();

    let batch_size = cfg.batch_size.max(2);
    let per_epoch = labels.len().div_ceil(batch_size);
    let mut total = per_epoch * cfg.epochs.max(1);
    if let Some(m) = max_steps
        .filter(|&m| m > 0)
        .or((cfg.max_steps > 0).then_some(cfg.max_steps))
    {
        total = total.min(m);
    }
    let mut opt = FusedAdamW::new(
        varmap.all_vars(),
        AdamWParams {
            lr: cfg.learning_rate,
            weight_decay: 0.0,
            ..Default::default()
        },
    );
    let mut rng = ChaCha8Rng::seed_from_u64(cfg.seed);
    let mut p = TrainProgress {
        total_steps: total,
        ..Default::default()
    };
    let mut stop = StopReason::Finished;
    let mut losses: Vec<f64> = Vec::new();
    let mut tokens = 0usize;
    let mut order: Vec<usize> = Vec::new();
    while p.step < total {
        if order.is_empty() {
            order = (0..labels.len()).collect();
            order.shuffle(&mut rng);
            p.epoch += 1;
            losses.clear();
        }
        if cancel.load(Ordering::Relaxed) {
            stop = StopReason::Cancelled;
            break;
        }
        let take = order.len().min(batch_size);
        let idx: Vec<usize> = order.drain(..take).collect();
        let batch: Vec<&LabelExample> = idx.iter().map(|&i| &labels[i]).collect();
        let pairs = pairs_of(&batch);
        let b = make_batch(&pairs, pad)?;
        let policy_lp = policy.sequence_logprobs(&b.tokens, &b.targets, &b.mask)?;
        let refs: Vec<f32> = idx.iter().map(|&i| ref_lp[i]).collect();
        let up: Vec<bool> = batch.iter().map(|e| e.up).collect();
        // z0 from mismatched pairs: each prompt with the next candidate.
        let z0 = if batch.len() > 1 {
            // A few pairs estimate z0 well enough; each costs two forwards.
            let mismatched: Vec<(&[u32], &[u32])> = (0..batch.len().min(MISMATCHED_PAIRS))
                .map(|k| {
                    (
                        batch[k].prompt.as_slice(),
                        batch[(k + 1) % batch.len()].target.as_slice(),
                    )
                })
                .collect();
            let pol = sequence_sums(&policy, &mismatched)?;
            let reff = sequence_sums(reference, &mismatched)?;
            reference_point(&pol, &reff)
        } else {
            0.0
        };
        let mut loss = kto_losses(&policy_lp, &refs, &up, z0, &weights)?.mean_all()?;
        tokens += b.n_tokens;
        if cfg.dpo_weight > 0.0 && !dpo_pairs.is_empty() {
            let chosen: Vec<(usize, usize)> = (0..(batch_size / 2).max(1))
                .map(|_| dpo_pairs[rng.random_range(0..dpo_pairs.len())])
                .collect();
            let ups: Vec<&LabelExample> = chosen.iter().map(|&(u, _)| &labels[u]).collect();
            let downs: Vec<&LabelExample> = chosen.iter().map(|&(_, d)| &labels[d]).collect();
            let bu = make_batch(&pairs_of(&ups), pad)?;
            let bd = make_batch(&pairs_of(&downs), pad)?;
            let pu = policy.sequence_logprobs(&bu.tokens, &bu.targets, &bu.mask)?;
            let pd = policy.sequence_logprobs(&bd.tokens, &bd.targets, &bd.mask)?;
            let ru: Vec<f32> = chosen.iter().map(|&(u, _)| ref_lp[u]).collect();
            let rd: Vec<f32> = chosen.iter().map(|&(_, d)| ref_lp[d]).collect();
            let dpo = dpo_losses(&pu, &ru, &pd, &rd, cfg.beta)?.mean_all()?;
            loss = (loss + (dpo * cfg.dpo_weight)?)?;
            tokens += bu.n_tokens + bd.n_tokens;
        }
        if cfg.pretrain_mix > 0.0 && !pretrain.is_empty() {
            let mix: Vec<(&[u32], &[u32])> = (0..batch_size)
                .map(|_| {
                    let e = &pretrain[rng.random_range(0..pretrain.len())];
                    (e.prompt.as_slice(), e.target.as_slice())
                })
                .collect();
            let bm = make_batch(&mix, pad)?;
            let lm = policy.loss(&bm.tokens, &bm.targets, &bm.mask)?;
            loss = (loss + (lm * cfg.pretrain_mix)?)?;
            tokens += bm.n_tokens;
        }
        let loss_value = loss.to_scalar::<f32>()? as f64;
        let grads = loss.backward()?;
        let norm = opt.grad_norm(&grads)?;
        if !loss_value.is_finite() || !norm.is_finite() {
            tracing::error!(
                step = p.step,
                loss_value,
                norm,
                "fine-tuning stopped: non-finite loss"
            );
            return Err(TrainError::NonFinite { step: p.step + 1 });
        }
        opt.step(&grads, if norm > 1.0 { 1.0 / norm } else { 1.0 })?;
        p.step += 1;
        losses.push(loss_value);
        let elapsed = started.elapsed().as_secs_f64();
        p.loss = loss_value;
        p.tokens_per_s = tokens as f64 / elapsed.max(1e-9);
        p.eta_s = elapsed / p.step as f64 * (total - p.step) as f64;
        progress(&p);
    }
    Ok(Finetuned {
        varmap,
        model: policy,
        steps: p.step,
        loss: losses.iter().sum::<f64>() / losses.len().max(1) as f64,
        seconds: started.elapsed().as_secs_f64(),
        stop,
        labels_used: labels.iter().map(|l| l.label_id).collect(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::Config;
    use crate::model::{ModelConfig, init_varmap};
    use crate::train::gate::gate;
    use candle_core::{DType, Device, Tensor};
    use candle_nn::VarBuilder;

    /// A tiny model (and an independent copy as the reference) and labels
    /// that prefer short candidates, from synthetic token sequences.
    fn setup() -> (
        VarMap,
        LanguageModel,
        LanguageModel,
        Vec<LabelExample>,
        Vec<Example>,
    ) {
        let cfg = ModelConfig {
            vocab_size: 12,
            embed_dim: 6,
            hidden_dim: 8,
            layers: 1,
            pad_id: 0,
            context_token: None,
        };
        let varmap = init_varmap(&cfg, 3).unwrap();
        let policy = LanguageModel::new(
            &cfg,
            VarBuilder::from_varmap(&varmap, DType::F32, &Device::Cpu),
        )
        .unwrap();
        let copy: HashMap<String, Tensor> = varmap
            .data()
            .lock()
            .unwrap()
            .iter()
            .map(|(k, v)| (k.clone(), v.as_tensor().copy().unwrap()))
            .collect();
        let reference = LanguageModel::new(
            &cfg,
            VarBuilder::from_tensors(copy, DType::F32, &Device::Cpu),
        )
        .unwrap();
        // Up: targets made of token 3; down: of token 4. Same prompts.
        let labels: Vec<LabelExample> = (0..24)
            .map(|i| LabelExample {
                label_id: i,
                user_id: format!("u{}", i % 6),
                product_id: format!("p{}", i % 4),
                prompt: vec![5, 6, 7 + (i % 3) as u32],
                target: if i % 2 == 0 {
                    vec![3, 3, 3, 1]
                } else {
                    vec![4, 4, 4, 1]
                },
                up: i % 2 == 0,
            })
            .collect();
        let pretrain: Vec<Example> = (0..8)
            .map(|i| Example {
                user_id: format!("w{i}"),
                product_id: "p".into(),
                ts: 0,
                prompt: vec![5, 6],
                target: vec![2, 9, 10, 1],
                text: String::new(),
                target_chars: 4,
                other_prompt: None,
            })
            .collect();
        (varmap, policy, reference, labels, pretrain)
    }

    fn section() -> FinetuneSection {
        let mut cfg = Config::default().finetune;
        cfg.batch_size = 8;
        cfg.epochs = 30;
        cfg.learning_rate = 0.02;
        cfg
    }

    #[test]
    fn learning_from_labels_widens_the_margin_and_passes_the_gate() {
        let (varmap, policy, reference, labels, pretrain) = setup();
        let mut steps = Vec::new();
        let tuned = finetune(
            varmap,
            policy,
            &reference,
            &labels,
            &pretrain,
            &section(),
            None,
            &mut |p| steps.push(p.step),
            &AtomicBool::new(false),
        )
        .unwrap();
        assert_eq!(tuned.stop, StopReason::Finished);
        assert_eq!(tuned.steps, 90, "24 labels / 8 per step × 30 epochs");
        assert_eq!(steps.len(), 90);
        assert_eq!(tuned.labels_used.len(), 24);
        let report = gate(&reference, &tuned.model, &pretrain, &labels, 0.05).unwrap();
        let (before, after) = (report.parent_margin.unwrap(), report.margin.unwrap());
        assert!(after > before + 0.5, "margin {before} → {after}");
        // The mixed-in likelihood kept the pre-training text at least as likely.
        assert!(report.ppl <= report.parent_ppl * 1.05, "{report:?}");
        assert!(report.promote, "{}", report.reason);
        assert!(report.reason.starts_with("promoted"), "{}", report.reason);
    }

    #[test]
    fn the_gate_refuses_a_worse_model_and_says_why() {
        let (varmap, policy, reference, labels, pretrain) = setup();
        // Labels reversed: the new model learns the opposite preference.
        let flipped: Vec<LabelExample> = labels
            .iter()
            .cloned()
            .map(|mut l| {
                l.up = !l.up;
                l
            })
            .collect();
        let tuned = finetune(
            varmap,
            policy,
            &reference,
            &flipped,
            &pretrain,
            &section(),
            Some(40),
            &mut |_| {},
            &AtomicBool::new(false),
        )
        .unwrap();
        let report = gate(&reference, &tuned.model, &pretrain, &labels, 0.05).unwrap();
        assert!(!report.promote);
        assert!(
            report.reason.contains("did not improve"),
            "{}",
            report.reason
        );
        // With no held-out down labels there is nothing to measure against.
        let ups: Vec<LabelExample> = labels.iter().filter(|l| l.up).cloned().collect();
        let report = gate(&reference, &tuned.model, &pretrain, &ups, 0.05).unwrap();
        assert!(!report.promote);
        assert!(
            report.reason.contains("12 up and 0 down"),
            "{}",
            report.reason
        );
        // A perplexity rise beyond the tolerance is refused whatever the margin.
        let report = gate(&reference, &tuned.model, &pretrain, &flipped, -1.0).unwrap();
        assert!(
            report.reason.contains("perplexity rose"),
            "{}",
            report.reason
        );
    }

    #[test]
    fn cancel_stops_before_a_step_and_a_nan_stops_the_run() {
        let (varmap, policy, reference, labels, pretrain) = setup();
        let tuned = finetune(
            varmap,
            policy,
            &reference,
            &labels,
            &pretrain,
            &section(),
            None,
            &mut |_| {},
            &AtomicBool::new(true),
        )
        .unwrap();
        assert_eq!((tuned.stop, tuned.steps), (StopReason::Cancelled, 0));

        let (varmap, policy, reference, labels, pretrain) = setup();
        // A NaN weight makes every loss NaN.
        {
            let data = varmap.data().lock().unwrap();
            let (_, v) = data.iter().find(|(k, _)| k.contains("out")).unwrap();
            let shape = v.as_tensor().shape().clone();
            v.set(&Tensor::full(f32::NAN, shape, &Device::Cpu).unwrap())
                .unwrap();
        }
        let err = finetune(
            varmap,
            policy,
            &reference,
            &labels,
            &pretrain,
            &section(),
            None,
            &mut |_| {},
            &AtomicBool::new(false),
        )
        .err()
        .unwrap();
        assert!(matches!(err, TrainError::NonFinite { step: 1 }), "{err}");
    }
}
