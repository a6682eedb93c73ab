//! Evaluation only: each demo shop's judge (which taste a piece of copy
//! speaks to) and ceiling (which taste a shopper's own history reveals).
//!
//! These read the generator's own vocabulary, which no real shop has:
//! training and generation must never call them (ARCHITECTURE.md holds the
//! invariant, `nothing_but_evaluation_calls_the_judge` looks for callers).
//! They exist so the quality benchmark can score copy on every shop of the
//! family the same way.
//!
//! A taste's words are derived, not listed: the words of the templates
//! written in that taste's voice that no other voice, no neutral template
//! and no catalog text of the shop uses. The judge counts them in a text
//! and names the taste with the most, if one has strictly more than the
//! rest. The ceiling's classifier adds, over a history, a vote for each
//! judged text and, for each purchase, the attributes and price band that
//! draw a taste, less how common they are in the catalog.

use super::family::spec::{Spec, Tier};
use super::family::{self, fact_terms, likes, shared_templates};
use super::{Taste, phrases, vocab, words};
use crate::domain::{EventKind, HistoryItem, Product};
use std::collections::{HashMap, HashSet};

/// The judge and ceiling of one demo shop (evaluation only).
pub trait ShopEvaluator {
    /// The shop's tastes, as the truth file names them.
    fn tastes(&self) -> Vec<String>;
    /// Which taste `text` speaks to; `None` when no taste clearly wins.
    fn judge(&self, text: &str) -> Option<String>;
    /// The taste the history reveals: `items` as `Store::user_history` returns them.
    fn read_history(
        &self,
        items: &[HistoryItem],
        products: &HashMap<String, Product>,
    ) -> Option<String>;
}

/// The judge and ceiling of the shop `name` (the default demo included).
pub fn evaluator(name: &str) -> Option<Box<dyn ShopEvaluator>> {
    if name == "default" {
        return Some(Box::new(DefaultEvaluator::new()));
    }
    family::spec(name).map(|s| Box::new(FamilyEvaluator::new(s)) as Box<dyn ShopEvaluator>)
}

/// The share of `shoppers` (history, true taste) whose history `ev` reads
/// as their true taste: the shop's ceiling over them.
pub fn ceiling<'a>(
    ev: &dyn ShopEvaluator,
    shoppers: impl IntoIterator<Item = (&'a [HistoryItem], &'a str)>,
    products: &HashMap<String, Product>,
) -> f64 {
    let (mut hits, mut n) = (0usize, 0usize);
    for (items, truth) in shoppers {
        n += 1;
        hits += usize::from(ev.read_history(items, products).as_deref() == Some(truth));
    }
    hits as f64 / n.max(1) as f64
}

/// Weight of a purchase's attribute evidence against one judged text.
const ATTRIBUTE_WEIGHT: f64 = 0.6;

/// Lower-case words of `text`: letters, digits, inner hyphens and
/// apostrophes. In a template, `{slot}` names are skipped and `[a|b]`
/// choices split like spaces.
fn tokens(text: &str) -> impl Iterator<Item = String> + '_ {
    let mut depth = 0;
    let cleaned: String = text
        .chars()
        .map(|c| match c {
            '{' => {
                depth += 1;
                ' '
            }
            '}' => {
                depth -= 1;
                ' '
            }
            _ if depth > 0 => ' ',
            c if c.is_alphanumeric() || c == '-' || c == '\'' => c,
            _ => ' ',
        })
        .collect();
    cleaned
        .split_whitespace()
        .map(|w| w.trim_matches(['-', '\'']).to_lowercase())
        .filter(|w| !w.is_empty())
        .collect::<Vec<_>>()
        .into_iter()
}

/// Words that mark each taste's voice, derived from templates.
#[derive(Debug)]
struct WordJudge {
    tastes: Vec<String>,
    /// Each marking word and the taste (index) it marks.
    words: HashMap<String, usize>,
}

impl WordJudge {
    /// `voiced[t]` are the templates of taste `t`'s voice; `elsewhere`
    /// every other text the shop writes (neutral templates, shared shapes,
    /// catalog vocabulary).
    fn new(tastes: Vec<String>, voiced: &[Vec<&str>], elsewhere: &[&str]) -> WordJudge {
        let common: HashSet<String> = elsewhere.iter().flat_map(|t| tokens(t)).collect();
        let mut owner: HashMap<String, Option<usize>> = HashMap::new();
        for (t, templates) in voiced.iter().enumerate() {
            for w in templates.iter().flat_map(|s| tokens(s)) {
                if common.contains(&w) {
                    continue;
                }
                let e = owner.entry(w).or_insert(Some(t));
                if *e != Some(t) {
                    *e = None;
                }
            }
        }
        let words = owner
            .into_iter()
            .filter_map(|(w, t)| t.map(|t| (w, t)))
            .collect();
        WordJudge { tastes, words }
    }

    /// The taste with strictly the most marking words in `text`.
    fn judge(&self, text: &str) -> Option<usize> {
        let mut votes = vec![0u32; self.tastes.len()];
        for w in tokens(text) {
            if let Some(&t) = self.words.get(&w) {
                votes[t] += 1;
            }
        }
        winner(votes.iter().map(|&v| f64::from(v)))
    }
}

/// The index of the strictly greatest positive score.
fn winner(scores: impl Iterator<Item = f64>) -> Option<usize> {
    let (mut best, mut best_at, mut tie) = (0.0, None, false);
    for (i, s) in scores.enumerate() {
        if s > best {
            (best, best_at, tie) = (s, Some(i), false);
        } else if s == best && best_at.is_some() {
            tie = true;
        }
    }
    best_at.filter(|_| !tie)
}

/// Scores a history: a vote per judged text, plus attribute evidence per
/// purchase. `drawn(p)` says which tastes product `p` draws; `base[t]` is
/// the share of the catalog that draws taste `t`.
fn read(
    judge: &WordJudge,
    items: &[HistoryItem],
    products: &HashMap<String, Product>,
    base: &[f64],
    drawn: &dyn Fn(&Product) -> Vec<bool>,
) -> Option<usize> {
    let mut scores = vec![0.0; judge.tastes.len()];
    for item in items {
        if let Some(t) = item.text.as_deref().and_then(|text| judge.judge(text)) {
            scores[t] += 1.0;
        }
        if item.kind == EventKind::Purchase
            && let Some(p) = products.get(&item.product_id)
        {
            for (t, d) in drawn(p).into_iter().enumerate() {
                scores[t] += ATTRIBUTE_WEIGHT * (f64::from(u8::from(d)) - base[t]);
            }
        }
    }
    winner(scores.into_iter())
}

/// The share of `products` drawing each of `n` tastes.
fn base_rates(
    n: usize,
    products: &HashMap<String, Product>,
    drawn: &dyn Fn(&Product) -> Vec<bool>,
) -> Vec<f64> {
    let mut counts = vec![0.0; n];
    for p in products.values() {
        for (t, d) in drawn(p).into_iter().enumerate() {
            counts[t] += f64::from(u8::from(d));
        }
    }
    let total = products.len().max(1) as f64;
    counts.into_iter().map(|c| c / total).collect()
}

/// A price band read from the price against the usual price range of the
/// product's kind (`range`), as a shopper sees it.
fn band(price: f64, range: (f64, f64)) -> Tier {
    let ratio = price / ((range.0 + range.1) / 2.0);
    if ratio < 0.75 {
        Tier::Budget
    } else if ratio > 1.5 {
        Tier::Premium
    } else {
        Tier::Mid
    }
}

/// A family shop's evaluator, from its spec.
struct FamilyEvaluator {
    spec: &'static Spec,
    judge: WordJudge,
}

impl FamilyEvaluator {
    fn new(spec: &'static Spec) -> Self {
        let tastes = spec.tastes.iter().map(|t| t.name.to_string()).collect();
        let voiced: Vec<Vec<&str>> = spec
            .tastes
            .iter()
            .map(|t| {
                [t.words, t.predicates, t.lines, t.good, t.bad]
                    .iter()
                    .flat_map(|s| s.iter().copied())
                    .collect()
            })
            .collect();
        FamilyEvaluator {
            spec,
            judge: WordJudge::new(tastes, &voiced, &family_elsewhere(spec)),
        }
    }

    /// Which tastes `p` draws, its price band read from its price.
    fn drawn(&self, p: &Product) -> Vec<bool> {
        let tier = self.range_of(p).zip(p.price).map(|(r, x)| band(x, r));
        self.spec
            .tastes
            .iter()
            .map(|t| t.likes.iter().any(|l| likes(l, p, tier)))
            .collect()
    }

    /// The usual price range of `p`'s kind: the noun its title ends with.
    fn range_of(&self, p: &Product) -> Option<(f64, f64)> {
        self.spec
            .categories
            .iter()
            .flat_map(|c| c.nouns)
            .filter(|n| p.title.ends_with(n.name))
            .max_by_key(|n| n.name.len())
            .map(|n| n.price)
    }
}

/// Every text of `spec` outside its tastes' voices.
fn family_elsewhere(spec: &Spec) -> Vec<&'static str> {
    let mut out = shared_templates();
    let x = &spec.texts;
    for t in [
        x.what,
        x.made,
        x.feature,
        x.copy_made,
        x.predicates,
        x.lines,
        x.good,
        x.bad,
        spec.lines,
    ] {
        out.extend(t.iter().copied());
    }
    for f in spec.flags {
        out.extend(f.claims.iter().chain(f.marks).copied());
        out.push(f.describe);
    }
    for n in spec.numbers {
        out.extend(n.lines.iter().copied());
        out.push(n.format);
    }
    for c in spec.categories {
        out.push(c.name);
        out.extend(c.suits.iter().copied());
        for n in c.nouns {
            out.push(n.name);
            out.extend(n.features.iter().copied());
        }
    }
    out.extend(fact_terms(spec));
    out
}

impl ShopEvaluator for FamilyEvaluator {
    fn tastes(&self) -> Vec<String> {
        self.judge.tastes.clone()
    }

    fn judge(&self, text: &str) -> Option<String> {
        self.judge.judge(text).map(|t| self.judge.tastes[t].clone())
    }

    fn read_history(
        &self,
        items: &[HistoryItem],
        products: &HashMap<String, Product>,
    ) -> Option<String> {
        let n = self.spec.tastes.len();
        let drawn = |p: &Product| self.drawn(p);
        let base = base_rates(n, products, &drawn);
        read(&self.judge, items, products, &base, &drawn).map(|t| self.judge.tastes[t].clone())
    }
}

/// The default demo's evaluator, from its phrase and word tables.
struct DefaultEvaluator {
    judge: WordJudge,
}

impl DefaultEvaluator {
    fn new() -> Self {
        let tables = [
            phrases::PREDICATES,
            phrases::TAILS,
            phrases::BENEFITS,
            phrases::PRICES,
            phrases::OPENERS,
            phrases::CLOSERS,
            phrases::MATERIALS,
            phrases::COLORS,
            phrases::HOOKS,
            phrases::NOUN_LINES,
            words::ADJECTIVES,
        ];
        let voiced: Vec<Vec<&str>> = Taste::ALL
            .iter()
            .map(|t| {
                let v = t.index() + 1;
                tables
                    .iter()
                    .flat_map(|table| table[v].iter().copied())
                    .chain(words::KEY_ADJECTIVES[t.index()].iter().copied())
                    .collect()
            })
            .collect();
        let mut elsewhere: Vec<&str> = tables.iter().flat_map(|t| t[0].iter().copied()).collect();
        for s in [
            words::WORD_PREDICATES,
            words::WORD_HOOKS,
            words::WORD_PRICES,
            words::ADVERBS,
            words::ADJECTIVE_SHAPES,
            words::SCENE_LINES,
            phrases::CORE_SHAPES,
            phrases::SUBJECT_TITLE_BRAND,
            phrases::SUBJECT_TITLE,
            phrases::SUBJECT_BRAND,
            phrases::SUBJECT_PLAIN,
            phrases::FEATURE_LINES,
            vocab::LINES,
        ] {
            elsewhere.extend(s.iter().copied());
        }
        elsewhere.extend(words::SCENES.iter().flat_map(|(_, s)| s.iter().copied()));
        elsewhere.extend(vocab::MATERIALS.iter().map(|m| m.name));
        for c in vocab::CATEGORIES {
            elsewhere.push(c.name);
            elsewhere.extend(c.brands.iter().map(|b| b.name));
            elsewhere.extend(c.colors.iter().copied());
            for n in c.nouns {
                elsewhere.push(n.name);
                elsewhere.extend(n.features.iter().copied());
            }
        }
        let tastes = Taste::ALL.iter().map(|t| t.as_str().to_string()).collect();
        DefaultEvaluator {
            judge: WordJudge::new(tastes, &voiced, &elsewhere),
        }
    }

    /// Which tastes `p` draws: cheap or dear for its kind, its `eco` and
    /// `comfort` flags, a tech category.
    fn drawn(p: &Product) -> Vec<bool> {
        let flag = |key: &str| p.attributes.get(key).and_then(|v| v.as_bool()) == Some(true);
        let range = vocab::CATEGORIES
            .iter()
            .flat_map(|c| c.nouns)
            .filter(|n| p.title.ends_with(n.name))
            .max_by_key(|n| n.name.len())
            .map(|n| n.price);
        let tier = range.zip(p.price).map(|(r, x)| band(x, r));
        let tech = vocab::CATEGORIES
            .iter()
            .any(|c| c.tech && c.name == p.category);
        Taste::ALL
            .iter()
            .map(|t| match t {
                Taste::PriceConscious => tier == Some(Tier::Budget),
                Taste::EcoMinded => flag("eco"),
                Taste::Premium => tier == Some(Tier::Premium),
                Taste::Comfort => flag("comfort"),
                Taste::Tech => tech,
            })
            .collect()
    }
}

impl ShopEvaluator for DefaultEvaluator {
    fn tastes(&self) -> Vec<String> {
        self.judge.tastes.clone()
    }

    fn judge(&self, text: &str) -> Option<String> {
        self.judge.judge(text).map(|t| self.judge.tastes[t].clone())
    }

    fn read_history(
        &self,
        items: &[HistoryItem],
        products: &HashMap<String, Product>,
    ) -> Option<String> {
        let base = base_rates(Taste::ALL.len(), products, &Self::drawn);
        read(&self.judge, items, products, &base, &Self::drawn)
            .map(|t| self.judge.tastes[t].clone())
    }
}
