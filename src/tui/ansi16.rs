//! Colours as the 16 ANSI colours, the way every terminal understands them.
//!
//! crossterm writes even the 16 named colours as 256-colour indices
//! (`ESC[38;5;9m` for red), which a 16-colour terminal (the Linux console,
//! some serial and SSH setups) does not understand. This writer sits
//! between the backend and the terminal and rewrites those SGR parameters
//! to the classic forms (`31`, `91`, `41`, `101`), leaving everything else
//! byte for byte as it was.

use std::io::{self, Write};

const ESC: u8 = 0x1b;
/// Longer "sequences" are passed through as they are.
const MAX_SEQUENCE: usize = 64;

/// A writer that rewrites 256-colour indices 0–15 in SGR sequences to the
/// 16-colour forms.
pub struct Ansi16<W: Write> {
    inner: W,
    pending: Vec<u8>,
}

impl<W: Write> Ansi16<W> {
    /// Wraps `inner`.
    pub fn new(inner: W) -> Ansi16<W> {
        Ansi16 {
            inner,
            pending: Vec::new(),
        }
    }

    fn feed(&mut self, b: u8, out: &mut Vec<u8>) {
        if self.pending.is_empty() {
            if b == ESC {
                self.pending.push(b);
            } else {
                out.push(b);
            }
            return;
        }
        self.pending.push(b);
        let n = self.pending.len();
        if n == 2 && b != b'[' {
            out.append(&mut self.pending);
        } else if n > 2 && (0x40..=0x7e).contains(&b) {
            if b == b'm' {
                rewrite(&self.pending[2..n - 1], out);
                self.pending.clear();
            } else {
                out.append(&mut self.pending);
            }
        } else if n > MAX_SEQUENCE {
            out.append(&mut self.pending);
        }
    }
}

/// Writes `ESC [ params m` with 256-colour indices below 16 rewritten.
fn rewrite(params: &[u8], out: &mut Vec<u8>) {
    let text = String::from_utf8_lossy(params);
    let parts: Vec<&str> = text.split(';').collect();
    let mut new: Vec<String> = Vec::with_capacity(parts.len());
    let mut i = 0;
    while i < parts.len() {
        let index = (parts[i] == "38" || parts[i] == "48")
            .then(|| parts.get(i + 1).filter(|p| **p == "5"))
            .flatten()
            .and_then(|_| parts.get(i + 2))
            .and_then(|n| n.parse::<u8>().ok())
            .filter(|n| *n < 16);
        match index {
            Some(n) => {
                let base = if parts[i] == "38" { 30 } else { 40 };
                let code = if n < 8 { base + n } else { base + 60 + n - 8 };
                new.push(code.to_string());
                i += 3;
            }
            None => {
                new.push(parts[i].to_string());
                i += 1;
            }
        }
    }
    out.extend_from_slice(b"\x1b[");
    out.extend_from_slice(new.join(";").as_bytes());
    out.push(b'm');
}

impl<W: Write> Write for Ansi16<W> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        let mut out = Vec::with_capacity(buf.len() + 8);
        for &b in buf {
            self.feed(b, &mut out);
        }
        self.inner.write_all(&out)?;
        Ok(buf.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        self.inner.flush()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn through(chunks: &[&[u8]]) -> Vec<u8> {
        let mut out = Vec::new();
        {
            let mut w = Ansi16::new(&mut out);
            for c in chunks {
                w.write_all(c).unwrap();
            }
        }
        out
    }

    #[test]
    fn indices_below_16_become_classic_sgr_and_the_rest_is_untouched() {
        assert_eq!(through(&[b"a\x1b[38;5;9mred"]), b"a\x1b[91mred");
        assert_eq!(through(&[b"\x1b[38;5;8;49m"]), b"\x1b[90;49m");
        assert_eq!(through(&[b"\x1b[48;5;4m"]), b"\x1b[44m");
        assert_eq!(through(&[b"\x1b[1;38;5;6;48;5;15m"]), b"\x1b[1;36;107m");
        // Split across writes.
        assert_eq!(through(&[b"x\x1b[38", b";5;", b"2my"]), b"x\x1b[32my");
        // Not ours to change: 256 colours, cursor moves, other escapes, text.
        for s in [
            &b"\x1b[38;5;200m"[..],
            b"\x1b[2;5H",
            b"\x1b[?25l",
            b"\x1b]0;t\x07",
            "caf\u{e9} \u{2502}".as_bytes(),
            b"\x1b[0m",
        ] {
            assert_eq!(through(&[s]), s, "{:?}", String::from_utf8_lossy(s));
        }
    }
}
