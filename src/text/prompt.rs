//! The conditioning context: the shopper's recent history, then the
//! product's facts, then the marker after which the target text follows.
//!
//! ```text
//! <hist> <view> Knitwear Merino Crew Sweater $50 <review> Audio Wireless Headset $150 <4stars> Really happy with this. Great value
//! <item> Knitwear <title> Trailblazer Merino Crew Sweater <brand> Loopstitch <price> $50 <material> merino wool <color> navy comfort ribbed cuffs <desc>
//! ```
//!
//! A shopper's taste shows through what the history holds: categories,
//! the words that end titles (materials, kinds of product), price bands and
//! the words of their reviews. Prices are written as bands (`$50`, not
//! `$54.99`) so the model sees a few frequent price words, not hundreds of
//! rare ones.

use super::slots::{Facts, Slot, to_pieces};
use super::tokenizer::{Piece, Special};
use crate::domain::{EventKind, HistoryItem, Product};
use serde_json::Value;
use std::collections::HashMap;

/// How much of the history and the product goes into a prompt.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PromptConfig {
    /// History items, the newest before the event (K).
    pub history_items: usize,
    /// Words kept from the end of each history title (where the kind of
    /// product and its material are; the start is a model name).
    pub title_words: usize,
    /// Words kept from the start of each history review.
    pub review_words: usize,
    /// Repeat the product's true flags (`vegan`, `eco`) after the history,
    /// just before the text starts: a GRU carries best what it read last,
    /// and a claim the flags deny is the commonest unfaithful draw
    /// otherwise. Versions trained before this have it off.
    pub flags_last: bool,
}

impl Default for PromptConfig {
    fn default() -> Self {
        PromptConfig {
            history_items: 6,
            title_words: 3,
            review_words: 6,
            flags_last: true,
        }
    }
}

/// What text the prompt asks for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Target {
    /// Product copy: the prompt ends with `<desc>`.
    Copy,
    /// The shopper's review: the prompt ends with `<review>` and the stars, if given.
    Review {
        /// Stars, 1 to 5.
        rating: Option<u8>,
    },
}

/// The shopper's history strictly before `ts` as at most `k` products, newest
/// last: each product once, at the time of its latest event, as its furthest
/// event (view < cart < purchase < review). A view, cart and purchase of
/// one product would otherwise fill three of the `k` places with one fact.
/// The input may be in any order; ties in time are ordered by kind, then product.
pub fn history_before(history: &[HistoryItem], ts: i64, k: usize) -> Vec<&HistoryItem> {
    let mut before: Vec<&HistoryItem> = history.iter().filter(|h| h.ts < ts).collect();
    before.sort_by(|a, b| (a.ts, a.kind, &a.product_id).cmp(&(b.ts, b.kind, &b.product_id)));
    let mut chosen: Vec<&HistoryItem> = Vec::with_capacity(k.min(before.len()));
    let mut place: HashMap<&str, usize> = HashMap::new();
    for h in before.into_iter().rev() {
        match place.get(h.product_id.as_str()) {
            Some(&i) if h.kind > chosen[i].kind => chosen[i] = h,
            Some(_) => {}
            None if chosen.len() < k => {
                place.insert(&h.product_id, chosen.len());
                chosen.push(h);
            }
            None => {}
        }
    }
    chosen.reverse();
    chosen
}

/// The prompt for product copy about `product` shown at time `at`.
pub fn prompt_pieces(
    history: &[HistoryItem],
    at: i64,
    product: &Product,
    cfg: &PromptConfig,
) -> Vec<Piece> {
    prompt_pieces_for(history, at, product, cfg, Target::Copy)
}

/// The prompt for `target` text about `product` at time `at`: `<item>` and
/// the product's facts, `<hist>` and the history before `at`, then the
/// target marker. The history comes last, next to the text it shapes: a GRU
/// carries what it saw last best, and the first trained model, with the
/// history first, learned to ignore it (personalisation gain 0.001).
pub fn prompt_pieces_for(
    history: &[HistoryItem],
    at: i64,
    product: &Product,
    cfg: &PromptConfig,
    target: Target,
) -> Vec<Piece> {
    prompt_pieces_with(history, at, product, &Facts::of(product), cfg, target)
}

/// [`prompt_pieces_for`] with the facts the target's slots stand for
/// (`SlotPlan::facts`): the kind and the planned attributes are shown with
/// the product, and the product a `<bought>` slot would name is shown
/// after the history, so the model knows what each slot will say.
pub fn prompt_pieces_with(
    history: &[HistoryItem],
    at: i64,
    product: &Product,
    facts: &Facts,
    cfg: &PromptConfig,
    target: Target,
) -> Vec<Piece> {
    let mut pieces = Vec::new();
    push_item(&mut pieces, product, facts);
    pieces.push(Piece::Special(Special::Hist));
    for item in history_before(history, at, cfg.history_items) {
        push_history_item(&mut pieces, item, cfg);
    }
    if let Some(bought) = facts.value(Slot::Bought) {
        pieces.push(Piece::Special(Special::Bought));
        pieces.push(Piece::Text(format!(" {bought}")));
    }
    if let Some(profile) = facts.profile() {
        pieces.push(Piece::Special(Special::Taste));
        pieces.push(Piece::Text(format!(" {profile}")));
    }
    if cfg.flags_last {
        let shown = flags(product);
        if !shown.is_empty() {
            pieces.push(Piece::Special(Special::Item));
            pieces.push(Piece::Text(shown));
        }
    }
    match target {
        Target::Copy => pieces.push(Piece::Special(Special::Desc)),
        Target::Review { rating } => {
            pieces.push(Piece::Special(Special::Review));
            if let Some(stars) = rating.and_then(Special::stars) {
                pieces.push(Piece::Special(stars));
            }
        }
    }
    pieces
}

/// Shortens an encoded prompt to at most `max` tokens by dropping the
/// oldest history tokens (those right after `<hist>`), so the product's
/// facts and the newest history always stay.
pub fn fit_prompt(ids: &mut Vec<u32>, max: usize, hist_id: u32) {
    if ids.len() <= max {
        return;
    }
    let excess = ids.len() - max;
    match ids.iter().position(|&t| t == hist_id) {
        Some(at) => {
            let end = (at + 1 + excess).min(ids.len());
            ids.drain(at + 1..end);
            if ids.len() > max {
                let extra = ids.len() - max;
                ids.drain(..extra);
            }
        }
        None => {
            ids.drain(..excess);
        }
    }
}

/// The training target: `text` with the product's facts as slots, then `<eos>`.
pub fn target_pieces(text: &str, facts: &Facts) -> Vec<Piece> {
    let mut pieces = to_pieces(text, facts);
    pieces.push(Piece::Special(Special::Eos));
    pieces
}

/// A price band: the price rounded, in log terms, to the nearest of 1, 1.5,
/// 2, 3, 4, 5 or 7 times a power of ten (`19.99` -> `"$20"`, `24.99` -> `"$30"`).
pub fn price_band(price: f64) -> String {
    if !price.is_finite() || price <= 0.0 {
        return "$0".to_string();
    }
    const STEPS: [f64; 8] = [1.0, 1.5, 2.0, 3.0, 4.0, 5.0, 7.0, 10.0];
    let scale = 10f64.powi(price.log10().floor() as i32);
    let mantissa = price / scale;
    let step = STEPS
        .into_iter()
        .min_by(|a, b| {
            let da = (mantissa.ln() - a.ln()).abs();
            let db = (mantissa.ln() - b.ln()).abs();
            da.total_cmp(&db)
        })
        .unwrap_or(1.0);
    let band = step * scale;
    if band >= 10.0 {
        format!("${band:.0}")
    } else {
        // Rounds away float noise such as 1.5000000000000002.
        format!("${}", (band * 1000.0).round() / 1000.0)
    }
}

fn kind_special(kind: EventKind) -> Special {
    match kind {
        EventKind::View => Special::View,
        EventKind::Cart => Special::Cart,
        EventKind::Purchase => Special::Purchase,
        EventKind::Review => Special::Review,
    }
}

/// Appends ` word` for each non-blank word.
fn push_words<'a>(text: &mut String, words: impl IntoIterator<Item = &'a str>) {
    for w in words {
        if !w.is_empty() {
            text.push(' ');
            text.push_str(w);
        }
    }
}

fn push_history_item(pieces: &mut Vec<Piece>, item: &HistoryItem, cfg: &PromptConfig) {
    pieces.push(Piece::Special(kind_special(item.kind)));
    let mut text = String::new();
    push_words(&mut text, item.category.split_whitespace());
    let title: Vec<&str> = item.title.split_whitespace().collect();
    push_words(
        &mut text,
        title[title.len().saturating_sub(cfg.title_words)..]
            .iter()
            .copied(),
    );
    if let Some(price) = item.price {
        push_words(&mut text, [price_band(price).as_str()]);
    }
    // The material is where eco-minded and comfort-seeking shoppers show.
    if let Some(material) = &item.material {
        push_words(&mut text, material.split_whitespace());
    }
    if !text.is_empty() {
        pieces.push(Piece::Text(text));
    }
    if item.kind == EventKind::Review {
        if let Some(stars) = item.rating.and_then(Special::stars) {
            pieces.push(Piece::Special(stars));
        }
        let mut words = String::new();
        if let Some(review) = &item.text {
            push_words(&mut words, review.split_whitespace().take(cfg.review_words));
        }
        if !words.is_empty() {
            pieces.push(Piece::Text(words));
        }
    }
}

/// Short string attributes (at most this many words) go into the prompt.
const ATTRIBUTE_WORDS: usize = 3;

/// The product's true flags by name (`eco`, `vegan`), as the item's
/// facts show them.
fn flags(product: &Product) -> String {
    let mut out = String::new();
    for (key, value) in &product.attributes {
        if let Value::Bool(true) = value
            && !matches!(key.as_str(), "material" | "color" | "colour")
        {
            push_words(&mut out, key.split_whitespace());
        }
    }
    out
}

fn push_item(pieces: &mut Vec<Piece>, product: &Product, facts: &Facts) {
    pieces.push(Piece::Special(Special::Item));
    let mut category = String::new();
    push_words(&mut category, product.category.split_whitespace());
    if !category.is_empty() {
        pieces.push(Piece::Text(category));
    }
    for slot in [
        Slot::Title,
        Slot::Kind,
        Slot::Brand,
        Slot::Price,
        Slot::Material,
        Slot::Color,
        Slot::Attr1,
        Slot::Attr2,
        Slot::Attr3,
        Slot::Attr4,
    ] {
        let Some(value) = facts.value(slot) else {
            continue;
        };
        let shown = match (slot, product.price) {
            (Slot::Price, Some(price)) => price_band(price),
            _ => value.split_whitespace().collect::<Vec<_>>().join(" "),
        };
        pieces.push(Piece::Special(slot.special()));
        pieces.push(Piece::Text(format!(" {shown}")));
    }
    // Flags (`eco`, `comfort`) by name when true, then short descriptive
    // strings (`ribbed cuffs`); numbers and long strings say little here.
    let mut extra = flags(product);
    let shown = |s: &str| {
        Slot::ATTRS
            .iter()
            .any(|&a| facts.value(a) == Some(s.trim()))
    };
    for (key, value) in &product.attributes {
        if let Value::String(s) = value
            && !matches!(key.as_str(), "material" | "color" | "colour")
            && !shown(s)
            && s.split_whitespace().count() <= ATTRIBUTE_WORDS
        {
            push_words(&mut extra, s.split_whitespace());
        }
    }
    if !extra.is_empty() {
        pieces.push(Piece::Text(extra));
    }
}

#[cfg(test)]
mod tests;

#[cfg(test)]
mod fit_tests {
    use super::fit_prompt;

    #[test]
    fn fitting_drops_the_oldest_history_first() {
        // 9 = <hist>: facts 1 2, history 3 4 5 6, marker 7.
        let mut ids = vec![1, 2, 9, 3, 4, 5, 6, 7];
        fit_prompt(&mut ids, 6, 9);
        assert_eq!(ids, [1, 2, 9, 5, 6, 7]);
        let mut short = vec![1, 9, 7];
        fit_prompt(&mut short, 6, 9);
        assert_eq!(short, [1, 9, 7]);
        let mut no_hist = vec![1, 2, 3];
        fit_prompt(&mut no_hist, 2, 9);
        assert_eq!(no_hist, [2, 3]);
    }
}
