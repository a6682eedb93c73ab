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
use crate::store::recommend::{CoOccurrence, Recommender};
use crate::store::{Labeller, Store, Verdict};
use crate::text::{FactChecker, Facts, Lexicon};
use serde::Serialize;
use std::path::Path;
use std::sync::atomic::AtomicBool;

/// The account the simulated analyst labels as.
pub const ANALYST: &str = "simulated-analyst";

/// Copy this long or longer breaks the colour and feature rules.
pub const MAX_WORDS: usize = 30;

/// What a simulated analyst wants. Each is a house rule that plain
/// pre-training rarely or only sometimes meets, and that any shop of the
/// family can meet.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Rule {
    /// Names the product's colour and has fewer than [`MAX_WORDS`] words.
    Colour,
    /// Names the product's feature (its `feature` or `features` attribute)
    /// and has fewer than [`MAX_WORDS`] words.
    Feature,
    /// Names the product's brand.
    Brand,
    /// Fewer words than this: the bench sets it from the base version's
    /// candidates so that about one in twenty meets it.
    Brief(usize),
}

impl Rule {
    /// The rule by name (`colour`, `feature`, `brand` or `brief`; `brief`
    /// starts uncalibrated).
    pub fn parse(name: &str) -> Option<Rule> {
        Some(match name {
            "colour" | "color" => Rule::Colour,
            "feature" => Rule::Feature,
            "brand" => Rule::Brand,
            "brief" => Rule::Brief(0),
            _ => return None,
        })
    }

    /// The rule's name.
    pub fn name(&self) -> &'static str {
        match self {
            Rule::Colour => "colour",
            Rule::Feature => "feature",
            Rule::Brand => "brand",
            Rule::Brief(_) => "brief",
        }
    }

    /// Whether `text` about `product` meets the rule.
    pub fn accepts(&self, text: &str, product: &Product) -> bool {
        let words: Vec<String> = text
            .split_whitespace()
            .map(|w| {
                w.trim_matches(|c: char| !c.is_alphanumeric())
                    .to_lowercase()
            })
            .filter(|w| !w.is_empty())
            .collect();
        let names = |value: Option<String>| {
            let Some(value) = value.map(|v| v.to_lowercase()) else {
                return false;
            };
            let needle: Vec<&str> = value
                .split_whitespace()
                .map(|w| w.trim_matches(|c: char| !c.is_alphanumeric()))
                .filter(|w| !w.is_empty())
                .collect();
            !needle.is_empty() && words.windows(needle.len()).any(|w| w == needle.as_slice())
        };
        let attribute = |keys: &[&str]| {
            keys.iter()
                .find_map(|k| product.attributes.get(*k))
                .and_then(|v| v.as_str().map(str::to_string))
        };
        match self {
            Rule::Colour => {
                words.len() < MAX_WORDS
                    && names(
                        Facts::of(product)
                            .value(crate::text::Slot::Color)
                            .map(str::to_string),
                    )
            }
            Rule::Feature => words.len() < MAX_WORDS && names(attribute(&["feature", "features"])),
            Rule::Brand => names(product.brand.clone()),
            Rule::Brief(max) => words.len() < *max,
        }
    }

    /// This rule made to hold for about `share` of `texts` (only `Brief`
    /// is calibrated: the fewest words that about `share` of them undercut).
    pub fn calibrated(self, texts: &[String], share: f64) -> Rule {
        let Rule::Brief(_) = self else { return self };
        let mut lengths: Vec<usize> = texts.iter().map(|t| t.split_whitespace().count()).collect();
        lengths.sort_unstable();
        let at =
            ((share * lengths.len() as f64).floor() as usize).min(lengths.len().saturating_sub(1));
        Rule::Brief(lengths.get(at).copied().unwrap_or(1).max(1))
    }
}

/// The colour rule of the first simulated analyst: the copy names the
/// product's colour (as a whole word, any case) and has fewer than
/// [`MAX_WORDS`] words.
pub fn accepts(text: &str, product: &Product) -> bool {
    Rule::Colour.accepts(text, product)
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
    /// The rule measured (as calibrated).
    pub rule: Rule,
    /// The fine-tuning run that led here (none at 0 labels).
    pub finetune: Option<FinetuneReport>,
    /// Why no fine-tune ran at this budget, when none did.
    pub no_finetune: Option<String>,
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
    /// What the simulated analyst wants.
    pub rule: Rule,
}

/// Candidates from the active version for `user`'s top recommended
/// product, drawn as `tailor generate` and the console draw them (the
/// faithfulness guard, the pool and the most personal kept), so acceptance
/// is measured on what an analyst would be shown. With them, the facts the
/// version wrote them with (the catalog's, and the shopper's purchases).
fn candidates_for(
    store: &Store,
    loaded: &versions::LoadedModel,
    config: &Config,
    lexicon: &Lexicon,
    user: &str,
    n: usize,
    seed: u64,
) -> anyhow::Result<Option<(Product, Facts, Vec<String>)>> {
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
    let checked = candidates::draw(
        loaded,
        lexicon,
        &history,
        i64::MAX,
        &product,
        n,
        &config.generate.params(),
        seed,
        &|_, _| {},
    )?;
    let facts = loaded.facts(&product, &history, i64::MAX);
    Ok(Some((
        product,
        facts,
        checked.candidates.into_iter().map(|c| c.text).collect(),
    )))
}

/// Measures `rule`'s acceptance on the evaluation shoppers with the active
/// version; a `Brief` rule not yet calibrated is calibrated on these
/// candidates first (about one in twenty meets it). Returns the point and
/// the rule as measured.
fn measure(
    store: &Store,
    config: &Config,
    dir: &Path,
    plan: &CurvePlan,
    rule: Rule,
    labels: usize,
) -> anyhow::Result<CurvePoint> {
    let (loaded, _) = versions::load_active(store, dir)?;
    let products = store.products()?;
    let checker = FactChecker::new(products.iter());
    let lexicon = candidates::lexicon(store)?;
    // With the facts each was written with: the shopper's own purchases
    // are no contradiction ("a match for the Cedar Parasol you bought" read
    // as a wrong material against the catalog's five facts alone).
    let mut written: Vec<(Product, String)> = Vec::new();
    let mut contradicts: Vec<bool> = Vec::new();
    for (k, user) in plan.eval_shoppers.iter().enumerate() {
        let seed = plan.seed ^ 0xe7a1 ^ (k as u64) << 8;
        if let Some((product, facts, cands)) = candidates_for(
            store,
            &loaded,
            config,
            &lexicon,
            user,
            plan.candidates,
            seed,
        )? {
            contradicts.extend(
                cands
                    .iter()
                    .map(|t| checker.contradicts_facts(t, &facts, &product)),
            );
            written.extend(cands.into_iter().map(|t| (product.clone(), t)));
        }
    }
    let texts: Vec<String> = written.iter().map(|(_, t)| t.clone()).collect();
    let rule = match rule {
        Rule::Brief(0) => rule.calibrated(&texts, 0.05),
        r => r,
    };
    Ok(CurvePoint {
        labels,
        acceptance: metrics::fraction(written.iter().map(|(p, t)| rule.accepts(t, p))),
        distinct_2: metrics::distinct_n(&texts, 2),
        fact_errors: metrics::fraction(contradicts),
        model_version: loaded.version,
        rule,
        finetune: None,
        no_finetune: None,
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
    rule: Rule,
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
            let verdict = if rule.accepts(&row.text, &product) {
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
    let mut rule = plan.rule;
    for &budget in &plan.budgets {
        let mut report = None;
        let mut skipped = None;
        if budget > given {
            next = label_more(store, config, dir, plan, rule, next, budget - given)?;
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
                    skipped = Some(why);
                    None
                }
                Err(e) => return Err(e.into()),
            };
        }
        let mut point = measure(store, config, dir, plan, rule, given)?;
        rule = point.rule;
        point.finetune = report;
        point.no_finetune = skipped;
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

    #[test]
    fn each_analysts_rule_reads_the_product_and_brief_is_calibrated() {
        let mut p = product("navy");
        p.brand = Some("Loopstitch".into());
        p.attributes.insert("feature".into(), "zip pocket".into());
        assert!(Rule::Feature.accepts("With a zip pocket for keys.", &p));
        assert!(!Rule::Feature.accepts("With a pocket for keys.", &p));
        assert!(Rule::Brand.accepts("From Loopstitch, warm.", &p));
        assert!(!Rule::Brand.accepts("Warm.", &p));
        assert_eq!(Rule::parse("brief"), Some(Rule::Brief(0)));
        assert_eq!(Rule::parse("nonsense"), None);
        // 20 texts of 1..=20 words: one in twenty has fewer than 2.
        let texts: Vec<String> = (1..=20).map(|n| "word ".repeat(n)).collect();
        let brief = Rule::Brief(0).calibrated(&texts, 0.05);
        assert_eq!(brief, Rule::Brief(2));
        let met = texts.iter().filter(|t| brief.accepts(t, &p)).count();
        assert_eq!(met, 1);
        assert_eq!(Rule::Brand.calibrated(&texts, 0.05), Rule::Brand);
    }
}
