//! The import rules of DESIGN.md §2, each on a small file in a temporary
//! folder and an in-memory store.

use super::*;
use crate::domain::Stats;

struct Fixture {
    dir: tempfile::TempDir,
    store: Store,
}

impl Fixture {
    fn new() -> Fixture {
        Fixture {
            dir: tempfile::tempdir().unwrap(),
            store: Store::open_in_memory().unwrap(),
        }
    }

    fn import(
        &mut self,
        kind: ImportKind,
        name: &str,
        contents: impl AsRef<[u8]>,
    ) -> Result<ImportReport, ImportError> {
        let path = self.dir.path().join(name);
        std::fs::write(&path, contents).unwrap();
        self.store.import(kind, &path)
    }

    fn ok(&mut self, kind: ImportKind, name: &str, contents: impl AsRef<[u8]>) -> ImportReport {
        self.import(kind, name, contents).unwrap()
    }

    /// The error's line, column and message, for a file that must fail.
    fn fails(
        &mut self,
        kind: ImportKind,
        name: &str,
        contents: impl AsRef<[u8]>,
    ) -> (u64, Option<String>, String) {
        let before = self.store.stats().unwrap();
        let err = self.import(kind, name, contents).unwrap_err();
        assert_eq!(self.store.stats().unwrap(), before, "wrote rows: {err}");
        match &err {
            ImportError::Data { line, column, .. } => (*line, column.clone(), err.to_string()),
            other => panic!("expected a data error, got {other}"),
        }
    }

    fn stats(&self) -> Stats {
        self.store.stats().unwrap()
    }

    fn text(&self, sql: &str) -> Option<String> {
        self.store.conn.query_row(sql, [], |r| r.get(0)).unwrap()
    }

    fn catalog(&mut self) {
        self.ok(
            ImportKind::Products,
            "p.csv",
            "product_id,title,category\np1,Jumper,knitwear\np2,Scarf,accessories\n",
        );
        self.ok(
            ImportKind::Users,
            "u.csv",
            "user_id,display_name\nu1,Ada\nu2,Bob\n",
        );
    }
}

const PRODUCTS: &str = "\
product_id,title,category,brand,price,description,attributes
p1,Merino jumper,knitwear,Woolly,59.90,Soft and warm,\"{\"\"material\"\":\"\"merino\"\",\"\"eco\"\":true}\"
p2,Silk scarf,accessories,,12,,
p3,Beanie,knitwear,Woolly,,A hat,{}
";

#[test]
fn products_csv_is_imported_with_every_column() {
    let mut f = Fixture::new();
    let report = f.ok(ImportKind::Products, "products.csv", PRODUCTS);
    assert_eq!(
        report,
        ImportReport {
            kind: "products",
            rows: 3,
            inserted: 3,
            updated: 0,
            unchanged: 0
        }
    );
    let (brand, price, attributes): (Option<String>, Option<f64>, String) = f
        .store
        .conn
        .query_row(
            "SELECT brand, price, attributes FROM products WHERE product_id = 'p1'",
            [],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
        )
        .unwrap();
    assert_eq!(brand.as_deref(), Some("Woolly"));
    assert_eq!(price, Some(59.9));
    assert_eq!(attributes, r#"{"eco":true,"material":"merino"}"#);
    let (brand, description): (Option<String>, Option<String>) = f
        .store
        .conn
        .query_row(
            "SELECT brand, description FROM products WHERE product_id = 'p2'",
            [],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .unwrap();
    assert_eq!((brand, description), (None, None), "empty cells are absent");
}

#[test]
fn reimporting_the_same_file_changes_nothing() {
    let mut f = Fixture::new();
    f.ok(ImportKind::Products, "products.csv", PRODUCTS);
    let stats = f.stats();
    let again = f.ok(ImportKind::Products, "products.csv", PRODUCTS);
    assert_eq!((again.inserted, again.updated, again.unchanged), (0, 0, 3));
    assert_eq!(f.stats(), stats);
}

#[test]
fn a_changed_row_counts_as_updated() {
    let mut f = Fixture::new();
    f.ok(ImportKind::Products, "products.csv", PRODUCTS);
    let changed = PRODUCTS.replace("Silk scarf", "Silk shawl");
    let report = f.ok(ImportKind::Products, "products.csv", changed);
    assert_eq!(
        (report.inserted, report.updated, report.unchanged),
        (0, 1, 2)
    );
    assert_eq!(
        f.text("SELECT title FROM products WHERE product_id = 'p2'")
            .as_deref(),
        Some("Silk shawl")
    );
}

#[test]
fn a_bad_price_rolls_back_the_good_rows_and_names_line_column_value() {
    for bad in ["NaN", "inf", "-1", "abc", "1e3", "12,50"] {
        let mut f = Fixture::new();
        let file =
            format!("product_id,title,category,price\np1,A,c,1\np2,B,c,2\np3,C,c,\"{bad}\"\n");
        let (line, column, message) = f.fails(ImportKind::Products, "bad.csv", file);
        assert_eq!(line, 4, "{message}");
        assert_eq!(column.as_deref(), Some("price"));
        assert!(message.contains("bad.csv:4: column `price`: "), "{message}");
        assert!(message.ends_with(&format!(": \"{bad}\"")), "{message}");
        assert_eq!(f.stats().products, 0);
    }
}

#[test]
fn the_error_message_has_the_documented_shape() {
    let mut f = Fixture::new();
    let (_, _, message) = f.fails(
        ImportKind::Products,
        "p.csv",
        "product_id,title,category,price\np1,A,c,abc\n",
    );
    let dir = f.dir.path().display();
    assert_eq!(
        message,
        format!("{dir}/p.csv:2: column `price`: expected a decimal number such as 12.50: \"abc\"")
    );
}

#[test]
fn header_problems_are_reported_at_line_1() {
    let mut f = Fixture::new();
    let (line, column, message) =
        f.fails(ImportKind::Products, "p.csv", "product_id,title\np1,A\n");
    assert_eq!(
        (line, column.as_deref()),
        (1, Some("category")),
        "{message}"
    );
    assert!(message.contains("missing"));

    let (line, column, _) = f.fails(
        ImportKind::Products,
        "p.csv",
        "product_id,title,category,colour\np1,A,c,red\n",
    );
    assert_eq!((line, column.as_deref()), (1, Some("colour")));

    let (line, column, _) = f.fails(ImportKind::Users, "u.csv", "user_id,user_id\nu1,u1\n");
    assert_eq!((line, column.as_deref()), (1, Some("user_id")));

    let (line, _, message) = f.fails(ImportKind::Users, "u.csv", "");
    assert_eq!(line, 1, "{message}");
}

#[test]
fn a_short_or_long_record_is_an_error() {
    let mut f = Fixture::new();
    let (line, _, message) = f.fails(
        ImportKind::Users,
        "u.csv",
        "user_id,display_name\nu1,Ada\nu2\n",
    );
    assert_eq!(line, 3, "{message}");
    let (line, _, _) = f.fails(
        ImportKind::Users,
        "u.csv",
        "user_id,display_name\nu1,Ada,extra\n",
    );
    assert_eq!(line, 2);
}

#[test]
fn a_duplicate_id_names_both_lines() {
    let mut f = Fixture::new();
    let (line, column, message) = f.fails(
        ImportKind::Users,
        "u.csv",
        "user_id,display_name\nu1,Ada\nu2,Bob\nu1,Ada\n",
    );
    assert_eq!((line, column.as_deref()), (4, Some("user_id")));
    assert!(message.contains("first on line 2"), "{message}");

    // Also when the first occurrence was already stored, unchanged.
    f.ok(ImportKind::Users, "ok.csv", "user_id\nu1\n");
    let (line, _, message) = f.fails(ImportKind::Users, "u.csv", "user_id\nu1\nu1\n");
    assert_eq!(line, 3);
    assert!(message.contains("first on line 2"), "{message}");
}

#[test]
fn line_numbers_count_quoted_newlines_blank_lines_and_crlf() {
    let mut f = Fixture::new();
    let file = "product_id,title,category,description\r\n\
                p1,A,c,\"two\r\nlines\"\r\n\
                \r\n\
                p2,B,c,\"three\nshort\nlines\"\n\
                \n\
                p3,C,c,-\r\n\
                p4,D,,x";
    let (line, column, message) = f.fails(ImportKind::Products, "p.csv", file);
    assert_eq!(
        (line, column.as_deref()),
        (10, Some("category")),
        "{message}"
    );

    let file = "product_id,title,category\n\"p1\",\"multi\nline\ntext\",c\np2,,c\n";
    let (line, column, _) = f.fails(ImportKind::Products, "p.csv", file);
    assert_eq!((line, column.as_deref()), (5, Some("title")));
}

#[test]
fn bom_crlf_and_quoted_newlines_import() {
    let mut f = Fixture::new();
    let file = "\u{feff}product_id,title,category,description\r\n\
                p1,Jumper,knitwear,\"Warm.\r\nSoft.\"\r\n\
                p2,\"Scarf, silk\",accessories,plain\r\n";
    let report = f.ok(ImportKind::Products, "p.csv", file);
    assert_eq!(report.inserted, 2);
    assert_eq!(
        f.text("SELECT description FROM products WHERE product_id = 'p1'")
            .as_deref(),
        Some("Warm.\nSoft."),
        "the CR of the embedded CRLF is a control character"
    );
    assert_eq!(
        f.text("SELECT description FROM products WHERE product_id = 'p2'")
            .as_deref(),
        Some("plain"),
        "no CR left on the last field"
    );
    assert_eq!(
        f.text("SELECT title FROM products WHERE product_id = 'p2'")
            .as_deref(),
        Some("Scarf, silk")
    );
}

#[test]
fn invalid_utf8_is_reported_at_its_line_and_column() {
    let mut f = Fixture::new();
    let mut file = b"user_id,display_name\nu1,Ada\nu2,B".to_vec();
    file.extend_from_slice(b"\xff\xfeb\n");
    let (line, column, message) = f.fails(ImportKind::Users, "u.csv", &file);
    assert_eq!(
        (line, column.as_deref()),
        (3, Some("display_name")),
        "{message}"
    );
    assert!(message.contains("UTF-8"));

    let mut file = b"{\"user_id\":\"u1\"}\n{\"user_id\":\"u".to_vec();
    file.extend_from_slice(b"\xc3\x28\"}\n");
    let (line, _, message) = f.fails(ImportKind::Users, "u.jsonl", &file);
    assert_eq!(line, 2, "{message}");
    assert!(message.contains("UTF-8"));
}

#[test]
fn a_field_over_1_mib_is_refused_with_its_line_and_column() {
    let mut f = Fixture::new();
    let big = "x".repeat(MAX_FIELD_BYTES + 1);
    let file = format!("product_id,title,category,description\np1,A,c,ok\np2,B,c,{big}\n");
    let (line, column, message) = f.fails(ImportKind::Products, "p.csv", file);
    assert_eq!((line, column.as_deref()), (3, Some("description")));
    assert!(message.len() < 300, "the value is shortened: {message}");
    assert!(message.contains("1 MiB"));

    let file = format!("{{\"user_id\":\"u1\",\"display_name\":\"{big}\"}}\n");
    let (line, column, _) = f.fails(ImportKind::Users, "u.jsonl", file);
    assert_eq!((line, column.as_deref()), (1, Some("display_name")));
}

#[test]
fn an_endless_record_stops_at_the_limit() {
    let mut f = Fixture::new();
    // An unclosed quote would otherwise swallow the rest of the file.
    let mut file = b"user_id,display_name\nu1,\"".to_vec();
    file.resize(file.len() + (8 << 20), b'x');
    let (line, _, message) = f.fails(ImportKind::Users, "u.csv", &file);
    assert_eq!(line, 2, "{message}");
    assert!(message.contains("longer than 4 MiB"), "{message}");

    let mut file = b"{\"user_id\":\"u1\"}\n{\"user_id\":\"".to_vec();
    file.resize(file.len() + (8 << 20), b'x');
    let (line, _, message) = f.fails(ImportKind::Users, "u.jsonl", &file);
    assert_eq!(line, 2, "{message}");
    assert!(message.contains("longer than 4 MiB"), "{message}");
}

#[test]
fn jsonl_takes_bom_crlf_blank_lines_nulls_and_numbers_as_strings() {
    let mut f = Fixture::new();
    let file = "\u{feff}{\"product_id\":\"p1\",\"title\":\"A\",\"category\":\"c\",\"price\":12.5,\"attributes\":{\"eco\":true}}\r\n\
                \r\n\
                {\"product_id\":\"p2\",\"title\":\"B\",\"category\":\"c\",\"price\":\"12.50\",\"brand\":null}\n\
                \n";
    let report = f.ok(ImportKind::Products, "p.jsonl", file);
    assert_eq!((report.rows, report.inserted), (2, 2));
    assert_eq!(
        f.text("SELECT attributes FROM products WHERE product_id = 'p1'")
            .as_deref(),
        Some(r#"{"eco":true}"#)
    );
    let file = "{\"user_id\":\"u1\"}\n{\"user_id\":\"u2\",\"display_name\":\"Ann\"}\n";
    f.ok(ImportKind::Users, "u.jsonl", file);
    let file = "{\"user_id\":\"u1\",\"product_id\":\"p1\",\"kind\":\"view\",\"ts\":1700000000}\n\
                {\"user_id\":\"u2\",\"product_id\":\"p2\",\"kind\":\"review\",\"ts\":\"2023-11-14T22:13:20Z\",\"rating\":\"4\",\"text\":\"Nice\"}\n";
    let report = f.ok(ImportKind::Events, "e.jsonl", file);
    assert_eq!(report.inserted, 2);
    assert_eq!(f.stats().events, 2);
}

#[test]
fn jsonl_errors_name_the_physical_line() {
    let mut f = Fixture::new();
    let (line, column, _) = f.fails(
        ImportKind::Users,
        "u.jsonl",
        "{\"user_id\":\"u1\"}\n\n{\"user_id\":\"u2\",\"age\":3}\n",
    );
    assert_eq!((line, column.as_deref()), (3, Some("age")));
    let (line, _, message) = f.fails(
        ImportKind::Users,
        "u.jsonl",
        "{\"user_id\":\"u1\"}\n{\"user_id\":\n",
    );
    assert_eq!(line, 2);
    assert!(message.contains("invalid JSON"), "{message}");
    let (line, _, _) = f.fails(ImportKind::Users, "u.jsonl", "[1]\n");
    assert_eq!(line, 1);
    let (line, column, _) = f.fails(ImportKind::Users, "u.jsonl", "{\"display_name\":\"x\"}\n");
    assert_eq!((line, column.as_deref()), (1, Some("user_id")));
    let (line, column, _) = f.fails(
        ImportKind::Products,
        "p.jsonl",
        "{\"product_id\":\"p1\",\"title\":\"A\",\"category\":\"c\",\"attributes\":{\"a\":{\"b\":1}}}\n",
    );
    assert_eq!((line, column.as_deref()), (1, Some("attributes")));
}

#[test]
fn text_is_sanitised_and_ids_are_refused_rather_than_changed() {
    let mut f = Fixture::new();
    let file = "product_id,title,category,attributes\n\
                p1,\"Jumper\x1b]0;pwned\x07\x1b[2J \u{202e}red\",knit\u{200b}wear,\"{\"\"c\"\":\"\"\\u001b[31mred\"\"}\"\n";
    f.ok(ImportKind::Products, "p.csv", file);
    assert_eq!(
        f.text("SELECT title || '|' || category || '|' || attributes FROM products")
            .as_deref(),
        Some(r#"Jumper red|knitwear|{"c":"red"}"#)
    );
    let (line, column, _) = f.fails(
        ImportKind::Users,
        "u.csv",
        "user_id,display_name\nu1,Ada\nu\x1b[2J2,Bob\n",
    );
    assert_eq!((line, column.as_deref()), (3, Some("user_id")));
    let (line, column, _) = f.fails(
        ImportKind::Products,
        "p.csv",
        "product_id,title,category\np9,\x1b[2J,c\n",
    );
    assert_eq!((line, column.as_deref()), (2, Some("title")));
}

#[test]
fn users_get_a_lower_case_name_key() {
    let mut f = Fixture::new();
    f.ok(
        ImportKind::Users,
        "u.csv",
        "user_id,display_name\nu1,Élodie MARTIN\nu2,\n",
    );
    assert_eq!(
        f.text("SELECT name_key FROM users WHERE user_id = 'u1'")
            .as_deref(),
        Some("élodie martin")
    );
    assert_eq!(
        f.text("SELECT name_key FROM users WHERE user_id = 'u2'"),
        None
    );
    assert_eq!(
        f.text("SELECT attributes FROM users WHERE user_id = 'u2'")
            .as_deref(),
        Some("{}")
    );
}

#[test]
fn events_need_known_users_and_products() {
    let mut f = Fixture::new();
    f.catalog();
    let (line, column, message) = f.fails(
        ImportKind::Events,
        "e.csv",
        "user_id,product_id,kind,ts\nu1,p1,view,1\nu1,p2,view,2\nu9,p1,view,3\n",
    );
    assert_eq!((line, column.as_deref()), (4, Some("user_id")));
    assert!(message.contains("\"u9\""), "{message}");
    let (line, column, _) = f.fails(
        ImportKind::Events,
        "e.csv",
        "user_id,product_id,kind,ts\nu1,p1,view,1\nu2,p7,view,3\n",
    );
    assert_eq!((line, column.as_deref()), (3, Some("product_id")));
    assert_eq!(f.stats().events, 0);
}

#[test]
fn event_values_are_checked() {
    let mut f = Fixture::new();
    f.catalog();
    for (row, column) in [
        ("u1,p1,like,1,,", "kind"),
        ("u1,p1,view,yesterday,,", "ts"),
        ("u1,p1,review,1,6,", "rating"),
        ("u1,p1,review,1,4.5,", "rating"),
        (",p1,view,1,,", "user_id"),
    ] {
        let file = format!("user_id,product_id,kind,ts,rating,text\nu2,p2,cart,5,,\n{row}\n");
        let (line, got, message) = f.fails(ImportKind::Events, "e.csv", file);
        assert_eq!((line, got.as_deref()), (3, Some(column)), "{message}");
    }
}

#[test]
fn events_upsert_on_their_key_and_the_last_duplicate_wins() {
    let mut f = Fixture::new();
    f.catalog();
    let file = "user_id,product_id,kind,ts,rating,text\n\
                u1,p1,view,1700000000,,\n\
                u1,p1,review,2023-11-14T22:13:20Z,3,ok\n\
                u2,p2,purchase,1700000100,,\n\
                u1,p1,review,1700000000,5,great\n";
    let report = f.ok(ImportKind::Events, "e.csv", file);
    assert_eq!(
        (
            report.rows,
            report.inserted,
            report.updated,
            report.unchanged
        ),
        (4, 3, 1, 0)
    );
    assert_eq!(f.stats().events, 3);
    assert_eq!(
        f.text("SELECT rating || ' ' || text FROM events WHERE kind = 'review'")
            .as_deref(),
        Some("5 great")
    );

    let again = f.ok(ImportKind::Events, "e.csv", file);
    // The file's first review row differs from what the last one stored.
    assert_eq!(
        (again.inserted, again.updated, again.unchanged),
        (0, 2, 2),
        "{again:?}"
    );
    let stable = "user_id,product_id,kind,ts,rating,text\nu1,p1,view,1700000000,,\nu2,p2,purchase,1700000100,,\n";
    let again = f.ok(ImportKind::Events, "e2.csv", stable);
    assert_eq!((again.inserted, again.updated, again.unchanged), (0, 0, 2));
    assert_eq!(f.stats().events, 3);
}

#[test]
fn the_extension_decides_the_format() {
    let mut f = Fixture::new();
    let (line, _, message) = f.fails(ImportKind::Users, "u.txt", "user_id\nu1\n");
    assert_eq!(line, 0);
    assert!(message.contains(".csv or .jsonl"), "{message}");
    f.ok(ImportKind::Users, "U.CSV", "user_id\nu1\n");
}

#[test]
fn a_missing_file_is_not_bad_data() {
    let mut store = Store::open_in_memory().unwrap();
    let err = store
        .import(ImportKind::Users, Path::new("/nonexistent/users.csv"))
        .unwrap_err();
    assert!(!err.is_bad_data());
    assert!(err.to_string().contains("/nonexistent/users.csv"), "{err}");
}

#[test]
fn kinds_parse_and_print() {
    for kind in [ImportKind::Products, ImportKind::Users, ImportKind::Events] {
        assert_eq!(kind.as_str().parse::<ImportKind>().unwrap(), kind);
    }
    assert!("orders".parse::<ImportKind>().is_err());
}

#[test]
fn batched_events_count_like_a_row_by_row_upsert() {
    let mut f = Fixture::new();
    f.catalog();
    // 300 rows: more than two batches, with repeats inside a batch, across
    // batches, and a partial batch at the end.
    let mut file = String::from("user_id,product_id,kind,ts,rating,text\n");
    for i in 0..300 {
        let user = if i % 2 == 0 { "u1" } else { "u2" };
        let ts = i % 250; // rows 250.. repeat the keys of rows 0..50
        let text = if i >= 250 { "second" } else { "first" };
        file.push_str(&format!("{user},p1,review,{ts},3,{text}\n"));
    }
    file.push_str("u1,p2,view,7,,\nu1,p2,view,7,,\n");
    let report = f.ok(ImportKind::Events, "e.csv", &file);
    assert_eq!(
        (
            report.rows,
            report.inserted,
            report.updated,
            report.unchanged
        ),
        (302, 251, 50, 1)
    );
    assert_eq!(f.stats().events, 251);
    assert_eq!(
        f.text("SELECT text FROM events WHERE ts = 3 AND kind = 'review'")
            .as_deref(),
        Some("second"),
        "the last repeat wins"
    );
    // Again: rows 0..50 turn their text back to "first", rows 250.. to "second".
    let again = f.ok(ImportKind::Events, "e.csv", &file);
    assert_eq!(
        (again.inserted, again.updated, again.unchanged),
        (0, 100, 202)
    );
    assert_eq!(f.stats().events, 251);
}

#[test]
fn foreign_keys_are_back_on_after_an_events_import() {
    let mut f = Fixture::new();
    f.catalog();
    let fk = |f: &Fixture| -> i64 {
        f.store
            .conn
            .query_row("PRAGMA foreign_keys", [], |r| r.get(0))
            .unwrap()
    };
    f.ok(
        ImportKind::Events,
        "e.csv",
        "user_id,product_id,kind,ts\nu1,p1,view,1\n",
    );
    assert_eq!(fk(&f), 1);
    f.fails(
        ImportKind::Events,
        "e.csv",
        "user_id,product_id,kind,ts\nu1,p9,view,1\n",
    );
    assert_eq!(fk(&f), 1);
}
