//! Makes untrusted text (imported titles, names, reviews, generated copy)
//! safe to put on a terminal.
//!
//! A product description must never be able to clear the screen, set the
//! window title, write the analyst's clipboard or reorder what is shown. So
//! escape sequences are removed whole (the parameters of an OSC title would
//! otherwise show up as text), including unterminated ones, along with every
//! C0 and C1 control character except newline, DEL, bidirectional controls
//! and zero-width characters. A tab becomes four spaces. Everything else,
//! non-ASCII letters and emoji included, is kept.
//!
//! The output never contains ESC or any other control character, so no
//! sequence can survive or be assembled from the pieces. The parser follows
//! the shape of a terminal's (ECMA-48, as in xterm): a malformed sequence
//! ends at the first byte that cannot belong to it, and that byte is then
//! treated as text (or stripped).

use std::borrow::Cow;

const ESC: char = '\u{1b}';
const BEL: char = '\u{07}';
const CAN: char = '\u{18}';
const SUB: char = '\u{1a}';
/// The 8-bit String Terminator.
const ST8: char = '\u{9c}';
const TAB_AS_SPACES: &str = "    ";

/// Strips escape sequences, control characters (newline aside),
/// bidirectional controls and zero-width characters; a tab becomes four
/// spaces. Borrows when there is nothing to change.
pub fn sanitize(s: &str) -> Cow<'_, str> {
    clean(s, false)
}

/// As [`sanitize`], and a newline also becomes a space: for single-line
/// cells such as a title in a table row.
pub fn sanitize_line(s: &str) -> Cow<'_, str> {
    clean(s, true)
}

/// Whether `s` is one line of plain, valid text: nothing [`sanitize_line`]
/// would change, and no U+FFFD (what decoding bytes that are not UTF-8
/// leaves). Generated copy that is not is garbled and never kept.
pub fn is_clean_line(s: &str) -> bool {
    !s.contains(char::REPLACEMENT_CHARACTER) && matches!(sanitize_line(s), Cow::Borrowed(_))
}

/// Whether `c` is a bidirectional control or a zero-width character: both
/// change what a line looks like without being visible themselves.
fn is_invisible_format(c: char) -> bool {
    matches!(
        c,
        '\u{061C}'
            | '\u{200B}'..='\u{200F}'
            | '\u{202A}'..='\u{202E}'
            | '\u{2060}'
            | '\u{2066}'..='\u{2069}'
            | '\u{FEFF}'
    )
}

/// Whether `c` is dropped when it stands alone (outside a sequence).
fn is_dropped(c: char) -> bool {
    c.is_control() || is_invisible_format(c)
}

/// Whether `c` makes the output differ from the input.
fn needs_care(c: char, one_line: bool) -> bool {
    if c == '\n' { one_line } else { is_dropped(c) }
}

/// Where the parser is.
#[derive(Clone, Copy, PartialEq, Eq)]
enum State {
    /// Ordinary text.
    Ground,
    /// After ESC.
    Esc,
    /// After ESC and one or more intermediate bytes (0x20–0x2F).
    EscIntermediate,
    /// Inside a control sequence (CSI), before its final byte.
    Csi,
    /// Inside a control string (OSC, DCS, SOS, PM, APC), before its terminator.
    Str,
    /// After ESC inside a control string: `\` completes ST.
    StrEsc,
}

fn clean(s: &str, one_line: bool) -> Cow<'_, str> {
    let Some(start) = s.find(|c| needs_care(c, one_line)) else {
        return Cow::Borrowed(s);
    };
    let mut out = String::with_capacity(s.len());
    out.push_str(&s[..start]);
    let mut state = State::Ground;
    for c in s[start..].chars() {
        // A byte that cannot continue a sequence ends it and is then read
        // again as ordinary text: at most one retry per character.
        let mut retry = true;
        while retry {
            retry = false;
            state = match state {
                State::Ground => ground(c, one_line, &mut out),
                State::StrEsc if c == '\\' => State::Ground,
                State::Esc | State::StrEsc => match c {
                    '[' => State::Csi,
                    ']' | 'P' | 'X' | '^' | '_' => State::Str,
                    '\u{20}'..='\u{2f}' => State::EscIntermediate,
                    '\u{30}'..='\u{7e}' => State::Ground,
                    ESC => State::Esc,
                    _ => {
                        retry = true;
                        State::Ground
                    }
                },
                State::EscIntermediate => match c {
                    '\u{20}'..='\u{2f}' => State::EscIntermediate,
                    '\u{30}'..='\u{7e}' => State::Ground,
                    _ => {
                        retry = true;
                        State::Ground
                    }
                },
                State::Csi => match c {
                    // parameter and intermediate bytes
                    '\u{20}'..='\u{3f}' => State::Csi,
                    // the final byte
                    '\u{40}'..='\u{7e}' => State::Ground,
                    _ => {
                        retry = true;
                        State::Ground
                    }
                },
                State::Str => match c {
                    // BEL ends an OSC in xterm; accepting it for every string
                    // only ever shows more of the (harmless) remaining text.
                    BEL | ST8 | CAN | SUB => State::Ground,
                    ESC => State::StrEsc,
                    _ => State::Str,
                },
            };
        }
    }
    Cow::Owned(out)
}

/// One character of ordinary text: kept, replaced, dropped, or the start of
/// a sequence.
fn ground(c: char, one_line: bool, out: &mut String) -> State {
    match c {
        '\n' => out.push(if one_line { ' ' } else { '\n' }),
        '\t' => out.push_str(TAB_AS_SPACES),
        ESC => return State::Esc,
        // 8-bit CSI
        '\u{9b}' => return State::Csi,
        // 8-bit DCS, SOS, OSC, PM, APC
        '\u{90}' | '\u{98}' | '\u{9d}' | '\u{9e}' | '\u{9f}' => return State::Str,
        c if is_dropped(c) => {}
        c => out.push(c),
    }
    State::Ground
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Whether `s` holds anything a terminal could act on or hide.
    fn has_forbidden(s: &str) -> bool {
        s.chars()
            .any(|c| (c.is_control() && c != '\n') || is_invisible_format(c))
    }

    /// (payload, expected output): each payload sits between benign text.
    const PAYLOADS: &[(&str, &str)] = &[
        ("\x1b[2J", ""),
        ("\x1b[H\x1b[2J", ""),
        ("\x1b[3J", ""),
        ("\x1b[31mred\x1b[0m", "red"),
        ("\x1b[38;2;255;0;0mrgb\x1b[m", "rgb"),
        ("\x1b[?1049h", ""),
        ("\x1b[?25l", ""),
        ("\x1b[1;1H", ""),
        ("\x1b[6n", ""),
        ("\x1b[>c", ""),
        ("\x1b[ q", ""),
        ("\x1b]52;c;aGVsbG8=\x07", ""),
        ("\x1b]52;c;aGVsbG8=\x1b\\", ""),
        ("\x1b]0;pwned\x1b\\", ""),
        ("\x1b]0;pwned\x07", ""),
        ("\x1b]2;pwned\u{9c}", ""),
        (
            "\x1b]8;;http://evil.example/\x1b\\link\x1b]8;;\x1b\\",
            "link",
        ),
        ("\x1b]1337;File=name=x:AAAA\x07", ""),
        ("\x1bP+q544e\x1b\\", ""),
        ("\x1bP$q m\x1b\\", ""),
        ("\x1bXsos\x1b\\", ""),
        ("\x1b^pm\x1b\\", ""),
        ("\x1b_Gf=100;AAAA\x1b\\", ""),
        ("\x1bc", ""),
        ("\x1b7\x1b8", ""),
        ("\x1b(0", ""),
        ("\x1b#8", ""),
        ("\x1b%G", ""),
        ("\x1b=\x1b>", ""),
        ("\u{9b}2J", ""),
        ("\u{9b}31mred", "red"),
        ("\u{9d}0;pwned\x07", ""),
        ("\u{9d}52;c;AAAA\u{9c}", ""),
        ("\u{90}dcs\u{9c}", ""),
        ("\u{98}sos\u{9c}", ""),
        ("\u{9e}pm\u{9c}", ""),
        ("\u{9f}apc\u{9c}", ""),
        ("\u{85}\u{84}\u{8d}\u{9c}", ""),
        ("\u{202E}gnp.exe", "gnp.exe"),
        ("\u{202A}\u{202B}\u{202C}\u{202D}", ""),
        ("\u{2066}\u{2067}\u{2068}\u{2069}", ""),
        ("\u{200E}\u{200F}\u{061C}", ""),
        (
            "zero\u{200B}width\u{200C}\u{200D}\u{2060}\u{FEFF}",
            "zerowidth",
        ),
        ("bell\x07", "bell"),
        ("back\x08\x08space", "backspace"),
        ("cr\roverwrite", "croverwrite"),
        ("nul\0byte", "nulbyte"),
        ("del\x7f", "del"),
        ("\x0b\x0c\x0e\x0f\x1c\x1d\x1e\x1f", ""),
        ("\x1b]0;title\x1b[2Jafter", "after"),
        ("\x1b[31\x07m", "m"),
        ("\x1b\x1b[2J", ""),
        ("\x1b\u{9b}2J", ""),
        ("\x1b[2\u{202E}J", "J"),
        ("\x1b]0;a\x18shown", "shown"),
    ];

    #[test]
    fn payloads_are_stripped_and_benign_text_kept() {
        assert!(PAYLOADS.len() >= 40);
        for (payload, expected) in PAYLOADS {
            let input = format!("before {payload} after");
            let out = sanitize(&input);
            assert!(!has_forbidden(&out), "{payload:?} left {out:?}");
            assert_eq!(
                out,
                format!("before {expected} after"),
                "payload {payload:?}"
            );
            let line = sanitize_line(&input);
            assert!(!has_forbidden(&line), "{payload:?} left {line:?}");
            assert!(!line.contains('\n'));
        }
    }

    #[test]
    fn unterminated_strings_are_dropped_to_the_end() {
        for s in [
            "ok\x1b]52;c;AAAA",
            "ok\x1b]0;pwned",
            "ok\x1bPdcs",
            "ok\x1bXsos",
            "ok\x1b^pm",
            "ok\x1b_apc",
            "ok\u{9d}0;pwned",
            "ok\u{90}dcs",
            "ok\x1b[",
            "ok\x1b[31;",
            "ok\u{9b}",
            "ok\x1b",
            "ok\x1b(",
            "ok\x1b]0;pwned\x1b",
        ] {
            assert_eq!(sanitize(s), "ok", "input {s:?}");
        }
    }

    #[test]
    fn clean_text_is_borrowed() {
        for s in [
            "",
            "Merino wool jumper",
            "line one\nline two",
            "Café crème — 12,50 €",
            "日本語のタイトル",
            "emoji 🧶👍🏽 and ZWJ-free flags 🇫🇷",
            "עברית and العربية without controls",
        ] {
            assert!(matches!(sanitize(s), Cow::Borrowed(_)), "{s:?}");
            assert_eq!(sanitize(s), s);
        }
        assert!(matches!(sanitize_line("one line"), Cow::Borrowed(_)));
    }

    #[test]
    fn newline_is_kept_and_tab_becomes_spaces() {
        assert_eq!(sanitize("a\tb\nc"), "a    b\nc");
        assert_eq!(sanitize("a\r\nb"), "a\nb");
        assert_eq!(sanitize_line("a\r\nb\nc\td"), "a b c    d");
    }

    #[test]
    fn every_control_character_alone_is_removed() {
        for c in (0u32..0x20).chain(0x7f..0xa0).filter_map(char::from_u32) {
            if c == '\n' || c == '\t' {
                continue;
            }
            let input = format!("a{c}b");
            let out = sanitize(&input);
            assert!(!has_forbidden(&out), "{c:?} left {out:?}");
            assert!(out.starts_with('a'), "{c:?} gave {out:?}");
        }
    }

    #[test]
    fn arbitrary_mixtures_never_leave_a_control() {
        // A deterministic walk over strings built from the interesting
        // characters: whatever the order, nothing forbidden survives.
        let alphabet: Vec<char> =
            "\x1b[]P\\X^_\x07\u{9c}\u{9b}\u{9d}\u{202e}\u{200b}\x18a;0m\n\t\x7f\u{85}é"
                .chars()
                .collect();
        let mut x: u64 = 0x9E37_79B9_7F4A_7C15;
        for _ in 0..20_000 {
            let mut s = String::new();
            for _ in 0..12 {
                x ^= x << 13;
                x ^= x >> 7;
                x ^= x << 17;
                s.push(alphabet[(x % alphabet.len() as u64) as usize]);
            }
            let out = sanitize(&s);
            assert!(!has_forbidden(&out), "{s:?} left {out:?}");
            assert!(!sanitize_line(&s).contains('\n'));
        }
    }
}
