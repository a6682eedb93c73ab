//! The jobs pane: for a training job a gauge, a loss sparkline and the
//! figures (loss, held-out loss, ETA, speed); for every job who started it
//! and how it ended.

use super::panes::{SELECTED, message, open};
use super::text::{clean, duration, fit};
use crate::jobs::JobKind;
use crate::tui::keymap::{KeyAction, Pane};
use crate::tui::state::{JobItem, JobState, State};
use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::style::Style;
use ratatui::text::Span;
use ratatui::widgets::{Gauge, Paragraph, Sparkline};

fn job_icon(state: JobState) -> &'static str {
    match state {
        JobState::Running => "●",
        JobState::Cancelling => "◌",
        JobState::Done => "✓",
        JobState::Failed => "✗",
        JobState::Cancelled => "■",
    }
}

fn job_state_word(job: &JobItem) -> &'static str {
    match job.state {
        JobState::Running => "running",
        JobState::Cancelling => "cancelling",
        JobState::Done => "done",
        JobState::Failed => "failed",
        JobState::Cancelled => "cancelled",
    }
}

/// Rows a job takes: its line, then for a running training job a gauge,
/// a loss sparkline and a figures line; for an ended one, its outcome.
fn job_rows(job: &JobItem, room: u16) -> u16 {
    let training = matches!(job.kind, JobKind::Pretrain | JobKind::Finetune);
    match job.state {
        JobState::Running | JobState::Cancelling if training => {
            let has_steps = job.progress.as_ref().is_some_and(|p| p.total > 0);
            if !has_steps {
                2
            } else if room >= 6 {
                5
            } else {
                3
            }
        }
        JobState::Running | JobState::Cancelling => 1,
        _ => 2,
    }
}

/// Background jobs: a gauge, a loss sparkline and an ETA for training.
pub fn jobs(state: &State, frame: &mut Frame, area: Rect, boxed: bool) {
    let running = state
        .jobs
        .iter()
        .filter(|j| matches!(j.state, JobState::Running | JobState::Cancelling))
        .count();
    let title = format!("Jobs ({running} running)");
    let inner = open(state, frame, area, Pane::Jobs, title, boxed);
    if inner.is_empty() {
        return;
    }
    if state.jobs.is_empty() {
        message(
            state,
            frame,
            inner,
            "no jobs: :train pre-trains a model, g generates candidates",
        );
        return;
    }
    let t = state.theme;
    let w = inner.width as usize;
    let focused = state.focus == Pane::Jobs;
    // Newest first, keeping the selected job in view.
    let order: Vec<usize> = (0..state.jobs.len()).rev().collect();
    let sel_pos = order
        .iter()
        .position(|&i| i == state.job_selected)
        .unwrap_or(0);
    let mut y = inner.y;
    let bottom = inner.y + inner.height;
    let mut skip = 0;
    // Skip newer jobs when the selected one would not fit.
    let mut need: u16 = 0;
    for &i in order.iter().take(sel_pos + 1) {
        need += job_rows(&state.jobs[i], inner.height);
    }
    while need > inner.height && skip < sel_pos {
        need -= job_rows(&state.jobs[order[skip]], inner.height);
        skip += 1;
    }
    for &i in order.iter().skip(skip) {
        let job = &state.jobs[i];
        let room = bottom.saturating_sub(y);
        if room == 0 {
            break;
        }
        let rows = job_rows(job, inner.height).min(room);
        let selected = i == state.job_selected;
        let head = format!(
            "{}{} {} · {} · by {} · {}",
            if selected { SELECTED } else { " " },
            job_icon(job.state),
            job.kind.as_str(),
            clean(&job.what),
            clean(&job.by),
            job_state_word(job)
        );
        let head_style = if selected {
            t.selected(focused)
        } else {
            Style::new()
        };
        let line_area = Rect::new(inner.x, y, inner.width, 1);
        frame.render_widget(
            Paragraph::new(Span::styled(fit(&head, w), head_style)),
            line_area,
        );
        let mut yy = y + 1;
        let left = rows.saturating_sub(1);
        match (&job.progress, job.state) {
            (Some(p), JobState::Running | JobState::Cancelling) if p.total > 0 && left >= 2 => {
                let ratio = (p.step as f64 / p.total as f64).clamp(0.0, 1.0);
                let label = format!(
                    "{} step {}/{} · {:.0}%",
                    clean(&p.phase),
                    p.step,
                    p.total,
                    ratio * 100.0
                );
                frame.render_widget(
                    Gauge::default()
                        .ratio(ratio)
                        .label(fit(&label, w))
                        .gauge_style(t.gauge())
                        .use_unicode(true),
                    Rect::new(inner.x, yy, inner.width, 1),
                );
                yy += 1;
                if left >= 4 {
                    let data = spark(&job.losses, w);
                    frame.render_widget(
                        Sparkline::default().data(&data).style(t.sparkline()),
                        Rect::new(inner.x, yy, inner.width, 2),
                    );
                    yy += 2;
                }
                let mut figures = loss_and_eta(p);
                if let Some(tps) = p.tokens_per_s {
                    figures.push(format!("{:.1}k tok/s", tps / 1000.0));
                }
                if job.state == JobState::Running && job.cancellable {
                    figures.push(format!(
                        "{} cancels",
                        state.keymap.first_key(KeyAction::CancelJob)
                    ));
                }
                frame.render_widget(
                    Paragraph::new(Span::styled(fit(&figures.join(" · "), w), t.dim())),
                    Rect::new(inner.x, yy, inner.width, 1),
                );
            }
            (p, JobState::Running | JobState::Cancelling) if left >= 1 => {
                let phase = p
                    .as_ref()
                    .map(|p| format!("{}…", clean(&p.phase)))
                    .unwrap_or_else(|| "starting…".into());
                frame.render_widget(
                    Paragraph::new(Span::styled(fit(&phase, w), t.dim())),
                    Rect::new(inner.x, yy, inner.width, 1),
                );
            }
            (_, JobState::Failed) if left >= 1 => {
                let text = job.outcome.as_deref().unwrap_or("");
                frame.render_widget(
                    Paragraph::new(Span::styled(
                        fit(&format!("  {}", clean(text)), w),
                        t.error(),
                    )),
                    Rect::new(inner.x, yy, inner.width, 1),
                );
            }
            (_, JobState::Done | JobState::Cancelled) if left >= 1 => {
                let text = job.outcome.as_deref().unwrap_or("");
                frame.render_widget(
                    Paragraph::new(Span::styled(
                        fit(&format!("   {}", clean(text)), w),
                        t.dim(),
                    )),
                    Rect::new(inner.x, yy, inner.width, 1),
                );
            }
            _ => {}
        }
        y += rows;
    }
}

/// The last `width` losses as sparkline bars, scaled between their
/// minimum and maximum so that the trend shows.
fn spark(losses: &[f64], width: usize) -> Vec<u64> {
    let tail = &losses[losses.len().saturating_sub(width)..];
    let (lo, hi) = tail
        .iter()
        .fold((f64::INFINITY, f64::NEG_INFINITY), |(a, b), &x| {
            (a.min(x), b.max(x))
        });
    let span = (hi - lo).max(1e-9);
    tail.iter()
        .map(|&x| (1.0 + 99.0 * (x - lo) / span).round() as u64)
        .collect()
}

/// A training job's loss, validation loss and time left, as far as known.
fn loss_and_eta(p: &crate::jobs::JobProgress) -> Vec<String> {
    let mut figures = Vec::new();
    if let Some(l) = p.loss {
        figures.push(format!("loss {l:.3}"));
    }
    if let Some(v) = p.val_loss {
        figures.push(format!("val {v:.3}"));
    }
    if let Some(e) = p.eta_s {
        figures.push(format!("ETA {}", duration(e)));
    }
    figures
}

/// One job in full, over the panes: what it did, its last figures and how
/// it ended, wrapped and never cut (a gate's verdict runs long).
pub fn detail(state: &State, frame: &mut Frame, body: Rect, id: crate::jobs::JobId, scroll: usize) {
    let t = state.theme;
    let area = super::overlays::centred(body, 84, body.height);
    let inner = super::overlays::window(state, frame, area, "Job (esc closes)");
    if inner.is_empty() {
        return;
    }
    let w = (inner.width as usize).max(8);
    let Some(job) = state.jobs.iter().find(|j| j.id == id) else {
        frame.render_widget(
            Paragraph::new(Span::styled(
                fit("that job is no longer listed", w),
                t.dim(),
            )),
            inner,
        );
        return;
    };
    let mut text = vec![format!(
        "{} · {} · by {} · {}",
        job.kind.as_str(),
        clean(&job.what),
        clean(&job.by),
        job_state_word(job)
    )];
    if let Some(p) = &job.progress {
        let mut figures = vec![format!("{} step {}/{}", clean(&p.phase), p.step, p.total)];
        figures.extend(loss_and_eta(p));
        text.push(figures.join(" · "));
    }
    if let Some(outcome) = &job.outcome {
        text.push(String::new());
        text.push(clean(outcome).into_owned());
    }
    let lines: Vec<ratatui::text::Line> = text
        .iter()
        .flat_map(|l| {
            if l.is_empty() {
                vec![String::new()]
            } else {
                super::text::wrap(l, w)
            }
        })
        .map(ratatui::text::Line::from)
        .collect();
    let max = lines.len().saturating_sub(inner.height as usize);
    frame.render_widget(
        Paragraph::new(lines.into_iter().skip(scroll.min(max)).collect::<Vec<_>>()),
        inner,
    );
}
