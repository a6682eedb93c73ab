//! Read latency at scale: the four queries the console pages through, on a
//! store of 1,000,000 shoppers and 20,000,000 events.
//!
//! Why: every screen of the console is one of these queries, and each must
//! stay an index range scan that touches O(page) rows (target: under 5 ms a
//! page), however large the shop. Measured:
//!
//! - `shoppers_page`: 50 shoppers by id after a random shopper id;
//! - `shoppers_filtered_id`: the filtered list (names on) for a random id
//!   prefix of 2 to 8 characters, e.g. `u00123`;
//! - `shoppers_filtered_name`: the same for a random display-name prefix;
//! - `history`: 50 newest events of a random shopper;
//! - `product_events`: 50 newest events of a random product.
//!
//! The store is built once into `target/bench-data/scale.db` (rebuilt when
//! missing or of the wrong size) by generating CSVs and loading them with
//! `Store::import`, so it has the store's real schema and indexes; the build
//! time is printed. Every call takes its input from a seeded list of random
//! start points so that no query keeps hitting the same cached pages. Each
//! call is timed on its own (criterion's `iter_custom`) and the medians go to
//! stdout as one JSON line at the end.
//!
//! Run with `cargo bench --bench queries`: the first run builds the store
//! (minutes), later runs take about a minute. Without `--bench` (as `cargo
//! test --benches` runs it) it builds a small private store and runs each
//! query once.

// Test and benchmark code: a panic is a failed run, not a crash.
#![allow(clippy::unwrap_used)]

use criterion::Criterion;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use serde::Serialize;
use std::collections::BTreeMap;
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};
use tailor::store::import::ImportKind;
use tailor::store::{ShopperCursor, Store};

/// How big a store to build.
struct Sizes {
    users: usize,
    /// Events per shopper on average; the total is exactly `users * this`.
    events_per_user: usize,
    products: usize,
}

const FULL: Sizes = Sizes {
    users: 1_000_000,
    events_per_user: 20,
    products: 300,
};

const SMOKE: Sizes = Sizes {
    users: 2_000,
    events_per_user: 20,
    products: 30,
};

/// 2025-01-01T00:00:00Z; events spread over the six months after it.
const BASE_TS: i64 = 1_735_689_600;
const SPAN_S: i64 = 182 * 24 * 3600;

/// Rows per page, as the console asks.
const PAGE: usize = 50;

/// Random start points per query; calls cycle through them.
const INPUTS: usize = 20_000;

const FIRST: &[&str] = &[
    "Maria", "Marco", "Martin", "Mariam", "Jonas", "Jon", "Aiko", "Aino", "Omar", "Olga", "Lena",
    "Leon", "Pedro", "Paula", "Sofia", "Sven", "Yusuf", "Yara", "Elin", "Emil", "Chen", "Chidi",
    "Ingrid", "Ivan", "Kofi", "Katja", "Noor", "Nils", "Rosa", "Rahul",
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
    "Müller",
    "Nakamura",
    "Mensah",
    "Kowalski",
    "Ahmed",
    "Dubois",
    "Jensen",
    "García",
    "Kim",
    "Singh",
    "Ivanova",
    "Moreau",
];
const CATEGORIES: &[&str] = &[
    "outerwear",
    "knitwear",
    "shoes",
    "bags",
    "sportswear",
    "home",
];

/// The JSON line printed after building the scale store.
#[derive(Serialize)]
struct BuildLine {
    bench: &'static str,
    users: usize,
    events: u64,
    generate_s: f64,
    import_users_s: f64,
    import_events_s: f64,
    import_events_rows_per_s: f64,
    analyze_s: f64,
    /// Everything, generation included.
    seconds: f64,
}

/// The JSON line printed at the end: the median milliseconds of each query,
/// then each one's median, 99th percentile and number of calls.
#[derive(Serialize)]
struct QueriesLine {
    bench: &'static str,
    users: usize,
    events: usize,
    page: usize,
    shoppers_page_ms: f64,
    shoppers_filtered_id_ms: f64,
    shoppers_filtered_name_ms: f64,
    history_ms: f64,
    product_events_ms: f64,
    detail: BTreeMap<&'static str, Query>,
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    smoke: bool,
}

#[derive(Serialize)]
struct Query {
    median_ms: f64,
    p99_ms: f64,
    calls: usize,
}

fn json(value: &impl Serialize) -> String {
    serde_json::to_string(value).expect("serialising the result")
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

fn user_id(i: usize) -> String {
    format!("u{:07}", i + 1)
}

fn product_id(i: usize) -> String {
    format!("p{i:04}")
}

/// The display name of shopper `i`, or `None` for one in ten.
fn display_name(i: usize) -> Option<String> {
    (i % 10 != 3).then(|| {
        format!(
            "{} {}",
            FIRST[(i * 7 + i / 13) % FIRST.len()],
            LAST[(i / 3 + i / 101) % LAST.len()]
        )
    })
}

fn create(path: &Path) -> BufWriter<std::fs::File> {
    let f =
        std::fs::File::create(path).unwrap_or_else(|e| panic!("creating {}: {e}", path.display()));
    BufWriter::with_capacity(1 << 20, f)
}

fn finish(mut w: BufWriter<std::fs::File>, path: &Path) {
    w.flush()
        .unwrap_or_else(|e| panic!("writing {}: {e}", path.display()));
}

/// Writes products.csv, users.csv and events.csv into `dir`. None of the
/// generated fields needs CSV quoting, so they are written by hand.
///
/// Events are grouped by shopper, each shopper's in time order, as an
/// export by customer would be; shoppers have 1 to 39 events (pairs of
/// shoppers sum to twice the average, so the total is exact), products are
/// skewed towards a popular head.
fn generate(dir: &Path, sizes: &Sizes) {
    let mut rng = ChaCha8Rng::seed_from_u64(0x7a11_0002);
    let io = |e: std::io::Error| panic!("writing the scale CSVs: {e}");

    let path = dir.join("products.csv");
    let mut w = create(&path);
    writeln!(w, "product_id,title,category,price").unwrap_or_else(io);
    for i in 0..sizes.products {
        let category = CATEGORIES[i % CATEGORIES.len()];
        writeln!(
            w,
            "{},{} no. {i},{category},{}.{:02}",
            product_id(i),
            category,
            5 + rng.random_range(0..200),
            rng.random_range(0..100)
        )
        .unwrap_or_else(io);
    }
    finish(w, &path);

    let path = dir.join("users.csv");
    let mut w = create(&path);
    writeln!(w, "user_id,display_name").unwrap_or_else(io);
    for i in 0..sizes.users {
        writeln!(w, "{},{}", user_id(i), display_name(i).unwrap_or_default()).unwrap_or_else(io);
    }
    finish(w, &path);

    let path = dir.join("events.csv");
    let mut w = create(&path);
    writeln!(w, "user_id,product_id,kind,ts,rating,text").unwrap_or_else(io);
    let mean = sizes.events_per_user;
    let mut times = Vec::with_capacity(2 * mean);
    let mut spread = 0;
    for i in 0..sizes.users {
        let count = if i % 2 == 0 {
            spread = rng.random_range(0..mean);
            mean + spread
        } else {
            mean - spread
        };
        times.clear();
        times.extend((0..count).map(|_| BASE_TS + rng.random_range(0..SPAN_S)));
        times.sort_unstable();
        // Strictly increasing, so (user, product, kind, ts) stays unique.
        for k in 1..times.len() {
            if times[k] <= times[k - 1] {
                times[k] = times[k - 1] + 1;
            }
        }
        let user = user_id(i);
        for &ts in &times {
            let r: f64 = rng.random();
            let product = product_id(((r * r) * sizes.products as f64) as usize);
            match rng.random_range(0..100) {
                0..75 => writeln!(w, "{user},{product},view,{ts},,"),
                75..88 => writeln!(w, "{user},{product},cart,{ts},,"),
                88..96 => writeln!(w, "{user},{product},purchase,{ts},,"),
                _ => writeln!(
                    w,
                    "{user},{product},review,{ts},{},Good value for the price",
                    rng.random_range(1..=5)
                ),
            }
            .unwrap_or_else(io);
        }
    }
    finish(w, &path);
}

/// Opens the store at `db` if it holds the expected counts; otherwise builds
/// it from scratch and prints how long that took.
fn scale_store(db: &Path, sizes: &Sizes) -> Store {
    let events = (sizes.users * sizes.events_per_user) as u64;
    if db.is_file() {
        let store = Store::open(db).expect("opening the scale store");
        let stats = store.stats().expect("counting the scale store");
        if stats.users == sizes.users as u64 && stats.events == events {
            eprintln!("queries bench: reusing {}", db.display());
            return store;
        }
        eprintln!(
            "queries bench: {} holds {} shoppers and {} events; rebuilding",
            db.display(),
            stats.users,
            stats.events
        );
    }
    for suffix in ["", "-wal", "-shm"] {
        let _ = std::fs::remove_file(format!("{}{suffix}", db.display()));
    }
    let dir = db.with_extension("csv.d");
    std::fs::create_dir_all(&dir).unwrap_or_else(|e| panic!("creating {}: {e}", dir.display()));

    let total = Instant::now();
    let t = Instant::now();
    generate(&dir, sizes);
    let generate_s = t.elapsed().as_secs_f64();
    eprintln!("queries bench: generated the CSVs in {generate_s:.1} s");

    let mut store = Store::create(db).expect("creating the scale store");
    let t = Instant::now();
    store
        .import(ImportKind::Products, &dir.join("products.csv"))
        .expect("importing products");
    let report = store
        .import(ImportKind::Users, &dir.join("users.csv"))
        .expect("importing users");
    assert_eq!(report.inserted, sizes.users as u64, "shoppers inserted");
    let users_s = t.elapsed().as_secs_f64();
    eprintln!(
        "queries bench: imported {} shoppers in {users_s:.1} s",
        sizes.users
    );

    let t = Instant::now();
    let report = store
        .import(ImportKind::Events, &dir.join("events.csv"))
        .expect("importing events");
    assert_eq!(report.inserted, events, "events inserted");
    let events_s = t.elapsed().as_secs_f64();
    eprintln!("queries bench: imported {events} events in {events_s:.1} s");

    let t = Instant::now();
    store.analyze().expect("analyzing the scale store");
    let analyze_s = t.elapsed().as_secs_f64();
    let _ = std::fs::remove_dir_all(&dir);

    let line = BuildLine {
        bench: "scale_store_build",
        users: sizes.users,
        events,
        generate_s: round3(generate_s),
        import_users_s: round3(users_s),
        import_events_s: round3(events_s),
        import_events_rows_per_s: (events as f64 / events_s).round(),
        analyze_s: round3(analyze_s),
        seconds: round3(total.elapsed().as_secs_f64()),
    };
    println!("{}", json(&line));
    store
}

fn round3(x: f64) -> f64 {
    (x * 1000.0).round() / 1000.0
}

/// Per-call latencies of one query, in the order measured.
#[derive(Default)]
struct Latencies(Vec<Duration>);

impl Latencies {
    /// The `q`-quantile in milliseconds (0.5: the median).
    fn quantile_ms(&self, q: f64) -> f64 {
        let mut v = self.0.clone();
        if v.is_empty() {
            return f64::NAN;
        }
        v.sort_unstable();
        let i = ((v.len() - 1) as f64 * q).round() as usize;
        round3(v[i].as_secs_f64() * 1000.0)
    }
}

/// Benchmarks `query` over `inputs`, one call per iteration, cycling through
/// the inputs, and records each call's latency.
fn bench<T>(
    c: &mut Criterion,
    name: &str,
    inputs: &[T],
    latencies: &mut Latencies,
    mut query: impl FnMut(&T),
) {
    let mut next = 0;
    c.bench_function(&format!("queries/{name}"), |b| {
        b.iter_custom(|iters| {
            let mut total = Duration::ZERO;
            for _ in 0..iters {
                let input = &inputs[next % inputs.len()];
                next += 1;
                let start = Instant::now();
                query(input);
                let took = start.elapsed();
                total += took;
                latencies.0.push(took);
            }
            total
        })
    });
}

fn main() {
    let full = full_run();
    let sizes = if full { FULL } else { SMOKE };
    let root = bench_root();
    std::fs::create_dir_all(&root).unwrap_or_else(|e| panic!("creating {}: {e}", root.display()));
    let smoke_dir;
    let db = if full {
        root.join("scale.db")
    } else {
        smoke_dir = tempfile::tempdir_in(&root).expect("a temporary folder");
        smoke_dir.path().join("scale.db")
    };
    let store = scale_store(&db, &sizes);

    let mut rng = ChaCha8Rng::seed_from_u64(0x7a11_0003);
    let random_user = |rng: &mut ChaCha8Rng| rng.random_range(0..sizes.users);
    let after_ids: Vec<String> = (0..INPUTS)
        .map(|_| user_id(random_user(&mut rng)))
        .collect();
    let id_prefixes: Vec<String> = (0..INPUTS)
        .map(|_| {
            let id = user_id(random_user(&mut rng));
            let len = rng.random_range(2..=id.len());
            id[..len].to_string()
        })
        .collect();
    let name_prefixes: Vec<String> = (0..INPUTS)
        .map(|_| {
            let name = display_name(random_user(&mut rng)).unwrap_or_else(|| "Ma".into());
            // Whole characters only: names hold non-ASCII letters.
            let chars: Vec<char> = name.chars().collect();
            let len = rng.random_range(1..=chars.len().min(8));
            chars[..len].iter().collect()
        })
        .collect();
    let history_users: Vec<String> = (0..INPUTS)
        .map(|_| user_id(random_user(&mut rng)))
        .collect();
    let products: Vec<String> = (0..INPUTS)
        .map(|_| product_id(rng.random_range(0..sizes.products)))
        .collect();

    let mut c = Criterion::default()
        .sample_size(50)
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(4))
        .configure_from_args();

    let mut page = Latencies::default();
    bench(&mut c, "shoppers_page", &after_ids, &mut page, |after| {
        let rows = store
            .shoppers_page(Some(after), PAGE)
            .expect("shoppers_page");
        std::hint::black_box(rows);
    });
    let mut by_id = Latencies::default();
    bench(
        &mut c,
        "shoppers_filtered_id",
        &id_prefixes,
        &mut by_id,
        |prefix| {
            let page = store
                .shoppers_filtered(prefix, true, &ShopperCursor::Start, PAGE)
                .expect("shoppers_filtered by id");
            assert!(!page.0.is_empty(), "no shopper id starts with {prefix}");
            std::hint::black_box(page);
        },
    );
    let mut by_name = Latencies::default();
    bench(
        &mut c,
        "shoppers_filtered_name",
        &name_prefixes,
        &mut by_name,
        |prefix| {
            let page = store
                .shoppers_filtered(prefix, true, &ShopperCursor::Start, PAGE)
                .expect("shoppers_filtered by name");
            assert!(!page.0.is_empty(), "no shopper name starts with {prefix}");
            std::hint::black_box(page);
        },
    );
    let mut history = Latencies::default();
    bench(&mut c, "history", &history_users, &mut history, |user| {
        let items = store.history(user, None, PAGE).expect("history");
        assert!(!items.is_empty(), "{user} has no history");
        std::hint::black_box(items);
    });
    let mut product = Latencies::default();
    bench(&mut c, "product_events", &products, &mut product, |p| {
        let events = store.product_events(p, PAGE).expect("product_events");
        std::hint::black_box(events);
    });
    c.final_summary();

    let query = |l: &Latencies| Query {
        median_ms: l.quantile_ms(0.5),
        p99_ms: l.quantile_ms(0.99),
        calls: l.0.len(),
    };
    let line = QueriesLine {
        bench: "queries",
        users: sizes.users,
        events: sizes.users * sizes.events_per_user,
        page: PAGE,
        shoppers_page_ms: page.quantile_ms(0.5),
        shoppers_filtered_id_ms: by_id.quantile_ms(0.5),
        shoppers_filtered_name_ms: by_name.quantile_ms(0.5),
        history_ms: history.quantile_ms(0.5),
        product_events_ms: product.quantile_ms(0.5),
        detail: [
            ("shoppers_page", query(&page)),
            ("shoppers_filtered_id", query(&by_id)),
            ("shoppers_filtered_name", query(&by_name)),
            ("history", query(&history)),
            ("product_events", query(&product)),
        ]
        .into_iter()
        .collect(),
        smoke: !full,
    };
    println!("{}", json(&line));
}
