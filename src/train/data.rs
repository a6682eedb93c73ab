//! Training examples from the store: every text it holds.
//!
//! - For every event that carries text (a review, or the copy a shopper saw
//!   before buying), the prompt is the shopper's history *before that event*
//!   plus the product's facts, and the target is the text with the
//!   product's literal facts as slots.
//! - Every catalog description is copy too, unpersonalised: most shops keep
//!   no log of the copy each shopper saw, and a store without one must still
//!   learn to write copy. Its prompt carries the history of one shopper who
//!   bought the product (before they bought it), chosen by a stable hash, so
//!   copy prompts with a history are never out of distribution; the
//!   description does not depend on it, so the model learns that only where
//!   the shop's copy does not either.
//! - A sentence of a happy review that speaks of the reviewer's own needs,
//!   turned to the second person, opens the product's description as one
//!   more copy example, with the reviewer's history as its prompt
//!   (`text::personal`), when their earlier texts hold one of its personal
//!   words: without a copy log, nothing else shows the model copy that
//!   speaks to a taste, and a line the history does not foreshadow would
//!   teach taste lines at random.
//!
//! A target longer than `max_target_tokens` is cut after its last whole
//! sentence that fits and still ends with `<eos>`: a model that learns from
//! cut-off text learns to stop mid-sentence.

use crate::config::{ModelSection, TrainSection};
use crate::domain::EventKind;
use crate::domain::{HistoryItem, Product};
use crate::store::{Store, StoreError};
use crate::text::{
    PersonalWords, Piece, PlanLearner, PromptConfig, SlotPlan, Special, Target, Vocab, fit_prompt,
    personal_lines, prompt_pieces_with, target_pieces, title_ends,
};
use candle_core::{Device, Tensor};
use rand::seq::SliceRandom;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use rayon::prelude::*;
use std::collections::HashMap;

/// One (prompt, target) pair, tokenised.
#[derive(Debug, Clone)]
pub struct Example {
    /// The shopper.
    pub user_id: String,
    /// The product the text is about.
    pub product_id: String,
    /// When the event happened.
    pub ts: i64,
    /// `<hist>` ... `<item>` ... `<desc>`.
    pub prompt: Vec<u32>,
    /// The text with slots, then `<eos>`.
    pub target: Vec<u32>,
    /// The literal text (facts included), as the shopper saw it.
    pub text: String,
    /// Characters of the literal text, for bits per character.
    pub target_chars: usize,
    /// The same product with another held-out shopper's history, for the
    /// personalisation gain (held-out examples only).
    pub other_prompt: Option<Vec<u32>>,
}

/// Examples split by shopper, with the tokenizer trained on them and the
/// slot plan learnt from them.
pub struct Dataset {
    /// Training examples.
    pub train: Vec<Example>,
    /// Held-out examples (their shoppers never appear in `train`).
    pub val: Vec<Example>,
    /// The tokenizer.
    pub vocab: Vocab,
    /// The shop's slots: the kind, the bought product, attributes.
    pub plan: SlotPlan,
}

/// Prompt settings from the config.
pub fn prompt_config(m: &ModelSection) -> PromptConfig {
    PromptConfig {
        history_items: m.history_items,
        title_words: m.title_words,
        review_words: m.review_words,
        flags_last: true,
    }
}

/// Whether a shopper is held out: a stable hash of the id and the seed,
/// so the split never depends on import order or store size.
pub fn is_held_out(user_id: &str, seed: u64, fraction: f64) -> bool {
    (stable_hash(user_id, seed) as f64 / u64::MAX as f64) < fraction
}

struct Raw {
    /// The shopper, or empty for a catalog description.
    user_id: String,
    product_id: String,
    ts: i64,
    prompt: Vec<Piece>,
    target: Vec<Piece>,
    text: String,
    held_out: bool,
    kind: Target,
    other: Option<Vec<Piece>>,
}

/// Reads every text-bearing event, trains the tokenizer on the training
/// texts (unless `vocab` is given, as when evaluating a saved version), and
/// tokenises. Deterministic for the config's seed.
pub fn build(
    store: &Store,
    model: &ModelSection,
    train: &TrainSection,
    saved: Option<(Vocab, SlotPlan)>,
) -> Result<Dataset, StoreError> {
    let products: HashMap<String, Product> = store
        .products()?
        .into_iter()
        .map(|p| (p.product_id.clone(), p))
        .collect();
    let pcfg = prompt_config(model);
    let (vocab, plan) = match saved {
        Some((vocab, plan)) => (Some(vocab), plan),
        None => (None, learn_plan(store, &products)?),
    };
    let personal = personal_words(store)?;
    let ends = title_ends(products.values());
    let mut raws: Vec<Raw> = Vec::new();
    let mut held_out_histories: Vec<Vec<HistoryItem>> = Vec::new();
    // For each described product, the buyer whose history its description
    // is shown with: the lowest hash of (shopper, product) among its buyers.
    let mut buyers: HashMap<String, Vec<Buyer>> = HashMap::new();
    let (mut copy_texts, mut review_texts) = (0usize, 0usize);
    store.for_each_history(|user_id, items| {
        let held_out = is_held_out(user_id, train.seed, train.val_fraction);
        let mut any = false;
        for item in items {
            if item.kind == EventKind::Purchase
                && products
                    .get(&item.product_id)
                    .is_some_and(|p| has_text(p.description.as_deref()))
            {
                let rank = stable_hash(&format!("{user_id}\u{1f}{}", item.product_id), train.seed);
                let kept = buyers.entry(item.product_id.clone()).or_default();
                let at = kept.partition_point(|b| b.rank < rank);
                if at < DESCRIPTION_BUYERS {
                    kept.insert(
                        at,
                        Buyer {
                            rank,
                            user_id: user_id.to_string(),
                            history: items.iter().filter(|h| h.ts < item.ts).cloned().collect(),
                            ts: item.ts,
                            held_out,
                        },
                    );
                    kept.truncate(DESCRIPTION_BUYERS);
                }
            }
            let (Some(text), Some(product)) = (&item.text, products.get(&item.product_id)) else {
                continue;
            };
            let facts = plan.facts(product, items, item.ts);
            // A review is written by the shopper, copy by the shop: the
            // prompt says which, so generation asks for copy only.
            let target = match item.kind {
                EventKind::Review => Target::Review {
                    rating: item.rating,
                },
                _ => Target::Copy,
            };
            match target {
                Target::Copy => copy_texts += 1,
                Target::Review { .. } => review_texts += 1,
            }
            raws.push(Raw {
                user_id: user_id.to_string(),
                product_id: item.product_id.clone(),
                ts: item.ts,
                prompt: prompt_pieces_with(items, item.ts, product, &facts, &pcfg, target),
                target: target_pieces(text, &facts),
                text: text.clone(),
                held_out,
                kind: target,
                other: None,
            });
            any = true;
            // A happy reviewer's own needs, in the second person, open the
            // product's description: copy in the voice their history shows,
            // so only a line whose personal words their earlier texts hold.
            let description = product.description.as_deref().filter(|t| has_text(Some(t)));
            let shown = |line: &String| {
                let own = personal.of(line);
                items
                    .iter()
                    .filter(|h| h.ts < item.ts)
                    .filter_map(|h| h.text.as_deref())
                    .any(|t| !personal.of(t).is_disjoint(&own))
            };
            if let (Target::Review { rating }, Some(description)) = (target, description)
                && let Some(line) = personal_lines(text, rating, &personal, &ends)
                    .iter()
                    .find(|l| shown(l))
            {
                let copy = format!("{line} {}", description.trim());
                copy_texts += 1;
                raws.push(Raw {
                    user_id: user_id.to_string(),
                    product_id: item.product_id.clone(),
                    ts: item.ts,
                    prompt: prompt_pieces_with(
                        items,
                        item.ts,
                        product,
                        &facts,
                        &pcfg,
                        Target::Copy,
                    ),
                    target: target_pieces(&copy, &facts),
                    text: copy,
                    held_out,
                    kind: Target::Copy,
                    other: None,
                });
            }
        }
        if held_out && any {
            held_out_histories.push(items.to_vec());
        }
    })?;
    // Catalog descriptions, in catalog order.
    let mut catalog: Vec<&Product> = products.values().collect();
    catalog.sort_by(|a, b| a.product_id.cmp(&b.product_id));
    let described = catalog
        .iter()
        .filter(|p| has_text(p.description.as_deref()))
        .count();
    let shown = description_buyers(described, copy_texts, review_texts);
    for product in catalog {
        let Some(text) = product.description.as_deref().filter(|t| has_text(Some(t))) else {
            continue;
        };
        let kept = buyers.remove(&product.product_id).unwrap_or_default();
        let mut with: Vec<Option<&Buyer>> = kept.iter().take(shown).map(Some).collect();
        if with.is_empty() {
            with.push(None);
        }
        for buyer in with {
            let (history, ts, held_out, user_id) = match buyer {
                Some(b) => (b.history.as_slice(), b.ts, b.held_out, b.user_id.clone()),
                None => (&[][..], 0, false, String::new()),
            };
            let facts = plan.facts(product, history, ts);
            raws.push(Raw {
                user_id,
                product_id: product.product_id.clone(),
                ts,
                prompt: prompt_pieces_with(history, ts, product, &facts, &pcfg, Target::Copy),
                target: target_pieces(text, &facts),
                text: text.to_string(),
                held_out,
                kind: Target::Copy,
                other: None,
            });
        }
    }
    let mut rng = ChaCha8Rng::seed_from_u64(train.seed);
    // Cap the training examples, keeping a deterministic random subset.
    if train.max_examples > 0 {
        let (mut tr, va): (Vec<Raw>, Vec<Raw>) = raws.into_iter().partition(|r| !r.held_out);
        tr.shuffle(&mut rng);
        tr.truncate(train.max_examples);
        raws = tr.into_iter().chain(va).collect();
    }
    // Another held-out shopper's history for each held-out example.
    if held_out_histories.len() > 1 {
        for raw in raws.iter_mut().filter(|r| r.held_out) {
            let other = loop {
                let h = &held_out_histories[rng.random_range(0..held_out_histories.len())];
                if !is_same_user(h, raw) {
                    break h;
                }
            };
            if let Some(product) = products.get(&raw.product_id) {
                let facts = plan.facts(product, other, i64::MAX);
                raw.other = Some(prompt_pieces_with(
                    other,
                    i64::MAX,
                    product,
                    &facts,
                    &pcfg,
                    raw.kind,
                ));
            }
        }
    }
    let texts = raws
        .iter()
        .filter(|r| !r.held_out)
        .flat_map(|r| r.prompt.iter().chain(r.target.iter()))
        .filter_map(|p| match p {
            Piece::Text(t) => Some(t.as_str()),
            Piece::Special(_) => None,
        });
    let vocab = match vocab {
        Some(v) => v,
        None => Vocab::train(texts, model.vocab_size).map_err(|e| StoreError::Invalid {
            path: store.path().display().to_string(),
            message: format!("training the tokenizer: {e}"),
        })?,
    };
    let hist = vocab.id(Special::Hist);
    let eos = vocab.id(Special::Eos);
    let ends = vocab.sentence_ends();
    let encode_prompt = |pieces: &[Piece]| {
        let mut ids = vocab.encode(pieces);
        fit_prompt(&mut ids, model.max_prompt_tokens, hist);
        ids
    };
    // Encoding is most of the build: examples on the thread pool, in order.
    let encoded: Vec<(bool, Example)> = raws
        .into_par_iter()
        .map(|raw| {
            let mut target = vocab.encode(&raw.target);
            cut_at_sentence(&mut target, model.max_target_tokens, &ends, eos);
            let example = Example {
                prompt: encode_prompt(&raw.prompt),
                other_prompt: raw.other.as_deref().map(encode_prompt),
                target,
                target_chars: raw.text.chars().count(),
                text: raw.text,
                user_id: raw.user_id,
                product_id: raw.product_id,
                ts: raw.ts,
            };
            (raw.held_out, example)
        })
        .collect();
    let (mut train_ex, mut val_ex) = (Vec::new(), Vec::new());
    for (held_out, example) in encoded {
        if held_out {
            val_ex.push(example);
        } else {
            train_ex.push(example);
        }
    }
    Ok(Dataset {
        train: train_ex,
        val: val_ex,
        vocab,
        plan,
    })
}

/// The words that reveal each shopper's own taste in the store's reviews
/// ([`PersonalWords`]).
pub fn personal_words(store: &Store) -> Result<PersonalWords, StoreError> {
    let mut by_shopper: Vec<Vec<String>> = Vec::new();
    store.for_each_history(|_, items| {
        by_shopper.push(
            items
                .iter()
                .filter(|h| h.kind == EventKind::Review)
                .filter_map(|h| h.text.clone())
                .collect(),
        );
    })?;
    Ok(PersonalWords::learn(
        by_shopper.iter().map(|t| t.iter().map(String::as_str)),
    ))
}

/// Learns the shop's slot plan from every text the store holds: events'
/// texts (with the product each shopper bought most recently before them)
/// and catalog descriptions.
fn learn_plan(store: &Store, products: &HashMap<String, Product>) -> Result<SlotPlan, StoreError> {
    let mut catalog: Vec<&Product> = products.values().collect();
    catalog.sort_by(|a, b| a.product_id.cmp(&b.product_id));
    let mut learner = PlanLearner::new(catalog.iter().copied());
    store.for_each_history(|_, items| {
        for (i, item) in items.iter().enumerate() {
            let (Some(text), Some(product)) = (&item.text, products.get(&item.product_id)) else {
                continue;
            };
            // Items are in time order: the newest other purchase before it.
            let bought = items[..i]
                .iter()
                .rev()
                .filter(|h| h.ts < item.ts)
                .find(|h| h.kind == EventKind::Purchase && h.product_id != item.product_id)
                .map(|h| h.title.as_str());
            if item.kind == EventKind::Review {
                learner.review(product, text, bought);
            } else {
                learner.text(product, text, bought);
            }
        }
    })?;
    for product in catalog {
        if let Some(text) = product.description.as_deref().filter(|t| has_text(Some(t))) {
            learner.text(product, text, None);
        }
    }
    Ok(learner.finish())
}

/// Buyers a description is shown with at most.
const DESCRIPTION_BUYERS: usize = 8;

/// How many buyers each catalog description is shown with: one, or, in a
/// shop whose copy (descriptions and copy logs) is outnumbered by reviews
/// more than three to one, enough for copy to be a quarter of the texts (at
/// most [`DESCRIPTION_BUYERS`]). Otherwise a shop with no copy log learns
/// to write reviews when asked for copy.
fn description_buyers(descriptions: usize, copy: usize, reviews: usize) -> usize {
    if descriptions == 0 || (descriptions + copy) * 3 >= reviews {
        return 1;
    }
    let wanted = (reviews / 3).saturating_sub(copy);
    wanted.div_ceil(descriptions).clamp(1, DESCRIPTION_BUYERS)
}

/// The buyer a description is shown with.
struct Buyer {
    rank: u64,
    user_id: String,
    history: Vec<HistoryItem>,
    ts: i64,
    held_out: bool,
}

fn has_text(t: Option<&str>) -> bool {
    t.is_some_and(|t| !t.trim().is_empty())
}

/// Cuts an encoded target (ending in `eos`) to at most `max` tokens: after
/// the last token that ends a sentence and leaves room for `eos`, then
/// `eos`. A target with no sentence end in reach is cut hard, without
/// `eos`, so that it never teaches the model to stop mid-sentence.
pub fn cut_at_sentence(target: &mut Vec<u32>, max: usize, sentence_ends: &[bool], eos: u32) {
    if target.len() <= max {
        return;
    }
    let ends = |&id: &u32| sentence_ends.get(id as usize).copied().unwrap_or(false);
    match target[..max.saturating_sub(1)].iter().rposition(ends) {
        Some(at) => {
            target.truncate(at + 1);
            target.push(eos);
        }
        None => target.truncate(max),
    }
}

/// A stable 64-bit hash of `text` and `seed` (FNV-1a, splitmix finaliser).
pub(crate) fn stable_hash(text: &str, seed: u64) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325 ^ seed;
    for b in text.as_bytes() {
        h ^= *b as u64;
        h = h.wrapping_mul(0x0100_0000_01b3);
    }
    h ^= h >> 33;
    h = h.wrapping_mul(0xff51_afd7_ed55_8ccd);
    h ^= h >> 33;
    h
}

fn is_same_user(history: &[HistoryItem], raw: &Raw) -> bool {
    // Histories carry no user id; the same shopper's history holds the
    // example's own event.
    history
        .iter()
        .any(|h| h.ts == raw.ts && h.product_id == raw.product_id)
}

/// A padded batch: `tokens[b, t]` predicts `targets[b, t]`, and `mask` is 1
/// where the target is a description token.
pub struct Batch {
    /// Inputs, [B, T] u32.
    pub tokens: Tensor,
    /// Next tokens, [B, T] u32.
    pub targets: Tensor,
    /// 1.0 on description positions, [B, T] f32.
    pub mask: Tensor,
    /// Positions in the batch that are not padding.
    pub n_tokens: usize,
    /// Description tokens scored.
    pub n_target_tokens: usize,
}

/// Builds a batch from (prompt, target) pairs.
pub fn make_batch(pairs: &[(&[u32], &[u32])], pad: u32) -> candle_core::Result<Batch> {
    let len = pairs
        .iter()
        .map(|(p, t)| p.len() + t.len() - 1)
        .max()
        .unwrap_or(1)
        .max(1);
    let b = pairs.len();
    let mut tokens = vec![pad; b * len];
    let mut targets = vec![pad; b * len];
    let mut mask = vec![0f32; b * len];
    let (mut n_tokens, mut n_target_tokens) = (0, 0);
    for (row, (prompt, target)) in pairs.iter().enumerate() {
        let seq: Vec<u32> = prompt.iter().chain(target.iter()).copied().collect();
        let n = seq.len() - 1;
        let base = row * len;
        tokens[base..base + n].copy_from_slice(&seq[..n]);
        targets[base..base + n].copy_from_slice(&seq[1..]);
        for m in &mut mask[base + prompt.len().saturating_sub(1)..base + n] {
            *m = 1.0;
        }
        n_tokens += n;
        n_target_tokens += n + 1 - prompt.len().max(1);
    }
    let dev = Device::Cpu;
    Ok(Batch {
        tokens: Tensor::from_vec(tokens, (b, len), &dev)?,
        targets: Tensor::from_vec(targets, (b, len), &dev)?,
        mask: Tensor::from_vec(mask, (b, len), &dev)?,
        n_tokens,
        n_target_tokens,
    })
}

/// `log p` of each target token of each (prompt, target) pair, scored
/// `batch_size` pairs at a time without a graph: one vector per pair.
pub fn score_targets(
    model: &crate::model::LanguageModel,
    pairs: &[(&[u32], &[u32])],
    batch_size: usize,
) -> candle_core::Result<Vec<Vec<f32>>> {
    let pad = model.config().pad_id;
    // Pairs of similar length share a batch, so little padding runs
    // through the GRU; each pair's scores go back to its own slot.
    let mut order: Vec<usize> = (0..pairs.len()).collect();
    order.sort_by_key(|&i| pairs[i].0.len() + pairs[i].1.len());
    let mut out = vec![Vec::new(); pairs.len()];
    for chunk in order.chunks(batch_size.max(1)) {
        let chunk_pairs: Vec<_> = chunk.iter().map(|&i| pairs[i]).collect();
        let batch = make_batch(&chunk_pairs, pad)?;
        let scores = model.target_logprobs(&batch.tokens, &batch.targets, &batch.mask)?;
        for (&i, row) in chunk.iter().zip(scores) {
            out[i] = row;
        }
    }
    Ok(out)
}

/// The (prompt, target) pairs of `examples`.
pub fn pairs_of(examples: &[Example]) -> Vec<(&[u32], &[u32])> {
    examples
        .iter()
        .map(|e| (e.prompt.as_slice(), e.target.as_slice()))
        .collect()
}

/// Shuffled batches of indices into `examples`, grouped so that each batch
/// holds examples of similar length (less padding), in random order.
pub fn batches(examples: &[Example], batch_size: usize, rng: &mut impl Rng) -> Vec<Vec<usize>> {
    let mut idx: Vec<usize> = (0..examples.len()).collect();
    idx.shuffle(rng);
    let len = |i: &usize| examples[*i].prompt.len() + examples[*i].target.len();
    let mut out = Vec::new();
    for chunk in idx.chunks_mut(batch_size * 32) {
        chunk.sort_by_key(len);
        out.extend(chunk.chunks(batch_size).map(<[usize]>::to_vec));
    }
    out.shuffle(rng);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn descriptions_are_shown_with_more_buyers_only_where_reviews_swamp_copy() {
        // A shop with a copy log: once each.
        assert_eq!(description_buyers(480, 13_107, 5_168), 1);
        // Reviews only: enough for a quarter of the texts, at most eight.
        assert_eq!(description_buyers(360, 0, 8_898), 8);
        assert_eq!(description_buyers(300, 0, 3_000), 4);
        // Nothing described: nothing to repeat.
        assert_eq!(description_buyers(0, 0, 9_000), 1);
    }

    /// Copy examples that open a description with a turned review line in
    /// `shop` (built small): each line, and whether the shopper's texts
    /// before it hold one of its personal words.
    fn turned_lines(shop: &str) -> Vec<(bool, String)> {
        use crate::config::Config;
        use crate::demo::{DemoOptions, Shop};
        let dir = tempfile::tempdir().unwrap();
        let db = dir.path().join("t.db");
        let opts = DemoOptions {
            seed: 5,
            users: 150,
        };
        let which = Shop::named(shop).unwrap();
        Store::create_shop(&db, which, &opts, &dir.path().join("t.csv"), &mut |_| {}).unwrap();
        let store = Store::open(&db).unwrap();
        let mut config = Config::default();
        config.model.vocab_size = 300;
        let data = build(&store, &config.model, &config.train, None).unwrap();
        let personal = personal_words(&store).unwrap();
        let descriptions: HashMap<String, String> = store
            .products()
            .unwrap()
            .into_iter()
            .filter_map(|p| Some((p.product_id, p.description?)))
            .collect();
        data.train
            .iter()
            .chain(&data.val)
            .filter_map(|e| {
                let d = descriptions.get(&e.product_id)?;
                let line = e.text.strip_suffix(d.trim())?.trim();
                if line.is_empty() {
                    return None;
                }
                let own = personal.of(line);
                let foreshadowed = store
                    .user_history(&e.user_id)
                    .unwrap()
                    .iter()
                    .filter(|h| h.ts < e.ts)
                    .filter_map(|h| h.text.as_deref())
                    .any(|t| !personal.of(t).is_disjoint(&own));
                Some((foreshadowed, line.to_string()))
            })
            .collect()
    }

    #[test]
    fn a_review_only_shop_learns_copy_in_the_voice_each_shoppers_history_shows() {
        let lines = turned_lines("beauty");
        assert!(lines.len() > 50, "{} lines", lines.len());
        for (foreshadowed, line) in &lines {
            assert!(
                foreshadowed,
                "the shopper's earlier texts hold its taste: {line}"
            );
            let words: Vec<String> = line.split_whitespace().map(str::to_lowercase).collect();
            assert!(
                words.iter().any(|w| w.starts_with("you")),
                "speaks to the shopper: {line}"
            );
            assert!(
                !words
                    .iter()
                    .any(|w| ["my", "me", "i"].contains(&w.as_str())),
                "never as the reviewer: {line}"
            );
        }
        // The demo's reviews show no taste in sentences about the reviewer.
        assert!(turned_lines("default").is_empty());
    }

    #[test]
    fn held_out_split_is_stable_and_near_the_fraction() {
        let ids: Vec<String> = (0..5000).map(|i| format!("u{i:07}")).collect();
        let held = ids.iter().filter(|u| is_held_out(u, 7, 0.1)).count();
        assert!((400..600).contains(&held), "{held}");
        assert_eq!(
            is_held_out("u0000042", 7, 0.1),
            is_held_out("u0000042", 7, 0.1)
        );
        let other_seed = ids
            .iter()
            .filter(|u| is_held_out(u, 8, 0.1) != is_held_out(u, 7, 0.1))
            .count();
        assert!(other_seed > 0);
    }

    /// Scoring sorts pairs by length into batches; every pair still gets
    /// its own scores, the ones it gets scored alone.
    #[test]
    fn scores_come_back_in_the_pairs_order() {
        use crate::model::{LanguageModel, ModelConfig, init_varmap};
        let cfg = ModelConfig {
            vocab_size: 16,
            embed_dim: 4,
            hidden_dim: 6,
            layers: 1,
            pad_id: 0,
            context_token: Some(15),
        };
        let vm = init_varmap(&cfg, 5).unwrap();
        let vb = candle_nn::VarBuilder::from_varmap(&vm, candle_core::DType::F32, &Device::Cpu);
        let model = LanguageModel::new(&cfg, vb).unwrap();
        let pairs: Vec<(&[u32], &[u32])> = vec![
            (&[15, 3, 4, 5, 6, 7], &[8, 9, 10]),
            (&[15, 2], &[3]),
            (&[15, 1, 2, 3], &[4, 5, 6, 7, 8]),
            (&[15, 9, 9], &[1, 2]),
            (&[15], &[]),
        ];
        let together = score_targets(&model, &pairs, 2).unwrap();
        assert_eq!(
            together.iter().map(Vec::len).collect::<Vec<_>>(),
            [3, 1, 5, 2, 0]
        );
        for (pair, got) in pairs.iter().zip(&together) {
            let alone = score_targets(&model, &[*pair], 1).unwrap().remove(0);
            assert_eq!(got.len(), alone.len());
            for (a, b) in got.iter().zip(&alone) {
                assert!((a - b).abs() < 1e-5, "{got:?} against {alone:?}");
            }
        }
    }

    #[test]
    fn batch_masks_exactly_the_description_positions() {
        let b = make_batch(&[(&[1, 2, 3], &[7, 8, 0]), (&[4], &[9])], 0).unwrap();
        assert_eq!(
            b.tokens.to_vec2::<u32>().unwrap(),
            [[1, 2, 3, 7, 8], [4, 0, 0, 0, 0]]
        );
        assert_eq!(
            b.targets.to_vec2::<u32>().unwrap(),
            [[2, 3, 7, 8, 0], [9, 0, 0, 0, 0]]
        );
        assert_eq!(
            b.mask.to_vec2::<f32>().unwrap(),
            [[0., 0., 1., 1., 1.], [1., 0., 0., 0., 0.]]
        );
        assert_eq!(b.n_target_tokens, 4);
        assert_eq!(b.n_tokens, 6);
    }
}
