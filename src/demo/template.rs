//! The template language of the demo texts: `{slot}` placeholders filled
//! from a product (or by the caller), and `[a|b|c]` choices made with the
//! random stream each time a template is written. Word counts take the
//! longest choice, so a budget computed before writing is never exceeded.

use super::catalog::{Meta, starts_with_vowel};
use rand::Rng;
use std::cell::RefCell;
use std::collections::HashMap;

/// Words `template` renders to for product `m` (and `other` for `{other}`),
/// taking the longest alternative of each choice.
pub(crate) fn words_of(template: &'static str, m: &Meta, other: &str) -> usize {
    words_cached(template, &|slot| slot_words(slot, m, other))
}

/// What [`words_with`] finds in a template, less what its slots fill.
struct Counted {
    /// Words of the text and choices.
    fixed: usize,
    /// The slots, in order.
    slots: Vec<&'static str>,
}

thread_local! {
    /// Counts of the templates seen so far, by address: the grammar's
    /// templates are static, so this holds at most one entry for each.
    static COUNTED: RefCell<HashMap<(usize, usize), Option<Counted>>> = RefCell::new(HashMap::new());
}

/// [`words_with`] for a static template, counting its text once per thread.
pub(crate) fn words_cached(template: &'static str, slot: &dyn Fn(&str) -> usize) -> usize {
    let key = (template.as_ptr() as usize, template.len());
    let cached = COUNTED.with_borrow_mut(|counted| {
        let entry = counted.entry(key).or_insert_with(|| count_once(template));
        entry
            .as_ref()
            .map(|c| c.fixed + c.slots.iter().map(|s| slot(s)).sum::<usize>())
    });
    cached.unwrap_or_else(|| words_with(template, slot))
}

/// The fixed words and the slots of `template`; `None` where a choice holds
/// a slot (then only [`words_with`] counts it right).
fn count_once(template: &'static str) -> Option<Counted> {
    let mut slots = Vec::new();
    let mut rest = template;
    while let Some(i) = next_open(rest) {
        let end = if rest.as_bytes()[i] == b'[' {
            b']'
        } else {
            b'}'
        };
        let close = i + closing(&rest.as_bytes()[i..], end);
        let inner = &rest[i + 1..close];
        if end == b'}' {
            slots.push(inner);
        } else if inner.contains('{') {
            return None;
        }
        rest = &rest[close + 1..];
    }
    let fixed = words_with(template, &|_| 0);
    Some(Counted { fixed, slots })
}

/// Words a product slot fills.
pub(crate) fn slot_words(slot: &str, m: &Meta, other: &str) -> usize {
    match slot {
        "title" => m.words.title,
        "noun" => m.words.noun,
        "brand" | "brand_s" => m.words.brand,
        "material" => m.words.material,
        "feature" => m.words.feature,
        "other" => word_count(other),
        "a_color" => 2,
        "a_noun" | "A_noun" => 1 + m.words.noun,
        _ => 1,
    }
}

/// Words `template` renders to with `slot` words for each slot, taking the
/// longest alternative of each choice. Text glued to a slot or choice
/// continues its last word ("{price}." is one word). One pass over the
/// bytes: this runs several times for every copy.
pub(crate) fn words_with(template: &str, slot: &dyn Fn(&str) -> usize) -> usize {
    let bytes = template.as_bytes();
    let (mut n, mut i, mut space) = (0, 0, true);
    while i < bytes.len() {
        match bytes[i] {
            open @ (b'[' | b'{') => {
                let end = if open == b'[' { b']' } else { b'}' };
                let close = i + closing(&bytes[i..], end);
                let inner = &template[i + 1..close];
                n += if open == b'[' {
                    inner
                        .split('|')
                        .map(|alt| words_with(alt, slot))
                        .max()
                        .unwrap_or(0)
                } else {
                    slot(inner)
                };
                i = close + 1;
                space = false;
            }
            b => {
                let white = b.is_ascii_whitespace();
                n += usize::from(space && !white);
                space = white;
                i += 1;
            }
        }
    }
    n
}

/// Position of `end` in `bytes`, which a template always has.
fn closing(bytes: &[u8], end: u8) -> usize {
    bytes
        .iter()
        .position(|&b| b == end)
        .expect("template choices and placeholders are closed")
}

/// Position of the next choice or placeholder in `text`.
fn next_open(text: &str) -> Option<usize> {
    text.bytes().position(|b| b == b'[' || b == b'{')
}

/// Appends `template` to `out`, making its `[a|b]` choices with `rng` and
/// passing each `{slot}` to `slot`. An empty choice between a space and a
/// space or punctuation drops one space.
pub(crate) fn expand<R: Rng>(
    out: &mut String,
    rng: &mut R,
    template: &str,
    slot: &mut dyn FnMut(&mut String, &mut R, &str),
) {
    let mut rest = template;
    while let Some(i) = next_open(rest) {
        out.push_str(&rest[..i]);
        if rest.as_bytes()[i] == b'[' {
            let close = i + closing(&rest.as_bytes()[i..], b']');
            let choices = &rest[i + 1..close];
            let k = rng.random_range(0..choices.split('|').count());
            let alt = choices.split('|').nth(k).unwrap_or("");
            rest = &rest[close + 1..];
            if alt.is_empty()
                && out.ends_with(' ')
                && rest.starts_with([' ', '.', ',', '?', '!', ':', ';'])
            {
                out.pop();
            }
            expand(out, rng, alt, slot);
        } else {
            let close = i + closing(&rest.as_bytes()[i..], b'}');
            slot(out, rng, &rest[i + 1..close]);
            rest = &rest[close + 1..];
        }
    }
    out.push_str(rest);
}

/// Appends `template` to `out`, filling `{...}` placeholders from the product.
pub(crate) fn render<R: Rng>(out: &mut String, rng: &mut R, template: &str, m: &Meta) {
    fill(out, rng, template, m, "");
}

/// Appends `template` to `out`, filling `{other}` with `other` and the rest from `m`.
pub(crate) fn fill<R: Rng>(out: &mut String, rng: &mut R, template: &str, m: &Meta, other: &str) {
    expand(out, rng, template, &mut |out, _, slot| {
        fill_slot(out, slot, m, other)
    });
}

/// Appends what product slot `slot` names.
pub(crate) fn fill_slot(out: &mut String, slot: &str, m: &Meta, other: &str) {
    match slot {
        "title" => out.push_str(&m.title),
        "noun" => out.push_str(&m.noun),
        "brand" => out.push_str(m.brand),
        "brand_s" => {
            // The possessive: "Stridewell's", "Purl Basics'".
            out.push_str(m.brand);
            out.push_str(if m.brand.ends_with('s') { "'" } else { "'s" });
        }
        "price" => out.push_str(&m.price_text),
        "material" => out.push_str(m.material),
        "color" => out.push_str(m.color),
        "feature" => out.push_str(m.feature),
        "other" => out.push_str(other),
        "a_color" => {
            out.push_str(if starts_with_vowel(m.color) {
                "an "
            } else {
                "a "
            });
            out.push_str(m.color);
        }
        "a_noun" | "A_noun" => {
            let at = out.len();
            out.push_str(if starts_with_vowel(&m.noun) {
                "an "
            } else {
                "a "
            });
            if slot == "A_noun" {
                capitalise(out, at);
            }
            out.push_str(&m.noun);
        }
        other => unreachable!("unknown placeholder {{{other}}} in a demo template"),
    }
}

/// Makes the letter at byte `at` of `out` upper-case (if it is ASCII).
pub(crate) fn capitalise(out: &mut str, at: usize) {
    if let Some(first) = out.get_mut(at..at + 1) {
        first.make_ascii_uppercase();
    }
}

/// Whitespace-separated words of `s`.
pub(crate) fn word_count(s: &str) -> usize {
    s.split_whitespace().count()
}
