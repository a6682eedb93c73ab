//! Tidy: the invariants ARCHITECTURE.md writes as absences, checked on the
//! source text (after rust-analyzer's `tidy.rs`). Each failure names the
//! file and line.

use std::path::{Path, PathBuf};

/// Every `.rs` file under `dir`, sorted.
fn rust_files(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for entry in std::fs::read_dir(&d).expect("readable source folder") {
            let path = entry.expect("a folder entry").path();
            if path.is_dir() {
                stack.push(path);
            } else if path.extension().is_some_and(|e| e == "rs") {
                out.push(path);
            }
        }
    }
    out.sort();
    out
}

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// The code of a line: what comes before a `//` comment.
fn code(line: &str) -> &str {
    line.split("//").next().unwrap_or("")
}

/// Whether `word` appears in `text` as a whole identifier or path segment.
fn mentions(text: &str, word: &str) -> bool {
    let ident = |c: char| c.is_alphanumeric() || c == '_';
    text.match_indices(word).any(|(i, _)| {
        let before = text[..i].chars().next_back();
        let rest = &text[i + word.len()..];
        let after_ok = !rest.chars().next().is_some_and(ident)
            || rest.starts_with("_core")
            || rest.starts_with("_nn");
        !before.is_some_and(ident) && after_ok
    })
}

/// `file:line: text` for every code line under `dir` that mentions one of
/// `crates`.
fn uses(dir: &str, crates: &[&str]) -> Vec<String> {
    let mut found = Vec::new();
    for file in rust_files(&root().join(dir)) {
        let text = std::fs::read_to_string(&file).expect("a UTF-8 source file");
        for (n, line) in text.lines().enumerate() {
            let code = code(line);
            for c in crates {
                if mentions(code, c) {
                    found.push(format!(
                        "{}:{}: {} ({c})",
                        file.strip_prefix(root()).unwrap_or(&file).display(),
                        n + 1,
                        line.trim()
                    ));
                }
            }
        }
    }
    found
}

#[test]
fn the_console_never_uses_sql_or_candle() {
    let found = uses("src/tui", &["rusqlite", "candle"]);
    assert!(
        found.is_empty(),
        "src/tui must not use:\n{}",
        found.join("\n")
    );
}

#[test]
fn the_store_never_uses_tokio_candle_or_ratatui() {
    let found = uses("src/store", &["tokio", "candle", "ratatui"]);
    assert!(
        found.is_empty(),
        "src/store must not use:\n{}",
        found.join("\n")
    );
}

#[test]
fn nothing_outside_the_store_uses_rusqlite() {
    let found: Vec<String> = uses("src", &["rusqlite"])
        .into_iter()
        .filter(|f| !f.starts_with("src/store/"))
        .collect();
    assert!(
        found.is_empty(),
        "rusqlite outside src/store:\n{}",
        found.join("\n")
    );
}

#[test]
fn every_source_file_says_what_it_is_for() {
    let missing: Vec<String> = ["src", "tests", "benches"]
        .iter()
        .flat_map(|d| rust_files(&root().join(d)))
        .filter(|f| {
            let text = std::fs::read_to_string(f).expect("a UTF-8 source file");
            !text.lines().any(|l| l.starts_with("//!"))
        })
        .map(|f| f.strip_prefix(root()).unwrap_or(&f).display().to_string())
        .collect();
    assert!(
        missing.is_empty(),
        "source files without a `//!` line:\n{}",
        missing.join("\n")
    );
}

#[test]
fn unsafe_is_allowed_only_where_the_architecture_says() {
    const ALLOWED: [&str; 3] = ["src/main.rs", "src/model/raw.rs", "src/model/raw/packed.rs"];
    let found: Vec<String> = uses("src", &["unsafe_code"])
        .into_iter()
        .filter(|f| !ALLOWED.iter().any(|a| f.starts_with(&format!("{a}:"))))
        .collect();
    assert!(
        found.is_empty(),
        "`unsafe_code` allowed outside {ALLOWED:?}:\n{}",
        found.join("\n")
    );
    let manifest = std::fs::read_to_string(root().join("Cargo.toml")).expect("Cargo.toml");
    assert!(
        manifest.contains("unsafe_code = \"deny\"") && manifest.contains("unwrap_used = \"deny\""),
        "Cargo.toml's [lints] deny unsafe_code and clippy::unwrap_used"
    );
}

#[test]
fn the_checks_see_what_they_look_for() {
    // A tidy check that cannot fail is no check: the matcher finds real uses
    // and ignores look-alikes and comments.
    assert!(mentions("use rusqlite::Connection;", "rusqlite"));
    assert!(mentions("use candle_core::Tensor;", "candle"));
    assert!(mentions("candle_nn::VarMap", "candle"));
    assert!(!mentions("let candles = 3;", "candle"));
    assert!(!mentions(code("// never calls candle"), "candle"));
    assert!(mentions(
        code("#![allow(unsafe_code)] // why"),
        "unsafe_code"
    ));
}

/// `file:line: text` for every code line under `dir` that contains `needle`.
fn lines_with(dir: &str, needle: &str) -> Vec<String> {
    let mut found = Vec::new();
    for file in rust_files(&root().join(dir)) {
        let text = std::fs::read_to_string(&file).expect("a UTF-8 source file");
        for (n, line) in text.lines().enumerate() {
            if code(line).contains(needle) {
                found.push(format!(
                    "{}:{}: {}",
                    file.strip_prefix(root()).unwrap_or(&file).display(),
                    n + 1,
                    line.trim()
                ));
            }
        }
    }
    found
}

#[test]
fn the_label_in_effect_rule_is_written_once() {
    // The rule "active unless the newest undo/redo row acting on it is an
    // undo" lives in the views of schema.rs; a query elsewhere that spells
    // it out again is a second definition that can drift.
    let found: Vec<String> = lines_with("src", "'redo') = 'redo'")
        .into_iter()
        .filter(|f| !f.starts_with("src/store/schema.rs:"))
        .collect();
    assert!(
        found.is_empty(),
        "the label-in-effect rule written outside schema.rs's views:\n{}",
        found.join("\n")
    );
}

#[test]
fn only_the_trainer_wrapper_takes_the_trainer_lock() {
    // One trainer per store is train::lock::with_trainer's job alone.
    let found: Vec<String> = lines_with("src", "try_lock()")
        .into_iter()
        .filter(|f| {
            !f.starts_with("src/train/lock.rs:") && !f.starts_with("src/store/sessions.rs:")
        })
        .collect();
    assert!(
        found.is_empty(),
        "a lock taken outside train/lock.rs (and the console runs of store/sessions.rs):\n{}",
        found.join("\n")
    );
}

#[test]
fn the_reductions_live_in_one_file() {
    for f in ["fn column_sums", "fn group_sums"] {
        let found = lines_with("src", f);
        assert!(
            !found.is_empty()
                && found
                    .iter()
                    .all(|l| l.starts_with("src/model/raw/reduce.rs:")),
            "{f} is defined outside src/model/raw/reduce.rs: {found:?}"
        );
    }
}
