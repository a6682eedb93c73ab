//! The promotion gate: whether a fine-tuned version may replace its parent,
//! measured on held-out labels and pre-training text, with the reason in
//! words.

use super::data::{Example, score_targets};
use super::finetune::{LabelExample, pairs_of};
use super::pretrain::mean_loss;
use crate::model::LanguageModel;
use serde::Serialize;

/// What the promotion gate measured and decided.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct GateReport {
    /// Held-out pre-training perplexity of the parent.
    pub parent_ppl: f64,
    /// The same for the new version.
    pub ppl: f64,
    /// The largest relative rise accepted.
    pub ppl_tolerance: f64,
    /// Up-minus-down margin of the parent on held-out labels: mean
    /// per-token log-probability of up candidates minus that of down ones.
    pub parent_margin: Option<f64>,
    /// The same for the new version.
    pub margin: Option<f64>,
    /// Held-out labels up and down.
    pub held_out_up: usize,
    /// Held-out labels down.
    pub held_out_down: usize,
    /// Whether the new version may replace its parent.
    pub promote: bool,
    /// Why, in plain words.
    pub reason: String,
}

/// Mean per-token log-probability of the up labels minus that of the down
/// labels, or `None` without both.
fn label_margin(model: &LanguageModel, held: &[LabelExample]) -> candle_core::Result<Option<f64>> {
    let (mut up, mut down) = ((0.0, 0usize), (0.0, 0usize));
    let held_refs: Vec<&LabelExample> = held.iter().collect();
    for (e, row) in held
        .iter()
        .zip(score_targets(model, &pairs_of(&held_refs), 64)?)
    {
        if row.is_empty() {
            continue;
        }
        let mean = row.iter().map(|&x| x as f64).sum::<f64>() / row.len() as f64;
        let acc = if e.up { &mut up } else { &mut down };
        acc.0 += mean;
        acc.1 += 1;
    }
    Ok((up.1 > 0 && down.1 > 0).then(|| up.0 / up.1 as f64 - down.0 / down.1 as f64))
}

/// Decides whether `child` may replace `parent`: held-out perplexity on
/// pre-training text may rise by at most the tolerance, and the margin on
/// held-out labels must improve.
pub fn gate(
    parent: &LanguageModel,
    child: &LanguageModel,
    pretrain_val: &[Example],
    held: &[LabelExample],
    tolerance: f64,
) -> candle_core::Result<GateReport> {
    let val = &pretrain_val[..pretrain_val.len().min(512)];
    let parent_ppl = mean_loss(parent, val, 64)?.exp();
    let ppl = mean_loss(child, val, 64)?.exp();
    let parent_margin = label_margin(parent, held)?;
    let margin = label_margin(child, held)?;
    let held_out_up = held.iter().filter(|e| e.up).count();
    let held_out_down = held.len() - held_out_up;
    let rise = ppl / parent_ppl - 1.0;
    let (promote, reason) = match (parent_margin, margin) {
        _ if !ppl.is_finite() => (
            false,
            "the new version's perplexity is not finite".to_string(),
        ),
        _ if rise > tolerance => (
            false,
            format!(
                "kept as a candidate: held-out perplexity rose {:.1}% ({parent_ppl:.3} → {ppl:.3}), more than the {:.1}% allowed",
                rise * 100.0,
                tolerance * 100.0
            ),
        ),
        (Some(before), Some(after)) if after > before => (
            true,
            format!(
                "promoted: the up-minus-down margin on {} held-out labels rose {before:.4} → {after:.4} nats/token, and held-out perplexity changed {:+.1}% ({parent_ppl:.3} → {ppl:.3}, {:.1}% allowed)",
                held.len(),
                rise * 100.0,
                tolerance * 100.0
            ),
        ),
        (Some(before), Some(after)) => (
            false,
            format!(
                "kept as a candidate: the up-minus-down margin on {} held-out labels did not improve ({before:.4} → {after:.4} nats/token)",
                held.len()
            ),
        ),
        _ => (
            false,
            format!(
                "kept as a candidate: the gate needs held-out labels both up and down to measure against, and has {held_out_up} up and {held_out_down} down; label candidates of more shoppers"
            ),
        ),
    };
    Ok(GateReport {
        parent_ppl,
        ppl,
        ppl_tolerance: tolerance,
        parent_margin,
        margin,
        held_out_up,
        held_out_down,
        promote,
        reason,
    })
}
