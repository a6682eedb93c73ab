//! Logs go to a file through `tracing`, never to the screen (the console
//! owns the terminal).

use crate::config::Config;
use std::io::Write;
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
        .with_writer(std::sync::Mutex::new(Quiet(file)))
        .with_ansi(false)
        .with_env_filter(filter)
        .try_init()
        .is_ok()
}

/// The log file's writer, which drops its own write errors: tracing prints
/// "Unable to write an event" to stderr for each failed write (a full disk,
/// a log on `/dev/full`), and stderr belongs to the user, or to the console's
/// screen. A log that cannot be written is lost, never shown.
struct Quiet<W>(W);

impl<W: Write> Write for Quiet<W> {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        let _ = self.0.write_all(buf);
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        let _ = self.0.flush();
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::{Arc, Mutex};

    /// A writer that fails every write, counting the tries.
    struct Failing(Arc<Mutex<usize>>);

    impl Write for Failing {
        fn write(&mut self, _: &[u8]) -> std::io::Result<usize> {
            *self.0.lock().unwrap() += 1;
            Err(std::io::Error::from_raw_os_error(28))
        }

        fn flush(&mut self) -> std::io::Result<()> {
            Err(std::io::Error::from_raw_os_error(28))
        }
    }

    #[test]
    fn a_failing_log_writer_never_reports_an_error_to_tracing() {
        let tries = Arc::new(Mutex::new(0));
        let mut quiet = Quiet(Failing(tries.clone()));
        assert_eq!(quiet.write(b"an event\n").unwrap(), 9);
        assert!(quiet.flush().is_ok());
        // Through a real subscriber: tracing-subscriber prints to stderr
        // only when the writer returns an error, and here it never does.
        let subscriber = tracing_subscriber::fmt()
            .with_writer(Mutex::new(quiet))
            .with_ansi(false)
            .finish();
        tracing::subscriber::with_default(subscriber, || tracing::info!("lost, not shown"));
        assert!(*tries.lock().unwrap() >= 2, "the event was tried");
    }
}
