//! Faithfulness: whether a candidate is true to its product and to its
//! shopper, by five checks whose lexicons come from the store alone.
//!
//! Nothing here is a list of demo words. Every table is learned from the
//! catalog (titles, categories, attribute keys and values) and from which
//! words the shop's own texts (catalog descriptions, copy, reviews) use about
//! which products, so the checks work on a catalog they have never seen:
//!
//! - **kinds** (`type_errors`): the last one to three words of titles
//!   ("french press", "tee"), kept when the texts that use them are mostly
//!   about products so titled, so "top" in "top pick" is not a kind;
//! - **claims** (`claim_errors`): for boolean and few-valued attributes, the
//!   words whose texts are almost only about products with one value
//!   ("recycled" for `eco: true`);
//! - **features** (`feature_errors`): other string attribute values
//!   ("20-hour battery") that texts use about the products that have them;
//!   and any number that is not in the product's own facts;
//! - **names** (`history_errors`): titles and the title endings the shop's
//!   copy uses for other products ("the Windbreaker you bought");
//! - the existing [`FactChecker`] (`fact_errors`).
//!
//! Words a candidate uses for the products its shopper touched (their
//! names) are theirs, not the product's: claims, features and numbers are
//! not looked for inside them.

mod build;
pub(crate) mod words;

#[cfg(test)]
mod tests;

use self::build::KIND_MAX_WORDS;
use self::words::{
    Word, contains, ends_with, find, label_key, lower_words, number_follows, numbers, word_before,
    words,
};
use super::slots::FactChecker;
use crate::domain::{EventKind, HistoryItem, Product};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use std::collections::{HashMap, HashSet};

/// Attributes the [`FactChecker`] already covers.
const FACT_KEYS: [&str; 3] = ["material", "color", "colour"];
/// Words that say the shopper bought something. They are English, not
/// catalog: which product is named comes from the store, but a sentence
/// claiming a purchase is language ("the jacket you *ordered*").
const PURCHASE_WORDS: &[&str] = &[
    "bought",
    "ordered",
    "order",
    "purchased",
    "purchase",
    "got",
    "picked",
    "chose",
    "owner",
];

/// What one candidate got wrong; every field `None` (and not truncated)
/// means faithful.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Findings {
    /// Names a kind of product other than its own, e.g. `names "frying
    /// pan", a kind of Kitchen; this is a French Press`.
    pub type_error: Option<String>,
    /// Makes a claim tied to an attribute value the product lacks.
    pub claim_error: Option<String>,
    /// Names another product's feature, or a number not in the product's facts.
    pub feature_error: Option<String>,
    /// Names a product the shopper never touched, or calls a view a purchase.
    pub history_error: Option<String>,
    /// States a brand, price, material or colour that is not the product's.
    pub fact_error: Option<String>,
    /// Stopped at the length limit, not at `<eos>`.
    pub truncated: bool,
    /// Uses a word that no text and no catalog entry of the store has:
    /// a garbled or half-made word ("peoplver", "money-frills").
    pub garbled: Option<String>,
    /// Speaks as a reviewer: a clause the shop's reviews use again and
    /// again and its copy never does ("Highly recommend.", "Expected more
    /// from this novel.").
    pub review_voice: Option<String>,
}

impl Findings {
    /// Whether nothing was found.
    pub fn is_faithful(&self) -> bool {
        !self.truncated
            && self.type_error.is_none()
            && self.claim_error.is_none()
            && self.feature_error.is_none()
            && self.history_error.is_none()
            && self.fact_error.is_none()
            && self.garbled.is_none()
            && self.review_voice.is_none()
    }
}

/// A kind of product: its phrase in titles and the category most products
/// so titled are in.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
struct Kind {
    phrase: String,
    category: String,
}

/// An attribute value a claim word is tied to.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
struct Claim {
    key: String,
    value: Value,
}

/// The learned tables, as serialised.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
struct Tables {
    /// Kind phrases (lower-case; singular and plural) → the kind.
    kinds: HashMap<String, Kind>,
    /// Claim words (lower-case) → the values they are tied to.
    claims: HashMap<String, Vec<Claim>>,
    /// Feature phrases (lower-case) → the attribute they are values of.
    features: HashMap<String, String>,
    /// Product names as written → texts about other products that use them
    /// (0 for a full title, which is always a name).
    names: HashMap<String, u32>,
    /// The catalog's brands, materials and colours, for the [`FactChecker`].
    brands: Vec<String>,
    materials: Vec<String>,
    colors: Vec<String>,
    /// Every word (lower-case) of the catalog and the store's texts.
    #[serde(default)]
    vocabulary: HashSet<String>,
    /// Words the shop's texts put before other numbers ("holds 750 ml")
    /// and never before a price: "It holds $34.99" is a price in another
    /// number's place.
    #[serde(default)]
    never_before_price: HashSet<String>,
    /// Words the shop's texts follow with a number (almost) every time
    /// ("Size: 50 ml", "weighs 15 g"): one followed by anything else is
    /// a number's place filled with words ("Size: solid perfume").
    #[serde(default)]
    number_labels: HashSet<String>,
    /// Review sentences, as [`sentence_keys`] writes them, that copy and
    /// catalog descriptions never use.
    #[serde(default)]
    review_voice: HashSet<String>,
    /// Every word (lower-case) of the catalog's titles: a sentence key
    /// stands them in by `*`, so "expected more from this novel" and "...
    /// memoir" are one sentence.
    #[serde(default)]
    title_words: HashSet<String>,
}

/// Reviews that must use a sentence before copy that uses it reads as a
/// reviewer's.
const REVIEW_SENTENCE_USES: u32 = 5;

/// What the faithfulness checks know about a store's catalog and texts.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(from = "Tables", into = "Tables")]
pub struct Lexicon {
    tables: Tables,
    checker: FactChecker,
    kind_words: usize,
    feature_words: usize,
    name_words: usize,
}

impl From<Tables> for Lexicon {
    fn from(tables: Tables) -> Lexicon {
        let most = |keys: &mut dyn Iterator<Item = &String>| {
            keys.map(|k| k.split(' ').count()).max().unwrap_or(0)
        };
        // The checker needs products; one per value rebuilds the same lists.
        let mut fact_products = Vec::new();
        for brand in &tables.brands {
            fact_products.push(fact_product(Some(brand), "", ""));
        }
        for m in &tables.materials {
            fact_products.push(fact_product(None, m, ""));
        }
        for c in &tables.colors {
            fact_products.push(fact_product(None, "", c));
        }
        Lexicon {
            checker: FactChecker::new(fact_products.iter()),
            kind_words: most(&mut tables.kinds.keys()),
            feature_words: most(&mut tables.features.keys()),
            name_words: most(&mut tables.names.keys()),
            tables,
        }
    }
}

impl From<Lexicon> for Tables {
    fn from(l: Lexicon) -> Tables {
        l.tables
    }
}

fn fact_product(brand: Option<&str>, material: &str, color: &str) -> Product {
    let mut attributes = crate::domain::Attributes::new();
    if !material.is_empty() {
        attributes.insert("material".into(), material.into());
    }
    if !color.is_empty() {
        attributes.insert("color".into(), color.into());
    }
    Product {
        product_id: String::new(),
        title: String::new(),
        category: String::new(),
        brand: brand.map(str::to_string),
        price: None,
        description: None,
        attributes,
    }
}

/// A product's own words and numbers: what it may say about itself.
struct Own {
    title_cased: Vec<String>,
    title_lower: Vec<String>,
    /// Title, description and string attribute values, lower-cased.
    texts: Vec<Vec<String>>,
    numbers: Vec<f64>,
}

impl Own {
    fn of(p: &Product) -> Own {
        let title = words(&p.title);
        let strings = std::iter::once(p.title.as_str())
            .chain(p.description.as_deref())
            .chain(p.attributes.values().filter_map(Value::as_str));
        let mut texts = Vec::new();
        let mut found: Vec<f64> = p.price.into_iter().collect();
        for s in strings {
            texts.push(lower_words(s));
            found.extend(numbers(s).into_iter().map(|n| n.value));
        }
        found.extend(p.attributes.values().filter_map(Value::as_f64));
        Own {
            title_cased: title.iter().map(|w| w.cased.clone()).collect(),
            title_lower: texts[0].clone(),
            texts,
            numbers: found,
        }
    }

    /// Whether its title, description or an attribute value holds `phrase`.
    fn has(&self, phrase: &[&str]) -> bool {
        self.texts.iter().any(|t| contains(t, phrase))
    }

    fn has_number(&self, x: f64) -> bool {
        self.numbers.iter().any(|n| (n - x).abs() < 1e-6)
    }
}

fn split(key: &str) -> Vec<&str> {
    key.split(' ').collect()
}

impl Lexicon {
    /// How much was learned, for logs and reports.
    pub fn describe(&self) -> String {
        let t = &self.tables;
        let singular = t.kinds.iter().filter(|(k, v)| **k == v.phrase).count();
        format!(
            "{singular} kinds, {} claim words, {} features, {} names",
            t.claims.len(),
            t.features.len(),
            t.names.len()
        )
    }

    /// Learns the shop's review voice: the sentences that at least
    /// [`REVIEW_SENTENCE_USES`] `reviews` use, that no `copy` text and no
    /// catalog description uses, and that hold a word copy and descriptions
    /// never use. A shop without reviews has none; copy that uses one
    /// speaks as a shopper, not to one.
    pub fn learn_review_voice<'a>(
        &mut self,
        products: &'a [Product],
        copy: impl Iterator<Item = &'a str>,
        reviews: impl Iterator<Item = &'a str>,
    ) {
        let title_words: HashSet<String> = products
            .iter()
            .flat_map(|p| lower_words(&p.title))
            .collect();
        let keys = |text: &str| -> HashSet<String> {
            sentence_keys(text, &words(text), &title_words)
                .into_iter()
                .map(|(k, _)| k)
                .collect()
        };
        let descriptions = products.iter().filter_map(|p| p.description.as_deref());
        let mut copied: HashSet<String> = HashSet::new();
        let mut copy_words: HashSet<String> = HashSet::new();
        for text in descriptions.chain(copy) {
            copy_words.extend(lower_words(text));
            copied.extend(keys(text));
        }
        let mut uses: HashMap<String, u32> = HashMap::new();
        for text in reviews {
            for key in keys(text) {
                *uses.entry(key).or_default() += 1;
            }
        }
        // A review sentence made of copy's words ("Clear steps that work")
        // reads as copy; one with a word copy never uses ("Highly
        // recommend", "Expected more") is the reviewer's.
        let reviewers = |key: &str| {
            key.split(' ')
                .any(|w| w != "*" && w != "#" && !copy_words.contains(w))
        };
        self.tables.review_voice = uses
            .into_iter()
            .filter(|(k, n)| *n >= REVIEW_SENTENCE_USES && !copied.contains(k) && reviewers(k))
            .map(|(k, _)| k)
            .collect();
        self.tables.title_words = title_words;
    }

    /// Single words a candidate about `product` for a shopper with
    /// `history` could not use without a finding: claim words whose
    /// attribute value the product lacks, and one-word kinds and features
    /// that are neither its own nor (for kinds) the shopper's. Generation
    /// steers away from them; the checks still judge what it writes.
    pub fn avoid(&self, product: &Product, history: &[HistoryItem]) -> Vec<String> {
        let t = &self.tables;
        let own = Own::of(product);
        let touched: Vec<Vec<String>> = history.iter().map(|h| lower_words(&h.title)).collect();
        let mut out: Vec<String> = Vec::new();
        for (word, ties) in &t.claims {
            let fails = ties
                .iter()
                .any(|tie| product.attributes.get(&tie.key) != Some(&tie.value));
            if fails && !own.has(&[word.as_str()]) {
                out.push(word.clone());
            }
        }
        for phrase in t.kinds.keys().filter(|k| !k.contains(' ')) {
            let mine = own.has(&[phrase.as_str()])
                || touched.iter().any(|w| contains(w, &[phrase.as_str()]));
            if !mine {
                out.push(phrase.clone());
            }
        }
        for phrase in t.features.keys().filter(|k| !k.contains(' ')) {
            if !own.has(&[phrase.as_str()]) {
                out.push(phrase.clone());
            }
        }
        out.sort();
        out.dedup();
        out
    }

    /// Every finding for one candidate about `product` for a shopper whose
    /// history (before the candidate) is `history`.
    pub fn check(
        &self,
        text: &str,
        product: &Product,
        history: &[HistoryItem],
        truncated: bool,
    ) -> Findings {
        let t = &self.tables;
        let ws = words(text);
        let own = Own::of(product);
        let touched: Vec<(Vec<String>, Vec<String>, EventKind)> = history
            .iter()
            .map(|h| {
                let w = words(&h.title);
                (
                    w.iter().map(|w| w.cased.clone()).collect(),
                    w.into_iter().map(|w| w.lower).collect(),
                    h.kind,
                )
            })
            .collect();
        let mut f = Findings {
            truncated,
            ..Findings::default()
        };
        let mut masked = vec![false; ws.len()];

        for m in find(&ws, &t.names, self.name_words, |w| &w.cased, |_| false) {
            if is_own_or_sentence_start(&ws, &m, &own) {
                continue;
            }
            masked[m.start..m.start + m.len].fill(true);
            if f.history_error.is_some() {
                continue;
            }
            let phrase = split(m.key);
            let kinds: Vec<EventKind> = touched
                .iter()
                .filter(|(cased, _, _)| ends_with(cased, &phrase))
                .map(|(_, _, kind)| *kind)
                .collect();
            if kinds.is_empty() {
                f.history_error = Some(format!(
                    "names {:?}, which this shopper never touched",
                    m.key
                ));
            } else if !kinds
                .iter()
                .any(|k| matches!(k, EventKind::Purchase | EventKind::Review))
                && claims_purchase(&ws, ws[m.start].sentence)
            {
                let how = if kinds.contains(&EventKind::Cart) {
                    "put in the cart"
                } else {
                    "viewed"
                };
                f.history_error = Some(format!(
                    "calls {:?} a purchase; this shopper only {how} it",
                    m.key
                ));
            }
        }

        for m in find(&ws, &t.kinds, self.kind_words, |w| &w.lower, |_| false) {
            let kind = &t.kinds[m.key];
            let written: Vec<&str> = ws[m.start..m.start + m.len]
                .iter()
                .map(|w| w.lower.as_str())
                .collect();
            let phrase = split(&kind.phrase);
            // "silicone muffin tray" for a silicone Muffin Tray: the
            // product's own words, ending in its title's.
            let own_words = written.iter().all(|w| own.has(&[w]))
                && written
                    .last()
                    .is_some_and(|w| own.title_lower.iter().any(|t| t == w));
            // A kind the shopper touched may be a reference to it ("next
            // to your Lounge Set"), but not in a sentence about this
            // product: one that names its kind or its brand ("the Tulle
            // Foundation is a mascara", "a mascara from Pigmenta"), or
            // that brings the kind in with "a" ("A Peptide Mascara from
            // …"): a reference to the shopper's own is definite.
            let sentence = ws[m.start].sentence;
            let span = m.start..m.start + m.len;
            let in_sentence = |word: &str| {
                ws.iter().zip(&masked).enumerate().any(|(i, (w, masked))| {
                    !masked && !span.contains(&i) && w.sentence == sentence && w.lower == word
                })
            };
            let brand = product
                .brand
                .as_deref()
                .map(lower_words)
                .unwrap_or_default();
            let named_from = (0..m.start)
                .rev()
                .take_while(|&i| masked[i])
                .last()
                .unwrap_or(m.start);
            let indefinite = named_from
                .checked_sub(1)
                .map(|i| &ws[i])
                .is_some_and(|w| w.sentence == sentence && matches!(w.lower.as_str(), "a" | "an"));
            let about_this = indefinite
                || own.title_lower.last().is_some_and(|last| in_sentence(last))
                || (!brand.is_empty() && brand.iter().all(|b| in_sentence(b)));
            let theirs =
                !about_this && touched.iter().any(|(_, lower, _)| contains(lower, &phrase));
            if own.has(&phrase) || own.has(&written) || own_words || theirs {
                continue;
            }
            f.type_error = Some(format!(
                "names {:?}, a kind of {}; this is {}",
                written.join(" "),
                kind.category,
                self.kind_of(&own, product)
            ));
            break;
        }

        'claims: for (i, w) in ws.iter().enumerate() {
            let Some(ties) = t.claims.get(&w.lower).filter(|_| !masked[i]) else {
                continue;
            };
            if own.has(&[w.lower.as_str()]) {
                continue;
            }
            for tie in ties {
                let has = product.attributes.get(&tie.key);
                if has != Some(&tie.value) {
                    let has = has.map_or("none".to_string(), Value::to_string);
                    f.claim_error = Some(format!(
                        "claims {:?}, said of products with {key}: {}; this one has {key}: {has}",
                        w.lower,
                        tie.value,
                        key = tie.key
                    ));
                    break 'claims;
                }
            }
        }

        for m in find(
            &ws,
            &t.features,
            self.feature_words,
            |w| &w.lower,
            |i| masked[i],
        ) {
            if !own.has(&split(m.key)) {
                f.feature_error = Some(format!(
                    "names {:?}, a {} of other products",
                    m.key, t.features[m.key]
                ));
                break;
            }
        }
        if f.feature_error.is_none() {
            let in_name = |span: (usize, usize)| {
                ws.iter()
                    .zip(&masked)
                    .any(|(w, m)| *m && w.span.0 < span.1 && span.0 < w.span.1)
            };
            if let Some(n) = numbers(text)
                .into_iter()
                .find(|n| !own.has_number(n.value) && !in_name(n.span))
            {
                f.feature_error = Some(format!(
                    "states {}, a number that is not in this product's facts",
                    n.text
                ));
            }
        }
        if f.feature_error.is_none() {
            f.feature_error = numbers(text).into_iter().filter(|n| is_price(product, n.value)).find_map(|n| {
                let w = word_before(text, n.span.0)?;
                t.never_before_price.contains(&w).then(|| {
                    format!(
                        "puts the price {} after {w:?}, where this shop's copy puts other numbers, never a price",
                        n.text
                    )
                })
            });
        }

        f.garbled = ws
            .iter()
            .filter(|_| !t.vocabulary.is_empty())
            .find(|w| {
                !w.lower.contains(|c: char| c.is_ascii_digit())
                    && !t.vocabulary.contains(&w.lower)
                    && !w
                        .lower
                        .strip_suffix("'s")
                        .is_some_and(|stem| t.vocabulary.contains(stem))
            })
            .map(|w| {
                format!(
                    "{:?} is a word no text or product of this shop uses",
                    w.cased
                )
            })
            .or_else(|| empty_clause(text))
            .or_else(|| {
                let i = (0..ws.len()).find(|&i| {
                    t.number_labels.contains(&label_key(text, &ws[i])) && !number_follows(&ws, i)
                })?;
                Some(format!(
                    "{:?} comes before a number in this shop's texts, but not here",
                    ws[i].cased
                ))
            });

        // A clause that is, or starts with, a reviewer's clause of two
        // words or more ("Expected more from this thriller from day one").
        f.review_voice = sentence_keys(text, &ws, &t.title_words)
            .into_iter()
            .find(|(key, _)| {
                let words: Vec<&str> = key.split(' ').collect();
                t.review_voice.contains(key)
                    || (2..words.len()).any(|n| t.review_voice.contains(&words[..n].join(" ")))
            })
            .map(|(_, (from, to))| format!("speaks as a reviewer: {:?}", &text[from..to]));

        // Names of other products are theirs: "your Merino Tee" in copy
        // about a cotton hoodie states no material of the hoodie's.
        let mut unnamed = text.to_string();
        for (w, _) in ws.iter().zip(&masked).filter(|(_, m)| **m) {
            unnamed.replace_range(w.span.0..w.span.1, &" ".repeat(w.span.1 - w.span.0));
        }
        if self.checker.contradicts(&unnamed, product) {
            f.fact_error =
                Some("states a brand, price, material or colour that is not this product's".into());
        }
        f
    }

    /// How a message names the product's own kind: "a French Press".
    fn kind_of(&self, own: &Own, product: &Product) -> String {
        let n = own.title_lower.len();
        let words = (1..=KIND_MAX_WORDS.min(n))
            .rev()
            .find(|&k| {
                self.tables
                    .kinds
                    .contains_key(&own.title_lower[n - k..].join(" "))
            })
            .map(|k| own.title_cased[n - k..].join(" "));
        match words {
            Some(w) if w.starts_with(['A', 'E', 'I', 'O', 'U', 'a', 'e', 'i', 'o', 'u']) => {
                format!("an {w}")
            }
            Some(w) => format!("a {w}"),
            None => format!("{:?}", product.title),
        }
    }
}

/// Whether `value` is `product`'s price (to the cent).
fn is_price(product: &Product, value: f64) -> bool {
    product.price.is_some_and(|x| (x - value).abs() < 0.005)
}

/// Each clause of `text` (whose words are `ws`) as a key, with its byte
/// span: its lower-case words, a title word as `*` and a number as `#`,
/// joined by spaces. A clause ends where its sentence does and at a comma
/// or semicolon ("Really practical, I keep coming back to it" is two). A
/// clause of nothing but titles and numbers has no key.
fn sentence_keys(
    text: &str,
    ws: &[Word],
    title_words: &HashSet<String>,
) -> Vec<(String, (usize, usize))> {
    let mut out: Vec<(String, (usize, usize))> = Vec::new();
    let same_clause = |a: &Word, b: &Word| {
        a.sentence == b.sentence && !text[a.span.1..b.span.0].contains([',', ';'])
    };
    for sentence in ws.chunk_by(same_clause) {
        let key: Vec<&str> = sentence
            .iter()
            .map(|w| {
                if w.lower.contains(|c: char| c.is_ascii_digit()) {
                    "#"
                } else if title_words.contains(&w.lower) {
                    "*"
                } else {
                    w.lower.as_str()
                }
            })
            .collect();
        if key.iter().all(|k| *k == "*" || *k == "#") {
            continue;
        }
        let from = sentence[0].span.0;
        let to = sentence.last().map_or(from, |w| w.span.1);
        out.push((key.join(" "), (from, to)));
    }
    out
}

/// A colon with nothing after it before the sentence ends ("Size:."): what
/// a slot with no value leaves behind.
fn empty_clause(text: &str) -> Option<String> {
    text.char_indices().find_map(|(i, c)| {
        if c != ':' {
            return None;
        }
        let rest = text[i + 1..].trim_start();
        (rest.is_empty() || rest.starts_with(['.', '!', '?', ',', ';', ':'])).then(|| {
            let start = text[..i].rfind(['.', '!', '?']).map_or(0, |s| s + 1);
            format!("leaves a clause empty: {:?}", text[start..=i].trim())
        })
    })
}

/// Whether a name found in a text is the text's own product (its title
/// ends with it), or a single capitalised word starting a sentence, which
/// reads as any word ("Pair it with...").
fn is_own_or_sentence_start(ws: &[Word], m: &words::Found<'_>, own: &Own) -> bool {
    (m.len == 1 && ws[m.start].starts_sentence) || ends_with(&own.title_cased, &split(m.key))
}

/// Whether sentence `sentence` of `ws` says the shopper bought something.
fn claims_purchase(ws: &[Word], sentence: usize) -> bool {
    ws.iter()
        .filter(|w| w.sentence == sentence)
        .any(|w| PURCHASE_WORDS.contains(&w.lower.as_str()))
}
