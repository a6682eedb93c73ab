//! A family shop's catalog: products drawn from its spec, what the copy
//! needs to know about each, and the per-taste tables shoppers sample from.

use super::spec::{Like, Material, Noun, Spec, Tier};
use crate::demo::catalog::mentions;
use crate::demo::format_price;
use crate::domain::{Attributes, Product};
use rand::seq::IndexedRandom;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use serde_json::Value;
use std::collections::BTreeSet;

/// What the texts and the shoppers need to know about a product beyond its record.
#[derive(Debug, Clone)]
pub(crate) struct Item {
    pub category: usize,
    pub tier: Tier,
    /// The kind of product in running text ("french press" as "French press").
    pub kind: String,
    pub title: String,
    pub brand: &'static str,
    pub material: Option<&'static str>,
    pub color: Option<&'static str>,
    pub feature: &'static str,
    pub price_text: String,
    /// Indices into `Spec::flags` of the flags that are true.
    pub flags: Vec<usize>,
    /// Indices into `Spec::numbers`, with the product's value.
    pub numbers: Vec<(usize, u32)>,
    /// How a text names this product as a recent purchase: its title
    /// without the series name ("Cast-Iron Frying Pan").
    pub hook_name: String,
    /// Brand, material and colour values of the catalog that `hook_name` names.
    pub hook_terms: Vec<&'static str>,
    /// Bit `t` set when taste `t` is drawn to it.
    pub liked: u32,
}

impl Item {
    /// Whether taste `t` is drawn to this product.
    pub fn liked_by(&self, t: usize) -> bool {
        self.liked & (1 << t) != 0
    }
}

/// A family shop's catalog and sampling tables.
pub(crate) struct Catalog {
    pub products: Vec<Product>,
    pub items: Vec<Item>,
    by_category: Vec<Vec<u32>>,
    /// Cumulative category weights, per taste.
    category_cdf: Vec<Vec<f64>>,
    /// Cumulative product weights, per taste then category.
    product_cdf: Vec<Vec<Vec<f64>>>,
}

impl Catalog {
    /// Builds `spec`'s catalog from stream 0 of `seed`.
    pub fn build(spec: &'static Spec, seed: u64) -> Catalog {
        let mut rng = ChaCha8Rng::seed_from_u64(seed);
        rng.set_stream(0);
        let terms = fact_terms(spec);
        let mut products = Vec::new();
        let mut items = Vec::new();
        let mut by_category = Vec::new();
        let mut titles = BTreeSet::new();
        for (c, _) in spec.categories.iter().enumerate() {
            let first = items.len() as u32;
            for _ in 0..spec.per_category {
                let number = items.len() + 1;
                let (p, item) = build_product(&mut rng, spec, c, number, &mut titles, &terms);
                products.push(p);
                items.push(item);
            }
            by_category.push((first..items.len() as u32).collect::<Vec<_>>());
        }
        let category_cdf = spec
            .tastes
            .iter()
            .map(|t| {
                cumulative(spec.categories.iter().map(|c| {
                    let boosted = t
                        .likes
                        .iter()
                        .any(|l| matches!(l, Like::Category(n) if *n == c.name));
                    if boosted { 3.0 } else { 1.0 }
                }))
            })
            .collect();
        let product_cdf = spec
            .tastes
            .iter()
            .enumerate()
            .map(|(t, taste)| {
                by_category
                    .iter()
                    .map(|ids| {
                        cumulative(ids.iter().map(|&i| {
                            if items[i as usize].liked_by(t) {
                                taste.pull
                            } else {
                                1.0
                            }
                        }))
                    })
                    .collect()
            })
            .collect();
        Catalog {
            products,
            items,
            by_category,
            category_cdf,
            product_cdf,
        }
    }

    /// Number of categories.
    pub fn categories(&self) -> usize {
        self.by_category.len()
    }

    /// A category drawn by how much taste `t` is drawn to it.
    pub fn pick_category(&self, rng: &mut impl Rng, t: usize) -> usize {
        sample(&self.category_cdf[t], rng)
    }

    /// A product of `category`: by taste, or uniformly when `t` is `None`.
    pub fn pick_product(&self, rng: &mut impl Rng, category: usize, t: Option<usize>) -> u32 {
        let ids = &self.by_category[category];
        let i = match t {
            Some(t) => sample(&self.product_cdf[t][category], rng),
            None => rng.random_range(0..ids.len()),
        };
        ids[i]
    }
}

fn build_product(
    rng: &mut ChaCha8Rng,
    spec: &'static Spec,
    category: usize,
    number: usize,
    titles: &mut BTreeSet<String>,
    terms: &[&'static str],
) -> (Product, Item) {
    let cat = &spec.categories[category];
    let noun: &'static Noun = cat.nouns.choose(rng).expect("every category has nouns");
    let brand = cat.brands.choose(rng).expect("every category has brands");
    let material: Option<&'static Material> = noun.materials.choose(rng);
    let color = cat.colors.choose(rng).copied();
    let feature = *noun.features.choose(rng).expect("every noun has features");
    // Series names are drawn again until the title is new.
    let title = loop {
        let line = spec.lines.choose(rng).expect("a spec has series names");
        let word = material.map_or("", |m| m.title_word);
        let title = if !word.is_empty() && rng.random_bool(0.4) {
            format!("{line} {word} {}", noun.name)
        } else {
            format!("{line} {}", noun.name)
        };
        if titles.insert(title.clone()) {
            break title;
        }
    };
    let line_words = spec
        .lines
        .iter()
        .filter(|l| title.starts_with(&format!("{l} ")))
        .map(|l| l.len())
        .max()
        .unwrap_or(0);
    let hook_name = title[line_words..].trim().to_string();

    let (low, high) = noun.price;
    let scale = match brand.tier {
        Tier::Budget => rng.random_range(0.45..0.7),
        Tier::Mid => rng.random_range(0.85..1.15),
        Tier::Premium => rng.random_range(1.8..2.6),
    };
    let base = rng.random_range(low..high) * scale;
    let cents_part = match rng.random_range(0..10) {
        0..7 => 99,
        7..9 => 49,
        _ => 0,
    };
    let price = ((base.floor() as i64).max(1) * 100 + cents_part) as f64 / 100.0;

    let mut flags = Vec::new();
    let mut attributes = Attributes::new();
    if let Some(m) = material {
        attributes.insert(spec.material_key.into(), Value::from(m.name));
    }
    if let Some(c) = color {
        attributes.insert("color".into(), Value::from(c));
    }
    attributes.insert("feature".into(), Value::from(feature));
    for &(key, chance) in noun.flags {
        let on = rng.random_bool(chance);
        attributes.insert(key.into(), Value::from(on));
        if on {
            flags.push(
                spec.flags
                    .iter()
                    .position(|f| f.key == key)
                    .expect("a noun's flags are in its spec"),
            );
        }
    }
    let mut numbers = Vec::new();
    for &(key, values) in noun.numbers {
        let value = *values.choose(rng).expect("a number has values");
        attributes.insert(key.into(), Value::from(value));
        numbers.push((
            spec.numbers
                .iter()
                .position(|n| n.key == key)
                .expect("a noun's numbers are in its spec"),
            value,
        ));
    }

    let mut item = Item {
        category,
        tier: brand.tier,
        kind: running_text(noun.name),
        title: title.clone(),
        brand: brand.name,
        material: material.map(|m| m.name),
        color,
        feature,
        price_text: format_price(price),
        flags,
        numbers,
        hook_terms: terms
            .iter()
            .copied()
            .filter(|t| mentions(&hook_name, t))
            .collect(),
        hook_name,
        liked: 0,
    };
    let product = Product {
        product_id: format!("p{number:05}"),
        title,
        category: cat.name.to_string(),
        brand: Some(brand.name.to_string()),
        price: Some(price),
        description: None,
        attributes,
    };
    for (t, taste) in spec.tastes.iter().enumerate() {
        if taste
            .likes
            .iter()
            .any(|l| likes(l, &product, Some(item.tier)))
        {
            item.liked |= 1 << t;
        }
    }
    let description = super::texts::describe(rng, spec, &item);
    (
        Product {
            description: Some(description),
            ..product
        },
        item,
    )
}

/// Whether `like` holds for `p`. A price band is the brand's `tier` when
/// known; otherwise it is read from the price against the usual price of
/// the product's kind, as an evaluator reading the store must.
pub(crate) fn likes(like: &Like, p: &Product, tier: Option<Tier>) -> bool {
    let number = |key: &str| p.attributes.get(key).and_then(Value::as_f64);
    match like {
        Like::Flag(key) => p.attributes.get(*key) == Some(&Value::Bool(true)),
        Like::AtLeast(key, v) => number(key).is_some_and(|x| x >= f64::from(*v)),
        Like::AtMost(key, v) => number(key).is_some_and(|x| x <= f64::from(*v)),
        Like::Category(name) => p.category == *name,
        Like::Band(band) => tier.is_some_and(|t| t == *band),
    }
}

/// A kind's title-case noun as it reads mid-sentence: "Frying Pan" ->
/// "frying pan", keeping proper words and acronyms ("French press").
pub(crate) fn running_text(noun: &str) -> String {
    noun.split(' ')
        .map(|w| {
            let proper = matches!(w, "French" | "Dutch" | "Bundt" | "Eau" | "SPF");
            if proper || (w.len() > 1 && w.chars().all(|c| c.is_ascii_uppercase())) {
                w.to_string()
            } else {
                w.to_lowercase()
            }
        })
        .collect::<Vec<_>>()
        .join(" ")
}

/// Every brand, material and colour value of `spec` (with repeats).
pub(crate) fn fact_terms(spec: &Spec) -> Vec<&'static str> {
    let mut terms = Vec::new();
    for c in spec.categories {
        terms.extend(c.brands.iter().map(|b| b.name));
        terms.extend(c.colors.iter().copied());
        for n in c.nouns {
            terms.extend(n.materials.iter().map(|m| m.name));
        }
    }
    terms
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

fn sample(cdf: &[f64], rng: &mut impl Rng) -> usize {
    let total = *cdf.last().expect("sampling tables are never empty");
    let x = rng.random_range(0.0..total);
    cdf.partition_point(|&c| c <= x).min(cdf.len() - 1)
}
