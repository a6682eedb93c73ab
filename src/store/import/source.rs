//! Reads an import file, CSV or JSON Lines, record by record into [`Cells`],
//! with the exact line each record starts on and with bounded memory.
//!
//! Nothing here knows what a product is: the columns come from the
//! [`ImportKind`], and each record goes to a [`RowSink`].

use super::{ImportError, ImportKind, ImportReport, RowSink};
use crate::sanitize::sanitize_line;
use csv::{ByteRecord, ReaderBuilder, Terminator};
use serde_json::Value;
use std::io::{self, BufRead, BufReader, Read};

/// The longest field accepted, in bytes.
pub const MAX_FIELD_BYTES: usize = 1 << 20;
const MIB: u64 = 1 << 20;
const READ_BUFFER: usize = 64 * 1024;
/// The most columns any kind has.
pub const MAX_COLUMNS: usize = 7;
/// How much of a bad value an error message shows.
const SHOWN_CHARS: usize = 60;

/// One value of a record, before it is checked against its column's rule.
#[derive(Debug, Clone, Copy)]
pub enum Cell<'a> {
    /// An empty CSV cell, a missing JSON key or JSON `null`.
    Absent,
    /// A CSV cell, or a JSON string.
    Text(&'a str),
    /// Any other JSON value: a number, a bool, an object, an array.
    Json(&'a Value),
}

impl Cell<'_> {
    /// The value as an error message quotes it.
    pub fn excerpt(&self) -> Option<String> {
        match self {
            Cell::Absent => None,
            Cell::Text(s) => Some(excerpt(s.as_bytes())),
            Cell::Json(v) => Some(excerpt(v.to_string().as_bytes())),
        }
    }
}

/// A record's values, indexed by the kind's column order.
pub type Cells<'a> = [Cell<'a>; MAX_COLUMNS];

/// Where a record is, for error messages.
#[derive(Debug, Clone, Copy)]
pub struct At<'a> {
    /// The import file, as given.
    pub file: &'a str,
    /// The line the record starts on (1-based; 0 for the file as a whole).
    pub line: u64,
}

impl At<'_> {
    /// A bad-data error at this record.
    pub fn error(
        &self,
        column: Option<&str>,
        value: Option<String>,
        reason: impl Into<String>,
    ) -> ImportError {
        ImportError::Data {
            file: self.file.to_owned(),
            line: self.line,
            column: column.map(|c| excerpt(c.as_bytes())),
            value,
            reason: reason.into(),
        }
    }

    /// A bad-data error about `cell` in `column`.
    pub fn bad(&self, column: &str, cell: Cell<'_>, reason: impl Into<String>) -> ImportError {
        self.error(Some(column), cell.excerpt(), reason)
    }
}

/// The start of `raw`, made safe to print and cut to [`SHOWN_CHARS`]
/// characters with an ellipsis; only the start is ever decoded, so a huge
/// value costs nothing.
pub fn excerpt(raw: &[u8]) -> String {
    let head = &raw[..raw.len().min(4 * SHOWN_CHARS + 16)];
    let text = String::from_utf8_lossy(head);
    let clean = sanitize_line(&text);
    let mut out: String = clean.chars().take(SHOWN_CHARS).collect();
    if head.len() < raw.len() || clean.chars().nth(SHOWN_CHARS).is_some() {
        out.push('…');
    }
    out
}

/// The I/O error for the import file.
fn io_error(file: &str, source: io::Error) -> ImportError {
    ImportError::Io {
        file: file.to_owned(),
        source,
    }
}

/// Counts the bytes handed to the CSV parser and refuses to hand out more
/// than `limit`: the parser grows its record buffer for as long as a record
/// lasts, so without this one unterminated quote could fill the memory.
///
/// It also keeps the raw bytes of the record being parsed (from
/// `record_start` on), because the parser ends a record that is still inside
/// quotes at the end of the file as if the quote were closed: only the raw
/// bytes tell. Keeping them costs one copy per buffer read, nothing per row.
struct Counted<R> {
    inner: R,
    handed: u64,
    limit: u64,
    exceeded: bool,
    eof: bool,
    last: u8,
    /// Where the record being parsed starts, as a byte offset in the file.
    record_start: u64,
    /// The bytes handed out from `kept_from` on.
    kept: Vec<u8>,
    kept_from: u64,
}

impl<R: Read> Read for Counted<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let room = self.limit.saturating_sub(self.handed);
        if room == 0 {
            self.exceeded = true;
            return Err(io::Error::other("record too long"));
        }
        let want = buf.len().min(usize::try_from(room).unwrap_or(usize::MAX));
        let n = self.inner.read(&mut buf[..want])?;
        match n.checked_sub(1) {
            Some(last) => self.last = buf[last],
            None => self.eof = true,
        }
        // Bytes before the current record are no longer needed.
        let done = usize::try_from(self.record_start.saturating_sub(self.kept_from))
            .unwrap_or(usize::MAX)
            .min(self.kept.len());
        self.kept.drain(..done);
        self.kept_from += done as u64;
        self.kept.extend_from_slice(&buf[..n]);
        self.handed += n as u64;
        Ok(n)
    }
}

impl<R> Counted<R> {
    /// Whether the record that ended after `consumed` bytes ended with its
    /// newline (rather than at the end of a file without a final newline).
    fn ended_with_newline(&self, consumed: u64) -> bool {
        !(self.eof && consumed == self.handed && self.last != b'\n')
    }

    /// Whether the record from `record_start` to `consumed` ran into the
    /// end of the file inside a quoted field. Only the file's last record
    /// can: a quote left open swallows everything after it.
    fn ends_inside_quotes(&self, consumed: u64) -> bool {
        if !(self.eof && consumed == self.handed) {
            return false;
        }
        let from = usize::try_from(self.record_start.saturating_sub(self.kept_from))
            .unwrap_or(usize::MAX)
            .min(self.kept.len());
        ends_inside_quotes(&self.kept[from..])
    }
}

/// Whether `raw`, the bytes of CSV records, ends inside a quoted field.
/// This is the csv crate's own state machine (quote `"`, doubled quotes,
/// no escape character, records ending at `\n`), reduced to the states that
/// decide it: a quote opens a field only at its start, a doubled quote
/// stays inside, and after a closing quote the field goes on unquoted.
pub(super) fn ends_inside_quotes(raw: &[u8]) -> bool {
    #[derive(Clone, Copy, PartialEq)]
    enum State {
        FieldStart,
        Unquoted,
        Quoted,
        QuoteInQuoted,
    }
    let mut state = State::FieldStart;
    for &b in raw {
        state = match (state, b) {
            (State::FieldStart, b'"') => State::Quoted,
            (State::Quoted, b'"') => State::QuoteInQuoted,
            (State::Quoted, _) => State::Quoted,
            (State::QuoteInQuoted, b'"') => State::Quoted,
            (_, b',' | b'\n') => State::FieldStart,
            _ => State::Unquoted,
        };
    }
    state == State::Quoted
}

/// One CSV record as [`read_csv`] reads it.
struct Record {
    /// The line it starts on.
    line: u64,
    /// Whether the file ended inside its last field's quotes.
    open_quote: bool,
}

/// Reads a CSV file with a header row into `sink`.
///
/// Records end at `\n` only, so that a CRLF record consumes its whole line
/// (the parser would otherwise count its `\n` towards the next record's line
/// number); the `\r` left at the end of the last field is dropped.
pub fn read_csv<R: Read, S: RowSink>(
    file_name: &str,
    file: R,
    kind: ImportKind,
    sink: &mut S,
    report: &mut ImportReport,
) -> Result<(), ImportError> {
    let columns = kind.columns();
    let max_record = (columns.len() as u64 + 1) * MIB;
    // The parser reads ahead by up to one buffer.
    let allowance = max_record + READ_BUFFER as u64;
    let counted = Counted {
        inner: file,
        handed: 0,
        limit: allowance,
        exceeded: false,
        eof: false,
        last: 0,
        record_start: 0,
        kept: Vec::new(),
        kept_from: 0,
    };
    let mut rdr = ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .terminator(Terminator::Any(b'\n'))
        .buffer_capacity(READ_BUFFER)
        .from_reader(counted);
    let mut rec = ByteRecord::new();
    let mut next = |rec: &mut ByteRecord| -> Result<Option<Record>, ImportError> {
        let before = rdr.position().line();
        match rdr.read_byte_record(rec) {
            Ok(false) => Ok(None),
            Ok(true) => {
                let consumed = rdr.position().byte();
                let newlines = rec.as_slice().iter().filter(|&&b| b == b'\n').count() as u64;
                let counted = rdr.get_mut();
                let open_quote = counted.ends_inside_quotes(consumed);
                // A record cut off inside quotes has no newline of its own,
                // even when the file's last byte is one (inside the quotes).
                let terminator = u64::from(!open_quote && counted.ended_with_newline(consumed));
                counted.limit = consumed + allowance;
                counted.record_start = consumed;
                let line = rdr
                    .position()
                    .line()
                    .saturating_sub(newlines + terminator)
                    .max(1);
                Ok(Some(Record { line, open_quote }))
            }
            Err(_) if rdr.get_ref().exceeded => Err(At {
                file: file_name,
                line: before,
            }
            .error(
                None,
                None,
                format!(
                    "record longer than {} MiB (a field over 1 MiB, or an unclosed quote?)",
                    max_record / MIB
                ),
            )),
            Err(e) => Err(io_error(file_name, e.into())),
        }
    };

    let Some(head) = next(&mut rec)? else {
        return Err(At {
            file: file_name,
            line: 1,
        }
        .error(None, None, "empty file: expected a header row"));
    };
    let at = At {
        file: file_name,
        line: head.line,
    };
    if head.open_quote {
        return Err(at.error(
            None,
            Some(excerpt(field(&rec, rec.len().saturating_sub(1)))),
            "unterminated quote in the header row: the quoted field runs to the end of the file",
        ));
    }
    let map = header(kind, &rec, at)?;
    while let Some(record) = next(&mut rec)? {
        let at = At {
            file: file_name,
            line: record.line,
        };
        if record.open_quote {
            // The quote that was never closed opened the record's last field.
            let last = rec.len().saturating_sub(1);
            return Err(at.error(
                map.get(last).map(|&col| columns[col]),
                Some(excerpt(field(&rec, last))),
                format!(
                    "unterminated quote in field {}: the quoted field runs to the end of the file",
                    last + 1
                ),
            ));
        }
        if rec.len() == 1 && field(&rec, 0).is_empty() {
            continue; // a blank CRLF line
        }
        if rec.len() != map.len() {
            return Err(at.error(
                None,
                None,
                format!("found {} fields, the header has {}", rec.len(), map.len()),
            ));
        }
        let mut cells = [Cell::Absent; MAX_COLUMNS];
        for (i, &col) in map.iter().enumerate() {
            let raw = field(&rec, i);
            if raw.is_empty() {
                continue;
            }
            let name = columns[col];
            if raw.len() > MAX_FIELD_BYTES {
                return Err(at.error(
                    Some(name),
                    Some(excerpt(raw)),
                    format!("field longer than 1 MiB ({} bytes)", raw.len()),
                ));
            }
            let text = std::str::from_utf8(raw).map_err(|e| {
                at.error(
                    Some(name),
                    Some(excerpt(raw)),
                    format!("invalid UTF-8 at byte {} of the field", e.valid_up_to() + 1),
                )
            })?;
            cells[col] = Cell::Text(text);
        }
        report.rows += 1;
        sink.row(at, &cells, report)?;
    }
    Ok(())
}

/// Field `i` of a record, without the `\r` a CRLF line leaves on the last one.
fn field(rec: &ByteRecord, i: usize) -> &[u8] {
    let raw = rec.get(i).unwrap_or_default();
    if i + 1 == rec.len() {
        raw.strip_suffix(b"\r").unwrap_or(raw)
    } else {
        raw
    }
}

/// Maps each CSV column to the kind's column index, refusing unknown,
/// repeated and missing required columns.
fn header(kind: ImportKind, rec: &ByteRecord, at: At<'_>) -> Result<Vec<usize>, ImportError> {
    let columns = kind.columns();
    let mut map = Vec::with_capacity(rec.len());
    let mut present = [false; MAX_COLUMNS];
    for i in 0..rec.len() {
        let raw = field(rec, i);
        let name = std::str::from_utf8(raw)
            .map_err(|_| at.error(None, Some(excerpt(raw)), "invalid UTF-8 in the header row"))?
            .trim();
        let Some(col) = columns.iter().position(|c| *c == name) else {
            return Err(at.error(
                Some(name),
                None,
                format!("unknown column; expected {}", columns.join(", ")),
            ));
        };
        if present[col] {
            return Err(at.error(Some(name), None, "column appears twice in the header"));
        }
        present[col] = true;
        map.push(col);
    }
    if let Some(missing) = columns[..kind.n_required()]
        .iter()
        .zip(present)
        .find_map(|(name, here)| (!here).then_some(name))
    {
        return Err(at.error(
            Some(missing),
            None,
            "required column is missing from the header",
        ));
    }
    Ok(map)
}

/// Reads a JSON Lines file into `sink`: one object per line, blank lines
/// skipped, keys as the CSV columns.
pub fn read_jsonl<R: Read, S: RowSink>(
    file_name: &str,
    file: R,
    kind: ImportKind,
    sink: &mut S,
    report: &mut ImportReport,
) -> Result<(), ImportError> {
    let columns = kind.columns();
    let max_line = (columns.len() as u64 + 1) * MIB;
    let mut reader = BufReader::with_capacity(READ_BUFFER, file);
    let mut buf = Vec::new();
    let mut line = 0u64;
    loop {
        buf.clear();
        // `take` bounds the line buffer, whatever the file holds.
        let n = (&mut reader)
            .take(max_line + 1)
            .read_until(b'\n', &mut buf)
            .map_err(|e| io_error(file_name, e))?;
        if n == 0 {
            return Ok(());
        }
        line += 1;
        let at = At {
            file: file_name,
            line,
        };
        if buf.last() != Some(&b'\n') && n as u64 > max_line {
            return Err(at.error(
                None,
                Some(excerpt(&buf)),
                format!("line longer than {} MiB", max_line / MIB),
            ));
        }
        let mut bytes = buf.as_slice();
        bytes = bytes.strip_suffix(b"\n").unwrap_or(bytes);
        bytes = bytes.strip_suffix(b"\r").unwrap_or(bytes);
        if line == 1 {
            bytes = bytes.strip_prefix("\u{feff}".as_bytes()).unwrap_or(bytes);
        }
        let text = std::str::from_utf8(bytes).map_err(|e| {
            at.error(
                None,
                Some(excerpt(bytes)),
                format!("invalid UTF-8 at byte {} of the line", e.valid_up_to() + 1),
            )
        })?;
        if text.trim().is_empty() {
            continue;
        }
        let value: Value = serde_json::from_str(text).map_err(|e| {
            let message = e.to_string();
            let message = message.split(" at line ").next().unwrap_or_default();
            at.error(
                None,
                Some(excerpt(bytes)),
                format!("invalid JSON at column {}: {message}", e.column()),
            )
        })?;
        let Value::Object(object) = &value else {
            return Err(at.error(None, Some(excerpt(bytes)), "expected a JSON object"));
        };
        let mut cells = [Cell::Absent; MAX_COLUMNS];
        for (key, value) in object {
            let Some(col) = columns.iter().position(|c| c == key) else {
                return Err(at.error(
                    Some(key),
                    None,
                    format!("unknown key; expected {}", columns.join(", ")),
                ));
            };
            cells[col] = match value {
                Value::Null => Cell::Absent,
                Value::String(s) if s.len() > MAX_FIELD_BYTES => {
                    return Err(at.error(
                        Some(key),
                        Some(excerpt(s.as_bytes())),
                        format!("field longer than 1 MiB ({} bytes)", s.len()),
                    ));
                }
                Value::String(s) => Cell::Text(s),
                other => Cell::Json(other),
            };
        }
        report.rows += 1;
        sink.row(at, &cells, report)?;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn excerpt_is_short_and_safe() {
        assert_eq!(excerpt(b"abc"), "abc");
        let long = "x".repeat(2 << 20);
        let shown = excerpt(long.as_bytes());
        assert_eq!(shown.chars().count(), SHOWN_CHARS + 1);
        assert!(shown.ends_with('…'));
        assert_eq!(excerpt(b"\x1b]0;pwned\x07ok\n"), "ok ");
        assert_eq!(excerpt(b"bad \xff byte"), "bad \u{fffd} byte");
    }

    #[test]
    fn counted_reader_stops_at_its_limit() {
        let data = vec![b'a'; 100];
        let mut r = Counted {
            inner: data.as_slice(),
            handed: 0,
            limit: 10,
            exceeded: false,
            eof: false,
            last: 0,
            record_start: 0,
            kept: Vec::new(),
            kept_from: 0,
        };
        let mut buf = [0u8; 64];
        assert_eq!(r.read(&mut buf).unwrap(), 10);
        assert!(r.read(&mut buf).is_err());
        assert!(r.exceeded);
    }
}
