//! Generating and storing candidates for one shopper and product: the one
//! path that `tailor generate`, the console and the simulated analyst share,
//! so the same seed gives the same candidates everywhere, and every
//! candidate stored has passed the same faithfulness guard.

use super::versions::LoadedModel;
use crate::domain::Product;
use crate::model::generate::{Candidate, generate_checked};
use crate::model::sample::SamplingParams;
use crate::store::{NewGeneration, Store, StoreError};
use crate::text::Lexicon;
use std::cell::Cell;

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
    let mut texts: Vec<(String, String)> = Vec::new();
    store.for_each_history(|_, items| {
        for item in items {
            if let Some(text) = &item.text {
                texts.push((item.product_id.clone(), text.clone()));
            }
        }
    })?;
    let lexicon = Lexicon::build(
        &products,
        texts.iter().map(|(p, t)| (p.as_str(), t.as_str())),
    );
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
    let prompt = loaded.prompt_ids(&history, i64::MAX, product);
    // The bought product's name is the shopper's history, not a fact of
    // this product: the lexicon's checks read it as such.
    let mut facts = loaded.facts(product, &history, i64::MAX);
    facts.set_avoid(lexicon.avoid(product, &history));
    let first_refusal: Cell<Option<String>> = Cell::new(None);
    let accept = |c: &Candidate| {
        let findings = lexicon.check(&c.text, product, &history, c.truncated);
        let faithful = findings.is_faithful();
        if !faithful {
            let seen = first_refusal.take();
            first_refusal.set(seen.or_else(|| Some(format!("{findings:?}"))));
        }
        faithful
    };
    let checked = generate_checked(
        &loaded.model,
        &loaded.vocab,
        &prompt,
        &facts,
        n,
        params,
        seed,
        &accept,
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
            sampling: sampling.clone(),
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
