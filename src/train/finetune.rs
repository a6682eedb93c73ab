//! Learning from labels: KTO on single up/down labels, DPO where one prompt
//! has both, ordinary likelihood on the batch's up-labelled copy, and on
//! pre-training text mixed into every step so the model does not forget. Then the promotion gate, which decides
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
    /// Up labels on copy the faithfulness checks refuse: copy the product
    /// never shows, so an up label on it is no evidence of what analysts
    /// want. Neither learned from nor judged with.
    pub set_aside: usize,
    /// The texts of the other up labels: the copy analysts approved.
    pub approved: Vec<String>,
    /// The held-out plan's counts: what the gate has, and lacks, to judge.
    pub gate: crate::domain::GateProgress,
}

/// Where a shopper falls in the stable order that decides who is held out
/// first.
fn holdout_rank(user_id: &str, seed: u64) -> u64 {
    super::data::stable_hash(user_id, seed)
}

/// Which shoppers' labels judge the next fine-tune, from the labels alone.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct HoldoutPlan {
    /// The held-out shoppers.
    pub shoppers: std::collections::HashSet<String>,
    /// Their up labels.
    pub held_up: usize,
    /// Their down labels.
    pub held_down: usize,
    /// New up labels of the other shoppers: what fine-tuning learns from.
    pub train_up: usize,
    /// New down labels of the other shoppers.
    pub train_down: usize,
    /// Held-out up and down labels short of `held_out_min`.
    pub short: (usize, usize),
}

impl HoldoutPlan {
    /// The plan as the console shows it.
    pub fn progress(&self, min: usize) -> crate::domain::GateProgress {
        crate::domain::GateProgress {
            held_out_shoppers: self.shoppers.len(),
            held_up: self.held_up,
            held_down: self.held_down,
            new_up: self.train_up,
            new_down: self.train_down,
            short_up: self.short.0,
            short_down: self.short.1,
            min,
        }
    }
}

/// Chooses the held-out shoppers from `labels` (shopper, up, used): a
/// shopper is held out when their stable hash falls in `holdout_fraction`;
/// their labels judge the new version whether used or not. Held-out labels
/// are stratified by label: while the held-out shoppers have fewer than
/// `held_out_min` up (or down) labels, shoppers none of whose labels a
/// version has learned from are drafted, in hash order, as long as
/// training keeps at least as many of each kind as the gate holds.
/// Drafting only shoppers never learned from keeps a version from being
/// judged on labels it trained on.
pub fn plan_holdout<'a>(
    labels: impl IntoIterator<Item = (&'a str, bool, bool)>,
    cfg: &FinetuneSection,
) -> HoldoutPlan {
    // Per shopper: (up, down, unused up, unused down, any used).
    let mut by_shopper: HashMap<&str, (usize, usize, usize, usize, bool)> = HashMap::new();
    for (user, up, used) in labels {
        let e = by_shopper.entry(user).or_default();
        match (up, used) {
            (true, false) => (e.0, e.2) = (e.0 + 1, e.2 + 1),
            (true, true) => e.0 += 1,
            (false, false) => (e.1, e.3) = (e.1 + 1, e.3 + 1),
            (false, true) => e.1 += 1,
        }
        e.4 |= used;
    }
    let mut plan = HoldoutPlan::default();
    for (&user, &(up, down, new_up, new_down, _)) in &by_shopper {
        if super::data::is_held_out(user, cfg.seed, cfg.holdout_fraction) {
            plan.shoppers.insert(user.to_string());
            plan.held_up += up;
            plan.held_down += down;
        } else {
            plan.train_up += new_up;
            plan.train_down += new_down;
        }
    }
    let mut fresh: Vec<&str> = by_shopper
        .iter()
        .filter(|(u, e)| !e.4 && !plan.shoppers.contains(**u))
        .map(|(u, _)| *u)
        .collect();
    fresh.sort_by_key(|u| (holdout_rank(u, cfg.seed), *u));
    let min = cfg.held_out_min;
    for user in fresh {
        let short_up = plan.held_up < min;
        let short_down = plan.held_down < min;
        if !short_up && !short_down {
            break;
        }
        let (u, d, ..) = by_shopper[user];
        let helps = (short_up && u > 0) || (short_down && d > 0);
        // Training keeps at least as many of each kind as the gate holds.
        let keeps = |held: usize, train: usize, n: usize| n == 0 || held + 2 * n <= train;
        if helps
            && keeps(plan.held_up, plan.train_up, u)
            && keeps(plan.held_down, plan.train_down, d)
        {
            plan.shoppers.insert(user.to_string());
            (plan.held_up, plan.held_down) = (plan.held_up + u, plan.held_down + d);
            (plan.train_up, plan.train_down) = (plan.train_up - u, plan.train_down - d);
        }
    }
    plan.short = (
        min.saturating_sub(plan.held_up),
        min.saturating_sub(plan.held_down),
    );
    plan
}

/// Tokenises `labels` against `parent` and splits them by shopper as
/// [`plan_holdout`] chooses, after setting aside every up label on copy
/// `faithful` refuses. Prompts are rebuilt from each shopper's history
/// before the candidate was generated, exactly as generation built them.
/// Of the shoppers not held out, only labels not yet used by a version
/// that has been active are kept.
pub fn split_labels(
    parent: &LoadedModel,
    labels: &[FeedbackLabel],
    histories: &HashMap<String, Vec<HistoryItem>>,
    products: &HashMap<String, Product>,
    cfg: &FinetuneSection,
    faithful: &dyn Fn(&FeedbackLabel, &Product, &[HistoryItem]) -> bool,
) -> LabelSplit {
    let mut split = LabelSplit::default();
    let mut kept: Vec<(&FeedbackLabel, &Product)> = Vec::new();
    for l in labels {
        let Some(product) = products.get(&l.product_id) else {
            continue;
        };
        let history = histories.get(&l.user_id).map_or(&[][..], Vec::as_slice);
        if l.up && !faithful(l, product, history) {
            split.set_aside += 1;
            continue;
        }
        if l.up {
            split.approved.push(l.text.clone());
        }
        kept.push((l, product));
    }
    let plan = plan_holdout(
        kept.iter().map(|(l, _)| (l.user_id.as_str(), l.up, l.used)),
        cfg,
    );
    split.gate = plan.progress(cfg.held_out_min);
    for (l, product) in kept {
        let held = plan.shoppers.contains(&l.user_id);
        if !held && l.used {
            continue;
        }
        let history = histories.get(&l.user_id).map_or(&[][..], Vec::as_slice);
        let at = l.generated_at.saturating_add(1);
        let example = LabelExample {
            label_id: l.label_id,
            user_id: l.user_id.clone(),
            product_id: l.product_id.clone(),
            prompt: parent.prompt_ids(history, at, product),
            target: parent.target_ids(&l.text, product, history, at),
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
    let ups = labels.iter().filter(|l| l.up).count();
    let weights = KtoWeights::balanced(cfg.beta, cfg.desirable_ratio, ups, labels.len() - ups);
    tracing::info!(
        up = ups,
        down = labels.len() - ups,
        lambda_desirable = weights.lambda_desirable,
        lambda_undesirable = weights.lambda_undesirable,
        "KTO weights from this run's labels"
    );
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
        // Likelihood on the batch's own up labels: each is learned as often
        // as the epochs say (resampling a few dozen ups every step made the
        // copy collapse onto them).
        let batch_ups: Vec<&LabelExample> = batch.iter().copied().filter(|e| e.up).collect();
        if cfg.sft_weight > 0.0 && !batch_ups.is_empty() {
            let chosen = batch_ups;
            let bs = make_batch(&pairs_of(&chosen), pad)?;
            let sft = policy.loss(&bs.tokens, &bs.targets, &bs.mask)?;
            loss = (loss + (sft * cfg.sft_weight)?)?;
            tokens += bs.n_tokens;
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
    use crate::train::gate::{
        agreement_test, drift, label_logprobs, label_scores, preference_scores, preference_test,
    };
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

    /// The analyst of issue 21: 400 labels on 100 shoppers, 4 each, 13 up.
    fn imbalanced(ups: usize) -> Vec<(String, bool, bool)> {
        (0..400)
            .map(|i| (format!("u{:07}", i / 4), i % 31 == 0 && i / 31 < ups, false))
            .collect()
    }

    #[test]
    fn the_gate_can_judge_13_up_labels_among_400_and_training_keeps_most() {
        let cfg = Config::default().finetune;
        let labels = imbalanced(13);
        assert_eq!(labels.iter().filter(|l| l.1).count(), 13);
        let plan = plan_holdout(
            labels.iter().map(|(u, up, used)| (u.as_str(), *up, *used)),
            &cfg,
        );
        assert_eq!(plan.short, (0, 0), "{plan:?}");
        assert!(
            plan.held_up >= 4 && plan.train_up >= plan.held_up,
            "{plan:?}"
        );
        assert!(
            plan.held_down >= 4 && plan.train_down > plan.held_down,
            "{plan:?}"
        );
        assert!(plan.progress(4).can_judge());
        // The same labels, the same plan: held-out shoppers never move
        // while nothing changes.
        let again = plan_holdout(
            labels.iter().map(|(u, up, used)| (u.as_str(), *up, *used)),
            &cfg,
        );
        assert_eq!(plan, again);
        // Too few up labels to hold any out and still learn: the plan says
        // how many it lacks, and the words say what to label.
        let few = imbalanced(3);
        let plan = plan_holdout(
            few.iter().map(|(u, up, used)| (u.as_str(), *up, *used)),
            &cfg,
        );
        assert!(plan.short.0 > 0 && plan.short.1 == 0, "{plan:?}");
        let needs = plan.progress(4).needs().unwrap();
        assert!(
            needs.contains(&format!("label about {} more up-labels", 2 * plan.short.0)),
            "{needs}"
        );
        // Shoppers a version learned from are never drafted.
        let used: Vec<(String, bool, bool)> = labels
            .iter()
            .map(|(u, up, _)| (u.clone(), *up, true))
            .collect();
        let plan = plan_holdout(
            used.iter().map(|(u, up, used)| (u.as_str(), *up, *used)),
            &cfg,
        );
        assert!(
            plan.shoppers
                .iter()
                .all(|u| crate::train::data::is_held_out(u, cfg.seed, cfg.holdout_fraction)),
            "{plan:?}"
        );
    }

    #[test]
    fn learning_from_labels_makes_the_model_agree_with_them() {
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
        // Every pair is ordered as the labels say, with confidence (the
        // labels' four shoppers... six shoppers, resampled).
        let a = agreement_of(&reference, &tuned.model, &labels);
        assert!(a.child > a.parent && a.child > 0.99, "{a:?}");
        assert!(a.low > 0.0, "{a:?}");
        // And it moved toward them: the gate's preference test.
        let p = preference_of(&reference, &tuned.model, &labels);
        assert!(p.child > 0.99 && p.low > 0.0, "{p:?}");
        // The mixed-in likelihood kept the pre-training text close to the
        // reference's.
        let kl = drift(&reference, &tuned.model, &pretrain).unwrap();
        assert!(kl.is_finite() && kl >= 0.0, "{kl}");
    }

    /// Each label's verdict and shopper index (from ids like `u3`).
    fn verdicts(labels: &[LabelExample]) -> (Vec<bool>, Vec<usize>) {
        labels
            .iter()
            .map(|l| (l.up, l.user_id[1..].parse::<usize>().unwrap()))
            .unzip()
    }

    fn preference_of(
        reference: &LanguageModel,
        tuned: &LanguageModel,
        labels: &[LabelExample],
    ) -> crate::train::gate::Agreement {
        let (up, shopper) = verdicts(labels);
        let reward = preference_scores(
            &label_logprobs(reference, labels).unwrap(),
            &label_logprobs(tuned, labels).unwrap(),
        );
        preference_test(&reward, &up, &shopper, 500, 0.95, 1).unwrap()
    }

    fn agreement_of(
        reference: &LanguageModel,
        tuned: &LanguageModel,
        labels: &[LabelExample],
    ) -> crate::train::gate::Agreement {
        let (up, shopper) = verdicts(labels);
        agreement_test(
            &label_scores(reference, labels).unwrap(),
            &label_scores(tuned, labels).unwrap(),
            &up,
            &shopper,
            500,
            0.95,
            1,
        )
        .unwrap()
    }

    #[test]
    fn a_model_that_learned_the_opposite_is_never_judged_better() {
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
        // Scored against the true labels, the reversed learner never
        // agrees more than the reference did.
        let a = agreement_of(&reference, &tuned.model, &labels);
        assert!(a.child <= a.parent && a.low <= 0.0, "{a:?}");
        assert!(a.child < 0.01, "{a:?}");
        let p = preference_of(&reference, &tuned.model, &labels);
        assert!(p.child < 0.01 && p.low < 0.0, "{p:?}");
        // Its drift on text the labels say nothing about is measured.
        let kl = drift(&reference, &tuned.model, &pretrain).unwrap();
        assert!(kl > 0.0, "{kl}");
        assert!(drift(&reference, &reference, &pretrain).unwrap().abs() < 1e-6);
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
