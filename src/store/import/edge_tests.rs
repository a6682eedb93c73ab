//! Hostile and malformed files: unterminated quotes, timestamps outside the
//! window, any bytes at all (property tests) and the inputs fuzzing found
//! (`fixtures/fuzz/`), each refused at its line with nothing written.

use super::fuzzing::Harness;
use super::source::ends_inside_quotes;
use super::*;
use proptest::prelude::*;

/// Imports `contents` as `name` into a store holding `p1`, `p2`, `u1`,
/// `u2`; for a file that must fail, its error's line, column and message,
/// after checking that nothing was written.
fn fails(kind: ImportKind, name: &str, contents: &[u8]) -> (u64, Option<String>, String) {
    let mut store = catalog_store();
    let before = store.stats().unwrap();
    let err = store.import_bytes(kind, name, contents).unwrap_err();
    assert_eq!(store.stats().unwrap(), before, "wrote rows: {err}");
    match &err {
        ImportError::Data { line, column, .. } => (*line, column.clone(), err.to_string()),
        other => panic!("expected a data error, got {other}"),
    }
}

fn catalog_store() -> Store {
    let mut store = Store::open_in_memory().unwrap();
    store
        .import_bytes(
            ImportKind::Products,
            "p.csv",
            b"product_id,title,category\np1,A,c\np2,B,c\n",
        )
        .unwrap();
    store
        .import_bytes(ImportKind::Users, "u.csv", b"user_id\nu1\nu2\n")
        .unwrap();
    store
}

#[test]
fn unterminated_quote_at_eof_is_refused_at_its_line() {
    let (line, column, message) = fails(
        ImportKind::Products,
        "x.csv",
        b"product_id,title,category\np9,Thing,\"cat",
    );
    assert_eq!(
        (line, column.as_deref()),
        (2, Some("category")),
        "{message}"
    );
    assert_eq!(
        message,
        "x.csv:2: column `category`: unterminated quote in field 3: \
         the quoted field runs to the end of the file: \"cat\""
    );
    // With a final newline (inside the quotes), CRLF, or a doubled quote
    // that only escapes a quote, the record still never ends.
    for file in [
        &b"product_id,title,category\np9,Thing,\"cat\n"[..],
        b"product_id,title,category\r\np1,A,c\r\np9,Thing,\"cat\r\n",
        b"product_id,title,category\np1,A,c\np9,Thing,\"cat\"\"\n",
        b"product_id,title,category\np1,A,c\n\n\"",
    ] {
        let (line, _, message) = fails(ImportKind::Products, "x.csv", file);
        let want = if file.starts_with(b"product_id,title,category\np9") {
            2
        } else if file.ends_with(b"\n\n\"") {
            4
        } else {
            3
        };
        assert_eq!(line, want, "{message}");
        assert!(message.contains("unterminated quote"), "{message}");
    }
}

#[test]
fn unterminated_quote_in_mid_file_names_the_line_where_its_record_starts() {
    let file = b"product_id,title,category\np1,A,c\np2,\"Thing,cat\np3,Other,cat\np4,More,cat\n";
    let (line, column, message) = fails(ImportKind::Products, "x.csv", file);
    assert_eq!((line, column.as_deref()), (3, Some("title")), "{message}");
    assert!(
        message.contains("unterminated quote") && !message.contains("fields"),
        "{message}"
    );
    // Past the header's last column, no column is named.
    let (line, column, message) = fails(ImportKind::Users, "u.csv", b"user_id\nu1\nu2,\"x\nu3\n");
    assert_eq!((line, column), (3, None), "{message}");
    assert!(message.contains("field 2"), "{message}");
}

#[test]
fn unterminated_quote_in_the_header_is_refused_at_line_1() {
    let (line, _, message) = fails(
        ImportKind::Users,
        "u.csv",
        b"user_id,\"display_name\nu1,Ada\n",
    );
    assert_eq!(line, 1, "{message}");
    assert!(
        message.contains("unterminated quote in the header"),
        "{message}"
    );
}

#[test]
fn closed_quotes_at_the_end_of_the_file_still_import() {
    let mut store = Store::open_in_memory().unwrap();
    for file in [
        &b"user_id,display_name\nu1,\"Ada\""[..],
        b"user_id,display_name\nu1,\"Ada \"\"A\"\"\"",
        b"user_id,display_name\nu1,\"Ada\"\n",
        // A quote inside an unquoted field is an ordinary character.
        b"user_id,display_name\nu1,Ad\"a",
        b"user_id,display_name\nu1,\"Ad\"a\"",
    ] {
        let report = store.import_bytes(ImportKind::Users, "u.csv", file);
        assert!(
            report.is_ok(),
            "{:?}: {report:?}",
            String::from_utf8_lossy(file)
        );
    }
}

#[test]
fn timestamp_past_2100_is_refused() {
    for (ts, shown) in [
        ("99999999999999", "99999999999999"),
        ("9223372036854775807", "9223372036854775807"),
        ("9999-12-31T23:59:59Z", "9999-12-31T23:59:59Z"),
        ("2100-01-01T00:00:01Z", "2100-01-01T00:00:01Z"),
    ] {
        let file = format!("user_id,product_id,kind,ts\nu1,p1,view,1\nu1,p1,view,{ts}\n");
        let (line, column, message) = fails(ImportKind::Events, "e.csv", file.as_bytes());
        assert_eq!((line, column.as_deref()), (3, Some("ts")), "{message}");
        assert!(
            message.ends_with(&format!(
                "out of range: expected 1970-01-01T00:00:00Z to 2100-01-01T00:00:00Z: \"{shown}\""
            )),
            "{message}"
        );
    }
    let file = format!(
        "{{\"user_id\":\"u1\",\"product_id\":\"p1\",\"kind\":\"view\",\"ts\":{}}}\n",
        i64::MAX
    );
    let (line, column, message) = fails(ImportKind::Events, "e.jsonl", file.as_bytes());
    assert_eq!((line, column.as_deref()), (1, Some("ts")), "{message}");
}

#[test]
fn timestamp_before_1970_is_refused() {
    for ts in [
        "-1",
        "-62135596800",
        "1969-12-31T23:59:59Z",
        "0000-01-01T00:00:00Z",
    ] {
        let file = format!("user_id,product_id,kind,ts\nu1,p1,view,{ts}\n");
        let (line, column, message) = fails(ImportKind::Events, "e.csv", file.as_bytes());
        assert_eq!((line, column.as_deref()), (2, Some("ts")), "{message}");
        assert!(message.contains("out of range"), "{message}");
    }
    let mut store = catalog_store();
    let edges = "user_id,product_id,kind,ts\nu1,p1,view,0\nu1,p1,view,2100-01-01T00:00:00Z\n";
    let report = store.import_bytes(ImportKind::Events, "e.csv", edges.as_bytes());
    assert_eq!(report.unwrap().inserted, 2);
}

#[test]
fn inputs_found_by_fuzzing_are_refused_cleanly() {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/fuzz");
    let mut harness = Harness::new();
    let mut replayed = 0;
    for (target, ext) in [("import_csv", "csv"), ("import_jsonl", "jsonl")] {
        let Ok(entries) = std::fs::read_dir(root.join(target)) else {
            continue;
        };
        for entry in entries {
            let path = entry.unwrap().path();
            harness.run(ext, &std::fs::read(&path).unwrap());
            replayed += 1;
        }
    }
    assert!(replayed > 0, "fixtures/fuzz holds the seed inputs at least");
}

/// Cells that exercise the CSV grammar: quotes, delimiters, line ends.
fn csv_body() -> impl Strategy<Value = Vec<u8>> {
    let piece = prop_oneof![
        Just(&b"\""[..]),
        Just(&b","[..]),
        Just(&b"\n"[..]),
        Just(&b"\r\n"[..]),
        Just(&b"\"\""[..]),
        Just(&b"p1"[..]),
        Just(&b"u2"[..]),
        Just(&b"view"[..]),
        Just(&b"1700000000"[..]),
        Just(&b"99999999999999"[..]),
        Just(&b"{\"a\":1}"[..]),
        Just(&b"x"[..]),
        Just(&b"\xff"[..]),
        Just(&b"\x1b[2J"[..]),
    ];
    prop::collection::vec(piece, 0..40).prop_map(|ps| ps.concat())
}

/// The header rows of each kind, with a stray column now and then.
fn csv_header() -> impl Strategy<Value = &'static [u8]> {
    prop_oneof![
        Just(&b"product_id,title,category\n"[..]),
        Just(&b"user_id,display_name,attributes\n"[..]),
        Just(&b"user_id,product_id,kind,ts,rating,text\n"[..]),
        Just(&b"user_id\n"[..]),
        Just(&b""[..]),
    ]
}

/// JSON lines that are mostly objects with the contract's keys.
fn jsonl_body() -> impl Strategy<Value = Vec<u8>> {
    let key = prop_oneof![
        Just("user_id"),
        Just("product_id"),
        Just("kind"),
        Just("ts"),
        Just("title"),
        Just("category"),
        Just("rating"),
        Just("attributes"),
        Just("colour"),
    ];
    let value = prop_oneof![
        Just("\"u1\"".to_string()),
        Just("\"p2\"".to_string()),
        Just("\"view\"".to_string()),
        Just("null".to_string()),
        Just("{\"a\":[1]}".to_string()),
        any::<i64>().prop_map(|n| n.to_string()),
        any::<f64>().prop_map(|x| format!("{x:?}")),
        "[a-z\"\\\\\u{1b}\u{202e}]{0,6}".prop_map(|s| serde_json::Value::from(s).to_string()),
    ];
    let line = prop_oneof![
        4 => prop::collection::vec((key, value), 0..7).prop_map(|kv| {
            let body: Vec<String> = kv.iter().map(|(k, v)| format!("\"{k}\":{v}")).collect();
            format!("{{{}}}", body.join(","))
        }),
        1 => "[ -~]{0,20}",
    ];
    prop::collection::vec(line, 0..6).prop_map(|ls| ls.join("\n").into_bytes())
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 64, ..ProptestConfig::default() })]

    /// Any bytes: the CSV import succeeds, or refuses the file at one of
    /// its lines having written nothing; it never panics.
    #[test]
    fn any_csv_imports_or_is_refused_at_a_line_of_the_file(
        kind in 0u8..3,
        header in csv_header(),
        body in csv_body(),
        noise in prop::collection::vec(any::<u8>(), 0..32),
    ) {
        let mut harness = Harness::new();
        let mut file = vec![kind];
        file.extend_from_slice(header);
        file.extend_from_slice(&body);
        harness.run("csv", &file);
        let mut raw = vec![kind];
        raw.extend_from_slice(&noise);
        harness.run("csv", &raw);
    }

    /// The same for JSON Lines.
    #[test]
    fn any_jsonl_imports_or_is_refused_at_a_line_of_the_file(
        kind in 0u8..3,
        body in jsonl_body(),
        noise in prop::collection::vec(any::<u8>(), 0..32),
    ) {
        let mut harness = Harness::new();
        let mut file = vec![kind];
        file.extend_from_slice(&body);
        harness.run("jsonl", &file);
        let mut raw = vec![kind];
        raw.extend_from_slice(&noise);
        harness.run("jsonl", &raw);
    }

    /// The quote tracker agrees with the csv crate: a file ends inside a
    /// quoted field exactly when one more delimiter joins that field
    /// instead of starting another.
    #[test]
    fn the_quote_tracker_agrees_with_the_csv_parser(body in csv_body()) {
        let fields = |bytes: &[u8]| -> usize {
            let mut rdr = csv::ReaderBuilder::new()
                .has_headers(false)
                .flexible(true)
                .terminator(csv::Terminator::Any(b'\n'))
                .from_reader(bytes);
            rdr.byte_records().map(|r| r.unwrap().len()).sum()
        };
        let mut more = body.clone();
        more.push(b',');
        prop_assert_eq!(ends_inside_quotes(&body), fields(&more) == fields(&body));
    }
}
