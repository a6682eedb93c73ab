//! Learning from labels end to end on a tiny model: the simulated analyst's
//! loop, the version and labels it records, and one trainer at a time.

use crate::{json, tailor};
use std::path::{Path, PathBuf};
use tailor::config::Config;
use tailor::store::Store;
use tailor::train::lock::{LeaseEnd, lock_path, with_trainer};
use tailor::train::simulate::{ANALYST, CurvePlan, run_curve};

/// Fine-tuning settings for the tiny model, after `crate::tiny_config`.
const FINETUNE: &str = r#"
[finetune]
epochs = 4
batch_size = 8
learning_rate = 0.002
holdout_fraction = 0.3
held_out_min = 2
"#;

/// A demo store of 80 shoppers with a pre-trained tiny model.
fn trained_shop() -> (tempfile::TempDir, PathBuf, PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("shop.db");
    let config = dir.path().join("tiny.toml");
    std::fs::write(&config, crate::tiny_config(60, FINETUNE)).unwrap();
    tailor(&db)
        .args(["init", "--demo", "--users", "80", "--seed", "3"])
        .assert()
        .success();
    tailor(&db)
        .arg("--config")
        .arg(&config)
        .args(["train", "--json"])
        .assert()
        .success();
    (dir, db, config)
}

fn load_config(db: &Path, file: &Path) -> Config {
    let mut config = Config::load(Some(file), &[]).unwrap();
    config.store.path = db.to_path_buf();
    config
}

#[test]
fn the_simulated_analysts_loop_fine_tunes_versions_and_consumes_labels() {
    let (_dir, db, file) = trained_shop();
    let config = load_config(&db, &file);
    let mut store = Store::open(&db).unwrap();
    let users = store.user_ids().unwrap();
    let plan = CurvePlan {
        budgets: vec![0, 80],
        label_shoppers: users[..60].to_vec(),
        eval_shoppers: users[60..].to_vec(),
        candidates: 4,
        label_candidates: 4,
        seed: 5,
        rule: tailor::train::simulate::Rule::Colour,
    };
    let dir = tailor::train::versions::models_dir(&config);
    let points = run_curve(&mut store, &config, &dir, &plan, &mut |_| {}).unwrap();
    assert_eq!(points.len(), 2);
    assert!(points[0].finetune.is_none());
    let ups = store
        .labels_in_effect()
        .unwrap()
        .iter()
        .filter(|l| l.up)
        .count();
    let report = points[1]
        .finetune
        .as_ref()
        .unwrap_or_else(|| panic!("no fine-tune with {ups} up-labels of 80"));
    assert_eq!(report.parent_version, "v1");
    assert_eq!(report.model_version, "v2");
    // About a fifth of the shoppers' labels are held out to judge v2.
    let held = report.eval.held_out_up + report.eval.held_out_down;
    assert_eq!(
        report.labels_used + held + report.eval.set_aside,
        80,
        "{report:?}"
    );
    assert!(held > 0 && report.labels_used > 0, "{report:?}");
    for p in &points {
        assert_eq!(p.fact_errors, 0.0, "slots keep every fact right");
        assert!((0.0..=1.0).contains(&p.acceptance));
    }
    // The version is registered with its parent, active only if promoted,
    // and the labels it learned from name it.
    let models = store.models().unwrap();
    let v2 = models.iter().find(|m| m.version == "v2").unwrap();
    assert_eq!(
        (v2.kind.as_str(), v2.parent.as_deref()),
        ("finetune", Some("v1"))
    );
    assert_eq!(v2.active, report.promoted);
    assert_eq!(
        points[1].model_version,
        if report.promoted { "v2" } else { "v1" }
    );
    let labels = store.labels_in_effect().unwrap();
    assert_eq!(labels.len(), 80);
    assert!(labels.iter().all(|l| l.analyst == ANALYST));
    let used = labels.iter().filter(|l| l.used).count();
    assert_eq!(
        used,
        if report.promoted {
            report.labels_used
        } else {
            0
        }
    );
}

/// Generates 4 candidates for each of `users` and labels them alternately
/// up and down with `tailor label`.
/// Generates up to 4 candidates for each of `users` and labels them
/// alternately up and down; returns how many were labelled (the guard may
/// refuse what a tiny model writes).
fn label_some(db: &Path, file: &Path, users: &[&str]) -> usize {
    let mut labelled = 0;
    for user in users {
        let out = tailor(db)
            .arg("--config")
            .arg(file)
            .args([
                "generate", "--user", user, "-n", "4", "--seed", "1", "--json",
            ])
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        for (i, line) in String::from_utf8(out.stdout).unwrap().lines().enumerate() {
            let v: serde_json::Value = serde_json::from_str(line).unwrap();
            let id = v["generation_id"].as_i64().unwrap().to_string();
            let verdict = if i % 2 == 0 { "up" } else { "down" };
            let label =
                json(tailor(db).args(["label", &id, verdict, "--analyst", "ann", "--json"]));
            assert_eq!(label["label"], verdict);
            assert_eq!(label["analyst"], "ann");
            assert_eq!(label["generation_id"].to_string(), id);
            labelled += 1;
        }
    }
    labelled
}

#[test]
fn one_trainer_at_a_time_and_a_killed_one_frees_the_lock() {
    let (_dir, db, file) = trained_shop();
    let finetune = || {
        tailor(&db)
            .arg("--config")
            .arg(&file)
            .args(["finetune", "--max-steps", "2", "--json"])
            .output()
            .unwrap()
    };
    let users: Vec<String> = (1..=12).map(|i| format!("u{i:07}")).collect();
    let users: Vec<&str> = users.iter().map(String::as_str).collect();
    let mut labelled = label_some(&db, &file, &users[..6]);
    // This process trains: another is refused and told who and since when.
    let mut config = tailor::config::Config::default();
    config.store.path = db.clone();
    with_trainer(
        &config,
        "finetune",
        "ann",
        |_| {
            let refused = finetune();
            assert!(!refused.status.success());
            let err = String::from_utf8_lossy(&refused.stderr);
            assert!(
                err.contains("a finetune job is already running: started by ann")
                    && err.contains(&format!("(process {})", std::process::id())),
                "{err}"
            );
            Ok::<_, tailor::train::lock::LockError>(())
        },
        |_| LeaseEnd::Done(serde_json::json!({})),
    )
    .unwrap();
    let ok = finetune();
    assert!(
        ok.status.success(),
        "{}",
        String::from_utf8_lossy(&ok.stderr)
    );
    let report: serde_json::Value = serde_json::from_slice(&ok.stdout).unwrap();
    assert_eq!(report["parent_version"], "v1");

    // A trainer killed while holding the lock frees it at once.
    let Ok(mut holder) = std::process::Command::new("flock")
        // -o: the lock is held by flock itself, not passed on to sleep.
        .arg("-o")
        .arg(lock_path(&db))
        .args(["sleep", "60"])
        .spawn()
    else {
        eprintln!("flock(1) is not installed: the kill half of this test is skipped");
        return;
    };
    let held = (0..250).any(|_| {
        let file = std::fs::File::open(lock_path(&db)).unwrap();
        let taken = file.try_lock().is_err();
        drop(file);
        if !taken {
            std::thread::sleep(std::time::Duration::from_millis(20));
        }
        taken
    });
    assert!(held, "the flock child never took the lock");
    let refused = finetune();
    assert!(
        String::from_utf8_lossy(&refused.stderr).contains("another trainer holds the trainer lock"),
        "{}",
        String::from_utf8_lossy(&refused.stderr)
    );
    holder.kill().unwrap();
    holder.wait().unwrap();
    labelled += label_some(&db, &file, &users[6..]);
    let after = json(tailor(&db).arg("--config").arg(&file).args([
        "finetune",
        "--max-steps",
        "2",
        "--json",
    ]));
    assert_eq!(after["model_version"], "v3");
    // Every label, exported as JSON Lines with the analyst and the version.
    let export = tailor(&db).args(["export", "labels"]).output().unwrap();
    let lines: Vec<serde_json::Value> = String::from_utf8(export.stdout)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert!(labelled > 24, "{labelled} labelled");
    assert_eq!(lines.len(), labelled);
    assert!(
        lines.iter().all(|l| l["analyst"] == "ann"),
        "{:?}",
        lines[0]
    );
}

/// A demo store with one stored candidate (id 1) written straight into the
/// store, so labelling needs no model.
fn shop_with_one_candidate() -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("shop.db");
    tailor(&db)
        .args(["init", "--demo", "--users", "20", "--seed", "3"])
        .assert()
        .success();
    let conn = rusqlite::Connection::open(&db).unwrap();
    conn.execute_batch(
        "INSERT INTO model_versions (version, kind, created_at) VALUES ('v1', 'pretrain', 0);
         INSERT INTO generations (id, user, product, model_version, text, logprob, created_at)
         VALUES (1, 1, 1, 'v1', 'A candidate.', -1.0, 0);",
    )
    .unwrap();
    (dir, db)
}

#[test]
fn label_fields_with_escapes_or_unknown_reasons_are_refused_and_notes_cleaned() {
    let (_dir, db) = shop_with_one_candidate();
    for (args, said) in [
        (vec!["--analyst", "ann\x1b[2J"], "control characters"),
        (vec!["--analyst", "ann\u{202e}nna"], "bidi"),
        (vec!["--analyst", " "], "empty"),
        (vec!["--reason", "because-i-said-so"], "unknown reason code"),
    ] {
        let out = tailor(&db)
            .args(["label", "1", "up"])
            .args(&args)
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(2), "{args:?}");
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(err.contains(said), "{args:?}: {err}");
        assert!(
            !err.contains('\x1b'),
            "the refusal echoes no escape: {err:?}"
        );
    }
    assert_eq!(crate::stats(&db)["labels"], 0, "nothing was written");
    let label = json(tailor(&db).args([
        "label",
        "1",
        "down",
        "--reason",
        "generic",
        "--note",
        "too long\x1b]52;c;aGVsbG8=\x07 and \u{202e}flat",
        "--json",
    ]));
    assert_eq!(label["label"], "down");
    let conn = rusqlite::Connection::open(&db).unwrap();
    let (reason, note): (String, String) = conn
        .query_row("SELECT reason, note FROM labels", [], |r| {
            Ok((r.get(0)?, r.get(1)?))
        })
        .unwrap();
    assert_eq!(reason, "generic");
    assert_eq!(note, "too long and flat");
}

/// Labels `shoppers` shoppers' candidates in process: 4 candidates each
/// for their top recommended product, the verdict from `rule` (candidate
/// index, text), and returns how many were labelled.
fn label_by(
    store: &mut Store,
    config: &Config,
    shoppers: &[String],
    rule: &dyn Fn(usize, &str) -> bool,
) -> usize {
    use tailor::store::recommend::{CoOccurrence, Recommender};
    use tailor::store::{Labeller, Verdict};
    let dir = tailor::train::versions::models_dir(config);
    let (loaded, _) = tailor::train::versions::load_active(store, &dir).unwrap();
    let lexicon = tailor::train::candidates::lexicon(store).unwrap();
    let by = Labeller {
        analyst: "saboteur".into(),
        claimed: true,
        session: None,
    };
    let mut given = 0;
    for (k, user) in shoppers.iter().enumerate() {
        let rec = CoOccurrence::default().recommend(store, user, 1).unwrap();
        let product = store.product(&rec[0].product_id).unwrap().unwrap();
        let stored = tailor::train::candidates::generate_and_store_with(
            store,
            &loaded,
            &lexicon,
            &config.generate.params(),
            user,
            &product,
            4,
            k as u64,
        )
        .unwrap();
        for (i, (id, row)) in stored.ids.iter().zip(&stored.rows).enumerate() {
            let verdict = if rule(i, &row.text) {
                Verdict::Up
            } else {
                Verdict::Down
            };
            store.add_label(*id, verdict, None, None, &by).unwrap();
            given += 1;
        }
    }
    given
}

#[test]
fn sabotage_never_ships_random_labels_or_labels_rewarding_unfaithful_copy() {
    let (_dir, db, file) = trained_shop();
    let config = load_config(&db, &file);
    let mut store = Store::open(&db).unwrap();
    let users = store.user_ids().unwrap();
    let dir = tailor::train::versions::models_dir(&config);
    let finetune = |store: &mut Store| {
        tailor::train::finetuned_version::run(
            store,
            &config,
            &dir,
            "saboteur",
            None,
            &mut |_| {},
            &std::sync::atomic::AtomicBool::new(false),
        )
        .map_err(|e| e.to_string())
    };

    // Random labels: a coin per candidate, from a hash of its text.
    let coin = |_: usize, text: &str| {
        text.bytes()
            .fold(0xcbf2_9ce4_8422_2325u64, |h, b| {
                (h ^ u64::from(b)).wrapping_mul(0x100_0000_01b3)
            })
            .is_multiple_of(2)
    };
    let given = label_by(&mut store, &config, &users[..40], &coin);
    assert!(given >= 100, "{given}");
    let report = finetune(&mut store).unwrap();
    assert!(!report.promoted, "{}", report.eval.reason);
    assert_eq!(store.active_model().unwrap().as_deref(), Some("v1"));

    // Up-labels only on copy that names another product and its brand,
    // written into the store as if a model had: the checks refuse it, so
    // the labels are set aside and there is nothing to promote.
    let products = store.products().unwrap();
    let rows: Vec<tailor::store::NewGeneration> = users[40..70]
        .iter()
        .enumerate()
        .map(|(k, user)| {
            let (this, other) = (&products[k], &products[k + 1]);
            tailor::store::NewGeneration {
                user_id: user.clone(),
                product_id: this.product_id.clone(),
                model_version: "v1".into(),
                text: format!(
                    "The {} by {}, in the colour you love.",
                    other.title,
                    other.brand.clone().unwrap_or_default()
                ),
                logprob: -10.0,
                sampling: serde_json::json!({}),
            }
        })
        .collect();
    let ids = store.insert_generations(&rows).unwrap();
    let by = tailor::store::Labeller {
        analyst: "saboteur".into(),
        claimed: true,
        session: None,
    };
    for id in ids {
        store
            .add_label(id, tailor::store::Verdict::Up, None, None, &by)
            .unwrap();
    }
    label_by(&mut store, &config, &users[40..70], &|_, _| false);
    match finetune(&mut store) {
        Ok(report) => {
            assert!(!report.promoted, "{}", report.eval.reason);
            assert!(report.eval.set_aside >= 30, "{:?}", report.eval);
        }
        Err(e) => assert!(e.contains("up-labels"), "{e}"),
    }
    assert_eq!(store.active_model().unwrap().as_deref(), Some("v1"));
}

#[test]
fn label_counts_mean_one_thing_each_in_stats_and_export() {
    let (_dir, db) = shop_with_one_candidate();
    let conn = rusqlite::Connection::open(&db).unwrap();
    conn.execute(
        "INSERT INTO generations (id, user, product, model_version, text, logprob, created_at)
         VALUES (2, 1, 1, 'v1', 'Another candidate.', -1.0, 0)",
        [],
    )
    .unwrap();
    // Two analysts on candidate 1; ann changes her mind; bob labels 2.
    for (id, verdict, who) in [
        ("1", "up", "ann"),
        ("1", "down", "ann"),
        ("1", "up", "bob"),
        ("2", "up", "bob"),
    ] {
        tailor(&db)
            .args(["label", id, verdict, "--analyst", who])
            .assert()
            .success();
    }
    let s = crate::stats(&db);
    assert_eq!(s["labels"], 3, "in effect: ann's down and bob's two ups");
    assert_eq!(s["label_rows"], 4, "every up or down recorded");
    assert_eq!(s["labelled_candidates"], 2);
    // The export writes one line per row, and says which are in effect.
    let out = tailor(&db)
        .args(["export", "labels", "--json"])
        .output()
        .unwrap();
    assert!(out.status.success(), "--json is accepted");
    let lines: Vec<serde_json::Value> = String::from_utf8(out.stdout)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(lines.len(), 4);
    assert_eq!(lines.iter().filter(|l| l["in_effect"] == true).count(), 3);
    let file = db.with_file_name("labels.jsonl");
    let out = tailor(&db)
        .args(["export", "labels", "--out"])
        .arg(&file)
        .output()
        .unwrap();
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("4 label rows (3 in effect) written to"),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn export_approved_writes_the_copy_to_publish_as_jsonl_or_csv() {
    let (_dir, db) = shop_with_one_candidate();
    let conn = rusqlite::Connection::open(&db).unwrap();
    conn.execute(
        "INSERT INTO generations (id, user, product, model_version, text, logprob, created_at)
         VALUES (2, 2, 1, 'v1', 'Another candidate.', -1.0, 0),
                (3, 2, 1, 'v1', 'A candidate.', -1.0, 0)",
        [],
    )
    .unwrap();
    // ann approves 1 and 3 (the same text for two shoppers) and 2, then
    // bob turns 2 down: the newest verdict withdraws it.
    for (id, verdict, who) in [
        ("1", "up", "ann"),
        ("2", "up", "ann"),
        ("3", "up", "ann"),
        ("2", "down", "bob"),
    ] {
        tailor(&db)
            .args(["label", id, verdict, "--analyst", who])
            .assert()
            .success();
    }
    let out = tailor(&db).args(["export", "approved"]).output().unwrap();
    assert!(out.status.success());
    let lines: Vec<serde_json::Value> = String::from_utf8(out.stdout)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    let shown: Vec<(&str, Option<&str>, &str, u64)> = lines
        .iter()
        .map(|l| {
            (
                l["scope"].as_str().unwrap(),
                l["user_id"].as_str(),
                l["text"].as_str().unwrap(),
                l["shoppers"].as_u64().unwrap(),
            )
        })
        .collect();
    let users: Vec<String> = conn
        .prepare("SELECT user_id FROM users WHERE id IN (1, 2) ORDER BY id")
        .unwrap()
        .query_map([], |r| r.get(0))
        .unwrap()
        .map(Result::unwrap)
        .collect();
    assert_eq!(
        shown,
        [
            ("shopper", Some(users[0].as_str()), "A candidate.", 2),
            ("shopper", Some(users[1].as_str()), "A candidate.", 2),
            ("product", None, "A candidate.", 2),
        ]
    );
    assert_eq!(lines[0]["analyst"], "ann");
    assert_eq!(lines[0]["model_version"], "v1");

    let file = db.with_file_name("approved.csv");
    let out = tailor(&db)
        .args(["export", "approved", "--format", "csv", "--out"])
        .arg(&file)
        .output()
        .unwrap();
    assert!(out.status.success());
    assert!(
        String::from_utf8_lossy(&out.stderr)
            .contains("2 approved texts for shoppers and 1 for product written to"),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let mut csv = csv::Reader::from_path(&file).unwrap();
    assert_eq!(
        csv.headers().unwrap(),
        vec![
            "scope",
            "product_id",
            "user_id",
            "text",
            "model_version",
            "generation_id",
            "analyst",
            "approved_at",
            "shoppers"
        ]
    );
    assert_eq!(csv.records().count(), 3);

    // Labels are JSON Lines only: a usage error that says what to do.
    let out = tailor(&db)
        .args(["export", "labels", "--format", "csv"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("export approved --format csv"),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// Explain scores a candidate as it was drawn: the same log-probability as
/// the list shows, from the tokens drawn (the text read again may spell
/// others), and for a text the length limit cut off, no `<eos>` (which
/// would add the cost of ending mid-sentence).
#[test]
fn explain_scores_a_candidate_as_it_was_written_even_when_cut_off() {
    use tailor::jobs::explain::{Written, explain};
    let (_dir, db, file) = trained_shop();
    let config = load_config(&db, &file);
    let mut store = Store::open(&db).unwrap();
    let dir = tailor::train::versions::models_dir(&config);
    let (loaded, _) = tailor::train::versions::load_active(&store, &dir).unwrap();
    let user = store.user_ids().unwrap()[0].clone();
    let history = store.user_history(&user).unwrap();
    let product = store.products().unwrap()[0].clone();
    let lexicon = tailor::train::candidates::lexicon(&store).unwrap();
    let stored = tailor::train::candidates::generate_and_store_with(
        &mut store,
        &loaded,
        &lexicon,
        &config.generate.params(),
        &user,
        &product,
        4,
        7,
    )
    .unwrap();
    assert!(!stored.ids.is_empty());
    for (id, row) in stored.ids.iter().zip(&stored.rows) {
        let g = store.generation(*id).unwrap().unwrap();
        assert!(g.ended && g.ids.is_some(), "{g:?}");
        let as_written = Written {
            before: g.created_at + 1,
            ended: g.ended,
            ids: g.ids.as_deref(),
        };
        let e = explain(&loaded, &history, &product, &g.text, as_written.clone()).unwrap();
        // A batch and a step sum in another order.
        assert!(
            (e.logprob - row.logprob).abs() < 0.05 + 0.002 * row.logprob.abs(),
            "{:?}: explain {} vs list {}",
            g.text,
            e.logprob,
            row.logprob
        );
        // Had the limit cut it off there, the end would not be scored.
        let cut = Written {
            ended: false,
            ..as_written
        };
        let c = explain(&loaded, &history, &product, &g.text, cut).unwrap();
        assert_eq!(c.tokens + 1, e.tokens);
        assert!(c.logprob > e.logprob, "{} vs {}", c.logprob, e.logprob);
    }
}

#[test]
fn stats_agreement_reports_each_analyst_cohens_kappa_and_the_disagreements() {
    let (_dir, db) = shop_with_one_candidate();
    let conn = rusqlite::Connection::open(&db).unwrap();
    conn.execute(
        "INSERT INTO generations (id, user, product, model_version, text, logprob, created_at)
         VALUES (2, 1, 1, 'v1', 'Two.', -1.0, 0), (3, 1, 1, 'v1', 'Three.', -1.0, 0)",
        [],
    )
    .unwrap();
    // Both label 1 up and 3 down; on 2 they disagree. bob changes his mind
    // on 3 first: only the label in effect counts.
    for (id, verdict, who) in [
        ("1", "up", "ann"),
        ("2", "up", "ann"),
        ("3", "down", "ann"),
        ("1", "up", "bob"),
        ("2", "down", "bob"),
        ("3", "up", "bob"),
        ("3", "down", "bob"),
    ] {
        tailor(&db)
            .args(["label", id, verdict, "--analyst", who])
            .assert()
            .success();
    }
    let out = tailor(&db)
        .args(["stats", "--agreement", "--json"])
        .output()
        .unwrap();
    assert!(out.status.success());
    let s: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let a = &s["agreement"];
    assert_eq!(s["labels"], 6, "the usual counts are still there");
    assert_eq!(a["shared_candidates"], 3);
    assert_eq!(a["kappa_kind"], "cohen");
    // p_o = 2/3; ann up 2/3, bob up 1/3: p_e = 4/9; κ = 0.4.
    assert!((a["kappa"].as_f64().unwrap() - 0.4).abs() < 1e-9, "{a}");
    assert_eq!(a["disagreements"][0]["generation_id"], 2);
    assert_eq!(a["disagreements"][0]["up"][0], "ann");
    assert_eq!(a["disagreements"][0]["text"], "Two.");
    assert_eq!(a["analysts"][1]["analyst"], "bob");
    assert_eq!(a["analysts"][1]["labels"], 3);
    // People get key-value lines, never raw JSON.
    let out = tailor(&db).args(["stats", "--agreement"]).output().unwrap();
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(text.contains("agreement.kappa "), "{text}");
    assert!(!text.contains('{'), "{text}");
}
