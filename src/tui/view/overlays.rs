//! Windows over the panes: help (generated from the live keymap), model
//! versions, a candidate's explanation and confirmations.

use super::text::{clean, date, fit, pad, wrap};
use crate::tui::commands::COMMANDS;
use crate::tui::state::{Confirm, Mode, State};
use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Clear, Paragraph};

/// Draws the overlay of the current mode, if any, over `body`.
pub fn render(state: &State, frame: &mut Frame, body: Rect) {
    match &state.mode {
        Mode::Help { scroll } => help(state, frame, body, *scroll),
        Mode::Guidelines { scroll, text } => guidelines(state, frame, body, *scroll, text.as_ref()),
        Mode::JobDetail { id, scroll } => super::jobs::detail(state, frame, body, *id, *scroll),
        Mode::Models => models(state, frame, body),
        Mode::Explain {
            generation_id,
            result,
        } => explain(state, frame, body, *generation_id, result.as_ref()),
        Mode::Compare { versions, result } => {
            compare(state, frame, body, versions, result.as_ref())
        }
        Mode::Confirm(what) => confirm(state, frame, body, what),
        _ => {}
    }
}

/// A centred rectangle of at most `w`×`h` inside `area`.
pub(super) fn centred(area: Rect, w: u16, h: u16) -> Rect {
    let w = w.min(area.width);
    let h = h.min(area.height);
    Rect::new(
        area.x + (area.width - w) / 2,
        area.y + (area.height - h) / 2,
        w,
        h,
    )
}

pub(super) fn window(state: &State, frame: &mut Frame, area: Rect, title: &str) -> Rect {
    let t = state.theme;
    frame.render_widget(Clear, area);
    let block = Block::bordered()
        .border_style(t.border(true))
        .title(Line::from(Span::styled(
            fit(&format!(" {title} "), area.width.saturating_sub(2) as usize),
            t.border(true),
        )));
    let inner = block.inner(area);
    frame.render_widget(block, area);
    inner
}

/// The help text: every action with its keys, by where it works, then the
/// commands. Generated from the keymap, so rebinding changes it.
pub fn help_lines(state: &State, width: usize) -> Vec<Line<'static>> {
    let t = state.theme;
    let mut lines = Vec::new();
    let help = state.keymap.help();
    let longest = help
        .iter()
        .flat_map(|(_, rows)| rows.iter().map(|(_, k)| super::text::width(k)))
        .chain(COMMANDS.iter().map(|(n, a, _)| n.len() + 1 + a.len()))
        .max()
        .unwrap_or(8);
    let key_w = longest.min(width / 3);
    for (scope, rows) in help {
        lines.push(Line::from(Span::styled(
            scope.heading().to_string(),
            t.heading(),
        )));
        for (action, keys) in rows {
            let desc_w = width.saturating_sub(key_w + 3);
            let desc = wrap(action.description(), desc_w.max(8));
            for (i, d) in desc.into_iter().enumerate() {
                let key = if i == 0 {
                    fit(&keys, key_w)
                } else {
                    String::new()
                };
                lines.push(Line::from(vec![
                    Span::styled(format!("  {key:<key_w$} "), t.key()),
                    Span::raw(d),
                ]));
            }
        }
        lines.push(Line::default());
    }
    lines.push(Line::from(Span::styled("Also", t.heading())));
    for (k, d) in [
        ("esc", "close a window, clear the filter, cancel typing"),
        ("tab", "complete a command, a version or a reason code"),
    ] {
        lines.push(Line::from(vec![
            Span::styled(format!("  {k:<key_w$} "), t.key()),
            Span::raw(fit(d, width.saturating_sub(key_w + 3))),
        ]));
    }
    lines.push(Line::default());
    lines.push(Line::from(Span::styled("Commands (after :)", t.heading())));
    for (name, arg, desc) in COMMANDS {
        let cmd = if arg.is_empty() {
            name.to_string()
        } else {
            format!("{name} {arg}")
        };
        // Wrapped, never cut: a command's description is its manual.
        let desc_w = width.saturating_sub(key_w + 3).max(8);
        for (i, d) in wrap(desc, desc_w).into_iter().enumerate() {
            let key = if i == 0 {
                fit(&cmd, key_w)
            } else {
                String::new()
            };
            lines.push(Line::from(vec![
                Span::styled(format!("  {key:<key_w$} "), t.key()),
                Span::raw(d),
            ]));
        }
    }
    lines
}

fn help(state: &State, frame: &mut Frame, body: Rect, scroll: usize) {
    let area = centred(body, 84, body.height);
    let inner = window(state, frame, area, "Keys and commands (esc closes)");
    if inner.is_empty() {
        return;
    }
    let lines = help_lines(state, inner.width as usize);
    let max = lines.len().saturating_sub(inner.height as usize);
    let scroll = scroll.min(max);
    let shown: Vec<Line> = lines.into_iter().skip(scroll).collect();
    frame.render_widget(Paragraph::new(shown), inner);
}

/// `guidelines.md`, wrapped to the window and scrolled; Markdown is shown
/// as written (headings and lists read well as plain text).
fn guidelines(
    state: &State,
    frame: &mut Frame,
    body: Rect,
    scroll: usize,
    text: Option<&Result<(String, Option<String>), String>>,
) {
    let t = state.theme;
    let area = centred(body, 84, body.height);
    let inner = window(state, frame, area, "Guidelines (esc closes)");
    if inner.is_empty() {
        return;
    }
    let w = inner.width as usize;
    let lines: Vec<Line> = match text {
        None => vec![Line::from(Span::styled("reading…", t.dim()))],
        Some(Err(e)) => wrap(&clean(e), w)
            .into_iter()
            .map(|l| Line::from(Span::styled(l, t.error())))
            .collect(),
        Some(Ok((path, None))) => wrap(
            &format!(
                "No guidelines yet. Write the house rules for labelling, in Markdown, to {}; G shows them here.",
                clean(path)
            ),
            w,
        )
        .into_iter()
        .map(Line::from)
        .collect(),
        Some(Ok((_, Some(text)))) => text
            .lines()
            .flat_map(|l| {
                let l = clean(l);
                let heading = l.starts_with('#');
                let rows = if l.trim().is_empty() {
                    vec![String::new()]
                } else {
                    wrap(&l, w)
                };
                rows.into_iter().map(move |r| {
                    if heading {
                        Line::from(Span::styled(r, t.heading()))
                    } else {
                        Line::from(r)
                    }
                })
            })
            .collect(),
    };
    let max = lines.len().saturating_sub(inner.height as usize);
    let shown: Vec<Line> = lines.into_iter().skip(scroll.min(max)).collect();
    frame.render_widget(Paragraph::new(shown), inner);
}

fn models(state: &State, frame: &mut Frame, body: Rect) {
    let t = state.theme;
    let width = body.width.min(90);
    let w = width.saturating_sub(2) as usize;
    let mut lines = Vec::new();
    if state.models.is_empty() {
        lines.push(Line::from(Span::styled(
            fit("no versions yet: :train pre-trains one", w),
            t.dim(),
        )));
    }
    for m in &state.models {
        let ppl = m
            .metrics
            .get("val_ppl")
            .and_then(|v| v.as_f64())
            .map_or("-".into(), |p| format!("{p:.2}"));
        let mark = if m.active { "*" } else { " " };
        let text = format!(
            "{mark} {:<6} {:<9} parent {:<6} val_ppl {ppl:<8} {}",
            clean(&m.version),
            clean(&m.kind),
            clean(m.parent.as_deref().unwrap_or("-")),
            date(m.created_at)
        );
        let style = if m.active { t.heading() } else { t.text() };
        lines.push(Line::from(Span::styled(fit(&text, w), style)));
        // The gate's verdict on it, whole: what a merchandiser needs to
        // know why it is (not) active.
        if let Some(reason) = m.metrics["gate"]["reason"].as_str() {
            for part in wrap(&clean(reason), w.saturating_sub(4)) {
                lines.push(Line::from(Span::styled(format!("    {part}"), t.dim())));
            }
        }
    }
    lines.push(Line::from(Span::styled(
        fit(
            "* active · :promote V makes V active · :rollback goes back",
            w,
        ),
        t.dim(),
    )));
    let h = (lines.len() as u16 + 2).min(body.height);
    let area = centred(body, width, h.max(5));
    let inner = window(state, frame, area, "Model versions (esc closes)");
    if inner.is_empty() {
        return;
    }
    frame.render_widget(Paragraph::new(lines), inner);
}

fn compare(
    state: &State,
    frame: &mut Frame,
    body: Rect,
    versions: &[String; 2],
    result: Option<&Result<crate::jobs::Comparison, String>>,
) {
    let width = body.width.saturating_sub(4).max(40).min(body.width);
    let title = format!(
        "{} and {} (esc closes)",
        clean(&versions[0]),
        clean(&versions[1])
    );
    let t = state.theme;
    let w = width.saturating_sub(2) as usize;
    // The window fits what it holds.
    let show = |frame: &mut Frame, lines: Vec<Line>| {
        let h = (lines.len() as u16 + 2).min(body.height);
        let inner = window(state, frame, centred(body, width, h.max(3)), &title);
        if !inner.is_empty() {
            frame.render_widget(Paragraph::new(lines), inner);
        }
    };
    let c = match result {
        None => {
            let line = Line::from(Span::styled("writing with both versions…", t.dim()));
            show(frame, vec![line]);
            return;
        }
        Some(Err(e)) => {
            let line = Line::from(Span::styled(
                fit(&format!("cannot compare: {}", clean(e)), w),
                t.error(),
            ));
            show(frame, vec![line]);
            return;
        }
        Some(Ok(c)) => c,
    };
    let mut lines = vec![Line::from(Span::styled(
        fit(
            &format!("{} · {}", clean(&c.user_id), clean(&c.product_title)),
            w,
        ),
        t.heading(),
    ))];
    // Side by side: each version's candidates in its own column.
    let col = w.saturating_sub(3) / 2;
    let column = |side: &crate::jobs::CompareSide| -> Vec<String> {
        let mut out = vec![fit(
            &format!(
                "{}{}",
                clean(&side.version),
                if side.active { " (active)" } else { "" }
            ),
            col,
        )];
        for (i, text) in side.candidates.iter().enumerate() {
            let mut first = true;
            for part in wrap(&clean(text), col.saturating_sub(3)) {
                let mark = if first {
                    format!("{}. ", i + 1)
                } else {
                    "   ".into()
                };
                out.push(format!("{mark}{part}"));
                first = false;
            }
        }
        if side.candidates.is_empty() {
            out.push(fit("(nothing the checks pass)", col));
        }
        out
    };
    let (left, right) = match c.versions.as_slice() {
        [a, b] => (column(a), column(b)),
        _ => (vec![], vec![]),
    };
    for i in 0..left.len().max(right.len()) {
        let l = pad(left.get(i).map_or("", String::as_str), col);
        let r = fit(right.get(i).map_or("", String::as_str), col);
        let style = if i == 0 { t.heading() } else { t.text() };
        lines.push(Line::from(vec![
            Span::styled(l, style),
            Span::styled(" │ ", t.dim()),
            Span::styled(r, style),
        ]));
    }
    lines.push(Line::from(""));
    match &c.gate {
        Some(reason) => {
            for part in wrap(&format!("gate: {}", clean(reason)), w) {
                lines.push(Line::from(Span::styled(part, t.text())));
            }
            for check in &c.checks {
                let mark = if check.passed { "pass" } else { "FAIL" };
                let style = if check.passed { t.dim() } else { t.error() };
                for part in wrap(
                    &format!("  {mark} {}: {}", clean(&check.check), clean(&check.detail)),
                    w,
                ) {
                    lines.push(Line::from(Span::styled(part, style)));
                }
            }
        }
        None => lines.push(Line::from(Span::styled(
            fit("neither version was judged against the other", w),
            t.dim(),
        ))),
    }
    show(frame, lines);
}

fn explain(
    state: &State,
    frame: &mut Frame,
    body: Rect,
    generation_id: i64,
    result: Option<&Result<crate::jobs::explain::Explanation, String>>,
) {
    let area = centred(body, 90, 16);
    let inner = window(
        state,
        frame,
        area,
        &format!("Why candidate #{generation_id} (esc closes)"),
    );
    if inner.is_empty() {
        return;
    }
    let t = state.theme;
    let w = inner.width as usize;
    let mut lines: Vec<Line> = Vec::new();
    match result {
        None => lines.push(Line::from(Span::styled("explaining…", t.dim()))),
        Some(Err(e)) => lines.push(Line::from(Span::styled(
            fit(&format!("cannot explain: {}", clean(e)), w),
            t.error(),
        ))),
        Some(Ok(x)) => {
            let intro = format!(
                "Under {} without sampling, the text has log p = {:.1} over {} tokens. Leaving each history item out of the prompt changes that by (nats; + means the item made this text more likely):",
                clean(&x.model_version),
                x.logprob,
                x.tokens
            );
            for l in wrap(&intro, w) {
                lines.push(Line::from(Span::styled(l, t.dim())));
            }
            if x.items.is_empty() {
                lines.push(Line::from("the shopper has no history: nothing drove it"));
            }
            for c in &x.items {
                let style = if c.delta > 0.0 { t.up() } else { t.down() };
                let sign = if c.delta >= 0.0 { "+" } else { "-" };
                lines.push(Line::from(vec![
                    Span::styled(format!("{sign}{:>6.2} ", c.delta.abs()), style),
                    Span::raw(fit(
                        &format!(
                            "{:<8} {} · {}",
                            c.kind.as_str(),
                            clean(&c.category),
                            clean(&c.title)
                        ),
                        w.saturating_sub(8),
                    )),
                ]));
            }
        }
    }
    frame.render_widget(Paragraph::new(lines), inner);
}

fn confirm(state: &State, frame: &mut Frame, body: Rect, what: &Confirm) {
    let question = match what {
        Confirm::Promote(v) => format!(
            "Make {} the active model? New candidates will come from it.",
            clean(v)
        ),
        Confirm::Rollback => {
            "Roll back to the previously active model version? New candidates will come from it."
                .to_string()
        }
        Confirm::Train => {
            let active = state
                .active_model
                .as_deref()
                .map_or("the active version".into(), clean);
            format!(
                "Pre-train a new version on the whole store in the background? It takes minutes. It becomes active only if it is at least as good as {active} on held-out texts and copy."
            )
        }
        Confirm::Finetune => {
            let g = &state.progress.gate;
            format!(
                "Fine-tune on {} up and {} down new labels in the background? It is promoted only if it agrees with the {} up and {} down labels of {} held-out shoppers more often than {}, and its copy stays as faithful and as varied.",
                g.new_up,
                g.new_down,
                g.held_up,
                g.held_down,
                g.held_out_shoppers,
                state
                    .active_model
                    .as_deref()
                    .map_or("the active version".into(), clean)
            )
        }
    };
    let width = 64u16.min(body.width);
    let rows = wrap(&question, width.saturating_sub(2) as usize).len() as u16;
    let area = centred(body, width, rows + 3);
    let inner = window(state, frame, area, "Confirm");
    if inner.is_empty() {
        return;
    }
    let t = state.theme;
    let mut lines: Vec<Line> = wrap(&question, inner.width as usize)
        .into_iter()
        .map(Line::from)
        .collect();
    lines.push(Line::from(vec![
        Span::styled("y", t.key()),
        Span::raw(" confirms, any other key cancels"),
    ]));
    frame.render_widget(Paragraph::new(lines), inner);
}
