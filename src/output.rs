//! Writing a file a person asked for, or will read, without clobbering what
//! is not ours: every user-visible file tailor writes goes through here.
//!
//! - A symlink is followed: its final target gets the data, the link stays.
//! - A FIFO, a device or a socket is written through (opened, written,
//!   closed), never replaced by a regular file.
//! - A regular file, or a new one, is written to a temporary file in the
//!   same folder and renamed over the target only when complete; on failure
//!   the temporary file is removed, so nothing half-written is left.
//! - Every error names the path and what was being done.
//!
//! Error convention (for this module and the errors the CLI prints): a
//! message is complete on its own, cause included, in plain words ("disk
//! full"); an error that embeds its cause does not also expose it as
//! `source`, so nothing is said twice.

use std::fs::{File, OpenOptions};
use std::io::{self, BufWriter, Write};
use std::path::{Path, PathBuf};
use tempfile::NamedTempFile;

/// What `io::Error` text a person reads: "disk full" when it is, else the
/// operating system's words.
pub fn io_text(e: &io::Error) -> String {
    match e.kind() {
        io::ErrorKind::StorageFull => "disk full".into(),
        _ => e.to_string(),
    }
}

/// A file could not be written; the message names the path.
#[derive(Debug, thiserror::Error)]
pub enum OutputError {
    /// The folder the file would go into is missing.
    #[error("folder {} does not exist", folder.display())]
    NoFolder {
        /// The missing folder.
        folder: PathBuf,
    },
    /// The target is a directory, which is never replaced or written into.
    #[error("{} is a directory", path.display())]
    IsDirectory {
        /// The path as given.
        path: PathBuf,
    },
    /// The folder part of the path is not a folder.
    #[error("{} is not a folder", folder.display())]
    NotAFolder {
        /// The path that should be a folder.
        folder: PathBuf,
    },
    /// Symlinks point at each other in a loop (or too deep).
    #[error("{}: too many levels of symbolic links", path.display())]
    LinkLoop {
        /// The path as given.
        path: PathBuf,
    },
    /// An I/O call failed.
    #[error("{doing} {}: {}", path.display(), io_text(error))]
    Io {
        /// What was being done, as a verb ("writing", "opening").
        doing: &'static str,
        /// The path concerned.
        path: PathBuf,
        /// What the operating system said: in the message, so not named
        /// `source` (thiserror would expose it, and the chain say it twice).
        error: io::Error,
    },
}

impl OutputError {
    /// The I/O error's kind, when an I/O call failed.
    pub fn io_kind(&self) -> Option<io::ErrorKind> {
        match self {
            OutputError::Io { error, .. } => Some(error.kind()),
            _ => None,
        }
    }
}

fn io_err(doing: &'static str, path: &Path) -> impl FnOnce(io::Error) -> OutputError {
    let path = path.to_path_buf();
    move |error| OutputError::Io { doing, path, error }
}

/// `e` without the ` at path "…/.name.XXXXXX.tmp"` tempfile appends: the
/// message names the user's path, and the random name means nothing to them.
fn without_temp_name(e: io::Error) -> io::Error {
    if e.get_ref().is_none() {
        return e; // a plain OS error, undecorated
    }
    let text = e.to_string();
    match text.rsplit_once(" at path \"") {
        Some((plain, _)) => io::Error::new(e.kind(), plain.to_string()),
        None => e,
    }
}

/// How the target is written.
enum Sink {
    /// A temporary file beside `target`, renamed over it on commit.
    Replace { tmp: NamedTempFile, target: PathBuf },
    /// The target itself (a FIFO or a device), written in place.
    Through(File),
}

impl Sink {
    /// The file written. A temporary file's own `Write` would add its
    /// random name to every error; the user named another path.
    fn file(&mut self) -> &mut File {
        match self {
            Sink::Replace { tmp, .. } => tmp.as_file_mut(),
            Sink::Through(file) => file,
        }
    }
}

impl Write for Sink {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.file().write(buf)
    }

    fn flush(&mut self) -> io::Result<()> {
        self.file().flush()
    }
}

/// A writer that remembers its first failed write, so a caller whose own
/// error wraps the I/O error can report the file instead.
struct Watch<W> {
    inner: W,
    failed: Option<io::Error>,
}

impl<W> Watch<W> {
    fn new(inner: W) -> Self {
        Watch {
            inner,
            failed: None,
        }
    }

    fn note<T>(&mut self, result: io::Result<T>) -> io::Result<T> {
        if let Err(e) = &result
            && self.failed.is_none()
            && e.kind() != io::ErrorKind::Interrupted
        {
            self.failed = Some(io::Error::new(e.kind(), e.to_string()));
        }
        result
    }
}

impl<W: Write> Write for Watch<W> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        let result = self.inner.write(buf);
        self.note(result)
    }

    fn flush(&mut self) -> io::Result<()> {
        let result = self.inner.flush();
        self.note(result)
    }
}

/// A file being written: [`Write`] into it, then [`Output::commit`]. Dropped
/// without a commit, it leaves a replaced target as it was and no
/// temporary file behind.
pub struct Output {
    /// The path as the user gave it, for messages.
    path: PathBuf,
    sink: Watch<BufWriter<Sink>>,
}

impl std::fmt::Debug for Output {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Output").field("path", &self.path).finish()
    }
}

/// Symlink hops followed before giving up, as Linux's `MAXSYMLINKS`.
const MAX_LINKS: usize = 40;

/// Follows `path` through symlinks to the file it finally names, which may
/// not exist yet (a dangling link names the file to create).
fn resolve(path: &Path) -> Result<PathBuf, OutputError> {
    let mut at = path.to_path_buf();
    for _ in 0..MAX_LINKS {
        match std::fs::symlink_metadata(&at) {
            Ok(meta) if meta.file_type().is_symlink() => {
                let target = std::fs::read_link(&at).map_err(io_err("reading the link", &at))?;
                // A relative target is relative to the link's folder; `join`
                // keeps an absolute one as it is.
                at = match at.parent() {
                    Some(dir) => dir.join(target),
                    None => target,
                };
            }
            _ => return Ok(at),
        }
    }
    Err(OutputError::LinkLoop {
        path: path.to_path_buf(),
    })
}

/// The folder a file at `path` lives in (`.` for a bare name).
fn folder_of(path: &Path) -> PathBuf {
    match path.parent() {
        Some(dir) if !dir.as_os_str().is_empty() => dir.to_path_buf(),
        _ => PathBuf::from("."),
    }
}

impl Output {
    /// Opens `path` for writing under the rules above. Nothing at `path`
    /// changes until [`Output::commit`] (a FIFO or device excepted: it is
    /// written as the data comes).
    pub fn create(path: &Path) -> Result<Output, OutputError> {
        let target = resolve(path)?;
        let sink = match std::fs::metadata(&target) {
            Ok(meta) if meta.is_dir() => {
                return Err(OutputError::IsDirectory {
                    path: path.to_path_buf(),
                });
            }
            Ok(meta) if meta.is_file() => Self::replace(path, target, Some(meta.permissions()))?,
            Ok(_) => {
                // Not ours to replace: a FIFO, a device, a socket. Opened
                // without create or truncate, as a shell's `>` would.
                let file = OpenOptions::new()
                    .write(true)
                    .open(&target)
                    .map_err(io_err("opening", path))?;
                Sink::Through(file)
            }
            Err(e)
                if matches!(
                    e.kind(),
                    io::ErrorKind::NotFound | io::ErrorKind::NotADirectory
                ) =>
            {
                let folder = folder_of(&target);
                match std::fs::metadata(&folder) {
                    Ok(meta) if meta.is_dir() => Self::replace(path, target, None)?,
                    Ok(_) => return Err(OutputError::NotAFolder { folder }),
                    Err(e)
                        if matches!(
                            e.kind(),
                            io::ErrorKind::NotFound | io::ErrorKind::NotADirectory
                        ) =>
                    {
                        return Err(OutputError::NoFolder { folder });
                    }
                    Err(e) => return Err(io_err("inspecting the folder", &folder)(e)),
                }
            }
            Err(e) => return Err(io_err("inspecting", path)(e)),
        };
        Ok(Output {
            path: path.to_path_buf(),
            sink: Watch::new(BufWriter::new(sink)),
        })
    }

    /// A temporary file beside `target`, with the permissions of the file it
    /// will replace (or a new file's usual ones).
    fn replace(
        path: &Path,
        target: PathBuf,
        keep: Option<std::fs::Permissions>,
    ) -> Result<Sink, OutputError> {
        let folder = folder_of(&target);
        let name = target
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        let prefix = format!(".{name}.");
        let mut builder = tempfile::Builder::new();
        builder.prefix(&prefix).suffix(".tmp");
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            // tempfile's default is 0600; an export is read by others as a
            // plain `File::create` would allow (the umask still applies).
            builder.permissions(std::fs::Permissions::from_mode(0o666));
        }
        let tmp = builder.tempfile_in(&folder).map_err(|e| OutputError::Io {
            doing: "creating a temporary file in",
            path: folder.clone(),
            error: without_temp_name(e),
        })?;
        if let Some(perms) = keep {
            tmp.as_file()
                .set_permissions(perms)
                .map_err(io_err("copying the permissions of", path))?;
        }
        Ok(Sink::Replace { tmp, target })
    }

    /// The path as given to [`Output::create`].
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The first write that failed, as an error naming this file.
    pub fn failure(&mut self) -> Option<OutputError> {
        self.sink.failed.take().map(io_err("writing", &self.path))
    }

    /// Finishes the file: flushes, syncs and, for a regular file, renames
    /// the complete temporary file over the target.
    pub fn commit(self) -> Result<(), OutputError> {
        let Output { path, sink, .. } = self;
        let sink = sink
            .inner
            .into_inner()
            .map_err(|e| io_err("writing", &path)(e.into_error()))?;
        match sink {
            Sink::Replace { tmp, target } => {
                tmp.as_file().sync_all().map_err(io_err("syncing", &path))?;
                // On failure the `PersistError` drops the temporary file,
                // which removes it.
                tmp.persist(&target).map_err(|e| {
                    io_err("renaming into place", &path)(without_temp_name(e.error))
                })?;
                // Make the rename itself durable. Best effort: some
                // filesystems refuse to sync a directory, and the data is
                // already complete under its name.
                if let Ok(dir) = File::open(folder_of(&target)) {
                    let _ = dir.sync_all();
                }
                Ok(())
            }
            // A FIFO or a device has nothing to sync (and most refuse to).
            Sink::Through(_) => Ok(()),
        }
    }
}

impl Write for Output {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.sink.write(buf)
    }

    fn flush(&mut self) -> io::Result<()> {
        self.sink.flush()
    }
}

/// Writes `path` with `produce` and commits it when `produce` succeeds.
/// When `produce` fails because a write to the file failed, the error is
/// the file's ("writing PATH: disk full"), not whatever `produce` made of it.
pub fn write_with<T, E: From<OutputError>>(
    path: &Path,
    produce: impl FnOnce(&mut Output) -> Result<T, E>,
) -> Result<T, E> {
    let mut out = Output::create(path)?;
    match produce(&mut out) {
        Ok(value) => {
            out.commit()?;
            Ok(value)
        }
        Err(e) => Err(out.failure().map_or(e, E::from)),
    }
}

/// What standard output is called in messages.
pub const STDOUT: &str = "standard output";

/// [`write_with`] for standard output: a failed write is reported as
/// "writing standard output: ...", whatever `produce` made of it.
pub fn stdout_with<T, E: From<OutputError>>(
    produce: impl FnOnce(&mut dyn Write) -> Result<T, E>,
) -> Result<T, E> {
    let mut out = Watch::new(io::stdout().lock());
    let result = produce(&mut out).inspect(|_| {
        // A flush error is noted like any other, and reported below.
        let _ = out.flush();
    });
    match out.failed.take() {
        Some(error) => Err(E::from(OutputError::Io {
            doing: "writing",
            path: PathBuf::from(STDOUT),
            error,
        })),
        None => result,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The names in `dir`, sorted.
    fn names(dir: &Path) -> Vec<String> {
        let mut names: Vec<String> = std::fs::read_dir(dir)
            .unwrap()
            .map(|e| e.unwrap().file_name().into_string().unwrap())
            .collect();
        names.sort();
        names
    }

    fn write_text(path: &Path, text: &str) -> Result<(), OutputError> {
        write_with(path, |out| {
            out.write_all(text.as_bytes())
                .map_err(|e| io_err("writing", path)(e))
        })
    }

    #[test]
    fn a_new_file_is_written_and_no_temporary_file_stays() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("out.jsonl");
        write_text(&path, "one\n").unwrap();
        assert_eq!(std::fs::read_to_string(&path).unwrap(), "one\n");
        assert_eq!(names(dir.path()), ["out.jsonl"]);
    }

    #[test]
    fn a_regular_file_is_replaced_whole_and_keeps_its_permissions() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("out.jsonl");
        std::fs::write(&path, "old and longer\n").unwrap();
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o640)).unwrap();
        write_text(&path, "new\n").unwrap();
        assert_eq!(std::fs::read_to_string(&path).unwrap(), "new\n");
        let mode = std::fs::metadata(&path).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o640);
        assert_eq!(names(dir.path()), ["out.jsonl"]);
    }

    #[test]
    fn a_failed_write_leaves_the_old_file_and_no_temporary_file() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("out.jsonl");
        std::fs::write(&path, "old\n").unwrap();
        let result: Result<(), OutputError> = write_with(&path, |out| {
            out.write_all(b"half").unwrap();
            Err(OutputError::LinkLoop { path: path.clone() })
        });
        assert!(result.is_err());
        assert_eq!(std::fs::read_to_string(&path).unwrap(), "old\n");
        assert_eq!(names(dir.path()), ["out.jsonl"]);
    }

    #[test]
    fn a_symlink_stays_a_link_and_its_target_gets_the_data() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir(dir.path().join("real")).unwrap();
        let target = dir.path().join("real/target.txt");
        std::fs::write(&target, "old\n").unwrap();
        let link = dir.path().join("link.jsonl");
        std::os::unix::fs::symlink("real/target.txt", &link).unwrap();
        write_text(&link, "new\n").unwrap();
        assert!(link.symlink_metadata().unwrap().file_type().is_symlink());
        assert_eq!(std::fs::read_to_string(&target).unwrap(), "new\n");
        assert_eq!(names(&dir.path().join("real")), ["target.txt"]);
    }

    #[test]
    fn a_dangling_symlink_creates_its_target() {
        let dir = tempfile::tempdir().unwrap();
        let link = dir.path().join("link.jsonl");
        std::os::unix::fs::symlink("made.txt", &link).unwrap();
        write_text(&link, "new\n").unwrap();
        assert!(link.symlink_metadata().unwrap().file_type().is_symlink());
        assert_eq!(
            std::fs::read_to_string(dir.path().join("made.txt")).unwrap(),
            "new\n"
        );
    }

    #[test]
    fn a_dangling_symlink_into_a_missing_folder_names_the_folder() {
        let dir = tempfile::tempdir().unwrap();
        let link = dir.path().join("link.jsonl");
        std::os::unix::fs::symlink("nowhere/made.txt", &link).unwrap();
        let e = write_text(&link, "new\n").unwrap_err().to_string();
        assert_eq!(
            e,
            format!(
                "folder {} does not exist",
                dir.path().join("nowhere").display()
            )
        );
    }

    #[test]
    fn a_symlink_loop_is_an_error_naming_the_path() {
        let dir = tempfile::tempdir().unwrap();
        let a = dir.path().join("a");
        std::os::unix::fs::symlink("b", &a).unwrap();
        std::os::unix::fs::symlink("a", dir.path().join("b")).unwrap();
        let e = write_text(&a, "x").unwrap_err().to_string();
        assert!(e.starts_with(&a.display().to_string()), "{e}");
        assert!(e.contains("symbolic links"), "{e}");
    }

    #[test]
    fn a_directory_is_refused_and_left_alone() {
        let dir = tempfile::tempdir().unwrap();
        let sub = dir.path().join("sub");
        std::fs::create_dir(&sub).unwrap();
        let e = write_text(&sub, "x").unwrap_err().to_string();
        assert_eq!(e, format!("{} is a directory", sub.display()));
        assert!(names(&sub).is_empty());
        assert_eq!(names(dir.path()), ["sub"]);
    }

    #[test]
    fn a_missing_folder_is_named() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("nodir/out.jsonl");
        let e = write_text(&path, "x").unwrap_err().to_string();
        assert_eq!(
            e,
            format!(
                "folder {} does not exist",
                dir.path().join("nodir").display()
            )
        );
    }

    #[test]
    fn a_file_where_the_folder_should_be_is_named() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("file"), "").unwrap();
        let e = write_text(&dir.path().join("file/out.jsonl"), "x")
            .unwrap_err()
            .to_string();
        assert_eq!(
            e,
            format!("{} is not a folder", dir.path().join("file").display())
        );
    }

    #[test]
    fn a_fifo_is_written_through_and_stays_a_fifo() {
        use std::os::unix::fs::FileTypeExt;
        let dir = tempfile::tempdir().unwrap();
        let fifo = dir.path().join("f");
        let made = std::process::Command::new("mkfifo").arg(&fifo).status();
        if !made.is_ok_and(|s| s.success()) {
            eprintln!("skipped: mkfifo is not available");
            return;
        }
        // Read-write, which never blocks on Linux; read with a deadline, so
        // a FIFO replaced by mistake fails the test instead of hanging it.
        let mut end = OpenOptions::new()
            .read(true)
            .write(true)
            .open(&fifo)
            .unwrap();
        let (tx, rx) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            let mut got = [0; 8];
            let _ = tx.send(io::Read::read_exact(&mut end, &mut got).map(|()| got));
        });
        write_text(&fifo, "through\n").unwrap();
        let got = rx
            .recv_timeout(std::time::Duration::from_secs(30))
            .expect("the data came through the FIFO")
            .unwrap();
        assert_eq!(&got, b"through\n");
        assert!(fifo.metadata().unwrap().file_type().is_fifo());
        assert_eq!(names(dir.path()), ["f"]);
    }

    #[test]
    fn a_full_device_says_disk_full_and_names_the_path() {
        let full = Path::new("/dev/full");
        if !full.exists() {
            eprintln!("skipped: no /dev/full");
            return;
        }
        let e = write_text(full, "x").unwrap_err();
        assert_eq!(e.to_string(), "writing /dev/full: disk full");
        assert_eq!(e.io_kind(), Some(io::ErrorKind::StorageFull));
    }

    /// A producer's own error type, as the store's `StoreError` is.
    #[derive(Debug, PartialEq)]
    struct Theirs(String);

    impl From<OutputError> for Theirs {
        fn from(e: OutputError) -> Theirs {
            Theirs(e.to_string())
        }
    }

    #[test]
    fn a_write_error_inside_produce_is_reported_as_the_files() {
        // A producer that turns the I/O error into its own (as the store's
        // export does) still gets the file named.
        let full = Path::new("/dev/full");
        if !full.exists() {
            eprintln!("skipped: no /dev/full");
            return;
        }
        let result: Result<(), Theirs> = write_with(full, |out| {
            for _ in 0..10_000 {
                writeln!(out, "a line of export").map_err(|_| Theirs("store x: failed".into()))?;
            }
            Ok(())
        });
        assert_eq!(
            result.unwrap_err(),
            Theirs("writing /dev/full: disk full".into())
        );
    }

    #[test]
    fn an_unwritable_folder_is_named_without_the_temporary_name() {
        // /proc is a folder in which nobody, root included, creates files.
        let e = write_text(Path::new("/proc/tailor-test.jsonl"), "x")
            .unwrap_err()
            .to_string();
        assert!(e.starts_with("creating a temporary file in /proc: "), "{e}");
        assert!(!e.contains(".tmp"), "{e}");
    }

    #[test]
    fn an_output_error_says_its_cause_once_and_exposes_no_source() {
        use std::error::Error as _;
        let e = io_err("writing", Path::new("x.jsonl"))(io::Error::from_raw_os_error(28));
        assert_eq!(e.to_string(), "writing x.jsonl: disk full");
        assert!(e.source().is_none());
    }

    #[test]
    fn io_text_says_disk_full() {
        let e = io::Error::from_raw_os_error(28);
        assert_eq!(io_text(&e), "disk full");
        let e = io::Error::from(io::ErrorKind::NotFound);
        assert_eq!(io_text(&e), e.to_string());
    }
}
