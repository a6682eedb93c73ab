//! The word tables of the copy grammar in `copy.rs`: describing words,
//! adverbs and scenes, and the sentence shapes that combine them, so that
//! most word pairs of a copy are drawn from large products of choices.
//! The same rules hold as for `phrases.rs`.

use super::phrases::Table;

/// Predicates built from words: `{k}` is a word that carries the voice's
/// taste ([`KEY_ADJECTIVES`]), `{a}` another word of the voice, `{adv}` and
/// `{adv2}` two [`ADVERBS`].
pub(crate) const WORD_PREDICATES: &[&str] = &[
    "[is|feels|looks|stays|proves|seems] {adv} {k}",
    "is {k} and {adv} {a}",
    "[feels|looks|is] {k}, {adv} {a} even",
    "[stays|remains] {adv} {k} [all day|for years|wherever you go|every time]",
    "comes across as {adv} {k}",
    "is {adv} {k} [from the first day|at every turn|in every way|through and through]",
    "[manages to be|is somehow] {k} and {a} at once",
    "[turns out|proves] {adv} {k} and {adv2} {a}",
    "[is|feels] {k} [yet|but also|and still] {adv} {a}",
    "[looks|feels|is] {adv} {k} [up close|in person|day to day|in use]",
    "is, [quite simply|put simply|in a word], {k}",
    "[brings|offers|delivers] something {adv} {k}",
    "is every bit as {k} as it looks",
    "[keeps things|keeps it] {adv} {k}",
    "[shows|proves] how {k} {a_noun} can be",
    "makes {a_noun} feel {adv} {k}",
    "is the {adv} {k} {noun} [you've been after|of your dreams|for you]",
    "[wins you over|wins hearts] by being {adv} {k}",
    "is [quietly|really|seriously|honestly|just] {k}[, and it shows| from top to bottom| inside and out]",
    "[sets out|aims] to be {k} and {adv} succeeds",
    "[is|looks] {k} [without trying|with ease|at a glance]",
    "[delivers|brings] {adv} {k} results",
    "is {k}, {a} and {adv2} {b}",
    "feels {adv} {k} [from the first wear|from day one|every single time|the moment you use it]",
    "[is made|was made|is designed] to be {adv} {k}",
];

/// Words that carry each taste, for [`WORD_PREDICATES`]; the neutral voice
/// uses its [`ADJECTIVES`].
#[rustfmt::skip]
pub(crate) const KEY_ADJECTIVES: [&[&str]; 5] = [
    &["affordable", "budget-friendly", "money-saving", "bargain-priced", "value-packed", "budget-savvy", "deal-worthy", "value-minded", "value-rich", "budget-wise"],
    &["sustainable", "planet-friendly", "low-impact", "eco-conscious", "conscious", "responsible", "footprint-friendly", "planet-kind", "eco-friendly", "planet-positive", "eco-minded"],
    &["refined", "luxurious", "exceptional", "elegant", "timeless", "premium", "indulgent", "premium-grade", "luxury-grade", "crafted"],
    &["soft", "cosy", "snug", "gentle", "comfortable", "comforting", "relaxing", "super-soft", "snuggly", "cosy-feeling", "relaxed", "pillow-soft", "soft-touch"],
    &["smart", "high-performance", "precision-built", "innovative", "tech-savvy", "well-engineered", "performance-tuned", "next-level", "tech-forward", "precision-made", "smart-thinking", "precision-tuned", "innovation-led", "tech-packed"],
];

/// Sentences built from words that name a product the shopper bought
/// recently (`{other}`); slots as in [`WORD_PREDICATES`].
pub(crate) const WORD_HOOKS: &[&str] = &[
    "[Pairs|Goes|Works] {adv} well with the {other} you [bought|ordered|picked up] [recently|lately|the other day].",
    "{A_adv} {k} match for the {other} you [bought|ordered|picked up] [recently|lately|not long ago].",
    "Just as {k} as the {other} you [bought|chose|picked up] [recently|lately].",
    "Next to your [new|recent|latest] {other}, it's {adv} {k}.",
    "{Adv} {k}, like the {other} you [bought|ordered] [recently|last time].",
    "With the {other} you [bought|ordered|picked up] [recently|lately], it's {adv} {a} and {k}.",
    "[Team|Pair|Match] it with the {other} you [bought|ordered|got] [recently|lately|last time]: {adv} {k}.",
    "Your [new|recent|latest] {other} [would love|deserves|calls for] something this {k}.",
    "After the {other} you [bought|ordered|picked up] [recently|lately], here's something {adv} {k}.",
    "Bought the {other} [recently|lately]? This {noun} is {adv} {k}, too.",
    "[Made|Ready|Built] to sit [beside|alongside|next to] your {other}: {adv} {a}, {adv2} {k}.",
    "[Remember|Loving|Still loving] the {other}? This {noun} is {adv} {k}.",
    "The {other} you [bought|ordered|got] [recently|lately] [has|now has] a {k} [new friend|companion|partner].",
    "[Fans|Owners] of the {other}, [like you|this one's for you]: {adv} {k}.",
    "{A_adv} {k} [follow-up|next step|sequel] to the {other} you [bought|picked up|ordered].",
    "[Just like|As with] the {other} you [bought|chose|ordered] [recently|lately], it's {k} and {a}.",
];

/// Price sentences built from words; slots as in [`WORD_PREDICATES`].
pub(crate) const WORD_PRICES: &[&str] = &[
    "{Adv} {k} at {price}.",
    "{price}, and {adv} {k}.",
    "At {price}, it's {adv} {k}.",
    "{Adv} {k} for {price}.",
    "All {price} of it {adv} {k}.",
    "{price} for something this {k}.",
    "[Now|Today] {price}: {adv} {k}, {adv2} {a}.",
    "{A_adv} {k} {noun} for {price}.",
    "Yours for {price}, and {adv} {k} [with it|too|besides].",
    "[Just|Only|All of] {price} for {a_noun} this {k}.",
];

/// Describing words for the "soft, cosy and warm" sentence.
#[rustfmt::skip]
pub(crate) const ADJECTIVES: Table = [
    &[
        "practical", "versatile", "dependable", "simple", "sturdy", "handy", "useful", "reliable",
        "classic", "well-made", "durable", "good-looking", "functional", "fuss-free", "easy-care",
        "hard-working", "sensible", "trusty", "well-built", "no-nonsense", "easy-going",
        "neat", "robust", "adaptable", "long-lived", "unfussy", "steady", "straightforward", "good-natured",
        "everyday-ready", "low-maintenance",
    ],
    &[
        "affordable", "budget-friendly", "wallet-friendly", "low-cost", "thrifty", "no-frills",
        "money-saving", "great-value", "sensible", "hard-wearing", "economical", "bargain-priced",
        "cost-effective", "reliable", "frugal", "good-value", "value-packed", "sturdy", "practical", "honest",
        "savvy", "canny", "low-priced", "fair-priced", "purse-friendly", "thrift-minded", "cheerful",
        "down-to-earth", "unpretentious",
    ],
    &[
        "sustainable", "responsible", "low-impact", "planet-friendly", "conscious", "long-lasting",
        "low-waste", "ethical", "mindful", "repairable", "thoughtful", "earth-friendly", "eco-conscious",
        "durable", "renewable", "recyclable", "kind", "fair", "clean", "honest",
        "natural", "earth-conscious", "waste-wise", "circular", "low-carbon", "nature-loving", "reusable",
        "considerate", "green", "earth-kind",
    ],
    &[
        "refined", "elegant", "luxurious", "exquisite", "polished", "distinguished", "sophisticated",
        "impeccable", "graceful", "meticulous", "timeless", "exceptional", "opulent", "handcrafted", "lavish", "artful", "stately", "lustrous", "distinctive",
        "tailored", "sumptuous", "rarefied", "statement", "heirloom-worthy", "gallery-worthy", "poised",
        "noble", "select", "fine",
    ],
    &[
        "soft", "cosy", "snug", "gentle", "soothing", "plush", "cuddly", "calming", "warm", "relaxed",
        "restful", "mellow", "comforting", "cushy", "dreamy", "cosseting", "sink-in", "homey", "tender", "peaceful",
        "toasty", "velvety", "cloud-like", "fleecy", "featherlight", "laid-back", "unhurried", "cocooning",
        "hug-like", "calm", "serene",
    ],
    &[
        "smart", "precise", "responsive", "powerful", "efficient", "intuitive", "connected", "fast",
        "high-performance", "cutting-edge", "future-ready", "clever", "streamlined", "advanced",
        "precision-built", "rugged", "sharp", "slick", "capable", "quick", "adaptive",
        "data-driven", "app-ready", "agile", "turbocharged", "snappy", "seamless", "dialled-in", "optimised",
        "feature-rich", "pro-grade", "fine-tuned", "ultra-precise",
    ],
];

/// Words that sharpen a describing word ("wonderfully soft"), for every voice.
#[rustfmt::skip]
pub(crate) const ADVERBS: &[&str] = &[
    "wonderfully", "seriously", "properly", "genuinely", "remarkably", "beautifully", "reassuringly",
    "impressively", "refreshingly", "quietly", "thoroughly", "endlessly", "effortlessly", "surprisingly",
    "delightfully", "truly", "utterly", "incredibly", "brilliantly", "pleasingly", "decidedly", "happily",
    "charmingly", "gloriously", "notably", "admirably", "neatly", "superbly", "nicely", "supremely",
    "reliably", "consistently", "perfectly", "cleverly", "lovingly", "unmistakably", "wholeheartedly",
    "immensely", "deliciously", "marvellously", "exceedingly", "sublimely", "splendidly", "rightly",
    "fabulously", "thoughtfully", "handsomely", "honestly", "dependably", "uncommonly",
    "gracefully", "boldly", "wisely", "sweetly", "crisply", "cleanly", "freshly", "calmly", 
    "hugely", "amazingly", "stunningly", "positively", "richly", "enormously", "quite", "really", "very",
    "precisely",
];

/// Shapes of the describing sentence: `{A}`/`{a}`, `{b}`, `{c}` are three
/// different words of the voice (`{A}` capitalised), `{Adv}`/`{adv}` and
/// `{adv2}` two different [`ADVERBS`] (`{a_adv}` with its article),
/// `{scene}` a scene of the product's category.
pub(crate) const ADJECTIVE_SHAPES: &[&str] = &[
    "{Adv} {a}, {adv2} {b}.",
    "{Adv} {a}, {adv2} {b}.",
    "{Adv} {a}, {adv2} {b}.",
    "{Adv} {a}. {Adv2} {b}.",
    "{Adv} {a}. {Adv2} {b}.",
    "{Adv} {a}, {b}, {adv2} {c}.",
    "{Adv} {a}, {b}, {adv2} {c}.",
    "{Adv} {a} and {adv2} {b}.",
    "{A_adv} {a} {noun} for {scene}.",
    "{A_adv} {a} {noun}, {adv2} {b}.",
    "{Adv} {a} for {scene}, {adv2} {b} for {scene2}.",
    "{Adv} {a} for {scene}.",
    "It's {adv} {a}, {adv2} {b} and {c}.",
    "{A}, {b} and {adv} {c}.",
    "[Expect|Think] something {adv} {a} for {scene}.",
    "{A_adv} {a} pick for {scene} and {scene2}.",
    "{Adv} {a}: {adv2} {b}, even.",
    "The {noun} gets {adv} {a} and {adv2} {b}.",
    "[Expect|Enjoy] {adv} {a} [days|moments|results] and {adv2} {b} [evenings|weekends|outcomes].",
    "{Adv} {a} [when you need it|on busy days|day after day], {adv2} {b} [for the rest|otherwise|always].",
    "[Call it|We call it] {adv} {a}. [You'll call it|Others say] {adv2} {b}.",
    "{A_adv} {a}, {b} [choice|find|pick] for {scene}.",
    "[On|For] {scene}: {adv} {a}. [On|For] {scene2}: {adv2} {b}.",
    "{A}, {b} and {c}.",
    "It's [|so |very ]{a}, {b} and {c}.",
    "[Think|Picture|Expect] {a}, {b} and {c}.",
    "{A} and {b}, yet {c}.",
    "{A}, {b}, {c}: [what's not to love|what more could you want|need we say more]?",
    "Simply {a}, {b} and {c}.",
    "[Both|At once] {a} and {b}.",
    "[Seriously|Properly|Wonderfully|Genuinely] {a} and {b}.",
    "{A}, {b} and wonderfully {c}.",
];

/// Where each category's products come into their own, by category name.
#[rustfmt::skip]
pub(crate) const SCENES: &[(&str, &[&str])] = &[
    ("Activewear", &["morning runs", "gym sessions", "park laps", "interval training", "yoga class", "weekend 10Ks", "hill repeats", "spin class", "track nights", "cool-down walks", "early starts", "race day", "circuit training", "long runs"]),
    ("Footwear", &["city walks", "commutes", "weekend errands", "long days on your feet", "evenings out", "trail days", "the school run", "office days", "rainy mornings", "festival season", "travel days", "strolls by the sea", "dinner dates", "Sunday markets"]),
    ("Outerwear", &["rainy commutes", "windy coastal walks", "autumn hikes", "city winters", "school runs", "dog walks", "stormy weekends", "early ferry crossings", "cold mornings", "mountain breaks", "drizzly days", "winter markets", "bike commutes", "blustery afternoons"]),
    ("Knitwear", &["chilly mornings", "autumn walks", "fireside evenings", "winter weekends", "office days", "country pubs", "frosty commutes", "weekend brunches", "holiday gatherings", "crisp afternoons", "layering season", "village strolls", "movie nights", "long train journeys"]),
    ("Loungewear", &["lazy Sundays", "movie nights", "working from home", "slow mornings", "late breakfasts", "rainy afternoons", "reading in bed", "weekend lie-ins", "sofa days", "long baths", "quiet evenings", "Sunday puzzles", "late-night snacks", "binge-watching"]),
    ("Bedding", &["early nights", "long lie-ins", "restful sleep", "guest rooms", "breakfast in bed", "warm summer nights", "winter nights", "Sunday mornings", "afternoon naps", "reading in bed", "fresh starts", "hotel-style mornings", "deep sleep", "weekend lie-ins"]),
    ("Kitchen", &["weeknight dinners", "Sunday roasts", "batch cooking", "dinner parties", "family breakfasts", "slow-cooked stews", "quick lunches", "weekend baking", "stir-fries", "morning coffee", "meal prep", "date-night dinners", "holiday feasts", "pancake mornings"]),
    ("Audio", &["kitchen discos", "vinyl evenings", "film nights", "podcasts on the go", "house parties", "long commutes", "studio sessions", "late-night listening", "workouts", "garden parties", "morning news", "deep focus", "road trips", "game nights"]),
    ("Smart Home", &["busy mornings", "holidays away", "late arrivals", "school runs", "parcel deliveries", "cold evenings", "movie nights", "night-time checks", "family life", "weekends away", "tidy floors", "the daily routine", "dinner parties", "long workdays"]),
    ("Wearables", &["morning runs", "gym sessions", "long rides", "marathon training", "busy workdays", "recovery days", "mountain hikes", "open-water swims", "daily steps", "weekend rides", "bike commutes", "yoga flows", "early starts", "better sleep"]),
    ("Bags & Travel", &["weekend getaways", "city breaks", "daily commutes", "business trips", "long-haul flights", "train journeys", "gym days", "beach holidays", "festival weekends", "office days", "road trips", "airport dashes", "hostel hopping", "carry-on travel"]),
    ("Outdoor Gear", &["wild camping", "summit days", "family campsites", "festival fields", "long hikes", "lakeside evenings", "multi-day treks", "backyard campouts", "coastal paths", "mountain huts", "night hikes", "early alpine starts", "trail runs", "fireside nights"]),
];

/// Sentences with two different scenes of the product's category (`{scene}`, `{scene2}`).
pub(crate) const SCENE_LINES: &[&str] = &[
    "Perfect for {scene} and {scene2}.",
    "{A_adv} {a} companion for {scene}.",
    "For {scene}, it's {adv} {a}.",
    "Count on it for {scene}: {adv} {a}, {adv2} {b}.",
    "Made for {scene}, {scene2} and everything in between.",
    "[Great|Brilliant|Handy] for {scene}.",
    "Think {scene}, {scene2} and more.",
    "Ready for {scene} or {scene2}.",
    "Your go-to for {scene}.",
    "Built for {scene} and {scene2} alike.",
    "Just right for {scene}.",
    "From {scene} to {scene2}, it's there for you.",
    "Bring it along for {scene}.",
    "Made with {scene} in mind.",
    "A natural fit for {scene} and {scene2}.",
];

/// The scenes of category `name` (none for an unknown category).
pub(crate) fn scenes_of(name: &str) -> &'static [&'static str] {
    SCENES
        .iter()
        .find(|(c, _)| *c == name)
        .map_or(&[], |(_, s)| *s)
}
