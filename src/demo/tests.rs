//! Tests of the demo shop: determinism, sizes, data rules, fact safety of the
//! copy, and that hidden tastes are measurable only through behaviour and text.

use super::*;
use crate::domain::{Event, EventKind, Product, User};
use std::collections::{BTreeMap, BTreeSet};
use std::hash::{DefaultHasher, Hash, Hasher};
use std::sync::OnceLock;

mod hooks_and_variety;

/// Keeps every call, in order.
#[derive(Default)]
struct Collect {
    products: Vec<Product>,
    users: Vec<(User, Taste)>,
    events: Vec<Event>,
    /// 'p', 'u' or 'e' per call, to check the call order.
    order: Vec<u8>,
}

impl DemoSink for Collect {
    type Error = std::convert::Infallible;
    fn product(&mut self, p: &Product) -> Result<(), Self::Error> {
        self.products.push(p.clone());
        self.order.push(b'p');
        Ok(())
    }
    fn user(&mut self, u: &User, taste: Taste) -> Result<(), Self::Error> {
        self.users.push((u.clone(), taste));
        self.order.push(b'u');
        Ok(())
    }
    fn event(&mut self, e: &Event) -> Result<(), Self::Error> {
        self.events.push(e.clone());
        self.order.push(b'e');
        Ok(())
    }
}

/// Hashes every call, to compare whole runs cheaply.
#[derive(Default)]
struct HashSink(DefaultHasher);

impl DemoSink for HashSink {
    type Error = serde_json::Error;
    fn product(&mut self, p: &Product) -> Result<(), Self::Error> {
        ("p", serde_json::to_string(p)?).hash(&mut self.0);
        Ok(())
    }
    fn user(&mut self, u: &User, taste: Taste) -> Result<(), Self::Error> {
        ("u", serde_json::to_string(u)?, taste.as_str()).hash(&mut self.0);
        Ok(())
    }
    fn event(&mut self, e: &Event) -> Result<(), Self::Error> {
        ("e", serde_json::to_string(e)?).hash(&mut self.0);
        Ok(())
    }
}

/// The default-size shop, generated once for all tests.
fn default_shop() -> &'static (Collect, DemoSummary) {
    static SHOP: OnceLock<(Collect, DemoSummary)> = OnceLock::new();
    SHOP.get_or_init(|| {
        let mut sink = Collect::default();
        let Ok(summary) = generate(&DemoOptions::default(), &mut sink);
        (sink, summary)
    })
}

fn run_hash(seed: u64, users: usize) -> u64 {
    let mut sink = HashSink::default();
    generate(&DemoOptions { seed, users }, &mut sink).expect("serialising demo data");
    sink.0.finish()
}

fn taste_of(shop: &Collect) -> BTreeMap<&str, Taste> {
    shop.users
        .iter()
        .map(|(u, t)| (u.user_id.as_str(), *t))
        .collect()
}

fn product_index(shop: &Collect) -> BTreeMap<&str, &Product> {
    shop.products
        .iter()
        .map(|p| (p.product_id.as_str(), p))
        .collect()
}

fn attr<'a>(p: &'a Product, key: &str) -> &'a str {
    p.attributes[key].as_str().expect("string attribute")
}

fn copies(shop: &Collect) -> impl Iterator<Item = (&Event, &str)> {
    shop.events
        .iter()
        .filter(|e| e.kind == EventKind::Purchase)
        .filter_map(|e| e.text.as_deref().map(|t| (e, t)))
}

/// Whether `term` occurs in `text` as whole words, ignoring case.
fn mentions(text: &str, term: &str) -> bool {
    let text = text.to_lowercase();
    let term = term.to_lowercase();
    let bytes = text.as_bytes();
    text.match_indices(&term).any(|(i, _)| {
        let before = i == 0 || !bytes[i - 1].is_ascii_alphanumeric();
        let end = i + term.len();
        let after = end == bytes.len() || !bytes[end].is_ascii_alphanumeric();
        before && after
    })
}

/// Words that mark each taste's voice, in `Taste::ALL` order.
const KEYWORDS: [&[&str]; 5] = [
    &[
        "value", "budget", "deal", "save", "afford", "bargain", "steal", "for less", "money",
        "just $", "only $",
    ],
    &[
        "planet",
        "sustainab",
        "footprint",
        "conscious",
        "responsib",
        "low-impact",
        "plastic-free",
        "eco-",
    ],
    &[
        "crafted",
        "craftsmanship",
        "luxur",
        "exceptional",
        "refined",
        "finest",
        "indulg",
        "timeless",
        "elegan",
        "premium",
        "discerning",
    ],
    &[
        "soft", "comfort", "cosy", "relax", "gentle", "snug", "unwind",
    ],
    &[
        "smart",
        "performance",
        "engineer",
        "precision",
        "innovat",
        "tech",
        "upgrade",
        "next-level",
    ],
];

fn has_keyword(text: &str, taste: Taste) -> bool {
    let text = text.to_lowercase();
    KEYWORDS[taste.index()].iter().any(|k| text.contains(k))
}

#[test]
fn format_price_writes_dollars_and_cents() {
    assert_eq!(format_price(24.99), "$24.99");
    assert_eq!(format_price(5.0), "$5.00");
    assert_eq!(format_price(0.0), "$0.00");
    assert_eq!(format_price(1234.5), "$1234.50");
}

#[test]
fn same_seed_same_calls_and_different_seed_differs() {
    assert_eq!(run_hash(7, 300), run_hash(7, 300));
    assert_ne!(run_hash(7, 300), run_hash(8, 300));
}

#[test]
fn shoppers_do_not_depend_on_how_many_are_generated() {
    let mut small = Collect::default();
    let mut large = Collect::default();
    let Ok(_) = generate(&DemoOptions { seed: 3, users: 40 }, &mut small);
    let Ok(_) = generate(&DemoOptions { seed: 3, users: 80 }, &mut large);
    assert_eq!(small.products, large.products);
    assert_eq!(small.users[..], large.users[..40]);
    assert_eq!(small.events[..], large.events[..small.events.len()]);
}

#[test]
fn default_size_meets_the_counts() {
    let (shop, summary) = default_shop();
    let categories: BTreeSet<&str> = shop.products.iter().map(|p| p.category.as_str()).collect();
    let with_copy = copies(shop).count() as u64;
    let first = shop.events.iter().map(|e| e.ts).min().expect("events");
    let last = shop.events.iter().map(|e| e.ts).max().expect("events");
    eprintln!(
        "users {} products {} categories {} events {} purchases with copy {}",
        shop.users.len(),
        shop.products.len(),
        categories.len(),
        shop.events.len(),
        with_copy
    );
    assert!(shop.users.len() >= 2000);
    assert!(shop.products.len() >= 400);
    assert!(categories.len() >= 10);
    assert!(shop.events.len() >= 60_000);
    assert!(with_copy >= 10_000);
    assert_eq!(summary.users, shop.users.len() as u64);
    assert_eq!(summary.products, shop.products.len() as u64);
    assert_eq!(summary.events, shop.events.len() as u64);
    assert_eq!(summary.purchases_with_copy, with_copy);
    // The history spans the whole six-month window and never leaves it.
    assert!(first >= WINDOW_START && last < WINDOW_END);
    assert!(first < WINDOW_START + 7 * 86_400 && last > WINDOW_END - 7 * 86_400);
    let start = chrono::DateTime::from_timestamp(WINDOW_START, 0).expect("valid");
    let end = chrono::DateTime::from_timestamp(WINDOW_END, 0).expect("valid");
    assert_eq!(start.to_rfc3339(), "2026-04-01T00:00:00+00:00");
    assert_eq!(end.to_rfc3339(), "2026-11-01T00:00:00+00:00");
}

#[test]
fn calls_come_in_order() {
    let (shop, _) = default_shop();
    let products = shop.order.iter().take_while(|&&c| c == b'p').count();
    assert_eq!(products, shop.products.len());
    assert!(!shop.order[products..].contains(&b'p'));
    // Every event belongs to the user announced last.
    let mut current = "";
    let mut users = shop.users.iter();
    let mut events = shop.events.iter();
    for &c in &shop.order[products..] {
        match c {
            b'u' => current = &users.next().expect("user").0.user_id,
            _ => assert_eq!(events.next().expect("event").user_id, current),
        }
    }
}

#[test]
fn products_are_well_formed() {
    let (shop, _) = default_shop();
    let mut ids = BTreeSet::new();
    let mut brands: BTreeMap<&str, BTreeSet<&str>> = BTreeMap::new();
    for (i, p) in shop.products.iter().enumerate() {
        assert_eq!(p.product_id, format!("p{:05}", i + 1));
        assert!(ids.insert(&p.product_id));
        let price = p.price.expect("price");
        assert!(price > 0.0 && ((price * 100.0).round() - price * 100.0).abs() < 1e-6);
        assert!(!attr(p, "material").is_empty() && !attr(p, "color").is_empty());
        assert!(p.attributes["eco"].is_boolean() && p.attributes["comfort"].is_boolean());
        assert!(
            p.attributes
                .values()
                .all(|v| v.is_string() || v.is_number() || v.is_boolean())
        );
        assert!(p.description.as_deref().is_some_and(|d| d.ends_with('.')));
        brands
            .entry(&p.category)
            .or_default()
            .insert(p.brand.as_deref().expect("brand"));
    }
    assert!(
        brands.values().all(|b| b.len() >= 3),
        "several brands per category"
    );
    let titles: BTreeSet<&str> = shop.products.iter().map(|p| p.title.as_str()).collect();
    assert_eq!(titles.len(), shop.products.len(), "titles are unique");
}

#[test]
fn users_are_well_formed_and_hide_their_taste() {
    let (shop, _) = default_shop();
    for (i, (u, _)) in shop.users.iter().enumerate() {
        assert_eq!(u.user_id, format!("u{:07}", i + 1));
        assert_eq!(
            u.display_name.as_deref().map(|n| n.split(' ').count() >= 2),
            Some(true)
        );
        let attrs = serde_json::to_string(&u.attributes)
            .expect("json")
            .to_lowercase();
        assert!(!attrs.contains("taste"));
        for t in Taste::ALL {
            assert!(!attrs.contains(t.as_str()), "{attrs} reveals {t}");
        }
    }
    let ids: Vec<&str> = shop.users.iter().map(|(u, _)| u.user_id.as_str()).collect();
    assert!(
        ids.windows(2).all(|w| w[0] < w[1]),
        "lexical order is numeric order"
    );
}

#[test]
fn events_are_unique_ordered_and_plausible() {
    let (shop, _) = default_shop();
    let products = product_index(shop);
    let mut keys = BTreeSet::new();
    let mut last: BTreeMap<&str, i64> = BTreeMap::new();
    let mut kinds: BTreeMap<EventKind, usize> = BTreeMap::new();
    for e in &shop.events {
        assert!(products.contains_key(e.product_id.as_str()));
        assert!(keys.insert((&e.user_id, &e.product_id, e.kind, e.ts)));
        let prev = last.insert(&e.user_id, e.ts);
        assert!(
            prev.is_none_or(|p| p < e.ts),
            "ts strictly increases per user"
        );
        *kinds.entry(e.kind).or_default() += 1;
        match e.kind {
            EventKind::View | EventKind::Cart => assert!(e.text.is_none() && e.rating.is_none()),
            EventKind::Purchase => assert!(e.rating.is_none()),
            EventKind::Review => {
                assert!(e.rating.is_some_and(|r| (1..=5).contains(&r)));
                assert!(e.text.as_deref().is_some_and(|t| !t.is_empty()));
            }
        }
    }
    eprintln!("{kinds:?}");
    // A funnel: many views, fewer carts, fewer purchases, fewer reviews.
    let n = |k| kinds.get(&k).copied().unwrap_or(0);
    assert!(n(EventKind::View) > n(EventKind::Cart));
    assert!(n(EventKind::Cart) > n(EventKind::Purchase));
    assert!(n(EventKind::Purchase) > n(EventKind::Review) && n(EventKind::Review) > 1000);
    // Per-user activity varies.
    let mut per_user: BTreeMap<&str, usize> = BTreeMap::new();
    for e in &shop.events {
        *per_user.entry(&e.user_id).or_default() += 1;
    }
    let min = per_user.values().min().copied().unwrap_or(0);
    let max = per_user.values().max().copied().unwrap_or(0);
    eprintln!("events per user: {min}..{max}");
    assert!(min < 20 && max > 50);
}

#[test]
fn copy_states_only_the_products_own_facts() {
    let (shop, _) = default_shop();
    let products = product_index(shop);
    let (brands, materials, colors) = catalog::vocabulary();
    let vocab: Vec<&str> = brands
        .iter()
        .chain(&materials)
        .chain(&colors)
        .copied()
        .collect();
    let mut words = Vec::new();
    let texts = copies(shop)
        .map(|(e, t)| (products[e.product_id.as_str()], t))
        .chain(
            shop.products
                .iter()
                .map(|p| (p, p.description.as_deref().expect("description"))),
        );
    let reviews = shop
        .events
        .iter()
        .filter(|e| e.kind == EventKind::Review)
        .map(|e| {
            let text = e.text.as_deref().expect("review text");
            (products[e.product_id.as_str()], text)
        });
    // Copy and reviews that name a recent purchase are checked like the
    // rest: the referenced title words may name no other product's facts.
    let reviews = reviews.map(|(p, text)| (p, text, true));
    for (p, text, review) in texts.map(|(p, text)| (p, text, false)).chain(reviews) {
        let own = format!(
            "{} {} {} {}",
            p.brand.as_deref().unwrap_or(""),
            attr(p, "material"),
            attr(p, "color"),
            p.title
        );
        for term in &vocab {
            assert!(
                !mentions(text, term) || mentions(&own, term),
                "{text:?} names {term:?} of another product ({own})"
            );
        }
        for (i, _) in text.match_indices('$') {
            let price = format_price(p.price.expect("price"));
            assert!(
                text[i..].starts_with(&price),
                "{text:?} misstates the price {price}"
            );
        }
        assert!(!text.contains('{') && !text.contains('}'), "{text:?}");
        if !review {
            words.push(text.split_whitespace().count());
        }
    }
    let n = words.len() as f64;
    let mean = words.iter().sum::<usize>() as f64 / n;
    let short = words.iter().filter(|&&w| w < 10).count() as f64 / n;
    let long = words.iter().filter(|&&w| w > 32).count() as f64 / n;
    eprintln!("copy words: mean {mean:.1}, <10 {short:.3}, >32 {long:.3}");
    assert!((14.0..=30.0).contains(&mean) && short < 0.05 && long < 0.02);
}

#[test]
fn templates_name_no_catalog_fact() {
    let (brands, materials, colors) = catalog::vocabulary();
    for t in copy::all_templates()
        .into_iter()
        .chain(reviews::all_templates())
    {
        for term in brands.iter().chain(&materials).chain(&colors) {
            assert!(!mentions(t, term), "template {t:?} names {term:?}");
        }
    }
}

#[test]
fn vocabulary_entries_name_no_other_fact() {
    let (brands, materials, colors) = catalog::vocabulary();
    let terms: Vec<&str> = brands
        .iter()
        .chain(&materials)
        .chain(&colors)
        .copied()
        .collect();
    // Fixed text, with the one fact it may name: a title word names its own material.
    let mut fixed: Vec<(&str, &str)> = vocab::LINES.iter().map(|l| (*l, "")).collect();
    for c in vocab::CATEGORIES {
        for noun in c.nouns {
            fixed.push((noun.name, ""));
            fixed.extend(noun.features.iter().map(|f| (*f, "")));
            for m in noun.materials {
                fixed.push((vocab::material(m).title_word, m));
            }
        }
    }
    for (text, own) in fixed {
        for term in terms.iter().filter(|t| **t != own) {
            assert!(!mentions(text, term), "{text:?} names {term:?}");
        }
    }
    // Each fact string is one entry: no brand is also a colour or a material.
    let all: BTreeSet<String> = terms.iter().map(|t| t.to_lowercase()).collect();
    assert_eq!(all.len(), terms.len());
}

#[test]
fn copy_mentions_a_varying_number_of_facts() {
    let (shop, _) = default_shop();
    let products = product_index(shop);
    let mut histogram = [0usize; 6];
    for (e, text) in copies(shop) {
        let p = products[e.product_id.as_str()];
        let facts = [
            p.brand.as_deref().unwrap_or(""),
            attr(p, "material"),
            attr(p, "color"),
            &p.title,
        ]
        .iter()
        .filter(|f| mentions(text, f))
        .count()
            + usize::from(text.contains('$'));
        histogram[facts] += 1;
    }
    eprintln!("facts per copy: {histogram:?}");
    assert!(histogram[1] > 1000 && histogram[2] > 1000 && histogram[3] > 500);
}

#[test]
fn personalisation_is_measurable_in_copy_and_reviews() {
    let (shop, _) = default_shop();
    let tastes = taste_of(shop);
    for kind in [EventKind::Purchase, EventKind::Review] {
        for t in Taste::ALL {
            let (mut own, mut own_n, mut other, mut other_n) = (0, 0, 0, 0);
            for e in shop.events.iter().filter(|e| e.kind == kind) {
                let Some(text) = e.text.as_deref() else {
                    continue;
                };
                let hit = usize::from(has_keyword(text, t));
                if tastes[e.user_id.as_str()] == t {
                    (own, own_n) = (own + hit, own_n + 1);
                } else {
                    (other, other_n) = (other + hit, other_n + 1);
                }
            }
            let (own, other) = (own as f64 / own_n as f64, other as f64 / other_n as f64);
            eprintln!("{kind} {t}: own {own:.2} other {other:.2}");
            let floor = if kind == EventKind::Purchase {
                0.75
            } else {
                0.5
            };
            assert!(
                own > floor && own > 2.5 * other,
                "{kind} {t}: own {own:.2} other {other:.2}"
            );
        }
    }
}

#[test]
fn tastes_show_in_what_shoppers_buy() {
    let (shop, _) = default_shop();
    let tastes = taste_of(shop);
    let products = product_index(shop);
    // Share of purchases with a property, for shoppers of one taste and for the rest.
    let share = |taste: Taste, test: &dyn Fn(&Product) -> bool| {
        let (mut own, mut own_n, mut rest, mut rest_n) = (0.0, 0.0, 0.0, 0.0);
        for e in shop.events.iter().filter(|e| e.kind == EventKind::Purchase) {
            let hit = f64::from(u8::from(test(products[e.product_id.as_str()])));
            if tastes[e.user_id.as_str()] == taste {
                (own, own_n) = (own + hit, own_n + 1.0);
            } else {
                (rest, rest_n) = (rest + hit, rest_n + 1.0);
            }
        }
        (own / own_n, rest / rest_n)
    };
    let eco = share(Taste::EcoMinded, &|p| p.attributes["eco"] == true);
    let comfort = share(Taste::Comfort, &|p| p.attributes["comfort"] == true);
    let tech = share(Taste::Tech, &|p| {
        matches!(p.category.as_str(), "Audio" | "Smart Home" | "Wearables")
    });
    let cheap = share(Taste::PriceConscious, &|p| {
        p.price.is_some_and(|x| x < 60.0)
    });
    let dear = share(Taste::Premium, &|p| p.price.is_some_and(|x| x > 150.0));
    eprintln!("eco {eco:?} comfort {comfort:?} tech {tech:?} cheap {cheap:?} dear {dear:?}");
    for (own, rest) in [eco, comfort, tech, cheap, dear] {
        assert!(own > 1.5 * rest, "own {own:.2} rest {rest:.2}");
    }
}

#[test]
fn copy_is_varied() {
    let (shop, _) = default_shop();
    let texts: Vec<&str> = copies(shop).map(|(_, t)| t).collect();
    let unique: BTreeSet<&str> = texts.iter().copied().collect();
    assert!(unique.len() as f64 > 0.95 * texts.len() as f64);
    // Distinct-2 over batches the size an evaluation samples.
    for batch in texts.chunks(100).take(5) {
        let mut bigrams = BTreeSet::new();
        let mut total = 0;
        for t in batch {
            let words: Vec<&str> = t.split_whitespace().collect();
            for w in words.windows(2) {
                bigrams.insert((w[0], w[1]));
                total += 1;
            }
        }
        let d2 = bigrams.len() as f64 / total as f64;
        eprintln!("distinct-2 over 100 copies: {d2:.2}");
        assert!(d2 >= 0.4);
    }
}
