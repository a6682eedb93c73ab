//! Which of a shop's words the model copies instead of recalling: a plan
//! learnt from the store's own catalog and texts, saved with each version.
//!
//! The base slots (brand, price, title, material, colour) are the same for
//! every shop. A shop's copy also names the kind of product ("this French
//! press"), a product the shopper bought ("pairs well with the Fleece
//! Jogger you got"), and attribute values ("school mode", "1200 W"). A
//! decoder that must recall those from its weights writes a frying pan for a
//! French press, an invented feature or a purchase that never happened. So
//! they become slots too, filled from the catalog and the shopper's history
//! after sampling, exactly as the base slots are. Nothing here is written
//! for one shop: the plan is learnt from how the store's own texts use its
//! own catalog.
//!
//! - **Kinds** are title endings (the last one or two words) that the shop's
//!   texts use as a noun for products so titled: a phrase is kept when texts
//!   about such products often contain it outside the title itself and texts
//!   about other products rarely do (so "top" in "top pick" is not a kind).
//! - **The bought product** is named as the shop's copy names products a
//!   shopper bought: by the last `ref_words` words of its title, the form
//!   seen most often.
//! - **Attributes**: up to four string or number attributes whose values
//!   the texts quote most.

use super::slots::{Facts, Slot};
use crate::domain::{EventKind, HistoryItem, Product};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use std::collections::{BTreeMap, HashMap, HashSet};

/// The shop-specific slots of one version.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct SlotPlan {
    /// Kind phrases, lower-case, to the form the copy writes mid-sentence.
    pub kinds: BTreeMap<String, String>,
    /// A bought product is named by its title's last `ref_words` words
    /// (the whole title when shorter); `None`: the copy names none.
    pub ref_words: Option<usize>,
    /// Attribute keys filled by `<attr1>` to `<attr4>`, in order.
    pub attr_keys: Vec<String>,
    /// The shop's voice words and their weight (inverse document
    /// frequency): words of its texts that are neither catalog words nor
    /// in most texts. A shopper's profile is the heaviest of them in the
    /// texts they saw or wrote (none for versions trained before it).
    #[serde(default)]
    pub voice: BTreeMap<String, f32>,
}

/// Words in a shopper's voice profile at most.
pub const PROFILE_WORDS: usize = 4;
/// Voice words a plan keeps at most, the most used first.
const VOICE_WORDS: usize = 3000;

/// Words a kind phrase holds at most ("eau de parfum").
const KIND_MAX_WORDS: usize = 3;

/// Attribute slots at most.
pub const ATTR_SLOTS: usize = 4;

/// Keys the base slots cover.
const BASE_KEYS: [&str; 3] = ["material", "color", "colour"];

impl SlotPlan {
    /// The facts copy about `product` may state, for a shopper whose history
    /// is `history`, at time `at`: the base facts, the kind, the product
    /// they bought most recently before `at` (another product), and the
    /// planned attributes.
    pub fn facts(&self, product: &Product, history: &[HistoryItem], at: i64) -> Facts {
        let mut facts = Facts::of(product);
        facts.set_extra(Slot::Kind, self.kind_of(&product.title).as_deref());
        if let Some(words) = self.ref_words {
            let bought = history
                .iter()
                .filter(|h| h.ts < at && h.kind == EventKind::Purchase)
                .filter(|h| h.product_id != product.product_id)
                .max_by_key(|h| h.ts);
            facts.set_extra(
                Slot::Bought,
                bought.map(|h| title_suffix(&h.title, words)).as_deref(),
            );
        }
        facts.set_profile(self.profile(history, at).as_deref());
        for (slot, key) in Slot::ATTRS.iter().zip(&self.attr_keys) {
            facts.set_extra(
                *slot,
                product.attributes.get(key).and_then(value_text).as_deref(),
            );
        }
        facts
    }

    /// The shopper's voice: the [`PROFILE_WORDS`] voice words with the most
    /// weight (uses × weight) in the texts of their history before `at`.
    pub fn profile(&self, history: &[HistoryItem], at: i64) -> Option<String> {
        if self.voice.is_empty() {
            return None;
        }
        let mut score: BTreeMap<&str, f32> = BTreeMap::new();
        for item in history.iter().filter(|h| h.ts < at) {
            let Some(text) = &item.text else { continue };
            for w in words(text) {
                if let Some((word, weight)) = self.voice.get_key_value(&w) {
                    *score.entry(word.as_str()).or_default() += weight;
                }
            }
        }
        let mut ranked: Vec<(&str, f32)> = score.into_iter().collect();
        ranked.sort_by(|a, b| b.1.total_cmp(&a.1).then_with(|| a.0.cmp(b.0)));
        let top: Vec<&str> = ranked
            .into_iter()
            .take(PROFILE_WORDS)
            .map(|(w, _)| w)
            .collect();
        (!top.is_empty()).then(|| top.join(" "))
    }

    /// The kind a title names, in the copy's form: its longest ending (two
    /// words, then one) that is a kind.
    pub fn kind_of(&self, title: &str) -> Option<String> {
        endings(title)
            .into_iter()
            .rev()
            .find_map(|phrase| self.kinds.get(&phrase).cloned())
    }
}

/// The last `n` words of `title` (all of it when shorter).
fn title_suffix(title: &str, n: usize) -> String {
    let words: Vec<&str> = title.split_whitespace().collect();
    words[words.len().saturating_sub(n)..].join(" ")
}

/// An attribute value as copy would quote it: a short string, or a number.
fn value_text(v: &Value) -> Option<String> {
    match v {
        Value::String(s) if !s.trim().is_empty() && s.split_whitespace().count() <= 5 => {
            Some(s.trim().to_string())
        }
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

/// Lower-case words of `text` (letters, digits, `-` and `'` inside words).
fn words(text: &str) -> Vec<String> {
    text.split(|c: char| !(c.is_alphanumeric() || c == '-' || c == '\''))
        .map(|w| w.trim_matches(|c| c == '-' || c == '\'').to_lowercase())
        .filter(|w| !w.is_empty())
        .collect()
}

/// For each word of [`words`]`(text)`, whether it is written capitalised
/// after the start of its sentence: part of a name.
fn named(text: &str) -> Vec<bool> {
    let mut out = Vec::new();
    let mut starts = true;
    let mut at = 0;
    for piece in text.split(|c: char| !(c.is_alphanumeric() || c == '-' || c == '\'')) {
        let from = piece.as_ptr() as usize - text.as_ptr() as usize;
        if text[at..from].contains(['.', '!', '?', ':']) {
            starts = true;
        }
        at = from + piece.len();
        let w = piece.trim_matches(|c| c == '-' || c == '\'');
        if w.is_empty() {
            continue;
        }
        out.push(!starts && w.starts_with(char::is_uppercase));
        starts = false;
    }
    out
}

/// Every run of one to `max` words of `words`, joined by spaces.
fn grams(words: &[String], max: usize) -> HashSet<String> {
    let mut out = HashSet::new();
    for n in 1..=max {
        for w in words.windows(n) {
            out.insert(w.join(" "));
        }
    }
    out
}

/// Whether `phrase` (lower-case words) occurs in `grams` of a text.
fn has(grams: &HashSet<String>, phrase: &str) -> bool {
    grams.contains(phrase)
}

/// Counts over the store's texts, from which a [`SlotPlan`] is learnt.
#[derive(Debug, Default)]
pub struct PlanLearner {
    /// Per kind candidate: texts about products so titled, those that use it
    /// outside the title, and texts about other products that use it.
    kinds: HashMap<String, KindCount>,
    /// Surface forms seen mid-sentence, per kind candidate.
    forms: HashMap<String, HashMap<String, usize>>,
    /// Texts that could name a bought product, and how many did with the
    /// title's last n words (index n; 0 for the whole title).
    refs: usize,
    ref_hits: BTreeMap<usize, usize>,
    /// Per attribute key: texts about products with a quotable value, and
    /// texts quoting it; copy (descriptions and copy logs) and reviews
    /// apart, so a shop whose many reviews never quote an attribute its
    /// descriptions always state still gets the slot.
    attrs: HashMap<String, (usize, usize)>,
    review_attrs: HashMap<String, (usize, usize)>,
    /// Texts seen, and per word the texts using it.
    texts: usize,
    used: HashMap<String, usize>,
    /// Words of the catalog (titles, brands, categories, attribute values):
    /// facts, not voice.
    catalog_words: HashSet<String>,
}

#[derive(Debug, Default, Clone, Copy)]
struct KindCount {
    own_texts: usize,
    own_hits: usize,
    other_hits: usize,
    /// The same two counts over copy alone (reviews left out).
    copy_texts: usize,
    copy_hits: usize,
}

/// The title endings that could be kinds: the last one and two words,
/// lower-cased, shortest first. An ending never starts with a word the
/// title writes in lower case: "Eau de Parfum" ends in "parfum" and "eau
/// de parfum", never "de parfum".
fn endings(title: &str) -> Vec<String> {
    let cased: Vec<&str> = title
        .split(|c: char| !(c.is_alphanumeric() || c == '-' || c == '\''))
        .map(|w| w.trim_matches(|c| c == '-' || c == '\''))
        .filter(|w| !w.is_empty())
        .collect();
    let mut out: Vec<String> = Vec::new();
    for n in 1..=2.min(cased.len()) {
        let mut from = cased.len() - n;
        while from > 0 && cased[from].starts_with(char::is_lowercase) {
            from -= 1;
        }
        let phrase = cased[from..].join(" ").to_lowercase();
        if !out.contains(&phrase) {
            out.push(phrase);
        }
    }
    out
}

impl PlanLearner {
    /// A learner that knows the catalog's kind candidates.
    pub fn new<'a>(catalog: impl IntoIterator<Item = &'a Product>) -> PlanLearner {
        let mut learner = PlanLearner::default();
        for p in catalog {
            for e in endings(&p.title) {
                learner.kinds.entry(e).or_default();
            }
            let strings = [p.title.as_str(), p.category.as_str()]
                .into_iter()
                .chain(p.brand.as_deref())
                .chain(p.attributes.keys().map(String::as_str))
                .chain(p.attributes.values().filter_map(Value::as_str));
            for s in strings {
                learner.catalog_words.extend(words(s));
            }
        }
        learner
    }

    /// Counts one text about `product`; `bought` is the title of the product
    /// the shopper bought most recently before it, when there is one.
    pub fn text(&mut self, product: &Product, text: &str, bought: Option<&str>) {
        self.text_of(product, text, bought, false);
    }

    /// [`PlanLearner::text`] for a text the shopper wrote (a review).
    pub fn review(&mut self, product: &Product, text: &str, bought: Option<&str>) {
        self.text_of(product, text, bought, true);
    }

    fn text_of(&mut self, product: &Product, text: &str, bought: Option<&str>, review: bool) {
        let all = words(text);
        self.texts += 1;
        for w in all.iter().collect::<HashSet<_>>() {
            *self.used.entry(w.clone()).or_default() += 1;
        }
        // The title's own words are the title slot's, and a bought
        // product's name is the bought slot's: a kind is counted only where
        // the text names it outside both.
        let without_title = {
            let mut names = vec![words(&product.title)];
            if let Some(b) = bought {
                let bw = words(b);
                for n in (2..=bw.len()).rev() {
                    names.push(bw[bw.len() - n..].to_vec());
                }
            }
            let mut rest = Vec::with_capacity(all.len());
            let mut i = 0;
            while i < all.len() {
                match names
                    .iter()
                    .find(|n| !n.is_empty() && all[i..].starts_with(n))
                {
                    Some(n) => {
                        rest.extend(std::iter::repeat_n("\u{0}".to_string(), n.len()));
                        i += n.len();
                    }
                    None => {
                        rest.push(all[i].clone());
                        i += 1;
                    }
                }
            }
            rest
        };
        let grams_out = grams(&without_title, KIND_MAX_WORDS);
        let own: Vec<String> = endings(&product.title);
        for e in &own {
            let c = self.kinds.entry(e.clone()).or_default();
            let hit = has(&grams_out, e);
            c.own_texts += 1;
            c.own_hits += usize::from(hit);
            if !review {
                c.copy_texts += 1;
                c.copy_hits += usize::from(hit);
            }
        }
        // About another product, a kind written capitalised mid-sentence is
        // part of a name ("goes well with my Tulle Foundation"), no use of
        // the kind: counted, it made "foundation" too imprecise to be one.
        let names = named(text);
        let unnamed: Vec<String> = without_title
            .iter()
            .zip(names.iter().chain(std::iter::repeat(&false)))
            .map(|(w, &name)| if name { "\u{0}".to_string() } else { w.clone() })
            .collect();
        for g in &grams(&unnamed, KIND_MAX_WORDS) {
            if !own.contains(g)
                && let Some(c) = self.kinds.get_mut(g)
            {
                c.other_hits += 1;
            }
        }
        self.count_forms(text, &product.title, &own);
        if let Some(title) = bought {
            self.refs += 1;
            let all_grams = grams(&all, 6);
            let tw = words(title);
            let whole = tw.join(" ");
            let hit = if has(&all_grams, &whole) && tw.len() > 4 {
                Some(0)
            } else {
                (2..=tw.len().min(4))
                    .rev()
                    .find(|&n| has(&all_grams, &tw[tw.len() - n..].join(" ")))
            };
            if let Some(n) = hit {
                *self.ref_hits.entry(n).or_default() += 1;
            }
        }
        let all_grams = grams(&all, 5);
        for (key, value) in &product.attributes {
            if BASE_KEYS.contains(&key.as_str()) {
                continue;
            }
            let Some(v) = value_text(value) else { continue };
            let v = words(&v).join(" ");
            if v.is_empty() {
                continue;
            }
            let counts = if review {
                &mut self.review_attrs
            } else {
                &mut self.attrs
            };
            let c = counts.entry(key.clone()).or_default();
            c.0 += 1;
            if has(&all_grams, &v) {
                c.1 += 1;
            }
        }
    }

    /// Remembers how the text writes each of `kinds` when not at a sentence
    /// start, so a filled kind reads as the shop writes it.
    fn count_forms(&mut self, text: &str, title: &str, kinds: &[String]) {
        // Byte ranges of the title's own occurrences, whose casing is the
        // title's, not the copy's (ASCII case folding keeps byte offsets).
        let lower = text.to_ascii_lowercase();
        let title = title.to_ascii_lowercase();
        let in_title: Vec<(usize, usize)> = if title.is_empty() {
            Vec::new()
        } else {
            lower
                .match_indices(&title)
                .map(|(at, t)| (at, at + t.len()))
                .collect()
        };
        let tokens: Vec<(usize, &str)> = text
            .split_whitespace()
            .map(|t| (t.as_ptr() as usize - text.as_ptr() as usize, t))
            .collect();
        for kind in kinds {
            let n = kind.split(' ').count();
            for (i, w) in tokens.windows(n).enumerate() {
                if in_title.iter().any(|&(a, b)| w[0].0 >= a && w[0].0 < b) {
                    continue;
                }
                let phrase: Vec<&str> = w
                    .iter()
                    .map(|(_, t)| t.trim_matches(|c: char| !c.is_alphanumeric() && c != '-'))
                    .collect();
                let joined = phrase.join(" ");
                if joined.to_lowercase() != *kind {
                    continue;
                }
                let starts_sentence = i == 0 || tokens[i - 1].1.ends_with(['.', '!', '?', ':']);
                if !starts_sentence {
                    *self
                        .forms
                        .entry(kind.clone())
                        .or_default()
                        .entry(joined)
                        .or_default() += 1;
                }
            }
        }
    }

    /// The plan these counts support.
    pub fn finish(self) -> SlotPlan {
        // A kind: used in at least 15% of the texts about products so
        // titled (and 5 of them), or of the copy about them (reviews seldom
        // name a kind, and swamp copy where a shop has no copy log), and at
        // least 60% of the texts using it are about such products.
        let mut kinds = BTreeMap::new();
        for (phrase, c) in &self.kinds {
            let share = |hits: usize, texts: usize| hits >= 5 && hits * 100 >= texts * 15;
            let used = share(c.own_hits, c.own_texts) || share(c.copy_hits, c.copy_texts);
            let precise = c.own_hits * 5 >= (c.own_hits + c.other_hits) * 3;
            if used && precise {
                let form = self
                    .forms
                    .get(phrase)
                    .and_then(|f| {
                        f.iter()
                            .max_by(|a, b| a.1.cmp(b.1).then_with(|| b.0.cmp(a.0)))
                            .map(|(form, _)| form.clone())
                    })
                    .unwrap_or_else(|| phrase.clone());
                kinds.insert(phrase.clone(), form);
            }
        }
        // The bought product's name: the form most texts that name one use,
        // when at least 20 do and 2% of those that could.
        let ref_words = self
            .ref_hits
            .iter()
            .max_by(|a, b| a.1.cmp(b.1).then_with(|| b.0.cmp(a.0)))
            .filter(|(_, n)| **n >= 20 && **n * 50 >= self.refs)
            .map(|(&words, _)| if words == 0 { usize::MAX } else { words });
        // Attributes quoted in at least 5% of the texts about products with
        // a value (and 20 of them), most quoted first.
        let quoted = |(k, (texts, hits)): (&String, &(usize, usize))| {
            (*hits >= 20 && hits * 20 >= *texts).then_some((k.clone(), *hits))
        };
        let mut attrs: Vec<(String, usize)> = Vec::new();
        for (k, hits) in self
            .attrs
            .iter()
            .filter_map(quoted)
            .chain(self.review_attrs.iter().filter_map(quoted))
        {
            match attrs.iter_mut().find(|(seen, _)| *seen == k) {
                Some(seen) => seen.1 += hits,
                None => attrs.push((k, hits)),
            }
        }
        attrs.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
        // Voice: used in at least 5 texts (and 1 in 500) but in at most 1
        // in 8, never a catalog word or a number.
        let n = self.texts.max(1);
        let mut voice: Vec<(&String, usize)> = self
            .used
            .iter()
            .filter(|(w, df)| {
                **df >= 5
                    && **df * 500 >= n
                    && **df * 8 <= n
                    && !self.catalog_words.contains(*w)
                    && !w.contains(|c: char| c.is_ascii_digit())
            })
            .map(|(w, df)| (w, *df))
            .collect();
        voice.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(b.0)));
        let voice = voice
            .into_iter()
            .take(VOICE_WORDS)
            .map(|(w, df)| (w.clone(), (n as f32 / df as f32).ln()))
            .collect();
        SlotPlan {
            voice,
            kinds,
            ref_words,
            attr_keys: attrs
                .into_iter()
                .take(ATTR_SLOTS)
                .map(|(k, _)| k.clone())
                .collect(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::Attributes;

    fn product(id: &str, title: &str, attrs: &[(&str, Value)]) -> Product {
        let mut attributes = Attributes::new();
        for (k, v) in attrs {
            attributes.insert(k.to_string(), v.clone());
        }
        Product {
            product_id: id.into(),
            title: title.into(),
            category: "Kitchen".into(),
            brand: Some("Acme".into()),
            price: Some(20.0),
            description: None,
            attributes,
        }
    }

    fn item(product: &Product, kind: EventKind, ts: i64) -> HistoryItem {
        HistoryItem {
            product_id: product.product_id.clone(),
            title: product.title.clone(),
            category: product.category.clone(),
            price: product.price,
            material: None,
            kind,
            ts,
            rating: None,
            text: None,
        }
    }

    #[test]
    fn kinds_bought_names_and_attributes_are_learnt_from_how_the_texts_use_them() {
        let press = product(
            "p1",
            "Alder French Press",
            &[
                ("feature", Value::from("double wall")),
                ("litres", Value::from(1)),
            ],
        );
        let pan = product(
            "p2",
            "Birch Frying Pan",
            &[("feature", Value::from("riveted handle"))],
        );
        let top = product("p3", "Cedar Half-Zip Top", &[]);
        let mut learner = PlanLearner::new([&press, &pan, &top]);
        for _ in 0..30 {
            learner.text(
                &press,
                "Meet the Alder French Press. This French press has a double wall.",
                Some("Birch Frying Pan"),
            );
            learner.text(
                &pan,
                "A frying pan with a riveted handle. Pairs with the Half-Zip Top you bought.",
                Some("Cedar Half-Zip Top"),
            );
            // "top" is everyone's word here, so it is no kind; "half-zip
            // top" is.
            learner.text(&top, "Our top pick: a half-zip top for cool days.", None);
            learner.text(&pan, "Top marks for this frying pan.", None);
            // Reviews seldom name the kind: "frying pan" is the copy's.
            for _ in 0..20 {
                learner.review(&pan, "Love it, works a treat.", None);
            }
            // Names of the shopper's other products are no use of a kind.
            for _ in 0..2 {
                learner.review(
                    &press,
                    "Goes well with my Birch Frying Pan and my Cedar Half-Zip Top.",
                    None,
                );
            }
        }
        let plan = learner.finish();
        assert_eq!(
            plan.kinds.get("french press").map(String::as_str),
            Some("French press")
        );
        assert_eq!(
            plan.kinds.get("frying pan").map(String::as_str),
            Some("frying pan")
        );
        assert!(plan.kinds.contains_key("half-zip top"), "{:?}", plan.kinds);
        // A title's longest kind wins.
        assert_eq!(
            plan.kind_of("Alder French Press").as_deref(),
            Some("French press")
        );
        assert!(!plan.kinds.contains_key("top"), "{:?}", plan.kinds);
        assert_eq!(plan.ref_words, Some(2));
        assert_eq!(plan.attr_keys, ["feature"]);

        // The facts of a candidate: kind, the newest other purchase, attributes.
        let history = [
            item(&top, EventKind::Purchase, 5),
            item(&pan, EventKind::View, 6),
            item(&press, EventKind::Purchase, 7),
        ];
        let facts = plan.facts(&press, &history, 100);
        assert_eq!(facts.value(Slot::Kind), Some("French press"));
        assert_eq!(facts.value(Slot::Bought), Some("Half-Zip Top"));
        assert_eq!(facts.value(Slot::Attr1), Some("double wall"));
        assert_eq!(facts.value(Slot::Attr2), None);
        // Nothing bought before: no bought slot.
        assert_eq!(plan.facts(&press, &history, 5).value(Slot::Bought), None);
    }

    #[test]
    fn a_kind_never_starts_with_a_word_the_title_writes_in_lower_case() {
        assert_eq!(endings("Alder French Press"), ["press", "french press"]);
        assert_eq!(endings("Silk Eau de Parfum"), ["parfum", "eau de parfum"]);
        assert_eq!(endings("Salt and Ash"), ["ash", "salt and ash"]);
        assert_eq!(endings("Press"), ["press"]);
    }

    #[test]
    fn a_shoppers_profile_is_the_heaviest_voice_words_of_their_own_texts() {
        let jumper = product("p1", "Alder Wool Jumper", &[]);
        let mut learner = PlanLearner::new([&jumper]);
        // "cosy" and "snug" are a voice (1 text in 10); "bargain" another,
        // rarer; "the", "a" and "fine" are in most texts; "jumper" and
        // "wool" are the catalog's.
        for i in 0..100 {
            let text = match i % 10 {
                0 => "The wool jumper is a fine, cosy and snug pick.",
                1 if i < 50 => "The jumper is a fine bargain.",
                _ => "The jumper is a fine pick.",
            };
            learner.text(&jumper, text, None);
        }
        let plan = learner.finish();
        for word in ["the", "a", "fine", "pick", "jumper", "wool"] {
            assert!(!plan.voice.contains_key(word), "{word} is no voice word");
        }
        assert!(
            plan.voice["bargain"] > plan.voice["cosy"],
            "rarer weighs more"
        );

        let mut seen = item(&jumper, EventKind::Purchase, 5);
        seen.text = Some("So cosy, so snug: cosy all winter. A bargain.".into());
        let later = item(&jumper, EventKind::View, 9);
        let history = [seen, later];
        assert_eq!(
            plan.profile(&history, 10).as_deref(),
            Some("cosy bargain snug"),
            "by uses × weight, then alphabetically"
        );
        assert_eq!(plan.profile(&history, 5), None, "only texts before `at`");
        let facts = plan.facts(&jumper, &history, 10);
        assert_eq!(facts.profile(), Some("cosy bargain snug"));
    }
}
