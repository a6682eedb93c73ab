//! `train`, `generate`, `eval`, `models` and `bench`: wiring between the
//! store, the version folders and the model. No logic beyond choosing
//! defaults and printing.

use super::{ModelsAction, print};
use crate::config::Config;
use crate::sanitize::sanitize_line;
use crate::store::Store;
use crate::store::recommend::{CoOccurrence, Recommender};
use crate::train::candidates::{self, Stored};
use crate::train::data;
use crate::train::eval::{EvalOptions, evaluate};
use crate::train::finetuned_version::{self, FinetuneReport};
use crate::train::lock::{LeaseEnd, Trainer, with_trainer};
use crate::train::metrics::EvalReport;
use crate::train::new_version::{Activation, Stage, TrainGate, train_and_save};
use crate::train::pretrain::{StopReason, TrainProgress};
use crate::train::versions;
use anyhow::{Context, Result, bail};
use serde::Serialize;
use std::collections::HashMap;
use std::io::{IsTerminal, Write};
use std::sync::atomic::AtomicBool;

/// The operating-system account running tailor: who promoted, trained or
/// labelled. `$USER` can be set by anyone, so it is not used.
pub fn os_account() -> String {
    whoami::username().unwrap_or_else(|_| "unknown".into())
}

/// What `tailor train --json` prints.
#[derive(Debug, Serialize)]
pub struct TrainReport {
    model_version: String,
    steps: usize,
    train_loss: f64,
    val_ppl: f64,
    tokens_per_s: f64,
    seconds: f64,
    examples: usize,
    val_examples: usize,
    stop: StopReason,
    /// Whether the new version became the active one.
    activated: bool,
    /// How it compared with the version active before it.
    gate: Option<TrainGate>,
}

/// Opens the store for a command that writes to it.
fn open(config: &Config) -> Result<(Store, std::path::PathBuf)> {
    let store = Store::open(&config.store.path)?;
    Ok((store, versions::models_dir(config)))
}

/// Opens the store for a command that only reads it: read-only, and said
/// so, when it cannot be written. (Nothing is swept here: only a trainer,
/// holding the trainer lock, sweeps the models folder.)
fn open_for_reading(config: &Config) -> Result<(Store, std::path::PathBuf)> {
    let store = super::open_for_reading(&config.store.path)?;
    Ok((store, versions::models_dir(config)))
}

/// `tailor train`.
pub fn train(config: &Config, activation: Activation) -> Result<TrainReport> {
    let (mut store, dir) = open(config)?;
    with_trainer(
        config,
        "pretrain",
        &os_account(),
        |trainer| train_locked(config, &mut store, &dir, trainer, activation),
        |result| match result {
            Ok(r) => LeaseEnd::Done(serde_json::json!({"version": r.model_version})),
            Err(e) => LeaseEnd::Failed(format!("{e:#}")),
        },
    )
}

fn train_locked(
    config: &Config,
    store: &mut Store,
    dir: &std::path::Path,
    trainer: &Trainer,
    activation: Activation,
) -> Result<TrainReport> {
    let started = std::time::Instant::now();
    let show = std::io::stderr().is_terminal();
    let mut on_stage = |stage: Stage<'_>| {
        let Stage::Training(p) = stage else { return };
        if show {
            eprint!(
                "\rstep {}/{}  loss {:.3}  {:.0} tok/s  ETA {:.0}s   ",
                p.step, p.total_steps, p.loss, p.tokens_per_s, p.eta_s
            );
        }
        if p.step.is_multiple_of(50) {
            tracing::info!(?p, "progress");
        }
    };
    let cancel = AtomicBool::new(false);
    let saved = train_and_save(
        config,
        store,
        dir,
        trainer,
        &os_account(),
        activation,
        &mut on_stage,
        &cancel,
    )?;
    if show {
        eprintln!();
    }
    let Some(saved) = saved else {
        bail!("training was cancelled; no version was saved");
    };
    // What the gate decided is said whether or not stdout is JSON.
    match (&saved.gate, saved.activated) {
        (Some(g), false) => eprintln!("tailor: {}", sanitize_line(&g.reason)),
        (Some(g), true) if !g.passed => eprintln!(
            "tailor: warning: {} activated as asked, although the gate would keep it back: {}",
            saved.version,
            sanitize_line(
                &g.checks
                    .iter()
                    .filter(|c| !c.passed)
                    .map(|c| c.detail.as_str())
                    .collect::<Vec<_>>()
                    .join("; ")
            )
        ),
        _ => {}
    }
    Ok(TrainReport {
        model_version: saved.version,
        steps: saved.trained.steps,
        train_loss: saved.trained.train_loss,
        val_ppl: saved.val_ppl,
        tokens_per_s: saved.trained.tokens_per_s,
        seconds: started.elapsed().as_secs_f64(),
        examples: saved.examples,
        val_examples: saved.val_examples,
        stop: saved.trained.stop,
        activated: saved.activated,
        gate: saved.gate,
    })
}

/// `tailor finetune`.
pub fn finetune(config: &Config, max_steps: Option<usize>) -> Result<FinetuneReport> {
    let (mut store, dir) = open(config)?;
    let show = std::io::stderr().is_terminal();
    let mut progress = |p: &TrainProgress| {
        if show {
            eprint!(
                "\rstep {}/{}  loss {:.3}  ETA {:.0}s   ",
                p.step, p.total_steps, p.loss, p.eta_s
            );
        }
    };
    let report = finetuned_version::run(
        &mut store,
        config,
        &dir,
        &os_account(),
        max_steps,
        &mut progress,
        &AtomicBool::new(false),
    )?;
    if show {
        eprintln!();
        eprintln!("tailor: {}", report.eval.reason);
    }
    tracing::info!(version = %report.model_version, promoted = report.promoted, "fine-tuned");
    Ok(report)
}

/// One stored candidate, as `tailor generate --json` prints it.
#[derive(Debug, Serialize)]
struct GeneratedLine<'a> {
    generation_id: i64,
    user_id: &'a str,
    product_id: &'a str,
    model_version: &'a str,
    text: &'a str,
    logprob: f64,
}

/// The product asked for, or `user_id`'s top recommendation.
fn product_for(
    store: &Store,
    config: &Config,
    user_id: &str,
    product_id: Option<&str>,
) -> Result<crate::domain::Product> {
    let product_id = match product_id {
        Some(p) => p.to_string(),
        None => CoOccurrence::default()
            .recommend(store, user_id, 1)?
            .into_iter()
            .next()
            .map(|r| r.product_id)
            .context("the store has no products to recommend")?,
    };
    store.product(&product_id)?.with_context(|| {
        format!(
            "no product {product_id:?} in {}",
            config.store.path.display()
        )
    })
}

/// `tailor generate`.
pub fn generate(
    config: &Config,
    user_id: &str,
    product_id: Option<&str>,
    n: Option<usize>,
    seed: Option<u64>,
    json: bool,
) -> Result<()> {
    let (mut store, dir) = open(config)?;
    if !store.has_user(user_id)? {
        bail!("no shopper {user_id:?} in {}", config.store.path.display());
    }
    let (loaded, note) = versions::load_active(&store, &dir)?;
    if let Some(note) = note {
        eprintln!("tailor: warning: {}", sanitize_line(&note));
    }
    let product = product_for(&store, config, user_id, product_id)?;
    let n = n.unwrap_or(config.generate.n_candidates);
    let seed = seed.unwrap_or_else(candidates::clock_seed);
    let params = config.generate.params();
    let Stored {
        ids,
        rows,
        drawn,
        refused,
    } = candidates::generate_and_store(&mut store, &loaded, &params, user_id, &product, n, seed)?;
    if rows.len() < n && refused > 0 {
        eprintln!(
            "tailor: {} of {n} candidates: the guard refused {refused} of {drawn} draws \
             (untrue to the product or shopper, or cut off at max_tokens)",
            rows.len()
        );
    }
    let mut out = std::io::stdout().lock();
    for (id, row) in ids.iter().zip(&rows) {
        if json {
            let line = GeneratedLine {
                generation_id: *id,
                user_id: &row.user_id,
                product_id: &row.product_id,
                model_version: &row.model_version,
                text: &row.text,
                logprob: row.logprob,
            };
            writeln!(out, "{}", serde_json::to_string(&line)?)?;
        } else {
            writeln!(
                out,
                "#{id:<6} {:>8.2}  {}",
                row.logprob,
                sanitize_line(&row.text)
            )?;
        }
    }
    Ok(())
}

/// Held-out shoppers `tailor eval` generates candidates for.
const EVAL_SHOPPERS: usize = 100;

/// `tailor eval`.
pub fn eval(config: &Config, version: Option<&str>) -> Result<EvalReport> {
    let (store, dir) = open_for_reading(config)?;
    let loaded = match version {
        Some(v) => versions::load(&dir, v)?,
        None => {
            let (loaded, note) = versions::load_active(&store, &dir)?;
            if let Some(note) = note {
                eprintln!("tailor: warning: {}", sanitize_line(&note));
            }
            loaded
        }
    };
    // Rebuild the held-out split exactly as the version was trained.
    let (model, mut train) = loaded.data_sections(config);
    train.max_examples = 0;
    let data = data::build(
        &store,
        &model,
        &train,
        Some((loaded.vocab.clone(), loaded.settings.slots.clone())),
    )?;
    let products: HashMap<_, _> = store
        .products()?
        .into_iter()
        .map(|p| (p.product_id.clone(), p))
        .collect();
    let opts = EvalOptions {
        shoppers: EVAL_SHOPPERS,
        candidates: config.generate.n_candidates,
        gain_examples: 2000,
        sampling: config.generate.params(),
        seed: config.train.seed,
    };
    // Candidates are checked against what each shopper did before the
    // held-out event: the histories of the shoppers evaluate generates for.
    let histories = crate::train::eval::probe_histories(&store, &data.val, opts.shoppers)?;
    let lexicon = candidates::lexicon(&store)?;
    let mut report = evaluate(&loaded, &data.val, &products, &lexicon, &histories, &opts)?;
    report.xz_bpc = crate::train::eval::xz_reference_bpc(&data.train, &data.val);
    Ok(report)
}

/// What `tailor compare` is asked.
#[derive(Debug, Clone)]
pub struct CompareRequest {
    /// The two versions, in the order shown.
    pub versions: [String; 2],
    /// The shopper.
    pub user: String,
    /// The product, or the shopper's top recommendation.
    pub product: Option<String>,
    /// Candidates per version.
    pub n: usize,
    /// The sampling seed, the same for both.
    pub seed: u64,
}

/// `tailor compare`: the same shopper, product and seed through two
/// versions, nothing stored, with the gate's figures from the registry.
pub fn compare(config: &Config, req: &CompareRequest, json: bool) -> Result<()> {
    let (store, dir) = open_for_reading(config)?;
    if !store.has_user(&req.user)? {
        bail!(
            "no shopper {:?} in {}",
            req.user,
            config.store.path.display()
        );
    }
    let registry = store.models()?;
    let product = product_for(&store, config, &req.user, req.product.as_deref())?;
    let history = store.user_history(&req.user)?;
    let lexicon = candidates::lexicon(&store)?;
    let params = config.generate.params();
    let comparison = crate::train::compare::compare(
        &crate::train::compare::CompareInput {
            registry: &registry,
            versions: [&req.versions[0], &req.versions[1]],
            user_id: &req.user,
            history: &history,
            product: &product,
            lexicon: &lexicon,
            params: &params,
            n: req.n,
            seed: req.seed,
        },
        &mut |v| versions::load(&dir, v).map(std::sync::Arc::new),
    )?;
    let mut out = std::io::stdout().lock();
    if json {
        writeln!(out, "{}", serde_json::to_string(&comparison)?)?;
        return Ok(());
    }
    writeln!(
        out,
        "{} · {} {}",
        sanitize_line(&comparison.user_id),
        sanitize_line(&comparison.product_id),
        sanitize_line(&comparison.product_title)
    )?;
    for side in &comparison.versions {
        let what = match (&side.parent, side.active) {
            (Some(p), true) => format!("{}, from {p}, active", side.kind),
            (Some(p), false) => format!("{}, from {p}", side.kind),
            (None, true) => format!("{}, active", side.kind),
            (None, false) => side.kind.clone(),
        };
        writeln!(out, "\n{} ({})", side.version, sanitize_line(&what))?;
        for (i, text) in side.candidates.iter().enumerate() {
            writeln!(out, "  {}. {}", i + 1, sanitize_line(text))?;
        }
        if side.refused > 0 {
            writeln!(
                out,
                "  (the checks refused {} of {} draws)",
                side.refused, side.drawn
            )?;
        }
    }
    if let Some(gate) = &comparison.gate {
        writeln!(out, "\ngate: {}", sanitize_line(gate))?;
        for check in &comparison.checks {
            let mark = if check.passed { "pass" } else { "FAIL" };
            writeln!(
                out,
                "  {mark} {}: {}",
                sanitize_line(&check.check),
                sanitize_line(&check.detail)
            )?;
        }
    }
    Ok(())
}

/// `tailor models`.
pub fn models(config: &Config, action: ModelsAction, json: bool) -> Result<()> {
    let (mut store, dir) = match action {
        ModelsAction::List => open_for_reading(config)?,
        ModelsAction::Promote { .. } | ModelsAction::Rollback => open(config)?,
    };
    match action {
        ModelsAction::List => {
            let mut out = std::io::stdout().lock();
            for m in store.models()? {
                if json {
                    writeln!(out, "{}", serde_json::to_string(&m)?)?;
                } else {
                    let ppl = m.metrics.get("val_ppl").and_then(|v| v.as_f64());
                    write!(
                        out,
                        "{} {:<6} {:<9} parent {:<6} val_ppl {}",
                        if m.active { "*" } else { " " },
                        m.version,
                        m.kind,
                        m.parent.as_deref().unwrap_or("-"),
                        ppl.map_or("-".into(), |p| format!("{p:.3}")),
                    )?;
                    match &m.refused {
                        Some(why) => writeln!(out, "  REFUSED: {}", sanitize_line(why))?,
                        None => writeln!(out)?,
                    }
                }
            }
            Ok(())
        }
        ModelsAction::Promote { version } => {
            if !store.has_model(&version)? {
                bail!("no model version {version:?}; `tailor models` lists them");
            }
            versions::load(&dir, &version)
                .with_context(|| format!("refusing to promote {version}"))?;
            store.activate_model(&version, &os_account(), "promote")?;
            print(&serde_json::json!({"active_model": version}), json)
        }
        ModelsAction::Rollback => {
            let history = store.activation_history()?;
            let Some(previous) = history.get(1) else {
                bail!("nothing to roll back to: only one version has ever been active");
            };
            versions::load(&dir, previous)
                .with_context(|| format!("refusing to roll back to {previous}"))?;
            store.activate_model(previous, &os_account(), "rollback")?;
            print(&serde_json::json!({"active_model": previous}), json)
        }
    }
}

/// `tailor bench`.
pub fn bench(config: &Config, quick: bool) -> Result<serde_json::Value> {
    Ok(crate::train::bench::run(config, quick)?)
}
