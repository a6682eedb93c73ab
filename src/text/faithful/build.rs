//! Learning a [`Lexicon`] from a store's catalog and texts: which title
//! endings are kinds and names, which attribute values are claims and
//! features, each kept only when the shop's own texts use it that way.

use super::words::{
    contains, find, label_key, lower_words, number_follows, numbers, word_before, words,
};
use super::{
    Claim, FACT_KEYS, Kind, Lexicon, Own, Tables, is_own_or_sentence_start, is_price, split,
};
use crate::domain::Product;
use serde_json::Value;
use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};

/// Texts a kind phrase must appear in to be kept.
const KIND_MIN_TEXTS: u32 = 3;
/// Share of those texts that must be about products whose title holds it.
const KIND_PRECISION: f64 = 0.9;
/// The longest title ending tried as a kind ("heart rate strap").
pub(super) const KIND_MAX_WORDS: usize = 3;
/// Texts (in categories where the attribute varies) a claim word must appear in.
const CLAIM_MIN_TEXTS: u32 = 20;
/// Share of those texts that must be about products with the value.
const CLAIM_PRECISION: f64 = 0.95;
/// Categories a claim word must be used in with its value: a word used in
/// one category only is that category's vocabulary ("stir-fries"), not a claim.
const CLAIM_MIN_CATEGORIES: usize = 2;
/// A string attribute with at most this many values is categorical: its
/// values are claims, not features.
const CATEGORICAL_MAX_VALUES: usize = 6;
/// Texts a feature phrase must appear in to be kept.
const FEATURE_MIN_TEXTS: u32 = 2;
/// Share of those texts that must be about products that have it.
const FEATURE_PRECISION: f64 = 0.9;
/// Feature values longer than this are prose, not features.
const FEATURE_MAX_WORDS: usize = 6;
/// Uses in texts about other products that make a title ending a name.
const NAME_MIN_USES: u32 = 2;
/// The longest title ending tried as a name ("Leather Laptop Sleeve").
const NAME_SUFFIX_WORDS: usize = 3;

/// Texts using a candidate phrase, and those about a product it belongs to.
#[derive(Debug, Clone, Copy, Default)]
struct Uses {
    texts: u32,
    own: u32,
}

impl Uses {
    fn passes(self, min_texts: u32, precision: f64) -> bool {
        self.texts >= min_texts && self.own as f64 >= precision * self.texts as f64
    }
}

/// Title endings that may be names or kinds, with their uses so far.
struct Titles {
    /// Every title and its endings of 1..=3 words, as written.
    names: HashMap<String, Uses>,
    full: HashSet<String>,
    longest: usize,
    /// The last word of every title and its endings of 2..=3 words short of
    /// the whole title (a whole two-word title, "Horizon Jogger", is a
    /// name, not a kind); lower-case.
    kinds: HashMap<String, Uses>,
    /// Each kind and its plurals → the kind.
    kind_forms: HashMap<String, String>,
}

impl Titles {
    fn of(owns: &[Own]) -> Titles {
        let mut t = Titles {
            names: HashMap::new(),
            full: HashSet::new(),
            longest: 0,
            kinds: HashMap::new(),
            kind_forms: HashMap::new(),
        };
        for own in owns {
            let n = own.title_cased.len();
            if n == 0 {
                continue;
            }
            t.longest = t.longest.max(n);
            t.full.insert(own.title_cased.join(" "));
            t.names.entry(own.title_cased.join(" ")).or_default();
            for k in 1..=NAME_SUFFIX_WORDS.min(n - 1) {
                t.names
                    .entry(own.title_cased[n - k..].join(" "))
                    .or_default();
            }
            for k in 1..=KIND_MAX_WORDS.min(n - 1).max(1) {
                t.kinds
                    .entry(own.title_lower[n - k..].join(" "))
                    .or_default();
            }
        }
        t.kinds.retain(|k, _| k.chars().any(char::is_alphabetic));
        for kind in t.kinds.keys() {
            t.kind_forms.insert(kind.clone(), kind.clone());
        }
        for kind in t.kinds.keys() {
            for form in plurals(kind) {
                t.kind_forms.entry(form).or_insert_with(|| kind.clone());
            }
        }
        t
    }
}

/// What the attributes are for: claims (booleans and few-valued strings,
/// outside the fact slots) or features (other strings).
struct Roles<'p> {
    claim_keys: Vec<&'p str>,
    /// (index in `claim_keys`, the value a claim word may be tied to).
    claim_values: Vec<(usize, Value)>,
    /// Per claim key, the categories where its value varies: only there
    /// can a word be told apart from the category's own vocabulary.
    varies: Vec<HashSet<u32>>,
    /// Feature phrases (lower-case) → (their key, uses so far).
    features: HashMap<String, (String, Uses)>,
    /// Words that name rather than claim: titles, brands, categories,
    /// colours and features (each has its own check).
    not_claims: HashSet<String>,
}

impl<'p> Roles<'p> {
    fn of(products: &'p [Product], owns: &[Own], category_of: &[u32]) -> Roles<'p> {
        let mut values: BTreeMap<&str, Vec<&Value>> = BTreeMap::new();
        for p in products {
            for (k, v) in &p.attributes {
                if !FACT_KEYS.contains(&k.as_str()) {
                    values.entry(k.as_str()).or_default().push(v);
                }
            }
        }
        let mut r = Roles {
            claim_keys: Vec::new(),
            claim_values: Vec::new(),
            varies: Vec::new(),
            features: HashMap::new(),
            not_claims: HashSet::new(),
        };
        let mut feature_keys: HashSet<&str> = HashSet::new();
        for (key, vs) in &values {
            let mut distinct: Vec<&Value> = Vec::new();
            for v in vs {
                if !distinct.contains(v) {
                    distinct.push(v);
                }
            }
            if vs.iter().all(|v| v.is_boolean()) {
                r.claim_values.push((r.claim_keys.len(), Value::Bool(true)));
                r.claim_keys.push(key);
            } else if vs.iter().all(|v| v.is_string())
                && (2..=CATEGORICAL_MAX_VALUES).contains(&distinct.len())
            {
                for v in distinct {
                    r.claim_values.push((r.claim_keys.len(), v.clone()));
                }
                r.claim_keys.push(key);
            } else {
                feature_keys.insert(key);
            }
        }
        for key in &r.claim_keys {
            let mut seen: HashMap<u32, HashSet<String>> = HashMap::new();
            for (p, c) in products.iter().zip(category_of) {
                let v = p.attributes.get(*key).map_or("-".into(), Value::to_string);
                seen.entry(*c).or_default().insert(v);
            }
            r.varies.push(
                seen.into_iter()
                    .filter(|(_, vs)| vs.len() > 1)
                    .map(|(c, _)| c)
                    .collect(),
            );
        }
        for p in products {
            for (k, v) in &p.attributes {
                let Some(s) = v.as_str().filter(|_| feature_keys.contains(k.as_str())) else {
                    continue;
                };
                let w = lower_words(s);
                if !w.is_empty()
                    && w.len() <= FEATURE_MAX_WORDS
                    && w.iter().any(|w| w.chars().any(char::is_alphabetic))
                {
                    r.features
                        .entry(w.join(" "))
                        .or_insert_with(|| (k.clone(), Uses::default()));
                }
            }
        }
        for (p, own) in products.iter().zip(owns) {
            r.not_claims.extend(own.title_lower.iter().cloned());
            r.not_claims
                .extend(p.brand.iter().flat_map(|b| lower_words(b)));
            r.not_claims.extend(lower_words(&p.category));
            for key in ["color", "colour"] {
                if let Some(c) = p.attributes.get(key).and_then(Value::as_str) {
                    r.not_claims.extend(lower_words(c));
                }
            }
        }
        for phrase in r.features.keys() {
            r.not_claims.extend(phrase.split(' ').map(str::to_string));
        }
        r
    }
}

/// Per candidate claim word: texts per claim key (in categories where it
/// varies), and per claim value the texts and categories with that value.
#[derive(Debug, Clone, Default)]
struct WordUses {
    per_key: Vec<u32>,
    per_value: Vec<(u32, Vec<u32>)>,
    /// Per claim value, texts in categories where its key does not vary
    /// about products without that value: a word they use too ("has" in
    /// "the set has 4 pieces") is language, not a claim.
    elsewhere: Vec<u32>,
}

/// Texts that must put a number other than a price after a word (and
/// none a price) before a price after it is a misplaced one.
const PRICE_SLOT_USES: u32 = 5;
/// Uses a word needs, at least, for "a number always follows it" to be
/// learnt (and it must be followed by one in 19 of 20 of them).
const NUMBER_LABEL_USES: u32 = 20;

impl Lexicon {
    /// From the catalog and every text the store holds about a product
    /// (copy, reviews; each product's description is read from `products`).
    /// `texts` about products not in `products` are skipped.
    pub fn build<'a>(
        products: &'a [Product],
        texts: impl Iterator<Item = (&'a str /*product_id*/, &'a str /*text*/)>,
    ) -> Lexicon {
        let index: HashMap<&str, usize> = products
            .iter()
            .enumerate()
            .map(|(i, p)| (p.product_id.as_str(), i))
            .collect();
        let owns: Vec<Own> = products.iter().map(Own::of).collect();
        let categories: BTreeSet<&str> = products.iter().map(|p| p.category.as_str()).collect();
        let category_of: Vec<u32> = products
            .iter()
            .map(|p| categories.range(..p.category.as_str()).count() as u32)
            .collect();
        let mut titles = Titles::of(&owns);
        let mut roles = Roles::of(products, &owns, &category_of);
        let mut claim_uses: HashMap<String, WordUses> = HashMap::new();
        // Word → (prices, other numbers) that texts put right after it.
        let mut number_words: HashMap<String, (u32, u32)> = HashMap::new();
        // Word → (uses, uses with a number right after it in its sentence).
        let mut followed: HashMap<String, (u32, u32)> = HashMap::new();
        let mut vocabulary: HashSet<String> = HashSet::new();
        for (p, own) in products.iter().zip(&owns) {
            for text in &own.texts {
                vocabulary.extend(text.iter().cloned());
            }
            vocabulary.extend(lower_words(&p.category));
            vocabulary.extend(p.brand.iter().flat_map(|b| lower_words(b)));
            vocabulary.extend(p.attributes.keys().flat_map(|k| lower_words(k)));
        }

        let descriptions = products
            .iter()
            .filter_map(|p| Some((p.product_id.as_str(), p.description.as_deref()?)));
        for (product_id, text) in descriptions.chain(texts) {
            let Some(&p) = index.get(product_id) else {
                continue;
            };
            let own = &owns[p];
            let ws = words(text);
            vocabulary.extend(ws.iter().map(|w| w.lower.clone()));
            for (i, w) in ws.iter().enumerate() {
                let uses = followed.entry(label_key(text, w)).or_default();
                uses.0 += 1;
                uses.1 += u32::from(number_follows(&ws, i));
            }
            // Names of other products are masked: a hook's "Rain Jacket"
            // is no use of the kind by this product's texts.
            let mut masked = vec![false; ws.len()];
            let names: Vec<(usize, usize, String)> =
                find(&ws, &titles.names, titles.longest, |w| &w.cased, |_| false)
                    .into_iter()
                    .filter(|m| !is_own_or_sentence_start(&ws, m, own))
                    .map(|m| (m.start, m.len, m.key.to_string()))
                    .collect();
            for (start, len, name) in names {
                masked[start..start + len].fill(true);
                if let Some(u) = titles.names.get_mut(&name) {
                    u.texts += 1;
                }
            }
            let forms = &titles.kind_forms;
            let kinds: HashSet<&String> =
                find(&ws, forms, KIND_MAX_WORDS, |w| &w.lower, |i| masked[i])
                    .into_iter()
                    .map(|m| &forms[m.key])
                    .collect();
            for kind in kinds {
                if let Some(u) = titles.kinds.get_mut(kind) {
                    u.texts += 1;
                    u.own += contains(&own.title_lower, &split(kind)) as u32;
                }
            }
            let features: HashSet<String> = find(
                &ws,
                &roles.features,
                FEATURE_MAX_WORDS,
                |w| &w.lower,
                |i| masked[i],
            )
            .into_iter()
            .map(|m| m.key.to_string())
            .collect();
            for phrase in features {
                if let Some((_, u)) = roles.features.get_mut(&phrase) {
                    u.texts += 1;
                    u.own += own.has(&split(&phrase)) as u32;
                }
            }
            // Which words the shop's copy puts before its prices, and
            // which before its other numbers ("holds 750 ml").
            for n in numbers(text) {
                if let Some(w) = word_before(text, n.span.0) {
                    let uses = number_words.entry(w).or_default();
                    if is_price(&products[p], n.value) {
                        uses.0 += 1;
                    } else {
                        uses.1 += 1;
                    }
                }
            }
            let distinct: HashSet<&str> = ws
                .iter()
                .zip(&masked)
                .filter(|(w, m)| !**m && !w.lower.contains(|c: char| c.is_ascii_digit()))
                .map(|(w, _)| w.lower.as_str())
                .filter(|w| !roles.not_claims.contains(*w))
                .collect();
            for w in distinct {
                count_claim_word(&mut claim_uses, w, &roles, &products[p], category_of[p]);
            }
        }
        let mut lexicon = select(products, &owns, titles, roles, claim_uses);
        lexicon.tables.vocabulary = vocabulary;
        lexicon.tables.never_before_price = number_words
            .into_iter()
            .filter(|(_, (prices, others))| *prices == 0 && *others >= PRICE_SLOT_USES)
            .map(|(w, _)| w)
            .collect();
        lexicon.tables.number_labels = followed
            .into_iter()
            .filter(|(w, (uses, numbers))| {
                *uses >= NUMBER_LABEL_USES
                    && *numbers * 20 >= *uses * 19
                    && !w.contains(|c: char| c.is_ascii_digit())
            })
            .map(|(w, _)| w)
            .collect();
        lexicon
    }
}

/// Counts one text's use of `word` about `product` (in category `category`).
fn count_claim_word(
    uses: &mut HashMap<String, WordUses>,
    word: &str,
    roles: &Roles<'_>,
    product: &Product,
    category: u32,
) {
    if !uses.contains_key(word) {
        let fresh = WordUses {
            per_key: vec![0; roles.claim_keys.len()],
            per_value: vec![(0, Vec::new()); roles.claim_values.len()],
            elsewhere: vec![0; roles.claim_values.len()],
        };
        uses.insert(word.to_string(), fresh);
    }
    let Some(u) = uses.get_mut(word) else {
        return;
    };
    for (k, key) in roles.claim_keys.iter().enumerate() {
        let has = product.attributes.get(*key);
        if !roles.varies[k].contains(&category) {
            for (j, (kk, v)) in roles.claim_values.iter().enumerate() {
                if *kk == k && has != Some(v) {
                    u.elsewhere[j] += 1;
                }
            }
            continue;
        }
        u.per_key[k] += 1;
        for (j, (kk, v)) in roles.claim_values.iter().enumerate() {
            if *kk == k && has == Some(v) {
                let (n, cats) = &mut u.per_value[j];
                *n += 1;
                if !cats.contains(&category) {
                    cats.push(category);
                }
            }
        }
    }
}

/// Keeps what passed its thresholds.
fn select(
    products: &[Product],
    owns: &[Own],
    titles: Titles,
    roles: Roles<'_>,
    claim_uses: HashMap<String, WordUses>,
) -> Lexicon {
    let mut tables = Tables::default();
    for (name, u) in titles.names {
        if titles.full.contains(&name) || u.texts >= NAME_MIN_USES {
            tables.names.insert(name, u.texts);
        }
    }
    let mut kept: Vec<&String> = titles
        .kinds
        .iter()
        .filter(|(_, u)| u.passes(KIND_MIN_TEXTS, KIND_PRECISION))
        .map(|(k, _)| k)
        .collect();
    kept.sort();
    for kind in &kept {
        let phrase = split(kind);
        let mut counts: BTreeMap<&str, usize> = BTreeMap::new();
        for (p, own) in products.iter().zip(owns) {
            if contains(&own.title_lower, &phrase) {
                *counts.entry(p.category.as_str()).or_default() += 1;
            }
        }
        let category = counts
            .iter()
            .max_by_key(|(_, n)| **n)
            .map_or(String::new(), |(c, _)| c.to_string());
        tables.kinds.insert(
            kind.to_string(),
            Kind {
                phrase: kind.to_string(),
                category,
            },
        );
    }
    // Plurals after every singular, so a plural never hides another kind.
    for kind in &kept {
        for form in plurals(kind) {
            if let Some(value) = tables.kinds.get(kind.as_str()).cloned() {
                tables.kinds.entry(form).or_insert(value);
            }
        }
    }
    for (phrase, (key, u)) in roles.features {
        if u.passes(FEATURE_MIN_TEXTS, FEATURE_PRECISION) {
            tables.features.insert(phrase, key);
        }
    }
    for (word, u) in claim_uses {
        let mut ties = Vec::new();
        for (j, (k, value)) in roles.claim_values.iter().enumerate() {
            let (n, cats) = &u.per_value[j];
            let total = u.per_key[*k] + u.elsewhere[j];
            if total >= CLAIM_MIN_TEXTS
                && *n as f64 >= CLAIM_PRECISION * total as f64
                && cats.len() >= CLAIM_MIN_CATEGORIES
            {
                ties.push(Claim {
                    key: roles.claim_keys[*k].to_string(),
                    value: value.clone(),
                });
            }
        }
        if !ties.is_empty() {
            tables.claims.insert(word, ties);
        }
    }
    let fact_values = |key: fn(&Product) -> Option<&str>| {
        let mut v: Vec<String> = products
            .iter()
            .filter_map(key)
            .map(str::to_string)
            .collect();
        v.sort();
        v.dedup();
        v
    };
    tables.brands = fact_values(|p| p.brand.as_deref());
    tables.materials = fact_values(|p| p.attributes.get("material").and_then(Value::as_str));
    tables.colors = fact_values(|p| {
        p.attributes
            .get("color")
            .or_else(|| p.attributes.get("colour"))
            .and_then(Value::as_str)
    });
    Lexicon::from(tables)
}

/// English plurals of a phrase's last word, as texts write them.
pub(super) fn plurals(phrase: &str) -> [String; 2] {
    [format!("{phrase}s"), format!("{phrase}es")]
}
