//! Logs go to a file through `tracing`, never to the screen (the console
//! owns the terminal).

use crate::config::Config;
use std::path::PathBuf;
use tracing_subscriber::EnvFilter;

/// Where the log file goes: a relative `log.path` is taken relative to the
/// store's folder, so every store keeps its own log.
pub fn log_path(config: &Config) -> PathBuf {
    if config.log.path.is_absolute() {
        return config.log.path.clone();
    }
    match config.store.path.parent() {
        Some(dir) if !dir.as_os_str().is_empty() => dir.join(&config.log.path),
        _ => config.log.path.clone(),
    }
}

/// Installs the global subscriber writing to the log file. Returns false,
/// and logs nothing, when the file cannot be opened or a subscriber is
/// already installed: logging must never stop the tool.
pub fn init(config: &Config) -> bool {
    let path = log_path(config);
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        let _ = std::fs::create_dir_all(dir);
    }
    let Ok(file) = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(&path)
    else {
        return false;
    };
    let filter = EnvFilter::try_new(&config.log.level).unwrap_or_else(|_| EnvFilter::new("info"));
    tracing_subscriber::fmt()
        .with_writer(std::sync::Mutex::new(file))
        .with_ansi(false)
        .with_env_filter(filter)
        .try_init()
        .is_ok()
}
