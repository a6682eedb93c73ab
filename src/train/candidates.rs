//! Generating and storing candidates for one shopper and product: the one
//! path that `tailor generate`, the console and the simulated analyst share,
//! so the same seed gives the same candidates everywhere.

use super::versions::LoadedModel;
use crate::domain::Product;
use crate::model::generate::generate_checked;
use crate::model::sample::SamplingParams;
use crate::store::{NewGeneration, Store, StoreError};
use crate::text::{FactChecker, Slot};

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
    /// Samples drawn again because they named another product's facts.
    pub refused: usize,
}

/// A seed from the clock, for requests that give none.
pub fn clock_seed() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_nanos() as u64)
        .unwrap_or(0)
}

/// Samples `n` candidates about `product` for `user_id` with `loaded`
/// (prompt from the shopper's whole history), refusing any that names
/// another product's facts, and stores them with their log-probability,
/// version and sampling parameters (seed included).
pub fn generate_and_store(
    store: &mut Store,
    loaded: &LoadedModel,
    params: &SamplingParams,
    user_id: &str,
    product: &Product,
    n: usize,
    seed: u64,
) -> Result<Stored, CandidatesError> {
    let history = store.user_history(user_id)?;
    let prompt = loaded.prompt_ids(&history, i64::MAX, product);
    let checker = FactChecker::new(store.products()?.iter());
    let mut facts = loaded.facts(product, &history, i64::MAX);
    // A bought product whose name states another product's fact (a
    // "Merino Tee" bought, copy about a cotton hoodie) is not named.
    if let Some(name) = facts.value(Slot::Bought)
        && checker.contradicts_facts(name, &facts.base(), product)
    {
        facts.set_extra(Slot::Bought, None);
    }
    let checked = generate_checked(
        &loaded.model,
        &loaded.vocab,
        &prompt,
        &facts,
        n,
        params,
        seed,
        &|text| !checker.contradicts_facts(text, &facts, product),
    )?;
    if checked.refused > 0 {
        tracing::info!(
            refused = checked.refused,
            "candidates naming another product's facts were drawn again"
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
        refused: checked.refused,
    })
}
