//! `beauty`: skincare, sun care, hair, makeup, fragrance and body care.
//! There is no copy log at all: only catalog descriptions and reviews.
//! Tastes show in the review words shoppers write and in the attributes of
//! what they buy (vegan, fragrance-free, for sensitive skin, SPF, long wear).

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

const HYALURONIC: Material = m("hyaluronic acid", "Hyaluronic");
const NIACINAMIDE: Material = m("niacinamide", "Niacinamide");
const VITAMIN_C: Material = m("vitamin C", "Vitamin");
const RETINOL: Material = m("retinol", "Retinol");
const SQUALANE: Material = m("squalane", "");
const SHEA: Material = m("shea butter", "Shea");
const CERAMIDES: Material = m("ceramides", "Ceramide");
const PEPTIDES: Material = m("peptides", "Peptide");
const SALICYLIC: Material = m("salicylic acid", "");
const ALOE: Material = m("aloe vera", "Aloe");
const KAOLIN: Material = m("kaolin clay", "Clay");
const CAFFEINE: Material = m("caffeine", "");
const ZINC: Material = m("zinc oxide", "Mineral");
const ARGAN: Material = m("argan oil", "Argan");
const KERATIN: Material = m("keratin", "");
const TEA_TREE: Material = m("tea tree oil", "");
const JOJOBA: Material = m("jojoba oil", "Jojoba");
const BERGAMOT: Material = m("bergamot", "Bergamot");
const SANDALWOOD: Material = m("sandalwood", "Sandalwood");
const NEROLI: Material = m("neroli", "Neroli");
const VETIVER: Material = m("vetiver", "");
const COCOA: Material = m("cocoa butter", "Cocoa");
const OAT: Material = m("colloidal oat", "Oat");

const VEGAN: &str = "vegan";
const FF: &str = "fragrance_free";
const SENS: &str = "sensitive_skin";
const WATER: &str = "water_resistant";
const LONG: &str = "long_wear";

#[rustfmt::skip]
const SKINCARE: &[Noun] = &[
    n("Face Serum", (15.0, 45.0), &[HYALURONIC, NIACINAMIDE, VITAMIN_C, RETINOL, SQUALANE], &["dropper bottle", "lightweight texture", "airless pump"], &[(VEGAN, 0.5), (FF, 0.5), (SENS, 0.4)], &[("volume_ml", &[15, 30, 50])]),
    n("Night Cream", (18.0, 50.0), &[SHEA, CERAMIDES, RETINOL, PEPTIDES], &["rich texture", "glass jar", "refill pod"], &[(VEGAN, 0.4), (FF, 0.5), (SENS, 0.4)], &[("volume_ml", &[50])]),
    n("Gel Cleanser", (8.0, 25.0), &[SALICYLIC, ALOE, NIACINAMIDE], &["foaming gel", "pump bottle", "low-lather formula"], &[(VEGAN, 0.6), (FF, 0.5), (SENS, 0.5)], &[("volume_ml", &[150, 200, 250])]),
    n("Face Mask", (10.0, 30.0), &[KAOLIN, ALOE, HYALURONIC], &["ten-minute formula", "spatula included", "wash-off texture"], &[(VEGAN, 0.5), (FF, 0.4), (SENS, 0.3)], &[("volume_ml", &[50, 75, 100])]),
    n("Eye Cream", (15.0, 45.0), &[CAFFEINE, PEPTIDES, HYALURONIC], &["cooling tip", "ophthalmologist-tested formula", "tube applicator"], &[(VEGAN, 0.4), (FF, 0.6), (SENS, 0.5)], &[("volume_ml", &[15, 20])]),
];

#[rustfmt::skip]
const SUN_CARE: &[Noun] = &[
    n("Sun Cream", (10.0, 30.0), &[ZINC, ALOE, SQUALANE], &["invisible finish", "pump bottle", "reef-conscious filters"], &[(VEGAN, 0.5), (FF, 0.5), (SENS, 0.4), (WATER, 0.6)], &[("spf", &[15, 30, 50]), ("volume_ml", &[50, 100, 200])]),
    n("Sun Stick", (8.0, 22.0), &[ZINC, SHEA], &["twist-up stick", "pocket size", "clear glide"], &[(VEGAN, 0.5), (FF, 0.6), (WATER, 0.5)], &[("spf", &[30, 50])]),
    n("After-Sun Gel", (7.0, 20.0), &[ALOE, OAT], &["cooling gel", "pump bottle", "fast-absorbing texture"], &[(VEGAN, 0.6), (FF, 0.5), (SENS, 0.5)], &[("volume_ml", &[150, 200])]),
    n("Tinted Moisturiser", (14.0, 38.0), &[SQUALANE, HYALURONIC, ZINC], &["sheer tint", "dewy finish", "buildable coverage"], &[(VEGAN, 0.5), (FF, 0.4), (SENS, 0.3)], &[("spf", &[15, 20, 30]), ("volume_ml", &[30, 50])]),
    n("Lip Balm", (3.0, 10.0), &[SHEA, JOJOBA], &["twist-up stick", "sheer tint", "pocket size"], &[(VEGAN, 0.5), (FF, 0.6)], &[("spf", &[15, 20, 30])]),
];

#[rustfmt::skip]
const HAIR: &[Noun] = &[
    n("Shampoo", (6.0, 22.0), &[ARGAN, KERATIN, TEA_TREE, ALOE], &["sulphate-free formula", "refill pouch", "pump bottle"], &[(VEGAN, 0.5), (FF, 0.3), (SENS, 0.3)], &[("volume_ml", &[250, 300, 500])]),
    n("Conditioner", (6.0, 22.0), &[ARGAN, KERATIN, SHEA], &["detangling slip", "refill pouch", "pump bottle"], &[(VEGAN, 0.5), (FF, 0.3), (SENS, 0.3)], &[("volume_ml", &[250, 300, 500])]),
    n("Hair Oil", (10.0, 35.0), &[ARGAN, JOJOBA, SQUALANE], &["dropper bottle", "heat protection", "non-greasy finish"], &[(VEGAN, 0.6), (FF, 0.4)], &[("volume_ml", &[50, 100])]),
    n("Hair Mask", (10.0, 30.0), &[KERATIN, SHEA, ARGAN], &["five-minute formula", "glass jar", "deep-conditioning texture"], &[(VEGAN, 0.5), (FF, 0.3)], &[("volume_ml", &[200, 250])]),
];

#[rustfmt::skip]
const MAKEUP: &[Noun] = &[
    n("Lipstick", (8.0, 30.0), &[JOJOBA, SHEA], &["satin finish", "bullet tip", "matte finish"], &[(VEGAN, 0.5), (LONG, 0.5)], &[("weight_g", &[3, 4])]),
    n("Mascara", (8.0, 28.0), &[PEPTIDES, JOJOBA], &["curved brush", "volumising wand", "tubing formula"], &[(VEGAN, 0.5), (LONG, 0.5), (WATER, 0.4), (SENS, 0.3)], &[("volume_ml", &[8, 10, 12])]),
    n("Foundation", (12.0, 40.0), &[HYALURONIC, SQUALANE, NIACINAMIDE], &["buildable coverage", "satin finish", "pump bottle"], &[(VEGAN, 0.5), (LONG, 0.5), (FF, 0.3)], &[("spf", &[15, 20]), ("volume_ml", &[30])]),
    n("Eyeshadow Palette", (12.0, 45.0), &[JOJOBA, SQUALANE], &["mirror lid", "mixed finishes", "dual-ended brush"], &[(VEGAN, 0.5), (LONG, 0.4)], &[("shades", &[9, 12, 18])]),
    n("Cream Blush", (10.0, 30.0), &[SQUALANE, JOJOBA], &["dewy finish", "buildable colour", "mirror lid"], &[(VEGAN, 0.5), (LONG, 0.4)], &[("weight_g", &[5, 6])]),
];

#[rustfmt::skip]
const FRAGRANCE: &[Noun] = &[
    n("Eau de Parfum", (30.0, 90.0), &[BERGAMOT, SANDALWOOD, NEROLI, VETIVER], &["glass atomiser", "travel spray", "refillable bottle"], &[(VEGAN, 0.5), (LONG, 0.5)], &[("volume_ml", &[30, 50, 100])]),
    n("Body Mist", (10.0, 28.0), &[BERGAMOT, NEROLI], &["fine spray", "travel spray", "light veil"], &[(VEGAN, 0.6)], &[("volume_ml", &[100, 150, 250])]),
    n("Solid Perfume", (12.0, 35.0), &[SANDALWOOD, VETIVER, NEROLI], &["brass compact", "pocket size", "balm texture"], &[(VEGAN, 0.4), (LONG, 0.4)], &[("weight_g", &[8, 10, 15])]),
    n("Rollerball Perfume", (12.0, 35.0), &[BERGAMOT, SANDALWOOD, VETIVER], &["steel rollerball", "pocket size", "oil base"], &[(VEGAN, 0.5), (LONG, 0.4)], &[("volume_ml", &[8, 10])]),
];

#[rustfmt::skip]
const BODY: &[Noun] = &[
    n("Body Lotion", (6.0, 25.0), &[SHEA, COCOA, OAT], &["pump bottle", "fast-absorbing texture", "non-greasy finish"], &[(VEGAN, 0.5), (FF, 0.5), (SENS, 0.5)], &[("volume_ml", &[200, 250, 400])]),
    n("Body Wash", (5.0, 18.0), &[ALOE, OAT, TEA_TREE], &["creamy lather", "refill pouch", "pump bottle"], &[(VEGAN, 0.6), (FF, 0.4), (SENS, 0.4)], &[("volume_ml", &[250, 400, 500])]),
    n("Hand Cream", (5.0, 20.0), &[SHEA, OAT, COCOA], &["pocket tube", "non-greasy finish", "rich texture"], &[(VEGAN, 0.5), (FF, 0.5), (SENS, 0.5)], &[("volume_ml", &[30, 50, 75])]),
    n("Body Scrub", (8.0, 25.0), &[COCOA, SHEA, JOJOBA], &["fine grains", "glass jar", "melting texture"], &[(VEGAN, 0.5), (FF, 0.3)], &[("volume_ml", &[200, 250])]),
];

#[rustfmt::skip]
const CATEGORIES: &[Category] = &[
    Category { name: "Skincare", brands: &[b("Dermaday", Budget), b("Skinsmith", Budget), b("Lumiere Lab", Mid), b("Botanica Verde", Mid), b("Maison Orrin", Premium)], nouns: SKINCARE, colors: &[], suits: &["It suits a morning or evening routine.", "Right for most skin types."] },
    Category { name: "Sun Care", brands: &[b("Sunnyside", Budget), b("Solbright", Mid), b("Altamar", Mid), b("Riviera Skin", Premium)], nouns: SUN_CARE, colors: &[], suits: &["It suits beach days and city days.", "Right for daily use outdoors."] },
    Category { name: "Hair Care", brands: &[b("Tresswell", Budget), b("Mane Street", Budget), b("Kerastone", Mid), b("Salon Vérité", Premium)], nouns: HAIR, colors: &[], suits: &["It suits most hair types.", "Right for wash days."] },
    Category { name: "Makeup", brands: &[b("Glossbox", Budget), b("Pigmenta", Mid), b("Studio Noor", Mid), b("Atelier Rouge", Premium)], nouns: MAKEUP, colors: &["berry", "coral", "nude", "brick", "mauve", "scarlet", "taupe", "bronze"], suits: &["It suits day and evening looks.", "Right for quick looks and slow ones."] },
    Category { name: "Fragrance", brands: &[b("Scentual", Budget), b("Maison Aube", Mid), b("Olfactory Lane", Mid), b("Parfums Delaunay", Premium)], nouns: FRAGRANCE, colors: &[], suits: &["It suits day and evening alike.", "Right for gifting or keeping."] },
    Category { name: "Body Care", brands: &[b("Bodywell", Budget), b("Softly Co", Budget), b("Hammam House", Mid), b("Thermae Atelier", Premium)], nouns: BODY, colors: &[], suits: &["It suits everyday routines.", "Right for after the shower."] },
];

#[rustfmt::skip]
const FLAGS: &[Flag] = &[
    Flag { key: VEGAN, marks: &["vegan"], claims: &["It is vegan.", "A vegan formula."], describe: "The formula is vegan." },
    Flag { key: FF, marks: &["fragrance-free", "unscented"], claims: &["It is fragrance-free.", "Unscented."], describe: "It is fragrance-free." },
    Flag { key: SENS, marks: &["dermatologist-tested"], claims: &["Dermatologist-tested on sensitive skin."], describe: "It is dermatologist-tested on sensitive skin." },
    Flag { key: WATER, marks: &["water-resistant", "waterproof"], claims: &["It is water-resistant."], describe: "It is water-resistant." },
    Flag { key: LONG, marks: &["long-wearing"], claims: &["It is long-wearing."], describe: "It is long-wearing." },
];

#[rustfmt::skip]
const NUMBERS: &[Number] = &[
    Number { key: "volume_ml", format: "{} ml", lines: &["The bottle holds {value}.", "Size: {value}."] },
    Number { key: "spf", format: "SPF {}", lines: &["It protects with {value}.", "Protection: {value}."] },
    Number { key: "weight_g", format: "{} g", lines: &["It weighs {value}.", "Net weight: {value}."] },
    Number { key: "shades", format: "{} shades", lines: &["The palette has {value}.", "It holds {value}."] },
];

#[rustfmt::skip]
const TASTES: &[TasteSpec] = &[
    TasteSpec {
        name: "sensitive", likes: &[Like::Flag(FF), Like::Flag(SENS)], pull: 4.0,
        words: &["soothing", "calming", "gentle", "delicate", "reactive", "tender", "comforting", "mild", "redness-prone", "easily-irritated"],
        predicates: &["is [gentle|mild] on reactive skin", "keeps delicate skin calm"],
        lines: &["Soothing for reactive skin."],
        good: &["So gentle on my reactive skin.", "Calming, no redness at all.", "Mild enough for my delicate skin.", "My easily-irritated skin loves it, soothing and calm.", "No stinging, just soothing comfort."],
        bad: &["Made my reactive skin sting.", "Left my delicate skin red and itchy.", "Not gentle at all, my skin flared up.", "Too harsh for redness-prone skin like mine."],
    },
    TasteSpec {
        name: "clean-beauty", likes: &[Like::Flag(VEGAN)], pull: 4.0,
        words: &["conscious", "ethical", "transparent", "mindful", "principled", "responsible", "clean", "honest", "thoughtful", "values-led"],
        predicates: &["is a [mindful|conscious] pick", "fits an ethical routine"],
        lines: &["Beauty with principles."],
        good: &["I love a brand this transparent about its ingredients.", "Fits my ethical, mindful routine.", "Clean ingredients list, exactly what I look for.", "Feels like a principled, conscious choice.", "Honest labelling, no nasties."],
        bad: &["The ingredients list is far from clean.", "Not as ethical as the brand makes out.", "Too many questionable ingredients for me.", "Wish the brand were more transparent."],
    },
    TasteSpec {
        name: "sun-seeker", likes: &[Like::AtLeast("spf", 30), Like::Category("Sun Care")], pull: 4.0,
        words: &["outdoorsy", "sun-ready", "beach-bound", "sunny", "adventurous", "holiday-ready", "summery", "sun-soaked", "poolside", "hiking"],
        predicates: &["is ready for sunny days out", "keeps up on sunny adventures"],
        lines: &["Made for sunny adventures."],
        good: &["Perfect for my hiking trips.", "Lasted through a whole beach day.", "My go-to for sunny holidays.", "Great for long days outdoors in the sun.", "Packed it for the poolside, no regrets."],
        bad: &["Gave up halfway through a beach day.", "Useless on a sunny hike.", "Not up to a proper day in the sun.", "Melted in my bag on holiday."],
    },
    TasteSpec {
        name: "glam", likes: &[Like::Category("Makeup"), Like::Category("Fragrance"), Like::Flag(LONG)], pull: 4.0,
        words: &["glamorous", "bold", "radiant", "striking", "show-stopping", "dazzling", "luminous", "dramatic", "head-turning", "glowing"],
        predicates: &["is [bold|striking] and show-stopping", "makes every look glamorous"],
        lines: &["Made for head-turning looks."],
        good: &["So glamorous, I got compliments all night.", "Bold, striking and utterly dazzling.", "Gives me a radiant, glowing look.", "Show-stopping for a night out.", "Dramatic in the best way."],
        bad: &["Not nearly bold enough for a night out.", "Looks dull, not radiant at all.", "Lacks the glamour I wanted.", "Fades before the party even starts."],
    },
];

/// The `beauty` shop.
pub static SPEC: Spec = Spec {
    name: "beauty",
    categories: CATEGORIES,
    per_category: 60,
    material_key: "key_ingredient",
    flags: FLAGS,
    numbers: NUMBERS,
    lines: &[
        "Aura", "Bloom", "Cirrus", "Dewdrop", "Elixir", "Fable", "Halo", "Iris", "Jasmine",
        "Kindred", "Lustre", "Muse", "Nectar", "Opal", "Petal", "Quartz", "Reverie", "Silk",
        "Tulle", "Velvet", "Willow", "Zephyr", "Amber", "Blossom", "Cashmere", "Dune", "Ember",
        "Grace", "Haven", "Lily",
    ],
    tastes: TASTES,
    copy_log: false,
    copy_voice: Noise {
        own: (0.5, 0.85),
        neutral: 0.1,
    },
    review_voice: Noise {
        own: (0.5, 0.85),
        neutral: 0.1,
    },
    review_rate: 0.85,
    history: History::Normal,
    texts: Texts {
        what: &[
            "{A_kind} from {brand}.",
            "{The_title} is {a_kind} by {brand}.",
            "{Brand_s} {title}, {a_kind} for your routine.",
        ],
        made: &[
            "Formulated with {material}.",
            "Its key ingredient is {material}.",
            "It is made with {material}.",
        ],
        feature: &[
            "Key feature: {feature}.",
            "Highlight: {feature}.",
            "Details include: {feature}.",
        ],
        copy_made: &["Formulated with {material}.", "Made with {material}."],
        predicates: &[
            "is a routine staple",
            "does exactly what it says",
            "earns its place on the shelf",
            "is ready for daily use",
            "gets the basics right",
        ],
        lines: &[
            "A welcome addition to any routine.",
            "Simple, effective, easy to use.",
        ],
        good: &[
            "Does the job well.",
            "Arrived quickly and as described.",
            "Exactly what I ordered.",
            "Nice texture and easy to use.",
        ],
        bad: &[
            "Arrived late and the box was crushed.",
            "Does not match the description.",
            "The pump broke after a week.",
        ],
    },
};
