//! Shoppers: fake names and cities, a hidden taste each, and the browsing
//! sessions through which that taste shows (what they view, cart, buy and rate).

use super::catalog::Catalog;
use super::{Taste, WINDOW_END, WINDOW_START};
use crate::domain::{Attributes, EventKind, User};
use rand::Rng;
use rand::seq::IndexedRandom;
use serde_json::Value;

const DAY: i64 = 86_400;

#[rustfmt::skip]
const FIRST_NAMES: &[&str] = &[
    "Amelia", "Noah", "Olivia", "Liam", "Emma", "Lucas", "Ava", "Mateo", "Sophia", "Leo",
    "Isla", "Hugo", "Mia", "Arthur", "Chloé", "Louis", "Zoe", "Elias", "Nora", "Jonas",
    "Freya", "Oscar", "Lea", "Finn", "Ines", "Theo", "Maya", "Samir", "Aisha", "Kenji",
    "Yuki", "Priya", "Arjun", "Fatima", "Omar", "Sofia", "Diego", "Camila", "Mateus", "Ana",
    "Lars", "Ingrid", "Tomas", "Eva", "Marek", "Zofia", "Niamh", "Cian", "Grace", "Ethan",
    "Hannah", "Daniel", "Laura", "Pierre", "Julien", "Clara", "Matteo", "Giulia", "Rosa", "Felix",
    "Wei", "Mei", "Ravi", "Ayesha",
];

#[rustfmt::skip]
const LAST_NAMES: &[&str] = &[
    "Martin", "Bernard", "Dubois", "Laurent", "Müller", "Schmidt", "Fischer", "Weber", "Rossi", "Russo",
    "Ferrari", "García", "Fernández", "López", "Silva", "Santos", "Smith", "Jones", "Taylor", "Brown",
    "Wilson", "Evans", "Murphy", "Kelly", "O'Brien", "Nowak", "Kowalski", "Novák", "Jensen", "Hansen",
    "Nielsen", "Larsen", "Andersson", "Johansson", "Virtanen", "Korhonen", "Tanaka", "Suzuki", "Sato", "Kim",
    "Park", "Chen", "Wang", "Li", "Patel", "Sharma", "Singh", "Khan", "Haddad", "Mansour",
    "Okafor", "Mensah", "Nguyen", "Tran", "Cohen", "Levi", "Janssen", "De Vries", "Peeters", "Moreau",
    "Lefèvre", "Costa", "Bianchi", "Horvat",
];

#[rustfmt::skip]
const CITIES: &[&str] = &[
    "Lyon", "Paris", "Marseille", "Berlin", "Hamburg", "Munich", "Vienna", "Zurich", "Milan", "Turin",
    "Madrid", "Valencia", "Lisbon", "Porto", "London", "Leeds", "Manchester", "Dublin", "Cork", "Amsterdam",
    "Rotterdam", "Antwerp", "Copenhagen", "Stockholm", "Oslo", "Helsinki", "Warsaw", "Prague", "Austin", "Toronto",
];

/// Which text an event carries; written when the event is emitted.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum TextKind {
    None,
    /// The copy the shopper saw before buying.
    Copy,
    /// The shopper's review.
    Review,
}

/// One planned event, small and copyable so a user's plan needs no allocation per event.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Rec {
    pub ts: i64,
    pub product: u32,
    pub kind: EventKind,
    /// Stars, 0 for none.
    pub rating: u8,
    pub text: TextKind,
}

/// Plans one shopper at a time into buffers reused across shoppers.
pub(crate) struct Planner<'a> {
    catalog: &'a Catalog,
    recs: Vec<Rec>,
    carted: Vec<u32>,
}

impl<'a> Planner<'a> {
    /// A planner over `catalog`.
    pub fn new(catalog: &'a Catalog) -> Self {
        Planner {
            catalog,
            recs: Vec::with_capacity(128),
            carted: Vec::with_capacity(8),
        }
    }

    /// The events of the shopper last planned, in strictly increasing time.
    pub fn events(&self) -> &[Rec] {
        &self.recs
    }

    /// Draws shopper `index` and plans their history (read it with [`Planner::events`]).
    pub fn plan(&mut self, rng: &mut impl Rng, index: usize) -> (User, Taste) {
        let taste = *Taste::ALL.choose(rng).expect("tastes exist");
        let first = FIRST_NAMES.choose(rng).expect("names exist");
        let last = LAST_NAMES.choose(rng).expect("names exist");
        let city = CITIES.choose(rng).expect("cities exist");
        let mut attributes = Attributes::new();
        attributes.insert("city".into(), Value::from(*city));
        attributes.insert(
            "member_since".into(),
            Value::from(rng.random_range(2018..=2026)),
        );
        let user = User {
            user_id: format!("u{:07}", index + 1),
            display_name: Some(format!("{first} {last}")),
            attributes,
        };
        self.plan_history(rng, taste);
        (user, taste)
    }

    fn plan_history(&mut self, rng: &mut impl Rng, taste: Taste) {
        let catalog = self.catalog;
        self.recs.clear();

        // Each shopper is active in their own part of the seven months.
        let from = WINDOW_START + rng.random_range(0..120 * DAY);
        let to = (WINDOW_END - DAY - rng.random_range(0..30 * DAY)).max(from + 14 * DAY);
        // A few favourite categories, drawn by taste, give each shopper a profile.
        let favourites: [usize; 3] = std::array::from_fn(|_| catalog.pick_category(rng, taste));

        // Sessions at random times until the shopper's activity level is reached;
        // events are put in time order afterwards.
        let target = rng.random_range(10..=55);
        while self.recs.len() < target {
            let mut t = rng.random_range(from..to);
            let roll: f64 = rng.random();
            let category = if roll < 0.6 {
                favourites[rng.random_range(0..favourites.len())]
            } else if roll < 0.9 {
                catalog.pick_category(rng, taste)
            } else {
                rng.random_range(0..catalog.categories())
            };
            self.carted.clear();
            for _ in 0..rng.random_range(1..=6) {
                let roll: f64 = rng.random();
                let product = if roll < 0.8 {
                    catalog.pick_product(rng, category, Some(taste))
                } else if roll < 0.9 {
                    catalog.pick_product(rng, category, None)
                } else {
                    let other = catalog.pick_category(rng, taste);
                    catalog.pick_product(rng, other, Some(taste))
                };
                t += rng.random_range(15..240);
                self.push(t, product, EventKind::View, 0, TextKind::None);
                let liked = catalog.meta[product as usize].liked_by(taste);
                if rng.random_bool(if liked { 0.5 } else { 0.3 }) {
                    t += rng.random_range(5..90);
                    self.push(t, product, EventKind::Cart, 0, TextKind::None);
                    self.carted.push(product);
                }
            }
            // Checkout at the end of the session, then perhaps a review days later.
            for c in 0..self.carted.len() {
                let product = self.carted[c];
                let liked = catalog.meta[product as usize].liked_by(taste);
                if !rng.random_bool(if liked { 0.85 } else { 0.7 }) {
                    continue;
                }
                t += rng.random_range(30..400);
                // A few purchases come through channels where no copy was shown.
                let text = if rng.random_bool(0.95) {
                    TextKind::Copy
                } else {
                    TextKind::None
                };
                self.push(t, product, EventKind::Purchase, 0, text);
                if rng.random_bool(if liked { 0.4 } else { 0.3 }) {
                    let at = t + rng.random_range(DAY..21 * DAY) + rng.random_range(0..DAY);
                    if at < WINDOW_END - 3600 {
                        let rating = rating(rng, liked);
                        self.push(at, product, EventKind::Review, rating, TextKind::Review);
                    }
                }
            }
        }

        // Sessions were drawn out of order and reviews land days later: order by
        // time (stably, so ties keep funnel order), then make times strictly
        // increasing so event keys are unique.
        self.recs.sort_by_key(|r| r.ts);
        let mut last = i64::MIN;
        for r in &mut self.recs {
            if r.ts <= last {
                r.ts = last + 1;
            }
            last = r.ts;
        }
    }

    fn push(&mut self, ts: i64, product: u32, kind: EventKind, rating: u8, text: TextKind) {
        self.recs.push(Rec {
            ts,
            product,
            kind,
            rating,
            text,
        });
    }
}

/// Stars: shoppers rate what suits their taste higher, with noise.
fn rating(rng: &mut impl Rng, liked: bool) -> u8 {
    // Cumulative percentages for 5, 4, 3, 2 stars; the rest is 1 star.
    let cdf: [u32; 4] = if liked {
        [45, 80, 92, 97]
    } else {
        [12, 40, 70, 88]
    };
    let x = rng.random_range(0..100);
    match cdf.iter().position(|&c| x < c) {
        Some(i) => 5 - i as u8,
        None => 1,
    }
}
