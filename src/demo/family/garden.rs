//! `garden`: hand and power tools, plants, outdoor furniture, watering and
//! planters. Tastes are price bands (budget, middle, premium shoppers): they
//! show in the price band of what shoppers buy and in the copy's voice, from
//! value to investment.

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

const FORGED: Material = m("forged steel", "Forged");
const CARBON: Material = m("carbon steel", "");
const ASH: Material = m("ash wood", "Ash");
const FIBREGLASS: Material = m("fibreglass", "");
const ALUMINIUM: Material = m("aluminium", "Alloy");
const ABS: Material = m("ABS plastic", "");
const TEAK: Material = m("teak", "Teak");
const RATTAN: Material = m("synthetic rattan", "Rattan");
const WROUGHT: Material = m("wrought iron", "Iron");
const GALVANISED: Material = m("galvanised steel", "Galvanised");
const TERRACOTTA: Material = m("terracotta", "Terracotta");
const FIBRECLAY: Material = m("fibreclay", "");
const CEDAR: Material = m("cedar", "Cedar");
const RECYCLED: Material = m("recycled plastic", "");
const RUBBER: Material = m("reinforced rubber", "");

const CORDLESS: &str = "cordless";
const FOLD: &str = "foldable";
const WEATHER: &str = "weatherproof";
const HARDY: &str = "frost_hardy";
const PEAT: &str = "peat_free";

#[rustfmt::skip]
const HAND_TOOLS: &[Noun] = &[
    n("Pruning Shears", (12.0, 35.0), &[FORGED, CARBON], &["bypass blades", "sap groove", "safety catch"], &[], &[("length_cm", &[18, 20, 22])]),
    n("Hand Trowel", (6.0, 20.0), &[FORGED, CARBON], &["depth markings", "hanging hole", "cushioned grip"], &[], &[("length_cm", &[28, 30, 32])]),
    n("Digging Fork", (20.0, 55.0), &[FORGED, CARBON, ASH], &["treaded tines", "D-handle", "long shaft"], &[], &[("length_cm", &[95, 100, 105])]),
    n("Hedge Shears", (15.0, 45.0), &[FORGED, CARBON], &["wavy blades", "shock absorbers", "cushioned grip"], &[], &[("length_cm", &[55, 60, 70])]),
    n("Loppers", (18.0, 50.0), &[FORGED, FIBREGLASS, ALUMINIUM], &["ratchet action", "telescopic arms", "bypass blades"], &[], &[("length_cm", &[60, 75, 90])]),
];

#[rustfmt::skip]
const POWER_TOOLS: &[Noun] = &[
    n("Lawn Mower", (120.0, 300.0), &[ABS, GALVANISED], &["mulching plug", "grass box", "height adjuster"], &[(CORDLESS, 0.5), (FOLD, 0.4)], &[("wattage", &[1200, 1400, 1600, 1800]), ("cut_cm", &[32, 34, 37, 42])]),
    n("Hedge Trimmer", (40.0, 120.0), &[ABS, ALUMINIUM], &["rotating handle", "blade guard", "anti-jam action"], &[(CORDLESS, 0.6)], &[("wattage", &[450, 500, 600]), ("cut_cm", &[45, 50, 55, 60])]),
    n("Leaf Blower", (40.0, 110.0), &[ABS], &["variable speed", "shoulder strap", "vacuum mode"], &[(CORDLESS, 0.5)], &[("wattage", &[2500, 2800, 3000])]),
    n("Grass Trimmer", (35.0, 100.0), &[ABS, ALUMINIUM], &["edging wheel", "auto-feed spool", "pivoting head"], &[(CORDLESS, 0.6)], &[("wattage", &[350, 450, 550]), ("cut_cm", &[25, 28, 30])]),
];

#[rustfmt::skip]
const PLANTS: &[Noun] = &[
    n("Rose Bush", (12.0, 35.0), &[], &["repeat flowering", "strong scent", "compact habit"], &[(HARDY, 0.8), (PEAT, 0.6)], &[("height_cm", &[40, 60, 80])]),
    n("Lavender Plant", (6.0, 18.0), &[], &["silver foliage", "pollinator magnet", "compact habit"], &[(HARDY, 0.9), (PEAT, 0.6)], &[("height_cm", &[20, 30, 40])]),
    n("Olive Tree", (40.0, 140.0), &[], &["multi-stem form", "evergreen leaves", "mature trunk"], &[(HARDY, 0.4), (PEAT, 0.5)], &[("height_cm", &[80, 120, 160])]),
    n("Fern", (8.0, 25.0), &[], &["arching fronds", "shade loving", "evergreen leaves"], &[(HARDY, 0.7), (PEAT, 0.6)], &[("height_cm", &[30, 45, 60])]),
    n("Herb Collection", (12.0, 30.0), &[], &["six varieties", "kitchen-ready leaves", "pollinator magnet"], &[(HARDY, 0.5), (PEAT, 0.7)], &[("pieces", &[3, 6, 9])]),
];

#[rustfmt::skip]
const FURNITURE: &[Noun] = &[
    n("Bistro Set", (80.0, 220.0), &[WROUGHT, ALUMINIUM, TEAK], &["curved armrests", "mosaic tabletop", "parasol hole"], &[(FOLD, 0.6), (WEATHER, 0.7)], &[("seats", &[2, 3])]),
    n("Garden Bench", (90.0, 260.0), &[TEAK, WROUGHT, RECYCLED], &["curved backrest", "armrests", "slatted seat"], &[(WEATHER, 0.7)], &[("seats", &[2, 3, 4])]),
    n("Sun Lounger", (60.0, 200.0), &[ALUMINIUM, TEAK, RATTAN], &["five-position back", "wheels", "headrest cushion"], &[(FOLD, 0.5), (WEATHER, 0.6)], &[]),
    n("Parasol", (40.0, 160.0), &[ALUMINIUM, CEDAR], &["crank handle", "tilt function", "air vent"], &[(WEATHER, 0.8)], &[("width_cm", &[200, 250, 300])]),
    n("Dining Set", (250.0, 700.0), &[TEAK, RATTAN, ALUMINIUM], &["extending table", "seat cushions", "parasol hole"], &[(WEATHER, 0.7)], &[("seats", &[4, 6, 8])]),
];

#[rustfmt::skip]
const WATERING: &[Noun] = &[
    n("Watering Can", (10.0, 35.0), &[GALVANISED, RECYCLED], &["brass rose", "long spout", "ergonomic handle"], &[], &[("capacity_l", &[5, 7, 9, 10])]),
    n("Hose Reel", (30.0, 90.0), &[GALVANISED, ABS], &["auto-rewind", "wall bracket", "spray gun"], &[], &[("hose_m", &[15, 20, 25, 30])]),
    n("Sprinkler", (12.0, 40.0), &[ABS, ALUMINIUM], &["adjustable arc", "spike base", "flow control"], &[], &[("reach_m", &[5, 8, 12])]),
    n("Rain Barrel", (40.0, 110.0), &[RECYCLED, CEDAR], &["brass tap", "child-safe lid", "overflow pipe"], &[], &[("capacity_l", &[100, 190, 250])]),
    n("Garden Hose", (15.0, 50.0), &[RUBBER, ABS], &["kink-free weave", "brass fittings", "spray nozzle"], &[], &[("hose_m", &[15, 25, 30, 50])]),
];

#[rustfmt::skip]
const PLANTERS: &[Noun] = &[
    n("Planter", (15.0, 60.0), &[TERRACOTTA, FIBRECLAY, GALVANISED], &["drainage holes", "rolled rim", "hand-thrown finish"], &[(WEATHER, 0.6)], &[("width_cm", &[25, 35, 45, 60])]),
    n("Raised Bed", (50.0, 160.0), &[CEDAR, GALVANISED, RECYCLED], &["corner posts", "open base", "tool-free assembly"], &[(WEATHER, 0.8)], &[("width_cm", &[90, 120, 180])]),
    n("Window Box", (12.0, 40.0), &[TERRACOTTA, FIBRECLAY, CEDAR], &["drainage holes", "wall brackets", "water reservoir"], &[(WEATHER, 0.6)], &[("width_cm", &[40, 60, 80])]),
    n("Hanging Basket", (10.0, 30.0), &[GALVANISED, RATTAN], &["coir liner", "swivel hook", "water reservoir"], &[], &[("width_cm", &[30, 35, 40])]),
];

#[rustfmt::skip]
const CATEGORIES: &[Category] = &[
    Category { name: "Hand Tools", brands: &[b("Digwell", Budget), b("Thriftgrow", Budget), b("Burrow & Sons", Mid), b("Greenfinch", Mid), b("Sneeboer Haus", Premium), b("Okatsune Works", Premium)], nouns: HAND_TOOLS, colors: &[], suits: &["It suits new gardeners and old hands.", "Right for beds, borders and allotments."] },
    Category { name: "Power Tools", brands: &[b("Volty", Budget), b("Yardhand", Budget), b("Mowbray", Mid), b("Greenhurst", Mid), b("Stihlberg", Premium), b("Husqvale", Premium)], nouns: POWER_TOOLS, colors: &["lime", "charcoal", "orange"], suits: &["It suits small lawns and large plots.", "Right for regular weekend tidying."] },
    Category { name: "Plants", brands: &[b("Seedlings Co", Budget), b("Grow Direct", Budget), b("Hillier Rows", Mid), b("Meadowsweet Nursery", Mid), b("Chelsea Growers", Premium)], nouns: PLANTS, colors: &[], suits: &["It suits sunny borders and patio pots.", "Right for beds, pots and balconies."] },
    Category { name: "Outdoor Furniture", brands: &[b("Patioplus", Budget), b("Sittright", Budget), b("Verandah", Mid), b("Alfresco Living", Mid), b("Barlow Tyrie Atelier", Premium)], nouns: FURNITURE, colors: &["charcoal", "sandstone", "moss", "stone"], suits: &["It suits patios, decks and balconies.", "Right for long summer evenings outside."] },
    Category { name: "Watering", brands: &[b("Drip Basics", Budget), b("Hozely", Mid), b("Rainsworth", Mid), b("Haws & Co", Premium)], nouns: WATERING, colors: &["moss", "stone", "charcoal", "lime"], suits: &["It suits gardens of every size.", "Right for beds, pots and lawns."] },
    Category { name: "Planters", brands: &[b("Potshop", Budget), b("Claybarn", Mid), b("Elmstead", Mid), b("Whichford Studio", Premium)], nouns: PLANTERS, colors: &["sandstone", "stone", "moss", "charcoal"], suits: &["It suits patios, steps and sills.", "Right for herbs, bulbs and bedding."] },
];

#[rustfmt::skip]
const FLAGS: &[Flag] = &[
    Flag { key: CORDLESS, marks: &["cordless", "battery-powered"], claims: &["It is cordless, so no cable to trip over.", "Cordless freedom around the garden."], describe: "It is cordless." },
    Flag { key: FOLD, marks: &["folds", "foldable"], claims: &["It folds flat for winter.", "Foldable for easy storage."], describe: "It folds flat for storage." },
    Flag { key: WEATHER, marks: &["weatherproof"], claims: &["It is weatherproof, so it stays out all year.", "Weatherproof in sun and rain."], describe: "It is weatherproof." },
    Flag { key: HARDY, marks: &["frost-hardy", "frost"], claims: &["It is frost-hardy, so it comes through winter.", "Frost-hardy and happy outdoors."], describe: "It is frost-hardy." },
    Flag { key: PEAT, marks: &["peat-free"], claims: &["Grown in peat-free compost.", "Raised peat-free."], describe: "It is grown in peat-free compost." },
];

#[rustfmt::skip]
const NUMBERS: &[Number] = &[
    Number { key: "length_cm", format: "{} cm", lines: &["It is {value} long.", "Length: {value}."] },
    Number { key: "wattage", format: "{} W", lines: &["It runs at {value}.", "Power: {value}."] },
    Number { key: "cut_cm", format: "{} cm", lines: &["It cuts a {value} swathe.", "Cutting width: {value}."] },
    Number { key: "height_cm", format: "{} cm", lines: &["It arrives at about {value} tall.", "Supplied height: {value}."] },
    Number { key: "pieces", format: "{} plants", lines: &["You get {value}.", "The set has {value}."] },
    Number { key: "seats", format: "{} seats", lines: &["It has {value}.", "Room for everyone: {value}."] },
    Number { key: "width_cm", format: "{} cm", lines: &["It is {value} wide.", "Width: {value}."] },
    Number { key: "capacity_l", format: "{} l", lines: &["It holds {value}.", "Capacity: {value}."] },
    Number { key: "reach_m", format: "{} m", lines: &["It waters up to {value} across.", "Reach: {value}."] },
    Number { key: "hose_m", format: "{} m", lines: &["It reaches {value}.", "Hose length: {value}."] },
];

#[rustfmt::skip]
const TASTES: &[TasteSpec] = &[
    TasteSpec {
        name: "thrifty", likes: &[Like::Band(Budget)], pull: 5.0,
        words: &["affordable", "budget-friendly", "thrifty", "wallet-friendly", "money-saving", "bargain-priced", "economical", "low-cost", "penny-wise", "cost-effective"],
        predicates: &["is [great|honest] value for the garden", "keeps your garden budget happy", "costs less than you'd think", "is a bargain for any plot", "saves money season after season"],
        lines: &["More garden for less money.", "Why pay more?", "A bargain for busy gardeners.", "Value that keeps growing."],
        good: &["Great value for the money.", "Cheap and cheerful, does the job.", "A real bargain."],
        bad: &["Overpriced for what it is.", "Not worth the money, overpriced.", "Poor value, find it cheaper elsewhere."],
    },
    TasteSpec {
        name: "steady", likes: &[Like::Band(Mid)], pull: 3.0,
        words: &["sensible", "balanced", "well-judged", "middle-of-the-road", "level-headed", "sound", "even-handed", "fair-priced", "measured", "well-rounded"],
        predicates: &["strikes a sensible balance", "is well-judged for the money", "gets quality and price in balance", "is the level-headed choice", "is sound value without extravagance"],
        lines: &["Not the cheapest, not the dearest: just right.", "A sensible middle ground.", "Quality where it counts, price kept fair.", "The balanced buy."],
        good: &["A sensible buy, good quality for a fair price.", "Well balanced between cost and quality.", "Right in the sweet spot."],
        bad: &["Neither cheap nor especially good.", "Falls between two stools.", "Not a sensible buy in the end."],
    },
    TasteSpec {
        name: "investment", likes: &[Like::Band(Premium)], pull: 5.0,
        words: &["heirloom-quality", "lifelong", "investment-grade", "enduring", "professional-grade", "long-lived", "built-to-last", "masterful", "handcrafted", "exceptional"],
        predicates: &["is an investment that lasts a lifetime", "is built to last for generations", "is heirloom quality", "rewards you year after year", "is handcrafted to endure"],
        lines: &["Buy once, buy for a lifetime.", "An heirloom for your garden.", "Made to outlast the fashions.", "A lifetime investment for your plot."],
        good: &["Worth every penny, built to last a lifetime.", "Superb craftsmanship, a proper heirloom.", "An investment I won't regret."],
        bad: &["Expected heirloom quality at this price.", "Not built to last as promised.", "Craftsmanship is not what I paid for."],
    },
];

/// The `garden` shop.
pub static SPEC: Spec = Spec {
    name: "garden",
    categories: CATEGORIES,
    per_category: 60,
    material_key: "material",
    flags: FLAGS,
    numbers: NUMBERS,
    lines: &[
        "Acorn", "Briar", "Copse", "Dell", "Elder", "Furrow", "Glade", "Hawthorn", "Ivy",
        "Kestrel", "Laurel", "Marsh", "Nettle", "Orchard", "Pippin", "Quince", "Rowan", "Sorrel",
        "Thicket", "Vetch", "Warren", "Yew", "Bracken", "Coppice", "Fallow", "Heath", "Meadow",
        "Spinney", "Tilth", "Wold",
    ],
    tastes: TASTES,
    copy_log: true,
    copy_voice: Noise {
        own: (0.55, 0.85),
        neutral: 0.15,
    },
    review_voice: Noise {
        own: (0.5, 0.8),
        neutral: 0.2,
    },
    review_rate: 0.3,
    history: History::Normal,
    texts: Texts {
        what: &[
            "{A_kind} from {brand}.",
            "{The_title} is {a_kind} by {brand}.",
            "{Brand_s} {title}, {a_kind} for the garden.",
        ],
        made: &[
            "Made from {material}.",
            "It is made of {material}.",
            "Its frame is {material}.",
        ],
        feature: &[
            "Key feature: {feature}.",
            "Highlight: {feature}.",
            "Details include: {feature}.",
        ],
        copy_made: &[
            "Made from {material}.",
            "[Built|Made] in {material}.",
            "{Material} through and through.",
        ],
        predicates: &[
            "is a garden staple",
            "does exactly what you need outdoors",
            "earns its place in the shed",
            "is ready for the season",
            "gets the basics right",
            "is easy to get on with",
            "is a solid all-rounder",
            "works hard [every weekend|all summer]",
        ],
        lines: &[
            "A welcome addition to any garden.",
            "Simple design, solid build.",
            "Made for everyday gardening.",
            "Ready for spring.",
        ],
        good: &[
            "Does the job well.",
            "Arrived quickly and as described.",
            "Exactly what I ordered.",
        ],
        bad: &[
            "Arrived late and the box was crushed.",
            "Does not match the description.",
            "Took ages to arrive.",
        ],
    },
};
