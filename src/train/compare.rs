//! Two versions side by side for one shopper and product: each writes
//! candidates with the same prompt, guard and seed, nothing is stored, and
//! the gate's verdict comes along when one was judged against the other.
//! `tailor compare` and the console's `:compare` both call [`compare`].

use super::candidates;
use super::gate::GateCheck;
use super::versions::{LoadedModel, VersionError};
use crate::domain::{HistoryItem, Product};
use crate::model::sample::SamplingParams;
use crate::store::ModelVersion;
use crate::text::Lexicon;
use serde::Serialize;
use std::sync::Arc;

/// One version's side.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CompareSide {
    /// The version.
    pub version: String,
    /// `pretrain` or `finetune`.
    pub kind: String,
    /// The version it was trained from.
    pub parent: Option<String>,
    /// Whether it is the active version.
    pub active: bool,
    /// Its candidates, best first.
    pub candidates: Vec<String>,
    /// Draws the guard refused.
    pub refused: usize,
    /// Draws made.
    pub drawn: usize,
}

/// Both sides, and the gate's verdict when one was judged against the other.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Comparison {
    /// The shopper.
    pub user_id: String,
    /// The product.
    pub product_id: String,
    /// Its title.
    pub product_title: String,
    /// The sampling seed both used.
    pub seed: u64,
    /// The two sides, in the order asked.
    pub versions: Vec<CompareSide>,
    /// The gate's verdict on whichever of the two was judged against the
    /// other (a fine-tune against its parent, or a pre-trained version
    /// against the one active then).
    pub gate: Option<String>,
    /// The gate's checks behind that verdict.
    pub checks: Vec<GateCheck>,
}

/// What [`compare`] is asked.
pub struct CompareInput<'a> {
    /// The registry, for each version's kind, parent, activity and gate.
    pub registry: &'a [ModelVersion],
    /// The two versions, in the order shown.
    pub versions: [&'a str; 2],
    /// The shopper.
    pub user_id: &'a str,
    /// Their history.
    pub history: &'a [HistoryItem],
    /// The product.
    pub product: &'a Product,
    /// The store's faithfulness checks.
    pub lexicon: &'a Lexicon,
    /// Sampling.
    pub params: &'a SamplingParams,
    /// Candidates per version.
    pub n: usize,
    /// The seed, the same for both.
    pub seed: u64,
}

/// Why a comparison could not be made.
#[derive(Debug, thiserror::Error)]
pub enum CompareError {
    /// A version the registry does not know.
    #[error("no model version {0:?}: `tailor models` lists them")]
    NoVersion(String),
    /// Loading one.
    #[error(transparent)]
    Version(#[from] VersionError),
    /// Generating.
    #[error("generating: {0}")]
    Model(#[from] candle_core::Error),
}

/// Draws `n` candidates with each version (loaded by `load`) and finds the
/// gate's verdict in the registry.
pub fn compare(
    input: &CompareInput<'_>,
    load: &mut dyn FnMut(&str) -> Result<Arc<LoadedModel>, VersionError>,
) -> Result<Comparison, CompareError> {
    let mut sides = Vec::new();
    for v in input.versions {
        let row = input
            .registry
            .iter()
            .find(|m| m.version == v)
            .ok_or_else(|| CompareError::NoVersion(v.to_string()))?;
        let loaded = load(v)?;
        let checked = candidates::draw(
            &loaded,
            input.lexicon,
            input.history,
            i64::MAX,
            input.product,
            input.n,
            input.params,
            input.seed,
            &|_, _| {},
        )?;
        sides.push(CompareSide {
            version: v.to_string(),
            kind: row.kind.clone(),
            parent: row.parent.clone(),
            active: row.active,
            candidates: checked.candidates.into_iter().map(|c| c.text).collect(),
            refused: checked.refused,
            drawn: checked.drawn,
        });
    }
    let [a, b] = input.versions;
    let judged = |v: &str, other: &str| {
        input
            .registry
            .iter()
            .find(|m| m.version == v)
            .map(|m| &m.metrics["gate"])
            .filter(|g| {
                g.get("parent_version").or_else(|| g.get("active_version"))
                    == Some(&serde_json::Value::from(other))
            })
            .cloned()
    };
    let gate = judged(b, a).or_else(|| judged(a, b));
    // The checks as the gate stored them with the version it judged.
    let checks = gate
        .as_ref()
        .and_then(|g| serde_json::from_value(g["checks"].clone()).ok())
        .unwrap_or_default();
    Ok(Comparison {
        user_id: input.user_id.to_string(),
        product_id: input.product.product_id.clone(),
        product_title: input.product.title.clone(),
        seed: input.seed,
        versions: sides,
        gate: gate.and_then(|g| g["reason"].as_str().map(str::to_string)),
        checks,
    })
}
