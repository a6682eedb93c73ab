//! Tests of the family of shops: determinism, sizes and shapes, structural
//! differences, fact safety of every text, hidden tastes, and the judge and
//! ceiling figures of every shop (printed, and held to sane ranges).

use super::*;
use crate::demo::judge::evaluator;
use crate::demo::{Shop, shop_names};
use crate::domain::{Product, User};
use crate::text::FactChecker;
use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::hash::{DefaultHasher, Hash, Hasher};
use std::sync::OnceLock;

mod judge;

/// Keeps every call.
#[derive(Default)]
struct Collect {
    products: Vec<Product>,
    users: Vec<(User, String)>,
    events: Vec<Event>,
}

impl ShopSink for Collect {
    type Error = std::convert::Infallible;
    fn product(&mut self, p: &Product) -> Result<(), Self::Error> {
        self.products.push(p.clone());
        Ok(())
    }
    fn user(&mut self, u: &User, taste: &str) -> Result<(), Self::Error> {
        self.users.push((u.clone(), taste.to_string()));
        Ok(())
    }
    fn event(&mut self, e: &Event) -> Result<(), Self::Error> {
        self.events.push(e.clone());
        Ok(())
    }
}

/// Hashes every call.
#[derive(Default)]
struct HashSink(DefaultHasher);

impl ShopSink for HashSink {
    type Error = serde_json::Error;
    fn product(&mut self, p: &Product) -> Result<(), Self::Error> {
        ("p", serde_json::to_string(p)?).hash(&mut self.0);
        Ok(())
    }
    fn user(&mut self, u: &User, taste: &str) -> Result<(), Self::Error> {
        ("u", serde_json::to_string(u)?, taste).hash(&mut self.0);
        Ok(())
    }
    fn event(&mut self, e: &Event) -> Result<(), Self::Error> {
        ("e", serde_json::to_string(e)?).hash(&mut self.0);
        Ok(())
    }
}

fn shop(name: &str) -> Shop {
    Shop::named(name).expect("a shop of shop_names")
}

/// Each shop at the default size, generated once for all tests.
fn default_shop(name: &str) -> &'static (Collect, DemoSummary) {
    static SHOPS: OnceLock<BTreeMap<&'static str, (Collect, DemoSummary)>> = OnceLock::new();
    let shops = SHOPS.get_or_init(|| {
        shop_names()
            .iter()
            .map(|&n| {
                let mut sink = Collect::default();
                let Ok(summary) = shop(n).generate(&DemoOptions::default(), &mut sink);
                (n, (sink, summary))
            })
            .collect()
    });
    &shops[name]
}

fn run_hash(name: &str, seed: u64, users: usize) -> u64 {
    let mut sink = HashSink::default();
    shop(name)
        .generate(&DemoOptions { seed, users }, &mut sink)
        .expect("serialising");
    sink.0.finish()
}

fn family() -> impl Iterator<Item = &'static spec::Spec> {
    SPECS.iter().copied()
}

fn index(shop: &Collect) -> HashMap<String, Product> {
    shop.products
        .iter()
        .map(|p| (p.product_id.clone(), p.clone()))
        .collect()
}

fn truth(shop: &Collect) -> HashMap<&str, &str> {
    shop.users
        .iter()
        .map(|(u, t)| (u.user_id.as_str(), t.as_str()))
        .collect()
}

/// Every text of a shop with the product it is about: copy, then reviews.
fn texts(shop: &Collect) -> impl Iterator<Item = (&Event, &str)> {
    shop.events
        .iter()
        .filter_map(|e| e.text.as_deref().map(|t| (e, t)))
}

#[test]
fn shop_names_are_the_default_and_the_family() {
    assert_eq!(shop_names()[0], "default");
    let family: Vec<&str> = family().map(|s| s.name).collect();
    assert_eq!(&shop_names()[1..], &family[..]);
    assert!(family.len() >= 4);
    for name in shop_names() {
        assert_eq!(shop(name).name(), *name);
        assert!(evaluator(name).is_some(), "{name} has no evaluator");
    }
    assert!(Shop::named("nope").is_none() && evaluator("nope").is_none());
}

#[test]
fn each_shop_is_deterministic_for_a_seed() {
    for s in family() {
        assert_eq!(
            run_hash(s.name, 7, 150),
            run_hash(s.name, 7, 150),
            "{}",
            s.name
        );
        assert_ne!(
            run_hash(s.name, 7, 150),
            run_hash(s.name, 8, 150),
            "{}",
            s.name
        );
    }
}

#[test]
fn the_default_shop_by_name_is_the_default_demo() {
    // The same calls as `generate`, its tastes by name.
    struct Named(DefaultHasher);
    impl crate::demo::DemoSink for Named {
        type Error = serde_json::Error;
        fn product(&mut self, p: &Product) -> Result<(), Self::Error> {
            ("p", serde_json::to_string(p)?).hash(&mut self.0);
            Ok(())
        }
        fn user(&mut self, u: &User, t: crate::demo::Taste) -> Result<(), Self::Error> {
            ("u", serde_json::to_string(u)?, t.as_str()).hash(&mut self.0);
            Ok(())
        }
        fn event(&mut self, e: &Event) -> Result<(), Self::Error> {
            ("e", serde_json::to_string(e)?).hash(&mut self.0);
            Ok(())
        }
    }
    let mut direct = Named(DefaultHasher::new());
    let opts = DemoOptions {
        seed: 5,
        users: 120,
    };
    crate::demo::generate(&opts, &mut direct).expect("serialising");
    assert_eq!(run_hash("default", 5, 120), direct.0.finish());
}

#[test]
fn shoppers_do_not_depend_on_how_many_are_generated() {
    for s in family() {
        let (mut small, mut large) = (Collect::default(), Collect::default());
        let Ok(_) = generate(s, &DemoOptions { seed: 3, users: 30 }, &mut small);
        let Ok(_) = generate(s, &DemoOptions { seed: 3, users: 60 }, &mut large);
        assert_eq!(small.products, large.products);
        assert_eq!(small.users[..], large.users[..30]);
        assert_eq!(small.events[..], large.events[..small.events.len()]);
    }
}

#[test]
fn each_shop_has_the_size_of_the_default_demo() {
    for s in family() {
        let (shop, summary) = default_shop(s.name);
        let categories: BTreeSet<&str> =
            shop.products.iter().map(|p| p.category.as_str()).collect();
        let copies = shop
            .events
            .iter()
            .filter(|e| e.kind == EventKind::Purchase && e.text.is_some())
            .count() as u64;
        eprintln!(
            "{}: products {} categories {} users {} events {} copies {}",
            s.name,
            shop.products.len(),
            categories.len(),
            shop.users.len(),
            shop.events.len(),
            copies
        );
        assert_eq!(shop.users.len(), 2000);
        assert!((250..=500).contains(&shop.products.len()), "{}", s.name);
        assert!(categories.len() >= 5, "{}", s.name);
        assert!((3..=5).contains(&s.tastes.len()), "{}", s.name);
        let least = if s.history == spec::History::Short {
            4_000
        } else {
            30_000
        };
        assert!(
            shop.events.len() >= least,
            "{}: {}",
            s.name,
            shop.events.len()
        );
        assert_eq!(summary.products, shop.products.len() as u64);
        assert_eq!(summary.events, shop.events.len() as u64);
        assert_eq!(summary.purchases_with_copy, copies);
    }
}

#[test]
fn events_are_unique_ordered_and_within_the_window() {
    for s in family() {
        let (shop, _) = default_shop(s.name);
        let products = index(shop);
        let mut keys = BTreeSet::new();
        let mut last: BTreeMap<&str, i64> = BTreeMap::new();
        for e in &shop.events {
            assert!(products.contains_key(&e.product_id));
            assert!(keys.insert((&e.user_id, &e.product_id, e.kind, e.ts)));
            assert!(last.insert(&e.user_id, e.ts).is_none_or(|p| p < e.ts));
            assert!((crate::demo::WINDOW_START..crate::demo::WINDOW_END).contains(&e.ts));
            match e.kind {
                EventKind::View | EventKind::Cart => {
                    assert!(e.text.is_none() && e.rating.is_none())
                }
                EventKind::Purchase => assert!(e.rating.is_none()),
                EventKind::Review => {
                    assert!(e.rating.is_some_and(|r| (1..=5).contains(&r)));
                    assert!(e.text.as_deref().is_some_and(|t| !t.is_empty()));
                }
            }
        }
    }
}

#[test]
fn beauty_has_no_copy_log_and_books_have_short_histories() {
    let (beauty, summary) = default_shop("beauty");
    assert_eq!(summary.purchases_with_copy, 0);
    assert!(
        beauty
            .events
            .iter()
            .all(|e| e.kind != EventKind::Purchase || e.text.is_none())
    );
    let count = |k| beauty.events.iter().filter(|e| e.kind == k).count();
    let (reviews, purchases) = (count(EventKind::Review), count(EventKind::Purchase));
    assert!(
        reviews > 8_000 && reviews as f64 > 0.7 * purchases as f64,
        "reviews are beauty's main text: {reviews} of {purchases} purchases"
    );

    let (books, _) = default_shop("books");
    let mut per_user: BTreeMap<&str, usize> = BTreeMap::new();
    for e in &books.events {
        *per_user.entry(&e.user_id).or_default() += 1;
    }
    assert_eq!(
        per_user.len(),
        books.users.len(),
        "every shopper has events"
    );
    let counts: BTreeSet<usize> = per_user.values().copied().collect();
    assert_eq!(counts, BTreeSet::from([2, 3, 4]));
    // The other shops' histories are long.
    for s in ["kitchen", "garden", "beauty"] {
        let (shop, _) = default_shop(s);
        let mean = shop.events.len() as f64 / shop.users.len() as f64;
        assert!(mean > 15.0, "{s}: {mean}");
    }
}

#[test]
fn shops_are_structurally_different() {
    let keys = |name: &str| -> BTreeSet<String> {
        default_shop(name)
            .0
            .products
            .iter()
            .flat_map(|p| p.attributes.keys().cloned())
            .collect()
    };
    let categories = |name: &str| -> BTreeSet<String> {
        default_shop(name)
            .0
            .products
            .iter()
            .map(|p| p.category.clone())
            .collect()
    };
    let names: Vec<&str> = shop_names().to_vec();
    for (i, a) in names.iter().enumerate() {
        for b in &names[i + 1..] {
            assert!(
                categories(a).is_disjoint(&categories(b)),
                "{a} and {b} share categories"
            );
            assert_ne!(keys(a), keys(b), "{a} and {b} have the same attribute keys");
        }
    }
    // Channels: which kinds of evidence draw each shop's tastes.
    let channel = |s: &spec::Spec| -> BTreeSet<&str> {
        s.tastes
            .iter()
            .flat_map(|t| t.likes)
            .map(|l| match l {
                spec::Like::Flag(_) | spec::Like::AtLeast(..) | spec::Like::AtMost(..) => {
                    "attributes"
                }
                spec::Like::Band(_) => "price band",
                spec::Like::Category(_) => "category",
            })
            .collect()
    };
    let by_name = |n: &str| super::spec(n).expect("a family shop");
    assert!(channel(by_name("kitchen")).contains("attributes"));
    assert_eq!(channel(by_name("garden")), BTreeSet::from(["price band"]));
    assert!(channel(by_name("beauty")).contains("attributes"));
    assert!(
        channel(by_name("books")).is_empty(),
        "books' tastes show only in words"
    );
}

#[test]
fn products_are_well_formed() {
    for s in family() {
        let (shop, _) = default_shop(s.name);
        let nouns: Vec<&str> = s
            .categories
            .iter()
            .flat_map(|c| c.nouns)
            .map(|n| n.name)
            .collect();
        let titles: BTreeSet<&str> = shop.products.iter().map(|p| p.title.as_str()).collect();
        assert_eq!(
            titles.len(),
            shop.products.len(),
            "{}: titles are unique",
            s.name
        );
        let mut brands: BTreeMap<&str, BTreeSet<&str>> = BTreeMap::new();
        for (i, p) in shop.products.iter().enumerate() {
            assert_eq!(p.product_id, format!("p{:05}", i + 1));
            // The title's last words name the kind of product.
            assert!(nouns.iter().any(|n| p.title.ends_with(n)), "{}", p.title);
            let price = p.price.expect("price");
            assert!(price > 0.0 && ((price * 100.0).round() - price * 100.0).abs() < 1e-6);
            let d = p.description.as_deref().expect("description");
            let sentences = d.matches(". ").count() + 1;
            assert!(sentences >= 4 && d.ends_with('.'), "{d}");
            let a = &p.attributes;
            assert!(
                a.get("feature").is_some_and(|v| v.is_string()),
                "{}",
                p.title
            );
            assert!(a.values().any(|v| v.is_boolean()) || a.values().any(|v| v.is_number()));
            brands
                .entry(&p.category)
                .or_default()
                .insert(p.brand.as_deref().expect("brand"));
        }
        assert!(
            brands.values().all(|b| b.len() >= 3),
            "{}: several brands per category",
            s.name
        );
        // Across the catalog: strings, flags and numbers all occur.
        let all = || shop.products.iter().flat_map(|p| p.attributes.values());
        assert!(all().any(|v| v.is_boolean()) && all().any(|v| v.is_number()));
        assert!(
            shop.products
                .iter()
                .any(|p| p.attributes.contains_key(s.material_key))
        );
    }
}

#[test]
fn users_hide_their_taste() {
    for s in family() {
        let (shop, _) = default_shop(s.name);
        for (i, (u, taste)) in shop.users.iter().enumerate() {
            assert_eq!(u.user_id, format!("u{:07}", i + 1));
            assert!(s.tastes.iter().any(|t| t.name == taste));
            let text = format!(
                "{} {}",
                serde_json::to_string(&u.attributes).expect("json"),
                u.display_name.as_deref().unwrap_or("")
            )
            .to_lowercase();
            assert!(!text.contains("taste"));
            for t in s.tastes {
                assert!(!text.contains(t.name), "{text} reveals {}", t.name);
            }
        }
        let tastes: BTreeSet<&str> = shop.users.iter().map(|(_, t)| t.as_str()).collect();
        assert_eq!(
            tastes.len(),
            s.tastes.len(),
            "{}: every taste occurs",
            s.name
        );
    }
}

/// Numbers written in `text` (digit runs).
fn numbers(text: &str) -> Vec<&str> {
    text.split(|c: char| !c.is_ascii_digit())
        .filter(|s| !s.is_empty())
        .collect()
}

#[test]
fn texts_state_only_the_products_own_facts() {
    for s in family() {
        let (shop, _) = default_shop(s.name);
        let products = index(shop);
        let checker = FactChecker::new(shop.products.iter());
        let described = shop
            .products
            .iter()
            .map(|p| (p, p.description.as_deref().expect("description")));
        let written = texts(shop).map(|(e, t)| (&products[&e.product_id], t));
        for (p, text) in described.chain(written) {
            assert!(
                !checker.contradicts(text, p),
                "{}: {text:?} names another product's fact",
                s.name
            );
            assert!(!text.contains('{') && !text.contains('['), "{text:?}");
            // A claim only where its flag is true.
            for f in s.flags {
                let claimed = f
                    .marks
                    .iter()
                    .any(|m| crate::demo::catalog::mentions(text, m));
                let holds = p.attributes.get(f.key) == Some(&serde_json::Value::Bool(true));
                assert!(
                    !claimed || holds,
                    "{}: {text:?} claims {} of {}",
                    s.name,
                    f.key,
                    p.title
                );
            }
            // Every number is the product's own: its price or a spec.
            let own: String = format!(
                "{} {}",
                crate::demo::format_price(p.price.expect("price")),
                serde_json::to_string(&p.attributes).expect("json")
            );
            let own = numbers(&own);
            for n in numbers(text) {
                assert!(
                    own.contains(&n),
                    "{}: {text:?} states {n}, not a number of {}",
                    s.name,
                    p.title
                );
            }
        }
    }
}

#[test]
fn copy_calls_the_product_by_its_kind_and_stays_short() {
    for s in family().filter(|s| s.copy_log) {
        let (shop, _) = default_shop(s.name);
        let products = index(shop);
        let kinds: Vec<&str> = s
            .categories
            .iter()
            .flat_map(|c| c.nouns)
            .map(|n| n.name)
            .collect();
        let mut words = Vec::new();
        let mut hooks = 0;
        for (e, text) in texts(shop).filter(|(e, _)| e.kind == EventKind::Purchase) {
            let p = &products[&e.product_id];
            let kind = kinds
                .iter()
                .filter(|k| p.title.ends_with(*k))
                .max_by_key(|k| k.len())
                .expect("a kind");
            assert!(
                text.to_lowercase().contains(&kind.to_lowercase()),
                "{}: {text:?} never names its {kind}",
                s.name
            );
            hooks += usize::from(text.contains(" you bought") || text.contains(" you ordered"));
            words.push(text.split_whitespace().count());
        }
        let mean = words.iter().sum::<usize>() as f64 / words.len() as f64;
        let long = words.iter().filter(|&&w| w > 36).count();
        let unique: BTreeSet<&str> = texts(shop).map(|(_, t)| t).collect();
        eprintln!(
            "{}: copy words mean {mean:.1}, hooks {hooks}, unique texts {}",
            s.name,
            unique.len()
        );
        assert!(
            (10.0..=30.0).contains(&mean) && long == 0,
            "{}: {mean}",
            s.name
        );
        if s.history == spec::History::Normal {
            assert!(
                hooks > 500,
                "{}: copy names recent purchases ({hooks})",
                s.name
            );
        }
    }
}

#[test]
fn copy_is_varied() {
    for s in family().filter(|s| s.copy_log) {
        let (shop, _) = default_shop(s.name);
        let copies: Vec<&str> = texts(shop)
            .filter(|(e, _)| e.kind == EventKind::Purchase)
            .map(|(_, t)| t)
            .collect();
        let unique: BTreeSet<&str> = copies.iter().copied().collect();
        let share = unique.len() as f64 / copies.len() as f64;
        eprintln!("{}: unique copy {share:.3}", s.name);
        assert!(share > 0.9, "{}: {share}", s.name);
    }
}

#[test]
fn no_fixed_text_names_a_fact_or_makes_a_claim() {
    for s in family() {
        let terms = fact_terms(s);
        let mut fixed: Vec<&str> = shared_templates();
        let x = &s.texts;
        for t in [
            x.what,
            x.made,
            x.feature,
            x.copy_made,
            x.predicates,
            x.lines,
            x.good,
            x.bad,
            s.lines,
        ] {
            fixed.extend(t.iter().copied());
        }
        for t in s.tastes {
            for l in [t.words, t.predicates, t.lines, t.good, t.bad] {
                fixed.extend(l.iter().copied());
            }
        }
        for c in s.categories {
            fixed.extend(c.suits.iter().copied());
            for n in c.nouns {
                fixed.push(n.name);
                fixed.extend(n.features.iter().copied());
            }
        }
        for n in s.numbers {
            fixed.extend(n.lines.iter().copied());
        }
        for text in &fixed {
            for term in &terms {
                assert!(
                    !crate::demo::catalog::mentions(text, term),
                    "{}: {text:?} names {term:?}",
                    s.name
                );
            }
            for f in s.flags {
                for m in f.marks {
                    assert!(
                        !crate::demo::catalog::mentions(text, m),
                        "{}: {text:?} claims {}",
                        s.name,
                        f.key
                    );
                }
            }
        }
        // Each fact string is one entry: no brand is also a colour or a material.
        let lower: BTreeSet<String> = terms.iter().map(|t| t.to_lowercase()).collect();
        let distinct: BTreeSet<&str> = terms.iter().copied().collect();
        assert_eq!(lower.len(), distinct.len(), "{}", s.name);
    }
}
