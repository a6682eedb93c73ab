//! Drawing: a pure function of the state (scroll offsets aside). Wide
//! terminals get side-by-side panes, narrower ones a stack, narrow ones a
//! single pane with tabs, and tiny ones a plain "too small".

mod jobs;
mod overlays;
pub(crate) mod panes;
pub mod text;

use super::keymap::Pane;
use super::state::{Mode, State};
use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Paragraph, Wrap};
use text::{clean, fit};

/// Below this width, one pane at a time.
pub const SINGLE_BELOW: u16 = 60;
/// Below this width, panes stack.
pub const STACK_BELOW: u16 = 100;
/// The smallest usable terminal.
pub const MIN_WIDTH: u16 = 30;
/// The smallest usable terminal.
pub const MIN_HEIGHT: u16 = 8;

/// How the panes are arranged.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Arrangement {
    /// Side by side.
    Wide,
    /// One above the other.
    Stacked,
    /// One at a time.
    Single,
    /// Not enough room.
    TooSmall,
}

/// The arrangement for a terminal of this size.
pub fn arrangement(area: Rect) -> Arrangement {
    if area.width < MIN_WIDTH || area.height < MIN_HEIGHT {
        Arrangement::TooSmall
    } else if area.width < SINGLE_BELOW {
        Arrangement::Single
    } else if area.width < STACK_BELOW {
        Arrangement::Stacked
    } else {
        Arrangement::Wide
    }
}

/// Draws the whole console.
pub fn render(state: &State, frame: &mut Frame) {
    let area = frame.area();
    let arrangement = arrangement(area);
    if arrangement == Arrangement::TooSmall {
        too_small(frame, area);
        return;
    }
    let [header, body, notice, status] = Layout::vertical([
        Constraint::Length(1),
        Constraint::Fill(1),
        Constraint::Length(1),
        Constraint::Length(1),
    ])
    .areas(area);
    render_header(state, frame, header);
    match arrangement {
        Arrangement::Wide => wide(state, frame, body),
        Arrangement::Stacked => stacked(state, frame, body),
        _ => single(state, frame, body),
    }
    render_notice(state, frame, notice);
    render_status(state, frame, status);
    overlays::render(state, frame, body);
}

fn too_small(frame: &mut Frame, area: Rect) {
    if area.is_empty() {
        return;
    }
    let msg = format!(
        "Terminal too small: {}×{}, tailor needs at least {MIN_WIDTH}×{MIN_HEIGHT}. Enlarge it, or press q to quit.",
        area.width, area.height
    );
    frame.render_widget(Paragraph::new(msg).wrap(Wrap { trim: true }), area);
}

fn wide(state: &State, frame: &mut Frame, body: Rect) {
    let [top, bottom] =
        Layout::vertical([Constraint::Percentage(45), Constraint::Fill(1)]).areas(body);
    let [shoppers, shopper, recommended] = Layout::horizontal([
        Constraint::Length(38),
        Constraint::Fill(1),
        Constraint::Percentage(30),
    ])
    .areas(top);
    let [candidates, jobs] =
        Layout::horizontal([Constraint::Fill(1), Constraint::Percentage(30)]).areas(bottom);
    let boxed = true;
    panes::shoppers(state, frame, shoppers, boxed);
    panes::shopper(state, frame, shopper, boxed);
    panes::recommended(state, frame, recommended, boxed);
    panes::candidates(state, frame, candidates, boxed);
    jobs::jobs(state, frame, jobs, boxed);
}

/// Rows each pane wants when it is not focused, in pane order: little when
/// it has nothing to show, enough for its gist otherwise.
pub fn stack_wants(state: &State) -> [u16; 5] {
    let opened = state.shopper.view.is_some();
    let training = state.training().is_some_and(|j| j.progress.is_some());
    [
        5,
        if opened { 6 } else { 2 },
        if opened { 4 } else { 2 },
        if state.candidates.rows.is_empty() {
            3
        } else {
            8
        },
        if training {
            5
        } else if state.jobs.is_empty() {
            2
        } else {
            4
        },
    ]
}
/// The order in which unfocused panes get their rows.
const STACK_PRIORITY: [usize; 5] = [3, 1, 4, 0, 2];

/// Heights of the stacked panes: each gets its title and a line, the
/// focused pane a useful height, the others what they want in priority
/// order, and the focused pane whatever is left.
pub fn stack_heights(total: u16, focus: usize, wants: [u16; 5]) -> [u16; 5] {
    let mut h = [0u16; 5];
    let mut left = total;
    for slot in &mut h {
        let take = left.min(2);
        *slot = take;
        left -= take;
    }
    let first = left.min(8);
    h[focus] += first;
    left -= first;
    for &i in &STACK_PRIORITY {
        if i == focus {
            continue;
        }
        let want = wants[i].saturating_sub(h[i]);
        let take = left.min(want);
        h[i] += take;
        left -= take;
    }
    h[focus] += left;
    h
}

fn stacked(state: &State, frame: &mut Frame, body: Rect) {
    let focus = Pane::ALL
        .iter()
        .position(|p| *p == state.focus)
        .unwrap_or(0);
    let heights = stack_heights(body.height, focus, stack_wants(state));
    let areas = Layout::vertical(heights.map(Constraint::Length)).split(body);
    let boxed = false;
    panes::shoppers(state, frame, areas[0], boxed);
    panes::shopper(state, frame, areas[1], boxed);
    panes::recommended(state, frame, areas[2], boxed);
    panes::candidates(state, frame, areas[3], boxed);
    jobs::jobs(state, frame, areas[4], boxed);
}

fn single(state: &State, frame: &mut Frame, body: Rect) {
    let [tabs, pane] = Layout::vertical([Constraint::Length(1), Constraint::Fill(1)]).areas(body);
    let t = state.theme;
    // Full names when they fit, else short ones, else the focused pane's
    // name and a dot for each other (Tab moves between them; no number
    // is shown that no key answers to).
    let short = |p: Pane| match p {
        Pane::Recommended => "Recs",
        Pane::Candidates => "Cands",
        other => other.title(),
    };
    let labels = |name: &dyn Fn(Pane) -> String| -> Vec<String> {
        Pane::ALL
            .iter()
            .map(|p| match name(*p) {
                n if n.is_empty() => " · ".to_string(),
                n => format!(" {n} "),
            })
            .collect()
    };
    let fits =
        |l: &[String]| l.iter().map(|s| text::width(s)).sum::<usize>() <= tabs.width as usize;
    let mut chosen = labels(&|p| p.title().to_string());
    if !fits(&chosen) {
        chosen = labels(&|p| short(p).to_string());
    }
    if !fits(&chosen) {
        chosen = labels(&|p| {
            if p == state.focus {
                short(p).to_string()
            } else {
                String::new()
            }
        });
    }
    let mut spans = Vec::new();
    for (p, label) in Pane::ALL.iter().zip(chosen) {
        spans.push(if *p == state.focus {
            Span::styled(label, t.selected(true))
        } else {
            Span::styled(label, t.dim())
        });
    }
    frame.render_widget(Paragraph::new(Line::from(spans)), tabs);
    let boxed = false;
    match state.focus {
        Pane::Shoppers => panes::shoppers(state, frame, pane, boxed),
        Pane::Shopper => panes::shopper(state, frame, pane, boxed),
        Pane::Recommended => panes::recommended(state, frame, pane, boxed),
        Pane::Candidates => panes::candidates(state, frame, pane, boxed),
        Pane::Jobs => jobs::jobs(state, frame, pane, boxed),
    }
}

fn render_header(state: &State, frame: &mut Frame, area: Rect) {
    let t = state.theme;
    let p = &state.progress;
    let model = match (&state.active_model, state.training()) {
        (Some(v), _) => clean(v).into_owned(),
        (None, Some(_)) => "none yet (training)".into(),
        (None, None) => "none".into(),
    };
    // Done and to do, for me and for everyone: a candidate is to do for
    // me until I label it, and for everyone until anyone does.
    let mine_todo = p.candidates.saturating_sub(p.mine);
    let all_todo = p.candidates.saturating_sub(p.everyone);
    let analyst = clean(&state.settings.analyst);
    let long = format!(
        " tailor │ {analyst} │ model {model} │ labelled: mine {} · everyone {} │ to do: mine {mine_todo} · everyone {all_todo} of {} │ {:.1}/min",
        p.mine, p.everyone, p.candidates, p.per_minute,
    );
    let short = format!(
        " {analyst} │ {model} │ mine {} (to do {mine_todo}) │ all {} (to do {all_todo}) │ {:.1}/min",
        p.mine, p.everyone, p.per_minute,
    );
    // The gate's held-out progress where it fits: the long form first.
    let gate = p.gate.short_text();
    let width = area.width as usize;
    let rate = format!(" │ {:.1}/min", p.per_minute);
    let unrated = long.strip_suffix(&rate).unwrap_or(&long).to_string();
    let text = [
        format!("{long} │ {gate}"),
        format!("{unrated} │ {gate}"),
        long,
        format!("{short} │ {gate}"),
    ]
    .into_iter()
    .find(|t| text::width(t) <= width)
    .unwrap_or_else(|| fit(&short, width));
    let pad = (area.width as usize).saturating_sub(text::width(&text));
    frame.render_widget(
        Paragraph::new(format!("{text}{}", " ".repeat(pad))).style(t.header()),
        area,
    );
}

fn render_notice(state: &State, frame: &mut Frame, area: Rect) {
    let t = state.theme;
    let w = area.width as usize;
    let line = match &state.mode {
        Mode::Command(line) => {
            let options = super::commands::completions(state, &line.text);
            if options.is_empty() {
                Line::from(Span::styled(fit("no completions", w), t.dim()))
            } else {
                Line::from(Span::styled(
                    fit(&format!("tab: {}", clean(&options.join("  "))), w),
                    t.dim(),
                ))
            }
        }
        Mode::Reason { .. } => Line::from(Span::styled(
            fit(
                &format!(
                    "reason codes (tab completes): {}; anything after the code is a note",
                    clean(&state.settings.reasons.join(" "))
                ),
                w,
            ),
            t.dim(),
        )),
        _ => match &state.notice {
            Some(n) if n.error => Line::from(Span::styled(
                fit(&format!("error: {}", clean(&n.text)), w),
                t.error(),
            )),
            Some(n) => Line::from(Span::styled(fit(&clean(&n.text), w), t.notice())),
            None => Line::default(),
        },
    };
    frame.render_widget(Paragraph::new(line), area);
}

/// Where the cursor goes in a prompt line `shown` whose text ends with
/// `after` (what follows the cursor).
fn cursor_x(shown: &str, after: &str) -> u16 {
    text::width(shown).saturating_sub(text::width(after)) as u16
}

fn render_status(state: &State, frame: &mut Frame, area: Rect) {
    let t = state.theme;
    let w = area.width as usize;
    let line = match &state.mode {
        Mode::Command(line) => {
            let text = format!(":{}", clean(&line.text));
            let shown = fit_tail(&text, w.saturating_sub(1));
            let x = cursor_x(&shown, &clean(line.split().1));
            frame.set_cursor_position((area.x + x, area.y));
            Line::from(shown)
        }
        Mode::Reason {
            generation_id,
            verdict,
            input,
        } => {
            let what = match verdict {
                Some(crate::store::Verdict::Up) => format!("thumbs-up #{generation_id}, why"),
                Some(crate::store::Verdict::Down) => format!("thumbs-down #{generation_id}, why"),
                None => format!("reason for #{generation_id}"),
            };
            let text = format!("{what}: {}", clean(&input.text));
            let shown = fit_tail(&text, w.saturating_sub(1));
            let x = cursor_x(&shown, &clean(input.split().1));
            frame.set_cursor_position((area.x + x, area.y));
            Line::from(shown)
        }
        Mode::Filter => keys_line(
            state,
            &[
                ("type", "filter"),
                ("↑↓", "move"),
                ("enter", "open"),
                ("esc", "clear"),
            ],
            w,
        ),
        Mode::Confirm(_) => keys_line(state, &[("y", "confirm"), ("any other key", "cancel")], w),
        Mode::Help { .. } | Mode::Guidelines { .. } | Mode::JobDetail { .. } => {
            keys_line(state, &[("j/k", "scroll"), ("esc", "close")], w)
        }
        Mode::Models | Mode::Explain { .. } | Mode::Compare { .. } => {
            keys_line(state, &[("esc", "close")], w)
        }
        Mode::Normal => {
            // Help is always shown, whatever else has to give way.
            let keys = state.keymap.status(state.focus);
            let help = state.keymap.first_key(super::keymap::KeyAction::Help);
            let help_w = text::width(&help) + " help".len();
            let pairs: Vec<(&str, &str)> = keys
                .iter()
                .filter(|(_, l)| *l != super::keymap::KeyAction::Help.short())
                .map(|(k, l)| (k.as_str(), *l))
                .collect();
            let mut line = keys_line(state, &pairs, w.saturating_sub(help_w));
            if help_w <= w && !state.keymap.keys(super::keymap::KeyAction::Help).is_empty() {
                line.spans.push(Span::styled(help, t.key()));
                line.spans.push(Span::raw(" help"));
            }
            line
        }
    };
    frame.render_widget(Paragraph::new(line), area);
}

/// `s` cut from the left so its end (where typing happens) stays visible.
fn fit_tail(s: &str, max: usize) -> String {
    if text::width(s) <= max {
        return s.to_string();
    }
    let chars: Vec<char> = s.chars().collect();
    let mut out: Vec<char> = Vec::new();
    let mut used = 0;
    for c in chars.iter().rev() {
        let w = unicode_width::UnicodeWidthChar::width(*c).unwrap_or(0);
        if used + w + 1 > max {
            break;
        }
        out.push(*c);
        used += w;
    }
    out.reverse();
    format!("…{}", out.into_iter().collect::<String>())
}

fn keys_line(state: &State, pairs: &[(&str, &str)], width: usize) -> Line<'static> {
    let t = state.theme;
    let mut spans = Vec::new();
    let mut used = 0;
    for (key, label) in pairs {
        let need = text::width(key) + 1 + text::width(label) + 2;
        if used + need > width {
            break;
        }
        spans.push(Span::styled(key.to_string(), t.key()));
        spans.push(Span::raw(format!(" {label}  ")));
        used += need;
    }
    Line::from(spans)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stacked_heights_fill_the_body_and_favour_the_focused_pane() {
        for total in [0u16, 5, 10, 18, 21, 40, 60] {
            for focus in 0..5 {
                let h = stack_heights(total, focus, [5, 6, 4, 8, 4]);
                assert_eq!(h.iter().sum::<u16>(), total, "{total} {focus}");
                if total >= 18 {
                    assert!(h[focus] >= 10, "{total} {focus} {h:?}");
                    assert!(h.iter().all(|&x| x >= 2));
                }
            }
        }
        assert_eq!(arrangement(Rect::new(0, 0, 120, 40)), Arrangement::Wide);
        assert_eq!(arrangement(Rect::new(0, 0, 80, 24)), Arrangement::Stacked);
        assert_eq!(arrangement(Rect::new(0, 0, 50, 16)), Arrangement::Single);
        assert_eq!(arrangement(Rect::new(0, 0, 29, 16)), Arrangement::TooSmall);
    }
}
