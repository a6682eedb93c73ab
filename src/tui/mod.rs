//! The analyst console: ratatui views over the state, a pure `update`, and
//! one main loop. Never calls SQL or candle: everything slow goes through
//! [`crate::jobs`].
//!
//! - [`event`]: the closed `Event` and `Action` enums;
//! - [`state`]: what is shown; [`update`]: how events change it;
//! - [`view`]: drawing, per pane and overlay; [`theme`]: every style;
//! - [`keymap`]: rebindable keys with collision checks; [`commands`]: `:`;
//! - [`main_loop`]: `select!` over keys, jobs, signals and the frame slot;
//! - [`terminal`]: raw mode, the alternate screen, and giving them back;
//! - [`ansi16`]: colours written as the 16 ANSI colours.

pub mod ansi16;
pub mod commands;
pub mod event;
#[doc(hidden)]
pub mod fixtures;
pub mod keymap;
pub mod main_loop;
pub mod state;
pub mod terminal;
pub mod theme;
pub mod update;
pub mod view;

#[cfg(test)]
mod tests;

use crate::config::Config;
use crate::jobs::Jobs;
use anyhow::{Context, Result};
use keymap::Keymap;
use ratatui::Terminal;
use ratatui::backend::CrosstermBackend;
use state::{Settings, State};
use std::io::IsTerminal;
use std::sync::Arc;
use theme::Theme;

/// How the console is started.
#[derive(Debug, Clone)]
pub struct ConsoleOptions {
    /// The OS account of the analyst.
    pub analyst: String,
    /// `NO_COLOR` is set.
    pub no_color: bool,
}

/// The signals that end the console as `q` does, restoring the terminal:
/// SIGTERM and SIGHUP (a dropped SSH connection), and SIGINT and SIGQUIT,
/// which in raw mode can only come from another process (`kill -INT`), as
/// Ctrl-C and Ctrl-\ arrive as keys.
fn quit_signals() -> Vec<tokio::signal::unix::Signal> {
    use tokio::signal::unix::{SignalKind, signal};
    [
        SignalKind::terminate(),
        SignalKind::hangup(),
        SignalKind::interrupt(),
        SignalKind::quit(),
    ]
    .into_iter()
    .filter_map(|kind| signal(kind).ok())
    .collect()
}

/// Opens the console on the store in `config` and runs it until the analyst
/// quits (or a signal in [`quit_signals`] arrives). The terminal is restored however it ends.
pub fn run(config: Config, opts: ConsoleOptions) -> Result<()> {
    // Refused before the terminal is touched, so the message is readable.
    let keymap = Arc::new(Keymap::from_config(&config.keys)?);
    if !std::io::stdout().is_terminal() || !std::io::stdin().is_terminal() {
        anyhow::bail!(
            "the console needs a terminal; for scripts use the subcommands (tailor --help)"
        );
    }
    let config = Arc::new(config);
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .context("starting the async runtime")?;
    let result = runtime.block_on(async {
        let (mut jobs, replies) = Jobs::start(config.clone(), opts.analyst.clone());
        let settings = Settings::from_config(&config, opts.analyst.clone());
        let mut state = State::new(settings, keymap, Theme::new(opts.no_color));
        let loop_opts = main_loop::LoopOptions {
            config: config.clone(),
            max_fps: config.console.max_fps,
            on_frame: None,
            signals: quit_signals(),
        };
        terminal::install_panic_hook();
        let result = {
            let _guard = terminal::TerminalGuard::enter().context("taking the terminal")?;
            let out = ansi16::Ansi16::new(std::io::BufWriter::new(std::io::stdout()));
            let mut term =
                Terminal::new(CrosstermBackend::new(out)).context("starting the terminal")?;
            let input = crossterm::event::EventStream::new();
            main_loop::run(&mut term, &mut state, input, &mut jobs, replies, loop_opts).await
            // The guard restores the terminal here, before waiting below.
        };
        jobs.shutdown().await;
        result
    });
    // A training job stops at its next step once cancelled; do not wait
    // for one still building its dataset.
    runtime.shutdown_timeout(std::time::Duration::from_millis(500));
    result
}
