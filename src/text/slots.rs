//! Fact slots: a product's brand, price, title, material and colour are
//! replaced by slot tokens in training targets and filled back from the
//! catalog after sampling, so generated copy cannot misstate them; and the
//! checker behind the `fact_errors` metric.
//!
//! Matching rules, shared by [`to_pieces`] and [`FactChecker`]:
//! - whole words: a value whose first (last) character is a letter or digit
//!   does not match right after (before) another letter, digit or `_`;
//! - brand, title and price match exactly; material and colour ignore case
//!   (character by character), since copy capitalises them at sentence start;
//! - a price matches only as [`format_price`] writes it (`$24.99`): a bare
//!   `24.99` stays text, because filling it back would add a `$` the text
//!   did not have;
//! - at each position the longest value wins, so `recycled nylon` is taken
//!   before `nylon` and `red wool` before `red`.

use super::tokenizer::{Decoded, Piece, Special};
use crate::demo::format_price;
use crate::domain::Product;

/// A product fact that copy may state and that the catalog fills in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Slot {
    /// The brand, exactly.
    Brand,
    /// The price as `$24.99`.
    Price,
    /// The title, exactly.
    Title,
    /// `attributes["material"]`, any case.
    Material,
    /// `attributes["color"]` (or `"colour"`), any case.
    Color,
    /// The kind of product as the shop's copy names it (a `SlotPlan`), any case.
    Kind,
    /// The product the shopper bought most recently, as the copy names it.
    Bought,
    /// The first planned attribute, any case.
    Attr1,
    /// The second planned attribute.
    Attr2,
    /// The third planned attribute.
    Attr3,
    /// The fourth planned attribute.
    Attr4,
}

impl Slot {
    /// Every slot; also the tie-break order between equally long values.
    pub const ALL: [Slot; 11] = [
        Slot::Brand,
        Slot::Price,
        Slot::Title,
        Slot::Material,
        Slot::Color,
        Slot::Kind,
        Slot::Bought,
        Slot::Attr1,
        Slot::Attr2,
        Slot::Attr3,
        Slot::Attr4,
    ];

    /// The attribute slots, in order.
    pub const ATTRS: [Slot; 4] = [Slot::Attr1, Slot::Attr2, Slot::Attr3, Slot::Attr4];

    /// The special token that stands for this slot.
    pub fn special(self) -> Special {
        match self {
            Slot::Brand => Special::Brand,
            Slot::Price => Special::Price,
            Slot::Title => Special::Title,
            Slot::Material => Special::Material,
            Slot::Color => Special::Color,
            Slot::Kind => Special::Kind,
            Slot::Bought => Special::Bought,
            Slot::Attr1 => Special::Attr1,
            Slot::Attr2 => Special::Attr2,
            Slot::Attr3 => Special::Attr3,
            Slot::Attr4 => Special::Attr4,
        }
    }

    /// The slot a special stands for, if it is a slot.
    pub fn of_special(s: Special) -> Option<Slot> {
        Slot::ALL.into_iter().find(|slot| slot.special() == s)
    }

    /// Whether values of this slot match regardless of case.
    fn folds_case(self) -> bool {
        !matches!(self, Slot::Brand | Slot::Price | Slot::Title)
    }
}

/// A product's literal fact values; blank values count as absent.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Facts {
    values: [Option<String>; Slot::ALL.len()],
    /// The shopper's voice words, for the prompt (never a slot).
    profile: Option<String>,
    /// Words copy about this product must not use (claims it fails, kinds
    /// and features that are not its own): generation never starts them.
    avoid: Vec<String>,
}

impl Facts {
    /// The facts of `p`: brand, formatted price, title and the string
    /// attributes `material` and `color` (or `colour`).
    pub fn of(p: &Product) -> Facts {
        let attr = |key: &str| p.attributes.get(key).and_then(|v| v.as_str());
        let price = p
            .price
            .filter(|x| x.is_finite() && *x >= 0.0)
            .map(format_price);
        let mut facts = Facts::default();
        facts.set(Slot::Brand, p.brand.as_deref());
        facts.set(Slot::Price, price.as_deref());
        facts.set(Slot::Title, Some(&p.title));
        facts.set(Slot::Material, attr("material"));
        facts.set(Slot::Color, attr("color").or_else(|| attr("colour")));
        facts
    }

    /// The value of `slot`, if the product has one.
    pub fn value(&self, slot: Slot) -> Option<&str> {
        self.values[slot as usize].as_deref()
    }

    /// Sets a slot beyond the catalog's five (the kind, the bought product,
    /// the planned attributes); see `SlotPlan::facts`.
    pub fn set_extra(&mut self, slot: Slot, value: Option<&str>) {
        self.set(slot, value);
    }

    /// Words generation must not write for this product.
    pub fn avoid(&self) -> &[String] {
        &self.avoid
    }

    /// Sets the words generation must not write.
    pub fn set_avoid(&mut self, words: Vec<String>) {
        self.avoid = words;
    }

    /// The shopper's voice words the prompt shows after `<taste>`.
    pub fn profile(&self) -> Option<&str> {
        self.profile.as_deref()
    }

    /// Sets the voice words (blank: none).
    pub fn set_profile(&mut self, words: Option<&str>) {
        self.profile = words
            .map(str::trim)
            .filter(|w| !w.is_empty())
            .map(str::to_string);
    }

    /// Only the catalog's five facts of these.
    pub fn base(&self) -> Facts {
        let mut base = Facts::default();
        for slot in [
            Slot::Brand,
            Slot::Price,
            Slot::Title,
            Slot::Material,
            Slot::Color,
        ] {
            base.set(slot, self.value(slot));
        }
        base
    }

    /// Whether a value for `slot` is there to fill it.
    pub fn has(&self, slot: Slot) -> bool {
        self.value(slot).is_some()
    }

    fn set(&mut self, slot: Slot, value: Option<&str>) {
        self.values[slot as usize] = value.filter(|v| !v.trim().is_empty()).map(str::to_string);
    }

    /// The present values, longest first, ties in [`Slot::ALL`] order.
    fn needles(&self) -> Vec<(Slot, &str)> {
        let mut needles: Vec<(Slot, &str)> = Slot::ALL
            .into_iter()
            .filter_map(|slot| self.value(slot).map(|v| (slot, v)))
            .collect();
        needles.sort_by_key(|(_, v)| std::cmp::Reverse(v.chars().count()));
        needles
    }
}

/// Splits `text` into text and slot pieces, replacing every occurrence of
/// the product's own values by their slots (see the module rules).
pub fn to_pieces(text: &str, facts: &Facts) -> Vec<Piece> {
    let needles = facts.needles();
    let mut pieces = Vec::new();
    let mut plain = 0;
    let mut at = 0;
    while at < text.len() {
        let found = needles.iter().find_map(|&(slot, value)| {
            match_at(text, at, value, slot.folds_case()).map(|end| (slot, end))
        });
        match found {
            Some((slot, end)) => {
                if plain < at {
                    pieces.push(Piece::Text(text[plain..at].to_string()));
                }
                pieces.push(Piece::Special(slot.special()));
                at = end;
                plain = end;
            }
            None => at += char_len_at(text, at),
        }
    }
    if plain < text.len() {
        pieces.push(Piece::Text(text[plain..].to_string()));
    }
    pieces
}

/// Drops the "the " that `out` ends with when `value` starts with its own
/// ("the The Last Ferry" reads "The Last Ferry").
/// "a" or "an" right before a filled value agrees with the value's first
/// letter: the model wrote the article before it knew which kind the slot
/// would hold ("a eye cream", "an solid perfume"). By letter, not sound,
/// which is right for the kinds and names a catalog holds but for a few
/// ("an hour", "a unit"); a value that starts with a digit or a sign is
/// left as written ("an 8-piece set").
fn agree_article(out: &mut String, value: &str) {
    let Some(first) = value.chars().next().filter(|c| c.is_alphabetic()) else {
        return;
    };
    let vowel = "aeiouAEIOU".contains(first);
    for (wrong, right) in [("a ", "an "), ("A ", "An "), ("an ", "a "), ("An ", "A ")] {
        let fits = (right.trim().len() == 2) == vowel;
        if let Some(rest) = out.strip_suffix(wrong)
            && !rest.ends_with(is_word)
            && fits
        {
            out.truncate(rest.len());
            out.push_str(right);
            return;
        }
    }
}

fn drop_repeated_article(out: &mut String, value: &str) {
    let starts_with_the = value
        .split_whitespace()
        .next()
        .is_some_and(|w| w.eq_ignore_ascii_case("the"));
    if !starts_with_the {
        return;
    }
    for article in ["the ", "The "] {
        if let Some(rest) = out.strip_suffix(article)
            && !rest.ends_with(is_word)
        {
            out.truncate(rest.len());
            return;
        }
    }
}

/// Writes decoded output as copy: slots become the catalog's values
/// verbatim (material and colour capitalised at a sentence start), `<eos>`
/// ends the text and other specials are dropped.
///
/// A slot the product lacks is dropped with the connecting word before it
/// (`in`, `from`, `by`, ...) and a possessive `'s` after it, and the spaces
/// around it are tidied, so `"made in <color>."` reads `"made."`.
/// Substitution is piece by piece: a value containing `"<price>"` stays as is.
pub fn fill(decoded: &[Decoded], facts: &Facts) -> String {
    let mut out = String::new();
    // Set while a dropped slot waits for what follows: whether its junction had a space.
    let mut pending: Option<bool> = None;
    // Whether `out` ends with a filled value whose last character is a letter or digit.
    let mut after_value = false;
    for d in decoded {
        match d {
            Decoded::Text(text) if text.is_empty() => {}
            Decoded::Text(text) => {
                if after_value && text.starts_with(is_word) {
                    out.push(' ');
                }
                after_value = false;
                match pending {
                    None => out.push_str(text),
                    Some(had_space) => pending = join_after_drop(&mut out, text, had_space),
                }
            }
            Decoded::Special(Special::Eos) => break,
            Decoded::Special(s) => match Slot::of_special(*s).map(|slot| (slot, facts.value(slot)))
            {
                Some((slot, Some(value))) => {
                    if pending.take() == Some(true) && !out.is_empty() {
                        out.push(' ');
                    }
                    drop_repeated_article(&mut out, value);
                    agree_article(&mut out, value);
                    // A value is never glued into a word, so it reads, and is
                    // checked, as itself: "$5.00" then "5 Star Tent" must not
                    // become the price "$5.005".
                    if out.ends_with(is_word) && value.starts_with(is_word) {
                        out.push(' ');
                    }
                    if slot.folds_case() && at_sentence_start(&out) {
                        push_capitalised(&mut out, value);
                    } else {
                        out.push_str(value);
                    }
                    after_value = value.ends_with(is_word);
                }
                Some((_, None)) => {
                    let had_space = pending.unwrap_or(false) || out.ends_with(char::is_whitespace);
                    drop_connector(&mut out);
                    // A dropped slot still separates the words around it:
                    // "$9.99 by <material>our" must read "$9.99 our", not
                    // glue a value into the next word.
                    pending = Some(had_space || out.ends_with(is_word));
                    after_value = false;
                }
                None => {}
            },
        }
    }
    out
}

/// Words that only make sense before a value, dropped with a missing one.
const CONNECTORS: &[&str] = &["in", "from", "by", "of", "for", "at", "with"];

/// Removes trailing whitespace and a trailing connector word from `out`.
fn drop_connector(out: &mut String) {
    let trimmed = out.trim_end().len();
    out.truncate(trimmed);
    for word in CONNECTORS {
        if let Some(start) = out.len().checked_sub(word.len())
            && out.is_char_boundary(start)
            && out[start..].eq_ignore_ascii_case(word)
            && !out[..start].chars().next_back().is_some_and(is_word)
        {
            out.truncate(start);
            let trimmed = out.trim_end().len();
            out.truncate(trimmed);
            return;
        }
    }
}

/// Appends `text` after a dropped slot: skips a possessive `'s`, and keeps
/// one space at the junction unless punctuation follows. Returns the state
/// to keep while nothing but whitespace has followed yet.
fn join_after_drop(out: &mut String, text: &str, had_space: bool) -> Option<bool> {
    let mut rest = text;
    for possessive in ["'s", "\u{2019}s"] {
        if let Some(r) = rest.strip_prefix(possessive)
            && !r.chars().next().is_some_and(is_word)
        {
            rest = r;
        }
    }
    let had_space = had_space || rest.starts_with(char::is_whitespace);
    let rest = rest.trim_start();
    if rest.is_empty() {
        return Some(had_space);
    }
    let closes = rest.starts_with(['.', ',', '!', '?', ';', ':', ')']);
    if had_space && !out.is_empty() && !closes {
        out.push(' ');
    }
    out.push_str(rest);
    None
}

fn at_sentence_start(out: &str) -> bool {
    let t = out.trim_end();
    t.is_empty() || t.ends_with(['.', '!', '?'])
}

/// Pushes `value` with its first letter upper-case, unless that would change
/// more than the case of one character (`ß` -> `SS`), which matching could not undo.
fn push_capitalised(out: &mut String, value: &str) {
    let mut chars = value.chars();
    let Some(first) = chars.next() else {
        return;
    };
    let mut upper = first.to_uppercase();
    match (upper.next(), upper.next()) {
        (Some(u), None) if chars_eq_fold(u, first) => {
            out.push(u);
            out.push_str(chars.as_str());
        }
        _ => out.push_str(value),
    }
}

/// Every brand, material and colour in a catalog, to tell when a text
/// states a fact that is not the product's own.
#[derive(Debug, Clone, Default)]
pub struct FactChecker {
    brands: Vec<String>,
    materials: Vec<String>,
    colors: Vec<String>,
}

impl FactChecker {
    /// Collects the fact values of every product in `catalog`.
    pub fn new<'a>(catalog: impl IntoIterator<Item = &'a Product>) -> FactChecker {
        let mut checker = FactChecker::default();
        for p in catalog {
            let facts = Facts::of(p);
            // A value without a letter or digit ("?") cannot be told from punctuation.
            let add = |list: &mut Vec<String>, slot: Slot| {
                if let Some(v) = facts.value(slot).filter(|v| v.contains(is_word)) {
                    list.push(v.to_string());
                }
            };
            add(&mut checker.brands, Slot::Brand);
            add(&mut checker.materials, Slot::Material);
            add(&mut checker.colors, Slot::Color);
        }
        checker.brands.sort();
        checker.brands.dedup();
        for list in [&mut checker.materials, &mut checker.colors] {
            list.sort_by_key(|v| v.to_lowercase());
            list.dedup_by(|a, b| eq_fold(a, b));
        }
        checker
    }

    /// Whether `text` states a brand, price (`$12.34`, `$12`), material or
    /// colour other than `product`'s own (or one it lacks). Values without
    /// a letter or digit are not looked for.
    ///
    /// A mention that overlaps an occurrence of one of the product's own
    /// values is not counted: `nylon` inside its own `recycled nylon`, a
    /// brand `Acme` inside its own title `Acme Pro Jacket`, or a mention
    /// that contains its own value (`red wool` next to its own material
    /// `red`), which is what filled slots next to each other can read as.
    pub fn contradicts(&self, text: &str, product: &Product) -> bool {
        self.contradicts_facts(text, &Facts::of(product), product)
    }

    /// [`FactChecker::contradicts`] where the candidate's own values are
    /// `facts` (a version's plan adds the kind, the bought product and
    /// attributes to the catalog's five): a filled slot is never a
    /// contradiction.
    pub fn contradicts_facts(&self, text: &str, facts: &Facts, product: &Product) -> bool {
        let own: Vec<(usize, usize)> = facts
            .needles()
            .into_iter()
            .flat_map(|(slot, value)| occurrences(text, value, slot.folds_case()))
            .collect();
        let foreign = |span: (usize, usize)| !own.iter().any(|o| span.0 < o.1 && o.0 < span.1);

        let mentions = |values: &[String], slot: Slot| {
            let mine = facts.value(slot);
            values
                .iter()
                .filter(|v| match mine {
                    Some(m) if slot.folds_case() => !eq_fold(v, m),
                    Some(m) => v.as_str() != m,
                    None => true,
                })
                .any(|v| {
                    occurrences(text, v, slot.folds_case())
                        .into_iter()
                        .any(foreign)
                })
        };
        if mentions(&self.brands, Slot::Brand)
            || mentions(&self.materials, Slot::Material)
            || mentions(&self.colors, Slot::Color)
        {
            return true;
        }
        let own_cents = product
            .price
            .filter(|p| p.is_finite() && *p >= 0.0)
            .map(|p| (p * 100.0).round());
        prices(text)
            .into_iter()
            .any(|(span, value)| own_cents != Some((value * 100.0).round()) && foreign(span))
    }
}

/// Byte spans of `$` amounts in `text` with their values: `$12`, `$12.34`, `$1,234.50`.
fn prices(text: &str) -> Vec<((usize, usize), f64)> {
    let bytes = text.as_bytes();
    let mut found = Vec::new();
    for (start, _) in text.match_indices('$') {
        let mut end = start + 1;
        let mut digits = String::new();
        while end < bytes.len() {
            let b = bytes[end];
            if b.is_ascii_digit() {
                digits.push(b as char);
            } else if b == b','
                && !digits.is_empty()
                && bytes.get(end + 1).is_some_and(u8::is_ascii_digit)
            {
                // A thousands separator.
            } else {
                break;
            }
            end += 1;
        }
        if digits.is_empty() {
            continue;
        }
        if bytes.get(end) == Some(&b'.') && bytes.get(end + 1).is_some_and(u8::is_ascii_digit) {
            digits.push('.');
            end += 1;
            while end < bytes.len() && bytes[end].is_ascii_digit() {
                digits.push(bytes[end] as char);
                end += 1;
            }
        }
        if let Ok(value) = digits.parse::<f64>() {
            found.push(((start, end), value));
        }
    }
    found
}

/// Byte spans of every whole-word occurrence of `value` in `text`.
fn occurrences(text: &str, value: &str, fold: bool) -> Vec<(usize, usize)> {
    let mut spans = Vec::new();
    let Some(first) = value.chars().next() else {
        return spans;
    };
    for (at, c) in text.char_indices() {
        if (c == first || (fold && chars_eq_fold(c, first)))
            && let Some(end) = match_at(text, at, value, fold)
        {
            spans.push((at, end));
        }
    }
    spans
}

/// The end of a whole-word match of `value` at byte `at` of `text`.
fn match_at(text: &str, at: usize, value: &str, fold: bool) -> Option<usize> {
    let rest = text.get(at..)?;
    let end = if fold {
        let mut text_chars = rest.char_indices();
        let mut len = 0;
        for v in value.chars() {
            let (i, t) = text_chars.next()?;
            if !chars_eq_fold(t, v) {
                return None;
            }
            len = i + t.len_utf8();
        }
        at + len
    } else if rest.starts_with(value) {
        at + value.len()
    } else {
        return None;
    };
    if end == at {
        return None;
    }
    let matched = &text[at..end];
    let starts_word = matched.chars().next().is_some_and(is_word);
    let ends_word = matched.chars().next_back().is_some_and(is_word);
    if starts_word && text[..at].chars().next_back().is_some_and(is_word) {
        return None;
    }
    if ends_word && text[end..].chars().next().is_some_and(is_word) {
        return None;
    }
    Some(end)
}

fn is_word(c: char) -> bool {
    c.is_alphanumeric() || c == '_'
}

fn chars_eq_fold(a: char, b: char) -> bool {
    a == b || a.to_lowercase().eq(b.to_lowercase())
}

fn eq_fold(a: &str, b: &str) -> bool {
    a.chars().count() == b.chars().count()
        && a.chars().zip(b.chars()).all(|(x, y)| chars_eq_fold(x, y))
}

fn char_len_at(text: &str, at: usize) -> usize {
    text[at..].chars().next().map_or(1, char::len_utf8)
}

#[cfg(test)]
mod tests;
