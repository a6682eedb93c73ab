//! train → generate → eval → models on a small demo store with a tiny model.

use crate::{json, stats, tailor};
use std::path::{Path, PathBuf};

struct Shop {
    _dir: tempfile::TempDir,
    db: PathBuf,
    config: PathBuf,
}

impl Shop {
    fn new() -> Shop {
        let dir = tempfile::tempdir().unwrap();
        let db = dir.path().join("shop.db");
        let config = dir.path().join("tiny.toml");
        std::fs::write(&config, crate::tiny_config(40, "")).unwrap();
        tailor(&db)
            .args(["init", "--demo", "--users", "80", "--seed", "3"])
            .assert()
            .success();
        Shop {
            _dir: dir,
            db,
            config,
        }
    }

    fn cmd(&self) -> assert_cmd::Command {
        let mut cmd = tailor(&self.db);
        cmd.arg("--config").arg(&self.config);
        cmd
    }

    fn models_dir(&self) -> PathBuf {
        self.db.parent().unwrap().join("models")
    }
}

/// The faithfulness keys of `tailor eval --json` (DESIGN.md §5).
const FAITHFULNESS: [&str; 9] = [
    "type_errors",
    "claim_errors",
    "feature_errors",
    "history_errors",
    "truncated",
    "fact_errors",
    "garbled",
    "review_voice",
    "faithfulness_errors",
];

fn weights_hash(dir: &Path, version: &str) -> String {
    let config: serde_json::Value =
        serde_json::from_slice(&std::fs::read(dir.join(version).join("config.json")).unwrap())
            .unwrap();
    config["weights_sha256"].as_str().unwrap().to_string()
}

fn json_lines(out: &[u8]) -> Vec<serde_json::Value> {
    String::from_utf8(out.to_vec())
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect()
}

#[test]
fn train_generate_eval_and_version_registry_end_to_end() {
    let shop = Shop::new();
    // Generating before any model exists says so plainly.
    let out = shop
        .cmd()
        .args(["generate", "--user", "u0000001"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("no model yet"));

    let report = json(shop.cmd().args(["train", "--json"]));
    assert_eq!(report["model_version"], "v1");
    assert!(report["steps"].as_u64().unwrap() > 0);
    assert!(report["val_ppl"].as_f64().unwrap().is_finite());
    for key in ["train_loss", "tokens_per_s", "seconds"] {
        assert!(report[key].is_number(), "{key} in {report}");
    }
    assert_eq!(stats(&shop.db)["active_model"], "v1");
    for file in [
        "config.json",
        "model.safetensors",
        "tokenizer.json",
        "metrics.json",
    ] {
        assert!(shop.models_dir().join("v1").join(file).is_file(), "{file}");
    }

    // Same seed, same store: the same weights, byte for byte.
    json(shop.cmd().args(["train", "--json"]));
    assert_eq!(
        weights_hash(&shop.models_dir(), "v1"),
        weights_hash(&shop.models_dir(), "v2")
    );

    let out = shop
        .cmd()
        .args([
            "generate", "--user", "u0000001", "-n", "4", "--seed", "9", "--json",
        ])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let lines = json_lines(&out.stdout);
    assert_eq!(lines.len(), 4);
    for l in &lines {
        assert_eq!(l["model_version"], "v2");
        assert_eq!(l["user_id"], "u0000001");
        assert!(l["logprob"].as_f64().unwrap() < 0.0);
        assert!(l["generation_id"].as_i64().unwrap() > 0);
    }
    let texts: std::collections::HashSet<_> = lines.iter().map(|l| l["text"].clone()).collect();
    assert_eq!(texts.len(), 4, "candidates are de-duplicated");
    assert_eq!(stats(&shop.db)["generations"], 4);
    // The same seed gives the same candidates.
    let again = shop
        .cmd()
        .args([
            "generate", "--user", "u0000001", "-n", "4", "--seed", "9", "--json",
        ])
        .output()
        .unwrap();
    let again = json_lines(&again.stdout);
    assert_eq!(
        lines.iter().map(|l| &l["text"]).collect::<Vec<_>>(),
        again.iter().map(|l| &l["text"]).collect::<Vec<_>>()
    );

    let eval = json(shop.cmd().args(["eval", "--json"]));
    for key in [
        "model_version",
        "val_ppl",
        "val_bpc",
        "distinct_1",
        "distinct_2",
        "usr",
        "fact_errors",
        "personalization_gain",
    ] {
        assert!(!eval[key].is_null(), "{key} missing from {eval}");
    }
    // Every faithfulness share, of what is shown (0: the guard works) and
    // of every draw before the guard.
    for key in FAITHFULNESS {
        assert_eq!(eval[key], 0.0, "{key} in {eval}");
        let drawn = eval["draws"][key].as_f64().unwrap();
        assert!((0.0..=1.0).contains(&drawn), "draws.{key} in {eval}");
    }
    let refused = eval["refused"].as_f64().unwrap();
    assert!((0.0..=1.0).contains(&refused), "{eval}");
    // The compressor reference is computed in the same run (xz is on every
    // Debian machine; CI installs it if missing).
    assert!(eval["xz_bpc"].as_f64().unwrap() > 0.0, "{eval}");
    assert!(eval["generated"].as_u64().unwrap() > 0);

    // The registry: list, rollback, promote.
    let out = shop.cmd().args(["models", "--json"]).output().unwrap();
    let list = json_lines(&out.stdout);
    assert_eq!(list.len(), 2);
    assert_eq!(list[1]["active"], true);
    assert_eq!(list[0]["version"], "v1");
    json(shop.cmd().args(["models", "rollback", "--json"]));
    assert_eq!(stats(&shop.db)["active_model"], "v1");
    json(shop.cmd().args(["models", "promote", "v2", "--json"]));
    assert_eq!(stats(&shop.db)["active_model"], "v2");

    // A corrupt active version is refused, said on stderr, recorded in the
    // registry with why, and the previous good one used.
    let weights = shop.models_dir().join("v2").join("model.safetensors");
    let bytes = std::fs::read(&weights).unwrap();
    std::fs::write(&weights, &bytes[..bytes.len() / 3]).unwrap();
    let out = shop.cmd().args(["eval", "--json"]).output().unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("warning") && err.contains("refused model version v2") && err.contains("v1"),
        "{err}"
    );
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(report["model_version"], "v1");
    let out = shop.cmd().args(["models", "--json"]).output().unwrap();
    let list = json_lines(&out.stdout);
    assert_eq!(
        (list[0]["active"].as_bool(), list[1]["active"].as_bool()),
        (Some(true), Some(false)),
        "{list:?}"
    );
    assert!(
        list[1]["refused"]
            .as_str()
            .is_some_and(|why| why.contains("model.safetensors")),
        "{list:?}"
    );
    assert!(list[0]["refused"].is_null());
    let human = shop.cmd().arg("models").output().unwrap();
    let human = String::from_utf8_lossy(&human.stdout);
    assert!(
        human
            .lines()
            .any(|l| l.contains("v2") && l.contains("REFUSED")),
        "{human}"
    );
    assert_eq!(stats(&shop.db)["active_model"], "v1");
    let out = shop
        .cmd()
        .args([
            "generate", "--user", "u0000002", "-n", "2", "--seed", "1", "--json",
        ])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        json_lines(&out.stdout)
            .iter()
            .all(|l| l["model_version"] == "v1")
    );
    // And it cannot be promoted again.
    shop.cmd()
        .args(["models", "promote", "v2"])
        .assert()
        .code(1);
}

#[test]
fn candidates_cut_off_at_max_tokens_are_never_shown_and_eval_counts_them() {
    let shop = Shop::new();
    json(shop.cmd().args(["train", "--json"]));
    // Two tokens at most, and `<eos>` banned before two: every draw is cut.
    let cut = |cmd: &mut assert_cmd::Command| {
        cmd.env("TAILOR_GENERATE_MAX_TOKENS", "2")
            .env("TAILOR_GENERATE_MIN_TOKENS", "2");
    };
    let mut generate = shop.cmd();
    generate.args([
        "generate", "--user", "u0000001", "-n", "4", "--seed", "9", "--json",
    ]);
    cut(&mut generate);
    let out = generate.output().unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        out.stdout.is_empty(),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("0 of 4 candidates") && err.contains("cut off at max_tokens"),
        "{err}"
    );
    assert_eq!(
        stats(&shop.db)["generations"],
        0,
        "nothing cut off is stored"
    );

    let mut eval = shop.cmd();
    eval.args(["eval", "--json"]);
    cut(&mut eval);
    let eval = json(&mut eval);
    assert_eq!(eval["generated"], 0, "{eval}");
    assert_eq!(eval["truncated"], 0.0, "{eval}");
    assert_eq!(eval["draws"]["truncated"], 1.0, "{eval}");
    assert_eq!(eval["draws"]["faithfulness_errors"], 1.0, "{eval}");
    assert_eq!(eval["refused"], 1.0, "{eval}");
    assert!(eval["drawn"].as_u64().unwrap() > 0, "{eval}");

    // People read the same keys.
    let mut human = shop.cmd();
    human.arg("eval");
    cut(&mut human);
    let human = String::from_utf8(human.output().unwrap().stdout).unwrap();
    for key in FAITHFULNESS.iter().chain(&["refused", "draws"]) {
        assert!(
            human.lines().any(|l| l.starts_with(key)),
            "{key} in {human}"
        );
    }
}

#[test]
fn a_worse_trained_version_is_kept_inactive_unless_activated_by_request() {
    let shop = Shop::new();
    json(shop.cmd().args(["train", "--json"]));
    // One step: far worse than the 40-step v1.
    let out = shop
        .cmd()
        .args(["train", "--max-steps", "1", "--json"])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(report["model_version"], "v2");
    assert_eq!(report["activated"], false, "{report}");
    let gate = &report["gate"];
    assert_eq!(
        (gate["active_version"].as_str(), gate["passed"].as_bool()),
        (Some("v1"), Some(false))
    );
    assert!(
        gate["bpc"].as_f64().unwrap() > gate["active_bpc"].as_f64().unwrap(),
        "{gate}"
    );
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("v2 was kept inactive: it predicts held-out texts worse"),
        "{err}"
    );
    assert_eq!(stats(&shop.db)["active_model"], "v1");
    let list = json_lines(
        &shop
            .cmd()
            .args(["models", "--json"])
            .output()
            .unwrap()
            .stdout,
    );
    let v2 = list.iter().find(|m| m["version"] == "v2").unwrap();
    assert_eq!(v2["active"], false);
    assert_eq!(v2["metrics"]["gate"]["passed"], false);

    // Asked to, it activates a worse version, and warns.
    let out = shop
        .cmd()
        .args(["train", "--max-steps", "1", "--activate", "--json"])
        .output()
        .unwrap();
    assert!(out.status.success());
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(report["activated"], true);
    assert!(
        String::from_utf8_lossy(&out.stderr)
            .contains("warning: v3 activated as asked, although the gate would keep it back"),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(stats(&shop.db)["active_model"], "v3");

    // compare shows both versions' candidates for one shopper, and the
    // gate's verdict on v2 against v1.
    let cmp = json(shop.cmd().args([
        "compare", "v1", "v2", "--user", "u0000001", "-n", "2", "--json",
    ]));
    assert_eq!(cmp["user_id"], "u0000001");
    let sides = cmp["versions"].as_array().unwrap();
    assert_eq!(sides.len(), 2);
    assert_eq!(
        (sides[0]["version"].as_str(), sides[1]["version"].as_str()),
        (Some("v1"), Some("v2"))
    );
    assert!(
        sides
            .iter()
            .all(|s| s["candidates"].as_array().unwrap().len() <= 2)
    );
    assert!(
        cmp["gate"]
            .as_str()
            .unwrap()
            .starts_with("v2 was kept inactive"),
        "{cmp}"
    );
    let checks = cmp["checks"].as_array().unwrap();
    assert!(
        checks
            .iter()
            .any(|c| c["check"] == "likelihood" && c["passed"] == false),
        "{cmp}"
    );
    assert_eq!(stats(&shop.db)["generations"], 0, "compare stores nothing");
    let text = shop
        .cmd()
        .args(["compare", "v1", "v2", "--user", "u0000001", "-n", "1"])
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&text.stdout);
    assert!(
        text.contains("v2 (pretrain)") && text.contains("gate: v2 was kept inactive"),
        "{text}"
    );
    assert!(text.contains("FAIL likelihood"), "{text}");
}

#[test]
fn stale_temporary_version_folders_are_swept_by_the_next_trainer() {
    let shop = Shop::new();
    let stale = shop.models_dir().join(".tmp-v7-12345");
    std::fs::create_dir_all(&stale).unwrap();
    std::fs::write(stale.join("model.safetensors"), b"half").unwrap();
    // Only a trainer sweeps: it holds the lock, so nothing is being written.
    shop.cmd().args(["models"]).assert().success();
    assert!(stale.exists());
    shop.cmd().args(["train", "--json"]).assert().success();
    assert!(!stale.exists());
}

#[test]
fn bench_reports_training_and_generation_speed() {
    let dir = tempfile::tempdir().unwrap();
    let report = json(tailor(&dir.path().join("x.db")).args(["bench", "--quick", "--json"]));
    assert!(
        report["train_seed_config"]["tokens_per_s"]
            .as_f64()
            .unwrap()
            > 0.0
    );
    assert!(report["generate_default"]["latency_ms"].as_f64().unwrap() > 0.0);
    let default = &report["train_default"];
    assert!(default["tokens_per_s"].as_f64().unwrap() > 0.0);
    assert_eq!(default["history_context"], true);
    assert!(default["prompt"].as_u64().unwrap() > 0);
}

#[test]
fn a_store_with_too_few_texts_is_refused_and_nothing_is_trained() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("small.db");
    tailor(&db).arg("init").assert().success();
    let fixtures = Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/import");
    for (kind, file) in [
        ("products", "products.csv"),
        ("users", "users.csv"),
        ("events", "events.csv"),
    ] {
        tailor(&db)
            .args(["import", kind])
            .arg(fixtures.join(file))
            .assert()
            .success();
    }
    let out = tailor(&db).arg("train").output().unwrap();
    assert_eq!(out.status.code(), Some(1), "exit 1");
    let err = String::from_utf8_lossy(&out.stderr);
    // It names the count it found and the minimum it needs.
    assert!(err.contains("too little to learn from"), "{err}");
    assert!(err.contains("at least 200"), "{err}");
    let count = err
        .split("holds ")
        .nth(1)
        .and_then(|s| s.split(' ').next())
        .and_then(|n| n.parse::<usize>().ok());
    assert!(count.is_some_and(|n| n < 200), "{err}");
    assert!(
        !dir.path().join("models").exists()
            || std::fs::read_dir(dir.path().join("models"))
                .unwrap()
                .next()
                .is_none(),
        "no version written"
    );
    assert!(stats(&db)["active_model"].is_null(), "no model active");
}

/// The whole loop on a tiny shop of the family with no copy log at all:
/// catalog descriptions and reviews only. What is shown is faithful,
/// finished and clean, and eval reports each check.
#[test]
fn a_shop_with_no_copy_log_trains_and_generates_faithful_finished_copy() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("beauty.db");
    let config = dir.path().join("tiny.toml");
    std::fs::write(&config, crate::tiny_config(60, "")).unwrap();
    tailor(&db)
        .args([
            "init", "--demo", "--shop", "beauty", "--users", "60", "--seed", "5",
        ])
        .assert()
        .success();
    let cmd = || {
        let mut cmd = tailor(&db);
        cmd.arg("--config").arg(&config);
        cmd
    };
    json(cmd().args(["train", "--json"]));
    let out = cmd()
        .args([
            "generate", "--user", "u0000003", "-n", "3", "--seed", "4", "--json",
        ])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let stdout = String::from_utf8(out.stdout).unwrap();
    for line in stdout.lines() {
        let row: serde_json::Value = serde_json::from_str(line).unwrap();
        let text = row["text"].as_str().unwrap();
        assert!(!text.trim().is_empty(), "{line}");
        assert!(!text.chars().any(char::is_control), "{text:?}");
    }
    let eval = json(cmd().args(["eval", "--json"]));
    for key in FAITHFULNESS {
        assert_eq!(eval[key], 0.0, "{key} in {eval}");
    }
    assert!(eval["generated"].as_u64().unwrap() > 0, "{eval}");
}
