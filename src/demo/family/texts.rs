//! A family shop's texts: the catalog description, the copy a shopper saw
//! before buying, and reviews. Shop-specific sentences come from the spec;
//! the sentence shapes here are shared by every shop and carry no taste of
//! their own, so a text's voice is only ever its taste's words.
//!
//! Facts enter only through slots filled from the product's own record (a
//! flag's claim only where the flag is true, a number only the product's
//! own), or, for `{other}`, the title words of a product the shopper bought
//! recently, and then only when those name no brand, material or colour
//! but the product's own.

use super::catalog::Item;
use super::spec::{Like, Spec, TasteSpec};
use crate::demo::catalog::starts_with_vowel;
use crate::demo::template::{capitalise, expand};
use rand::Rng;
use rand::seq::{IndexedRandom, SliceRandom};

/// Whose taste a text speaks to: `None` for no taste, else an index into `Spec::tastes`.
pub(crate) type Voice = Option<usize>;

/// Longest copy, in words.
const MAX_WORDS: usize = 34;

/// The subject of the copy's core sentence.
const SUBJECTS: &[&str] = &[
    "This {kind}",
    "{The_title}",
    "{Brand_s} {kind}",
    "The {brand} {kind}",
    "This {color} {kind}",
    "This {material} {kind}",
    "Our {kind}",
];

/// Predicates built from a taste's key words (`{k}`, `{k2}`).
const WORD_PREDICATES: &[&str] = &[
    "is {adv} {k}",
    "feels {adv} {k}[ from day one| in every way| every time|]",
    "is {k} and {adv} {k2}",
    "[proves|turns out] {adv} {k}",
    "is, [quite simply|in a word|put simply], {k}",
    "[brings|offers|delivers] something {adv} {k}",
    "is every bit as {k} as it looks",
    "[stays|remains] {adv} {k} [for years|week after week|every time]",
    "is the {adv} {k} {kind} [you've been after|for you|worth having]",
    "keeps things {adv} {k}",
    "is {k} [without trying|at a glance|through and through]",
    "[manages to be|is somehow] {k} and {k2} at once",
];

/// Whole sentences built from a taste's key words.
const WORD_LINES: &[&str] = &[
    "{Adv} {k}, {adv2} {k2}.",
    "{A_adv} {k} pick for you.",
    "[Simply|Just|Truly] {k}.",
    "{K} [from the first day|in every detail|through and through].",
    "[Made|Designed|Chosen] to be {k}.",
    "{A_kind} that is {adv} {k}.",
    "{K}, {k2} and ready when you are.",
];

/// Copy naming a recent purchase.
const HOOKS: &[&str] = &[
    "Pairs well with the {other} you bought recently.",
    "[Goes|Works] nicely with the {other} you [bought|ordered|picked up].",
    "A good partner for the {other} you [bought|ordered] [recently|lately].",
    "Bought the {other}? Here's its [companion|partner].",
];

/// Copy naming a recent purchase in a taste's words.
const WORD_HOOKS: &[&str] = &[
    "Just as {k} as the {other} you [bought|ordered] [recently|lately].",
    "{A_adv} {k} match for the {other} you [bought|picked up].",
    "[Pair|Team] it with the {other} you [bought|ordered]: {adv} {k}.",
    "After the {other} you [bought|ordered], something {adv} {k}.",
];

/// Neutral price sentences.
const PRICES: &[&str] = &[
    "Yours for {price}.",
    "[Now|Today] {price}.",
    "Priced at {price}.",
    "{price}, [delivered|in stock now|ready to ship].",
    "All for {price}.",
];

/// Price sentences in a taste's words.
const WORD_PRICES: &[&str] = &[
    "{Adv} {k} at {price}.",
    "At {price}, it's {adv} {k}.",
    "{price} for something this {k}.",
];

/// Copy sentences naming the feature.
const FEATURES: &[&str] = &[
    "With {feature}.",
    "It comes with the {feature}.",
    "Look for the {feature}.",
    "[Details|Highlights]: {feature}.",
];

/// Words that sharpen a key word.
const ADVERBS: &[&str] = &[
    "wonderfully",
    "seriously",
    "properly",
    "genuinely",
    "remarkably",
    "beautifully",
    "reassuringly",
    "truly",
    "thoroughly",
    "refreshingly",
    "delightfully",
    "surprisingly",
    "quietly",
    "utterly",
    "consistently",
    "impressively",
    "entirely",
    "really",
];

/// Review openings by stars (index 0 is one star).
const SENTIMENT: [&[&str]; 5] = [
    &[
        "Really disappointed.",
        "Would not recommend.",
        "Sadly a miss.",
    ],
    &[
        "A bit disappointed.",
        "Not quite what I hoped for.",
        "Below expectations.",
    ],
    &[
        "It's okay.",
        "Decent, nothing special.",
        "Mixed feelings about this one.",
    ],
    &[
        "Really happy with this.",
        "Very good overall.",
        "Solid purchase.",
    ],
    &[
        "Absolutely love it!",
        "Five stars from me.",
        "Couldn't be happier.",
    ],
];
const CLOSE_GOOD: &[&str] = &["Would buy again.", "Highly recommend.", "Ten out of ten."];
const CLOSE_MID: &[&str] = &["Might keep it.", "It'll do for now.", "Not sure yet."];
const CLOSE_BAD: &[&str] = &["Would not buy again.", "Sending it back.", "Returning it."];
const REVIEW_HOOK_GOOD: &[&str] = &[
    "Goes well with my {other}.",
    "Bought it to go with my {other}.",
    "Works well alongside my {other}.",
];
const REVIEW_HOOK_BAD: &[&str] = &[
    "Doesn't really go with my {other}.",
    "Worse than my {other}, honestly.",
];
const REVIEW_FACT_GOOD: &[&str] = &[
    "The {color} is exactly as pictured.",
    "Love the {color}.",
    "Glad I chose this {kind}.",
];
const REVIEW_FACT_BAD: &[&str] = &[
    "The {color} looks duller than in the photos.",
    "Expected more from this {kind}.",
];

/// What a template's slots are filled with.
struct Fill<'a> {
    item: &'a Item,
    /// The taste whose key words fill `{k}` and `{k2}`.
    taste: Option<&'static TasteSpec>,
    /// Two different key words and two different adverbs, drawn once per sentence.
    k: [usize; 2],
    adv: [usize; 2],
    /// `{value}`: a number's text.
    value: &'a str,
    /// `{other}`: a recent purchase's title words.
    other: &'a str,
}

impl<'a> Fill<'a> {
    fn new(rng: &mut impl Rng, item: &'a Item, taste: Option<&'static TasteSpec>) -> Self {
        let two = |rng: &mut dyn rand::RngCore, n: usize| {
            let a = rng.random_range(0..n);
            let b = (a + rng.random_range(1..n.max(2))) % n;
            [a, b]
        };
        let words = taste.map_or(1, |t| t.words.len());
        Fill {
            item,
            taste,
            k: two(rng, words),
            adv: two(rng, ADVERBS.len()),
            value: "",
            other: "",
        }
    }

    /// Whether every slot of `template` can be filled.
    fn fits(&self, template: &str) -> bool {
        (!template.contains("{color}") || self.item.color.is_some())
            && (!template.contains("{material}") || self.item.material.is_some())
            && (self.taste.is_some()
                || !["{k}", "{k2}", "{K}"].iter().any(|s| template.contains(s)))
    }

    /// Appends one of `options`, drawn and filled, to `out`.
    fn write_one(&self, out: &mut String, rng: &mut impl Rng, options: &'static [&'static str]) {
        let t = pick(rng, options);
        self.write(out, rng, t);
    }

    /// Appends `template`, filled, to `out`, and capitalises its first letter.
    fn write(&self, out: &mut String, rng: &mut impl Rng, template: &str) {
        let start = out.len();
        expand(out, rng, template, &mut |out, _, slot| self.slot(out, slot));
        capitalise(out, start);
    }

    fn slot(&self, out: &mut String, slot: &str) {
        let at = out.len();
        let lower = slot.to_ascii_lowercase();
        let m = self.item;
        let key = |i: usize| self.taste.map_or("", |t| t.words[self.k[i]]);
        match lower.as_str() {
            "kind" => out.push_str(&m.kind),
            "a_kind" => {
                out.push_str(article(&m.kind));
                out.push_str(&m.kind);
            }
            "title" => out.push_str(&m.title),
            "the_title" => {
                // Titles may open with their own article ("The Last Ferry").
                if !m.title.starts_with("The ") {
                    out.push_str("the ");
                }
                out.push_str(&m.title);
            }
            "brand" => out.push_str(m.brand),
            "brand_s" => {
                out.push_str(m.brand);
                out.push_str(if m.brand.ends_with('s') { "'" } else { "'s" });
            }
            "material" => out.push_str(m.material.unwrap_or("")),
            "color" => out.push_str(m.color.unwrap_or("")),
            "feature" => out.push_str(m.feature),
            "price" => out.push_str(&m.price_text),
            "value" => out.push_str(self.value),
            "other" => out.push_str(self.other),
            "k" => out.push_str(key(0)),
            "k2" => out.push_str(key(1)),
            "adv" => out.push_str(ADVERBS[self.adv[0]]),
            "adv2" => out.push_str(ADVERBS[self.adv[1]]),
            "a_adv" => {
                out.push_str(article(ADVERBS[self.adv[0]]));
                out.push_str(ADVERBS[self.adv[0]]);
            }
            other => unreachable!("unknown placeholder {{{other}}} in a family template"),
        }
        if slot.starts_with(char::is_uppercase) {
            capitalise(out, at);
        }
    }
}

fn article(word: &str) -> &'static str {
    if starts_with_vowel(word) { "an " } else { "a " }
}

fn pick(rng: &mut impl Rng, options: &'static [&'static str]) -> &'static str {
    options
        .choose(rng)
        .expect("template tables are never empty")
}

/// A template of `options` whose slots `fill` can fill (the first resort
/// is a draw, the second a scan, so tables need only one that fits).
fn pick_fitting(
    rng: &mut impl Rng,
    options: &'static [&'static str],
    fill: &Fill,
) -> Option<&'static str> {
    let t = pick(rng, options);
    if fill.fits(t) {
        return Some(t);
    }
    let fitting: Vec<&'static str> = options.iter().copied().filter(|t| fill.fits(t)).collect();
    fitting.choose(rng).copied()
}

/// The catalog description: one sentence per aspect (what it is, what it is
/// made of, a feature, a spec, a flag, whom it suits).
pub(crate) fn describe(rng: &mut impl Rng, spec: &Spec, item: &Item) -> String {
    let mut out = String::with_capacity(256);
    let mut fill = Fill::new(rng, item, None);
    let space = |out: &mut String| {
        if !out.is_empty() {
            out.push(' ');
        }
    };
    fill.write_one(&mut out, rng, spec.texts.what);
    if item.material.is_some() {
        space(&mut out);
        fill.write_one(&mut out, rng, spec.texts.made);
    }
    space(&mut out);
    fill.write_one(&mut out, rng, spec.texts.feature);
    let value;
    if let Some(&(n, v)) = item.numbers.choose(rng) {
        let number = &spec.numbers[n];
        value = number.text(v);
        fill.value = &value;
        space(&mut out);
        fill.write_one(&mut out, rng, number.lines);
    }
    for &f in item.flags.iter().take(2) {
        space(&mut out);
        fill.write(&mut out, rng, spec.flags[f].describe);
    }
    space(&mut out);
    fill.write_one(&mut out, rng, spec.categories[item.category].suits);
    out
}

/// Whether a text about `item` may name `bought` by its title words: only
/// when they name no brand, material or colour of the catalog but `item`'s own.
pub(crate) fn hook_allowed(item: &Item, bought: &Item) -> bool {
    bought.hook_terms.iter().all(|t| {
        [Some(item.brand), item.material, item.color]
            .into_iter()
            .flatten()
            .any(|own| own.eq_ignore_ascii_case(t))
    })
}

/// A fact the copy may state besides its core sentence.
#[derive(Clone, Copy)]
enum Fact {
    Price,
    Number(usize, u32),
    Flag(usize),
    Material,
    Feature,
}

/// Writes into `out` (cleared first) the copy for `item` in `voice`;
/// `bought` is the product the shopper bought recently, if any.
pub(crate) fn write_copy(
    out: &mut String,
    rng: &mut impl Rng,
    spec: &'static Spec,
    item: &Item,
    voice: Voice,
    bought: Option<&Item>,
) {
    out.clear();
    let taste = voice.map(|t| &spec.tastes[t]);
    let fill = Fill::new(rng, item, taste);

    let subject = pick_fitting(rng, SUBJECTS, &fill).unwrap_or(SUBJECTS[0]);
    let predicate = match taste {
        Some(t) if rng.random_bool(0.55) => pick(rng, t.predicates),
        Some(_) => pick(rng, WORD_PREDICATES),
        None => pick(rng, spec.texts.predicates),
    };
    let mut core = String::with_capacity(96);
    fill.write(&mut core, rng, subject);
    core.push(' ');
    let at = core.len();
    expand(&mut core, rng, predicate, &mut |out, _, slot| {
        fill.slot(out, slot)
    });
    // A predicate never starts a sentence: undo a capital its first slot made.
    if let Some(first) = core.get_mut(at..at + 1) {
        first.make_ascii_lowercase();
    }
    core.push('.');

    let mut extras: Vec<String> = Vec::with_capacity(5);
    for fact in choose_facts(rng, spec, item, voice) {
        let mut s = String::with_capacity(64);
        match fact {
            Fact::Price => {
                let t = match taste {
                    Some(_) if rng.random_bool(0.5) => pick(rng, WORD_PRICES),
                    _ => pick(rng, PRICES),
                };
                fill.write(&mut s, rng, t);
            }
            Fact::Number(n, v) => {
                let number = &spec.numbers[n];
                let value = number.text(v);
                let f = Fill {
                    value: &value,
                    ..Fill::new(rng, item, None)
                };
                f.write_one(&mut s, rng, number.lines);
            }
            Fact::Flag(f) => fill.write_one(&mut s, rng, spec.flags[f].claims),
            Fact::Material => fill.write_one(&mut s, rng, spec.texts.copy_made),
            Fact::Feature => fill.write_one(&mut s, rng, FEATURES),
        }
        extras.push(s);
    }
    let line = match taste {
        Some(t) if rng.random_bool(0.7) => Some(if rng.random_bool(0.5) {
            pick(rng, t.lines)
        } else {
            pick(rng, WORD_LINES)
        }),
        None if rng.random_bool(0.5) => Some(pick(rng, spec.texts.lines)),
        _ => None,
    };
    if let Some(t) = line {
        let mut s = String::with_capacity(64);
        Fill::new(rng, item, taste).write(&mut s, rng, t);
        extras.push(s);
    }
    let other = bought.filter(|b| hook_allowed(item, b));
    if let Some(b) = other
        && rng.random_bool(if taste.is_some() { 0.55 } else { 0.3 })
    {
        let t = match taste {
            Some(_) if rng.random_bool(0.6) => pick(rng, WORD_HOOKS),
            _ => pick(rng, HOOKS),
        };
        let mut s = String::with_capacity(64);
        let f = Fill {
            other: &b.hook_name,
            ..Fill::new(rng, item, taste)
        };
        f.write(&mut s, rng, t);
        extras.push(s);
    }

    // Within the length budget, in a random order.
    extras.shuffle(rng);
    let mut words = core.split_whitespace().count();
    let kept: Vec<&String> = extras
        .iter()
        .filter(|s| {
            let w = s.split_whitespace().count();
            let fits = words + w <= MAX_WORDS;
            if fits {
                words += w;
            }
            fits
        })
        .collect();
    let core_at = if !kept.is_empty() && rng.random_bool(0.2) {
        1
    } else {
        0
    };
    for (i, s) in kept.iter().enumerate() {
        if i == core_at {
            push_sentence(out, &core);
        }
        push_sentence(out, s);
    }
    if core_at == kept.len() {
        push_sentence(out, &core);
    }
}

fn push_sentence(out: &mut String, s: &str) {
    if !out.is_empty() {
        out.push(' ');
    }
    out.push_str(s);
}

/// Which facts the copy states besides its core sentence: none to two,
/// favouring what the voice's taste is drawn to.
fn choose_facts(rng: &mut impl Rng, spec: &Spec, item: &Item, voice: Voice) -> Vec<Fact> {
    let taste = voice.map(|t| &spec.tastes[t]);
    let cares = |like: &dyn Fn(&Like) -> bool| taste.is_some_and(|t| t.likes.iter().any(like));
    let mut options: Vec<(Fact, f64)> = vec![
        (
            Fact::Price,
            if cares(&|l| matches!(l, Like::Band(_))) {
                5.0
            } else {
                1.0
            },
        ),
        (Fact::Feature, 1.0),
    ];
    if item.material.is_some() {
        options.push((Fact::Material, 1.0));
    }
    for &(n, v) in &item.numbers {
        let key = spec.numbers[n].key;
        let w = if cares(&|l| matches!(l, Like::AtLeast(k, _) | Like::AtMost(k, _) if *k == key)) {
            5.0
        } else {
            1.0
        };
        options.push((Fact::Number(n, v), w));
    }
    for &f in &item.flags {
        let key = spec.flags[f].key;
        let w = if cares(&|l| matches!(l, Like::Flag(k) if *k == key)) {
            6.0
        } else {
            1.0
        };
        options.push((Fact::Flag(f), w));
    }
    let n = match rng.random_range(0..10) {
        0 => 0,
        1..6 => 1,
        _ => 2,
    };
    let mut chosen = Vec::with_capacity(n);
    for _ in 0..n.min(options.len()) {
        let total: f64 = options.iter().map(|o| o.1).sum();
        let mut x = rng.random_range(0.0..total);
        let mut at = options.len() - 1;
        for (i, o) in options.iter().enumerate() {
            if x < o.1 {
                at = i;
                break;
            }
            x -= o.1;
        }
        chosen.push(options.swap_remove(at).0);
    }
    chosen
}

/// Writes into `out` (cleared first) a review of `item` with `rating`
/// stars in `voice`; `bought` is a product the reviewer bought recently.
pub(crate) fn write_review(
    out: &mut String,
    rng: &mut impl Rng,
    spec: &'static Spec,
    item: &Item,
    voice: Voice,
    rating: u8,
    bought: Option<&Item>,
) {
    out.clear();
    let stars = rating.clamp(1, 5) as usize;
    let good = match stars {
        4 | 5 => true,
        3 => rng.random_bool(0.5),
        _ => false,
    };
    let taste = voice.map(|t| &spec.tastes[t]);
    let fill = Fill::new(rng, item, taste);
    out.push_str(pick(rng, SENTIMENT[stars - 1]));
    let remarks = match (taste, good) {
        (Some(t), true) => t.good,
        (Some(t), false) => t.bad,
        (None, true) => spec.texts.good,
        (None, false) => spec.texts.bad,
    };
    let mut order: Vec<&'static str> = remarks.to_vec();
    order.shuffle(rng);
    let n = if rng.random_bool(0.45) { 2 } else { 1 };
    for t in order.into_iter().take(n) {
        out.push(' ');
        fill.write(out, rng, t);
    }
    if rng.random_bool(0.3) {
        let facts = if good {
            REVIEW_FACT_GOOD
        } else {
            REVIEW_FACT_BAD
        };
        if let Some(t) = pick_fitting(rng, facts, &fill) {
            out.push(' ');
            fill.write(out, rng, t);
        }
    }
    if let Some(b) = bought.filter(|b| hook_allowed(item, b))
        && rng.random_bool(0.15)
    {
        let t = pick(
            rng,
            if good {
                REVIEW_HOOK_GOOD
            } else {
                REVIEW_HOOK_BAD
            },
        );
        out.push(' ');
        Fill {
            other: &b.hook_name,
            ..Fill::new(rng, item, None)
        }
        .write(out, rng, t);
    }
    if rng.random_bool(0.5) {
        let close = match stars {
            4 | 5 => CLOSE_GOOD,
            3 => CLOSE_MID,
            _ => CLOSE_BAD,
        };
        out.push(' ');
        out.push_str(pick(rng, close));
    }
}

/// Every template shared by all shops, for the judge (these carry no
/// taste) and for tests.
pub(crate) fn shared_templates() -> Vec<&'static str> {
    let mut out = Vec::new();
    for t in [
        SUBJECTS,
        WORD_PREDICATES,
        WORD_LINES,
        HOOKS,
        WORD_HOOKS,
        PRICES,
        WORD_PRICES,
        FEATURES,
        ADVERBS,
        CLOSE_GOOD,
        CLOSE_MID,
        CLOSE_BAD,
        REVIEW_HOOK_GOOD,
        REVIEW_HOOK_BAD,
        REVIEW_FACT_GOOD,
        REVIEW_FACT_BAD,
    ] {
        out.extend(t.iter().copied());
    }
    out.extend(SENTIMENT.iter().flat_map(|s| s.iter().copied()));
    out
}
