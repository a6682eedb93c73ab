//! A simulated analyst, to show that learning from labels works: it labels
//! candidates by a rule that pre-training data rarely satisfies ("up only if
//! the copy names the product's colour and stays under 30 words"), and the
//! loop is the product's own: generate for some shoppers → label → fine-tune
//! → generate for *other* shoppers → measure how often the rule holds.
//!
//! `cargo bench --bench feedback_curve` runs the full curve at the default
//! size; a test runs a small one on a tiny model.

use super::candidates;
use super::finetuned_version::{self, FinetuneError, FinetuneReport};
use super::metrics;
use super::pretrain::TrainError;
use super::versions;
use crate::config::Config;
use crate::domain::Product;
use crate::model::generate::generate_checked;
use crate::store::recommend::{CoOccurrence, Recommender};
use crate::store::{Labeller, Store, Verdict};
use crate::text::{FactChecker, Facts};
use serde::Serialize;
use std::path::Path;
use std::sync::atomic::AtomicBool;

/// The account the simulated analyst labels as.
pub const ANALYST: &str = "simulated-analyst";

/// Copy this long or longer breaks the rule.
pub const MAX_WORDS: usize = 30;

/// The rule: the copy names the product's colour (as a whole word, any
/// case) and has fewer than [`MAX_WORDS`] words.
pub fn accepts(text: &str, product: &Product) -> bool {
    let Some(colour) = Facts::of(product)
        .value(crate::text::Slot::Color)
        .map(str::to_lowercase)
    else {
        return false;
    };
    let words: Vec<String> = text
        .split_whitespace()
        .map(|w| {
            w.trim_matches(|c: char| !c.is_alphanumeric())
                .to_lowercase()
        })
        .collect();
    if words.len() >= MAX_WORDS {
        return false;
    }
    let needle: Vec<&str> = colour.split_whitespace().collect();
    !needle.is_empty() && words.windows(needle.len()).any(|w| w == needle.as_slice())
}

/// One point of the curve.
#[derive(Debug, Clone, Serialize)]
pub struct CurvePoint {
    /// Labels given so far.
    pub labels: usize,
    /// Share of candidates for the evaluation shoppers that the rule accepts.
    pub acceptance: f64,
    /// Distinct bigrams over those candidates.
    pub distinct_2: f64,
    /// Share of those candidates contradicting the catalog.
    pub fact_errors: f64,
    /// The active version they came from.
    pub model_version: String,
    /// The fine-tuning run that led here (none at 0 labels).
    pub finetune: Option<FinetuneReport>,
}

/// Sizes of a curve run.
#[derive(Debug, Clone)]
pub struct CurvePlan {
    /// Cumulative label counts to measure at, e.g. `[0, 50, 100, 200, 400]`.
    pub budgets: Vec<usize>,
    /// Shoppers whose candidates are labelled, in order.
    pub label_shoppers: Vec<String>,
    /// Other shoppers, whose candidates measure acceptance.
    pub eval_shoppers: Vec<String>,
    /// Candidates per evaluation shopper.
    pub candidates: usize,
    /// Candidates labelled per labelling shopper: fewer than for evaluation,
    /// so that the labels come from more shoppers and the gate's held-out
    /// fifth of them is not empty.
    pub label_candidates: usize,
    /// Seed for sampling.
    pub seed: u64,
}

/// Candidates from the active version for `user`'s top recommended product.
fn candidates_for(
    store: &Store,
    loaded: &versions::LoadedModel,
    config: &Config,
    checker: &FactChecker,
    user: &str,
    n: usize,
    seed: u64,
) -> anyhow::Result<Option<(Product, Vec<String>)>> {
    let Some(rec) = CoOccurrence::default()
        .recommend(store, user, 1)?
        .into_iter()
        .next()
    else {
        return Ok(None);
    };
    let Some(product) = store.product(&rec.product_id)? else {
        return Ok(None);
    };
    let history = store.user_history(user)?;
    let prompt = loaded.prompt_ids(&history, i64::MAX, &product);
    let params = config.generate.params();
    let checked = generate_checked(
        &loaded.model,
        &loaded.vocab,
        &prompt,
        &loaded.facts(&product, &history, i64::MAX),
        n,
        &params,
        seed,
        &|c| !checker.contradicts(&c.text, &product),
    )?;
    Ok(Some((
        product,
        checked.candidates.into_iter().map(|c| c.text).collect(),
    )))
}

/// Measures the rule's acceptance on the evaluation shoppers with the active version.
fn measure(
    store: &Store,
    config: &Config,
    dir: &Path,
    plan: &CurvePlan,
    labels: usize,
) -> anyhow::Result<CurvePoint> {
    let (loaded, _) = versions::load_active(store, dir)?;
    let products = store.products()?;
    let checker = FactChecker::new(products.iter());
    let (mut texts, mut accepted, mut errors) = (Vec::new(), Vec::new(), Vec::new());
    for (k, user) in plan.eval_shoppers.iter().enumerate() {
        let seed = plan.seed ^ 0xe7a1 ^ (k as u64) << 8;
        if let Some((product, cands)) = candidates_for(
            store,
            &loaded,
            config,
            &checker,
            user,
            plan.candidates,
            seed,
        )? {
            for text in cands {
                accepted.push(accepts(&text, &product));
                errors.push(checker.contradicts(&text, &product));
                texts.push(text);
            }
        }
    }
    Ok(CurvePoint {
        labels,
        acceptance: metrics::fraction(accepted),
        distinct_2: metrics::distinct_n(&texts, 2),
        fact_errors: metrics::fraction(errors),
        model_version: loaded.version,
        finetune: None,
    })
}

/// Generates candidates for the next labelling shoppers with the active
/// version, stores them, and labels them by the rule until `count` labels
/// are given; returns the next shopper index.
fn label_more(
    store: &mut Store,
    config: &Config,
    dir: &Path,
    plan: &CurvePlan,
    mut next: usize,
    count: usize,
) -> anyhow::Result<usize> {
    let (loaded, _) = versions::load_active(store, dir)?;
    // A claimed name from the command line's point of view: no console run.
    let labeller = Labeller {
        analyst: ANALYST.into(),
        claimed: true,
        session: None,
    };
    let mut given = 0;
    while given < count && next < plan.label_shoppers.len() {
        let user = &plan.label_shoppers[next];
        let seed = plan.seed ^ (next as u64) << 16;
        next += 1;
        let Some(rec) = CoOccurrence::default()
            .recommend(store, user, 1)?
            .into_iter()
            .next()
        else {
            continue;
        };
        let Some(product) = store.product(&rec.product_id)? else {
            continue;
        };
        let want = plan.label_candidates.min(count - given);
        let params = config.generate.params();
        let stored =
            candidates::generate_and_store(store, &loaded, &params, user, &product, want, seed)?;
        for (id, row) in stored.ids.iter().zip(&stored.rows) {
            let verdict = if accepts(&row.text, &product) {
                Verdict::Up
            } else {
                Verdict::Down
            };
            store.add_label(*id, verdict, None, None, &labeller)?;
            given += 1;
        }
    }
    anyhow::ensure!(
        given == count,
        "ran out of shoppers to label after {given} of {count} labels"
    );
    Ok(next)
}

/// Runs the curve: measure, then for each budget label up to it, fine-tune
/// and measure again. `on_point` sees each point as it is measured.
pub fn run_curve(
    store: &mut Store,
    config: &Config,
    dir: &Path,
    plan: &CurvePlan,
    on_point: &mut dyn FnMut(&CurvePoint),
) -> anyhow::Result<Vec<CurvePoint>> {
    let mut points = Vec::new();
    let mut given = 0;
    let mut next = 0;
    for &budget in &plan.budgets {
        let mut report = None;
        if budget > given {
            next = label_more(store, config, dir, plan, next, budget - given)?;
            given = budget;
            report = match finetuned_version::run(
                store,
                config,
                dir,
                ANALYST,
                None,
                &mut |_| {},
                &AtomicBool::new(false),
            ) {
                Ok(r) => Some(r),
                // Too few held-out labels to judge yet: label on.
                Err(FinetuneError::Train(TrainError::NoData(why))) => {
                    tracing::info!(%why, "no fine-tune at {given} labels");
                    None
                }
                Err(e) => return Err(e.into()),
            };
        }
        let mut point = measure(store, config, dir, plan, given)?;
        point.finetune = report;
        on_point(&point);
        points.push(point);
    }
    Ok(points)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn product(color: &str) -> Product {
        let mut attributes = crate::domain::Attributes::new();
        attributes.insert("color".into(), color.into());
        Product {
            product_id: "p".into(),
            title: "Tee".into(),
            category: "Tops".into(),
            brand: None,
            price: None,
            description: None,
            attributes,
        }
    }

    #[test]
    fn the_rule_wants_the_colour_as_a_word_and_fewer_than_30_words() {
        let navy = product("navy");
        assert!(accepts("A soft tee in Navy.", &navy));
        assert!(
            !accepts("A soft tee in navyish blue.", &navy),
            "not a whole word"
        );
        assert!(!accepts("A soft tee.", &navy));
        let long = format!("Navy {}", "word ".repeat(29));
        assert!(!accepts(&long, &navy), "30 words");
        let ok = format!("Navy {}", "word ".repeat(28));
        assert!(accepts(&ok, &navy), "29 words");
        assert!(accepts("The forest green one.", &product("forest green")));
        assert!(!accepts("Green.", &product("")));
    }
}
