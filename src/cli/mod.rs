//! The command line: parse, load the config, dispatch. No logic of its own.
//!
//! Exit codes are a contract (DESIGN.md §3): 0 ok, 1 failure, 2 usage,
//! 65 bad input data.

pub mod model_cmds;

use crate::config::Config;
use crate::demo::{DemoOptions, Shop};
use crate::store::import::{ImportError, ImportKind};
use crate::store::{Found, Store};
use crate::train::new_version::Activation;
use anyhow::{Context, Result};
use clap::{Parser, Subcommand, ValueEnum};
use serde::Serialize;
use std::ffi::OsString;
use std::io::{IsTerminal, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

/// Exit code for bad input data (sysexits' EX_DATAERR).
pub const EXIT_DATA: u8 = 65;

/// tailor: personalised product copy, written by a GRU language model and
/// labelled by analysts, in a terminal console.
#[derive(Debug, Parser)]
#[command(name = "tailor", version, about)]
pub struct Cli {
    /// The SQLite store (default: `store.path` from the config).
    #[arg(long, global = true, value_name = "PATH")]
    pub db: Option<PathBuf>,
    /// A config file over the built-in defaults (default: ./config.toml when present).
    #[arg(long, global = true, value_name = "PATH")]
    pub config: Option<PathBuf>,
    /// What to do; without one, open the console.
    #[command(subcommand)]
    pub command: Option<Command>,
}

/// The subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Open the console (creating the demo shop on a missing store).
    Console,
    /// Create the store; with --demo, fill it with the deterministic demo shop.
    Init {
        /// Fill the store with the demo shop.
        #[arg(long)]
        demo: bool,
        /// Seed of the demo shop (default: `demo.seed`).
        #[arg(long, requires = "demo")]
        seed: Option<u64>,
        /// Number of demo shoppers (default: `demo.users`).
        #[arg(long, requires = "demo", value_parser = crate::config::at_least_one)]
        users: Option<usize>,
        /// Which demo shop: the default, or one of the family, each with
        /// its own catalog and its own tastes.
        #[arg(long, requires = "demo", value_name = "NAME",
              value_parser = clap::builder::PossibleValuesParser::new(crate::demo::shop_names()))]
        shop: Option<String>,
        /// Print JSON.
        #[arg(long)]
        json: bool,
    },
    /// Import products, users or events from CSV or JSON Lines, all or nothing.
    Import {
        /// What the file holds.
        kind: ImportKindArg,
        /// A `.csv` or `.jsonl` file.
        file: PathBuf,
        /// Print JSON.
        #[arg(long)]
        json: bool,
    },
    /// Print store counts.
    Stats {
        /// Also each analyst's figures, their agreement (Cohen's or Fleiss'
        /// κ) and the candidates they disagree on.
        #[arg(long)]
        agreement: bool,
        /// Print JSON.
        #[arg(long)]
        json: bool,
    },
    /// Pre-train a new model version on the store and activate it.
    Train {
        /// Passes over the data (default: `train.epochs`).
        #[arg(long, value_parser = crate::config::at_least_one)]
        epochs: Option<usize>,
        /// Stop after this many steps (default: `train.max_steps`).
        #[arg(long)]
        max_steps: Option<usize>,
        /// Activate the new version even if it compares worse with the
        /// active one (with a warning).
        #[arg(long)]
        activate: bool,
        /// Print JSON.
        #[arg(long)]
        json: bool,
    },
    /// Generate and store candidate descriptions for a shopper.
    Generate {
        /// The shopper.
        #[arg(long)]
        user: String,
        /// The product (default: the shopper's top recommendation).
        #[arg(long)]
        product: Option<String>,
        /// How many candidates (default: `generate.n_candidates`).
        #[arg(short = 'n', long = "n", value_parser = crate::config::at_least_one)]
        n: Option<usize>,
        /// Sampling seed (default: from the clock).
        #[arg(long)]
        seed: Option<u64>,
        /// Print JSON Lines.
        #[arg(long)]
        json: bool,
    },
    /// Record a thumbs-up or thumbs-down label on a stored candidate.
    Label {
        /// The candidate (`generation_id` from `tailor generate`).
        generation_id: i64,
        /// up or down.
        verdict: VerdictArg,
        /// Label as this analyst (recorded as claimed; default: the OS account).
        #[arg(long)]
        analyst: Option<String>,
        /// A reason code, one of `console.reasons` in the config.
        #[arg(long)]
        reason: Option<String>,
        /// A free-text note.
        #[arg(long)]
        note: Option<String>,
        /// Print JSON.
        #[arg(long)]
        json: bool,
    },
    /// Export labels, or the approved copy a shop can publish.
    Export {
        /// What to export.
        what: ExportArg,
        /// Write to this file instead of standard output.
        #[arg(long)]
        out: Option<PathBuf>,
        /// `jsonl` (the default) or `csv` (approved copy only).
        #[arg(long, value_enum, default_value = "jsonl")]
        format: FormatArg,
        /// JSON Lines, as always: accepted like every reporting command's.
        #[arg(long)]
        json: bool,
    },
    /// Fine-tune the active model on labels not yet used; promote the new
    /// version only if it passes the gate.
    Finetune {
        /// Stop after this many steps (default: `finetune.max_steps`).
        #[arg(long)]
        max_steps: Option<usize>,
        /// Print JSON.
        #[arg(long)]
        json: bool,
    },
    /// Evaluate a model version on the held-out shoppers.
    Eval {
        /// The version (default: the active one).
        #[arg(long)]
        model: Option<String>,
        /// Print JSON.
        #[arg(long)]
        json: bool,
    },
    /// Candidates from two versions side by side for one shopper, with the
    /// gate's figures.
    Compare {
        /// The first version (e.g. the parent).
        v1: String,
        /// The second version (e.g. the fine-tuned one).
        v2: String,
        /// The shopper.
        #[arg(long)]
        user: String,
        /// The product (default: the shopper's top recommendation).
        #[arg(long)]
        product: Option<String>,
        /// Candidates per version (default: `generate.n_candidates`).
        #[arg(short = 'n', long = "n", value_parser = crate::config::at_least_one)]
        n: Option<usize>,
        /// Sampling seed, the same for both versions.
        #[arg(long, default_value_t = 1)]
        seed: u64,
        /// Print JSON.
        #[arg(long)]
        json: bool,
    },
    /// List model versions, or change the active one.
    Models {
        /// list, promote V, or rollback.
        #[command(subcommand)]
        action: Option<ModelsAction>,
        /// Print JSON Lines.
        #[arg(long, global = true)]
        json: bool,
    },
    /// Measure training and generation speed.
    Bench {
        /// Print JSON.
        #[arg(long)]
        json: bool,
        /// Fewer, shorter measurements (for tests).
        #[arg(long)]
        quick: bool,
    },
}

/// A label's verdict on the command line.
#[derive(Debug, Clone, Copy, clap::ValueEnum)]
pub enum VerdictArg {
    /// Thumbs-up.
    Up,
    /// Thumbs-down.
    Down,
}

/// What `tailor export` writes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum ExportArg {
    /// Every label with its candidate, shopper, product, version, analyst and time.
    Labels,
    /// The copy to publish: the newest approved text per shopper and
    /// product, then per product the text approved for the most shoppers.
    Approved,
}

/// How `tailor export` writes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum FormatArg {
    /// JSON Lines.
    Jsonl,
    /// Comma-separated values with a header.
    Csv,
}

/// What `tailor label --json` prints.
#[derive(Debug, Serialize)]
struct LabelLine {
    label_id: i64,
    generation_id: i64,
    label: crate::store::Verdict,
    analyst: String,
}

/// `tailor models` actions.
#[derive(Debug, Clone, Subcommand)]
pub enum ModelsAction {
    /// Every version, oldest first (the default).
    List,
    /// Make version V active.
    Promote {
        /// The version.
        version: String,
    },
    /// Make the previously active version active again.
    Rollback,
}

/// `tailor import`'s kinds.
#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum ImportKindArg {
    /// products.csv / products.jsonl
    Products,
    /// users.csv / users.jsonl
    Users,
    /// events.csv / events.jsonl
    Events,
}

impl From<ImportKindArg> for ImportKind {
    fn from(k: ImportKindArg) -> Self {
        match k {
            ImportKindArg::Products => ImportKind::Products,
            ImportKindArg::Users => ImportKind::Users,
            ImportKindArg::Events => ImportKind::Events,
        }
    }
}

/// Runs tailor with these arguments and environment variables, returning the
/// process's exit code.
pub fn run<I, T>(args: I, env: &[(String, String)]) -> ExitCode
where
    I: IntoIterator<Item = T>,
    T: Into<OsString> + Clone,
{
    let cli = match Cli::try_parse_from(args) {
        Ok(cli) => cli,
        Err(e) => {
            let _ = e.print();
            return ExitCode::from(e.exit_code() as u8);
        }
    };
    match dispatch(cli, env) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            tracing::error!("{e:#}");
            eprintln!("tailor: {}", crate::sanitize::sanitize(&error_text(&e)));
            let bad_data = e.chain().any(|c| {
                c.downcast_ref::<ImportError>()
                    .is_some_and(ImportError::is_bad_data)
            });
            let usage = e.downcast_ref::<UsageError>().is_some();
            ExitCode::from(if bad_data {
                EXIT_DATA
            } else if usage {
                2
            } else {
                1
            })
        }
    }
}

/// How an error reads on stderr: its chain joined by ": ", each cause once
/// (errors that embed their cause also expose it as `source`), without the
/// backtraces some errors carry in their text, and a full disk called "disk
/// full" in place of the words of the layer that met it.
pub fn error_text(e: &anyhow::Error) -> String {
    let mut parts: Vec<String> = Vec::new();
    for cause in e.chain() {
        let text = without_backtrace(&cause.to_string());
        if crate::store::disk_full::is_disk_full(cause) {
            for part in &mut parts {
                *part = part.replace(&text, DISK_FULL);
            }
            if !parts.last().is_some_and(|p| p.contains(DISK_FULL)) {
                parts.push(DISK_FULL.into());
            }
            // What lies below is how the layer met it ("Error code 4874 …").
            break;
        }
        if !parts.last().is_some_and(|p| p.contains(&text)) {
            parts.push(text);
        }
    }
    parts.join(": ")
}

/// What a user is told when the disk is full.
const DISK_FULL: &str = "disk full";

/// `text` up to the first line of a backtrace. candle's errors append one
/// (`{inner}\n{backtrace}`) whenever `RUST_BACKTRACE` is set; a user wants
/// the message, and the log has the rest.
fn without_backtrace(text: &str) -> String {
    let is_frame = |line: &str| {
        let rest = line.trim_start();
        rest.len() < line.len()
            && rest
                .split_once(": ")
                .is_some_and(|(n, _)| !n.is_empty() && n.bytes().all(|b| b.is_ascii_digit()))
    };
    let kept: Vec<&str> = text.lines().take_while(|l| !is_frame(l)).collect();
    kept.join("\n").trim_end().to_string()
}

fn dispatch(cli: Cli, env: &[(String, String)]) -> Result<()> {
    let config_file = cli.config.clone().or_else(|| {
        let local = PathBuf::from("config.toml");
        local.is_file().then_some(local)
    });
    let mut config = Config::load(config_file.as_deref(), env)?;
    if let Some(db) = cli.db {
        config.store.path = db;
    }
    let command = cli.command.unwrap_or(Command::Console);
    // Whatever is at the store path is judged before the log file is opened
    // beside it: a refused command leaves nothing behind, not even a log.
    match command {
        Command::Init { .. } | Command::Console => {
            let _ = Store::inspect(&config.store.path)?;
        }
        Command::Bench { .. } => {}
        _ => Store::check(&config.store.path)?,
    }
    let _log = crate::logging::init(&config);
    tracing::info!(?command, store = %config.store.path.display(), "start");
    match command {
        Command::Console => console(config, env),
        Command::Init {
            demo,
            seed,
            users,
            shop,
            json,
        } => {
            if demo {
                let opts = DemoOptions {
                    seed: seed.unwrap_or(config.demo.seed),
                    users: users.unwrap_or(config.demo.users),
                };
                // clap lets only the names of `shop_names` through.
                let shop = match shop {
                    None => Shop::DEFAULT,
                    Some(name) => Shop::named(&name)
                        .ok_or_else(|| UsageError(format!("--shop: unknown demo shop {name:?}")))?,
                };
                let summary = create_demo(&config.store.path, shop, &opts)?;
                let counts = Counts {
                    users: summary.users,
                    products: summary.products,
                    events: summary.events,
                };
                print(&counts, json)
            } else {
                let store = Store::create(&config.store.path)?;
                let s = store.stats()?;
                let counts = Counts {
                    users: s.users,
                    products: s.products,
                    events: s.events,
                };
                print(&counts, json)
            }
        }
        Command::Import { kind, file, json } => {
            let mut store = Store::open(&config.store.path)?;
            let report = store.import(kind.into(), &file)?;
            print(&report, json)
        }
        Command::Label {
            generation_id,
            verdict,
            analyst,
            reason,
            note,
            json,
        } => {
            let analyst = analyst.map(|a| check_analyst(&a)).transpose()?;
            let reason = reason
                .map(|r| check_reason(&r, &config.console.reasons))
                .transpose()?;
            // A note is free text: kept, but never with escape sequences,
            // controls or bidi overrides.
            let note = note.map(|n| crate::sanitize::sanitize(&n).into_owned());
            let mut store = Store::open(&config.store.path)?;
            let verdict = match verdict {
                VerdictArg::Up => crate::store::Verdict::Up,
                VerdictArg::Down => crate::store::Verdict::Down,
            };
            let by = crate::store::Labeller {
                claimed: analyst.is_some(),
                analyst: analyst.unwrap_or_else(model_cmds::os_account),
                session: None,
            };
            let state = store.add_label(
                generation_id,
                verdict,
                reason.as_deref(),
                note.as_deref(),
                &by,
            )?;
            let line = LabelLine {
                label_id: state.label_id,
                generation_id,
                label: verdict,
                analyst: by.analyst,
            };
            print(&line, json)
        }
        Command::Export {
            what, out, format, ..
        } => {
            let format = match (what, format) {
                (_, FormatArg::Jsonl) => crate::store::ApprovedFormat::Jsonl,
                (ExportArg::Approved, FormatArg::Csv) => crate::store::ApprovedFormat::Csv,
                (ExportArg::Labels, FormatArg::Csv) => {
                    return Err(UsageError(
                        "--format csv: labels are exported as JSON Lines only (try `tailor export approved --format csv`)".into(),
                    )
                    .into());
                }
            };
            let store = open_for_reading(&config.store.path)?;
            let write = |out: &mut dyn std::io::Write| -> anyhow::Result<String> {
                Ok(match what {
                    ExportArg::Labels => store.export_labels(out)?.to_string(),
                    ExportArg::Approved => store.export_approved(out, format)?.to_string(),
                })
            };
            match out {
                Some(path) => {
                    // Never half an export, never over a FIFO, device or link.
                    let n = crate::output::write_with(&path, |out| write(out))?;
                    eprintln!("tailor: {n} written to {}", path.display());
                }
                None => {
                    crate::output::stdout_with(|out| write(out))?;
                }
            }
            Ok(())
        }
        Command::Stats { agreement, json } => {
            let store = open_for_reading(&config.store.path)?;
            let stats = store.stats()?;
            if !agreement {
                return print(&stats, json);
            }
            let votes: Vec<crate::agreement::Vote> = store
                .labels_in_effect()?
                .into_iter()
                .map(|l| crate::agreement::Vote {
                    generation_id: l.generation_id,
                    analyst: l.analyst,
                    up: l.up,
                    user_id: l.user_id,
                    product_id: l.product_id,
                    text: l.text,
                })
                .collect();
            let mut out = serde_json::to_value(&stats)?;
            out["agreement"] =
                serde_json::to_value(crate::agreement::report(&votes, &store.label_times()?))?;
            print(&out, json)
        }
        Command::Train {
            epochs,
            max_steps,
            activate,
            json,
        } => {
            if let Some(e) = epochs {
                config.train.epochs = e;
            }
            if let Some(s) = max_steps {
                config.train.max_steps = s;
            }
            let activation = if activate {
                Activation::Force
            } else {
                Activation::Gate
            };
            print(&model_cmds::train(&config, activation)?, json)
        }
        Command::Generate {
            user,
            product,
            n,
            seed,
            json,
        } => model_cmds::generate(&config, &user, product.as_deref(), n, seed, json),
        Command::Finetune { max_steps, json } => {
            print(&model_cmds::finetune(&config, max_steps)?, json)
        }
        Command::Eval { model, json } => print(&model_cmds::eval(&config, model.as_deref())?, json),
        Command::Compare {
            v1,
            v2,
            user,
            product,
            n,
            seed,
            json,
        } => {
            let request = model_cmds::CompareRequest {
                versions: [v1, v2],
                user,
                product,
                n: n.unwrap_or(config.generate.n_candidates),
                seed,
            };
            model_cmds::compare(&config, &request, json)
        }
        Command::Models { action, json } => {
            model_cmds::models(&config, action.unwrap_or(ModelsAction::List), json)
        }
        Command::Bench { json, quick } => print(&model_cmds::bench(&config, quick)?, json),
    }
}

/// `{"users","products","events"}`, as `init` prints it.
#[derive(Debug, Serialize)]
struct Counts {
    users: u64,
    products: u64,
    events: u64,
}

/// Opens the store for a command that only reads it, saying so on stderr
/// when the store cannot be written and is opened read-only.
pub(crate) fn open_for_reading(path: &Path) -> Result<Store> {
    let store = Store::open_for_reading(path)?;
    if store.is_read_only() {
        eprintln!(
            "tailor: store {} is read-only: opened for reading",
            path.display()
        );
        tracing::info!(store = %path.display(), "opened read-only");
    }
    Ok(store)
}

/// Opens the console; on a missing store, creates the demo shop first.
fn console(config: Config, env: &[(String, String)]) -> Result<()> {
    let path = &config.store.path;
    if Store::inspect(path)? == Found::Missing {
        let opts = DemoOptions {
            seed: config.demo.seed,
            users: config.demo.users,
        };
        eprintln!("no store at {}: creating the demo shop", path.display());
        create_demo(path, Shop::DEFAULT, &opts)?;
    } else {
        // The console writes (labels, its session): refuse an empty or
        // read-only store here, before the terminal is taken over.
        drop(Store::open(path)?);
    }
    // https://no-color.org: set and not empty.
    let no_color = env.iter().any(|(k, v)| k == "NO_COLOR" && !v.is_empty());
    let opts = crate::tui::ConsoleOptions {
        analyst: model_cmds::os_account(),
        no_color,
    };
    crate::tui::run(config, opts)
}

fn create_demo(path: &Path, shop: Shop, opts: &DemoOptions) -> Result<crate::demo::DemoSummary> {
    let truth = truth_path(path);
    let show = std::io::stderr().is_terminal();
    let total = opts.users as u64;
    let mut progress = |done: u64| {
        if show {
            const BAR: usize = 30;
            let filled = (done as usize * BAR)
                .checked_div(total as usize)
                .unwrap_or(BAR);
            eprint!(
                "\rdemo shop [{}{}] {done}/{total} shoppers",
                "#".repeat(filled),
                " ".repeat(BAR - filled.min(BAR))
            );
            if done == total {
                eprintln!();
            }
        }
    };
    let started = std::time::Instant::now();
    let summary = Store::create_shop(path, shop, opts, &truth, &mut progress)
        .with_context(|| format!("creating the demo shop at {}", path.display()))?;
    tracing::info!(?summary, shop = shop.name(), seconds = started.elapsed().as_secs_f64(), truth = %truth.display(), "demo shop created");
    Ok(summary)
}

/// A usage error found after parsing (it needs the config): exit 2.
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct UsageError(String);

/// `--analyst`: a name recorded with every label and shown to every
/// analyst, so one that would need cleaning is refused rather than altered.
/// (Checked here rather than by clap, which would echo the raw value.)
fn check_analyst(s: &str) -> Result<String, UsageError> {
    if s.trim().is_empty() {
        return Err(UsageError(
            "--analyst: an analyst name cannot be empty".into(),
        ));
    }
    if crate::sanitize::sanitize_line(s) != s {
        return Err(UsageError(format!(
            "--analyst {s:?}: holds control characters, escape sequences or bidi overrides"
        )));
    }
    Ok(s.to_string())
}

/// `--reason` must be one of the configured codes, as in the console.
fn check_reason(reason: &str, known: &[String]) -> Result<String, UsageError> {
    if known.iter().any(|k| k == reason) {
        Ok(reason.to_string())
    } else {
        Err(UsageError(format!(
            "--reason: unknown reason code {reason:?}; known codes (console.reasons): {}",
            known.join(", ")
        )))
    }
}

/// Where the demo's hidden tastes are written: beside the store, for
/// evaluation only.
pub fn truth_path(store: &Path) -> PathBuf {
    store.with_extension("tastes.csv")
}

/// Prints `value` as one JSON object, or as `key value` lines for people.
pub(crate) fn print<T: Serialize>(value: &T, json: bool) -> Result<()> {
    let value = serde_json::to_value(value)?;
    let mut out = std::io::stdout().lock();
    if json {
        writeln!(out, "{value}")?;
    } else {
        for (k, v) in human_lines("", &value) {
            writeln!(out, "{k:<14} {v}")?;
        }
    }
    Ok(())
}

/// `key value` pairs for people: nested objects as `outer.inner`, list
/// items as `list.1`, `list.2`, …, lists of plain values on one line, and
/// absent values as `-`. Never raw JSON.
fn human_lines(prefix: &str, value: &serde_json::Value) -> Vec<(String, String)> {
    use serde_json::Value;
    let key = |k: &str| {
        if prefix.is_empty() {
            k.to_string()
        } else {
            format!("{prefix}.{k}")
        }
    };
    match value {
        Value::Object(map) => map
            .iter()
            .flat_map(|(k, v)| human_lines(&key(k), v))
            .collect(),
        Value::Array(items) if items.iter().any(|v| v.is_object() || v.is_array()) => items
            .iter()
            .enumerate()
            .flat_map(|(i, v)| human_lines(&key(&(i + 1).to_string()), v))
            .collect(),
        Value::Array(items) => vec![(
            prefix.to_string(),
            items
                .iter()
                .map(|v| human_lines("", v).pop().map(|(_, s)| s).unwrap_or_default())
                .collect::<Vec<_>>()
                .join(", "),
        )],
        Value::String(s) => vec![(prefix.to_string(), s.clone())],
        Value::Null => vec![(prefix.to_string(), "-".into())],
        v => vec![(prefix.to_string(), v.to_string())],
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::StoreError;

    #[test]
    fn human_output_flattens_nested_figures_and_never_prints_raw_json() {
        let v = serde_json::json!({
            "model_version": "v2",
            "promoted": false,
            "labels_used": [3, 4],
            "eval": {
                "reason": "kept as a candidate",
                "checks": [{"check": "variety", "passed": false}],
                "agreement": null
            }
        });
        let lines = human_lines("", &v);
        assert!(lines.contains(&("model_version".into(), "v2".into())));
        assert!(lines.contains(&("labels_used".into(), "3, 4".into())));
        assert!(lines.contains(&("eval.reason".into(), "kept as a candidate".into())));
        assert!(lines.contains(&("eval.checks.1.check".into(), "variety".into())));
        assert!(lines.contains(&("eval.checks.1.passed".into(), "false".into())));
        assert!(lines.contains(&("eval.agreement".into(), "-".into())));
        assert!(lines.iter().all(|(_, v)| !v.contains('{')), "{lines:?}");
    }

    #[test]
    fn error_text_says_an_embedded_cause_once() {
        let io = std::io::Error::from_raw_os_error(21);
        let e = anyhow::Error::new(StoreError::Io {
            path: "shop.db".into(),
            source: io,
        })
        .context("opening the store");
        let text = error_text(&e);
        assert_eq!(
            text,
            "opening the store: store shop.db: Is a directory (os error 21)"
        );
    }

    #[test]
    fn error_text_says_disk_full_for_enospc_and_sqlite_full() {
        let e = anyhow::Error::new(std::io::Error::from_raw_os_error(28)).context("creating x");
        assert_eq!(error_text(&e), "creating x: disk full");
        let e = anyhow::Error::new(StoreError::Io {
            path: "shop.db".into(),
            source: std::io::Error::from_raw_os_error(28),
        });
        assert_eq!(error_text(&e), "store shop.db: disk full");
        // What the issue saw: the WAL index could not grow.
        let e =
            anyhow::Error::new(crate::store::disk_full::shm_full("shop.db")).context("exporting");
        assert_eq!(error_text(&e), "exporting: store shop.db: disk full");
    }

    #[test]
    fn error_text_drops_a_backtrace_carried_in_the_message() {
        #[derive(Debug)]
        struct WithTrace(String);
        impl std::fmt::Display for WithTrace {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(&self.0)
            }
        }
        impl std::error::Error for WithTrace {}
        // As candle's `Error::WithBacktrace` writes it.
        let trace = std::backtrace::Backtrace::force_capture();
        let e = anyhow::Error::new(WithTrace(format!(
            "unexpected rank, expected: 2, got: 1\n{trace}"
        )))
        .context("loading v2");
        let text = error_text(&e);
        assert_eq!(text, "loading v2: unexpected rank, expected: 2, got: 1");
    }

    #[test]
    fn error_text_keeps_a_multi_line_message_that_is_not_a_backtrace() {
        let e = anyhow::anyhow!(
            "TOML parse error at line 1, column 3\n  |\n1 | a =\n  |    ^\nexpected a value"
        );
        assert_eq!(error_text(&e), e.to_string());
    }
}
