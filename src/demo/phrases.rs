//! The phrase tables of the copy grammar in `copy.rs`. `[a|b|c]` in a
//! phrase is a choice made each time it is written (an alternative may be
//! empty), which multiplies the ways a sentence reads.
//!
//! Tables of type [`Table`] are indexed by `Voice::index`:
//! [neutral, price-conscious, eco-minded, premium, comfort, tech]. Every
//! predicate of a taste voice carries a word of that taste, no phrase of one
//! voice carries another taste's words, and no fixed text names a brand,
//! material or colour of the catalog (the tests check all three).

/// Phrases per voice.
pub(crate) type Table = [&'static [&'static str]; 6];

/// What the product does for you; follows the subject ("The … is great value").
#[rustfmt::skip]
pub(crate) const PREDICATES: Table = [
    &[
        "is a [dependable|trusty|steady] everyday pick", "is ready for [daily|regular|everyday] use", "does exactly what you [need|want|expect]",
        "is a solid all-rounder", "fits [easily|neatly|right] into your [routine|day|life]", "is a [reliable|trusty|sound] choice",
        "keeps things [simple|easy|straightforward]", "is made for [everyday|real|busy] life", "is a practical favourite",
        "works hard [every day|all week|day after day]", "earns its place in your [routine|week|day]", "is easy to live with",
        "gets the [basics|essentials|little things] right", "is a sensible pick for [most people|almost anyone|busy people]", "is quietly brilliant",
        "just works", "is built for real life", "ticks every box", "is a safe bet",
        "makes [daily|everyday] life a [little|lot|bit] easier", "is a no-nonsense choice", "looks [good|great|sharp] and works [well|hard|beautifully]",
        "is an easy yes", "stays [useful|handy|in use] for years",
    ],
    &[
        "is [great|superb|brilliant|excellent] value", "is [easy|kind|light] on your budget", "won't break your budget",
        "is a budget-friendly favourite", "gives you [more|plenty|a lot] for less", "is affordable without cutting [corners|quality]",
        "is a bargain you'll [love|appreciate|be glad of]", "helps you save [every day|all year|week after week]", "is a [real|genuine|proper] deal",
        "is everyday value done right", "keeps more money in your [pocket|wallet|account]", "is a steal for what you [get|pay]",
        "stretches your budget [further|a long way|that bit further]", "is priced to save you money", "proves good things can be affordable",
        "is the bargain of the season", "offers [serious|real|honest|solid] value", "lets you save without settling",
        "is an affordable everyday hero", "delivers big value on a small budget", "is a deal worth [grabbing|snapping up|jumping on]",
        "is a wallet-friendly bargain", "gives you [real|true|proper] value for money", "makes saving money [easy|simple|effortless]",
    ],
    &[
        "is [kinder|better] to the planet", "is made to tread lightly on the planet", "is [made|designed|produced] with the planet in mind",
        "is sustainably produced", "keeps its footprint [small|low|light]", "is a [conscious|thoughtful, conscious] choice",
        "is a sustainable way to buy less", "is responsibly made from start to finish",
        "helps you [shop|live] more sustainably", "is a low-impact everyday essential",
        "supports a more sustainable routine", "is a planet-friendly [pick|choice|essential]", "leaves a [lighter|smaller] footprint",
        "is made for conscious shoppers", "puts the planet [first|front and centre]",
        "is a responsible choice you can feel [good|great] about", "shrinks your footprint without fuss",
        "is an eco-friendly essential", "is designed with sustainability at heart",
        "is low-impact and long-lived", "fits a more conscious [lifestyle|routine|home]", "is sourced and made responsibly",
        "is a sustainable swap worth making", "is built to last, so the planet wins too",
    ],
    &[
        "is exceptionally crafted", "is a luxurious [treat|delight|indulgence]", "is crafted to [impress|delight|be admired]",
        "is refined down to the last detail", "brings timeless elegance [to every day|to your world|]", "is pure indulgence",
        "is crafted to exacting standards", "is exceptional in every [way|respect|detail]",
        "is an elevated essential with refined details", "is made for those who expect the finest",
        "offers [true|genuine|real] luxury", "is quiet luxury at its best", "is finished with exceptional [care|attention]",
        "[exudes|radiates|has] effortless elegance", "is a timeless investment piece",
        "is a premium piece built to be treasured", "rewards the discerning [eye|buyer|owner]", "is luxury you can [feel|see|rely on]",
        "sets a refined new standard", "is an indulgence worth every moment", "pairs elegance with [substance|longevity|character]",
        "showcases masterful craftsmanship", "is a premium choice through and through",
        "is the finest of its kind",
    ],
    &[
        "is all about comfort", "brings [all-day|all-round|easy] comfort", "is cosy through and through",
        "is made for slow, relaxed days", "feels like a [gentle|warm, gentle] hug", "keeps you comfortable [all day|for hours|from dawn to dusk]",
        "is pure comfort", "invites you to unwind", "is snug and soothing", "puts comfort first",
        "is soft, cosy and easy to love", "makes every [evening|night in|weekend] feel cosy", "is the definition of comfort",
        "helps you relax and [recharge|reset|slow down]", "wraps you in [softness|soft, easy calm]", "is gentle from the first touch",
        "turns any day into a cosy one", "is comfort you'll reach for again and again",
        "is made for lazy, snug weekends", "lets you unwind [in style|properly|at last]", "feels soft and reassuring",
        "brings [calm|ease|warmth] and comfort home", "is your shortcut to relaxation", "is a cosy everyday treat",
    ],
    &[
        "is engineered for performance", "packs [smart|seriously smart|genuinely smart] features", "is built with precision",
        "delivers [high|serious|reliable] performance", "is engineered to do [more|better|it all]", "brings innovation to [every day|your routine|daily life]",
        "is a [smart|clever, smart|seriously smart] upgrade", "is tuned for peak performance", "runs on thoughtful engineering",
        "is tech-forward by design", "is precision-engineered for you", "takes performance to the next level",
        "is smarter than it looks", "is packed with [clever|thoughtful|useful] tech", "is an upgrade you'll [notice|feel|love]",
        "combines smart design with raw performance", "is built on serious engineering",
        "brings next-level tech to your day", "is innovation you can use", "is precision-tuned and ready",
        "keeps performance high and hassle low", "is a smart piece of engineering",
        "makes every [task|day|routine] smarter", "raises the bar on performance",
    ],
];

/// Optional endings of the predicate, after a comma.
#[rustfmt::skip]
pub(crate) const TAILS: Table = [
    &[
        "[day in, day out|week in, week out]", "wherever the [day|week|road] takes you", "at home or [on the go|away|out and about]", "week after week",
        "whatever you have [planned|on|in mind]", "for [years|seasons|many years] to come", "in [every|any] season", "without any fuss",
        "right out of the [box|bag|parcel]", "for work and weekends alike", "every time you reach for it",
        "from the very first use", "whatever the weather",
    ],
    &[
        "and keeps your budget happy", "so you can save for other things", "at a price that [makes sense|feels fair|adds up]",
        "with [savings|money] to spare", "and still leaves room in your budget", "for far less than you'd think",
        "at a fraction of the usual cost", "month after month", "without any hidden extras",
        "for less than you expect", "so every penny counts", "without the big price tag",
    ],
    &[
        "for a [greener|cleaner|kinder] tomorrow", "with less waste along the way", "season after season",
        "so you can buy less and keep it longer", "for [people and planet|the planet and you]", "with a lighter touch on the earth",
        "from sourcing to shipping", "for years of conscious use", "without costing the earth",
        "with care for what comes next", "for a cleaner future", "one mindful purchase at a time",
    ],
    &[
        "down to the final detail", "with quiet [confidence|assurance|poise]", "for years of refined use",
        "in the most elegant way", "with every detail considered", "season after season",
        "with an unmistakable finish", "for a lifetime of enjoyment", "with understated grace",
        "for [moments|occasions|days] that matter", "with artisan care", "for those who know",
    ],
    &[
        "from morning coffee to bedtime", "on lazy [Sunday|weekend|holiday] mornings", "on [chilly|rainy|long] evenings in",
        "whenever you need a break", "from the first moment", "all day and into the night",
        "for the ultimate slow day", "wherever you curl up", "after the [longest|busiest|hardest] days",
        "on quiet nights in", "with every wear", "from sofa to bed",
    ],
    &[
        "straight out of the box", "with every use", "to keep pace with your [day|life|schedule]",
        "for [faster, better|sharper, quicker] results", "without missing a beat", "at the touch of a button",
        "with data-driven design", "for the way you work and play", "under any conditions",
        "from day one [onwards|]", "to stay ahead of the curve", "with zero guesswork",
    ],
];

/// A second sentence when no price is stated, and an optional extra one.
#[rustfmt::skip]
pub(crate) const BENEFITS: Table = [
    &[
        "A [simple|good-looking|sound] choice for [everyday|daily|regular] use.", "Easy to [care for|look after|clean] and easy to [love|like|live with].",
        "A [useful|welcome|handy] addition to your [collection|home|kit].", "Made to fit right into your routine.",
        "Dependable, practical and ready to go.", "A classic that works with everything.",
        "Simple design, solid quality.", "Ready [when|whenever] you are.", "Good looks and everyday practicality.",
        "A reliable pick for [any|every] [day|occasion|season].", "Designed to be used, not just admired.", "Practical where it counts.",
        "Great for [gifting|sharing|treating someone], too.", "Built for the way you live.", "Ready for whatever comes next.",
        "A small change you'll notice every day.", "Straightforward, sturdy and good-looking.",
        "No fuss, just good design.", "Simple to look after.", "A staple you'll keep [coming back|returning|reaching] to.",
    ],
    &[
        "Quality you can [afford|actually afford].", "Everyday value without compromise.", "[More|Much more|Extra] for your money.",
        "Budget-friendly and built to last.", "Save without settling.", "Affordable quality, every [day|time|season].",
        "Great value that lasts.", "A bargain worth grabbing.", "Low price, high value.",
        "Spend less, get more value.", "Top quality, lower price, real value.", "Your [budget|wallet|bank balance] will thank you.",
        "Value that speaks for itself.", "A deal you won't want to [miss|pass up|ignore].", "Savings you can see.",
        "Money well spent.", "Priced for real life, built for real value.", "Affordable, reliable, done.",
        "Get the [look|job done|quality] for less.", "Big savings, no compromise.",
    ],
    &[
        "Kinder to the planet, with less waste.", "Sustainability you can see and feel.",
        "Packed plastic-free and shipped carbon-neutral.", "A lower footprint without compromise.",
        "Good for you and [better|kinder] for the planet.", "Made responsibly, built to last.",
        "Choose conscious, choose lasting.", "Sustainable from start to finish.",
        "Less waste, more wear, better for the planet.", "Low-impact by design.",
        "Better choices for the planet start here.", "Made to last, so you buy less: [sustainability|conscious living] made simple.",
        "Responsible from sourcing to shipping.", "Every [purchase|choice|order] counts for the planet.",
        "A lighter footprint, a brighter future.", "Thoughtfully made with the planet in mind.",
        "Sustainable style that lasts.", "Low-impact and high quality.", "Kind to the planet, kind to [you|your home|your routine].",
        "A conscious pick for a greener home.",
    ],
    &[
        "Exceptional craftsmanship in every detail.", "Luxurious, refined and made to last.",
        "Timeless design meets exceptional quality.", "An indulgence you [deserve|have earned|won't regret].",
        "Crafted for those who notice the difference.", "Refined details, finished by hand.",
        "The finest finish, inside and out.", "Understated luxury for every day.", "Elegance that never [dates|fades|goes out of style].",
        "Crafted without compromise.", "Luxury in every [detail|line|inch].", "A refined essential for discerning tastes.",
        "Timeless quality you'll [treasure|cherish|keep for years].", "The finest materials, expertly finished.",
        "Indulge in the exceptional.", "Elegant, enduring and beautifully made.", "Luxury that lasts a lifetime.",
        "Refined from first glance to last detail.", "Quietly luxurious, unmistakably premium.",
        "An heirloom in the making, crafted with care.",
    ],
    &[
        "Soft, cosy and made for all-day comfort.", "Sink into softness.",
        "Gentle, soothing and easy to relax with.", "Your new favourite for cosy [evenings|weekends|nights in].",
        "Comfort that lasts all [day|evening|weekend].", "Made to help you relax and unwind.",
        "Snug, soothing and soft to the touch.", "Pure comfort from morning to night.",
        "Cosy up and take it easy.", "Comfort you can [count on|feel|sink into].", "Softness that lasts.",
        "Made for slow mornings and cosy nights.", "Relaxation, made easy.", "Gentle on you, all day long.",
        "Snug, soft and simply lovely.", "Your [daily|everyday|evening] dose of comfort.", "Curl up and unwind.",
        "Cosy from the very first day.", "Pure, soothing comfort.", "A gentle touch for [busy|long|hectic] days.",
    ],
    &[
        "Smart design meets serious performance.", "Engineered for precision and speed.",
        "Smart features, zero fuss.", "Performance you can measure.", "Innovation built into every part.",
        "Precision engineering you can rely on.", "Next-level tech for everyday life.",
        "High performance, smartly designed.", "Engineered to keep up with [you|your day|your plans].", "Smart tech, simple setup.",
        "Performance without compromise.", "Built by engineers, loved by users.", "Innovation that just works.",
        "Precision you can [feel|measure|trust].", "An upgrade for your [everyday|routine|whole setup].", "Tech that thinks ahead.",
        "Next-level performance, every time.", "Smart, fast and reliable.", "Engineered for the long run.",
        "Cutting-edge tech, zero hassle.",
    ],
];

/// The price sentence.
#[rustfmt::skip]
pub(crate) const PRICES: Table = [
    &[
        "Yours for [just|] {price}.", "Available [now|today|right now] for {price}.", "Priced at {price}.", "All for {price}.",
        "Now {price}.", "It costs {price}.", "Get it [today|now|] for {price}.", "Yours today for {price}.",
        "On sale now at {price}.", "It's {price}.", "Take it home [today|] for {price}.", "Currently {price}.",
    ],
    &[
        "[Great|Brilliant|Superb] value at {price}.", "Just {price}.", "Only {price}, a real steal.", "All this for just {price}.",
        "Great value for only {price}.", "At {price}, it's a bargain.", "Save more at just {price}.",
        "A budget-friendly {price}.", "Unbeatable value at {price}.", "Just {price}, easy on your budget.",
        "Only {price}, what a deal.", "Save [big|more|plenty]: just {price}.", "A steal at {price}.",
        "A bargain at just {price}.",
    ],
    &[
        "A sustainable choice at {price}.", "Kinder to the planet, at {price}.",
        "{price} for a conscious choice you can feel good about.", "Shop responsibly for {price}.",
        "A lower footprint for {price}.", "Choose the planet for {price}.", "{price}, with a smaller footprint.",
        "Sustainable quality for [just|] {price}.", "Go low-impact for {price}.", "A responsible buy at {price}.",
        "{price} well spent on the planet.", "Make a conscious switch for {price}.",
    ],
    &[
        "Worth every cent at {price}.", "A luxurious investment at {price}.",
        "At {price}, exceptional quality that lasts.", "{price} for refined, lasting quality.",
        "Indulge yourself for {price}.", "Exceptional quality for [only|] {price}.", "Luxury for {price}.",
        "{price} for timeless craftsmanship.", "An indulgence at {price}.", "Refined quality at {price}.",
        "{price} for the finest finish.", "Treat yourself to luxury for {price}.",
    ],
    &[
        "Cosy up for {price}.", "All-day comfort for [just|only|] {price}.", "Soft comfort for {price}.",
        "{price} for pure comfort.", "Relax in it for {price}.", "Unwind for {price}.",
        "{price} for everyday cosiness.", "Snuggle up for {price}.", "Comfort at {price}.",
        "{price} for softness that lasts.", "Relaxation for {price}.", "A cosy treat at {price}.",
    ],
    &[
        "Serious performance for {price}.", "Smart tech for [just|] {price}.", "Upgrade for {price}.",
        "{price} for precision engineering.", "Innovation for {price}.", "Next-level tech for {price}.",
        "{price} for smart performance.", "Precision for {price}.", "An upgrade at {price}.",
        "Engineered quality for {price}.", "Get smarter for {price}.", "Innovation at {price}.",
    ],
];

/// An optional first sentence.
#[rustfmt::skip]
pub(crate) const OPENERS: Table = [
    &[
        "Meet your new everyday favourite.", "Here's one for your [list|wishlist|radar].", "New in.", "A fresh pick [for you|this week|for the season].",
        "Simple and dependable.", "Worth a look.", "Fresh in this week.", "Something new for you.",
        "Here's a good one.", "One to add to your list.", "Just landed.", "A new favourite in the making.",
    ],
    &[
        "Big value, small price.", "Deal alert!", "Save more [today|this week].", "Budget-friendly pick of the week.",
        "Value you can count on.", "Looking for a bargain?", "Savings start here.", "Budget win!",
        "Stretch your money further.", "Hot deal!", "Bargain hunters, look here.", "Affordable finds ahead.",
    ],
    &[
        "Shop with a lighter footprint.", "Good for you, kinder to the planet.", "Choose better for the planet.",
        "Sustainable style starts here.", "Conscious choices matter.", "Small footprint, big [impact|difference].",
        "Better for the planet.", "Shop consciously.", "Tread lightly, shop sustainably.",
        "Sustainability, simplified.", "Every choice counts for the planet.", "Going low-impact?",
    ],
    &[
        "Indulge yourself.", "Luxury, redefined.", "For the discerning few.", "Exceptional by design.",
        "Treat yourself to the finest [today|].", "Refined, through and through.", "Elegance awaits.",
        "Only the finest.", "Crafted for you.", "A touch of luxury.", "Timeless by nature.",
        "Premium, without question.",
    ],
    &[
        "Time to [unwind|slow down and unwind].", "Cosy season is here.", "Softness, all day long.", "Comfort comes first.",
        "Relax, you've earned it.", "Get comfortable.", "Cosy up.", "Comfort, sorted.", "Soft days ahead.",
        "Slow down and relax.", "Snuggle season starts now.", "Made for unwinding.",
    ],
    &[
        "Upgrade your [everyday|routine|day].", "Smart living starts here.", "Built for performance.",
        "Meet next-level engineering.", "Innovation you can feel.", "Tech that works harder.",
        "Smarter every day.", "Performance, unlocked.", "Next-level is here.", "Precision meets design.",
        "Tech lovers, take note.", "Ready for an upgrade?",
    ],
];

/// An optional last sentence.
#[rustfmt::skip]
pub(crate) const CLOSERS: Table = [
    &[
        "Add it to your [basket|bag] [today|now|].", "Order yours [today|now|this week].", "Take a closer look.", "Find out more today.",
        "Order now.", "See it today.", "Add it to your cart today.", "Get yours now.", "Make it yours.",
        "Check it out today.", "Don't wait too long.",
    ],
    &[
        "Grab the deal while it [lasts|can].", "Save today.", "Don't miss this value.", "Bag a bargain today.",
        "Save while stocks last.", "Grab yours and save.", "Snap up the savings.", "Shop the deal now.",
        "Lock in the bargain.", "Save now, smile later.", "Budget-friendly and ready to ship.",
    ],
    &[
        "Shop consciously [today|this season].", "Make the sustainable switch.", "The planet will thank you.",
        "Choose sustainable today.", "Shop responsibly.", "Choose the planet today.", "Shop sustainably now.",
        "Go low-impact today.", "Make a conscious choice today.", "Small steps for the planet start here.",
        "Shop with the planet in mind.",
    ],
    &[
        "Treat yourself [today|this week].", "Experience true luxury.", "Discover exceptional quality.", "Indulge today.",
        "You deserve the finest.", "Indulge yourself today.", "Discover true refinement.",
        "Own a piece of luxury.", "Make it your finest purchase.", "Elegance is one click away.",
        "Reserve yours, discerning shopper.",
    ],
    &[
        "Settle in and [relax|get relaxed|relax properly].", "Get cosy today.", "Your comfort awaits.", "Time to relax.",
        "Unwind in comfort today.", "Curl up with it today.", "Relax, it's waiting for you.",
        "Bring comfort home.", "Get snug today.", "Go on, unwind.", "Cosy nights start here.",
    ],
    &[
        "Upgrade [today|this week|your routine today].", "Experience the performance.", "Get smarter today.", "Engineered for you, ready today.",
        "Upgrade your setup now.", "Upgrade now.", "Make the smart choice today.", "Experience next-level tech.",
        "Power up your day with smart tech.", "Take performance home today.", "Innovate your routine today.",
    ],
];

/// How the material is named; eco and comfort claims only where the product
/// backs them (see `material_table` in `copy.rs`).
#[rustfmt::skip]
pub(crate) const MATERIALS: Table = [
    &["in {material}", "[made from|made of|fashioned from|put together from] {material}", "in [everyday|quality|dependable|good] {material}", "[cut|built] from {material}"],
    &["in [hard-wearing|durable|tough|sturdy] {material}", "made from [sturdy|durable|] {material}", "in {material}", "[built|made] from [long-lasting|tough] {material}"],
    &["made from {material}", "made [responsibly|thoughtfully|carefully] from {material}", "in [low-impact|planet-friendly|responsibly sourced] {material}", "[sourced|made] with care from {material}"],
    &["in [fine|premium|exquisite|carefully chosen] {material}", "[crafted from|finished in|fashioned from] {material}", "in [the finest|luxurious|sumptuous] {material}"],
    &["in [soft|cosy|snug|soothing|wonderfully soft] {material}", "made from [gentle|soft|cosy] {material}", "[wrapped|lined|finished] in [soft|snug] {material}"],
    &["[engineered|built|machined|formed] from {material}", "in [precision-made|tough|rugged|hard-wearing] {material}", "in [lightweight|high-grade|tech-grade] {material}"],
];

#[rustfmt::skip]
pub(crate) const COLORS: Table = [
    &["in {color}", "[in|finished in|shown in|done in] [classic|everyday|clean|easy] {color}", "in {a_color} [finish|shade|tone]"],
    &["in {color}", "[in|finished in|done in] [versatile|practical|go-with-anything|easy] {color}", "in {a_color} [shade|tone]"],
    &["in {color}", "[in|finished in|dyed in|shown in] [natural|muted|earthy|understated] {color}", "in {a_color} [finish|tone]"],
    &["[in|finished in|dressed in|rendered in] [rich|refined|deep|elegant|lustrous] {color}", "in {color}"],
    &["[in|wrapped in|dressed in|done in] [calming|cosy|warm|gentle|soft] {color}", "in {color}"],
    &["[in|finished in|done in] [sleek|matte|sharp|minimalist] {color}", "in {color}", "in {a_color} finish"],
];

/// Shapes of the sentence that carries the subject and predicate: `{S}`/`{s}`
/// is the subject with its material and colour (`{S}` capitalised), `{P}`
/// the predicate with its optional tail.
pub(crate) const CORE_SHAPES: &[&str] = &[
    "{S} {P}.",
    "{S} {P}.",
    "{S} [really|truly|honestly|simply|] {P}.",
    "[Meet|Say hi to|Get to know] {s}: it {P}.",
    "Say hello to {s}, which {P}.",
    "[Introducing|Presenting|Announcing] {s}, which {P}.",
    "[Discover|Explore|Check out] {s}. It {P}.",
    "Here's why {s} [stands out|gets our vote|is worth it|made the list]: it {P}.",
    "[Simply put|In short|Put simply|Honestly|Trust us], {s} {P}.",
    "[Good news|Fact|The verdict|Our take]: {s} {P}.",
    "We [think|reckon|find|believe] {s} {P}.",
    "Take a [look|peek|closer look] at {s}. It {P}.",
    "Why {s}? [Because|Simple:|Well,] it {P}.",
    "[Say hello to|Welcome|Meet] {s}[, which|: it] {P}.",
    "[Here it is|It's here|It has landed]: {s} {P}.",
    "[Look no further|Stop scrolling|Search over]: {s} {P}.",
    "{S} {P}[, no question|, simple as that|, hands down].",
    "[Ask anyone|Ask around|Everyone agrees]: {s} {P}.",
    "[Yes,|Indeed,|Believe it:] {s} {P}.",
];

/// Subjects, lower-case first (capitalised at the start of a sentence).
pub(crate) const SUBJECT_TITLE_BRAND: &[&str] = &[
    "the {title} [from|by|made by|designed by] {brand}",
    "{brand_s} [|new |latest ]{title}",
    "the {brand} {title}",
];
pub(crate) const SUBJECT_TITLE: &[&str] =
    &["[the|our|this|the new|our latest|the all-new] {title}"];
pub(crate) const SUBJECT_BRAND: &[&str] = &[
    "{brand_s} [|new |latest ]{noun}",
    "[this|the|our|the new] {noun} [from|by|made by] {brand}",
    "[this|the|our] {brand} {noun}",
];
pub(crate) const SUBJECT_PLAIN: &[&str] =
    &["[this|our|the|your new|this new|our latest|this latest|the all-new|our newest] {noun}"];

/// The product's own standout feature.
pub(crate) const FEATURE_LINES: &[&str] = &[
    "{Adv} {a} [details|touches], [like|including|such as] {feature}.",
    "[With|Thanks to] {feature}, it's {adv} {a}.",
    "The {feature} makes it {adv} {a}.",
    "[Highlights|Highlight|Spotlight]: {feature}.",
    "Key [detail|feature|extra]: {feature}.",
    "Standout feature: {feature}.",
    "Also worth [knowing|noting|a mention]: {feature}.",
    "Bonus: {feature}.",
    "Notable extra: {feature}.",
    "[Favourite|Best|Our favourite] detail: {feature}.",
    "[Extra|Nice|Thoughtful] touch: {feature}.",
];

/// Sentences that name a product the shopper bought recently (`{other}`).
#[rustfmt::skip]
pub(crate) const HOOKS: Table = [
    &[
        "It pairs perfectly with the {other} you [bought|ordered|picked up|chose] [recently|lately|the other day|not long ago].", "A great match for the {other} you [picked up|bought|got|ordered] [recently|lately|last time|the other day].",
        "It goes nicely with the {other} from your [last|latest|most recent|previous] order.", "Team it with the {other} you [bought|ordered|picked up|chose] [recently|lately|the other day|not long ago].",
        "Loved the {other} you [bought|ordered|picked up]? This is a natural next step.", "It works well alongside your [new|recent|latest] {other}.",
        "Since you [bought|ordered|picked up] the {other}, this one makes a great partner.", "It sits right alongside the {other} you [bought|ordered|picked up|chose] [recently|lately|the other day|not long ago].",
        "A handy companion to the {other} you [ordered|bought] [recently|lately|last time].", "Enjoying the {other} you [bought|ordered|picked up]? This completes the picture.",
        "You bought the {other} recently; this is the perfect partner.",
    ],
    &[
        "It pairs perfectly with the {other} you [bought|ordered|picked up|chose] [recently|lately|the other day|not long ago], and saves you more.",
        "Another bargain to go with the {other} you [picked up|bought|got|ordered] [recently|lately|last time|the other day].",
        "Liked the value of the {other} you [bought|ordered|picked up]? Here's another great deal.",
        "Complete your look with the {other} you [bought|ordered|picked up], for less.", "A budget-friendly partner for the {other} you [bought|ordered|picked up|chose] [recently|lately|the other day|not long ago].",
        "Pair it with your [new|recent|latest] {other} and keep saving.", "You got a great deal on the {other}; this one is just as good value.",
        "Team it with the {other} from your [last|latest|most recent|previous] order and save.", "Just as affordable as the {other} you [bought|ordered|picked up|chose] [recently|lately|the other day|not long ago].",
        "Matches the {other} you [bought|ordered|picked up|chose] [recently|lately|the other day|not long ago] without stretching your budget.",
        "Still happy with the {other} you [bought|ordered|picked up]? This deal will suit you too.",
    ],
    &[
        "It pairs perfectly with the {other} you [bought|ordered|picked up|chose] [recently|lately|the other day|not long ago], another conscious choice.",
        "A sustainable match for the {other} you [picked up|bought|got|ordered] [recently|lately|last time|the other day].", "Team it with the {other} you [bought|ordered|picked up] for a lower-footprint routine.",
        "Like the {other} you [bought|ordered|picked up|chose] [recently|lately|the other day|not long ago], it's kinder to the planet.", "Another responsible pick to go with your {other}.",
        "Keep your conscious streak going after the {other} you bought.", "A planet-friendly partner for the {other} from your [last|latest|most recent|previous] order.",
        "Pair it with the {other} you [picked up|bought|got|ordered] [recently|lately|last time|the other day] and tread lightly on the planet.",
        "It sits well with your [new|recent|latest] {other}, and with the planet.", "Made to last alongside the {other} you [bought|ordered|picked up|chose] [recently|lately|the other day|not long ago], sustainably.",
        "Goes with the {other} you [bought|ordered|picked up|chose] [recently|lately|the other day|not long ago] for a more sustainable set.",
    ],
    &[
        "It pairs beautifully with the {other} you [bought|ordered|picked up|chose] [recently|lately|the other day|not long ago], with refined ease.",
        "A refined companion to the {other} you [picked up|bought|got|ordered] [recently|lately|last time|the other day].",
        "Complete the look of the {other} you [bought|ordered|picked up] with something exceptional.", "As finely crafted as the {other} you [bought|ordered|picked up|chose] [recently|lately|the other day|not long ago].",
        "The elegant next step after your {other}.", "Pair it with the {other} from your [last|latest|most recent|previous] order for timeless style.",
        "A luxurious match for the {other} you [bought|ordered|picked up|chose] [recently|lately|the other day|not long ago].", "Your new {other} deserves a partner this refined.",
        "Indulge again: it sits perfectly beside the {other} you bought.", "For the discerning owner of the {other} you [bought|ordered|picked up|chose] [recently|lately|the other day|not long ago].",
        "Crafted to complement the {other} you [chose|picked|went for] [recently|lately|last time].",
    ],
    &[
        "It pairs perfectly with the {other} you [bought|ordered|picked up|chose] [recently|lately|the other day|not long ago] for extra comfort.",
        "Team it with the {other} you [picked up|bought|got|ordered] [recently|lately|last time|the other day] for the cosiest combo.", "A soft companion to the {other} you [bought|ordered|picked up|chose] [recently|lately|the other day|not long ago].",
        "Loved how the {other} you [bought|ordered|picked up] feels? This is just as cosy.", "Curl up with it and the {other} from your [last|latest|most recent|previous] order, and relax.",
        "Pair it with your [new|recent|latest] {other} and unwind.", "The snug partner your {other} has been waiting for.",
        "Add it to the {other} you [bought|ordered|picked up|chose] [recently|lately|the other day|not long ago] for a relaxed set.", "Just as comfortable as the {other} you [picked up|bought|got|ordered] [recently|lately|last time|the other day].",
        "Cosy alongside the {other} you [bought|ordered|picked up|chose] [recently|lately|the other day|not long ago].", "Goes gently with the {other} you [bought|ordered|picked up|chose] [recently|lately|the other day|not long ago].",
    ],
    &[
        "It pairs perfectly with the {other} you [bought|ordered|picked up|chose] [recently|lately|the other day|not long ago] for a smart setup.",
        "A smart companion to the {other} you [picked up|bought|got|ordered] [recently|lately|last time|the other day].", "Upgrade the {other} you [bought|ordered|picked up|chose] [recently|lately|the other day|not long ago] with this.",
        "Built to perform alongside the {other} you [bought|ordered|picked up], with smart design.", "Team it with your [new|recent|latest] {other} for next-level results.",
        "The smart next step after the {other} from your [last|latest|most recent|previous] order.", "Engineered to work well with the {other} you [bought|ordered|picked up|chose] [recently|lately|the other day|not long ago].",
        "Take your {other} further: this is the perfect tech partner.", "Precision to match the {other} you [picked up|bought|got|ordered] [recently|lately|last time|the other day].",
        "Pair the {other} you [bought|ordered|picked up|chose] [recently|lately|the other day|not long ago] with smarter performance.", "Your {other} from last time meets its high-performance match.",
    ],
];

/// Sentences about the kind of product (`{noun}`, `{a_noun}` with its article).
#[rustfmt::skip]
pub(crate) const NOUN_LINES: Table = [
    &[
        "Every [home|wardrobe|routine] could use {a_noun} like this.", "It's the {noun} you'll reach for [first|most|every time].",
        "[Finally,|At last,] {a_noun} that [gets it right|just works|keeps up with you].", "Not just any {noun}.",
        "The {noun} [you've been looking for|of the season|everyone asks about].", "A [dependable|straightforward|well-made] {noun}, [no surprises|no gimmicks|done properly].",
        "[One|This] {noun}, [endless|countless|so many] uses.", "Your [next|new go-to] {noun} is here.",
        "{A_noun} [worth having|you'll actually use|that earns its keep].", "Good {noun}, [good day|happy you|no fuss].",
    ],
    &[
        "{A_noun} at this price is a [rare find|proper bargain|real deal].", "The {noun} that [saves you money|stretches your budget|keeps costs down].",
        "Why pay more for {a_noun}? [Save|Keep the savings|Stick to your budget].", "[Great|Serious|Real] value in {a_noun}.",
        "The [budget-friendly|affordable|wallet-friendly] {noun} you've been [waiting for|after|hunting for].", "{A_noun} that won't [dent|strain|stretch] your budget.",
        "[Affordable|Budget|Bargain] {noun}, [full|real|proper] quality.", "Your {noun}, for [less|a lot less|far less] money.",
        "Not every {noun} is this [affordable|good value|much of a bargain].", "A [bargain|deal|steal] of {a_noun}.",
    ],
    &[
        "The {noun}, made the [conscious|responsible|sustainable] way.", "{A_noun} [you and the planet can agree on|with a smaller footprint|made to last, sustainably].",
        "A [kinder|better] {noun} for the planet.", "The [conscious|planet-friendly|low-impact] {noun} you've been [looking for|waiting for|hoping for].",
        "Every {noun} should be this [sustainable|responsible|planet-minded].", "Your {noun}, [minus the guilt|with a lighter footprint|sustainably sorted].",
        "[Sustainability|Conscious design] and {a_noun} in one.", "{A_noun} for [conscious|mindful, conscious|planet-first] living.",
        "The {noun}, [rethought|redesigned|remade] for the planet.", "Buy one {noun}, keep it [for years|for good|for the long run], spare the planet.",
    ],
    &[
        "The {noun}, [elevated|refined|perfected].", "{A_noun} [worthy of|made for|crafted for] the discerning.",
        "Rarely is {a_noun} this [refined|exquisite|exceptional].", "The [finest|most refined|most elegant] {noun} [we stock|in our edit|you'll own].",
        "{A_noun} of [rare|exceptional|true] quality, [crafted|finished|made] with care.", "Your {noun}, [reimagined in luxury|with a luxurious twist|refined to perfection].",
        "A [luxurious|timeless|premium] {noun} to [treasure|keep for years|hand down].", "This is {a_noun} [done properly|at its finest|in its most refined form].",
        "Luxury, in {noun} form.", "The {noun} that [defines|redefines|sets] [elegance|refined taste|the standard of luxury].",
    ],
    &[
        "The [cosiest|softest|snuggest] {noun} you'll [own|find|ever try].", "{A_noun} made for [relaxing|unwinding|slow, cosy days].",
        "[Comfort|Cosiness|Softness] and {a_noun} in one.", "Your new [favourite|comfiest, cosiest] {noun} for [evenings|weekends|quiet nights] in.",
        "Every {noun} should feel this [soft|cosy|comfortable].", "{A_noun} that [feels like a hug|puts comfort first|helps you unwind].",
        "The {noun}, made [cosy|snug|soft and comforting].", "A [gentle|soft|soothing] {noun} for [busy people|long days|lazy mornings], made for comfort.",
        "[Relax|Unwind|Settle in]: this {noun} has you covered.", "Comfort, in {noun} form.",
    ],
    &[
        "The {noun}, [re-engineered|upgraded|rebuilt for performance].", "{A_noun} with [serious|smart|next-level] [tech|performance|engineering] inside.",
        "[Smart|Precision|Innovation] meets {a_noun}.", "The [smartest|most advanced|best-engineered] {noun} [we stock|in our range|you'll use].",
        "Every {noun} should be this [smart|precise|well engineered].", "Your {noun}, [upgraded|smarter|engineered for more].",
        "{A_noun} built for [performance|precision|smart living].", "A [high-performance|precision-built|tech-forward] {noun} for [busy days|every task|real life].",
        "This is {a_noun} [done smarter|with real engineering|at the next level].", "Performance, in {noun} form.",
    ],
];
