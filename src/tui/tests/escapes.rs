//! Product text, names, reasons and job errors holding escape sequences,
//! drawn through the real crossterm backend into bytes: nothing injected
//! reaches the terminal. The only escape sequences in the output are the
//! kinds a benign rendering of the same screen uses (cursor moves, colours).

use crate::tui::ansi16::Ansi16;
use crate::tui::fixtures::{SCREENS, plain, screen};
use crate::tui::state::State;
use crate::tui::view::render;
use ratatui::backend::CrosstermBackend;
use ratatui::layout::Rect;
use ratatui::{Terminal, TerminalOptions, Viewport};
use std::collections::BTreeSet;

/// Attacks seen in the wild (kubectl CVE-2021-25743, less CVE-2022-46663)
/// and their cousins.
const PAYLOADS: &[&str] = &[
    "\x1b[2J",                                               // clear the screen
    "\x1b[3J\x1b[H",                                         // clear scrollback, home
    "\x1b]52;c;cm0gLXJmIH4=\x07",                            // OSC 52: write the clipboard
    "\x1b]52;c;cm0gLXJmIH4=\x1b\\",                          // ... with ST
    "\x1b]0;pwned title\x07",                                // OSC 0: window title
    "\x1b]2;pwned title\x1b\\",                              // OSC 2
    "\x1b]8;;https://evil.example/\x1b\\link\x1b]8;;\x1b\\", // hyperlink
    "\x1b]0;unterminated title",                             // never terminated
    "\u{9b}31mC1 CSI",                                       // C1 control sequence introducer
    "\u{9d}0;c1 osc title\u{9c}",                            // C1 OSC ... ST
    "\u{90}c1 dcs\u{9c}",                                    // C1 DCS
    "\u{85}next line",                                       // NEL
    "\x1bP+q544e\x1b\\",                                     // DCS: request termcap
    "\x1b_apc\x1b\\",                                        // APC
    "\x1b^pm\x1b\\",                                         // PM
    "\x1bXsos\x1b\\",                                        // SOS
    "\x1bc",                                                 // RIS: full reset
    "\x1b[?1049l",                                           // leave the alternate screen
    "\x1b[?25l",                                             // hide the cursor
    "\x1b[6n",                                               // ask for the cursor position
    "\x1b[21t",                                              // ask for the window title
    "\x1b[8;1;1t",                                           // resize the window
    "\x07",                                                  // bell
    "\x08\x08\x08",                                          // backspaces over the text before
    "\rcarriage",                                            // carriage return
    "\x7f",                                                  // DEL
    "\x1b",                                                  // a lone ESC at the end
    "\u{202e}evil\u{202c}",                                  // right-to-left override
    "\u{2066}isolate\u{2069}",                               // bidi isolate
    "zero\u{200b}width\u{feff}",                             // zero-width space, BOM
    "\u{61c}arabic mark",                                    // ALM
    "\x00nul",                                               // NUL
    "\x0bvt\x0cff",                                          // VT, FF
    "\x1b[38;5;196mred",                                     // a colour of its own
    "\x1b[1;1H",                                             // move the cursor
    "\x1b7\x1b8",                                            // save and restore the cursor
    "\x1b#8",                                                // DECALN: fill the screen with E
    "\x1b(0",                                                // line-drawing character set
    "\x1b[?1000h",                                           // mouse reporting on
    "\x1b[201~",                                             // end of bracketed paste
    "\x1b]1337;File=:aGk=\x07",                              // iTerm2 inline file
    "\x1bPtmux;\x1b\x1b]52;c;aGk=\x07\x1b\\",                // tmux passthrough
];

fn attack(s: &str) -> String {
    // Every payload, in every untrusted field, around the real text.
    format!("{}{s}{}", PAYLOADS.concat(), PAYLOADS.concat())
}

fn bytes(state: &State, w: u16, h: u16) -> Vec<u8> {
    let mut out = Vec::new();
    {
        let backend = CrosstermBackend::new(Ansi16::new(&mut out));
        let viewport = Viewport::Fixed(Rect::new(0, 0, w, h));
        let mut terminal = Terminal::with_options(backend, TerminalOptions { viewport }).unwrap();
        terminal.draw(|f| render(state, f)).unwrap();
    }
    out
}

/// Bidirectional controls and zero-width characters.
fn invisible(c: char) -> bool {
    matches!(
        c,
        '\u{200b}'..='\u{200f}'
            | '\u{202a}'..='\u{202e}'
            | '\u{2060}'
            | '\u{2066}'..='\u{2069}'
            | '\u{feff}'
            | '\u{61c}'
    )
}

/// The escape sequences in `out`, as their introducer and final byte
/// (`"CSI m"`), and whatever else is a control character.
fn controls(out: &[u8]) -> (BTreeSet<String>, Vec<String>) {
    let text = String::from_utf8(out.to_vec()).expect("the output is UTF-8");
    let mut kinds = BTreeSet::new();
    let mut stray = Vec::new();
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        if c == '\x1b' {
            match chars.next() {
                Some('[') => {
                    let mut params = String::new();
                    let mut fin = None;
                    for d in chars.by_ref() {
                        if ('\x40'..='\x7e').contains(&d) {
                            fin = Some(d);
                            break;
                        }
                        params.push(d);
                    }
                    match fin {
                        // Mode switches and erases are named with their
                        // parameters: "CSI 2J" must never appear.
                        Some(f @ ('h' | 'l' | 'J' | 'K' | 't' | 'n')) => {
                            kinds.insert(format!("CSI {params}{f}"));
                        }
                        Some(f) => {
                            kinds.insert(format!("CSI {f}"));
                        }
                        None => stray.push("unterminated CSI".into()),
                    }
                }
                other => stray.push(format!("ESC {other:?}")),
            }
        } else if (c.is_control() && c != '\n') || invisible(c) {
            stray.push(format!("{c:?}"));
        }
    }
    (kinds, stray)
}

#[test]
fn no_injected_control_reaches_the_terminal_on_any_screen() {
    for name in SCREENS {
        for (w, h) in [(200, 60), (120, 40), (80, 24), (50, 16)] {
            let benign = bytes(&screen(name, plain), w, h);
            let hostile = bytes(&screen(name, attack), w, h);
            let (allowed, stray) = controls(&benign);
            assert!(stray.is_empty(), "{name} {w}x{h}: baseline has {stray:?}");
            let (kinds, stray) = controls(&hostile);
            assert!(
                stray.is_empty(),
                "{name} {w}x{h}: stray controls in the output: {stray:?}"
            );
            let extra: Vec<&String> = kinds.difference(&allowed).collect();
            assert!(
                extra.is_empty(),
                "{name} {w}x{h}: escape sequences a benign screen does not use: {extra:?}"
            );
            let text = String::from_utf8_lossy(&hostile);
            for visible in ["52;c;", "pwned title", "]8;;", "tmux;", "1337;File"] {
                assert!(
                    !text.contains(visible),
                    "{name} {w}x{h}: the parameters of a stripped sequence show: {visible}"
                );
            }
        }
    }
}

#[test]
fn the_attack_text_did_reach_the_screens() {
    // Guards the test above against fixtures that stop using `decorate`.
    let state = screen("browse", attack);
    let text = state.candidates.rows[0].text.clone();
    assert!(
        text.contains("\x1b]52;"),
        "the fixture carries the payloads"
    );
    let out = String::from_utf8(bytes(&state, 200, 60)).unwrap();
    assert!(
        out.contains("\x1b[9") || out.contains("\x1b[3"),
        "some colour is drawn"
    );
    assert!(!out.contains("38;5;"), "colours are the 16 ANSI ones");
    // What is left of the payloads, and the real text, are drawn.
    let mut terminal = Terminal::new(ratatui::backend::TestBackend::new(200, 60)).unwrap();
    terminal.draw(|f| render(&state, f)).unwrap();
    let screen = terminal.backend().to_string();
    assert!(screen.contains("Soft merino"), "{screen}");
    assert!(
        screen.contains("arabicmark") || screen.contains("arabic mark"),
        "{screen}"
    );
}
