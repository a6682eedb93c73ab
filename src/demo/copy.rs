//! The product copy a shopper sees before buying: a small template grammar
//! with a voice per taste, so the model has rich, learnable, varied targets.
//!
//! Facts enter only through placeholders filled from the product's own
//! record (`{brand}`, `{price}`, `{material}`, `{color}`, `{title}`); the
//! fixed phrases never name a brand, material or colour.

use super::Taste;
use super::catalog::{Meta, starts_with_vowel};
use rand::Rng;
use rand::seq::IndexedRandom;

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

// Phrase tables are indexed by `Voice::index`:
// [neutral, price-conscious, eco-minded, premium, comfort, tech].
type Table = [&'static [&'static str]; 6];

const PREDICATES: Table = [
    &[
        "is a dependable everyday pick",
        "is ready for daily use",
        "does exactly what you need",
        "is a solid all-rounder",
        "fits easily into your routine",
        "is a reliable choice",
        "keeps things simple",
        "is made for everyday life",
        "is a practical favourite",
        "works hard every day",
        "earns its place in your routine",
    ],
    &[
        "is great value",
        "is easy on your budget",
        "won't break the bank",
        "is a budget-friendly favourite",
        "gives you more for less",
        "is affordable without cutting corners",
        "is a bargain you'll love",
        "saves you money every day",
        "is a real deal",
        "is everyday value done right",
        "keeps more money in your pocket",
    ],
    &[
        "is kinder to the planet",
        "is made to tread lightly on the planet",
        "is made with the planet in mind",
        "is sustainably produced",
        "keeps its footprint small",
        "is a conscious choice",
        "is built to last, a sustainable way to buy less",
        "is responsibly made from start to finish",
        "helps you shop more sustainably",
        "is a low-impact everyday essential",
        "supports a more sustainable routine",
    ],
    &[
        "is exceptionally crafted",
        "is a luxurious treat",
        "is crafted to impress",
        "is refined down to the last detail",
        "brings timeless elegance",
        "is pure indulgence",
        "is crafted to exacting standards",
        "is exceptional in every way",
        "is an elevated essential with refined details",
        "is made for those who expect the finest",
        "offers true luxury",
    ],
    &[
        "is all about comfort",
        "brings all-day comfort",
        "is cosy through and through",
        "is made for slow, relaxed days",
        "feels like a gentle hug",
        "keeps you comfortable all day",
        "is pure comfort",
        "invites you to unwind",
        "is snug and soothing",
        "puts comfort first",
        "is soft, cosy and easy to love",
    ],
    &[
        "is engineered for performance",
        "packs smart features",
        "is built with precision",
        "delivers high performance",
        "is engineered to do more",
        "brings innovation to every day",
        "is a smart upgrade",
        "is tuned for peak performance",
        "runs on thoughtful engineering",
        "is tech-forward by design",
        "is precision-engineered for you",
    ],
];

const BENEFITS: Table = [
    &[
        "A simple choice for everyday use.",
        "Easy to care for and easy to love.",
        "A useful addition to your collection.",
        "Made to fit right into your routine.",
        "Dependable, practical and ready to go.",
        "A classic that works with everything.",
        "Simple design, solid quality.",
        "Ready when you are.",
        "Good looks and everyday practicality.",
        "A reliable pick for any day.",
    ],
    &[
        "Quality you can afford.",
        "Everyday value without compromise.",
        "More for your money.",
        "Budget-friendly and built to last.",
        "Save without settling.",
        "Affordable quality, every day.",
        "Great value that lasts.",
        "A bargain worth grabbing.",
        "Low price, high value.",
        "Spend less, get more value.",
    ],
    &[
        "Kinder to the planet, with less waste.",
        "Sustainability you can see and feel.",
        "Packed plastic-free and shipped carbon-neutral.",
        "A lower footprint without compromise.",
        "Good for you and better for the planet.",
        "Made responsibly, built to last.",
        "Choose conscious, choose lasting.",
        "Sustainable from start to finish.",
        "Less waste, more wear, better for the planet.",
        "Low-impact by design.",
    ],
    &[
        "Exceptional craftsmanship in every detail.",
        "Luxurious, refined and made to last.",
        "Timeless design meets exceptional quality.",
        "An indulgence you deserve.",
        "Crafted for those who notice the difference.",
        "Refined details, finished by hand.",
        "The finest finish, inside and out.",
        "Understated luxury for every day.",
        "Elegance that never dates.",
    ],
    &[
        "Soft, cosy and made for all-day comfort.",
        "Sink into softness.",
        "Gentle, soothing and easy to relax with.",
        "Your new favourite for cosy evenings.",
        "Comfort that lasts all day.",
        "Made to help you relax and unwind.",
        "Snug, soothing and soft to the touch.",
        "Pure comfort from morning to night.",
        "Cosy up and take it easy.",
    ],
    &[
        "Smart design meets serious performance.",
        "Engineered for precision and speed.",
        "Smart features, zero fuss.",
        "Performance you can measure.",
        "Innovation built into every part.",
        "Precision engineering you can rely on.",
        "Next-level tech for everyday life.",
        "High performance, smartly designed.",
        "Engineered to keep up with you.",
    ],
];

const PRICES: Table = [
    &[
        "Yours for {price}.",
        "Available now for {price}.",
        "Priced at {price}.",
        "All for {price}.",
        "Now {price}.",
        "It costs {price}.",
    ],
    &[
        "Great value at {price}.",
        "Just {price}.",
        "Only {price}, a real steal.",
        "All this for just {price}.",
        "Great value for only {price}.",
        "At {price}, it's a bargain.",
        "Save more at just {price}.",
        "A budget-friendly {price}.",
        "Unbeatable value at {price}.",
        "Just {price}, easy on your budget.",
    ],
    &[
        "A sustainable choice at {price}.",
        "Kinder to the planet, at {price}.",
        "{price} for a conscious choice you can feel good about.",
        "Shop responsibly for {price}.",
        "A lower footprint for {price}.",
    ],
    &[
        "Worth every cent at {price}.",
        "A luxurious investment at {price}.",
        "At {price}, exceptional quality that lasts.",
        "{price} for refined, lasting quality.",
        "Indulge yourself for {price}.",
    ],
    &[
        "Cosy up for {price}.",
        "All-day comfort for {price}.",
        "Soft comfort for {price}.",
        "{price} for pure comfort.",
        "Relax in it for {price}.",
    ],
    &[
        "Serious performance for {price}.",
        "Smart tech for {price}.",
        "Upgrade for {price}.",
        "{price} for precision engineering.",
        "Innovation for {price}.",
    ],
];

const OPENERS: Table = [
    &[
        "Meet your new everyday favourite.",
        "Here's one for your list.",
        "New in.",
        "A fresh pick for you.",
        "Simple and dependable.",
        "Worth a look.",
    ],
    &[
        "Big value, small price.",
        "Deal alert!",
        "Save more today.",
        "Budget-friendly pick of the week.",
        "Value you can count on.",
        "Looking for a bargain?",
    ],
    &[
        "Shop with a lighter footprint.",
        "Good for you, kinder to the planet.",
        "Choose better for the planet.",
        "Sustainable style starts here.",
        "Conscious choices matter.",
        "Small footprint, big impact.",
    ],
    &[
        "Indulge yourself.",
        "Luxury, redefined.",
        "For the discerning few.",
        "Exceptional by design.",
        "Treat yourself to the finest.",
        "Refined, through and through.",
    ],
    &[
        "Time to unwind.",
        "Cosy season is here.",
        "Softness, all day long.",
        "Comfort comes first.",
        "Relax, you've earned it.",
        "Get comfortable.",
    ],
    &[
        "Upgrade your everyday.",
        "Smart living starts here.",
        "Built for performance.",
        "Meet next-level engineering.",
        "Innovation you can feel.",
        "Tech that works harder.",
    ],
];

const CLOSERS: Table = [
    &[
        "Add it to your basket.",
        "Order yours today.",
        "Take a closer look.",
        "Find out more today.",
        "Order now.",
    ],
    &[
        "Grab the deal while it lasts.",
        "Save today.",
        "Don't miss this value.",
        "Bag a bargain today.",
        "Save while stocks last.",
    ],
    &[
        "Shop consciously today.",
        "Make the sustainable switch.",
        "The planet will thank you.",
        "Choose sustainable today.",
        "Shop responsibly.",
    ],
    &[
        "Treat yourself today.",
        "Experience true luxury.",
        "Discover exceptional quality.",
        "Indulge today.",
        "You deserve the finest.",
    ],
    &[
        "Settle in and relax.",
        "Get cosy today.",
        "Your comfort awaits.",
        "Time to relax.",
        "Unwind in comfort today.",
    ],
    &[
        "Upgrade today.",
        "Experience the performance.",
        "Get smarter today.",
        "Engineered for you, ready today.",
        "Upgrade your setup now.",
    ],
];

/// How the material is named, per voice; eco and comfort phrases that make
/// claims are used only when the product backs them (see `material_table`).
const MATERIALS: Table = [
    &[
        "in {material}",
        "made from {material}",
        "made of {material}",
    ],
    &[
        "in hard-wearing {material}",
        "made from {material}",
        "in {material}",
    ],
    &[
        "made from {material}",
        "made responsibly from {material}",
        "in low-impact {material}",
    ],
    &[
        "in fine {material}",
        "crafted from {material}",
        "finished in {material}",
        "in premium {material}",
    ],
    &[
        "in soft {material}",
        "in cosy {material}",
        "made from gentle {material}",
    ],
    &[
        "engineered from {material}",
        "built from {material}",
        "in precision-made {material}",
    ],
];

const COLORS: Table = [
    &["in {color}", "in classic {color}", "in {a_color} finish"],
    &["in {color}", "in a versatile {color}"],
    &["in {color}", "in {a_color} finish"],
    &["in a rich {color}", "in refined {color}", "in {color}"],
    &["in a calming {color}", "in {color}", "in a cosy {color}"],
    &[
        "in a sleek {color} finish",
        "in {color}",
        "in matte {color}",
    ],
];

const SUBJECT_TITLE_BRAND: &[&str] = &[
    "The {title} from {brand}",
    "{brand}'s {title}",
    "The {title} by {brand}",
];
const SUBJECT_TITLE: &[&str] = &["The {title}", "Our {title}", "This {title}"];
const SUBJECT_BRAND: &[&str] = &[
    "{brand}'s {noun}",
    "This {noun} from {brand}",
    "The {noun} by {brand}",
    "This {brand} {noun}",
];
const SUBJECT_PLAIN: &[&str] = &["This {noun}", "Our {noun}", "The {noun}", "Your new {noun}"];

/// Facts a copy can state, as bits.
const BRAND: u8 = 1;
const PRICE: u8 = 2;
const MATERIAL: u8 = 4;
const COLOR: u8 = 8;
const TITLE: u8 = 16;
const FACTS: [u8; 5] = [BRAND, PRICE, MATERIAL, COLOR, TITLE];

/// Longest copy the optional opener and closer may grow it to, in words.
const MAX_WORDS: usize = 25;
/// Shortest copy: below this the closer and opener are added.
const MIN_WORDS: usize = 10;

/// Writes into `out` (cleared first) the copy for product `m` in `voice`.
pub(crate) fn write_copy(out: &mut String, rng: &mut impl Rng, m: &Meta, voice: Voice) {
    out.clear();
    let v = voice.index();
    let facts = choose_facts(rng, m, voice);
    let has = |f: u8| facts & f != 0;

    let subject = match (has(TITLE), has(BRAND)) {
        (true, true) => SUBJECT_TITLE_BRAND,
        (true, false) => SUBJECT_TITLE,
        (false, true) => SUBJECT_BRAND,
        (false, false) => SUBJECT_PLAIN,
    };
    render(out, pick(rng, subject), m);
    match (has(MATERIAL), has(COLOR)) {
        (true, true) if rng.random_bool(0.4) => {
            // Compact form: "in navy merino wool".
            out.push_str(" in ");
            out.push_str(m.color);
            out.push(' ');
            out.push_str(m.material);
        }
        (material, color) => {
            if material {
                out.push(' ');
                render(out, pick(rng, material_table(m, voice)), m);
            }
            if color {
                out.push(' ');
                render(out, pick(rng, COLORS[v]), m);
            }
        }
    }
    out.push(' ');
    out.push_str(pick(rng, PREDICATES[v]));
    out.push_str(". ");
    let second = if has(PRICE) { PRICES[v] } else { BENEFITS[v] };
    render(out, pick(rng, second), m);

    // Grow short copy and sometimes frame longer copy, staying within bounds.
    let mut words = word_count(out);
    let closer = pick(rng, CLOSERS[v]);
    let opener = pick(rng, OPENERS[v]);
    if words < MIN_WORDS || (words + word_count(closer) <= MAX_WORDS && rng.random_bool(0.35)) {
        out.push(' ');
        out.push_str(closer);
        words += word_count(closer);
    }
    if words < MIN_WORDS || (words + word_count(opener) <= MAX_WORDS && rng.random_bool(0.45)) {
        out.insert(0, ' ');
        out.insert_str(0, opener);
    }
}

/// Which facts to state: one to three, favouring what the voice cares about.
fn choose_facts(rng: &mut impl Rng, m: &Meta, voice: Voice) -> u8 {
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
    };
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

fn word_count(s: &str) -> usize {
    s.split_whitespace().count()
}

/// Appends `template` to `out`, filling `{...}` placeholders from the product.
pub(crate) fn render(out: &mut String, template: &str, m: &Meta) {
    let mut rest = template;
    while let Some(open) = rest.find('{') {
        out.push_str(&rest[..open]);
        let after = &rest[open + 1..];
        let close = after.find('}').expect("template placeholders are closed");
        match &after[..close] {
            "title" => out.push_str(&m.title),
            "noun" => out.push_str(&m.noun),
            "brand" => out.push_str(m.brand),
            "price" => out.push_str(&m.price_text),
            "material" => out.push_str(m.material),
            "color" => out.push_str(m.color),
            "a_color" => {
                out.push_str(if starts_with_vowel(m.color) {
                    "an "
                } else {
                    "a "
                });
                out.push_str(m.color);
            }
            other => unreachable!("unknown placeholder {{{other}}} in a demo template"),
        }
        rest = &after[close + 1..];
    }
    out.push_str(rest);
}

/// Every template of this grammar, for tests that check them.
#[cfg(test)]
pub(crate) fn all_templates() -> Vec<&'static str> {
    let tables = [
        PREDICATES, BENEFITS, PRICES, OPENERS, CLOSERS, MATERIALS, COLORS,
    ];
    let mut out: Vec<&'static str> = tables
        .iter()
        .flatten()
        .flat_map(|t| t.iter().copied())
        .collect();
    for s in [
        SUBJECT_TITLE_BRAND,
        SUBJECT_TITLE,
        SUBJECT_BRAND,
        SUBJECT_PLAIN,
    ] {
        out.extend(s.iter().copied());
    }
    out
}
