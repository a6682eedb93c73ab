//! Which history items drove a candidate: leave-one-out.
//!
//! The prompt shows the model the shopper's last K distinct products. For
//! each of them, the candidate's log-probability is computed again with
//! that product left out of the prompt (the other K-1 kept, in the same
//! order); the drop is that item's contribution. A positive number means
//! the model found the text more likely *because* the shopper had that item
//! in their history. All K+1 prompts are scored in one batch, under the
//! model version that wrote the candidate, with no sampling involved.

use crate::domain::{EventKind, HistoryItem, Product};
use crate::text::{Special, Target, fit_prompt, history_before, prompt_pieces_with, target_pieces};
use crate::train::data::score_targets;
use crate::train::versions::LoadedModel;
use serde::Serialize;

/// One history item's part in a candidate.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Contribution {
    /// What the shopper did.
    pub kind: EventKind,
    /// The product.
    pub product_id: String,
    /// Its title (untrusted).
    pub title: String,
    /// Its category (untrusted).
    pub category: String,
    /// log p(text | full prompt) − log p(text | prompt without this item), nats.
    pub delta: f64,
}

/// A candidate's explanation.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Explanation {
    /// The version that scored it (the one that wrote it).
    pub model_version: String,
    /// log p(text | full prompt), nats.
    pub logprob: f64,
    /// Tokens scored: the text's, and `<eos>` when the model ended it.
    pub tokens: usize,
    /// The history items in the prompt, largest contribution first.
    pub items: Vec<Contribution>,
}

/// How a candidate was written: what the model saw, what it drew and how
/// it stopped.
#[derive(Debug, Clone, PartialEq)]
pub struct Written<'a> {
    /// Events at or after this time (Unix seconds) came later and were not
    /// in the prompt.
    pub before: i64,
    /// Whether the model ended the text (`<eos>` scored) or was cut off.
    pub ended: bool,
    /// The tokens drawn, without `<eos>`, where known; otherwise the text
    /// is read again (a filled slot may then gain a space token).
    pub ids: Option<&'a [u32]>,
}

/// Explains `text` written for `product` and a shopper with `history`
/// (any order), under `loaded`, scored as it was written: with the history
/// of the time and, for a cut-off text, no `<eos>`. Its log-probability is
/// then the one the candidate list shows.
pub fn explain(
    loaded: &LoadedModel,
    history: &[HistoryItem],
    product: &Product,
    text: &str,
    written: Written<'_>,
) -> candle_core::Result<Explanation> {
    let at = written.before;
    let cfg = loaded.settings.prompt();
    let hist_id = loaded.vocab.id(Special::Hist);
    let encode = |history: &[HistoryItem], k: usize| {
        let mut c = cfg;
        c.history_items = k;
        let facts = loaded.facts(product, history, at);
        let mut ids = loaded.vocab.encode(&prompt_pieces_with(
            history,
            at,
            product,
            &facts,
            &c,
            Target::Copy,
        ));
        fit_prompt(&mut ids, loaded.settings.max_prompt_tokens, hist_id);
        ids
    };
    let items: Vec<HistoryItem> = history_before(history, at, cfg.history_items)
        .into_iter()
        .cloned()
        .collect();
    let eos = loaded.vocab.id(Special::Eos);
    let mut target = match written.ids {
        Some(ids) if ids.iter().all(|&t| (t as usize) < loaded.vocab.size()) => ids.to_vec(),
        _ => {
            let mut ids = loaded
                .vocab
                .encode(&target_pieces(text, &loaded.facts(product, history, at)));
            ids.pop();
            ids
        }
    };
    if written.ended {
        target.push(eos);
    }
    let mut prompts = vec![encode(history, cfg.history_items)];
    for item in &items {
        // Without every event of this product, the newest K-1 distinct
        // products are exactly the other K-1 items, in the same order.
        let rest: Vec<HistoryItem> = history
            .iter()
            .filter(|h| h.product_id != item.product_id)
            .cloned()
            .collect();
        prompts.push(encode(&rest, cfg.history_items.saturating_sub(1)));
    }
    let pairs: Vec<(&[u32], &[u32])> = prompts
        .iter()
        .map(|p| (p.as_slice(), target.as_slice()))
        .collect();
    let rows = score_targets(&loaded.model, &pairs, pairs.len())?;
    let sums: Vec<f64> = rows
        .iter()
        .map(|r| r.iter().map(|&x| x as f64).sum())
        .collect();
    let full = sums.first().copied().unwrap_or(f64::NAN);
    let mut contributions: Vec<Contribution> = items
        .iter()
        .zip(sums.iter().skip(1))
        .map(|(h, without)| Contribution {
            kind: h.kind,
            product_id: h.product_id.clone(),
            title: h.title.clone(),
            category: h.category.clone(),
            delta: full - without,
        })
        .collect();
    contributions.sort_by(|a, b| b.delta.total_cmp(&a.delta));
    Ok(Explanation {
        model_version: loaded.version.clone(),
        logprob: full,
        tokens: target.len(),
        items: contributions,
    })
}
