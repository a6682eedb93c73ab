//! A family shop's shoppers: a hidden taste and a focus each, and the
//! sessions through which the taste shows (what they view, cart, buy and
//! rate), over several months or, in a shop of short histories, one visit.

use super::catalog::Catalog;
use super::spec::{History, Noise, Spec};
use crate::demo::{WINDOW_END, WINDOW_START};
use crate::domain::{Attributes, EventKind, User};
use rand::Rng;
use rand::seq::IndexedRandom;
use serde_json::Value;

const DAY: i64 = 86_400;

#[rustfmt::skip]
const FIRST_NAMES: &[&str] = &[
    "Alba", "Bruno", "Carla", "Dario", "Elif", "Femi", "Greta", "Hamza", "Ilse", "Jorge",
    "Kaia", "Lionel", "Marta", "Nils", "Odile", "Pavel", "Rania", "Sven", "Tamsin", "Umar",
    "Vera", "Wendell", "Ximena", "Yusuf", "Zara", "Anouk", "Bodhi", "Celine", "Emeka", "Hana",
];

#[rustfmt::skip]
const LAST_NAMES: &[&str] = &[
    "Abbott", "Baptiste", "Castell", "Dragan", "Eriksen", "Fontaine", "Gallo", "Hale", "Ivanova", "Jovanovic",
    "Kaur", "Lindqvist", "Moreno", "Nakamura", "Oyelaran", "Petrov", "Quinn", "Rahman", "Szabo", "Tahir",
    "Ueda", "Vasquez", "Whitfield", "Yilmaz", "Zielinski", "Adeyemi", "Brennan", "Conti", "Duarte", "Farouk",
];

#[rustfmt::skip]
const CITIES: &[&str] = &[
    "Bristol", "Glasgow", "Ghent", "Utrecht", "Bologna", "Seville", "Bordeaux", "Graz", "Aarhus", "Gothenburg",
    "Tampere", "Krakow", "Brno", "Ljubljana", "Porto", "Galway", "Leipzig", "Basel", "Nantes", "Denver",
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

/// One planned event.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Rec {
    pub ts: i64,
    pub product: u32,
    pub kind: EventKind,
    /// Stars, 0 for none.
    pub rating: u8,
    pub text: TextKind,
}

/// A shopper as the texts need them: their taste and how focused on it they are.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Shopper {
    /// Index into `Spec::tastes`.
    pub taste: usize,
    /// 0 (barely shows their taste) to 1 (always does).
    pub focus: f64,
}

impl Shopper {
    /// The voice of one of their texts under `noise`: their own taste, no
    /// taste, or another taste chosen uniformly.
    pub fn voice(&self, rng: &mut impl Rng, noise: &Noise, tastes: usize) -> Option<usize> {
        let own = noise.own.0 + (noise.own.1 - noise.own.0) * self.focus;
        let x: f64 = rng.random();
        if x < own {
            Some(self.taste)
        } else if x < own + noise.neutral {
            None
        } else {
            Some((self.taste + rng.random_range(1..tastes)) % tastes)
        }
    }
}

/// Plans one shopper at a time into a buffer reused across shoppers.
pub(crate) struct Planner<'a> {
    spec: &'static Spec,
    catalog: &'a Catalog,
    recs: Vec<Rec>,
    carted: Vec<u32>,
}

impl<'a> Planner<'a> {
    /// A planner for `spec` over its `catalog`.
    pub fn new(spec: &'static Spec, catalog: &'a Catalog) -> Self {
        Planner {
            spec,
            catalog,
            recs: Vec::with_capacity(128),
            carted: Vec::with_capacity(8),
        }
    }

    /// The events of the shopper last planned, in strictly increasing time.
    pub fn events(&self) -> &[Rec] {
        &self.recs
    }

    /// Draws shopper `index` and plans their history.
    pub fn plan(&mut self, rng: &mut impl Rng, index: usize) -> (User, Shopper) {
        let shopper = Shopper {
            taste: rng.random_range(0..self.spec.tastes.len()),
            focus: rng.random(),
        };
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
        self.recs.clear();
        match self.spec.history {
            History::Normal => self.plan_months(rng, shopper),
            History::Short => self.plan_visit(rng, shopper),
        }
        // Sessions were drawn out of order and reviews land days later:
        // order by time (stably), then make times strictly increasing.
        self.recs.sort_by_key(|r| r.ts);
        let mut last = i64::MIN;
        for r in &mut self.recs {
            if r.ts <= last {
                r.ts = last + 1;
            }
            last = r.ts;
        }
        (user, shopper)
    }

    /// A product for `s` in `category`: by taste as often as their focus says.
    fn pick(&self, rng: &mut impl Rng, s: Shopper, category: usize) -> u32 {
        let by_taste = rng.random_bool(0.35 + 0.6 * s.focus);
        self.catalog
            .pick_product(rng, category, by_taste.then_some(s.taste))
    }

    fn category(&self, rng: &mut impl Rng, s: Shopper) -> usize {
        if rng.random_bool(0.8) {
            self.catalog.pick_category(rng, s.taste)
        } else {
            rng.random_range(0..self.catalog.categories())
        }
    }

    fn liked(&self, s: Shopper, product: u32) -> bool {
        self.catalog.items[product as usize].liked_by(s.taste)
    }

    fn purchase_text(&self, rng: &mut impl Rng) -> TextKind {
        // A few purchases come through channels where no copy was shown.
        if self.spec.copy_log && rng.random_bool(0.95) {
            TextKind::Copy
        } else {
            TextKind::None
        }
    }

    /// Sessions over the shopper's months until their activity level is reached.
    fn plan_months(&mut self, rng: &mut impl Rng, s: Shopper) {
        let from = WINDOW_START + rng.random_range(0..120 * DAY);
        let to = (WINDOW_END - DAY - rng.random_range(0..30 * DAY)).max(from + 14 * DAY);
        let favourites: [usize; 3] = std::array::from_fn(|_| self.category(rng, s));
        let target = rng.random_range(10..=45);
        while self.recs.len() < target {
            let mut t = rng.random_range(from..to);
            let category = if rng.random_bool(0.6) {
                favourites[rng.random_range(0..favourites.len())]
            } else {
                self.category(rng, s)
            };
            self.carted.clear();
            for _ in 0..rng.random_range(1..=5) {
                let product = self.pick(rng, s, category);
                t += rng.random_range(15..240);
                self.push(t, product, EventKind::View, 0, TextKind::None);
                let liked = self.liked(s, product);
                if rng.random_bool(if liked { 0.5 } else { 0.3 }) {
                    t += rng.random_range(5..90);
                    self.push(t, product, EventKind::Cart, 0, TextKind::None);
                    self.carted.push(product);
                }
            }
            for c in 0..self.carted.len() {
                let product = self.carted[c];
                let liked = self.liked(s, product);
                if !rng.random_bool(if liked { 0.85 } else { 0.65 }) {
                    continue;
                }
                t += rng.random_range(30..400);
                let text = self.purchase_text(rng);
                self.push(t, product, EventKind::Purchase, 0, text);
                let rate = (self.spec.review_rate * if liked { 1.2 } else { 0.9 }).min(1.0);
                if rng.random_bool(rate) {
                    let at = t + rng.random_range(DAY..21 * DAY) + rng.random_range(0..DAY);
                    if at < WINDOW_END - 3600 {
                        let stars = rating(rng, liked);
                        self.push(at, product, EventKind::Review, stars, TextKind::Review);
                    }
                }
            }
        }
    }

    /// One visit of 2 to 4 events that ends in a purchase, perhaps reviewed.
    fn plan_visit(&mut self, rng: &mut impl Rng, s: Shopper) {
        let mut t = rng.random_range(WINDOW_START..WINDOW_END - 30 * DAY);
        let category = self.category(rng, s);
        let product = self.pick(rng, s, category);
        let n = rng.random_range(2..=4);
        // Events after the first view and before the purchase: a second
        // view (of another product), a cart, both or neither.
        let review = n >= 3 && rng.random_bool(self.spec.review_rate);
        // Events between nothing and the purchase: another product viewed
        // first, a cart, both or neither.
        let (other_view, cart) = match n - 2 - usize::from(review) {
            0 => (false, false),
            1 => {
                let other = rng.random_bool(0.5);
                (other, !other)
            }
            _ => (true, true),
        };
        if other_view {
            let mut other = self.pick(rng, s, category);
            if other == product {
                other = (other + 1) % self.catalog.items.len() as u32;
            }
            self.push(t, other, EventKind::View, 0, TextKind::None);
            t += rng.random_range(20..300);
        }
        self.push(t, product, EventKind::View, 0, TextKind::None);
        if cart {
            t += rng.random_range(5..90);
            self.push(t, product, EventKind::Cart, 0, TextKind::None);
        }
        t += rng.random_range(30..400);
        let text = self.purchase_text(rng);
        self.push(t, product, EventKind::Purchase, 0, text);
        if review {
            let at = t + rng.random_range(DAY..21 * DAY);
            let stars = rating(rng, self.liked(s, product));
            self.push(at, product, EventKind::Review, stars, TextKind::Review);
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
