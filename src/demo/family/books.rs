//! `books`: crime, literary fiction, cookery, nature and travel, history
//! and ideas, children's books. Shoppers come once (2 to 4 events each) and
//! buy what they came for, whatever their taste: the taste shows in the
//! voice of the copy they responded to, and in their rare reviews.

use super::spec::*;
use Tier::{Budget, Mid, Premium};

const fn b(name: &'static str, tier: Tier) -> Brand {
    Brand { name, tier }
}
const fn m(name: &'static str, title_word: &'static str) -> Material {
    Material { name, title_word }
}
#[allow(clippy::type_complexity)]
const fn n(
    name: &'static str,
    price: (f64, f64),
    materials: &'static [Material],
    features: &'static [&'static str],
    flags: &'static [(&'static str, f64)],
    numbers: &'static [(&'static str, &'static [u32])],
) -> Noun {
    Noun {
        name,
        price,
        materials,
        features,
        flags,
        numbers,
    }
}

const HARDCOVER: Material = m("hardcover", "");
const PAPERBACK: Material = m("paperback", "");
const CLOTHBOUND: Material = m("clothbound", "Clothbound");
const FLEXIBOUND: Material = m("flexibound", "");

const FORMATS: &[Material] = &[HARDCOVER, PAPERBACK, CLOTHBOUND];
const SIGNED: &str = "signed";
const ILLUSTRATED: &str = "illustrated";
const AWARD: &str = "award_winner";
const FIRST: &str = "first_edition";
const PAGES: &[u32] = &[192, 224, 256, 288, 320, 352, 384, 416, 448, 512];
const SHORT: &[u32] = &[32, 40, 48, 64, 96, 128];

#[rustfmt::skip]
const CRIME: &[Noun] = &[
    n("Thriller", (9.0, 22.0), FORMATS, &["sprayed edges", "author interview", "reading group guide"], &[(SIGNED, 0.15), (AWARD, 0.2), (FIRST, 0.2)], &[("pages", PAGES)]),
    n("Crime Novel", (9.0, 22.0), FORMATS, &["sprayed edges", "author interview", "series map"], &[(SIGNED, 0.15), (AWARD, 0.2), (FIRST, 0.2)], &[("pages", PAGES)]),
    n("Spy Novel", (9.0, 22.0), FORMATS, &["fold-out maps", "author interview", "cast list"], &[(SIGNED, 0.15), (AWARD, 0.2), (FIRST, 0.2)], &[("pages", PAGES)]),
    n("Mystery", (8.0, 20.0), FORMATS, &["cast list", "reading group guide", "sprayed edges"], &[(SIGNED, 0.15), (AWARD, 0.15), (FIRST, 0.2)], &[("pages", PAGES)]),
];

#[rustfmt::skip]
const LITERARY: &[Noun] = &[
    n("Novel", (9.0, 24.0), FORMATS, &["deckle edges", "ribbon marker", "reading group guide"], &[(SIGNED, 0.15), (AWARD, 0.3), (FIRST, 0.2)], &[("pages", PAGES)]),
    n("Short Stories", (9.0, 20.0), FORMATS, &["deckle edges", "ribbon marker", "author afterword"], &[(SIGNED, 0.15), (AWARD, 0.3), (FIRST, 0.2)], &[("pages", PAGES)]),
    n("Novella", (7.0, 16.0), FORMATS, &["deckle edges", "author afterword", "pocket format"], &[(SIGNED, 0.15), (AWARD, 0.25), (FIRST, 0.2)], &[("pages", &[112, 128, 144, 160])]),
    n("Poetry Collection", (8.0, 18.0), FORMATS, &["ribbon marker", "index of first lines", "author afterword"], &[(SIGNED, 0.2), (AWARD, 0.3), (FIRST, 0.2)], &[("pages", &[64, 80, 96, 112])]),
];

#[rustfmt::skip]
const COOKERY: &[Noun] = &[
    n("Cookbook", (14.0, 32.0), &[HARDCOVER, FLEXIBOUND], &["lay-flat binding", "index of recipes", "ribbon marker"], &[(SIGNED, 0.15), (ILLUSTRATED, 0.7), (AWARD, 0.1)], &[("pages", &[224, 256, 288, 320]), ("recipes", &[60, 80, 100, 120])]),
    n("Baking Book", (14.0, 30.0), &[HARDCOVER, FLEXIBOUND], &["lay-flat binding", "conversion tables", "index of recipes"], &[(SIGNED, 0.15), (ILLUSTRATED, 0.7), (AWARD, 0.1)], &[("pages", &[192, 224, 256]), ("recipes", &[50, 70, 90])]),
    n("Vegetable Cookbook", (14.0, 30.0), &[HARDCOVER, FLEXIBOUND], &["seasonal chapters", "index of recipes", "lay-flat binding"], &[(SIGNED, 0.1), (ILLUSTRATED, 0.7), (AWARD, 0.1)], &[("pages", &[224, 256, 288]), ("recipes", &[70, 90, 110])]),
];

#[rustfmt::skip]
const NATURE: &[Noun] = &[
    n("Field Guide", (10.0, 28.0), &[PAPERBACK, FLEXIBOUND], &["waterproof cover", "colour plates", "distribution maps"], &[(ILLUSTRATED, 0.8)], &[("pages", &[192, 256, 320, 384]), ("species", &[200, 300, 500, 800])]),
    n("Travel Guide", (10.0, 25.0), &[PAPERBACK, FLEXIBOUND], &["fold-out maps", "phrasebook section", "pull-out map"], &[(ILLUSTRATED, 0.4)], &[("pages", &[256, 320, 384, 448])]),
    n("Walking Guide", (9.0, 20.0), &[PAPERBACK, FLEXIBOUND], &["route maps", "waterproof cover", "gradient profiles"], &[(ILLUSTRATED, 0.5)], &[("pages", &[160, 192, 224]), ("routes", &[30, 40, 50])]),
    n("Nature Writing", (9.0, 22.0), FORMATS, &["ribbon marker", "deckle edges", "line drawings"], &[(SIGNED, 0.15), (ILLUSTRATED, 0.3), (AWARD, 0.25)], &[("pages", PAGES)]),
];

#[rustfmt::skip]
const HISTORY: &[Noun] = &[
    n("History", (12.0, 30.0), FORMATS, &["maps and timelines", "endnotes", "photo inserts"], &[(SIGNED, 0.15), (ILLUSTRATED, 0.3), (AWARD, 0.25)], &[("pages", &[320, 384, 448, 512, 576, 640])]),
    n("Biography", (12.0, 28.0), FORMATS, &["photo inserts", "family tree", "endnotes"], &[(SIGNED, 0.15), (AWARD, 0.25)], &[("pages", &[320, 384, 448, 512])]),
    n("Essay Collection", (10.0, 22.0), FORMATS, &["endnotes", "author afterword", "further reading"], &[(SIGNED, 0.15), (AWARD, 0.25)], &[("pages", &[192, 224, 256, 288])]),
    n("Memoir", (10.0, 24.0), FORMATS, &["photo inserts", "reading group guide", "author afterword"], &[(SIGNED, 0.2), (AWARD, 0.2)], &[("pages", PAGES)]),
];

#[rustfmt::skip]
const CHILDRENS: &[Noun] = &[
    n("Picture Book", (6.0, 16.0), &[HARDCOVER, PAPERBACK], &["board pages", "lift-the-flap pages", "read-aloud rhymes"], &[(ILLUSTRATED, 0.95), (SIGNED, 0.1), (AWARD, 0.2)], &[("pages", SHORT)]),
    n("Activity Book", (5.0, 12.0), &[PAPERBACK], &["sticker sheets", "puzzle pages", "wipe-clean pages"], &[(ILLUSTRATED, 0.9)], &[("pages", SHORT)]),
    n("Chapter Book", (6.0, 14.0), &[HARDCOVER, PAPERBACK], &["short chapters", "line drawings", "read-aloud rhymes"], &[(ILLUSTRATED, 0.6), (AWARD, 0.2)], &[("pages", &[96, 128, 160, 192])]),
];

#[rustfmt::skip]
const CATEGORIES: &[Category] = &[
    Category { name: "Crime & Thrillers", brands: &[b("Pulp Street", Budget), b("Blackwater Books", Mid), b("Harrow Press", Mid), b("Nightjar Editions", Premium)], nouns: CRIME, colors: &[], suits: &["It suits commutes and late nights alike.", "Right for a long weekend."] },
    Category { name: "Literary Fiction", brands: &[b("Paperlane", Budget), b("Quayside Press", Mid), b("Fernhill Books", Mid), b("Folio Marlowe", Premium)], nouns: LITERARY, colors: &[], suits: &["It suits book groups and solo readers.", "Right for a slow weekend."] },
    Category { name: "Cookery", brands: &[b("Shelfside", Budget), b("Larder Press", Mid), b("Saltmarsh Books", Mid), b("Bramley & Vine", Premium)], nouns: COOKERY, colors: &[], suits: &["It suits home cooks of every level.", "Right for the kitchen shelf."] },
    Category { name: "Nature & Travel", brands: &[b("Wayfarer Budget Guides", Budget), b("Compass Rose Press", Mid), b("Heron Books", Mid), b("Greycliff Editions", Premium)], nouns: NATURE, colors: &[], suits: &["It suits walkers, travellers and naturalists.", "Right for the rucksack or the armchair."] },
    Category { name: "History & Ideas", brands: &[b("Penny Classics", Budget), b("Ashgrove Press", Mid), b("Lanternfield", Mid), b("Oriel Academic", Premium)], nouns: HISTORY, colors: &[], suits: &["It suits curious readers of any age.", "Right for the bedside table."] },
    Category { name: "Children's", brands: &[b("Little Acorn", Budget), b("Puddle Books", Mid), b("Kite Tail Press", Mid), b("Moonbeam Editions", Premium)], nouns: CHILDRENS, colors: &[], suits: &["It suits bedtime and rainy afternoons.", "Right for young readers and their grown-ups."] },
];

#[rustfmt::skip]
const FLAGS: &[Flag] = &[
    Flag { key: SIGNED, marks: &["signed"], claims: &["This copy is signed by the author.", "A signed copy."], describe: "Copies are signed by the author." },
    Flag { key: ILLUSTRATED, marks: &["illustrated", "illustrations"], claims: &["It is fully illustrated.", "Illustrated throughout."], describe: "It is illustrated throughout." },
    Flag { key: AWARD, marks: &["award-winning", "prize-winning"], claims: &["An award-winning read.", "It is award-winning."], describe: "It is an award-winning title." },
    Flag { key: FIRST, marks: &["first edition"], claims: &["This is a first edition."], describe: "This is a first edition." },
];

#[rustfmt::skip]
const NUMBERS: &[Number] = &[
    Number { key: "pages", format: "{} pages", lines: &["It runs to {value}.", "Length: {value}."] },
    Number { key: "recipes", format: "{} recipes", lines: &["It holds {value}.", "Inside: {value}."] },
    Number { key: "species", format: "{} species", lines: &["It covers {value}.", "Inside: {value}."] },
    Number { key: "routes", format: "{} routes", lines: &["It maps {value}.", "Inside: {value}."] },
];

#[rustfmt::skip]
const TASTES: &[TasteSpec] = &[
    TasteSpec {
        name: "thrill-seeker", likes: &[], pull: 1.0,
        words: &["gripping", "pulse-pounding", "twisty", "unputdownable", "suspenseful", "edge-of-your-seat", "breathless", "addictive", "nail-biting", "heart-racing"],
        predicates: &["will keep you reading till dawn", "grips from the first page", "is [twisty|tense] to the very end", "is an unputdownable page-turner", "builds suspense on every page"],
        lines: &["Clear your evening: you won't stop.", "Twists you won't see coming.", "One more chapter, then another.", "Tension on every page."],
        good: &["Couldn't put it down, so gripping.", "Kept me up all night, twisty to the end.", "Breathless from start to finish."],
        bad: &["Predictable, no suspense at all.", "Slow and never gripping.", "Saw every twist coming."],
    },
    TasteSpec {
        name: "deep-thinker", likes: &[], pull: 1.0,
        words: &["thought-provoking", "profound", "illuminating", "insightful", "rigorous", "searching", "subtle", "layered", "incisive", "erudite"],
        predicates: &["rewards a slow, careful read", "lingers in the mind long after you finish", "is [profound|searching] and quietly insightful", "asks the questions that matter", "opens up new ways of thinking"],
        lines: &["A book to think with.", "Ideas that linger.", "Read it slowly, then read it again.", "Subtle, layered, illuminating."],
        good: &["Thought-provoking, I keep coming back to it.", "Profound and beautifully argued.", "Insightful on every page."],
        bad: &["Shallow, nothing to think about.", "Superficial where it should be searching.", "Lacks any real insight."],
    },
    TasteSpec {
        name: "comfort-reader", likes: &[], pull: 1.0,
        words: &["heartwarming", "uplifting", "charming", "feel-good", "cosy", "joyful", "whimsical", "tender", "sweet-natured", "soul-soothing"],
        predicates: &["is a warm hug of a book", "will leave you smiling", "is [charming|heartwarming] from start to finish", "is pure feel-good reading", "brightens the greyest day"],
        lines: &["Curl up and smile.", "A little ray of sunshine.", "Warmth on every page.", "Kindness, warmth and a happy ending."],
        good: &["So heartwarming, I smiled all the way through.", "Charming and uplifting.", "A cosy, joyful read."],
        bad: &["Too bleak for me, not uplifting at all.", "Expected something cosier.", "Left me feeling flat, not charming."],
    },
    TasteSpec {
        name: "hands-on", likes: &[], pull: 1.0,
        words: &["practical", "step-by-step", "hands-on", "useful", "how-to", "actionable", "clear-cut", "down-to-earth", "usable", "methodical"],
        predicates: &["gets you doing, not just reading", "is practical from cover to cover", "breaks every skill into clear steps", "is [useful|actionable] on day one", "puts know-how in your hands"],
        lines: &["Learn it, then do it.", "Clear steps, real results.", "Keep it open on the worktop.", "Practical know-how you will use."],
        good: &["Really practical, I used it straight away.", "Clear steps that actually work.", "Useful and down-to-earth."],
        bad: &["Not practical at all.", "Steps are vague and hard to follow.", "Too much waffle, not enough how-to."],
    },
];

/// The `books` shop.
pub static SPEC: Spec = Spec {
    name: "books",
    categories: CATEGORIES,
    per_category: 55,
    material_key: "format",
    flags: FLAGS,
    numbers: NUMBERS,
    lines: &[
        "Silent Harbour",
        "Winter Orchard",
        "Salt and Ash",
        "The Long Field",
        "Borrowed Light",
        "Glass River",
        "Northern Lanterns",
        "The Quiet Hour",
        "Paper Tigers",
        "Iron Tide",
        "Small Mercies",
        "The Far Shore",
        "Wild Thyme",
        "Tall Grass",
        "Moth Season",
        "The Last Ferry",
        "Open Water",
        "Stone Circle",
        "Little Owl",
        "Ember Lane",
        "Cold Comfort",
        "A Single Thread",
        "Red Kite",
        "Low Tide",
        "Deep Roots",
        "Blue Hour",
        "Seven Bridges",
        "The Green Road",
        "High Summer",
        "Night Garden",
    ],
    tastes: TASTES,
    copy_log: true,
    copy_voice: Noise {
        own: (0.55, 0.9),
        neutral: 0.1,
    },
    review_voice: Noise {
        own: (0.55, 0.85),
        neutral: 0.15,
    },
    review_rate: 0.35,
    history: History::Short,
    texts: Texts {
        what: &[
            "{A_kind} from {brand}.",
            "{The_title} is {a_kind} published by {brand}.",
            "{Brand_s} {title}, {a_kind}.",
        ],
        made: &[
            "Published in {material}.",
            "This edition is {material}.",
            "Format: {material}.",
        ],
        feature: &[
            "Extras: {feature}.",
            "This edition includes: {feature}.",
            "Bonus: {feature}.",
        ],
        copy_made: &["Format: {material}.", "This edition: {material}."],
        predicates: &[
            "is a fine addition to any shelf",
            "is well worth a read",
            "is a solid choice",
            "is a good pick for this season",
            "earns its place on the shelf",
        ],
        lines: &[
            "A welcome addition to any shelf.",
            "Ready for your reading pile.",
            "Out now.",
            "A fine read.",
        ],
        good: &[
            "Arrived quickly and as described.",
            "Good condition, well packed.",
            "Exactly what I ordered.",
        ],
        bad: &[
            "Arrived with a bent cover.",
            "Took ages to arrive.",
            "Pages were creased on arrival.",
        ],
    },
};
