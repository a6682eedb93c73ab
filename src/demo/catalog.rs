//! The demo catalog: products drawn from the vocabulary in `vocab.rs`, with
//! per-taste sampling tables for the shoppers.

use super::vocab::{self, CATEGORIES, Category, LINES, Tier};
use super::{Taste, format_price};
use crate::domain::{Attributes, Product};
use rand::seq::IndexedRandom;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use serde_json::Value;
use std::collections::BTreeSet;

/// Products per category; 12 categories give 480 products.
const PER_CATEGORY: usize = 40;

/// What the shoppers and the copy need to know about a product beyond its record.
#[derive(Debug, Clone)]
pub(crate) struct Meta {
    pub tier: Tier,
    pub eco: bool,
    pub soft: bool,
    pub tech: bool,
    /// Priced well under the usual price of its kind of product.
    pub cheap: bool,
    pub title: String,
    /// The product noun in running text ("running tee", "GPS watch").
    pub noun: String,
    pub brand: &'static str,
    pub material: &'static str,
    pub color: &'static str,
    /// `format_price` of the price, written once.
    pub price_text: String,
    /// The product's standout feature ("ribbed cuffs").
    pub feature: &'static str,
    /// Where products of its category come into their own ("morning runs").
    pub scenes: &'static [&'static str],
    /// How copy names this product when the shopper bought it recently: its
    /// title without the model name, at most the last 3 words (what a prompt
    /// shows of a history item), e.g. "Merino Running Tee".
    pub hook_name: String,
    /// Words of the title, noun, brand, material and feature, counted once.
    pub words: Words,
    /// Brand, material and colour values of the catalog that `hook_name`
    /// names as whole words (usually none; "Canvas Tote" names "canvas").
    pub hook_terms: Vec<&'static str>,
}

impl Meta {
    /// Whether a shopper of `taste` is drawn to this product: drives carts, purchases and ratings.
    pub fn liked_by(&self, taste: Taste) -> bool {
        match taste {
            Taste::PriceConscious => self.tier == Tier::Budget || self.cheap,
            Taste::EcoMinded => self.eco,
            Taste::Premium => self.tier == Tier::Premium,
            Taste::Comfort => self.soft,
            Taste::Tech => self.tech,
        }
    }

    /// Relative pull of this product on a shopper of `taste` within its category.
    fn weight(&self, taste: Taste) -> f64 {
        match taste {
            Taste::PriceConscious => {
                let tier = match self.tier {
                    Tier::Budget => 3.0,
                    Tier::Mid => 1.0,
                    Tier::Premium => 0.25,
                };
                tier * if self.cheap { 2.0 } else { 1.0 }
            }
            Taste::EcoMinded => {
                if self.eco {
                    5.0
                } else {
                    0.7
                }
            }
            Taste::Premium => match self.tier {
                Tier::Budget => 0.3,
                Tier::Mid => 1.0,
                Tier::Premium => 4.0,
            },
            Taste::Comfort => {
                if self.soft {
                    4.0
                } else {
                    0.8
                }
            }
            Taste::Tech => match self.tier {
                Tier::Budget => 0.8,
                Tier::Mid => 1.2,
                Tier::Premium => 1.5,
            },
        }
    }
}

/// Word counts of a product's texts, for the copy's length budget.
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct Words {
    pub title: usize,
    pub noun: usize,
    pub brand: usize,
    pub material: usize,
    pub feature: usize,
}

/// The generated catalog and the tables shoppers sample from.
pub(crate) struct Catalog {
    pub products: Vec<Product>,
    pub meta: Vec<Meta>,
    /// Product indices of each category.
    by_category: Vec<Vec<u32>>,
    /// Cumulative category weights, per taste.
    category_cdf: Vec<Vec<f64>>,
    /// Cumulative product weights within a category, per taste then category.
    product_cdf: Vec<Vec<Vec<f64>>>,
}

impl Catalog {
    /// Builds the catalog from stream 0 of `seed`.
    pub fn build(seed: u64) -> Catalog {
        let mut rng = ChaCha8Rng::seed_from_u64(seed);
        rng.set_stream(0);
        let mut products = Vec::with_capacity(CATEGORIES.len() * PER_CATEGORY);
        let mut meta = Vec::with_capacity(CATEGORIES.len() * PER_CATEGORY);
        let mut by_category = Vec::with_capacity(CATEGORIES.len());
        let mut titles = BTreeSet::new();

        for cat in CATEGORIES {
            let first = meta.len();
            for _ in 0..PER_CATEGORY {
                let (p, mt) = build_product(&mut rng, cat, meta.len() + 1, &mut titles);
                products.push(p);
                meta.push(mt);
            }
            by_category.push((first as u32..meta.len() as u32).collect::<Vec<_>>());
        }

        let category_cdf = Taste::ALL
            .iter()
            .map(|t| cumulative(CATEGORIES.iter().map(|c| c.taste_weight[t.index()])))
            .collect();
        let product_cdf = Taste::ALL
            .iter()
            .map(|&t| {
                by_category
                    .iter()
                    .map(|ids| cumulative(ids.iter().map(|&i| meta[i as usize].weight(t))))
                    .collect()
            })
            .collect();
        Catalog {
            products,
            meta,
            by_category,
            category_cdf,
            product_cdf,
        }
    }

    /// Number of categories.
    pub fn categories(&self) -> usize {
        self.by_category.len()
    }

    /// A category drawn by how much `taste` is drawn to it.
    pub fn pick_category(&self, rng: &mut impl Rng, taste: Taste) -> usize {
        sample(&self.category_cdf[taste.index()], rng)
    }

    /// A product of `category`: by taste, or uniformly when `taste` is `None` (browsing noise).
    pub fn pick_product(&self, rng: &mut impl Rng, category: usize, taste: Option<Taste>) -> u32 {
        let ids = &self.by_category[category];
        let i = match taste {
            Some(t) => sample(&self.product_cdf[t.index()][category], rng),
            None => rng.random_range(0..ids.len()),
        };
        ids[i]
    }
}

fn build_product(
    rng: &mut ChaCha8Rng,
    cat: &Category,
    number: usize,
    titles: &mut BTreeSet<String>,
) -> (Product, Meta) {
    let noun = cat.nouns.choose(rng).expect("every category has nouns");
    let brand = cat.brands.choose(rng).expect("every category has brands");
    let material = vocab::material(
        noun.materials
            .choose(rng)
            .expect("every noun has materials"),
    );
    let color = *cat.colors.choose(rng).expect("every category has colours");
    let feature = *noun.features.choose(rng).expect("every noun has features");
    // Draw model names until the title is new; 48 names leave room for the
    // few products of each noun.
    let title = loop {
        let line = LINES.choose(rng).expect("lines exist");
        let title = if !material.title_word.is_empty() && rng.random_bool(0.4) {
            format!("{line} {} {}", material.title_word, noun.name)
        } else {
            format!("{line} {}", noun.name)
        };
        if titles.insert(title.clone()) {
            break title;
        }
    };

    let (low, high) = noun.price;
    let tier_scale = match brand.tier {
        Tier::Budget => rng.random_range(0.45..0.7),
        Tier::Mid => 1.0,
        Tier::Premium => rng.random_range(1.8..2.6),
    };
    let base = rng.random_range(low..high) * tier_scale;
    // Shop prices end in .99 mostly, sometimes .49 or .00; stored as whole cents.
    let cents_part = match rng.random_range(0..10) {
        0..7 => 99,
        7..9 => 49,
        _ => 0,
    };
    let cents = (base.floor() as i64).max(1) * 100 + cents_part;
    let price = cents as f64 / 100.0;
    let year = rng.random_range(2022..=2026);

    let noun_text = running_text(noun.name);
    let title_words: Vec<&str> = title.split_whitespace().skip(1).collect();
    let hook_name = title_words[title_words.len().saturating_sub(3)..].join(" ");
    let description = describe(
        rng,
        &title,
        brand.name,
        &noun_text,
        material.name,
        color,
        feature,
    );

    let mut attributes = Attributes::new();
    attributes.insert("material".into(), Value::from(material.name));
    attributes.insert("color".into(), Value::from(color));
    attributes.insert("eco".into(), Value::from(material.eco));
    attributes.insert("comfort".into(), Value::from(material.soft));
    attributes.insert("features".into(), Value::from(feature));
    attributes.insert("year".into(), Value::from(year));

    let product = Product {
        product_id: format!("p{number:05}"),
        title: title.clone(),
        category: cat.name.to_string(),
        brand: Some(brand.name.to_string()),
        price: Some(price),
        description: Some(description),
        attributes,
    };
    let words = Words {
        title: count(&title),
        noun: count(&noun_text),
        brand: count(brand.name),
        material: count(material.name),
        feature: count(feature),
    };
    let meta = Meta {
        tier: brand.tier,
        eco: material.eco,
        soft: material.soft,
        tech: cat.tech,
        // Cheap for what it is: well under the usual price of this kind of product.
        cheap: price <= 0.8 * (low + high) / 2.0,
        title,
        noun: noun_text,
        brand: brand.name,
        material: material.name,
        color,
        price_text: format_price(price),
        feature,
        scenes: super::words::scenes_of(cat.name),
        words,
        hook_terms: fact_terms().filter(|t| mentions(&hook_name, t)).collect(),
        hook_name,
    };
    (product, meta)
}

/// The catalog's own neutral copy: one sentence of facts, one of detail.
fn describe(
    rng: &mut ChaCha8Rng,
    title: &str,
    brand: &str,
    noun: &str,
    material: &str,
    color: &str,
    feature: &str,
) -> String {
    let first = match rng.random_range(0..3) {
        0 => format!("The {title} from {brand}, made from {material} in {color}."),
        1 => format!("{brand} presents the {title} in {color} {material}."),
        _ => format!(
            "{} {noun} by {brand} in {material}, finished in {color}.",
            capitalised_article(noun)
        ),
    };
    let second = match rng.random_range(0..3) {
        0 => format!("Details include {feature}."),
        1 => format!("Key feature: {feature}."),
        _ => format!("Highlights: {feature}."),
    };
    format!("{first} {second}")
}

fn count(text: &str) -> usize {
    text.split_whitespace().count()
}

/// "A" or "An" for a sentence that starts with the article before `word`.
fn capitalised_article(word: &str) -> &'static str {
    if starts_with_vowel(word) { "An" } else { "A" }
}

/// Whether `word` takes "an" (by its first letter; the vocabulary has no exceptions).
pub(crate) fn starts_with_vowel(word: &str) -> bool {
    word.starts_with(['a', 'e', 'i', 'o', 'u', 'A', 'E', 'I', 'O', 'U'])
}

/// A title-case noun as it reads mid-sentence: "Running Tee" -> "running tee",
/// keeping acronyms and proper adjectives ("GPS watch", "Dutch oven").
fn running_text(noun: &str) -> String {
    noun.split(' ')
        .map(|w| match w {
            "GPS" | "Wi-Fi" | "Bluetooth" | "Chelsea" | "Dutch" | "French" => w.to_string(),
            "V-Neck" => "V-neck".to_string(),
            _ => w.to_lowercase(),
        })
        .collect::<Vec<_>>()
        .join(" ")
}

fn cumulative(weights: impl Iterator<Item = f64>) -> Vec<f64> {
    let mut total = 0.0;
    weights
        .map(|w| {
            total += w;
            total
        })
        .collect()
}

/// Index drawn from a cumulative weight table.
fn sample(cdf: &[f64], rng: &mut impl Rng) -> usize {
    let total = *cdf.last().expect("sampling tables are never empty");
    let x = rng.random_range(0.0..total);
    cdf.partition_point(|&c| c <= x).min(cdf.len() - 1)
}

/// Every brand, material and colour value of the catalog vocabulary (with repeats).
fn fact_terms() -> impl Iterator<Item = &'static str> {
    CATEGORIES
        .iter()
        .flat_map(|c| {
            c.brands
                .iter()
                .map(|b| b.name)
                .chain(c.colors.iter().copied())
        })
        .chain(vocab::MATERIALS.iter().map(|m| m.name))
}

/// Whether `term` occurs in `text` as whole words, ignoring ASCII case.
pub(crate) fn mentions(text: &str, term: &str) -> bool {
    let (text, term) = (text.as_bytes(), term.as_bytes());
    if term.is_empty() || term.len() > text.len() {
        return false;
    }
    (0..=text.len() - term.len()).any(|i| {
        text[i..i + term.len()].eq_ignore_ascii_case(term)
            && (i == 0 || !text[i - 1].is_ascii_alphanumeric())
            && text
                .get(i + term.len())
                .is_none_or(|b| !b.is_ascii_alphanumeric())
    })
}

/// Every brand, material and colour string of the catalog vocabulary, for tests.
#[cfg(test)]
pub(crate) fn vocabulary() -> (Vec<&'static str>, Vec<&'static str>, Vec<&'static str>) {
    let mut brands = BTreeSet::new();
    let mut colors = BTreeSet::new();
    for c in CATEGORIES {
        brands.extend(c.brands.iter().map(|b| b.name));
        colors.extend(c.colors.iter().copied());
    }
    let materials = vocab::MATERIALS.iter().map(|m| m.name).collect();
    (
        brands.into_iter().collect(),
        materials,
        colors.into_iter().collect(),
    )
}
