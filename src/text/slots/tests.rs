//! Tests of the fact slots: matching rules, filling, the checker, and that
//! slot-filled text never contradicts the catalog, even for hostile values.

use super::*;
use crate::domain::Attributes;
use crate::text::Vocab;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use serde_json::Value;
use std::collections::BTreeSet;

fn product(brand: &str, price: Option<f64>, title: &str, material: &str, color: &str) -> Product {
    let mut attributes = Attributes::new();
    if !material.is_empty() {
        attributes.insert("material".into(), Value::from(material));
    }
    if !color.is_empty() {
        attributes.insert("color".into(), Value::from(color));
    }
    Product {
        product_id: format!("p-{title}"),
        title: title.to_string(),
        category: "Test".into(),
        brand: (!brand.is_empty()).then(|| brand.to_string()),
        price,
        description: None,
        attributes,
    }
}

fn text(s: &str) -> Piece {
    Piece::Text(s.to_string())
}

fn slot(s: Slot) -> Piece {
    Piece::Special(s.special())
}

fn decoded(pieces: &[Piece]) -> Vec<Decoded> {
    pieces
        .iter()
        .map(|p| match p {
            Piece::Text(t) => Decoded::Text(t.clone()),
            Piece::Special(s) => Decoded::Special(*s),
        })
        .collect()
}

fn jacket() -> Product {
    product(
        "Loopstitch",
        Some(24.99),
        "Trailblazer Merino Jacket",
        "recycled nylon",
        "navy",
    )
}

#[test]
fn facts_read_the_product_and_treat_blank_as_absent() {
    let facts = Facts::of(&jacket());
    assert_eq!(facts.value(Slot::Brand), Some("Loopstitch"));
    assert_eq!(facts.value(Slot::Price), Some("$24.99"));
    assert_eq!(facts.value(Slot::Title), Some("Trailblazer Merino Jacket"));
    assert_eq!(facts.value(Slot::Material), Some("recycled nylon"));
    assert_eq!(facts.value(Slot::Color), Some("navy"));

    let mut p = product(" ", Some(f64::NAN), "", "", "");
    p.attributes.insert("colour".into(), Value::from("teal"));
    p.attributes.insert("material".into(), Value::from(3));
    let facts = Facts::of(&p);
    assert_eq!(facts.value(Slot::Brand), None);
    assert_eq!(facts.value(Slot::Price), None);
    assert_eq!(facts.value(Slot::Title), None);
    assert_eq!(
        facts.value(Slot::Material),
        None,
        "only string attributes are facts"
    );
    assert_eq!(facts.value(Slot::Color), Some("teal"));
}

#[test]
fn slots_and_specials_correspond() {
    for s in Slot::ALL {
        assert_eq!(Slot::of_special(s.special()), Some(s));
    }
    assert_eq!(Slot::of_special(Special::Eos), None);
}

#[test]
fn to_pieces_replaces_longest_value_first() {
    let facts = Facts::of(&jacket());
    assert_eq!(
        to_pieces(
            "Loopstitch's jacket in navy recycled nylon. Just $24.99.",
            &facts
        ),
        vec![
            slot(Slot::Brand),
            text("'s jacket in "),
            slot(Slot::Color),
            text(" "),
            slot(Slot::Material),
            text(". Just "),
            slot(Slot::Price),
            text("."),
        ]
    );
    let p = product("Acme", None, "Red Wool Scarf", "red", "red wool");
    let facts = Facts::of(&p);
    assert_eq!(
        to_pieces("In red wool, the Red Wool Scarf is red.", &facts),
        vec![
            text("In "),
            slot(Slot::Color),
            text(", the "),
            slot(Slot::Title),
            text(" is "),
            slot(Slot::Material),
            text("."),
        ]
    );
}

#[test]
fn to_pieces_matches_whole_words_and_the_right_case() {
    let facts = Facts::of(&jacket());
    // Inside longer words, with the wrong case for a brand, without the `$`.
    for s in [
        "navyblue",
        "Loopstitches",
        "LOOPSTITCH",
        "costs 24.99",
        "$24.999",
        "nylons",
    ] {
        assert!(
            to_pieces(s, &facts)
                .iter()
                .all(|p| matches!(p, Piece::Text(_))),
            "{s}"
        );
    }
    // Colour and material ignore case; hyphens and punctuation are boundaries.
    assert_eq!(
        to_pieces("Navy-trimmed, RECYCLED NYLON!", &facts),
        vec![
            slot(Slot::Color),
            text("-trimmed, "),
            slot(Slot::Material),
            text("!")
        ]
    );
    // A value that starts with punctuation matches after a letter.
    let facts = Facts::of(&product("$9.99", None, "x", "", ""));
    assert_eq!(
        to_pieces("US$9.99", &facts),
        vec![text("US"), slot(Slot::Brand)]
    );
}

#[test]
fn to_pieces_keeps_everything_else_and_handles_odd_text() {
    let facts = Facts::of(&jacket());
    for s in ["", "🎉", "e\u{301}navy", "a navy\u{0}", "İnavy", "<brand>"] {
        let pieces = to_pieces(s, &facts);
        assert_eq!(fill(&decoded(&pieces), &facts), s, "{s:?}");
    }
    assert_eq!(to_pieces("<price>", &facts), vec![text("<price>")]);
}

#[test]
fn fill_restores_values_and_capitalises_sentence_starts() {
    let facts = Facts::of(&jacket());
    let pieces = [
        slot(Slot::Color),
        text(" and "),
        slot(Slot::Material),
        text(". "),
        slot(Slot::Material),
        text(" by "),
        slot(Slot::Brand),
        text(" for "),
        slot(Slot::Price),
        Piece::Special(Special::Desc),
        text("!"),
        Piece::Special(Special::Eos),
        text(" after the end"),
    ];
    assert_eq!(
        fill(&decoded(&pieces), &facts),
        "Navy and recycled nylon. Recycled nylon by Loopstitch for $24.99!"
    );
}

#[test]
fn fill_never_doubles_an_article_a_title_starts_with() {
    let facts = Facts::of(&product("Harrow", None, "The Last Ferry", "", ""));
    let pieces = [
        text("The "),
        slot(Slot::Title),
        text(" is a good pick. Try the "),
        slot(Slot::Title),
        text(", or bathe "),
        slot(Slot::Title),
        text("."),
    ];
    assert_eq!(
        fill(&decoded(&pieces), &facts),
        "The Last Ferry is a good pick. Try The Last Ferry, or bathe The Last Ferry."
    );
}

#[test]
fn fill_makes_a_and_an_agree_with_the_value_that_follows() {
    let facts = Facts::of(&product("Orrin", Some(25.0), "Eye Cream", "", ""));
    let pieces = [
        text("A "),
        slot(Slot::Title),
        text(" from "),
        slot(Slot::Brand),
        text(", an "),
        slot(Slot::Brand),
        text(" pick, a "),
        slot(Slot::Price),
        text(" treat, an "),
        slot(Slot::Price),
        text(" one. Pizza "),
        slot(Slot::Title),
        text("."),
    ];
    assert_eq!(
        fill(&decoded(&pieces), &facts),
        "An Eye Cream from Orrin, an Orrin pick, a $25.00 treat, an $25.00 one. Pizza Eye Cream."
    );
}

#[test]
fn fill_drops_missing_slots_cleanly() {
    let facts = Facts::of(&product("", None, "Jacket", "", ""));
    let cases: &[(&[Piece], &str)] = &[
        (
            &[
                text("The jacket in "),
                slot(Slot::Color),
                text(" is great."),
            ],
            "The jacket is great.",
        ),
        (
            &[text("Made from "), slot(Slot::Material), text(".")],
            "Made.",
        ),
        (
            &[
                slot(Slot::Brand),
                text("'s jacket, only "),
                slot(Slot::Price),
                text("."),
            ],
            "jacket, only.",
        ),
        (
            &[
                text("Only "),
                slot(Slot::Price),
                text(" "),
                slot(Slot::Title),
                text("."),
            ],
            "Only Jacket.",
        ),
        (
            &[
                text("A "),
                slot(Slot::Color),
                text(" "),
                slot(Slot::Material),
                text(" jacket"),
            ],
            "A jacket",
        ),
        (&[text("Ends in "), slot(Slot::Color)], "Ends"),
        (&[slot(Slot::Brand)], ""),
        (&[text("within "), slot(Slot::Brand)], "within"),
    ];
    for (pieces, want) in cases {
        assert_eq!(fill(&decoded(pieces), &facts), *want, "{pieces:?}");
    }
}

#[test]
fn fill_never_substitutes_inside_a_value() {
    let p = product("<color> Co", Some(5.0), "<price> Deluxe", "", "red");
    let facts = Facts::of(&p);
    let pieces = to_pieces("The <price> Deluxe by <color> Co in red, $5.00.", &facts);
    assert_eq!(
        pieces,
        vec![
            text("The "),
            slot(Slot::Title),
            text(" by "),
            slot(Slot::Brand),
            text(" in "),
            slot(Slot::Color),
            text(", "),
            slot(Slot::Price),
            text("."),
        ]
    );
    assert_eq!(
        fill(&decoded(&pieces), &facts),
        "The <price> Deluxe by <color> Co in red, $5.00."
    );
}

fn demo_like_catalog() -> Vec<Product> {
    vec![
        jacket(),
        product("Halden", Some(189.0), "Summit Boot", "suede", "charcoal"),
        product("Acme", Some(9.99), "Atlas Tee", "nylon", "white"),
        product(
            "Acme Pro",
            Some(1234.5),
            "Atlas Pro Tee",
            "organic cotton",
            "",
        ),
    ]
}

#[test]
fn checker_flags_wrong_facts() {
    let catalog = demo_like_catalog();
    let checker = FactChecker::new(&catalog);
    let jacket = &catalog[0];
    for wrong in [
        "Made by Halden.",
        "Only $19.99!",
        "Now $25.",
        "In Charcoal.",
        "In suede.",
        "From Acme.",
        "Made from nylon.",
        "white",
        "$1,234.50",
    ] {
        assert!(
            checker.contradicts(wrong, jacket),
            "{wrong:?} should be flagged"
        );
    }
    for right in [
        "The Trailblazer Merino Jacket by Loopstitch in navy recycled nylon, $24.99.",
        "NAVY and Recycled Nylon.",
        "Charcoals, whitewash, Haldenberg and nylons are other words.",
        "No price here: 19.99, $ 5, $.",
        "",
    ] {
        assert!(!checker.contradicts(right, jacket), "{right:?} should pass");
    }
    // A brand that is a prefix of another: each product's own is fine, the other is not.
    let (acme, pro) = (&catalog[2], &catalog[3]);
    assert!(!checker.contradicts("By Acme Pro.", pro));
    assert!(checker.contradicts("By Acme.", pro));
    assert!(!checker.contradicts("By Acme.", acme));
    // The product lacks a colour: any colour is a claim it cannot back.
    assert!(checker.contradicts("In navy.", pro));
    assert!(!checker.contradicts("In organic cotton, $1234.50.", pro));
}

#[test]
fn checker_accepts_every_demo_copy_of_a_small_shop() {
    use crate::demo::{DemoOptions, DemoSink, Taste, generate};
    use crate::domain::{Event, User};
    #[derive(Default)]
    struct Sink(Vec<Product>, Vec<Event>);
    impl DemoSink for Sink {
        type Error = std::convert::Infallible;
        fn product(&mut self, p: &Product) -> Result<(), Self::Error> {
            self.0.push(p.clone());
            Ok(())
        }
        fn user(&mut self, _: &User, _: Taste) -> Result<(), Self::Error> {
            Ok(())
        }
        fn event(&mut self, e: &Event) -> Result<(), Self::Error> {
            self.1.push(e.clone());
            Ok(())
        }
    }
    let mut sink = Sink::default();
    let Ok(_) = generate(&DemoOptions { seed: 3, users: 30 }, &mut sink);
    let checker = FactChecker::new(&sink.0);
    let by_id: std::collections::HashMap<&str, &Product> =
        sink.0.iter().map(|p| (p.product_id.as_str(), p)).collect();
    let mut texts = 0;
    for e in &sink.1 {
        let Some(t) = &e.text else { continue };
        let p = by_id[e.product_id.as_str()];
        assert!(!checker.contradicts(t, p), "{t:?} for {p:?}");
        let facts = Facts::of(p);
        let pieces = to_pieces(t, &facts);
        // Slots come back verbatim from the catalog; only the case of a
        // material or colour word mid-sentence (inside another product's
        // title, say) can differ.
        assert_eq!(
            fill(&decoded(&pieces), &facts).to_lowercase(),
            t.to_lowercase()
        );
        // Its own facts are all slots: the text left states none of them.
        let bare = Product {
            brand: None,
            price: None,
            attributes: Attributes::new(),
            ..p.clone()
        };
        let left: String = pieces
            .iter()
            .filter_map(|p| {
                if let Piece::Text(t) = p {
                    Some(t.as_str())
                } else {
                    None
                }
            })
            .collect();
        assert!(!checker.contradicts(&left, &bare), "{left:?}");
        texts += 1;
    }
    assert!(texts > 50);
}

/// Products whose values try every trick: prices as brands, slot names in
/// titles, values inside each other, regex metacharacters, unicode, blanks.
fn hostile_catalog() -> Vec<Product> {
    vec![
        product("$9.99", Some(24.99), "<price> Deluxe", "red", "red wool"),
        product("Acme", Some(9.99), "Acme Pro Jacket", "nylon", "navy"),
        product(
            "Acme Pro",
            Some(1234.5),
            "Navy (Special) [Edition]*",
            "recycled nylon",
            "navy blue",
        ),
        product(
            "Ünïcödé 🎉",
            Some(0.0),
            "C++ & .NET? Guide",
            "a.b*c",
            "(red)|blue",
        ),
        product("", None, " ", " ", ""),
        product("Red", Some(5.0), "5 Star Tent", "wool", "red"),
        product("Nylon Co", Some(100.0), "$5.00 Special", "cotton", "İvory"),
        product("Co", Some(12.0), "Wool Red Navy", "blue", "wool"),
        product("^.*$", Some(7.5), "\\d+ [a-z]", "\\b", "?"),
    ]
}

/// Words any copy may use: the catalog's descriptions and plain filler,
/// without any word of any fact value and without `$` or digits.
fn filler_words(catalog: &[Product]) -> Vec<String> {
    let mut fact_words = BTreeSet::new();
    for p in catalog {
        let facts = Facts::of(p);
        for s in Slot::ALL {
            if let Some(v) = facts.value(s) {
                fact_words.extend(
                    v.split(|c: char| !is_word(c))
                        .filter(|w| !w.is_empty())
                        .map(str::to_lowercase),
                );
            }
        }
    }
    let plain = "the a an is in from by of for at with and its this our soft great value planet \
                 comfort smart made jacket tee everyday luxury pick . , ! ? 's - ( ) : 🎉 ünï";
    let descriptions: Vec<&str> = catalog
        .iter()
        .filter_map(|p| p.description.as_deref())
        .collect();
    plain
        .split(' ')
        .chain(descriptions.iter().flat_map(|d| d.split_whitespace()))
        .filter(|w| !w.is_empty() && !w.contains('$') && !w.contains(|c: char| c.is_ascii_digit()))
        .filter(|w| {
            w.split(|c: char| !is_word(c))
                .all(|part| !fact_words.contains(&part.to_lowercase()))
        })
        .map(str::to_string)
        .collect::<BTreeSet<_>>()
        .into_iter()
        .collect()
}

/// A random "generation": slots (present or not), filler text, stray specials.
fn random_generation(rng: &mut ChaCha8Rng, words: &[String]) -> Vec<Piece> {
    let n = rng.random_range(0..30);
    let mut pieces = Vec::new();
    for _ in 0..n {
        let piece = match rng.random_range(0..10) {
            0..3 => slot(Slot::ALL[rng.random_range(0..Slot::ALL.len())]),
            3 => Piece::Special(Special::ALL[rng.random_range(0..Special::COUNT)]),
            4 => text(["", " ", ". ", "'s", "-", "\n"][rng.random_range(0..6)]),
            _ => {
                let w = &words[rng.random_range(0..words.len())];
                let sep = ["", " ", " ", ", ", "."][rng.random_range(0..5)];
                text(&format!("{sep}{w}"))
            }
        };
        pieces.push(piece);
    }
    pieces
}

#[test]
fn filled_generations_never_contradict_a_hostile_catalog() {
    let catalog = hostile_catalog();
    let checker = FactChecker::new(&catalog);
    let words = filler_words(&catalog);
    assert!(words.len() > 20, "{words:?}");
    let mut rng = ChaCha8Rng::seed_from_u64(99);
    for p in &catalog {
        let facts = Facts::of(p);
        // Start from copy that states every fact, turned into slots.
        let copy = format!(
            "The {} from {} in {} {}, only {}.",
            p.title,
            p.brand.as_deref().unwrap_or(""),
            facts.value(Slot::Color).unwrap_or(""),
            facts.value(Slot::Material).unwrap_or(""),
            facts.value(Slot::Price).unwrap_or("")
        );
        let base = to_pieces(&copy, &facts);
        for _ in 0..400 {
            let mut pieces = base.clone();
            let at = rng.random_range(0..=pieces.len());
            pieces.splice(at..at, random_generation(&mut rng, &words));
            let out = fill(&decoded(&pieces), &facts);
            assert!(!checker.contradicts(&out, p), "{out:?} for {p:?}");
            let g = random_generation(&mut rng, &words);
            let out = fill(&decoded(&g), &facts);
            assert!(
                !checker.contradicts(&out, p),
                "{out:?} for {p:?} from {g:?}"
            );
        }
    }
}

#[test]
fn generations_through_the_vocabulary_never_contradict() {
    // The same property with ids in between, as the model produces them.
    let catalog = hostile_catalog();
    let checker = FactChecker::new(&catalog);
    let words = filler_words(&catalog);
    let vocab: &Vocab = crate::text::tokenizer::tests::small_vocab();
    let mut rng = ChaCha8Rng::seed_from_u64(5);
    for p in &catalog {
        let facts = Facts::of(p);
        for _ in 0..200 {
            let ids = vocab.encode(&random_generation(&mut rng, &words));
            let out = fill(&vocab.decode(&ids), &facts);
            assert!(!checker.contradicts(&out, p), "{out:?} for {p:?}");
        }
    }
}

#[test]
fn checker_flags_wrong_facts_in_a_hostile_catalog() {
    let catalog = hostile_catalog();
    let checker = FactChecker::new(&catalog);
    let (deluxe, acme, pro) = (&catalog[0], &catalog[1], &catalog[2]);
    // Another product's brand, price and colour.
    assert!(checker.contradicts("By Acme.", deluxe));
    assert!(!checker.contradicts("Only $9.99.", acme), "its own price");
    assert!(checker.contradicts("Only $24.99.", acme));
    assert!(
        !checker.contradicts("In recycled nylon.", acme),
        "contains its own nylon"
    );
    assert!(checker.contradicts("In (red)|blue.", acme));
    assert!(checker.contradicts("Acme.", pro));
    assert!(checker.contradicts("In İVORY.", pro));
    // The brand "$9.99" is not a price claim for its own product.
    assert!(!checker.contradicts("By $9.99, $24.99.", deluxe));
    assert!(checker.contradicts("By $9.99, $25.99.", deluxe));
}
