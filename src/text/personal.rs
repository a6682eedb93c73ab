//! Copy in a shopper's own voice, learnt from what shoppers wrote.
//!
//! Most shops keep no log of the copy each shopper saw, so nothing shows
//! the model copy that speaks to a taste: catalog descriptions are written
//! for everyone. Reviews do show taste ("So gentle on my reactive skin"),
//! but as the shopper speaking. A sentence of a happy review that speaks of
//! the reviewer's own needs reads as copy once it is turned to the second
//! person ("So gentle on your reactive skin"), so training puts such a
//! sentence before the product's description, with the reviewer's history
//! as the prompt: the model learns to open copy in the voice the history
//! shows.
//!
//! Which sentences: from a review rated 4 or 5 stars, one that
//! - speaks of the reviewer (`my`, `me`) but not as the subject (`I`, `we`,
//!   which would make the copy claim the reader did something);
//! - names no product (no capitalised word after the first, no word a
//!   catalog title ends with) and states no number;
//! - holds a *personal* word: one a shopper who used it once uses again far
//!   more often than shoppers at large do ([`PersonalWords`]). That is what
//!   tells "Mild enough for my delicate skin" (a taste) from "Arrived in
//!   time for my trip" (anyone's).
//!
//! Nothing here knows a shop: the words are learnt from each store.

use super::faithful::words::{Word, words};
use crate::domain::Product;
use std::collections::{HashMap, HashSet};

/// How much more often a shopper repeats a word than shoppers at large use
/// it, at least, for the word to be personal.
const MIN_LIFT: f64 = 2.0;
/// Shoppers who used a word, at least, for it to be personal.
const MIN_SHOPPERS: usize = 5;
/// Stars a review needs, at least, for its sentences to become copy.
const MIN_STARS: u8 = 4;
/// Words a sentence needs, at least.
const MIN_WORDS: usize = 3;

/// First-person words the rewrite turns to the second person.
const TURNED: [(&str, &str); 4] = [
    ("my", "your"),
    ("me", "you"),
    ("mine", "yours"),
    ("myself", "yourself"),
];
/// Subjects that make a sentence the reviewer's act, never copy.
const SUBJECTS: [&str; 10] = [
    "i", "i'm", "i've", "i'd", "i'll", "we", "we're", "we've", "our", "us",
];

/// Words that reveal a shopper's own taste, learnt from each shopper's texts.
#[derive(Debug, Clone, Default)]
pub struct PersonalWords {
    words: HashSet<String>,
}

impl PersonalWords {
    /// Learns from each shopper's texts (one inner list per shopper). A
    /// word is personal when, among shoppers with two texts or more, the
    /// chance that a shopper's text holds it given that another of their
    /// texts does is at least [`MIN_LIFT`] times the chance that any text
    /// holds it, and at least [`MIN_SHOPPERS`] shoppers used it.
    pub fn learn<'a, S, T>(by_shopper: S) -> PersonalWords
    where
        S: IntoIterator<Item = T>,
        T: IntoIterator<Item = &'a str>,
    {
        // word -> (sum c(c-1), sum c(n-1), sum c, shoppers)
        let mut counts: HashMap<String, (f64, f64, f64, usize)> = HashMap::new();
        let mut texts = 0usize;
        for shopper in by_shopper {
            let sets: Vec<HashSet<String>> = shopper
                .into_iter()
                .map(|t| words(t).into_iter().map(|w| w.lower).collect())
                .collect();
            let n = sets.len();
            if n < 2 {
                continue;
            }
            texts += n;
            let mut c: HashMap<&str, usize> = HashMap::new();
            for set in &sets {
                for w in set {
                    *c.entry(w.as_str()).or_default() += 1;
                }
            }
            for (w, c) in c {
                let e = counts.entry(w.to_string()).or_default();
                let c = c as f64;
                e.0 += c * (c - 1.0);
                e.1 += c * (n as f64 - 1.0);
                e.2 += c;
                e.3 += 1;
            }
        }
        let words = counts
            .into_iter()
            .filter(|(w, (same, pairs, uses, shoppers))| {
                let base = uses / texts.max(1) as f64;
                *shoppers >= MIN_SHOPPERS
                    && *pairs > 0.0
                    && same / pairs >= MIN_LIFT * base
                    && !is_pronoun(w)
                    && !w.contains(|c: char| c.is_ascii_digit())
            })
            .map(|(w, _)| w)
            .collect();
        PersonalWords { words }
    }

    /// Whether `word` (lower case) is personal.
    pub fn contains(&self, word: &str) -> bool {
        self.words.contains(word)
    }

    /// The personal words of `text`, lower case.
    pub fn of(&self, text: &str) -> HashSet<String> {
        words(text)
            .into_iter()
            .map(|w| w.lower)
            .filter(|w| self.words.contains(w))
            .collect()
    }

    /// How many words are personal.
    pub fn len(&self) -> usize {
        self.words.len()
    }

    /// Whether no word is personal.
    pub fn is_empty(&self) -> bool {
        self.words.is_empty()
    }
}

fn is_pronoun(w: &str) -> bool {
    TURNED.iter().any(|(f, _)| *f == w) || SUBJECTS.contains(&w)
}

/// The words catalog titles end with (kinds of product, lower case): a
/// sentence holding one speaks of a product, not of the shopper.
pub fn title_ends<'a>(products: impl IntoIterator<Item = &'a Product>) -> HashSet<String> {
    products
        .into_iter()
        .filter_map(|p| words(&p.title).pop().map(|w| w.lower))
        .collect()
}

/// The sentences of a review rated `rating` that read as copy in the
/// reviewer's voice once turned to the second person, turned. None for a
/// review under [`MIN_STARS`] or without a rating.
pub fn personal_lines(
    review: &str,
    rating: Option<u8>,
    personal: &PersonalWords,
    title_ends: &HashSet<String>,
) -> Vec<String> {
    if rating.is_none_or(|r| r < MIN_STARS) || personal.is_empty() {
        return Vec::new();
    }
    sentences(review)
        .into_iter()
        .filter_map(|s| turned(s, personal, title_ends))
        .collect()
}

/// `text` cut after each `.`, `!` or `?` that ends a sentence, trimmed.
fn sentences(text: &str) -> Vec<&str> {
    let mut out = Vec::new();
    let mut from = 0;
    let bytes = text.as_bytes();
    for (i, c) in text.char_indices() {
        let next_is_space = bytes.get(i + 1).is_none_or(|b| b.is_ascii_whitespace());
        if matches!(c, '.' | '!' | '?') && next_is_space {
            let s = text[from..=i].trim();
            if !s.is_empty() {
                out.push(s);
            }
            from = i + 1;
        }
    }
    let rest = text[from..].trim();
    if !rest.is_empty() {
        out.push(rest);
    }
    out
}

/// One sentence turned to the second person, if it qualifies.
fn turned(
    sentence: &str,
    personal: &PersonalWords,
    title_ends: &HashSet<String>,
) -> Option<String> {
    let ws: Vec<Word> = words(sentence);
    if ws.len() < MIN_WORDS || !sentence.ends_with(['.', '!']) {
        return None;
    }
    let mut first_person = false;
    for (i, w) in ws.iter().enumerate() {
        let named = i > 0 && w.cased.chars().any(char::is_uppercase);
        if named
            || SUBJECTS.contains(&w.lower.as_str())
            || w.lower.contains(|c: char| c.is_ascii_digit())
            || title_ends.contains(&w.lower)
        {
            return None;
        }
        first_person |= TURNED.iter().any(|(f, _)| *f == w.lower);
    }
    if !first_person || !ws.iter().any(|w| personal.contains(&w.lower)) {
        return None;
    }
    let mut out = String::with_capacity(sentence.len() + 8);
    let mut at = 0;
    for w in &ws {
        out.push_str(&sentence[at..w.span.0]);
        match TURNED.iter().find(|(f, _)| *f == w.lower) {
            Some((_, to)) if w.starts_sentence => {
                let mut cs = to.chars();
                out.extend(cs.next().map(|c| c.to_ascii_uppercase()));
                out.push_str(cs.as_str());
            }
            Some((_, to)) => out.push_str(to),
            None => out.push_str(&sentence[w.span.0..w.span.1]),
        }
        at = w.span.1;
    }
    out.push_str(&sentence[at..]);
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Twenty shoppers: five who care for their skin and say so in two of
    /// three reviews, fifteen who do not; "happy" and "trip" are anyone's.
    fn learnt() -> PersonalWords {
        let mut shoppers: Vec<Vec<&str>> = Vec::new();
        for _ in 0..5 {
            shoppers.push(vec![
                "Really happy. So gentle on my reactive skin.",
                "Mild enough for my reactive skin.",
                "Really happy. Arrived in time for my trip.",
            ]);
            for _ in 0..3 {
                shoppers.push(vec![
                    "Really happy with it.",
                    "Arrived in time for my trip.",
                    "Nice texture.",
                ]);
            }
        }
        PersonalWords::learn(shoppers)
    }

    #[test]
    fn a_word_a_shopper_repeats_is_personal_one_everyone_uses_is_not() {
        let p = learnt();
        assert!(p.contains("reactive"), "taste words are personal");
        assert!(!p.contains("happy"), "everyone is happy as often");
        assert!(!p.contains("trip"), "everyone travels as often");
        assert!(!p.contains("my"), "pronouns never count");
    }

    #[test]
    fn a_happy_reviewers_own_needs_become_copy_in_the_second_person() {
        let p = learnt();
        let ends: HashSet<String> = ["cream".to_string()].into();
        let lines = |text: &str, stars: Option<u8>| personal_lines(text, stars, &p, &ends);
        assert_eq!(
            lines(
                "Really happy. So gentle on my reactive skin. Would buy again.",
                Some(5)
            ),
            vec!["So gentle on your reactive skin."]
        );
        assert_eq!(
            lines("My reactive skin loves it, gentle and calm!", Some(4)),
            vec!["Your reactive skin loves it, gentle and calm!"]
        );
        // A sentence anyone could write, a low rating or none, the
        // reviewer as subject, a product named: none of them.
        assert!(lines("Arrived in time for my trip.", Some(5)).is_empty());
        assert!(lines("So gentle on my reactive skin.", Some(3)).is_empty());
        assert!(lines("So gentle on my reactive skin.", None).is_empty());
        assert!(lines("I bought it for my reactive skin.", Some(5)).is_empty());
        assert!(lines("Goes with my Tulle Serum for reactive skin.", Some(5)).is_empty());
        assert!(lines("Better than my old cream for reactive skin.", Some(5)).is_empty());
        assert!(
            lines("Gentle on reactive skin.", Some(5)).is_empty(),
            "no one's needs"
        );
        assert!(lines("Lasted 3 days on my reactive skin.", Some(5)).is_empty());
    }

    #[test]
    fn a_shop_whose_reviews_show_no_taste_makes_no_lines() {
        let p = PersonalWords::learn(vec![
            vec!["Great for my kitchen.", "Nice."],
            vec!["Great for my kitchen.", "Nice."],
        ]);
        assert!(p.is_empty());
        assert!(personal_lines("Great for my kitchen.", Some(5), &p, &HashSet::new()).is_empty());
    }
}
