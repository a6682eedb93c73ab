//! The text pipeline on the real demo shop: fact safety of every copy and
//! review, and the prompt and target lengths a 2,048-token vocabulary gives.

use super::*;
use crate::demo::{DemoOptions, DemoSink, Taste, generate};
use crate::domain::{Event, EventKind, HistoryItem, Product, User};
use std::collections::HashMap;

/// Every product, and each shopper's events in time order (any demo shop:
/// the default through [`DemoSink`], the family through
/// [`crate::demo::ShopSink`]).
#[derive(Default)]
pub(crate) struct Shop {
    pub(crate) products: Vec<Product>,
    pub(crate) users: Vec<Vec<Event>>,
}

impl crate::demo::ShopSink for Shop {
    type Error = std::convert::Infallible;
    fn product(&mut self, p: &Product) -> Result<(), Self::Error> {
        DemoSink::product(self, p)
    }
    fn user(&mut self, _: &User, _: &str) -> Result<(), Self::Error> {
        self.users.push(Vec::new());
        Ok(())
    }
    fn event(&mut self, e: &Event) -> Result<(), Self::Error> {
        DemoSink::event(self, e)
    }
}

impl DemoSink for Shop {
    type Error = std::convert::Infallible;
    fn product(&mut self, p: &Product) -> Result<(), Self::Error> {
        self.products.push(p.clone());
        Ok(())
    }
    fn user(&mut self, _: &User, _: Taste) -> Result<(), Self::Error> {
        self.users.push(Vec::new());
        Ok(())
    }
    fn event(&mut self, e: &Event) -> Result<(), Self::Error> {
        if let Some(events) = self.users.last_mut() {
            events.push(e.clone());
        }
        Ok(())
    }
}

/// One training example: prompt and target pieces.
struct Example {
    prompt: Vec<Piece>,
    target: Vec<Piece>,
    is_copy: bool,
}

fn examples(shop: &Shop, cfg: &PromptConfig) -> Vec<Example> {
    let by_id: HashMap<&str, &Product> = shop
        .products
        .iter()
        .map(|p| (p.product_id.as_str(), p))
        .collect();
    let mut out = Vec::new();
    for events in &shop.users {
        let history: Vec<HistoryItem> = events
            .iter()
            .map(|e| {
                let p = by_id[e.product_id.as_str()];
                HistoryItem {
                    product_id: p.product_id.clone(),
                    title: p.title.clone(),
                    category: p.category.clone(),
                    price: p.price,
                    material: p
                        .attributes
                        .get("material")
                        .and_then(|m| m.as_str())
                        .map(str::to_string),
                    kind: e.kind,
                    ts: e.ts,
                    rating: e.rating,
                    text: e.text.clone(),
                }
            })
            .collect();
        for e in events {
            let Some(text) = &e.text else { continue };
            let p = by_id[e.product_id.as_str()];
            let target = match e.kind {
                EventKind::Review => Target::Review { rating: e.rating },
                _ => Target::Copy,
            };
            out.push(Example {
                prompt: prompt_pieces_for(&history, e.ts, p, cfg, target),
                target: target_pieces(text, &Facts::of(p)),
                is_copy: target == Target::Copy,
            });
        }
    }
    out
}

fn texts(pieces: &[Piece]) -> impl Iterator<Item = &str> {
    pieces.iter().filter_map(|p| match p {
        Piece::Text(t) => Some(t.as_str()),
        Piece::Special(_) => None,
    })
}

fn mean(xs: impl Iterator<Item = usize>) -> f64 {
    let (n, sum) = xs.fold((0usize, 0usize), |(n, s), x| (n + 1, s + x));
    sum as f64 / n.max(1) as f64
}

#[test]
fn demo_prompt_and_target_lengths_at_vocab_2048() {
    let mut shop = Shop::default();
    let Ok(_) = generate(
        &DemoOptions {
            seed: 42,
            users: 200,
        },
        &mut shop,
    );
    let cfg = PromptConfig::default();
    let examples = examples(&shop, &cfg);
    assert!(examples.len() > 500, "{} examples", examples.len());

    // The vocabulary learns from exactly the text it will encode.
    let corpus: Vec<&str> = examples
        .iter()
        .flat_map(|e| texts(&e.prompt).chain(texts(&e.target)))
        .collect();
    let vocab = Vocab::train(corpus.iter(), 2048).expect("training on the demo text");

    let prompt_len: Vec<usize> = examples
        .iter()
        .map(|e| vocab.encode(&e.prompt).len())
        .collect();
    let target_len: Vec<usize> = examples
        .iter()
        .map(|e| vocab.encode(&e.target).len())
        .collect();
    let copy = |want: bool| {
        examples
            .iter()
            .zip(&target_len)
            .filter(move |(e, _)| e.is_copy == want)
            .map(|(_, n)| *n)
    };
    let prompt_mean = mean(prompt_len.iter().copied());
    let max_prompt = prompt_len.iter().copied().max().unwrap_or(0);
    println!(
        "demo, 200 users, K={}: {} examples ({} copy), vocab {}: prompt mean {prompt_mean:.1} max {max_prompt} tokens; \
         target mean {:.1} (copy {:.1}, review {:.1}) tokens incl. <eos>; {:.2} chars/token in targets",
        cfg.history_items,
        examples.len(),
        copy(true).count(),
        vocab.size(),
        mean(target_len.iter().copied()),
        mean(copy(true)),
        mean(copy(false)),
        examples
            .iter()
            .flat_map(|e| texts(&e.target))
            .map(|t| t.chars().count())
            .sum::<usize>() as f64
            / examples
                .iter()
                .map(|e| vocab.encode(&e.target).len() - 1)
                .sum::<usize>() as f64,
    );
    if let Some(e) = examples.iter().find(|e| e.is_copy) {
        println!(
            "example prompt: {}",
            vocab.decode_text(&vocab.encode(&e.prompt))
        );
        println!(
            "example target: {}",
            vocab.decode_text(&vocab.encode(&e.target))
        );
    }
    assert_eq!(vocab.size(), 2048);
    assert!(
        // The flags repeated before the marker add one or two tokens.
        prompt_mean <= 84.0,
        "prompts average {prompt_mean:.1} tokens"
    );
}
