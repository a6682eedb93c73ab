//! Which files tailor takes as its store: another program's database and a
//! file that is not SQLite are refused untouched, read commands never create
//! a store, and a store the process cannot write is still read.

use crate::{json, stats, tailor};
use rusqlite::Connection;
use std::path::Path;
use std::process::Output;

/// Every command that opens the store, with arguments that would otherwise
/// get past parsing.
const COMMANDS: &[&[&str]] = &[
    &[],
    &["console"],
    &["init"],
    &["init", "--demo", "--users", "20"],
    &["stats"],
    &["import", "products", "products.csv"],
    &["label", "1", "up"],
    &["export", "labels"],
    &["export", "labels", "--out", "labels.jsonl"],
    &["generate", "--user", "u1"],
    &["train", "--max-steps", "1"],
    &["finetune", "--max-steps", "1"],
    &["eval"],
    &["models"],
    &["models", "promote", "v1"],
    &["models", "rollback"],
];

fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

/// The names in `dir`, sorted.
fn listing(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    names
}

fn journal_mode(db: &Path) -> String {
    let conn = Connection::open(db).unwrap();
    conn.query_row("PRAGMA journal_mode", [], |r| r.get(0))
        .unwrap()
}

fn application_id(db: &Path) -> i32 {
    let conn = Connection::open(db).unwrap();
    conn.query_row("PRAGMA application_id", [], |r| r.get(0))
        .unwrap()
}

/// Runs every command on `db` and checks each is refused with exit 1 in one
/// line containing `expected`, leaving the file and its folder as they were.
fn every_command_refuses(db: &Path, expected: &str) {
    let dir = db.parent().unwrap();
    let before = std::fs::read(db).unwrap();
    let names = listing(dir);
    for args in COMMANDS {
        let out = tailor(db).args(*args).output().unwrap();
        let err = stderr(&out);
        assert_eq!(out.status.code(), Some(1), "{args:?}: {err}");
        assert!(err.contains(expected), "{args:?}: {err}");
        assert_eq!(err.lines().count(), 1, "{args:?}: {err}");
        assert!(out.stdout.is_empty(), "{args:?}");
        assert!(
            std::fs::read(db).unwrap() == before,
            "{args:?} changed {}",
            db.display()
        );
        assert_eq!(listing(dir), names, "{args:?} left files beside it");
    }
}

#[test]
fn a_foreign_database_is_refused_by_every_command_and_left_byte_for_byte_unchanged() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("foreign.db");
    Connection::open(&db)
        .unwrap()
        .execute_batch("CREATE TABLE t(x); INSERT INTO t VALUES (42);")
        .unwrap();
    every_command_refuses(
        &db,
        "not a tailor store (another program's SQLite database); choose another --db",
    );
    assert_eq!(journal_mode(&db), "delete");
    let tables: i64 = Connection::open(&db)
        .unwrap()
        .query_row("SELECT count(*) FROM sqlite_schema", [], |r| r.get(0))
        .unwrap();
    assert_eq!(tables, 1, "no tailor table was added");
}

#[test]
fn a_colliding_users_table_gives_one_short_line() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("crm.db");
    Connection::open(&db)
        .unwrap()
        .execute_batch("CREATE TABLE users(id INTEGER PRIMARY KEY, email TEXT NOT NULL);")
        .unwrap();
    for args in [&["stats"][..], &["init"], &["import", "users", "u.csv"]] {
        let out = tailor(&db).args(args).output().unwrap();
        let err = stderr(&out);
        assert_eq!(out.status.code(), Some(1), "{err}");
        assert_eq!(err.lines().count(), 1, "{err}");
        assert!(err.len() < 300, "{} bytes: {err}", err.len());
        assert!(!err.contains("CREATE"), "no schema dump: {err}");
    }
    assert_eq!(journal_mode(&db), "delete");
}

#[test]
fn a_file_that_is_not_sqlite_is_refused_by_every_command() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("notes.db");
    std::fs::write(&db, "these are my notes, not a database\n".repeat(10)).unwrap();
    every_command_refuses(&db, "not an SQLite database; choose another --db");
}

#[test]
fn stats_on_a_missing_store_creates_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("nodir/typo.db");
    for args in COMMANDS
        .iter()
        .filter(|a| !matches!(a.first(), None | Some(&"init" | &"console")))
    {
        let out = tailor(&db)
            .args(*args)
            .current_dir(dir.path())
            .output()
            .unwrap();
        let err = stderr(&out);
        assert_eq!(out.status.code(), Some(1), "{args:?}: {err}");
        assert_eq!(
            err.trim_end(),
            format!(
                "tailor: no store at {}; run `tailor init` (or `tailor` for the demo)",
                db.display()
            ),
            "{args:?}"
        );
        assert!(
            listing(dir.path()).is_empty(),
            "{args:?} created {:?}",
            listing(dir.path())
        );
    }
}

#[test]
fn stats_in_an_empty_folder_creates_neither_store_nor_log() {
    let dir = tempfile::tempdir().unwrap();
    let mut cmd = assert_cmd::Command::cargo_bin("tailor").unwrap();
    for (k, _) in std::env::vars() {
        if k.starts_with("TAILOR_") {
            cmd.env_remove(k);
        }
    }
    let out = cmd.current_dir(dir.path()).arg("stats").output().unwrap();
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(1), "{err}");
    assert!(
        err.contains("no store at tailor.db; run `tailor init`"),
        "{err}"
    );
    assert!(listing(dir.path()).is_empty(), "{:?}", listing(dir.path()));
}

#[test]
fn an_empty_database_is_filled_only_by_init() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("empty.db");
    std::fs::write(&db, b"").unwrap();
    let out = tailor(&db).arg("stats").output().unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert!(stderr(&out).contains("not yet a tailor store; run `tailor init`"));
    assert_eq!(std::fs::metadata(&db).unwrap().len(), 0);
    tailor(&db).arg("init").assert().success();
    assert_eq!(stats(&db)["users"], 0);
}

#[test]
fn init_still_creates_a_store_and_its_folder() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("new/shop.db");
    let counts = json(tailor(&db).args(["init", "--json"]).current_dir(dir.path()));
    assert_eq!(counts["users"], 0);
    assert_eq!(application_id(&db), tailor::store::APPLICATION_ID);
    assert_eq!(stats(&db)["events"], 0);
}

#[test]
fn an_old_store_without_the_application_id_is_adopted_and_stamped() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("old.db");
    tailor(&db)
        .args(["init", "--demo", "--users", "20"])
        .assert()
        .success();
    // As every store made before the stamp was.
    Connection::open(&db)
        .unwrap()
        .pragma_update(None, "application_id", 0)
        .unwrap();
    assert_eq!(stats(&db)["users"], 20);
    assert_eq!(application_id(&db), tailor::store::APPLICATION_ID);
}

/// A 20-shopper demo store, in a folder of its own.
fn demo_store() -> (tempfile::TempDir, std::path::PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("shop.db");
    tailor(&db)
        .args(["init", "--demo", "--users", "20"])
        .assert()
        .success();
    (dir, db)
}

/// Runs `tailor --db DB ARGS` through `wrapper` (a command and its
/// arguments), with the environment `tailor()` would give it.
fn wrapped(wrapper: &[&str], db: &Path, args: &[&str]) -> Output {
    let bin = assert_cmd::cargo::cargo_bin("tailor");
    let mut cmd = std::process::Command::new(wrapper[0]);
    cmd.args(&wrapper[1..])
        .arg(&bin)
        .arg("--db")
        .arg(db)
        .args(args);
    for (k, _) in std::env::vars() {
        if k.starts_with("TAILOR_") {
            cmd.env_remove(k);
        }
    }
    cmd.current_dir("/").output().unwrap()
}

/// What a read command on a store the process cannot write must do: read,
/// and say once that it is read-only; a write command is refused in one line.
fn reads_and_refuses_writes(run: &dyn Fn(&[&str]) -> Output, db: &Path) {
    let announced = format!(
        "tailor: store {} is read-only: opened for reading",
        db.display()
    );
    let out = run(&["stats", "--json"]);
    let err = stderr(&out);
    assert!(out.status.success(), "{err}");
    let s: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(s["users"], 20, "{s}");
    assert_eq!(err.matches(&announced).count(), 1, "{err}");
    for args in [
        &["export", "labels"][..],
        &["models"],
        &["models", "--json"],
    ] {
        let out = run(args);
        let err = stderr(&out);
        assert!(out.status.success(), "{args:?}: {err}");
        assert_eq!(err.trim_end(), announced, "{args:?}");
    }
    for args in [
        &["label", "1", "up"][..],
        &["import", "users", "u.csv"],
        &["init"],
    ] {
        let out = run(args);
        let err = stderr(&out);
        assert_eq!(out.status.code(), Some(1), "{args:?}: {err}");
        assert_eq!(
            err.trim_end(),
            format!(
                "tailor: store {} is read-only; this command needs to write to it",
                db.display()
            ),
            "{args:?}"
        );
    }
}

#[test]
fn a_store_on_a_read_only_mount_is_read_and_announced() {
    let (dir, db) = demo_store();
    let d = dir.path().to_str().unwrap().to_string();
    // A private mount namespace, so the read-only mount is seen by this
    // command alone; root cannot write through it, unlike through chmod.
    let script =
        format!("mount --bind '{d}' '{d}' && mount -o remount,bind,ro '{d}' && exec \"$@\"");
    let probe = std::process::Command::new("unshare")
        .args([
            "-m",
            "sh",
            "-c",
            &script,
            "sh",
            "touch",
            &format!("{d}/probe"),
        ])
        .output();
    match probe {
        Ok(out) if !out.status.success() && stderr(&out).contains("Read-only file system") => {}
        other => {
            eprintln!("SKIPPED: no read-only bind mount here ({other:?})");
            return;
        }
    }
    let wrapper = ["unshare", "-m", "sh", "-c", &script, "sh"];
    let run = |args: &[&str]| wrapped(&wrapper, &db, args);
    reads_and_refuses_writes(&run, &db);
    assert_eq!(
        listing(dir.path()),
        ["shop.db", "shop.tastes.csv", "tailor.log"]
    );
}

#[test]
fn a_store_the_user_cannot_write_is_read_and_announced() {
    use std::os::unix::fs::PermissionsExt;
    let set = |p: &Path, mode: u32| {
        std::fs::set_permissions(p, std::fs::Permissions::from_mode(mode)).unwrap()
    };
    let (dir, db) = demo_store();
    let nobody = [
        "setpriv",
        "--reuid=65534",
        "--regid=65534",
        "--clear-groups",
    ];
    let probe = std::process::Command::new(nobody[0])
        .args(&nobody[1..])
        .arg("true")
        .output();
    if !probe.is_ok_and(|o| o.status.success()) {
        eprintln!("SKIPPED: cannot run a command as nobody here");
        return;
    }
    set(dir.path(), 0o755);
    set(&db, 0o644);
    let run = |args: &[&str]| wrapped(&nobody, &db, args);
    // Neither the file nor its folder: no -shm can be made, so immutable.
    reads_and_refuses_writes(&run, &db);
    // A folder nobody can write in but a file it cannot: mode=ro.
    set(dir.path(), 0o777);
    reads_and_refuses_writes(&run, &db);
    assert_eq!(stats(&db)["users"], 20, "still a good store for its owner");
}
