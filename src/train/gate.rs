//! The promotion gate: whether a fine-tuned version may replace its parent.
//!
//! It judges what the analysts asked for: how often each version agrees
//! with labels of shoppers it never learned from, with a bootstrap over
//! those shoppers for confidence. Guards on what users would notice keep
//! a version that learned the labels at the copy's expense out: the share
//! of draws the faithfulness checks refuse, the variety of the copy, and
//! how far the new version drifted from its parent. The verdict is in
//! words a merchandiser reads; the figures stay beside it.

use super::data::{Example, make_batch, score_targets};
use super::eval::{CopySample, Probe, sample_copy};
use super::finetune::{LabelExample, pairs_of};
use super::metrics;
use super::versions::LoadedModel;
use crate::config::FinetuneSection;
use crate::model::LanguageModel;
use crate::model::sample::SamplingParams;
use crate::text::Lexicon;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use serde::Serialize;

/// What a version's copy for the gate's held-out shoppers looked like.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct CopyFigures {
    /// Candidates written.
    pub candidates: usize,
    /// Draws made to write them.
    pub drawn: usize,
    /// Share of draws the faithfulness checks refused.
    pub refused: f64,
    /// Share of the candidates shown that fail a check (0 while the guard
    /// holds).
    pub faithfulness_errors: f64,
    /// Distinct word pairs over all words.
    pub distinct_2: f64,
}

impl CopyFigures {
    /// The figures of a sample.
    pub fn of(sample: &CopySample) -> Self {
        CopyFigures {
            candidates: sample.texts.len(),
            drawn: sample.draws.len(),
            refused: sample.refused_share(),
            faithfulness_errors: metrics::Faithfulness::of(&sample.shown).faithfulness_errors,
            distinct_2: metrics::distinct_n(&sample.texts, 2),
        }
    }
}

/// Up-labelled texts needed before the gate measures their variety.
pub const MIN_APPROVED: usize = 8;

/// How varied two versions' copy is, each at the same number of texts, and
/// beside it the copy analysts approved (their up labels).
///
/// Why the approved copy: on every shop of the family, the base version's
/// own candidates that meet an analyst's rule ("names the feature, under 30
/// words") have 17–47% fewer distinct word pairs than its candidates
/// overall. A version that learned such a rule and writes exactly as its
/// parent did when it followed it would fail a plain 10% guard. What the
/// guard is for is copy that collapses onto a few lines *beyond* what the
/// analysts asked for, so the floor is the lower of the two.
#[derive(Debug, Clone, Default, PartialEq, Serialize, serde::Deserialize)]
pub struct Variety {
    /// Texts in each version's copy compared.
    pub texts: usize,
    /// Distinct word pairs over all word pairs in the new version's copy.
    pub copy: f64,
    /// The same for the parent's.
    pub parent: f64,
    /// Up-labelled texts compared with as many of the parent's.
    pub approved_texts: usize,
    /// Their variety over that of as many of the parent's texts, at most 1;
    /// `None` with fewer than [`MIN_APPROVED`]. A ratio, because the share
    /// of distinct pairs falls as a sample grows: the few approved texts
    /// cannot be compared with the parent's many directly, and a ratio at
    /// a small size is closer to 1, so the allowance errs strict.
    pub approved_ratio: Option<f64>,
}

impl Variety {
    /// Measures both versions' copy at the same size, and the approved
    /// copy against as many of the parent's texts.
    pub fn measure(copy: &[String], parent: &[String], approved: &[String]) -> Self {
        let texts = copy.len().min(parent.len());
        let approved_texts = if approved.len() >= MIN_APPROVED {
            approved.len().min(texts)
        } else {
            0
        };
        let approved_ratio = (approved_texts > 0).then(|| {
            let theirs = metrics::distinct_n_at(parent, 2, approved_texts);
            let a = metrics::distinct_n_at(approved, 2, approved_texts);
            if theirs > 0.0 {
                (a / theirs).min(1.0)
            } else {
                1.0
            }
        });
        Variety {
            texts,
            copy: metrics::distinct_n_at(copy, 2, texts),
            parent: metrics::distinct_n_at(parent, 2, texts),
            approved_texts,
            approved_ratio,
        }
    }

    /// The variety the new version's copy is held to: the parent's, scaled
    /// down by as much as the approved copy is plainer than the parent's.
    pub fn floor(&self) -> f64 {
        self.parent * self.approved_ratio.unwrap_or(1.0)
    }
}

/// One thing the gate checked.
#[derive(Debug, Clone, PartialEq, Serialize, serde::Deserialize)]
pub struct GateCheck {
    /// What was checked: `agreement`, `faithfulness`, `variety` or `drift`.
    pub check: String,
    /// Whether it passed.
    pub passed: bool,
    /// What was measured, in words.
    pub detail: String,
}

impl GateCheck {
    /// `v`'s copy is as faithful as `p`'s: nothing shown fails a check, and
    /// the share of draws refused rises by at most `max_rise` beyond what
    /// chance explains (one-sided 95%, from the two shares' binomial
    /// errors). A few hundred draws per version put a few points of noise
    /// on each share: without the allowance, one run in three of a
    /// harmless fine-tune was refused for a rise of 3 points.
    pub fn faithfulness(
        v: &str,
        p: &str,
        copy: &CopyFigures,
        theirs: &CopyFigures,
        max_rise: f64,
    ) -> Self {
        let var = |f: &CopyFigures| f.refused * (1.0 - f.refused) / f.drawn.max(1) as f64;
        let noise = 1.645 * (var(copy) + var(theirs)).sqrt();
        let rise = copy.refused - theirs.refused;
        GateCheck {
            check: "faithfulness".into(),
            passed: rise <= max_rise + noise && copy.faithfulness_errors == 0.0,
            detail: format!(
                "the checks refuse {} of {v}'s {} draws ({p}: {} of {}; at most {:.0} points more allowed, {:.1} with chance), and {} of the copy shown fails them",
                pct(copy.refused),
                copy.drawn,
                pct(theirs.refused),
                theirs.drawn,
                max_rise * 100.0,
                (max_rise + noise) * 100.0,
                pct(copy.faithfulness_errors)
            ),
        }
    }

    /// The copy is as varied as `p`'s, or as the approved copy where that
    /// is less varied: distinct word pairs drop by at most `max_drop` from
    /// [`Variety::floor`].
    pub fn variety(p: &str, v: &Variety, max_drop: f64) -> Self {
        let allowed = 1.0 - v.floor() * (1.0 - max_drop) / v.parent.max(f64::MIN_POSITIVE);
        let because = match v.approved_ratio {
            Some(r) if r < 1.0 => format!(
                "the {} candidates analysts approved are {} plainer than {p}'s, so at most {} less allowed",
                v.approved_texts,
                pct(1.0 - r),
                pct(allowed)
            ),
            _ => format!("at most {} less allowed", pct(max_drop)),
        };
        GateCheck {
            check: "variety".into(),
            passed: v.copy >= v.floor() * (1.0 - max_drop),
            detail: format!(
                "distinct word pairs {:.2} ({p}: {:.2}; {because})",
                v.copy, v.parent
            ),
        }
    }
}

/// What the promotion gate measured and decided.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct GateReport {
    /// The version judged.
    pub version: String,
    /// The version it would replace.
    pub parent_version: String,
    /// Held-out up labels.
    pub held_out_up: usize,
    /// Held-out down labels.
    pub held_out_down: usize,
    /// Shoppers whose labels are held out.
    pub held_out_shoppers: usize,
    /// Up labels on copy the checks refuse, neither learned from nor judged with.
    pub set_aside: usize,
    /// Share of held-out (up, down) label pairs in which the new version
    /// raised the up candidate's likelihood more than the down one's,
    /// relative to its parent: 0.5 for a version that changed nothing.
    pub agreement: Option<f64>,
    /// The bootstrap's lower bound on `agreement − 0.5`.
    pub gain_low: Option<f64>,
    /// For the record: the share of held-out pairs the new version ranks
    /// as the analysts did by mean per-token log-probability.
    pub likelihood_agreement: Option<f64>,
    /// The same for the parent.
    pub parent_likelihood_agreement: Option<f64>,
    /// The one-sided confidence of that bound.
    pub confidence: f64,
    /// The new version's copy for the gate's shoppers.
    pub copy: CopyFigures,
    /// The parent's, with the same prompts and seeds.
    pub parent_copy: CopyFigures,
    /// Both, and the approved copy, at the same size.
    pub variety: Variety,
    /// Mean per-token KL(new ‖ parent) on held-out pre-training text, nats.
    pub drift: f64,
    /// The largest drift allowed.
    pub drift_budget: f64,
    /// Held-out perplexity of the parent on pre-training text (for the record).
    pub parent_ppl: f64,
    /// The same for the new version.
    pub ppl: f64,
    /// Each check, in order.
    pub checks: Vec<GateCheck>,
    /// Whether the new version may replace its parent.
    pub promote: bool,
    /// The verdict, in plain words.
    pub reason: String,
}

/// Everything the gate reads.
pub struct GateInput<'a> {
    /// The active version.
    pub parent: &'a LoadedModel,
    /// The fine-tuned one (same tokenizer and prompts).
    pub child: &'a LoadedModel,
    /// Held-out pre-training examples, for the drift.
    pub pretrain_val: &'a [Example],
    /// Held-out labels.
    pub held: &'a [LabelExample],
    /// The texts analysts up-labelled (those the checks pass).
    pub approved: &'a [String],
    /// Shoppers not learned from.
    pub held_out_shoppers: usize,
    /// Up labels set aside.
    pub set_aside: usize,
    /// What the gate still needs before it can judge, if anything.
    pub needs: Option<String>,
    /// Prompts to write copy for with both versions.
    pub probes: &'a [Probe],
    /// The store's faithfulness checks.
    pub lexicon: &'a Lexicon,
    /// Sampling, as `tailor generate` does it.
    pub sampling: &'a SamplingParams,
    /// Candidates per probe.
    pub candidates: usize,
}

/// Each held-out candidate's log-probability under `model`: the sum over
/// its tokens, and its token count.
pub fn label_logprobs(
    model: &LanguageModel,
    held: &[LabelExample],
) -> candle_core::Result<Vec<(f64, usize)>> {
    let refs: Vec<&LabelExample> = held.iter().collect();
    Ok(score_targets(model, &pairs_of(&refs), 64)?
        .into_iter()
        .map(|row| (row.iter().map(|&x| f64::from(x)).sum::<f64>(), row.len()))
        .collect())
}

/// Mean per-token log-probability of each held-out candidate under `model`.
pub fn label_scores(model: &LanguageModel, held: &[LabelExample]) -> candle_core::Result<Vec<f64>> {
    Ok(per_token(&label_logprobs(model, held)?))
}

fn per_token(sums: &[(f64, usize)]) -> Vec<f64> {
    sums.iter().map(|&(s, n)| s / n.max(1) as f64).collect()
}

/// How much more likely `child` makes each candidate than `parent` does:
/// log p_child(text) − log p_parent(text), summed over the text's tokens
/// (the implicit reward of preference learning).
pub fn preference_scores(parent: &[(f64, usize)], child: &[(f64, usize)]) -> Vec<f64> {
    parent.iter().zip(child).map(|(p, c)| c.0 - p.0).collect()
}

/// The preference test: the share of held-out (up, down) pairs in which
/// the new version raised the up candidate's likelihood more than the down
/// one's, against 50% for a version that changed nothing, bootstrapped over
/// shoppers as [`agreement_test`] does. `parent` is always 0.5.
pub fn preference_test(
    reward: &[f64],
    up: &[bool],
    shopper: &[usize],
    resamples: usize,
    confidence: f64,
    seed: u64,
) -> Option<Agreement> {
    agreement_test(
        &vec![0.0; reward.len()],
        reward,
        up,
        shopper,
        resamples,
        confidence,
        seed,
    )
}

/// Share of (up, down) pairs with the up one scored higher (ties count
/// half), each example weighted by `w`; `order` sorts `scores` ascending.
/// `None` without weight on both kinds.
fn weighted_auc(order: &[usize], scores: &[f64], up: &[bool], w: &[f64]) -> Option<f64> {
    let (mut wins, mut down_below, mut ups, mut downs) = (0.0, 0.0, 0.0, 0.0);
    let mut i = 0;
    while i < order.len() {
        let mut j = i;
        let (mut group_up, mut group_down) = (0.0, 0.0);
        while j < order.len() && scores[order[j]] == scores[order[i]] {
            let k = order[j];
            if up[k] {
                group_up += w[k];
            } else {
                group_down += w[k];
            }
            j += 1;
        }
        wins += group_up * (down_below + 0.5 * group_down);
        down_below += group_down;
        ups += group_up;
        downs += group_down;
        i = j;
    }
    (ups > 0.0 && downs > 0.0).then(|| wins / (ups * downs))
}

/// Agreement of two versions with held-out labels, and how sure the gain is.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Agreement {
    /// The parent's share of label pairs ordered as the analysts did.
    pub parent: f64,
    /// The new version's.
    pub child: f64,
    /// The `1 − confidence` quantile of the gain over bootstrap resamples
    /// of the held-out shoppers.
    pub low: f64,
}

/// Compares how often two versions agree with held-out labels (`up`, per
/// label) from their per-label scores, and bootstraps the gain by
/// resampling shoppers (`shopper`, an index per label) with replacement:
/// labels of one shopper are not independent, shoppers are. Deterministic
/// for a seed. `None` without both up and down labels.
///
/// A paired bootstrap of the difference in pairwise agreement (an AUC) is
/// the plainest test that needs no distributional assumption and reads as
/// the verdict does; a shopper-level resample keeps an analyst who labels
/// eight candidates of one shopper from counting as eight witnesses.
pub fn agreement_test(
    parent: &[f64],
    child: &[f64],
    up: &[bool],
    shopper: &[usize],
    resamples: usize,
    confidence: f64,
    seed: u64,
) -> Option<Agreement> {
    let n = up.len();
    let sorted = |s: &[f64]| {
        let mut order: Vec<usize> = (0..n).collect();
        order.sort_by(|&a, &b| s[a].total_cmp(&s[b]));
        order
    };
    let (order_p, order_c) = (sorted(parent), sorted(child));
    let ones = vec![1.0; n];
    let p = weighted_auc(&order_p, parent, up, &ones)?;
    let c = weighted_auc(&order_c, child, up, &ones)?;
    let shoppers = shopper.iter().max().map_or(0, |&m| m + 1);
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let mut gains = Vec::with_capacity(resamples);
    let mut times = vec![0.0; shoppers];
    let mut w = vec![0.0; n];
    for _ in 0..resamples {
        times.fill(0.0);
        for _ in 0..shoppers {
            times[rng.random_range(0..shoppers)] += 1.0;
        }
        for (wi, &s) in w.iter_mut().zip(shopper) {
            *wi = times[s];
        }
        if let (Some(bp), Some(bc)) = (
            weighted_auc(&order_p, parent, up, &w),
            weighted_auc(&order_c, child, up, &w),
        ) {
            gains.push(bc - bp);
        }
    }
    gains.sort_by(f64::total_cmp);
    let at = ((1.0 - confidence) * gains.len() as f64).floor() as usize;
    let low = gains.get(at.min(gains.len().saturating_sub(1))).copied()?;
    Some(Agreement {
        parent: p,
        child: c,
        low,
    })
}

/// Mean per-token KL(child ‖ parent) over the target positions of up to
/// 128 `examples`: how differently the new version writes where the
/// labels say nothing.
pub fn drift(
    parent: &LanguageModel,
    child: &LanguageModel,
    examples: &[Example],
) -> candle_core::Result<f64> {
    let (mut sum, mut positions) = (0.0, 0usize);
    let pad = parent.config().pad_id;
    for chunk in examples[..examples.len().min(128)].chunks(32) {
        let pairs: Vec<(&[u32], &[u32])> = chunk
            .iter()
            .map(|e| (e.prompt.as_slice(), e.target.as_slice()))
            .collect();
        let b = make_batch(&pairs, pad)?;
        if b.n_target_tokens == 0 {
            continue;
        }
        let p = parent.masked_log_softmax(&b.tokens, &b.targets, &b.mask)?;
        let c = child.masked_log_softmax(&b.tokens, &b.targets, &b.mask)?;
        let kl = (c.exp()? * (&c - &p)?)?.sum_all()?.to_scalar::<f32>()?;
        sum += f64::from(kl);
        positions += c.dim(0)?;
    }
    Ok(if positions == 0 {
        0.0
    } else {
        sum / positions as f64
    })
}

fn pct(x: f64) -> String {
    format!("{:.0}%", x * 100.0)
}

/// The checks and the verdict from the measurements.
fn decide(
    report: &mut GateReport,
    agreement: Option<Agreement>,
    needs: Option<String>,
    cfg: &FinetuneSection,
) {
    let (v, p) = (report.version.clone(), report.parent_version.clone());
    let labels = report.held_out_up + report.held_out_down;
    let mut checks = Vec::new();
    let agreed = match (agreement, &needs) {
        (Some(a), None) => {
            let passed = a.low > 0.0;
            let per_token = match (
                report.likelihood_agreement,
                report.parent_likelihood_agreement,
            ) {
                (Some(c), Some(pp)) => format!(
                    "; ranked by likelihood per token, {v} orders {} of them as the analysts did ({p}: {})",
                    pct(c),
                    pct(pp)
                ),
                _ => String::new(),
            };
            checks.push(GateCheck {
                check: "agreement".into(),
                passed,
                detail: format!(
                    "{v} moved toward the analysts in {} of the up/down pairs from {labels} held-out labels (50% is no change); with {} confidence at least {}{per_token}",
                    pct(a.child),
                    pct(cfg.gate_confidence),
                    pct(0.5 + a.low),
                ),
            });
            Some((a, passed))
        }
        _ => None,
    };
    checks.push(GateCheck::faithfulness(
        &v,
        &p,
        &report.copy,
        &report.parent_copy,
        cfg.max_refused_rise,
    ));
    checks.push(GateCheck::variety(
        &p,
        &report.variety,
        cfg.max_distinct_drop,
    ));
    checks.push(GateCheck {
        check: "drift".into(),
        passed: report.drift.is_finite() && report.drift <= cfg.drift_budget,
        detail: format!(
            "{v} writes {:.3} nats a token unlike {p} on held-out text ({:.3} allowed)",
            report.drift, cfg.drift_budget
        ),
    });
    let failed: Vec<&str> = checks
        .iter()
        .filter(|k| !k.passed && k.check != "agreement")
        .map(|k| match k.check.as_str() {
            "faithfulness" => "its copy fails the faithfulness checks more often",
            "variety" => "its copy is less varied",
            _ => "it writes too unlike its parent where the labels say nothing",
        })
        .collect();
    let (promote, reason) = match agreed {
        None => (
            false,
            format!(
                "kept as a candidate: {}",
                needs.unwrap_or_else(|| "the held-out labels are not both up and down".into())
            ),
        ),
        Some((a, true)) if failed.is_empty() => (
            true,
            format!(
                "{v} favours what analysts approved over what they rejected, more than {p} did, in {} of pairs from {labels} held-out labels (50% is no change); its copy stays as faithful and as varied; promoted",
                pct(a.child),
            ),
        ),
        Some((a, true)) => (
            false,
            format!(
                "kept as a candidate: {v} favours what analysts approved more than {p} did, in {} of pairs from {labels} held-out labels, but {}",
                pct(a.child),
                failed.join(", and ")
            ),
        ),
        Some((a, false)) => (
            false,
            format!(
                "kept as a candidate: {v} favours what analysts approved more than {p} did in only {} of pairs from {labels} held-out labels (50% is no change), not clearly better (it could be {}){}",
                pct(a.child),
                pct(0.5 + a.low),
                if failed.is_empty() {
                    String::new()
                } else {
                    format!("; also {}", failed.join(", and "))
                }
            ),
        ),
    };
    report.checks = checks;
    report.promote = promote;
    report.reason = reason;
}

/// Decides whether `input.child` may replace `input.parent`: it must agree
/// with the held-out labels more often than the parent, with
/// `cfg.gate_confidence`, while its copy for held-out shoppers stays as
/// faithful and as varied and its drift stays within the budget.
pub fn gate(input: &GateInput<'_>, cfg: &FinetuneSection) -> candle_core::Result<GateReport> {
    let started = std::time::Instant::now();
    let (parent, child) = (&input.parent.model, &input.child.model);
    let val = &input.pretrain_val[..input.pretrain_val.len().min(512)];
    let parent_ppl = super::pretrain::mean_loss(parent, val, 64)?.exp();
    let ppl = super::pretrain::mean_loss(child, val, 64)?.exp();
    let held = input.held;
    let up: Vec<bool> = held.iter().map(|e| e.up).collect();
    let mut shoppers: Vec<&str> = held.iter().map(|e| e.user_id.as_str()).collect();
    shoppers.sort_unstable();
    shoppers.dedup();
    let shopper: Vec<usize> = held
        .iter()
        .map(|e| shoppers.binary_search(&e.user_id.as_str()).unwrap_or(0))
        .collect();
    let (agreement, likelihood) = if input.needs.is_none() {
        let (p, c) = (label_logprobs(parent, held)?, label_logprobs(child, held)?);
        (
            preference_test(
                &preference_scores(&p, &c),
                &up,
                &shopper,
                cfg.gate_resamples,
                cfg.gate_confidence,
                cfg.seed,
            ),
            agreement_test(
                &per_token(&p),
                &per_token(&c),
                &up,
                &shopper,
                cfg.gate_resamples,
                cfg.gate_confidence,
                cfg.seed,
            ),
        )
    } else {
        (None, None)
    };
    let seed = cfg.seed ^ 0x9a7e;
    let sample = |loaded: &LoadedModel| {
        sample_copy(
            loaded,
            input.lexicon,
            input.probes,
            input.candidates,
            input.sampling,
            seed,
        )
    };
    let (copy, parent_copy) = (sample(input.child)?, sample(input.parent)?);
    let held_out_up = up.iter().filter(|&&u| u).count();
    let mut report = GateReport {
        version: input.child.version.clone(),
        parent_version: input.parent.version.clone(),
        held_out_up,
        held_out_down: held.len() - held_out_up,
        held_out_shoppers: input.held_out_shoppers,
        set_aside: input.set_aside,
        agreement: agreement.map(|a| a.child),
        gain_low: agreement.map(|a| a.low),
        likelihood_agreement: likelihood.map(|a| a.child),
        parent_likelihood_agreement: likelihood.map(|a| a.parent),
        confidence: cfg.gate_confidence,
        copy: CopyFigures::of(&copy),
        parent_copy: CopyFigures::of(&parent_copy),
        variety: Variety::measure(&copy.texts, &parent_copy.texts, input.approved),
        drift: drift(parent, child, input.pretrain_val)?,
        drift_budget: cfg.drift_budget,
        parent_ppl,
        ppl,
        checks: Vec::new(),
        promote: false,
        reason: String::new(),
    };
    decide(&mut report, agreement, input.needs.clone(), cfg);
    tracing::info!(
        seconds = started.elapsed().as_secs_f64(),
        promote = report.promote,
        "promotion gate measured"
    );
    Ok(report)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::Config;

    #[test]
    fn agreement_counts_pairs_in_the_analysts_order_and_ties_as_half() {
        let up = [true, false, true, false];
        let scores = [0.9, 0.1, 0.5, 0.5];
        let order = {
            let mut o: Vec<usize> = (0..4).collect();
            o.sort_by(|&a, &b| f64::total_cmp(&scores[a], &scores[b]));
            o
        };
        // Pairs (up, down): (0,1) win, (0,3) win, (2,1) win, (2,3) tie.
        let auc = weighted_auc(&order, &scores, &up, &[1.0; 4]).unwrap();
        assert!((auc - 3.5 / 4.0).abs() < 1e-12, "{auc}");
        assert_eq!(weighted_auc(&order, &scores, &[true; 4], &[1.0; 4]), None);
    }

    /// Held-out labels of `shoppers` shoppers, 4 each (2 up, 2 down); the
    /// parent orders them at random, the child as the analysts did on the
    /// share `learned` of shoppers.
    fn labels(shoppers: usize, learned: f64) -> (Vec<f64>, Vec<f64>, Vec<bool>, Vec<usize>) {
        let mut rng = ChaCha8Rng::seed_from_u64(4);
        let (mut parent, mut child, mut up, mut shopper) = (vec![], vec![], vec![], vec![]);
        for s in 0..shoppers {
            let knows = (s as f64) < learned * shoppers as f64;
            for k in 0..4 {
                let is_up = k % 2 == 0;
                let noise: f64 = rng.random_range(-1.0..1.0);
                parent.push(noise);
                child.push(if knows && is_up { noise + 2.0 } else { noise });
                up.push(is_up);
                shopper.push(s);
            }
        }
        (parent, child, up, shopper)
    }

    #[test]
    fn a_version_that_learned_the_rule_is_confidently_better_and_noise_is_not() {
        let (p, c, up, s) = labels(30, 0.8);
        let a = agreement_test(&p, &c, &up, &s, 1000, 0.95, 11).unwrap();
        assert!(a.child > a.parent + 0.2, "{a:?}");
        assert!(a.low > 0.0, "{a:?}");
        // The same scores under both: no gain, no confidence.
        let a = agreement_test(&p, &p, &up, &s, 1000, 0.95, 11).unwrap();
        assert_eq!(a.child, a.parent);
        assert!(a.low <= 0.0, "{a:?}");
        // A child that learned nothing (fresh noise) is never confidently
        // better, whatever the seed.
        for seed in 0..20 {
            let (p, _, up, s) = labels(30, 0.0);
            let mut rng = ChaCha8Rng::seed_from_u64(100 + seed);
            let c: Vec<f64> = p.iter().map(|_| rng.random_range(-1.0..1.0)).collect();
            let a = agreement_test(&p, &c, &up, &s, 500, 0.95, seed).unwrap();
            assert!(
                a.low <= 0.0 || a.child - a.parent > 0.1,
                "seed {seed}: {a:?}"
            );
        }
        // Few shoppers: a real gain, but too little evidence to be sure.
        let (p, c, up, s) = labels(2, 0.5);
        let a = agreement_test(&p, &c, &up, &s, 1000, 0.95, 11).unwrap();
        assert!(a.low <= 0.0, "{a:?}");
    }

    #[test]
    fn preference_sees_a_shift_toward_the_labels_and_nothing_in_no_change_or_noise() {
        // Up-labelled candidates are short: a version that learned to stop
        // sooner raises their likelihood by a nat and lowers the long ones'
        // a little.
        let (mut reward, mut up, mut shopper) = (Vec::new(), Vec::new(), Vec::new());
        let mut rng = ChaCha8Rng::seed_from_u64(5);
        for s in 0..30 {
            for k in 0..4 {
                let is_up = k == 0;
                let shift = if is_up { 1.0 } else { -0.2 };
                reward.push(shift + rng.random_range(-0.5..0.5));
                up.push(is_up);
                shopper.push(s);
            }
        }
        let a = preference_test(&reward, &up, &shopper, 1000, 0.95, 3).unwrap();
        assert_eq!(a.parent, 0.5);
        assert!(a.child > 0.9 && a.low > 0.3, "{a:?}");
        // The same version: every candidate unchanged, nothing to promote.
        let a = preference_test(&vec![0.0; up.len()], &up, &shopper, 1000, 0.95, 3).unwrap();
        assert_eq!(a.child, 0.5);
        assert!(a.low <= 0.0, "{a:?}");
        // Moved at random: never confidently toward the labels.
        for seed in 0..20 {
            let mut rng = ChaCha8Rng::seed_from_u64(200 + seed);
            let noise: Vec<f64> = up.iter().map(|_| rng.random_range(-1.0..1.0)).collect();
            let a = preference_test(&noise, &up, &shopper, 500, 0.95, seed).unwrap();
            assert!(a.low <= 0.0 || a.child > 0.6, "seed {seed}: {a:?}");
        }
        // Moved away from the labels: below half.
        let away: Vec<f64> = reward.iter().map(|r| -r).collect();
        let a = preference_test(&away, &up, &shopper, 1000, 0.95, 3).unwrap();
        assert!(a.child < 0.1 && a.low < 0.0, "{a:?}");
    }

    fn report(copy: CopyFigures, drift: f64) -> GateReport {
        let d2 = copy.distinct_2;
        GateReport {
            version: "v5".into(),
            parent_version: "v4".into(),
            held_out_up: 10,
            held_out_down: 28,
            held_out_shoppers: 9,
            set_aside: 0,
            agreement: None,
            gain_low: None,
            likelihood_agreement: None,
            parent_likelihood_agreement: None,
            confidence: 0.95,
            copy,
            parent_copy: CopyFigures {
                candidates: 64,
                drawn: 600,
                refused: 0.06,
                faithfulness_errors: 0.0,
                distinct_2: 0.40,
            },
            variety: Variety {
                texts: 64,
                copy: d2,
                parent: 0.40,
                approved_texts: 0,
                approved_ratio: None,
            },
            drift,
            drift_budget: 0.15,
            parent_ppl: 3.0,
            ppl: 3.1,
            checks: vec![],
            promote: false,
            reason: String::new(),
        }
    }

    fn texts(lines: &[&str], n: usize) -> Vec<String> {
        (0..n).map(|i| lines[i % lines.len()].to_string()).collect()
    }

    #[test]
    fn variety_is_held_to_the_approved_copy_where_that_is_plainer_but_never_to_a_collapse() {
        let varied = [
            "a sturdy pan for weeknight meals",
            "the navy kettle boils fast",
            "light enough for every morning",
            "a glass lid lets you watch the sauce",
            "made for long family dinners",
            "pairs with the mug set you bought",
        ];
        let plainer = [
            "the navy kettle boils fast",
            "the navy kettle has a glass lid",
            "the navy pan has a glass lid",
            "the pan boils fast",
        ];
        let parent = texts(&varied, 48);
        // Copy as plain as what the analysts approved passes, though it is
        // plainer than the parent's; the verdict says why.
        let v = Variety::measure(&texts(&plainer, 48), &parent, &texts(&plainer, 24));
        assert_eq!((v.texts, v.approved_texts), (48, 24));
        let r = v.approved_ratio.unwrap();
        assert!(r < 0.9, "{v:?}");
        let check = GateCheck::variety("v1", &v, 0.10);
        assert!(check.passed, "{v:?}");
        assert!(
            check
                .detail
                .contains("the 24 candidates analysts approved are"),
            "{}",
            check.detail
        );
        // Without approved copy the same copy is held to the parent's.
        let v = Variety::measure(&texts(&plainer, 48), &parent, &[]);
        assert_eq!(v.approved_ratio, None);
        let check = GateCheck::variety("v1", &v, 0.10);
        assert!(!check.passed, "{v:?}");
        assert!(
            check.detail.ends_with("at most 10% less allowed)"),
            "{}",
            check.detail
        );
        // One line for everyone fails against either.
        let one = texts(&["the navy kettle boils fast"], 48);
        let v = Variety::measure(&one, &parent, &texts(&plainer, 24));
        assert!(!GateCheck::variety("v1", &v, 0.10).passed, "{v:?}");
        // Approved copy more varied than the parent's raises no bar.
        let v = Variety::measure(&parent, &parent, &texts(&varied, 12));
        assert_eq!(v.approved_ratio, Some(1.0));
        assert!(GateCheck::variety("v1", &v, 0.10).passed, "{v:?}");
        // Too few approved texts to say: left out.
        let v = Variety::measure(&one, &parent, &texts(&plainer, MIN_APPROVED - 1));
        assert_eq!((v.approved_ratio, v.approved_texts), (None, 0));
    }

    #[test]
    fn the_verdict_reads_as_a_merchandiser_would_say_it() {
        let cfg = Config::default().finetune;
        let good = CopyFigures {
            candidates: 64,
            drawn: 600,
            refused: 0.07,
            faithfulness_errors: 0.0,
            distinct_2: 0.39,
        };
        let better = Agreement {
            parent: 0.5,
            child: 0.71,
            low: 0.05,
        };
        let mut r = report(good.clone(), 0.05);
        decide(&mut r, Some(better), None, &cfg);
        assert!(r.promote, "{r:?}");
        assert_eq!(
            r.reason,
            "v5 favours what analysts approved over what they rejected, more than v4 did, in 71% of pairs from 38 held-out labels (50% is no change); its copy stays as faithful and as varied; promoted"
        );
        assert!(r.checks[0].passed);
        assert!(
            r.checks[0]
                .detail
                .ends_with("with 95% confidence at least 55%"),
            "{}",
            r.checks[0].detail
        );
        // Learned the labels, but the checks now refuse much more of it.
        let worse = CopyFigures {
            refused: 0.15,
            ..good.clone()
        };
        let mut r = report(worse, 0.05);
        decide(&mut r, Some(better), None, &cfg);
        assert!(!r.promote);
        assert!(
            r.reason
                .ends_with("but its copy fails the faithfulness checks more often"),
            "{}",
            r.reason
        );
        // Drifted too far, and less varied.
        let dull = CopyFigures {
            distinct_2: 0.30,
            ..good.clone()
        };
        let mut r = report(dull, 0.4);
        decide(&mut r, Some(better), None, &cfg);
        assert!(!r.promote);
        assert!(
            r.reason
                .contains("less varied, and it writes too unlike its parent"),
            "{}",
            r.reason
        );
        // Not clearly better.
        let unsure = Agreement {
            low: -0.02,
            ..better
        };
        let mut r = report(good.clone(), 0.05);
        decide(&mut r, Some(unsure), None, &cfg);
        assert!(!r.promote);
        assert!(
            r.reason
                .contains("in only 71% of pairs from 38 held-out labels (50% is no change), not clearly better (it could be 48%)"),
            "{}",
            r.reason
        );
        // Nothing to judge with: the verdict says what to label.
        let mut r = report(good, 0.05);
        decide(
            &mut r,
            None,
            Some("label about 6 more up-labels".into()),
            &cfg,
        );
        assert!(!r.promote);
        assert_eq!(
            r.reason,
            "kept as a candidate: label about 6 more up-labels"
        );
        assert!(r.checks.iter().all(|c| c.check != "agreement"));
    }
}
