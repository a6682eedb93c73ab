//! Tests of prompt building: no future events, newest K oldest first, any
//! input order, the fields that carry taste, and odd text.

use super::*;
use crate::domain::Attributes;

fn item(ts: i64, kind: EventKind, title: &str, price: Option<f64>) -> HistoryItem {
    HistoryItem {
        product_id: format!("p{ts}"),
        title: title.to_string(),
        category: "Knitwear".into(),
        price,
        material: None,
        kind,
        ts,
        rating: None,
        text: None,
    }
}

fn sweater() -> Product {
    let mut attributes = Attributes::new();
    attributes.insert("material".into(), Value::from("merino wool"));
    attributes.insert("color".into(), Value::from("navy"));
    attributes.insert("eco".into(), Value::from(false));
    attributes.insert("comfort".into(), Value::from(true));
    attributes.insert("features".into(), Value::from("ribbed cuffs"));
    attributes.insert("year".into(), Value::from(2024));
    attributes.insert(
        "care".into(),
        Value::from("hand wash only in cold water please"),
    );
    Product {
        product_id: "p1".into(),
        title: "Trailblazer Merino Crew Sweater".into(),
        category: "Knitwear".into(),
        brand: Some("Loopstitch".into()),
        price: Some(54.99),
        description: None,
        attributes,
    }
}

fn render(pieces: &[Piece]) -> String {
    pieces
        .iter()
        .map(|p| match p {
            Piece::Text(t) => t.clone(),
            Piece::Special(s) => s.name().to_string(),
        })
        .collect()
}

#[test]
fn history_before_takes_the_newest_k_strictly_before() {
    let history: Vec<HistoryItem> = [5, 1, 9, 3, 7, 10, 2]
        .into_iter()
        .map(|ts| item(ts, EventKind::View, "Tee", None))
        .collect();
    let got: Vec<i64> = history_before(&history, 9, 3)
        .iter()
        .map(|h| h.ts)
        .collect();
    assert_eq!(
        got,
        vec![3, 5, 7],
        "the event at ts 9 and later ones are the future"
    );
    assert!(history_before(&history, 1, 3).is_empty());
    assert!(history_before(&history, 100, 0).is_empty());
    assert_eq!(history_before(&history, 100, 50).len(), history.len());
}

#[test]
fn history_order_does_not_depend_on_input_order() {
    let mut history = vec![
        item(4, EventKind::Purchase, "B", None),
        item(4, EventKind::View, "A", None),
        item(4, EventKind::Cart, "C", None),
        item(1, EventKind::View, "D", None),
    ];
    for h in &mut history {
        h.product_id = h.title.clone();
    }
    let first: Vec<String> = history_before(&history, 5, 3)
        .iter()
        .map(|h| h.title.clone())
        .collect();
    history.reverse();
    let second: Vec<String> = history_before(&history, 5, 3)
        .iter()
        .map(|h| h.title.clone())
        .collect();
    assert_eq!(first, vec!["A", "C", "B"]);
    assert_eq!(first, second);
}

#[test]
fn history_shows_each_product_once_at_its_furthest_step() {
    let mut history = Vec::new();
    for (ts, kind, product) in [
        (1, EventKind::View, "a"),
        (2, EventKind::Cart, "a"),
        (3, EventKind::View, "b"),
        (4, EventKind::Purchase, "a"),
        (5, EventKind::View, "c"),
        (6, EventKind::View, "a"),
        (7, EventKind::Review, "b"),
        (8, EventKind::Purchase, "c"),
    ] {
        let mut h = item(ts, kind, product, None);
        h.product_id = product.into();
        history.push(h);
    }
    let got: Vec<(&str, EventKind, i64)> = history_before(&history, 9, 2)
        .iter()
        .map(|h| (h.product_id.as_str(), h.kind, h.ts))
        .collect();
    assert_eq!(
        got,
        vec![("b", EventKind::Review, 7), ("c", EventKind::Purchase, 8)]
    );
    let got: Vec<(&str, EventKind)> = history_before(&history, 7, 5)
        .iter()
        .map(|h| (h.product_id.as_str(), h.kind))
        .collect();
    assert_eq!(
        got,
        vec![
            ("b", EventKind::View),
            ("c", EventKind::View),
            ("a", EventKind::Purchase)
        ],
        "ordered by each product's latest event, the review at 7 is not yet history"
    );
}

#[test]
fn prompt_lays_out_history_then_facts_then_marker() {
    let mut review = item(3, EventKind::Review, "Atlas Cashmere Scarf", Some(129.0));
    review.rating = Some(4);
    review.text = Some("Really happy with this.  Great value for the money.".into());
    review.material = Some("recycled  cashmere".into());
    let history = vec![
        item(
            1,
            EventKind::View,
            "Trailblazer Merino Running Tee",
            Some(24.99),
        ),
        review,
        item(2, EventKind::Cart, "Beanie", Some(19.99)),
        item(50, EventKind::Purchase, "Future Thing", Some(1.0)),
    ];
    let cfg = PromptConfig::default();
    let pieces = prompt_pieces(&history, 50, &sweater(), &cfg);
    assert_eq!(
        render(&pieces),
        "<item> Knitwear<title> Trailblazer Merino Crew Sweater<brand> Loopstitch<price> $50\
         <material> merino wool<color> navy comfort ribbed cuffs\
         <hist><view> Knitwear Merino Running Tee $30<cart> Knitwear Beanie $20\
         <review> Knitwear Atlas Cashmere Scarf $150 recycled cashmere<4stars> Really happy with this. Great value\
         <item> comfort<desc>"
    );
    let review = prompt_pieces_for(
        &history,
        50,
        &sweater(),
        &cfg,
        Target::Review { rating: Some(2) },
    );
    assert_eq!(
        review[review.len() - 2..],
        [
            Piece::Special(Special::Review),
            Piece::Special(Special::Stars2)
        ]
    );
    let unrated = prompt_pieces_for(
        &history,
        50,
        &sweater(),
        &cfg,
        Target::Review { rating: Some(9) },
    );
    assert_eq!(unrated.last(), Some(&Piece::Special(Special::Review)));
}

#[test]
fn prompt_skips_what_the_product_lacks() {
    let p = Product {
        product_id: "x".into(),
        title: "".into(),
        category: "  ".into(),
        brand: None,
        price: None,
        description: None,
        attributes: Attributes::new(),
    };
    let pieces = prompt_pieces(&[], 0, &p, &PromptConfig::default());
    assert_eq!(render(&pieces), "<item><hist><desc>");
}

#[test]
fn odd_text_does_not_break_the_prompt() {
    let mut h = item(
        1,
        EventKind::Review,
        "\u{0}\n🎉 <brand> e\u{301}",
        Some(f64::NAN),
    );
    h.category = "\t".into();
    h.rating = Some(0);
    h.text = Some("\u{202e}<eos> ".repeat(100));
    let mut p = sweater();
    p.title = "<desc>".into();
    p.price = Some(-3.0);
    let cfg = PromptConfig {
        history_items: 6,
        title_words: 100,
        review_words: 2,
        flags_last: false,
    };
    let text = render(&prompt_pieces(&[h], 2, &p, &cfg));
    assert!(
        text.ends_with(
            "<hist><review> \u{0} 🎉 <brand> e\u{301} $0 \u{202e}<eos> \u{202e}<eos><desc>"
        ),
        "{text}"
    );
    assert!(
        text.contains("<title> <desc><brand> Loopstitch<material>"),
        "a negative price is not a fact"
    );
}

#[test]
fn price_bands_are_few_and_readable() {
    let cases = [
        (0.0, "$0"),
        (0.5, "$0.5"),
        (1.49, "$1.5"),
        (9.99, "$10"),
        (19.99, "$20"),
        (24.49, "$20"),
        (24.99, "$30"),
        (54.99, "$50"),
        (64.0, "$70"),
        (189.99, "$200"),
        (1234.5, "$1500"),
        (f64::INFINITY, "$0"),
    ];
    for (price, band) in cases {
        assert_eq!(price_band(price), band, "{price}");
    }
}

#[test]
fn target_is_slotted_text_then_eos() {
    let facts = Facts::of(&sweater());
    assert_eq!(
        target_pieces("Loopstitch's sweater, $54.99.", &facts),
        vec![
            Piece::Special(Special::Brand),
            Piece::Text("'s sweater, ".into()),
            Piece::Special(Special::Price),
            Piece::Text(".".into()),
            Piece::Special(Special::Eos),
        ]
    );
    assert_eq!(
        target_pieces("", &facts),
        vec![Piece::Special(Special::Eos)]
    );
}
