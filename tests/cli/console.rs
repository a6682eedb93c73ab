//! The real console in a real terminal: tmux runs a shell, the shell runs
//! `tailor` on a small demo store with a tiny model, and the test types
//! the contract keys (UX.md) the way an analyst would, then reads the store.

use crate::tailor;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::time::{Duration, Instant};

const PROMPT: &str = "e2e-shell$ ";

/// A tmux server of our own (its own socket), killed when dropped.
struct Tmux {
    socket: String,
    dir: PathBuf,
}

impl Tmux {
    fn available() -> bool {
        Command::new("tmux")
            .arg("-V")
            .output()
            .is_ok_and(|o| o.status.success())
    }

    fn cmd(&self) -> Command {
        let mut c = Command::new("tmux");
        c.arg("-L").arg(&self.socket);
        // A clean environment: no TAILOR_* overrides, no NO_COLOR, a UTF-8
        // locale.
        c.env_clear()
            .env("PATH", std::env::var("PATH").unwrap_or_default())
            .env("HOME", &self.dir)
            .env("LANG", "C.UTF-8")
            .env("TERM", "xterm-256color");
        c
    }

    fn start(dir: &Path) -> Tmux {
        let socket = format!(
            "tailor-e2e-{}-{}",
            std::process::id(),
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .unwrap()
                .as_nanos()
        );
        let t = Tmux {
            socket,
            dir: dir.to_path_buf(),
        };
        let out = t
            .cmd()
            .args([
                "-f",
                "/dev/null",
                "new-session",
                "-d",
                "-s",
                "e2e",
                "-x",
                "120",
                "-y",
                "40",
            ])
            .arg("-c")
            .arg(dir)
            // The prompt is set here: tmux does not pass PS1 through.
            .arg(format!("env PS1='{PROMPT}' sh"))
            .output()
            .expect("tmux runs");
        assert!(out.status.success(), "tmux: {}", text(&out.stderr));
        t
    }

    /// Types `keys` (tmux key names, e.g. "Enter", or literal text).
    fn keys(&self, keys: &[&str]) {
        let out = self
            .cmd()
            .args(["send-keys", "-t", "e2e"])
            .args(keys)
            .output()
            .unwrap();
        assert!(out.status.success(), "send-keys: {}", text(&out.stderr));
    }

    /// Types `s` literally.
    fn literal(&self, s: &str) {
        let out = self
            .cmd()
            .args(["send-keys", "-t", "e2e", "-l", s])
            .output()
            .unwrap();
        assert!(out.status.success(), "send-keys: {}", text(&out.stderr));
    }

    fn screen(&self) -> String {
        let out = self
            .cmd()
            .args(["capture-pane", "-p", "-t", "e2e"])
            .output()
            .unwrap();
        text(&out.stdout)
    }

    /// Waits until the screen satisfies `ok`, or fails with the screen.
    fn wait(&self, what: &str, ok: impl Fn(&str) -> bool) -> String {
        let deadline = Instant::now() + Duration::from_secs(30);
        loop {
            let screen = self.screen();
            if ok(&screen) {
                return screen;
            }
            if Instant::now() > deadline {
                panic!("timed out waiting for {what}; the screen:\n{screen}");
            }
            std::thread::sleep(Duration::from_millis(50));
        }
    }
}

impl Drop for Tmux {
    fn drop(&mut self) {
        let _ = self.cmd().arg("kill-server").output();
    }
}

/// A tmux session in `dir` running the console on `shop.db` with
/// `tiny.toml`, and echoing its exit status when it ends.
fn console_in(dir: &Path) -> Tmux {
    let tmux = Tmux::start(dir);
    tmux.wait("the shell", |s| s.contains(PROMPT.trim_end()));
    let line = format!(
        "'{}' --db shop.db --config tiny.toml; echo tailor-exit=$?",
        env!("CARGO_BIN_EXE_tailor")
    );
    tmux.literal(&line);
    tmux.keys(&["Enter"]);
    tmux
}

/// The shell's terminal is back in cooked mode (raw mode would show
/// `-icanon -echo`).
fn assert_cooked(tmux: &Tmux) {
    tmux.literal("stty -a | tr ' ' '\\n' | grep -x -e icanon -e echo | tr '\\n' ' '; echo :cooked");
    tmux.keys(&["Enter"]);
    tmux.wait("stty", |s| s.contains("icanon echo :cooked"));
}

/// The pane's terminal is not in the alternate screen and shows its cursor.
fn assert_screen_restored(tmux: &Tmux, signal: &str) {
    let out = tmux
        .cmd()
        .args([
            "display-message",
            "-p",
            "-t",
            "e2e",
            "#{alternate_on} #{cursor_flag}",
        ])
        .output()
        .unwrap();
    assert_eq!(
        text(&out.stdout).trim(),
        "0 1",
        "after SIG{signal}: alternate screen off, cursor shown"
    );
}

/// The pid of the process the pane's shell is running.
fn console_pid(tmux: &Tmux) -> u32 {
    let out = tmux
        .cmd()
        .args(["display-message", "-p", "-t", "e2e", "#{pane_pid}"])
        .output()
        .unwrap();
    let shell = text(&out.stdout).trim().to_string();
    let children = std::fs::read_to_string(format!("/proc/{shell}/task/{shell}/children")).unwrap();
    children
        .split_whitespace()
        .next()
        .expect("the shell runs tailor")
        .parse()
        .unwrap()
}

fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

fn run(cmd: &mut assert_cmd::Command) -> Output {
    let out = cmd.output().unwrap();
    assert!(out.status.success(), "{}", text(&out.stderr));
    out
}

/// One label row as stored.
#[derive(Debug)]
struct Row {
    id: i64,
    generation: i64,
    label: String,
    target: Option<i64>,
    analyst: String,
    claimed: i64,
    model_version: String,
}

#[test]
fn console_labels_undoes_quits_and_gives_the_terminal_back() {
    if !Tmux::available() {
        eprintln!("SKIPPED console end-to-end test: tmux is not installed (.ci/run installs it)");
        return;
    }
    let started = Instant::now();
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("shop.db");
    let config = dir.path().join("tiny.toml");
    std::fs::write(&config, crate::tiny_config(30, "")).unwrap();
    run(tailor(&db).args(["init", "--demo", "--users", "60", "--seed", "3"]));
    run(tailor(&db).arg("--config").arg(&config).arg("train"));

    let tmux = console_in(dir.path());
    tmux.wait("the console", |s| {
        s.contains("Shoppers (") && s.contains("model v1") && s.contains("u0000001")
    });

    // `/`, a filter, Enter: the shopper opens with their top product.
    tmux.keys(&["/"]);
    tmux.literal("u0000007");
    tmux.keys(&["Enter"]);
    tmux.wait("the shopper and their candidates pane", |s| {
        s.contains("Recommended for u0000007") && s.contains("no candidates yet")
    });

    // `g`: candidates arrive and the first new one is selected.
    tmux.keys(&["g"]);
    let screen = tmux.wait("generated candidates", |s| {
        s.contains("(0/4 labelled by you)")
    });
    assert!(screen.contains("#1 v1"), "{screen}");

    // `y`, `n`, `u` typed at once: each acts after the write before it.
    tmux.keys(&["y", "n", "u"]);
    tmux.wait("the undo", |s| s.contains("undone: #2 is now unlabelled"));
    // The header counts what the promotion gate still needs, and `t` says
    // what to label instead of training a version it could not judge.
    let screen = tmux.wait("the gate's progress", |s| s.contains("gate needs ~"));
    assert!(screen.contains("↓"), "{screen}");
    tmux.keys(&["t"]);
    tmux.wait("what the gate needs", |s| {
        s.contains("not yet: to judge a fine-tune the gate needs 4 held-out up-labels")
    });
    tmux.keys(&["q"]);
    let screen = tmux.wait("the shell again", |s| {
        s.contains("tailor-exit=0") && s.trim_end().ends_with(PROMPT.trim_end())
    });
    assert!(
        !screen.contains("Shoppers ("),
        "the console's screen is gone: {screen}"
    );
    assert_cooked(&tmux);

    // The store: three rows, exactly one label in effect, on the first
    // candidate, by this OS account, with the version that wrote it.
    let conn = rusqlite::Connection::open(&db).unwrap();
    let rows: Vec<Row> = conn
        .prepare(
            "SELECT id, generation, label, target, analyst, analyst_claimed, model_version
             FROM labels ORDER BY id",
        )
        .unwrap()
        .query_map([], |r| {
            Ok(Row {
                id: r.get(0)?,
                generation: r.get(1)?,
                label: r.get(2)?,
                target: r.get(3)?,
                analyst: r.get(4)?,
                claimed: r.get(5)?,
                model_version: r.get(6)?,
            })
        })
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap();
    let first_candidate: i64 = conn
        .query_row(
            "SELECT min(g.id) FROM generations g JOIN users u ON u.id = g.user
             WHERE u.user_id = 'u0000007'",
            [],
            |r| r.get(0),
        )
        .unwrap();
    let in_effect: Vec<&Row> = rows
        .iter()
        .filter(|l| l.label == "up" || l.label == "down")
        .filter(|l| {
            // Not cancelled: the newest row acting on it is not an undo.
            rows.iter()
                .rfind(|x| x.target == Some(l.id))
                .is_none_or(|x| x.label != "undo")
        })
        .collect();
    assert_eq!(rows.len(), 3, "up, down, undo: {rows:?}");
    assert_eq!(in_effect.len(), 1, "{rows:?}");
    let label = in_effect[0];
    assert_eq!(label.label, "up");
    assert_eq!(label.generation, first_candidate);
    let me = whoami::username().unwrap();
    assert_eq!(label.analyst, me);
    assert_eq!(label.claimed, 0);
    assert_eq!(label.model_version, "v1");
    assert_eq!(rows[1].label, "down");
    assert_eq!(rows[1].generation, first_candidate + 1);
    assert_eq!(
        (rows[2].label.as_str(), rows[2].target),
        ("undo", Some(rows[1].id))
    );
    // And the console remembered where the analyst was.
    let session: String = conn
        .query_row(
            "SELECT state FROM console_sessions WHERE analyst = ?1",
            [&me],
            |r| r.get(0),
        )
        .unwrap();
    assert!(session.contains("u0000007"), "{session}");
    eprintln!(
        "console end-to-end: {:.1}s",
        started.elapsed().as_secs_f64()
    );
}

#[test]
fn every_quitting_signal_gives_the_terminal_back() {
    if !Tmux::available() {
        eprintln!("SKIPPED console signal test: tmux is not installed (.ci/run installs it)");
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("shop.db");
    std::fs::write(
        dir.path().join("quiet.toml"),
        "[console]\ntrain_on_first_run = false\n",
    )
    .unwrap();
    run(tailor(&db).args(["init", "--demo", "--users", "30", "--seed", "3"]));
    // TERM and HUP: a shutdown and a dropped SSH connection; INT and QUIT:
    // `kill -INT` from another shell (Ctrl-C in raw mode is a key).
    for signal in ["TERM", "HUP", "INT", "QUIT"] {
        let tmux = Tmux::start(dir.path());
        tmux.wait("the shell", |s| s.contains(PROMPT.trim_end()));
        tmux.literal(&format!(
            "'{}' --db shop.db --config quiet.toml; echo tailor-exit=$?",
            env!("CARGO_BIN_EXE_tailor")
        ));
        tmux.keys(&["Enter"]);
        tmux.wait("the console", |s| {
            s.contains("u0000001") && s.contains(":train")
        });
        let pid = console_pid(&tmux);
        let out = Command::new("kill")
            .args(["-s", signal, &pid.to_string()])
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "kill -{signal}: {}",
            text(&out.stderr)
        );
        let screen = tmux.wait(&format!("the shell after SIG{signal}"), |s| {
            s.contains("tailor-exit=0") && s.trim_end().ends_with(PROMPT.trim_end())
        });
        assert!(!screen.contains("Shoppers ("), "SIG{signal}: {screen}");
        assert_screen_restored(&tmux, signal);
        assert_cooked(&tmux);
    }
}

#[test]
fn a_colliding_key_binding_is_refused_at_start_up_naming_both() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("shop.db");
    let config = dir.path().join("keys.toml");
    std::fs::write(&config, "[keys]\ncancel_job = [\"y\"]\n").unwrap();
    run(tailor(&db).arg("init"));
    let out = tailor(&db).arg("--config").arg(&config).output().unwrap();
    let err = text(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{err}");
    assert!(
        err.contains("label_up") && err.contains("cancel_job") && err.contains("\"y\""),
        "{err}"
    );
}

#[test]
fn the_console_generates_exactly_what_tailor_generate_does() {
    // The model lane builds prompts and samples as `tailor generate` does;
    // the same seed must give the same candidates, so neither can drift.
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("shop.db");
    let config_path = dir.path().join("tiny.toml");
    std::fs::write(&config_path, crate::tiny_config(30, "")).unwrap();
    run(tailor(&db).args(["init", "--demo", "--users", "60", "--seed", "3"]));
    run(tailor(&db).arg("--config").arg(&config_path).arg("train"));
    let out = run(tailor(&db).arg("--config").arg(&config_path).args([
        "generate", "--user", "u0000007", "-n", "4", "--seed", "5", "--json",
    ]));
    let lines: Vec<serde_json::Value> = text(&out.stdout)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    let product = lines[0]["product_id"].as_str().unwrap().to_string();
    let cli: Vec<String> = lines
        .iter()
        .map(|l| l["text"].as_str().unwrap().to_string())
        .collect();

    let mut config = tailor::config::Config::load(Some(&config_path), &[]).unwrap();
    config.store.path = db.clone();
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let console: Vec<String> = runtime.block_on(async {
        let (mut jobs, mut rx) = tailor::jobs::Jobs::start(std::sync::Arc::new(config), "t".into());
        jobs.model(tailor::jobs::ModelRequest::Generate {
            user_id: "u0000007".into(),
            product_id: product.clone(),
            n: 4,
            seed: Some(5),
        });
        loop {
            match rx.recv().await.expect("the lane answers") {
                tailor::jobs::Message::Reply(tailor::jobs::Reply::Candidates {
                    rows,
                    new_ids,
                    ..
                }) => {
                    let rows = rows.unwrap();
                    break new_ids
                        .iter()
                        .map(|id| {
                            rows.iter()
                                .find(|r| r.generation_id == *id)
                                .unwrap()
                                .text
                                .clone()
                        })
                        .collect();
                }
                tailor::jobs::Message::Job(j) => {
                    if let tailor::jobs::JobUpdate::Failed { error } = j.update {
                        panic!("{error}");
                    }
                }
                _ => {}
            }
        }
    });
    assert_eq!(console, cli);
}

/// The review queue end to end: `Q` opens the next unlabelled candidate
/// wherever it is, `Y` labels it with a reason, labelling a product's last
/// candidate goes on to the next product, the queue says when it is empty,
/// and `:export approved` writes the copy to publish.
#[test]
fn the_queue_walks_every_unlabelled_candidate_and_the_approved_copy_is_exported() {
    if !Tmux::available() {
        eprintln!("SKIPPED console end-to-end test: tmux is not installed (.ci/run installs it)");
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("shop.db");
    let config = dir.path().join("tiny.toml");
    std::fs::write(&config, crate::tiny_config(30, "")).unwrap();
    run(tailor(&db).args(["init", "--demo", "--users", "60", "--seed", "3"]));
    run(tailor(&db).arg("--config").arg(&config).arg("train"));
    for user in ["u0000003", "u0000009"] {
        run(tailor(&db)
            .arg("--config")
            .arg(&config)
            .args(["generate", "--user", user, "-n", "2"]));
    }

    let tmux = console_in(dir.path());
    tmux.wait("the console", |s| {
        s.contains("Shoppers (") && s.contains("model v1")
    });

    tmux.keys(&["Q"]);
    let first = tmux.wait("the first queued candidate", |s| {
        s.contains("queue: 4 unlabelled by you") && s.contains("(0/2 labelled by you)")
    });
    let first_user = if first.contains("Recommended for u0000003") {
        "u0000003"
    } else {
        "u0000009"
    };
    // `Y`, a note, Enter: labelled with it; `n` labels the product's last.
    tmux.keys(&["Y"]);
    tmux.literal("reads well");
    tmux.keys(&["Enter"]);
    tmux.wait("the first label", |s| s.contains("(1/2 labelled by you)"));
    tmux.keys(&["n"]);
    let second = tmux.wait("the next product in the queue", |s| {
        s.contains("queue: 2 unlabelled by you")
    });
    assert!(
        !second.contains(&format!("Recommended for {first_user}")),
        "on to the other shopper: {second}"
    );
    tmux.keys(&["y"]);
    tmux.wait("the third label", |s| s.contains("(1/2 labelled by you)"));
    tmux.keys(&["y"]);
    tmux.wait("the end of the queue", |s| s.contains("the queue is empty"));

    tmux.keys(&[":"]);
    tmux.literal("export approved");
    tmux.keys(&["Enter"]);
    tmux.wait("the export", |s| {
        s.contains("exported 2 approved texts for shoppers and 2 for products")
    });
    tmux.keys(&["q"]);
    tmux.wait("the shell again", |s| s.contains("tailor-exit=0"));

    // The rows: four labels in effect, the first with its note.
    let conn = rusqlite::Connection::open(&db).unwrap();
    let labels: Vec<(String, Option<String>)> = conn
        .prepare("SELECT label, note FROM labels ORDER BY id")
        .unwrap()
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap();
    assert_eq!(
        labels,
        [
            ("up".to_string(), Some("reads well".to_string())),
            ("down".to_string(), None),
            ("up".to_string(), None),
            ("up".to_string(), None),
        ]
    );
    // The export beside the store: one text per shopper, then per product.
    let exports: Vec<PathBuf> = std::fs::read_dir(dir.path().join("exports"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    assert_eq!(exports.len(), 1, "{exports:?}");
    let lines: Vec<serde_json::Value> = std::fs::read_to_string(&exports[0])
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    let scopes: Vec<&str> = lines.iter().map(|l| l["scope"].as_str().unwrap()).collect();
    assert_eq!(scopes, ["shopper", "shopper", "product", "product"]);
    assert_eq!(lines[0]["user_id"], "u0000003");
}
