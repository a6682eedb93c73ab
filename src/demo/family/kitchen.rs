//! `kitchen`: cookware, small appliances, tableware, bakeware, storage and
//! tools. Tastes show mostly through the attributes of what shoppers buy
//! (dishwasher-safe and non-stick, induction and wattage, capacity and
//! piece counts, stackable and small), and the copy's voice is weaker than
//! the default demo's.

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

const STAINLESS: Material = m("stainless steel", "Steel");
const CAST_IRON: Material = m("cast iron", "Cast-Iron");
const CARBON: Material = m("carbon steel", "");
const ANODISED: Material = m("hard-anodised aluminium", "");
const ENAMEL: Material = m("enamelled steel", "Enamel");
const COPPER: Material = m("copper", "Copper");
const GLASS: Material = m("borosilicate glass", "Glass");
const CHROME: Material = m("polished chrome", "Chrome");
const TRITAN: Material = m("tritan", "");
const ZINC: Material = m("die-cast zinc", "");
const STONEWARE: Material = m("stoneware", "Stoneware");
const PORCELAIN: Material = m("porcelain", "Porcelain");
const BONE_CHINA: Material = m("bone china", "");
const MELAMINE: Material = m("melamine", "");
const ACACIA: Material = m("acacia wood", "Acacia");
const BAMBOO: Material = m("bamboo", "Bamboo");
const SILICONE: Material = m("silicone", "Silicone");
const DAMASCUS: Material = m("Damascus steel", "Damascus");
const WALNUT: Material = m("walnut", "Walnut");

const DW: &str = "dishwasher_safe";
const IND: &str = "induction";
const NS: &str = "nonstick";
const OVEN: &str = "oven_safe";
const STACK: &str = "stackable";

#[rustfmt::skip]
const COOKWARE: &[Noun] = &[
    n("Frying Pan", (25.0, 60.0), &[STAINLESS, CAST_IRON, CARBON, ANODISED], &["riveted handle", "flared rim", "stay-cool handle", "pouring lips"], &[(DW, 0.5), (IND, 0.6), (NS, 0.5), (OVEN, 0.6)], &[("diameter_cm", &[20, 24, 26, 28, 30])]),
    n("Saucepan", (25.0, 70.0), &[STAINLESS, ANODISED, COPPER], &["glass lid", "measuring marks", "pouring lips", "stay-cool handle"], &[(DW, 0.6), (IND, 0.7), (NS, 0.4)], &[("capacity_ml", &[1000, 1500, 2000, 2500, 3000])]),
    n("Stockpot", (35.0, 90.0), &[STAINLESS, ENAMEL], &["helper handles", "glass lid", "measuring marks"], &[(DW, 0.6), (IND, 0.7)], &[("capacity_ml", &[4000, 6000, 8000])]),
    n("Wok", (25.0, 65.0), &[CARBON, CAST_IRON, ANODISED], &["rounded base", "helper handle", "flared rim"], &[(DW, 0.3), (IND, 0.5), (NS, 0.5)], &[("diameter_cm", &[28, 30, 32, 36])]),
    n("Dutch Oven", (50.0, 130.0), &[CAST_IRON, STONEWARE], &["self-basting lid", "wide loop handles", "tight-fitting lid"], &[(DW, 0.2), (IND, 0.6), (OVEN, 0.9)], &[("capacity_ml", &[2500, 3500, 4500, 5500])]),
];

#[rustfmt::skip]
const APPLIANCES: &[Noun] = &[
    n("Kettle", (25.0, 70.0), &[STAINLESS, GLASS], &["keep-warm setting", "variable temperature", "limescale filter", "boil-dry protection"], &[], &[("wattage", &[1800, 2200, 3000]), ("capacity_ml", &[1000, 1500, 1700])]),
    n("Toaster", (25.0, 70.0), &[STAINLESS, CHROME], &["wide slots", "defrost setting", "crumb tray", "bagel mode"], &[], &[("wattage", &[800, 900, 1000, 1200])]),
    n("Blender", (40.0, 110.0), &[GLASS, TRITAN], &["pulse setting", "ice-crush blade", "tamper stick"], &[(DW, 0.6)], &[("wattage", &[600, 800, 1000, 1200, 1500]), ("capacity_ml", &[1200, 1500, 2000])]),
    n("Stand Mixer", (120.0, 280.0), &[STAINLESS, ZINC], &["planetary action", "splash guard", "dough hook"], &[], &[("wattage", &[800, 1000, 1200, 1500]), ("capacity_ml", &[4000, 4800, 5500])]),
    n("Air Fryer", (60.0, 150.0), &[STAINLESS, CHROME], &["viewing window", "dual baskets", "shake reminder"], &[(DW, 0.6), (NS, 0.7)], &[("wattage", &[1400, 1500, 1700, 2000]), ("capacity_ml", &[3500, 4500, 5500, 6500])]),
];

#[rustfmt::skip]
const TABLEWARE: &[Noun] = &[
    n("Dinner Plate Set", (30.0, 90.0), &[STONEWARE, PORCELAIN, BONE_CHINA, MELAMINE], &["reactive glaze", "speckled finish", "wide rim"], &[(DW, 0.8), (STACK, 0.7)], &[("pieces", &[4, 6, 8, 12, 16])]),
    n("Pasta Bowl Set", (25.0, 70.0), &[STONEWARE, PORCELAIN], &["reactive glaze", "hand-dipped edge", "wide rim"], &[(DW, 0.8), (STACK, 0.6)], &[("pieces", &[2, 4, 6, 8])]),
    n("Mug Set", (18.0, 50.0), &[STONEWARE, PORCELAIN, GLASS], &["speckled finish", "chunky handles", "embossed pattern"], &[(DW, 0.8), (STACK, 0.4)], &[("pieces", &[2, 4, 6]), ("capacity_ml", &[300, 350, 450])]),
    n("Serving Platter", (25.0, 70.0), &[PORCELAIN, ACACIA, STONEWARE], &["raised edge", "embossed pattern", "hand-dipped edge"], &[(DW, 0.5)], &[("diameter_cm", &[30, 35, 40])]),
    n("Tumbler Set", (15.0, 45.0), &[GLASS, TRITAN], &["weighted base", "fluted sides", "embossed pattern"], &[(DW, 0.9), (STACK, 0.5)], &[("pieces", &[4, 6, 12]), ("capacity_ml", &[250, 350, 450])]),
];

#[rustfmt::skip]
const BAKEWARE: &[Noun] = &[
    n("Loaf Tin", (10.0, 30.0), &[CARBON, SILICONE, STONEWARE], &["reinforced rim", "warp-resistant base", "easy-release coating"], &[(NS, 0.6), (DW, 0.5)], &[("length_cm", &[22, 25, 30])]),
    n("Cake Tin", (12.0, 35.0), &[CARBON, ANODISED, SILICONE], &["loose base", "springform clip", "rolled edges"], &[(NS, 0.6), (DW, 0.4)], &[("diameter_cm", &[18, 20, 23, 25])]),
    n("Baking Sheet", (10.0, 30.0), &[CARBON, ANODISED], &["rolled edges", "warp-resistant base", "raised lip"], &[(NS, 0.6), (DW, 0.5), (STACK, 0.3)], &[("length_cm", &[33, 38, 43])]),
    n("Muffin Tray", (10.0, 30.0), &[CARBON, SILICONE], &["deep cups", "easy-release coating", "wide handles"], &[(NS, 0.7), (DW, 0.5), (STACK, 0.3)], &[("cups", &[6, 12, 24])]),
];

#[rustfmt::skip]
const STORAGE: &[Noun] = &[
    n("Storage Jar Set", (18.0, 50.0), &[GLASS, STONEWARE], &["airtight seal", "wooden lids", "chalkboard labels"], &[(DW, 0.6), (STACK, 0.7)], &[("pieces", &[3, 4, 6]), ("capacity_ml", &[500, 750, 1000, 1500])]),
    n("Lunch Box", (12.0, 40.0), &[STAINLESS, TRITAN], &["leakproof lid", "removable divider", "snap clips"], &[(DW, 0.7), (STACK, 0.4)], &[("capacity_ml", &[600, 800, 1000, 1200])]),
    n("Bread Bin", (25.0, 60.0), &[BAMBOO, ENAMEL, STAINLESS], &["roll-top lid", "breadboard lid", "air vents"], &[(STACK, 0.2)], &[("capacity_ml", &[15000, 20000])]),
    n("Spice Rack", (20.0, 55.0), &[BAMBOO, ACACIA, STAINLESS], &["wall-mountable frame", "tiered shelves", "refillable jars"], &[(STACK, 0.3)], &[("pieces", &[12, 16, 20])]),
];

#[rustfmt::skip]
const TOOLS: &[Noun] = &[
    n("Chef's Knife", (25.0, 90.0), &[STAINLESS, CARBON, DAMASCUS], &["full tang", "hand-honed edge", "bolster guard"], &[(DW, 0.2)], &[("length_cm", &[18, 20, 21, 23])]),
    n("Cutting Board", (15.0, 50.0), &[ACACIA, BAMBOO, WALNUT], &["juice groove", "non-slip feet", "reversible face"], &[(DW, 0.3)], &[("length_cm", &[30, 40, 45])]),
    n("Box Grater", (10.0, 30.0), &[STAINLESS], &["four grating faces", "rubber base", "zester side"], &[(DW, 0.8)], &[]),
    n("Balloon Whisk", (6.0, 20.0), &[STAINLESS, SILICONE], &["weighted handle", "hanging loop", "sturdy wires"], &[(DW, 0.9)], &[("length_cm", &[25, 30])]),
    n("Knife Block", (30.0, 80.0), &[ACACIA, BAMBOO, WALNUT], &["magnetic strip", "slim footprint", "universal slots"], &[], &[("pieces", &[5, 6, 7])]),
];

const COLORS: &[&str] = &[
    "graphite", "cream", "teal", "mustard", "slate", "duck-egg", "ivory", "navy",
];

#[rustfmt::skip]
const CATEGORIES: &[Category] = &[
    Category { name: "Cookware", brands: &[b("Panwise", Budget), b("Hobson", Budget), b("Cuisinor", Mid), b("Ferrant", Mid), b("Maison Brasse", Premium)], nouns: COOKWARE, colors: COLORS, suits: &["It suits anyone who cooks most nights.", "A fit for weeknight meals and weekend projects alike."] },
    Category { name: "Small Appliances", brands: &[b("Zappo", Budget), b("Brightline", Budget), b("Voltaire Home", Mid), b("Keswick", Mid), b("Aurum Electric", Premium)], nouns: APPLIANCES, colors: COLORS, suits: &["It suits a kitchen of any size.", "Right for households that use it daily."] },
    Category { name: "Tableware", brands: &[b("Platewell", Budget), b("Kilnhouse", Mid), b("Thornbury", Mid), b("Delacroix Porcelaine", Premium)], nouns: TABLEWARE, colors: COLORS, suits: &["It suits everyday meals and special dinners.", "Right for laying the table any day of the week."] },
    Category { name: "Bakeware", brands: &[b("Bakerly", Budget), b("Crumbworth", Mid), b("Ovenbird", Mid), b("Patisserie Royale", Premium)], nouns: BAKEWARE, colors: &[], suits: &["It suits weekend bakers and beginners.", "A fit for cakes, breads and traybakes."] },
    Category { name: "Storage", brands: &[b("Stashly", Budget), b("Larderly", Mid), b("Kiln & Cork", Mid), b("Hollis Atelier", Premium)], nouns: STORAGE, colors: COLORS, suits: &["It suits any pantry or worktop.", "Right for keeping dry goods in order."] },
    Category { name: "Tools & Knives", brands: &[b("Edgewell", Budget), b("Grindle", Mid), b("Sakai Forge", Premium), b("Holtmann", Mid)], nouns: TOOLS, colors: &[], suits: &["It suits cooks who prep every day.", "A fit for first kitchens and seasoned ones."] },
];

#[rustfmt::skip]
const FLAGS: &[Flag] = &[
    Flag { key: DW, marks: &["dishwasher"], claims: &["It goes straight in the dishwasher.", "Dishwasher safe, too.", "[Pop|Put] it in the dishwasher afterwards."], describe: "It is dishwasher safe." },
    Flag { key: IND, marks: &["induction"], claims: &["It works on induction hobs.", "Ready for induction, gas and electric.", "Induction-ready."], describe: "It works on every hob, induction included." },
    Flag { key: NS, marks: &["non-stick", "nonstick"], claims: &["The non-stick surface lets food slide off.", "Non-stick from the first use.", "Its non-stick coating makes cleaning quick."], describe: "It has a non-stick surface." },
    Flag { key: OVEN, marks: &["oven-safe"], claims: &["It is oven-safe, too.", "Oven-safe, so it goes from hob to oven."], describe: "It is oven-safe." },
    Flag { key: STACK, marks: &["stackable", "stacks"], claims: &["It stacks neatly in the cupboard.", "Stackable to save shelf room."], describe: "The pieces are stackable." },
];

#[rustfmt::skip]
const NUMBERS: &[Number] = &[
    Number { key: "capacity_ml", format: "{} ml", lines: &["It holds {value}.", "Capacity: {value}.", "Room for {value}."] },
    Number { key: "wattage", format: "{} W", lines: &["It runs at {value}.", "Power: {value}.", "A {value} motor does the work."] },
    Number { key: "diameter_cm", format: "{} cm", lines: &["It measures {value} across.", "Diameter: {value}."] },
    Number { key: "length_cm", format: "{} cm", lines: &["It is {value} long.", "Length: {value}."] },
    Number { key: "pieces", format: "{} pieces", lines: &["The set has {value}.", "You get {value}."] },
    Number { key: "cups", format: "{} cups", lines: &["It bakes {value} at a time.", "It has {value}."] },
];

#[rustfmt::skip]
const TASTES: &[TasteSpec] = &[
    TasteSpec {
        name: "easy-care", likes: &[Like::Flag(DW), Like::Flag(NS)], pull: 4.0,
        words: &["effortless", "fuss-free", "hassle-free", "low-effort", "carefree", "no-fuss", "time-saving", "breezy", "undemanding", "low-maintenance"],
        predicates: &["makes cleaning up [effortless|a breeze]", "is [fuss-free|hassle-free] from pan to cupboard", "saves you time at the sink", "is low-maintenance by design", "takes the chore out of cooking"],
        lines: &["Less scrubbing, more living.", "Cooking without the cleanup chore.", "Wipe, rinse, done: hassle-free.", "Made for busy, fuss-free evenings."],
        good: &["Cleanup is a breeze.", "So easy to look after, totally fuss-free.", "Low-maintenance, just how I like it."],
        bad: &["A chore to clean, not hassle-free at all.", "Needs far too much scrubbing.", "Cleanup is a real hassle."],
    },
    TasteSpec {
        name: "serious-cook", likes: &[Like::Flag(IND), Like::Flag(OVEN), Like::AtLeast("wattage", 1500)], pull: 4.0,
        words: &["professional", "chef-grade", "precise", "pro-level", "restaurant-worthy", "exacting", "uncompromising", "heavy-duty", "serious", "responsive"],
        predicates: &["is built for serious cooking", "gives chef-grade control", "is pro-level in every [sear|simmer|detail]", "handles heat with precision", "is made for cooks who care"],
        lines: &["Serious heat control for serious cooks.", "Restaurant-worthy results at home.", "Precision for every sear and simmer.", "A professional's choice."],
        good: &["Heat control is precise, proper chef-grade.", "Handles high heat like a professional pan.", "Serious kit for serious cooking."],
        bad: &["Not precise enough for serious cooking.", "Feels flimsy, far from professional.", "Heat control is sloppy."],
    },
    TasteSpec {
        name: "host", likes: &[Like::AtLeast("capacity_ml", 3500), Like::AtLeast("pieces", 8), Like::Category("Tableware")], pull: 4.0,
        words: &["sociable", "crowd-pleasing", "festive", "welcoming", "gathering-ready", "convivial", "party-ready", "hospitable", "shareable", "big-hearted"],
        predicates: &["is made for feeding a crowd", "brings everyone to the table", "is [party-ready|gathering-ready] when friends drop by", "makes hosting feel easy", "is a crowd-pleaser at every gathering"],
        lines: &["Set the table for friends and family.", "Made for long, sociable dinners.", "Feeds the whole table.", "Perfect for the next get-together."],
        good: &["Perfect for when we have friends over.", "Made our dinner party a hit.", "Fed the whole family with room to spare."],
        bad: &["Too small for when we host.", "Not enough for a proper dinner party.", "Useless for feeding guests."],
    },
    TasteSpec {
        name: "small-space", likes: &[Like::Flag(STACK), Like::AtMost("capacity_ml", 1000), Like::AtMost("pieces", 4)], pull: 4.0,
        words: &["space-savvy", "clutter-free", "tidy", "streamlined", "minimalist", "apartment-friendly", "neat", "slimline", "pared-back", "compact-minded"],
        predicates: &["keeps a small kitchen clutter-free", "is space-savvy without trying", "fits the tiniest galley", "keeps the worktop tidy", "is made for city flats"],
        lines: &["Small kitchen? No problem.", "Keeps the counter clutter-free.", "Tucks away in the tiniest cupboard.", "Minimalist kitchens, sorted."],
        good: &["Fits my tiny kitchen perfectly.", "Keeps my worktop tidy and clutter-free.", "Great for a small flat."],
        bad: &["Takes up too much room in my tiny kitchen.", "Far too bulky for a small flat.", "Clutters up my worktop."],
    },
];

/// The `kitchen` shop.
pub static SPEC: Spec = Spec {
    name: "kitchen",
    categories: CATEGORIES,
    per_category: 60,
    material_key: "material",
    flags: FLAGS,
    numbers: NUMBERS,
    lines: &[
        "Atlas", "Brio", "Cascade", "Dune", "Ember", "Fennel", "Galley", "Harbour", "Isla",
        "Juniper", "Kestrel", "Larder", "Meridian", "Nordic", "Orchard", "Pantry", "Quarry",
        "Ridge", "Saffron", "Thyme", "Umber", "Vale", "Willow", "Yarrow", "Zest", "Bramble",
        "Clover", "Drift", "Hearth", "Linden",
    ],
    tastes: TASTES,
    copy_log: true,
    copy_voice: Noise {
        own: (0.4, 0.8),
        neutral: 0.2,
    },
    review_voice: Noise {
        own: (0.4, 0.8),
        neutral: 0.25,
    },
    review_rate: 0.3,
    history: History::Normal,
    texts: Texts {
        what: &[
            "{A_kind} from {brand}.",
            "{The_title} is {a_kind} by {brand}.",
            "{Brand_s} {title}, {a_kind} for the home kitchen.",
        ],
        made: &[
            "Made from {material}.",
            "It is made of {material}.",
            "Its body is {material}.",
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
            "is a [dependable|steady] kitchen staple",
            "does exactly what you need",
            "earns its place on the counter",
            "is ready for daily cooking",
            "gets the basics right",
            "is easy to live with",
            "is a solid all-rounder",
            "works hard [every day|all week]",
        ],
        lines: &[
            "A good-looking addition to any kitchen.",
            "Simple design, solid build.",
            "Made for everyday meals.",
            "A kitchen staple.",
        ],
        good: &[
            "Does the job well.",
            "Arrived quickly and as described.",
            "Exactly what I ordered.",
        ],
        bad: &[
            "Arrived late and the box was dented.",
            "Does not match the description.",
            "Took ages to arrive.",
        ],
    },
};
