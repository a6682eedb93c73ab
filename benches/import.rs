//! Import throughput: tailor's `Store::import` of a 1,000,000-row events CSV,
//! against the `sqlite3` shell's `.import` of the same file into a bare
//! table with no index, as the floor of what loading a CSV into SQLite costs.
//!
//! Why: an analyst imports a shop's event log before anything else, and the
//! store validates every row, resolves the shopper and product ids and
//! maintains two indexes and the uniqueness key on the way in; the ratio to
//! the bare `.import` says what that costs and catches regressions.
//!
//! The data (500 products, 20,000 shoppers, 1,000,000 events with some review
//! text, deterministic) is written once into `target/bench-data/import-v1/`
//! and reused. Each round imports products and shoppers into a fresh store
//! (not timed), then times the events import; the `sqlite3` round times the
//! whole `sqlite3` process on a fresh database file. The two alternate for
//! three rounds each and the medians go to stdout as one JSON line.
//!
//! Run with `cargo bench --bench import` (about a minute). Without `--bench`
//! (as `cargo test --benches` runs it) it does one quick round on 5,000
//! events in a temporary folder, to prove the code path works.
//! A plain `main` rather than criterion: criterion's minimum of ten samples
//! of several seconds each is too slow for a one-million-row load.

// Test and benchmark code: a panic is a failed run, not a crash.
#![allow(clippy::unwrap_used)]

use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Instant;
use tailor::store::Store;
use tailor::store::import::ImportKind;

/// How much data to generate.
struct Sizes {
    products: usize,
    users: usize,
    events: usize,
}

const FULL: Sizes = Sizes {
    products: 500,
    users: 20_000,
    events: 1_000_000,
};

const SMOKE: Sizes = Sizes {
    products: 50,
    users: 200,
    events: 5_000,
};

/// The JSON line printed at the end (field order kept).
#[derive(serde::Serialize)]
struct Line {
    bench: &'static str,
    rows: usize,
    rounds: usize,
    tailor_rows_per_s: f64,
    /// `None` when sqlite3 is not installed.
    sqlite3_import_rows_per_s: Option<f64>,
    /// tailor / sqlite3, in rows per second.
    ratio: Option<f64>,
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    smoke: bool,
}

/// Rounds of each contender, alternating.
const ROUNDS: usize = 3;

/// 2025-01-01T00:00:00Z.
const BASE_TS: i64 = 1_735_689_600;

const CATEGORIES: &[&str] = &[
    "outerwear",
    "knitwear",
    "shoes",
    "bags",
    "sportswear",
    "home",
    "kitchen",
    "garden",
];
const BRANDS: &[&str] = &["Northwind", "Fjell", "Loom & Co", "Kestrel", "Uppland"];
const FIRST: &[&str] = &[
    "Maria", "Jonas", "Aiko", "Omar", "Lena", "Pedro", "Sofia", "Yusuf", "Elin", "Marco",
];
const LAST: &[&str] = &[
    "Berg",
    "Okafor",
    "Tanaka",
    "Lindqvist",
    "Rossi",
    "Haddad",
    "Novak",
    "Silva",
];
const REVIEWS: &[&str] = &[
    "Fits well, soft fabric",
    "Runs small; order a size up",
    "The \"eco\" label seems real: no plastic in the parcel",
    "Great value",
    "Colour is darker than on the photo",
    "Warm, light, and it packs small",
    "Returned it, the zip broke after a week",
];
const COPY: &[&str] = &[
    "Made for cold mornings, built to last",
    "Recycled polyester, zero compromise",
    "Your new everyday favourite",
];

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

/// Writes `path` through a temporary file, so that an interrupted run never
/// leaves a truncated file that a later run would reuse.
fn write_atomically(path: &Path, fill: impl FnOnce(&mut csv::Writer<std::fs::File>)) {
    let tmp = path.with_extension("csv.tmp");
    let mut w =
        csv::Writer::from_path(&tmp).unwrap_or_else(|e| panic!("creating {}: {e}", tmp.display()));
    fill(&mut w);
    w.flush()
        .unwrap_or_else(|e| panic!("writing {}: {e}", tmp.display()));
    std::fs::rename(&tmp, path).unwrap_or_else(|e| panic!("renaming {}: {e}", tmp.display()));
}

/// Writes products.csv, users.csv and events.csv into `dir`, events last so
/// that its presence means the set is complete.
fn generate(dir: &Path, sizes: &Sizes) {
    std::fs::create_dir_all(dir).unwrap_or_else(|e| panic!("creating {}: {e}", dir.display()));
    let mut rng = ChaCha8Rng::seed_from_u64(0x7a11_0001);
    let rec = |w: &mut csv::Writer<std::fs::File>, fields: &[&str]| {
        w.write_record(fields).expect("writing a CSV record");
    };

    write_atomically(&dir.join("products.csv"), |w| {
        rec(
            w,
            &[
                "product_id",
                "title",
                "category",
                "brand",
                "price",
                "description",
                "attributes",
            ],
        );
        for i in 0..sizes.products {
            let category = CATEGORIES[i % CATEGORIES.len()];
            let brand = BRANDS[i % BRANDS.len()];
            let price = format!(
                "{}.{:02}",
                10 + rng.random_range(0..190),
                rng.random_range(0..100)
            );
            let attributes = format!(
                r#"{{"material":"recycled polyester","eco":{},"size_count":{}}}"#,
                i % 3 == 0,
                1 + i % 6
            );
            rec(
                w,
                &[
                    &format!("p{i:04}"),
                    &format!("{brand} {category} no. {i}"),
                    category,
                    brand,
                    &price,
                    "A sturdy, well-made piece for every day",
                    &attributes,
                ],
            );
        }
    });

    write_atomically(&dir.join("users.csv"), |w| {
        rec(w, &["user_id", "display_name", "attributes"]);
        for i in 0..sizes.users {
            let name = if i % 10 == 9 {
                String::new()
            } else {
                format!("{} {}", FIRST[i % FIRST.len()], LAST[(i / 7) % LAST.len()])
            };
            rec(w, &[&format!("u{i:05}"), &name, r#"{"tier":"member"}"#]);
        }
    });

    // A time-ordered log: one event every few seconds from BASE_TS, random
    // shoppers and products; strictly increasing timestamps keep the
    // (user, product, kind, ts) key unique.
    write_atomically(&dir.join("events.csv"), |w| {
        rec(
            w,
            &["user_id", "product_id", "kind", "ts", "rating", "text"],
        );
        let mut ts = BASE_TS;
        for _ in 0..sizes.events {
            ts += rng.random_range(1..30);
            let user = format!("u{:05}", rng.random_range(0..sizes.users));
            let product = format!("p{:04}", rng.random_range(0..sizes.products));
            let roll = rng.random_range(0..100);
            let (kind, rating, text) = match roll {
                0..70 => ("view", String::new(), ""),
                70..85 => ("cart", String::new(), ""),
                85..95 => ("purchase", String::new(), COPY[roll % COPY.len()]),
                _ => (
                    "review",
                    rng.random_range(1..=5).to_string(),
                    REVIEWS[rng.random_range(0..REVIEWS.len())],
                ),
            };
            rec(w, &[&user, &product, kind, &ts.to_string(), &rating, text]);
        }
    });
}

/// One tailor round: a fresh store with products and shoppers (not timed),
/// then the timed events import. Returns seconds.
fn tailor_round(data: &Path, db: &Path, events: usize) -> f64 {
    let mut store = Store::create(db).expect("opening a fresh store");
    store
        .import(ImportKind::Products, &data.join("products.csv"))
        .expect("importing products");
    store
        .import(ImportKind::Users, &data.join("users.csv"))
        .expect("importing users");
    let start = Instant::now();
    let report = store
        .import(ImportKind::Events, &data.join("events.csv"))
        .expect("importing events");
    let seconds = start.elapsed().as_secs_f64();
    assert_eq!(report.rows, events as u64, "rows read");
    assert_eq!(report.inserted, events as u64, "events inserted");
    drop(store);
    seconds
}

/// A path as a double-quoted argument of the sqlite3 shell.
fn shell_quote(path: &Path) -> String {
    format!(
        "\"{}\"",
        path.display()
            .to_string()
            .replace('\\', "\\\\")
            .replace('"', "\\\"")
    )
}

/// Runs the sqlite3 shell on `db` with `script` on stdin; returns stdout.
fn sqlite3(db: &Path, script: &str) -> String {
    let mut child = Command::new("sqlite3")
        .arg("-bail")
        .arg(db)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("starting sqlite3");
    child
        .stdin
        .take()
        .expect("sqlite3's stdin")
        .write_all(script.as_bytes())
        .expect("writing to sqlite3");
    let out = child.wait_with_output().expect("waiting for sqlite3");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        out.status.success() && stderr.trim().is_empty(),
        "sqlite3 failed ({}): {stderr}",
        out.status
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// One reference round: the whole sqlite3 process, creating a bare typed
/// table and `.import`ing the file into it. Returns seconds.
fn sqlite3_round(events_csv: &Path, db: &Path, events: usize) -> f64 {
    let script = format!(
        "CREATE TABLE events (user_id TEXT, product_id TEXT, kind TEXT, ts INTEGER, rating INTEGER, text TEXT);\n\
         .mode csv\n\
         .import --skip 1 {} events\n",
        shell_quote(events_csv)
    );
    let start = Instant::now();
    sqlite3(db, &script);
    let seconds = start.elapsed().as_secs_f64();
    let count = sqlite3(db, "SELECT count(*) FROM events;\n");
    assert_eq!(
        count.trim(),
        events.to_string(),
        "rows in the sqlite3 table"
    );
    seconds
}

fn median(xs: &mut [f64]) -> f64 {
    xs.sort_by(f64::total_cmp);
    let n = xs.len();
    if n % 2 == 1 {
        xs[n / 2]
    } else {
        (xs[n / 2 - 1] + xs[n / 2]) / 2.0
    }
}

fn main() {
    let full = full_run();
    let (sizes, rounds) = if full { (FULL, ROUNDS) } else { (SMOKE, 1) };
    let root = bench_root();
    std::fs::create_dir_all(&root).unwrap_or_else(|e| panic!("creating {}: {e}", root.display()));

    // The data: cached for real runs, private for smoke runs.
    let smoke_dir;
    let data = if full {
        let dir = root.join("import-v1");
        if !dir.join("events.csv").is_file() {
            let start = Instant::now();
            generate(&dir, &sizes);
            eprintln!(
                "import bench: wrote {} events to {} in {:.1} s",
                sizes.events,
                dir.display(),
                start.elapsed().as_secs_f64()
            );
        }
        dir
    } else {
        smoke_dir = tempfile::tempdir_in(&root).expect("a temporary folder");
        generate(smoke_dir.path(), &sizes);
        smoke_dir.path().to_path_buf()
    };
    let events_csv = data.join("events.csv");

    let have_sqlite3 = Command::new("sqlite3")
        .arg("-version")
        .output()
        .is_ok_and(|o| o.status.success());
    if !have_sqlite3 {
        eprintln!(
            "import bench: sqlite3 is not installed (apt-get install sqlite3); measuring tailor only"
        );
    }

    let mut tailor_s = Vec::new();
    let mut sqlite3_s = Vec::new();
    for round in 1..=rounds {
        let scratch = tempfile::tempdir_in(&root).expect("a temporary folder");
        let t = tailor_round(&data, &scratch.path().join("tailor.db"), sizes.events);
        eprintln!(
            "import bench: round {round}: tailor {t:.2} s ({:.0} rows/s)",
            sizes.events as f64 / t
        );
        tailor_s.push(t);
        if have_sqlite3 {
            let s = sqlite3_round(
                &events_csv,
                &scratch.path().join("sqlite3.db"),
                sizes.events,
            );
            eprintln!(
                "import bench: round {round}: sqlite3 .import {s:.2} s ({:.0} rows/s)",
                sizes.events as f64 / s
            );
            sqlite3_s.push(s);
        }
    }

    let rows = sizes.events as f64;
    let tailor_rate = rows / median(&mut tailor_s);
    let sqlite3_rate = have_sqlite3.then(|| rows / median(&mut sqlite3_s));
    let line = Line {
        bench: "import_events",
        rows: sizes.events,
        rounds,
        tailor_rows_per_s: tailor_rate.round(),
        sqlite3_import_rows_per_s: sqlite3_rate.map(f64::round),
        ratio: sqlite3_rate.map(|s| (tailor_rate / s * 1000.0).round() / 1000.0),
        smoke: !full,
    };
    println!(
        "{}",
        serde_json::to_string(&line).expect("serialising the result")
    );
}
