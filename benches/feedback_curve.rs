//! The learning-from-labels curve: simulated analysts
//! (`tailor::train::simulate`), each with its own house rule, label
//! candidates of one shop; after each label budget the product's own
//! `finetune` runs (its gate decides, nothing is promoted by hand), and
//! the active version writes for *other* shoppers, whose acceptance by the
//! rule is measured. One JSON line per point, one summary line per shop and
//! rule, then a table on stderr.
//!
//! The rules: `colour` (names the colour, under 30 words), `feature` (names
//! the product's feature, under 30 words), `brand` (names the brand) and
//! `brief` (fewer words than all but one in twenty of the base version's
//! candidates: base acceptance about 5% by construction).
//!
//! - `TAILOR_CURVE_SHOPS=default,kitchen` the shops (default: all five);
//! - `TAILOR_CURVE_RULES=colour,brief` the analysts (default:
//!   `colour,feature,brief`); a rule whose attribute a shop's catalog lacks
//!   is skipped;
//! - `TAILOR_CURVE_STORES=DIR` starts each shop from a copy of
//!   `DIR/<shop>/shop.db` and its `models/` (as `TAILOR_QUALITY_KEEP` of the
//!   quality bench leaves them); otherwise each shop is built and
//!   pre-trained first (minutes each). `TAILOR_CURVE_STORE=FILE` is the
//!   store for the `default` shop alone.
//! - `TAILOR_CURVE_BUDGETS=0,200,400` the label counts to measure at.
//! - `TAILOR_CURVE_KEEP=DIR` keeps each run's store and versions in
//!   `DIR/<shop>-<rule>/`, to read what the fine-tuned versions write
//!   (`tailor --db DIR/default-colour/shop.db compare v1 v2 --user U`).
//!
//! `TAILOR_FINETUNE_*` variables override `[finetune]` as they do for
//! `tailor`. Run with `cargo bench --bench feedback_curve`. Without
//! `--bench` (as `cargo test --benches` runs it) it does nothing.

// Test and benchmark code: a panic is a failed run, not a crash.
#![allow(clippy::unwrap_used)]

use std::path::{Path, PathBuf};
use std::time::Instant;
use tailor::config::Config;
use tailor::demo::{DemoOptions, Shop};
use tailor::store::Store;
use tailor::train::simulate::{CurvePlan, Rule, run_curve};
use tailor::train::versions;

fn full_run() -> bool {
    let args: Vec<String> = std::env::args().skip(1).collect();
    args.iter().any(|a| a == "--bench") && !args.iter().any(|a| a == "--test")
}

fn copy_dir(from: &Path, to: &Path) -> std::io::Result<()> {
    std::fs::create_dir_all(to)?;
    for e in std::fs::read_dir(from)? {
        let e = e?;
        if e.file_type()?.is_dir() {
            copy_dir(&e.path(), &to.join(e.file_name()))?;
        } else {
            std::fs::copy(e.path(), to.join(e.file_name()))?;
        }
    }
    Ok(())
}

fn list(var: &str, default: &str) -> Vec<String> {
    std::env::var(var)
        .unwrap_or_else(|_| default.into())
        .split(',')
        .map(|s| s.trim().to_string())
        .filter(|s| !s.is_empty())
        .collect()
}

/// A pre-trained store of `shop` for this run: a consistent copy of a kept
/// one (never `cp` of a live file), or built and pre-trained here.
fn pretrained(shop: &str, config: &Config, db: &Path) -> anyhow::Result<()> {
    let kept: Option<PathBuf> = match (std::env::var_os("TAILOR_CURVE_STORES"), shop) {
        (Some(dir), _) => Some(PathBuf::from(dir).join(shop).join("shop.db")),
        (None, "default") => std::env::var_os("TAILOR_CURVE_STORE").map(PathBuf::from),
        _ => None,
    };
    match kept {
        Some(src) => {
            Store::open(&src)?.backup_to(db)?;
            let models = src.parent().unwrap_or(Path::new(".")).join("models");
            copy_dir(&models, &db.parent().unwrap().join("models"))?;
        }
        None => {
            eprintln!(
                "feedback_curve: building the {shop} shop and pre-training the default model"
            );
            let which = Shop::named(shop).ok_or_else(|| anyhow::anyhow!("no shop {shop}"))?;
            let opts = DemoOptions {
                seed: config.demo.seed,
                users: config.demo.users,
            };
            let tastes = db.with_extension("tastes.csv");
            Store::create_shop(db, which, &opts, &tastes, &mut |_| {})?;
            tailor::cli::model_cmds::train(config, tailor::train::new_version::Activation::Gate)?;
        }
    }
    Ok(())
}

/// Whether `rule` can be met in `shop`: most products carry what it names.
fn applies(rule: Rule, store: &Store) -> anyhow::Result<bool> {
    let products = store.products()?;
    let has = |keys: &[&str]| {
        let n = products
            .iter()
            .filter(|p| keys.iter().any(|k| p.attributes.contains_key(*k)))
            .count();
        2 * n >= products.len()
    };
    Ok(match rule {
        Rule::Colour => has(&["color", "colour"]),
        Rule::Feature => has(&["feature", "features"]),
        Rule::Brand => 2 * products.iter().filter(|p| p.brand.is_some()).count() >= products.len(),
        Rule::Brief(_) => true,
    })
}

fn main() -> anyhow::Result<()> {
    if !full_run() {
        return Ok(());
    }
    // TAILOR_<SECTION>_<KEY> variables override the defaults, as for tailor.
    let env: Vec<(String, String)> = std::env::vars().collect();
    let base = Config::load(None, &env)?;
    let budgets: Vec<usize> = list("TAILOR_CURVE_BUDGETS", "0,200,400")
        .iter()
        .filter_map(|n| n.parse().ok())
        .collect();
    let mut table = Vec::new();
    for shop in list("TAILOR_CURVE_SHOPS", "default,kitchen,garden,beauty,books") {
        for name in list("TAILOR_CURVE_RULES", "colour,feature,brief") {
            let rule = Rule::parse(&name).ok_or_else(|| anyhow::anyhow!("no rule {name}"))?;
            let tmp = tempfile::tempdir()?;
            let db = tmp.path().join("shop.db");
            let mut config = base.clone();
            config.store.path = db.clone();
            pretrained(&shop, &config, &db)?;
            let mut store = Store::open(&db)?;
            if !applies(rule, &store)? {
                eprintln!("feedback_curve: {shop}: no {name} rule, the catalog lacks it");
                continue;
            }
            let dir = versions::models_dir(&config);
            let users = store.user_ids()?;
            let eval: Vec<String> = users.iter().rev().take(50).cloned().collect();
            let plan = CurvePlan {
                budgets: budgets.clone(),
                label_shoppers: users[..users.len() - 50].to_vec(),
                eval_shoppers: eval,
                candidates: 8,
                label_candidates: 4,
                seed: 2026,
                rule,
            };
            let started = Instant::now();
            let points = run_curve(&mut store, &config, &dir, &plan, &mut |p| {
                let mut line = serde_json::to_value(p).unwrap_or_default();
                line["shop"] = shop.clone().into();
                println!("{line}");
            })?;
            let first = points.first().map_or(0.0, |p| p.acceptance);
            let last = points.last().map_or(0.0, |p| p.acceptance);
            let d2 =
                |p: Option<&tailor::train::simulate::CurvePoint>| p.map_or(0.0, |p| p.distinct_2);
            let summary = serde_json::json!({
                "bench": "feedback_curve",
                "shop": shop,
                "rule": points.last().map(|p| p.rule),
                "acceptance": points.iter().map(|p| (p.labels, p.acceptance)).collect::<Vec<_>>(),
                "points_gained": (last - first) * 100.0,
                "promoted": points.iter().filter_map(|p| p.finetune.as_ref()).filter(|f| f.promoted).map(|f| f.model_version.clone()).collect::<Vec<_>>(),
                "verdicts": points.iter().filter_map(|p| p.finetune.as_ref().map(|f| f.eval.reason.clone())).collect::<Vec<_>>(),
                "distinct_2_drop": 1.0 - d2(points.last()) / d2(points.first()).max(1e-9),
                "fact_errors": points.iter().map(|p| p.fact_errors).fold(0.0, f64::max),
                "finetune_seconds": points.iter().filter_map(|p| p.finetune.as_ref().map(|f| f.seconds)).collect::<Vec<_>>(),
                "seconds": started.elapsed().as_secs_f64(),
            });
            println!("{summary}");
            if let Some(keep) = std::env::var_os("TAILOR_CURVE_KEEP") {
                let to = PathBuf::from(keep).join(format!("{shop}-{name}"));
                std::fs::create_dir_all(&to)?;
                let _ = std::fs::remove_file(to.join("shop.db"));
                store.backup_to(&to.join("shop.db"))?;
                copy_dir(&tmp.path().join("models"), &to.join("models"))?;
            }
            table.push(format!(
                "{shop:<8} {name:<8} base {:>5.1}%  after {:>5.1}%  {:+6.1} pts  promoted {:<10} distinct_2 drop {:>5.1}%",
                first * 100.0,
                last * 100.0,
                (last - first) * 100.0,
                summary["promoted"].as_array().map_or(0, Vec::len),
                summary["distinct_2_drop"].as_f64().unwrap_or(0.0) * 100.0
            ));
        }
    }
    for row in table {
        eprintln!("{row}");
    }
    Ok(())
}
