//! Tests of the faithfulness checks: each check on hand-written candidates
//! about a small hand-made catalog (caught and not caught), and the demo
//! shop's own copy, which must pass.

use super::*;
use crate::demo::{DemoOptions, generate};
use crate::domain::Attributes;
use crate::text::tests::Shop;
use std::collections::BTreeMap;

/// Each text of `shop` (catalog descriptions, then every event's text
/// against the shopper's history before it) checked by the lexicon learnt
/// from the same shop: how many were checked, and those with findings.
fn own_texts_checked(shop: &Shop) -> (usize, Vec<(String, String, Findings)>) {
    let by_id: HashMap<&str, &Product> = shop
        .products
        .iter()
        .map(|p| (p.product_id.as_str(), p))
        .collect();
    let texts: Vec<(&str, &str)> = shop
        .users
        .iter()
        .flatten()
        .filter_map(|e| Some((e.product_id.as_str(), e.text.as_deref()?)))
        .collect();
    let lexicon = Lexicon::build(&shop.products, texts.iter().copied());
    let mut checked = 0;
    let mut failed: Vec<(String, String, Findings)> = Vec::new();
    for p in &shop.products {
        let Some(d) = &p.description else { continue };
        checked += 1;
        let f = lexicon.check(d, p, &[], false);
        if !f.is_faithful() {
            failed.push((p.title.clone(), d.clone(), f));
        }
    }
    for events in &shop.users {
        let history: Vec<HistoryItem> = events
            .iter()
            .map(|e| {
                item(
                    by_id[e.product_id.as_str()],
                    e.kind,
                    e.ts,
                    e.text.as_deref(),
                )
            })
            .collect();
        for e in events {
            let Some(text) = &e.text else { continue };
            let before: Vec<HistoryItem> =
                history.iter().filter(|h| h.ts < e.ts).cloned().collect();
            checked += 1;
            let f = lexicon.check(text, by_id[e.product_id.as_str()], &before, false);
            if !f.is_faithful() {
                failed.push((by_id[e.product_id.as_str()].title.clone(), text.clone(), f));
            }
        }
    }
    (checked, failed)
}

/// A lexicon learnt from a shop of the family passes that shop's own
/// descriptions, copy and reviews: the checks hold on catalogs and voices
/// they were not written against, without refusing what the shop writes.
#[test]
fn every_family_shops_own_texts_pass() {
    for name in crate::demo::shop_names()
        .iter()
        .filter(|n| **n != "default")
    {
        let mut shop = Shop::default();
        let Some(which) = crate::demo::Shop::named(name) else {
            panic!("{name} is a shop")
        };
        let Ok(_) = which.generate(
            &DemoOptions {
                seed: 11,
                users: 200,
            },
            &mut shop,
        );
        let (checked, failed) = own_texts_checked(&shop);
        for (title, text, f) in failed.iter().take(12) {
            println!("{name}: {title}: {text}\n  {f:?}");
        }
        assert!(checked > 200, "{name}: {checked} texts");
        assert!(
            failed.len() * 50 <= checked,
            "{name}: {} of {checked} of the shop's own texts have findings",
            failed.len()
        );
    }
}

fn item(p: &Product, kind: EventKind, ts: i64, text: Option<&str>) -> HistoryItem {
    HistoryItem {
        product_id: p.product_id.clone(),
        title: p.title.clone(),
        category: p.category.clone(),
        price: p.price,
        material: p
            .attributes
            .get("material")
            .and_then(Value::as_str)
            .map(str::to_string),
        kind,
        ts,
        rating: None,
        text: text.map(str::to_string),
    }
}

/// A hand-made catalog: two categories, kinds that share words, an `eco`
/// flag, features, and a generic word ("top") that is also a title's end.
fn catalog() -> Vec<Product> {
    let p = |id: &str,
             title: &str,
             category: &str,
             brand: &str,
             price: f64,
             eco: bool,
             feature: &str| {
        let mut attributes = Attributes::new();
        attributes.insert("eco".into(), Value::Bool(eco));
        attributes.insert("feature".into(), Value::from(feature));
        attributes.insert(
            "material".into(),
            Value::from(if eco { "recycled steel" } else { "steel" }),
        );
        Product {
            product_id: id.into(),
            title: title.into(),
            category: category.into(),
            brand: Some(brand.into()),
            price: Some(price),
            description: Some(format!("The {title} by {brand}. Key feature: {feature}.")),
            attributes,
        }
    };
    vec![
        p(
            "k1",
            "Alpha French Press",
            "Kitchen",
            "Acme",
            49.99,
            true,
            "double-wall insulation",
        ),
        p(
            "k2",
            "Beta French Press",
            "Kitchen",
            "Zenith",
            29.99,
            false,
            "glass carafe",
        ),
        p(
            "k3",
            "Gamma Frying Pan",
            "Kitchen",
            "Acme",
            39.99,
            true,
            "induction ready",
        ),
        p(
            "k4",
            "Delta Frying Pan",
            "Kitchen",
            "Zenith",
            19.99,
            false,
            "pfas-free coating",
        ),
        p(
            "o1",
            "Alpha Rain Jacket",
            "Outdoor",
            "Acme",
            99.0,
            true,
            "taped seams",
        ),
        p(
            "o2",
            "Beta Rain Jacket",
            "Outdoor",
            "Zenith",
            79.0,
            false,
            "packable hood",
        ),
        p(
            "o3",
            "Gamma Trail Watch",
            "Outdoor",
            "Acme",
            149.0,
            false,
            "20-hour battery",
        ),
        p(
            "o4",
            "Delta Trail Watch",
            "Outdoor",
            "Zenith",
            129.0,
            true,
            "school mode",
        ),
        p(
            "o5",
            "Epsilon Tank Top",
            "Outdoor",
            "Acme",
            25.0,
            false,
            "racerback cut",
        ),
    ]
}

/// The shop's texts: each product's kind and feature in its own copy, eco
/// words only about eco products, "top" as a generic word about all of
/// them, and hooks that name other products by their title's end.
fn shop_texts(products: &[Product]) -> Vec<(String, String)> {
    let mut texts = Vec::new();
    for (i, p) in products.iter().enumerate() {
        let kind = p
            .title
            .split(' ')
            .skip(1)
            .collect::<Vec<_>>()
            .join(" ")
            .to_lowercase();
        let feature = p.attributes["feature"].as_str().unwrap_or_default();
        let other = &products[(i + 1) % products.len()];
        let other_name = other.title.split(' ').skip(1).collect::<Vec<_>>().join(" ");
        for round in 0..12 {
            let voice = if p.attributes["eco"] == Value::Bool(true) {
                "A low-carbon choice, made with care."
            } else {
                "Built well, made with care."
            };
            let text = match round % 3 {
                0 => format!("Meet our {kind}. {voice} A top pick."),
                1 => format!("This {kind} has {feature}. {voice}"),
                _ => {
                    format!("{voice} It pairs well with the {other_name} you bought. A top choice.")
                }
            };
            texts.push((p.product_id.clone(), text));
        }
    }
    texts
}

fn lexicon(products: &[Product]) -> Lexicon {
    let texts = shop_texts(products);
    Lexicon::build(
        products,
        texts.iter().map(|(p, t)| (p.as_str(), t.as_str())),
    )
}

fn find_product<'a>(products: &'a [Product], id: &str) -> &'a Product {
    products
        .iter()
        .find(|p| p.product_id == id)
        .expect("a product of the catalog")
}

#[test]
fn type_errors_catch_another_kind_of_product_only() {
    let products = catalog();
    let lex = lexicon(&products);
    let press = find_product(&products, "k1");
    let f = lex.check("This frying pan brews a fine cup.", press, &[], false);
    assert_eq!(
        f.type_error.as_deref(),
        Some(r#"names "frying pan", a kind of Kitchen; this is a French Press"#)
    );
    let f = lex.check("Two tank tops for the price of one.", press, &[], false);
    assert!(
        f.type_error.unwrap_or_default().contains("tank tops"),
        "a plural is the same kind"
    );
    // Its own kind, any case; a word used about every product is no kind.
    for fine in [
        "This French press brews a fine cup.",
        "A top pick for mornings.",
    ] {
        assert_eq!(
            lex.check(fine, press, &[], false).type_error,
            None,
            "{fine}"
        );
    }
    // A kind the shopper bought may be named.
    let pan = find_product(&products, "k3");
    let history = [item(pan, EventKind::Purchase, 1, None)];
    let f = lex.check(
        "It suits the frying pan you bought.",
        press,
        &history,
        false,
    );
    assert_eq!(f.type_error, None);
    // But not to say what this product is.
    let f = lex.check("This French Press is a frying pan.", press, &history, false);
    assert!(f.type_error.is_some(), "{f:?}");
    // Nor brought in with "a", or with this product's brand: both say
    // what this product is.
    for about_this in [
        "A frying pan for slow mornings.",
        "Made by Acme, the frying pan lasts.",
    ] {
        let f = lex.check(about_this, press, &history, false);
        assert!(f.type_error.is_some(), "{about_this}: {f:?}");
    }
}

#[test]
fn claim_errors_catch_a_claim_the_catalog_denies() {
    let products = catalog();
    let lex = lexicon(&products);
    let not_eco = find_product(&products, "k2");
    let f = lex.check("A low-carbon way to brew.", not_eco, &[], false);
    assert_eq!(
        f.claim_error.as_deref(),
        Some(r#"claims "low-carbon", said of products with eco: true; this one has eco: false"#)
    );
    let eco = find_product(&products, "k1");
    assert_eq!(
        lex.check("A low-carbon way to brew.", eco, &[], false)
            .claim_error,
        None
    );
    // Words both kinds of product share are no claim.
    assert_eq!(
        lex.check("Made with care.", not_eco, &[], false)
            .claim_error,
        None
    );
}

#[test]
fn feature_errors_catch_another_products_feature_and_foreign_numbers() {
    let products = catalog();
    let lex = lexicon(&products);
    let school = find_product(&products, "o4");
    let f = lex.check("Now with a 20-hour battery.", school, &[], false);
    assert!(
        f.feature_error
            .unwrap_or_default()
            .contains(r#""20-hour battery""#),
        "the watch with school mode has no 20-hour battery"
    );
    let f = lex.check("It keeps going for 30 days.", school, &[], false);
    assert_eq!(
        f.feature_error.as_deref(),
        Some("states 30, a number that is not in this product's facts")
    );
    let battery = find_product(&products, "o3");
    for fine in [
        "Now with a 20-hour battery.",
        "Only $149.00.",
        "Made with care.",
    ] {
        assert_eq!(
            lex.check(fine, battery, &[], false).feature_error,
            None,
            "{fine}"
        );
    }
    assert_eq!(
        lex.check("It has school mode.", school, &[], false)
            .feature_error,
        None
    );
}

#[test]
fn history_errors_catch_untouched_products_and_views_called_purchases() {
    let products = catalog();
    let lex = lexicon(&products);
    let press = find_product(&products, "k1");
    let jacket = find_product(&products, "o2");
    let claim = "It pairs well with the Rain Jacket you bought.";
    assert_eq!(
        lex.check(claim, press, &[], false).history_error.as_deref(),
        Some(r#"names "Rain Jacket", which this shopper never touched"#)
    );
    let viewed = [item(jacket, EventKind::View, 1, None)];
    assert_eq!(
        lex.check(claim, press, &viewed, false)
            .history_error
            .as_deref(),
        Some(r#"calls "Rain Jacket" a purchase; this shopper only viewed it"#)
    );
    let bought = [
        item(jacket, EventKind::View, 1, None),
        item(jacket, EventKind::Purchase, 2, None),
    ];
    assert_eq!(lex.check(claim, press, &bought, false).history_error, None);
    // A view named as a view, and the product's own name, are fine.
    let seen = "Like the Rain Jacket you looked at, it is light.";
    assert_eq!(lex.check(seen, press, &viewed, false).history_error, None);
    let own = "The Alpha French Press you will love.";
    assert_eq!(lex.check(own, press, &[], false).history_error, None);
}

#[test]
fn fact_errors_and_truncation_are_findings_too() {
    let products = catalog();
    let lex = lexicon(&products);
    let press = find_product(&products, "k1");
    let f = lex.check("By Zenith, a fine press.", press, &[], false);
    assert!(f.fact_error.is_some() && !f.is_faithful());
    let f = lex.check("By Acme, a fine press.", press, &[], false);
    assert_eq!(f.fact_error, None, "{f:?}");
    let f = lex.check("By Acme, a fine pr", press, &[], true);
    assert!(f.truncated && !f.is_faithful());
}

#[test]
fn garbled_catches_words_no_text_of_the_shop_has() {
    let products = catalog();
    let lex = lexicon(&products);
    let press = find_product(&products, "k1");
    let f = lex.check(
        "Acme's French Press, made with peoplver.",
        press,
        &[],
        false,
    );
    assert_eq!(
        f.garbled.as_deref(),
        Some(r#""peoplver" is a word no text or product of this shop uses"#)
    );
    assert!(!f.is_faithful());
    // A colon with nothing after it is a hole where a value should be.
    let f = lex.check(
        "Acme's French Press. Made with:. Made with care.",
        press,
        &[],
        false,
    );
    assert_eq!(
        f.garbled.as_deref(),
        Some(r#"leaves a clause empty: "Made with:""#)
    );
    // The catalog's words, a possessive of one, and numbers are words.
    let f = lex.check("Acme's French Press: 2, made with care.", press, &[], false);
    assert_eq!(f.garbled, None, "{f:?}");
}

#[test]
fn garbled_catches_words_where_the_shop_always_puts_a_number() {
    let products = catalog();
    let mut texts = shop_texts(&products);
    for p in &products {
        for size in [250, 500, 750] {
            texts.push((
                p.product_id.clone(),
                format!("Size: {size} ml. Pour with care. A pocket size press."),
            ));
        }
    }
    let lex = Lexicon::build(
        &products,
        texts.iter().map(|(p, t)| (p.as_str(), t.as_str())),
    );
    let press = find_product(&products, "k1");
    let f = lex.check(
        "Acme's French Press. Size: french press with care.",
        press,
        &[],
        false,
    );
    assert_eq!(
        f.garbled.as_deref(),
        Some(r#""Size" comes before a number in this shop's texts, but not here"#)
    );
    let f = lex.check("Acme's French Press. Size: 500 ml.", press, &[], false);
    assert_eq!(f.garbled, None, "{f:?}");
    // A word the shop also uses before words ("with") is no number's place.
    let f = lex.check("Acme's French Press. Pour with care.", press, &[], false);
    assert_eq!(f.garbled, None, "{f:?}");
}

#[test]
fn review_voice_catches_copy_that_speaks_as_a_reviewer() {
    let products = catalog();
    let mut lex = lexicon(&products);
    let copy: Vec<String> = shop_texts(&products).into_iter().map(|(_, t)| t).collect();
    let mut reviews: Vec<String> = Vec::new();
    for (i, p) in products.iter().enumerate() {
        // Verdicts, the product's name in one; a sentence copy uses too;
        // and one that only four reviews use.
        reviews.push(format!(
            "Highly recommend! Expected more from this {}.",
            p.title
        ));
        reviews.push("Built well, made with care. Loved it. A top choice, made with care.".into());
        if i < 4 {
            reviews.push("Arrived on a rainy day.".into());
        }
    }
    lex.learn_review_voice(
        &products,
        copy.iter().map(String::as_str),
        reviews.iter().map(String::as_str),
    );
    let press = find_product(&products, "k1");
    let check = |text: &str| lex.check(text, press, &[], false);
    let f = check("Meet our french press. Highly recommend.");
    assert_eq!(
        f.review_voice.as_deref(),
        Some(r#"speaks as a reviewer: "Highly recommend""#)
    );
    assert!(!f.is_faithful());
    // Another product's name in the same verdict is the same sentence.
    let f = check("Expected more from this Delta Trail Watch. Made with care.");
    assert!(f.review_voice.is_some(), "{f:?}");
    // Or the start of a longer sentence.
    let f = check("Expected more from this Delta Trail Watch from day one.");
    assert!(f.review_voice.is_some(), "{f:?}");
    // A verdict is one whether it is a sentence or a clause of one.
    let f = check("Meet our french press: built well, highly recommend!");
    assert_eq!(
        f.review_voice.as_deref(),
        Some(r#"speaks as a reviewer: "highly recommend""#)
    );
    // Sentences copy uses, sentences of nothing but copy's words, sentences
    // too rare to be a voice, and copy alone are not a reviewer's.
    for text in [
        "Meet our french press. Built well, made with care.",
        "Meet our french press. A top choice, made with care.",
        "Meet our french press. Arrived on a rainy day.",
        "Meet our french press. A top pick.",
    ] {
        assert_eq!(check(text).review_voice, None, "{text}");
    }
    // A shop without reviews has no review voice.
    let mut quiet = lexicon(&products);
    quiet.learn_review_voice(
        &products,
        copy.iter().map(String::as_str),
        std::iter::empty(),
    );
    assert_eq!(
        quiet
            .check(
                "Meet our french press. Highly recommend.",
                press,
                &[],
                false
            )
            .review_voice,
        None
    );
}

#[test]
fn feature_errors_catch_a_price_where_the_shop_puts_another_number() {
    let products = catalog();
    let mut texts = shop_texts(&products);
    for p in &products {
        for _ in 0..3 {
            let price = p.price.unwrap_or_default();
            texts.push((
                p.product_id.clone(),
                format!("It holds 750 ml. Yours for ${price:.2}."),
            ));
            texts.push((
                p.product_id.clone(),
                "You get 4 pieces, it holds 2 litres.".into(),
            ));
        }
    }
    let lex = Lexicon::build(
        &products,
        texts.iter().map(|(p, t)| (p.as_str(), t.as_str())),
    );
    let press = find_product(&products, "k1");
    let price = press.price.unwrap_or_default();
    let f = lex.check(
        &format!("Meet our french press. It holds ${price:.2}."),
        press,
        &[],
        false,
    );
    assert_eq!(
        f.feature_error,
        Some(format!(
            "puts the price {price:.2} after \"holds\", where this shop's copy puts other numbers, never a price"
        ))
    );
    // Where the shop's copy puts prices, and a price in a clause of its own.
    for text in [
        format!("Meet our french press. Yours for ${price:.2}."),
        format!("Meet our french press. It holds: ${price:.2}, a top pick."),
    ] {
        assert_eq!(
            lex.check(&text, press, &[], false).feature_error,
            None,
            "{text}"
        );
    }
}

#[test]
fn avoid_lists_words_a_candidate_could_not_use() {
    let products = catalog();
    let lex = lexicon(&products);
    let not_eco = find_product(&products, "k2");
    let eco = find_product(&products, "k1");
    let avoided = lex.avoid(not_eco, &[]);
    assert!(avoided.contains(&"low-carbon".to_string()), "{avoided:?}");
    assert!(!lex.avoid(eco, &[]).contains(&"low-carbon".to_string()));
    // Each is a finding when written about the product.
    for w in avoided {
        let f = lex.check(&format!("Made with care, {w}."), not_eco, &[], false);
        assert!(
            f.claim_error.is_some() || f.type_error.is_some() || f.feature_error.is_some(),
            "{w}: {f:?}"
        );
    }
}

#[test]
fn a_lexicon_round_trips_through_json() {
    let products = catalog();
    let lex = lexicon(&products);
    let json = serde_json::to_string(&lex).expect("serialising");
    let back: Lexicon = serde_json::from_str(&json).expect("deserialising");
    let press = find_product(&products, "k1");
    for text in [
        "By Zenith, a fine press.",
        "This frying pan brews.",
        "Now with a 20-hour battery.",
        "It pairs well with the Rain Jacket you bought.",
    ] {
        assert_eq!(
            back.check(text, press, &[], false),
            lex.check(text, press, &[], false),
            "{text}"
        );
    }
    assert_eq!(back.describe(), lex.describe());
}

#[test]
fn the_demo_shops_own_copy_passes() {
    let mut shop = Shop::default();
    let Ok(_) = generate(
        &DemoOptions {
            seed: 7,
            users: 300,
        },
        &mut shop,
    );
    let started = std::time::Instant::now();
    let (checked, failed) = own_texts_checked(&shop);
    println!("checked in {:.0} ms", started.elapsed().as_secs_f64() * 1e3);
    let mut by_check: BTreeMap<&str, usize> = BTreeMap::new();
    for (_, _, f) in &failed {
        for (name, hit) in [
            ("type", f.type_error.is_some()),
            ("claim", f.claim_error.is_some()),
            ("feature", f.feature_error.is_some()),
            ("history", f.history_error.is_some()),
            ("fact", f.fact_error.is_some()),
        ] {
            *by_check.entry(name).or_default() += hit as usize;
        }
    }
    println!(
        "{} of {checked} texts have findings: {by_check:?}",
        failed.len()
    );
    for (title, text, f) in &failed {
        println!("{title}: {text}\n  {f:?}");
    }
    // The demo's copy names kinds, features, products and facts truly; but
    // its voice sometimes praises what the catalog denies ("made
    // responsibly" on `eco: false`), which the claim check rightly sees.
    assert_eq!(
        by_check.values().sum::<usize>(),
        by_check["claim"],
        "only claims may be found in the demo's own texts"
    );
    assert!(
        failed.len() * 200 <= checked,
        "{} of {checked} of the demo's own texts have findings",
        failed.len()
    );
}
