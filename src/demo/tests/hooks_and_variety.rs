//! Tests of the copy's variety for one shopper and product, of the hooks
//! that name a recent purchase, and of the voices of the phrase tables.

use super::*;

/// Distinct-1 and distinct-2: unique over all words and word pairs of
/// `texts` (split on whitespace, lower-cased).
fn distinct(texts: &[String]) -> (f64, f64) {
    let (mut one, mut two, mut n1, mut n2) = (BTreeSet::new(), BTreeSet::new(), 0, 0);
    for t in texts {
        let words: Vec<String> = t.split_whitespace().map(str::to_lowercase).collect();
        n1 += words.len();
        n2 += words.len().saturating_sub(1);
        for w in words.windows(2) {
            two.insert((w[0].clone(), w[1].clone()));
        }
        one.extend(words);
    }
    (one.len() as f64 / n1 as f64, two.len() as f64 / n2 as f64)
}

/// A title as copy names it when it was bought recently: without its model
/// name, at most its last 3 words.
fn hook_name(title: &str) -> String {
    let words: Vec<&str> = title.split_whitespace().skip(1).collect();
    words[words.len().saturating_sub(3)..].join(" ")
}

/// For each event of `shop`, by position, the product a text about it may
/// name: the newest purchase before it of another product, if that product
/// is among the 5 newest distinct other products the shopper touched before.
/// Written directly from the rule, independently of `Recent`.
fn expected_hooks(shop: &Collect) -> Vec<Option<&str>> {
    let mut out = Vec::with_capacity(shop.events.len());
    let mut start = 0;
    for (i, e) in shop.events.iter().enumerate() {
        if shop.events[start].user_id != e.user_id {
            start = i;
        }
        let before = &shop.events[start..i];
        let cur = e.product_id.as_str();
        let bought = before
            .iter()
            .rev()
            .find(|b| b.kind == EventKind::Purchase && b.product_id != cur);
        let mut window: Vec<&str> = Vec::new();
        for b in before.iter().rev() {
            if window.len() == 5 {
                break;
            }
            if b.product_id != cur && !window.contains(&b.product_id.as_str()) {
                window.push(&b.product_id);
            }
        }
        out.push(
            bought
                .map(|b| b.product_id.as_str())
                .filter(|b| window.contains(b)),
        );
    }
    out
}

/// Whether `term` occurs in `text` as whole words, case-sensitively.
fn occurs(text: &str, term: &str) -> bool {
    let bytes = text.as_bytes();
    text.match_indices(term).any(|(i, _)| {
        let end = i + term.len();
        (i == 0 || !bytes[i - 1].is_ascii_alphanumeric())
            && (end == bytes.len() || !bytes[end].is_ascii_alphanumeric())
    })
}

/// The longest hook name of `names` that `text`, less its own product's title, names.
fn named_hook<'a>(text: &str, own_title: &str, names: &'a BTreeSet<String>) -> Option<&'a str> {
    let text = text.replace(own_title, "");
    names
        .iter()
        .filter(|n| occurs(&text, n))
        .max_by_key(|n| n.len())
        .map(String::as_str)
}

#[test]
fn copy_names_a_recent_purchase_the_prompt_shows() {
    let (shop, _) = default_shop();
    let products = product_index(shop);
    let names: BTreeSet<String> = shop.products.iter().map(|p| hook_name(&p.title)).collect();
    let expected = expected_hooks(shop);
    let (mut copies, mut possible, mut hooked, mut reviews, mut reviews_hooked) = (0, 0, 0, 0, 0);
    for (e, want) in shop.events.iter().zip(&expected) {
        let Some(text) = e.text.as_deref() else {
            continue;
        };
        let own = &products[e.product_id.as_str()].title;
        let found = named_hook(text, own, &names);
        if let Some(found) = found {
            let want =
                want.unwrap_or_else(|| panic!("{text:?} names {found:?}, no recent purchase"));
            assert_eq!(found, hook_name(&products[want].title), "{text:?}");
        }
        if e.kind == EventKind::Purchase {
            copies += 1;
            possible += usize::from(want.is_some());
            hooked += usize::from(found.is_some());
        } else {
            reviews += 1;
            reviews_hooked += usize::from(found.is_some());
        }
    }
    let share = hooked as f64 / copies as f64;
    let of_possible = hooked as f64 / possible as f64;
    let in_reviews = reviews_hooked as f64 / reviews as f64;
    eprintln!(
        "hooks: {share:.3} of copy ({of_possible:.3} where possible, possible {:.3}), {in_reviews:.3} of reviews",
        possible as f64 / copies as f64
    );
    assert!(share > 0.2 && (0.45..0.65).contains(&of_possible));
    assert!(in_reviews > 0.02 && in_reviews < share / 2.0);
}

#[test]
fn copy_for_one_shopper_and_product_varies() {
    use rand::SeedableRng;
    let (shop, _) = default_shop();
    let catalog = catalog::Catalog::build(DemoOptions::default().seed);
    let tastes = taste_of(shop);
    let expected = expected_hooks(shop);
    let meta = |id: &str| &catalog.meta[id[1..].parse::<usize>().expect("product id") - 1];
    // One purchase per shopper, the middle one of their history, as an
    // evaluation draws: 100 shoppers, 8 copies each.
    let mut by_user: BTreeMap<&str, Vec<usize>> = BTreeMap::new();
    for (i, e) in shop.events.iter().enumerate() {
        if e.kind == EventKind::Purchase && e.text.is_some() {
            by_user.entry(&e.user_id).or_default().push(i);
        }
    }
    let mut texts = Vec::new();
    for (k, (user, purchases)) in by_user.iter().take(100).enumerate() {
        let i = purchases[purchases.len() / 2];
        let e = &shop.events[i];
        let bought = expected[i].map(meta);
        let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(k as u64);
        for _ in 0..8 {
            let mut out = String::new();
            let voice = copy::Voice::shown_to(&mut rng, tastes[user]);
            copy::write_copy(&mut out, &mut rng, meta(&e.product_id), voice, bought);
            texts.push(out);
        }
    }
    if let Ok(path) = std::env::var("DEMO_DUMP") {
        std::fs::write(path, texts.join("\n")).expect("dump");
    }
    let (d1, d2) = distinct(&texts);
    eprintln!("100 shoppers x 8 copies: distinct-1 {d1:.3}, distinct-2 {d2:.3}");
    assert!(d1 >= 0.09 && d2 >= 0.5);
}

/// Every way a phrase with `[a|b]` choices can read.
fn expansions(template: &str) -> Vec<String> {
    let Some(open) = template.find('[') else {
        return vec![template.to_string()];
    };
    let close = open + template[open..].find(']').expect("closed choice");
    let rest = expansions(&template[close + 1..]);
    template[open + 1..close]
        .split('|')
        .flat_map(|alt| {
            rest.iter()
                .map(move |r| format!("{}{alt}{r}", &template[..open]))
        })
        .collect()
}

#[test]
fn each_voice_speaks_only_its_own_taste() {
    use phrases::*;
    use words::*;
    let others = |text: &str, own: Option<Taste>| {
        Taste::ALL
            .into_iter()
            .filter(|t| Some(*t) != own && has_keyword(text, *t))
            .collect::<Vec<_>>()
    };
    for table in [
        PREDICATES, TAILS, BENEFITS, PRICES, OPENERS, CLOSERS, ADJECTIVES, MATERIALS, COLORS,
        HOOKS, NOUN_LINES,
    ] {
        for (v, phrases) in table.iter().enumerate() {
            let own = v.checked_sub(1).map(|t| Taste::ALL[t]);
            for p in phrases.iter().flat_map(|p| expansions(p)) {
                assert!(
                    others(&p, own).is_empty(),
                    "{p:?} speaks for {:?}",
                    others(&p, own)
                );
            }
        }
    }
    for (_, scenes) in SCENES {
        for p in scenes.iter().chain(ADVERBS) {
            assert!(others(p, None).is_empty(), "{p:?}");
        }
    }
    // The core sentence always carries the voice's taste: its predicate
    // phrase, or the key word of a predicate built from words.
    for p in WORD_PREDICATES {
        assert!(p.contains("{k}") && others(p, None).is_empty(), "{p:?}");
    }
    for (t, words) in Taste::ALL.iter().zip(KEY_ADJECTIVES) {
        for w in words {
            assert!(
                has_keyword(w, *t) && others(w, Some(*t)).is_empty(),
                "{w:?} for {t}"
            );
        }
    }
    for (t, phrases) in Taste::ALL.iter().zip(&PREDICATES[1..]) {
        for p in phrases.iter().flat_map(|p| expansions(p)) {
            assert!(has_keyword(&p, *t), "{p:?} does not speak for {t}");
        }
    }
    for s in [
        CORE_SHAPES,
        ADJECTIVE_SHAPES,
        SUBJECT_TITLE_BRAND,
        SUBJECT_TITLE,
        SUBJECT_BRAND,
        SUBJECT_PLAIN,
        FEATURE_LINES,
        SCENE_LINES,
        WORD_HOOKS,
        WORD_PRICES,
    ] {
        for p in s.iter().flat_map(|p| expansions(p)) {
            assert!(others(&p, None).is_empty(), "{p:?}");
        }
    }
}

#[test]
fn hooks_skip_titles_that_name_another_products_facts() {
    use rand::SeedableRng;
    let catalog = catalog::Catalog::build(DemoOptions::default().seed);
    let meta = &catalog.meta;
    // A product whose title words name a material ("Canvas Tote").
    let named = meta
        .iter()
        .find(|m| !m.hook_terms.is_empty())
        .expect("some title names its material");
    let term = named.hook_terms[0];
    let same = meta
        .iter()
        .find(|m| !std::ptr::eq(*m, named) && m.material.eq_ignore_ascii_case(term))
        .expect("another product of that material");
    let other = meta
        .iter()
        .find(|m| {
            ![m.brand, m.material, m.color]
                .iter()
                .any(|f| f.eq_ignore_ascii_case(term))
        })
        .expect("a product without that fact");
    assert!(copy::hook_allowed(same, named));
    assert!(!copy::hook_allowed(other, named));
    let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(9);
    let mut text = String::new();
    let mut hooked = 0;
    for _ in 0..300 {
        let voice = copy::Voice::shown_to(&mut rng, Taste::Comfort);
        copy::write_copy(&mut text, &mut rng, other, voice, Some(named));
        assert!(!mentions(&text, term), "{text:?} names {term:?}");
        copy::write_copy(&mut text, &mut rng, same, voice, Some(named));
        hooked += usize::from(text.contains(&named.hook_name));
    }
    assert!(
        hooked > 100,
        "{hooked} of 300 copies name {:?}",
        named.hook_name
    );
}
