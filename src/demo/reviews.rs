//! Shoppers' reviews: sentiment that matches the stars, a remark in the
//! reviewer's voice (usually their taste), and sometimes a product fact.

use super::catalog::Meta;
use super::copy::{Voice, hook_allowed};
use super::template::{fill, render};
use rand::Rng;
use rand::seq::IndexedRandom;

/// Opening sentiment by star rating (index 0 is one star).
const SENTIMENT: [&[&str]; 5] = [
    &[
        "Really disappointed.",
        "Would not recommend.",
        "Sadly a miss.",
        "Not happy at all.",
    ],
    &[
        "A bit disappointed.",
        "Not quite what I hoped for.",
        "Below expectations.",
        "Meh.",
    ],
    &[
        "It's okay.",
        "Decent, nothing special.",
        "Mixed feelings about this one.",
        "Fine, I guess.",
    ],
    &[
        "Really happy with this.",
        "Very good overall.",
        "Pleasantly surprised.",
        "Solid purchase.",
    ],
    &[
        "Absolutely love it!",
        "Five stars from me.",
        "Couldn't be happier.",
        "Exceeded my expectations.",
    ],
];

// Remarks by voice: [neutral, price-conscious, eco-minded, premium, comfort, tech].
const GOOD: [&[&str]; 6] = [
    &[
        "Arrived quickly and as described.",
        "Does the job well.",
        "Fits in nicely at home.",
        "Exactly what I ordered.",
    ],
    &[
        "Great value for the money.",
        "Can't beat the value at this price.",
        "Cheaper than elsewhere, a real bargain.",
        "Budget-friendly and works fine.",
    ],
    &[
        "Love that it's sustainably made.",
        "Good to know it's kinder to the planet.",
        "The packaging was plastic-free, which I appreciate.",
        "Nice to buy something responsibly made.",
    ],
    &[
        "The quality feels luxurious.",
        "Beautifully crafted, you can tell.",
        "Exceptional finish and detailing.",
        "Refined and elegant.",
    ],
    &[
        "So soft and comfortable.",
        "Really cosy, I use it all the time.",
        "All-day comfort, as promised.",
        "Perfect for relaxing at home.",
    ],
    &[
        "The smart features work flawlessly.",
        "Performance is excellent.",
        "Setup took two minutes, really smart design.",
        "Impressive tech for the size.",
    ],
];

const BAD: [&[&str]; 6] = [
    &[
        "Arrived late and the box was damaged.",
        "Does not match the description.",
        "Took ages to arrive.",
        "Sizing was off.",
    ],
    &[
        "Overpriced, poor value.",
        "Not worth the money.",
        "You can find better value elsewhere.",
        "Too expensive, blew my budget.",
    ],
    &[
        "Not as eco-friendly as I hoped.",
        "Too much plastic packaging for my liking.",
        "Hard to tell how sustainable it really is.",
        "Doubt it will last, hardly sustainable.",
    ],
    &[
        "Expected better quality at this level.",
        "Doesn't feel as luxurious as advertised.",
        "The finish is not refined.",
        "Feels mass-produced, not premium.",
    ],
    &[
        "Not as soft as I expected.",
        "Uncomfortable after a while.",
        "Scratchy, not cosy at all.",
        "Hard to relax with it.",
    ],
    &[
        "Laggy, and the smart app is clunky.",
        "Battery performance is disappointing.",
        "Performance is underwhelming.",
        "The smart features barely work.",
    ],
];

const FACT_GOOD: &[&str] = &[
    "The {color} is exactly as pictured.",
    "The {color} looks even better in person.",
    "The {material} feels solid and well made.",
    "Love the {color}.",
];

const FACT_BAD: &[&str] = &[
    "The {color} looks duller than in the photos.",
    "The {material} feels thinner than expected.",
    "The {color} was not quite what I expected.",
];

const CLOSE_GOOD: &[&str] = &[
    "Would buy again.",
    "Highly recommend.",
    "Already ordered another one.",
    "Ten out of ten.",
];
const CLOSE_MID: &[&str] = &[
    "Might keep it.",
    "It'll do for now.",
    "Could be better.",
    "Not sure yet.",
];
const CLOSE_BAD: &[&str] = &[
    "Would not buy again.",
    "Sending it back.",
    "Returning it.",
    "Avoid.",
];

/// How the reviewer may name a product they bought recently (`{other}`).
const HOOK_GOOD: &[&str] = &[
    "Goes well with my {other}.",
    "Pairs nicely with my {other}.",
    "Bought it to go with my {other}.",
    "Works well alongside my {other}.",
    "Matches my {other} nicely.",
    "Looks great next to my {other}.",
];
const HOOK_BAD: &[&str] = &[
    "Doesn't really go with my {other}.",
    "Clashes with my {other}, sadly.",
    "Worse than my {other}, honestly.",
    "Nowhere near as good as my {other}.",
];

/// How often a review names the product bought recently, when there is one.
const HOOK_RATE: f64 = 0.15;

/// Writes into `out` (cleared first) a review of product `m` with `rating`
/// stars (1 to 5); `bought` is a product the reviewer bought recently, if
/// any, which the review may name.
pub(crate) fn write_review<R: Rng>(
    out: &mut String,
    rng: &mut R,
    m: &Meta,
    voice: Voice,
    rating: u8,
    bought: Option<&Meta>,
) {
    out.clear();
    let stars = rating.clamp(1, 5) as usize;
    let good = match stars {
        4 | 5 => true,
        3 => rng.random_bool(0.5),
        _ => false,
    };
    out.push_str(pick(rng, SENTIMENT[stars - 1]));
    out.push(' ');
    let remarks = if good { GOOD } else { BAD };
    out.push_str(pick(rng, remarks[voice.index()]));
    if rng.random_bool(0.3) {
        out.push(' ');
        let fact = pick(rng, if good { FACT_GOOD } else { FACT_BAD });
        render(out, rng, fact, m);
    }
    if let Some(b) = bought.filter(|b| hook_allowed(m, b))
        && rng.random_bool(HOOK_RATE)
    {
        out.push(' ');
        let hook = pick(rng, if good { HOOK_GOOD } else { HOOK_BAD });
        fill(out, rng, hook, m, &b.hook_name);
    }
    if rng.random_bool(0.5) {
        out.push(' ');
        let close = match stars {
            4 | 5 => CLOSE_GOOD,
            3 => CLOSE_MID,
            _ => CLOSE_BAD,
        };
        out.push_str(pick(rng, close));
    }
}

fn pick(rng: &mut impl Rng, options: &'static [&'static str]) -> &'static str {
    options.choose(rng).expect("phrase tables are never empty")
}

/// Every review template, for tests that check them.
#[cfg(test)]
pub(crate) fn all_templates() -> Vec<&'static str> {
    let mut out: Vec<&'static str> = SENTIMENT
        .iter()
        .chain(&GOOD)
        .chain(&BAD)
        .flat_map(|t| t.iter().copied())
        .collect();
    for t in [
        FACT_GOOD, FACT_BAD, HOOK_GOOD, HOOK_BAD, CLOSE_GOOD, CLOSE_MID, CLOSE_BAD,
    ] {
        out.extend(t.iter().copied());
    }
    out
}
