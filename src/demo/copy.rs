//! The product copy a shopper sees before buying: a template grammar with a
//! voice per taste, several sentence shapes and orders, and an optional
//! sentence naming a product the shopper bought recently, so the model has
//! rich, learnable, varied and personal targets.
//!
//! Facts enter only through placeholders filled from the product's own
//! record (`{brand}`, `{price}`, `{material}`, `{color}`, `{title}`,
//! `{feature}`) or, for `{other}`, from the recently bought product's title
//! words, and then only when those name no brand, material or colour but the
//! product's own; the fixed phrases in `phrases.rs` never name one.

use super::Taste;
use super::catalog::{Meta, starts_with_vowel};
use super::phrases::*;
use super::template::{
    capitalise, expand, fill, fill_slot, render, slot_words, word_count, words_cached, words_of,
};
use super::words::*;
use rand::Rng;
use rand::seq::{IndexedRandom, SliceRandom};

/// Whose taste a text is written for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Voice {
    /// No particular taste.
    Neutral,
    /// Written for one taste.
    Taste(Taste),
}

impl Voice {
    /// Index into the phrase tables: 0 neutral, then `Taste::ALL` order.
    pub fn index(self) -> usize {
        match self {
            Voice::Neutral => 0,
            Voice::Taste(t) => t.index() + 1,
        }
    }

    /// The voice of the copy a shopper of `taste` saw: their own about 80% of
    /// the time, else neutral or another taste, so the signal is strong but noisy.
    pub fn shown_to(rng: &mut impl Rng, taste: Taste) -> Voice {
        Self::mostly(rng, taste, 0.8, 0.1)
    }

    /// The voice of a review by a shopper of `taste`: people stray more in reviews.
    pub fn reviewed_by(rng: &mut impl Rng, taste: Taste) -> Voice {
        Self::mostly(rng, taste, 0.7, 0.2)
    }

    fn mostly(rng: &mut impl Rng, taste: Taste, own: f64, neutral: f64) -> Voice {
        let x: f64 = rng.random();
        if x < own {
            Voice::Taste(taste)
        } else if x < own + neutral {
            Voice::Neutral
        } else {
            // Another taste, uniformly among the other four.
            let shift = rng.random_range(1..Taste::ALL.len());
            Voice::Taste(Taste::ALL[(taste.index() + shift) % Taste::ALL.len()])
        }
    }
}

/// Facts a copy can state, as bits.
const BRAND: u8 = 1;
const PRICE: u8 = 2;
const MATERIAL: u8 = 4;
const COLOR: u8 = 8;
const TITLE: u8 = 16;
const FACTS: [u8; 5] = [BRAND, PRICE, MATERIAL, COLOR, TITLE];

/// Longest copy the optional sentences may grow it to, in words.
const MAX_WORDS: usize = 32;
/// Shortest copy: below this, optional sentences are added regardless of chance.
const MIN_WORDS: usize = 14;

/// How often a copy names the product the shopper bought recently, when there is one.
const HOOK_RATE_TASTE: f64 = 0.6;
const HOOK_RATE_NEUTRAL: f64 = 0.3;

/// How often the core sentence's predicate is built from words rather than a phrase.
const WORD_PREDICATE_RATE: f64 = 0.9;

/// Word choices for a describing sentence: indices into [`ADVERBS`], the
/// voice's [`ADJECTIVES`] and the product's scenes.
#[derive(Clone, Copy, Default)]
struct Picks {
    adv: [usize; 2],
    adj: [usize; 3],
    key: usize,
    scene: [usize; 2],
}

impl Picks {
    fn draw(rng: &mut impl Rng, v: usize, m: &Meta) -> Picks {
        let [a, b, _] = three(rng, ADVERBS.len());
        let [s, t, _] = if m.scenes.len() >= 3 {
            three(rng, m.scenes.len())
        } else {
            [0, m.scenes.len().saturating_sub(1), 0]
        };
        let adj = three(rng, ADJECTIVES[v].len());
        // The neutral voice's key word is its first describing word.
        let key = match v {
            0 => adj[0],
            _ => rng.random_range(0..KEY_ADJECTIVES[v - 1].len()),
        };
        Picks {
            adv: [a, b],
            adj: if v == 0 {
                [adj[1], adj[2], adj[0]]
            } else {
                adj
            },
            key,
            scene: [s, t],
        }
    }

    /// Words `template` renders to with these choices, at most.
    fn words(&self, template: &'static str, v: usize, m: &Meta, other: &str) -> usize {
        words_cached(template, &|slot| match self.word(slot, v, m) {
            Some(w) => word_count(w) + usize::from(slot.ends_with("_adv")),
            None => slot_words(slot, m, other),
        })
    }

    /// Appends `template` with these choices and the product's facts.
    fn write<R: Rng>(
        &self,
        out: &mut String,
        rng: &mut R,
        template: &str,
        v: usize,
        m: &Meta,
        other: &str,
    ) {
        expand(
            out,
            rng,
            template,
            &mut |out, _, slot| match self.word(slot, v, m) {
                Some(word) => {
                    let at = out.len();
                    if slot.ends_with("_adv") {
                        out.push_str(if starts_with_vowel(word) { "an " } else { "a " });
                    }
                    out.push_str(word);
                    if slot.starts_with(char::is_uppercase) {
                        capitalise(out, at);
                    }
                }
                None => fill_slot(out, slot, m, other),
            },
        );
    }

    /// The word for slot `slot` in voice `v`, if it is one of these.
    fn word(&self, slot: &str, v: usize, m: &Meta) -> Option<&'static str> {
        let scene = |i: usize| m.scenes.get(self.scene[i]).copied().unwrap_or("every day");
        Some(match slot {
            "A" | "a" => ADJECTIVES[v][self.adj[0]],
            "b" => ADJECTIVES[v][self.adj[1]],
            "c" => ADJECTIVES[v][self.adj[2]],
            "Adv" | "adv" | "a_adv" | "A_adv" => ADVERBS[self.adv[0]],
            "adv2" | "Adv2" => ADVERBS[self.adv[1]],
            "k" if v == 0 => ADJECTIVES[0][self.key],
            "k" => KEY_ADJECTIVES[v - 1][self.key],
            "scene" => scene(0),
            "scene2" => scene(1),
            _ => return None,
        })
    }
}

/// A sentence after the core one, besides opener and closer.
#[derive(Clone, Copy)]
enum Extra {
    None,
    /// Written from the product and the recent purchase.
    Text(&'static str),
    /// A describing sentence with its word choices.
    Words(&'static str, Picks),
}

impl Extra {
    /// Words it will take at most.
    fn words(&self, v: usize, m: &Meta, other: &str) -> usize {
        match self {
            Extra::None => 0,
            Extra::Text(t) => words_of(t, m, other),
            Extra::Words(t, picks) => picks.words(t, v, m, other),
        }
    }
}

/// Writes into `out` (cleared first) the copy for product `m` in `voice`;
/// `bought` is the product the shopper bought recently, if any (see
/// `Recent::bought_recently`), which the copy may name.
pub(crate) fn write_copy<R: Rng>(
    out: &mut String,
    rng: &mut R,
    m: &Meta,
    voice: Voice,
    bought: Option<&Meta>,
) {
    out.clear();
    let v = voice.index();
    let other = bought
        .filter(|b| hook_allowed(m, b))
        .map_or("", |b| b.hook_name.as_str());

    let hook = !other.is_empty()
        && rng.random_bool(match voice {
            Voice::Neutral => HOOK_RATE_NEUTRAL,
            Voice::Taste(_) => HOOK_RATE_TASTE,
        });
    // A copy that names a recent purchase states at most two facts, to keep it short.
    let facts = choose_facts(rng, m, voice, if hook { 2 } else { 3 });
    let has = |f: u8| facts & f != 0;
    let subjects = match (has(TITLE), has(BRAND)) {
        (true, true) => SUBJECT_TITLE_BRAND,
        (true, false) => SUBJECT_TITLE,
        (false, true) => SUBJECT_BRAND,
        (false, false) => SUBJECT_PLAIN,
    };
    let seconds = if has(PRICE) { PRICES[v] } else { BENEFITS[v] };
    let with_second = has(PRICE) || rng.random_bool(0.35);

    // The core sentence and the sentences that must come with it, drawn
    // again (a few times at most) while they would leave no room.
    let mut attempts = 0;
    let (core, hook_phrase, second, mut words) = loop {
        let compact = has(MATERIAL) && has(COLOR) && rng.random_bool(0.3);
        let core = Core {
            // Late attempts take the shortest shape.
            shape: if attempts < 3 {
                pick(rng, CORE_SHAPES)
            } else {
                CORE_SHAPES[0]
            },
            subject: pick(rng, subjects),
            compact,
            material: (has(MATERIAL) && !compact).then(|| pick(rng, material_table(m, voice))),
            color: (has(COLOR) && !compact).then(|| pick(rng, COLORS[v])),
            predicate: if rng.random_bool(WORD_PREDICATE_RATE) {
                pick(rng, WORD_PREDICATES)
            } else {
                pick(rng, PREDICATES[v])
            },
            picks: Picks::draw(rng, v, m),
            v,
            tail: None,
        };
        let hook_phrase = hook.then(|| {
            if rng.random_bool(0.85) {
                Extra::Words(pick(rng, WORD_HOOKS), Picks::draw(rng, v, m))
            } else {
                Extra::Text(pick(rng, HOOKS[v]))
            }
        });
        let second = if has(PRICE) && rng.random_bool(0.6) {
            Extra::Words(pick(rng, WORD_PRICES), Picks::draw(rng, v, m))
        } else {
            Extra::Text(pick(rng, seconds))
        };
        let words = core.words(m)
            + hook_phrase.map_or(0, |h| h.words(v, m, other))
            + if with_second {
                second.words(v, m, "")
            } else {
                0
            };
        attempts += 1;
        if words <= MAX_WORDS {
            break (core, hook_phrase, second, words);
        }
        if attempts == 8 {
            // Still too long: leave the recent purchase out.
            let words = words - hook_phrase.map_or(0, |h| h.words(v, m, other));
            break (core, None, second, words);
        }
    };
    let mut core = core;
    let mut body = [Extra::None; 8];
    let mut n = 0;
    for e in [hook_phrase, with_second.then_some(second)]
        .into_iter()
        .flatten()
    {
        body[n] = e;
        n += 1;
    }
    let tail = pick(rng, TAILS[v]);
    if words + words_of(tail, m, "") <= MAX_WORDS - 4 && rng.random_bool(0.25) {
        words += words_of(tail, m, "");
        core.tail = Some(tail);
    }
    // Optional sentences, in a random order of consideration.
    // The describing sentence is considered first; the rest in a random order.
    let mut optional = [0u8, 1, 2, 3, 4, 5, 6, 7];
    optional[1..].shuffle(rng);
    let (mut opener, mut closer) = ("", "");
    for o in optional {
        let (candidate, chance) = match o {
            0 => (
                Extra::Words(pick(rng, ADJECTIVE_SHAPES), Picks::draw(rng, v, m)),
                0.95,
            ),
            7 => (
                Extra::Words(pick(rng, ADJECTIVE_SHAPES), Picks::draw(rng, v, m)),
                0.7,
            ),
            1 => (
                Extra::Words(pick(rng, FEATURE_LINES), Picks::draw(rng, v, m)),
                0.4,
            ),
            2 => {
                let b = pick(rng, BENEFITS[v]);
                let same = matches!(second, Extra::Text(s) if s == b);
                (if same { Extra::None } else { Extra::Text(b) }, 0.15)
            }
            3 => (Extra::Text(pick(rng, OPENERS[v])), 0.08),
            4 => (Extra::Text(pick(rng, CLOSERS[v])), 0.08),
            5 => (Extra::Text(pick(rng, NOUN_LINES[v])), 0.15),
            _ => (
                Extra::Words(pick(rng, SCENE_LINES), Picks::draw(rng, v, m)),
                0.5,
            ),
        };
        if let Extra::None = candidate {
            continue;
        }
        if words >= MIN_WORDS && !rng.random_bool(chance) {
            continue;
        }
        let w = candidate.words(v, m, other);
        if words + w > MAX_WORDS {
            continue;
        }
        words += w;
        match (o, candidate) {
            (3, Extra::Text(t)) => opener = t,
            (4, Extra::Text(t)) => closer = t,
            _ => {
                body[n] = candidate;
                n += 1;
            }
        }
    }
    body[..n].shuffle(rng);
    // The core sentence comes first, or second after a short lead.
    let core_at = if n > 0 && rng.random_bool(0.2) { 1 } else { 0 };

    let mut first = true;
    let mut sentence = |out: &mut String| {
        if !first {
            out.push(' ');
        }
        first = false;
    };
    if !opener.is_empty() {
        sentence(out);
        render(out, rng, opener, m);
    }
    for (i, extra) in body[..n].iter().enumerate() {
        if i == core_at {
            sentence(out);
            core.write(out, rng, m);
        }
        sentence(out);
        match *extra {
            Extra::None => {}
            Extra::Text(t) => fill(out, rng, t, m, other),
            Extra::Words(t, picks) => picks.write(out, rng, t, v, m, other),
        }
    }
    if core_at == n {
        sentence(out);
        core.write(out, rng, m);
    }
    if !closer.is_empty() {
        sentence(out);
        render(out, rng, closer, m);
    }
}

/// The sentence with the subject, its facts and the predicate: templates
/// for each part, drawn before it is written.
struct Core {
    shape: &'static str,
    subject: &'static str,
    /// Material and colour as "in navy merino wool".
    compact: bool,
    material: Option<&'static str>,
    color: Option<&'static str>,
    predicate: &'static str,
    /// Word choices for a predicate from [`WORD_PREDICATES`].
    picks: Picks,
    v: usize,
    tail: Option<&'static str>,
}

impl Core {
    /// Words it will take at most.
    fn words(&self, m: &Meta) -> usize {
        let of = |t: Option<&'static str>| t.map_or(0, |t| words_of(t, m, ""));
        // The shape's two slots are counted as the parts that fill them.
        words_of(self.shape, m, "") - 2
            + words_of(self.subject, m, "")
            + of(self.material)
            + of(self.color)
            + if self.compact {
                1 + word_count(m.color) + word_count(m.material)
            } else {
                0
            }
            + self.picks.words(self.predicate, self.v, m, "")
            + of(self.tail)
    }

    fn write<R: Rng>(&self, out: &mut String, rng: &mut R, m: &Meta) {
        expand(out, rng, self.shape, &mut |out, rng, slot| match slot {
            "S" | "s" => {
                let at = out.len();
                render(out, rng, self.subject, m);
                if slot == "S" {
                    capitalise(out, at);
                }
                if self.compact {
                    out.push_str(" in ");
                    out.push_str(m.color);
                    out.push(' ');
                    out.push_str(m.material);
                }
                for t in [self.material, self.color].into_iter().flatten() {
                    out.push(' ');
                    render(out, rng, t, m);
                }
            }
            "P" => {
                self.picks.write(out, rng, self.predicate, self.v, m, "");
                if let Some(t) = self.tail {
                    out.push_str(", ");
                    render(out, rng, t, m);
                }
            }
            other => unreachable!("unknown core placeholder {{{other}}}"),
        });
    }
}

/// Three different indices below `n` (at least 3).
fn three(rng: &mut impl Rng, n: usize) -> [usize; 3] {
    let a = rng.random_range(0..n);
    let mut b = rng.random_range(0..n - 1);
    if b >= a {
        b += 1;
    }
    let mut c = rng.random_range(0..n - 2);
    for x in [a.min(b), a.max(b)] {
        if c >= x {
            c += 1;
        }
    }
    [a, b, c]
}

/// Whether a copy for `m` may name `bought` by its title words: only when
/// they name no brand, material or colour of the catalog but `m`'s own.
pub(crate) fn hook_allowed(m: &Meta, bought: &Meta) -> bool {
    bought.hook_terms.iter().all(|t| {
        t.eq_ignore_ascii_case(m.brand)
            || t.eq_ignore_ascii_case(m.material)
            || t.eq_ignore_ascii_case(m.color)
    })
}

/// Which facts to state: one to three (at most `most`), favouring what the voice cares about.
fn choose_facts(rng: &mut impl Rng, m: &Meta, voice: Voice, most: usize) -> u8 {
    // Weights in `FACTS` order: brand, price, material, colour, title.
    let mut weights: [f64; 5] = match voice {
        Voice::Neutral => [1.0, 1.0, 1.0, 1.0, 0.7],
        Voice::Taste(Taste::PriceConscious) => [0.6, 5.0, 0.6, 0.8, 0.5],
        Voice::Taste(Taste::EcoMinded) => [0.6, 0.5, if m.eco { 5.0 } else { 0.8 }, 0.8, 0.5],
        Voice::Taste(Taste::Premium) => [3.0, 0.8, 1.5, 1.0, 0.8],
        Voice::Taste(Taste::Comfort) => [0.6, 0.6, if m.soft { 4.0 } else { 0.7 }, 1.5, 0.5],
        Voice::Taste(Taste::Tech) => [2.0, 0.7, 1.0, 0.6, 1.2],
    };
    let k = match rng.random_range(0..100) {
        0..35 => 1,
        35..75 => 2,
        _ => 3,
    }
    .min(most);
    let mut chosen = 0;
    for _ in 0..k {
        let total: f64 = weights.iter().sum();
        let mut x = rng.random_range(0.0..total);
        let mut at = weights.len() - 1;
        for (i, w) in weights.iter().enumerate() {
            if x < *w {
                at = i;
                break;
            }
            x -= w;
        }
        chosen |= FACTS[at];
        weights[at] = 0.0;
    }
    chosen
}

/// Material phrases for the voice; claims ("made responsibly", "soft") only
/// where the product's own attributes support them.
fn material_table(m: &Meta, voice: Voice) -> &'static [&'static str] {
    match voice {
        Voice::Taste(Taste::EcoMinded) if !m.eco => MATERIALS[0],
        Voice::Taste(Taste::Comfort) if !m.soft => MATERIALS[0],
        _ => MATERIALS[voice.index()],
    }
}

fn pick(rng: &mut impl Rng, options: &'static [&'static str]) -> &'static str {
    options.choose(rng).expect("phrase tables are never empty")
}

/// Every template of this grammar, for tests that check them.
#[cfg(test)]
pub(crate) fn all_templates() -> Vec<&'static str> {
    let tables = [
        PREDICATES, TAILS, BENEFITS, PRICES, OPENERS, CLOSERS, ADJECTIVES, MATERIALS, COLORS,
        HOOKS, NOUN_LINES,
    ];
    let mut out: Vec<&'static str> = ADVERBS.to_vec();
    out.extend(KEY_ADJECTIVES.iter().flat_map(|t| t.iter().copied()));
    out.extend(WORD_PREDICATES);
    out.extend(WORD_HOOKS);
    out.extend(WORD_PRICES);
    out.extend(tables.iter().flatten().flat_map(|t| t.iter().copied()));
    for s in [
        CORE_SHAPES,
        ADJECTIVE_SHAPES,
        SUBJECT_TITLE_BRAND,
        SUBJECT_TITLE,
        SUBJECT_BRAND,
        SUBJECT_PLAIN,
        FEATURE_LINES,
        SCENE_LINES,
    ] {
        out.extend(s.iter().copied());
    }
    out.extend(SCENES.iter().flat_map(|(_, s)| s.iter().copied()));
    out
}
