//! Copy quality on every shop of the demo family, with the default config:
//! each shop is built, the default model is trained on it (timed), `tailor
//! eval` runs, and then 100 held-out shoppers get 4 candidates each for
//! their top recommendation, through the same guarded path as `tailor
//! generate`. Each shop's judge (evaluation code only, `demo::judge`) says
//! which taste each candidate speaks to; the taste match is the share that
//! speak to the shopper's true taste, set against the shop's ceiling (how
//! often the shopper's own history reveals it).
//!
//! One JSON line per shop, then a table on stderr.
//!
//! `TAILOR_QUALITY_SHOPS=kitchen,books` picks shops; `TAILOR_QUALITY_SHOPPERS`
//! changes the 100. `TAILOR_<SECTION>_<KEY>` variables override the config,
//! as they do for `tailor`.
//!
//! Run with `cargo bench --bench quality` (about 5 minutes a shop on 2
//! cores). Without `--bench` (as `cargo test --benches` runs it) it does
//! nothing.

// Test and benchmark code: a panic is a failed run, not a crash.
#![allow(clippy::unwrap_used)]

use std::collections::{HashMap, HashSet};
use std::time::Instant;
use tailor::config::Config;
use tailor::demo::judge::{self, ShopEvaluator};
use tailor::demo::{DemoOptions, Shop};
use tailor::store::Store;
use tailor::store::recommend::{CoOccurrence, Recommender};
use tailor::train::candidates;
use tailor::train::data::is_held_out;
use tailor::train::versions;

fn full_run() -> bool {
    let args: Vec<String> = std::env::args().skip(1).collect();
    args.iter().any(|a| a == "--bench") && !args.iter().any(|a| a == "--test")
}

/// Each shopper's true taste, from the shop's truth file.
fn truth(path: &std::path::Path) -> anyhow::Result<HashMap<String, String>> {
    let mut out = HashMap::new();
    for row in csv::Reader::from_path(path)?.records() {
        let row = row?;
        out.insert(row[0].to_string(), row[1].to_string());
    }
    Ok(out)
}

fn shop(name: &str, base: &Config, shoppers: usize) -> anyhow::Result<serde_json::Value> {
    let tmp = tempfile::tempdir()?;
    // `TAILOR_QUALITY_KEEP=DIR` keeps each shop's store and model in
    // `DIR/<shop>/` and reuses them on the next run (no training, so
    // `train_seconds` is 0): for trying generation changes quickly.
    let dir = match std::env::var_os("TAILOR_QUALITY_KEEP") {
        Some(keep) => std::path::PathBuf::from(keep).join(name),
        None => tmp.path().to_path_buf(),
    };
    std::fs::create_dir_all(&dir)?;
    let db = dir.join("shop.db");
    let tastes_path = dir.join("shop.tastes.csv");
    let mut config = base.clone();
    config.store.path = db.clone();
    let which = Shop::named(name).ok_or_else(|| anyhow::anyhow!("no shop {name}"))?;
    let opts = DemoOptions {
        seed: config.demo.seed,
        users: config.demo.users,
    };
    let trained = db.exists() && Store::open(&db)?.active_model()?.is_some();
    let started = Instant::now();
    if !trained {
        if db.exists() {
            std::fs::remove_file(&db)?;
        }
        Store::create_shop(&db, which, &opts, &tastes_path, &mut |_| {})?;
        tailor::cli::model_cmds::train(&config, tailor::train::new_version::Activation::Gate)?;
    }
    let train_seconds = started.elapsed().as_secs_f64();
    let eval = serde_json::to_value(tailor::cli::model_cmds::eval(&config, None)?)?;

    let tastes = truth(&tastes_path)?;
    let ev: Box<dyn ShopEvaluator> =
        judge::evaluator(name).ok_or_else(|| anyhow::anyhow!("no judge for {name}"))?;
    let mut store = Store::open(&db)?;
    let (loaded, _) = versions::load_active(&store, &versions::models_dir(&config))?;
    let lexicon = candidates::lexicon(&store)?;
    let products: HashMap<String, tailor::domain::Product> = store
        .products()?
        .into_iter()
        .map(|p| (p.product_id.clone(), p))
        .collect();
    let params = config.generate.params();
    let held_out: Vec<String> = store
        .user_ids()?
        .into_iter()
        .filter(|u| is_held_out(u, config.train.seed, config.train.val_fraction))
        .take(shoppers)
        .collect();
    let (mut texts, mut matched, mut judged) = (Vec::new(), 0usize, 0usize);
    let (mut drawn, mut refused) = (0usize, 0usize);
    let mut histories = Vec::new();
    for (k, user) in held_out.iter().enumerate() {
        let Some(top) = CoOccurrence::default().recommend(&store, user, 1)?.pop() else {
            continue;
        };
        let product = &products[&top.product_id];
        let stored = candidates::generate_and_store_with(
            &mut store, &loaded, &lexicon, &params, user, product, 4, k as u64,
        )?;
        drawn += stored.drawn;
        refused += stored.refused;
        let truth = tastes.get(user).cloned().unwrap_or_default();
        for row in stored.rows {
            let said = ev.judge(&row.text);
            judged += usize::from(said.is_some());
            matched += usize::from(said.as_deref() == Some(truth.as_str()));
            texts.push(row.text);
        }
        histories.push((store.user_history(user)?, truth));
    }
    let ceiling = judge::ceiling(
        ev.as_ref(),
        histories.iter().map(|(h, t)| (h.as_slice(), t.as_str())),
        &products,
    );
    let n = texts.len().max(1) as f64;
    let unique = texts.iter().collect::<HashSet<_>>().len() as f64 / n;
    let taste_match = matched as f64 / n;
    Ok(serde_json::json!({
        "shop": name,
        "train_seconds": train_seconds,
        "candidates": texts.len(),
        "faithfulness_errors": eval["faithfulness_errors"],
        "truncated": eval["truncated"],
        "refused": eval["refused"],
        "draws": eval["draws"],
        "distinct_2": eval["distinct_2"],
        "personalization_gain": eval["personalization_gain"],
        "val_ppl": eval["val_ppl"],
        "unique": unique,
        "generate_refused": refused as f64 / drawn.max(1) as f64,
        "taste_match": taste_match,
        "judged": judged as f64 / n,
        "ceiling": ceiling,
        "of_ceiling": taste_match / ceiling.max(1e-9),
        "chance": 1.0 / ev.tastes().len().max(1) as f64,
        "examples": texts.iter().step_by(40).collect::<Vec<_>>(),
    }))
}

fn main() -> anyhow::Result<()> {
    if !full_run() {
        return Ok(());
    }
    let env: Vec<(String, String)> = std::env::vars().collect();
    let config = Config::load(None, &env)?;
    let shops: Vec<String> = match std::env::var("TAILOR_QUALITY_SHOPS") {
        Ok(s) => s.split(',').map(|s| s.trim().to_string()).collect(),
        Err(_) => tailor::demo::shop_names()
            .iter()
            .map(|s| s.to_string())
            .collect(),
    };
    let shoppers = std::env::var("TAILOR_QUALITY_SHOPPERS")
        .ok()
        .and_then(|n| n.parse().ok())
        .unwrap_or(100);
    let mut rows = Vec::new();
    for name in &shops {
        eprintln!("quality: {name}: building, training the default config, evaluating");
        let row = shop(name, &config, shoppers)?;
        println!("{}", serde_json::to_string(&row)?);
        rows.push(row);
    }
    eprintln!(
        "\n{:<8} {:>6} {:>6} {:>7} {:>7} {:>6} {:>6} {:>6} {:>6} {:>6} {:>6}",
        "shop", "train", "faith", "refused", "trunc", "taste", "ceil", "of", "uniq", "d2", "gain"
    );
    for r in &rows {
        let f = |k: &str| r[k].as_f64().unwrap_or(f64::NAN);
        eprintln!(
            "{:<8} {:>5.0}s {:>6.3} {:>7.3} {:>7.3} {:>6.2} {:>6.2} {:>6.2} {:>6.3} {:>6.3} {:>6.3}",
            r["shop"].as_str().unwrap_or("?"),
            f("train_seconds"),
            f("faithfulness_errors"),
            f("refused"),
            f("truncated"),
            f("taste_match"),
            f("ceiling"),
            f("of_ceiling"),
            f("unique"),
            f("distinct_2"),
            f("personalization_gain"),
        );
    }
    Ok(())
}
