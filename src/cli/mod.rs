//! The command line: parse, load the config, dispatch. No logic of its own.
//!
//! Exit codes are a contract (DESIGN.md §3): 0 ok, 1 failure, 2 usage,
//! 65 bad input data.

pub mod model_cmds;

use crate::config::Config;
use crate::demo::DemoOptions;
use crate::store::Store;
use crate::store::import::{ImportError, ImportKind};
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
        /// A reason code.
        #[arg(long)]
        reason: Option<String>,
        /// A free-text note.
        #[arg(long)]
        note: Option<String>,
        /// Print JSON.
        #[arg(long)]
        json: bool,
    },
    /// Export data as JSON Lines.
    Export {
        /// What to export.
        what: ExportArg,
        /// Write to this file instead of standard output.
        #[arg(long)]
        out: Option<PathBuf>,
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
#[derive(Debug, Clone, Copy, clap::ValueEnum)]
pub enum ExportArg {
    /// Every label with its candidate, shopper, product, version, analyst and time.
    Labels,
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
            eprintln!("tailor: {}", crate::sanitize::sanitize(&format!("{e:#}")));
            let bad_data = e.chain().any(|c| {
                c.downcast_ref::<ImportError>()
                    .is_some_and(ImportError::is_bad_data)
            });
            ExitCode::from(if bad_data { EXIT_DATA } else { 1 })
        }
    }
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
    let _log = crate::logging::init(&config);
    tracing::info!(command = ?cli.command, store = %config.store.path.display(), "start");
    match cli.command.unwrap_or(Command::Console) {
        Command::Console => console(config, env),
        Command::Init {
            demo,
            seed,
            users,
            json,
        } => {
            if demo {
                let opts = DemoOptions {
                    seed: seed.unwrap_or(config.demo.seed),
                    users: users.unwrap_or(config.demo.users),
                };
                let summary = create_demo(&config.store.path, &opts)?;
                let counts = Counts {
                    users: summary.users,
                    products: summary.products,
                    events: summary.events,
                };
                print(&counts, json)
            } else {
                let store = Store::open(&config.store.path)?;
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
            let mut store = Store::open(&config.store.path)?;
            let verdict = match verdict {
                VerdictArg::Up => crate::store::Verdict::Up,
                VerdictArg::Down => crate::store::Verdict::Down,
            };
            let claimed = analyst.is_some();
            let analyst = analyst.unwrap_or_else(model_cmds::os_account);
            let state = store.add_label(
                generation_id,
                verdict,
                reason.as_deref(),
                note.as_deref(),
                &analyst,
                claimed,
            )?;
            let line = LabelLine {
                label_id: state.label_id,
                generation_id,
                label: verdict,
                analyst,
            };
            print(&line, json)
        }
        Command::Export { what, out } => {
            let ExportArg::Labels = what;
            let store = Store::open(&config.store.path)?;
            match out {
                Some(path) => {
                    // Written beside the target and renamed, so a reader never
                    // sees half an export.
                    let tmp = path.with_extension("jsonl.tmp");
                    let mut file = std::io::BufWriter::new(std::fs::File::create(&tmp)?);
                    let rows = store.export_labels(&mut file)?;
                    use std::io::Write as _;
                    file.flush()?;
                    file.into_inner()?.sync_all()?;
                    std::fs::rename(&tmp, &path)?;
                    eprintln!("tailor: {rows} labels written to {}", path.display());
                }
                None => {
                    let mut out = std::io::stdout().lock();
                    store.export_labels(&mut out)?;
                }
            }
            Ok(())
        }
        Command::Stats { json } => {
            let store = Store::open(&config.store.path)?;
            print(&store.stats()?, json)
        }
        Command::Train {
            epochs,
            max_steps,
            json,
        } => {
            if let Some(e) = epochs {
                config.train.epochs = e;
            }
            if let Some(s) = max_steps {
                config.train.max_steps = s;
            }
            print(&model_cmds::train(&config)?, json)
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

/// Opens the console; on a missing store, creates the demo shop first.
fn console(config: Config, env: &[(String, String)]) -> Result<()> {
    let path = &config.store.path;
    if !path.exists() {
        let opts = DemoOptions {
            seed: config.demo.seed,
            users: config.demo.users,
        };
        eprintln!("no store at {}: creating the demo shop", path.display());
        create_demo(path, &opts)?;
    }
    // https://no-color.org: set and not empty.
    let no_color = env.iter().any(|(k, v)| k == "NO_COLOR" && !v.is_empty());
    let opts = crate::tui::ConsoleOptions {
        analyst: model_cmds::os_account(),
        no_color,
    };
    crate::tui::run(config, opts)
}

fn create_demo(path: &Path, opts: &DemoOptions) -> Result<crate::demo::DemoSummary> {
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
    let summary = Store::create_demo(path, opts, &truth, &mut progress)
        .with_context(|| format!("creating the demo shop at {}", path.display()))?;
    tracing::info!(?summary, seconds = started.elapsed().as_secs_f64(), truth = %truth.display(), "demo shop created");
    Ok(summary)
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
    } else if let serde_json::Value::Object(map) = value {
        for (k, v) in map {
            match v {
                serde_json::Value::String(s) => writeln!(out, "{k:<14} {s}")?,
                serde_json::Value::Null => writeln!(out, "{k:<14} -")?,
                v => writeln!(out, "{k:<14} {v}")?,
            }
        }
    }
    Ok(())
}
