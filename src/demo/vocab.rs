//! The catalog vocabulary: categories, brands, product nouns with the
//! materials, features and prices that suit them, colours and model names.
//!
//! Rule kept by the tests: no brand, material or colour string occurs as
//! whole words in any other vocabulary entry's fixed text, title word,
//! feature or template phrase, so a fact found in a text can only be the
//! product's own. (A material may extend another, as "recycled nylon" does
//! "nylon"; a text naming it still names only its own product's value.)

/// Price band of a brand.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Tier {
    Budget,
    Mid,
    Premium,
}

pub(crate) struct Brand {
    pub name: &'static str,
    pub tier: Tier,
}

pub(crate) struct Material {
    pub name: &'static str,
    pub eco: bool,
    /// Soft to the touch: what comfort-minded shoppers look for.
    pub soft: bool,
    /// Word a title may carry for this material ("" for none).
    pub title_word: &'static str,
}

/// A kind of product within a category ("Running Tee").
pub(crate) struct Noun {
    pub name: &'static str,
    /// Mid-tier price range in dollars; budget and premium brands scale it.
    pub price: (f64, f64),
    /// Names from [`MATERIALS`] that this kind of product is made of.
    pub materials: &'static [&'static str],
    pub features: &'static [&'static str],
}

pub(crate) struct Category {
    pub name: &'static str,
    pub tech: bool,
    /// How much each taste (in `Taste::ALL` order) is drawn to this category.
    pub taste_weight: [f64; 5],
    pub brands: &'static [Brand],
    pub nouns: &'static [Noun],
    pub colors: &'static [&'static str],
}

const fn b(name: &'static str, tier: Tier) -> Brand {
    Brand { name, tier }
}

const fn m(name: &'static str, eco: bool, soft: bool, title_word: &'static str) -> Material {
    Material {
        name,
        eco,
        soft,
        title_word,
    }
}

const fn n(
    name: &'static str,
    price: (f64, f64),
    materials: &'static [&'static str],
    features: &'static [&'static str],
) -> Noun {
    Noun {
        name,
        price,
        materials,
        features,
    }
}

use Tier::{Budget, Mid, Premium};

#[rustfmt::skip]
pub(crate) const MATERIALS: &[Material] = &[
    m("recycled polyester", true, false, ""), m("polyester", false, false, ""),
    m("merino wool", false, true, "Merino"), m("organic cotton", true, true, ""),
    m("nylon", false, false, ""), m("recycled nylon", true, false, ""),
    m("ripstop nylon", false, false, "Ripstop"), m("full-grain leather", false, false, "Leather"),
    m("suede", false, true, "Suede"), m("recycled mesh", true, false, ""),
    m("knit mesh", false, false, "Knit"), m("canvas", false, false, "Canvas"),
    m("wool felt", false, true, "Felt"), m("cork", true, false, "Cork"),
    m("traceable down", true, true, "Down"), m("wool blend", false, true, ""),
    m("waxed cotton", false, false, "Waxed"), m("cotton gabardine", false, false, ""),
    m("cashmere", false, true, "Cashmere"), m("lambswool", false, true, ""),
    m("recycled wool", true, true, ""), m("acrylic", false, false, ""),
    m("brushed fleece", false, true, "Fleece"), m("bamboo viscose", true, true, "Bamboo"),
    m("modal", false, true, ""), m("cotton jersey", false, true, "Jersey"),
    m("cotton waffle", false, true, "Waffle"), m("linen", false, false, "Linen"),
    m("cotton sateen", false, true, "Sateen"), m("bamboo lyocell", true, true, ""),
    m("memory foam", false, true, ""), m("microfibre", false, false, ""),
    m("stainless steel", false, false, ""), m("cast iron", false, false, "Cast-Iron"),
    m("carbon steel", false, false, ""), m("acacia wood", true, false, "Acacia"),
    m("maple wood", false, false, "Maple"), m("recycled aluminium", true, false, ""),
    m("stoneware", false, false, "Stoneware"), m("borosilicate glass", false, false, ""),
    m("aluminium", false, false, ""), m("recycled plastic", true, false, ""),
    m("recycled fabric", true, false, ""), m("polycarbonate", false, false, ""),
    m("recycled polycarbonate", true, false, ""), m("walnut veneer", false, false, "Walnut"),
    m("zinc alloy", false, false, ""), m("tempered glass", false, false, ""),
    m("silicone", false, true, ""), m("titanium", false, false, "Titanium"),
    m("carbon fibre", false, false, "Carbon"),
];

// Taste weights are [price-conscious, eco-minded, premium, comfort, tech].
#[rustfmt::skip]
pub(crate) const CATEGORIES: &[Category] = &[
    Category {
        name: "Activewear", tech: false, taste_weight: [1.3, 1.3, 0.9, 0.8, 0.9],
        brands: &[b("Stridewell", Budget), b("Pacefield", Budget), b("Northpeak", Mid), b("Kinetica", Mid), b("Velora Sport", Premium)],
        nouns: &[
            n("Running Tee", (20.0, 40.0), &["recycled polyester", "polyester", "merino wool", "organic cotton"], &["moisture-wicking", "reflective trim", "quick-dry fabric", "flatlock seams"]),
            n("Running Short", (20.0, 40.0), &["recycled polyester", "polyester", "nylon"], &["zip pocket", "built-in liner", "reflective trim", "quick-dry fabric"]),
            n("Training Legging", (30.0, 60.0), &["recycled polyester", "nylon", "organic cotton"], &["four-way stretch", "high-rise waistband", "zip pocket", "squat-proof fabric"]),
            n("Sports Bra", (25.0, 50.0), &["recycled polyester", "nylon", "organic cotton"], &["removable pads", "racerback straps", "four-way stretch", "moisture-wicking"]),
            n("Track Jacket", (45.0, 85.0), &["recycled polyester", "polyester", "nylon"], &["full-length zip", "zip pockets", "reflective trim", "thumbholes"]),
            n("Tank Top", (18.0, 35.0), &["recycled polyester", "organic cotton", "merino wool", "polyester"], &["moisture-wicking", "racerback cut", "quick-dry fabric"]),
            n("Half-Zip Top", (40.0, 75.0), &["merino wool", "recycled polyester", "polyester"], &["thumbholes", "zip pocket", "moisture-wicking", "reflective trim"]),
        ],
        colors: &["black", "navy", "charcoal", "teal", "coral", "white", "sage"],
    },
    Category {
        name: "Footwear", tech: false, taste_weight: [1.0, 1.0, 1.4, 1.4, 0.6],
        brands: &[b("Treadly", Budget), b("Footloom", Budget), b("Marlowe Shoes", Mid), b("Arden & Finch", Premium), b("Halden", Premium)],
        nouns: &[
            n("Running Shoe", (80.0, 140.0), &["recycled mesh", "knit mesh"], &["reflective heel tab", "wide toe box", "grippy outsole", "rocker sole"]),
            n("Trail Shoe", (90.0, 150.0), &["recycled mesh", "knit mesh", "suede"], &["lugged outsole", "waterproof lining", "toe guard", "rock plate"]),
            n("Sneaker", (60.0, 110.0), &["canvas", "full-grain leather", "suede", "recycled mesh"], &["removable insole", "padded collar", "vulcanised sole"]),
            n("Loafer", (80.0, 150.0), &["full-grain leather", "suede"], &["stacked heel", "hand-stitched moc toe", "flexible sole"]),
            n("Chelsea Boot", (110.0, 190.0), &["full-grain leather", "suede"], &["elastic side panels", "pull tab", "stacked heel", "waterproof lining"]),
            n("Slipper", (25.0, 55.0), &["wool felt", "suede"], &["plush lining", "indoor-outdoor sole", "heel grip"]),
            n("Sandal", (30.0, 70.0), &["full-grain leather", "suede", "cork"], &["adjustable straps", "contoured footbed", "quick-release buckle"]),
        ],
        colors: &["black", "white", "sand", "burgundy", "navy", "olive", "cream"],
    },
    Category {
        name: "Outerwear", tech: false, taste_weight: [0.8, 1.2, 1.3, 0.9, 0.7],
        brands: &[b("Drizzle Basics", Budget), b("Fjordline", Mid), b("Ridgeway Outfitters", Mid), b("Aldermoor", Premium)],
        nouns: &[
            n("Rain Jacket", (80.0, 150.0), &["recycled nylon", "nylon", "polyester"], &["taped seams", "packable hood", "waterproof zips", "storm flap"]),
            n("Puffer Jacket", (110.0, 190.0), &["traceable down", "recycled nylon", "nylon"], &["packable design", "two-way zip", "storm flap", "adjustable hood"]),
            n("Parka", (150.0, 260.0), &["traceable down", "waxed cotton", "wool blend", "recycled nylon"], &["adjustable hood", "storm flap", "two-way zip", "inner pockets"]),
            n("Windbreaker", (50.0, 90.0), &["nylon", "recycled nylon", "polyester"], &["packable hood", "mesh lining", "elastic cuffs"]),
            n("Gilet", (50.0, 100.0), &["traceable down", "brushed fleece", "recycled nylon"], &["zip pockets", "packable design", "stand collar"]),
            n("Trench Coat", (140.0, 260.0), &["cotton gabardine", "waxed cotton", "wool blend"], &["belted waist", "storm flap", "button-out lining"]),
            n("Shell Jacket", (120.0, 220.0), &["recycled nylon", "ripstop nylon"], &["taped seams", "helmet-compatible hood", "pit zips", "waterproof zips"]),
        ],
        colors: &["black", "olive", "navy", "sand", "ochre", "charcoal", "burgundy"],
    },
    Category {
        name: "Knitwear", tech: false, taste_weight: [0.8, 1.1, 1.6, 3.5, 0.4],
        brands: &[b("Purl Basics", Budget), b("Loopstitch", Budget), b("Hearthknit", Mid), b("Skeinworks", Mid), b("Maison Lainé", Premium)],
        nouns: &[
            n("Crew Sweater", (50.0, 110.0), &["cashmere", "merino wool", "lambswool", "recycled wool", "organic cotton", "acrylic"], &["ribbed cuffs", "relaxed fit", "seamless knit"]),
            n("Cardigan", (55.0, 120.0), &["cashmere", "merino wool", "lambswool", "recycled wool", "acrylic"], &["horn buttons", "patch pockets", "ribbed cuffs"]),
            n("Turtleneck", (55.0, 120.0), &["cashmere", "merino wool", "lambswool"], &["fold-over neck", "slim fit", "ribbed cuffs"]),
            n("Beanie", (18.0, 40.0), &["merino wool", "cashmere", "recycled wool", "acrylic"], &["fold-over cuff", "rib knit"]),
            n("Scarf", (25.0, 80.0), &["cashmere", "lambswool", "recycled wool", "merino wool", "acrylic"], &["fringed ends", "extra-long cut", "rib knit"]),
            n("V-Neck Jumper", (45.0, 100.0), &["merino wool", "cashmere", "organic cotton", "acrylic"], &["ribbed cuffs", "slim fit", "seamless knit"]),
            n("Knit Vest", (40.0, 80.0), &["lambswool", "merino wool", "recycled wool", "organic cotton"], &["cable knit", "ribbed trims", "relaxed fit"]),
        ],
        colors: &["cream", "charcoal", "burgundy", "mustard", "navy", "sage", "plum", "ivory"],
    },
    Category {
        name: "Loungewear", tech: false, taste_weight: [1.1, 1.0, 0.7, 4.5, 0.4],
        brands: &[b("Homebody", Budget), b("Slowdays", Mid), b("Nestwear", Mid), b("Atelier Calme", Premium)],
        nouns: &[
            n("Jogger", (30.0, 60.0), &["brushed fleece", "organic cotton", "cotton jersey", "polyester"], &["elastic waistband", "side pockets", "cuffed ankles"]),
            n("Lounge Set", (55.0, 110.0), &["modal", "bamboo viscose", "organic cotton", "cotton jersey"], &["relaxed fit", "elastic waistband", "side pockets"]),
            n("Robe", (45.0, 95.0), &["organic cotton", "bamboo viscose", "brushed fleece", "cotton waffle"], &["tie belt", "patch pockets", "shawl collar"]),
            n("Pyjama Set", (35.0, 80.0), &["organic cotton", "modal", "bamboo viscose", "polyester"], &["piped trims", "button-front top", "elastic waistband"]),
            n("Sweatshirt", (35.0, 65.0), &["brushed fleece", "organic cotton", "cotton jersey", "polyester"], &["ribbed cuffs", "dropped shoulders", "kangaroo pocket"]),
            n("Lounge Tee", (18.0, 35.0), &["modal", "bamboo viscose", "organic cotton", "cotton jersey"], &["relaxed fit", "dropped shoulders", "side slits"]),
            n("Hoodie", (40.0, 75.0), &["brushed fleece", "organic cotton", "cotton jersey", "polyester"], &["kangaroo pocket", "drawstring hood", "ribbed cuffs"]),
        ],
        colors: &["sand", "sage", "cream", "charcoal", "plum", "slate", "navy"],
    },
    Category {
        name: "Bedding", tech: false, taste_weight: [1.0, 1.2, 1.1, 4.5, 0.4],
        brands: &[b("Sleepwell", Budget), b("Dreamloft", Mid), b("Linnea Home", Mid), b("Château Nuit", Premium)],
        nouns: &[
            n("Duvet Cover", (50.0, 110.0), &["organic cotton", "linen", "cotton sateen", "bamboo lyocell", "microfibre"], &["hidden zip", "corner ties", "OEKO-TEX certified"]),
            n("Sheet Set", (45.0, 100.0), &["organic cotton", "linen", "cotton sateen", "bamboo lyocell", "microfibre"], &["deep pockets", "OEKO-TEX certified", "machine washable"]),
            n("Pillow", (25.0, 70.0), &["memory foam", "microfibre", "traceable down"], &["removable cover", "adjustable fill", "machine washable"]),
            n("Weighted Blanket", (70.0, 150.0), &["organic cotton", "microfibre", "bamboo lyocell"], &["glass bead fill", "removable cover", "7 kg weight"]),
            n("Throw", (30.0, 80.0), &["recycled wool", "organic cotton", "brushed fleece", "cashmere", "lambswool"], &["fringed edges", "machine washable", "oversized cut"]),
            n("Mattress Topper", (80.0, 180.0), &["memory foam", "microfibre", "traceable down"], &["elastic corner straps", "5 cm depth", "removable cover"]),
            n("Pillowcase Pair", (18.0, 45.0), &["organic cotton", "linen", "cotton sateen", "bamboo lyocell"], &["envelope closure", "OEKO-TEX certified", "machine washable"]),
        ],
        colors: &["white", "ivory", "sage", "slate", "sand", "charcoal", "plum", "teal"],
    },
    Category {
        name: "Kitchen", tech: false, taste_weight: [1.4, 1.2, 1.3, 0.5, 0.8],
        brands: &[b("Panhandle", Budget), b("Cuisson", Mid), b("Forge & Field", Mid), b("Ostermann Atelier", Premium)],
        nouns: &[
            n("Chef's Knife", (30.0, 110.0), &["stainless steel", "carbon steel"], &["full tang", "lifetime warranty", "hand-honed edge", "ergonomic handle"]),
            n("Frying Pan", (30.0, 80.0), &["cast iron", "carbon steel", "stainless steel", "recycled aluminium"], &["induction ready", "oven safe", "PFAS-free coating"]),
            n("Dutch Oven", (60.0, 150.0), &["cast iron", "stoneware"], &["enamelled interior", "oven safe", "self-basting lid", "induction ready"]),
            n("Cutting Board", (20.0, 55.0), &["acacia wood", "maple wood", "recycled plastic"], &["juice groove", "non-slip feet", "reversible design"]),
            n("French Press", (25.0, 60.0), &["stainless steel", "borosilicate glass"], &["double-wall insulation", "1-litre capacity", "dishwasher safe"]),
            n("Mixing Bowl Set", (25.0, 60.0), &["stainless steel", "stoneware", "recycled plastic"], &["non-slip base", "nesting design", "dishwasher safe"]),
            n("Saucepan", (30.0, 90.0), &["stainless steel", "recycled aluminium"], &["induction ready", "pouring lip", "glass lid"]),
        ],
        colors: &["black", "white", "slate", "teal", "cream", "graphite", "mustard"],
    },
    Category {
        name: "Audio", tech: true, taste_weight: [0.9, 0.7, 1.3, 0.6, 5.0],
        brands: &[b("Beatbox", Budget), b("Sonique", Mid), b("Auralis", Mid), b("Heddon Acoustics", Premium)],
        nouns: &[
            n("Wireless Headset", (60.0, 200.0), &["aluminium", "recycled plastic", "polycarbonate"], &["active noise cancelling", "30-hour battery", "multipoint pairing", "USB-C charging"]),
            n("Bluetooth Speaker", (40.0, 120.0), &["recycled plastic", "aluminium", "recycled fabric"], &["20-hour battery", "stereo pairing", "USB-C charging", "splash resistance"]),
            n("Soundbar", (120.0, 300.0), &["aluminium", "polycarbonate", "recycled fabric"], &["spatial audio", "HDMI eARC", "wireless subwoofer", "voice assistant support"]),
            n("Turntable", (150.0, 350.0), &["walnut veneer", "aluminium"], &["belt drive", "built-in preamp", "Bluetooth output"]),
            n("Portable Radio", (40.0, 90.0), &["recycled plastic", "walnut veneer", "aluminium"], &["DAB+ tuner", "20-hour battery", "hand-crank backup"]),
            n("Studio Monitor", (120.0, 280.0), &["walnut veneer", "polycarbonate", "aluminium"], &["5-inch woofer", "balanced inputs", "room correction"]),
            n("Podcast Microphone", (60.0, 160.0), &["aluminium", "zinc alloy", "recycled plastic"], &["USB-C connection", "cardioid pickup", "zero-latency monitoring"]),
        ],
        colors: &["black", "white", "graphite", "silver", "navy", "sand", "coral"],
    },
    Category {
        name: "Smart Home", tech: true, taste_weight: [0.9, 0.9, 1.0, 0.5, 5.0],
        brands: &[b("Homely", Budget), b("Nestor Labs", Mid), b("Lumio", Mid), b("Domus Prime", Premium)],
        nouns: &[
            n("Video Doorbell", (60.0, 180.0), &["recycled plastic", "polycarbonate", "aluminium"], &["2K video", "motion alerts", "two-way talk", "night vision"]),
            n("Wi-Fi Plug", (12.0, 30.0), &["recycled plastic", "polycarbonate"], &["energy monitoring", "app control", "Matter support"]),
            n("Thermostat", (80.0, 220.0), &["tempered glass", "aluminium", "recycled plastic"], &["energy monitoring", "app control", "room sensors", "Matter support"]),
            n("Security Camera", (40.0, 150.0), &["polycarbonate", "aluminium", "recycled plastic"], &["2K video", "night vision", "motion alerts", "local storage"]),
            n("Light Strip", (20.0, 60.0), &["silicone", "polycarbonate"], &["app control", "music sync", "voice assistant support"]),
            n("Voice Speaker", (40.0, 150.0), &["recycled fabric", "aluminium"], &["voice assistant support", "multi-room audio", "Matter support"]),
            n("Robot Vacuum", (180.0, 450.0), &["polycarbonate", "recycled plastic", "tempered glass"], &["lidar mapping", "self-emptying dock", "app control", "150-minute runtime"]),
        ],
        colors: &["black", "white", "graphite", "silver", "slate"],
    },
    Category {
        name: "Wearables", tech: true, taste_weight: [0.8, 0.8, 1.2, 0.5, 5.0],
        brands: &[b("Trackr", Budget), b("Cadence", Mid), b("Vitalis", Mid), b("Horologe", Premium)],
        nouns: &[
            n("Fitness Tracker", (40.0, 110.0), &["silicone", "aluminium", "recycled polyester"], &["7-day battery", "sleep tracking", "heart rate monitoring", "water resistance to 50 m"]),
            n("GPS Watch", (150.0, 400.0), &["titanium", "aluminium", "stainless steel"], &["GPS tracking", "offline maps", "14-day battery", "contactless payments"]),
            n("Heart Rate Strap", (40.0, 90.0), &["silicone", "recycled polyester"], &["ANT+ and Bluetooth connectivity", "1-year battery", "washable strap"]),
            n("Activity Ring", (150.0, 320.0), &["titanium", "stainless steel"], &["sleep tracking", "7-day battery", "blood oxygen sensor"]),
            n("Cycling Computer", (90.0, 250.0), &["polycarbonate", "aluminium"], &["GPS tracking", "turn-by-turn navigation", "20-hour battery"]),
            n("Kids Watch", (40.0, 110.0), &["silicone", "recycled plastic"], &["GPS tracking", "SOS button", "school mode"]),
            n("Sleep Band", (60.0, 140.0), &["silicone", "recycled polyester"], &["sleep tracking", "silent alarm", "5-day battery"]),
        ],
        colors: &["black", "white", "graphite", "silver", "coral", "sage", "navy"],
    },
    Category {
        name: "Bags & Travel", tech: false, taste_weight: [1.0, 1.1, 1.5, 0.7, 0.9],
        brands: &[b("Packright", Budget), b("Wanderly", Mid), b("Voyager & Co", Mid), b("Beaumont Travel", Premium)],
        nouns: &[
            n("Backpack", (50.0, 130.0), &["recycled nylon", "canvas", "full-grain leather", "recycled polyester"], &["laptop compartment", "water-resistant base", "luggage pass-through"]),
            n("Weekender", (70.0, 180.0), &["canvas", "full-grain leather", "recycled nylon"], &["shoe compartment", "detachable strap", "luggage pass-through"]),
            n("Tote", (30.0, 90.0), &["canvas", "full-grain leather", "recycled polyester", "organic cotton"], &["inner zip pocket", "magnetic closure", "padded laptop pocket"]),
            n("Carry-On Suitcase", (120.0, 280.0), &["polycarbonate", "recycled polycarbonate", "aluminium"], &["spinner wheels", "TSA lock", "expandable zip"]),
            n("Sling Bag", (30.0, 80.0), &["recycled nylon", "canvas", "full-grain leather"], &["adjustable strap", "anti-theft pocket", "water-resistant base"]),
            n("Packing Cube Set", (20.0, 45.0), &["recycled nylon", "recycled polyester", "nylon"], &["compression zips", "mesh panels", "four sizes"]),
            n("Laptop Sleeve", (25.0, 70.0), &["full-grain leather", "recycled polyester", "wool felt"], &["padded lining", "magnetic closure", "14-inch fit"]),
        ],
        colors: &["black", "navy", "olive", "sand", "burgundy", "charcoal", "ochre"],
    },
    Category {
        name: "Outdoor Gear", tech: false, taste_weight: [1.0, 1.5, 1.0, 0.6, 1.4],
        brands: &[b("Basecamp Supply", Budget), b("Trailcraft", Mid), b("Alpenglow", Mid), b("Kestrel Alpine", Premium)],
        nouns: &[
            n("Tent", (150.0, 400.0), &["recycled nylon", "ripstop nylon"], &["three-season rating", "ultralight build", "freestanding frame", "two vestibules"]),
            n("Sleeping Bag", (80.0, 250.0), &["traceable down", "recycled polyester"], &["0 °C rating", "compression sack", "two-way zip"]),
            n("Camp Chair", (35.0, 90.0), &["aluminium", "ripstop nylon", "recycled polyester"], &["compact fold", "cup holder", "120 kg capacity"]),
            n("Headlamp", (25.0, 70.0), &["polycarbonate", "aluminium", "recycled plastic"], &["USB-C rechargeable", "dimmable beam", "400 lumens"]),
            n("Water Bottle", (15.0, 45.0), &["stainless steel", "recycled plastic", "borosilicate glass"], &["double-wall insulation", "leak-proof lid", "24-hour cold retention"]),
            n("Trekking Pole Set", (50.0, 140.0), &["carbon fibre", "aluminium"], &["foam grips", "flick-lock adjustment", "folding design"]),
            n("Camp Stove", (40.0, 120.0), &["stainless steel", "aluminium", "titanium"], &["piezo ignition", "wind shield", "simmer control"]),
        ],
        colors: &["olive", "ochre", "teal", "charcoal", "sand", "coral", "slate"],
    },
];

/// Model names that start titles ("Trailblazer Merino Running Tee").
#[rustfmt::skip]
pub(crate) const LINES: &[&str] = &[
    "Trailblazer", "Summit", "Meridian", "Harbor", "Atlas", "Nimbus", "Solstice", "Ridge", "Drift",
    "Canyon", "Horizon", "Tundra", "Cascade", "Willow", "Aspen", "Juniper", "Orbit", "Pulse", "Vertex",
    "Quill", "Haven", "Lumen", "Breeze", "Terra", "Nova", "Zephyr", "Vista", "Echo", "Fable", "Glacier",
    "Harvest", "Kismet", "Lark", "Monarch", "Nomad", "Oasis", "Pioneer", "Quest", "Ranger", "Sierra",
    "Tempo", "Voyage", "Wren", "Yonder", "Alder", "Birch", "Coast", "Dune",
];

/// The material entry named `name`.
pub(crate) fn material(name: &str) -> &'static Material {
    MATERIALS
        .iter()
        .find(|m| m.name == name)
        .expect("every noun's materials are in MATERIALS")
}
