//! Generating and storing candidates for one shopper and product: the one
//! path that `tailor generate`, the console and the simulated analyst share,
//! so the same seed gives the same candidates everywhere, and every
//! candidate stored has passed the same faithfulness guard.

use super::data::score_targets;
use super::versions::LoadedModel;
use crate::domain::Product;
use crate::domain::{EventKind, HistoryItem};
use crate::model::generate::{Candidate, Checked, generate_checked};
use crate::model::sample::SamplingParams;
use crate::store::{NewGeneration, Store, StoreError};
use crate::text::{Findings, Lexicon, PersonalWords, personal_lines, title_ends};
use std::cell::RefCell;

/// Why candidates could not be made.
#[derive(Debug, thiserror::Error)]
pub enum CandidatesError {
    /// The store.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// The model.
    #[error("generating: {0}")]
    Model(#[from] candle_core::Error),
}

/// Candidates as stored.
#[derive(Debug, Clone)]
pub struct Stored {
    /// Their `generations` ids, in order.
    pub ids: Vec<i64>,
    /// What was stored.
    pub rows: Vec<NewGeneration>,
    /// Samples drawn in all.
    pub drawn: usize,
    /// Samples the guard refused (unfaithful or cut off) and drew again.
    pub refused: usize,
}

/// A seed from the clock, for requests that give none.
pub fn clock_seed() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_nanos() as u64)
        .unwrap_or(0)
}

/// The faithfulness lexicon of `store`: its catalog, each product's
/// description, and every text its events carry (copy and reviews).
pub fn lexicon(store: &Store) -> Result<Lexicon, StoreError> {
    let started = std::time::Instant::now();
    let products = store.products()?;
    // (product, text, whether a review, its stars)
    let mut texts: Vec<(String, String, bool, Option<u8>)> = Vec::new();
    // Each shopper's texts, as a run of `texts`.
    let mut shoppers: Vec<std::ops::Range<usize>> = Vec::new();
    store.for_each_history(|_, items| {
        let from = texts.len();
        for item in items {
            if let Some(text) = &item.text {
                let review = item.kind == EventKind::Review;
                texts.push((item.product_id.clone(), text.clone(), review, item.rating));
            }
        }
        shoppers.push(from..texts.len());
    })?;
    // Training turns happy reviewers' own needs into copy about the
    // product they reviewed: those lines are copy's words and voice, not
    // a reviewer's.
    let personal = PersonalWords::learn(shoppers.iter().map(|run| {
        texts[run.clone()]
            .iter()
            .filter(|(_, _, review, _)| *review)
            .map(|(_, t, _, _)| t.as_str())
    }));
    let ends = title_ends(&products);
    let lines: Vec<(String, String)> = texts
        .iter()
        .filter(|(_, _, review, _)| *review)
        .flat_map(|(p, t, _, stars)| {
            personal_lines(t, *stars, &personal, &ends)
                .into_iter()
                .map(|line| (p.clone(), line))
        })
        .collect();
    let mut lexicon = Lexicon::build(
        &products,
        texts
            .iter()
            .map(|(p, t, _, _)| (p.as_str(), t.as_str()))
            .chain(lines.iter().map(|(p, l)| (p.as_str(), l.as_str()))),
    );
    let of = |review: bool| {
        texts
            .iter()
            .filter(move |(_, _, r, _)| *r == review)
            .map(|(_, t, _, _)| t.as_str())
    };
    let copy = of(false).chain(lines.iter().map(|(_, l)| l.as_str()));
    lexicon.learn_review_voice(&products, copy, of(true));
    tracing::info!(
        texts = texts.len(),
        ms = started.elapsed().as_millis() as u64,
        "faithfulness lexicon: {}",
        lexicon.describe()
    );
    Ok(lexicon)
}

/// Samples `n` candidates about `product` for `user_id` with `loaded`
/// (prompt from the shopper's whole history), refusing any that the
/// store's faithfulness checks find fault with or that the length limit
/// cut off, and stores them with their log-probability, version and
/// sampling parameters (seed included). Builds the store's lexicon; a
/// caller generating more than once should keep one and call
/// [`generate_and_store_with`].
pub fn generate_and_store(
    store: &mut Store,
    loaded: &LoadedModel,
    params: &SamplingParams,
    user_id: &str,
    product: &Product,
    n: usize,
    seed: u64,
) -> Result<Stored, CandidatesError> {
    let lexicon = lexicon(store)?;
    generate_and_store_with(store, loaded, &lexicon, params, user_id, product, n, seed)
}

/// [`generate_and_store`] with the store's lexicon already built.
#[allow(clippy::too_many_arguments)]
pub fn generate_and_store_with(
    store: &mut Store,
    loaded: &LoadedModel,
    lexicon: &Lexicon,
    params: &SamplingParams,
    user_id: &str,
    product: &Product,
    n: usize,
    seed: u64,
) -> Result<Stored, CandidatesError> {
    let history = store.user_history(user_id)?;
    let first_refusal: RefCell<Option<String>> = RefCell::new(None);
    let checked = draw(
        loaded,
        lexicon,
        &history,
        i64::MAX,
        product,
        n,
        params,
        seed,
        &|_, findings| {
            if !findings.is_faithful() {
                first_refusal
                    .borrow_mut()
                    .get_or_insert_with(|| format!("{findings:?}"));
            }
        },
    )?;
    if checked.refused > 0 {
        tracing::info!(
            refused = checked.refused,
            drawn = checked.drawn,
            first = first_refusal.take().unwrap_or_default(),
            "unfaithful or cut-off candidates were drawn again"
        );
    }
    let mut sampling = serde_json::to_value(params).unwrap_or_default();
    sampling["seed"] = seed.into();
    let rows: Vec<NewGeneration> = checked
        .candidates
        .iter()
        .map(|c| NewGeneration {
            user_id: user_id.to_string(),
            product_id: product.product_id.clone(),
            model_version: loaded.version.clone(),
            text: c.text.clone(),
            logprob: c.logprob as f64,
            // The tokens drawn and whether the model ended them: explain
            // scores the candidate as it was drawn.
            sampling: {
                let mut s = sampling.clone();
                s["ended"] = (!c.truncated).into();
                s["ids"] = c.ids.clone().into();
                s
            },
        })
        .collect();
    let ids = store.insert_generations(&rows)?;
    Ok(Stored {
        ids,
        rows,
        drawn: checked.drawn,
        refused: checked.refused,
    })
}

/// Draws `n` candidates about `product` for a shopper with `history`,
/// seeing the events before `at`: `n × params.pool` distinct ones that the
/// faithfulness guard passes (`seen` hears of every draw and what the
/// guard found), of which the `n` most the shopper's own are kept, best
/// first (see [`most_personal`]). `tailor generate`, the console and `tailor
/// eval` all draw here.
#[allow(clippy::too_many_arguments)]
pub fn draw(
    loaded: &LoadedModel,
    lexicon: &Lexicon,
    history: &[HistoryItem],
    at: i64,
    product: &Product,
    n: usize,
    params: &SamplingParams,
    seed: u64,
    seen: &dyn Fn(&Candidate, &Findings),
) -> candle_core::Result<Checked> {
    let prompt = loaded.prompt_ids(history, at, product);
    let mut facts = loaded.facts(product, history, at);
    facts.set_avoid(lexicon.avoid(product, history));
    let accept = |c: &Candidate| {
        let findings = lexicon.check(&c.text, product, history, c.truncated);
        seen(c, &findings);
        let faithful = findings.is_faithful();
        if !faithful {
            tracing::debug!(text = %c.text, ?findings, "refused a draw");
        }
        faithful
    };
    let pool = n * params.pool.max(1);
    let mut checked = generate_checked(
        &loaded.model,
        &loaded.vocab,
        &prompt,
        &facts,
        pool,
        params,
        seed,
        &accept,
    )?;
    let known = history.iter().any(|h| h.ts < at);
    checked.candidates = if known && checked.candidates.len() > n {
        let neutral = loaded.prompt_ids(&[], at, product);
        most_personal(loaded, &prompt, &neutral, checked.candidates, n)?
    } else {
        checked.candidates.truncate(n);
        checked.candidates
    };
    Ok(checked)
}

/// The `n` of `candidates` with the most pointwise mutual information with
/// the shopper: `log p(text | their prompt) − log p(text | neutral)`, where
/// the neutral prompt is the same product for a shopper with no history.
/// Sampling favours what suits every shopper; this keeps what suits this
/// one (their voice, their tastes, their purchases), best first, ties in
/// drawing order.
fn most_personal(
    loaded: &LoadedModel,
    prompt: &[u32],
    neutral: &[u32],
    candidates: Vec<Candidate>,
    n: usize,
) -> candle_core::Result<Vec<Candidate>> {
    let eos = loaded.vocab.id(crate::text::Special::Eos);
    let targets: Vec<Vec<u32>> = candidates
        .iter()
        .map(|c| c.ids.iter().copied().chain([eos]).collect())
        .collect();
    let pairs: Vec<(&[u32], &[u32])> = targets
        .iter()
        .flat_map(|t| [(prompt, t.as_slice()), (neutral, t.as_slice())])
        .collect();
    let scores = score_targets(&loaded.model, &pairs, 64)?;
    let sum = |row: &Vec<f32>| row.iter().map(|&x| f64::from(x)).sum::<f64>();
    let (mine, neutral): (Vec<f64>, Vec<f64>) = scores
        .chunks(2)
        .map(|two| (sum(&two[0]), sum(&two[1])))
        .unzip();
    let mut slots: Vec<Option<Candidate>> = candidates.into_iter().map(Some).collect();
    Ok(most_personal_order(&mine, &neutral, n)
        .into_iter()
        .filter_map(|i| slots[i].take())
        .collect())
}

/// The indices of the `n` texts with the highest `mine[i] − neutral[i]`
/// (log-probabilities for this shopper and for none), best first, ties in
/// the given order.
fn most_personal_order(mine: &[f64], neutral: &[f64], n: usize) -> Vec<usize> {
    let pmi: Vec<f64> = mine.iter().zip(neutral).map(|(m, z)| m - z).collect();
    let mut order: Vec<usize> = (0..pmi.len()).collect();
    order.sort_by(|&a, &b| pmi[b].total_cmp(&pmi[a]).then(a.cmp(&b)));
    order.truncate(n);
    order
}

#[cfg(test)]
mod tests {
    use super::most_personal_order;

    #[test]
    fn the_copy_kept_is_the_most_the_shoppers_own_not_the_most_likely() {
        // 0: generic copy, likely for anyone (−10 for them, −9 for none);
        // 1: copy in this shopper's voice (−14 for them, −20 for none);
        // 2: copy that suits someone else (−18, −15); 3 ties with 1.
        let mine = [-10.0, -14.0, -18.0, -13.0];
        let neutral = [-9.0, -20.0, -15.0, -19.0];
        assert_eq!(most_personal_order(&mine, &neutral, 2), [1, 3]);
        assert_eq!(most_personal_order(&mine, &neutral, 4), [1, 3, 0, 2]);
        assert_eq!(most_personal_order(&mine, &neutral, 9).len(), 4);
        assert!(most_personal_order(&[], &[], 3).is_empty());
    }
}
