//! The judge and ceiling of every shop: the judge agrees with the truth as
//! often as the voice noise says, the ceiling lies between chance and
//! certainty (both printed), and every voiced template carries its taste.

use super::*;
use crate::demo::judge::{ShopEvaluator, ceiling};
use crate::domain::HistoryItem;

/// Each shopper's history as `Store::user_history` returns it.
fn histories(shop: &Collect) -> BTreeMap<&str, Vec<HistoryItem>> {
    let products = index(shop);
    let mut out: BTreeMap<&str, Vec<HistoryItem>> = BTreeMap::new();
    for e in &shop.events {
        let p = &products[&e.product_id];
        out.entry(&e.user_id).or_default().push(HistoryItem {
            product_id: e.product_id.clone(),
            title: p.title.clone(),
            category: p.category.clone(),
            price: p.price,
            material: p
                .attributes
                .get("material")
                .and_then(|v| v.as_str())
                .map(str::to_string),
            kind: e.kind,
            ts: e.ts,
            rating: e.rating,
            text: e.text.clone(),
        });
    }
    out
}

/// Share of `texts` (shopper, text) the judge reads as the shopper's taste.
fn judged(ev: &dyn ShopEvaluator, truth: &HashMap<&str, &str>, texts: &[(&str, &str)]) -> f64 {
    let hits = texts
        .iter()
        .filter(|(u, t)| ev.judge(t).as_deref() == Some(truth[u]))
        .count();
    hits as f64 / texts.len() as f64
}

#[test]
fn the_judge_matches_the_truth_as_often_as_the_voice_noise_says() {
    for s in family() {
        let (shop, _) = default_shop(s.name);
        let ev = evaluator(s.name).expect("evaluator");
        let truth = truth(shop);
        for (kind, noise) in [
            (EventKind::Purchase, &s.copy_voice),
            (EventKind::Review, &s.review_voice),
        ] {
            let texts: Vec<(&str, &str)> = texts(shop)
                .filter(|(e, _)| e.kind == kind)
                .map(|(e, t)| (e.user_id.as_str(), t))
                .collect();
            if texts.is_empty() {
                continue;
            }
            let share = judged(ev.as_ref(), &truth, &texts);
            let expected = noise.mean_own();
            eprintln!(
                "{} {kind}: judge matches {share:.3} (own voice {expected:.3})",
                s.name
            );
            assert!(
                (share - expected).abs() < 0.06,
                "{} {kind}: {share:.3} vs {expected:.3}",
                s.name
            );
        }
    }
}

#[test]
fn the_default_judge_matches_the_default_copy_voice() {
    let mut sink = Collect::default();
    let Ok(_) = Shop::DEFAULT.generate(
        &DemoOptions {
            seed: 42,
            users: 400,
        },
        &mut sink,
    );
    let ev = evaluator("default").expect("evaluator");
    let truth = truth(&sink);
    let copies: Vec<(&str, &str)> = texts(&sink)
        .filter(|(e, _)| e.kind == EventKind::Purchase)
        .map(|(e, t)| (e.user_id.as_str(), t))
        .collect();
    let share = judged(ev.as_ref(), &truth, &copies);
    eprintln!("default purchase: judge matches {share:.3} (own voice 0.800)");
    assert!((share - 0.8).abs() < 0.08, "{share}");
}

#[test]
fn ceilings_are_well_above_chance_and_below_certainty() {
    let mut figures = Vec::new();
    for name in shop_names() {
        let owned;
        let shop = if *name == "default" {
            // The default shop's full size is slow in a debug build; 600 shoppers suffice.
            let mut sink = Collect::default();
            let Ok(_) = Shop::DEFAULT.generate(
                &DemoOptions {
                    seed: 42,
                    users: 600,
                },
                &mut sink,
            );
            owned = sink;
            &owned
        } else {
            &default_shop(name).0
        };
        let ev = evaluator(name).expect("evaluator");
        let products = index(shop);
        let truth = truth(shop);
        let histories = histories(shop);
        let c = ceiling(
            ev.as_ref(),
            histories.iter().map(|(u, h)| (h.as_slice(), truth[u])),
            &products,
        );
        let chance = 1.0 / ev.tastes().len() as f64;
        eprintln!("{name}: ceiling {c:.3} (chance {chance:.3})");
        figures.push((name, c, chance));
    }
    for (name, c, chance) in figures {
        // The default demo shows every shopper's taste in about eight
        // copies at 80% own voice: its ceiling is near certainty. The
        // family is noisier by design (weaker voices, shorter histories).
        let most = if *name == "default" { 0.995 } else { 0.97 };
        assert!(
            c > chance + 0.25 && c < most,
            "{name}: ceiling {c:.3}, chance {chance:.3}"
        );
    }
}

#[test]
fn every_voiced_template_carries_a_word_of_its_taste() {
    let mut wrong = Vec::new();
    for s in family() {
        let ev = evaluator(s.name).expect("evaluator");
        for t in s.tastes {
            let templates = t
                .predicates
                .iter()
                .chain(t.lines)
                .chain(t.good)
                .chain(t.bad);
            for template in templates.chain(t.words) {
                // Words are derived from every choice, so all of them may be judged together.
                let text = template.replace(['[', ']', '|'], " ");
                if ev.judge(&text).as_deref() != Some(t.name) {
                    wrong.push(format!("{} {}: {template:?}", s.name, t.name));
                }
            }
        }
        // The shop's neutral texts speak to no taste.
        let x = &s.texts;
        for template in x
            .predicates
            .iter()
            .chain(x.lines)
            .chain(x.good)
            .chain(x.bad)
        {
            if ev.judge(template).is_some() {
                wrong.push(format!("{} neutral: {template:?}", s.name));
            }
        }
    }
    assert!(wrong.is_empty(), "{wrong:#?}");
}

#[test]
fn nothing_but_evaluation_calls_the_judge() {
    // Training and generation must never read a shop's judge, ceiling or
    // taste words: only evaluation code (a file named for eval or bench)
    // outside the demo itself may.
    fn walk(dir: &std::path::Path, out: &mut Vec<std::path::PathBuf>) {
        for entry in std::fs::read_dir(dir).expect("source folder") {
            let path = entry.expect("entry").path();
            if path.is_dir() {
                walk(&path, out);
            } else if path.extension().is_some_and(|e| e == "rs") {
                out.push(path);
            }
        }
    }
    let src = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut files = Vec::new();
    walk(&src, &mut files);
    let mut callers = Vec::new();
    for path in files {
        let rel = path.strip_prefix(&src).expect("under src");
        let name = rel.to_string_lossy();
        if name.starts_with("demo") || name.contains("eval") || name.contains("bench") {
            continue;
        }
        let text = std::fs::read_to_string(&path).expect("source file");
        if text.contains("judge::") || text.contains("ShopEvaluator") {
            callers.push(name.into_owned());
        }
    }
    assert!(
        callers.is_empty(),
        "evaluation-only code used by {callers:?}"
    );
}
