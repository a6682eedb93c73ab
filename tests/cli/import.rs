//! `tailor import`: what an analyst sees when a file is good, bad, repeated,
//! huge, mis-encoded or hostile. Small files live in `fixtures/import/`;
//! big and broken ones are written at test time.

use crate::{json, stats, tailor};
use predicates::prelude::*;
use rusqlite::Connection;
use std::path::{Path, PathBuf};

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("fixtures/import")
        .join(name)
}

/// A fresh store in a temporary folder.
fn store() -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("shop.db");
    tailor(&db).arg("init").assert().success();
    (dir, db)
}

/// `tailor import KIND FILE --json`, which must succeed.
fn import(db: &Path, kind: &str, file: &Path) -> serde_json::Value {
    json(tailor(db).args(["import", kind]).arg(file).arg("--json"))
}

/// `tailor import KIND FILE`, which must fail with bad data (65); its stderr.
fn import_fails(db: &Path, kind: &str, file: &Path) -> String {
    let out = tailor(db)
        .args(["import", kind])
        .arg(file)
        .arg("--json")
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    assert_eq!(out.status.code(), Some(65), "stderr: {stderr}");
    assert!(out.stdout.is_empty(), "nothing on stdout after a failure");
    stderr
}

/// A store with the fixture catalog and shoppers.
fn store_with_catalog() -> (tempfile::TempDir, PathBuf) {
    let (dir, db) = store();
    import(&db, "products", &fixture("products.csv"));
    import(&db, "users", &fixture("users.csv"));
    (dir, db)
}

#[test]
fn a_bad_row_exits_65_names_file_line_column_and_value_and_writes_nothing() {
    let (_dir, db) = store();
    import(&db, "users", &fixture("users.csv"));
    let before = stats(&db);
    let stderr = import_fails(&db, "products", &fixture("products_bad_price.csv"));
    // Rows 2 to 4 were fine; the fifth line is not, and nothing is kept.
    assert!(
        stderr.contains("products_bad_price.csv:5: column `price`"),
        "{stderr}"
    );
    assert!(stderr.contains("\"-3.50\""), "{stderr}");
    assert_eq!(stats(&db), before);
    assert_eq!(stats(&db)["products"], 0);
}

#[test]
fn csv_files_import_with_a_report() {
    let (_dir, db) = store();
    let report = import(&db, "products", &fixture("products.csv"));
    assert_eq!(report["kind"], "products");
    assert_eq!(report["rows"], 3);
    assert_eq!(report["inserted"], 3);
    assert_eq!(report["updated"], 0);
    import(&db, "users", &fixture("users.csv"));
    let report = import(&db, "events", &fixture("events.csv"));
    assert_eq!(
        (report["rows"].as_u64(), report["inserted"].as_u64()),
        (Some(4), Some(4))
    );
    let s = stats(&db);
    assert_eq!(
        (
            s["products"].as_u64(),
            s["users"].as_u64(),
            s["events"].as_u64()
        ),
        (Some(3), Some(3), Some(4))
    );
}

#[test]
fn jsonl_files_import_like_csv() {
    let (_dir, db) = store();
    let report = import(&db, "products", &fixture("products.jsonl"));
    assert_eq!(
        (report["rows"].as_u64(), report["inserted"].as_u64()),
        (Some(2), Some(2))
    );
    import(&db, "users", &fixture("users.jsonl"));
    let report = import(&db, "events", &fixture("events.jsonl"));
    assert_eq!(report["inserted"], 3);
    let s = stats(&db);
    assert_eq!(
        (
            s["products"].as_u64(),
            s["users"].as_u64(),
            s["events"].as_u64()
        ),
        (Some(2), Some(2), Some(3))
    );

    let conn = Connection::open(&db).unwrap();
    let (price, attributes): (f64, String) = conn
        .query_row(
            "SELECT price, attributes FROM products WHERE product_id = 'p2'",
            [],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .unwrap();
    assert_eq!((price, attributes.as_str()), (129.5, "{}"));
    let ts: i64 = conn
        .query_row("SELECT ts FROM events WHERE kind = 'review'", [], |r| {
            r.get(0)
        })
        .unwrap();
    assert_eq!(ts, 1_735_806_600, "2025-01-02T09:30:00+01:00");
}

#[test]
fn reimporting_the_same_files_changes_nothing() {
    let (_dir, db) = store_with_catalog();
    import(&db, "events", &fixture("events.csv"));
    let before = stats(&db);
    for (kind, file) in [
        ("products", "products.csv"),
        ("users", "users.csv"),
        ("events", "events.csv"),
    ] {
        let report = import(&db, kind, &fixture(file));
        assert_eq!(report["inserted"], 0, "{kind}: {report}");
        assert_eq!(report["updated"], 0, "{kind}: {report}");
        assert_eq!(report["rows"], report["unchanged"], "{kind}: {report}");
    }
    assert_eq!(stats(&db), before);
}

#[test]
fn a_2_mib_field_is_refused_at_its_line_and_nothing_is_written() {
    let (dir, db) = store();
    let file = dir.path().join("huge.csv");
    let big = "x".repeat(2 << 20);
    std::fs::write(
        &file,
        format!("product_id,title,category,description\np1,A,c,fine\np2,B,c,{big}\np3,C,c,fine\n"),
    )
    .unwrap();
    let stderr = import_fails(&db, "products", &file);
    assert!(
        stderr.contains("huge.csv:3: column `description`"),
        "{stderr}"
    );
    assert!(stderr.contains("1 MiB"), "{stderr}");
    assert!(
        stderr.len() < 500,
        "the value is shortened, not echoed: {} bytes",
        stderr.len()
    );
    assert_eq!(stats(&db)["products"], 0);
}

#[test]
fn an_unclosed_quote_is_refused_without_reading_the_whole_file() {
    let (dir, db) = store();
    let file = dir.path().join("unclosed.csv");
    let mut bytes = b"user_id,display_name\nu1,Ada\nu2,\"Bob".to_vec();
    bytes.resize(bytes.len() + (16 << 20), b'x');
    std::fs::write(&file, bytes).unwrap();
    let stderr = import_fails(&db, "users", &file);
    assert!(stderr.contains("unclosed.csv:3:"), "{stderr}");
    assert_eq!(stats(&db)["users"], 0);
}

#[test]
fn invalid_utf8_is_refused_at_its_line() {
    let (dir, db) = store();
    let file = dir.path().join("latin1.csv");
    std::fs::write(
        &file,
        b"user_id,display_name\nu1,Ada\nu2,Ren\xe9e\nu3,Zoe\n",
    )
    .unwrap();
    let stderr = import_fails(&db, "users", &file);
    assert!(
        stderr.contains("latin1.csv:3: column `display_name`"),
        "{stderr}"
    );
    assert!(stderr.contains("UTF-8"), "{stderr}");
    assert_eq!(stats(&db)["users"], 0);

    let file = dir.path().join("latin1.jsonl");
    std::fs::write(&file, b"{\"user_id\":\"u1\"}\n{\"user_id\":\"Ren\xe9e\"}\n").unwrap();
    let stderr = import_fails(&db, "users", &file);
    assert!(stderr.contains("latin1.jsonl:2:"), "{stderr}");
}

#[test]
fn escape_sequences_in_imported_text_are_stripped() {
    let (_dir, db) = store();
    let report = json(
        tailor(&db)
            .args(["import", "products"])
            .arg(fixture("products_escapes.csv"))
            .arg("--json"),
    );
    assert_eq!(report["inserted"], 2);
    let conn = Connection::open(&db).unwrap();
    let mut stmt = conn
        .prepare(
            "SELECT product_id, title, coalesce(description, '') FROM products ORDER BY product_id",
        )
        .unwrap();
    let rows: Vec<(String, String, String)> = stmt
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
        .unwrap()
        .map(Result::unwrap)
        .collect();
    for (_, title, description) in &rows {
        for text in [title, description] {
            assert!(
                !text.chars().any(|c| c.is_control() || c == '\u{202e}'),
                "{text:?}"
            );
        }
    }
    assert_eq!(rows[0].1, "Jumper navy");
    assert_eq!(rows[0].2, "Clipboard gone evil");
    assert_eq!(rows[1].1, "Shell olive");
}

#[test]
fn bom_crlf_and_quoted_newlines_import_correctly() {
    let (_dir, db) = store();
    let report = import(&db, "products", &fixture("products_bom_crlf.csv"));
    assert_eq!(report["inserted"], 3);
    let conn = Connection::open(&db).unwrap();
    let text = |sql: &str| -> Option<String> { conn.query_row(sql, [], |r| r.get(0)).unwrap() };
    assert_eq!(
        text("SELECT product_id FROM products ORDER BY id LIMIT 1").as_deref(),
        Some("p1"),
        "the BOM is not part of the first column"
    );
    assert_eq!(
        text("SELECT description FROM products WHERE product_id = 'p1'").as_deref(),
        Some("Warm.\nSoft, too.")
    );
    assert_eq!(
        text("SELECT title || '|' || description FROM products WHERE product_id = 'p2'").as_deref(),
        Some("Rain shell, olive|Light"),
        "no carriage return is left on the last field"
    );
    assert_eq!(
        text("SELECT description FROM products WHERE product_id = 'p3'"),
        None
    );
}

#[test]
fn events_for_an_unknown_shopper_fail_at_their_line() {
    let (_dir, db) = store_with_catalog();
    let before = stats(&db);
    let stderr = import_fails(&db, "events", &fixture("events_unknown_user.csv"));
    assert!(
        stderr.contains("events_unknown_user.csv:4: column `user_id`"),
        "{stderr}"
    );
    assert!(stderr.contains("\"u404\""), "{stderr}");
    assert_eq!(stats(&db), before);
    assert_eq!(stats(&db)["events"], 0);
}

#[test]
fn a_missing_file_is_a_failure_not_bad_data() {
    let (dir, db) = store();
    tailor(&db)
        .args(["import", "users"])
        .arg(dir.path().join("nowhere.csv"))
        .assert()
        .code(1)
        .stderr(predicate::str::contains("nowhere.csv"));
}

#[test]
fn unterminated_quote_at_eof_exits_65_naming_its_line_column_and_cause() {
    let (dir, db) = store();
    let file = dir.path().join("x.csv");
    std::fs::write(&file, "product_id,title,category\np9,Thing,\"cat").unwrap();
    let stderr = import_fails(&db, "products", &file);
    assert!(
        stderr.contains("x.csv:2: column `category`: unterminated quote"),
        "{stderr}"
    );
    assert_eq!(stats(&db)["products"], 0);
}

#[test]
fn unterminated_quote_in_mid_file_exits_65_at_the_line_where_its_record_starts() {
    let (dir, db) = store();
    let file = dir.path().join("x.csv");
    std::fs::write(
        &file,
        "product_id,title,category\np1,A,c\np2,\"Thing,cat\np3,Other,cat\n",
    )
    .unwrap();
    let stderr = import_fails(&db, "products", &file);
    assert!(
        stderr.contains("x.csv:3: column `title`: unterminated quote"),
        "{stderr}"
    );
    assert!(!stderr.contains("fields"), "{stderr}");
    assert_eq!(stats(&db)["products"], 0);
}

#[test]
fn timestamp_past_2100_exits_65_naming_line_column_and_value() {
    let (dir, db) = store_with_catalog();
    for (name, ts) in [
        ("ms.csv", "99999999999999"),
        ("max.csv", "9223372036854775807"),
        ("far.csv", "9999-12-31T00:00:00Z"),
        ("bc.csv", "-62135596800"),
    ] {
        let file = dir.path().join(name);
        std::fs::write(
            &file,
            format!("user_id,product_id,kind,ts\nu1,p1,view,1700000000\nu1,p1,view,{ts}\n"),
        )
        .unwrap();
        let stderr = import_fails(&db, "events", &file);
        assert!(
            stderr.contains(&format!("{name}:3: column `ts`: timestamp out of range")),
            "{stderr}"
        );
        assert!(stderr.contains(&format!("\"{ts}\"")), "{stderr}");
        assert_eq!(stats(&db)["events"], 0);
    }
}

#[test]
fn an_out_of_range_setting_stops_the_import_with_exit_1_naming_the_key() {
    let (dir, db) = store();
    let before = stats(&db);
    let cfg = dir.path().join("my.toml");
    for (toml, message) in [
        (
            "[model]\nlayers = 7\n",
            "[model] layers = 7: must be 1 or 2",
        ),
        (
            "[generate]\ntop_p = 5.0\n",
            "[generate] top_p = 5: must be in (0, 1]",
        ),
        (
            "[train]\nbatch_size = 0\n",
            "[train] batch_size = 0: must be at least 1",
        ),
    ] {
        std::fs::write(&cfg, toml).unwrap();
        tailor(&db)
            .arg("--config")
            .arg(&cfg)
            .args(["import", "users"])
            .arg(fixture("users.csv"))
            .assert()
            .code(1)
            .stderr(predicate::str::contains(format!("my.toml: {message}")));
    }
    tailor(&db)
        .env("TAILOR_GENERATE_TEMPERATURE", "-1")
        .args(["import", "users"])
        .arg(fixture("users.csv"))
        .assert()
        .code(1)
        .stderr(predicate::str::contains(
            "TAILOR_GENERATE_TEMPERATURE=\"-1\": [generate] temperature = -1",
        ));
    assert_eq!(stats(&db), before, "nothing ran: nothing was imported");
}

#[test]
fn a_count_flag_of_zero_is_a_usage_error() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("shop.db");
    for args in [
        &["generate", "--user", "u1", "-n", "0"][..],
        &["train", "--epochs", "0"],
        &["init", "--demo", "--users", "0"],
    ] {
        tailor(&db)
            .args(args)
            .assert()
            .code(2)
            .stderr(predicate::str::contains("must be at least 1"));
    }
    assert!(!db.exists());
}
