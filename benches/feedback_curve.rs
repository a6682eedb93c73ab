//! The learning-from-labels curve at the default size: a simulated analyst
//! (`tailor::train::simulate`) labels candidates by a rule the pre-training
//! data rarely satisfies; after 0, 50, 100, 200 and 400 labels the active
//! version generates for *other* shoppers and the rule's acceptance is
//! measured. One JSON line per point, then a summary line.
//!
//! `TAILOR_CURVE_STORE=path/to/tailor.db` starts from a copy of a store
//! that already has a pre-trained model (its `models/` folder beside it);
//! otherwise the bench builds the default demo shop and pre-trains the
//! default model first (several minutes).
//!
//! `TAILOR_CURVE_BUDGETS=0,200` measures at other label counts.
//! `TAILOR_FINETUNE_*` variables override `[finetune]` as they do for `tailor`.
//!
//! Run with `cargo bench --bench feedback_curve`. Without `--bench` (as
//! `cargo test --benches` runs it) it does nothing.

// Test and benchmark code: a panic is a failed run, not a crash.
#![allow(clippy::unwrap_used)]

use std::path::Path;
use std::time::Instant;
use tailor::config::Config;
use tailor::store::Store;
use tailor::train::simulate::{CurvePlan, run_curve};
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

fn main() -> anyhow::Result<()> {
    if !full_run() {
        return Ok(());
    }
    let tmp = tempfile::tempdir()?;
    let db = tmp.path().join("tailor.db");
    // TAILOR_<SECTION>_<KEY> variables override the defaults, as for tailor.
    let env: Vec<(String, String)> = std::env::vars().collect();
    let mut config = Config::load(None, &env)?;
    config.store.path = db.clone();
    match std::env::var_os("TAILOR_CURVE_STORE") {
        Some(src) => {
            let src = Path::new(&src);
            // A consistent copy of a live store, never `cp`.
            let from = Store::open(src)?;
            from.backup_to(&db)?;
            let models = src.parent().unwrap_or(Path::new(".")).join("models");
            copy_dir(&models, &tmp.path().join("models"))?;
        }
        None => {
            eprintln!("feedback_curve: building the demo shop and pre-training the default model");
            let opts = tailor::demo::DemoOptions {
                seed: config.demo.seed,
                users: config.demo.users,
            };
            Store::create_demo(&db, &opts, &tmp.path().join("tastes.csv"), &mut |_| {})?;
            let store = Store::open(&db)?;
            drop(store);
            tailor::cli::model_cmds::train(&config, tailor::train::new_version::Activation::Gate)?;
        }
    }
    let mut store = Store::open(&db)?;
    let dir = versions::models_dir(&config);
    let users = store.user_ids()?;
    let (label_shoppers, eval_shoppers) = {
        let eval: Vec<String> = users.iter().rev().take(50).cloned().collect();
        let label: Vec<String> = users.iter().take(users.len() - 50).cloned().collect();
        (label, eval)
    };
    let plan = CurvePlan {
        budgets: std::env::var("TAILOR_CURVE_BUDGETS")
            .ok()
            .map(|b| b.split(',').filter_map(|n| n.trim().parse().ok()).collect())
            .unwrap_or_else(|| vec![0, 50, 100, 200, 400]),
        label_shoppers,
        eval_shoppers,
        candidates: 8,
        label_candidates: 4,
        seed: 2026,
    };
    let started = Instant::now();
    let points = run_curve(&mut store, &config, &dir, &plan, &mut |p| {
        println!("{}", serde_json::to_string(p).unwrap_or_default());
    })?;
    let first = points.first().map_or(0.0, |p| p.acceptance);
    let last = points.last().map_or(0.0, |p| p.acceptance);
    println!(
        "{}",
        serde_json::json!({
            "bench": "feedback_curve",
            "acceptance": points.iter().map(|p| (p.labels, p.acceptance)).collect::<Vec<_>>(),
            "ratio": last / first.max(1e-9),
            "points_gained": (last - first) * 100.0,
            "distinct_2": points.iter().map(|p| p.distinct_2).collect::<Vec<_>>(),
            "fact_errors": points.iter().map(|p| p.fact_errors).collect::<Vec<_>>(),
            "finetune_seconds": points.iter().filter_map(|p| p.finetune.as_ref().map(|f| f.seconds)).collect::<Vec<_>>(),
            "seconds": started.elapsed().as_secs_f64(),
        })
    );
    Ok(())
}
