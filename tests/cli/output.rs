//! Files tailor writes for people (`export labels --out`, the demo's tastes
//! file): never clobbering what is not ours, nothing half-written left on
//! failure; and errors as a person reads them: naming the path, saying
//! "disk full", each cause once, no backtrace.

use crate::tailor;
use rusqlite::Connection;
use std::io::Read;
use std::os::unix::fs::FileTypeExt;
use std::path::{Path, PathBuf};
use std::process::Output;

/// A 30-shopper demo store with `labels` up-labels on candidates of one
/// model version, written straight into the store (no model needed).
fn shop_with_labels(labels: usize) -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("shop.db");
    tailor(&db)
        .args(["init", "--demo", "--users", "30"])
        .assert()
        .success();
    let mut conn = Connection::open(&db).unwrap();
    let tx = conn.transaction().unwrap();
    tx.execute_batch(
        "INSERT INTO model_versions (version, kind, created_at) VALUES ('v1', 'pretrain', 0);",
    )
    .unwrap();
    for i in 0..labels {
        tx.execute(
            "INSERT INTO generations (user, product, model_version, text, logprob, created_at)
             VALUES (1, 1, 'v1', ?1, -1.0, 0)",
            [format!(
                "candidate copy number {i}, long enough to fill a line of export"
            )],
        )
        .unwrap();
        tx.execute(
            "INSERT INTO labels (generation, label, analyst, model_version, created_at)
             VALUES (last_insert_rowid(), 'up', 'ann', 'v1', 0)",
            [],
        )
        .unwrap();
    }
    tx.commit().unwrap();
    (dir, db)
}

/// `export labels` to stdout: what every file export must hold.
fn exported(db: &Path) -> String {
    let out = tailor(db).args(["export", "labels"]).output().unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    String::from_utf8(out.stdout).unwrap()
}

fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

fn export_to(db: &Path, path: &Path) -> Output {
    tailor(db)
        .args(["export", "labels", "--out"])
        .arg(path)
        .output()
        .unwrap()
}

/// The names in `dir`, sorted.
fn names(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .collect();
    names.sort();
    names
}

/// `mknod -m 666 PATH c MAJOR MINOR`; false (with a note) where this user
/// may not make device nodes.
fn mknod(path: &Path, major: u32, minor: u32) -> bool {
    let made = std::process::Command::new("mknod")
        .args(["-m", "666"])
        .arg(path)
        .args(["c", &major.to_string(), &minor.to_string()])
        .output();
    let ok = made.as_ref().is_ok_and(|o| o.status.success());
    if !ok {
        eprintln!("note: mknod failed (not root?): {made:?}; this case is skipped");
    }
    ok
}

fn is_char_device(path: &Path) -> bool {
    std::fs::symlink_metadata(path)
        .unwrap()
        .file_type()
        .is_char_device()
}

/// Runs `tailor ARGS` under `ulimit -f BLOCKS` (512-byte blocks) with
/// SIGXFSZ ignored, so a write past the limit fails with EFBIG, as on a
/// nearly full disk, instead of killing the process.
fn tailor_with_file_limit(db: &Path, blocks: u64, args: &[&str]) -> Output {
    let mut cmd = std_command(db, "sh");
    cmd.arg("-c")
        .arg(format!(
            "ulimit -f {blocks} && trap '' XFSZ && exec \"$0\" \"$@\""
        ))
        .arg(env!("CARGO_BIN_EXE_tailor"))
        .arg("--db")
        .arg(db)
        .args(args);
    cmd.output().unwrap()
}

/// `program`, run as `crate::tailor` runs tailor (from the store's folder,
/// no `TAILOR_*` variables), as a std `Command` for what assert_cmd's lacks.
fn std_command(db: &Path, program: &str) -> std::process::Command {
    let mut cmd = std::process::Command::new(program);
    cmd.current_dir(db.parent().unwrap());
    for (k, _) in std::env::vars() {
        if k.starts_with("TAILOR_") {
            cmd.env_remove(k);
        }
    }
    cmd
}

#[test]
fn export_writes_through_a_fifo() {
    let (dir, db) = shop_with_labels(3);
    let want = exported(&db);
    let fifo = dir.path().join("f");
    assert!(
        std::process::Command::new("mkfifo")
            .arg(&fifo)
            .status()
            .unwrap()
            .success()
    );
    // Opened read-write, which never blocks on Linux, and read on a thread
    // with a deadline: an export that replaced the FIFO would leave a plain
    // reader waiting forever.
    let mut end = std::fs::OpenOptions::new()
        .read(true)
        .write(true)
        .open(&fifo)
        .unwrap();
    let (tx, rx) = std::sync::mpsc::channel();
    let len = want.len();
    std::thread::spawn(move || {
        let mut got = vec![0; len];
        let _ = tx.send(end.read_exact(&mut got).map(|()| got));
    });
    let out = export_to(&db, &fifo);
    assert!(out.status.success(), "{}", stderr(&out));
    let got = rx
        .recv_timeout(std::time::Duration::from_secs(30))
        .expect("the export came through the FIFO")
        .unwrap();
    assert_eq!(String::from_utf8(got).unwrap(), want);
    assert!(
        std::fs::symlink_metadata(&fifo)
            .unwrap()
            .file_type()
            .is_fifo(),
        "the FIFO is still a FIFO"
    );
}

#[test]
fn export_to_a_symlink_writes_its_target_and_keeps_the_link() {
    let (dir, db) = shop_with_labels(3);
    let want = exported(&db);
    let target = dir.path().join("target.txt");
    std::fs::write(&target, "old\n").unwrap();
    let link = dir.path().join("link.jsonl");
    std::os::unix::fs::symlink("target.txt", &link).unwrap();
    let out = export_to(&db, &link);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(
        std::fs::symlink_metadata(&link)
            .unwrap()
            .file_type()
            .is_symlink(),
        "the link is still a link"
    );
    assert_eq!(std::fs::read_link(&link).unwrap(), Path::new("target.txt"));
    assert_eq!(std::fs::read_to_string(&target).unwrap(), want);
}

#[test]
fn export_onto_a_character_device_writes_through_it() {
    let (dir, db) = shop_with_labels(3);
    let null = dir.path().join("mynull");
    if !mknod(&null, 1, 3) {
        return;
    }
    let out = export_to(&db, &null);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(is_char_device(&null), "the device is still a device");
    assert!(!names(dir.path()).iter().any(|n| n.ends_with(".tmp")));
}

#[test]
fn export_into_a_directory_is_an_error_that_changes_nothing() {
    let (dir, db) = shop_with_labels(3);
    let sub = dir.path().join("sub");
    std::fs::create_dir(&sub).unwrap();
    let before = names(dir.path());
    let out = export_to(&db, &sub);
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(
        stderr(&out).trim_end(),
        format!("tailor: {} is a directory", sub.display())
    );
    assert!(names(&sub).is_empty());
    assert_eq!(names(dir.path()), before);
}

#[test]
fn export_into_a_missing_folder_names_the_folder() {
    let (dir, db) = shop_with_labels(3);
    let out = export_to(&db, &dir.path().join("nodir/out.jsonl"));
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(
        stderr(&out).trim_end(),
        format!(
            "tailor: folder {} does not exist",
            dir.path().join("nodir").display()
        )
    );
    assert!(!dir.path().join("nodir").exists(), "no folder was made");
}

#[test]
fn export_onto_a_full_device_says_disk_full_and_keeps_the_device() {
    let (dir, db) = shop_with_labels(3);
    // A private /dev/full where this user may make one: a test that fails
    // must never replace the system's.
    let mine = dir.path().join("full");
    let full = if mknod(&mine, 1, 7) {
        mine
    } else {
        PathBuf::from("/dev/full")
    };
    let out = export_to(&db, &full);
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(
        stderr(&out).trim_end(),
        format!("tailor: writing {}: disk full", full.display()),
        "the output file is named, not the store"
    );
    assert!(is_char_device(&full), "the device is still a device");
}

#[test]
fn a_failed_export_leaves_no_temporary_file_and_the_old_export_whole() {
    // About 300 bytes a line: far past the 64 KiB limit below, which the
    // store's own files stay under.
    let (dir, db) = shop_with_labels(1_000);
    let path = dir.path().join("labels.jsonl");
    std::fs::write(&path, "an earlier export\n").unwrap();
    let before = names(dir.path());
    let out = tailor_with_file_limit(
        &db,
        128,
        &["export", "labels", "--out", path.to_str().unwrap()],
    );
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    assert_eq!(
        stderr(&out).trim_end(),
        format!(
            "tailor: writing {}: File too large (os error 27)",
            path.display()
        ),
    );
    assert_eq!(
        std::fs::read_to_string(&path).unwrap(),
        "an earlier export\n"
    );
    let after: Vec<String> = names(dir.path())
        .into_iter()
        .filter(|n| !n.starts_with("shop.db-"))
        .collect();
    let before: Vec<String> = before
        .into_iter()
        .filter(|n| !n.starts_with("shop.db-"))
        .collect();
    assert_eq!(after, before, "no temporary file is left");
}

#[test]
fn a_failed_demo_init_leaves_no_tastes_file_and_no_store() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("shop.db");
    // Enough for the empty store's schema, far too little for the shop.
    let out = tailor_with_file_limit(&db, 512, &["init", "--demo", "--users", "2000"]);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("creating the demo shop"),
        "{}",
        stderr(&out)
    );
    let left: Vec<String> = names(dir.path())
        .into_iter()
        .filter(|n| n != "tailor.log")
        .collect();
    assert!(left.is_empty(), "left behind: {left:?}");
}

#[test]
fn demo_init_refuses_a_directory_at_the_tastes_path_and_makes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("shop.db");
    let tastes = dir.path().join("shop.tastes.csv");
    std::fs::create_dir(&tastes).unwrap();
    let out = tailor(&db)
        .args(["init", "--demo", "--users", "30"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let err = stderr(&out);
    assert!(
        err.trim_end()
            .ends_with(&format!("{} is a directory", tastes.display())),
        "{err}"
    );
    assert_eq!(err.matches("is a directory").count(), 1, "said once: {err}");
    let left: Vec<String> = names(dir.path())
        .into_iter()
        .filter(|n| n != "tailor.log")
        .collect();
    assert_eq!(left, ["shop.tastes.csv"]);
    assert!(names(&tastes).is_empty());
}

#[test]
fn demo_init_writes_its_tastes_through_a_symlink() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("shop.db");
    let link = dir.path().join("shop.tastes.csv");
    std::os::unix::fs::symlink("elsewhere.csv", &link).unwrap();
    tailor(&db)
        .args(["init", "--demo", "--users", "30"])
        .assert()
        .success();
    assert!(
        std::fs::symlink_metadata(&link)
            .unwrap()
            .file_type()
            .is_symlink()
    );
    let truth = std::fs::read_to_string(dir.path().join("elsewhere.csv")).unwrap();
    assert_eq!(truth.lines().count(), 31, "a header and 30 shoppers");
}

#[test]
fn a_log_that_cannot_be_written_never_reaches_stderr() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("shop.db");
    let out = tailor(&db)
        .env("TAILOR_LOG_PATH", "/dev/full")
        .args(["init", "--demo", "--users", "30"])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(stderr(&out), "", "nothing about the log on stderr");
}

#[test]
fn export_to_a_full_stdout_names_standard_output_not_the_store() {
    let (_dir, db) = shop_with_labels(3);
    let Ok(full) = std::fs::OpenOptions::new().write(true).open("/dev/full") else {
        eprintln!("note: no /dev/full; this case is skipped");
        return;
    };
    let out = std_command(&db, env!("CARGO_BIN_EXE_tailor"))
        .arg("--db")
        .arg(&db)
        .args(["export", "labels"])
        .stdout(full)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(
        stderr(&out).trim_end(),
        "tailor: writing standard output: disk full"
    );
}

#[test]
fn a_corrupt_model_error_reaches_stderr_without_a_backtrace() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("shop.db");
    let config = dir.path().join("tiny.toml");
    std::fs::write(&config, crate::tiny_config(4, "")).unwrap();
    tailor(&db)
        .args(["init", "--demo", "--users", "40"])
        .assert()
        .success();
    tailor(&db)
        .arg("--config")
        .arg(&config)
        .args(["train", "--json"])
        .assert()
        .success();
    // Weights whose header gives the embedding the wrong shape, with the
    // hash recorded to match: the hash check passes and candle refuses the
    // tensor, with a backtrace in its message when RUST_BACKTRACE is set.
    let version = dir.path().join("models/v1");
    let weights = version.join("model.safetensors");
    let bytes = std::fs::read(&weights).unwrap();
    let n = u64::from_le_bytes(bytes[..8].try_into().unwrap()) as usize;
    let mut header: serde_json::Value = serde_json::from_slice(&bytes[8..8 + n]).unwrap();
    let shape = &mut header["embed.weight"]["shape"];
    let (rows, cols) = (shape[0].as_u64().unwrap(), shape[1].as_u64().unwrap());
    *shape = serde_json::json!([rows * 2, cols / 2]);
    let mut text = header.to_string().into_bytes();
    assert!(text.len() <= n);
    text.resize(n, b' ');
    let corrupt = [&bytes[..8], &text, &bytes[8 + n..]].concat();
    std::fs::write(&weights, &corrupt).unwrap();
    let config_json = version.join("config.json");
    let mut recorded: serde_json::Value =
        serde_json::from_slice(&std::fs::read(&config_json).unwrap()).unwrap();
    use sha2::Digest as _;
    let hash: String = sha2::Sha256::digest(&corrupt)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    recorded["weights_sha256"] = hash.into();
    std::fs::write(&config_json, recorded.to_string()).unwrap();

    let out = tailor(&db)
        .arg("--config")
        .arg(&config)
        .env("RUST_BACKTRACE", "1")
        .args(["eval", "--json"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let err = stderr(&out);
    assert!(err.contains("shape mismatch for embed.weight"), "{err}");
    assert_eq!(err.lines().count(), 1, "one line, no backtrace: {err}");
}
