//! The one integration-test binary: the real `tailor` under assert_cmd.

// Test and benchmark code: a panic is a failed run, not a crash.
#![allow(clippy::unwrap_used)]

mod console;
mod feedback;
mod import;
mod init;
mod model;
mod output;
mod store;

use assert_cmd::Command;
use std::path::Path;

/// `tailor --db DB ARGS...`, with an environment free of `TAILOR_*`
/// variables and run from `dir` so no stray `./config.toml` is read.
pub fn tailor(db: &Path) -> Command {
    let mut cmd = Command::cargo_bin("tailor").expect("the tailor binary is built");
    cmd.arg("--db").arg(db);
    for (k, _) in std::env::vars() {
        if k.starts_with("TAILOR_") {
            cmd.env_remove(k);
        }
    }
    if let Some(dir) = db.parent() {
        cmd.current_dir(dir);
    }
    cmd
}

/// Runs `tailor ... --json` and parses its one JSON object.
pub fn json(cmd: &mut Command) -> serde_json::Value {
    let out = cmd.output().expect("tailor runs");
    assert!(
        out.status.success(),
        "tailor failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let stdout = String::from_utf8(out.stdout).expect("stdout is UTF-8");
    serde_json::from_str(stdout.trim()).unwrap_or_else(|e| panic!("{e}: {stdout:?}"))
}

/// `tailor stats --json` on `db`.
pub fn stats(db: &Path) -> serde_json::Value {
    json(tailor(db).args(["stats", "--json"]))
}

/// The config of a tiny model that trains in seconds: `max_steps` steps
/// (checked against the held-out split halfway), then `extra` TOML tables.
/// Targets and candidates are long enough for the demo's copy to end in
/// `<eos>`: generation refuses candidates cut off at `max_tokens`, and a
/// model trained on cut targets never learns to stop.
pub fn tiny_config(max_steps: usize, extra: &str) -> String {
    format!(
        r#"
[model]
vocab_size = 2048
embed_dim = 16
hidden_dim = 32
history_items = 4
max_prompt_tokens = 64
max_target_tokens = 256

[train]
epochs = 1
max_steps = {max_steps}
batch_size = 16
warmup_steps = 5
eval_every = {eval_every}
learning_rate = 0.01
val_fraction = 0.2

[generate]
n_candidates = 4
max_tokens = 256
min_tokens = 2
{extra}"#,
        eval_every = max_steps / 2
    )
}
