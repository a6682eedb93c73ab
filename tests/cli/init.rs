//! `tailor init`, `stats`, the bare command, and the config.

use crate::{json, stats, tailor};
use rusqlite::Connection;

#[test]
fn demo_shop_has_the_promised_size_and_shape() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("shop.db");
    let counts = json(tailor(&db).args(["init", "--demo", "--json"]));
    assert!(counts["users"].as_u64().unwrap() >= 2_000, "{counts}");
    assert!(counts["products"].as_u64().unwrap() >= 400, "{counts}");
    assert!(counts["events"].as_u64().unwrap() >= 60_000, "{counts}");
    let s = stats(&db);
    assert_eq!(s["users"], counts["users"]);
    assert_eq!(s["events"], counts["events"]);
    assert_eq!(s["labels"], 0);
    assert!(s["active_model"].is_null());

    let conn = Connection::open(&db).unwrap();
    let q = |sql: &str| -> i64 { conn.query_row(sql, [], |r| r.get(0)).unwrap() };
    assert!(q("SELECT count(DISTINCT category) FROM products") >= 10);
    assert!(
        q("SELECT count(*) FROM events WHERE kind = 'purchase' AND text IS NOT NULL") >= 10_000
    );
    let six_months = 182 * 24 * 3600;
    assert!(q("SELECT max(ts) - min(ts) FROM events") >= six_months);
    for column in ["brand", "price", "description"] {
        let missing = q(&format!(
            "SELECT count(*) FROM products WHERE {column} IS NULL"
        ));
        assert_eq!(missing, 0, "every demo product has a {column}");
    }
    assert_eq!(
        q(
            "SELECT count(*) FROM products WHERE json_extract(attributes, '$.material') IS NULL
              OR json_extract(attributes, '$.color') IS NULL"
        ),
        0
    );

    // The hidden taste is ground truth beside the store, never in it.
    let truth = std::fs::read_to_string(dir.path().join("shop.tastes.csv")).unwrap();
    let lines: Vec<&str> = truth.lines().collect();
    assert_eq!(lines[0], "user_id,taste");
    assert_eq!(lines.len() as i64 - 1, q("SELECT count(*) FROM users"));
    let tastes: std::collections::BTreeSet<&str> = lines[1..]
        .iter()
        .filter_map(|l| l.split(',').nth(1))
        .collect();
    assert!(tastes.len() >= 5, "{tastes:?}");
    for taste in &tastes {
        let hits = q(&format!(
            "SELECT count(*) FROM users WHERE attributes LIKE '%{taste}%' OR display_name LIKE '%{taste}%'"
        ));
        assert_eq!(hits, 0, "taste {taste} leaked into the users table");
    }
}

/// Every row of every table of the store, as text, in a fixed order.
fn dump(db: &std::path::Path) -> String {
    let conn = Connection::open(db).unwrap();
    let mut out = String::new();
    for sql in [
        "SELECT product_id, title, category, brand, price, description, attributes FROM products ORDER BY id",
        "SELECT user_id, display_name, attributes, '', '', '', '' FROM users ORDER BY id",
        "SELECT user, product, kind, ts, rating, text, '' FROM events ORDER BY id",
    ] {
        let mut stmt = conn.prepare(sql).unwrap();
        let rows = stmt
            .query_map([], |r| {
                (0..7)
                    .map(|i| {
                        r.get::<_, rusqlite::types::Value>(i)
                            .map(|v| format!("{v:?}"))
                    })
                    .collect::<Result<Vec<_>, _>>()
            })
            .unwrap();
        for row in rows {
            out.push_str(&row.unwrap().join("|"));
            out.push('\n');
        }
    }
    out
}

#[test]
fn demo_shop_is_deterministic_for_a_seed() {
    let dir = tempfile::tempdir().unwrap();
    let make = |name: &str, seed: &str| {
        let db = dir.path().join(name);
        tailor(&db)
            .args(["init", "--demo", "--users", "60", "--seed", seed])
            .assert()
            .success();
        dump(&db)
    };
    let a = make("a.db", "7");
    assert_eq!(a, make("b.db", "7"));
    assert_ne!(a, make("c.db", "8"));
}

#[test]
fn demo_refuses_a_store_that_holds_data() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("shop.db");
    tailor(&db)
        .args(["init", "--demo", "--users", "20"])
        .assert()
        .success();
    let before = stats(&db);
    let out = tailor(&db)
        .args(["init", "--demo", "--users", "30"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("already holds data"), "{err}");
    assert_eq!(stats(&db), before);
}

#[test]
fn bare_tailor_creates_the_demo_store_on_first_run() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("first.db");
    let out = tailor(&db).env("TAILOR_DEMO_USERS", "40").output().unwrap();
    // Without a terminal the console cannot open, and says so; the store
    // is made all the same (console.rs runs it in a terminal).
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{err}");
    assert!(err.contains("needs a terminal"), "{err}");
    assert_eq!(stats(&db)["users"], 40);
    // The log went to a file beside the store, not to the screen.
    let log = std::fs::read_to_string(dir.path().join("tailor.log")).unwrap();
    assert!(log.contains("demo shop created"), "{log}");
}

#[test]
fn stats_json_has_the_contract_keys() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("empty.db");
    let s = json(tailor(&db).args(["init", "--json"]));
    assert_eq!(
        s,
        serde_json::json!({"users": 0, "products": 0, "events": 0})
    );
    let s = stats(&db);
    let keys: Vec<&str> = s.as_object().unwrap().keys().map(String::as_str).collect();
    for key in [
        "users",
        "products",
        "events",
        "generations",
        "labels",
        "active_model",
    ] {
        assert!(keys.contains(&key), "{key} missing from {s}");
    }
}

#[test]
fn usage_errors_exit_2() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("x.db");
    tailor(&db)
        .args(["import", "widgets", "x.csv"])
        .assert()
        .code(2);
    tailor(&db).args(["init", "--seed", "3"]).assert().code(2);
}

#[test]
fn a_config_with_an_unknown_key_is_refused_with_its_name() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("x.db");
    let cfg = dir.path().join("my.toml");
    std::fs::write(&cfg, "[store]\npaht = \"y.db\"\n").unwrap();
    let out = tailor(&db)
        .arg("--config")
        .arg(&cfg)
        .arg("stats")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("my.toml") && err.contains("paht"), "{err}");
}

#[test]
fn flags_beat_env_beat_config_file() {
    let dir = tempfile::tempdir().unwrap();
    let cfg = dir.path().join("my.toml");
    std::fs::write(&cfg, "[store]\npath = \"from-file.db\"\n").unwrap();
    let run = |db_flag: Option<&str>, env: Option<&str>| {
        let mut cmd = assert_cmd::Command::cargo_bin("tailor").unwrap();
        cmd.current_dir(dir.path()).arg("--config").arg(&cfg);
        cmd.env_remove("TAILOR_STORE_PATH");
        if let Some(db) = db_flag {
            cmd.arg("--db").arg(db);
        }
        if let Some(e) = env {
            cmd.env("TAILOR_STORE_PATH", e);
        }
        cmd.args(["init", "--json"]).assert().success();
    };
    run(None, None);
    assert!(dir.path().join("from-file.db").exists());
    run(None, Some("from-env.db"));
    assert!(dir.path().join("from-env.db").exists());
    run(Some("from-flag.db"), Some("from-env.db"));
    assert!(dir.path().join("from-flag.db").exists());
}

#[test]
fn init_demo_shop_kitchen_builds_that_shop_with_its_own_tastes() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("kitchen.db");
    let counts = json(tailor(&db).args([
        "init", "--demo", "--shop", "kitchen", "--users", "50", "--json",
    ]));
    assert_eq!(counts["users"], 50, "{counts}");
    assert!(counts["products"].as_u64().unwrap() >= 250, "{counts}");
    let conn = Connection::open(&db).unwrap();
    let q = |sql: &str| -> i64 { conn.query_row(sql, [], |r| r.get(0)).unwrap() };
    assert!(q("SELECT count(*) FROM products WHERE category = 'Cookware'") > 0);
    assert_eq!(
        q("SELECT count(*) FROM products WHERE category = 'Knitwear'"),
        0
    );
    assert!(
        q(
            "SELECT count(*) FROM products WHERE json_extract(attributes, '$.dishwasher_safe') IS NOT NULL"
        ) > 0
    );
    assert!(q("SELECT count(*) FROM events WHERE kind = 'purchase' AND text IS NOT NULL") > 0);

    let truth = std::fs::read_to_string(dir.path().join("kitchen.tastes.csv")).unwrap();
    let lines: Vec<&str> = truth.lines().collect();
    assert_eq!(lines[0], "user_id,taste");
    assert_eq!(lines.len(), 51);
    let tastes: std::collections::BTreeSet<&str> = lines[1..]
        .iter()
        .filter_map(|l| l.split(',').nth(1))
        .collect();
    assert!(
        tastes.contains("easy-care") && !tastes.contains("tech"),
        "{tastes:?}"
    );
    for taste in &tastes {
        let hits = q(&format!(
            "SELECT count(*) FROM users WHERE attributes LIKE '%{taste}%' OR display_name LIKE '%{taste}%'"
        ));
        assert_eq!(hits, 0, "taste {taste} leaked into the users table");
    }
}

#[test]
fn init_demo_shop_default_is_the_plain_demo_byte_for_byte() {
    let dir = tempfile::tempdir().unwrap();
    let make = |name: &str, shop: Option<&str>| {
        let db = dir.path().join(name);
        let mut cmd = tailor(&db);
        cmd.args(["init", "--demo", "--users", "40", "--seed", "9"]);
        if let Some(shop) = shop {
            cmd.args(["--shop", shop]);
        }
        cmd.assert().success();
        let truth = std::fs::read(db.with_extension("tastes.csv")).unwrap();
        (dump(&db), truth)
    };
    assert_eq!(make("plain.db", None), make("named.db", Some("default")));
}

#[test]
fn init_demo_shop_is_deterministic_for_a_seed() {
    let dir = tempfile::tempdir().unwrap();
    let make = |name: &str, seed: &str| {
        let db = dir.path().join(name);
        tailor(&db)
            .args([
                "init", "--demo", "--shop", "beauty", "--users", "30", "--seed", seed,
            ])
            .assert()
            .success();
        dump(&db)
    };
    let a = make("a.db", "7");
    assert_eq!(a, make("b.db", "7"));
    assert_ne!(a, make("c.db", "8"));
}

#[test]
fn init_demo_with_an_unknown_shop_exits_2_naming_the_choices() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("x.db");
    let out = tailor(&db)
        .args(["init", "--demo", "--shop", "toys"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("'toys'"), "{err}");
    for name in ["default", "kitchen", "garden", "beauty", "books"] {
        assert!(err.contains(name), "{name} missing from {err}");
    }
    assert!(!db.exists(), "nothing is created on a usage error");
    // --shop belongs to --demo.
    tailor(&db)
        .args(["init", "--shop", "kitchen"])
        .assert()
        .code(2);
}
